// SPDX-License-Identifier: GPL-2.0
/*
 * VMX operation per CPU: VMXON on every online CPU while at least one user
 * (a domain) exists, VMXOFF when the last one goes. CPUs coming online in
 * between enter VMX operation from a cpuhp callback; suspend and resume go
 * through syscore ops; a reboot or kexec leaves VMX operation first, and
 * so does a crash (kdump) or an emergency restart, through the kernel's
 * emergency callback (vmx_emergency_disable(), vmx/emergency.c).
 *
 * A CPU whose CR4.VMXE is already set belongs to another hypervisor
 * (kvm_intel sets it while one of its VMs exists and makes the same check
 * before its own VMXON): thinvmx then refuses with -EBUSY rather than share.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>
#include <asm/nospec-branch.h>
#include <asm/tlbflush.h>

#include "enable.h"
#include "host/host.h"
#include "host_caps.h"
#include "vmx_ops.h"

/*
 * A CPU may hold several active VMCSs (launched here, not yet cleared) but
 * only one is current, the one VMREAD/VMWRITE/VMRESUME act on (SDM 25.1).
 */
struct vmx_cpu {
	struct page *vmxon_region;
	bool on;			/* in VMX operation for thinvmx */
	struct list_head loaded;	/* struct vmx_loaded_vmcs active here */
	struct vmx_loaded_vmcs *current_vmcs;
};

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpus);
static DEFINE_MUTEX(vmx_users_lock);
static unsigned int vmx_users;		/* under vmx_users_lock */
static bool vmx_exclusive;		/* host mode's, under vmx_users_lock */
static bool vmx_wanted;			/* users > 0; read under cpus lock */
static bool vmx_rebooting;
static u32 vmx_revision;
static int vmx_hp_state = -1;

/*
 * Single-context INVVPID where the CPU has it. Off, every flush of a
 * guest's linear translations is all-context, as on CPUs without it: the
 * path those CPUs take, run where it can be tested.
 */
bool tvx_invvpid_single = true;
module_param_named(invvpid_single, tvx_invvpid_single, bool, 0644);
MODULE_PARM_DESC(invvpid_single,
		 "use single-context INVVPID where the CPU has it (off: all-context)");

static void vmx_cpu_clear_loaded(struct vmx_cpu *vc)
{
	struct vmx_loaded_vmcs *lv, *tmp;

	list_for_each_entry_safe(lv, tmp, &vc->loaded, node) {
		__vmclear(page_to_phys(lv->vmcs));
		lv->cpu = -1;
		lv->launched = false;
		list_del_init(&lv->node);
	}
	vc->current_vmcs = NULL;
}

/**
 * vmx_vmxon_region_pa() - where a CPU's VMXON region is
 * @cpu: a possible CPU
 *
 * For host mode, which takes it from the host's EPT.
 *
 * Return: its physical address, 0 when it has none.
 */
u64 vmx_vmxon_region_pa(int cpu)
{
	struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

	return vc->vmxon_region ? page_to_phys(vc->vmxon_region) : 0;
}

/* Runs on the CPU itself, with interrupts off or from cpuhp. */
static int vmx_cpu_on(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	int ret;

	if (vc->on)
		return 0;
	if (READ_ONCE(vmx_rebooting))
		return -EBUSY;
	if (cr4_read_shadow() & X86_CR4_VMXE)
		return -EBUSY;
	*(u32 *)page_address(vc->vmxon_region) = vmx_revision;
	cr4_set_bits(X86_CR4_VMXE);
	ret = __vmxon(page_to_phys(vc->vmxon_region));
	if (ret) {
		cr4_clear_bits(X86_CR4_VMXE);
		return ret;
	}
	vc->on = true;
	/*
	 * Translations tagged by EPTP/VPID may survive from an earlier VMX
	 * user of this CPU; drop them all (SDM 29.4.3.1).
	 */
	__invept(VMX_EPT_EXTENT_GLOBAL, 0, 0);
	return 0;
}

static void vmx_cpu_off(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	unsigned long flags;

	if (!vc->on)
		return;
	local_irq_save(flags);
	tvx_host_cpu_leave();
	vmx_cpu_clear_loaded(vc);
	__vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
	vc->on = false;
	local_irq_restore(flags);
}

struct vmx_on_result {
	atomic_t busy;
	atomic_t failed;
};

static void vmx_cpu_on_ipi(void *arg)
{
	struct vmx_on_result *res = arg;
	int ret = vmx_cpu_on();

	if (ret == -EBUSY)
		atomic_inc(&res->busy);
	else if (ret)
		atomic_inc(&res->failed);
}

