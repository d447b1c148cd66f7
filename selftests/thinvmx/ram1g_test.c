// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM in 1 GiB pages (DESIGN.md, "Objects and lifetimes": the
 * largest orders that fit): a guest whose RAM holds an aligned GiB gets it
 * as one host GiB behind one 1 GiB EPT leaf, zeroed; the guest and the
 * VMM's mapping see the same memory through it; a new access right for one
 * frame splits it down to that frame and keeps every other frame's data
 * and right; dirty logging splits it to 4 KiB frames and logs the ones
 * written; the GiB goes back to the host with the domain and is found
 * again. With the module parameter ram_1g off, the same guest needs a
 * GiB of unmovable memory, more than this host has: CREATE_DOMAIN fails
 * with ENOMEM, and nothing is OOM-killed or leaked.
 *
 * Requires: root; the thinvmx module; usable VMX with EPT and 1 GiB EPT
 * pages (Bochs); a free 1 GiB-aligned GiB the host can hand out. The
 * nested VM makes one with movablecore=2G (host 1 GiB up is ZONE_MOVABLE,
 * which only movable pages use): there a guest without its GiB FAILS;
 * without movablecore= on the command line the test SKIPs.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define PAGE		0x1000ULL
#define GIB		(1ULL << 30)
#define GIB_FRAMES	0x40000ULL		/* frames in 1 GiB */
#define BLOCK_FRAMES	512ULL			/* frames in 2 MiB */
#define PARAM		"/sys/module/thinvmx/parameters/ram_1g"

/* the frame that gets its own right: past the guest's code and tables */
#define TARGET		(0x20000ULL + 0x105)
#define TARGET_BLOCK	(TARGET & ~(BLOCK_FRAMES - 1))

/* frames the guest and the host touch besides TARGET */
static const __u64 probes[] = {
	0x10000, GIB_FRAMES - 1,		/* low (past the guest's image) and last */
	TARGET - 1, TARGET + 1,			/* the neighbours */
	TARGET_BLOCK, TARGET_BLOCK + BLOCK_FRAMES - 1,	/* its 2 MiB page */
	TARGET_BLOCK - 1, TARGET_BLOCK + BLOCK_FRAMES,	/* the pages around */
	0x30000 - 1, 0x30000,			/* a 2 MiB boundary far off */
};

static __u64 stamp(__u64 round, __u64 gfn)
{
	return 0x16a0000000000ULL | round << 32 | gfn;
}

/* ------------------------------------------------------------ host side */

static int set_ram_1g(bool on)
{
	int fd = open(PARAM, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, on ? "Y" : "N", 1);
	close(fd);
	return n == 1 ? 0 : -EIO;
}

static bool gib_promised(void)
{
	const char *cmd = tvx_read_file("/proc/cmdline");

	return cmd && strstr(cmd, "movablecore=");
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

FIXTURE(ram) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_ucall uc;
	struct thinvmx_domain_info info;	/* after creation */
	long pages_before;
};

static void create(struct __test_metadata *_metadata, FIXTURE_DATA(ram) *self)
{
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, GIB, &self->d));
	ASSERT_EQ(0, tvx_domain_info(self->d, &self->info));
	TH_LOG("guest GiB: %llu table pages, leaves 4K %llu 2M %llu 1G %llu",
	       (unsigned long long)self->info.ept_table_pages,
	       (unsigned long long)self->info.ept_leaves_4k,
	       (unsigned long long)self->info.ept_leaves_2m,
	       (unsigned long long)self->info.ept_leaves_1g);
}

FIXTURE_SETUP(ram)
{
	struct thinvmx_caps caps;
	const char *why;
	int err;

	why = tvx_test_open(&self->h, false, &err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, tvx_get_caps(self->h, &caps));
	if (!(caps.features & THINVMX_FEAT_EPT_1G))
		TVX_SETUP_SKIP("the CPU has no 1 GiB EPT pages");
	ASSERT_EQ(0, set_ram_1g(true));
	self->pages_before = tvx_module_pages();
	create(_metadata, self);
	if (!self->info.ept_leaves_1g && !gib_promised())
		TVX_SETUP_SKIP("the host had no free 1 GiB-aligned GiB (boot with movablecore=2G)");
	ASSERT_EQ(1, self->info.ept_leaves_1g);
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v));
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
}

