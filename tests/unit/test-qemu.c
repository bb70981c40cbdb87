/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QEMU side of a VM (qemu.h): the sizes that make passthrough work the
 * first time, and the command line that carries them.
 *
 * The expected numbers are worked out here from the rules, not read back
 * from the code:
 *  - memlock: all guest RAM is pinned for VFIO, plus 1 GiB for QEMU;
 *  - each hot-add port reserves the largest 64-bit prefetchable (and
 *    32-bit) need of any device in the pool, rounded up to a power of two,
 *    at least 2 MiB;
 *  - the 64-bit hole holds the assigned devices (each rounded up to a
 *    power of two) and the port reserves, doubled for alignment after
 *    rounding the sum up to a power of two, and is never smaller than
 *    QEMU's own default of 32 GiB; --mmio-above-4g replaces it as is,
 *    but may not be smaller than the need;
 *  - the 32-bit need may not exceed the 1 GiB q35 leaves below 4 GiB;
 *  - the hole starts after RAM above 4 GiB (q35 keeps 2 GiB below 4 GiB
 *    once RAM reaches 2.75 GiB, all of it below otherwise), on a GiB
 *    boundary, and must end within the guest CPU's physical address
 *    bits: 40 under TCG, the host's under KVM.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bits.h"
#include "error.h"
#include "hostpath.h"
#include "qemu.h"
#include "vm.h"

#define KiB 1024ULL
#define MiB DDA_MiB
#define GiB DDA_GiB
#define TiB (1024 * GiB)

#define RUNDIR "/run/ddactl/vm/web"
#define QEMU   "/usr/bin/qemu-system-x86_64"

/* A GPU as dda_device_mmio reports it: BAR1 16 GiB and BAR3 32 MiB, both
 * 64-bit prefetchable, BAR0 16 MiB of 32-bit registers. */
#define GPU_ABOVE (16 * GiB + 32 * MiB)
#define GPU_BELOW (16 * MiB)
/* A NIC: 8 MiB + 32 KiB of 64-bit prefetchable BARs. */
#define NIC_ABOVE (8 * MiB + 32 * KiB)

/* What a test built, freed in teardown even when the test fails. */
static char **argv_built;
static char tmp_root[64];
/* The real root: a command line reads no file, it only names some. */
static struct dda_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	dda_error_clear();
	return dda_ctx_new(&ctx, NULL);
}

static int teardown(void **state)
{
	(void)state;
	dda_ctx_free(ctx);
	ctx = NULL;
	dda_strv_free(argv_built);
	argv_built = NULL;
	if (tmp_root[0]) {
		rmdir(tmp_root);
		tmp_root[0] = '\0';
	}
	return 0;
}

static struct dda_vm vm_new(void)
{
	struct dda_vm vm;

	dda_vm_init(&vm, "web");
	return vm;
}

static struct dda_qemu_sizing size_ok(const struct dda_vm *vm, const struct dda_qemu_dev *devs, size_t n,
				      uint64_t largest_above, uint64_t largest_below, unsigned host_bits, bool kvm_ok)
{
	struct dda_qemu_sizing s;
	int r;

	memset(&s, 0xa5, sizeof(s));
	r = dda_qemu_size(vm, devs, n, largest_above, largest_below, host_bits, kvm_ok, &s);
	if (r < 0)
		fail_msg("dda_qemu_size refused: %s (%s)", strerror(-r), dda_last_error()->message);
	return s;
}

