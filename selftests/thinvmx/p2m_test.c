// SPDX-License-Identifier: GPL-2.0
/*
 * p2m types and access rights as a guest meets them (DESIGN.md, "p2m types
 * and access rights"; uapi/thinvmx.h): every access right against a read,
 * a write and an instruction fetch; rx2rw and n2rwx moving on by
 * themselves; ram_ro discarding writes; dirty logging; global type changes;
 * the EPT tables a domain costs and how one 4 KiB right splits a 2 MiB
 * leaf; MAP_MMIO; and the argument checks of every p2m ioctl.
 *
 * The guests are C functions of this test in long mode (guest_test.c's
 * way). Each makes one access and returns; the page they touch lies inside
 * a 2 MiB page of a 64 MiB domain (the nested VM has 256 MiB), so giving it
 * its own right splits that 2 MiB leaf.
 *
 * Requires: root; the thinvmx module with the p2m ioctls (SET_MEM_TYPE to
 * GET_DOMAIN_INFO); usable VMX with EPT (Bochs). SKIPs without the device,
 * without usable VMX (QEMU TCG), and when the module answers ENOTTY (p2m
 * ioctls not there). The MAP_MMIO test also needs a PCI device with a
 * memory BAR of two pages (the Bochs VGA), and SKIPs without.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define MEM_BYTES	(64ULL << 20)
#define RAM_FRAMES	(MEM_BYTES >> 12)
#define PAGE		0x1000ULL

/* a 2 MiB page of guest RAM away from the program (0x400000) and the area */
#define REGION_GPA	(32ULL << 20)
#define REGION_GFN	(REGION_GPA >> 12)
#define REGION_FRAMES	512ULL
/* another one the guests never touch */
#define QUIET_GFN	((48ULL << 20) >> 12)

/* the page of the access tests: a 4 KiB page inside the 2 MiB page */
#define TEST_GFN	(REGION_GFN + 5)
#define TEST_GPA	(TEST_GFN << 12)
#define CODE_GPA	TEST_GPA		/* a function: returns CODE_MAGIC */
#define DATA_GPA	(TEST_GPA + 0x800)	/* a word: DATA_OLD */

#define CODE_MAGIC	0x5afec0de600d1234ULL
#define DATA_OLD	0x0123456789abcdefULL
#define DATA_NEW	0xfedcba9876543210ULL

/* attempted accesses: the R/W/X bits of THINVMX_ACCESS_* and mem_access */
#define ACC_R		1u
#define ACC_W		2u
#define ACC_X		4u

/* ------------------------------------------------------------ guest code */

/* One access of kind op at addr: a plain load, a plain store or a call. */
static __u64 guest_access(__u64 op, __u64 addr, __u64 val)
{
	__u64 v;

	switch (op) {
	case ACC_R:
		asm volatile("movq (%1), %0" : "=r" (v) : "r" (addr) : "memory");
		return v;
	case ACC_W:
		asm volatile("movq %0, (%1)" : : "r" (val), "r" (addr) : "memory");
		return val;
	case ACC_X:
		return ((__u64 (*)(void))(uintptr_t)addr)();
	}
	return ~0ULL;
}

/* What guest_touch() does; the host fills it in and syncs it over. */
#define TOUCH_MAX	8

static struct {
	__u64 round;
	__u64 nr_writes, nr_reads;
	__u64 writes[TOUCH_MAX], reads[TOUCH_MAX];	/* region frame indices */
} touch;

static __u64 touch_value(__u64 round, __u64 idx)
{
	return (round + 1) << 32 | idx;
}

static __u64 region_word0(__u64 idx)
{
	return idx * 3 + 1;
}

/*
 * Writes word 1 + round of each frame in writes, reads word 0 of each in
 * reads; returns the sum of what it read.
 */
static __u64 guest_touch(void)
{
	__u64 i, sum = 0;

	for (i = 0; i < touch.nr_writes; i++)
		((volatile __u64 *)(uintptr_t)(REGION_GPA + touch.writes[i] * PAGE))
			[1 + touch.round] = touch_value(touch.round, touch.writes[i]);
	for (i = 0; i < touch.nr_reads; i++)
		sum += *(volatile __u64 *)(uintptr_t)(REGION_GPA + touch.reads[i] * PAGE);
	return sum;
}

/* ------------------------------------------------------------ host side */

struct p2m_ctx {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct thinvmx_caps caps;
	struct tvx_ucall uc;
	bool exec_only;
};

static void ctx_setup(struct __test_metadata *_metadata, struct p2m_ctx *c)
{
	__u32 type, access;
	int ret;

	ret = tvx_open(&c->h);
	if (ret == -ENOENT)
		TVX_SETUP_SKIP("no %s: module not loaded", THINVMX_DEVICE);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_get_caps(c->h, &c->caps));
	if (c->caps.vmx_status != THINVMX_VMX_OK)
		TVX_SETUP_SKIP("VMX not usable: %s",
			       tvx_vmx_status_str(c->caps.vmx_status));
	c->exec_only = c->caps.features & THINVMX_FEAT_EPT_EXEC_ONLY;
	ASSERT_EQ(0, tvx_domain_create_simple(c->h, MEM_BYTES, &c->d));
	ret = tvx_get_mem_access(c->d, 0, &type, &access);
	if (ret == -ENOTTY)
		TVX_SETUP_SKIP("the module has no p2m ioctls (GET_MEM_ACCESS: ENOTTY)");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_vcpu_create(c->d, 0, &c->v));
	ASSERT_EQ(0, tvx_guest_load_self(c->d));
}

static void ctx_teardown(struct p2m_ctx *c)
{
	tvx_vcpu_destroy(c->v);
	tvx_domain_destroy(c->d);
	tvx_close(c->h);
}

/* Run to the next ucall, which must be want; log what it was otherwise. */
#define RUN_EXPECT(c, want) TVX_RUN_EXPECT((want), (c)->v, (c)->d, &(c)->uc)

static void start(struct __test_metadata *_metadata, struct p2m_ctx *c,
		  void *fn, __u64 a0, __u64 a1, __u64 a2)
{
	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(c->v, c->d, (__u64)(uintptr_t)fn, 0));
	ASSERT_EQ(0, tvx_vcpu_set_args(c->v, a0, a1, a2));
}

