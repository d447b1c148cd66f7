// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile guests: guest code that tries to hang, reset or read the host
 * through what VMX leaves it, one case per way. After each the host's side
 * is checked: the host CPU the vCPU ran on still takes timer interrupts
 * (its LOC count in /proc/interrupts rises while the guest runs, and a
 * thread pinned to that CPU wakes from 10 ms sleeps on time), and a new
 * domain still runs. The rig fails the whole run on an oops, WARN or BUG
 * in the kernel log.
 *
 * Requires: root, the thinvmx module loaded, usable VMX (Bochs). SKIPs
 * otherwise.
 */
#include <asm/ldt.h>
#include <cpuid.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/io.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define MEM_BYTES	(64ULL << 20)
#define HOST_CPU	0		/* the vCPU's thread is pinned here */
#define SPIN_LOOPS	3000000UL	/* a few hundred ms of guest time in Bochs */
#define SLEEP_NS	10000000L	/* the pinned thread's sleeps: 10 ms */
#define LATE_MAX_US	500000L		/* "on time", in an emulated machine */

/* ------------------------------------------------------------ host side */

/* CPU @cpu's local timer interrupts so far (/proc/interrupts, LOC), or 0. */
static unsigned long loc_count(int cpu)
{
	unsigned long n = 0;
	char line[4096];
	FILE *f;

	f = fopen("/proc/interrupts", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "LOC:");
		int i;

		if (!p)
			continue;
		p += 4;
		for (i = 0; i <= cpu; i++)
			n = strtoul(p, &p, 10);
		break;
	}
	fclose(f);
	return n;
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* What the host did while a guest ran. */
struct host_watch {
	pthread_t thread;
	volatile int stop;
	int wakeups;
	long max_late_us;
	unsigned long loc_before, loc_after;
};

static long ns_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000L + (b->tv_nsec - a->tv_nsec);
}

/* Sleeps 10 ms at a time on the vCPU's CPU, noting how late it wakes. */
static void *sleeper(void *arg)
{
	const struct timespec d = { .tv_nsec = SLEEP_NS };
	struct host_watch *w = arg;

	pin_to(HOST_CPU);
	while (!w->stop) {
		struct timespec t0, t1;
		long late;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		nanosleep(&d, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		late = (ns_between(&t0, &t1) - SLEEP_NS) / 1000;
		if (late > w->max_late_us)
			w->max_late_us = late;
		w->wakeups++;
	}
	return NULL;
}

static int watch_start(struct host_watch *w)
{
	memset(w, 0, sizeof(*w));
	if (pin_to(HOST_CPU))
		return -errno;
	w->loc_before = loc_count(HOST_CPU);
	return -pthread_create(&w->thread, NULL, sleeper, w);
}

static void watch_stop(struct host_watch *w)
{
	w->stop = 1;
	pthread_join(w->thread, NULL);
	w->loc_after = loc_count(HOST_CPU);
}

#define EXPECT_HOST_ALIVE(w) do {					\
	EXPECT_LT((w)->loc_before, (w)->loc_after)			\
		TH_LOG("no timer interrupt on CPU %d", HOST_CPU);	\
	EXPECT_LE(1, (w)->wakeups);					\
	EXPECT_GT(LATE_MAX_US, (w)->max_late_us);			\
} while (0)

static void guest_spin(__u64 loops)
{
	unsigned long i;

	for (i = 0; i < loops; i++)
		asm volatile("" : : : "memory");
	GUEST_DONE();
}

/*
 * After each case: a new domain's guest spins to its end while the host
 * CPU takes its timer interrupts and the pinned thread wakes on time.
 */
static void expect_host_fine(struct __test_metadata *_metadata,
			     struct tvx_handle *h)
{
	struct host_watch w;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_ucall uc;
	int ret;

	ASSERT_EQ(0, tvx_domain_create_simple(h, MEM_BYTES, &d));
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
	ASSERT_EQ(0, tvx_guest_load_self(d));
	ASSERT_EQ(0, tvx_start_fn(v, d, guest_spin, SPIN_LOOPS / 2, 0));
	ASSERT_EQ(0, watch_start(&w));
	ret = tvx_run_until_ucall(v, d, &uc);
	watch_stop(&w);
	EXPECT_EQ(TVX_UCALL_DONE, ret);
	EXPECT_HOST_ALIVE(&w);
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
}

/* ------------------------------------------------------------ fixture */

FIXTURE(hostile) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_ucall uc;
	struct host_watch w;
};

FIXTURE_SETUP(hostile)
{
	const char *why;
	int err;

	why = tvx_test_open(&self->h, false, &err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, MEM_BYTES, &self->d));
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v));
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
}

