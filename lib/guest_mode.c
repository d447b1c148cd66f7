// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: starting a vCPU in long, protected or real mode.
 *
 * The long and protected mode setups build their tables in an area of guest
 * RAM (layout below), rewritten whole at every call except the stacks. The
 * guest code they need (the entry trampoline, the return stub and the
 * exception stubs) is assembled here into .rodata as position-independent
 * bytes and copied into the area; it never runs in the host.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "libthinvmx.h"

/* The area, offsets from its base (TVX_GUEST_AREA_SIZE in all). */
#define AREA_PML4	0x00000
#define AREA_PDPT	0x01000
#define AREA_PD		0x02000		/* TVX_GUEST_MAP_MAX >> 30 pages */
#define AREA_GDT	0x12000
#define AREA_TSS	0x13000
#define AREA_IDT	0x14000
#define AREA_IDT32	0x15000
#define AREA_CODE	0x16000		/* up to 3 pages */
#define AREA_CODE_MAX	0x3000
#define AREA_TLS	0x19000		/* 2 pages; FS base in the middle */
#define AREA_IST	0x1c000		/* 16 KiB, top at 0x20000 */
#define AREA_IST_TOP	0x20000
#define AREA_STACKS	0x20000		/* TVX_GUEST_STACKS from the top down */
#define AREA_TABLES_END	AREA_STACKS

_Static_assert(AREA_PD + (TVX_GUEST_MAP_MAX >> 30) * 0x1000 <= AREA_GDT, "PDs");
_Static_assert(AREA_STACKS + TVX_GUEST_STACKS * TVX_GUEST_STACK_SIZE <=
	       TVX_GUEST_AREA_SIZE, "stacks");

#define GIB		(1ULL << 30)
#define FOUR_GIB	(4ULL << 30)

#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_PS		0x80ULL

#define X86_CR0_PE	0x1ULL
#define X86_CR0_MP	0x2ULL
#define X86_CR0_ET	0x10ULL
#define X86_CR0_NE	0x20ULL
#define X86_CR0_WP	0x10000ULL
#define X86_CR0_PG	0x80000000ULL
#define X86_CR4_PAE	0x20ULL
#define X86_CR4_OSFXSR	0x200ULL
#define X86_CR4_OSXMMEXCPT 0x400ULL
#define X86_CR4_OSXSAVE	0x40000ULL
#define EFER_LME	0x100ULL
#define EFER_NXE	0x800ULL

/* VMX access rights (SDM 25.4.1) */
#define AR_CODE64	0xa09b		/* G, L, P, S, execute/read accessed */
#define AR_CODE32	0xc09b		/* G, D, P, S, execute/read accessed */
#define AR_DATA		0xc093		/* G, B, P, S, read/write accessed */
#define AR_TSS_BUSY	0x008b		/* P, type 11: busy 32/64-bit TSS */
#define AR_UNUSABLE	0x10000
#define AR_RM_CODE	0x009b
#define AR_RM_DATA	0x0093
#define AR_RM_LDT	0x0082

/* XCR0 bits the guest gets from the host: x87, SSE, AVX, AVX-512 */
#define XCR0_GUEST_MASK	0xe7ULL

/*
 * The guest code. Offsets into it come from the symbols; everything inside
 * is RIP-relative, so it runs wherever the area is.
 *
 * tvx_blob_entry: sets XCR0 from tvx_blob_xcr0 (when nonzero), keeping
 *   every register, and returns into the entry point pushed by the host.
 * tvx_blob_ret: the entry point's return address: ucall DONE, args[0] = RAX.
 * tvx_blob_stubs: 256 stubs of 16 bytes, for vector N at N * 16; they push
 *   a zero error code where the CPU pushes none, then the vector.
 * Both stubs' frames are struct tvx_ucall_frame (80 bytes).
 */
#define STR(x)	#x
#define XSTR(x)	STR(x)

