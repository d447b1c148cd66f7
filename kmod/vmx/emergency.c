// SPDX-License-Identifier: GPL-2.0
/*
 * Who holds the kernel's emergency-virtualization slot.
 *
 * On a crash (kdump) or an emergency restart the kernel takes every CPU
 * out of VMX operation only through one registered callback
 * (cpu_emergency_disable_virtualization() calls it and nothing else for
 * VMX); without one, the kdump kernel starts on CPUs still in VMX root
 * operation: its first write of CR4 without VMXE #GPs, and the other CPUs
 * ignore the INIT of its SIPI bring-up. There is a single slot, and
 * registering over a taken one WARNs. kvm_intel registers its own
 * vmx_emergency_disable() in its module init and unregisters it in its
 * exit (and on its init's error paths); its callback VMCLEARs KVM's own
 * VMCSs and then does VMXOFF whenever CR4.VMXE is set, so it also takes a
 * CPU out of VMX operation that thinvmx entered. Hence:
 *
 * - no kvm_intel: thinvmx holds the slot from its load to its unload,
 *   whether or not a domain exists (the callback does nothing on a CPU
 *   with CR4.VMXE clear);
 * - kvm_intel already there at thinvmx's load (or built in): thinvmx never
 *   registers; in a crash kvm_intel's callback leaves VMX operation on
 *   every CPU, but thinvmx's VMCSs are not cleared into the dump;
 * - kvm_intel loaded later: a module notifier sees MODULE_STATE_COMING
 *   before kvm_intel's init runs and gives the slot up first, so that
 *   kvm_intel's registration finds it free;
 * - kvm_intel unloaded (or its init failed): MODULE_STATE_GOING comes
 *   after its exit unregistered, and thinvmx takes the slot back.
 *
 * Whether kvm_intel is there at load is read from /sys/module (its
 * kobject in the module kset) after the notifier is registered, so a
 * kvm_intel is seen by one or the other. A kvm_intel whose COMING
 * notification ran before that registration but whose kobject is not yet
 * added (the few instructions of parse_args() in load_module()) is seen by
 * neither; both modules would have to be loading at the same instant.
 * Kernels without the slot (before 6.6, not backported) VMXOFF on their
 * own: the register call there reports false and nothing else changes.
 *
 * Host mode (host/host.c) needs the slot to be ours: in a crash only
 * thinvmx's callback takes a CPU out of host mode before VMXOFF; a
 * kvm_intel callback's VMXOFF, run inside host mode, would be refused.
 * So host mode is refused while kvm_intel is loaded, and kvm_intel's
 * load is refused while host mode is on (its COMING notification fails,
 * which fails the load).
 */
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <asm/reboot.h>

#include "enable.h"

#define VMX_EMERGENCY_RIVAL "kvm_intel"

static DEFINE_MUTEX(vmx_emergency_lock);
static bool vmx_emergency_held;		/* our callback is in the slot */
static bool vmx_emergency_rival;	/* kvm_intel is loaded or loading */
static bool vmx_emergency_nb_on;
static bool vmx_emergency_host;		/* host mode is on (or turning on) */

/* Under vmx_emergency_lock: hold the slot if nobody else may. */
static void vmx_emergency_take(void)
{
	lockdep_assert_held(&vmx_emergency_lock);
	if (!vmx_emergency_held && !vmx_emergency_rival)
		vmx_emergency_held = tvx_emergency_virt_register(vmx_emergency_disable);
}

static void vmx_emergency_release(void)
{
	lockdep_assert_held(&vmx_emergency_lock);
	if (vmx_emergency_held)
		tvx_emergency_virt_unregister(vmx_emergency_disable);
	vmx_emergency_held = false;
}

static int vmx_emergency_module(struct notifier_block *nb, unsigned long state,
				void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, VMX_EMERGENCY_RIVAL))
		return NOTIFY_DONE;
	mutex_lock(&vmx_emergency_lock);
	if (state == MODULE_STATE_COMING && vmx_emergency_host) {
		mutex_unlock(&vmx_emergency_lock);
		pr_warn("%s cannot load while host mode is on: turn host mode off first\n",
			VMX_EMERGENCY_RIVAL);
		return notifier_from_errno(-EBUSY);
	}
	if (state == MODULE_STATE_COMING) {
		/* before its init registers its own callback */
		vmx_emergency_rival = true;
		vmx_emergency_release();
		pr_info("%s loading: its emergency callback takes CPUs out of VMX operation in a crash\n",
			VMX_EMERGENCY_RIVAL);
	} else if (state == MODULE_STATE_GOING) {
		/* after its exit (or failed init) unregistered its callback */
		vmx_emergency_rival = false;
		vmx_emergency_take();
	}
	mutex_unlock(&vmx_emergency_lock);
	return NOTIFY_DONE;
}

static struct notifier_block vmx_emergency_nb = {
	.notifier_call = vmx_emergency_module,
};

/* Whether kvm_intel is in /sys/module: loaded, loading past COMING, or built in. */
static bool vmx_emergency_rival_present(void)
{
	struct kobject *k;

	k = kset_find_obj(THIS_MODULE->mkobj.kobj.kset, VMX_EMERGENCY_RIVAL);
	if (!k)
		return false;
	kobject_put(k);
	return true;
}

/**
 * vmx_emergency_init() - take the emergency slot, or leave it to kvm_intel
 *
 * Return: 0, or the error of registering the module notifier.
 */
int vmx_emergency_init(void)
{
	int ret;

	ret = register_module_notifier(&vmx_emergency_nb);
	if (ret)
		return ret;
	mutex_lock(&vmx_emergency_lock);
	vmx_emergency_nb_on = true;
	/* or'ed: a COMING may have been seen since the registration */
	vmx_emergency_rival |= vmx_emergency_rival_present();
	vmx_emergency_take();
	if (vmx_emergency_rival)
		pr_info("%s is loaded: its emergency callback takes CPUs out of VMX operation in a crash\n",
			VMX_EMERGENCY_RIVAL);
	mutex_unlock(&vmx_emergency_lock);
	return 0;
}

/**
 * vmx_emergency_host_begin() - hold off kvm_intel while host mode is on
 *
 * Return: 0, or -EBUSY when kvm_intel is loaded (logged).
 */
int vmx_emergency_host_begin(void)
{
	int ret = 0;

	mutex_lock(&vmx_emergency_lock);
	if (vmx_emergency_rival) {
		pr_info("%s is loaded: its crash callback cannot take CPUs out of host mode; no host mode\n",
			VMX_EMERGENCY_RIVAL);
		ret = -EBUSY;
	} else {
		vmx_emergency_host = true;
	}
	mutex_unlock(&vmx_emergency_lock);
	return ret;
}

/**
 * vmx_emergency_host_end() - host mode is off: kvm_intel may load again
 */
void vmx_emergency_host_end(void)
{
	mutex_lock(&vmx_emergency_lock);
	vmx_emergency_host = false;
	mutex_unlock(&vmx_emergency_lock);
}

/**
 * vmx_emergency_exit() - give the slot back; safe after a failed init
 */
void vmx_emergency_exit(void)
{
	/* not under the lock: a running notifier may be waiting for it */
	if (vmx_emergency_nb_on)
		unregister_module_notifier(&vmx_emergency_nb);
	vmx_emergency_nb_on = false;
	mutex_lock(&vmx_emergency_lock);
	vmx_emergency_release();
	mutex_unlock(&vmx_emergency_lock);
}
