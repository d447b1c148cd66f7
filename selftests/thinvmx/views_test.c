// SPDX-License-Identifier: GPL-2.0
/*
 * Alternate p2m views (uapi/thinvmx_introspect.h, "views"): create,
 * destroy, per-view access rights, a frame shown elsewhere (a shadow
 * page), switching one vCPU or all, violations that say their view,
 * answers that switch the view or step in another view (Xen's fast
 * single-step) on two vCPUs at once, no view making a read-only MMIO
 * frame writable, and the argument checks.
 *
 * Requires: root, the thinvmx module, usable VMX. The read-only MMIO case
 * needs a PCI VGA with a memory BAR (the Bochs tier has one) and SKIPs
 * without. Guests are C functions of this test in long mode.
 */
#include <dirent.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"
#include "tvx_daemon.h"

#define PAGE		4096UL

/* ------------------------------------------------------------ guests */

static __u8 orig[4096] __attribute__((aligned(4096)));
static __u8 shadow[4096] __attribute__((aligned(4096)));
static __u8 watched[2][4096] __attribute__((aligned(4096)));

static __u64 gfn_of(const void *p)
{
	return (__u64)(uintptr_t)p >> 12;
}

/* Report what orig[0] holds, @n times (the host switches views between). */
static void guest_read_orig(__u64 n)
{
	__u64 i;

	for (i = 0; i < n; i++)
		GUEST_SYNC(*(volatile __u64 *)orig);
	GUEST_DONE();
}

/* Write watched[@which][8] @n times, counting up; report the last value. */
static void guest_write_watched(__u64 which, __u64 n)
{
	volatile __u8 *p = &watched[which][8];
	__u64 i;

	for (i = 0; i < n; i++)
		*p = (__u8)(i + 1);
	GUEST_SYNC(*p);
	GUEST_DONE();
}

/* Write @val to the address @addr, then report what it reads there. */
static void guest_write_at(__u64 addr, __u64 val)
{
	volatile __u8 *p = (volatile __u8 *)(uintptr_t)addr;

	*p = (__u8)val;
	GUEST_SYNC(*p);
	GUEST_DONE();
}

/* One INT3, then report orig[0] (the answer may switch the view). */
static void guest_int3_then_read(void)
{
	asm volatile("int3" : : : "memory");
	GUEST_SYNC(*(volatile __u64 *)orig);
	GUEST_DONE();
}

/* ------------------------------------------------------------ fixture */

FIXTURE(views) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_ucall uc;
};

FIXTURE_SETUP(views)
{
	const char *why;
	int err;

	why = tvx_test_open(&self->h, false, &err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, 64ULL << 20, &self->d));
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v));
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
	/* the guest image is loaded: distinct contents in its frames */
	ASSERT_EQ(0, tvx_write_guest(self->d, gfn_of(orig) << 12,
				     &(__u64){ 0x0123456789abcdefULL }, 8));
	ASSERT_EQ(0, tvx_write_guest(self->d, gfn_of(shadow) << 12,
				     &(__u64){ 0x5ade5ade5ade5adeULL }, 8));
}

