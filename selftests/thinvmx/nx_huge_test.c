// SPDX-License-Identifier: GPL-2.0
/*
 * nx_huge_pages, the iTLB multihit mitigation (CVE-2018-12207; the module
 * parameter, kmod/ept/nx_huge.c): with it on, no 2 MiB or 1 GiB EPT leaf
 * allows instruction fetches, and a fetch splits the leaf down to the
 * 4 KiB leaf it needs. A guest (C functions of this test in long mode,
 * p2m_test.c's way) calls code the host put in the middle of a 2 MiB leaf
 * of guest RAM: the code runs and returns its value, GET_DOMAIN_INFO
 * counts the split (nx_huge_splits; one table, 2M -1, 4K +512), every
 * other frame of that page keeps its data, type and access right and the
 * guest reads and writes them as before (the host sees the writes through
 * its mapping), and code elsewhere in the page then runs without another
 * split. An access right without x on the 2 MiB page is the listener's:
 * the fetch exits as MEM_ACCESS and splits nothing, and rwx lets it run;
 * a listener's async event lets each fetch happen once, through a 4 KiB
 * leaf split off for that step, and every frame is without x afterwards.
 * Where the host hands out a GiB of guest RAM, the guest's own code runs
 * from a 1 GiB leaf: 1 GiB to 2 MiB, and to 4 KiB where its code is.
 *
 * The test sets nx_huge_pages=on for the domains it creates (a domain
 * takes the parameter when it is created) and puts the parameter back
 * afterwards: auto where the setting it found was the CPU's
 * (itlb_multihit in /proc/cpuinfo's bugs), else what it found.
 *
 * Requires: root; the thinvmx module; usable VMX with EPT and 2 MiB EPT
 * pages (Bochs); 2 MiB of the guest's RAM in one 2 MiB host page (the
 * test SKIPs when the allocator gave 4 KiB pages there). The 1 GiB case
 * also needs 1 GiB EPT pages and a free 1 GiB-aligned GiB of host memory
 * (ram1g_test.c: the ram1g boot with movablecore=2G); it SKIPs without
 * movablecore= on the command line and FAILs when that did not give a
 * GiB.
 */
#include <inttypes.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define PARAM		"/sys/module/thinvmx/parameters/nx_huge_pages"
#define PAGE		0x1000ULL
#define BLOCK_FRAMES	512ULL			/* frames in 2 MiB */
#define GIB		(1ULL << 30)
#define GIB_FRAMES	0x40000ULL		/* frames in 1 GiB */

#define MEM_BYTES	(64ULL << 20)
/* a 2 MiB page of guest RAM away from the program (0x400000) and the area */
#define REGION_GFN	((32ULL << 20) >> 12)
/* the frame of the code: inside, on no boundary */
#define CODE_IDX	0x105ULL
/* frames of the 2 MiB page the guest reads and writes besides CODE_IDX */
static const __u64 probes[] = {
	0, BLOCK_FRAMES - 1,			/* the first and the last */
	CODE_IDX - 1, CODE_IDX + 1,		/* the neighbours */
	0x100, 0x180,
};

/* the frame of the 1 GiB case's other code: far from the program's */
#define GIB_CODE_GFN	(0x20000ULL + 0x105)
static const __u64 gib_probes[] = {
	/* low (past the program), and high (below the library's area) */
	0x10000, GIB_FRAMES - (TVX_GUEST_AREA_SIZE >> 12) - 1,
	GIB_CODE_GFN - 1, GIB_CODE_GFN + 1,	/* the code's neighbours */
	(GIB_CODE_GFN & ~(BLOCK_FRAMES - 1)) - 1,	/* 2 MiB boundaries */
	(GIB_CODE_GFN | (BLOCK_FRAMES - 1)) + 1,
};

#define ACC_X		4u

static __u64 stamp(__u64 round, __u64 gfn)
{
	return 0x4e580000000000ULL | round << 32 | gfn;
}