FIXTURE_TEARDOWN(hostile)
{
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

#define RUN_EXPECT(want) TVX_RUN_EXPECT((want), self->v, self->d, &self->uc)
#define START(fn, a0) ASSERT_EQ(0, tvx_start_fn(self->v, self->d, (fn), (a0), 0))

/* ------------------------------------------------------------ CR8 */

/*
 * Task priority 15 blocks every interrupt class: written to the host
 * CPU's APIC it would stop the timer, IPIs, everything. The guest's CR8
 * is its own: it reads back what it wrote, and a reserved bit is #GP.
 */
static void guest_cr8(void)
{
	unsigned long i;
	__u64 back;

	asm volatile("mov %0, %%cr8" : : "r" (15ULL));
	for (i = 0; i < SPIN_LOOPS; i++)
		asm volatile("" : : : "memory");
	asm volatile("mov %%cr8, %0" : "=r" (back));
	GUEST_SYNC(back);
	asm volatile("mov %0, %%cr8" : : "r" (16ULL));	/* #GP */
	GUEST_DONE();
}

TEST_F_TIMEOUT(hostile, cr8_is_the_guests_own, 120)
{
	ASSERT_EQ(0, watch_start(&self->w));
	START(guest_cr8, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	watch_stop(&self->w);
	EXPECT_EQ(15, self->uc.args[0]);
	EXPECT_HOST_ALIVE(&self->w);
	TH_LOG("LOC %lu -> %lu, %d wakeups, latest %ld us late",
	       self->w.loc_before, self->w.loc_after, self->w.wakeups,
	       self->w.max_late_us);
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(13, self->uc.args[0]);
	expect_host_fine(_metadata, self->h);
}

/* ------------------------------------------------------------ CR4.MCE */

#define CR4_MCE		(1ULL << 6)

/* Clear and set CR4.MCE @loops times, then clear it and read CR4 back. */
static void guest_cr4_mce(__u64 loops)
{
	__u64 cr4, seen;
	unsigned long i;

	asm volatile("mov %%cr4, %0" : "=r" (cr4));
	for (i = 0; i < loops; i++) {
		asm volatile("mov %0, %%cr4" : : "r" (cr4 & ~CR4_MCE));
		asm volatile("mov %0, %%cr4" : : "r" (cr4 | CR4_MCE));
	}
	asm volatile("mov %0, %%cr4" : : "r" (cr4 & ~CR4_MCE));
	asm volatile("mov %%cr4, %0" : "=r" (seen));
	GUEST_SYNC(seen, cr4);
	GUEST_DONE();
}

/*
 * CR4.MCE clear in the hardware would turn a machine check during guest
 * execution into a processor shutdown: the bit belongs to the host, set
 * always, and the guest sees its own value. (No machine check can be
 * raised in the emulated machine; what shows that the host owns the bit
 * is that every guest write of it exits, none does while the guest owns
 * it.)
 */
TEST_F(hostile, cr4_mce_stays_with_the_host)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);
	const __u64 loops = 100;
	__u64 exits;

	START(guest_cr4_mce, loops);
	exits = run->exits;
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_LE(exits + 2 * loops, run->exits)
		TH_LOG("%llu exits for %llu writes of CR4.MCE",
		       (unsigned long long)(run->exits - exits),
		       (unsigned long long)(2 * loops));
	EXPECT_EQ(0, self->uc.args[0] & CR4_MCE);	/* its own value */
	EXPECT_EQ(self->uc.args[1] & ~CR4_MCE, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	expect_host_fine(_metadata, self->h);
}

/* ------------------------------------------------------------ #AC */

/*
 * A 32-bit guest at CPL 3, raw code in low memory, with CR0.AM and
 * EFLAGS.AC set: a misaligned load raises #AC, whose gate leads to a
 * CPL 3 handler, so the CPU pushes its frame on the same stack. The
 * handler writes 0x11 to port 0x80.
 */
#define AC_CODE		0x10000
#define AC_HANDLER	0x10100
#define AC_GDT		0x11000
#define AC_IDT		0x12000
#define AC_STACK	0x13000
#define AC_TSS		0x14000

static int ac_guest_start(struct tvx_domain *d, struct tvx_vcpu *v, __u32 esp)
{
	static const __u8 code[] = {
		0xb8, 0x01, 0x00, 0x01, 0x00,	/* mov $0x10001, %eax */
		0x8b, 0x18,			/* mov (%eax), %ebx: #AC */
		0xeb, 0xfe,			/* jmp . */
	};
	static const __u8 handler[] = {
		0xb0, 0x11,			/* mov $0x11, %al */
		0xe6, 0x80,			/* out %al, $0x80 (IOPL 3) */
		0xeb, 0xfe,			/* jmp . */
	};
	const __u64 gdt[6] = {
		0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL,
		0x00cffb000000ffffULL, 0x00cff3000000ffffULL, 0,
	};
	const __u32 gate[2] = {
		(AC_HANDLER & 0xffff) | (0x1b << 16),
		(AC_HANDLER & 0xffff0000) | 0xee00,	/* 32-bit interrupt gate */
	};
	struct thinvmx_sregs s = { 0 };
	struct thinvmx_regs r = { 0 };
	__u8 *mem = tvx_gpa(d, 0);
	int ret;

	memcpy(mem + AC_CODE, code, sizeof(code));
	memcpy(mem + AC_HANDLER, handler, sizeof(handler));
	memcpy(mem + AC_GDT, gdt, sizeof(gdt));
	memcpy(mem + AC_IDT + 17 * 8, gate, sizeof(gate));
	tvx_test_seg(&s.cs, 0x1b, 0, 0xffffffff, 0xc0fb);	/* CPL 3 code */
	tvx_test_seg(&s.ds, 0x23, 0, 0xffffffff, 0xc0f3);
	s.es = s.ds;
	s.ss = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	tvx_test_seg(&s.tr, 0x28, AC_TSS, 0x67, 0x8b);
	tvx_test_seg(&s.ldt, 0, 0, 0, 0x10000);
	s.gdt.base = AC_GDT;
	s.gdt.limit = sizeof(gdt) - 1;
	s.idt.base = AC_IDT;
	s.idt.limit = 32 * 8 - 1;
	s.cr0 = 0x40031;			/* AM, NE, ET, PE */
	ret = tvx_set_sregs(v, &s);
	if (ret)
		return ret;
	r.rip = AC_CODE;
	r.rsp = esp;
	r.rflags = 0x2 | 0x3000 | (1 << 18);	/* IOPL 3, AC */
	return tvx_set_regs(v, &r);
}

/*
 * #AC is the host's to see: reflected, it reaches the guest's handler;
 * raised again by its own delivery -- the frame pushed on a misaligned
 * stack -- it would keep the CPU delivering #AC forever, never at an
 * instruction boundary where an interrupt or the preemption timer could
 * end it (CVE-2015-5307): the vCPU shuts down instead.
 */
TEST_F(hostile, ac_delivery_loop_ends_in_shutdown)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);
	struct thinvmx_caps caps;

	ASSERT_EQ(0, tvx_get_caps(self->h, &caps));
	if (!(caps.features & THINVMX_FEAT_UNRESTRICTED))
		SKIP(return, "no unrestricted guest: protected mode without paging");
	/* an aligned stack: the #AC reaches the guest's handler */
	ASSERT_EQ(0, ac_guest_start(self->d, self->v, AC_STACK));
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	ASSERT_EQ(THINVMX_EXIT_IO, run->exit_reason);
	EXPECT_EQ(0x80, run->io.port);
	EXPECT_EQ(0x11, run->io.data & 0xff);
	/* a misaligned one: the #AC's own delivery raises #AC */
	ASSERT_EQ(0, ac_guest_start(self->d, self->v, AC_STACK + 1));
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	EXPECT_EQ(THINVMX_EXIT_SHUTDOWN, run->exit_reason);
	expect_host_fine(_metadata, self->h);
}

/* ------------------------------------------------------------ MSRs */

/* WRMSR @val to @msr, then report what RDMSR gives. */
static void guest_wrmsr(__u64 msr, __u64 val)
{
	__u32 lo, hi;

	asm volatile("wrmsr" : : "c" ((__u32)msr), "a" ((__u32)val),
		     "d" ((__u32)(val >> 32)) : "memory");
	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" ((__u32)msr));
	GUEST_SYNC(((__u64)hi << 32) | lo);
	GUEST_DONE();
}

#define MSR_PAT			0x277
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_EFER		0xc0000080
#define MSR_FMASK		0xc0000084

/*
 * Values the SDM reserves are #GP, never written: a PAT entry of type 2
 * (or 3, or bits 7:3 set) would otherwise fail the next VM entry and kill
 * the vCPU; MTRRdefType, EFER and FMASK keep their reserved bits clear.
 * Valid values are written and read back.
 */
