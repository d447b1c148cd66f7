// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the MAP_MMIO gate (kmod/ept/mmio_gate.c), compiled from
 * the module's own source file: forbidden spans win over everything, a
 * range that cuts a BAR is malformed, and only a range wholly inside one
 * allowed span is allowed.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../kmod/ept/mmio_gate.c"

#define MIB		(1ULL << 20)
#define BAR_S		0xc0000000ULL		/* a 16 MiB BAR, like Bochs's VGA */
#define BAR_E		(BAR_S + 16 * MIB - 1)
#define ROM_S		(BAR_E + 1)		/* its ROM right behind it */
#define ROM_E		(ROM_S + 0xffff)

static const struct mmio_span bars[] = {
	{ BAR_S, BAR_E, 0, 0 },
	{ ROM_S, ROM_E, 0, 0 },
	{ 0xfebf0000ULL, 0xfebf00ffULL, 0, 0 },	/* 256 bytes */
};

static const struct mmio_span forbidden[] = {
	{ 0, 0x9ffffULL, MMIO_GATE_RAM, 0 },
	{ 0xb0000000ULL, 0xbeffffffULL, MMIO_GATE_ECAM, 0 },
	{ 0xfed90000ULL, 0xfed9ffffULL, MMIO_GATE_IOMMU, 0 },
	{ 0xfffc0000ULL, 0xffffffffULL, MMIO_GATE_FIRMWARE, 0 },
	{ 0x7f000000ULL, 0x7f0fffffULL, MMIO_GATE_EFI_RUNTIME, 0 },
	{ 0x7e000000ULL, 0x7e000fffULL, 77, 0 },	/* a kind not known */
};

static const struct mmio_span allowed[] = {
	{ BAR_S, BAR_E, 0, 0 },				/* an assigned BAR */
	{ 0x100000000ULL, 0x13fffffffULL, 0, 0 },	/* an admin's GiB */
	{ 0x140000000ULL, 0x17fffffffULL, 0, 0 },	/* touching it */
	{ 0xfec00000ULL, 0xfec00fffULL, 0, 0 },		/* the IOAPIC (!) */
	{ 0, 0xfffffULL, 0, 0 },			/* RAM (!) */
};

static struct mmio_gate_in in = {
	.forbidden = forbidden, .nr_forbidden = ARRAY_SIZE(forbidden),
	.bars = bars, .nr_bars = ARRAY_SIZE(bars),
	.allowed = allowed, .nr_allowed = ARRAY_SIZE(allowed),
};

static u32 check(u64 s, u64 e)
{
	u32 which = 12345;

	return mmio_gate_check(&in, s, e, &which);
}

static void test_inside_an_assigned_bar(void **state)
{
	(void)state;
	assert_int_equal(MMIO_GATE_OK, check(BAR_S, BAR_E));
	assert_int_equal(MMIO_GATE_OK, check(BAR_S, BAR_S + 0xfff));
	assert_int_equal(MMIO_GATE_OK, check(BAR_E - 0xfff, BAR_E));
	assert_int_equal(0, mmio_gate_errno(MMIO_GATE_OK));
}

static void test_cutting_a_bar_is_einval(void **state)
{
	u32 which = 99;

	(void)state;
	/* into the ROM behind the BAR */
	assert_int_equal(MMIO_GATE_PARTIAL_BAR, check(BAR_E - 0xfff, BAR_E + 0x1000));
	/* from below the BAR into it */
	assert_int_equal(MMIO_GATE_PARTIAL_BAR, check(BAR_S - 0x1000, BAR_S + 0xfff));
	/* a frame holding a 256-byte BAR */
	assert_int_equal(MMIO_GATE_PARTIAL_BAR,
			 mmio_gate_check(&in, 0xfebf0000ULL, 0xfebf0fffULL, &which));
	assert_int_equal(2, which);
	assert_int_equal(-EINVAL, mmio_gate_errno(MMIO_GATE_PARTIAL_BAR));
}

