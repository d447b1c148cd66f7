// SPDX-License-Identifier: GPL-2.0
/*
 * The event kinds past CR, INT3, mem_access and MSR (Xen's vm_event kinds,
 * uapi/thinvmx_introspect.h): XCR0, CPUID, descriptor-table accesses,
 * debug exceptions, guest requests and port I/O, each async and sync with
 * a guest that triggers it, and each answer that changes the outcome
 * (DENY, SET_REGS, REINJECT) changing it; MSR writes of a domain guest;
 * the eight descriptor-table instructions carried out by the module in
 * 64-bit mode, register and memory forms, with their faults; the bad
 * inputs.
 *
 * Requires: root, the thinvmx module, usable VMX; descriptor-table
 * exiting for the DESC_ACCESS tests (Bochs has it; they SKIP without);
 * XSAVE enabled in the host for the XCR0 tests. Guests are C functions of
 * this test in long mode, as in monitor_test.c.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"
#include "tvx_daemon.h"

#define RFLAGS_TF	(1ULL << 8)
#define CR4_OSXSAVE	(1ULL << 18)
#define PORT_OUT	0x80
#define PORT_IN		0x81
#define DR6_BS		(1ULL << 14)

/* ------------------------------------------------------------ guests */

static inline void guest_xsetbv(__u64 v)
{
	asm volatile("xsetbv" : : "c" (0), "a" ((__u32)v), "d" ((__u32)(v >> 32))
		     : "memory");
}

static inline __u64 guest_xgetbv(void)
{
	__u32 a, d;

	asm volatile("xgetbv" : "=a" (a), "=d" (d) : "c" (0));
	return a | (__u64)d << 32;
}

/*
 * XCR0 to x87|SSE, the same again, x87 alone, back: reported together
 * after the last (library code may use AVX, so nothing runs between);
 * then AVX without SSE, which is #GP.
 */
static void guest_xcr0(void)
{
	__u64 orig, a, b, c;

	if (!(tvx_read_cr4() & CR4_OSXSAVE))
		GUEST_SYNC(0, 0, 0, 0, 0);	/* the host skips */
	orig = guest_xgetbv();
	guest_xsetbv(3);
	a = guest_xgetbv();
	guest_xsetbv(3);
	guest_xsetbv(1);
	b = guest_xgetbv();
	guest_xsetbv(orig);
	c = guest_xgetbv();
	GUEST_SYNC(1, orig, a, b, c);
	guest_xsetbv(4);
	GUEST_DONE();
}

/* CPUID leaf 0, its result reported */
static void guest_cpuid(void)
{
	__u32 a, b, c, d;

	tvx_cpuid(0, 0, &a, &b, &c, &d);
	GUEST_SYNC(a, b, c, d);
	GUEST_DONE();
}

/* An OUT and an IN; what the IN read reported. */
static void guest_io(void)
{
	tvx_outb(PORT_OUT, 0x5a);
	GUEST_SYNC(tvx_inb(PORT_IN));
	GUEST_DONE();
}

static const __u8 two_bytes[2] = { 0x11, 0x22 };

/* REP OUTSB of two bytes; RCX and how far RSI went reported. */
static void guest_outs(void)
{
	const __u8 *p = two_bytes;
	__u64 n = 2;

	asm volatile("cld; rep outsb" : "+S" (p), "+c" (n) : "d" (PORT_OUT)
		     : "memory");
	GUEST_SYNC(n, (__u64)(uintptr_t)(p - two_bytes));
	GUEST_DONE();
}

/* One ICEBP (INT1) at icebp_site, then a SYNC. */
extern char icebp_site[];
static void guest_icebp(void)
{
	asm volatile(".globl icebp_site\n\ticebp_site: .byte 0xf1\n\tnop"
		     : : : "memory");
	GUEST_SYNC(0xdb);
	GUEST_DONE();
}

/* RFLAGS.TF for a few instructions. */
static void guest_tf(void)
{
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq; nop; nop; "
		     "pushfq; andq $~0x100, (%%rsp); popfq" : : : "memory", "cc");
	GUEST_SYNC(0x7f);
	GUEST_DONE();
}

static __u8 watched[4096] __attribute__((aligned(4096)));

/* A write to the watched frame with the guest's own TF on: one #DB after it */
extern char tf_write_site[];
static void guest_tf_write(void)
{
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
		     ".globl tf_write_site\n\ttf_write_site: movb $1, %0\n\t"
		     "nop" : "=m" (watched[8]) : : "memory", "cc");
	GUEST_SYNC(0);
	GUEST_DONE();
}

/* VMCALL with RAX @nr and RBX 0x1234; RAX afterwards reported. */
static void guest_vmcall(__u64 nr)
{
	__u64 rax = nr;

	asm volatile("vmcall" : "+a" (rax) : "b" (0x1234ULL) : "memory");
	GUEST_SYNC(rax);
	GUEST_DONE();
}

#define MSR_STAR	0xc0000081U
#define STAR_A		0x0023001000000000ULL
#define STAR_B		0x0033001000000000ULL

/* STAR to A, to A again, to B. */
static void guest_star(void)
{
	tvx_wrmsr(MSR_STAR, STAR_A);
	tvx_wrmsr(MSR_STAR, STAR_A);
	tvx_wrmsr(MSR_STAR, STAR_B);
	GUEST_SYNC(tvx_rdmsr(MSR_STAR));
	GUEST_DONE();
}

/* ---------------------------------------------- descriptor-table guests */

struct dtr {
	__u16 limit;
	__u64 base;
} __attribute__((packed));

#define SEL_LDT		0x30
#define SEL_TSS_A	0x40
#define SEL_TSS_B	0x50
#define GDT_LIMIT	0x5f

static __u64 gdt_copy[12] __attribute__((aligned(16)));
static __u8 tss_a[0x68] __attribute__((aligned(16)));
static __u8 tss_b[0x68] __attribute__((aligned(16)));
static __u64 ldt_area[4] __attribute__((aligned(16)));

