/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command-line front end: a command table (main.c), one file per
 * subcommand (cmd-*.c), and the few helpers they share to speak to the
 * user.  Only this layer prints or chooses an exit status.
 *
 * Exit status: 0 success; 1 the command ran and refused or failed (a
 * reason is printed); 2 bad usage or bad input.
 */
#ifndef DDA_CLI_H
#define DDA_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "ctx.h"
#include "lock.h"
#include "state.h"
#include "text.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

struct cli_command {
	const char *name;
	/* ctx may be NULL for --help, which reads nothing. */
	int (*run)(struct dda_ctx *ctx, int argc, char **argv);
	const char *summary;
};

extern bool arg_json;

/* Colour only on a terminal and without NO_COLOR. */
bool cli_colour(FILE *f);
const char *cli_sgr(FILE *f, const char *code);

/* Prints the error of failure r ("ddactl: message" on stderr, or the JSON
 * error document on stdout with --json): the library's last record when
 * it is r's, else strerror(-r).  The exit status is the record's class:
 * bad input (DDA_ERR_INPUT) is 2, the rest 1. */
int cli_fail(int r);

/* Sets arg_json when --json (or -j) is anywhere before "--", so errors
 * found before a command's own option parsing are JSON documents too. */
void cli_json_early(int argc, char **argv);

/* A usage error from option parsing: one line and a pointer to --help. */
int cli_usage_error(const char *cmd, const char *fmt, ...) _printf_(2, 3);

/* Prints a JSON document to stdout, pretty. */
void cli_print_json(struct json_object *o);


/* Root, lock, state, and repair of interrupted moves (see session.c). */
struct cli_session {
	struct dda_lock *lock;
	struct dda_state *state;
};
int cli_session_open(struct dda_ctx *ctx, struct cli_session *ses, const char *cmd, const char *what) _must_check_;
void cli_session_close(struct cli_session *ses);

struct dda_pool_entry;
/* The pool's records for a command that only reads; no database yet is an
 * empty pool, and *s stays NULL. */
int cli_pool_read(struct dda_ctx *ctx, struct dda_state **s, struct dda_pool_entry **v, size_t *n) _must_check_;

/* For commands that only read: repair if root, else say a repair is due. */
void cli_recover_if_needed(struct dda_ctx *ctx, const char *cmd);

/* "ddactl dismount 01:00.0 02:00.0", for the lock holder line. */
void cli_command_line(int argc, char **argv, char *buf, size_t size);

struct dda_host;
struct dda_device;
struct dda_plan;
/* Checks that each name is a well-formed address or location path, for
 * checking every argument before the session (and its repair) starts. */
int cli_check_device_names(int argc, char **argv) _must_check_;
/* The host as far as the named devices need it (dda_host_scan_for), or
 * all of it when a name is a location path or no address. */
int cli_scan_named(struct dda_ctx *ctx, struct dda_host **h, unsigned flags, int argc, char **argv) _must_check_;
/* Resolves each name (address or location path); errors name the input. */
int cli_resolve_devices(struct dda_host *h, int argc, char **argv, struct dda_device ***ret, size_t *ret_n) _must_check_;
void cli_print_plan(const struct dda_plan *p, const char *verb, bool dry_run);

int cmd_survey(struct dda_ctx *ctx, int argc, char **argv);
int cmd_dismount(struct dda_ctx *ctx, int argc, char **argv);
int cmd_mount(struct dda_ctx *ctx, int argc, char **argv);
int cmd_pool(struct dda_ctx *ctx, int argc, char **argv);
int cmd_vm(struct dda_ctx *ctx, int argc, char **argv);
/* cmd-vm-define.c: vm create (sub "create") and vm set, parsed and saved. */
int cmd_vm_define(struct dda_ctx *ctx, int argc, char **argv, const char *sub);
void cmd_vm_help(void);
int cmd_vf(struct dda_ctx *ctx, int argc, char **argv);
int cmd_log(struct dda_ctx *ctx, int argc, char **argv);
int cmd_metrics(struct dda_ctx *ctx, int argc, char **argv);
int cmd_export(struct dda_ctx *ctx, int argc, char **argv);
int cmd_libvirt(struct dda_ctx *ctx, int argc, char **argv);
int cmd_libvirt_hook(struct dda_ctx *ctx, int argc, char **argv);

#endif