static __u64 magic(__u64 gfn)
{
	return 0xc0de000000000000ULL | gfn;
}

/* ------------------------------------------------------------ guest code */

/* Call the function at addr; return what it returned. */
static __u64 guest_call(__u64 addr)
{
	return ((__u64 (*)(void))(uintptr_t)addr)();
}

/* ------------------------------------------------------------ host side */

static int param_write(const char *val)
{
	return tvx_write_file(PARAM, val);
}

/* The parameter's setting, "on" or "off"; "" when unreadable. */
static const char *param_read(void)
{
	static char val[8];
	const char *s = tvx_read_file(PARAM);

	snprintf(val, sizeof(val), "%.7s", s ? s : "");
	val[strcspn(val, "\n")] = '\0';
	return val;
}

/* The guest's frames [gfn, gfn + nr) in host frames: extents, or -errno. */
static int frame_list(struct tvx_domain *d, __u64 gfn, __u64 nr,
		      struct thinvmx_extent *ext, __u32 max, __u32 *got)
{
	struct thinvmx_frame_list fl = {
		.first_gfn = gfn, .nr_frames = nr,
		.extents = (__u64)(uintptr_t)ext, .max_extents = max,
	};

	if (ioctl(tvx_domain_fd(d), THINVMX_GET_FRAME_LIST, &fl) < 0)
		return -errno;
	*got = fl.nr_extents;
	return 0;
}

/* movabs $magic(gfn), %rax; ret -- at the start of frame gfn */
static int put_code(struct tvx_domain *d, __u64 gfn)
{
	unsigned char code[11] = { 0x48, 0xb8 };
	__u64 m = magic(gfn);

	memcpy(code + 2, &m, 8);
	code[10] = 0xc3;
	return tvx_write_guest(d, gfn * PAGE, code, sizeof(code));
}

FIXTURE(nx) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_ucall uc;
	char found[8];			/* the parameter before the test */
};

/* nx_huge_pages=on for the domains the test creates. */
static void nx_on(struct __test_metadata *_metadata, FIXTURE_DATA(nx) *self)
{
	snprintf(self->found, sizeof(self->found), "%s", param_read());
	/* a module without the parameter fails the checks below */
	EXPECT_EQ(0, param_write("on")) TH_LOG("no writable %s", PARAM);
	EXPECT_STREQ("on", param_read());
}

FIXTURE_SETUP(nx)
{
	struct thinvmx_caps caps;
	const char *why;
	int err;

	why = tvx_test_open(&self->h, false, &err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, tvx_get_caps(self->h, &caps));
	if (!(caps.features & THINVMX_FEAT_EPT_2M))
		TVX_SETUP_SKIP("the CPU has no 2 MiB EPT pages");
	nx_on(_metadata, self);
}

FIXTURE_TEARDOWN(nx)
{
	bool bug = tvx_cpuinfo_has("bugs", "itlb_multihit");

	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
	/* what the parameter was: auto, or what someone set */
	if (!strcmp(self->found, bug ? "on" : "off")) {
		EXPECT_EQ(0, param_write("auto"));
	} else if (self->found[0]) {
		EXPECT_EQ(0, param_write(self->found));
	}
}

#define RUN_EXPECT(want) TVX_RUN_EXPECT((want), self->v, self->d, &self->uc)

/* A domain of @bytes with this program in it, created with nx on. */
static void create(struct __test_metadata *_metadata, FIXTURE_DATA(nx) *self,
		   __u64 bytes)
{
	struct thinvmx_domain_info info;

	ASSERT_EQ(0, tvx_domain_create_simple(self->h, bytes, &self->d));
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v));
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
	ASSERT_EQ(0, tvx_domain_info(self->d, &info));
	EXPECT_TRUE(info.flags & THINVMX_INFO_NX_HUGE_PAGES);
	EXPECT_EQ(0, info.nx_huge_splits);
}

