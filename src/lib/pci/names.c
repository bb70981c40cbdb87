/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libudev.h>
#include <pci/pci.h>

#include "names.h"

/* Names are copied into one cache entry per vendor:device, so the pointers
 * handed out stay valid (both databases lend theirs only until the next
 * lookup) and repeated ids (VFs) cost one lookup. */
struct entry {
	uint32_t key;
	char *name;
};

struct dda_names {
	unsigned sources;
	/* hwdb.bin is mapped, not read, and a lookup walks its trie: a few
	 * thousand instructions where libpci parses all of pci.ids (25 M)
	 * before its first answer.  NULL when the host has none. */
	struct udev *udev;
	struct udev_hwdb *hwdb;
	/* made on the first vendor hwdb does not know */
	struct pci_access *pacc;
	struct entry *cache;
	size_t n, cap;
};

static void quiet(char *msg, ...)
{
	(void)msg;
}

struct dda_names *dda_names_new_from(unsigned sources)
{
	struct dda_names *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->sources = sources;
	if (sources & DDA_NAMES_HWDB) {
		/* No hwdb (a container, a minimal install, systemd-hwdb never
		 * run) is not an error: pci.ids answers instead. */
		n->udev = udev_new();
		n->hwdb = n->udev ? udev_hwdb_new(n->udev) : NULL;
		if (!n->hwdb)
			n->udev = udev_unref(n->udev);
	}
	return n;
}

struct dda_names *dda_names_new(void)
{
	return dda_names_new_from(DDA_NAMES_ANY);
}

void dda_names_free(struct dda_names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		free(n->cache[i].name);
	free(n->cache);
	if (n->pacc)
		pci_cleanup(n->pacc);
	udev_hwdb_unref(n->hwdb);
	udev_unref(n->udev);
	free(n);
}

static int cmp_key(const void *a, const void *b)
{
	uint32_t x = ((const struct entry *)a)->key, y = ((const struct entry *)b)->key;

	return x < y ? -1 : x > y;
}

/* "vendor device", "vendor" when the device is unknown, NULL when the
 * vendor is (or on OOM, which then looks the same). */
static char *join(const char *v, const char *d)
{
	char *name;

	if (!v)
		return NULL;
	if (!d)
		return strdup(v);
	return asprintf(&name, "%s %s", v, d) < 0 ? NULL : name;
}

/* systemd generates its 20-pci-vendor-model.hwdb from pci.ids, so a name
 * has the same form from either ("Intel Corporation 82574L Gigabit Network
 * Connection"), but the snapshots differ in date: hwdb's is systemd's,
 * pci.ids's the pci.ids package's.  On Debian 12 (systemd 252.39, pci.ids
 * 2023.04.11) hwdb is the newer, and 871 of pci.ids's 17,616 devices read
 * differently there: "Cannon Lake PCH PCI Express Root Port #1" is "...
 * Root Port", "Navi 31 [Radeon RX 7900 XT/7900 XTX]" lists more cards, 13
 * vendors are renamed (Solarflare Communications is AMD Solarflare); 9
 * devices, dropped from pci.ids since, are in the old pci.ids alone and
 * now read as their vendor.  The pointers are hwdb's, valid until its next
 * lookup. */
static void hwdb_lookup(struct udev_hwdb *hwdb, uint16_t vendor, uint16_t device, const char **v, const char **d)
{
	struct udev_list_entry *e;
	char modalias[32];

	/* the key libpci's own hwdb lookup and udev's pci builtin use */
	snprintf(modalias, sizeof(modalias), "pci:v%08Xd%08X", vendor, device);
	udev_list_entry_foreach(e, udev_hwdb_get_properties_list_entry(hwdb, modalias, 0))
	{
		const char *key = udev_list_entry_get_name(e);

		if (strcmp(key, "ID_VENDOR_FROM_DATABASE") == 0)
			*v = udev_list_entry_get_value(e);
		else if (strcmp(key, "ID_MODEL_FROM_DATABASE") == 0)
			*d = udev_list_entry_get_value(e);
	}
}

static char *pci_ids_lookup(struct dda_names *n, uint16_t vendor, uint16_t device)
{
	char vbuf[256], dbuf[256], *v, *d;

	if (!n->pacc) {
		n->pacc = pci_alloc();
		if (!n->pacc)
			return NULL;
		/* libpci's default warning/debug handlers print; the library
		 * must not.  Its error handler only runs on OOM inside libpci. */
		n->pacc->warning = quiet;
		n->pacc->debug = quiet;
	}
	/* pci.ids only: hwdb was asked, and libpci 3.9 without a
	 * hwdb.bin makes a new udev context on every lookup and frees only
	 * the last. */
	v = pci_lookup_name(n->pacc, vbuf, sizeof(vbuf), PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
			    vendor);
	d = pci_lookup_name(n->pacc, dbuf, sizeof(dbuf), PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
			    vendor, device);
	return join(v, v ? d : NULL);
}

static char *lookup(struct dda_names *n, uint16_t vendor, uint16_t device)
{
	const char *hv = NULL, *hd = NULL;

	/* pci.ids answers only for a vendor hwdb does not know.  A device
	 * hwdb does not know gets its vendor's name alone, as from pci.ids
	 * when it does not know the device either: parsing all of pci.ids
	 * (25 M instructions) for the one id it might know more of would
	 * undo the point of hwdb, and did on the 4,096-function bench tree,
	 * whose PLX switch (10b5:9797) neither database knows. */
	if (n->hwdb) {
		hwdb_lookup(n->hwdb, vendor, device, &hv, &hd);
		if (hv)
			return join(hv, hd);
	}
	return n->sources & DDA_NAMES_PCI_IDS ? pci_ids_lookup(n, vendor, device) : NULL;
}

const char *dda_names_device(struct dda_names *n, uint16_t vendor, uint16_t device)
{
	struct entry key = { .key = (uint32_t)vendor << 16 | device }, *hit;
	char *name;

	if (!n)
		return NULL;
	hit = n->n ? bsearch(&key, n->cache, n->n, sizeof(*n->cache), cmp_key) : NULL;
	if (hit)
		return hit->name;
	name = lookup(n, vendor, device);
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
