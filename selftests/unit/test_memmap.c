// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the guest memory map, the real-mode helpers and the
 * frame-list extent builder (kmod/memmap.c), compiled from the module's own
 * source file.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/memmap.c"

#define PG	4096ULL
#define KIB	1024ULL
#define MIB	(1024 * KIB)
#define GIB	(1024 * MIB)

#define RAM(a, s)	{ .addr = (a), .size = (s), .type = THINVMX_E820_RAM }
#define RES(a, s)	{ .addr = (a), .size = (s), .type = THINVMX_E820_RESERVED }

/* A poison value for memory that must not be written. */
#define CANARY		0xa5a5a5a5a5a5a5a5ULL

static struct memmap m;

/* entry i of the result is exactly (addr, size, type) */
#define assert_entry(i, a, s, t) do {					\
	assert_true((i) < m.nr);					\
	assert_int_equal((a), m.e820[i].addr);				\
	assert_int_equal((s), m.e820[i].size);				\
	assert_int_equal((t), m.e820[i].type);				\
	assert_int_equal(0, m.e820[i].pad);				\
} while (0)

/* Every successful result: sorted, disjoint, no empty entry, RAM in pages. */
static void assert_well_formed(void)
{
	u64 ram = 0;
	u32 i;

	assert_true(m.nr >= 1 && m.nr <= MEMMAP_MAX_ENTRIES);
	for (i = 0; i < m.nr; i++) {
		const struct thinvmx_e820_entry *e = &m.e820[i];

		assert_true(e->size > 0);
		assert_int_equal(0, e->pad);
		if (i)
			assert_true(e->addr >= m.e820[i - 1].addr + m.e820[i - 1].size);
		if (e->type == THINVMX_E820_RAM) {
			assert_int_equal(0, e->addr % PG);
			assert_int_equal(0, e->size % PG);
			ram += e->size;
		} else {
			assert_int_equal(THINVMX_E820_RESERVED, e->type);
		}
	}
	assert_int_equal(ram, m.ram_bytes);
}

static int build(const struct thinvmx_e820_entry *in, u32 nr, u64 mem_bytes,
		 bool helpers)
{
	int ret;

	memset(&m, 0x5a, sizeof(m));
	ret = memmap_build(in, nr, mem_bytes, helpers, &m);
	if (ret == 0) {
		assert_well_formed();
		if (!helpers) {
			assert_int_equal(0, m.ident_pt_gpa);
			assert_int_equal(0, m.tss_gpa);
		}
	} else {
		/* a failed build leaves nothing that looks usable */
		assert_int_equal(0, m.nr);
		assert_int_equal(0, m.ram_bytes);
	}
	return ret;
}

#define BUILD(in, mem, helpers) build((in), ARRAY_SIZE(in), (mem), (helpers))

/* ---------------------------------------------------------------- layout */

static void test_ram_rounded_inward(void **state)
{
	const struct thinvmx_e820_entry in[] = {
		RAM(0x1800, 0x5000),		/* [0x1800, 0x6800) */
		RAM(0x10000, 0x2fff),		/* [0x10000, 0x12fff) */
		RAM(0x20001, 0x1ffff),		/* [0x20001, 0x40000) */
	};

	(void)state;
	assert_int_equal(0, BUILD(in, 1 * GIB, false));
	assert_int_equal(3, m.nr);
	assert_entry(0, 0x2000, 0x4000, THINVMX_E820_RAM);
	assert_entry(1, 0x10000, 0x2000, THINVMX_E820_RAM);
	assert_entry(2, 0x21000, 0x1f000, THINVMX_E820_RAM);
	assert_int_equal(0x4000 + 0x2000 + 0x1f000, m.ram_bytes);
}

static void test_entries_without_a_whole_page_dropped(void **state)
{
	const struct thinvmx_e820_entry in[] = {
		RAM(0x1000, 0xfff),		/* smaller than a page */
		RAM(0x3100, 0x1000),		/* a page long, no page inside */
		RAM(0x8000, 0x1000),
		RAM(0x20000, 1),
	};

	(void)state;
	assert_int_equal(0, BUILD(in, 1 * GIB, false));
	assert_int_equal(1, m.nr);
	assert_entry(0, 0x8000, 0x1000, THINVMX_E820_RAM);
	assert_int_equal(0x1000, m.ram_bytes);
}