static void info_log(struct __test_metadata *_metadata, const char *when,
		     const struct thinvmx_domain_info *i)
{
	TH_LOG("%s: %llu table pages, leaves 4K %llu 2M %llu 1G %llu, %llu nx splits",
	       when, (unsigned long long)i->ept_table_pages,
	       (unsigned long long)i->ept_leaves_4k,
	       (unsigned long long)i->ept_leaves_2m,
	       (unsigned long long)i->ept_leaves_1g,
	       (unsigned long long)i->nx_huge_splits);
}

/* The guest calls the code at frame gfn, which must return magic(gfn). */
static void expect_call(struct __test_metadata *_metadata, FIXTURE_DATA(nx) *self,
			__u64 gfn)
{
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_call, gfn * PAGE, 0));
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(magic(gfn), self->uc.args[0]) TH_LOG("code at frame %#llx",
						       (unsigned long long)gfn);
}

static __u64 *host_word(FIXTURE_DATA(nx) *self, __u64 gfn)
{
	return (__u64 *)tvx_gpa(self->d, gfn * PAGE) + 16;
}

/*
 * Word 16 of frame gfn: the guest reads what the host put there (round),
 * writes round + 1 and reads it back, and the host sees it.
 */
static void expect_rw(struct __test_metadata *_metadata, FIXTURE_DATA(nx) *self,
		      __u64 gfn, __u64 round)
{
	__u64 gpa = gfn * PAGE + 16 * 8;

	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, tvx_guest_read64, gpa, 0));
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(stamp(round, gfn), self->uc.args[0]) TH_LOG("read of frame %#llx",
							      (unsigned long long)gfn);
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, tvx_guest_write_read64, gpa,
				  stamp(round + 1, gfn)));
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(stamp(round + 1, gfn), self->uc.args[0]);
	EXPECT_EQ(stamp(round + 1, gfn), *host_word(self, gfn));
}

/* Every frame of [gfn, gfn + nr): ram_rw with this right. */
static void expect_rights(struct __test_metadata *_metadata,
			  FIXTURE_DATA(nx) *self, __u64 gfn, __u64 nr,
			  __u32 access)
{
	__u64 i, bad = 0;

	for (i = 0; i < nr; i++) {
		__u32 t = ~0u, a = ~0u;

		if (tvx_get_mem_access(self->d, gfn + i, &t, &a) ||
		    t != THINVMX_P2M_RAM_RW || a != access)
			bad++;
	}
	EXPECT_EQ(0, bad);
}

/*
 * A 64 MiB domain whose test region is one 2 MiB leaf, code in it, the
 * guest's own code already split off (its first run, here).
 */
static bool region_setup(struct __test_metadata *_metadata,
			 FIXTURE_DATA(nx) *self, struct thinvmx_domain_info *info)
{
	struct thinvmx_extent ext[2];
	__u32 n = 0;
	unsigned int i;

	create(_metadata, self, MEM_BYTES);
	ASSERT_EQ(0, frame_list(self->d, REGION_GFN, BLOCK_FRAMES, ext, 2, &n));
	if (n != 1 || ext[0].mfn & (BLOCK_FRAMES - 1))
		SKIP(return false, "the allocator gave the region as 4 KiB pages");
	ASSERT_EQ(0, put_code(self->d, REGION_GFN + CODE_IDX));
	ASSERT_EQ(0, put_code(self->d, REGION_GFN));
	*host_word(self, REGION_GFN + CODE_IDX) = stamp(1, REGION_GFN + CODE_IDX);
	for (i = 0; i < ARRAY_SIZE(probes); i++)
		*host_word(self, REGION_GFN + probes[i]) = stamp(1, REGION_GFN + probes[i]);

	/*
	 * The guest's code (the program, the library's stubs at the top of
	 * RAM) is in 2 MiB leaves too: its first run splits them.
	 */
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, tvx_guest_read64,
				  REGION_GFN * PAGE + 16 * 8, 0));
	RUN_EXPECT(TVX_UCALL_DONE);
	ASSERT_EQ(0, tvx_domain_info(self->d, info));
	info_log(_metadata, "after the first run", info);
	EXPECT_LE(1, info->nx_huge_splits);
	return true;
}

