/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake-qemu: stands in for qemu-system-x86_64 (DDACTL_QEMU) so that
 * test-vmrun can start, stop, hot-add to and hot-remove from a VM in
 * milliseconds.  It takes the command line ddactl builds, does what QEMU
 * does with the parts ddactl relies on, and writes down what it got:
 *
 *   -qmp unix:PATH,server=on,wait=off   a QMP monitor on PATH, one client
 *                                       at a time, as QEMU's chardev serves
 *   -pidfile PATH                       its pid, written once it listens
 *   -daemonize                          the first process exits 0 when the
 *                                       daemon is ready, 1 when it failed
 *   -device ...,id=ID                   devices qom-list shows
 *
 * Files it writes beside the pidfile (the VM's run directory):
 *   fake-qemu.argv     its arguments, one a line
 *   fake-qemu.limits   "memlock CUR MAX" (RLIMIT_MEMLOCK when it started)
 *   fake-qemu.log      one line per device_add / device_del / powerdown
 * Files the test puts there to script it, read at the moment they matter:
 *   fake-qemu.fail              fail at start: its text on stderr, exit 1
 *   fake-qemu.ignore-powerdown  the guest ignores the ACPI power button
 *   fake-qemu.ignore-quit       'quit' is answered but QEMU hangs on
 *   fake-qemu.guest-holds       device_del is accepted, DEVICE_DELETED
 *                               comes only after the file is gone
 *   fake-qemu.device-add-error  device_add fails with its text
 *
 * Under a fake root (DDACTL_ROOT) the daemon links ROOT/proc/PID to the
 * real /proc/PID, since that is where ddactl looks for a running QEMU.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../fixture/testpath.h"

#define MAX_DEVICES 64

struct dev {
	char id[64];
	bool vfio;
	bool pending; /* device_del asked, the guest has not let go */
};

static char rundir[4096];
static struct dev devices[MAX_DEVICES];
static size_t ndevices;

static void path_of(char *buf, size_t size, const char *name)
{
	test_pathf(buf, size, "%s/fake-qemu.%s", rundir, name);
}

static bool scripted(const char *name)
{
	char p[4200];

	path_of(p, sizeof(p), name);
	return access(p, F_OK) == 0;
}

/* The text of a script file, without its newline; "" when empty. */
static void script_text(const char *name, char *buf, size_t size)
{
	char p[4200];
	FILE *f;

	buf[0] = '\0';
	path_of(p, sizeof(p), name);
	f = fopen(p, "r");
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static void note(const char *name, const char *fmt, ...)
{
	char p[4200];
	va_list ap;
	FILE *f;

	path_of(p, sizeof(p), name);
	f = fopen(p, "a");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static struct dev *find(const char *id)
{
	for (size_t i = 0; i < ndevices; i++)
		if (!strcmp(devices[i].id, id))
			return &devices[i];
	return NULL;
}

static void add_device(const char *id, bool vfio)
{
	if (ndevices == MAX_DEVICES || find(id))
		return;
	snprintf(devices[ndevices].id, sizeof(devices[ndevices].id), "%s", id);
	devices[ndevices].vfio = vfio;
	devices[ndevices++].pending = false;
}

static void remove_device(struct dev *d)
{
	size_t i = (size_t)(d - devices);

	memmove(devices + i, devices + i + 1, (ndevices - i - 1) * sizeof(*devices));
	ndevices--;
}

/* "-device vfio-pci,host=...,id=X,bus=..." */
static void device_arg(const char *arg)
{
	const char *id = strstr(arg, ",id=");
	char buf[64];

	if (!id)
		return;
	id += 4;
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(id, ","), id);
	add_device(buf, !strncmp(arg, "vfio-pci,", 9));
}

static void send_json(int fd, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	(void)!send(fd, s, strlen(s), MSG_NOSIGNAL);
	(void)!send(fd, "\r\n", 2, MSG_NOSIGNAL);
	json_object_put(o);
}

static void send_return(int fd, struct json_object *value)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "return", value ? value : json_object_new_object());
	send_json(fd, o);
}

static void send_error(int fd, const char *cls, const char *desc)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "class", json_object_new_string(cls));
	json_object_object_add(e, "desc", json_object_new_string(desc));
	json_object_object_add(o, "error", e);
	send_json(fd, o);
}

