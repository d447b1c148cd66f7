// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libthinvmx's guest-virtual copies (lib/control.c) over the
 * module's walk (kmod/vmx/gwalk.c): crafted page tables for each paging
 * mode -- 32-bit with and without PSE, PAE, 4- and 5-level, with 4 KiB,
 * 2 MiB, 4 MiB and 1 GiB pages -- copies that cross pages whose frames are
 * not adjacent, and failures that say why and where. The ioctls are faked
 * over a buffer of guest RAM: CTL_GET_SREGS gives the paging state,
 * READ_GUEST and WRITE_GUEST copy (-ENXIO past RAM, as the module).
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include <sys/ioctl.h>

#define ioctl fake_ioctl
int fake_ioctl(int fd, unsigned long cmd, ...);

#include "../../lib/control.c"
#include "../../kmod/vmx/gwalk.c"

#define RAM		0x800000ULL	/* 8 MiB */
#define P		0x1ULL
#define RW		0x2ULL
#define PS		0x80ULL

static u8 ram[RAM];
static struct thinvmx_sregs sregs;
static int sregs_errno;
static unsigned int reads, writes;

int tvx_domain_fd(const struct tvx_domain *d)
{
	return 42;
}

int fake_ioctl(int fd, unsigned long cmd, ...)
{
	struct thinvmx_guest_mem *m;
	struct thinvmx_ctl_sregs *s;
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	assert_int_equal(42, fd);
	switch (cmd) {
	case THINVMX_CTL_GET_SREGS:
		s = arg;
		assert_int_equal(0, s->vcpu);
		if (sregs_errno) {
			errno = sregs_errno;
			return -1;
		}
		s->sregs = sregs;
		return 0;
	case THINVMX_READ_GUEST:
	case THINVMX_WRITE_GUEST:
		m = arg;
		assert_true(m->len > 0 && m->len <= THINVMX_GUEST_MEM_MAX);
		if (m->gpa >= RAM || RAM - m->gpa < m->len) {
			errno = ENXIO;
			return -1;
		}
		if (cmd == THINVMX_READ_GUEST) {
			reads++;
			memcpy((void *)(uintptr_t)m->buf, ram + m->gpa, m->len);
		} else {
			writes++;
			memcpy(ram + m->gpa, (void *)(uintptr_t)m->buf, m->len);
		}
		return 0;
	default:
		errno = ENOTTY;		/* GET_CPUID: MAXPHYADDR 52 then */
		return -1;
	}
}

static struct tvx_domain *dom(void)
{
	return (struct tvx_domain *)ram;
}

static void put64(u64 gpa, u64 v)
{
	memcpy(ram + gpa, &v, 8);
}

static void put32(u64 gpa, u32 v)
{
	memcpy(ram + gpa, &v, 4);
}

static void fill(u64 gpa, unsigned int len, u8 seed)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		ram[gpa + i] = (u8)(seed + i * 3);
}

static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	memset(&sregs, 0, sizeof(sregs));
	sregs_errno = 0;
	reads = writes = 0;
	return 0;
}

static void long_mode(u64 cr3, bool la57)
{
	sregs.cr0 = 0x80050033;
	sregs.cr3 = cr3;
	sregs.cr4 = 0x6f0 | (la57 ? GWALK_CR4_LA57 : 0);
	sregs.efer = 0xd01;		/* SCE, LME, LMA, NXE */
}

/*
 * 4-level: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. The virtual
 * pages 0x400000 and 0x401000 are the frames 0x100000 and 0x300000: a
 * copy across them is two pieces from far apart.
 */
static void map_4level(void)
{
	long_mode(0x1000, false);
	put64(0x1000, 0x2000 | P | RW);
	put64(0x2000, 0x3000 | P | RW);
	put64(0x3000 + 2 * 8, 0x4000 | P | RW);
	put64(0x4000, 0x100000 | P | RW);
	put64(0x4008, 0x300000 | P | RW);
	fill(0x100000, 4096, 1);
	fill(0x300000, 4096, 101);
}

