// SPDX-License-Identifier: GPL-2.0
/*
 * The introspection listener (reference 002; DESIGN.md, "Monitor events
 * and trap injection").
 *
 * THINVMX_ATTACH_MONITOR gives a domain its one listener fd. Its mmap holds
 * a request ring and a response ring for every vCPU id below nr_vcpus
 * (memevent/ring.c lays them out), so each vCPU is served on its own. A
 * vCPU reports an event by writing one record into its request ring from
 * its exit handler; an async event lets it go on at once, a sync one, or a
 * full ring, makes it leave the run loop's inner stretch and sleep in
 * tvx_event_wait() until the listener answers (or makes room, or goes
 * away). Answers are read from the response ring under the ring's lock,
 * by the doorbell ioctl or by the waiting vCPU itself, whichever comes
 * first, and checked against what the vCPU waits for before anything is
 * done with them.
 *
 * Lifetime: the listener is reference-counted. The fd holds one reference
 * and publishes the listener in dom->listener (RCU); a vCPU takes its own
 * reference the first time it reports an event (v->lsn) and drops it only
 * from sleepable context, once it sees the listener closed. Closing the fd
 * switches monitoring off, unpublishes the listener and wakes every
 * waiting vCPU, which resumes as if answered "continue" (INT3 re-injected,
 * CR writes done); a new listener can attach at once.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "listener.h"
#include "netlink.h"
#include "vcpu.h"
#include "memevent/ring.h"
#include "vmx/vmx_bits.h"
#include "vmx/vmx_ops.h"

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

/* One vCPU's rings, and the answer its sync event waits for. */
struct tvx_lvcpu {
	struct ring req;		/* producer: the vCPU's thread only */
	spinlock_t rsp_lock;		/* rsp, wait, answered, actions, regs */
	struct ring rsp;
	struct monitor_wait wait;	/* the sync event awaiting an answer */
	u64 refused;			/* answers refused: rsp's header shows it */
	bool answered;
	u32 actions;			/* MONITOR_ACT_* of the answer */
	struct thinvmx_regs regs;	/* with MONITOR_ACT_SET_REGS */
	wait_queue_head_t wq;		/* the vCPU sleeps here */
};

struct tvx_listener {
	struct kref ref;
	struct tvx_domain *dom;		/* a reference */
	bool closed;			/* the fd is gone, or broke a ring */
	int error;			/* -EPROTO once a ring index was bad */
	u32 nr_vcpus;
	u32 slots_log2;
	void *area;			/* the rings (__vmalloc, zeroed) */
	u64 area_size;
	struct mutex lock;		/* monitor settings */
	wait_queue_head_t poll_wq;	/* the listener polls here */
	struct tvx_lvcpu vc[];
};

static void tvx_listener_free(struct kref *ref)
{
	struct tvx_listener *l = container_of(ref, struct tvx_listener, ref);

	vfree(l->area);
	tvx_domain_put(l->dom);
	kfree(l);
}

/* Sleepable context only: the last reference frees the rings. */
static void tvx_listener_put(struct tvx_listener *l)
{
	might_sleep();
	kref_put(&l->ref, tvx_listener_free);
}

static bool tvx_listener_dead(const struct tvx_listener *l)
{
	return READ_ONCE(l->closed);
}

/*
 * A ring index the listener wrote was impossible: nothing more is read
 * from it or written to it. Waiting vCPUs resume as after a close; the
 * fd reports the error until it is closed.
 */
static void tvx_listener_break(struct tvx_listener *l)
{
	u32 i;

	if (cmpxchg(&l->error, 0, -EPROTO))
		return;
	pr_warn_ratelimited("domain %u: the listener broke an event ring\n",
			    l->dom->id);
	WRITE_ONCE(l->closed, true);
	for (i = 0; i < l->nr_vcpus; i++)
		wake_up_all(&l->vc[i].wq);
	wake_up_all(&l->poll_wq);
}

/* ------------------------------------------------------------ answers */

/*
 * Read every answer in @lv's response ring, under its lock. An answer
 * that fits the vCPU's wait is kept for it; any other is counted and
 * skipped. Return: 0, or the first answer's error (-EINVAL, -ESRCH), or
 * -EPROTO.
 */
