/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MMIO_DIRECT leaves against the read-only MMIO set (mmio.c).
 */
#ifndef _THINVMX_EPT_MMIO_H
#define _THINVMX_EPT_MMIO_H

#include <linux/types.h>

struct tvx_dom;

bool tvx_mmio_ro_leaf(u64 entry, int level);
void tvx_domain_reapply_mmio(struct tvx_dom *dom);

#endif /* _THINVMX_EPT_MMIO_H */