FIXTURE_TEARDOWN(ram)
{
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	EXPECT_EQ(0, set_ram_1g(true));
	tvx_close(self->h);
}

#define RUN_EXPECT(want) TVX_RUN_EXPECT((want), self->v, self->d, &self->uc)

static void expect_read(struct __test_metadata *_metadata, FIXTURE_DATA(ram) *self,
			__u64 gfn, __u64 want)
{
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, tvx_guest_read64,
				  gfn * PAGE, 0));
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(want, self->uc.args[0]) TH_LOG("guest read of frame %#llx",
						 (unsigned long long)gfn);
}

static void expect_write(struct __test_metadata *_metadata, FIXTURE_DATA(ram) *self,
			 __u64 gfn, __u64 val)
{
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, tvx_guest_write_read64,
				  gfn * PAGE, val));
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(val, self->uc.args[0]) TH_LOG("guest write of frame %#llx",
						(unsigned long long)gfn);
}

static __u64 *host_word(FIXTURE_DATA(ram) *self, __u64 gfn)
{
	return tvx_gpa(self->d, gfn * PAGE);
}

/*
 * One host GiB, 1 GiB aligned, behind one leaf and no table below the
 * PDPT; zeroed before the guest got it (checked before anything is
 * loaded: every byte); the module counts its pages.
 */
TEST_F_TIMEOUT(ram, one_host_gib_behind_one_leaf_zeroed, 300)
{
	struct thinvmx_extent ext[4];
	struct tvx_domain *fresh;
	struct thinvmx_domain_info info;
	const __u64 *p;
	__u64 i, nonzero = 0;
	__u32 n = 0;

	EXPECT_EQ(0, self->info.ept_leaves_2m);
	EXPECT_EQ(0, self->info.ept_leaves_4k);
	/* PML4 and PDPT */
	EXPECT_EQ(2, self->info.ept_table_pages);
	ASSERT_EQ(0, frame_list(self->d, 0, GIB_FRAMES, ext, 4, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, ext[0].gfn);
	EXPECT_EQ(GIB_FRAMES, ext[0].nr);
	EXPECT_EQ(0, ext[0].mfn & (GIB_FRAMES - 1));
	TH_LOG("host GiB at %#llx", (unsigned long long)ext[0].mfn << 12);
	EXPECT_LE(self->pages_before + (long)GIB_FRAMES, tvx_module_pages());

	/* a second domain, its memory untouched: every byte zero */
	tvx_vcpu_destroy(self->v);
	self->v = NULL;
	tvx_domain_destroy(self->d);
	self->d = NULL;
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, GIB, &fresh));
	self->d = fresh;
	ASSERT_EQ(0, tvx_domain_info(self->d, &info));
	ASSERT_EQ(1, info.ept_leaves_1g) TH_LOG("the GiB came back to the host and out again");
	p = tvx_gpa(self->d, 0);
	for (i = 0; i < GIB / sizeof(*p); i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(0, nonzero);
}

/*
 * The guest and the VMM's mapping share the GiB; a right of its own for
 * one frame splits the leaf down to it (two tables; 1G -1, 2M +511,
 * 4K +512), every other frame keeps its data and rwx, and the guest's
 * write to the frame exits as MEM_ACCESS and changes nothing. Under
 * nx_huge_pages the guest's first fetches have split the GiB and the
 * 2 MiB pages of its code already (nx_huge_test.c: three splits, the
 * program's page and the library's stubs' at the top of RAM): the right
 * splits the frame's 2 MiB page (one more table; 2M -1, 4K +512).
 */