static int tvx_rsp_drain(struct tvx_listener *l, struct tvx_lvcpu *lv, u32 vcpu)
{
	struct thinvmx_response rsp;
	int n, i, err = 0, ret;
	u32 act;

	lockdep_assert_held(&lv->rsp_lock);
	n = ring_cons_peek(&lv->rsp);
	if (n < 0) {
		tvx_listener_break(l);
		return n;
	}
	for (i = 0; i < n; i++) {
		/* the listener may still be writing it: copy, then check */
		memcpy(&rsp, ring_cons_slot(&lv->rsp, i), sizeof(rsp));
		ret = monitor_response_check(&lv->wait, vcpu, &rsp, &act);
		if (ret) {
			WRITE_ONCE(lv->rsp.hdr->refused, ++lv->refused);
			if (!err)
				err = ret;
			continue;
		}
		lv->actions = act;
		lv->regs = rsp.regs;
		lv->answered = true;
		lv->wait.seq = 0;
	}
	if (n)
		ring_cons_consume(&lv->rsp, n);
	return err;
}

static bool tvx_answer_ready(struct tvx_listener *l, struct tvx_lvcpu *lv,
			     u32 vcpu)
{
	bool ready;

	if (tvx_listener_dead(l))
		return true;
	spin_lock(&lv->rsp_lock);
	tvx_rsp_drain(l, lv, vcpu);
	ready = lv->answered;
	spin_unlock(&lv->rsp_lock);
	return ready;
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
 * ring: this vCPU); any other waits in v->ev.
 *
 * Return: the record, to be written only (see struct tvx_vcpu.ev_rec),
 * or NULL when no listener takes it (none attached, closed, or without a
 * ring for this vCPU): the caller goes on as if nothing were monitored.
 */
struct thinvmx_event *tvx_event_begin(struct tvx_vcpu *v, u16 reason,
				      enum monitor_delivery delivery)
{
	struct tvx_domain *dom = v->dom;
	struct tvx_listener *l = v->lsn;
	struct thinvmx_event *ev = &v->ev;
	struct ring *req;
	u64 seq;

	if (!l) {
		rcu_read_lock();
		l = rcu_dereference(dom->listener);
		if (l && !kref_get_unless_zero(&l->ref))
			l = NULL;
		rcu_read_unlock();
		v->lsn = l;
	}
	if (!l || tvx_listener_dead(l) || v->id >= l->nr_vcpus)
		return NULL;

	/* an index the listener broke is found again by tvx_event_send() */
	req = &l->vc[v->id].req;
	if (delivery == MONITOR_ASYNC && ring_prod_reserve(req, 1) > 0)
		ev = ring_prod_slot(req, 0);
	v->ev_rec = ev;

	seq = atomic64_inc_return(&dom->event_seq);
	monitor_event_init(ev, reason, v->id, seq, delivery);
	v->ev_reason = reason;
	v->ev_seq = seq;
	v->ev_flags = delivery == MONITOR_SYNC ? THINVMX_EVENT_F_SYNC : 0;
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
	v->ev_rip = vmcs_readl(GUEST_RIP);
	ev->regs.rip = v->ev_rip;
	v->ev_rflags = vmcs_readl(GUEST_RFLAGS);
	ev->regs.rflags = v->ev_rflags;
	v->ev_cr0 = tvx_guest_cr0(v);
	ev->cr0 = v->ev_cr0;
	ev->cr3 = vmcs_readl(GUEST_CR3);
	ev->cr4 = tvx_guest_cr4(v);
	return ev;
}

/* Hand the record over: from its slot, or copied from v->ev. Return: 0, -ENOSPC or -EPROTO. */
static int tvx_event_publish(struct tvx_vcpu *v, struct tvx_listener *l)
{
	struct tvx_lvcpu *lv = &l->vc[v->id];
	bool sync = v->ev_flags & THINVMX_EVENT_F_SYNC;
	int ret;

	if (v->ev_rec != &v->ev) {
		v->ev_rec->flags = v->ev_flags;
	} else {
		ret = ring_prod_reserve(&lv->req, 1);
		if (ret < 0) {
			if (ret == -EPROTO)
				tvx_listener_break(l);
			return ret;
		}
		v->ev.flags = v->ev_flags;
		memcpy(ring_prod_slot(&lv->req, 0), &v->ev, sizeof(v->ev));
	}
	ring_prod_publish(&lv->req, 1);
	v->ev_rec = &v->ev;
	v->stats.events[array_index_nospec(v->ev_reason,
					   THINVMX_EVENT_NR_REASONS)][sync]++;
	/* pairs with the barrier in poll_wait()'s add_wait_queue */
	if (wq_has_sleeper(&l->poll_wq))
		wake_up_interruptible_poll(&l->poll_wq, EPOLLIN | EPOLLRDNORM);
	return 0;
}

