// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the MTRR memory-type function host mode's identity EPT is
 * built from (kmod/host/mtrr_map.c), compiled from the module's own source
 * file, against MTRR layouts written as the raw MSRs a machine reports:
 *
 * - a typical desktop: default WB, the 32-bit PCI hole UC by one variable
 *   range, the legacy fixed ranges (VGA UC, option ROMs WP);
 * - an older BIOS: default UC, RAM made WB by several variable ranges;
 * - overlapping ranges: UC wins over WB, WT with WB is WT, other mixes
 *   (undefined by the SDM) are UC;
 * - MTRRs off, fixed ranges off, undefined types, masks wider than
 *   MAXPHYADDR;
 *
 * and, for every layout, that a range reported with one type really has
 * it at every 4 KiB page (against a per-page reference written from the
 * SDM's rules), and that a larger range is reported mixed only where its
 * pages differ or the rule says so (a partly covering variable range, the
 * first MiB with fixed ranges on).
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/host/mtrr_map.c"

#define GiB	(1ULL << 30)
#define MiB	(1ULL << 20)
#define KiB	(1ULL << 10)

/* IA32_MTRR_PHYSBASE/PHYSMASK of [base, base + size), size a power of two */
#define VAR(b, size, type, bits) \
	{ (b) | (type), ((~((size) - 1)) & ((1ULL << (bits)) - 1)) | MTRRMAP_MASK_VALID }

#define FIX8(t)		(0x0101010101010101ULL * (t))

/* fixed ranges of a PC: RAM below 640 KiB, VGA UC, ROMs WP, BIOS WP */
#define PC_FIXED {							\
	FIX8(MTRRMAP_WB),			/* 0-512 KiB */		\
	FIX8(MTRRMAP_WB),			/* 512-640 KiB */	\
	FIX8(MTRRMAP_UC),			/* 640-768 KiB VGA */	\
	FIX8(MTRRMAP_WP), FIX8(MTRRMAP_WP),	/* C0000-CFFFF */	\
	FIX8(MTRRMAP_UC), FIX8(MTRRMAP_UC),	/* D0000-DFFFF */	\
	FIX8(MTRRMAP_UC), FIX8(MTRRMAP_UC),	/* E0000-EFFFF */	\
	FIX8(MTRRMAP_WP), FIX8(MTRRMAP_WP),	/* F0000-FFFFF */	\
}

/* A desktop (Core i7, 39 address bits): default WB, PCI hole UC. */
static const struct mtrr_map desktop = {
	.cap = 0xd0a,		/* WC, FIX, 10 variable ranges */
	.def_type = MTRRMAP_DEF_E | MTRRMAP_DEF_FE | MTRRMAP_WB,
	.fixed = PC_FIXED,
	.var = {
		VAR(0xc0000000ULL, 1 * GiB, MTRRMAP_UC, 39),
	},
	.phys_bits = 39,
};

/* An older BIOS (36 bits): default UC, RAM WB in pieces, 3.5-4 GiB UC. */
static const struct mtrr_map uc_default = {
	.cap = 0x508,		/* FIX, 8 variable ranges */
	.def_type = MTRRMAP_DEF_E | MTRRMAP_DEF_FE | MTRRMAP_UC,
	.fixed = PC_FIXED,
	.var = {
		VAR(0x00000000ULL, 2 * GiB, MTRRMAP_WB, 36),
		VAR(0x80000000ULL, 1 * GiB, MTRRMAP_WB, 36),
		VAR(0xc0000000ULL, 512 * MiB, MTRRMAP_WB, 36),
		VAR(0x100000000ULL, 4 * GiB, MTRRMAP_WB, 36),
		VAR(0x200000000ULL, 256 * MiB, MTRRMAP_WB, 36),
	},
	.phys_bits = 36,
};

/* Overlaps: WB 0-8 GiB, UC 3.5-4 GiB on top, WT 4-5 GiB, WC 6 GiB + 2 MiB */
static const struct mtrr_map overlap = {
	.cap = 0x50a,
	.def_type = MTRRMAP_DEF_E | MTRRMAP_DEF_FE | MTRRMAP_UC,
	.fixed = PC_FIXED,
	.var = {
		VAR(0x000000000ULL, 8 * GiB, MTRRMAP_WB, 40),
		VAR(0x0e0000000ULL, 512 * MiB, MTRRMAP_UC, 40),
		VAR(0x100000000ULL, 1 * GiB, MTRRMAP_WT, 40),
		VAR(0x180000000ULL, 2 * MiB, MTRRMAP_WC, 40),
		VAR(0x1c0000000ULL, 4 * KiB, MTRRMAP_UC, 40),
	},
	.phys_bits = 40,
};

