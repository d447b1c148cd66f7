// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the guest MSR write rules (kmod/vmx/msr_rules.c), compiled
 * from the module's own source file, against values worked out here from
 * the SDM.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/vmx/msr_rules.c"

/* Each PAT entry alone, in every byte: 2 and 3 and 8..255 are refused. */
static void test_pat_entries(void **state)
{
	int byte, type;

	(void)state;
	for (byte = 0; byte < 8; byte++)
		for (type = 0; type < 256; type++) {
			u64 val = 0x0606060606060606ULL & ~(0xffULL << (8 * byte));
			bool ok = type == 0 || type == 1 || (type >= 4 && type <= 7);

			val |= (u64)type << (8 * byte);
			assert_int_equal(ok, msr_pat_valid(val));
			assert_int_equal(ok ? 0 : -EINVAL,
					 msr_write_check(MSR_RULES_PAT, val));
		}
}

static void test_pat_values(void **state)
{
	(void)state;
	/* the power-on value, Linux's, all UC */
	assert_true(msr_pat_valid(0x0007040600070406ULL));
	assert_true(msr_pat_valid(0x0007010600070106ULL));
	assert_true(msr_pat_valid(0));
	assert_false(msr_pat_valid(0x0007040600070402ULL));
	assert_false(msr_pat_valid(0x8007040600070406ULL));
	assert_false(msr_pat_valid(~0ULL));
}

static void test_mtrr_def_type(void **state)
{
	int type;

	(void)state;
	for (type = 0; type < 256; type++) {
		bool ok = type == 0 || type == 1 || (type >= 4 && type <= 6);

		assert_int_equal(ok, msr_mtrr_def_type_valid(type));
		assert_int_equal(ok, msr_mtrr_def_type_valid(type | BIT(10) | BIT(11)));
	}
	assert_true(msr_mtrr_def_type_valid(0xc06));	/* E, FE, WB: Linux's */
	assert_false(msr_mtrr_def_type_valid(0x106));	/* bit 8 */
	assert_false(msr_mtrr_def_type_valid(BIT_ULL(12) | 6));
	assert_false(msr_mtrr_def_type_valid(BIT_ULL(63) | 6));
	assert_int_equal(-EINVAL, msr_write_check(MSR_RULES_MTRR_DEF_TYPE, 7));
	assert_int_equal(0, msr_write_check(MSR_RULES_MTRR_DEF_TYPE, 0xc00));
}

static void test_efer_and_fmask(void **state)
{
	int bit;

	(void)state;
	for (bit = 0; bit < 64; bit++) {
		bool ok = bit == 0 || bit == 8 || bit == 10 || bit == 11;

		assert_int_equal(ok ? 0 : -EINVAL,
				 msr_write_check(MSR_RULES_EFER, BIT_ULL(bit)));
		assert_int_equal(bit < 32 ? 0 : -EINVAL,
				 msr_write_check(MSR_RULES_FMASK, BIT_ULL(bit)));
		assert_int_equal(bit < 32 ? 0 : -EINVAL,
				 msr_write_check(MSR_RULES_TSC_AUX, BIT_ULL(bit)));
	}
	assert_int_equal(0, msr_write_check(MSR_RULES_EFER, 0xd01));
}

static void test_canonical_bases(void **state)
{
	static const u32 bases[] = {
		MSR_RULES_FS_BASE, MSR_RULES_GS_BASE, MSR_RULES_KERNEL_GS_BASE,
		MSR_RULES_LSTAR, MSR_RULES_CSTAR, MSR_RULES_SYSENTER_ESP,
		MSR_RULES_SYSENTER_EIP,
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bases); i++) {
		assert_int_equal(0, msr_write_check(bases[i], 0x00007fffffffffffULL));
		assert_int_equal(0, msr_write_check(bases[i], 0xffff800000000000ULL));
		assert_int_equal(0, msr_write_check(bases[i], 0));
		assert_int_equal(-EINVAL, msr_write_check(bases[i], 0x0000800000000000ULL));
		assert_int_equal(-EINVAL, msr_write_check(bases[i], 0xfff0000000000000ULL));
	}
}

/* MSRs without a rule are the caller's business */
static void test_no_rule(void **state)
{
	(void)state;
	assert_int_equal(0, msr_write_check(MSR_RULES_STAR, ~0ULL));
	assert_int_equal(0, msr_write_check(0x10, ~0ULL));
}