asm(
"	.pushsection .rodata.tvx_guest_blob, \"a\"\n"
"	.balign 16\n"
"	.globl tvx_blob_start, tvx_blob_entry, tvx_blob_ret, tvx_blob_stubs\n"
"	.globl tvx_blob_xcr0, tvx_blob_end\n"
"	.hidden tvx_blob_start, tvx_blob_entry, tvx_blob_ret, tvx_blob_stubs\n"
"	.hidden tvx_blob_xcr0, tvx_blob_end\n"
"tvx_blob_start:\n"
"tvx_blob_entry:\n"
"	push %rax\n"
"	push %rcx\n"
"	push %rdx\n"
"	mov tvx_blob_xcr0(%rip), %eax\n"
"	mov tvx_blob_xcr0+4(%rip), %edx\n"
"	test %eax, %eax\n"
"	jz 1f\n"
"	xor %ecx, %ecx\n"
"	xsetbv\n"
"1:	pop %rdx\n"
"	pop %rcx\n"
"	pop %rax\n"
"	ret\n"
"	.balign 16\n"
"tvx_blob_ret:\n"
"	and $-16, %rsp\n"
"	sub $80, %rsp\n"
"	movq $" XSTR(TVX_UCALL_DONE) ", 0(%rsp)\n"
"	mov %rax, 8(%rsp)\n"
"	xor %eax, %eax\n"
"	mov %rax, 16(%rsp)\n"
"	mov %rax, 24(%rsp)\n"
"	mov %rax, 32(%rsp)\n"
"	mov %rax, 40(%rsp)\n"
"	mov %rax, 48(%rsp)\n"
"	mov %rax, 56(%rsp)\n"
"	mov %rax, 64(%rsp)\n"
"	lea tvx_blob_ret_msg(%rip), %rax\n"
"	mov %rax, 72(%rsp)\n"
"	jmp tvx_blob_ucall\n"
"	.balign 16\n"
"tvx_blob_stubs:\n"
"	.set vec, 0\n"
"	.rept 256\n"
"	.balign 16\n"
"	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)\n"
"	pushq $vec\n"
"	.else\n"
"	pushq $0\n"
"	pushq $vec\n"
"	.endif\n"
"	jmp tvx_blob_exception\n"
"	.set vec, vec + 1\n"
"	.endr\n"
/* stack: vector, error, rip, cs, rflags, rsp, ss */
"tvx_blob_exception:\n"
"	sub $80, %rsp\n"
"	movq $" XSTR(TVX_UCALL_UNHANDLED) ", 0(%rsp)\n"
"	mov 80(%rsp), %rax\n"
"	mov %rax, 8(%rsp)\n"
"	mov 88(%rsp), %rax\n"
"	mov %rax, 16(%rsp)\n"
"	mov 96(%rsp), %rax\n"
"	mov %rax, 24(%rsp)\n"
"	mov %cr2, %rax\n"
"	mov %rax, 32(%rsp)\n"
"	mov 120(%rsp), %rax\n"
"	mov %rax, 40(%rsp)\n"
"	mov 112(%rsp), %rax\n"
"	mov %rax, 48(%rsp)\n"
"	xor %eax, %eax\n"
"	mov %rax, 56(%rsp)\n"
"	mov %rax, 64(%rsp)\n"
"	mov %rax, 72(%rsp)\n"
"tvx_blob_ucall:\n"
"	mov %rsp, %rdi\n"
"	mov %edi, %eax\n"
"	mov $" XSTR(TVX_UCALL_PORT) ", %edx\n"
"	out %eax, (%dx)\n"
"2:	hlt\n"
"	jmp 2b\n"
"tvx_blob_ret_msg:\n"
"	.asciz \"the entry function returned\"\n"
"	.balign 8\n"
"tvx_blob_xcr0:\n"
"	.quad 0\n"
"tvx_blob_end:\n"
"	.popsection\n"
);

#define BLOB_SYM(name) extern const unsigned char name[] __attribute__((visibility("hidden")))
BLOB_SYM(tvx_blob_start);
BLOB_SYM(tvx_blob_entry);
BLOB_SYM(tvx_blob_ret);
BLOB_SYM(tvx_blob_stubs);
BLOB_SYM(tvx_blob_xcr0);
BLOB_SYM(tvx_blob_end);

