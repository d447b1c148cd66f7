// SPDX-License-Identifier: GPL-2.0
/*
 * Daemon-side control of a domain, as libxenctrl gives it to a Xen
 * introspection tool (LibVMI's xc_domain_pause, xc_vcpu_getcontext,
 * xc_map_foreign_range): pause and unpause the whole domain, read and
 * write a paused vCPU's registers from another process than its VMM, and
 * copy guest memory by guest-physical address. The semantics are written
 * in uapi/thinvmx_introspect.h.
 *
 * Pausing. dom->pause_count counts every holder's pauses; the run loop
 * does not enter the guest while it is nonzero (vmx/run.c checks it where
 * it checks the step gate, with interrupts off, just before each entry).
 * The first pause kicks the CPUs where a vCPU of the domain is in its run
 * stretch, as the step gate does (vmx/step.c), and waits for the kick to
 * have run there: then every vCPU is out of the guest and will see the
 * count before it enters again. A vCPU that stopped for the pause parks
 * in tvx_ctl_park(): it gives up its run_lock, which the register calls
 * need, and sleeps until the domain is unpaused. The register calls take
 * that run_lock and load the vCPU's VMCS on their own CPU, as the VMM's
 * GET_REGS does.
 *
 * Who holds what: a holder is an open file (a domain fd or the listener
 * fd); dom->pausers lists the holders with pauses, under dom->ctl_lock,
 * and the file's release undoes them. dom->ctl_lock also keeps a vCPU
 * from being freed while a register call uses it (tvx_ctl_vcpu_gone()).
 */
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/pgtable_types.h>
#include <asm/processor.h>

#include "control.h"
#include "ept/p2m_ops.h"
#include "vcpu.h"
#include "vmx/host_caps.h"
#include "vmx/msr_rules.h"
#include "vmx/regs.h"

/* A holder with pauses. */
struct tvx_pauser {
	struct list_head node;
	const struct file *holder;
	u32 count;
};

/**
 * tvx_ctl_init() - a new domain: not paused, no holder
 * @dom: the domain
 */
void tvx_ctl_init(struct tvx_dom *dom)
{
	mutex_init(&dom->ctl_lock);
	INIT_LIST_HEAD(&dom->pausers);
	atomic_set(&dom->pause_count, 0);
	init_waitqueue_head(&dom->pause_wq);
}

/* ------------------------------------------------------------ pausing */

static struct tvx_pauser *tvx_pauser_find(struct tvx_dom *dom,
					  const struct file *holder)
{
	struct tvx_pauser *p;

	list_for_each_entry(p, &dom->pausers, node)
		if (p->holder == holder)
			return p;
	return NULL;
}

static void tvx_ctl_nop(void *unused)
{
	/* the interrupt alone makes a guest on that CPU exit */
}

/*
 * Every vCPU out of the guest, for good while the domain is paused. The
 * count went up (a full barrier) before the mask is read; the run loop
 * sets its CPU in the mask, has a full barrier and reads the count before
 * each entry: either it sees the count, or this sees its CPU, whose kick
 * returns only once that CPU runs host code with interrupts on -- out of
 * the guest, the count visible to its next check. Halted vCPUs (and APs
 * waiting for a SIPI) sleep in RUN and are woken to park.
 */
static void tvx_ctl_kick_all(struct tvx_dom *dom)
{
	u32 i;

	preempt_disable();
	smp_call_function_many(dom->stretch_cpus, tvx_ctl_nop, NULL, true);
	preempt_enable();
	if (!dom->lapic)
		return;
	for (i = 0; i < THINVMX_MAX_VCPUS; i++) {
		struct tvx_vcpu *v = READ_ONCE(dom->vcpus[i]);

		/* ctl_lock held: a vCPU in the array is not freed under it */
		if (v && !v->ctl_gone)
			wake_up_interruptible(&v->apic.wq);
	}
}

static void tvx_ctl_unpause_n(struct tvx_dom *dom, u32 n)
{
	if (atomic_sub_and_test(n, &dom->pause_count))
		wake_up_all(&dom->pause_wq);
}

