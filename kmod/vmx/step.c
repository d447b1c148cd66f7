// SPDX-License-Identifier: GPL-2.0
/*
 * The module's own single step of one guest instruction: to discard a
 * write through the scratch page, to let a denied access happen once, or
 * because a listener's answer asked for it. With the monitor trap flag
 * where the CPU has it, else under RFLAGS.TF with #DB intercepted. The
 * EPT leaf changed for the step is ept/violation.c's.
 */
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/wait.h>
#include <asm/debugreg.h>
#include <asm/trapnr.h>

#include "ept/violation.h"
#include "memevent/event.h"
#include "vcpu.h"
#include "vmx/exit.h"
#include "vmx/host_caps.h"
#include "vmx/step.h"

/*
 * One guest instruction, then an exit: with the monitor trap flag where
 * the CPU has it, else (Bochs) under RFLAGS.TF (#DB is always
 * intercepted: vmx/exit.c), where
 * the guest sees TF in a PUSHF of that one instruction and a guest
 * stepping itself gets its own #DB afterwards. handle_single_step() ends
 * it.
 */
void tvx_step_arm(struct tvx_vcpu *v)
{
	unsigned long rflags;

	v->step.active = true;
	v->step.mtf = cpu_has_vmx_mtf();
	if (v->step.mtf) {
		vmcs_set_bits32(CPU_BASED_VM_EXEC_CONTROL,
				VMX_PROC_MONITOR_TRAP_FLAG);
		return;
	}
	rflags = vmcs_readl(GUEST_RFLAGS);
	v->step.guest_tf = rflags & X86_EFLAGS_TF;
	vmcs_writel(GUEST_RFLAGS, rflags | X86_EFLAGS_TF);
	/*
	 * A guest stepping itself gets its single-step trap from this step,
	 * after the instruction (handle_single_step()). One already pending
	 * would end the step before the instruction ran: Bochs records TF's
	 * trap as pending when the instruction faults into an exit (an EPT
	 * violation) before it completes. Under STI or MOV SS blocking the
	 * entry needs BS as it is (SDM 26.3.1.5), and the trap is due after
	 * the instruction anyway.
	 */
	if (v->step.guest_tf &&
	    !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
	      (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)))
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) & ~DR_STEP);
}

/* ------------------------------------------------------------ the gate */

/*
 * While a leaf is swapped for one vCPU's step (an access allowed once, a
 * write let onto the scratch page), every other vCPU of the domain would
 * use it too: a watched frame read or written with nobody told, a write
 * to read-only MMIO lost in the scratch page uncounted. So a vCPU holds
 * the domain's step gate while its leaf is swapped. It publishes itself
 * as the owner, then waits until every other CPU in a stretch of the
 * domain has taken an interrupt (a vCPU in the guest exits on it); the
 * others read the owner before every entry (tvx_run_stretch()) and wait
 * outside the stretch until the gate opens. Each side writes (owner,
 * stretch_cpus), has a full barrier, then reads the other's: one of them
 * sees the other.
 */
static void tvx_step_gate_nop(void *unused)
{
	/* the interrupt alone makes a guest on that CPU exit */
}

/* Take the gate, or see that another vCPU holds it (false). */
static bool tvx_step_gate_take(struct tvx_vcpu *v)
{
	struct tvx_dom *dom = v->dom;

	if (v->step.gate)
		return true;
	/* a cmpxchg that succeeds is a full barrier: owner, then the mask */
	if (atomic_cmpxchg(&dom->step_owner, -1, v->id) != -1)
		return false;
	v->step.gate = true;
	smp_call_function_many(dom->stretch_cpus, tvx_step_gate_nop, NULL, true);
	return true;
}

/* Open the gate; the leaf is back already. */
static void tvx_step_gate_put(struct tvx_vcpu *v)
{
	struct tvx_dom *dom = v->dom;

	if (!v->step.gate)
		return;
	v->step.gate = false;
	atomic_set_release(&dom->step_owner, -1);
	/* wq_has_sleeper() orders the store before the waiters' test */
	if (wq_has_sleeper(&dom->step_wq))
		wake_up_all(&dom->step_wq);
}

/**
 * tvx_step_gate_drop() - leave a step unfinished, the gate open
 * @v: the vCPU, leaving its run loop (or its stretch for good)
 *
 * The leaf goes back: the step's access faults again when the vCPU is
 * back in the guest and is decided again, as after a p2m update
 * (ept_unswap_all()).
 */
