// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptor-table exits (SDM Vol. 3, 26.1.3 and 28.2.5): with
 * descriptor-table exiting on -- only while a listener monitors
 * DESC_ACCESS (memevent/event.c, tvx_monitor_refresh()) -- every LGDT,
 * LIDT, LLDT, LTR, SGDT, SIDT, SLDT and STR exits before it does
 * anything, and the module must carry it out itself, as the CPU would
 * have: its checks and faults first (no event for an instruction that
 * faults), its operand through the guest's page tables, then the load or
 * the store. A sync event holds the instruction until the answer, which
 * may deny it (memevent/event.c, tvx_event_resume()).
 *
 * Outside 64-bit mode the segment's base applies but its limit is not
 * checked (the module's decoder does not check limits anywhere: the
 * guests it runs are flat).
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <asm/trapnr.h>
#include <asm/unaligned.h>

#include "ept/violation.h"
#include "memevent/event.h"
#include "vcpu.h"
#include "vmx/desc.h"
#include "vmx/exit.h"
#include "vmx/io.h"

/* The VMCS fields of the segment the instruction information names */
static u64 tvx_desc_seg_base(unsigned int seg, unsigned int mode)
{
	static const u32 base[6] = {
		GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE,
		GUEST_DS_BASE, GUEST_FS_BASE, GUEST_GS_BASE,
	};

	if (mode == 64 && seg < 4)
		return 0;
	return vmcs_readl(base[seg]);
}

/* A fault the instruction raises: the handler's value in @exit, -EFAULT */
static int tvx_desc_fault(struct tvx_vcpu *v, u8 vector, bool has_error,
			  u32 error, int *exit)
{
	*exit = tvx_inject_exception(v, vector, has_error, error);
	return -EFAULT;
}

/*
 * Read or write @len bytes (at most two pages' worth) at the guest's
 * linear address @lin, as the instruction would: every page translated
 * and looked up first, so that a fault leaves nothing written; @buf NULL
 * only checks. A write to a ram_ro frame is dropped, as the CPU's would
 * be. Return: 0, or -EFAULT with the handler's value in @exit (#PF, #GP
 * -- #SS for a stack segment operand -- or an internal error for a frame
 * that is no RAM the guest may access so).
 */
static int tvx_desc_mem(struct tvx_vcpu *v, u64 lin, bool wrap32, void *buf,
			unsigned int len, bool write, bool stack, int *exit)
{
	u64 cr0 = vmcs_readl(GUEST_CR0), gpa[2], hpa;
	unsigned int n[2], parts = 0, off = 0, i;
	struct gwalk_result res;
	int ret;

	while (off < len && parts < 2) {
		u64 a = wrap32 ? (u32)(lin + off) : lin + off;
		unsigned int chunk = min_t(u64, len - off,
					   PAGE_SIZE - offset_in_page(a));

		ret = tvx_translate(v, a, cr0, write ? GWALK_ACC_WRITE : 0, &res);
		if (ret == -EFAULT) {
			v->cr2 = a;
			return tvx_desc_fault(v, X86_TRAP_PF, true, res.pf_error,
					      exit);
		}
		if (ret)	/* not canonical */
			return tvx_desc_fault(v, stack ? X86_TRAP_SS : X86_TRAP_GP,
					      true, 0, exit);
		if (tvx_ept_access(v, res.gpa, write, false) < 0) {
			*exit = tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
			return -EFAULT;
		}
		gpa[parts] = res.gpa;
		n[parts++] = chunk;
		off += chunk;
	}
	if (!buf)
		return 0;
	for (i = 0, off = 0; i < parts; off += n[i], i++) {
		if (!write) {
			if (!tvx_read_guest(v->dom, gpa[i], buf + off, n[i]))
				continue;
		} else {
			ret = tvx_ept_access(v, gpa[i], true, true);
			if (ret == 1)
				continue;	/* ram_ro: dropped */
			/* RAM stays RAM while the domain lives */
			if (!ret && tvx_gpa_to_hpa(v->dom, gpa[i], &hpa)) {
				memcpy(phys_to_virt(hpa), buf + off, n[i]);
				continue;
			}
		}
		*exit = tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
		return -EFAULT;
	}
	return 0;
}

/* The bytes SGDT/SIDT store, or LGDT/LIDT load: a limit, then a base */
static unsigned int tvx_desc_table_len(unsigned int mode)
{
	return mode == 64 ? 10 : 6;
}

