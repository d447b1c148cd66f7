/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A domain's CPUID table: lookups and the changes thinvmx makes to the
 * host's answers. Pure logic (cpuid.c), shared with the unit tests.
 */
#ifndef _THINVMX_CPUID_H
#define _THINVMX_CPUID_H

#include "pure.h"
#include "../uapi/thinvmx.h"

#define CPUID_LEAF_HYPERVISOR	0x40000000u
/* "thinvmx\0\0\0\0\0" in EBX, ECX, EDX */
#define CPUID_SIG_EBX		0x6e696874u	/* "thin" */
#define CPUID_SIG_ECX		0x00786d76u	/* "vmx\0" */
#define CPUID_SIG_EDX		0u

#define CPUID_1_ECX_VMX		BIT(5)
#define CPUID_1_ECX_OSXSAVE	BIT(27)
#define CPUID_1_ECX_HYPERVISOR	BIT(31)
#define CPUID_7_ECX_OSPKE	BIT(4)

int cpuid_validate(const struct thinvmx_cpuid_entry *e, u32 nr);
const struct thinvmx_cpuid_entry *
cpuid_find(const struct thinvmx_cpuid_entry *e, u32 nr, u32 function, u32 index);
int cpuid_guest_defaults(struct thinvmx_cpuid_entry *e, u32 *nr, u32 max);
void cpuid_answer(const struct thinvmx_cpuid_entry *e, u32 nr, u32 function,
		  u32 index, u32 apic_id, bool osxsave, bool ospke, u32 out[4]);

#endif /* _THINVMX_CPUID_H */
