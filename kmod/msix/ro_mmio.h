/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _THINVMX_MSIX_RO_MMIO_H
#define _THINVMX_MSIX_RO_MMIO_H

#include "../../uapi/thinvmx.h"

struct tvx_domain;

bool tvx_mmio_ro(u64 hpa);
void tvx_domain_reapply_mmio(struct tvx_domain *dom);
long tvx_ro_admin(struct thinvmx_ro_range __user *uarg, bool add);
long tvx_ro_list(struct thinvmx_ro_list __user *uarg);
long tvx_pci_msix_info(struct thinvmx_msix_info __user *uarg);
long tvx_assign_device_bar(struct tvx_domain *dom,
			   struct thinvmx_device_bar __user *uarg);
void tvx_ro_domain_gone(u32 id);
void tvx_ro_exit(void);

#endif /* _THINVMX_MSIX_RO_MMIO_H */
