// SPDX-License-Identifier: GPL-2.0
/*
 * VM exit dispatch: the table, and the handlers that need no room of
 * their own; the others are in the rooms that own their concern (register
 * exits in exit_reg.c, I/O and MMIO in io.c, the single step in step.c,
 * EPT violations in ept/violation.c, INT3 in memevent/event.c).
 *
 * Every handle_<reason>() in the table below, and tvx_handle_exit(),
 * returns an enum tvx_exit_ret (exit.h: to userspace, resume the guest,
 * wait for an event or refill) or a negative errno for RUN to return. Handlers
 * run with preemption disabled and interrupts enabled, the vCPU's VMCS
 * current. They never sleep. An exit nothing handles stops the vCPU
 * (internal error), dumps the VMCS once in a while, and leaves the host
 * and every other guest alone.
 */
#include <linux/nospec.h>
#include <linux/ratelimit.h>
#include <asm/debugreg.h>
#include <asm/trapnr.h>

#include "ept/violation.h"
#include "lapic/lapic.h"
#include "memevent/event.h"
#include "memevent/inject.h"
#include "vcpu.h"
#include "vmx/desc.h"
#include "vmx/exit.h"
#include "vmx/exit_reg.h"
#include "vmx/host_caps.h"
#include "vmx/io.h"
#include "vmx/step.h"

/* ------------------------------------------------------------ helpers */

/**
 * tvx_inject_set_rf() - push RF with a fault, as the CPU does
 * @ev: the event going into the VM-entry fields (inject_sets_rf())
 */
void tvx_inject_set_rf(const struct inject_event *ev)
{
	if (inject_sets_rf(ev))
		vmcs_writel(GUEST_RFLAGS, vmcs_readl(GUEST_RFLAGS) | X86_EFLAGS_RF);
}

/**
 * tvx_inject_exception() - raise a hardware exception for the next entry
 * @v:         the vCPU, its VMCS current
 * @vector:    the exception
 * @has_error: it pushes @error (real mode delivers none)
 * @error:     the error code
 *
 * An event already in the VM-entry fields -- the one the exit interrupted
 * (tvx_reinject_vectoring() put it back), or one raised earlier on the way
 * to this entry -- is never overwritten: the two combine as an
 * INJECT_TRAP's do (inject_merge(): SDM 6.15, tables 6-4 and 6-5), two
 * contributory exceptions or a page fault and either into #DF, a fault
 * while delivering #DF into a shutdown. Where the tables say to handle
 * them serially the new exception goes in and the old event is dropped,
 * as the CPU does when delivering the first raises the second (and as KVM
 * does): a fault comes again when its instruction runs again.
 *
 * Return: TVX_EXIT_RESUME, or TVX_EXIT_TO_USER when the vCPU shut down.
 */
int tvx_inject_exception(struct tvx_vcpu *v, u8 vector, bool has_error,
			 u32 error)
{
	struct inject_event pending, out, ev = {
		.vector = vector,
		.type = INJECT_TYPE_HW_EXCEPTION,
		.has_error_code = has_error,
		.error_code = error,
	};
	bool have_pending;
	u32 info, code;

	have_pending = inject_decode(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD),
				     vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE),
				     vmcs_read32(VM_ENTRY_INSTRUCTION_LEN),
				     &pending);
	switch (inject_merge(have_pending ? &pending : NULL, &ev, &out)) {
	case INJECT_SHUTDOWN:
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
		return tvx_vcpu_shutdown(v);
	case INJECT_WAIT:
		out = ev;
		break;
	default:
		break;
	}
	info = inject_encode(&out, vmcs_readl(GUEST_CR0) & X86_CR0_PE, &code);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
	vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, code);
	vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, out.insn_len);
	tvx_inject_set_rf(&out);
	return TVX_EXIT_RESUME;
}

int tvx_inject_gp(struct tvx_vcpu *v)
{
	return tvx_inject_exception(v, X86_TRAP_GP, true, 0);
}

int tvx_inject_ud(struct tvx_vcpu *v)
{
	return tvx_inject_exception(v, X86_TRAP_UD, false, 0);
}