/* A 16-byte long-mode system descriptor */
static void sys_desc(__u64 *slot, __u64 base, __u32 limit, __u8 type,
		     bool present)
{
	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		  ((__u64)type << 40) | ((__u64)present << 47) |
		  ((__u64)((limit >> 16) & 0xf) << 48) |
		  (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

/* The GDT the guest runs on, copied, with an LDT and two available TSSs */
static void build_gdt(bool ldt_present)
{
	struct dtr g;
	__u64 *orig, tss_base;

	asm volatile("sgdt %0" : "=m" (g));
	orig = (__u64 *)(uintptr_t)g.base;
	tvx_guest_memset(gdt_copy, 0, sizeof(gdt_copy));
	tvx_guest_memcpy(gdt_copy, orig, g.limit + 1);
	/* the running TSS, copied: its IST stack serves the exceptions */
	tss_base = ((orig[TVX_GUEST_SEL_TSS / 8] >> 16) & 0xffffff) |
		   (((orig[TVX_GUEST_SEL_TSS / 8] >> 56) & 0xff) << 24) |
		   (orig[TVX_GUEST_SEL_TSS / 8 + 1] << 32);
	tvx_guest_memcpy(tss_a, (void *)(uintptr_t)tss_base, sizeof(tss_a));
	tvx_guest_memcpy(tss_b, (void *)(uintptr_t)tss_base, sizeof(tss_b));
	sys_desc(&gdt_copy[SEL_LDT / 8], (__u64)(uintptr_t)ldt_area,
		 sizeof(ldt_area) - 1, 2, ldt_present);
	sys_desc(&gdt_copy[SEL_TSS_A / 8], (__u64)(uintptr_t)tss_a, 0x67, 9, true);
	sys_desc(&gdt_copy[SEL_TSS_B / 8], (__u64)(uintptr_t)tss_b, 0x67, 9, true);
}

static __u8 desc_type(unsigned int sel)
{
	return (gdt_copy[sel / 8] >> 40) & 0xf;
}

/*
 * Every instruction, register and memory forms. SYNCs:
 *   1: SGDT (base, limit), SIDT (base, limit), SLDT r16 into ~0, SLDT r64
 *   2: after LGDT of the copy and LIDT of the same IDT: SGDT base and
 *      limit, SIDT limit
 *   3: after LLDT r16 of SEL_LDT: SLDT m16, LLDT m16 of 0: SLDT r32
 *   4: after LTR m16 of TSS A: STR r64, A's type; LTR r16 of TSS B:
 *      STR m16, B's type
 * A daemon that denies the loads (LGDT's excepted) leaves the values.
 */
static void guest_desc(void)
{
	struct dtr g, i, g2, i2, bogus;
	__u64 r16 = ~0ULL, r64 = ~0ULL, r32 = ~0ULL;
	__u16 m16 = 0xeeee, zero = 0, sel;

	asm volatile("sgdt %0" : "=m" (g));
	asm volatile("sidt %0" : "=m" (i));
	/* 66 0f 00 c0: sldt %ax; 48 0f 00 c1: sldt %rcx */
	asm volatile(".byte 0x66, 0x0f, 0x00, 0xc0" : "+a" (r16));
	asm volatile(".byte 0x48, 0x0f, 0x00, 0xc1" : "+c" (r64));
	GUEST_SYNC(g.base, g.limit, i.base, i.limit, r16, r64);

	build_gdt(true);
	g2.base = (__u64)(uintptr_t)gdt_copy;
	g2.limit = GDT_LIMIT;
	asm volatile("lgdt %0" : : "m" (g2) : "memory");
	bogus = i;
	bogus.limit = i.limit - 8;
	asm volatile("lidt %0" : : "m" (bogus) : "memory");
	asm volatile("sgdt %0" : "=m" (g2));
	asm volatile("sidt %0" : "=m" (i2));
	/* put the IDT back before anything can fault */
	asm volatile("lidt %0" : : "m" (i) : "memory");
	GUEST_SYNC(g2.base, g2.limit, i2.limit);

	sel = SEL_LDT;
	asm volatile("lldt %0" : : "r" (sel) : "memory");
	asm volatile("sldt %0" : "=m" (m16));
	asm volatile("lldt %0" : : "m" (zero) : "memory");
	/* 0f 00 c2: sldt %edx */
	asm volatile(".byte 0x0f, 0x00, 0xc2" : "+d" (r32));
	GUEST_SYNC(m16, r32);

	sel = SEL_TSS_A;
	r64 = ~0ULL;
	asm volatile("ltr %0" : : "m" (sel) : "memory");
	/* 48 0f 00 c9: str %rcx */
	asm volatile(".byte 0x48, 0x0f, 0x00, 0xc9" : "+c" (r64));
	sel = SEL_TSS_B;
	asm volatile("ltr %0" : : "r" (sel) : "memory");
	asm volatile("str %0" : "=m" (m16));
	GUEST_SYNC(r64, desc_type(SEL_TSS_A), m16, desc_type(SEL_TSS_B));
	GUEST_DONE();
}

/* Faults, each the guest's last act: UNHANDLED with vector and error. */
static void guest_desc_fault(__u64 which)
{
	struct dtr g = { .limit = 0xff, .base = 0x8000000000000000ULL };
	__u16 sel;

	switch (which) {
	case 0:		/* TI set: #GP(sel) */
		sel = 0x34;
		asm volatile("lldt %0" : : "r" (sel) : "memory");
		break;
	case 1:		/* the running TSS is busy: #GP(sel) */
		sel = TVX_GUEST_SEL_TSS;
		asm volatile("ltr %0" : : "r" (sel) : "memory");
		break;
	case 2:		/* an LDT not present: #NP(sel) */
		build_gdt(false);
		g.base = (__u64)(uintptr_t)gdt_copy;
		g.limit = GDT_LIMIT;
		asm volatile("lgdt %0" : : "m" (g) : "memory");
		sel = SEL_LDT;
		asm volatile("lldt %0" : : "r" (sel) : "memory");
		break;
	case 3:		/* SGDT where nothing is mapped: #PF, a write */
		asm volatile("sgdt (%0)" : : "r" (0x7f0000000000ULL) : "memory");
		break;
	case 4:		/* LGDT of a base that is not canonical: #GP(0) */
		asm volatile("lgdt %0" : : "m" (g) : "memory");
		break;
	case 5:		/* LTR of the null selector: #GP(0) */
		sel = 0;
		asm volatile("ltr %0" : : "r" (sel) : "memory");
		break;
	case 6:		/* beyond the GDT's limit: #GP(sel) */
		sel = 0x7f8;
		asm volatile("lldt %0" : : "r" (sel) : "memory");
		break;
	}
	GUEST_SYNC(0xbad);
	GUEST_DONE();
}

/* @n SGDTs, then a SYNC */
static void guest_sgdt_loop(__u64 n)
{
	struct dtr g;
	__u64 k;

	for (k = 0; k < n; k++)
		asm volatile("sgdt %0" : "=m" (g) : : "memory");
	GUEST_SYNC(n);
	GUEST_DONE();
}

/*
 * 32-bit protected mode, paging off, at PM32_GPA: the stores (6-byte
 * tables), LGDT of what SGDT stored, SLDT/STR to 32-bit registers and to
 * memory, LLDT of the null selector; then HLT.
 */
#define PM32_GPA	0x200000ULL	/* free RAM below the test binary */
#define PM32_DATA	0x300000ULL
extern const unsigned char pm32_desc[], pm32_desc_end[];
asm(".pushsection .rodata\n"
    ".globl pm32_desc, pm32_desc_end\n"
    "pm32_desc:\n"
    "	.code32\n"
    "	sgdt 0x300000\n"
    "	sidt 0x300010\n"
    "	lgdt 0x300000\n"
    "	mov $0xffffffff, %eax\n"
    "	mov $0xffffffff, %ebx\n"
    "	sldt %eax\n"
    "	str %ebx\n"
    "	mov %eax, 0x300020\n"
    "	mov %ebx, 0x300024\n"
    "	sldt 0x300028\n"
    "	str 0x30002c\n"
    "	xor %ecx, %ecx\n"
    "	lldt %cx\n"
    "	hlt\n"
    "	.code64\n"
    "pm32_desc_end:\n"
    ".popsection\n");

/* ------------------------------------------------------------ fixture */

FIXTURE(kinds) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_monitor *m;
	struct tvx_ucall uc;
	struct daemon dm;
};

FIXTURE_SETUP(kinds)
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

FIXTURE_TEARDOWN(kinds)
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

/* The guest's exception stub reported @vec */
#define EXPECT_GUEST_EXCEPTION(vec) do {				\
	RUN_EXPECT(TVX_UCALL_UNHANDLED);				\
	EXPECT_EQ((vec), self->uc.args[0]);				\
} while (0)

