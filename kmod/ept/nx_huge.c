// SPDX-License-Identifier: GPL-2.0
/*
 * The module parameter nx_huge_pages, the iTLB multihit mitigation
 * (CVE-2018-12207) as kvm's nx_huge_pages: on, no 2 MiB or 1 GiB EPT leaf
 * of a domain allows instruction fetches, and a fetch splits the
 * superpage down to an executable 4 KiB leaf (p2m.c, violation.c).
 *   nx_huge_pages=auto  on where the host kernel marks the CPU with
 *                       X86_BUG_ITLB_MULTIHIT (the default);
 *   nx_huge_pages=on    always;
 *   nx_huge_pages=off   never.
 * Reading it gives the setting in force, on or off. A domain takes it when
 * it is created and keeps it: a change applies to domains created
 * afterwards (GET_DOMAIN_INFO's THINVMX_INFO_NX_HUGE_PAGES says which a
 * domain has). Turning it on under a running domain would need every
 * executable superpage rebuilt and flushed, which KVM does on a write and
 * thinvmx does not.
 */
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <asm/cpufeature.h>

#include "ept/nx_huge.h"

enum tvx_nx_mode { TVX_NX_AUTO, TVX_NX_ON, TVX_NX_OFF };

static const char *const tvx_nx_names[] = {
	[TVX_NX_AUTO] = "auto",
	[TVX_NX_ON] = "on",
	[TVX_NX_OFF] = "off",
};

static enum tvx_nx_mode tvx_nx_mode = TVX_NX_AUTO;

/**
 * tvx_nx_huge_pages() - whether a domain created now gets nx_huge
 *
 * Return: true for on, and for auto on a CPU with X86_BUG_ITLB_MULTIHIT.
 */
bool tvx_nx_huge_pages(void)
{
	switch (READ_ONCE(tvx_nx_mode)) {
	case TVX_NX_ON:
		return true;
	case TVX_NX_OFF:
		return false;
	default:
		return boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT);
	}
}

static int tvx_nx_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(tvx_nx_names, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(tvx_nx_mode, i);
	return 0;
}

static int tvx_nx_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", tvx_nx_huge_pages() ? "on" : "off");
}

static const struct kernel_param_ops tvx_nx_ops = {
	.set = tvx_nx_set,
	.get = tvx_nx_get,
};

module_param_cb(nx_huge_pages, &tvx_nx_ops, NULL, 0644);
MODULE_PARM_DESC(nx_huge_pages,
		 "superpages never executable (iTLB multihit): auto, on or off; for domains created afterwards");
