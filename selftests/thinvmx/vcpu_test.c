// SPDX-License-Identifier: GPL-2.0
/*
 * Domains and vCPUs running real guest code: real mode guests written as
 * bytes, exits to userspace (port I/O, MMIO, HLT, shutdown), exits handled
 * in the kernel (CPUID), VMX instructions refused, signals, leaks.
 *
 * Requires: root, the thinvmx module loaded, and usable VMX with
 * unrestricted guest (Bochs); SKIPs otherwise.
 */
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"

#define CODE_GPA	0x1000
#define MMIO_GPA	0x200000	/* above the 1 MiB of RAM */

FIXTURE(guest) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct thinvmx_run *run;
};

FIXTURE_SETUP(guest)
{
	const char *why;
	int err;

	self->d = NULL;
	self->v = NULL;
	/* these guests start in real mode: unrestricted guest needed */
	why = tvx_test_open(&self->h, true, &err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, 1 << 20, &self->d));
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v));
	self->run = tvx_vcpu_run_page(self->v);
}

FIXTURE_TEARDOWN(guest)
{
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

/* Real mode at 0000:CODE_GPA with the code given, SP at 0x8000. */
static void load_real(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
		      const void *code, size_t len)
{
	struct thinvmx_regs regs = { .rip = CODE_GPA, .rsp = 0x8000, .rflags = 2 };
	struct thinvmx_sregs s;

	memcpy(tvx_gpa(self->d, CODE_GPA), code, len);
	ASSERT_EQ(0, tvx_get_sregs(self->v, &s));
	s.cs.selector = 0;
	s.cs.base = 0;
	ASSERT_EQ(0, tvx_set_sregs(self->v, &s));
	ASSERT_EQ(0, tvx_set_regs(self->v, &regs));
}

static void expect_io(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
		      int dir, __u16 port, __u8 size, __u64 data)
{
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	ASSERT_EQ(THINVMX_EXIT_IO, self->run->exit_reason);
	EXPECT_EQ(dir, self->run->io.direction);
	EXPECT_EQ(port, self->run->io.port);
	EXPECT_EQ(size, self->run->io.size);
	if (dir == THINVMX_IO_OUT)
		EXPECT_EQ(data, self->run->io.data);
}

static void expect_exit(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
			__u32 reason)
{
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	ASSERT_EQ(reason, self->run->exit_reason)
		TH_LOG("exit %u, internal %#x/%u rip %#llx", self->run->exit_reason,
		       self->run->internal.vmx_exit_reason,
		       self->run->internal.suberror,
		       (unsigned long long)self->run->internal.guest_rip);
}

TEST_F(guest, real_mode_port_io_both_ways_and_hlt)
{
	static const unsigned char code[] = {
		0xb0, 0x42,		/* mov al, 0x42 */
		0xe6, 0x10,		/* out 0x10, al */
		0xe4, 0x11,		/* in al, 0x11 */
		0xe6, 0x12,		/* out 0x12, al */
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax, 0x12345678 */
		0x66, 0xe7, 0x13,	/* out 0x13, eax */
		0xf4,			/* hlt */
	};
	struct thinvmx_regs regs;

	load_real(_metadata, self, code, sizeof(code));
	expect_io(_metadata, self, THINVMX_IO_OUT, 0x10, 1, 0x42);
	expect_io(_metadata, self, THINVMX_IO_IN, 0x11, 1, 0);
	self->run->io.data = 0x99;
	expect_io(_metadata, self, THINVMX_IO_OUT, 0x12, 1, 0x99);
	expect_io(_metadata, self, THINVMX_IO_OUT, 0x13, 4, 0x12345678);
	expect_exit(_metadata, self, THINVMX_EXIT_HLT);
	ASSERT_EQ(0, tvx_get_regs(self->v, &regs));
	EXPECT_EQ(CODE_GPA + sizeof(code), regs.rip);
	EXPECT_EQ(0x12345678, regs.rax);
	EXPECT_LE(5, self->run->exits);
}

TEST_F(guest, arithmetic_and_memory_checked_from_host)
{
	static const unsigned char code[] = {
		0x66, 0xb8, 0x07, 0x00, 0x00, 0x00,	/* mov eax, 7 */
		0x66, 0xbb, 0x06, 0x00, 0x00, 0x00,	/* mov ebx, 6 */
		0x66, 0x0f, 0xaf, 0xc3,			/* imul eax, ebx */
		0x66, 0xa3, 0x00, 0x30,			/* mov [0x3000], eax */
		0x66, 0x8b, 0x0e, 0x04, 0x30,		/* mov ecx, [0x3004] */
		0x66, 0x41,				/* inc ecx */
		0x66, 0x89, 0x0e, 0x08, 0x30,		/* mov [0x3008], ecx */
		0xf4,
	};
	struct thinvmx_regs regs;
	__u32 *mem = tvx_gpa(self->d, 0x3000);

	mem[1] = 0xdeadbeef;
	load_real(_metadata, self, code, sizeof(code));
	expect_exit(_metadata, self, THINVMX_EXIT_HLT);
	EXPECT_EQ(42, mem[0]);
	EXPECT_EQ(0xdeadbef0, mem[2]);
	ASSERT_EQ(0, tvx_get_regs(self->v, &regs));
	EXPECT_EQ(42, regs.rax);
	EXPECT_EQ(6, regs.rbx);
}

TEST_F(guest, cpuid_answered_in_kernel)
{
	static const unsigned char code[] = {
		0x66, 0xb8, 0x00, 0x00, 0x00, 0x40,	/* mov eax, 0x40000000 */
		0x0f, 0xa2,				/* cpuid */
		0xf4,
	};
	struct thinvmx_regs regs;
	char sig[13] = { 0 };

	load_real(_metadata, self, code, sizeof(code));
	expect_exit(_metadata, self, THINVMX_EXIT_HLT);
	ASSERT_EQ(0, tvx_get_regs(self->v, &regs));
	memcpy(sig, &regs.rbx, 4);
	memcpy(sig + 4, &regs.rcx, 4);
	memcpy(sig + 8, &regs.rdx, 4);
	EXPECT_STREQ("thinvmx", sig);
	EXPECT_EQ(0x40000000, regs.rax);
}

TEST_F(guest, emulated_mmio_read_and_write)
{
	static const unsigned char code[] = {
		0xa0, 0x00, 0x00,		/* mov al, [0] (DS base MMIO_GPA) */
		0x04, 0x01,			/* add al, 1 */
		0xa2, 0x10, 0x00,		/* mov [0x10], al */
		0x66, 0xc7, 0x06, 0x20, 0x00, 0x44, 0x33, 0x22, 0x11,
						/* mov dword [0x20], 0x11223344 */
		0xf4,
	};
	struct thinvmx_sregs s;
	struct thinvmx_regs regs;

	load_real(_metadata, self, code, sizeof(code));
	ASSERT_EQ(0, tvx_get_sregs(self->v, &s));
	s.ds.base = MMIO_GPA;
	ASSERT_EQ(0, tvx_set_sregs(self->v, &s));

	expect_exit(_metadata, self, THINVMX_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA, self->run->mmio.gpa);
	EXPECT_EQ(1, self->run->mmio.size);
	EXPECT_EQ(0, self->run->mmio.is_write);
	self->run->mmio.data = 0x5a;

	expect_exit(_metadata, self, THINVMX_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA + 0x10, self->run->mmio.gpa);
	EXPECT_EQ(1, self->run->mmio.size);
	EXPECT_EQ(1, self->run->mmio.is_write);
	EXPECT_EQ(0x5b, self->run->mmio.data);

	expect_exit(_metadata, self, THINVMX_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA + 0x20, self->run->mmio.gpa);
	EXPECT_EQ(4, self->run->mmio.size);
	EXPECT_EQ(1, self->run->mmio.is_write);
	EXPECT_EQ(0x11223344, self->run->mmio.data);

	expect_exit(_metadata, self, THINVMX_EXIT_HLT);
	ASSERT_EQ(0, tvx_get_regs(self->v, &regs));
	EXPECT_EQ(0x5b, regs.rax & 0xff);
}

/*
 * With an empty IVT limit every exception escalates: #GP, double fault,
 * shutdown. The vCPU stops; the host and the module go on.
 */
TEST_F(guest, triple_fault_stops_the_vcpu)
{
	static const unsigned char code[] = { 0xcc, 0xf4 };	/* int3 */
	struct thinvmx_sregs s;

	load_real(_metadata, self, code, sizeof(code));
	ASSERT_EQ(0, tvx_get_sregs(self->v, &s));
	s.idt.limit = 0;
	ASSERT_EQ(0, tvx_set_sregs(self->v, &s));
	expect_exit(_metadata, self, THINVMX_EXIT_SHUTDOWN);
	EXPECT_EQ(-EIO, tvx_vcpu_run(self->v));
	EXPECT_EQ(THINVMX_EXIT_SHUTDOWN, self->run->exit_reason);
}

/* VMX instructions in a guest raise #UD, caught by the guest's own IVT. */
TEST_F(guest, vmx_instructions_raise_ud)
{
	static const struct {
		const char *name;
		unsigned char insn[4];
		int len;
	} insns[] = {
		{ "vmcall", { 0x0f, 0x01, 0xc1 }, 3 },
		{ "vmxoff", { 0x0f, 0x01, 0xc4 }, 3 },
		{ "vmread", { 0x0f, 0x78, 0xc0 }, 3 },	/* vmread eax, eax */
	};
	unsigned int i;

	for (i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		unsigned char code[16];
		__u16 *ivt = tvx_gpa(self->d, 0);
		unsigned char *handler = tvx_gpa(self->d, 0x2000);

		/* #UD (vector 6) -> 0000:2000: out 0x66, al; hlt */
		ivt[6 * 2] = 0x2000;
		ivt[6 * 2 + 1] = 0;
		handler[0] = 0xb0;	/* mov al, 6 */
		handler[1] = 6;
		handler[2] = 0xe6;	/* out 0x66, al */
		handler[3] = 0x66;
		handler[4] = 0xf4;
		memcpy(code, insns[i].insn, insns[i].len);
		code[insns[i].len] = 0xf4;
		load_real(_metadata, self, code, insns[i].len + 1);
		expect_io(_metadata, self, THINVMX_IO_OUT, 0x66, 1, 6);
	}
}

/*
 * A 32-bit protected-mode guest jumps to a TSS: the task switch exits and
 * thinvmx does not emulate it. The vCPU stops with an internal error that
 * names the exit, the VMCS is dumped to the log, and RUN refuses to go on.
 */
TEST_F(guest, protected_mode_unhandled_exit_stops_the_vcpu)
{
	static const unsigned char code[] = {
		0xb8, 0x78, 0x56, 0x34, 0x12,		/* mov eax, 0x12345678 */
		0xe7, 0x20,				/* out 0x20, eax */
		0xea, 0, 0, 0, 0, 0x18, 0x00,		/* jmp far 0x18:0 (a TSS) */
		0xf4,
	};
	static const unsigned char tss_desc[8] = {
		0x67, 0x00, 0x00, 0x60, 0x00, 0x89, 0x00, 0x00,
	};
	struct thinvmx_regs regs = { .rip = CODE_GPA, .rsp = 0x8000, .rflags = 2 };
	struct thinvmx_sregs s;
	struct thinvmx_segment flat_code = {
		.base = 0, .limit = 0xffffffff, .ar = 0xc09b, .selector = 0x08,
	};
	struct thinvmx_segment flat_data = {
		.base = 0, .limit = 0xffffffff, .ar = 0xc093, .selector = 0x10,
	};

	memcpy(tvx_gpa(self->d, CODE_GPA), code, sizeof(code));
	memcpy(tvx_gpa(self->d, 0x5000 + 0x18), tss_desc, sizeof(tss_desc));
	ASSERT_EQ(0, tvx_get_sregs(self->v, &s));
	s.cs = flat_code;
	s.ds = s.es = s.ss = s.fs = s.gs = flat_data;
	s.gdt.base = 0x5000;
	s.gdt.limit = 0x1f;
	s.cr0 = 0x31;		/* PE | ET | NE */
	ASSERT_EQ(0, tvx_set_sregs(self->v, &s));
	ASSERT_EQ(0, tvx_set_regs(self->v, &regs));

	expect_io(_metadata, self, THINVMX_IO_OUT, 0x20, 4, 0x12345678);
	expect_exit(_metadata, self, THINVMX_EXIT_INTERNAL_ERROR);
	EXPECT_EQ(9, self->run->internal.vmx_exit_reason);	/* task switch */
	EXPECT_EQ(THINVMX_INTERNAL_UNHANDLED_EXIT, self->run->internal.suberror);
	EXPECT_EQ(CODE_GPA + 7, self->run->internal.guest_rip);
	EXPECT_TRUE(tvx_dmesg_has("unhandled exit 0x9"));
	EXPECT_EQ(-EIO, tvx_vcpu_run(self->v));
}

/* CR2 is the guest's: set and read back from both sides, never the host's */
TEST_F(guest, cr2_belongs_to_the_guest)
{
	static const unsigned char code[] = {
		0x0f, 0x20, 0xd0,			/* mov eax, cr2 */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,	/* mov eax, 0x12345678 */
		0x0f, 0x22, 0xd0,			/* mov cr2, eax */
		0xf4,
	};
	struct thinvmx_sregs s;

	load_real(_metadata, self, code, sizeof(code));
	ASSERT_EQ(0, tvx_get_sregs(self->v, &s));
	s.cr2 = 0xabcd000;
	ASSERT_EQ(0, tvx_set_sregs(self->v, &s));
	expect_io(_metadata, self, THINVMX_IO_OUT, 0x10, 4, 0xabcd000);
	expect_exit(_metadata, self, THINVMX_EXIT_HLT);
	ASSERT_EQ(0, tvx_get_sregs(self->v, &s));
	EXPECT_EQ(0x12345678, s.cr2);
}

static void on_alarm(int sig)
{
}

TEST_F(guest, signal_interrupts_run)
{
	static const unsigned char code[] = {
		0x66, 0x40,		/* inc eax */
		0xeb, 0xfc,		/* jmp back */
	};
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct thinvmx_regs regs;
	__u64 first;

	load_real(_metadata, self, code, sizeof(code));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, tvx_vcpu_run(self->v));
	EXPECT_EQ(THINVMX_EXIT_NONE, self->run->exit_reason);
	ASSERT_EQ(0, tvx_get_regs(self->v, &regs));
	EXPECT_LE(CODE_GPA, regs.rip);
	EXPECT_GE(CODE_GPA + 2, regs.rip);
	EXPECT_LT(0, regs.rax);
	first = regs.rax;
	/* the guest goes on where it was */
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, tvx_vcpu_run(self->v));
	ASSERT_EQ(0, tvx_get_regs(self->v, &regs));
	EXPECT_LT(first, regs.rax);
}

