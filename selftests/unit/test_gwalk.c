// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the guest page-table walk (kmod/vmx/gwalk.c), compiled from
 * the module's own source file. Tiny page tables live in a fake guest
 * memory; the read callback fails for addresses beyond it.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/vmx/gwalk.c"

#define MEM_SIZE	0x10000

struct guest {
	u8 mem[MEM_SIZE];
	unsigned int reads;
	int fail_ret;		/* when not 0, every read returns it */
};

static struct guest guest;

static int fake_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	struct guest *g = ctx;

	assert_ptr_equal(&guest, g);
	assert_true(len == 4 || len == 8);
	assert_int_equal(0, gpa % len);
	g->reads++;
	if (g->fail_ret)
		return g->fail_ret;
	if (gpa >= MEM_SIZE || MEM_SIZE - gpa < len)
		return -ERANGE;
	memcpy(buf, g->mem + gpa, len);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(&guest, 0, sizeof(guest));
	return 0;
}

static void put32(u64 gpa, u32 v)
{
	memcpy(guest.mem + gpa, &v, 4);
}

static void put64(u64 gpa, u64 v)
{
	memcpy(guest.mem + gpa, &v, 8);
}

static u64 get64(u64 gpa)
{
	u64 v;

	memcpy(&v, guest.mem + gpa, 8);
	return v;
}

static u32 get32(u64 gpa)
{
	u32 v;

	memcpy(&v, guest.mem + gpa, 4);
	return v;
}

static void set64(u64 gpa, u64 clear, u64 set)
{
	put64(gpa, (get64(gpa) & ~clear) | set);
}

static void set32(u64 gpa, u32 clear, u32 set)
{
	put32(gpa, (get32(gpa) & ~clear) | set);
}

#define P		PTE_P
#define RW		PTE_RW
#define US		PTE_US
#define PS		PTE_PS
#define XD		PTE_XD
#define ALL		(P | RW | US)

#define ACC_R		0
#define ACC_W		GWALK_ACC_WRITE
#define ACC_X		GWALK_ACC_FETCH
#define ACC_U		GWALK_ACC_USER

#define PF_P		GWALK_PF_PRESENT
#define PF_W		GWALK_PF_WRITE
#define PF_U		GWALK_PF_USER
#define PF_RSVD		GWALK_PF_RSVD
#define PF_ID		GWALK_PF_FETCH

static struct gwalk_result res;

static int xlate(const struct gwalk_regs *r, u64 la, u32 access)
{
	memset(&res, 0xa5, sizeof(res));
	return gwalk_translate(r, la, access, fake_read, &guest, &res);
}

#define assert_gpa(r, la, acc, want_gpa, want_size) do {		\
	assert_int_equal(0, xlate((r), (la), (acc)));			\
	assert_int_equal((want_gpa), res.gpa);				\
	assert_int_equal((want_size), res.page_size);			\
} while (0)

#define assert_pf(r, la, acc, err) do {					\
	assert_int_equal(-EFAULT, xlate((r), (la), (acc)));		\
	assert_int_equal((err), res.pf_error);				\
} while (0)

/* ------------------------------------------------------------ layouts */

/*
 * 32-bit paging: page directory at 0x1000, page table at 0x2000.
 * LA32 = PDE 1, PTE 1, offset 0x234.
 */
#define LA32		0x00401234ULL
#define PDE32		(0x1000 + 1 * 4)
#define PTE32		(0x2000 + 1 * 4)
#define FRAME32		0xabcde000ULL

static struct gwalk_regs regs32(void)
{
	struct gwalk_regs r = {
		.cr0 = GWALK_CR0_PG,
		.cr3 = 0x1018,		/* PWT/PCD bits are not address bits */
		.maxphyaddr = 40,
	};

	put32(PDE32, 0x2000 | ALL);
	put32(PTE32, FRAME32 | ALL);
	return r;
}

/*
 * PAE paging: the PDPT at CR3 = 0x1020 (32-byte aligned, inside a page),
 * page directory at 0x3000, page table at 0x4000.
 * LAPAE = PDPTE 3, PDE 1, PTE 1, offset 0x234.
 */
#define LAPAE		0xc0201234ULL
#define PDPTE_PAE	(0x1020 + 3 * 8)
#define PDE_PAE		(0x3000 + 1 * 8)
#define PTE_PAE		(0x4000 + 1 * 8)
#define FRAME_PAE	0x123456000ULL

