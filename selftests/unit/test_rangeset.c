// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the counted rangeset (kmod/msix/rangeset.c), compiled from
 * the module's own source file. The storage is a heap array of exactly
 * max ranges, so a write past it is an AddressSanitizer error.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../kmod/msix/rangeset.c"

struct want {
	u64 s, e;
	u32 count;
};

static struct rangeset rs;

static void set_up_max(u32 max)
{
	free(rs.r);
	/* at least one byte, so that an empty set still has real storage */
	rangeset_init(&rs, calloc(max ? max : 1, sizeof(*rs.r)), max);
	assert_non_null(rs.r);
}

static int setup(void **state)
{
	(void)state;
	set_up_max(64);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(rs.r);
	rs.r = NULL;
	return 0;
}

/* Sorted, disjoint, counts >= 1, touching ranges differ, pad zero. */
static void assert_well_formed(const struct rangeset *set)
{
	u32 i;

	assert_true(set->nr <= set->max);
	for (i = 0; i < set->nr; i++) {
		const struct rangeset_range *r = &set->r[i];

		assert_true(r->s <= r->e);
		assert_true(r->count >= 1);
		assert_int_equal(0, r->pad);
		if (i) {
			const struct rangeset_range *p = &set->r[i - 1];

			assert_true(p->e < r->s);
			if (p->e + 1 == r->s)
				assert_int_not_equal(p->count, r->count);
		}
	}
}

static void assert_ranges_(const struct want *w, u32 n)
{
	u32 i;

	assert_well_formed(&rs);
	assert_int_equal(n, rs.nr);
	for (i = 0; i < n; i++) {
		assert_int_equal(w[i].s, rs.r[i].s);
		assert_int_equal(w[i].e, rs.r[i].e);
		assert_int_equal(w[i].count, rs.r[i].count);
	}
}

#define assert_ranges(...) do {						\
	const struct want w_[] = { __VA_ARGS__ };			\
	assert_ranges_(w_, ARRAY_SIZE(w_));				\
} while (0)

#define assert_empty()	assert_int_equal(0, rs.nr)

/* A copy of the set, to check that a refused change left it as it was. */
struct snapshot {
	struct rangeset_range r[64];
	u32 nr;
};

static void take(struct snapshot *s)
{
	assert_true(rs.nr <= ARRAY_SIZE(s->r));
	memcpy(s->r, rs.r, rs.nr * sizeof(*rs.r));
	s->nr = rs.nr;
}

static void assert_unchanged(const struct snapshot *s)
{
	assert_int_equal(s->nr, rs.nr);
	assert_memory_equal(s->r, rs.r, rs.nr * sizeof(*rs.r));
}

static void test_empty(void **state)
{
	(void)state;
	assert_empty();
	assert_false(rangeset_contains(&rs, 0));
	assert_false(rangeset_contains(&rs, U64_MAX));
	assert_false(rangeset_overlaps(&rs, 0, U64_MAX));
	assert_int_equal(0, rangeset_users(&rs, 42));
}

static void test_adjacent_ranges_merge(void **state)
{
	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 10, 19));
	assert_int_equal(0, rangeset_add(&rs, 20, 29));
	assert_ranges({ 10, 29, 1 });
	assert_int_equal(0, rangeset_add(&rs, 0, 9));
	assert_ranges({ 0, 29, 1 });
	assert_int_equal(0, rangeset_add(&rs, 30, 30));
	assert_ranges({ 0, 30, 1 });
}

static void test_gap_filled_joins_both_sides(void **state)
{
	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 0, 9));
	assert_int_equal(0, rangeset_add(&rs, 20, 29));
	assert_ranges({ 0, 9, 1 }, { 20, 29, 1 });
	assert_int_equal(0, rangeset_add(&rs, 10, 19));
	assert_ranges({ 0, 29, 1 });
}

static void test_not_adjacent_not_merged(void **state)
{
	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 10, 19));
	assert_int_equal(0, rangeset_add(&rs, 21, 29));
	assert_ranges({ 10, 19, 1 }, { 21, 29, 1 });
	assert_false(rangeset_contains(&rs, 20));
	assert_false(rangeset_overlaps(&rs, 20, 20));
	assert_true(rangeset_overlaps(&rs, 20, 21));
	assert_true(rangeset_overlaps(&rs, 19, 20));
	assert_true(rangeset_covers(&rs, 10, 19));
	assert_false(rangeset_covers(&rs, 10, 21));
	assert_false(rangeset_covers(&rs, 20, 20));
	assert_false(rangeset_covers(&rs, 19, 10));	/* e < s */
}

