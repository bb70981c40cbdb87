/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static _Thread_local struct dda_error_info last;

const char *dda_errno_code(int err)
{
	switch (-err) {
	case 0: return "ok";
	case ENOENT: return "not-found";
	case ENODEV: return "no-device";
	case EINVAL: return "invalid";
	case EPERM: return "not-permitted";
	case EACCES: return "access-denied";
	case EBUSY: return "busy";
	case EEXIST: return "exists";
	case ENOMEM: return "out-of-memory";
	case EIO: return "io-error";
	case ETIMEDOUT: return "timeout";
	case EAGAIN: return "try-again";
	case EALREADY: return "already";
	case ENOTSUP: return "not-supported";
	case ECANCELED: return "refused";
	case ESTALE: return "hardware-changed";
	case ENOSPC: return "no-space";
	case EPROTO: return "protocol-error";
	default: return "error";
	}
}

static void record(int err, enum dda_error_class cls, const char *code, const char *device, const char *fmt, va_list ap)
{
	last.err = err;
	/* "no-device" from ENODEV: nothing there by the name given */
	last.cls = !code && err == -ENODEV ? DDA_ERR_INPUT : cls;
	snprintf(last.code, sizeof(last.code), "%s", code ? code : dda_errno_code(err));
	snprintf(last.device, sizeof(last.device), "%s", device ? device : "");
	vsnprintf(last.message, sizeof(last.message), fmt, ap);
	last.hint[0] = '\0';
}

int dda_error_hint(const char *hint)
{
	snprintf(last.hint, sizeof(last.hint), "%s", hint ? hint : "");
	return last.err;
}

int dda_error(int err, const char *device, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(err, DDA_ERR_FAILED, NULL, device, fmt, ap);
	va_end(ap);
	return err;
}

int dda_error_code(int err, const char *code, const char *device, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(err, DDA_ERR_FAILED, code, device, fmt, ap);
	va_end(ap);
	return err;
}

int dda_error_input(int err, const char *code, const char *device, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(err, DDA_ERR_INPUT, code, device, fmt, ap);
	va_end(ap);
	return err;
}

const struct dda_error_info *dda_last_error(void)
{
	return &last;
}

void dda_error_clear(void)
{
	memset(&last, 0, sizeof(last));
}

struct dda_error_info dda_error_save(void)
{
	return last;
}

int dda_error_restore(const struct dda_error_info *saved, int fallback)
{
	last = *saved;
	return saved->err ? saved->err : fallback;
}

const struct dda_error_info *dda_error_for(int r, struct dda_error_info *tmp)
{
	if (last.err && last.err == r)
		return &last;
	memset(tmp, 0, sizeof(*tmp));
	tmp->err = r;
	tmp->cls = r == -ENODEV ? DDA_ERR_INPUT : DDA_ERR_FAILED;
	snprintf(tmp->code, sizeof(tmp->code), "%s", dda_errno_code(r));
	snprintf(tmp->message, sizeof(tmp->message), "%s", strerror(-r));
	return tmp;
}
