/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Booting Linux in a domain: the x86 boot protocol's pure parts (parse a
 * bzImage's setup header, place the pieces in guest memory, fill the zero
 * page, build the boot page tables and GDT) and the ACPI tables a guest
 * finds its CPUs and interrupt controllers in. lib/boot.c holds them,
 * compiled into libthinvmx and into the unit tests
 * (selftests/unit/test_boot.c); lib/linux.c writes them into a domain.
 * Documentation/x86/boot.rst (Linux 6.1) is the protocol.
 */
#ifndef _THINVMX_LIB_BOOT_H
#define _THINVMX_LIB_BOOT_H

#include <stddef.h>
#include <linux/types.h>

#include "../uapi/thinvmx.h"

/* Offsets in a bzImage file and in the zero page (struct boot_params) */
#define BOOT_SETUP_SECTS	0x1f1
#define BOOT_SYSSIZE		0x1f4
#define BOOT_VID_MODE		0x1fa
#define BOOT_FLAG		0x1fe		/* 0xaa55 */
#define BOOT_JUMP		0x200
#define BOOT_HEADER		0x202		/* "HdrS" */
#define BOOT_VERSION		0x206
#define BOOT_TYPE_OF_LOADER	0x210
#define BOOT_LOADFLAGS		0x211
#define BOOT_CODE32_START	0x214
#define BOOT_RAMDISK_IMAGE	0x218
#define BOOT_RAMDISK_SIZE	0x21c
#define BOOT_HEAP_END_PTR	0x224
#define BOOT_CMD_LINE_PTR	0x228
#define BOOT_INITRD_ADDR_MAX	0x22c
#define BOOT_KERNEL_ALIGNMENT	0x230
#define BOOT_RELOCATABLE	0x234
#define BOOT_XLOADFLAGS		0x236
#define BOOT_CMDLINE_SIZE	0x238
#define BOOT_PREF_ADDRESS	0x258
#define BOOT_INIT_SIZE		0x260

#define BP_ACPI_RSDP_ADDR	0x070
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128

#define BOOT_HDRS_MAGIC		0x53726448	/* "HdrS" */
#define BOOT_LOADED_HIGH	0x01
#define BOOT_CAN_USE_HEAP	0x80
#define BOOT_XLF_KERNEL_64	0x0001

/* What the boot needs of a bzImage, from its setup header */
struct tvx_bzimage {
	__u16 version;			/* boot protocol, 0x020c or later */
	__u32 setup_size;		/* bytes of real-mode setup, sector 0 on */
	__u32 kernel_size;		/* the protected-mode kernel after it */
	__u64 pref_address;		/* where it prefers to be loaded */
	__u32 init_size;		/* bytes it needs from there to start */
	__u32 alignment;		/* of the load address if relocatable */
	bool relocatable;
	__u32 cmdline_size;		/* longest command line, without NUL */
	__u32 initrd_addr_max;		/* highest byte an initrd may use */
	__u32 hdr_end;			/* the setup header is [0x1f1, hdr_end) */
};

/*
 * The guest physical addresses of a Linux boot. Low memory holds what the
 * loader builds, below the legacy hole that the e820 map reserves:
 *   0x0500 GDT, 0x6000 multiboot information, 0x7000 zero page,
 *   0x9000-0xdfff page tables (PML4, PDPT,
 *   four page directories: 4 GiB identity in 2 MiB pages),
 *   0x20000 command line;
 * the ACPI tables sit in the reserved BIOS area at 0xe0000.
 */
#define BOOT_GDT_GPA		0x500ULL
#define BOOT_ZERO_PAGE_GPA	0x7000ULL
#define BOOT_STACK_GPA		0x8ff0ULL
#define BOOT_PML4_GPA		0x9000ULL
#define BOOT_PT_PAGES		6
#define BOOT_CMDLINE_GPA	0x20000ULL
#define BOOT_CMDLINE_MAX	0x10000U
#define BOOT_EBDA_GPA		0x9fc00ULL	/* legacy hole: reserved */
#define BOOT_HIMEM_GPA		0x100000ULL
#define BOOT_ACPI_GPA		0xe0000ULL
#define BOOT_ACPI_SIZE		0x10000U
#define BOOT_RESET_VECTOR_GPA	0xffff0ULL	/* F000:FFF0 */
#define BOOT_RESET_VECTOR_SIZE	16U

#define BOOT_SEL_CS		0x10		/* __BOOT_CS */
#define BOOT_SEL_DS		0x18		/* __BOOT_DS */
#define BOOT_SEL_CS32		0x20		/* 32-bit flat code */
#define BOOT_GDT_SIZE		40

struct tvx_boot_plan {
	__u64 kernel_gpa;		/* the protected-mode kernel */
	__u64 entry_gpa;		/* its 64-bit entry: kernel_gpa + 0x200 */
	__u64 initrd_gpa;		/* 0 without one */
	__u64 initrd_size;
	__u64 cmdline_gpa;
	__u32 cmdline_len;		/* without the NUL */
};

int tvx_bzimage_parse(const void *img, size_t len, struct tvx_bzimage *bz,
		      const char **why);
int tvx_boot_plan(const struct tvx_bzimage *bz,
		  const struct thinvmx_e820_entry *e820, unsigned int nr,
		  __u64 initrd_size, __u32 cmdline_len,
		  struct tvx_boot_plan *plan, const char **why);
unsigned int tvx_boot_e820(const struct thinvmx_e820_entry *dom, unsigned int nr,
			   struct thinvmx_e820_entry *out, unsigned int max);
