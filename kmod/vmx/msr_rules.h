/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a guest may write to the MSRs thinvmx emulates (msr_rules.c): the
 * SDM's reserved bits and encodings, one table. A value the rules refuse
 * is #GP to the guest -- never a VMCS field that fails the next VM entry,
 * never a value the host's own WRMSR would fault on. Pure logic, shared
 * with the host unit tests (selftests/unit/test_msr_rules.c).
 */
#ifndef _THINVMX_VMX_MSR_RULES_H
#define _THINVMX_VMX_MSR_RULES_H

#include "../pure.h"

/* The MSRs with rules (SDM Vol. 4, table 2-2) */
#define MSR_RULES_PAT		0x00000277
#define MSR_RULES_MTRR_DEF_TYPE	0x000002ff
#define MSR_RULES_EFER		0xc0000080
#define MSR_RULES_STAR		0xc0000081
#define MSR_RULES_LSTAR		0xc0000082
#define MSR_RULES_CSTAR		0xc0000083
#define MSR_RULES_FMASK		0xc0000084
#define MSR_RULES_FS_BASE	0xc0000100
#define MSR_RULES_GS_BASE	0xc0000101
#define MSR_RULES_KERNEL_GS_BASE 0xc0000102
#define MSR_RULES_TSC_AUX	0xc0000103
#define MSR_RULES_SYSENTER_ESP	0x00000175
#define MSR_RULES_SYSENTER_EIP	0x00000176

/* EFER bits a guest may set (SCE, LME, LMA, NXE) */
#define MSR_RULES_EFER_ALLOWED	(BIT_ULL(0) | BIT_ULL(8) | BIT_ULL(10) | \
				 BIT_ULL(11))

/* The speculation-control MSRs (SDM Vol. 4, table 2-2) */
#define MSR_RULES_SPEC_CTRL	0x00000048
#define MSR_RULES_PRED_CMD	0x00000049
#define MSR_RULES_ARCH_CAPS	0x0000010a
#define MSR_RULES_FLUSH_CMD	0x0000010b

/* IA32_SPEC_CTRL: IBRS, STIBP, SSBD, RRSBA_DIS_S, BHI_DIS_S */
#define MSR_SPEC_CTRL_IBRS	BIT_ULL(0)
#define MSR_SPEC_CTRL_STIBP	BIT_ULL(1)
#define MSR_SPEC_CTRL_SSBD	BIT_ULL(2)
#define MSR_SPEC_CTRL_RRSBA_DIS_S BIT_ULL(6)
#define MSR_SPEC_CTRL_BHI_DIS_S	BIT_ULL(10)
#define MSR_PRED_CMD_IBPB	BIT_ULL(0)
#define MSR_FLUSH_CMD_L1D	BIT_ULL(0)

/* What the host CPU has, for the rules below (vmx/spec.c fills it in) */
#define MSR_HOST_SPEC_CTRL	BIT(0)	/* IA32_SPEC_CTRL, with IBRS */
#define MSR_HOST_STIBP		BIT(1)
#define MSR_HOST_SSBD		BIT(2)
#define MSR_HOST_RRSBA_CTRL	BIT(3)
#define MSR_HOST_BHI_CTRL	BIT(4)
#define MSR_HOST_IBPB		BIT(5)	/* IA32_PRED_CMD */
#define MSR_HOST_FLUSH_L1D	BIT(6)	/* IA32_FLUSH_CMD */
#define MSR_HOST_ARCH_CAPS	BIT(7)	/* IA32_ARCH_CAPABILITIES */
/* ... and which of its bugs the host kernel knows it has not */
#define MSR_HOST_NO_MELTDOWN	BIT(8)
#define MSR_HOST_NO_SSB		BIT(9)
#define MSR_HOST_NO_MDS		BIT(10)

/* IA32_ARCH_CAPABILITIES bits a guest is shown (see msr_arch_caps_guest()) */
#define MSR_ARCH_CAP_RDCL_NO	BIT_ULL(0)
#define MSR_ARCH_CAP_SSB_NO	BIT_ULL(4)
#define MSR_ARCH_CAP_MDS_NO	BIT_ULL(5)
#define MSR_ARCH_CAP_PSCHANGE_MC_NO BIT_ULL(6)
#define MSR_ARCH_CAP_TAA_NO	BIT_ULL(8)
#define MSR_ARCH_CAP_GUEST	(MSR_ARCH_CAP_RDCL_NO | BIT_ULL(1) | BIT_ULL(2) | \
				 MSR_ARCH_CAP_SSB_NO | MSR_ARCH_CAP_MDS_NO | \
				 MSR_ARCH_CAP_PSCHANGE_MC_NO | MSR_ARCH_CAP_TAA_NO | \
				 BIT_ULL(13) | BIT_ULL(14) | BIT_ULL(15) | \
				 BIT_ULL(17) | BIT_ULL(19) | BIT_ULL(20) | \
				 BIT_ULL(24) | BIT_ULL(26) | BIT_ULL(27) | \
				 BIT_ULL(28) | BIT_ULL(62))

bool msr_pat_valid(u64 val);
bool msr_mtrr_def_type_valid(u64 val);
bool msr_canonical(u64 addr);
int msr_write_check(u32 index, u64 val);
u64 msr_spec_ctrl_bits(u32 host);
int msr_spec_read_check(u32 index, u32 host);
int msr_spec_write_check(u32 index, u64 val, u32 host);
u64 msr_arch_caps_guest(u64 host_val, u32 host);

#endif /* _THINVMX_VMX_MSR_RULES_H */