static void test_unaligned_entry_spanning_one_page(void **state)
{
	const struct thinvmx_e820_entry in[] = {
		RAM(0x1fff, 0x1002),		/* [0x1fff, 0x3001) holds one page */
	};

	(void)state;
	assert_int_equal(0, BUILD(in, 1 * GIB, false));
	assert_int_equal(1, m.nr);
	assert_entry(0, 0x2000, 0x1000, THINVMX_E820_RAM);
	assert_true(memmap_is_ram(&m, 2));
	assert_false(memmap_is_ram(&m, 1));
	assert_false(memmap_is_ram(&m, 3));
}

static void test_reserved_kept_as_given(void **state)
{
	const struct thinvmx_e820_entry in[] = {
		RAM(0, 0x9fc00),
		RES(0x9fc00, 0x400),		/* EBDA-like, not page aligned */
		RES(0xe0001, 0x3),		/* smaller than a page, kept */
	};

	(void)state;
	assert_int_equal(0, BUILD(in, 1 * GIB, false));
	assert_int_equal(3, m.nr);
	assert_entry(0, 0, 0x9f000, THINVMX_E820_RAM);
	assert_entry(1, 0x9fc00, 0x400, THINVMX_E820_RESERVED);
	assert_entry(2, 0xe0001, 0x3, THINVMX_E820_RESERVED);
	/* the page shared with the reserved entry is not RAM */
	assert_true(memmap_is_ram(&m, 0x9e));
	assert_false(memmap_is_ram(&m, 0x9f));
}

static void test_unsorted_input_sorted_caller_array_untouched(void **state)
{
	const struct thinvmx_e820_entry in[] = {
		RAM(4 * GIB, 1 * GIB),
		RES(0xf0000, 0x10000),
		RAM(1 * MIB, 15 * MIB),
		RAM(0, 0xa0000),
		RES(3 * GIB, 1 * GIB),
	};
	struct thinvmx_e820_entry copy[ARRAY_SIZE(in)];

	(void)state;
	memcpy(copy, in, sizeof(in));
	assert_int_equal(0, BUILD(copy, 16 * GIB, false));
	assert_memory_equal(in, copy, sizeof(in));
	assert_int_equal(5, m.nr);
	assert_entry(0, 0, 0xa0000, THINVMX_E820_RAM);
	assert_entry(1, 0xf0000, 0x10000, THINVMX_E820_RESERVED);
	assert_entry(2, 1 * MIB, 15 * MIB, THINVMX_E820_RAM);
	assert_entry(3, 3 * GIB, 1 * GIB, THINVMX_E820_RESERVED);
	assert_entry(4, 4 * GIB, 1 * GIB, THINVMX_E820_RAM);
	assert_int_equal(0xa0000 + 15 * MIB + 1 * GIB, m.ram_bytes);
}

static void test_adjacent_ram_not_merged(void **state)
{
	const struct thinvmx_e820_entry in[] = {
		RAM(2 * MIB, 1 * MIB),
		RAM(1 * MIB, 1 * MIB),
	};

	(void)state;
	assert_int_equal(0, BUILD(in, 1 * GIB, false));
	assert_int_equal(2, m.nr);
	assert_entry(0, 1 * MIB, 1 * MIB, THINVMX_E820_RAM);
	assert_entry(1, 2 * MIB, 1 * MIB, THINVMX_E820_RAM);
}

/* ---------------------------------------------------------------- validation */

static void test_overlap_refused(void **state)
{
	/* only visible once sorted: the last entry runs into the first */
	const struct thinvmx_e820_entry ram_ram[] = {
		RAM(0x10000, 0x2000), RAM(0x40000, 0x1000), RAM(0, 0x10001),
	};
	const struct thinvmx_e820_entry ram_res[] = {
		RES(0x9f000, 0x2000), RAM(0, 0xa0000),
	};
	/* unaligned RAM that would no longer overlap once rounded: still refused */
	const struct thinvmx_e820_entry partial[] = {
		RAM(0, 0x1800), RAM(0x1400, 0x2c00),
	};
	const struct thinvmx_e820_entry same_start[] = {
		RES(0x1000, 0x1000), RAM(0x1000, 0x3000),
	};
	const struct thinvmx_e820_entry touching[] = {
		RAM(0x10000, 0x1000), RES(0x1800, 0xe800), RAM(0, 0x1800),
	};

	(void)state;
	assert_int_equal(-EINVAL, BUILD(ram_ram, 1 * GIB, false));
	assert_int_equal(-EINVAL, BUILD(ram_res, 1 * GIB, false));
	assert_int_equal(-EINVAL, BUILD(partial, 1 * GIB, false));
	assert_int_equal(-EINVAL, BUILD(same_start, 1 * GIB, false));
	assert_int_equal(0, BUILD(touching, 1 * GIB, false));
	assert_int_equal(3, m.nr);
	assert_entry(0, 0, 0x1000, THINVMX_E820_RAM);
	assert_entry(1, 0x1800, 0xe800, THINVMX_E820_RESERVED);
	assert_entry(2, 0x10000, 0x1000, THINVMX_E820_RAM);
}

