/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _THINVMX_VMX_ENABLE_H
#define _THINVMX_VMX_ENABLE_H

#include <linux/list.h>
#include <linux/types.h>

#include "../../uapi/thinvmx.h"

/*
 * A VMCS and where it is loaded. A VMCS is current on at most one CPU; it
 * sits on that CPU's list so that taking the CPU down, or leaving VMX
 * operation, VMCLEARs it first (SDM 25.11.1: VMXOFF does not flush VMCS
 * data to memory).
 */
struct vmx_loaded_vmcs {
	struct page *vmcs;
	int cpu;		/* -1 when not loaded anywhere */
	bool launched;		/* VMLAUNCH done since the last VMCLEAR */
	struct list_head node;	/* on the per-CPU list of @cpu */
};

int vmx_enable_init(const struct thinvmx_caps *caps);
void vmx_enable_exit(void);
int vmx_get(void);
int vmx_get_exclusive(void);
void vmx_put(void);
unsigned int vmx_users_now(void);
int vmx_foreign_owner_cpu(void);
bool vmx_this_cpu_on(void);
u64 vmx_vmxon_region_pa(int cpu);
void vmx_emergency_disable(void);

/* vmx/emergency.c */
int vmx_emergency_init(void);
void vmx_emergency_exit(void);
int vmx_emergency_host_begin(void);
void vmx_emergency_host_end(void);

void vmx_loaded_vmcs_init(struct vmx_loaded_vmcs *lv, struct page *vmcs);
int vmx_loaded_vmcs_load(struct vmx_loaded_vmcs *lv);
void vmx_loaded_vmcs_clear(struct vmx_loaded_vmcs *lv);
void vmx_loaded_vmcs_clear_local(struct vmx_loaded_vmcs *lv);

#endif /* _THINVMX_VMX_ENABLE_H */