static void send_event(int fd, const char *event, struct json_object *data)
{
	struct json_object *o = json_object_new_object(), *ts = json_object_new_object();

	json_object_object_add(ts, "seconds", json_object_new_int64(1700000000));
	json_object_object_add(ts, "microseconds", json_object_new_int(0));
	json_object_object_add(o, "timestamp", ts);
	json_object_object_add(o, "event", json_object_new_string(event));
	if (data)
		json_object_object_add(o, "data", data);
	send_json(fd, o);
}

static void device_deleted(int fd, struct dev *d)
{
	struct json_object *data = json_object_new_object();
	char path[128];

	snprintf(path, sizeof(path), "/machine/peripheral/%s", d->id);
	json_object_object_add(data, "device", json_object_new_string(d->id));
	json_object_object_add(data, "path", json_object_new_string(path));
	remove_device(d);
	send_event(fd, "DEVICE_DELETED", data);
}

/* A guest that held on to a device lets go once the test says so. */
static void release_pending(int fd)
{
	if (scripted("guest-holds"))
		return;
	for (size_t i = 0; i < ndevices; i++)
		if (devices[i].pending) {
			device_deleted(fd, &devices[i]);
			i--;
		}
}

static const char *arg_string(struct json_object *args, const char *key)
{
	struct json_object *v;

	if (!args || !json_object_object_get_ex(args, key, &v))
		return "";
	return json_object_get_string(v);
}

/* One command; false when QEMU ends after answering it. */
static bool command(int fd, struct json_object *cmd)
{
	struct json_object *exec, *args = NULL;
	const char *name;

	if (!json_object_object_get_ex(cmd, "execute", &exec)) {
		send_error(fd, "GenericError", "QMP input lacks member 'execute'");
		return true;
	}
	name = json_object_get_string(exec);
	json_object_object_get_ex(cmd, "arguments", &args);
	release_pending(fd);
	if (!strcmp(name, "qmp_capabilities")) {
		send_return(fd, NULL);
	} else if (!strcmp(name, "system_powerdown")) {
		note("log", "system_powerdown\n");
		/* A real QEMU can close the socket before the reply is out and
		 * end a moment later; the main loop lingers before exiting. */
		if (scripted("powerdown-lost-reply"))
			return false;
		send_return(fd, NULL);
		if (!scripted("ignore-powerdown")) {
			send_event(fd, "POWERDOWN", NULL);
			return false;
		}
	} else if (!strcmp(name, "quit")) {
		note("log", "quit\n");
		send_return(fd, NULL);
		if (!scripted("ignore-quit"))
			return false;
	} else if (!strcmp(name, "device_add")) {
		char err[512];

		note("log", "device_add driver=%s host=%s id=%s bus=%s\n", arg_string(args, "driver"),
		     arg_string(args, "host"), arg_string(args, "id"), arg_string(args, "bus"));
		script_text("device-add-error", err, sizeof(err));
		if (scripted("device-add-error"))
			send_error(fd, "GenericError", err);
		else if (find(arg_string(args, "id")))
			send_error(fd, "GenericError", "Duplicate device ID");
		else {
			add_device(arg_string(args, "id"), !strcmp(arg_string(args, "driver"), "vfio-pci"));
			send_return(fd, NULL);
		}
	} else if (!strcmp(name, "device_del")) {
		struct dev *d = find(arg_string(args, "id"));
		char desc[128];

		note("log", "device_del id=%s\n", arg_string(args, "id"));
		if (!d) {
			snprintf(desc, sizeof(desc), "Device '%s' not found", arg_string(args, "id"));
			send_error(fd, "DeviceNotFound", desc);
		} else {
			send_return(fd, NULL);
			d->pending = true;
			release_pending(fd);
		}
	} else if (!strcmp(name, "qom-list")) {
		struct json_object *list = json_object_new_array();

		for (size_t i = 0; i < ndevices; i++) {
			struct json_object *e = json_object_new_object();
			char type[64];

			snprintf(type, sizeof(type), "child<%s>", devices[i].vfio ? "vfio-pci" : "pcie-root-port");
			json_object_object_add(e, "name", json_object_new_string(devices[i].id));
			json_object_object_add(e, "type", json_object_new_string(type));
			json_object_array_add(list, e);
		}
		send_return(fd, list);
	} else {
		char desc[128];

		snprintf(desc, sizeof(desc), "The command %s has not been found", name);
		send_error(fd, "CommandNotFound", desc);
	}
	return true;
}

