// SPDX-License-Identifier: GPL-2.0
/*
 * The read-only MMIO set (references 000, 001): host frames every guest
 * may read but never write, because a CPU write there bypasses any IOMMU
 * (an MSI-X table entry rewritten by a guest would send interrupts where
 * the guest likes). One set for all domains.
 *
 * Writers (registrations, under ro_lock) build a new copy of the set and
 * publish it with RCU; the EPT code asks tvx_mmio_ro() from its fault path
 * without a lock. Every change is followed by re-applying the MMIO_DIRECT
 * mappings of every domain, and their INVEPT, before it returns: the hook
 * tvx_ro_init() sets (ept/mmio.c does the work, domain.c the fan-out).
 *
 * Lock order: assign_lock (iommu/assign.c: a device's BAR is registered
 * and dropped while its assignment is held), then ro_lock, then the domain
 * list, then a domain's p2m_lock and EPT lock.
 */
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../ept/mmio_gate.h"
#include "../iommu/assign.h"
#include "pci_decode.h"
#include "rangeset.h"
#include "ro_mmio.h"

/* Enough for 256 devices' tables and PBAs and an administrator's ranges. */
#define RO_MAX_RANGES		1024

struct ro_snap {
	struct rcu_head rcu;
	struct rangeset set;
	struct rangeset_range r[RO_MAX_RANGES];
};

/*
 * One registration: what a range serves. RO_ASSIGNED records that
 * ASSIGN_DEVICE_BAR mapped a BAR of a device for a domain (with or without
 * MSI-X), so that a second is -EEXIST; it holds no frames and grants
 * nothing (what a domain may map follows iommu/assign.c).
 */
#define RO_ASSIGNED		0

struct ro_rec {
	struct list_head node;
	u32 kind;		/* THINVMX_RO_* or RO_ASSIGNED */
	u32 sbdf;
	u32 domain;
	u64 first, last;
};

static DEFINE_MUTEX(ro_lock);
static struct ro_snap __rcu *ro_current;
static LIST_HEAD(ro_recs);		/* under ro_lock */
static unsigned int ro_nr_recs;

/**
 * tvx_mmio_ro() - whether a host frame is in the read-only MMIO set
 * @hpa: host physical address
 *
 * Context: any; lock-free (RCU).
 * Return: true if guests may read but not write it.
 */
bool tvx_mmio_ro(u64 hpa)
{
	struct ro_snap *s;
	bool ro = false;

	rcu_read_lock();
	s = rcu_dereference(ro_current);
	if (s)
		ro = rangeset_contains(&s->set, hpa >> PAGE_SHIFT);
	rcu_read_unlock();
	return ro;
}

/**
 * tvx_mmio_ro_any() - whether a range of host frames holds a read-only one
 * @hpa: host physical address of the first frame
 * @nr:  frames, at least one
 *
 * Context: any; lock-free (RCU).
 * Return: true if any frame of the range is in the read-only set.
 */
bool tvx_mmio_ro_any(u64 hpa, u64 nr)
{
	u64 first = hpa >> PAGE_SHIFT;
	struct ro_snap *s;
	bool ro = false;

	rcu_read_lock();
	s = rcu_dereference(ro_current);
	if (s)
		ro = rangeset_overlaps(&s->set, first, first + nr - 1);
	rcu_read_unlock();
	return ro;
}

/**
 * tvx_ro_ranges() - a copy of the set's ranges, taken without its lock
 * @nr: set to the number of ranges copied
 *
 * For host mode (host/host_msix.c), which reads the set from the hook
 * tvx_ro_init() sets, i.e. with ro_lock held by the caller of the hook,
 * and from under its own lock, which that hook takes: so not ro_lock.
 * The copy is of the set as published last (RCU).
 *
 * Context: process context, may sleep.
 * Return: an array of *@nr ranges to free with kvfree() (NULL with *@nr
 * 0 when the set is empty), or an ERR_PTR(-ENOMEM).
 */
struct rangeset_range *tvx_ro_ranges(u32 *nr)
{
	struct rangeset_range *out;
	struct ro_snap *s;
	u32 n = 0;

