// SPDX-License-Identifier: GPL-2.0
/*
 * Building and tearing down a domain's EPT paging structures. Tables are
 * allocated while the domain is built (process context); the guest never
 * changes them.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>

#include "ept.h"
#include "../tvx.h"

#define EPT_ENTRIES		512
#define EPT_TABLE_BITS		(EPT_RWX)	/* non-leaf: the leaf decides */

static u64 *ept_table(u64 entry)
{
	return phys_to_virt(entry & EPT_ADDR_MASK);
}

static bool ept_present(u64 entry)
{
	return entry & EPT_RWX;
}

/**
 * ept_init() - an empty EPT (a zeroed PML4)
 * @ept: the structure to initialise
 *
 * Return: 0 or -ENOMEM.
 */
int ept_init(struct ept *ept)
{
	ept->root = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!ept->root)
		return -ENOMEM;
	ept->table_pages = 1;
	return 0;
}

static void ept_free_table(struct ept *ept, u64 *table, int level)
{
	int i;

	/* level 3 = PML4, 2 = PDPT, 1 = PD, 0 = PT */
	if (level > 0) {
		for (i = 0; i < EPT_ENTRIES; i++) {
			u64 e = table[i];

			if (ept_present(e) && !(e & EPT_LEAF))
				ept_free_table(ept, ept_table(e), level - 1);
		}
	}
	tvx_free_pages(virt_to_page(table), 0);
	ept->table_pages--;
}

/**
 * ept_destroy() - free every paging-structure page (not the guest memory)
 * @ept: an EPT set up by ept_init(), or one whose ept_init() failed
 *
 * The caller invalidates cached translations first (INVEPT).
 */
void ept_destroy(struct ept *ept)
{
	if (!ept->root)
		return;
	ept_free_table(ept, page_address(ept->root), 3);
	WARN_ON(ept->table_pages);
	ept->root = NULL;
}

/**
 * ept_map() - map one page of the size @level gives
 * @ept:       the EPT
 * @gpa:       guest physical address, aligned to the page size
 * @hpa:       host physical address, aligned likewise
 * @level:     EPT_LEVEL_4K, EPT_LEVEL_2M or EPT_LEVEL_1G
 * @leaf_bits: permission and memory-type bits of the leaf
 *
 * Missing tables on the way are allocated. The slot must be empty.
 *
 * Return: 0, -ENOMEM, or -EEXIST when something is mapped there already.
 */
int ept_map(struct ept *ept, u64 gpa, u64 hpa, int level, u64 leaf_bits)
{
	u64 *table = page_address(ept->root);
	int l;

	for (l = 3; l > level; l--) {
		u64 *e = &table[(gpa >> EPT_LEVEL_SHIFT(l)) & (EPT_ENTRIES - 1)];

		if (!ept_present(*e)) {
			struct page *p = tvx_alloc_pages(GFP_KERNEL_ACCOUNT |
							 __GFP_ZERO, 0);

			if (!p)
				return -ENOMEM;
			ept->table_pages++;
			*e = page_to_phys(p) | EPT_TABLE_BITS;
		} else if (*e & EPT_LEAF) {
			return -EEXIST;
		}
		table = ept_table(*e);
	}
	table += (gpa >> EPT_LEVEL_SHIFT(level)) & (EPT_ENTRIES - 1);
	if (ept_present(*table))
		return -EEXIST;
	*table = hpa | leaf_bits | (level > EPT_LEVEL_4K ? EPT_LEAF : 0);
	return 0;
}

/**
 * ept_lookup() - the leaf entry that maps @gpa
 * @ept:   the EPT
 * @gpa:   guest physical address
 * @level: set to the leaf's level when one is found
 *
 * Return: the leaf entry, or 0 when @gpa is not mapped.
 */
u64 ept_lookup(const struct ept *ept, u64 gpa, int *level)
{
	u64 *table = page_address(ept->root);
	int l;

	for (l = 3; l >= 0; l--) {
		u64 e = table[(gpa >> EPT_LEVEL_SHIFT(l)) & (EPT_ENTRIES - 1)];

		if (!ept_present(e))
			return 0;
		if (l == 0 || (e & EPT_LEAF)) {
			*level = l;
			return e;
		}
		table = ept_table(e);
	}
	return 0;
}

/**
 * ept_eptp() - the EPT pointer for the VMCS (SDM 25.6.11)
 * @ept: the EPT
 * @ad:  whether to enable accessed and dirty flags
 *
 * Return: PML4 address | write-back paging structures | walk length 4 - 1.
 */
u64 ept_eptp(const struct ept *ept, bool ad)
{
	return page_to_phys(ept->root) | 6 | (3 << 3) | (ad ? BIT_ULL(6) : 0);
}
