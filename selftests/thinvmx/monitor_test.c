// SPDX-License-Identifier: GPL-2.0
/*
 * Introspection events (uapi/thinvmx_introspect.h): every event kind
 * in async and sync mode with each answer, on-change-only, INT3 reaching
 * the guest's own #BP handler, a CR4 write clearing SMEP denied, a
 * listener killed while a vCPU waits on it, 100,000 async events with
 * contiguous sequence numbers, two vCPUs served by two daemon threads,
 * traps injected from the listener, a guest trying to reach its own
 * monitoring, and the listener's argument checks.
 *
 * Requires: root, the thinvmx module, usable VMX. Guests are C functions
 * of this test in long mode (libthinvmx's IDT stubs report an exception
 * with TVX_UCALL_UNHANDLED: vector, error code, RIP, ...). Sync events need
 * a daemon thread: the vCPU's RUN sleeps in the module until it answers.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"
#include "tvx_daemon.h"

/* CR0.AM: harmless to toggle in ring 0 (TS would make SSE fault) */
#define CR0_AM		(1ULL << 18)
#define CR4_SMEP	(1ULL << 20)
#define RFLAGS_TF	(1ULL << 8)

/* ------------------------------------------------------------ guests */

static __u8 pml4_copy[4096] __attribute__((aligned(4096)));
static __u8 watched[4096] __attribute__((aligned(4096)));

static inline __u64 guest_read_cr3(void)
{
	__u64 v;

	asm volatile("mov %%cr3, %0" : "=r" (v));
	return v;
}

static inline void guest_write_cr0(__u64 v)
{
	asm volatile("mov %0, %%cr0" : : "a" (v) : "memory");
}

/* Set CR0.AM, report CR0, clear it, report CR0. */
static void guest_cr0_ts(void)
{
	__u64 cr0 = tvx_read_cr0();

	guest_write_cr0(cr0 | CR0_AM);
	GUEST_SYNC(tvx_read_cr0());
	guest_write_cr0(cr0 & ~CR0_AM);
	GUEST_SYNC(tvx_read_cr0());
	GUEST_DONE();
}

/*
 * A CR0 write setting AM, from RAX; report RAX afterwards (an answer with
 * SET_REGS changes it). The MOV is 0f 22 c0, three bytes, followed by a
 * one-byte NOP: a single step after the write stops 4 bytes after the MOV.
 */
static void guest_cr0_rax(void)
{
	__u64 rax = tvx_read_cr0() | CR0_AM;

	asm volatile(".byte 0x0f, 0x22, 0xc0\n\t"	/* mov %%rax, %%cr0 */
		     "nop" : "+a" (rax) : : "memory");
	GUEST_SYNC(rax, tvx_read_cr0());
	GUEST_DONE();
}

/* @same loads of CR3 with its own value, then one of a copy of the PML4. */
static void guest_cr3(__u64 same)
{
	__u64 cr3 = guest_read_cr3(), i;

	for (i = 0; i < same; i++)
		asm volatile("mov %0, %%cr3" : : "r" (cr3) : "memory");
	tvx_guest_memcpy(pml4_copy, (void *)(cr3 & ~0xfffULL), sizeof(pml4_copy));
	asm volatile("mov %0, %%cr3" : : "r" ((__u64)(uintptr_t)pml4_copy) : "memory");
	GUEST_SYNC(guest_read_cr3());
	asm volatile("mov %0, %%cr3" : : "r" (cr3) : "memory");
	GUEST_DONE();
}

/* SMEP on, then an attempt to turn it off; CR4 reported after each. */
static void guest_cr4_smep(void)
{
	__u32 a, b, c, d;
	__u64 cr4 = tvx_read_cr4();

	tvx_cpuid(7, 0, &a, &b, &c, &d);
	if (!(b & (1U << 7)))
		GUEST_SYNC(0, 0);	/* no SMEP: the host skips */
	asm volatile("mov %0, %%cr4" : : "r" (cr4 | CR4_SMEP) : "memory");
	GUEST_SYNC(1, tvx_read_cr4());
	asm volatile("mov %0, %%cr4" : : "r" (cr4 & ~CR4_SMEP) : "memory");
	GUEST_SYNC(2, tvx_read_cr4());
	GUEST_DONE();
}

/* One INT3 at int3_site, then a SYNC. */
extern char int3_site[];
static void guest_int3(void)
{
	asm volatile(".globl int3_site\n\tint3_site: int3\n\tnop" : : : "memory");
	GUEST_SYNC(0x33);
	GUEST_DONE();
}

/* @n INT3s (each answered SKIP), then DONE. */
static void guest_int3_loop(__u64 n)
{
	__u64 i;

	for (i = 0; i < n; i++)
		asm volatile("int3" : : : "memory");
	GUEST_DONE();
}

/* Write the watched frame @n times, reporting what it holds after each. */
static void guest_write_watched(__u64 n)
{
	__u64 i;

	for (i = 0; i < n; i++) {
		*(volatile __u8 *)&watched[8] = (__u8)(0x50 + i);
		GUEST_SYNC(*(volatile __u8 *)&watched[8]);
	}
	GUEST_DONE();
}

/* Every way a guest has that could reach the monitor settings. */
static void guest_attempt(__u64 which)
{
	switch (which) {
	case 0:		/* a hypercall */
		asm volatile("vmcall" : : "a" (0), "b" (0), "c" (0) : "memory");
		break;
	case 1:		/* VMFUNC 0 (EPTP switching) */
		asm volatile(".byte 0x0f, 0x01, 0xd4" : : "a" (0), "c" (0) : "memory");
		break;
	case 2:		/* the host's VMX instructions */
		asm volatile("vmxoff" : : : "memory");
		break;
	case 3:		/* CR4.VMXE and CR0's fixed bits */
		asm volatile("mov %0, %%cr4" : : "r" (tvx_read_cr4() | (1ULL << 13)) : "memory");
		asm volatile("mov %0, %%cr0" : : "a" (tvx_read_cr0() & ~1ULL) : "memory");
		break;
	case 4:		/* the debug and VMX MSRs */
		tvx_wrmsr(0x1d9, 0x3);		/* IA32_DEBUGCTL */
		tvx_wrmsr(0x480, 0);		/* IA32_VMX_BASIC */
		break;
	case 5:		/* its own TF, then the breakpoint exits' ports */
		asm volatile("pushf; orq $0x100, (%%rsp); popf; nop; "
			     "pushf; andq $~0x100, (%%rsp); popf" : : : "memory", "cc");
		break;
	}
	GUEST_SYNC(0xa77);
	/* monitoring still works: a CR0 write */
	guest_write_cr0(tvx_read_cr0() | CR0_AM);
	GUEST_DONE();
}

#define MSR_STAR	0xc0000081U
#define STAR_A		0x0023001000000000ULL
#define STAR_B		0x0033001000000000ULL

static inline void guest_wrmsr(__u32 msr, __u64 v)
{
	asm volatile("wrmsr" : : "c" (msr), "a" ((__u32)v), "d" ((__u32)(v >> 32))
		     : "memory");
}

static inline __u64 guest_rdmsr(__u32 msr)
{
	__u32 lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr));
	return lo | (__u64)hi << 32;
}

/* STAR to A, report it; to B, report it. */
static void guest_star(void)
{
	guest_wrmsr(MSR_STAR, STAR_A);
	GUEST_SYNC(guest_rdmsr(MSR_STAR));
	guest_wrmsr(MSR_STAR, STAR_B);
	GUEST_SYNC(guest_rdmsr(MSR_STAR));
	GUEST_DONE();
}

/* ------------------------------------------------------------ fixture */

FIXTURE(mon) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_monitor *m;
	struct tvx_ucall uc;
	struct daemon dm;
};

FIXTURE_SETUP(mon)
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
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &self->m));
	daemon_init(&self->dm, self->m, self->d, 1);
}