unsigned int tvx_boot_e820_hide(struct thinvmx_e820_entry *map, unsigned int nr,
				unsigned int max, __u64 gpa, __u64 size);
void tvx_boot_zero_page(__u8 *zp, const void *img, const struct tvx_bzimage *bz,
			const struct tvx_boot_plan *plan,
			const struct thinvmx_e820_entry *e820, unsigned int nr,
			__u64 rsdp_gpa);
void tvx_boot_page_tables(__u8 *pt, __u64 gpa);
void tvx_boot_gdt(__u8 *gdt);
void tvx_boot_reset_vector(__u8 *stub);

/*
 * Multiboot (version 1, the Multiboot Specification 0.6.96): a header in
 * the first 8 KiB of the image; the image is an ELF (32- or 64-bit, loaded
 * by physical address) or, with the header's address fields (flag 16), a
 * flat file. The kernel starts in 32-bit protected mode, paging off, with
 * EAX = 0x2badb002 and EBX = the multiboot information.
 */
#define MB_HEADER_MAGIC		0x1badb002U
#define MB_BOOT_MAGIC		0x2badb002U
#define MB_SEARCH		8192
#define MB_FLAG_ALIGN		(1U << 0)	/* modules page-aligned */
#define MB_FLAG_MEMINFO		(1U << 1)
#define MB_FLAG_VIDEO		(1U << 2)
#define MB_FLAG_ADDRESS		(1U << 16)
#define MB_MAX_SEGMENTS		16

#define MB_INFO_MEMORY		(1U << 0)
#define MB_INFO_CMDLINE		(1U << 2)
#define MB_INFO_MODS		(1U << 3)
#define MB_INFO_MMAP		(1U << 6)
#define MB_INFO_LOADER		(1U << 9)

/* Where the loader puts the multiboot information (low memory) */
#define MB_INFO_GPA		0x6000ULL
#define MB_MODS_GPA		0x6080ULL
#define MB_LOADER_GPA		0x60c0ULL
#define MB_MMAP_GPA		0x6100ULL	/* up to 0x6f00 */
#define MB_MODNAME_GPA		0x6f00ULL
#define MB_INFO_SIZE		0x1000U		/* [0x6000, 0x7000) */

struct tvx_mb_segment {
	__u64 offset;			/* in the file */
	__u64 filesz, memsz;		/* memsz - filesz bytes are zeroed */
	__u64 paddr;
};

struct tvx_multiboot {
	__u32 flags;			/* the header's */
	__u32 entry;
	unsigned int nr_segments;
	struct tvx_mb_segment seg[MB_MAX_SEGMENTS];
	__u64 end;			/* highest loaded byte + 1, bss included */
};

struct tvx_mb_plan {
	__u64 module_gpa;		/* 0: no module */
	__u64 module_size;
	__u64 cmdline_gpa;
	__u32 cmdline_len;
};

int tvx_multiboot_parse(const void *img, size_t len, struct tvx_multiboot *mb,
			const char **why);
int tvx_multiboot_plan(const struct tvx_multiboot *mb,
		       const struct thinvmx_e820_entry *e820, unsigned int nr,
		       __u64 module_size, __u32 cmdline_len,
		       struct tvx_mb_plan *plan, const char **why);
void tvx_multiboot_info(__u8 *info, const struct tvx_mb_plan *plan,
			const struct thinvmx_e820_entry *e820, unsigned int nr);

/* ACPI: RSDP, XSDT, FADT (hardware-reduced), DSDT, MADT */
#define ACPI_MADT_MAX_CPUS	64

struct tvx_acpi_cfg {
	unsigned int nr_cpus;		/* APIC ids 0 .. nr_cpus-1 */
	__u32 ioapic_gpa;		/* 0: no IOAPIC entry */
	__u32 lapic_gpa;		/* 0xfee00000 */
};

int tvx_acpi_build(__u8 *buf, size_t size, __u64 gpa,
		   const struct tvx_acpi_cfg *cfg, size_t *used);

/*
 * PVH (Xen's docs/misc/pvh.pandoc, also what Linux's CONFIG_PVH and KVM's
 * qboot-less direct boot use): an ELF kernel whose note XEN_ELFNOTE_PHYS32_ENTRY
 * names a 32-bit entry point, started in 32-bit protected mode with paging
 * off and EBX = struct hvm_start_info (version 1: with the memory map).
 */
#define PVH_NOTE_NAME		"Xen"
#define PVH_NOTE_PHYS32_ENTRY	18
#define PVH_START_MAGIC		0x336ec578U
#define PVH_START_GPA		MB_INFO_GPA	/* hvm_start_info */
#define PVH_MODLIST_GPA		0x6040ULL	/* one hvm_modlist_entry */
#define PVH_MEMMAP_GPA		0x6100ULL	/* hvm_memmap_table_entry[] */
#define PVH_MODNAME_GPA		0x6f00ULL
#define PVH_INFO_SIZE		MB_INFO_SIZE	/* [0x6000, 0x7000) */

struct tvx_pvh {
	__u32 entry;
	unsigned int nr_segments;
	struct tvx_mb_segment seg[MB_MAX_SEGMENTS];
	__u64 end;
};

int tvx_pvh_parse(const void *img, size_t len, struct tvx_pvh *pvh,
		  const char **why);
void tvx_pvh_start_info(__u8 *info, const struct tvx_mb_plan *plan,
			const struct thinvmx_e820_entry *e820, unsigned int nr,
			__u64 rsdp_gpa);

#endif /* _THINVMX_LIB_BOOT_H */
