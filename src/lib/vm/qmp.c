/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "qmp.h"

#define MAX_QUEUED_EVENTS 256

struct dda_qmp {
	int fd;
	char name[64];
	struct json_tokener *tok;
	char buf[4096]; /* bytes read but not yet tokenized */
	size_t off, len;
	bool partial; /* the tokenizer is inside an object */
	bool desync;  /* a reply timed out: a late one would be misread */
	struct json_object *events[MAX_QUEUED_EVENTS];
	size_t nevents;
	char error_class[64];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the next JSON object, waiting until deadline (ms since boot). */
static int read_object(struct dda_qmp *q, long long deadline, struct json_object **ret)
{
	for (;;) {
		while (q->off < q->len) {
			struct json_object *o;
			enum json_tokener_error jerr;
			size_t start = q->off;

			/* Skip the newlines between objects so the tokenizer
			 * never sees an object boundary mid-whitespace. */
			while (!q->partial && q->off < q->len &&
			       (q->buf[q->off] == '\n' || q->buf[q->off] == '\r' || q->buf[q->off] == ' '))
				q->off++;
			if (q->off == q->len)
				break;
			start = q->off;
			o = json_tokener_parse_ex(q->tok, q->buf + start, (int)(q->len - start));
			jerr = json_tokener_get_error(q->tok);
			if (jerr == json_tokener_continue) {
				q->off = q->len; /* all consumed into the tokenizer's state */
				q->partial = true;
				break;
			}
			q->off = start + json_tokener_get_parse_end(q->tok);
			json_tokener_reset(q->tok);
			q->partial = false;
			if (jerr != json_tokener_success || !o)
				return dda_error(-EPROTO, q->name, "%s sent invalid JSON: %s", q->name,
						 json_tokener_error_desc(jerr));
			if (!json_object_is_type(o, json_type_object)) {
				json_object_put(o);
				return dda_error(-EPROTO, q->name, "%s sent a JSON value that is not an object",
						 q->name);
			}
			*ret = o;
			return 0;
		}
		q->off = q->len = 0;
		{
			long long left = deadline - now_ms();
			struct pollfd p = { .fd = q->fd, .events = POLLIN };
			ssize_t n;
			int r;

			if (left <= 0)
				return dda_error(-ETIMEDOUT, q->name, "%s did not answer in time", q->name);
			r = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
			if (r < 0) {
				if (errno == EINTR)
					continue;
				return dda_error(-errno, q->name, "cannot wait for %s: %m", q->name);
			}
			if (r == 0)
				continue;
			n = read(q->fd, q->buf, sizeof(q->buf));
			if (n < 0) {
				if (errno == EINTR || errno == EAGAIN)
					continue;
				return dda_error(-errno, q->name, "cannot read from %s: %m", q->name);
			}
			if (n == 0)
				return dda_error(-ECONNRESET, q->name, "%s closed its monitor", q->name);
			q->len = (size_t)n;
		}
	}
}

static int write_all(struct dda_qmp *q, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(q->fd, s, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return dda_error(errno == EPIPE ? -ECONNRESET : -errno, q->name, "cannot write to %s: %m",
					 q->name);
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int queue_event(struct dda_qmp *q, struct json_object *ev)
{
	if (q->nevents == MAX_QUEUED_EVENTS) {
		/* Nobody waits for the oldest: drop it rather than grow forever. */
		json_object_put(q->events[0]);
		memmove(q->events, q->events + 1, (MAX_QUEUED_EVENTS - 1) * sizeof(*q->events));
		q->nevents--;
	}
	q->events[q->nevents++] = ev;
	return 0;
}

int dda_qmp_command(struct dda_qmp *q, const char *cmd, struct json_object *args, int timeout_ms,
		    struct json_object **ret)
{
	_cleanup_(dda_json_put_ref) struct json_object *msg = json_object_new_object();
	long long deadline = now_ms() + timeout_ms;
	const char *text;
	int r;

	q->error_class[0] = '\0';
	/* Replies carry no id: after a timeout the next reply might be the
	 * late one, so this connection answers no more commands. */
	if (q->desync) {
		if (args)
			json_object_put(args);
		return dda_error(-EIO, q->name, "the monitor of %s is out of step after a timeout; reconnect", q->name);
	}
	json_object_object_add(msg, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(msg, "arguments", args);
	text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	r = write_all(q, text, strlen(text));
	if (r == 0)
		r = write_all(q, "\n", 1);
	if (r < 0)
		return r;
	for (;;) {
		struct json_object *o, *v, *e;

		r = read_object(q, deadline, &o);
		if (r == -ETIMEDOUT)
			q->desync = true;
		if (r < 0)
			return r;
		if (json_object_object_get_ex(o, "event", NULL)) {
			queue_event(q, o);
			continue;
		}
		if (json_object_object_get_ex(o, "return", &v)) {
			if (ret)
				*ret = json_object_get(v);
			json_object_put(o);
			return 0;
		}
		if (json_object_object_get_ex(o, "error", &e)) {
			struct json_object *cls = NULL, *desc = NULL;

			json_object_object_get_ex(e, "class", &cls);
			json_object_object_get_ex(e, "desc", &desc);
			snprintf(q->error_class, sizeof(q->error_class), "%s", cls ? json_object_get_string(cls) : "");
			r = dda_error(-EPROTO, q->name, "%s refused '%s': %s", q->name, cmd,
				      desc ? json_object_get_string(desc) : "no description");
			json_object_put(o);
			return r;
		}
		/* Anything else (a late greeting) is not ours to answer. */
		json_object_put(o);
	}
}

static bool event_matches(struct json_object *ev, const char *event, const char *device)
{
	struct json_object *name, *data, *dev;

	if (!json_object_object_get_ex(ev, "event", &name) || strcmp(json_object_get_string(name), event))
		return false;
	if (!device)
		return true;
	return json_object_object_get_ex(ev, "data", &data) && json_object_object_get_ex(data, "device", &dev) &&
	       !strcmp(json_object_get_string(dev), device);
}

int dda_qmp_wait_event(struct dda_qmp *q, const char *event, const char *device, int timeout_ms,
		       struct json_object **ret)
{
	long long deadline = now_ms() + timeout_ms;

	for (size_t i = 0; i < q->nevents; i++)
		if (event_matches(q->events[i], event, device)) {
			struct json_object *ev = q->events[i];

			memmove(q->events + i, q->events + i + 1, (q->nevents - i - 1) * sizeof(*q->events));
			q->nevents--;
			if (ret)
				*ret = ev;
			else
				json_object_put(ev);
			return 0;
		}
	for (;;) {
		struct json_object *o;
		int r = read_object(q, deadline, &o);

		if (r == -ETIMEDOUT)
			return dda_error(-ETIMEDOUT, device ? device : q->name, "%s sent no %s%s%s in %d ms", q->name,
					 event, device ? " for " : "", device ? device : "", timeout_ms);
		if (r < 0)
			return r;
		if (event_matches(o, event, device)) {
			if (ret)
				*ret = o;
			else
				json_object_put(o);
			return 0;
		}
		if (json_object_object_get_ex(o, "event", NULL))
			queue_event(q, o);
		else
			json_object_put(o);
	}
}

const char *dda_qmp_error_class(const struct dda_qmp *q)
{
	return q->error_class;
}

int dda_qmp_open_fd(int fd, const char *name, int timeout_ms, struct dda_qmp **ret)
{
	_cleanup_(dda_qmp_closep) struct dda_qmp *q = calloc(1, sizeof(*q));
	struct json_object *greeting = NULL;
	int r;

	if (!q) {
		close(fd);
		return -ENOMEM;
	}
	q->fd = fd;
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->tok = json_tokener_new();
	if (!q->tok)
		return -ENOMEM;
	r = read_object(q, now_ms() + timeout_ms, &greeting);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(greeting, "QMP", NULL)) {
		json_object_put(greeting);
		return dda_error(-EPROTO, name, "%s did not greet like a QMP monitor", name);
	}
	json_object_put(greeting);
	r = dda_qmp_command(q, "qmp_capabilities", NULL, timeout_ms, NULL);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(q);
	return 0;
}

int dda_qmp_connect(const char *path, const char *name, int timeout_ms, struct dda_qmp **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return dda_error(-ENAMETOOLONG, name, "QMP socket path of %s is too long: %s", name, path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return dda_error(-errno, name, "cannot create a socket for %s: %m", name);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return dda_error(-e, name, "cannot connect to the monitor of %s (%s): %s", name, path, strerror(e));
	}
	return dda_qmp_open_fd(fd, name, timeout_ms, ret);
}

void dda_qmp_close(struct dda_qmp *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->nevents; i++)
		json_object_put(q->events[i]);
	if (q->tok)
		json_tokener_free(q->tok);
	if (q->fd >= 0)
		close(q->fd);
	free(q);
}