/* ------------------------------------------------------------ bad input */

TEST_F(kinds, bad_kinds_and_flags)
{
	static const __u32 bad_kinds[] = { 0, 7, THINVMX_MONITOR_NR_KINDS, 100, ~0u };
	static const __u32 no_on_change[] = {
		THINVMX_MONITOR_CPUID, THINVMX_MONITOR_DESC_ACCESS,
		THINVMX_MONITOR_DEBUG, THINVMX_MONITOR_GUEST_REQUEST,
		THINVMX_MONITOR_IO,
	};
	struct thinvmx_guest_request gr = { .channels = 1 };
	__u64 channels = 7;
	unsigned int i;
	__u32 mode;

	for (i = 0; i < ARRAY_SIZE(bad_kinds); i++) {
		EXPECT_EQ(-EINVAL, tvx_monitor_set(self->m, bad_kinds[i],
						   THINVMX_MONITOR_MODE_ASYNC, 0));
		EXPECT_EQ(-EINVAL, tvx_monitor_get(self->m, bad_kinds[i], &mode, NULL));
	}
	for (i = 0; i < ARRAY_SIZE(no_on_change); i++)
		EXPECT_EQ(-EINVAL, tvx_monitor_set(self->m, no_on_change[i],
						   THINVMX_MONITOR_MODE_ASYNC,
						   THINVMX_MONITOR_F_ON_CHANGE_ONLY));
	/* every new kind takes every mode; XCR0 on-change-only */
	for (i = THINVMX_MONITOR_XCR0; i < THINVMX_MONITOR_NR_KINDS; i++) {
		int ret = tvx_monitor_set(self->m, i, THINVMX_MONITOR_MODE_SYNC, 0);

		if (i == THINVMX_MONITOR_DESC_ACCESS && ret == -EOPNOTSUPP)
			continue;	/* no descriptor-table exiting */
		EXPECT_EQ(0, ret);
		EXPECT_EQ(0, tvx_monitor_set(self->m, i, THINVMX_MONITOR_MODE_DISABLED, 0));
	}
	SET(XCR0, ASYNC, THINVMX_MONITOR_F_ON_CHANGE_ONLY);
	EXPECT_EQ(-EINVAL, tvx_monitor_set(self->m, THINVMX_MONITOR_XCR0, 3, 0));
	EXPECT_EQ(-EINVAL, tvx_monitor_set(self->m, THINVMX_MONITOR_IO,
					   THINVMX_MONITOR_MODE_ASYNC, 2));
	/* the channel ioctl: reserved bytes, and a round trip */
	gr.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(tvx_domain_fd(self->d), THINVMX_SET_GUEST_REQUEST, &gr));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, tvx_domain_get_guest_request(self->d, &channels));
	EXPECT_EQ(0, channels);
	EXPECT_EQ(0, tvx_domain_set_guest_request(self->d, 1ULL << 63 | 5));
	EXPECT_EQ(0, tvx_domain_get_guest_request(self->d, &channels));
	EXPECT_EQ(1ULL << 63 | 5, channels);
	/* the listener fd has no such command */
	EXPECT_EQ(-1, ioctl(tvx_monitor_fd(self->m), THINVMX_SET_GUEST_REQUEST, &gr));
	EXPECT_EQ(ENOTTY, errno);
}

/* ------------------------------------------------------------ XCR0 */

