/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * survey --predict --move (predict-move.c): a card predicted in another,
 * empty slot of the same tree gets the group the kernel's rules give it
 * there, and a move that cannot be modelled is refused with its reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "predict.h"

#define US     "0000:01:00.0"
#define DS1    "0000:02:01.0"
#define DS2    "0000:02:02.0"
#define E1     "0000:03:00.0"
#define E2     "0000:04:00.0"
#define SPARE  "0000:00:1c.0" /* an empty root port with ACS */
#define MOVED  "0000:06:00.0" /* a card's function 0 in it */
#define PCIBR  "0000:00:1e.0" /* an empty PCIe-to-PCI bridge */
#define BEHIND "0000:07:00.0"

/* A switch whose downstream ports lack ACS (each endpoint shares its
 * port's group), E1 a two-function card, and the two empty slots. */
static void tree(struct fx *f)
{
	base(f);
	ADD(f, .addr = US, .parent = RP, .type = FH_UPSTREAM, .vendor = 0x1b36, .device = 0x000e);
	ADD(f, .addr = DS1, .parent = US, .type = FH_DOWNSTREAM, .vendor = 0x104c, .device = 0x8233);
	ADD(f, .addr = DS2, .parent = US, .type = FH_DOWNSTREAM, .vendor = 0x104c, .device = 0x8233);
	ADD(f, .addr = E1, .parent = DS1, .vendor = 0x8086, .device = 0x10d3, .multifunction = true);
	ADD(f, .addr = "0000:03:00.1", .parent = DS1, .vendor = 0x8086, .device = 0x10d3);
	ADD(f, .addr = E2, .parent = DS2, .vendor = 0x8086, .device = 0x10d3);
	ADD(f, .addr = SPARE, .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1901, .caps = FH_ACS,
	    .acs_ctrl = ACS_FULL, .secondary = 6);
	ADD(f, .addr = PCIBR, .type = FH_PCIE_TO_PCI, .vendor = 0x1b36, .device = 0x000e, .secondary = 7);
}

static struct dda_prediction *predict_move(struct fx *f, const char *spec, int expect)
{
	struct dda_predict_move m;
	struct dda_predict_opts o = { .moves = &m, .nmoves = 1 };
	struct dda_prediction *p = NULL;

	MUST(dda_predict_parse_move(spec, &m));
	assert_int_equal(dda_predict_groups(f->ctx, &o, &p), expect);
	return p;
}

static const struct dda_predicted *pred(const struct dda_prediction *p, const char *name)
{
	struct dda_pciaddr a;

	assert_int_equal(dda_pciaddr_parse(name, &a), 0);
	return dda_prediction_find(p, &a);
}

static bool same(const struct dda_prediction *p, const char *a, const char *b)
{
	assert_non_null(pred(p, a));
	assert_non_null(pred(p, b));
	return pred(p, a)->group == pred(p, b)->group;
}

/* From a port without ACS to a root port with it: a group of its own,
 * both functions moved, each marked with where it came from. */
static void test_move_to_acs_port(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL, *q = NULL;

	tree(f);
	MUST(dda_predict_groups(f->ctx, NULL, &q));
	assert_true(same(q, E1, DS1));
	p = predict_move(f, E1 "=" SPARE, 0);
	assert_int_equal(p->ndevs, q->ndevs);
	assert_null(pred(p, E1));
	assert_null(pred(p, "0000:03:00.1"));
	assert_non_null(pred(p, "0000:06:00.1"));
	assert_true(pred(p, MOVED)->moved);
	assert_string_equal(pred(p, MOVED)->name, MOVED);
	assert_int_equal(pred(p, MOVED)->from.bus, 3);
	assert_false(pred(p, DS1)->moved);
	assert_false(same(p, MOVED, DS1));
	assert_false(same(p, MOVED, SPARE));
	/* the card's functions still lack ACS between them */
	assert_true(same(p, MOVED, "0000:06:00.1"));
	assert_int_equal(pred(p, MOVED)->why, DDA_PREDICT_OWN);
	for (size_t i = 1; i < p->ndevs; i++)
		assert_true(dda_pciaddr_cmp(&p->devs[i - 1].addr, &p->devs[i].addr) < 0);
}

/* Behind a bridge to conventional PCI its requests carry the bridge's
 * ID: the card shares the bridge's group. */
static void test_move_behind_pci_bridge(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	tree(f);
	p = predict_move(f, E2 "=" PCIBR, 0);
	assert_true(same(p, BEHIND, PCIBR));
	assert_int_equal(pred(p, BEHIND)->why, DDA_PREDICT_ALIAS_BRIDGE);
	assert_false(same(p, BEHIND, DS2));
}

