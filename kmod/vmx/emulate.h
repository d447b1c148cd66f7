/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding the guest instruction that touched emulated MMIO: the forms
 * compilers emit for device registers (MOV and its widening loads, the
 * read-modify-write ALU forms, the string moves), and carrying out their
 * arithmetic. Pure logic (emulate.c, emu_alu.c), shared with the host
 * unit tests.
 */
#ifndef _THINVMX_VMX_EMULATE_H
#define _THINVMX_VMX_EMULATE_H

#include "../pure.h"

/* The architectural limit on instruction length (SDM Vol. 2, 2.3.11). */
#define EMU_MAX_LEN		15

/* Guest GPRs in encoding order: 0 = rax, 1 = rcx, ... 15 = r15. */
#define EMU_NR_GPRS		16

/* CPU modes for emu_decode(): the default operand/address size in bits. */
#define EMU_MODE_16		16
#define EMU_MODE_32		32
#define EMU_MODE_64		64

/* How a load's data widens into its destination register. */
#define EMU_EXT_NONE		0
#define EMU_EXT_ZERO		1	/* MOVZX */
#define EMU_EXT_SIGN		2	/* MOVSX */

/* What a decoded instruction does with its memory operand. */
#define EMU_OP_MOV		0	/* a load or a store: @is_write */
#define EMU_OP_ALU		1	/* read, compute (@alu), maybe write back */
#define EMU_OP_MOVS		2	/* [seg:rSI] -> [ES:rDI], one element */
#define EMU_OP_STOS		3	/* rAX -> [ES:rDI] */
#define EMU_OP_LODS		4	/* [seg:rSI] -> rAX */
#define EMU_OP_CMPS		5	/* [seg:rSI] - [ES:rDI], flags only */
#define EMU_OP_SCAS		6	/* rAX - [ES:rDI], flags only */

/*
 * EMU_OP_ALU operations. 0-7 are group 1's ModRM.reg values and the
 * opcode bits 5:3 of 00-3B, in the same order.
 */
#define EMU_ALU_ADD		0
#define EMU_ALU_OR		1
#define EMU_ALU_ADC		2
#define EMU_ALU_SBB		3
#define EMU_ALU_AND		4
#define EMU_ALU_SUB		5
#define EMU_ALU_XOR		6
#define EMU_ALU_CMP		7
#define EMU_ALU_TEST		8
#define EMU_ALU_NOT		9
#define EMU_ALU_NEG		10
#define EMU_ALU_INC		11
#define EMU_ALU_DEC		12
#define EMU_ALU_BT		13
#define EMU_ALU_BTS		14
#define EMU_ALU_BTR		15
#define EMU_ALU_BTC		16
/*
 * The exchanges: the register operand is written too (XCHG, XADD), or
 * rAX (EDX:EAX) when the comparison fails (CMPXCHG, CMPXCHG8B). Memory
 * is always written back, as the CPU's locked cycle does: a CMPXCHG that
 * fails writes the value it read (SDM Vol. 2, CMPXCHG: "the destination
 * operand receives a write cycle without regard to the result").
 */
#define EMU_ALU_XCHG		17
#define EMU_ALU_XADD		18
#define EMU_ALU_CMPXCHG		19
#define EMU_ALU_CMPXCHG8B	20

/* Segment registers in encoding order (SDM Vol. 2, 3.1.1.3, "Sreg"). */
#define EMU_SEG_ES		0
#define EMU_SEG_CS		1
#define EMU_SEG_SS		2
#define EMU_SEG_DS		3
#define EMU_SEG_FS		4
#define EMU_SEG_GS		5

/* RFLAGS bits the arithmetic sets (SDM Vol. 1, 3.4.3.1). */
#define EMU_FLAG_CF		BIT(0)
#define EMU_FLAG_PF		BIT(2)
#define EMU_FLAG_AF		BIT(4)
#define EMU_FLAG_ZF		BIT(6)
#define EMU_FLAG_SF		BIT(7)
#define EMU_FLAG_DF		BIT(10)
#define EMU_FLAG_OF		BIT(11)
#define EMU_FLAGS_ARITH		(EMU_FLAG_CF | EMU_FLAG_PF | EMU_FLAG_AF | \
				 EMU_FLAG_ZF | EMU_FLAG_SF | EMU_FLAG_OF)