static void test_malformed_entry_refused(void **state)
{
	const struct thinvmx_e820_entry good = RAM(1 * MIB, 1 * MIB);
	struct thinvmx_e820_entry in[2];

	(void)state;
#define TRY(expect, field, value) do {					\
	in[0] = good;							\
	in[1] = (struct thinvmx_e820_entry)RAM(0, 0x1000);		\
	in[0].field = (value);						\
	assert_int_equal((expect), build(in, 2, 1 * GIB, false));	\
} while (0)
	TRY(0, pad, 0);
	TRY(-EINVAL, pad, 1);
	TRY(-EINVAL, pad, 0x80000000);
	TRY(-EINVAL, type, 0);
	TRY(-EINVAL, type, 3);
	TRY(-EINVAL, type, 0xffffffff);
	TRY(0, type, THINVMX_E820_RESERVED);
	TRY(-EINVAL, size, 0);
	/* addr + size wraps around 2^64 */
	TRY(-EINVAL, size, ~0ULL - 1 * MIB + 2);
	TRY(-EINVAL, size, ~0ULL);
	/* ends above the limit (2^48) without wrapping */
	TRY(-EINVAL, size, MEMMAP_GPA_LIMIT - 1 * MIB + 1);
	TRY(0, size, MEMMAP_GPA_LIMIT - 1 * MIB);	/* ends exactly at the limit */
	TRY(-EINVAL, addr, MEMMAP_GPA_LIMIT);
	TRY(-EINVAL, addr, ~0ULL - 0x1000);
#undef TRY
}

static void test_entry_count_limits(void **state)
{
	static struct thinvmx_e820_entry in[THINVMX_E820_MAX + 1];
	u32 i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(in); i++)
		in[i] = (struct thinvmx_e820_entry)RAM(i * 4 * PG, 3 * PG);
	assert_int_equal(-EINVAL, build(in, 0, 1 * GIB, false));
	assert_int_equal(-EINVAL, build(in, THINVMX_E820_MAX + 1, 1 * GIB, false));
	assert_int_equal(0, build(in, THINVMX_E820_MAX, 1 * GIB, false));
	assert_int_equal(THINVMX_E820_MAX, m.nr);

	/* the full input plus the helpers' entry fits the output */
	assert_int_equal(0, build(in, THINVMX_E820_MAX, 1 * GIB, true));
	assert_int_equal(THINVMX_E820_MAX + 1, m.nr);
	assert_int_equal(MEMMAP_MAX_ENTRIES, m.nr);
	i = THINVMX_E820_MAX - 1;
	assert_entry(i, i * 4 * PG, PG, THINVMX_E820_RAM);
	assert_entry(i + 1, i * 4 * PG + PG, 2 * PG, THINVMX_E820_RESERVED);
	assert_int_equal(THINVMX_E820_MAX * 3 * PG - 2 * PG, m.ram_bytes);
}

static void test_mem_bytes_below_a_page_refused(void **state)
{
	const struct thinvmx_e820_entry in[] = { RAM(0, 1 * MIB) };

	(void)state;
	assert_int_equal(-EINVAL, BUILD(in, 0, false));
	assert_int_equal(-EINVAL, BUILD(in, PG - 1, false));
	assert_int_equal(0, BUILD(in, PG, false));
	assert_int_equal(1, m.nr);
	assert_entry(0, 0, PG, THINVMX_E820_RAM);
}

