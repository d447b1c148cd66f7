/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX capability evaluation: from one CPU's CPUID bit and capability MSRs to
 * the control values thinvmx programs, or the exact reason it cannot run.
 * Pure logic (caps.c), shared with the host unit tests.
 */
#ifndef _THINVMX_VMX_CAPS_H
#define _THINVMX_VMX_CAPS_H

#include "../pure.h"
#include "../../uapi/thinvmx.h"

#define VMX_NR_CAP_MSRS		17

/*
 * One CPU's view, as read by vmx_read_msrs() (detect.c). The capability
 * MSRs are also @msrs, so that two CPUs compare as one block; the uapi
 * struct thinvmx_caps names each in its own field (vmx_copy_msrs()).
 */
struct vmx_msrs {
	u32 cpuid1_ecx;
	u32 fault_msr;		/* index of the first MSR whose read faulted, or 0 */
	union {
		struct {
			u64 feature_control;
			u64 basic;
			u64 pinbased;
			u64 procbased;
			u64 procbased2;
			u64 exit;
			u64 entry;
			u64 true_pinbased;
			u64 true_procbased;
			u64 true_exit;
			u64 true_entry;
			u64 misc;
			u64 ept_vpid_cap;
			u64 cr0_fixed0;
			u64 cr0_fixed1;
			u64 cr4_fixed0;
			u64 cr4_fixed1;
		};
		u64 msrs[VMX_NR_CAP_MSRS];
	};
};

/*
 * What thinvmx asks of one set of VM-execution/exit/entry controls:
 * @required:   set in every VMCS; missing means VMX is unusable.
 * @optional:   set in every VMCS when the CPU allows it.
 * @toggled:    switched on and off at run time (for example IA32E_MODE per
 *              guest mode); must be allowed-1, is not set in the base value.
 */
struct vmx_ctl_spec {
	u32 required;
	u32 optional;
	u32 toggled;
};

int vmx_adjust_ctl(const struct vmx_ctl_spec *spec, u64 cap_msr, u32 *result,
		   u32 *missing);
int vmx_caps_evaluate(const struct vmx_msrs *m, struct thinvmx_caps *caps);
bool vmx_msrs_equal(const struct vmx_msrs *a, const struct vmx_msrs *b);
const char *vmx_status_name(u32 status);
const char *vmx_ctl_name(u32 ctl);

#endif /* _THINVMX_VMX_CAPS_H */
