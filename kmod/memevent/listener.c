// SPDX-License-Identifier: GPL-2.0
/*
 * The introspection listener's fd (reference 002; DESIGN.md, "Monitor
 * events and trap injection"); a vCPU's side of an event is event.c's.
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
 * reference the first time it reports an event (v->ev.lsn) and drops it only
 * from sleepable context, once it sees the listener closed. Closing the fd
 * switches monitoring off, unpublishes the listener and wakes every
 * waiting vCPU, which resumes as if answered "continue" (INT3 re-injected,
 * CR writes done); a new listener can attach at once. The domain's owner
 * can do the same to a listener whose fd it does not hold
 * (THINVMX_DETACH_MONITOR): that fd stays, and fails with -ENODEV.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "control.h"
#include "memevent/listener.h"
#include "memevent/ring.h"
#include "memevent/trap.h"
#include "netlink.h"
#include "vcpu.h"
#include "vmx/host_caps.h"

static void tvx_listener_free(struct kref *ref)
{
	struct tvx_listener *l = container_of(ref, struct tvx_listener, ref);

	vfree(l->area);
	tvx_domain_put(l->dom);
	kfree(l);
}

/* Sleepable context only: the last reference frees the rings. */
void tvx_listener_put(struct tvx_listener *l)
{
	might_sleep();
	kref_put(&l->ref, tvx_listener_free);
}

/*
 * A ring index the listener wrote was impossible: nothing more is read
 * from it or written to it. Waiting vCPUs resume as after a close; the
 * fd reports the error until it is closed.
 */
void tvx_listener_break(struct tvx_listener *l)
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
 * Read every answer in @vr's response ring, under its lock. An answer
 * that fits the vCPU's wait is kept for it; any other is counted and
 * skipped. Return: 0, or the first answer's error (-EINVAL, -ESRCH), or
 * -EPROTO.
 */
int tvx_rsp_drain(struct tvx_listener *l, struct tvx_vcpu_rings *vr, u32 vcpu)
{
	struct thinvmx_response rsp;
	int n, i, err = 0, ret;
	u32 act;

	lockdep_assert_held(&vr->rsp_lock);
	n = ring_cons_peek(&vr->rsp);
	if (n < 0) {
		tvx_listener_break(l);
		return n;
	}
	for (i = 0; i < n; i++) {
		/* the listener may still be writing it: copy, then check */
		memcpy(&rsp, ring_cons_slot(&vr->rsp, i), sizeof(rsp));
		ret = monitor_response_check(&vr->wait, vcpu, &rsp, &act);
		if (ret) {
			WRITE_ONCE(vr->rsp.hdr->refused, ++vr->refused);
			if (!err)
				err = ret;
			continue;
		}
		vr->actions = act;
		vr->regs = rsp.regs;
		vr->view = rsp.view;
		vr->view_after = rsp.view_after;
		vr->answered = true;
		vr->wait.seq = 0;
	}
	if (n)
		ring_cons_consume(&vr->rsp, n);
	return err;
}

/**
 * tvx_listener_vcpu_free() - a vCPU goes away: drop its reference
 * @v: the vCPU
 */
void tvx_listener_vcpu_free(struct tvx_vcpu *v)
{
	if (v->ev.lsn)
		tvx_listener_put(v->ev.lsn);
	v->ev.lsn = NULL;
}

/**
 * tvx_listener_vcpu_allowed() - may a vCPU with this id be created now?
 * @dom: the domain, dom->lock held
 * @id: the new vCPU's id
 *
 * Return: 0, or -EBUSY when a listener is attached without a ring for @id.
 */
int tvx_listener_vcpu_allowed(struct tvx_dom *dom, u32 id)
{
	struct tvx_listener *l;

	l = rcu_dereference_protected(dom->listener, lockdep_is_held(&dom->lock));
	return l && id >= l->nr_vcpus ? -EBUSY : 0;
}

