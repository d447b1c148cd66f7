// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O, INS/OUTS and emulated MMIO: what goes to the VMM through
 * struct thinvmx_run, and what the next RUN does with its answer
 * (tvx_complete_pending()). Also the guest's view that decoding needs:
 * its mode, its page walk, its instruction bytes.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <asm/processor.h>
#include <asm/trapnr.h>

#include "ept/violation.h"
#include "lapic/lapic.h"
#include "vcpu.h"
#include "vmx/exit.h"
#include "vmx/host_caps.h"
#include "vmx/io.h"

static int tvx_string_io(struct tvx_vcpu *v, unsigned long qual);

/*
 * Port I/O (SDM table 28-5): OUT goes to userspace with its value; IN
 * goes to userspace, and the next RUN puts the VMM's data in RAX. INS
 * and OUTS: tvx_string_io().
 */
static int tvx_io_to_vmm(struct tvx_vcpu *v, unsigned long qual)
{
	struct thinvmx_run *run = v->run;
	unsigned int size = (qual & VMX_IO_QUAL_SIZE_MASK) + 1;

	if (qual & VMX_IO_QUAL_STRING)
		return tvx_string_io(v, qual);
	run->exit_reason = THINVMX_EXIT_IO;
	run->io.port = qual >> 16;
	run->io.size = size;
	run->io.pad = 0;
	v->io.size = size;
	if (qual & VMX_IO_QUAL_IN) {
		run->io.direction = THINVMX_IO_IN;
		run->io.data = 0;
		v->io.pending = TVX_PENDING_IO_IN;
	} else {
		run->io.direction = THINVMX_IO_OUT;
		run->io.data = v->gprs[TVX_RAX] & GENMASK_ULL(size * 8 - 1, 0);
		v->io.pending = TVX_PENDING_SKIP;
	}
	v->io.len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	return TVX_EXIT_TO_USER;
}

/*
 * A port access is reported, while IO is monitored, before the VMM sees
 * it: async, it then goes to the VMM; sync, the answer decides
 * (tvx_event_resume(): denied, or run again). An access an answer let
 * through runs again unreported, once, at the RIP it was let through at.
 * An async event that must wait for room in the ring runs again the same
 * way once it is sent, so the VMM never sees an access before its event.
 */
int handle_io(struct tvx_vcpu *v)
{
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	struct thinvmx_event_io *e;
	struct thinvmx_event *ev;
	enum monitor_delivery d;
	u64 rip;
	int ret;

	d = monitor_delivery(&v->dom->monitor, THINVMX_MONITOR_IO);
	if (d == MONITOR_NONE)
		return tvx_io_to_vmm(v, qual);
	rip = vmcs_readl(GUEST_RIP);
	if (v->ev.io_pass && v->ev.io_pass_rip == rip) {
		v->ev.io_pass = false;
		return tvx_io_to_vmm(v, qual);
	}
	ev = tvx_event_begin(v, THINVMX_EVENT_IO, d);
	if (!ev)
		return tvx_io_to_vmm(v, qual);
	e = &ev->u.io;
	e->port = qual >> 16;
	e->size = (qual & VMX_IO_QUAL_SIZE_MASK) + 1;
	e->flags = ((qual & VMX_IO_QUAL_IN) ? THINVMX_IO_F_IN : 0) |
		   ((qual & VMX_IO_QUAL_STRING) ? THINVMX_IO_F_STRING : 0) |
		   ((qual & VMX_IO_QUAL_REP) ? THINVMX_IO_F_REP : 0);
	e->insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	if (!(qual & (VMX_IO_QUAL_IN | VMX_IO_QUAL_STRING)))
		e->value = v->gprs[TVX_RAX] & GENMASK_ULL(e->size * 8 - 1, 0);
	if (qual & VMX_IO_QUAL_STRING)
		e->gla = vmcs_readl(GUEST_LINEAR_ADDRESS);
	v->ev.qual = qual;
	v->ev.insn_len = e->insn_len;
	ret = tvx_event_send(v);
	if (d == MONITOR_SYNC)
		return ret;
	if (ret == TVX_EXIT_RESUME)
		return tvx_io_to_vmm(v, qual);
	/* it waits for room: the access runs again after */
	v->ev.io_pass = true;
	v->ev.io_pass_rip = rip;
	return ret;
}