int tvx_internal_error(struct tvx_vcpu *v, u32 suberror)
{
	struct thinvmx_run *run = v->run;

	run->internal.vmx_exit_reason = v->exit_reason;
	run->internal.suberror = suberror;
	run->internal.qualification = vmcs_readl(EXIT_QUALIFICATION);
	run->internal.guest_rip = vmcs_readl(GUEST_RIP);
	v->stopped = true;
	v->stop_reason = THINVMX_EXIT_INTERNAL_ERROR;
	run->exit_reason = THINVMX_EXIT_INTERNAL_ERROR;
	return TVX_EXIT_TO_USER;
}

static void tvx_dump_vmcs(struct tvx_vcpu *v)
{
	static DEFINE_RATELIMIT_STATE(rs, 60 * HZ, 1);

	if (!__ratelimit(&rs))
		return;
	pr_err("domain %u vCPU %u: unhandled exit %#x qual %#lx intr %#x idt %#x\n",
	       v->dom->id, v->id, v->exit_reason, vmcs_readl(EXIT_QUALIFICATION),
	       vmcs_read32(VM_EXIT_INTR_INFO), vmcs_read32(IDT_VECTORING_INFO_FIELD));
	pr_err("  rip %#lx rsp %#lx rflags %#lx cr0 %#lx cr3 %#lx cr4 %#lx efer %#llx\n",
	       vmcs_readl(GUEST_RIP), vmcs_readl(GUEST_RSP), vmcs_readl(GUEST_RFLAGS),
	       vmcs_readl(GUEST_CR0), vmcs_readl(GUEST_CR3), vmcs_readl(GUEST_CR4),
	       vmcs_read64(GUEST_IA32_EFER));
	pr_err("  cs %#x/%#lx/%#x ar %#x ss %#x ar %#x tr %#x ar %#x gpa %#llx gla %#lx\n",
	       vmcs_read16(GUEST_CS_SELECTOR), vmcs_readl(GUEST_CS_BASE),
	       vmcs_read32(GUEST_CS_LIMIT), vmcs_read32(GUEST_CS_AR_BYTES),
	       vmcs_read16(GUEST_SS_SELECTOR), vmcs_read32(GUEST_SS_AR_BYTES),
	       vmcs_read16(GUEST_TR_SELECTOR), vmcs_read32(GUEST_TR_AR_BYTES),
	       vmcs_read64(GUEST_PHYSICAL_ADDRESS), vmcs_readl(GUEST_LINEAR_ADDRESS));
	pr_err("  controls pin %#x proc %#x proc2 %#x exit %#x entry %#x\n",
	       vmcs_read32(PIN_BASED_VM_EXEC_CONTROL),
	       vmcs_read32(CPU_BASED_VM_EXEC_CONTROL),
	       vmcs_read32(SECONDARY_VM_EXEC_CONTROL),
	       vmcs_read32(VM_EXIT_CONTROLS), vmcs_read32(VM_ENTRY_CONTROLS));
}

/*
 * An event whose delivery the exit interrupted (SDM 28.2.4) is delivered
 * again on the next entry, unless something else was queued already.
 */