FIXTURE_TEARDOWN(mon)
{
	tvx_monitor_detach(self->m);
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

#define RUN_EXPECT(want) TVX_RUN_EXPECT((want), self->v, self->d, &self->uc)

static void start(struct tvx_vcpu *v, struct tvx_domain *d, void (*fn)(void),
		  __u64 arg)
{
	tvx_vcpu_setup_long_mode(v, d, (__u64)(uintptr_t)fn, 0);
	tvx_vcpu_set_args(v, arg, 0, 0);
}

#define START(fn, arg) start(self->v, self->d, (void (*)(void))(fn), (arg))
#define SET(kind, mode, flags) \
	ASSERT_EQ(0, tvx_monitor_set(self->m, THINVMX_MONITOR_##kind, \
				     THINVMX_MONITOR_MODE_##mode, (flags)))

/* ------------------------------------------------------------ CR0 */

TEST_F(mon, cr0_async)
{
	struct thinvmx_event *ev = self->dm.evs;

	SET(CR0, ASYNC, 0);
	START(guest_cr0_ts, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_TRUE(self->uc.args[0] & CR0_AM);
	ASSERT_EQ(1, daemon_drain(&self->dm));
	EXPECT_EQ(THINVMX_EVENT_VERSION, ev[0].version);
	EXPECT_EQ(THINVMX_EVENT_CR0, ev[0].reason);
	EXPECT_EQ(0, ev[0].flags & THINVMX_EVENT_F_SYNC);
	EXPECT_EQ(0, ev[0].vcpu);
	EXPECT_EQ(1, ev[0].seq);
	EXPECT_TRUE(ev[0].u.cr.new_value & CR0_AM);
	EXPECT_FALSE(ev[0].u.cr.old_value & CR0_AM);
	EXPECT_EQ(ev[0].u.cr.old_value, ev[0].cr0);
	EXPECT_EQ(ev[0].u.cr.new_value, ev[0].u.cr.old_value | CR0_AM);
	EXPECT_EQ(ev[0].u.cr.new_value, ev[0].regs.rax);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_FALSE(self->uc.args[0] & CR0_AM);
	ASSERT_EQ(1, daemon_drain(&self->dm));
	EXPECT_EQ(2, ev[1].seq);
	EXPECT_FALSE(ev[1].u.cr.new_value & CR0_AM);
	RUN_EXPECT(TVX_UCALL_DONE);
	/* nothing monitored any more: no event */
	SET(CR0, DISABLED, 0);
	START(guest_cr0_ts, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0, daemon_drain(&self->dm));
}

TEST_F(mon, cr0_sync_continue_and_deny)
{
	SET(CR0, SYNC, 0);
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_cr0_ts, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_TRUE(self->uc.args[0] & CR0_AM);		/* continue: written */
	self->dm.answer[THINVMX_EVENT_CR0] = THINVMX_RESPONSE_DENY;
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_TRUE(self->uc.args[0] & CR0_AM);		/* denied: TS stays */
	RUN_EXPECT(TVX_UCALL_DONE);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	EXPECT_EQ(2, self->dm.count[THINVMX_EVENT_CR0]);
	EXPECT_TRUE(self->dm.evs[0].flags & THINVMX_EVENT_F_SYNC);
}

TEST_F(mon, cr0_sync_set_regs)
{
	SET(CR0, SYNC, 0);
	self->dm.answer[THINVMX_EVENT_CR0] = THINVMX_RESPONSE_SET_REGS;
	self->dm.set_rax = 0x4242;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_cr0_rax, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	daemon_stop(&self->dm);
	/* RAX became 0x4242; the held write of the old RAX happened */
	EXPECT_EQ(1, self->dm.count[THINVMX_EVENT_CR0]);
	EXPECT_EQ(0x4242, self->uc.args[0]);
	EXPECT_TRUE(self->uc.args[1] & CR0_AM);
}

TEST_F(mon, cr0_sync_singlestep)
{
	struct thinvmx_event *ev = self->dm.evs;

	SET(CR0, SYNC, 0);
	self->dm.answer[THINVMX_EVENT_CR0] = THINVMX_RESPONSE_SINGLESTEP;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_cr0_rax, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	daemon_stop(&self->dm);
	ASSERT_EQ(2, self->dm.nr);
	EXPECT_EQ(THINVMX_EVENT_CR0, ev[0].reason);
	EXPECT_EQ(THINVMX_EVENT_SINGLESTEP, ev[1].reason);
	EXPECT_TRUE(ev[1].flags & THINVMX_EVENT_F_SYNC);
	EXPECT_EQ(ev[0].seq + 1, ev[1].seq);
	/* after the MOV (3 bytes) and the one instruction stepped (NOP) */
	EXPECT_EQ(ev[0].regs.rip + 4, ev[1].regs.rip);
	EXPECT_TRUE(self->uc.args[1] & CR0_AM);
	/* the step left no trace in the guest's flags */
	EXPECT_FALSE(ev[1].regs.rflags & RFLAGS_TF);
}

/* ------------------------------------------------------------ CR3 */

TEST_F(mon, cr3_on_change_only)
{
	SET(CR3, ASYNC, THINVMX_MONITOR_F_ON_CHANGE_ONLY);
	START(guest_cr3, 10);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ((__u64)(uintptr_t)pml4_copy, self->uc.args[0]);
	ASSERT_EQ(1, daemon_drain(&self->dm));
	EXPECT_EQ((__u64)(uintptr_t)pml4_copy, self->dm.evs[0].u.cr.new_value);
	EXPECT_EQ(self->dm.evs[0].cr3, self->dm.evs[0].u.cr.old_value);
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(1, daemon_drain(&self->dm));	/* back: a change */

	/* every load without the flag */
	SET(CR3, ASYNC, 0);
	START(guest_cr3, 10);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(11, daemon_drain(&self->dm));
	RUN_EXPECT(TVX_UCALL_DONE);
}

/* VM exits of a run of guest_cr3(@loads) to its first SYNC */
static __u64 cr3_run_exits(struct __test_metadata *_metadata,
			   FIXTURE_DATA(mon) *self, __u64 loads)
{
	__u64 before;

	START(guest_cr3, loads);
	before = tvx_vcpu_run_page(self->v)->exits;
	RUN_EXPECT(TVX_UCALL_SYNC);
	return tvx_vcpu_run_page(self->v)->exits - before;
}

TEST_F(mon, cr3_exits_only_while_monitored)
{
	__u64 quiet, watched, again;

	quiet = cr3_run_exits(_metadata, self, 2000);
	SET(CR3, ASYNC, 0);
	watched = cr3_run_exits(_metadata, self, 2000);
	EXPECT_EQ(2001, daemon_drain(&self->dm));
	SET(CR3, DISABLED, 0);
	again = cr3_run_exits(_metadata, self, 2000);
	TH_LOG("exits for 2000 CR3 loads: %llu unmonitored, %llu monitored, %llu after",
	       (unsigned long long)quiet, (unsigned long long)watched,
	       (unsigned long long)again);
	EXPECT_GT(100, quiet);
	EXPECT_LE(2001, watched);
	EXPECT_GT(100, again);
}

TEST_F(mon, cr3_sync_deny)
{
	__u32 mode, flags;

	SET(CR3, SYNC, THINVMX_MONITOR_F_ON_CHANGE_ONLY);
	ASSERT_EQ(0, tvx_monitor_get(self->m, THINVMX_MONITOR_CR3, &mode, &flags));
	EXPECT_EQ(THINVMX_MONITOR_MODE_SYNC, mode);
	EXPECT_EQ(THINVMX_MONITOR_F_ON_CHANGE_ONLY, flags);
	self->dm.answer[THINVMX_EVENT_CR3] = THINVMX_RESPONSE_DENY;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_cr3, 3);
	RUN_EXPECT(TVX_UCALL_SYNC);
	/* the load of the copy was denied */
	EXPECT_NE((__u64)(uintptr_t)pml4_copy, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	daemon_stop(&self->dm);
	EXPECT_EQ(1, self->dm.count[THINVMX_EVENT_CR3]);
}

/* ------------------------------------------------------------ MSR */

/* A watched MSR: each write reported after it is done, old and new. */
TEST_F(mon, msr_async)
{
	struct thinvmx_event *ev = self->dm.evs;

	ASSERT_EQ(0, tvx_monitor_set_msr(self->m, MSR_STAR, THINVMX_MONITOR_MODE_ASYNC, 0));
	START(guest_star, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(STAR_A, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(STAR_B, self->uc.args[0]);
	ASSERT_EQ(2, daemon_drain(&self->dm));
	EXPECT_EQ(THINVMX_EVENT_MSR, ev[0].reason);
	EXPECT_EQ(0, ev[0].flags & THINVMX_EVENT_F_SYNC);
	EXPECT_EQ(MSR_STAR, ev[0].u.msr.msr);
	EXPECT_EQ(STAR_A, ev[0].u.msr.new_value);
	EXPECT_TRUE(ev[0].flags & THINVMX_EVENT_F_OLD_VALID);
	EXPECT_EQ(STAR_A, ev[1].u.msr.old_value);
	EXPECT_EQ(STAR_B, ev[1].u.msr.new_value);
	EXPECT_EQ(MSR_STAR, ev[1].regs.rcx);
	RUN_EXPECT(TVX_UCALL_DONE);
	/* unwatched: no event */
	ASSERT_EQ(0, tvx_monitor_set_msr(self->m, MSR_STAR, THINVMX_MONITOR_MODE_DISABLED, 0));
	START(guest_star, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0, daemon_drain(&self->dm));
}

/* Sync: the write waits for the answer; DENY keeps the old value. */
TEST_F(mon, msr_sync_deny)
{
	ASSERT_EQ(0, tvx_monitor_set_msr(self->m, MSR_STAR, THINVMX_MONITOR_MODE_SYNC, 0));
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_star, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(STAR_A, self->uc.args[0]);		/* continue: written */
	self->dm.answer[THINVMX_EVENT_MSR] = THINVMX_RESPONSE_DENY;
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(STAR_A, self->uc.args[0]);		/* denied: A stays */
	RUN_EXPECT(TVX_UCALL_DONE);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	EXPECT_EQ(2, self->dm.count[THINVMX_EVENT_MSR]);
	EXPECT_TRUE(self->dm.evs[1].flags & THINVMX_EVENT_F_SYNC);
}

/* ------------------------------------------------------------ CR4 */

static void deny_smep_clear(struct daemon *dm, const struct thinvmx_event *ev,
			    struct thinvmx_response *rsp)
{
	if (ev->reason == THINVMX_EVENT_CR4 &&
	    (ev->u.cr.old_value & CR4_SMEP) && !(ev->u.cr.new_value & CR4_SMEP))
		rsp->flags = THINVMX_RESPONSE_DENY;
}

TEST_F(mon, cr4_clearing_smep_denied)
{
	SET(CR4, SYNC, 0);
	self->dm.policy = deny_smep_clear;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_cr4_smep, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	if (self->uc.args[0] == 0) {
		daemon_stop(&self->dm);
		SKIP(return, "the CPU has no SMEP");
	}
	EXPECT_TRUE(self->uc.args[1] & CR4_SMEP);	/* setting it: allowed */
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(2, self->uc.args[0]);
	EXPECT_TRUE(self->uc.args[1] & CR4_SMEP);	/* clearing it: denied */
	RUN_EXPECT(TVX_UCALL_DONE);
	daemon_stop(&self->dm);
	EXPECT_EQ(2, self->dm.count[THINVMX_EVENT_CR4]);
}

/* ------------------------------------------------------------ INT3 */

/* The guest's own #BP handler ran: UNHANDLED, vector 3, after the INT3. */
#define EXPECT_GUEST_BP() do {						\
	RUN_EXPECT(TVX_UCALL_UNHANDLED);				\
	EXPECT_EQ(3, self->uc.args[0]);					\
	EXPECT_EQ((__u64)(uintptr_t)int3_site + 1, self->uc.args[2]);	\
} while (0)

TEST_F(mon, int3_without_listener_or_monitoring_reaches_the_guest)
{
	/* listener attached, INT3 not monitored */
	START(guest_int3, 0);
	EXPECT_GUEST_BP();
	/* no listener at all */
	tvx_monitor_detach(self->m);
	self->m = NULL;
	START(guest_int3, 0);
	EXPECT_GUEST_BP();
}

TEST_F(mon, int3_async)
{
	struct thinvmx_event *ev = self->dm.evs;

	SET(INT3, ASYNC, 0);
	START(guest_int3, 0);
	EXPECT_GUEST_BP();
	ASSERT_EQ(1, daemon_drain(&self->dm));
	EXPECT_EQ(THINVMX_EVENT_INT3, ev[0].reason);
	EXPECT_EQ((__u64)(uintptr_t)int3_site, ev[0].regs.rip);
	EXPECT_TRUE(ev[0].flags & THINVMX_EVENT_F_GLA_VALID);
	EXPECT_TRUE(ev[0].flags & THINVMX_EVENT_F_GFN_VALID);
	EXPECT_EQ((__u64)(uintptr_t)int3_site, ev[0].u.int3.gla);
	/* identity-mapped */
	EXPECT_EQ((__u64)(uintptr_t)int3_site >> 12, ev[0].u.int3.gfn);
	EXPECT_EQ((__u64)(uintptr_t)int3_site & 0xfff, ev[0].u.int3.offset);
	EXPECT_EQ(1, ev[0].u.int3.insn_len);
	EXPECT_EQ(THINVMX_EVENT_ACCESS_X, ev[0].u.int3.access);
}

TEST_F(mon, int3_sync_reinject)
{
	SET(INT3, SYNC, 0);
	self->dm.answer[THINVMX_EVENT_INT3] = THINVMX_RESPONSE_REINJECT;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_int3, 0);
	EXPECT_GUEST_BP();
	daemon_stop(&self->dm);
	EXPECT_EQ(1, self->dm.count[THINVMX_EVENT_INT3]);
}

TEST_F(mon, int3_sync_skip)
{
	SET(INT3, SYNC, 0);
	self->dm.answer[THINVMX_EVENT_INT3] = THINVMX_RESPONSE_SKIP;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_int3, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x33, self->uc.args[0]);
	daemon_stop(&self->dm);
	EXPECT_EQ(1, self->dm.count[THINVMX_EVENT_INT3]);
}

/* "continue" after taking the breakpoint out: the original byte runs */
static void remove_int3(struct daemon *dm, const struct thinvmx_event *ev,
			struct thinvmx_response *rsp)
{
	__u8 nop = 0x90;

	if (ev->reason == THINVMX_EVENT_INT3)
		tvx_write_guest(dm->d, (ev->u.int3.gfn << 12) + ev->u.int3.offset,
				&nop, 1);
}

TEST_F(mon, int3_sync_continue_after_removal)
{
	SET(INT3, SYNC, 0);
	self->dm.policy = remove_int3;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_int3, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	daemon_stop(&self->dm);
	EXPECT_EQ(1, self->dm.count[THINVMX_EVENT_INT3]);
}

TEST_F(mon, int3_sync_skip_and_singlestep)
{
	struct thinvmx_event *ev = self->dm.evs;

	SET(INT3, SYNC, 0);
	self->dm.answer[THINVMX_EVENT_INT3] = THINVMX_RESPONSE_SKIP |
					      THINVMX_RESPONSE_SINGLESTEP;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_int3, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	daemon_stop(&self->dm);
	ASSERT_EQ(2, self->dm.nr);
	EXPECT_EQ(THINVMX_EVENT_SINGLESTEP, ev[1].reason);
	/* past the INT3 (skipped) and the NOP (stepped) */
	EXPECT_EQ((__u64)(uintptr_t)int3_site + 2, ev[1].regs.rip);
}

/* ------------------------------------------------------------ mem_access */

static __u64 watched_gfn(void)
{
	return (__u64)(uintptr_t)watched >> 12;
}

TEST_F(mon, mem_access_async_lets_the_access_happen_once)
{
	struct thinvmx_event *ev = self->dm.evs;
	__u32 access;

	SET(MEM_ACCESS, ASYNC, 0);
	ASSERT_EQ(0, tvx_set_mem_access(self->d, watched_gfn(), 1, THINVMX_ACCESS_R));
	START(guest_write_watched, 2);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x50, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x51, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	ASSERT_EQ(2, daemon_drain(&self->dm));
	EXPECT_EQ(THINVMX_EVENT_MEM_ACCESS, ev[0].reason);
	EXPECT_EQ(watched_gfn(), ev[0].u.mem_access.gfn);
	EXPECT_EQ(8, ev[0].u.mem_access.offset);
	EXPECT_EQ(THINVMX_EVENT_ACCESS_W, ev[0].u.mem_access.access);
	EXPECT_EQ(THINVMX_ACCESS_R, ev[0].u.mem_access.right);
	EXPECT_TRUE(ev[0].flags & THINVMX_EVENT_F_GFN_VALID);
	if (ev[0].flags & THINVMX_EVENT_F_GLA_VALID)
		EXPECT_EQ((__u64)(uintptr_t)&watched[8], ev[0].u.mem_access.gla);
	/* the right itself did not change */
	ASSERT_EQ(0, tvx_get_mem_access(self->d, watched_gfn(), NULL, &access));
	EXPECT_EQ(THINVMX_ACCESS_R, access);
}

static void grant_rw(struct daemon *dm, const struct thinvmx_event *ev,
		     struct thinvmx_response *rsp)
{
	if (ev->reason == THINVMX_EVENT_MEM_ACCESS)
		tvx_set_mem_access(dm->d, ev->u.mem_access.gfn, 1, THINVMX_ACCESS_RW);
}

TEST_F(mon, mem_access_sync_retried_with_the_new_right)
{
	SET(MEM_ACCESS, SYNC, 0);
	ASSERT_EQ(0, tvx_set_mem_access(self->d, watched_gfn(), 1, THINVMX_ACCESS_R));
	self->dm.policy = grant_rw;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_write_watched, 2);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x50, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	RUN_EXPECT(TVX_UCALL_DONE);
	daemon_stop(&self->dm);
	EXPECT_EQ(1, self->dm.count[THINVMX_EVENT_MEM_ACCESS]);
}

TEST_F(mon, mem_access_sync_singlestep)
{
	struct thinvmx_event *ev = self->dm.evs;
	__u32 access;

	SET(MEM_ACCESS, SYNC, 0);
	ASSERT_EQ(0, tvx_set_mem_access(self->d, watched_gfn(), 1, THINVMX_ACCESS_R));
	self->dm.answer[THINVMX_EVENT_MEM_ACCESS] = THINVMX_RESPONSE_SINGLESTEP;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_write_watched, 2);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x50, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x51, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
	daemon_stop(&self->dm);
	EXPECT_EQ(2, self->dm.count[THINVMX_EVENT_MEM_ACCESS]);
	EXPECT_EQ(2, self->dm.count[THINVMX_EVENT_SINGLESTEP]);
	EXPECT_EQ(THINVMX_EVENT_SINGLESTEP, ev[1].reason);
	EXPECT_LT(ev[0].regs.rip, ev[1].regs.rip);
	ASSERT_EQ(0, tvx_get_mem_access(self->d, watched_gfn(), NULL, &access));
	EXPECT_EQ(THINVMX_ACCESS_R, access);
}

/* ------------------------------------------------------------ CR3 loads flush */

#define TLB_LIN		(40ULL << 20)	/* a 2 MiB page of the identity map */
#define TLB_OTHER	(42ULL << 20)	/* where the guest points it for a while */
#define INVVPID_PARAM	"/sys/module/thinvmx/parameters/invvpid_single"

/* Read a page, point its PDE elsewhere, load CR3 again, read it again. */
static void guest_remap_and_reload_cr3(void)
{
	__u64 cr3 = guest_read_cr3();
	__u64 *pml4 = (__u64 *)(uintptr_t)(cr3 & ~0xfffULL);
	__u64 *pdpt = (__u64 *)(uintptr_t)(pml4[0] & 0xffffffffff000ULL);
	__u64 *pd = (__u64 *)(uintptr_t)(pdpt[0] & 0xffffffffff000ULL);
	__u64 old = pd[TLB_LIN >> 21], before, after;

	before = *(volatile __u64 *)(uintptr_t)TLB_LIN;
	pd[TLB_LIN >> 21] = old + (TLB_OTHER - TLB_LIN);
	asm volatile("mov %0, %%cr3" : : "r" (cr3) : "memory");
	after = *(volatile __u64 *)(uintptr_t)TLB_LIN;
	pd[TLB_LIN >> 21] = old;
	asm volatile("mov %0, %%cr3" : : "r" (cr3) : "memory");
	GUEST_SYNC(before, after);
	GUEST_DONE();
}

/*
 * A CR3 load the module emulates (CR3 monitored) drops the guest's
 * linear translations: after pointing a page's PDE elsewhere and loading
 * CR3, the guest reads the new page. With single-context INVVPID, and
 * with all-context as on CPUs without it (invvpid_single=0): an emulated
 * load must never leave a stale translation.
 */
TEST_F(mon, emulated_cr3_load_flushes_with_either_invvpid)
{
	static const char *const modes[] = { "1", "0" };
	__u64 *lin = tvx_gpa(self->d, TLB_LIN), *other = tvx_gpa(self->d, TLB_OTHER);
	unsigned int i;

	if (access(INVVPID_PARAM, W_OK))
		SKIP(return, "no invvpid_single parameter");
	*lin = 0x1111;
	*other = 0x2222;
	SET(CR3, ASYNC, 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, tvx_write_file(INVVPID_PARAM, modes[i]));
		START(guest_remap_and_reload_cr3, 0);
		RUN_EXPECT(TVX_UCALL_SYNC);
		EXPECT_EQ(0x1111, self->uc.args[0]) TH_LOG("invvpid_single=%s", modes[i]);
		EXPECT_EQ(0x2222, self->uc.args[1]) TH_LOG("invvpid_single=%s", modes[i]);
		RUN_EXPECT(TVX_UCALL_DONE);
		daemon_drain(&self->dm);
	}
	EXPECT_EQ(0, tvx_write_file(INVVPID_PARAM, "1"));
}