static struct gwalk_regs regs_pae(void)
{
	struct gwalk_regs r = {
		.cr0 = GWALK_CR0_PG,
		.cr3 = 0x1020,
		.cr4 = GWALK_CR4_PAE,
		.efer = GWALK_EFER_NXE,
		.maxphyaddr = 40,
	};

	put64(PDPTE_PAE, 0x3000 | P);
	put64(PDE_PAE, 0x4000 | ALL);
	put64(PTE_PAE, FRAME_PAE | ALL);
	return r;
}

/*
 * 4-level paging: PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000.
 * LA64 = PML4E 0xff, PDPTE 1, PDE 2, PTE 3, offset 0x123.
 */
#define LA64		((0xffULL << 39) | (1ULL << 30) | (2ULL << 21) | \
			 (3ULL << 12) | 0x123)
#define PML4E		(0x1000 + 0xff * 8)
#define PDPTE		(0x2000 + 1 * 8)
#define PDE		(0x3000 + 2 * 8)
#define PTE		(0x4000 + 3 * 8)
#define FRAME64		0x12345678000ULL

static const u64 entries64[] = { PML4E, PDPTE, PDE, PTE };

static struct gwalk_regs regs64(void)
{
	struct gwalk_regs r = {
		.cr0 = GWALK_CR0_PG,
		.cr3 = 0x1000,
		.cr4 = GWALK_CR4_PAE,
		.efer = GWALK_EFER_LMA | GWALK_EFER_NXE,
		.maxphyaddr = 46,
	};

	put64(PML4E, 0x2000 | ALL);
	put64(PDPTE, 0x3000 | ALL);
	put64(PDE, 0x4000 | ALL);
	put64(PTE, FRAME64 | ALL);
	return r;
}

/* ------------------------------------------------------------ modes */

static void test_paging_off_is_identity(void **state)
{
	struct gwalk_regs r = { .cr4 = GWALK_CR4_PAE, .maxphyaddr = 40 };

	(void)state;
	assert_gpa(&r, 0x12345678, ACC_R, 0x12345678, 4096);
	/* no rights without paging, and linear addresses are 32 bits */
	assert_gpa(&r, 0xfffff000, ACC_W | ACC_U, 0xfffff000, 4096);
	assert_gpa(&r, 0x100001234ULL, ACC_X, 0x1234, 4096);
	assert_int_equal(0, guest.reads);
}

static void test_32bit_4k(void **state)
{
	struct gwalk_regs r = regs32();

	(void)state;
	assert_gpa(&r, LA32, ACC_R, FRAME32 | 0x234, 4096);
	assert_int_equal(2, guest.reads);
	/* bits 63:32 of the linear address do not exist here */
	assert_gpa(&r, LA32 | (1ULL << 32), ACC_W | ACC_U, FRAME32 | 0x234, 4096);
	/* PS without CR4.PSE is ignored: still a page table */
	set32(PDE32, 0, PS);
	assert_gpa(&r, LA32, ACC_R, FRAME32 | 0x234, 4096);
}

static void test_32bit_4m(void **state)
{
	struct gwalk_regs r = regs32();
	const u64 la = 0x00c12345;	/* PDE 3 */

	(void)state;
	r.cr4 = GWALK_CR4_PSE;
	put32(0x1000 + 3 * 4, 0x12c00000 | PS | ALL);
	assert_gpa(&r, la, ACC_W | ACC_U, 0x12c12345, 4ULL << 20);
	assert_int_equal(1, guest.reads);
	/* PSE-36: bits 20:13 are physical address bits 39:32 */
	set32(0x1000 + 3 * 4, 0, 0x05 << 13);
	assert_gpa(&r, la, ACC_R, 0x512c12345ULL, 4ULL << 20);
	r.maxphyaddr = 36;
	assert_gpa(&r, la, ACC_R, 0x512c12345ULL, 4ULL << 20);
	/* bit 17 is PA bit 36: reserved with MAXPHYADDR 36, not with 40 */
	set32(0x1000 + 3 * 4, 0, 0x10 << 13);
	assert_pf(&r, la, ACC_R, PF_P | PF_RSVD);
	r.maxphyaddr = 40;
	assert_gpa(&r, la, ACC_R, 0x1512c12345ULL, 4ULL << 20);
	/* bit 21 is always reserved */
	set32(0x1000 + 3 * 4, 0, BIT(21));
	assert_pf(&r, la, ACC_R, PF_P | PF_RSVD);
}

