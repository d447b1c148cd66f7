// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tvx_gla_to_gpa() (lib/gva.c) over the module's walk
 * (kmod/vmx/gwalk.c, tested on its own in test_gwalk.c): a kernel's
 * mapping laid out as Linux lays out its image (the top 2 GiB, 2 MiB
 * pages, physical 16 MiB), under 4- and 5-level paging, with 4 KiB and
 * 1 GiB pages beside it, PCID bits in CR3, and tables outside RAM. Guest
 * RAM is a buffer; tvx_read_guest() is faked over it.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../lib/gva.c"
#include "../../kmod/vmx/gwalk.c"

#define RAM		0x40000ULL
#define P		0x1ULL
#define RW		0x2ULL
#define PS		0x80ULL
#define XD		BIT_ULL(63)

/* Linux's image mapping: __START_KERNEL_map + 16 MiB */
#define KTEXT		0xffffffff81000000ULL
#define KPHYS		0x1000000ULL

static u8 ram[RAM];
static unsigned int reads;

int tvx_read_guest(const struct tvx_domain *d, __u64 gpa, void *buf, size_t len)
{
	assert_ptr_equal(ram, d);
	reads++;
	if (gpa >= RAM || RAM - gpa < len)
		return -ERANGE;
	memcpy(buf, ram + gpa, len);
	return 0;
}

static void put(u64 gpa, u64 v)
{
	memcpy(ram + gpa, &v, 8);
}

static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	reads = 0;
	return 0;
}

static const struct tvx_domain *dom(void)
{
	return (const struct tvx_domain *)ram;
}

static struct tvx_paging long_mode(u64 cr3, bool la57)
{
	struct tvx_paging pg = {
		.cr0 = 0x80050033,	/* PG, WP, ... as Linux runs */
		.cr3 = cr3,
		.cr4 = 0x3006f0 | (la57 ? GWALK_CR4_LA57 : 0),
		.efer = TVX_EFER_LMA | TVX_EFER_NXE,
	};

	return pg;
}

/*
 * The kernel image under a PML4 at @pml4: PML4[511] -> PDPT at 0x3000,
 * PDPT[510] -> PD at 0x4000, PD[8..] 2 MiB pages from KPHYS (XD clear:
 * text), PD[9] with XD (data after it).
 */
static void kernel_map(u64 pml4)
{
	put(pml4 + 511 * 8, 0x3000 | P | RW);
	put(0x3000 + 510 * 8, 0x4000 | P | RW);
	put(0x4000 + 8 * 8, KPHYS | P | RW | PS);
	put(0x4000 + 9 * 8, (KPHYS + 0x200000) | P | RW | PS | XD);
}

static void test_kernel_text_4level(void **state)
{
	struct tvx_paging pg = long_mode(0x1000, false);
	u64 gpa = 0, size = 0;

	kernel_map(0x1000);
	assert_int_equal(0, tvx_gla_to_gpa(dom(), &pg, KTEXT + 0x1234, &gpa, &size));
	assert_int_equal(KPHYS + 0x1234, gpa);
	assert_int_equal(0x200000, size);
	/* XD is no reserved bit with NXE, and a read may read NX memory */
	assert_int_equal(0, tvx_gla_to_gpa(dom(), &pg, KTEXT + 0x200010, &gpa, NULL));
	assert_int_equal(KPHYS + 0x200010, gpa);
	assert_int_equal(6, reads);	/* three levels each */
	/* not mapped: the guest would fault, and so does the walk */
	assert_int_equal(-EFAULT, tvx_gla_to_gpa(dom(), &pg, KTEXT + 0x400000, &gpa, NULL));
	assert_int_equal(-EFAULT, tvx_gla_to_gpa(dom(), &pg, 0x400000, &gpa, NULL));
	/* not canonical */
	assert_int_equal(-EINVAL, tvx_gla_to_gpa(dom(), &pg, 0x0000800000000000ULL,
						 &gpa, NULL));
}

/* CR3 as Linux loads it with PCID: PCID in 11:0, bit 63 "no flush" */
static void test_cr3_pcid_bits(void **state)
{
	struct tvx_paging pg = long_mode(0x1000 | 0x805 | (1ULL << 63), false);
	u64 gpa = 0;

	kernel_map(0x1000);
	assert_int_equal(0, tvx_gla_to_gpa(dom(), &pg, KTEXT + 0x10, &gpa, NULL));
	assert_int_equal(KPHYS + 0x10, gpa);
}

