/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The p2m ioctls of a domain fd (p2m_ops.c).
 */
#ifndef _THINVMX_EPT_P2M_OPS_H
#define _THINVMX_EPT_P2M_OPS_H

#include <linux/types.h>

#include "../../uapi/thinvmx.h"

struct tvx_dom;

long tvx_set_mem(struct tvx_dom *dom, struct thinvmx_mem_range __user *uarg,
		 bool is_type);
long tvx_get_mem_access(struct tvx_dom *dom,
			struct thinvmx_mem_query __user *uarg);
long tvx_change_type_global(struct tvx_dom *dom,
			    struct thinvmx_type_change __user *uarg);
long tvx_dirty_log(struct tvx_dom *dom, struct thinvmx_dirty_log __user *uarg);
void tvx_dirty_free(struct tvx_dom *dom);
long tvx_map_mmio(struct tvx_dom *dom, struct thinvmx_map_mmio __user *uarg);
long tvx_get_domain_info(struct tvx_dom *dom,
			 struct thinvmx_domain_info __user *uarg);
void tvx_logdirty_mark(struct tvx_dom *dom, u64 gfn);
int tvx_map_mmio_frames(struct tvx_dom *dom, u64 gfn, u64 mfn, u64 nr);
u64 tvx_unmap_mmio_host(struct tvx_dom *dom, u64 first, u64 last);

#endif /* _THINVMX_EPT_P2M_OPS_H */
