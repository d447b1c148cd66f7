// SPDX-License-Identifier: GPL-2.0
/*
 * The pure half of booting Linux in a domain (lib/boot.h): nothing here
 * touches a domain, so the unit tests (selftests/unit/test_boot.c) run
 * all of it on buffers. Every field a guest kernel reads is written
 * explicitly; an image that does not fit or does not say what we need is
 * refused with the reason in *why.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "boot.h"

#define GIB		(1ULL << 30)
#define FOUR_GIB	(4ULL << 30)
#define MIB2		(2ULL << 20)

static __u16 get16(const __u8 *p, unsigned int off)
{
	return p[off] | (__u16)p[off + 1] << 8;
}

static __u32 get32(const __u8 *p, unsigned int off)
{
	return get16(p, off) | (__u32)get16(p, off + 2) << 16;
}

static __u64 get64(const __u8 *p, unsigned int off)
{
	return get32(p, off) | (__u64)get32(p, off + 4) << 32;
}

static void put16(__u8 *p, unsigned int off, __u16 v)
{
	p[off] = v;
	p[off + 1] = v >> 8;
}

static void put32(__u8 *p, unsigned int off, __u32 v)
{
	put16(p, off, v);
	put16(p, off + 2, v >> 16);
}

static void put64(__u8 *p, unsigned int off, __u64 v)
{
	put32(p, off, v);
	put32(p, off + 4, v >> 32);
}

/**
 * tvx_bzimage_parse() - read a bzImage's setup header
 * @img: the file's bytes
 * @len: its length
 * @bz: what the boot needs, filled on success
 * @why: on failure, why (a static string)
 *
 * Only what the 64-bit entry needs is accepted: boot protocol 2.12 or
 * later (the version that has xloadflags) with XLF_KERNEL_64.
 *
 * Return: 0; -ENOEXEC (not a bzImage, or one we cannot start).
 */
int tvx_bzimage_parse(const void *img, size_t len, struct tvx_bzimage *bz,
		      const char **why)
{
	const __u8 *p = img;
	unsigned int sects;

	memset(bz, 0, sizeof(*bz));
	*why = "not a bzImage (too short)";
	if (len < 0x1000)
		return -ENOEXEC;
	*why = "not a bzImage (no HdrS and 0xaa55 signature)";
	if (get16(p, BOOT_FLAG) != 0xaa55 || get32(p, BOOT_HEADER) != BOOT_HDRS_MAGIC)
		return -ENOEXEC;
	bz->version = get16(p, BOOT_VERSION);
	*why = "boot protocol older than 2.12 (no 64-bit entry)";
	if (bz->version < 0x020c)
		return -ENOEXEC;
	*why = "the kernel has no 64-bit entry (XLF_KERNEL_64 clear)";
	if (!(get16(p, BOOT_XLOADFLAGS) & BOOT_XLF_KERNEL_64))
		return -ENOEXEC;
	*why = "not a bzImage (must be loaded high)";
	if (!(p[BOOT_LOADFLAGS] & BOOT_LOADED_HIGH))
		return -ENOEXEC;

	sects = p[BOOT_SETUP_SECTS] ? p[BOOT_SETUP_SECTS] : 4;
	bz->setup_size = (sects + 1) * 512;
	bz->hdr_end = BOOT_HEADER + p[BOOT_JUMP + 1];
	/* at most 0x301, below the smallest setup (two sectors) */
	*why = "setup header too short for the 2.12 fields";
	if (bz->hdr_end < BOOT_INIT_SIZE + 4)
		return -ENOEXEC;
	*why = "the file is shorter than its setup code";
	if (bz->setup_size >= len)
		return -ENOEXEC;
	bz->kernel_size = len - bz->setup_size;
	*why = "the file is shorter than the kernel it declares (syssize)";
	if ((__u64)get32(p, BOOT_SYSSIZE) * 16 > bz->kernel_size)
		return -ENOEXEC;

	bz->pref_address = get64(p, BOOT_PREF_ADDRESS);
	bz->init_size = get32(p, BOOT_INIT_SIZE);
	bz->alignment = get32(p, BOOT_KERNEL_ALIGNMENT);
	bz->relocatable = p[BOOT_RELOCATABLE];
	bz->cmdline_size = get32(p, BOOT_CMDLINE_SIZE);
	bz->initrd_addr_max = get32(p, BOOT_INITRD_ADDR_MAX);
	*why = "init_size smaller than the kernel";
	if (bz->init_size < bz->kernel_size)
		return -ENOEXEC;
	*why = "kernel_alignment is not a power of two";
	if (bz->relocatable && (!bz->alignment || (bz->alignment & (bz->alignment - 1))))
		return -ENOEXEC;
	*why = NULL;
	return 0;
}

/* Is [start, start+size) inside one RAM entry? */
static bool boot_in_ram(const struct thinvmx_e820_entry *e, unsigned int nr,
			__u64 start, __u64 size)
{
	unsigned int i;

	if (start + size < start)
		return false;
	for (i = 0; i < nr; i++)
		if (e[i].type == THINVMX_E820_RAM && start >= e[i].addr &&
		    start + size <= e[i].addr + e[i].size)
			return true;
	return false;
}

/**
 * tvx_boot_plan() - place a bzImage, its initrd and command line
 * @bz: the parsed image
 * @e820: the guest's memory map as tvx_boot_e820() gives it
 * @nr: its entries
 * @initrd_size: 0 without an initrd
 * @cmdline_len: without the NUL
 * @plan: the addresses, filled on success
 * @why: on failure, why
 *
 * The kernel goes where it prefers (pref_address, 16 MiB for Debian's),
 * the initrd as high as the kernel allows (initrd_addr_max) below 4 GiB
 * and above the kernel's init_size, page-aligned, as boot loaders do.
 *
 * Return: 0; -E2BIG (command line too long); -ENOSPC (does not fit).
 */