static void test_overlapping_add_counts_the_overlap(void **state)
{
	u64 f;

	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 10, 19));
	assert_int_equal(0, rangeset_add(&rs, 15, 25));
	assert_ranges({ 10, 14, 1 }, { 15, 19, 2 }, { 20, 25, 1 });
	/* touching ranges of different counts cover what they hold */
	assert_true(rangeset_covers(&rs, 10, 25));
	assert_true(rangeset_covers(&rs, 12, 22));
	assert_false(rangeset_covers(&rs, 9, 25));
	assert_false(rangeset_covers(&rs, 10, 26));
	for (f = 10; f <= 25; f++)
		assert_true(rangeset_contains(&rs, f));
	assert_false(rangeset_contains(&rs, 9));
	assert_false(rangeset_contains(&rs, 26));

	assert_int_equal(0, rangeset_remove(&rs, 15, 25));
	assert_ranges({ 10, 19, 1 });
}

static void test_contained_add_and_covering_add(void **state)
{
	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 0, 99));
	assert_int_equal(0, rangeset_add(&rs, 10, 19));
	assert_ranges({ 0, 9, 1 }, { 10, 19, 2 }, { 20, 99, 1 });
	/* covering every range and gap at once */
	assert_int_equal(0, rangeset_add(&rs, 200, 210));
	assert_int_equal(0, rangeset_add(&rs, 0, 300));
	assert_ranges({ 0, 9, 2 }, { 10, 19, 3 }, { 20, 99, 2 },
		      { 100, 199, 1 }, { 200, 210, 2 }, { 211, 300, 1 });
	assert_int_equal(0, rangeset_remove(&rs, 0, 300));
	assert_int_equal(0, rangeset_remove(&rs, 10, 19));
	assert_ranges({ 0, 99, 1 }, { 200, 210, 1 });
}

static void test_remove_splits(void **state)
{
	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 0, 99));
	assert_int_equal(0, rangeset_remove(&rs, 10, 19));
	assert_ranges({ 0, 9, 1 }, { 20, 99, 1 });
	assert_int_equal(0, rangeset_remove(&rs, 0, 0));
	assert_int_equal(0, rangeset_remove(&rs, 99, 99));
	assert_ranges({ 1, 9, 1 }, { 20, 98, 1 });
	assert_int_equal(0, rangeset_remove(&rs, 1, 9));
	assert_int_equal(0, rangeset_remove(&rs, 20, 98));
	assert_empty();
}

static void test_remove_inside_a_counted_range(void **state)
{
	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 0, 99));
	assert_int_equal(0, rangeset_add(&rs, 0, 99));
	assert_int_equal(0, rangeset_remove(&rs, 40, 49));
	assert_ranges({ 0, 39, 2 }, { 40, 49, 1 }, { 50, 99, 2 });
	assert_int_equal(0, rangeset_add(&rs, 40, 49));
	assert_ranges({ 0, 99, 2 });
}

static void test_add_twice_remove_once(void **state)
{
	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 100, 103));
	assert_int_equal(0, rangeset_add(&rs, 100, 103));
	assert_ranges({ 100, 103, 2 });
	assert_int_equal(2, rangeset_users(&rs, 101));
	assert_int_equal(0, rangeset_remove(&rs, 100, 103));
	assert_true(rangeset_contains(&rs, 100));
	assert_true(rangeset_contains(&rs, 103));
	assert_int_equal(1, rangeset_users(&rs, 101));
	assert_int_equal(0, rangeset_remove(&rs, 100, 103));
	assert_empty();
	assert_int_equal(-ENOENT, rangeset_remove(&rs, 100, 103));
}

/*
 * One device's table in frames 0x1000-0x1001 and its PBA in 0x1001 (the
 * last table frame); a second device's small BAR also in 0x1001. The shared
 * frame stays read-only until its last user leaves, in any order.
 */
