// SPDX-License-Identifier: GPL-2.0
/*
 * Events from a vCPU's side (reference 002; DESIGN.md, "Monitor events
 * and trap injection"): one routine starts every record
 * (tvx_event_begin()), one sends it (tvx_event_send()); an async event
 * lets the vCPU go on at once, a sync one, or a full ring, makes it leave
 * the run loop's inner stretch and sleep in tvx_event_wait() until the
 * listener answers (or makes room, or goes away); tvx_event_resume()
 * carries the answer out before the next entry. INT3 exits are here too,
 * and the VMCS exits that monitoring needs (tvx_monitor_refresh()).
 */
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/nospec.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>
#include <asm/trapnr.h>

#include "memevent/event.h"
#include "memevent/listener.h"
#include "memevent/ring.h"
#include "vcpu.h"
#include "vmx/exit.h"
#include "vmx/desc.h"
#include "vmx/exit_reg.h"
#include "vmx/host_caps.h"
#include "vmx/io.h"
#include "vmx/regs.h"
#include "vmx/step.h"
#include "ept/violation.h"

/*
 * A vCPU waiting for an answer first watches its response ring for a
 * while: a daemon on another CPU that answers within it spares the vCPU a
 * sleep and a wake-up. The window starts at event_spin_ns and adapts to
 * how fast the answers come (monitor_spin_next()), up to
 * event_spin_max_ns: a daemon that sleeps in poll(2) takes longer to
 * answer than one that busy-polls, and one that is slower still is not
 * polled for at all beyond event_spin_ns.
 */
static unsigned int event_spin_ns = 30000;
module_param(event_spin_ns, uint, 0644);
MODULE_PARM_DESC(event_spin_ns,
		 "ns a vCPU polls for an answer before it sleeps, at least (0: never)");
static unsigned int event_spin_max_ns = 200000;
module_param(event_spin_max_ns, uint, 0644);
MODULE_PARM_DESC(event_spin_max_ns,
		 "ns a vCPU polls for an answer at most, as answers come that late");

/**
 * tvx_vcpu_event_init() - no event yet, for a new vCPU
 * @v: the vCPU
 */
void tvx_vcpu_event_init(struct tvx_vcpu *v)
{
	v->ev.rec = &v->ev.buf;
}

static bool tvx_answer_ready(struct tvx_listener *l, struct tvx_vcpu_rings *vr,
			     u32 vcpu)
{
	bool ready;

	if (tvx_listener_dead(l))
		return true;
	spin_lock(&vr->rsp_lock);
	tvx_rsp_drain(l, vr, vcpu);
	ready = vr->answered;
	spin_unlock(&vr->rsp_lock);
	return ready;
}

/**
 * tvx_event_answer_due() - does a vCPU wait on its listener still?
 * @v: the vCPU, seen from another task (a daemon's register call,
 *     control.c)
 *
 * The answer is taken from the response ring by whoever looks first,
 * under the ring's lock, as the waiting vCPU itself does: one written
 * but not yet picked up counts as given (the vCPU is on its way).
 *
 * Return: true while it waits for room in its ring or for an answer not
 * written yet; false when it waits for neither, or its listener is gone
 * (it resumes unwatched).
 */
bool tvx_event_answer_due(struct tvx_vcpu *v)
{
	u32 state = READ_ONCE(v->ev.state);
	struct tvx_listener *l;
	bool due = false;

	if (state == TVX_EV_UNSENT)
		return true;
	if (state != TVX_EV_WAIT)
		return false;
	rcu_read_lock();
	l = rcu_dereference(v->dom->listener);
	/* still published: alive until this read side ends (detach waits) */
	if (l && l == READ_ONCE(v->ev.lsn) && v->id < l->nr_vcpus)
		due = !tvx_answer_ready(l, &l->vc[v->id], v->id);
	rcu_read_unlock();
	return due;
}

/* ------------------------------------------------------------ events */

