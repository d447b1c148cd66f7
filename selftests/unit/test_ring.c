// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the event ring index arithmetic, the checks of a hostile
 * peer's indices and the mmap layout (kmod/memevent/ring.c), compiled from
 * the module's own source file.
 */
#include "../../lib/pure.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/memevent/ring.c"

#define LOG2		THINVMX_RING_SLOTS_LOG2_MIN
#define SLOTS		(1u << LOG2)
#define REC		8u		/* a u64 per record: enough to check order */
#define PAGE		4096ull

struct fixture {
	struct thinvmx_ring_header *hdr;
	u64 *slots;
	struct ring prod;	/* the producer's view */
	struct ring cons;	/* the consumer's view */
};

static struct fixture *fixture_new(u64 start)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->hdr = aligned_alloc(PAGE, PAGE);
	f->slots = malloc((size_t)SLOTS * REC);	/* exact size: ASan sees any overrun */
	assert_non_null(f->hdr);
	assert_non_null(f->slots);
	memset(f->hdr, 0, PAGE);
	ring_header_init(f->hdr, LOG2, REC, 7, start);
	assert_int_equal(0, ring_attach(&f->prod, f->hdr, f->slots, LOG2, REC, true));
	assert_int_equal(0, ring_attach(&f->cons, f->hdr, f->slots, LOG2, REC, false));
	return f;
}

static int setup(void **state)
{
	*state = fixture_new(0);
	return 0;
}

static int setup_near_wrap(void **state)
{
	*state = fixture_new(U64_MAX - SLOTS / 2);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->hdr);
	free(f->slots);
	free(f);
	return 0;
}

/* the slot a view hands out is inside the buffer, at index & mask */
static void assert_slot_at(const struct fixture *f, const void *slot, u64 idx)
{
	assert_non_null(slot);
	assert_ptr_equal(&f->slots[idx & (SLOTS - 1)], slot);
}

/* produce n records numbered from *next, in one batch */
static void produce(struct fixture *f, u32 n, u64 *next)
{
	u32 i;

	assert_true(ring_prod_reserve(&f->prod, n) >= (int)n);
	for (i = 0; i < n; i++) {
		u64 *slot = ring_prod_slot(&f->prod, i);

		assert_slot_at(f, slot, f->prod.own + i);
		*slot = (*next)++;
	}
	assert_int_equal(0, ring_prod_publish(&f->prod, n));
}

/* consume n records, which must be numbered from *next */
static void consume(struct fixture *f, u32 n, u64 *next)
{
	u32 i;

	assert_true(ring_cons_peek(&f->cons) >= (int)n);
	for (i = 0; i < n; i++) {
		const u64 *slot = ring_cons_slot(&f->cons, i);

		assert_slot_at(f, slot, f->cons.own + i);
		assert_int_equal(*next, *slot);
		(*next)++;
	}
	assert_int_equal(0, ring_cons_consume(&f->cons, n));
}

static void test_count_space(void **state)
{
	const u64 size = SLOTS;
	const u64 bases[] = { 0, 1, 12345, U64_MAX - size, U64_MAX - 1, U64_MAX };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bases); i++) {
		u64 c = bases[i];

		assert_int_equal(0, ring_count(c, c, LOG2));
		assert_int_equal(SLOTS, ring_space(c, c, LOG2));
		assert_int_equal(1, ring_count(c + 1, c, LOG2));
		assert_int_equal(SLOTS - 1, ring_space(c + 1, c, LOG2));
		assert_int_equal(SLOTS, ring_count(c + size, c, LOG2));
		assert_int_equal(0, ring_space(c + size, c, LOG2));
		/* more than a ring ahead, or cons beyond prod */
		assert_int_equal(-EPROTO, ring_count(c + size + 1, c, LOG2));
		assert_int_equal(-EPROTO, ring_space(c + size + 1, c, LOG2));
		assert_int_equal(-EPROTO, ring_count(c, c + 1, LOG2));
		assert_int_equal(-EPROTO, ring_space(c, c + 1, LOG2));
		assert_int_equal(-EPROTO, ring_count(c, c + size, LOG2));
		assert_int_equal(-EPROTO, ring_count(c + (1ull << 63), c, LOG2));
	}
	/* across 2^64: prod wrapped to small values, cons still near the top */
	assert_int_equal(5, ring_count(2, U64_MAX - 2, LOG2));
	assert_int_equal(SLOTS - 5, ring_space(2, U64_MAX - 2, LOG2));
	assert_int_equal(SLOTS, ring_count(SLOTS - 1, U64_MAX, LOG2));
	assert_int_equal(-EPROTO, ring_count(SLOTS, U64_MAX, LOG2));
	assert_int_equal(-EPROTO, ring_count(U64_MAX, 0, LOG2));
}