static void test_shared_frame(void **state)
{
	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 0x1000, 0x1001));	/* table */
	assert_int_equal(0, rangeset_add(&rs, 0x1001, 0x1001));	/* PBA */
	assert_int_equal(0, rangeset_add(&rs, 0x1001, 0x1001));	/* device 2 */
	assert_ranges({ 0x1000, 0x1000, 1 }, { 0x1001, 0x1001, 3 });

	assert_int_equal(0, rangeset_remove(&rs, 0x1000, 0x1001));
	assert_ranges({ 0x1001, 0x1001, 2 });
	assert_false(rangeset_contains(&rs, 0x1000));
	assert_true(rangeset_contains(&rs, 0x1001));
	assert_int_equal(0, rangeset_remove(&rs, 0x1001, 0x1001));
	assert_true(rangeset_contains(&rs, 0x1001));
	assert_int_equal(0, rangeset_remove(&rs, 0x1001, 0x1001));
	assert_empty();
}

static void test_exactly_max_then_enospc(void **state)
{
	struct snapshot snap;
	u64 i;

	(void)state;
	set_up_max(4);
	for (i = 0; i < 4; i++)
		assert_int_equal(0, rangeset_add(&rs, 10 * i, 10 * i + 4));
	assert_int_equal(4, rs.nr);

	take(&snap);
	/* max + 1 ranges: a new disjoint range, a split by a remove, a
	 * partial overlap, a range inside another
	 */
	assert_int_equal(-ENOSPC, rangeset_add(&rs, 100, 100));
	assert_unchanged(&snap);
	assert_int_equal(-ENOSPC, rangeset_remove(&rs, 12, 12));
	assert_unchanged(&snap);
	assert_int_equal(-ENOSPC, rangeset_add(&rs, 3, 6));
	assert_unchanged(&snap);
	assert_int_equal(-ENOSPC, rangeset_add(&rs, 21, 23));
	assert_unchanged(&snap);

	/* changes that keep or lower the number of ranges still work */
	assert_int_equal(0, rangeset_add(&rs, 5, 9));		/* joins two */
	assert_ranges({ 0, 14, 1 }, { 20, 24, 1 }, { 30, 34, 1 });
	assert_int_equal(0, rangeset_add(&rs, 0, 9));		/* the 4th */
	assert_int_equal(-ENOSPC, rangeset_add(&rs, 40, 40));
	assert_int_equal(0, rangeset_remove(&rs, 30, 34));	/* shrinks */
	assert_int_equal(0, rangeset_add(&rs, 50, 50));		/* the 4th */
	assert_ranges({ 0, 9, 2 }, { 10, 14, 1 }, { 20, 24, 1 },
		      { 50, 50, 1 });
}

/*
 * Merges at one edge and a new range at the other or in the middle: the
 * result fits, though a naive split-then-merge would pass through max + 1.
 */
static void test_full_set_change_needing_no_slack(void **state)
{
	(void)state;
	set_up_max(2);
	assert_int_equal(0, rangeset_add(&rs, 0, 6));
	assert_int_equal(0, rangeset_add(&rs, 7, 9));
	assert_int_equal(0, rangeset_add(&rs, 7, 9));
	assert_ranges({ 0, 6, 1 }, { 7, 9, 2 });
	/* split at 3 on the left, [3, 6] joins [7, 9] on the right */
	assert_int_equal(0, rangeset_add(&rs, 3, 6));
	assert_ranges({ 0, 2, 1 }, { 3, 9, 2 });
	/* removing: [5, 9] joins [10, 12] on the right, split at 5 */
	assert_int_equal(0, rangeset_remove(&rs, 0, 2));
	assert_int_equal(0, rangeset_add(&rs, 10, 12));
	assert_ranges({ 3, 9, 2 }, { 10, 12, 1 });
	assert_int_equal(0, rangeset_remove(&rs, 5, 9));
	assert_ranges({ 3, 4, 2 }, { 5, 12, 1 });

	set_up_max(4);
	/* [0]x5, [2]x1, [4]x1, [5]x2; adding [2, 4] fills a gap in the
	 * middle (+1) while [4] joins [5] (-1): 4 ranges before and after
	 */
	assert_int_equal(0, rangeset_add(&rs, 0, 0));
	assert_int_equal(0, rangeset_add(&rs, 0, 0));
	assert_int_equal(0, rangeset_add(&rs, 0, 0));
	assert_int_equal(0, rangeset_add(&rs, 0, 0));
	assert_int_equal(0, rangeset_add(&rs, 0, 0));
	assert_int_equal(0, rangeset_add(&rs, 2, 2));
	assert_int_equal(0, rangeset_add(&rs, 4, 5));
	assert_int_equal(0, rangeset_add(&rs, 5, 5));
	assert_ranges({ 0, 0, 5 }, { 2, 2, 1 }, { 4, 4, 1 }, { 5, 5, 2 });
	assert_int_equal(0, rangeset_add(&rs, 2, 4));
	assert_ranges({ 0, 0, 5 }, { 2, 2, 2 }, { 3, 3, 1 }, { 4, 5, 2 });
}

