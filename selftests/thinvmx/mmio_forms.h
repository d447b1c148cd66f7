/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code shared by guest_test (emulated MMIO at the VMM) and ro_test
 * (read-only MMIO): the instruction forms compilers emit for device
 * registers -- read-modify-write ALU forms with a memory destination or
 * source, TEST, NOT/NEG, INC/DEC, the bit tests, MOVZX/MOVSX/MOVSXD,
 * XCHG, XADD, CMPXCHG (equal and not) and CMPXCHG8B, MOVS/STOS/LODS with
 * and without REP and with RFLAGS.DF, and CMPS/SCAS with REPE/REPNE, DF
 * and a 32-bit address size -- each run on
 * RAM and then on the device, with the same operands and flags in. The
 * guest compares what it sees itself: the registers and the arithmetic
 * flags must be the same; memory too, unless the device is read-only,
 * where it must be what it was. A difference is a TVX_UCALL_ASSERT with
 * the form's number, what differs, and both values.
 */
#ifndef _THINVMX_MMIO_FORMS_H
#define _THINVMX_MMIO_FORMS_H

#include "tvx_guest.h"

#define MF_CF		0x001ULL
#define MF_PF		0x004ULL
#define MF_AF		0x010ULL
#define MF_ZF		0x040ULL
#define MF_SF		0x080ULL
#define MF_DF		0x400ULL
#define MF_OF		0x800ULL
#define MF_ARITH	(MF_CF | MF_PF | MF_AF | MF_ZF | MF_SF | MF_OF)
/* the flags the SDM defines after a logical operation, a bit test */
#define MF_LOGIC	(MF_ARITH & ~MF_AF)
#define MF_BIT		MF_CF

/*
 * What one form left: flags, a register, string registers, a RAM buffer;
 * rAX, rDX and rBX for the compare-exchanges.
 */
struct mf_res {
	__u64 flags, r, rsi, rdi, rcx, b0, b1, m0, m1, a, d, bx;
};

/* One MOV each way: the compiler may not make them vector moves. */
static inline __u64 mf_rd(volatile __u64 *p)
{
	__u64 v;

	asm volatile("movq %1, %0" : "=r" (v) : "m" (*p));
	return v;
}

static inline void mf_wr(volatile __u64 *p, __u64 v)
{
	asm volatile("movq %1, %0" : "=m" (*p) : "r" (v));
}

typedef void (*mf_fn)(volatile __u64 *p, __u64 *buf, struct mf_res *o);

static inline __u64 mf_flags_now(void)
{
	__u64 f;

	asm volatile("pushf\n\tpop %0" : "=r" (f));
	return f;
}

/*
 * RFLAGS in through POPF and out through PUSHF, below the red zone (the
 * test binary is built with one).
 */
