/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libkmod, loaded on first use.
 *
 * libkmod pulls in libcrypto, libzstd and liblzma, and relocating those
 * costs every run of ddactl about 3.4 million instructions (half of what
 * the dynamic loader does), though only a few commands ever resolve a
 * module.  So the binary does not link it: dlkmod.c defines the libkmod
 * functions ddactl calls, with libkmod's own prototypes, and forwards each
 * one to the real library, which the first kmod_new() opens.  Code keeps
 * calling kmod_new() and friends as usual.  libkmod stays a dependency of
 * the package.
 */
#ifndef DDA_DLKMOD_H
#define DDA_DLKMOD_H

/* 0 when libkmod is loaded (loading it if it is not), else -ELIBACC with
 * an error naming the library and device.  kmod_new() returns NULL (errno
 * ELIBACC) and records nothing when the library cannot be loaded; callers
 * that report that failure call this first to say why. */
int dda_kmod_load(const char *device);

#endif