	*nr = 0;
	out = kvmalloc_array(RO_MAX_RANGES, sizeof(*out), GFP_KERNEL);
	if (!out)
		return ERR_PTR(-ENOMEM);
	rcu_read_lock();
	s = rcu_dereference(ro_current);
	if (s) {
		n = min_t(u32, s->set.nr, RO_MAX_RANGES);
		memcpy(out, s->set.r, n * sizeof(*out));
	}
	rcu_read_unlock();
	if (!n) {
		kvfree(out);
		return NULL;
	}
	*nr = n;
	return out;
}

/*
 * What follows every change of the set: the domains' MMIO_DIRECT mappings
 * re-applied (their INVEPT done), set by tvx_ro_init(). The set knows
 * nothing of EPT; the top of the module ties the two together.
 */
static void (*ro_reapply)(void);

static void ro_changed(void)
{
	lockdep_assert_held(&ro_lock);
	if (ro_reapply)
		ro_reapply();
}

/**
 * tvx_ro_init() - say what re-applies the set to the domains
 * @reapply: called, under the set's lock, after every change
 */
void tvx_ro_init(void (*reapply)(void))
{
	ro_reapply = reapply;
}

/* A new copy of the set, changed by @add or remove of [s, e]; ro_lock held. */
static int ro_change(u64 s, u64 e, bool add)
{
	struct ro_snap *old = rcu_dereference_protected(ro_current,
						lockdep_is_held(&ro_lock));
	struct ro_snap *new;
	int ret;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	rangeset_init(&new->set, new->r, RO_MAX_RANGES);
	if (old) {
		ret = rangeset_copy(&new->set, &old->set);
		if (ret)
			goto err;
	}
	ret = add ? rangeset_add(&new->set, s, e) : rangeset_remove(&new->set, s, e);
	if (ret)
		goto err;
	rcu_assign_pointer(ro_current, new);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
err:
	kfree(new);
	return ret;
}

static struct ro_rec *ro_find(u32 kind, u64 first, u64 last, u32 sbdf, u32 domain)
{
	struct ro_rec *r;

	list_for_each_entry(r, &ro_recs, node)
		if (r->kind == kind && r->first == first && r->last == last &&
		    r->sbdf == sbdf && r->domain == domain)
			return r;
	return NULL;
}

static int ro_register(u32 kind, u64 first, u64 last, u32 sbdf, u32 domain)
{
	struct ro_rec *r;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	ret = ro_change(first, last, true);
	if (ret) {
		kfree(r);
		return ret;
	}
	r->kind = kind;
	r->first = first;
	r->last = last;
	r->sbdf = sbdf;
	r->domain = domain;
	list_add_tail(&r->node, &ro_recs);
	ro_nr_recs++;
	return 0;
}

static void ro_unregister(struct ro_rec *r)
{
	/*
	 * What was added can be removed, unless the set is full and the
	 * removal splits a range: the frames then stay read-only, which is
	 * the safe way to fail.
	 */
	if (r->kind != RO_ASSIGNED && ro_change(r->first, r->last, false))
		pr_warn("read-only set full: frames %#llx-%#llx stay read-only\n",
			r->first, r->last);
	list_del(&r->node);
	if (r->kind != RO_ASSIGNED)
		ro_nr_recs--;
	kfree(r);
}

/* Note that @sbdf is assigned to domain @domain (no frames). */
static int ro_mark_assigned(u32 sbdf, u32 domain)
{
	struct ro_rec *r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);

	if (!r)
		return -ENOMEM;
	r->kind = RO_ASSIGNED;
	r->sbdf = sbdf;
	r->domain = domain;
	list_add_tail(&r->node, &ro_recs);
	return 0;
}

/**
 * tvx_ro_admin_range() - add or remove an administrator's range
 * @first_mfn: first host frame
 * @last_mfn:  last host frame, inclusive
 * @add:       add (else remove) one administrator's use of the range
 *
 * What THINVMX_RO_ADD/THINVMX_RO_REMOVE and the netlink family's
 * RO_ADD/RO_REMOVE do once the caller's privilege has been checked: every
 * domain's MMIO_DIRECT mappings follow the set before this returns.
 *
 * Return: 0, -EINVAL (last < first, beyond 52 physical address bits),
 * -ENOSPC (the set is full), -ENOENT (no such administrator range),
 * -ENOMEM.
 */
