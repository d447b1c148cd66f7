// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding the guest instruction behind an EPT violation on emulated MMIO:
 * pure logic, compiled into the module and into the host unit tests
 * (selftests/unit/test_emulate.c).
 *
 * Only the MOV forms that guests use on device registers are accepted, so
 * that everything else fails loudly instead of being half emulated:
 *
 *	88 /r, 89 /r		MOV r/m, r		store
 *	8A /r, 8B /r		MOV r, r/m		load
 *	C6 /0 ib, C7 /0 iz	MOV r/m, imm		store of an immediate
 *	A0-A3			MOV AL/eAX <-> moffs	load or store
 *	0F B6, 0F B7		MOVZX r, r/m8/16	load, zero-extended
 *	0F BE, 0F BF		MOVSX r, r/m8/16	load, sign-extended
 *
 * The ModRM, SIB and displacement bytes are decoded only for their length:
 * the CPU reports the guest-physical address of the access in the exit
 * qualification, so the effective address is never computed. Encodings
 * from the SDM Vol. 2, chapter 2 and the MOV/MOVZX/MOVSX pages.
 */
#include "emulate.h"

#define REX_W			BIT(3)
#define REX_R			BIT(2)

#define MODRM_MOD(m)		((m) >> 6)
#define MODRM_REG(m)		(((m) >> 3) & 7)
#define MODRM_RM(m)		((m) & 7)
#define SIB_BASE(s)		((s) & 7)

/* The bytes being decoded, never read beyond @avail or EMU_MAX_LEN. */
struct emu_cursor {
	const u8 *bytes;
	unsigned int avail;
	unsigned int pos;
};

/*
 * Consume @n bytes, returned little-endian in @val when it is not NULL.
 * Running past 15 bytes makes the instruction invalid whatever the caller
 * fetched (the CPU raises #GP); running past @avail only means the caller
 * has to fetch more.
 */
static int emu_take(struct emu_cursor *c, unsigned int n, u64 *val)
{
	unsigned int i;
	u64 v = 0;

	if (c->pos + n > EMU_MAX_LEN)
		return -EINVAL;
	if (c->pos + n > c->avail)
		return -ENODATA;
	for (i = 0; i < n; i++)
		v |= (u64)c->bytes[c->pos + i] << (8 * i);
	c->pos += n;
	if (val)
		*val = v;
	return 0;
}

static int emu_take8(struct emu_cursor *c, u8 *val)
{
	u64 v;
	int ret;

	ret = emu_take(c, 1, &v);
	if (!ret)
		*val = v;
	return ret;
}

/*
 * The ModRM byte and whatever SIB and displacement bytes it calls for (SDM
 * Vol. 2, tables 2-1 to 2-3). A register operand (mod 3) is refused: these
 * instructions reach the emulator only when they touched memory. REX.B and
 * REX.X do not change the special cases (rm 4 = SIB, rm 5 / base 5 = disp32
 * with mod 0), so the 3-bit fields decide alone. In 64-bit mode mod 0 rm 5
 * is RIP-relative, with the same disp32 as in 32-bit mode.
 */
static int emu_take_modrm(struct emu_cursor *c, unsigned int addr_size,
			  u8 *modrm)
{
	unsigned int disp = 0;
	u8 m, sib;
	int ret;

	ret = emu_take8(c, &m);
	if (ret)
		return ret;
	if (MODRM_MOD(m) == 3)
		return -EINVAL;
	*modrm = m;

	if (addr_size == 2) {
		if (MODRM_MOD(m) == 1)
			disp = 1;
		else if (MODRM_MOD(m) == 2 || MODRM_RM(m) == 6)
			disp = 2;
		return emu_take(c, disp, NULL);
	}

	if (MODRM_RM(m) == 4) {
		ret = emu_take8(c, &sib);
		if (ret)
			return ret;
		if (MODRM_MOD(m) == 0 && SIB_BASE(sib) == 5)
			disp = 4;
	}
	if (MODRM_MOD(m) == 1)
		disp = 1;
	else if (MODRM_MOD(m) == 2 || (MODRM_MOD(m) == 0 && MODRM_RM(m) == 5))
		disp = 4;
	return emu_take(c, disp, NULL);
}

