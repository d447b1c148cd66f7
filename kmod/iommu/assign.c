// SPDX-License-Identifier: GPL-2.0
/*
 * PCI device assignment (issue 14, item 3). A device given to a domain can
 * write any host memory by DMA unless an IOMMU stops it, so:
 *
 *  - it is taken only from no driver, or from a stub (pci-stub, vfio-pci),
 *    never from under a host driver that is using it;
 *  - no memory BAR of it may be smaller than a page or off a page
 *    boundary (mapping its frame would give the guest a neighbour too);
 *  - its IOMMU group is claimed for DMA ownership (no host driver with
 *    DMA can bind while we hold it) and attached to an IOMMU domain that
 *    maps exactly the domain's guest RAM at guest-physical addresses, so
 *    the guest's driver programs guest-physical DMA addresses and reaches
 *    its own RAM and nothing else;
 *  - without an IOMMU it is refused, unless the administrator says
 *    otherwise with allow_unsafe_assignment, which taints the kernel as
 *    vfio's no-IOMMU mode does (TAINT_USER) and says so.
 *
 * The IOMMU half (build the domain from a RAM layout, attach, detach) does
 * not need VMX: THINVMX_IOMMU_PROBE runs it with the caller's own pages as
 * the RAM, so that hosts and test machines without VMX can check it.
 *
 * THINVMX_ASSIGN_DEVICE_BAR maps a BAR only of a device assigned here to
 * the same domain (a guest programs the device's DMA through its BARs),
 * and giving the device back drops what that registered (its MSI-X table
 * and PBA in the read-only set), under the same hold of assign_lock, so
 * that no registration outlives its assignment.
 *
 * Lock order: assign_lock, then a group's own locks (iommu core), and
 * then the read-only set's (msix/ro_mmio.c) and what it takes. The
 * domain's RAM is fixed at creation, so it is read without its locks;
 * tvx_assign_domain_gone() runs before the domain frees its RAM.
 */
#include <linux/capability.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "assign.h"
#include "domain.h"
#include "ept/mmio_gate.h"
#include "ept/p2m_ops.h"
#include "msix/ro_mmio.h"

static bool allow_unsafe_assignment;
module_param(allow_unsafe_assignment, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_assignment,
		 "Assign PCI devices that no IOMMU covers: their DMA reaches all host memory (taints the kernel)");

#define PROBE_MAX_PAGES		512

/* One contiguous piece of guest RAM: guest-physical, host-physical, size. */
struct assign_ram {
	u64 gpa;
	phys_addr_t hpa;
	size_t size;
};

struct assigned {
	struct list_head node;
	u32 domain;
	u32 sbdf;
	struct pci_dev *pdev;
	struct iommu_group *group;	/* NULL: no IOMMU (unsafe) */
	struct iommu_domain *iodom;
};

static DEFINE_MUTEX(assign_lock);
static LIST_HEAD(assigned_list);	/* under assign_lock */

static const char *const assign_stubs[] = { "pci-stub", "vfio-pci" };

/**
 * tvx_assign_driver_ok() - whether a device may be taken from the host
 * @pdev: the device
 *
 * Return: 0 when no driver is bound or a stub is (pci-stub, vfio-pci);
 * -EBUSY, logged with the driver's name, otherwise.
 */
int tvx_assign_driver_ok(struct pci_dev *pdev)
{
	const char *drv = NULL;
	int i, ret = -EBUSY;

	device_lock(&pdev->dev);
	if (!pdev->dev.driver) {
		ret = 0;
	} else {
		drv = pdev->dev.driver->name;
		for (i = 0; i < ARRAY_SIZE(assign_stubs); i++)
			if (!strcmp(drv, assign_stubs[i]))
				ret = 0;
	}
	if (ret)
		dev_warn_ratelimited(&pdev->dev, "thinvmx: not assigned: bound to host driver %s (unbind it or bind pci-stub/vfio-pci)\n",
				     drv);
	device_unlock(&pdev->dev);
	return ret;
}

