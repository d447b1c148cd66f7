// SPDX-License-Identifier: GPL-2.0
/*
 * The in-module local APIC (THINVMX_DOMAIN_LAPIC), seen from guest code:
 * the timer in one-shot, periodic and TSC-deadline modes through x2APIC
 * MSRs (interrupts counted, in order, never early), the xAPIC page, HLT
 * sleeping until the interrupt, IPIs between two vCPUs, an AP brought up
 * with INIT and SIPI, an MSI from the VMM, and a hostile periodic timer
 * with count 1 held to the minimal period.
 *
 * Requires: root, the thinvmx module, VMX with unrestricted guest (the AP
 * starts in real mode). SKIPs otherwise. Two vCPU threads share whatever
 * CPUs there are: HLT sleeps in the module, so one CPU is enough.
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <time.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define MEM_BYTES	(64ULL << 20)
#define TIMER_VEC	0x30
#define IPI_VEC		0x40
#define MAX_TICKS	64

#define MSR_APICBASE	0x1b
#define MSR_TSC_DL	0x6e0
#define X2_ID		0x802
#define X2_SVR		0x80f
#define X2_ICR		0x830
#define X2_LVTT		0x832
#define X2_TMICT	0x838
#define X2_TMCCT	0x839
#define X2_TDCR		0x83e
#define XAPIC_BASE	0xfee00000UL
#define STR_1(x)	#x
#define STR(x)		STR_1(x)

/* ------------------------------------------------------------ guest side */

/* written by the interrupt stubs below */
volatile __u64 timer_count;
volatile __u64 timer_tsc[MAX_TICKS];
volatile __u64 ipi_count[2];
volatile __u8 use_xapic;
volatile __u64 ap_ready;
volatile __u64 nmi_count;

/*
 * Interrupt stubs in assembly: the test binary is built with the red
 * zone, so no C runs in them, and the code they interrupt moves RSP past
 * its red zone around every window with IF=1 (guest_sti_*()).
 */
asm(".pushsection .text\n"
    ".globl lapic_eoi_stub\n"
    "lapic_eoi_stub:\n"			/* EOI; clobbers rax, rcx, rdx */
    "	cmpb $0, use_xapic(%rip)\n"
    "	jne 1f\n"
    "	mov $0x80b, %ecx\n"
    "	xor %eax, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	ret\n"
    "1:	mov $0xfee000b0, %eax\n"
    "	movl $0, (%rax)\n"
    "	ret\n"
    ".globl timer_isr\n"
    "timer_isr:\n"
    "	push %rax\n"
    "	push %rcx\n"
    "	push %rdx\n"
    "	rdtsc\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	mov timer_count(%rip), %rcx\n"
    "	cmp $" STR(MAX_TICKS) ", %rcx\n"
    "	jae 2f\n"
    "	lea timer_tsc(%rip), %rdx\n"
    "	mov %rax, (%rdx,%rcx,8)\n"
    "2:	incq timer_count(%rip)\n"
    "	call lapic_eoi_stub\n"
    "	pop %rdx\n"
    "	pop %rcx\n"
    "	pop %rax\n"
    "	iretq\n"
    ".globl ipi_isr\n"
    "ipi_isr:\n"
    "	push %rax\n"
    "	push %rcx\n"
    "	push %rdx\n"
    "	mov $" STR(X2_ID) ", %ecx\n"
    "	rdmsr\n"
    "	and $1, %eax\n"
    "	lea ipi_count(%rip), %rdx\n"
    "	lock incq (%rdx,%rax,8)\n"
    "	call lapic_eoi_stub\n"
    "	pop %rdx\n"
    "	pop %rcx\n"
    "	pop %rax\n"
    "	iretq\n"
    ".globl nmi_isr\n"
    "nmi_isr:\n"
    "	lock incq nmi_count(%rip)\n"
    "	iretq\n"
    ".popsection\n");

extern char timer_isr[], ipi_isr[], nmi_isr[];

static inline __u64 rdtsc(void)
{
	__u32 lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return ((__u64)hi << 32) | lo;
}

/* HLT with interrupts on, the red zone out of the way; IF=0 after */
static inline void guest_sti_hlt_cli(void)
{
	asm volatile("sub $128, %%rsp; sti; hlt; cli; add $128, %%rsp" ::: "memory");
}

/* a window for pending interrupts, without halting */
static inline void guest_sti_nop_cli(void)
{
	asm volatile("sub $128, %%rsp; sti; nop; nop; cli; add $128, %%rsp" ::: "memory");
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
	__u64 base = tvx_rdmsr(MSR_APICBASE);

	GUEST_ASSERT(base & (1 << 11));
	tvx_wrmsr(MSR_APICBASE, base | (1 << 10));
	tvx_wrmsr(X2_SVR, 0x1ff);
}

/* TSC ticks per APIC timer tick, times 1000, from CPUID 0x15 */
static __u64 tsc_per_tick_x1000(void)
{
	__u32 a, b, c, d;

	tvx_cpuid(0x15, 0, &a, &b, &c, &d);
	GUEST_ASSERT(a && b && c);
	return 1000ULL * b / a;
}

