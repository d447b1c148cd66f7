// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the Linux boot protocol's pure half (lib/boot.c): the
 * setup header of a synthetic bzImage and of Debian's real one (when the
 * nested rig has fetched it), placement, the e820 map with the legacy
 * hole, the zero page, the boot page tables, and the ACPI tables with
 * their checksums.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/boot.c"

#define MIB	(1ULL << 20)
#define IMG_LEN	(256 * 1024)

static __u8 *img;

/* A bzImage as Debian's 6.1 build writes one, small */
static void make_image(void)
{
	memset(img, 0, IMG_LEN);
	img[BOOT_SETUP_SECTS] = 27;
	put32(img, BOOT_SYSSIZE, (IMG_LEN - 28 * 512) / 16);
	put16(img, BOOT_FLAG, 0xaa55);
	img[BOOT_JUMP] = 0xeb;
	img[BOOT_JUMP + 1] = 0x6a;		/* header ends at 0x26c */
	put32(img, BOOT_HEADER, BOOT_HDRS_MAGIC);
	put16(img, BOOT_VERSION, 0x020f);
	img[BOOT_LOADFLAGS] = BOOT_LOADED_HIGH;
	put32(img, BOOT_INITRD_ADDR_MAX, 0x7fffffff);
	put32(img, BOOT_KERNEL_ALIGNMENT, 0x200000);
	img[BOOT_RELOCATABLE] = 1;
	put16(img, BOOT_XLOADFLAGS, 0x7f);
	put32(img, BOOT_CMDLINE_SIZE, 2047);
	put64(img, BOOT_PREF_ADDRESS, 0x1000000);
	put32(img, BOOT_INIT_SIZE, 0x2000000);
	img[0x26b] = 0x5a;			/* last header byte, copied */
}

static int setup(void **state)
{
	(void)state;
	img = malloc(IMG_LEN);
	if (!img)
		return -1;
	make_image();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(img);
	return 0;
}