static void test_pae_4k_and_2m(void **state)
{
	struct gwalk_regs r = regs_pae();

	(void)state;
	assert_gpa(&r, LAPAE, ACC_R, FRAME_PAE | 0x234, 4096);
	assert_int_equal(3, guest.reads);
	assert_gpa(&r, LAPAE | (1ULL << 40), ACC_X | ACC_U,
		   FRAME_PAE | 0x234, 4096);

	put64(PDE_PAE, 0x200400000ULL | PS | ALL);
	assert_gpa(&r, LAPAE, ACC_W, 0x200401234ULL, 2ULL << 20);
	/* 2 MiB page: bit 12 is PAT, bits 20:13 are reserved */
	set64(PDE_PAE, 0, BIT(12));
	assert_gpa(&r, LAPAE, ACC_R, 0x200401234ULL, 2ULL << 20);
	set64(PDE_PAE, 0, BIT(20));
	assert_pf(&r, LAPAE, ACC_R, PF_P | PF_RSVD);
}

static void test_pae_pdpte_registers(void **state)
{
	struct gwalk_regs r = regs_pae();
	u64 pdptes[4] = { 0, 0, 0, 0x3000 | P };

	(void)state;
	/* the registers are used, not the memory at CR3 */
	put64(PDPTE_PAE, 0);
	r.pdptes = pdptes;
	assert_gpa(&r, LAPAE, ACC_R, FRAME_PAE | 0x234, 4096);
	assert_int_equal(2, guest.reads);
	put64(PDPTE_PAE, 0x3000 | P);
	pdptes[3] = 0x3000;
	assert_pf(&r, LAPAE, ACC_R, 0);
	pdptes[3] = 0x3000 | P | RW;
	assert_pf(&r, LAPAE, ACC_R, PF_P | PF_RSVD);
}

static void test_pae_reserved(void **state)
{
	static const u64 pdpte_rsvd[] = {
		BIT_ULL(1), BIT_ULL(2), BIT_ULL(5), BIT_ULL(8), BIT_ULL(40),
		BIT_ULL(62), BIT_ULL(63),
	};
	struct gwalk_regs r = regs_pae();
	unsigned int i;

	(void)state;
	/* a PDPTE has no rights bits: R/W, U/S, XD are reserved */
	for (i = 0; i < ARRAY_SIZE(pdpte_rsvd); i++) {
		put64(PDPTE_PAE, 0x3000 | P | pdpte_rsvd[i]);
		assert_pf(&r, LAPAE, ACC_R, PF_P | PF_RSVD);
	}
	put64(PDPTE_PAE, 0x3000 | P | BIT(3) | BIT(4) | BIT(9));
	assert_gpa(&r, LAPAE, ACC_R, FRAME_PAE | 0x234, 4096);

	/* PAE reserves bits 62:MAXPHYADDR, unlike 4-level paging */
	set64(PDE_PAE, 0, BIT_ULL(62));
	assert_pf(&r, LAPAE, ACC_W | ACC_U, PF_P | PF_RSVD | PF_W | PF_U);
	set64(PDE_PAE, BIT_ULL(62), BIT_ULL(40));
	assert_pf(&r, LAPAE, ACC_R, PF_P | PF_RSVD);
	r.maxphyaddr = 41;	/* now a PT address bit: beyond guest memory */
	assert_int_equal(-ERANGE, xlate(&r, LAPAE, ACC_R));
	r.maxphyaddr = 40;
	set64(PDE_PAE, BIT_ULL(40), 0);

	/* XD: reserved without EFER.NXE */
	set64(PTE_PAE, 0, XD);
	assert_gpa(&r, LAPAE, ACC_R, FRAME_PAE | 0x234, 4096);
	r.efer = 0;
	assert_pf(&r, LAPAE, ACC_R, PF_P | PF_RSVD);
}

