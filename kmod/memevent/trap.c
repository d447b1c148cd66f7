// SPDX-License-Identifier: GPL-2.0
/*
 * THINVMX_INJECT_TRAP: one trap per vCPU, queued for its next VM entry
 * (reference 002). The checks, the encoding and the rules for meeting an
 * event the vCPU was still delivering are memevent/inject.c's.
 */
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "memevent/inject.h"
#include "memevent/trap.h"
#include "vcpu.h"
#include "vmx/exit.h"

/**
 * tvx_trap_queue_init() - an empty queue for a new vCPU
 * @q: the queue
 */
void tvx_trap_queue_init(struct tvx_trap_queue *q)
{
	spin_lock_init(&q->lock);
}

static void tvx_kick_ipi(void *unused)
{
	/* the interrupt alone makes a guest on that CPU exit */
}

/**
 * tvx_vcpu_kick() - make a vCPU running in the guest exit soon
 * @v: the vCPU
 *
 * What it must see at its next entry is published before the call.
 */
void tvx_vcpu_kick(struct tvx_vcpu *v)
{
	int cpu;

	/* pairs with the barrier after running_cpu is set in tvx_run_stretch() */
	smp_mb();
	cpu = READ_ONCE(v->running_cpu);
	if (cpu >= 0 && cpu != raw_smp_processor_id())
		smp_call_function_single(cpu, tvx_kick_ipi, NULL, 0);
}

/*
 * A trap for a vCPU paused on an event: combine it now with the event its
 * next entry delivers anyway (v->trap.paused_event), so that the caller learns the
 * outcome. Delivered or merged into #DF: the result goes in at the entry
 * as it is (trap_settled). WAIT: queued as usual, after the pending event.
 * SHUTDOWN: the vCPU shuts down at its next entry, as the CPU does when a
 * fault meets the delivery of #DF (tvx_deliver_trap()).
 */
static u32 tvx_trap_settle(struct tvx_vcpu *v, struct inject_event *ev)
{
	struct tvx_trap_queue *q = &v->trap;
	struct inject_event out;
	u32 r;

	lockdep_assert_held(&q->lock);
	r = inject_merge(q->paused_has_event ? &q->paused_event : NULL, ev, &out);
	if (r == INJECT_DELIVER_NEW || r == INJECT_MERGED_DF) {
		*ev = out;
		v->trap.settled = true;
	}
	return r;
}

/**
 * tvx_trap_pause() - a vCPU leaves the run loop to wait on an event
 * @v: the vCPU, its VMCS current
 */
void tvx_trap_pause(struct tvx_vcpu *v)
{
	u32 intr = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	u32 err = vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE);
	u32 len = vmcs_read32(VM_ENTRY_INSTRUCTION_LEN);

	spin_lock(&v->trap.lock);
	v->trap.paused_has_event = inject_decode(intr, err, len,
						 &v->trap.paused_event);
	v->trap.paused = true;
	spin_unlock(&v->trap.lock);
}

/**
 * tvx_trap_unpause() - the vCPU is back in the run loop
 * @v: the vCPU
 *
 * Return: whether a trap settled during the pause waits for the entry.
 */
bool tvx_trap_unpause(struct tvx_vcpu *v)
{
	bool settled;

	spin_lock(&v->trap.lock);
	v->trap.paused = false;
	settled = v->trap.queued && v->trap.settled;
	spin_unlock(&v->trap.lock);
	return settled;
}

/**
 * tvx_inject_trap() - THINVMX_INJECT_TRAP
 * @dom:  the domain
 * @uarg: struct thinvmx_inject_trap
 *
 * The trap waits for the vCPU's next entry; a vCPU running in the guest is
 * made to exit so that the entry comes soon. result says QUEUED, or for a
 * vCPU paused on an event what became of the trap (tvx_trap_settle()).
 *
 * Return: 0, -EFAULT, -EINVAL (an invalid combination, reserved bits, no
 * such vCPU), -EBUSY (a trap is queued for that vCPU already).
 */
long tvx_inject_trap(struct tvx_dom *dom,
		     struct thinvmx_inject_trap __user *uarg)
{
	struct thinvmx_inject_trap t;
	struct inject_event ev;
	struct tvx_vcpu *v;
	int ret;