static void test_slots_log2(void **state)
{
	u32 l;

	for (l = 0; l < 64; l++)
		assert_int_equal(l >= 12 && l <= 16, ring_slots_log2_valid(l));
}

static void test_empty_full(void **state)
{
	struct fixture *f = *state;
	u64 next_p = 0, next_c = 0;

	assert_int_equal(0, ring_cons_peek(&f->cons));
	assert_null(ring_cons_slot(&f->cons, 0));
	assert_int_equal(-EINVAL, ring_cons_consume(&f->cons, 1));

	assert_int_equal(SLOTS, ring_prod_reserve(&f->prod, 1));
	produce(f, SLOTS, &next_p);
	/* full: nothing more, from one record to a whole ring */
	assert_int_equal(-ENOSPC, ring_prod_reserve(&f->prod, 1));
	assert_null(ring_prod_slot(&f->prod, 0));
	assert_int_equal(-EINVAL, ring_prod_publish(&f->prod, 1));
	assert_int_equal(SLOTS, ring_cons_peek(&f->cons));
	assert_non_null(ring_cons_slot(&f->cons, SLOTS - 1));
	assert_null(ring_cons_slot(&f->cons, SLOTS));

	consume(f, 1, &next_c);
	assert_int_equal(1, ring_prod_reserve(&f->prod, 1));
	assert_int_equal(-ENOSPC, ring_prod_reserve(&f->prod, 2));
	consume(f, SLOTS - 1, &next_c);
	assert_int_equal(0, ring_cons_peek(&f->cons));
	assert_int_equal(SLOTS, ring_prod_reserve(&f->prod, SLOTS));
	assert_int_equal(f->hdr->prod, f->hdr->cons);
}

static void test_bad_calls(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(-EINVAL, ring_prod_reserve(&f->prod, 0));
	assert_int_equal(-EINVAL, ring_prod_reserve(&f->prod, SLOTS + 1));
	assert_int_equal(-EINVAL, ring_prod_reserve(&f->cons, 1));
	assert_int_equal(-EINVAL, ring_cons_peek(&f->prod));
	assert_null(ring_cons_slot(&f->prod, 0));
	assert_int_equal(-EINVAL, ring_cons_consume(&f->prod, 0));
	assert_int_equal(-EINVAL, ring_prod_publish(&f->cons, 0));

	assert_int_equal(SLOTS, ring_prod_reserve(&f->prod, 4));
	assert_int_equal(-EINVAL, ring_prod_publish(&f->prod, SLOTS + 1));
	assert_int_equal(0, ring_prod_publish(&f->prod, 3));
	assert_int_equal(3, ring_cons_peek(&f->cons));
	assert_int_equal(-EINVAL, ring_cons_consume(&f->cons, 4));
	assert_int_equal(0, ring_cons_consume(&f->cons, 3));
	/* consumed: the same records cannot be consumed twice */
	assert_int_equal(-EINVAL, ring_cons_consume(&f->cons, 1));
}

