/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the netlink family reports of a domain, gathered from its vCPUs:
 * pure logic (nlstats.c), shared with the host unit tests
 * (selftests/unit/test_nlstats.c).
 *
 * The vCPU counters are written by each vCPU's own thread without atomics
 * (struct tvx_vcpu_stats) and read here racily: a sum may miss the exits
 * of the last microseconds, never more, and each counter only grows.
 */
#ifndef _THINVMX_NLSTATS_H
#define _THINVMX_NLSTATS_H

#include "pure.h"
#include "../uapi/thinvmx.h"
#include "../uapi/thinvmx_netlink.h"

/* TVX_NR_EXIT_REASONS (vcpu_stats.h; netlink.c checks that they agree) */
#define NLSTATS_EXIT_REASONS	80

/**
 * struct nlstats - one domain's vCPUs, summed
 * @exits:	exits by basic exit reason
 * @events:	events by reason, [reason][0] async, [reason][1] sync
 * @ring_waits:	waits for room in an event ring
 * @traps_injected: INJECT_TRAP deliveries
 * @nr_vcpus:	vCPUs added
 * @running:	of which inside THINVMX_RUN
 * @stopped:	of which stopped for good
 */
struct nlstats {
	u64 exits[NLSTATS_EXIT_REASONS];
	u64 events[THINVMX_EVENT_NR_REASONS][2];
	u64 ring_waits;
	u64 traps_injected;
	u32 nr_vcpus;
	u32 running;
	u32 stopped;
};

void nlstats_add_counts(struct nlstats *s, const u64 *exits,
			const u64 *events, u64 ring_waits, u64 traps_injected);
void nlstats_add_vcpu(struct nlstats *s, const u64 *exits,
		      const u64 *events, u64 ring_waits,
		      u64 traps_injected, bool running, bool stopped);
u64 nlstats_exits_total(const struct nlstats *s);
u32 nlstats_domain_state(const struct nlstats *s);
u32 nlstats_next_nonzero(const u64 *counts, u32 nr, u32 from);

#endif /* _THINVMX_NLSTATS_H */
