// SPDX-License-Identifier: GPL-2.0
/*
 * IPIs between two vCPUs of a THINVMX_DOMAIN_LAPIC domain that run at
 * the same time on two host CPUs and never halt: each spins in the guest
 * with interrupts on, so an IPI reaches it only by the kick -- a host IPI
 * to the CPU running it, which forces the exit that injects the interrupt.
 * The round trip is measured in TSC ticks and must stay well below the
 * VMX-preemption timer's millisecond, the only other way back in.
 *
 * Requires: root, the thinvmx module, VMX, two online CPUs (the rig boots
 * this one with --cpus 2). SKIPs otherwise.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define MEM_BYTES	(64ULL << 20)
#define IPI_VEC		0x40
#define PINGS		20
#define MSR_APICBASE	0x1b
#define X2_SVR		0x80f
#define X2_ICR		0x830
#define STR_1(x)	#x
#define STR(x)		STR_1(x)

volatile __u64 ipi_count[2];
volatile __u64 ap_ready;
volatile __u64 rtt_sum, rtt_max;

asm(".pushsection .text\n"
    "smp_ipi_isr:\n"
    "	push %rax\n"
    "	push %rcx\n"
    "	push %rdx\n"
    "	mov $0x802, %ecx\n"
    "	rdmsr\n"
    "	and $1, %eax\n"
    "	lea ipi_count(%rip), %rdx\n"
    "	lock incq (%rdx,%rax,8)\n"
    "	mov $0x80b, %ecx\n"
    "	xor %eax, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	pop %rdx\n"
    "	pop %rcx\n"
    "	pop %rax\n"
    "	iretq\n"
    ".popsection\n");

extern char smp_ipi_isr[];

static inline __u64 rdtsc(void)
{
	__u32 lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return ((__u64)hi << 32) | lo;
}

/* Spin with IF=1 until *p >= want; no HLT, the red zone out of the way */
static inline void spin_until(volatile __u64 *p, __u64 want)
{
	asm volatile("sub $128, %%rsp\n\t"
		     "sti\n"
		     "1:\tpause\n\t"
		     "cmp %1, (%0)\n\t"
		     "jb 1b\n\t"
		     "cli\n\t"
		     "add $128, %%rsp"
		     : : "r" (p), "r" (want) : "memory", "cc");
}

static void set_gate(__u8 vec, void *handler)
{
	struct {
		__u16 limit;
		__u64 base;
	} __attribute__((packed)) idtr;
	__u64 a = (__u64)(uintptr_t)handler, *g;

	asm volatile("sidt %0" : "=m" (idtr));
	g = (__u64 *)(uintptr_t)(idtr.base + vec * 16);
	g[0] = (a & 0xffff) | ((__u64)TVX_GUEST_SEL_CODE64 << 16) |
	       (0x8e00ULL << 32) | ((a >> 16) & 0xffff) << 48;
	g[1] = a >> 32;
}

static void x2apic_on(void)
{
	tvx_wrmsr(MSR_APICBASE, tvx_rdmsr(MSR_APICBASE) | (1 << 10));
	tvx_wrmsr(X2_SVR, 0x1ff);
}

static void guest_bsp(void)
{
	__u64 i, t0, d;

	x2apic_on();
	set_gate(IPI_VEC, smp_ipi_isr);
	spin_until(&ap_ready, 1);
	for (i = 1; i <= PINGS; i++) {
		t0 = rdtsc();
		tvx_wrmsr(X2_ICR, (1ULL << 32) | IPI_VEC);
		spin_until(&ipi_count[0], i);
		d = rdtsc() - t0;
		rtt_sum += d;
		if (d > rtt_max)
			rtt_max = d;
	}
	GUEST_SYNC(ipi_count[0], ipi_count[1], rtt_sum / PINGS, rtt_max);
	GUEST_DONE();
}