TEST_F(hostile, reserved_msr_values_are_gp)
{
	static const struct {
		__u32 msr;
		__u64 val;
	} bad[] = {
		{ MSR_PAT, 0x0007040600070402ULL },	/* type 2 */
		{ MSR_PAT, 0x0007040600070403ULL },	/* type 3 */
		{ MSR_PAT, 0x0007040600070446ULL },	/* bit 6 of an entry */
		{ MSR_MTRR_DEF_TYPE, 0xc07 },		/* UC- is no MTRR type */
		{ MSR_MTRR_DEF_TYPE, 0x106 },		/* bit 8 */
		{ MSR_EFER, 1ULL << 2 },
		{ MSR_FMASK, 1ULL << 32 },
	}, good[] = {
		{ MSR_PAT, 0x0007010600070106ULL },
		{ MSR_MTRR_DEF_TYPE, 0xc06 },
		{ MSR_FMASK, 0x47700 },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_wrmsr,
					  bad[i].msr, bad[i].val));
		RUN_EXPECT(TVX_UCALL_UNHANDLED);
		EXPECT_EQ(13, self->uc.args[0])
			TH_LOG("MSR %#x <- %#llx", bad[i].msr,
			       (unsigned long long)bad[i].val);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_wrmsr,
					  good[i].msr, good[i].val));
		RUN_EXPECT(TVX_UCALL_SYNC);
		EXPECT_EQ(good[i].val, self->uc.args[0]);
		RUN_EXPECT(TVX_UCALL_DONE);
	}
	expect_host_fine(_metadata, self->h);
}

/* A #GP the CPU raises itself: a load from a non-canonical address */
static void guest_noncanonical_load(void)
{
	volatile __u64 *p = (volatile __u64 *)0x8000000000000000ULL;

	(void)*p;
	GUEST_DONE();
}

#define X86_RFLAGS_RF	(1ULL << 16)

/*
 * A fault pushes RFLAGS with RF set (SDM 18.3.1.1), so that the IRET
 * back to the faulting instruction skips its instruction breakpoint: the
 * frame of a #GP thinvmx injects (a reserved PAT value) has RF like the
 * frame of a #GP the CPU raises in the guest by itself.
 */
TEST_F(hostile, injected_faults_push_rf_as_the_cpu_does)
{
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_noncanonical_load, 0, 0));
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	ASSERT_EQ(13, self->uc.args[0]);
	EXPECT_EQ(X86_RFLAGS_RF, self->uc.args[5] & X86_RFLAGS_RF)
		TH_LOG("the CPU's own #GP: rflags %#llx",
		       (unsigned long long)self->uc.args[5]);

	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_wrmsr, MSR_PAT,
				  0x0007040600070402ULL));
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	ASSERT_EQ(13, self->uc.args[0]);
	EXPECT_EQ(X86_RFLAGS_RF, self->uc.args[5] & X86_RFLAGS_RF)
		TH_LOG("thinvmx's #GP: rflags %#llx",
		       (unsigned long long)self->uc.args[5]);
	expect_host_fine(_metadata, self->h);
}

/* ------------------------------------------------------------ XCR0 */

static __u64 xgetbv0(void)
{
	__u32 lo, hi;

	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	return ((__u64)hi << 32) | lo;
}

/* @val 0: report XCR0; else XSETBV @val and report what XGETBV says. */
static void guest_xsetbv(__u64 val)
{
	if (val)
		asm volatile("xsetbv" : : "a" ((__u32)val),
			     "d" ((__u32)(val >> 32)), "c" (0));
	GUEST_SYNC(xgetbv0());
	GUEST_DONE();
}

/*
 * XSETBV values the SDM's rules refuse -- without x87, AVX without SSE,
 * part of the AVX-512 trio, reserved and supervisor bits -- are #GP to
 * the guest, never handed to the host's XSETBV (which would fault in the
 * host); sound values are the guest's XCR0.
 */
