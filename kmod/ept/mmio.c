// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO_DIRECT mappings and the read-only MMIO set (msix/ro_mmio.c): after
 * every change of the set, each domain's MMIO_DIRECT leaves are split
 * where they now map a read-only frame and rebuilt with or without write
 * permission as the set says.
 */
#include <linux/mm.h>

#include "domain.h"
#include "ept/mmio.h"
#include "msix/ro_mmio.h"

/**
 * tvx_mmio_ro_leaf() - whether an EPT leaf maps read-only frames
 * @entry: the leaf
 * @level: its level
 *
 * A superpage leaf of mmio_direct maps no read-only frame (see
 * ept_split_ro()); while a change of the set is being applied, one that
 * maps some counts as read-only, which takes writes away, never gives them.
 *
 * Return: true if any frame the leaf maps is in the read-only set.
 */
bool tvx_mmio_ro_leaf(u64 entry, int level)
{
	return tvx_mmio_ro_any(entry & EPT_ADDR_MASK, BIT_ULL(9 * level));
}

/* A superpage of mmio_direct that maps a read-only frame. */
static int ept_find_ro(struct ept *ept, u64 *e, int level, u64 gfn, void *a)
{
	u64 *at = a;

	if (level == EPT_LEVEL_4K ||
	    p2m_entry_type(*e) != THINVMX_P2M_MMIO_DIRECT ||
	    !tvx_mmio_ro_leaf(*e, level))
		return 0;
	*at = gfn;
	return 1;
}

/*
 * A read-only frame is mapped by a 4 KiB leaf, never inside a superpage:
 * tvx_map_mmio_frames() maps them so, splits keep it, and this restores it
 * after a change of the set by splitting, one level at a time, every
 * superpage leaf that now maps a read-only frame, down to 4 KiB around
 * those frames (the other 2 MiB parts stay whole). The EPT fault path
 * relies on it when it rebuilds a leaf from its first frame, and its
 * discarding of writes by a single step swaps 4 KiB leaves only. The pages
 * come with __GFP_NOFAIL: a split that failed would leave the guest
 * writing frames it may only read.
 */
static void ept_split_ro(struct tvx_dom *dom)
{
	struct ept_prealloc pa = { 0 };
	int found, ret = 0;
	bool flush = false;
	u64 gfn;

	do {
		ept_prealloc_fill(&pa, 1, __GFP_NOFAIL);
		spin_lock(&dom->ept.lock);
		flush |= ept_unswap_all(&dom->ept);
		found = ept_for_all(&dom->ept, ept_find_ro, &gfn);
		if (found)
			ret = ept_split_at(&dom->ept, gfn, &pa);
		spin_unlock(&dom->ept.lock);
	} while (found && !WARN_ON_ONCE(ret));
	if (flush)
		tvx_p2m_flush(dom, 0, U64_MAX);
	ept_prealloc_free(&pa);
}

struct ept_reapply_arg {
	bool flush;
};

static int ept_reapply_leaf(struct ept *ept, u64 *e, int level, u64 gfn, void *a)
{
	struct ept_reapply_arg *arg = a;

	if (p2m_entry_type(*e) != THINVMX_P2M_MMIO_DIRECT)
		return 0;
	arg->flush |= ept_set_leaf(ept, e, level, THINVMX_P2M_MMIO_DIRECT,
				   p2m_entry_access(*e),
				   tvx_mmio_ro_leaf(*e, level));
	return 0;
}

/**
 * tvx_domain_reapply_mmio() - rebuild a domain's MMIO_DIRECT leaves
 * @dom: the domain
 *
 * Superpages that now map read-only frames are split first (the
 * other frames keep their type and access); then each leaf gets write
 * permission back or loses it as the set says now. The INVEPT is done
 * before this returns.
 *
 * Context: dom->p2m_lock held; may sleep.
 */
void tvx_domain_reapply_mmio(struct tvx_dom *dom)
{
	struct ept_reapply_arg arg = { 0 };

	ept_split_ro(dom);
	spin_lock(&dom->ept.lock);
	arg.flush = ept_unswap_all(&dom->ept);
	ept_for_all(&dom->ept, ept_reapply_leaf, &arg);
	spin_unlock(&dom->ept.lock);
	if (arg.flush)
		tvx_p2m_flush(dom, 0, U64_MAX);
}