FIXTURE_TEARDOWN(views)
{
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

#define RUN_EXPECT(want) TVX_RUN_EXPECT((want), self->v, self->d, &self->uc)

static void start(struct tvx_vcpu *v, struct tvx_domain *d, void *fn,
		  __u64 a0, __u64 a1, __u64 stack)
{
	tvx_vcpu_setup_long_mode(v, d, (__u64)(uintptr_t)fn, stack);
	tvx_vcpu_set_args(v, a0, a1, 0);
}

#define START(fn, a0, a1) start(self->v, self->d, (void *)(fn), (a0), (a1), 0)

/* ------------------------------------------------------------ bookkeeping */

TEST_F(views, create_destroy_and_bad_input)
{
	__u16 ids[THINVMX_MAX_VIEWS], id;
	__u32 access, flags;
	__u64 shown;
	unsigned int i;

	for (i = 1; i < THINVMX_MAX_VIEWS; i++) {
		ASSERT_EQ(0, tvx_view_create(self->d, &ids[i]));
		EXPECT_EQ(i, ids[i]);
	}
	/* ten in all, view 0 included */
	EXPECT_EQ(-ENOSPC, tvx_view_create(self->d, &id));
	EXPECT_EQ(-EINVAL, tvx_view_destroy(self->d, 0));
	EXPECT_EQ(-EINVAL, tvx_view_destroy(self->d, THINVMX_MAX_VIEWS));
	ASSERT_EQ(0, tvx_view_destroy(self->d, 4));
	EXPECT_EQ(-ENOENT, tvx_view_destroy(self->d, 4));
	EXPECT_EQ(-ENOENT, tvx_view_set_access(self->d, 4, gfn_of(orig), 1,
					       THINVMX_ACCESS_R));
	ASSERT_EQ(0, tvx_view_create(self->d, &id));
	EXPECT_EQ(4, id);

	/* a copy of view 0's rights until it has its own */
	ASSERT_EQ(0, tvx_set_mem_access(self->d, gfn_of(orig), 1, THINVMX_ACCESS_RX));
	ASSERT_EQ(0, tvx_view_get_access(self->d, 1, gfn_of(orig), &access,
					 &shown, &flags));
	EXPECT_EQ(THINVMX_ACCESS_RX, access);
	EXPECT_EQ(gfn_of(orig), shown);
	EXPECT_EQ(0, flags);
	ASSERT_EQ(0, tvx_view_set_access(self->d, 1, gfn_of(orig), 1,
					 THINVMX_ACCESS_N));
	ASSERT_EQ(0, tvx_view_get_access(self->d, 1, gfn_of(orig), &access,
					 NULL, &flags));
	EXPECT_EQ(THINVMX_ACCESS_N, access);
	EXPECT_EQ(THINVMX_VIEW_Q_OWN_ACCESS, flags);
	ASSERT_EQ(0, tvx_view_get_access(self->d, 0, gfn_of(orig), &access,
					 NULL, NULL));
	EXPECT_EQ(THINVMX_ACCESS_RX, access);
	ASSERT_EQ(0, tvx_view_get_access(self->d, 2, gfn_of(orig), &access,
					 NULL, NULL));
	EXPECT_EQ(THINVMX_ACCESS_RX, access);

	/* bad ids, values and ranges */
	EXPECT_EQ(-EINVAL, tvx_view_set_access(self->d, 0, gfn_of(orig), 1,
					       THINVMX_ACCESS_R));
	EXPECT_EQ(-EINVAL, tvx_view_set_access(self->d, THINVMX_MAX_VIEWS,
					       gfn_of(orig), 1, THINVMX_ACCESS_R));
	EXPECT_EQ(-EINVAL, tvx_view_set_access(self->d, 1, gfn_of(orig), 1,
					       THINVMX_NR_ACCESS));
	EXPECT_EQ(-EINVAL, tvx_view_set_access(self->d, 1, gfn_of(orig), 0,
					       THINVMX_ACCESS_R));
	EXPECT_EQ(-EINVAL, tvx_view_set_access(self->d, 1, (64ULL << 20) >> 12,
					       1, THINVMX_ACCESS_R));
	EXPECT_EQ(-EINVAL, tvx_view_set_access(self->d, 1, ~0ULL, 2,
					       THINVMX_ACCESS_R));
	EXPECT_EQ(-EINVAL, tvx_view_get_access(self->d, THINVMX_MAX_VIEWS,
					       gfn_of(orig), NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, tvx_view_change_gfn(self->d, 0, gfn_of(orig),
					       gfn_of(shadow)));
	EXPECT_EQ(-EINVAL, tvx_view_change_gfn(self->d, 1, gfn_of(orig),
					       (64ULL << 20) >> 12));
	/* nothing is mapped at 3 GiB: no RAM to show */
	EXPECT_EQ(-EINVAL, tvx_view_change_gfn(self->d, 1, (3ULL << 30) >> 12,
					       gfn_of(shadow)));
	EXPECT_EQ(-EINVAL, tvx_view_switch(self->d, THINVMX_MAX_VIEWS, 0, 0));
	EXPECT_EQ(-ENOENT, tvx_view_switch(self->d, 1, 7, 0));
	EXPECT_EQ(-EINVAL, tvx_view_switch(self->d, 1, 1, THINVMX_VIEW_SWITCH_ALL));
	EXPECT_EQ(-EINVAL, tvx_view_switch(self->d, 1, 0, 2));
	ASSERT_EQ(0, tvx_view_destroy(self->d, 5));
	EXPECT_EQ(-ENOENT, tvx_view_switch(self->d, 5, 0, 0));
}

/* ------------------------------------------------------------ shadow pages */

TEST_F(views, change_gfn_shows_the_shadow_in_its_view_only)
{
	__u64 shown;
	__u32 flags;
	__u16 id;

	ASSERT_EQ(0, tvx_view_create(self->d, &id));
	ASSERT_EQ(0, tvx_view_change_gfn(self->d, id, gfn_of(orig), gfn_of(shadow)));
	ASSERT_EQ(0, tvx_view_get_access(self->d, id, gfn_of(orig), NULL, &shown,
					 &flags));
	EXPECT_EQ(gfn_of(shadow), shown);
	EXPECT_EQ(THINVMX_VIEW_Q_CHANGED, flags);

	START(guest_read_orig, 5, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x0123456789abcdefULL, self->uc.args[0]);
	ASSERT_EQ(0, tvx_view_switch(self->d, id, 0, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x5ade5ade5ade5adeULL, self->uc.args[0]);
	/* in use: not destroyed */
	EXPECT_EQ(-EBUSY, tvx_view_destroy(self->d, id));
	ASSERT_EQ(0, tvx_view_switch(self->d, 0, 0, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x0123456789abcdefULL, self->uc.args[0]);
	/* back to its own frame in the view too */
	ASSERT_EQ(0, tvx_view_change_gfn(self->d, id, gfn_of(orig),
					 THINVMX_VIEW_GFN_RESET));
	ASSERT_EQ(0, tvx_view_switch(self->d, id, 0, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x0123456789abcdefULL, self->uc.args[0]);
	ASSERT_EQ(0, tvx_view_change_gfn(self->d, id, gfn_of(orig), gfn_of(shadow)));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x5ade5ade5ade5adeULL, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	ASSERT_EQ(0, tvx_view_switch(self->d, 0, 0, 0));
	/* its VMCS still held the view's EPTP: it enters once more first */
	start(self->v, self->d, (void *)guest_read_orig, 1, 0, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x0123456789abcdefULL, self->uc.args[0]);
	EXPECT_EQ(0, tvx_view_destroy(self->d, id));
}

/*
 * A view made through the listener's fd is the listener's: when it goes
 * (a daemon that dies), the vCPU is back in view 0 at its next entry and
 * the view is gone; a view of the domain fd's stays.
 */
TEST_F(views, a_listeners_views_go_with_it)
{
	struct tvx_monitor *m;
	__u16 id, kept, again;
	int fd;

	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &m));
	fd = tvx_monitor_fd(m);
	ASSERT_EQ(0, tvx_view_create_fd(fd, &id));
	ASSERT_EQ(0, tvx_view_create(self->d, &kept));
	ASSERT_EQ(0, tvx_view_change_gfn_fd(fd, id, gfn_of(orig), gfn_of(shadow)));
	ASSERT_EQ(0, tvx_view_change_gfn(self->d, kept, gfn_of(orig), gfn_of(shadow)));
	ASSERT_EQ(0, tvx_view_switch_fd(fd, id, 0, THINVMX_VIEW_SWITCH_ALL));
	START(guest_read_orig, 3, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x5ade5ade5ade5adeULL, self->uc.args[0]);

	tvx_monitor_detach(m);
	/* view 0 again: the guest's own frame */
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x0123456789abcdefULL, self->uc.args[0]);
	/* gone once out of use; the domain fd's view stays */
	EXPECT_EQ(-ENOENT, tvx_view_switch(self->d, id, 0, 0));
	EXPECT_EQ(0, tvx_view_switch(self->d, kept, 0, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x5ade5ade5ade5adeULL, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	/* its id is free again */
	ASSERT_EQ(0, tvx_view_switch(self->d, 0, 0, 0));
	ASSERT_EQ(0, tvx_view_create(self->d, &again));
	EXPECT_EQ(id, again);
}

struct runner {
	struct tvx_vcpu *v;
	struct tvx_domain *d;
	struct tvx_ucall uc;
	int ret;
};

static void *run_vcpu(void *arg)
{
	struct runner *r = arg;

	r->ret = tvx_run_until_ucall(r->v, r->d, &r->uc);
	return NULL;
}

TEST_F(views, switch_one_vcpu_or_all)
{
	struct tvx_guest_layout l;
	struct tvx_vcpu *v1;
	struct tvx_ucall uc1;
	__u16 id;

	ASSERT_EQ(0, tvx_vcpu_create(self->d, 1, &v1));
	ASSERT_EQ(0, tvx_guest_layout(self->d, &l));
	ASSERT_EQ(0, tvx_view_create(self->d, &id));
	ASSERT_EQ(0, tvx_view_change_gfn(self->d, id, gfn_of(orig), gfn_of(shadow)));
	START(guest_read_orig, 3, 0);
	start(v1, self->d, (void *)guest_read_orig, 3, 0, l.stack_top[1]);

	/* vCPU 1 alone */
	ASSERT_EQ(0, tvx_view_switch(self->d, id, 1, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x0123456789abcdefULL, self->uc.args[0]);
	ASSERT_EQ(TVX_UCALL_SYNC, tvx_run_until_ucall(v1, self->d, &uc1));
	EXPECT_EQ(0x5ade5ade5ade5adeULL, uc1.args[0]);
	/* all of them */
	ASSERT_EQ(0, tvx_view_switch(self->d, id, 0, THINVMX_VIEW_SWITCH_ALL));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x5ade5ade5ade5adeULL, self->uc.args[0]);
	ASSERT_EQ(TVX_UCALL_SYNC, tvx_run_until_ucall(v1, self->d, &uc1));
	EXPECT_EQ(0x5ade5ade5ade5adeULL, uc1.args[0]);
	ASSERT_EQ(0, tvx_view_switch(self->d, 0, 0, THINVMX_VIEW_SWITCH_ALL));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x0123456789abcdefULL, self->uc.args[0]);
	ASSERT_EQ(TVX_UCALL_SYNC, tvx_run_until_ucall(v1, self->d, &uc1));
	EXPECT_EQ(0x0123456789abcdefULL, uc1.args[0]);
	tvx_vcpu_destroy(v1);
}

/* A running vCPU is made to exit and goes on in its new view. */
static void guest_spin_on_orig(void)
{
	while (*(volatile __u64 *)orig != 0x5ade5ade5ade5adeULL)
		;
	GUEST_DONE();
}

struct switcher {
	struct tvx_domain *d;
	__u16 id;
	int ret;
};

static void *switch_later(void *arg)
{
	struct switcher *s = arg;

	usleep(200 * 1000);
	s->ret = tvx_view_switch(s->d, s->id, 0, 0);
	return NULL;
}

TEST_F(views, a_running_vcpu_is_kicked_into_its_new_view)
{
	struct switcher s = { .d = self->d };
	pthread_t t;

	ASSERT_EQ(0, tvx_view_create(self->d, &s.id));
	ASSERT_EQ(0, tvx_view_change_gfn(self->d, s.id, gfn_of(orig), gfn_of(shadow)));
	START(guest_spin_on_orig, 0, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, switch_later, &s));
	RUN_EXPECT(TVX_UCALL_DONE);
	pthread_join(t, NULL);
	EXPECT_EQ(0, s.ret);
}

/* ------------------------------------------------------------ access rights */

TEST_F(views, violations_carry_their_view)
{
	struct tvx_monitor *m;
	struct daemon dm;
	__u16 id;

	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &m));
	daemon_init(&dm, m, self->d, 1);
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_MEM_ACCESS,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	/* through the listener's fd, as a daemon would */
	ASSERT_EQ(0, tvx_view_create_fd(tvx_monitor_fd(m), &id));
	ASSERT_EQ(0, tvx_view_set_access_fd(tvx_monitor_fd(m), id,
					    gfn_of(watched[0]), 1, THINVMX_ACCESS_R));

	/* view 0: no event */
	START(guest_write_watched, 0, 1);
	RUN_EXPECT(TVX_UCALL_SYNC);
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(0, daemon_drain(&dm));

	/* the view: one per write, each let through once, saying view id */
	ASSERT_EQ(0, tvx_view_switch(self->d, id, 0, 0));
	START(guest_write_watched, 0, 3);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(3, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	ASSERT_EQ(3, daemon_drain(&dm));
	EXPECT_EQ(THINVMX_EVENT_MEM_ACCESS, dm.evs[0].reason);
	EXPECT_EQ(id, dm.evs[0].view);
	EXPECT_EQ(id, dm.evs[2].view);
	EXPECT_EQ(gfn_of(watched[0]), dm.evs[0].u.mem_access.gfn);
	EXPECT_EQ(THINVMX_ACCESS_R, dm.evs[0].u.mem_access.right);
	EXPECT_EQ(THINVMX_EVENT_ACCESS_W, dm.evs[0].u.mem_access.access);
	tvx_view_switch(self->d, 0, 0, 0);
	tvx_monitor_detach(m);
}

/*
 * The answer switches the view: SWITCH_VIEW after an INT3 (skipped), and
 * the guest's next read is in the view.
 */
static void answer_switch(struct daemon *dm, const struct thinvmx_event *ev,
			  struct thinvmx_response *rsp)
{
	rsp->flags = THINVMX_RESPONSE_SKIP | THINVMX_RESPONSE_SWITCH_VIEW;
	rsp->view = (__u16)dm->set_rax;
}

TEST_F(views, an_answer_switches_the_view)
{
	struct tvx_monitor *m;
	struct daemon dm;
	__u16 id;

	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &m));
	daemon_init(&dm, m, self->d, 1);
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_INT3,
				     THINVMX_MONITOR_MODE_SYNC, 0));
	ASSERT_EQ(0, tvx_view_create(self->d, &id));
	ASSERT_EQ(0, tvx_view_change_gfn(self->d, id, gfn_of(orig), gfn_of(shadow)));
	dm.policy = answer_switch;
	dm.set_rax = id;
	ASSERT_EQ(0, daemon_start(&dm));
	START(guest_int3_then_read, 0, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x5ade5ade5ade5adeULL, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	daemon_stop(&dm);
	EXPECT_EQ(1, dm.count[THINVMX_EVENT_INT3]);
	EXPECT_EQ(0, dm.evs[0].view);
	EXPECT_EQ(-EBUSY, tvx_view_destroy(self->d, id));
	tvx_view_switch(self->d, 0, 0, 0);
	tvx_monitor_detach(m);
}

