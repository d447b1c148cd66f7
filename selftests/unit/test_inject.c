// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of trap injection: the checks of THINVMX_INJECT_TRAP, the
 * VM-entry encoding and the double-fault rules (kmod/memevent/inject.c),
 * compiled from the module's own source file, against tables written here
 * from the SDM.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/memevent/inject.c"

#define B	INJECT_BENIGN
#define C	INJECT_CONTRIBUTORY
#define P	INJECT_PAGE_FAULT
#define D	INJECT_DOUBLE_FAULT

/*
 * SDM Vol. 3, Table 6-1 (vectors, error codes) and Table 6-4 (classes).
 * name NULL: not injectable as a hardware exception (NMI, reserved).
 */
static const struct {
	const char *name;
	bool ec;		/* pushes an error code */
	bool ec_zero;		/* ... which is always zero */
	enum inject_class cls;
} sdm[32] = {
	[0] = { "#DE", false, false, C },
	[1] = { "#DB", false, false, B },
	[2] = { NULL, false, false, B },	/* NMI: an interrupt */
	[3] = { "#BP", false, false, B },
	[4] = { "#OF", false, false, B },
	[5] = { "#BR", false, false, B },
	[6] = { "#UD", false, false, B },
	[7] = { "#NM", false, false, B },
	[8] = { "#DF", true, true, D },
	[9] = { NULL, false, false, B },	/* coprocessor segment overrun */
	[10] = { "#TS", true, false, C },
	[11] = { "#NP", true, false, C },
	[12] = { "#SS", true, false, C },
	[13] = { "#GP", true, false, C },
	[14] = { "#PF", true, false, P },
	[15] = { NULL, false, false, B },
	[16] = { "#MF", false, false, B },
	[17] = { "#AC", true, true, B },
	[18] = { "#MC", false, false, B },
	[19] = { "#XM", false, false, B },
	[20] = { "#VE", false, false, P },
	[21] = { "#CP", true, false, C },
	/* 22-31: reserved, zero-initialised: benign */
};

/*
 * SDM Vol. 3, Table 6-5 (first exception in rows, second in columns) and
 * "Interrupt 8" for the #DF row: a contributory exception or page fault
 * while calling the #DF handler is shutdown. A second #DF counts as
 * contributory.
 */
static const enum inject_result df_table[4][4] = {
	/*		benign		contributory	page fault	#DF */
	[B] = {		INJECT_WAIT,	INJECT_WAIT,	INJECT_WAIT,	INJECT_WAIT },
	[C] = {		INJECT_WAIT,	INJECT_MERGED_DF, INJECT_WAIT,	INJECT_MERGED_DF },
	[P] = {		INJECT_WAIT,	INJECT_MERGED_DF, INJECT_MERGED_DF, INJECT_MERGED_DF },
	[D] = {		INJECT_WAIT,	INJECT_SHUTDOWN, INJECT_SHUTDOWN, INJECT_SHUTDOWN },
};

static enum inject_class sdm_class(unsigned int v)
{
	return v < 32 ? sdm[v].cls : B;
}

static void test_tables(void **state)
{
	unsigned int v;

	for (v = 0; v < 256; v++) {
		bool in = v < 32;

		assert_int_equal(in && sdm[v].name, inject_exception_defined(v));
		assert_int_equal(in && sdm[v].ec, inject_exception_has_error_code(v));
		assert_int_equal(sdm_class(v), inject_exception_class(v));
	}
}

