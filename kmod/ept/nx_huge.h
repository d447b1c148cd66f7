/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module parameter nx_huge_pages (nx_huge.c).
 */
#ifndef _THINVMX_EPT_NX_HUGE_H
#define _THINVMX_EPT_NX_HUGE_H

#include <linux/types.h>

bool tvx_nx_huge_pages(void);

#endif /* _THINVMX_EPT_NX_HUGE_H */