#define BLOB_OFF(sym)	((__u64)((sym) - tvx_blob_start))

int tvx_guest_layout(struct tvx_domain *d, struct tvx_guest_layout *l)
{
	struct thinvmx_e820_entry e[THINVMX_MEMMAP_MAX];
	struct thinvmx_memmap m;
	__u64 base = 0, ram_end = 0;
	bool found = false;
	unsigned int i, n;
	int ret;

	ret = tvx_domain_memmap(d, &m, e, THINVMX_MEMMAP_MAX);
	if (ret)
		return ret;
	n = m.nr_entries < THINVMX_MEMMAP_MAX ? m.nr_entries : THINVMX_MEMMAP_MAX;
	for (i = 0; i < n; i++) {
		__u64 start = e[i].addr, end = e[i].addr + e[i].size, top;

		if (e[i].type != THINVMX_E820_RAM)
			continue;
		if (end > ram_end)
			ram_end = end;
		top = (end < FOUR_GIB ? end : FOUR_GIB) & ~0xfffULL;
		if (top > start && top - start >= TVX_GUEST_AREA_SIZE &&
		    (!found || top - TVX_GUEST_AREA_SIZE > base)) {
			base = top - TVX_GUEST_AREA_SIZE;
			found = true;
		}
	}
	if (!found)
		return -ENOSPC;
	if (ram_end > TVX_GUEST_MAP_MAX)
		return -ERANGE;

	memset(l, 0, sizeof(*l));
	l->base = base;
	l->map_end = ram_end > FOUR_GIB ? (ram_end + GIB - 1) & ~(GIB - 1) : FOUR_GIB;
	l->pml4 = base + AREA_PML4;
	l->gdt = base + AREA_GDT;
	l->tss = base + AREA_TSS;
	l->idt = base + AREA_IDT;
	l->idt32 = base + AREA_IDT32;
	l->code = base + AREA_CODE;
	l->tls = base + AREA_TLS + 0x1000;
	l->ist = base + AREA_IST_TOP;
	for (i = 0; i < TVX_GUEST_STACKS; i++)
		l->stack_top[i] = base + TVX_GUEST_AREA_SIZE - i * TVX_GUEST_STACK_SIZE;
	return 0;
}

/* A code or data descriptor (SDM 3.4.5) from base, limit, VMX rights. */
static __u64 tvx_desc(__u32 base, __u32 limit, __u32 ar)
{
	if (ar & 0x8000)	/* G: the descriptor's limit is in pages */
		limit >>= 12;
	return (limit & 0xffffULL) | ((__u64)(base & 0xffffff) << 16) |
	       ((__u64)(ar & 0xff) << 40) | ((__u64)((limit >> 16) & 0xf) << 48) |
	       ((__u64)((ar >> 12) & 0xf) << 52) | ((__u64)(base >> 24) << 56);
}

/* A 64-bit interrupt gate (SDM 6.14.1) to handler, on stack ist. */
static void tvx_gate64(__u64 *g, __u64 handler, unsigned int ist)
{
	g[0] = (handler & 0xffff) | ((__u64)TVX_GUEST_SEL_CODE64 << 16) |
	       ((__u64)ist << 32) | (0x8eULL << 40) | ((handler >> 16 & 0xffff) << 48);
	g[1] = handler >> 32;
}

static int tvx_host_xcr0(__u64 *xcr0)
{
	unsigned int a, b, c, dx;
	__u32 lo, hi;

	*xcr0 = 0;
	if (!__get_cpuid(1, &a, &b, &c, &dx) || !(c & bit_OSXSAVE))
		return 0;
	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	*xcr0 = (((__u64)hi << 32) | lo) & XCR0_GUEST_MASK;
	return 1;
}

/*
 * Write everything the area holds but the stacks: built in a buffer, as the
 * area may span two RAM entries, then copied.
 */
