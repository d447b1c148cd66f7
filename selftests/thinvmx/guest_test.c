// SPDX-License-Identifier: GPL-2.0
/*
 * C code of this test running in guests: functions of this binary loaded
 * with tvx_guest_load_self() and started in 64-bit long mode, talking to the
 * host through ucalls; 32-bit protected and real mode starts; the ELF and
 * flat loaders; what the run helper does with exits that are no ucall.
 *
 * Requires: root, the thinvmx module loaded, usable VMX (Bochs); the
 * protected and real mode tests also need unrestricted guest. SKIPs
 * otherwise.
 */
#include <elf.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"
#include "mmio_forms.h"

#define MEM_BYTES	(64ULL << 20)
#define UNMAPPED_GPA	(128ULL << 20)	/* past RAM, inside the identity map */
#define PAST_MAP_GVA	(4ULL << 30)	/* past the identity map: #PF */
#define SCRATCH_GPA	0x200000ULL	/* free RAM below the test binary */

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ guest code */

/* Shared with the host: both run these, and the results must agree. */
static __u64 numbers[100];		/* filled by the host, then synced */
static __u64 host_value;		/* host -> guest */
static __u64 guest_value;		/* guest -> host */
static unsigned char copy_src[5000], copy_dst[5000];

static __attribute__((noinline)) __u64 sum_array(const __u64 *a, size_t n)
{
	__u64 s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += a[i];
	return s;
}

static __attribute__((noinline)) __u64 fib(__u64 n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static __attribute__((noinline)) __u64 mul_high(__u64 a, __u64 b)
{
	return (__u64)(((unsigned __int128)a * b) >> 64);
}

/* sum of 1/k^2: pi^2/6 - about 1/n */
static __attribute__((noinline)) double basel(__u64 n)
{
	double s = 0;
	__u64 k;

	for (k = 1; k <= n; k++)
		s += 1.0 / ((double)k * (double)k);
	return s;
}

static __u64 double_bits(double d)
{
	__u64 u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static void guest_compute(__u64 n, __u64 a, __u64 b)
{
	GUEST_SYNC(1, sum_array(numbers, ARRAY_LEN(numbers)));
	GUEST_SYNC(2, a * b, mul_high(a, b), a / (b >> 40), a % 1000003);
	GUEST_SYNC(3, fib(n));
	GUEST_SYNC(4, double_bits(basel(n * 50)));
	GUEST_DONE();
}

static __u64 guest_args(__u64 a, __u64 b, __u64 c)
{
	GUEST_SYNC(a, b, c);
	return a * b + c;
}

static void guest_round_trip(void)
{
	GUEST_SYNC(0x0123456789abcdefULL, ~0ULL, 0, 0x8000000000000000ULL, 42, 7);
	/* the host changed host_value meanwhile */
	GUEST_SYNC(host_value * 2);
	guest_value = 0xfeedface12345678ULL;
	GUEST_PRINT("printed from the guest", 5, 6);
	GUEST_DONE();
}

enum { ASSERT_LINE = __LINE__ + 5 };

static void guest_assert_fails(__u64 x)
{
	GUEST_ASSERT(x == 1);
	GUEST_ASSERT_EQ(x + 1, 3);
	GUEST_DONE();
}

static void guest_cpuid(void)
{
	__u32 a, b, c, d;

	tvx_cpuid(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT(c & (1u << 31));		/* hypervisor present */
	GUEST_ASSERT(!(c & (1u << 5)));		/* no VMX */
	tvx_cpuid(0x40000000, 0, &a, &b, &c, &d);
	GUEST_SYNC(a, b, c, d);
	GUEST_DONE();
}

static __u64 xgetbv0(void)
{
	__u32 lo, hi;

	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	return ((__u64)hi << 32) | lo;
}

/* libc's IFUNC-selected memcpy/memset, whatever this CPU made them */
static void guest_libc_memory(size_t n)
{
	size_t i;

	GUEST_SYNC(tvx_read_cr0(), tvx_read_cr4(),
		   (tvx_read_cr4() & (1u << 18)) ? xgetbv0() : 0);
	memset(copy_src, 0x5a, n);
	for (i = 0; i < n; i += 7)
		copy_src[i] = (unsigned char)i;
	memcpy(copy_dst + 1, copy_src + 3, n - 3);
	for (i = 0; i < n - 3; i++)
		GUEST_ASSERT_EQ(copy_dst[i + 1], copy_src[i + 3]);
	GUEST_ASSERT_EQ(memcmp(copy_dst + 1, copy_src + 3, n - 3), 0);
	tvx_guest_memset(copy_dst, 0, sizeof(copy_dst));
	tvx_guest_memcpy(copy_dst, copy_src, 100);
	GUEST_ASSERT_EQ(copy_dst[99], copy_src[99]);
	GUEST_ASSERT_EQ(copy_dst[100], 0);
	GUEST_ASSERT_EQ(strlen("thinvmx"), 7);
	GUEST_DONE();
}

static void guest_mmio(void)
{
	volatile __u64 *p = (volatile __u64 *)UNMAPPED_GPA;
	__u64 v;

	*p = 42;
	v = p[1];
	GUEST_SYNC(v);
	GUEST_DONE();
}

/* RAM for mf_check(): the forms' RAM run, the string forms' other side */
static __u64 mf_ram[2], mf_buf[2];

static void guest_mmio_forms(__u64 base)
{
	mf_check((volatile __u64 *)(uintptr_t)base, mf_ram, mf_buf, 0);
	GUEST_DONE();
}

/* labels give the host the RIPs the exceptions must report */
extern const char guest_ud2_insn[], guest_pf_insn[];

static void guest_ud(void)
{
	asm volatile(".globl guest_ud2_insn\n"
		     "guest_ud2_insn: ud2");
	GUEST_DONE();
}

/*
 * A #GP whose frame the CPU pushes across a page boundary: SS, RSP, RFLAGS
 * and CS onto the page above it, which the test makes ram_ro, RIP and the
 * error code onto the page below it, RAM (64-bit delivery aligns RSP to 16
 * and pushes 8-byte slots downwards from there).
 */
extern const char guest_ro_frame_insn[];
static __u8 frame_stack[2 * 4096] __attribute__((aligned(4096)));

static void guest_gp_frame_on_ram_ro(void)
{
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "mov %0, %%rsp\n\t"
		     ".globl guest_ro_frame_insn\n"
		     "guest_ro_frame_insn: mov %%eax, (%1)\n\t"	/* #GP */
		     "mov %%rbx, %%rsp"
		     : : "r" (frame_stack + 4096 + 32),
		       "r" (0x8000000000000000ULL), "a" (0) : "rbx", "memory");
	GUEST_DONE();
}

static void guest_pf(void)
{
	asm volatile(".globl guest_pf_insn\n"
		     "guest_pf_insn: movq $1, (%0)" : : "r" (PAST_MAP_GVA) : "memory");
	GUEST_DONE();
}

static void guest_not_ucalls(void)
{
	tvx_outb(0x80, 0x33);
	/* the ucall port, but EAX is not the frame's address */
	asm volatile("outl %%eax, %%dx"
		     : : "a" (0x1234), "d" (TVX_UCALL_PORT), "D" (0x5678) : "memory");
	GUEST_DONE();
}

/*
 * 32-bit protected mode, flat, paging off: make a SYNC ucall by hand with
 * CS, CR0, 2 * 21 computed with a 32-bit-only encoding (inc %eax is 0x40,
 * a REX prefix in 64-bit mode) and ESP; store to 0x300000 through the flat
 * data segment; then DONE.
 */
asm(
"	.pushsection .rodata\n"
"	.globl pm32_code, pm32_code_end\n"
"pm32_code:\n"
"	.code32\n"
"	sub $80, %esp\n"
"	mov %esp, %edi\n"
"	xor %eax, %eax\n"
"	mov $20, %ecx\n"
"	rep stosl\n"
"	mov %esp, %edi\n"
"	movl $1, (%edi)\n"
"	mov %cs, %ax\n"
"	movzwl %ax, %eax\n"
"	mov %eax, 8(%edi)\n"
"	mov %cr0, %eax\n"
"	mov %eax, 16(%edi)\n"
"	mov $1, %eax\n"
"	inc %eax\n"
"	mov $21, %ecx\n"
"	imul %ecx, %eax\n"
"	mov %eax, 24(%edi)\n"
"	mov %esp, 32(%edi)\n"
"	movl $0xcafef00d, 0x300000\n"
"	mov %edi, %eax\n"
"	mov $0x1000, %edx\n"
"	out %eax, (%dx)\n"
"	movl $3, (%edi)\n"
"	out %eax, (%dx)\n"
"	hlt\n"
"	.code64\n"
"pm32_code_end:\n"
"	.popsection\n"
);

/* Real mode: report CS, SS and SP on ports 0x80-0x82, store at DS:0x200. */
asm(
"	.pushsection .rodata\n"
"	.globl rm16_code, rm16_code_end\n"
"rm16_code:\n"
"	.code16\n"
"	mov %cs, %ax\n"
"	out %ax, $0x80\n"
"	mov %ss, %ax\n"
"	out %ax, $0x81\n"
"	mov %sp, %ax\n"
"	out %ax, $0x82\n"
"	movw $0x1234, 0x200\n"
"	hlt\n"
"	.code64\n"
"rm16_code_end:\n"
"	.popsection\n"
);

extern const unsigned char pm32_code[], pm32_code_end[];
extern const unsigned char rm16_code[], rm16_code_end[];

/* ------------------------------------------------------------ host side */

FIXTURE(guest) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct thinvmx_caps caps;
	struct tvx_ucall uc;
};

FIXTURE_SETUP(guest)
{
	int ret;

	self->h = NULL;
	self->d = NULL;
	self->v = NULL;
	ret = tvx_open(&self->h);
	if (ret == -ENOENT)
		TVX_SETUP_SKIP("no %s: module not loaded", THINVMX_DEVICE);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_get_caps(self->h, &self->caps));
	if (self->caps.vmx_status != THINVMX_VMX_OK)
		TVX_SETUP_SKIP("VMX not usable: %s",
			       tvx_vmx_status_str(self->caps.vmx_status));
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, MEM_BYTES, &self->d));
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v));
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
}