int tvx_boot_plan(const struct tvx_bzimage *bz,
		  const struct thinvmx_e820_entry *e820, unsigned int nr,
		  __u64 initrd_size, __u32 cmdline_len,
		  struct tvx_boot_plan *plan, const char **why)
{
	__u64 load = bz->pref_address, kernel_end, top;
	unsigned int i;

	memset(plan, 0, sizeof(*plan));
	*why = "command line longer than the kernel takes";
	if (cmdline_len > bz->cmdline_size || cmdline_len >= BOOT_CMDLINE_MAX)
		return -E2BIG;
	plan->cmdline_gpa = BOOT_CMDLINE_GPA;
	plan->cmdline_len = cmdline_len;

	if (!load || (bz->relocatable && (load & (bz->alignment - 1))))
		load = 0x1000000;	/* LOAD_PHYSICAL_ADDR's default */
	*why = "RAM too small for the kernel's init_size at its load address";
	if (!boot_in_ram(e820, nr, load, bz->init_size))
		return -ENOSPC;
	plan->kernel_gpa = load;
	plan->entry_gpa = load + 0x200;
	kernel_end = load + bz->init_size;

	if (!initrd_size)
		goto done;
	/* the highest RAM byte the initrd may end at */
	top = (__u64)bz->initrd_addr_max + 1;
	if (top > FOUR_GIB)
		top = FOUR_GIB;
	*why = "no room for the initrd between the kernel and initrd_addr_max";
	for (i = 0; i < nr; i++) {
		__u64 s = e820[i].addr, end = e820[i].addr + e820[i].size, at;

		if (e820[i].type != THINVMX_E820_RAM)
			continue;
		if (end > top)
			end = top;
		if (end < initrd_size || end - initrd_size < s)
			continue;
		at = (end - initrd_size) & ~0xfffULL;
		if (at < s || at < kernel_end)
			continue;
		if (at > plan->initrd_gpa)
			plan->initrd_gpa = at;
	}
	if (!plan->initrd_gpa)
		return -ENOSPC;
	plan->initrd_size = initrd_size;
done:
	*why = NULL;
	return 0;
}

/* Append [start, end) of @type to out[], merging nothing; false if full */
static bool boot_e820_add(struct thinvmx_e820_entry *out, unsigned int *n,
			  unsigned int max, __u64 start, __u64 end, __u32 type)
{
	if (end <= start)
		return true;
	if (*n == max)
		return false;
	out[*n].addr = start;
	out[*n].size = end - start;
	out[*n].type = type;
	(*n)++;
	return true;
}

/**
 * tvx_boot_e820_hide() - make part of a domain's RAM unknown to its guest
 * @map: a domain's map (THINVMX_GET_MEMMAP), sorted; changed in place
 * @nr: its entries
 * @max: room in @map
 * @gpa: the first byte to hide, page-aligned
 * @size: how many bytes, page-aligned (0: nothing)
 *
 * RAM in [@gpa, @gpa + @size) becomes reserved, splitting the RAM entries
 * it cuts, so that the maps the guest is told (tvx_boot_e820() and the
 * PVH one) never offer it: frames the domain has and its guest does not
 * use, for an introspection daemon's shadow pages (a view's changed gfn).
 *
 * Return: the entries in @map now (0: they did not fit in @max, or the
 * range is not page-aligned or wraps).
 */
unsigned int tvx_boot_e820_hide(struct thinvmx_e820_entry *map, unsigned int nr,
				unsigned int max, __u64 gpa, __u64 size)
{
	struct thinvmx_e820_entry out[THINVMX_MEMMAP_MAX + 2];
	__u64 end = gpa + size;
	unsigned int i, n = 0;

	if ((gpa | size) & 0xfff || end < gpa || max > THINVMX_MEMMAP_MAX + 2)
		return 0;
	for (i = 0; i < nr; i++) {
		__u64 s = map[i].addr, e = map[i].addr + map[i].size;

		if (map[i].type != THINVMX_E820_RAM || e <= gpa || s >= end) {
			if (!boot_e820_add(out, &n, max, s, e, map[i].type))
				return 0;
			continue;
		}
		if (!boot_e820_add(out, &n, max, s, s < gpa ? gpa : s, THINVMX_E820_RAM) ||
		    !boot_e820_add(out, &n, max, s < gpa ? gpa : s, e < end ? e : end,
				   THINVMX_E820_RESERVED) ||
		    !boot_e820_add(out, &n, max, e < end ? e : end, e, THINVMX_E820_RAM))
			return 0;
	}
	memcpy(map, out, n * sizeof(*out));
	return n;
}

/**
 * tvx_boot_e820() - the memory map a Linux guest is told
 * @dom: the domain's map (THINVMX_GET_MEMMAP), sorted
 * @nr: its entries
 * @out: the guest's map
 * @max: room in @out
 *
 * The domain's map with the legacy hole [0x9fc00, 1 MiB) reserved: the
 * EBDA and BIOS area a PC has, where the ACPI tables go, and which Linux
 * scans for them.
 *
 * Return: the number of entries in @out (0: it did not fit).
 */
unsigned int tvx_boot_e820(const struct thinvmx_e820_entry *dom, unsigned int nr,
			   struct thinvmx_e820_entry *out, unsigned int max)
{
	unsigned int i, n = 0;
	bool hole = false;

