/* SPDX-License-Identifier: GPL-2.0 */
/*
 * p2m types and access rights, and the EPT leaf entries they make
 * (DESIGN.md, "p2m types and access rights"). Pure logic (p2m.c), shared
 * with the host unit tests (selftests/unit/test_p2m.c); walking, splitting
 * and locking the tables is ept.c's business.
 */
#ifndef _THINVMX_EPT_P2M_H
#define _THINVMX_EPT_P2M_H

#include "../pure.h"
#include "../../uapi/thinvmx.h"	/* THINVMX_P2M_*, THINVMX_ACCESS_* */

/* A set of rights: what an access right allows, what the guest attempted. */
#define P2M_R				BIT(0)
#define P2M_W				BIT(1)
#define P2M_X				BIT(2)
#define P2M_RWX				(P2M_R | P2M_W | P2M_X)

/*
 * Bits of an EPT leaf besides those in ept.h (SDM Vol. 3, 29.3.2, the
 * tables of EPT entry formats).
 *
 * The p2m type and the access right live in the leaf itself, in bits the
 * CPU ignores, so the tables are the only record of them:
 *
 *   52-54  p2m type (THINVMX_P2M_*)
 *   55-58  access right (THINVMX_ACCESS_*)
 *
 * Bits 52-56 are ignored in every configuration. Bit 57 (verify guest
 * paging) and bit 58 (paging-write access) mean something only under the
 * tertiary controls "guest-paging verification" and "EPT paging-write
 * control", which thinvmx never enables (it never activates tertiary
 * controls). Not used: bits 8-9 (accessed and dirty when the EPTP enables
 * them), 10 (user execute under mode-based execute control), 60 (supervisor
 * shadow stack, EPTP bit 7), 61 (sub-page write permissions) and 63
 * (suppress #VE): each has a meaning under some control, and 63 matters as
 * soon as EPT-violation #VE is on.
 *
 * Suppress #VE is set in every entry p2m_ept_entry() builds, so every EPT
 * violation reaches thinvmx even if EPT-violation #VE were switched on; it
 * is ignored otherwise.
 */
#define P2M_EPT_ACCESSED		BIT_ULL(8)
#define P2M_EPT_DIRTY			BIT_ULL(9)
#define P2M_EPT_TYPE_SHIFT		52
#define P2M_EPT_TYPE			GENMASK_ULL(54, 52)
#define P2M_EPT_ACCESS_SHIFT		55
#define P2M_EPT_ACCESS			GENMASK_ULL(58, 55)
#define P2M_EPT_SUPPRESS_VE		BIT_ULL(63)

#define P2M_EPT_ENTRIES			512	/* entries in one EPT table */

/* EPT-violation exit qualification (SDM Vol. 3, Table 28-7) */
#define P2M_QUAL_READ			BIT_ULL(0)	/* data read */
#define P2M_QUAL_WRITE			BIT_ULL(1)	/* data write */
#define P2M_QUAL_FETCH			BIT_ULL(2)	/* instruction fetch */
#define P2M_QUAL_ENTRY_RWX		GENMASK_ULL(5, 3) /* the GPA was r/w/x */
#define P2M_QUAL_GLA_VALID		BIT_ULL(7)	/* guest linear address */
#define P2M_QUAL_GLA_XLATE		BIT_ULL(8)	/* 1: the final access, 0: a walk */

/**
 * struct p2m_ept_caps - what the CPU's EPT can express
 * @exec_only:	execute-only entries (IA32_VMX_EPT_VPID_CAP bit 0)
 * @page_2m:	2 MiB leaves in a PDE (bit 16)
 * @page_1g:	1 GiB leaves in a PDPTE (bit 17)
 * @nx_huge:	no 2 MiB or 1 GiB leaf allows instruction fetches (the module
 *		parameter nx_huge_pages: iTLB multihit, see p2m.c); a
 *		domain's setting, taken when it is created
 */
struct p2m_ept_caps {
	bool exec_only;
	bool page_2m;
	bool page_1g;
	bool nx_huge;
};

