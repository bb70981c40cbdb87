/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "wait.h"

void dda_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int dda_poll(int (*check)(void *data), void *data, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	unsigned step = 1;
	int r;

	/* Measured on the clock, not by adding up the sleeps: the checks
	 * themselves take time (a scan of /proc, a QMP round trip). */
	while ((r = check(data)) == 0) {
		uint64_t now = now_ms();

		if (now >= end)
			return 0;
		dda_sleep_ms(step < end - now ? step : (unsigned)(end - now));
		if (step < DDA_POLL_MAX_STEP_MS)
			step = step * 2 < DDA_POLL_MAX_STEP_MS ? step * 2 : DDA_POLL_MAX_STEP_MS;
	}
	return r;
}