TEST_F(hostile, xsetbv_values_the_host_would_fault_on_are_gp)
{
	__u64 bad[] = {
		0x1ULL << 1,		/* SSE without x87 */
		0x1ULL | 0x4,		/* AVX without SSE */
		0x3ULL | (1ULL << 8),	/* PT: a supervisor state */
		0x3ULL | (1ULL << 63),	/* reserved */
		0x7ULL | 0x20,		/* opmask alone of AVX-512 */
	};
	__u64 xcr0;
	size_t i;

	START(guest_xsetbv, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	xcr0 = self->uc.args[0];
	RUN_EXPECT(TVX_UCALL_DONE);
	ASSERT_EQ(0x3, xcr0 & 0x3) TH_LOG("XCR0 %#llx", (unsigned long long)xcr0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		START(guest_xsetbv, bad[i]);
		RUN_EXPECT(TVX_UCALL_UNHANDLED);
		EXPECT_EQ(13, self->uc.args[0])
			TH_LOG("XCR0 %#llx", (unsigned long long)bad[i]);
	}
	START(guest_xsetbv, 0x3);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x3, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	START(guest_xsetbv, xcr0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(xcr0, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	expect_host_fine(_metadata, self->h);
}

/*
 * Every state component CPUID.(0xd,0) names, XSETBV takes: the leaf
 * promises only what the host enabled (a CPU can support more than its
 * kernel turned on: the xcr0 tier boots with clearcpuid=avx), and its
 * EBX, the XSAVE area's size, follows the guest's XCR0.
 */
static void guest_xsetbv_all_advertised(void)
{
	__u32 a, b, c, d, b3;

	asm volatile("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "a" (0xd), "c" (0));
	asm volatile("xsetbv" : : "a" (a), "d" (d), "c" (0));
	asm volatile("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "a" (0xd), "c" (0));
	GUEST_SYNC(xgetbv0());
	GUEST_SYNC(((__u64)c << 32) | b);
	asm volatile("xsetbv" : : "a" (3), "d" (0), "c" (0));
	asm volatile("cpuid" : "=a" (a), "=b" (b3), "=c" (c), "=d" (d) : "a" (0xd), "c" (0));
	GUEST_SYNC(b3);
	GUEST_DONE();
}

TEST_F(hostile, every_component_cpuid_names_can_be_enabled)
{
	unsigned int a, b, c, d;
	__u64 xcr0, sizes;

	__cpuid_count(0xd, 0, a, b, c, d);
	TH_LOG("host: CPU supports XCR0 %#llx, its kernel enabled %#llx",
	       ((unsigned long long)d << 32) | a, (unsigned long long)xgetbv0());
	START(guest_xsetbv_all_advertised, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	xcr0 = self->uc.args[0];
	EXPECT_EQ(0, xcr0 & ~xgetbv0()) TH_LOG("guest XCR0 %#llx", (unsigned long long)xcr0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	sizes = self->uc.args[0];
	/* EBX for all it enabled is ECX, the size for everything promised */
	EXPECT_EQ(sizes >> 32, sizes & 0xffffffff)
		TH_LOG("EBX %#llx ECX %#llx", sizes & 0xffffffff, sizes >> 32);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(576, self->uc.args[0]);		/* x87 and SSE: legacy + header */
	RUN_EXPECT(TVX_UCALL_DONE);
	expect_host_fine(_metadata, self->h);
}

/* ------------------------------------------------------------ speculation */

static void guest_cpuid7_edx(void)
{
	__u32 a, b, c, d;

	tvx_cpuid(7, 0, &a, &b, &c, &d);
	GUEST_SYNC(d);
	GUEST_DONE();
}

static void guest_wrmsr_only(__u64 msr, __u64 val)
{
	asm volatile("wrmsr" : : "c" ((__u32)msr), "a" ((__u32)val),
		     "d" ((__u32)(val >> 32)) : "memory");
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void guest_rdmsr(__u64 msr)
{
	__u32 lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" ((__u32)msr));
	GUEST_SYNC(((__u64)hi << 32) | lo);
	GUEST_DONE();
}

#define MSR_SPEC_CTRL		0x48
#define MSR_PRED_CMD		0x49
#define MSR_ARCH_CAPS		0x10a
#define MSR_FLUSH_CMD		0x10b
#define CPUID7_EDX_IBRS_IBPB	(1u << 26)
#define CPUID7_EDX_L1D_FLUSH	(1u << 28)
#define CPUID7_EDX_ARCH_CAPS	(1u << 29)
#define CPUID7_EDX_SSBD		(1u << 31)
#define ARCH_CAP_PSCHANGE_MC_NO	(1ULL << 6)

/*
 * Run @fn(@a0, @a1): with @ok it must report @want (unless @want is ~0:
 * anything), else take #GP.
 */
static void expect_msr(struct __test_metadata *_metadata,
		       FIXTURE_DATA(hostile) *self, void *fn, __u64 a0,
		       __u64 a1, bool ok, __u64 want)
{
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, fn, a0, a1));
	if (!ok) {
		RUN_EXPECT(TVX_UCALL_UNHANDLED);
		EXPECT_EQ(13, self->uc.args[0])
			TH_LOG("MSR %#llx, %#llx: #GP expected",
			       (unsigned long long)a0, (unsigned long long)a1);
		return;
	}
	RUN_EXPECT(TVX_UCALL_SYNC);
	if (want != ~0ULL)
		EXPECT_EQ(want, self->uc.args[0])
			TH_LOG("MSR %#llx, %#llx", (unsigned long long)a0,
			       (unsigned long long)a1);
	RUN_EXPECT(TVX_UCALL_DONE);
}

#define MSR_UCODE_REV		0x8b

/* ------------------------------------------------------------ CPUID's promises */

/* One register of the domain's CPUID(@leaf, @sub): 0 EAX .. 3 EDX */
static void guest_cpuid_reg(__u64 leaf_sub, __u64 reg)
{
	__u32 r[4];

	tvx_cpuid(leaf_sub >> 32, (__u32)leaf_sub, &r[0], &r[1], &r[2], &r[3]);
	GUEST_SYNC(r[reg & 3]);
	GUEST_DONE();
}

#define PROBE_RDMSR	0
#define PROBE_RDPMC	1
#define PROBE_MONITOR	2

/* Use a feature: the probe reports 1, or the guest takes #GP/#UD */
static void guest_probe(__u64 kind, __u64 arg)
{
	static char line[64] __attribute__((aligned(64)));
	__u32 lo, hi;

	switch (kind) {
	case PROBE_RDMSR:
		asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" ((__u32)arg));
		break;
	case PROBE_RDPMC:
		asm volatile("rdpmc" : "=a" (lo), "=d" (hi) : "c" ((__u32)arg));
		break;
	case PROBE_MONITOR:
		asm volatile("monitor" : : "a" (line), "c" (0), "d" (0));
		break;
	}
	GUEST_SYNC(1);
	GUEST_DONE();
}

/*
 * Every feature the guest's CPUID advertises works: a real kernel uses a
 * feature once it sees its bit, and an #GP or #UD there is a crash or a
 * splat in every boot. For each feature whose MSR or instruction is not
 * served in a domain, either the bit is clear or using it works.
 */
TEST_F(hostile, every_feature_cpuid_advertises_works)
{
	static const struct {
		const char *name;
		__u32 leaf, sub, reg, mask;
		__u64 kind, arg;
	} p[] = {
		{ "MONITOR",	1, 0, 2, 1u << 3,  PROBE_MONITOR, 0 },
		{ "PDCM",	1, 0, 2, 1u << 15, PROBE_RDMSR, 0x345 },
		{ "MCA",	1, 0, 3, 1u << 14, PROBE_RDMSR, 0x179 },
		{ "DS",		1, 0, 3, 1u << 21, PROBE_RDMSR, 0x600 },
		{ "ACPI",	1, 0, 3, 1u << 22, PROBE_RDMSR, 0x19c },
		{ "HWP",	6, 0, 0, 1u << 7,  PROBE_RDMSR, 0x770 },
		{ "EPB",	6, 0, 2, 1u << 3,  PROBE_RDMSR, 0x1b0 },
		{ "PTM",	6, 0, 0, 1u << 6,  PROBE_RDMSR, 0x1b1 },
		{ "TSC_ADJUST",	7, 0, 1, 1u << 1,  PROBE_RDMSR, 0x3b },
		{ "PT",		7, 0, 1, 1u << 25, PROBE_RDMSR, 0x570 },
		{ "WAITPKG",	7, 0, 2, 1u << 5,  PROBE_RDMSR, 0xe1 },
		{ "PMU",	0xa, 0, 0, 0xff,   PROBE_RDPMC, 0 },
		{ "XSAVES",	0xd, 1, 0, 1u << 3, PROBE_RDMSR, 0xda0 },
	};
	unsigned int i, advertised = 0;
	char desc[512];
	int r;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_cpuid_reg,
					  (__u64)p[i].leaf << 32 | p[i].sub, p[i].reg));
		RUN_EXPECT(TVX_UCALL_SYNC);
		if (!(self->uc.args[0] & p[i].mask))
			continue;
		advertised++;
		ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_probe,
					  p[i].kind, p[i].arg));
		r = tvx_run_until_ucall(self->v, self->d, &self->uc);
		tvx_ucall_describe(&self->uc, desc, sizeof(desc));
		EXPECT_EQ(TVX_UCALL_SYNC, r)
			TH_LOG("%s is advertised (CPUID %#x.%u) but using it fails: %s",
			       p[i].name, p[i].leaf, p[i].sub, desc);
	}
	TH_LOG("%u of %zu probed features advertised", advertised,
	       sizeof(p) / sizeof(p[0]));
	expect_host_fine(_metadata, self->h);
}

/*
 * IA32_BIOS_SIGN_ID: Linux writes 0 to it and executes CPUID before it
 * reads the microcode revision (early_init_intel()); a #GP there is an
 * "unchecked MSR access" splat in every Linux guest's boot. The write is
 * taken and the revision reads 0: there is no microcode to report.
 */
/* ------------------------------------------------------------ the TSC */

#define MSR_TSC			0x10
#define MSR_TSC_ADJUST		0x3b
#define TSC_SET			(1ULL << 44)	/* far from any real TSC */
#define TSC_MOVE		(1ULL << 40)
#define TSC_SLOP		(1ULL << 36)	/* exits in Bochs, preemption */

static __u64 guest_rdtsc(void)
{
	__u32 lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return (__u64)hi << 32 | lo;
}

static void guest_tsc(void)
{
	__u64 adj0, t0, t1, msr, adj1, t2, t3, adj2;

	adj0 = tvx_rdmsr(MSR_TSC_ADJUST);
	t0 = guest_rdtsc();
	tvx_wrmsr(MSR_TSC, TSC_SET);
	t1 = guest_rdtsc();
	msr = tvx_rdmsr(MSR_TSC);
	adj1 = tvx_rdmsr(MSR_TSC_ADJUST);
	GUEST_SYNC(adj0, t0, t1, msr, adj1);
	t2 = guest_rdtsc();
	tvx_wrmsr(MSR_TSC_ADJUST, adj1 + TSC_MOVE);
	t3 = guest_rdtsc();
	adj2 = tvx_rdmsr(MSR_TSC_ADJUST);
	GUEST_SYNC(t2, t3, adj2);
	GUEST_DONE();
}

/*
 * IA32_TSC and IA32_TSC_ADJUST as the SDM says (Vol. 3, 18.17.3): a write
 * of the TSC sets what RDTSC and RDMSR read from then on and moves
 * TSC_ADJUST by as much; a write of TSC_ADJUST moves the TSC by as much.
 * CPUID.7.EBX bit 1 advertises TSC_ADJUST wherever the host has it. (The
 * TSC write used to be dropped and TSC_ADJUST to be #GP, its bit hidden.)
 */
TEST_F(hostile, tsc_and_tsc_adjust_writes_move_each_other)
{
	__u64 adj0, t0, t1, msr, adj1;
	__u32 a, b, c, d, guest_ebx;

	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_cpuid_reg,
				  7ULL << 32, 1));
	RUN_EXPECT(TVX_UCALL_SYNC);
	guest_ebx = self->uc.args[0];
	__cpuid_count(7, 0, a, b, c, d);
	TH_LOG("host CPUID.7.EBX %#x, guest's %#x", b, guest_ebx);
	EXPECT_EQ(b & 2, guest_ebx & 2);

	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_tsc, 0, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	adj0 = self->uc.args[0];
	t0 = self->uc.args[1];
	t1 = self->uc.args[2];
	msr = self->uc.args[3];
	adj1 = self->uc.args[4];
	EXPECT_EQ(0, adj0);
	/* the TSC goes on from the value written */
	EXPECT_LE(TSC_SET, t1);
	EXPECT_GT(TSC_SET + TSC_SLOP, t1);
	EXPECT_LE(t1, msr);
	EXPECT_GT(t1 + TSC_SLOP, msr);
	/* TSC_ADJUST moved by what the write moved the TSC (from t0 or later) */
	EXPECT_GT(TSC_SLOP, (TSC_SET - t0) - adj1) TH_LOG("t0 %#llx adjust %#llx",
		(unsigned long long)t0, (unsigned long long)adj1);
	EXPECT_LT(t0, TSC_SET);
	RUN_EXPECT(TVX_UCALL_SYNC);
	/* a write of TSC_ADJUST moves the TSC */
	EXPECT_LE(self->uc.args[0] + TSC_MOVE, self->uc.args[1]);
	EXPECT_GT(self->uc.args[0] + TSC_MOVE + TSC_SLOP, self->uc.args[1]);
	EXPECT_EQ(adj1 + TSC_MOVE, self->uc.args[2]);
	RUN_EXPECT(TVX_UCALL_DONE);
	expect_host_fine(_metadata, self->h);
}