static void test_parse(void **state)
{
	struct tvx_bzimage bz;
	const char *why;

	(void)state;
	assert_int_equal(0, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	assert_null(why);
	assert_int_equal(0x020f, bz.version);
	assert_int_equal(28 * 512, bz.setup_size);
	assert_int_equal(IMG_LEN - 28 * 512, bz.kernel_size);
	assert_int_equal(0x1000000, bz.pref_address);
	assert_int_equal(0x2000000, bz.init_size);
	assert_int_equal(0x26c, bz.hdr_end);
	assert_true(bz.relocatable);
	assert_int_equal(2047, bz.cmdline_size);
}

static void test_parse_refuses(void **state)
{
	struct tvx_bzimage bz;
	const char *why;

	(void)state;
	assert_int_equal(-ENOEXEC, tvx_bzimage_parse(img, 0x800, &bz, &why));
	assert_non_null(why);

	put32(img, BOOT_HEADER, 0x12345678);
	assert_int_equal(-ENOEXEC, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	make_image();
	put16(img, BOOT_FLAG, 0);
	assert_int_equal(-ENOEXEC, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	make_image();
	put16(img, BOOT_VERSION, 0x020b);
	assert_int_equal(-ENOEXEC, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	assert_non_null(strstr(why, "2.12"));
	make_image();
	put16(img, BOOT_XLOADFLAGS, 0x7e);
	assert_int_equal(-ENOEXEC, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	make_image();
	img[BOOT_LOADFLAGS] = 0;
	assert_int_equal(-ENOEXEC, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	make_image();
	/* the file cut short: syssize says more */
	assert_int_equal(-ENOEXEC, tvx_bzimage_parse(img, IMG_LEN - 4096, &bz, &why));
	assert_non_null(strstr(why, "syssize"));
	/* a header too short to hold init_size, which we read */
	make_image();
	img[BOOT_JUMP + 1] = 0x20;
	assert_int_equal(-ENOEXEC, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	assert_non_null(strstr(why, "header"));
	make_image();
	put32(img, BOOT_INIT_SIZE, 4096);
	assert_int_equal(-ENOEXEC, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	make_image();
	put32(img, BOOT_KERNEL_ALIGNMENT, 0x300000);
	assert_int_equal(-ENOEXEC, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	make_image();
}

/* Debian's own bzImage, as the nested rig fetched it: skipped without it */
static void test_parse_debian(void **state)
{
	const char *path = getenv("TVX_BZIMAGE") ?: "build/nested/kroot/boot/vmlinuz-6.1.0-57-cloud-amd64";
	struct tvx_bzimage bz;
	const char *why;
	__u8 *buf;
	FILE *f;
	long len;

	(void)state;
	f = fopen(path, "rb");
	if (!f)
		skip();
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(1, fread(buf, len, 1, f));
	fclose(f);
	assert_int_equal(0, tvx_bzimage_parse(buf, len, &bz, &why));
	assert_true(bz.version >= 0x020f);
	assert_int_equal(0x1000000, bz.pref_address);
	assert_true(bz.relocatable);
	assert_true(bz.init_size > bz.kernel_size);
	assert_true(bz.cmdline_size >= 2047);
	free(buf);
}

/* A 256 MiB domain: RAM with the module's two helper pages at its top */
static const struct thinvmx_e820_entry dom256[] = {
	{ .addr = 0, .size = 256 * MIB - 8192, .type = THINVMX_E820_RAM },
	{ .addr = 256 * MIB - 8192, .size = 8192, .type = THINVMX_E820_RESERVED },
};

static void test_e820(void **state)
{
	struct thinvmx_e820_entry out[8];
	unsigned int n;

	(void)state;
	n = tvx_boot_e820(dom256, 2, out, 8);
	assert_int_equal(4, n);
	assert_int_equal(0, out[0].addr);
	assert_int_equal(BOOT_EBDA_GPA, out[0].size);
	assert_int_equal(THINVMX_E820_RAM, out[0].type);
	assert_int_equal(BOOT_EBDA_GPA, out[1].addr);
	assert_int_equal(BOOT_HIMEM_GPA - BOOT_EBDA_GPA, out[1].size);
	assert_int_equal(THINVMX_E820_RESERVED, out[1].type);
	assert_int_equal(BOOT_HIMEM_GPA, out[2].addr);
	assert_int_equal(256 * MIB - 8192 - BOOT_HIMEM_GPA, out[2].size);
	assert_int_equal(THINVMX_E820_RAM, out[2].type);
	assert_int_equal(256 * MIB - 8192, out[3].addr);
	assert_int_equal(THINVMX_E820_RESERVED, out[3].type);
	/* no room: 0, never a partial map */
	assert_int_equal(0, tvx_boot_e820(dom256, 2, out, 3));
}

static void test_e820_split_ram(void **state)
{
	static const struct thinvmx_e820_entry dom[] = {
		{ .addr = 0, .size = 0x80000, .type = THINVMX_E820_RAM },
		{ .addr = 0x200000, .size = 64 * MIB, .type = THINVMX_E820_RAM },
	};
	struct thinvmx_e820_entry out[8];
	unsigned int n;

	(void)state;
	/* RAM that does not reach the hole: the hole still goes in, in order */
	n = tvx_boot_e820(dom, 2, out, 8);
	assert_int_equal(3, n);
	assert_int_equal(0x80000, out[0].size);
	assert_int_equal(BOOT_EBDA_GPA, out[1].addr);
	assert_int_equal(THINVMX_E820_RESERVED, out[1].type);
	assert_int_equal(0x200000, out[2].addr);
}

static void test_e820_hide(void **state)
{
	struct thinvmx_e820_entry m[8], out[8];
	unsigned int n;

	(void)state;
	/* 64 KiB below the helper pages: RAM, reserved, the helpers */
	memcpy(m, dom256, sizeof(dom256));
	n = tvx_boot_e820_hide(m, 2, 8, 256 * MIB - 8192 - 0x10000, 0x10000);
	assert_int_equal(3, n);
	assert_int_equal(0, m[0].addr);
	assert_int_equal(256 * MIB - 8192 - 0x10000, m[0].size);
	assert_int_equal(THINVMX_E820_RAM, m[0].type);
	assert_int_equal(256 * MIB - 8192 - 0x10000, m[1].addr);
	assert_int_equal(0x10000, m[1].size);
	assert_int_equal(THINVMX_E820_RESERVED, m[1].type);
	assert_int_equal(THINVMX_E820_RESERVED, m[2].type);
	/* and the guest's map never offers it */
	n = tvx_boot_e820(m, n, out, 8);
	assert_int_equal(5, n);
	assert_int_equal(256 * MIB - 8192 - 0x10000 - BOOT_HIMEM_GPA, out[2].size);
	assert_int_equal(THINVMX_E820_RESERVED, out[3].type);

	/* in the middle: RAM split in two around it */
	memcpy(m, dom256, sizeof(dom256));
	n = tvx_boot_e820_hide(m, 2, 8, 32 * MIB, 4096);
	assert_int_equal(4, n);
	assert_int_equal(32 * MIB, m[0].size);
	assert_int_equal(THINVMX_E820_RESERVED, m[1].type);
	assert_int_equal(32 * MIB + 4096, m[2].addr);
	assert_int_equal(THINVMX_E820_RAM, m[2].type);
	assert_int_equal(256 * MIB - 8192, m[2].addr + m[2].size);

	/* nothing, outside RAM, misaligned, wrapping, no room */
	memcpy(m, dom256, sizeof(dom256));
	assert_int_equal(2, tvx_boot_e820_hide(m, 2, 8, 0, 0));
	assert_int_equal(2, tvx_boot_e820_hide(m, 2, 8, 512 * MIB, 4096));
	assert_int_equal(256 * MIB - 8192, m[0].size);
	assert_int_equal(0, tvx_boot_e820_hide(m, 2, 8, 0x800, 4096));
	assert_int_equal(0, tvx_boot_e820_hide(m, 2, 8, ~0xfffULL, 0x2000));
	assert_int_equal(0, tvx_boot_e820_hide(m, 2, 3, 32 * MIB, 4096));
	assert_int_equal(256 * MIB - 8192, m[0].size);
}

static void test_plan(void **state)
{
	struct thinvmx_e820_entry e[8];
	struct tvx_boot_plan p;
	struct tvx_bzimage bz;
	const char *why;
	unsigned int n;

	(void)state;
	assert_int_equal(0, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	n = tvx_boot_e820(dom256, 2, e, 8);
	assert_int_equal(0, tvx_boot_plan(&bz, e, n, 5 * MIB + 123, 40, &p, &why));
	assert_int_equal(0x1000000, p.kernel_gpa);
	assert_int_equal(0x1000200, p.entry_gpa);
	/* the initrd: page-aligned, as high as RAM goes, before the helpers */
	assert_int_equal(0, p.initrd_gpa & 0xfff);
	assert_true(p.initrd_gpa + p.initrd_size <= 256 * MIB - 8192);
	assert_true(p.initrd_gpa + 4096 + p.initrd_size > 256 * MIB - 8192);
	assert_true(p.initrd_gpa >= p.kernel_gpa + bz.init_size);
	assert_int_equal(BOOT_CMDLINE_GPA, p.cmdline_gpa);

	/* initrd_addr_max caps it */
	put32(img, BOOT_INITRD_ADDR_MAX, 128 * MIB - 1);
	assert_int_equal(0, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	assert_int_equal(0, tvx_boot_plan(&bz, e, n, 5 * MIB, 0, &p, &why));
	assert_int_equal(123 * MIB, p.initrd_gpa);
	make_image();
	assert_int_equal(0, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));

	/* no initrd */
	assert_int_equal(0, tvx_boot_plan(&bz, e, n, 0, 0, &p, &why));
	assert_int_equal(0, p.initrd_gpa);

	/* too big an initrd, too long a command line, too little RAM */
	assert_int_equal(-ENOSPC, tvx_boot_plan(&bz, e, n, 230 * MIB, 0, &p, &why));
	assert_int_equal(-E2BIG, tvx_boot_plan(&bz, e, n, 0, 2048, &p, &why));
	e[2].size = 40 * MIB;
	assert_int_equal(-ENOSPC, tvx_boot_plan(&bz, e, n, 0, 0, &p, &why));
	assert_non_null(strstr(why, "init_size"));
}

static void test_zero_page(void **state)
{
	struct thinvmx_e820_entry e[8];
	struct tvx_boot_plan p;
	struct tvx_bzimage bz;
	const char *why;
	__u8 zp[4096];
	unsigned int n, i;

	(void)state;
	assert_int_equal(0, tvx_bzimage_parse(img, IMG_LEN, &bz, &why));
	n = tvx_boot_e820(dom256, 2, e, 8);
	assert_int_equal(0, tvx_boot_plan(&bz, e, n, 3 * MIB, 10, &p, &why));
	memset(zp, 0xee, sizeof(zp));
	tvx_boot_zero_page(zp, img, &bz, &p, e, n, 0xe0000);

	/* the header copied up to its last byte, nothing after it */
	assert_int_equal(0x5a, zp[0x26b]);
	assert_int_equal(0, zp[0x26c]);
	assert_int_equal(BOOT_HDRS_MAGIC, get32(zp, BOOT_HEADER));
	assert_int_equal(0x020f, get16(zp, BOOT_VERSION));
	/* what the loader fills in */
	assert_int_equal(0xff, zp[BOOT_TYPE_OF_LOADER]);
	assert_int_equal(BOOT_LOADED_HIGH | BOOT_CAN_USE_HEAP, zp[BOOT_LOADFLAGS]);
	assert_int_equal(0xffff, get16(zp, BOOT_VID_MODE));
	assert_int_equal(BOOT_CMDLINE_GPA, get32(zp, BOOT_CMD_LINE_PTR));
	assert_int_equal(p.initrd_gpa, get32(zp, BOOT_RAMDISK_IMAGE));
	assert_int_equal(3 * MIB, get32(zp, BOOT_RAMDISK_SIZE));
	assert_int_equal(0xe0000, get64(zp, BP_ACPI_RSDP_ADDR));
	assert_int_equal(n, zp[BP_E820_ENTRIES]);
	for (i = 0; i < n; i++) {
		assert_int_equal(e[i].addr, get64(zp, BP_E820_TABLE + i * 20));
		assert_int_equal(e[i].size, get64(zp, BP_E820_TABLE + i * 20 + 8));
		assert_int_equal(e[i].type, get32(zp, BP_E820_TABLE + i * 20 + 16));
	}
	/* the rest of the page is zero: no stale screen_info, no sentinel */
	assert_int_equal(0, zp[0]);
	assert_int_equal(0, zp[0x1ef]);
	assert_int_equal(0, zp[4095]);
}

/* Walk the boot page tables as the CPU would */
static __u64 walk(const __u8 *pt, __u64 base, __u64 va)
{
	__u64 e = get64(pt, ((va >> 39) & 511) * 8);

	if (!(e & 1))
		return ~0ULL;
	e = get64(pt + (e & ~0xfffULL) - base, ((va >> 30) & 511) * 8);
	if (!(e & 1))
		return ~0ULL;
	e = get64(pt + (e & ~0xfffULL) - base, ((va >> 21) & 511) * 8);
	if (!(e & 1) || !(e & 0x80))
		return ~0ULL;
	return (e & ~0x1fffffULL) | (va & 0x1fffff);
}

static void test_page_tables(void **state)
{
	__u8 *pt = malloc(BOOT_PT_PAGES * 4096);
	__u8 gdt[BOOT_GDT_SIZE];

	(void)state;
	assert_non_null(pt);
	tvx_boot_page_tables(pt, BOOT_PML4_GPA);
	assert_int_equal(0x1000200, walk(pt, BOOT_PML4_GPA, 0x1000200));
	assert_int_equal(0x7000, walk(pt, BOOT_PML4_GPA, 0x7000));
	assert_int_equal(0xfffff000ULL, walk(pt, BOOT_PML4_GPA, 0xfffff000ULL));
	assert_int_equal(0xc0123456ULL, walk(pt, BOOT_PML4_GPA, 0xc0123456ULL));
	assert_int_equal(~0ULL, walk(pt, BOOT_PML4_GPA, 0x100000000ULL));
	free(pt);

	tvx_boot_gdt(gdt);
	assert_int_equal(0, get64(gdt, 0));
	/* L set, D clear, present, code: the 64-bit __BOOT_CS */
	assert_int_equal(0x00af9b000000ffffULL, get64(gdt, BOOT_SEL_CS));
	assert_int_equal(0x00cf93000000ffffULL, get64(gdt, BOOT_SEL_DS));
	/* D set, L clear: multiboot's 32-bit code */
	assert_int_equal(0x00cf9b000000ffffULL, get64(gdt, BOOT_SEL_CS32));
}

static __u8 sum(const __u8 *p, unsigned int len)
{
	__u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* F000:FFF0 asks for a reset through port 0xcf9 and halts */
static void test_reset_vector(void **state)
{
	__u8 stub[BOOT_RESET_VECTOR_SIZE];

	(void)state;
	assert_int_equal(0x100000, BOOT_RESET_VECTOR_GPA + BOOT_RESET_VECTOR_SIZE);
	tvx_boot_reset_vector(stub);
	assert_memory_equal("\xb0\x06\xba\xf9\x0c\xee\xf4\xeb\xfd", stub, 9);
	assert_int_equal(0xf4, stub[BOOT_RESET_VECTOR_SIZE - 1]);
}

static void test_acpi(void **state)
{
	struct tvx_acpi_cfg cfg = { .nr_cpus = 2, .ioapic_gpa = 0xfec00000,
				    .lapic_gpa = 0xfee00000 };
	__u64 base = BOOT_ACPI_GPA, xsdt, fadt, madt, dsdt;
	__u8 *buf = malloc(BOOT_ACPI_SIZE);
	unsigned int at, end, cpus = 0, ioapics = 0;
	size_t used;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(0, tvx_acpi_build(buf, BOOT_ACPI_SIZE, base, &cfg, &used));
	assert_true(used < 4096);

	/* RSDP: both checksums, revision 2, the XSDT */
	assert_memory_equal("RSD PTR ", buf, 8);
	assert_int_equal(0, sum(buf, 20));
	assert_int_equal(0, sum(buf, 36));
	assert_int_equal(2, buf[15]);
	xsdt = get64(buf, 24) - base;

	assert_memory_equal("XSDT", buf + xsdt, 4);
	assert_int_equal(0, sum(buf + xsdt, get32(buf + xsdt, 4)));
	assert_int_equal(36 + 16, get32(buf + xsdt, 4));
	fadt = get64(buf + xsdt, 36) - base;
	madt = get64(buf + xsdt, 44) - base;

	assert_memory_equal("FACP", buf + fadt, 4);
	assert_int_equal(276, get32(buf + fadt, 4));
	assert_int_equal(0, sum(buf + fadt, 276));
	assert_true(get32(buf + fadt, 112) & (1U << 20));	/* HW reduced */
	dsdt = get64(buf + fadt, 140) - base;
	assert_int_equal(dsdt + base, get32(buf + fadt, 40));
	/* ACPI 6.3 table 5-34: sleep control and status after the X_ blocks */
	assert_int_equal(0, buf[fadt + 220]);			/* X_GPE0_BLK: none */
	assert_int_equal(1, buf[fadt + 244]);			/* sleep ctl: I/O */
	assert_int_equal(0x600, get64(buf + fadt, 248));
	assert_int_equal(1, buf[fadt + 256]);			/* sleep status */
	assert_int_equal(0x601, get64(buf + fadt, 260));
	assert_memory_equal("thinvmx", buf + fadt + 268, 7);
	assert_int_equal(1, buf[fadt + 116]);			/* reset: I/O */
	assert_int_equal(0xcf9, get64(buf + fadt, 120));
	assert_int_equal(6, buf[fadt + 128]);

	assert_memory_equal("DSDT", buf + dsdt, 4);
	assert_int_equal(0, sum(buf + dsdt, get32(buf + dsdt, 4)));
	assert_memory_equal("_S5_", buf + dsdt + 37, 4);
	/* COM1 in \_SB: PNP0501 (EISA-compressed), ports 0x3f8-0x3ff, IRQ 4 */
	assert_memory_equal("\x10\x32_SB_\x5b\x82\x2b" "COM1", buf + dsdt + 49, 13);
	assert_memory_equal("\x0c\x41\xd0\x05\x01", buf + dsdt + 36 + 13 + 18, 5);
	/* the scope's length (0x32 + its opcode) ends it after the end tag */
	assert_memory_equal("\x47\x01\xf8\x03\xf8\x03\x01\x08\x22\x10\x00\x79\x00",
			    buf + dsdt + 49 + 1 + 0x32 - 13, 13);
	/* pvpanic in a second \_SB scope, up to the table's end: port 0x505 */
	assert_memory_equal("\x10\x2e_SB_\x5b\x82\x27" "PEVT", buf + dsdt + 100, 13);
	assert_int_equal(100 + 1 + 0x2e, get32(buf + dsdt, 4));
	assert_int_equal(100 + 6 + 2 + 0x27, get32(buf + dsdt, 4));
	assert_memory_equal("_HID\x0dQEMU0001", buf + dsdt + 114, 14);
	assert_memory_equal("\x47\x01\x05\x05\x05\x05\x01\x01\x79\x00",
			    buf + dsdt + get32(buf + dsdt, 4) - 10, 10);

	assert_memory_equal("APIC", buf + madt, 4);
	end = madt + get32(buf + madt, 4);
	assert_int_equal(0, sum(buf + madt, end - madt));
	assert_int_equal(0xfee00000, get32(buf + madt, 36));
	for (at = madt + 44; at < end; at += buf[at + 1]) {
		assert_true(buf[at + 1] >= 2);
		if (buf[at] == 0) {
			assert_int_equal(cpus, buf[at + 3]);	/* APIC id */
			assert_int_equal(1, get32(buf + at, 4) & 1);
			cpus++;
		} else if (buf[at] == 1) {
			assert_int_equal(0xfec00000, get32(buf + at, 4));
			ioapics++;
		}
	}
	assert_int_equal(end, at);
	assert_int_equal(2, cpus);
	assert_int_equal(1, ioapics);
	assert_true(end <= used);

	/* refused: no CPUs, too many, misaligned, too small a buffer */
	cfg.nr_cpus = 0;
	assert_int_equal(-EINVAL, tvx_acpi_build(buf, BOOT_ACPI_SIZE, base, &cfg, &used));
	cfg.nr_cpus = ACPI_MADT_MAX_CPUS + 1;
	assert_int_equal(-EINVAL, tvx_acpi_build(buf, BOOT_ACPI_SIZE, base, &cfg, &used));
	cfg.nr_cpus = 1;
	assert_int_equal(-EINVAL, tvx_acpi_build(buf, BOOT_ACPI_SIZE, base + 4, &cfg, &used));
	assert_int_equal(-ENOSPC, tvx_acpi_build(buf, 256, base, &cfg, &used));
	/* 64 CPUs fit */
	cfg.nr_cpus = ACPI_MADT_MAX_CPUS;
	assert_int_equal(0, tvx_acpi_build(buf, BOOT_ACPI_SIZE, base, &cfg, &used));
	free(buf);
}

/* ----------------------------------------------------------- multiboot */

static __u8 mb[16384];

/* A flat multiboot image: header at @at, loaded at 1 MiB, 4 KiB of bss */
static void mb_flat_image(unsigned int at, __u32 flags)
{
	memset(mb, 0, sizeof(mb));
	put32(mb, at, MB_HEADER_MAGIC);
	put32(mb, at + 4, flags | MB_FLAG_ADDRESS);
	put32(mb, at + 8, -(MB_HEADER_MAGIC + (flags | MB_FLAG_ADDRESS)));
	put32(mb, at + 12, 0x100000 + at);		/* header_addr */
	put32(mb, at + 16, 0x100000);			/* load_addr */
	put32(mb, at + 20, 0x100000 + 8192);		/* load_end_addr */
	put32(mb, at + 24, 0x100000 + 8192 + 4096);	/* bss_end_addr */
	put32(mb, at + 28, 0x100000 + 0x100);		/* entry_addr */
}

/* An ELF32 multiboot image: two PT_LOAD segments, header in the first */
static void mb_elf_image(void)
{
	memset(mb, 0, sizeof(mb));
	memcpy(mb, "\177ELF", 4);
	mb[4] = 1;			/* ELFCLASS32 */
	mb[5] = 1;			/* little-endian */
	put16(mb, 16, 2);		/* ET_EXEC */
	put16(mb, 18, 3);		/* EM_386 */
	put32(mb, 24, 0x200010);	/* entry */
	put32(mb, 28, 52);		/* phoff */
	put16(mb, 42, 32);		/* phentsize */
	put16(mb, 44, 3);		/* phnum */
	/* PT_LOAD: file 0x1000, 0x1000 bytes at 2 MiB */
	put32(mb, 52, 1);
	put32(mb, 52 + 4, 0x1000);
	put32(mb, 52 + 12, 0x200000);
	put32(mb, 52 + 16, 0x1000);
	put32(mb, 52 + 20, 0x1000);
	/* PT_NOTE: skipped */
	put32(mb, 84, 4);
	/* PT_LOAD: 0x800 bytes of file, 0x3000 in memory, at 3 MiB */
	put32(mb, 116, 1);
	put32(mb, 116 + 4, 0x2000);
	put32(mb, 116 + 12, 0x300000);
	put32(mb, 116 + 16, 0x800);
	put32(mb, 116 + 20, 0x3000);
	put32(mb, 0x1000, MB_HEADER_MAGIC);
	put32(mb, 0x1004, MB_FLAG_ALIGN | MB_FLAG_MEMINFO);
	put32(mb, 0x1008, -(MB_HEADER_MAGIC + 3));
}

static void test_multiboot_parse(void **state)
{
	struct tvx_multiboot m;
	const char *why;

	(void)state;
	mb_flat_image(0x40, MB_FLAG_MEMINFO);
	assert_int_equal(0, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	assert_int_equal(1, m.nr_segments);
	assert_int_equal(0x40, 0x40 + m.seg[0].offset);	/* file start */
	assert_int_equal(0x100000, m.seg[0].paddr);
	assert_int_equal(8192, m.seg[0].filesz);
	assert_int_equal(8192 + 4096, m.seg[0].memsz);
	assert_int_equal(0x100100, m.entry);
	assert_int_equal(0x100000 + 8192 + 4096, m.end);
	/* load_end 0: the rest of the file */
	put32(mb, 0x40 + 20, 0);
	put32(mb, 0x40 + 24, 0);
	assert_int_equal(0, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	assert_int_equal(sizeof(mb), m.seg[0].filesz);
	assert_int_equal(sizeof(mb), m.seg[0].memsz);

	mb_elf_image();
	assert_int_equal(0, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	assert_int_equal(2, m.nr_segments);
	assert_int_equal(0x1000, m.seg[0].offset);
	assert_int_equal(0x300000, m.seg[1].paddr);
	assert_int_equal(0x800, m.seg[1].filesz);
	assert_int_equal(0x3000, m.seg[1].memsz);
	assert_int_equal(0x200010, m.entry);
	assert_int_equal(0x303000, m.end);
}

static void test_multiboot_refuses(void **state)
{
	struct tvx_multiboot m;
	const char *why;

	(void)state;
	memset(mb, 0, sizeof(mb));
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	assert_non_null(strstr(why, "no multiboot header"));
	/* a bad checksum is no header */
	mb_flat_image(0x40, 0);
	put32(mb, 0x48, 0);
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	assert_non_null(strstr(why, "no multiboot header"));
	/* past the first 8 KiB is no header either */
	mb_flat_image(8192, 0);
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	/* a video mode, an unknown feature */
	mb_flat_image(0, MB_FLAG_VIDEO);
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	assert_non_null(strstr(why, "video"));
	mb_flat_image(0, 1U << 5);
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	/* load address past the header, load end before the load address */
	mb_flat_image(0x40, 0);
	put32(mb, 0x40 + 16, 0x100000 + 0x80);
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	mb_flat_image(0x40, 0);
	put32(mb, 0x40 + 20, 0xff000);
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	/* more file than there is */
	mb_flat_image(0x40, 0);
	put32(mb, 0x40 + 20, 0x100000 + sizeof(mb) + 1);
	put32(mb, 0x40 + 24, 0);
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	/* below 1 MiB: the loader's own memory */
	mb_flat_image(0x40, 0);
	put32(mb, 0x40 + 12, 0x90000 + 0x40);
	put32(mb, 0x40 + 16, 0x90000);
	put32(mb, 0x40 + 20, 0);
	put32(mb, 0x40 + 24, 0);
	put32(mb, 0x40 + 28, 0x90100);
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	assert_non_null(strstr(why, "1 MiB"));
	/* the entry outside what is loaded */
	mb_flat_image(0x40, 0);
	put32(mb, 0x40 + 28, 0x500000);
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	assert_non_null(strstr(why, "entry"));
	/* ELF: wrong machine, segment past the file */
	mb_elf_image();
	put16(mb, 18, 40);
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	mb_elf_image();
	put32(mb, 116 + 16, sizeof(mb));
	assert_int_equal(-ENOEXEC, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
}

static void test_multiboot_info(void **state)
{
	struct thinvmx_e820_entry e[8];
	struct tvx_multiboot m;
	struct tvx_mb_plan p;
	__u8 info[MB_INFO_SIZE];
	const char *why;
	unsigned int n, i;
	const __u8 *mm;

	(void)state;
	mb_elf_image();
	assert_int_equal(0, tvx_multiboot_parse(mb, sizeof(mb), &m, &why));
	n = tvx_boot_e820(dom256, 2, e, 8);
	assert_int_equal(0, tvx_multiboot_plan(&m, e, n, 5000, 9, &p, &why));
	/* the module right after the image, page-aligned */
	assert_int_equal(0x303000, p.module_gpa);
	assert_int_equal(5000, p.module_size);
	tvx_multiboot_info(info, &p, e, n);

	assert_int_equal(MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS |
			 MB_INFO_MMAP | MB_INFO_LOADER, get32(info, 0));
	assert_int_equal(639, get32(info, 4));
	assert_int_equal((256 * MIB - 8192 - MIB) >> 10, get32(info, 8));
	assert_int_equal(BOOT_CMDLINE_GPA, get32(info, 16));
	assert_int_equal(1, get32(info, 20));
	assert_int_equal(MB_MODS_GPA, get32(info, 24));
	assert_int_equal(0x303000, get32(info + MB_MODS_GPA - MB_INFO_GPA, 0));
	assert_int_equal(0x303000 + 5000, get32(info + MB_MODS_GPA - MB_INFO_GPA, 4));
	assert_string_equal("thinvmx", (char *)info + MB_LOADER_GPA - MB_INFO_GPA);
	assert_int_equal(MB_LOADER_GPA, get32(info, 64));
	assert_int_equal(n * 24, get32(info, 44));
	assert_int_equal(MB_MMAP_GPA, get32(info, 48));
	mm = info + MB_MMAP_GPA - MB_INFO_GPA;
	for (i = 0; i < n; i++, mm += 24) {
		assert_int_equal(20, get32(mm, 0));
		assert_int_equal(e[i].addr, get64(mm, 4));
		assert_int_equal(e[i].size, get64(mm, 12));
		assert_int_equal(e[i].type == THINVMX_E820_RAM ? 1 : 2, get32(mm, 20));
	}

	/* no module: no flag; too big a module, too long a command line */
	assert_int_equal(0, tvx_multiboot_plan(&m, e, n, 0, 0, &p, &why));
	tvx_multiboot_info(info, &p, e, n);
	assert_int_equal(0, get32(info, 0) & MB_INFO_MODS);
	assert_int_equal(-ENOSPC, tvx_multiboot_plan(&m, e, n, 300 * MIB, 0, &p, &why));
	assert_int_equal(-E2BIG, tvx_multiboot_plan(&m, e, n, 0, BOOT_CMDLINE_MAX, &p, &why));
	/* an image past RAM */
	e[2].size = MIB;
	assert_int_equal(-ENOSPC, tvx_multiboot_plan(&m, e, n, 0, 0, &p, &why));
}

/* An ELF64 like Linux's vmlinux: one PT_LOAD at 16 MiB, a PT_NOTE */
static void pvh_image(void)
{
	memset(mb, 0, sizeof(mb));
	memcpy(mb, "\177ELF", 4);
	mb[4] = 2;			/* ELFCLASS64 */
	mb[5] = 1;
	put16(mb, 16, 2);		/* ET_EXEC */
	put16(mb, 18, 62);		/* EM_X86_64 */
	put64(mb, 24, 0xffffffff81000000ULL);	/* the 64-bit entry: unused */
	put64(mb, 32, 64);		/* phoff */
	put16(mb, 54, 56);		/* phentsize */
	put16(mb, 56, 2);		/* phnum */
	put32(mb, 64, 1);		/* PT_LOAD */
	put64(mb, 64 + 8, 0x1000);
	put64(mb, 64 + 16, 0xffffffff81000000ULL);
	put64(mb, 64 + 24, 0x1000000);	/* paddr */
	put64(mb, 64 + 32, 0x2000);
	put64(mb, 64 + 40, 0x3000);
	put32(mb, 120, 4);		/* PT_NOTE at 0x3000, two notes */
	put64(mb, 120 + 8, 0x3000);
	put64(mb, 120 + 32, 40);
	/* a GNU note first: skipped */
	put32(mb, 0x3000, 4);
	put32(mb, 0x3004, 4);
	put32(mb, 0x3008, 3);
	memcpy(mb + 0x300c, "GNU", 4);
	/* then Xen's PHYS32_ENTRY */
	put32(mb, 0x3014, 4);
	put32(mb, 0x3018, 4);
	put32(mb, 0x301c, PVH_NOTE_PHYS32_ENTRY);
	memcpy(mb + 0x3020, "Xen", 4);
	put32(mb, 0x3024, 0x1000400);
}

static void test_pvh(void **state)
{
	struct thinvmx_e820_entry e[8];
	struct tvx_mb_plan plan = { .cmdline_gpa = BOOT_CMDLINE_GPA,
				    .module_gpa = 0x1003000, .module_size = 77 };
	struct tvx_pvh p;
	__u8 info[PVH_INFO_SIZE];
	const char *why;
	unsigned int n, i;
	const __u8 *m;

	(void)state;
	pvh_image();
	assert_int_equal(0, tvx_pvh_parse(mb, sizeof(mb), &p, &why));
	assert_int_equal(0x1000400, p.entry);
	assert_int_equal(1, p.nr_segments);
	assert_int_equal(0x1003000, p.end);

	/* the entry outside the segments, no note, a note cut short */
	put32(mb, 0x3024, 0x900000);
	assert_int_equal(-ENOEXEC, tvx_pvh_parse(mb, sizeof(mb), &p, &why));
	pvh_image();
	put32(mb, 0x301c, 17);
	assert_int_equal(-ENOEXEC, tvx_pvh_parse(mb, sizeof(mb), &p, &why));
	assert_non_null(strstr(why, "PVH"));
	pvh_image();
	put64(mb, 120 + 32, 0x24);	/* ends inside the entry's descriptor */
	assert_int_equal(-ENOEXEC, tvx_pvh_parse(mb, sizeof(mb), &p, &why));
	pvh_image();
	put32(mb, 0x3018, 0x7fffffff);	/* descsz past the segment */
	assert_int_equal(-ENOEXEC, tvx_pvh_parse(mb, sizeof(mb), &p, &why));

	n = tvx_boot_e820(dom256, 2, e, 8);
	tvx_pvh_start_info(info, &plan, e, n, 0xe0000);
	assert_int_equal(PVH_START_MAGIC, get32(info, 0));
	assert_int_equal(1, get32(info, 4));
	assert_int_equal(1, get32(info, 12));
	assert_int_equal(PVH_MODLIST_GPA, get64(info, 16));
	assert_int_equal(BOOT_CMDLINE_GPA, get64(info, 24));
	assert_int_equal(0xe0000, get64(info, 32));
	assert_int_equal(PVH_MEMMAP_GPA, get64(info, 40));
	assert_int_equal(n, get32(info, 48));
	m = info + PVH_MODLIST_GPA - PVH_START_GPA;
	assert_int_equal(0x1003000, get64(m, 0));
	assert_int_equal(77, get64(m, 8));
	m = info + PVH_MEMMAP_GPA - PVH_START_GPA;
	for (i = 0; i < n; i++, m += 24) {
		assert_int_equal(e[i].addr, get64(m, 0));
		assert_int_equal(e[i].size, get64(m, 8));
		assert_int_equal(e[i].type, get32(m, 16));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_refuses, setup, teardown),
		cmocka_unit_test(test_parse_debian),
		cmocka_unit_test(test_e820),
		cmocka_unit_test(test_e820_split_ram),
		cmocka_unit_test(test_e820_hide),
		cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_page, setup, teardown),
		cmocka_unit_test(test_page_tables),
		cmocka_unit_test(test_acpi),
		cmocka_unit_test(test_reset_vector),
		cmocka_unit_test(test_multiboot_parse),
		cmocka_unit_test(test_multiboot_refuses),
		cmocka_unit_test(test_multiboot_info),
		cmocka_unit_test(test_pvh),
	};

	return cmocka_run_group_tests_name("boot", tests, NULL, NULL);
}
