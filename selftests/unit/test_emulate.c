// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the MMIO instruction decoder (kmod/vmx/emulate.c) and of
 * the read-modify-write arithmetic (kmod/vmx/emu_alu.c), compiled from the
 * module's own source files. Encodings are written from the SDM Vol. 2
 * (each instruction's page; tables 2-1 to 2-3 for ModRM/SIB). The flags
 * are checked against a table of values from the SDM's definitions and
 * against the host CPU running the same instructions.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../kmod/vmx/emulate.c"
#include "../../kmod/vmx/emu_alu.c"

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
/* read-modify-write: ALU op @a, memory destination @m, register @r */
#define ALU(l, s, a, m, r) { .len = (l), .size = (s), .op = EMU_OP_ALU, \
			     .alu = (a), .mem_dst = (m), .reg = (r) }
/* the same with an immediate */
#define ALUI(l, s, a, i) { .len = (l), .size = (s), .op = EMU_OP_ALU, \
			   .alu = (a), .mem_dst = true, .has_imm = true, \
			   .imm = (i) }
/* a string form @o: element @s bytes, address size @as, REP, source seg */
#define STR(l, o, s, as, rp, sg) { .len = (l), .op = (o), .size = (s), \
				   .addr_size = (as), .rep = (rp), .seg = (sg), \
				   .dst_size = (o) == EMU_OP_LODS ? (s) : 0 }

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
	/* MOVSXD (64-bit mode): sign-extends with REX.W, else a plain load */
	{ "movsxd rcx,dword [rax]", 64, BYTES(0x48, 0x63, 0x08),
	  EXT(3, 4, 1, 8, EMU_EXT_SIGN) },
	{ "movsxd r9,dword [rax+8]", 64, BYTES(0x4c, 0x63, 0x48, 0x08),
	  EXT(4, 4, 9, 8, EMU_EXT_SIGN) },
	{ "movsxd ecx,dword [rax] (no REX.W)", 64, BYTES(0x63, 0x08),
	  EXT(2, 4, 1, 4, EMU_EXT_NONE) },
	/* 00-3B: the four r/m forms of ADD..CMP */
	{ "add [eax],ecx", 32, BYTES(0x01, 0x08), ALU(2, 4, EMU_ALU_ADD, true, 1) },
	{ "add [eax],cl", 32, BYTES(0x00, 0x08), ALU(2, 1, EMU_ALU_ADD, true, 1) },
	{ "add ecx,[eax]", 32, BYTES(0x03, 0x08), ALU(2, 4, EMU_ALU_ADD, false, 1) },
	{ "or [rax],r10", 64, BYTES(0x4c, 0x09, 0x10), ALU(3, 8, EMU_ALU_OR, true, 10) },
	{ "adc [eax],edx", 32, BYTES(0x11, 0x10), ALU(2, 4, EMU_ALU_ADC, true, 2) },
	{ "sbb bl,[eax]", 32, BYTES(0x1a, 0x18), ALU(2, 1, EMU_ALU_SBB, false, 3) },
	{ "and [eax],ah", 32, BYTES(0x20, 0x20),
	  { .len = 2, .size = 1, .op = EMU_OP_ALU, .alu = EMU_ALU_AND,
	    .mem_dst = true, .reg = 0, .high_byte = true } },
	{ "sub [eax],cx", 32, BYTES(0x66, 0x29, 0x08), ALU(3, 2, EMU_ALU_SUB, true, 1) },
	{ "xor rax,[rbx]", 64, BYTES(0x48, 0x33, 0x03), ALU(3, 8, EMU_ALU_XOR, false, 0) },
	{ "cmp [eax],ecx", 32, BYTES(0x39, 0x08), ALU(2, 4, EMU_ALU_CMP, true, 1) },
	{ "cmp ecx,[eax]", 32, BYTES(0x3b, 0x08), ALU(2, 4, EMU_ALU_CMP, false, 1) },
	{ "lock or [eax],ecx", 32, BYTES(0xf0, 0x09, 0x08), ALU(3, 4, EMU_ALU_OR, true, 1) },
	/* group 1 with immediates */
	{ "or byte [eax],5", 32, BYTES(0x80, 0x08, 0x05), ALUI(3, 1, EMU_ALU_OR, 5) },
	{ "lock or byte [rax+9],5", 64, BYTES(0xf0, 0x80, 0x48, 0x09, 0x05),
	  ALUI(5, 1, EMU_ALU_OR, 5) },
	{ "and dword [eax],imm32", 32, BYTES(0x81, 0x20, 0xff, 0xff, 0xfe, 0xff),
	  ALUI(6, 4, EMU_ALU_AND, 0xfffeffff) },
	{ "and qword [rax],imm32 (sext)", 64,
	  BYTES(0x48, 0x81, 0x20, 0xff, 0xff, 0xfe, 0xff),
	  ALUI(7, 8, EMU_ALU_AND, 0xfffffffffffeffffULL) },
	{ "add word [eax],imm16", 32, BYTES(0x66, 0x81, 0x00, 0x34, 0x12),
	  ALUI(5, 2, EMU_ALU_ADD, 0x1234) },
	{ "sub dword [eax],-1 (83)", 32, BYTES(0x83, 0x28, 0xff),
	  ALUI(3, 4, EMU_ALU_SUB, 0xffffffff) },
	{ "cmp qword [rax],-2 (83)", 64, BYTES(0x48, 0x83, 0x38, 0xfe),
	  ALUI(4, 8, EMU_ALU_CMP, 0xfffffffffffffffeULL) },
	{ "xor word [bx],1 (83, 16)", 16, BYTES(0x83, 0x37, 0x01),
	  ALUI(3, 2, EMU_ALU_XOR, 1) },
	/* TEST, NOT, NEG, INC, DEC */
	{ "test [eax],ecx", 32, BYTES(0x85, 0x08), ALU(2, 4, EMU_ALU_TEST, true, 1) },
	{ "test [eax],dl", 32, BYTES(0x84, 0x10), ALU(2, 1, EMU_ALU_TEST, true, 2) },
	{ "test byte [eax],0x80", 32, BYTES(0xf6, 0x00, 0x80),
	  ALUI(3, 1, EMU_ALU_TEST, 0x80) },
	{ "test dword [eax],imm32", 32, BYTES(0xf7, 0x00, 1, 0, 0, 0x80),
	  ALUI(6, 4, EMU_ALU_TEST, 0x80000001) },
	{ "test qword [rax],imm32", 64, BYTES(0x48, 0xf7, 0x00, 1, 0, 0, 0x80),
	  ALUI(7, 8, EMU_ALU_TEST, 0xffffffff80000001ULL) },
	{ "test word [eax],imm16", 32, BYTES(0x66, 0xf7, 0x00, 1, 0x80),
	  ALUI(5, 2, EMU_ALU_TEST, 0x8001) },
	{ "not dword [eax]", 32, BYTES(0xf7, 0x10), ALU(2, 4, EMU_ALU_NOT, true, 0) },
	{ "neg byte [eax]", 32, BYTES(0xf6, 0x18), ALU(2, 1, EMU_ALU_NEG, true, 0) },
	{ "inc dword [eax]", 32, BYTES(0xff, 0x00), ALU(2, 4, EMU_ALU_INC, true, 0) },
	{ "dec byte [eax]", 32, BYTES(0xfe, 0x08), ALU(2, 1, EMU_ALU_DEC, true, 0) },
	{ "lock inc qword [rax]", 64, BYTES(0xf0, 0x48, 0xff, 0x00),
	  ALU(4, 8, EMU_ALU_INC, true, 0) },
	/* bit tests */
	{ "bt [eax],ecx", 32, BYTES(0x0f, 0xa3, 0x08), ALU(3, 4, EMU_ALU_BT, true, 1) },
	{ "bts [rax],rcx", 64, BYTES(0x48, 0x0f, 0xab, 0x08),
	  ALU(4, 8, EMU_ALU_BTS, true, 1) },
	{ "btr [eax],cx", 32, BYTES(0x66, 0x0f, 0xb3, 0x08),
	  ALU(4, 2, EMU_ALU_BTR, true, 1) },
	{ "btc [eax],ecx", 32, BYTES(0x0f, 0xbb, 0x08), ALU(3, 4, EMU_ALU_BTC, true, 1) },
	{ "bt dword [eax],3", 32, BYTES(0x0f, 0xba, 0x20, 0x03),
	  ALUI(4, 4, EMU_ALU_BT, 3) },
	{ "lock bts dword [eax],31", 32, BYTES(0xf0, 0x0f, 0xba, 0x28, 0x1f),
	  ALUI(5, 4, EMU_ALU_BTS, 31) },
	{ "btr qword [rax],63", 64, BYTES(0x48, 0x0f, 0xba, 0x30, 0x3f),
	  ALUI(5, 8, EMU_ALU_BTR, 63) },
	{ "btc word [eax],1", 32, BYTES(0x66, 0x0f, 0xba, 0x38, 0x01),
	  ALUI(5, 2, EMU_ALU_BTC, 1) },
	/* string forms */
	{ "movsb", 32, BYTES(0xa4), STR(1, EMU_OP_MOVS, 1, 4, false, EMU_SEG_DS) },
	{ "rep movsd", 32, BYTES(0xf3, 0xa5), STR(2, EMU_OP_MOVS, 4, 4, true, EMU_SEG_DS) },
	{ "rep movsq", 64, BYTES(0xf3, 0x48, 0xa5), STR(3, EMU_OP_MOVS, 8, 8, true, EMU_SEG_DS) },
	{ "fs rep movsw (67, 66)", 64, BYTES(0x64, 0x66, 0x67, 0xf3, 0xa5),
	  STR(5, EMU_OP_MOVS, 2, 4, true, EMU_SEG_FS) },
	{ "repne movsb (F2 repeats too)", 32, BYTES(0xf2, 0xa4),
	  STR(2, EMU_OP_MOVS, 1, 4, true, EMU_SEG_DS) },
	{ "stosb", 64, BYTES(0xaa), STR(1, EMU_OP_STOS, 1, 8, false, EMU_SEG_DS) },
	{ "rep stosd", 32, BYTES(0xf3, 0xab), STR(2, EMU_OP_STOS, 4, 4, true, EMU_SEG_DS) },
	{ "rep stosw (16)", 16, BYTES(0xf3, 0xab), STR(2, EMU_OP_STOS, 2, 2, true, EMU_SEG_DS) },
	{ "lodsd", 32, BYTES(0xad), STR(1, EMU_OP_LODS, 4, 4, false, EMU_SEG_DS) },
	{ "es lodsq", 64, BYTES(0x26, 0x48, 0xad), STR(3, EMU_OP_LODS, 8, 8, false, EMU_SEG_ES) },
	{ "cmpsb", 32, BYTES(0xa6), STR(1, EMU_OP_CMPS, 1, 4, false, EMU_SEG_DS) },
	{ "repe cmpsq", 64, BYTES(0xf3, 0x48, 0xa7),
	  STR(3, EMU_OP_CMPS, 8, 8, true, EMU_SEG_DS) },
	{ "fs repne cmpsw (67)", 64, BYTES(0x64, 0x67, 0x66, 0xf2, 0xa7),
	  { .len = 5, .op = EMU_OP_CMPS, .size = 2, .addr_size = 4, .rep = true,
	    .repne = true, .seg = EMU_SEG_FS } },
	{ "scasb", 32, BYTES(0xae), STR(1, EMU_OP_SCAS, 1, 4, false, EMU_SEG_DS) },
	{ "repne scasd (16)", 16, BYTES(0x66, 0xf2, 0xaf),
	  { .len = 3, .op = EMU_OP_SCAS, .size = 4, .addr_size = 2, .rep = true,
	    .repne = true, .seg = EMU_SEG_DS } },
	{ "f2 f3 scasb: the last one (REPE)", 32, BYTES(0xf2, 0xf3, 0xae),
	  STR(3, EMU_OP_SCAS, 1, 4, true, EMU_SEG_DS) },
	/* the exchanges */
	{ "xchg [eax],ecx", 32, BYTES(0x87, 0x08), ALU(2, 4, EMU_ALU_XCHG, true, 1) },
	{ "xchg [rax],ah", 64, BYTES(0x86, 0x20),
	  { .len = 2, .size = 1, .op = EMU_OP_ALU, .alu = EMU_ALU_XCHG,
	    .mem_dst = true, .reg = 0, .high_byte = true } },
	{ "lock xchg [rax],r9", 64, BYTES(0xf0, 0x4c, 0x87, 0x08),
	  ALU(4, 8, EMU_ALU_XCHG, true, 9) },
	{ "lock xadd [eax],ecx", 32, BYTES(0xf0, 0x0f, 0xc1, 0x08),
	  ALU(4, 4, EMU_ALU_XADD, true, 1) },
	{ "xadd [eax],dl", 32, BYTES(0x0f, 0xc0, 0x10), ALU(3, 1, EMU_ALU_XADD, true, 2) },
	{ "lock cmpxchg [rax],rcx", 64, BYTES(0xf0, 0x48, 0x0f, 0xb1, 0x08),
	  ALU(5, 8, EMU_ALU_CMPXCHG, true, 1) },
	{ "cmpxchg [eax],cx", 32, BYTES(0x66, 0x0f, 0xb1, 0x08),
	  ALU(4, 2, EMU_ALU_CMPXCHG, true, 1) },
	{ "cmpxchg [eax],bl", 32, BYTES(0x0f, 0xb0, 0x18), ALU(3, 1, EMU_ALU_CMPXCHG, true, 3) },
	{ "lock cmpxchg8b [eax]", 32, BYTES(0xf0, 0x0f, 0xc7, 0x08),
	  ALU(4, 8, EMU_ALU_CMPXCHG8B, true, 0) },
	{ "cmpxchg8b [rax+8] (66 changes nothing)", 64,
	  BYTES(0x66, 0x0f, 0xc7, 0x48, 0x08), ALU(5, 8, EMU_ALU_CMPXCHG8B, true, 0) },
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
	{ "add eax,ecx (register)", 32, BYTES(0x01, 0xc8) },
	{ "add eax,imm32 (05, no memory)", 32, BYTES(0x05, 1, 2, 3, 4) },
	{ "daa (27)", 32, BYTES(0x27) },
	{ "82 /0 is gone", 64, BYTES(0x82, 0x00, 0x01) },
	{ "lock cmp", 32, BYTES(0xf0, 0x39, 0x08) },
	{ "lock test", 32, BYTES(0xf0, 0x85, 0x08) },
	{ "lock bt", 32, BYTES(0xf0, 0x0f, 0xa3, 0x08) },
	{ "lock add ecx,[eax]", 32, BYTES(0xf0, 0x03, 0x08) },
	{ "lock movsb", 32, BYTES(0xf0, 0xa4) },
	{ "rep add", 32, BYTES(0xf3, 0x01, 0x08) },
	{ "f6 /1", 32, BYTES(0xf6, 0x08, 0x01) },
	{ "f7 /4 (mul)", 32, BYTES(0xf7, 0x20) },
	{ "ff /2 (call)", 32, BYTES(0xff, 0x10) },
	{ "0f ba /0", 32, BYTES(0x0f, 0xba, 0x00, 0x01) },
	{ "not eax (register)", 32, BYTES(0xf7, 0xd0) },
	{ "lock cmpsb", 32, BYTES(0xf0, 0xa6) },
	{ "lock scasb", 32, BYTES(0xf0, 0xae) },
	{ "rep xchg", 32, BYTES(0xf3, 0x87, 0x08) },
	{ "xchg eax,ecx (register)", 32, BYTES(0x87, 0xc8) },
	{ "rep cmpxchg", 32, BYTES(0xf3, 0x0f, 0xb1, 0x08) },
	{ "cmpxchg16b (16 bytes)", 64, BYTES(0x48, 0x0f, 0xc7, 0x08) },
	{ "0f c7 /6 (vmptrld)", 64, BYTES(0x0f, 0xc7, 0x30) },
	{ "0f c7 /1 register", 32, BYTES(0x0f, 0xc7, 0xc8) },
	{ "lock xadd eax,ecx (register)", 32, BYTES(0xf0, 0x0f, 0xc1, 0xc8) },
	{ "arpl (63 outside 64-bit mode)", 32, BYTES(0x63, 0x08) },
	{ "mov [eax],es", 32, BYTES(0x8c, 0x00) },
	{ "mov es,[eax]", 32, BYTES(0x8e, 0x00) },
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
		CHECK(c, got, op);
		CHECK(c, got, alu);
		CHECK(c, got, mem_dst);
		CHECK(c, got, rep);
		CHECK(c, got, repne);
		CHECK(c, got, addr_size);
		CHECK(c, got, seg);

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