TEST_F(hostile, microcode_signature_takes_the_write_linux_makes)
{
	expect_msr(_metadata, self, guest_wrmsr, MSR_UCODE_REV, 0, true, 0);
	expect_msr(_metadata, self, guest_rdmsr, MSR_UCODE_REV, 0, true, 0);
}

/*
 * The speculation controls are what CPUID tells the guest: with
 * CPUID.7.EDX's IBRS/IBPB, SPEC_CTRL holds the guest's own value and
 * PRED_CMD takes an IBPB; with L1D_FLUSH, FLUSH_CMD takes a flush; with
 * ARCH_CAPABILITIES, the MSR reads (PSCHANGE_MC_NO set: thinvmx keeps
 * iTLB multihit off the host). Without them, #GP -- and reserved bits,
 * reads of the commands and writes of ARCH_CAPABILITIES are #GP always.
 * (Bochs's CPU models have none of them: there, only the #GP side runs.)
 */
TEST_F(hostile, speculation_msrs_are_what_cpuid_promises)
{
	bool spec, flush, arch, ssbd;
	__u32 edx;

	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_cpuid7_edx, 0, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	edx = self->uc.args[0];
	RUN_EXPECT(TVX_UCALL_DONE);
	spec = edx & CPUID7_EDX_IBRS_IBPB;
	flush = edx & CPUID7_EDX_L1D_FLUSH;
	arch = edx & CPUID7_EDX_ARCH_CAPS;
	ssbd = edx & CPUID7_EDX_SSBD;
	TH_LOG("CPUID.7.EDX %#x: SPEC_CTRL %d L1D_FLUSH %d ARCH_CAPS %d SSBD %d",
	       edx, spec, flush, arch, ssbd);

	expect_msr(_metadata, self, guest_wrmsr, MSR_SPEC_CTRL, 1, spec, 1);
	expect_msr(_metadata, self, guest_wrmsr, MSR_SPEC_CTRL, 0, spec, 0);
	expect_msr(_metadata, self, guest_wrmsr, MSR_SPEC_CTRL, 4, spec && ssbd, 4);
	expect_msr(_metadata, self, guest_wrmsr, MSR_SPEC_CTRL, 1ULL << 3, false, 0);
	expect_msr(_metadata, self, guest_wrmsr_only, MSR_PRED_CMD, 1, spec, 1);
	expect_msr(_metadata, self, guest_wrmsr_only, MSR_PRED_CMD, 2, false, 0);
	expect_msr(_metadata, self, guest_rdmsr, MSR_PRED_CMD, 0, false, 0);
	expect_msr(_metadata, self, guest_wrmsr_only, MSR_FLUSH_CMD, 1, flush, 1);
	expect_msr(_metadata, self, guest_wrmsr_only, MSR_FLUSH_CMD, 2, false, 0);
	expect_msr(_metadata, self, guest_rdmsr, MSR_FLUSH_CMD, 0, false, 0);
	expect_msr(_metadata, self, guest_wrmsr_only, MSR_ARCH_CAPS, 0, false, 0);
	if (arch) {
		ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_rdmsr,
					  MSR_ARCH_CAPS, 0));
		RUN_EXPECT(TVX_UCALL_SYNC);
		EXPECT_TRUE(self->uc.args[0] & ARCH_CAP_PSCHANGE_MC_NO);
		RUN_EXPECT(TVX_UCALL_DONE);
	} else {
		expect_msr(_metadata, self, guest_rdmsr, MSR_ARCH_CAPS, 0, false, 0);
	}
	expect_host_fine(_metadata, self->h);
}