/* Many batches of varied size, order checked, across 2^64 when near_wrap. */
static void test_stream(void **state)
{
	struct fixture *f = *state;
	u64 start = f->prod.own, next_p = 0, next_c = 0;
	u32 batch = 1;
	int round;

	for (round = 0; round < 5000; round++) {
		int space = ring_prod_reserve(&f->prod, 1);

		assert_true(space >= 1);
		batch = batch * 7 % 613 + 1;
		produce(f, batch < (u32)space ? batch : (u32)space, &next_p);
		if (round % 3)
			consume(f, ring_cons_peek(&f->cons), &next_c);
	}
	consume(f, ring_cons_peek(&f->cons), &next_c);
	assert_int_equal(next_p, next_c);
	assert_int_equal(start + next_p, f->hdr->prod);
	assert_int_equal(f->hdr->prod, f->hdr->cons);
}

static void test_wraps_u64(void **state)
{
	struct fixture *f = *state;
	u64 next_p = 0, next_c = 0;

	/* half a ring before 2^64: fill past it, drain, again */
	assert_true(f->hdr->prod > U64_MAX - SLOTS);
	produce(f, SLOTS, &next_p);
	assert_true(f->hdr->prod < SLOTS);		/* wrapped */
	assert_int_equal(-ENOSPC, ring_prod_reserve(&f->prod, 1));
	assert_int_equal(SLOTS, ring_cons_peek(&f->cons));
	consume(f, SLOTS / 2 + 1, &next_c);
	assert_true(f->hdr->cons < SLOTS);		/* wrapped too */
	produce(f, SLOTS / 2 + 1, &next_p);
	consume(f, SLOTS, &next_c);
	assert_int_equal(next_p, next_c);
	assert_int_equal(0, ring_cons_peek(&f->cons));
}

/* The listener writes the module's request-ring cons: anything at all. */
static void test_hostile_cons(void **state)
{
	struct fixture *f = *state;
	u64 next_p = 0, base = f->prod.own;
	const u64 bad[] = {
		base + 11,			/* beyond prod */
		base + 10 + SLOTS,		/* far beyond */
		base + (1ull << 63),
		base - 1,			/* behind what was seen */
		base - SLOTS,
		U64_MAX,
	};
	unsigned int i;

	produce(f, 10, &next_p);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		f->hdr->cons = bad[i];
		assert_int_equal(-EPROTO, ring_prod_reserve(&f->prod, 1));
		/* nothing reserved: no slot to write */
		assert_null(ring_prod_slot(&f->prod, 0));
		assert_int_equal(-EINVAL, ring_prod_publish(&f->prod, 1));
		assert_int_equal(base + 10, f->hdr->prod);
		assert_int_equal(base + 10, f->prod.own);
	}
	/* the edges of the window are fine */
	f->hdr->cons = base;
	assert_int_equal(SLOTS - 10, ring_prod_reserve(&f->prod, 1));
	f->hdr->cons = base + 10;
	assert_int_equal(SLOTS, ring_prod_reserve(&f->prod, 1));
	/* and cons cannot go back once seen */
	f->hdr->cons = base + 9;
	assert_int_equal(-EPROTO, ring_prod_reserve(&f->prod, 1));
}

/* The listener writes the module's response-ring prod: anything at all. */
static void test_hostile_prod(void **state)
{
	struct fixture *f = *state;
	u64 next_p = 0, next_c = 0, base = f->cons.own;
	const u64 bad[] = {
		base + 2 + SLOTS + 1,		/* overwrote unconsumed records */
		base + (1ull << 63),
		base - 1,			/* behind cons */
		U64_MAX - 5 + base,
	};
	unsigned int i;

	produce(f, 5, &next_p);
	consume(f, 2, &next_c);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		f->hdr->prod = bad[i];
		assert_int_equal(-EPROTO, ring_cons_peek(&f->cons));
		assert_null(ring_cons_slot(&f->cons, 0));
		assert_int_equal(-EINVAL, ring_cons_consume(&f->cons, 1));
		assert_int_equal(base + 2, f->hdr->cons);
	}
	/* behind what was seen (5) though not behind cons: refused */
	f->hdr->prod = base + 4;
	assert_int_equal(-EPROTO, ring_cons_peek(&f->cons));
	/* exactly one ring ahead of cons: full, fine */
	f->hdr->prod = base + 2 + SLOTS;
	assert_int_equal(SLOTS, ring_cons_peek(&f->cons));
	assert_slot_at(f, ring_cons_slot(&f->cons, SLOTS - 1), base + 1 + SLOTS);
}