static void vmx_cpu_off_ipi(void *arg)
{
	vmx_cpu_off();
}

static int vmx_hp_online(unsigned int cpu)
{
	return vmx_wanted ? vmx_cpu_on() : 0;
}

static int vmx_hp_offline(unsigned int cpu)
{
	vmx_cpu_off();
	return 0;
}

static int vmx_suspend(void)
{
	vmx_cpu_off();
	return 0;
}

static void vmx_resume(void)
{
	if (vmx_wanted && vmx_cpu_on())
		pr_err("cannot re-enter VMX operation on CPU %d after resume\n",
		       smp_processor_id());
}

static struct syscore_ops vmx_syscore_ops = {
	.suspend = vmx_suspend,
	.resume = vmx_resume,
};

/**
 * vmx_emergency_disable() - leave VMX operation on this CPU, in an emergency
 *
 * The kernel's emergency callback (vmx/emergency.c registers it): on the
 * CPU that crashed or restarts, and in NMI context on every other CPU
 * during kdump's shootdown or an emergency restart, interrupting whatever
 * ran there. So: no locks, no printk, nothing but this CPU's own state.
 * The VMCSs loaded here are VMCLEARed, which writes their cached state to
 * memory (a crash dump then holds it; SDM 25.11.1: VMXOFF does not), then
 * VMXOFF, which lets INIT through again (the kdump kernel's SIPI
 * bring-up of the other CPUs) and lets the next kernel clear CR4.VMXE
 * (in VMX operation that #GPs). The NMI may have interrupted
 * vmx_cpu_on() or vmx_cpu_off() half way: the stubs' fault fixups eat
 * the #UD of a VMCLEAR or VMXOFF outside VMX operation, quietly. A CPU
 * that another hypervisor keeps in VMX operation leaves it too, as the
 * kernel did itself before the callback existed. Afterwards VMX is
 * refused for good (vmx_rebooting).
 */
void vmx_emergency_disable(void)
{
	struct vmx_cpu *vc = raw_cpu_ptr(&vmx_cpus);
	struct vmx_loaded_vmcs *lv;
	u64 phys;

	WRITE_ONCE(vmx_rebooting, true);
	/*
	 * A CPU in host mode runs as a guest: VMCLEAR and VMXOFF there would
	 * only exit to root mode (and #UD). Root mode puts the guest state
	 * back natively first; if the crash is in root mode itself, the
	 * VMCALL is VMfail and the CPU already is where VMXOFF works.
	 */
	tvx_host_cpu_leave();
	if (!(__read_cr4() & X86_CR4_VMXE))
		return;
	if (READ_ONCE(vc->on)) {
		list_for_each_entry(lv, &vc->loaded, node) {
			phys = page_to_phys(lv->vmcs);
			__vmx_clear(&phys);
		}
	}
	__vmx_off();
	cr4_clear_bits(X86_CR4_VMXE);
	WRITE_ONCE(vc->on, false);
}

