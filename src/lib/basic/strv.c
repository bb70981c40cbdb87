/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

void dda_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

char *dda_strv_join(char *const *v)
{
	size_t len = 1;
	char *out, *p;

	for (char *const *s = v; *s; s++)
		len += strlen(*s) * 4 + 3;
	out = malloc(len);
	if (!out)
		return NULL;
	p = out;
	for (char *const *s = v; *s; s++) {
		bool plain = **s != '\0' &&
			     strspn(*s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=,.:/+@%") ==
				     strlen(*s);

		if (s != v)
			*p++ = ' ';
		if (plain) {
			p = stpcpy(p, *s);
			continue;
		}
		*p++ = '\'';
		for (const char *c = *s; *c; c++) {
			if (*c == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *c;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return out;
}
