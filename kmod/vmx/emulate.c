// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding the guest instruction behind an EPT violation on emulated MMIO:
 * pure logic, compiled into the module and into the host unit tests
 * (selftests/unit/test_emulate.c).
 *
 * The forms compilers emit for device registers are accepted, so that
 * everything else fails loudly instead of being half emulated:
 *
 *	88 /r, 89 /r		MOV r/m, r		store
 *	8A /r, 8B /r		MOV r, r/m		load
 *	C6 /0 ib, C7 /0 iz	MOV r/m, imm		store of an immediate
 *	A0-A3			MOV AL/eAX <-> moffs	load or store
 *	0F B6, 0F B7		MOVZX r, r/m8/16	load, zero-extended
 *	0F BE, 0F BF		MOVSX r, r/m8/16	load, sign-extended
 *	63 /r (64-bit mode)	MOVSXD r, r/m32		load, sign-extended
 *	00-3B (op & 7) < 4	ADD..CMP r/m,r / r,r/m	read-modify-write
 *	80 /n ib, 81 /n iz,	group 1 r/m, imm	read-modify-write
 *	83 /n ib
 *	84, 85, F6 /0, F7 /0	TEST			read, flags
 *	F6/F7 /2 /3		NOT, NEG		read-modify-write
 *	FE/FF /0 /1		INC, DEC		read-modify-write
 *	0F A3/AB/B3/BB,		BT, BTS, BTR, BTC	read(-modify-write)
 *	0F BA /4-/7 ib
 *	A4/A5, AA/AB, AC/AD	MOVS, STOS, LODS	one element, REP
 *	A6/A7, AE/AF		CMPS, SCAS		one element, REPE/REPNE
 *	86 /r, 87 /r		XCHG r/m, r		read-modify-write
 *	0F C0 /r, 0F C1 /r	XADD r/m, r		read-modify-write
 *	0F B0 /r, 0F B1 /r	CMPXCHG r/m, r		read-modify-write
 *	0F C7 /1		CMPXCHG8B m64		read-modify-write
 *
 * CMPXCHG16B (REX.W 0F C7 /1) is refused: its 16 bytes do not fit one
 * MMIO exit's data.
 *
 * LOCK is accepted on the forms that write memory back (a device sees one
 * read and one write either way; the other vCPUs see the emulation no
 * earlier than the CPU's locked cycle would have). The ModRM, SIB and
 * displacement bytes are decoded only for their length: the CPU reports
 * the guest-physical address of the access in the exit qualification, so
 * the effective address is never computed. Encodings from the SDM Vol. 2,
 * chapter 2 and each instruction's page.
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
 * A segment override: EMU_SEG_* of prefix @b, or -1 when it is none. The
 * CPU reports the address of the access itself; the segment matters only
 * for the source of a string move, which the emulation reads.
 */
static int emu_seg_prefix(u8 b)
{
	switch (b) {
	case 0x26:
		return EMU_SEG_ES;
	case 0x2e:
		return EMU_SEG_CS;
	case 0x36:
		return EMU_SEG_SS;
	case 0x3e:
		return EMU_SEG_DS;
	case 0x64:
		return EMU_SEG_FS;
	case 0x65:
		return EMU_SEG_GS;
	default:
		return -1;
	}
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

/* The register operand of ModRM.reg, sized @size. */
static void emu_set_reg(struct emu_insn *out, u8 modrm, u8 rex)
{
	u8 reg = MODRM_REG(modrm) | ((rex & REX_R) ? 8 : 0);

	if (out->size == 1)
		emu_set_byte_reg(out, reg, rex);
	else
		out->reg = reg;
}

/* An immediate of @n bytes, sign-extended to @size (imm8 or imm32 forms). */
static int emu_take_simm(struct emu_cursor *c, unsigned int n,
			 unsigned int size, struct emu_insn *out)
{
	u64 imm;
	int ret;

	ret = emu_take(c, n, &imm);
	if (ret)
		return ret;
	if (n == 1)
		imm = (u64)(s64)(s8)imm;
	else if (n == 2)
		imm = (u64)(s64)(s16)imm;
	else
		imm = (u64)(s64)(s32)imm;
	out->imm = size >= 8 ? imm : imm & (BIT_ULL(8 * size) - 1);
	out->has_imm = true;
	return 0;
}

/* The 0F-escaped opcodes: MOVZX/MOVSX, the bit tests, the exchanges. */
static int emu_decode_0f(struct emu_cursor *c, unsigned int op_size,
			 unsigned int addr_size, u8 rex, struct emu_insn *out)
{
	u8 op, modrm;
	int ret;

	ret = emu_take8(c, &op);
	if (ret)
		return ret;
	switch (op) {
	case 0xb6:	/* MOVZX r, r/m8 */
	case 0xb7:	/* MOVZX r, r/m16 */
	case 0xbe:	/* MOVSX r, r/m8 */
	case 0xbf:	/* MOVSX r, r/m16 */
		ret = emu_take_modrm(c, addr_size, &modrm);
		if (ret)
			return ret;
		out->size = (op & 1) ? 2 : 1;
		out->ext = (op & 8) ? EMU_EXT_SIGN : EMU_EXT_ZERO;
		out->reg = MODRM_REG(modrm) | ((rex & REX_R) ? 8 : 0);
		out->dst_size = op_size;
		return 0;
	case 0xa3:	/* BT r/m, r */
	case 0xab:	/* BTS r/m, r */
	case 0xb3:	/* BTR r/m, r */
	case 0xbb:	/* BTC r/m, r */
		ret = emu_take_modrm(c, addr_size, &modrm);
		if (ret)
			return ret;
		out->op = EMU_OP_ALU;
		out->alu = EMU_ALU_BT + ((op >> 3) & 3);
		out->size = op_size;
		out->mem_dst = true;
		emu_set_reg(out, modrm, rex);
		return 0;
	case 0xba:	/* BT/BTS/BTR/BTC r/m, imm8 (/4../7) */
		ret = emu_take_modrm(c, addr_size, &modrm);
		if (ret)
			return ret;
		if (MODRM_REG(modrm) < 4)
			return -EINVAL;
		out->op = EMU_OP_ALU;
		out->alu = EMU_ALU_BT + MODRM_REG(modrm) - 4;
		out->size = op_size;
		out->mem_dst = true;
		ret = emu_take(c, 1, &out->imm);
		out->has_imm = true;
		return ret;
	case 0xb0:	/* CMPXCHG r/m8, r8 */
	case 0xb1:	/* CMPXCHG r/m, r */
	case 0xc0:	/* XADD r/m8, r8 */
	case 0xc1:	/* XADD r/m, r */
		ret = emu_take_modrm(c, addr_size, &modrm);
		if (ret)
			return ret;
		out->op = EMU_OP_ALU;
		out->alu = op < 0xc0 ? EMU_ALU_CMPXCHG : EMU_ALU_XADD;
		out->size = (op & 1) ? op_size : 1;
		out->mem_dst = true;
		emu_set_reg(out, modrm, rex);
		return 0;
	case 0xc7:	/* group 9: CMPXCHG8B m64 is /1 */
		ret = emu_take_modrm(c, addr_size, &modrm);
		if (ret)
			return ret;
		/* REX.W: CMPXCHG16B, 16 bytes; the rest: no data access */
		if (MODRM_REG(modrm) != 1 || (rex & REX_W))
			return -EINVAL;
		out->op = EMU_OP_ALU;
		out->alu = EMU_ALU_CMPXCHG8B;
		out->size = 8;
		out->mem_dst = true;
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * emu_decode() - decode the instruction that caused an MMIO exit
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
 * * -EINVAL	- not one of the supported forms (including a register
 *		  operand, LOCK where the CPU raises #UD, REP on anything but
 *		  a string form, an unknown @mode), or longer than
 *		  EMU_MAX_LEN bytes
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
	bool opsize_prefix = false, addrsize_prefix = false, lock = false;
	bool rep = false, repne = false, is_rex;
	unsigned int op_size, addr_size;
	u8 b, op, modrm, rex = 0;
	int ret, seg = EMU_SEG_DS;

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
		else if (b == 0xf0)
			lock = true;
		else if (b == 0xf2 || b == 0xf3)
			rep = true;
		else if (emu_seg_prefix(b) >= 0)
			seg = emu_seg_prefix(b);
		else if (!is_rex)
			break;
		/* of F2 and F3, the last one counts */
		if (b == 0xf2 || b == 0xf3)
			repne = b == 0xf2;
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
	case 0x86:	/* XCHG r/m8, r8 (locked, with or without LOCK) */
	case 0x87:	/* XCHG r/m, r */
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		out->op = EMU_OP_ALU;
		out->alu = EMU_ALU_XCHG;
		out->size = (op & 1) ? op_size : 1;
		out->mem_dst = true;
		emu_set_reg(out, modrm, rex);
		break;

	case 0x88:	/* MOV r/m8, r8 */
	case 0x89:	/* MOV r/m, r */
	case 0x8a:	/* MOV r8, r/m8 */
	case 0x8b:	/* MOV r, r/m */
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		out->is_write = !(op & 2);
		out->size = (op & 1) ? op_size : 1;
		emu_set_reg(out, modrm, rex);
		break;

	case 0xc6:	/* MOV r/m8, imm8 */
	case 0xc7:	/* MOV r/m, imm16/32 (imm32 sign-extended with REX.W) */
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		if (MODRM_REG(modrm) != 0)
			return -EINVAL;
		out->is_write = true;
		out->size = (op & 1) ? op_size : 1;
		ret = emu_take_simm(&c, out->size == 8 ? 4 : out->size,
				    out->size, out);
		if (ret)
			return ret;
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

	case 0x63:	/* MOVSXD r, r/m32 (64-bit mode; ARPL elsewhere) */
		if (mode != EMU_MODE_64)
			return -EINVAL;
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		/* without REX.W it is a plain 16- or 32-bit load */
		out->size = op_size == 8 ? 4 : op_size;
		out->ext = op_size == 8 ? EMU_EXT_SIGN : EMU_EXT_NONE;
		out->reg = MODRM_REG(modrm) | ((rex & REX_R) ? 8 : 0);
		out->dst_size = op_size;
		break;

	case 0x00 ... 0x0e:	/* ADD..CMP, the four r/m forms of each */
	case 0x10 ... 0x3b:
		if ((op & 7) > 3)
			return -EINVAL;	/* imm to AL/eAX, push/pop, DAA... */
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		out->op = EMU_OP_ALU;
		out->alu = op >> 3;
		out->size = (op & 1) ? op_size : 1;
		out->mem_dst = !(op & 2);
		emu_set_reg(out, modrm, rex);
		break;

	case 0x80:	/* group 1 r/m8, imm8 */
	case 0x81:	/* group 1 r/m, imm16/32 */
	case 0x83:	/* group 1 r/m, imm8 sign-extended */
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		out->op = EMU_OP_ALU;
		out->alu = MODRM_REG(modrm);
		out->size = op == 0x80 ? 1 : op_size;
		out->mem_dst = true;
		ret = emu_take_simm(&c, op == 0x81 ? (op_size == 8 ? 4 : op_size) : 1,
				    out->size, out);
		if (ret)
			return ret;
		break;

	case 0x84:	/* TEST r/m8, r8 */
	case 0x85:	/* TEST r/m, r */
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		out->op = EMU_OP_ALU;
		out->alu = EMU_ALU_TEST;
		out->size = (op & 1) ? op_size : 1;
		out->mem_dst = true;
		emu_set_reg(out, modrm, rex);
		break;

	case 0xf6:	/* group 3 r/m8 */
	case 0xf7:	/* group 3 r/m */
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		out->op = EMU_OP_ALU;
		out->size = (op & 1) ? op_size : 1;
		out->mem_dst = true;
		switch (MODRM_REG(modrm)) {
		case 0:		/* TEST r/m, imm */
			out->alu = EMU_ALU_TEST;
			ret = emu_take_simm(&c, out->size == 8 ? 4 : out->size, out->size,
					    out);
			if (ret)
				return ret;
			break;
		case 2:
			out->alu = EMU_ALU_NOT;
			break;
		case 3:
			out->alu = EMU_ALU_NEG;
			break;
		default:	/* /1 (an alias of TEST), MUL, IMUL, DIV, IDIV */
			return -EINVAL;
		}
		break;

	case 0xfe:	/* INC/DEC r/m8 */
	case 0xff:	/* INC/DEC r/m; the rest of group 5 are no data access */
		ret = emu_take_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		if (MODRM_REG(modrm) > 1)
			return -EINVAL;
		out->op = EMU_OP_ALU;
		out->alu = MODRM_REG(modrm) ? EMU_ALU_DEC : EMU_ALU_INC;
		out->size = (op & 1) ? op_size : 1;
		out->mem_dst = true;
		break;

	case 0xa4:	/* MOVSB */
	case 0xa5:	/* MOVSW/D/Q */
	case 0xa6:	/* CMPSB */
	case 0xa7:	/* CMPSW/D/Q */
	case 0xaa:	/* STOSB */
	case 0xab:	/* STOSW/D/Q */
	case 0xac:	/* LODSB */
	case 0xad:	/* LODSW/D/Q */
	case 0xae:	/* SCASB */
	case 0xaf:	/* SCASW/D/Q */
		switch (op & ~1) {
		case 0xa4:
			out->op = EMU_OP_MOVS;
			break;
		case 0xa6:
			out->op = EMU_OP_CMPS;
			break;
		case 0xaa:
			out->op = EMU_OP_STOS;
			break;
		case 0xac:
			out->op = EMU_OP_LODS;
			break;
		default:
			out->op = EMU_OP_SCAS;
			break;
		}
		out->size = (op & 1) ? op_size : 1;
		out->rep = rep;
		/* F2 before MOVS, STOS, LODS is a plain REP, as the CPU takes it */
		out->repne = rep && repne && (out->op == EMU_OP_CMPS ||
					      out->op == EMU_OP_SCAS);
		out->addr_size = addr_size;
		out->seg = seg;
		out->reg = 0;
		break;

	case 0x0f:
		ret = emu_decode_0f(&c, op_size, addr_size, rex, out);
		if (ret)
			return ret;
		break;

	default:
		return -EINVAL;
	}

	/* LOCK only where memory is written back (#UD elsewhere) */
	if (lock && !(out->op == EMU_OP_ALU && emu_alu_writes(out)))
		return -EINVAL;
	/* REP on a string form only; on the rest, XACQUIRE/XRELEASE... */
	if (rep && (out->op == EMU_OP_MOV || out->op == EMU_OP_ALU))
		return -EINVAL;
	if (out->op == EMU_OP_MOV && !out->is_write && !out->dst_size)
		out->dst_size = out->size;
	if (out->op == EMU_OP_LODS)
		out->dst_size = out->size;
	out->len = c.pos;
	return 0;
}

/**
 * emu_alu_writes() - whether a decoded EMU_OP_ALU instruction writes memory
 * @insn: the instruction
 *
 * Return: true for the forms with a memory destination that store their
 * result (not CMP, TEST or BT, which only read it). XCHG, XADD and
 * CMPXCHG always write, CMPXCHG the old value when it fails.
 */
bool emu_alu_writes(const struct emu_insn *insn)
{
	return insn->op == EMU_OP_ALU && insn->mem_dst &&
	       insn->alu != EMU_ALU_CMP && insn->alu != EMU_ALU_TEST &&
	       insn->alu != EMU_ALU_BT;
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

	emu_write_reg(r, insn->dst_size, insn->high_byte, val);
}

/**
 * emu_string_step() - how far one element moves rSI/rDI
 * @insn:	a string form decoded by emu_decode()
 * @rflags:	the guest's RFLAGS: DF set counts down
 *
 * Return: +size, or -size (as u64) with RFLAGS.DF.
 */
u64 emu_string_step(const struct emu_insn *insn, u64 rflags)
{
	return rflags & EMU_FLAG_DF ? -(u64)insn->size : insn->size;
}

/* Add @by to a register in the instruction's address size. */
static void emu_addr_add(u64 *r, unsigned int addr_size, u64 by)
{
	if (addr_size == 2)
		*r = (*r & ~0xffffULL) | ((*r + by) & 0xffff);
	else if (addr_size == 4)
		*r = (u32)(*r + by);	/* ESI/EDI/ECX: the top is cleared */
	else
		*r += by;
}

/**
 * emu_string_advance() - the register updates of one element done
 * @insn:	a string form decoded by emu_decode()
 * @rflags:	the guest's RFLAGS (DF)
 * @gprs:	the guest's EMU_NR_GPRS registers, updated
 * @src:	the form reads [rSI]: rSI moves (MOVS, LODS)
 * @dst:	the form writes [rDI]: rDI moves (MOVS, STOS)
 *
 * With REP, rCX counts down; RIP stays on the instruction while it is not
 * zero, so that the CPU runs the next element (and takes interrupts in
 * between, as it does). CMPS and SCAS also stop on ZF: REPE when the
 * element differed (ZF clear), REPNE when it matched; @rflags is then
 * RFLAGS after the element's comparison (emu_string_compare()).
 *
 * Return: true when the instruction is done (RIP moves past it).
 */
bool emu_string_advance(const struct emu_insn *insn, u64 rflags, u64 *gprs,
			bool src, bool dst)
{
	u64 step = emu_string_step(insn, rflags);
	u64 amask = insn->addr_size >= 8 ? ~0ULL :
		    BIT_ULL(8 * insn->addr_size) - 1;

	if (src)
		emu_addr_add(&gprs[6], insn->addr_size, step);
	if (dst)
		emu_addr_add(&gprs[7], insn->addr_size, step);
	if (!insn->rep)
		return true;
	emu_addr_add(&gprs[1], insn->addr_size, -1ULL);
	if (!(gprs[1] & amask))
		return true;
	if (insn->op != EMU_OP_CMPS && insn->op != EMU_OP_SCAS)
		return false;
	return insn->repne == !!(rflags & EMU_FLAG_ZF);
}

/**
 * emu_string_compare() - the flags of one CMPS or SCAS element
 * @insn:	a CMPS or SCAS decoded by emu_decode()
 * @src:	CMPS: the element at [seg:rSI]; SCAS: rAX
 * @dst:	the element at [ES:rDI]
 * @rflags:	RFLAGS before
 *
 * Both compare as CMP does, @src - @dst (SDM Vol. 2, CMPS: "SRC1 - SRC2",
 * with SRC1 the rSI operand; SCAS: the accumulator minus memory).
 *
 * Return: RFLAGS after.
 */
u64 emu_string_compare(const struct emu_insn *insn, u64 src, u64 dst,
		       u64 rflags)
{
	u64 res;

	return emu_alu_compute(EMU_ALU_CMP, insn->size, src, dst, rflags, &res);
}
