/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "names.h"

/* libpci returns names in a caller buffer; keep one copy per vendor:device
 * so the pointers handed out stay valid and repeated ids (VFs) cost one
 * lookup. */
struct entry {
	uint32_t key;
	char *name;
};

struct dda_names {
	struct pci_access *pacc;
	struct entry *cache;
	size_t n, cap;
};

static void quiet(char *msg, ...)
{
	(void)msg;
}

struct dda_names *dda_names_new(void)
{
	struct dda_names *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->pacc = pci_alloc();
	if (!n->pacc) {
		free(n);
		return NULL;
	}
	/* libpci's default warning/debug handlers print; the library must
	 * not.  Its error handler only runs on OOM inside libpci. */
	n->pacc->warning = quiet;
	n->pacc->debug = quiet;
	return n;
}

void dda_names_free(struct dda_names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		free(n->cache[i].name);
	free(n->cache);
	pci_cleanup(n->pacc);
	free(n);
}

static int cmp_key(const void *a, const void *b)
{
	uint32_t x = ((const struct entry *)a)->key, y = ((const struct entry *)b)->key;

	return x < y ? -1 : x > y;
}

const char *dda_names_device(struct dda_names *n, uint16_t vendor, uint16_t device)
{
	struct entry key = { .key = (uint32_t)vendor << 16 | device }, *hit;
	char vbuf[256], dbuf[256], *v, *d, *name = NULL;

	if (!n)
		return NULL;
	hit = n->n ? bsearch(&key, n->cache, n->n, sizeof(*n->cache), cmp_key) : NULL;
	if (hit)
		return hit->name;
	/* pci.ids only, never udev's hwdb: a machine without udev (a container,
	 * a minimal install) has no hwdb.bin, and libpci 3.9 then makes a new
	 * udev context on every lookup and frees only the last. */
	v = pci_lookup_name(n->pacc, vbuf, sizeof(vbuf), PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
			    vendor);
	d = pci_lookup_name(n->pacc, dbuf, sizeof(dbuf), PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
			    vendor, device);
	if (v && d && asprintf(&name, "%s %s", v, d) < 0)
		name = NULL;
	else if (v && !d)
		name = strdup(v);
	if (n->n == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 64;
		struct entry *c = realloc(n->cache, cap * sizeof(*c));

		if (!c) {
			free(name);
			return NULL;
		}
		n->cache = c;
		n->cap = cap;
	}
	/* Insert in order; the table holds distinct ids, a few hundred at most. */
	{
		size_t i = n->n;

		while (i > 0 && n->cache[i - 1].key > key.key) {
			n->cache[i] = n->cache[i - 1];
			i--;
		}
		n->cache[i] = (struct entry){ .key = key.key, .name = name };
		n->n++;
	}
	return name;
}