static long tvx_ctl_pause(struct tvx_dom *dom, const struct file *holder)
{
	struct tvx_pauser *p;
	long ret = 0;

	mutex_lock(&dom->ctl_lock);
	p = tvx_pauser_find(dom, holder);
	if (!p) {
		p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
		if (!p) {
			ret = -ENOMEM;
			goto out;
		}
		p->holder = holder;
		list_add(&p->node, &dom->pausers);
	}
	if (p->count == THINVMX_PAUSE_MAX) {
		ret = -EOVERFLOW;
		goto out;
	}
	p->count++;
	/*
	 * Under ctl_lock: a second pauser returns only after the first one's
	 * kick is done.
	 */
	if (atomic_inc_return(&dom->pause_count) == 1)
		tvx_ctl_kick_all(dom);
out:
	mutex_unlock(&dom->ctl_lock);
	return ret;
}

static long tvx_ctl_unpause(struct tvx_dom *dom, const struct file *holder)
{
	struct tvx_pauser *p;
	long ret = 0;

	mutex_lock(&dom->ctl_lock);
	p = tvx_pauser_find(dom, holder);
	if (!p) {
		ret = -EINVAL;
		goto out;
	}
	if (!--p->count) {
		list_del(&p->node);
		kfree(p);
	}
	tvx_ctl_unpause_n(dom, 1);
out:
	mutex_unlock(&dom->ctl_lock);
	return ret;
}

static long tvx_ctl_get_pause(struct tvx_dom *dom, const struct file *holder,
			      struct thinvmx_pause_info __user *uarg)
{
	struct thinvmx_pause_info info = { 0 };
	struct tvx_pauser *p;