/*
 * Segment overrides are accepted and ignored: the CPU reports the address.
 * 66 and 67 are handled by the caller; LOCK (#UD on MOV) and REP/REPNE
 * (XACQUIRE/XRELEASE hints on these opcodes, never used on MMIO) are not
 * prefixes here, so they end up as unknown opcodes.
 */
static bool emu_is_seg_prefix(u8 b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e ||
	       b == 0x64 || b == 0x65;
}

/* Register operand of a byte instruction (SDM Vol. 2, 3.1.1.1). */
static void emu_set_byte_reg(struct emu_insn *out, u8 reg, u8 rex)
{
	if (!rex && reg >= 4 && reg <= 7) {
		out->reg = reg - 4;
		out->high_byte = true;
	} else {
		out->reg = reg;
	}
}

/**
 * emu_decode() - decode the MOV that caused an MMIO exit
 * @bytes:	the instruction bytes at guest RIP
 * @avail:	how many of @bytes are readable; only these are read, and no
 *		more than EMU_MAX_LEN of them
 * @mode:	EMU_MODE_16 (real mode, virtual-8086 mode, 16-bit code
 *		segment), EMU_MODE_32 or EMU_MODE_64: sets the default operand
 *		and address sizes, and whether 40-4F are REX prefixes
 * @out:	the decoded instruction; zeroed first, valid only on success
 *
 * A REX prefix counts only immediately before the opcode (or the 0F
 * escape): followed by another prefix it is ignored (SDM Vol. 2, 2.2.1).
 * REX.W takes precedence over 66.
 *
 * Return:
 * * 0		- @out describes the instruction
 * * -EINVAL	- not one of the supported MOVs (including a register
 *		  operand, LOCK, REP prefixes, an unknown @mode), or longer
 *		  than EMU_MAX_LEN bytes
 * * -ENODATA	- @avail bytes end before the instruction does: fetch more
 *		  (up to EMU_MAX_LEN) and decode again
 */
int emu_decode(const u8 *bytes, unsigned int avail, unsigned int mode,
	       struct emu_insn *out)
{
	struct emu_cursor c = {
		.bytes = bytes,
		.avail = avail < EMU_MAX_LEN ? avail : EMU_MAX_LEN,
	};
	bool opsize_prefix = false, addrsize_prefix = false, is_rex;
	unsigned int op_size, addr_size;
	u8 b, op, modrm, rex = 0;
	u64 imm;
	int ret;

	memset(out, 0, sizeof(*out));
	if (mode != EMU_MODE_16 && mode != EMU_MODE_32 && mode != EMU_MODE_64)
		return -EINVAL;

	for (;;) {
		ret = emu_take8(&c, &b);
		if (ret)
			return ret;
		is_rex = mode == EMU_MODE_64 && (b & 0xf0) == 0x40;
		if (b == 0x66)
			opsize_prefix = true;
		else if (b == 0x67)
			addrsize_prefix = true;
		else if (!is_rex && !emu_is_seg_prefix(b))
			break;
		/* a REX counts only if the opcode comes next */
		rex = is_rex ? b : 0;
	}
	op = b;

	if (rex & REX_W)
		op_size = 8;
	else if (mode == EMU_MODE_16)
		op_size = opsize_prefix ? 4 : 2;
	else
		op_size = opsize_prefix ? 2 : 4;

	if (mode == EMU_MODE_64)
		addr_size = addrsize_prefix ? 4 : 8;
	else if (mode == EMU_MODE_32)
		addr_size = addrsize_prefix ? 2 : 4;
	else
		addr_size = addrsize_prefix ? 4 : 2;