/**
 * tvx_io_deny() - a port access the listener denied
 * @v: the vCPU, its VMCS current, resuming from the IO event
 * @qual: the access's exit qualification
 *
 * Done as if a VMM had answered: an OUT (OUTS element) goes nowhere, an
 * IN (INS element) reads all ones, as from a port nothing answers.
 *
 * Return: TVX_EXIT_RESUME, or another handler value (a fault injected
 * for a string element, an internal error).
 */
int tvx_io_deny(struct tvx_vcpu *v, unsigned long qual)
{
	int ret = tvx_io_to_vmm(v, qual);

	if (ret != TVX_EXIT_TO_USER || v->io.pending == TVX_PENDING_NONE)
		return ret;
	WRITE_ONCE(v->run->io.data, ~0ULL);
	v->run->exit_reason = THINVMX_EXIT_NONE;
	return tvx_complete_pending(v);
}

static int tvx_gwalk_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return tvx_read_guest(ctx, gpa, buf, len);
}

/*
 * The guest's translation of @lin for an access (GWALK_ACC_FETCH,
 * GWALK_ACC_WRITE or 0 for a read) at its CPL, under @cr0. VMCS fields
 * cost: paging off needs none, and the PDPTEs only PAE paging outside
 * long mode.
 */
int tvx_translate(struct tvx_vcpu *v, u64 lin, u64 cr0, u32 acc,
		  struct gwalk_result *res)
{
	u64 pdptes[4] = { 0 };
	struct gwalk_regs regs = {
		.cr0 = cr0,
		.pdptes = pdptes,
		.maxphyaddr = boot_cpu_data.x86_phys_bits,
	};
	u32 access;

	if (!(regs.cr0 & X86_CR0_PG)) {
		res->gpa = (u32)lin;
		res->page_size = PAGE_SIZE;
		return 0;
	}
	regs.cr3 = vmcs_readl(GUEST_CR3);
	regs.cr4 = vmcs_readl(GUEST_CR4);
	regs.efer = vmcs_read64(GUEST_IA32_EFER);
	if ((regs.cr4 & X86_CR4_PAE) && !(regs.efer & EFER_LMA)) {
		pdptes[0] = vmcs_read64(GUEST_PDPTR0);
		pdptes[1] = vmcs_read64(GUEST_PDPTR1);
		pdptes[2] = vmcs_read64(GUEST_PDPTR2);
		pdptes[3] = vmcs_read64(GUEST_PDPTR3);
	}
	/* CPL is SS.DPL (SDM 25.4.1) */
	access = acc | (VMX_AR_DPL(vmcs_read32(GUEST_SS_AR_BYTES)) == 3 ?
			GWALK_ACC_USER : 0);
	return gwalk_translate(&regs, lin, access, tvx_gwalk_read, v->dom, res);
}

/*
 * INS and OUTS (SDM Vol. 2, and table 28-5), one element per exit: the
 * element goes to the VMM as a plain OUT, or comes from it as a plain IN,
 * and the next RUN moves RSI or RDI by the element size (down with
 * RFLAGS.DF) and, with REP, counts RCX down, leaving RIP on the
 * instruction until RCX is 0, so that interrupts come in between as on
 * hardware. Address size and the memory operand's linear address are the
 * VM exit's (INS/OUTS information, IA32_VMX_BASIC bit 54). A translation
 * fault becomes the guest's #PF, a non-canonical address its #GP; the
 * element must lie in one RAM frame the guest may access so (see
 * tvx_ept_access()); anything else stops the vCPU as emulation
 * thinvmx does not do.
 */
