// SPDX-License-Identifier: GPL-2.0
/*
 * A domain's EPT paging structures: building, walking, splitting,
 * updating and tearing down. What an entry holds is decided by the pure
 * logic in p2m.c; this file owns the tables and their locking.
 *
 * Locking: ept->lock (a spinlock, taken with preemption off by the exit
 * handlers too) covers every entry. Pages a split needs are allocated
 * before the lock is taken (struct ept_prealloc).
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/smp.h>

#include "pages.h"
#include "ept_table.h"
#include "vmx/enable.h"
#include "vmx/vmx_ops.h"

#define EPT_TABLE_BITS		(EPT_RWX)	/* non-leaf: the leaf decides */

static u64 *ept_table(u64 entry)
{
	return phys_to_virt(entry & EPT_ADDR_MASK);
}

/*
 * A slot is in use when it points to a table or holds a leaf: every leaf
 * p2m_ept_entry() builds has more than suppress-#VE set (its type, its
 * frame, or the leaf bit), also one whose type or access right grants
 * nothing. A slot holding suppress-#VE alone is empty: how a view's empty
 * slots keep violations there from being converted into #VE (ept/view.c;
 * SDM Vol. 3, 26.5.7.1: a not-present entry's bit 63 counts too).
 */
static bool ept_used(u64 entry)
{
	return (entry & ~P2M_EPT_SUPPRESS_VE) != 0;
}

static bool ept_is_leaf(u64 entry, int level)
{
	return level == EPT_LEVEL_4K || (entry & EPT_LEAF);
}

static u64 ept_index(u64 gpa, int level)
{
	return (gpa >> EPT_LEVEL_SHIFT(level)) & (P2M_EPT_ENTRIES - 1);
}

/**
 * ept_init() - an empty EPT (a zeroed PML4)
 * @ept:     the structure to initialise
 * @caps:    the host's VMX capabilities
 * @nx_huge: no superpage leaf will allow fetches (nx_huge_pages), for the
 *	     EPT's whole life
 *
 * Return: 0 or -ENOMEM.
 */
int ept_init(struct ept *ept, const struct thinvmx_caps *caps, bool nx_huge)
{
	memset(ept, 0, sizeof(*ept));
	spin_lock_init(&ept->lock);
	ept->lockp = &ept->lock;
	INIT_LIST_HEAD(&ept->swaps);
	ept->caps.exec_only = caps->features & THINVMX_FEAT_EPT_EXEC_ONLY;
	ept->caps.page_2m = caps->features & THINVMX_FEAT_EPT_2M;
	ept->caps.page_1g = caps->features & THINVMX_FEAT_EPT_1G;
	ept->caps.nx_huge = nx_huge;
	ept->invept_single = caps->features & THINVMX_FEAT_INVEPT_SINGLE;
	ept->root = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!ept->root)
		return -ENOMEM;
	ept->table_pages = 1;
	ept->eptp = ept_eptp(ept, false);
	return 0;
}

static void ept_free_table(struct ept *ept, u64 *table, int level)
{
	int i;

	/* level 3 = PML4, 2 = PDPT, 1 = PD, 0 = PT */
	if (level > 0) {
		for (i = 0; i < P2M_EPT_ENTRIES; i++) {
			u64 e = table[i];

			if (ept_used(e) && !ept_is_leaf(e, level))
				ept_free_table(ept, ept_table(e), level - 1);
		}
	}
	tvx_free_pages(virt_to_page(table), 0);
	ept->table_pages--;
}

/**
 * ept_destroy() - free every paging-structure page (not the guest memory)
 * @ept: an EPT set up by ept_init(), or one whose ept_init() failed
 *
 * The caller invalidates cached translations first (INVEPT).
 */
void ept_destroy(struct ept *ept)
{
	if (!ept->root)
		return;
	ept_free_table(ept, page_address(ept->root), 3);
	WARN_ON(ept->table_pages);
	ept->root = NULL;
}

static int ept_zap_leaf(struct ept *ept, u64 *e, int level, u64 gfn,
			void *unused)
{
	WRITE_ONCE(*e, EPT_EMPTY);
	ept->leaves[level]--;
	return 0;
}

