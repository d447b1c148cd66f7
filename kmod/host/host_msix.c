// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X of the host's devices in host mode, the host side (host_msix.h;
 * references 000/001 applied to the host): which frames are read-only to
 * the host, kept in step with the devices and the read-only set.
 *
 * The set root mode consults (struct hmsix_set) is rebuilt whole from
 * the sources each time one changes, and swapped in: every PCI function
 * with an MSI-X capability (its table and its PBA, decoded from
 * configuration space by msix/pci_decode.c as for guest domains) and
 * every range of the read-only set (msix/ro_mmio.c; with guest domains
 * excluded while host mode is on, those are the administrator's, each
 * checked as a table so that the path can be exercised on a device
 * without MSI-X). Root mode gets its own copy of the regions
 * (TVX_HC_SET_MSIX), checks it and maps the frames in a window of its
 * own page table: the set here is only what the host side asked for,
 * and changing it changes nothing root mode does.
 *
 * When: host mode on (before any CPU is taken in), the PCI bus notifier
 * (a function added, a driver about to be bound or bound, a function
 * removed: a driver enables MSI-X in its probe, after its BARs are
 * final), and after each change of the read-only set. All under
 * tvx_host_lock, so never while host mode turns on or off.
 *
 * A rebuild hands the new set to root mode first, then takes the write
 * right from its frames and gives it back to the frames only the old set
 * had, through tvx_host_ept_protect() (root mode refuses the write right
 * to a frame of its set), whose INVEPT round on every CPU also drops
 * what a CPU cached of the old rights; then the old set is freed.
 */
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "host/host.h"
#include "host/host_msix.h"
#include "msix/msix_valid.h"
#include "msix/pci_decode.h"
#include "msix/ro_mmio.h"

struct hmsix_set *tvx_hmsix_current;

static bool hmsix_remap;
module_param_named(host_msix_remap, hmsix_remap, bool, 0444);
MODULE_PARM_DESC(host_msix_remap,
		 "host mode: accept remappable-format MSI-X messages (the host's interrupt remapping is on)");

/*
 * For the selftests (root only): the physical address of the host side's
 * record of the first administrator's range (struct hmsix_region), 0 if
 * none. The host may write it: root mode must not care (host_test's
 * msix_host_record).
 */
static int hmsix_test_get(char *buf, const struct kernel_param *kp)
{
	struct hmsix_set *s;
	u64 pa = 0;
	u32 i;

	mutex_lock(&tvx_host_lock);
	s = tvx_hmsix_current;
	for (i = 0; s && i < s->nr && !pa; i++)
		if (s->r[i].kind == HMSIX_ADMIN)
			pa = is_vmalloc_addr(&s->r[i]) ?
			     page_to_phys(vmalloc_to_page(&s->r[i])) +
			     offset_in_page(&s->r[i]) : virt_to_phys(&s->r[i]);
	mutex_unlock(&tvx_host_lock);
	return sysfs_emit(buf, "%#llx\n", pa);
}

static const struct kernel_param_ops hmsix_test_ops = {
	.get = hmsix_test_get,
};

module_param_cb(host_test_msix, &hmsix_test_ops, NULL, 0400);
MODULE_PARM_DESC(host_test_msix, "for tests: the host side's record of the first MSI-X range");

/* A set under construction: regions in a growing array. */
struct hmsix_build {
	struct hmsix_region *r;
	u32 nr, max;
	u64 frames;
};

static int hmsix_add(struct hmsix_build *b, u32 kind, u32 sbdf, u64 start,
		     u64 end)
{
	u64 map_pa = start & PAGE_MASK, map_len = PAGE_ALIGN(end) - map_pa;
	struct hmsix_region *reg;

	/* root mode's window is this big: beyond it, left out (logged) */
	if (b->frames + (map_len >> PAGE_SHIFT) > TVX_HMSIX_FRAMES ||
	    b->nr == TVX_HMSIX_REGIONS) {
		pr_warn_ratelimited("host mode: MSI-X frames %#llx-%#llx left writable: more than %u frames or %u regions\n",
				    map_pa >> PAGE_SHIFT,
				    (map_pa + map_len) / PAGE_SIZE - 1,
				    TVX_HMSIX_FRAMES, TVX_HMSIX_REGIONS);
		return 0;
	}
	if (b->nr == b->max) {
		u32 max = b->max ? 2 * b->max : 16;
		struct hmsix_region *r = krealloc_array(b->r, max, sizeof(*r),
							GFP_KERNEL);

		if (!r)
			return -ENOMEM;
		b->r = r;
		b->max = max;
	}
	reg = &b->r[b->nr++];
	*reg = (struct hmsix_region) {
		.start = start, .end = end, .map_pa = map_pa,
		.map_len = map_len, .kind = kind, .sbdf = sbdf,
	};
	b->frames += map_len >> PAGE_SHIFT;
	return 0;
}

