// SPDX-License-Identifier: GPL-2.0
/*
 * VMX capability evaluation: pure logic, compiled into the module and into
 * the host unit tests (selftests/unit/test_caps.c).
 *
 * The controls thinvmx needs are data (vmx_*_spec below). Each is adjusted
 * once, at module load, against the capability MSRs (SDM Appendix A.3-A.5):
 * bits the CPU reports allowed-0 = 1 are forced on, bits whose allowed-1 is
 * 0 are dropped. A required bit the CPU lacks makes VMX unusable with a
 * reason naming the control set and the bits, instead of an opaque
 * VM-entry failure later.
 */
#include "caps.h"
#include "vmx_bits.h"

/*
 * External interrupts and NMIs always exit so the host keeps its CPU; the
 * host acknowledges them itself (no ACK_INTR_ON_EXIT) by enabling interrupts
 * after the exit. Virtual NMIs give NMI blocking for injected NMIs. The
 * preemption timer is a backstop that bounds how long one entry can last:
 * Bochs, for one, delivers no external-interrupt exit while the guest has
 * RFLAGS.IF clear, so a guest spinning with interrupts off would otherwise
 * keep the host CPU (real CPUs exit regardless of IF, SDM 26.2).
 */
static const struct vmx_ctl_spec vmx_pin_spec = {
	.required = VMX_PIN_EXT_INTR_EXITING | VMX_PIN_NMI_EXITING,
	.optional = VMX_PIN_VIRTUAL_NMIS | VMX_PIN_PREEMPTION_TIMER,
};

/*
 * Everything that could reach host state exits: port I/O unconditionally
 * (the VMM emulates all of it), MSRs through a bitmap, MOV DR (the debug
 * registers are the host's), RDPMC (host counters), MONITOR/MWAIT, and MOV
 * to and from CR8: without a TPR shadow a guest's CR8 is the physical
 * local APIC's TPR, and a guest writing 15 there would block every
 * interrupt of the host CPU (KVM never runs a guest without one or the
 * other either). CR3
 * load/store exiting is absent here: it is toggled only while CR3 is
 * monitored (reference 002), and TRUE_PROCBASED_CTLS lets it be 0. TSC
 * offsetting gives each vCPU its own IA32_TSC, which the guest may write
 * (vmx/exit_reg.c), while RDTSC stays without an exit.
 */
static const struct vmx_ctl_spec vmx_proc_spec = {
	.required = VMX_PROC_HLT_EXITING | VMX_PROC_MWAIT_EXITING |
		    VMX_PROC_RDPMC_EXITING | VMX_PROC_MOV_DR_EXITING |
		    VMX_PROC_UNCOND_IO_EXITING | VMX_PROC_USE_MSR_BITMAPS |
		    VMX_PROC_MONITOR_EXITING | VMX_PROC_SECONDARY_CONTROLS |
		    VMX_PROC_CR8_LOAD_EXITING | VMX_PROC_CR8_STORE_EXITING |
		    VMX_PROC_TSC_OFFSETTING,
};

/*
 * EPT is the one thing thinvmx cannot do without. Unrestricted guest is
 * optional: without it real mode needs the identity page table and VM86 TSS
 * helpers (DESIGN.md, reference 003). RDTSCP, INVPCID and XSAVES are enabled
 * when offered because a guest that sees them in CPUID and executes them
 * would otherwise get #UD. Notify VM exits, where the CPU has them, end a
 * guest's stretch without an instruction boundary (a microcode loop of
 * event deliveries) that no interrupt could otherwise break.
 */
static const struct vmx_ctl_spec vmx_proc2_spec = {
	.required = VMX_PROC2_EPT,
	.optional = VMX_PROC2_VPID | VMX_PROC2_UNRESTRICTED_GUEST |
		    VMX_PROC2_RDTSCP | VMX_PROC2_INVPCID | VMX_PROC2_XSAVES |
		    VMX_PROC2_WBINVD_EXITING | VMX_PROC2_NOTIFY_EXITING,
};

/*
 * The host is 64-bit and has its own EFER; PAT is switched when possible.
 * DR7 and IA32_DEBUGCTL are switched too (the debug controls): without
 * them the guest ran with the host's, the VMM thread's hardware
 * breakpoints armed in it.
 */
