/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "ctx.h"
#include "ftree.h"
#include "error.h"
#include "hostpath.h"

/* What the messages call each setting: the variable when it came from
 * the environment, so the user knows which one to fix. */
struct origin {
	const char *state_dir, *run_dir;
};

static int check_dir_name(const char *v, const char *what)
{
	if (!v)
		return 0;
	if (!*v)
		return dda_error(-EINVAL, NULL, "%s is empty: name a directory, or leave it out for the default", what);
	if (v[0] != '/')
		return dda_error(-EINVAL, NULL,
				 "%s '%s' is not an absolute path (it is taken under the root directory)", what, v);
	return 0;
}

/* A directory of ours, always under the root so that a fake root can
 * never reach the real /var/lib. */
static int own_dir(struct dda_ctx *ctx, char *buf, size_t size, const char *asked, const char *deflt)
{
	_cleanup_free_ char *p = dda_path(ctx, "%s", asked ? asked : deflt);

	if (!p)
		return -ENOMEM;
	return dda_pathf(buf, size, "%s", p);
}

static int ctx_new(struct dda_ctx **ret, const struct dda_ctx_options *opts, const struct origin *o)
{
	_cleanup_(dda_ctx_freep) struct dda_ctx *ctx = NULL;
	static const struct dda_ctx_options none = { 0 };
	int r;

	if (!opts)
		opts = &none;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->root_fd = -1;
	if (opts->root && !*opts->root)
		return dda_error(-EINVAL, NULL, "the root directory is empty: name a directory");
	r = dda_pathf(ctx->root, sizeof(ctx->root), "%s", opts->root ? opts->root : "/");
	if (r < 0)
		return r;
	ctx->root_fd = open(ctx->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->root_fd < 0)
		return dda_error(-errno, NULL,
				 "cannot open root directory '%s': %m (DDACTL_ROOT must name an existing directory)",
				 ctx->root);
	r = check_dir_name(opts->state_dir, o->state_dir);
	if (r < 0)
		return r;
	r = check_dir_name(opts->run_dir, o->run_dir);
	if (r < 0)
		return r;
	r = own_dir(ctx, ctx->state_dir, sizeof(ctx->state_dir), opts->state_dir, "var/lib/ddactl");
	if (r < 0)
		return r;
	r = own_dir(ctx, ctx->run_dir, sizeof(ctx->run_dir), opts->run_dir, "run/ddactl");
	if (r < 0)
		return r;
	ctx->qemu = strdup(opts->qemu ? opts->qemu : "qemu-system-x86_64");
	ctx->fault = strdup(opts->fault ? opts->fault : "");
	ctx->sudo_user = strdup(opts->sudo_user ? opts->sudo_user : "");
	r = dda_pathf(ctx->tmp_dir, sizeof(ctx->tmp_dir), "%s",
		      opts->tmp_dir && *opts->tmp_dir ? opts->tmp_dir : "/tmp");
	if (r < 0)
		return r;
	if (!ctx->qemu || !ctx->fault || !ctx->sudo_user)
		return -ENOMEM;
	if (opts->lock_timeout_s == 0)
		ctx->lock_timeout = 30;
	else
		ctx->lock_timeout = opts->lock_timeout_s < 0 ? 0 : (uint64_t)opts->lock_timeout_s;
	*ret = TAKE_PTR(ctx);
	return 0;
}

int dda_ctx_new(struct dda_ctx **ret, const struct dda_ctx_options *opts)
{
	static const struct origin o = { "the state directory", "the run directory" };

	return ctx_new(ret, opts, &o);
}

int dda_ctx_new_from_env(struct dda_ctx **ret, const struct dda_ctx_options *overrides)
{
	struct dda_ctx_options opts = overrides ? *overrides : (struct dda_ctx_options){ 0 };
	struct origin o = { "the state directory", "DDACTL_RUN_DIR" };
	const char *timeout = getenv("DDACTL_LOCK_TIMEOUT");

	if (!opts.root) {
		opts.root = getenv("DDACTL_ROOT");
		/* Set but empty is a mistake (a script's unset variable), not
		 * "the real host": refusing keeps it off the real /var/lib. */
		if (opts.root && !*opts.root)
			return dda_error(-EINVAL, NULL,
					 "DDACTL_ROOT is set but empty: unset it to use the real host, or name a directory");
	}
	if (!opts.state_dir && (opts.state_dir = getenv("DDACTL_STATE_DIR")))
		o.state_dir = "DDACTL_STATE_DIR";
	if (!opts.run_dir)
		opts.run_dir = getenv("DDACTL_RUN_DIR");
	else
		o.run_dir = "the run directory";
	if (!opts.qemu)
		opts.qemu = getenv("DDACTL_QEMU");
	if (!opts.lock_timeout_s && timeout) {
		uint64_t v;

		/* Unparsable is the default, as it always was. */
		if (dda_parse_u64(timeout, 10, &v) == 0)
			opts.lock_timeout_s = v == 0 ? DDA_CTX_NO_WAIT : v > INT_MAX ? INT_MAX : (int)v;
	}
	if (!opts.fault)
		opts.fault = getenv("DDACTL_FAULT");
	if (!opts.sudo_user)
		opts.sudo_user = getenv("SUDO_USER");
	if (!opts.tmp_dir)
		opts.tmp_dir = getenv("TMPDIR");
	return ctx_new(ret, &opts, &o);
}