TEST_F(guest, second_vcpu_with_the_same_id_is_eexist)
{
	struct tvx_vcpu *v2 = NULL;

	EXPECT_EQ(-EEXIST, tvx_vcpu_create(self->d, 0, &v2));
	EXPECT_EQ(-EINVAL, tvx_vcpu_create(self->d, THINVMX_MAX_VCPUS, &v2));
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 1, &v2));
	tvx_vcpu_destroy(v2);
}

TEST(bad_domain_arguments)
{
	struct thinvmx_e820_entry e = { .addr = 0, .size = 1 << 20,
					.type = THINVMX_E820_RAM };
	struct thinvmx_create_domain cd = {
		.e820 = (__u64)(uintptr_t)&e, .nr_e820 = 1, .mem_bytes = 1 << 20,
	};
	struct thinvmx_caps caps;
	int fd = open(THINVMX_DEVICE, O_RDWR);

	if (fd < 0)
		SKIP(return, "no %s", THINVMX_DEVICE);
	ASSERT_EQ(0, ioctl(fd, THINVMX_GET_CAPABILITIES, &caps));
	if (caps.vmx_status != THINVMX_VMX_OK) {
		EXPECT_EQ(-1, ioctl(fd, THINVMX_CREATE_DOMAIN, &cd));
		EXPECT_EQ(EOPNOTSUPP, errno);
		close(fd);
		return;
	}
	cd.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(fd, THINVMX_CREATE_DOMAIN, &cd));
	EXPECT_EQ(EINVAL, errno);
	cd.reserved[1] = 0;
	cd.flags = 0x80;
	EXPECT_EQ(-1, ioctl(fd, THINVMX_CREATE_DOMAIN, &cd));
	EXPECT_EQ(EINVAL, errno);
	cd.flags = 0;
	cd.nr_e820 = 0;
	EXPECT_EQ(-1, ioctl(fd, THINVMX_CREATE_DOMAIN, &cd));
	EXPECT_EQ(EINVAL, errno);
	cd.nr_e820 = THINVMX_E820_MAX + 1;
	EXPECT_EQ(-1, ioctl(fd, THINVMX_CREATE_DOMAIN, &cd));
	EXPECT_EQ(EINVAL, errno);
	cd.nr_e820 = 1;
	cd.e820 = 8;
	EXPECT_EQ(-1, ioctl(fd, THINVMX_CREATE_DOMAIN, &cd));
	EXPECT_EQ(EFAULT, errno);
	cd.e820 = (__u64)(uintptr_t)&e;
	e.type = 7;
	EXPECT_EQ(-1, ioctl(fd, THINVMX_CREATE_DOMAIN, &cd));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/* create, run and destroy many times; the module's pages come back */