static void test_no_ram_page_refused(void **state)
{
	const struct thinvmx_e820_entry res_only[] = { RES(0, 1 * MIB) };
	const struct thinvmx_e820_entry tiny_ram[] = {
		RES(0, 0x800), RAM(0x800, 0x800),
	};

	(void)state;
	assert_int_equal(-EINVAL, BUILD(res_only, 1 * GIB, false));
	assert_int_equal(-EINVAL, BUILD(tiny_ram, 1 * GIB, false));
}

/* ---------------------------------------------------------------- cap */

static const struct thinvmx_e820_entry pc_map[] = {
	RAM(0, 0xa0000),
	RES(0xf0000, 0x10000),
	RAM(1 * MIB, 3 * GIB - 1 * MIB),
	RES(0xfec00000, 0x1000),
	RAM(4 * GIB, 4 * GIB),
};

static void test_cap_in_the_middle_of_an_entry(void **state)
{
	(void)state;
	/* the odd 0x123 bytes round down to a page */
	assert_int_equal(0, BUILD(pc_map, 0xa0000 + 16 * MIB + 0x123, false));
	assert_int_equal(4, m.nr);
	assert_entry(0, 0, 0xa0000, THINVMX_E820_RAM);
	assert_entry(1, 0xf0000, 0x10000, THINVMX_E820_RESERVED);
	assert_entry(2, 1 * MIB, 16 * MIB, THINVMX_E820_RAM);
	/* reserved entries survive the cap, RAM above it goes */
	assert_entry(3, 0xfec00000, 0x1000, THINVMX_E820_RESERVED);
	assert_int_equal(0xa0000 + 16 * MIB, m.ram_bytes);
	assert_false(memmap_is_ram(&m, (17 * MIB) >> 12));
	assert_true(memmap_is_ram(&m, (17 * MIB >> 12) - 1));
}

static void test_cap_between_entries(void **state)
{
	(void)state;
	assert_int_equal(0, BUILD(pc_map, 0xa0000, false));
	assert_int_equal(3, m.nr);
	assert_entry(0, 0, 0xa0000, THINVMX_E820_RAM);
	assert_entry(1, 0xf0000, 0x10000, THINVMX_E820_RESERVED);
	assert_entry(2, 0xfec00000, 0x1000, THINVMX_E820_RESERVED);
	assert_int_equal(0xa0000, m.ram_bytes);

	/* the whole of the first two RAM entries, none of the third */
	assert_int_equal(0, BUILD(pc_map, 3 * GIB - 1 * MIB + 0xa0000, false));
	assert_int_equal(4, m.nr);
	assert_entry(2, 1 * MIB, 3 * GIB - 1 * MIB, THINVMX_E820_RAM);
	assert_entry(3, 0xfec00000, 0x1000, THINVMX_E820_RESERVED);
}

static void test_cap_counts_rounded_sizes(void **state)
{
	/* 0x3000 of RAM after rounding, though the entries add up to more */
	const struct thinvmx_e820_entry in[] = {
		RAM(0x800, 0x2000), RAM(0x10800, 0x2000), RAM(0x20000, 0x1000),
	};

	(void)state;
	assert_int_equal(0, BUILD(in, 0x3000, false));
	assert_int_equal(3, m.nr);
	assert_entry(2, 0x20000, 0x1000, THINVMX_E820_RAM);
	assert_int_equal(0x3000, m.ram_bytes);
}

static void test_cap_larger_than_total(void **state)
{
	(void)state;
	assert_int_equal(0, BUILD(pc_map, 1ULL << 50, false));
	assert_int_equal(5, m.nr);
	assert_entry(2, 1 * MIB, 3 * GIB - 1 * MIB, THINVMX_E820_RAM);
	assert_entry(4, 4 * GIB, 4 * GIB, THINVMX_E820_RAM);
	assert_int_equal(0xa0000 + 3 * GIB - 1 * MIB + 4 * GIB, m.ram_bytes);
}

/* ---------------------------------------------------------------- helpers */

static void assert_helpers_at(u64 gpa)
{
	u32 i;

	assert_int_equal(gpa, m.ident_pt_gpa);
	assert_int_equal(gpa + PG, m.tss_gpa);
	for (i = 0; i < m.nr; i++)
		if (m.e820[i].addr == gpa)
			break;
	assert_true(i < m.nr);
	assert_entry(i, gpa, 2 * PG, THINVMX_E820_RESERVED);
	assert_false(memmap_is_ram(&m, gpa >> 12));
	assert_false(memmap_is_ram(&m, (gpa >> 12) + 1));
}

