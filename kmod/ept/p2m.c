// SPDX-License-Identifier: GPL-2.0
/*
 * p2m types and access rights to EPT leaf entries, and back: pure logic,
 * compiled into the module and into the host unit tests
 * (selftests/unit/test_p2m.c).
 *
 * One function, p2m_ept_entry(), builds every leaf. Its permissions are those
 * of the type (DESIGN.md's table), from which the access right can only take
 * bits away; anything it does not know grants nothing. The type and the
 * access right are stored in the entry's ignored bits (p2m.h), so an entry
 * can be rebuilt, split or judged on a violation from itself alone.
 *
 * EPT cannot express every access right (SDM Vol. 3, 29.3.3.1): an entry
 * with W = 1 and R = 0 (write-only, write-execute) is an EPT
 * misconfiguration on every CPU, and one with only X = 1 (execute-only) is
 * one unless IA32_VMX_EPT_VPID_CAP reports execute-only support. For those
 * the entry grants less, never more: without R there is no W, and X alone
 * goes too when the CPU lacks execute-only. Access rights w and wx therefore
 * allow no write in hardware, and x allows no fetch on such a CPU; the
 * access that then exits is reported as an access violation like any other,
 * so the listener sees every access it did not allow, and some it did.
 * Granting R instead would hide the reads the listener asked to see;
 * emulating the write would need a complete instruction emulator.
 *
 * iTLB multihit (CVE-2018-12207, KVM's nx_huge_pages): on affected CPUs an
 * instruction fetch that hits two iTLB entries of different page sizes for
 * the same address is a machine check, and a guest can make one by
 * changing the size of its own page over code it runs while the EPT maps
 * that code with a superpage. With &p2m_ept_caps.nx_huge, no 2 MiB or 1 GiB
 * leaf allows fetches, whatever its type and access right: every
 * translation a fetch uses is then 4 KiB, and no page size change leaves
 * two iTLB entries behind. A fetch from such a leaf is an EPT violation of
 * its own kind (P2M_VIOL_NX_SPLIT), told apart from a type or an access
 * right that forbids the fetch, which are reported as ever: the leaf is
 * split down to 4 KiB and the 4 KiB leaves get X as their type and access
 * right allow (p2m_split_leaf()).
 */
#include "p2m.h"
#include "ept.h"

/*
 * The plain access rights, EPT entry bits 2:0 and exit qualification bits
 * 2:0 are all the same R/W/X set; the entry's fields hold every value.
 */
static_assert(THINVMX_ACCESS_R == P2M_R && THINVMX_ACCESS_W == P2M_W &&
	      THINVMX_ACCESS_X == P2M_X, "access rights as bits");
static_assert(EPT_READ == P2M_R && EPT_WRITE == P2M_W && EPT_EXEC == P2M_X,
	      "EPT permission bits");
static_assert(P2M_QUAL_READ == P2M_R && P2M_QUAL_WRITE == P2M_W &&
	      P2M_QUAL_FETCH == P2M_X, "qualification access bits");
static_assert(THINVMX_P2M_NR_TYPES - 1 <= P2M_EPT_TYPE >> P2M_EPT_TYPE_SHIFT,
	      "p2m type field");
static_assert(THINVMX_NR_ACCESS - 1 <= P2M_EPT_ACCESS >> P2M_EPT_ACCESS_SHIFT,
	      "access field");

/* The address bits of a leaf at @level: below them, bits are reserved. */
static u64 p2m_addr_mask(int level)
{
	return GENMASK_ULL(51, EPT_LEVEL_SHIFT(level));
}

/* The permissions of a type, before the access right (DESIGN.md). */
static u32 p2m_type_rights(u32 type, bool ro_frame)
{
	switch (type) {
	case THINVMX_P2M_RAM_RW:
		return P2M_RWX;
	case THINVMX_P2M_RAM_RO:
	case THINVMX_P2M_RAM_LOGDIRTY:
		return P2M_R | P2M_X;
	case THINVMX_P2M_MMIO_DIRECT:
		/* the read-only set: MSI-X tables and PBAs (reference 000) */
		return ro_frame ? P2M_R | P2M_X : P2M_RWX;
	case THINVMX_P2M_MMIO_DM:
	case THINVMX_P2M_INVALID:
	default:
		return 0;
	}
}