static noinline int tvx_string_io(struct tvx_vcpu *v, unsigned long qual)
{
	struct thinvmx_run *run = v->run;
	unsigned int size = (qual & VMX_IO_QUAL_SIZE_MASK) + 1, asize;
	bool in = qual & VMX_IO_QUAL_IN, rep = qual & VMX_IO_QUAL_REP;
	struct gwalk_result res;
	u64 lin, mask, data = 0;
	int ret;

	if (!cpu_has_vmx_ins_outs_info())
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
	asize = VMX_INSN_INFO_ADDR_SIZE(vmcs_read32(VMX_INSTRUCTION_INFO));
	if (asize > 2)
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
	mask = asize == 2 ? ~0ULL : GENMASK_ULL((16 << asize) - 1, 0);
	if (rep && !(v->gprs[TVX_RCX] & mask)) {
		tvx_skip_insn(v);
		return TVX_EXIT_RESUME;
	}

	lin = vmcs_readl(GUEST_LINEAR_ADDRESS);
	ret = tvx_translate(v, lin, vmcs_readl(GUEST_CR0),
			    in ? GWALK_ACC_WRITE : 0, &res);
	if (ret == -EFAULT) {
		v->cr2 = lin;
		return tvx_inject_exception(v, X86_TRAP_PF, true, res.pf_error);
	}
	if (ret == -EINVAL)
		return tvx_inject_gp(v);
	if (ret || offset_in_page(res.gpa) + size > PAGE_SIZE)
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
	/* INS: asked now, done when the VMM has answered */
	ret = tvx_ept_access(v, res.gpa, in, !in);
	if (ret < 0 || (!in && tvx_read_guest(v->dom, res.gpa, &data, size)))
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);

	run->exit_reason = THINVMX_EXIT_IO;
	run->io.port = qual >> 16;
	run->io.size = size;
	run->io.pad = 0;
	run->io.direction = in ? THINVMX_IO_IN : THINVMX_IO_OUT;
	run->io.data = data;
	v->io.size = size;
	v->io.str.gpa = res.gpa;
	v->io.str.mask = mask;
	v->io.str.rep = rep;
	v->io.str.step = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_DF ?
		      -(s64)size : size;
	v->io.pending = in ? TVX_PENDING_STR_IN : TVX_PENDING_STR_OUT;
	v->io.len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	return TVX_EXIT_TO_USER;
}

/* Move a string register by one element, in its address size. */
static void tvx_string_advance(struct tvx_vcpu *v, int reg, s64 by)
{
	u64 r = v->gprs[reg], m = v->io.str.mask;

	/* a 32-bit address size writes ESI/EDI/ECX, which clears the top */
	if (m == GENMASK_ULL(31, 0))
		v->gprs[reg] = (u32)(r + by);
	else
		v->gprs[reg] = (r & ~m) | ((r + by) & m);
}

/*
 * The VMM answered one element of INS or OUTS: store it (INS), move the
 * index register, count RCX down with REP. The frame's right is looked
 * at again for the store: it may have changed (and the dirty log been
 * read) while the VMM had the element. Return: 1 when the instruction is
 * done (RIP moves past it), 0 when it runs again, -EACCES when the store
 * is no longer allowed.
 */
static int tvx_string_io_done(struct tvx_vcpu *v)
{
	u64 hpa, data;
	int ret;

	if (v->io.pending == TVX_PENDING_STR_IN) {
		ret = tvx_ept_access(v, v->io.str.gpa, true, true);
		if (ret < 0)
			return ret;
		/* one element, of the size the exit gave, in its frame */
		data = READ_ONCE(v->run->io.data);
		/* RAM stays RAM while the domain lives */
		if (!ret && tvx_gpa_to_hpa(v->dom, v->io.str.gpa, &hpa))
			memcpy(phys_to_virt(hpa), &data, v->io.size);
		tvx_string_advance(v, TVX_RDI, v->io.str.step);
	} else {
		tvx_string_advance(v, TVX_RSI, v->io.str.step);
	}
	if (!v->io.str.rep)
		return 1;
	tvx_string_advance(v, TVX_RCX, -1);
	return !(v->gprs[TVX_RCX] & v->io.str.mask);
}