/* Whether the SDM lets a listener inject this, written without inject.c. */
static bool sdm_valid(const struct thinvmx_inject_trap *t)
{
	bool ec = t->flags & THINVMX_TRAP_F_ERROR_CODE;
	bool cr2 = t->flags & THINVMX_TRAP_F_CR2;
	bool len_ok = t->insn_len >= 1 && t->insn_len <= 15;

	if (t->flags & ~3u)
		return false;
	if ((!ec && t->error_code) || (!cr2 && t->cr2))
		return false;
	switch (t->type) {
	case THINVMX_TRAP_HW_EXCEPTION:
		if (t->vector >= 32 || !sdm[t->vector].name || t->insn_len)
			return false;
		if (ec != sdm[t->vector].ec || t->error_code > 0xffff)
			return false;
		if (sdm[t->vector].ec_zero && t->error_code)
			return false;
		return !cr2 || t->vector == 14;
	case THINVMX_TRAP_SW_EXCEPTION:
		return (t->vector == 3 || t->vector == 4) && !ec && !cr2 && len_ok;
	case THINVMX_TRAP_SW_INTERRUPT:
		return !ec && !cr2 && len_ok;
	case THINVMX_TRAP_NMI:
		return t->vector == 2 && !ec && !cr2 && !t->insn_len;
	default:
		return false;
	}
}

static u8 vmx_type_of(u8 type)
{
	switch (type) {
	case THINVMX_TRAP_HW_EXCEPTION:
		return 3;
	case THINVMX_TRAP_SW_EXCEPTION:
		return 6;
	case THINVMX_TRAP_SW_INTERRUPT:
		return 4;
	default:
		return 2;
	}
}

/* Every vector x type x flags x error code x length x CR2. */
static void test_check_every_combination(void **state)
{
	const u32 codes[] = { 0, 1, 0x7fff, 0xffff, 0x10000, 0xffffffffu };
	const u8 lens[] = { 0, 1, 2, 15, 16, 255 };
	const u64 cr2s[] = { 0, 0xffff800000001234ull };
	unsigned int v, type, flags, c, l, x, n_ok = 0;

	for (v = 0; v < 256; v++)
	for (type = 0; type <= 6; type++)
	for (flags = 0; flags < 8; flags++)
	for (c = 0; c < ARRAY_SIZE(codes); c++)
	for (l = 0; l < ARRAY_SIZE(lens); l++)
	for (x = 0; x < ARRAY_SIZE(cr2s); x++) {
		struct thinvmx_inject_trap t = {
			.vcpu = 1, .vector = v, .type = type, .flags = flags,
			.error_code = codes[c], .insn_len = lens[l], .cr2 = cr2s[x],
		};
		struct inject_event ev;
		bool ok = sdm_valid(&t);
		int ret;

		memset(&ev, 0xee, sizeof(ev));
		ret = inject_trap_check(&t, &ev);
		if (ret != (ok ? 0 : -EINVAL))
			fail_msg("vector %u type %u flags %u code %#x len %u cr2 %#llx: %d",
				 v, type, flags, codes[c], lens[l],
				 (unsigned long long)cr2s[x], ret);
		if (!ok)
			continue;
		n_ok++;
		assert_int_equal(v, ev.vector);
		assert_int_equal(vmx_type_of(type), ev.type);
		assert_int_equal(lens[l], ev.insn_len);
		assert_int_equal(!!(flags & 1), ev.has_error_code);
		assert_int_equal(codes[c], ev.error_code);
		assert_int_equal(!!(flags & 2), ev.has_cr2);
		assert_true(cr2s[x] == ev.cr2);
	}
	/*
	 * Counted by hand: INT n 256 x 3 lengths, INT3/INTO 2 x 3, NMI 1,
	 * 11 exceptions without an error code, #DF and #AC with 0, the other
	 * 6 with 4 codes each, #PF also with CR2 4 x 2.
	 */
	assert_int_equal(768 + 6 + 1 + 11 + 2 + 24 + 8, n_ok);
}

