/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The predictor's options as a user gives them: pcie_acs_override= text
 * and kernel versions, and the names of its enums.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "predict.h"

int dda_predict_parse_override(const char *s, struct dda_predict_opts *opts)
{
	const char *p = s;

	while (*p) {
		size_t n = strcspn(p, ",");
		char item[32];
		unsigned v, d;
		int used = 0;

		if (n == 0 || n >= sizeof(item))
			goto bad;
		memcpy(item, p, n);
		item[n] = '\0';
		if (!strcmp(item, "downstream"))
			opts->acs_override |= DDA_ACS_OVERRIDE_DOWNSTREAM;
		else if (!strcmp(item, "multifunction"))
			opts->acs_override |= DDA_ACS_OVERRIDE_MULTIFUNCTION;
		else if (sscanf(item, "id:%4x:%4x%n", &v, &d, &used) == 2 && (size_t)used == n) {
			if (opts->noverride_ids == DDA_ACS_OVERRIDE_MAX_IDS)
				return dda_error_input(-EINVAL, "bad-acs-override", NULL,
						       "too many ids in ACS override '%s' (at most %d)", s,
						       DDA_ACS_OVERRIDE_MAX_IDS);
			opts->override_ids[opts->noverride_ids].vendor = (uint16_t)v;
			opts->override_ids[opts->noverride_ids].device = (uint16_t)d;
			opts->noverride_ids++;
		} else
			goto bad;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
bad:
	return dda_error_input(-EINVAL, "bad-acs-override", NULL,
			       "'%s' is not an ACS override (expected downstream, multifunction or id:VVVV:DDDD, comma separated)",
			       s);
}

int dda_predict_parse_move(const char *s, struct dda_predict_move *ret)
{
	const char *eq = strchr(s, '=');
	char dev[64];

	if (!eq || (size_t)(eq - s) >= sizeof(dev))
		goto bad;
	memcpy(dev, s, (size_t)(eq - s));
	dev[eq - s] = '\0';
	if (dda_pciaddr_parse(dev, &ret->device) < 0 || dda_pciaddr_parse(eq + 1, &ret->slot) < 0) {
		dda_error_clear();
		goto bad;
	}
	return 0;
bad:
	return dda_error_input(-EINVAL, "bad-move", NULL,
			       "--move takes DEVICE=SLOT, two PCI addresses (0000:05:00.0=0000:00:1c.0), not '%s'", s);
}

int dda_predict_parse_kernel(const char *s, enum dda_predict_kernel *ret)
{
	/* "6.1" must not take "6.12": compare the major.minor part whole. */
	if (!strncmp(s, "6.12", 4) && (s[4] == '\0' || s[4] == '.' || s[4] == '-' || s[4] == '+')) {
		*ret = DDA_PREDICT_KERNEL_6_12;
		return 0;
	}
	if (!strncmp(s, "6.1", 3) && (s[3] == '\0' || s[3] == '.' || s[3] == '-' || s[3] == '+')) {
		*ret = DDA_PREDICT_KERNEL_6_1;
		return 0;
	}
	return dda_error_input(-EINVAL, "bad-kernel", NULL, "no model of kernel '%s' (known: 6.12, 6.1)", s);
}

const char *dda_predict_kernel_name(enum dda_predict_kernel k)
{
	return k == DDA_PREDICT_KERNEL_6_1 ? "6.1" : "6.12";
}

const char *dda_predict_why_name(enum dda_predict_why w)
{
	static const char *const names[] = {
		[DDA_PREDICT_OWN] = "own",
		[DDA_PREDICT_ALIAS_BRIDGE] = "alias-bridge",
		[DDA_PREDICT_UPSTREAM_ACS] = "upstream-acs",
		[DDA_PREDICT_MULTIFUNCTION] = "multifunction",
		[DDA_PREDICT_DMA_ALIAS] = "dma-alias",
	};

	return (unsigned)w < ARRAY_SIZE(names) ? names[w] : "unknown";
}
