/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A domain's guest physical memory map: from the caller's e820 entries to
 * the final, page-aligned, capped map with the real-mode helpers carved out,
 * plus the frame-list extent builder. Pure logic (memmap.c), shared with the
 * host unit tests.
 */
#ifndef _THINVMX_MEMMAP_H
#define _THINVMX_MEMMAP_H

#include "pure.h"
#include "../uapi/thinvmx.h"

#define MEMMAP_PAGE_SHIFT	12
#define MEMMAP_PAGE_SIZE	BIT_ULL(MEMMAP_PAGE_SHIFT)
#define MEMMAP_PAGE_MASK	(~(MEMMAP_PAGE_SIZE - 1))

/*
 * Every entry ends at or below 2^48: a 4-level EPT maps 48 bits of
 * guest-physical address, and one above would alias a frame below.
 */
#define MEMMAP_GPA_LIMIT	BIT_ULL(48)

/* The real-mode helpers must sit below 4 GiB (see memmap.c). */
#define MEMMAP_HELPERS_LIMIT	BIT_ULL(32)
#define MEMMAP_HELPERS_SIZE	(2 * MEMMAP_PAGE_SIZE)

/*
 * The VM86 TSS, 0x68 + 0x20 + 0x80 + 1 = 0x109 bytes: the 32-bit TSS
 * (0x68 bytes, with the 16-bit I/O map base at offset 0x66), then the
 * interrupt redirection bitmap (256 bits, 0x20 bytes), which the CPU finds
 * just below the I/O map base, then an I/O permission bitmap for ports
 * 0-0x3ff (0x80 bytes), then the byte of all ones the CPU may read past the
 * end of the I/O bitmap. The TR limit is MEMMAP_VM86_TSS_SIZE - 1.
 * Both bitmaps are zero: software interrupts go through the real-mode IVT
 * (SDM Vol. 3, "Software Interrupt Handling in Virtual-8086 Mode", method
 * 5) and IN/OUT to ports 0-0x3ff reach the I/O exit. A port above 0x3ff is
 * beyond the limit: the access raises #GP, which real-mode support has to
 * intercept and emulate (slow, still correct).
 */
#define MEMMAP_VM86_TSS_IOMAP_FIELD	0x66
#define MEMMAP_VM86_TSS_INTMAP		0x68
#define MEMMAP_VM86_TSS_IOMAP		(MEMMAP_VM86_TSS_INTMAP + 0x20)
#define MEMMAP_VM86_TSS_SIZE		(MEMMAP_VM86_TSS_IOMAP + 0x80 + 1)
#define MEMMAP_VM86_TSS_ALIGN		512

/*
 * One more entry than the caller may pass: carving the helpers splits one
 * RAM entry into RAM + RESERVED (a region is only used if it keeps RAM).
 */
#define MEMMAP_MAX_ENTRIES	(THINVMX_E820_MAX + 1)

/**
 * struct memmap - a domain's final guest physical map
 * @e820:	 sorted by address, non-overlapping, no empty entry; RAM
 *		 entries page-aligned, reserved entries as the caller gave them
 * @nr:		 entries used in @e820
 * @ram_bytes:	 total RAM in @e820 (after the cap and the helpers)
 * @ident_pt_gpa: the 32-bit PSE identity page table (a page), or 0 if the
 *		 helpers were not asked for (they are never at 0)
 * @tss_gpa:	 the VM86 TSS (MEMMAP_VM86_TSS_SIZE bytes), or 0 likewise
 *
 * About 3 KiB: allocate it, do not put it on the kernel stack.
 */
struct memmap {
	struct thinvmx_e820_entry e820[MEMMAP_MAX_ENTRIES];
	u32 nr;
	u64 ram_bytes;
	u64 ident_pt_gpa;
	u64 tss_gpa;
};

/* 32-bit page directory entry bits (SDM Vol. 3 4.3, table 4-4) */
#define MEMMAP_PDE_PRESENT	BIT(0)
#define MEMMAP_PDE_RW		BIT(1)
#define MEMMAP_PDE_USER		BIT(2)
#define MEMMAP_PDE_ACCESSED	BIT(5)
#define MEMMAP_PDE_DIRTY	BIT(6)
#define MEMMAP_PDE_PSE		BIT(7)	/* maps a 4 MiB page */
#define MEMMAP_PSE_SHIFT	22
#define MEMMAP_PSE_ENTRIES	1024

/**
 * struct memmap_extent - one extent of a frame list
 * @gfn:	first guest frame
 * @mfn:	the host frame backing @gfn; the next ones back the next ones
 * @nr:		frames in the extent
 *
 * The layout of the uapi struct thinvmx_extent (checked in memmap.c), so
 * an array of them goes to userspace as it is.
 */
struct memmap_extent {
	u64 gfn;
	u64 mfn;
	u64 nr;
};

/**
 * struct extent_builder - fills at most @capacity extents, counts them all
 * @out:	the caller's array of @capacity extents
 * @capacity:	entries of @out that may be written
 * @count:	extents needed so far (may exceed @capacity)
 * @last:	the extent being extended, kept even when not stored
 */
struct extent_builder {
	struct memmap_extent *out;
	u64 capacity;
	u64 count;
	struct memmap_extent last;
};

int memmap_build(const struct thinvmx_e820_entry *in, u32 nr, u64 mem_bytes,
		 bool need_realmode_helpers, struct memmap *map);
bool memmap_is_ram(const struct memmap *map, u64 gfn);
void memmap_write_pse_identity(u32 *pd);
void memmap_write_vm86_tss(u8 *tss);

void extent_builder_init(struct extent_builder *b, struct memmap_extent *out,
			 u64 capacity);
void extent_add(struct extent_builder *b, u64 gfn, u64 mfn, u64 nr_pages);
u64 extent_count(const struct extent_builder *b);

#endif /* _THINVMX_MEMMAP_H */
