// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of XSETBV's rules (kmod/vmx/xcr0.c), compiled from the
 * module's own source file, against every value of the low components.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/vmx/xcr0.c"

/* The SDM's rules written out again, one by one, for every subset. */
static bool sdm_allows(u64 v, u64 allowed)
{
	bool x87 = v & XCR0_X87, sse = v & XCR0_SSE, avx = v & XCR0_AVX;
	bool bndregs = v & XCR0_BNDREGS, bndcsr = v & XCR0_BNDCSR;
	bool k = v & XCR0_OPMASK, zh = v & XCR0_ZMM_HI256, hz = v & XCR0_HI16_ZMM;
	bool tc = v & XCR0_XTILECFG, td = v & XCR0_XTILEDATA;

	if (!x87 || (v & ~allowed))
		return false;
	if (avx && !sse)
		return false;
	if (bndregs != bndcsr)
		return false;
	if ((k || zh || hz) && !(k && zh && hz && avx))
		return false;
	if (tc != td)
		return false;
	return true;
}

/* Every combination of bits 0-9, 17 and 18 against a host with all */
static void test_every_subset(void **state)
{
	const u64 host = 0x602ffULL;	/* x87 .. PKRU, AMX */
	const u64 allowed = xcr0_guest_allowed(host);
	u64 i;

	(void)state;
	assert_int_equal(host & ~XCR0_AMX, allowed);
	for (i = 0; i < (1 << 12); i++) {
		u64 v = (i & 0x3ff) | ((i >> 10) & 3) << 17;

		assert_int_equal(sdm_allows(v, allowed), xcr0_valid(v, allowed));
	}
}

static void test_examples(void **state)
{
	const u64 skylake_x = 0xe7;	/* Bochs corei7_skylake_x's host XCR0 */
	const u64 allowed = xcr0_guest_allowed(skylake_x);

	(void)state;
	assert_true(xcr0_valid(0x1, allowed));
	assert_true(xcr0_valid(0x3, allowed));
	assert_true(xcr0_valid(0x7, allowed));
	assert_true(xcr0_valid(0xe7, allowed));
	assert_false(xcr0_valid(0x0, allowed));		/* no x87 */
	assert_false(xcr0_valid(0x2, allowed));
	assert_false(xcr0_valid(0x5, allowed));		/* AVX without SSE */
	assert_false(xcr0_valid(0x67, allowed));	/* two of AVX-512's three */
	assert_false(xcr0_valid(0xe3, allowed));	/* AVX-512 without AVX */
	assert_false(xcr0_valid(0x1f, allowed));	/* MPX: not the host's */
	assert_false(xcr0_valid(0x201, allowed));	/* PKRU: not the host's */
	/* a host with MPX and AMX */
	assert_true(xcr0_valid(0x1f, xcr0_guest_allowed(0x602ff)));
	assert_false(xcr0_valid(0x0f, xcr0_guest_allowed(0x602ff)));
	assert_false(xcr0_valid(0x600e7, xcr0_guest_allowed(0x602ff)));
	assert_true(xcr0_valid(0x600e7, 0x602ff));	/* the pair, if allowed */
	assert_false(xcr0_valid(0x200e7, 0x602ff));	/* XTILECFG alone */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_subset),
		cmocka_unit_test(test_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