	for (i = 0; i < nr; i++) {
		__u64 s = dom[i].addr, e = dom[i].addr + dom[i].size;
		__u32 type = dom[i].type == THINVMX_E820_RAM ? THINVMX_E820_RAM :
			     THINVMX_E820_RESERVED;

		if (type != THINVMX_E820_RAM || e <= BOOT_EBDA_GPA || s >= BOOT_HIMEM_GPA) {
			if (!hole && s >= BOOT_HIMEM_GPA) {
				if (!boot_e820_add(out, &n, max, BOOT_EBDA_GPA,
						   BOOT_HIMEM_GPA, THINVMX_E820_RESERVED))
					return 0;
				hole = true;
			}
			if (!boot_e820_add(out, &n, max, s, e, type))
				return 0;
			continue;
		}
		/* a RAM entry overlapping the hole: split around it */
		if (!boot_e820_add(out, &n, max, s,
				   s < BOOT_EBDA_GPA ? BOOT_EBDA_GPA : s, THINVMX_E820_RAM))
			return 0;
		if (!hole && !boot_e820_add(out, &n, max, BOOT_EBDA_GPA, BOOT_HIMEM_GPA,
					    THINVMX_E820_RESERVED))
			return 0;
		hole = true;
		if (!boot_e820_add(out, &n, max, e > BOOT_HIMEM_GPA ? BOOT_HIMEM_GPA : e,
				   e, THINVMX_E820_RAM))
			return 0;
	}
	if (!hole && !boot_e820_add(out, &n, max, BOOT_EBDA_GPA, BOOT_HIMEM_GPA,
				    THINVMX_E820_RESERVED))
		return 0;
	return n;
}

/**
 * tvx_boot_zero_page() - fill struct boot_params for the 64-bit entry
 * @zp: 4096 bytes, the zero page
 * @img: the bzImage (its setup header is copied)
 * @bz: the parsed image
 * @plan: where things are
 * @e820: the guest's map (tvx_boot_e820()), at most BP_E820_MAX used
 * @nr: its entries
 * @rsdp_gpa: the ACPI RSDP (0: none)
 */
void tvx_boot_zero_page(__u8 *zp, const void *img, const struct tvx_bzimage *bz,
			const struct tvx_boot_plan *plan,
			const struct thinvmx_e820_entry *e820, unsigned int nr,
			__u64 rsdp_gpa)
{
	const __u8 *p = img;
	unsigned int i;

	memset(zp, 0, 4096);
	memcpy(zp + BOOT_SETUP_SECTS, p + BOOT_SETUP_SECTS,
	       bz->hdr_end - BOOT_SETUP_SECTS);
	put16(zp, BOOT_VID_MODE, 0xffff);		/* "normal" */
	zp[BOOT_TYPE_OF_LOADER] = 0xff;			/* undefined loader */
	zp[BOOT_LOADFLAGS] |= BOOT_CAN_USE_HEAP;
	put16(zp, BOOT_HEAP_END_PTR, 0xfe00);
	put32(zp, BOOT_CODE32_START, plan->kernel_gpa);
	put32(zp, BOOT_CMD_LINE_PTR, plan->cmdline_gpa);
	put32(zp, BOOT_RAMDISK_IMAGE, plan->initrd_gpa);
	put32(zp, BOOT_RAMDISK_SIZE, plan->initrd_size);
	put64(zp, BP_ACPI_RSDP_ADDR, rsdp_gpa);

	if (nr > BP_E820_MAX)
		nr = BP_E820_MAX;
	zp[BP_E820_ENTRIES] = nr;
	for (i = 0; i < nr; i++) {
		put64(zp, BP_E820_TABLE + i * 20, e820[i].addr);
		put64(zp, BP_E820_TABLE + i * 20 + 8, e820[i].size);
		put32(zp, BP_E820_TABLE + i * 20 + 16, e820[i].type);
	}
}

/**
 * tvx_boot_page_tables() - 4 GiB identity map for the 64-bit entry
 * @pt: BOOT_PT_PAGES pages: PML4, PDPT, four page directories
 * @gpa: where @pt will be in the guest
 *
 * The protocol wants the kernel, the zero page and the command line
 * identity-mapped; the first 4 GiB in 2 MiB pages cover all of them.
 */
void tvx_boot_page_tables(__u8 *pt, __u64 gpa)
{
	unsigned int i;

	memset(pt, 0, BOOT_PT_PAGES * 4096);
	put64(pt, 0, (gpa + 4096) | 0x3);			/* P, RW */
	for (i = 0; i < 4; i++)
		put64(pt + 4096, i * 8, (gpa + (2 + i) * 4096) | 0x3);
	for (i = 0; i < 4 * 512; i++)
		put64(pt + 2 * 4096, i * 8, (__u64)i * MIB2 | 0x83);	/* PS */
}

/**
 * tvx_boot_gdt() - the boot GDT: __BOOT_CS and __BOOT_DS, 4 GiB flat, and
 * a 32-bit code segment for multiboot
 * @gdt: BOOT_GDT_SIZE bytes
 */
void tvx_boot_gdt(__u8 *gdt)
{
	memset(gdt, 0, BOOT_GDT_SIZE);
	put64(gdt, BOOT_SEL_CS, 0x00af9b000000ffffULL);	/* 64-bit code */
	put64(gdt, BOOT_SEL_DS, 0x00cf93000000ffffULL);	/* data */
	put64(gdt, BOOT_SEL_CS32, 0x00cf9b000000ffffULL);	/* 32-bit code */
}

