// SPDX-License-Identifier: GPL-2.0
/*
 * The p2m ioctls of a domain fd: types and access rights of guest frames,
 * global type changes, dirty logging, direct MMIO mappings, and the
 * domain's sizes and counters. The decisions come from p2m.c; the tables
 * from ept.c.
 *
 * Every update runs under dom->p2m_lock (one at a time, may sleep: it
 * allocates split pages first) and ept->lock (the entries). Updates that
 * take permissions away end with an INVEPT on every CPU before the ioctl
 * returns.
 */
#include <linux/capability.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "domain.h"
#include "ept/mmio.h"
#include "ept/mmio_allow.h"
#include "ept/p2m_ops.h"
#include "msix/ro_mmio.h"

static bool tvx_is_ram_type(u32 type)
{
	return type == THINVMX_P2M_RAM_RW || type == THINVMX_P2M_RAM_RO ||
	       type == THINVMX_P2M_RAM_LOGDIRTY;
}

struct tvx_set_arg {
	bool is_type;
	u32 value;
	bool flush;		/* a permission went away */
};

/* first pass: every frame of the range may take the change */
static int tvx_set_check(struct ept *ept, u64 *e, int level, u64 gfn, void *a)
{
	struct tvx_set_arg *arg = a;

	if (arg->is_type && !tvx_is_ram_type(p2m_entry_type(*e)))
		return -EINVAL;
	return 0;
}

static int tvx_set_apply(struct ept *ept, u64 *e, int level, u64 gfn, void *a)
{
	struct tvx_set_arg *arg = a;
	u32 type = p2m_entry_type(*e), access = p2m_entry_access(*e);

	if (arg->is_type)
		type = arg->value;
	else
		access = arg->value;
	arg->flush |= ept_set_leaf(ept, e, level, type, access,
				   tvx_mmio_ro_leaf(*e, level));
	return 0;
}

/**
 * tvx_set_mem() - THINVMX_SET_MEM_TYPE and THINVMX_SET_MEM_ACCESS
 * @dom:     the domain
 * @uarg:    struct thinvmx_mem_range
 * @is_type: SET_MEM_TYPE (else SET_MEM_ACCESS)
 *
 * Superpages the range covers only in part are split (and only those);
 * every other frame keeps its type and access.
 *
 * Return: 0, -EFAULT, -EINVAL (bad value, reserved bits, a frame of the
 * range unmapped or, for types, not RAM: nothing changed), -ENOMEM.
 */
long tvx_set_mem(struct tvx_dom *dom, struct thinvmx_mem_range __user *uarg,
		 bool is_type)
{
	struct tvx_set_arg arg = { .is_type = is_type };
	struct ept_prealloc pa = { 0 };
	struct thinvmx_mem_range r;
	int ret;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (r.pad || r.reserved[0] || r.reserved[1] || !r.nr_frames ||
	    r.first_gfn + r.nr_frames < r.first_gfn ||
	    r.first_gfn + r.nr_frames > dom->max_gfn)
		return -EINVAL;
	if (is_type ? !tvx_is_ram_type(r.value) : r.value >= THINVMX_NR_ACCESS)
		return -EINVAL;
	arg.value = r.value;

	mutex_lock(&dom->p2m_lock);
	ret = ept_prealloc_fill(&pa, EPT_PREALLOC_MAX, 0);
	if (ret)
		goto out;
	spin_lock(&dom->ept.lock);
	arg.flush = ept_unswap_all(&dom->ept);
	ret = ept_for_range(&dom->ept, r.first_gfn, r.nr_frames, false, NULL,
			    tvx_set_check, &arg);
	if (ret == -ENOENT)
		ret = -EINVAL;
	if (!ret)
		ret = ept_for_range(&dom->ept, r.first_gfn, r.nr_frames, true,
				    &pa, tvx_set_apply, &arg);
	spin_unlock(&dom->ept.lock);
	if (arg.flush)
		tvx_p2m_flush(dom, r.first_gfn, r.nr_frames);
out:
	ept_prealloc_free(&pa);
	mutex_unlock(&dom->p2m_lock);
	return ret;
}

/**
 * tvx_get_mem_access() - THINVMX_GET_MEM_ACCESS
 * @dom:  the domain
 * @uarg: struct thinvmx_mem_query
 *
 * Return: 0, -EFAULT, -EINVAL (reserved bits, or the frame is unmapped).
 */
