/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Speculation controls around a guest: the policy and the guest's
 * speculation MSRs (spec.c).
 */
#ifndef _THINVMX_VMX_SPEC_H
#define _THINVMX_VMX_SPEC_H

#include <linux/init.h>
#include <linux/types.h>

struct tvx_vcpu;

void __init tvx_spec_init(void);
int tvx_spec_msr_read(struct tvx_vcpu *v, u32 msr, u64 *val);
int tvx_spec_msr_write(struct tvx_vcpu *v, u32 msr, u64 val);
void tvx_spec_ctrl_restore_host(u64 guest);

#endif /* _THINVMX_VMX_SPEC_H */