static void test_check_named(void **state)
{
	struct thinvmx_inject_trap t;
	struct inject_event ev;

	/* #PF with an error code and CR2 */
	t = (struct thinvmx_inject_trap){ .vector = 14, .type = THINVMX_TRAP_HW_EXCEPTION,
		.flags = THINVMX_TRAP_F_ERROR_CODE | THINVMX_TRAP_F_CR2,
		.error_code = 6, .cr2 = 0xdead000 };
	assert_int_equal(0, inject_trap_check(&t, &ev));
	/* #GP without its error code */
	t = (struct thinvmx_inject_trap){ .vector = 13, .type = THINVMX_TRAP_HW_EXCEPTION };
	assert_int_equal(-EINVAL, inject_trap_check(&t, &ev));
	/* #UD with one */
	t = (struct thinvmx_inject_trap){ .vector = 6, .type = THINVMX_TRAP_HW_EXCEPTION,
		.flags = THINVMX_TRAP_F_ERROR_CODE };
	assert_int_equal(-EINVAL, inject_trap_check(&t, &ev));
	/* CR2 with #GP */
	t = (struct thinvmx_inject_trap){ .vector = 13, .type = THINVMX_TRAP_HW_EXCEPTION,
		.flags = THINVMX_TRAP_F_ERROR_CODE | THINVMX_TRAP_F_CR2 };
	assert_int_equal(-EINVAL, inject_trap_check(&t, &ev));
	/* NMI as a hardware exception, and an NMI that is not vector 2 */
	t = (struct thinvmx_inject_trap){ .vector = 2, .type = THINVMX_TRAP_HW_EXCEPTION };
	assert_int_equal(-EINVAL, inject_trap_check(&t, &ev));
	t = (struct thinvmx_inject_trap){ .vector = 3, .type = THINVMX_TRAP_NMI };
	assert_int_equal(-EINVAL, inject_trap_check(&t, &ev));
	/* INT3 as a software exception needs its length */
	t = (struct thinvmx_inject_trap){ .vector = 3, .type = THINVMX_TRAP_SW_EXCEPTION };
	assert_int_equal(-EINVAL, inject_trap_check(&t, &ev));
	t.insn_len = 1;
	assert_int_equal(0, inject_trap_check(&t, &ev));
	/* INT 0x80 */
	t = (struct thinvmx_inject_trap){ .vector = 0x80, .type = THINVMX_TRAP_SW_INTERRUPT,
		.insn_len = 2 };
	assert_int_equal(0, inject_trap_check(&t, &ev));
	/* reserved and out fields must be zero */
	t.reserved[1] = 1;
	assert_int_equal(-EINVAL, inject_trap_check(&t, &ev));
	t.reserved[1] = 0;
	t.result = THINVMX_TRAP_RESULT_WAIT;
	assert_int_equal(-EINVAL, inject_trap_check(&t, &ev));
}

static void test_encode(void **state)
{
	struct inject_event pf = { .vector = 14, .type = INJECT_TYPE_HW_EXCEPTION,
				   .has_error_code = true, .error_code = 0x1f };
	struct inject_event sw = { .vector = 0x80, .type = INJECT_TYPE_SW_INTR,
				   .insn_len = 2 };
	struct inject_event nmi = { .vector = 2, .type = INJECT_TYPE_NMI };
	u32 code = 0x1234;

	/* vector 7:0, type 10:8, deliver error code 11, valid 31 */
	assert_int_equal(0x80000b0e, inject_encode(&pf, true, &code));
	assert_int_equal(0x1f, code);
	/* real mode pushes no error code */
	assert_int_equal(0x8000030e, inject_encode(&pf, false, &code));
	assert_int_equal(0, code);
	assert_int_equal(0x80000480, inject_encode(&sw, true, &code));
	assert_int_equal(0, code);
	assert_int_equal(0x80000202, inject_encode(&nmi, true, &code));
}

