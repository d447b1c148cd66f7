/* SPDX-License-Identifier: GPL-2.0 */
/*
 * THINVMX_RUN (run.c), the entry code (vmenter.S) and the L1D flush
 * before entry (l1d.c).
 */
#ifndef _THINVMX_VMX_RUN_H
#define _THINVMX_VMX_RUN_H

#include <linux/types.h>

struct tvx_vcpu;

long tvx_vcpu_run(struct tvx_vcpu *v);

/* vmenter.S */
int vmx_vcpu_enter(u64 *gprs, bool launched, u64 spec_ctrl);
void vmx_vcpu_exit(void);
void vmx_deliver_nmi(void);

/* l1d.c */
int tvx_l1d_init(void);
void tvx_l1d_exit(void);
bool tvx_l1d_flush_wanted(struct tvx_vcpu *v);
void tvx_l1d_flush_sw(void);

#endif /* _THINVMX_VMX_RUN_H */