	mutex_lock(&dom->ctl_lock);
	p = tvx_pauser_find(dom, holder);
	info.holder = p ? p->count : 0;
	info.total = atomic_read(&dom->pause_count);
	mutex_unlock(&dom->ctl_lock);
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

/**
 * tvx_ctl_release() - a holder's file is going: undo all of its pauses
 * @dom:    the domain
 * @holder: the domain fd's or the listener fd's file
 */
void tvx_ctl_release(struct tvx_dom *dom, struct file *holder)
{
	struct tvx_pauser *p;

	mutex_lock(&dom->ctl_lock);
	p = tvx_pauser_find(dom, holder);
	if (p) {
		list_del(&p->node);
		tvx_ctl_unpause_n(dom, p->count);
		kfree(p);
	}
	mutex_unlock(&dom->ctl_lock);
}

/**
 * tvx_ctl_park() - a vCPU stopped for a pause sleeps until the unpause
 * @v: the vCPU, in THINVMX_RUN (its run_lock held), out of its stretch,
 *     with what it had started finished (the stretch's start did it)
 *
 * Its run_lock is given up meanwhile, for the register calls (and the
 * VMM's own GET/SET_REGS); a second RUN finds v->parked and is refused.
 * The lock is taken back uninterruptibly: whoever has it holds it for one
 * register access.
 *
 * Return: 0 (unpaused), or -EINTR (a signal: RUN returns; the next RUN
 * parks again if the domain is still paused).
 */
int tvx_ctl_park(struct tvx_vcpu *v)
{
	struct tvx_dom *dom = v->dom;
	int ret;

	v->parked = true;
	mutex_unlock(&v->run_lock);
	/* a register call may wait for this lock */
	wake_up_all(&dom->pause_wq);
	ret = wait_event_interruptible(dom->pause_wq,
				       !atomic_read(&dom->pause_count));
	mutex_lock(&v->run_lock);
	v->parked = false;
	return ret ? -EINTR : 0;
}

/**
 * tvx_ctl_vcpu_gone() - a vCPU is being freed: no register call finds it
 * @v: the vCPU, its fd gone
 *
 * Waits for a register call that uses it. Its slot in dom->vcpus is
 * cleared later, under ctl_lock too (tvx_vcpu_free()), so that a call
 * that finds the slot set can read v->ctl_gone.
 */
void tvx_ctl_vcpu_gone(struct tvx_vcpu *v)
{
	mutex_lock(&v->dom->ctl_lock);
	v->ctl_gone = true;
	mutex_unlock(&v->dom->ctl_lock);
}

/* ------------------------------------------------------------ a vCPU */

/*
 * A sync event of the vCPU's waits for the daemon: the answer owns its
 * registers. One answered is on its way to its park.
 */
static bool tvx_ctl_event_waits(struct tvx_vcpu *v)
{
	return tvx_event_answer_due(v);
}

/* Worth another look: parked, unpaused, or waiting for an answer. */
static bool tvx_ctl_vcpu_settled(struct tvx_vcpu *v)
{
	return !mutex_is_locked(&v->run_lock) ||
	       !atomic_read(&v->dom->pause_count) || tvx_ctl_event_waits(v);
}

/*
 * The paused vCPU @id with its run_lock held, ctl_lock held by the
 * caller. A vCPU on its way from the guest to its park holds run_lock a
 * moment longer: wait for it (it wakes pause_wq when it parks; the
 * timeout covers a VMM's own register call, which wakes no one).
 */
static int tvx_ctl_vcpu_lock(struct tvx_dom *dom, u32 id, struct tvx_vcpu **out)
{
	struct tvx_vcpu *v;
	long t;

	if (id >= THINVMX_MAX_VCPUS)
		return -EINVAL;
	v = dom->vcpus[array_index_nospec(id, THINVMX_MAX_VCPUS)];
	if (!v || v->ctl_gone)
		return -ENOENT;
	for (;;) {
		if (!atomic_read(&dom->pause_count) || tvx_ctl_event_waits(v))
			return -EBUSY;
		if (mutex_trylock(&v->run_lock)) {
			/* unpaused meanwhile, or an event began */
			if (!atomic_read(&dom->pause_count) ||
			    tvx_ctl_event_waits(v)) {
				mutex_unlock(&v->run_lock);
				return -EBUSY;
			}
			*out = v;
			return 0;
		}
		t = wait_event_interruptible_timeout(dom->pause_wq,
						     tvx_ctl_vcpu_settled(v),
						     HZ / 50);
		if (t < 0)
			return -EINTR;
	}
}

/* The MSRs the control calls reach (uapi/thinvmx_introspect.h). */
static bool tvx_ctl_msr_known(u32 index)
{
	switch (index) {
	case MSR_EFER:
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SYSCALL_MASK:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return true;
	default:
		return false;
	}
}

/*
 * Outside the run stretch the guest's SYSCALL MSRs and KERNEL_GS_BASE
 * are the vCPU's copies (vmx/run.c swaps them in and out), never the
 * CPU's registers, which are the host's here.
 */
static u64 tvx_ctl_msr_read(struct tvx_vcpu *v, u32 index)
{
	switch (index) {
	case MSR_EFER:
		return vmcs_read64(GUEST_IA32_EFER);
	case MSR_STAR:
		return v->star;
	case MSR_LSTAR:
		return v->lstar;
	case MSR_CSTAR:
		return v->cstar;
	case MSR_SYSCALL_MASK:
		return v->sfmask;
	case MSR_FS_BASE:
		return vmcs_readl(GUEST_FS_BASE);
	case MSR_GS_BASE:
		return vmcs_readl(GUEST_GS_BASE);
	case MSR_KERNEL_GS_BASE:
		return v->kernel_gs_base;
	case MSR_IA32_SYSENTER_CS:
		return vmcs_read32(GUEST_SYSENTER_CS);
	case MSR_IA32_SYSENTER_ESP:
		return vmcs_readl(GUEST_SYSENTER_ESP);
	default:
		return vmcs_readl(GUEST_SYSENTER_EIP);
	}
}

/* The guest's own WRMSR rules (vmx/exit_reg.c's tvx_msr_write()). */
static int tvx_ctl_msr_check(struct tvx_vcpu *v, u32 index, u64 val)
{
	if (msr_write_check(index, val))
		return -EINVAL;
	/* LME cannot change while paging is on */
	if (index == MSR_EFER && (tvx_guest_cr0(v) & X86_CR0_PG) &&
	    ((val ^ vmcs_read64(GUEST_IA32_EFER)) & EFER_LME))
		return -EINVAL;
	return 0;
}

static void tvx_ctl_msr_write(struct tvx_vcpu *v, u32 index, u64 val)
{
	switch (index) {
	case MSR_EFER:
		/* LMA is read-only: it follows LME and paging */
		val = (val & ~(u64)EFER_LMA) |
		      (vmcs_read64(GUEST_IA32_EFER) & EFER_LMA);
		vmcs_write64(GUEST_IA32_EFER, val);
		break;
	case MSR_STAR:
		v->star = val;
		break;
	case MSR_LSTAR:
		v->lstar = val;
		break;
	case MSR_CSTAR:
		v->cstar = val;
		break;
	case MSR_SYSCALL_MASK:
		v->sfmask = val;
		break;
	case MSR_FS_BASE:
		vmcs_writel(GUEST_FS_BASE, val);
		break;
	case MSR_GS_BASE:
		vmcs_writel(GUEST_GS_BASE, val);
		break;
	case MSR_KERNEL_GS_BASE:
		v->kernel_gs_base = val;
		break;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write32(GUEST_SYSENTER_CS, val);
		break;
	case MSR_IA32_SYSENTER_ESP:
		vmcs_writel(GUEST_SYSENTER_ESP, val);
		break;
	default:
		vmcs_writel(GUEST_SYSENTER_EIP, val);
		break;
	}
}

struct tvx_ctl_msrs_op {
	struct thinvmx_ctl_msrs *m;
	bool write;
	int ret;
};

static void tvx_ctl_msrs_fn(struct tvx_vcpu *v, void *arg)
{
	struct tvx_ctl_msrs_op *op = arg;
	struct thinvmx_ctl_msrs *m = op->m;
	u32 i;

	if (!op->write) {
		for (i = 0; i < m->nr; i++)
			m->entries[i].data = tvx_ctl_msr_read(v, m->entries[i].index);
		return;
	}
	/* all or nothing: every value checked before one is written */
	for (i = 0; i < m->nr; i++) {
		op->ret = tvx_ctl_msr_check(v, m->entries[i].index,
					    m->entries[i].data);
		if (op->ret)
			return;
	}
	for (i = 0; i < m->nr; i++)
		tvx_ctl_msr_write(v, m->entries[i].index, m->entries[i].data);
}

/*
 * What THINVMX_SET_SREGS lets a VMM load and a VM entry would refuse
 * (SDM 26.3.1.1): a VMM's guest just fails its entry and stops; a
 * daemon's write must not stop a guest it only meant to steer. The PAE
 * PDPTEs are checked as a MOV to CR3 has them checked.
 */
static int tvx_ctl_check_sregs(struct tvx_dom *dom, const struct thinvmx_sregs *s)
{
	u64 cr0 = s->cr0, cr4 = s->cr4, efer = s->efer, pdpte[4];
	u64 rsvd = GENMASK_ULL(63, boot_cpu_data.x86_phys_bits) |
		   GENMASK_ULL(8, 5) | GENMASK_ULL(2, 1);
	bool lma = (efer & EFER_LME) && (cr0 & X86_CR0_PG);
	int i, ret;

	ret = tvx_check_sregs(s);
	if (ret)
		return ret;
	if (((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)) ||
	    ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)))
		return -EINVAL;
	if (lma && !(cr4 & X86_CR4_PAE))
		return -EINVAL;
	if ((cr4 & X86_CR4_PCIDE) && !lma)
		return -EINVAL;
	if ((s->cr3 & ~BIT_ULL(63)) >> boot_cpu_data.x86_phys_bits)
		return -EINVAL;
	/* 64-bit code needs long mode; L and D together are reserved */
	if ((s->cs.ar & VMX_AR_L_MASK) &&
	    (!lma || (s->cs.ar & VMX_AR_DB_MASK)))
		return -EINVAL;
	/* the bases a VM entry wants canonical (SDM 26.3.1.2, 26.3.1.3) */
	if (!msr_canonical(s->fs.base) || !msr_canonical(s->gs.base) ||
	    !msr_canonical(s->tr.base) ||
	    (!(s->ldt.ar & VMX_AR_UNUSABLE_MASK) && !msr_canonical(s->ldt.base)) ||
	    !msr_canonical(s->gdt.base) || !msr_canonical(s->idt.base))
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !lma) {
		if (tvx_read_guest(dom, s->cr3 & GENMASK_ULL(31, 5), pdpte,
				   sizeof(pdpte)))
			return -EINVAL;
		for (i = 0; i < 4; i++)
			if ((pdpte[i] & _PAGE_PRESENT) && (pdpte[i] & rsvd))
				return -EINVAL;
	}
	return 0;
}