/* ------------------------------------------------------------ p2m updates meet a step */

#define NX_PARAM	"/sys/module/thinvmx/parameters/nx_huge_pages"
#define STEP_R_GPA	(32ULL << 20)	/* a 2 MiB leaf of free RAM */
#define STEP_MMIO_GPA	(128ULL << 20)	/* nothing there: emulated MMIO */
#define STEP_R_GFN	(STEP_R_GPA >> 12)

static int nx_param(const char *val, char *was, size_t len)
{
	const char *s = tvx_read_file(NX_PARAM);

	if (!s)
		return -ENOENT;
	if (was)
		snprintf(was, len, "%.*s", (int)strcspn(s, "\n"), s);
	return tvx_write_file(NX_PARAM, val);
}

/* Read the watched 2 MiB page, write emulated MMIO; then read it again. */
static void guest_movs_to_mmio_then_read(__u64 r, __u64 s)
{
	asm volatile("movsb" : "+S" (r), "+D" (s) : : "memory");
	GUEST_SYNC(*(volatile __u8 *)(uintptr_t)(STEP_R_GPA + 100 * 4096));
	GUEST_DONE();
}

static void step_each_access(struct daemon *dm, const struct thinvmx_event *ev,
			     struct thinvmx_response *rsp)
{
	if (ev->reason == THINVMX_EVENT_MEM_ACCESS)
		rsp->flags = THINVMX_RESPONSE_SINGLESTEP;
}