long tvx_get_mem_access(struct tvx_dom *dom,
			struct thinvmx_mem_query __user *uarg)
{
	struct thinvmx_mem_query q;
	int level;
	u64 e;

	if (copy_from_user(&q, uarg, sizeof(q)))
		return -EFAULT;
	if (q.reserved[0] || q.reserved[1] || q.gfn >= dom->max_gfn)
		return -EINVAL;
	e = ept_lookup(&dom->ept, q.gfn << PAGE_SHIFT, &level);
	if (!e)
		return -EINVAL;
	q.type = p2m_entry_type(e);
	q.access = p2m_entry_access(e);
	return copy_to_user(uarg, &q, sizeof(q)) ? -EFAULT : 0;
}

struct tvx_global_arg {
	u32 from, to;
	bool flush;
};

static int tvx_global_apply(struct ept *ept, u64 *e, int level, u64 gfn, void *a)
{
	struct tvx_global_arg *arg = a;

	if (p2m_entry_type(*e) != arg->from)
		return 0;
	arg->flush |= ept_set_leaf(ept, e, level, arg->to, p2m_entry_access(*e),
				   tvx_mmio_ro_leaf(*e, level));
	return 0;
}

static void tvx_change_all(struct tvx_dom *dom, u32 from, u32 to)
{
	struct tvx_global_arg arg = { .from = from, .to = to };

	spin_lock(&dom->ept.lock);
	arg.flush = ept_unswap_all(&dom->ept);
	ept_for_all(&dom->ept, tvx_global_apply, &arg);
	spin_unlock(&dom->ept.lock);
	if (arg.flush)
		tvx_p2m_flush(dom, 0, U64_MAX);
}

/**
 * tvx_change_type_global() - THINVMX_CHANGE_TYPE_GLOBAL
 * @dom:  the domain
 * @uarg: struct thinvmx_type_change
 *
 * Return: 0, -EFAULT, or -EINVAL (reserved bits, or a change p2m.c's
 * rule refuses: to or from mmio_direct unless from == to).
 */
long tvx_change_type_global(struct tvx_dom *dom,
			    struct thinvmx_type_change __user *uarg)
{
	struct thinvmx_type_change c;
	int ret;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.reserved[0] || c.reserved[1])
		return -EINVAL;
	ret = p2m_change_type_ok(c.from, c.to);
	if (ret)
		return ret;
	/* while logging, RAM_LOGDIRTY belongs to the dirty log */
	mutex_lock(&dom->p2m_lock);
	tvx_change_all(dom, c.from, c.to);
	mutex_unlock(&dom->p2m_lock);
	return 0;
}

/* ------------------------------------------------------------ dirty log */

/* The next superpage of RAM at or above @from (MMIO's stay whole). */
struct tvx_big_arg {
	u64 from;
	u64 gfn;
	bool found;
};

static int tvx_find_big(struct ept *ept, u64 *e, int level, u64 gfn, void *a)
{
	struct tvx_big_arg *arg = a;

	if (level == EPT_LEVEL_4K || gfn < arg->from ||
	    !tvx_is_ram_type(p2m_entry_type(*e)))
		return 0;
	arg->gfn = gfn;
	arg->found = true;
	return 1;
}

/*
 * Dirty logging tracks 4 KiB frames: superpages of RAM are split first,
 * in gfn order, as many a pass as the pool allows (a one-frame range
 * splits the superpage that holds it down to 4 KiB), with the lock
 * dropped and the CPU given up between passes. Each pass walks only
 * what is mapped, from where the last one stopped: a domain with RAM at
 * 0 and near the top of its address space costs its RAM, not its span.
 */
static int tvx_split_all_ram(struct tvx_dom *dom)
{
	struct tvx_big_arg arg = { 0 };
	struct ept_prealloc pa = { 0 };
	bool flush = false;
	int ret;

	do {
		ret = ept_prealloc_fill(&pa, EPT_PREALLOC_MAX, 0);
		if (ret)
			break;
		spin_lock(&dom->ept.lock);
		flush |= ept_unswap_all(&dom->ept);
		while (pa.nr >= 2) {	/* a GiB down to 4 KiB takes two */
			arg.found = false;
			ept_for_all_from(&dom->ept, arg.from, tvx_find_big, &arg);
			if (!arg.found)
				break;
			ret = ept_for_range(&dom->ept, arg.gfn, 1, true, &pa,
					    tvx_set_check, &(struct tvx_set_arg){ 0 });
			if (ret)
				break;
			/* the rest of a split GiB is 2 MiB leaves above it */
			arg.from = arg.gfn;
		}
		spin_unlock(&dom->ept.lock);
		cond_resched();
	} while (!ret && arg.found);
	if (flush)
		tvx_p2m_flush(dom, 0, U64_MAX);
	ept_prealloc_free(&pa);
	return ret;
}