static void test_long_4k_2m_1g(void **state)
{
	struct gwalk_regs r = regs64();

	(void)state;
	assert_gpa(&r, LA64, ACC_R, FRAME64 | 0x123, 4096);
	assert_int_equal(4, guest.reads);
	/* PTE bits 62:52 are ignored in 4-level paging */
	set64(PTE, 0, GENMASK_ULL(62, 52));
	assert_gpa(&r, LA64, ACC_W | ACC_U, FRAME64 | 0x123, 4096);

	put64(PDE, 0x200600000ULL | PS | ALL | BIT(12));
	guest.reads = 0;
	assert_gpa(&r, LA64, ACC_X | ACC_U, 0x200603123ULL, 2ULL << 20);
	assert_int_equal(3, guest.reads);

	put64(PDPTE, 0x140000000ULL | PS | ALL | BIT(12));
	guest.reads = 0;
	assert_gpa(&r, LA64, ACC_W, 0x140403123ULL, 1ULL << 30);
	assert_int_equal(2, guest.reads);
}

static void test_long_canonical(void **state)
{
	struct gwalk_regs r = regs64();

	(void)state;
	/* the upper half: PML4E 511 */
	put64(0x1000 + 511 * 8, 0x2000 | ALL);
	assert_gpa(&r, LA64 | 0xffff800000000000ULL, ACC_R,
		   FRAME64 | 0x123, 4096);
	assert_int_equal(-EINVAL, xlate(&r, LA64 | BIT_ULL(47), ACC_R));
	assert_int_equal(-EINVAL, xlate(&r, LA64 | BIT_ULL(48), ACC_R));
	assert_int_equal(-EINVAL, xlate(&r, LA64 | BIT_ULL(63), ACC_R));
	assert_int_equal(-EINVAL, xlate(&r, 0xffff7fffffffffffULL, ACC_R));
	assert_int_equal(4, guest.reads);
}

static void test_5level(void **state)
{
	struct gwalk_regs r = regs64();
	const u64 la = LA64 | (5ULL << 48);

	(void)state;
	r.cr4 |= GWALK_CR4_LA57;
	r.cr3 = 0x5000;
	put64(0x5000 + 5 * 8, 0x1000 | ALL);
	assert_gpa(&r, la, ACC_R, FRAME64 | 0x123, 4096);
	assert_int_equal(5, guest.reads);
	/* 57-bit canonical */
	assert_int_equal(-EINVAL, xlate(&r, la | BIT_ULL(56), ACC_R));
	r.cr4 &= ~GWALK_CR4_LA57;
	assert_int_equal(-EINVAL, xlate(&r, la, ACC_R));
	/* PS is reserved in a PML5E too */
	r.cr4 |= GWALK_CR4_LA57;
	set64(0x5000 + 5 * 8, 0, PS);
	assert_pf(&r, la, ACC_R, PF_P | PF_RSVD);
}

/* ------------------------------------------------------------ faults */

static void test_not_present_at_each_level(void **state)
{
	struct gwalk_regs r;
	unsigned int i;

	(void)state;
	r = regs64();
	for (i = 0; i < ARRAY_SIZE(entries64); i++) {
		set64(entries64[i], P, 0);
		assert_pf(&r, LA64, ACC_R, 0);
		assert_pf(&r, LA64, ACC_W | ACC_U, PF_W | PF_U);
		assert_pf(&r, LA64, ACC_X, PF_ID);
		/* the other bits of a non-present entry are not looked at */
		set64(entries64[i], 0, PS | GENMASK_ULL(51, 46));
		assert_pf(&r, LA64, ACC_R, 0);
		set64(entries64[i], PS | GENMASK_ULL(51, 46), P);
		assert_gpa(&r, LA64, ACC_R, FRAME64 | 0x123, 4096);
	}

	r = regs_pae();
	set64(PDPTE_PAE, P, 0);
	assert_pf(&r, LAPAE, ACC_W, PF_W);
	set64(PDPTE_PAE, 0, P);
	set64(PDE_PAE, P, 0);
	assert_pf(&r, LAPAE, ACC_R | ACC_U, PF_U);
	set64(PDE_PAE, 0, P);
	set64(PTE_PAE, P, 0);
	assert_pf(&r, LAPAE, ACC_X, PF_ID);
	set64(PTE_PAE, 0, P);
	assert_gpa(&r, LAPAE, ACC_R, FRAME_PAE | 0x234, 4096);

	r = regs32();
	set32(PDE32, P, 0);
	assert_pf(&r, LA32, ACC_W | ACC_U, PF_W | PF_U);
	set32(PDE32, 0, P);
	set32(PTE32, P, 0);
	assert_pf(&r, LA32, ACC_R, 0);
}