/**
 * tvx_boot_reset_vector() - what a firmware's reset vector does here
 * @stub: BOOT_RESET_VECTOR_SIZE bytes, for BOOT_RESET_VECTOR_GPA
 *
 * Real-mode code at F000:FFF0 that asks for a reset through the reset
 * register (port 0xcf9, value 6) and halts. Linux reaches it: on a
 * hardware-reduced ACPI platform it reboots through EFI first (there is
 * none), then through the BIOS (machine_real_restart() jumps to this
 * vector), as Linux 6.1's reboot_init() and
 * native_machine_emergency_restart() choose; without it that jump runs
 * whatever the legacy hole holds.
 */
void tvx_boot_reset_vector(__u8 *stub)
{
	static const __u8 code[] = {
		0xb0, 0x06,			/* mov al, 6: the FADT's reset value */
		0xba, 0xf9, 0x0c,		/* mov dx, 0xcf9 */
		0xee,				/* out dx, al */
		0xf4,				/* hlt */
		0xeb, 0xfd,			/* jmp hlt */
	};

	memset(stub, 0xf4, BOOT_RESET_VECTOR_SIZE);	/* hlt */
	memcpy(stub, code, sizeof(code));
}

/* ----------------------------------------------------------- multiboot */

/* The 32-bit entry of a PVH note, if @n (a PT_NOTE segment's bytes) has one */
static bool boot_pvh_note(const __u8 *n, __u64 size, __u32 *entry)
{
	__u64 off = 0;

	while (size - off >= 12) {
		__u32 namesz = get32(n, off), descsz = get32(n, off + 4);
		__u32 type = get32(n, off + 8);
		__u64 name = off + 12, desc = name + ((namesz + 3ULL) & ~3ULL);

		if (desc > size || ((descsz + 3ULL) & ~3ULL) > size - desc)
			return false;
		if (type == PVH_NOTE_PHYS32_ENTRY && namesz == sizeof(PVH_NOTE_NAME) &&
		    !memcmp(n + name, PVH_NOTE_NAME, sizeof(PVH_NOTE_NAME)) &&
		    (descsz == 4 || descsz == 8)) {
			*entry = get32(n, desc);
			return true;
		}
		off = desc + ((descsz + 3ULL) & ~3ULL);
	}
	return false;
}

/*
 * The PT_LOAD segments of an x86 ELF executable, 32- or 64-bit, its entry
 * point, and (if @pvh) the PVH entry of its notes, 0 when it has none.
 */
static int boot_elf(const __u8 *p, size_t len, struct tvx_mb_segment *seg,
		    unsigned int *nr, __u64 *entry, __u32 *pvh, const char **why)
{
	bool is64;
	__u64 phoff;
	unsigned int i, phnum, phentsize;

	*why = "not an x86 ELF executable";
	if (len < 64 || memcmp(p, "\177ELF", 4) || p[5] != 1 || (p[4] != 1 && p[4] != 2))
		return -ENOEXEC;
	is64 = p[4] == 2;
	if (get16(p, 16) != 2 || get16(p, 18) != (is64 ? 62 : 3))	/* ET_EXEC */
		return -ENOEXEC;
	*entry = is64 ? get64(p, 24) : get32(p, 24);
	phoff = is64 ? get64(p, 32) : get32(p, 28);
	phentsize = get16(p, is64 ? 54 : 42);
	phnum = get16(p, is64 ? 56 : 44);
	*why = "ELF program headers out of the file";
	if (phentsize < (is64 ? 56U : 32U) || phoff > len ||
	    (__u64)phnum * phentsize > len - phoff)
		return -ENOEXEC;
	if (pvh)
		*pvh = 0;
	*nr = 0;
	for (i = 0; i < phnum; i++) {
		const __u8 *ph = p + phoff + (__u64)i * phentsize;
		__u32 type = get32(ph, 0);
		struct tvx_mb_segment g;

		if (type != 1 && type != 4)		/* PT_LOAD, PT_NOTE */
			continue;
		if (is64) {
			g.offset = get64(ph, 8);
			g.paddr = get64(ph, 24);
			g.filesz = get64(ph, 32);
			g.memsz = get64(ph, 40);
		} else {
			g.offset = get32(ph, 4);
			g.paddr = get32(ph, 12);
			g.filesz = get32(ph, 16);
			g.memsz = get32(ph, 20);
		}
		*why = "a segment runs past the end of the file";
		if (g.offset > len || g.filesz > len - g.offset)
			return -ENOEXEC;
		if (type == 4) {
			if (pvh && !*pvh)
				boot_pvh_note(p + g.offset, g.filesz, pvh);
			continue;
		}
		*why = "more ELF segments than the loader takes";
		if (*nr == MB_MAX_SEGMENTS)
			return -ENOEXEC;
		seg[(*nr)++] = g;
	}
	return 0;
}

/*
 * Segments between 1 MiB (below is the loader's: GDT, page tables, the
 * boot information) and 4 GiB, the entry point in one of them; @end is
 * the highest byte loaded + 1.
 */
static int boot_segments_check(const struct tvx_mb_segment *seg, unsigned int nr,
			       __u64 entry, __u64 *end, const char **why)
{
	bool in_seg = false;
	unsigned int i;

	*why = "no segment to load";
	if (!nr)
		return -ENOEXEC;
	*end = 0;
	for (i = 0; i < nr; i++) {
		const struct tvx_mb_segment *s = &seg[i];

		*why = "a segment's memory size is below its file size";
		if (s->memsz < s->filesz)
			return -ENOEXEC;
		*why = "a segment below 1 MiB (the loader's) or above 4 GiB";
		if (s->paddr < BOOT_HIMEM_GPA || s->memsz > FOUR_GIB ||
		    s->paddr > FOUR_GIB - s->memsz)
			return -ENOEXEC;
		if (s->paddr + s->memsz > *end)
			*end = s->paddr + s->memsz;
		if (entry >= s->paddr && entry < s->paddr + s->memsz)
			in_seg = true;
	}
	*why = "the entry point is in no segment";
	return in_seg ? 0 : -ENOEXEC;
}