/*
 * A p2m update while a vCPU's single step has a leaf widened puts the
 * leaf back first. Here (nx_huge_pages off, so that the leaf is a whole
 * 2 MiB page with no right) a MOVSB reads the page, allowed once, and
 * its write to emulated MMIO ends RUN in the middle of the step; the VMM
 * gives one frame of the page a right of its own, which splits it, and
 * drops the MOVSB's write. Every other frame of the page keeps no right: a
 * read of one is reported. (The split used to copy the step's rwx into
 * all 512 new leaves, for good.)
 */
TEST_F(mon, p2m_update_during_a_step_widens_nothing_for_good)
{
	struct tvx_monitor *m;
	struct thinvmx_run *run;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct daemon dm;
	struct tvx_ucall uc;
	char was[8] = "";
	unsigned int i;
	int ret, seen = 0;

	ret = nx_param("off", was, sizeof(was));
	if (ret == -ENOENT)
		SKIP(return, "no nx_huge_pages parameter");
	ASSERT_EQ(0, ret);
	ret = tvx_domain_create_simple(self->h, 64ULL << 20, &d);
	EXPECT_EQ(0, nx_param(strcmp(was, "on") && strcmp(was, "off") ? "auto" : was,
			      NULL, 0));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
	ASSERT_EQ(0, tvx_guest_load_self(d));
	ASSERT_EQ(0, tvx_monitor_attach(d, 0, 0, &m));
	daemon_init(&dm, m, d, 1);
	dm.policy = step_each_access;
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_MEM_ACCESS,
				     THINVMX_MONITOR_MODE_SYNC, 0));
	ASSERT_EQ(0, tvx_set_mem_access(d, STEP_R_GFN, 512, THINVMX_ACCESS_N));
	ASSERT_EQ(0, daemon_start(&dm));

	ASSERT_EQ(0, tvx_start_fn(v, d, guest_movs_to_mmio_then_read,
				  STEP_R_GPA, STEP_MMIO_GPA));
	run = tvx_vcpu_run_page(v);
	ASSERT_EQ(0, tvx_vcpu_run(v));
	ASSERT_EQ(THINVMX_EXIT_MMIO, run->exit_reason);
	EXPECT_EQ(1, run->mmio.is_write);
	/* mid-step: a right for one frame splits the widened page */
	ASSERT_EQ(0, tvx_set_mem_access(d, STEP_R_GFN + 5, 1, THINVMX_ACCESS_RW));
	/* the VMM drops the MOVSB's MMIO write; the next RUN finishes it */
	TVX_RUN_EXPECT(TVX_UCALL_SYNC, v, d, &uc);
	daemon_stop(&dm);
	for (i = 0; i < dm.nr && i < 32; i++)
		seen += dm.evs[i].reason == THINVMX_EVENT_MEM_ACCESS &&
			dm.evs[i].u.mem_access.gfn == STEP_R_GFN + 100;
	EXPECT_EQ(1, seen) TH_LOG("%u events", dm.nr);
	tvx_monitor_detach(m);
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
}

/* ------------------------------------------------------------ lifetime */