/* What every assignment checks of the device itself. */
static int assign_check(struct pci_dev *pdev)
{
	int i, ret;

	ret = tvx_assign_driver_ok(pdev);
	if (ret)
		return ret;
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!(pci_resource_flags(pdev, i) & IORESOURCE_MEM) ||
		    !pci_resource_len(pdev, i))
			continue;
		if (mmio_gate_bar_too_small(pci_resource_start(pdev, i),
					    pci_resource_len(pdev, i),
					    PAGE_SIZE)) {
			dev_warn_ratelimited(&pdev->dev, "thinvmx: not assigned: BAR %d (%#llx bytes) is smaller than a page or not page aligned\n",
					     i, (u64)pci_resource_len(pdev, i));
			return -EINVAL;
		}
	}
	return 0;
}

static int assign_count_dev(struct device *dev, void *data)
{
	(*(int *)data)++;
	return 0;
}

static void assign_iommu_put(struct iommu_group *group,
			     struct iommu_domain *iodom)
{
	if (iodom) {
		iommu_detach_group(iodom, group);
		iommu_domain_free(iodom);
	}
	iommu_group_release_dma_owner(group);
	iommu_group_put(group);
}

/*
 * The IOMMU domain for @pdev holding exactly @ram, attached to its group
 * (claimed for us first). Return: 0 with *@group and *@iodom set, -ENODEV
 * when no IOMMU covers the device (*@group NULL), or -errno.
 */
static int assign_iommu_build(struct pci_dev *pdev, const struct assign_ram *ram,
			      u32 nr, void *owner, struct iommu_group **group,
			      struct iommu_domain **iodom)
{
	struct iommu_domain *d;
	struct iommu_group *g;
	int ret, n = 0;
	u32 i;

	*group = NULL;
	*iodom = NULL;
	g = iommu_group_get(&pdev->dev);
	if (!g)
		return -ENODEV;
	iommu_group_for_each_dev(g, &n, assign_count_dev);
	if (n != 1) {
		dev_warn_ratelimited(&pdev->dev, "thinvmx: not assigned: its IOMMU group holds %d devices\n",
				     n);
		iommu_group_put(g);
		return -EBUSY;
	}
	/* no host driver with DMA binds while this is held */
	ret = iommu_group_claim_dma_owner(g, owner);
	if (ret) {
		dev_warn_ratelimited(&pdev->dev, "thinvmx: not assigned: its IOMMU group is in use (%d)\n",
				     ret);
		iommu_group_put(g);
		return ret == -EPERM ? -EBUSY : ret;
	}
	d = iommu_domain_alloc(pdev->dev.bus);
	if (!d) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < nr; i++) {
		ret = iommu_map(d, ram[i].gpa, ram[i].hpa, ram[i].size,
				IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE);
		if (ret)
			goto err_free;
	}
	ret = iommu_attach_group(d, g);
	if (ret)
		goto err_free;
	*group = g;
	*iodom = d;
	return 0;

err_free:
	iommu_domain_free(d);
err:
	dev_warn_ratelimited(&pdev->dev, "thinvmx: not assigned: IOMMU domain: %d\n", ret);
	iommu_group_release_dma_owner(g);
	iommu_group_put(g);
	return ret;
}

static struct pci_dev *assign_get_pdev(u32 sbdf)
{
	return pci_get_domain_bus_and_slot(sbdf >> 16, (sbdf >> 8) & 0xff,
					   sbdf & 0xff);
}

static struct assigned *assign_find(u32 sbdf)
{
	struct assigned *a;

	list_for_each_entry(a, &assigned_list, node)
		if (a->sbdf == sbdf)
			return a;
	return NULL;
}

static void assign_release(struct assigned *a)
{
	tvx_ro_device_gone(a->sbdf, a->domain);
	if (a->group)
		assign_iommu_put(a->group, a->iodom);
	pci_info(a->pdev, "thinvmx: given back by domain %u\n", a->domain);
	pci_dev_put(a->pdev);
	list_del(&a->node);
	kfree(a);
}

/* The domain's guest RAM, as IOMMU mappings. */
static struct assign_ram *assign_dom_ram(struct tvx_dom *dom, u32 *nr)
{
	struct assign_ram *ram;
	u32 i;