/*
 * Fast single-step: each write to the watched frame, denied in the view,
 * is answered "step in view 0, then back to the view": every write
 * lands, each is reported once, no SINGLESTEP event comes, and each
 * fault is in the view again. Two vCPUs at once, each on its own frame.
 */
static void answer_fast(struct daemon *dm, const struct thinvmx_event *ev,
			struct thinvmx_response *rsp)
{
	rsp->flags = THINVMX_RESPONSE_FAST_SINGLESTEP;
	rsp->view = 0;
	rsp->view_after = (__u16)ev->view;
	if (ev->view != dm->set_rax)
		dm->error = -EPROTO;
}

TEST_F(views, fast_singlestep_on_two_vcpus_at_once)
{
	const __u64 n = 50;
	struct tvx_guest_layout l;
	struct tvx_monitor *m;
	struct tvx_vcpu *v1;
	struct runner r0, r1;
	struct daemon dm;
	pthread_t t1;
	__u32 access;
	__u16 id;

	ASSERT_EQ(0, tvx_vcpu_create(self->d, 1, &v1));
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 2, &m));
	daemon_init(&dm, m, self->d, 3);
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_MEM_ACCESS,
				     THINVMX_MONITOR_MODE_SYNC, 0));
	ASSERT_EQ(0, tvx_view_create(self->d, &id));
	ASSERT_EQ(0, tvx_view_set_access(self->d, id, gfn_of(watched[0]), 2,
					 THINVMX_ACCESS_R));
	ASSERT_EQ(0, tvx_view_switch(self->d, id, 0, THINVMX_VIEW_SWITCH_ALL));
	dm.policy = answer_fast;
	dm.set_rax = id;
	ASSERT_EQ(0, daemon_start(&dm));

	ASSERT_EQ(0, tvx_guest_layout(self->d, &l));
	start(self->v, self->d, (void *)guest_write_watched, 0, n, 0);
	start(v1, self->d, (void *)guest_write_watched, 1, n, l.stack_top[1]);
	r0 = (struct runner){ .v = self->v, .d = self->d };
	r1 = (struct runner){ .v = v1, .d = self->d };
	ASSERT_EQ(0, pthread_create(&t1, NULL, run_vcpu, &r1));
	run_vcpu(&r0);
	pthread_join(t1, NULL);
	/* both wrote every value and are back in the view */
	EXPECT_EQ(TVX_UCALL_SYNC, r0.ret);
	EXPECT_EQ(TVX_UCALL_SYNC, r1.ret);
	EXPECT_EQ(n, r0.uc.args[0]);
	EXPECT_EQ(n, r1.uc.args[0]);
	daemon_stop(&dm);
	EXPECT_EQ(0, dm.error);
	EXPECT_EQ(2 * n, dm.count[THINVMX_EVENT_MEM_ACCESS]);
	EXPECT_EQ(0, dm.count[THINVMX_EVENT_SINGLESTEP]);
	EXPECT_EQ(-EBUSY, tvx_view_destroy(self->d, id));
	/* and the right in the view is what it was */
	ASSERT_EQ(0, tvx_view_get_access(self->d, id, gfn_of(watched[0]),
					 &access, NULL, NULL));
	EXPECT_EQ(THINVMX_ACCESS_R, access);
	tvx_monitor_detach(m);
	tvx_vcpu_destroy(v1);
}

