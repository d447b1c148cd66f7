/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the run loop (vcpu.c), the exit handlers (exit.c) and the L1D
 * flush (l1d.c).
 */
#ifndef _THINVMX_VCPU_H
#define _THINVMX_VCPU_H

#include "tvx.h"
#include "vmx/vmx_ops.h"

/* tvx_enter()'s answer when VMLAUNCH/VMRESUME itself failed */
#define TVX_EXIT_VMFAIL		0xffffffffu

/* vmenter.S */
int vmx_vcpu_enter(u64 *gprs, bool launched);
void vmx_vcpu_exit(void);
void vmx_deliver_nmi(void);

/* vcpu.c */
extern u64 tvx_host_xcr0;
u64 tvx_cr0_hw(u64 guest);
u64 tvx_cr4_hw(u64 guest);

/* exit.c */
int tvx_handle_exit(struct tvx_vcpu *v, u32 reason);
int tvx_complete_pending(struct tvx_vcpu *v);
int tvx_read_guest(struct tvx_domain *dom, u64 gpa, void *buf, unsigned int len);

/* vcpu.c */
void tvx_load_regs(struct tvx_vcpu *v, const struct thinvmx_regs *r);
u64 tvx_cr0_guest_owned_fixed(void);
u64 tvx_cr4_mask(void);
void tvx_set_guest_cr0(struct tvx_vcpu *v, u64 val);
void tvx_set_guest_cr4(struct tvx_vcpu *v, u64 val);
int tvx_load_pdptes(struct tvx_vcpu *v, u64 cr3, bool checked);
void tvx_monitor_refresh(struct tvx_vcpu *v);

/*
 * What the guest reads from CR0/CR4: the read shadow for the bits the host
 * owns (kept in the vCPU: only the module writes it), the register itself
 * for the rest. Inline: every event records both.
 */
static inline u64 tvx_guest_cr0(struct tvx_vcpu *v)
{
	return (vmcs_readl(GUEST_CR0) & ~v->cr0_mask) |
	       (v->cr0_shadow & v->cr0_mask);
}

static inline u64 tvx_guest_cr4(struct tvx_vcpu *v)
{
	return (vmcs_readl(GUEST_CR4) & ~v->cr4_mask) |
	       (v->cr4_shadow & v->cr4_mask);
}

/* exit.c */
void tvx_event_resume(struct tvx_vcpu *v, bool trap_settled);

/* trap.c */
void tvx_deliver_trap(struct tvx_vcpu *v);
void tvx_vcpu_kick(struct tvx_vcpu *v);
void tvx_trap_pause(struct tvx_vcpu *v);
bool tvx_trap_unpause(struct tvx_vcpu *v);

/* l1d.c */
int tvx_l1d_init(void);
void tvx_l1d_exit(void);
bool tvx_l1d_flush_wanted(struct tvx_vcpu *v);
void tvx_l1d_flush_sw(void);

#endif /* _THINVMX_VCPU_H */