/**
 * tvx_event_begin() - start an event record for a vCPU
 * @v: the vCPU, in an exit handler (its VMCS current)
 * @reason: THINVMX_EVENT_*
 * @delivery: MONITOR_ASYNC or MONITOR_SYNC
 *
 * Takes the next sequence number of the domain and fills the common part
 * of the record (registers at the exit); the caller fills the payload,
 * adds flags with tvx_event_flag() and calls tvx_event_send() without
 * fail. An async event with room in the ring is written straight into
 * its slot, which nobody else fills before it is sent (one producer per
 * ring: this vCPU); any other waits in v->ev.buf.
 *
 * Return: the record, to be written only (see struct tvx_vcpu.ev_rec),
 * or NULL when no listener takes it (none attached, closed, or without a
 * ring for this vCPU): the caller goes on as if nothing were monitored.
 */
struct thinvmx_event *tvx_event_begin(struct tvx_vcpu *v, u16 reason,
				      enum monitor_delivery delivery)
{
	struct tvx_dom *dom = v->dom;
	struct tvx_listener *l = v->ev.lsn;
	struct thinvmx_event *ev = &v->ev.buf;
	struct ring *req;
	u64 seq;

	if (!l) {
		rcu_read_lock();
		l = rcu_dereference(dom->listener);
		if (l && !kref_get_unless_zero(&l->ref))
			l = NULL;
		rcu_read_unlock();
		v->ev.lsn = l;
	}
	if (!l || tvx_listener_dead(l) || v->id >= l->nr_vcpus)
		return NULL;

	/* an index the listener broke is found again by tvx_event_send() */
	req = &l->vc[v->id].req;
	if (delivery == MONITOR_ASYNC && ring_prod_reserve(req, 1) > 0)
		ev = ring_prod_slot(req, 0);
	v->ev.rec = ev;

	seq = atomic64_inc_return(&dom->event_seq);
	monitor_event_init(ev, reason, v->id, seq, delivery);
	v->ev.reason = reason;
	v->ev.seq = seq;
	v->ev.flags = delivery == MONITOR_SYNC ? THINVMX_EVENT_F_SYNC : 0;
	/* every register is written below: none may be added unwritten */
	BUILD_BUG_ON(sizeof(ev->regs) != 18 * sizeof(u64));
	ev->regs.rax = v->gprs[TVX_RAX];
	ev->regs.rbx = v->gprs[TVX_RBX];
	ev->regs.rcx = v->gprs[TVX_RCX];
	ev->regs.rdx = v->gprs[TVX_RDX];
	ev->regs.rsi = v->gprs[TVX_RSI];
	ev->regs.rdi = v->gprs[TVX_RDI];
	ev->regs.rbp = v->gprs[TVX_RBP];
	ev->regs.r8 = v->gprs[TVX_R8];
	ev->regs.r9 = v->gprs[TVX_R9];
	ev->regs.r10 = v->gprs[TVX_R10];
	ev->regs.r11 = v->gprs[TVX_R11];
	ev->regs.r12 = v->gprs[TVX_R12];
	ev->regs.r13 = v->gprs[TVX_R13];
	ev->regs.r14 = v->gprs[TVX_R14];
	ev->regs.r15 = v->gprs[TVX_R15];
	ev->regs.rsp = vmcs_readl(GUEST_RSP);
	v->ev.rip = vmcs_readl(GUEST_RIP);
	ev->regs.rip = v->ev.rip;
	v->ev.rflags = vmcs_readl(GUEST_RFLAGS);
	ev->regs.rflags = v->ev.rflags;
	v->ev.cr0 = tvx_guest_cr0(v);
	ev->cr0 = v->ev.cr0;
	ev->cr3 = vmcs_readl(GUEST_CR3);
	ev->cr4 = tvx_guest_cr4(v);
	ev->view = v->vview.loaded;	/* the view of the exit */
	return ev;
}

