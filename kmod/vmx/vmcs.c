// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's VMCS: its set-up at creation (controls from the host's
 * capabilities, host state, the guest's architectural reset state), the
 * host state that follows the CPU it runs on, and the CR0/CR4 bits the
 * host owns (the guest/host masks and read shadows).
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <asm/desc.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/tsc.h>

#include "vcpu.h"
#include "vmx/host_caps.h"
#include "vmx/regs.h"
#include "vmx/run.h"
#include "vmx/vmx_bits.h"
#include "vmx/xcr0.h"

u64 tvx_host_xcr0;

/* CR0 bits the guest may not clear although it thinks it did. */
u64 tvx_cr0_guest_owned_fixed(void)
{
	u64 fixed0 = tvx_host_caps->msr_cr0_fixed0;

	/* Unrestricted guest exempts PE and PG (SDM 26.3.1.1). */
	if (cpu_has_vmx_unrestricted_guest())
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
 * CR4.MCE is always set in the hardware: with it clear, a machine check
 * while the guest runs shuts the processor down instead of reaching the
 * host's handler (KVM keeps it set the same way). The guest sees its own
 * MCE in the read shadow (tvx_cr4_mask() owns the bit).
 *
 * Return: @guest with CR4.VMXE, CR4.MCE and the other fixed-1 bits set.
 */
u64 tvx_cr4_hw(u64 guest)
{
	return guest | tvx_host_caps->msr_cr4_fixed0 | X86_CR4_MCE;
}

/**
 * tvx_cr4_mask() - the CR4 bits the guest never owns
 *
 * Return: VMXE, MCE (tvx_cr4_hw()), and what VMX forbids in non-root.
 */
u64 tvx_cr4_mask(void)
{
	return X86_CR4_VMXE | X86_CR4_MCE | ~tvx_host_caps->msr_cr4_fixed1 |
	       tvx_host_caps->msr_cr4_fixed0;
}

/*
 * A guest CR0/CR4 value: the read shadow (kept in the vCPU too: only the
 * module writes it) and the register the hardware runs with.
 */
void tvx_set_guest_cr0(struct tvx_vcpu *v, u64 val)
{
	v->cr.cr0_shadow = val;
	vmcs_writel(CR0_READ_SHADOW, val);
	vmcs_writel(GUEST_CR0, tvx_cr0_hw(val));
}

void tvx_set_guest_cr4(struct tvx_vcpu *v, u64 val)
{
	v->cr.cr4_shadow = val;
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
 * tvx_set_cr_masks() - the CR0 and CR4 bits the host owns from now on
 * @v:        the vCPU, its VMCS current
 * @cr0_mask: the new CR0 guest/host mask
 * @cr4_mask: the new CR4 guest/host mask
 */
void tvx_set_cr_masks(struct tvx_vcpu *v, u64 cr0_mask, u64 cr4_mask)
{
	tvx_set_cr_mask(CR0_GUEST_HOST_MASK, CR0_READ_SHADOW, GUEST_CR0,
			&v->cr.cr0_mask, &v->cr.cr0_shadow, cr0_mask);
	tvx_set_cr_mask(CR4_GUEST_HOST_MASK, CR4_READ_SHADOW, GUEST_CR4,
			&v->cr.cr4_mask, &v->cr.cr4_shadow, cr4_mask);
}

/**
 * tvx_preemption_ticks() - the VMX-preemption timer's value for an entry
 *
 * The timer, reloaded at every entry, ends an entry after about a
 * millisecond: a guest can never keep the CPU longer than that without the
 * host looking at signals and the scheduler. It counts down at the TSC
 * rate divided by 2^IA32_VMX_MISC[4:0] (SDM 26.5.1).
 *
 * Return: a millisecond's worth of ticks, at least 1.
 */
u32 tvx_preemption_ticks(void)
{
	u64 ticks = (u64)tsc_khz >> vmx_preemption_timer_shift();

	return clamp_t(u64, ticks, 1, U32_MAX);
}

/**
 * tvx_vmcs_host_cpu() - the host state that is the same for every entry
 *			 on this CPU
 * @v: the vCPU, its VMCS current here, which last held another CPU's
 */
void tvx_vmcs_host_cpu(struct tvx_vcpu *v)
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
	tvx_views_flush_this_cpu(v->dom);
	v->host.cpu = smp_processor_id();
	/* what Linux put in IA32_TSC_AUX for getcpu() (setup_getcpu()) */
	v->host.tsc_aux = cpu_has_vmx_rdtscp() ?
			  vdso_encode_cpunode(v->host.cpu,
					      cpu_to_node(v->host.cpu)) : 0;
}

/**
 * tvx_vmcs_guest_reset() - the guest's state after power-up or INIT
 * @v: the vCPU, its VMCS current
 *
 * The registers of SDM table 10-1 that the VMCS holds, no event pending,
 * out of IA-32e mode. The GPRs are the caller's (zero at creation).
 */
void tvx_vmcs_guest_reset(struct tvx_vcpu *v)
{
	int i;

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
	vmcs_writel(GUEST_DR7, VMX_DR7_FIXED_1);	/* never anything else */
	v->dr7 = VMX_DR7_FIXED_1;
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
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_clear_bits32(VM_ENTRY_CONTROLS, VMX_ENTRY_IA32E_MODE);
}

void tvx_vmcs_setup(struct tvx_vcpu *v)
{
	const struct thinvmx_caps *c = tvx_host_caps;
	struct tvx_dom *dom = v->dom;
	u32 proc2 = c->proc2_ctls;
	u64 msr;

	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, c->pin_ctls);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, c->proc_ctls);
	if (!v->vpid)
		proc2 &= ~VMX_PROC2_VPID;
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, proc2);
	if (dom->lapic)
		tvx_lapic_vmcs_setup(v);
	vmcs_write32(VM_EXIT_CONTROLS, c->exit_ctls);
	vmcs_write32(VM_ENTRY_CONTROLS, c->entry_ctls);
	/* the CPU's own threshold, and nothing on top: as kvm_intel's default */
	if (proc2 & VMX_PROC2_NOTIFY_EXITING)
		vmcs_write32(NOTIFY_WINDOW, 0);
	if (v->vpid)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, v->vpid);
	vmcs_write64(EPT_POINTER, dom->ept.eptp);
	vmcs_write64(MSR_BITMAP, page_to_phys(dom->msr_bitmap));
	vmcs_write64(TSC_OFFSET, v->tsc_offset);
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	/*
	 * Guest XSAVES/XRSTORS run with the host's IA32_XSS (VMX does not
	 * switch it): one that names a supervisor component the host has
	 * enabled exits (and gets #GP), so a guest never reaches the
	 * host's supervisor state.
	 */
	if (proc2 & VMX_PROC2_XSAVES)
		vmcs_write64(XSS_EXIT_BITMAP, ~0ULL);
	if (cpu_has_vmx_preemption_timer())
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, tvx_preemption_ticks());
	/* #MC always goes to the host's handler; #AC is vmx/exit.c's */
	vmcs_write32(EXCEPTION_BITMAP, BIT(X86_TRAP_MC) | BIT(X86_TRAP_AC) |
		     BIT(X86_TRAP_DB));
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	v->cr.cr0_mask = tvx_cr0_guest_owned_fixed();
	v->cr.cr4_mask = tvx_cr4_mask();
	vmcs_writel(CR0_GUEST_HOST_MASK, v->cr.cr0_mask);
	vmcs_writel(CR4_GUEST_HOST_MASK, v->cr.cr4_mask);

	/* host state (SDM 26.2.2-26.2.4) */
	vmcs_writel(HOST_CR0, read_cr0());
	v->host.cr3 = __read_cr3();
	vmcs_writel(HOST_CR3, v->host.cr3);
	v->host.cr4 = cr4_read_shadow();
	vmcs_writel(HOST_CR4, v->host.cr4);
	vmcs_write16(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write16(HOST_DS_SELECTOR, 0);
	vmcs_write16(HOST_ES_SELECTOR, 0);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	rdmsrl(MSR_FS_BASE, msr);
	v->host.fs_base = msr;
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
	tvx_vmcs_guest_reset(v);
	/*
	 * Not the architectural reset value (x87 only): the host's, so that
	 * XCR0 is switched only for guests that set their own. In Bochs each
	 * switch (1 -> 7 around every exit) was followed, in about one run
	 * of four, by a failed XRSTORS of some host task's FPU state; with
	 * no switching, none in many runs. A guest sees the difference only
	 * by reading XCR0 before it writes it. Never more than a guest may
	 * enable (no AMX: vmx/xcr0.c).
	 */
	v->xcr0 = tvx_host_xcr0 ? xcr0_guest_allowed(tvx_host_xcr0) :
				  XFEATURE_MASK_FP;
}

/* Run @fn with the vCPU's VMCS current, for register access from ioctls. */
int tvx_vcpu_with_vmcs(struct tvx_vcpu *v,
		       void (*fn)(struct tvx_vcpu *v, void *arg), void *arg)
{
	int ret;

	for (;;) {
		preempt_disable();
		ret = tvx_vcpu_load(v);
		if (!ret)
			fn(v, arg);
		preempt_enable();
		if (ret != -EAGAIN)
			return ret;
		/* a CPU going down: schedule() moves this task off it */
		schedule();
	}
}
