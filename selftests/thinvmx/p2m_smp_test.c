// SPDX-License-Identifier: GPL-2.0
/*
 * Access rights that shrink while the guest runs take effect before
 * SET_MEM_ACCESS returns (uapi/thinvmx.h: "invalidated on every CPU before
 * the ioctl returns"), on every vCPU of the domain.
 *
 * Two vCPUs, each in its own thread, spin in the guest storing an
 * increasing counter into their own word of one 4 KiB page (inside a 2 MiB
 * page, so the change also splits it under the running guest). vCPU 0 and
 * the main thread share CPU 0; vCPU 1 has CPU 1 to itself and is in the
 * guest while the ioctl runs. The host takes away write (access r) and
 * reads both counters as soon as the ioctl returns: the values read then
 * are final. Each vCPU's next store must exit as MEM_ACCESS, and the
 * counters never move until the host gives rwx back, after which they
 * advance again. Three rounds.
 *
 * An access allowed once is allowed to that vCPU alone: with the frame
 * watched (access n, async mem_access events), both vCPUs read it
 * thousands of times at once, each read single-stepped with the right
 * widened for it; every read of each vCPU is reported, none slips through
 * in the other's step.
 *
 * Requires: root, the thinvmx module with the p2m ioctls, usable VMX with
 * EPT (Bochs) and at least two online CPUs (the rig's SMP boot). SKIPs
 * otherwise.
 */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <time.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define MEM_BYTES	(64ULL << 20)
#define PAGE_GPA	((32ULL << 20) + 0x3000)	/* inside a 2 MiB page */
#define PAGE_GFN	(PAGE_GPA >> 12)
#define STOP_GPA	((32ULL << 20) + 0x8000)	/* another frame of it */
#define NR_VCPUS	2
#define SLOT_GPA(i)	(PAGE_GPA + (i) * 64)		/* a cache line each */
#define ROUNDS		3
#define WAIT_S		120	/* Bochs with two CPUs is slow */

/* ------------------------------------------------------------ guest code */

/* Store 1, 2, 3, ... into *slot until *stop is set; return the last. */
static __u64 guest_count(__u64 slot, __u64 stop)
{
	__u64 i = 0;

	while (!*(volatile __u64 *)(uintptr_t)stop) {
		i++;
		asm volatile("movq %0, (%1)" : : "r" (i), "r" (slot) : "memory");
	}
	return i;
}

/* Read *slot @n times, one load each; return how many. */
static __u64 guest_read(__u64 slot, __u64 n)
{
	__u64 i, val;

	for (i = 0; i < n; i++)
		asm volatile("movq (%1), %0" : "=r" (val) : "r" (slot) : "memory");
	return i;
}

/* ------------------------------------------------------------ host side */

struct spinner {
	struct tvx_vcpu *v;
	struct tvx_domain *d;
	int cpu;
	sem_t exited;		/* posted after each RUN that returned */
	sem_t resume;		/* posted by the host to RUN again */
	int ret;		/* of the last tvx_run_until_ucall */
	struct tvx_ucall uc;
	bool done;
};

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* RUN until the guest returns: after every MEM_ACCESS exit, wait for the host. */
static void *spin(void *arg)
{
	struct spinner *s = arg;

	pin_to(s->cpu);
	for (;;) {
		s->ret = tvx_run_until_ucall(s->v, s->d, &s->uc);
		if (s->ret != -EPROTO || s->uc.exit.exit_reason != THINVMX_EXIT_MEM_ACCESS)
			s->done = true;
		sem_post(&s->exited);
		if (s->done)
			return NULL;
		sem_wait(&s->resume);
	}
}

static int wait_sem(sem_t *sem, int seconds)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	while (sem_timedwait(sem, &ts))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(smp) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct spinner s[NR_VCPUS];
	pthread_t t[NR_VCPUS];
	int started;
};

