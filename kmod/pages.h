/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page accounting: every page the module allocates for itself is counted,
 * so a leak shows in the "pages" module parameter (main.c) and tests can
 * check that a domain gives back everything it took. A leaf header: the
 * rooms include it without pulling in the domain.
 */
#ifndef _THINVMX_PAGES_H
#define _THINVMX_PAGES_H

#include <linux/atomic.h>
#include <linux/gfp.h>

extern atomic_long_t tvx_pages;

static inline struct page *tvx_alloc_pages(gfp_t gfp, unsigned int order)
{
	struct page *p = alloc_pages(gfp, order);

	if (p)
		atomic_long_add(1L << order, &tvx_pages);
	return p;
}

static inline void tvx_free_pages(struct page *p, unsigned int order)
{
	atomic_long_sub(1L << order, &tvx_pages);
	__free_pages(p, order);
}

#endif /* _THINVMX_PAGES_H */
