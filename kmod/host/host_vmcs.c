// SPDX-License-Identifier: GPL-2.0
/*
 * A CPU's host-mode VMCS: its guest state is the CPU's own state as it is
 * right now (segments with the hidden parts the GDT gives them, descriptor
 * tables, control registers, the MSRs a VMCS holds, DR7); its host state
 * is root mode's: the kernel's segments, descriptor tables and per-CPU GS
 * base, root mode's own page table and stack, and tvx_host_exit_entry.
 * RSP, RIP and RFLAGS are written by tvx_host_launch() itself.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/segment.h>
#include <asm/special_insns.h>

#include "host/host_cpu.h"
#include "host/host_event.h"
#include "vmx/vmx_bits.h"
#include "vmx/vmx_ops.h"

#define HOST_AR_UNUSABLE	BIT(16)
#define HOST_AR_S		BIT(4)
#define HOST_AR_ACCESSED	BIT(0)

/* A selector's access rights as the VMCS wants them (SDM 25.4.1). */
static u32 host_seg_ar(u16 sel)
{
	unsigned int ar;
	bool ok;

	if (!(sel & ~3))
		return HOST_AR_UNUSABLE;	/* DPL 0: SS's DPL is the CPL */
	asm("lar %k[sel], %k[ar]" : [ar] "=r" (ar), "=@ccz" (ok)
	    : [sel] "r" ((unsigned int)sel));
	if (!ok)
		return HOST_AR_UNUSABLE;
	/* LAR gives descriptor bits 23:8; 19:16 are the limit's */
	ar = (ar >> 8) & 0xf0ff;
	/* a loaded code or data segment has been accessed (SDM 26.3.1.2) */
	if (ar & HOST_AR_S)
		ar |= HOST_AR_ACCESSED;
	return ar;
}

static u32 host_seg_limit(u16 sel)
{
	unsigned int limit;
	bool ok;

	if (!(sel & ~3))
		return 0;
	asm("lsl %k[sel], %k[limit]" : [limit] "=r" (limit), "=@ccz" (ok)
	    : [sel] "r" ((unsigned int)sel));
	return ok ? limit : 0;
}

/* Base of a GDT selector; system descriptors (TSS, LDT) are 16 bytes. */
static unsigned long host_seg_base(const struct desc_ptr *gdt, u16 sel)
{
	struct desc_struct *d;
	unsigned long base;

	if (!(sel & ~3) || (sel & 4) || (sel | 7) > gdt->size)
		return 0;
	d = (struct desc_struct *)(gdt->address + (sel & ~7));
	base = get_desc_base(d);
	if (!d->s)
		base |= (unsigned long)((u32 *)d)[2] << 32;
	return base;
}

struct host_seg {
	u32 sel, base, limit, ar;	/* VMCS fields */
};

