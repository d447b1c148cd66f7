// SPDX-License-Identifier: GPL-2.0
/*
 * Domain memory: the final memory map, the frame-list query (reference
 * 004: max_extents in, nr_extents out, nothing written past the buffer),
 * mmap of guest RAM; and vCPU state the guest must keep to itself (SSE
 * registers).
 *
 * Requires: root, the thinvmx module, usable VMX; real-mode guests need
 * unrestricted guest. SKIPs otherwise.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"

#define PAGE		4096ULL

static bool vmx_usable(struct tvx_handle *h, bool need_ug)
{
	struct thinvmx_caps caps;

	if (tvx_get_caps(h, &caps) || caps.vmx_status != THINVMX_VMX_OK)
		return false;
	return !need_ug || (caps.features & THINVMX_FEAT_UNRESTRICTED);
}

FIXTURE(mem) {
	struct tvx_handle *h;
	struct tvx_domain *d;
};

/*
 * Low RAM below the legacy hole (4 KiB pages), a reserved hole, and 4 MiB
 * starting at 1 MiB: 4 KiB pages up to 2 MiB, one 2 MiB page, 4 KiB pages
 * to the end. Entries given unsorted and unaligned.
 */
static const struct thinvmx_e820_entry layout[] = {
	{ .addr = 0x100000, .size = 0x400000, .type = THINVMX_E820_RAM },
	{ .addr = 0xa0000, .size = 0x60000, .type = THINVMX_E820_RESERVED },
	{ .addr = 0x10, .size = 0x9f000 - 0x10 + 0x800, .type = THINVMX_E820_RAM },
};

FIXTURE_SETUP(mem)
{
	int ret;

	self->d = NULL;
	ret = tvx_open(&self->h);
	if (ret == -ENOENT)
		TVX_SETUP_SKIP("no %s", THINVMX_DEVICE);
	ASSERT_EQ(0, ret);
	if (!vmx_usable(self->h, false))
		TVX_SETUP_SKIP("VMX not usable here");
	ASSERT_EQ(0, tvx_domain_create(self->h, layout, 3, 64 << 20, 0, &self->d));
}

FIXTURE_TEARDOWN(mem)
{
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

TEST_F(mem, memory_map_is_sorted_aligned_and_mapped)
{
	struct thinvmx_e820_entry e[THINVMX_MEMMAP_MAX];
	struct thinvmx_memmap m;
	unsigned char *p;

	ASSERT_EQ(0, tvx_domain_memmap(self->d, &m, e, THINVMX_MEMMAP_MAX));
	ASSERT_EQ(3, m.nr_entries);
	/* [0x10, 0x9f810) rounds to [0x1000, 0x9f000) */
	EXPECT_EQ(0x1000, e[0].addr);
	EXPECT_EQ(0x9e000, e[0].size);
	EXPECT_EQ(THINVMX_E820_RAM, e[0].type);
	EXPECT_EQ(0xa0000, e[1].addr);
	EXPECT_EQ(THINVMX_E820_RESERVED, e[1].type);
	EXPECT_EQ(0x100000, e[2].addr);
	EXPECT_EQ(0x400000, e[2].size);
	EXPECT_EQ(0x9e000 + 0x400000, m.ram_bytes);
	EXPECT_EQ(0, m.ident_pt_gpa);

	/* fewer entries than there are: nr_entries still the full count */
	memset(e, 0xee, sizeof(e));
	ASSERT_EQ(0, tvx_domain_memmap(self->d, &m, e, 1));
	EXPECT_EQ(3, m.nr_entries);
	EXPECT_EQ(0x1000, e[0].addr);
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, e[1].addr);

	/* RAM is zeroed and reachable through the mapping */
	p = tvx_gpa(self->d, 0x100000);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(0, p[0x3fffff]);
	p[0x1234] = 0x5a;
	EXPECT_EQ(NULL, tvx_gpa(self->d, 0xa0000));
	/* a mapping over the hole is refused */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 0x100000, PROT_READ, MAP_SHARED,
				   tvx_domain_fd(self->d), 0x0));
}

static int frame_list(struct tvx_domain *d, __u64 first, __u64 nr,
		      struct thinvmx_extent *ext, __u32 max, __u32 *nr_extents)
{
	struct thinvmx_frame_list fl = {
		.first_gfn = first, .nr_frames = nr,
		.extents = (__u64)(uintptr_t)ext, .max_extents = max,
	};

