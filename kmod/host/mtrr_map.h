/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory type the MTRRs give a physical range (mtrr_map.c), for host
 * mode's identity EPT. Pure logic, shared with the host unit tests
 * (selftests/unit/test_mtrr_map.c).
 */
#ifndef _THINVMX_HOST_MTRR_MAP_H
#define _THINVMX_HOST_MTRR_MAP_H

#include "../pure.h"

/* Memory types, as MTRRs, PAT and EPT entries encode them (SDM 12.3) */
#define MTRRMAP_UC		0
#define MTRRMAP_WC		1
#define MTRRMAP_WT		4
#define MTRRMAP_WP		5
#define MTRRMAP_WB		6
#define MTRRMAP_MIXED		(-1)	/* the range has more than one type */

/* MSRs (SDM Vol. 4, Table 2-2) */
#define MTRRMAP_MSR_CAP		0x000000fe
#define MTRRMAP_MSR_DEF_TYPE	0x000002ff
#define MTRRMAP_MSR_FIX_64K	0x00000250
#define MTRRMAP_MSR_FIX_16K	0x00000258	/* and 0x259 */
#define MTRRMAP_MSR_FIX_4K	0x00000268	/* to 0x26f */
#define MTRRMAP_MSR_PHYSBASE0	0x00000200	/* PHYSMASKn is PHYSBASEn + 1 */

#define MTRRMAP_CAP_VCNT	0xffULL
#define MTRRMAP_CAP_FIX		BIT_ULL(8)
#define MTRRMAP_DEF_TYPE	0xffULL
#define MTRRMAP_DEF_FE		BIT_ULL(10)
#define MTRRMAP_DEF_E		BIT_ULL(11)
#define MTRRMAP_MASK_VALID	BIT_ULL(11)

#define MTRRMAP_MAX_VAR		32
#define MTRRMAP_NR_FIXED	88	/* 8 of 64 KiB, 16 of 16 KiB, 64 of 4 KiB */
#define MTRRMAP_FIXED_END	0x100000ULL

/*
 * The MTRRs as read: the raw MSRs, so that a fixture is a copy of what a
 * machine reports. @fixed holds the 11 fixed-range MSRs in address order
 * (64K_00000, 16K_80000, 16K_A0000, 4K_C0000 ... 4K_F8000), 8 types each.
 */
struct mtrr_map {
	u64 cap;			/* IA32_MTRRCAP */
	u64 def_type;			/* IA32_MTRR_DEF_TYPE */
	u64 fixed[11];
	struct {
		u64 base, mask;		/* IA32_MTRR_PHYSBASEn, PHYSMASKn */
	} var[MTRRMAP_MAX_VAR];
	unsigned int phys_bits;		/* MAXPHYADDR */
};

int mtrrmap_range_type(const struct mtrr_map *m, u64 start, u64 size);
bool mtrrmap_type_valid(unsigned int type);

#endif /* _THINVMX_HOST_MTRR_MAP_H */
