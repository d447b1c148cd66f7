// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the monitor settings and the event decisions
 * (kmod/memevent/monitor.c), compiled from the module's own source file.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/memevent/monitor.c"

#define DISABLED	THINVMX_MONITOR_MODE_DISABLED
#define ASYNC		THINVMX_MONITOR_MODE_ASYNC
#define SYNC		THINVMX_MONITOR_MODE_SYNC
#define ON_CHANGE	THINVMX_MONITOR_F_ON_CHANGE_ONLY

/* The kinds, and whether on-change-only means something for each. */
static const struct {
	u32 kind;
	bool on_change_ok;
	int cr;			/* the control register, or -1 */
} kinds[] = {
	{ THINVMX_MONITOR_CR0,		 true,	0 },
	{ THINVMX_MONITOR_CR3,		 true,	3 },
	{ THINVMX_MONITOR_CR4,		 true,	4 },
	{ THINVMX_MONITOR_INT3,		 false, -1 },
	{ THINVMX_MONITOR_MEM_ACCESS,	 false, -1 },
	{ THINVMX_MONITOR_RO_MMIO_WRITE, false, -1 },
	{ THINVMX_MONITOR_XCR0,		 true,	-1 },
	{ THINVMX_MONITOR_CPUID,	 false, -1 },
	{ THINVMX_MONITOR_DESC_ACCESS,	 false, -1 },
	{ THINVMX_MONITOR_DEBUG,	 false, -1 },
	{ THINVMX_MONITOR_GUEST_REQUEST, false, -1 },
	{ THINVMX_MONITOR_IO,		 false, -1 },
};

/* MSR is a kind of its own: it needs msr, tested in test_msr_watch */

static int kind_index(u32 kind)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == kind)
			return i;
	return -1;
}

static void set(struct monitor_settings *s, u32 kind, u32 mode, u32 flags)
{
	struct thinvmx_monitor m = { .kind = kind, .mode = mode, .flags = flags };

	assert_int_equal(0, monitor_set(s, &m));
}

static enum monitor_delivery delivery_of(u32 mode)
{
	return mode == SYNC ? MONITOR_SYNC : mode == ASYNC ? MONITOR_ASYNC : MONITOR_NONE;
}

static void test_validate_every_combination(void **state)
{
	const u32 flag_values[] = { 0, ON_CHANGE, 2, 3, 0x80000000u, ~0u };
	u32 kind, mode;
	unsigned int f;

	for (kind = 0; kind < THINVMX_MONITOR_NR_KINDS + 3; kind++) {
		int k = kind_index(kind);

		for (mode = 0; mode < 6; mode++) {
			for (f = 0; f < ARRAY_SIZE(flag_values); f++) {
				u32 flags = flag_values[f];
				bool msr = kind == THINVMX_MONITOR_MSR;
				bool ok = (k >= 0 || msr) && mode <= SYNC &&
					  (flags == 0 || (flags == ON_CHANGE &&
							  (msr || kinds[k].on_change_ok)));
				struct monitor_settings s = { 0 }, before;
				struct thinvmx_monitor m = {
					.kind = kind, .mode = mode, .flags = flags,
				};

				assert_int_equal(ok ? 0 : -EINVAL,
						 monitor_validate(kind, mode, flags));
				if (msr)
					continue;	/* its set: test_msr_watch */
				memset(&s, 0x5a & ~MONITOR_MODE_MASK, sizeof(s));
				before = s;
				assert_int_equal(ok ? 0 : -EINVAL, monitor_set(&s, &m));
				if (!ok)
					assert_memory_equal(&before, &s, sizeof(s));
			}
		}
	}
	/* INT3 with on-change-only, as Xen refused it */
	assert_int_equal(-EINVAL, monitor_validate(THINVMX_MONITOR_INT3, SYNC, ON_CHANGE));
	assert_int_equal(-EINVAL, monitor_validate(THINVMX_MONITOR_INT3, ASYNC, ON_CHANGE));
	assert_int_equal(-EINVAL, monitor_validate(THINVMX_MONITOR_INT3, DISABLED, ON_CHANGE));
}