	if (ioctl(tvx_domain_fd(d), THINVMX_GET_FRAME_LIST, &fl) < 0)
		return -errno;
	*nr_extents = fl.nr_extents;
	return 0;
}

TEST_F(mem, frame_list_max_extents_smaller_equal_larger)
{
	const __u64 first = 0, nr = 0x500000 / PAGE;
	struct thinvmx_extent all[2048], part[2048];
	__u32 n = 0, got = 0, i;
	__u64 frames = 0, big = 0, prev_end = 0;

	/* how many are needed */
	ASSERT_EQ(0, frame_list(self->d, first, nr, NULL, 0, &n));
	ASSERT_LT(1, n);
	ASSERT_GE(sizeof(all) / sizeof(all[0]) - 8, n);

	/* equal: all of them, sorted, disjoint, covering exactly the RAM */
	memset(all, 0xcc, sizeof(all));
	ASSERT_EQ(0, frame_list(self->d, first, nr, all, n, &got));
	ASSERT_EQ(n, got);
	for (i = 0; i < n; i++) {
		EXPECT_LT(0, all[i].nr);
		EXPECT_LE(prev_end, all[i].gfn);
		prev_end = all[i].gfn + all[i].nr;
		frames += all[i].nr;
		if (all[i].nr >= 512)
			big++;
		/* no extent crosses the hole */
		EXPECT_TRUE(prev_end <= 0x9f || all[i].gfn >= 0x100);
	}
	EXPECT_EQ((0x9e000 + 0x400000) / PAGE, frames);
	EXPECT_LE(1, big);	/* the 2 MiB page is one extent */
	EXPECT_EQ(0xccccccccccccccccULL, all[n].gfn);	/* nothing past n */

	/* smaller: the first ones, the full count, nothing written past */
	memset(part, 0xcc, sizeof(part));
	ASSERT_EQ(0, frame_list(self->d, first, nr, part, n - 1, &got));
	EXPECT_EQ(n, got);
	EXPECT_EQ(0, memcmp(all, part, (n - 1) * sizeof(part[0])));
	EXPECT_EQ(0xccccccccccccccccULL, part[n - 1].gfn);

	/* larger: n written, the rest untouched */
	memset(part, 0xcc, sizeof(part));
	ASSERT_EQ(0, frame_list(self->d, first, nr, part, n + 5, &got));
	EXPECT_EQ(n, got);
	EXPECT_EQ(0, memcmp(all, part, n * sizeof(part[0])));
	EXPECT_EQ(0xccccccccccccccccULL, part[n].gfn);

	/* a range inside one 2 MiB page is one extent starting there */
	ASSERT_EQ(0, frame_list(self->d, 0x210, 0x20, part, 4, &got));
	EXPECT_EQ(1, got);
	EXPECT_EQ(0x210, part[0].gfn);
	EXPECT_EQ(0x20, part[0].nr);

	/* the hole alone has no frames */
	ASSERT_EQ(0, frame_list(self->d, 0xa0, 0x60, part, 4, &got));
	EXPECT_EQ(0, got);
}

