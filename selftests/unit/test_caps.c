// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the VMX capability evaluation (kmod/vmx/caps.c), compiled
 * from the module's own source file.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/vmx/caps.c"
#include "msr_fixtures.h"

static struct vmx_msrs full_cpu(void)
{
	return bochs_skylake_x;
}

static void test_adjust_ctl_sets_required_optional_and_forced(void **state)
{
	const struct vmx_ctl_spec spec = {
		.required = BIT(0) | BIT(3),
		.optional = BIT(5) | BIT(6),
	};
	/* allowed-0: bits 1,2 must be 1; allowed-1: 0,1,2,3,5 */
	u64 msr = ((u64)0x2f << 32) | 0x06;
	u32 val, missing;

	(void)state;
	assert_int_equal(0, vmx_adjust_ctl(&spec, msr, &val, &missing));
	assert_int_equal(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(5), val);
	assert_int_equal(0, missing);
}

static void test_adjust_ctl_reports_missing_required(void **state)
{
	const struct vmx_ctl_spec spec = { .required = BIT(0) | BIT(7) };
	u64 msr = (u64)BIT(0) << 32;
	u32 val, missing;

	(void)state;
	assert_int_equal(-EOPNOTSUPP, vmx_adjust_ctl(&spec, msr, &val, &missing));
	assert_int_equal(BIT(7), missing);
	assert_int_equal(BIT(0), val);
}

static void test_adjust_ctl_toggled_must_be_allowed_not_set(void **state)
{
	const struct vmx_ctl_spec spec = { .required = BIT(0), .toggled = BIT(9) };
	u32 val, missing;

	(void)state;
	assert_int_equal(0, vmx_adjust_ctl(&spec, (u64)(BIT(0) | BIT(9)) << 32,
					   &val, &missing));
	assert_int_equal(BIT(0), val);
	assert_int_equal(-EOPNOTSUPP, vmx_adjust_ctl(&spec, (u64)BIT(0) << 32,
						     &val, &missing));
	assert_int_equal(BIT(9), missing);
}

static void test_bochs_skylake_x_is_usable(void **state)
{
	struct vmx_msrs m = bochs_skylake_x;
	struct thinvmx_caps caps;

	(void)state;
	memset(&caps, 0xa5, sizeof(caps));
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_int_equal(THINVMX_VMX_OK, caps.vmx_status);
	assert_int_equal(THINVMX_CTL_NONE, caps.detail_ctl);
	assert_int_equal(0, caps.detail_bits);
	assert_int_equal(0x2b, caps.vmcs_revision);
	assert_int_equal(4096, caps.vmcs_size);
	assert_int_equal(bochs_skylake_x_expected.pin_ctls, caps.pin_ctls);
	assert_int_equal(bochs_skylake_x_expected.proc_ctls, caps.proc_ctls);
	assert_int_equal(bochs_skylake_x_expected.proc2_ctls, caps.proc2_ctls);
	assert_int_equal(bochs_skylake_x_expected.exit_ctls, caps.exit_ctls);
	assert_int_equal(bochs_skylake_x_expected.entry_ctls, caps.entry_ctls);
	assert_int_equal(bochs_skylake_x_expected.features, caps.features);
	assert_int_equal(m.ept_vpid_cap, caps.msr_ept_vpid_cap);
	assert_int_equal(m.true_procbased, caps.msr_true_procbased);
}

static void test_bochs_haswell_is_usable_without_pml(void **state)
{
	struct vmx_msrs m = bochs_haswell_4770;
	struct thinvmx_caps caps;

	(void)state;
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_int_equal(THINVMX_VMX_OK, caps.vmx_status);
	assert_false(caps.features & THINVMX_FEAT_PML);
	assert_true(caps.features & THINVMX_FEAT_UNRESTRICTED);
}

