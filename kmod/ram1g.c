// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM in 1 GiB pieces, for 1 GiB EPT leaves. The buddy allocator
 * stops at 4 MiB; a GiB comes from alloc_contig_range() (what the kernel's
 * own gigantic pages use): a free or movable, 1 GiB aligned range of one
 * zone, its used pages migrated away. Such ranges exist where the host
 * keeps a movable zone (movablecore=, kernelcore=) or has plenty of free
 * memory; elsewhere the attempt fails and the caller falls back to 2 MiB.
 *
 * The module parameter ram_1g switches it off. The pages count in the
 * module's "pages" parameter like every other; they are not charged to a
 * memory cgroup (alloc_contig_range() does not charge).
 */
#include <linux/gfp.h>
#include <linux/memcontrol.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/page_counter.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>

#include "pages.h"
#include "ram1g.h"

static bool ram_1g = true;
module_param(ram_1g, bool, 0644);
MODULE_PARM_DESC(ram_1g, "back guest RAM with 1 GiB pages where the host has them (default: on)");

#define TVX_1G_PAGES	BIT(TVX_1G_ORDER)

bool tvx_ram_1g_enabled(void)
{
	return READ_ONCE(ram_1g);
}

/*
 * Whether [pfn, pfn + 1 GiB) is worth an attempt: every page online RAM
 * in @zone, none reserved or in a hugetlb page (alloc_contig_range()
 * would fail on them only after isolating and migrating the rest).
 */
static bool tvx_1g_candidate(struct zone *zone, unsigned long pfn)
{
	unsigned long i;

	for (i = 0; i < TVX_1G_PAGES; i++) {
		struct page *page = pfn_to_online_page(pfn + i);

		if (!page || page_zone(page) != zone || PageReserved(page) ||
		    PageHuge(page))
			return false;
		if (!(i % 4096))
			cond_resched();
	}
	return true;
}

/* Zero a GiB through the direct map, a page at a time. */
static void tvx_1g_clear(struct page *page)
{
	unsigned long i;

	for (i = 0; i < TVX_1G_PAGES; i++) {
		clear_page(page_address(nth_page(page, i)));
		if (!(i % 512))
			cond_resched();
	}
}

/*
 * A GiB from alloc_contig_range() is charged to no memory cgroup, and 6.1
 * exports no way to charge it: a task inside a cgroup with a memory limit
 * (there or in any ancestor) gets none, and its domain's RAM comes in
 * 2 MiB pages, charged like the rest. So a container cannot take host
 * memory past its limit through 1 GiB pages.
 */
static bool tvx_memcg_limited(void)
{
	struct mem_cgroup *memcg;
	struct page_counter *c;
	bool limited = false;

	if (mem_cgroup_disabled())
		return false;
	rcu_read_lock();
	memcg = mem_cgroup_from_task(current);
	for (c = memcg ? &memcg->memory : NULL; c && !limited; c = c->parent)
		limited = READ_ONCE(c->max) != PAGE_COUNTER_MAX;
	rcu_read_unlock();
	return limited;
}

/**
 * tvx_alloc_1g() - a zeroed, 1 GiB aligned, physically contiguous GiB
 *
 * Tries every 1 GiB aligned range of every populated zone once, highest
 * zone first (ZONE_MOVABLE is where the attempt can succeed). May sleep
 * long: it migrates pages. Gives up on a fatal signal. Never for a task
 * in a memory cgroup with a limit (tvx_memcg_limited()).
 *
 * Return: the first page, or NULL.
 */
struct page *tvx_alloc_1g(void)
{
	int nid, z;

	if (!tvx_ram_1g_enabled() || tvx_memcg_limited())
		return NULL;
	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);

		for (z = MAX_NR_ZONES - 1; z >= 0; z--) {
			struct zone *zone = &pgdat->node_zones[z];
			unsigned long pfn;

			if (!populated_zone(zone))
				continue;
			for (pfn = ALIGN(zone->zone_start_pfn, TVX_1G_PAGES);
			     pfn + TVX_1G_PAGES <= zone_end_pfn(zone);
			     pfn += TVX_1G_PAGES) {
				if (fatal_signal_pending(current))
					return NULL;
				if (!tvx_1g_candidate(zone, pfn))
					continue;
				if (alloc_contig_range(pfn, pfn + TVX_1G_PAGES,
						       MIGRATE_MOVABLE,
						       GFP_KERNEL | __GFP_NOWARN))
					continue;
				atomic_long_add(TVX_1G_PAGES, &tvx_pages);
				tvx_1g_clear(pfn_to_page(pfn));
				return pfn_to_page(pfn);
			}
		}
	}
	return NULL;
}

/**
 * tvx_free_1g() - give back a GiB from tvx_alloc_1g()
 * @page: its first page
 */
void tvx_free_1g(struct page *page)
{
	atomic_long_sub(TVX_1G_PAGES, &tvx_pages);
	free_contig_range(page_to_pfn(page), TVX_1G_PAGES);
}