static void test_set_get(void **state)
{
	struct monitor_settings s = { 0 };
	struct thinvmx_monitor m;
	unsigned int i;
	u32 mode;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		for (mode = DISABLED; mode <= SYNC; mode++) {
			u32 flags = kinds[i].on_change_ok && mode ? ON_CHANGE : 0;

			set(&s, kinds[i].kind, mode, flags);
			memset(&m, 0xff, sizeof(m));
			m.kind = kinds[i].kind;
			assert_int_equal(0, monitor_get(&s, &m));
			assert_int_equal(kinds[i].kind, m.kind);
			assert_int_equal(mode, m.mode);
			assert_int_equal(flags, m.flags);
			assert_int_equal(0, m.msr);
			assert_int_equal(0, m.reserved[0]);
			assert_int_equal(0, m.reserved[1]);
			assert_int_equal(delivery_of(mode), monitor_delivery(&s, kinds[i].kind));
		}
	}
	/* each kind holds its own setting */
	monitor_reset(&s);
	set(&s, THINVMX_MONITOR_CR4, SYNC, ON_CHANGE);
	set(&s, THINVMX_MONITOR_INT3, ASYNC, 0);
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		u32 k = kinds[i].kind;

		assert_int_equal(k == THINVMX_MONITOR_CR4 ? MONITOR_SYNC :
				 k == THINVMX_MONITOR_INT3 ? MONITOR_ASYNC : MONITOR_NONE,
				 monitor_delivery(&s, k));
	}
	m = (struct thinvmx_monitor){ .kind = 0 };
	assert_int_equal(-EINVAL, monitor_get(&s, &m));
	m.kind = THINVMX_MONITOR_NR_KINDS;
	assert_int_equal(-EINVAL, monitor_get(&s, &m));
	assert_int_equal(MONITOR_NONE, monitor_delivery(&s, 0));
	assert_int_equal(MONITOR_NONE, monitor_delivery(&s, THINVMX_MONITOR_NR_KINDS));
	assert_int_equal(MONITOR_NONE, monitor_delivery(&s, ~0u));
}

static void test_set_reserved(void **state)
{
	struct monitor_settings s = { 0 };
	struct thinvmx_monitor m = { .kind = THINVMX_MONITOR_CR3, .mode = SYNC };

	m.msr = 1;
	assert_int_equal(-EINVAL, monitor_set(&s, &m));
	m.msr = 0;
	m.reserved[0] = 1;
	assert_int_equal(-EINVAL, monitor_set(&s, &m));
	m.reserved[0] = 0;
	m.reserved[1] = 1ull << 63;
	assert_int_equal(-EINVAL, monitor_set(&s, &m));
	assert_int_equal(MONITOR_NONE, monitor_delivery(&s, THINVMX_MONITOR_CR3));
	m.reserved[1] = 0;
	assert_int_equal(0, monitor_set(&s, &m));
	assert_int_equal(MONITOR_SYNC, monitor_delivery(&s, THINVMX_MONITOR_CR3));
}

static void test_reset(void **state)
{
	struct monitor_settings s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		set(&s, kinds[i].kind, SYNC, kinds[i].on_change_ok ? ON_CHANGE : 0);
	monitor_reset(&s);
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		assert_int_equal(MONITOR_NONE, monitor_delivery(&s, kinds[i].kind));
	assert_false(monitor_needs_cr3_exiting(&s));
	assert_int_equal(0, monitor_exception_bitmap(&s));
	assert_int_equal(MONITOR_INT3_REINJECT, monitor_int3_action(&s, true));
}

static void test_cr_events(void **state)
{
	const u32 crs[] = { 0, 1, 2, 3, 4, 8 };
	unsigned int i, c;
	u32 mode, oc;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (kinds[i].cr < 0)
			continue;
		for (mode = DISABLED; mode <= SYNC; mode++) {
			for (oc = 0; oc <= ON_CHANGE; oc++) {
				struct monitor_settings s = { 0 };

				set(&s, kinds[i].kind, mode, oc);
				for (c = 0; c < ARRAY_SIZE(crs); c++) {
					enum monitor_delivery want =
						crs[c] == (u32)kinds[i].cr ?
						delivery_of(mode) : MONITOR_NONE;

					/* a change: the mode decides */
					assert_int_equal(want,
							 monitor_cr_event(&s, crs[c], 0x11, 0x31));
					/* no change: on-change-only suppresses it */
					assert_int_equal(oc ? MONITOR_NONE : want,
							 monitor_cr_event(&s, crs[c], 0x31, 0x31));
				}
			}
		}
	}
}

static void test_cr_on_change_values(void **state)
{
	struct monitor_settings s = { 0 };

	set(&s, THINVMX_MONITOR_CR3, ASYNC, ON_CHANGE);
	assert_int_equal(MONITOR_NONE, monitor_cr_event(&s, 3, 0, 0));
	assert_int_equal(MONITOR_NONE, monitor_cr_event(&s, 3, ~0ull, ~0ull));
	assert_int_equal(MONITOR_ASYNC, monitor_cr_event(&s, 3, 0, 1ull << 63));
	assert_int_equal(MONITOR_ASYNC, monitor_cr_event(&s, 3, 1ull << 63, 0));
	/* a PCID-only change is a change */
	assert_int_equal(MONITOR_ASYNC, monitor_cr_event(&s, 3, 0x1000, 0x1001));
	/* the other CRs are not monitored */
	assert_int_equal(MONITOR_NONE, monitor_cr_event(&s, 0, 0, 1));
	assert_int_equal(MONITOR_NONE, monitor_cr_event(&s, 4, 0, 1));
}