/* ------------------------------------------------------------ PKRU */

#define CR4_PKE			(1ULL << 22)
#define CPUID7_ECX_OSPKE	(1u << 4)
#define GUEST_PKRU		0xfffffffcu	/* keys 1-15: no access */

static __u32 rdpkru(void)
{
	__u32 eax, edx;

	asm volatile("rdpkru" : "=a" (eax), "=d" (edx) : "c" (0));
	return eax;
}

static void guest_pkru(void)
{
	asm volatile("mov %0, %%cr4" : : "r" (tvx_read_cr4() | CR4_PKE));
	asm volatile("wrpkru" : : "a" (GUEST_PKRU), "c" (0), "d" (0));
	GUEST_SYNC(rdpkru());
	/* after the VMM ran: still the guest's own */
	GUEST_SYNC(rdpkru());
	GUEST_DONE();
}

/*
 * The guest's PKRU never stays live in the VMM thread: after a guest
 * WRPKRU the VMM's own PKRU is what it was, and its read() into its
 * buffer works; the guest finds its value again when it goes on. SKIPs
 * where the host has no protection keys enabled (Bochs has none).
 */
TEST_F(hostile, pkru_stays_with_the_guest)
{
	__u32 a, b, c, d, before;
	char buf[64] = "";
	int fds[2];

	__cpuid_count(7, 0, a, b, c, d);
	if (!(c & CPUID7_ECX_OSPKE))
		SKIP(return, "the host has no protection keys enabled");
	before = rdpkru();
	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_pkru, 0, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(GUEST_PKRU, self->uc.args[0]);
	EXPECT_EQ(before, rdpkru());
	ASSERT_EQ(5, write(fds[1], "pkru", 5));
	EXPECT_EQ(5, read(fds[0], buf, sizeof(buf)));
	EXPECT_STREQ("pkru", buf);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(GUEST_PKRU, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(before, rdpkru());
	close(fds[0]);
	close(fds[1]);
	expect_host_fine(_metadata, self->h);
}

#define DIRTY_GPA	(32ULL << 20)	/* free guest RAM */
#define DIRTY_FRAMES	64

static void guest_write_frames(__u64 base, __u64 n)
{
	__u64 i;

	for (i = 0; i < n; i++)
		*(volatile __u64 *)(uintptr_t)(base + i * 4096) = i;
	GUEST_DONE();
}

/*
 * The conditional L1D flush (L1TF) is armed not only by a new RUN but by
 * every exit handled in the kernel beyond the vCPU's own state: here 64
 * dirty-logging faults, each an EPT violation handled without leaving the
 * kernel, each followed by a flush before the guest goes on. A host that
 * does not flush at all (not affected, or vmentry_l1d_flush=never) SKIPs.
 */
TEST_F(hostile, l1d_flush_follows_exits_that_touch_host_data)
{
	struct thinvmx_domain_info before, after;

	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_spin, 1000, 0));
	RUN_EXPECT(TVX_UCALL_DONE);
	ASSERT_EQ(0, tvx_domain_info(self->d, &before));
	if (!before.l1d_flushes)
		SKIP(return, "no L1D flush before entries on this host");
	ASSERT_EQ(0, tvx_dirty_log_start(self->d));
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_write_frames,
				  DIRTY_GPA, DIRTY_FRAMES));
	ASSERT_EQ(0, tvx_domain_info(self->d, &before));
	RUN_EXPECT(TVX_UCALL_DONE);
	ASSERT_EQ(0, tvx_domain_info(self->d, &after));
	ASSERT_EQ(0, tvx_dirty_log_stop(self->d));
	/* the frames, and the guest's stack */
	EXPECT_LE(DIRTY_FRAMES, after.logdirty_faults - before.logdirty_faults);
	EXPECT_LE(after.logdirty_faults - before.logdirty_faults,
		  after.l1d_flushes - before.l1d_flushes);
	TH_LOG("%llu L1D flushes for %llu dirty-logging faults",
	       (unsigned long long)(after.l1d_flushes - before.l1d_flushes),
	       (unsigned long long)(after.logdirty_faults - before.logdirty_faults));
	expect_host_fine(_metadata, self->h);
}

/* ------------------------------------------------------------ host state */

/*
 * The VMM thread's own state after RUN: a VM exit cuts the TSS limit to
 * 0x67 (cutting off the I/O bitmap) and leaves LDTR unusable; both must
 * be the task's again before it returns to userspace.
 */
TEST_F(hostile, vmm_ioperm_and_ldt_survive_run)
{
	struct user_desc d = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff,
		.seg_32bit = 1, .contents = 0, .limit_in_pages = 1,
		.useable = 1,
	};
	unsigned short es, sel = (0 << 3) | 4 | 3;	/* LDT entry 0, RPL 3 */

	/* a kernel locked down (lockdown_test ran in this boot) has no ioperm */
	if (ioperm(0x80, 1, 1) && errno == EPERM)
		SKIP(return, "ioperm: EPERM (kernel lockdown?)");
	ASSERT_EQ(0, ioperm(0x80, 1, 1));
	ASSERT_EQ(0, syscall(SYS_modify_ldt, 1, &d, sizeof(d)));
	/* both work before */
	outb(0, 0x80);
	asm volatile("mov %%es, %0\n\tmov %1, %%es\n\tmov %0, %%es"
		     : "=&r" (es) : "r" (sel));

	START(guest_spin, 1000);
	RUN_EXPECT(TVX_UCALL_DONE);
	/* a #GP here (SIGSEGV) is a limit or an LDT the exit took away */
	outb(0, 0x80);
	asm volatile("mov %%es, %0\n\tmov %1, %%es\n\tmov %0, %%es"
		     : "=&r" (es) : "r" (sel));
	expect_host_fine(_metadata, self->h);
}