TEST(create_run_destroy_cycles_leak_nothing)
{
	static const unsigned char code[] = { 0x0f, 0xa2, 0xe6, 0x10, 0xf4 };
	struct thinvmx_regs regs = { .rip = CODE_GPA, .rflags = 2 };
	struct thinvmx_sregs s;
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct thinvmx_caps caps;
	long before;
	int i, cycles = 1000;

	if (tvx_open(&h))
		SKIP(return, "no %s", THINVMX_DEVICE);
	ASSERT_EQ(0, tvx_get_caps(h, &caps));
	if (caps.vmx_status != THINVMX_VMX_OK ||
	    !(caps.features & THINVMX_FEAT_UNRESTRICTED)) {
		tvx_close(h);
		SKIP(return, "VMX with unrestricted guest not usable");
	}
	before = tvx_module_pages();
	ASSERT_LE(0, before);
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, tvx_domain_create_simple(h, 64 << 10, &d)) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
		memcpy(tvx_gpa(d, CODE_GPA), code, sizeof(code));
		ASSERT_EQ(0, tvx_get_sregs(v, &s));
		s.cs.base = 0;
		s.cs.selector = 0;
		ASSERT_EQ(0, tvx_set_sregs(v, &s));
		ASSERT_EQ(0, tvx_set_regs(v, &regs));
		ASSERT_EQ(0, tvx_vcpu_run(v));
		ASSERT_EQ(THINVMX_EXIT_IO, tvx_vcpu_run_page(v)->exit_reason);
		tvx_vcpu_destroy(v);
		tvx_domain_destroy(d);
	}
	EXPECT_EQ(before, tvx_module_pages());
	tvx_close(h);
}

TEST_HARNESS_MAIN