static void expect_refused(const struct dda_vm *vm, const struct dda_qemu_dev *devs, size_t n, uint64_t largest_above,
			   uint64_t largest_below, unsigned host_bits, bool kvm_ok, const char *code)
{
	struct dda_qemu_sizing s;
	const struct dda_error_info *e;
	int r;

	dda_error_clear();
	r = dda_qemu_size(vm, devs, n, largest_above, largest_below, host_bits, kvm_ok, &s);
	e = dda_last_error();
	if (r >= 0)
		fail_msg("dda_qemu_size accepted %s: hole64 %llu MiB, top %llu GiB, %u bits, expected '%s'", vm->name,
			 (unsigned long long)(s.hole64 / MiB), (unsigned long long)(s.top / GiB), s.phys_bits, code);
	assert_int_equal(r, -ERANGE);
	assert_int_equal(e->err, -ERANGE);
	assert_string_equal(e->code, code);
	/* the refusal is about this VM and says so */
	assert_string_equal(e->device, vm->name);
	if (!strstr(e->message, vm->name))
		fail_msg("message does not name VM %s: %s", vm->name, e->message);
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* -------------------------------------------------------------- pow2 */

static void test_pow2_up(void **state)
{
	(void)state;
	assert_int_equal(dda_pow2_up(0), 0);
	assert_int_equal(dda_pow2_up(1), 1);
	assert_int_equal(dda_pow2_up(2), 2);
	assert_int_equal(dda_pow2_up(3), 4);
	assert_int_equal(dda_pow2_up(4), 4);
	assert_int_equal(dda_pow2_up(5), 8);
	assert_int_equal(dda_pow2_up(2 * MiB - 1), 2 * MiB);
	assert_int_equal(dda_pow2_up(2 * MiB), 2 * MiB);
	assert_int_equal(dda_pow2_up(2 * MiB + 1), 4 * MiB);
	assert_int_equal(dda_pow2_up(GPU_ABOVE), 32 * GiB);
	assert_int_equal(dda_pow2_up((1ULL << 32) - 1), 1ULL << 32);
	assert_int_equal(dda_pow2_up((1ULL << 62) + 1), 1ULL << 63);
	assert_int_equal(dda_pow2_up(1ULL << 63), 1ULL << 63);
	/* Nothing above 2^63 is a power of two that fits: whatever comes back
	 * must not be 0 (a huge BAR must never look like no BAR) and must not
	 * loop forever. */
	assert_true(is_pow2(dda_pow2_up((1ULL << 63) + 1)));
	assert_true(is_pow2(dda_pow2_up(UINT64_MAX)));
	/* The contract in bits.h: it saturates at the largest one. */
	assert_int_equal(dda_pow2_up((1ULL << 63) + 1), 1ULL << 63);
	assert_int_equal(dda_pow2_up(UINT64_MAX), 1ULL << 63);
}

/* ------------------------------------------------------------ sizing */

/* No devices and an empty pool: QEMU's defaults, smallest reserves. */
static void test_size_no_devices(void **state)
{
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;

	(void)state;
	s = size_ok(&vm, NULL, 0, 0, 0, 0, false);
	assert_int_equal(s.memlock, 1 * GiB + 1 * GiB);
	assert_int_equal(s.pref64_reserve, 2 * MiB);
	assert_int_equal(s.mem_reserve, 2 * MiB);
	assert_int_equal(s.hole64, 32 * GiB);
	assert_false(s.kvm);
	assert_int_equal(s.phys_bits, 40);
	/* 1 GiB of RAM all sits below 4 GiB: the hole starts at 4 GiB */
	assert_int_equal(s.top, 4 * GiB + 32 * GiB);
}

static void test_size_memlock(void **state)
{
	static const uint64_t ram_mb[] = { 256, 1024, 3000, 16384, 262144 };
	struct dda_qemu_dev gpus[2] = {
		{ "0000:01:00.0", "hostdev0", "rp0", GPU_BELOW, GPU_ABOVE },
		{ "0000:02:00.0", "hostdev1", "rp1", GPU_BELOW, GPU_ABOVE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ram_mb) / sizeof(ram_mb[0]); i++) {
		struct dda_vm vm = vm_new();
		struct dda_qemu_sizing s;

		vm.memory_mb = ram_mb[i];
		s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
		assert_int_equal(s.memlock, ram_mb[i] * MiB + GiB);
		/* without a vIOMMU all devices share one pinning of RAM:
		 * more devices do not need more */
		s = size_ok(&vm, gpus, 2, GPU_ABOVE, GPU_BELOW, 46, true);
		assert_int_equal(s.memlock, ram_mb[i] * MiB + GiB);
	}
}

/* Reserves follow the largest device of the pool, rounded up to a power
 * of two, never below 2 MiB (the least a bridge window can be). */
static void test_size_reserves(void **state)
{
	static const struct {
		uint64_t largest, reserve;
	} cases[] = {
		{ 0, 2 * MiB },		{ 4 * KiB, 2 * MiB },	  { 1 * MiB, 2 * MiB },	    { 2 * MiB, 2 * MiB },
		{ 3 * MiB, 4 * MiB },	{ 2 * MiB + 1, 4 * MiB }, { 256 * MiB, 256 * MiB }, { NIC_ABOVE, 16 * MiB },
		{ 16 * GiB, 16 * GiB }, { GPU_ABOVE, 32 * GiB },
	};
	struct dda_vm vm = vm_new();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dda_qemu_sizing s;

		/* the same rule for both windows: pass one as 64-bit and
		 * the other as 32-bit (within what q35 has below 4 GiB) */
		s = size_ok(&vm, NULL, 0, cases[i].largest, cases[i].largest <= 256 * MiB ? cases[i].largest : 0, 46,
			    true);
		assert_int_equal(s.pref64_reserve, cases[i].reserve);
		if (cases[i].largest <= 256 * MiB)
			assert_int_equal(s.mem_reserve, cases[i].reserve);
	}
}

/* The case the brief names: one GPU with a 16 GiB BAR, assigned and the
 * largest of the pool; two hot-add ports, each reserving 16 GiB:
 * need = 16 + 2 * 16 = 48 GiB, a power of two up 64, doubled 128 GiB. */
