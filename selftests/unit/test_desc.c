// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the descriptor-table instructions' decoding and checks
 * (kmod/vmx/desc_rules.c), compiled from the module's own source file.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/vmx/desc_rules.c"

/* instruction information: identity, address size, segment, base, index */
static u32 info(u32 id, u32 asize, u32 seg, int base, int index, u32 scale)
{
	return id << 28 | asize << 7 | seg << 15 | scale |
	       (base < 0 ? BIT(27) : (u32)base << 23) |
	       (index < 0 ? BIT(22) : (u32)index << 18);
}

static void test_decode(void **state)
{
	struct desc_insn d;

	/* SGDT, LGDT, SIDT, LIDT: always memory */
	assert_int_equal(0, desc_decode(false, info(0, 2, 3, 7, -1, 0), &d));
	assert_int_equal(THINVMX_DESC_GDTR, d.which);
	assert_false(d.load);
	assert_true(d.mem);
	assert_int_equal(8, d.addr_size);
	assert_int_equal(3, d.seg);
	assert_int_equal(7, d.base);
	assert_int_equal(DESC_NO_REG, d.index);
	assert_int_equal(0, desc_decode(false, info(1, 1, 3, 0, 1, 2), &d));
	assert_int_equal(THINVMX_DESC_IDTR, d.which);
	assert_int_equal(4, d.addr_size);
	assert_int_equal(2, d.scale);
	assert_int_equal(0, desc_decode(false, info(2, 2, 3, 0, -1, 0) | BIT(11), &d));
	assert_int_equal(THINVMX_DESC_GDTR, d.which);
	assert_true(d.load);
	assert_true(d.op32);
	assert_int_equal(0, desc_decode(false, info(3, 0, 2, -1, -1, 0), &d));
	assert_int_equal(THINVMX_DESC_IDTR, d.which);
	assert_true(d.load);
	assert_int_equal(2, d.addr_size);

	/* SLDT, STR, LLDT, LTR: a register form with bit 10 */
	assert_int_equal(0, desc_decode(true, info(0, 2, 3, -1, -1, 0) | BIT(10) | 9 << 3, &d));
	assert_int_equal(THINVMX_DESC_LDTR, d.which);
	assert_false(d.mem);
	assert_int_equal(9, d.reg);
	assert_int_equal(0, desc_decode(true, info(1, 2, 3, 6, -1, 0), &d));
	assert_int_equal(THINVMX_DESC_TR, d.which);
	assert_true(d.mem);
	assert_false(d.load);
	assert_int_equal(0, desc_decode(true, info(2, 2, 3, 6, -1, 0), &d));
	assert_int_equal(THINVMX_DESC_LDTR, d.which);
	assert_true(d.load);
	assert_int_equal(0, desc_decode(true, info(3, 2, 3, 6, -1, 0) | BIT(10), &d));
	assert_int_equal(THINVMX_DESC_TR, d.which);
	assert_true(d.load);
	assert_false(d.mem);

	/* encodings the CPU does not give */
	assert_int_equal(-EINVAL, desc_decode(true, info(0, 3, 3, 0, 0, 0), &d));
	assert_int_equal(-EINVAL, desc_decode(false, info(0, 2, 6, 0, 0, 0), &d));
}

static void test_offset(void **state)
{
	u64 gprs[16] = { 0 };
	struct desc_insn d;

	gprs[3] = 0x1000;		/* RBX */
	gprs[6] = 0x10;			/* RSI */
	desc_decode(false, info(0, 2, 3, 3, 6, 3), &d);
	assert_int_equal(0x1000 + 0x80 - 8, desc_offset(&d, (u64)-8, gprs));
	/* 32-bit and 16-bit address sizes wrap */
	gprs[3] = 0xfffffff0;
	desc_decode(false, info(0, 1, 3, 3, -1, 0), &d);
	assert_int_equal(0x10, desc_offset(&d, 0x20, gprs));
	gprs[3] = 0x1fff0;
	desc_decode(false, info(0, 0, 3, 3, -1, 0), &d);
	assert_int_equal(0x10, desc_offset(&d, 0x20, gprs));
	/* no base, no index: the displacement alone */
	desc_decode(false, info(0, 2, 3, -1, -1, 0), &d);
	assert_int_equal(0x1234, desc_offset(&d, 0x1234, gprs));
}