/* LGDT, LIDT: read the operand; a base that is not canonical is #GP(0) */
static int tvx_desc_load_table(struct tvx_vcpu *v, struct tvx_desc_op *op,
			       unsigned int mode, int *exit)
{
	u8 buf[10];
	u64 base;
	int ret;

	ret = tvx_desc_mem(v, op->gla, mode != 64, buf, tvx_desc_table_len(mode),
			   false, op->insn.seg == 2, exit);
	if (ret)
		return ret;
	op->limit = get_unaligned_le16(buf);
	if (mode == 64) {
		base = get_unaligned_le64(buf + 2);
		if (!desc_canonical(base, 48))
			return tvx_desc_fault(v, X86_TRAP_GP, true, 0, exit);
	} else {
		base = get_unaligned_le32(buf + 2);
		if (!op->insn.op32)
			base &= 0xffffff;
	}
	op->base = base;
	return 0;
}

/*
 * LLDT, LTR: the selector's descriptor in the GDT, checked as the CPU
 * checks it. A null selector: LLDT makes LDTR unusable, LTR is #GP(0).
 */
static int tvx_desc_load_system(struct tvx_vcpu *v, struct tvx_desc_op *op,
				int *exit)
{
	bool ltr = op->insn.which == THINVMX_DESC_TR;
	bool lm = vmcs_read64(GUEST_IA32_EFER) & EFER_LMA;
	u32 idx = op->sel & 0xfff8, err = op->sel & 0xfffc;
	unsigned int size = lm ? 16 : 8;
	__le64 desc[2] = { 0 };
	int ret;

	if (!(op->sel & ~3)) {
		if (ltr)
			return tvx_desc_fault(v, X86_TRAP_GP, true, 0, exit);
		op->seg.ar = VMX_AR_UNUSABLE_MASK;
		return 0;
	}
	if ((op->sel & 4) || idx + size - 1 > vmcs_read32(GUEST_GDTR_LIMIT))
		return tvx_desc_fault(v, X86_TRAP_GP, true, err, exit);
	op->desc_gla = vmcs_readl(GUEST_GDTR_BASE) + idx;
	ret = tvx_desc_mem(v, op->desc_gla, !lm, desc, size, false, false, exit);
	if (ret)
		return ret;
	switch (desc_check_system(le64_to_cpu(desc[0]), le64_to_cpu(desc[1]),
				  lm, ltr, &op->seg)) {
	case DESC_GP:
		return tvx_desc_fault(v, X86_TRAP_GP, true, err, exit);
	case DESC_NP:
		return tvx_desc_fault(v, X86_TRAP_NP, true, err, exit);
	default:
		return 0;
	}
}

/*
 * Decode and check the instruction that exited, and fetch what a load
 * loads: everything the CPU does before it changes anything. Return: 0,
 * or -EFAULT with the handler's value in @exit (a fault raised, or the
 * vCPU stopped).
 */
