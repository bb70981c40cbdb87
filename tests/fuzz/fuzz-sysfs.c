/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the sysfs attribute text of one PCI function, read by
 * dda_device_read() from a directory this target writes, and the number
 * parsers (dda_parse_u64/u32) it uses.  The input is split at NUL bytes:
 *
 *	resource NUL reset_method NUL sriov_totalvfs NUL sriov_numvfs NUL
 *	boot_vga NUL config-space-bytes...
 *
 * A missing field is a missing attribute.  Whatever the files hold, the
 * device must come out within its bounds: at most 7 BARs, none empty or
 * wrapping past 2^64, only known reset methods.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device.h"
#include "hostpath.h"
#include "fuzz.h"
#include "../fixture/testpath.h"

#define FN	"0000:00:00.0"
#define SYSPATH "devices/pci0000:00/" FN

static const char *const text_attrs[] = { "resource", "reset_method", "sriov_totalvfs", "sriov_numvfs", "boot_vga" };
static char root[64], dir[128];
/* The fuzzer's one context, on its tree, for the whole run. */
static struct dda_ctx *ctx;

static void cleanup(void)
{
	char p[256];

	dda_ctx_free(ctx);
	for (size_t i = 0; i < sizeof(text_attrs) / sizeof(*text_attrs); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, text_attrs[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/config", dir);
	unlink(p);
	rmdir(dir);
	snprintf(p, sizeof(p), "%s/sys/devices/pci0000:00", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/sys/devices", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/sys", root);
	rmdir(p);
	rmdir(root);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char p[160];
	int fd;

	/* each input rewrites six files: tmpfs takes that ten times faster
	 * than a journalling /tmp */
	if (!tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(root, sizeof(root), "%s/fuzz-sysfs-XXXXXX", tmp);
	if (!mkdtemp(root))
		abort();
	CHECK(dda_ctx_new(&ctx, &(struct dda_ctx_options){ .root = root }) == 0);
	snprintf(p, sizeof(p), "%s/sys/" SYSPATH, root);
	fd = dda_open_private_dir(ctx, p, 0755, true);
	CHECK(fd >= 0);
	close(fd);
	test_pathf(dir, sizeof(dir), "%s", p);
	atexit(cleanup);
}

static void put(const char *name, const uint8_t *bytes, size_t len, bool present)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (!present) {
		CHECK(unlink(p) == 0 || errno == ENOENT);
		return;
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, bytes, len) == (ssize_t)len);
	close(fd);
}

/* dda_parse_u32 accepts exactly what dda_parse_u64 accepts up to 2^32-1,
 * and what either accepts prints back to the same number. */
static void check_numbers(const char *s)
{
	static const int bases[] = { 0, 10, 16 };

	for (size_t i = 0; i < sizeof(bases) / sizeof(*bases); i++) {
		uint64_t v, again;
		uint32_t w;
		int r64 = dda_parse_u64(s, bases[i], &v), r32 = dda_parse_u32(s, bases[i], &w);
		char buf[32];

		CHECK(r64 <= 0 && r32 <= 0);
		if (r32 == 0)
			CHECK(r64 == 0 && v == w);
		if (r64 == 0 && v <= UINT32_MAX)
			CHECK(r32 == 0);
		if (r64 == 0) {
			snprintf(buf, sizeof(buf), bases[i] == 16 ? "%llx\n" : "%llu\n", (unsigned long long)v);
			CHECK(dda_parse_u64(buf, bases[i] == 16 ? 16 : 10, &again) == 0 && again == v);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t nfields = sizeof(text_attrs) / sizeof(*text_attrs);
	struct dda_device d = { 0 };
	const uint8_t *p = data, *end = data + size;
	int r;

	if (size > 8192)
		return 0;
	if (!root[0])
		setup();
	for (size_t i = 0; i < nfields; i++) {
		const uint8_t *nul = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);

		put(text_attrs[i], p, len, p < end || nul);
		if (i == 2) {
			char s[64];

			if (len < sizeof(s)) {
				memcpy(s, p, len);
				s[len] = '\0';
				check_numbers(s);
			}
		}
		p = nul ? nul + 1 : end;
	}
	put("config", p, (size_t)(end - p), p < end);

	snprintf(d.name, sizeof(d.name), FN);
	d.syspath = strdup(SYSPATH);
	CHECK(d.syspath);
	r = dda_device_read(ctx, &d);
	CHECK(r <= 0);
	CHECK(d.nbars <= 7);
	for (unsigned i = 0; i < d.nbars; i++) {
		const struct dda_bar *b = &d.bars[i];

		CHECK(b->index <= 6);
		CHECK(!!(b->flags & DDA_BAR_ROM) == (b->index == 6));
		CHECK(b->size > 0);
		CHECK(b->start <= UINT64_MAX - (b->size - 1));
		if (i)
			CHECK(b->index > d.bars[i - 1].index);
	}
	CHECK(!(d.resets & ~(unsigned)(DDA_RESET_DEVICE_SPECIFIC | DDA_RESET_ACPI | DDA_RESET_FLR | DDA_RESET_AF_FLR |
				       DDA_RESET_PM | DDA_RESET_BUS | DDA_RESET_CXL_BUS)));
	CHECK(d.sriov_total >= -1 && d.sriov_num >= -1 && d.boot_vga >= -1);
	CHECK(d.intx_pin <= 4);
	CHECK(d.config_len <= 4096);
	dda_device_release(&d);
	return 0;
}
