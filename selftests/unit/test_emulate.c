// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the MMIO instruction decoder (kmod/vmx/emulate.c), compiled
 * from the module's own source file. Encodings are written from the SDM
 * Vol. 2 (MOV, MOVZX, MOVSX; tables 2-1 to 2-3 for ModRM/SIB).
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../kmod/vmx/emulate.c"

struct dec_case {
	const char *name;
	unsigned int mode;
	unsigned int n;
	u8 bytes[EMU_MAX_LEN + 1];
	struct emu_insn want;
};

#define BYTES(...)	.n = sizeof((u8[]){ __VA_ARGS__ }), .bytes = { __VA_ARGS__ }

/* a store of register @r, a load into register @r of the same width */
#define ST(l, s, r)	{ .len = (l), .size = (s), .is_write = true, .reg = (r) }
#define LD(l, s, r)	{ .len = (l), .size = (s), .reg = (r), .dst_size = (s) }
#define STI(l, s, i)	{ .len = (l), .size = (s), .is_write = true, \
			  .has_imm = true, .imm = (i) }
/* MOVZX/MOVSX: @s bytes from memory into @d bytes of register @r */
#define EXT(l, s, r, d, e) { .len = (l), .size = (s), .reg = (r), \
			     .dst_size = (d), .ext = (e) }

