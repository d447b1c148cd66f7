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
/* AMX, hidden from guests (vmx/xcr0.c says why) */
#define CPUID_7_EDX_AMX		(BIT(22) | BIT(24) | BIT(25))	/* BF16, TILE, INT8 */
#define CPUID_D_0_EAX_AMX	(BIT(17) | BIT(18))		/* XTILECFG, XTILEDATA */
#define CPUID_D_1_EAX_XFD	BIT(4)
#define CPUID_LEAF_TILE_INFO	0x1du
#define CPUID_LEAF_TMUL_INFO	0x1eu

int cpuid_validate(const struct thinvmx_cpuid_entry *e, u32 nr);
const struct thinvmx_cpuid_entry *
cpuid_find(const struct thinvmx_cpuid_entry *e, u32 nr, u32 function, u32 index);
int cpuid_guest_defaults(struct thinvmx_cpuid_entry *e, u32 *nr, u32 max);
void cpuid_answer(const struct thinvmx_cpuid_entry *e, u32 nr, u32 function,
		  u32 index, u32 apic_id, bool osxsave, bool ospke, u32 out[4]);

#endif /* _THINVMX_CPUID_H */