static void tvx_reinject_vectoring(struct tvx_vcpu *v)
{
	u32 idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);

	v->exit_idt_info = idt;
	if (!(idt & VECTORING_INFO_VALID_MASK))
		return;
	if (vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK)
		return;
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, idt & ~INTR_INFO_RESVD_BITS_MASK);
	if (idt & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     vmcs_read32(IDT_VECTORING_ERROR_CODE));
	vmcs_write32(VM_ENTRY_INSTRUCTION_LEN,
		     vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

/* ------------------------------------------------------------ handlers */

/*
 * #AC, intercepted always (as KVM does): reflected to the guest -- unless
 * it came while the CPU was delivering an #AC, which the CPU would do
 * forever without reaching an instruction boundary, so without an
 * interrupt or a preemption-timer exit ever stopping it (a 32-bit guest at
 * CPL 3 with alignment checks on and a misaligned stack: CVE-2015-5307).
 * That vCPU shuts down instead.
 */
/*
 * Did the exception that exited come while the CPU delivered the same
 * exception? Delivered again, it would fault into itself for ever: the
 * event the exit put back is dropped, and the caller shuts the vCPU down.
 */
static bool tvx_fault_in_own_delivery(struct tvx_vcpu *v, u8 vector)
{
	u32 idt = v->exit_idt_info;

	if (!(idt & VECTORING_INFO_VALID_MASK) ||
	    (idt & VECTORING_INFO_TYPE_MASK) != INTR_TYPE_HARD_EXCEPTION ||
	    (idt & VECTORING_INFO_VECTOR_MASK) != vector)
		return false;
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	return true;
}

static int handle_ac(struct tvx_vcpu *v)
{
	if (tvx_fault_in_own_delivery(v, X86_TRAP_AC))
		return tvx_vcpu_shutdown(v);
	/* the error code of #AC is always 0 */
	return tvx_inject_exception(v, X86_TRAP_AC, true, 0);
}

/* the DR6 bits a #DB exit qualification carries: B0-B3, BD, BS */
#define TVX_DB_QUAL_DR6	(DR_TRAP_BITS | BIT(13) | DR_STEP)

/**
 * tvx_db_deliver() - deliver a #DB of the guest's own
 * @v:	    the vCPU, its VMCS current
 * @qual:   its causes, as a #DB exit's qualification gives them
 * @icebp:  the length of the ICEBP that raised it, else 0
 *
 * The guest's DR6 is thinvmx's copy (MOV DR exits), so the causes go
 * there, as the CPU would have set them; after an ICEBP the trap comes
 * after it.
 *
 * Return: TVX_EXIT_RESUME, or TVX_EXIT_TO_USER when the vCPU shut down.
 */
int tvx_db_deliver(struct tvx_vcpu *v, unsigned long qual, u8 icebp)
{
	v->dr6 = (v->dr6 & ~(u64)DR_TRAP_BITS) | (qual & TVX_DB_QUAL_DR6);
	if (icebp)
		vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + icebp);
	/*
	 * A single step after STI or MOV SS: the entry with the #DB queued
	 * needs the pending BS as the CPU would have it (SDM 27.3.1.5).
	 */
	else if ((vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_TF) &&
		 (vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		  (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)))
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) | DR_STEP);
	return tvx_inject_exception(v, X86_TRAP_DB, false, 0);
}

/**
 * tvx_guest_db() - a #DB of the guest's own: an event, or delivered
 * @v:	    the vCPU, in the exit
 * @qual:   its causes (DR6's B0-B3, BD, BS)
 * @icebp:  the length of the ICEBP that raised it, else 0
 * @module_step: the module was single-stepping the instruction too
 *
 * While DEBUG is monitored: async, the #DB is delivered and reported;
 * sync, the answer says whether it is (tvx_event_resume()). Else it is
 * delivered.
 *
 * Return: a handler's value (vmx/exit.h).
 */
int tvx_guest_db(struct tvx_vcpu *v, unsigned long qual, u8 icebp,
		 bool module_step)
{
	enum monitor_delivery d;
	struct thinvmx_event *ev;
	int ret, sent;

	d = monitor_delivery(&v->dom->monitor, THINVMX_MONITOR_DEBUG);
	ev = d == MONITOR_NONE ? NULL : tvx_event_begin(v, THINVMX_EVENT_DEBUG, d);
	if (!ev)
		return tvx_db_deliver(v, qual, icebp);
	ev->u.debug.pending_dbg = qual & TVX_DB_QUAL_DR6;
	ev->u.debug.dr6 = (v->dr6 & ~(u64)DR_TRAP_BITS) |
			  (qual & TVX_DB_QUAL_DR6) | VMX_DR6_FIXED_1;
	ev->u.debug.insn_len = icebp;
	ev->u.debug.flags = (icebp ? THINVMX_DEBUG_F_ICEBP : 0) |
			    (module_step ? THINVMX_DEBUG_F_MODULE_STEP : 0);
	v->ev.qual = qual;
	v->ev.insn_len = icebp;
	if (d == MONITOR_SYNC)
		return tvx_event_send(v);
	ret = tvx_db_deliver(v, qual, icebp);
	/* an event begun is sent, even for a vCPU that shut down */
	sent = tvx_event_send(v);
	return ret == TVX_EXIT_RESUME ? sent : ret;
}

/*
 * #DB, intercepted always (as KVM does), and reflected (or reported:
 * tvx_guest_db()). The guest's own #DBs come from RFLAGS.TF and ICEBP --
 * its breakpoints are not armed (MOV DR, vmx/exit_reg.c) -- but a #DB
 * raised while the CPU delivered a #DB ends the vCPU rather than being
 * delivered again (CVE-2015-8104).
 */