/* A daemon process that attaches, monitors @kind sync, and never answers. */
static void silent_daemon(int domain_fd, int ready_fd, __u32 kind)
{
	struct tvx_monitor *m;
	char c = 1;

	if (tvx_monitor_attach_fd(domain_fd, 0, 0, &m) ||
	    tvx_monitor_set(m, kind, THINVMX_MONITOR_MODE_SYNC, 0))
		c = 0;
	if (write(ready_fd, &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static void *kill_later(void *arg)
{
	pid_t pid = (pid_t)(uintptr_t)arg;

	usleep(300 * 1000);
	kill(pid, SIGKILL);
	return NULL;
}

/*
 * Fork a silent daemon for @kind and a thread that kills it 300 ms later;
 * the caller then runs the guest, whose vCPU waits until the kill.
 */
static pid_t silent_daemon_start(struct __test_metadata *_metadata,
				 struct tvx_domain *d, __u32 kind,
				 pthread_t *killer)
{
	struct tvx_monitor *again;
	int pipefd[2];
	pid_t pid;
	char c = 0;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		silent_daemon(tvx_domain_fd(d), pipefd[1], kind);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	ASSERT_EQ(1, c);
	close(pipefd[0]);
	close(pipefd[1]);
	/* the child is the listener now */
	EXPECT_EQ(-EBUSY, tvx_monitor_attach(d, 0, 0, &again));
	ASSERT_EQ(0, pthread_create(killer, NULL, kill_later,
				    (void *)(uintptr_t)pid));
	return pid;
}

static void silent_daemon_reap(struct __test_metadata *_metadata, pid_t pid,
			       pthread_t killer)
{
	int status;

	pthread_join(killer, NULL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
}

TEST_F(mon, daemon_killed_while_the_vcpu_waits_on_a_cr_write)
{
	pthread_t killer;
	__u32 mode = 7;
	pid_t pid;

	tvx_monitor_detach(self->m);
	self->m = NULL;
	pid = silent_daemon_start(_metadata, self->d, THINVMX_MONITOR_CR0, &killer);
	START(guest_cr0_ts, 0);
	/* waits on the child's answer until it dies; then the write happens */
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_TRUE(self->uc.args[0] & CR0_AM);
	RUN_EXPECT(TVX_UCALL_SYNC);
	RUN_EXPECT(TVX_UCALL_DONE);
	silent_daemon_reap(_metadata, pid, killer);

	/* monitoring is off, and a new listener can attach */
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &self->m));
	ASSERT_EQ(0, tvx_monitor_get(self->m, THINVMX_MONITOR_CR0, &mode, NULL));
	EXPECT_EQ(THINVMX_MONITOR_MODE_DISABLED, mode);
}

TEST_F(mon, daemon_killed_while_the_vcpu_waits_on_an_int3)
{
	pthread_t killer;
	pid_t pid;

	tvx_monitor_detach(self->m);
	self->m = NULL;
	pid = silent_daemon_start(_metadata, self->d, THINVMX_MONITOR_INT3, &killer);
	START(guest_int3, 0);
	/* nobody answers: the INT3 reaches the guest's own handler */
	EXPECT_GUEST_BP();
	silent_daemon_reap(_metadata, pid, killer);
}

/* ------------------------------------------------------------ a daemon that never answers */

static void *detach_later(void *arg)
{
	usleep(300 * 1000);
	return (void *)(uintptr_t)-tvx_domain_detach_monitor(arg);
}

/*
 * The domain's owner detaches a listener that never answers, whoever
 * attached it -- here another process, which keeps its fd: the waiting
 * vCPU resumes unwatched. A listener detached so fails every call with
 * -ENODEV and polls EPOLLERR, and does not stop a new one attaching.
 */
TEST_F(mon, owner_detaches_a_listener_that_never_answers)
{
	struct tvx_monitor *second;
	struct pollfd pfd;
	pthread_t detacher;
	void *ret;
	int status, pipefd[2];
	pid_t pid;
	char c = 0;

	tvx_monitor_detach(self->m);
	self->m = NULL;
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		silent_daemon(tvx_domain_fd(self->d), pipefd[1], THINVMX_MONITOR_INT3);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	ASSERT_EQ(1, c);
	close(pipefd[0]);
	close(pipefd[1]);
	ASSERT_EQ(0, pthread_create(&detacher, NULL, detach_later, self->d));
	START(guest_int3, 0);
	/* waits for the child's answer until the owner detaches it */
	EXPECT_GUEST_BP();
	pthread_join(detacher, &ret);
	EXPECT_EQ(0, (int)(uintptr_t)ret);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));

	/* in this process: a listener, detached while its fd stays open */
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &self->m));
	SET(INT3, SYNC, 0);
	ASSERT_EQ(0, tvx_domain_detach_monitor(self->d));
	EXPECT_EQ(-ENOENT, tvx_domain_detach_monitor(self->d));
	EXPECT_EQ(-ENODEV, tvx_monitor_doorbell(self->m, 1));
	EXPECT_EQ(-ENODEV, tvx_monitor_set(self->m, THINVMX_MONITOR_CR0,
					   THINVMX_MONITOR_MODE_SYNC, 0));
	EXPECT_EQ(-ENODEV, tvx_monitor_set_sync_timeout(self->m, 1000));
	pfd = (struct pollfd){ .fd = tvx_monitor_fd(self->m), .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLERR);
	/* monitoring went with it; a new listener attaches */
	START(guest_int3, 0);
	EXPECT_GUEST_BP();
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &second));
	tvx_monitor_detach(second);
}

/*
 * A listener's sync timeout: a vCPU that waited that long goes on with
 * the default answer (the INT3 reaches the guest), the timeout is
 * counted, and the answer that comes later is refused, never taken for
 * the next event's.
 */
TEST_F(mon, sync_timeout_resumes_with_the_default_answer)
{
	struct timespec t0, t1;
	long ms;

	EXPECT_EQ(-EINVAL, tvx_monitor_set_sync_timeout(self->m, ~0ULL));
	ASSERT_EQ(0, tvx_monitor_set_sync_timeout(self->m, 200 * 1000000ULL));
	SET(INT3, SYNC, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	START(guest_int3, 0);
	EXPECT_GUEST_BP();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EXPECT_LE(190, ms);
	EXPECT_EQ(1, tvx_monitor_timeouts(self->m, 0));

	/* the daemon answers late (SKIP), then the next event in time */
	self->dm.answer[THINVMX_EVENT_INT3] = THINVMX_RESPONSE_SKIP;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_int3, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x33, self->uc.args[0]);
	daemon_stop(&self->dm);
	EXPECT_EQ(2, self->dm.count[THINVMX_EVENT_INT3]);
	EXPECT_EQ(1, tvx_monitor_refused(self->m, 0));
	EXPECT_EQ(1, tvx_monitor_timeouts(self->m, 0));
}

/* A VMM killed while its vCPU waits for an answer dies: RUN ends. */
TEST_F(mon, sigkill_ends_a_run_waiting_for_an_answer)
{
	struct tvx_ucall uc;
	int status, i;
	pid_t pid;

	SET(INT3, SYNC, 0);
	START(guest_int3, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(tvx_run_until_ucall(self->v, self->d, &uc) + 100);
	usleep(300 * 1000);
	ASSERT_EQ(0, waitpid(pid, &status, WNOHANG));	/* still waiting */
	kill(pid, SIGKILL);
	for (i = 0; i < 100 && waitpid(pid, &status, WNOHANG) != pid; i++)
		usleep(50 * 1000);
	ASSERT_GT(100, i) TH_LOG("the killed VMM did not die in 5 s");
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
}

/* ------------------------------------------------------------ volume */

TEST_F_TIMEOUT(mon, async_cr3_100000_events_in_order, 600)
{
	const __u64 n = 100000;
	struct timespec t0, t1;
	__u64 waits;

	SET(CR3, ASYNC, 0);
	/* late: the vCPU fills its ring (4096) and must wait for room */
	self->dm.delay_ms = 3000;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_cr3, n - 2);	/* n - 2 loads, the copy, and back */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	RUN_EXPECT(TVX_UCALL_DONE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* let the daemon catch up */
	for (int i = 0; i < 500 && self->dm.count[THINVMX_EVENT_CR3] < n; i++)
		usleep(10 * 1000);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	EXPECT_EQ(n, self->dm.count[THINVMX_EVENT_CR3]);
	EXPECT_EQ(n, self->dm.last_seq);
	EXPECT_EQ(0, self->dm.seq_gaps);
	waits = tvx_monitor_full_waits(self->m, 0);
	EXPECT_LT(0, waits);
	TH_LOG("%llu events in %.1f s, the vCPU waited for room %llu times",
	       (unsigned long long)n, (t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9, (unsigned long long)waits);
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

TEST_F(mon, two_vcpus_two_daemon_threads)
{
	const __u64 n = 300;
	struct daemon dm1;
	struct tvx_vcpu *v1;
	struct runner r0, r1;
	pthread_t t1;

	/* a ring for vCPU 1 too */
	tvx_monitor_detach(self->m);
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 2, &self->m));
	ASSERT_EQ(2, tvx_monitor_nr_vcpus(self->m));
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 1, &v1));
	SET(INT3, SYNC, 0);
	daemon_init(&self->dm, self->m, self->d, 1);
	daemon_init(&dm1, self->m, self->d, 2);
	self->dm.answer[THINVMX_EVENT_INT3] = THINVMX_RESPONSE_SKIP;
	dm1.answer[THINVMX_EVENT_INT3] = THINVMX_RESPONSE_SKIP;
	ASSERT_EQ(0, daemon_start(&self->dm));
	ASSERT_EQ(0, daemon_start(&dm1));

	start(self->v, self->d, (void (*)(void))guest_int3_loop, n);
	/* vCPU 1 on a stack of its own */
	{
		struct tvx_guest_layout l;

		ASSERT_EQ(0, tvx_guest_layout(self->d, &l));
		ASSERT_EQ(0, tvx_vcpu_setup_long_mode(v1, self->d,
				(__u64)(uintptr_t)guest_int3_loop, l.stack_top[1]));
	}
	tvx_vcpu_set_args(v1, n, 0, 0);

	r0 = (struct runner){ .v = self->v, .d = self->d };
	r1 = (struct runner){ .v = v1, .d = self->d };
	ASSERT_EQ(0, pthread_create(&t1, NULL, run_vcpu, &r1));
	run_vcpu(&r0);
	pthread_join(t1, NULL);
	daemon_stop(&self->dm);
	daemon_stop(&dm1);
	EXPECT_EQ(TVX_UCALL_DONE, r0.ret);
	EXPECT_EQ(TVX_UCALL_DONE, r1.ret);
	EXPECT_EQ(n, self->dm.count[THINVMX_EVENT_INT3]);
	EXPECT_EQ(n, dm1.count[THINVMX_EVENT_INT3]);
	EXPECT_EQ(0, self->dm.wrong_vcpu);
	EXPECT_EQ(0, dm1.wrong_vcpu);
	tvx_vcpu_destroy(v1);
}

