/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI device assignment with DMA confined by the IOMMU (assign.c).
 */
#ifndef _THINVMX_IOMMU_ASSIGN_H
#define _THINVMX_IOMMU_ASSIGN_H

#include <linux/types.h>

#include "../../uapi/thinvmx.h"
#include "../msix/ro_mmio.h"

struct tvx_dom;
struct pci_dev;

long tvx_assign_device(struct tvx_dom *dom,
		       struct thinvmx_assign_device __user *uarg, bool assign);
long tvx_iommu_probe(struct thinvmx_iommu_probe __user *uarg);
long tvx_assign_device_bar(struct tvx_dom *dom,
			   struct thinvmx_device_bar __user *uarg,
			   tvx_ro_map_fn map, void *ctx);
void tvx_assign_domain_gone(u32 id);
void tvx_assigned_bars(u32 domain, void (*fn)(void *ctx, u64 s, u64 e),
		       void *ctx);
int tvx_assign_driver_ok(struct pci_dev *pdev);

#endif /* _THINVMX_IOMMU_ASSIGN_H */