/* The next exit is a MEM_ACCESS exit saying exactly this. */
static void expect_mem_access(struct __test_metadata *_metadata, struct p2m_ctx *c,
			      __u64 gpa, __u32 attempted, __u32 access, __u32 type)
{
	const struct thinvmx_run *r = &c->uc.exit;

	RUN_EXPECT(c, -EPROTO);
	ASSERT_EQ(THINVMX_EXIT_MEM_ACCESS, r->exit_reason);
	EXPECT_EQ(gpa, r->mem_access.gpa);
	EXPECT_EQ(attempted, r->mem_access.attempted);
	EXPECT_EQ(access, r->mem_access.access);
	EXPECT_EQ(type, r->mem_access.type);
	/* an access through the guest's identity map, not of its page walk */
	EXPECT_TRUE(r->mem_access.flags & THINVMX_MEM_ACCESS_GLA_VALID);
	EXPECT_FALSE(r->mem_access.flags & THINVMX_MEM_ACCESS_IN_WALK);
	if (r->mem_access.flags & THINVMX_MEM_ACCESS_GLA_VALID) {
		EXPECT_EQ(gpa, r->mem_access.gla);
	}
}

static void expect_p2m(struct __test_metadata *_metadata, struct p2m_ctx *c,
		       __u64 gfn, __u32 type, __u32 access)
{
	__u32 t = ~0u, a = ~0u;

	ASSERT_EQ(0, tvx_get_mem_access(c->d, gfn, &t, &a));
	EXPECT_EQ(type, t) TH_LOG("gfn %#llx: type %s, expected %s",
				  (unsigned long long)gfn, tvx_p2m_type_str(t) ?: "?",
				  tvx_p2m_type_str(type));
	EXPECT_EQ(access, a) TH_LOG("gfn %#llx: access %s, expected %s",
				    (unsigned long long)gfn, tvx_access_str(a) ?: "?",
				    tvx_access_str(access));
}

/* The test page: a function returning CODE_MAGIC at its start, DATA_OLD at 0x800. */
static void test_page_init(struct __test_metadata *_metadata, struct p2m_ctx *c)
{
	unsigned char code[11] = { 0x48, 0xb8 };	/* movabs $CODE_MAGIC, %rax */
	__u64 magic = CODE_MAGIC, old = DATA_OLD;

	memcpy(code + 2, &magic, 8);
	code[10] = 0xc3;				/* ret */
	ASSERT_EQ(0, tvx_write_guest(c->d, CODE_GPA, code, sizeof(code)));
	ASSERT_EQ(0, tvx_write_guest(c->d, DATA_GPA, &old, sizeof(old)));
}

static __u64 data_word(struct p2m_ctx *c)
{
	return *(volatile __u64 *)tvx_gpa(c->d, DATA_GPA);
}

static __u64 op_gpa(__u32 op)
{
	return op == ACC_X ? CODE_GPA : DATA_GPA;
}

static __u64 op_result(__u32 op)
{
	return op == ACC_R ? DATA_OLD : op == ACC_W ? DATA_NEW : CODE_MAGIC;
}

static const char *op_name(__u32 op)
{
	return op == ACC_R ? "read" : op == ACC_W ? "write" : "fetch";
}

/*
 * What EPT grants for a plain access right (kmod/ept/p2m.c): no write
 * without read, and no execute-only without the CPU's support; the access
 * that then exits is reported as a violation like any other.
 */
static __u32 ept_grants(__u32 access, bool exec_only)
{
	__u32 g = access & (ACC_R | ACC_W | ACC_X);

	if (!(g & ACC_R)) {
		g &= ~ACC_W;
		if (!exec_only)
			g &= ~ACC_X;
	}
	return g;
}

static void features_log(struct __test_metadata *_metadata, const struct p2m_ctx *c)
{
	char buf[512] = "";
	unsigned int bit;

	for (bit = 0; bit < 64; bit++)
		if ((c->caps.features & (1ULL << bit)) && tvx_feature_name(bit)) {
			strncat(buf, " ", sizeof(buf) - strlen(buf) - 1);
			strncat(buf, tvx_feature_name(bit), sizeof(buf) - strlen(buf) - 1);
		}
	TH_LOG("CPU features:%s", buf);
}

/* ------------------------------------------------------------ the matrix */

FIXTURE(matrix) {
	struct p2m_ctx c;
};

FIXTURE_VARIANT(matrix) {
	__u32 access;
};

FIXTURE_VARIANT_ADD(matrix, r) { .access = THINVMX_ACCESS_R };
FIXTURE_VARIANT_ADD(matrix, w) { .access = THINVMX_ACCESS_W };
FIXTURE_VARIANT_ADD(matrix, rw) { .access = THINVMX_ACCESS_RW };
FIXTURE_VARIANT_ADD(matrix, x) { .access = THINVMX_ACCESS_X };
FIXTURE_VARIANT_ADD(matrix, rx) { .access = THINVMX_ACCESS_RX };
FIXTURE_VARIANT_ADD(matrix, wx) { .access = THINVMX_ACCESS_WX };
FIXTURE_VARIANT_ADD(matrix, rwx) { .access = THINVMX_ACCESS_RWX };
FIXTURE_VARIANT_ADD(matrix, n) { .access = THINVMX_ACCESS_N };

FIXTURE_SETUP(matrix)
{
	ctx_setup(_metadata, &self->c);
}

FIXTURE_TEARDOWN(matrix)
{
	ctx_teardown(&self->c);
}

/*
 * A read, a write and a fetch of a ram_rw page with this access right:
 * exactly the accesses EPT does not grant exit, as MEM_ACCESS with the
 * address, the attempt and the right; a denied write leaves memory alone;
 * the host grants rwx and the access completes on the next RUN.
 */
TEST_F_TIMEOUT(matrix, read_write_fetch, 120)
{
	static const __u32 ops[] = { ACC_R, ACC_W, ACC_X };
	struct p2m_ctx *c = &self->c;
	const __u32 access = variant->access;
	const __u32 grants = ept_grants(access, c->exec_only);
	struct thinvmx_domain_info info;
	unsigned int i, denied = 0;

	features_log(_metadata, c);
	TH_LOG("access %s: EPT grants %s (ept-exec-only: %s)", tvx_access_str(access),
	       tvx_access_str(grants), c->exec_only ? "yes" : "no");
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		const __u32 op = ops[i];

		test_page_init(_metadata, c);
		ASSERT_EQ(0, tvx_set_mem_access(c->d, TEST_GFN, 1, access));
		expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RW, access);
		start(_metadata, c, guest_access, op, op_gpa(op), DATA_NEW);
		if (!(grants & op)) {
			TH_LOG("%s: denied", op_name(op));
			expect_mem_access(_metadata, c, op_gpa(op), op, access,
					  THINVMX_P2M_RAM_RW);
			denied++;
			EXPECT_EQ(DATA_OLD, data_word(c)) TH_LOG("denied %s changed memory",
								 op_name(op));
			/* a violation of a plain right changes nothing */
			expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RW, access);
			ASSERT_EQ(0, tvx_set_mem_access(c->d, TEST_GFN, 1,
							THINVMX_ACCESS_RWX));
		} else {
			TH_LOG("%s: allowed", op_name(op));
		}
		RUN_EXPECT(c, TVX_UCALL_DONE);
		EXPECT_EQ(op_result(op), c->uc.args[0]) TH_LOG("%s returned", op_name(op));
		EXPECT_EQ(op == ACC_W ? DATA_NEW : DATA_OLD, data_word(c));
	}
	ASSERT_EQ(0, tvx_domain_info(c->d, &info));
	EXPECT_EQ(denied, info.mem_access_violations);
}

