/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A VF's network policy as values: the option names, MAC and link-state
 * text both ways, and the one-line form the CLI and the audit trail show.
 * vfnet.c puts a policy on the PF over rtnetlink.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "text.h"
#include "vfnet.h"

static const char *const opt_names[] = { "--mac", "--vlan", "--spoof-check", "--trust", "--link", "--rate" };

const char *dda_vf_opt_name(unsigned opt)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_names); i++)
		if (opt == 1u << i)
			return opt_names[i];
	return "?";
}

const char *dda_vf_link_name(enum dda_vf_link l)
{
	switch (l) {
	case DDA_VF_LINK_AUTO: return "auto";
	case DDA_VF_LINK_ENABLE: return "enable";
	case DDA_VF_LINK_DISABLE: return "disable";
	}
	return "?";
}

int dda_vf_link_parse(const char *s, enum dda_vf_link *ret)
{
	if (!strcmp(s, "auto"))
		*ret = DDA_VF_LINK_AUTO;
	else if (!strcmp(s, "enable"))
		*ret = DDA_VF_LINK_ENABLE;
	else if (!strcmp(s, "disable"))
		*ret = DDA_VF_LINK_DISABLE;
	else
		return -EINVAL;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int dda_vf_mac_parse(const char *s, uint8_t ret[6])
{
	uint8_t mac[6];

	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret, mac, 6);
	return 0;
}

void dda_vf_mac_format(const uint8_t mac[6], char buf[static 18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* One option as "--vlan 100", for messages. */
void dda_vf_opt_format(const struct dda_vf_policy *p, unsigned opt, char *buf, size_t size)
{
	char mac[18];

	switch (opt) {
	case DDA_VF_MAC:
		dda_vf_mac_format(p->mac, mac);
		snprintf(buf, size, "--mac %s", mac);
		break;
	case DDA_VF_VLAN: snprintf(buf, size, "--vlan %u", p->vlan); break;
	case DDA_VF_SPOOFCHK: snprintf(buf, size, "--spoof-check %s", p->spoofchk ? "on" : "off"); break;
	case DDA_VF_TRUST: snprintf(buf, size, "--trust %s", p->trust ? "on" : "off"); break;
	case DDA_VF_LINK: snprintf(buf, size, "--link %s", dda_vf_link_name(p->link)); break;
	case DDA_VF_RATE: snprintf(buf, size, "--rate %u", p->rate); break;
	default: snprintf(buf, size, "?"); break;
	}
}

void dda_vf_policy_format(const struct dda_vf_policy *p, char *buf, size_t size)
{
	size_t off = 0;
	char mac[18];

	buf[0] = '\0';
#define PUT(...)                                                                     \
	do {                                                                         \
		if (off < size)                                                      \
			off += (size_t)snprintf(buf + off, size - off, __VA_ARGS__); \
	} while (0)
	if (p->set & DDA_VF_MAC) {
		dda_vf_mac_format(p->mac, mac);
		PUT("%smac %s", off ? " " : "", mac);
	}
	if (p->set & DDA_VF_VLAN)
		PUT("%svlan %u", off ? " " : "", p->vlan);
	if (p->set & DDA_VF_SPOOFCHK)
		PUT("%sspoof-check %s", off ? " " : "", p->spoofchk ? "on" : "off");
	if (p->set & DDA_VF_TRUST)
		PUT("%strust %s", off ? " " : "", p->trust ? "on" : "off");
	if (p->set & DDA_VF_LINK)
		PUT("%slink %s", off ? " " : "", dda_vf_link_name(p->link));
	if (p->set & DDA_VF_RATE)
		PUT("%srate %u", off ? " " : "", p->rate);
#undef PUT
}