/* ------------------------------------------------------------ settings */

/* What a call on a listener that is no longer attached gets. */
static int tvx_listener_error(struct tvx_listener *l)
{
	return READ_ONCE(l->error) ?: -ENODEV;
}

static long tvx_set_sync_timeout(struct tvx_listener *l, u64 __user *uarg)
{
	u64 ns;

	if (get_user(ns, uarg))
		return -EFAULT;
	if (ns > THINVMX_SYNC_TIMEOUT_MAX)
		return -EINVAL;
	if (READ_ONCE(l->closed))
		return tvx_listener_error(l);
	/* events sent from now on */
	WRITE_ONCE(l->sync_timeout_ns, ns);
	return 0;
}

/* Make every vCPU of the domain look at the settings at its next entry. */
static void tvx_monitor_changed(struct tvx_dom *dom)
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
	/* the module carries those instructions out only under the exit */
	if (m.kind == THINVMX_MONITOR_DESC_ACCESS && m.mode &&
	    !monitor_validate(m.kind, m.mode, m.flags) &&
	    !cpu_has_vmx_desc_exiting())
		return -EOPNOTSUPP;
	mutex_lock(&l->lock);
	/* a detached listener's settings are no longer the domain's */
	ret = l->closed ? tvx_listener_error(l) : monitor_set(&l->dom->monitor, &m);
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
	ret = l->closed ? tvx_listener_error(l) : monitor_get(&l->dom->monitor, &m);
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
	if (READ_ONCE(l->closed))
		return tvx_listener_error(l);
	mask = db.vcpu_mask;
	for_each_set_bit(i, &mask, l->nr_vcpus) {
		struct tvx_vcpu_rings *vr = &l->vc[i];

		spin_lock(&vr->rsp_lock);
		ret = tvx_rsp_drain(l, vr, i);
		spin_unlock(&vr->rsp_lock);
		if (ret && !err)
			err = ret;
		/* an answer, or room in the request ring */
		wake_up(&vr->wq);
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
		if (READ_ONCE(l->closed))
			return tvx_listener_error(l);
		return tvx_inject_trap(l->dom, uarg);
	case THINVMX_SET_SYNC_TIMEOUT:
		return tvx_set_sync_timeout(l, uarg);
	case THINVMX_VIEW_CREATE:
	case THINVMX_VIEW_DESTROY:
	case THINVMX_VIEW_SET_ACCESS:
	case THINVMX_VIEW_GET_ACCESS:
	case THINVMX_VIEW_CHANGE_GFN:
	case THINVMX_VIEW_SWITCH:
	case THINVMX_VIEW_VMFUNC:
	case THINVMX_VIEW_VE:
		if (READ_ONCE(l->closed))
			return tvx_listener_error(l);
		return tvx_view_ioctl(l->dom, cmd, uarg, l);
	case THINVMX_PAUSE_DOMAIN:
	case THINVMX_UNPAUSE_DOMAIN:
	case THINVMX_GET_PAUSE:
	case THINVMX_CTL_GET_REGS:
	case THINVMX_CTL_SET_REGS:
	case THINVMX_CTL_GET_SREGS:
	case THINVMX_CTL_SET_SREGS:
	case THINVMX_CTL_GET_MSRS:
	case THINVMX_CTL_SET_MSRS:
	case THINVMX_READ_GUEST:
	case THINVMX_WRITE_GUEST:
		break;
	default:
		return -ENOTTY;
	}
	/* daemon-side control (control.c), this fd the holder */
	if (READ_ONCE(l->closed))
		return tvx_listener_error(l);
	return tvx_ctl_ioctl(l->dom, file, cmd, uarg);
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
 * The fd is gone (@why 0), or the domain's owner detached the listener
 * (@why -ENODEV): monitoring off, the listener unpublished, every waiting
 * vCPU woken to resume unwatched. Once only; a new listener may attach as
 * soon as this returns. The caller's reference stays its own.
 */