/* ------------------------------------------------------------ one domain */

FIXTURE(p2m) {
	struct p2m_ctx c;
};

FIXTURE_SETUP(p2m)
{
	ctx_setup(_metadata, &self->c);
}

FIXTURE_TEARDOWN(p2m)
{
	ctx_teardown(&self->c);
}

/*
 * rx2rw: reads and fetches go through; the first write is reported and
 * the right is rw from then on (the exit and GET_MEM_ACCESS say so); the
 * write completes on the next RUN with nothing changed by the host; rw has
 * no execute, so a fetch is now reported.
 */
TEST_F_TIMEOUT(p2m, rx2rw_becomes_rw_on_the_first_write, 120)
{
	struct p2m_ctx *c = &self->c;
	struct thinvmx_domain_info info;

	test_page_init(_metadata, c);
	ASSERT_EQ(0, tvx_set_mem_access(c->d, TEST_GFN, 1, THINVMX_ACCESS_RX2RW));
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RX2RW);

	start(_metadata, c, guest_access, ACC_R, DATA_GPA, 0);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(DATA_OLD, c->uc.args[0]);
	start(_metadata, c, guest_access, ACC_X, CODE_GPA, 0);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(CODE_MAGIC, c->uc.args[0]);
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RX2RW);

	start(_metadata, c, guest_access, ACC_W, DATA_GPA, DATA_NEW);
	expect_mem_access(_metadata, c, DATA_GPA, ACC_W, THINVMX_ACCESS_RW,
			  THINVMX_P2M_RAM_RW);
	EXPECT_EQ(DATA_OLD, data_word(c));
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RW);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(DATA_NEW, data_word(c));

	/* rw now: a second write goes through, a fetch does not */
	start(_metadata, c, guest_access, ACC_W, DATA_GPA, DATA_OLD);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(DATA_OLD, data_word(c));
	start(_metadata, c, guest_access, ACC_X, CODE_GPA, 0);
	expect_mem_access(_metadata, c, CODE_GPA, ACC_X, THINVMX_ACCESS_RW,
			  THINVMX_P2M_RAM_RW);
	ASSERT_EQ(0, tvx_set_mem_access(c->d, TEST_GFN, 1, THINVMX_ACCESS_RWX));
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(CODE_MAGIC, c->uc.args[0]);

	ASSERT_EQ(0, tvx_domain_info(c->d, &info));
	EXPECT_EQ(2, info.mem_access_violations);
}

/*
 * n2rwx: the first access, a read, is reported and the right is rwx from
 * then on; the read completes on the next RUN; writes and fetches go
 * through without exits.
 */
TEST_F_TIMEOUT(p2m, n2rwx_becomes_rwx_on_the_first_access, 120)
{
	struct p2m_ctx *c = &self->c;
	struct thinvmx_domain_info info;

	test_page_init(_metadata, c);
	ASSERT_EQ(0, tvx_set_mem_access(c->d, TEST_GFN, 1, THINVMX_ACCESS_N2RWX));
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_N2RWX);

	start(_metadata, c, guest_access, ACC_R, DATA_GPA, 0);
	expect_mem_access(_metadata, c, DATA_GPA, ACC_R, THINVMX_ACCESS_RWX,
			  THINVMX_P2M_RAM_RW);
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(DATA_OLD, c->uc.args[0]);

	start(_metadata, c, guest_access, ACC_W, DATA_GPA, DATA_NEW);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(DATA_NEW, data_word(c));
	start(_metadata, c, guest_access, ACC_X, CODE_GPA, 0);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(CODE_MAGIC, c->uc.args[0]);

	ASSERT_EQ(0, tvx_domain_info(c->d, &info));
	EXPECT_EQ(1, info.mem_access_violations);
}

/*
 * ram_ro: a guest write is discarded and the guest goes on, with no exit
 * to userspace (kmod/ept/p2m.h, P2M_VIOL_RAM_RO_WRITE); the guest reads
 * the old value back; reads and fetches work. ram_rw again: writes work.
 */
TEST_F_TIMEOUT(p2m, ram_ro_discards_writes_and_the_guest_goes_on, 120)
{
	struct p2m_ctx *c = &self->c;
	struct thinvmx_domain_info info;

	test_page_init(_metadata, c);
	ASSERT_EQ(0, tvx_set_mem_type(c->d, TEST_GFN, 1, THINVMX_P2M_RAM_RO));
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RO, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, TEST_GFN - 1, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, TEST_GFN + 1, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);

	start(_metadata, c, tvx_guest_write_read64, DATA_GPA, DATA_NEW, 0);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(DATA_OLD, c->uc.args[0]) TH_LOG("the guest read back its discarded write");
	EXPECT_EQ(DATA_OLD, data_word(c));
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RO, THINVMX_ACCESS_RWX);

	start(_metadata, c, guest_access, ACC_R, DATA_GPA, 0);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(DATA_OLD, c->uc.args[0]);
	start(_metadata, c, guest_access, ACC_X, CODE_GPA, 0);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(CODE_MAGIC, c->uc.args[0]);

	ASSERT_EQ(0, tvx_domain_info(c->d, &info));
	EXPECT_EQ(1, info.ram_ro_writes_discarded);
	EXPECT_EQ(0, info.mem_access_violations);

	ASSERT_EQ(0, tvx_set_mem_type(c->d, TEST_GFN, 1, THINVMX_P2M_RAM_RW));
	start(_metadata, c, tvx_guest_write_read64, DATA_GPA, DATA_NEW, 0);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(DATA_NEW, c->uc.args[0]);
	EXPECT_EQ(DATA_NEW, data_word(c));
}

/*
 * ram_logdirty set by SET_MEM_TYPE: reads and fetches go through; a write
 * completes without an exit and makes the frame ram_rw.
 */
TEST_F_TIMEOUT(p2m, ram_logdirty_write_completes_and_makes_it_ram_rw, 120)
{
	struct p2m_ctx *c = &self->c;
	struct thinvmx_domain_info info;

	test_page_init(_metadata, c);
	ASSERT_EQ(0, tvx_set_mem_type(c->d, TEST_GFN, 1, THINVMX_P2M_RAM_LOGDIRTY));
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_LOGDIRTY, THINVMX_ACCESS_RWX);
	start(_metadata, c, guest_access, ACC_R, DATA_GPA, 0);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(DATA_OLD, c->uc.args[0]);
	start(_metadata, c, guest_access, ACC_X, CODE_GPA, 0);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(CODE_MAGIC, c->uc.args[0]);
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_LOGDIRTY, THINVMX_ACCESS_RWX);

	start(_metadata, c, tvx_guest_write_read64, DATA_GPA, DATA_NEW, 0);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(DATA_NEW, c->uc.args[0]);
	EXPECT_EQ(DATA_NEW, data_word(c));
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	ASSERT_EQ(0, tvx_domain_info(c->d, &info));
	EXPECT_LE(1, info.logdirty_faults);
	EXPECT_EQ(0, info.mem_access_violations);
}

