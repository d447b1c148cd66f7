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
#define CPUID_1_ECX_X2APIC	BIT(21)
#define CPUID_1_ECX_TSC_DEADLINE	BIT(24)
#define CPUID_1_EDX_APIC	BIT(9)
#define CPUID_LEAF_TIMING	0x40000010u	/* TSC and APIC bus kHz */
/* KVM's leaves, one block up, where Linux looks for them too (PV EOI) */
#define CPUID_LEAF_KVM		0x40000100u
#define CPUID_KVM_SIG_EBX	0x4b4d564bu	/* "KVMK" */
#define CPUID_KVM_SIG_ECX	0x564b4d56u	/* "VMKV" */
#define CPUID_KVM_SIG_EDX	0x0000004du	/* "M\0\0\0" */
#define CPUID_KVM_FEATURE_PV_EOI	BIT(6)
#define CPUID_1_ECX_OSXSAVE	BIT(27)
#define CPUID_1_ECX_HYPERVISOR	BIT(31)
#define CPUID_7_ECX_OSPKE	BIT(4)
/* AMX, hidden from guests (vmx/xcr0.c says why) */
#define CPUID_7_EDX_AMX		(BIT(22) | BIT(24) | BIT(25))	/* BF16, TILE, INT8 */
#define CPUID_D_0_EAX_AMX	(BIT(17) | BIT(18))		/* XTILECFG, XTILEDATA */
#define CPUID_D_1_EAX_XFD	BIT(4)
#define CPUID_LEAF_TILE_INFO	0x1du
#define CPUID_LEAF_TMUL_INFO	0x1eu

/*
 * Features the host has and a guest must not be told of, because what
 * they promise does not work in a domain: their MSRs or instructions are
 * #GP/#UD here (vmx/exit_reg.c, vmx/exit.c), and a real kernel uses them
 * once it sees the bit (cpuid_keep_promises()).
 */
#define CPUID_1_ECX_UNKEPT	(BIT(2) | BIT(3) | BIT(4) | BIT(7) | BIT(8) | \
				 BIT(11) | BIT(14) | BIT(15))
				/* DTES64, MONITOR, DS-CPL, EST, TM2, SDBG, xTPR, PDCM */
#define CPUID_1_EDX_UNKEPT	(BIT(14) | BIT(21) | BIT(22) | BIT(29) | BIT(31))
				/* MCA, DS, ACPI (thermal MSRs), TM, PBE */
#define CPUID_1_EDX_HTT		BIT(28)
/* leaf 0xB/0x1F level types (ECX[15:8]) */
#define CPUID_TOPO_SMT		1
#define CPUID_TOPO_CORE		2
#define CPUID_6_EAX_ARAT	BIT(2)	/* the APIC timer runs in deep C-states */
#define CPUID_7_EBX_UNKEPT	(BIT(2) | BIT(12) | BIT(15) | BIT(25))
				/* SGX, RDT-M, RDT-A, Intel PT */
#define CPUID_7_ECX_UNKEPT	(BIT(5) | BIT(30))	/* WAITPKG, SGX-LC */
#define CPUID_D_1_EAX_XSAVES	BIT(3)	/* XSAVES/XRSTORS are #GP here */
/* features whose registers live in an XSAVE state component */
#define CPUID_1_ECX_AVX_DEPS	(BIT(12) | BIT(28) | BIT(29))	/* FMA, AVX, F16C */
#define CPUID_7_EBX_AVX2	BIT(5)
#define CPUID_7_ECX_AVX_DEPS	(BIT(9) | BIT(10))	/* VAES, VPCLMULQDQ */
#define CPUID_7_1_EAX_AVX_VNNI	BIT(4)
#define CPUID_7_EBX_AVX512	(BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | \
				 BIT(28) | BIT(30) | BIT(31))
#define CPUID_7_ECX_AVX512	(BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14))
#define CPUID_7_EDX_AVX512	(BIT(2) | BIT(3) | BIT(8) | BIT(23))
#define CPUID_7_1_EAX_AVX512	BIT(5)				/* BF16 */
#define CPUID_7_EBX_MPX		BIT(14)
#define XSTATE_AVX		BIT_ULL(2)
#define XSTATE_MPX		(BIT_ULL(3) | BIT_ULL(4))
#define XSTATE_AVX512		(BIT_ULL(5) | BIT_ULL(6) | BIT_ULL(7))

int cpuid_validate(const struct thinvmx_cpuid_entry *e, u32 nr);
const struct thinvmx_cpuid_entry *
cpuid_find(const struct thinvmx_cpuid_entry *e, u32 nr, u32 function, u32 index);
int cpuid_guest_defaults(struct thinvmx_cpuid_entry *e, u32 *nr, u32 max);
int cpuid_lapic_leaves(struct thinvmx_cpuid_entry *e, u32 *nr, u32 max,
		       u32 tsc_khz, u32 *bus_khz);
void cpuid_topology(u32 function, u32 index, u32 apic_id, u32 nr_cpus,
		    u32 out[4]);
void cpuid_answer(const struct thinvmx_cpuid_entry *e, u32 nr, u32 function,
		  u32 index, u32 apic_id, u32 nr_cpus, bool osxsave,
		  bool ospke, u32 out[4]);
u32 cpuid_xsave_size(const struct thinvmx_cpuid_entry *e, u32 nr, u64 xcr0);
void cpuid_xsave_limit(struct thinvmx_cpuid_entry *e, u32 *nr, u64 allowed);

#endif /* _THINVMX_CPUID_H */