/* The header's address fields: one segment from the file */
static int mb_flat(const __u8 *p, size_t len, unsigned int hdr,
		   struct tvx_multiboot *mb, const char **why)
{
	__u32 header_addr, load_addr, load_end, bss_end;
	struct tvx_mb_segment *s = &mb->seg[0];

	*why = "multiboot address fields run past the file";
	if (hdr + 32 > len)
		return -ENOEXEC;
	header_addr = get32(p, hdr + 12);
	load_addr = get32(p, hdr + 16);
	load_end = get32(p, hdr + 20);
	bss_end = get32(p, hdr + 24);
	mb->entry = get32(p, hdr + 28);
	*why = "multiboot load address above its header address, or before the file";
	if (load_addr > header_addr || header_addr - load_addr > hdr)
		return -ENOEXEC;
	s->offset = hdr - (header_addr - load_addr);
	s->paddr = load_addr;
	s->filesz = load_end ? (__u64)load_end - load_addr : len - s->offset;
	*why = "multiboot load_end_addr before load_addr or past the file";
	if ((load_end && load_end < load_addr) || s->filesz > len - s->offset)
		return -ENOEXEC;
	*why = "multiboot bss_end_addr before the end of what is loaded";
	if (bss_end && bss_end < load_addr + s->filesz)
		return -ENOEXEC;
	s->memsz = bss_end ? (__u64)bss_end - load_addr : s->filesz;
	mb->nr_segments = 1;
	return 0;
}

/**
 * tvx_multiboot_parse() - find and read a multiboot header
 * @img: the file's bytes
 * @len: its length
 * @mb: what to load and where to start, filled on success
 * @why: on failure, why
 *
 * Segments must lie between 1 MiB (below is the loader's: GDT, page
 * tables, the information) and 4 GiB, and hold the entry point; the
 * header may ask for page-aligned modules and memory information, never
 * a video mode or a feature this loader does not know.
 *
 * Return: 0; -ENOEXEC (no header, or an image we cannot start).
 */
int tvx_multiboot_parse(const void *img, size_t len, struct tvx_multiboot *mb,
			const char **why)
{
	const __u8 *p = img;
	unsigned int off;
	__u64 entry;
	int ret;

	memset(mb, 0, sizeof(*mb));
	for (off = 0; off + 12 <= len && off < MB_SEARCH; off += 4)
		if (get32(p, off) == MB_HEADER_MAGIC &&
		    (__u32)(get32(p, off) + get32(p, off + 4) + get32(p, off + 8)) == 0)
			break;
	*why = "no multiboot header in the first 8 KiB";
	if (off + 12 > len || off >= MB_SEARCH)
		return -ENOEXEC;
	mb->flags = get32(p, off + 4);
	*why = "the multiboot header asks for a video mode";
	if (mb->flags & MB_FLAG_VIDEO)
		return -ENOEXEC;
	*why = "the multiboot header asks for a feature this loader lacks";
	if (mb->flags & 0xffff & ~(MB_FLAG_ALIGN | MB_FLAG_MEMINFO))
		return -ENOEXEC;
	if (mb->flags & MB_FLAG_ADDRESS) {
		ret = mb_flat(p, len, off, mb, why);
	} else {
		ret = boot_elf(p, len, mb->seg, &mb->nr_segments, &entry, NULL, why);
		*why = "the ELF entry point is above 4 GiB";
		if (!ret && entry >= FOUR_GIB)
			ret = -ENOEXEC;
		mb->entry = entry;
	}
	if (ret)
		return ret;
	ret = boot_segments_check(mb->seg, mb->nr_segments, mb->entry, &mb->end, why);
	if (!ret)
		*why = NULL;
	return ret;
}

/**
 * tvx_multiboot_plan() - check the segments fit and place the module
 * @mb: the parsed image
 * @e820: the guest's map (tvx_boot_e820())
 * @nr: its entries
 * @module_size: 0 without a module
 * @cmdline_len: without the NUL
 * @plan: the addresses, filled on success
 * @why: on failure, why
 *
 * The module goes right after the image, page-aligned.
 *
 * Return: 0; -E2BIG (command line too long); -ENOSPC (does not fit).
 */
int tvx_multiboot_plan(const struct tvx_multiboot *mb,
		       const struct thinvmx_e820_entry *e820, unsigned int nr,
		       __u64 module_size, __u32 cmdline_len,
		       struct tvx_mb_plan *plan, const char **why)
{
	unsigned int i;

	memset(plan, 0, sizeof(*plan));
	*why = "command line too long";
	if (cmdline_len >= BOOT_CMDLINE_MAX)
		return -E2BIG;
	plan->cmdline_gpa = BOOT_CMDLINE_GPA;
	plan->cmdline_len = cmdline_len;
	for (i = 0; i < mb->nr_segments; i++) {
		*why = "a segment is not in guest RAM";
		if (mb->seg[i].memsz &&
		    !boot_in_ram(e820, nr, mb->seg[i].paddr, mb->seg[i].memsz))
			return -ENOSPC;
	}
	if (!module_size)
		goto done;
	plan->module_gpa = (mb->end + 0xfff) & ~0xfffULL;
	plan->module_size = module_size;
	*why = "no room for the module after the image";
	if (!boot_in_ram(e820, nr, plan->module_gpa, module_size) ||
	    plan->module_gpa + module_size > FOUR_GIB)
		return -ENOSPC;
done:
	*why = NULL;
	return 0;
}