/*
 * Code in the middle of a 2 MiB leaf runs: the leaf is split once, down
 * to 4 KiB; the other 511 frames keep their data and right, the guest
 * reads and writes them; the code runs again, and other code of the page
 * runs, without another split.
 */
TEST_F_TIMEOUT(nx, code_in_a_2m_leaf_runs_and_splits_it, 300)
{
	struct thinvmx_domain_info a, b;
	unsigned int i;

	if (!region_setup(_metadata, self, &a))
		return;
	expect_call(_metadata, self, REGION_GFN + CODE_IDX);
	ASSERT_EQ(0, tvx_domain_info(self->d, &b));
	info_log(_metadata, "after the call", &b);
	EXPECT_EQ(a.nx_huge_splits + 1, b.nx_huge_splits);
	EXPECT_EQ(a.ept_table_pages + 1, b.ept_table_pages);
	EXPECT_EQ(a.ept_leaves_2m - 1, b.ept_leaves_2m);
	EXPECT_EQ(a.ept_leaves_4k + BLOCK_FRAMES, b.ept_leaves_4k);
	EXPECT_EQ(0, b.mem_access_violations);
	expect_rights(_metadata, self, REGION_GFN, BLOCK_FRAMES, THINVMX_ACCESS_RWX);

	/* the rest of the page, through the 4 KiB leaves */
	expect_rw(_metadata, self, REGION_GFN + CODE_IDX, 1);
	for (i = 0; i < ARRAY_SIZE(probes); i++)
		expect_rw(_metadata, self, REGION_GFN + probes[i], 1);
	expect_call(_metadata, self, REGION_GFN + CODE_IDX);
	expect_call(_metadata, self, REGION_GFN);
	ASSERT_EQ(0, tvx_domain_info(self->d, &a));
	EXPECT_EQ(b.nx_huge_splits, a.nx_huge_splits);
	EXPECT_EQ(b.ept_leaves_4k, a.ept_leaves_4k);
	EXPECT_EQ(b.ept_table_pages, a.ept_table_pages);
}

/*
 * An access right without x on the whole 2 MiB page (the leaf stays
 * whole): the fetch is the listener's business, a MEM_ACCESS exit, and
 * splits nothing; with rwx the same call runs and splits.
 */
TEST_F_TIMEOUT(nx, a_right_without_x_is_reported_not_split, 300)
{
	struct thinvmx_domain_info a, b;
	const struct thinvmx_run *r = &self->uc.exit;

	if (!region_setup(_metadata, self, &a))
		return;
	ASSERT_EQ(0, tvx_set_mem_access(self->d, REGION_GFN, BLOCK_FRAMES,
					THINVMX_ACCESS_RW));
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_call,
				  (REGION_GFN + CODE_IDX) * PAGE, 0));
	RUN_EXPECT(-EPROTO);
	ASSERT_EQ(THINVMX_EXIT_MEM_ACCESS, r->exit_reason);
	EXPECT_EQ((REGION_GFN + CODE_IDX) * PAGE, r->mem_access.gpa);
	EXPECT_EQ(ACC_X, r->mem_access.attempted);
	EXPECT_EQ(THINVMX_ACCESS_RW, r->mem_access.access);
	EXPECT_EQ(THINVMX_P2M_RAM_RW, r->mem_access.type);
	ASSERT_EQ(0, tvx_domain_info(self->d, &b));
	info_log(_metadata, "after the denied fetch", &b);
	EXPECT_EQ(1, b.mem_access_violations);
	EXPECT_EQ(a.nx_huge_splits, b.nx_huge_splits);
	EXPECT_EQ(a.ept_leaves_2m, b.ept_leaves_2m);
	EXPECT_EQ(a.ept_table_pages, b.ept_table_pages);
	/* data accesses the right allows go through the whole leaf */
	expect_rw(_metadata, self, REGION_GFN + probes[0], 1);
	ASSERT_EQ(0, tvx_domain_info(self->d, &b));
	EXPECT_EQ(a.ept_leaves_2m, b.ept_leaves_2m);

	ASSERT_EQ(0, tvx_set_mem_access(self->d, REGION_GFN, BLOCK_FRAMES,
					THINVMX_ACCESS_RWX));
	expect_call(_metadata, self, REGION_GFN + CODE_IDX);
	ASSERT_EQ(0, tvx_domain_info(self->d, &b));
	info_log(_metadata, "after rwx and the call", &b);
	EXPECT_EQ(a.nx_huge_splits + 1, b.nx_huge_splits);
	EXPECT_EQ(a.ept_leaves_2m - 1, b.ept_leaves_2m);
	EXPECT_EQ(1, b.mem_access_violations);
}

