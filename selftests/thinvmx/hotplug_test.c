// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug under a running guest. A vCPU thread pinned to CPU 1 runs a
 * guest that counts in a loop and never exits on its own; CPU 1 goes
 * offline and comes back several times. Each time the vCPU must move to
 * CPU 0 and go on counting there (its VMCS cleared on CPU 1, which leaves
 * VMX operation), then go back to CPU 1 once it is online (VMX operation
 * entered again), and RUN must return normally when the guest is told to
 * stop. Meanwhile another thread keeps changing an access right of the
 * domain, so that INVEPT is broadcast to every online CPU while CPU 1 is
 * between leaving VMX operation and leaving cpu_online_mask (or between
 * the reverse on the way up): no VMX instruction may fault there.
 *
 * A domain created while CPU 1 is offline runs on CPU 1 once it is back.
 *
 * Requires: root, the thinvmx module with the p2m ioctls, usable VMX with
 * EPT (Bochs) and CPU 1 online and hot-pluggable (the rig's SMP boot).
 * SKIPs otherwise.
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define MEM_BYTES	(64ULL << 20)
#define SLOT_GPA	((32ULL << 20) + 0x3000)
#define STOP_GPA	((32ULL << 20) + 0x8000)
#define FLIP_GFN	((40ULL << 20) >> 12)	/* a frame the guest never touches */
#define CYCLES		4
#define WAIT_S		120	/* Bochs with two CPUs is slow */
#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"

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

/* ------------------------------------------------------------ host side */

struct runner {
	struct tvx_vcpu *v;
	struct tvx_domain *d;
	struct tvx_ucall uc;
	int ret;
	volatile pid_t tid;
	volatile int done;
};

struct flipper {
	struct tvx_domain *d;
	volatile int stop;
	unsigned long flips;
	int err;
};

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int pin_thread(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

static void *run_guest(void *arg)
{
	struct runner *r = arg;

	r->tid = gettid();
	pin_self(1);
	r->ret = tvx_run_until_ucall(r->v, r->d, &r->uc);
	r->done = 1;
	return NULL;
}

/* Shrink and widen an access right in a loop: an INVEPT broadcast each time. */
static void *flip_access(void *arg)
{
	struct flipper *f = arg;

	pin_self(0);
	while (!f->stop) {
		f->err = tvx_set_mem_access(f->d, FLIP_GFN, 1, THINVMX_ACCESS_R);
		if (!f->err)
			f->err = tvx_set_mem_access(f->d, FLIP_GFN, 1, THINVMX_ACCESS_RWX);
		if (f->err)
			break;
		f->flips++;
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __u64 counter(struct tvx_domain *d)
{
	return *(volatile __u64 *)tvx_gpa(d, SLOT_GPA);
}

/* Wait until the guest's counter is 1000 past @floor; return what it is. */
static __u64 counts_past(struct tvx_domain *d, __u64 floor)
{
	double end = now_s() + WAIT_S;
	__u64 c;

	while ((c = counter(d)) < floor + 1000 && now_s() < end)
		usleep(1000);
	return c;
}

/* Which CPU the thread last ran on (field 39 of /proc/self/task/TID/stat). */
static int thread_cpu(pid_t tid)
{
	char path[64], buf[1024], *p;
	int i, cpu = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		for (i = 2; p && i < 39; i++)
			p = strchr(p + 1, ' ');
		if (p)
			cpu = atoi(p + 1);
	}
	fclose(f);
	return cpu;
}

/* A domain whose vCPU runs guest_count(); @min_cpus online needed. */
static const char *setup(struct tvx_handle **h, struct tvx_domain **d,
			 struct tvx_vcpu **v, long min_cpus)
{
	struct thinvmx_caps caps;
	struct tvx_guest_layout l;
	int ret;

	if (sysconf(_SC_NPROCESSORS_ONLN) < min_cpus)
		return "needs 2 CPUs";
	ret = tvx_open(h);
	if (ret)
		return "no " THINVMX_DEVICE ": module not loaded";
	if (tvx_get_caps(*h, &caps) || caps.vmx_status != THINVMX_VMX_OK) {
		tvx_close(*h);
		return "VMX not usable";
	}
	if (tvx_domain_create_simple(*h, MEM_BYTES, d) ||
	    tvx_guest_load_self(*d) || tvx_guest_layout(*d, &l) ||
	    tvx_vcpu_create(*d, 0, v) ||
	    tvx_vcpu_setup_long_mode(*v, *d, (__u64)(uintptr_t)guest_count,
				     l.stack_top[0]) ||
	    tvx_vcpu_set_args(*v, SLOT_GPA, STOP_GPA, 0)) {
		tvx_close(*h);
		return "cannot build the guest";
	}
	return NULL;
}

/* only for TEST_F_TIMEOUT: Bochs with two CPUs needs minutes */
FIXTURE(hp) {
	int unused;
};

FIXTURE_SETUP(hp)
{
}

FIXTURE_TEARDOWN(hp)
{
	/* whatever failed, CPU 1 is online for the tests after this one */
	tvx_write_file(CPU1_ONLINE, "1");
}

TEST_F_TIMEOUT(hp, vcpu_keeps_counting_while_its_cpu_goes_off_and_on, 900)
{
	struct flipper f = { 0 };
	struct runner r = { 0 };
	struct tvx_handle *h;
	const char *why;
	pthread_t rt, ft;
	__u64 c;
	char desc[512];
	int i;

	if (access(CPU1_ONLINE, W_OK))
		SKIP(return, "CPU 1 cannot be taken offline");
	why = setup(&h, &r.d, &r.v, 2);
	if (why)
		SKIP(return, "%s", why);
	pin_self(0);
	f.d = r.d;
	ASSERT_EQ(0, pthread_create(&rt, NULL, run_guest, &r));
	ASSERT_EQ(0, pthread_create(&ft, NULL, flip_access, &f));

	c = counts_past(r.d, 0);
	ASSERT_LE(1000, c) TH_LOG("the guest does not count");
	for (i = 0; i < CYCLES; i++) {
		ASSERT_EQ(0, tvx_write_file(CPU1_ONLINE, "0")) TH_LOG("cycle %d: offline", i);
		c = counts_past(r.d, c);
		ASSERT_FALSE(r.done) TH_LOG("cycle %d: RUN returned %d", i, r.ret);
		ASSERT_LE(1000, c) TH_LOG("cycle %d: no counting on CPU 0", i);
		EXPECT_EQ(0, thread_cpu(r.tid));

		ASSERT_EQ(0, tvx_write_file(CPU1_ONLINE, "1")) TH_LOG("cycle %d: online", i);
		/* the kernel broke the pinning when CPU 1 went: pin again */
		ASSERT_EQ(0, pin_thread(rt, 1));
		c = counts_past(r.d, c);
		ASSERT_FALSE(r.done) TH_LOG("cycle %d: RUN returned %d", i, r.ret);
		EXPECT_EQ(1, thread_cpu(r.tid));
		TH_LOG("cycle %d: counter %llu, %lu flips", i,
		       (unsigned long long)c, f.flips);
	}

	f.stop = 1;
	pthread_join(ft, NULL);
	EXPECT_EQ(0, f.err);
	*(volatile __u64 *)tvx_gpa(r.d, STOP_GPA) = 1;
	pthread_join(rt, NULL);
	tvx_ucall_describe(&r.uc, desc, sizeof(desc));
	ASSERT_EQ(TVX_UCALL_DONE, r.ret) TH_LOG("%s", desc);
	EXPECT_EQ(counter(r.d), r.uc.args[0]);
	EXPECT_FALSE(tvx_dmesg_has(" faulted"))
		TH_LOG("a VMX instruction faulted on a CPU out of VMX operation");

	tvx_vcpu_destroy(r.v);
	tvx_domain_destroy(r.d);
	tvx_close(h);
}

/* VMX operation is entered on a CPU that comes online after the domain. */
TEST_F_TIMEOUT(hp, domain_made_while_cpu1_offline_runs_there_later, 600)
{
	struct runner r = { 0 };
	struct tvx_handle *h;
	const char *why;
	pthread_t rt;
	char desc[512];

	if (access(CPU1_ONLINE, W_OK))
		SKIP(return, "CPU 1 cannot be taken offline");
	pin_self(0);
	ASSERT_EQ(0, tvx_write_file(CPU1_ONLINE, "0"));
	why = setup(&h, &r.d, &r.v, 1);
	if (why) {
		tvx_write_file(CPU1_ONLINE, "1");
		SKIP(return, "%s", why);
	}
	ASSERT_EQ(0, tvx_write_file(CPU1_ONLINE, "1"));
	ASSERT_EQ(0, pthread_create(&rt, NULL, run_guest, &r));
	ASSERT_LE(1000, counts_past(r.d, 0));
	EXPECT_EQ(1, thread_cpu(r.tid));
	*(volatile __u64 *)tvx_gpa(r.d, STOP_GPA) = 1;
	pthread_join(rt, NULL);
	tvx_ucall_describe(&r.uc, desc, sizeof(desc));
	ASSERT_EQ(TVX_UCALL_DONE, r.ret) TH_LOG("%s", desc);
	tvx_vcpu_destroy(r.v);
	tvx_domain_destroy(r.d);
	tvx_close(h);
}

TEST_HARNESS_MAIN