FIXTURE_TEARDOWN(guest)
{
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

/* Run to the next ucall, which must be cmd; log what it was otherwise. */
#define RUN_EXPECT(want) TVX_RUN_EXPECT((want), self->v, self->d, &self->uc)

static void start64(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
		    void *fn, __u64 a0, __u64 a1, __u64 a2)
{
	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(self->v, self->d, (__u64)(uintptr_t)fn, 0));
	ASSERT_EQ(0, tvx_vcpu_set_args(self->v, a0, a1, a2));
}

TEST_F(guest, c_computes_in_long_mode)
{
	const __u64 a = 0xfedcba9876543210ULL, b = 0x0123456789abcdefULL;
	volatile __u64 n = 20;
	double s;
	size_t i;

	for (i = 0; i < ARRAY_LEN(numbers); i++)
		numbers[i] = i * i * 1000003 + 7;
	ASSERT_EQ(0, TVX_SYNC_GLOBAL_TO_GUEST(self->d, numbers));
	start64(_metadata, self, guest_compute, n, a, b);

	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(1, self->uc.args[0]);
	EXPECT_EQ(sum_array(numbers, ARRAY_LEN(numbers)), self->uc.args[1]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(2, self->uc.args[0]);
	EXPECT_EQ(a * b, self->uc.args[1]);
	EXPECT_EQ(mul_high(a, b), self->uc.args[2]);
	EXPECT_EQ(a / (b >> 40), self->uc.args[3]);
	EXPECT_EQ(a % 1000003, self->uc.args[4]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(3, self->uc.args[0]);
	EXPECT_EQ(6765, self->uc.args[1]);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(4, self->uc.args[0]);
	/* the same machine code on the same CPU: the same bits */
	EXPECT_EQ(double_bits(basel(n * 50)), self->uc.args[1]);
	memcpy(&s, &self->uc.args[1], sizeof(s));
	EXPECT_TRUE(s > 1.6439 && s < 1.6440) TH_LOG("basel(1000) = %.10f", s);
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(0, self->uc.args[0]);
	EXPECT_NE(NULL, strstr(self->uc.file, "guest_test.c"));
}

TEST_F(guest, arguments_in_and_return_value_out)
{
	start64(_metadata, self, guest_args, 3, 4, 5);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(3, self->uc.args[0]);
	EXPECT_EQ(4, self->uc.args[1]);
	EXPECT_EQ(5, self->uc.args[2]);
	/* returning from the entry function is a DONE with RAX */
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(17, self->uc.args[0]);
	EXPECT_STREQ("the entry function returned", self->uc.msg);
	/* the guest halts for good afterwards */
	RUN_EXPECT(-EPROTO);
	EXPECT_EQ(THINVMX_EXIT_HLT, self->uc.exit.exit_reason);
}

TEST_F(guest, ucall_args_and_globals_round_trip)
{
	start64(_metadata, self, guest_round_trip, 0, 0, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x0123456789abcdefULL, self->uc.args[0]);
	EXPECT_EQ(~0ULL, self->uc.args[1]);
	EXPECT_EQ(0, self->uc.args[2]);
	EXPECT_EQ(0x8000000000000000ULL, self->uc.args[3]);
	EXPECT_EQ(42, self->uc.args[4]);
	EXPECT_EQ(7, self->uc.args[5]);
	EXPECT_NE(0, self->uc.line);

	host_value = 0x1111222233334444ULL;
	ASSERT_EQ(0, TVX_SYNC_GLOBAL_TO_GUEST(self->d, host_value));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x2222444466668888ULL, self->uc.args[0]);

	RUN_EXPECT(TVX_UCALL_PRINT);
	EXPECT_STREQ("printed from the guest", self->uc.msg);
	EXPECT_EQ(5, self->uc.args[0]);
	EXPECT_EQ(6, self->uc.args[1]);
	EXPECT_EQ(0, guest_value);	/* the host's copy */
	ASSERT_EQ(0, TVX_SYNC_GLOBAL_FROM_GUEST(self->d, guest_value));
	EXPECT_EQ(0xfeedface12345678ULL, guest_value);
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(guest, guest_assert_reports_file_line_and_values)
{
	char desc[512];

	start64(_metadata, self, guest_assert_fails, 1, 0, 0);
	RUN_EXPECT(TVX_UCALL_ASSERT);
	EXPECT_EQ(ASSERT_LINE, self->uc.line);
	EXPECT_NE(NULL, strstr(self->uc.file, "guest_test.c")) TH_LOG("%s", self->uc.file);
	EXPECT_STREQ("x + 1 == 3", self->uc.msg);
	EXPECT_EQ(2, self->uc.args[0]);
	EXPECT_EQ(3, self->uc.args[1]);
	tvx_ucall_describe(&self->uc, desc, sizeof(desc));
	EXPECT_NE(NULL, strstr(desc, "x + 1 == 3"));
	/* a failed assertion is final */
	RUN_EXPECT(-EPROTO);
	EXPECT_EQ(THINVMX_EXIT_HLT, self->uc.exit.exit_reason);

	/* the plain form: the expression, no values */
	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(self->v, self->d,
					      (__u64)(uintptr_t)guest_assert_fails, 0));
	ASSERT_EQ(0, tvx_vcpu_set_args(self->v, 5, 0, 0));
	RUN_EXPECT(TVX_UCALL_ASSERT);
	EXPECT_EQ(ASSERT_LINE - 1, self->uc.line);
	EXPECT_STREQ("x == 1", self->uc.msg);
}

TEST_F(guest, cpuid_names_thinvmx)
{
	char sig[13] = { 0 };
	__u32 regs[3];

	start64(_metadata, self, guest_cpuid, 0, 0, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	regs[0] = self->uc.args[1];
	regs[1] = self->uc.args[2];
	regs[2] = self->uc.args[3];
	memcpy(sig, regs, 12);
	EXPECT_STREQ("thinvmx", sig);
	EXPECT_EQ(0, memcmp(sig + 7, "\0\0\0\0\0", 5));
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(guest, libc_memcpy_memset_and_sse_state)
{
	unsigned int eax, ebx, ecx, edx;
	__u64 xcr0 = 0;

	start64(_metadata, self, guest_libc_memory, sizeof(copy_src), 0, 0);
	RUN_EXPECT(TVX_UCALL_SYNC);
	/* CR0 = PE|MP|ET|NE|WP|PG; CR4 has PAE, OSFXSR, OSXMMEXCPT */
	EXPECT_EQ(0x80010033, self->uc.args[0]);
	EXPECT_EQ(0x620, self->uc.args[1] & 0x620);
	asm volatile("cpuid" : "=a" (eax), "=b" (ebx), "=c" (ecx), "=d" (edx)
		     : "a" (1), "c" (0));
	if (ecx & (1u << 27)) {
		asm volatile("xgetbv" : "=a" (eax), "=d" (edx) : "c" (0));
		xcr0 = (((__u64)edx << 32) | eax) & 0xe7;
	}
	TH_LOG("host XCR0 %#llx, guest CR4 %#llx XCR0 %#llx", (unsigned long long)xcr0,
	       (unsigned long long)self->uc.args[1], (unsigned long long)self->uc.args[2]);
	EXPECT_EQ(xcr0, self->uc.args[2]);
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(guest, access_past_ram_is_an_mmio_error_then_goes_on)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);

	start64(_metadata, self, guest_mmio, 0, 0, 0);
	RUN_EXPECT(-EPROTO);
	EXPECT_EQ(TVX_UCALL_NONE, self->uc.cmd);
	ASSERT_EQ(THINVMX_EXIT_MMIO, self->uc.exit.exit_reason);
	EXPECT_EQ(UNMAPPED_GPA, self->uc.exit.mmio.gpa);
	EXPECT_EQ(1, self->uc.exit.mmio.is_write);
	EXPECT_EQ(8, self->uc.exit.mmio.size);
	EXPECT_EQ(42, self->uc.exit.mmio.data);
	/* the caller may complete it and go on */
	RUN_EXPECT(-EPROTO);
	ASSERT_EQ(THINVMX_EXIT_MMIO, self->uc.exit.exit_reason);
	EXPECT_EQ(UNMAPPED_GPA + 8, self->uc.exit.mmio.gpa);
	EXPECT_EQ(0, self->uc.exit.mmio.is_write);
	run->mmio.data = 0x7766554433221100ULL;
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(0x7766554433221100ULL, self->uc.args[0]);
	RUN_EXPECT(TVX_UCALL_DONE);
}

/*
 * What compilers emit for device registers works on emulated MMIO as on
 * RAM (mmio_forms.h): read-modify-write forms are a read and a write at
 * the VMM with RFLAGS as the CPU sets them (XCHG, XADD and CMPXCHG too,
 * with their register writes), MOVZX/MOVSX/MOVSXD loads, and string
 * forms (CMPS and SCAS with REPE/REPNE among them) one element per exit.
 * The VMM here is 16 bytes of memory;
 * no form is left to it as an instruction (THINVMX_EXIT_MMIO_INSN).
 */
TEST_F(guest, mmio_forms_behave_as_on_ram)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);
	unsigned int reads = 0, writes = 0;
	__u8 dev[16] = { 0 };
	char desc[512];
	__u64 off, data;
	int r;

	start64(_metadata, self, guest_mmio_forms, UNMAPPED_GPA, 0, 0);
	for (;;) {
		r = tvx_run_until_ucall(self->v, self->d, &self->uc);
		if (r != -EPROTO)
			break;
		ASSERT_EQ(THINVMX_EXIT_MMIO, self->uc.exit.exit_reason)
			TH_LOG("exit %u, MMIO_INSN at rip %#llx",
			       self->uc.exit.exit_reason,
			       (unsigned long long)run->mmio_insn.rip);
		off = run->mmio.gpa - UNMAPPED_GPA;
		ASSERT_LE(off + run->mmio.size, sizeof(dev));
		if (run->mmio.is_write) {
			data = run->mmio.data;
			memcpy(dev + off, &data, run->mmio.size);
			writes++;
		} else {
			data = 0;
			memcpy(&data, dev + off, run->mmio.size);
			run->mmio.data = data;
			reads++;
		}
	}
	tvx_ucall_describe(&self->uc, desc, sizeof(desc));
	ASSERT_EQ(TVX_UCALL_DONE, r) TH_LOG("%s", desc);
	TH_LOG("%u MMIO reads, %u writes", reads, writes);
}