static void test_size_gpu_16g(void **state)
{
	struct dda_qemu_dev gpu = { "0000:01:00.0", "hostdev0", "rp0", 16 * MiB, 16 * GiB };
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;
	uint64_t need;

	(void)state;
	vm.memory_mb = 16384;
	s = size_ok(&vm, &gpu, 1, 16 * GiB, 16 * MiB, 46, true);
	need = 16 * GiB + vm.hotplug_ports * s.pref64_reserve;
	assert_int_equal(s.pref64_reserve, 16 * GiB);
	assert_int_equal(s.mem_reserve, 16 * MiB);
	assert_true(s.hole64 >= 2 * dda_pow2_up(need));
	assert_int_equal(s.hole64, 128 * GiB);
	assert_true(s.kvm);
	assert_int_equal(s.phys_bits, 46);
	/* 16 GiB of RAM: 14 GiB above 4 GiB, the hole from 18 GiB */
	assert_int_equal(s.top, 18 * GiB + 128 * GiB);
}

/* A real GPU has more than its big BAR: 16 GiB + 32 MiB rounds up to
 * 32 GiB, per device and per port: 32 + 2 * 32 = 96 -> 128 -> 256 GiB. */
static void test_size_gpu_real(void **state)
{
	struct dda_qemu_dev gpu = { "0000:01:00.0", "hostdev0", "rp0", GPU_BELOW, GPU_ABOVE };
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;

	(void)state;
	vm.memory_mb = 16384;
	s = size_ok(&vm, &gpu, 1, GPU_ABOVE, GPU_BELOW, 0, false);
	assert_int_equal(s.pref64_reserve, 32 * GiB);
	assert_int_equal(s.hole64, 256 * GiB);
	assert_true(is_pow2(s.hole64));
	/* fits TCG's 40 bits: 18 + 256 GiB < 1 TiB */
	assert_int_equal(s.phys_bits, 40);
	assert_int_equal(s.top, 18 * GiB + 256 * GiB);
}

/* Every assigned device counts, each rounded on its own: two 16 GiB GPUs
 * and two 16 GiB port reserves fill 64 GiB exactly; a NIC more tips the
 * need over, to 128 and a hole of 256 GiB. */
static void test_size_several_devices(void **state)
{
	struct dda_qemu_dev devs[3] = {
		{ "0000:01:00.0", "hostdev0", "rp0", 16 * MiB, 16 * GiB },
		{ "0000:02:00.0", "hostdev1", "rp1", 16 * MiB, 16 * GiB },
		{ "0000:03:00.0", "hostdev2", "rp2", 128 * KiB, NIC_ABOVE },
	};
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;

	(void)state;
	s = size_ok(&vm, devs, 2, 16 * GiB, 16 * MiB, 46, true);
	assert_int_equal(s.hole64, 128 * GiB);
	s = size_ok(&vm, devs, 3, 16 * GiB, 16 * MiB, 46, true);
	assert_int_equal(s.hole64, 256 * GiB);
	/* without hot-add ports only the devices count: 16 GiB fits the
	 * default 32 GiB even doubled */
	vm.hotplug_ports = 0;
	s = size_ok(&vm, devs, 1, 16 * GiB, 16 * MiB, 46, true);
	assert_int_equal(s.hole64, 32 * GiB);
}

/* q35 leaves 1 GiB of 32-bit MMIO: 256 MiB for a device and 3 ports of
 * 256 MiB fill it exactly; one more port does not fit. */
static void test_size_below_4g_limit(void **state)
{
	struct dda_qemu_dev dev = { "0000:01:00.0", "hostdev0", "rp0", 256 * MiB, 0 };
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;

	(void)state;
	vm.hotplug_ports = 3;
	s = size_ok(&vm, &dev, 1, 0, 256 * MiB, 46, true);
	assert_int_equal(s.mem_reserve, 256 * MiB);
	vm.hotplug_ports = 4;
	expect_refused(&vm, &dev, 1, 0, 256 * MiB, 46, true, "mmio-too-small");
}

/* A device with 512 MiB of 32-bit BARs in a VM with the default two
 * ports: 512 + 2 * 512 = 1.5 GiB, more than q35 has below 4 GiB. */
static void test_size_below_4g_refused(void **state)
{
	struct dda_qemu_dev dev = { "0000:01:00.0", "hostdev0", "rp0", 512 * MiB, 0 };
	struct dda_vm vm = vm_new();

	(void)state;
	expect_refused(&vm, &dev, 1, 0, 512 * MiB, 46, true, "mmio-too-small");
	if (!strstr(dda_last_error()->message, "1536 MiB"))
		fail_msg("the refusal does not say what is needed: %s", dda_last_error()->message);
}

/* --mmio-above-4g (Hyper-V's HighMemoryMappedIoSpace) is the hole, as
 * given: not rounded, not raised to a default. */
static void test_size_above_4g_user(void **state)
{
	struct dda_qemu_dev gpu = { "0000:01:00.0", "hostdev0", "rp0", 16 * MiB, 16 * GiB };
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;

	(void)state;
	vm.mmio_above_mb = 65536;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	assert_int_equal(s.hole64, 64 * GiB);
	vm.mmio_above_mb = 1024;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	assert_int_equal(s.hole64, 1 * GiB);
	assert_int_equal(s.top, 4 * GiB + 1 * GiB);
	vm.mmio_above_mb = 200000;
	s = size_ok(&vm, &gpu, 1, 16 * GiB, 16 * MiB, 46, true);
	assert_int_equal(s.hole64, 200000 * MiB);
}