/**
 * enum p2m_violation_kind - what an EPT violation is, and who handles it
 * @P2M_VIOL_RETRY:	the entry allows the access now (another vCPU changed
 *			it since): re-enter, after rebuilding the entry if
 *			&p2m_violation.rebuild says so
 * @P2M_VIOL_ACCESS:	the access right forbids it: report a mem_access event
 *			with &p2m_violation.attempted; rx2rw and n2rwx have
 *			already been moved on in &p2m_violation.access
 * @P2M_VIOL_LOGDIRTY:	a write to a ram_logdirty frame: mark it dirty, store
 *			the new type (ram_rw) and re-enter
 * @P2M_VIOL_MMIO_DM:	emulated MMIO: decode and forward to the VMM
 * @P2M_VIOL_UNMAPPED:	nothing is mapped here (type invalid)
 * @P2M_VIOL_RAM_RO_WRITE:	a write to ram_ro: discard it, the guest goes on
 * @P2M_VIOL_RO_MMIO_WRITE:	a write to a read-only MMIO frame (MSI-X table or
 *				PBA, ...): discard it, count it, maybe report it
 * @P2M_VIOL_NX_SPLIT:	an instruction fetch the type and the access right
 *			allow, from a superpage leaf that nx_huge_pages keeps
 *			from executing: split the leaf down to 4 KiB, whose
 *			leaves may execute, and re-enter
 */
enum p2m_violation_kind {
	P2M_VIOL_RETRY,
	P2M_VIOL_ACCESS,
	P2M_VIOL_LOGDIRTY,
	P2M_VIOL_MMIO_DM,
	P2M_VIOL_UNMAPPED,
	P2M_VIOL_RAM_RO_WRITE,
	P2M_VIOL_RO_MMIO_WRITE,
	P2M_VIOL_NX_SPLIT,
};

/**
 * struct p2m_violation - the decision p2m_ept_violation() takes
 * @kind:	enum p2m_violation_kind
 * @attempted:	the rights the guest attempted (P2M_R, P2M_W, P2M_X)
 * @type:	the type the entry must have from now on
 * @access:	the access right the entry must have from now on
 * @rebuild:	@type or @access changed, or the entry's permissions are
 *		stale: rebuild it with p2m_ept_entry() before re-entering
 * @gla_valid:	the access had a guest linear address (qualification bit 7)
 * @in_walk:	the access was the CPU's own, to a guest paging-structure
 *		entry while translating that linear address
 */
struct p2m_violation {
	enum p2m_violation_kind kind;
	u32 attempted;
	u32 type;
	u32 access;
	bool rebuild;
	bool gla_valid;
	bool in_walk;
};

/*
 * A view's override of one guest frame (ept/view.c keeps them in an
 * xarray by gfn, as value entries): its own access right, and the frame
 * whose contents it shows. Absent: the frame is as view 0 has it.
 */
#define P2M_VIEW_OWN_ACCESS		BIT_ULL(0)
#define P2M_VIEW_CHANGED		BIT_ULL(1)
#define P2M_VIEW_ACCESS_SHIFT		2	/* 4 bits: THINVMX_ACCESS_* */
#define P2M_VIEW_ACCESS			GENMASK_ULL(5, 2)
#define P2M_VIEW_VE			BIT_ULL(6)	/* its own right's violations: #VE */
#define P2M_VIEW_GFN_SHIFT		8	/* the frame shown, if CHANGED */

bool p2m_view_shows(u64 leaf0);
u64 p2m_view_source(u64 ovr, u64 gfn);
u64 p2m_view_hpa(u64 leaf0, int level0, u64 gfn);
u64 p2m_view_leaf(const struct p2m_ept_caps *caps, u64 leaf0, int level0,
		  u64 src_gfn, u64 ovr, bool ro_frame);
u64 p2m_view_set_access(u64 ovr, u32 access, bool ve);
u64 p2m_view_set_gfn(u64 ovr, u64 gfn, u64 new_gfn);

bool p2m_ept_level_ok(const struct p2m_ept_caps *caps, int level);
bool p2m_nx_huge_leaf(const struct p2m_ept_caps *caps, int level);
u64 p2m_ept_entry(const struct p2m_ept_caps *caps, u64 old, u64 hpa,
		  int level, u32 type, u32 access, bool ro_frame);
u32 p2m_entry_type(u64 entry);
u32 p2m_entry_access(u64 entry);
u32 p2m_access_rights(u32 access);
bool p2m_access_allows(u32 access, u32 attempted);
u32 p2m_access_after_violation(u32 access);
int p2m_ept_violation(const struct p2m_ept_caps *caps, u64 entry, int level,
		      u64 qual, bool ro_frame, struct p2m_violation *v);
int p2m_change_type_ok(u32 from, u32 to);
int p2m_split_leaf(const struct p2m_ept_caps *caps, u64 leaf, int level,
		   u64 *out);
bool p2m_range_covers(u64 gfn, u64 nr, u64 at, int level);
int p2m_map_level(const struct p2m_ept_caps *caps, u64 gfn, u64 mfn, u64 nr,
		  int max_level);

#endif /* _THINVMX_EPT_P2M_H */
