/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _THINVMX_MSIX_RO_MMIO_H
#define _THINVMX_MSIX_RO_MMIO_H

#include "../../uapi/thinvmx.h"

struct tvx_domain;

bool tvx_mmio_ro(u64 hpa);
bool tvx_mmio_ro_any(u64 hpa, u64 nr);
bool tvx_mmio_ro_leaf(u64 entry, int level);
void tvx_domain_reapply_mmio(struct tvx_domain *dom);
/* highest frame number with 52 physical address bits */
#define TVX_RO_MAX_MFN		((1ULL << (52 - 12)) - 1)

int tvx_ro_admin_range(u64 first_mfn, u64 last_mfn, bool add);
long tvx_ro_admin(struct thinvmx_ro_range __user *uarg, bool add);
struct thinvmx_ro_entry *tvx_ro_entries(u32 *nr);
long tvx_ro_list(struct thinvmx_ro_list __user *uarg);
long tvx_pci_msix_info(struct thinvmx_msix_info __user *uarg);
long tvx_assign_device_bar(struct tvx_domain *dom,
			   struct thinvmx_device_bar __user *uarg);
void tvx_ro_domain_gone(u32 id);
void tvx_ro_exit(void);

#endif /* _THINVMX_MSIX_RO_MMIO_H */