	ram = kvcalloc(max(dom->nr_chunks, 1U), sizeof(*ram), GFP_KERNEL);
	if (!ram)
		return NULL;
	for (i = 0; i < dom->nr_chunks; i++)
		ram[i] = (struct assign_ram) {
			.gpa = dom->chunks[i].gfn << PAGE_SHIFT,
			.hpa = page_to_phys(dom->chunks[i].page),
			.size = PAGE_SIZE << dom->chunks[i].order,
		};
	*nr = dom->nr_chunks;
	return ram;
}

static int assign_one(struct tvx_dom *dom, u32 sbdf)
{
	struct assign_ram *ram = NULL;
	struct pci_dev *pdev;
	struct assigned *a;
	u32 nr;
	int ret;

	pdev = assign_get_pdev(sbdf);
	if (!pdev)
		return -ENODEV;
	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	ram = assign_dom_ram(dom, &nr);
	ret = -ENOMEM;
	if (!a || !ram)
		goto out;

	mutex_lock(&assign_lock);
	if (assign_find(sbdf)) {
		dev_warn_ratelimited(&pdev->dev, "thinvmx: not assigned: assigned already\n");
		ret = -EEXIST;
		goto unlock;
	}
	ret = assign_check(pdev);
	if (ret)
		goto unlock;
	ret = assign_iommu_build(pdev, ram, nr, a, &a->group, &a->iodom);
	if (ret == -ENODEV) {
		if (!READ_ONCE(allow_unsafe_assignment)) {
			dev_warn_ratelimited(&pdev->dev, "thinvmx: not assigned: no IOMMU covers it (allow_unsafe_assignment would allow it, and taint the kernel)\n");
			ret = -EPERM;
			goto unlock;
		}
		/* what vfio's no-IOMMU mode does */
		add_taint(TAINT_USER, LOCKDEP_STILL_OK);
		pci_warn(pdev, "thinvmx: assigned to domain %u WITHOUT an IOMMU: its DMA reaches all host memory; kernel tainted\n",
			 dom->id);
		ret = 0;
	} else if (ret) {
		goto unlock;
	} else {
		pci_info(pdev, "thinvmx: assigned to domain %u, DMA confined to its %llu MiB of RAM by the IOMMU\n",
			 dom->id, dom->map->ram_bytes >> 20);
	}
	a->domain = dom->id;
	a->sbdf = sbdf;
	a->pdev = pdev;
	pdev = NULL;
	list_add_tail(&a->node, &assigned_list);
	a = NULL;
unlock:
	mutex_unlock(&assign_lock);
out:
	kvfree(ram);
	kfree(a);
	pci_dev_put(pdev);
	return ret;
}

/**
 * tvx_assign_device() - THINVMX_ASSIGN_DEVICE and THINVMX_DEASSIGN_DEVICE
 * @dom:    the domain
 * @uarg:   struct thinvmx_assign_device
 * @assign: assign, else give back
 *
 * Giving back drops what THINVMX_ASSIGN_DEVICE_BAR registered for the
 * device (tvx_ro_device_gone()).
 *
 * Return: 0, -EFAULT, -EPERM (not CAP_SYS_ADMIN, no IOMMU), -EINVAL
 * (flags or reserved bits, a BAR smaller than a page), -ENODEV (no such
 * device), -EBUSY (a host driver is bound, the group is shared or in
 * use), -EEXIST (assigned already), -ENOENT (give back: not this
 * domain's), -ENOMEM, or what the IOMMU core returns.
 */