TEST_F(guest, exceptions_reported_by_the_idt_stubs)
{
	char desc[512];

	start64(_metadata, self, guest_ud, 0, 0, 0);
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(6, self->uc.args[0]);
	EXPECT_EQ((__u64)(uintptr_t)guest_ud2_insn, self->uc.args[2]);
	tvx_ucall_describe(&self->uc, desc, sizeof(desc));
	EXPECT_NE(NULL, strstr(desc, "#UD")) TH_LOG("%s", desc);

	start64(_metadata, self, guest_pf, 0, 0, 0);
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(14, self->uc.args[0]);
	EXPECT_EQ(2, self->uc.args[1]);		/* write, not present */
	EXPECT_EQ((__u64)(uintptr_t)guest_pf_insn, self->uc.args[2]);
	EXPECT_EQ(PAST_MAP_GVA, self->uc.args[3]);
}

TEST_F(guest, exits_that_are_no_ucall)
{
	start64(_metadata, self, guest_not_ucalls, 0, 0, 0);
	RUN_EXPECT(-EPROTO);
	EXPECT_EQ(THINVMX_EXIT_IO, self->uc.exit.exit_reason);
	EXPECT_EQ(0x80, self->uc.exit.io.port);
	EXPECT_EQ(0x33, self->uc.exit.io.data);
	RUN_EXPECT(-EBADMSG);
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(guest, protected_mode_32bit)
{
	struct tvx_guest_layout l;
	__u32 *mem;

	if (!(self->caps.features & THINVMX_FEAT_UNRESTRICTED))
		SKIP(return, "no unrestricted guest: paging-off protected mode");
	ASSERT_EQ(0, tvx_load_flat_buf(self->d, pm32_code, pm32_code_end - pm32_code,
				       SCRATCH_GPA));
	ASSERT_EQ(0, tvx_vcpu_setup_protected_mode(self->v, self->d, SCRATCH_GPA, 0));
	ASSERT_EQ(0, tvx_guest_layout(self->d, &l));
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(TVX_GUEST_SEL_CODE32, self->uc.args[0]);
	EXPECT_EQ(0x33, self->uc.args[1]);	/* PE|MP|ET|NE, no PG */
	EXPECT_EQ(42, self->uc.args[2]);
	EXPECT_EQ(l.stack_top[0] - 80, self->uc.args[3]);
	EXPECT_EQ(l.stack_top[0] - 80, self->uc.frame_gpa);
	mem = tvx_gpa(self->d, 0x300000);
	EXPECT_EQ(0xcafef00d, *mem);
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(guest, real_mode_start)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);
	struct thinvmx_regs regs;
	__u16 *mem;

	if (!(self->caps.features & THINVMX_FEAT_UNRESTRICTED))
		SKIP(return, "no unrestricted guest: real mode");
	ASSERT_EQ(0, tvx_load_flat_buf(self->d, rm16_code, rm16_code_end - rm16_code,
				       0x10100));
	ASSERT_EQ(0, tvx_vcpu_setup_real_mode(self->v, 0x1000, 0x100));
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	ASSERT_EQ(THINVMX_EXIT_IO, run->exit_reason);
	EXPECT_EQ(0x80, run->io.port);
	EXPECT_EQ(2, run->io.size);
	EXPECT_EQ(0x1000, run->io.data);
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	EXPECT_EQ(0x81, run->io.port);
	EXPECT_EQ(0x1000, run->io.data);
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	EXPECT_EQ(0x82, run->io.port);
	EXPECT_EQ(0, run->io.data);
	/* not a ucall: the run helper says so */
	RUN_EXPECT(-EPROTO);
	EXPECT_EQ(THINVMX_EXIT_HLT, self->uc.exit.exit_reason);
	mem = tvx_gpa(self->d, 0x10200);
	EXPECT_EQ(0x1234, *mem);
	ASSERT_EQ(0, tvx_get_regs(self->v, &regs));
	EXPECT_EQ(0x100 + (rm16_code_end - rm16_code), regs.rip);
}