static void test_required_bits_are_set_and_cr3_exiting_is_not(void **state)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;

	(void)state;
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_int_equal(vmx_pin_spec.required,
			 caps.pin_ctls & vmx_pin_spec.required);
	assert_int_equal(vmx_proc_spec.required,
			 caps.proc_ctls & vmx_proc_spec.required);
	assert_int_equal(VMX_PROC2_EPT, caps.proc2_ctls & VMX_PROC2_EPT);
	assert_int_equal(vmx_exit_spec.required,
			 caps.exit_ctls & vmx_exit_spec.required);
	assert_int_equal(vmx_entry_spec.required,
			 caps.entry_ctls & vmx_entry_spec.required);
	/* TRUE_PROCBASED_CTLS lets CR3 exiting be 0; it is off until monitored */
	assert_false(caps.proc_ctls & VMX_PROC_CR3_LOAD_EXITING);
	assert_false(caps.proc_ctls & VMX_PROC_CR3_STORE_EXITING);
	/* toggled at run time, never in the base value */
	assert_false(caps.entry_ctls & VMX_ENTRY_IA32E_MODE);
	assert_false(caps.proc_ctls & VMX_PROC_MONITOR_TRAP_FLAG);
}

static void test_plain_ctls_used_without_true_ctls(void **state)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;

	(void)state;
	m.basic &= ~VMXCAP_BASIC_TRUE_CTLS;
	/* the plain MSR forces CR3 load/store exiting to 1 (default1 class) */
	m.procbased |= VMX_PROC_CR3_LOAD_EXITING | VMX_PROC_CR3_STORE_EXITING;
	m.true_procbased = 0;	/* would fail everything if it were used */
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_true(caps.proc_ctls & VMX_PROC_CR3_LOAD_EXITING);
	assert_true(caps.proc_ctls & VMX_PROC_CR3_STORE_EXITING);
	assert_false(caps.features & THINVMX_FEAT_TRUE_CTLS);
}

static void test_no_cpuid_vmx(void **state)
{
	struct vmx_msrs m;
	struct thinvmx_caps caps;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.cpuid1_ecx = 0x80202001;	/* QEMU TCG's "max": no VMX */
	assert_int_equal(-EOPNOTSUPP, vmx_caps_evaluate(&m, &caps));
	assert_int_equal(THINVMX_VMX_NO_CPUID, caps.vmx_status);
	assert_int_equal(0, caps.features);
	assert_int_equal(0, caps.proc_ctls);
}

static void test_feature_control(void **state)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;

	(void)state;
	m.feature_control = VMXCAP_FEATCTL_VMX_OUTSIDE_SMX;
	assert_int_equal(-EOPNOTSUPP, vmx_caps_evaluate(&m, &caps));
	assert_int_equal(THINVMX_VMX_FEATCTL_UNLOCKED, caps.vmx_status);

	m.feature_control = VMXCAP_FEATCTL_LOCKED | VMXCAP_FEATCTL_VMX_INSIDE_SMX;
	assert_int_equal(-EOPNOTSUPP, vmx_caps_evaluate(&m, &caps));
	assert_int_equal(THINVMX_VMX_FIRMWARE_DISABLED, caps.vmx_status);
	assert_int_equal(VMXCAP_FEATCTL_VMX_OUTSIDE_SMX, caps.detail_bits);
	assert_int_equal(0, caps.features);

	m.fault_msr = VMX_MSR_FEATURE_CONTROL;
	assert_int_equal(-EOPNOTSUPP, vmx_caps_evaluate(&m, &caps));
	assert_int_equal(THINVMX_VMX_MSR_FAULT, caps.vmx_status);
	assert_int_equal(VMX_MSR_FEATURE_CONTROL, caps.detail_bits);
}

static void test_msr_fault_names_msr(void **state)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;

	(void)state;
	m.fault_msr = VMX_MSR_EPT_VPID_CAP;
	assert_int_equal(-EOPNOTSUPP, vmx_caps_evaluate(&m, &caps));
	assert_int_equal(THINVMX_VMX_MSR_FAULT, caps.vmx_status);
	assert_int_equal(VMX_MSR_EPT_VPID_CAP, caps.detail_bits);
}