static const struct dec_case valid[] = {
	/* MOV r/m, r (89) and operand size */
	{ "mov [eax],ecx", 32, BYTES(0x89, 0x08), ST(2, 4, 1) },
	{ "mov [rax],ecx (64)", 64, BYTES(0x89, 0x08), ST(2, 4, 1) },
	{ "mov [rax],rcx", 64, BYTES(0x48, 0x89, 0x08), ST(3, 8, 1) },
	{ "mov [eax],cx", 32, BYTES(0x66, 0x89, 0x08), ST(3, 2, 1) },
	{ "mov [rax],cx (64)", 64, BYTES(0x66, 0x89, 0x08), ST(3, 2, 1) },
	{ "mov [rax],r9", 64, BYTES(0x4c, 0x89, 0x08), ST(3, 8, 9) },
	{ "mov [r8],rcx (REX.B)", 64, BYTES(0x49, 0x89, 0x08), ST(3, 8, 1) },
	{ "mov [r15],r15d", 64, BYTES(0x45, 0x89, 0x3f), ST(3, 4, 15) },
	/* byte registers: AH without REX, SPL with any REX */
	{ "mov [eax],ah", 32, BYTES(0x88, 0x20),
	  { .len = 2, .size = 1, .is_write = true, .reg = 0, .high_byte = true } },
	{ "mov [rax],bh (64)", 64, BYTES(0x88, 0x38),
	  { .len = 2, .size = 1, .is_write = true, .reg = 3, .high_byte = true } },
	{ "mov [rax],spl", 64, BYTES(0x40, 0x88, 0x20), ST(3, 1, 4) },
	{ "mov [rax],dil", 64, BYTES(0x40, 0x88, 0x38), ST(3, 1, 7) },
	{ "mov [rax],r12b", 64, BYTES(0x44, 0x88, 0x20), ST(3, 1, 12) },
	{ "mov [eax],bl", 32, BYTES(0x88, 0x18), ST(2, 1, 3) },
	/* MOV r, r/m (8A, 8B) */
	{ "mov r8d,[rcx+0x10]", 64, BYTES(0x44, 0x8b, 0x41, 0x10), LD(4, 4, 8) },
	{ "mov rax,[rax]", 64, BYTES(0x48, 0x8b, 0x00), LD(3, 8, 0) },
	{ "mov ah,[eax]", 32, BYTES(0x8a, 0x20),
	  { .len = 2, .size = 1, .reg = 0, .high_byte = true, .dst_size = 1 } },
	{ "mov spl,[rax]", 64, BYTES(0x40, 0x8a, 0x20), LD(3, 1, 4) },
	{ "mov al,[eax]", 32, BYTES(0x8a, 0x00), LD(2, 1, 0) },
	/* ModRM, SIB and displacement forms, 32/64-bit addressing */
	{ "mov eax,[rip+d32]", 64, BYTES(0x8b, 0x05, 0x10, 0x20, 0x30, 0x40),
	  LD(6, 4, 0) },
	{ "mov eax,[d32] (32)", 32, BYTES(0x8b, 0x05, 0x00, 0x10, 0x00, 0x00),
	  LD(6, 4, 0) },
	{ "mov eax,[rip+d32] REX.B", 64,
	  BYTES(0x41, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00), LD(7, 4, 0) },
	{ "mov eax,[rsp+0x100]", 64,
	  BYTES(0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00), LD(7, 4, 0) },
	{ "mov eax,[esp+8]", 32, BYTES(0x8b, 0x44, 0x24, 0x08), LD(4, 4, 0) },
	{ "mov eax,[esp]", 32, BYTES(0x8b, 0x04, 0x24), LD(3, 4, 0) },
	{ "mov eax,[r12]", 64, BYTES(0x41, 0x8b, 0x04, 0x24), LD(4, 4, 0) },
	{ "mov eax,[d32+ecx*4] (SIB base 5)", 32,
	  BYTES(0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00), LD(7, 4, 0) },
	{ "mov eax,[ebp+ecx*4+8]", 32, BYTES(0x8b, 0x44, 0x8d, 0x08),
	  LD(4, 4, 0) },
	{ "mov eax,[r13+0]", 64, BYTES(0x41, 0x8b, 0x45, 0x00), LD(4, 4, 0) },
	{ "mov eax,[eax+8]", 32, BYTES(0x8b, 0x40, 0x08), LD(3, 4, 0) },
	{ "mov eax,[eax+d32]", 32, BYTES(0x8b, 0x80, 0x00, 0x10, 0x00, 0x00),
	  LD(6, 4, 0) },
	{ "mov eax,[esi] (32)", 32, BYTES(0x8b, 0x06), LD(2, 4, 0) },
	/* 16-bit mode: 16-bit operands and addressing by default */
	{ "mov ax,[bx]", 16, BYTES(0x8b, 0x07), LD(2, 2, 0) },
	{ "mov ax,[bx+2]", 16, BYTES(0x8b, 0x47, 0x02), LD(3, 2, 0) },
	{ "mov ax,[si] (rm 4, no SIB)", 16, BYTES(0x8b, 0x04), LD(2, 2, 0) },
	{ "mov ax,[d16]", 16, BYTES(0x8b, 0x06, 0x34, 0x12), LD(4, 2, 0) },
	{ "mov ax,[bx+d16]", 16, BYTES(0x8b, 0x87, 0x34, 0x12), LD(4, 2, 0) },
	{ "mov eax,[bx] (66)", 16, BYTES(0x66, 0x8b, 0x07), LD(3, 4, 0) },
	{ "mov ax,[esp] (67)", 16, BYTES(0x67, 0x8b, 0x04, 0x24), LD(4, 2, 0) },
	{ "mov eax,[d16] (67 in 32)", 32, BYTES(0x67, 0x8b, 0x06, 0x34, 0x12),
	  LD(5, 4, 0) },
	{ "mov [bx+si],dl", 16, BYTES(0x88, 0x10), ST(2, 1, 2) },
	/* MOV r/m, imm */
	{ "mov dword [eax],imm32", 32,
	  BYTES(0xc7, 0x00, 0x78, 0x56, 0x34, 0x12), STI(6, 4, 0x12345678) },
	{ "mov qword [rax],-1", 64,
	  BYTES(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff),
	  STI(7, 8, 0xffffffffffffffffULL) },
	{ "mov qword [rax],imm32 neg", 64,
	  BYTES(0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80),
	  STI(7, 8, 0xffffffff80000000ULL) },
	{ "mov qword [rax],imm32 pos", 64,
	  BYTES(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0x7f), STI(7, 8, 0x7fffffff) },
	{ "mov dword [rax],imm32 neg (no sext)", 64,
	  BYTES(0xc7, 0x00, 0x00, 0x00, 0x00, 0x80), STI(6, 4, 0x80000000) },
	{ "mov word [eax],imm16", 32, BYTES(0x66, 0xc7, 0x00, 0x34, 0x12),
	  STI(5, 2, 0x1234) },
	{ "mov word [bx],imm16", 16, BYTES(0xc7, 0x07, 0x34, 0x12),
	  STI(4, 2, 0x1234) },
	{ "mov byte [eax],imm8", 32, BYTES(0xc6, 0x00, 0xab), STI(3, 1, 0xab) },
	{ "mov dword [rip+d32],imm32", 64,
	  BYTES(0xc7, 0x05, 1, 2, 3, 4, 0x78, 0x56, 0x34, 0x12),
	  STI(10, 4, 0x12345678) },
	{ "mov qword [rsp+d32],imm32", 64,
	  BYTES(0x48, 0xc7, 0x84, 0x24, 1, 2, 3, 4, 0xfe, 0xff, 0xff, 0xff),
	  STI(12, 8, 0xfffffffffffffffeULL) },
	/* MOV moffs: the offset is address-sized */
	{ "mov eax,[moffs32]", 32, BYTES(0xa1, 0x00, 0x10, 0x00, 0x00),
	  LD(5, 4, 0) },
	{ "mov eax,[moffs16] (67)", 32, BYTES(0x67, 0xa1, 0x00, 0x10),
	  LD(4, 4, 0) },
	{ "mov ax,[moffs16]", 16, BYTES(0xa1, 0x00, 0x10), LD(3, 2, 0) },
	{ "mov al,[moffs16]", 16, BYTES(0xa0, 0x34, 0x12), LD(3, 1, 0) },
	{ "mov eax,[moffs64]", 64, BYTES(0xa1, 1, 2, 3, 4, 5, 6, 7, 8),
	  LD(9, 4, 0) },
	{ "mov [moffs64],rax", 64, BYTES(0x48, 0xa3, 1, 2, 3, 4, 5, 6, 7, 8),
	  ST(10, 8, 0) },
	{ "mov eax,[moffs32] (67 in 64)", 64, BYTES(0x67, 0xa1, 1, 2, 3, 4),
	  LD(6, 4, 0) },
	{ "mov [moffs32],al", 32, BYTES(0xa2, 0x00, 0x10, 0x00, 0x00),
	  ST(5, 1, 0) },
	{ "mov [moffs64],al with REX", 64,
	  BYTES(0x40, 0xa2, 1, 2, 3, 4, 5, 6, 7, 8), ST(10, 1, 0) },
	/* MOVZX / MOVSX */
	{ "movzx ecx,byte [eax]", 32, BYTES(0x0f, 0xb6, 0x08),
	  EXT(3, 1, 1, 4, EMU_EXT_ZERO) },
	{ "movzx ecx,word [eax]", 32, BYTES(0x0f, 0xb7, 0x08),
	  EXT(3, 2, 1, 4, EMU_EXT_ZERO) },
	{ "movsx ecx,byte [eax]", 32, BYTES(0x0f, 0xbe, 0x08),
	  EXT(3, 1, 1, 4, EMU_EXT_SIGN) },
	{ "movsx ecx,word [eax]", 32, BYTES(0x0f, 0xbf, 0x08),
	  EXT(3, 2, 1, 4, EMU_EXT_SIGN) },
	{ "movzx cx,byte [eax]", 32, BYTES(0x66, 0x0f, 0xb6, 0x08),
	  EXT(4, 1, 1, 2, EMU_EXT_ZERO) },
	{ "movsx rcx,byte [rax]", 64, BYTES(0x48, 0x0f, 0xbe, 0x08),
	  EXT(4, 1, 1, 8, EMU_EXT_SIGN) },
	{ "movzx rcx,word [rax]", 64, BYTES(0x48, 0x0f, 0xb7, 0x08),
	  EXT(4, 2, 1, 8, EMU_EXT_ZERO) },
	{ "movzx r9d,byte [rax]", 64, BYTES(0x44, 0x0f, 0xb6, 0x08),
	  EXT(4, 1, 9, 4, EMU_EXT_ZERO) },
	{ "movzx esp,byte [eax] (no high byte)", 32, BYTES(0x0f, 0xb6, 0x20),
	  EXT(3, 1, 4, 4, EMU_EXT_ZERO) },
	{ "movsx ax,byte [bx]", 16, BYTES(0x0f, 0xbe, 0x07),
	  EXT(3, 1, 0, 2, EMU_EXT_SIGN) },
	{ "movsx eax,word [bx] (66)", 16, BYTES(0x66, 0x0f, 0xbf, 0x07),
	  EXT(4, 2, 0, 4, EMU_EXT_SIGN) },
	/* prefixes: REX counts only right before the opcode; W beats 66 */
	{ "REX.W then 66: REX ignored", 64, BYTES(0x48, 0x66, 0x89, 0x08),
	  ST(4, 2, 1) },
	{ "66 then REX.W: size 8", 64, BYTES(0x66, 0x48, 0x89, 0x08),
	  ST(4, 8, 1) },
	{ "REX.R then 66: REX.R ignored", 64, BYTES(0x44, 0x66, 0x89, 0x08),
	  ST(4, 2, 1) },
	{ "REX then 3e: byte reg is AH again", 64, BYTES(0x40, 0x3e, 0x88, 0x20),
	  { .len = 4, .size = 1, .is_write = true, .reg = 0, .high_byte = true } },
	{ "REX.W then 67: REX ignored", 64, BYTES(0x48, 0x67, 0x8b, 0x00),
	  LD(4, 4, 0) },
	{ "fs: mov eax,[eax]", 32, BYTES(0x64, 0x8b, 0x00), LD(3, 4, 0) },
	{ "gs: mov rax,[rax]", 64, BYTES(0x65, 0x48, 0x8b, 0x00), LD(4, 8, 0) },
	{ "cs ss ds es: mov [eax],ecx", 32,
	  BYTES(0x2e, 0x36, 0x3e, 0x26, 0x89, 0x08), ST(6, 4, 1) },
	{ "es 66 67 gs: mov [eax],ecx", 16,
	  BYTES(0x26, 0x66, 0x67, 0x65, 0x89, 0x08), ST(6, 4, 1) },
	/* exactly 15 bytes: 13 prefixes + 89 08 */
	{ "15 bytes", 32,
	  BYTES(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
		0x3e, 0x3e, 0x3e, 0x89, 0x08), ST(15, 4, 1) },
};