/* ------------------------------------------------------------ why */

#define assert_why(want_why, want_level) do {				\
	assert_int_equal((want_why), res.why);				\
	assert_int_equal((want_level), res.level);			\
} while (0)

/* Each way a walk fails says why, and at which level, in every mode. */
static void test_why_and_level(void **state)
{
	struct gwalk_regs r;
	unsigned int i;

	(void)state;
	/* 4-level: not present at PML4 (4) .. PT (1), the entry reported */
	r = regs64();
	for (i = 0; i < ARRAY_SIZE(entries64); i++) {
		set64(entries64[i], P, 0);
		assert_pf(&r, LA64, ACC_R, 0);
		assert_why(GWALK_WHY_NOT_PRESENT, 4 - i);
		assert_int_equal(get64(entries64[i]), res.entry);
		set64(entries64[i], 0, P);
		/* a reserved address bit above MAXPHYADDR (46) */
		set64(entries64[i], 0, BIT_ULL(47));
		assert_pf(&r, LA64, ACC_R, PF_P | PF_RSVD);
		assert_why(GWALK_WHY_RESERVED, 4 - i);
		set64(entries64[i], BIT_ULL(47), 0);
	}
	assert_gpa(&r, LA64, ACC_R, FRAME64 | 0x123, 4096);
	assert_why(GWALK_WHY_NONE, 0);
	/* a rights fault names the leaf: a 2 MiB page written read-only */
	put64(PDE, 0x200000 | P | US | PS);
	r.cr0 |= GWALK_CR0_WP;
	assert_pf(&r, LA64, ACC_W, PF_P | PF_W);
	assert_why(GWALK_WHY_RIGHTS, 2);
	/* a 1 GiB leaf with a reserved bit (13..29) */
	put64(PDPTE, 0x40000000 | ALL | PS | BIT_ULL(13));
	assert_pf(&r, LA64, ACC_R, PF_P | PF_RSVD);
	assert_why(GWALK_WHY_RESERVED, 3);
	/* non-canonical: no level */
	assert_int_equal(-EINVAL, xlate(&r, LA64 | BIT_ULL(50), ACC_R));
	assert_why(GWALK_WHY_NONCANONICAL, 0);
	/* a table outside guest memory: READ at the level of that table */
	put64(PDPTE, 0x7f000000 | ALL);
	assert_int_equal(-ERANGE, xlate(&r, LA64, ACC_R));
	assert_why(GWALK_WHY_READ, 2);

	/* 5-level: the PML5E is level 5 */
	r = regs64();
	r.cr4 |= GWALK_CR4_LA57;
	r.cr3 = 0x5000;
	assert_pf(&r, LA64 | (5ULL << 48), ACC_R, 0);
	assert_why(GWALK_WHY_NOT_PRESENT, 5);

	/* PAE: the PDPTE is level 3, from memory or from the registers */
	r = regs_pae();
	set64(PDPTE_PAE, P, 0);
	assert_pf(&r, LAPAE, ACC_R, 0);
	assert_why(GWALK_WHY_NOT_PRESENT, 3);
	set64(PDPTE_PAE, 0, P | RW);	/* R/W is reserved in a PDPTE */
	assert_pf(&r, LAPAE, ACC_R, PF_P | PF_RSVD);
	assert_why(GWALK_WHY_RESERVED, 3);
	set64(PDPTE_PAE, RW, 0);
	set64(PDE_PAE, P, 0);
	assert_pf(&r, LAPAE, ACC_R, 0);
	assert_why(GWALK_WHY_NOT_PRESENT, 2);
	set64(PDE_PAE, 0, P);
	set64(PTE_PAE, 0, XD);
	assert_pf(&r, LAPAE, ACC_X, PF_P | PF_ID);
	assert_why(GWALK_WHY_RIGHTS, 1);

	/* 32-bit without PSE: a PS bit is no large page, the PT is level 1 */
	r = regs32();
	set32(PDE32, 0, PS);
	set32(PTE32, P, 0);
	assert_pf(&r, LA32, ACC_R, 0);
	assert_why(GWALK_WHY_NOT_PRESENT, 1);
	/* with PSE, the same PDE is a 4 MiB leaf at level 2 */
	r.cr4 = GWALK_CR4_PSE;
	set32(PDE32, 0, BIT(21));	/* reserved in a 4 MiB PDE */
	assert_pf(&r, LA32, ACC_R, PF_P | PF_RSVD);
	assert_why(GWALK_WHY_RESERVED, 2);
	set32(PDE32, P, 0);
	assert_pf(&r, LA32, ACC_R, 0);
	assert_why(GWALK_WHY_NOT_PRESENT, 2);
}