/* Fetch up to 15 instruction bytes at the guest's CS:RIP. */
int tvx_fetch_insn(struct tvx_vcpu *v, u8 *bytes, unsigned int *len)
{
	u64 lin = tvx_rip_linear(vmcs_readl(GUEST_RIP), tvx_guest_mode());
	u64 cr0 = vmcs_readl(GUEST_CR0);
	unsigned int got = 0;

	while (got < EMU_MAX_LEN) {
		unsigned int n = min_t(u64, EMU_MAX_LEN - got,
				       PAGE_SIZE - offset_in_page(lin + got));
		struct gwalk_result res;

		if (tvx_translate_fetch(v, lin + got, cr0, &res) ||
		    tvx_read_guest(v->dom, res.gpa, bytes + got, n))
			break;	/* decode what could be fetched */
		got += n;
	}
	*len = got;
	return got ? 0 : -EFAULT;
}

/* The base of segment @seg (EMU_SEG_*); 64-bit mode uses FS and GS only. */
static u64 tvx_seg_base(unsigned int seg, unsigned int mode)
{
	switch (seg) {
	case EMU_SEG_FS:
		return vmcs_readl(GUEST_FS_BASE);
	case EMU_SEG_GS:
		return vmcs_readl(GUEST_GS_BASE);
	}
	if (mode == 64)
		return 0;
	switch (seg) {
	case EMU_SEG_ES:
		return vmcs_readl(GUEST_ES_BASE);
	case EMU_SEG_CS:
		return vmcs_readl(GUEST_CS_BASE);
	case EMU_SEG_SS:
		return vmcs_readl(GUEST_SS_BASE);
	default:
		return vmcs_readl(GUEST_DS_BASE);
	}
}

/*
 * The RAM side of a MOVS or CMPS element: [seg:rSI], or [ES:rDI] (@dst),
 * to read, or to @write, translated, in one frame, and allowed by its
 * right (tvx_ept_access(), @final for the last look). Return: 0 with
 * @gpa, 1 when a write is dropped (ram_ro), -EACCES when it is no RAM
 * frame the guest may access so (MMIO both sides, a page crossed, a right
 * that withholds it), or -EFAULT with a handler's value in @exit (#PF or
 * #GP injected).
 */
static int tvx_string_ram(struct tvx_vcpu *v, const struct emu_insn *insn,
			  bool dst, bool write, bool final, u64 *gpa,
			  int *exit)
{
	unsigned int mode = tvx_guest_mode();
	u64 amask = insn->addr_size >= 8 ? ~0ULL :
		    GENMASK_ULL(8 * insn->addr_size - 1, 0);
	u64 lin = tvx_seg_base(dst ? EMU_SEG_ES : insn->seg, mode) +
		  (v->gprs[dst ? TVX_RDI : TVX_RSI] & amask);
	struct gwalk_result res;
	int ret;

	if (mode != 64)
		lin = (u32)lin;
	ret = tvx_translate(v, lin, vmcs_readl(GUEST_CR0),
			    write ? GWALK_ACC_WRITE : 0, &res);
	if (ret == -EFAULT) {
		v->cr2 = lin;
		*exit = tvx_inject_exception(v, X86_TRAP_PF, true, res.pf_error);
		return -EFAULT;
	}
	if (ret == -EINVAL) {
		*exit = tvx_inject_gp(v);
		return -EFAULT;
	}
	if (!ret && offset_in_page(res.gpa) + insn->size <= PAGE_SIZE)
		ret = tvx_ept_access(v, res.gpa, write, final);
	else
		ret = -EACCES;
	if (ret < 0)
		return -EACCES;
	*gpa = res.gpa;
	return ret;
}

/* An instruction the emulation does not take: the VMM's, with its bytes. */
static int tvx_mmio_insn_exit(struct tvx_vcpu *v, u64 gpa, const u8 *bytes,
			      unsigned int len)
{
	struct thinvmx_run *run = v->run;

	memset(&run->mmio_insn, 0, sizeof(run->mmio_insn));
	run->exit_reason = THINVMX_EXIT_MMIO_INSN;
	run->mmio_insn.gpa = gpa;
	run->mmio_insn.rip = vmcs_readl(GUEST_RIP);
	run->mmio_insn.len = len;
	memcpy(run->mmio_insn.insn, bytes, len);
	return TVX_EXIT_TO_USER;
}