static int tvx_desc_prepare(struct tvx_vcpu *v, struct tvx_desc_op *op,
			    int *exit)
{
	u32 info = vmcs_read32(VMX_INSTRUCTION_INFO);
	u64 cr0 = vmcs_readl(GUEST_CR0), rflags = vmcs_readl(GUEST_RFLAGS);
	unsigned int cpl = VMX_AR_DPL(vmcs_read32(GUEST_SS_AR_BYTES));
	unsigned int mode = tvx_guest_mode(), len;
	bool system, pm = (cr0 & X86_CR0_PE) && !(rflags & X86_EFLAGS_VM);
	struct desc_insn *d = &op->insn;
	u8 bytes[EMU_MAX_LEN];
	u64 gprs[16], val;
	int ret;

	memset(op, 0, sizeof(*op));
	if (desc_decode((u16)v->exit_reason == EXIT_REASON_LDTR_TR, info, d)) {
		*exit = tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
		return -EFAULT;
	}
	op->len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	system = d->which == THINVMX_DESC_LDTR || d->which == THINVMX_DESC_TR;
	/* SDM Vol. 2: LLDT..STR are #UD outside protected mode */
	if (system && !pm)
		return tvx_desc_fault(v, X86_TRAP_UD, false, 0, exit);
	if ((d->load && cpl) ||
	    (!d->load && cpl && (tvx_guest_cr4(v) & X86_CR4_UMIP)))
		return tvx_desc_fault(v, X86_TRAP_GP, true, 0, exit);
	if (d->mem) {
		memcpy(gprs, v->gprs, sizeof(gprs));
		gprs[TVX_RSP] = vmcs_readl(GUEST_RSP);
		op->gla = tvx_desc_seg_base(d->seg, mode) +
			  desc_offset(d, vmcs_readl(EXIT_QUALIFICATION), gprs);
		if (mode != 64)
			op->gla = (u32)op->gla;
	}
	switch (d->which) {
	case THINVMX_DESC_GDTR:
	case THINVMX_DESC_IDTR:
		if (d->load)
			return tvx_desc_load_table(v, op, mode, exit);
		if (d->which == THINVMX_DESC_GDTR) {
			op->base = vmcs_readl(GUEST_GDTR_BASE);
			op->limit = vmcs_read32(GUEST_GDTR_LIMIT);
		} else {
			op->base = vmcs_readl(GUEST_IDTR_BASE);
			op->limit = vmcs_read32(GUEST_IDTR_LIMIT);
		}
		/* a store that would fault faults now, before any event */
		return tvx_desc_mem(v, op->gla, mode != 64, NULL,
				    tvx_desc_table_len(mode), true,
				    d->seg == 2, exit);
	default:
		if (d->load) {
			if (d->mem) {
				__le16 sel;

				ret = tvx_desc_mem(v, op->gla, mode != 64, &sel, 2,
						   false, d->seg == 2, exit);
				if (ret)
					return ret;
				op->sel = le16_to_cpu(sel);
			} else {
				val = d->reg == TVX_RSP ? vmcs_readl(GUEST_RSP) :
				      v->gprs[d->reg];
				op->sel = val;
			}
			return tvx_desc_load_system(v, op, exit);
		}
		op->sel = vmcs_read16(d->which == THINVMX_DESC_LDTR ?
				      GUEST_LDTR_SELECTOR : GUEST_TR_SELECTOR);
		if (d->mem)
			return tvx_desc_mem(v, op->gla, mode != 64, NULL, 2, true,
					    d->seg == 2, exit);
		/* the destination's size is in the prefixes alone */
		len = 0;
		if (tvx_fetch_insn(v, bytes, &len))
			len = 0;
		op->reg_size = desc_reg_size(bytes, len, mode);
		return 0;
	}
}

/* SLDT, STR to a register: 16 bits merged, else zero-extended */
static void tvx_desc_store_reg(struct tvx_vcpu *v, const struct tvx_desc_op *op)
{
	unsigned int r = op->insn.reg;
	u64 old = r == TVX_RSP ? vmcs_readl(GUEST_RSP) : v->gprs[r];
	u64 val = op->reg_size == 2 ? (old & ~0xffffULL) | op->sel : op->sel;

	if (r == TVX_RSP)
		vmcs_writel(GUEST_RSP, val);
	else
		v->gprs[r] = val;
}

/* Load LDTR or TR with a checked segment; LTR marks its TSS busy first. */
static int tvx_desc_load_seg(struct tvx_vcpu *v, const struct tvx_desc_op *op)
{
	bool ltr = op->insn.which == THINVMX_DESC_TR;
	bool lm = vmcs_read64(GUEST_IA32_EFER) & EFER_LMA;
	int exit;
	u8 type;

	if (ltr) {
		/* the access byte: type 9 becomes 11, 1 becomes 3 */
		if (tvx_desc_mem(v, op->desc_gla + 5, !lm, &type, 1, false,
				 false, &exit))
			return exit;
		type |= 2;
		if (tvx_desc_mem(v, op->desc_gla + 5, !lm, &type, 1, true,
				 false, &exit))
			return exit;
	}
	vmcs_write16(ltr ? GUEST_TR_SELECTOR : GUEST_LDTR_SELECTOR, op->sel);
	vmcs_write32(ltr ? GUEST_TR_AR_BYTES : GUEST_LDTR_AR_BYTES, op->seg.ar);
	if (op->seg.ar & VMX_AR_UNUSABLE_MASK)
		return TVX_EXIT_RESUME;
	vmcs_writel(ltr ? GUEST_TR_BASE : GUEST_LDTR_BASE, op->seg.base);
	vmcs_write32(ltr ? GUEST_TR_LIMIT : GUEST_LDTR_LIMIT, op->seg.limit);
	return TVX_EXIT_RESUME;
}

/**
 * tvx_desc_complete() - carry out a checked descriptor-table instruction
 * @v:  the vCPU, its VMCS current
 * @op: what tvx_desc_prepare() found, at the exit or held for an answer
 *
 * The load or the store (the store's pages were looked at already, but
 * the guest may have changed its page tables while an answer was due, so
 * they can fault now), then RIP past the instruction.
 *
 * Return: TVX_EXIT_RESUME, or an injected fault's or an internal error's
 * handler value.
 */