static void test_write_protect(void **state)
{
	struct gwalk_regs r;
	unsigned int i;

	(void)state;
	r = regs64();
	/* read-only at any one level makes the page read-only */
	for (i = 0; i < ARRAY_SIZE(entries64); i++) {
		set64(entries64[i], RW, 0);
		r.cr0 &= ~GWALK_CR0_WP;
		assert_gpa(&r, LA64, ACC_W, FRAME64 | 0x123, 4096);
		assert_pf(&r, LA64, ACC_W | ACC_U, PF_P | PF_W | PF_U);
		assert_gpa(&r, LA64, ACC_R | ACC_U, FRAME64 | 0x123, 4096);
		r.cr0 |= GWALK_CR0_WP;
		assert_pf(&r, LA64, ACC_W, PF_P | PF_W);
		assert_gpa(&r, LA64, ACC_R, FRAME64 | 0x123, 4096);
		assert_gpa(&r, LA64, ACC_X, FRAME64 | 0x123, 4096);
		set64(entries64[i], 0, RW);
	}
	assert_gpa(&r, LA64, ACC_W | ACC_U, FRAME64 | 0x123, 4096);

	r = regs32();
	set32(PDE32, RW, 0);
	assert_gpa(&r, LA32, ACC_W, FRAME32 | 0x234, 4096);
	r.cr0 |= GWALK_CR0_WP;
	assert_pf(&r, LA32, ACC_W, PF_P | PF_W);
}

static void test_user_supervisor(void **state)
{
	struct gwalk_regs r;
	unsigned int i;

	(void)state;
	r = regs64();
	for (i = 0; i < ARRAY_SIZE(entries64); i++) {
		set64(entries64[i], US, 0);
		assert_pf(&r, LA64, ACC_R | ACC_U, PF_P | PF_U);
		assert_pf(&r, LA64, ACC_W | ACC_U, PF_P | PF_W | PF_U);
		assert_pf(&r, LA64, ACC_X | ACC_U, PF_P | PF_U | PF_ID);
		assert_gpa(&r, LA64, ACC_R, FRAME64 | 0x123, 4096);
		assert_gpa(&r, LA64, ACC_W, FRAME64 | 0x123, 4096);
		set64(entries64[i], 0, US);
	}

	r = regs_pae();
	set64(PTE_PAE, US, 0);
	assert_pf(&r, LAPAE, ACC_R | ACC_U, PF_P | PF_U);

	r = regs32();
	set32(PTE32, US, 0);
	assert_pf(&r, LA32, ACC_R | ACC_U, PF_P | PF_U);
	assert_gpa(&r, LA32, ACC_R, FRAME32 | 0x234, 4096);
}

static void test_no_execute(void **state)
{
	struct gwalk_regs r;
	unsigned int i;

	(void)state;
	r = regs64();
	for (i = 0; i < ARRAY_SIZE(entries64); i++) {
		set64(entries64[i], 0, XD);
		assert_pf(&r, LA64, ACC_X, PF_P | PF_ID);
		assert_pf(&r, LA64, ACC_X | ACC_U, PF_P | PF_U | PF_ID);
		assert_gpa(&r, LA64, ACC_R | ACC_U, FRAME64 | 0x123, 4096);
		assert_gpa(&r, LA64, ACC_W, FRAME64 | 0x123, 4096);
		set64(entries64[i], XD, 0);
	}
	assert_gpa(&r, LA64, ACC_X, FRAME64 | 0x123, 4096);

	/* without NXE, fetches are allowed and I/D is not reported */
	r.efer &= ~GWALK_EFER_NXE;
	assert_gpa(&r, LA64, ACC_X | ACC_U, FRAME64 | 0x123, 4096);
	set64(PTE, P, 0);
	assert_pf(&r, LA64, ACC_X, 0);
	r.efer |= GWALK_EFER_NXE;
	assert_pf(&r, LA64, ACC_X, PF_ID);

	r = regs_pae();
	set64(PDE_PAE, 0, XD);
	assert_pf(&r, LAPAE, ACC_X, PF_P | PF_ID);
	assert_gpa(&r, LAPAE, ACC_R, FRAME_PAE | 0x234, 4096);

	/* 32-bit paging has no XD bit and no I/D without SMEP */
	r = regs32();
	r.efer = GWALK_EFER_NXE;
	assert_gpa(&r, LA32, ACC_X, FRAME32 | 0x234, 4096);
	set32(PTE32, P, 0);
	assert_pf(&r, LA32, ACC_X, 0);
}

