/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What sriov-count.c (changing the VF count) takes from sriov.c (the
 * store), and nothing outside state/sriov*.c includes.  sriov-count.c
 * calls sriov.c, never the other way.
 */
#ifndef DDA_SRIOV_INTERNAL_H
#define DDA_SRIOV_INTERNAL_H

#include <stdbool.h>

#include "sriov.h"

/* The intent, marked 'changing' until dda_sriov_config_done(). */
int dda_sriov_config_begin(struct dda_state *s, const struct dda_device *pf, int count, bool pool);
/* Keeps the PF's sriov_drivers_autoprobe value from before the change. */
int dda_sriov_config_autoprobe_saved(struct dda_state *s, const struct dda_device *pf, int v);
int dda_sriov_config_done(struct dda_state *s, const struct dda_device *pf);
/* 1 when VF i of pf had a stored policy applied again (best effort). */
int dda_sriov_policy_reapply(struct dda_state *s, const struct dda_device *pf, unsigned i, bool *ret_deferred);

#endif