/* Hand the record over: from its slot, or copied from v->ev.buf. Return: 0, -ENOSPC or -EPROTO. */
static int tvx_event_publish(struct tvx_vcpu *v, struct tvx_listener *l)
{
	struct tvx_vcpu_rings *vr = &l->vc[v->id];
	bool sync = v->ev.flags & THINVMX_EVENT_F_SYNC;
	int ret;

	if (v->ev.rec != &v->ev.buf) {
		v->ev.rec->flags = v->ev.flags;
	} else {
		ret = ring_prod_reserve(&vr->req, 1);
		if (ret < 0) {
			if (ret == -EPROTO)
				tvx_listener_break(l);
			return ret;
		}
		v->ev.buf.flags = v->ev.flags;
		memcpy(ring_prod_slot(&vr->req, 0), &v->ev.buf, sizeof(v->ev.buf));
	}
	ring_prod_publish(&vr->req, 1);
	v->ev.rec = &v->ev.buf;
	v->stats.events[array_index_nospec(v->ev.reason,
					   THINVMX_EVENT_NR_REASONS)][sync]++;
	/* pairs with the barrier in poll_wait()'s add_wait_queue */
	if (wq_has_sleeper(&l->poll_wq)) {
		wake_up_interruptible_poll(&l->poll_wq, EPOLLIN | EPOLLRDNORM);
		v->l1d_flush_needed = true;	/* the scheduler ran: vmx/spec.c */
	}
	return 0;
}

/**
 * tvx_event_send() - hand the record tvx_event_begin() started over
 * @v: the vCPU, in an exit handler
 *
 * A sync event's wait is registered before the record is visible, so
 * that the answer can never come first.
 *
 * Return: TVX_EXIT_RESUME (go on: an async event is in the ring) or
 * TVX_EXIT_WAIT_EVENT (leave the stretch: the vCPU waits for room or for
 * the answer in tvx_event_wait()).
 */
int tvx_event_send(struct tvx_vcpu *v)
{
	struct tvx_listener *l = v->ev.lsn;
	struct tvx_vcpu_rings *vr = &l->vc[v->id];
	bool sync = v->ev.flags & THINVMX_EVENT_F_SYNC;
	int ret;

	if (sync) {
		spin_lock(&vr->rsp_lock);
		vr->wait.seq = v->ev.seq;
		vr->wait.reason = v->ev.reason;
		vr->answered = false;
		spin_unlock(&vr->rsp_lock);
	}
	ret = tvx_event_publish(v, l);
	if (ret != -ENOSPC && !sync) {
		/* sent, or the listener broke: tvx_event_wait() resolves it */
		v->ev.state = TVX_EV_NONE;
		return ret ? TVX_EXIT_WAIT_EVENT : TVX_EXIT_RESUME;
	}
	/* a wait, for room or for the answer: as long as the listener allows */
	v->ev.deadline = READ_ONCE(l->sync_timeout_ns);
	if (v->ev.deadline)
		v->ev.deadline += ktime_get_ns();
	if (ret == -ENOSPC) {
		v->stats.ring_waits++;
		WRITE_ONCE(vr->req.hdr->full_waits, vr->req.hdr->full_waits + 1);
		v->ev.state = TVX_EV_UNSENT;
		return TVX_EXIT_WAIT_EVENT;
	}
	/* sent, or the listener broke: tvx_event_wait() resolves it */
	v->ev.state = TVX_EV_WAIT;
	return TVX_EXIT_WAIT_EVENT;
}

/*
 * The listener's sync timeout ran out: the vCPU goes on as if nothing
 * watched, and an answer that comes later is refused (the wait is
 * forgotten under the lock that answers take). Counted in the request
 * ring's header.
 */
static void tvx_event_timeout(struct tvx_vcpu *v, struct tvx_vcpu_rings *vr)
{
	bool sync = v->ev.flags & THINVMX_EVENT_F_SYNC;

	spin_lock(&vr->rsp_lock);
	if (vr->answered) {	/* it came after all */
		spin_unlock(&vr->rsp_lock);
		return;
	}
	vr->wait.seq = 0;
	spin_unlock(&vr->rsp_lock);
	WRITE_ONCE(vr->req.hdr->timeouts, vr->req.hdr->timeouts + 1);
	if (sync) {
		v->ev.actions = monitor_default_actions(v->ev.reason);
		v->ev.state = TVX_EV_ANSWERED;
	} else {
		v->ev.state = TVX_EV_NONE;
	}
}

