/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EPT entry bits and levels (SDM 29.3): 4 levels, 512 entries each,
 * leaves of 4 KiB, 2 MiB or 1 GiB. Constants only, shared by the pure
 * logic (p2m.c) and the table code (ept_table.h, ept.c).
 */
#ifndef _THINVMX_EPT_H
#define _THINVMX_EPT_H

#include "../pure.h"

#define EPT_READ		BIT_ULL(0)
#define EPT_WRITE		BIT_ULL(1)
#define EPT_EXEC		BIT_ULL(2)
#define EPT_RWX			(EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MT_SHIFT		3		/* leaf memory type, bits 5:3 */
#define EPT_MT_UC		(0ULL << EPT_MT_SHIFT)
#define EPT_MT_WB		(6ULL << EPT_MT_SHIFT)
#define EPT_IGNORE_PAT		BIT_ULL(6)
#define EPT_LEAF		BIT_ULL(7)	/* in a PDPTE or PDE: maps a page */
#define EPT_ADDR_MASK		GENMASK_ULL(51, 12)

/* Level of a leaf: 0 = 4 KiB (PTE), 1 = 2 MiB (PDE), 2 = 1 GiB (PDPTE). */
#define EPT_LEVEL_4K		0
#define EPT_LEVEL_2M		1
#define EPT_LEVEL_1G		2
#define EPT_LEVEL_SHIFT(l)	(12 + 9 * (l))

#endif /* _THINVMX_EPT_H */