/* The exit that takes an access of @insn at @gpa to the VMM. */
static int tvx_mmio_exit(struct tvx_vcpu *v, u64 gpa, unsigned int size,
			 bool write, u64 data, enum tvx_pending pending)
{
	struct thinvmx_run *run = v->run;

	run->exit_reason = THINVMX_EXIT_MMIO;
	run->mmio.gpa = gpa;
	run->mmio.size = size;
	run->mmio.is_write = write;
	memset(run->mmio.pad, 0, sizeof(run->mmio.pad));
	run->mmio.data = write ? data & GENMASK_ULL(size * 8 - 1, 0) : 0;
	v->io.pending = pending;
	return TVX_EXIT_TO_USER;
}

/*
 * A CMPS with one side on the device: both are reads, so which one the
 * exit was for is found by asking which side is RAM ([ES:rDI] first). The
 * RAM element is read now; the device's comes back from the VMM. Both
 * sides MMIO (or a page crossed) is the VMM's to do, as an instruction.
 */
static int tvx_mmio_cmps(struct tvx_vcpu *v, u64 gpa,
			 const struct emu_insn *insn, const u8 *bytes,
			 unsigned int len)
{
	int ret, exit;

	v->io.mmio_read = true;
	ret = tvx_string_ram(v, insn, true, false, true, &v->io.str.gpa, &exit);
	if (ret == -EACCES) {
		v->io.mmio_read = false;
		ret = tvx_string_ram(v, insn, false, false, true,
				     &v->io.str.gpa, &exit);
	}
	if (ret == -EACCES)
		return tvx_mmio_insn_exit(v, gpa, bytes, len);
	if (ret < 0)
		return exit;
	v->io.mmio_ram = 0;
	if (tvx_read_guest(v->dom, v->io.str.gpa, &v->io.mmio_ram, insn->size))
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
	return tvx_mmio_exit(v, gpa, insn->size, false, 0,
			     TVX_PENDING_MMIO_STR);
}

/*
 * A guest access to a guest-physical address with nothing mapped, or
 * mapped as mmio_dm: emulated MMIO. The instruction is decoded to learn
 * the direction, size and register; the access goes to userspace and the
 * next RUN completes it. A read-modify-write is a read, then (unless it
 * only compares or tests) a write of the result: two exits, RFLAGS and a
 * register destination set between them (XCHG, XADD and CMPXCHG too,
 * which always write back). A string form is one element per exit, RIP
 * staying on it while REP's RCX is not 0 (and, for CMPS and SCAS, while
 * REPE/REPNE's condition holds), as string I/O.
 * An instruction the decoder does not take goes to userspace as it is,
 * its bytes with it (THINVMX_EXIT_MMIO_INSN): the vCPU is not stopped for
 * it, the VMM decides. @write: the access that exited was a write (for a
 * MOVS: which side is the device).
 */