	if (copy_from_user(&t, uarg, sizeof(t)))
		return -EFAULT;
	ret = inject_trap_check(&t, &ev);
	if (ret)
		return ret;
	if (t.vcpu >= THINVMX_MAX_VCPUS)
		return -EINVAL;

	mutex_lock(&dom->lock);
	v = dom->vcpus[t.vcpu];
	if (!v) {
		mutex_unlock(&dom->lock);
		return -EINVAL;
	}
	spin_lock(&v->trap.lock);
	t.result = THINVMX_TRAP_RESULT_QUEUED;
	if (v->trap.queued) {
		ret = -EBUSY;
	} else {
		if (v->trap.paused)
			t.result = tvx_trap_settle(v, &ev);
		if (t.result == THINVMX_TRAP_RESULT_SHUTDOWN)
			v->trap.shutdown = true;
		else
			v->trap.trap = ev;
		WRITE_ONCE(v->trap.queued, true);
	}
	spin_unlock(&v->trap.lock);
	if (!ret)
		tvx_vcpu_kick(v);
	mutex_unlock(&dom->lock);
	if (ret)
		return ret;

	return copy_to_user(uarg, &t, sizeof(t)) ? -EFAULT : 0;
}

/* Two decoded VM-entry events (or their absence) are the same. */
static bool tvx_same_event(bool a_valid, const struct inject_event *a,
			   bool b_valid, const struct inject_event *b)
{
	if (a_valid != b_valid)
		return false;
	return !a_valid ||
	       (a->vector == b->vector && a->type == b->type &&
		a->insn_len == b->insn_len &&
		a->has_error_code == b->has_error_code &&
		(!a->has_error_code || a->error_code == b->error_code));
}

/**
 * tvx_deliver_trap() - put a queued trap into the VMCS before an entry
 * @v: the vCPU, its VMCS current, interrupts off
 *
 * An event the vCPU was delivering when it left the guest (already in the
 * VM-entry fields) is never overwritten: the two combine into #DF where
 * the SDM says so, a fault meeting the delivery of #DF shuts the vCPU
 * down (a triple fault), and otherwise the new trap waits for a later
 * entry. A trap settled while the vCPU was paused replaces the event it
 * was settled against -- unless the answer's resume raised an exception
 * since (a CR write that failed then): it is merged with that like any
 * other.
 *
 * Return: true when the vCPU must shut down instead of entering.
 */
bool tvx_deliver_trap(struct tvx_vcpu *v)
{
	struct inject_event pending, out, *ev = &v->trap.trap;
	bool have_pending, pm, shutdown = false;
	u32 info, code;

	/* every entry comes here: the lock only when a trap is queued */
	if (!READ_ONCE(v->trap.queued))
		return false;
	spin_lock(&v->trap.lock);
	if (!v->trap.queued)
		goto unlock;
	if (v->trap.shutdown) {
		v->trap.shutdown = false;
		v->trap.queued = false;
		shutdown = true;
		goto unlock;
	}
	have_pending = inject_decode(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD),
				     vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE),
				     vmcs_read32(VM_ENTRY_INSTRUCTION_LEN),
				     &pending);
	if (v->trap.settled) {
		v->trap.settled = false;
		/* combined with the pending event already: it replaces it */
		if (tvx_same_event(have_pending, &pending,
				   v->trap.paused_has_event,
				   &v->trap.paused_event)) {
			out = *ev;
			goto write;
		}
	}
	switch (inject_merge(have_pending ? &pending : NULL, ev, &out)) {
	case INJECT_WAIT:
		goto unlock;
	case INJECT_SHUTDOWN:
		v->trap.queued = false;
		shutdown = true;
		goto unlock;
	default:
		break;
	}
write:
	pm = vmcs_readl(GUEST_CR0) & X86_CR0_PE;
	info = inject_encode(&out, pm, &code);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
	vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, code);
	vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, out.insn_len);
	tvx_inject_set_rf(&out);
	if (out.has_cr2)
		v->cr2 = out.cr2;
	v->trap.queued = false;
	v->stats.traps_injected++;
unlock:
	spin_unlock(&v->trap.lock);
	return shutdown;
}