static void test_smep(void **state)
{
	struct gwalk_regs r;

	(void)state;
	r = regs64();
	assert_gpa(&r, LA64, ACC_X, FRAME64 | 0x123, 4096);
	r.cr4 |= GWALK_CR4_SMEP;
	assert_pf(&r, LA64, ACC_X, PF_P | PF_ID);
	assert_gpa(&r, LA64, ACC_X | ACC_U, FRAME64 | 0x123, 4096);
	assert_gpa(&r, LA64, ACC_R, FRAME64 | 0x123, 4096);
	/* a supervisor page (U/S = 0 at one level) is fine */
	set64(PDPTE, US, 0);
	assert_gpa(&r, LA64, ACC_X, FRAME64 | 0x123, 4096);

	/* SMEP alone sets I/D, even in 32-bit paging */
	r = regs32();
	r.cr4 |= GWALK_CR4_SMEP;
	assert_pf(&r, LA32, ACC_X, PF_P | PF_ID);
	set32(PTE32, P, 0);
	assert_pf(&r, LA32, ACC_X, PF_ID);
}

static void test_long_reserved(void **state)
{
	struct gwalk_regs r;

	(void)state;
	r = regs64();
	/* no 512 GiB pages: PS in a PML4E is reserved */
	set64(PML4E, 0, PS);
	assert_pf(&r, LA64, ACC_R, PF_P | PF_RSVD);
	assert_pf(&r, LA64, ACC_W | ACC_U, PF_P | PF_RSVD | PF_W | PF_U);
	/* found before a non-present entry below it */
	set64(PDPTE, P, 0);
	assert_pf(&r, LA64, ACC_R, PF_P | PF_RSVD);
	set64(PDPTE, 0, P);
	set64(PML4E, PS, 0);

	/* 1 GiB page: bits 29:13 reserved */
	put64(PDPTE, 0x140000000ULL | PS | ALL | BIT(13));
	assert_pf(&r, LA64, ACC_R, PF_P | PF_RSVD);
	put64(PDPTE, 0x140000000ULL | PS | ALL | BIT(29));
	assert_pf(&r, LA64, ACC_R, PF_P | PF_RSVD);
	put64(PDPTE, 0x3000 | ALL);

	/* 2 MiB page: bits 20:13 reserved */
	put64(PDE, 0x200600000ULL | PS | ALL | BIT(20));
	assert_pf(&r, LA64, ACC_R, PF_P | PF_RSVD);
	put64(PDE, 0x4000 | ALL);

	/* address bits at and above MAXPHYADDR, at each level */
	set64(PTE, 0, BIT_ULL(46));
	assert_pf(&r, LA64, ACC_R, PF_P | PF_RSVD);
	r.maxphyaddr = 47;
	assert_gpa(&r, LA64, ACC_R, FRAME64 | BIT_ULL(46) | 0x123, 4096);
	r.maxphyaddr = 52;
	set64(PTE, 0, BIT_ULL(51));
	assert_gpa(&r, LA64, ACC_R, FRAME64 | BIT_ULL(51) | BIT_ULL(46) | 0x123,
		   4096);
	set64(PTE, BIT_ULL(51) | BIT_ULL(46), 0);
	r.maxphyaddr = 46;
	set64(PML4E, 0, BIT_ULL(51));
	assert_pf(&r, LA64, ACC_R, PF_P | PF_RSVD);
	set64(PML4E, BIT_ULL(51), 0);

	/* PDE bit 62 is ignored here (reserved in PAE paging) */
	set64(PDE, 0, BIT_ULL(62));
	assert_gpa(&r, LA64, ACC_R, FRAME64 | 0x123, 4096);

	/* XD is reserved without NXE */
	set64(PDE, 0, XD);
	r.efer &= ~GWALK_EFER_NXE;
	assert_pf(&r, LA64, ACC_R, PF_P | PF_RSVD);
	assert_pf(&r, LA64, ACC_X, PF_P | PF_RSVD);
	r.efer |= GWALK_EFER_NXE;
	assert_gpa(&r, LA64, ACC_R, FRAME64 | 0x123, 4096);
}