static void expect_bad_basic(u64 basic, u64 detail)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;

	m.basic = basic;
	assert_int_equal(-EOPNOTSUPP, vmx_caps_evaluate(&m, &caps));
	assert_int_equal(THINVMX_VMX_BAD_BASIC, caps.vmx_status);
	assert_int_equal(detail, caps.detail_bits);
	assert_int_equal(0, caps.pin_ctls);
}

static void test_bad_basic(void **state)
{
	u64 good = bochs_skylake_x.basic;

	(void)state;
	expect_bad_basic(good & ~VMXCAP_BASIC_SIZE_MASK, VMXCAP_BASIC_SIZE_MASK);
	expect_bad_basic((good & ~VMXCAP_BASIC_SIZE_MASK) | (4097ULL << 32),
			 VMXCAP_BASIC_SIZE_MASK);
	expect_bad_basic(good | VMXCAP_BASIC_32BIT_ADDR, VMXCAP_BASIC_32BIT_ADDR);
	expect_bad_basic(good & ~VMXCAP_BASIC_MEMTYPE_MASK,
			 VMXCAP_BASIC_MEMTYPE_MASK);
}

/* Clear allowed-1 bits of one control MSR and expect that set to be named. */
static void expect_missing(u64 *msr, u32 clear, u32 ctl)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;
	u64 *field = (u64 *)((char *)&m + ((char *)msr - (char *)&bochs_skylake_x));

	*field &= ~((u64)clear << 32);
	*field &= ~(u64)clear;	/* and never forced either */
	assert_int_equal(-EOPNOTSUPP, vmx_caps_evaluate(&m, &caps));
	assert_int_equal(THINVMX_VMX_MISSING_CONTROL, caps.vmx_status);
	assert_int_equal(ctl, caps.detail_ctl);
	assert_int_equal(clear, caps.detail_bits);
	assert_int_equal(0, caps.pin_ctls | caps.proc_ctls | caps.proc2_ctls |
			 caps.exit_ctls | caps.entry_ctls);
	assert_int_equal(0, caps.features);
}

static void test_missing_required_controls(void **state)
{
	struct vmx_msrs *b = (struct vmx_msrs *)&bochs_skylake_x;

	(void)state;
	expect_missing(&b->true_pinbased, VMX_PIN_NMI_EXITING, THINVMX_CTL_PIN);
	expect_missing(&b->true_procbased, VMX_PROC_HLT_EXITING, THINVMX_CTL_PROC);
	expect_missing(&b->true_procbased, VMX_PROC_USE_MSR_BITMAPS |
		       VMX_PROC_UNCOND_IO_EXITING, THINVMX_CTL_PROC);
	expect_missing(&b->procbased2, VMX_PROC2_EPT, THINVMX_CTL_PROC2);
	expect_missing(&b->true_exit, VMX_EXIT_LOAD_IA32_EFER, THINVMX_CTL_EXIT);
	expect_missing(&b->true_exit, VMX_EXIT_HOST_ADDR_SPACE_SIZE,
		       THINVMX_CTL_EXIT);
	expect_missing(&b->true_entry, VMX_ENTRY_LOAD_IA32_EFER,
		       THINVMX_CTL_ENTRY);
	expect_missing(&b->true_entry, VMX_ENTRY_IA32E_MODE, THINVMX_CTL_ENTRY);
}

static void test_optional_controls_dropped_when_absent(void **state)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;

	(void)state;
	m.procbased2 &= ~((u64)(VMX_PROC2_UNRESTRICTED_GUEST | VMX_PROC2_VPID) << 32);
	m.true_pinbased &= ~((u64)VMX_PIN_VIRTUAL_NMIS << 32);
	m.true_exit &= ~((u64)VMX_EXIT_LOAD_IA32_PAT << 32);
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_false(caps.proc2_ctls & VMX_PROC2_UNRESTRICTED_GUEST);
	assert_false(caps.proc2_ctls & VMX_PROC2_VPID);
	assert_false(caps.pin_ctls & VMX_PIN_VIRTUAL_NMIS);
	assert_false(caps.features & (THINVMX_FEAT_UNRESTRICTED |
				      THINVMX_FEAT_VPID | THINVMX_FEAT_PAT |
				      THINVMX_FEAT_VIRTUAL_NMI));
	assert_true(caps.features & THINVMX_FEAT_EPT);
}