static void bitmap_log(struct __test_metadata *_metadata, const char *what,
		       const __u64 *bm, unsigned int words)
{
	char buf[1024] = "";
	unsigned int i;

	for (i = 0; i < words * 64; i++)
		if (bm[i / 64] & (1ULL << (i % 64)))
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %u", i);
	TH_LOG("%s:%s", what, buf[0] ? buf : " none");
}

static void expect_bitmap(struct __test_metadata *_metadata, const char *what,
			  const __u64 *want, const __u64 *got, unsigned int words)
{
	if (memcmp(want, got, words * 8)) {
		bitmap_log(_metadata, "expected", want, words);
		bitmap_log(_metadata, "reported", got, words);
		EXPECT_EQ(0, memcmp(want, got, words * 8)) TH_LOG("%s", what);
	}
}

/*
 * Dirty logging over three rounds with different frames written (some of
 * them written in an earlier round too, so the GET of that round must have
 * re-armed them) and others only read: GET reports exactly the written frames, clears them
 * (a second GET reports none), and a region never touched reports none.
 * Types follow: START makes ram_rw frames ram_logdirty, and only them; a
 * write makes a frame ram_rw; GET makes it ram_logdirty again; STOP makes
 * every ram_logdirty frame ram_rw.
 */
TEST_F_TIMEOUT(p2m, dirty_log_reports_exactly_the_frames_written, 240)
{
	static const struct {
		unsigned int nw, nr;
		__u64 w[TOUCH_MAX], r[TOUCH_MAX];
	} rounds[3] = {
		{ 6, 3, { 0, 1, 63, 64, 200, 511 }, { 2, 3, 300 } },
		{ 5, 3, { 1, 2, 100, 300, 447 }, { 0, 63, 511 } },
		{ 4, 3, { 0, 5, 256, 511 }, { 1, 100, 448 } },
	};
	const __u64 ro_idx = 400;	/* a ram_ro frame among them, never written */
	const unsigned int words = REGION_FRAMES / 64;
	struct p2m_ctx *c = &self->c;
	__u64 bm[REGION_FRAMES / 64], want[REGION_FRAMES / 64];
	__u64 zero[REGION_FRAMES / 64] = { 0 };
	struct thinvmx_domain_info info;
	__u64 i, sum, writes = 0;
	unsigned int r;

	for (i = 0; i < REGION_FRAMES; i++)
		*(__u64 *)tvx_gpa(c->d, REGION_GPA + i * PAGE) = region_word0(i);
	ASSERT_EQ(0, tvx_set_mem_type(c->d, REGION_GFN + ro_idx, 1, THINVMX_P2M_RAM_RO));

	ASSERT_EQ(0, tvx_dirty_log_start(c->d));
	expect_p2m(_metadata, c, 0, THINVMX_P2M_RAM_LOGDIRTY, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, REGION_GFN, THINVMX_P2M_RAM_LOGDIRTY, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, RAM_FRAMES - 1, THINVMX_P2M_RAM_LOGDIRTY,
		   THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, REGION_GFN + ro_idx, THINVMX_P2M_RAM_RO,
		   THINVMX_ACCESS_RWX);
	/* the host's own writes (mmap) are not the guest's */
	memset(bm, 0xff, sizeof(bm));
	ASSERT_EQ(0, tvx_dirty_log_get(c->d, REGION_GFN, REGION_FRAMES, bm));
	expect_bitmap(_metadata, "before any guest write", zero, bm, words);

	for (r = 0; r < ARRAY_SIZE(rounds); r++) {
		TH_LOG("round %u", r);
		memset(&touch, 0, sizeof(touch));
		touch.round = r;
		touch.nr_writes = rounds[r].nw;
		touch.nr_reads = rounds[r].nr;
		memcpy(touch.writes, rounds[r].w, sizeof(touch.writes));
		memcpy(touch.reads, rounds[r].r, sizeof(touch.reads));
		ASSERT_EQ(0, TVX_SYNC_GLOBAL_TO_GUEST(c->d, touch));
		memset(want, 0, sizeof(want));
		for (i = 0; i < rounds[r].nw; i++)
			want[rounds[r].w[i] / 64] |= 1ULL << (rounds[r].w[i] % 64);
		for (sum = 0, i = 0; i < rounds[r].nr; i++)
			sum += region_word0(rounds[r].r[i]);
		writes += rounds[r].nw;

		start(_metadata, c, guest_touch, 0, 0, 0);
		RUN_EXPECT(c, TVX_UCALL_DONE);
		EXPECT_EQ(sum, c->uc.args[0]);
		for (i = 0; i < rounds[r].nw; i++) {
			EXPECT_EQ(touch_value(r, rounds[r].w[i]),
				  ((__u64 *)tvx_gpa(c->d, REGION_GPA + rounds[r].w[i] * PAGE))[1 + r]);
		}
		expect_p2m(_metadata, c, REGION_GFN + rounds[r].w[0], THINVMX_P2M_RAM_RW,
			   THINVMX_ACCESS_RWX);
		expect_p2m(_metadata, c, REGION_GFN + rounds[r].r[0], THINVMX_P2M_RAM_LOGDIRTY,
			   THINVMX_ACCESS_RWX);

		memset(bm, 0xa5, sizeof(bm));
		ASSERT_EQ(0, tvx_dirty_log_get(c->d, REGION_GFN, REGION_FRAMES, bm));
		expect_bitmap(_metadata, "GET after the guest's writes", want, bm, words);
		expect_p2m(_metadata, c, REGION_GFN + rounds[r].w[0],
			   THINVMX_P2M_RAM_LOGDIRTY, THINVMX_ACCESS_RWX);

		memset(bm, 0xa5, sizeof(bm));
		ASSERT_EQ(0, tvx_dirty_log_get(c->d, REGION_GFN, REGION_FRAMES, bm));
		expect_bitmap(_metadata, "a second GET: cleared by the first", zero, bm, words);
		memset(bm, 0xa5, sizeof(bm));
		ASSERT_EQ(0, tvx_dirty_log_get(c->d, QUIET_GFN, REGION_FRAMES, bm));
		expect_bitmap(_metadata, "a region the guest never touches", zero, bm, words);
	}
	ASSERT_EQ(0, tvx_domain_info(c->d, &info));
	EXPECT_LE(writes, info.logdirty_faults);
	EXPECT_EQ(0, info.mem_access_violations);

	ASSERT_EQ(0, tvx_dirty_log_stop(c->d));
	for (i = 0; i < REGION_FRAMES; i++)
		expect_p2m(_metadata, c, REGION_GFN + i,
			   i == ro_idx ? THINVMX_P2M_RAM_RO : THINVMX_P2M_RAM_RW,
			   THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, 0, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, RAM_FRAMES - 1, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
}

static __u64 leaf_bytes(const struct thinvmx_domain_info *i)
{
	return (i->ept_leaves_4k << 12) + (i->ept_leaves_2m << 21) +
	       (i->ept_leaves_1g << 30);
}

/*
 * The EPT of a 64 MiB domain: with 2 MiB pages from the allocator, one
 * PML4, one PDPT and one PD (3 table pages) and 32 leaves of 2 MiB. One
 * 4 KiB frame with its own access right splits its 2 MiB leaf into a page
 * table of 512 leaves (4 table pages, 31 + 512 leaves); the 511 other
 * frames keep their type and access right.
 */
TEST_F_TIMEOUT(p2m, domain_info_counts_ept_tables_and_leaves, 120)
{
	struct p2m_ctx *c = &self->c;
	struct thinvmx_domain_info a, b;
	bool fell_back;
	__u64 i;

	ASSERT_EQ(0, tvx_domain_info(c->d, &a));
	TH_LOG("id %u vcpus %u ram_pages %llu tables %llu leaves 4k %llu 2m %llu 1g %llu",
	       a.id, a.nr_vcpus, (unsigned long long)a.ram_pages,
	       (unsigned long long)a.ept_table_pages, (unsigned long long)a.ept_leaves_4k,
	       (unsigned long long)a.ept_leaves_2m, (unsigned long long)a.ept_leaves_1g);
	EXPECT_EQ(1, a.nr_vcpus);
	EXPECT_EQ(RAM_FRAMES, a.ram_pages);
	EXPECT_EQ(MEM_BYTES, leaf_bytes(&a));
	EXPECT_EQ(0, a.ept_leaves_1g);		/* 64 MiB holds no 1 GiB page */
	EXPECT_EQ(0, a.mem_access_violations);
	EXPECT_EQ(0, a.logdirty_faults);
	EXPECT_EQ(0, a.ram_ro_writes_discarded);
	EXPECT_EQ(0, a.mmio_ro_writes_discarded);
	fell_back = a.ept_leaves_4k != 0;
	if (!fell_back) {
		EXPECT_EQ(3, a.ept_table_pages);
		EXPECT_EQ(32, a.ept_leaves_2m);
	} else {
		TH_LOG("the allocator gave %llu frames as 4 KiB pages: only checking >= 3 tables",
		       (unsigned long long)a.ept_leaves_4k);
		EXPECT_LE(3, a.ept_table_pages);
	}

	ASSERT_EQ(0, tvx_set_mem_access(c->d, TEST_GFN, 1, THINVMX_ACCESS_R));
	ASSERT_EQ(0, tvx_domain_info(c->d, &b));
	TH_LOG("after one 4 KiB right: tables %llu leaves 4k %llu 2m %llu",
	       (unsigned long long)b.ept_table_pages, (unsigned long long)b.ept_leaves_4k,
	       (unsigned long long)b.ept_leaves_2m);
	EXPECT_EQ(MEM_BYTES, leaf_bytes(&b));
	if (!fell_back) {
		EXPECT_EQ(4, b.ept_table_pages);
		EXPECT_EQ(31, b.ept_leaves_2m);
		EXPECT_EQ(512, b.ept_leaves_4k);
	} else {
		EXPECT_LE(a.ept_table_pages, b.ept_table_pages);
		EXPECT_LE(512, b.ept_leaves_4k);
	}
	for (i = 0; i < REGION_FRAMES; i++)
		expect_p2m(_metadata, c, REGION_GFN + i, THINVMX_P2M_RAM_RW,
			   REGION_GFN + i == TEST_GFN ? THINVMX_ACCESS_R : THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, REGION_GFN - 1, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, REGION_GFN + REGION_FRAMES, THINVMX_P2M_RAM_RW,
		   THINVMX_ACCESS_RWX);
}

/*
 * CHANGE_TYPE_GLOBAL: ram_rw -> ram_logdirty and back change every such
 * frame and no other; to or from mmio_direct is -EINVAL (and changes
 * nothing) unless from == to.
 */
TEST_F_TIMEOUT(p2m, change_type_global, 120)
{
	struct p2m_ctx *c = &self->c;
	const __u64 ro_gfn = REGION_GFN + 7;
	static const __u32 others[] = {
		THINVMX_P2M_INVALID, THINVMX_P2M_RAM_RW, THINVMX_P2M_RAM_RO,
		THINVMX_P2M_RAM_LOGDIRTY, THINVMX_P2M_MMIO_DM,
	};
	unsigned int i;

	test_page_init(_metadata, c);
	ASSERT_EQ(0, tvx_set_mem_type(c->d, ro_gfn, 1, THINVMX_P2M_RAM_RO));
	ASSERT_EQ(0, tvx_set_mem_access(c->d, TEST_GFN, 1, THINVMX_ACCESS_RW));

	ASSERT_EQ(0, tvx_change_type_global(c->d, THINVMX_P2M_RAM_RW,
					    THINVMX_P2M_RAM_LOGDIRTY));
	expect_p2m(_metadata, c, 0, THINVMX_P2M_RAM_LOGDIRTY, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, REGION_GFN, THINVMX_P2M_RAM_LOGDIRTY, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_LOGDIRTY, THINVMX_ACCESS_RW);
	expect_p2m(_metadata, c, RAM_FRAMES - 1, THINVMX_P2M_RAM_LOGDIRTY,
		   THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, ro_gfn, THINVMX_P2M_RAM_RO, THINVMX_ACCESS_RWX);

	/* a logdirty write goes through and makes the frame ram_rw */
	start(_metadata, c, guest_access, ACC_W, DATA_GPA, DATA_NEW);
	RUN_EXPECT(c, TVX_UCALL_DONE);
	EXPECT_EQ(DATA_NEW, data_word(c));
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RW);

	ASSERT_EQ(0, tvx_change_type_global(c->d, THINVMX_P2M_RAM_LOGDIRTY,
					    THINVMX_P2M_RAM_RW));
	expect_p2m(_metadata, c, 0, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, REGION_GFN, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, RAM_FRAMES - 1, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, ro_gfn, THINVMX_P2M_RAM_RO, THINVMX_ACCESS_RWX);

	for (i = 0; i < ARRAY_SIZE(others); i++) {
		EXPECT_EQ(-EINVAL, tvx_change_type_global(c->d, others[i],
							  THINVMX_P2M_MMIO_DIRECT))
			TH_LOG("%s -> mmio_direct", tvx_p2m_type_str(others[i]));
		EXPECT_EQ(-EINVAL, tvx_change_type_global(c->d, THINVMX_P2M_MMIO_DIRECT,
							  others[i]))
			TH_LOG("mmio_direct -> %s", tvx_p2m_type_str(others[i]));
	}
	EXPECT_EQ(0, tvx_change_type_global(c->d, THINVMX_P2M_MMIO_DIRECT,
					    THINVMX_P2M_MMIO_DIRECT));
	EXPECT_EQ(-EINVAL, tvx_change_type_global(c->d, THINVMX_P2M_NR_TYPES,
						  THINVMX_P2M_RAM_RW));
	EXPECT_EQ(-EINVAL, tvx_change_type_global(c->d, THINVMX_P2M_RAM_RW,
						  THINVMX_P2M_NR_TYPES));
	EXPECT_EQ(-EINVAL, tvx_change_type_global(c->d, THINVMX_P2M_RAM_RW, ~0u));
	/* the refused changes changed nothing */
	expect_p2m(_metadata, c, 0, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, ro_gfn, THINVMX_P2M_RAM_RO, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, TEST_GFN, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RW);
}