static void test_decode(void **state)
{
	struct inject_event ev;
	u32 code;

	assert_false(inject_decode(0x0000030e, 5, 3, &ev));	/* not valid */
	assert_true(inject_decode(0x80000b0e, 5, 3, &ev));
	assert_int_equal(14, ev.vector);
	assert_int_equal(INJECT_TYPE_HW_EXCEPTION, ev.type);
	assert_true(ev.has_error_code);
	assert_int_equal(5, ev.error_code);
	assert_int_equal(0, ev.insn_len);	/* hardware: no length */
	assert_false(ev.has_cr2);
	/* bit 12 is undefined in IDT-vectoring information */
	assert_true(inject_decode(0x80001b0e, 5, 3, &ev));
	assert_int_equal(0x80000b0e, inject_encode(&ev, true, &code));
	/* software events keep their length */
	assert_true(inject_decode(0x80000603, 0, 1, &ev));
	assert_int_equal(1, ev.insn_len);
	assert_true(inject_decode(0x80000501, 0, 1, &ev));
	assert_int_equal(1, ev.insn_len);
	assert_true(inject_decode(0x80000421, 0, 2, &ev));
	assert_int_equal(2, ev.insn_len);
	assert_false(ev.has_error_code);
	/* external interrupt, NMI */
	assert_true(inject_decode(0x80000030, 0, 7, &ev));
	assert_int_equal(INJECT_TYPE_EXT_INTR, ev.type);
	assert_int_equal(0, ev.insn_len);
}

static struct inject_event hw(u8 vector)
{
	struct inject_event ev = {
		.vector = vector,
		.type = INJECT_TYPE_HW_EXCEPTION,
		.has_error_code = vector < 32 && sdm[vector].ec,
		.error_code = vector < 32 && sdm[vector].ec && !sdm[vector].ec_zero ? 0x18 : 0,
		.has_cr2 = vector == 14,
		.cr2 = vector == 14 ? 0xc0ffee000ull + vector : 0,
	};

	return ev;
}

static void assert_same_event(const struct inject_event *a, const struct inject_event *b)
{
	assert_int_equal(a->vector, b->vector);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->insn_len, b->insn_len);
	assert_int_equal(a->has_error_code, b->has_error_code);
	assert_int_equal(a->error_code, b->error_code);
	assert_int_equal(a->has_cr2, b->has_cr2);
	assert_true(a->cr2 == b->cr2);
}

static void test_merge_nothing_pending(void **state)
{
	struct inject_event n = hw(13), out;

	assert_int_equal(INJECT_DELIVER_NEW, inject_merge(NULL, &n, &out));
	assert_same_event(&n, &out);
}

/* Every pair of hardware exceptions, against Table 6-5. */
static void test_merge_df_table(void **state)
{
	unsigned int first, second;
	unsigned int seen[4][4] = { { 0 } };

	for (first = 0; first < 32; first++) {
		for (second = 0; second < 32; second++) {
			struct inject_event p = hw(first), n = hw(second), out;
			enum inject_result want = df_table[sdm_class(first)][sdm_class(second)];
			enum inject_result got = inject_merge(&p, &n, &out);

			if (got != want)
				fail_msg("%u during %u: %d, want %d", second, first, got, want);
			seen[sdm_class(first)][sdm_class(second)]++;
			if (want == INJECT_MERGED_DF) {
				struct inject_event df = {
					.vector = 8, .type = INJECT_TYPE_HW_EXCEPTION,
					.has_error_code = true, .error_code = 0,
					.has_cr2 = second == 14, .cr2 = n.cr2,
				};
				assert_same_event(&df, &out);
			} else {
				/* WAIT and SHUTDOWN: the pending one stays */
				assert_same_event(&p, &out);
			}
		}
	}
	/* every class pair was met */
	for (first = 0; first < 4; first++)
		for (second = 0; second < 4; second++)
			assert_true(seen[first][second] > 0);
}