/* the XCR0 guest's first report; false (and skipped) without XSAVE */
static bool xcr0_first(struct __test_metadata *_metadata,
		       FIXTURE_DATA(kinds) *self)
{
	START(guest_xcr0, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	return self->uc.args[0] == 1;
}

TEST_F(kinds, xcr0_async)
{
	struct thinvmx_event *ev = self->dm.evs;
	__u64 orig;

	SET(XCR0, ASYNC, 0);
	if (!xcr0_first(_metadata, self))
		SKIP(return, "the guest has no XSAVE");
	orig = self->uc.args[1];
	EXPECT_EQ(3, self->uc.args[2]);
	EXPECT_EQ(1, self->uc.args[3]);
	EXPECT_EQ(orig, self->uc.args[4]);
	/* the library's entry code loads XCR0 first (lib/guest_mode.c) */
	ASSERT_EQ(5, daemon_drain(&self->dm));
	EXPECT_EQ(orig, ev[0].u.cr.new_value);
	ev++;
	EXPECT_EQ(THINVMX_EVENT_XCR0, ev[0].reason);
	EXPECT_EQ(0, ev[0].flags & THINVMX_EVENT_F_SYNC);
	EXPECT_EQ(orig, ev[0].u.cr.old_value);
	EXPECT_EQ(3, ev[0].u.cr.new_value);
	EXPECT_EQ(3, ev[1].u.cr.old_value);
	EXPECT_EQ(3, ev[1].u.cr.new_value);
	EXPECT_EQ(1, ev[2].u.cr.new_value);
	EXPECT_EQ(orig, ev[3].u.cr.new_value);
	EXPECT_EQ(0, ev[3].regs.rcx);
	/* the invalid value: #GP, and no event */
	EXPECT_GUEST_EXCEPTION(13);
	EXPECT_EQ(0, daemon_drain(&self->dm));
}

TEST_F(kinds, xcr0_on_change_only)
{
	__u64 orig, want;

	SET(XCR0, ASYNC, THINVMX_MONITOR_F_ON_CHANGE_ONLY);
	if (!xcr0_first(_metadata, self))
		SKIP(return, "the guest has no XSAVE");
	orig = self->uc.args[1];
	/* 3 (a change unless it was 3), 3 (none), 1, orig (unless 1) */
	want = (orig != 3) + 1 + (orig != 1);
	/* the entry code's load of the same value is no change either */
	EXPECT_EQ(want, daemon_drain(&self->dm));
	EXPECT_EQ(1, self->dm.evs[orig != 3].u.cr.new_value);
}

TEST_F(kinds, xcr0_sync_deny)
{
	__u64 orig;

	SET(XCR0, SYNC, 0);
	self->dm.answer[THINVMX_EVENT_XCR0] = THINVMX_RESPONSE_DENY;
	ASSERT_EQ(0, daemon_start(&self->dm));
	if (!xcr0_first(_metadata, self)) {
		daemon_stop(&self->dm);
		SKIP(return, "the guest has no XSAVE");
	}
	orig = self->uc.args[1];
	/* every write denied: XCR0 kept its value throughout */
	EXPECT_EQ(orig, self->uc.args[2]);
	EXPECT_EQ(orig, self->uc.args[3]);
	EXPECT_EQ(orig, self->uc.args[4]);
	EXPECT_GUEST_EXCEPTION(13);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	/* the entry code's load, then the guest's four */
	EXPECT_EQ(5, self->dm.count[THINVMX_EVENT_XCR0]);
	EXPECT_TRUE(self->dm.evs[0].flags & THINVMX_EVENT_F_SYNC);
}

TEST_F(kinds, xcr0_sync_continue)
{
	SET(XCR0, SYNC, 0);
	ASSERT_EQ(0, daemon_start(&self->dm));
	if (!xcr0_first(_metadata, self)) {
		daemon_stop(&self->dm);
		SKIP(return, "the guest has no XSAVE");
	}
	EXPECT_EQ(3, self->uc.args[2]);
	EXPECT_EQ(1, self->uc.args[3]);
	EXPECT_EQ(self->uc.args[1], self->uc.args[4]);
	daemon_stop(&self->dm);
	EXPECT_EQ(5, self->dm.count[THINVMX_EVENT_XCR0]);
}

/* ------------------------------------------------------------ MSR */

/* A domain's WRMSR of a watched MSR, with on-change-only */
TEST_F(kinds, msr_domain_on_change_only)
{
	struct thinvmx_event *ev = self->dm.evs;

	ASSERT_EQ(0, tvx_monitor_set_msr(self->m, MSR_STAR, THINVMX_MONITOR_MODE_ASYNC,
					 THINVMX_MONITOR_F_ON_CHANGE_ONLY));
	START(guest_star, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(STAR_B, self->uc.args[0]);
	/* A (a change from the reset value), not A again, B */
	ASSERT_EQ(2, daemon_drain(&self->dm));
	EXPECT_EQ(THINVMX_EVENT_MSR, ev[0].reason);
	EXPECT_EQ(STAR_A, ev[0].u.msr.new_value);
	EXPECT_EQ(STAR_A, ev[1].u.msr.old_value);
	EXPECT_EQ(STAR_B, ev[1].u.msr.new_value);
}

TEST_F(kinds, msr_domain_sync_deny)
{
	ASSERT_EQ(0, tvx_monitor_set_msr(self->m, MSR_STAR, THINVMX_MONITOR_MODE_SYNC, 0));
	self->dm.answer[THINVMX_EVENT_MSR] = THINVMX_RESPONSE_DENY;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_star, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	daemon_stop(&self->dm);
	EXPECT_EQ(3, self->dm.count[THINVMX_EVENT_MSR]);
	EXPECT_NE(STAR_B, self->uc.args[0]);	/* denied */
}

/* ------------------------------------------------------------ CPUID */

TEST_F(kinds, cpuid_async)
{
	struct thinvmx_event *ev = self->dm.evs;

	SET(CPUID, ASYNC, 0);
	START(guest_cpuid, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	ASSERT_EQ(1, daemon_drain(&self->dm));
	EXPECT_EQ(THINVMX_EVENT_CPUID, ev[0].reason);
	EXPECT_EQ(0, ev[0].u.cpuid.leaf);
	EXPECT_EQ(0, ev[0].u.cpuid.subleaf);
	EXPECT_EQ(0, ev[0].regs.rax);		/* at the instruction */
	EXPECT_EQ(2, ev[0].u.cpuid.insn_len);
	/* what the module computed is what the guest got */
	EXPECT_EQ(self->uc.args[0], ev[0].u.cpuid.eax);
	EXPECT_EQ(self->uc.args[1], ev[0].u.cpuid.ebx);
	EXPECT_EQ(self->uc.args[2], ev[0].u.cpuid.ecx);
	EXPECT_EQ(self->uc.args[3], ev[0].u.cpuid.edx);
	EXPECT_NE(0, ev[0].u.cpuid.ebx);	/* a vendor string */
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(kinds, cpuid_sync)
{
	__u64 want[4];
	int i;

	START(guest_cpuid, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	for (i = 0; i < 4; i++)
		want[i] = self->uc.args[i];

	/* continue: the module's result */
	SET(CPUID, SYNC, 0);
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_cpuid, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(want[i], self->uc.args[i]);

	/* SET_REGS: the answer's registers are the result */
	self->dm.answer[THINVMX_EVENT_CPUID] = THINVMX_RESPONSE_SET_REGS;
	self->dm.set_rax = 0xffffffff00004242ULL;
	START(guest_cpuid, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x4242, self->uc.args[0]);	/* low 32 bits */
	EXPECT_EQ(0, self->uc.args[2]);		/* ECX as it went in */
	RUN_EXPECT(TVX_UCALL_DONE);		/* RIP went past it */
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	EXPECT_EQ(2, self->dm.count[THINVMX_EVENT_CPUID]);
	EXPECT_TRUE(self->dm.evs[0].flags & THINVMX_EVENT_F_SYNC);
}

/* ------------------------------------------------------------ IO */

/* RUN to a port exit of the guest's own (not the ucall port) */
static void expect_port_exit(struct __test_metadata *_metadata,
			     FIXTURE_DATA(kinds) *self, __u16 port, __u8 dir,
			     __u64 data)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);

	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	ASSERT_EQ(THINVMX_EXIT_IO, run->exit_reason);
	EXPECT_EQ(port, run->io.port);
	EXPECT_EQ(dir, run->io.direction);
	if (dir == THINVMX_IO_OUT) {
		EXPECT_EQ(data, run->io.data);
	} else {
		run->io.data = data;
	}
}

/* events of the guest's ports (the ucalls' are IO events too) */
static int port_events(FIXTURE_DATA(kinds) *self, __u16 port,
		       const struct thinvmx_event **first)
{
	unsigned int i, n = 0;

	*first = NULL;
	for (i = 0; i < self->dm.nr && i < ARRAY_SIZE(self->dm.evs); i++) {
		const struct thinvmx_event *ev = &self->dm.evs[i];

		if (ev->reason == THINVMX_EVENT_IO && ev->u.io.port == port) {
			if (!n)
				*first = ev;
			n++;
		}
	}
	return n;
}

TEST_F(kinds, io_async)
{
	const struct thinvmx_event *out, *in;

	SET(IO, ASYNC, 0);
	START(guest_io, 0);
	/* reported, and the VMM sees them as ever */
	expect_port_exit(_metadata, self, PORT_OUT, THINVMX_IO_OUT, 0x5a);
	EXPECT_EQ(1, daemon_drain(&self->dm));	/* before the VMM saw it */
	expect_port_exit(_metadata, self, PORT_IN, THINVMX_IO_IN, 0x33);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x33, self->uc.args[0]);
	daemon_drain(&self->dm);
	ASSERT_EQ(1, port_events(self, PORT_OUT, &out));
	ASSERT_EQ(1, port_events(self, PORT_IN, &in));
	EXPECT_EQ(THINVMX_EVENT_IO, out->reason);
	EXPECT_EQ(1, out->u.io.size);
	EXPECT_EQ(0, out->u.io.flags);
	EXPECT_EQ(0x5a, out->u.io.value);
	EXPECT_EQ(0, out->flags & THINVMX_EVENT_F_SYNC);
	EXPECT_EQ(THINVMX_IO_F_IN, in->u.io.flags);
	EXPECT_EQ(0, in->u.io.value);
	EXPECT_EQ(2, in->u.io.insn_len);
	/* the ucall's OUT is an event too */
	EXPECT_EQ(1, port_events(self, TVX_UCALL_PORT, &out));
	EXPECT_EQ(4, out->u.io.size);
}

TEST_F(kinds, io_sync_continue)
{
	const struct thinvmx_event *ev;

	SET(IO, SYNC, 0);
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_io, 0);
	expect_port_exit(_metadata, self, PORT_OUT, THINVMX_IO_OUT, 0x5a);
	expect_port_exit(_metadata, self, PORT_IN, THINVMX_IO_IN, 0x44);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x44, self->uc.args[0]);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	/* once each: the access let through is not reported again */
	EXPECT_EQ(1, port_events(self, PORT_OUT, &ev));
	EXPECT_TRUE(ev->flags & THINVMX_EVENT_F_SYNC);
	EXPECT_EQ(1, port_events(self, PORT_IN, &ev));
	EXPECT_EQ(1, port_events(self, TVX_UCALL_PORT, &ev));
}