/* ------------------------------------------------------------ arithmetic */

#define CF	EMU_FLAG_CF
#define PF	EMU_FLAG_PF
#define AF	EMU_FLAG_AF
#define ZF	EMU_FLAG_ZF
#define SF	EMU_FLAG_SF
#define OF	EMU_FLAG_OF

struct alu_case {
	const char *name;
	unsigned int alu, size;
	u64 dst, src, fin;
	u64 res, fout;
};

/*
 * Results and flags from the SDM's definitions (Vol. 1 appendix A), the
 * classic edge cases of each operation; 0x202 is RFLAGS with IF and the
 * reserved bit 1, which must pass through.
 */
static const struct alu_case alu_cases[] = {
	{ "add8 7f+1", EMU_ALU_ADD, 1, 0x7f, 1, 0x202, 0x80, 0x202 | OF | SF | AF },
	{ "add8 ff+1", EMU_ALU_ADD, 1, 0xff, 1, 0x202, 0, 0x202 | CF | ZF | AF | PF },
	{ "add32 80000000+80000000", EMU_ALU_ADD, 4, 0x80000000, 0x80000000, 0,
	  0, CF | OF | ZF | PF },
	{ "add64 clears stale flags", EMU_ALU_ADD, 8, 1, 2, 0x202 | CF | ZF | SF | OF,
	  3, 0x202 | PF },
	{ "adc8 ff+0+CF", EMU_ALU_ADC, 1, 0xff, 0, CF, 0, CF | ZF | AF | PF },
	{ "adc16 ffff+ffff+CF", EMU_ALU_ADC, 2, 0xffff, 0xffff, CF, 0xffff,
	  CF | SF | AF | PF },
	{ "sub8 0-1", EMU_ALU_SUB, 1, 0, 1, 0, 0xff, CF | SF | AF | PF },
	{ "sub8 80-1", EMU_ALU_SUB, 1, 0x80, 1, 0, 0x7f, OF | AF },
	{ "sub32 5-5", EMU_ALU_SUB, 4, 5, 5, CF, 0, ZF | PF },
	{ "sbb8 0-ff-CF", EMU_ALU_SBB, 1, 0, 0xff, CF, 0, CF | ZF | AF | PF },
	{ "sbb32 5-5-CF", EMU_ALU_SBB, 4, 5, 5, CF, 0xffffffff, CF | SF | AF | PF },
	{ "cmp32 1 vs 2 (dst kept)", EMU_ALU_CMP, 4, 1, 2, 0, 1, CF | SF | AF | PF },
	{ "cmp64 equal", EMU_ALU_CMP, 8, ~0ULL, ~0ULL, 0, ~0ULL, ZF | PF },
	{ "and8 f0&0f", EMU_ALU_AND, 1, 0xf0, 0x0f, CF | OF | AF, 0, ZF | PF },
	{ "or16 8000|1", EMU_ALU_OR, 2, 0x8000, 1, 0, 0x8001, SF },
	{ "xor32 clears CF, OF", EMU_ALU_XOR, 4, 3, 1, CF | OF, 2, 0 },
	{ "test8 80&80 (dst kept)", EMU_ALU_TEST, 1, 0x80, 0x80, 0, 0x80, SF },
	{ "not16 keeps flags", EMU_ALU_NOT, 2, 0x00ff, 0, CF | ZF, 0xff00, CF | ZF },
	{ "neg8 0", EMU_ALU_NEG, 1, 0, 0, CF, 0, ZF | PF },
	{ "neg8 80", EMU_ALU_NEG, 1, 0x80, 0, 0, 0x80, CF | OF | SF },
	{ "neg32 1", EMU_ALU_NEG, 4, 1, 0, 0, 0xffffffff, CF | SF | AF | PF },
	{ "inc8 ff keeps CF clear", EMU_ALU_INC, 1, 0xff, 0, 0, 0, ZF | AF | PF },
	{ "inc32 7fffffff keeps CF", EMU_ALU_INC, 4, 0x7fffffff, 0, CF, 0x80000000,
	  CF | OF | SF | AF | PF },
	{ "dec8 0", EMU_ALU_DEC, 1, 0, 0, 0, 0xff, SF | AF | PF },
	{ "dec16 8000", EMU_ALU_DEC, 2, 0x8000, 0, CF, 0x7fff, CF | OF | AF | PF },
	{ "bt32 bit 3 set", EMU_ALU_BT, 4, 8, 3, ZF | OF, 8, CF | ZF | OF },
	{ "bt32 bit 35 = bit 3", EMU_ALU_BT, 4, 8, 35, CF, 8, CF },
	{ "bts16 bit 15", EMU_ALU_BTS, 2, 0, 15, CF, 0x8000, 0 },
	{ "btr64 bit 63", EMU_ALU_BTR, 8, ~0ULL, 63, 0, ~0ULL >> 1, CF },
	{ "btc32 bit 0", EMU_ALU_BTC, 4, 1, 0, 0, 0, CF },
};