static void test_forbidden_wins_over_allowed(void **state)
{
	u32 which = 99;

	(void)state;
	assert_int_equal(MMIO_GATE_IOAPIC, mmio_gate_check(&in, 0xfec00000ULL,
							   0xfec00fffULL, &which));
	assert_int_equal(U32_MAX, which);	/* the architectural window */
	assert_int_equal(MMIO_GATE_RAM, mmio_gate_check(&in, 0x1000, 0x1fff, &which));
	assert_int_equal(0, which);
	assert_int_equal(MMIO_GATE_LAPIC, check(0xfee00000ULL, 0xfee00fffULL));
	assert_int_equal(MMIO_GATE_LAPIC, check(0xfeeff000ULL, 0xfeefffffULL));
	assert_int_equal(MMIO_GATE_ECAM, check(0xbefff000ULL, 0xbeffffffULL));
	assert_int_equal(MMIO_GATE_IOMMU, check(0xfed90000ULL, 0xfed90fffULL));
	assert_int_equal(MMIO_GATE_FIRMWARE, check(0xffff0000ULL, 0xffffffffULL));
	assert_int_equal(MMIO_GATE_EFI_RUNTIME, check(0x7f000000ULL, 0x7f000fffULL));
	/* one forbidden byte at the far end of a long range */
	assert_int_equal(MMIO_GATE_ECAM, check(0xa0000000ULL, 0xb0000000ULL));
	/* a span of a kind the gate does not know still refuses */
	assert_int_equal(MMIO_GATE_FIRMWARE, check(0x7e000000ULL, 0x7e000fffULL));
	assert_int_equal(-EPERM, mmio_gate_errno(MMIO_GATE_IOAPIC));
}

/* ECAM inside an e820 reservation: the specific reason, either order */
static void test_most_specific_reason(void **state)
{
	static const struct mmio_span nested[2][2] = {
		{ { 0xb0000000ULL, 0xbfffffffULL, MMIO_GATE_FIRMWARE, 0 },
		  { 0xb0000000ULL, 0xbfffffffULL, MMIO_GATE_ECAM, 0 } },
		{ { 0xb0000000ULL, 0xbfffffffULL, MMIO_GATE_ECAM, 0 },
		  { 0xa0000000ULL, 0xbfffffffULL, MMIO_GATE_FIRMWARE, 0 } },
	};
	struct mmio_gate_in x = { .nr_forbidden = 2 };
	u32 which = 99;
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		x.forbidden = nested[k];
		assert_int_equal(MMIO_GATE_ECAM, mmio_gate_check(&x, 0xb0000000ULL,
								 0xb0000fffULL, &which));
		assert_int_equal(k ? 0 : 1, which);
	}
	/* where only the reservation is */
	x.forbidden = nested[1];
	assert_int_equal(MMIO_GATE_FIRMWARE, mmio_gate_check(&x, 0xa0000000ULL,
							     0xa0000fffULL, &which));
	assert_int_equal(1, which);
}

static void test_forbidden_before_bar(void **state)
{
	static const struct mmio_span bar_in_ecam[] = {
		{ 0xbef00000ULL, 0xbef00fffULL, 0, 0 },
	};
	struct mmio_gate_in x = in;

	(void)state;
	x.bars = bar_in_ecam;
	x.nr_bars = 1;
	assert_int_equal(MMIO_GATE_ECAM, mmio_gate_check(&x, 0xbef00000ULL,
							 0xbef01fffULL, NULL));
}

static void test_allowed_means_inside_one_span(void **state)
{
	(void)state;
	assert_int_equal(MMIO_GATE_OK, check(0x100000000ULL, 0x13fffffffULL));
	assert_int_equal(MMIO_GATE_OK, check(0x140000000ULL, 0x140000fffULL));
	/* across two touching grants */
	assert_int_equal(MMIO_GATE_NOT_ALLOWED, check(0x13ffff000ULL, 0x140000fffULL));
	/* past the end of a grant */
	assert_int_equal(MMIO_GATE_NOT_ALLOWED, check(0x17ffff000ULL, 0x180000fffULL));
	/* nowhere */
	assert_int_equal(MMIO_GATE_NOT_ALLOWED, check(0x200000000ULL, 0x200000fffULL));
	assert_int_equal(-EPERM, mmio_gate_errno(MMIO_GATE_NOT_ALLOWED));
}

