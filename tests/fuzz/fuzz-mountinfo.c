/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: dda_mountinfo_parse() on arbitrary text, as if
 * /proc/self/mountinfo had it (a mount point may hold any byte but NUL
 * and newline; the kernel escapes blanks, tabs, newlines and '\' as
 * octal).  What comes out must be bounded, unescaped no longer than it
 * came in, the same on a second parse, and overlay layers must point at
 * an overlay's mount point.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mountinfo.h"
#include "fuzz.h"

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (*s != '\n' && (s[1] == '\n' || !s[1]))
			n++;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dda_mount *m = NULL, *m2 = NULL;
	size_t n = 0, n2 = 0, lines;
	char *a, *b;

	if (size > 64 * 1024)
		return 0;
	a = malloc(size + 1);
	b = malloc(size + 1);
	if (!a || !b)
		abort();
	memcpy(a, data, size);
	a[size] = '\0';
	memcpy(b, a, size + 1);
	lines = count_lines(a);

	CHECK(dda_mountinfo_parse(a, &m, &n) == 0);
	CHECK(dda_mountinfo_parse(b, &m2, &n2) == 0);
	CHECK(n == n2);
	CHECK(n <= lines);
	for (size_t i = 0; i < n; i++) {
		CHECK(m[i].point && m[i].source);
		CHECK(strlen(m[i].majmin) < sizeof(m[i].majmin) && m[i].majmin[0]);
		CHECK(strlen(m[i].fstype) < sizeof(m[i].fstype));
		CHECK(strlen(m[i].point) <= size && strlen(m[i].source) <= size);
		CHECK(!strcmp(m[i].point, m2[i].point) && !strcmp(m[i].source, m2[i].source));
		CHECK(!strcmp(m[i].fstype, m2[i].fstype) && !strcmp(m[i].majmin, m2[i].majmin));
		if (m[i].backs) {
			bool found = false;

			/* a layer backs an overlay, never itself, never "/" */
			CHECK(strcmp(m[i].point, "/"));
			for (size_t j = 0; j < n; j++)
				if (j != i && m[j].point == m[i].backs && !strcmp(m[j].fstype, "overlay"))
					found = true;
			CHECK(found);
		}
	}
	dda_mounts_free(m, n);
	dda_mounts_free(m2, n2);
	free(a);
	free(b);
	return 0;
}