static void test_attach(void **state)
{
	struct fixture *f = *state;
	struct ring r;

	assert_int_equal(-EINVAL, ring_attach(&r, f->hdr, f->slots, 11, REC, true));
	assert_int_equal(-EINVAL, ring_attach(&r, f->hdr, f->slots, 17, REC, true));
	assert_int_equal(-EINVAL, ring_attach(&r, f->hdr, f->slots, LOG2, 0, true));
	assert_int_equal(-EINVAL, ring_attach(&r, f->hdr, f->slots, LOG2, 12, true));
	/* the header disagrees with what this side knows */
	assert_int_equal(-EPROTO, ring_attach(&r, f->hdr, f->slots, LOG2 + 1, REC, true));
	assert_int_equal(-EPROTO, ring_attach(&r, f->hdr, f->slots, LOG2, REC * 2, true));
	f->hdr->prod = f->hdr->cons + SLOTS + 1;
	assert_int_equal(-EPROTO, ring_attach(&r, f->hdr, f->slots, LOG2, REC, false));
	f->hdr->prod = f->hdr->cons - 1;
	assert_int_equal(-EPROTO, ring_attach(&r, f->hdr, f->slots, LOG2, REC, true));
	f->hdr->prod = f->hdr->cons + 3;
	assert_int_equal(0, ring_attach(&r, f->hdr, f->slots, LOG2, REC, false));
	assert_int_equal(3, ring_cons_peek(&r));
	assert_int_equal(7, f->hdr->vcpu);
}

static void assert_layout_sane(u32 nr, u32 log2)
{
	u64 vsize = ring_vcpu_size(log2);
	u64 req = (u64)sizeof(struct thinvmx_event) << log2;
	u64 rsp = (u64)sizeof(struct thinvmx_response) << log2;
	struct ring_layout l;
	u32 v;

	assert_int_equal(THINVMX_RING_VCPU_SIZE(log2), vsize);
	assert_int_equal(2 * PAGE + req + rsp, vsize);
	assert_int_equal((u64)nr * vsize, ring_area_size(nr, log2));
	for (v = 0; v < nr; v++) {
		assert_int_equal(0, ring_layout(nr, log2, v, &l));
		assert_int_equal(v * vsize, l.req_hdr);
		assert_int_equal(l.req_hdr + PAGE, l.req_slots);
		assert_int_equal(l.req_slots + req, l.rsp_hdr);
		assert_int_equal(l.rsp_hdr + PAGE, l.rsp_slots);
		assert_int_equal((v + 1) * vsize, l.rsp_slots + rsp);
		assert_int_equal(0, l.req_hdr % PAGE);
		assert_int_equal(0, l.req_slots % PAGE);
		assert_int_equal(0, l.rsp_hdr % PAGE);
		assert_int_equal(0, l.rsp_slots % PAGE);
	}
	assert_int_equal(-EINVAL, ring_layout(nr, log2, nr, &l));
}

