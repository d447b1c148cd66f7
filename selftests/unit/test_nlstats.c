// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the netlink family's counter sums (kmod/nlstats.c),
 * compiled from the module's own source file.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../kmod/nlstats.c"

/* One vCPU's counters, laid out as struct tvx_vcpu_stats has them. */
struct vcpu_counters {
	u64 exits[NLSTATS_EXIT_REASONS];
	u64 events[THINVMX_EVENT_NR_REASONS][2];
};

static void add(struct nlstats *s, const struct vcpu_counters *c, u64 waits,
		u64 traps, bool running, bool stopped)
{
	nlstats_add_vcpu(s, c->exits, &c->events[0][0], waits, traps, running,
			 stopped);
}

static void sums_over_vcpus(void **state)
{
	struct vcpu_counters a = { 0 }, b = { 0 };
	struct nlstats s = { 0 };

	(void)state;
	a.exits[10] = 3;	/* CPUID */
	a.exits[12] = 1;	/* HLT */
	b.exits[10] = 4;
	b.exits[NLSTATS_EXIT_REASONS - 1] = 2;
	a.events[THINVMX_EVENT_INT3][1] = 5;	/* sync */
	b.events[THINVMX_EVENT_INT3][0] = 7;	/* async */
	b.events[THINVMX_EVENT_NR_REASONS - 1][1] = 1;
	add(&s, &a, 2, 1, false, false);
	add(&s, &b, 3, 0, false, false);

	assert_int_equal(7, s.exits[10]);
	assert_int_equal(1, s.exits[12]);
	assert_int_equal(2, s.exits[NLSTATS_EXIT_REASONS - 1]);
	assert_int_equal(0, s.exits[0]);
	assert_int_equal(5, s.events[THINVMX_EVENT_INT3][1]);
	assert_int_equal(7, s.events[THINVMX_EVENT_INT3][0]);
	assert_int_equal(1, s.events[THINVMX_EVENT_NR_REASONS - 1][1]);
	assert_int_equal(0, s.events[THINVMX_EVENT_NR_REASONS - 1][0]);
	assert_int_equal(5, s.ring_waits);
	assert_int_equal(1, s.traps_injected);
	assert_int_equal(2, s.nr_vcpus);
	assert_int_equal(10, nlstats_exits_total(&s));
}

/* Counters the domain kept of freed vCPUs add up, but count no vCPU. */
static void gone_vcpus_count_but_are_not_vcpus(void **state)
{
	struct vcpu_counters gone = { 0 }, live = { 0 };
	struct nlstats s = { 0 };

	(void)state;
	gone.exits[10] = 9;
	gone.events[THINVMX_EVENT_CR3][0] = 100;
	live.exits[10] = 1;
	nlstats_add_counts(&s, gone.exits, &gone.events[0][0], 4, 2);
	assert_int_equal(0, s.nr_vcpus);
	assert_int_equal(THINVMX_DOMAIN_STATE_IDLE, nlstats_domain_state(&s));
	add(&s, &live, 1, 0, true, false);
	assert_int_equal(10, s.exits[10]);
	assert_int_equal(100, s.events[THINVMX_EVENT_CR3][0]);
	assert_int_equal(5, s.ring_waits);
	assert_int_equal(2, s.traps_injected);
	assert_int_equal(1, s.nr_vcpus);
	assert_int_equal(1, s.running);
}

/* A total never wraps to a small number: it sticks at U64_MAX. */
static void sums_saturate(void **state)
{
	struct vcpu_counters a = { 0 }, b = { 0 };
	struct nlstats s = { 0 };

	(void)state;
	a.exits[1] = U64_MAX - 1;
	b.exits[1] = 5;
	a.exits[2] = U64_MAX;
	a.events[0][0] = U64_MAX;
	b.events[0][0] = 1;
	add(&s, &a, U64_MAX, 0, false, false);
	add(&s, &b, 1, 0, false, false);
	assert_true(s.exits[1] == U64_MAX);
	assert_true(s.events[0][0] == U64_MAX);
	assert_true(s.ring_waits == U64_MAX);
	assert_true(nlstats_exits_total(&s) == U64_MAX);
}

static void domain_state(void **state)
{
	struct vcpu_counters z = { 0 };
	struct nlstats s = { 0 };

	(void)state;
	assert_int_equal(THINVMX_DOMAIN_STATE_IDLE, nlstats_domain_state(&s));
	add(&s, &z, 0, 0, false, true);
	assert_int_equal(THINVMX_DOMAIN_STATE_STOPPED, nlstats_domain_state(&s));
	add(&s, &z, 0, 0, false, false);
	/* one stopped, one waiting outside RUN */
	assert_int_equal(THINVMX_DOMAIN_STATE_IDLE, nlstats_domain_state(&s));
	add(&s, &z, 0, 0, true, false);
	assert_int_equal(THINVMX_DOMAIN_STATE_RUNNING, nlstats_domain_state(&s));
	assert_int_equal(3, s.nr_vcpus);
	assert_int_equal(1, s.running);
	assert_int_equal(1, s.stopped);
}

static void next_nonzero(void **state)
{
	const u64 c[] = { 0, 4, 0, 0, 9, 0 };

	(void)state;
	assert_int_equal(1, nlstats_next_nonzero(c, 6, 0));
	assert_int_equal(1, nlstats_next_nonzero(c, 6, 1));
	assert_int_equal(4, nlstats_next_nonzero(c, 6, 2));
	assert_int_equal(6, nlstats_next_nonzero(c, 6, 5));
	assert_int_equal(6, nlstats_next_nonzero(c, 6, 6));
	assert_int_equal(0, nlstats_next_nonzero(c, 0, 0));
	/* not past nr, even when the array goes on */
	assert_int_equal(4, nlstats_next_nonzero(c, 4, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sums_over_vcpus),
		cmocka_unit_test(gone_vcpus_count_but_are_not_vcpus),
		cmocka_unit_test(sums_saturate),
		cmocka_unit_test(domain_state),
		cmocka_unit_test(next_nonzero),
	};

	return cmocka_run_group_tests_name("nlstats", tests, NULL, NULL);
}