#define HWCAP2_FSGSBASE_BIT	(1ul << 1)	/* <asm/hwcap2.h> */

/*
 * A VMM thread with a nonzero GS selector and a GS base of its own
 * (WRGSBASE after the selector load, as a runtime with FSGSBASE may do)
 * finds both after RUN: the selector is reloaded before the base is put
 * back, or the descriptor's base replaces the thread's.
 */
TEST_F(hostile, vmm_gs_selector_keeps_its_base)
{
	struct user_desc d = {
		.entry_number = 1, .base_addr = 0x1000, .limit = 0xfffff,
		.seg_32bit = 1, .contents = 0, .limit_in_pages = 1,
		.useable = 1,
	};
	unsigned short gs, sel = (1 << 3) | 4 | 3;	/* LDT entry 1, RPL 3 */
	unsigned long base = 0x00007f0000123000UL, got;

	if (!(getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE_BIT))
		SKIP(return, "no FSGSBASE for user space");
	ASSERT_EQ(0, syscall(SYS_modify_ldt, 1, &d, sizeof(d)));
	START(guest_spin, 1000);
	asm volatile("mov %0, %%gs" : : "r" (sel));
	asm volatile("wrgsbase %0" : : "r" (base));
	RUN_EXPECT(TVX_UCALL_DONE);
	asm volatile("mov %%gs, %0" : "=r" (gs));
	asm volatile("rdgsbase %0" : "=r" (got));
	asm volatile("mov %0, %%gs" : : "r" (0));
	EXPECT_EQ(sel, gs);
	EXPECT_EQ(base, got);
	expect_host_fine(_metadata, self->h);
}

/* A word the VMM watches with a hardware breakpoint; the guest, running
 * this binary's image at the same addresses, writes it too. */
static volatile __u64 bp_target;

/* The guest arms its own breakpoint on the word, then writes it. */
static void guest_debug_registers(void)
{
	__u64 dr7;

	asm volatile("mov %0, %%dr0" : : "r" (&bp_target));
	asm volatile("mov %0, %%dr7" : : "r" (0x000d0403ULL));	/* L0 G0, write, 8 */
	bp_target = 1;
	asm volatile("mov %%dr7, %0" : "=r" (dr7));
	GUEST_SYNC(dr7);
	GUEST_DONE();
}

/*
 * DR7 and DEBUGCTL are switched by the debug controls: the VMM thread's
 * hardware breakpoint does not fire in the guest, which writes the same
 * linear address (it ran with the host's DR7 before), the guest's own
 * breakpoint is not armed (DR0-3 are the host's) though it reads its DR7
 * back, and the VMM's breakpoint fires again after RUN (an exit leaves
 * DR7 0x400).
 */
TEST_F(hostile, debug_registers_stay_apart)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_BREAKPOINT, .size = sizeof(a),
		.bp_type = HW_BREAKPOINT_W, .bp_len = HW_BREAKPOINT_LEN_8,
		.bp_addr = (__u64)(uintptr_t)&bp_target,
		.exclude_kernel = 1, .exclude_hv = 1,
	};
	__u64 n0 = 0, n1 = 0;
	int fd;

	ASSERT_EQ(0, pin_to(HOST_CPU));
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0)
		SKIP(return, "no hardware breakpoint: %s", strerror(errno));
	bp_target = 2;
	ASSERT_EQ(sizeof(n0), read(fd, &n0, sizeof(n0)));
	if (!n0) {
		close(fd);
		SKIP(return, "this machine fires no data breakpoint");
	}
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_debug_registers, 0, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x000d0403ULL, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	bp_target = 3;
	ASSERT_EQ(sizeof(n1), read(fd, &n1, sizeof(n1)));
	EXPECT_EQ(n0 + 1, n1);
	close(fd);
	expect_host_fine(_metadata, self->h);
}

/* A single step the guest takes itself: its #DB goes to its own handler. */
static void guest_single_step(void)
{
	asm volatile("pushf\n\t"
		     "orl $0x100, (%%rsp)\n\t"
		     "popf\n\t"
		     "nop" : : : "memory", "cc");
	GUEST_DONE();
}

/*
 * DR6 is not switched by VMX: a #DB the guest takes itself sets DR6.BS in
 * the CPU. Left there, the VMM's next hardware breakpoint hit looked like
 * a breakpoint and a single step, and the VMM got SIGTRAP.
 */
TEST_F(hostile, guest_dr6_does_not_reach_the_vmm)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_BREAKPOINT, .size = sizeof(a),
		.bp_type = HW_BREAKPOINT_W, .bp_len = HW_BREAKPOINT_LEN_8,
		.bp_addr = (__u64)(uintptr_t)&bp_target,
		.exclude_kernel = 1, .exclude_hv = 1,
	};
	__u64 n = 0;
	int fd;

	ASSERT_EQ(0, pin_to(HOST_CPU));
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_single_step, 0, 0));
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(1, self->uc.args[0]);		/* its own #DB */
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0)
		SKIP(return, "no hardware breakpoint: %s", strerror(errno));
	bp_target = 4;				/* SIGTRAP here without the fix */
	ASSERT_EQ(sizeof(n), read(fd, &n, sizeof(n)));
	close(fd);
	if (!n)
		SKIP(return, "this machine fires no data breakpoint");
	EXPECT_EQ(1, n);
	expect_host_fine(_metadata, self->h);
}

/* The guest's own #DB handler: reports DR6 and where the #DB came. */
void guest_db_report(__u64 dr6, __u64 rip);
void guest_db_report(__u64 dr6, __u64 rip)
{
	GUEST_SYNC(dr6, rip);
	GUEST_DONE();
}

extern const char guest_db_handler[], guest_db_after_step[], guest_db_after_icebp[];
asm(".pushsection .text\n"
    "guest_db_handler:\n\t"
    "mov %dr6, %rdi\n\t"
    "mov (%rsp), %rsi\n\t"		/* the frame's RIP */
    "sub $8, %rsp\n\t"
    "call guest_db_report\n"
    ".popsection");

static void guest_db_gate(void)
{
	struct { __u16 limit; __u64 base; } __attribute__((packed)) idtr;
	__u64 h = (__u64)(uintptr_t)guest_db_handler;
	__u32 *gate;

	asm volatile("sidt %0" : "=m" (idtr));
	gate = (__u32 *)(uintptr_t)(idtr.base + 16);
	gate[0] = (0x08 << 16) | (h & 0xffff);
	gate[1] = (h & 0xffff0000) | 0x8e00;
	gate[2] = h >> 32;
	gate[3] = 0;
}