static long tvx_ctl_vcpu_call(struct tvx_dom *dom, unsigned int cmd,
			      void __user *argp)
{
	union {
		struct thinvmx_ctl_regs regs;
		struct thinvmx_ctl_sregs sregs;
		struct thinvmx_ctl_msrs msrs;
	} *u;
	struct tvx_ctl_msrs_op op = { .write = cmd == THINVMX_CTL_SET_MSRS };
	size_t size = _IOC_SIZE(cmd);
	struct tvx_vcpu *v;
	long ret;
	u32 i, id;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(u, argp, size))
		goto out_free;
	ret = -EINVAL;
	switch (cmd) {
	case THINVMX_CTL_GET_REGS:
	case THINVMX_CTL_SET_REGS:
		if (u->regs.pad)
			goto out_free;
		id = u->regs.vcpu;
		break;
	case THINVMX_CTL_GET_SREGS:
		memset(&u->sregs.sregs, 0, sizeof(u->sregs.sregs));
		fallthrough;
	case THINVMX_CTL_SET_SREGS:
		if (u->sregs.pad)
			goto out_free;
		id = u->sregs.vcpu;
		break;
	default:
		if (u->msrs.nr > THINVMX_CTL_MSRS_MAX)
			goto out_free;
		for (i = 0; i < u->msrs.nr; i++)
			if (u->msrs.entries[i].pad ||
			    !tvx_ctl_msr_known(u->msrs.entries[i].index))
				goto out_free;
		id = u->msrs.vcpu;
		op.m = &u->msrs;
		break;
	}
	if (cmd == THINVMX_CTL_GET_REGS)
		memset(&u->regs.regs, 0, sizeof(u->regs.regs));
	if (cmd == THINVMX_CTL_SET_SREGS) {
		ret = tvx_ctl_check_sregs(dom, &u->sregs.sregs);
		if (ret)
			goto out_free;
	}

	mutex_lock(&dom->ctl_lock);
	ret = tvx_ctl_vcpu_lock(dom, id, &v);
	if (ret)
		goto out_unlock;
	switch (cmd) {
	case THINVMX_CTL_GET_REGS:
		ret = tvx_vcpu_with_vmcs(v, tvx_get_regs_fn, &u->regs.regs);
		break;
	case THINVMX_CTL_SET_REGS:
		ret = tvx_vcpu_with_vmcs(v, tvx_set_regs_fn, &u->regs.regs);
		break;
	case THINVMX_CTL_GET_SREGS:
		ret = tvx_vcpu_with_vmcs(v, tvx_get_sregs_fn, &u->sregs.sregs);
		break;
	case THINVMX_CTL_SET_SREGS:
		ret = tvx_vcpu_with_vmcs(v, tvx_set_sregs_fn, &u->sregs.sregs);
		break;
	default:
		ret = tvx_vcpu_with_vmcs(v, tvx_ctl_msrs_fn, &op) ?: op.ret;
		break;
	}
	mutex_unlock(&v->run_lock);
