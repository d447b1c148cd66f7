/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's registers for GET/SET_REGS and GET/SET_SREGS (regs.c).
 */
#ifndef _THINVMX_VMX_REGS_H
#define _THINVMX_VMX_REGS_H

#include <linux/types.h>

#include "../../uapi/thinvmx.h"

struct tvx_vcpu;

/* A guest segment's VMCS fields, in struct thinvmx_sregs order. */
struct tvx_seg_fields {
	u32 sel, base, limit, ar;
};

#define TVX_NR_SEGS	8
extern const struct tvx_seg_fields tvx_segs[TVX_NR_SEGS];

/* with the vCPU's VMCS current (tvx_vcpu_with_vmcs()) */
void tvx_get_regs_fn(struct tvx_vcpu *v, void *arg);
void tvx_set_regs_fn(struct tvx_vcpu *v, void *arg);
void tvx_get_sregs_fn(struct tvx_vcpu *v, void *arg);
void tvx_set_sregs_fn(struct tvx_vcpu *v, void *arg);
int tvx_check_sregs(const struct thinvmx_sregs *s);
void tvx_load_regs(struct tvx_vcpu *v, const struct thinvmx_regs *r);
int tvx_load_pdptes(struct tvx_vcpu *v, u64 cr3, bool checked);

#endif /* _THINVMX_VMX_REGS_H */