static void test_read_errors(void **state)
{
	struct gwalk_regs r;

	(void)state;
	r = regs64();
	/* a table beyond guest memory: the callback's error, as is */
	put64(PDE, 0x100000 | ALL);
	assert_int_equal(-ERANGE, xlate(&r, LA64, ACC_R));
	put64(PDE, 0x4000 | ALL);
	guest.fail_ret = -ENOMEM;
	assert_int_equal(-ENOMEM, xlate(&r, LA64, ACC_R));
	/* -EFAULT would read as a guest page fault: it becomes -EIO */
	guest.fail_ret = -EFAULT;
	assert_int_equal(-EIO, xlate(&r, LA64, ACC_R));
	guest.fail_ret = 1;
	assert_int_equal(-EIO, xlate(&r, LA64, ACC_R));

	guest.fail_ret = -ENOMEM;
	r = regs_pae();
	assert_int_equal(-ENOMEM, xlate(&r, LAPAE, ACC_R));
	r = regs32();
	assert_int_equal(-ENOMEM, xlate(&r, LA32, ACC_R));
	guest.fail_ret = 0;
	put32(PDE32, 0xfffff000 | ALL);
	assert_int_equal(-ERANGE, xlate(&r, LA32, ACC_R));
}

static void test_bad_arguments(void **state)
{
	struct gwalk_regs r = regs64();

	(void)state;
	assert_int_equal(-EINVAL, xlate(&r, LA64, ACC_W | ACC_X));
	assert_int_equal(-EINVAL, xlate(&r, LA64, GWALK_PF_RSVD));
	assert_int_equal(-EINVAL, xlate(&r, LA64, BIT(5)));
	r.maxphyaddr = 31;
	assert_int_equal(-EINVAL, xlate(&r, LA64, ACC_R));
	r.maxphyaddr = 53;
	assert_int_equal(-EINVAL, xlate(&r, LA64, ACC_R));
	r.maxphyaddr = 46;
	r.cr4 &= ~GWALK_CR4_PAE;
	assert_int_equal(-EINVAL, xlate(&r, LA64, ACC_R));
	r.cr4 |= GWALK_CR4_PAE;
	r.cr0 &= ~GWALK_CR0_PG;
	assert_int_equal(-EINVAL, xlate(&r, LA64, ACC_R));
	assert_int_equal(0, guest.reads);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_paging_off_is_identity, setup),
		cmocka_unit_test_setup(test_32bit_4k, setup),
		cmocka_unit_test_setup(test_32bit_4m, setup),
		cmocka_unit_test_setup(test_pae_4k_and_2m, setup),
		cmocka_unit_test_setup(test_pae_pdpte_registers, setup),
		cmocka_unit_test_setup(test_pae_reserved, setup),
		cmocka_unit_test_setup(test_long_4k_2m_1g, setup),
		cmocka_unit_test_setup(test_long_canonical, setup),
		cmocka_unit_test_setup(test_5level, setup),
		cmocka_unit_test_setup(test_not_present_at_each_level, setup),
		cmocka_unit_test_setup(test_write_protect, setup),
		cmocka_unit_test_setup(test_user_supervisor, setup),
		cmocka_unit_test_setup(test_no_execute, setup),
		cmocka_unit_test_setup(test_smep, setup),
		cmocka_unit_test_setup(test_long_reserved, setup),
		cmocka_unit_test_setup(test_read_errors, setup),
		cmocka_unit_test_setup(test_bad_arguments, setup),
		cmocka_unit_test_setup(test_why_and_level, setup),
	};

	return cmocka_run_group_tests_name("gwalk", tests, NULL, NULL);
}
