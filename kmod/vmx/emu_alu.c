// SPDX-License-Identifier: GPL-2.0
/*
 * The arithmetic of the read-modify-write MMIO forms (emulate.c decodes
 * them), the exchanges among them: the result and RFLAGS, exactly as the
 * CPU computes them. Pure
 * logic, compiled into the module and into the host unit tests
 * (selftests/unit/test_emulate.c checks each flag against values the
 * instructions give on hardware).
 *
 * Flags are from the SDM Vol. 1, appendix A, and each instruction's page.
 * Where the SDM leaves a flag undefined, the emulation does what Intel
 * CPUs and Bochs do: AND/OR/XOR/TEST clear AF; BT/BTS/BTR/BTC change CF
 * alone.
 */
#include "emulate.h"

static u64 emu_alu_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : BIT_ULL(8 * size) - 1;
}

/* PF: set when the low byte of the result has an even number of ones. */
static bool emu_parity_even(u64 r)
{
	u8 b = r;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/* ZF, SF and PF of result @r of @size bytes. */
static u64 emu_szp(u64 r, unsigned int size)
{
	u64 f = 0;

	if (!r)
		f |= EMU_FLAG_ZF;
	if (r & BIT_ULL(8 * size - 1))
		f |= EMU_FLAG_SF;
	if (emu_parity_even(r))
		f |= EMU_FLAG_PF;
	return f;
}

/**
 * emu_alu_compute() - one ALU operation and the flags it leaves
 * @alu:	EMU_ALU_*
 * @size:	operand size in bytes: 1, 2, 4 or 8
 * @dst:	the destination operand's value (the first operand)
 * @src:	the source operand (an immediate sign-extended to @size
 *		already); BT*: the bit offset; ignored by NOT, NEG, INC, DEC
 * @rflags:	RFLAGS before (CF is an input of ADC, SBB; kept by INC, DEC)
 * @res:	the result, truncated to @size; the destination is left as
 *		it was by CMP, TEST and BT (@res = @dst)
 *
 * Return: RFLAGS after the operation. An unknown @alu changes nothing.
 */
u64 emu_alu_compute(unsigned int alu, unsigned int size, u64 dst, u64 src,
		    u64 rflags, u64 *res)
{
	u64 mask = emu_alu_mask(size), sign = BIT_ULL(8 * size - 1);
	bool cin = rflags & EMU_FLAG_CF, carry = false;
	u64 r = dst & mask, f, bit;

	dst &= mask;
	src &= mask;
	*res = dst;
	if (alu == EMU_ALU_INC || alu == EMU_ALU_DEC)
		src = 1;
	switch (alu) {
	case EMU_ALU_INC:
	case EMU_ALU_DEC:
	case EMU_ALU_ADD:
	case EMU_ALU_ADC:
	case EMU_ALU_SUB:
	case EMU_ALU_SBB:
	case EMU_ALU_CMP:
	case EMU_ALU_NEG:
		if (alu == EMU_ALU_NEG) {	/* 0 - dst */
			src = dst;
			dst = 0;
		}
		if (alu != EMU_ALU_ADC && alu != EMU_ALU_SBB)
			cin = false;
		if (alu == EMU_ALU_ADD || alu == EMU_ALU_ADC ||
		    alu == EMU_ALU_INC) {
			r = (dst + src + cin) & mask;
			carry = r < dst || (cin && r == dst);
			f = (dst ^ r) & (src ^ r) & sign ? EMU_FLAG_OF : 0;
		} else {
			r = (dst - src - cin) & mask;
			carry = cin ? dst <= src : dst < src;
			f = (dst ^ src) & (dst ^ r) & sign ? EMU_FLAG_OF : 0;
		}
		if ((dst ^ src ^ r) & 0x10)
			f |= EMU_FLAG_AF;
		f |= emu_szp(r, size);
		if (alu == EMU_ALU_INC || alu == EMU_ALU_DEC)
			f |= rflags & EMU_FLAG_CF;	/* CF is not affected */
		else if (carry)
			f |= EMU_FLAG_CF;
		if (alu != EMU_ALU_CMP)
			*res = r;
		return (rflags & ~EMU_FLAGS_ARITH) | f;

	case EMU_ALU_AND:
	case EMU_ALU_OR:
	case EMU_ALU_XOR:
	case EMU_ALU_TEST:
		if (alu == EMU_ALU_OR)
			r = dst | src;
		else if (alu == EMU_ALU_XOR)
			r = dst ^ src;
		else
			r = dst & src;
		if (alu != EMU_ALU_TEST)
			*res = r;
		return (rflags & ~EMU_FLAGS_ARITH) | emu_szp(r, size);

	case EMU_ALU_NOT:
		*res = ~dst & mask;
		return rflags;

	case EMU_ALU_BT:
	case EMU_ALU_BTS:
	case EMU_ALU_BTR:
	case EMU_ALU_BTC:
		/* the CPU accessed the operand holding the bit: offset mod size */
		bit = BIT_ULL(src & (8 * size - 1));
		if (alu == EMU_ALU_BTS)
			*res = dst | bit;
		else if (alu == EMU_ALU_BTR)
			*res = dst & ~bit;
		else if (alu == EMU_ALU_BTC)
			*res = dst ^ bit;
		return (rflags & ~EMU_FLAG_CF) | (dst & bit ? EMU_FLAG_CF : 0);

	default:
		return rflags;
	}
}

/**
 * emu_write_reg() - write a register of @size bytes as the CPU does
 * @r:         the 64-bit register
 * @size:      1, 2, 4 or 8
 * @high_byte: a 1-byte write to AH-BH (bits 15:8)
 * @val:       the value
 *
 * A 4-byte write zero-extends to 64 bits; a 1- or 2-byte one leaves the
 * register's other bits alone.
 */
void emu_write_reg(u64 *r, unsigned int size, bool high_byte, u64 val)
{
	switch (size) {
	case 1:
		if (high_byte)
			*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
		else
			*r = (*r & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		*r = (u32)val;
		break;
	default:
		*r = val;
		break;
	}
}

/*
 * XCHG, XADD, CMPXCHG, CMPXCHG8B (SDM Vol. 2, each instruction's page):
 * memory is written back in every case, as the CPU's locked cycle is; a
 * register is written as the pseudocode says and no further (a CMPXCHG
 * that succeeds leaves rAX alone, its upper half too).
 */
static void emu_exchange(const struct emu_insn *insn, u64 data, u64 reg,
			 u64 *gprs, u64 rflags, struct emu_alu_out *out)
{
	unsigned int size = insn->size;
	u64 mask = emu_alu_mask(size), res, acc;

	data &= mask;
	out->write_mem = true;
	out->rflags = rflags;
	switch (insn->alu) {
	case EMU_ALU_XCHG:
		out->mem = reg & mask;
		emu_write_reg(&gprs[insn->reg], size, insn->high_byte, data);
		break;
	case EMU_ALU_XADD:
		out->rflags = emu_alu_compute(EMU_ALU_ADD, size, data, reg,
					      rflags, &res);
		out->mem = res;
		emu_write_reg(&gprs[insn->reg], size, insn->high_byte, data);
		break;
	case EMU_ALU_CMPXCHG:
		/* the accumulator minus memory, as CMP */
		out->rflags = emu_alu_compute(EMU_ALU_CMP, size, gprs[0], data,
					      rflags, &res);
		if (out->rflags & EMU_FLAG_ZF) {
			out->mem = reg & mask;
		} else {
			out->mem = data;
			emu_write_reg(&gprs[0], size, false, data);
		}
		break;
	default:	/* CMPXCHG8B: EDX:EAX against m64; ZF alone changes */
		acc = (u32)gprs[0] | (u64)(u32)gprs[2] << 32;
		if (acc == data) {
			out->rflags |= EMU_FLAG_ZF;
			out->mem = (u32)gprs[3] | (u64)(u32)gprs[1] << 32;
		} else {
			out->rflags &= ~EMU_FLAG_ZF;
			out->mem = data;
			emu_write_reg(&gprs[0], 4, false, data);
			emu_write_reg(&gprs[2], 4, false, data >> 32);
		}
		break;
	}
}

/**
 * emu_alu() - carry out a decoded EMU_OP_ALU instruction on read data
 * @insn:	decoded by emu_decode(), @insn->op EMU_OP_ALU
 * @data:	what memory (the device) returned for the operand
 * @gprs:	the guest's EMU_NR_GPRS registers: the register operand is read
 *		from them, and a register destination is written (XCHG and
 *		XADD: the register operand; CMPXCHG that fails: rAX, or
 *		EDX:EAX)
 * @rflags:	RFLAGS before the instruction
 * @out:	what to write back to memory, and RFLAGS after
 */
void emu_alu(const struct emu_insn *insn, u64 data, u64 *gprs, u64 rflags,
	     struct emu_alu_out *out)
{
	u64 reg = 0, res;

	if (insn->has_imm)
		reg = insn->imm;
	else if (insn->high_byte)
		reg = gprs[insn->reg] >> 8;
	else
		reg = gprs[insn->reg];

	if (insn->alu >= EMU_ALU_XCHG) {
		emu_exchange(insn, data, reg, gprs, rflags, out);
		return;
	}
	if (insn->mem_dst) {
		out->rflags = emu_alu_compute(insn->alu, insn->size, data, reg,
					      rflags, &res);
		out->mem = res;
		out->write_mem = emu_alu_writes(insn);
		return;
	}
	out->rflags = emu_alu_compute(insn->alu, insn->size, reg, data,
				      rflags, &res);
	out->mem = 0;
	out->write_mem = false;
	if (insn->alu != EMU_ALU_CMP)
		emu_write_reg(&gprs[insn->reg], insn->size, insn->high_byte,
			      res);
}