/* A GPU and two ports need 48 GiB: a 32 GiB --mmio-above-4g is refused,
 * naming the option. */
static void test_size_above_4g_too_small(void **state)
{
	struct dda_qemu_dev gpu = { "0000:01:00.0", "hostdev0", "rp0", 16 * MiB, 16 * GiB };
	struct dda_vm vm = vm_new();

	(void)state;
	vm.mmio_above_mb = 32768;
	expect_refused(&vm, &gpu, 1, 16 * GiB, 16 * MiB, 46, true, "mmio-too-small");
	if (!strstr(dda_last_error()->message, "--mmio-above-4g"))
		fail_msg("the refusal does not name the option: %s", dda_last_error()->message);
	/* with no ports the GPU alone fits */
	vm.hotplug_ports = 0;
	(void)size_ok(&vm, &gpu, 1, 16 * GiB, 16 * MiB, 46, true);
}

/* Where the hole starts: q35 keeps all RAM below 4 GiB up to 2.75 GiB
 * (0xb0000000), and only 2 GiB beyond; the rest goes above 4 GiB and the
 * hole after it, on the next GiB boundary. */
static void test_size_top(void **state)
{
	static const struct {
		uint64_t ram_mb, hole_start;
	} cases[] = {
		{ 1024, 4 * GiB },   { 2560, 4 * GiB },
		{ 2815, 4 * GiB },   { 2816, 5 * GiB }, /* 0.75 GiB above 4 GiB */
		{ 3072, 5 * GiB },   { 6656, 9 * GiB }, /* 4.5 GiB above: 8.5, up to 9 */
		{ 16384, 18 * GiB }, { 65536, 66 * GiB },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dda_vm vm = vm_new();
		struct dda_qemu_sizing s;

		vm.memory_mb = cases[i].ram_mb;
		s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
		if (s.top != cases[i].hole_start + 32 * GiB)
			fail_msg("%llu MiB of RAM: top %llu MiB, expected %llu MiB",
				 (unsigned long long)cases[i].ram_mb, (unsigned long long)(s.top / MiB),
				 (unsigned long long)((cases[i].hole_start + 32 * GiB) / MiB));
	}
}

/* A 128 GiB BAR and two ports like it: 384 -> 512 -> a 1 TiB hole, which
 * with 16 GiB of RAM ends past what TCG's 40 bits reach (1 TiB). */
static void test_size_phys_bits_tcg(void **state)
{
	struct dda_qemu_dev big = { "0000:01:00.0", "hostdev0", "rp0", 16 * MiB, 128 * GiB };
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;

	(void)state;
	vm.memory_mb = 16384;
	/* no /dev/kvm: auto means TCG */
	expect_refused(&vm, &big, 1, 128 * GiB, 16 * MiB, 46, false, "phys-bits");
	if (!strstr(dda_last_error()->message, "40"))
		fail_msg("the refusal does not say how many bits: %s", dda_last_error()->message);
	/* and asking for TCG is TCG, even where KVM works */
	snprintf(vm.accel, sizeof(vm.accel), "tcg");
	expect_refused(&vm, &big, 1, 128 * GiB, 16 * MiB, 46, true, "phys-bits");

	/* KVM on a host with 46 bits (64 TiB) reaches it */
	snprintf(vm.accel, sizeof(vm.accel), "auto");
	s = size_ok(&vm, &big, 1, 128 * GiB, 16 * MiB, 46, true);
	assert_true(s.kvm);
	assert_int_equal(s.phys_bits, 46);
	assert_int_equal(s.hole64, 1 * TiB);
	assert_int_equal(s.top, 18 * GiB + 1 * TiB);
	/* a host with 39 bits (512 GiB) does not */
	expect_refused(&vm, &big, 1, 128 * GiB, 16 * MiB, 39, true, "phys-bits");
}

/* The limit itself: a hole that ends exactly at 1 TiB is within 40 bits,
 * one GiB more is not. */
static void test_size_phys_bits_boundary(void **state)
{
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;

	(void)state;
	snprintf(vm.accel, sizeof(vm.accel), "tcg");
	vm.mmio_above_mb = (int64_t)((1 * TiB - 4 * GiB) / MiB);
	s = size_ok(&vm, NULL, 0, 0, 0, 0, false);
	assert_int_equal(s.top, 1 * TiB);
	vm.mmio_above_mb += 1024;
	expect_refused(&vm, NULL, 0, 0, 0, 0, false, "phys-bits");
}

/* accel=kvm is what the user asked for, even when /dev/kvm looks unusable
 * here (QEMU will say why); the bits are then the host's. */
static void test_size_accel(void **state)
{
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;

	(void)state;
	snprintf(vm.accel, sizeof(vm.accel), "kvm");
	s = size_ok(&vm, NULL, 0, 0, 0, 48, false);
	assert_true(s.kvm);
	assert_int_equal(s.phys_bits, 48);
	snprintf(vm.accel, sizeof(vm.accel), "auto");
	s = size_ok(&vm, NULL, 0, 0, 0, 48, true);
	assert_true(s.kvm);
	s = size_ok(&vm, NULL, 0, 0, 0, 48, false);
	assert_false(s.kvm);
	assert_int_equal(s.phys_bits, 40);
}

