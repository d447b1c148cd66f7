// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptor-table instructions: decoding and the descriptor checks (see
 * desc_rules.h). Pure logic, compiled into the module and into
 * selftests/unit/test_desc.c.
 */
#include "desc_rules.h"
#include "../../uapi/thinvmx.h"

/**
 * desc_decode() - decode the VM-exit instruction information
 * @ldtr_tr: the exit was LDTR/TR access (47), else GDTR/IDTR access (46)
 * @info: the VM-exit instruction information
 * @d: the instruction, on success
 *
 * Return: 0, or -EINVAL for an encoding the CPU does not give (an address
 * size or segment out of range): the caller fails the vCPU rather than
 * guessing.
 */
int desc_decode(bool ldtr_tr, u32 info, struct desc_insn *d)
{
	u32 id = (info >> 28) & 3, asize = (info >> 7) & 7;

	memset(d, 0, sizeof(*d));
	if (asize > 2 || ((info >> 15) & 7) > 5)
		return -EINVAL;
	d->load = id >= DESC_ID_LOAD_GDT_LDT;
	if (ldtr_tr)
		d->which = (id & 1) ? THINVMX_DESC_TR : THINVMX_DESC_LDTR;
	else
		d->which = (id & 1) ? THINVMX_DESC_IDTR : THINVMX_DESC_GDTR;
	/* GDTR/IDTR have no register form (it is #UD before any exit) */
	d->mem = !ldtr_tr || !(info & BIT(10));
	d->reg = (info >> 3) & 0xf;
	d->addr_size = 2 << asize;
	d->op32 = info & BIT(11);
	d->seg = (info >> 15) & 7;
	d->index = (info & BIT(22)) ? DESC_NO_REG : (info >> 18) & 0xf;
	d->base = (info & BIT(27)) ? DESC_NO_REG : (info >> 23) & 0xf;
	d->scale = info & 3;
	return 0;
}

/**
 * desc_offset() - the memory operand's offset in its segment
 * @d: the instruction
 * @disp: the displacement (the exit qualification, sign-extended)
 * @gprs: the guest's general registers, RSP included, in SDM order
 *
 * Return: base + index * scale + displacement, in the address size.
 */
u64 desc_offset(const struct desc_insn *d, u64 disp, const u64 *gprs)
{
	u64 off = disp;

	if (d->base != DESC_NO_REG)
		off += gprs[d->base];
	if (d->index != DESC_NO_REG)
		off += gprs[d->index] << d->scale;
	if (d->addr_size < 8)
		off &= GENMASK_ULL(8 * d->addr_size - 1, 0);
	return off;
}

/**
 * desc_reg_size() - the operand size of SLDT or STR to a register
 * @bytes: the instruction's bytes, as fetched
 * @len: how many
 * @mode: 16, 32 or 64: the code's default operand size
 *
 * The instruction information does not give it. A 16-bit destination
 * keeps the register's upper bits; a 32-bit one is zero-extended (the
 * Pentium Pro and later; in 64-bit mode to 64 bits), and so is a 64-bit
 * one (REX.W).
 *
 * Return: 2, 4 or 8 bytes.
 */
unsigned int desc_reg_size(const u8 *bytes, unsigned int len,
			   unsigned int mode)
{
	bool opsize = false, rex_w = false;
	unsigned int i;

	for (i = 0; i < len; i++) {
		u8 b = bytes[i];

		if (b == 0x66) {
			opsize = true;
		} else if (b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
			   b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e ||
			   b == 0x64 || b == 0x65) {
			continue;
		} else if (mode == 64 && (b & 0xf0) == 0x40) {
			/* REX counts only right before the opcode */
			rex_w = (b & 8) && i + 1 < len && bytes[i + 1] == 0x0f;
		} else {
			break;
		}
	}
	if (rex_w)
		return 8;
	if (mode == 16)
		return opsize ? 4 : 2;
	if (opsize)
		return 2;
	return mode == 64 ? 8 : 4;
}

/**
 * desc_canonical() - whether @addr is canonical for @bits of linear address
 * @addr: the address
 * @bits: 48, or 57 with 5-level paging
 *
 * Return: true when bits 63:@bits-1 are all equal.
 */
bool desc_canonical(u64 addr, unsigned int bits)
{
	s64 top = (s64)(addr << (64 - bits)) >> (64 - bits);

	return (u64)top == addr;
}

/**
 * desc_check_system() - the checks LLDT or LTR make of a GDT descriptor
 * @lo: its first 8 bytes
 * @hi: the next 8 (long mode's 16-byte system descriptors), else 0
 * @long_mode: IA-32e mode
 * @ltr: LTR (an available TSS), else LLDT (an LDT)
 * @out: the segment to load, on DESC_OK; an LTR's with the busy type
 *
 * Return: DESC_OK; DESC_GP for a code or data segment, another system
 * type, a 16-bit TSS in long mode, an upper half whose type is not 0 or
 * a base that is not canonical; DESC_NP when it is not present.
 */
enum desc_fault desc_check_system(u64 lo, u64 hi, bool long_mode, bool ltr,
				  struct desc_seg *out)
{
	u32 type = (lo >> 40) & 0xf, limit;
	u64 base;

	if (lo & BIT_ULL(44))		/* S: a code or data segment */
		return DESC_GP;
	if (ltr ? !(type == 9 || (type == 1 && !long_mode)) : type != 2)
		return DESC_GP;
	base = ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24);
	if (long_mode) {
		if ((hi >> 40) & 0x1f)
			return DESC_GP;
		base |= (hi & 0xffffffffULL) << 32;
		if (!desc_canonical(base, 48))
			return DESC_GP;
	}
	if (!(lo & BIT_ULL(47)))	/* P */
		return DESC_NP;
	limit = (lo & 0xffff) | ((lo >> 32) & 0xf0000);
	if (lo & BIT_ULL(55))		/* G */
		limit = (limit << 12) | 0xfff;
	out->base = base;
	out->limit = limit;
	out->ar = ((lo >> 40) & 0xff) | (((lo >> 52) & 0xf) << 12);
	if (ltr)
		out->ar |= 2;		/* busy */
	return DESC_OK;
}