/* @icebp: an ICEBP (INT1); else a single step over a NOP */
static void guest_own_db(__u64 icebp)
{
	guest_db_gate();
	asm volatile("mov %0, %%dr6" : : "r" (0UL));
	if (icebp)
		asm volatile(".byte 0xf1\n"
			     ".globl guest_db_after_icebp\n"
			     "guest_db_after_icebp: nop" : : : "memory");
	else
		asm volatile("pushf\n\t"
			     "orl $0x100, (%%rsp)\n\t"
			     "popf\n\t"
			     "nop\n"
			     ".globl guest_db_after_step\n"
			     "guest_db_after_step: nop" : : : "memory", "cc");
	GUEST_DONE();
}

/*
 * #DB is intercepted always and reflected: the guest's handler finds in
 * DR6 what the CPU would have put there -- BS for a single step (the
 * guest's DR6 is thinvmx's copy, and before the intercept it never
 * learnt of the step), nothing for an ICEBP -- and the #DB comes after
 * the instruction in both.
 */
TEST_F(hostile, guest_db_is_reflected_with_its_dr6)
{
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_own_db, 0, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0xffff0ff0ULL | 0x4000, self->uc.args[0]);	/* BS */
	EXPECT_EQ((__u64)(uintptr_t)guest_db_after_step, self->uc.args[1]);
	RUN_EXPECT(TVX_UCALL_DONE);

	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_own_db, 1, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0xffff0ff0ULL, self->uc.args[0]);		/* no cause bit */
	EXPECT_EQ((__u64)(uintptr_t)guest_db_after_icebp, self->uc.args[1]);
	RUN_EXPECT(TVX_UCALL_DONE);
	expect_host_fine(_metadata, self->h);
}

/* IA32_TSC_AUX: write @val, then RDTSCP's ECX and RDMSR's value. */
static void guest_tsc_aux(__u64 val)
{
	__u32 aux, lo, hi;

	asm volatile("wrmsr" : : "c" (0xc0000103), "a" ((__u32)val), "d" (0));
	asm volatile("rdtscp" : "=c" (aux) : : "rax", "rdx");
	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (0xc0000103));
	GUEST_SYNC(aux, ((__u64)hi << 32) | lo);
	GUEST_DONE();
}

static __u32 host_rdtscp_aux(void)
{
	__u32 aux;

	asm volatile("rdtscp" : "=c" (aux) : : "rax", "rdx");
	return aux;
}

/*
 * RDTSCP runs in the guest without an exit: what it returns is the
 * guest's IA32_TSC_AUX, and the host CPU's (getcpu()'s encoding of CPU
 * and node) is back when RUN returns.
 */
TEST_F(hostile, tsc_aux_is_the_guests_own)
{
	struct thinvmx_caps caps;
	__u32 host_aux;

	ASSERT_EQ(0, tvx_get_caps(self->h, &caps));
	if (!(caps.features & THINVMX_FEAT_RDTSCP))
		SKIP(return, "no RDTSCP for guests");
	ASSERT_EQ(0, pin_to(HOST_CPU));
	host_aux = host_rdtscp_aux();
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_tsc_aux, 0x1234, 0));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x1234, self->uc.args[0]);
	EXPECT_EQ(0x1234, self->uc.args[1]);
	EXPECT_EQ(host_aux, host_rdtscp_aux());
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(host_aux, host_rdtscp_aux());
	/* bits 63:32 are reserved */
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_wrmsr, 0xc0000103,
				  1ULL << 32));
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(13, self->uc.args[0]);
	expect_host_fine(_metadata, self->h);
}

/* ------------------------------------------------------------ address width */

/* CREATE_DOMAIN's answer; a domain created by mistake is destroyed. */
static int try_create(struct tvx_handle *h, const struct thinvmx_e820_entry *e,
		      unsigned int nr, __u64 bytes)
{
	struct tvx_domain *d;
	int ret = tvx_domain_create(h, e, nr, bytes, 0, &d);

	if (!ret)
		tvx_domain_destroy(d);
	return ret;
}

/*
 * Guest-physical addresses a 4-level EPT cannot map (2^48 and up, whose
 * table index would wrap onto a lower frame) or the guest cannot address
 * (at or above the host's MAXPHYADDR) are -EINVAL wherever an ioctl takes
 * one, and nothing is mapped at the frame they would have wrapped onto.
 */
TEST_F(hostile, guest_physical_addresses_ept_cannot_map_are_einval)
{
	const __u64 past_ram = (128ULL << 20) >> 12;	/* unmapped */
	unsigned int bits = tvx_host_phys_bits();
	struct thinvmx_e820_entry e820[2] = {
		{ .addr = 0, .size = 16 << 20, .type = THINVMX_E820_RAM },
		{ .size = 2 << 20, .type = THINVMX_E820_RAM },
	};
	__u64 limit, mfn;
	__u32 type, access;
	char name[96];

	ASSERT_NE(0, bits);
	limit = 1ULL << ((bits < 48 ? bits : 48) - 12);
	TH_LOG("MAXPHYADDR %u: guest frames below %#llx", bits,
	       (unsigned long long)limit);

	/* RAM at 2^48, and at the host's address width */
	e820[1].addr = 1ULL << 48;
	EXPECT_EQ(-EINVAL, try_create(self->h, e820, 2, 18 << 20));
	e820[1].addr = limit << 12;
	EXPECT_EQ(-EINVAL, try_create(self->h, e820, 2, 18 << 20));
	e820[1].addr = (limit << 12) - 4096;	/* runs past it */
	EXPECT_EQ(-EINVAL, try_create(self->h, e820, 2, 18 << 20));

	/* device memory mapped at 2^48 + 128 MiB would land on 128 MiB */
	mfn = tvx_iomem_mmio_frame(name, sizeof(name));
	if (mfn) {
		EXPECT_EQ(-EINVAL, tvx_map_mmio(self->d, (1ULL << 36) + past_ram,
						mfn, 1));
		EXPECT_EQ(-EINVAL, tvx_map_mmio(self->d, limit, mfn, 1));
		EXPECT_EQ(-EINVAL, tvx_get_mem_access(self->d, past_ram, &type,
						      &access));
	} else {
		TH_LOG("no MMIO frame in /proc/iomem: MAP_MMIO not tried");
	}
	EXPECT_EQ(-EINVAL, tvx_set_mem_access(self->d, 1ULL << 36, 1,
					      THINVMX_ACCESS_R));
	EXPECT_EQ(-EINVAL, tvx_set_mem_type(self->d, limit, 1, THINVMX_P2M_RAM_RO));
	EXPECT_EQ(-EINVAL, tvx_get_mem_access(self->d, 1ULL << 36, &type, &access));
	expect_host_fine(_metadata, self->h);
}

TEST_HARNESS_MAIN