long tvx_assign_device(struct tvx_dom *dom,
		       struct thinvmx_assign_device __user *uarg, bool assign)
{
	struct thinvmx_assign_device ad;
	struct pci_dev *pdev = NULL;
	struct assigned *a;
	int ret = 0, bar;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&ad, uarg, sizeof(ad)))
		return -EFAULT;
	if (ad.flags || ad.reserved[0] || ad.reserved[1])
		return -EINVAL;
	if (assign)
		return assign_one(dom, ad.sbdf);
	mutex_lock(&assign_lock);
	a = assign_find(ad.sbdf);
	if (a && a->domain == dom->id) {
		pdev = pci_dev_get(a->pdev);
		assign_release(a);
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&assign_lock);
	if (ret)
		return ret;
	/* the guest must not program its DMA through the BARs any more */
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		if ((pci_resource_flags(pdev, bar) & IORESOURCE_MEM) &&
		    pci_resource_len(pdev, bar))
			tvx_unmap_mmio_host(dom, pci_resource_start(pdev, bar),
					    pci_resource_end(pdev, bar));
	pci_dev_put(pdev);
	return 0;
}

/**
 * tvx_assign_device_bar() - THINVMX_ASSIGN_DEVICE_BAR
 * @dom:  the domain
 * @uarg: struct thinvmx_device_bar
 * @map:  maps the BAR's frames MMIO_DIRECT into the domain
 * @ctx:  for @map
 *
 * Only a device assigned to @dom (THINVMX_ASSIGN_DEVICE: its DMA confined
 * by the IOMMU, or allow_unsafe_assignment) has a BAR mapped: the rest is
 * msix/ro_mmio.c's, done while the assignment is held.
 *
 * Return: 0, -EFAULT, -EPERM (not CAP_SYS_ADMIN; the device is not
 * assigned to @dom: logged, naming the device), -ENODEV (no such device),
 * or what tvx_ro_device_bar() returns.
 */
long tvx_assign_device_bar(struct tvx_dom *dom,
			   struct thinvmx_device_bar __user *uarg,
			   tvx_ro_map_fn map, void *ctx)
{
	struct thinvmx_device_bar b;
	struct pci_dev *pdev;
	struct assigned *a;
	long ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&b, uarg, sizeof(b)))
		return -EFAULT;
	mutex_lock(&assign_lock);
	a = assign_find(b.sbdf);
	if (a && a->domain == dom->id) {
		ret = tvx_ro_device_bar(dom->id, &b, map, ctx);
	} else {
		pdev = assign_get_pdev(b.sbdf);
		ret = pdev ? -EPERM : -ENODEV;
		if (pdev)
			dev_warn_ratelimited(&pdev->dev, "thinvmx: ASSIGN_DEVICE_BAR refused: not assigned to domain %u (THINVMX_ASSIGN_DEVICE first)\n",
					     dom->id);
		pci_dev_put(pdev);
	}
	mutex_unlock(&assign_lock);
	return ret;
}

/**
 * tvx_assign_domain_gone() - give back every device of a dying domain
 * @id: the domain's id
 *
 * Context: before the domain's RAM is freed: the IOMMU stops translating
 * to it first.
 */
void tvx_assign_domain_gone(u32 id)
{
	struct assigned *a, *tmp;

	mutex_lock(&assign_lock);
	list_for_each_entry_safe(a, tmp, &assigned_list, node)
		if (a->domain == id)
			assign_release(a);
	mutex_unlock(&assign_lock);
}

/**
 * tvx_assigned_bars() - the memory BARs of a domain's assigned devices
 * @domain: the domain's id
 * @fn:     called with each BAR's first and last byte
 * @ctx:    for @fn
 *
 * What THINVMX_MAP_MMIO may map for the domain (ept/mmio_allow.c).
 */
void tvx_assigned_bars(u32 domain, void (*fn)(void *ctx, u64 s, u64 e),
		       void *ctx)
{
	struct assigned *a;
	int i;

	mutex_lock(&assign_lock);
	list_for_each_entry(a, &assigned_list, node) {
		if (a->domain != domain)
			continue;
		for (i = 0; i < PCI_STD_NUM_BARS; i++)
			if ((pci_resource_flags(a->pdev, i) & IORESOURCE_MEM) &&
			    pci_resource_len(a->pdev, i))
				fn(ctx, pci_resource_start(a->pdev, i),
				   pci_resource_end(a->pdev, i));
	}
	mutex_unlock(&assign_lock);
}