/**
 * tvx_event_send() - hand the record tvx_event_begin() started over
 * @v: the vCPU, in an exit handler
 *
 * A sync event's wait is registered before the record is visible, so
 * that the answer can never come first.
 *
 * Return: 1 (go on: an async event is in the ring) or TVX_EXIT_WAIT_EVENT
 * (leave the stretch: the vCPU waits for room or for the answer in
 * tvx_event_wait()).
 */
int tvx_event_send(struct tvx_vcpu *v)
{
	struct tvx_listener *l = v->lsn;
	struct tvx_lvcpu *lv = &l->vc[v->id];
	bool sync = v->ev_flags & THINVMX_EVENT_F_SYNC;
	int ret;

	if (sync) {
		spin_lock(&lv->rsp_lock);
		lv->wait.seq = v->ev_seq;
		lv->wait.reason = v->ev_reason;
		lv->answered = false;
		spin_unlock(&lv->rsp_lock);
	}
	ret = tvx_event_publish(v, l);
	if (ret == -ENOSPC) {
		v->stats.ring_waits++;
		WRITE_ONCE(lv->req.hdr->full_waits, lv->req.hdr->full_waits + 1);
		v->ev_state = TVX_EV_UNSENT;
		return TVX_EXIT_WAIT_EVENT;
	}
	if (ret || !sync) {
		/* sent, or the listener broke: tvx_event_wait() resolves it */
		v->ev_state = ret && sync ? TVX_EV_WAIT : TVX_EV_NONE;
		return ret ? TVX_EXIT_WAIT_EVENT : 1;
	}
	v->ev_state = TVX_EV_WAIT;
	return TVX_EXIT_WAIT_EVENT;
}

/* Nobody will answer: resume as if nothing watched. */
static void tvx_event_abandon(struct tvx_vcpu *v)
{
	bool sync = v->ev_flags & THINVMX_EVENT_F_SYNC;

	if ((v->ev_state == TVX_EV_WAIT || v->ev_state == TVX_EV_UNSENT) && sync) {
		v->ev_actions = monitor_default_actions(v->ev_reason);
		v->ev_state = TVX_EV_ANSWERED;
	} else if (v->ev_state != TVX_EV_ANSWERED) {
		v->ev_state = TVX_EV_NONE;
	}
}

/* Poll for the answer for @spin ns, where another CPU can be giving it. */
static bool tvx_answer_spin(struct tvx_listener *l, struct tvx_lvcpu *lv,
			    u32 vcpu, u32 spin, u64 start)
{
	u64 end;

	if (!spin || num_online_cpus() < 2)
		return false;
	end = start + spin;
	do {
		if (tvx_answer_ready(l, lv, vcpu))
			return true;
		if (need_resched() || signal_pending(current))
			break;
		cpu_relax();
	} while (ktime_get_ns() < end);
	return false;
}