int tvx_emulate_mmio_dir(struct tvx_vcpu *v, u64 gpa, bool write)
{
	struct emu_insn insn;
	unsigned int len = 0;
	u8 bytes[EMU_MAX_LEN];
	int ret, exit;
	u64 data = 0;

	if (tvx_fetch_insn(v, bytes, &len) ||
	    emu_decode(bytes, len, tvx_guest_mode(), &insn))
		return tvx_mmio_insn_exit(v, gpa, bytes, len);

	/* the xAPIC page of a domain with the in-module APIC */
	ret = tvx_lapic_mmio(v, gpa, &insn);
	if (ret != -ENOENT)
		return ret;
	v->io.mmio = insn;
	v->io.mmio_gpa = gpa;
	v->io.len = insn.len;
	switch (insn.op) {
	case EMU_OP_ALU:
		return tvx_mmio_exit(v, gpa, insn.size, false, 0,
				     TVX_PENDING_MMIO_RMW);
	case EMU_OP_STOS:
		return tvx_mmio_exit(v, gpa, insn.size, true,
				     v->gprs[TVX_RAX], TVX_PENDING_MMIO_STR);
	case EMU_OP_LODS:
	case EMU_OP_SCAS:
		return tvx_mmio_exit(v, gpa, insn.size, false, 0,
				     TVX_PENDING_MMIO_STR);
	case EMU_OP_CMPS:
		return tvx_mmio_cmps(v, gpa, &insn, bytes, len);
	case EMU_OP_MOVS:
		/* which side is the device: the access that exited says */
		v->io.mmio_read = !write;
		ret = tvx_string_ram(v, &insn, v->io.mmio_read,
				     v->io.mmio_read, false, &v->io.str.gpa,
				     &exit);
		/* MMIO on both sides, say: the VMM's to do */
		if (ret == -EACCES)
			return tvx_mmio_insn_exit(v, gpa, bytes, len);
		if (ret < 0)
			return exit;
		if (!v->io.mmio_read &&
		    tvx_read_guest(v->dom, v->io.str.gpa, &data, insn.size))
			return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
		return tvx_mmio_exit(v, gpa, insn.size, !v->io.mmio_read, data,
				     TVX_PENDING_MMIO_STR);
	}
	if (insn.is_write)
		return tvx_mmio_exit(v, gpa, insn.size, true,
				     emu_store_value(&insn, v->gprs),
				     TVX_PENDING_SKIP);
	return tvx_mmio_exit(v, gpa, insn.size, false, 0,
			     TVX_PENDING_MMIO_READ);
}

/* Emulated MMIO at @gpa after an EPT violation there */
int tvx_emulate_mmio(struct tvx_vcpu *v, u64 gpa)
{
	return tvx_emulate_mmio_dir(v, gpa, vmcs_readl(EXIT_QUALIFICATION) &
				    EPT_VIOLATION_ACC_WRITE);
}

/*
 * The VMM answered the read of a read-modify-write: compute, set RFLAGS
 * and a register destination, and send the write back if there is one.
 * Return: TVX_EXIT_RESUME when the instruction is done, TVX_EXIT_TO_USER
 * for the write.
 */
static int tvx_mmio_rmw_done(struct tvx_vcpu *v)
{
	struct emu_alu_out out;

	emu_alu(&v->io.mmio, READ_ONCE(v->run->mmio.data), v->gprs,
		vmcs_readl(GUEST_RFLAGS), &out);
	vmcs_writel(GUEST_RFLAGS, out.rflags);
	if (!out.write_mem)
		return TVX_EXIT_RESUME;
	return tvx_mmio_exit(v, v->io.mmio_gpa, v->io.mmio.size, true,
			     out.mem, TVX_PENDING_SKIP);
}

/*
 * The VMM did one element of a string form: a LODS's data to rAX, a
 * MOVS's to RAM (the frame's right looked at again, as for INS), a CMPS's
 * or SCAS's compared into RFLAGS, then the registers step. Return: 1 when
 * the instruction is done, 0 when it runs again, or -EFAULT with the
 * handler's value in @exit (an internal error when the frame was taken
 * away meanwhile).
 */
static int tvx_mmio_string_done(struct tvx_vcpu *v, int *exit)
{
	const struct emu_insn *insn = &v->io.mmio;
	u64 data = READ_ONCE(v->run->mmio.data), gpa, hpa;
	u64 rflags = vmcs_readl(GUEST_RFLAGS);
	int ret;

	if (insn->op == EMU_OP_LODS)
		emu_complete_load(insn, data, v->gprs);
	if (insn->op == EMU_OP_SCAS)
		rflags = emu_string_compare(insn, v->gprs[TVX_RAX], data,
					    rflags);
	if (insn->op == EMU_OP_CMPS)
		rflags = v->io.mmio_read ?
			 emu_string_compare(insn, data, v->io.mmio_ram, rflags) :
			 emu_string_compare(insn, v->io.mmio_ram, data, rflags);
	if (rflags != vmcs_readl(GUEST_RFLAGS))
		vmcs_writel(GUEST_RFLAGS, rflags);
	if (insn->op == EMU_OP_MOVS && v->io.mmio_read) {
		ret = tvx_string_ram(v, insn, true, true, true, &gpa, exit);
		if (ret == -EACCES) {
			*exit = tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
			return -EFAULT;
		}
		if (ret < 0)
			return ret;
		/* RAM stays RAM while the domain lives */
		if (!ret && tvx_gpa_to_hpa(v->dom, gpa, &hpa))
			memcpy(phys_to_virt(hpa), &data, insn->size);
	}
	return emu_string_advance(insn, rflags, v->gprs,
				  insn->op != EMU_OP_STOS &&
				  insn->op != EMU_OP_SCAS,
				  insn->op != EMU_OP_LODS);
}