/* What a listener's rings held: the first events. */
struct seen {
	unsigned int nr;
	struct thinvmx_event evs[8];
};

static int seen_event(struct tvx_monitor *m, const struct thinvmx_event *ev,
		      struct thinvmx_response *rsp, void *arg)
{
	struct seen *s = arg;

	if (s->nr < ARRAY_SIZE(s->evs))
		s->evs[s->nr] = *ev;
	s->nr++;
	return 0;
}

/*
 * The same right, watched by a listener in async mode: each fetch is an
 * event and happens once (the module's single step, kmod/vmx/step.c),
 * and the code returns. The step runs on the frame's own 4 KiB leaf, split
 * off the 2 MiB leaf for it; afterwards no frame of the page can execute
 * -- not the code's, not its neighbours' (what a split of the step's own
 * leaf, with its rwx, would have left behind) -- and every right is rw.
 */
TEST_F_TIMEOUT(nx, an_async_event_steps_the_fetch_on_a_4k_leaf, 300)
{
	struct thinvmx_domain_info a, b;
	const struct thinvmx_run *r = &self->uc.exit;
	struct seen seen = { 0 };
	struct tvx_monitor *m;
	unsigned int i;
	int ret;

	if (!region_setup(_metadata, self, &a))
		return;
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &m));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_MEM_ACCESS,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_set_mem_access(self->d, REGION_GFN, BLOCK_FRAMES,
					THINVMX_ACCESS_RW));
	expect_call(_metadata, self, REGION_GFN + CODE_IDX);
	while ((ret = tvx_monitor_serve(m, 1, 0, 0, seen_event, &seen)) > 0)
		;
	EXPECT_EQ(0, ret);
	TH_LOG("%u events", seen.nr);
	/* movabs, then ret: each fetch of the frame, once */
	EXPECT_LE(1, seen.nr);
	for (i = 0; i < seen.nr && i < ARRAY_SIZE(seen.evs); i++) {
		EXPECT_EQ(THINVMX_EVENT_MEM_ACCESS, seen.evs[i].reason);
		EXPECT_EQ(REGION_GFN + CODE_IDX, seen.evs[i].u.mem_access.gfn);
		EXPECT_EQ(THINVMX_EVENT_ACCESS_X, seen.evs[i].u.mem_access.access);
		EXPECT_EQ(THINVMX_ACCESS_RW, seen.evs[i].u.mem_access.right);
	}
	ASSERT_EQ(0, tvx_domain_info(self->d, &b));
	info_log(_metadata, "after the stepped call", &b);
	EXPECT_EQ(a.nx_huge_splits + 1, b.nx_huge_splits);
	EXPECT_EQ(a.ept_leaves_2m - 1, b.ept_leaves_2m);
	EXPECT_EQ(a.ept_leaves_4k + BLOCK_FRAMES, b.ept_leaves_4k);
	expect_rights(_metadata, self, REGION_GFN, BLOCK_FRAMES, THINVMX_ACCESS_RW);
	tvx_monitor_detach(m);

	/* no listener now: every fetch in the page is the VMM's exit */
	for (i = 0; i < 2; i++) {
		__u64 gfn = REGION_GFN + (i ? 0 : CODE_IDX);

		ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_call, gfn * PAGE, 0));
		RUN_EXPECT(-EPROTO);
		ASSERT_EQ(THINVMX_EXIT_MEM_ACCESS, r->exit_reason);
		EXPECT_EQ(gfn * PAGE, r->mem_access.gpa);
		EXPECT_EQ(ACC_X, r->mem_access.attempted);
	}
	expect_rw(_metadata, self, REGION_GFN + probes[0], 1);
}

