/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of host frame numbers with a user count per frame: the read-only
 * MMIO set. Pure logic (rangeset.c), shared with the host unit tests.
 *
 * A frame may be registered by several users (one page holding a device's
 * MSI-X table and its PBA, two devices' small BARs in one page) and stays
 * in the set until its last user removes it. The set is kept as sorted,
 * disjoint ranges of frames with one count each; two ranges that touch
 * always have different counts (otherwise they are one range), so the
 * representation of a given count per frame is unique.
 *
 * No locking and no allocation here: the caller owns the storage, an array
 * of @max ranges, and serialises changes. The structure holds no pointer
 * into itself, so a copy of the array (rangeset_copy()) is a set of its
 * own, ready to be published to lock-free readers.
 */
#ifndef _THINVMX_MSIX_RANGESET_H
#define _THINVMX_MSIX_RANGESET_H

#include "../pure.h"

/**
 * struct rangeset_range - frames @s to @e, each with @count users
 * @s:		first frame
 * @e:		last frame, inclusive (@s <= @e)
 * @count:	users of every frame of the range, at least 1
 * @pad:	always zero, so that an array can be copied out as it is
 */
struct rangeset_range {
	u64 s;
	u64 e;
	u32 count;
	u32 pad;
};

/**
 * struct rangeset - a counted set of frames in caller-provided storage
 * @r:		@max ranges of storage; the first @nr are sorted by frame,
 *		disjoint, and touch only with different counts
 * @nr:		ranges in use
 * @max:	ranges @r can hold; a change that would need more fails
 */
struct rangeset {
	struct rangeset_range *r;
	u32 nr;
	u32 max;
};

void rangeset_init(struct rangeset *rs, struct rangeset_range *storage,
		   u32 max);
int rangeset_add(struct rangeset *rs, u64 s, u64 e);
int rangeset_remove(struct rangeset *rs, u64 s, u64 e);
bool rangeset_contains(const struct rangeset *rs, u64 frame);
bool rangeset_overlaps(const struct rangeset *rs, u64 s, u64 e);
bool rangeset_covers(const struct rangeset *rs, u64 s, u64 e);
u32 rangeset_users(const struct rangeset *rs, u64 frame);
int rangeset_copy(struct rangeset *dst, const struct rangeset *src);
const struct rangeset_range *rangeset_range_at(const struct rangeset *rs,
					       u32 i);

#endif /* _THINVMX_MSIX_RANGESET_H */