/**
 * tvx_devread() - read the device operand a read-modify-write asked for
 * @v: the vCPU, outside its stretch (may sleep)
 *
 * See struct tvx_io's @devread. A frame that cannot be mapped reads as
 * all ones, as a bus does where nothing answers.
 */
void tvx_devread(struct tvx_vcpu *v)
{
	typeof(v->io.devread) *dr = &v->io.devread;
	void __iomem *p;

	dr->want = false;
	dr->val = ~0ULL;
	p = ioremap(dr->hpa & PAGE_MASK, PAGE_SIZE);
	if (p) {
		void __iomem *a = p + offset_in_page(dr->hpa);

		switch (dr->size) {
		case 1:
			dr->val = readb(a);
			break;
		case 2:
			dr->val = readw(a);
			break;
		case 4:
			dr->val = readl(a);
			break;
		default:
			dr->val = readq(a);
			break;
		}
		iounmap(p);
	}
	dr->valid = true;
}

/**
 * tvx_complete_pending() - finish what userspace answered
 * @v: the vCPU, its VMCS current
 *
 * Return: TVX_EXIT_RESUME (enter the guest), or TVX_EXIT_TO_USER with an
 * internal error in v->run (the element of an INS may no longer be stored
 * where the guest wanted it).
 */
int tvx_complete_pending(struct tvx_vcpu *v)
{
	unsigned long rip;
	u64 mask, data;
	int ret, exit;

	switch (v->io.pending) {
	case TVX_PENDING_NONE:
		return TVX_EXIT_RESUME;
	case TVX_PENDING_IO_IN:
		/* IN to AL/AX keeps the rest of RAX; IN to EAX zero-extends */
		data = READ_ONCE(v->run->io.data);
		mask = GENMASK_ULL(v->io.size * 8 - 1, 0);
		if (v->io.size == 4)
			v->gprs[TVX_RAX] = (u32)data;
		else
			v->gprs[TVX_RAX] = (v->gprs[TVX_RAX] & ~mask) |
					   (data & mask);
		break;
	case TVX_PENDING_MMIO_READ:
		/* the decoded load's size and register, the VMM's data */
		emu_complete_load(&v->io.mmio, READ_ONCE(v->run->mmio.data),
				  v->gprs);
		break;
	case TVX_PENDING_SKIP:
		break;
	case TVX_PENDING_MMIO_RMW:
		ret = tvx_mmio_rmw_done(v);
		if (ret != TVX_EXIT_RESUME)
			return ret;	/* the write goes to the VMM */
		break;
	case TVX_PENDING_MMIO_STR:
		ret = tvx_mmio_string_done(v, &exit);
		if (ret <= 0) {
			v->io.pending = TVX_PENDING_NONE;
			return ret ? exit : TVX_EXIT_RESUME;
		}
		break;
	case TVX_PENDING_STR_IN:
	case TVX_PENDING_STR_OUT:
		ret = tvx_string_io_done(v);
		if (ret <= 0) {	/* tvx_string_io_done(): not a handler's value */
			v->io.pending = TVX_PENDING_NONE;
			return ret ? tvx_internal_error(v, THINVMX_INTERNAL_EMULATION) :
				     TVX_EXIT_RESUME;
		}
		break;
	}
	rip = vmcs_readl(GUEST_RIP);
	vmcs_writel(GUEST_RIP, rip + v->io.len);
	v->io.pending = TVX_PENDING_NONE;
	return TVX_EXIT_RESUME;
}
