// SPDX-License-Identifier: GPL-2.0
/*
 * THINVMX_INJECT_TRAP: a trap queued for a vCPU reaches the guest's own
 * handler at the next entry, with its error code and CR2; a second one
 * while the first waits is -EBUSY; invalid combinations are -EINVAL.
 *
 * Requires: root, the thinvmx module, usable VMX. The guest is a C
 * function of this test in long mode; libthinvmx's IDT stubs report an
 * exception with TVX_UCALL_UNHANDLED (vector, error code, RIP, CR2, ...).
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

static void guest_loop(void)
{
	__u64 i;

	for (i = 0; ; i++)
		GUEST_SYNC(i);
}

FIXTURE(trap) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_ucall uc;
};

FIXTURE_SETUP(trap)
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
	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(self->v, self->d,
					      (__u64)(uintptr_t)guest_loop, 0));
}

FIXTURE_TEARDOWN(trap)
{
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

#define RUN_EXPECT(want) TVX_RUN_EXPECT((want), self->v, self->d, &self->uc)

static int inject(struct tvx_domain *d, struct thinvmx_inject_trap *t)
{
	return ioctl(tvx_domain_fd(d), THINVMX_INJECT_TRAP, t) ? -errno : 0;
}

TEST_F(trap, gp_with_error_code_reaches_the_guest)
{
	struct thinvmx_inject_trap t = {
		.vcpu = 0, .vector = 13, .type = THINVMX_TRAP_HW_EXCEPTION,
		.flags = THINVMX_TRAP_F_ERROR_CODE, .error_code = 0x1234,
	};
	struct thinvmx_inject_trap again = t;

	RUN_EXPECT(TVX_UCALL_SYNC);
	RUN_EXPECT(TVX_UCALL_SYNC);
	ASSERT_EQ(0, inject(self->d, &t));
	EXPECT_EQ(THINVMX_TRAP_RESULT_QUEUED, t.result);
	EXPECT_EQ(-EBUSY, inject(self->d, &again));
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(13, self->uc.args[0]);
	EXPECT_EQ(0x1234, self->uc.args[1]);
	/* delivered: the queue is free again */
	again.result = 0;
	EXPECT_EQ(0, inject(self->d, &again));
}

TEST_F(trap, page_fault_with_cr2)
{
	struct thinvmx_inject_trap t = {
		.vcpu = 0, .vector = 14, .type = THINVMX_TRAP_HW_EXCEPTION,
		.flags = THINVMX_TRAP_F_ERROR_CODE | THINVMX_TRAP_F_CR2,
		.error_code = 0x6, .cr2 = 0xdead000,
	};

	RUN_EXPECT(TVX_UCALL_SYNC);
	ASSERT_EQ(0, inject(self->d, &t));
	RUN_EXPECT(TVX_UCALL_UNHANDLED);
	EXPECT_EQ(14, self->uc.args[0]);
	EXPECT_EQ(0x6, self->uc.args[1]);
	EXPECT_EQ(0xdead000, self->uc.args[3]);
}

TEST_F(trap, invalid_combinations)
{
	struct thinvmx_inject_trap t;

	/* NMI is vector 2 */
	t = (struct thinvmx_inject_trap){ .vector = 3, .type = THINVMX_TRAP_NMI };
	EXPECT_EQ(-EINVAL, inject(self->d, &t));
	/* #UD has no error code; #GP needs one */
	t = (struct thinvmx_inject_trap){ .vector = 6, .type = THINVMX_TRAP_HW_EXCEPTION,
					  .flags = THINVMX_TRAP_F_ERROR_CODE };
	EXPECT_EQ(-EINVAL, inject(self->d, &t));
	t = (struct thinvmx_inject_trap){ .vector = 13, .type = THINVMX_TRAP_HW_EXCEPTION };
	EXPECT_EQ(-EINVAL, inject(self->d, &t));
	/* CR2 only with #PF; a software interrupt needs its length */
	t = (struct thinvmx_inject_trap){ .vector = 6, .type = THINVMX_TRAP_HW_EXCEPTION,
					  .flags = THINVMX_TRAP_F_CR2, .cr2 = 1 };
	EXPECT_EQ(-EINVAL, inject(self->d, &t));
	t = (struct thinvmx_inject_trap){ .vector = 0x80, .type = THINVMX_TRAP_SW_INTERRUPT };
	EXPECT_EQ(-EINVAL, inject(self->d, &t));
	/* no such vCPU, reserved bits, unknown type */
	t = (struct thinvmx_inject_trap){ .vcpu = 7, .vector = 6,
					  .type = THINVMX_TRAP_HW_EXCEPTION };
	EXPECT_EQ(-EINVAL, inject(self->d, &t));
	t = (struct thinvmx_inject_trap){ .vector = 6, .type = THINVMX_TRAP_HW_EXCEPTION };
	t.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, inject(self->d, &t));
	t = (struct thinvmx_inject_trap){ .vector = 6, .type = 9 };
	EXPECT_EQ(-EINVAL, inject(self->d, &t));
	/* and a valid one is taken */
	t = (struct thinvmx_inject_trap){ .vector = 6, .type = THINVMX_TRAP_HW_EXCEPTION };
	EXPECT_EQ(0, inject(self->d, &t));
}

TEST_HARNESS_MAIN