/* The baseline comparison finds a moved card by its old address. */
static void test_move_compare(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL, *q = NULL;
	_cleanup_free_ int *base = NULL;
	size_t ndiffer = 0;

	tree(f);
	MUST(dda_predict_groups(f->ctx, NULL, &q));
	p = predict_move(f, E1 "=" SPARE, 0);
	base = calloc(p->ndevs, sizeof(int));
	assert_non_null(base);
	for (size_t i = 0; i < p->ndevs; i++) {
		const struct dda_predicted *b = dda_prediction_find(q, &p->devs[i].from);

		base[i] = b ? b->group : -1;
	}
	MUST(dda_prediction_compare(p, base, &ndiffer));
	/* the card's two functions, and DS1 left alone in its group */
	assert_int_equal(ndiffer, 3);
	assert_true(pred(p, MOVED)->differs);
	assert_true(pred(p, DS1)->differs);
	assert_false(pred(p, E2)->differs);
}

/* A slot emptied with --without takes the card: one what-if. */
static void test_move_into_emptied_slot(void **state)
{
	struct fx *f = *state;
	struct dda_pciaddr gone;
	struct dda_predict_move m;
	struct dda_predict_opts o = { .without = &gone, .nwithout = 1, .moves = &m, .nmoves = 1 };
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	tree(f);
	MUST(dda_pciaddr_parse(E2, &gone));
	MUST(dda_predict_parse_move(E1 "=" DS2, &m));
	MUST(dda_predict_groups(f->ctx, &o, &p));
	assert_true(pred(p, E2)->moved);
	assert_int_equal(pred(p, E2)->from.bus, 3);
	assert_true(same(p, E2, DS2));
	assert_false(same(p, E2, DS1));
	assert_non_null(pred(p, "0000:04:00.1"));
}

static void expect_refusal(struct fx *f, const char *spec, int err, const char *text)
{
	assert_null(predict_move(f, spec, err));
	if (!strstr(dda_last_error()->message, text))
		fail_msg("'%s': expected '%s' in: %s", spec, text, dda_last_error()->message);
	assert_true(dda_last_error()->device[0] != '\0');
}

static void test_move_refusals(void **state)
{
	struct fx *f = *state;

	tree(f);
	/* a PF with a VF: its VFs' place after a move is not modelled */
	ADD(f, .addr = "0000:00:03.0", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1901, .caps = FH_ACS,
	    .acs_ctrl = ACS_FULL, .secondary = 8);
	ADD(f, .addr = "0000:08:00.0", .parent = "0000:00:03.0", .caps = FH_MSIX | FH_ARI | FH_SRIOV, .sriov_total = 4,
	    .sriov_num = 1, .vf_device = 0x154c);
	ADD(f, .addr = "0000:08:10.0", .physfn = "0000:08:00.0", .caps = FH_MSIX);
	expect_refusal(f, E1 "=" DS2, -EINVAL, "occupied; pick an empty slot: " SPARE " " PCIBR);
	expect_refusal(f, E1 "=" HB, -EINVAL, "not a root or downstream port");
	expect_refusal(f, E1 "=" US, -EINVAL, "not a root or downstream port");
	expect_refusal(f, DS1 "=" SPARE, -EINVAL, "is a bridge");
	expect_refusal(f, HB "=" SPARE, -EINVAL, "is a host bridge");
	expect_refusal(f, "0000:08:10.0=" SPARE, -EINVAL, "it is a VF");
	expect_refusal(f, "0000:08:00.0=" SPARE, -EINVAL, "VF '0000:08:10.0' enabled");
	expect_refusal(f, "0000:09:00.0=" SPARE, -ENODEV, "no PCI function '0000:09:00.0'");
	expect_refusal(f, E1 "=0000:00:1f.0", -ENODEV, "no PCI function '0000:00:1f.0'");
}

static void test_parse_move(void **state)
{
	struct dda_predict_move m;

	(void)state;
	MUST(dda_predict_parse_move("03:00.0=0000:00:1c.0", &m));
	assert_int_equal(m.device.bus, 3);
	assert_int_equal(m.slot.dev, 0x1c);
	assert_int_equal(dda_predict_parse_move("03:00.0", &m), -EINVAL);
	assert_int_equal(dda_predict_parse_move("03:00.0=slot", &m), -EINVAL);
	assert_string_equal(dda_last_error()->code, "bad-move");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_move_to_acs_port),	T(test_move_behind_pci_bridge), T(test_move_compare),
		T(test_move_into_emptied_slot), T(test_move_refusals),		cmocka_unit_test(test_parse_move),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