/*
 * Memory type: write-back for RAM, uncached for device MMIO, both with
 * ignore-PAT so the guest's PAT cannot make RAM uncached or MMIO cached.
 * Entries of the other types are not present and have none.
 */
static u64 p2m_type_memtype(u32 type)
{
	switch (type) {
	case THINVMX_P2M_RAM_RW:
	case THINVMX_P2M_RAM_RO:
	case THINVMX_P2M_RAM_LOGDIRTY:
		return EPT_MT_WB | EPT_IGNORE_PAT;
	case THINVMX_P2M_MMIO_DIRECT:
		return EPT_MT_UC | EPT_IGNORE_PAT;
	default:
		return 0;
	}
}

/* What a (type, access, read-only) leaf at @level grants in hardware. */
static u32 p2m_rights(const struct p2m_ept_caps *caps, u32 type, u32 access,
		      bool ro_frame, int level)
{
	u32 rights = p2m_type_rights(type, ro_frame) & p2m_access_rights(access);

	/* SDM 29.3.3.1: no W without R; X alone only with execute-only. */
	if (!(rights & P2M_R)) {
		rights &= ~P2M_W;
		if (!caps->exec_only)
			rights &= ~P2M_X;
	}
	/* taking X away never makes a misconfiguration of the rest */
	if (p2m_nx_huge_leaf(caps, level))
		rights &= ~P2M_X;
	return rights;
}

/**
 * p2m_ept_level_ok() - whether the CPU can have a leaf at @level
 * @caps:  the CPU's EPT capabilities
 * @level: EPT_LEVEL_4K, EPT_LEVEL_2M or EPT_LEVEL_1G
 *
 * Return: true for 4 KiB always, for 2 MiB and 1 GiB when @caps has them;
 * false for any other level (a PML4E is never a leaf).
 */
bool p2m_ept_level_ok(const struct p2m_ept_caps *caps, int level)
{
	switch (level) {
	case EPT_LEVEL_4K:
		return true;
	case EPT_LEVEL_2M:
		return caps->page_2m;
	case EPT_LEVEL_1G:
		return caps->page_1g;
	default:
		return false;
	}
}

/**
 * p2m_nx_huge_leaf() - whether leaves at @level never allow fetches
 * @caps:  the CPU's EPT capabilities and the domain's nx_huge setting
 * @level: EPT_LEVEL_4K, EPT_LEVEL_2M or EPT_LEVEL_1G
 *
 * Return: true for 2 MiB and 1 GiB leaves when @caps has nx_huge (see the
 * top of this file); false for 4 KiB leaves and without nx_huge.
 */
bool p2m_nx_huge_leaf(const struct p2m_ept_caps *caps, int level)
{
	return caps->nx_huge && level > EPT_LEVEL_4K;
}

/**
 * p2m_ept_entry() - the EPT leaf of a guest frame
 * @caps:     the CPU's EPT capabilities
 * @old:      the entry being replaced, 0 for a new one
 * @hpa:      host physical address, aligned to the page size of @level (0
 *            when no frame is behind, as for invalid and mmio_dm); the bits
 *            below that alignment and above bit 51 are dropped
 * @level:    EPT_LEVEL_4K, EPT_LEVEL_2M or EPT_LEVEL_1G
 * @type:     THINVMX_P2M_*
 * @access:   THINVMX_ACCESS_*
 * @ro_frame: the host frame is in the read-only MMIO set (mmio_direct only)
 *
 * Every bit of the result is rebuilt from the arguments except the accessed
 * and dirty bits, which are taken from @old when @old maps the same frame
 * (the CPU's record of use of that frame) and cleared otherwise. The result
 * holds: the address; R/W/X of the type less what @access takes away,
 * less what EPT cannot express and, at 2 MiB and 1 GiB with nx_huge, less
 * X (see the top of this file); the memory type
 * with ignore-PAT for RAM and mmio_direct, none otherwise; the leaf bit at
 * levels above 4 KiB, whether or not the entry is present, so the table
 * code can tell a typed but not-present leaf from a table; @type and
 * @access in the software bits; suppress-#VE. An unknown @type is stored
 * as invalid and an unknown @access as n: both grant nothing.
 *
 * Return: the entry, never an EPT misconfiguration; 0 (not present, type
 * invalid) when the CPU has no leaf at @level.
 */