/* ------------------------------------------------------------ loaders */

/* a file in memory; returns its /proc path in buf */
static int memfile(const void *data, size_t len, char *buf, size_t buflen)
{
	int fd = memfd_create("tvx-image", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		return -1;
	snprintf(buf, buflen, "/proc/self/fd/%d", fd);
	return fd;
}

struct mini_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	unsigned char code[32];
	char data[8];
};

/*
 * Two segments: code at 0x200000 with 0x2000 bytes of memory (bss after
 * the code), data linked at a high virtual address but loaded at paddr
 * 0x300000. The code is 64-bit: movabs, shr, out of EAX, hlt.
 */
static void mini_elf_init(struct mini_elf *e)
{
	static const unsigned char code[] = {
		0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		0x48, 0xc1, 0xe8, 0x20,		/* shr $32, %rax */
		0xe7, 0x80,			/* out %eax, $0x80 */
		0xf4,				/* hlt */
	};

	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_ident[EI_VERSION] = EV_CURRENT;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = EM_X86_64;
	e->eh.e_version = EV_CURRENT;
	e->eh.e_entry = 0x200000;
	e->eh.e_phoff = offsetof(struct mini_elf, ph);
	e->eh.e_ehsize = sizeof(Elf64_Ehdr);
	e->eh.e_phentsize = sizeof(Elf64_Phdr);
	e->eh.e_phnum = 2;
	e->ph[0].p_type = PT_LOAD;
	e->ph[0].p_flags = PF_R | PF_X;
	e->ph[0].p_offset = offsetof(struct mini_elf, code);
	e->ph[0].p_vaddr = 0x200000;
	e->ph[0].p_paddr = 0x200000;
	e->ph[0].p_filesz = sizeof(code);
	e->ph[0].p_memsz = 0x2000;
	e->ph[1].p_type = PT_LOAD;
	e->ph[1].p_flags = PF_R | PF_W;
	e->ph[1].p_offset = offsetof(struct mini_elf, data);
	e->ph[1].p_vaddr = 0xffffffff80300000ULL;
	e->ph[1].p_paddr = 0x300000;
	e->ph[1].p_filesz = 8;
	e->ph[1].p_memsz = 8;
	memcpy(e->code, code, sizeof(code));
	memcpy(e->data, "DATADATA", 8);
}