static void guest_ap(void)
{
	__u64 i;

	x2apic_on();
	__atomic_store_n(&ap_ready, 1, __ATOMIC_SEQ_CST);
	for (i = 1; i <= PINGS; i++) {
		spin_until(&ipi_count[1], i);
		tvx_wrmsr(X2_ICR, IPI_VEC);		/* to APIC 0 */
	}
	GUEST_DONE();
}

struct runner {
	struct tvx_vcpu *v;
	struct tvx_domain *d;
	struct tvx_ucall uc;
	int cpu;
	int ret;
};

static void *run(void *arg)
{
	struct runner *r = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	r->ret = tvx_run_until_ucall(r->v, r->d, &r->uc);
	return NULL;
}

TEST(ipis_reach_a_vcpu_running_on_another_cpu)
{
	struct thinvmx_e820_entry ram = {
		.addr = 0, .size = MEM_BYTES, .type = THINVMX_E820_RAM,
	};
	struct runner r[2] = { 0 };
	struct tvx_guest_layout l;
	struct thinvmx_caps caps;
	struct tvx_handle *h;
	struct tvx_domain *d;
	pthread_t t[2];
	__u32 khz;
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs");
	if (tvx_open(&h))
		SKIP(return, "module not loaded");
	if (tvx_get_caps(h, &caps) || caps.vmx_status != THINVMX_VMX_OK) {
		tvx_close(h);
		SKIP(return, "VMX not usable");
	}
	ASSERT_EQ(0, tvx_domain_create(h, &ram, 1, MEM_BYTES,
				       THINVMX_DOMAIN_LAPIC, &d));
	ASSERT_EQ(0, tvx_guest_load_self(d));
	ASSERT_EQ(0, tvx_guest_layout(d, &l));
	for (i = 0; i < 2; i++) {
		r[i].d = d;
		r[i].cpu = i;
		ASSERT_EQ(0, tvx_vcpu_create(d, i, &r[i].v));
	}
	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(r[0].v, d, (__u64)(uintptr_t)guest_bsp,
					      l.stack_top[0]));
	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(r[1].v, d, (__u64)(uintptr_t)guest_ap,
					      l.stack_top[1]));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, run, &r[i]));
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	khz = tvx_domain_tsc_khz(d);
	ASSERT_EQ(TVX_UCALL_SYNC, r[0].ret);
	EXPECT_EQ(TVX_UCALL_DONE, r[1].ret);
	EXPECT_EQ(PINGS, r[0].uc.args[0]);
	EXPECT_EQ(PINGS, r[0].uc.args[1]);
	TH_LOG("IPI round trip: mean %llu, max %llu TSC ticks (1 ms = %u)",
	       r[0].uc.args[2], r[0].uc.args[3], khz);
	/* without the kick only the preemption timer (1 ms) would bring it */
	EXPECT_GT(khz / 2, r[0].uc.args[2]);
	tvx_vcpu_destroy(r[0].v);
	tvx_vcpu_destroy(r[1].v);
	tvx_domain_destroy(d);
	tvx_close(h);
}

#define MSR_TSC_ADJUST	0x3b
#define X2_ID		0x802

/*
 * What a guest reads of its topology: leaves 0, 1, 4.0, 0xB.0, 0xB.1 and
 * its x2APIC ID; TSC_ADJUST, after vCPU 0 (only) wrote it.
 */
static void guest_topology(void)
{
	__u32 r[6][4], id;

	x2apic_on();
	id = tvx_rdmsr(X2_ID);
	if (!id)
		tvx_wrmsr(MSR_TSC_ADJUST, 1ULL << 40);
	tvx_cpuid(0, 0, &r[0][0], &r[0][1], &r[0][2], &r[0][3]);
	tvx_cpuid(1, 0, &r[1][0], &r[1][1], &r[1][2], &r[1][3]);
	tvx_cpuid(4, 0, &r[2][0], &r[2][1], &r[2][2], &r[2][3]);
	tvx_cpuid(0xb, 0, &r[3][0], &r[3][1], &r[3][2], &r[3][3]);
	tvx_cpuid(0xb, 1, &r[4][0], &r[4][1], &r[4][2], &r[4][3]);
	GUEST_SYNC(id, r[0][0], r[1][1], r[1][3], r[2][0],
		   tvx_rdmsr(MSR_TSC_ADJUST));
	GUEST_SYNC(r[3][0], r[3][1], r[3][2], r[3][3], (__u64)r[4][0] << 32 | r[4][1],
		   (__u64)r[4][2] << 32 | r[4][3]);
	GUEST_DONE();
}