struct bad_case {
	const char *name;
	unsigned int mode;
	unsigned int n;
	u8 bytes[EMU_MAX_LEN + 1];
};

static const struct bad_case invalid[] = {
	{ "lock mov", 32, BYTES(0xf0, 0x89, 0x08) },
	{ "lock mov (64, REX.W)", 64, BYTES(0xf0, 0x48, 0x89, 0x08) },
	{ "66 lock mov", 32, BYTES(0x66, 0xf0, 0x89, 0x08) },
	{ "rep mov", 32, BYTES(0xf3, 0x89, 0x08) },
	{ "repne mov", 32, BYTES(0xf2, 0x89, 0x08) },
	{ "mov eax,ecx (register)", 32, BYTES(0x89, 0xc8) },
	{ "mov ecx,eax (register)", 64, BYTES(0x8b, 0xc8) },
	{ "mov al,imm8 to register", 32, BYTES(0xc6, 0xc0, 0x01) },
	{ "movzx ecx,al (register)", 32, BYTES(0x0f, 0xb6, 0xc8) },
	{ "c7 /1", 32, BYTES(0xc7, 0x08, 1, 2, 3, 4) },
	{ "c6 /7 (xabort)", 32, BYTES(0xc6, 0xf8, 0x00) },
	{ "c7 /7 (xbegin)", 32, BYTES(0xc7, 0xf8, 1, 2, 3, 4) },
	{ "add [eax],ecx", 32, BYTES(0x01, 0x08) },
	{ "mov [eax],es", 32, BYTES(0x8c, 0x00) },
	{ "mov es,[eax]", 32, BYTES(0x8e, 0x00) },
	{ "movsb", 32, BYTES(0xa4) },
	{ "movsxd", 64, BYTES(0x48, 0x63, 0x00) },
	{ "movups", 32, BYTES(0x0f, 0x10, 0x00) },
	{ "0f b8", 32, BYTES(0x0f, 0xb8, 0x00) },
	{ "inc eax; mov (40 is no REX in 32)", 32, BYTES(0x40, 0x89, 0x08) },
	{ "dec eax; mov (48 is no REX in 16)", 16, BYTES(0x48, 0x89, 0x08) },
	{ "16 bytes: 14 prefixes + 89 08", 32,
	  BYTES(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
		0x3e, 0x3e, 0x3e, 0x3e, 0x89, 0x08) },
	{ "16 bytes: imm32 crosses the limit", 64,
	  BYTES(0x3e, 0x3e, 0x3e, 0x3e, 0x48, 0xc7, 0x84, 0x24, 1, 2, 3, 4,
		0xfe, 0xff, 0xff, 0xff) },
};

