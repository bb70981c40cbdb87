/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the QMP client (qmp.c) reading whatever a monitor
 * sends: the greeting, the reply to qmp_capabilities, a command's reply
 * with events in between, and an event wait.  The input is the whole
 * stream from the monitor, after which it closes.  A hostile or broken
 * QEMU must get an error, never a crash, a hang or a leak.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qmp.h"
#include "fuzz.h"

/* Only errors the API documents, or those of the socket itself. */
static void check_result(int r)
{
	CHECK(r == 0 || r == -EPROTO || r == -ETIMEDOUT || r == -ECONNRESET || r == -ENOMEM);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dda_qmp *q = NULL;
	struct json_object *ret = NULL;
	int sv[2], r;

	/* what a socket buffer holds without the peer reading */
	if (size > 64 * 1024)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	CHECK(write(sv[1], data, size) == (ssize_t)size);
	/* EOF after the input, but the client's commands still go through */
	CHECK(shutdown(sv[1], SHUT_WR) == 0);

	r = dda_qmp_open_fd(sv[0], "VM 'fuzz'", 200, &q);
	check_result(r);
	if (r == 0) {
		r = dda_qmp_command(q, "query-status", NULL, 200, &ret);
		check_result(r);
		if (r == 0)
			json_object_put(ret);
		else if (r == -EPROTO)
			CHECK(strlen(dda_qmp_error_class(q)) < 64);
		ret = NULL;
		r = dda_qmp_wait_event(q, "DEVICE_DELETED", "hostdev0", 200, &ret);
		check_result(r);
		if (r == 0) {
			struct json_object *d, *dev;

			CHECK(json_object_is_type(ret, json_type_object));
			CHECK(json_object_object_get_ex(ret, "data", &d));
			CHECK(json_object_object_get_ex(d, "device", &dev));
			CHECK(!strcmp(json_object_get_string(dev), "hostdev0"));
			json_object_put(ret);
		}
		dda_qmp_close(q);
	}
	close(sv[1]);
	return 0;
}