/* ------------------------------------------------------------ read-only */

/*
 * ram_ro stays read-only in a view that gives the frame rwx: the type is
 * view 0's, and the view can only choose the access right.
 */
TEST_F(views, a_view_cannot_make_ram_ro_writable)
{
	__u16 id;

	ASSERT_EQ(0, tvx_set_mem_type(self->d, gfn_of(watched[0]), 1,
				      THINVMX_P2M_RAM_RO));
	ASSERT_EQ(0, tvx_view_create(self->d, &id));
	ASSERT_EQ(0, tvx_view_set_access(self->d, id, gfn_of(watched[0]), 1,
					 THINVMX_ACCESS_RWX));
	ASSERT_EQ(0, tvx_view_switch(self->d, id, 0, 0));
	START(guest_write_at, (__u64)(uintptr_t)&watched[0][16], 0x77);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	/* and a frame shown elsewhere keeps its own type */
	ASSERT_EQ(0, tvx_view_change_gfn(self->d, id, gfn_of(watched[1]),
					 gfn_of(watched[0])));
	START(guest_write_at, (__u64)(uintptr_t)&watched[1][16], 0x78);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	tvx_view_switch(self->d, 0, 0, 0);
}

/* A PCI function of class @class_prefix: its sbdf and sysfs path. */
static bool find_vga(__u32 *sbdf, char *path, size_t len)
{
	struct dirent *de;
	DIR *dir = opendir("/sys/bus/pci/devices");
	bool found = false;

	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		unsigned int seg, bus, dev, fn;
		char p[300];
		const char *cls;

		if (sscanf(de->d_name, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4)
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/class", de->d_name);
		cls = tvx_read_file(p);
		if (!cls || strncmp(cls, "0x0300", 6))
			continue;
		*sbdf = THINVMX_PCI_SBDF(seg, bus, dev, fn);
		snprintf(path, len, "/sys/bus/pci/devices/%s", de->d_name);
		found = true;
	}
	closedir(dir);
	return found;
}