u64 p2m_ept_entry(const struct p2m_ept_caps *caps, u64 old, u64 hpa,
		  int level, u32 type, u32 access, bool ro_frame)
{
	u64 addr, e;

	if (!p2m_ept_level_ok(caps, level))
		return 0;
	if (type >= THINVMX_P2M_NR_TYPES)
		type = THINVMX_P2M_INVALID;
	if (access >= THINVMX_NR_ACCESS)
		access = THINVMX_ACCESS_N;

	addr = hpa & p2m_addr_mask(level);
	e = addr | p2m_rights(caps, type, access, ro_frame, level) |
	    p2m_type_memtype(type) | P2M_EPT_SUPPRESS_VE |
	    ((u64)type << P2M_EPT_TYPE_SHIFT) |
	    ((u64)access << P2M_EPT_ACCESS_SHIFT);
	if (level > EPT_LEVEL_4K)
		e |= EPT_LEAF;
	if ((old & p2m_addr_mask(level)) == addr)
		e |= old & (P2M_EPT_ACCESSED | P2M_EPT_DIRTY);
	return e;
}

/**
 * p2m_entry_type() - the p2m type an EPT leaf records
 * @entry: a leaf built by p2m_ept_entry(), or 0
 *
 * Return: THINVMX_P2M_*; THINVMX_P2M_INVALID for 0.
 */
u32 p2m_entry_type(u64 entry)
{
	return (entry & P2M_EPT_TYPE) >> P2M_EPT_TYPE_SHIFT;
}

/**
 * p2m_entry_access() - the access right an EPT leaf records
 * @entry: a leaf built by p2m_ept_entry(), or 0
 *
 * Return: THINVMX_ACCESS_*; THINVMX_ACCESS_N for 0.
 */
u32 p2m_entry_access(u64 entry)
{
	return (entry & P2M_EPT_ACCESS) >> P2M_EPT_ACCESS_SHIFT;
}

/**
 * p2m_access_rights() - the rights an access right allows
 * @access: THINVMX_ACCESS_*
 *
 * This is the access right's meaning, as the listener set it, not what EPT
 * can express of it (see the top of this file).
 *
 * Return: a set of P2M_R, P2M_W, P2M_X; 0 for an unknown @access.
 */
u32 p2m_access_rights(u32 access)
{
	switch (access) {
	case THINVMX_ACCESS_R:
		return P2M_R;
	case THINVMX_ACCESS_W:
		return P2M_W;
	case THINVMX_ACCESS_RW:
		return P2M_R | P2M_W;
	case THINVMX_ACCESS_X:
		return P2M_X;
	case THINVMX_ACCESS_RX:
	case THINVMX_ACCESS_RX2RW:
		return P2M_R | P2M_X;
	case THINVMX_ACCESS_WX:
		return P2M_W | P2M_X;
	case THINVMX_ACCESS_RWX:
		return P2M_RWX;
	case THINVMX_ACCESS_N:
	case THINVMX_ACCESS_N2RWX:
	default:
		return 0;
	}
}

/**
 * p2m_access_allows() - whether an access right allows an attempted access
 * @access:    THINVMX_ACCESS_*
 * @attempted: a set of P2M_R, P2M_W, P2M_X
 *
 * Return: true when every right in @attempted is in p2m_access_rights().
 */
bool p2m_access_allows(u32 access, u32 attempted)
{
	return !(attempted & ~p2m_access_rights(access));
}

/**
 * p2m_access_after_violation() - the access right after a violation of it
 * @access: THINVMX_ACCESS_*
 *
 * rx2rw can only be violated by a write and n2rwx by anything; both move on
 * by themselves, and the violation is still reported.
 *
 * Return: THINVMX_ACCESS_RW for rx2rw, THINVMX_ACCESS_RWX for n2rwx,
 * @access for every other right.
 */