static int tvx_guest_area_write(struct tvx_domain *d, const struct tvx_guest_layout *l,
				__u64 xcr0)
{
	__u64 blob_len = tvx_blob_end - tvx_blob_start;
	unsigned char *area, *tss;
	__u64 *pml4, *pdpt, *pd, *gdt, *idt;
	__u64 gib, i, ist = l->ist;
	__u16 iomap = 0x68;
	int ret;

	if (blob_len > AREA_CODE_MAX)
		return -E2BIG;
	area = calloc(1, AREA_TABLES_END);
	if (!area)
		return -ENOMEM;
	pml4 = (__u64 *)(area + AREA_PML4);
	pdpt = (__u64 *)(area + AREA_PDPT);
	pd = (__u64 *)(area + AREA_PD);
	gdt = (__u64 *)(area + AREA_GDT);
	idt = (__u64 *)(area + AREA_IDT);
	tss = area + AREA_TSS;

	pml4[0] = (l->base + AREA_PDPT) | PTE_P | PTE_RW;
	for (gib = 0; gib < l->map_end / GIB; gib++) {
		pdpt[gib] = (l->base + AREA_PD + gib * 0x1000) | PTE_P | PTE_RW;
		for (i = 0; i < 512; i++)
			pd[gib * 512 + i] = (gib * GIB + (i << 21)) | PTE_P | PTE_RW | PTE_PS;
	}

	gdt[TVX_GUEST_SEL_CODE64 / 8] = tvx_desc(0, 0xffffffff, AR_CODE64);
	gdt[TVX_GUEST_SEL_DATA / 8] = tvx_desc(0, 0xffffffff, AR_DATA);
	gdt[TVX_GUEST_SEL_CODE32 / 8] = tvx_desc(0, 0xffffffff, AR_CODE32);
	/* 16 bytes in long mode; the upper half is base[63:32] = 0 */
	gdt[TVX_GUEST_SEL_TSS / 8] = tvx_desc(l->tss, 0x67, AR_TSS_BUSY);

	/* TSS: IST1 at 0x24, the I/O map base past the limit (no map) */
	memcpy(tss + 0x24, &ist, 8);
	memcpy(tss + 0x66, &iomap, 2);

	for (i = 0; i < 256; i++)
		tvx_gate64(&idt[i * 2], l->code + BLOB_OFF(tvx_blob_stubs) + i * 16,
			   i == 8 ? 1 : 0);

	memcpy(area + AREA_CODE, tvx_blob_start, blob_len);
	memcpy(area + AREA_CODE + BLOB_OFF(tvx_blob_xcr0), &xcr0, 8);

	ret = tvx_write_guest(d, l->base, area, AREA_TABLES_END);
	free(area);
	return ret;
}

static void tvx_seg(struct thinvmx_segment *s, __u16 sel, __u64 base, __u32 limit,
		    __u32 ar)
{
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->ar = ar;
}

static int tvx_start(struct tvx_vcpu *v, const struct thinvmx_sregs *s,
		     __u64 rip, __u64 rsp)
{
	struct thinvmx_regs r = { .rip = rip, .rsp = rsp, .rflags = 2 };
	int ret;

	ret = tvx_set_sregs(v, s);
	return ret ? ret : tvx_set_regs(v, &r);
}