static int vmx_reboot(struct notifier_block *nb, unsigned long code, void *p)
{
	/* INIT is blocked in VMX root operation: leave it before a restart. */
	vmx_rebooting = true;
	on_each_cpu(vmx_cpu_off_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block vmx_reboot_nb = {
	.notifier_call = vmx_reboot,
};

/* vmx_get() and vmx_get_exclusive(), below */
static int __vmx_get(bool exclusive)
{
	struct vmx_on_result res = {
		.busy = ATOMIC_INIT(0),
		.failed = ATOMIC_INIT(0),
	};
	int ret = 0;

	if (vmx_hp_state < 0)
		return -EOPNOTSUPP;
	mutex_lock(&vmx_users_lock);
	if (vmx_rebooting) {
		ret = -EBUSY;
		goto out;
	}
	if (vmx_exclusive) {
		pr_info_ratelimited("host mode is on: no guest domain until it is off\n");
		ret = -EBUSY;
		goto out;
	}
	if (exclusive && vmx_users) {
		pr_info("guest domains exist: no host mode while they do\n");
		ret = -EBUSY;
		goto out;
	}
	vmx_exclusive = exclusive;
	if (vmx_users++)
		goto out;
	cpus_read_lock();
	vmx_wanted = true;
	on_each_cpu(vmx_cpu_on_ipi, &res, 1);
	if (atomic_read(&res.busy) || atomic_read(&res.failed)) {
		vmx_wanted = false;
		on_each_cpu(vmx_cpu_off_ipi, NULL, 1);
		vmx_users = 0;
		vmx_exclusive = false;
		ret = atomic_read(&res.busy) ? -EBUSY : -EIO;
		if (ret == -EBUSY)
			pr_info("another hypervisor holds VMX on some CPU\n");
	}
	cpus_read_unlock();
out:
	mutex_unlock(&vmx_users_lock);
	return ret;
}

/**
 * vmx_get() - take a reference on VMX operation, entering it on first use
 *
 * Return:
 * * 0		- every online CPU is in VMX operation for thinvmx
 * * -EOPNOTSUPP - VMX is not usable on this host (see GET_CAPABILITIES)
 * * -EBUSY	- another hypervisor is in VMX operation on some CPU, or
 *		  host mode is on (logged)
 * * -EIO, -EFAULT - VMXON failed on some CPU (logged)
 */
int vmx_get(void)
{
	return __vmx_get(false);
}

/**
 * vmx_get_exclusive() - enter VMX operation as its only user (host mode)
 *
 * Return: as vmx_get(); -EBUSY also while any other reference exists.
 * Until the vmx_put() of this reference, vmx_get() fails with -EBUSY.
 */
int vmx_get_exclusive(void)
{
	return __vmx_get(true);
}

/**
 * vmx_put() - drop a reference taken by vmx_get(); the last leaves VMX
 */
void vmx_put(void)
{
	mutex_lock(&vmx_users_lock);
	if (!WARN_ON(!vmx_users) && !--vmx_users) {
		vmx_exclusive = false;
		cpus_read_lock();
		vmx_wanted = false;
		on_each_cpu(vmx_cpu_off_ipi, NULL, 1);
		cpus_read_unlock();
	}
	mutex_unlock(&vmx_users_lock);
}

/**
 * vmx_users_now() - how many references vmx_get() handed out
 *
 * Return: the count, for status reports.
 */
unsigned int vmx_users_now(void)
{
	return READ_ONCE(vmx_users);
}

static void vmx_check_foreign(void *arg)
{
	bool *foreign = arg;

	*foreign = !this_cpu_read(vmx_cpus.on) &&
		   (cr4_read_shadow() & X86_CR4_VMXE);
}

/**
 * vmx_foreign_owner_cpu() - find a CPU another hypervisor keeps in VMX operation
 *
 * thinvmx never leaves CR4.VMXE set on a CPU it is not itself in VMX
 * operation on, so a set bit there belongs to someone else.
 *
 * Return: the first such CPU, or -1 if there is none.
 */
int vmx_foreign_owner_cpu(void)
{
	int cpu, owner = -1;
	bool foreign;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		foreign = false;
		smp_call_function_single(cpu, vmx_check_foreign, &foreign, 1);
		if (foreign) {
			owner = cpu;
			break;
		}
	}
	cpus_read_unlock();
	return owner;
}

/**
 * vmx_this_cpu_on() - whether this CPU is in VMX operation for thinvmx
 *
 * Not every online CPU is. A CPU going down leaves VMX operation from its
 * cpuhp callback but stays in cpu_online_mask, taking IPIs, until
 * __cpu_disable() much later; a CPU coming up is online before its cpuhp
 * callback enters VMX operation. A VMX instruction there raises #UD, so
 * whatever reaches every online CPU (an INVEPT broadcast) asks first. Such
 * a CPU holds no translation of a domain: the VMXON that brings it back
 * flushes them all.
 *
 * Context: preemption or interrupts disabled.
 * Return: true if VMX instructions may run on this CPU.
 */
bool vmx_this_cpu_on(void)
{
	return this_cpu_read(vmx_cpus.on);
}

/**
 * vmx_loaded_vmcs_init() - a VMCS that is not loaded anywhere yet
 * @lv:   the tracking structure
 * @vmcs: a zeroed page; its revision identifier is written here
 */
void vmx_loaded_vmcs_init(struct vmx_loaded_vmcs *lv, struct page *vmcs)
{
	*(u32 *)page_address(vmcs) = vmx_revision;
	lv->vmcs = vmcs;
	lv->cpu = -1;
	lv->launched = false;
	INIT_LIST_HEAD(&lv->node);
}

static void vmx_clear_ipi(void *arg)
{
	struct vmx_loaded_vmcs *lv = arg;

	if (lv->cpu != smp_processor_id())
		return;		/* the CPU already cleared it going down */
	__vmclear(page_to_phys(lv->vmcs));
	if (this_cpu_read(vmx_cpus.current_vmcs) == lv)
		this_cpu_write(vmx_cpus.current_vmcs, NULL);
	list_del_init(&lv->node);
	lv->cpu = -1;
	lv->launched = false;
}

/**
 * vmx_loaded_vmcs_clear_local() - VMCLEAR a VMCS if this CPU holds it
 * @lv: the VMCS; loaded here, or nowhere
 *
 * Context: interrupts off.
 */
void vmx_loaded_vmcs_clear_local(struct vmx_loaded_vmcs *lv)
{
	vmx_clear_ipi(lv);
}

/**
 * vmx_loaded_vmcs_clear() - VMCLEAR a VMCS on whichever CPU holds it
 * @lv: the VMCS; may be loaded nowhere
 *
 * Context: process context, may wait for an IPI.
 */
void vmx_loaded_vmcs_clear(struct vmx_loaded_vmcs *lv)
{
	int cpu = READ_ONCE(lv->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_ipi, lv, 1);
}

/**
 * vmx_loaded_vmcs_load() - make a VMCS current on this CPU
 * @lv: the VMCS
 *
 * A VMCS active on another CPU is VMCLEARed there first (SDM 25.11.1: a
 * VMCS must not be active on two CPUs), which also resets its launch state.
 * One already active here only needs VMPTRLD if another VMCS became
 * current since. Making a VMCS current that was not is followed by an
 * IBPB (where the host uses it), as kvm_intel does: what the guest of
 * another VMCS trained must not steer this guest's indirect branches
 * (vmx/spec.c).
 *
 * A task runs on a CPU out of VMX operation only on its way off a CPU
 * going down (balance_push() moves it at its next schedule) or after a
 * reboot or crash began: -EAGAIN asks the caller to reschedule and try
 * again, -EIO says VMX is gone for good.
 *
 * Context: preemption disabled, interrupts enabled (may send an IPI).
 * Return: 0, -EAGAIN or -EIO (see above), or the VMPTRLD failure.
 */
int vmx_loaded_vmcs_load(struct vmx_loaded_vmcs *lv)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	int cpu = smp_processor_id();
	unsigned long flags;
	int ret;

	if (unlikely(!vc->on))
		return READ_ONCE(vmx_rebooting) ? -EIO : -EAGAIN;
	if (lv->cpu == cpu && vc->current_vmcs == lv)
		return 0;
	if (lv->cpu >= 0 && lv->cpu != cpu)
		smp_call_function_single(lv->cpu, vmx_clear_ipi, lv, 1);
	local_irq_save(flags);
	ret = __vmptrld(page_to_phys(lv->vmcs));
	if (!ret) {
		if (lv->cpu != cpu) {
			lv->cpu = cpu;
			list_add(&lv->node, &vc->loaded);
		}
		vc->current_vmcs = lv;
	}
	local_irq_restore(flags);
	if (!ret)
		indirect_branch_prediction_barrier();
	return ret;
}

