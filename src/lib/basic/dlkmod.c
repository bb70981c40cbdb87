/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include <libkmod.h>

#include "dlkmod.h"
#include "error.h"

/* the SONAME of every libkmod since 2011 (kmod 1); package libkmod2 */
#define LIBKMOD "libkmod.so.2"

/* Process-wide, like the mapping itself: the library is opened and its
 * symbols resolved once, under pthread_once, and never closed. */
static struct {
	typeof(&kmod_new) new;
	typeof(&kmod_unref) unref;
	typeof(&kmod_set_log_priority) set_log_priority;
	typeof(&kmod_list_next) list_next;
	typeof(&kmod_module_new_from_lookup) module_new_from_lookup;
	typeof(&kmod_module_get_module) module_get_module;
	typeof(&kmod_module_unref) module_unref;
	typeof(&kmod_module_unref_list) module_unref_list;
	typeof(&kmod_module_probe_insert_module) module_probe_insert_module;
	typeof(&kmod_module_get_name) module_get_name;
	typeof(&kmod_module_get_path) module_get_path;
} sym;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char why[256];

static void load(void)
{
	void *dl = dlopen(LIBKMOD, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	const char *missing = NULL;

	if (!dl) {
		snprintf(why, sizeof(why), "%s", dlerror());
		return;
	}
#define LOAD(field, name)                                                       \
	do {                                                                    \
		if (!missing && !(sym.field = (typeof(&name))dlsym(dl, #name))) \
			missing = #name;                                        \
	} while (0)
	LOAD(new, kmod_new);
	LOAD(unref, kmod_unref);
	LOAD(set_log_priority, kmod_set_log_priority);
	LOAD(list_next, kmod_list_next);
	LOAD(module_new_from_lookup, kmod_module_new_from_lookup);
	LOAD(module_get_module, kmod_module_get_module);
	LOAD(module_unref, kmod_module_unref);
	LOAD(module_unref_list, kmod_module_unref_list);
	LOAD(module_probe_insert_module, kmod_module_probe_insert_module);
	LOAD(module_get_name, kmod_module_get_name);
	LOAD(module_get_path, kmod_module_get_path);
#undef LOAD
	if (missing) {
		snprintf(why, sizeof(why), "%s has no %s", LIBKMOD, missing);
		return;
	}
	loaded = 1;
}

int dda_kmod_load(const char *device)
{
	pthread_once(&once, load);
	if (loaded)
		return 0;
	return dda_error(-ELIBACC, device, "cannot load %s for '%s': %s", LIBKMOD, device, why);
}

/* The forwarders.  Every libkmod object comes from a kmod_new() that
 * succeeded, so only kmod_new() needs to check that the library is there. */
struct kmod_ctx *kmod_new(const char *dirname, const char *const *config_paths)
{
	pthread_once(&once, load);
	if (!loaded) {
		errno = ELIBACC;
		return NULL;
	}
	return sym.new(dirname, config_paths);
}

struct kmod_ctx *kmod_unref(struct kmod_ctx *ctx)
{
	return ctx ? sym.unref(ctx) : NULL;
}

void kmod_set_log_priority(struct kmod_ctx *ctx, int priority)
{
	sym.set_log_priority(ctx, priority);
}

struct kmod_list *kmod_list_next(const struct kmod_list *list, const struct kmod_list *curr)
{
	return sym.list_next(list, curr);
}

int kmod_module_new_from_lookup(struct kmod_ctx *ctx, const char *given_alias, struct kmod_list **list)
{
	return sym.module_new_from_lookup(ctx, given_alias, list);
}

struct kmod_module *kmod_module_get_module(const struct kmod_list *entry)
{
	return sym.module_get_module(entry);
}

struct kmod_module *kmod_module_unref(struct kmod_module *mod)
{
	return mod ? sym.module_unref(mod) : NULL;
}

int kmod_module_unref_list(struct kmod_list *list)
{
	/* the callers pass the list a lookup may have left NULL */
	return list ? sym.module_unref_list(list) : 0;
}

int kmod_module_probe_insert_module(struct kmod_module *mod, unsigned int flags, const char *extra_options,
				    int (*run_install)(struct kmod_module *m, const char *cmdline, void *data),
				    const void *data,
				    void (*print_action)(struct kmod_module *m, bool install, const char *options))
{
	return sym.module_probe_insert_module(mod, flags, extra_options, run_install, data, print_action);
}

const char *kmod_module_get_name(const struct kmod_module *mod)
{
	return sym.module_get_name(mod);
}

const char *kmod_module_get_path(const struct kmod_module *mod)
{
	return sym.module_get_path(mod);
}