/* The dirty log's bitmap pages: TVX_DIRTY_PAGE_FRAMES frames each. */
#define TVX_DIRTY_PAGE_FRAMES	(PAGE_SIZE * BITS_PER_BYTE)
#define TVX_DIRTY_PAGE_WORDS	(PAGE_SIZE / sizeof(unsigned long))

/* A zeroed bitmap page for every RAM chunk's frames. */
static int tvx_dirty_alloc(struct tvx_dom *dom)
{
	u64 idx, last;
	void *p;
	u32 i;
	int ret;

	for (i = 0; i < dom->nr_chunks; i++) {
		const struct tvx_chunk *c = &dom->chunks[i];

		last = (c->gfn + (1ULL << c->order) - 1) / TVX_DIRTY_PAGE_FRAMES;
		for (idx = c->gfn / TVX_DIRTY_PAGE_FRAMES; idx <= last; idx++) {
			if (xa_load(&dom->dirty, idx))
				continue;
			p = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
			if (!p)
				return -ENOMEM;
			ret = xa_err(xa_store(&dom->dirty, idx, p,
					      GFP_KERNEL_ACCOUNT));
			if (ret) {
				free_page((unsigned long)p);
				return ret;
			}
		}
		cond_resched();
	}
	return 0;
}

/**
 * tvx_dirty_free() - give back the dirty log's bitmap pages
 * @dom: the domain, not logging (or going away)
 */
void tvx_dirty_free(struct tvx_dom *dom)
{
	unsigned long idx;
	void *p;

	xa_for_each(&dom->dirty, idx, p)
		free_page((unsigned long)p);
	xa_destroy(&dom->dirty);
}

struct tvx_reprotect_arg {
	const unsigned long *bits;	/* frames to make logdirty again */
	u64 first, end;
};

/* ept_for_all_from() callback: holes in the range are skipped. */
static int tvx_reprotect(struct ept *ept, u64 *e, int level, u64 gfn, void *a)
{
	struct tvx_reprotect_arg *arg = a;

	if (gfn >= arg->end)
		return 1;
	if (level == EPT_LEVEL_4K && gfn >= arg->first &&
	    test_bit(gfn - arg->first, arg->bits) &&
	    p2m_entry_type(*e) == THINVMX_P2M_RAM_RW)
		ept_set_leaf(ept, e, level, THINVMX_P2M_RAM_LOGDIRTY,
			     p2m_entry_access(*e), false);
	return 0;
}

/*
 * Take the dirty bits of @dl's range into *@out (kvfree() it), the frames
 * write-protected again. The caller copies them out once it has dropped
 * dom->p2m_lock: no user access under it (the lock order, domain.h).
 */
static long tvx_dirty_get(struct tvx_dom *dom, struct thinvmx_dirty_log *dl,
			  unsigned long **out)
{
	struct tvx_reprotect_arg arg;
	unsigned long *bits;
	u64 i, words = dl->nr_frames / BITS_PER_LONG;

	if (!dom->dirty_frames)
		return -EINVAL;
	if (dl->nr_frames % 64 || dl->first_gfn % 64 ||
	    dl->first_gfn + dl->nr_frames < dl->first_gfn ||
	    dl->first_gfn + dl->nr_frames > dom->dirty_frames)
		return -EINVAL;
	bits = kvmalloc_array(max(words, 1ULL), sizeof(*bits), GFP_KERNEL);
	if (!bits)
		return -ENOMEM;
	/*
	 * Take the bits first, then write-protect what they report, then
	 * invalidate: a write between the first two steps lands in a frame
	 * reported now; a write after the last faults and is logged again.
	 */
	for (i = 0; i < words; i++) {
		u64 w = dl->first_gfn / BITS_PER_LONG + i;
		unsigned long *page = xa_load(&dom->dirty,
					      w / TVX_DIRTY_PAGE_WORDS);

		bits[i] = page ? xchg(&page[w % TVX_DIRTY_PAGE_WORDS], 0) : 0;
	}
	arg.bits = bits;
	arg.first = dl->first_gfn;
	arg.end = dl->first_gfn + dl->nr_frames;
	spin_lock(&dom->ept.lock);
	ept_unswap_all(&dom->ept);	/* the INVEPT below covers it */
	ept_for_all_from(&dom->ept, arg.first, tvx_reprotect, &arg);
	spin_unlock(&dom->ept.lock);
	tvx_p2m_flush(dom, 0, U64_MAX);
	*out = bits;
	return 0;
}