/**
 * ept_zap_all() - empty every leaf slot (EPT_EMPTY); the tables stay
 * @ept: the EPT, its lock held (a view: ept/view.c fills its leaves again
 *	 on demand)
 *
 * The tables are kept, not freed: the CPU may cache paging-structure
 * entries that point at them until the caller's INVEPT, and a table
 * page freed and reused before it would be walked as EPT entries. They
 * go with the EPT (ept_destroy()).
 */
void ept_zap_all(struct ept *ept)
{
	ept_for_all(ept, ept_zap_leaf, NULL);
}

static void ept_count_leaf(struct ept *ept, int level, long delta)
{
	ept->leaves[level] += delta;
}

/**
 * ept_map() - map one page of the size @level gives
 * @ept:    the EPT
 * @gpa:    guest physical address, aligned to the page size
 * @hpa:    host physical address, aligned likewise
 * @level:  EPT_LEVEL_4K, EPT_LEVEL_2M or EPT_LEVEL_1G
 * @type:   THINVMX_P2M_*
 * @access: THINVMX_ACCESS_*
 * @ro:     the host frame is in the read-only MMIO set
 *
 * Missing tables on the way are allocated (process context, no lock held:
 * used while the domain is built and by MAP_MMIO, under the domain's
 * p2m mutex). The slot must be empty.
 *
 * Return: 0, -ENOMEM, -EINVAL for a page size the CPU lacks, or -EEXIST
 * when something is mapped there already.
 */
int ept_map(struct ept *ept, u64 gpa, u64 hpa, int level, u32 type,
	    u32 access, bool ro)
{
	u64 *table = page_address(ept->root);
	u64 entry;
	int l;

	entry = p2m_ept_entry(&ept->caps, 0, hpa, level, type, access, ro);
	if (!entry)
		return -EINVAL;
	for (l = 3; l > level; l--) {
		u64 *e = &table[ept_index(gpa, l)];

		if (!ept_used(*e)) {
			struct page *p = tvx_alloc_pages(GFP_KERNEL_ACCOUNT |
							 __GFP_ZERO, 0);

			if (!p)
				return -ENOMEM;
			spin_lock(ept->lockp);
			ept->table_pages++;
			WRITE_ONCE(*e, page_to_phys(p) | EPT_TABLE_BITS);
			spin_unlock(ept->lockp);
		} else if (ept_is_leaf(*e, l)) {
			return -EEXIST;
		}
		table = ept_table(*e);
	}
	table += ept_index(gpa, level);
	if (ept_used(*table))
		return -EEXIST;
	spin_lock(ept->lockp);
	WRITE_ONCE(*table, entry);
	ept_count_leaf(ept, level, 1);
	spin_unlock(ept->lockp);
	return 0;
}

/**
 * ept_find_leaf() - the leaf entry that maps @gpa
 * @ept:   the EPT
 * @gpa:   guest physical address
 * @level: set to the leaf's level when one is found
 *
 * Context: ept->lock held, or the tables cannot change.
 * Return: a pointer to the leaf entry, or NULL when @gpa is not mapped.
 */
u64 *ept_find_leaf(const struct ept *ept, u64 gpa, int *level)
{
	u64 *table = page_address(ept->root);
	int l;

	for (l = 3; l >= 0; l--) {
		u64 *e = &table[ept_index(gpa, l)];

		if (!ept_used(*e))
			return NULL;
		if (ept_is_leaf(*e, l)) {
			*level = l;
			return e;
		}
		table = ept_table(*e);
	}
	return NULL;
}

/**
 * ept_lookup() - the leaf entry that maps @gpa, by value
 * @ept:   the EPT
 * @gpa:   guest physical address
 * @level: set to the leaf's level when one is found
 *
 * Return: the leaf entry, or 0 when @gpa is not mapped.
 */
u64 ept_lookup(struct ept *ept, u64 gpa, int *level)
{
	u64 *e, val = 0;

	spin_lock(ept->lockp);
	e = ept_find_leaf(ept, gpa, level);
	if (e)
		val = *e;
	spin_unlock(ept->lockp);
	return val;
}