static void deny_guest_ports(struct daemon *dm, const struct thinvmx_event *ev,
			     struct thinvmx_response *rsp)
{
	if (ev->reason == THINVMX_EVENT_IO &&
	    (ev->u.io.port == PORT_OUT || ev->u.io.port == PORT_IN))
		rsp->flags = THINVMX_RESPONSE_DENY;
}

TEST_F(kinds, io_sync_deny)
{
	const struct thinvmx_event *ev;

	SET(IO, SYNC, 0);
	self->dm.policy = deny_guest_ports;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_io, 0);
	/* the VMM sees neither; the IN read all ones */
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0xff, self->uc.args[0]);
	/* a string form: each element denied, RSI and RCX moving on */
	START(guest_outs, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0, self->uc.args[0]);
	EXPECT_EQ(2, self->uc.args[1]);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	ASSERT_EQ(3, port_events(self, PORT_OUT, &ev));
	EXPECT_EQ(1, port_events(self, PORT_IN, &ev));
}

static void rewrite_out(struct daemon *dm, const struct thinvmx_event *ev,
			struct thinvmx_response *rsp)
{
	if (ev->reason == THINVMX_EVENT_IO && ev->u.io.port == PORT_OUT) {
		rsp->flags = THINVMX_RESPONSE_SET_REGS;
		rsp->regs = ev->regs;
		rsp->regs.rax = 0x77;
	}
}

TEST_F(kinds, io_sync_set_regs)
{
	SET(IO, SYNC, 0);
	self->dm.policy = rewrite_out;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_io, 0);
	/* the OUT runs again with the answer's RAX */
	expect_port_exit(_metadata, self, PORT_OUT, THINVMX_IO_OUT, 0x77);
	expect_port_exit(_metadata, self, PORT_IN, THINVMX_IO_IN, 0x12);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x12, self->uc.args[0]);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
}

TEST_F(kinds, io_string_async)
{
	const struct thinvmx_event *ev;

	SET(IO, ASYNC, 0);
	START(guest_outs, 0);
	expect_port_exit(_metadata, self, PORT_OUT, THINVMX_IO_OUT, 0x11);
	expect_port_exit(_metadata, self, PORT_OUT, THINVMX_IO_OUT, 0x22);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0, self->uc.args[0]);
	EXPECT_EQ(2, self->uc.args[1]);
	daemon_drain(&self->dm);
	ASSERT_EQ(2, port_events(self, PORT_OUT, &ev));
	EXPECT_EQ(THINVMX_IO_F_STRING | THINVMX_IO_F_REP, ev->u.io.flags);
	EXPECT_EQ((__u64)(uintptr_t)two_bytes, ev->u.io.gla);
	EXPECT_EQ((__u64)(uintptr_t)two_bytes + 1, ev[1].u.io.gla);
}

/* ------------------------------------------------------------ DEBUG */

TEST_F(kinds, debug_icebp_async)
{
	struct thinvmx_event *ev = self->dm.evs;

	/* not monitored: the guest's own handler */
	START(guest_icebp, 0);
	EXPECT_GUEST_EXCEPTION(1);
	EXPECT_EQ((__u64)(uintptr_t)icebp_site + 1, self->uc.args[2]);
	EXPECT_EQ(0, daemon_drain(&self->dm));

	SET(DEBUG, ASYNC, 0);
	START(guest_icebp, 0);
	EXPECT_GUEST_EXCEPTION(1);
	EXPECT_EQ((__u64)(uintptr_t)icebp_site + 1, self->uc.args[2]);
	ASSERT_EQ(1, daemon_drain(&self->dm));
	EXPECT_EQ(THINVMX_EVENT_DEBUG, ev[0].reason);
	EXPECT_EQ(THINVMX_DEBUG_F_ICEBP, ev[0].u.debug.flags);
	EXPECT_EQ(1, ev[0].u.debug.insn_len);
	EXPECT_EQ((__u64)(uintptr_t)icebp_site, ev[0].regs.rip);
}

