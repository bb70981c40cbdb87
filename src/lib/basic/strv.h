/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NULL-terminated arrays of malloc'd strings (an argv built for exec).
 */
#ifndef DDA_STRV_H
#define DDA_STRV_H

/* Frees every string and the array; NULL is a no-op. */
void dda_strv_free(char **v);

/* "a b 'c d'": argv as one shell-quoted line. Caller frees; NULL on OOM. */
char *dda_strv_join(char *const *v);

#endif