static void test_alu_table(void **state)
{
	const struct alu_case *c;
	u64 res, f;

	(void)state;
	for (c = alu_cases; c < alu_cases + ARRAY_SIZE(alu_cases); c++) {
		f = emu_alu_compute(c->alu, c->size, c->dst, c->src, c->fin, &res);
		if (res != c->res || f != c->fout)
			fail_msg("%s: result %#llx flags %#llx, want %#llx %#llx",
				 c->name, (unsigned long long)res,
				 (unsigned long long)f,
				 (unsigned long long)c->res,
				 (unsigned long long)c->fout);
	}
}

#if defined(__x86_64__)
/*
 * The host CPU runs the same instruction on registers: flags in through
 * POPF, out through PUSHF (below the red zone).
 */
#define NATIVE_BIN(fn, insn, type, cons)				\
static u64 fn(u64 d, u64 s, u64 fin, u64 *fout)				\
{									\
	type dd = d, ss = s;						\
	u64 f;								\
	asm("lea -128(%%rsp), %%rsp\n\tpush %2\n\tpopf\n\t"		\
	    insn " %3, %0\n\tpushf\n\tpop %1\n\tlea 128(%%rsp), %%rsp"	\
	    : "+" cons (dd), "=&r" (f) : "r" (fin), cons (ss) : "cc");	\
	*fout = f;							\
	return dd;							\
}
#define NATIVE_UN(fn, insn, type, cons)					\
static u64 fn(u64 d, u64 s, u64 fin, u64 *fout)				\
{									\
	type dd = d;							\
	u64 f;								\
	(void)s;							\
	asm("lea -128(%%rsp), %%rsp\n\tpush %2\n\tpopf\n\t"		\
	    insn " %0\n\tpushf\n\tpop %1\n\tlea 128(%%rsp), %%rsp"	\
	    : "+" cons (dd), "=&r" (f) : "r" (fin) : "cc");		\
	*fout = f;							\
	return dd;							\
}
#define NATIVE_SIZES(kind, name, insn)					\
	NATIVE_##kind(n_##name##1, insn "b", u8, "q")			\
	NATIVE_##kind(n_##name##2, insn "w", u16, "r")			\
	NATIVE_##kind(n_##name##4, insn "l", u32, "r")			\
	NATIVE_##kind(n_##name##8, insn "q", u64, "r")