/**
 * tvx_iommu_probe() - THINVMX_IOMMU_PROBE
 * @uarg: struct thinvmx_iommu_probe
 *
 * The caller's pages are pinned, stand for guest RAM at @uarg->gpa, and
 * go through the very path an assignment takes (assign_check(),
 * assign_iommu_build()); the translations are read back with
 * iommu_iova_to_phys() and everything is torn down before returning.
 *
 * Return: 0, -EFAULT, -EPERM (not CAP_SYS_ADMIN), -EINVAL (fields,
 * alignment, nr_pages, a BAR smaller than a page), -ENODEV (no such
 * device, no IOMMU covers it), -EBUSY (a host driver is bound, the group
 * is shared or in use), -EEXIST (assigned to a domain), -ENOMEM.
 */
long tvx_iommu_probe(struct thinvmx_iommu_probe __user *uarg)
{
	struct thinvmx_iommu_probe p;
	struct iommu_domain *iodom;
	struct iommu_group *group;
	struct assign_ram *ram = NULL;
	struct page **pages = NULL;
	struct pci_dev *pdev;
	u64 *hpa = NULL;
	int ret, pinned = 0;
	u32 i;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&p, uarg, sizeof(p)))
		return -EFAULT;
	if (p.reserved[0] || p.reserved[1] || !p.nr_pages ||
	    p.nr_pages > PROBE_MAX_PAGES || !PAGE_ALIGNED(p.addr) ||
	    !PAGE_ALIGNED(p.gpa) || p.gpa < PAGE_SIZE ||
	    p.gpa + ((u64)p.nr_pages + 1) * PAGE_SIZE < p.gpa ||
	    p.gpa >= 1ULL << 48)
		return -EINVAL;
	pdev = assign_get_pdev(p.sbdf);
	if (!pdev)
		return -ENODEV;
	ret = -ENOMEM;
	pages = kvcalloc(p.nr_pages, sizeof(*pages), GFP_KERNEL);
	ram = kvcalloc(p.nr_pages, sizeof(*ram), GFP_KERNEL);
	hpa = kvcalloc(p.nr_pages, sizeof(*hpa), GFP_KERNEL);
	if (!pages || !ram || !hpa)
		goto out;
	pinned = pin_user_pages_fast(p.addr, p.nr_pages,
				     FOLL_WRITE | FOLL_LONGTERM, pages);
	if (pinned != p.nr_pages) {
		ret = pinned < 0 ? pinned : -EFAULT;
		goto out;
	}
	for (i = 0; i < p.nr_pages; i++)
		ram[i] = (struct assign_ram) {
			.gpa = p.gpa + (u64)i * PAGE_SIZE,
			.hpa = page_to_phys(pages[i]), .size = PAGE_SIZE,
		};

	mutex_lock(&assign_lock);
	ret = assign_find(p.sbdf) ? -EEXIST : assign_check(pdev);
	if (!ret)
		ret = assign_iommu_build(pdev, ram, p.nr_pages, &p, &group,
					 &iodom);
	if (ret == -ENODEV)
		dev_warn_ratelimited(&pdev->dev, "thinvmx: IOMMU probe: no IOMMU covers it\n");
	if (!ret) {
		for (i = 0; i < p.nr_pages; i++)
			hpa[i] = iommu_iova_to_phys(iodom, ram[i].gpa);
		p.hpa_before = iommu_iova_to_phys(iodom, p.gpa - PAGE_SIZE);
		p.hpa_after = iommu_iova_to_phys(iodom, p.gpa +
						 (u64)p.nr_pages * PAGE_SIZE);
		assign_iommu_put(group, iodom);
	}
	mutex_unlock(&assign_lock);
	if (!ret && (copy_to_user(u64_to_user_ptr(p.hpa), hpa,
				  p.nr_pages * sizeof(*hpa)) ||
		     copy_to_user(uarg, &p, sizeof(p))))
		ret = -EFAULT;
out:
	if (pinned > 0)
		unpin_user_pages(pages, pinned);
	kvfree(hpa);
	kvfree(ram);
	kvfree(pages);
	pci_dev_put(pdev);
	return ret;
}