TEST_F_TIMEOUT(ram, one_frame_right_splits_the_ram_gib, 600)
{
	struct thinvmx_domain_info ran, split;
	__u64 gfn, bad = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		expect_write(_metadata, self, probes[i], stamp(1, probes[i]));
		EXPECT_EQ(stamp(1, probes[i]), *host_word(self, probes[i]));
	}
	*host_word(self, TARGET) = stamp(1, TARGET);
	expect_read(_metadata, self, TARGET, stamp(1, TARGET));

	ASSERT_EQ(0, tvx_domain_info(self->d, &ran));
	ASSERT_EQ(0, tvx_set_mem_access(self->d, TARGET, 1, THINVMX_ACCESS_R));
	ASSERT_EQ(0, tvx_domain_info(self->d, &split));
	EXPECT_EQ(0, split.ept_leaves_1g);
	if (!(ran.flags & THINVMX_INFO_NX_HUGE_PAGES)) {
		EXPECT_EQ(self->info.ept_table_pages + 2, split.ept_table_pages);
		EXPECT_EQ(BLOCK_FRAMES - 1, split.ept_leaves_2m);
		EXPECT_EQ(BLOCK_FRAMES, split.ept_leaves_4k);
	} else {
		EXPECT_EQ(3, ran.nx_huge_splits);
		EXPECT_EQ(self->info.ept_table_pages + 4, split.ept_table_pages);
		EXPECT_EQ(BLOCK_FRAMES - 3, split.ept_leaves_2m);
		EXPECT_EQ(3 * BLOCK_FRAMES, split.ept_leaves_4k);
	}
	for (gfn = 0; gfn < GIB_FRAMES; gfn++) {
		__u32 t = ~0u, a = ~0u;

		if (tvx_get_mem_access(self->d, gfn, &t, &a) ||
		    t != THINVMX_P2M_RAM_RW ||
		    a != (gfn == TARGET ? THINVMX_ACCESS_R : THINVMX_ACCESS_RWX))
			bad++;
	}
	EXPECT_EQ(0, bad);

	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		expect_read(_metadata, self, probes[i], stamp(1, probes[i]));
		expect_write(_metadata, self, probes[i], stamp(2, probes[i]));
	}
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, tvx_guest_write_read64,
				  TARGET * PAGE, stamp(2, TARGET)));
	RUN_EXPECT(-EPROTO);
	ASSERT_EQ(THINVMX_EXIT_MEM_ACCESS, self->uc.exit.exit_reason);
	EXPECT_EQ(TARGET * PAGE, self->uc.exit.mem_access.gpa);
	EXPECT_EQ(THINVMX_ACCESS_W, self->uc.exit.mem_access.attempted);
	EXPECT_EQ(stamp(1, TARGET), *host_word(self, TARGET));
	for (i = 0; i < ARRAY_SIZE(probes); i++)
		EXPECT_EQ(stamp(2, probes[i]), *host_word(self, probes[i]));
}

/* Dirty logging splits the GiB to 4 KiB frames and logs what is written. */
TEST_F_TIMEOUT(ram, dirty_logging_splits_the_ram_gib, 600)
{
	struct thinvmx_domain_info logging;
	__u64 *bits, i, set = 0;

	bits = calloc(GIB_FRAMES / 64, sizeof(*bits));
	ASSERT_NE(NULL, bits);
	ASSERT_EQ(0, tvx_dirty_log_start(self->d));
	ASSERT_EQ(0, tvx_domain_info(self->d, &logging));
	EXPECT_EQ(0, logging.ept_leaves_1g);
	EXPECT_EQ(0, logging.ept_leaves_2m);
	EXPECT_EQ(GIB_FRAMES, logging.ept_leaves_4k);
	/* what loading and the long-mode set-up wrote goes first */
	ASSERT_EQ(0, tvx_dirty_log_get(self->d, 0, GIB_FRAMES, bits));
	expect_write(_metadata, self, TARGET, stamp(3, TARGET));
	ASSERT_EQ(0, tvx_dirty_log_get(self->d, 0, GIB_FRAMES, bits));
	EXPECT_NE(0, bits[TARGET / 64] & (1ULL << (TARGET % 64)));
	EXPECT_EQ(0, bits[(TARGET + 1) / 64] & (1ULL << ((TARGET + 1) % 64)));
	for (i = 0; i < GIB_FRAMES / 64; i++)
		set += __builtin_popcountll(bits[i]);
	/* the frame, and the guest's stack and page tables at most */
	EXPECT_LE(1, set);
	EXPECT_GE(16, set);
	EXPECT_EQ(stamp(3, TARGET), *host_word(self, TARGET));
	ASSERT_EQ(0, tvx_dirty_log_stop(self->d));
	free(bits);
}