static int handle_db(struct tvx_vcpu *v)
{
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	u32 intr = v->exit_intr_info;
	u8 icebp = 0;

	if (tvx_fault_in_own_delivery(v, X86_TRAP_DB))
		return tvx_vcpu_shutdown(v);
	/* ICEBP: a trap after the instruction */
	if ((intr & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_PRIV_SW_EXCEPTION)
		icebp = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	return tvx_guest_db(v, qual, icebp, false);
}

/*
 * VMCALL: a guest request on a channel the domain's owner allowed
 * (THINVMX_SET_GUEST_REQUEST), from the guest's kernel (CPL 0, as Xen
 * takes hypercalls); any other is #UD, as on a CPU without VMX. The guest
 * never reaches its own monitoring this way: a request is only reported.
 */
static int handle_vmcall(struct tvx_vcpu *v)
{
	u64 rax = v->gprs[TVX_RAX];
	enum monitor_delivery d;
	struct thinvmx_event *ev;

	if (!monitor_guest_request(READ_ONCE(v->dom->request_channels), rax) ||
	    VMX_AR_DPL(vmcs_read32(GUEST_SS_AR_BYTES)))
		return tvx_inject_ud(v);
	d = monitor_delivery(&v->dom->monitor, THINVMX_MONITOR_GUEST_REQUEST);
	ev = d == MONITOR_NONE ? NULL :
	     tvx_event_begin(v, THINVMX_EVENT_GUEST_REQUEST, d);
	if (!ev) {
		tvx_skip_insn(v);
		return TVX_EXIT_RESUME;
	}
	v->ev.insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	ev->u.guest_request.channel = rax;
	ev->u.guest_request.insn_len = v->ev.insn_len;
	if (d == MONITOR_ASYNC)
		tvx_skip_insn(v);
	return tvx_event_send(v);
}

static int handle_exception_nmi(struct tvx_vcpu *v)
{
	u32 intr = v->exit_intr_info;

	/* NMIs were delivered to the host in tvx_enter() */
	if ((intr & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return TVX_EXIT_RESUME;
	if ((intr & INTR_INFO_VECTOR_MASK) == X86_TRAP_DB) {
		if (v->step.active && !v->step.mtf)
			return handle_single_step(v);
		return handle_db(v);
	}
	if ((intr & INTR_INFO_VECTOR_MASK) == X86_TRAP_BP)
		return handle_int3(v);
	if ((intr & INTR_INFO_VECTOR_MASK) == X86_TRAP_AC)
		return handle_ac(v);
	/* a machine check in the guest is the host's business */
	if ((intr & INTR_INFO_VECTOR_MASK) == X86_TRAP_MC) {
		asm volatile("int $" __stringify(X86_TRAP_MC));
		return TVX_EXIT_RESUME;
	}
	return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
}

/*
 * An external interrupt is taken by the host when interrupts are enabled
 * after the exit; a preemption-timer exit only gives the run loop a look
 * at signals and the scheduler. Both go straight back to the guest.
 */
static int handle_external_interrupt(struct tvx_vcpu *v)
{
	return TVX_EXIT_RESUME;
}

/**
 * tvx_vcpu_shutdown() - the vCPU shuts down, as after a triple fault
 * @v: the vCPU
 *
 * Return: TVX_EXIT_TO_USER: RUN returns with a SHUTDOWN exit, and every
 * later RUN fails with -EIO.
 */
int tvx_vcpu_shutdown(struct tvx_vcpu *v)
{
	v->stopped = true;
	v->stop_reason = THINVMX_EXIT_SHUTDOWN;
	v->run->exit_reason = THINVMX_EXIT_SHUTDOWN;
	return TVX_EXIT_TO_USER;
}

static int handle_triple_fault(struct tvx_vcpu *v)
{
	return tvx_vcpu_shutdown(v);
}

/*
 * HLT: with the in-module APIC the vCPU sleeps in the module until an
 * interrupt wakes it (lapic/lapic.c); without, the VMM sees it.
 */
static int handle_hlt(struct tvx_vcpu *v)
{
	if (v->dom->lapic)
		return tvx_lapic_hlt(v);
	tvx_skip_insn(v);
	v->run->exit_reason = THINVMX_EXIT_HLT;
	return TVX_EXIT_TO_USER;
}

/*
 * Interrupt and NMI windows: the guest can take what waits now;
 * tvx_lapic_before_entry() injects it and sets the windows anew.
 */
static int handle_window(struct tvx_vcpu *v)
{
	return TVX_EXIT_RESUME;
}

/* APIC virtualization's exits: only domains with the in-module APIC */
static int handle_apic_access(struct tvx_vcpu *v)
{
	return v->dom->lapic ? tvx_lapic_apic_access(v) :
			       tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
}

static int handle_apic_write(struct tvx_vcpu *v)
{
	return v->dom->lapic ? tvx_lapic_apic_write(v) :
			       tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
}

static int handle_eoi_induced(struct tvx_vcpu *v)
{
	return v->dom->lapic ? tvx_lapic_eoi_induced(v) :
			       tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
}

static int handle_skip(struct tvx_vcpu *v)
{
	tvx_skip_insn(v);
	return TVX_EXIT_RESUME;
}

static int handle_ud(struct tvx_vcpu *v)
{
	return tvx_inject_ud(v);
}

static int handle_gp(struct tvx_vcpu *v)
{
	return tvx_inject_gp(v);
}

/*
 * A notify VM exit: the guest went the notify window without reaching an
 * instruction boundary (a microcode loop of event deliveries, say), where
 * no interrupt could have stopped it. With its context intact it goes on,
 * after the run loop's look at signals and the scheduler; with the
 * context lost the vCPU cannot, and shuts down.
 */
static int handle_notify(struct tvx_vcpu *v)
{
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);

	if (qual & NOTIFY_VM_CONTEXT_INVALID)
		return tvx_vcpu_shutdown(v);
	/* an exit in the IRET of an NMI handler: the guest's NMIs blocked */
	if ((qual & INTR_INFO_UNBLOCK_NMI) &&
	    tvx_has_feature(THINVMX_FEAT_VIRTUAL_NMI))
		vmcs_set_bits32(GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_NMI);
	return TVX_EXIT_RESUME;
}

static int handle_ept_misconfig(struct tvx_vcpu *v)
{
	tvx_dump_vmcs(v);
	return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
}

static int handle_unknown(struct tvx_vcpu *v)
{
	tvx_dump_vmcs(v);
	return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
}

static int (*const tvx_exit_handlers[])(struct tvx_vcpu *v) = {
	[EXIT_REASON_EXCEPTION_NMI]		= handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT]		= handle_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW]		= handle_window,
	[EXIT_REASON_NMI_WINDOW]		= handle_window,
	[EXIT_REASON_CPUID]			= handle_cpuid,
	[EXIT_REASON_HLT]			= handle_hlt,
	[EXIT_REASON_INVD]			= handle_skip,
	[EXIT_REASON_WBINVD]			= handle_skip,
	[EXIT_REASON_RDPMC]			= handle_gp,
	[EXIT_REASON_VMCALL]			= handle_vmcall,
	[EXIT_REASON_VMCLEAR]			= handle_ud,
	[EXIT_REASON_VMLAUNCH]			= handle_ud,
	[EXIT_REASON_VMPTRLD]			= handle_ud,
	[EXIT_REASON_VMPTRST]			= handle_ud,
	[EXIT_REASON_VMREAD]			= handle_ud,
	[EXIT_REASON_VMRESUME]			= handle_ud,
	[EXIT_REASON_VMWRITE]			= handle_ud,
	[EXIT_REASON_VMOFF]			= handle_ud,
	[EXIT_REASON_VMON]			= handle_ud,
	[EXIT_REASON_INVEPT]			= handle_ud,
	[EXIT_REASON_INVVPID]			= handle_ud,
	[EXIT_REASON_VMFUNC]			= handle_ud,
	[EXIT_REASON_MWAIT_INSTRUCTION]		= handle_ud,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= handle_ud,
	[EXIT_REASON_CR_ACCESS]			= handle_cr,
	[EXIT_REASON_DR_ACCESS]			= handle_dr,
	[EXIT_REASON_IO_INSTRUCTION]		= handle_io,
	[EXIT_REASON_MSR_READ]			= handle_msr_read,
	[EXIT_REASON_MSR_WRITE]			= handle_msr_write,
	[EXIT_REASON_APIC_ACCESS]		= handle_apic_access,
	[EXIT_REASON_EOI_INDUCED]		= handle_eoi_induced,
	[EXIT_REASON_APIC_WRITE]		= handle_apic_write,
	[EXIT_REASON_EPT_VIOLATION]		= handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]		= handle_ept_misconfig,
	[EXIT_REASON_MONITOR_TRAP_FLAG]		= handle_mtf,
	[EXIT_REASON_XSETBV]			= handle_xsetbv,
	/* only while DESC_ACCESS is monitored (descriptor-table exiting) */
	[EXIT_REASON_GDTR_IDTR]			= handle_desc,
	[EXIT_REASON_LDTR_TR]			= handle_desc,
	/* a supervisor component of the host's IA32_XSS (XSS_EXIT_BITMAP) */
	[EXIT_REASON_XSAVES]			= handle_gp,
	[EXIT_REASON_XRSTORS]			= handle_gp,
	[EXIT_REASON_PREEMPTION_TIMER]		= handle_external_interrupt,
	[EXIT_REASON_NOTIFY]			= handle_notify,
};

