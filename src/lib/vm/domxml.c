/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domxml.h"
#include "error.h"

static inline void xml_freedocp(xmlDoc **d)
{
	if (*d)
		xmlFreeDoc(*d);
}

static inline void xml_freep(xmlChar **p)
{
	if (*p)
		xmlFree(*p);
}

static bool is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, name))
			return c;
	return NULL;
}

static bool attr_is(const xmlNode *n, const char *attr, const char *value)
{
	_cleanup_(xml_freep) xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);

	return v && !strcmp((const char *)v, value);
}

/* One address attribute as libvirt reads it: hex with 0x, else decimal. */
static int address_part(const xmlNode *a, const char *attr, unsigned long max, unsigned long *ret)
{
	_cleanup_(xml_freep) xmlChar *v = xmlGetProp(a, (const xmlChar *)attr);
	char *end;

	if (!v || !v[0])
		return -EINVAL;
	errno = 0;
	*ret = strtoul((const char *)v, &end, 0);
	if (errno || *end || *ret > max || v[0] == '-' || v[0] == '+')
		return -EINVAL;
	return 0;
}

static int hostdev(const xmlNode *n, const char *what, struct dda_domxml_hostdev *ret)
{
	const xmlNode *addr = child(child(n, "source"), "address"), *alias = child(n, "alias");
	unsigned long dom, bus, slot, fn;

	memset(ret, 0, sizeof(*ret));
	if (!addr || address_part(addr, "domain", 0xffff, &dom) < 0 || address_part(addr, "bus", 0xff, &bus) < 0 ||
	    address_part(addr, "slot", 0x1f, &slot) < 0 || address_part(addr, "function", 7, &fn) < 0)
		return dda_error_input(-EINVAL, "bad-domain-xml", what,
				       "%s: a PCI <hostdev> without a whole <source><address domain= bus= slot= function=/>",
				       what);
	ret->addr = (struct dda_pciaddr){
		.domain = (uint32_t)dom, .bus = (uint8_t)bus, .dev = (uint8_t)slot, .fn = (uint8_t)fn
	};
	dda_pciaddr_format(&ret->addr, ret->name);
	/* libvirt's default for a PCI hostdev is managed='no' */
	ret->managed = attr_is(n, "managed", "yes");
	if (alias) {
		_cleanup_(xml_freep) xmlChar *v = xmlGetProp(alias, (const xmlChar *)"name");

		if (v)
			snprintf(ret->alias, sizeof(ret->alias), "%s", (const char *)v);
	}
	return 0;
}

int dda_domxml_parse(const char *xml, size_t len, const char *what, struct dda_domxml *ret)
{
	_cleanup_(xml_freedocp) xmlDoc *doc = NULL;
	struct dda_domxml d = { 0 };
	const xmlNode *root, *devices, *name;
	size_t cap = 0;
	int r;

	if (len > (size_t)INT32_MAX)
		return dda_error_input(-EINVAL, "bad-domain-xml", what, "%s: the domain XML is too long", what);
	/* No network, no entity substitution, no DTD, and libxml2 prints
	 * nothing: the library never does. */
	doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || !is(root, "domain"))
		return dda_error_input(-EINVAL, "bad-domain-xml", what,
				       "%s: not a libvirt domain XML document (<domain>)", what);
	name = child(root, "name");
	if (name) {
		_cleanup_(xml_freep) xmlChar *v = xmlNodeGetContent(name);

		if (v)
			snprintf(d.name, sizeof(d.name), "%s", (const char *)v);
	}
	devices = child(root, "devices");
	for (const xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
		if (!is(c, "hostdev") || !attr_is(c, "mode", "subsystem") || !attr_is(c, "type", "pci"))
			continue;
		if (d.n == cap) {
			struct dda_domxml_hostdev *nv;

			cap = cap ? cap * 2 : 4;
			nv = realloc(d.hostdevs, cap * sizeof(*nv));
			if (!nv) {
				dda_domxml_release(&d);
				return -ENOMEM;
			}
			d.hostdevs = nv;
		}
		r = hostdev(c, what, &d.hostdevs[d.n]);
		if (r < 0) {
			dda_domxml_release(&d);
			return r;
		}
		d.n++;
	}
	*ret = d;
	return 0;
}

void dda_domxml_release(struct dda_domxml *d)
{
	free(d->hostdevs);
	d->hostdevs = NULL;
	d->n = 0;
}

const struct dda_domxml_hostdev *dda_domxml_find(const struct dda_domxml *d, const char *address)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->hostdevs[i].name, address))
			return &d->hostdevs[i];
	return NULL;
}

int dda_domxml_hostdev_format(const struct dda_pciaddr *a, unsigned indent, char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 "%*s<hostdev mode='subsystem' type='pci' managed='no'>\n"
			 "%*s  <driver name='vfio'/>\n"
			 "%*s  <source>\n"
			 "%*s    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
			 "%*s  </source>\n"
			 "%*s</hostdev>\n",
			 (int)indent, "", (int)indent, "", (int)indent, "", (int)indent, "", a->domain, a->bus, a->dev,
			 a->fn, (int)indent, "", (int)indent, "");

	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}