/* What is left of the wait, in jiffies (at least 1); 0 when it is over. */
static long tvx_event_wait_left(const struct tvx_vcpu *v)
{
	u64 now;

	if (!v->ev.deadline)
		return MAX_SCHEDULE_TIMEOUT;
	now = ktime_get_ns();
	if (now >= v->ev.deadline)
		return 0;
	return nsecs_to_jiffies(v->ev.deadline - now) + 1;
}

/* Nobody will answer: resume as if nothing watched. */
static void tvx_event_abandon(struct tvx_vcpu *v)
{
	bool sync = v->ev.flags & THINVMX_EVENT_F_SYNC;

	if ((v->ev.state == TVX_EV_WAIT || v->ev.state == TVX_EV_UNSENT) && sync) {
		v->ev.actions = monitor_default_actions(v->ev.reason);
		v->ev.state = TVX_EV_ANSWERED;
	} else if (v->ev.state != TVX_EV_ANSWERED) {
		v->ev.state = TVX_EV_NONE;
	}
}

/* Poll for the answer for @spin ns, where another CPU can be giving it. */
static bool tvx_answer_spin(struct tvx_listener *l, struct tvx_vcpu_rings *vr,
			    u32 vcpu, u32 spin, u64 start)
{
	u64 end;

	if (!spin || num_online_cpus() < 2)
		return false;
	end = start + spin;
	do {
		if (tvx_answer_ready(l, vr, vcpu))
			return true;
		if (need_resched() || signal_pending(current))
			break;
		cpu_relax();
	} while (ktime_get_ns() < end);
	return false;
}

/* Sleep until the answer, for @left jiffies at most. */
static long tvx_answer_wait(struct tvx_listener *l, struct tvx_vcpu_rings *vr,
			    u32 vcpu, long left)
{
	return wait_event_interruptible_timeout(vr->wq,
						tvx_answer_ready(l, vr, vcpu),
						left);
}

static bool tvx_room_ready(struct tvx_listener *l, struct tvx_vcpu_rings *vr)
{
	int ret;

	if (tvx_listener_dead(l))
		return true;
	ret = ring_prod_reserve(&vr->req, 1);
	if (ret == -EPROTO)
		tvx_listener_break(l);
	return ret != -ENOSPC;
}

/**
 * tvx_event_wait() - wait for what the vCPU's event needs
 * @v: the vCPU, outside the stretch (may sleep; no VMCS needed)
 *
 * Sends an event that waited for room, then waits for a sync event's
 * answer. A closed listener ends every wait (the vCPU resumes as if
 * unwatched) and its reference is dropped here. A signal ends the wait
 * with the event kept: the next RUN waits again.
 *
 * Return: 0 (v->ev.state is NONE or ANSWERED), or -EINTR.
 */
int tvx_event_wait(struct tvx_vcpu *v)
{
	struct tvx_listener *l = v->ev.lsn;
	struct tvx_vcpu_rings *vr;
	u32 spin_min, spin_max;
	long ret, left;
	u64 start;

	while (l && !tvx_listener_dead(l)) {
		vr = &l->vc[v->id];
		switch (v->ev.state) {
		case TVX_EV_UNSENT:
			left = tvx_event_wait_left(v);
			if (!left) {
				tvx_event_timeout(v, vr);
				continue;
			}
			/*
			 * The doorbell wakes us; the timeout covers a listener
			 * that consumes records without ringing it.
			 */
			ret = wait_event_interruptible_timeout(vr->wq,
							       tvx_room_ready(l, vr),
							       min(left, HZ / 100L));
			if (ret < 0)
				return -EINTR;
			if (tvx_listener_dead(l))
				break;
			if (tvx_event_publish(v, l))
				continue;
			v->ev.state = (v->ev.flags & THINVMX_EVENT_F_SYNC) ?
				      TVX_EV_WAIT : TVX_EV_NONE;
			continue;
		case TVX_EV_WAIT:
			spin_min = READ_ONCE(event_spin_ns);
			spin_max = READ_ONCE(event_spin_max_ns);
			/* the window as the parameters allow it now */
			v->ev.spin_ns = monitor_spin_next(v->ev.spin_ns, spin_min,
							  spin_max, 0);
			/* an answer the poll catches leaves the window as it is */
			start = ktime_get_ns();
			if (!tvx_answer_spin(l, vr, v->id, v->ev.spin_ns, start)) {
				left = tvx_event_wait_left(v);
				if (left)
					left = tvx_answer_wait(l, vr, v->id, left);
				if (left < 0)
					return -EINTR;
				if (!left) {
					tvx_event_timeout(v, vr);
					continue;
				}
				v->ev.spin_ns = monitor_spin_next(v->ev.spin_ns, spin_min,
								  spin_max,
							       ktime_get_ns() - start);
			}
			spin_lock(&vr->rsp_lock);
			if (vr->answered) {
				v->ev.actions = vr->actions;
				v->ev.regs = vr->regs;
				v->ev.view = vr->view;
				v->ev.view_after = vr->view_after;
				vr->answered = false;
				v->ev.state = TVX_EV_ANSWERED;
			}
			spin_unlock(&vr->rsp_lock);
			continue;
		default:
			return 0;
		}
	}
	if (l) {
		tvx_event_abandon(v);
		v->ev.lsn = NULL;
		tvx_listener_put(l);
	}
	return 0;
}