TEST_F(kinds, debug_icebp_sync)
{
	SET(DEBUG, SYNC, 0);
	ASSERT_EQ(0, daemon_start(&self->dm));
	/* not reinjected: the guest goes on after the ICEBP */
	START(guest_icebp, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0xdb, self->uc.args[0]);
	/* REINJECT: its handler runs */
	self->dm.answer[THINVMX_EVENT_DEBUG] = THINVMX_RESPONSE_REINJECT;
	START(guest_icebp, 0);
	EXPECT_GUEST_EXCEPTION(1);
	EXPECT_EQ((__u64)(uintptr_t)icebp_site + 1, self->uc.args[2]);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	EXPECT_EQ(2, self->dm.count[THINVMX_EVENT_DEBUG]);
	EXPECT_TRUE(self->dm.evs[0].flags & THINVMX_EVENT_F_SYNC);
}

TEST_F(kinds, debug_tf_sync_dropped)
{
	unsigned int i;

	SET(DEBUG, SYNC, 0);
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_tf, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x7f, self->uc.args[0]);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	/* a single-step trap after each instruction TF was set for */
	ASSERT_LE(3, self->dm.nr);
	for (i = 0; i < self->dm.nr && i < ARRAY_SIZE(self->dm.evs); i++) {
		EXPECT_EQ(THINVMX_EVENT_DEBUG, self->dm.evs[i].reason);
		EXPECT_TRUE(self->dm.evs[i].u.debug.pending_dbg & DR6_BS);
		EXPECT_TRUE(self->dm.evs[i].u.debug.dr6 & DR6_BS);
		EXPECT_EQ(0, self->dm.evs[i].u.debug.flags);
		if (i)
			EXPECT_LT(self->dm.evs[i - 1].regs.rip, self->dm.evs[i].regs.rip);
	}
}

/*
 * The guest steps itself through a write the module lets happen once
 * (an async MEM_ACCESS event) with a single step of its own: on a CPU
 * without the monitor trap flag both are the same #DB, which is the
 * guest's (a DEBUG event, flagged) and is delivered; the module's step
 * alone makes none.
 */
TEST_F(kinds, debug_own_tf_during_module_step)
{
	struct thinvmx_caps caps;
	unsigned int i, n = 0;
	bool mtf;

	ASSERT_EQ(0, tvx_get_caps(self->h, &caps));
	mtf = caps.features & THINVMX_FEAT_MTF;
	SET(MEM_ACCESS, ASYNC, 0);
	SET(DEBUG, ASYNC, 0);
	ASSERT_EQ(0, tvx_set_mem_access(self->d, (__u64)(uintptr_t)watched >> 12, 1,
					THINVMX_ACCESS_RX));
	START(guest_tf_write, 0);
	EXPECT_GUEST_EXCEPTION(1);
	EXPECT_LT((__u64)(uintptr_t)tf_write_site, self->uc.args[2]);
	daemon_drain(&self->dm);
	for (i = 0; i < self->dm.nr && i < ARRAY_SIZE(self->dm.evs); i++) {
		const struct thinvmx_event *ev = &self->dm.evs[i];

		if (ev->reason != THINVMX_EVENT_DEBUG)
			continue;
		n++;
		EXPECT_TRUE(ev->u.debug.pending_dbg & DR6_BS);
		if (!mtf)
			EXPECT_EQ(THINVMX_DEBUG_F_MODULE_STEP, ev->u.debug.flags);
	}
	EXPECT_EQ(1, n);
	EXPECT_EQ(THINVMX_EVENT_MEM_ACCESS, self->dm.evs[0].reason);
}

/* ------------------------------------------------------------ GUEST_REQUEST */

TEST_F(kinds, guest_request_channels)
{
	struct thinvmx_event *ev = self->dm.evs;

	/* no channel: #UD, monitored or not */
	SET(GUEST_REQUEST, ASYNC, 0);
	START(guest_vmcall, 5);
	EXPECT_GUEST_EXCEPTION(6);
	EXPECT_EQ(0, daemon_drain(&self->dm));
	/* channel 5: a request; 6 is still #UD */
	ASSERT_EQ(0, tvx_domain_set_guest_request(self->d, 1ULL << 5));
	START(guest_vmcall, 5);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(5, self->uc.args[0]);
	ASSERT_EQ(1, daemon_drain(&self->dm));
	EXPECT_EQ(THINVMX_EVENT_GUEST_REQUEST, ev[0].reason);
	EXPECT_EQ(5, ev[0].u.guest_request.channel);
	EXPECT_EQ(3, ev[0].u.guest_request.insn_len);
	EXPECT_EQ(0x1234, ev[0].regs.rbx);
	START(guest_vmcall, 6);
	EXPECT_GUEST_EXCEPTION(6);
	EXPECT_EQ(0, daemon_drain(&self->dm));
	/* allowed but not monitored: completes, unreported */
	SET(GUEST_REQUEST, DISABLED, 0);
	START(guest_vmcall, 5);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(5, self->uc.args[0]);
	EXPECT_EQ(0, daemon_drain(&self->dm));
}

TEST_F(kinds, guest_request_sync_reply)
{
	ASSERT_EQ(0, tvx_domain_set_guest_request(self->d, 1ULL << 5));
	SET(GUEST_REQUEST, SYNC, 0);
	self->dm.answer[THINVMX_EVENT_GUEST_REQUEST] = THINVMX_RESPONSE_SET_REGS;
	self->dm.set_rax = 0xbeef;
	ASSERT_EQ(0, daemon_start(&self->dm));
	START(guest_vmcall, 5);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0xbeef, self->uc.args[0]);	/* the reply, after the VMCALL */
	RUN_EXPECT(TVX_UCALL_DONE);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	EXPECT_EQ(1, self->dm.count[THINVMX_EVENT_GUEST_REQUEST]);
	EXPECT_TRUE(self->dm.evs[0].flags & THINVMX_EVENT_F_SYNC);
}

/* ------------------------------------------------------------ DESC_ACCESS */

/* DESC_ACCESS on, or SKIP where the CPU has no descriptor-table exiting */
static bool desc_set(struct __test_metadata *_metadata,
		     FIXTURE_DATA(kinds) *self, __u32 mode)
{
	int ret = tvx_monitor_set(self->m, THINVMX_MONITOR_DESC_ACCESS, mode, 0);

	if (ret == -EOPNOTSUPP)
		return false;
	EXPECT_EQ(0, ret);
	return true;
}