void tvx_step_gate_drop(struct tvx_vcpu *v)
{
	if (!v->step.gate)
		return;
	ept_unswap_leaf(v->dom, &v->step.swap);
	tvx_step_gate_put(v);
}

/*
 * Swap the leaf of @gpa for a step, under the gate. While another vCPU
 * holds it the swap waits (v->step.want) for tvx_step_redo() before the
 * next entry. Return: 0 (swapped, or waiting), or ept_swap_leaf()'s error.
 */
static int tvx_step_swap(struct tvx_vcpu *v, u64 gpa, bool scratch)
{
	int ret;

	if (!tvx_step_gate_take(v)) {
		v->step.want = true;
		v->step.want_gpa = gpa;
		v->step.want_scratch = scratch;
		return 0;
	}
	ret = ept_swap_leaf(v->dom, tvx_vcpu_ept(v), &v->step.swap, gpa, scratch,
			    scratch ? NULL : &v->split_pool);
	if (ret)
		tvx_step_gate_put(v);
	return ret;
}

/* Undo tvx_step_arm() for an access that will fault again instead. */
static void tvx_step_disarm(struct tvx_vcpu *v)
{
	if (v->step.mtf)
		vmcs_clear_bits32(CPU_BASED_VM_EXEC_CONTROL,
				  VMX_PROC_MONITOR_TRAP_FLAG);
	else if (!v->step.guest_tf)
		vmcs_writel(GUEST_RFLAGS, vmcs_readl(GUEST_RFLAGS) & ~X86_EFLAGS_TF);
	v->step.active = false;
	v->step.report = false;
	/* a fast single-step that will not be: on in the view after */
	if (v->vview.fast)
		tvx_view_fast_step_done(v);
}

/**
 * tvx_step_redo() - the swap a step waits for, before the vCPU's next entry
 * @v: the vCPU, in its stretch, v->step.want set
 *
 * Return: TVX_EXIT_RESUME (swapped; or the gate is still shut and
 * v->step.want stays: wait outside the stretch), or as
 * tvx_internal_error() when a write to discard cannot be.
 */
int tvx_step_redo(struct tvx_vcpu *v)
{
	bool scratch = v->step.want_scratch;

	if (!tvx_step_gate_take(v))
		return TVX_EXIT_RESUME;
	v->step.want = false;
	if (!ept_swap_leaf(v->dom, tvx_vcpu_ept(v), &v->step.swap,
			   v->step.want_gpa, scratch,
			   scratch ? NULL : &v->split_pool))
		return TVX_EXIT_RESUME;
	tvx_step_gate_put(v);
	if (scratch)
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
	/* the access retries with whatever right the frame has then */
	tvx_step_disarm(v);
	return TVX_EXIT_RESUME;
}

/* ------------------------------------------------------------ the steps */

/*
 * A write by an instruction the decoder does not know (string moves,
 * XCHG, read-modify-write...): point the frame's leaf at the domain's
 * scratch page, let the guest execute that one instruction single-stepped,
 * then put the leaf back (handle_single_step()). The write lands in the
 * scratch page; the device or the read-only RAM never sees it. Only 4 KiB
 * leaves are swapped: a ram_ro superpage written this way stops the vCPU
 * instead.
 */
int tvx_discard_by_single_step(struct tvx_vcpu *v, u64 gpa)
{
	/* one instruction writing two read-only frames: give up safely */
	if (v->step.swap.active || v->step.want || tvx_step_swap(v, gpa, true))
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
	/* a step an answer asked for is this one */
	if (!v->step.active)
		tvx_step_arm(v);
	return TVX_EXIT_RESUME;
}

/**
 * tvx_discard_delivery_write() - discard a write of the CPU's own event
 *				  delivery
 * @v:   the vCPU, in the exit of an EPT violation during event delivery
 * @gpa: the read-only frame written
 *
 * An exception frame pushed onto a read-only stack (say) is no
 * instruction's write: there is nothing to decode and nothing to skip --
 * skipping the instruction at RIP would lose a guest instruction and put
 * a wrong RIP in the frame. The event goes in again (the exit put it
 * back), with the frame's leaf on the scratch page, so the delivery's
 * writes land there, and the first exit after it puts the leaf back: the
 * monitor trap flag's, which comes after the injected event is delivered
 * and before the handler's first instruction (SDM 26.7.2), or, on CPUs
 * without it (Bochs), the VMX-preemption timer's at zero for that one
 * entry, which comes at the same boundary (SDM 26.7.4).
 *
 * Return: TVX_EXIT_RESUME, or TVX_EXIT_TO_USER with an internal error when
 * this cannot be done (a step in progress already, a superpage, neither
 * exit available).
 */
