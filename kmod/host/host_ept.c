// SPDX-License-Identifier: GPL-2.0
/*
 * Host mode's EPT: the identity map of the whole physical address space
 * (MAXPHYADDR, boot_cpu_data.x86_phys_bits), guest-physical = host-
 * physical, read/write/execute, with the memory type the MTRRs give each
 * range (mtrr_map.c) in the largest leaf the MTRR boundaries allow: a
 * 1 GiB leaf where the CPU has them and one type covers the GiB, else
 * 2 MiB, else 4 KiB. Ignore-PAT stays clear, so the host's PAT combines
 * with the MTRR type exactly as it does natively (SDM 29.3.7.2).
 */
#include <linux/io.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/vmx.h>

#include "host/host_cpu.h"
#include "host/mtrr_map.h"
#include "pages.h"
#include "vmx/host_caps.h"

#define EPT_LEAF_LARGE	BIT_ULL(7)
#define EPT_ENTRIES	512

static u64 *host_ept_page(struct tvx_host_ept *e, u64 *pa)
{
	struct page *p = tvx_alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);

	if (!p)
		return NULL;
	list_add_tail(&p->lru, &e->pages);
	e->nr_pages++;
	*pa = page_to_phys(p);
	return page_address(p);
}

static u64 host_ept_leaf(u64 pa, int type, bool large)
{
	return pa | VMX_EPT_RWX_MASK | ((u64)type << VMX_EPT_MT_EPTE_SHIFT) |
	       (large ? EPT_LEAF_LARGE : 0);
}

static void host_read_mtrrs(struct mtrr_map *m)
{
	static const u32 fixed[11] = {
		0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b,
		0x26c, 0x26d, 0x26e, 0x26f,
	};
	unsigned int i, n;

	memset(m, 0, sizeof(*m));
	m->phys_bits = boot_cpu_data.x86_phys_bits;
	rdmsrl(MTRRMAP_MSR_CAP, m->cap);
	rdmsrl(MTRRMAP_MSR_DEF_TYPE, m->def_type);
	if (m->cap & MTRRMAP_CAP_FIX)
		for (i = 0; i < ARRAY_SIZE(fixed); i++)
			rdmsrl(fixed[i], m->fixed[i]);
	n = min_t(unsigned int, m->cap & MTRRMAP_CAP_VCNT, MTRRMAP_MAX_VAR);
	for (i = 0; i < n; i++) {
		rdmsrl(MTRRMAP_MSR_PHYSBASE0 + 2 * i, m->var[i].base);
		rdmsrl(MTRRMAP_MSR_PHYSBASE0 + 2 * i + 1, m->var[i].mask);
	}
}

/* One 2 MiB range at @pa: a leaf, or a table of 4 KiB leaves. */
static int host_ept_2m(struct tvx_host_ept *e, const struct mtrr_map *m,
		       u64 *pde, u64 pa)
{
	int type = mtrrmap_range_type(m, pa, SZ_2M);
	u64 *pt, pt_pa;
	int i;

	if (type != MTRRMAP_MIXED) {
		*pde = host_ept_leaf(pa, type, true);
		e->leaves[1]++;
		return 0;
	}
	pt = host_ept_page(e, &pt_pa);
	if (!pt)
		return -ENOMEM;
	for (i = 0; i < EPT_ENTRIES; i++) {
		u64 a = pa + (u64)i * SZ_4K;

		pt[i] = host_ept_leaf(a, mtrrmap_range_type(m, a, SZ_4K), false);
	}
	e->leaves[0] += EPT_ENTRIES;
	*pde = pt_pa | VMX_EPT_RWX_MASK;
	return 0;
}

/* One 1 GiB range at @pa: a leaf, or a table of 2 MiB ranges. */
static int host_ept_1g(struct tvx_host_ept *e, const struct mtrr_map *m,
		       u64 *pdpte, u64 pa)
{
	int type = MTRRMAP_MIXED;
	u64 *pd, pd_pa;
	int i, ret;

	if (tvx_has_feature(THINVMX_FEAT_EPT_1G))
		type = mtrrmap_range_type(m, pa, SZ_1G);
	if (type != MTRRMAP_MIXED) {
		*pdpte = host_ept_leaf(pa, type, true);
		e->leaves[2]++;
		return 0;
	}
	pd = host_ept_page(e, &pd_pa);
	if (!pd)
		return -ENOMEM;
	for (i = 0; i < EPT_ENTRIES; i++) {
		ret = host_ept_2m(e, m, &pd[i], pa + (u64)i * SZ_2M);
		if (ret)
			return ret;
	}
	*pdpte = pd_pa | VMX_EPT_RWX_MASK;
	return 0;
}

/**
 * tvx_host_ept_build() - build the identity EPT from this CPU's MTRRs
 * @e: empty; on success holds the tables (e->pml4 is the root)
 *
 * The MTRRs are the same on every CPU (the kernel checks and warns at
 * boot otherwise); this CPU's are read.
 *
 * Context: process context, may sleep.
 * Return: 0, -ENOMEM (what was built is freed), or -EOPNOTSUPP when the
 * CPU has no 2 MiB EPT pages or no MTRRs.
 */
