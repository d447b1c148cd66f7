/* SPDX-License-Identifier: GPL-2.0 */
/* Guest RAM in 1 GiB pieces (ram1g.c). */
#ifndef _THINVMX_RAM1G_H
#define _THINVMX_RAM1G_H

#include <linux/mm_types.h>
#include <linux/types.h>

/* a GiB in 4 KiB pages: log2 */
#define TVX_1G_ORDER	18

bool tvx_ram_1g_enabled(void);
struct page *tvx_alloc_1g(void);
void tvx_free_1g(struct page *page);

#endif /* _THINVMX_RAM1G_H */