/*
 * 5-level paging: PML5 at 0x8000, entry 511 -> the same PML4 at 0x1000
 * (the kernel's half of the address space is PML5[511]).
 */
static void test_kernel_text_5level(void **state)
{
	struct tvx_paging pg = long_mode(0x8000, true);
	u64 gpa = 0, size = 0;

	kernel_map(0x1000);
	put(0x8000 + 511 * 8, 0x1000 | P | RW);
	assert_int_equal(0, tvx_gla_to_gpa(dom(), &pg, KTEXT + 0xabc, &gpa, &size));
	assert_int_equal(KPHYS + 0xabc, gpa);
	assert_int_equal(0x200000, size);
	assert_int_equal(4, reads);	/* PML5, PML4, PDPT, PD */
	/* the same tables read as 4-level: PML4[511] is a PML4, not a PDPT */
	pg = long_mode(0x1000, false);
	put(0x1000 + 511 * 8, 0x8000 | P | RW);
	assert_int_equal(-EFAULT, tvx_gla_to_gpa(dom(), &pg, KTEXT, &gpa, NULL));
}

/* 4 KiB and 1 GiB pages: the direct map's 1 GiB, a 4 KiB PTE */
static void test_4k_and_1g(void **state)
{
	struct tvx_paging pg = long_mode(0x1000, false);
	u64 gpa = 0, size = 0;

	/* PML4[273] -> PDPT 0x5000, PDPT[0] a 1 GiB page at 1 GiB: page_offset_base */
	put(0x1000 + 273 * 8, 0x5000 | P | RW);
	put(0x5000, 0x40000000 | P | RW | PS | XD);
	assert_int_equal(0, tvx_gla_to_gpa(dom(), &pg, 0xffff888000123456ULL, &gpa, &size));
	assert_int_equal(0x40123456, gpa);
	assert_int_equal(1ULL << 30, size);
	/* PML4[0] -> PDPT 0x6000 -> PD 0x7000 -> PT 0x9000 -> frame 0x2345000 */
	put(0x1000, 0x6000 | P | RW);
	put(0x6000, 0x7000 | P | RW);
	put(0x7000, 0x9000 | P | RW);
	put(0x9000 + 5 * 8, 0x2345000 | P);
	assert_int_equal(0, tvx_gla_to_gpa(dom(), &pg, 0x5678, &gpa, &size));
	assert_int_equal(0x2345678, gpa);
	assert_int_equal(4096, size);
}

/* A table outside guest RAM: the read's error, not a page fault */
static void test_table_outside_ram(void **state)
{
	struct tvx_paging pg = long_mode(0x1000, false);
	u64 gpa = 0;

	put(0x1000 + 511 * 8, 0x7fff000 | P | RW);
	assert_int_equal(-ERANGE, tvx_gla_to_gpa(dom(), &pg, KTEXT, &gpa, NULL));
	pg.cr3 = RAM;
	assert_int_equal(-ERANGE, tvx_gla_to_gpa(dom(), &pg, KTEXT, &gpa, NULL));
}

/* maxphyaddr 0 is 52; a narrower one makes high entry bits reserved */
static void test_maxphyaddr(void **state)
{
	struct tvx_paging pg = long_mode(0x1000, false);
	u64 gpa = 0;

	kernel_map(0x1000);
	put(0x4000 + 8 * 8, (1ULL << 45) | KPHYS | P | RW | PS);
	assert_int_equal(0, tvx_gla_to_gpa(dom(), &pg, KTEXT, &gpa, NULL));
	assert_int_equal((1ULL << 45) | KPHYS, gpa);
	pg.maxphyaddr = 40;
	assert_int_equal(-EFAULT, tvx_gla_to_gpa(dom(), &pg, KTEXT, &gpa, NULL));
	/* EFER.LMA without CR4.PAE: no such state */
	pg.maxphyaddr = 0;
	pg.cr4 &= ~GWALK_CR4_PAE;
	assert_int_equal(-EINVAL, tvx_gla_to_gpa(dom(), &pg, KTEXT, &gpa, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_kernel_text_4level, setup),
		cmocka_unit_test_setup(test_cr3_pcid_bits, setup),
		cmocka_unit_test_setup(test_kernel_text_5level, setup),
		cmocka_unit_test_setup(test_4k_and_1g, setup),
		cmocka_unit_test_setup(test_table_outside_ram, setup),
		cmocka_unit_test_setup(test_maxphyaddr, setup),
	};

	return cmocka_run_group_tests_name("gva", tests, NULL, NULL);
}
