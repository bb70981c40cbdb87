/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: dda_lspci_dump_tree() on arbitrary text, as if someone
 * posted it as their `lspci -D -vvvnn -xxxx` (survey --from).  Besides
 * ASan/UBSan, the checks catch a tree that would leave its private
 * directory: every path relative and without "..", every function under
 * sys/devices/pci*, every config file 64 to 4096 bytes long.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ftree.h"
#include "lspcidump.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dda_ftree t = { 0 };
	struct dda_lspci_dump *d = NULL;
	char *text = malloc(size + 1);
	int r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	r = dda_lspci_dump_tree(text, size, "fuzz", &t, &d);
	CHECK(r == 0 || r == -EINVAL || r == -ELOOP || r == -ENAMETOOLONG || r == -ENOMEM);
	CHECK((r == 0) == (d != NULL));
	for (size_t i = 0; r == 0 && i < t.n; i++) {
		const struct dda_ftree_entry *e = &t.e[i];
		const char *b = strrchr(e->path, '/');

		CHECK(e->path[0] && e->path[0] != '/' && !strstr(e->path, "/../") && strncmp(e->path, "../", 3));
		CHECK(!strncmp(e->path, "sys/", 4));
		CHECK(e->kind == DDA_FT_DIR || e->data);
		if (e->kind == DDA_FT_FILE && b && !strcmp(b, "/config"))
			CHECK(e->len >= 64 && e->len <= 4096);
	}
	for (size_t i = 0; d && i < d->n; i++)
		CHECK(!strncmp(d->f[i].syspath, "devices/pci", 11) && d->f[i].config_len >= 64);
	dda_ftree_release(&t);
	dda_lspci_dump_free(d);
	dda_error_clear();
	free(text);
	return 0;
}