static bool tvx_room_ready(struct tvx_listener *l, struct tvx_lvcpu *lv)
{
	int ret;

	if (tvx_listener_dead(l))
		return true;
	ret = ring_prod_reserve(&lv->req, 1);
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
 * Return: 0 (v->ev_state is NONE or ANSWERED), or -EINTR.
 */
int tvx_event_wait(struct tvx_vcpu *v)
{
	struct tvx_listener *l = v->lsn;
	struct tvx_lvcpu *lv;
	u32 spin_min, spin_max;
	long ret;
	u64 start;

	while (l && !tvx_listener_dead(l)) {
		lv = &l->vc[v->id];
		switch (v->ev_state) {
		case TVX_EV_UNSENT:
			/*
			 * The doorbell wakes us; the timeout covers a listener
			 * that consumes records without ringing it.
			 */
			ret = wait_event_interruptible_timeout(lv->wq,
							       tvx_room_ready(l, lv),
							       HZ / 100);
			if (ret < 0)
				return -EINTR;
			if (tvx_listener_dead(l))
				break;
			if (tvx_event_publish(v, l))
				continue;
			v->ev_state = (v->ev_flags & THINVMX_EVENT_F_SYNC) ?
				      TVX_EV_WAIT : TVX_EV_NONE;
			continue;
		case TVX_EV_WAIT:
			spin_min = READ_ONCE(event_spin_ns);
			spin_max = READ_ONCE(event_spin_max_ns);
			/* the window as the parameters allow it now */
			v->spin_ns = monitor_spin_next(v->spin_ns, spin_min,
						       spin_max, 0);
			/* an answer the poll catches leaves the window as it is */
			start = ktime_get_ns();
			if (!tvx_answer_spin(l, lv, v->id, v->spin_ns, start)) {
				if (wait_event_interruptible(lv->wq,
							     tvx_answer_ready(l, lv, v->id)))
					return -EINTR;
				v->spin_ns = monitor_spin_next(v->spin_ns, spin_min,
							       spin_max,
							       ktime_get_ns() - start);
			}
			spin_lock(&lv->rsp_lock);
			if (lv->answered) {
				v->ev_actions = lv->actions;
				v->ev_regs = lv->regs;
				lv->answered = false;
				v->ev_state = TVX_EV_ANSWERED;
			}
			spin_unlock(&lv->rsp_lock);
			continue;
		default:
			return 0;
		}
	}
	if (l) {
		tvx_event_abandon(v);
		v->lsn = NULL;
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
	return v->lsn && tvx_listener_dead(v->lsn);
}

/**
 * tvx_listener_vcpu_free() - a vCPU goes away: drop its reference
 * @v: the vCPU
 */
void tvx_listener_vcpu_free(struct tvx_vcpu *v)
{
	if (v->lsn)
		tvx_listener_put(v->lsn);
	v->lsn = NULL;
}

/**
 * tvx_listener_vcpu_allowed() - may a vCPU with this id be created now?
 * @dom: the domain, dom->lock held
 * @id: the new vCPU's id
 *
 * Return: 0, or -EBUSY when a listener is attached without a ring for @id.
 */
int tvx_listener_vcpu_allowed(struct tvx_domain *dom, u32 id)
{
	struct tvx_listener *l;

	l = rcu_dereference_protected(dom->listener, lockdep_is_held(&dom->lock));
	return l && id >= l->nr_vcpus ? -EBUSY : 0;
}

/* ------------------------------------------------------------ settings */

/* Make every vCPU of the domain look at the settings at its next entry. */
static void tvx_monitor_changed(struct tvx_domain *dom)
{
	u32 i;

	/* the settings before the generation: pairs with tvx_monitor_refresh() */
	smp_wmb();
	WRITE_ONCE(dom->monitor_gen, dom->monitor_gen + 1);
	mutex_lock(&dom->lock);
	for (i = 0; i < THINVMX_MAX_VCPUS; i++)
		if (dom->vcpus[i])
			tvx_vcpu_kick(dom->vcpus[i]);
	mutex_unlock(&dom->lock);
}

static long tvx_set_monitor(struct tvx_listener *l,
			    struct thinvmx_monitor __user *uarg)
{
	struct thinvmx_monitor m;
	int ret;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	mutex_lock(&l->lock);
	ret = monitor_set(&l->dom->monitor, &m);
	if (!ret)
		tvx_monitor_changed(l->dom);
	mutex_unlock(&l->lock);
	return ret;
}

static long tvx_get_monitor(struct tvx_listener *l,
			    struct thinvmx_monitor __user *uarg)
{
	struct thinvmx_monitor m;
	int ret;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	mutex_lock(&l->lock);
	ret = monitor_get(&l->dom->monitor, &m);
	mutex_unlock(&l->lock);
	if (ret)
		return ret;
	return copy_to_user(uarg, &m, sizeof(m)) ? -EFAULT : 0;
}

/* ------------------------------------------------------------ the fd */

static long tvx_doorbell(struct tvx_listener *l,
			 struct thinvmx_doorbell __user *uarg)
{
	struct thinvmx_doorbell db;
	unsigned long mask;
	int err = 0, ret;
	u32 i;

	if (copy_from_user(&db, uarg, sizeof(db)))
		return -EFAULT;
	if (db.reserved[0] || db.reserved[1] || db.reserved[2] ||
	    (l->nr_vcpus < 64 && db.vcpu_mask >> l->nr_vcpus))
		return -EINVAL;
	if (l->error)
		return l->error;
	mask = db.vcpu_mask;
	for_each_set_bit(i, &mask, l->nr_vcpus) {
		struct tvx_lvcpu *lv = &l->vc[i];

		spin_lock(&lv->rsp_lock);
		ret = tvx_rsp_drain(l, lv, i);
		spin_unlock(&lv->rsp_lock);
		if (ret && !err)
			err = ret;
		/* an answer, or room in the request ring */
		wake_up(&lv->wq);
	}
	return err;
}

static long tvx_listener_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct tvx_listener *l = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case THINVMX_MONITOR_DOORBELL:
		return tvx_doorbell(l, uarg);
	case THINVMX_SET_MONITOR:
		return tvx_set_monitor(l, uarg);
	case THINVMX_GET_MONITOR:
		return tvx_get_monitor(l, uarg);
	case THINVMX_INJECT_TRAP:
		return tvx_inject_trap(l->dom, uarg);
	default:
		return -ENOTTY;
	}
}

