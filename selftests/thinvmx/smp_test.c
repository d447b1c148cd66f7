// SPDX-License-Identifier: GPL-2.0
/*
 * Several domains and vCPUs at once, and vCPU threads moving between host
 * CPUs (the VMCS is cleared on the old CPU and loaded on the new one).
 *
 * Requires: root, the thinvmx module, VMX with unrestricted guest, and at
 * least two online CPUs (the rig boots this one with --cpus 2). SKIPs
 * otherwise.
 */
#include <pthread.h>
#include <fcntl.h>
#include <sched.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"

#define LOOPS		2000

/*
 * mov esi, LOOPS; L: xor eax, eax; cpuid; dec esi; jnz L;
 * mov eax, ebx (the vendor signature's first word); out 0x10, eax; hlt
 */
static const unsigned char cpuid_loop[] = {
	0x66, 0xbe, LOOPS & 0xff, LOOPS >> 8, 0x00, 0x00,
	0x66, 0x31, 0xc0,
	0x0f, 0xa2,
	0x66, 0x4e,
	0x75, 0xf7,
	0x66, 0x89, 0xd8,
	0x66, 0xe7, 0x10,
	0xf4,
};

struct worker {
	struct tvx_vcpu *v;
	struct tvx_domain *d;
	pthread_barrier_t *start;
	int migrate;		/* switch CPUs between runs */
	int rounds;
	int failures;
	int last_ret;		/* RUN's result and exit of the last failure */
	__u32 last_exit;
	__u32 vendor;
	__u64 exits;
};

static void setup_real(struct tvx_vcpu *v, struct tvx_domain *d)
{
	struct thinvmx_regs regs = { .rip = 0x1000, .rflags = 2 };
	struct thinvmx_sregs s;

	memcpy(tvx_gpa(d, 0x1000), cpuid_loop, sizeof(cpuid_loop));
	tvx_get_sregs(v, &s);
	s.cs.base = 0;
	s.cs.selector = 0;
	tvx_set_sregs(v, &s);
	tvx_set_regs(v, &regs);
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct thinvmx_run *run = tvx_vcpu_run_page(w->v);
	int r, ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	pthread_barrier_wait(w->start);
	for (r = 0; r < w->rounds; r++) {
		if (w->migrate)
			pin_to(r % ncpu);
		setup_real(w->v, w->d);
		w->last_ret = tvx_vcpu_run(w->v);
		if (w->last_ret || run->exit_reason != THINVMX_EXIT_IO ||
		    run->io.port != 0x10) {
			w->last_exit = run->exit_reason;
			w->failures++;
			continue;
		}
		w->vendor = run->io.data;
		w->last_ret = tvx_vcpu_run(w->v);
		if (w->last_ret || run->exit_reason != THINVMX_EXIT_HLT) {
			w->last_exit = run->exit_reason;
			w->failures++;
		}
	}
	w->exits = run->exits;
	return NULL;
}

static bool smp_ready(struct __test_metadata *_metadata, struct tvx_handle **h)
{
	struct thinvmx_caps caps;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return false;
	if (tvx_open(h))
		return false;
	if (tvx_get_caps(*h, &caps) || caps.vmx_status != THINVMX_VMX_OK ||
	    !(caps.features & THINVMX_FEAT_UNRESTRICTED)) {
		tvx_close(*h);
		return false;
	}
	return true;
}

static __u32 host_vendor(void)
{
	__u32 a = 0, b, c, d;

	asm volatile("cpuid" : "+a" (a), "=b" (b), "=c" (c), "=d" (d));
	return b;
}

/* two domains, one with two vCPUs: three guests on two CPUs at once */
TEST(two_domains_three_vcpus_at_once)
{
	struct tvx_handle *h;
	struct tvx_domain *d[2];
	struct worker w[3];
	pthread_t t[3];
	pthread_barrier_t start;
	int i;

	if (!smp_ready(_metadata, &h))
		SKIP(return, "needs 2 CPUs, the module and VMX with unrestricted guest");
	ASSERT_EQ(0, tvx_domain_create_simple(h, 1 << 20, &d[0]));
	ASSERT_EQ(0, tvx_domain_create_simple(h, 1 << 20, &d[1]));
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 3));
	memset(w, 0, sizeof(w));
	for (i = 0; i < 3; i++) {
		w[i].d = d[i == 2];
		w[i].start = &start;
		w[i].rounds = 3;
		ASSERT_EQ(0, tvx_vcpu_create(w[i].d, i == 1, &w[i].v));
	}
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, work, &w[i]));
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, w[i].failures)
			TH_LOG("worker %d: RUN %d, exit %u", i, w[i].last_ret,
			       w[i].last_exit);
		EXPECT_EQ(host_vendor(), w[i].vendor);
		EXPECT_LE(3 * (LOOPS + 2), w[i].exits);
		tvx_vcpu_destroy(w[i].v);
	}
	tvx_domain_destroy(d[0]);
	tvx_domain_destroy(d[1]);
	tvx_close(h);
}