int tvx_ro_admin_range(u64 first_mfn, u64 last_mfn, bool add)
{
	struct ro_rec *rec;
	int ret;

	if (last_mfn < first_mfn || last_mfn > TVX_RO_MAX_MFN)
		return -EINVAL;
	mutex_lock(&ro_lock);
	if (add) {
		ret = ro_register(THINVMX_RO_ADMIN, first_mfn, last_mfn, 0, 0);
	} else {
		rec = ro_find(THINVMX_RO_ADMIN, first_mfn, last_mfn, 0, 0);
		ret = rec ? 0 : -ENOENT;
		if (rec)
			ro_unregister(rec);
	}
	if (!ret)
		ro_changed();
	mutex_unlock(&ro_lock);
	return ret;
}

/**
 * tvx_ro_admin() - THINVMX_RO_ADD and THINVMX_RO_REMOVE
 * @uarg: struct thinvmx_ro_range
 * @add:  add (else remove) one administrator's use of the range
 *
 * Return: 0, -EFAULT, -EPERM, -EINVAL (reserved bits, last < first),
 * -ENOSPC (the set is full), -ENOENT (no such administrator range),
 * -ENOMEM.
 */
long tvx_ro_admin(struct thinvmx_ro_range __user *uarg, bool add)
{
	struct thinvmx_ro_range r;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (r.reserved[0] || r.reserved[1])
		return -EINVAL;
	return tvx_ro_admin_range(r.first_mfn, r.last_mfn, add);
}

/**
 * tvx_ro_entries() - every registration of the read-only set, as a copy
 * @nr: set to the number of entries
 *
 * One entry per administrator's range and per device table or PBA
 * assigned to a domain, in the order they were registered, as
 * THINVMX_RO_LIST and the netlink family's RO_LIST report them.
 *
 * Return: an array of *@nr entries (at least one allocated) to free with
 * kvfree(), or NULL for lack of memory.
 */
struct thinvmx_ro_entry *tvx_ro_entries(u32 *nr)
{
	struct thinvmx_ro_entry *out;
	struct ro_snap *s;
	struct ro_rec *r;
	u32 n = 0;

	mutex_lock(&ro_lock);
	out = kvcalloc(max(ro_nr_recs, 1U), sizeof(*out), GFP_KERNEL);
	if (!out)
		goto unlock;
	s = rcu_dereference_protected(ro_current, lockdep_is_held(&ro_lock));
	list_for_each_entry(r, &ro_recs, node) {
		if (r->kind == RO_ASSIGNED)
			continue;
		out[n++] = (struct thinvmx_ro_entry) {
			.first_mfn = r->first, .last_mfn = r->last,
			.kind = r->kind, .sbdf = r->sbdf, .domain = r->domain,
			.users = s ? rangeset_users(&s->set, r->first) : 0,
		};
	}
	*nr = n;
unlock:
	mutex_unlock(&ro_lock);
	return out;
}

/**
 * tvx_ro_list() - THINVMX_RO_LIST
 * @uarg: struct thinvmx_ro_list
 *
 * Host frame numbers are CAP_SYS_ADMIN's, as /proc/self/pagemap's PFNs
 * are: a member of the device's group sees none.
 *
 * Return: 0, -EPERM (not CAP_SYS_ADMIN), -EFAULT, -EINVAL (reserved
 * bits), -ENOMEM.
 */
long tvx_ro_list(struct thinvmx_ro_list __user *uarg)
{
	struct thinvmx_ro_entry *out;
	struct thinvmx_ro_list l;
	long ret = 0;
	u32 n;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&l, uarg, sizeof(l)))
		return -EFAULT;
	if (l.reserved[0] || l.reserved[1])
		return -EINVAL;
	out = tvx_ro_entries(&n);
	if (!out)
		return -ENOMEM;
	if ((min(l.max, n) && copy_to_user(u64_to_user_ptr(l.entries), out,
					   min(l.max, n) * sizeof(*out))))
		ret = -EFAULT;
	l.nr = n;
	if (!ret && copy_to_user(uarg, &l, sizeof(l)))
		ret = -EFAULT;
	kvfree(out);
	return ret;
}

/* A device's configuration space and MSI-X, decoded. */
static int ro_decode_device(u32 sbdf, struct pci_dev **pdev_out,
			    struct pci_msix_info *info)
{
	struct pci_dev *pdev;
	u8 *cfg;
	int i, ret;