static void guest_timer_modes(__u64 ticks)
{
	__u64 ratio = tsc_per_tick_x1000(), t0, want, dl, i, cur;
	__u32 a, b, c, d;

	tvx_cpuid(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT(c & (1u << 21));		/* x2APIC */
	GUEST_ASSERT(c & (1u << 24));		/* TSC deadline */
	x2apic_on();
	set_gate(TIMER_VEC, timer_isr);
	tvx_wrmsr(X2_TDCR, 0xb);		/* divide by 1 */

	/* one-shot: once, not before its time, HLT sleeping until it */
	want = ticks * ratio / 1000;
	tvx_wrmsr(X2_LVTT, TIMER_VEC);
	t0 = rdtsc();
	tvx_wrmsr(X2_TMICT, ticks);
	cur = tvx_rdmsr(X2_TMCCT);
	GUEST_ASSERT(cur > 0 && cur <= ticks);
	while (timer_count < 1)
		guest_sti_hlt_cli();
	GUEST_ASSERT(timer_tsc[0] - t0 >= want);
	GUEST_ASSERT_EQ(tvx_rdmsr(X2_TMCCT), 0);
	for (i = 0; i < 20; i++)
		guest_sti_nop_cli();
	GUEST_ASSERT_EQ(timer_count, 1);
	GUEST_SYNC(1, timer_tsc[0] - t0, want);

	/* periodic: five, in order, each a period after the last */
	timer_count = 0;
	tvx_wrmsr(X2_LVTT, TIMER_VEC | (1 << 17));
	t0 = rdtsc();
	tvx_wrmsr(X2_TMICT, ticks);
	while (timer_count < 5)
		guest_sti_hlt_cli();
	tvx_wrmsr(X2_TMICT, 0);			/* stops it */
	for (i = 0; i < 5; i++) {
		GUEST_ASSERT(timer_tsc[i] - t0 >= (i + 1) * want);
		if (i)
			GUEST_ASSERT(timer_tsc[i] > timer_tsc[i - 1]);
	}
	GUEST_SYNC(2, timer_tsc[4] - t0, 5 * want);

	/* TSC deadline: armed, it reads back; re-armed, it fires at the new one */
	timer_count = 0;
	tvx_wrmsr(X2_LVTT, TIMER_VEC | (2 << 17));
	dl = rdtsc() + 1000 * want;
	tvx_wrmsr(MSR_TSC_DL, dl);
	GUEST_ASSERT_EQ(tvx_rdmsr(MSR_TSC_DL), dl);
	dl = rdtsc() + want;
	tvx_wrmsr(MSR_TSC_DL, dl);
	cur = rdtsc();
	while (timer_count < 1)
		guest_sti_hlt_cli();
	GUEST_ASSERT(timer_tsc[0] >= dl);
	GUEST_ASSERT_EQ(tvx_rdmsr(MSR_TSC_DL), 0);	/* fired */
	GUEST_ASSERT_EQ(timer_count, 1);
	/* a deadline in the past fires at once */
	tvx_wrmsr(MSR_TSC_DL, 1);
	while (timer_count < 2)
		guest_sti_hlt_cli();
	GUEST_SYNC(3, timer_tsc[0] - dl, dl - cur);
	GUEST_DONE();
}

static __u32 mmio_rd(__u32 off)
{
	return *(volatile __u32 *)(uintptr_t)(XAPIC_BASE + off);
}

static void mmio_wr(__u32 off, __u32 val)
{
	*(volatile __u32 *)(uintptr_t)(XAPIC_BASE + off) = val;
}

/*
 * The exchanges on the xAPIC page, on the TPR: XCHG (Linux writes the
 * xAPIC with it on CPUs with the 11AP erratum), XADD, CMPXCHG failing and
 * succeeding; the old value comes back, the register takes the new one.
 */
static void xapic_exchanges(void)
{
	__u32 a = 0x20, c;
	__u8 zf;

	asm volatile("xchgl %0, (%1)" : "+r" (a)
		     : "r" (XAPIC_BASE + 0x80) : "memory");
	GUEST_ASSERT_EQ(a, 0);
	GUEST_ASSERT_EQ(mmio_rd(0x80), 0x20);
	a = 0x10;
	asm volatile("lock xaddl %0, (%1)" : "+r" (a)
		     : "r" (XAPIC_BASE + 0x80) : "memory", "cc");
	GUEST_ASSERT_EQ(a, 0x20);
	GUEST_ASSERT_EQ(mmio_rd(0x80), 0x30);
	a = 0x20;
	c = 0;
	asm volatile("lock cmpxchgl %2, (%3)\n\tsetz %1"
		     : "+a" (a), "=q" (zf) : "r" (c), "r" (XAPIC_BASE + 0x80)
		     : "memory", "cc");
	GUEST_ASSERT_EQ(zf, 0);
	GUEST_ASSERT_EQ(a, 0x30);
	asm volatile("lock cmpxchgl %2, (%3)\n\tsetz %1"
		     : "+a" (a), "=q" (zf) : "r" (c), "r" (XAPIC_BASE + 0x80)
		     : "memory", "cc");
	GUEST_ASSERT_EQ(zf, 1);
	GUEST_ASSERT_EQ(mmio_rd(0x80), 0);
}

/* The xAPIC page: ID, version, a one-shot timer, EOI by MMIO */
static void guest_xapic(__u64 ticks)
{
	use_xapic = 1;
	GUEST_ASSERT_EQ(tvx_rdmsr(MSR_APICBASE), XAPIC_BASE | (1 << 11) | (1 << 8));
	GUEST_ASSERT_EQ(mmio_rd(0x20), 0);		/* ID 0 */
	GUEST_ASSERT_EQ(mmio_rd(0x30) & 0xff, 0x14);	/* version */
	mmio_wr(0xf0, 0x1ff);
	GUEST_ASSERT_EQ(mmio_rd(0xf0), 0x1ff);
	set_gate(TIMER_VEC, timer_isr);
	mmio_wr(0x3e0, 0xb);
	mmio_wr(0x320, TIMER_VEC);
	mmio_wr(0x380, ticks);
	while (timer_count < 1)
		guest_sti_hlt_cli();
	GUEST_ASSERT_EQ(mmio_rd(0x100 + (TIMER_VEC / 32) * 0x10), 0);	/* ISR clear */
	xapic_exchanges();
	/* x2APIC MSRs are #GP in xAPIC mode: the stub reports vector 13 */
	GUEST_SYNC(mmio_rd(0x390), mmio_rd(0x80));
	tvx_rdmsr(X2_ID);
	GUEST_DONE();
}

/*
 * IPIs to itself through the xAPIC's ICR, each taken and ended by an EOI
 * write to the page: half with the self shorthand (which the CPU may
 * virtualize), half to its own APIC ID (ICR2, then ICR: two APIC-write
 * exits); then one held back by the TPR until the TPR drops.
 */
#define SELF_IPIS	200

static void guest_self_ipis(void)
{
	int i;

	use_xapic = 1;
	mmio_wr(0xf0, 0x1ff);
	set_gate(TIMER_VEC, timer_isr);
	GUEST_SYNC(0);
	for (i = 0; i < SELF_IPIS; i++) {
		if (i & 1) {
			mmio_wr(0x310, 0);		/* APIC ID 0 */
			mmio_wr(0x300, TIMER_VEC);	/* fixed, physical */
		} else {
			mmio_wr(0x300, (1 << 18) | TIMER_VEC);	/* self */
		}
		guest_sti_nop_cli();
	}
	GUEST_SYNC(timer_count, mmio_rd(0x100 + (TIMER_VEC / 32) * 0x10),
		   mmio_rd(0xa0));
	mmio_wr(0x80, 0x40);			/* TPR above the vector's class */
	mmio_wr(0x300, (1 << 18) | TIMER_VEC);
	guest_sti_nop_cli();
	GUEST_ASSERT_EQ(timer_count, SELF_IPIS);
	GUEST_ASSERT_EQ(mmio_rd(0x200 + (TIMER_VEC / 32) * 0x10),
			1u << (TIMER_VEC % 32));	/* requested */
	GUEST_ASSERT_EQ(mmio_rd(0xa0), 0x40);	/* PPR */
	mmio_wr(0x80, 0);
	guest_sti_nop_cli();
	GUEST_SYNC(timer_count, mmio_rd(0x200 + (TIMER_VEC / 32) * 0x10),
		   mmio_rd(0x80));
	GUEST_DONE();
}

/*
 * KVM's PV EOI, as Linux does it: the handler clears bit 0 of the flag
 * byte the module set, and writes EOI (x2APIC) only if it was clear.
 */
#define PV_VEC		0x40
#define PV_VEC_HI	0x50
#define PV_IPIS		200
#define MSR_PV_EOI	0x4b564d04

volatile __u32 pv_eoi_flag __attribute__((aligned(8)));
volatile __u64 pv_taken, pv_skipped, pv_written;

asm(".pushsection .text\n"
    ".globl pv_isr\n"
    "pv_isr:\n"
    "	push %rax\n"
    "	push %rcx\n"
    "	push %rdx\n"
    "	incq pv_taken(%rip)\n"
    "	btrl $0, pv_eoi_flag(%rip)\n"
    "	jnc 1f\n"
    "	incq pv_skipped(%rip)\n"
    "	jmp 2f\n"
    "1:	incq pv_written(%rip)\n"
    "	mov $0x80b, %ecx\n"
    "	xor %eax, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "2:	pop %rdx\n"
    "	pop %rcx\n"
    "	pop %rax\n"
    "	iretq\n"
    ".popsection");
void pv_isr(void);

static void guest_pv_eoi(void)
{
	int i;

	x2apic_on();
	set_gate(PV_VEC, pv_isr);
	set_gate(PV_VEC_HI, pv_isr);
	tvx_wrmsr(MSR_PV_EOI, (__u64)(uintptr_t)&pv_eoi_flag | 1);
	GUEST_ASSERT_EQ(tvx_rdmsr(MSR_PV_EOI), (__u64)(uintptr_t)&pv_eoi_flag | 1);
	GUEST_SYNC(0);
	for (i = 0; i < PV_IPIS; i++) {
		tvx_wrmsr(0x83f, PV_VEC);		/* self IPI */
		guest_sti_nop_cli();
	}
	GUEST_SYNC(pv_taken, pv_skipped, pv_written);
	/* two at once: the first's EOI must be written, the second's not */
	pv_taken = pv_skipped = pv_written = 0;
	tvx_wrmsr(0x83f, PV_VEC);
	tvx_wrmsr(0x83f, PV_VEC_HI);
	guest_sti_nop_cli();
	GUEST_SYNC(pv_taken, pv_skipped, pv_written);
	/* off: every EOI written, the flag never set */
	tvx_wrmsr(MSR_PV_EOI, 0);
	pv_taken = pv_skipped = pv_written = 0;
	for (i = 0; i < 10; i++) {
		tvx_wrmsr(0x83f, PV_VEC);
		guest_sti_nop_cli();
	}
	GUEST_SYNC(pv_taken, pv_skipped, pv_written);
	GUEST_ASSERT_EQ(tvx_rdmsr(0x80a), 0);		/* PPR: nothing in service */
	GUEST_DONE();
}

/* A flag address the module must refuse: #GP */
static void guest_pv_eoi_bad(__u64 val)
{
	tvx_wrmsr(MSR_PV_EOI, val);
	GUEST_DONE();
}

/* vCPU 0 pings vCPU 1 with IPIs, vCPU 1 answers each */
#define PINGS	10

static void guest_ipi_bsp(void)
{
	__u64 i;

	x2apic_on();
	set_gate(IPI_VEC, ipi_isr);
	while (!ap_ready)
		asm volatile("pause");
	for (i = 1; i <= PINGS; i++) {
		tvx_wrmsr(X2_ICR, (1ULL << 32) | IPI_VEC);
		while (ipi_count[0] < i)
			guest_sti_hlt_cli();
	}
	/* a self IPI by the shorthand */
	tvx_wrmsr(X2_ICR, (1 << 18) | IPI_VEC);
	while (ipi_count[0] < PINGS + 1)
		guest_sti_hlt_cli();
	GUEST_SYNC(ipi_count[0], ipi_count[1]);
	GUEST_DONE();
}

static void guest_ipi_ap(void)
{
	__u64 i;

	x2apic_on();
	__atomic_store_n(&ap_ready, 1, __ATOMIC_SEQ_CST);
	for (i = 1; i <= PINGS; i++) {
		while (ipi_count[1] < i)
			guest_sti_hlt_cli();
		tvx_wrmsr(X2_ICR, (0ULL << 32) | IPI_VEC);
	}
	GUEST_DONE();
}

/* vCPU 0 starts vCPU 1 with INIT and SIPI at 0x8000 */
#define SIPI_PAGE	0x8
#define AP_MARK		0x9000

static void guest_init_sipi(void)
{
	volatile __u16 *mark = (volatile __u16 *)AP_MARK;
	__u64 t0;

	x2apic_on();
	tvx_wrmsr(X2_ICR, (1ULL << 32) | 0x4500);		/* INIT, assert */
	tvx_wrmsr(X2_ICR, (1ULL << 32) | 0x8500);		/* de-assert: nothing */
	tvx_wrmsr(X2_ICR, (1ULL << 32) | 0x4600 | SIPI_PAGE);	/* SIPI */
	t0 = rdtsc();
	while (*mark != 0x1234 && rdtsc() - t0 < (1ULL << 30))
		asm volatile("pause");
	GUEST_SYNC(*mark);
	GUEST_DONE();
}

/* A periodic timer with count 1, divide by 1, for @spin TSC ticks */
static void guest_timer_storm(__u64 spin)
{
	__u64 t0;

	x2apic_on();
	set_gate(TIMER_VEC, timer_isr);
	tvx_wrmsr(X2_TDCR, 0xb);
	tvx_wrmsr(X2_LVTT, TIMER_VEC | (1 << 17));
	t0 = rdtsc();
	tvx_wrmsr(X2_TMICT, 1);
	while (rdtsc() - t0 < spin)
		guest_sti_nop_cli();
	tvx_wrmsr(X2_TMICT, 0);
	GUEST_SYNC(timer_count, rdtsc() - t0);
	GUEST_DONE();
}

/*
 * Priorities: a self IPI waits while CR8 (TPR[7:4]) blocks its class and
 * comes as soon as CR8 drops; NMIs by self IPI come with IF=0.
 */
static void guest_priority_and_nmi(void)
{
	__u64 cr8, i;

	x2apic_on();
	set_gate(IPI_VEC, ipi_isr);
	set_gate(2, nmi_isr);
	asm volatile("mov %0, %%cr8" : : "r" (4ULL));
	GUEST_ASSERT_EQ(tvx_rdmsr(0x808), 0x40);		/* TPR */
	tvx_wrmsr(0x83f, IPI_VEC);				/* SELF IPI */
	for (i = 0; i < 20; i++)
		guest_sti_nop_cli();
	GUEST_ASSERT_EQ(ipi_count[0], 0);
	GUEST_ASSERT_EQ(tvx_rdmsr(0x80a), 0x40);		/* PPR */
	asm volatile("mov %%cr8, %0" : "=r" (cr8));
	GUEST_ASSERT_EQ(cr8, 4);
	asm volatile("mov %0, %%cr8" : : "r" (3ULL));
	for (i = 0; i < 20 && !ipi_count[0]; i++)
		guest_sti_nop_cli();
	GUEST_ASSERT_EQ(ipi_count[0], 1);
	/* two NMIs, interrupts off: each delivered */
	tvx_wrmsr(X2_ICR, (1 << 18) | 0x400);
	tvx_wrmsr(X2_ICR, (1 << 18) | 0x400);
	for (i = 0; i < 1000 && nmi_count < 2; i++)
		asm volatile("pause");
	GUEST_SYNC(ipi_count[0], nmi_count);
	GUEST_DONE();
}

/* An interrupt the VMM raises level-triggered, then edge-triggered */
static void guest_level_msi(void)
{
	x2apic_on();
	set_gate(IPI_VEC, ipi_isr);
	GUEST_SYNC(0);
	while (ipi_count[0] < 1)
		guest_sti_hlt_cli();
	GUEST_SYNC(1);
	while (ipi_count[0] < 2)
		guest_sti_hlt_cli();
	GUEST_SYNC(ipi_count[0]);
	GUEST_DONE();
}

/* Halted with interrupts off: the VMM hears of it, an NMI ends it */
static void guest_cli_hlt(void)
{
	asm volatile("cli; hlt");
	GUEST_DONE();
}

/* The VMM's MSI arrives as an interrupt */
static void guest_msi(void)
{
	x2apic_on();
	set_gate(IPI_VEC, ipi_isr);
	GUEST_SYNC(0);
	while (ipi_count[0] < 1)
		guest_sti_hlt_cli();
	GUEST_SYNC(ipi_count[0]);
	GUEST_DONE();
}

/* ------------------------------------------------------------ host side */

FIXTURE(lapic) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v[2];
	struct tvx_ucall uc;
	__u32 tsc_khz;
};