/* A pool device with a BAR no guest CPU can address (a corrupt or hostile
 * sysfs, 2^62 bytes): two ports reserving it need 2^63, whose doubled
 * hole does not fit 64 bits.  It must be refused, not wrap around to a
 * small hole that QEMU then cannot honour. */
static void test_size_huge_bar_refused(void **state)
{
	struct dda_vm vm = vm_new();

	(void)state;
	expect_refused(&vm, NULL, 0, 1ULL << 62, 0, 52, true, "phys-bits");
}

/* `vm create --memory 4611686018427387903` (2^62 - 1 MiB): RAM in bytes
 * does not fit 64 bits; wrapped, it came out as a few GiB that fit the
 * address bits and reached QEMU.  Saturated, it is refused; so are the
 * sizes just past the wrap, and an --mmio-above-4g as big. */
static void test_size_overflowing_memory_refused(void **state)
{
	static const uint64_t mb[] = { 4611686018427387903ULL, (UINT64_MAX / MiB) + 1, UINT64_MAX / MiB,
				       (1ULL << 44) + 1 };
	struct dda_vm vm = vm_new();

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(mb); i++) {
		vm.memory_mb = mb[i];
		expect_refused(&vm, NULL, 0, 0, 0, 52, true, "phys-bits");
	}
	vm.memory_mb = 1024;
	vm.mmio_above_mb = INT64_MAX / 2;
	expect_refused(&vm, NULL, 0, 0, 0, 52, true, "phys-bits");
}

/* ------------------------------------------------------------- argv */