NATIVE_SIZES(BIN, add, "add")
NATIVE_SIZES(BIN, or, "or")
NATIVE_SIZES(BIN, adc, "adc")
NATIVE_SIZES(BIN, sbb, "sbb")
NATIVE_SIZES(BIN, and, "and")
NATIVE_SIZES(BIN, sub, "sub")
NATIVE_SIZES(BIN, xor, "xor")
NATIVE_SIZES(BIN, cmp, "cmp")
NATIVE_SIZES(BIN, test, "test")
NATIVE_SIZES(UN, not, "not")
NATIVE_SIZES(UN, neg, "neg")
NATIVE_SIZES(UN, inc, "inc")
NATIVE_SIZES(UN, dec, "dec")
/* no byte form of the bit tests */
#define NATIVE_BT(name, insn)						\
	NATIVE_BIN(n_##name##2, insn "w", u16, "r")			\
	NATIVE_BIN(n_##name##4, insn "l", u32, "r")			\
	NATIVE_BIN(n_##name##8, insn "q", u64, "r")
NATIVE_BT(bt, "bt")
NATIVE_BT(bts, "bts")
NATIVE_BT(btr, "btr")
NATIVE_BT(btc, "btc")

typedef u64 (*native_fn)(u64 d, u64 s, u64 fin, u64 *fout);

#define SIZES(name) { n_##name##1, n_##name##2, n_##name##4, n_##name##8 }
#define BTSIZES(name) { NULL, n_##name##2, n_##name##4, n_##name##8 }
static const native_fn natives[][4] = {
	[EMU_ALU_ADD] = SIZES(add), [EMU_ALU_OR] = SIZES(or),
	[EMU_ALU_ADC] = SIZES(adc), [EMU_ALU_SBB] = SIZES(sbb),
	[EMU_ALU_AND] = SIZES(and), [EMU_ALU_SUB] = SIZES(sub),
	[EMU_ALU_XOR] = SIZES(xor), [EMU_ALU_CMP] = SIZES(cmp),
	[EMU_ALU_TEST] = SIZES(test), [EMU_ALU_NOT] = SIZES(not),
	[EMU_ALU_NEG] = SIZES(neg), [EMU_ALU_INC] = SIZES(inc),
	[EMU_ALU_DEC] = SIZES(dec), [EMU_ALU_BT] = BTSIZES(bt),
	[EMU_ALU_BTS] = BTSIZES(bts), [EMU_ALU_BTR] = BTSIZES(btr),
	[EMU_ALU_BTC] = BTSIZES(btc),
};

/* The flags a CPU defines for @alu; the SDM leaves the others undefined. */
static u64 defined_flags(unsigned int alu)
{
	switch (alu) {
	case EMU_ALU_AND:
	case EMU_ALU_OR:
	case EMU_ALU_XOR:
	case EMU_ALU_TEST:
		return EMU_FLAGS_ARITH & ~AF;
	case EMU_ALU_BT:
	case EMU_ALU_BTS:
	case EMU_ALU_BTR:
	case EMU_ALU_BTC:
		return CF;
	default:
		return EMU_FLAGS_ARITH;
	}
}

static u64 xorshift(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Interesting operands: edges of each size, and random ones. */
static u64 pick(u64 *x)
{
	static const u64 edges[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
		0x80000000, 0xffffffff, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~0ULL, 0x0f, 0x10, 0xf0,
	};
	u64 r = xorshift(x);

	return r & 1 ? edges[(r >> 1) % ARRAY_SIZE(edges)] : xorshift(x);
}

static void test_alu_vs_cpu(void **state)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	u64 x = 0x9e3779b97f4a7c15ULL, d, s, fin, want, wantf, got, gotf, m;
	unsigned int alu, i, n;

	(void)state;
	for (alu = 0; alu < ARRAY_SIZE(natives); alu++) {
		for (i = 0; i < 4; i++) {
			if (!natives[alu][i])
				continue;
			for (n = 0; n < 20000; n++) {
				d = pick(&x);
				s = pick(&x);
				/* only the arithmetic flags (never TF) */
				fin = 0x202 | (xorshift(&x) & EMU_FLAGS_ARITH);
				want = natives[alu][i](d, s, fin, &wantf);
				gotf = emu_alu_compute(alu, sizes[i], d, s, fin,
						       &got);
				m = sizes[i] == 8 ? ~0ULL :
				    (1ULL << (8 * sizes[i])) - 1;
				/* undefined flags: the emulation keeps or clears */
				wantf &= defined_flags(alu) | ~EMU_FLAGS_ARITH;
				if (got != (want & m) ||
				    (gotf & (defined_flags(alu) | ~EMU_FLAGS_ARITH)) != wantf)
					fail_msg("alu %u size %u: %#llx op %#llx flags %#llx: got %#llx/%#llx, cpu %#llx/%#llx",
						 alu, sizes[i],
						 (unsigned long long)d,
						 (unsigned long long)s,
						 (unsigned long long)fin,
						 (unsigned long long)got,
						 (unsigned long long)gotf,
						 (unsigned long long)(want & m),
						 (unsigned long long)wantf);
			}
		}
	}
}

/*
 * The exchanges on the host CPU, on a memory operand, with rAX..rBX as
 * the emulation sees them (rCX the register operand, EDX:EAX and ECX:EBX
 * for CMPXCHG8B): memory, the four registers and RFLAGS after.
 */
struct xstate {
	u64 mem, rax, rcx, rdx, rbx, f;
};

#define NATIVE_X(fn, insn)						\
static void fn(struct xstate *x)					\
{									\
	asm("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t"		\
	    insn "\n\tpushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"	\
	    : "+a" (x->rax), "+c" (x->rcx), "+d" (x->rdx),		\
	      "+b" (x->rbx), [f] "+r" (x->f)				\
	    : [p] "S" (&x->mem) : "memory", "cc");			\
}

NATIVE_X(nx_xchg1, "xchgb %%cl, (%[p])")
NATIVE_X(nx_xchg2, "xchgw %%cx, (%[p])")
NATIVE_X(nx_xchg4, "xchgl %%ecx, (%[p])")
NATIVE_X(nx_xchg8, "xchgq %%rcx, (%[p])")
NATIVE_X(nx_xchgh, "xchgb %%ch, (%[p])")
NATIVE_X(nx_xadd1, "lock xaddb %%cl, (%[p])")
NATIVE_X(nx_xadd2, "lock xaddw %%cx, (%[p])")
NATIVE_X(nx_xadd4, "lock xaddl %%ecx, (%[p])")
NATIVE_X(nx_xadd8, "lock xaddq %%rcx, (%[p])")
NATIVE_X(nx_cmpxchg1, "lock cmpxchgb %%cl, (%[p])")
NATIVE_X(nx_cmpxchg2, "lock cmpxchgw %%cx, (%[p])")
NATIVE_X(nx_cmpxchg4, "lock cmpxchgl %%ecx, (%[p])")
NATIVE_X(nx_cmpxchg8, "lock cmpxchgq %%rcx, (%[p])")
NATIVE_X(nx_cmpxchg8b, "lock cmpxchg8b (%[p])")

/* Each native form, and the same instruction's bytes for the decoder. */
static const struct {
	void (*fn)(struct xstate *x);
	u8 n, bytes[5];
} xforms[] = {
	{ nx_xchg1, 2, { 0x86, 0x08 } },
	{ nx_xchg2, 3, { 0x66, 0x87, 0x08 } },
	{ nx_xchg4, 2, { 0x87, 0x08 } },
	{ nx_xchg8, 3, { 0x48, 0x87, 0x08 } },
	{ nx_xchgh, 2, { 0x86, 0x28 } },
	{ nx_xadd1, 4, { 0xf0, 0x0f, 0xc0, 0x08 } },
	{ nx_xadd2, 5, { 0xf0, 0x66, 0x0f, 0xc1, 0x08 } },
	{ nx_xadd4, 4, { 0xf0, 0x0f, 0xc1, 0x08 } },
	{ nx_xadd8, 5, { 0xf0, 0x48, 0x0f, 0xc1, 0x08 } },
	{ nx_cmpxchg1, 4, { 0xf0, 0x0f, 0xb0, 0x08 } },
	{ nx_cmpxchg2, 5, { 0xf0, 0x66, 0x0f, 0xb1, 0x08 } },
	{ nx_cmpxchg4, 4, { 0xf0, 0x0f, 0xb1, 0x08 } },
	{ nx_cmpxchg8, 5, { 0xf0, 0x48, 0x0f, 0xb1, 0x08 } },
	{ nx_cmpxchg8b, 4, { 0xf0, 0x0f, 0xc7, 0x08 } },
};

/*
 * XCHG, XADD, CMPXCHG and CMPXCHG8B through emu_alu() against the host
 * CPU: what memory gets, each register (the upper halves that a 32-bit
 * write clears, or that a CMPXCHG that succeeds keeps), every flag (all
 * are defined: XCHG keeps them, CMPXCHG8B changes ZF alone). A third of
 * the cases compare equal, so that both ways of CMPXCHG are taken.
 */
static void test_exchange_vs_cpu(void **state)
{
	u64 x = 0x2545f4914f6cdd1dULL, gprs[EMU_NR_GPRS], m;
	struct emu_alu_out out;
	struct emu_insn insn;
	struct xstate cpu, in;
	unsigned int i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(xforms); i++) {
		decode_ok(64, xforms[i].bytes, xforms[i].n, &insn);
		m = insn.size == 8 ? ~0ULL : (1ULL << (8 * insn.size)) - 1;
		for (n = 0; n < 20000; n++) {
			in.mem = pick(&x);
			in.rax = pick(&x);
			in.rcx = pick(&x);
			in.rdx = pick(&x);
			in.rbx = pick(&x);
			in.f = 0x202 | (xorshift(&x) & EMU_FLAGS_ARITH);
			if (xorshift(&x) % 3 == 0) {
				/* equal in the bytes compared, not above */
				in.rax = (in.rax & ~m) | (in.mem & m);
				in.rdx = (in.rdx & ~0xffffffffULL) | (in.mem >> 32);
			}
			cpu = in;
			xforms[i].fn(&cpu);
			fill_gprs(gprs);
			gprs[0] = in.rax;
			gprs[1] = in.rcx;
			gprs[2] = in.rdx;
			gprs[3] = in.rbx;
			emu_alu(&insn, in.mem & m, gprs, in.f, &out);
			if (!out.write_mem || out.mem != (cpu.mem & m) ||
			    (cpu.mem & ~m) != (in.mem & ~m) ||
			    gprs[0] != cpu.rax || gprs[1] != cpu.rcx ||
			    gprs[2] != cpu.rdx || gprs[3] != cpu.rbx ||
			    out.rflags != cpu.f)
				fail_msg("form %u: mem %#llx rax %#llx rcx %#llx rdx %#llx rbx %#llx f %#llx: emulated mem %#llx rax %#llx rcx %#llx rdx %#llx rbx %#llx f %#llx, cpu %#llx %#llx %#llx %#llx %#llx %#llx",
					 i, (unsigned long long)in.mem,
					 (unsigned long long)in.rax,
					 (unsigned long long)in.rcx,
					 (unsigned long long)in.rdx,
					 (unsigned long long)in.rbx,
					 (unsigned long long)in.f,
					 (unsigned long long)out.mem,
					 (unsigned long long)gprs[0],
					 (unsigned long long)gprs[1],
					 (unsigned long long)gprs[2],
					 (unsigned long long)gprs[3],
					 (unsigned long long)out.rflags,
					 (unsigned long long)(cpu.mem & m),
					 (unsigned long long)cpu.rax,
					 (unsigned long long)cpu.rcx,
					 (unsigned long long)cpu.rdx,
					 (unsigned long long)cpu.rbx,
					 (unsigned long long)cpu.f);
		}
	}
}

/* The string compares on the host CPU: rSI, rDI, rCX, rAX, flags. */
struct sstate {
	u64 rsi, rdi, rcx, rax, f;
};

#define NATIVE_S(fn, insn)						\
static void fn(struct sstate *s)					\
{									\
	asm("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t"		\
	    insn "\n\tpushf\n\tpop %[f]\n\tcld\n\t"			\
	    "lea 128(%%rsp), %%rsp"					\
	    : "+S" (s->rsi), "+D" (s->rdi), "+c" (s->rcx),		\
	      "+a" (s->rax), [f] "+r" (s->f) : : "memory", "cc");	\
}

NATIVE_S(ns_cmpsb, "cmpsb")
NATIVE_S(ns_repe_cmpsb, "repe cmpsb")
NATIVE_S(ns_repne_cmpsw, "repne cmpsw")
NATIVE_S(ns_repe_cmpsl, "repe cmpsl")
NATIVE_S(ns_repne_cmpsq, "repne cmpsq")
NATIVE_S(ns_scasl, "scasl")
NATIVE_S(ns_repne_scasb, "repne scasb")
NATIVE_S(ns_repe_scasw, "repe scasw")
NATIVE_S(ns_repne_scasq, "repne scasq")

static const struct {
	void (*fn)(struct sstate *s);
	u8 n, bytes[3];
} sforms[] = {
	{ ns_cmpsb, 1, { 0xa6 } },
	{ ns_repe_cmpsb, 2, { 0xf3, 0xa6 } },
	{ ns_repne_cmpsw, 3, { 0x66, 0xf2, 0xa7 } },
	{ ns_repe_cmpsl, 2, { 0xf3, 0xa7 } },
	{ ns_repne_cmpsq, 3, { 0xf2, 0x48, 0xa7 } },
	{ ns_scasl, 1, { 0xaf } },
	{ ns_repne_scasb, 2, { 0xf2, 0xae } },
	{ ns_repe_scasw, 3, { 0x66, 0xf3, 0xaf } },
	{ ns_repne_scasq, 3, { 0xf2, 0x48, 0xaf } },
};

static u64 sread(u64 addr, unsigned int size)
{
	u64 v = 0;

	memcpy(&v, (void *)(uintptr_t)addr, size);
	return v;
}

/*
 * CMPS and SCAS, one element at a time through emu_string_compare() and
 * emu_string_advance() as the exits do them, against the host CPU running
 * the whole instruction: REPE and REPNE stop where the CPU stops, with
 * the same flags, rSI, rDI and rCX, counting up and down (DF). The
 * elements come from a small alphabet, so that runs of equal ones happen.
 */
static void test_string_compare_vs_cpu(void **state)
{
	u64 x = 0x853c49e6748fea9bULL, gprs[EMU_NR_GPRS], f;
	u8 a[16 * 8], b[16 * 8];
	struct sstate cpu, in;
	struct emu_insn insn;
	unsigned int i, n, j, k;
	bool cmps, df, done;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sforms); i++) {
		decode_ok(64, sforms[i].bytes, sforms[i].n, &insn);
		cmps = insn.op == EMU_OP_CMPS;
		for (n = 0; n < 5000; n++) {
			for (j = 0; j < sizeof(a); j++) {
				k = xorshift(&x) % 8;
				a[j] = k < 6 ? 0x5a : k == 6 ? 0x80 : 0;
				b[j] = xorshift(&x) % 8 ? a[j] : 0x7f;
			}
			df = xorshift(&x) & 1;
			in.rcx = xorshift(&x) % 17;
			if (!insn.rep && !in.rcx)
				in.rcx = 0xdead;
			in.rsi = (u64)(uintptr_t)(df ? a + 15 * insn.size : a);
			in.rdi = (u64)(uintptr_t)(df ? b + 15 * insn.size : b);
			/* an element of @a, garbage above the element's size */
			in.rax = (xorshift(&x) & ~(insn.size == 8 ? ~0ULL :
						  (1ULL << (8 * insn.size)) - 1)) |
				 sread((u64)(uintptr_t)(a + (xorshift(&x) % 16) *
							insn.size), insn.size);
			in.f = 0x202 | (xorshift(&x) & EMU_FLAGS_ARITH) |
			       (df ? EMU_FLAG_DF : 0);
			cpu = in;
			sforms[i].fn(&cpu);
			/* as the CPU: with REP and rCX 0, no element, no exit */
			fill_gprs(gprs);
			gprs[0] = in.rax;
			gprs[1] = in.rcx;
			gprs[6] = in.rsi;
			gprs[7] = in.rdi;
			f = in.f;
			done = insn.rep && !in.rcx;
			while (!done) {
				f = emu_string_compare(&insn,
						       cmps ? sread(gprs[6], insn.size) :
							      gprs[0],
						       sread(gprs[7], insn.size), f);
				done = emu_string_advance(&insn, f, gprs, cmps, true);
			}
			if (f != cpu.f || gprs[1] != cpu.rcx ||
			    gprs[6] != cpu.rsi || gprs[7] != cpu.rdi ||
			    gprs[0] != cpu.rax)
				fail_msg("form %u (rcx %llu df %d): emulated f %#llx rcx %llu rsi %+lld rdi %+lld, cpu %#llx %llu %+lld %+lld",
					 i, (unsigned long long)in.rcx, df,
					 (unsigned long long)f,
					 (unsigned long long)gprs[1],
					 (long long)(gprs[6] - in.rsi),
					 (long long)(gprs[7] - in.rdi),
					 (unsigned long long)cpu.f,
					 (unsigned long long)cpu.rcx,
					 (long long)(cpu.rsi - in.rsi),
					 (long long)(cpu.rdi - in.rdi));
		}
	}
}
#else
static void test_alu_vs_cpu(void **state)
{
	(void)state;
	skip();
}