/**
 * tvx_dirty_log() - THINVMX_DIRTY_LOG
 * @dom:  the domain
 * @uarg: struct thinvmx_dirty_log
 *
 * Return: 0, -EFAULT, -EINVAL (bad op or range, reserved bits, GET while
 * not logging, START while logging), -ENOMEM.
 */
long tvx_dirty_log(struct tvx_dom *dom, struct thinvmx_dirty_log __user *uarg)
{
	struct thinvmx_dirty_log dl;
	unsigned long *bits = NULL;
	long ret = 0;

	if (copy_from_user(&dl, uarg, sizeof(dl)))
		return -EFAULT;
	if (dl.pad || dl.reserved[0] || dl.reserved[1])
		return -EINVAL;

	mutex_lock(&dom->p2m_lock);
	switch (dl.op) {
	case THINVMX_DIRTY_LOG_START:
		if (dom->dirty_frames) {
			ret = -EINVAL;
			break;
		}
		ret = tvx_split_all_ram(dom);
		if (!ret)
			ret = tvx_dirty_alloc(dom);
		if (ret) {
			tvx_dirty_free(dom);
			break;
		}
		spin_lock(&dom->ept.lock);
		dom->dirty_frames = ALIGN(dom->max_gfn, 64);
		spin_unlock(&dom->ept.lock);
		tvx_change_all(dom, THINVMX_P2M_RAM_RW, THINVMX_P2M_RAM_LOGDIRTY);
		break;
	case THINVMX_DIRTY_LOG_GET:
		ret = tvx_dirty_get(dom, &dl, &bits);
		break;
	case THINVMX_DIRTY_LOG_STOP:
		if (!dom->dirty_frames) {
			ret = -EINVAL;
			break;
		}
		tvx_change_all(dom, THINVMX_P2M_RAM_LOGDIRTY, THINVMX_P2M_RAM_RW);
		/* no fault marks a page after this: they mark under the lock */
		spin_lock(&dom->ept.lock);
		dom->dirty_frames = 0;
		spin_unlock(&dom->ept.lock);
		tvx_dirty_free(dom);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	mutex_unlock(&dom->p2m_lock);
	if (bits && copy_to_user(u64_to_user_ptr(dl.bitmap), bits,
				 dl.nr_frames / BITS_PER_BYTE))
		ret = -EFAULT;
	kvfree(bits);
	return ret;
}

/**
 * tvx_logdirty_mark() - a guest wrote a RAM_LOGDIRTY frame
 * @dom: the domain
 * @gfn: the frame
 *
 * Context: dom->ept.lock held.
 */
void tvx_logdirty_mark(struct tvx_dom *dom, u64 gfn)
{
	unsigned long *page;

	if (gfn >= dom->dirty_frames)
		return;
	page = xa_load(&dom->dirty, gfn / TVX_DIRTY_PAGE_FRAMES);
	if (page)
		set_bit(gfn % TVX_DIRTY_PAGE_FRAMES, page);
}

/* ------------------------------------------------------------ MMIO */

/*
 * The largest leaf for the frames at @gfn -> @mfn: a superpage where both
 * are aligned to it, the range holds all of it, the CPU has it, and none
 * of its host frames is in the read-only set (ro_mmio.c keeps that true
 * of every mmio_direct superpage leaf).
 */
static int tvx_mmio_level(struct tvx_dom *dom, u64 gfn, u64 mfn, u64 nr)
{
	int level = p2m_map_level(&dom->ept.caps, gfn, mfn, nr, EPT_LEVEL_1G);

	while (level > EPT_LEVEL_4K &&
	       tvx_mmio_ro_any(mfn << PAGE_SHIFT, BIT_ULL(9 * level)))
		level--;
	return level;
}

/*
 * The arguments alone: sizes, wrap-around, guest and host address widths.
 * Checked before the gate, so that a range no domain could take is
 * -EINVAL whatever the host has there.
 */
static int tvx_map_mmio_check(struct tvx_dom *dom, u64 gfn, u64 mfn, u64 nr)
{
	if (!nr || nr > (1ULL << 40) >> PAGE_SHIFT || gfn + nr < gfn ||
	    mfn + nr < mfn || gfn + nr > ept_gfn_limit() ||
	    mfn + nr > BIT_ULL(boot_cpu_data.x86_phys_bits - PAGE_SHIFT))
		return -EINVAL;
	return 0;
}

/**
 * tvx_map_mmio_frames() - map host device frames as MMIO_DIRECT
 * @dom: the domain
 * @gfn: first guest frame
 * @mfn: first host frame
 * @nr:  frames
 *
 * The caller has asked the gate (tvx_mmio_gate()). The host range must
 * also be device memory the host knows of, never RAM; the guest range
 * neither RAM nor mapped. Frames in the read-only set get no
 * write permission. Each part of the range is mapped with the largest leaf
 * that fits it (tvx_mmio_level()): a 1 GiB-aligned GiB of guest frames on
 * a 1 GiB-aligned GiB of host frames is one 1 GiB leaf.
 *
 * Return: 0, -EINVAL (nothing mapped then), -ENOMEM.
 */
int tvx_map_mmio_frames(struct tvx_dom *dom, u64 gfn, u64 mfn, u64 nr)
{
	u64 i, pages, gpa, hpa = mfn << PAGE_SHIFT, size = nr << PAGE_SHIFT;
	int ret, level;

	ret = tvx_map_mmio_check(dom, gfn, mfn, nr);
	if (ret)
		return ret;
	/* device memory the host knows of, and never RAM */
	if (region_intersects(hpa, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT ||
	    region_intersects(hpa, size, IORESOURCE_MEM, IORES_DESC_NONE) ==
	    REGION_DISJOINT)
		return -EINVAL;

	mutex_lock(&dom->p2m_lock);
	for (i = 0; i < nr; i++) {
		gpa = (gfn + i) << PAGE_SHIFT;
		if (memmap_is_ram(dom->map, gfn + i) ||
		    ept_lookup(&dom->ept, gpa, &level)) {
			ret = -EINVAL;
			goto out;
		}
	}
	/* before any vCPU can reach the device (vmx/spec.c) */
	WRITE_ONCE(dom->direct_mmio, true);
	for (i = 0; i < nr; i += pages) {
		level = tvx_mmio_level(dom, gfn + i, mfn + i, nr - i);
		pages = BIT_ULL(9 * level);
		gpa = (gfn + i) << PAGE_SHIFT;
		hpa = (mfn + i) << PAGE_SHIFT;
		ret = ept_map(&dom->ept, gpa, hpa, level,
			      THINVMX_P2M_MMIO_DIRECT, THINVMX_ACCESS_RWX,
			      tvx_mmio_ro(hpa));
		if (ret)
			break;
	}
	/*
	 * A failure half way leaves the first frames mapped: unmapping is
	 * not there yet, so say what happened rather than hide it.
	 */
	if (ret)
		pr_warn_ratelimited("domain %u: MMIO mapping stopped at frame %llu: %d\n",
				    dom->id, i, ret);
	/* the frames mapped are the domain's, also when it stopped half way */
	dom->max_gfn = max(dom->max_gfn, gfn + i);
out:
	mutex_unlock(&dom->p2m_lock);
	return ret;
}

struct tvx_unmap_arg {
	u64 first, last;	/* host bytes */
	u64 frames;		/* unmapped */
};

static int tvx_unmap_mmio_leaf(struct ept *ept, u64 *e, int level, u64 gfn,
			       void *p)
{
	struct tvx_unmap_arg *a = p;
	u64 size = 1ULL << EPT_LEVEL_SHIFT(level);
	u64 hpa = *e & GENMASK_ULL(51, EPT_LEVEL_SHIFT(level));

	if (p2m_entry_type(*e) != THINVMX_P2M_MMIO_DIRECT ||
	    hpa > a->last || hpa + size - 1 < a->first)
		return 0;
	/* a superpage over more than the range goes whole: never less */
	WRITE_ONCE(*e, 0);
	ept->leaves[level]--;
	a->frames += size >> PAGE_SHIFT;
	return 0;
}

/**
 * tvx_unmap_mmio_host() - take host device memory out of a domain's p2m
 * @dom:   the domain
 * @first: first host byte
 * @last:  last host byte
 *
 * Every mmio_direct leaf that maps any of it is cleared (a superpage
 * reaching past the range whole), and no CPU caches it when this
 * returns. The guest frames become emulated MMIO: an access is an exit
 * to the VMM. For a device given back (iommu/assign.c), whose DMA the
 * guest must not program any more, and a mapping the gate no longer
 * allows.
 *
 * Return: the guest frames unmapped.
 */
u64 tvx_unmap_mmio_host(struct tvx_dom *dom, u64 first, u64 last)
{
	struct tvx_unmap_arg a = { .first = first, .last = last };

	mutex_lock(&dom->p2m_lock);
	spin_lock(&dom->ept.lock);
	ept_unswap_all(&dom->ept);
	ept_for_all(&dom->ept, tvx_unmap_mmio_leaf, &a);
	spin_unlock(&dom->ept.lock);
	/* unconditionally: ept_unswap_all() may have changed a leaf too */
	tvx_p2m_flush(dom, 0, U64_MAX);
	mutex_unlock(&dom->p2m_lock);
	return a.frames;
}

/**
 * tvx_map_mmio() - THINVMX_MAP_MMIO
 * @dom:  the domain
 * @uarg: struct thinvmx_map_mmio
 *
 * The host range must pass the gate (ept/mmio_allow.c): inside a memory
 * BAR of a device assigned to the domain or an administrator's allowed
 * range, and nothing the host keeps for itself.
 *
 * Return: 0, -EFAULT, -EPERM (not CAP_SYS_ADMIN, kernel lockdown, a
 * range the gate refuses), -EINVAL (reserved bits, a range that cuts a
 * BAR), or as tvx_map_mmio_frames().
 */
long tvx_map_mmio(struct tvx_dom *dom, struct thinvmx_map_mmio __user *uarg)
{
	struct thinvmx_map_mmio m;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.reserved[0] || m.reserved[1])
		return -EINVAL;
	ret = tvx_map_mmio_check(dom, m.gfn, m.mfn, m.nr_frames);
	if (ret)
		return ret;
	ret = tvx_mmio_gate(dom->id, m.mfn, m.nr_frames, NULL);
	if (ret)
		return ret;
	ret = tvx_map_mmio_frames(dom, m.gfn, m.mfn, m.nr_frames);
	if (ret)
		return ret;
	/*
	 * The device whose BAR allowed it may have been given back since the
	 * gate: DEASSIGN_DEVICE unmaps its BARs after it drops the device, so
	 * either that unmap saw this mapping or this second look sees the
	 * device gone.
	 */
	ret = tvx_mmio_gate(dom->id, m.mfn, m.nr_frames, NULL);
	if (ret)
		tvx_unmap_mmio_host(dom, m.mfn << PAGE_SHIFT,
				    ((m.mfn + m.nr_frames) << PAGE_SHIFT) - 1);
	return ret;
}

/**
 * tvx_get_domain_info() - THINVMX_GET_DOMAIN_INFO
 * @dom:  the domain
 * @uarg: struct thinvmx_domain_info
 *
 * Return: 0 or -EFAULT.
 */
long tvx_get_domain_info(struct tvx_dom *dom,
			 struct thinvmx_domain_info __user *uarg)
{
	struct thinvmx_domain_info info;
	u32 i;

	memset(&info, 0, sizeof(info));
	info.id = dom->id;
	mutex_lock(&dom->lock);
	for (i = 0; i < THINVMX_MAX_VCPUS; i++)
		info.nr_vcpus += !!dom->vcpus[i];
	mutex_unlock(&dom->lock);
	info.ram_pages = dom->map->ram_bytes >> PAGE_SHIFT;
	spin_lock(&dom->ept.lock);
	info.ept_table_pages = dom->ept.table_pages;
	info.ept_leaves_4k = dom->ept.leaves[EPT_LEVEL_4K];
	info.ept_leaves_2m = dom->ept.leaves[EPT_LEVEL_2M];
	info.ept_leaves_1g = dom->ept.leaves[EPT_LEVEL_1G];
	spin_unlock(&dom->ept.lock);
	info.mem_access_violations = atomic64_read(&dom->mem_access_violations);
	info.logdirty_faults = atomic64_read(&dom->logdirty_faults);
	info.ram_ro_writes_discarded = atomic64_read(&dom->ram_ro_writes_discarded);
	info.mmio_ro_writes_discarded = atomic64_read(&dom->mmio_ro_writes_discarded);
	info.l1d_flushes = atomic64_read(&dom->l1d_flushes);
	info.nx_huge_splits = atomic64_read(&dom->nx_huge_splits);
	if (dom->ept.caps.nx_huge)
		info.flags |= THINVMX_INFO_NX_HUGE_PAGES;
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}
