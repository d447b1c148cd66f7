// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: the VMCS, the registers, and THINVMX_RUN.
 *
 * RUN enters the guest in a loop. Exits the kernel can answer (CPUID, MSR
 * accesses, XSETBV, ...) go straight back into the guest; the others
 * (port I/O, emulated MMIO, HLT, shutdown, errors) return to userspace
 * through the mmap'd struct thinvmx_run. The loop runs with preemption
 * disabled between the places where it may reschedule, so the host state
 * the guest borrows (KERNEL_GS_BASE, the SYSCALL MSRs, XCR0, segment
 * selectors) is swapped once per stretch of in-kernel exits rather than
 * once per exit, and always given back before anything else runs.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/desc.h>
#include <asm/special_insns.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/spec-ctrl.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/tsc.h>

#include "listener.h"
#include "tvx.h"
#include "vcpu.h"
#include "vmx/vmx_bits.h"
#include "vmx/vmx_ops.h"

static DEFINE_IDA(tvx_vpid_ida);

/* Per vCPU segment fields, in struct thinvmx_sregs order. */
static const struct tvx_seg_fields {
	u32 sel, base, limit, ar;
} tvx_segs[] = {
	{ GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES },
	{ GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
	{ GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
	{ GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
	{ GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
	{ GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
	{ GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES },
	{ GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES },
};

u64 tvx_host_xcr0;

/* CR0 bits the guest may not clear although it thinks it did. */
u64 tvx_cr0_guest_owned_fixed(void)
{
	u64 fixed0 = tvx_host_caps->msr_cr0_fixed0;

	/* Unrestricted guest exempts PE and PG (SDM 26.3.1.1). */
	if (tvx_host_caps->proc2_ctls & VMX_PROC2_UNRESTRICTED_GUEST)
		fixed0 &= ~(u64)(X86_CR0_PE | X86_CR0_PG);
	return fixed0;
}

/**
 * tvx_cr0_hw() - the CR0 the hardware runs with for a guest value
 * @guest: what the guest wrote (the read shadow)
 *
 * Return: @guest with the VMX fixed-1 bits set.
 */
u64 tvx_cr0_hw(u64 guest)
{
	return (guest | tvx_cr0_guest_owned_fixed()) &
	       tvx_host_caps->msr_cr0_fixed1;
}

/**
 * tvx_cr4_hw() - the CR4 the hardware runs with for a guest value
 * @guest: what the guest wrote (the read shadow)
 *
 * Return: @guest with CR4.VMXE and the other fixed-1 bits set.
 */
u64 tvx_cr4_hw(u64 guest)
{
	return guest | tvx_host_caps->msr_cr4_fixed0;
}

/* CR4 bits the guest never owns: VMXE, and what VMX forbids in non-root. */
u64 tvx_cr4_mask(void)
{
	return X86_CR4_VMXE | ~tvx_host_caps->msr_cr4_fixed1 |
	       tvx_host_caps->msr_cr4_fixed0;
}

/*
 * A guest CR0/CR4 value: the read shadow (kept in the vCPU too: only the
 * module writes it) and the register the hardware runs with.
 */
void tvx_set_guest_cr0(struct tvx_vcpu *v, u64 val)
{
	v->cr0_shadow = val;
	vmcs_writel(CR0_READ_SHADOW, val);
	vmcs_writel(GUEST_CR0, tvx_cr0_hw(val));
}

void tvx_set_guest_cr4(struct tvx_vcpu *v, u64 val)
{
	v->cr4_shadow = val;
	vmcs_writel(CR4_READ_SHADOW, val);
	vmcs_writel(GUEST_CR4, tvx_cr4_hw(val));
}

/*
 * A new guest/host mask for CR0 or CR4: bits the host takes over get
 * their current guest value in the read shadow first, so the guest reads
 * what it had.
 */
static void tvx_set_cr_mask(u32 mask_field, u32 shadow_field, u32 reg_field,
			    u64 *cached_mask, u64 *cached_shadow, u64 mask)
{
	u64 old = *cached_mask;

	if (old == mask)
		return;
	*cached_shadow = (*cached_shadow & old) | (vmcs_readl(reg_field) & ~old);
	vmcs_writel(shadow_field, *cached_shadow);
	vmcs_writel(mask_field, mask);
	*cached_mask = mask;
}

/**
 * tvx_monitor_refresh() - give the VMCS the exits monitoring needs now
 * @v: the vCPU, its VMCS current
 *
 * Every CR0/CR4 bit while that register is monitored (a MOV exits only
 * when it changes an owned bit), CR3-load exiting while CR3 is, #BP in the
 * exception bitmap while INT3 is; what the host needs anyway stays.
 */
void tvx_monitor_refresh(struct tvx_vcpu *v)
{
	const struct monitor_settings *s = &v->dom->monitor;
	u32 gen = READ_ONCE(v->dom->monitor_gen), proc, eb;

	/* pairs with the smp_wmb() before the generation changes */
	smp_rmb();
	tvx_set_cr_mask(CR0_GUEST_HOST_MASK, CR0_READ_SHADOW, GUEST_CR0,
			&v->cr0_mask, &v->cr0_shadow,
			tvx_cr0_guest_owned_fixed() |
			monitor_cr_guest_host_mask(s, 0));
	tvx_set_cr_mask(CR4_GUEST_HOST_MASK, CR4_READ_SHADOW, GUEST_CR4,
			&v->cr4_mask, &v->cr4_shadow, tvx_cr4_mask() |
			monitor_cr_guest_host_mask(s, 4));
	proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) & ~VMX_PROC_CR3_LOAD_EXITING;
	if (monitor_needs_cr3_exiting(s))
		proc |= VMX_PROC_CR3_LOAD_EXITING;
	/* a CPU that cannot turn it off keeps it */
	proc |= tvx_host_caps->proc_ctls & VMX_PROC_CR3_LOAD_EXITING;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc);
	eb = vmcs_read32(EXCEPTION_BITMAP) & ~BIT(X86_TRAP_BP);
	vmcs_write32(EXCEPTION_BITMAP, eb | monitor_exception_bitmap(s));
	v->monitor_gen = gen;
}

/*
 * The VMX preemption timer, reloaded at every entry, ends an entry after
 * about a millisecond: a guest can never keep the CPU longer than that
 * without the host looking at signals and the scheduler. It counts down
 * at the TSC rate divided by 2^IA32_VMX_MISC[4:0] (SDM 26.5.1).
 */
static u32 tvx_preemption_ticks(void)
{
	u64 ticks = (u64)tsc_khz >> (tvx_host_caps->msr_misc & 0x1f);

	return clamp_t(u64, ticks, 1, U32_MAX);
}

/* Host state that is the same for every entry on this CPU. */
static void tvx_vmcs_host_cpu(struct tvx_vcpu *v)
{
	struct desc_ptr gdt, idt;
	struct desc_struct *d;
	unsigned long tr_base;
	u16 tr;
	u64 msr;

	native_store_gdt(&gdt);
	store_idt(&idt);
	asm volatile("str %0" : "=r" (tr));
	d = (struct desc_struct *)(gdt.address + (tr & ~7));
	tr_base = get_desc_base(d) | ((u64)((u32 *)d)[2] << 32);

	vmcs_writel(HOST_TR_BASE, tr_base);
	vmcs_writel(HOST_GDTR_BASE, gdt.address);
	vmcs_writel(HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_GS_BASE, msr);
	vmcs_writel(HOST_GS_BASE, msr);
	rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
	vmcs_writel(HOST_IA32_SYSENTER_ESP, msr);

	/*
	 * This CPU may still cache translations of this guest from before
	 * the vCPU last ran elsewhere, guest-physical and combined ones both
	 * tagged by the EPTP (and the VPID): drop them (SDM 29.4.3.3).
	 */
	ept_flush_this_cpu(&v->dom->ept);
	v->host_cpu = smp_processor_id();
}

/*
 * Host state that may change between entries on the same CPU: CR3 (a TLB
 * flush may reload it with another PCID) and CR4. The FS base is the
 * task's, the same for a whole stretch: tvx_swap_in() takes it.
 */
static void tvx_vmcs_host_dynamic(struct tvx_vcpu *v)
{
	unsigned long cr3 = __read_cr3(), cr4 = cr4_read_shadow();

	if (unlikely(cr3 != v->host_cr3)) {
		vmcs_writel(HOST_CR3, cr3);
		v->host_cr3 = cr3;
	}
	if (unlikely(cr4 != v->host_cr4)) {
		vmcs_writel(HOST_CR4, cr4);
		v->host_cr4 = cr4;
	}
}

static void tvx_vmcs_setup(struct tvx_vcpu *v)
{
	const struct thinvmx_caps *c = tvx_host_caps;
	struct tvx_domain *dom = v->dom;
	u32 proc2 = c->proc2_ctls;
	u64 msr;
	int i;

	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, c->pin_ctls);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, c->proc_ctls);
	if (!v->vpid)
		proc2 &= ~VMX_PROC2_VPID;
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, proc2);
	vmcs_write32(VM_EXIT_CONTROLS, c->exit_ctls);
	vmcs_write32(VM_ENTRY_CONTROLS, c->entry_ctls);
	if (v->vpid)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, v->vpid);
	vmcs_write64(EPT_POINTER, dom->ept.eptp);
	vmcs_write64(MSR_BITMAP, page_to_phys(dom->msr_bitmap));
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	/*
	 * Guest XSAVES/XRSTORS run with the host's IA32_XSS (VMX does not
	 * switch it): one that names a supervisor component the host has
	 * enabled exits (and gets #GP), so a guest never reaches the
	 * host's supervisor state.
	 */
	if (proc2 & VMX_PROC2_XSAVES)
		vmcs_write64(XSS_EXIT_BITMAP, ~0ULL);
	if (c->pin_ctls & VMX_PIN_PREEMPTION_TIMER)
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, tvx_preemption_ticks());
	/* #MC always goes to the host's handler */
	vmcs_write32(EXCEPTION_BITMAP, BIT(X86_TRAP_MC));
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	v->cr0_mask = tvx_cr0_guest_owned_fixed();
	v->cr4_mask = tvx_cr4_mask();
	vmcs_writel(CR0_GUEST_HOST_MASK, v->cr0_mask);
	vmcs_writel(CR4_GUEST_HOST_MASK, v->cr4_mask);

	/* host state (SDM 26.2.2-26.2.4) */
	vmcs_writel(HOST_CR0, read_cr0());
	v->host_cr3 = __read_cr3();
	vmcs_writel(HOST_CR3, v->host_cr3);
	v->host_cr4 = cr4_read_shadow();
	vmcs_writel(HOST_CR4, v->host_cr4);
	vmcs_write16(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write16(HOST_DS_SELECTOR, 0);
	vmcs_write16(HOST_ES_SELECTOR, 0);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	rdmsrl(MSR_FS_BASE, msr);
	v->host_fs_base = msr;
	vmcs_writel(HOST_FS_BASE, msr);
	vmcs_writel(HOST_RIP, (unsigned long)vmx_vcpu_exit);
	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	vmcs_write32(HOST_IA32_SYSENTER_CS, msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	vmcs_writel(HOST_IA32_SYSENTER_EIP, msr);
	rdmsrl(MSR_EFER, msr);
	vmcs_write64(HOST_IA32_EFER, msr);
	if (c->exit_ctls & VMX_EXIT_LOAD_IA32_PAT) {
		rdmsrl(MSR_IA32_CR_PAT, msr);
		vmcs_write64(HOST_IA32_PAT, msr);
		/* the architectural reset value */
		vmcs_write64(GUEST_IA32_PAT, 0x0007040600070406ULL);
	}
	tvx_vmcs_host_cpu(v);

	/* guest state: the architectural reset (SDM 10.1.1, table 10-1) */
	for (i = 0; i < ARRAY_SIZE(tvx_segs); i++) {
		vmcs_write16(tvx_segs[i].sel, 0);
		vmcs_writel(tvx_segs[i].base, 0);
		vmcs_write32(tvx_segs[i].limit, 0xffff);
		vmcs_write32(tvx_segs[i].ar, 0x93);
	}
	vmcs_write16(GUEST_CS_SELECTOR, 0xf000);
	vmcs_writel(GUEST_CS_BASE, 0xffff0000);
	vmcs_write32(GUEST_CS_AR_BYTES, 0x9b);
	vmcs_write32(GUEST_TR_AR_BYTES, 0x8b);
	vmcs_write32(GUEST_LDTR_AR_BYTES, 0x82);
	vmcs_writel(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writel(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0xffff);
	tvx_set_guest_cr0(v, X86_CR0_ET);
	tvx_set_guest_cr4(v, 0);
	vmcs_writel(GUEST_CR3, 0);
	vmcs_write64(GUEST_IA32_EFER, 0);
	vmcs_writel(GUEST_DR7, 0x400);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_writel(GUEST_RSP, 0);
	vmcs_writel(GUEST_RIP, 0xfff0);
	vmcs_writel(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writel(GUEST_SYSENTER_ESP, 0);
	vmcs_writel(GUEST_SYSENTER_EIP, 0);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	/*
	 * Not the architectural reset value (x87 only): the host's, so that
	 * XCR0 is switched only for guests that set their own. In Bochs each
	 * switch (1 -> 7 around every exit) was followed, in about one run
	 * of four, by a failed XRSTORS of some host task's FPU state; with
	 * no switching, none in many runs. A guest sees the difference only
	 * by reading XCR0 before it writes it.
	 */
	v->xcr0 = tvx_host_xcr0 ? tvx_host_xcr0 : XFEATURE_MASK_FP;
}

/*
 * Make the vCPU's VMCS current on this CPU, with this CPU's host state.
 * Context: preemption disabled.
 */
static int tvx_vcpu_load(struct tvx_vcpu *v)
{
	int ret = vmx_loaded_vmcs_load(&v->vmcs);

	if (ret)
		return ret;
	if (v->host_cpu != smp_processor_id())
		tvx_vmcs_host_cpu(v);
	return 0;
}

/* Run @fn with the vCPU's VMCS current, for register access from ioctls. */
static int tvx_vcpu_with_vmcs(struct tvx_vcpu *v,
			      void (*fn)(struct tvx_vcpu *v, void *arg), void *arg)
{
	int ret;

	preempt_disable();
	ret = tvx_vcpu_load(v);
	if (!ret)
		fn(v, arg);
	preempt_enable();
	return ret;
}

/* ------------------------------------------------------------ host state */

/*
 * What the guest borrows from the host CPU while it runs, and what a VM
 * exit does not restore by itself (SDM 28.5): the SYSCALL MSRs and
 * KERNEL_GS_BASE (SYSCALL and SWAPGS do not exit), the data segment
 * selectors (zeroed by the exit), and the GDT limit (set to 0xffff).
 */
struct tvx_host_state {
	u64 kernel_gs_base, star, lstar, cstar, sfmask;
	u16 ds, es, fs, gs;
};

/* The host's state the guest's replaces, for a stretch (VMCS current). */
static void tvx_swap_in(struct tvx_vcpu *v, struct tvx_host_state *h)
{
	unsigned long fs;

	/* the task's FS base: no interrupt changes it */
	rdmsrl(MSR_FS_BASE, fs);
	if (unlikely(fs != v->host_fs_base)) {
		vmcs_writel(HOST_FS_BASE, fs);
		v->host_fs_base = fs;
	}
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	rdmsrl(MSR_STAR, h->star);
	rdmsrl(MSR_LSTAR, h->lstar);
	rdmsrl(MSR_CSTAR, h->cstar);
	rdmsrl(MSR_SYSCALL_MASK, h->sfmask);
	wrmsrl(MSR_KERNEL_GS_BASE, v->kernel_gs_base);
	wrmsrl(MSR_STAR, v->star);
	wrmsrl(MSR_LSTAR, v->lstar);
	wrmsrl(MSR_CSTAR, v->cstar);
	wrmsrl(MSR_SYSCALL_MASK, v->sfmask);
}

static void tvx_swap_out(struct tvx_vcpu *v, struct tvx_host_state *h)
{
	unsigned long flags;

	local_irq_save(flags);
	rdmsrl(MSR_KERNEL_GS_BASE, v->kernel_gs_base);
	wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	wrmsrl(MSR_STAR, h->star);
	wrmsrl(MSR_LSTAR, h->lstar);
	wrmsrl(MSR_CSTAR, h->cstar);
	wrmsrl(MSR_SYSCALL_MASK, h->sfmask);
	loadsegment(ds, h->ds);
	loadsegment(es, h->es);
	/*
	 * A nonzero FS/GS selector (rare in 64-bit processes) reloads the
	 * base from the descriptor: put back the bases the task had.
	 */
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, v->host_fs_base);
	}
	if (h->gs) {
		unsigned long gsbase;

		rdmsrl(MSR_GS_BASE, gsbase);
		load_gs_index(h->gs);
		wrmsrl(MSR_GS_BASE, gsbase);
	}
	load_fixmap_gdt(smp_processor_id());
	local_irq_restore(flags);
}

/* ------------------------------------------------------------ entry */

/*
 * L1D flush before entry (L1TF, SDM-independent: Intel's L1TF guidance),
 * following the host's mitigation: the parameter vmentry_l1d_flush says
 * cond (flush when the host ran other code since the last entry), always,
 * or never.
 */
static void tvx_l1d_flush(struct tvx_vcpu *v)
{
	if (!tvx_l1d_flush_wanted(v))
		return;
	v->l1d_flush_needed = false;
	if (static_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	tvx_l1d_flush_sw();
}

/*
 * XCR0 is switched by what the hardware holds, not by what thinvmx last
 * wrote: Bochs was seen to leave a different XCR0 after a VM exit than the
 * one before the entry (a later XRSTORS of host state then faulted, "Bad
 * FPU state"), and the host must never run with anything but its own.
 */
static void tvx_xcr0_guest(struct tvx_vcpu *v)
{
	if (tvx_host_xcr0 && xgetbv(XCR_XFEATURE_ENABLED_MASK) != v->xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, v->xcr0);
}

static void tvx_xcr0_host(struct tvx_vcpu *v)
{
	if (tvx_host_xcr0 && xgetbv(XCR_XFEATURE_ENABLED_MASK) != tvx_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, tvx_host_xcr0);
}

/*
 * One VM entry and the exit that ends it, with interrupts off. Returns
 * the basic exit reason, or TVX_EXIT_VMFAIL.
 */
static u32 tvx_enter(struct tvx_vcpu *v)
{
	u32 reason, intr;
	int failed;

	tvx_vmcs_host_dynamic(v);
	tvx_xcr0_guest(v);
	/* CR2 is not in the VMCS: the guest's own, never the host's */
	if (native_read_cr2() != v->cr2)
		native_write_cr2(v->cr2);
	tvx_l1d_flush(v);

	failed = vmx_vcpu_enter(v->gprs, v->vmcs.launched);

	v->cr2 = native_read_cr2();
	tvx_xcr0_host(v);
	if (failed)
		return TVX_EXIT_VMFAIL;
	v->vmcs.launched = true;
	v->exits++;
	reason = vmcs_read32(VM_EXIT_REASON);
	v->exit_reason = reason;
	if ((u16)reason < TVX_NR_EXIT_REASONS)
		v->stats.exits[(u16)reason]++;
	/* An NMI that caused the exit is the host's: deliver it now. */
	if ((u16)reason == EXIT_REASON_EXCEPTION_NMI) {
		intr = vmcs_read32(VM_EXIT_INTR_INFO);
		v->exit_intr_info = intr;
		if ((intr & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
			vmx_deliver_nmi();
	}
	return reason;
}

/*
 * The inner loop: enter, handle in the kernel what can be, until an exit
 * needs userspace or an event's wait, the task must reschedule, a signal
 * is pending or the listener went away.
 * Return: 1 to go on (after rescheduling), TVX_EXIT_WAIT_EVENT to wait
 * for an event (then go on), 0 to return to userspace, or a negative
 * errno.
 */
static int tvx_run_stretch(struct tvx_vcpu *v)
{
	struct tvx_host_state host;
	bool settled;
	int ret = 1;
	u32 reason;

	preempt_disable();
	ret = tvx_vcpu_load(v);
	if (ret) {
		preempt_enable();
		return ret;
	}
	/* Another task may have run here: its data may be in the L1D. */
	v->l1d_flush_needed = true;
	ret = tvx_complete_pending(v);
	if (ret <= 0)
		goto out_preempt;
	settled = READ_ONCE(v->paused) && tvx_trap_unpause(v);
	if (v->ev_state == TVX_EV_ANSWERED)
		tvx_event_resume(v, settled);

	tvx_swap_in(v, &host);
	WRITE_ONCE(v->running_cpu, smp_processor_id());
	/*
	 * Before the loop reads what a kicker published (monitor_gen, a
	 * queued trap): pairs with the barrier in tvx_vcpu_kick(), so that
	 * either the kicker sees this CPU or the loop sees the change.
	 */
	smp_mb();
	for (;;) {
		local_irq_disable();
		/*
		 * With interrupts off, as the kernel does on its way to user
		 * mode: a softirq using the FPU between the restore and the
		 * flag being cleared would leave its registers as ours.
		 */
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		if (need_resched() || signal_pending(current)) {
			local_irq_enable();
			ret = 1;
			break;
		}
		if (unlikely(READ_ONCE(v->dom->monitor_gen) != v->monitor_gen)) {
			/* a listener that went away is let go outside */
			if (tvx_vcpu_listener_gone(v)) {
				local_irq_enable();
				ret = 1;
				break;
			}
			tvx_monitor_refresh(v);
		}
		tvx_deliver_trap(v);
		reason = tvx_enter(v);
		/* pending host interrupts are taken here */
		local_irq_enable();
		ret = tvx_handle_exit(v, reason);
		if (ret != 1)
			break;
	}
	/* a trap injected while it waits is settled against this state */
	if (ret == TVX_EXIT_WAIT_EVENT)
		tvx_trap_pause(v);
	WRITE_ONCE(v->running_cpu, -1);
	tvx_swap_out(v, &host);
out_preempt:
	preempt_enable();
	return ret;
}

static long tvx_vcpu_run(struct tvx_vcpu *v)
{
	long ret;

	if (v->stopped) {
		v->run->exit_reason = v->stop_reason;
		return -EIO;
	}
	fpu_swap_kvm_fpstate(&v->gfpu, true);
	for (;;) {
		/* an event waiting for room or an answer, a listener gone */
		if (v->lsn && tvx_event_wait(v)) {
			v->run->exit_reason = THINVMX_EXIT_NONE;
			ret = -EINTR;
			break;
		}
		if (signal_pending(current)) {
			v->run->exit_reason = THINVMX_EXIT_NONE;
			ret = -EINTR;
			break;
		}
		cond_resched();
		ret = tvx_run_stretch(v);
		if (ret <= 0)
			break;
	}
	fpu_swap_kvm_fpstate(&v->gfpu, false);
	v->run->exits = v->exits;
	return ret;
}

/* ------------------------------------------------------------ registers */

static void tvx_get_regs_fn(struct tvx_vcpu *v, void *arg)
{
	struct thinvmx_regs *r = arg;

	r->rax = v->gprs[TVX_RAX];
	r->rbx = v->gprs[TVX_RBX];
	r->rcx = v->gprs[TVX_RCX];
	r->rdx = v->gprs[TVX_RDX];
	r->rsi = v->gprs[TVX_RSI];
	r->rdi = v->gprs[TVX_RDI];
	r->rbp = v->gprs[TVX_RBP];
	r->r8 = v->gprs[TVX_R8];
	r->r9 = v->gprs[TVX_R9];
	r->r10 = v->gprs[TVX_R10];
	r->r11 = v->gprs[TVX_R11];
	r->r12 = v->gprs[TVX_R12];
	r->r13 = v->gprs[TVX_R13];
	r->r14 = v->gprs[TVX_R14];
	r->r15 = v->gprs[TVX_R15];
	r->rsp = vmcs_readl(GUEST_RSP);
	r->rip = vmcs_readl(GUEST_RIP);
	r->rflags = vmcs_readl(GUEST_RFLAGS);
}

/**
 * tvx_load_regs() - load general registers, RSP, RIP and RFLAGS
 * @v: the vCPU, its VMCS current
 * @r: the values
 */
void tvx_load_regs(struct tvx_vcpu *v, const struct thinvmx_regs *r)
{
	v->gprs[TVX_RAX] = r->rax;
	v->gprs[TVX_RBX] = r->rbx;
	v->gprs[TVX_RCX] = r->rcx;
	v->gprs[TVX_RDX] = r->rdx;
	v->gprs[TVX_RSI] = r->rsi;
	v->gprs[TVX_RDI] = r->rdi;
	v->gprs[TVX_RBP] = r->rbp;
	v->gprs[TVX_R8] = r->r8;
	v->gprs[TVX_R9] = r->r9;
	v->gprs[TVX_R10] = r->r10;
	v->gprs[TVX_R11] = r->r11;
	v->gprs[TVX_R12] = r->r12;
	v->gprs[TVX_R13] = r->r13;
	v->gprs[TVX_R14] = r->r14;
	v->gprs[TVX_R15] = r->r15;
	vmcs_writel(GUEST_RSP, r->rsp);
	vmcs_writel(GUEST_RIP, r->rip);
	/* bit 1 is always 1; reserved bits stay 0 (SDM 26.3.1.4) */
	vmcs_writel(GUEST_RFLAGS, (r->rflags & 0x3f7fd7) | X86_EFLAGS_FIXED);
}

static void tvx_set_regs_fn(struct tvx_vcpu *v, void *arg)
{
	tvx_load_regs(v, arg);
	/* new registers: nothing half-done survives */
	v->pending = TVX_PENDING_NONE;
}

static void tvx_get_sregs_fn(struct tvx_vcpu *v, void *arg)
{
	struct thinvmx_sregs *s = arg;
	struct thinvmx_segment *seg = &s->cs;
	int i;

	for (i = 0; i < ARRAY_SIZE(tvx_segs); i++) {
		seg[i].selector = vmcs_read16(tvx_segs[i].sel);
		seg[i].base = vmcs_readl(tvx_segs[i].base);
		seg[i].limit = vmcs_read32(tvx_segs[i].limit);
		seg[i].ar = vmcs_read32(tvx_segs[i].ar);
	}
	s->gdt.base = vmcs_readl(GUEST_GDTR_BASE);
	s->gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	s->idt.base = vmcs_readl(GUEST_IDTR_BASE);
	s->idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	s->cr0 = tvx_guest_cr0(v);
	s->cr2 = v->cr2;
	s->cr3 = vmcs_readl(GUEST_CR3);
	s->cr4 = tvx_guest_cr4(v);
	s->efer = vmcs_read64(GUEST_IA32_EFER);
}

/**
 * tvx_load_pdptes() - the PDPTEs of PAE paging into the VMCS
 * @v: the vCPU, its VMCS current
 * @cr3: the guest's CR3 (bits 31:5 address the table, as for the CPU)
 * @checked: refuse what the CPU refuses (a MOV to CR3 or a paging mode
 *	     change); else load what is there, zeros if it is not RAM
 *	     (SET_SREGS: the VM entry then judges it)
 *
 * PAE paging with EPT keeps its four PDPTEs in the VMCS (SDM 26.3.1.6).
 *
 * Return: 0, or -EINVAL when the table is not in RAM or an entry is
 * present with reserved bits set (with @checked, nothing was loaded:
 * the guest gets #GP).
 */
int tvx_load_pdptes(struct tvx_vcpu *v, u64 cr3, bool checked)
{
	static const u32 f[4] = { GUEST_PDPTR0, GUEST_PDPTR1, GUEST_PDPTR2,
				  GUEST_PDPTR3 };
	u64 rsvd = GENMASK_ULL(63, boot_cpu_data.x86_phys_bits) |
		   GENMASK_ULL(8, 5) | GENMASK_ULL(2, 1);
	u64 pdpte[4] = { 0 };
	int i, ret = 0;

	if (tvx_read_guest(v->dom, cr3 & GENMASK_ULL(31, 5), pdpte, sizeof(pdpte)))
		ret = -EINVAL;
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & _PAGE_PRESENT) && (pdpte[i] & rsvd))
			ret = -EINVAL;
	if (ret && checked)
		return ret;
	for (i = 0; i < 4; i++)
		vmcs_write64(f[i], pdpte[i]);
	return ret;
}

static void tvx_set_sregs_fn(struct tvx_vcpu *v, void *arg)
{
	struct thinvmx_sregs *s = arg;
	struct thinvmx_segment *seg = &s->cs;
	u64 efer = s->efer;
	int i;

	for (i = 0; i < ARRAY_SIZE(tvx_segs); i++) {
		vmcs_write16(tvx_segs[i].sel, seg[i].selector);
		vmcs_writel(tvx_segs[i].base, seg[i].base);
		vmcs_write32(tvx_segs[i].limit, seg[i].limit);
		vmcs_write32(tvx_segs[i].ar, seg[i].ar);
	}
	vmcs_writel(GUEST_GDTR_BASE, s->gdt.base);
	vmcs_write32(GUEST_GDTR_LIMIT, s->gdt.limit);
	vmcs_writel(GUEST_IDTR_BASE, s->idt.base);
	vmcs_write32(GUEST_IDTR_LIMIT, s->idt.limit);
	tvx_set_guest_cr0(v, s->cr0);
	v->cr2 = s->cr2;
	vmcs_writel(GUEST_CR3, s->cr3);
	tvx_set_guest_cr4(v, s->cr4);
	/* EFER.LMA follows LME and paging; the entry control follows LMA */
	if ((efer & EFER_LME) && (s->cr0 & X86_CR0_PG))
		efer |= EFER_LMA;
	else
		efer &= ~EFER_LMA;
	vmcs_write64(GUEST_IA32_EFER, efer);
	if (efer & EFER_LMA)
		vmcs_set_bits32(VM_ENTRY_CONTROLS, VMX_ENTRY_IA32E_MODE);
	else
		vmcs_clear_bits32(VM_ENTRY_CONTROLS, VMX_ENTRY_IA32E_MODE);
	if ((s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE) && !(efer & EFER_LMA))
		tvx_load_pdptes(v, s->cr3, false);
	v->pending = TVX_PENDING_NONE;
}

static int tvx_check_sregs(const struct thinvmx_sregs *s)
{
	const struct thinvmx_segment *seg = &s->cs;
	int i;

	for (i = 0; i < ARRAY_SIZE(s->reserved); i++)
		if (s->reserved[i])
			return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(tvx_segs); i++)
		if (seg[i].pad[0] || seg[i].pad[1] || seg[i].pad[2])
			return -EINVAL;
	if (s->gdt.pad[0] || s->gdt.pad[1] || s->gdt.pad[2] ||
	    s->idt.pad[0] || s->idt.pad[1] || s->idt.pad[2])
		return -EINVAL;
	/*
	 * Without unrestricted guest, VMX runs guests only with protection
	 * and paging on (SDM 26.3.1.1); real mode and unpaged protected mode
	 * would need the identity-map and VM86 helpers, not done yet.
	 */
	if (!(tvx_host_caps->features & THINVMX_FEAT_UNRESTRICTED) &&
	    (!(s->cr0 & X86_CR0_PE) || !(s->cr0 & X86_CR0_PG)))
		return -EOPNOTSUPP;
	if (s->cr0 >> 32 || (s->cr4 & ~(tvx_host_caps->msr_cr4_fixed1 & ~X86_CR4_VMXE)))
		return -EINVAL;
	if (s->efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------ the fd */

static long tvx_vcpu_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct tvx_vcpu *v = file->private_data;
	void __user *argp = (void __user *)arg;
	union {
		struct thinvmx_regs regs;
		struct thinvmx_sregs sregs;
	} u;
	long ret;

	memset(&u, 0, sizeof(u));
	switch (cmd) {
	case THINVMX_SET_REGS:
		if (copy_from_user(&u.regs, argp, sizeof(u.regs)))
			return -EFAULT;
		break;
	case THINVMX_SET_SREGS:
		if (copy_from_user(&u.sregs, argp, sizeof(u.sregs)))
			return -EFAULT;
		ret = tvx_check_sregs(&u.sregs);
		if (ret)
			return ret;
		break;
	case THINVMX_RUN:
	case THINVMX_GET_REGS:
	case THINVMX_GET_SREGS:
		break;
	default:
		return -ENOTTY;
	}

	if (mutex_lock_killable(&v->run_lock))
		return -EINTR;
	switch (cmd) {
	case THINVMX_RUN:
		ret = tvx_vcpu_run(v);
		break;
	case THINVMX_GET_REGS:
		ret = tvx_vcpu_with_vmcs(v, tvx_get_regs_fn, &u.regs);
		break;
	case THINVMX_SET_REGS:
		ret = tvx_vcpu_with_vmcs(v, tvx_set_regs_fn, &u.regs);
		break;
	case THINVMX_GET_SREGS:
		ret = tvx_vcpu_with_vmcs(v, tvx_get_sregs_fn, &u.sregs);
		break;
	default:
		ret = tvx_vcpu_with_vmcs(v, tvx_set_sregs_fn, &u.sregs);
		break;
	}
	mutex_unlock(&v->run_lock);

	if (!ret && cmd == THINVMX_GET_REGS &&
	    copy_to_user(argp, &u.regs, sizeof(u.regs)))
		ret = -EFAULT;
	if (!ret && cmd == THINVMX_GET_SREGS &&
	    copy_to_user(argp, &u.sregs, sizeof(u.sregs)))
		ret = -EFAULT;
	return ret;
}

static vm_fault_t tvx_vcpu_fault(struct vm_fault *vmf)
{
	struct tvx_vcpu *v = vmf->vma->vm_file->private_data;

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	get_page(v->run_page);
	vmf->page = v->run_page;
	return 0;
}

static const struct vm_operations_struct tvx_vcpu_vm_ops = {
	.fault = tvx_vcpu_fault,
};

static int tvx_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start > PAGE_SIZE ||
	    (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &tvx_vcpu_vm_ops;
	return 0;
}

/* A freed vCPU's counters stay with its domain. */
static void tvx_stats_fold(struct tvx_vcpu_stats *to,
			   const struct tvx_vcpu_stats *from)
{
	int i, j;

	for (i = 0; i < ARRAY_SIZE(to->exits); i++)
		to->exits[i] += from->exits[i];
	for (i = 0; i < ARRAY_SIZE(to->events); i++)
		for (j = 0; j < ARRAY_SIZE(to->events[0]); j++)
			to->events[i][j] += from->events[i][j];
	to->ring_waits += from->ring_waits;
	to->traps_injected += from->traps_injected;
}

/**
 * tvx_vcpu_free() - free a vCPU whose fd is gone
 * @v: the vCPU
 */
void tvx_vcpu_free(struct tvx_vcpu *v)
{
	struct tvx_domain *dom = v->dom;

	vmx_loaded_vmcs_clear(&v->vmcs);
	if (v->vpid) {
		__invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, v->vpid, 0);
		ida_free(&tvx_vpid_ida, v->vpid);
	}
	fpu_free_guest_fpstate(&v->gfpu);
	tvx_listener_vcpu_free(v);
	tvx_free_pages(v->vmcs.vmcs, 0);
	/* the run page may still be mapped: the last put frees it */
	atomic_long_sub(1, &tvx_pages);
	put_page(v->run_page);
	mutex_lock(&dom->lock);
	dom->vcpus[v->id] = NULL;
	tvx_stats_fold(&dom->stats_gone, &v->stats);
	mutex_unlock(&dom->lock);
	kfree(v);
	tvx_domain_put(dom);
}

static int tvx_vcpu_release(struct inode *inode, struct file *file)
{
	tvx_vcpu_free(file->private_data);
	return 0;
}

static const struct file_operations tvx_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= tvx_vcpu_release,
	.unlocked_ioctl	= tvx_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= tvx_vcpu_mmap,
	.llseek		= noop_llseek,
};

