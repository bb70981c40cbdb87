/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two contexts in one process (ctx.h), as a long-running caller (a web
 * backend, a test) holds them: each on its own fake host, with its own
 * state and run directories.  Nothing one does may show through the other,
 * and freeing one leaves the other working.  With a process-global root,
 * state or run directory, the second context would read the first one's
 * tree, pool or lock, and these tests fail.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sys/wait.h>

#include "helpers.h"
#include "fault.h"
#include "lock.h"
#include "pool.h"
#include "vm.h"

struct two {
	struct fx *a, *b;
};

/* A: the standard host with an endpoint.  B: the host bridge and two root
 * ports, no endpoint. */
static int setup(void **state)
{
	struct two *t = calloc(1, sizeof(*t));
	void *p;

	if (!t)
		return -1;
	if (fx_setup(&p) < 0)
		return -1;
	t->a = p;
	if (fx_setup(&p) < 0)
		return -1;
	t->b = p;
	base(t->a);
	ADD(t->a, .addr = EP, .parent = RP, .vendor = 0x8086, .device = 0x1572, .class = 0x020000,
	    .caps = FH_PM | FH_MSIX, .driver = "i40e", .group = FH_GROUP(2));
	base(t->b);
	ADD(t->b, .addr = RP2, .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1905,
	    .caps = FH_PM | FH_MSI | FH_ACS, .acs_ctrl = ACS_FULL, .driver = "pcieport", .group = FH_GROUP(3));
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct two *t = *state;
	void *p;

	if (t->a) {
		p = t->a;
		fx_teardown(&p);
	}
	if (t->b) {
		p = t->b;
		fx_teardown(&p);
	}
	free(t);
	return 0;
}

static bool has(struct fx *f, const char *addr)
{
	struct dda_pciaddr a;

	assert_int_equal(dda_pciaddr_parse(addr, &a), 0);
	return dda_host_find(f->h, &a) != NULL;
}

static size_t pooled(struct dda_state *s)
{
	_cleanup_free_ struct dda_pool_entry *v = NULL;
	size_t n = 0;

	assert_int_equal(dda_pool_list(s, &v, &n), 0);
	return n;
}

/* The directories of a context are under its own root. */
static void expect_under(struct dda_ctx *ctx, const char *dir, const char *rel)
{
	char want[PATH_MAX];

	test_pathf(want, sizeof(want), "%s/%s", dda_ctx_root(ctx), rel);
	assert_string_equal(dir, want);
}

static void test_two_scans(void **state)
{
	struct two *t = *state;

	assert_string_not_equal(dda_ctx_root(t->a->ctx), dda_ctx_root(t->b->ctx));
	scan(t->a);
	scan(t->b);
	assert_true(t->a->h->ctx == t->a->ctx);
	assert_true(has(t->a, EP));
	assert_false(has(t->a, RP2));
	assert_true(has(t->b, RP2));
	assert_false(has(t->b, EP));
	/* and again, in the other order: nothing is left over from the last */
	dda_host_free(TAKE_PTR(t->a->h));
	scan(t->a);
	assert_true(has(t->a, EP));
	assert_false(has(t->a, RP2));
}

static void test_two_pools(void **state)
{
	struct two *t = *state;
	_cleanup_(dda_state_closep) struct dda_state *sa = NULL, *sb = NULL;

	expect_under(t->a->ctx, dda_ctx_state_dir(t->a->ctx), "state");
	expect_under(t->b->ctx, dda_ctx_state_dir(t->b->ctx), "state");
	expect_under(t->a->ctx, dda_ctx_run_dir(t->a->ctx), "run/ddactl");
	expect_under(t->b->ctx, dda_ctx_run_dir(t->b->ctx), "run/ddactl");
	sa = fx_state(t->a);
	sb = fx_state(t->b);
	assert_true(dda_state_ctx(sa) == t->a->ctx);
	scan(t->a);
	assert_int_equal(dda_pool_record(sa, dev(t->a, EP), "i40e"), 0);
	assert_int_equal(pooled(sa), 1);
	assert_int_equal(pooled(sb), 0);
	/* a reader opened later on B's state still sees B's */
	dda_state_close(TAKE_PTR(sb));
	assert_int_equal(dda_state_open(t->b->ctx, &sb, DDA_STATE_READONLY), 0);
	assert_int_equal(pooled(sb), 0);
}

static void test_two_locks(void **state)
{
	struct two *t = *state;
	_cleanup_(dda_ctx_freep) struct dda_ctx *again = NULL;
	_cleanup_(dda_lock_releasep) struct dda_lock *la = NULL, *lb = NULL;
	struct dda_lock *l = NULL;

	assert_int_equal(dda_lock_take(t->a->ctx, &la, "ddactl test a"), 0);
	/* B's run directory is its own: free, and taken at once */
	assert_int_equal(dda_lock_take(t->b->ctx, &lb, "ddactl test b"), 0);
	/* while a third context on A's root does wait for A */
	assert_int_equal(dda_ctx_new(&again, &(const struct dda_ctx_options){ .root = dda_ctx_root(t->a->ctx),
									      .lock_timeout_s = DDA_CTX_NO_WAIT }),
			 0);
	assert_int_equal(dda_ctx_lock_timeout(again), 0);
	assert_int_equal(dda_lock_take(again, &l, "ddactl test again"), -EBUSY);
	assert_string_equal(dda_last_error()->code, "locked");
	expect_contains(dda_last_error()->message, "ddactl test a");
	dda_lock_release(TAKE_PTR(la));
	assert_int_equal(dda_lock_take(again, &l, "ddactl test again"), 0);
	dda_lock_release(l);
}