static const struct vmx_ctl_spec vmx_exit_spec = {
	.required = VMX_EXIT_HOST_ADDR_SPACE_SIZE | VMX_EXIT_SAVE_IA32_EFER |
		    VMX_EXIT_LOAD_IA32_EFER | VMX_EXIT_SAVE_DEBUG_CONTROLS,
	.optional = VMX_EXIT_SAVE_IA32_PAT | VMX_EXIT_LOAD_IA32_PAT,
};

/* IA32E_MODE is set per vCPU while its guest runs in long mode. */
static const struct vmx_ctl_spec vmx_entry_spec = {
	.required = VMX_ENTRY_LOAD_IA32_EFER | VMX_ENTRY_LOAD_DEBUG_CONTROLS,
	.optional = VMX_ENTRY_LOAD_IA32_PAT,
	.toggled = VMX_ENTRY_IA32E_MODE,
};

/*
 * EPT as thinvmx builds it: 4-level tables, write-back paging structures,
 * and INVEPT of at least one context type (single context preferred).
 */
#define VMXCAP_EPT_REQUIRED	(VMXCAP_EPT_WALK_4 | VMXCAP_EPT_MEMTYPE_WB | VMXCAP_EPT_INVEPT)
#define VMXCAP_EPT_INVEPT_TYPES	(VMXCAP_EPT_INVEPT_SINGLE | VMXCAP_EPT_INVEPT_ALL)
#define VMXCAP_VPID_INVVPID_TYPES	(VMXCAP_VPID_INVVPID_SINGLE | VMXCAP_VPID_INVVPID_ALL)

/**
 * vmx_adjust_ctl() - adjust a control set to a capability MSR
 * @spec:	what thinvmx needs of this control set
 * @cap_msr:	the capability MSR: allowed-0 settings in bits 31:0, allowed-1
 *		settings in bits 63:32 (SDM A.3.1)
 * @result:	the value to program: required and optional bits the CPU
 *		allows, plus every bit it forces to 1
 * @missing:	required or toggled bits the CPU does not allow
 *
 * Return:
 * * 0		- every required and toggled bit is allowed
 * * -EOPNOTSUPP - @missing is not 0; @result is still computed
 */
int vmx_adjust_ctl(const struct vmx_ctl_spec *spec, u64 cap_msr, u32 *result,
		   u32 *missing)
{
	u32 must_be_1 = (u32)cap_msr;
	u32 may_be_1 = (u32)(cap_msr >> 32);

	*result = ((spec->required | spec->optional) & may_be_1) | must_be_1;
	*missing = (spec->required | spec->toggled) & ~may_be_1;
	return *missing ? -EOPNOTSUPP : 0;
}

static int vmx_fail(struct thinvmx_caps *caps, u32 status, u32 ctl, u64 bits)
{
	caps->vmx_status = status;
	caps->detail_ctl = ctl;
	caps->detail_bits = bits;
	return -EOPNOTSUPP;
}

static void vmx_copy_msrs(const struct vmx_msrs *m, struct thinvmx_caps *caps)
{
	caps->cpuid1_ecx = m->cpuid1_ecx;
	caps->msr_feature_control = m->feature_control;
	caps->msr_basic = m->basic;
	caps->msr_pinbased = m->pinbased;
	caps->msr_procbased = m->procbased;
	caps->msr_procbased2 = m->procbased2;
	caps->msr_exit = m->exit;
	caps->msr_entry = m->entry;
	caps->msr_true_pinbased = m->true_pinbased;
	caps->msr_true_procbased = m->true_procbased;
	caps->msr_true_exit = m->true_exit;
	caps->msr_true_entry = m->true_entry;
	caps->msr_misc = m->misc;
	caps->msr_ept_vpid_cap = m->ept_vpid_cap;
	caps->msr_cr0_fixed0 = m->cr0_fixed0;
	caps->msr_cr0_fixed1 = m->cr0_fixed1;
	caps->msr_cr4_fixed0 = m->cr4_fixed0;
	caps->msr_cr4_fixed1 = m->cr4_fixed1;
}