	pdev = pci_get_domain_bus_and_slot(sbdf >> 16, (sbdf >> 8) & 0xff,
					   sbdf & 0xff);
	if (!pdev)
		return -ENODEV;
	cfg = kzalloc(PCI_CFG_SPACE_SIZE, GFP_KERNEL);
	if (!cfg) {
		pci_dev_put(pdev);
		return -ENOMEM;
	}
	for (i = 0; i < PCI_CFG_SPACE_SIZE; i += 4)
		pci_read_config_dword(pdev, i, (u32 *)(cfg + i));
	ret = pci_msix_decode(cfg, PCI_CFG_SPACE_SIZE, info);
	kfree(cfg);
	if (ret && info->bad_bar != PCI_DEC_NO_BAD_BAR)
		pr_warn_ratelimited("%s: MSI-X BAR %u cannot be decoded: %s\n",
				    pci_name(pdev), info->bad_bar,
				    pci_decode_bar_error_name(info->bar_error));
	if (pdev_out)
		*pdev_out = pdev;
	else
		pci_dev_put(pdev);
	return ret;
}

/**
 * tvx_pci_msix_info() - THINVMX_PCI_MSIX_INFO
 * @uarg: struct thinvmx_msix_info
 *
 * Host frame numbers: CAP_SYS_ADMIN only, as for tvx_ro_list().
 *
 * Return: 0, -EPERM (not CAP_SYS_ADMIN), -EFAULT, -EINVAL (reserved
 * bits, a BAR that does not decode), -ENODEV (no such device), -ENOENT
 * (no MSI-X capability).
 */
long tvx_pci_msix_info(struct thinvmx_msix_info __user *uarg)
{
	struct thinvmx_msix_info m;
	struct pci_msix_info info;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.reserved[0] || m.reserved[1])
		return -EINVAL;
	ret = ro_decode_device(m.sbdf, NULL, &info);
	if (ret)
		return ret;
	m.nr_entries = info.nr_entries;
	m.table_bir = info.table_bir;
	m.pba_bir = info.pba_bir;
	m.table_offset = info.table_offset;
	m.pba_offset = info.pba_offset;
	m.table_first_mfn = info.table_first_frame;
	m.table_last_mfn = info.table_last_frame;
	m.pba_first_mfn = info.pba_first_frame;
	m.pba_last_mfn = info.pba_last_frame;
	return copy_to_user(uarg, &m, sizeof(m)) ? -EFAULT : 0;
}

/**
 * tvx_ro_device_bar() - the read-only set's part of THINVMX_ASSIGN_DEVICE_BAR
 * @domain: the domain's id
 * @b:      what the caller asked for, copied in
 * @map:    maps the BAR's frames MMIO_DIRECT into the domain
 * @ctx:    for @map
 *
 * The device's MSI-X table and PBA (if it has MSI-X) join the read-only
 * set for this domain first, then @map maps the BAR; a failure at any
 * step undoes the earlier ones. tvx_ro_device_gone() drops them again.
 *
 * Context: the caller (iommu/assign.c) has checked CAP_SYS_ADMIN and holds
 * the device's assignment to @domain; may sleep.
 * Return: 0, -EINVAL (reserved bits, not a memory BAR, a BAR smaller than
 * a page or not page aligned, a table or PBA BAR that cannot be decoded:
 * logged, naming the BAR), or what @map returns, -ENODEV, -EBUSY (a host
 * driver is bound), -EEXIST (a BAR of this device is mapped for this
 * domain already), -ENOSPC, -ENOMEM.
 */