static void test_exits_needed(void **state)
{
	unsigned int i;
	u32 mode;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		for (mode = DISABLED; mode <= SYNC; mode++) {
			struct monitor_settings s = { 0 };
			u32 k = kinds[i].kind;
			bool on = mode != DISABLED;

			set(&s, k, mode, 0);
			assert_int_equal(on && k == THINVMX_MONITOR_CR3,
					 monitor_needs_cr3_exiting(&s));
			assert_true(monitor_cr_guest_host_mask(&s, 0) ==
				    (on && k == THINVMX_MONITOR_CR0 ? ~0ull : 0));
			assert_true(monitor_cr_guest_host_mask(&s, 4) ==
				    (on && k == THINVMX_MONITOR_CR4 ? ~0ull : 0));
			assert_true(monitor_cr_guest_host_mask(&s, 3) == 0);
			assert_true(monitor_cr_guest_host_mask(&s, 8) == 0);
			assert_int_equal(on && k == THINVMX_MONITOR_INT3 ? 1u << 3 : 0,
					 monitor_exception_bitmap(&s));
		}
	}
	/* on-change-only does not remove the need for the exit */
	{
		struct monitor_settings s = { 0 };

		set(&s, THINVMX_MONITOR_CR3, SYNC, ON_CHANGE);
		set(&s, THINVMX_MONITOR_CR0, ASYNC, ON_CHANGE);
		assert_true(monitor_needs_cr3_exiting(&s));
		assert_true(monitor_cr_guest_host_mask(&s, 0) == ~0ull);
		assert_true(monitor_cr_guest_host_mask(&s, 4) == 0);
	}
}

static void test_int3_action(void **state)
{
	const enum monitor_int3 want[3][2] = {
		/* listener: no, yes */
		[DISABLED] = { MONITOR_INT3_REINJECT, MONITOR_INT3_REINJECT },
		[ASYNC] = { MONITOR_INT3_REINJECT, MONITOR_INT3_ASYNC_REINJECT },
		[SYNC] = { MONITOR_INT3_REINJECT, MONITOR_INT3_SYNC },
	};
	u32 mode;
	int listener;

	for (mode = DISABLED; mode <= SYNC; mode++) {
		for (listener = 0; listener <= 1; listener++) {
			struct monitor_settings s = { 0 };

			set(&s, THINVMX_MONITOR_INT3, mode, 0);
			assert_int_equal(want[mode][listener],
					 monitor_int3_action(&s, listener));
		}
	}
	/* other kinds monitored: INT3 still goes to the guest */
	{
		struct monitor_settings s = { 0 };

		set(&s, THINVMX_MONITOR_CR3, SYNC, 0);
		set(&s, THINVMX_MONITOR_MEM_ACCESS, SYNC, 0);
		assert_int_equal(MONITOR_INT3_REINJECT, monitor_int3_action(&s, true));
	}
}

static void test_event_init(void **state)
{
	struct thinvmx_event ev;
	const u8 *b = (const u8 *)&ev;
	size_t i;

	memset(&ev, 0xa5, sizeof(ev));
	monitor_event_init(&ev, THINVMX_EVENT_INT3, 5, 42, MONITOR_SYNC);
	assert_int_equal(THINVMX_EVENT_VERSION, ev.version);
	assert_int_equal(THINVMX_EVENT_INT3, ev.reason);
	assert_int_equal(THINVMX_EVENT_F_SYNC, ev.flags);
	assert_int_equal(5, ev.vcpu);
	assert_int_equal(42, ev.seq);
	/* the payload is zero; registers and CRs are left to the caller */
	for (i = offsetof(struct thinvmx_event, u); i < sizeof(ev); i++)
		assert_int_equal(0, b[i]);
	for (i = offsetof(struct thinvmx_event, regs);
	     i < offsetof(struct thinvmx_event, u); i++)
		assert_int_equal(0xa5, b[i]);
	assert_int_equal(0, ev.view);
	/* header, registers, CRs and payload: the whole record, no gap */
	assert_int_equal(sizeof(ev), offsetof(struct thinvmx_event, u) + sizeof(ev.u));
	assert_int_equal(offsetof(struct thinvmx_event, u),
			 offsetof(struct thinvmx_event, cr4) + sizeof(ev.cr4));

	memset(&ev, 0xa5, sizeof(ev));
	monitor_event_init(&ev, THINVMX_EVENT_CR3, 0, 1, MONITOR_ASYNC);
	assert_int_equal(0, ev.flags);
}