static void tvx_listener_detach(struct tvx_listener *l, int why)
{
	struct tvx_dom *dom = l->dom;
	u32 i;

	if (xchg(&l->detached, true))
		return;
	mutex_lock(&l->lock);
	WRITE_ONCE(l->closed, true);
	if (why)
		cmpxchg(&l->error, 0, why);
	monitor_reset(&dom->monitor);
	tvx_monitor_changed(dom);
	mutex_unlock(&l->lock);
	/* its views go: no vCPU resumes in one, unwatched */
	tvx_views_owner_gone(dom, l);

	mutex_lock(&dom->lock);
	RCU_INIT_POINTER(dom->listener, NULL);
	mutex_unlock(&dom->lock);
	for (i = 0; i < l->nr_vcpus; i++)
		wake_up_all(&l->vc[i].wq);
	wake_up_all(&l->poll_wq);
	tvx_nl_notify_listener(dom, false);
	/* no vCPU can find it any more once readers are done */
	synchronize_rcu();
}

static int tvx_listener_release(struct inode *inode, struct file *file)
{
	struct tvx_listener *l = file->private_data;

	tvx_listener_detach(l, 0);
	tvx_ctl_release(l->dom, file);
	tvx_listener_put(l);
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
static u32 tvx_vcpu_span(struct tvx_dom *dom)
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
		struct tvx_vcpu_rings *vr = &l->vc[i];
		u8 *base = l->area;

		ret = ring_layout(l->nr_vcpus, l->slots_log2, i, &lay);
		if (ret)
			return ret;
		ring_header_init((void *)(base + lay.req_hdr), l->slots_log2,
				 THINVMX_RING_RECORD_SIZE, i, 0);
		ring_header_init((void *)(base + lay.rsp_hdr), l->slots_log2,
				 THINVMX_RING_RECORD_SIZE, i, 0);
		ret = ring_attach(&vr->req, (void *)(base + lay.req_hdr),
				  base + lay.req_slots, l->slots_log2,
				  THINVMX_RING_RECORD_SIZE, true);
		if (!ret)
			ret = ring_attach(&vr->rsp, (void *)(base + lay.rsp_hdr),
					  base + lay.rsp_slots, l->slots_log2,
					  THINVMX_RING_RECORD_SIZE, false);
		if (ret)
			return ret;
		spin_lock_init(&vr->rsp_lock);
		init_waitqueue_head(&vr->wq);
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
long tvx_attach_monitor(struct tvx_dom *dom,
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
		tvx_listener_detach(l, 0);
		tvx_listener_put(l);
		return -EFAULT;
	}
	/* before the fd exists: its close is always told after this */
	tvx_nl_notify_listener(dom, true);
	fd = anon_inode_getfd("thinvmx-listener", &tvx_listener_fops, l,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		tvx_listener_detach(l, 0);
		tvx_listener_put(l);
	}
	return fd;
}

/**
 * tvx_detach_monitor() - THINVMX_DETACH_MONITOR
 * @dom: the domain
 *
 * Whoever attached the listener: a daemon that hangs, or left its fd to a
 * process that will never answer, does not keep the domain's vCPUs.
 *
 * Return: 0, -EPERM (neither the domain's owner nor CAP_SYS_ADMIN), or
 * -ENOENT (no listener attached).
 */
long tvx_detach_monitor(struct tvx_dom *dom)
{
	struct tvx_listener *l;

	if (!uid_eq(current_euid(), dom->owner_uid) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	mutex_lock(&dom->lock);
	l = rcu_dereference_protected(dom->listener, lockdep_is_held(&dom->lock));
	if (l)
		kref_get(&l->ref);
	mutex_unlock(&dom->lock);
	if (!l)
		return -ENOENT;
	tvx_listener_detach(l, -ENODEV);
	tvx_listener_put(l);
	return 0;
}