static size_t argv_len(char **v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

static void dump_argv(char **v)
{
	_cleanup_free_ char *s = dda_strv_join(v);

	fprintf(stderr, "argv: %s\n", s ? s : "(oom)");
}

/* Index of the first element equal to s at or after from, or -1. */
static ssize_t find_arg(char **v, size_t from, const char *s)
{
	for (size_t i = from; v[i]; i++)
		if (!strcmp(v[i], s))
			return (ssize_t)i;
	return -1;
}

static size_t count_arg(char **v, const char *s)
{
	size_t n = 0;

	for (size_t i = 0; v[i]; i++)
		n += !strcmp(v[i], s);
	return n;
}

/* The pair "flag value" must be in argv. */
static void expect_pair(char **v, const char *flag, const char *value)
{
	for (size_t i = 0; v[i] && v[i + 1]; i++)
		if (!strcmp(v[i], flag) && !strcmp(v[i + 1], value))
			return;
	dump_argv(v);
	fail_msg("no \"%s %s\" in the command line", flag, value);
}

static void expect_no_flag(char **v, const char *flag)
{
	if (find_arg(v, 0, flag) >= 0) {
		dump_argv(v);
		fail_msg("unexpected %s in the command line", flag);
	}
}

/* The value of key in a QEMU option string "type,k=v,k=v", or NULL. */
static const char *opt(const char *arg, const char *key, char *buf, size_t size)
{
	size_t kl = strlen(key);

	for (const char *p = arg; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t l = strcspn(p + kl + 1, ",");

			if (l >= size)
				l = size - 1;
			memcpy(buf, p + kl + 1, l);
			buf[l] = '\0';
			return buf;
		}
	return NULL;
}

/* The -device argument whose id is id, or NULL. */
static const char *device_arg(char **v, const char *id)
{
	char buf[64];

	for (size_t i = 0; v[i] && v[i + 1]; i++)
		if (!strcmp(v[i], "-device") && opt(v[i + 1], "id", buf, sizeof(buf)) && !strcmp(buf, id))
			return v[i + 1];
	return NULL;
}

static char **build(const struct dda_vm *vm, const struct dda_qemu_sizing *s, const struct dda_qemu_dev *devs, size_t n)
{
	dda_strv_free(argv_built);
	argv_built = dda_qemu_argv(ctx, QEMU, vm, s, devs, n, RUNDIR);
	assert_non_null(argv_built);
	return argv_built;
}

static void test_argv_basic(void **state)
{
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;
	char **v;

	(void)state;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	v = build(&vm, &s, NULL, 0);
	assert_string_equal(v[0], QEMU);
	expect_pair(v, "-name", "guest=web,debug-threads=on");
	expect_pair(v, "-machine", "q35,accel=kvm");
	expect_pair(v, "-cpu", "host");
	expect_pair(v, "-smp", "1");
	expect_pair(v, "-m", "1024M");
	/* RAM locked for DMA */
	expect_pair(v, "-overcommit", "mem-lock=on");
	expect_pair(v, "-global", "q35-pcihost.pci-hole64-size=32768M");
	/* the live state under the run directory: monitor, pidfile, console */
	expect_pair(v, "-qmp", "unix:" RUNDIR "/qmp.sock,server=on,wait=off");
	expect_pair(v, "-pidfile", RUNDIR "/qemu.pid");
	expect_pair(v, "-chardev", "file,id=console,path=" RUNDIR "/console.log");
	expect_pair(v, "-serial", "chardev:console");
	assert_int_equal(count_arg(v, "-daemonize"), 1);
	assert_int_equal(count_arg(v, "-qmp"), 1);
	expect_no_flag(v, "-kernel");
	expect_no_flag(v, "-initrd");
	expect_no_flag(v, "-append");
	expect_no_flag(v, "-drive");
	/* the two default hot-add ports and nothing else */
	assert_int_equal(count_arg(v, "-device"), 2);
	assert_null(device_arg(v, "rp0"));

	/* without KVM: TCG and the "max" CPU */
	s = size_ok(&vm, NULL, 0, 0, 0, 46, false);
	v = build(&vm, &s, NULL, 0);
	expect_pair(v, "-machine", "q35,accel=tcg");
	expect_pair(v, "-cpu", "max");

	vm.memory_mb = 16384;
	vm.cpus = 8;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	v = build(&vm, &s, NULL, 0);
	expect_pair(v, "-m", "16384M");
	expect_pair(v, "-smp", "8");
}

/* One root port per assigned device, the device behind it; hot-add ports
 * with the reserves; no two ports share a chassis/slot. */
static void test_argv_devices(void **state)
{
	struct dda_qemu_dev devs[2] = {
		{ "0000:01:00.0", "hostdev0", "rp0", GPU_BELOW, GPU_ABOVE },
		{ "0000:03:00.1", "hostdev1", "rp1", 128 * KiB, NIC_ABOVE },
	};
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;
	char buf[64], seen[8][32];
	size_t nports = 0;
	char **v;

	(void)state;
	s = size_ok(&vm, devs, 2, GPU_ABOVE, GPU_BELOW, 46, true);
	v = build(&vm, &s, devs, 2);
	expect_pair(v, "-global", "q35-pcihost.pci-hole64-size=262144M");
	for (size_t i = 0; i < 2; i++) {
		const char *port = device_arg(v, devs[i].port), *dev = device_arg(v, devs[i].id);
		char want[128];

		if (!port || !dev) {
			dump_argv(v);
			fail_msg("no -device for %s or its port %s", devs[i].id, devs[i].port);
		}
		assert_true(!strncmp(port, "pcie-root-port,", 15));
		assert_string_equal(opt(port, "bus", buf, sizeof(buf)), "pcie.0");
		snprintf(want, sizeof(want), "vfio-pci,host=%s,id=%s,bus=%s", devs[i].address, devs[i].id, devs[i].port);
		assert_string_equal(dev, want);
		/* the port comes first: QEMU resolves bus= in order */
		assert_true(find_arg(v, 0, port) < find_arg(v, 0, dev));
	}
	assert_int_equal(count_arg(v, "-device"), 2 * 2 + 2);

	/* hot-add ports: the largest pool device rounded up (32 GiB, 16 MiB),
	 * no I/O window (there are only 64 KiB of ports for all bridges) */
	for (unsigned i = 0; i < 2; i++) {
		char id[8];
		const char *hp;

		snprintf(id, sizeof(id), "hp%u", i);
		hp = device_arg(v, id);
		if (!hp) {
			dump_argv(v);
			fail_msg("no hot-add port %s", id);
		}
		assert_true(!strncmp(hp, "pcie-root-port,", 15));
		assert_string_equal(opt(hp, "bus", buf, sizeof(buf)), "pcie.0");
		assert_string_equal(opt(hp, "pref64-reserve", buf, sizeof(buf)), "32768M");
		assert_string_equal(opt(hp, "mem-reserve", buf, sizeof(buf)), "16M");
		assert_string_equal(opt(hp, "io-reserve", buf, sizeof(buf)), "0");
	}
	assert_null(device_arg(v, "hp2"));

	/* every root port has its own chassis/slot */
	for (size_t i = 0; v[i] && v[i + 1]; i++) {
		char ch[16], sl[16];

		if (strcmp(v[i], "-device") || strncmp(v[i + 1], "pcie-root-port,", 15))
			continue;
		assert_non_null(opt(v[i + 1], "chassis", ch, sizeof(ch)));
		assert_non_null(opt(v[i + 1], "slot", sl, sizeof(sl)));
		assert_true(nports < 8);
		snprintf(seen[nports], sizeof(seen[nports]), "%s/%s", ch, sl);
		for (size_t j = 0; j < nports; j++)
			if (!strcmp(seen[j], seen[nports]))
				fail_msg("two root ports on chassis/slot %s", seen[j]);
		nports++;
	}
	assert_int_equal(nports, 4);
}

static void test_argv_hotplug_ports(void **state)
{
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;
	char **v;

	(void)state;
	vm.hotplug_ports = 4;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	v = build(&vm, &s, NULL, 0);
	assert_non_null(device_arg(v, "hp0"));
	assert_non_null(device_arg(v, "hp3"));
	assert_null(device_arg(v, "hp4"));
	assert_int_equal(count_arg(v, "-device"), 4);

	vm.hotplug_ports = 0;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	v = build(&vm, &s, NULL, 0);
	expect_no_flag(v, "-device");
}

/* Direct kernel boot: each option only when set, the command line one
 * argument however many spaces it has. */
static void test_argv_kernel(void **state)
{
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;
	char **v;

	(void)state;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	snprintf(vm.kernel, sizeof(vm.kernel), "/srv/vm/bzImage");
	v = build(&vm, &s, NULL, 0);
	expect_pair(v, "-kernel", "/srv/vm/bzImage");
	expect_no_flag(v, "-initrd");
	expect_no_flag(v, "-append");

	snprintf(vm.initrd, sizeof(vm.initrd), "/srv/vm/initramfs.cpio.gz");
	snprintf(vm.append, sizeof(vm.append), "console=ttyS0 root=/dev/vda rw quiet");
	v = build(&vm, &s, NULL, 0);
	expect_pair(v, "-kernel", "/srv/vm/bzImage");
	expect_pair(v, "-initrd", "/srv/vm/initramfs.cpio.gz");
	expect_pair(v, "-append", "console=ttyS0 root=/dev/vda rw quiet");
	assert_int_equal(count_arg(v, "-kernel"), 1);
}

static void test_argv_disk(void **state)
{
	static const struct {
		const char *disk, *drive;
	} cases[] = {
		{ "/var/lib/ddactl/web.img", "file=/var/lib/ddactl/web.img,if=virtio,format=raw" },
		{ "/var/lib/ddactl/web.raw", "file=/var/lib/ddactl/web.raw,if=virtio,format=raw" },
		{ "/var/lib/ddactl/web.qcow2", "file=/var/lib/ddactl/web.qcow2,if=virtio,format=qcow2" },
		{ "a.qcow2", "file=a.qcow2,if=virtio,format=qcow2" },
		/* a name that only ends like the extension */
		{ "/srv/qcow2", "file=/srv/qcow2,if=virtio,format=raw" },
		{ "/dev/vg0/web", "file=/dev/vg0/web,if=virtio,format=raw" },
	};
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;

	(void)state;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char **v;

		snprintf(vm.disk, sizeof(vm.disk), "%s", cases[i].disk);
		v = build(&vm, &s, NULL, 0);
		expect_pair(v, "-drive", cases[i].drive);
		assert_int_equal(count_arg(v, "-drive"), 1);
	}
}

