/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Register exits (exit_reg.c): CPUID, MSRs, XSETBV, CR and DR accesses.
 */
#ifndef _THINVMX_VMX_EXIT_REG_H
#define _THINVMX_VMX_EXIT_REG_H

#include <linux/types.h>

struct tvx_vcpu;

int handle_cpuid(struct tvx_vcpu *v);
void tvx_cpuid_apply(struct tvx_vcpu *v, const u32 *out);
int handle_msr_read(struct tvx_vcpu *v);
int handle_msr_write(struct tvx_vcpu *v);
int handle_xsetbv(struct tvx_vcpu *v);
int handle_cr(struct tvx_vcpu *v);
int handle_dr(struct tvx_vcpu *v);
int tvx_cr_check(struct tvx_vcpu *v, unsigned int cr, u64 *val, bool *flush);
int tvx_msr_write(struct tvx_vcpu *v, u32 msr, u64 val);
int tvx_cr_write(struct tvx_vcpu *v, unsigned int cr, u64 val, bool flush);

#endif /* _THINVMX_VMX_EXIT_REG_H */
