/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: dda_domxml_parse() on arbitrary bytes, as libvirt
 * hands the hook a domain XML on stdin.  It either refuses with a recorded
 * error or gives hostdevs whose addresses are in range and whose names
 * read back as the same address; a second parse says the same.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "domxml.h"
#include "error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dda_domxml x = { 0 }, y = { 0 };
	int r, r2;

	if (size > 256 * 1024)
		return 0;
	r = dda_domxml_parse((const char *)data, size, "fuzz", &x);
	r2 = dda_domxml_parse((const char *)data, size, "fuzz", &y);
	CHECK(r == r2);
	if (r < 0) {
		CHECK(r == -EINVAL || r == -ENOMEM);
		CHECK(dda_last_error()->err == r || r == -ENOMEM);
		return 0;
	}
	CHECK(x.n == y.n);
	CHECK(strlen(x.name) < sizeof(x.name));
	for (size_t i = 0; i < x.n; i++) {
		struct dda_pciaddr a;

		CHECK(x.hostdevs[i].addr.dev < 32 && x.hostdevs[i].addr.fn < 8 && x.hostdevs[i].addr.domain <= 0xffff);
		CHECK(dda_pciaddr_parse(x.hostdevs[i].name, &a) == 0);
		CHECK(dda_pciaddr_cmp(&a, &x.hostdevs[i].addr) == 0);
		CHECK(!strcmp(x.hostdevs[i].name, y.hostdevs[i].name));
		CHECK(x.hostdevs[i].managed == y.hostdevs[i].managed);
		CHECK(dda_domxml_find(&x, x.hostdevs[i].name) != NULL);
	}
	dda_domxml_release(&x);
	dda_domxml_release(&y);
	return 0;
}
