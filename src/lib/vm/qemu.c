/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bits.h"
#include "error.h"
#include "hostpath.h"
#include "qemu.h"

/* QEMU's own default for q35 (Q35_PCI_HOST_HOLE64_SIZE_DEFAULT). */
#define HOLE64_DEFAULT (32 * DDA_GiB)
/* What TCG's "max" CPU reports; KVM guests get the host's bits. */
#define TCG_PHYS_BITS 40
/* Usable 32-bit MMIO below 4 GiB on q35 with up to 2 GiB of low RAM, less
 * what the chipset, ECAM and the LAPIC/IOAPIC take. */
#define LOW_MMIO_BUDGET (1 * DDA_GiB)

unsigned dda_host_phys_bits(struct dda_ctx *ctx)
{
	_cleanup_free_ char *info = NULL;
	unsigned bits;
	char *p;

	if (dda_read_alloc(ctx, &info, NULL, "proc/cpuinfo") < 0 || !(p = strstr(info, "address sizes")))
		return 0;
	p = strchr(p, ':');
	if (!p || sscanf(p + 1, "%u bits physical", &bits) != 1)
		return 0;
	return bits;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

int dda_qemu_size(const struct dda_vm *vm, const struct dda_qemu_dev *devs, size_t n, uint64_t largest_above,
		  uint64_t largest_below, unsigned host_phys_bits, bool kvm_ok, struct dda_qemu_sizing *ret)
{
	struct dda_qemu_sizing s = { 0 };
	/* Saturating: a size past what 64 bits hold must come out too big
	 * for the CPU's address bits below, never wrapped to a small one. */
	uint64_t above = 0, below = 0, ram = mul_sat(vm->memory_mb, DDA_MiB), ram_high;

	s.kvm = !strcmp(vm->accel, "kvm") || (!strcmp(vm->accel, "auto") && kvm_ok);
	/* VFIO pins all guest RAM; libvirt's rule, one GiB for QEMU itself.
	 * (No vIOMMU here, so every device shares the one pinning.) */
	s.memlock = add_sat(ram, DDA_GiB);
	/* Hot-add ports get windows for the biggest device the pool could
	 * bring; 2 MiB is the least a bridge window can be. */
	s.pref64_reserve = dda_pow2_up(largest_above) > 2 * DDA_MiB ? dda_pow2_up(largest_above) : 2 * DDA_MiB;
	s.mem_reserve = dda_pow2_up(largest_below) > 2 * DDA_MiB ? dda_pow2_up(largest_below) : 2 * DDA_MiB;
	for (size_t i = 0; i < n; i++) {
		above = add_sat(above, dda_pow2_up(devs[i].above));
		below = add_sat(below, dda_pow2_up(devs[i].below));
	}
	above = add_sat(above, mul_sat(vm->hotplug_ports, s.pref64_reserve));
	below = add_sat(below, mul_sat(vm->hotplug_ports, s.mem_reserve));
	if (vm->mmio_below_mb < 0 && below > LOW_MMIO_BUDGET)
		return dda_error_code(-ERANGE, "mmio-too-small", vm->name,
				      "VM '%s' needs %llu MiB of 32-bit MMIO for its devices and hot-add ports, more than q35 leaves below 4 GiB (%llu MiB)",
				      vm->name, (unsigned long long)(below / DDA_MiB),
				      (unsigned long long)(LOW_MMIO_BUDGET / DDA_MiB));
	if (vm->mmio_above_mb >= 0) {
		s.hole64 = mul_sat((uint64_t)vm->mmio_above_mb, DDA_MiB);
		if (s.hole64 < above)
			return dda_error_code(-ERANGE, "mmio-too-small", vm->name,
					      "VM '%s' has --mmio-above-4g %lld MiB, but its devices and hot-add ports need %llu MiB",
					      vm->name, (long long)vm->mmio_above_mb,
					      (unsigned long long)(dda_pow2_up(above) / DDA_MiB));
	} else {
		/* Twice the need leaves room for natural alignment of each BAR. */
		s.hole64 = mul_sat(dda_pow2_up(above), 2);
		if (s.hole64 < HOLE64_DEFAULT)
			s.hole64 = HOLE64_DEFAULT;
	}
	s.phys_bits = s.kvm ? (host_phys_bits ? host_phys_bits : 39) : TCG_PHYS_BITS;
	/* q35 keeps at most 2 GiB of RAM below 4 GiB (when RAM exceeds 2.75
	 * GiB); the rest goes above, and the 64-bit hole after it, on a GiB
	 * boundary. */
	ram_high = ram >= 0xb0000000ULL ? ram - 2 * DDA_GiB : 0;
	s.top = add_sat(add_sat(4 * DDA_GiB, ram_high), DDA_GiB - 1);
	s.top = add_sat(s.top == UINT64_MAX ? s.top : s.top & ~(DDA_GiB - 1), s.hole64);
	if (s.phys_bits < 64 && s.top > (1ULL << s.phys_bits))
		return dda_error_code(-ERANGE, "phys-bits", vm->name,
				      "VM '%s' needs guest physical addresses up to %llu GiB (RAM and a %llu GiB 64-bit MMIO hole), but its CPU has %u physical address bits (%llu GiB)",
				      vm->name, (unsigned long long)(s.top / DDA_GiB),
				      (unsigned long long)(s.hole64 / DDA_GiB), s.phys_bits,
				      (unsigned long long)((1ULL << s.phys_bits) / DDA_GiB));
	*ret = s;
	return 0;
}

struct strv {
	char **v;
	size_t n, cap;
	bool oom;
};

_printf_(2, 3) static void add(struct strv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (a->oom)
		return;
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		char **nv = realloc(a->v, cap * sizeof(*nv));

		if (!nv) {
			a->oom = true;
			return;
		}
		a->v = nv;
		a->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		a->oom = true;
	else
		a->v[a->n++] = s;
	va_end(ap);
	a->v[a->n] = NULL;
}

/* QEMU option values end at a comma; ",," is a literal one. */
static char *opt_escape(const char *s)
{
	char *out = malloc(strlen(s) * 2 + 1), *p = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == ',')
			*p++ = ',';
		*p++ = *s;
	}
	*p = '\0';
	return out;
}

