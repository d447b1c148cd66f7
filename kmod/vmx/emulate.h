/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding the guest instruction that touched emulated MMIO: the MOV forms
 * guests use on device registers, nothing else. Pure logic (emulate.c),
 * shared with the host unit tests.
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

/**
 * struct emu_insn - one decoded MMIO instruction
 * @imm:	stores of an immediate: the value, already sized to @size and,
 *		for 8-byte stores, sign-extended from the 32-bit immediate
 * @len:	bytes the instruction occupies: RIP advances by this much
 * @size:	bytes accessed in memory: 1, 2, 4 or 8
 * @is_write:	true for a store to memory, false for a load
 * @has_imm:	a store of @imm rather than of register @reg
 * @reg:	the register operand, 0 = rax .. 15 = r15; for byte registers
 *		with @high_byte, the register whose bits 15:8 are meant
 * @high_byte:	@reg is AH, CH, DH or BH (byte operand 4-7 without REX)
 * @dst_size:	loads: bytes of @reg the load writes (1, 2, 4, 8); a 4-byte
 *		write zero-extends to 64 bits as the CPU does. 0 for stores.
 * @ext:	loads: EMU_EXT_*, how the @size bytes widen to @dst_size
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
};

int emu_decode(const u8 *bytes, unsigned int avail, unsigned int mode,
	       struct emu_insn *out);
u64 emu_store_value(const struct emu_insn *insn, const u64 *gprs);
void emu_complete_load(const struct emu_insn *insn, u64 data, u64 *gprs);

#endif /* _THINVMX_VMX_EMULATE_H */