/*
 * Exits handled with the vCPU's own state and VMCS alone: the L1D holds
 * nothing new of the host's after them. Every other exit -- an EPT
 * violation walking the p2m, emulation reading guest memory through the
 * host's mappings, port I/O, a vCPU stopped -- arms the L1D flush before
 * the next entry, as kvm_intel arms it after its MMU and its emulator; an
 * event that wakes the listener arms it too (memevent/event.c). The
 * policy: vmx/spec.c.
 */
#define TVX_EXITS_OWN_STATE						\
	(BIT_ULL(EXIT_REASON_EXCEPTION_NMI) |				\
	 BIT_ULL(EXIT_REASON_EXTERNAL_INTERRUPT) |			\
	 BIT_ULL(EXIT_REASON_CPUID) |					\
	 BIT_ULL(EXIT_REASON_CR_ACCESS) |				\
	 BIT_ULL(EXIT_REASON_DR_ACCESS) |				\
	 BIT_ULL(EXIT_REASON_MSR_READ) |				\
	 BIT_ULL(EXIT_REASON_MSR_WRITE) |				\
	 BIT_ULL(EXIT_REASON_MONITOR_TRAP_FLAG) |			\
	 BIT_ULL(EXIT_REASON_XSETBV) |					\
	 BIT_ULL(EXIT_REASON_PREEMPTION_TIMER))