/* The answer flags each reason takes (the table in uapi/thinvmx_introspect.h). */
static u32 allowed(u16 reason)
{
	const u32 any = THINVMX_RESPONSE_SET_REGS | THINVMX_RESPONSE_SINGLESTEP |
			THINVMX_RESPONSE_SWITCH_VIEW | THINVMX_RESPONSE_FAST_SINGLESTEP;

	switch (reason) {
	case THINVMX_EVENT_CR0:
	case THINVMX_EVENT_CR3:
	case THINVMX_EVENT_CR4:
	case THINVMX_EVENT_MSR:
	case THINVMX_EVENT_XCR0:
	case THINVMX_EVENT_DESC_ACCESS:
		return any | THINVMX_RESPONSE_DENY;
	case THINVMX_EVENT_INT3:
		return any | THINVMX_RESPONSE_REINJECT | THINVMX_RESPONSE_SKIP;
	case THINVMX_EVENT_DEBUG:
		return THINVMX_RESPONSE_SET_REGS | THINVMX_RESPONSE_REINJECT;
	case THINVMX_EVENT_IO:
		return THINVMX_RESPONSE_SET_REGS | THINVMX_RESPONSE_DENY;
	default:
		return any;
	}
}

static struct thinvmx_response answer(u16 reason, u32 vcpu, u64 seq, u32 flags)
{
	struct thinvmx_response r = {
		.version = THINVMX_EVENT_VERSION,
		.reason = reason,
		.flags = flags,
		.vcpu = vcpu,
		.seq = seq,
	};

	return r;
}

/* Every reason with every combination of answer flags. */
static void test_response_every_kind(void **state)
{
	u16 reason;
	u32 flags;

	for (reason = THINVMX_EVENT_CR0; reason < THINVMX_EVENT_NR_REASONS; reason++) {
		bool is_cr = reason <= THINVMX_EVENT_CR4 || reason == THINVMX_EVENT_MSR ||
			     reason == THINVMX_EVENT_XCR0 || reason == THINVMX_EVENT_CPUID ||
			     reason == THINVMX_EVENT_DESC_ACCESS;

		for (flags = 0; flags <= THINVMX_RESPONSE_FLAGS; flags++) {
			struct monitor_wait w = { .seq = 77, .reason = reason };
			struct thinvmx_response r = answer(reason, 3, 77, flags);
			bool ok = !(flags & ~allowed(reason)) &&
				  (flags & (THINVMX_RESPONSE_REINJECT | THINVMX_RESPONSE_SKIP)) !=
				  (THINVMX_RESPONSE_REINJECT | THINVMX_RESPONSE_SKIP) &&
				  /* a delivered #BP leaves no instruction to step */
				  (flags & (THINVMX_RESPONSE_REINJECT | THINVMX_RESPONSE_SINGLESTEP)) !=
				  (THINVMX_RESPONSE_REINJECT | THINVMX_RESPONSE_SINGLESTEP) &&
				  /* a fast single-step is a step and a switch of its own */
				  !((flags & THINVMX_RESPONSE_FAST_SINGLESTEP) &&
				    (flags & (THINVMX_RESPONSE_REINJECT |
					      THINVMX_RESPONSE_SINGLESTEP |
					      THINVMX_RESPONSE_SWITCH_VIEW)));
			u32 act = 0xdead, want = 0;

			assert_int_equal(ok ? 0 : -EINVAL,
					 monitor_response_check(&w, 3, &r, &act));
			if (!ok) {
				assert_int_equal(0xdead, act);
				continue;
			}
			if (flags & THINVMX_RESPONSE_SET_REGS)
				want |= MONITOR_ACT_SET_REGS;
			if (is_cr)
				want |= MONITOR_ACT_SKIP |
					(flags & THINVMX_RESPONSE_DENY ? 0 : MONITOR_ACT_APPLY_CR);
			if ((flags & THINVMX_RESPONSE_SKIP) ||
			    reason == THINVMX_EVENT_GUEST_REQUEST)
				want |= MONITOR_ACT_SKIP;
			/* IO: run again to the VMM unless denied */
			if (reason == THINVMX_EVENT_IO && !(flags & THINVMX_RESPONSE_DENY))
				want |= MONITOR_ACT_APPLY_CR;
			if (flags & THINVMX_RESPONSE_REINJECT)
				want |= MONITOR_ACT_REINJECT;
			if (flags & THINVMX_RESPONSE_SINGLESTEP)
				want |= MONITOR_ACT_SINGLESTEP;
			if (flags & THINVMX_RESPONSE_SWITCH_VIEW)
				want |= MONITOR_ACT_SWITCH_VIEW;
			if (flags & THINVMX_RESPONSE_FAST_SINGLESTEP)
				want |= MONITOR_ACT_FAST_STEP;
			assert_int_equal(want, act);
		}
	}
}

