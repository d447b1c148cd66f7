// SPDX-License-Identifier: GPL-2.0
/*
 * A domain's CPUID table: the default one built from the host's leaves
 * (cpuid.c decides what a guest may see), and THINVMX_SET_CPUID and
 * THINVMX_GET_CPUID. Exits read it under dom->cpuid_lock.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>

#include "cpuid.h"
#include "domain.h"
#include "vmx/vmcs.h"
#include "vmx/xcr0.h"

/**
 * tvx_set_cpuid() - THINVMX_SET_CPUID: replace the domain's table
 * @dom:  the domain
 * @uarg: struct thinvmx_cpuid and its entries
 *
 * Return: 0, -EFAULT, -EINVAL (pad, too many entries, or a table
 * cpuid_validate() refuses), -ENOMEM.
 */
long tvx_set_cpuid(struct tvx_dom *dom, struct thinvmx_cpuid __user *uarg)
{
	struct thinvmx_cpuid c;
	struct thinvmx_cpuid_entry *e, *old;
	int ret;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.pad || c.nr > THINVMX_CPUID_MAX)
		return -EINVAL;
	e = kvmalloc_array(max(c.nr, 1U), sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	if (copy_from_user(e, u64_to_user_ptr(c.entries), c.nr * sizeof(*e))) {
		kvfree(e);
		return -EFAULT;
	}
	ret = cpuid_validate(e, c.nr);
	if (ret) {
		kvfree(e);
		return ret;
	}
	spin_lock(&dom->cpuid_lock);
	old = dom->cpuid;
	dom->cpuid = e;
	dom->nr_cpuid = c.nr;
	spin_unlock(&dom->cpuid_lock);
	kvfree(old);
	return 0;
}

/**
 * tvx_get_cpuid() - THINVMX_GET_CPUID: copy the domain's table out
 * @dom:  the domain
 * @uarg: struct thinvmx_cpuid; nr says how many entries fit
 *
 * Return: 0 (nr says how many entries there are; at most as many as nr
 * said were copied), -EFAULT, -EINVAL (pad), -ENOMEM.
 */
long tvx_get_cpuid(struct tvx_dom *dom, struct thinvmx_cpuid __user *uarg)
{
	struct thinvmx_cpuid_entry *snap;
	struct thinvmx_cpuid c;
	long ret = 0;
	u32 n, total;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.pad)
		return -EINVAL;
	snap = kvmalloc_array(THINVMX_CPUID_MAX, sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	spin_lock(&dom->cpuid_lock);
	total = dom->nr_cpuid;
	memcpy(snap, dom->cpuid, total * sizeof(*snap));
	spin_unlock(&dom->cpuid_lock);
	n = min(c.nr, total);
	if (n && copy_to_user(u64_to_user_ptr(c.entries), snap, n * sizeof(*snap)))
		ret = -EFAULT;
	c.nr = total;
	if (!ret && copy_to_user(uarg, &c, sizeof(c)))
		ret = -EFAULT;
	kvfree(snap);
	return ret;
}

static void tvx_host_cpuid(struct thinvmx_cpuid_entry *e, u32 *nr, u32 max,
			   u32 function, u32 index, bool indexed)
{
	u32 a, b, c, d;

	if (*nr >= max)
		return;
	cpuid_count(function, index, &a, &b, &c, &d);
	e[(*nr)++] = (struct thinvmx_cpuid_entry) {
		.function = function, .index = indexed ? index : 0,
		.flags = indexed ? THINVMX_CPUID_FLAG_INDEXED : 0,
		.eax = a, .ebx = b, .ecx = c, .edx = d,
	};
}

/* How many sub-leaves a host leaf has, or 0 when it takes no index. */
static u32 tvx_host_subleaves(u32 function)
{
	u32 a, b, c, d, n;

	switch (function) {
	case 4:		/* deterministic cache parameters: until type 0 */
		for (n = 0; n < 16; n++) {
			cpuid_count(4, n, &a, &b, &c, &d);
			if (!(a & 0x1f))
				break;
		}
		return n + 1;
	case 0xb:
	case 0x1f:	/* topology: until level type 0 */
		for (n = 0; n < 8; n++) {
			cpuid_count(function, n, &a, &b, &c, &d);
			if (!((c >> 8) & 0xff))
				break;
		}
		return n + 1;
	case 7:
	case 0x14:
	case 0x17:
	case 0x18:
	case 0x1d:	/* sub-leaf 0 EAX is the last sub-leaf */
		cpuid_count(function, 0, &a, &b, &c, &d);
		return min(a, 31U) + 1;
	case 0xd:	/* XSAVE: one sub-leaf per state component */
		return 64;
	case 0xf:
	case 0x10:
	case 0x12:
		return 4;
	default:
		return 0;
	}
}

/**
 * tvx_default_cpuid() - a new domain's table, from the host's leaves
 * @dom: the domain, not yet visible to anyone
 *
 * Return: 0, -ENOMEM, or what cpuid_guest_defaults() refuses.
 */
int tvx_default_cpuid(struct tvx_dom *dom)
{
	struct thinvmx_cpuid_entry *e;
	static const u32 bases[] = { 0, 0x80000000u };
	u32 nr = 0, base, max, f, i, b, sub;
	int ret;

	e = kvmalloc_array(THINVMX_CPUID_MAX, sizeof(*e),
			   GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!e)
		return -ENOMEM;
	for (b = 0; b < ARRAY_SIZE(bases); b++) {
		base = bases[b];
		max = cpuid_eax(base);
		if (max < base || max > base + 0xff)
			continue;
		for (f = base; f <= max; f++) {
			sub = tvx_host_subleaves(f);
			if (!sub) {
				tvx_host_cpuid(e, &nr, THINVMX_CPUID_MAX - 1, f, 0, false);
				continue;
			}
			for (i = 0; i < sub; i++)
				tvx_host_cpuid(e, &nr, THINVMX_CPUID_MAX - 1, f, i, true);
		}
	}
	ret = cpuid_guest_defaults(e, &nr, THINVMX_CPUID_MAX);
	if (ret) {
		kvfree(e);
		return ret;
	}
	cpuid_xsave_limit(e, &nr, xcr0_guest_allowed(tvx_host_xcr0));
	dom->cpuid = e;
	dom->nr_cpuid = nr;
	return 0;
}