static void test_helpers_from_highest_region_below_4g(void **state)
{
	(void)state;
	assert_int_equal(0, BUILD(pc_map, 1ULL << 50, true));
	assert_int_equal(6, m.nr);
	assert_entry(2, 1 * MIB, 3 * GIB - 1 * MIB - 2 * PG, THINVMX_E820_RAM);
	assert_helpers_at(3 * GIB - 2 * PG);
	assert_entry(3, 3 * GIB - 2 * PG, 2 * PG, THINVMX_E820_RESERVED);
	assert_entry(4, 0xfec00000, 0x1000, THINVMX_E820_RESERVED);
	assert_entry(5, 4 * GIB, 4 * GIB, THINVMX_E820_RAM);
	/* carved out of RAM */
	assert_int_equal(0xa0000 + 3 * GIB - 1 * MIB + 4 * GIB - 2 * PG,
			 m.ram_bytes);
	assert_true(memmap_is_ram(&m, ((3 * GIB) >> 12) - 3));
}

static void test_helpers_region_ending_at_4g(void **state)
{
	const struct thinvmx_e820_entry in[] = {
		RAM(0, 1 * MIB), RAM(2 * GIB, 2 * GIB), RAM(4 * GIB, 1 * GIB),
	};

	(void)state;
	assert_int_equal(0, BUILD(in, 1ULL << 40, true));
	assert_helpers_at(4 * GIB - 2 * PG);
	assert_entry(1, 2 * GIB, 2 * GIB - 2 * PG, THINVMX_E820_RAM);
}

static void test_helpers_not_from_region_across_4g(void **state)
{
	const struct thinvmx_e820_entry in[] = {
		RAM(0, 1 * MIB), RAM(3 * GIB, 2 * GIB),
	};

	(void)state;
	assert_int_equal(0, BUILD(in, 1ULL << 40, true));
	assert_helpers_at(1 * MIB - 2 * PG);
	assert_entry(0, 0, 1 * MIB - 2 * PG, THINVMX_E820_RAM);
	assert_entry(2, 3 * GIB, 2 * GIB, THINVMX_E820_RAM);
}

static void test_helpers_after_the_cap(void **state)
{
	(void)state;
	/* the cap ends RAM at 17 MiB: the helpers come from there */
	assert_int_equal(0, BUILD(pc_map, 0xa0000 + 16 * MIB, true));
	assert_entry(2, 1 * MIB, 16 * MIB - 2 * PG, THINVMX_E820_RAM);
	assert_helpers_at(17 * MIB - 2 * PG);
	assert_int_equal(0xa0000 + 16 * MIB - 2 * PG, m.ram_bytes);
}

static void test_helpers_skip_a_region_too_small(void **state)
{
	/* the highest region below 4 GiB has two pages: the next one down */
	const struct thinvmx_e820_entry in[] = {
		RAM(0, 0xa0000), RAM(1 * MIB, 1 * MIB), RAM(3 * GIB, 2 * PG),
		RAM(4 * GIB, 1 * GIB),
	};

	(void)state;
	assert_int_equal(0, BUILD(in, 1ULL << 40, true));
	assert_helpers_at(2 * MIB - 2 * PG);
	assert_entry(3, 3 * GIB, 2 * PG, THINVMX_E820_RAM);
}

static void test_helpers_enomem(void **state)
{
	const struct thinvmx_e820_entry two_pages[] = {
		RAM(0x10000, 2 * PG), RAM(4 * GIB, 1 * GIB),
	};
	const struct thinvmx_e820_entry unaligned[] = {
		/* three pages long, only two whole pages inside */
		RAM(0x10800, 3 * PG), RAM(4 * GIB, 1 * GIB),
	};
	const struct thinvmx_e820_entry capped[] = {
		RAM(0, 1 * MIB), RAM(4 * GIB, 1 * GIB),
	};
	const struct thinvmx_e820_entry three_pages[] = {
		RAM(0x10000, 3 * PG), RAM(4 * GIB, 1 * GIB),
	};
	const struct thinvmx_e820_entry above_4g_only[] = {
		RES(0, 1 * MIB), RAM(4 * GIB, 1 * GIB),
	};

	(void)state;
	assert_int_equal(-ENOMEM, BUILD(two_pages, 1ULL << 40, true));
	assert_int_equal(0, BUILD(two_pages, 1ULL << 40, false));
	assert_int_equal(-ENOMEM, BUILD(unaligned, 1ULL << 40, true));
	assert_int_equal(-ENOMEM, BUILD(capped, 2 * PG, true));
	assert_int_equal(-ENOMEM, BUILD(above_4g_only, 1ULL << 40, true));
	/* three pages: one stays RAM */
	assert_int_equal(0, BUILD(capped, 3 * PG, true));
	assert_entry(0, 0, PG, THINVMX_E820_RAM);
	assert_helpers_at(PG);
	assert_int_equal(PG, m.ram_bytes);
	assert_int_equal(0, BUILD(three_pages, 1ULL << 40, true));
	assert_entry(0, 0x10000, PG, THINVMX_E820_RAM);
	assert_helpers_at(0x11000);
}