static void test_max_zero(void **state)
{
	(void)state;
	set_up_max(0);
	assert_int_equal(-ENOSPC, rangeset_add(&rs, 1, 1));
	assert_int_equal(-ENOENT, rangeset_remove(&rs, 1, 1));
	assert_empty();
}

static void test_frame_space_boundaries(void **state)
{
	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 0, 0));
	assert_int_equal(0, rangeset_add(&rs, U64_MAX, U64_MAX));
	assert_ranges({ 0, 0, 1 }, { U64_MAX, U64_MAX, 1 });
	assert_true(rangeset_contains(&rs, 0));
	assert_false(rangeset_contains(&rs, 1));
	assert_false(rangeset_contains(&rs, U64_MAX - 1));
	assert_true(rangeset_contains(&rs, U64_MAX));
	assert_true(rangeset_overlaps(&rs, 0, 0));
	assert_true(rangeset_overlaps(&rs, U64_MAX, U64_MAX));
	assert_true(rangeset_overlaps(&rs, U64_MAX - 1, U64_MAX));
	assert_false(rangeset_overlaps(&rs, 1, U64_MAX - 1));
	assert_true(rangeset_overlaps(&rs, 0, U64_MAX));
	assert_false(rangeset_overlaps(&rs, U64_MAX, 0));	/* e < s */
	assert_true(rangeset_covers(&rs, U64_MAX, U64_MAX));
	assert_false(rangeset_covers(&rs, U64_MAX - 1, U64_MAX));

	/* everything once more */
	assert_int_equal(0, rangeset_add(&rs, 0, U64_MAX));
	assert_ranges({ 0, 0, 2 }, { 1, U64_MAX - 1, 1 },
		      { U64_MAX, U64_MAX, 2 });
	assert_true(rangeset_covers(&rs, 0, U64_MAX));
	assert_int_equal(0, rangeset_remove(&rs, 0, 0));
	assert_int_equal(0, rangeset_remove(&rs, U64_MAX, U64_MAX));
	assert_ranges({ 0, U64_MAX, 1 });
	assert_int_equal(0, rangeset_remove(&rs, 1, U64_MAX - 1));
	assert_ranges({ 0, 0, 1 }, { U64_MAX, U64_MAX, 1 });
	assert_int_equal(-ENOENT, rangeset_remove(&rs, 0, U64_MAX));
	assert_int_equal(0, rangeset_add(&rs, 1, U64_MAX - 1));
	assert_ranges({ 0, U64_MAX, 1 });
	assert_int_equal(0, rangeset_remove(&rs, 0, U64_MAX));
	assert_empty();

	/* a range ending at U64_MAX split and joined again */
	assert_int_equal(0, rangeset_add(&rs, U64_MAX - 9, U64_MAX));
	assert_int_equal(0, rangeset_remove(&rs, U64_MAX - 1, U64_MAX - 1));
	assert_ranges({ U64_MAX - 9, U64_MAX - 2, 1 },
		      { U64_MAX, U64_MAX, 1 });
	assert_int_equal(0, rangeset_add(&rs, U64_MAX - 1, U64_MAX - 1));
	assert_ranges({ U64_MAX - 9, U64_MAX, 1 });
}

static void test_errors_leave_the_set_unchanged(void **state)
{
	struct snapshot snap;

	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 10, 19));
	assert_int_equal(0, rangeset_add(&rs, 30, 39));
	assert_int_equal(0, rangeset_add(&rs, 15, 34));
	take(&snap);

	assert_int_equal(-EINVAL, rangeset_add(&rs, 5, 4));
	assert_int_equal(-EINVAL, rangeset_remove(&rs, 5, 4));
	assert_int_equal(-EINVAL, rangeset_add(&rs, U64_MAX, 0));
	assert_unchanged(&snap);

	/* not fully present: before, after, and with a hole inside */
	assert_int_equal(-ENOENT, rangeset_remove(&rs, 9, 12));
	assert_int_equal(-ENOENT, rangeset_remove(&rs, 38, 40));
	assert_int_equal(-ENOENT, rangeset_remove(&rs, 0, 5));
	assert_int_equal(-ENOENT, rangeset_remove(&rs, 100, 100));
	assert_unchanged(&snap);
	/* present but only where [15, 34] was added: fine to remove that */
	assert_int_equal(0, rangeset_remove(&rs, 15, 34));
	assert_ranges({ 10, 19, 1 }, { 30, 39, 1 });
	assert_int_equal(-ENOENT, rangeset_remove(&rs, 10, 39));
	assert_ranges({ 10, 19, 1 }, { 30, 39, 1 });
}