FIXTURE_SETUP(lapic)
{
	struct thinvmx_e820_entry ram = {
		.addr = 0, .size = MEM_BYTES, .type = THINVMX_E820_RAM,
	};
	struct thinvmx_caps caps;
	int ret;

	memset(self, 0, sizeof(*self));
	ret = tvx_open(&self->h);
	if (ret == -ENOENT)
		TVX_SETUP_SKIP("no %s: module not loaded", THINVMX_DEVICE);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_get_caps(self->h, &caps));
	if (caps.vmx_status != THINVMX_VMX_OK ||
	    !(caps.features & THINVMX_FEAT_UNRESTRICTED))
		TVX_SETUP_SKIP("needs VMX with unrestricted guest");
	ASSERT_EQ(0, tvx_domain_create(self->h, &ram, 1, MEM_BYTES,
				       THINVMX_DOMAIN_LAPIC, &self->d));
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v[0]));
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
	self->tsc_khz = tvx_domain_tsc_khz(self->d);
	ASSERT_NE(0, self->tsc_khz);
}

FIXTURE_TEARDOWN(lapic)
{
	tvx_vcpu_destroy(self->v[1]);
	tvx_vcpu_destroy(self->v[0]);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

#define RUN_EXPECT(want) TVX_RUN_EXPECT((want), self->v[0], self->d, &self->uc)

static void start(struct __test_metadata *_metadata, FIXTURE_DATA(lapic) *self,
		  int i, void *fn, __u64 a0)
{
	struct tvx_guest_layout l;

	ASSERT_EQ(0, tvx_guest_layout(self->d, &l));
	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(self->v[i], self->d,
					      (__u64)(uintptr_t)fn, l.stack_top[i]));
	ASSERT_EQ(0, tvx_vcpu_set_args(self->v[i], a0, 0, 0));
}