static __poll_t tvx_listener_poll(struct file *file, poll_table *pt)
{
	struct tvx_listener *l = file->private_data;
	__poll_t mask = 0;
	u32 i;

	poll_wait(file, &l->poll_wq, pt);
	if (READ_ONCE(l->error))
		return EPOLLERR;
	for (i = 0; i < l->nr_vcpus; i++) {
		struct thinvmx_ring_header *hdr = l->vc[i].req.hdr;

		/* pairs with the release store in ring_prod_publish() */
		if (smp_load_acquire(&hdr->prod) != READ_ONCE(hdr->cons)) {
			mask |= EPOLLIN | EPOLLRDNORM;
			break;
		}
	}
	return mask;
}

static int tvx_listener_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct tvx_listener *l = file->private_data;
	unsigned long off;
	int ret;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != l->area_size)
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	/*
	 * What remap_vmalloc_range() does, for an area from __vmalloc()
	 * (zeroed, as vmalloc_user()'s is, but allowed to fail).
	 */
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	for (off = 0; off < l->area_size; off += PAGE_SIZE) {
		ret = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page(l->area + off));
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The fd is gone: monitoring off, the listener unpublished, every waiting
 * vCPU woken to resume unwatched. A new listener may attach as soon as
 * this returns.
 */
static void tvx_listener_detach(struct tvx_listener *l)
{
	struct tvx_domain *dom = l->dom;
	u32 i;

	mutex_lock(&l->lock);
	WRITE_ONCE(l->closed, true);
	monitor_reset(&dom->monitor);
	tvx_monitor_changed(dom);
	mutex_unlock(&l->lock);

	mutex_lock(&dom->lock);
	RCU_INIT_POINTER(dom->listener, NULL);
	mutex_unlock(&dom->lock);
	for (i = 0; i < l->nr_vcpus; i++)
		wake_up_all(&l->vc[i].wq);
	tvx_nl_notify_listener(dom, false);
	/* no vCPU can find it any more once readers are done */
	synchronize_rcu();
	tvx_listener_put(l);
}

static int tvx_listener_release(struct inode *inode, struct file *file)
{
	tvx_listener_detach(file->private_data);
	return 0;
}

static const struct file_operations tvx_listener_fops = {
	.owner		= THIS_MODULE,
	.release	= tvx_listener_release,
	.unlocked_ioctl	= tvx_listener_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.poll		= tvx_listener_poll,
	.mmap		= tvx_listener_mmap,
	.llseek		= noop_llseek,
};

/* The highest vCPU id of the domain plus one; dom->lock held. */
static u32 tvx_vcpu_span(struct tvx_domain *dom)
{
	u32 i, n = 0;

	for (i = 0; i < THINVMX_MAX_VCPUS; i++)
		if (dom->vcpus[i])
			n = i + 1;
	return n;
}

static int tvx_listener_rings(struct tvx_listener *l)
{
	struct ring_layout lay;
	u32 i;
	int ret;

	for (i = 0; i < l->nr_vcpus; i++) {
		struct tvx_lvcpu *lv = &l->vc[i];
		u8 *base = l->area;

		ret = ring_layout(l->nr_vcpus, l->slots_log2, i, &lay);
		if (ret)
			return ret;
		ring_header_init((void *)(base + lay.req_hdr), l->slots_log2,
				 THINVMX_RING_RECORD_SIZE, i, 0);
		ring_header_init((void *)(base + lay.rsp_hdr), l->slots_log2,
				 THINVMX_RING_RECORD_SIZE, i, 0);
		ret = ring_attach(&lv->req, (void *)(base + lay.req_hdr),
				  base + lay.req_slots, l->slots_log2,
				  THINVMX_RING_RECORD_SIZE, true);
		if (!ret)
			ret = ring_attach(&lv->rsp, (void *)(base + lay.rsp_hdr),
					  base + lay.rsp_slots, l->slots_log2,
					  THINVMX_RING_RECORD_SIZE, false);
		if (ret)
			return ret;
		spin_lock_init(&lv->rsp_lock);
		init_waitqueue_head(&lv->wq);
	}
	return 0;
}