out_unlock:
	mutex_unlock(&dom->ctl_lock);
	/* out of every lock: a fault here may take mmap_lock */
	if (!ret && _IOC_DIR(cmd) & _IOC_READ && copy_to_user(argp, u, size))
		ret = -EFAULT;
out_free:
	kfree(u);
	return ret;
}

/* ------------------------------------------------------------ memory */

/*
 * Guest-physical memory, from the daemon's fd. Guest RAM is the module's
 * and never moves while the domain lives (the caller's fd holds it), so
 * it is copied straight from or into its direct mapping, under no lock:
 * a fault on the user buffer may sleep. Anything not RAM -- MMIO_DIRECT
 * device frames (read-only MSI-X tables among them), emulated MMIO,
 * holes -- is refused before anything is copied.
 */
static long tvx_ctl_guest_mem(struct tvx_dom *dom, void __user *argp,
			      bool write)
{
	struct thinvmx_guest_mem m;
	u8 __user *buf;
	u64 gpa, end, hpa;

	if (copy_from_user(&m, argp, sizeof(m)))
		return -EFAULT;
	if (m.flags || m.reserved || !m.len || m.len > THINVMX_GUEST_MEM_MAX ||
	    check_add_overflow(m.gpa, (u64)m.len, &end))
		return -EINVAL;
	for (gpa = m.gpa & PAGE_MASK; gpa < end; gpa += PAGE_SIZE)
		if (!tvx_gpa_to_hpa(dom, gpa, &hpa))
			return -ENXIO;

	buf = u64_to_user_ptr(m.buf);
	for (gpa = m.gpa; gpa < end; ) {
		unsigned int n = min_t(u64, end - gpa,
				       PAGE_SIZE - offset_in_page(gpa));
		void *p;

		tvx_gpa_to_hpa(dom, gpa, &hpa);
		p = phys_to_virt(hpa);
		if (write) {
			if (copy_from_user(p, buf, n))
				return -EFAULT;
			/* what the guest's own write would have logged */
			if (READ_ONCE(dom->dirty_frames)) {
				spin_lock(&dom->ept.lock);
				tvx_logdirty_mark(dom, gpa >> PAGE_SHIFT);
				spin_unlock(&dom->ept.lock);
			}
		} else if (copy_to_user(buf, p, n)) {
			return -EFAULT;
		}
		buf += n;
		gpa += n;
		cond_resched();
	}
	return 0;
}

