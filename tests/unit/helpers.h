/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the unit tests that run the library on a fake host: build a
 * tree with fakehost, point the library at it, scan, and look at what came
 * out.  Header-only (static functions) so each test program stays one file
 * plus this; include it after <cmocka.h>.
 *
 * Every test gets a fresh tree from setup() and loses it in teardown(),
 * which cmocka runs even when the test fails, so nothing leaks under ASan.
 */
#ifndef DDA_TEST_HELPERS_H
#define DDA_TEST_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks.h"
#include "ctx.h"
#include "device.h"
#include "error.h"
#include "fakehost.h"
#include "hostpath.h"
#include "state.h"
#include "host.h"

/* The standard little host: a host bridge and a root port with full ACS,
 * each in a group of its own, and an endpoint slot below the port. */
#define HB    "0000:00:00.0"
#define RP    "0000:00:01.0"
#define RP2   "0000:00:02.0"
#define EP    "0000:01:00.0"
#define EP_F1 "0000:01:00.1"

/* PCI_ACS_CTRL_* that the kernel requires on a port: SV RR CR UF */
#define ACS_FULL 0x001d

struct fx {
	struct fh_host *fh;
	struct dda_ctx *ctx; /* on the tree, its state in /state */
	struct dda_host *h;
};

/* A context on the fixture's tree, with what the environment says for the
 * rest (DDACTL_FAULT, DDACTL_RUN_DIR...); the state directory under it. */
static inline int fx_ctx_new(struct fx *f, struct dda_ctx **ret)
{
	/* under the root, as every state directory is */
	return dda_ctx_new_from_env(ret,
				    &(const struct dda_ctx_options){ .root = fh_root(f->fh), .state_dir = "/state" });
}

/* Makes f->ctx again, for a test that changed the environment it reads
 * (a fault point, a run directory).  Nothing may hold the old one. */
static inline void fx_ctx_renew(struct fx *f)
{
	dda_host_free(f->h);
	f->h = NULL;
	dda_ctx_free(f->ctx);
	f->ctx = NULL;
	if (fx_ctx_new(f, &f->ctx) < 0)
		fail_msg("dda_ctx_new_from_env: %s", dda_last_error()->message);
}