TEST_F(mem, frame_list_bad_arguments)
{
	struct thinvmx_frame_list fl = { .nr_frames = 16, .max_extents = 4 };
	__u32 got = 0;

	/* an unwritable buffer: -EFAULT */
	EXPECT_EQ(-EFAULT, frame_list(self->d, 0, 0x500, (void *)8, 4, &got));
	/* overflowing range, too many frames, reserved fields */
	EXPECT_EQ(-EINVAL, frame_list(self->d, ~0ULL - 4, 16, NULL, 0, &got));
	EXPECT_EQ(-EINVAL, frame_list(self->d, 0, 1ULL << 33, NULL, 0, &got));
	fl.reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(tvx_domain_fd(self->d), THINVMX_GET_FRAME_LIST, &fl));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mem, cpuid_table_round_trip)
{
	struct thinvmx_cpuid_entry e[THINVMX_CPUID_MAX];
	struct thinvmx_cpuid c = { .entries = (__u64)(uintptr_t)e,
				   .nr = THINVMX_CPUID_MAX };
	struct thinvmx_cpuid_entry mine[2] = {
		{ .function = 0, .eax = 1, .ebx = 0x11, .ecx = 0x22, .edx = 0x33 },
		{ .function = 1, .eax = 0x806e9 },
	};
	unsigned int i;
	bool vmx_hidden = false, leaf = false;

	ASSERT_EQ(0, ioctl(tvx_domain_fd(self->d), THINVMX_GET_CPUID, &c));
	ASSERT_LT(2, c.nr);
	for (i = 0; i < c.nr; i++) {
		if (e[i].function == 1)
			vmx_hidden = !(e[i].ecx & (1u << 5)) && (e[i].ecx & (1u << 31));
		if (e[i].function == 0x40000000)
			leaf = e[i].ebx == 0x6e696874;
	}
	EXPECT_TRUE(vmx_hidden);
	EXPECT_TRUE(leaf);

	c.entries = (__u64)(uintptr_t)mine;
	c.nr = 2;
	ASSERT_EQ(0, ioctl(tvx_domain_fd(self->d), THINVMX_SET_CPUID, &c));
	c.entries = (__u64)(uintptr_t)e;
	c.nr = THINVMX_CPUID_MAX;
	ASSERT_EQ(0, ioctl(tvx_domain_fd(self->d), THINVMX_GET_CPUID, &c));
	EXPECT_EQ(2, c.nr);
	EXPECT_EQ(0x11, e[0].ebx);

	/* a duplicate leaf is refused and the table stays */
	mine[1].function = 0;
	c.entries = (__u64)(uintptr_t)mine;
	c.nr = 2;
	EXPECT_EQ(-1, ioctl(tvx_domain_fd(self->d), THINVMX_SET_CPUID, &c));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * SSE state is the guest's own: the host's XMM0 survives RUN, and the
 * guest's XMM0 survives an exit to userspace during which the host uses
 * XMM0 for something else.
 */
static long run_with_xmm0(int fd, const __u64 in[2], __u64 out[2])
{
	long ret;

	asm volatile("movdqu (%[in]), %%xmm0\n\t"
		     "syscall\n\t"
		     "movdqu %%xmm0, (%[out])"
		     : "=a" (ret)
		     : "0" ((long)SYS_ioctl), "D" ((long)fd),
		       "S" ((long)THINVMX_RUN), "d" (0L),
		       [in] "r" (in), [out] "r" (out)
		     : "rcx", "r11", "xmm0", "memory");
	return ret;
}

/*
 * Two vCPUs of one domain on the same thread: each keeps its own XMM0
 * across the other's run. vCPU 1 runs the same code on 0x3020/0x3030.
 */
static void two_vcpus_keep_their_sse(struct __test_metadata *_metadata,
				     struct tvx_domain *d, struct tvx_vcpu *v,
				     const struct thinvmx_sregs *sregs,
				     const unsigned char *code, size_t len)
{
	struct thinvmx_regs regs = { .rip = 0x1100, .rflags = 2 };
	__u64 *guest_mem = tvx_gpa(d, 0x3000);
	struct thinvmx_sregs s = *sregs;
	struct tvx_vcpu *w;
	unsigned char code2[32];
	__u64 *m = tvx_gpa(d, 0x3020);

	ASSERT_GE(sizeof(code2), len);
	memcpy(code2, code, len);
	code2[4] = 0x20;	/* movdqa xmm0, [0x3020] */
	code2[12] = 0x30;	/* movdqa [0x3030], xmm0 */
	memcpy(tvx_gpa(d, 0x1100), code2, len);
	m[0] = 0x5555555555555555ULL;
	m[1] = 0x6666666666666666ULL;
	ASSERT_EQ(0, tvx_vcpu_create(d, 1, &w));
	ASSERT_EQ(0, tvx_set_sregs(w, &s));
	ASSERT_EQ(0, tvx_set_regs(w, &regs));
	regs.rip = 0x1000;
	ASSERT_EQ(0, tvx_set_regs(v, &regs));
	guest_mem[2] = guest_mem[3] = 0;

	ASSERT_EQ(0, tvx_vcpu_run(v));		/* v: xmm0 = aaaa/bbbb */
	ASSERT_EQ(0, tvx_vcpu_run(w));		/* w: xmm0 = 5555/6666 */
	ASSERT_EQ(0, tvx_vcpu_run(v));		/* v stores its xmm0 */
	ASSERT_EQ(THINVMX_EXIT_HLT, tvx_vcpu_run_page(v)->exit_reason);
	ASSERT_EQ(0, tvx_vcpu_run(w));
	ASSERT_EQ(THINVMX_EXIT_HLT, tvx_vcpu_run_page(w)->exit_reason);
	EXPECT_EQ(0xaaaaaaaaaaaaaaaaULL, guest_mem[2]);
	EXPECT_EQ(0xbbbbbbbbbbbbbbbbULL, guest_mem[3]);
	EXPECT_EQ(0x5555555555555555ULL, m[2]);
	EXPECT_EQ(0x6666666666666666ULL, m[3]);
	tvx_vcpu_destroy(w);
}

TEST(sse_state_stays_with_its_owner)
{
	static const unsigned char code[] = {
		0x66, 0x0f, 0x6f, 0x06, 0x00, 0x30,	/* movdqa xmm0, [0x3000] */
		0xe6, 0x10,				/* out 0x10, al */
		0x66, 0x0f, 0x7f, 0x06, 0x10, 0x30,	/* movdqa [0x3010], xmm0 */
		0xf4,
	};
	const __u64 host_a[2] = { 0x1111111111111111ULL, 0x2222222222222222ULL };
	const __u64 host_b[2] = { 0x3333333333333333ULL, 0x4444444444444444ULL };
	struct thinvmx_regs regs = { .rip = 0x1000, .rflags = 2 };
	struct thinvmx_sregs s;
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	__u64 out[2], *guest_mem;

	if (tvx_open(&h))
		SKIP(return, "no %s", THINVMX_DEVICE);
	if (!vmx_usable(h, true)) {
		tvx_close(h);
		SKIP(return, "VMX with unrestricted guest not usable");
	}
	ASSERT_EQ(0, tvx_domain_create_simple(h, 1 << 20, &d));
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
	memcpy(tvx_gpa(d, 0x1000), code, sizeof(code));
	guest_mem = tvx_gpa(d, 0x3000);
	guest_mem[0] = 0xaaaaaaaaaaaaaaaaULL;
	guest_mem[1] = 0xbbbbbbbbbbbbbbbbULL;
	ASSERT_EQ(0, tvx_get_sregs(v, &s));
	s.cs.base = 0;
	s.cs.selector = 0;
	s.cr4 |= 0x200;		/* OSFXSR: SSE in the guest */
	ASSERT_EQ(0, tvx_set_sregs(v, &s));
	ASSERT_EQ(0, tvx_set_regs(v, &regs));

	ASSERT_EQ(0, run_with_xmm0(tvx_vcpu_fd(v), host_a, out));
	ASSERT_EQ(THINVMX_EXIT_IO, tvx_vcpu_run_page(v)->exit_reason);
	EXPECT_EQ(host_a[0], out[0]);
	EXPECT_EQ(host_a[1], out[1]);

	ASSERT_EQ(0, run_with_xmm0(tvx_vcpu_fd(v), host_b, out));
	ASSERT_EQ(THINVMX_EXIT_HLT, tvx_vcpu_run_page(v)->exit_reason);
	EXPECT_EQ(host_b[0], out[0]);
	EXPECT_EQ(host_b[1], out[1]);
	EXPECT_EQ(0xaaaaaaaaaaaaaaaaULL, guest_mem[2]);
	EXPECT_EQ(0xbbbbbbbbbbbbbbbbULL, guest_mem[3]);

	two_vcpus_keep_their_sse(_metadata, d, v, &s, code, sizeof(code));

	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	tvx_close(h);
}

/* More RAM than the host has: -ENOMEM at once, nothing taken, no OOM kill. */
TEST(guest_larger_than_the_host_is_enomem)
{
	struct tvx_handle *h;
	struct tvx_domain *d = NULL;
	const char *s;
	long before;

	if (tvx_open(&h))
		SKIP(return, "no %s", THINVMX_DEVICE);
	if (!vmx_usable(h, false)) {
		tvx_close(h);
		SKIP(return, "VMX not usable");
	}
	s = tvx_read_file("/sys/module/thinvmx/parameters/pages");
	before = s ? atol(s) : -1;
	EXPECT_EQ(-ENOMEM, tvx_domain_create_simple(h, 1ULL << 40, &d));
	tvx_domain_destroy(d);
	s = tvx_read_file("/sys/module/thinvmx/parameters/pages");
	EXPECT_EQ(before, s ? atol(s) : -2);
	tvx_close(h);
}

TEST_HARNESS_MAIN