/**
 * tvx_ctl_ioctl() - the control calls, on a domain fd or the listener fd
 * @dom:    the domain
 * @holder: the file the call came on: the holder of its pauses
 * @cmd:    THINVMX_PAUSE_DOMAIN .. THINVMX_WRITE_GUEST
 * @argp:   the caller's argument
 *
 * Return: as uapi/thinvmx_introspect.h says for each; -ENOTTY for another
 * command.
 */
long tvx_ctl_ioctl(struct tvx_dom *dom, struct file *holder, unsigned int cmd,
		   void __user *argp)
{
	switch (cmd) {
	case THINVMX_PAUSE_DOMAIN:
		return tvx_ctl_pause(dom, holder);
	case THINVMX_UNPAUSE_DOMAIN:
		return tvx_ctl_unpause(dom, holder);
	case THINVMX_GET_PAUSE:
		return tvx_ctl_get_pause(dom, holder, argp);
	case THINVMX_CTL_GET_REGS:
	case THINVMX_CTL_SET_REGS:
	case THINVMX_CTL_GET_SREGS:
	case THINVMX_CTL_SET_SREGS:
	case THINVMX_CTL_GET_MSRS:
	case THINVMX_CTL_SET_MSRS:
		return tvx_ctl_vcpu_call(dom, cmd, argp);
	case THINVMX_READ_GUEST:
	case THINVMX_WRITE_GUEST:
		return tvx_ctl_guest_mem(dom, argp, cmd == THINVMX_WRITE_GUEST);
	default:
		return -ENOTTY;
	}
}