/* One client, greeted and served until it hangs up; false when QEMU ends. */
static bool serve(int fd)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *greeting;
	bool more = true;
	char buf[4096];
	ssize_t n;

	greeting = json_tokener_parse("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
				      "\"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}");
	send_json(fd, greeting);
	while (more && (n = read(fd, buf, sizeof(buf))) > 0) {
		size_t off = 0;

		while (more && off < (size_t)n) {
			struct json_object *o = json_tokener_parse_ex(tok, buf + off, (int)((size_t)n - off));
			enum json_tokener_error e = json_tokener_get_error(tok);

			if (e == json_tokener_continue)
				break;
			off += json_tokener_get_parse_end(tok);
			json_tokener_reset(tok);
			if (e != json_tokener_success) {
				send_error(fd, "GenericError", "JSON parse error");
				break;
			}
			more = command(fd, o);
			json_object_put(o);
			while (off < (size_t)n && (buf[off] == '\n' || buf[off] == '\r' || buf[off] == ' '))
				off++;
		}
	}
	json_tokener_free(tok);
	return more;
}

/* ROOT/proc/PID -> /proc/PID: the fake root's view of this process. */
static void publish_pid(void)
{
	const char *root = getenv("DDACTL_ROOT");
	char dir[4096], link[4200], target[64];

	if (!root || !*root || !strcmp(root, "/"))
		return;
	snprintf(dir, sizeof(dir), "%s/proc", root);
	mkdir(dir, 0755);
	snprintf(link, sizeof(link), "%s/%d", dir, (int)getpid());
	snprintf(target, sizeof(target), "/proc/%d", (int)getpid());
	unlink(link);
	(void)!symlink(target, link);
}

int main(int argc, char **argv)
{
	const char *qmp = NULL, *pidfile = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool daemonize = false;
	struct rlimit rl;
	int lfd, ready[2], fd;
	char err[512];
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-qmp") && i + 1 < argc)
			qmp = argv[++i];
		else if (!strcmp(argv[i], "-pidfile") && i + 1 < argc)
			pidfile = argv[++i];
		else if (!strcmp(argv[i], "-daemonize"))
			daemonize = true;
		else if (!strcmp(argv[i], "-device") && i + 1 < argc)
			device_arg(argv[++i]);
	}
	if (!qmp || strncmp(qmp, "unix:", 5) || !pidfile) {
		fprintf(stderr, "fake-qemu: needs -qmp unix:PATH,... and -pidfile PATH\n");
		return 1;
	}
	snprintf(rundir, sizeof(rundir), "%s", pidfile);
	if (strrchr(rundir, '/'))
		*strrchr(rundir, '/') = '\0';
	path_of(err, sizeof(err), "argv");
	unlink(err);
	for (int i = 0; i < argc; i++)
		note("argv", "%s\n", argv[i]);
	getrlimit(RLIMIT_MEMLOCK, &rl);
	path_of(err, sizeof(err), "limits");
	unlink(err);
	note("limits", "memlock %llu %llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	if (scripted("fail")) {
		script_text("fail", err, sizeof(err));
		fprintf(stderr, "qemu-system-x86_64: %s\n", err);
		return 1;
	}

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.*s", (int)strcspn(qmp + 5, ","), qmp + 5);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(sa.sun_path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0) {
		fprintf(stderr, "qemu-system-x86_64: -qmp %s: %s\n", qmp, strerror(errno));
		return 1;
	}
	if (daemonize) {
		pid_t pid;
		char c;

		if (pipe(ready) < 0)
			return 1;
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid > 0) {
			close(ready[1]);
			_exit(read(ready[0], &c, 1) == 1 ? 0 : 1);
		}
		close(ready[0]);
		setsid();
	}
	f = fopen(pidfile, "w");
	if (!f) {
		fprintf(stderr, "qemu-system-x86_64: cannot write %s: %s\n", pidfile, strerror(errno));
		_exit(1);
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	publish_pid();
	/* Like QEMU: once set up, the standard streams go to /dev/null, so
	 * whoever waits for the first process's stderr sees its end. */
	fd = open("/dev/null", O_RDWR);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (daemonize) {
		(void)!write(ready[1], "1", 1);
		close(ready[1]);
	}
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		bool more;

		if (c < 0)
			continue;
		more = serve(c);
		close(c);
		if (!more)
			break;
	}
	if (scripted("powerdown-lost-reply"))
		usleep(300 * 1000);
	/* QEMU removes its socket and pidfile when it ends (not when killed) */
	unlink(sa.sun_path);
	unlink(pidfile);
	_exit(0);
}