/**
 * ept_prealloc_fill() - allocate pages for up to @n splits
 * @pa:    the pool
 * @n:     how many table pages it must hold
 * @extra: GFP flags added to GFP_KERNEL_ACCOUNT (__GFP_NOFAIL where a
 *	   failed split would leave a guest more than it may have)
 *
 * Short of memory, a p2m ioctl or a vCPU's split gets -ENOMEM rather than
 * waking the OOM killer, which would kill whatever is largest -- often
 * not the caller (__GFP_RETRY_MAYFAIL), unless @extra says __GFP_NOFAIL.
 *
 * Return: 0 or -ENOMEM (the pool then holds what it got; free it).
 */
int ept_prealloc_fill(struct ept_prealloc *pa, unsigned int n, gfp_t extra)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | extra;

	if (!(extra & __GFP_NOFAIL))
		gfp |= __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	if (n > EPT_PREALLOC_MAX)
		return -E2BIG;
	while (pa->nr < n) {
		struct page *p = tvx_alloc_pages(gfp, 0);

		if (!p)
			return -ENOMEM;
		pa->pages[pa->nr++] = p;
	}
	return 0;
}

/**
 * ept_prealloc_free() - give back what a pool did not use
 * @pa: the pool
 */
void ept_prealloc_free(struct ept_prealloc *pa)
{
	while (pa->nr)
		tvx_free_pages(pa->pages[--pa->nr], 0);
}

/*
 * Replace the superpage leaf *e at @level by a table of 512 entries that
 * keep every frame's type, access and permissions (p2m_split_leaf()).
 */
static int ept_split(struct ept *ept, u64 *e, int level, struct ept_prealloc *pa)
{
	struct page *p;
	u64 *t;

	if (!pa->nr)
		return -ENOMEM;
	p = pa->pages[--pa->nr];
	t = page_address(p);
	if (p2m_split_leaf(&ept->caps, *e, level, t)) {
		pa->pages[pa->nr++] = p;
		return -EINVAL;
	}
	ept->table_pages++;
	ept_count_leaf(ept, level, -1);
	ept_count_leaf(ept, level - 1, P2M_EPT_ENTRIES);
	/* the same translations, finer: no invalidation needed (SDM 29.4.4) */
	WRITE_ONCE(*e, page_to_phys(p) | EPT_TABLE_BITS);
	return 0;
}

/**
 * ept_split_at() - split the superpage leaf that maps @gfn, one level
 * @ept: the EPT, its lock held
 * @gfn: a guest frame the leaf maps
 * @pa:  one page for the new table
 *
 * The 512 smaller leaves keep every frame's type, access right and
 * permissions (p2m_split_leaf()).
 *
 * Return: 0, -ENOENT (@gfn is not mapped), -EINVAL (a 4 KiB leaf maps
 * it), -ENOMEM (the pool is empty).
 */
int ept_split_at(struct ept *ept, u64 gfn, struct ept_prealloc *pa)
{
	int level;
	u64 *e;

	lockdep_assert_held(ept->lockp);
	e = ept_find_leaf(ept, gfn << PAGE_SHIFT, &level);
	if (!e)
		return -ENOENT;
	if (level == EPT_LEVEL_4K)
		return -EINVAL;
	return ept_split(ept, e, level, pa);
}

/**
 * ept_split_down() - split the superpage leaf that maps @gfn down to 4 KiB
 * @ept: the EPT, its lock held
 * @gfn: a guest frame the leaf maps
 * @pa:  the pool, with a page for each level to split: two for a 1 GiB
 *	 leaf, one for a 2 MiB leaf
 *
 * One level at a time, each split as ept_split_at() does it; a pool too
 * small for all of them splits nothing. No INVEPT: every translation stays
 * the same, and where the split gives X back (nx_huge, p2m_split_leaf())
 * a fetch through a stale superpage translation faults again and that EPT
 * violation invalidates it (SDM Vol. 3, 29.4.3.1).
 *
 * Return: the number of leaves split (0 when a 4 KiB leaf maps @gfn),
 * -ENOENT (@gfn is not mapped) or -ENOMEM (the pool is too small).
 */