/* The answers the issue names, spelt out. */
static void test_response_named(void **state)
{
	struct monitor_wait int3 = { .seq = 9, .reason = THINVMX_EVENT_INT3 };
	struct monitor_wait cr4 = { .seq = 10, .reason = THINVMX_EVENT_CR4 };
	struct thinvmx_response r;
	u32 act;

	/* continue: the INT3 executes again (the listener removed it) */
	r = answer(THINVMX_EVENT_INT3, 0, 9, 0);
	assert_int_equal(0, monitor_response_check(&int3, 0, &r, &act));
	assert_int_equal(0, act);
	/* re-inject the INT3 */
	r.flags = THINVMX_RESPONSE_REINJECT;
	assert_int_equal(0, monitor_response_check(&int3, 0, &r, &act));
	assert_int_equal(MONITOR_ACT_REINJECT, act);
	/* skip it */
	r.flags = THINVMX_RESPONSE_SKIP;
	assert_int_equal(0, monitor_response_check(&int3, 0, &r, &act));
	assert_int_equal(MONITOR_ACT_SKIP, act);
	/* set registers and single-step */
	r.flags = THINVMX_RESPONSE_SET_REGS | THINVMX_RESPONSE_SINGLESTEP;
	assert_int_equal(0, monitor_response_check(&int3, 0, &r, &act));
	assert_int_equal(MONITOR_ACT_SET_REGS | MONITOR_ACT_SINGLESTEP, act);
	/* deny means nothing for INT3 */
	r.flags = THINVMX_RESPONSE_DENY;
	assert_int_equal(-EINVAL, monitor_response_check(&int3, 0, &r, &act));

	/* continue a CR write: it happens */
	r = answer(THINVMX_EVENT_CR4, 0, 10, 0);
	assert_int_equal(0, monitor_response_check(&cr4, 0, &r, &act));
	assert_int_equal(MONITOR_ACT_APPLY_CR | MONITOR_ACT_SKIP, act);
	/* deny it: the MOV completes, the old value stays */
	r.flags = THINVMX_RESPONSE_DENY;
	assert_int_equal(0, monitor_response_check(&cr4, 0, &r, &act));
	assert_int_equal(MONITOR_ACT_SKIP, act);
	r.flags = THINVMX_RESPONSE_REINJECT;
	assert_int_equal(-EINVAL, monitor_response_check(&cr4, 0, &r, &act));
	r.flags = THINVMX_RESPONSE_SKIP;
	assert_int_equal(-EINVAL, monitor_response_check(&cr4, 0, &r, &act));
}

/* The view ids of an answer: where a flag makes them count, and in range. */
static void test_response_views(void **state)
{
	struct monitor_wait w = { .seq = 5, .reason = THINVMX_EVENT_MEM_ACCESS };
	struct thinvmx_response r;
	u32 act;

	(void)state;
	r = answer(THINVMX_EVENT_MEM_ACCESS, 1, 5, THINVMX_RESPONSE_SWITCH_VIEW);
	r.view = THINVMX_MAX_VIEWS - 1;
	assert_int_equal(0, monitor_response_check(&w, 1, &r, &act));
	assert_int_equal(MONITOR_ACT_SWITCH_VIEW, act);
	r.view = THINVMX_MAX_VIEWS;
	assert_int_equal(-EINVAL, monitor_response_check(&w, 1, &r, &act));
	/* view_after only with a fast single-step */
	r.view = 1;
	r.view_after = 2;
	assert_int_equal(-EINVAL, monitor_response_check(&w, 1, &r, &act));
	r.flags = THINVMX_RESPONSE_FAST_SINGLESTEP;
	assert_int_equal(0, monitor_response_check(&w, 1, &r, &act));
	assert_int_equal(MONITOR_ACT_FAST_STEP, act);
	r.view_after = THINVMX_MAX_VIEWS;
	assert_int_equal(-EINVAL, monitor_response_check(&w, 1, &r, &act));
	r.view_after = 0;
	r.pad2 = 1;
	assert_int_equal(-EINVAL, monitor_response_check(&w, 1, &r, &act));
	/* a view without a flag that uses it */
	r = answer(THINVMX_EVENT_MEM_ACCESS, 1, 5, 0);
	r.view = 1;
	assert_int_equal(-EINVAL, monitor_response_check(&w, 1, &r, &act));
	r.view = 0;
	assert_int_equal(0, monitor_response_check(&w, 1, &r, &act));
}