/* Run guest_desc to its end, checking what it reports (@denied: loads). */
static void run_desc(struct __test_metadata *_metadata,
		     FIXTURE_DATA(kinds) *self, bool denied)
{
	struct thinvmx_sregs s;
	__u64 gdt_base, idt_limit;

	START(guest_desc, 0);
	ASSERT_EQ(0, tvx_get_sregs(self->v, &s));
	RUN_EXPECT(TVX_UCALL_SYNC);
	gdt_base = self->uc.args[0];
	idt_limit = self->uc.args[3];
	EXPECT_EQ(s.gdt.base, self->uc.args[0]);
	EXPECT_EQ(s.gdt.limit, self->uc.args[1]);
	EXPECT_EQ(s.idt.base, self->uc.args[2]);
	EXPECT_EQ(s.idt.limit, self->uc.args[3]);
	/* SLDT r16 keeps the upper bits, SLDT r64 zero-extends */
	EXPECT_EQ(~0xffffULL | s.ldt.selector, self->uc.args[4]);
	EXPECT_EQ(s.ldt.selector, self->uc.args[5]);

	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_NE(gdt_base, self->uc.args[0]);
	EXPECT_EQ((__u64)(uintptr_t)gdt_copy, self->uc.args[0]);
	EXPECT_EQ(GDT_LIMIT, self->uc.args[1]);
	/* LIDT of a shorter limit: done, or denied */
	EXPECT_EQ(denied ? idt_limit : idt_limit - 8, self->uc.args[2]);
	if (denied) {
		/* LLDT, LTR denied: nothing loaded, no TSS marked busy */
		RUN_EXPECT(TVX_UCALL_SYNC);
		EXPECT_EQ(s.ldt.selector, self->uc.args[0]);
		RUN_EXPECT(TVX_UCALL_SYNC);
		EXPECT_EQ(TVX_GUEST_SEL_TSS, self->uc.args[0]);
		EXPECT_EQ(9, self->uc.args[1]);		/* still available */
		EXPECT_EQ(TVX_GUEST_SEL_TSS, self->uc.args[2]);
		EXPECT_EQ(9, self->uc.args[3]);
		RUN_EXPECT(TVX_UCALL_DONE);
		return;
	}
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(SEL_LDT, self->uc.args[0]);
	EXPECT_EQ(0, self->uc.args[1]);			/* zero-extended */
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(SEL_TSS_A, self->uc.args[0]);
	EXPECT_EQ(11, self->uc.args[1]);		/* busy */
	EXPECT_EQ(SEL_TSS_B, self->uc.args[2]);
	EXPECT_EQ(11, self->uc.args[3]);
	RUN_EXPECT(TVX_UCALL_DONE);
	ASSERT_EQ(0, tvx_get_sregs(self->v, &s));
	EXPECT_EQ(SEL_TSS_B, s.tr.selector);
	EXPECT_EQ((__u64)(uintptr_t)tss_b, s.tr.base);
	EXPECT_EQ(0x67, s.tr.limit);
	EXPECT_EQ(0, s.ldt.selector);
}

/* The instructions as the CPU runs them, before any exiting */
TEST_F(kinds, desc_native)
{
	run_desc(_metadata, self, false);
	EXPECT_EQ(0, daemon_drain(&self->dm));
}

TEST_F(kinds, desc_async)
{
	static const struct {
		__u8 desc, flags;
	} want[] = {
		{ THINVMX_DESC_GDTR, THINVMX_DESC_F_MEM },	/* SGDT */
		{ THINVMX_DESC_IDTR, THINVMX_DESC_F_MEM },	/* SIDT */
		{ THINVMX_DESC_LDTR, 0 },			/* SLDT r16 */
		{ THINVMX_DESC_LDTR, 0 },			/* SLDT r64 */
		{ THINVMX_DESC_GDTR, THINVMX_DESC_F_MEM },	/* SGDT, build_gdt */
		{ THINVMX_DESC_GDTR, THINVMX_DESC_F_MEM | THINVMX_DESC_F_LOAD },
		{ THINVMX_DESC_IDTR, THINVMX_DESC_F_MEM | THINVMX_DESC_F_LOAD },
		{ THINVMX_DESC_GDTR, THINVMX_DESC_F_MEM },
		{ THINVMX_DESC_IDTR, THINVMX_DESC_F_MEM },
		{ THINVMX_DESC_IDTR, THINVMX_DESC_F_MEM | THINVMX_DESC_F_LOAD },
		{ THINVMX_DESC_LDTR, THINVMX_DESC_F_LOAD },	/* LLDT r16 */
		{ THINVMX_DESC_LDTR, THINVMX_DESC_F_MEM },	/* SLDT m16 */
		{ THINVMX_DESC_LDTR, THINVMX_DESC_F_MEM | THINVMX_DESC_F_LOAD },
		{ THINVMX_DESC_LDTR, 0 },			/* SLDT r32 */
		{ THINVMX_DESC_TR, THINVMX_DESC_F_MEM | THINVMX_DESC_F_LOAD },
		{ THINVMX_DESC_TR, 0 },				/* STR r64 */
		{ THINVMX_DESC_TR, THINVMX_DESC_F_LOAD },	/* LTR r16 */
		{ THINVMX_DESC_TR, THINVMX_DESC_F_MEM },	/* STR m16 */
	};
	struct thinvmx_event *ev = self->dm.evs;
	unsigned int i;

	if (!desc_set(_metadata, self, THINVMX_MONITOR_MODE_ASYNC))
		SKIP(return, "no descriptor-table exiting");
	run_desc(_metadata, self, false);
	ASSERT_EQ(ARRAY_SIZE(want), daemon_drain(&self->dm));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		EXPECT_EQ(THINVMX_EVENT_DESC_ACCESS, ev[i].reason);
		EXPECT_EQ(want[i].desc, ev[i].u.desc.descriptor) TH_LOG("event %u", i);
		EXPECT_EQ(want[i].flags, ev[i].u.desc.flags) TH_LOG("event %u", i);
		EXPECT_EQ(0, ev[i].flags & THINVMX_EVENT_F_SYNC);
	}
	/* the LGDT: the new table, and the old one */
	EXPECT_EQ((__u64)(uintptr_t)gdt_copy, ev[5].u.desc.base);
	EXPECT_EQ(GDT_LIMIT, ev[5].u.desc.limit);
	EXPECT_EQ(ev[0].u.desc.base, ev[5].u.desc.old_base);
	/* the LTR from memory: its selector and operand */
	EXPECT_EQ(SEL_TSS_A, ev[14].u.desc.selector);
	EXPECT_EQ(TVX_GUEST_SEL_TSS, ev[14].u.desc.old_selector);
	EXPECT_NE(0, ev[14].u.desc.gla);
	EXPECT_LE(3, ev[14].u.desc.insn_len);
}

TEST_F(kinds, desc_sync_continue)
{
	if (!desc_set(_metadata, self, THINVMX_MONITOR_MODE_SYNC))
		SKIP(return, "no descriptor-table exiting");
	ASSERT_EQ(0, daemon_start(&self->dm));
	run_desc(_metadata, self, false);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
	EXPECT_EQ(18, self->dm.count[THINVMX_EVENT_DESC_ACCESS]);
	EXPECT_TRUE(self->dm.evs[0].flags & THINVMX_EVENT_F_SYNC);
}