/* The layouts walked by the property tests */
static const struct mtrr_map *const layouts[] = { &desktop, &uc_default, &overlap };

/* ------------------------------------------------------------ reference */

/*
 * The SDM's rules for one byte, written out again without the range
 * arithmetic (12.11.4.1 and 12.11.2.2).
 */
static int ref_type(const struct mtrr_map *m, u64 a)
{
	u64 pm = (1ULL << m->phys_bits) - 1;
	unsigned int i, t, seen = 0;	/* bit t: a matching range of type t */

	if (!(m->def_type & MTRRMAP_DEF_E))
		return MTRRMAP_UC;
	if ((m->def_type & MTRRMAP_DEF_FE) && (m->cap & MTRRMAP_CAP_FIX) && a < MiB) {
		unsigned int msr, shift;

		if (a < 512 * KiB) {
			msr = 0;
			shift = (a / (64 * KiB)) * 8;
		} else if (a < 768 * KiB) {
			msr = 1 + (a - 512 * KiB) / (128 * KiB);
			shift = (((a - 512 * KiB) / (16 * KiB)) % 8) * 8;
		} else {
			msr = 3 + (a - 768 * KiB) / (32 * KiB);
			shift = (((a - 768 * KiB) / (4 * KiB)) % 8) * 8;
		}
		t = (m->fixed[msr] >> shift) & 0xff;
		return mtrrmap_type_valid(t) ? (int)t : MTRRMAP_UC;
	}
	for (i = 0; i < (m->cap & 0xff) && i < MTRRMAP_MAX_VAR; i++) {
		u64 mask = m->var[i].mask & pm & ~0xfffULL;

		if (!(m->var[i].mask & MTRRMAP_MASK_VALID) ||
		    (a & mask) != (m->var[i].base & mask))
			continue;
		t = m->var[i].base & 0xff;
		seen |= 1U << (mtrrmap_type_valid(t) ? t : MTRRMAP_UC);
	}
	if (!seen) {
		t = m->def_type & 0xff;
		return mtrrmap_type_valid(t) ? (int)t : MTRRMAP_UC;
	}
	if (seen & (1U << MTRRMAP_UC))
		return MTRRMAP_UC;
	if (!(seen & (seen - 1)))		/* one type */
		return __builtin_ctz(seen);
	if (seen == ((1U << MTRRMAP_WT) | (1U << MTRRMAP_WB)))
		return MTRRMAP_WT;
	return MTRRMAP_UC;			/* undefined: UC */
}

/* ------------------------------------------------------------ examples */

static void test_desktop(void **state)
{
	const struct mtrr_map *m = &desktop;

	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 0, 4 * KiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 0x9f000, 4 * KiB));
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 0xa0000, 4 * KiB));
	assert_int_equal(MTRRMAP_WP, mtrrmap_range_type(m, 0xc0000, 4 * KiB));
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 0xd8000, 4 * KiB));
	assert_int_equal(MTRRMAP_WP, mtrrmap_range_type(m, 0xff000, 4 * KiB));
	/* the first MiB is fixed ranges: a page above it is variable/default */
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, MiB, 4 * KiB));
	assert_int_equal(MTRRMAP_MIXED, mtrrmap_range_type(m, 0, 2 * MiB));
	assert_int_equal(MTRRMAP_MIXED, mtrrmap_range_type(m, 0, GiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 2 * MiB, 2 * MiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, GiB, GiB));
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 3 * GiB, GiB));
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 0xfee00000ULL, 4 * KiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 4 * GiB, GiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 511 * GiB, GiB));
}

static void test_uc_default(void **state)
{
	const struct mtrr_map *m = &uc_default;

	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, GiB, GiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 2 * GiB, GiB));
	/* 3-3.5 GiB WB, 3.5-4 GiB the default UC: not one type */
	assert_int_equal(MTRRMAP_MIXED, mtrrmap_range_type(m, 3 * GiB, GiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 3 * GiB + 510 * MiB, 2 * MiB));
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 3 * GiB + 512 * MiB, 2 * MiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 5 * GiB, GiB));
	/* 8 GiB + 256 MiB of WB, then the default */
	assert_int_equal(MTRRMAP_MIXED, mtrrmap_range_type(m, 8 * GiB, GiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 8 * GiB + 254 * MiB, 2 * MiB));
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 8 * GiB + 256 * MiB, 2 * MiB));
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 9 * GiB, GiB));
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 63 * GiB, GiB));
}