/* one vCPU thread hopping between CPUs on every run */
TEST(vcpu_migrates_between_cpus)
{
	pthread_barrier_t start;
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct worker w;
	pthread_t t;

	if (!smp_ready(_metadata, &h))
		SKIP(return, "needs 2 CPUs, the module and VMX with unrestricted guest");
	ASSERT_EQ(0, tvx_domain_create_simple(h, 1 << 20, &d));
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 1));
	memset(&w, 0, sizeof(w));
	w.d = d;
	w.start = &start;
	w.migrate = 1;
	w.rounds = 10;
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &w.v));
	ASSERT_EQ(0, pthread_create(&t, NULL, work, &w));
	pthread_join(t, NULL);
	EXPECT_EQ(0, w.failures) TH_LOG("RUN %d, exit %u", w.last_ret, w.last_exit);
	EXPECT_EQ(host_vendor(), w.vendor);
	tvx_vcpu_destroy(w.v);
	tvx_domain_destroy(d);
	tvx_close(h);
}

static int set_online(int cpu, int on)
{
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, on ? "1" : "0", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

static int run_once(struct tvx_vcpu *v, struct tvx_domain *d)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(v);

	setup_real(v, d);
	if (tvx_vcpu_run(v) || run->exit_reason != THINVMX_EXIT_IO)
		return -1;
	if (tvx_vcpu_run(v) || run->exit_reason != THINVMX_EXIT_HLT)
		return -1;
	return 0;
}

/*
 * CPU hotplug while a domain lives: the CPU going down VMCLEARs the VMCS
 * active there and leaves VMX operation; coming back it enters VMX again,
 * and the vCPU runs on it.
 */
TEST(cpu_hotplug_with_a_domain)
{
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;

	if (!smp_ready(_metadata, &h))
		SKIP(return, "needs 2 CPUs, the module and VMX with unrestricted guest");
	if (access("/sys/devices/system/cpu/cpu1/online", W_OK)) {
		tvx_close(h);
		SKIP(return, "CPU 1 cannot be taken offline");
	}
	ASSERT_EQ(0, tvx_domain_create_simple(h, 1 << 20, &d));
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));

	pin_to(1);
	ASSERT_EQ(0, run_once(v, d));		/* VMCS active on CPU 1 */
	pin_to(0);
	ASSERT_EQ(0, set_online(1, 0));
	EXPECT_EQ(0, run_once(v, d));		/* cleared there, loaded here */
	ASSERT_EQ(0, set_online(1, 1));
	pin_to(1);
	EXPECT_EQ(0, run_once(v, d));		/* CPU 1 is in VMX operation again */
	pin_to(0);

	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);

	/* hotplug with no domain alive, then a new domain on the CPU that came back */
	ASSERT_EQ(0, set_online(1, 0));
	ASSERT_EQ(0, set_online(1, 1));
	ASSERT_EQ(0, tvx_domain_create_simple(h, 1 << 20, &d));
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
	pin_to(1);
	EXPECT_EQ(0, run_once(v, d));
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	tvx_close(h);
}

/* Function-call IPIs taken so far, all CPUs (/proc/interrupts, CAL). */
static unsigned long cal_ipis(void)
{
	unsigned long n = 0, v;
	char line[4096], *p, *end;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "CAL:");
		if (!p)
			continue;
		for (p += 4;; p = end) {
			v = strtoul(p, &end, 10);
			if (end == p)
				break;
			n += v;
		}
		break;
	}
	fclose(f);
	return n;
}

static volatile int spin_stop;

/* Keep CPU 1 busy: an idle CPU polling for work takes calls without IPIs. */
static void *spin_on_cpu1(void *arg)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!spin_stop)
		;
	return NULL;
}

/*
 * netlink's GET_CAPS is open to every user; whether another hypervisor
 * holds VMX takes an IPI to every CPU to learn, so it is learnt at most
 * once a second: 200 requests in a row cost a few IPIs, not 200.
 */
TEST(get_caps_over_netlink_sends_no_ipi_storm)
{
	unsigned long before, after;
	struct thinvmx_caps caps;
	struct tvx_nl *nl;
	pthread_t spinner;
	cpu_set_t set;
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || access(THINVMX_DEVICE, F_OK))
		SKIP(return, "needs 2 CPUs and the module");
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	ASSERT_EQ(0, pthread_create(&spinner, NULL, spin_on_cpu1, NULL));
	usleep(100 * 1000);
	ASSERT_EQ(0, tvx_nl_open(&nl));
	ASSERT_EQ(0, tvx_nl_get_caps(nl, &caps));
	before = cal_ipis();
	for (i = 0; i < 200; i++)
		ASSERT_EQ(0, tvx_nl_get_caps(nl, &caps));
	after = cal_ipis();
	spin_stop = 1;
	pthread_join(spinner, NULL);
	tvx_nl_close(nl);
	EXPECT_GT(20, after - before) TH_LOG("%lu IPIs", after - before);
}

TEST_HARNESS_MAIN