int ept_split_down(struct ept *ept, u64 gfn, struct ept_prealloc *pa)
{
	int level, n = 0, ret;
	u64 *e;

	lockdep_assert_held(ept->lockp);
	e = ept_find_leaf(ept, gfn << PAGE_SHIFT, &level);
	if (!e)
		return -ENOENT;
	if (pa->nr < level)
		return -ENOMEM;
	while (level > EPT_LEVEL_4K) {
		ret = ept_split(ept, e, level, pa);
		if (ret)
			return ret;
		n++;
		e = ept_find_leaf(ept, gfn << PAGE_SHIFT, &level);
	}
	return n;
}

/**
 * ept_for_range() - visit every leaf mapping [gfn, gfn + nr)
 * @ept:   the EPT, its lock held
 * @gfn:   first guest frame
 * @nr:    frames
 * @split: split superpages the range covers only in part (pool @pa); if
 *	   false, such leaves are visited whole
 * @pa:    pages for splits; at most four are needed (two per range end)
 * @fn:    called for each leaf with its level and first gfn; a nonzero
 *	   return stops the walk
 * @arg:   passed to @fn
 *
 * Return: 0, what @fn returned, -ENOENT when a frame of the range is not
 * mapped (frames before it were visited), or -ENOMEM when the pool ran out.
 */
int ept_for_range(struct ept *ept, u64 gfn, u64 nr, bool split,
		  struct ept_prealloc *pa, ept_leaf_fn fn, void *arg)
{
	u64 end = gfn + nr;

	lockdep_assert_held(ept->lockp);
	while (gfn < end) {
		u64 *table = page_address(ept->root), *e = NULL;
		u64 gpa = gfn << PAGE_SHIFT, base;
		int l, ret;

		for (l = 3; l >= 0; l--) {
			e = &table[ept_index(gpa, l)];
			if (!ept_used(*e))
				return -ENOENT;
			if (!ept_is_leaf(*e, l)) {
				table = ept_table(*e);
				continue;
			}
			if (split && l > EPT_LEVEL_4K &&
			    !p2m_range_covers(gfn, end - gfn, gfn, l)) {
				ret = ept_split(ept, e, l, pa);
				if (ret)
					return ret;
				table = ept_table(*e);
				continue;
			}
			break;
		}
		base = gfn & ~((1ULL << (9 * l)) - 1);
		ret = fn(ept, e, l, base, arg);
		if (ret)
			return ret;
		gfn = base + (1ULL << (9 * l));
	}
	return 0;
}