static int private_root_check(struct dda_ctx *ctx, const char *dir)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	int fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return dda_error(-errno, NULL, "cannot open the private directory '%s': %m", dir);
	close(ctx->root_fd);
	ctx->root_fd = fd;
	if (fstat(fd, &st) < 0)
		return dda_error(-errno, NULL, "cannot stat the private directory '%s': %m", dir);
	if (st.st_uid != geteuid() || (st.st_mode & 07777) != 0700)
		return dda_error(-EPERM, NULL,
				 "the private directory '%s' is not the one made for this run (owner %u, mode %04o); set TMPDIR to a directory only you can write to",
				 dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	fd = openat(ctx->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return dda_error(-errno, NULL, "cannot read the private directory '%s': %m", dir);
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return dda_error(-EEXIST, NULL,
					 "the private directory '%s' is not empty: not the one made for this run; set TMPDIR to a directory only you can write to",
					 dir);
	return 0;
}

int dda_ctx_new_private(const struct dda_ctx *like, enum dda_source source, struct dda_ctx **ret)
{
	_cleanup_(dda_ctx_freep) struct dda_ctx *ctx = NULL;
	char dir[PATH_MAX];
	int r;

	r = dda_pathf(dir, sizeof(dir), "%s/ddactl-tree-XXXXXX", like->tmp_dir);
	if (r < 0)
		return r;
	if (!mkdtemp(dir))
		return dda_error(-errno, NULL, "cannot make a private directory under '%s': %m (set TMPDIR to another)",
				 like->tmp_dir);
	r = dda_ctx_new(&ctx, &(struct dda_ctx_options){ .root = dir,
							 .state_dir = "/state",
							 .run_dir = "/run",
							 .qemu = like->qemu,
							 .tmp_dir = like->tmp_dir,
							 .lock_timeout_s = DDA_CTX_NO_WAIT });
	if (r < 0) {
		(void)rmdir(dir);
		return r;
	}
	/* TMPDIR may be a directory another user can write to (sudo -E): the
	 * directory mkdtemp made could be swapped for a link or another
	 * directory before it was opened, and root would write a snapshot's
	 * files there and later delete what is in it.  So the root is opened
	 * again without following a link, and must be what mkdtemp makes:
	 * ours, 0700 and empty. */
	r = private_root_check(ctx, dir);
	if (r < 0)
		return r;
	ctx->private_root = true;
	ctx->source = source;
	*ret = TAKE_PTR(ctx);
	return 0;
}

void dda_ctx_free(struct dda_ctx *ctx)
{
	if (!ctx)
		return;
	dda_capture_free(ctx->capture);
	/* Only a directory this context made itself: never a root it was given. */
	if (ctx->private_root && ctx->root_fd >= 0 && dda_ftree_remove_below(ctx->root_fd) == 0)
		(void)rmdir(ctx->root);
	if (ctx->root_fd >= 0)
		close(ctx->root_fd);
	free(ctx->qemu);
	free(ctx->fault);
	free(ctx->sudo_user);
	free(ctx);
}

const char *dda_ctx_root(const struct dda_ctx *ctx)
{
	return ctx->root;
}

const char *dda_ctx_state_dir(const struct dda_ctx *ctx)
{
	return ctx->state_dir;
}

const char *dda_ctx_run_dir(const struct dda_ctx *ctx)
{
	return ctx->run_dir;
}

const char *dda_ctx_qemu(const struct dda_ctx *ctx)
{
	return ctx->qemu;
}

uint64_t dda_ctx_lock_timeout(const struct dda_ctx *ctx)
{
	return ctx->lock_timeout;
}

const char *dda_ctx_fault(const struct dda_ctx *ctx)
{
	return ctx->fault;
}

const char *dda_ctx_who(struct dda_ctx *ctx)
{
	struct passwd *pw;

	if (ctx->who[0])
		return ctx->who;
	if (ctx->sudo_user[0])
		snprintf(ctx->who, sizeof(ctx->who), "%s (via sudo)", ctx->sudo_user);
	else if ((pw = getpwuid(getuid())))
		snprintf(ctx->who, sizeof(ctx->who), "%s", pw->pw_name);
	else
		snprintf(ctx->who, sizeof(ctx->who), "uid %u", (unsigned)getuid());
	return ctx->who;
}

char *dda_ctx_scratch(struct dda_ctx *ctx, size_t *ret_size)
{
	*ret_size = sizeof(ctx->scratch);
	return ctx->scratch;
}
