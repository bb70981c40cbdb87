/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ownership by scope, in the style of systemd's cleanup-fundamental.h:
 * a variable declared _cleanup_free_ is freed when it leaves scope, and
 * TAKE_PTR()/TAKE_FD() move ownership out of it.  Destructors take NULL.
 */
#ifndef DDA_CLEANUP_H
#define DDA_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f)	   __attribute__((cleanup(f)))
#define _cleanup_free_	   _cleanup_(dda_freep)
#define _cleanup_close_	   _cleanup_(dda_closep)
#define _cleanup_fclose_   _cleanup_(dda_fclosep)
#define _cleanup_closedir_ _cleanup_(dda_closedirp)
#define _must_check_	   __attribute__((warn_unused_result))
#define _printf_(a, b)	   __attribute__((format(printf, a, b)))

static inline void dda_freep(void *p)
{
	free(*(void **)p);
}

static inline void dda_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void dda_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void dda_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Defines freep-style helper NAME##p for a destructor NAME(TYPE *). */
#define DDA_DEFINE_CLEANUP(type, func)       \
	static inline void func##p(type **p) \
	{                                    \
		if (*p)                      \
			func(*p);            \
	}

#define TAKE_PTR(p)                      \
	({                               \
		__typeof__(p) _tp = (p); \
		(p) = NULL;              \
		_tp;                     \
	})

#define TAKE_FD(fd)             \
	({                      \
		int _tf = (fd); \
		(fd) = -1;      \
		_tf;            \
	})

/* json-c references, for _cleanup_(dda_json_put_ref). */
struct json_object;
int json_object_put(struct json_object *obj);
static inline void dda_json_put_ref(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
