// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: THINVMX_CREATE_VCPU, the vCPU fd (its ioctls and the mmap'd run
 * page) and freeing. The VMCS is vmx/vmcs.c's, RUN vmx/run.c's, the
 * registers vmx/regs.c's.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>

#include "control.h"
#include "ept/violation.h"
#include "memevent/listener.h"
#include "vcpu.h"
#include "vmx/host_caps.h"
#include "vmx/regs.h"
#include "vmx/run.h"

static DEFINE_IDA(tvx_vpid_ida);

/* ------------------------------------------------------------ the fd */

static long tvx_vcpu_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct tvx_vcpu *v = file->private_data;
	void __user *argp = (void __user *)arg;
	union {
		struct thinvmx_regs regs;
		struct thinvmx_sregs sregs;
	} u;
	long ret;

	memset(&u, 0, sizeof(u));
	switch (cmd) {
	case THINVMX_SET_REGS:
		if (copy_from_user(&u.regs, argp, sizeof(u.regs)))
			return -EFAULT;
		break;
	case THINVMX_SET_SREGS:
		if (copy_from_user(&u.sregs, argp, sizeof(u.sregs)))
			return -EFAULT;
		ret = tvx_check_sregs(&u.sregs);
		if (ret)
			return ret;
		break;
	case THINVMX_RUN:
	case THINVMX_GET_REGS:
	case THINVMX_GET_SREGS:
		break;
	default:
		return -ENOTTY;
	}

	if (mutex_lock_killable(&v->run_lock))
		return -EINTR;
	switch (cmd) {
	case THINVMX_RUN:
		/* another RUN of this vCPU sleeps for a pause (control.c) */
		ret = v->parked ? -EBUSY : tvx_vcpu_run(v);
		break;
	case THINVMX_GET_REGS:
		ret = tvx_vcpu_with_vmcs(v, tvx_get_regs_fn, &u.regs);
		break;
	case THINVMX_SET_REGS:
		ret = tvx_vcpu_with_vmcs(v, tvx_set_regs_fn, &u.regs);
		break;
	case THINVMX_GET_SREGS:
		ret = tvx_vcpu_with_vmcs(v, tvx_get_sregs_fn, &u.sregs);
		break;
	default:
		ret = tvx_vcpu_with_vmcs(v, tvx_set_sregs_fn, &u.sregs);
		break;
	}
	mutex_unlock(&v->run_lock);

	if (!ret && cmd == THINVMX_GET_REGS &&
	    copy_to_user(argp, &u.regs, sizeof(u.regs)))
		ret = -EFAULT;
	if (!ret && cmd == THINVMX_GET_SREGS &&
	    copy_to_user(argp, &u.sregs, sizeof(u.sregs)))
		ret = -EFAULT;
	return ret;
}

static vm_fault_t tvx_vcpu_fault(struct vm_fault *vmf)
{
	struct tvx_vcpu *v = vmf->vma->vm_file->private_data;

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	get_page(v->run_page);
	vmf->page = v->run_page;
	return 0;
}

static const struct vm_operations_struct tvx_vcpu_vm_ops = {
	.fault = tvx_vcpu_fault,
};

static int tvx_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start > PAGE_SIZE ||
	    (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &tvx_vcpu_vm_ops;
	return 0;
}

/* A freed vCPU's counters stay with its domain. */
static void tvx_stats_fold(struct tvx_vcpu_stats *to,
			   const struct tvx_vcpu_stats *from)
{
	int i, j;

	for (i = 0; i < ARRAY_SIZE(to->exits); i++)
		to->exits[i] += from->exits[i];
	for (i = 0; i < ARRAY_SIZE(to->events); i++)
		for (j = 0; j < ARRAY_SIZE(to->events[0]); j++)
			to->events[i][j] += from->events[i][j];
	to->ring_waits += from->ring_waits;
	to->traps_injected += from->traps_injected;
}

/**
 * tvx_vcpu_free() - free a vCPU whose fd is gone
 * @v: the vCPU
 */
void tvx_vcpu_free(struct tvx_vcpu *v)
{
	struct tvx_dom *dom = v->dom;

	/* no daemon's register call uses it from here (control.c) */
	tvx_ctl_vcpu_gone(v);
	/* a step a signal cut short: its leaf is the domain's again */
	ept_unswap_leaf(dom, &v->step.swap);
	ept_prealloc_free(&v->split_pool);
	vmx_loaded_vmcs_clear(&v->vmcs);
	if (v->vpid) {
		vmx_flush_vpid(v->vpid);
		ida_free(&tvx_vpid_ida, v->vpid);
	}
	fpu_free_guest_fpstate(&v->gfpu);
	tvx_listener_vcpu_free(v);
	tvx_free_pages(v->vmcs.vmcs, 0);
	/* the run page may still be mapped: the last put frees it */
	atomic_long_sub(1, &tvx_pages);
	put_page(v->run_page);
	mutex_lock(&dom->ctl_lock);
	mutex_lock(&dom->lock);
	WRITE_ONCE(dom->vcpus[v->id], NULL);
	tvx_stats_fold(&dom->stats_gone, &v->stats);
	mutex_unlock(&dom->lock);
	mutex_unlock(&dom->ctl_lock);
	/* senders of IPIs and MSIs find vCPUs under RCU (lapic/lapic.c) */
	if (dom->lapic) {
		synchronize_rcu();
		tvx_lapic_free(v);
	}
	kfree(v);
	tvx_domain_put(dom);
}