static void test_layout(void **state)
{
	struct ring_layout l;
	u32 log2;

	for (log2 = THINVMX_RING_SLOTS_LOG2_MIN; log2 <= THINVMX_RING_SLOTS_LOG2_MAX; log2++) {
		assert_layout_sane(1, log2);
		assert_layout_sane(THINVMX_MAX_VCPUS, log2);
	}
	/* the default: one vCPU is 2 MiB + 2 pages, 64 vCPUs 128 MiB + 128 pages */
	assert_int_equal(2 * (PAGE + (1ull << 20)),
			 ring_area_size(1, THINVMX_RING_SLOTS_LOG2_DEFAULT));
	assert_int_equal(64 * 2 * (PAGE + (1ull << 20)),
			 ring_area_size(64, THINVMX_RING_SLOTS_LOG2_DEFAULT));
	assert_int_equal(0, ring_layout(1, 12, 0, &l));
	assert_int_equal(0, l.req_hdr);
	assert_int_equal(PAGE, l.req_slots);
	assert_int_equal(PAGE + (1 << 20), l.rsp_hdr);
	assert_int_equal(2 * PAGE + (1 << 20), l.rsp_slots);
	assert_int_equal(0, ring_layout(64, 12, 63, &l));
	assert_int_equal(63 * 2 * (PAGE + (1ull << 20)), l.req_hdr);

	assert_int_equal(0, ring_area_size(0, 12));
	assert_int_equal(0, ring_area_size(THINVMX_MAX_VCPUS + 1, 12));
	assert_int_equal(0, ring_area_size(1, 11));
	assert_int_equal(0, ring_area_size(1, 17));
	assert_int_equal(0, ring_vcpu_size(11));
	assert_int_equal(-EINVAL, ring_layout(0, 12, 0, &l));
	assert_int_equal(-EINVAL, ring_layout(65, 12, 0, &l));
	assert_int_equal(-EINVAL, ring_layout(4, 11, 0, &l));
	assert_int_equal(-EINVAL, ring_layout(4, 17, 0, &l));
}

/* A producer and a consumer thread: every record arrives, in order. */
#define THREAD_RECORDS	300000ull

/* a broken ring hangs instead of failing: give up after a while */
static bool too_long(time_t start)
{
	return time(NULL) - start > 20;
}

static void *producer_thread(void *arg)
{
	struct fixture *f = arg;
	time_t start = time(NULL);
	u64 next = 0;

	while (next < THREAD_RECORDS) {
		int space = ring_prod_reserve(&f->prod, 1);
		u32 i, n;

		if (too_long(start))
			return (void *)2;
		if (space == -ENOSPC)
			continue;
		if (space < 0)
			return (void *)1;
		n = (u32)space;
		if (n > THREAD_RECORDS - next)
			n = THREAD_RECORDS - next;
		for (i = 0; i < n; i++)
			*(u64 *)ring_prod_slot(&f->prod, i) = next++;
		ring_prod_publish(&f->prod, n);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	time_t start = time(NULL);
	pthread_t t;
	u64 next = 0;
	void *ret;

	assert_int_equal(0, pthread_create(&t, NULL, producer_thread, f));
	while (next < THREAD_RECORDS) {
		int n = ring_cons_peek(&f->cons);
		int i;

		if (n < 0 || too_long(start))
			break;
		for (i = 0; i < n; i++)
			if (*(const u64 *)ring_cons_slot(&f->cons, i) != next++)
				fail_msg("record %llu out of order",
					 (unsigned long long)next - 1);
		ring_cons_consume(&f->cons, n);
	}
	assert_int_equal(0, pthread_join(t, &ret));
	assert_null(ret);
	assert_int_equal(THREAD_RECORDS, next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_space),
		cmocka_unit_test(test_slots_log2),
		cmocka_unit_test_setup_teardown(test_empty_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_full, setup_near_wrap, teardown),
		cmocka_unit_test_setup_teardown(test_bad_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream, setup_near_wrap, teardown),
		cmocka_unit_test_setup_teardown(test_wraps_u64, setup_near_wrap, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_cons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_cons, setup_near_wrap, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_prod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_prod, setup_near_wrap, teardown),
		cmocka_unit_test_setup_teardown(test_attach, setup, teardown),
		cmocka_unit_test(test_layout),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup_near_wrap, teardown),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