static int load_mini(struct tvx_domain *d, const void *img, size_t len, __u64 *entry)
{
	char path[64];
	int fd = memfile(img, len, path, sizeof(path));
	int ret;

	if (fd < 0)
		return -1000;
	ret = tvx_load_elf(d, path, entry);
	close(fd);
	return ret;
}

/*
 * rep outsb "hello" to 0x3f8, rep insw three words from 0x60 into the
 * frame at 0x11000, rep outsb with CX = 0 (nothing), std and rep outsb
 * twice (backwards), cld and one outsw; hlt. 1000:0100.
 */
static const unsigned char strio_code[] = {
	0xbe, 0x00, 0x03,	/* 0x100 mov si, 0x300 */
	0xb9, 0x05, 0x00,	/* 0x103 mov cx, 5 */
	0xba, 0xf8, 0x03,	/* 0x106 mov dx, 0x3f8 */
	0xfc,			/* 0x109 cld */
	0xf3, 0x6e,		/* 0x10a rep outsb */
	0xbf, 0x00, 0x14,	/* 0x10c mov di, 0x1400 */
	0xb9, 0x03, 0x00,	/* 0x10f mov cx, 3 */
	0xba, 0x60, 0x00,	/* 0x112 mov dx, 0x60 */
	0xf3, 0x6d,		/* 0x115 rep insw */
	0x31, 0xc9,		/* 0x117 xor cx, cx */
	0xf3, 0x6e,		/* 0x119 rep outsb: no element */
	0xba, 0xf8, 0x03,	/* 0x11b mov dx, 0x3f8 */
	0xfd,			/* 0x11e std */
	0xbe, 0x04, 0x03,	/* 0x11f mov si, 0x304 */
	0xb9, 0x02, 0x00,	/* 0x122 mov cx, 2 */
	0xf3, 0x6e,		/* 0x125 rep outsb */
	0xfc,			/* 0x127 cld */
	0x6f,			/* 0x128 outsw */
	0xf4,			/* 0x129 hlt */
};