static void test_4level_across_pages(void **state)
{
	struct tvx_gva_error err;
	u8 buf[100], want[100];
	char s[128];

	(void)state;
	map_4level();
	memcpy(want, ram + 0x100fd0, 48);
	memcpy(want + 48, ram + 0x300000, 52);
	assert_int_equal(0, tvx_ctl_read_gva(dom(), 0, 0x400fd0, buf, 100, &err));
	assert_memory_equal(want, buf, 100);
	assert_int_equal(TVX_GVA_OK, err.why);

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(0, tvx_ctl_write_gva(dom(), 0, 0x400ff8, buf, 16, NULL));
	assert_memory_equal(ram + 0x100ff8, buf, 8);
	assert_memory_equal(ram + 0x300000, buf + 8, 8);
	assert_int_equal(2, writes);

	/* the second page not present: the first was read, the error is its */
	put64(0x4008, 0);
	assert_int_equal(-EFAULT, tvx_ctl_read_gva(dom(), 0, 0x400ff0, buf, 32, &err));
	assert_int_equal(TVX_GVA_NOT_PRESENT, err.why);
	assert_int_equal(1, err.level);
	assert_int_equal(0x401000, err.gva);
	tvx_gva_error_describe(&err, s, sizeof(s));
	assert_string_equal("0x401000: not present at level 1 (PT), entry 0", s);
	/* a reserved bit (PS in a PML4E) at level 4 */
	put64(0x1000, 0x2000 | P | RW | PS);
	assert_int_equal(-EFAULT, tvx_ctl_read_gva(dom(), 0, 0x400000, buf, 8, &err));
	assert_int_equal(TVX_GVA_RESERVED, err.why);
	assert_int_equal(4, err.level);
	/* a table outside RAM */
	put64(0x1000, 0x40000000 | P | RW);
	assert_int_equal(-ENXIO, tvx_ctl_read_gva(dom(), 0, 0x400000, buf, 8, &err));
	assert_int_equal(TVX_GVA_TABLE_UNREADABLE, err.why);
	assert_int_equal(3, err.level);
	/* non-canonical */
	assert_int_equal(-EINVAL, tvx_ctl_read_gva(dom(), 0, 0x0000800000000000ULL,
						   buf, 8, &err));
	assert_int_equal(TVX_GVA_NONCANONICAL, err.why);
	tvx_gva_error_describe(&err, s, sizeof(s));
	assert_string_equal("0x800000000000: non-canonical address", s);
}

/* 2 MiB and 1 GiB pages: a copy inside one is one piece. */
static void test_large_pages_long_mode(void **state)
{
	u64 gpa, size;
	struct tvx_paging pg;
	u8 buf[8192];

	(void)state;
	map_4level();
	/* PD[3]: a 2 MiB page at 0x600000 for gva 0x600000 */
	put64(0x3000 + 3 * 8, 0x600000 | P | RW | PS);
	fill(0x600000, 8192, 7);
	assert_int_equal(0, tvx_ctl_read_gva(dom(), 0, 0x600000, buf, 8192, NULL));
	assert_memory_equal(ram + 0x600000, buf, 8192);
	assert_int_equal(3 + 1, reads);	/* three tables, one copy */
	/* PDPT[1]: a 1 GiB page at 0 for gva 1 GiB */
	put64(0x2000 + 8, 0 | P | RW | PS);
	assert_int_equal(0, tvx_ctl_paging(dom(), 0, &pg));
	assert_int_equal(0, tvx_gva_translate(dom(), &pg, (1ULL << 30) + 0x123456,
					      &gpa, &size, NULL));
	assert_int_equal(0x123456, gpa);
	assert_int_equal(1ULL << 30, size);
}

static void test_5level(void **state)
{
	u8 buf[16];

	(void)state;
	map_4level();
	long_mode(0x5000, true);
	put64(0x5000, 0x1000 | P | RW);
	assert_int_equal(0, tvx_ctl_read_gva(dom(), 0, 0x400ff8, buf, 16, NULL));
	assert_memory_equal(ram + 0x100ff8, buf, 8);
	assert_memory_equal(ram + 0x300000, buf + 8, 8);
	/* 57-bit canonical: bit 56 copied up */
	assert_int_equal(-EINVAL, tvx_ctl_read_gva(dom(), 0, 1ULL << 56, buf, 8, NULL));
}

