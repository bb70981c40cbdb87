/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every command that touches the host does first: check it runs as
 * root, take the one-writer lock, open the state, and finish any move a
 * previous run left half done (so a crash is repaired by whatever ddactl
 * command comes next).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "pool.h"

static void tell_repairs(const struct dda_repair *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		fprintf(stderr, "ddactl: %s\n", rep->lines[i]);
}

int cli_session_open(struct dda_ctx *ctx, struct cli_session *ses, const char *cmd, const char *what)
{
	struct dda_repair rep = { 0 };
	int r;

	memset(ses, 0, sizeof(*ses));
	if (geteuid() != 0)
		return dda_error_code(-EPERM, "not-root", NULL,
				      "'ddactl %s' changes the host and must run as root (try: sudo ddactl %s ...)",
				      cmd, cmd);
	r = dda_lock_take(ctx, &ses->lock, what);
	if (r < 0)
		return r;
	r = dda_state_open(ctx, &ses->state, 0);
	if (r < 0)
		return r;
	/* A repair that cannot finish (a driver that is gone) is told and
	 * kept for the next run; it must not stop every other command, such
	 * as `vm stop --all` at shutdown. */
	if (dda_pool_needs_recovery(ses->state)) {
		r = dda_pool_recover(ses->state, &rep);
		tell_repairs(&rep);
		if (r < 0)
			fprintf(stderr, "ddactl: an interrupted move could not be finished yet: %s\n",
				dda_last_error()->message);
		dda_error_clear();
	}
	return 0;
}

void cli_session_close(struct cli_session *ses)
{
	dda_state_close(ses->state);
	dda_lock_release(ses->lock);
	memset(ses, 0, sizeof(*ses));
}

void cli_recover_if_needed(struct dda_ctx *ctx, const char *cmd)
{
	_cleanup_(dda_state_closep) struct dda_state *ro = NULL;
	struct cli_session ses;

	if (dda_state_open(ctx, &ro, DDA_STATE_READONLY) < 0 || !dda_pool_needs_recovery(ro))
		return;
	if (geteuid() != 0) {
		fprintf(stderr,
			"ddactl: a previous dismount or mount was interrupted; run any ddactl command as root to repair it\n");
		return;
	}
	dda_state_close(TAKE_PTR(ro));
	if (cli_session_open(ctx, &ses, cmd, "ddactl repair") < 0)
		fprintf(stderr, "ddactl: could not repair an interrupted move: %s\n", dda_last_error()->message);
	cli_session_close(&ses);
}

int cli_pool_read(struct dda_ctx *ctx, struct dda_state **s, struct dda_pool_entry **v, size_t *n)
{
	int r = dda_state_open(ctx, s, DDA_STATE_READONLY);

	*v = NULL;
	*n = 0;
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : dda_pool_list(*s, v, n);
}
