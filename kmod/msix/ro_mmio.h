/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _THINVMX_MSIX_RO_MMIO_H
#define _THINVMX_MSIX_RO_MMIO_H

#include "../../uapi/thinvmx.h"
#include "rangeset.h"

bool tvx_mmio_ro(u64 hpa);
bool tvx_mmio_ro_any(u64 hpa, u64 nr);
void tvx_ro_init(void (*reapply)(void));
/* highest frame number with 52 physical address bits */
#define TVX_RO_MAX_MFN		((1ULL << (52 - 12)) - 1)

int tvx_ro_admin_range(u64 first_mfn, u64 last_mfn, bool add);
long tvx_ro_admin(struct thinvmx_ro_range __user *uarg, bool add);
struct thinvmx_ro_entry *tvx_ro_entries(u32 *nr);
long tvx_ro_list(struct thinvmx_ro_list __user *uarg);
long tvx_pci_msix_info(struct thinvmx_msix_info __user *uarg);
/* maps @nr host frames from @mfn at guest frame @gfn: 0 or -errno */
typedef int (*tvx_ro_map_fn)(void *ctx, u64 gfn, u64 mfn, u64 nr);
int tvx_ro_device_bar(u32 domain, const struct thinvmx_device_bar *b,
		      tvx_ro_map_fn map, void *ctx);
void tvx_ro_device_gone(u32 sbdf, u32 domain);
void tvx_ro_exit(void);
struct rangeset_range *tvx_ro_ranges(u32 *nr);

#endif /* _THINVMX_MSIX_RO_MMIO_H */