/* every load but LGDT's (the copy with the guest's LDT and TSSs) */
static void deny_loads(struct daemon *dm, const struct thinvmx_event *ev,
		       struct thinvmx_response *rsp)
{
	if (ev->reason == THINVMX_EVENT_DESC_ACCESS &&
	    (ev->u.desc.flags & THINVMX_DESC_F_LOAD) &&
	    ev->u.desc.descriptor != THINVMX_DESC_GDTR)
		rsp->flags = THINVMX_RESPONSE_DENY;
}

TEST_F(kinds, desc_sync_deny_loads)
{
	if (!desc_set(_metadata, self, THINVMX_MONITOR_MODE_SYNC))
		SKIP(return, "no descriptor-table exiting");
	self->dm.policy = deny_loads;
	ASSERT_EQ(0, daemon_start(&self->dm));
	run_desc(_metadata, self, true);
	daemon_stop(&self->dm);
	EXPECT_EQ(0, self->dm.error);
}

/* Each fault as the CPU raises it, with exiting off and on; no event. */
TEST_F(kinds, desc_faults)
{
	static const struct {
		__u64 vector, error;
	} want[] = {
		{ 13, 0x34 }, { 13, TVX_GUEST_SEL_TSS }, { 11, SEL_LDT },
		{ 14, 2 }, { 13, 0 }, { 13, 0 }, { 13, 0x7f8 },
	};
	unsigned int i, pass;

	for (pass = 0; pass < 2; pass++) {
		if (pass && !desc_set(_metadata, self, THINVMX_MONITOR_MODE_ASYNC))
			SKIP(return, "no descriptor-table exiting");
		for (i = 0; i < ARRAY_SIZE(want); i++) {
			START(guest_desc_fault, i);
			EXPECT_GUEST_EXCEPTION(want[i].vector);
			EXPECT_EQ(want[i].error, self->uc.args[1])
				TH_LOG("pass %u fault %u", pass, i);
			if (want[i].vector == 14)
				EXPECT_EQ(0x7f0000000000ULL, self->uc.args[3]);
		}
		/* case 2's SGDT and LGDT (build_gdt()) are the only events */
		EXPECT_EQ(pass ? 2 : 0, daemon_drain(&self->dm));
	}
}

/* The 32-bit guest to its HLT; what it stored checked against its sregs */
static void run_pm32(struct __test_metadata *_metadata, FIXTURE_DATA(kinds) *self)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);
	struct thinvmx_sregs s;
	__u8 *mem;

	ASSERT_EQ(0, tvx_load_flat_buf(self->d, pm32_desc, pm32_desc_end - pm32_desc,
				       PM32_GPA));
	ASSERT_EQ(0, tvx_vcpu_setup_protected_mode(self->v, self->d, PM32_GPA, 0));
	ASSERT_EQ(0, tvx_get_sregs(self->v, &s));
	mem = tvx_gpa(self->d, PM32_DATA);
	ASSERT_NE(NULL, mem);
	memset(mem, 0xee, 0x30);
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	ASSERT_EQ(THINVMX_EXIT_HLT, run->exit_reason);
	EXPECT_EQ(s.gdt.limit, *(__u16 *)mem);
	EXPECT_EQ((__u32)s.gdt.base, *(__u32 *)(mem + 2));
	EXPECT_EQ(s.idt.limit, *(__u16 *)(mem + 0x10));
	EXPECT_EQ((__u32)s.idt.base, *(__u32 *)(mem + 0x12));
	EXPECT_EQ(0xeeee, *(__u16 *)(mem + 6));		/* 6 bytes, no more */
	EXPECT_EQ(s.ldt.selector, *(__u32 *)(mem + 0x20));	/* zero-extended */
	EXPECT_EQ(s.tr.selector, *(__u32 *)(mem + 0x24));
	EXPECT_EQ(s.ldt.selector, *(__u16 *)(mem + 0x28));
	EXPECT_EQ(s.tr.selector, *(__u16 *)(mem + 0x2c));
	EXPECT_EQ(0xeeee, *(__u16 *)(mem + 0x2e));	/* 2 bytes, no more */
	ASSERT_EQ(0, tvx_get_sregs(self->v, &s));
	EXPECT_EQ(0, s.ldt.selector);
}

/* 32-bit protected mode: natively, then carried out by the module */
TEST_F(kinds, desc_protected_mode_32bit)
{
	struct thinvmx_caps caps;

	ASSERT_EQ(0, tvx_get_caps(self->h, &caps));
	if (!(caps.features & THINVMX_FEAT_UNRESTRICTED))
		SKIP(return, "no unrestricted guest: paging-off protected mode");
	run_pm32(_metadata, self);
	EXPECT_EQ(0, daemon_drain(&self->dm));
	if (!desc_set(_metadata, self, THINVMX_MONITOR_MODE_ASYNC))
		SKIP(return, "no descriptor-table exiting");
	run_pm32(_metadata, self);
	/* SGDT SIDT LGDT SLDT STR SLDT STR LLDT */
	EXPECT_EQ(8, daemon_drain(&self->dm));
	EXPECT_EQ(THINVMX_DESC_GDTR, self->dm.evs[2].u.desc.descriptor);
	EXPECT_EQ(THINVMX_DESC_F_LOAD | THINVMX_DESC_F_MEM, self->dm.evs[2].u.desc.flags);
	EXPECT_EQ(PM32_DATA, self->dm.evs[2].u.desc.gla);
}

/* VM exits of @n SGDTs */
static __u64 sgdt_exits(struct __test_metadata *_metadata,
			FIXTURE_DATA(kinds) *self, __u64 n)
{
	__u64 before;

	START(guest_sgdt_loop, n);
	before = tvx_vcpu_run_page(self->v)->exits;
	RUN_EXPECT(TVX_UCALL_SYNC);
	return tvx_vcpu_run_page(self->v)->exits - before;
}

TEST_F(kinds, desc_exits_only_while_monitored)
{
	__u64 quiet, watched, again;

	quiet = sgdt_exits(_metadata, self, 1000);
	if (!desc_set(_metadata, self, THINVMX_MONITOR_MODE_ASYNC))
		SKIP(return, "no descriptor-table exiting");
	watched = sgdt_exits(_metadata, self, 1000);
	EXPECT_EQ(1000, daemon_drain(&self->dm));
	SET(DESC_ACCESS, DISABLED, 0);
	again = sgdt_exits(_metadata, self, 1000);
	TH_LOG("exits for 1000 SGDTs: %llu unmonitored, %llu monitored, %llu after",
	       (unsigned long long)quiet, (unsigned long long)watched,
	       (unsigned long long)again);
	EXPECT_GT(100, quiet);
	EXPECT_LE(1000, watched);
	EXPECT_GT(100, again);
}

TEST_HARNESS_MAIN