/**
 * struct emu_insn - one decoded MMIO instruction
 * @imm:	stores of an immediate: the value, already sized to @size and,
 *		for 8-byte stores, sign-extended from the 32-bit immediate
 * @len:	bytes the instruction occupies: RIP advances by this much
 * @size:	bytes accessed in memory: 1, 2, 4 or 8
 * @is_write:	EMU_OP_MOV: true for a store to memory, false for a load;
 *		false for every other @op (a caller that knows only MOV
 *		sees neither a load nor a store it could carry out alone)
 * @has_imm:	a store of @imm rather than of register @reg
 * @reg:	the register operand, 0 = rax .. 15 = r15; for byte registers
 *		with @high_byte, the register whose bits 15:8 are meant
 * @high_byte:	@reg is AH, CH, DH or BH (byte operand 4-7 without REX)
 * @dst_size:	loads: bytes of @reg the load writes (1, 2, 4, 8); a 4-byte
 *		write zero-extends to 64 bits as the CPU does. 0 for stores.
 * @ext:	loads: EMU_EXT_*, how the @size bytes widen to @dst_size
 * @op:		EMU_OP_*
 * @alu:	EMU_OP_ALU: EMU_ALU_*; the other operand is @imm with
 *		@has_imm, else register @reg (@high_byte); NOT, NEG, INC
 *		and DEC have none
 * @mem_dst:	EMU_OP_ALU: the result goes to memory (when the operation
 *		writes one: not CMP, TEST, BT); else it goes to register
 *		@reg, memory being the source operand
 * @rep:	string forms: an F3 or F2 prefix, RCX counts the elements
 * @repne:	CMPS and SCAS: the last of those prefixes was F2 (REPNE: stop
 *		when equal); else F3 (REPE: stop when not equal)
 * @addr_size:	string forms: bytes of rSI/rDI/rCX used (2, 4 or 8)
 * @seg:	MOVS, LODS and CMPS: the source's segment, EMU_SEG_* (DS unless
 *		overridden); the destination is always ES
 */
struct emu_insn {
	u64 imm;
	u8 len;
	u8 size;
	bool is_write;
	bool has_imm;
	u8 reg;
	bool high_byte;
	u8 dst_size;
	u8 ext;
	u8 op;
	u8 alu;
	bool mem_dst;
	bool rep;
	bool repne;
	u8 addr_size;
	u8 seg;
};

/**
 * struct emu_alu_out - what an EMU_OP_ALU instruction does, from emu_alu()
 * @mem:	the value to write back to memory, if @write_mem
 * @rflags:	RFLAGS after the instruction
 * @write_mem:	memory is written (@mem)
 */
struct emu_alu_out {
	u64 mem;
	u64 rflags;
	bool write_mem;
};

int emu_decode(const u8 *bytes, unsigned int avail, unsigned int mode,
	       struct emu_insn *out);
u64 emu_store_value(const struct emu_insn *insn, const u64 *gprs);
void emu_complete_load(const struct emu_insn *insn, u64 data, u64 *gprs);
void emu_write_reg(u64 *r, unsigned int size, bool high_byte, u64 val);
bool emu_alu_writes(const struct emu_insn *insn);

u64 emu_alu_compute(unsigned int alu, unsigned int size, u64 dst, u64 src,
		    u64 rflags, u64 *res);
void emu_alu(const struct emu_insn *insn, u64 data, u64 *gprs, u64 rflags,
	     struct emu_alu_out *out);
u64 emu_string_step(const struct emu_insn *insn, u64 rflags);
bool emu_string_advance(const struct emu_insn *insn, u64 rflags, u64 *gprs,
			bool src, bool dst);
u64 emu_string_compare(const struct emu_insn *insn, u64 src, u64 dst,
		       u64 rflags);

#endif /* _THINVMX_VMX_EMULATE_H */