#define CHECK(c, got, f) do {						\
	if ((got).f != (c)->want.f)					\
		fail_msg("%s: " #f " = %#llx, want %#llx", (c)->name,	\
			 (unsigned long long)(got).f,			\
			 (unsigned long long)(c)->want.f);		\
} while (0)

/* Decode from a heap copy of exactly @avail bytes, so ASan sees overreads. */
static int decode_exact(const u8 *bytes, unsigned int avail,
			unsigned int mode, struct emu_insn *out)
{
	u8 *copy = NULL;
	int ret;

	if (avail) {
		copy = malloc(avail);
		assert_non_null(copy);
		memcpy(copy, bytes, avail);
	}
	ret = emu_decode(copy, avail, mode, out);
	free(copy);
	return ret;
}

static void test_decode_valid(void **state)
{
	const struct dec_case *c;
	struct emu_insn got;
	u8 padded[64];
	int ret;

	(void)state;
	for (c = valid; c < valid + ARRAY_SIZE(valid); c++) {
		assert_int_equal(c->n, c->want.len);
		ret = decode_exact(c->bytes, c->n, c->mode, &got);
		if (ret)
			fail_msg("%s: returned %d", c->name, ret);
		CHECK(c, got, len);
		CHECK(c, got, size);
		CHECK(c, got, is_write);
		CHECK(c, got, has_imm);
		CHECK(c, got, imm);
		CHECK(c, got, reg);
		CHECK(c, got, high_byte);
		CHECK(c, got, dst_size);
		CHECK(c, got, ext);

		/* trailing bytes (the next instructions) change nothing */
		memset(padded, 0x89, sizeof(padded));
		memcpy(padded, c->bytes, c->n);
		ret = emu_decode(padded, sizeof(padded), c->mode, &got);
		if (ret || got.len != c->n)
			fail_msg("%s: with trailing bytes: ret %d len %u",
				 c->name, ret, got.len);
	}
}

