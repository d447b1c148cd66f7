// SPDX-License-Identifier: GPL-2.0
/*
 * The counted rangeset: pure logic, compiled into the module and into the
 * host unit tests (selftests/unit/test_rangeset.c).
 *
 * Lookups are binary searches over the sorted array. A change (one more or
 * one fewer user of every frame of [s, e]) is first planned, without
 * touching anything: errors and the number of ranges it leaves are known
 * before the first write, so a refused change leaves the set as it was.
 * It is then applied in place, in an order that never needs more ranges
 * than the larger of before and after: the ranges that shrink the array
 * (merges at the two edges, ranges dropping to no user) go first, the
 * ranges that grow it (splits at the edges, gaps filled) last. The storage
 * therefore needs no slack beyond @max.
 *
 * Inside [s, e] every count moves by the same step, so two touching ranges
 * there, which had different counts, still do afterwards; and a gap filled
 * there (count 1) only touches ranges that now count 2 or more. Merges
 * can only happen with the ranges just outside, at s - 1 and at e + 1.
 * That is what lets each step below look at one place only.
 */
#include "rangeset.h"

static void rs_set(struct rangeset_range *r, u64 s, u64 e, u32 count)
{
	r->s = s;
	r->e = e;
	r->count = count;
	r->pad = 0;
}

