/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "libvirt.h"

bool dda_libvirt_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > DDA_LIBVIRT_NAME_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/')
			return false;
	return true;
}

static int prepare(struct dda_state *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(dda_state_db(s), sql, -1, st, NULL) != SQLITE_OK)
		return dda_state_error(s, "preparing a query");
	return 0;
}

int dda_libvirt_policy_get(struct dda_state *s, const char *domain, struct dda_libvirt_policy *ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->domain, sizeof(ret->domain), "%s", domain);
	if (!s)
		return 0;
	r = prepare(s, "SELECT return_to_host, require_pool, dismount_managed FROM libvirt_policy WHERE domain = ?",
		    &st);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return 0;
	if (r != SQLITE_ROW)
		return dda_state_error(s, "reading the libvirt policy");
	ret->return_to_host = sqlite3_column_int(st, 0);
	ret->require_pool = sqlite3_column_int(st, 1);
	ret->dismount_managed = sqlite3_column_int(st, 2);
	ret->stored = true;
	return 0;
}

int dda_libvirt_policy_put(struct dda_state *s, const struct dda_libvirt_policy *p)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(s,
			"INSERT OR REPLACE INTO libvirt_policy (domain, return_to_host, require_pool, dismount_managed, "
			"updated_at) VALUES (?, ?, ?, ?, " DDA_SQL_NOW ")",
			&st);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, p->domain, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, p->return_to_host);
	sqlite3_bind_int(st, 3, p->require_pool);
	sqlite3_bind_int(st, 4, p->dismount_managed);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "writing the libvirt policy");
	return 0;
}

#define DEV_COLS "address, domain, alias, state, since"

static void read_dev(sqlite3_stmt *st, struct dda_libvirt_device *d)
{
	enum dda_vm_device_state state = dda_vm_device_state_from_string((const char *)sqlite3_column_text(st, 3));

	dda_state_text(d->address, sizeof(d->address), st, 0);
	dda_state_text(d->domain, sizeof(d->domain), st, 1);
	dda_state_text(d->alias, sizeof(d->alias), st, 2);
	d->state = state < 0 ? DDA_VM_DEVICE_ASSIGNED : state;
	dda_state_text(d->since, sizeof(d->since), st, 4);
}

int dda_libvirt_device_get(struct dda_state *s, const char *address, struct dda_libvirt_device *ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (!s)
		return -ENOENT;
	r = prepare(s, "SELECT " DEV_COLS " FROM libvirt_device WHERE address = ?", &st);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return -ENOENT;
	if (r != SQLITE_ROW)
		return dda_state_error(s, "reading libvirt's devices");
	read_dev(st, ret);
	return 0;
}

int dda_libvirt_device_put(struct dda_state *s, const struct dda_libvirt_device *d)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(s,
			"INSERT OR REPLACE INTO libvirt_device (" DEV_COLS ") VALUES (?, ?, ?, ?, "
			"COALESCE((SELECT since FROM libvirt_device WHERE address = ?1 AND domain = ?2), " DDA_SQL_NOW
			"))",
			&st);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, d->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->domain, -1, SQLITE_STATIC);
	if (d->alias[0])
		sqlite3_bind_text(st, 3, d->alias, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, dda_vm_device_state_to_string(d->state), -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "recording libvirt's device");
	return 0;
}

int dda_libvirt_device_drop(struct dda_state *s, const char *address)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(s, "DELETE FROM libvirt_device WHERE address = ?", &st);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "releasing libvirt's device");
	return 0;
}

int dda_libvirt_devices(struct dda_state *s, const char *domain, struct dda_libvirt_device **ret, size_t *ret_n)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ struct dda_libvirt_device *v = NULL;
	size_t n = 0, cap = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!s)
		return 0;
	r = prepare(s, "SELECT " DEV_COLS " FROM libvirt_device WHERE domain = ? ORDER BY address", &st);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			struct dda_libvirt_device *nv;

			cap = cap ? cap * 2 : 4;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				return -ENOMEM;
			v = nv;
		}
		read_dev(st, &v[n++]);
	}
	if (r != SQLITE_DONE)
		return dda_state_error(s, "reading libvirt's devices");
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int dda_owner_find(struct dda_state *s, const char *address, struct dda_owner *ret)
{
	struct dda_libvirt_device d;
	char vm[DDA_VM_NAME_MAX + 1];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!s)
		return 0;
	r = dda_vm_owner(s, address, vm);
	if (r == 0) {
		ret->kind = DDA_OWNER_VM;
		snprintf(ret->name, sizeof(ret->name), "%s", vm);
		return 0;
	}
	if (r != -ENOENT)
		return r;
	r = dda_libvirt_device_get(s, address, &d);
	if (r == 0) {
		ret->kind = DDA_OWNER_LIBVIRT;
		snprintf(ret->name, sizeof(ret->name), "%s", d.domain);
		return 0;
	}
	return r == -ENOENT ? 0 : r;
}

const char *dda_owner_label(const struct dda_owner *o, char *buf, size_t size)
{
	switch (o->kind) {
	case DDA_OWNER_VM: snprintf(buf, size, "%s", o->name); break;
	case DDA_OWNER_LIBVIRT: snprintf(buf, size, "libvirt:%s", o->name); break;
	default: snprintf(buf, size, "%s", ""); break;
	}
	return buf;
}
