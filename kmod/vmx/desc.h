/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Descriptor-table exits (desc.c): LGDT LIDT LLDT LTR SGDT SIDT SLDT STR
 * carried out by the module while descriptor-table exiting is on, which
 * is while a listener monitors DESC_ACCESS.
 */
#ifndef _THINVMX_VMX_DESC_H
#define _THINVMX_VMX_DESC_H

#include <linux/types.h>

#include "desc_rules.h"

struct tvx_vcpu;

/**
 * struct tvx_desc_op - a checked instruction, ready to complete
 * @insn:	the decoded instruction
 * @len:	its length
 * @reg_size:	SLDT/STR to a register: bytes written (desc_reg_size())
 * @gla:	the memory operand's linear address
 * @base:	GDTR/IDTR: to load, or to store
 * @limit:	GDTR/IDTR: to load, or to store
 * @sel:	LDTR/TR: to load, or to store
 * @seg:	LLDT/LTR of a selector that is not null: the segment
 * @desc_gla:	LTR: the TSS descriptor's linear address (its busy bit)
 */
struct tvx_desc_op {
	struct desc_insn insn;
	u8 len;
	u8 reg_size;
	u64 gla;
	u64 base;
	u32 limit;
	u16 sel;
	struct desc_seg seg;
	u64 desc_gla;
};

int handle_desc(struct tvx_vcpu *v);
int tvx_desc_complete(struct tvx_vcpu *v, const struct tvx_desc_op *op);

#endif /* _THINVMX_VMX_DESC_H */