u32 p2m_access_after_violation(u32 access)
{
	switch (access) {
	case THINVMX_ACCESS_RX2RW:
		return THINVMX_ACCESS_RW;
	case THINVMX_ACCESS_N2RWX:
		return THINVMX_ACCESS_RWX;
	default:
		return access;
	}
}

/**
 * p2m_ept_violation() - what an EPT violation on a leaf is
 * @caps:     the CPU's EPT capabilities and the domain's nx_huge setting
 * @entry:    the leaf that maps the faulting guest-physical address now
 * @level:    its level, EPT_LEVEL_4K to EPT_LEVEL_1G
 * @qual:     the exit qualification (SDM Vol. 3, Table 28-7)
 * @ro_frame: the leaf's host frame is in the read-only MMIO set now
 * @v:        filled with the decision
 *
 * The decision is taken on the type and access right the leaf records and
 * on @ro_frame, as they are now; the leaf's hardware permissions only tell
 * whether it needs rebuilding. An @entry of 0, a slot no leaf was ever
 * built in (every built leaf has suppress-#VE), is unmapped whatever the
 * access right 0 would decode as. Otherwise, in order:
 *
 * 1. the leaf as it should be allows the access: retry;
 * 2. the access right does not allow it: an access violation, with the
 *    automatic step of rx2rw and n2rwx; the type is looked at after the
 *    listener has answered and the guest retried (as Xen does);
 * 3. the type does not allow it: a write to ram_logdirty makes it ram_rw
 *    (the caller marks the frame dirty), a write to ram_ro or to a
 *    read-only mmio_direct frame is discarded, mmio_dm is emulated and
 *    invalid has nothing mapped;
 * 4. both allow it and a 4 KiB leaf would too: a fetch from a superpage
 *    leaf that nx_huge keeps from executing, split it (so a fetch the
 *    access right forbids is reported by 2. and never splits anything);
 * 5. both allow it but EPT cannot express the access right: reported as
 *    an access violation.
 *
 * Return: 0, or -EINVAL when @qual attempts nothing or @entry records an
 * unknown type or access right.
 */
int p2m_ept_violation(const struct p2m_ept_caps *caps, u64 entry, int level,
		      u64 qual, bool ro_frame, struct p2m_violation *v)
{
	u32 type = p2m_entry_type(entry);
	u32 access = p2m_entry_access(entry);
	u32 tried = qual & (P2M_QUAL_READ | P2M_QUAL_WRITE | P2M_QUAL_FETCH);
	u32 now;

	if (!tried || type >= THINVMX_P2M_NR_TYPES ||
	    access >= THINVMX_NR_ACCESS)
		return -EINVAL;

	now = p2m_rights(caps, type, access, ro_frame, level);
	v->kind = entry ? P2M_VIOL_RETRY : P2M_VIOL_UNMAPPED;
	v->attempted = tried;
	v->type = type;
	v->access = access;
	v->gla_valid = qual & P2M_QUAL_GLA_VALID;
	v->in_walk = v->gla_valid && !(qual & P2M_QUAL_GLA_XLATE);

	if (entry && (tried & ~now)) {
		if (!p2m_access_allows(access, tried)) {
			v->kind = P2M_VIOL_ACCESS;
			v->access = p2m_access_after_violation(access);
		} else if (!(tried & ~p2m_type_rights(type, ro_frame))) {
			if (!(tried & ~p2m_rights(caps, type, access, ro_frame,
						  EPT_LEVEL_4K)))
				v->kind = P2M_VIOL_NX_SPLIT;	/* 4. */
			else
				v->kind = P2M_VIOL_ACCESS;	/* 5. */
		} else {
			switch (type) {
			case THINVMX_P2M_RAM_LOGDIRTY:
				v->kind = P2M_VIOL_LOGDIRTY;
				v->type = THINVMX_P2M_RAM_RW;
				break;
			case THINVMX_P2M_RAM_RO:
				v->kind = P2M_VIOL_RAM_RO_WRITE;
				break;
			case THINVMX_P2M_MMIO_DIRECT:
				v->kind = P2M_VIOL_RO_MMIO_WRITE;
				break;
			case THINVMX_P2M_MMIO_DM:
				v->kind = P2M_VIOL_MMIO_DM;
				break;
			default:
				v->kind = P2M_VIOL_UNMAPPED;
				break;
			}
		}
	}
	v->rebuild = v->type != type || v->access != access ||
		     (entry & EPT_RWX) != now;
	return 0;
}