static void test_reg_size(void **state)
{
	static const u8 sldt_ax16[] = { 0x66, 0x0f, 0x00, 0xc0 };
	static const u8 sldt_rcx[] = { 0x48, 0x0f, 0x00, 0xc1 };
	static const u8 sldt_edx[] = { 0x0f, 0x00, 0xc2 };
	static const u8 rex_then_66[] = { 0x48, 0x66, 0x0f, 0x00, 0xc0 };
	static const u8 rex_w_66[] = { 0x66, 0x48, 0x0f, 0x00, 0xc0 };

	assert_int_equal(2, desc_reg_size(sldt_ax16, sizeof(sldt_ax16), 64));
	assert_int_equal(8, desc_reg_size(sldt_rcx, sizeof(sldt_rcx), 64));
	assert_int_equal(8, desc_reg_size(sldt_edx, sizeof(sldt_edx), 64));
	assert_int_equal(4, desc_reg_size(sldt_edx, sizeof(sldt_edx), 32));
	assert_int_equal(2, desc_reg_size(sldt_ax16, sizeof(sldt_ax16), 32));
	assert_int_equal(2, desc_reg_size(sldt_edx, sizeof(sldt_edx), 16));
	assert_int_equal(4, desc_reg_size(sldt_ax16, sizeof(sldt_ax16), 16));
	/* a REX not right before the opcode does not count */
	assert_int_equal(2, desc_reg_size(rex_then_66, sizeof(rex_then_66), 64));
	assert_int_equal(8, desc_reg_size(rex_w_66, sizeof(rex_w_66), 64));
	/* nothing fetched: the mode's default */
	assert_int_equal(8, desc_reg_size(NULL, 0, 64));
}

/* A system descriptor's first 8 bytes */
static u64 sysdesc(u64 base, u32 limit, u32 type, bool p, bool g)
{
	return (limit & 0xffff) | (base & 0xffffff) << 16 | (u64)type << 40 |
	       (u64)p << 47 | (u64)((limit >> 16) & 0xf) << 48 |
	       (u64)g << 55 | ((base >> 24) & 0xff) << 56;
}

static void test_check_system(void **state)
{
	struct desc_seg seg;

	/* an LDT in long mode, base from both halves */
	assert_int_equal(DESC_OK, desc_check_system(sysdesc(0x12345678, 0x1f, 2, 1, 0),
						    0xffff8000, true, false, &seg));
	assert_int_equal(0xffff800012345678ULL, seg.base);
	assert_int_equal(0x1f, seg.limit);
	assert_int_equal(0x82, seg.ar);
	/* a TSS for LTR: marked busy; granularity scales the limit */
	assert_int_equal(DESC_OK, desc_check_system(sysdesc(0x1000, 0x1, 9, 1, 1),
						    0, true, true, &seg));
	assert_int_equal(0x8b | BIT(15), seg.ar);
	assert_int_equal(0x1fff, seg.limit);
	/* a 16-bit TSS only outside long mode */
	assert_int_equal(DESC_OK, desc_check_system(sysdesc(0, 0x67, 1, 1, 0),
						    0, false, true, &seg));
	assert_int_equal(0x83, seg.ar);
	assert_int_equal(DESC_GP, desc_check_system(sysdesc(0, 0x67, 1, 1, 0),
						    0, true, true, &seg));
	/* wrong types: busy TSS, LDT for LTR, TSS for LLDT, a data segment */
	assert_int_equal(DESC_GP, desc_check_system(sysdesc(0, 0x67, 11, 1, 0),
						    0, true, true, &seg));
	assert_int_equal(DESC_GP, desc_check_system(sysdesc(0, 0x67, 2, 1, 0),
						    0, true, true, &seg));
	assert_int_equal(DESC_GP, desc_check_system(sysdesc(0, 0x67, 9, 1, 0),
						    0, true, false, &seg));
	assert_int_equal(DESC_GP, desc_check_system(sysdesc(0, 0x67, 2, 1, 0) | BIT_ULL(44),
						    0, true, false, &seg));
	/* the upper half's type, a base that is not canonical */
	assert_int_equal(DESC_GP, desc_check_system(sysdesc(0, 0x67, 2, 1, 0),
						    1ULL << 40, true, false, &seg));
	assert_int_equal(DESC_GP, desc_check_system(sysdesc(0, 0x67, 2, 1, 0),
						    0x00008000, true, false, &seg));
	/* not present: #NP, after the type checks */
	assert_int_equal(DESC_NP, desc_check_system(sysdesc(0, 0x67, 2, 0, 0),
						    0, true, false, &seg));
	assert_int_equal(DESC_GP, desc_check_system(sysdesc(0, 0x67, 5, 0, 0),
						    0, true, false, &seg));
}

static void test_canonical(void **state)
{
	assert_true(desc_canonical(0, 48));
	assert_true(desc_canonical(0x00007fffffffffffULL, 48));
	assert_false(desc_canonical(0x0000800000000000ULL, 48));
	assert_true(desc_canonical(0xffff800000000000ULL, 48));
	assert_false(desc_canonical(0x8000000000000000ULL, 48));
	assert_true(desc_canonical(0x00ffffffffffffffULL, 57));
	assert_false(desc_canonical(0x0100000000000000ULL, 57));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_offset),
		cmocka_unit_test(test_reg_size),
		cmocka_unit_test(test_check_system),
		cmocka_unit_test(test_canonical),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