/* What the library lends "until the next call" is lent per context. */
static void test_two_scratches(void **state)
{
	struct two *t = *state;
	const char *ra = dda_vm_rundir(t->a->ctx, "web");
	const char *rb = dda_vm_rundir(t->b->ctx, "web");
	char want[PATH_MAX];

	test_pathf(want, sizeof(want), "%s/vm/web", dda_ctx_run_dir(t->a->ctx));
	assert_string_equal(ra, want);
	test_pathf(want, sizeof(want), "%s/vm/web", dda_ctx_run_dir(t->b->ctx));
	assert_string_equal(rb, want);
}

/* The fault point is the context's: B's is not A's. */
static void test_two_faults(void **state)
{
	struct two *t = *state;
	_cleanup_(dda_ctx_freep) struct dda_ctx *dying = NULL;
	int status;
	pid_t pid;

	assert_int_equal(dda_ctx_new(&dying, &(const struct dda_ctx_options){ .root = dda_ctx_root(t->a->ctx),
									      .fault = "test:step" }),
			 0);
	assert_string_equal(dda_ctx_fault(dying), "test:step");
	assert_string_equal(dda_ctx_fault(t->b->ctx), "");
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dda_fault_point(t->b->ctx, "test:step");
		dda_fault_point(dying, "test:other");
		dda_fault_point(dying, "test:step");
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void test_free_one(void **state)
{
	struct two *t = *state;
	_cleanup_(dda_state_closep) struct dda_state *sb = NULL;
	_cleanup_(dda_lock_releasep) struct dda_lock *lb = NULL;
	void *p = t->a;

	scan(t->a);
	scan(t->b);
	fx_teardown(&p);
	t->a = NULL;
	/* B's host, state and lock as before A was */
	assert_true(has(t->b, RP2));
	dda_host_free(TAKE_PTR(t->b->h));
	scan(t->b);
	assert_true(has(t->b, RP2));
	assert_false(has(t->b, EP));
	sb = fx_state(t->b);
	assert_int_equal(pooled(sb), 0);
	assert_int_equal(dda_lock_take(t->b->ctx, &lb, "ddactl test b"), 0);
}

/* Every setting read from the environment, once, into the context; the
 * options given win over it, and a second context reads it again. */
static void test_from_env(void **state)
{
	struct two *t = *state;
	_cleanup_(dda_ctx_freep) struct dda_ctx *c = NULL, *d = NULL;

	setenv("DDACTL_ROOT", dda_ctx_root(t->a->ctx), 1);
	setenv("DDACTL_QEMU", "/opt/qemu", 1);
	setenv("DDACTL_LOCK_TIMEOUT", "7", 1);
	setenv("DDACTL_FAULT", "dismount:bound", 1);
	setenv("SUDO_USER", "alice", 1);
	assert_int_equal(dda_ctx_new_from_env(&c, NULL), 0);
	setenv("DDACTL_LOCK_TIMEOUT", "0", 1);
	assert_int_equal(dda_ctx_new_from_env(&d, &(const struct dda_ctx_options){ .root = dda_ctx_root(t->b->ctx),
										   .qemu = "/usr/bin/kvm" }),
			 0);
	unsetenv("DDACTL_ROOT");
	unsetenv("DDACTL_QEMU");
	unsetenv("DDACTL_LOCK_TIMEOUT");
	unsetenv("DDACTL_FAULT");
	unsetenv("SUDO_USER");

	assert_string_equal(dda_ctx_root(c), dda_ctx_root(t->a->ctx));
	assert_string_equal(dda_ctx_qemu(c), "/opt/qemu");
	assert_int_equal(dda_ctx_lock_timeout(c), 7);
	assert_string_equal(dda_ctx_fault(c), "dismount:bound");
	assert_string_equal(dda_ctx_who(c), "alice (via sudo)");
	expect_under(c, dda_ctx_state_dir(c), "var/lib/ddactl");

	assert_string_equal(dda_ctx_root(d), dda_ctx_root(t->b->ctx));
	assert_string_equal(dda_ctx_qemu(d), "/usr/bin/kvm");
	/* 0 is "do not wait", not the default */
	assert_int_equal(dda_ctx_lock_timeout(d), 0);
	assert_int_equal(dda_ctx_lock_timeout(t->b->ctx), 30);
}

int main(void)
{
#define T2(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T2(test_two_scans),  T2(test_two_pools), T2(test_two_locks), T2(test_two_scratches),
		T2(test_two_faults), T2(test_free_one),	 T2(test_from_env),
	};
#undef T2

	return cmocka_run_group_tests(tests, NULL, NULL);
}