/* IA32_SPEC_CTRL: IBRS with the MSR, the other bits with their features */
static void test_spec_ctrl(void **state)
{
	const u32 all = MSR_HOST_SPEC_CTRL | MSR_HOST_STIBP | MSR_HOST_SSBD |
			MSR_HOST_RRSBA_CTRL | MSR_HOST_BHI_CTRL;
	int bit;

	(void)state;
	assert_int_equal(0, msr_spec_ctrl_bits(0));
	assert_int_equal(0, msr_spec_ctrl_bits(all & (u32)~MSR_HOST_SPEC_CTRL));
	assert_int_equal(1, msr_spec_ctrl_bits(MSR_HOST_SPEC_CTRL));
	assert_int_equal(0x447, msr_spec_ctrl_bits(all));
	assert_int_equal(5, msr_spec_ctrl_bits(MSR_HOST_SPEC_CTRL | MSR_HOST_SSBD));
	for (bit = 0; bit < 64; bit++) {
		bool ok = BIT_ULL(bit) & 0x447;

		assert_int_equal(ok ? 0 : -EINVAL,
				 msr_spec_write_check(MSR_RULES_SPEC_CTRL,
						      BIT_ULL(bit), all));
		/* absent on the host: even 0 is #GP */
		assert_int_equal(-EINVAL,
				 msr_spec_write_check(MSR_RULES_SPEC_CTRL,
						      BIT_ULL(bit), 0));
	}
	assert_int_equal(0, msr_spec_write_check(MSR_RULES_SPEC_CTRL, 0, all));
	assert_int_equal(-EINVAL, msr_spec_write_check(MSR_RULES_SPEC_CTRL, 0, 0));
	assert_int_equal(-EINVAL, msr_spec_write_check(MSR_RULES_SPEC_CTRL, 2,
						       MSR_HOST_SPEC_CTRL));
	assert_int_equal(0, msr_spec_read_check(MSR_RULES_SPEC_CTRL, all));
	assert_int_equal(-EINVAL, msr_spec_read_check(MSR_RULES_SPEC_CTRL,
						      all & (u32)~MSR_HOST_SPEC_CTRL));
}

/* The two commands: write-only, bit 0 or nothing, where the host has them */
static void test_commands(void **state)
{
	static const struct { u32 msr, host; } cmd[] = {
		{ MSR_RULES_PRED_CMD, MSR_HOST_IBPB },
		{ MSR_RULES_FLUSH_CMD, MSR_HOST_FLUSH_L1D },
	};
	size_t i;
	int bit;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cmd); i++) {
		assert_int_equal(0, msr_spec_write_check(cmd[i].msr, 0, cmd[i].host));
		assert_int_equal(0, msr_spec_write_check(cmd[i].msr, 1, cmd[i].host));
		for (bit = 1; bit < 64; bit++)
			assert_int_equal(-EINVAL,
					 msr_spec_write_check(cmd[i].msr, BIT_ULL(bit),
							      ~0u));
		assert_int_equal(-EINVAL, msr_spec_write_check(cmd[i].msr, 1,
							       ~cmd[i].host));
		assert_int_equal(-EINVAL, msr_spec_read_check(cmd[i].msr, ~0u));
	}
	/* ARCH_CAPABILITIES is read-only */
	assert_int_equal(-EINVAL, msr_spec_write_check(MSR_RULES_ARCH_CAPS, 0, ~0u));
	assert_int_equal(0, msr_spec_read_check(MSR_RULES_ARCH_CAPS,
						MSR_HOST_ARCH_CAPS));
	assert_int_equal(-EINVAL, msr_spec_read_check(MSR_RULES_ARCH_CAPS,
						      (u32)~MSR_HOST_ARCH_CAPS));
	/* not a speculation MSR */
	assert_int_equal(-EINVAL, msr_spec_read_check(0x10, ~0u));
	assert_int_equal(-EINVAL, msr_spec_write_check(0x10, 0, ~0u));
}

/* ARCH_CAPABILITIES: descriptive bits pass, MSR-naming bits do not */
static void test_arch_caps(void **state)
{
	(void)state;
	/* PSCHANGE_MC_NO always: the guest has no VMX of its own */
	assert_int_equal(MSR_ARCH_CAP_PSCHANGE_MC_NO, msr_arch_caps_guest(0, 0));
	/* TSX_CTRL (7) and SKIP_VMENTRY_L1DFLUSH (3) withheld, FB_CLEAR kept */
	assert_int_equal(MSR_ARCH_CAP_PSCHANGE_MC_NO | BIT_ULL(17),
			 msr_arch_caps_guest(BIT_ULL(7) | BIT_ULL(3) | BIT_ULL(17), 0));
	assert_int_equal(0, msr_arch_caps_guest(~0ULL, 0) &
			 (BIT_ULL(3) | BIT_ULL(7) | BIT_ULL(63) | BIT_ULL(9)));
	/* what the host kernel knows it is not affected by */
	assert_int_equal(MSR_ARCH_CAP_PSCHANGE_MC_NO | MSR_ARCH_CAP_RDCL_NO |
			 MSR_ARCH_CAP_SSB_NO | MSR_ARCH_CAP_MDS_NO,
			 msr_arch_caps_guest(0, MSR_HOST_NO_MELTDOWN |
					     MSR_HOST_NO_SSB | MSR_HOST_NO_MDS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pat_entries),
		cmocka_unit_test(test_pat_values),
		cmocka_unit_test(test_mtrr_def_type),
		cmocka_unit_test(test_efer_and_fmask),
		cmocka_unit_test(test_canonical_bases),
		cmocka_unit_test(test_no_rule),
		cmocka_unit_test(test_spec_ctrl),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_arch_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
