/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMP client (qmp.h) against a scripted fake monitor.
 *
 * The client gets one end of a socketpair; a thread plays QEMU on the
 * other, following a script: send bytes (whole, or a few at a time so the
 * client sees partial reads), expect a command line and check its
 * "execute" and "arguments", close, or hang until the client gives up.
 * The fake records what went wrong instead of asserting (cmocka's asserts
 * may only run on the test's own thread); finish() checks it after the
 * join.  Every script ends by waiting for the client to close its end, so
 * a test also fails when the client keeps (leaks) the fd on an error path,
 * or sends something the script did not expect.
 *
 * Timeouts are short: an expected hang costs HANG_MS, not seconds.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <linux/sockios.h>

#include "error.h"
#include "qmp.h"

/* For calls that must work: generous, so a slow (sanitized) build passes. */
#define OK_MS 2000
/* For calls that must time out: short, the test waits this long. */
#define HANG_MS 150
/* How long the fake waits for the client before it calls the test broken. */
#define FAKE_PATIENCE_MS 5000

#define WHO "VM 'web'"

/* What QEMU 8.2 sends; QMP lines end in CRLF. */
#define GREETING                                                                          \
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 2, \"minor\": 2, \"major\": 8}, " \
	"\"package\": \"Debian 1:8.2.2+ds-0ubuntu1\"}, \"capabilities\": [\"oob\"]}}\r\n"
#define RETURN_EMPTY "{\"return\": {}}\r\n"

/* ------------------------------------------------------------ the fake */

enum step_kind {
	S_END,
	S_SEND,	  /* text, in one write */
	S_SPLIT,  /* text, chunk bytes per write, each after the last was read */
	S_EXPECT, /* a command line: text is "execute", args the arguments */
	S_SLEEP,  /* ms */
	S_CLOSE,
};

struct step {
	enum step_kind kind;
	const char *text;
	const char *args; /* S_EXPECT: JSON text, NULL: none or {} */
	size_t chunk;
	int ms;
};

#define SEND(s)                             \
	{                                   \
		.kind = S_SEND, .text = (s) \
	}
#define SPLIT(s, n)                                        \
	{                                                  \
		.kind = S_SPLIT, .text = (s), .chunk = (n) \
	}
#define EXPECT(cmd, a)                                       \
	{                                                    \
		.kind = S_EXPECT, .text = (cmd), .args = (a) \
	}
#define SLEEP(n)                           \
	{                                  \
		.kind = S_SLEEP, .ms = (n) \
	}
#define CLOSE                   \
	{                       \
		.kind = S_CLOSE \
	}
#define END                   \
	{                     \
		.kind = S_END \
	}
/* The start every conversation with a working monitor has. */
#define HANDSHAKE SEND(GREETING), EXPECT("qmp_capabilities", NULL), SEND(RETURN_EMPTY)

struct fx {
	int client_fd; /* until dda_qmp_open_fd takes it */
	struct dda_qmp *q;

	int fd; /* the monitor's end */
	const struct step *script;
	pthread_t thread;
	bool running;
	size_t steps_done;
	char error[512];  /* first thing that went wrong in the fake */
	char line[65536]; /* what the client sent, not yet a whole line */
	size_t linelen;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

_printf_(2, 3) static void fake_fail(struct fx *f, const char *fmt, ...)
{
	va_list ap;

	if (f->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(f->error, sizeof(f->error), fmt, ap);
	va_end(ap);
}

/* Waits until the client has read everything sent so far, so the next
 * write is a read of its own: SIOCOUTQ of an AF_UNIX socket counts what
 * the peer has not consumed.  Gives up quietly after a while (the split is
 * then coarser, not wrong). */
static void wait_drained(struct fx *f)
{
	long long end = now_ms() + 1000;
	int queued;

	while (ioctl(f->fd, SIOCOUTQ, &queued) == 0 && queued > 0 && now_ms() < end)
		usleep(100);
}

static bool fake_write(struct fx *f, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(f->fd, s, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fake_fail(f, "write to the client: %s", strerror(errno));
			return false;
		}
		s += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads more of what the client sends.  0 at EOF, -1 on error or when the
 * client sent nothing for FAKE_PATIENCE_MS, else the bytes read. */
static ssize_t fake_read(struct fx *f)
{
	struct pollfd p = { .fd = f->fd, .events = POLLIN };
	ssize_t n;

	if (f->linelen == sizeof(f->line)) {
		fake_fail(f, "the client sent a line longer than %zu bytes", sizeof(f->line));
		return -1;
	}
	if (poll(&p, 1, FAKE_PATIENCE_MS) <= 0) {
		fake_fail(f, "the client sent nothing and kept its end open for %d ms", FAKE_PATIENCE_MS);
		return -1;
	}
	n = read(f->fd, f->line + f->linelen, sizeof(f->line) - f->linelen);
	if (n < 0)
		fake_fail(f, "read from the client: %s", strerror(errno));
	else
		f->linelen += (size_t)n;
	return n;
}

static void fake_expect(struct fx *f, const struct step *st)
{
	struct json_object *cmd = NULL, *want = NULL, *v;
	char *nl;

	while (!(nl = memchr(f->line, '\n', f->linelen))) {
		ssize_t n = fake_read(f);

		if (n == 0)
			fake_fail(f, "expected '%s', but the client closed its end", st->text);
		if (n <= 0)
			return;
	}
	*nl = '\0';
	cmd = json_tokener_parse(f->line);
	if (!cmd || !json_object_is_type(cmd, json_type_object)) {
		fake_fail(f, "expected '%s', got a line that is not a JSON object: %s", st->text, f->line);
		goto out;
	}
	if (!json_object_object_get_ex(cmd, "execute", &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), st->text)) {
		fake_fail(f, "expected '%s', got %s", st->text, f->line);
		goto out;
	}
	if (st->args) {
		want = json_tokener_parse(st->args);
		if (!want) {
			fake_fail(f, "the script's arguments are not JSON: %s", st->args);
			goto out;
		}
		if (!json_object_object_get_ex(cmd, "arguments", &v) || !json_object_equal(v, want))
			fake_fail(f, "'%s' with arguments %s expected, got %s", st->text, st->args, f->line);
	} else if (json_object_object_get_ex(cmd, "arguments", &v) &&
		   !(json_object_is_type(v, json_type_object) && json_object_object_length(v) == 0)) {
		fake_fail(f, "'%s' without arguments expected, got %s", st->text, f->line);
	}
out:
	json_object_put(cmd);
	json_object_put(want);
	/* the rest is the start of the next line */
	f->linelen -= (size_t)(nl + 1 - f->line);
	memmove(f->line, nl + 1, f->linelen);
}

static void *fake_main(void *arg)
{
	struct fx *f = arg;
	const struct step *st;

	for (st = f->script; st->kind != S_END && !f->error[0]; st++) {
		switch (st->kind) {
		case S_SEND: fake_write(f, st->text, strlen(st->text)); break;
		case S_SPLIT: {
			/* The line end goes with the last chunk: a client that
			 * has its object may close before reading it. */
			size_t len = strlen(st->text), end = len;

			while (end && strchr(" \r\n", st->text[end - 1]))
				end--;
			for (size_t off = 0, n; off < end; off += n) {
				n = end - off < st->chunk ? end - off : st->chunk;
				if (off + n == end)
					n = len - off;
				wait_drained(f);
				if (!fake_write(f, st->text + off, n))
					break;
			}
			break;
		}
		case S_EXPECT: fake_expect(f, st); break;
		case S_SLEEP: usleep((useconds_t)st->ms * 1000); break;
		case S_CLOSE:
			close(f->fd);
			f->fd = -1;
			break;
		case S_END: break;
		}
		if (!f->error[0])
			f->steps_done++;
	}
	/* A monitor that said all it had to say stays open, silent, until the
	 * client closes its end; anything the client sends now is a command
	 * the script did not expect. */
	while (f->fd >= 0 && !f->error[0]) {
		ssize_t n = fake_read(f);

		if (n == 0)
			break;
		if (n > 0)
			fake_fail(f, "the client sent what the script did not expect: %.*s", (int)f->linelen, f->line);
	}
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	return NULL;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int sv[2];

	if (!f || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(f);
		return -1;
	}
	f->client_fd = sv[0];
	f->fd = sv[1];
	dda_error_clear();
	*state = f;
	return 0;
}

/* Also when the test failed half-way: closing the client's end lets the
 * fake's final wait end, so the join cannot hang. */
static int teardown(void **state)
{
	struct fx *f = *state;

	dda_qmp_close(f->q);
	if (f->client_fd >= 0)
		close(f->client_fd);
	if (f->running)
		pthread_join(f->thread, NULL);
	else if (f->fd >= 0)
		close(f->fd);
	free(f);
	return 0;
}

static void run_fake(struct fx *f, const struct step *script)
{
	f->script = script;
	if (pthread_create(&f->thread, NULL, fake_main, f) != 0)
		fail_msg("cannot start the fake monitor");
	f->running = true;
}

/* The client takes the fd, whatever the outcome. */
static int open_client(struct fx *f, int timeout_ms)
{
	int fd = f->client_fd;

	f->client_fd = -1;
	return dda_qmp_open_fd(fd, WHO, timeout_ms, &f->q);
}

static void open_ok(struct fx *f, const struct step *script)
{
	int r;

	run_fake(f, script);
	r = open_client(f, OK_MS);
	if (r < 0)
		fail_msg("dda_qmp_open_fd: %s (%s); fake: %s", strerror(-r), dda_last_error()->message, f->error);
	assert_non_null(f->q);
}

/* Closes the client, waits for the fake, and checks it ran its whole
 * script without a complaint. */
static void finish(struct fx *f)
{
	size_t steps = 0;

	dda_qmp_close(f->q);
	f->q = NULL;
	if (f->client_fd >= 0)
		close(f->client_fd);
	f->client_fd = -1;
	pthread_join(f->thread, NULL);
	f->running = false;
	if (f->error[0])
		fail_msg("fake monitor: %s", f->error);
	while (f->script[steps].kind != S_END)
		steps++;
	assert_int_equal(f->steps_done, steps);
}

static void expect_error(int r, int err, const char *sub)
{
	const struct dda_error_info *e = dda_last_error();

	if (r != err)
		fail_msg("expected %s, got %d (%s): %s", strerror(-err), r, r < 0 ? strerror(-r) : "success",
			 e->message);
	assert_int_equal(e->err, err);
	if (!strstr(e->message, sub))
		fail_msg("error \"%s\" does not say \"%s\"", e->message, sub);
	/* a VM's monitor is named as the VM in every error */
	if (!strstr(e->message, WHO))
		fail_msg("error \"%s\" does not name " WHO, e->message);
}

static const char *str_at(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		fail_msg("no string \"%s\" in %s", key, json_object_to_json_string(o));
	return json_object_get_string(v);
}

static struct json_object *obj_at(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

/* ------------------------------------------------------------ handshake */

static void test_handshake(void **state)
{
	static const struct step script[] = { HANDSHAKE, END };
	struct fx *f = *state;

	open_ok(f, script);
	assert_string_equal(dda_qmp_error_class(f->q), "");
	finish(f);
}

/* A monitor that refuses capabilities negotiation is no monitor we can
 * use: the open fails, and the fd is closed (finish() would time out if
 * the client kept it). */
static void test_handshake_refused(void **state)
{
	static const struct step script[] = {
		SEND(GREETING),
		EXPECT("qmp_capabilities", NULL),
		SEND("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Capabilities negotiation is already complete, command ignored\"}}\r\n"),
		END,
	};
	struct fx *f = *state;

	run_fake(f, script);
	expect_error(open_client(f, OK_MS), -EPROTO, "Capabilities negotiation is already complete");
	assert_null(f->q);
	finish(f);
}

/* The greeting of something else on the socket (a stale path reused by
 * another service): refused before a command is sent to it. */
static void test_greeting_not_json(void **state)
{
	static const struct step script[] = { SEND("SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n"), END };
	struct fx *f = *state;

	run_fake(f, script);
	expect_error(open_client(f, OK_MS), -EPROTO, "invalid JSON");
	assert_null(f->q);
	finish(f);
}

/* JSON, but not QMP's greeting: another JSON service behind the path. */
static void test_greeting_not_qmp(void **state)
{
	static const struct step script[] = {
		SEND("{\"return\": {\"version\": \"8.2.2\", \"supported_commands\": []}}\r\n"),
		END,
	};
	struct fx *f = *state;

	run_fake(f, script);
	expect_error(open_client(f, OK_MS), -EPROTO, "did not greet like a QMP monitor");
	assert_null(f->q);
	finish(f);
}

static void test_greeting_not_object(void **state)
{
	static const struct step script[] = { SEND("[\"QMP\"]\r\n"), END };
	struct fx *f = *state;

	run_fake(f, script);
	expect_error(open_client(f, OK_MS), -EPROTO, "not an object");
	assert_null(f->q);
	finish(f);
}

/* ------------------------------------------------------------- commands */

static void test_command_return(void **state)
{
	static const struct step script[] = {
		HANDSHAKE,
		EXPECT("query-status", NULL),
		SEND("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}\r\n"),
		EXPECT("qom-list", "{\"path\": \"/machine/peripheral\"}"),
		SEND("{\"return\": [{\"name\": \"type\", \"type\": \"string\"}, {\"name\": \"hostdev0\", \"type\": \"child<vfio-pci>\"}]}\r\n"),
		EXPECT("system_powerdown", NULL),
		SEND(RETURN_EMPTY),
		END,
	};
	struct fx *f = *state;
	struct json_object *ret = NULL, *args;

	open_ok(f, script);
	assert_int_equal(dda_qmp_command(f->q, "query-status", NULL, OK_MS, &ret), 0);
	assert_non_null(ret);
	assert_string_equal(str_at(ret, "status"), "running");
	assert_true(json_object_get_boolean(obj_at(ret, "running")));
	json_object_put(ret);
	ret = NULL;

	args = json_object_new_object();
	json_object_object_add(args, "path", json_object_new_string("/machine/peripheral"));
	assert_int_equal(dda_qmp_command(f->q, "qom-list", args, OK_MS, &ret), 0);
	assert_true(json_object_is_type(ret, json_type_array));
	assert_int_equal(json_object_array_length(ret), 2);
	assert_string_equal(str_at(json_object_array_get_idx(ret, 1), "name"), "hostdev0");
	json_object_put(ret);

	/* ret may be NULL when the caller only wants to know it worked */
	assert_int_equal(dda_qmp_command(f->q, "system_powerdown", NULL, OK_MS, NULL), 0);
	finish(f);
}

/* device_add of a device QEMU cannot open: the monitor's desc is what the
 * user must see, and the class is kept for callers that branch on it. */
static void test_device_add_error(void **state)
{
	static const struct step script[] = {
		HANDSHAKE,
		EXPECT("device_add",
		       "{\"driver\": \"vfio-pci\", \"host\": \"0000:01:00.0\", \"id\": \"hostdev0\", \"bus\": \"hp0\"}"),
		SEND("{\"error\": {\"class\": \"GenericError\", \"desc\": \"vfio 0000:01:00.0: group 14 is not viable\"}}\r\n"),
		EXPECT("device_del", "{\"id\": \"hostdev9\"}"),
		SEND("{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'hostdev9' not found\"}}\r\n"),
		EXPECT("query-status", NULL),
		SEND("{\"return\": {\"status\": \"running\", \"running\": true}}\r\n"),
		END,
	};
	struct fx *f = *state;
	struct json_object *args, *ret = NULL;

	open_ok(f, script);
	args = json_object_new_object();
	json_object_object_add(args, "driver", json_object_new_string("vfio-pci"));
	json_object_object_add(args, "host", json_object_new_string("0000:01:00.0"));
	json_object_object_add(args, "id", json_object_new_string("hostdev0"));
	json_object_object_add(args, "bus", json_object_new_string("hp0"));
	expect_error(dda_qmp_command(f->q, "device_add", args, OK_MS, &ret), -EPROTO,
		     "vfio 0000:01:00.0: group 14 is not viable");
	assert_null(ret);
	/* and it says which command was refused */
	if (!strstr(dda_last_error()->message, "'device_add'"))
		fail_msg("error \"%s\" does not name the command", dda_last_error()->message);
	assert_string_equal(dda_qmp_error_class(f->q), "GenericError");

	args = json_object_new_object();
	json_object_object_add(args, "id", json_object_new_string("hostdev9"));
	expect_error(dda_qmp_command(f->q, "device_del", args, OK_MS, NULL), -EPROTO, "Device 'hostdev9' not found");
	assert_string_equal(dda_qmp_error_class(f->q), "DeviceNotFound");

	/* a refusal does not break the conversation: the next command works */
	assert_int_equal(dda_qmp_command(f->q, "query-status", NULL, OK_MS, &ret), 0);
	assert_string_equal(str_at(ret, "status"), "running");
	json_object_put(ret);
	assert_string_equal(dda_qmp_error_class(f->q), "");
	finish(f);
}

/* ---------------------------------------------------------------- events */

/* The guest can let go of a device before QEMU answers device_del: the
 * event comes first, is kept, and the wait finds it without reading.
 * The fake closes after the reply, so any read would be -ECONNRESET. */
static void test_event_before_reply(void **state)
{
	static const struct step script[] = {
		HANDSHAKE,
		EXPECT("device_del", "{\"id\": \"hostdev0\"}"),
		SEND("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 1}, \"event\": \"DEVICE_DELETED\", "
		     "\"data\": {\"device\": \"hostdev0\", \"path\": \"/machine/peripheral/hostdev0\"}}\r\n"),
		SEND(RETURN_EMPTY),
		CLOSE,
		END,
	};
	struct fx *f = *state;
	struct json_object *args, *ev = NULL;
	long long t0;

	open_ok(f, script);
	args = json_object_new_object();
	json_object_object_add(args, "id", json_object_new_string("hostdev0"));
	assert_int_equal(dda_qmp_command(f->q, "device_del", args, OK_MS, NULL), 0);

	t0 = now_ms();
	assert_int_equal(dda_qmp_wait_event(f->q, "DEVICE_DELETED", "hostdev0", OK_MS, &ev), 0);
	assert_true(now_ms() - t0 < 100);
	assert_string_equal(str_at(obj_at(ev, "data"), "path"), "/machine/peripheral/hostdev0");
	json_object_put(ev);

	/* it was taken from the queue: there is no second one, and the
	 * monitor is gone, which only a read finds out */
	expect_error(dda_qmp_wait_event(f->q, "DEVICE_DELETED", "hostdev0", OK_MS, NULL), -ECONNRESET, "closed");
	finish(f);
}

/* A virtio device's backend goes first, as its own DEVICE_DELETED with a
 * path and no device id: waiting for the parent must not stop there. */
static void test_child_device_deleted_ignored(void **state)
{
	static const struct step script[] = {
		HANDSHAKE,
		EXPECT("device_del", "{\"id\": \"net0\"}"),
		SEND(RETURN_EMPTY),
		SLEEP(20),
		SEND("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 2}, \"event\": \"DEVICE_DELETED\", "
		     "\"data\": {\"path\": \"/machine/peripheral/net0/virtio-backend\"}}\r\n"),
		SEND("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 3}, \"event\": \"DEVICE_DELETED\", "
		     "\"data\": {\"device\": \"other0\", \"path\": \"/machine/peripheral/other0\"}}\r\n"),
		SLEEP(20),
		SEND("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 4}, \"event\": \"DEVICE_DELETED\", "
		     "\"data\": {\"device\": \"net0\", \"path\": \"/machine/peripheral/net0\"}}\r\n"),
		END,
	};
	struct fx *f = *state;
	struct json_object *args, *ev = NULL;

	open_ok(f, script);
	args = json_object_new_object();
	json_object_object_add(args, "id", json_object_new_string("net0"));
	assert_int_equal(dda_qmp_command(f->q, "device_del", args, OK_MS, NULL), 0);
	assert_int_equal(dda_qmp_wait_event(f->q, "DEVICE_DELETED", "net0", OK_MS, &ev), 0);
	assert_string_equal(str_at(obj_at(ev, "data"), "device"), "net0");
	json_object_put(ev);

	/* the others were kept, in the order they came, for whoever waits
	 * for them; none is for net0 any more */
	assert_int_equal(dda_qmp_wait_event(f->q, "DEVICE_DELETED", NULL, 0, &ev), 0);
	assert_string_equal(str_at(obj_at(ev, "data"), "path"), "/machine/peripheral/net0/virtio-backend");
	json_object_put(ev);
	assert_int_equal(dda_qmp_wait_event(f->q, "DEVICE_DELETED", "other0", 0, NULL), 0);
	expect_error(dda_qmp_wait_event(f->q, "DEVICE_DELETED", "net0", HANG_MS, NULL), -ETIMEDOUT,
		     "sent no DEVICE_DELETED for net0");
	finish(f);
}

/* The child's event queued while the command waited for its reply must
 * not satisfy the wait for the parent either. */
static void test_child_event_queued_before_reply(void **state)
{
	static const struct step script[] = {
		HANDSHAKE,
		EXPECT("device_del", "{\"id\": \"net0\"}"),
		SEND("{\"event\": \"DEVICE_DELETED\", \"data\": {\"path\": \"/machine/peripheral/net0/virtio-backend\"}, "
		     "\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}}\r\n"),
		SEND(RETURN_EMPTY),
		SLEEP(20),
		SEND("{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"net0\", \"path\": \"/machine/peripheral/net0\"}, "
		     "\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 6}}\r\n"),
		END,
	};
	struct fx *f = *state;
	struct json_object *args, *ev = NULL;

	open_ok(f, script);
	args = json_object_new_object();
	json_object_object_add(args, "id", json_object_new_string("net0"));
	assert_int_equal(dda_qmp_command(f->q, "device_del", args, OK_MS, NULL), 0);
	assert_int_equal(dda_qmp_wait_event(f->q, "DEVICE_DELETED", "net0", OK_MS, &ev), 0);
	assert_string_equal(str_at(obj_at(ev, "data"), "path"), "/machine/peripheral/net0");
	json_object_put(ev);
	finish(f);
}

/* ------------------------------------------------------------- framing */

/* Greeting, capabilities reply and a reply with strings that hold spaces,
 * each byte a read of its own: the client must keep every byte, spaces
 * inside strings included. */
static void test_partial_reads(void **state)
{
	static const struct step script[] = {
		SPLIT(GREETING, 1),
		EXPECT("qmp_capabilities", NULL),
		SPLIT(RETURN_EMPTY, 1),
		EXPECT("human-monitor-command", "{\"command-line\": \"info pci\"}"),
		SPLIT("{\"return\": \"  Bus  0, device   1, function 0:\\r\\n    Ethernet controller: PCI device 8086:10d3\\r\\n\"}\r\n",
		      1),
		EXPECT("query-status", NULL),
		SPLIT("{\"return\": {\"status\": \"running\", \"running\": true}}\r\n", 3),
		END,
	};
	struct fx *f = *state;
	struct json_object *args, *ret = NULL;
	char text[256];

	open_ok(f, script);
	args = json_object_new_object();
	json_object_object_add(args, "command-line", json_object_new_string("info pci"));
	assert_int_equal(dda_qmp_command(f->q, "human-monitor-command", args, OK_MS, &ret), 0);
	assert_true(json_object_is_type(ret, json_type_string));
	/* copied out first, so a failure leaks nothing under ASan */
	snprintf(text, sizeof(text), "%s", json_object_get_string(ret));
	json_object_put(ret);
	assert_string_equal(text,
			    "  Bus  0, device   1, function 0:\r\n    Ethernet controller: PCI device 8086:10d3\r\n");
	assert_int_equal(dda_qmp_command(f->q, "query-status", NULL, OK_MS, &ret), 0);
	assert_string_equal(str_at(ret, "status"), "running");
	json_object_put(ret);
	finish(f);
}

/* Several objects in one read, with CRLF, LF or nothing between them, and
 * the greeting arriving together with the answer to a command not yet
 * sent: what is left in the buffer is used before reading again. */
static void test_several_objects_one_read(void **state)
{
	static const struct step script[] = {
		SEND(GREETING "{\"return\": {}}\r\n"),
		EXPECT("qmp_capabilities", NULL),
		EXPECT("query-status", NULL),
		SEND("{\"event\": \"RESET\", \"data\": {\"guest\": true, \"reason\": \"guest-reset\"}, \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n"
		     "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 2, \"microseconds\": 0}}\n"
		     "{\"return\": {\"status\": \"paused\", \"running\": false}}"
		     "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 3, \"microseconds\": 0}}\r\n"),
		CLOSE,
		END,
	};
	struct fx *f = *state;
	struct json_object *ret = NULL, *ev = NULL;

	open_ok(f, script);
	assert_int_equal(dda_qmp_command(f->q, "query-status", NULL, OK_MS, &ret), 0);
	assert_string_equal(str_at(ret, "status"), "paused");
	json_object_put(ret);
	/* events before and after the reply are all there, in any order of
	 * asking, without another read (the monitor has closed) */
	assert_int_equal(dda_qmp_wait_event(f->q, "RESUME", NULL, OK_MS, NULL), 0);
	assert_int_equal(dda_qmp_wait_event(f->q, "RESET", NULL, OK_MS, &ev), 0);
	assert_string_equal(str_at(obj_at(ev, "data"), "reason"), "guest-reset");
	json_object_put(ev);
	assert_int_equal(dda_qmp_wait_event(f->q, "STOP", NULL, OK_MS, NULL), 0);
	expect_error(dda_qmp_wait_event(f->q, "STOP", NULL, OK_MS, NULL), -ECONNRESET, "closed");
	finish(f);
}

/* A reply several times the size of any read buffer (query-pci of a big
 * guest, qom-list of many devices). */
static void test_large_reply(void **state)
{
	static char reply[40000];
	static const struct step script[] = {
		HANDSHAKE,
		EXPECT("qom-list", "{\"path\": \"/machine/peripheral\"}"),
		SPLIT(reply, 1500),
		END,
	};
	struct fx *f = *state;
	struct json_object *args, *ret = NULL;
	size_t off = 0;
	char name[32];

	off += (size_t)snprintf(reply + off, sizeof(reply) - off, "{\"return\": [");
	for (unsigned i = 0; i < 600; i++)
		off += (size_t)snprintf(reply + off, sizeof(reply) - off,
					"%s{\"name\": \"hostdev%u\", \"type\": \"child<vfio-pci>\"}", i ? ", " : "", i);
	snprintf(reply + off, sizeof(reply) - off, "]}\r\n");
	assert_true(strlen(reply) > 30000 && strlen(reply) < sizeof(reply) - 1);

	open_ok(f, script);
	args = json_object_new_object();
	json_object_object_add(args, "path", json_object_new_string("/machine/peripheral"));
	assert_int_equal(dda_qmp_command(f->q, "qom-list", args, OK_MS, &ret), 0);
	assert_int_equal(json_object_array_length(ret), 600);
	for (unsigned i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "hostdev%u", i);
		assert_string_equal(str_at(json_object_array_get_idx(ret, i), "name"), name);
		assert_string_equal(str_at(json_object_array_get_idx(ret, i), "type"), "child<vfio-pci>");
	}
	json_object_put(ret);
	finish(f);
}

/* ------------------------------------------------- hangs and hang-ups */

static void expect_hang(int r, long long t0, const char *sub)
{
	long long took = now_ms() - t0;

	expect_error(r, -ETIMEDOUT, sub);
	/* it waited the time it was given, and not much more */
	if (took < HANG_MS - 5 || took > HANG_MS + 1000)
		fail_msg("timed out after %lld ms, given %d ms", took, HANG_MS);
}

/* A QEMU that accepted the connection but never speaks (stopped with
 * SIGSTOP, or a monitor busy with another client). */
static void test_hang_greeting(void **state)
{
	static const struct step script[] = { END };
	struct fx *f = *state;
	long long t0 = now_ms();

	run_fake(f, script);
	expect_hang(open_client(f, HANG_MS), t0, "did not answer in time");
	assert_null(f->q);
	finish(f);
}

static void test_hang_reply(void **state)
{
	static const struct step script[] = {
		HANDSHAKE,
		EXPECT("query-status", NULL),
		/* half a reply, then nothing */
		SEND("{\"return\": {\"status\": \"runn"),
		END,
	};
	struct fx *f = *state;
	long long t0;

	open_ok(f, script);
	t0 = now_ms();
	expect_hang(dda_qmp_command(f->q, "query-status", NULL, HANG_MS, NULL), t0, "did not answer in time");
	/* Replies carry no id: a late one would answer the next command, so
	 * the connection refuses more commands at once, sending nothing. */
	expect_error(dda_qmp_command(f->q, "query-status", NULL, HANG_MS, NULL), -EIO, "out of step");
	finish(f);
}

/* A guest that never lets go of a device: the wait ends, naming it. */
static void test_hang_event(void **state)
{
	static const struct step script[] = {
		HANDSHAKE,
		/* events that keep coming are no answer either */
		SEND("{\"event\": \"RTC_CHANGE\", \"data\": {\"offset\": 0}, \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n"),
		SLEEP(HANG_MS / 3),
		SEND("{\"event\": \"DEVICE_DELETED\", \"data\": {\"path\": \"/machine/peripheral/hostdev0/virtio-backend\"}, \"timestamp\": {\"seconds\": 2, \"microseconds\": 0}}\r\n"),
		END,
	};
	struct fx *f = *state;
	long long t0;

	open_ok(f, script);
	t0 = now_ms();
	expect_hang(dda_qmp_wait_event(f->q, "DEVICE_DELETED", "hostdev0", HANG_MS, NULL), t0,
		    "sent no DEVICE_DELETED for hostdev0");
	assert_string_equal(dda_last_error()->device, "hostdev0");
	/* what came meanwhile was kept */
	assert_int_equal(dda_qmp_wait_event(f->q, "RTC_CHANGE", NULL, 0, NULL), 0);
	finish(f);
}

/* QEMU exits (the guest powered off, or it crashed) while a command waits:
 * the caller learns the monitor is gone, not that it was slow. */
static void test_close_before_reply(void **state)
{
	static const struct step script[] = {
		HANDSHAKE,
		EXPECT("device_add", "{\"driver\": \"vfio-pci\", \"host\": \"0000:01:00.0\", \"id\": \"hostdev0\"}"),
		CLOSE,
		END,
	};
	struct fx *f = *state;
	struct json_object *args;
	long long t0;

	open_ok(f, script);
	args = json_object_new_object();
	json_object_object_add(args, "driver", json_object_new_string("vfio-pci"));
	json_object_object_add(args, "host", json_object_new_string("0000:01:00.0"));
	json_object_object_add(args, "id", json_object_new_string("hostdev0"));
	t0 = now_ms();
	expect_error(dda_qmp_command(f->q, "device_add", args, OK_MS, NULL), -ECONNRESET, "closed its monitor");
	/* at once, not after the timeout */
	assert_true(now_ms() - t0 < OK_MS / 2);
	finish(f);
}

static void test_close_mid_object(void **state)
{
	static const struct step script[] = {
		HANDSHAKE, EXPECT("query-status", NULL), SEND("{\"return\": {\"status\": "), SLEEP(10), CLOSE, END,
	};
	struct fx *f = *state;

	open_ok(f, script);
	expect_error(dda_qmp_command(f->q, "query-status", NULL, OK_MS, NULL), -ECONNRESET, "closed its monitor");
	finish(f);
}

static void test_close_greeting(void **state)
{
	static const struct step script[] = { CLOSE, END };
	struct fx *f = *state;

	run_fake(f, script);
	expect_error(open_client(f, OK_MS), -ECONNRESET, "closed its monitor");
	assert_null(f->q);
	finish(f);
}

/* The monitor is already gone when the command is written: a write to a
 * closed socket is the same hang-up, and must not kill us with SIGPIPE. */
static void test_close_before_command(void **state)
{
	static const struct step script[] = { HANDSHAKE, CLOSE, END };
	struct fx *f = *state;

	open_ok(f, script);
	/* let the close land before the write */
	usleep(20 * 1000);
	expect_error(dda_qmp_command(f->q, "quit", NULL, OK_MS, NULL), -ECONNRESET, WHO);
	finish(f);
}

/* --------------------------------------------------------- bad replies */

static void test_invalid_json(void **state)
{
	static const struct step script[] = {
		HANDSHAKE,
		EXPECT("query-status", NULL),
		SEND("{\"return\": {\"status\": running}}\r\n"),
		END,
	};
	struct fx *f = *state;
	struct json_object *ret = NULL;

	open_ok(f, script);
	expect_error(dda_qmp_command(f->q, "query-status", NULL, OK_MS, &ret), -EPROTO, "invalid JSON");
	assert_null(ret);
	finish(f);
}

static void test_reply_not_object(void **state)
{
	static const struct step script[] = {
		HANDSHAKE,
		EXPECT("query-status", NULL),
		SEND("\"running\"\r\n"),
		END,
	};
	struct fx *f = *state;

	open_ok(f, script);
	expect_error(dda_qmp_command(f->q, "query-status", NULL, OK_MS, NULL), -EPROTO, "not an object");
	finish(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_handshake),
		T(test_handshake_refused),
		T(test_greeting_not_json),
		T(test_greeting_not_qmp),
		T(test_greeting_not_object),
		T(test_command_return),
		T(test_device_add_error),
		T(test_event_before_reply),
		T(test_child_device_deleted_ignored),
		T(test_child_event_queued_before_reply),
		T(test_partial_reads),
		T(test_several_objects_one_read),
		T(test_large_reply),
		T(test_hang_greeting),
		T(test_hang_reply),
		T(test_hang_event),
		T(test_close_before_reply),
		T(test_close_mid_object),
		T(test_close_greeting),
		T(test_close_before_command),
		T(test_invalid_json),
		T(test_reply_not_object),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
