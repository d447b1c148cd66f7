/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EPT violations and the leaf swap of a single step (violation.c).
 */
#ifndef _THINVMX_EPT_VIOLATION_H
#define _THINVMX_EPT_VIOLATION_H

#include <linux/types.h>

#include "ept_table.h"

struct tvx_dom;
struct tvx_vcpu;

int handle_ept_violation(struct tvx_vcpu *v);
int tvx_discard_write(struct tvx_vcpu *v, u64 gpa);
int tvx_ept_access(struct tvx_vcpu *v, u64 gpa, bool write, bool final);
int tvx_ept_topup(struct tvx_vcpu *v);
bool tvx_ept_pool_short(const struct tvx_vcpu *v);
int ept_swap_leaf(struct tvx_dom *dom, struct ept *ept, struct ept_leaf_swap *sw,
		  u64 gpa, bool scratch, struct ept_prealloc *pa);
void ept_unswap_leaf(struct tvx_dom *dom, struct ept_leaf_swap *sw);

#endif /* _THINVMX_EPT_VIOLATION_H */