int tvx_ro_device_bar(u32 domain, const struct thinvmx_device_bar *b,
		      tvx_ro_map_fn map, void *ctx)
{
	struct pci_msix_info info;
	struct ro_rec *tab = NULL, *pba = NULL, *mark = NULL, *r;
	struct pci_dev *pdev = NULL;
	u64 start, len;
	bool msix;
	int ret;

	if (b->reserved[0] || b->reserved[1] || b->bar >= PCI_STD_NUM_BARS)
		return -EINVAL;
	ret = ro_decode_device(b->sbdf, &pdev, &info);
	if (ret == -ENODEV)
		return ret;
	msix = !ret;
	if (ret && ret != -ENOENT)
		goto out_put;
	if (!(pci_resource_flags(pdev, b->bar) & IORESOURCE_MEM) ||
	    !pci_resource_len(pdev, b->bar)) {
		pr_warn_ratelimited("%s: BAR %u is not a memory BAR\n",
				    pci_name(pdev), b->bar);
		ret = -EINVAL;
		goto out_put;
	}
	/* with no IOMMU, nothing kept host drivers off since ASSIGN_DEVICE */
	ret = tvx_assign_driver_ok(pdev);
	if (ret)
		goto out_put;
	start = pci_resource_start(pdev, b->bar);
	len = pci_resource_len(pdev, b->bar);
	/* its frame would map the neighbour's registers too */
	if (mmio_gate_bar_too_small(start, len, PAGE_SIZE)) {
		pr_warn_ratelimited("%s: BAR %u (%#llx bytes at %#llx) is smaller than a page or not page aligned\n",
				    pci_name(pdev), b->bar, len, start);
		ret = -EINVAL;
		goto out_put;
	}

	mutex_lock(&ro_lock);
	list_for_each_entry(r, &ro_recs, node)
		if (r->sbdf == b->sbdf && r->domain == domain &&
		    r->kind != THINVMX_RO_ADMIN) {
			pr_warn_ratelimited("%s: a BAR is mapped for domain %u already\n",
					    pci_name(pdev), domain);
			ret = -EEXIST;
			goto out_unlock;
		}
	if (msix) {
		ret = ro_register(THINVMX_RO_MSIX_TABLE, info.table_first_frame,
				  info.table_last_frame, b->sbdf, domain);
		if (ret)
			goto out_unlock;
		tab = list_last_entry(&ro_recs, struct ro_rec, node);
		ret = ro_register(THINVMX_RO_MSIX_PBA, info.pba_first_frame,
				  info.pba_last_frame, b->sbdf, domain);
		if (ret)
			goto out_undo;
		pba = list_last_entry(&ro_recs, struct ro_rec, node);
	}
	ret = ro_mark_assigned(b->sbdf, domain);
	if (ret)
		goto out_undo;
	mark = list_last_entry(&ro_recs, struct ro_rec, node);
	ret = map(ctx, b->gfn, start >> PAGE_SHIFT,
		  PAGE_ALIGN(len) >> PAGE_SHIFT);
	if (ret)
		goto out_undo;
	ro_changed();
	goto out_unlock;

out_undo:
	if (mark)
		ro_unregister(mark);
	if (pba)
		ro_unregister(pba);
	if (tab)
		ro_unregister(tab);
	ro_changed();
out_unlock:
	mutex_unlock(&ro_lock);
out_put:
	pci_dev_put(pdev);
	return ret;
}

/**
 * tvx_ro_device_gone() - drop what ASSIGN_DEVICE_BAR registered for a device
 * @sbdf:   the device
 * @domain: the domain it is given back by (or that dies)
 *
 * Its MSI-X table and PBA leave the read-only set (every domain's
 * MMIO_DIRECT mappings follow before this returns) and nothing records
 * its BAR as mapped for @domain any more.
 *
 * Context: iommu/assign.c, the device's assignment held until this
 * returns; may sleep.
 */
void tvx_ro_device_gone(u32 sbdf, u32 domain)
{
	struct ro_rec *r, *tmp;
	bool changed = false;

	mutex_lock(&ro_lock);
	list_for_each_entry_safe(r, tmp, &ro_recs, node) {
		if (r->kind != THINVMX_RO_ADMIN && r->sbdf == sbdf &&
		    r->domain == domain) {
			changed |= r->kind != RO_ASSIGNED;
			ro_unregister(r);
		}
	}
	if (changed)
		ro_changed();
	mutex_unlock(&ro_lock);
}

/**
 * tvx_ro_exit() - free the set at module unload
 */
void tvx_ro_exit(void)
{
	struct ro_rec *r, *tmp;
	struct ro_snap *s;

	mutex_lock(&ro_lock);
	list_for_each_entry_safe(r, tmp, &ro_recs, node) {
		list_del(&r->node);
		kfree(r);
	}
	ro_nr_recs = 0;
	s = rcu_dereference_protected(ro_current, lockdep_is_held(&ro_lock));
	RCU_INIT_POINTER(ro_current, NULL);
	mutex_unlock(&ro_lock);
	synchronize_rcu();
	kfree(s);
}