/**
 * tvx_vcpu_listener_gone() - does the vCPU hold a listener that closed?
 * @v: the vCPU
 *
 * Return: true when it must leave the stretch to let go of it.
 */
bool tvx_vcpu_listener_gone(const struct tvx_vcpu *v)
{
	return v->ev.lsn && tvx_listener_dead(v->ev.lsn);
}

/* ------------------------------------------------------------ INT3 and answers */

/*
 * Where an event's instruction is: its linear address, and its frame if
 * the guest maps it. From the registers the record holds already.
 */
static bool tvx_event_rip_gpa(struct tvx_vcpu *v, u64 *gla, u64 *gpa)
{
	struct gwalk_result res;

	*gla = tvx_rip_linear(v->ev.rip, tvx_mode_of(v->ev.cr0, v->ev.rflags));
	if (tvx_translate_fetch(v, *gla, v->ev.cr0, &res))
		return false;
	*gpa = res.gpa;
	return true;
}

/*
 * #BP from an INT3, intercepted while INT3 is monitored. Without a
 * listener (or one that takes no INT3) the #BP goes to the guest, so a
 * debugger inside it works; async, the event is sent and the #BP goes on;
 * sync, the answer decides (tvx_event_resume()).
 */
static void tvx_reinject_bp(struct tvx_vcpu *v, u8 len)
{
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, X86_TRAP_BP |
		     INTR_TYPE_SOFT_EXCEPTION | INTR_INFO_VALID_MASK);
	vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, len);
}

int handle_int3(struct tvx_vcpu *v)
{
	u8 len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	enum monitor_int3 act = monitor_int3_action(&v->dom->monitor, true);
	struct thinvmx_event *ev = NULL;
	u64 gla, gpa;

	if (act != MONITOR_INT3_REINJECT)
		ev = tvx_event_begin(v, THINVMX_EVENT_INT3,
				     act == MONITOR_INT3_SYNC ? MONITOR_SYNC :
								MONITOR_ASYNC);
	if (!ev) {
		tvx_reinject_bp(v, len);
		return TVX_EXIT_RESUME;
	}
	if (tvx_event_rip_gpa(v, &gla, &gpa)) {
		tvx_event_flag(v, THINVMX_EVENT_F_GFN_VALID);
		ev->u.int3.gfn = gpa >> PAGE_SHIFT;
	}
	tvx_event_flag(v, THINVMX_EVENT_F_GLA_VALID);
	ev->u.int3.gla = gla;
	ev->u.int3.offset = offset_in_page(gla);
	ev->u.int3.insn_len = len;
	ev->u.int3.access = THINVMX_EVENT_ACCESS_X;
	v->ev.insn_len = len;
	if (act == MONITOR_INT3_ASYNC_REINJECT)
		tvx_reinject_bp(v, len);
	return tvx_event_send(v);
}

/*
 * Past the event's instruction, from wherever the answer's registers put
 * RIP; an STI or MOV SS blocking ends with the instruction, as in
 * tvx_skip_insn().
 */