/*
 * Guest RAM in one 1 GiB leaf (ram1g_test.c): the guest's first fetch
 * splits it to 2 MiB and the 2 MiB pages of its code to 4 KiB -- the
 * program's, and the library's stubs' at the top of RAM: three splits,
 * three tables; code in another 2 MiB page splits that one; every probe
 * of the GiB keeps its data and the guest reads and writes it.
 */
TEST_F_TIMEOUT(nx, code_in_a_1g_leaf_runs_and_splits_it, 600)
{
	struct thinvmx_domain_info a, b;
	struct thinvmx_caps caps;
	unsigned int i;

	ASSERT_EQ(0, tvx_get_caps(self->h, &caps));
	if (!(caps.features & THINVMX_FEAT_EPT_1G))
		SKIP(return, "the CPU has no 1 GiB EPT pages");
	if (!tvx_read_file("/proc/cmdline") ||
	    !strstr(tvx_read_file("/proc/cmdline"), "movablecore="))
		SKIP(return, "no free GiB promised (boot with movablecore=2G)");
	create(_metadata, self, GIB);
	ASSERT_EQ(0, tvx_domain_info(self->d, &a));
	info_log(_metadata, "created", &a);
	ASSERT_EQ(1, a.ept_leaves_1g) TH_LOG("no 1 GiB leaf (ram_1g off, or no free GiB)");
	ASSERT_EQ(0, put_code(self->d, GIB_CODE_GFN));
	for (i = 0; i < ARRAY_SIZE(gib_probes); i++)
		*host_word(self, gib_probes[i]) = stamp(1, gib_probes[i]);

	expect_rw(_metadata, self, gib_probes[0], 1);
	ASSERT_EQ(0, tvx_domain_info(self->d, &b));
	info_log(_metadata, "after the first run", &b);
	EXPECT_EQ(3, b.nx_huge_splits);
	EXPECT_EQ(0, b.ept_leaves_1g);
	EXPECT_EQ(BLOCK_FRAMES - 2, b.ept_leaves_2m);
	EXPECT_EQ(2 * BLOCK_FRAMES, b.ept_leaves_4k);
	EXPECT_EQ(a.ept_table_pages + 3, b.ept_table_pages);

	expect_call(_metadata, self, GIB_CODE_GFN);
	ASSERT_EQ(0, tvx_domain_info(self->d, &b));
	info_log(_metadata, "after the call", &b);
	EXPECT_EQ(4, b.nx_huge_splits);
	EXPECT_EQ(BLOCK_FRAMES - 3, b.ept_leaves_2m);
	EXPECT_EQ(3 * BLOCK_FRAMES, b.ept_leaves_4k);
	EXPECT_EQ(a.ept_table_pages + 4, b.ept_table_pages);
	for (i = 1; i < ARRAY_SIZE(gib_probes); i++)
		expect_rw(_metadata, self, gib_probes[i], 1);
	ASSERT_EQ(0, tvx_domain_info(self->d, &a));
	EXPECT_EQ(4, a.nx_huge_splits);
	EXPECT_EQ(0, a.mem_access_violations);
}

TEST_HARNESS_MAIN