char **dda_qemu_argv(struct dda_ctx *ctx, const char *qemu, const struct dda_vm *vm, const struct dda_qemu_sizing *sz,
		     const struct dda_qemu_dev *devs, size_t n, const char *rundir)
{
	struct strv a = { 0 };
	struct json_object *extra;

	add(&a, "%s", qemu);
	add(&a, "-name");
	add(&a, "guest=%s,debug-threads=on", vm->name);
	add(&a, "-machine");
	if (vm->mmio_below_mb >= 0)
		add(&a, "q35,accel=%s,max-ram-below-4g=%lldM", sz->kvm ? "kvm" : "tcg", 4096LL - vm->mmio_below_mb);
	else
		add(&a, "q35,accel=%s", sz->kvm ? "kvm" : "tcg");
	add(&a, "-cpu");
	add(&a, "%s", sz->kvm ? "host" : "max");
	add(&a, "-smp");
	add(&a, "%u", vm->cpus);
	add(&a, "-m");
	add(&a, "%lluM", (unsigned long long)vm->memory_mb);
	/* Assigned devices DMA into guest RAM at any time: it must never be
	 * swapped or moved, which also rules out ballooning. */
	add(&a, "-overcommit");
	add(&a, "mem-lock=on");
	add(&a, "-nodefaults");
	add(&a, "-no-user-config");
	add(&a, "-display");
	add(&a, "none");
	add(&a, "-global");
	add(&a, "q35-pcihost.pci-hole64-size=%lluM", (unsigned long long)(sz->hole64 / DDA_MiB));
	add(&a, "-chardev");
	add(&a, "file,id=console,path=%s/console.log", rundir);
	add(&a, "-serial");
	add(&a, "chardev:console");
	add(&a, "-qmp");
	add(&a, "unix:%s/qmp.sock,server=on,wait=off", rundir);
	add(&a, "-pidfile");
	add(&a, "%s/qemu.pid", rundir);
	add(&a, "-daemonize");
	if (vm->kernel[0]) {
		add(&a, "-kernel");
		add(&a, "%s", vm->kernel);
	}
	if (vm->initrd[0]) {
		add(&a, "-initrd");
		add(&a, "%s", vm->initrd);
	}
	if (vm->append[0]) {
		add(&a, "-append");
		add(&a, "%s", vm->append);
	}
	if (vm->disk[0]) {
		_cleanup_free_ char *file = opt_escape(vm->disk);
		size_t l = strlen(vm->disk);

		if (!file)
			a.oom = true;
		add(&a, "-drive");
		add(&a, "file=%s,if=virtio,format=%s", file ? file : "",
		    l > 6 && !strcmp(vm->disk + l - 6, ".qcow2") ? "qcow2" : "raw");
	}
	if (!strcmp(vm->firmware, "uefi")) {
		_cleanup_free_ char *code = dda_path(ctx, "usr/share/OVMF/OVMF_CODE_4M.fd");

		add(&a, "-drive");
		add(&a, "if=pflash,format=raw,readonly=on,file=%s", code ? code : "");
	}
	/* One root port per device: each can be reset and unplugged alone. */
	for (size_t i = 0; i < n; i++) {
		add(&a, "-device");
		add(&a, "pcie-root-port,id=%s,bus=pcie.0,chassis=%zu,slot=%zu", devs[i].port, i + 1, i + 1);
		add(&a, "-device");
		add(&a, "vfio-pci,host=%s,id=%s,bus=%s", devs[i].address, devs[i].id, devs[i].port);
	}
	/* Empty ports for hot-add.  Firmware sizes bridge windows once, at
	 * boot: without a reserve a hot-added device finds no room. */
	for (unsigned i = 0; i < vm->hotplug_ports; i++) {
		add(&a, "-device");
		add(&a,
		    "pcie-root-port,id=hp%u,bus=pcie.0,chassis=%u,slot=%u,pref64-reserve=%lluM,mem-reserve=%lluM,io-reserve=0",
		    i, 100 + i, 100 + i, (unsigned long long)(sz->pref64_reserve / DDA_MiB),
		    (unsigned long long)(sz->mem_reserve / DDA_MiB));
	}
	extra = json_tokener_parse(vm->qemu_args);
	if (extra && json_object_is_type(extra, json_type_array))
		for (size_t i = 0; i < json_object_array_length(extra); i++)
			add(&a, "%s", json_object_get_string(json_object_array_get_idx(extra, i)));
	if (extra)
		json_object_put(extra);
	if (a.oom) {
		if (a.v)
			a.v[a.n] = NULL;
		dda_strv_free(a.v);
		return NULL;
	}
	return a.v;
}