static int tvx_vcpu_release(struct inode *inode, struct file *file)
{
	tvx_vcpu_free(file->private_data);
	return 0;
}

static const struct file_operations tvx_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= tvx_vcpu_release,
	.unlocked_ioctl	= tvx_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= tvx_vcpu_mmap,
	.llseek		= noop_llseek,
};

static void tvx_vmcs_setup_fn(struct tvx_vcpu *v, void *arg)
{
	tvx_vmcs_setup(v);
}

/**
 * tvx_create_vcpu() - THINVMX_CREATE_VCPU
 * @dom:  the domain
 * @uarg: the caller's struct thinvmx_create_vcpu
 *
 * Return: a new vCPU fd, or -EFAULT, -EINVAL (bad id, flags, reserved),
 * -EEXIST (the id is taken), -ENOMEM, or a VMX failure (-EIO).
 */
int tvx_create_vcpu(struct tvx_dom *dom, struct thinvmx_create_vcpu __user *uarg)
{
	struct thinvmx_create_vcpu cv;
	struct tvx_vcpu *v;
	struct page *vmcs;
	int ret;

	BUILD_BUG_ON(sizeof(((struct tvx_vcpu *)0)->gprs) != 16 * 8);
	if (copy_from_user(&cv, uarg, sizeof(cv)))
		return -EFAULT;
	if ((cv.flags & ~THINVMX_VCPU_WAIT_SIPI) || cv.reserved[0] ||
	    cv.reserved[1] || cv.id >= THINVMX_MAX_VCPUS)
		return -EINVAL;
	if ((cv.flags & THINVMX_VCPU_WAIT_SIPI) && !dom->lapic)
		return -EINVAL;

	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;
	v->dom = dom;
	v->id = cv.id;
	v->host.cpu = -1;
	v->running_cpu = -1;
	mutex_init(&v->run_lock);
	tvx_vcpu_event_init(v);
	tvx_trap_queue_init(&v->trap);
	if (dom->lapic) {
		ret = tvx_lapic_init(v, cv.flags & THINVMX_VCPU_WAIT_SIPI);
		if (ret)
			goto err_free;
	}
	ret = -ENOMEM;
	vmcs = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!vmcs)
		goto err_free;
	vmx_loaded_vmcs_init(&v->vmcs, vmcs);
	v->run_page = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!v->run_page)
		goto err_vmcs;
	v->run = page_address(v->run_page);
	if (!fpu_alloc_guest_fpstate(&v->gfpu))
		goto err_run;
	if (cpu_has_vmx_vpid()) {
		ret = ida_alloc_range(&tvx_vpid_ida, 1, 0xffff, GFP_KERNEL);
		v->vpid = ret < 0 ? 0 : ret;	/* without one: flush on entry */
	}
	ret = tvx_vcpu_with_vmcs(v, tvx_vmcs_setup_fn, NULL);
	if (ret)
		goto err_fpu;

	mutex_lock(&dom->lock);
	ret = dom->vcpus[cv.id] ? -EEXIST :
	      tvx_listener_vcpu_allowed(dom, cv.id);
	if (ret) {
		mutex_unlock(&dom->lock);
		goto err_fpu;
	}
	/* published whole: IPI senders read the array without the lock */
	smp_store_release(&dom->vcpus[cv.id], v);
	if (cv.id >= dom->topo_cpus)
		WRITE_ONCE(dom->topo_cpus, cv.id + 1);
	kref_get(&dom->ref);
	mutex_unlock(&dom->lock);

	ret = anon_inode_getfd("thinvmx-vcpu", &tvx_vcpu_fops, v,
			       O_RDWR | O_CLOEXEC);
	if (ret < 0)
		tvx_vcpu_free(v);
	return ret;

err_fpu:
	vmx_loaded_vmcs_clear(&v->vmcs);
	if (v->vpid)
		ida_free(&tvx_vpid_ida, v->vpid);
	fpu_free_guest_fpstate(&v->gfpu);
err_run:
	tvx_free_pages(v->run_page, 0);
err_vmcs:
	tvx_free_pages(vmcs, 0);
err_free:
	if (dom->lapic)
		tvx_lapic_free(v);
	kfree(v);
	return ret;
}