/* PAE: PDPT at CR3 0x1020, PD 0x3000, PT 0x4000, 2 MiB page beside. */
static void test_pae(void **state)
{
	struct tvx_gva_error err;
	u8 buf[32];

	(void)state;
	sregs.cr0 = 0x80000011;
	sregs.cr3 = 0x1020;
	sregs.cr4 = GWALK_CR4_PAE;
	put64(0x1020 + 3 * 8, 0x3000 | P);		/* 0xc0000000.. */
	put64(0x3000, 0x4000 | P | RW);
	put64(0x4000 + 0x1ff * 8, 0x100000 | P | RW);	/* 0xc01ff000 */
	put64(0x3008, 0x200000 | P | RW | PS);		/* 0xc0200000 */
	fill(0x100000, 4096, 3);
	fill(0x200000, 4096, 9);
	assert_int_equal(0, tvx_ctl_read_gva(dom(), 0, 0xc01ffff0, buf, 32, &err));
	assert_memory_equal(ram + 0x100ff0, buf, 16);
	assert_memory_equal(ram + 0x200000, buf + 16, 16);
	/* a PDPTE not present is level 3 */
	assert_int_equal(-EFAULT, tvx_ctl_read_gva(dom(), 0, 0x80000000, buf, 8, &err));
	assert_int_equal(TVX_GVA_NOT_PRESENT, err.why);
	assert_int_equal(3, err.level);
}

/* 32-bit paging: PD 0x1000; 4 KiB pages through PT 0x2000, 4 MiB with PSE. */
static void test_32bit(void **state)
{
	struct tvx_gva_error err;
	u8 buf[32];

	(void)state;
	sregs.cr0 = 0x80000011;
	sregs.cr3 = 0x1000;
	put32(0x1000 + 1 * 4, 0x2000 | P | RW);		/* 0x00400000.. */
	put32(0x2000 + 0, 0x100000 | P | RW);
	put32(0x2000 + 4, 0x300000 | P | RW);
	put32(0x1000 + 2 * 4, 0x400000 | P | RW | PS);	/* 0x00800000: 4 MiB */
	fill(0x100000, 4096, 5);
	fill(0x300000, 4096, 55);
	assert_int_equal(0, tvx_ctl_read_gva(dom(), 0, 0x400ff0, buf, 32, NULL));
	assert_memory_equal(ram + 0x100ff0, buf, 16);
	assert_memory_equal(ram + 0x300000, buf + 16, 16);
	/* without CR4.PSE, PS is ignored: the PDE points at a page table */
	assert_int_equal(-EFAULT, tvx_ctl_read_gva(dom(), 0, 0x800ff0, buf, 32, &err));
	assert_int_equal(TVX_GVA_NOT_PRESENT, err.why);
	assert_int_equal(1, err.level);
	/* with it, a 4 MiB page */
	fill(0x400000, 8192, 77);
	sregs.cr4 = GWALK_CR4_PSE;
	assert_int_equal(0, tvx_ctl_read_gva(dom(), 0, 0x800ff0, buf, 32, NULL));
	assert_memory_equal(ram + 0x400ff0, buf, 32);
}

static void test_paging_off_and_errors(void **state)
{
	u8 buf[16];

	(void)state;
	/* paging off: the address is its own translation */
	sregs.cr0 = 0x11;
	fill(0x7ff0, 32, 13);
	assert_int_equal(0, tvx_ctl_read_gva(dom(), 0, 0x7ff8, buf, 16, NULL));
	assert_memory_equal(ram + 0x7ff8, buf, 16);
	/* not paused: the module's -EBUSY, nothing read */
	sregs_errno = EBUSY;
	reads = 0;
	assert_int_equal(-EBUSY, tvx_ctl_read_gva(dom(), 0, 0x7ff8, buf, 16, NULL));
	assert_int_equal(0, reads);
	/* gpa copies: beyond RAM, wrap-around, nothing */
	assert_int_equal(-ENXIO, tvx_ctl_read_gpa(dom(), RAM - 8, buf, 16));
	assert_int_equal(-EINVAL, tvx_ctl_read_gpa(dom(), ~0ULL - 4, buf, 16));
	assert_int_equal(0, tvx_ctl_read_gpa(dom(), 0, buf, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_4level_across_pages, setup),
		cmocka_unit_test_setup(test_large_pages_long_mode, setup),
		cmocka_unit_test_setup(test_5level, setup),
		cmocka_unit_test_setup(test_pae, setup),
		cmocka_unit_test_setup(test_32bit, setup),
		cmocka_unit_test_setup(test_paging_off_and_errors, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
