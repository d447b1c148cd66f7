// SPDX-License-Identifier: GPL-2.0
/*
 * THINVMX_INJECT_TRAP: one trap per vCPU, queued for its next VM entry
 * (reference 002). The checks, the encoding and the rules for meeting an
 * event the vCPU was still delivering are memevent/inject.c's.
 */
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "tvx.h"
#include "vcpu.h"
#include "memevent/inject.h"
#include "vmx/vmx_ops.h"

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
 * next entry delivers anyway (v->paused_*), so that the caller learns the
 * outcome. Delivered or merged into #DF: the result goes in at the entry
 * as it is (trap_settled). WAIT: queued as usual, after the pending event.
 * SHUTDOWN: dropped, the pending #DF ends in a triple fault.
 */
static u32 tvx_trap_settle(struct tvx_vcpu *v, struct inject_event *ev)
{
	struct inject_event pending, out;
	bool have_pending;
	u32 r;

	lockdep_assert_held(&v->trap_lock);
	have_pending = inject_decode(v->paused_intr, v->paused_err,
				     v->paused_len, &pending);
	r = inject_merge(have_pending ? &pending : NULL, ev, &out);
	if (r == INJECT_DELIVER_NEW || r == INJECT_MERGED_DF) {
		*ev = out;
		v->trap_settled = true;
	}
	return r;
}

/**
 * tvx_trap_pause() - a vCPU leaves the run loop to wait on an event
 * @v: the vCPU, its VMCS current
 */
void tvx_trap_pause(struct tvx_vcpu *v)
{
	spin_lock(&v->trap_lock);
	v->paused_intr = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	v->paused_err = vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE);
	v->paused_len = vmcs_read32(VM_ENTRY_INSTRUCTION_LEN);
	v->paused = true;
	spin_unlock(&v->trap_lock);
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

	spin_lock(&v->trap_lock);
	v->paused = false;
	settled = v->trap_queued && v->trap_settled;
	spin_unlock(&v->trap_lock);
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
long tvx_inject_trap(struct tvx_domain *dom,
		     struct thinvmx_inject_trap __user *uarg)
{
	struct thinvmx_inject_trap t;
	struct inject_event ev;
	struct tvx_vcpu *v;
	int ret;

	BUILD_BUG_ON(sizeof(ev) > sizeof(v->trap));
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
	spin_lock(&v->trap_lock);
	t.result = THINVMX_TRAP_RESULT_QUEUED;
	if (v->trap_queued) {
		ret = -EBUSY;
	} else {
		if (v->paused)
			t.result = tvx_trap_settle(v, &ev);
		if (t.result != THINVMX_TRAP_RESULT_SHUTDOWN) {
			memcpy(v->trap, &ev, sizeof(ev));
			WRITE_ONCE(v->trap_queued, true);
		}
	}
	spin_unlock(&v->trap_lock);
	if (!ret)
		tvx_vcpu_kick(v);
	mutex_unlock(&dom->lock);
	if (ret)
		return ret;

	return copy_to_user(uarg, &t, sizeof(t)) ? -EFAULT : 0;
}

/**
 * tvx_deliver_trap() - put a queued trap into the VMCS before an entry
 * @v: the vCPU, its VMCS current, interrupts off
 *
 * An event the vCPU was delivering when it left the guest (already in the
 * VM-entry fields) is never overwritten: the two combine into #DF where
 * the SDM says so, a fault while delivering #DF leaves the #DF to end in a
 * triple fault, and otherwise the new trap waits for a later entry.
 */
void tvx_deliver_trap(struct tvx_vcpu *v)
{
	struct inject_event pending, out, *ev = (struct inject_event *)v->trap;
	bool have_pending, pm;
	u32 info, code;

	/* every entry comes here: the lock only when a trap is queued */
	if (!READ_ONCE(v->trap_queued))
		return;
	spin_lock(&v->trap_lock);
	if (!v->trap_queued)
		goto unlock;
	if (v->trap_settled) {
		/* combined with the pending event already: it replaces it */
		out = *ev;
		v->trap_settled = false;
		goto write;
	}
	have_pending = inject_decode(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD),
				     vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE),
				     vmcs_read32(VM_ENTRY_INSTRUCTION_LEN),
				     &pending);
	switch (inject_merge(have_pending ? &pending : NULL, ev, &out)) {
	case INJECT_WAIT:
		goto unlock;
	case INJECT_SHUTDOWN:
		/* the pending #DF goes in; the new trap is dropped */
		v->trap_queued = false;
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
	if (out.has_cr2)
		v->cr2 = out.cr2;
	v->trap_queued = false;
	v->stats.traps_injected++;
unlock:
	spin_unlock(&v->trap_lock);
}