/* Start address of memory BAR 0 from sysfs, 0 if none. */
static __u64 bar0_start(const char *dev)
{
	unsigned long long s, e, f;
	const char *res;
	char p[320];

	snprintf(p, sizeof(p), "%s/resource", dev);
	res = tvx_read_file(p);
	if (!res || sscanf(res, "%llx %llx %llx", &s, &e, &f) != 3)
		return 0;
	return (f & 0x200) && e - s + 1 >= 2 * PAGE ? s : 0;
}

#define BAR_GFN		0x10000ULL	/* the BAR goes at 256 MiB */

/*
 * A read-only MMIO frame is writable in no view: not with rwx as the
 * view's right, not shown under a RAM frame (refused: only RAM is
 * shown), and after the view was filled before the frame became
 * read-only (the set's change empties the views).
 */
TEST_F(views, read_only_mmio_is_writable_in_no_view)
{
	volatile __u8 *host;
	char dev[300], p[320];
	__u64 bar, mfn;
	__u32 sbdf;
	__u16 id;
	int fd;

	if (!find_vga(&sbdf, dev, sizeof(dev)))
		SKIP(return, "no PCI VGA in this machine");
	bar = bar0_start(dev);
	if (!bar)
		SKIP(return, "the VGA has no memory BAR 0");
	mfn = bar >> 12;
	snprintf(p, sizeof(p), "%s/resource0", dev);
	fd = open(p, O_RDWR | O_SYNC);
	ASSERT_LE(0, fd);
	host = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, host);
	memset((void *)host, 0xee, 2 * PAGE);

	ASSERT_EQ(0, tvx_assign_device_unsafe(self->d, sbdf));
	ASSERT_EQ(0, tvx_assign_device_bar(self->d, sbdf, 0, BAR_GFN));
	ASSERT_EQ(0, tvx_view_create(self->d, &id));
	ASSERT_EQ(0, tvx_view_set_access(self->d, id, BAR_GFN, 2,
					 THINVMX_ACCESS_RWX));
	EXPECT_EQ(-EINVAL, tvx_view_change_gfn(self->d, id, gfn_of(orig),
					       BAR_GFN + 1));
	ASSERT_EQ(0, tvx_view_switch(self->d, id, 0, 0));

	/* writable while not in the set: the view's leaf is filled */
	START(guest_write_at, (BAR_GFN + 1) << 12, 0x11);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x11, self->uc.args[0]);
	EXPECT_EQ(0x11, host[PAGE]);
	RUN_EXPECT(TVX_UCALL_DONE);

	ASSERT_EQ(0, tvx_ro_add(self->h, mfn + 1, mfn + 1));
	START(guest_write_at, (BAR_GFN + 1) << 12, 0x22);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x11, self->uc.args[0]);
	EXPECT_EQ(0x11, host[PAGE]);
	RUN_EXPECT(TVX_UCALL_DONE);
	/* its neighbour is not in the set */
	START(guest_write_at, BAR_GFN << 12, 0x33);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x33, host[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(0, tvx_ro_remove(self->h, mfn + 1, mfn + 1));
	tvx_view_switch(self->d, 0, 0, 0);
	munmap((void *)host, 2 * PAGE);
}

