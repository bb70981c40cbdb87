/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bit arithmetic on sizes.
 */
#ifndef DDA_BITS_H
#define DDA_BITS_H

#include <stdint.h>

/*
 * The least power of two >= v, the space a BAR or a set of BARs takes
 * once naturally aligned.  Two edges, chosen for both callers (the
 * survey's MMIO sum, checks.c, and the VM's MMIO sizing, qemu.c):
 *  - 0 stays 0: nothing to map takes no space (not 1 byte);
 *  - above 2^63 no power of two fits in 64 bits, so the result saturates
 *    at 2^63.  It stays a power of two (the sizing doubles and aligns it)
 *    and stays far above any CPU's physical address space (52 bits at
 *    most), so whatever compares it to a window or to the address bits
 *    refuses, as it would the true value.
 */
static inline uint64_t dda_pow2_up(uint64_t v)
{
	uint64_t p = 1;

	if (v == 0)
		return 0;
	while (p < v && p < (1ULL << 63))
		p <<= 1;
	return p;
}

#endif