static const struct host_seg host_segs[] = {
	{ GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
	{ GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES },
	{ GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
	{ GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
	{ GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
	{ GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
	{ GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES },
	{ GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES },
};

static void host_read_sels(u16 *sel)
{
	asm volatile("mov %%es, %0" : "=r" (sel[0]));
	asm volatile("mov %%cs, %0" : "=r" (sel[1]));
	asm volatile("mov %%ss, %0" : "=r" (sel[2]));
	asm volatile("mov %%ds, %0" : "=r" (sel[3]));
	asm volatile("mov %%fs, %0" : "=r" (sel[4]));
	asm volatile("mov %%gs, %0" : "=r" (sel[5]));
	asm volatile("sldt %0" : "=r" (sel[6]));
	asm volatile("str %0" : "=r" (sel[7]));
}

static void host_vmcs_guest(const struct tvx_host_cfg *cfg, const struct desc_ptr *gdt,
			    const struct desc_ptr *idt)
{
	u16 sel[ARRAY_SIZE(host_segs)];
	unsigned int i;
	u64 msr;

	host_read_sels(sel);
	for (i = 0; i < ARRAY_SIZE(host_segs); i++) {
		vmcs_write16(host_segs[i].sel, sel[i]);
		vmcs_writel(host_segs[i].base, host_seg_base(gdt, sel[i]));
		vmcs_write32(host_segs[i].limit, host_seg_limit(sel[i]));
		vmcs_write32(host_segs[i].ar, host_seg_ar(sel[i]));
	}
	/* 64-bit mode takes FS and GS bases from the MSRs, not the GDT */
	rdmsrl(MSR_FS_BASE, msr);
	vmcs_writel(GUEST_FS_BASE, msr);
	rdmsrl(MSR_GS_BASE, msr);
	vmcs_writel(GUEST_GS_BASE, msr);
	vmcs_writel(GUEST_GDTR_BASE, gdt->address);
	vmcs_write32(GUEST_GDTR_LIMIT, gdt->size);
	vmcs_writel(GUEST_IDTR_BASE, idt->address);
	vmcs_write32(GUEST_IDTR_LIMIT, idt->size);

	vmcs_writel(GUEST_CR0, read_cr0());
	vmcs_writel(GUEST_CR3, __read_cr3());
	vmcs_writel(GUEST_CR4, __read_cr4());
	vmcs_writel(GUEST_DR7, native_get_debugreg(7));
	rdmsrl(MSR_IA32_DEBUGCTLMSR, msr);
	vmcs_write64(GUEST_IA32_DEBUGCTL, msr);
	rdmsrl(MSR_EFER, msr);
	vmcs_write64(GUEST_IA32_EFER, msr);
	if (cfg->entry & VMX_ENTRY_LOAD_IA32_PAT) {
		rdmsrl(MSR_IA32_CR_PAT, msr);
		vmcs_write64(GUEST_IA32_PAT, msr);
	}
	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	vmcs_write32(GUEST_SYSENTER_CS, msr);
	rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
	vmcs_writel(GUEST_SYSENTER_ESP, msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	vmcs_writel(GUEST_SYSENTER_EIP, msr);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
}

static void host_vmcs_root(struct tvx_host_cpu *hc, const struct tvx_host_cfg *cfg,
			   const struct desc_ptr *gdt)
{
	u64 msr;

	vmcs_writel(HOST_CR0, read_cr0());
	/* PCID 0: without VPID every exit and entry flushes it anyway */
	vmcs_writel(HOST_CR3, cfg->root_pgd_pa);
	vmcs_writel(HOST_CR4, __read_cr4());
	vmcs_write16(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write16(HOST_DS_SELECTOR, 0);
	vmcs_write16(HOST_ES_SELECTOR, 0);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vmcs_writel(HOST_FS_BASE, 0);
	/* the kernel's per-CPU base: root mode's C code uses it */
	rdmsrl(MSR_GS_BASE, msr);
	vmcs_writel(HOST_GS_BASE, msr);
	vmcs_writel(HOST_TR_BASE, host_seg_base(gdt, GDT_ENTRY_TSS * 8));
	vmcs_writel(HOST_GDTR_BASE, gdt->address);
	/* root mode's own (host_idt.c); the limit is 0xffff after an exit */
	vmcs_writel(HOST_IDTR_BASE, cfg->idt_base);
	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	vmcs_write32(HOST_IA32_SYSENTER_CS, msr);
	rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
	vmcs_writel(HOST_IA32_SYSENTER_ESP, msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	vmcs_writel(HOST_IA32_SYSENTER_EIP, msr);
	rdmsrl(MSR_EFER, msr);
	vmcs_write64(HOST_IA32_EFER, msr);
	if (cfg->exit & VMX_EXIT_LOAD_IA32_PAT) {
		rdmsrl(MSR_IA32_CR_PAT, msr);
		vmcs_write64(HOST_IA32_PAT, msr);
	}
	vmcs_writel(HOST_RSP, (unsigned long)hc->root - TVX_HOST_FRAME);
	vmcs_writel(HOST_RIP, (unsigned long)tvx_host_exit_entry);
}

/**
 * tvx_host_vmcs_setup() - fill this CPU's host-mode VMCS from the CPU
 * @hc: this CPU's host-mode state; its VMCS current
 * @cfg: root mode's configuration
 *
 * Context: on the CPU itself, interrupts off, natively.
 */
void tvx_host_vmcs_setup(struct tvx_host_cpu *hc, const struct tvx_host_cfg *cfg)
{
	struct desc_ptr gdt, idt;

	native_store_gdt(&gdt);
	store_idt(&idt);

	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, cfg->pin);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, cfg->proc);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, cfg->proc2);
	vmcs_write32(VM_EXIT_CONTROLS, cfg->exit);
	vmcs_write32(VM_ENTRY_CONTROLS, cfg->entry);
	vmcs_write32(EXCEPTION_BITMAP, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write64(MSR_BITMAP, cfg->msr_bitmap_pa);
	if (cfg->proc2 & VMX_PROC2_EPT)
		vmcs_write64(EPT_POINTER, cfg->eptp);
	if (cfg->proc2 & VMX_PROC2_XSAVES)
		vmcs_write64(XSS_EXIT_BITMAP, 0);
	/*
	 * The host owns the CR bits VMX fixes (CR4.VMXE among them); the
	 * read shadows show the values the kernel wrote itself, VMXE set
	 * (the kernel set it before VMXON and keeps it in its CR4 cache):
	 * every CR4 write the kernel makes carries it and does not exit.
	 */
	vmcs_writel(CR0_GUEST_HOST_MASK, cfg->cr0_mask);
	vmcs_writel(CR0_READ_SHADOW, read_cr0());
	vmcs_writel(CR4_GUEST_HOST_MASK, cfg->cr4_mask);
	vmcs_writel(CR4_READ_SHADOW, __read_cr4());
	/* the masks, CR3 exiting and #BP as the host's events and policies want */
	tvx_host_vmcs_monitor(hc->root);

	host_vmcs_root(hc, cfg, &gdt);
	host_vmcs_guest(cfg, &gdt, &idt);
}