static inline int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->fh = fh_new(NULL);
	if (!f->fh) {
		free(f);
		return -1;
	}
	if (fx_ctx_new(f, &f->ctx) < 0) {
		fh_destroy(f->fh);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static inline int fx_teardown(void **state)
{
	struct fx *f = *state;

	dda_host_free(f->h);
	dda_ctx_free(f->ctx);
	fh_destroy(f->fh);
	free(f);
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

/* A fakehost call that must work: a failure is a bug in the test table. */
#define MUST(call)                                                \
	do {                                                      \
		int _r = (call);                                  \
		if (_r < 0)                                       \
			fail_msg("%s: %s", #call, strerror(-_r)); \
	} while (0)

static inline void add_dev(struct fx *f, const struct fh_dev *d)
{
	int r = fh_add_dev(f->fh, d);

	if (r < 0)
		fail_msg("fh_add_dev(%s): %s", d->addr, strerror(-r));
}

/* ADD(f, .addr = ..., ...) with the fields of struct fh_dev. */
#define ADD(f, ...) add_dev(f, &(const struct fh_dev){ __VA_ARGS__ })

static inline void iommu_on(struct fx *f)
{
	/* ecap with IR (bit 3): interrupt remapping on */
	MUST(fh_iommu(f->fh, "dmar0", 0xf050da));
}

/* IOMMU on, host bridge in group 0, root port with full ACS in group 1. */
static inline void base(struct fx *f)
{
	iommu_on(f);
	ADD(f, .addr = HB, .type = FH_HOST_BRIDGE, .vendor = 0x8086, .device = 0x3e30, .group = FH_GROUP(0));
	ADD(f, .addr = RP, .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1901, .caps = FH_PM | FH_MSI | FH_ACS,
	    .acs_ctrl = ACS_FULL, .driver = "pcieport", .group = FH_GROUP(1));
}

/* An endpoint nothing is wrong with: MSI-X, FLR, page-sized 64-bit BARs,
 * a group of its own.  Tests copy it and break one thing. */
static inline struct fh_dev good_ep(void)
{
	return (struct fh_dev){
		.addr = EP,
		.parent = RP,
		.vendor = 0x8086,
		.device = 0x1572,
		.class = 0x020000,
		.subvendor = 0x8086,
		.subdevice = 0x0001,
		.caps = FH_PM | FH_MSIX | FH_FLR,
		.intx_pin = 1,
		.irq = 16,
		.driver = "i40e",
		.group = FH_GROUP(2),
		.reset_method = "flr bus",
		.reset = true,
		.bars = { [0] = { 8 << 20, FH_BAR_64 | FH_BAR_PREF }, [3] = { 32 << 10, FH_BAR_64 | FH_BAR_PREF } },
	};
}

/* Writes a file of the tree directly, for what fakehost does not model. */
static inline void put_file(struct fx *f, const char *rel, const char *content)
{
	char path[PATH_MAX];
	FILE *fp;

	test_pathf(path, sizeof(path), "%s/%s", fh_root(f->fh), rel);
	fp = fopen(path, "w");
	if (!fp)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	fputs(content, fp);
	fclose(fp);
}

static inline void tree_path(struct fx *f, char *buf, size_t size, const char *rel)
{
	if ((size_t)snprintf(buf, size, "%s/%s", fh_root(f->fh), rel) >= size)
		fail_msg("path too long: %s", rel);
}

/* mkdir -p of a directory of the tree. */
static inline void tree_mkdir(struct fx *f, const char *rel)
{
	char path[PATH_MAX];

	tree_path(f, path, sizeof(path), rel);
	for (char *p = path + strlen(fh_root(f->fh)) + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = c;
		if (!c)
			break;
	}
}

/* Path of an attribute of a function, under the tree. */
static inline void dev_path(struct fx *f, char *buf, size_t size, const char *addr, const char *attr)
{
	const char *dir = fh_dev_dir(f->fh, addr);

	if (!dir)
		fail_msg("no fake device %s", addr);
	if ((size_t)snprintf(buf, size, "%s/%s/%s", fh_root(f->fh), dir, attr) >= size)
		fail_msg("path too long: %s/%s", dir, attr);
}

/* Overwrites bytes of a function's config file: hostile config spaces
 * start from a generated one and break one pointer. */
static inline void patch_config(struct fx *f, const char *addr, unsigned off, const void *bytes, size_t n)
{
	char path[PATH_MAX];
	int fd;

	dev_path(f, path, sizeof(path), addr, "config");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	if (pwrite(fd, bytes, n, off) != (ssize_t)n)
		fail_msg("pwrite %s: %s", path, strerror(errno));
	close(fd);
}

static inline void patch8(struct fx *f, const char *addr, unsigned off, uint8_t v)
{
	patch_config(f, addr, off, &v, 1);
}

static inline void patch32(struct fx *f, const char *addr, unsigned off, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	patch_config(f, addr, off, b, 4);
}

/* A fresh state database under the tree (state/), through the fixture's
 * context. */
static inline struct dda_state *fx_state(struct fx *f)
{
	struct dda_state *s = NULL;
	int r;

	r = dda_state_open(f->ctx, &s, 0);
	if (r < 0)
		fail_msg("dda_state_open: %s", strerror(-r));
	return s;
}

/* Scans without the checks. */
static inline void scan_only(struct fx *f)
{
	int r;

	r = dda_host_scan(f->ctx, &f->h, DDA_SCAN_NAMES | DDA_SCAN_HOST_USE);
	if (r < 0)
		fail_msg("dda_host_scan: %s", strerror(-r));
}

/* Scans the fake host the way `ddactl survey` does. */
static inline void scan(struct fx *f)
{
	scan_only(f);
	assert_int_equal(dda_checks_run(f->h), 0);
}

static inline struct dda_device *dev(struct fx *f, const char *addr)
{
	struct dda_pciaddr a;
	struct dda_device *d;

	assert_int_equal(dda_pciaddr_parse(addr, &a), 0);
	d = dda_host_find(f->h, &a);
	if (!d)
		fail_msg("device %s was not found by the scan", addr);
	return d;
}

static inline const struct dda_reason *find_reason(const struct dda_device *d, const char *code)
{
	for (size_t i = 0; i < d->nreasons; i++)
		if (!strcmp(d->reasons[i].code, code))
			return &d->reasons[i];
	return NULL;
}

static inline bool has_reason(const struct dda_device *d, const char *code)
{
	return find_reason(d, code) != NULL;
}

/* Severity of the reason, -1 when the device does not have it. */
static inline int reason_sev(const struct dda_device *d, const char *code)
{
	const struct dda_reason *r = find_reason(d, code);

	return r ? (int)r->severity : -1;
}

static inline void dump_reasons(const struct dda_device *d)
{
	fprintf(stderr, "reasons of %s (%zu):\n", d->name, d->nreasons);
	for (size_t i = 0; i < d->nreasons; i++)
		fprintf(stderr, "  %s %s: %s\n", dda_severity_name(d->reasons[i].severity), d->reasons[i].code,
			d->reasons[i].message);
	for (size_t i = 0; i < d->nerrors; i++)
		fprintf(stderr, "  error: %s\n", d->errors[i]);
}

/* The reason, which must be there with this severity. */
static inline const struct dda_reason *expect_reason(const struct dda_device *d, const char *code, enum dda_severity sev)
{
	const struct dda_reason *r = find_reason(d, code);

	if (!r) {
		dump_reasons(d);
		fail_msg("%s has no reason '%s'", d->name, code);
	}
	if (r->severity != sev) {
		dump_reasons(d);
		fail_msg("%s: reason '%s' is %s, expected %s", d->name, code, dda_severity_name(r->severity),
			 dda_severity_name(sev));
	}
	assert_non_null(r->message);
	assert_non_null(r->hint);
	/* messages name the device they are about */
	if (!strstr(r->message, d->name))
		fail_msg("%s: message of '%s' does not name it: %s", d->name, code, r->message);
	return r;
}

static inline void expect_no_reason(const struct dda_device *d, const char *code)
{
	if (has_reason(d, code)) {
		dump_reasons(d);
		fail_msg("%s has reason '%s' it should not have", d->name, code);
	}
}

static inline void expect_contains(const char *s, const char *sub)
{
	if (!s || !strstr(s, sub))
		fail_msg("expected \"%s\" in \"%s\"", sub, s ? s : "(null)");
}

static inline void expect_lacks(const char *s, const char *sub)
{
	if (s && strstr(s, sub))
		fail_msg("did not expect \"%s\" in \"%s\"", sub, s);
}

#endif
