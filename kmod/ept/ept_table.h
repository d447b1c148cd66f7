/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A domain's EPT paging structures (ept.c).
 */
#ifndef _THINVMX_EPT_TABLE_H
#define _THINVMX_EPT_TABLE_H

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <asm/processor.h>

#include "../../uapi/thinvmx.h"
#include "ept.h"
#include "p2m.h"

struct ept {
	spinlock_t lock;		/* every entry below root (view 0) */
	/*
	 * The lock that covers this EPT's entries: @lock for a domain's p2m,
	 * the p2m's for its views (ept/view.c), which are derived from it
	 */
	spinlock_t *lockp;
	struct page *root;		/* the PML4 */
	u64 eptp;			/* what the VMCS points at */
	struct p2m_ept_caps caps;
	bool invept_single;
	unsigned long table_pages;	/* paging-structure pages, root included */
	unsigned long leaves[3];	/* leaves per level: 4K, 2M, 1G */
	struct list_head swaps;		/* active struct ept_leaf_swap */
};

/*
 * What an emptied slot of a view holds (ept_zap_all(), ept/view.c): not
 * present, suppress-#VE set, so that a violation there always exits.
 */
#define EPT_EMPTY		P2M_EPT_SUPPRESS_VE

/* Pages for the splits of one update, allocated before the lock. */
#define EPT_PREALLOC_MAX	4
/* what ept_split_down() of a 1 GiB leaf takes */
#define EPT_SPLIT_DOWN_PAGES	2
struct ept_prealloc {
	unsigned int nr;
	struct page *pages[EPT_PREALLOC_MAX];
};

/*
 * One leaf replaced for the length of one single-stepped instruction
 * (ept/violation.c: ept_swap_leaf(), ept_unswap_leaf()): the leaf at @gpa
 * was @saved and is @step until it is put back, unless a p2m change
 * replaced it meanwhile.
 */
struct ept_leaf_swap {
	bool active;			/* on the EPT's swaps, under its lock */
	struct ept *ept;		/* the p2m, or the view the vCPU ran in */
	u64 gpa;
	u64 saved;
	u64 step;
	struct list_head node;
};

/* A leaf visitor: the entry, its level and the first guest frame it maps. */
typedef int (*ept_leaf_fn)(struct ept *ept, u64 *e, int level, u64 gfn,
			   void *arg);

/*
 * Guest frames EPT maps: below 2^48 (four levels of tables; the index of
 * a wider address would wrap onto a lower one) and below the host's
 * MAXPHYADDR, which the guest is told and cannot address beyond.
 */
static inline u64 ept_gfn_limit(void)
{
	return BIT_ULL(min_t(int, 48, boot_cpu_data.x86_phys_bits) - PAGE_SHIFT);
}

int ept_init(struct ept *ept, const struct thinvmx_caps *caps, bool nx_huge);
void ept_destroy(struct ept *ept);
void ept_zap_all(struct ept *ept);
int ept_map(struct ept *ept, u64 gpa, u64 hpa, int level, u32 type,
	    u32 access, bool ro);
u64 *ept_find_leaf(const struct ept *ept, u64 gpa, int *level);
u64 ept_lookup(struct ept *ept, u64 gpa, int *level);
u64 ept_eptp(const struct ept *ept, bool ad);
int ept_prealloc_fill(struct ept_prealloc *pa, unsigned int n, gfp_t extra);
void ept_prealloc_free(struct ept_prealloc *pa);
int ept_split_at(struct ept *ept, u64 gfn, struct ept_prealloc *pa);
int ept_split_down(struct ept *ept, u64 gfn, struct ept_prealloc *pa);
int ept_for_range(struct ept *ept, u64 gfn, u64 nr, bool split,
		  struct ept_prealloc *pa, ept_leaf_fn fn, void *arg);
int ept_for_all(struct ept *ept, ept_leaf_fn fn, void *arg);
bool ept_unswap_locked(struct ept *ept, struct ept_leaf_swap *sw);
bool ept_unswap_all(struct ept *ept);
int ept_for_all_from(struct ept *ept, u64 from, ept_leaf_fn fn, void *arg);
bool ept_set_leaf(struct ept *ept, u64 *e, int level, u32 type, u32 access,
		  bool ro);
void ept_flush_this_cpu(struct ept *ept);
void ept_flush_all_cpus(struct ept *ept);

#endif /* _THINVMX_EPT_TABLE_H */