FIXTURE_SETUP(smp)
{
	struct thinvmx_caps caps;
	struct tvx_guest_layout l;
	int i, ret;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		TVX_SETUP_SKIP("needs 2 online CPUs, has %ld",
			       sysconf(_SC_NPROCESSORS_ONLN));
	ret = tvx_open(&self->h);
	if (ret == -ENOENT)
		TVX_SETUP_SKIP("no %s: module not loaded", THINVMX_DEVICE);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_get_caps(self->h, &caps));
	if (caps.vmx_status != THINVMX_VMX_OK)
		TVX_SETUP_SKIP("VMX not usable: %s", tvx_vmx_status_str(caps.vmx_status));
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, MEM_BYTES, &self->d));
	ret = tvx_get_mem_access(self->d, PAGE_GFN, NULL, NULL);
	if (ret == -ENOTTY)
		TVX_SETUP_SKIP("the module has no p2m ioctls (GET_MEM_ACCESS: ENOTTY)");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
	ASSERT_EQ(0, tvx_guest_layout(self->d, &l));
	for (i = 0; i < NR_VCPUS; i++) {
		struct spinner *s = &self->s[i];

		s->d = self->d;
		s->cpu = i;	/* vCPU 0 shares CPU 0 with this thread */
		ASSERT_EQ(0, sem_init(&s->exited, 0, 0));
		ASSERT_EQ(0, sem_init(&s->resume, 0, 0));
		ASSERT_EQ(0, tvx_vcpu_create(self->d, i, &s->v));
	}
	/* every setup rewrites the tables: all of them before any RUN */
	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_EQ(0, tvx_vcpu_setup_long_mode(self->s[i].v, self->d,
						      (__u64)(uintptr_t)guest_count,
						      l.stack_top[i]));
		ASSERT_EQ(0, tvx_vcpu_set_args(self->s[i].v, SLOT_GPA(i), STOP_GPA, 0));
	}
	pin_to(0);
}

