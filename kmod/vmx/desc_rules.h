/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Descriptor-table instructions (LGDT LIDT LLDT LTR SGDT SIDT SLDT STR)
 * as the module carries them out under descriptor-table exiting: the
 * VM-exit instruction information decoded (SDM Vol. 3, 28.2.5, tables
 * 28-10 and 28-11), the memory operand's offset, the operand size of a
 * register destination, and the checks LLDT and LTR make of the
 * descriptor they load (SDM Vol. 2, LLDT, LTR). Pure logic (desc_rules.c),
 * shared with the host unit tests (selftests/unit/test_desc.c).
 */
#ifndef _THINVMX_VMX_DESC_RULES_H
#define _THINVMX_VMX_DESC_RULES_H

#include "../pure.h"

/* The instruction information's identity (bits 29:28) */
#define DESC_ID_STORE_GDT_LDT	0	/* SGDT, or SLDT */
#define DESC_ID_STORE_IDT_TR	1	/* SIDT, or STR */
#define DESC_ID_LOAD_GDT_LDT	2	/* LGDT, or LLDT */
#define DESC_ID_LOAD_IDT_TR	3	/* LIDT, or LTR */

/* No base or index register */
#define DESC_NO_REG		0xff

/**
 * struct desc_insn - one descriptor-table instruction, decoded
 * @which:	THINVMX_DESC_IDTR, _GDTR, _LDTR or _TR
 * @load:	LGDT, LIDT, LLDT or LTR
 * @mem:	the operand is in memory (always for GDTR and IDTR)
 * @reg:	the register operand's GPR number (SDM order: RAX, RCX, ...)
 * @addr_size:	the memory operand's address size: 2, 4 or 8 bytes
 * @op32:	GDTR/IDTR outside 64-bit mode: 32-bit operand size
 * @seg:	the memory operand's segment: 0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS
 * @base:	its base register, or DESC_NO_REG
 * @index:	its index register, or DESC_NO_REG
 * @scale:	the index's scale: 0-3 (x1 .. x8)
 */
struct desc_insn {
	u8 which;
	bool load;
	bool mem;
	u8 reg;
	u8 addr_size;
	bool op32;
	u8 seg;
	u8 base;
	u8 index;
	u8 scale;
};

/* A system segment as LLDT or LTR loads it, in the VMCS's terms */
struct desc_seg {
	u64 base;
	u32 limit;		/* in bytes, granularity applied */
	u32 ar;			/* the VMCS access-rights format */
};

/* What desc_check_system() finds wrong */
enum desc_fault {
	DESC_OK,
	DESC_GP,		/* #GP(selector) */
	DESC_NP,		/* #NP(selector) */
};

int desc_decode(bool ldtr_tr, u32 info, struct desc_insn *d);
u64 desc_offset(const struct desc_insn *d, u64 disp, const u64 *gprs);
unsigned int desc_reg_size(const u8 *bytes, unsigned int len,
			   unsigned int mode);
enum desc_fault desc_check_system(u64 lo, u64 hi, bool long_mode, bool ltr,
				  struct desc_seg *out);
bool desc_canonical(u64 addr, unsigned int bits);

#endif /* _THINVMX_VMX_DESC_RULES_H */