static void test_response_errors(void **state)
{
	struct monitor_wait w = { .seq = 1000, .reason = THINVMX_EVENT_CR0 };
	struct monitor_wait none = { .seq = 0, .reason = 0 };
	struct thinvmx_response good = answer(THINVMX_EVENT_CR0, 2, 1000, 0), r;
	unsigned int i;
	u32 act;

	assert_int_equal(0, monitor_response_check(&w, 2, &good, &act));

	r = good;
	r.version = 0;
	assert_int_equal(-EINVAL, monitor_response_check(&w, 2, &r, &act));
	r.version = THINVMX_EVENT_VERSION + 1;
	assert_int_equal(-EINVAL, monitor_response_check(&w, 2, &r, &act));
	r = good;
	r.flags = 1u << 7;
	assert_int_equal(-EINVAL, monitor_response_check(&w, 2, &r, &act));
	r.flags = 1u << 31;
	assert_int_equal(-EINVAL, monitor_response_check(&w, 2, &r, &act));
	r = good;
	r.pad = 1;
	assert_int_equal(-EINVAL, monitor_response_check(&w, 2, &r, &act));
	for (i = 0; i < ARRAY_SIZE(r.reserved); i++) {
		r = good;
		r.reserved[i] = 1;
		assert_int_equal(-EINVAL, monitor_response_check(&w, 2, &r, &act));
	}
	/* the answer names another vCPU than the ring's */
	assert_int_equal(-EINVAL, monitor_response_check(&w, 3, &good, &act));
	/* the vCPU waits for nothing: the event was async, or answered */
	assert_int_equal(-EINVAL, monitor_response_check(&none, 2, &good, &act));
	/* another event's answer */
	r = good;
	r.seq = 999;
	assert_int_equal(-ESRCH, monitor_response_check(&w, 2, &r, &act));
	r.seq = 1001;
	assert_int_equal(-ESRCH, monitor_response_check(&w, 2, &r, &act));
	r.seq = 0;
	assert_int_equal(-ESRCH, monitor_response_check(&w, 2, &r, &act));
	/* the right seq, the wrong reason */
	r = good;
	r.reason = THINVMX_EVENT_CR3;
	assert_int_equal(-EINVAL, monitor_response_check(&w, 2, &r, &act));
	/* registers are data, never checked */
	r = good;
	memset(&r.regs, 0xff, sizeof(r.regs));
	r.flags = THINVMX_RESPONSE_SET_REGS;
	assert_int_equal(0, monitor_response_check(&w, 2, &r, &act));
}

static void test_default_actions(void **state)
{
	u16 reason;

	for (reason = 0; reason <= THINVMX_EVENT_NR_REASONS; reason++) {
		u32 want = 0;

		if ((reason >= THINVMX_EVENT_CR0 && reason <= THINVMX_EVENT_CR4) ||
		    reason == THINVMX_EVENT_MSR || reason == THINVMX_EVENT_XCR0 ||
		    reason == THINVMX_EVENT_CPUID || reason == THINVMX_EVENT_DESC_ACCESS)
			want = MONITOR_ACT_APPLY_CR | MONITOR_ACT_SKIP;
		else if (reason == THINVMX_EVENT_INT3 || reason == THINVMX_EVENT_DEBUG)
			want = MONITOR_ACT_REINJECT;
		else if (reason == THINVMX_EVENT_GUEST_REQUEST)
			want = MONITOR_ACT_SKIP;
		else if (reason == THINVMX_EVENT_IO)
			want = MONITOR_ACT_APPLY_CR;
		assert_int_equal(want, monitor_default_actions(reason));
	}
}