/**
 * p2m_change_type_ok() - whether every entry of one type may become another
 * @from: THINVMX_P2M_*
 * @to:   THINVMX_P2M_*
 *
 * An mmio_direct entry's permissions depend on its host frame, which a
 * global change does not look at, so nothing becomes mmio_direct and
 * mmio_direct becomes nothing else; mmio_direct to mmio_direct re-applies
 * the read-only set (reference 000).
 *
 * Return: 0 when allowed; -EINVAL for a change to or from mmio_direct
 * other than mmio_direct to itself, or for an unknown type.
 */
int p2m_change_type_ok(u32 from, u32 to)
{
	if (from >= THINVMX_P2M_NR_TYPES || to >= THINVMX_P2M_NR_TYPES)
		return -EINVAL;
	if (from != to && (from == THINVMX_P2M_MMIO_DIRECT ||
			   to == THINVMX_P2M_MMIO_DIRECT))
		return -EINVAL;
	return 0;
}

/**
 * p2m_split_leaf() - the 512 leaves that replace a superpage leaf
 * @caps:  the CPU's EPT capabilities and the domain's nx_huge setting
 * @leaf:  a leaf built by p2m_ept_entry() at @level
 * @level: EPT_LEVEL_2M or EPT_LEVEL_1G
 * @out:   P2M_EPT_ENTRIES entries, the table of level @level - 1
 *
 * Every child keeps the parent's permissions, memory type, type, access
 * right, accessed and dirty bits (a dirty superpage makes every part of it
 * dirty, which over-reports and never loses a write) and suppress-#VE; the
 * children map consecutive pages of the smaller size, and have the leaf bit
 * only when they are superpages themselves. One exception: 4 KiB children
 * of a leaf that nx_huge kept from executing get X where their type and
 * access right allow it, as p2m_ept_entry() would build them. A CPU with
 * 1 GiB leaves has 2 MiB leaves. The caller then rebuilds the children
 * that change, and points the parent's slot at the new table.
 *
 * Return: 0, or -EINVAL when @level is not a superpage level or @leaf is
 * not a leaf (no leaf bit).
 */
int p2m_split_leaf(const struct p2m_ept_caps *caps, u64 leaf, int level,
		   u64 *out)
{
	u64 addr, bits, step;
	int i;

	if (level != EPT_LEVEL_2M && level != EPT_LEVEL_1G)
		return -EINVAL;
	if (!(leaf & EPT_LEAF))
		return -EINVAL;

	addr = leaf & p2m_addr_mask(level);
	bits = leaf & ~(EPT_ADDR_MASK | EPT_LEAF);
	if (level - 1 > EPT_LEVEL_4K)
		bits |= EPT_LEAF;
	/* X does not depend on the read-only MMIO set: any ro_frame will do */
	if (p2m_nx_huge_leaf(caps, level) && !p2m_nx_huge_leaf(caps, level - 1))
		bits |= p2m_rights(caps, p2m_entry_type(leaf),
				   p2m_entry_access(leaf), false, level - 1) &
			P2M_X;
	step = BIT_ULL(EPT_LEVEL_SHIFT(level - 1));
	for (i = 0; i < P2M_EPT_ENTRIES; i++)
		out[i] = bits | (addr + i * step);
	return 0;
}

/**
 * p2m_range_covers() - whether a range of frames covers a whole page
 * @gfn:   first guest frame of the range
 * @nr:    number of frames in the range
 * @at:    any guest frame of the page
 * @level: the page's level, EPT_LEVEL_4K to EPT_LEVEL_1G
 *
 * A change of [@gfn, @gfn + @nr) rewrites a leaf at @level in place when
 * this holds, and splits it otherwise. No overflow for ranges that end at
 * the top of the frame number space.
 *
 * Return: true when every frame of the @level-aligned page that contains
 * @at is in the range; false otherwise and for any other level.
 */