/**
 * tvx_attach_monitor() - THINVMX_ATTACH_MONITOR
 * @dom: the domain
 * @uarg: struct thinvmx_attach_monitor
 *
 * Return: the listener fd, or -EFAULT, -EINVAL (bad slots_log2 or
 * nr_vcpus, reserved bits), -EPERM (neither the domain's owner nor
 * CAP_SYS_ADMIN), -EBUSY (a listener is attached), -ENOMEM.
 */
long tvx_attach_monitor(struct tvx_domain *dom,
			struct thinvmx_attach_monitor __user *uarg)
{
	struct thinvmx_attach_monitor a;
	struct tvx_listener *l;
	bool busy;
	u32 span;
	int fd, ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.reserved[0] || a.reserved[1] || a.mmap_size ||
	    a.nr_vcpus > THINVMX_MAX_VCPUS)
		return -EINVAL;
	if (!a.slots_log2)
		a.slots_log2 = THINVMX_RING_SLOTS_LOG2_DEFAULT;
	if (!ring_slots_log2_valid(a.slots_log2))
		return -EINVAL;
	if (!uid_eq(current_euid(), dom->owner_uid) && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	/* before the rings are allocated (up to 2 GiB); checked again below */
	mutex_lock(&dom->lock);
	span = tvx_vcpu_span(dom);
	busy = rcu_access_pointer(dom->listener);
	mutex_unlock(&dom->lock);
	if (busy)
		return -EBUSY;
	if (!a.nr_vcpus)
		a.nr_vcpus = max(span, 1U);
	if (span > a.nr_vcpus)
		return -EINVAL;		/* a vCPU would have no ring */

	l = kzalloc(struct_size(l, vc, a.nr_vcpus), GFP_KERNEL_ACCOUNT);
	if (!l)
		return -ENOMEM;
	kref_init(&l->ref);
	mutex_init(&l->lock);
	init_waitqueue_head(&l->poll_wq);
	l->nr_vcpus = a.nr_vcpus;
	l->slots_log2 = a.slots_log2;
	l->area_size = ring_area_size(a.nr_vcpus, a.slots_log2);
	/*
	 * Rings larger than the host can give fail, without an OOM kill
	 * for them; more than half its memory is not even tried.
	 */
	if (l->area_size >> PAGE_SHIFT > totalram_pages() / 2)
		l->area = NULL;
	else
		l->area = __vmalloc(l->area_size,
				    GFP_KERNEL_ACCOUNT | __GFP_ZERO |
				    __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!l->area) {
		kfree(l);
		return -ENOMEM;
	}
	ret = tvx_listener_rings(l);
	if (ret) {
		vfree(l->area);
		kfree(l);
		return ret;
	}

	mutex_lock(&dom->lock);
	if (rcu_access_pointer(dom->listener))
		ret = -EBUSY;
	else if (tvx_vcpu_span(dom) > l->nr_vcpus)
		ret = -EINVAL;		/* a vCPU would have no ring */
	if (ret) {
		mutex_unlock(&dom->lock);
		vfree(l->area);
		kfree(l);
		return ret;
	}
	kref_get(&dom->ref);
	l->dom = dom;
	rcu_assign_pointer(dom->listener, l);
	mutex_unlock(&dom->lock);

	a.mmap_size = l->area_size;
	if (copy_to_user(uarg, &a, sizeof(a))) {
		tvx_nl_notify_listener(dom, true);
		tvx_listener_detach(l);
		return -EFAULT;
	}
	/* before the fd exists: its close is always told after this */
	tvx_nl_notify_listener(dom, true);
	fd = anon_inode_getfd("thinvmx-listener", &tvx_listener_fops, l,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0)
		tvx_listener_detach(l);
	return fd;
}