/* QEMU's option syntax ends a value at a comma and reads ",," as one:
 * a disk path with a comma must be doubled, or QEMU takes the rest of
 * the path for options. */
static void test_argv_disk_comma(void **state)
{
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;
	char **v;

	(void)state;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	snprintf(vm.disk, sizeof(vm.disk), "/srv/vm/web,format=qcow2.img");
	v = build(&vm, &s, NULL, 0);
	expect_pair(v, "-drive", "file=/srv/vm/web,,format=qcow2.img,if=virtio,format=raw");
}

/* UEFI: the OVMF code as a read-only pflash, found under the root the
 * library reads (DDACTL_ROOT); BIOS: none. */
static void test_argv_uefi(void **state)
{
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;
	char want[256];
	char **v;

	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/test-qemu-XXXXXX");
	if (!mkdtemp(tmp_root)) {
		tmp_root[0] = '\0';
		fail_msg("mkdtemp: %s", strerror(errno));
	}
	dda_ctx_free(ctx);
	assert_int_equal(dda_ctx_new(&ctx, &(struct dda_ctx_options){ .root = tmp_root }), 0);
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	v = build(&vm, &s, NULL, 0);
	expect_no_flag(v, "-drive");

	snprintf(vm.firmware, sizeof(vm.firmware), "uefi");
	v = build(&vm, &s, NULL, 0);
	snprintf(want, sizeof(want), "if=pflash,format=raw,readonly=on,file=%s/usr/share/OVMF/OVMF_CODE_4M.fd",
		 tmp_root);
	expect_pair(v, "-drive", want);
	assert_int_equal(count_arg(v, "-drive"), 1);

	/* with a disk too: both drives */
	snprintf(vm.disk, sizeof(vm.disk), "/srv/web.qcow2");
	v = build(&vm, &s, NULL, 0);
	expect_pair(v, "-drive", want);
	expect_pair(v, "-drive", "file=/srv/web.qcow2,if=virtio,format=qcow2");
}

/* --qemu-arg values come last, in the order given, so they can add to or
 * override what ddactl chose. */
