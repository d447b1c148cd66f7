// SPDX-License-Identifier: GPL-2.0
/*
 * Guest physical memory map: pure logic, compiled into the module and into
 * the host unit tests (selftests/unit/test_memmap.c).
 *
 * memmap_build() takes the caller's e820 entries through five steps:
 * validate, sort by address, page-align RAM (EPT maps whole 4 KiB frames, so
 * a partial page cannot be RAM), cap the RAM total, and carve the real-mode
 * helpers. Adjacent RAM entries are not merged: the caller's boundaries
 * stay. Reserved entries are kept exactly as given; they are never backed.
 */
#include "memmap.h"

static_assert(MEMMAP_VM86_TSS_SIZE == 0x109, "VM86 TSS size");
static_assert(MEMMAP_VM86_TSS_SIZE <= MEMMAP_VM86_TSS_ALIGN,
	      "the VM86 TSS must fit one aligned block, not cross a page");
static_assert(MEMMAP_PSE_ENTRIES * sizeof(u32) == MEMMAP_PAGE_SIZE,
	      "the PSE identity table is one page");
static_assert(sizeof(struct memmap_extent) == sizeof(struct thinvmx_extent) &&
	      offsetof(struct memmap_extent, gfn) == offsetof(struct thinvmx_extent, gfn) &&
	      offsetof(struct memmap_extent, mfn) == offsetof(struct thinvmx_extent, mfn) &&
	      offsetof(struct memmap_extent, nr) == offsetof(struct thinvmx_extent, nr),
	      "struct memmap_extent is struct thinvmx_extent");

static u64 memmap_end(const struct thinvmx_e820_entry *e)
{
	return e->addr + e->size;
}

static bool memmap_entry_valid(const struct thinvmx_e820_entry *e)
{
	if (e->pad)
		return false;
	if (e->type != THINVMX_E820_RAM && e->type != THINVMX_E820_RESERVED)
		return false;
	/* addr + size <= MEMMAP_GPA_LIMIT, written so that it cannot wrap */
	return e->size && e->size <= MEMMAP_GPA_LIMIT &&
	       e->addr <= MEMMAP_GPA_LIMIT - e->size;
}

/* Insertion sort: at most THINVMX_E820_MAX entries, usually a handful. */
static void memmap_sort(struct thinvmx_e820_entry *e, u32 nr)
{
	u32 i, j;

	for (i = 1; i < nr; i++) {
		struct thinvmx_e820_entry cur = e[i];

		for (j = i; j > 0 && e[j - 1].addr > cur.addr; j--)
			e[j] = e[j - 1];
		e[j] = cur;
	}
}

/*
 * Round each RAM entry inward to whole pages and give RAM, in address
 * order, until the cap (rounded down to a page) runs out; drop the RAM
 * entries left empty. Returns the RAM total.
 */
static u64 memmap_align_and_cap(struct memmap *map, u64 cap)
{
	u64 left = cap & MEMMAP_PAGE_MASK;
	u64 ram = 0;
	u32 i, n = 0;

	for (i = 0; i < map->nr; i++) {
		struct thinvmx_e820_entry e = map->e820[i];

		if (e.type == THINVMX_E820_RAM) {
			/* both below 2^48 + 4 KiB: validated, cannot wrap */
			u64 start = (e.addr + MEMMAP_PAGE_SIZE - 1) & MEMMAP_PAGE_MASK;
			u64 end = memmap_end(&e) & MEMMAP_PAGE_MASK;

			if (end <= start || !left)
				continue;
			e.addr = start;
			e.size = end - start < left ? end - start : left;
			left -= e.size;
			ram += e.size;
		}
		map->e820[n++] = e;
	}
	map->nr = n;
	return ram;
}

/*
 * Without unrestricted guest, real mode runs as vm86 under paging through
 * an identity page table, and the vm86 task needs a TSS. Both are reached
 * with 32-bit addresses (CR3 of 32-bit paging; TR base as a linear address
 * that the identity map equals to a guest physical one), so they must lie
 * below 4 GiB. They take the last two pages of the highest RAM region that
 * ends at or below 4 GiB, as a conventional firmware would, and become one
 * reserved entry; they count against the guest's RAM.
 *
 * A region must keep at least one page of RAM: a caller's RAM entry never
 * turns into a reserved one, so the output holds at most one entry more
 * than the input (MEMMAP_MAX_ENTRIES), and the helpers are never at gpa 0,
 * which leaves 0 free to mean "no helpers". A region too small is skipped
 * for the next one down; none at all is -ENOMEM.
 */