/* Every proper prefix of a valid instruction needs more bytes. */
static void test_decode_truncated(void **state)
{
	const struct dec_case *c;
	struct emu_insn got;
	unsigned int avail;
	int ret;

	(void)state;
	for (c = valid; c < valid + ARRAY_SIZE(valid); c++) {
		for (avail = 0; avail < c->n; avail++) {
			ret = decode_exact(c->bytes, avail, c->mode, &got);
			if (ret != -ENODATA)
				fail_msg("%s: %u of %u bytes: returned %d",
					 c->name, avail, c->n, ret);
		}
	}
}

static void test_decode_invalid(void **state)
{
	const struct bad_case *c;
	struct emu_insn got;
	u8 padded[32];
	int ret;

	(void)state;
	for (c = invalid; c < invalid + ARRAY_SIZE(invalid); c++) {
		ret = decode_exact(c->bytes, c->n, c->mode, &got);
		if (ret != -EINVAL)
			fail_msg("%s: returned %d", c->name, ret);
		/* more bytes available change nothing */
		memset(padded, 0, sizeof(padded));
		memcpy(padded, c->bytes, c->n);
		ret = emu_decode(padded, sizeof(padded), c->mode, &got);
		if (ret != -EINVAL)
			fail_msg("%s: padded: returned %d", c->name, ret);
	}
}

static void test_decode_15_byte_limit(void **state)
{
	u8 bytes[EMU_MAX_LEN + 5];
	struct emu_insn got;

	(void)state;
	/* 15 prefixes: invalid at byte 16 even though more were fetched */
	memset(bytes, 0x3e, sizeof(bytes));
	assert_int_equal(-EINVAL, emu_decode(bytes, sizeof(bytes), 32, &got));
	assert_int_equal(-EINVAL, decode_exact(bytes, EMU_MAX_LEN, 32, &got));
	/* fewer than 15 fetched: maybe valid, fetch more */
	assert_int_equal(-ENODATA, decode_exact(bytes, EMU_MAX_LEN - 1, 32,
						&got));
}

static void test_decode_bad_mode(void **state)
{
	static const u8 bytes[] = { 0x89, 0x08 };
	static const unsigned int modes[] = { 0, 8, 15, 33, 128 };
	struct emu_insn got;
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(modes); i++)
		assert_int_equal(-EINVAL, emu_decode(bytes, sizeof(bytes),
						     modes[i], &got));
}