static int ept_for_all_table(struct ept *ept, u64 *table, int level, u64 gfn,
			     u64 from, ept_leaf_fn fn, void *arg)
{
	u64 span = 1ULL << (9 * level);
	int i, ret;

	for (i = 0; i < P2M_EPT_ENTRIES; i++) {
		u64 *e = &table[i];
		u64 g = gfn + i * span;

		if (!ept_used(*e) || g + span <= from)
			continue;
		if (ept_is_leaf(*e, level))
			ret = fn(ept, e, level, g, arg);
		else
			ret = ept_for_all_table(ept, ept_table(*e), level - 1,
						g, from, fn, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * ept_for_all_from() - visit the leaves of the EPT in gfn order, from one
 * @ept:  the EPT, its lock held
 * @from: the first gfn of interest: tables wholly below it are skipped,
 *	  and so are holes, so that the walk costs what is mapped, not
 *	  the span of guest-physical space
 * @fn:   as for ept_for_range(); called for every leaf that ends above
 *	  @from (its first gfn may be below)
 * @arg:  passed to @fn
 *
 * Return: 0, or what @fn returned to stop the walk.
 */
int ept_for_all_from(struct ept *ept, u64 from, ept_leaf_fn fn, void *arg)
{
	lockdep_assert_held(ept->lockp);
	return ept_for_all_table(ept, page_address(ept->root), 3, 0, from, fn,
				 arg);
}

/**
 * ept_unswap_locked() - put back one leaf a single step swapped
 * @ept: the EPT, its lock held
 * @sw:  the swap, active
 *
 * Unless an update replaced the leaf meanwhile (then it stays as the
 * update made it).
 *
 * Return: whether the leaf changed (the caller invalidates).
 */
bool ept_unswap_locked(struct ept *ept, struct ept_leaf_swap *sw)
{
	bool changed;
	int level;
	u64 *e;

	lockdep_assert_held(ept->lockp);
	e = ept_find_leaf(ept, sw->gpa, &level);
	changed = e && *e == sw->step;
	if (changed)
		WRITE_ONCE(*e, sw->saved);
	list_del_init(&sw->node);
	WRITE_ONCE(sw->active, false);
	return changed;
}

/**
 * ept_unswap_all() - put back every leaf a single step has swapped
 * @ept: the EPT, its lock held
 *
 * What a p2m update does first: built on a swapped leaf, it would keep
 * the step's rights or its scratch page for good, and a split would copy
 * them into all 512 smaller leaves. The step's access faults again and
 * is decided again, under the new p2m.
 *
 * Return: whether a leaf changed (the caller invalidates).
 */
bool ept_unswap_all(struct ept *ept)
{
	struct ept_leaf_swap *sw, *n;
	bool changed = false;

	list_for_each_entry_safe(sw, n, &ept->swaps, node)
		changed |= ept_unswap_locked(ept, sw);
	return changed;
}

/**
 * ept_for_all() - visit every leaf of the EPT
 * @ept: the EPT, its lock held
 * @fn:  as for ept_for_range()
 * @arg: passed to @fn
 *
 * Return: 0, or what @fn returned to stop the walk.
 */
int ept_for_all(struct ept *ept, ept_leaf_fn fn, void *arg)
{
	return ept_for_all_from(ept, 0, fn, arg);
}

/**
 * ept_set_leaf() - rebuild a leaf with a new type and access right
 * @ept:    the EPT, its lock held
 * @e:      the leaf
 * @level:  its level
 * @type:   THINVMX_P2M_*
 * @access: THINVMX_ACCESS_*
 * @ro:     the host frame is in the read-only MMIO set
 *
 * Return: true if a permission or the memory type went away, so that
 * cached translations must be invalidated before the change is relied on.
 */
bool ept_set_leaf(struct ept *ept, u64 *e, int level, u32 type, u32 access,
		  bool ro)
{
	u64 old = *e;
	u64 new = p2m_ept_entry(&ept->caps, old, old & EPT_ADDR_MASK, level,
				type, access, ro);

	WRITE_ONCE(*e, new);
	return (old & EPT_RWX & ~new) ||
	       ((old ^ new) & (7ULL << EPT_MT_SHIFT));
}

/**
 * ept_flush_this_cpu() - invalidate this EPT's translations on this CPU
 * @ept: the EPT
 *
 * Single-context INVEPT where the CPU has it, all contexts otherwise.
 * Context: preemption disabled, in VMX operation.
 */
void ept_flush_this_cpu(struct ept *ept)
{
	if (ept->invept_single)
		__invept(VMX_EPT_EXTENT_CONTEXT, ept->eptp, 0);
	else
		__invept(VMX_EPT_EXTENT_GLOBAL, 0, 0);
}

static void ept_invept_cpu(void *arg)
{
	/* a CPU on its way down or up flushes at its next VMXON */
	if (vmx_this_cpu_on())
		ept_flush_this_cpu(arg);
}

/**
 * ept_flush_all_cpus() - invalidate this EPT's cached translations
 * @ept: the EPT
 *
 * On every online CPU in VMX operation (all but one going down or coming
 * up, vmx_this_cpu_on()), and waits for them: once it returns, no CPU uses the old permissions; a
 * vCPU running in the guest elsewhere is made to exit by the IPI.
 */
void ept_flush_all_cpus(struct ept *ept)
{
	on_each_cpu(ept_invept_cpu, ept, 1);
}

/**
 * ept_eptp() - the EPT pointer for the VMCS (SDM 25.6.11)
 * @ept: the EPT
 * @ad:  whether to enable accessed and dirty flags
 *
 * Return: PML4 address | write-back paging structures | walk length 4 - 1.
 */
u64 ept_eptp(const struct ept *ept, bool ad)
{
	return page_to_phys(ept->root) | 6 | (3 << 3) | (ad ? BIT_ULL(6) : 0);
}