static int vmx_check_basic(u64 basic, struct thinvmx_caps *caps)
{
	u64 size = (basic & VMXCAP_BASIC_SIZE_MASK) >> VMXCAP_BASIC_SIZE_SHIFT;
	u64 memtype = (basic & VMXCAP_BASIC_MEMTYPE_MASK) >> VMXCAP_BASIC_MEMTYPE_SHIFT;

	caps->vmcs_revision = basic & VMXCAP_BASIC_REVISION_MASK;
	caps->vmcs_size = size;
	/* The VMXON region and each VMCS are one 4 KiB page. */
	if (size == 0 || size > 4096)
		return vmx_fail(caps, THINVMX_VMX_BAD_BASIC, THINVMX_CTL_NONE,
				VMXCAP_BASIC_SIZE_MASK);
	/* Bit 48 limits VMX structures to 32-bit addresses: never on x86-64. */
	if (basic & VMXCAP_BASIC_32BIT_ADDR)
		return vmx_fail(caps, THINVMX_VMX_BAD_BASIC, THINVMX_CTL_NONE,
				VMXCAP_BASIC_32BIT_ADDR);
	if (memtype != VMXCAP_BASIC_MEMTYPE_WB)
		return vmx_fail(caps, THINVMX_VMX_BAD_BASIC, THINVMX_CTL_NONE,
				VMXCAP_BASIC_MEMTYPE_MASK);
	return 0;
}

static int vmx_check_ctl(const struct vmx_ctl_spec *spec, u64 cap_msr, u32 ctl,
			 u32 *result, struct thinvmx_caps *caps)
{
	u32 missing;

	if (vmx_adjust_ctl(spec, cap_msr, result, &missing))
		return vmx_fail(caps, THINVMX_VMX_MISSING_CONTROL, ctl, missing);
	return 0;
}

static int vmx_check_ept(u64 cap, struct thinvmx_caps *caps)
{
	u64 missing = VMXCAP_EPT_REQUIRED & ~cap;

	if (!(cap & VMXCAP_EPT_INVEPT_TYPES))
		missing |= VMXCAP_EPT_INVEPT_TYPES;
	if (missing)
		return vmx_fail(caps, THINVMX_VMX_MISSING_EPT,
				THINVMX_CTL_EPT_VPID, missing);
	return 0;
}

static u64 vmx_features(const struct vmx_msrs *m, const struct thinvmx_caps *caps)
{
	u64 proc = m->basic & VMXCAP_BASIC_TRUE_CTLS ? m->true_procbased : m->procbased;
	u64 f = THINVMX_FEAT_EPT;

#define FEAT_IF(cond, feat) do { if (cond) f |= (feat); } while (0)
	FEAT_IF(m->ept_vpid_cap & VMXCAP_EPT_2M_PAGES, THINVMX_FEAT_EPT_2M);
	FEAT_IF(m->ept_vpid_cap & VMXCAP_EPT_1G_PAGES, THINVMX_FEAT_EPT_1G);
	FEAT_IF(m->ept_vpid_cap & VMXCAP_EPT_AD, THINVMX_FEAT_EPT_AD);
	FEAT_IF(m->ept_vpid_cap & VMXCAP_EPT_EXEC_ONLY, THINVMX_FEAT_EPT_EXEC_ONLY);
	FEAT_IF(m->ept_vpid_cap & VMXCAP_EPT_INVEPT_SINGLE, THINVMX_FEAT_INVEPT_SINGLE);
	FEAT_IF(caps->proc2_ctls & VMX_PROC2_VPID, THINVMX_FEAT_VPID);
	FEAT_IF((caps->proc2_ctls & VMX_PROC2_VPID) &&
		(m->ept_vpid_cap & VMXCAP_VPID_INVVPID_SINGLE),
		THINVMX_FEAT_INVVPID_SINGLE);
	FEAT_IF(caps->proc2_ctls & VMX_PROC2_UNRESTRICTED_GUEST,
		THINVMX_FEAT_UNRESTRICTED);
	FEAT_IF(caps->proc2_ctls & VMX_PROC2_RDTSCP, THINVMX_FEAT_RDTSCP);
	FEAT_IF(caps->proc2_ctls & VMX_PROC2_INVPCID, THINVMX_FEAT_INVPCID);
	FEAT_IF(caps->proc2_ctls & VMX_PROC2_XSAVES, THINVMX_FEAT_XSAVES);
	FEAT_IF((m->procbased2 >> 32) & VMX_PROC2_PML, THINVMX_FEAT_PML);
	FEAT_IF((proc >> 32) & VMX_PROC_MONITOR_TRAP_FLAG, THINVMX_FEAT_MTF);
	FEAT_IF(caps->pin_ctls & VMX_PIN_VIRTUAL_NMIS, THINVMX_FEAT_VIRTUAL_NMI);
	FEAT_IF(m->basic & VMXCAP_BASIC_TRUE_CTLS, THINVMX_FEAT_TRUE_CTLS);
	FEAT_IF((caps->exit_ctls & VMX_EXIT_LOAD_IA32_PAT) &&
		(caps->entry_ctls & VMX_ENTRY_LOAD_IA32_PAT), THINVMX_FEAT_PAT);
	FEAT_IF(m->misc & VMXCAP_MISC_ACT_HLT, THINVMX_FEAT_ACT_HLT);
	FEAT_IF(caps->proc2_ctls & VMX_PROC2_NOTIFY_EXITING, THINVMX_FEAT_NOTIFY);
	/* every control lapic/lapic.c's virtualization turns on, allowed */
	FEAT_IF(((proc >> 32) & VMX_PROC_TPR_SHADOW) &&
		((m->procbased2 >> 32) & (VMX_PROC2_VIRT_APIC_ACCESSES |
					  VMX_PROC2_APIC_REG_VIRT |
					  VMX_PROC2_VIRT_INTR_DELIVERY)) ==
		(VMX_PROC2_VIRT_APIC_ACCESSES | VMX_PROC2_APIC_REG_VIRT |
		 VMX_PROC2_VIRT_INTR_DELIVERY) &&
		(caps->pin_ctls & VMX_PIN_EXT_INTR_EXITING),
		THINVMX_FEAT_APIC_VIRT);
#undef FEAT_IF
	return f;
}