static void test_exchange_vs_cpu(void **state)
{
	(void)state;
	skip();
}

static void test_string_compare_vs_cpu(void **state)
{
	(void)state;
	skip();
}
#endif

/* The decoded instruction carried out: operand order, register writes. */
static void test_alu_insn(void **state)
{
	u64 gprs[EMU_NR_GPRS], before[EMU_NR_GPRS];
	struct emu_alu_out out;
	struct emu_insn insn;

	(void)state;
	fill_gprs(gprs);
	gprs[1] = 0xfffffffffffffff0ULL;	/* rcx */
	memcpy(before, gprs, sizeof(gprs));

	DECODE(64, &insn, 0x48, 0x29, 0x08);		/* sub [rax],rcx */
	emu_alu(&insn, 0x10, gprs, 0x202, &out);
	assert_true(out.write_mem);
	assert_int_equal(0x20, out.mem);		/* 0x10 - (-0x10) */
	assert_int_equal(0x202 | CF, out.rflags);
	assert_memory_equal(before, gprs, sizeof(gprs));

	DECODE(64, &insn, 0x48, 0x2b, 0x08);		/* sub rcx,[rax] */
	emu_alu(&insn, 0x10, gprs, 0x202, &out);
	assert_false(out.write_mem);
	assert_int_equal(0xffffffffffffffe0ULL, gprs[1]);
	assert_int_equal(0x202 | SF, out.rflags);

	gprs[1] = 0xfffffffffffffff0ULL;
	DECODE(64, &insn, 0x2b, 0x08);			/* sub ecx,[rax]: zero-extends */
	emu_alu(&insn, 0x10, gprs, 0x202, &out);
	assert_int_equal(0xffffffe0ULL, gprs[1]);

	gprs[0] = 0x1234;
	DECODE(32, &insn, 0x02, 0x20);			/* add ah,[eax] */
	emu_alu(&insn, 0x01, gprs, 0, &out);
	assert_int_equal(0x1334, gprs[0]);

	gprs[1] = 5;
	DECODE(32, &insn, 0x3b, 0x08);			/* cmp ecx,[eax]: no write */
	emu_alu(&insn, 5, gprs, 0, &out);
	assert_int_equal(5, gprs[1]);
	assert_false(out.write_mem);
	assert_int_equal(ZF | PF, out.rflags);

	DECODE(32, &insn, 0x83, 0x38, 0x05);		/* cmp dword [eax],5 */
	emu_alu(&insn, 5, gprs, 0, &out);
	assert_false(out.write_mem);
	assert_int_equal(ZF | PF, out.rflags);

	DECODE(32, &insn, 0xf6, 0x00, 0x80);		/* test byte [eax],0x80 */
	emu_alu(&insn, 0x80, gprs, 0, &out);
	assert_false(out.write_mem);
	assert_int_equal(SF, out.rflags);

	DECODE(32, &insn, 0xf0, 0x80, 0x08, 0x05);	/* lock or byte [eax],5 */
	emu_alu(&insn, 0xa0, gprs, 0, &out);
	assert_true(out.write_mem);
	assert_int_equal(0xa5, out.mem);

	gprs[1] = 33;
	DECODE(32, &insn, 0x0f, 0xab, 0x08);		/* bts [eax],ecx */
	emu_alu(&insn, 0, gprs, 0, &out);
	assert_true(out.write_mem);
	assert_int_equal(2, out.mem);			/* bit 33 mod 32 */
	assert_int_equal(0, out.rflags);

	DECODE(32, &insn, 0x0f, 0xba, 0x20, 0x01);	/* bt dword [eax],1 */
	emu_alu(&insn, 2, gprs, 0, &out);
	assert_false(out.write_mem);
	assert_int_equal(CF, out.rflags);
}