static int raw(struct p2m_ctx *c, unsigned long cmd, void *arg)
{
	return ioctl(tvx_domain_fd(c->d), cmd, arg) < 0 ? -errno : 0;
}

/*
 * Argument checks: ranges with a frame outside RAM, unknown types and
 * rights, types that are not RAM types, nonzero pad and reserved fields,
 * unknown dirty-log ops and unaligned GET ranges are -EINVAL, and a
 * refused call changes nothing.
 */
TEST_F(p2m, bad_arguments_are_einval_and_change_nothing)
{
	struct p2m_ctx *c = &self->c;
	static const __u32 not_ram_types[] = {
		THINVMX_P2M_INVALID, THINVMX_P2M_MMIO_DIRECT, THINVMX_P2M_MMIO_DM,
		THINVMX_P2M_NR_TYPES, ~0u,
	};
	const __u64 last = RAM_FRAMES - 1;
	struct thinvmx_mem_range mr;
	struct thinvmx_mem_query q;
	struct thinvmx_type_change tc;
	struct thinvmx_dirty_log dl;
	struct thinvmx_map_mmio mm;
	__u64 bm[2];
	__u32 type = 0, access = 0;
	unsigned int i, k;
	int ret;

	/* ranges not entirely RAM */
	EXPECT_EQ(-EINVAL, tvx_set_mem_type(c->d, RAM_FRAMES, 1, THINVMX_P2M_RAM_RO));
	EXPECT_EQ(-EINVAL, tvx_set_mem_type(c->d, last, 2, THINVMX_P2M_RAM_RO));
	EXPECT_EQ(-EINVAL, tvx_set_mem_access(c->d, RAM_FRAMES, 1, THINVMX_ACCESS_R));
	EXPECT_EQ(-EINVAL, tvx_set_mem_access(c->d, last, 2, THINVMX_ACCESS_R));
	EXPECT_EQ(-EINVAL, tvx_set_mem_access(c->d, 0, RAM_FRAMES + 1, THINVMX_ACCESS_R));
	EXPECT_EQ(-EINVAL, tvx_set_mem_access(c->d, ~0ULL, 2, THINVMX_ACCESS_R));
	EXPECT_EQ(-EINVAL, tvx_set_mem_access(c->d, 1, ~0ULL, THINVMX_ACCESS_R));
	EXPECT_EQ(-EINVAL, tvx_set_mem_access(c->d, 1ULL << 40, 1, THINVMX_ACCESS_R));
	expect_p2m(_metadata, c, last, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, 0, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	ret = tvx_get_mem_access(c->d, RAM_FRAMES, &type, &access);
	if (ret == 0) {
		EXPECT_EQ(THINVMX_P2M_INVALID, type) TH_LOG("a frame past RAM");
	} else {
		EXPECT_EQ(-EINVAL, ret);
	}

	/* values */
	for (i = 0; i < ARRAY_SIZE(not_ram_types); i++) {
		EXPECT_EQ(-EINVAL, tvx_set_mem_type(c->d, 0, 1, not_ram_types[i]))
			TH_LOG("type %u", not_ram_types[i]);
	}
	EXPECT_EQ(-EINVAL, tvx_set_mem_access(c->d, 0, 1, THINVMX_NR_ACCESS));
	EXPECT_EQ(-EINVAL, tvx_set_mem_access(c->d, 0, 1, ~0u));
	expect_p2m(_metadata, c, 0, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);

	/* pad and reserved, each alone in an otherwise good call */
	for (k = 0; k < 3; k++) {
		memset(&mr, 0, sizeof(mr));
		mr.first_gfn = 0;
		mr.nr_frames = 1;
		if (k == 0)
			mr.pad = 1;
		else
			mr.reserved[k - 1] = 1;
		mr.value = THINVMX_P2M_RAM_RO;
		EXPECT_EQ(-EINVAL, raw(c, THINVMX_SET_MEM_TYPE, &mr)) TH_LOG("field %u", k);
		mr.value = THINVMX_ACCESS_R;
		EXPECT_EQ(-EINVAL, raw(c, THINVMX_SET_MEM_ACCESS, &mr)) TH_LOG("field %u", k);
	}
	expect_p2m(_metadata, c, 0, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	for (k = 0; k < 2; k++) {
		memset(&q, 0, sizeof(q));
		q.reserved[k] = 1;
		EXPECT_EQ(-EINVAL, raw(c, THINVMX_GET_MEM_ACCESS, &q));
		memset(&tc, 0, sizeof(tc));
		tc.from = THINVMX_P2M_RAM_RW;
		tc.to = THINVMX_P2M_RAM_LOGDIRTY;
		tc.reserved[k] = 1;
		EXPECT_EQ(-EINVAL, raw(c, THINVMX_CHANGE_TYPE_GLOBAL, &tc));
		memset(&mm, 0, sizeof(mm));
		mm.gfn = (128ULL << 20) >> 12;
		mm.mfn = 0xa0;
		mm.nr_frames = 1;
		mm.reserved[k] = 1;
		EXPECT_EQ(-EINVAL, raw(c, THINVMX_MAP_MMIO, &mm));
	}
	expect_p2m(_metadata, c, 0, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);

	/* dirty log: ops, fields, GET sizes (logging on, so only they are wrong) */
	ASSERT_EQ(0, tvx_dirty_log_start(c->d));
	for (k = 0; k < 3; k++) {
		memset(&dl, 0, sizeof(dl));
		dl.op = THINVMX_DIRTY_LOG_GET;
		dl.first_gfn = 0;
		dl.nr_frames = 64;
		dl.bitmap = (__u64)(uintptr_t)bm;
		if (k == 0)
			dl.pad = 1;
		else
			dl.reserved[k - 1] = 1;
		EXPECT_EQ(-EINVAL, raw(c, THINVMX_DIRTY_LOG, &dl)) TH_LOG("field %u", k);
	}
	memset(&dl, 0, sizeof(dl));
	dl.op = 0;
	EXPECT_EQ(-EINVAL, raw(c, THINVMX_DIRTY_LOG, &dl));
	dl.op = THINVMX_DIRTY_LOG_STOP + 1;
	EXPECT_EQ(-EINVAL, raw(c, THINVMX_DIRTY_LOG, &dl));
	EXPECT_EQ(-EINVAL, tvx_dirty_log_get(c->d, 0, 63, bm));
	EXPECT_EQ(-EINVAL, tvx_dirty_log_get(c->d, 0, 65, bm));
	EXPECT_EQ(0, tvx_dirty_log_get(c->d, 0, 128, bm));
	ASSERT_EQ(0, tvx_dirty_log_stop(c->d));
	expect_p2m(_metadata, c, 0, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
}

/* The host frame behind guest frame gfn (THINVMX_GET_FRAME_LIST). */
static int host_frame(struct p2m_ctx *c, __u64 gfn, __u64 *mfn)
{
	struct thinvmx_extent x = { 0 };
	struct thinvmx_frame_list fl = {
		.first_gfn = gfn, .nr_frames = 1,
		.extents = (__u64)(uintptr_t)&x, .max_extents = 1,
	};
	int ret = raw(c, THINVMX_GET_FRAME_LIST, &fl);

	if (ret)
		return ret;
	if (fl.nr_extents != 1)
		return -ENOENT;
	*mfn = x.mfn;
	return 0;
}

/*
 * MAP_MMIO maps a host MMIO frame as mmio_direct past RAM; it refuses a
 * host RAM frame, a guest RAM frame and a guest frame already mapped.
 * mmio_direct frames take access rights but no RAM type, and
 * mmio_direct -> mmio_direct keeps them. The host frame is a PCI BAR's,
 * on the administrator's allow-list (mmio_gate_test: the gate itself).
 */
TEST_F(p2m, map_mmio_maps_device_frames_and_refuses_ram)
{
	struct p2m_ctx *c = &self->c;
	const __u64 gfn = (128ULL << 20) >> 12;	/* past RAM */
	struct thinvmx_domain_info info;
	/* static: the harness's longjmp may clobber what the lookup sets */
	static __u64 start, size;
	static char dev[300];
	static __u32 sbdf;
	static int bar;
	__u64 mfn, ram_mfn = 0;
	int ret;

	if (!tvx_pci_mem_bar(dev, sizeof(dev), &sbdf, &bar, &start, &size))
		SKIP(return, "no PCI device with a memory BAR of two pages");
	mfn = start >> 12;
	TH_LOG("MMIO frame %#llx: %s BAR %d", (unsigned long long)mfn, dev, bar);
	ASSERT_EQ(0, host_frame(c, 0, &ram_mfn));

	ret = tvx_map_mmio(c->d, gfn, ram_mfn, 1);
	EXPECT_TRUE(ret < 0 && ret != -ENOTTY) TH_LOG("host RAM frame %#llx: %d",
						     (unsigned long long)ram_mfn, ret);
	/* not allowed yet */
	EXPECT_EQ(-EPERM, tvx_map_mmio(c->d, gfn, mfn, 1));
	ASSERT_EQ(0, tvx_mmio_allow(true, mfn, mfn));
	ret = tvx_map_mmio(c->d, 16, mfn, 1);
	EXPECT_TRUE(ret < 0 && ret != -ENOTTY) TH_LOG("at guest RAM: %d", ret);
	ret = tvx_map_mmio(c->d, RAM_FRAMES - 1, mfn, 2);
	EXPECT_TRUE(ret < 0 && ret != -ENOTTY) TH_LOG("overlapping guest RAM: %d", ret);
	expect_p2m(_metadata, c, 16, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);
	expect_p2m(_metadata, c, RAM_FRAMES - 1, THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX);

	ret = tvx_map_mmio(c->d, gfn, mfn, 1);
	EXPECT_EQ(0, tvx_mmio_allow(false, mfn, mfn));
	ASSERT_EQ(0, ret);
	expect_p2m(_metadata, c, gfn, THINVMX_P2M_MMIO_DIRECT, THINVMX_ACCESS_RWX);
	ret = tvx_map_mmio(c->d, gfn, mfn, 1);
	EXPECT_TRUE(ret < 0 && ret != -ENOTTY) TH_LOG("mapped twice: %d", ret);

	EXPECT_EQ(-EINVAL, tvx_set_mem_type(c->d, gfn, 1, THINVMX_P2M_RAM_RW));
	EXPECT_EQ(0, tvx_set_mem_access(c->d, gfn, 1, THINVMX_ACCESS_R));
	expect_p2m(_metadata, c, gfn, THINVMX_P2M_MMIO_DIRECT, THINVMX_ACCESS_R);
	EXPECT_EQ(0, tvx_change_type_global(c->d, THINVMX_P2M_MMIO_DIRECT,
					    THINVMX_P2M_MMIO_DIRECT));
	expect_p2m(_metadata, c, gfn, THINVMX_P2M_MMIO_DIRECT, THINVMX_ACCESS_R);
	/* a range from RAM into the MMIO frame is not all RAM */
	EXPECT_EQ(-EINVAL, tvx_set_mem_type(c->d, RAM_FRAMES - 1, gfn - RAM_FRAMES + 2,
					    THINVMX_P2M_RAM_RO));

	ASSERT_EQ(0, tvx_domain_info(c->d, &info));
	EXPECT_EQ(RAM_FRAMES, info.ram_pages);
}

/* the name helpers need no module */
TEST(names_of_types_and_rights)
{
	EXPECT_STREQ("invalid", tvx_p2m_type_str(THINVMX_P2M_INVALID));
	EXPECT_STREQ("ram_logdirty", tvx_p2m_type_str(THINVMX_P2M_RAM_LOGDIRTY));
	EXPECT_STREQ("mmio_dm", tvx_p2m_type_str(THINVMX_P2M_MMIO_DM));
	EXPECT_EQ(NULL, tvx_p2m_type_str(THINVMX_P2M_NR_TYPES));
	EXPECT_STREQ("n", tvx_access_str(THINVMX_ACCESS_N));
	EXPECT_STREQ("wx", tvx_access_str(THINVMX_ACCESS_WX));
	EXPECT_STREQ("n2rwx", tvx_access_str(THINVMX_ACCESS_N2RWX));
	EXPECT_EQ(NULL, tvx_access_str(THINVMX_NR_ACCESS));
}

/* ------------------------------------------------------------ lock order */

#define BUF_GPA		(40ULL << 20)	/* guest RAM the bitmap is read into */

struct remapper {
	int fd;
	void *addr;
	volatile int stop;
	unsigned long rounds;
};

/* Unmap and map again, for ever, the page the dirty log is read into. */
static void *remap_loop(void *arg)
{
	struct remapper *r = arg;

	while (!r->stop) {
		munmap(r->addr, 4096);
		if (mmap(r->addr, 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, r->fd, BUF_GPA) == MAP_FAILED)
			break;
		r->rounds++;
	}
	return NULL;
}

/*
 * The dirty log read into a mapping of the domain's own RAM while another
 * thread unmaps and maps it again: each read copies its bits out or fails
 * with -EFAULT, and nothing hangs -- the bits go out after the p2m lock is
 * dropped, never under it (the lock order, kmod/domain.h).
 */
TEST_F_TIMEOUT(p2m, dirty_log_read_while_its_buffer_is_unmapped, 120)
{
	struct p2m_ctx *c = &self->c;
	struct remapper r = { .fd = tvx_domain_fd(c->d) };
	unsigned long ok = 0, fault = 0, i;
	pthread_t t;
	int ret;

	r.addr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, BUF_GPA);
	ASSERT_NE(MAP_FAILED, r.addr);
	ASSERT_EQ(0, tvx_dirty_log_start(c->d));
	ASSERT_EQ(0, pthread_create(&t, NULL, remap_loop, &r));
	for (i = 0; i < 2000; i++) {
		ret = tvx_dirty_log_get(c->d, 0, 1024, r.addr);
		if (ret == -EFAULT)
			fault++;
		else if (!ret)
			ok++;
		else
			break;
	}
	r.stop = 1;
	pthread_join(t, NULL);
	EXPECT_EQ(2000, ok + fault);
	EXPECT_LT(0, ok);
	EXPECT_LT(0, r.rounds);
	TH_LOG("%lu reads, %lu of them -EFAULT; %lu remaps", ok + fault, fault,
	       r.rounds);
	ASSERT_EQ(0, tvx_dirty_log_stop(c->d));
	munmap(r.addr, 4096);
}

/* ------------------------------------------------------------ sparse domains */

/* A domain of two RAM ranges, a vCPU, this binary loaded; false: SKIP. */
static bool two_range_domain(struct __test_metadata *_metadata,
			     struct p2m_ctx *c, __u64 hi_gpa, __u64 hi_bytes)
{
	struct thinvmx_e820_entry e820[2] = {
		{ .addr = 0, .size = 16 << 20, .type = THINVMX_E820_RAM },
		{ .addr = hi_gpa, .size = hi_bytes, .type = THINVMX_E820_RAM },
	};
	int ret;

	ret = tvx_open(&c->h);
	if (ret == -ENOENT)
		SKIP(return false, "no %s: module not loaded", THINVMX_DEVICE);
	EXPECT_EQ(0, ret);
	if (ret || tvx_get_caps(c->h, &c->caps))
		return false;
	if (c->caps.vmx_status != THINVMX_VMX_OK)
		SKIP(return false, "VMX not usable");
	EXPECT_EQ(0, tvx_domain_create(c->h, e820, 2, (16 << 20) + hi_bytes, 0,
				       &c->d));
	EXPECT_EQ(0, tvx_vcpu_create(c->d, 0, &c->v));
	EXPECT_EQ(0, tvx_guest_load_self(c->d));
	return c->d && c->v;
}

#define HOLE_GPA	(32ULL << 20)	/* RAM again after 16-32 MiB's hole */
#define HOLE_FRAME	(40ULL << 20)

static void guest_write_twice(__u64 gpa)
{
	*(volatile __u64 *)(uintptr_t)gpa = 1;
	GUEST_SYNC(0);
	*(volatile __u64 *)(uintptr_t)gpa = 2;
	GUEST_DONE();
}

static bool frame_dirty(struct __test_metadata *_metadata, struct p2m_ctx *c,
			__u64 gpa)
{
	static __u64 bm[(48ULL << 20) / 4096 / 64];

	memset(bm, 0, sizeof(bm));
	if (tvx_dirty_log_get(c->d, 0, (48ULL << 20) / 4096, bm))
		return false;
	return bm[(gpa >> 12) / 64] >> ((gpa >> 12) % 64) & 1;
}

/*
 * A dirty-log read over a range with a hole write-protects again every
 * frame it reports, those after the hole too: a frame written, read from
 * the log and written again is in the next read. (The walk used to stop
 * at the hole, and the second write went unlogged.)
 */
TEST(dirty_log_rearms_frames_after_a_hole)
{
	struct p2m_ctx c = { 0 };

	if (!two_range_domain(_metadata, &c, HOLE_GPA, 16 << 20))
		goto out;
	ASSERT_EQ(0, tvx_dirty_log_start(c.d));
	ASSERT_EQ(0, tvx_start_fn(c.v, c.d, guest_write_twice, HOLE_FRAME, 0));
	TVX_RUN_EXPECT(TVX_UCALL_SYNC, c.v, c.d, &c.uc);
	EXPECT_TRUE(frame_dirty(_metadata, &c, HOLE_FRAME));
	EXPECT_FALSE(frame_dirty(_metadata, &c, HOLE_FRAME));	/* read, cleared */
	TVX_RUN_EXPECT(TVX_UCALL_DONE, c.v, c.d, &c.uc);
	EXPECT_TRUE(frame_dirty(_metadata, &c, HOLE_FRAME));
	EXPECT_EQ(0, tvx_dirty_log_stop(c.d));
out:
	ctx_teardown(&c);
}

/*
 * RAM at 0 and 2 MiB just below the highest guest-physical address the
 * EPT maps here: starting the dirty log costs the RAM, not the span --
 * well under a second -- and the bitmap is as sparse as the RAM.
 */
TEST(dirty_log_of_a_sparse_domain_starts_at_once)
{
	unsigned int bits = tvx_host_phys_bits();
	struct p2m_ctx c = { 0 };
	struct timespec t0, t1;
	__u64 top, bm[8] = { 0 };
	long ms;

	ASSERT_NE(0, bits);
	top = 1ULL << (bits < 48 ? bits : 48);
	if (!two_range_domain(_metadata, &c, top - (2 << 20), 2 << 20))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, tvx_dirty_log_start(c.d));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	TH_LOG("RAM up to %#llx: DIRTY_LOG_START took %ld ms",
	       (unsigned long long)top, ms);
	EXPECT_GT(1000, ms);
	/* the top range is logged: its bits read (none dirty yet) */
	EXPECT_EQ(0, tvx_dirty_log_get(c.d, (top >> 12) - 512, 512, bm));
	EXPECT_EQ(0, bm[0] | bm[7]);
	EXPECT_EQ(0, tvx_dirty_log_stop(c.d));
out:
	ctx_teardown(&c);
}

TEST_HARNESS_MAIN