/*
 * CPUID tells each vCPU the domain's topology, the same through every
 * leaf a kernel reads: one package of two single-thread cores, the APIC
 * ID in leaf 1 and in 0xB's EDX the vCPU's x2APIC ID. (Leaf 1 and 0xB
 * used to pass the host's counts through.) Each vCPU has its own
 * IA32_TSC_ADJUST.
 */
TEST(cpuid_topology_is_the_domains)
{
	struct thinvmx_e820_entry ram = {
		.addr = 0, .size = MEM_BYTES, .type = THINVMX_E820_RAM,
	};
	struct tvx_guest_layout l;
	struct thinvmx_caps caps;
	struct tvx_vcpu *v[2];
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_ucall uc;
	__u64 *a = uc.args;
	char desc[512];
	int i, ret;

	if (tvx_open(&h))
		SKIP(return, "module not loaded");
	if (tvx_get_caps(h, &caps) || caps.vmx_status != THINVMX_VMX_OK) {
		tvx_close(h);
		SKIP(return, "VMX not usable");
	}
	ASSERT_EQ(0, tvx_domain_create(h, &ram, 1, MEM_BYTES,
				       THINVMX_DOMAIN_LAPIC, &d));
	ASSERT_EQ(0, tvx_guest_load_self(d));
	ASSERT_EQ(0, tvx_guest_layout(d, &l));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, tvx_vcpu_create(d, i, &v[i]));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, tvx_vcpu_setup_long_mode(v[i], d,
						      (__u64)(uintptr_t)guest_topology,
						      l.stack_top[i]));
		ret = tvx_run_until_ucall(v[i], d, &uc);
		tvx_ucall_describe(&uc, desc, sizeof(desc));
		ASSERT_EQ(TVX_UCALL_SYNC, ret) TH_LOG("%s", desc);
		TH_LOG("vCPU %d: x2APIC %llu, leaf 1 EBX %#llx EDX %#llx, leaf 4 EAX %#llx",
		       i, a[0], a[2], a[3], a[4]);
		EXPECT_EQ(i, a[0]);
		EXPECT_EQ(i, a[2] >> 24);		/* the initial APIC ID */
		EXPECT_EQ(2, (a[2] >> 16) & 0xff);	/* two logical IDs */
		EXPECT_TRUE(a[3] & (1u << 28));		/* HTT: more than one */
		if (a[4] & 0x1f)
			EXPECT_EQ(1, a[4] >> 26);	/* two cores */
		EXPECT_EQ(i ? 0 : 1ULL << 40, a[5]);	/* its own TSC_ADJUST */
		if (a[1] < 0xb) {
			TH_LOG("no leaf 0xB here (max basic leaf %#llx)", a[1]);
			continue;
		}
		ret = tvx_run_until_ucall(v[i], d, &uc);
		ASSERT_EQ(TVX_UCALL_SYNC, ret);
		EXPECT_EQ(0, a[0]);			/* SMT: no shift */
		EXPECT_EQ(1, a[1]);			/* one thread */
		EXPECT_EQ(0x100, a[2]);
		EXPECT_EQ(i, a[3]);
		EXPECT_EQ(1ULL << 32 | 2, a[4]);	/* core: shift 1, two */
		EXPECT_EQ(0x201ULL << 32 | i, a[5]);
	}
	for (i = 0; i < 2; i++)
		tvx_vcpu_destroy(v[i]);
	tvx_domain_destroy(d);
	tvx_close(h);
}

TEST_HARNESS_MAIN