static int memmap_carve_helpers(struct memmap *map)
{
	u32 i = map->nr;

	while (i--) {
		struct thinvmx_e820_entry *e = &map->e820[i];
		u64 end = memmap_end(e);

		if (e->type != THINVMX_E820_RAM || end > MEMMAP_HELPERS_LIMIT ||
		    e->size < MEMMAP_HELPERS_SIZE + MEMMAP_PAGE_SIZE)
			continue;

		e->size -= MEMMAP_HELPERS_SIZE;
		memmove(&map->e820[i + 2], &map->e820[i + 1],
			(map->nr - i - 1) * sizeof(*e));
		map->e820[i + 1] = (struct thinvmx_e820_entry) {
			.addr = end - MEMMAP_HELPERS_SIZE,
			.size = MEMMAP_HELPERS_SIZE,
			.type = THINVMX_E820_RESERVED,
		};
		map->nr++;
		map->ram_bytes -= MEMMAP_HELPERS_SIZE;
		map->ident_pt_gpa = end - MEMMAP_HELPERS_SIZE;
		/* page aligned, so 512-byte aligned and within its page */
		map->tss_gpa = map->ident_pt_gpa + MEMMAP_PAGE_SIZE;
		return 0;
	}
	return -ENOMEM;
}

/**
 * memmap_build() - build a domain's guest physical map
 * @in:		the caller's e820 entries, any order; not modified
 * @nr:		entries in @in
 * @mem_bytes:	cap on the RAM total, rounded down to a page
 * @need_realmode_helpers: carve the identity page table and the VM86 TSS
 *		(the CPU lacks unrestricted guest)
 * @map:	the result; zeroed on error
 *
 * Entries must have pad 0, type RAM or RESERVED, a non-zero size, end at or
 * below 2^52 and not overlap one another. RAM entries are rounded inward to
 * whole pages and dropped when that leaves nothing; the RAM total is capped
 * at @mem_bytes in address order; the helpers, when asked for, take the
 * last two pages of the highest RAM region below 4 GiB that keeps a page.
 *
 * Return:
 * * 0		- @map holds the sorted map, its RAM total and helper addresses
 * * -EINVAL	- @nr is 0 or above THINVMX_E820_MAX, an entry is malformed,
 *		  two entries overlap, @mem_bytes is below one page, or no
 *		  whole page of RAM is left
 * * -ENOMEM	- the helpers were asked for and no RAM region ending at or
 *		  below 4 GiB has three pages
 */
int memmap_build(const struct thinvmx_e820_entry *in, u32 nr, u64 mem_bytes,
		 bool need_realmode_helpers, struct memmap *map)
{
	int ret = -EINVAL;
	u32 i;

	memset(map, 0, sizeof(*map));
	if (nr < 1 || nr > THINVMX_E820_MAX || mem_bytes < MEMMAP_PAGE_SIZE)
		return -EINVAL;
	for (i = 0; i < nr; i++)
		if (!memmap_entry_valid(&in[i]))
			return -EINVAL;

	memcpy(map->e820, in, nr * sizeof(*in));
	map->nr = nr;
	memmap_sort(map->e820, nr);
	for (i = 1; i < nr; i++)
		if (map->e820[i].addr < memmap_end(&map->e820[i - 1]))
			goto fail;

	map->ram_bytes = memmap_align_and_cap(map, mem_bytes);
	if (!map->ram_bytes)
		goto fail;
	if (need_realmode_helpers) {
		ret = memmap_carve_helpers(map);
		if (ret)
			goto fail;
	}
	return 0;

fail:
	memset(map, 0, sizeof(*map));
	return ret;
}

/**
 * memmap_is_ram() - whether a guest frame is RAM in a built map
 * @map:	a map memmap_build() returned 0 for
 * @gfn:	guest frame number
 *
 * Return:
 * * true	- @gfn lies in a RAM entry of @map (RAM entries are whole pages,
 *		  so the whole frame is RAM)
 * * false	- @gfn is in a reserved entry, in no entry, or beyond 2^52
 */