static void strio_expect(struct __test_metadata *_metadata, struct tvx_vcpu *v,
			 __u8 dir, __u16 port, __u8 size, __u64 data, __u64 rip,
			 __u64 rcx)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(v);
	struct thinvmx_regs regs;

	ASSERT_EQ(0, tvx_vcpu_run(v));
	ASSERT_EQ(THINVMX_EXIT_IO, run->exit_reason);
	EXPECT_EQ(dir, run->io.direction);
	EXPECT_EQ(port, run->io.port);
	EXPECT_EQ(size, run->io.size);
	if (dir == THINVMX_IO_OUT) {
		EXPECT_EQ(data, run->io.data);
	} else {
		run->io.data = data;
	}
	ASSERT_EQ(0, tvx_get_regs(v, &regs));
	/* on the instruction until its last element; RCX not counted yet */
	EXPECT_EQ(rip, regs.rip);
	EXPECT_EQ(rcx, regs.rcx & 0xffff);
}

static void strio_run(struct __test_metadata *_metadata, struct tvx_domain *d,
		      struct tvx_vcpu *v)
{
	static const char hello[] = "hello";
	struct thinvmx_regs regs;
	int i;

	memcpy(tvx_gpa(d, 0x10300), hello, 5);
	ASSERT_EQ(0, tvx_load_flat_buf(d, strio_code, sizeof(strio_code), 0x10100));
	ASSERT_EQ(0, tvx_vcpu_setup_real_mode(v, 0x1000, 0x100));
	for (i = 0; i < 5; i++)
		strio_expect(_metadata, v, THINVMX_IO_OUT, 0x3f8, 1, hello[i],
			     0x10a, 5 - i);
	for (i = 0; i < 3; i++)
		strio_expect(_metadata, v, THINVMX_IO_IN, 0x60, 2,
			     0x1111 * (i + 1), 0x115, 3 - i);
	strio_expect(_metadata, v, THINVMX_IO_OUT, 0x3f8, 1, 'o', 0x125, 2);
	strio_expect(_metadata, v, THINVMX_IO_OUT, 0x3f8, 1, 'l', 0x125, 1);
	/* SI is 0x302 after the backward pair: "ll" */
	strio_expect(_metadata, v, THINVMX_IO_OUT, 0x3f8, 2, 0x6c6c, 0x128, 0);
	ASSERT_EQ(0, tvx_vcpu_run(v));
	ASSERT_EQ(THINVMX_EXIT_HLT, tvx_vcpu_run_page(v)->exit_reason);
	ASSERT_EQ(0, tvx_get_regs(v, &regs));
	EXPECT_EQ(0x304, regs.rsi & 0xffff);
	EXPECT_EQ(0x1406, regs.rdi & 0xffff);
	EXPECT_EQ(0, regs.rcx & 0xffff);
	EXPECT_EQ(0, regs.rflags & 0x400);	/* DF clear again */
}

/*
 * INS and OUTS, with and without REP, both directions, one element per
 * exit; with dirty logging on, the frame INS stored into is logged and
 * the one OUTS read from is not.
 */
TEST_F(guest, string_io_one_element_per_exit)
{
	__u64 bits[1] = { 0 };
	__u16 *buf;

	if (!(self->caps.features & THINVMX_FEAT_UNRESTRICTED))
		SKIP(return, "no unrestricted guest: real mode");
	ASSERT_EQ(0, tvx_dirty_log_start(self->d));
	strio_run(_metadata, self->d, self->v);
	buf = tvx_gpa(self->d, 0x11400);
	EXPECT_EQ(0x1111, buf[0]);
	EXPECT_EQ(0x2222, buf[1]);
	EXPECT_EQ(0x3333, buf[2]);
	ASSERT_EQ(0, tvx_dirty_log_get(self->d, 0, 64, bits));
	EXPECT_EQ(1ULL << 0x11, bits[0]);
	ASSERT_EQ(0, tvx_dirty_log_stop(self->d));
}

/* INS into ram_ro: the elements go to the VMM and are dropped, counted. */
TEST_F(guest, string_io_into_ram_ro_is_dropped)
{
	struct thinvmx_domain_info info;
	__u16 *buf;

	if (!(self->caps.features & THINVMX_FEAT_UNRESTRICTED))
		SKIP(return, "no unrestricted guest: real mode");
	buf = tvx_gpa(self->d, 0x11400);
	buf[0] = buf[1] = buf[2] = 0xdead;
	ASSERT_EQ(0, tvx_set_mem_type(self->d, 0x11, 1, THINVMX_P2M_RAM_RO));
	strio_run(_metadata, self->d, self->v);
	EXPECT_EQ(0xdead, buf[0]);
	EXPECT_EQ(0xdead, buf[1]);
	EXPECT_EQ(0xdead, buf[2]);
	ASSERT_EQ(0, tvx_domain_info(self->d, &info));
	EXPECT_EQ(3, info.ram_ro_writes_discarded);
}

/*
 * A write the CPU itself makes while delivering an event -- here part of
 * a #GP frame pushed onto a ram_ro page -- is discarded like any write to
 * ram_ro, but it is no instruction's: the instruction at RIP is neither
 * decoded nor skipped, the #GP is delivered with its own RIP, and the
 * page's mapping is back as it was once the delivery is done.
 */
TEST_F(guest, event_delivery_write_to_ram_ro_skips_no_instruction)
{
	__u64 ro_gpa = (__u64)(uintptr_t)frame_stack + 4096;
	struct thinvmx_domain_info info;
	__u64 *ro = tvx_gpa(self->d, ro_gpa);
	int i;

	ASSERT_EQ(0, tvx_set_mem_type(self->d, ro_gpa >> 12, 1, THINVMX_P2M_RAM_RO));
	start64(_metadata, self, guest_gp_frame_on_ram_ro, 0, 0, 0);
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(13, self->uc.args[0]);
	EXPECT_EQ(0, self->uc.args[1]);
	/* the frame's RIP is the faulting MOV's, not the next instruction's */
	EXPECT_EQ((__u64)(uintptr_t)guest_ro_frame_insn, self->uc.args[2]);
	/* the part of the frame on the read-only page never reached it */
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, ro[i]);
	ASSERT_EQ(0, tvx_domain_info(self->d, &info));
	EXPECT_LE(1, info.ram_ro_writes_discarded);

	/* the page's own frame is mapped again: a guest read sees its data */
	ro[0] = 0x5a5a5a5a12345678ULL;
	start64(_metadata, self, tvx_guest_read64, ro_gpa, 0, 0);
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(0x5a5a5a5a12345678ULL, self->uc.args[0]);
}