static void test_count_overflow_refused(void **state)
{
	struct snapshot snap;

	(void)state;
	/* U32_MAX adds take too long: build the state directly */
	rs_set(&rs.r[0], 5, 5, U32_MAX);
	rs.nr = 1;
	take(&snap);
	assert_int_equal(-EOVERFLOW, rangeset_add(&rs, 5, 5));
	assert_int_equal(-EOVERFLOW, rangeset_add(&rs, 0, 10));
	assert_unchanged(&snap);
	assert_int_equal(0, rangeset_remove(&rs, 5, 5));
	assert_int_equal(0, rangeset_add(&rs, 0, 10));
	assert_ranges({ 0, 4, 1 }, { 5, 5, U32_MAX }, { 6, 10, 1 });
}

static void test_copy_and_listing(void **state)
{
	struct rangeset_range small_storage[1], big_storage[8];
	struct rangeset small, big;
	const struct rangeset_range *r;
	u32 n;

	(void)state;
	assert_int_equal(0, rangeset_add(&rs, 1, 2));
	assert_int_equal(0, rangeset_add(&rs, 2, 3));
	rangeset_init(&small, small_storage, 1);
	rangeset_init(&big, big_storage, 8);

	assert_int_equal(-ENOSPC, rangeset_copy(&small, &rs));
	assert_int_equal(0, small.nr);
	assert_int_equal(0, rangeset_copy(&big, &rs));
	assert_int_equal(8, big.max);
	assert_ptr_equal(big_storage, big.r);
	assert_int_equal(3, big.nr);

	/* the copy is independent of the original */
	assert_int_equal(0, rangeset_remove(&rs, 1, 3));
	assert_true(rangeset_contains(&big, 1));
	assert_int_equal(2, rangeset_users(&big, 2));

	for (n = 0; (r = rangeset_range_at(&big, n)); n++) {
		static const struct want w[] = { { 1, 1, 1 }, { 2, 2, 2 },
						 { 3, 3, 1 } };

		assert_true(n < ARRAY_SIZE(w));
		assert_ptr_equal(&big_storage[n], r);
		assert_int_equal(w[n].s, r->s);
		assert_int_equal(w[n].e, r->e);
		assert_int_equal(w[n].count, r->count);
	}
	assert_int_equal(3, n);
	assert_non_null(rangeset_range_at(&rs, 0));
	assert_null(rangeset_range_at(&rs, 1));
}

/*
 * Random adds and removes against a plain per-frame count. The model's
 * 256 frames are the two ends of the frame space, 0-127 and
 * U64_MAX - 127 to U64_MAX, so that the arithmetic at both ends is
 * exercised; an operation stays within one end.
 */
#define MODEL_FRAMES	256
#define MODEL_HALF	(MODEL_FRAMES / 2)

static u64 model_frame(unsigned int i)
{
	return i < MODEL_HALF ? i : U64_MAX - (MODEL_FRAMES - 1 - i);
}

static u64 rng_state;

