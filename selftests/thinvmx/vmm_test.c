// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile VMM: what the holder of a vCPU fd can do to the host through
 * the interfaces it has, and must not get further than its own guest.
 * The run page is the VMM's to write while it holds an exit: the next
 * RUN takes only its answer from there, every size and address from the
 * kernel's own copy.
 *
 * Requires: root, the thinvmx module loaded, usable VMX (Bochs). SKIPs
 * otherwise.
 */
#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define MEM_BYTES	(64ULL << 20)
#define FRAME_GPA	(32ULL << 20)	/* 2 MiB-aligned free guest RAM */
#define CANARY		0xcc

FIXTURE(vmm) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct thinvmx_run *run;
	struct tvx_ucall uc;
};

FIXTURE_SETUP(vmm)
{
	struct thinvmx_caps caps;
	int ret;

	self->h = NULL;
	self->d = NULL;
	self->v = NULL;
	ret = tvx_open(&self->h);
	if (ret == -ENOENT)
		TVX_SETUP_SKIP("no %s: module not loaded", THINVMX_DEVICE);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_get_caps(self->h, &caps));
	if (caps.vmx_status != THINVMX_VMX_OK)
		TVX_SETUP_SKIP("VMX not usable: %s",
			       tvx_vmx_status_str(caps.vmx_status));
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, MEM_BYTES, &self->d));
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v));
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
	self->run = tvx_vcpu_run_page(self->v);
}

FIXTURE_TEARDOWN(vmm)
{
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

#define RUN_EXPECT(want) TVX_RUN_EXPECT((want), self->v, self->d, &self->uc)

/* Run to the next exit, which must be a port access as described. */
static void expect_io(struct __test_metadata *_metadata, FIXTURE_DATA(vmm) *self,
		      __u8 direction, __u16 port, __u8 size)
{
	ASSERT_EQ(0, tvx_vcpu_run(self->v));
	ASSERT_EQ(THINVMX_EXIT_IO, self->run->exit_reason);
	EXPECT_EQ(direction, self->run->io.direction);
	EXPECT_EQ(port, self->run->io.port);
	EXPECT_EQ(size, self->run->io.size);
}

/* Rewrite everything about the exit the VMM answers, and the answer. */
static void tamper(struct thinvmx_run *run, __u8 size, __u64 data)
{
	run->io.size = size;
	run->io.direction ^= 1;
	run->io.port ^= 0xffff;
	run->io.pad = 0xff;
	run->io.data = data;
}

static void guest_inb(void)
{
	__u64 rax = 0xaaaaaaaaaaaaaaaaULL;

	asm volatile("inb $0x80, %%al" : "+a" (rax));
	GUEST_SYNC(rax);
	GUEST_DONE();
}

/*
 * IN AL: the VMM answers with a size of 8, the other direction and
 * another port. One byte of its data reaches AL, the rest of RAX is the
 * guest's: the size is the exit's, not the run page's. Sizes that are no
 * size at all (0, 3, 255) change nothing either.
 */
TEST_F(vmm, in_completes_with_the_size_of_the_exit)
{
	static const __u8 sizes[] = { 8, 0, 3, 255 };
	size_t i;

	for (i = 0; i < sizeof(sizes); i++) {
		ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_inb, 0, 0));
		expect_io(_metadata, self, THINVMX_IO_IN, 0x80, 1);
		tamper(self->run, sizes[i], 0x1122334455667788ULL);
		RUN_EXPECT(TVX_UCALL_SYNC);
		EXPECT_EQ(0xaaaaaaaaaaaaaa88ULL, self->uc.args[0])
			TH_LOG("size %u", sizes[i]);
		RUN_EXPECT(TVX_UCALL_DONE);
	}
}

static void guest_insb(__u64 dst)
{
	asm volatile("insb" : "+D" (dst) : "d" (0x80) : "memory");
	GUEST_SYNC(dst);
	GUEST_DONE();
}

/*
 * INSB into the last byte of a guest frame: the VMM answers with a size
 * of 255. One byte lands, in the guest's frame; the next frame -- the
 * next host page too, inside the domain's 2 MiB chunk -- keeps its
 * canary, as does everything after the byte.
 */
TEST_F(vmm, ins_element_stays_in_its_frame)
{
	__u8 *frame = tvx_gpa(self->d, FRAME_GPA);
	int i, changed = 0;

	memset(frame, CANARY, 2 * 4096);
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_insb,
				  FRAME_GPA + 4095, 0));
	expect_io(_metadata, self, THINVMX_IO_IN, 0x80, 1);
	tamper(self->run, 255, 0x1122334455667788ULL);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(FRAME_GPA + 4096, self->uc.args[0]);	/* RDI moved by 1 */
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(0x88, frame[4095]);
	for (i = 0; i < 4095; i++)
		changed += frame[i] != CANARY;
	for (i = 4096; i < 2 * 4096; i++)
		changed += frame[i] != CANARY;
	EXPECT_EQ(0, changed);
}

TEST_HARNESS_MAIN