/* Notify VM exits: used where offered (not in Bochs's models) */
static void test_notify_exits_when_offered(void **state)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;

	(void)state;
	m.procbased2 |= (u64)VMX_PROC2_NOTIFY_EXITING << 32;
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_true(caps.proc2_ctls & VMX_PROC2_NOTIFY_EXITING);
	assert_true(caps.features & THINVMX_FEAT_NOTIFY);
	m.procbased2 &= ~((u64)VMX_PROC2_NOTIFY_EXITING << 32);
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_false(caps.proc2_ctls & VMX_PROC2_NOTIFY_EXITING);
	assert_false(caps.features & THINVMX_FEAT_NOTIFY);
}

/* APIC virtualization: all four controls allowed, or not offered */
static void test_apic_virt_needs_all_its_controls(void **state)
{
	static const u32 proc2[] = {
		VMX_PROC2_VIRT_APIC_ACCESSES, VMX_PROC2_APIC_REG_VIRT,
		VMX_PROC2_VIRT_INTR_DELIVERY,
	};
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++)
		m.procbased2 |= (u64)proc2[i] << 32;
	m.procbased |= (u64)VMX_PROC_TPR_SHADOW << 32;
	m.true_procbased |= (u64)VMX_PROC_TPR_SHADOW << 32;
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_true(caps.features & THINVMX_FEAT_APIC_VIRT);
	for (i = 0; i < 3; i++) {
		struct vmx_msrs n = m;

		n.procbased2 &= ~((u64)proc2[i] << 32);
		assert_int_equal(0, vmx_caps_evaluate(&n, &caps));
		assert_false(caps.features & THINVMX_FEAT_APIC_VIRT);
	}
	m.procbased &= ~((u64)VMX_PROC_TPR_SHADOW << 32);
	m.true_procbased &= ~((u64)VMX_PROC_TPR_SHADOW << 32);
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_false(caps.features & THINVMX_FEAT_APIC_VIRT);
}

static void expect_missing_ept(u64 clear, u64 detail)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;

	m.ept_vpid_cap &= ~clear;
	assert_int_equal(-EOPNOTSUPP, vmx_caps_evaluate(&m, &caps));
	assert_int_equal(THINVMX_VMX_MISSING_EPT, caps.vmx_status);
	assert_int_equal(THINVMX_CTL_EPT_VPID, caps.detail_ctl);
	assert_int_equal(detail, caps.detail_bits);
}

static void test_missing_ept_caps(void **state)
{
	(void)state;
	expect_missing_ept(VMXCAP_EPT_WALK_4, VMXCAP_EPT_WALK_4);
	expect_missing_ept(VMXCAP_EPT_MEMTYPE_WB, VMXCAP_EPT_MEMTYPE_WB);
	expect_missing_ept(VMXCAP_EPT_INVEPT, VMXCAP_EPT_INVEPT);
	expect_missing_ept(VMXCAP_EPT_INVEPT_SINGLE | VMXCAP_EPT_INVEPT_ALL,
			   VMXCAP_EPT_INVEPT_SINGLE | VMXCAP_EPT_INVEPT_ALL);
}

static void test_one_invept_type_is_enough(void **state)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;

	(void)state;
	m.ept_vpid_cap &= ~VMXCAP_EPT_INVEPT_SINGLE;
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_false(caps.features & THINVMX_FEAT_INVEPT_SINGLE);
}

static void test_ept_page_size_features(void **state)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;

	(void)state;
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_true(caps.features & THINVMX_FEAT_EPT_2M);
	assert_true(caps.features & THINVMX_FEAT_EPT_1G);
	m.ept_vpid_cap &= ~(VMXCAP_EPT_1G_PAGES | VMXCAP_EPT_AD);
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_true(caps.features & THINVMX_FEAT_EPT_2M);
	assert_false(caps.features & THINVMX_FEAT_EPT_1G);
	assert_false(caps.features & THINVMX_FEAT_EPT_AD);
}