int tvx_desc_complete(struct tvx_vcpu *v, const struct tvx_desc_op *op)
{
	const struct desc_insn *d = &op->insn;
	unsigned int mode = tvx_guest_mode();
	bool gdt = d->which == THINVMX_DESC_GDTR;
	int ret = TVX_EXIT_RESUME;
	u8 buf[10];
	__le16 sel;

	switch (d->which) {
	case THINVMX_DESC_GDTR:
	case THINVMX_DESC_IDTR:
		if (d->load) {
			vmcs_writel(gdt ? GUEST_GDTR_BASE : GUEST_IDTR_BASE, op->base);
			vmcs_write32(gdt ? GUEST_GDTR_LIMIT : GUEST_IDTR_LIMIT,
				     op->limit);
			break;
		}
		put_unaligned_le16(op->limit, buf);
		put_unaligned_le64(op->base, buf + 2);
		if (tvx_desc_mem(v, op->gla, mode != 64, buf,
				 tvx_desc_table_len(mode), true, d->seg == 2, &ret))
			return ret;
		break;
	default:
		if (d->load) {
			ret = tvx_desc_load_seg(v, op);
			if (ret != TVX_EXIT_RESUME)
				return ret;
		} else if (d->mem) {
			sel = cpu_to_le16(op->sel);
			if (tvx_desc_mem(v, op->gla, mode != 64, &sel, 2, true,
					 d->seg == 2, &ret))
				return ret;
		} else {
			tvx_desc_store_reg(v, op);
		}
		break;
	}
	vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + op->len);
	return TVX_EXIT_RESUME;
}

static void tvx_desc_event_fill(struct tvx_vcpu *v, struct thinvmx_event *ev,
				const struct tvx_desc_op *op)
{
	struct thinvmx_event_desc *e = &ev->u.desc;
	const struct desc_insn *d = &op->insn;

	e->descriptor = d->which;
	e->flags = (d->load ? THINVMX_DESC_F_LOAD : 0) |
		   (d->mem ? THINVMX_DESC_F_MEM : 0);
	e->insn_len = op->len;
	e->instr_info = vmcs_read32(VMX_INSTRUCTION_INFO);
	e->exit_qualification = vmcs_readl(EXIT_QUALIFICATION);
	e->gla = d->mem ? op->gla : 0;
	switch (d->which) {
	case THINVMX_DESC_GDTR:
		e->old_base = vmcs_readl(GUEST_GDTR_BASE);
		e->old_limit = vmcs_read32(GUEST_GDTR_LIMIT);
		break;
	case THINVMX_DESC_IDTR:
		e->old_base = vmcs_readl(GUEST_IDTR_BASE);
		e->old_limit = vmcs_read32(GUEST_IDTR_LIMIT);
		break;
	case THINVMX_DESC_LDTR:
		e->old_selector = vmcs_read16(GUEST_LDTR_SELECTOR);
		break;
	case THINVMX_DESC_TR:
		e->old_selector = vmcs_read16(GUEST_TR_SELECTOR);
		break;
	}
	if (d->which == THINVMX_DESC_GDTR || d->which == THINVMX_DESC_IDTR) {
		e->base = op->base;
		e->limit = op->limit;
	} else {
		e->selector = op->sel;
	}
}

/*
 * GDTR/IDTR and LDTR/TR access exits. Faults first (no event); then the
 * event when DESC_ACCESS is monitored: async, the instruction is done
 * and reported; sync, it waits for the answer (tvx_event_resume()).
 * Without a listener (descriptor-table exiting not yet switched off) the
 * instruction is simply done.
 */
int handle_desc(struct tvx_vcpu *v)
{
	enum monitor_delivery d;
	struct thinvmx_event *ev;
	struct tvx_desc_op op;
	int ret, exit, sent;

	if (tvx_desc_prepare(v, &op, &exit))
		return exit;
	d = monitor_delivery(&v->dom->monitor, THINVMX_MONITOR_DESC_ACCESS);
	ev = d == MONITOR_NONE ? NULL :
	     tvx_event_begin(v, THINVMX_EVENT_DESC_ACCESS, d);
	if (ev) {
		tvx_desc_event_fill(v, ev, &op);
		if (d == MONITOR_SYNC) {
			v->ev.desc = op;
			v->ev.insn_len = op.len;
			return tvx_event_send(v);
		}
	}
	ret = tvx_desc_complete(v, &op);
	/* an event begun is sent, even for a vCPU that faulted */
	sent = ev ? tvx_event_send(v) : TVX_EXIT_RESUME;
	return ret == TVX_EXIT_RESUME ? sent : ret;
}