static void test_no_allowed_list_asks_only_the_host(void **state)
{
	struct mmio_gate_in x = in;

	(void)state;
	x.allowed = NULL;
	x.nr_allowed = 0;
	assert_int_equal(MMIO_GATE_OK, mmio_gate_check(&x, 0x200000000ULL,
						       0x2ffffffffULL, NULL));
	assert_int_equal(MMIO_GATE_OK, mmio_gate_check(&x, BAR_S, BAR_S + 0xfff, NULL));
	assert_int_equal(MMIO_GATE_PARTIAL_BAR,
			 mmio_gate_check(&x, BAR_S - 0x1000, BAR_E, NULL));
	assert_int_equal(MMIO_GATE_IOAPIC,
			 mmio_gate_check(&x, 0xfec01000ULL, 0xfec01fffULL, NULL));
	/* with an empty allowed list nothing is allowed */
	x.allowed = allowed;
	assert_int_equal(MMIO_GATE_NOT_ALLOWED,
			 mmio_gate_check(&x, BAR_S, BAR_S + 0xfff, NULL));
}

static void test_edges(void **state)
{
	struct mmio_gate_in empty = { 0 };
	static const struct mmio_span all[] = { { 0, ~0ULL, 0, 0 } };

	(void)state;
	assert_int_equal(MMIO_GATE_NOT_ALLOWED, check(0x2000, 0x1fff));
	/* the top of the address space, with nothing in the lists */
	empty.allowed = all;
	empty.nr_allowed = 1;
	assert_int_equal(MMIO_GATE_OK, mmio_gate_check(&empty, ~0ULL - 0xfff, ~0ULL, NULL));
	assert_int_equal(MMIO_GATE_IOAPIC, mmio_gate_check(&empty, 0, ~0ULL, NULL));
	/* touching the windows from outside is fine */
	assert_int_equal(MMIO_GATE_OK, mmio_gate_check(&empty, 0xfebff000ULL,
						       0xfebfffffULL, NULL));
	assert_int_equal(MMIO_GATE_OK, mmio_gate_check(&empty, 0xfef00000ULL,
						       0xfef00fffULL, NULL));
}

static void test_names(void **state)
{
	u32 i;

	(void)state;
	for (i = 0; i < MMIO_GATE_NR; i++)
		assert_non_null(mmio_gate_why_name(i));
	assert_string_equal("refused", mmio_gate_why_name(MMIO_GATE_NR));
	assert_string_equal("IOAPIC", mmio_gate_why_name(MMIO_GATE_IOAPIC));
}

static void test_small_bars(void **state)
{
	(void)state;
	assert_true(mmio_gate_bar_too_small(0xfebf0000ULL, 0x100, 4096));
	assert_true(mmio_gate_bar_too_small(0xfebf0800ULL, 0x1000, 4096));
	assert_true(mmio_gate_bar_too_small(0xfebf0000ULL, 0x1800, 4096));
	assert_true(mmio_gate_bar_too_small(0xfebf0000ULL, 0, 4096));
	assert_false(mmio_gate_bar_too_small(0xfebf0000ULL, 0x1000, 4096));
	assert_false(mmio_gate_bar_too_small(BAR_S, 16 * MIB, 4096));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside_an_assigned_bar),
		cmocka_unit_test(test_cutting_a_bar_is_einval),
		cmocka_unit_test(test_forbidden_wins_over_allowed),
		cmocka_unit_test(test_most_specific_reason),
		cmocka_unit_test(test_forbidden_before_bar),
		cmocka_unit_test(test_allowed_means_inside_one_span),
		cmocka_unit_test(test_no_allowed_list_asks_only_the_host),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_small_bars),
	};

	return cmocka_run_group_tests_name("mmio_gate", tests, NULL, NULL);
}