bool memmap_is_ram(const struct memmap *map, u64 gfn)
{
	const struct thinvmx_e820_entry *e;
	u32 lo = 0, hi = map->nr;
	u64 gpa;

	if (gfn >= MEMMAP_GPA_LIMIT >> MEMMAP_PAGE_SHIFT)
		return false;
	gpa = gfn << MEMMAP_PAGE_SHIFT;

	/* the first entry that starts above gpa; the one before may hold it */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (map->e820[mid].addr <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	e = &map->e820[lo - 1];
	return e->type == THINVMX_E820_RAM && gpa < memmap_end(e);
}

/**
 * memmap_write_pse_identity() - fill the 32-bit PSE identity page table
 * @pd:		one page: MEMMAP_PSE_ENTRIES page directory entries
 *
 * Entry i maps the 4 MiB page at i << 22 onto itself, present, writable,
 * user, accessed and dirty (so the CPU never has to write A/D bits into it),
 * which covers the whole 32-bit space while the guest thinks paging is off.
 */
void memmap_write_pse_identity(u32 *pd)
{
	u32 i;

	for (i = 0; i < MEMMAP_PSE_ENTRIES; i++)
		pd[i] = (i << MEMMAP_PSE_SHIFT) | MEMMAP_PDE_PRESENT |
			MEMMAP_PDE_RW | MEMMAP_PDE_USER | MEMMAP_PDE_ACCESSED |
			MEMMAP_PDE_DIRTY | MEMMAP_PDE_PSE;
}

/**
 * memmap_write_vm86_tss() - initialise the VM86 TSS
 * @tss:	MEMMAP_VM86_TSS_SIZE bytes at the map's tss_gpa
 *
 * Zeroes the TSS and both bitmaps, points the I/O map base just past the
 * interrupt redirection bitmap and ends the I/O bitmap with its 0xff byte.
 * The TSS is written back by the CPU on task switches, so it has to be
 * rewritten whenever the module takes it into use again.
 */
void memmap_write_vm86_tss(u8 *tss)
{
	memset(tss, 0, MEMMAP_VM86_TSS_SIZE);
	tss[MEMMAP_VM86_TSS_IOMAP_FIELD] = MEMMAP_VM86_TSS_IOMAP & 0xff;
	tss[MEMMAP_VM86_TSS_IOMAP_FIELD + 1] = MEMMAP_VM86_TSS_IOMAP >> 8;
	tss[MEMMAP_VM86_TSS_SIZE - 1] = 0xff;
}

/**
 * extent_builder_init() - start a frame list
 * @b:		the builder
 * @out:	array of @capacity extents (may be NULL if @capacity is 0)
 * @capacity:	how many extents may be written, the caller's max_extents
 */
void extent_builder_init(struct extent_builder *b, struct memmap_extent *out,
			 u64 capacity)
{
	memset(b, 0, sizeof(*b));
	b->out = out;
	b->capacity = capacity;
}

/**
 * extent_add() - append frames to a frame list
 * @b:		the builder
 * @gfn:	first guest frame
 * @mfn:	host frame backing @gfn
 * @nr_pages:	frames; 0 adds nothing
 *
 * Extends the previous extent when both @gfn and @mfn continue it, else
 * starts a new one. Extents past the capacity are counted, never written.
 */
void extent_add(struct extent_builder *b, u64 gfn, u64 mfn, u64 nr_pages)
{
	struct memmap_extent *last = &b->last;

	if (!nr_pages)
		return;
	if (b->count && gfn == last->gfn + last->nr &&
	    mfn == last->mfn + last->nr) {
		last->nr += nr_pages;
	} else {
		last->gfn = gfn;
		last->mfn = mfn;
		last->nr = nr_pages;
		b->count++;
	}
	if (b->count <= b->capacity)
		b->out[b->count - 1] = *last;
}

/**
 * extent_count() - extents a frame list needs
 * @b:		the builder
 *
 * Return: the number of extents added so far, including those beyond the
 * capacity that were not written (the query's nr_extents).
 */
u64 extent_count(const struct extent_builder *b)
{
	return b->count;
}