/* 2 ms of APIC timer ticks (the timer runs at the TSC's rate here) */
#define TICKS_2MS(self)	((__u64)(self)->tsc_khz * 2)

TEST_F(lapic, timer_one_shot_periodic_tsc_deadline)
{
	start(_metadata, self, 0, guest_timer_modes, TICKS_2MS(self));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(1, self->uc.args[0]);
	TH_LOG("one-shot after %llu TSC ticks (at least %llu)",
	       self->uc.args[1], self->uc.args[2]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(2, self->uc.args[0]);
	TH_LOG("five periods after %llu (at least %llu)",
	       self->uc.args[1], self->uc.args[2]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(3, self->uc.args[0]);
	/*
	 * How late they come is the host's: a line on the nested VM's
	 * serial console keeps its interrupts off for about 10 ms.
	 */
	TH_LOG("TSC deadline late by %llu (HLT %llu before it)",
	       self->uc.args[1], self->uc.args[2]);
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(lapic, xapic_page_and_x2apic_msrs_refused)
{
	char desc[512];

	start(_metadata, self, 0, guest_xapic, TICKS_2MS(self));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0, self->uc.args[0]);		/* current count */
	EXPECT_EQ(0, self->uc.args[1]);		/* TPR */
	ASSERT_EQ(TVX_UCALL_UNHANDLED, tvx_run_until_ucall(self->v[0], self->d,
							   &self->uc));
	tvx_ucall_describe(&self->uc, desc, sizeof(desc));
	EXPECT_EQ(13, self->uc.args[0]) TH_LOG("%s", desc);
}

struct runner {
	struct tvx_vcpu *v;
	struct tvx_domain *d;
	struct tvx_ucall uc;
	int ret;
};

static void *run_to_done(void *arg)
{
	struct runner *r = arg;

	do {
		r->ret = tvx_run_until_ucall(r->v, r->d, &r->uc);
	} while (r->ret == TVX_UCALL_SYNC || r->ret == TVX_UCALL_PRINT);
	return NULL;
}

/* @d's counters, through netlink */
static void dom_stats(struct __test_metadata *_metadata, struct tvx_domain *d,
		      struct tvx_nl_stats *s)
{
	struct thinvmx_domain_info info;
	struct tvx_nl *nl;

	ASSERT_EQ(0, tvx_nl_open(&nl));
	ASSERT_EQ(0, tvx_domain_info(d, &info));
	ASSERT_EQ(0, tvx_nl_get_stats(nl, info.id, s));
	tvx_nl_close(nl);
}

/* WRMSR exits (32) of @d */
static void msr_exits(struct __test_metadata *_metadata, struct tvx_domain *d,
		      __u64 *out)
{
	static struct tvx_nl_stats s;

	dom_stats(_metadata, d, &s);
	*out = s.exits[32];
}

/*
 * The exits the xAPIC's accesses cost: APIC accesses (44), EPT violations
 * on the page (48), APIC writes (56).
 */
static void apic_exits(struct __test_metadata *_metadata, struct tvx_domain *d,
		       __u64 out[3])
{
	static struct tvx_nl_stats s;

	dom_stats(_metadata, d, &s);
	out[0] = s.exits[44];
	out[1] = s.exits[48];
	out[2] = s.exits[56];
}

/*
 * guest_self_ipis() on vCPU 0 of @d: with APIC virtualization (@virt) an
 * EOI costs no exit, an ICR write to another destination one APIC-write
 * exit (the self shorthand's none, where the CPU virtualizes self-IPIs,
 * as Bochs does; ICR2's one or none); without it, each access is an
 * exit of its own. Either way every IPI is taken once, the
 * ISR is empty after, and the TPR holds one back until it drops.
 */
static void self_ipis(struct __test_metadata *_metadata, struct tvx_domain *d,
		      struct tvx_vcpu *v, bool virt)
{
	__u64 before[3], after[3], access;
	struct tvx_ucall uc;

	TVX_RUN_EXPECT(TVX_UCALL_SYNC, v, d, &uc);
	apic_exits(_metadata, d, before);
	TVX_RUN_EXPECT(TVX_UCALL_SYNC, v, d, &uc);
	apic_exits(_metadata, d, after);
	EXPECT_EQ(SELF_IPIS, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);		/* ISR */
	EXPECT_EQ(0, uc.args[2]);		/* PPR */
	access = after[0] - before[0] + after[1] - before[1];
	TH_LOG("%d self-IPIs %s APIC virtualization: %llu APIC-access and EPT-violation exits, %llu APIC writes",
	       SELF_IPIS, virt ? "with" : "without", access,
	       after[2] - before[2]);
	if (virt) {
		/* the GUEST_SYNC's own ISR and PPR reads: a few at most */
		EXPECT_GT(SELF_IPIS / 10, access);
		EXPECT_LE(SELF_IPIS / 2, after[2] - before[2]);
		EXPECT_GE(SELF_IPIS * 3 / 2, after[2] - before[2]);
	} else {
		EXPECT_LE(2 * SELF_IPIS, access);
		EXPECT_EQ(0, after[2] - before[2]);
	}
	TVX_RUN_EXPECT(TVX_UCALL_SYNC, v, d, &uc);
	EXPECT_EQ(SELF_IPIS + 1, uc.args[0]);	/* taken once the TPR dropped */
	EXPECT_EQ(0, uc.args[1]);
	EXPECT_EQ(0, uc.args[2]);
	TVX_RUN_EXPECT(TVX_UCALL_DONE, v, d, &uc);
}

static bool vapic_param(void)
{
	FILE *f = fopen("/sys/module/thinvmx/parameters/vapic", "r");
	int c = f ? fgetc(f) : 'N';

	if (f)
		fclose(f);
	return c == 'Y' || c == '1';
}

static int set_vapic_param(bool on)
{
	FILE *f = fopen("/sys/module/thinvmx/parameters/vapic", "w");
	int ret;

	if (!f)
		return -errno;
	ret = fputs(on ? "1" : "0", f) < 0 ? -EIO : 0;
	return fclose(f) ? -errno : ret;
}

/* guest_self_ipis() in a domain created with the module parameter vapic */
static void self_ipis_with(struct __test_metadata *_metadata,
			   struct tvx_handle *h, bool virt)
{
	struct thinvmx_e820_entry ram = {
		.addr = 0, .size = MEM_BYTES, .type = THINVMX_E820_RAM,
	};
	struct tvx_guest_layout l;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	bool was = vapic_param();
	int ret;

	ASSERT_EQ(0, set_vapic_param(virt));
	ret = tvx_domain_create(h, &ram, 1, MEM_BYTES, THINVMX_DOMAIN_LAPIC, &d);
	ASSERT_EQ(0, set_vapic_param(was));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
	ASSERT_EQ(0, tvx_guest_load_self(d));
	ASSERT_EQ(0, tvx_guest_layout(d, &l));
	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(v, d, (__u64)(uintptr_t)guest_self_ipis,
					      l.stack_top[0]));
	self_ipis(_metadata, d, v, virt);
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
}

/* vapic=1 where the CPU has APIC virtualization (Bochs' skylake_x has) */
TEST_F(lapic, xapic_eois_without_exits)
{
	struct thinvmx_caps caps;

	ASSERT_EQ(0, tvx_get_caps(self->h, &caps));
	if (!(caps.features & THINVMX_FEAT_APIC_VIRT))
		SKIP(return, "no APIC virtualization on this CPU");
	self_ipis_with(_metadata, self->h, true);
}

/* The same with vapic=0 (the default): every access decoded */
TEST_F(lapic, xapic_without_virtualization)
{
	self_ipis_with(_metadata, self->h, false);
}

/*
 * PV EOI: with the flag, 200 self-IPIs cost 200 exits (the IPIs), not
 * 400 (no EOI write); behind another interrupt the EOI is written; with
 * it off, every one is.
 */
TEST_F(lapic, pv_eoi_ends_interrupts_without_exits)
{
	__u64 b, a;

	start(_metadata, self, 0, guest_pv_eoi, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	msr_exits(_metadata, self->d, &b);
	RUN_EXPECT(TVX_UCALL_SYNC);
	msr_exits(_metadata, self->d, &a);
	EXPECT_EQ(PV_IPIS, self->uc.args[0]);
	EXPECT_EQ(PV_IPIS, self->uc.args[1]);		/* skipped */
	EXPECT_EQ(0, self->uc.args[2]);			/* written */
	TH_LOG("%d self-IPIs with PV EOI: %llu WRMSR exits", PV_IPIS, a - b);
	EXPECT_GE(PV_IPIS + PV_IPIS / 10, a - b);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(2, self->uc.args[0]);
	EXPECT_EQ(1, self->uc.args[1]);
	EXPECT_EQ(1, self->uc.args[2]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(10, self->uc.args[0]);
	EXPECT_EQ(0, self->uc.args[1]);
	EXPECT_EQ(10, self->uc.args[2]);
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(lapic, pv_eoi_msr_refuses_bad_addresses)
{
	static const __u64 bad[] = {
		0x1000 | 2 | 1,			/* not 4-byte aligned */
		(MEM_BYTES + 0x1000) | 1,	/* past the domain's RAM */
		0xfee00000 | 1,			/* the xAPIC page */
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start(_metadata, self, 0, guest_pv_eoi_bad, bad[i]);
		ASSERT_EQ(TVX_UCALL_UNHANDLED,
			  tvx_run_until_ucall(self->v[0], self->d, &self->uc));
		EXPECT_EQ(13, self->uc.args[0]) TH_LOG("%#llx", bad[i]);
	}
	/* in RAM, aligned: taken */
	start(_metadata, self, 0, guest_pv_eoi_bad, 0x1000 | 1);
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(lapic, ipis_between_two_vcpus)
{
	struct runner ap = { .d = self->d };
	pthread_t t;

	ASSERT_EQ(0, tvx_vcpu_create(self->d, 1, &self->v[1]));
	start(_metadata, self, 0, guest_ipi_bsp, 0);
	start(_metadata, self, 1, guest_ipi_ap, 0);
	ap.v = self->v[1];
	ASSERT_EQ(0, pthread_create(&t, NULL, run_to_done, &ap));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(PINGS + 1, self->uc.args[0]);
	EXPECT_EQ(PINGS, self->uc.args[1]);
	RUN_EXPECT(TVX_UCALL_DONE);
	pthread_join(t, NULL);
	EXPECT_EQ(TVX_UCALL_DONE, ap.ret);
}

static void on_alarm(int sig)
{
}

struct ap_runner {
	struct tvx_vcpu *v;
	int ret;
	struct thinvmx_run run;
	struct thinvmx_sregs s;
};

static void *run_ap_once(void *arg)
{
	struct ap_runner *r = arg;

	r->ret = tvx_vcpu_run(r->v);
	r->run = *tvx_vcpu_run_page(r->v);
	tvx_get_sregs(r->v, &r->s);
	return NULL;
}

TEST_F(lapic, ap_started_by_init_and_sipi)
{
	static const unsigned char tramp[] = {
		0xb8, 0x34, 0x12,		/* mov ax, 0x1234 */
		0xa3, 0x00, 0x90,		/* mov [0x9000], ax */
		0xe7, 0x80,			/* out 0x80, ax */
		0xf4, 0xeb, 0xfd,		/* hlt; jmp $-1 */
	};
	struct ap_runner ap = { 0 };
	struct sigaction sa = { .sa_handler = on_alarm };
	pthread_t t;

	ASSERT_EQ(0, tvx_vcpu_create_flags(self->d, 1, THINVMX_VCPU_WAIT_SIPI,
					   &self->v[1]));
	memcpy(tvx_gpa(self->d, SIPI_PAGE << 12), tramp, sizeof(tramp));
	*(__u16 *)tvx_gpa(self->d, AP_MARK) = 0;
	ap.v = self->v[1];

	/* a signal ends the AP's wait for a SIPI with EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	ASSERT_EQ(0, pthread_create(&t, NULL, run_ap_once, &ap));
	usleep(200000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_EQ(-EINTR, ap.ret);
	EXPECT_EQ(THINVMX_EXIT_NONE, ap.run.exit_reason);

	ASSERT_EQ(0, pthread_create(&t, NULL, run_ap_once, &ap));
	start(_metadata, self, 0, guest_init_sipi, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x1234, self->uc.args[0]);
	pthread_join(t, NULL);
	EXPECT_EQ(0, ap.ret);
	EXPECT_EQ(THINVMX_EXIT_IO, ap.run.exit_reason);
	EXPECT_EQ(0x80, ap.run.io.port);
	EXPECT_EQ(0x1234, ap.run.io.data);
	EXPECT_EQ(SIPI_PAGE << 8, ap.s.cs.selector);
	EXPECT_EQ(SIPI_PAGE << 12, ap.s.cs.base);
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(lapic, msi_from_the_vmm)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v[0]);

	start(_metadata, self, 0, guest_msi, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(-EINVAL, tvx_signal_msi(self->d, 0xfed00000, IPI_VEC));
	EXPECT_EQ(0, tvx_signal_msi(self->d, 0xfee05000, IPI_VEC));	/* nobody */
	EXPECT_EQ(1, tvx_signal_msi(self->d, 0xfee00000, IPI_VEC));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(1, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	(void)run;
}

TEST_F(lapic, tpr_blocks_by_class_and_nmis_come_with_if_clear)
{
	start(_metadata, self, 0, guest_priority_and_nmi, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(1, self->uc.args[0]);
	EXPECT_EQ(2, self->uc.args[1]);
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(lapic, level_triggered_eoi_is_reported_to_the_vmm)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v[0]);

	start(_metadata, self, 0, guest_level_msi, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	/* level (bit 15), asserted (bit 14) */
	EXPECT_EQ(1, tvx_signal_msi(self->d, 0xfee00000, 0xc000 | IPI_VEC));
	ASSERT_EQ(0, tvx_vcpu_run(self->v[0]));
	ASSERT_EQ(THINVMX_EXIT_EOI, run->exit_reason);
	EXPECT_EQ(IPI_VEC, run->eoi.vector);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(1, self->uc.args[0]);
	/* edge: its EOI is the module's alone */
	EXPECT_EQ(1, tvx_signal_msi(self->d, 0xfee00000, IPI_VEC));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(2, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
}

static void *run_to_ucall(void *arg)
{
	struct runner *r = arg;

	r->ret = tvx_run_until_ucall(r->v, r->d, &r->uc);
	return NULL;
}

TEST_F(lapic, hlt_with_if_clear_is_reported_then_an_nmi_wakes_it)
{
	struct runner r = { .v = self->v[0], .d = self->d };
	pthread_t t;

	start(_metadata, self, 0, guest_cli_hlt, 0);
	ASSERT_EQ(0, tvx_vcpu_run(self->v[0]));
	EXPECT_EQ(THINVMX_EXIT_HLT, tvx_vcpu_run_page(self->v[0])->exit_reason);
	/* RUN again sleeps: no interrupt wakes it, an NMI MSI does */
	ASSERT_EQ(0, pthread_create(&t, NULL, run_to_ucall, &r));
	usleep(100000);
	/* a fixed interrupt reaches the APIC but cannot wake it (IF=0) */
	EXPECT_EQ(1, tvx_signal_msi(self->d, 0xfee00000, 0x30));
	usleep(100000);
	EXPECT_EQ(1, tvx_signal_msi(self->d, 0xfee00000, 4 << 8));	/* NMI */
	pthread_join(t, NULL);
	/* the library's stub for vector 2 reports it */
	ASSERT_EQ(TVX_UCALL_UNHANDLED, r.ret);
	EXPECT_EQ(2, r.uc.args[0]);
}

/*
 * Hostile: a periodic timer with count 1 would fire every few
 * nanoseconds; it fires at most every lapic_min_period_us (200 us).
 */
TEST_F(lapic, periodic_count_1_is_held_to_the_minimal_period)
{
	__u64 spin = (__u64)self->tsc_khz * 20, n, tsc, bound;	/* 20 ms */

	start(_metadata, self, 0, guest_timer_storm, spin);
	RUN_EXPECT(TVX_UCALL_SYNC);
	n = self->uc.args[0];
	tsc = self->uc.args[1];
	bound = tsc * 1000 / self->tsc_khz / 200 + 2;
	TH_LOG("%llu timer interrupts in %llu TSC ticks (bound %llu)", n, tsc, bound);
	EXPECT_LT(0, n);
	EXPECT_GE(bound, n);
	RUN_EXPECT(TVX_UCALL_DONE);
}

/* Without THINVMX_DOMAIN_LAPIC nothing changes: HLT is the VMM's */
TEST(without_the_flag_hlt_exits_and_msi_is_refused)
{
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct thinvmx_caps caps;

	if (tvx_open(&h))
		SKIP(return, "module not loaded");
	if (tvx_get_caps(h, &caps) || caps.vmx_status != THINVMX_VMX_OK) {
		tvx_close(h);
		SKIP(return, "VMX not usable");
	}
	ASSERT_EQ(0, tvx_domain_create_simple(h, 1 << 20, &d));
	EXPECT_EQ(-EINVAL, tvx_vcpu_create_flags(d, 1, THINVMX_VCPU_WAIT_SIPI, &v));
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
	EXPECT_EQ(-EINVAL, tvx_signal_msi(d, 0xfee00000, 0x40));
	ASSERT_EQ(0, tvx_vcpu_setup_real_mode(v, 0, 0x1000));
	*(__u8 *)tvx_gpa(d, 0x1000) = 0xf4;
	ASSERT_EQ(0, tvx_vcpu_run(v));
	EXPECT_EQ(THINVMX_EXIT_HLT, tvx_vcpu_run_page(v)->exit_reason);
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	tvx_close(h);
}

TEST_HARNESS_MAIN
