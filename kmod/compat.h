/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between kernel versions, force-included into every object of
 * the module (Kbuild: -include). The .c files stay free of version checks.
 */
#ifndef _THINVMX_COMPAT_H
#define _THINVMX_COMPAT_H

/*
 * thinvmx is written against 6.1 (Debian 12). When a later kernel renames
 * or changes an interface the module uses, the adaptation goes here, keyed
 * on the presence of the new interface rather than on version numbers.
 */

/*
 * The kernel's one slot for a callback that takes a CPU out of VMX
 * operation in an emergency (kdump's NMI shootdown, an emergency restart):
 * asm/reboot.h's cpu_emergency_register_virt_callback(), from 6.6 and in
 * Debian's 6.1. Those kernels no longer VMXOFF on their own. Older ones
 * do (cpu_emergency_vmxoff()) and have no slot: there the register call
 * says false and thinvmx's VMCSs are not cleared into a crash dump.
 * Kbuild defines TVX_HAVE_EMERGENCY_VIRT_CB from the kernel's header.
 */
#ifdef TVX_HAVE_EMERGENCY_VIRT_CB
#define tvx_emergency_virt_register(cb) \
	(cpu_emergency_register_virt_callback(cb), true)
#define tvx_emergency_virt_unregister(cb) \
	cpu_emergency_unregister_virt_callback(cb)
#else
#define tvx_emergency_virt_register(cb)		((void)(cb), false)
#define tvx_emergency_virt_unregister(cb)	((void)(cb))
#endif

#endif /* _THINVMX_COMPAT_H */
