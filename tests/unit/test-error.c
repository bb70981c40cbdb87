/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The error record (error.h): what a front end shows for a failure, and
 * which exit it gives it.  A user must never be told the reason of another,
 * earlier failure, nor lose the first failure's reason to its cleanup.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"

static void test_for_matching_record(void **state)
{
	struct dda_error_info tmp;
	const struct dda_error_info *e;

	(void)state;
	dda_error_clear();
	dda_error_code(-EBUSY, "refused", "0000:01:00.0", "'0000:01:00.0' is in use");
	e = dda_error_for(-EBUSY, &tmp);
	assert_ptr_equal(e, dda_last_error());
	assert_string_equal(e->message, "'0000:01:00.0' is in use");
	assert_int_equal(e->cls, DDA_ERR_FAILED);
}

/* A lookup allowed to fail left -ENOENT behind; the failure is -EIO. */
static void test_for_stale_record(void **state)
{
	struct dda_error_info tmp;
	const struct dda_error_info *e;

	(void)state;
	dda_error_input(-ENOENT, "no-vm", "web", "no VM 'web'");
	e = dda_error_for(-EIO, &tmp);
	assert_ptr_equal(e, &tmp);
	assert_int_equal(e->err, -EIO);
	assert_string_equal(e->code, "io-error");
	assert_string_equal(e->message, strerror(EIO));
	assert_string_equal(e->device, "");
	/* the stale record's class must not leak either */
	assert_int_equal(e->cls, DDA_ERR_FAILED);
}

static void test_for_no_record(void **state)
{
	struct dda_error_info tmp;
	const struct dda_error_info *e;

	(void)state;
	dda_error_clear();
	e = dda_error_for(-EPERM, &tmp);
	assert_int_equal(e->err, -EPERM);
	assert_string_equal(e->code, "not-permitted");
	assert_int_equal(e->cls, DDA_ERR_FAILED);
	/* "no-device" from errno alone still names something not there */
	e = dda_error_for(-ENODEV, &tmp);
	assert_string_equal(e->code, "no-device");
	assert_int_equal(e->cls, DDA_ERR_INPUT);
}

static void test_class(void **state)
{
	(void)state;
	dda_error_input(-EINVAL, "bad-device", "x", "'x' is not a PCI address");
	assert_int_equal(dda_last_error()->cls, DDA_ERR_INPUT);
	/* a driver's EINVAL is a refusal, not the user's typing */
	dda_error(-EINVAL, "0000:01:00.0", "the driver refused");
	assert_int_equal(dda_last_error()->cls, DDA_ERR_FAILED);
	assert_string_equal(dda_last_error()->code, "invalid");
	dda_error(-ENODEV, "0000:01:00.0", "'0000:01:00.0' is gone");
	assert_int_equal(dda_last_error()->cls, DDA_ERR_INPUT);
	dda_error_code(-ENODEV, "no-driver", "0000:01:00.0", "no driver");
	assert_int_equal(dda_last_error()->cls, DDA_ERR_FAILED);
}

static void test_save_restore(void **state)
{
	struct dda_error_info saved;

	(void)state;
	dda_error_input(-ENOENT, "no-pool", "p2", "no pool named 'p2'");
	saved = dda_error_save();
	/* the cleanup fails too, and records its own */
	dda_error(-EIO, "db", "cannot write the database");
	assert_int_equal(dda_error_restore(&saved, -EPROTO), -ENOENT);
	assert_int_equal(dda_last_error()->err, -ENOENT);
	assert_string_equal(dda_last_error()->code, "no-pool");
	assert_string_equal(dda_last_error()->device, "p2");
	assert_string_equal(dda_last_error()->message, "no pool named 'p2'");
	assert_int_equal(dda_last_error()->cls, DDA_ERR_INPUT);

	/* nothing saved: nothing restored, the caller's own number returned */
	dda_error_clear();
	saved = dda_error_save();
	dda_error(-EIO, "db", "cannot write the database");
	assert_int_equal(dda_error_restore(&saved, -EPROTO), -EPROTO);
	assert_int_equal(dda_last_error()->err, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_for_matching_record), cmocka_unit_test(test_for_stale_record),
		cmocka_unit_test(test_for_no_record),	    cmocka_unit_test(test_class),
		cmocka_unit_test(test_save_restore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