/* The GiB goes back with the domain (the module's page count comes back) and the next domain gets it again. */
TEST_F_TIMEOUT(ram, freed_and_reused, 300)
{
	struct thinvmx_domain_info info;
	struct tvx_domain *d;

	tvx_vcpu_destroy(self->v);
	self->v = NULL;
	tvx_domain_destroy(self->d);
	self->d = NULL;
	EXPECT_EQ(self->pages_before, tvx_module_pages());

	ASSERT_EQ(0, tvx_domain_create_simple(self->h, GIB, &d));
	ASSERT_EQ(0, tvx_domain_info(d, &info));
	EXPECT_EQ(1, info.ept_leaves_1g);
	tvx_domain_destroy(d);
	EXPECT_EQ(self->pages_before, tvx_module_pages());
}

/*
 * ram_1g off: the GiB would be 2 MiB and 4 KiB pages of unmovable memory,
 * and only ZONE_DMA32 (host 16 MiB to 1 GiB, the kernel in it) has any:
 * ENOMEM, every page given back, and no OOM kill (the rig fails a boot
 * whose kernel printed a call trace).
 */
TEST_F_TIMEOUT(ram, without_1g_pages_a_guest_too_big_is_enomem, 600)
{
	struct tvx_domain *d = NULL;

	tvx_vcpu_destroy(self->v);
	self->v = NULL;
	tvx_domain_destroy(self->d);
	self->d = NULL;
	ASSERT_EQ(0, set_ram_1g(false));
	EXPECT_EQ(-ENOMEM, tvx_domain_create_simple(self->h, GIB, &d));
	tvx_domain_destroy(d);
	EXPECT_EQ(self->pages_before, tvx_module_pages());
	/* and the GiB is there again once the parameter is back on */
	ASSERT_EQ(0, set_ram_1g(true));
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, GIB, &d));
	tvx_domain_destroy(d);
	EXPECT_EQ(self->pages_before, tvx_module_pages());
}

#define CGROOT		"/sys/fs/cgroup"
#define CGLIMIT		CGROOT "/tvx-limited"

/*
 * A GiB of host memory in one page is charged to no memory cgroup (6.1
 * gives a module no way to), so a task in a cgroup with a memory limit
 * gets none: here, where only 1 GiB pages can back a GiB of guest RAM,
 * its domain is ENOMEM; the same task outside the cgroup gets its GiB.
 * (The limit, 16 GiB, is far above what the domain would need.)
 */
TEST_F_TIMEOUT(ram, no_1g_pages_inside_a_limited_memory_cgroup, 600)
{
	struct thinvmx_domain_info info;
	struct tvx_domain *d = NULL;
	int ret;

	tvx_vcpu_destroy(self->v);
	self->v = NULL;
	tvx_domain_destroy(self->d);
	self->d = NULL;
	mkdir(CGROOT, 0755);
	if (mount("none", CGROOT, "cgroup2", 0, NULL) && errno != EBUSY)
		SKIP(return, "no cgroup2: %s", strerror(errno));
	if (tvx_write_file(CGROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no memory controller");
	ASSERT_EQ(0, mkdir(CGLIMIT, 0755) && errno != EEXIST ? -errno : 0);
	ASSERT_EQ(0, tvx_write_file(CGLIMIT "/memory.max", "17179869184"));
	ASSERT_EQ(0, tvx_write_file(CGLIMIT "/cgroup.procs", "0"));
	ret = tvx_domain_create_simple(self->h, GIB, &d);
	EXPECT_EQ(0, tvx_write_file(CGROOT "/cgroup.procs", "0"));
	EXPECT_EQ(0, rmdir(CGLIMIT));
	EXPECT_EQ(-ENOMEM, ret);
	tvx_domain_destroy(d);
	d = NULL;
	EXPECT_EQ(self->pages_before, tvx_module_pages());

	ASSERT_EQ(0, tvx_domain_create_simple(self->h, GIB, &d));
	ASSERT_EQ(0, tvx_domain_info(d, &info));
	EXPECT_EQ(1, info.ept_leaves_1g);
	tvx_domain_destroy(d);
}

TEST_HARNESS_MAIN
