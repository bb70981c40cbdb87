/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the device-name parsers on arbitrary text.  Whatever
 * dda_pciaddr_parse() or dda_locpath_parse() accept must print back to a
 * name that parses to the same function, and printing that again must give
 * the same text: a name that round-trips to another device would make
 * ddactl act on the wrong one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pciaddr.h"
#include "fuzz.h"

static void addr_round_trip(const char *s)
{
	struct dda_pciaddr a, b;
	char buf[DDA_PCIADDR_LEN], buf2[DDA_PCIADDR_LEN];

	if (dda_pciaddr_parse(s, &a) < 0)
		return;
	CHECK(a.dev <= 31 && a.fn <= 7);
	/* an address is never taken for a location path, nor the reverse */
	CHECK(!dda_is_locpath(s));
	dda_pciaddr_format(&a, buf);
	CHECK(strlen(buf) < sizeof(buf));
	CHECK(dda_pciaddr_parse(buf, &b) == 0);
	CHECK(dda_pciaddr_cmp(&a, &b) == 0);
	dda_pciaddr_format(&b, buf2);
	CHECK(strcmp(buf, buf2) == 0);
}

static void locpath_round_trip(const char *s)
{
	struct dda_locpath l, m;
	char buf[DDA_LOCPATH_LEN], buf2[DDA_LOCPATH_LEN];

	if (dda_locpath_parse(s, &l) < 0)
		return;
	CHECK(dda_is_locpath(s));
	CHECK(l.nhops >= 1 && l.nhops <= DDA_LOCPATH_MAX_HOPS);
	CHECK(l.vf >= -1 && l.vf <= 65535);
	for (unsigned i = 0; i < l.nhops; i++)
		CHECK(l.hop[i].dev <= 31 && l.hop[i].fn <= 7);
	/* anything accepted fits the documented buffer */
	CHECK(dda_locpath_format(&l, buf, sizeof(buf)) == 0);
	CHECK(dda_locpath_parse(buf, &m) == 0);
	CHECK(dda_locpath_equal(&l, &m));
	CHECK(dda_locpath_format(&m, buf2, sizeof(buf2)) == 0);
	CHECK(strcmp(buf, buf2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	/* names come from the command line: text up to the first NUL */
	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	addr_round_trip(s);
	locpath_round_trip(s);
	free(s);
	return 0;
}
