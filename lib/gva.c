// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: guest linear addresses to guest-physical ones, by the
 * guest's own page tables. The walk is the module's (kmod/vmx/gwalk.c,
 * the SDM's 32-bit, PAE, 4- and 5-level paging with 4 KiB, 2/4 MiB and
 * 1 GiB pages), compiled into the library as a pure file: a daemon and
 * the hypervisor read the same tables the same way. This file only feeds
 * it guest memory through the domain's mapping. Unit-tested in
 * selftests/unit/test_gva.c.
 */
#include <errno.h>

#include "libthinvmx.h"
#include "../kmod/vmx/gwalk.h"

static int tvx_gva_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return tvx_read_guest(ctx, gpa, buf, len);
}

int tvx_gla_to_gpa(const struct tvx_domain *d, const struct tvx_paging *pg,
		   __u64 gla, __u64 *gpa, __u64 *page_size)
{
	struct gwalk_regs r = {
		.cr0 = pg->cr0,
		.cr3 = pg->cr3,
		.cr4 = pg->cr4,
		.efer = pg->efer,
		.maxphyaddr = pg->maxphyaddr ? pg->maxphyaddr : 52,
	};
	struct gwalk_result res;
	int ret;

	/* a supervisor read: the daemon looks, with no rights of its own */
	ret = gwalk_translate(&r, gla, 0, tvx_gva_read, (void *)d, &res);
	if (ret)
		return ret;
	*gpa = res.gpa;
	if (page_size)
		*page_size = res.page_size;
	return 0;
}