static void decode_ok(unsigned int mode, const u8 *bytes, unsigned int n,
		      struct emu_insn *insn)
{
	assert_int_equal(0, decode_exact(bytes, n, mode, insn));
	assert_int_equal(n, insn->len);
}

#define DECODE(mode, insn, ...) do {					\
	static const u8 b_[] = { __VA_ARGS__ };				\
	decode_ok(mode, b_, sizeof(b_), insn);				\
} while (0)

static void fill_gprs(u64 *gprs)
{
	unsigned int i;

	for (i = 0; i < EMU_NR_GPRS; i++)
		gprs[i] = (0x1111111111111111ULL * (i + 1)) ^ 0x0102030405060708ULL;
}

static void test_store_value(void **state)
{
	u64 gprs[EMU_NR_GPRS];
	struct emu_insn insn;

	(void)state;
	fill_gprs(gprs);
	gprs[0] = 0x8877665544332211ULL;	/* rax */
	gprs[1] = 0xfedcba9876543210ULL;	/* rcx */
	gprs[4] = 0x00000000deadbeefULL;	/* rsp */
	gprs[9] = 0x0123456789abcdefULL;	/* r9 */

	DECODE(64, &insn, 0x48, 0x89, 0x08);		/* mov [rax],rcx */
	assert_int_equal(0xfedcba9876543210ULL, emu_store_value(&insn, gprs));
	DECODE(32, &insn, 0x89, 0x08);			/* mov [eax],ecx */
	assert_int_equal(0x76543210, emu_store_value(&insn, gprs));
	DECODE(32, &insn, 0x66, 0x89, 0x08);		/* mov [eax],cx */
	assert_int_equal(0x3210, emu_store_value(&insn, gprs));
	DECODE(32, &insn, 0x88, 0x08);			/* mov [eax],cl */
	assert_int_equal(0x10, emu_store_value(&insn, gprs));
	DECODE(32, &insn, 0x88, 0x20);			/* mov [eax],ah */
	assert_int_equal(0x22, emu_store_value(&insn, gprs));
	DECODE(32, &insn, 0x88, 0x28);			/* mov [eax],ch */
	assert_int_equal(0x32, emu_store_value(&insn, gprs));
	DECODE(64, &insn, 0x40, 0x88, 0x20);		/* mov [rax],spl */
	assert_int_equal(0xef, emu_store_value(&insn, gprs));
	DECODE(64, &insn, 0x4c, 0x89, 0x08);		/* mov [rax],r9 */
	assert_int_equal(0x0123456789abcdefULL, emu_store_value(&insn, gprs));
	DECODE(64, &insn, 0x48, 0xa3, 1, 2, 3, 4, 5, 6, 7, 8);
	assert_int_equal(0x8877665544332211ULL, emu_store_value(&insn, gprs));
	DECODE(32, &insn, 0xc7, 0x00, 0x78, 0x56, 0x34, 0x12);
	assert_int_equal(0x12345678, emu_store_value(&insn, gprs));
	DECODE(64, &insn, 0x48, 0xc7, 0x00, 0xf0, 0xff, 0xff, 0xff);
	assert_int_equal(0xfffffffffffffff0ULL, emu_store_value(&insn, gprs));
	DECODE(32, &insn, 0xc6, 0x00, 0x80);
	assert_int_equal(0x80, emu_store_value(&insn, gprs));
}

/* Load @data through the instruction into a register holding @before. */
static u64 load(const struct emu_insn *insn, u64 before, u64 data)
{
	u64 gprs[EMU_NR_GPRS], want[EMU_NR_GPRS];

	fill_gprs(gprs);
	gprs[insn->reg] = before;
	memcpy(want, gprs, sizeof(gprs));
	emu_complete_load(insn, data, gprs);
	/* no other register changes */
	want[insn->reg] = gprs[insn->reg];
	assert_memory_equal(want, gprs, sizeof(gprs));
	return gprs[insn->reg];
}