/*
 * One ROL (which the decoder does not take: no shift or rotate is an MMIO
 * form) whose two bytes land on two ram_ro frames: the first write swaps its frame's leaf onto the scratch
 * page for a single step, the second finds a step in progress and stops
 * the vCPU with an internal error. The swapped leaf must not outlive that
 * vCPU: a new vCPU reads the frames' own data, not the scratch page.
 */
static __u8 two_ro[2 * 4096] __attribute__((aligned(4096)));

static void guest_rolw_across(void)
{
	asm volatile("rolw $8, (%0)" : : "r" (two_ro + 4095) : "memory", "cc");
	GUEST_DONE();
}

static void guest_read_across(void)
{
	GUEST_SYNC(*(volatile __u8 *)(two_ro + 4095),
		   *(volatile __u8 *)(two_ro + 4096));
	GUEST_DONE();
}

TEST_F(guest, a_vcpu_stopped_mid_step_leaves_no_leaf_swapped)
{
	__u64 gpa = (__u64)(uintptr_t)two_ro;
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);
	__u8 *ro = tvx_gpa(self->d, gpa);
	struct tvx_vcpu *v;
	unsigned int id;

	memset(ro, 0x11, 2 * 4096);
	ASSERT_EQ(0, tvx_set_mem_type(self->d, gpa >> 12, 2, THINVMX_P2M_RAM_RO));
	start64(_metadata, self, guest_rolw_across, 0, 0, 0);
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	ASSERT_EQ(THINVMX_EXIT_INTERNAL_ERROR, run->exit_reason);
	EXPECT_EQ(THINVMX_INTERNAL_EMULATION, run->internal.suberror);
	EXPECT_EQ(-EIO, tvx_vcpu_run(self->v));

	/* while the stopped vCPU is still there, and after it is gone */
	for (id = 1; id <= 2; id++) {
		ASSERT_EQ(0, tvx_vcpu_create(self->d, id, &v));
		ASSERT_EQ(0, tvx_start_fn(v, self->d, guest_read_across, 0, 0));
		TVX_RUN_EXPECT(TVX_UCALL_SYNC, v, self->d, &self->uc);
		EXPECT_EQ(0x11, self->uc.args[0]) TH_LOG("vCPU %u", id);
		EXPECT_EQ(0x11, self->uc.args[1]) TH_LOG("vCPU %u", id);
		tvx_vcpu_destroy(v);
		tvx_vcpu_destroy(self->v);
		self->v = NULL;
	}
	EXPECT_EQ(0x11, ro[4095]);
	EXPECT_EQ(0x11, ro[4096]);
}

extern const char guest_mmio_cx16[], guest_mmio_cx16_end[];

static void guest_mmio_not_emulated(void)
{
	asm volatile(".globl guest_mmio_cx16, guest_mmio_cx16_end\n"
		     "guest_mmio_cx16: lock cmpxchg16b (%0)\n"
		     "guest_mmio_cx16_end:"
		     : : "r" (UNMAPPED_GPA), "a" (1), "d" (0), "b" (2), "c" (3)
		     : "memory", "cc");
	GUEST_DONE();
}

/*
 * MMIO by an instruction thinvmx does not emulate (a CMPXCHG16B, whose 16
 * bytes do not fit an MMIO exit) is an
 * exit of its own, with the address and the instruction's bytes, and
 * does not stop the vCPU: the VMM steps over it and the guest goes on.
 * (It used to be an internal error, and the vCPU was gone.)
 */
TEST_F(guest, mmio_by_an_instruction_not_emulated_is_an_exit_of_its_own)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);
	__u64 len = guest_mmio_cx16_end - guest_mmio_cx16;
	struct thinvmx_regs regs;

	start64(_metadata, self, guest_mmio_not_emulated, 0, 0, 0);
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	ASSERT_EQ(THINVMX_EXIT_MMIO_INSN, run->exit_reason);
	EXPECT_EQ(UNMAPPED_GPA, run->mmio_insn.gpa);
	EXPECT_EQ((__u64)(uintptr_t)guest_mmio_cx16, run->mmio_insn.rip);
	EXPECT_LE(len, run->mmio_insn.len);
	EXPECT_EQ(0, memcmp(run->mmio_insn.insn, guest_mmio_cx16, len));
	/* nothing was done: RUN again meets it again */
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	ASSERT_EQ(THINVMX_EXIT_MMIO_INSN, run->exit_reason);
	/* the VMM steps over it */
	ASSERT_EQ(0, tvx_get_regs(self->v, &regs));
	regs.rip += len;
	ASSERT_EQ(0, tvx_set_regs(self->v, &regs));
	RUN_EXPECT(TVX_UCALL_DONE);
}

TEST_F(guest, elf_loader_loads_and_runs)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(self->v);
	unsigned char *code = tvx_gpa(self->d, 0x200000);
	struct mini_elf e;
	__u64 entry = 0;

	mini_elf_init(&e);
	memset(code, 0xff, 0x3000);
	ASSERT_EQ(0, load_mini(self->d, &e, sizeof(e), &entry));
	EXPECT_EQ(0x200000, entry);
	EXPECT_EQ(0xb8, code[1]);
	EXPECT_EQ(0, code[sizeof(e.code)]);	/* bss zeroed... */
	EXPECT_EQ(0, code[0x1fff]);
	EXPECT_EQ(0xff, code[0x2000]);		/* ...up to p_memsz only */
	EXPECT_EQ(0, memcmp(tvx_gpa(self->d, 0x300000), "DATADATA", 8));

	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(self->v, self->d, entry, 0));
	RUN_EXPECT(-EPROTO);
	ASSERT_EQ(THINVMX_EXIT_IO, run->exit_reason);
	EXPECT_EQ(0x80, run->io.port);
	EXPECT_EQ(0x11223344, run->io.data);

	/* a real one: this program's file */
	ASSERT_EQ(0, tvx_load_elf(self->d, "/proc/self/exe", &entry));
	EXPECT_EQ(getauxval(AT_ENTRY), entry);
}

