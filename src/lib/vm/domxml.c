/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domxml.h"
#include "error.h"

/*
 * libxml2 on first use: it pulls in ICU, whose relocation costs every run
 * of ddactl milliseconds, though only the hook and `libvirt attach` read a
 * domain XML (as dlkmod.c does for libkmod).  Only the parse and the free
 * come from the library; the tree is read through its public structs, so
 * nothing it allocates but the document needs xmlFree().
 */
#define LIBXML2 "libxml2.so.2"

static struct {
	typeof(&xmlReadMemory) read_memory;
	typeof(&xmlFreeDoc) free_doc;
} sym;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char why[256];

static void load(void)
{
	void *dl = dlopen(LIBXML2, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);

	if (!dl) {
		snprintf(why, sizeof(why), "%s", dlerror());
		return;
	}
	sym.read_memory = (typeof(&xmlReadMemory))dlsym(dl, "xmlReadMemory");
	sym.free_doc = (typeof(&xmlFreeDoc))dlsym(dl, "xmlFreeDoc");
	if (!sym.read_memory || !sym.free_doc) {
		snprintf(why, sizeof(why), "%s has no xmlReadMemory or xmlFreeDoc", LIBXML2);
		sym.read_memory = NULL;
	}
}

static void xml_freedocp(xmlDoc **d)
{
	if (*d)
		sym.free_doc(*d);
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

/* The text of a node made of one text node (an attribute, <name>), or
 * NULL: an entity reference is never expanded, so it reads as nothing. */
static const char *text_of(const xmlNode *first)
{
	if (!first || first->type != XML_TEXT_NODE || first->next)
		return NULL;
	return (const char *)first->content;
}

static const char *attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (!strcmp((const char *)a->name, name))
			return text_of(a->children);
	return NULL;
}

static bool attr_is(const xmlNode *n, const char *name, const char *value)
{
	const char *v = n ? attr(n, name) : NULL;

	return v && !strcmp(v, value);
}

/* One address attribute as libvirt reads it: hex with 0x, else decimal. */
static int address_part(const xmlNode *a, const char *name, unsigned long max, unsigned long *ret)
{
	const char *v = attr(a, name);
	char *end;

	if (!v || !v[0])
		return -EINVAL;
	errno = 0;
	*ret = strtoul(v, &end, 0);
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
	if (alias && attr(alias, "name"))
		snprintf(ret->alias, sizeof(ret->alias), "%s", attr(alias, "name"));
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
	pthread_once(&once, load);
	if (!sym.read_memory)
		return dda_error(-ELIBACC, what, "cannot load %s to read the domain XML of %s: %s", LIBXML2, what, why);
	/* No network, no entity substitution, no DTD, and libxml2 prints
	 * nothing: the library never does. */
	doc = sym.read_memory(xml, (int)len, "domain.xml", NULL,
			      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	for (root = doc ? doc->children : NULL; root && root->type != XML_ELEMENT_NODE; root = root->next)
		;
	if (!root || !is(root, "domain"))
		return dda_error_input(-EINVAL, "bad-domain-xml", what,
				       "%s: not a libvirt domain XML document (<domain>)", what);
	name = child(root, "name");
	if (name && text_of(name->children))
		snprintf(d.name, sizeof(d.name), "%s", text_of(name->children));
	devices = child(root, "devices");
	for (const xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
		/* an SR-IOV VF given as a NIC (Nova's direct ports) is a PCI
		 * hostdev too, whose source address says type='pci' */
		bool vf_nic = is(c, "interface") && attr_is(c, "type", "hostdev") &&
			      attr_is(child(child(c, "source"), "address"), "type", "pci");

		if (!vf_nic && (!is(c, "hostdev") || !attr_is(c, "mode", "subsystem") || !attr_is(c, "type", "pci")))
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