static void test_overlap(void **state)
{
	const struct mtrr_map *m = &overlap;

	/* UC wins over WB */
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 3 * GiB + 512 * MiB, 2 * MiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 3 * GiB, 2 * MiB));
	assert_int_equal(MTRRMAP_MIXED, mtrrmap_range_type(m, 3 * GiB, GiB));
	/* WT with WB is WT */
	assert_int_equal(MTRRMAP_WT, mtrrmap_range_type(m, 4 * GiB, GiB));
	/* WC with WB is undefined: UC */
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 6 * GiB, 2 * MiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 6 * GiB + 2 * MiB, 2 * MiB));
	assert_int_equal(MTRRMAP_MIXED, mtrrmap_range_type(m, 6 * GiB, GiB));
	/* a single UC page in WB */
	assert_int_equal(MTRRMAP_MIXED, mtrrmap_range_type(m, 7 * GiB, 2 * MiB));
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 7 * GiB, 4 * KiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(m, 7 * GiB + 4 * KiB, 4 * KiB));
	/* past the WB range: the default */
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(m, 8 * GiB, GiB));
}

static void test_switches(void **state)
{
	struct mtrr_map m = desktop;

	/* FE off: the first MiB follows the variable ranges and default */
	m.def_type &= ~MTRRMAP_DEF_FE;
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(&m, 0xa0000, 4 * KiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(&m, 0, GiB));
	/* no fixed ranges in MTRRCAP: the same */
	m = desktop;
	m.cap &= ~MTRRMAP_CAP_FIX;
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(&m, 0xa0000, 4 * KiB));
	/* MTRRs off: UC everywhere */
	m = desktop;
	m.def_type &= ~MTRRMAP_DEF_E;
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(&m, 0, GiB));
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(&m, 8 * GiB, GiB));
	/* an undefined type (2) reads as UC, in the default and a range */
	m = desktop;
	m.def_type = (m.def_type & ~0xffULL) | 2;
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(&m, 8 * GiB, GiB));
	m = desktop;
	m.var[0].base = 0xc0000000ULL | 7;
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(&m, 3 * GiB, GiB));
	/* an invalid (V clear) range does not count */
	m = desktop;
	m.var[0].mask &= ~MTRRMAP_MASK_VALID;
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(&m, 3 * GiB, GiB));
	/* a range beyond VCNT does not count */
	m = desktop;
	m.cap &= ~MTRRMAP_CAP_VCNT;
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(&m, 3 * GiB, GiB));
	/* mask bits above MAXPHYADDR are ignored */
	m = desktop;
	m.var[0].mask |= 0xfff0000000000000ULL;
	assert_int_equal(MTRRMAP_UC, mtrrmap_range_type(&m, 3 * GiB, GiB));
	assert_int_equal(MTRRMAP_WB, mtrrmap_range_type(&m, 4 * GiB, GiB));
}

/* ------------------------------------------------------------ properties */

/*
 * Every 4 KiB page of the first 10 GiB (and of the first MiB) has the
 * reference's type; a 2 MiB or 1 GiB range reported with one type has it
 * at every page; one reported mixed has pages of two types, or a variable
 * range covers it in part, or it holds the first MiB.
 */
static void check_layout(const struct mtrr_map *m)
{
	u64 g, mb, p;

	for (g = 0; g < 10 * GiB; g += GiB) {
		int tg = mtrrmap_range_type(m, g, GiB);

		for (mb = g; mb < g + GiB; mb += 2 * MiB) {
			int tm = mtrrmap_range_type(m, mb, 2 * MiB);
			bool differs = false;
			int first = ref_type(m, mb);

			for (p = mb; p < mb + 2 * MiB; p += 4 * KiB) {
				int tp = mtrrmap_range_type(m, p, 4 * KiB);

				assert_int_equal(ref_type(m, p), tp);
				differs |= tp != first;
				if (tm != MTRRMAP_MIXED)
					assert_int_equal(tm, tp);
				if (tg != MTRRMAP_MIXED)
					assert_int_equal(tg, tp);
			}
			if (tm == MTRRMAP_MIXED && !differs)
				/* allowed only for the first MiB */
				assert_true(mb == 0);
		}
	}
}

static void test_layouts_against_reference(void **state)
{
	unsigned int i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		check_layout(layouts[i]);
}

static void test_type_valid(void **state)
{
	unsigned int t;

	for (t = 0; t < 256; t++)
		assert_int_equal(t == 0 || t == 1 || t == 4 || t == 5 || t == 6,
				 mtrrmap_type_valid(t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_desktop),
		cmocka_unit_test(test_uc_default),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_switches),
		cmocka_unit_test(test_layouts_against_reference),
		cmocka_unit_test(test_type_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