/* A function's table and PBA, if it has MSI-X and its BARs decode. */
static int hmsix_add_device(struct hmsix_build *b, struct pci_dev *pdev)
{
	u32 sbdf = (pci_domain_nr(pdev->bus) << 16) | pci_dev_id(pdev);
	struct pci_msix_info info;
	u8 *cfg;
	int i, ret;

	if (!pdev->msix_cap)
		return 0;
	cfg = kzalloc(PCI_CFG_SPACE_SIZE, GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	for (i = 0; i < PCI_CFG_SPACE_SIZE; i += 4)
		pci_read_config_dword(pdev, i, (u32 *)(cfg + i));
	ret = pci_msix_decode(cfg, PCI_CFG_SPACE_SIZE, &info);
	kfree(cfg);
	if (ret) {
		/* unassigned BARs, a function gone: nothing to protect */
		return 0;
	}
	ret = hmsix_add(b, HMSIX_TABLE, sbdf,
			info.table_bar_addr + info.table_offset,
			info.table_bar_addr + info.table_offset +
			(u64)info.nr_entries * MSIX_ENTRY_SIZE);
	return ret ?: hmsix_add(b, HMSIX_PBA, sbdf,
				info.pba_bar_addr + info.pba_offset,
				info.pba_bar_addr + info.pba_offset +
				DIV_ROUND_UP(info.nr_entries, 64) * 8);
}

static int hmsix_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void hmsix_free(struct hmsix_set *s)
{
	if (!s)
		return;
	kvfree(s->frames);
	kvfree(s);
}

/* The set from the devices and the read-only set now. */
static struct hmsix_set *hmsix_build(void)
{
	struct hmsix_build b = { 0 };
	struct rangeset_range *ro;
	struct pci_dev *pdev = NULL;
	struct hmsix_set *s = NULL;
	u32 nr_ro, i, j, n;
	int ret = 0;

	for_each_pci_dev(pdev) {
		ret = hmsix_add_device(&b, pdev);
		if (ret) {
			pci_dev_put(pdev);
			goto out;
		}
	}
	ro = tvx_ro_ranges(&nr_ro);
	if (IS_ERR(ro)) {
		ret = PTR_ERR(ro);
		goto out;
	}
	for (i = 0; i < nr_ro && !ret; i++)
		ret = hmsix_add(&b, HMSIX_ADMIN, 0, ro[i].s << PAGE_SHIFT,
				(ro[i].e + 1) << PAGE_SHIFT);
	kvfree(ro);
	if (ret)
		goto out;

	s = kvzalloc(struct_size(s, r, b.nr), GFP_KERNEL);
	if (s)
		s->frames = kvmalloc_array(max_t(u64, b.frames, 1), sizeof(u64),
					   GFP_KERNEL);
	if (!s || !s->frames) {
		ret = -ENOMEM;
		goto out;
	}
	s->flags = hmsix_remap ? MSIX_VALID_REMAP : 0;
	for (i = 0; i < b.nr; i++) {
		struct hmsix_region *reg = &s->r[s->nr];

		*reg = b.r[i];
		for (j = 0; j < reg->map_len >> PAGE_SHIFT; j++)
			s->frames[s->nr_frames++] = (reg->map_pa >> PAGE_SHIFT) + j;
		s->nr++;
	}
	sort(s->frames, s->nr_frames, sizeof(u64), hmsix_cmp_u64, NULL);
	for (i = 0, n = 0; i < s->nr_frames; i++)
		if (!n || s->frames[n - 1] != s->frames[i])
			s->frames[n++] = s->frames[i];
	s->nr_frames = n;
out:
	kfree(b.r);
	if (ret) {
		hmsix_free(s);
		return ERR_PTR(ret);
	}
	return s;
}

/* The frames of @old that @new lacks, in @old's array (it is freed next). */
static u32 hmsix_dropped(struct hmsix_set *old, const struct hmsix_set *new)
{
	u32 i, j = 0, n = 0;

	for (i = 0; i < old->nr_frames; i++) {
		while (j < new->nr_frames && new->frames[j] < old->frames[i])
			j++;
		if (j == new->nr_frames || new->frames[j] != old->frames[i])
			old->frames[n++] = old->frames[i];
	}
	return n;
}

/*
 * Root mode's copy of @s (TVX_HC_SET_MSIX), from a physically contiguous
 * copy of the regions. Without the identity EPT nothing is read-only and
 * root mode keeps no set (-EOPNOTSUPP): nothing to do either.
 */
static int hmsix_push(const struct hmsix_set *s)
{
	size_t size = s->nr * sizeof(s->r[0]);
	void *req = size ? kmemdup(s->r, size, GFP_KERNEL) : NULL;
	long ret;

	if (size && !req)
		return -ENOMEM;
	ret = tvx_host_call(TVX_HC_SET_MSIX, req ? virt_to_phys(req) : 0, size,
			    s->flags);
	kfree(req);
	return ret == -EOPNOTSUPP ? 0 : ret;
}

/* Rebuild, hand to root mode, protect, release the old set. tvx_host_lock held. */
static int hmsix_sync(void)
{
	struct hmsix_set *new, *old = tvx_hmsix_current;
	int ret;

	lockdep_assert_held(&tvx_host_lock);
	new = hmsix_build();
	if (IS_ERR(new)) {
		pr_warn("host mode: MSI-X set not rebuilt: %ld\n", PTR_ERR(new));
		return PTR_ERR(new);
	}
	ret = hmsix_push(new);
	if (ret) {
		pr_warn("host mode: root mode refused the MSI-X set: %d\n", ret);
		hmsix_free(new);
		return ret;
	}
	WRITE_ONCE(tvx_hmsix_current, new);
	ret = tvx_host_ept_protect(new->frames, new->nr_frames,
				   old ? old->frames : NULL,
				   old ? hmsix_dropped(old, new) : 0);
	hmsix_free(old);
	return ret;
}

/**
 * tvx_host_msix_start() - make MSI-X tables and PBAs read-only to the host
 *
 * Before any CPU is taken in, with the identity EPT built.
 *
 * Context: tvx_host_lock held; may sleep.
 * Return: 0, or -ENOMEM.
 */
int tvx_host_msix_start(void)
{
	int ret = hmsix_sync();

	if (!ret && tvx_hmsix_current->nr)
		pr_info("host mode: %u MSI-X tables, PBAs and ranges read-only (%u frames)\n",
			tvx_hmsix_current->nr, tvx_hmsix_current->nr_frames);
	return ret;
}

/**
 * tvx_host_msix_stop() - forget the set, once no CPU is in host mode
 *
 * Context: tvx_host_lock held, every CPU out of host mode; may sleep.
 */
void tvx_host_msix_stop(void)
{
	struct hmsix_set *s = tvx_hmsix_current;

	WRITE_ONCE(tvx_hmsix_current, NULL);
	hmsix_free(s);
}

static void hmsix_follow(void)
{
	mutex_lock(&tvx_host_lock);
	if (tvx_host_wanted)
		hmsix_sync();
	mutex_unlock(&tvx_host_lock);
}

/**
 * tvx_host_msix_ro_changed() - the read-only set changed: follow it
 *
 * Context: the read-only set's hook (tvx_ro_init()), under its lock; may
 * sleep. Takes tvx_host_lock (lock order: ro_lock, then tvx_host_lock).
 */
void tvx_host_msix_ro_changed(void)
{
	hmsix_follow();
}

static int hmsix_pci_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
	case BUS_NOTIFY_BIND_DRIVER:
	case BUS_NOTIFY_BOUND_DRIVER:
	case BUS_NOTIFY_REMOVED_DEVICE:
		hmsix_follow();
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block hmsix_pci_nb = {
	.notifier_call = hmsix_pci_notify,
};

/**
 * tvx_host_msix_init() - follow PCI devices coming and going
 *
 * Registered for the module's life, not host mode's: unregistering waits
 * for a running notifier, which may wait for tvx_host_lock.
 *
 * Return: 0, or the bus's error.
 */
int tvx_host_msix_init(void)
{
	return bus_register_notifier(&pci_bus_type, &hmsix_pci_nb);
}

/**
 * tvx_host_msix_exit() - undo tvx_host_msix_init()
 */
void tvx_host_msix_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &hmsix_pci_nb);
}