TEST_F(guest, elf_loader_refuses_bad_files)
{
	unsigned char *code = tvx_gpa(self->d, 0x200000);
	struct mini_elf e;
	__u64 entry = 0x5555;

	EXPECT_EQ(-ENOEXEC, load_mini(self->d, "hello, world", 12, &entry));
	EXPECT_EQ(-ENOEXEC, load_mini(self->d, "", 0, &entry));
	mini_elf_init(&e);
	EXPECT_EQ(-ENOEXEC, load_mini(self->d, &e, sizeof(e.eh) - 1, &entry));
	EXPECT_EQ(-ENOEXEC, load_mini(self->d, &e, offsetof(struct mini_elf, ph[1]), &entry));
	e.eh.e_ident[EI_CLASS] = ELFCLASS32;
	EXPECT_EQ(-ENOEXEC, load_mini(self->d, &e, sizeof(e), &entry));
	mini_elf_init(&e);
	e.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	EXPECT_EQ(-ENOEXEC, load_mini(self->d, &e, sizeof(e), &entry));
	mini_elf_init(&e);
	e.eh.e_machine = EM_386;
	EXPECT_EQ(-ENOEXEC, load_mini(self->d, &e, sizeof(e), &entry));
	mini_elf_init(&e);
	e.eh.e_type = ET_DYN;
	EXPECT_EQ(-ENOEXEC, load_mini(self->d, &e, sizeof(e), &entry));
	mini_elf_init(&e);
	e.eh.e_phentsize = 32;
	EXPECT_EQ(-ENOEXEC, load_mini(self->d, &e, sizeof(e), &entry));
	mini_elf_init(&e);
	e.ph[0].p_filesz = e.ph[0].p_memsz + 1;
	EXPECT_EQ(-ENOEXEC, load_mini(self->d, &e, sizeof(e), &entry));
	mini_elf_init(&e);
	e.ph[1].p_filesz = e.ph[1].p_memsz = 9;	/* one byte past the file */
	EXPECT_EQ(-ENOEXEC, load_mini(self->d, &e, sizeof(e), &entry));
	mini_elf_init(&e);
	e.ph[1].p_type = PT_INTERP;
	EXPECT_EQ(-ENOEXEC, load_mini(self->d, &e, sizeof(e), &entry));
	EXPECT_EQ(-ENOENT, tvx_load_elf(self->d, "/nonexistent", &entry));
	EXPECT_EQ(0x5555, entry);

	/* a segment past RAM: -ERANGE, and nothing at all is written */
	memset(code, 0xff, 0x100);
	mini_elf_init(&e);
	e.ph[1].p_paddr = MEM_BYTES - 4;
	EXPECT_EQ(-ERANGE, load_mini(self->d, &e, sizeof(e), &entry));
	mini_elf_init(&e);
	e.ph[1].p_paddr = ~0ULL - 3;		/* wraps around */
	EXPECT_EQ(-ERANGE, load_mini(self->d, &e, sizeof(e), &entry));
	EXPECT_EQ(0xff, code[0]);
	EXPECT_EQ(0x5555, entry);
}

TEST_F(guest, flat_loader_and_guest_copies)
{
	static const char img[] = "a raw image";
	char path[64], back[sizeof(img)];
	int fd;

	ASSERT_EQ(0, tvx_load_flat_buf(self->d, img, sizeof(img), MEM_BYTES - sizeof(img)));
	EXPECT_EQ(0, memcmp(tvx_gpa(self->d, MEM_BYTES - sizeof(img)), img, sizeof(img)));
	EXPECT_EQ(-ERANGE, tvx_load_flat_buf(self->d, img, sizeof(img),
					     MEM_BYTES - sizeof(img) + 1));
	fd = memfile(img, sizeof(img), path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tvx_load_flat(self->d, path, 0x1ffffa));	/* across a page */
	close(fd);
	ASSERT_EQ(0, tvx_read_guest(self->d, 0x1ffffa, back, sizeof(back)));
	EXPECT_STREQ(img, back);
	EXPECT_EQ(-ERANGE, tvx_read_guest(self->d, MEM_BYTES - 1, back, 2));
	EXPECT_EQ(-ERANGE, tvx_write_guest(self->d, ~0ULL, back, 2));
	EXPECT_EQ(-ENOENT, tvx_load_flat(self->d, "/nonexistent", 0));
}

TEST_F(guest, layout_at_the_top_of_ram)
{
	struct tvx_guest_layout l;
	struct tvx_domain *small;
	unsigned int i;

	ASSERT_EQ(0, tvx_guest_layout(self->d, &l));
	EXPECT_EQ(MEM_BYTES - TVX_GUEST_AREA_SIZE, l.base);
	EXPECT_EQ(4ULL << 30, l.map_end);
	for (i = 0; i < TVX_GUEST_STACKS; i++) {
		EXPECT_EQ(0, l.stack_top[i] % 16);
		EXPECT_LT(l.base, l.stack_top[i]);
		EXPECT_GE(l.base + TVX_GUEST_AREA_SIZE, l.stack_top[i]);
	}
	/* too small for the area */
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, 256 << 10, &small));
	EXPECT_EQ(-ENOSPC, tvx_guest_layout(small, &l));
	tvx_domain_destroy(small);
}

TEST_HARNESS_MAIN