/* ------------------------------------------------------------ VMFUNC */

#define VMFUNC_PARAM	"/sys/module/thinvmx/parameters/view_vmfunc"

static inline void guest_vmfunc(__u32 eax, __u32 ecx)
{
	asm volatile(".byte 0x0f, 0x01, 0xd4" : : "a" (eax), "c" (ecx) : "memory");
}

/*
 * Read orig in view 0, switch to @listed and read it, back to view 0 and
 * read it, then VMFUNC to @unlisted (the stubs report the #UD).
 */
static void guest_vmfunc_views(__u64 listed, __u64 unlisted)
{
	GUEST_SYNC(*(volatile __u64 *)orig);
	guest_vmfunc(0, listed);
	GUEST_SYNC(*(volatile __u64 *)orig);
	guest_vmfunc(0, 0);
	GUEST_SYNC(*(volatile __u64 *)orig);
	guest_vmfunc(0, listed);
	GUEST_SYNC(*(volatile __u64 *)orig);
	guest_vmfunc(0, unlisted);
	GUEST_DONE();
}

static bool vmfunc_offered(struct tvx_domain *d)
{
	return tvx_view_vmfunc(d, 0, 0) != -EOPNOTSUPP;
}

TEST_F(views, vmfunc_off_by_default_is_ud)
{
	START(guest_vmfunc_views, 0, 0);
	/* the first VMFUNC: #UD */
	RUN_EXPECT(TVX_UCALL_SYNC);
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(6, self->uc.args[0]);
}