/* XCR0 with and without on-change-only; the exits and channels. */
static void test_new_kinds(void **state)
{
	struct monitor_settings s = { 0 };

	assert_int_equal(MONITOR_NONE, monitor_xcr0_event(&s, 3, 7));
	set(&s, THINVMX_MONITOR_XCR0, SYNC, 0);
	assert_int_equal(MONITOR_SYNC, monitor_xcr0_event(&s, 3, 3));
	set(&s, THINVMX_MONITOR_XCR0, ASYNC, ON_CHANGE);
	assert_int_equal(MONITOR_NONE, monitor_xcr0_event(&s, 3, 3));
	assert_int_equal(MONITOR_ASYNC, monitor_xcr0_event(&s, 3, 7));
	/* XCR0 is no CR: CR events stay off */
	assert_int_equal(MONITOR_NONE, monitor_cr_event(&s, 0, 1, 3));

	assert_false(monitor_needs_desc_exiting(&s));
	set(&s, THINVMX_MONITOR_DESC_ACCESS, ASYNC, 0);
	assert_true(monitor_needs_desc_exiting(&s));
	set(&s, THINVMX_MONITOR_DESC_ACCESS, DISABLED, 0);
	assert_false(monitor_needs_desc_exiting(&s));

	/* channels: bit n for RAX n, nothing at or above 64 */
	assert_false(monitor_guest_request(0, 0));
	assert_true(monitor_guest_request(BIT_ULL(5), 5));
	assert_false(monitor_guest_request(BIT_ULL(5), 4));
	assert_true(monitor_guest_request(BIT_ULL(63), 63));
	assert_false(monitor_guest_request(~0ULL, 64));
	assert_false(monitor_guest_request(~0ULL, 1ULL << 32 | 5));
	assert_false(monitor_guest_request(~0ULL, ~0ULL));

	/* kinds out of range */
	assert_int_equal(-EINVAL, monitor_validate(THINVMX_MONITOR_NR_KINDS, ASYNC, 0));
	assert_int_equal(-EINVAL, monitor_validate(THINVMX_MONITOR_IO, ASYNC, ON_CHANGE));
	assert_int_equal(-EINVAL, monitor_validate(THINVMX_MONITOR_CPUID, SYNC, ON_CHANGE));
}

/* The poll window of a waiting vCPU adapts to how fast answers come. */
static void test_spin_next(void **state)
{
	const u32 base = 30000, max = 200000;
	u32 w;
	int i;

	/* 0 never polls, whatever happened */
	assert_int_equal(0, monitor_spin_next(0, 0, max, 1000));
	assert_int_equal(0, monitor_spin_next(50000, 0, max, 100000));
	/* caught within the window: kept */
	assert_int_equal(base, monitor_spin_next(base, base, max, 1));
	assert_int_equal(base, monitor_spin_next(base, base, max, base));
	assert_int_equal(120000, monitor_spin_next(120000, base, max, 90000));
	/* just missed: doubled until it covers the wait */
	assert_int_equal(60000, monitor_spin_next(base, base, max, base + 1));
	assert_int_equal(120000, monitor_spin_next(base, base, max, 100000));
	/* never past max, even when doubling would overshoot it */
	assert_int_equal(max, monitor_spin_next(base, base, max, 150000));
	assert_int_equal(max, monitor_spin_next(120000, base, max, max));
	/* slower than max: halved, down to base and no further */
	assert_int_equal(100000, monitor_spin_next(max, base, max, max + 1));
	assert_int_equal(base, monitor_spin_next(40000, base, max, 1000000));
	assert_int_equal(base, monitor_spin_next(base, base, max, ~0ULL));
	/* a window out of range (the parameters changed) is brought back */
	assert_int_equal(base, monitor_spin_next(0, base, max, 1));
	assert_int_equal(max, monitor_spin_next(~0u, base, max, 1));
	/* max below base: base is the only window */
	assert_int_equal(base, monitor_spin_next(base, base, 1000, 100000));
	assert_int_equal(base, monitor_spin_next(base, base, 0, 1));
	/* a steady 150 us daemon: the window settles on max and stays */
	for (w = base, i = 0; i < 10; i++)
		w = monitor_spin_next(w, base, max, 150000);
	assert_int_equal(max, w);
	/* then it sleeps: back to base within a few answers */
	for (i = 0; i < 10; i++)
		w = monitor_spin_next(w, base, max, 10000000);
	assert_int_equal(base, w);
	/* huge parameters: no overflow */
	assert_int_equal(0xffffffffu,
			 monitor_spin_next(0x90000000u, 1, 0xffffffffu, 0xf0000000u));
}

static void set_msr(struct monitor_settings *s, u32 msr, u32 mode, u32 flags,
		    int want)
{
	struct thinvmx_monitor m = {
		.kind = THINVMX_MONITOR_MSR, .mode = mode, .flags = flags, .msr = msr,
	};

	assert_int_equal(want, monitor_set(s, &m));
}