bool p2m_range_covers(u64 gfn, u64 nr, u64 at, int level)
{
	u64 pages, base;

	if (level < EPT_LEVEL_4K || level > EPT_LEVEL_1G)
		return false;
	pages = BIT_ULL(9 * level);
	base = at & ~(pages - 1);
	return base >= gfn && base - gfn <= nr && nr - (base - gfn) >= pages;
}

/**
 * p2m_map_level() - the largest leaf that can map the start of a range
 * @caps:      the CPU's EPT capabilities
 * @gfn:       first guest frame of what is left to map
 * @mfn:       the host frame behind @gfn (the range is contiguous)
 * @nr:        frames left
 * @max_level: the largest level wanted, EPT_LEVEL_4K to EPT_LEVEL_1G
 *
 * A leaf at a level maps the page of that size at @gfn to the page at
 * @mfn: both must be aligned to it, the range must hold all of it and the
 * CPU must have such leaves (SDM 29.3.2: the address bits below the page
 * size are reserved in a superpage leaf).
 *
 * Return: the level, at most @max_level; EPT_LEVEL_4K when no superpage
 * fits (also for @nr of 0 and for a @max_level out of range).
 */
int p2m_map_level(const struct p2m_ept_caps *caps, u64 gfn, u64 mfn, u64 nr,
		  int max_level)
{
	int level;

	if (max_level > EPT_LEVEL_1G)
		max_level = EPT_LEVEL_1G;
	for (level = max_level; level > EPT_LEVEL_4K; level--) {
		u64 pages = BIT_ULL(9 * level);

		if (p2m_ept_level_ok(caps, level) && !((gfn | mfn) & (pages - 1)) &&
		    nr >= pages)
			return level;
	}
	return EPT_LEVEL_4K;
}

/* ------------------------------------------------------------ views */

/*
 * A view (ept/view.c) is a cache: each of its leaves is derived from view
 * 0's leaf of the frame it shows, plus the view's override of the frame,
 * and nothing else. A leaf view 0 changes is dropped from every view and
 * derived again when the guest next touches it, so that whatever view 0
 * does (types, the read-only set, splits, dirty logging, hot-plug) a view
 * follows without knowing about it.
 */

/**
 * p2m_view_shows() - may a view show this frame in place of another?
 * @leaf0: view 0's leaf of the frame to be shown
 *
 * Only RAM is shown elsewhere: MMIO (direct or emulated) is bound to its
 * guest address, and a frame with nothing behind it has nothing to show.
 *
 * Return: true for ram_rw, ram_ro and ram_logdirty.
 */
bool p2m_view_shows(u64 leaf0)
{
	u32 type = p2m_entry_type(leaf0);

	return leaf0 && (type == THINVMX_P2M_RAM_RW ||
			 type == THINVMX_P2M_RAM_RO ||
			 type == THINVMX_P2M_RAM_LOGDIRTY);
}

/**
 * p2m_view_source() - the frame whose view-0 leaf a view's frame derives from
 * @ovr: the view's override of @gfn, 0 if none
 * @gfn: the guest frame
 *
 * Return: the frame it shows after VIEW_CHANGE_GFN, else @gfn itself.
 */
u64 p2m_view_source(u64 ovr, u64 gfn)
{
	return (ovr & P2M_VIEW_CHANGED) ? ovr >> P2M_VIEW_GFN_SHIFT : gfn;
}

/**
 * p2m_view_hpa() - the host frame behind one guest frame of a view-0 leaf
 * @leaf0:  view 0's leaf
 * @level0: its level
 * @gfn:    a guest frame the leaf maps
 *
 * Return: the host physical address of @gfn's 4 KiB frame.
 */
u64 p2m_view_hpa(u64 leaf0, int level0, u64 gfn)
{
	u64 in = gfn & (BIT_ULL(9 * level0) - 1);

	return (leaf0 & p2m_addr_mask(level0)) + (in << EPT_LEVEL_SHIFT(EPT_LEVEL_4K));
}