int tvx_vcpu_setup_long_mode(struct tvx_vcpu *v, struct tvx_domain *d,
			     __u64 rip, __u64 rsp)
{
	struct thinvmx_sregs s = { 0 };
	struct tvx_guest_layout l;
	__u64 frame[2], xcr0;
	int ret, osxsave;

	ret = tvx_guest_layout(d, &l);
	if (ret)
		return ret;
	if (!rsp)
		rsp = l.stack_top[0];
	/* the trampoline returns to rip; rip returns to the DONE stub */
	rsp = (rsp & ~15ULL) - 16;
	frame[0] = rip;
	frame[1] = l.code + BLOB_OFF(tvx_blob_ret);
	ret = tvx_write_guest(d, rsp, frame, sizeof(frame));
	if (ret)
		return ret;
	osxsave = tvx_host_xcr0(&xcr0);
	ret = tvx_guest_area_write(d, &l, xcr0);
	if (ret)
		return ret;

	tvx_seg(&s.cs, TVX_GUEST_SEL_CODE64, 0, 0xffffffff, AR_CODE64);
	tvx_seg(&s.ds, TVX_GUEST_SEL_DATA, 0, 0xffffffff, AR_DATA);
	s.es = s.ds;
	s.ss = s.ds;
	s.gs = s.ds;
	tvx_seg(&s.fs, TVX_GUEST_SEL_DATA, l.tls, 0xffffffff, AR_DATA);
	tvx_seg(&s.tr, TVX_GUEST_SEL_TSS, l.tss, 0x67, AR_TSS_BUSY);
	tvx_seg(&s.ldt, 0, 0, 0, AR_UNUSABLE);
	s.gdt.base = l.gdt;
	s.gdt.limit = TVX_GUEST_SEL_TSS + 15;
	s.idt.base = l.idt;
	s.idt.limit = 256 * 16 - 1;
	s.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
		X86_CR0_PG;
	s.cr3 = l.pml4;
	s.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT |
		(osxsave ? X86_CR4_OSXSAVE : 0);
	s.efer = EFER_LME | EFER_NXE;
	return tvx_start(v, &s, l.code + BLOB_OFF(tvx_blob_entry), rsp);
}

int tvx_vcpu_setup_protected_mode(struct tvx_vcpu *v, struct tvx_domain *d,
				  __u32 eip, __u32 esp)
{
	struct thinvmx_sregs s = { 0 };
	struct tvx_guest_layout l;
	int ret;

	ret = tvx_guest_layout(d, &l);
	if (ret)
		return ret;
	ret = tvx_guest_area_write(d, &l, 0);
	if (ret)
		return ret;
	tvx_seg(&s.cs, TVX_GUEST_SEL_CODE32, 0, 0xffffffff, AR_CODE32);
	tvx_seg(&s.ds, TVX_GUEST_SEL_DATA, 0, 0xffffffff, AR_DATA);
	s.es = s.ds;
	s.ss = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	tvx_seg(&s.tr, TVX_GUEST_SEL_TSS, l.tss, 0x67, AR_TSS_BUSY);
	tvx_seg(&s.ldt, 0, 0, 0, AR_UNUSABLE);
	s.gdt.base = l.gdt;
	s.gdt.limit = TVX_GUEST_SEL_TSS + 15;
	s.idt.base = l.idt32;
	s.idt.limit = 256 * 8 - 1;
	s.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE;
	s.cr4 = X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	return tvx_start(v, &s, eip, esp ? esp : (__u32)l.stack_top[0]);
}

int tvx_vcpu_setup_real_mode(struct tvx_vcpu *v, __u16 cs, __u16 ip)
{
	struct thinvmx_sregs s = { 0 };
	__u64 base = (__u64)cs << 4;

	tvx_seg(&s.cs, cs, base, 0xffff, AR_RM_CODE);
	tvx_seg(&s.ds, cs, base, 0xffff, AR_RM_DATA);
	s.es = s.ds;
	s.ss = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	tvx_seg(&s.tr, 0, 0, 0xffff, AR_TSS_BUSY);
	tvx_seg(&s.ldt, 0, 0, 0xffff, AR_RM_LDT);
	s.gdt.limit = 0xffff;
	s.idt.limit = 0x3ff;
	s.cr0 = X86_CR0_ET;
	return tvx_start(v, &s, ip, 0);
}

int tvx_vcpu_set_args(struct tvx_vcpu *v, __u64 a0, __u64 a1, __u64 a2)
{
	struct thinvmx_regs r;
	int ret;

	ret = tvx_get_regs(v, &r);
	if (ret)
		return ret;
	r.rdi = a0;
	r.rsi = a1;
	r.rdx = a2;
	return tvx_set_regs(v, &r);
}
