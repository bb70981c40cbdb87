/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The output of `lspci -D -vvvnn -xxxx` (as root) turned into a host tree
 * (basic/ftree.h) of the shape sysfs has: the functions nested below their
 * bridges by the bus numbers in config space, each with config (as many
 * bytes as the dump has), ids, class, revision, resource (from the text's
 * Region lines and their [size=]), the driver link ("Kernel driver in
 * use"), the SR-IOV attributes and physfn/virtfn links.  What a dump does
 * not tell is left out of the tree and listed in struct dda_lspci_dump, so
 * the survey marks it unknown (docs/PREDICT.md).
 */
#ifndef DDA_LSPCIDUMP_H
#define DDA_LSPCIDUMP_H

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"
#include "ftree.h"
#include "pciaddr.h"

struct dda_lspci_func {
	struct dda_pciaddr addr;
	char name[DDA_PCIADDR_LEN];
	bool has_text;	    /* lspci's -v lines were there: the driver line means what it says */
	int dump_group;	    /* "IOMMU group: N" as lspci printed it, -1 without */
	size_t config_len;  /* 64, 256 or 4096 */
	char syspath[1024]; /* under sys/: "devices/pci0000:00/0000:00:01.0/0000:01:00.0" */
};

struct dda_lspci_dump {
	struct dda_lspci_func *f;
	size_t n;
	bool drivers_known; /* every function had its -v text */
};

/* Parses text (len bytes; file names it in messages) into t.  -EINVAL,
 * recorded with the line, when the text is no lspci dump or a function
 * has no config space bytes (lspci without -xxx). */
int dda_lspci_dump_tree(const char *text, size_t len, const char *file, struct dda_ftree *t,
			struct dda_lspci_dump **ret) _must_check_;
void dda_lspci_dump_free(struct dda_lspci_dump *d);
DDA_DEFINE_CLEANUP(struct dda_lspci_dump, dda_lspci_dump_free)

#endif