TEST_F(views, vmfunc_switches_among_listed_views_only)
{
	__u16 listed, unlisted;

	if (!vmfunc_offered(self->d))
		SKIP(return, "no VMFUNC EPTP switching on this CPU");
	ASSERT_EQ(0, tvx_view_create(self->d, &listed));
	ASSERT_EQ(0, tvx_view_create(self->d, &unlisted));
	ASSERT_EQ(0, tvx_view_change_gfn(self->d, listed, gfn_of(orig),
					 gfn_of(shadow)));
	ASSERT_EQ(0, tvx_view_change_gfn(self->d, unlisted, gfn_of(orig),
					 gfn_of(shadow)));
	EXPECT_EQ(-ENOENT, tvx_view_vmfunc(self->d, 0, 1u << 7));
	EXPECT_EQ(-EINVAL, tvx_view_vmfunc(self->d, 0, 1u << THINVMX_MAX_VIEWS));
	ASSERT_EQ(0, tvx_view_vmfunc(self->d, 0, 1u | (1u << listed)));
	EXPECT_EQ(-EBUSY, tvx_view_destroy(self->d, listed));

	START(guest_vmfunc_views, listed, unlisted);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x0123456789abcdefULL, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x5ade5ade5ade5adeULL, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x0123456789abcdefULL, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x5ade5ade5ade5adeULL, self->uc.args[0]);
	/* the module knows where the guest went: delisted, still in use */
	ASSERT_EQ(0, tvx_view_vmfunc(self->d, 0, 1u));
	EXPECT_EQ(-EBUSY, tvx_view_destroy(self->d, listed));
	ASSERT_EQ(0, tvx_view_vmfunc(self->d, 0, 1u | (1u << listed)));
	/* a view it may not reach: #UD, and it stays where it was */
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(6, self->uc.args[0]);
	START(guest_read_orig, 1, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x5ade5ade5ade5adeULL, self->uc.args[0]);
	/* an index past the list, and another leaf: #UD too */
	START(guest_vmfunc_views, 511, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(6, self->uc.args[0]);
	START(guest_vmfunc_views, 512, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(6, self->uc.args[0]);

	/* off again: VMFUNC is #UD; the refusal is for good */
	ASSERT_EQ(0, tvx_view_switch(self->d, 0, 0, 0));
	ASSERT_EQ(0, tvx_view_vmfunc(self->d, THINVMX_VIEW_VMFUNC_REFUSE, 0));
	EXPECT_EQ(-EPERM, tvx_view_vmfunc(self->d, 0, 1u));
	EXPECT_EQ(0, tvx_view_vmfunc(self->d, 0, 0));
	START(guest_vmfunc_views, listed, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x0123456789abcdefULL, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(6, self->uc.args[0]);
	EXPECT_EQ(0, tvx_view_destroy(self->d, listed));
	EXPECT_EQ(0, tvx_view_destroy(self->d, unlisted));
}

TEST_F(views, vmfunc_says_eopnotsupp_without_the_cpu_feature)
{
	const char *was = tvx_read_file(VMFUNC_PARAM);
	bool on;

	if (!was)
		SKIP(return, "no %s", VMFUNC_PARAM);
	on = was[0] == 'Y';
	ASSERT_EQ(0, tvx_write_file(VMFUNC_PARAM, "0"));
	EXPECT_EQ(-EOPNOTSUPP, tvx_view_vmfunc(self->d, 0, 1u));
	EXPECT_EQ(-EOPNOTSUPP, tvx_view_vmfunc(self->d, 0, 0));
	/* refusing what is not there is fine */
	EXPECT_EQ(0, tvx_view_vmfunc(self->d, THINVMX_VIEW_VMFUNC_REFUSE, 0));
	ASSERT_EQ(0, tvx_write_file(VMFUNC_PARAM, on ? "1" : "0"));
	if (on)
		EXPECT_EQ(-EPERM, tvx_view_vmfunc(self->d, 0, 1u));
}

/* ------------------------------------------------------------ #VE */

#define VE_PARAM	"/sys/module/thinvmx/parameters/view_ve"

static __u8 ve_info[4096] __attribute__((aligned(4096)));

/* The #VE information area (SDM Vol. 3, 26.5.7.2) */
struct ve_info_area {
	__u32 reason;		/* 48: EPT violation */
	__u32 busy;		/* 0xffffffff once delivered */
	__u64 qual;
	__u64 gla;
	__u64 gpa;
	__u16 eptp_index;
};

/*
 * A write denied by the view's own right, marked THINVMX_VIEW_ACCESS_VE,
 * reaches the guest as #VE (vector 20) with the address and the view id
 * in its information page; the same right without the mark exits as a
 * mem_access event; view 0 converts nothing. The guest runs through
 * frames the view has not filled yet (its code, its stack): their empty
 * slots keep suppress-#VE, so those exit to the module, unseen.
 */
TEST_F(views, ve_delivers_the_views_own_violations_to_the_guest)
{
	struct ve_info_area *ve;
	struct tvx_monitor *m;
	struct daemon dm;
	__u16 id;

	if (tvx_view_ve(self->d, 0, THINVMX_VIEW_VE_OFF, 0) == -EOPNOTSUPP)
		SKIP(return, "no EPT-violation #VE on this CPU");
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &m));
	daemon_init(&dm, m, self->d, 1);
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_MEM_ACCESS,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_view_create(self->d, &id));
	ASSERT_EQ(0, tvx_view_set_access_ve(self->d, id, gfn_of(watched[0]), 1,
					    THINVMX_ACCESS_R, THINVMX_VIEW_ACCESS_VE));
	ASSERT_EQ(0, tvx_view_set_access(self->d, id, gfn_of(watched[1]), 1,
					 THINVMX_ACCESS_R));
	ve = tvx_gpa(self->d, gfn_of(ve_info) << 12);
	ASSERT_NE(NULL, ve);
	memset(ve, 0, 4096);

	/* bad input, and #VE against VMFUNC to view 0 */
	EXPECT_EQ(-ENOENT, tvx_view_ve(self->d, 3, 0, gfn_of(ve_info)));
	EXPECT_EQ(-EINVAL, tvx_view_ve(self->d, 0, 0, (64ULL << 20) >> 12));
	EXPECT_EQ(-EINVAL, tvx_view_ve(self->d, 0, 4, gfn_of(ve_info)));
	ASSERT_EQ(0, tvx_view_ve(self->d, 0, 0, gfn_of(ve_info)));
	if (tvx_view_vmfunc(self->d, 0, 0) != -EOPNOTSUPP) {
		EXPECT_EQ(-EBUSY, tvx_view_vmfunc(self->d, 0, 1u));
		EXPECT_EQ(0, tvx_view_vmfunc(self->d, 0, 1u << id));
	}

	/* view 0: the write lands, no #VE */
	START(guest_write_at, (__u64)(uintptr_t)&watched[0][8], 0x41);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x41, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(0, ve->busy);

	/* the view, unmarked right: an event, the write let through once */
	ASSERT_EQ(0, tvx_view_switch(self->d, id, 0, 0));
	START(guest_write_at, (__u64)(uintptr_t)&watched[1][8], 0x43);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x43, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	ASSERT_EQ(1, daemon_drain(&dm));
	EXPECT_EQ(id, dm.evs[0].view);
	EXPECT_EQ(0, ve->busy);

	/* the view, marked right: #VE, the write not done */
	START(guest_write_at, (__u64)(uintptr_t)&watched[0][8], 0x42);
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(20, self->uc.args[0]);
	EXPECT_EQ(48, ve->reason);
	EXPECT_EQ(0xffffffffU, ve->busy);
	EXPECT_EQ((__u64)(uintptr_t)&watched[0][8], ve->gpa);
	/*
	 * Bochs 2.7 does not take the EPTP-index control from the VMCS at VM
	 * entry, as the SDM has the CPU do with every execution control: it
	 * reports the index of the last VMFUNC its emulated CPU executed (0
	 * if none). Elsewhere it is the view.
	 */
	if (strcmp(tvx_tier(), "bochs")) {
		EXPECT_EQ(id, ve->eptp_index);
	} else if (ve->eptp_index != id) {
		TH_LOG("Bochs reports EPTP index %u for view %u", ve->eptp_index, id);
	}
	EXPECT_TRUE(ve->qual & 2);	/* a write */
	EXPECT_EQ(0x41, ((volatile __u8 *)tvx_gpa(self->d, 0))[(uintptr_t)&watched[0][8]]);
	EXPECT_EQ(0, daemon_drain(&dm));

	/* the page taken away, or the domain refusing: it exits again */
	ASSERT_EQ(0, tvx_view_ve(self->d, 0, THINVMX_VIEW_VE_OFF, 0));
	ve->busy = 0;
	START(guest_write_at, (__u64)(uintptr_t)&watched[0][8], 0x44);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x44, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(0, ve->busy);
	EXPECT_EQ(1, daemon_drain(&dm));
	ASSERT_EQ(0, tvx_view_vmfunc(self->d, THINVMX_VIEW_VMFUNC_REFUSE, 0));
	EXPECT_EQ(-EPERM, tvx_view_ve(self->d, 0, 0, gfn_of(ve_info)));
	EXPECT_EQ(-EPERM, tvx_view_set_access_ve(self->d, id, gfn_of(watched[0]),
						 1, THINVMX_ACCESS_R,
						 THINVMX_VIEW_ACCESS_VE));
	tvx_view_switch(self->d, 0, 0, 0);
	tvx_monitor_detach(m);
}

TEST_F(views, ve_says_eopnotsupp_without_the_cpu_feature)
{
	const char *was = tvx_read_file(VE_PARAM);
	bool on;
	__u16 id;

	if (!was)
		SKIP(return, "no %s", VE_PARAM);
	on = was[0] == 'Y';
	ASSERT_EQ(0, tvx_view_create(self->d, &id));
	ASSERT_EQ(0, tvx_write_file(VE_PARAM, "0"));
	EXPECT_EQ(-EOPNOTSUPP, tvx_view_ve(self->d, 0, 0, gfn_of(ve_info)));
	EXPECT_EQ(-EOPNOTSUPP, tvx_view_set_access_ve(self->d, id,
						      gfn_of(watched[0]), 1,
						      THINVMX_ACCESS_R,
						      THINVMX_VIEW_ACCESS_VE));
	ASSERT_EQ(0, tvx_write_file(VE_PARAM, on ? "1" : "0"));
}

TEST_HARNESS_MAIN