/* The first range ending at or after @frame, or rs->nr if none does. */
static u32 rs_find(const struct rangeset *rs, u64 frame)
{
	u32 lo = 0, hi = rs->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (rs->r[mid].e < frame)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static u32 rs_count_at(const struct rangeset *rs, u64 frame)
{
	u32 i = rs_find(rs, frame);

	return i < rs->nr && rs->r[i].s <= frame ? rs->r[i].count : 0;
}

/* Remove r[i]. */
static void rs_delete(struct rangeset *rs, u32 i)
{
	memmove(&rs->r[i], &rs->r[i + 1], (rs->nr - i - 1) * sizeof(*rs->r));
	rs->nr--;
}

/* Insert a range before r[i]; the plan has made sure there is room. */
static void rs_insert(struct rangeset *rs, u32 i, u64 s, u64 e, u32 count)
{
	memmove(&rs->r[i + 1], &rs->r[i], (rs->nr - i) * sizeof(*rs->r));
	rs_set(&rs->r[i], s, e, count);
	rs->nr++;
}

/* Merge r[i + 1] into r[i] if they touch with the same count. */
static void rs_merge_next(struct rangeset *rs, u32 i)
{
	if (i + 1 < rs->nr && rs->r[i].e + 1 == rs->r[i + 1].s &&
	    rs->r[i].count == rs->r[i + 1].count) {
		rs->r[i].e = rs->r[i + 1].e;
		rs_delete(rs, i + 1);
	}
}

/*
 * Does a range start at @frame, for the counts @prev (at @frame - 1, 0 if
 * @frame is 0) and @cur (at @frame)?
 */
static bool rs_starts(bool first_frame, u32 prev, u32 cur)
{
	return cur && (first_frame || prev != cur);
}

/*
 * Check that @delta (+1 or -1) can apply to every frame of [s, e] and
 * count the ranges it leaves. The number of ranges is the number of frames
 * where a range starts; the step only changes that at s, at e + 1, at a
 * gap's first frame inside (s, e] (adding makes it a start) and at the
 * first frame of a single-user range inside (s, e] (removing ends it).
 *
 * Return: 0, -ENOENT (removing from a frame not in the set), -EOVERFLOW (a
 * frame with U32_MAX users), -ENOSPC (more than rs->max ranges).
 */
static int rs_plan(const struct rangeset *rs, u64 s, u64 e, int delta)
{
	s64 nr = rs->nr;
	u64 next = s;		/* first frame of [s, e] not looked at yet */
	bool reached_e = false;
	u32 i, prev, cur;

	for (i = rs_find(rs, s); i < rs->nr && rs->r[i].s <= e; i++) {
		const struct rangeset_range *r = &rs->r[i];

		if (r->s > next) {		/* a gap [next, r->s - 1] */
			if (delta < 0)
				return -ENOENT;
			if (next > s)
				nr++;
		}
		if (delta > 0 && r->count == U32_MAX)
			return -EOVERFLOW;
		if (delta < 0 && r->count == 1 && r->s > s)
			nr--;
		if (r->e >= e) {
			reached_e = true;
			break;
		}
		next = r->e + 1;
	}
	if (!reached_e) {			/* a gap [next, e] */
		if (delta < 0)
			return -ENOENT;
		if (next > s)
			nr++;
	}

	prev = s ? rs_count_at(rs, s - 1) : 0;
	cur = rs_count_at(rs, s);
	nr += rs_starts(!s, prev, cur + delta) - rs_starts(!s, prev, cur);
	if (e != U64_MAX) {
		u32 after = rs_count_at(rs, e + 1);

		cur = rs_count_at(rs, e);
		nr += rs_starts(false, cur + delta, after) -
		      rs_starts(false, cur, after);
	}
	return nr > rs->max ? -ENOSPC : 0;
}

/*
 * The segment of [*s, e] that starts at *s (a range starting there, or the
 * gap up to the next range) may end up with the count of the range just
 * before it, ending at *s - 1: extend that range over the segment. Moves
 * *s past the segment.
 *
 * Return: true when nothing of [*s, e] is left to do.
 */
static bool rs_absorb_left(struct rangeset *rs, u64 *s, u64 e, int delta)
{
	u32 i = rs_find(rs, *s);
	bool at_s = i < rs->nr && rs->r[i].s == *s;
	struct rangeset_range *l;
	u32 nc;
	u64 end;

	if (!*s || !i || rs->r[i - 1].e != *s - 1)
		return false;
	l = &rs->r[i - 1];
	if (at_s)
		nc = rs->r[i].count + delta;
	else
		nc = delta > 0 ? 1 : 0;		/* a gap only when adding */
	if (nc != l->count)
		return false;

	if (at_s) {
		if (rs->r[i].e > e) {		/* the segment is [s, e] */
			l->e = e;
			rs->r[i].s = e + 1;
			return true;
		}
		l->e = rs->r[i].e;
		rs_delete(rs, i);
	} else {
		end = i < rs->nr ? rs->r[i].s - 1 : U64_MAX;
		l->e = end < e ? end : e;
	}
	if (l->e == e) {
		/* the whole of [s, e] was one segment: it may join both sides */
		rs_merge_next(rs, i - 1);
		return true;
	}
	*s = l->e + 1;
	return false;
}

/* The mirror of rs_absorb_left(), at e + 1. Moves *e before the segment. */
static bool rs_absorb_right(struct rangeset *rs, u64 s, u64 *e, int delta)
{
	u32 j, nc;
	struct rangeset_range *r;
	bool at_e;
	u64 start;

	if (*e == U64_MAX)
		return false;
	j = rs_find(rs, *e + 1);
	if (j == rs->nr || rs->r[j].s != *e + 1)
		return false;
	r = &rs->r[j];
	at_e = j && rs->r[j - 1].e == *e;
	if (at_e)
		nc = rs->r[j - 1].count + delta;
	else
		nc = delta > 0 ? 1 : 0;
	if (nc != r->count)
		return false;

	if (at_e) {
		if (rs->r[j - 1].s < s) {	/* the segment is [s, e] */
			r->s = s;
			rs->r[j - 1].e = s - 1;
			return true;
		}
		r->s = rs->r[j - 1].s;
		rs_delete(rs, j - 1);
		j--;
	} else {
		start = j ? rs->r[j - 1].e + 1 : 0;
		rs->r[j].s = start > s ? start : s;
	}
	r = &rs->r[j];
	if (r->s == s) {
		if (j)
			rs_merge_next(rs, j - 1);
		return true;
	}
	*e = r->s - 1;
	return false;
}

/*
 * Apply @delta to the ranges lying wholly inside [s, e], dropping those
 * left with no user. Never adds a range.
 */
static void rs_step_inside(struct rangeset *rs, u64 s, u64 e, int delta)
{
	u32 i = rs_find(rs, s), t, w;

	if (i < rs->nr && rs->r[i].s < s)	/* straddles s: later */
		i++;
	for (t = w = i; t < rs->nr && rs->r[t].e <= e; t++) {
		rs->r[t].count += delta;
		if (rs->r[t].count)
			rs->r[w++] = rs->r[t];
	}
	if (w != t) {
		memmove(&rs->r[w], &rs->r[t], (rs->nr - t) * sizeof(*rs->r));
		rs->nr -= t - w;
	}
}

/* Split the ranges straddling s or e; their inside parts take @delta. */
static void rs_split_edges(struct rangeset *rs, u64 s, u64 e, int delta)
{
	u32 i = rs_find(rs, s);
	struct rangeset_range p;

	if (i < rs->nr && rs->r[i].s < s) {
		p = rs->r[i];
		rs->r[i].e = s - 1;
		if (p.e > e) {			/* straddles both: [s, e] inside */
			rs_insert(rs, i + 1, e + 1, p.e, p.count);
			if (p.count + delta)
				rs_insert(rs, i + 1, s, e, p.count + delta);
			return;
		}
		if (p.count + delta)
			rs_insert(rs, i + 1, s, p.e, p.count + delta);
	}

	i = rs_find(rs, e);
	if (i < rs->nr && rs->r[i].s <= e && rs->r[i].e > e) {
		p = rs->r[i];
		rs->r[i].s = e + 1;
		if (p.count + delta)
			rs_insert(rs, i, p.s, e, p.count + delta);
	}
}

/*
 * Give every frame of [s, e] not in the set one user. The ranges there
 * already lie wholly inside [s, e]; the array grows by the number of gaps,
 * filled from the back so that no range is overwritten before it moved.
 */
static void rs_fill_gaps(struct rangeset *rs, u64 s, u64 e)
{
	u32 i = rs_find(rs, s), j, t, w, gaps = 0;
	u64 next = s, hi = e;
	bool open = true;

	for (j = i; j < rs->nr && rs->r[j].s <= e; j++) {
		if (rs->r[j].s > next)
			gaps++;
		if (rs->r[j].e == e)
			open = false;
		else
			next = rs->r[j].e + 1;
	}
	if (open)
		gaps++;
	if (!gaps)
		return;

	memmove(&rs->r[j + gaps], &rs->r[j], (rs->nr - j) * sizeof(*rs->r));
	rs->nr += gaps;
	open = true;
	for (t = j, w = j + gaps; t-- > i;) {
		struct rangeset_range p = rs->r[t];

		if (p.e < hi)
			rs_set(&rs->r[--w], p.e + 1, hi, 1);
		rs->r[--w] = p;
		if (p.s == s) {
			open = false;
			break;
		}
		hi = p.s - 1;
	}
	if (open)
		rs_set(&rs->r[--w], s, hi, 1);
}

static int rs_change(struct rangeset *rs, u64 s, u64 e, int delta)
{
	int err;

	if (e < s)
		return -EINVAL;
	err = rs_plan(rs, s, e, delta);
	if (err)
		return err;

	/* what shrinks the array first ... */
	if (rs_absorb_left(rs, &s, e, delta) ||
	    rs_absorb_right(rs, s, &e, delta))
		return 0;
	rs_step_inside(rs, s, e, delta);
	/* ... then what grows it */
	rs_split_edges(rs, s, e, delta);
	if (delta > 0)
		rs_fill_gaps(rs, s, e);
	return 0;
}

/**
 * rangeset_init() - make @rs an empty set over @storage
 * @rs:		the set
 * @storage:	room for @max ranges, owned by the caller
 * @max:	ranges @storage holds
 */
void rangeset_init(struct rangeset *rs, struct rangeset_range *storage,
		   u32 max)
{
	rs->r = storage;
	rs->nr = 0;
	rs->max = max;
}

/**
 * rangeset_add() - one more user of every frame of [@s, @e]
 * @rs:		the set
 * @s:		first frame
 * @e:		last frame, inclusive
 *
 * Return: 0; on error the set is unchanged: -EINVAL (@e < @s), -ENOSPC
 * (the result would need more than rs->max ranges), -EOVERFLOW (a frame
 * already has U32_MAX users).
 */
int rangeset_add(struct rangeset *rs, u64 s, u64 e)
{
	return rs_change(rs, s, e, 1);
}

/**
 * rangeset_remove() - one user fewer of every frame of [@s, @e]
 * @rs:		the set
 * @s:		first frame
 * @e:		last frame, inclusive
 *
 * A frame leaves the set with its last user. Removing can split a range,
 * so it too can need one more range than there is room for.
 *
 * Return: 0; on error the set is unchanged: -EINVAL (@e < @s), -ENOENT
 * (a frame of [@s, @e] is not in the set), -ENOSPC (as for adding).
 */
int rangeset_remove(struct rangeset *rs, u64 s, u64 e)
{
	return rs_change(rs, s, e, -1);
}

/**
 * rangeset_contains() - is @frame in the set?
 * @rs:		the set
 * @frame:	the frame
 *
 * O(log nr), no side effect: safe on a published copy without a lock.
 *
 * Return: true if @frame has at least one user.
 */
bool rangeset_contains(const struct rangeset *rs, u64 frame)
{
	u32 i = rs_find(rs, frame);

	return i < rs->nr && rs->r[i].s <= frame;
}

/**
 * rangeset_overlaps() - is any frame of [@s, @e] in the set?
 * @rs:		the set
 * @s:		first frame
 * @e:		last frame, inclusive
 *
 * Return: true if some frame of [@s, @e] has a user; false also when
 * @e < @s.
 */
bool rangeset_overlaps(const struct rangeset *rs, u64 s, u64 e)
{
	u32 i;

	if (e < s)
		return false;
	i = rs_find(rs, s);
	return i < rs->nr && rs->r[i].s <= e;
}

/**
 * rangeset_covers() - is every frame of [@s, @e] in the set?
 * @rs:		the set
 * @s:		first frame
 * @e:		last frame, inclusive
 *
 * Touching ranges of different counts together cover what lies between
 * them, so this walks them until a gap or @e.
 *
 * Return: true if every frame of [@s, @e] has a user; false also when
 * @e < @s.
 */
bool rangeset_covers(const struct rangeset *rs, u64 s, u64 e)
{
	u32 i;

	if (e < s)
		return false;
	for (i = rs_find(rs, s); i < rs->nr && rs->r[i].s <= s; i++) {
		if (rs->r[i].e >= e)
			return true;
		s = rs->r[i].e + 1;	/* r[i].e < e: no overflow */
	}
	return false;
}

/**
 * rangeset_users() - the number of users of @frame
 * @rs:		the set
 * @frame:	the frame
 *
 * Return: the users of @frame, 0 when it is not in the set.
 */
u32 rangeset_users(const struct rangeset *rs, u64 frame)
{
	return rs_count_at(rs, frame);
}

/**
 * rangeset_copy() - make @dst hold the ranges of @src
 * @dst:	the copy; keeps its own storage and limit
 * @src:	the set copied
 *
 * Return: 0, or -ENOSPC (@dst is left unchanged) when @src has more
 * ranges than @dst can hold.
 */
int rangeset_copy(struct rangeset *dst, const struct rangeset *src)
{
	if (src->nr > dst->max)
		return -ENOSPC;
	memcpy(dst->r, src->r, src->nr * sizeof(*src->r));
	dst->nr = src->nr;
	return 0;
}

/**
 * rangeset_range_at() - the @i-th range of @rs in frame order
 * @rs:		the set
 * @i:		index, from 0
 *
 * Lists the set with its counts:
 * for (i = 0; (r = rangeset_range_at(rs, i)); i++).
 *
 * Return: the range, or NULL when @i is past the last one.
 */
const struct rangeset_range *rangeset_range_at(const struct rangeset *rs,
					       u32 i)
{
	return i < rs->nr ? &rs->r[i] : NULL;
}
