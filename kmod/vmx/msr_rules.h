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

bool msr_pat_valid(u64 val);
bool msr_mtrr_def_type_valid(u64 val);
bool msr_canonical(u64 addr);
int msr_write_check(u32 index, u64 val);

#endif /* _THINVMX_VMX_MSR_RULES_H */
