/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MAP_MMIO gate against the host (mmio_allow.c): the administrator's
 * allow-list, and the host ranges the decision (mmio_gate.c) looks at.
 */
#ifndef _THINVMX_EPT_MMIO_ALLOW_H
#define _THINVMX_EPT_MMIO_ALLOW_H

#include <linux/types.h>

#include "mmio_gate.h"

/* One administrator's range of host frames, inclusive. */
struct tvx_mmio_allow_entry {
	u64 first_mfn;
	u64 last_mfn;
};

int tvx_mmio_allow_change(u64 first_mfn, u64 last_mfn, bool add);
struct tvx_mmio_allow_entry *tvx_mmio_allow_entries(u32 *nr);
int tvx_mmio_gate(u32 domain, u64 mfn, u64 nr, const struct mmio_span *grant);

#endif /* _THINVMX_EPT_MMIO_ALLOW_H */
