/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-vCPU counters (a leaf header: the domain keeps those of freed
 * vCPUs, netlink sums them).
 */
#ifndef _THINVMX_VCPU_STATS_H
#define _THINVMX_VCPU_STATS_H

#include <linux/types.h>

#include "../uapi/thinvmx.h"

/* Basic VM exit reasons counted per vCPU (SDM Vol. 3, Appendix C) */
#define TVX_NR_EXIT_REASONS	80

/*
 * Written only by the vCPU's own thread (no atomics on the exit path) and
 * read racily, summed over the vCPUs, by the control plane.
 */
struct tvx_vcpu_stats {
	u64 exits[TVX_NR_EXIT_REASONS];	/* by basic exit reason */
	u64 events[THINVMX_EVENT_NR_REASONS][2];	/* [reason][sync] */
	u64 ring_waits;			/* waits for room in the request ring */
	u64 traps_injected;		/* INJECT_TRAP deliveries */
};

#endif /* _THINVMX_VCPU_STATS_H */