static void test_merge_named(void **state)
{
	struct inject_event gp = hw(13), pf = hw(14), df = hw(8), de = hw(0);
	struct inject_event ud = hw(6), ve = hw(20), cp = hw(21), out;

	/* #GP while delivering #GP, #PF while delivering #PF: #DF */
	assert_int_equal(INJECT_MERGED_DF, inject_merge(&gp, &gp, &out));
	assert_int_equal(8, out.vector);
	assert_int_equal(INJECT_MERGED_DF, inject_merge(&pf, &pf, &out));
	assert_true(out.has_cr2 && out.cr2 == pf.cr2);
	/* #PF while delivering #GP: serially */
	assert_int_equal(INJECT_WAIT, inject_merge(&gp, &pf, &out));
	assert_same_event(&gp, &out);
	/* #GP while delivering #PF: #DF */
	assert_int_equal(INJECT_MERGED_DF, inject_merge(&pf, &gp, &out));
	assert_false(out.has_cr2);
	/* #VE counts as a page fault, #CP as contributory */
	assert_int_equal(INJECT_MERGED_DF, inject_merge(&ve, &de, &out));
	assert_int_equal(INJECT_MERGED_DF, inject_merge(&cp, &gp, &out));
	assert_int_equal(INJECT_WAIT, inject_merge(&de, &ve, &out));
	/* benign either way: serially */
	assert_int_equal(INJECT_WAIT, inject_merge(&ud, &gp, &out));
	assert_int_equal(INJECT_WAIT, inject_merge(&gp, &ud, &out));
	/* during #DF: benign waits, the rest is shutdown */
	assert_int_equal(INJECT_WAIT, inject_merge(&df, &ud, &out));
	assert_int_equal(INJECT_SHUTDOWN, inject_merge(&df, &gp, &out));
	assert_same_event(&df, &out);
	assert_int_equal(INJECT_SHUTDOWN, inject_merge(&df, &pf, &out));
	assert_int_equal(INJECT_SHUTDOWN, inject_merge(&df, &df, &out));
}

/* A pending event that is not a hardware exception never combines. */
static void test_merge_not_hw(void **state)
{
	const u8 types[] = {
		INJECT_TYPE_EXT_INTR, INJECT_TYPE_NMI, INJECT_TYPE_SW_INTR,
		INJECT_TYPE_PRIV_SW_EXCEPTION, INJECT_TYPE_SW_EXCEPTION,
	};
	unsigned int i, v;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		for (v = 0; v < 32; v++) {
			struct inject_event p = { .vector = v, .type = types[i], .insn_len = 2 };
			struct inject_event n = hw(v), out;

			/* pending software/NMI/interrupt, new hardware exception */
			assert_int_equal(INJECT_WAIT, inject_merge(&p, &n, &out));
			assert_same_event(&p, &out);
			/* pending hardware exception, new software/NMI */
			n = p;
			p = hw(v);
			assert_int_equal(INJECT_WAIT, inject_merge(&p, &n, &out));
			assert_same_event(&p, &out);
		}
	}
}

/* SDM Table 6-1's "Type" column: which injected exceptions push RF = 1 */
static void test_sets_rf(void **state)
{
	static const char type[22] = {
		'F', 'T', 'I', 'T', 'T', 'F', 'F', 'F', 'A', '-', 'F',
		'F', 'F', 'F', 'F', '-', 'F', 'F', 'A', 'F', 'F', 'F',
	};	/* #DB is fault or trap: injected ones are traps here */
	struct inject_event ev = { .type = INJECT_TYPE_HW_EXCEPTION };
	unsigned int v;

	(void)state;
	for (v = 0; v < 256; v++) {
		ev.vector = v;
		assert_int_equal(v < 22 && type[v] == 'F', inject_sets_rf(&ev));
	}
	/* never for an interrupt, an NMI or a software event */
	ev.vector = 13;
	ev.type = INJECT_TYPE_EXT_INTR;
	assert_false(inject_sets_rf(&ev));
	ev.type = INJECT_TYPE_SW_EXCEPTION;
	assert_false(inject_sets_rf(&ev));
	ev.type = INJECT_TYPE_NMI;
	ev.vector = 2;
	assert_false(inject_sets_rf(&ev));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_check_every_combination),
		cmocka_unit_test(test_check_named),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_merge_nothing_pending),
		cmocka_unit_test(test_merge_df_table),
		cmocka_unit_test(test_merge_named),
		cmocka_unit_test(test_merge_not_hw),
		cmocka_unit_test(test_sets_rf),
	};

	return cmocka_run_group_tests_name("inject", tests, NULL, NULL);
}
