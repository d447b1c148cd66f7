/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU (vcpu.c): made of the state each room keeps for it, each part
 * declared by the file that owns it. An object header: it includes the
 * rooms' type headers, and every room can include it.
 */
#ifndef _THINVMX_VCPU_H
#define _THINVMX_VCPU_H

#include <linux/mutex.h>
#include <linux/smp.h>
#include <linux/types.h>
#include <asm/fpu/api.h>

#include "../uapi/thinvmx.h"
#include "domain.h"
#include "lapic/lapic.h"
#include "memevent/event.h"
#include "memevent/trap.h"
#include "vcpu_stats.h"
#include "vmx/enable.h"
#include "vmx/io.h"
#include "vmx/step.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_ops.h"

/* Guest general registers, indexed by register number (vmenter.S). */
enum tvx_reg {
	TVX_RAX, TVX_RCX, TVX_RDX, TVX_RBX, TVX_RSP, TVX_RBP, TVX_RSI, TVX_RDI,
	TVX_R8, TVX_R9, TVX_R10, TVX_R11, TVX_R12, TVX_R13, TVX_R14, TVX_R15,
	TVX_NR_GPRS
};

struct tvx_vcpu {
	struct tvx_dom *dom;
	u32 id;
	u16 vpid;
	struct mutex run_lock;		/* one RUN or register access at a time */

	struct vmx_loaded_vmcs vmcs;
	struct thinvmx_run *run;	/* the mmap'd page: the VMM writes it */
	struct page *run_page;

	/* guest state the VMCS does not hold */
	u64 gprs[TVX_NR_GPRS];
	struct fpu_guest gfpu;
	u64 xcr0;
	u64 kernel_gs_base;
	u64 cr2;
	u64 cr8;			/* its own TPR (CR8), never the host APIC's */
	u64 star, lstar, cstar, sfmask;
	u64 dr[4], dr6, dr7;		/* what MOV DR reads back */
	u64 mtrr_def_type;
	u64 tsc_aux;			/* IA32_TSC_AUX, what RDTSCP returns */
	u64 tsc_offset;			/* guest TSC - host TSC (the VMCS's) */
	u64 tsc_adjust;			/* IA32_TSC_ADJUST (vmx/exit_reg.c) */
	u64 spec_ctrl;			/* IA32_SPEC_CTRL (vmx/spec.c) */
	u32 pkru;			/* live only while it runs */
	struct tvx_cr_shadow cr;	/* vmx/vmcs.c */

	struct tvx_io io;		/* vmx/io.c: an instruction at the VMM */
	struct tvx_step step;		/* vmx/step.c */
	struct ept_prealloc split_pool;	/* ept/violation.c: for exits' splits */
	struct tvx_vcpu_view vview;	/* ept/view.c: its views */
	struct tvx_vcpu_event ev;	/* memevent/event.c */
	struct tvx_trap_queue trap;	/* memevent/trap.c */
	struct tvx_vmcs_host host;	/* vmx/vmcs.c */
	struct tvx_lapic apic;		/* lapic/lapic.c, if dom->lapic */

	int running_cpu;		/* CPU in the run loop, -1 when not */
	bool stopped;			/* shutdown, internal error, failed entry */
	u32 stop_reason;		/* THINVMX_EXIT_* that stopped it */
	bool l1d_flush_needed;
	bool parked;			/* in RUN, asleep for a pause (control.c) */
	bool ctl_gone;			/* being freed; under dom->ctl_lock */
	u64 exits;
	struct tvx_vcpu_stats stats;

	/* the exit being handled */
	u32 exit_reason;
	u32 exit_intr_info;
	u32 exit_idt_info;		/* IDT-vectoring information */
};

int tvx_create_vcpu(struct tvx_dom *dom, struct thinvmx_create_vcpu __user *uarg);
void tvx_vcpu_free(struct tvx_vcpu *v);

/*
 * What the guest reads from CR0/CR4: the read shadow for the bits the host
 * owns, the register itself for the rest. Inline: every event records both.
 */
static inline u64 tvx_guest_cr0(struct tvx_vcpu *v)
{
	return (vmcs_readl(GUEST_CR0) & ~v->cr.cr0_mask) |
	       (v->cr.cr0_shadow & v->cr.cr0_mask);
}

static inline u64 tvx_guest_cr4(struct tvx_vcpu *v)
{
	return (vmcs_readl(GUEST_CR4) & ~v->cr.cr4_mask) |
	       (v->cr.cr4_shadow & v->cr.cr4_mask);
}

/*
 * Make the vCPU's VMCS current on this CPU, with this CPU's host state
 * (vmx/vmcs.c). Context: preemption disabled. Inline: every RUN starts
 * here.
 */
static inline int tvx_vcpu_load(struct tvx_vcpu *v)
{
	int ret = vmx_loaded_vmcs_load(&v->vmcs);

	if (ret)
		return ret;
	if (v->host.cpu != smp_processor_id())
		tvx_vmcs_host_cpu(v);
	return 0;
}

/* Add THINVMX_EVENT_F_* to the record tvx_event_begin() started. */
static inline void tvx_event_flag(struct tvx_vcpu *v, u32 flags)
{
	v->ev.flags |= flags;
}

#endif /* _THINVMX_VCPU_H */