static void test_tss_aligned_within_one_page(void **state)
{
	const struct thinvmx_e820_entry in[] = {
		RAM(0x800, 0x9f800), RAM(1 * MIB, 7 * MIB + 0x321),
	};

	(void)state;
	assert_int_equal(0x109, MEMMAP_VM86_TSS_SIZE);
	assert_int_equal(0, BUILD(in, 1 * GIB, true));
	assert_int_equal(0, m.ident_pt_gpa % PG);
	assert_int_equal(0, m.tss_gpa % MEMMAP_VM86_TSS_ALIGN);
	assert_int_equal(m.tss_gpa / PG,
			 (m.tss_gpa + MEMMAP_VM86_TSS_SIZE - 1) / PG);
	/* its own page, not the page table's */
	assert_true(m.tss_gpa >= m.ident_pt_gpa + PG);
	assert_true(m.tss_gpa + MEMMAP_VM86_TSS_SIZE <= 8 * MIB);
	assert_true(m.tss_gpa + MEMMAP_VM86_TSS_SIZE <= MEMMAP_HELPERS_LIMIT);
	assert_helpers_at(8 * MIB - 2 * PG);
}

static void test_vm86_tss_contents(void **state)
{
	u8 buf[MEMMAP_VM86_TSS_SIZE + 16];
	u32 i;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	memmap_write_vm86_tss(buf);
	/* the I/O map base, little endian, just past the redirection bitmap */
	assert_int_equal(0x88, buf[0x66]);
	assert_int_equal(0x00, buf[0x67]);
	for (i = 0; i < MEMMAP_VM86_TSS_SIZE - 1; i++)
		if (i != 0x66)
			assert_int_equal(0, buf[i]);
	assert_int_equal(0xff, buf[0x108]);
	for (i = MEMMAP_VM86_TSS_SIZE; i < sizeof(buf); i++)
		assert_int_equal(0xa5, buf[i]);
}

static void test_pse_identity_table(void **state)
{
	u32 pd[MEMMAP_PSE_ENTRIES + 4];
	u32 i;

	(void)state;
	memset(pd, 0xa5, sizeof(pd));
	memmap_write_pse_identity(pd);
	/* P, RW, US, A, D and PS: bits 0, 1, 2, 5, 6 and 7 */
	assert_int_equal(0x000000e7, pd[0]);
	assert_int_equal(0x004000e7, pd[1]);
	assert_int_equal(0xffc000e7, pd[1023]);
	for (i = 0; i < MEMMAP_PSE_ENTRIES; i++) {
		/* bits 31:22 hold the 4 MiB frame, the rest only the flags */
		assert_int_equal((u64)i * 4 * MIB, pd[i] & 0xffc00000);
		assert_int_equal(0xe7, pd[i] & 0x003fffff);
	}
	for (; i < ARRAY_SIZE(pd); i++)
		assert_int_equal(0xa5a5a5a5, pd[i]);
}

/* ---------------------------------------------------------------- extents */

#define assert_extent(x, g, mf, n) do {					\
	assert_int_equal((g), (x).gfn);					\
	assert_int_equal((mf), (x).mfn);					\
	assert_int_equal((n), (x).nr);					\
} while (0)