static u64 rng(void)
{
	/* xorshift64: reproducible on every host */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* the normalised ranges of @count, as the rangeset must hold them */
static u32 model_ranges(const u32 *count, struct want *out)
{
	u32 n = 0;
	unsigned int i;

	for (i = 0; i < MODEL_FRAMES; i++) {
		bool joins = n && i != MODEL_HALF && count[i - 1] == count[i];

		if (!count[i])
			continue;
		if (joins) {
			out[n - 1].e = model_frame(i);
			continue;
		}
		out[n].s = model_frame(i);
		out[n].e = model_frame(i);
		out[n].count = count[i];
		n++;
	}
	return n;
}

static void random_ops(u32 max, u64 seed, unsigned int ops)
{
	u32 count[MODEL_FRAMES] = { 0 }, next[MODEL_FRAMES];
	struct want want[MODEL_FRAMES];
	unsigned int op, i, a, b, ok = 0, nospc = 0, noent = 0;

	set_up_max(max);
	rng_state = seed;
	for (op = 0; op < ops; op++) {
		bool add = rng() % 100 < 55;
		unsigned int half = rng() % 2 * MODEL_HALF;
		unsigned int len = rng() % 4 ? rng() % 8 + 1 : rng() % MODEL_HALF + 1;
		int expect, err;
		u32 n;

		a = half + rng() % MODEL_HALF;
		b = a + len - 1;
		if (b >= half + MODEL_HALF)
			b = half + MODEL_HALF - 1;
		if (!add && rng() % 2) {
			/* most removes are of frames in the set: they split */
			for (i = 0; i < MODEL_HALF && !count[a]; i++)
				a = half + (a - half + 1) % MODEL_HALF;
			for (b = a; b < half + MODEL_HALF - 1 && b < a + len - 1 &&
			     count[b + 1]; b++)
				;
		}

		memcpy(next, count, sizeof(count));
		expect = 0;
		for (i = a; i <= b; i++) {
			if (!add && !next[i])
				expect = -ENOENT;
			next[i] += add ? 1 : -1;
		}
		if (!expect && model_ranges(next, want) > max)
			expect = -ENOSPC;

		if (add)
			err = rangeset_add(&rs, model_frame(a), model_frame(b));
		else
			err = rangeset_remove(&rs, model_frame(a), model_frame(b));
		if (err != expect)
			fail_msg("op %u: %s [%u, %u]: %d, expected %d", op,
				 add ? "add" : "remove", a, b, err, expect);
		if (!err)
			memcpy(count, next, sizeof(count));
		ok += !err;
		nospc += err == -ENOSPC;
		noent += err == -ENOENT;

		n = model_ranges(count, want);
		assert_ranges_(want, n);
		for (i = 0; i < MODEL_FRAMES; i++) {
			assert_int_equal(count[i], rangeset_users(&rs, model_frame(i)));
			assert_int_equal(!!count[i],
					 rangeset_contains(&rs, model_frame(i)));
		}
		/* overlaps() over a random range of the same end */
		b = a + rng() % 16;
		if (b >= half + MODEL_HALF)
			b = half + MODEL_HALF - 1;
		for (i = a, expect = 0; i <= b; i++)
			expect |= !!count[i];
		assert_int_equal(expect, rangeset_overlaps(&rs, model_frame(a),
							   model_frame(b)));
		/* covers() over the same range */
		for (i = a, expect = 1; i <= b; i++)
			expect &= !!count[i];
		assert_int_equal(expect, rangeset_covers(&rs, model_frame(a),
							 model_frame(b)));
	}
	print_message("max %u: %u applied, %u -ENOSPC, %u -ENOENT\n", max, ok,
		      nospc, noent);
	/* the run did exercise every outcome it could */
	assert_true(ok > ops / 10);
	assert_true(noent > 0);
	if (max < 16)
		assert_true(nospc > 0);
}

static void test_random_against_model(void **state)
{
	(void)state;
	random_ops(1, 0x9e3779b97f4a7c15ULL, 2000);
	random_ops(3, 0x2545f4914f6cdd1dULL, 3000);
	random_ops(8, 0xd1b54a32d192ed03ULL, 4000);
	random_ops(24, 0xbf58476d1ce4e5b9ULL, 4000);
	random_ops(256, 0x8cb92ba72f3d8dd7ULL, 4000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_empty),
		T(test_adjacent_ranges_merge),
		T(test_gap_filled_joins_both_sides),
		T(test_not_adjacent_not_merged),
		T(test_overlapping_add_counts_the_overlap),
		T(test_contained_add_and_covering_add),
		T(test_remove_splits),
		T(test_remove_inside_a_counted_range),
		T(test_add_twice_remove_once),
		T(test_shared_frame),
		T(test_exactly_max_then_enospc),
		T(test_full_set_change_needing_no_slack),
		T(test_max_zero),
		T(test_frame_space_boundaries),
		T(test_errors_leave_the_set_unchanged),
		T(test_count_overflow_refused),
		T(test_copy_and_listing),
		T(test_random_against_model),
#undef T
	};

	return cmocka_run_group_tests_name("rangeset", tests, NULL, NULL);
}