static void test_complete_load(void **state)
{
	const u64 ones = ~0ULL;
	struct emu_insn insn;

	(void)state;
	/* 32-bit destinations zero-extend to 64 */
	DECODE(64, &insn, 0x8b, 0x08);			/* mov ecx,[rax] */
	assert_int_equal(0x12345678, load(&insn, ones, 0xabcdef0012345678ULL));
	/* 16-bit and 8-bit ones keep the other bits */
	DECODE(32, &insn, 0x66, 0x8b, 0x08);		/* mov cx,[eax] */
	assert_int_equal(0xffffffffffff1234ULL, load(&insn, ones, 0xabcd1234));
	DECODE(32, &insn, 0x8a, 0x08);			/* mov cl,[eax] */
	assert_int_equal(0xffffffffffffff34ULL, load(&insn, ones, 0x1234));
	DECODE(32, &insn, 0x8a, 0x20);			/* mov ah,[eax] */
	assert_int_equal(0x111111111111ab11ULL,
			 load(&insn, 0x1111111111111111ULL, 0xab));
	DECODE(64, &insn, 0x40, 0x8a, 0x20);		/* mov spl,[rax] */
	assert_int_equal(4, insn.reg);
	assert_int_equal(0x11111111111111abULL,
			 load(&insn, 0x1111111111111111ULL, 0x55ab));
	DECODE(64, &insn, 0x48, 0x8b, 0x00);		/* mov rax,[rax] */
	assert_int_equal(0xabcdef0012345678ULL,
			 load(&insn, 0, 0xabcdef0012345678ULL));
	DECODE(64, &insn, 0x44, 0x8b, 0x41, 0x10);	/* mov r8d,[rcx+16] */
	assert_int_equal(8, insn.reg);
	assert_int_equal(0x87654321, load(&insn, ones, 0x87654321));
	DECODE(64, &insn, 0xa0, 1, 2, 3, 4, 5, 6, 7, 8); /* mov al,[moffs] */
	assert_int_equal(0xffffffffffffff5aULL, load(&insn, ones, 0x5a));

	/* MOVZX */
	DECODE(32, &insn, 0x0f, 0xb6, 0x08);		/* movzx ecx,byte */
	assert_int_equal(0x80, load(&insn, ones, 0xff80));
	DECODE(64, &insn, 0x48, 0x0f, 0xb7, 0x08);	/* movzx rcx,word */
	assert_int_equal(0x8000, load(&insn, ones, 0xffff8000));
	DECODE(32, &insn, 0x66, 0x0f, 0xb6, 0x08);	/* movzx cx,byte */
	assert_int_equal(0xffffffffffff0080ULL, load(&insn, ones, 0x80));
	/* MOVSX */
	DECODE(64, &insn, 0x48, 0x0f, 0xbe, 0x08);	/* movsx rcx,byte */
	assert_int_equal(0xffffffffffffff80ULL, load(&insn, 0, 0x80));
	assert_int_equal(0x7f, load(&insn, ones, 0x7f));
	DECODE(32, &insn, 0x0f, 0xbe, 0x08);		/* movsx ecx,byte */
	assert_int_equal(0xffffff80, load(&insn, 0, 0x80));
	DECODE(32, &insn, 0x0f, 0xbf, 0x08);		/* movsx ecx,word */
	assert_int_equal(0xffff8000, load(&insn, ones, 0x8000));
	DECODE(64, &insn, 0x48, 0x0f, 0xbf, 0x08);	/* movsx rcx,word */
	assert_int_equal(0xffffffffffff8000ULL, load(&insn, 0, 0x18000));
	DECODE(32, &insn, 0x66, 0x0f, 0xbe, 0x08);	/* movsx cx,byte */
	assert_int_equal(0x123456789abcff80ULL,
			 load(&insn, 0x123456789abc0000ULL, 0x80));
}

static void test_complete_load_ignores_stores(void **state)
{
	u64 gprs[EMU_NR_GPRS], before[EMU_NR_GPRS];
	struct emu_insn insn;

	(void)state;
	fill_gprs(gprs);
	memcpy(before, gprs, sizeof(gprs));
	DECODE(64, &insn, 0x48, 0x89, 0x08);
	emu_complete_load(&insn, 0x1234, gprs);
	assert_memory_equal(before, gprs, sizeof(gprs));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_valid),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_invalid),
		cmocka_unit_test(test_decode_15_byte_limit),
		cmocka_unit_test(test_decode_bad_mode),
		cmocka_unit_test(test_store_value),
		cmocka_unit_test(test_complete_load),
		cmocka_unit_test(test_complete_load_ignores_stores),
	};

	return cmocka_run_group_tests_name("emulate", tests, NULL, NULL);
}