/**
 * tvx_multiboot_info() - the multiboot information structure
 * @info: MB_INFO_SIZE bytes, to be written at MB_INFO_GPA
 * @plan: where the command line and module are
 * @e820: the guest's map
 * @nr: its entries (at most what fits before MB_MODNAME_GPA)
 *
 * Memory sizes (below 1 MiB and from 1 MiB to the first hole), the
 * command line, the module, the memory map and the loader's name.
 */
void tvx_multiboot_info(__u8 *info, const struct tvx_mb_plan *plan,
			const struct thinvmx_e820_entry *e820, unsigned int nr)
{
	static const char name[] = "thinvmx";
	unsigned int i, max = (MB_MODNAME_GPA - MB_MMAP_GPA) / 24;
	__u32 flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MMAP |
		      MB_INFO_LOADER;
	__u64 upper = 0;
	__u8 *m;

	memset(info, 0, MB_INFO_SIZE);
	for (i = 0; i < nr; i++)
		if (e820[i].type == THINVMX_E820_RAM && e820[i].addr <= BOOT_HIMEM_GPA &&
		    e820[i].addr + e820[i].size > BOOT_HIMEM_GPA)
			upper = e820[i].addr + e820[i].size - BOOT_HIMEM_GPA;
	put32(info, 4, BOOT_EBDA_GPA >> 10);			/* mem_lower, KiB */
	put32(info, 8, upper >> 10);				/* mem_upper */
	put32(info, 12, 0xffffffff);				/* no boot device */
	put32(info, 16, plan->cmdline_gpa);
	if (plan->module_size) {
		flags |= MB_INFO_MODS;
		put32(info, 20, 1);
		put32(info, 24, MB_MODS_GPA);
		m = info + (MB_MODS_GPA - MB_INFO_GPA);
		put32(m, 0, plan->module_gpa);
		put32(m, 4, plan->module_gpa + plan->module_size);
		put32(m, 8, MB_MODNAME_GPA);
		memcpy(info + (MB_MODNAME_GPA - MB_INFO_GPA), "initrd", 7);
	}
	if (nr > max)
		nr = max;
	m = info + (MB_MMAP_GPA - MB_INFO_GPA);
	for (i = 0; i < nr; i++, m += 24) {
		put32(m, 0, 20);				/* size, without itself */
		put64(m, 4, e820[i].addr);
		put64(m, 12, e820[i].size);
		put32(m, 20, e820[i].type == THINVMX_E820_RAM ? 1 : 2);
	}
	put32(info, 44, nr * 24);				/* mmap_length */
	put32(info, 48, MB_MMAP_GPA);
	memcpy(info + (MB_LOADER_GPA - MB_INFO_GPA), name, sizeof(name));
	put32(info, 64, MB_LOADER_GPA);				/* boot_loader_name */
	put32(info, 0, flags);
}

/* ---------------------------------------------------------------- ACPI */

#define ACPI_HDR_LEN	36
#define ACPI_OEM_ID	"THINVX"
#define ACPI_OEM_TABLE	"THINVMX "

static void acpi_checksum(__u8 *t, unsigned int len, unsigned int at)
{
	__u8 sum = 0;
	unsigned int i;

	t[at] = 0;
	for (i = 0; i < len; i++)
		sum += t[i];
	t[at] = -sum;
}

static void acpi_header(__u8 *t, const char *sig, __u32 len, __u8 rev)
{
	memcpy(t, sig, 4);
	put32(t, 4, len);
	t[8] = rev;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE, 8);
	put32(t, 24, 1);				/* OEM revision */
	memcpy(t + 28, "TVX ", 4);			/* creator */
	put32(t, 32, 1);
}

/* Generic address structure: a byte-wide I/O port */
static void acpi_gas_io(__u8 *g, __u16 port)
{
	g[0] = 1;		/* system I/O */
	g[1] = 8;		/* bit width */
	g[2] = 0;
	g[3] = 1;		/* byte access */
	put64(g, 4, port);
}

/*
 * The DSDT: \_S5 = Package { 5, 0, 0, 0 }, the sleep type a
 * hardware-reduced power-off writes to the sleep control register; and
 * COM1 as the PNP0501 device it is, with its ports and IRQ 4. A
 * hardware-reduced platform has no legacy PIC, so Linux has no ISA IRQs
 * of its own: the 8250 port's interrupt comes from this _CRS (8250_pnp),
 * which maps GSI 4 on the IOAPIC. In ASL:
 *
 *	Scope (\_SB) {
 *		Device (COM1) {
 *			Name (_HID, EisaId ("PNP0501"))
 *			Name (_UID, One)
 *			Name (_CRS, ResourceTemplate () {
 *				IO (Decode16, 0x3F8, 0x3F8, 0x01, 0x08)
 *				IRQNoFlags () { 4 }
 *			})
 *		}
 *	}
 *	Scope (\_SB) {
 *		Device (PEVT) {
 *			Name (_HID, "QEMU0001")
 *			Name (_CRS, ResourceTemplate () {
 *				IO (Decode16, 0x505, 0x505, 0x01, 0x01)
 *			})
 *		}
 *	}
 *
 * PEVT is QEMU's pvpanic device (Linux's pvpanic-mmio driver, which
 * takes I/O ports too): the guest kernel writes "panicked" to port 0x505
 * when it panics, so a VMM tells a panic from a reboot.
 */