/* ------------------------------------------------------------ injection */

static __u32 inject_result = ~0U;

/*
 * #GP(@code) into the vCPU that waits on the first event, its result kept;
 * a second one while the first waits must be -EBUSY.
 */
static void inject_gp_first(struct daemon *dm, const struct thinvmx_event *ev,
			    __u32 code)
{
	struct thinvmx_inject_trap t = {
		.vcpu = ev->vcpu, .vector = 13, .type = THINVMX_TRAP_HW_EXCEPTION,
		.flags = THINVMX_TRAP_F_ERROR_CODE, .error_code = code,
	};

	if (ev->seq != 1)
		return;
	dm->error = tvx_monitor_inject(dm->m, &t);
	inject_result = t.result;
	t.result = 0;		/* out only */
	if (!dm->error && tvx_monitor_inject(dm->m, &t) != -EBUSY)
		dm->error = -EPROTO;
}

static void inject_gp(struct daemon *dm, const struct thinvmx_event *ev,
		      struct thinvmx_response *rsp)
{
	rsp->flags = THINVMX_RESPONSE_SKIP;
	inject_gp_first(dm, ev, 0x18);
}

TEST_F(mon, trap_injected_while_the_vcpu_waits)
{
	SET(INT3, SYNC, 0);
	self->dm.policy = inject_gp;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_int3, 0);
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	/* paused with nothing pending: settled at once */
	EXPECT_EQ(THINVMX_TRAP_RESULT_DELIVERED, inject_result);
	EXPECT_EQ(13, self->uc.args[0]);
	EXPECT_EQ(0x18, self->uc.args[1]);
	/* delivered after the skip: at the NOP after the INT3 */
	EXPECT_EQ((__u64)(uintptr_t)int3_site + 1, self->uc.args[2]);
}

/*
 * A #GP whose delivery writes a stack page the guest may only read: the
 * exit comes during the delivery, the #GP is pending again when the
 * vCPU pauses on the mem_access event, and a #GP injected then meets it:
 * #DF, which runs on its own stack (IST1) to the guest's handler.
 */
static __u8 fault_stack[4096] __attribute__((aligned(4096)));

static void guest_gp_on_a_read_only_stack(void)
{
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "mov %0, %%rsp\n\t"
		     "wrmsr\n\t"		/* no such MSR: #GP */
		     "mov %%rbx, %%rsp"
		     : : "r" (fault_stack + sizeof(fault_stack)), "c" (0x12345678),
		       "a" (0), "d" (0) : "rbx", "memory");
	GUEST_DONE();
}

static void inject_gp_once(struct daemon *dm, const struct thinvmx_event *ev,
			   struct thinvmx_response *rsp)
{
	inject_gp_first(dm, ev, 0);
}

TEST_F(mon, trap_meets_the_pending_exception_as_a_double_fault)
{
	SET(MEM_ACCESS, SYNC, 0);
	ASSERT_EQ(0, tvx_set_mem_access(self->d, (__u64)(uintptr_t)fault_stack >> 12,
					1, THINVMX_ACCESS_R));
	self->dm.policy = inject_gp_once;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_gp_on_a_read_only_stack, 0);
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	EXPECT_EQ(THINVMX_TRAP_RESULT_MERGED_DF, inject_result);
	EXPECT_EQ(8, self->uc.args[0]);		/* #DF */
	EXPECT_EQ(0, self->uc.args[1]);
	ASSERT_LE(1, self->dm.nr);
	EXPECT_EQ(THINVMX_EVENT_MEM_ACCESS, self->dm.evs[0].reason);
	EXPECT_EQ(THINVMX_EVENT_ACCESS_W, self->dm.evs[0].u.mem_access.access);
}

/*
 * The same #GP, now with the #DF stack (IST1) read-only too: the #GP
 * injected on the first event meets the pending #GP as #DF, whose
 * delivery faults in turn; a second #GP injected then meets the pending
 * #DF, and the vCPU shuts down as the CPU would (a triple fault). From a
 * third event on -- only without the shutdown -- both stacks are made
 * writable and the #DF reaches the guest's handler.
 */
static __u64 df_stack_gfn;
static __u32 df_results[2];

static void inject_gp_twice(struct daemon *dm, const struct thinvmx_event *ev,
			    struct thinvmx_response *rsp)
{
	struct thinvmx_inject_trap t = {
		.vcpu = ev->vcpu, .vector = 13, .type = THINVMX_TRAP_HW_EXCEPTION,
		.flags = THINVMX_TRAP_F_ERROR_CODE,
	};

	if (ev->reason != THINVMX_EVENT_MEM_ACCESS)
		return;
	if (dm->count[THINVMX_EVENT_MEM_ACCESS] <= 2) {
		dm->error = tvx_monitor_inject(dm->m, &t);
		df_results[dm->count[THINVMX_EVENT_MEM_ACCESS] - 1] = t.result;
		return;
	}
	tvx_set_mem_access(dm->d, (__u64)(uintptr_t)fault_stack >> 12, 1,
			   THINVMX_ACCESS_RWX);
	tvx_set_mem_access(dm->d, df_stack_gfn, 1, THINVMX_ACCESS_RWX);
}

TEST_F(mon, trap_meeting_a_pending_double_fault_shuts_the_vcpu_down)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);
	struct tvx_guest_layout l;
	int ret;

	ASSERT_EQ(0, tvx_guest_layout(self->d, &l));
	df_stack_gfn = (l.ist - 8) >> 12;
	SET(MEM_ACCESS, SYNC, 0);
	ASSERT_EQ(0, tvx_set_mem_access(self->d, (__u64)(uintptr_t)fault_stack >> 12,
					1, THINVMX_ACCESS_R));
	ASSERT_EQ(0, tvx_set_mem_access(self->d, df_stack_gfn, 1, THINVMX_ACCESS_R));
	self->dm.policy = inject_gp_twice;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_gp_on_a_read_only_stack, 0);
	ret = tvx_vcpu_run(self->v);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	EXPECT_EQ(THINVMX_TRAP_RESULT_MERGED_DF, df_results[0]);
	EXPECT_EQ(THINVMX_TRAP_RESULT_SHUTDOWN, df_results[1]);
	EXPECT_EQ(2, self->dm.count[THINVMX_EVENT_MEM_ACCESS]);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(THINVMX_EXIT_SHUTDOWN, run->exit_reason);
	/* a vCPU that shut down stays down */
	EXPECT_EQ(-EIO, tvx_vcpu_run(self->v));
}

/*
 * A 32-bit guest with PAE paging, as raw code in low memory: it loads CR3
 * with a second PDPT; every exception handler writes its vector to
 * PAE_PORT and halts.
 */
#define PAE_CODE	0x10000
#define PAE_IDT		0x11000
#define PAE_STUBS	0x12000
#define PAE_GDT		0x13000
#define PAE_PDPT_A	0x14000
#define PAE_PDPT_B	0x14020
#define PAE_PD		0x15000
#define PAE_TSS		0x16000
#define PAE_STACK	0x17000
#define PAE_PORT	0x80