static void test_extent_merging(void **state)
{
	struct memmap_extent out[8];
	struct extent_builder b;

	(void)state;
	extent_builder_init(&b, out, ARRAY_SIZE(out));
	assert_int_equal(0, extent_count(&b));
	extent_add(&b, 0x10, 0x100, 2);
	extent_add(&b, 0x12, 0x102, 3);		/* both continue: merged */
	assert_int_equal(1, extent_count(&b));
	assert_extent(out[0], 0x10, 0x100, 5);
	extent_add(&b, 0x15, 0x200, 1);		/* gfn continues, mfn not */
	extent_add(&b, 0x16, 0x201, 1);		/* continues the new one */
	extent_add(&b, 0x20, 0x202, 4);		/* mfn continues, gfn not */
	extent_add(&b, 0x24, 0x206, 0);		/* nothing */
	extent_add(&b, 0x24, 0x300, 0);		/* nothing, breaks no run */
	extent_add(&b, 0x24, 0x206, 1);		/* still merges */
	extent_add(&b, 0x10, 0x100, 1);		/* going back: new */
	assert_int_equal(4, extent_count(&b));
	assert_extent(out[0], 0x10, 0x100, 5);
	assert_extent(out[1], 0x15, 0x200, 2);
	assert_extent(out[2], 0x20, 0x202, 5);
	assert_extent(out[3], 0x10, 0x100, 1);
}

/* seven extents; the second and the last need two adds each */
static void add_seven(struct extent_builder *b)
{
	u64 i;

	for (i = 0; i < 7; i++) {
		extent_add(b, i * 0x100, 0x1000 + i * 0x200, 0x10);
		if (i == 1 || i == 6)
			extent_add(b, i * 0x100 + 0x10, 0x1000 + i * 0x200 + 0x10, 1);
	}
}

static void assert_seven(const struct memmap_extent *out, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		assert_extent(out[i], i * 0x100, 0x1000 + i * 0x200,
			      i == 1 || i == 6 ? 0x11 : 0x10);
}

static void assert_untouched(const struct memmap_extent *x, u64 n)
{
	const u64 *w = (const u64 *)x;
	u64 i;

	for (i = 0; i < n * 3; i++)
		assert_int_equal(CANARY, w[i]);
}

static void test_extent_capacity(void **state)
{
	struct memmap_extent out[10];
	struct extent_builder b;
	u64 cap;

	(void)state;
	for (cap = 0; cap <= 8; cap++) {
		u64 written = cap < 7 ? cap : 7;

		memset(out, 0xa5, sizeof(out));
		extent_builder_init(&b, out, cap);
		add_seven(&b);
		assert_int_equal(7, extent_count(&b));
		assert_seven(out, written);
		/* nothing past what was written, let alone past capacity */
		assert_untouched(&out[written], ARRAY_SIZE(out) - written);
	}
}

static void test_extent_capacity_zero_counts_only(void **state)
{
	struct extent_builder b;

	(void)state;
	extent_builder_init(&b, NULL, 0);
	add_seven(&b);
	assert_int_equal(7, extent_count(&b));
}

static void test_extent_merge_into_last_stored(void **state)
{
	/* the last slot is updated when the run it holds grows */
	struct memmap_extent out[3];
	struct extent_builder b;

	(void)state;
	memset(out, 0xa5, sizeof(out));
	extent_builder_init(&b, out, 2);
	extent_add(&b, 0, 0x50, 1);
	extent_add(&b, 8, 0x60, 1);
	extent_add(&b, 9, 0x61, 7);
	assert_int_equal(2, extent_count(&b));
	assert_extent(out[1], 8, 0x60, 8);
	extent_add(&b, 0x10, 0x70, 1);
	extent_add(&b, 0x11, 0x71, 1);
	assert_int_equal(3, extent_count(&b));
	assert_extent(out[1], 8, 0x60, 8);
	assert_untouched(&out[2], 1);
}

/* ---------------------------------------------------------------- is_ram */