static void tvx_event_skip(struct tvx_vcpu *v)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + v->ev.insn_len);
	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     intr & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

/**
 * tvx_event_resume() - carry out the answer to a sync event
 * @v: the vCPU, its VMCS current, before its next entry
 * @trap_settled: a trap injected during the wait goes in at this entry
 *
 * In the order uapi/thinvmx_introspect.h gives: the answer's registers, then the
 * event's instruction (a held CR write done or dropped, an INT3 skipped or
 * delivered, a read-only MMIO write discarded), then a single step that
 * ends in a SINGLESTEP event. For MEM_ACCESS the step is the access
 * itself, allowed once; without it the access is retried with whatever
 * right the frame has then. An INT3 answered REINJECT while a trap was
 * injected is not delivered: the trap is, and the INT3 runs again.
 */
void tvx_event_resume(struct tvx_vcpu *v, bool trap_settled)
{
	u32 act = v->ev.actions, regs_out[4];
	bool flush;
	u64 val;

	v->ev.state = TVX_EV_NONE;
	if (act & MONITOR_ACT_SET_REGS)
		tvx_load_regs(v, &v->ev.regs);
	/*
	 * The new view is loaded before the next entry, so a step below is
	 * in it; a leaf swapped for a step stays in the view it was swapped
	 * in until the step is done (tvx_run_stretch()).
	 */
	if (act & MONITOR_ACT_SWITCH_VIEW)
		tvx_view_switch_self(v, v->ev.view);
	switch (v->ev.reason) {
	case THINVMX_EVENT_CR0:
	case THINVMX_EVENT_CR3:
	case THINVMX_EVENT_CR4:
		val = v->ev.cr_new;
		if ((act & MONITOR_ACT_APPLY_CR) &&
		    (tvx_cr_check(v, v->ev.cr, &val, &flush) ||
		     tvx_cr_write(v, v->ev.cr, val, flush))) {
			tvx_inject_gp(v);
			break;
		}
		vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + v->ev.insn_len);
		break;
	case THINVMX_EVENT_MSR:
		/* async: done and skipped before it was sent */
		if (!(v->ev.flags & THINVMX_EVENT_F_SYNC))
			break;
		if ((act & MONITOR_ACT_APPLY_CR) &&
		    tvx_msr_write(v, v->ev.msr, v->ev.cr_new) < 0) {
			tvx_inject_gp(v);
			break;
		}
		vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + v->ev.insn_len);
		break;
	case THINVMX_EVENT_XCR0:
		if (act & MONITOR_ACT_APPLY_CR)
			v->xcr0 = v->ev.cr_new;	/* checked at the exit */
		tvx_event_skip(v);
		break;
	case THINVMX_EVENT_CPUID:
		/* the answer's registers are the result, as CPUID writes it */
		if (act & MONITOR_ACT_SET_REGS) {
			regs_out[0] = v->gprs[TVX_RAX];
			regs_out[1] = v->gprs[TVX_RBX];
			regs_out[2] = v->gprs[TVX_RCX];
			regs_out[3] = v->gprs[TVX_RDX];
			tvx_cpuid_apply(v, regs_out);
		} else {
			tvx_cpuid_apply(v, v->ev.cpuid);
		}
		tvx_event_skip(v);
		break;
	case THINVMX_EVENT_DESC_ACCESS:
		if (!(act & MONITOR_ACT_APPLY_CR))
			tvx_event_skip(v);
		else if (tvx_desc_complete(v, &v->ev.desc) != TVX_EXIT_RESUME)
			return;		/* faulted, or stopped */
		break;
	case THINVMX_EVENT_DEBUG:
		if (act & MONITOR_ACT_REINJECT) {
			if (tvx_db_deliver(v, v->ev.qual, v->ev.insn_len) !=
			    TVX_EXIT_RESUME)
				return;		/* shut down */
		} else {
			tvx_event_skip(v);	/* past an ICEBP; else 0 */
		}
		break;
	case THINVMX_EVENT_GUEST_REQUEST:
		tvx_event_skip(v);
		break;
	case THINVMX_EVENT_IO:
		if (act & MONITOR_ACT_APPLY_CR) {
			/* where the answer left it: it runs again, to the VMM */
			v->ev.io_pass = true;
			v->ev.io_pass_rip = vmcs_readl(GUEST_RIP);
		} else if (tvx_io_deny(v, v->ev.qual) != TVX_EXIT_RESUME) {
			return;
		}
		break;
	case THINVMX_EVENT_INT3:
		if (act & MONITOR_ACT_SKIP)
			vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + v->ev.insn_len);
		/* the trap first: the INT3 runs again when the guest is back */
		else if ((act & MONITOR_ACT_REINJECT) && !trap_settled)
			tvx_reinject_bp(v, v->ev.insn_len);
		break;
	case THINVMX_EVENT_RO_MMIO_WRITE:
		/* only the write reported: not what new registers point at */
		if (vmcs_readl(GUEST_RIP) == v->ev.rip &&
		    tvx_discard_write(v, v->ev.gpa) != TVX_EXIT_RESUME)
			return;		/* stopped */
		break;
	case THINVMX_EVENT_MEM_ACCESS:
		if (act & MONITOR_ACT_SINGLESTEP) {
			v->step.report = tvx_allow_once(v, v->ev.gpa) ||
					 v->step.swap.active;
			return;
		}
		break;
	}
	/*
	 * Xen's fast single-step: one instruction in the answer's view, then
	 * the view after, no event; the other vCPUs go on in theirs. The
	 * views are loaded before the entry (tvx_view_load()).
	 */
	if ((act & MONITOR_ACT_FAST_STEP) &&
	    tvx_view_fast_step(v, v->ev.view, v->ev.view_after)) {
		if (!v->step.active)
			tvx_step_arm(v);
		return;
	}
	if (!(act & MONITOR_ACT_SINGLESTEP))
		return;
	/* a discard by scratch step is the step; else the next instruction */
	if (!v->step.active)
		tvx_step_arm(v);
	v->step.report = true;
}