static int pae_guest_start(struct tvx_domain *d, struct tvx_vcpu *v)
{
	static const __u8 code[] = {
		0xb8, PAE_PDPT_B & 0xff, (PAE_PDPT_B >> 8) & 0xff,
		PAE_PDPT_B >> 16, 0,		/* mov $PAE_PDPT_B, %eax */
		0x0f, 0x22, 0xd8,		/* mov %eax, %cr3 */
		0xb0, 0x77,			/* mov $0x77, %al */
		0xe6, PAE_PORT,			/* out %al, $PAE_PORT */
		0xf4,				/* hlt */
	};
	const __u64 gdt[3] = { 0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL };
	struct thinvmx_sregs s = { 0 };
	struct thinvmx_regs r = { 0 };
	__u8 *mem = tvx_gpa(d, 0);
	__u32 vec;
	int ret;

	memcpy(mem + PAE_CODE, code, sizeof(code));
	memcpy(mem + PAE_GDT, gdt, sizeof(gdt));
	for (vec = 0; vec < 32; vec++) {
		__u32 addr = PAE_STUBS + vec * 16;
		__u8 stub[] = {
			0xb0, vec,		/* mov $vec, %al */
			0xe6, PAE_PORT,		/* out %al, $PAE_PORT */
			0xf4,			/* 1: hlt */
			0xeb, 0xfd,		/* jmp 1b */
		};
		__u32 gate[2] = {
			(addr & 0xffff) | (8 << 16),
			(addr & 0xffff0000) | 0x8e00,	/* 32-bit interrupt gate */
		};

		memcpy(mem + addr, stub, sizeof(stub));
		memcpy(mem + PAE_IDT + vec * 8, gate, sizeof(gate));
	}
	((__u64 *)(mem + PAE_PD))[0] = 0x83;		/* 2 MiB at 0, writable */
	((__u64 *)(mem + PAE_PDPT_A))[0] = PAE_PD | 1;
	((__u64 *)(mem + PAE_PDPT_B))[0] = PAE_PD | 1;

	tvx_test_seg(&s.cs, 8, 0, 0xffffffff, 0xc09b);
	tvx_test_seg(&s.ds, 0x10, 0, 0xffffffff, 0xc093);
	s.es = s.ds;
	s.ss = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	tvx_test_seg(&s.tr, 0x18, PAE_TSS, 0x67, 0x8b);
	tvx_test_seg(&s.ldt, 0, 0, 0, 0x10000);
	s.gdt.base = PAE_GDT;
	s.gdt.limit = 0x1f;
	s.idt.base = PAE_IDT;
	s.idt.limit = 32 * 8 - 1;
	s.cr0 = 0x80000031;		/* PG, NE, ET, PE */
	s.cr3 = PAE_PDPT_A;
	s.cr4 = 0x20;			/* PAE */
	ret = tvx_set_sregs(v, &s);
	if (ret)
		return ret;
	r.rip = PAE_CODE;
	r.rsp = PAE_STACK;
	r.rflags = 2;
	return tvx_set_regs(v, &r);
}

/*
 * On the CR3 event: the new PDPT is made unusable (a reserved bit in a
 * present entry) and a #UD injected while the vCPU waits; the answer lets
 * the write happen, if it can.
 */
static void break_pdpt_inject_ud(struct daemon *dm, const struct thinvmx_event *ev,
				 struct thinvmx_response *rsp)
{
	struct thinvmx_inject_trap t = {
		.vcpu = ev->vcpu, .vector = 6, .type = THINVMX_TRAP_HW_EXCEPTION,
	};
	__u64 *pdpt = tvx_gpa(dm->d, PAE_PDPT_B);

	if (ev->reason != THINVMX_EVENT_CR3)
		return;
	pdpt[0] |= 1ULL << 1;		/* reserved in a PAE PDPTE */
	dm->error = tvx_monitor_inject(dm->m, &t);
	inject_result = t.result;
	rsp->flags = 0;
}

/*
 * The answer's CR3 write fails when it is done (the PDPT changed while the
 * vCPU waited): its #GP meets the #UD settled during the wait. The #GP,
 * the MOV's own fault, is not overwritten: the two are handled as the SDM
 * says (contributory, then benign: one after the other), #GP first. The
 * #UD goes in at the entry after the #GP's delivery: usually the #GP stub
 * has run its first instructions by then (the guest reports 13, then 6);
 * when an exit comes at the end of the #GP's delivery or after the stub's
 * first instruction (a timer, say), the #UD is delivered before the stub
 * reports, and the stack shows the order: the #UD's frame returns into
 * the #GP stub, above the #GP's own frame (error code 0, the MOV to CR3).
 */
TEST_F(mon, exception_of_an_answer_meets_the_trap_settled_meanwhile)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);
	struct thinvmx_run first = { 0 }, second = { 0 };
	struct thinvmx_regs r1 = { 0 };
	__u32 frames[7] = { 0 };
	int ret1, ret2 = -1;

	SET(CR3, SYNC, 0);
	ASSERT_EQ(0, pae_guest_start(self->d, self->v));
	self->dm.policy = break_pdpt_inject_ud;
	ASSERT_EQ(0, daemon_start(&self->dm));
	ret1 = tvx_vcpu_run(self->v);
	first = *run;
	ASSERT_EQ(0, tvx_get_regs(self->v, &r1));
	/* the stack below the first stub: 32-bit frames, no error code for #UD */
	if (r1.rsp >= PAE_TSS && r1.rsp + sizeof(frames) <= PAE_STACK)
		memcpy(frames, tvx_gpa(self->d, r1.rsp), sizeof(frames));
	if (!ret1 && run->exit_reason == THINVMX_EXIT_IO &&
	    (first.io.data & 0xff) == 13) {
		ret2 = tvx_vcpu_run(self->v);
		second = *run;
	}
	daemon_stop(&self->dm);
	ASSERT_EQ(0, ret1);
	ASSERT_EQ(THINVMX_EXIT_IO, first.exit_reason);
	EXPECT_EQ(PAE_PORT, first.io.port);
	if ((first.io.data & 0xff) == 13) {
		TH_LOG("the #GP stub ran first, then the #UD came");
		ASSERT_EQ(0, ret2);
		ASSERT_EQ(THINVMX_EXIT_IO, second.exit_reason);
		EXPECT_EQ(6, second.io.data & 0xff);
	} else {
		TH_LOG("the #UD came before the #GP stub reported");
		EXPECT_EQ(6, first.io.data & 0xff);
		/* #UD: back into the #GP stub, before its OUT */
		EXPECT_LE(PAE_STUBS + 13 * 16, frames[0]);
		EXPECT_GE(PAE_STUBS + 13 * 16 + 2, frames[0]);
		EXPECT_EQ(0, frames[3]);			/* #GP: error code */
		EXPECT_EQ(PAE_CODE + 5, frames[4]);		/* #GP: the MOV to CR3 */
	}
	EXPECT_EQ(0, self->dm.error);
	EXPECT_EQ(THINVMX_TRAP_RESULT_DELIVERED, inject_result);
	EXPECT_EQ(1, self->dm.count[THINVMX_EVENT_CR3]);
}

/*
 * The same pair with the stubs' page made non-executable: the #GP is
 * delivered, and the fetch of its stub's first instruction exits
 * (MEM_ACCESS, to the VMM) before the stub runs. The #UD waiting behind
 * the #GP goes in at the next entry, so it is delivered before the #GP
 * stub's first instruction: the order the stack shows in the test above
 * when a timer makes that exit. (A timer may come first here too: then
 * the #UD is in already, and the fetch that exits is its stub's.)
 */
TEST_F(mon, a_trap_waiting_behind_a_fault_comes_before_its_handler_runs)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);
	struct thinvmx_regs r = { 0 };
	__u32 frames[7] = { 0 };
	int ret;

	SET(CR3, SYNC, 0);
	ASSERT_EQ(0, pae_guest_start(self->d, self->v));
	ASSERT_EQ(0, tvx_set_mem_access(self->d, PAE_STUBS >> 12, 1, THINVMX_ACCESS_RW));
	self->dm.policy = break_pdpt_inject_ud;
	ASSERT_EQ(0, daemon_start(&self->dm));
	ret = tvx_vcpu_run(self->v);
	daemon_stop(&self->dm);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(THINVMX_EXIT_MEM_ACCESS, run->exit_reason);
	/*
	 * The fetch of the #GP stub; or, when another exit (a timer) came
	 * between the #GP's delivery and that fetch, of the #UD stub: the
	 * #UD went in at that exit's entry. The frames are the same.
	 */
	if (run->mem_access.gpa != PAE_STUBS + 6 * 16)
		EXPECT_EQ(PAE_STUBS + 13 * 16, run->mem_access.gpa);
	EXPECT_EQ(THINVMX_TRAP_RESULT_DELIVERED, inject_result);

	ASSERT_EQ(0, tvx_set_mem_access(self->d, PAE_STUBS >> 12, 1, THINVMX_ACCESS_RWX));
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	ASSERT_EQ(THINVMX_EXIT_IO, run->exit_reason);
	EXPECT_EQ(6, run->io.data & 0xff);
	ASSERT_EQ(0, tvx_get_regs(self->v, &r));
	ASSERT_GE(PAE_STACK - sizeof(frames), r.rsp);
	memcpy(frames, tvx_gpa(self->d, r.rsp), sizeof(frames));
	EXPECT_EQ(PAE_STUBS + 13 * 16, frames[0]);	/* #UD: to the #GP stub */
	EXPECT_EQ(0, frames[3]);			/* #GP: error code */
	EXPECT_EQ(PAE_CODE + 5, frames[4]);		/* #GP: the MOV to CR3 */
	EXPECT_EQ(0, self->dm.error);
}

/* ------------------------------------------------------------ safety */