/**
 * vmx_caps_evaluate() - decide whether and how thinvmx can use VMX
 * @m:		one CPU's CPUID.1:ECX and capability MSRs
 * @caps:	filled with the raw MSRs, the status and its detail, and, when
 *		usable, the control values and feature bits. nr_cpus,
 *		detail_cpu and reserved are left as the caller set them.
 *
 * Checks run in the order a human would debug them: CPUID, firmware lock,
 * unreadable MSRs, IA32_VMX_BASIC, then each control set and EPT.
 *
 * Return:
 * * 0		- VMX usable; caps->vmx_status is THINVMX_VMX_OK
 * * -EOPNOTSUPP - not usable; caps->vmx_status and the detail say why
 */
int vmx_caps_evaluate(const struct vmx_msrs *m, struct thinvmx_caps *caps)
{
	bool true_ctls = m->basic & VMXCAP_BASIC_TRUE_CTLS;
	int ret;

	caps->vmx_status = THINVMX_VMX_OK;
	caps->detail_ctl = THINVMX_CTL_NONE;
	caps->detail_bits = 0;
	caps->features = 0;
	caps->pin_ctls = 0;
	caps->proc_ctls = 0;
	caps->proc2_ctls = 0;
	caps->exit_ctls = 0;
	caps->entry_ctls = 0;
	caps->vmcs_revision = 0;
	caps->vmcs_size = 0;
	vmx_copy_msrs(m, caps);

	if (!(m->cpuid1_ecx & VMX_CPUID1_ECX_VMX))
		return vmx_fail(caps, THINVMX_VMX_NO_CPUID, THINVMX_CTL_NONE,
				VMX_CPUID1_ECX_VMX);
	if (m->fault_msr == VMX_MSR_FEATURE_CONTROL)
		return vmx_fail(caps, THINVMX_VMX_MSR_FAULT, THINVMX_CTL_NONE,
				m->fault_msr);
	/* VMXON #GPs unless the lock and the outside-SMX enable are both set. */
	if (!(m->feature_control & VMXCAP_FEATCTL_LOCKED))
		return vmx_fail(caps, THINVMX_VMX_FEATCTL_UNLOCKED,
				THINVMX_CTL_NONE, VMXCAP_FEATCTL_LOCKED);
	if (!(m->feature_control & VMXCAP_FEATCTL_VMX_OUTSIDE_SMX))
		return vmx_fail(caps, THINVMX_VMX_FIRMWARE_DISABLED,
				THINVMX_CTL_NONE, VMXCAP_FEATCTL_VMX_OUTSIDE_SMX);
	if (m->fault_msr)
		return vmx_fail(caps, THINVMX_VMX_MSR_FAULT, THINVMX_CTL_NONE,
				m->fault_msr);

	ret = vmx_check_basic(m->basic, caps);
	if (!ret)
		ret = vmx_check_ctl(&vmx_pin_spec,
				    true_ctls ? m->true_pinbased : m->pinbased,
				    THINVMX_CTL_PIN, &caps->pin_ctls, caps);
	if (!ret)
		ret = vmx_check_ctl(&vmx_proc_spec,
				    true_ctls ? m->true_procbased : m->procbased,
				    THINVMX_CTL_PROC, &caps->proc_ctls, caps);
	if (!ret)
		ret = vmx_check_ctl(&vmx_proc2_spec, m->procbased2,
				    THINVMX_CTL_PROC2, &caps->proc2_ctls, caps);
	if (!ret)
		ret = vmx_check_ctl(&vmx_exit_spec,
				    true_ctls ? m->true_exit : m->exit,
				    THINVMX_CTL_EXIT, &caps->exit_ctls, caps);
	if (!ret)
		ret = vmx_check_ctl(&vmx_entry_spec,
				    true_ctls ? m->true_entry : m->entry,
				    THINVMX_CTL_ENTRY, &caps->entry_ctls, caps);
	if (!ret)
		ret = vmx_check_ept(m->ept_vpid_cap, caps);
	if (ret) {
		caps->pin_ctls = 0;
		caps->proc_ctls = 0;
		caps->proc2_ctls = 0;
		caps->exit_ctls = 0;
		caps->entry_ctls = 0;
		return ret;
	}

	/* VPID is only worth having with INVVPID to flush what it tags. */
	if (!(m->ept_vpid_cap & VMXCAP_VPID_INVVPID) ||
	    !(m->ept_vpid_cap & VMXCAP_VPID_INVVPID_TYPES))
		caps->proc2_ctls &= ~VMX_PROC2_VPID;

	caps->features = vmx_features(m, caps);
	return 0;
}

