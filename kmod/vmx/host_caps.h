/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's VMX capabilities as evaluated at load (caps.c, main.c), and
 * predicates over them: code asks cpu_has_vmx_mtf(), never a raw word.
 */
#ifndef _THINVMX_VMX_HOST_CAPS_H
#define _THINVMX_VMX_HOST_CAPS_H

#include <linux/types.h>
#include <asm/processor-flags.h>

#include "../../uapi/thinvmx.h"
#include "vmx_bits.h"
#include "vmx_ops.h"

extern const struct thinvmx_caps *tvx_host_caps;
extern bool tvx_invvpid_single;		/* vmx/enable.c, a parameter */

static inline bool tvx_has_feature(u64 feat)
{
	return tvx_host_caps->features & feat;
}

static inline bool cpu_has_vmx_mtf(void)
{
	return tvx_has_feature(THINVMX_FEAT_MTF);
}

static inline bool cpu_has_vmx_vpid(void)
{
	return tvx_has_feature(THINVMX_FEAT_VPID);
}

static inline bool cpu_has_vmx_invvpid_single(void)
{
	return tvx_has_feature(THINVMX_FEAT_INVVPID_SINGLE);
}

static inline bool cpu_has_vmx_unrestricted_guest(void)
{
	return tvx_has_feature(THINVMX_FEAT_UNRESTRICTED);
}

static inline bool cpu_has_vmx_rdtscp(void)
{
	return tvx_has_feature(THINVMX_FEAT_RDTSCP);
}

static inline bool cpu_has_vmx_pat(void)
{
	return tvx_has_feature(THINVMX_FEAT_PAT);
}

/* VM exits for INS/OUTS give the instruction information (SDM A.1) */
static inline bool cpu_has_vmx_ins_outs_info(void)
{
	return tvx_host_caps->msr_basic & VMXCAP_BASIC_INOUT;
}

/* descriptor-table exiting can be switched on and off (SDM A.3.3) */
static inline bool cpu_has_vmx_desc_exiting(void)
{
	u64 m = tvx_host_caps->msr_procbased2;

	return ((m >> 32) & VMX_PROC2_DESC_EXITING) &&
	       !((u32)m & VMX_PROC2_DESC_EXITING);
}

/* a CPU that cannot turn CR3-load exiting off keeps it always */
static inline bool cpu_forces_vmx_cr3_load_exiting(void)
{
	return tvx_host_caps->proc_ctls & VMX_PROC_CR3_LOAD_EXITING;
}

static inline bool cpu_has_vmx_preemption_timer(void)
{
	return tvx_host_caps->pin_ctls & VMX_PIN_PREEMPTION_TIMER;
}

/* CR4 bits a guest may set: what VMX allows in non-root, but VMXE */
static inline u64 vmx_cr4_guest_settable(void)
{
	return tvx_host_caps->msr_cr4_fixed1 & ~(u64)X86_CR4_VMXE;
}

/* the preemption timer counts TSC ticks >> this (SDM A.6) */
static inline unsigned int vmx_preemption_timer_shift(void)
{
	return tvx_host_caps->msr_misc & 0x1f;
}

/*
 * Drop this CPU's linear translations tagged with @vpid: single-context
 * INVVPID where the CPU has it, else all contexts (every CPU with VPID
 * has one of the two: vmx/caps.c requires it), as KVM's vpid_sync_context()
 * does -- an emulated CR3 load must never leave stale translations.
 */
static inline void vmx_flush_vpid(u16 vpid)
{
	if (cpu_has_vmx_invvpid_single() && READ_ONCE(tvx_invvpid_single))
		__invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vpid, 0);
	else
		__invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0, 0);
}

#endif /* _THINVMX_VMX_HOST_CAPS_H */