int tvx_host_ept_build(struct tvx_host_ept *e)
{
	u64 top = 1ULL << boot_cpu_data.x86_phys_bits;
	struct mtrr_map *m;
	u64 *pml4, *pdpt = NULL, pml4_pa, pdpt_pa, pa;
	int ret = 0;

	memset(e, 0, sizeof(*e));
	INIT_LIST_HEAD(&e->pages);
	if (!tvx_has_feature(THINVMX_FEAT_EPT_2M) || !boot_cpu_has(X86_FEATURE_MTRR))
		return -EOPNOTSUPP;
	m = kmalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	host_read_mtrrs(m);
	pml4 = host_ept_page(e, &pml4_pa);
	if (!pml4) {
		ret = -ENOMEM;
		goto out;
	}
	e->pml4 = virt_to_page(pml4);
	for (pa = 0; pa < top; pa += SZ_1G) {
		unsigned int i4 = pa >> 39, i3 = (pa >> 30) & 511;

		if (!i3) {
			pdpt = host_ept_page(e, &pdpt_pa);
			if (!pdpt) {
				ret = -ENOMEM;
				goto out;
			}
			pml4[i4] = pdpt_pa | VMX_EPT_RWX_MASK;
		}
		ret = host_ept_1g(e, m, &pdpt[i3], pa);
		if (ret)
			goto out;
		cond_resched();
	}
out:
	kfree(m);
	if (ret)
		tvx_host_ept_free(e);
	return ret;
}

#define EPT_ADDR_MASK	GENMASK_ULL(51, 12)

/*
 * A large leaf as a table of 512 leaves one level down, same type and
 * rights: written whole before the one store that links it, so that a
 * CPU walking the EPT meanwhile sees either the old leaf or the new table.
 * The caller flushes the CPUs' EPT translations (INVEPT).
 */
static bool host_ept_split(u64 *entry, unsigned int level, u64 (*alloc)(void *),
			   void *ctx)
{
	u64 leaf = READ_ONCE(*entry), child = 1ULL << (12 + 9 * (level - 2));
	u64 flags = leaf & ~EPT_ADDR_MASK, base = leaf & EPT_ADDR_MASK;
	u64 table_pa = alloc(ctx);
	u64 *table;
	int i;

	if (!table_pa)
		return false;
	if (level == 2)
		flags &= ~EPT_LEAF_LARGE;
	table = __va(table_pa);
	for (i = 0; i < EPT_ENTRIES; i++)
		table[i] = (base + i * child) | flags;
	WRITE_ONCE(*entry, table_pa | VMX_EPT_RWX_MASK);
	return true;
}

/**
 * tvx_host_ept_leaf4k() - the 4 KiB leaf of a frame, splitting down to it
 * @pml4_pa: the identity EPT's root
 * @pa: the frame's address
 * @alloc: gives the physical address of a zeroed table page, or 0
 * @ctx: for @alloc
 *
 * Tables are reached through the kernel's direct map, which root mode's
 * page table shares: the same code runs natively before host mode starts
 * (tables from the build's list) and in root mode (TVX_HC_EPT_SET, tables
 * from the stolen pool).
 *
 * Context: any; no locks taken (the caller serialises edits).
 * Return: the leaf, or NULL when a split found no table page.
 */
u64 *tvx_host_ept_leaf4k(u64 pml4_pa, u64 pa, u64 (*alloc)(void *), void *ctx)
{
	u64 *table = __va(pml4_pa);
	unsigned int level;

	for (level = 4; level > 1; level--) {
		u64 *entry = &table[(pa >> (12 + 9 * (level - 1))) & 511];

		if (level <= 3 && (READ_ONCE(*entry) & EPT_LEAF_LARGE) &&
		    !host_ept_split(entry, level, alloc, ctx))
			return NULL;
		table = __va(READ_ONCE(*entry) & EPT_ADDR_MASK);
	}
	return &table[(pa >> 12) & 511];
}

/**
 * tvx_host_ept_page_pa() - one more zeroed table page on the EPT's list
 * @e: the identity EPT
 *
 * Context: process context.
 * Return: its physical address, or 0.
 */
u64 tvx_host_ept_page_pa(struct tvx_host_ept *e)
{
	u64 pa;

	return host_ept_page(e, &pa) ? pa : 0;
}

static u64 host_ept_alloc_native(void *ctx)
{
	return tvx_host_ept_page_pa(ctx);
}

/**
 * tvx_host_ept_restrict() - take rights on a frame away from the host
 * @e: the identity EPT, not in use yet (host mode is off)
 * @pa: the frame
 * @rights: what the host keeps (0, or read and execute for module text)
 *
 * The leaf is marked TVX_EPT_OWNED: TVX_HC_EPT_SET never gives such a
 * frame back.
 *
 * Context: process context, before any CPU uses the EPT.
 * Return: 0 or -ENOMEM.
 */
int tvx_host_ept_restrict(struct tvx_host_ept *e, u64 pa, u64 rights)
{
	u64 *leaf = tvx_host_ept_leaf4k(page_to_phys(e->pml4), pa,
					host_ept_alloc_native, e);

	if (!leaf)
		return -ENOMEM;
	if (!(*leaf & TVX_EPT_OWNED))
		e->stolen++;
	*leaf = (*leaf & ~VMX_EPT_RWX_MASK) | rights | TVX_EPT_OWNED;
	return 0;
}

/**
 * tvx_host_ept_free() - free the tables of tvx_host_ept_build()
 * @e: built, or empty; left empty
 */
void tvx_host_ept_free(struct tvx_host_ept *e)
{
	struct page *p, *tmp;

	if (!e->pages.next)
		return;
	list_for_each_entry_safe(p, tmp, &e->pages, lru) {
		list_del(&p->lru);
		tvx_free_pages(p, 0);
	}
	e->pml4 = NULL;
	e->nr_pages = 0;
	e->stolen = 0;
	memset(e->leaves, 0, sizeof(e->leaves));
}