	switch (op) {
	case 0x88:	/* MOV r/m8, r8 */
	case 0x89:	/* MOV r/m, r */
	case 0x8a:	/* MOV r8, r/m8 */
	case 0x8b:	/* MOV r, r/m */
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		out->is_write = !(op & 2);
		out->size = (op & 1) ? op_size : 1;
		b = MODRM_REG(modrm) | ((rex & REX_R) ? 8 : 0);
		if (out->size == 1)
			emu_set_byte_reg(out, b, rex);
		else
			out->reg = b;
		break;

	case 0xc6:	/* MOV r/m8, imm8 */
	case 0xc7:	/* MOV r/m, imm16/32 (imm32 sign-extended with REX.W) */
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		if (MODRM_REG(modrm) != 0)
			return -EINVAL;
		out->is_write = true;
		out->has_imm = true;
		out->size = (op & 1) ? op_size : 1;
		ret = emu_take(&c, out->size == 8 ? 4 : out->size, &imm);
		if (ret)
			return ret;
		out->imm = out->size == 8 ? (u64)(s64)(s32)imm : imm;
		break;

	case 0xa0:	/* MOV AL, moffs8 */
	case 0xa1:	/* MOV eAX, moffs */
	case 0xa2:	/* MOV moffs8, AL */
	case 0xa3:	/* MOV moffs, eAX */
		/* the offset is address-sized: 8 bytes in 64-bit mode */
		ret = emu_take(&c, addr_size, NULL);
		if (ret)
			return ret;
		out->is_write = op & 2;
		out->size = (op & 1) ? op_size : 1;
		out->reg = 0;
		break;

	case 0x0f:
		ret = emu_take8(&c, &op);
		if (ret)
			return ret;
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			return -EINVAL;
		/* MOVZX/MOVSX r, r/m8 (B6, BE) or r/m16 (B7, BF) */
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		out->size = (op & 1) ? 2 : 1;
		out->ext = (op & 8) ? EMU_EXT_SIGN : EMU_EXT_ZERO;
		out->reg = MODRM_REG(modrm) | ((rex & REX_R) ? 8 : 0);
		out->dst_size = op_size;
		break;

	default:
		return -EINVAL;	/* includes F0 (LOCK) and F2/F3 (REP) */
	}

	if (!out->is_write && !out->dst_size)
		out->dst_size = out->size;
	out->len = c.pos;
	return 0;
}

static u64 emu_size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : BIT_ULL(8 * size) - 1;
}

/**
 * emu_store_value() - the value a decoded store writes to memory
 * @insn:	a store decoded by emu_decode()
 * @gprs:	the guest's EMU_NR_GPRS general-purpose registers, rax first
 *
 * Return: the immediate, or the register operand (bits 15:8 for AH-BH),
 * truncated to @insn->size bytes.
 */
u64 emu_store_value(const struct emu_insn *insn, const u64 *gprs)
{
	u64 val;

	if (insn->has_imm)
		val = insn->imm;
	else if (insn->high_byte)
		val = gprs[insn->reg] >> 8;
	else
		val = gprs[insn->reg];
	return val & emu_size_mask(insn->size);
}

static u64 emu_sign_extend(u64 val, unsigned int size)
{
	switch (size) {
	case 1:
		return (u64)(s64)(s8)val;
	case 2:
		return (u64)(s64)(s16)val;
	case 4:
		return (u64)(s64)(s32)val;
	default:
		return val;
	}
}

/**
 * emu_complete_load() - write a decoded load's data into its register
 * @insn:	a load decoded by emu_decode(); a store is ignored
 * @data:	what the device returned; bits beyond @insn->size are ignored
 * @gprs:	the guest's EMU_NR_GPRS general-purpose registers, rax first
 *
 * As the CPU does: a 4-byte destination is zero-extended to 64 bits, a 1-
 * or 2-byte one leaves the register's other bits alone (AH-BH write bits
 * 15:8), and MOVZX/MOVSX widen the data to the destination first.
 */
void emu_complete_load(const struct emu_insn *insn, u64 data, u64 *gprs)
{
	u64 *r = &gprs[insn->reg];
	u64 val = data & emu_size_mask(insn->size);

	if (insn->is_write)
		return;
	if (insn->ext == EMU_EXT_SIGN)
		val = emu_sign_extend(val, insn->size);

	switch (insn->dst_size) {
	case 1:
		if (insn->high_byte)
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