static void tvx_vmcs_setup_fn(struct tvx_vcpu *v, void *arg)
{
	tvx_vmcs_setup(v);
}

/**
 * tvx_create_vcpu() - THINVMX_CREATE_VCPU
 * @dom:  the domain
 * @uarg: the caller's struct thinvmx_create_vcpu
 *
 * Return: a new vCPU fd, or -EFAULT, -EINVAL (bad id, flags, reserved),
 * -EEXIST (the id is taken), -ENOMEM, or a VMX failure (-EIO).
 */
int tvx_create_vcpu(struct tvx_domain *dom, struct thinvmx_create_vcpu __user *uarg)
{
	struct thinvmx_create_vcpu cv;
	struct tvx_vcpu *v;
	struct page *vmcs;
	int ret;

	BUILD_BUG_ON(sizeof(((struct tvx_vcpu *)0)->gprs) != 16 * 8);
	if (copy_from_user(&cv, uarg, sizeof(cv)))
		return -EFAULT;
	if (cv.flags || cv.reserved[0] || cv.reserved[1] ||
	    cv.id >= THINVMX_MAX_VCPUS)
		return -EINVAL;

	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;
	v->dom = dom;
	v->id = cv.id;
	v->host_cpu = -1;
	v->running_cpu = -1;
	v->ev_rec = &v->ev;
	mutex_init(&v->run_lock);
	spin_lock_init(&v->trap_lock);
	ret = -ENOMEM;
	vmcs = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!vmcs)
		goto err_free;
	vmx_loaded_vmcs_init(&v->vmcs, vmcs);
	v->run_page = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!v->run_page)
		goto err_vmcs;
	v->run = page_address(v->run_page);
	if (!fpu_alloc_guest_fpstate(&v->gfpu))
		goto err_run;
	if (tvx_host_caps->features & THINVMX_FEAT_VPID) {
		ret = ida_alloc_range(&tvx_vpid_ida, 1, 0xffff, GFP_KERNEL);
		v->vpid = ret < 0 ? 0 : ret;	/* without one: flush on entry */
	}
	ret = tvx_vcpu_with_vmcs(v, tvx_vmcs_setup_fn, NULL);
	if (ret)
		goto err_fpu;

	mutex_lock(&dom->lock);
	ret = dom->vcpus[cv.id] ? -EEXIST :
	      tvx_listener_vcpu_allowed(dom, cv.id);
	if (ret) {
		mutex_unlock(&dom->lock);
		goto err_fpu;
	}
	dom->vcpus[cv.id] = v;
	kref_get(&dom->ref);
	mutex_unlock(&dom->lock);

	ret = anon_inode_getfd("thinvmx-vcpu", &tvx_vcpu_fops, v,
			       O_RDWR | O_CLOEXEC);
	if (ret < 0)
		tvx_vcpu_free(v);
	return ret;

err_fpu:
	vmx_loaded_vmcs_clear(&v->vmcs);
	if (v->vpid)
		ida_free(&tvx_vpid_ida, v->vpid);
	fpu_free_guest_fpstate(&v->gfpu);
err_run:
	tvx_free_pages(v->run_page, 0);
err_vmcs:
	tvx_free_pages(vmcs, 0);
err_free:
	kfree(v);
	return ret;
}