/**
 * vmx_msrs_equal() - whether two CPUs report the same capabilities
 * @a: one CPU's view
 * @b: another CPU's view
 *
 * One VMCS configuration serves every CPU, so they must all agree (a vCPU
 * migrates between them).
 *
 * Return: true if every field is equal.
 */
bool vmx_msrs_equal(const struct vmx_msrs *a, const struct vmx_msrs *b)
{
	return a->cpuid1_ecx == b->cpuid1_ecx &&
	       a->fault_msr == b->fault_msr &&
	       !memcmp(a->msrs, b->msrs, sizeof(a->msrs));
}

static const char *const vmx_status_names[] = {
	[THINVMX_VMX_OK] = "usable",
	[THINVMX_VMX_NO_CPUID] = "the CPU does not offer VMX (CPUID.1:ECX.VMX is 0)",
	[THINVMX_VMX_FEATCTL_UNLOCKED] = "IA32_FEATURE_CONTROL is not locked",
	[THINVMX_VMX_FIRMWARE_DISABLED] =
		"VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked, VMX off)",
	[THINVMX_VMX_MSR_FAULT] = "reading a VMX capability MSR faulted",
	[THINVMX_VMX_BAD_BASIC] = "IA32_VMX_BASIC describes an unusable VMCS",
	[THINVMX_VMX_MISSING_CONTROL] = "a required VMX control is not supported",
	[THINVMX_VMX_MISSING_EPT] = "a required EPT capability is not supported",
	[THINVMX_VMX_INCONSISTENT] = "CPUs report different VMX capabilities",
	[THINVMX_VMX_BUSY] = "another hypervisor (for example kvm_intel) is in VMX operation",
};

/**
 * vmx_status_name() - a human sentence for a THINVMX_VMX_* status
 * @status: THINVMX_VMX_*
 *
 * Return: a static string; "unknown status" for values out of range.
 */
const char *vmx_status_name(u32 status)
{
	if (status >= ARRAY_SIZE(vmx_status_names) || !vmx_status_names[status])
		return "unknown status";
	return vmx_status_names[status];
}

static const char *const vmx_ctl_names[] = {
	[THINVMX_CTL_NONE] = "none",
	[THINVMX_CTL_PIN] = "pin-based controls",
	[THINVMX_CTL_PROC] = "processor-based controls",
	[THINVMX_CTL_PROC2] = "secondary processor-based controls",
	[THINVMX_CTL_EXIT] = "VM-exit controls",
	[THINVMX_CTL_ENTRY] = "VM-entry controls",
	[THINVMX_CTL_EPT_VPID] = "IA32_VMX_EPT_VPID_CAP",
};

/**
 * vmx_ctl_name() - the name of a THINVMX_CTL_* control set
 * @ctl: THINVMX_CTL_*
 *
 * Return: a static string; "unknown" for values out of range.
 */
const char *vmx_ctl_name(u32 ctl)
{
	if (ctl >= ARRAY_SIZE(vmx_ctl_names))
		return "unknown";
	return vmx_ctl_names[ctl];
}