static const __u8 acpi_dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',		/* NameOp "_S5_" */
	0x12, 0x07, 0x04,			/* PackageOp, length 7, 4 elements */
	0x0a, 0x05, 0x00, 0x00, 0x00,		/* Byte 5, Zero, Zero, Zero */
	0x10, 0x32, '_', 'S', 'B', '_',		/* ScopeOp, length 50, \_SB */
	0x5b, 0x82, 0x2b, 'C', 'O', 'M', '1',	/* DeviceOp, length 43, COM1 */
	0x08, '_', 'H', 'I', 'D',		/* Name (_HID, */
	0x0c, 0x41, 0xd0, 0x05, 0x01,		/*   EisaId ("PNP0501")) */
	0x08, '_', 'U', 'I', 'D', 0x01,		/* Name (_UID, One) */
	0x08, '_', 'C', 'R', 'S',		/* Name (_CRS, */
	0x11, 0x10, 0x0a, 0x0d,			/*   Buffer (13) { */
	0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,	/* IO 0x3f8, 8 */
	0x22, 0x10, 0x00,			/*     IRQNoFlags {4} */
	0x79, 0x00,				/*     End tag } ) */
	0x10, 0x2e, '_', 'S', 'B', '_',		/* ScopeOp, length 46, \_SB */
	0x5b, 0x82, 0x27, 'P', 'E', 'V', 'T',	/* DeviceOp, length 39, PEVT */
	0x08, '_', 'H', 'I', 'D', 0x0d,		/* Name (_HID, String */
	'Q', 'E', 'M', 'U', '0', '0', '0', '1', 0x00,	/*   "QEMU0001") */
	0x08, '_', 'C', 'R', 'S',		/* Name (_CRS, */
	0x11, 0x0d, 0x0a, 0x0a,			/*   Buffer (10) { */
	0x47, 0x01, 0x05, 0x05, 0x05, 0x05, 0x01, 0x01,	/* IO 0x505, 1 */
	0x79, 0x00,				/*     End tag } ) */
};

/* Ports the VMM serves: a write of (5 << 2) | SLP_EN is power-off */
#define ACPI_SLEEP_CTL_PORT	0x600
#define ACPI_SLEEP_STS_PORT	0x601
#define ACPI_RESET_PORT		0xcf9
#define ACPI_RESET_VALUE	0x06

#define FADT_LEN		276
#define FADT_FLAGS_HW_REDUCED	(1U << 20)
#define FADT_FLAGS_RESET_REG	(1U << 10)
#define FADT_BOOT_NO_VGA	(1U << 2)
#define FADT_BOOT_NO_CMOS_RTC	(1U << 5)

/**
 * tvx_acpi_build() - the ACPI tables of a guest without firmware
 * @buf: where to build them (zeroed here)
 * @size: its size (BOOT_ACPI_SIZE is plenty)
 * @gpa: where @buf will be in the guest, 16-byte aligned
 * @cfg: CPUs and interrupt controllers
 * @used: bytes used, on success
 *
 * RSDP (first, so a scan of the BIOS area finds it at @gpa), XSDT, a
 * hardware-reduced FADT (no PM timer, no SCI, no legacy PIC: the guest's
 * power-off writes the sleep control register, its reset the reset
 * register, both I/O ports the VMM serves), a DSDT with \_S5 and a MADT
 * with one local APIC per CPU and the IOAPIC.
 *
 * Return: 0; -EINVAL (bad @cfg or alignment); -ENOSPC (@size too small).
 */