FIXTURE_TEARDOWN(smp)
{
	volatile __u64 *stop = tvx_gpa(self->d, STOP_GPA);
	int i;

	/* let the spinners finish whatever went wrong before */
	*stop = 1;
	tvx_set_mem_access(self->d, PAGE_GFN, 1, THINVMX_ACCESS_RWX);
	for (i = 0; i < self->started; i++) {
		sem_post(&self->s[i].resume);
		pthread_join(self->t[i], NULL);
	}
	for (i = 0; i < NR_VCPUS; i++)
		tvx_vcpu_destroy(self->s[i].v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

static __u64 counter(FIXTURE_DATA(smp) *self, int i)
{
	return *(volatile __u64 *)tvx_gpa(self->d, SLOT_GPA(i));
}

/* Wait until every counter is past its floor (or WAIT_S pass). */
static bool counters_pass(FIXTURE_DATA(smp) *self, const __u64 *floor)
{
	double end = now_s() + WAIT_S;
	int i;

	for (;;) {
		bool all = true;

		for (i = 0; i < NR_VCPUS; i++)
			all = all && counter(self, i) > floor[i] + 100;
		if (all)
			return true;
		if (now_s() > end)
			return false;
		usleep(1000);
	}
}

TEST_F_TIMEOUT(smp, write_revoked_under_running_vcpus_stops_them_at_once, 600)
{
	__u64 floor[NR_VCPUS] = { 0 }, seen[NR_VCPUS];
	char desc[512];
	int round, i;

	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_EQ(0, pthread_create(&self->t[i], NULL, spin, &self->s[i]));
		self->started++;
	}
	for (round = 0; round < ROUNDS; round++) {
		ASSERT_TRUE(counters_pass(self, floor))
			TH_LOG("round %d: the guests do not count: %llu %llu", round,
			       (unsigned long long)counter(self, 0),
			       (unsigned long long)counter(self, 1));
		for (i = 0; i < NR_VCPUS; i++) {
			ASSERT_NE(0, sem_trywait(&self->s[i].exited))
				TH_LOG("vCPU %d left the guest before the change", i);
		}

		ASSERT_EQ(0, tvx_set_mem_access(self->d, PAGE_GFN, 1, THINVMX_ACCESS_R));
		for (i = 0; i < NR_VCPUS; i++)
			seen[i] = counter(self, i);
		TH_LOG("round %d: write revoked at counters %llu, %llu", round,
		       (unsigned long long)seen[0], (unsigned long long)seen[1]);

		for (i = 0; i < NR_VCPUS; i++) {
			struct spinner *s = &self->s[i];

			EXPECT_EQ(0, wait_sem(&s->exited, WAIT_S))
				TH_LOG("vCPU %d: no exit within %d s; counter %llu -> %llu",
				       i, WAIT_S, (unsigned long long)seen[i],
				       (unsigned long long)counter(self, i));
			if (s->done) {
				tvx_ucall_describe(&s->uc, desc, sizeof(desc));
				ASSERT_FALSE(s->done) TH_LOG("vCPU %d: RUN %d, %s", i, s->ret, desc);
			}
			ASSERT_EQ(THINVMX_EXIT_MEM_ACCESS, s->uc.exit.exit_reason);
			EXPECT_EQ(SLOT_GPA(i), s->uc.exit.mem_access.gpa);
			EXPECT_EQ(2, s->uc.exit.mem_access.attempted);
			EXPECT_EQ(THINVMX_ACCESS_R, s->uc.exit.mem_access.access);
			EXPECT_EQ(THINVMX_P2M_RAM_RW, s->uc.exit.mem_access.type);
		}
		/* both vCPUs are out and waiting: nothing may have landed since */
		usleep(20000);
		for (i = 0; i < NR_VCPUS; i++) {
			EXPECT_EQ(seen[i], counter(self, i))
				TH_LOG("vCPU %d stored after the ioctl returned", i);
		}

		ASSERT_EQ(0, tvx_set_mem_access(self->d, PAGE_GFN, 1, THINVMX_ACCESS_RWX));
		for (i = 0; i < NR_VCPUS; i++) {
			floor[i] = seen[i];
			sem_post(&self->s[i].resume);
		}
	}
	ASSERT_TRUE(counters_pass(self, floor)) TH_LOG("the guests do not count again");

	*(volatile __u64 *)tvx_gpa(self->d, STOP_GPA) = 1;
	for (i = 0; i < NR_VCPUS; i++) {
		struct spinner *s = &self->s[i];

		ASSERT_EQ(0, wait_sem(&s->exited, WAIT_S));
		tvx_ucall_describe(&s->uc, desc, sizeof(desc));
		ASSERT_EQ(TVX_UCALL_DONE, s->ret) TH_LOG("vCPU %d: %s", i, desc);
		EXPECT_EQ(counter(self, i), s->uc.args[0]);
		EXPECT_LT(floor[i], s->uc.args[0]);
	}
}

#define READS		3000
#define RING_LOG2	12	/* room for every event: no vCPU waits */

static int count_reads(struct tvx_monitor *m, const struct thinvmx_event *ev,
		       struct thinvmx_response *rsp, void *arg)
{
	unsigned long *n = arg;

	if (ev->reason == THINVMX_EVENT_MEM_ACCESS && ev->vcpu < NR_VCPUS &&
	    ev->u.mem_access.gfn == PAGE_GFN)
		n[ev->vcpu]++;
	else
		n[NR_VCPUS]++;
	return 0;
}

TEST_F_TIMEOUT(smp, every_access_is_reported_while_another_vcpu_steps, 600)
{
	unsigned long events[NR_VCPUS + 1] = { 0 };
	struct thinvmx_domain_info info;
	struct tvx_guest_layout l;
	struct tvx_monitor *m;
	char desc[512];
	int i, ret;

	ASSERT_EQ(0, tvx_guest_layout(self->d, &l));
	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_EQ(0, tvx_vcpu_setup_long_mode(self->s[i].v, self->d,
						      (__u64)(uintptr_t)guest_read,
						      l.stack_top[i]));
		ASSERT_EQ(0, tvx_vcpu_set_args(self->s[i].v, SLOT_GPA(i), READS, 0));
	}
	ASSERT_EQ(0, tvx_monitor_attach(self->d, RING_LOG2, 0, &m));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_MEM_ACCESS,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_set_mem_access(self->d, PAGE_GFN, 1, THINVMX_ACCESS_N));
	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_EQ(0, pthread_create(&self->t[i], NULL, spin, &self->s[i]));
		self->started++;
	}
	for (i = 0; i < NR_VCPUS; i++) {
		struct spinner *s = &self->s[i];

		ASSERT_EQ(0, wait_sem(&s->exited, WAIT_S));
		tvx_ucall_describe(&s->uc, desc, sizeof(desc));
		ASSERT_EQ(TVX_UCALL_DONE, s->ret) TH_LOG("vCPU %d: %s", i, desc);
		EXPECT_EQ(READS, s->uc.args[0]);
	}
	do
		ret = tvx_monitor_serve(m, ~0ULL, 0, 0, count_reads, events);
	while (ret > 0);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_domain_info(self->d, &info));
	TH_LOG("events: vCPU 0 %lu, vCPU 1 %lu, other %lu; violations %llu",
	       events[0], events[1], events[NR_VCPUS],
	       (unsigned long long)info.mem_access_violations);
	EXPECT_EQ(READS, events[0]);
	EXPECT_EQ(READS, events[1]);
	EXPECT_EQ(0, events[NR_VCPUS]);
	tvx_monitor_detach(m);
}

TEST_HARNESS_MAIN