static void test_string_advance(void **state)
{
	u64 gprs[EMU_NR_GPRS];
	struct emu_insn insn;

	(void)state;
	fill_gprs(gprs);
	gprs[1] = 2;
	gprs[6] = 0x1000;
	gprs[7] = 0x2000;
	DECODE(64, &insn, 0xf3, 0x48, 0xa5);		/* rep movsq */
	assert_false(emu_string_advance(&insn, 0, gprs, true, true));
	assert_int_equal(1, gprs[1]);
	assert_int_equal(0x1008, gprs[6]);
	assert_int_equal(0x2008, gprs[7]);
	assert_true(emu_string_advance(&insn, 0, gprs, true, true));
	assert_int_equal(0, gprs[1]);

	/* DF counts down; STOS moves rDI only */
	gprs[1] = 5;
	DECODE(32, &insn, 0xf3, 0xab);			/* rep stosd */
	assert_false(emu_string_advance(&insn, EMU_FLAG_DF, gprs, false, true));
	assert_int_equal(0x200c, gprs[7]);
	assert_int_equal(0x1010, gprs[6]);
	assert_int_equal(4, gprs[1]);

	/* 32-bit address size: ECX/EDI wrap and clear the top */
	gprs[1] = 0xffffffff00000001ULL;
	gprs[7] = 0xaaaaaaaaffffffffULL;
	DECODE(64, &insn, 0x67, 0xf3, 0xaa);		/* rep stosb, 67 */
	assert_true(emu_string_advance(&insn, 0, gprs, false, true));
	assert_int_equal(0, gprs[7]);
	assert_int_equal(0, gprs[1]);

	/* 16-bit: only SI/CX move */
	gprs[1] = 0x1230001;
	gprs[6] = 0x5550000;
	DECODE(16, &insn, 0xf3, 0xac);			/* rep lodsb */
	assert_true(emu_string_advance(&insn, EMU_FLAG_DF, gprs, true, false));
	assert_int_equal(0x555ffff, gprs[6]);
	assert_int_equal(0x1230000, gprs[1]);

	/* no REP: done after one, RCX untouched */
	gprs[1] = 0;
	DECODE(32, &insn, 0xa4);
	assert_true(emu_string_advance(&insn, 0, gprs, true, true));
	assert_int_equal(0, gprs[1]);
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
		cmocka_unit_test(test_alu_table),
		cmocka_unit_test(test_alu_vs_cpu),
		cmocka_unit_test(test_exchange_vs_cpu),
		cmocka_unit_test(test_string_compare_vs_cpu),
		cmocka_unit_test(test_alu_insn),
		cmocka_unit_test(test_string_advance),
	};

	return cmocka_run_group_tests_name("emulate", tests, NULL, NULL);
}
