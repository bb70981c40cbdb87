/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A QMP client (QEMU Machine Protocol) on json-c.
 *
 * The monitor speaks JSON objects over a stream: a greeting, then replies
 * ({"return": ...} or {"error": {"class", "desc"}}) in command order, and
 * asynchronous events ({"event": ..., "data": ...}) at any time, also
 * between a command and its reply.  The client reads with an incremental
 * tokenizer (objects may arrive split across reads or several per read),
 * keeps events that arrive while it waits for a reply, and gives up on a
 * monitor that hangs after a timeout or closes.
 *
 * The transport is any connected stream fd: a UNIX socket to QEMU, or one
 * end of a socketpair whose other end a test scripts.
 */
#ifndef DDA_QMP_H
#define DDA_QMP_H

#include <json-c/json.h>

#include "cleanup.h"

struct dda_qmp;

/* Takes ownership of fd; reads the greeting and negotiates capabilities.
 * name is what errors call the peer ("VM 'web'"). */
int dda_qmp_open_fd(int fd, const char *name, int timeout_ms, struct dda_qmp **ret) _must_check_;

/* Connects to a UNIX socket, then as dda_qmp_open_fd. */
int dda_qmp_connect(const char *path, const char *name, int timeout_ms, struct dda_qmp **ret) _must_check_;

void dda_qmp_close(struct dda_qmp *q);
DDA_DEFINE_CLEANUP(struct dda_qmp, dda_qmp_close)

/* Runs a command.  args (may be NULL) is consumed.  On success *ret (if
 * not NULL) gets the "return" value, a new reference.  A QMP error is
 * -EPROTO with the monitor's class and desc recorded; a hang -ETIMEDOUT;
 * a closed monitor -ECONNRESET. */
int dda_qmp_command(struct dda_qmp *q, const char *cmd, struct json_object *args, int timeout_ms,
		    struct json_object **ret) _must_check_;

/* Waits for an event by name, and when device is not NULL, with that
 * data.device (DEVICE_DELETED of one device, not of its children).
 * Events already queued are looked at first.  *ret gets the event (new
 * reference) when not NULL.  -ETIMEDOUT if none came. */
int dda_qmp_wait_event(struct dda_qmp *q, const char *event, const char *device, int timeout_ms,
		       struct json_object **ret) _must_check_;

/* The error class of the last failed command ("GenericError",
 * "DeviceNotFound"...), or "". */
const char *dda_qmp_error_class(const struct dda_qmp *q);

#endif