static void test_argv_extra(void **state)
{
	static const char *const extra[] = { "-device", "virtio-rng-pci", "-s", "-append", "a 'b' c", "" };
	const size_t nextra = sizeof(extra) / sizeof(extra[0]);
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;
	size_t n, base;
	char **v;

	(void)state;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	v = build(&vm, &s, NULL, 0);
	base = argv_len(v);

	snprintf(vm.qemu_args, sizeof(vm.qemu_args),
		 "[\"-device\", \"virtio-rng-pci\", \"-s\", \"-append\", \"a 'b' c\", \"\"]");
	v = build(&vm, &s, NULL, 0);
	n = argv_len(v);
	assert_int_equal(n, base + nextra);
	for (size_t i = 0; i < nextra; i++)
		assert_string_equal(v[base + i], extra[i]);
	/* after the hot-add ports, i.e. after everything ddactl adds */
	assert_true(find_arg(v, 0, device_arg(v, "hp1")) < (ssize_t)base);

	/* an empty list, or a broken one, adds nothing */
	snprintf(vm.qemu_args, sizeof(vm.qemu_args), "[]");
	v = build(&vm, &s, NULL, 0);
	assert_int_equal(argv_len(v), base);
	snprintf(vm.qemu_args, sizeof(vm.qemu_args), "[\"-s\", ");
	v = build(&vm, &s, NULL, 0);
	assert_int_equal(argv_len(v), base);
}

/* --mmio-below-4g (LowMemoryMappedIoSpace) moves RAM out of the way: the
 * 32-bit window is what max-ram-below-4g leaves below 4 GiB. */
static void test_argv_mmio_below(void **state)
{
	struct dda_vm vm = vm_new();
	struct dda_qemu_sizing s;
	char **v;

	(void)state;
	vm.mmio_below_mb = 1024;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	v = build(&vm, &s, NULL, 0);
	expect_pair(v, "-machine", "q35,accel=kvm,max-ram-below-4g=3072M");
	vm.mmio_above_mb = 65536;
	s = size_ok(&vm, NULL, 0, 0, 0, 46, true);
	v = build(&vm, &s, NULL, 0);
	expect_pair(v, "-global", "q35-pcihost.pci-hole64-size=65536M");
}

/* --------------------------------------------------------- strv_join */

static void expect_join(char *const *v, const char *want)
{
	_cleanup_free_ char *s = dda_strv_join(v);

	assert_non_null(s);
	assert_string_equal(s, want);
}

static void test_strv_join(void **state)
{
	(void)state;
	expect_join((char *const[]){ NULL }, "");
	expect_join((char *const[]){ "qemu", NULL }, "qemu");
	/* what QEMU options look like needs no quotes */
	expect_join((char *const[]){ "qemu", "-device", "vfio-pci,host=0000:01:00.0,id=hostdev0,bus=rp0", "-m", "1024M",
				     "-qmp", "unix:/run/ddactl/vm/web/qmp.sock,server=on,wait=off", "a+b@c%d", NULL },
		    "qemu -device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=rp0 -m 1024M -qmp "
		    "unix:/run/ddactl/vm/web/qmp.sock,server=on,wait=off a+b@c%d");
	expect_join((char *const[]){ "-append", "console=ttyS0 quiet", NULL }, "-append 'console=ttyS0 quiet'");
	expect_join((char *const[]){ "it's", NULL }, "'it'\\''s'");
	expect_join((char *const[]){ "'", NULL }, "''\\'''");
	expect_join((char *const[]){ "a", "", "b", NULL }, "a '' b");
	/* anything the shell would expand or split is quoted */
	expect_join((char *const[]){ "$HOME", "*.img", "a;b", "a\"b", "`x`", "a\\b", "~", "a\nb", NULL },
		    "'$HOME' '*.img' 'a;b' 'a\"b' '`x`' 'a\\b' '~' 'a\nb'");
}

/* What the join prints, pasted into a shell, is the same argv. */
static void test_strv_join_shell(void **state)
{
	static char *const v[] = {
		"-append", "console=ttyS0 quiet", "it's", "", "'", "$HOME", "a\\b", "a\"b", "x\ny", "--", "-n", NULL
	};
	_cleanup_free_ char *joined = NULL, *cmd = NULL;
	char out[1024], want[1024];
	size_t n, off = 0;
	FILE *p;

	(void)state;
	joined = dda_strv_join(v);
	assert_non_null(joined);
	assert_true(asprintf(&cmd, "printf '<%%s>' %s", joined) > 0);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	for (size_t i = 0; v[i]; i++)
		off += (size_t)snprintf(want + off, sizeof(want) - off, "<%s>", v[i]);
	assert_string_equal(out, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_pow2_up),
		T(test_size_no_devices),
		T(test_size_memlock),
		T(test_size_reserves),
		T(test_size_gpu_16g),
		T(test_size_gpu_real),
		T(test_size_several_devices),
		T(test_size_below_4g_limit),
		T(test_size_below_4g_refused),
		T(test_size_above_4g_user),
		T(test_size_above_4g_too_small),
		T(test_size_top),
		T(test_size_phys_bits_tcg),
		T(test_size_phys_bits_boundary),
		T(test_size_accel),
		T(test_size_huge_bar_refused),
		T(test_size_overflowing_memory_refused),
		T(test_argv_basic),
		T(test_argv_devices),
		T(test_argv_hotplug_ports),
		T(test_argv_kernel),
		T(test_argv_disk),
		T(test_argv_disk_comma),
		T(test_argv_uefi),
		T(test_argv_extra),
		T(test_argv_mmio_below),
		T(test_strv_join),
		T(test_strv_join_shell),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