static void test_vpid_needs_invvpid(void **state)
{
	struct vmx_msrs m = full_cpu();
	struct thinvmx_caps caps;

	(void)state;
	m.ept_vpid_cap &= ~VMXCAP_VPID_INVVPID;
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_false(caps.proc2_ctls & VMX_PROC2_VPID);
	assert_false(caps.features & THINVMX_FEAT_VPID);

	m = full_cpu();
	m.ept_vpid_cap &= ~(VMXCAP_VPID_INVVPID_SINGLE | VMXCAP_VPID_INVVPID_ALL);
	assert_int_equal(0, vmx_caps_evaluate(&m, &caps));
	assert_false(caps.proc2_ctls & VMX_PROC2_VPID);
}

static void test_evaluate_is_idempotent_over_stale_output(void **state)
{
	struct vmx_msrs bad = full_cpu(), good = full_cpu();
	struct thinvmx_caps caps, fresh;

	(void)state;
	bad.feature_control = 0;
	memset(&fresh, 0, sizeof(fresh));
	assert_int_equal(0, vmx_caps_evaluate(&good, &fresh));
	memset(&caps, 0, sizeof(caps));
	vmx_caps_evaluate(&bad, &caps);
	assert_int_equal(0, vmx_caps_evaluate(&good, &caps));
	assert_memory_equal(&fresh, &caps, sizeof(caps));
}

static void test_msrs_equal_compares_every_field(void **state)
{
	struct vmx_msrs a = full_cpu(), b;
	size_t off;

	(void)state;
	b = a;
	assert_true(vmx_msrs_equal(&a, &b));
	/* every byte of the struct is a field: no padding */
	for (off = 0; off < sizeof(b); off++) {
		b = a;
		((unsigned char *)&b)[off] ^= 0x10;
		assert_false(vmx_msrs_equal(&a, &b));
	}
}

static void test_names(void **state)
{
	u32 s;

	(void)state;
	for (s = 0; s <= THINVMX_VMX_STATUS_MAX; s++)
		assert_string_not_equal("unknown status", vmx_status_name(s));
	assert_string_equal("unknown status",
			    vmx_status_name(THINVMX_VMX_STATUS_MAX + 1));
	assert_string_equal("unknown status", vmx_status_name(0xffffffff));
	for (s = THINVMX_CTL_NONE; s <= THINVMX_CTL_EPT_VPID; s++)
		assert_string_not_equal("unknown", vmx_ctl_name(s));
	assert_string_equal("unknown", vmx_ctl_name(THINVMX_CTL_EPT_VPID + 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adjust_ctl_sets_required_optional_and_forced),
		cmocka_unit_test(test_adjust_ctl_reports_missing_required),
		cmocka_unit_test(test_adjust_ctl_toggled_must_be_allowed_not_set),
		cmocka_unit_test(test_bochs_skylake_x_is_usable),
		cmocka_unit_test(test_bochs_haswell_is_usable_without_pml),
		cmocka_unit_test(test_required_bits_are_set_and_cr3_exiting_is_not),
		cmocka_unit_test(test_plain_ctls_used_without_true_ctls),
		cmocka_unit_test(test_no_cpuid_vmx),
		cmocka_unit_test(test_feature_control),
		cmocka_unit_test(test_msr_fault_names_msr),
		cmocka_unit_test(test_bad_basic),
		cmocka_unit_test(test_missing_required_controls),
		cmocka_unit_test(test_optional_controls_dropped_when_absent),
		cmocka_unit_test(test_notify_exits_when_offered),
		cmocka_unit_test(test_apic_virt_needs_all_its_controls),
		cmocka_unit_test(test_missing_ept_caps),
		cmocka_unit_test(test_one_invept_type_is_enough),
		cmocka_unit_test(test_ept_page_size_features),
		cmocka_unit_test(test_vpid_needs_invvpid),
		cmocka_unit_test(test_evaluate_is_idempotent_over_stale_output),
		cmocka_unit_test(test_msrs_equal_compares_every_field),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("vmx_caps", tests, NULL, NULL);
}