#define MF_ALU(name, insn, rin, fin)					\
static void name(volatile __u64 *p, __u64 *buf, struct mf_res *o)	\
{									\
	__u64 f = (mf_flags_now() & ~(MF_ARITH | MF_DF)) | (fin);	\
	__u64 r = (rin);						\
									\
	(void)buf;							\
	asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t"	\
		     insn "\n\tpushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"	\
		     : [f] "+r" (f), [r] "+q" (r) : [p] "r" (p)		\
		     : "memory", "cc");					\
	o->flags = f;							\
	o->r = r;							\
}

MF_ALU(mf_add, "addl %k[r], (%[p])", 0x80000001, 0)
MF_ALU(mf_add_b, "addb %b[r], 1(%[p])", 0x7f, MF_CF)
MF_ALU(mf_or_imm8, "orb $5, 2(%[p])", 0, 0)
MF_ALU(mf_lock_or, "lock orl %k[r], (%[p])", 0x10000, MF_ZF)
MF_ALU(mf_adc, "adcq %[r], (%[p])", 0xffffffffffffffffULL, MF_CF)
MF_ALU(mf_sbb_imm8, "sbbw $-3, (%[p])", 0, MF_CF)
MF_ALU(mf_and_imm32, "andl $0xfffeffff, (%[p])", 0, MF_OF | MF_CF)
MF_ALU(mf_and_q_imm, "andq $-16, 8(%[p])", 0, 0)
MF_ALU(mf_sub_load, "subq (%[p]), %[r]", 5, 0)
MF_ALU(mf_add_load_b, "addb 3(%[p]), %b[r]", 0x1234, MF_CF)
MF_ALU(mf_xor, "xorb %b[r], (%[p])", 0xff, MF_CF)
MF_ALU(mf_xor_w_imm, "xorw $0x8001, 6(%[p])", 0, 0)
MF_ALU(mf_cmp_imm8, "cmpl $5, (%[p])", 0, 0)
MF_ALU(mf_cmp_mem, "cmpq %[r], (%[p])", 0x42, 0)
MF_ALU(mf_cmp_load, "cmpl (%[p]), %k[r]", 0x42, 0)
MF_ALU(mf_test, "testl %k[r], (%[p])", 0x80000001, MF_CF | MF_OF)
MF_ALU(mf_test_imm8, "testb $0x80, 1(%[p])", 0, 0)
MF_ALU(mf_not, "notw 2(%[p])", 0, MF_CF | MF_ZF)
MF_ALU(mf_neg, "negl (%[p])", 0, 0)
MF_ALU(mf_neg_q, "negq 8(%[p])", 0, MF_CF)
MF_ALU(mf_inc, "incb (%[p])", 0, MF_CF)
MF_ALU(mf_dec, "decq (%[p])", 0, 0)
MF_ALU(mf_lock_dec, "lock decl 4(%[p])", 0, MF_CF)
MF_ALU(mf_bts, "btsl %k[r], (%[p])", 37, 0)
MF_ALU(mf_btr_imm, "btrq $63, 8(%[p])", 0, MF_CF)
MF_ALU(mf_btc_imm, "btcw $3, (%[p])", 0, 0)
MF_ALU(mf_bt_imm, "btl $4, (%[p])", 0, MF_CF)
MF_ALU(mf_lock_bts, "lock btsq %[r], (%[p])", 1, 0)
MF_ALU(mf_movzx, "movzbl 1(%[p]), %k[r]", ~0ULL, 0)
MF_ALU(mf_movzxw, "movzwq 2(%[p]), %[r]", ~0ULL, 0)
MF_ALU(mf_movsx, "movsbq (%[p]), %[r]", 0, 0)
MF_ALU(mf_movsxw, "movswl 6(%[p]), %k[r]", ~0ULL, 0)
MF_ALU(mf_movsxd, "movslq 4(%[p]), %[r]", 0, 0)
MF_ALU(mf_xchg, "xchgl %k[r], (%[p])", 0xffffffff89abcdefULL, MF_CF | MF_ZF)
MF_ALU(mf_xchg_b, "xchgb %b[r], 3(%[p])", 0x1234, 0)
MF_ALU(mf_lock_xchg_q, "lock xchgq %[r], 8(%[p])", 0xfedcba9876543210ULL, MF_OF)
MF_ALU(mf_xadd, "lock xaddl %k[r], (%[p])", 0x80000001, 0)
MF_ALU(mf_xadd_w, "xaddw %w[r], 6(%[p])", 0xffff, MF_CF)
MF_ALU(mf_xadd_q, "lock xaddq %[r], 8(%[p])", 1, 0)
MF_ALU(mf_xadd_b, "xaddb %b[r], 2(%[p])", 0x01, MF_ZF)

/*
 * The compare-exchanges: rAX (EDX:EAX), rCX (ECX:EBX) in, all four out.
 * The forms that must find memory equal load the comparand from it first.
 */
#define MF_X(name, insn, ain, cin, din, bin, fin)			\
static void name(volatile __u64 *p, __u64 *buf, struct mf_res *o)	\
{									\
	__u64 f = (mf_flags_now() & ~(MF_ARITH | MF_DF)) | (fin);	\
	__u64 a = (ain), c = (cin), d = (din), b = (bin);		\
									\
	(void)buf;							\
	asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t"	\
		     insn "\n\tpushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"	\
		     : [f] "+r" (f), "+a" (a), "+c" (c), "+d" (d), "+b" (b) \
		     : [p] "r" (p) : "memory", "cc");			\
	o->flags = f;							\
	o->r = c;							\
	o->a = a;							\
	o->d = d;							\
	o->bx = b;							\
}

/* equal: RAX's upper half (bit 40) is kept, as RAX is not written */
MF_X(mf_cmpxchg_eq, "movl (%[p]), %%eax\n\tbts $40, %%rax\n\t"
     "lock cmpxchgl %%ecx, (%[p])", 0, 0x13572468, 0, 0, MF_CF)
/* not equal: RAX gets memory */
MF_X(mf_cmpxchg_ne, "lock cmpxchgq %%rcx, 8(%[p])", 0x5555555555555555ULL, 1,
     0, 0, 0)
MF_X(mf_cmpxchg_b_ne, "cmpxchgb %%cl, 1(%[p])", 0xaaaaaaaaaaaaaa00ULL, 0x42,
     0, 0, MF_ZF)
MF_X(mf_cmpxchg_w_eq, "movw 4(%[p]), %%ax\n\tcmpxchgw %%cx, 4(%[p])", ~0ULL,
     0xbeef, 0, 0, 0)
MF_X(mf_cmpxchg8b_eq, "movl (%[p]), %%eax\n\tmovl 4(%[p]), %%edx\n\t"
     "lock cmpxchg8b (%[p])", 0, 0xffffffff33334444ULL, 0,
     0xffffffff11112222ULL, MF_CF | MF_SF)
/* not equal: EDX:EAX get memory, RAX and RDX zero-extended */
MF_X(mf_cmpxchg8b_ne, "cmpxchg8b 8(%[p])", 0xffffffff12345678ULL, 7,
     0xffffffff9abcdef0ULL, 9, MF_ZF)

/* The string forms: @p is the device side, @buf the RAM side. */
#define MF_STR(name, insn, si, di, cx, ax, fin)				\
static void name(volatile __u64 *p, __u64 *buf, struct mf_res *o)	\
{									\
	__u64 f = (mf_flags_now() & ~(MF_ARITH | MF_DF)) | (fin);	\
	__u64 s = (__u64)(uintptr_t)(si), d = (__u64)(uintptr_t)(di);	\
	__u64 c = (cx), a = (ax);					\
									\
	asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t"	\
		     insn "\n\tpushf\n\tpop %[f]\n\tcld\n\t"		\
		     "lea 128(%%rsp), %%rsp"				\
		     : [f] "+r" (f), "+S" (s), "+D" (d), "+c" (c), "+a" (a)	\
		     : : "memory", "cc");				\
	o->flags = f;							\
	o->r = a;							\
	o->rsi = s - (__u64)(uintptr_t)(si);				\
	o->rdi = d - (__u64)(uintptr_t)(di);				\
	o->rcx = c;							\
}

MF_STR(mf_stosb, "stosb", 0, p, 0, 0x5a, 0)
MF_STR(mf_rep_stosw, "rep stosw", 0, p, 3, 0xa5c3, 0)
MF_STR(mf_rep_stosq_df, "rep stosq", 0, p + 1, 2, 0x1122334455667788ULL, MF_DF)
MF_STR(mf_rep_movsl_to, "rep movsl", buf, p, 3, 0, 0)
MF_STR(mf_movsb_to, "movsb", buf, (volatile char *)p + 5, 0, 0, 0)
MF_STR(mf_rep_movsq_from, "rep movsq", p, buf, 2, 0, 0)
MF_STR(mf_rep_movsb_from_df, "rep movsb", (volatile char *)p + 9, (char *)buf + 9,
       4, 0, MF_DF)
MF_STR(mf_lodsl, "lodsl", p, 0, 0, ~0ULL, 0)
MF_STR(mf_lodsw, "lodsw", (volatile char *)p + 2, 0, 0, ~0ULL, 0)
MF_STR(mf_rep_lodsb, "rep lodsb", p, 0, 3, 0, 0)
MF_STR(mf_rep_stosb_zero, "rep stosb", 0, p, 0, 0x77, 0)
MF_STR(mf_scasb, "scasb", 0, p, 0, 0x7f, 0)
MF_STR(mf_repne_scasb, "repne scasb", 0, p, 8, 0x01, 0)
MF_STR(mf_repe_scasw_df, "repe scasw", 0, (volatile char *)p + 6, 4, 0x1111,
       MF_DF)
MF_STR(mf_scasq, "scasq", 0, p + 1, 0, 0x8000000000010080ULL, 0)
MF_STR(mf_repe_cmpsb_from, "repe cmpsb", p, buf, 8, 0, 0)
MF_STR(mf_repne_cmpsl_to, "repne cmpsl", buf, p, 4, 0, 0)
MF_STR(mf_cmpsq_df, "cmpsq", p + 1, buf + 1, 0, 0, MF_DF)
MF_STR(mf_a32_repe_cmpsw, "addr32 repe cmpsw", buf, p, 4, 0, 0)

struct mf_form {
	mf_fn fn;
	__u64 m0, m1;		/* the operand's 16 bytes, before */
	__u64 flags;		/* the flags the SDM defines after it */
};

static const struct mf_form mf_forms[] = {
	{ mf_add, 0x80000000, 0, MF_ARITH },
	{ mf_add_b, 0x0100, 0, MF_ARITH },
	{ mf_or_imm8, 0xf0f0f0f0f0f0f0f0ULL, 1, MF_LOGIC },
	{ mf_lock_or, 0x7fffffff, 2, MF_LOGIC },
	{ mf_adc, 0x1, 3, MF_ARITH },
	{ mf_sbb_imm8, 0x7ffd, 4, MF_ARITH },
	{ mf_and_imm32, 0x00010000, 5, MF_LOGIC },
	{ mf_and_q_imm, 0, 0x800000000000000fULL, MF_LOGIC },
	{ mf_sub_load, 6, 7, MF_ARITH },
	{ mf_add_load_b, 0xff000000, 8, MF_ARITH },
	{ mf_xor, 0xff, 9, MF_LOGIC },
	{ mf_xor_w_imm, 0x8001000000000000ULL, 10, MF_LOGIC },
	{ mf_cmp_imm8, 5, 11, MF_ARITH },
	{ mf_cmp_mem, 0x41, 12, MF_ARITH },
	{ mf_cmp_load, 0x80000042, 13, MF_ARITH },
	{ mf_test, 0x80000000, 14, MF_LOGIC },
	{ mf_test_imm8, 0x8000, 15, MF_LOGIC },
	{ mf_not, 0x00ff0000, 16, MF_ARITH },
	{ mf_neg, 0x80000000, 17, MF_ARITH },
	{ mf_neg_q, 0, 0, MF_ARITH },
	{ mf_inc, 0xff, 18, MF_ARITH },
	{ mf_dec, 0, 19, MF_ARITH },
	{ mf_lock_dec, 0x0000000100000000ULL, 20, MF_ARITH },
	{ mf_bts, 0, 21, MF_BIT },
	{ mf_btr_imm, 0, 0x8000000000000000ULL, MF_BIT },
	{ mf_btc_imm, 0x8, 22, MF_BIT },
	{ mf_bt_imm, 0x10, 23, MF_BIT },
	{ mf_lock_bts, 2, 24, MF_BIT },
	{ mf_movzx, 0x8000, 25, MF_ARITH },
	{ mf_movzxw, 0xfedcba98, 26, MF_ARITH },
	{ mf_movsx, 0x80, 27, MF_ARITH },
	{ mf_movsxw, 0x8001000000000000ULL, 28, MF_ARITH },
	{ mf_movsxd, 0x8765432100000000ULL, 29, MF_ARITH },
	{ mf_xchg, 0x1122334455667788ULL, 39, MF_ARITH },
	{ mf_xchg_b, 0x00000000ff000000ULL, 40, MF_ARITH },
	{ mf_lock_xchg_q, 41, 0x0123456789abcdefULL, MF_ARITH },
	{ mf_xadd, 0x7fffffff, 42, MF_ARITH },
	{ mf_xadd_w, 0x0001000000000000ULL, 43, MF_ARITH },
	{ mf_xadd_q, 44, ~0ULL, MF_ARITH },
	{ mf_xadd_b, 0x7f0000, 45, MF_ARITH },
	{ mf_cmpxchg_eq, 0x80000000deadbeefULL, 46, MF_ARITH },
	{ mf_cmpxchg_ne, 47, 0x5555555555555554ULL, MF_ARITH },
	{ mf_cmpxchg_b_ne, 0x8000, 48, MF_ARITH },
	{ mf_cmpxchg_w_eq, 0x0000123400000000ULL, 49, MF_ARITH },
	{ mf_cmpxchg8b_eq, 0x0123456789abcdefULL, 50, MF_ARITH },
	{ mf_cmpxchg8b_ne, 51, 0x9abcdef112345678ULL, MF_ARITH },
	{ mf_stosb, 0x1111111111111111ULL, 30, MF_ARITH },
	{ mf_rep_stosw, 0x2222222222222222ULL, 31, MF_ARITH },
	{ mf_rep_stosq_df, 32, 0x3333333333333333ULL, MF_ARITH },
	{ mf_rep_movsl_to, 0x4444444444444444ULL, 33, MF_ARITH },
	{ mf_movsb_to, 0x5555555555555555ULL, 34, MF_ARITH },
	{ mf_rep_movsq_from, 0x0123456789abcdefULL, 0xfedcba9876543210ULL,
	  MF_ARITH },
	{ mf_rep_movsb_from_df, 0x0011223344556677ULL, 0x8899aabbccddeeffULL,
	  MF_ARITH },
	{ mf_lodsl, 0x89abcdef01234567ULL, 35, MF_ARITH },
	{ mf_lodsw, 0x89abcdef01234567ULL, 36, MF_ARITH },
	{ mf_rep_lodsb, 0x0000000000332211ULL, 37, MF_ARITH },
	{ mf_rep_stosb_zero, 0x6666666666666666ULL, 38, MF_ARITH },
	{ mf_scasb, 0x7f, 52, MF_ARITH },
	{ mf_repne_scasb, 0x0000010000000000ULL, 53, MF_ARITH },
	{ mf_repe_scasw_df, 0x1111111111111111ULL, 54, MF_ARITH },
	{ mf_scasq, 55, 0x8000000000010081ULL, MF_ARITH },
	{ mf_repe_cmpsb_from, 0xa1a2a3ffa5a6a7a8ULL, 56, MF_ARITH },
	{ mf_repne_cmpsl_to, 0, 0x00000000b5b6b7b8ULL, MF_ARITH },
	{ mf_cmpsq_df, 57, 0xb1b2b3b4b5b6b7b8ULL, MF_ARITH },
	{ mf_a32_repe_cmpsw, 0xa1a2a3a4a5a6a7a8ULL, 0xb1b2b3b4b5b6b7b8ULL,
	  MF_ARITH },
};

#define MF_NR		(sizeof(mf_forms) / sizeof(mf_forms[0]))

/* What differs, as the ASSERT's first argument. */
enum { MF_DIFF_FLAGS = 1, MF_DIFF_R, MF_DIFF_RSI, MF_DIFF_RDI, MF_DIFF_RCX,
       MF_DIFF_B0, MF_DIFF_B1, MF_DIFF_M0, MF_DIFF_M1, MF_DIFF_A, MF_DIFF_D,
       MF_DIFF_BX };

#define MF_CMP(what, a, b) do {						\
	if ((a) != (b)) {						\
		TVX_GUEST_UCALL(TVX_UCALL_ASSERT,			\
				"MMIO form differs from RAM: form, what, RAM, MMIO", \
				i, (what), (a), (b));			\
		tvx_guest_halt();					\
	}								\
} while (0)

/*
 * Run every form on @ram, then on the device at @p, and compare. With
 * @ro the device is read-only: its content is what the forms start from
 * (the guest cannot set it), and must stay. @buf is RAM for the string
 * forms' other side.
 */
static inline void mf_check(volatile __u64 *p, __u64 *ram, __u64 *buf, int ro)
{
	struct mf_res a, b;
	__u64 m0, m1;
	unsigned int i;

	for (i = 0; i < MF_NR; i++) {
		const struct mf_form *f = &mf_forms[i];

		if (!ro) {
			mf_wr(p, f->m0);
			mf_wr(p + 1, f->m1);
		}
		m0 = mf_rd(p);
		m1 = mf_rd(p + 1);
		/* what a form does not set compares equal */
		tvx_guest_memset(&a, 0, sizeof(a));
		tvx_guest_memset(&b, 0, sizeof(b));
		ram[0] = m0;
		ram[1] = m1;
		buf[0] = 0xa1a2a3a4a5a6a7a8ULL;
		buf[1] = 0xb1b2b3b4b5b6b7b8ULL;
		f->fn(ram, buf, &a);
		a.b0 = buf[0];
		a.b1 = buf[1];
		a.m0 = ram[0];
		a.m1 = ram[1];
		buf[0] = 0xa1a2a3a4a5a6a7a8ULL;
		buf[1] = 0xb1b2b3b4b5b6b7b8ULL;
		f->fn(p, buf, &b);
		b.b0 = buf[0];
		b.b1 = buf[1];
		b.m0 = mf_rd(p);
		b.m1 = mf_rd(p + 1);
		if (ro) {
			a.m0 = m0;
			a.m1 = m1;
		}
		MF_CMP(MF_DIFF_FLAGS, a.flags & f->flags, b.flags & f->flags);
		MF_CMP(MF_DIFF_R, a.r, b.r);
		MF_CMP(MF_DIFF_RSI, a.rsi, b.rsi);
		MF_CMP(MF_DIFF_RDI, a.rdi, b.rdi);
		MF_CMP(MF_DIFF_RCX, a.rcx, b.rcx);
		MF_CMP(MF_DIFF_B0, a.b0, b.b0);
		MF_CMP(MF_DIFF_B1, a.b1, b.b1);
		MF_CMP(MF_DIFF_M0, a.m0, b.m0);
		MF_CMP(MF_DIFF_M1, a.m1, b.m1);
		MF_CMP(MF_DIFF_A, a.a, b.a);
		MF_CMP(MF_DIFF_D, a.d, b.d);
		MF_CMP(MF_DIFF_BX, a.bx, b.bx);
	}
}

#endif /* _THINVMX_MMIO_FORMS_H */
