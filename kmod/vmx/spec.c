// SPDX-License-Identifier: GPL-2.0
/*
 * Speculation: what thinvmx does around a guest so that neither the guest
 * can steer the host's speculation nor read what the host left behind,
 * following the mitigations the host kernel chose (its X86_FEATURE_* and
 * X86_BUG_* flags, the static keys and per-CPU values it exports), as
 * kvm_intel does:
 *
 *  - IA32_SPEC_CTRL is the guest's while it runs: every guest access exits
 *    (the MSR bitmap is all ones), thinvmx keeps the value per vCPU, and
 *    vmenter.S loads it right before entry when it differs from the
 *    host's (x86_spec_ctrl_current) and puts the host's back after the
 *    exit, after the return stack buffer is refilled and before the
 *    first RET (tvx_spec_ctrl_restore_host()): on a host with legacy
 *    IBRS (X86_FEATURE_KERNEL_IBRS) the write is unconditional, since
 *    IBRS must be set again after a less privileged predictor mode ran.
 *  - IA32_PRED_CMD and IA32_FLUSH_CMD writes are done for the guest (an
 *    IBPB, an L1D flush), and ARCH_CAPABILITIES reads answered, where the
 *    host CPU has them; elsewhere they are #GP (vmx/msr_rules.c).
 *  - IBPB when a VMCS that was not current on this CPU becomes current
 *    (vmx/enable.c): another vCPU's guest may have trained the
 *    predictors; the host's own task switches have the kernel's IBPB.
 *  - After every exit the guest registers are wiped, the RSB refilled
 *    (X86_FEATURE_RSB_VMEXIT{,_LITE}) and the branch history cleared
 *    (CLEAR_BRANCH_HISTORY_VMEXIT) in vmenter.S; the CPU is marked for an
 *    IBPB before the VMM's userspace runs again (VMSCAPE,
 *    X86_FEATURE_IBPB_EXIT_TO_USER).
 *  - Before entry: the L1D flush (L1TF, vmx/l1d.c), armed by every new
 *    RUN, reschedule and interrupt, and by every exit whose handling went
 *    beyond the vCPU's own state (tvx_exit_arms_l1d_flush()); else VERW
 *    where the host clears CPU buffers (CLEAR_CPU_BUFFERS in vmenter.S),
 *    and VERW for a domain with directly mapped MMIO where the host asks
 *    for it against MMIO stale data (mmio_stale_data_clear).
 *  - iTLB multihit: guest RAM in large EPT leaves is not executable where
 *    the host has the bug (ept/, nx_huge_pages).
 */
#include <linux/compiler.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>

#include "vcpu.h"
#include "vmx/msr_rules.h"
#include "vmx/spec.h"

static u32 tvx_spec_host __ro_after_init;
static u64 tvx_arch_caps __ro_after_init;

/**
 * tvx_spec_init() - read what the host CPU offers a guest
 */
void __init tvx_spec_init(void)
{
	u64 caps = 0;
	u32 h = 0;

	if (boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL))
		h |= MSR_HOST_SPEC_CTRL;
	if (boot_cpu_has(X86_FEATURE_STIBP))
		h |= MSR_HOST_STIBP;
	if (boot_cpu_has(X86_FEATURE_SPEC_CTRL_SSBD))
		h |= MSR_HOST_SSBD;
	if (boot_cpu_has(X86_FEATURE_RRSBA_CTRL))
		h |= MSR_HOST_RRSBA_CTRL;
	if (boot_cpu_has(X86_FEATURE_BHI_CTRL))
		h |= MSR_HOST_BHI_CTRL;
	if (boot_cpu_has(X86_FEATURE_IBPB))
		h |= MSR_HOST_IBPB;
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		h |= MSR_HOST_FLUSH_L1D;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES) &&
	    !rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &caps))
		h |= MSR_HOST_ARCH_CAPS;
	if (!boot_cpu_has_bug(X86_BUG_CPU_MELTDOWN))
		h |= MSR_HOST_NO_MELTDOWN;
	if (!boot_cpu_has_bug(X86_BUG_SPEC_STORE_BYPASS))
		h |= MSR_HOST_NO_SSB;
	if (!boot_cpu_has_bug(X86_BUG_MDS))
		h |= MSR_HOST_NO_MDS;
	tvx_spec_host = h;
	tvx_arch_caps = msr_arch_caps_guest(caps, h);
}

/**
 * tvx_spec_msr_read() - a guest RDMSR of a speculation-control MSR
 * @v:   the vCPU
 * @msr: the MSR
 * @val: where the value goes
 *
 * Return: 0, or -EINVAL for #GP.
 */
int tvx_spec_msr_read(struct tvx_vcpu *v, u32 msr, u64 *val)
{
	if (msr_spec_read_check(msr, tvx_spec_host))
		return -EINVAL;
	*val = msr == MSR_IA32_SPEC_CTRL ? v->spec_ctrl : tvx_arch_caps;
	return 0;
}

/**
 * tvx_spec_msr_write() - a guest WRMSR of a speculation-control MSR
 * @v:   the vCPU
 * @msr: the MSR
 * @val: the value
 *
 * SPEC_CTRL takes effect at the next entry (vmenter.S); the commands are
 * carried out now, on this CPU, which is the one the guest runs on.
 *
 * Return: 0, or -EINVAL for #GP.
 */
int tvx_spec_msr_write(struct tvx_vcpu *v, u32 msr, u64 val)
{
	if (msr_spec_write_check(msr, val, tvx_spec_host))
		return -EINVAL;
	switch (msr) {
	case MSR_IA32_SPEC_CTRL:
		v->spec_ctrl = val;
		break;
	case MSR_IA32_PRED_CMD:
		if (val)
			wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
		break;
	case MSR_IA32_FLUSH_CMD:
		if (val)
			wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		break;
	}
	return 0;
}

/**
 * tvx_spec_ctrl_restore_host() - the host's IA32_SPEC_CTRL after an exit
 * @guest: the value the guest ran with
 *
 * Called by vmenter.S, where the CPU has the MSR, after the RSB is
 * refilled and before its first RET.
 */
noinstr void tvx_spec_ctrl_restore_host(u64 guest)
{
	u64 host = this_cpu_read(x86_spec_ctrl_current);

	if (cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS) || guest != host)
		native_wrmsrl(MSR_IA32_SPEC_CTRL, host);
	barrier_nospec();
}