int tvx_discard_delivery_write(struct tvx_vcpu *v, u64 gpa)
{
	bool mtf = cpu_has_vmx_mtf();

	if (v->step.active || v->step.swap.active || v->step.want ||
	    (!mtf && !cpu_has_vmx_preemption_timer()) ||
	    tvx_step_swap(v, gpa, true))
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
	v->step.active = true;
	v->step.delivery = true;
	v->step.mtf = mtf;
	if (mtf)
		vmcs_set_bits32(CPU_BASED_VM_EXEC_CONTROL,
				VMX_PROC_MONITOR_TRAP_FLAG);
	else
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, 0);
	return TVX_EXIT_RESUME;
}

/**
 * tvx_delivery_step_done() - the exit after a delivery step: undo it
 * @v: the vCPU, its VMCS current
 */
void tvx_delivery_step_done(struct tvx_vcpu *v)
{
	ept_unswap_leaf(v->dom, &v->step.swap);
	tvx_step_gate_put(v);
	if (v->step.mtf)
		vmcs_clear_bits32(CPU_BASED_VM_EXEC_CONTROL,
				  VMX_PROC_MONITOR_TRAP_FLAG);
	else
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, tvx_preemption_ticks());
	v->step.active = false;
	v->step.delivery = false;
}

/**
 * tvx_allow_once() - let the access of a mem_access violation happen once
 * @v:   the vCPU, in the exit (or resuming from its event)
 * @gpa: the frame accessed
 *
 * The instruction runs single-stepped with every right on the frame: an
 * async event's vCPU goes on, or an answer asked for the step. The other
 * vCPUs of the domain stay out of the guest meanwhile (the step gate).
 *
 * Return: whether the step will be (else the access faults again).
 */
bool tvx_allow_once(struct tvx_vcpu *v, u64 gpa)
{
	if (v->step.swap.active || v->step.want || tvx_step_swap(v, gpa, false))
		return false;
	if (!v->step.active)
		tvx_step_arm(v);
	return true;
}

/* The single step is done: undo it, and report it if an answer asked. */
int handle_single_step(struct tvx_vcpu *v)
{
	struct thinvmx_event *ev;
	int ret = TVX_EXIT_RESUME;

	ept_unswap_leaf(v->dom, &v->step.swap);
	tvx_step_gate_put(v);
	v->step.active = false;
	/* an answer's fast single-step: on in the view after, unreported */
	if (v->vview.fast)
		tvx_view_fast_step_done(v);
	if (v->step.mtf) {
		vmcs_clear_bits32(CPU_BASED_VM_EXEC_CONTROL,
				  VMX_PROC_MONITOR_TRAP_FLAG);
	} else if (!v->step.guest_tf) {
		vmcs_writel(GUEST_RFLAGS, vmcs_readl(GUEST_RFLAGS) & ~X86_EFLAGS_TF);
	} else if (!v->step.report) {
		/*
		 * The guest was single-stepping itself: its #DB is due now,
		 * its own (a DEBUG event when monitored), the module's step
		 * along with it.
		 */
		ret = tvx_guest_db(v, DR_STEP, 0, true);
	} else {
		/* the step's SINGLESTEP event is this exit's one event */
		v->dr6 |= DR_STEP;
		ret = tvx_inject_exception(v, X86_TRAP_DB, false, 0);
		if (ret != TVX_EXIT_RESUME)
			return ret;
	}
	if (!v->step.report)
		return ret;
	v->step.report = false;
	ev = tvx_event_begin(v, THINVMX_EVENT_SINGLESTEP, MONITOR_SYNC);
	return ev ? tvx_event_send(v) : TVX_EXIT_RESUME;
}

int handle_mtf(struct tvx_vcpu *v)
{
	if (!v->step.active || !v->step.mtf)
		return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
	return handle_single_step(v);
}