/* ------------------------------------------------------------ the VMCS */

/**
 * tvx_monitor_refresh() - give the VMCS the exits monitoring needs now
 * @v: the vCPU, its VMCS current
 *
 * Every CR0/CR4 bit while that register is monitored (a MOV exits only
 * when it changes an owned bit), CR3-load exiting while CR3 is,
 * descriptor-table exiting while DESC_ACCESS is, #BP in the exception
 * bitmap while INT3 is; what the host needs anyway stays. XSETBV, CPUID,
 * VMCALL, port I/O and #DB exit always.
 */
void tvx_monitor_refresh(struct tvx_vcpu *v)
{
	const struct monitor_settings *s = &v->dom->monitor;
	u32 gen = READ_ONCE(v->dom->monitor_gen), proc, eb;

	/* pairs with the smp_wmb() before the generation changes */
	smp_rmb();
	tvx_set_cr_masks(v, tvx_cr0_guest_owned_fixed() |
			    monitor_cr_guest_host_mask(s, 0),
			 tvx_cr4_mask() | monitor_cr_guest_host_mask(s, 4));
	if (cpu_has_vmx_desc_exiting()) {
		proc = vmcs_read32(SECONDARY_VM_EXEC_CONTROL) & ~VMX_PROC2_DESC_EXITING;
		if (monitor_needs_desc_exiting(s))
			proc |= VMX_PROC2_DESC_EXITING;
		vmcs_write32(SECONDARY_VM_EXEC_CONTROL, proc);
	}
	proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) & ~VMX_PROC_CR3_LOAD_EXITING;
	if (monitor_needs_cr3_exiting(s))
		proc |= VMX_PROC_CR3_LOAD_EXITING;
	if (cpu_forces_vmx_cr3_load_exiting())
		proc |= VMX_PROC_CR3_LOAD_EXITING;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc);
	eb = vmcs_read32(EXCEPTION_BITMAP) & ~BIT(X86_TRAP_BP);
	vmcs_write32(EXCEPTION_BITMAP, eb | monitor_exception_bitmap(s));
	v->ev.monitor_gen = gen;
}