/**
 * tvx_handle_exit() - dispatch one VM exit
 * @v:      the vCPU
 * @reason: the exit reason as read from the VMCS, or TVX_EXIT_VMFAIL
 *
 * Return: an enum tvx_exit_ret, or a negative errno (the contract at the
 * top of this file).
 */
int tvx_handle_exit(struct tvx_vcpu *v, u32 reason)
{
	u32 basic = (u16)reason;
	int (*handler)(struct tvx_vcpu *v) = NULL;

	if (reason == TVX_EXIT_VMFAIL || (reason & VMX_EXIT_REASONS_FAILED_VMENTRY)) {
		struct thinvmx_run *run = v->run;

		if (reason == TVX_EXIT_VMFAIL) {
			run->internal.vmx_exit_reason = 0;
			run->internal.qualification = vmcs_read32(VM_INSTRUCTION_ERROR);
		} else {
			run->internal.vmx_exit_reason = reason;
			run->internal.qualification = vmcs_readl(EXIT_QUALIFICATION);
			tvx_dump_vmcs(v);
		}
		run->internal.suberror = THINVMX_INTERNAL_BAD_STATE;
		run->internal.guest_rip = vmcs_readl(GUEST_RIP);
		v->stopped = true;
		v->stop_reason = THINVMX_EXIT_FAIL_ENTRY;
		run->exit_reason = THINVMX_EXIT_FAIL_ENTRY;
		return TVX_EXIT_TO_USER;
	}
	if (basic >= 64 || !(TVX_EXITS_OWN_STATE & BIT_ULL(basic)))
		v->l1d_flush_needed = true;
	/* the step of an event delivery ends at the first exit after it */
	if (unlikely(v->step.delivery)) {
		tvx_delivery_step_done(v);
		if (basic == EXIT_REASON_MONITOR_TRAP_FLAG)
			return TVX_EXIT_RESUME;
	}
	tvx_reinject_vectoring(v);
	if (basic < ARRAY_SIZE(tvx_exit_handlers))
		handler = tvx_exit_handlers[array_index_nospec(basic,
						ARRAY_SIZE(tvx_exit_handlers))];
	if (!handler)
		return handle_unknown(v);
	return handler(v);
}
