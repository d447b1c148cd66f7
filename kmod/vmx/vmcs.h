/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU's VMCS (vmcs.c): its set-up, the host state it holds, the CR0/CR4
 * bits the host owns, and loading it on a CPU.
 */
#ifndef _THINVMX_VMX_VMCS_H
#define _THINVMX_VMX_VMCS_H

#include <linux/types.h>

struct tvx_vcpu;

/* Host state last written to the VMCS, to write it again only on change. */
struct tvx_vmcs_host {
	int cpu;		/* the CPU whose per-CPU state it holds, or -1 */
	unsigned long cr3, cr4, fs_base;
	/*
	 * That CPU's IA32_TSC_AUX (getcpu()'s encoding), 0 without RDTSCP
	 * for guests: vmx/run.c switches it only when the guest's differs.
	 */
	u64 tsc_aux;
};

/*
 * CR0/CR4 ownership: the guest/host masks the VMCS has and their read
 * shadows, kept here too (only the module writes them) so that reading
 * the guest's view costs one VMREAD.
 */
struct tvx_cr_shadow {
	u64 cr0_mask, cr4_mask;
	u64 cr0_shadow, cr4_shadow;
};

extern u64 tvx_host_xcr0;

u64 tvx_cr0_hw(u64 guest);
u64 tvx_cr4_hw(u64 guest);
u64 tvx_cr0_guest_owned_fixed(void);
u64 tvx_cr4_mask(void);
void tvx_set_guest_cr0(struct tvx_vcpu *v, u64 val);
void tvx_set_guest_cr4(struct tvx_vcpu *v, u64 val);
void tvx_set_cr_masks(struct tvx_vcpu *v, u64 cr0_mask, u64 cr4_mask);
void tvx_vmcs_setup(struct tvx_vcpu *v);
void tvx_vmcs_guest_reset(struct tvx_vcpu *v);
u32 tvx_preemption_ticks(void);
void tvx_vmcs_host_cpu(struct tvx_vcpu *v);
int tvx_vcpu_with_vmcs(struct tvx_vcpu *v,
		       void (*fn)(struct tvx_vcpu *v, void *arg), void *arg);

#endif /* _THINVMX_VMX_VMCS_H */
