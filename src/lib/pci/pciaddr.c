/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pciaddr.h"

/* Parses exactly n hex digits (n > 0), or 1..max when n == 0. */
static int hex_field(const char **p, unsigned n, unsigned max, uint32_t *ret)
{
	uint32_t v = 0;
	unsigned i = 0;

	while (isxdigit((unsigned char)**p) && (n ? i < n : i < max)) {
		char c = *(*p)++;

		v = v * 16 + (uint32_t)(isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10);
		i++;
	}
	if (i == 0 || (n && i != n))
		return -EINVAL;
	*ret = v;
	return 0;
}

int dda_pciaddr_parse(const char *s, struct dda_pciaddr *ret)
{
	struct dda_pciaddr a = { 0 };
	const char *p = s;
	uint32_t v1, v2, dev, fn;

	if (!s)
		return -EINVAL;
	/* Domain is 4 (or, on some hosts, up to 8) hex digits; bus is 2. */
	if (hex_field(&p, 0, 8, &v1) < 0 || *p++ != ':')
		return -EINVAL;
	if (hex_field(&p, 2, 0, &v2) == 0 && *p == ':') {
		p++;
		/* At least 4 domain digits ("DDDD:BB:"), at most 5 (VMD domains
		 * start at 0x10000): what the formatter prints back. */
		if (p - s < 8 || v1 > 0xfffff)
			return -EINVAL;
		a.domain = v1;
		a.bus = (uint8_t)v2;
		if (hex_field(&p, 2, 0, &dev) < 0)
			return -EINVAL;
	} else {
		/* "BB:DD.F": v1 was the bus, v2 the device. */
		p = s;
		if (hex_field(&p, 2, 0, &v1) < 0 || *p++ != ':' || hex_field(&p, 2, 0, &dev) < 0)
			return -EINVAL;
		a.bus = (uint8_t)v1;
	}
	if (*p++ != '.' || !isdigit((unsigned char)*p))
		return -EINVAL;
	fn = (uint32_t)(*p++ - '0');
	if (*p || dev > 31 || fn > 7)
		return -EINVAL;
	a.dev = (uint8_t)dev;
	a.fn = (uint8_t)fn;
	*ret = a;
	return 0;
}

int dda_pciid_parse(const char *s, uint16_t *vendor, uint16_t *device)
{
	const char *p = s;
	uint32_t v, d;

	if (!s || hex_field(&p, 4, 0, &v) < 0 || *p++ != ':' || hex_field(&p, 4, 0, &d) < 0 || *p)
		return -EINVAL;
	*vendor = (uint16_t)v;
	*device = (uint16_t)d;
	return 0;
}

static char *hex(char *p, unsigned v, int digits)
{
	for (int i = digits - 1; i >= 0; i--, v >>= 4)
		p[i] = "0123456789abcdef"[v & 0xf];
	return p + digits;
}

/* By hand, not snprintf: a scan names every function of the host (4,096
 * on a large one), and snprintf was a third of a one-device command's
 * instructions there.  fn is 0..7, where hex and decimal agree. */
void dda_pciaddr_format(const struct dda_pciaddr *a, char buf[static DDA_PCIADDR_LEN])
{
	char *p = hex(buf, a->domain & 0xfffff, a->domain > 0xffff ? 5 : 4);

	*p++ = ':';
	p = hex(p, a->bus, 2);
	*p++ = ':';
	p = hex(p, a->dev & 0xff, 2);
	*p++ = '.';
	p = hex(p, a->fn & 0x7, 1);
	*p = '\0';
}

int dda_pciaddr_cmp(const struct dda_pciaddr *a, const struct dda_pciaddr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->fn != b->fn)
		return a->fn < b->fn ? -1 : 1;
	return 0;
}

bool dda_is_locpath(const char *s)
{
	return s && strncasecmp(s, "PCIROOT(", 8) == 0;
}

int dda_locpath_parse(const char *s, struct dda_locpath *ret)
{
	struct dda_locpath l = { .vf = -1 };
	const char *p = s;
	uint32_t v, w;

	if (!dda_is_locpath(s))
		return -EINVAL;
	p += 8;
	if (hex_field(&p, 0, 8, &v) < 0)
		return -EINVAL;
	if (*p == ':') {
		p++;
		if (hex_field(&p, 0, 2, &w) < 0)
			return -EINVAL;
		l.domain = v;
		l.bus = (uint8_t)w;
	} else {
		if (v > 0xff)
			return -EINVAL;
		l.bus = (uint8_t)v;
	}
	if (*p++ != ')')
		return -EINVAL;
	while (*p) {
		if (*p++ != '#')
			return -EINVAL;
		if (strncasecmp(p, "PCI(", 4) == 0) {
			p += 4;
			if (l.vf >= 0 || l.nhops >= DDA_LOCPATH_MAX_HOPS)
				return -EINVAL;
			if (hex_field(&p, 2, 0, &v) < 0 || hex_field(&p, 2, 0, &w) < 0)
				return -EINVAL;
			if (v > 31 || w > 7 || *p++ != ')')
				return -EINVAL;
			l.hop[l.nhops].dev = (uint8_t)v;
			l.hop[l.nhops].fn = (uint8_t)w;
			l.nhops++;
		} else if (strncasecmp(p, "VF(", 3) == 0) {
			unsigned n = 0, digits = 0;

			p += 3;
			if (l.vf >= 0 || l.nhops == 0)
				return -EINVAL;
			while (isdigit((unsigned char)*p) && digits < 5) {
				n = n * 10 + (unsigned)(*p++ - '0');
				digits++;
			}
			if (!digits || *p++ != ')' || n > 65535)
				return -EINVAL;
			l.vf = (int)n;
		} else {
			return -EINVAL;
		}
	}
	if (l.nhops == 0)
		return -EINVAL;
	*ret = l;
	return 0;
}

int dda_locpath_format(const struct dda_locpath *l, char *buf, size_t size)
{
	size_t off = 0;
	int n;

#define PUT(...)                                                  \
	do {                                                      \
		n = snprintf(buf + off, size - off, __VA_ARGS__); \
		if (n < 0 || (size_t)n >= size - off)             \
			return -ENAMETOOLONG;                     \
		off += (size_t)n;                                 \
	} while (0)

	if (size == 0)
		return -ENAMETOOLONG;
	if (l->domain)
		PUT("PCIROOT(%X:%X)", l->domain, l->bus);
	else
		PUT("PCIROOT(%X)", l->bus);
	for (unsigned i = 0; i < l->nhops; i++)
		PUT("#PCI(%02X%02X)", l->hop[i].dev, l->hop[i].fn);
	if (l->vf >= 0)
		PUT("#VF(%d)", l->vf);
#undef PUT
	return 0;
}

bool dda_locpath_equal(const struct dda_locpath *a, const struct dda_locpath *b)
{
	if (a->domain != b->domain || a->bus != b->bus || a->nhops != b->nhops || a->vf != b->vf)
		return false;
	for (unsigned i = 0; i < a->nhops; i++)
		if (a->hop[i].dev != b->hop[i].dev || a->hop[i].fn != b->hop[i].fn)
			return false;
	return true;
}
