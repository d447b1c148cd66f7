// SPDX-License-Identifier: GPL-2.0
/*
 * Summing a domain's vCPU counters for the netlink family (netlink.c):
 * pure logic, compiled into the module and into the host unit tests.
 */
#include "nlstats.h"

/* A counter that would wrap stays at U64_MAX: a total never goes down. */
static u64 nlstats_sat_add(u64 a, u64 b)
{
	return a + b < a ? U64_MAX : a + b;
}

/**
 * nlstats_add_counts() - add counters to a domain's sums
 * @s:		the sums (zeroed before the first addition)
 * @exits:	NLSTATS_EXIT_REASONS counters by basic exit reason
 * @events:	THINVMX_EVENT_NR_REASONS pairs, [reason * 2 + sync]
 * @ring_waits:	waits for room in the event ring
 * @traps_injected: traps delivered
 *
 * For a live vCPU's counters see nlstats_add_vcpu(); this alone adds
 * those the domain kept of vCPUs that are gone.
 */
void nlstats_add_counts(struct nlstats *s, const u64 *exits,
			const u64 *events, u64 ring_waits, u64 traps_injected)
{
	u32 i;

	for (i = 0; i < NLSTATS_EXIT_REASONS; i++)
		s->exits[i] = nlstats_sat_add(s->exits[i], exits[i]);
	for (i = 0; i < THINVMX_EVENT_NR_REASONS; i++) {
		s->events[i][0] = nlstats_sat_add(s->events[i][0], events[2 * i]);
		s->events[i][1] = nlstats_sat_add(s->events[i][1], events[2 * i + 1]);
	}
	s->ring_waits = nlstats_sat_add(s->ring_waits, ring_waits);
	s->traps_injected = nlstats_sat_add(s->traps_injected, traps_injected);
}

/**
 * nlstats_add_vcpu() - add one live vCPU to a domain's sums
 * @s:		the sums (zeroed before the first vCPU)
 * @exits:	NLSTATS_EXIT_REASONS counters by basic exit reason
 * @events:	THINVMX_EVENT_NR_REASONS pairs, [reason * 2 + sync]
 * @ring_waits:	waits for room in the event ring
 * @traps_injected: traps delivered
 * @running:	the vCPU is inside THINVMX_RUN
 * @stopped:	the vCPU stopped for good
 */
void nlstats_add_vcpu(struct nlstats *s, const u64 *exits,
		      const u64 *events, u64 ring_waits,
		      u64 traps_injected, bool running, bool stopped)
{
	nlstats_add_counts(s, exits, events, ring_waits, traps_injected);
	s->nr_vcpus++;
	s->running += running;
	s->stopped += stopped;
}

/**
 * nlstats_exits_total() - exits of every reason
 * @s: the sums
 *
 * Return: the total, U64_MAX if it would wrap.
 */
u64 nlstats_exits_total(const struct nlstats *s)
{
	u64 t = 0;
	u32 i;

	for (i = 0; i < NLSTATS_EXIT_REASONS; i++)
		t = nlstats_sat_add(t, s->exits[i]);
	return t;
}

/**
 * nlstats_domain_state() - what a domain is doing, from its vCPUs
 * @s: the sums
 *
 * A vCPU inside RUN makes the domain running even when others stopped (a
 * guest whose other CPUs shut down is still at work); a domain without
 * vCPUs is idle, not stopped.
 *
 * Return: THINVMX_DOMAIN_STATE_RUNNING, _STOPPED (every vCPU stopped) or
 * _IDLE.
 */
u32 nlstats_domain_state(const struct nlstats *s)
{
	if (s->running)
		return THINVMX_DOMAIN_STATE_RUNNING;
	if (s->nr_vcpus && s->stopped == s->nr_vcpus)
		return THINVMX_DOMAIN_STATE_STOPPED;
	return THINVMX_DOMAIN_STATE_IDLE;
}

/**
 * nlstats_next_nonzero() - the next counter worth reporting
 * @counts:	the counters
 * @nr:		how many
 * @from:	first index to look at
 *
 * Return: the index of the first non-zero counter at or after @from, @nr
 * if none.
 */
u32 nlstats_next_nonzero(const u64 *counts, u32 nr, u32 from)
{
	while (from < nr && !counts[from])
		from++;
	return from;
}