int tvx_acpi_build(__u8 *buf, size_t size, __u64 gpa,
		   const struct tvx_acpi_cfg *cfg, size_t *used)
{
	unsigned int rsdp = 0, xsdt = 48, fadt = xsdt + ACPI_HDR_LEN + 16;
	unsigned int dsdt = fadt + FADT_LEN, madt, end, i, at;
	unsigned int madt_len;

	if (!cfg->nr_cpus || cfg->nr_cpus > ACPI_MADT_MAX_CPUS || (gpa & 15) ||
	    gpa + size > FOUR_GIB)
		return -EINVAL;
	dsdt = (dsdt + 15) & ~15U;
	madt = (dsdt + ACPI_HDR_LEN + sizeof(acpi_dsdt_aml) + 15) & ~15U;
	madt_len = ACPI_HDR_LEN + 8 + cfg->nr_cpus * 8 + 6 +
		   (cfg->ioapic_gpa ? 12 : 0);
	end = madt + madt_len;
	if (end > size)
		return -ENOSPC;
	memset(buf, 0, size);

	/* RSDP, ACPI 2.0: the XSDT's address */
	memcpy(buf + rsdp, "RSD PTR ", 8);
	memcpy(buf + rsdp + 9, ACPI_OEM_ID, 6);
	buf[rsdp + 15] = 2;
	put32(buf, rsdp + 20, 36);
	put64(buf, rsdp + 24, gpa + xsdt);
	acpi_checksum(buf + rsdp, 20, 8);
	acpi_checksum(buf + rsdp, 36, 32);

	acpi_header(buf + xsdt, "XSDT", ACPI_HDR_LEN + 16, 1);
	put64(buf, xsdt + ACPI_HDR_LEN, gpa + fadt);
	put64(buf, xsdt + ACPI_HDR_LEN + 8, gpa + madt);
	acpi_checksum(buf + xsdt, ACPI_HDR_LEN + 16, 9);

	acpi_header(buf + fadt, "FACP", FADT_LEN, 6);
	put32(buf, fadt + 40, gpa + dsdt);			/* DSDT */
	put16(buf, fadt + 109, FADT_BOOT_NO_VGA | FADT_BOOT_NO_CMOS_RTC);
	put32(buf, fadt + 112, FADT_FLAGS_HW_REDUCED | FADT_FLAGS_RESET_REG);
	acpi_gas_io(buf + fadt + 116, ACPI_RESET_PORT);
	buf[fadt + 128] = ACPI_RESET_VALUE;
	buf[fadt + 131] = 3;					/* FADT 6.3 */
	put64(buf, fadt + 140, gpa + dsdt);			/* X_DSDT */
	acpi_gas_io(buf + fadt + 244, ACPI_SLEEP_CTL_PORT);	/* SLEEP_CONTROL_REG */
	acpi_gas_io(buf + fadt + 256, ACPI_SLEEP_STS_PORT);	/* SLEEP_STATUS_REG */
	memcpy(buf + fadt + 268, "thinvmx\0", 8);		/* hypervisor id */
	acpi_checksum(buf + fadt, FADT_LEN, 9);

	acpi_header(buf + dsdt, "DSDT", ACPI_HDR_LEN + sizeof(acpi_dsdt_aml), 2);
	memcpy(buf + dsdt + ACPI_HDR_LEN, acpi_dsdt_aml, sizeof(acpi_dsdt_aml));
	acpi_checksum(buf + dsdt, ACPI_HDR_LEN + sizeof(acpi_dsdt_aml), 9);

	acpi_header(buf + madt, "APIC", madt_len, 5);
	put32(buf, madt + ACPI_HDR_LEN, cfg->lapic_gpa);
	put32(buf, madt + ACPI_HDR_LEN + 4, 0);		/* no 8259 PICs */
	at = madt + ACPI_HDR_LEN + 8;
	for (i = 0; i < cfg->nr_cpus; i++, at += 8) {
		buf[at] = 0;					/* local APIC */
		buf[at + 1] = 8;
		buf[at + 2] = i;				/* processor uid */
		buf[at + 3] = i;				/* APIC id */
		put32(buf, at + 4, 1);				/* enabled */
	}
	buf[at] = 4;						/* local APIC NMI */
	buf[at + 1] = 6;
	buf[at + 2] = 0xff;					/* every CPU */
	put16(buf, at + 3, 0);
	buf[at + 5] = 1;					/* LINT1 */
	at += 6;
	if (cfg->ioapic_gpa) {
		buf[at] = 1;					/* IOAPIC */
		buf[at + 1] = 12;
		buf[at + 2] = cfg->nr_cpus;			/* its id */
		put32(buf, at + 4, cfg->ioapic_gpa);
		put32(buf, at + 8, 0);				/* GSI base */
	}
	acpi_checksum(buf + madt, madt_len, 9);
	*used = end;
	return 0;
}

/* -------------------------------------------------------------------- PVH */

/**
 * tvx_pvh_parse() - read an ELF kernel with a PVH entry note
 * @img: the file's bytes
 * @len: its length
 * @pvh: what to load and where to start, filled on success
 * @why: on failure, why
 *
 * Return: 0; -ENOEXEC (not an ELF executable, no XEN_ELFNOTE_PHYS32_ENTRY,
 * or segments the loader cannot place: see tvx_multiboot_parse()).
 */
int tvx_pvh_parse(const void *img, size_t len, struct tvx_pvh *pvh,
		  const char **why)
{
	__u64 entry;
	int ret;

	memset(pvh, 0, sizeof(*pvh));
	ret = boot_elf(img, len, pvh->seg, &pvh->nr_segments, &entry, &pvh->entry, why);
	if (ret)
		return ret;
	*why = "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) in the ELF";
	if (!pvh->entry)
		return -ENOEXEC;
	ret = boot_segments_check(pvh->seg, pvh->nr_segments, pvh->entry, &pvh->end, why);
	if (!ret)
		*why = NULL;
	return ret;
}

/**
 * tvx_pvh_start_info() - struct hvm_start_info, version 1, and what it
 * points to
 * @info: PVH_INFO_SIZE bytes, to be written at PVH_START_GPA
 * @plan: where the command line and module are (tvx_multiboot_plan())
 * @e820: the guest's map
 * @nr: its entries (at most what fits before PVH_MODNAME_GPA)
 * @rsdp_gpa: the ACPI RSDP
 */
void tvx_pvh_start_info(__u8 *info, const struct tvx_mb_plan *plan,
			const struct thinvmx_e820_entry *e820, unsigned int nr,
			__u64 rsdp_gpa)
{
	unsigned int i, max = (PVH_MODNAME_GPA - PVH_MEMMAP_GPA) / 24;
	__u8 *m;

	memset(info, 0, PVH_INFO_SIZE);
	put32(info, 0, PVH_START_MAGIC);
	put32(info, 4, 1);					/* version */
	put64(info, 24, plan->cmdline_gpa);
	put64(info, 32, rsdp_gpa);
	if (plan->module_size) {
		put32(info, 12, 1);				/* nr_modules */
		put64(info, 16, PVH_MODLIST_GPA);
		m = info + (PVH_MODLIST_GPA - PVH_START_GPA);
		put64(m, 0, plan->module_gpa);
		put64(m, 8, plan->module_size);
		put64(m, 16, PVH_MODNAME_GPA);
		memcpy(info + (PVH_MODNAME_GPA - PVH_START_GPA), "initrd", 7);
	}
	if (nr > max)
		nr = max;
	m = info + (PVH_MEMMAP_GPA - PVH_START_GPA);
	for (i = 0; i < nr; i++, m += 24) {
		put64(m, 0, e820[i].addr);
		put64(m, 8, e820[i].size);
		put32(m, 16, e820[i].type);			/* e820 types */
	}
	put64(info, 40, PVH_MEMMAP_GPA);
	put32(info, 48, nr);
}