/**
 * vmx_enable_init() - prepare per-CPU VMX operation; does not enter it
 * @caps: the evaluated capabilities; nothing is set up unless VMX is usable
 *
 * Return: 0 (also when VMX is unusable: vmx_get() then says so), or a
 * negative errno when allocation or registration failed.
 */
int vmx_enable_init(const struct thinvmx_caps *caps)
{
	int cpu, ret;

	if (caps->vmx_status != THINVMX_VMX_OK)
		return 0;
	vmx_revision = caps->vmcs_revision;
	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

		INIT_LIST_HEAD(&vc->loaded);
		vc->vmxon_region = alloc_pages_node(cpu_to_node(cpu),
						    GFP_KERNEL | __GFP_ZERO, 0);
		if (!vc->vmxon_region) {
			ret = -ENOMEM;
			goto err_free;
		}
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "thinvmx:online",
					vmx_hp_online, vmx_hp_offline);
	if (ret < 0)
		goto err_free;
	vmx_hp_state = ret;
	register_syscore_ops(&vmx_syscore_ops);
	register_reboot_notifier(&vmx_reboot_nb);
	ret = vmx_emergency_init();
	if (ret) {
		vmx_enable_exit();
		return ret;
	}
	return 0;

err_free:
	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

		if (vc->vmxon_region)
			__free_page(vc->vmxon_region);
		vc->vmxon_region = NULL;
	}
	return ret;
}

/**
 * vmx_enable_exit() - undo vmx_enable_init(); no user may remain
 */
void vmx_enable_exit(void)
{
	int cpu;

	if (vmx_hp_state < 0)
		return;
	WARN_ON(vmx_users);
	vmx_emergency_exit();
	unregister_reboot_notifier(&vmx_reboot_nb);
	unregister_syscore_ops(&vmx_syscore_ops);
	cpuhp_remove_state_nocalls(vmx_hp_state);
	vmx_hp_state = -1;
	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

		__free_page(vc->vmxon_region);
		vc->vmxon_region = NULL;
	}
}
