/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libkmod on first use (dlkmod.c): not mapped until a module is looked up,
 * so a command that never resolves one does not pay for libkmod's
 * libcrypto, libzstd and liblzma; then the forwarders reach the real
 * library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libkmod.h>

#include "dlkmod.h"
#include "error.h"

static int mapped(const char *lib)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, lib) != NULL;
	fclose(f);
	return found;
}

static void test_lazy(void **state)
{
	char dir[] = "/tmp/test-dlkmod.XXXXXX";
	struct kmod_list *list = NULL, *it;
	struct kmod_ctx *ctx;
	int n = 0;

	(void)state;
	/* a link with -lkmod would have mapped it (and libcrypto) at start */
	assert_false(mapped("/libkmod.so"));
	assert_false(mapped("/libcrypto.so"));
	assert_int_equal(dda_kmod_load("0000:01:00.0"), 0);
	assert_true(mapped("/libkmod.so"));
	/* an empty module directory: the lookup works and finds nothing */
	assert_non_null(mkdtemp(dir));
	ctx = kmod_new(dir, (const char *const[]){ dir, NULL });
	assert_non_null(ctx);
	kmod_set_log_priority(ctx, 0);
	assert_int_equal(kmod_module_new_from_lookup(ctx, "pci:v00008086d000010D3sv*sd*bc02sc00i00", &list), 0);
	kmod_list_foreach(it, list) n++;
	assert_int_equal(n, 0);
	kmod_module_unref_list(list);
	assert_null(kmod_unref(ctx));
	rmdir(dir);
	/* the second load is the first's answer */
	assert_int_equal(dda_kmod_load("0000:01:00.0"), 0);
	assert_int_equal(dda_last_error()->err, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lazy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