TEST_F(mon, guest_cannot_reach_its_monitoring)
{
	__u32 mode, flags;
	__u64 which;

	SET(CR0, ASYNC, 0);
	SET(INT3, SYNC, 0);
	for (which = 0; which <= 5; which++) {
		int ret;

		START(guest_attempt, which);
		ret = tvx_run_until_ucall(self->v, self->d, &self->uc);
		/* a fault ends the attempt; the ones that go on report */
		if (ret == TVX_UCALL_SYNC) {
			EXPECT_EQ(0xa77, self->uc.args[0]);
			RUN_EXPECT(TVX_UCALL_DONE);
		} else {
			EXPECT_EQ(TVX_UCALL_UNHANDLED, ret);
			TH_LOG("attempt %llu: exception %llu", (unsigned long long)which,
			       (unsigned long long)self->uc.args[0]);
		}
		ASSERT_EQ(0, tvx_monitor_get(self->m, THINVMX_MONITOR_CR0, &mode, &flags));
		EXPECT_EQ(THINVMX_MONITOR_MODE_ASYNC, mode);
		ASSERT_EQ(0, tvx_monitor_get(self->m, THINVMX_MONITOR_INT3, &mode, &flags));
		EXPECT_EQ(THINVMX_MONITOR_MODE_SYNC, mode);
	}
	/* and the monitoring still works */
	START(guest_cr0_ts, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(1, daemon_drain(&self->dm));
	EXPECT_EQ(1, self->dm.count[THINVMX_EVENT_CR0]);
}

/* ------------------------------------------------------------ arguments */

TEST_F(mon, listener_argument_checks)
{
	struct thinvmx_attach_monitor a = { 0 };
	struct thinvmx_monitor s = { 0 };
	struct thinvmx_doorbell db = { 0 };
	struct thinvmx_create_vcpu cv = { .id = 5 };
	int dfd = tvx_domain_fd(self->d), fd = tvx_monitor_fd(self->m);
	struct tvx_monitor *m2;
	void *p;

	EXPECT_EQ(-EBUSY, tvx_monitor_attach(self->d, 0, 0, &m2));
	a.slots_log2 = 3;
	EXPECT_EQ(-1, ioctl(dfd, THINVMX_ATTACH_MONITOR, &a));
	EXPECT_EQ(EINVAL, errno);
	a = (struct thinvmx_attach_monitor){ .reserved = { 1 } };
	EXPECT_EQ(-1, ioctl(dfd, THINVMX_ATTACH_MONITOR, &a));
	EXPECT_EQ(EINVAL, errno);

	/* on-change-only is for CR writes only; unknown kinds and modes */
	s = (struct thinvmx_monitor){ .kind = THINVMX_MONITOR_INT3,
				      .mode = THINVMX_MONITOR_MODE_SYNC,
				      .flags = THINVMX_MONITOR_F_ON_CHANGE_ONLY };
	EXPECT_EQ(-1, ioctl(fd, THINVMX_SET_MONITOR, &s));
	EXPECT_EQ(EINVAL, errno);
	s = (struct thinvmx_monitor){ .kind = 99, .mode = 1 };
	EXPECT_EQ(-1, ioctl(fd, THINVMX_SET_MONITOR, &s));
	EXPECT_EQ(EINVAL, errno);
	s = (struct thinvmx_monitor){ .kind = THINVMX_MONITOR_CR0, .mode = 3 };
	EXPECT_EQ(-1, ioctl(fd, THINVMX_SET_MONITOR, &s));
	EXPECT_EQ(EINVAL, errno);
	/* the listener's ioctls are not the domain's */
	s = (struct thinvmx_monitor){ .kind = THINVMX_MONITOR_CR0, .mode = 1 };
	EXPECT_EQ(-1, ioctl(dfd, THINVMX_SET_MONITOR, &s));
	EXPECT_EQ(ENOTTY, errno);

	/* doorbell: no such vCPU, reserved bits */
	db.vcpu_mask = 2;
	EXPECT_EQ(-1, ioctl(fd, THINVMX_MONITOR_DOORBELL, &db));
	EXPECT_EQ(EINVAL, errno);
	db = (struct thinvmx_doorbell){ .vcpu_mask = 1, .reserved = { 1 } };
	EXPECT_EQ(-1, ioctl(fd, THINVMX_MONITOR_DOORBELL, &db));
	EXPECT_EQ(EINVAL, errno);

	/* the mapping is all or nothing, never executable */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, THINVMX_RING_VCPU_SIZE(12), PROT_READ | PROT_EXEC,
		 MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);

	/* no ring for a vCPU created later with a higher id */
	EXPECT_EQ(-1, ioctl(dfd, THINVMX_CREATE_VCPU, &cv));
	EXPECT_EQ(EBUSY, errno);
}

/* Neither the owner nor CAP_SYS_ADMIN: no listener. A larger ring on request. */
TEST_F(mon, attach_permission_and_ring_size)
{
	struct tvx_monitor *m;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* uid 65534 owns nothing and has no capabilities */
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(tvx_monitor_attach(self->d, 0, 0, &m) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* 8192 slots: twice the default ring, and it works */
	tvx_monitor_detach(self->m);
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 13, 0, &self->m));
	EXPECT_EQ(THINVMX_RING_VCPU_SIZE(13), 2 * 4096 + 2 * (256ULL << 13));
	SET(CR0, ASYNC, 0);
	daemon_init(&self->dm, self->m, self->d, 1);
	START(guest_cr0_ts, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(1, daemon_drain(&self->dm));
}

/*
 * Rings the host cannot give (64 vCPUs of 65,536 slots: 2 GiB, in a boot
 * of 256 MiB) are -ENOMEM at once, no OOM kill; a listener still attaches
 * afterwards. A second listener is -EBUSY before anything is allocated.
 */
TEST_F(mon, rings_too_large_for_the_host_are_enomem)
{
	struct thinvmx_attach_monitor a = { .slots_log2 = 16, .nr_vcpus = 64 };
	int dfd = tvx_domain_fd(self->d);
	long before = 0;
	const char *s;

	EXPECT_EQ(-1, ioctl(dfd, THINVMX_ATTACH_MONITOR, &a));
	EXPECT_EQ(EBUSY, errno);
	tvx_monitor_detach(self->m);
	self->m = NULL;
	s = tvx_read_file("/proc/meminfo");
	if (s)
		sscanf(s, "MemTotal: %ld kB", &before);
	if (before && before < (4L << 20)) {
		EXPECT_EQ(-1, ioctl(dfd, THINVMX_ATTACH_MONITOR, &a));
		EXPECT_EQ(ENOMEM, errno);
	}
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &self->m));
}

/* Answers nobody waits for, and ones for another event, are refused. */
TEST_F(mon, bad_answers_are_refused)
{
	struct thinvmx_ring_header *rsp_hdr;
	struct thinvmx_response *slots, r = {
		.version = THINVMX_EVENT_VERSION, .reason = THINVMX_EVENT_CR0,
		.vcpu = 0, .seq = 1,
	};
	struct thinvmx_doorbell db = { .vcpu_mask = 1 };
	int fd = tvx_monitor_fd(self->m);
	void *area;

	SET(INT3, SYNC, 0);
	area = mmap(NULL, THINVMX_RING_VCPU_SIZE(12), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, area);
	rsp_hdr = (void *)((char *)area + 4096 + (256 << 12));
	slots = (void *)((char *)rsp_hdr + 4096);
	/* nothing waits: -EINVAL, the record consumed */
	slots[0] = r;
	__atomic_store_n(&rsp_hdr->prod, 1, __ATOMIC_RELEASE);
	EXPECT_EQ(-1, ioctl(fd, THINVMX_MONITOR_DOORBELL, &db));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, __atomic_load_n(&rsp_hdr->cons, __ATOMIC_ACQUIRE));
	EXPECT_EQ(1, tvx_monitor_refused(self->m, 0));
	/* an impossible producer index breaks the listener */
	__atomic_store_n(&rsp_hdr->prod, 1 + 100000, __ATOMIC_RELEASE);
	EXPECT_EQ(-1, ioctl(fd, THINVMX_MONITOR_DOORBELL, &db));
	EXPECT_EQ(EPROTO, errno);
	munmap(area, THINVMX_RING_VCPU_SIZE(12));
	/* every call on it fails so; the guest is not stuck on it */
	EXPECT_EQ(-EPROTO, tvx_monitor_set(self->m, THINVMX_MONITOR_CR0,
					   THINVMX_MONITOR_MODE_SYNC, 0));
	START(guest_int3, 0);
	EXPECT_GUEST_BP();
}

/* A consumer index the listener cannot have written breaks it, not the guest. */
TEST_F(mon, hostile_request_ring_index)
{
	struct thinvmx_ring_header *req_hdr;
	struct thinvmx_doorbell db = { .vcpu_mask = 1 };
	int fd = tvx_monitor_fd(self->m);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	void *area;

	area = mmap(NULL, THINVMX_RING_VCPU_SIZE(12), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, area);
	req_hdr = area;
	__atomic_store_n(&req_hdr->cons, 12345, __ATOMIC_RELEASE);
	SET(CR0, SYNC, 0);
	START(guest_cr0_ts, 0);
	/* the event cannot be sent: the write happens as if unwatched */
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_TRUE(self->uc.args[0] & CR0_AM);
	RUN_EXPECT(TVX_UCALL_SYNC);
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLERR);
	EXPECT_EQ(-1, ioctl(fd, THINVMX_MONITOR_DOORBELL, &db));
	EXPECT_EQ(EPROTO, errno);
	munmap(area, THINVMX_RING_VCPU_SIZE(12));
}

TEST_HARNESS_MAIN