/**
 * p2m_view_leaf() - a view's 4 KiB leaf, derived from view 0's
 * @caps:     the CPU's EPT capabilities
 * @leaf0:    view 0's leaf of the frame shown (p2m_view_source()), 0 if
 *	      none; never a leaf swapped for a single step
 * @level0:   its level
 * @src_gfn:  the frame shown
 * @ovr:      the view's override of the frame, 0 if none
 * @ro_frame: the host frame is in the read-only MMIO set
 *
 * The type is view 0's, always: a view can take rights away or give back
 * what view 0's access right withholds, never what the type withholds.
 * The access right is the view's own if it has one, else view 0's.
 * Views use 4 KiB leaves only: an override is per frame, and a leaf with
 * no superpage needs no split (nor nx_huge). A read-only MMIO frame is
 * never writable, whatever its type says (p2m_ept_entry() applies it to
 * mmio_direct; the mask below to anything else, in case).
 *
 * Suppress-#VE is cleared (P2M_VIEW_VE) only where every violation of the
 * leaf is one of the view's own access right: its own right, on ram_rw
 * that is no read-only frame. A violation the type makes (ram_ro, dirty
 * logging, MMIO) or one of a right the view follows view 0 for, whose
 * leaf may lag behind view 0 (a change that gives rights drops no view
 * leaf), always exits to the module.
 *
 * Return: the leaf, or 0 when view 0 maps nothing there.
 */
u64 p2m_view_leaf(const struct p2m_ept_caps *caps, u64 leaf0, int level0,
		  u64 src_gfn, u64 ovr, bool ro_frame)
{
	u32 access = p2m_entry_access(leaf0);
	u64 e;

	if (!leaf0)
		return 0;
	if (ovr & P2M_VIEW_OWN_ACCESS)
		access = (ovr & P2M_VIEW_ACCESS) >> P2M_VIEW_ACCESS_SHIFT;
	e = p2m_ept_entry(caps, 0, p2m_view_hpa(leaf0, level0, src_gfn),
			  EPT_LEVEL_4K, p2m_entry_type(leaf0), access, ro_frame);
	if (ro_frame)
		e &= ~EPT_WRITE;
	if ((ovr & P2M_VIEW_VE) && (ovr & P2M_VIEW_OWN_ACCESS) && !ro_frame &&
	    p2m_entry_type(leaf0) == THINVMX_P2M_RAM_RW)
		e &= ~P2M_EPT_SUPPRESS_VE;
	return e;
}

/**
 * p2m_view_set_access() - an override with a new access right
 * @ovr:    the override, 0 if none
 * @access: THINVMX_ACCESS_*
 * @ve:     its violations go to the guest as #VE (p2m_view_leaf())
 *
 * Return: the override; what it shows is kept.
 */
u64 p2m_view_set_access(u64 ovr, u32 access, bool ve)
{
	return (ovr & ~(P2M_VIEW_ACCESS | P2M_VIEW_VE)) | P2M_VIEW_OWN_ACCESS |
	       ((u64)access << P2M_VIEW_ACCESS_SHIFT) | (ve ? P2M_VIEW_VE : 0);
}

/**
 * p2m_view_set_gfn() - an override that shows another frame, or its own
 * @ovr:     the override, 0 if none
 * @gfn:     the frame overridden
 * @new_gfn: the frame to show; @gfn itself (or THINVMX_VIEW_GFN_RESET)
 *	     shows its own again
 *
 * Return: the override; its access right is kept (0: none left).
 */
u64 p2m_view_set_gfn(u64 ovr, u64 gfn, u64 new_gfn)
{
	ovr &= P2M_VIEW_OWN_ACCESS | P2M_VIEW_ACCESS | P2M_VIEW_VE;
	if (new_gfn == gfn || new_gfn == THINVMX_VIEW_GFN_RESET)
		return ovr;
	return ovr | P2M_VIEW_CHANGED | (new_gfn << P2M_VIEW_GFN_SHIFT);
}
