/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "report.h"

bool arg_json;

bool cli_colour(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	return isatty(fileno(f)) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
}

const char *cli_sgr(FILE *f, const char *code)
{
	return cli_colour(f) ? code : "";
}

void cli_print_json(struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								  JSON_C_TO_STRING_NOSLASHESCAPE);

	fputs(s ? s : "null", stdout);
	fputc('\n', stdout);
}

void cli_json_early(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			arg_json = true;
}

int cli_fail(int r)
{
	struct dda_error_info tmp, safe;
	const struct dda_error_info *e = dda_error_for(r, &tmp);

	/* The message quotes what the user typed: never hand a terminal
	 * its escape sequences, in text or in JSON. */
	safe = *e;
	dda_text_escape(safe.message, sizeof(safe.message), e->message);
	dda_text_escape(safe.device, sizeof(safe.device), e->device);
	dda_text_escape(safe.hint, sizeof(safe.hint), e->hint);
	e = &safe;
	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_error(e);

		cli_print_json(o);
	} else {
		fprintf(stderr, "ddactl: %s\n", e->message);
	}
	/* 2 is for what the user typed; a driver's EINVAL is a refusal (1). */
	return e->cls == DDA_ERR_INPUT ? EXIT_USAGE : EXIT_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char raw[512], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	dda_text_escape(msg, sizeof(msg), raw);
	if (arg_json) {
		struct dda_error_info e = { .err = -EINVAL, .cls = DDA_ERR_INPUT };

		snprintf(e.code, sizeof(e.code), "usage");
		snprintf(e.message, sizeof(e.message), "%s", msg);
		_cleanup_json_ struct json_object *o = dda_report_error(&e);

		cli_print_json(o);
	} else {
		fprintf(stderr, "ddactl: %s\n", msg);
		fprintf(stderr, "Try 'ddactl %s%s--help' for more information.\n", cmd ? cmd : "", cmd ? " " : "");
	}
	return EXIT_USAGE;
}

void cli_command_line(int argc, char **argv, char *buf, size_t size)
{
	size_t off = (size_t)snprintf(buf, size, "ddactl");

	for (int i = 0; i < argc && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, " %s", argv[i]);
}