/* The watched set: one slot per MSR, each with its mode, full at 16. */
static void test_msr_watch(void **state)
{
	struct monitor_settings s = { 0 };
	struct thinvmx_monitor m;
	u32 i;

	/* kind 7 is SINGLESTEP's reason, not a kind */
	assert_int_equal(-EINVAL, monitor_validate(THINVMX_EVENT_SINGLESTEP, ASYNC, 0));
	assert_int_equal(0, monitor_validate(THINVMX_MONITOR_MSR, SYNC, ON_CHANGE));
	assert_false(monitor_msr_watched(&s, 0xc0000082));
	set_msr(&s, 0xc0000082, ASYNC, 0, 0);
	set_msr(&s, 0, SYNC, ON_CHANGE, 0);	/* MSR 0 is an MSR too */
	assert_true(monitor_msr_watched(&s, 0xc0000082));
	assert_true(monitor_msr_watched(&s, 0));
	assert_false(monitor_msr_watched(&s, 0xc0000081));
	assert_int_equal(MONITOR_ASYNC, monitor_msr_event(&s, 0xc0000082, true, 5, 5));
	assert_int_equal(MONITOR_NONE, monitor_msr_event(&s, 0, true, 5, 5));
	assert_int_equal(MONITOR_SYNC, monitor_msr_event(&s, 0, true, 5, 6));
	assert_int_equal(MONITOR_SYNC, monitor_msr_event(&s, 0, false, 5, 5));
	assert_int_equal(MONITOR_NONE, monitor_msr_event(&s, 1, true, 5, 6));
	/* the MSR kind is not a per-kind setting */
	assert_int_equal(MONITOR_NONE, monitor_delivery(&s, THINVMX_MONITOR_MSR));
	/* changing one keeps its slot */
	set_msr(&s, 0xc0000082, SYNC, 0, 0);
	assert_int_equal(MONITOR_SYNC, monitor_msr_event(&s, 0xc0000082, true, 5, 5));
	m = (struct thinvmx_monitor){ .kind = THINVMX_MONITOR_MSR, .msr = 0 };
	assert_int_equal(0, monitor_get(&s, &m));
	assert_int_equal(SYNC, m.mode);
	assert_int_equal(ON_CHANGE, m.flags);
	assert_int_equal(0, m.msr);
	m = (struct thinvmx_monitor){ .kind = THINVMX_MONITOR_MSR, .msr = 77 };
	assert_int_equal(0, monitor_get(&s, &m));
	assert_int_equal(DISABLED, m.mode);
	assert_int_equal(77, m.msr);
	/* msr only with the MSR kind */
	m = (struct thinvmx_monitor){ .kind = THINVMX_MONITOR_CR0, .msr = 1 };
	assert_int_equal(-EINVAL, monitor_set(&s, &m));
	/* never the in-module APIC's x2APIC registers (EOI, TPR, ICR...) */
	set_msr(&s, 0x800, ASYNC, 0, -EINVAL);
	set_msr(&s, 0x80b, SYNC, 0, -EINVAL);
	set_msr(&s, 0x8ff, ASYNC, 0, -EINVAL);
	assert_false(monitor_msr_watched(&s, 0x80b));
	set_msr(&s, 0x7ff, ASYNC, 0, 0);
	set_msr(&s, 0x7ff, DISABLED, 0, 0);
	/* sixteen at most; disabling frees a slot; disabling an unwatched one is fine */
	for (i = 2; i < THINVMX_MONITOR_MSRS; i++)
		set_msr(&s, 0x100 + i, ASYNC, 0, 0);
	set_msr(&s, 0x200, ASYNC, 0, -ENOSPC);
	assert_false(monitor_msr_watched(&s, 0x200));
	set_msr(&s, 0x300, DISABLED, 0, 0);
	set_msr(&s, 0x102, DISABLED, 0, 0);
	assert_false(monitor_msr_watched(&s, 0x102));
	set_msr(&s, 0x200, ASYNC, 0, 0);
	assert_true(monitor_msr_watched(&s, 0x200));
	monitor_reset(&s);
	assert_false(monitor_msr_watched(&s, 0x200));
	assert_false(monitor_msr_watched(&s, 0xc0000082));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_every_combination),
		cmocka_unit_test(test_set_get),
		cmocka_unit_test(test_set_reserved),
		cmocka_unit_test(test_msr_watch),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_cr_events),
		cmocka_unit_test(test_cr_on_change_values),
		cmocka_unit_test(test_exits_needed),
		cmocka_unit_test(test_int3_action),
		cmocka_unit_test(test_event_init),
		cmocka_unit_test(test_response_every_kind),
		cmocka_unit_test(test_response_named),
		cmocka_unit_test(test_response_errors),
		cmocka_unit_test(test_response_views),
		cmocka_unit_test(test_default_actions),
		cmocka_unit_test(test_new_kinds),
		cmocka_unit_test(test_spin_next),
	};

	return cmocka_run_group_tests_name("monitor", tests, NULL, NULL);
}
