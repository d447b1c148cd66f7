// SPDX-License-Identifier: GPL-2.0
/*
 * The memory type the MTRRs give a physical range, by the rules of SDM
 * Vol. 3, 12.11 (and Linux's own reading of them in
 * arch/x86/kernel/cpu/mtrr/generic.c, whose code this is not):
 *
 *  - MTRRs disabled (IA32_MTRR_DEF_TYPE.E clear): UC everywhere;
 *  - below 1 MiB with the fixed ranges on (FE, and MTRRCAP.FIX): the fixed
 *    range's type, whatever the variable ranges say;
 *  - else the variable ranges that match (PHYSMASK.V set and
 *    addr & mask == base & mask): none, the default type; one or several
 *    of one type, that type; UC among them, UC; only WT and WB, WT; any
 *    other mix is undefined by the SDM and taken as UC, the type that can
 *    never raise a machine check on MMIO.
 *
 * A type the SDM does not define (2, 3, 7 and up) reads as UC, for the
 * same reason. Pure logic: the module (host/host_ept.c) and the unit tests
 * (selftests/unit/test_mtrr_map.c) compile this same file.
 */
#include "mtrr_map.h"

/**
 * mtrrmap_type_valid() - whether a type is one the SDM defines
 * @type: an MTRR type field
 *
 * Return: true for UC, WC, WT, WP and WB.
 */
bool mtrrmap_type_valid(unsigned int type)
{
	return type == MTRRMAP_UC || type == MTRRMAP_WC || type == MTRRMAP_WT ||
	       type == MTRRMAP_WP || type == MTRRMAP_WB;
}

static int mtrrmap_sane(unsigned int type)
{
	return mtrrmap_type_valid(type) ? (int)type : MTRRMAP_UC;
}

/* The fixed-range type of the byte at @addr (< 1 MiB). */
static int mtrrmap_fixed_type(const struct mtrr_map *m, u64 addr)
{
	unsigned int msr, idx;

	if (addr < 0x80000) {			/* 8 x 64 KiB */
		msr = 0;
		idx = addr >> 16;
	} else if (addr < 0xc0000) {		/* 2 MSRs x 8 x 16 KiB */
		idx = (addr - 0x80000) >> 14;
		msr = 1 + idx / 8;
		idx %= 8;
	} else {				/* 8 MSRs x 8 x 4 KiB */
		idx = (addr - 0xc0000) >> 12;
		msr = 3 + idx / 8;
		idx %= 8;
	}
	return mtrrmap_sane((m->fixed[msr] >> (idx * 8)) & 0xff);
}

/* Combine the types of two matching variable ranges (SDM 12.11.4.1). */
static int mtrrmap_combine(int a, int b)
{
	if (a < 0)
		return b;
	if (a == b)
		return a;
	if (a == MTRRMAP_UC || b == MTRRMAP_UC)
		return MTRRMAP_UC;
	if ((a == MTRRMAP_WT && b == MTRRMAP_WB) ||
	    (a == MTRRMAP_WB && b == MTRRMAP_WT))
		return MTRRMAP_WT;
	return MTRRMAP_UC;	/* undefined by the SDM */
}

/**
 * mtrrmap_range_type() - the memory type of a naturally aligned range
 * @m:     the MTRRs
 * @start: the range's first byte, a multiple of @size
 * @size:  a power of two, at least 4 KiB
 *
 * Variable ranges have 4 KiB granularity, so a 4 KiB range always has one
 * type. A larger one that a variable range covers only in part, or that
 * reaches into the first MiB while the fixed ranges are on, may not: it
 * is reported mixed (even if both parts happened to have the same type),
 * and the caller maps it with smaller pages.
 *
 * Return: the type (MTRRMAP_UC ... MTRRMAP_WB), or MTRRMAP_MIXED.
 */
int mtrrmap_range_type(const struct mtrr_map *m, u64 start, u64 size)
{
	u64 phys_mask, mask, base;
	unsigned int i, nr_var;
	int type = -1;

	if (!(m->def_type & MTRRMAP_DEF_E))
		return MTRRMAP_UC;
	if ((m->def_type & MTRRMAP_DEF_FE) && (m->cap & MTRRMAP_CAP_FIX) &&
	    start < MTRRMAP_FIXED_END) {
		if (size > 4096)
			return MTRRMAP_MIXED;
		return mtrrmap_fixed_type(m, start);
	}
	phys_mask = m->phys_bits >= 64 ? ~0ULL : (1ULL << m->phys_bits) - 1;
	nr_var = m->cap & MTRRMAP_CAP_VCNT;
	if (nr_var > MTRRMAP_MAX_VAR)
		nr_var = MTRRMAP_MAX_VAR;
	for (i = 0; i < nr_var; i++) {
		if (!(m->var[i].mask & MTRRMAP_MASK_VALID))
			continue;
		mask = m->var[i].mask & phys_mask & ~0xfffULL;
		base = m->var[i].base & phys_mask & ~0xfffULL;
		/* the address bits that stay the same over the range */
		if ((start & mask & ~(size - 1)) != (base & mask & ~(size - 1)))
			continue;		/* no byte of the range matches */
		if (mask & (size - 1))
			return MTRRMAP_MIXED;	/* some bytes match, some not */
		type = mtrrmap_combine(type,
				       mtrrmap_sane(m->var[i].base & 0xff));
	}
	return type < 0 ? mtrrmap_sane(m->def_type & MTRRMAP_DEF_TYPE) : type;
}
