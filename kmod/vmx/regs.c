// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's registers as THINVMX_GET/SET_REGS and THINVMX_GET/SET_SREGS
 * see them, and the PDPTEs PAE paging keeps in the VMCS.
 */
#include <asm/msr-index.h>
#include <asm/pgtable_types.h>
#include <asm/processor.h>

#include "vcpu.h"
#include "vmx/host_caps.h"
#include "vmx/regs.h"

/* Per vCPU segment fields, in struct thinvmx_sregs order. */
const struct tvx_seg_fields tvx_segs[TVX_NR_SEGS] = {
	{ GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES },
	{ GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
	{ GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
	{ GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
	{ GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
	{ GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
	{ GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES },
	{ GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES },
};

/* ------------------------------------------------------------ registers */

void tvx_get_regs_fn(struct tvx_vcpu *v, void *arg)
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

void tvx_set_regs_fn(struct tvx_vcpu *v, void *arg)
{
	tvx_load_regs(v, arg);
	/* new registers: nothing half-done survives */
	v->io.pending = TVX_PENDING_NONE;
}

void tvx_get_sregs_fn(struct tvx_vcpu *v, void *arg)
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

void tvx_set_sregs_fn(struct tvx_vcpu *v, void *arg)
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
	v->io.pending = TVX_PENDING_NONE;
}

int tvx_check_sregs(const struct thinvmx_sregs *s)
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
	if (!cpu_has_vmx_unrestricted_guest() &&
	    (!(s->cr0 & X86_CR0_PE) || !(s->cr0 & X86_CR0_PG)))
		return -EOPNOTSUPP;
	if (s->cr0 >> 32 || (s->cr4 & ~vmx_cr4_guest_settable()))
		return -EINVAL;
	if (s->efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
		return -EINVAL;
	return 0;
}