static void test_is_ram_at_boundaries(void **state)
{
	const struct thinvmx_e820_entry in[] = {
		RAM(0x1000, 0x9f000),		/* gfn 0x1..0x9f */
		RES(0xf0000, 0x10000),		/* gfn 0xf0..0xff */
		RAM(1 * MIB, 1 * MIB),		/* gfn 0x100..0x1ff */
		RAM(2 * MIB, 1 * MIB),		/* gfn 0x200..0x2ff, adjacent */
		RAM(MEMMAP_GPA_LIMIT - 2 * PG, 2 * PG),
	};
	const u64 top = MEMMAP_GPA_LIMIT >> 12;

	(void)state;
	assert_int_equal(0, BUILD(in, 1ULL << 50, false));
	assert_int_equal(5, m.nr);
	assert_false(memmap_is_ram(&m, 0));
	assert_true(memmap_is_ram(&m, 0x1));
	assert_true(memmap_is_ram(&m, 0x9f));
	assert_false(memmap_is_ram(&m, 0xa0));
	assert_false(memmap_is_ram(&m, 0xef));
	assert_false(memmap_is_ram(&m, 0xf0));
	assert_false(memmap_is_ram(&m, 0xff));
	assert_true(memmap_is_ram(&m, 0x100));
	assert_true(memmap_is_ram(&m, 0x1ff));
	assert_true(memmap_is_ram(&m, 0x200));
	assert_true(memmap_is_ram(&m, 0x2ff));
	assert_false(memmap_is_ram(&m, 0x300));
	assert_false(memmap_is_ram(&m, top - 3));
	assert_true(memmap_is_ram(&m, top - 2));
	assert_true(memmap_is_ram(&m, top - 1));
	assert_false(memmap_is_ram(&m, top));
	assert_false(memmap_is_ram(&m, ~0ULL));
	/* a gfn whose gpa would wrap to 0x1000 */
	assert_false(memmap_is_ram(&m, (1ULL << 52) + 1));
}

static void test_is_ram_every_frame(void **state)
{
	/* against a linear scan, for every frame of a fragmented map */
	static struct thinvmx_e820_entry in[40];
	u64 gfn;
	u32 i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		in[i].addr = i * 7 * PG + (i % 3) * 0x800;
		in[i].size = (i % 5 + 1) * PG;
		in[i].type = i % 4 ? THINVMX_E820_RAM : THINVMX_E820_RESERVED;
		in[i].pad = 0;
	}
	assert_int_equal(0, build(in, ARRAY_SIZE(in), 1ULL << 40, false));
	for (gfn = 0; gfn < ARRAY_SIZE(in) * 7 + 8; gfn++) {
		bool ram = false;

		for (i = 0; i < m.nr; i++)
			if (m.e820[i].type == THINVMX_E820_RAM &&
			    gfn * PG >= m.e820[i].addr &&
			    gfn * PG < m.e820[i].addr + m.e820[i].size)
				ram = true;
		assert_int_equal(ram, memmap_is_ram(&m, gfn));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ram_rounded_inward),
		cmocka_unit_test(test_entries_without_a_whole_page_dropped),
		cmocka_unit_test(test_unaligned_entry_spanning_one_page),
		cmocka_unit_test(test_reserved_kept_as_given),
		cmocka_unit_test(test_unsorted_input_sorted_caller_array_untouched),
		cmocka_unit_test(test_adjacent_ram_not_merged),
		cmocka_unit_test(test_overlap_refused),
		cmocka_unit_test(test_malformed_entry_refused),
		cmocka_unit_test(test_entry_count_limits),
		cmocka_unit_test(test_mem_bytes_below_a_page_refused),
		cmocka_unit_test(test_no_ram_page_refused),
		cmocka_unit_test(test_cap_in_the_middle_of_an_entry),
		cmocka_unit_test(test_cap_between_entries),
		cmocka_unit_test(test_cap_counts_rounded_sizes),
		cmocka_unit_test(test_cap_larger_than_total),
		cmocka_unit_test(test_helpers_from_highest_region_below_4g),
		cmocka_unit_test(test_helpers_region_ending_at_4g),
		cmocka_unit_test(test_helpers_not_from_region_across_4g),
		cmocka_unit_test(test_helpers_after_the_cap),
		cmocka_unit_test(test_helpers_skip_a_region_too_small),
		cmocka_unit_test(test_helpers_enomem),
		cmocka_unit_test(test_tss_aligned_within_one_page),
		cmocka_unit_test(test_vm86_tss_contents),
		cmocka_unit_test(test_pse_identity_table),
		cmocka_unit_test(test_extent_merging),
		cmocka_unit_test(test_extent_capacity),
		cmocka_unit_test(test_extent_capacity_zero_counts_only),
		cmocka_unit_test(test_extent_merge_into_last_stored),
		cmocka_unit_test(test_is_ram_at_boundaries),
		cmocka_unit_test(test_is_ram_every_frame),
	};

	return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
