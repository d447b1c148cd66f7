// SPDX-License-Identifier: GPL-2.0
/*
 * 1 GiB EPT leaves and their splits (DESIGN.md, "p2m types and access
 * rights"): a GiB of host device memory mapped into a guest with MAP_MMIO
 * is one 1 GiB leaf; a new access right for one frame in its middle splits
 * it into 512 leaves of 2 MiB and the one that holds the frame into 512 of
 * 4 KiB, and every one of the other 262,143 frames keeps its type, access
 * right and permissions; a read-only MMIO frame added in its middle splits
 * it down to that frame likewise; dirty logging leaves it whole. The host
 * checks the EPT's table and leaf counts, GET_MEM_ACCESS of every frame of
 * the GiB, and which accesses of a guest (C functions of this test in long
 * mode, p2m_test.c's way) to the first and last frames, the changed
 * frame's neighbours and the 2 MiB boundaries around it go through, exit
 * or are discarded.
 *
 * Requires: root; the thinvmx module; usable VMX with EPT and 1 GiB EPT
 * pages (Bochs); a 1 GiB-aligned GiB of host memory that the host calls
 * "Persistent Memory (legacy)" in /proc/iomem: the nested VM makes one
 * with memmap=1G!1G on the kernel command line (the SMP boot of
 * make nested-bochs-smp). SKIPs without any of them, as in the QEMU tier
 * and the default boot. The host memory is device memory to the host
 * (IORESOURCE_MEM, not System RAM), which MAP_MMIO accepts; nothing else
 * uses it there.
 */
#include <inttypes.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define MEM_BYTES	(64ULL << 20)
#define PAGE		0x1000ULL
#define GIB_FRAMES	0x40000ULL		/* frames in 1 GiB */
#define BLOCK_FRAMES	512ULL			/* frames in 2 MiB */

/* the GiB of guest frames the host GiB is mapped at: 1 GiB to 2 GiB */
#define BASE_GFN	GIB_FRAMES
/* the frame that gets its own right: inside, on no 2 MiB boundary */
#define TARGET		(0x20000ULL + 0x105)
#define TARGET_BLOCK	(TARGET & ~(BLOCK_FRAMES - 1))

/* frames of the GiB (offsets from BASE_GFN) the guest touches besides TARGET */
static const __u64 probes[] = {
	0, GIB_FRAMES - 1,			/* the first and last frames */
	TARGET - 1, TARGET + 1,			/* the neighbours */
	TARGET_BLOCK, TARGET_BLOCK + BLOCK_FRAMES - 1,	/* its 2 MiB page */
	TARGET_BLOCK - 1, TARGET_BLOCK + BLOCK_FRAMES,	/* the pages around */
	BLOCK_FRAMES - 1, BLOCK_FRAMES,		/* a 2 MiB boundary far off */
};

static __u64 frame_gpa(__u64 off)
{
	return (BASE_GFN + off) * PAGE;
}

/* a value no other frame or round has */
static __u64 stamp(__u64 round, __u64 off)
{
	return 0x1a0000000000ULL | round << 32 | off;
}

/* ------------------------------------------------------------ host side */

/*
 * The first 1 GiB-aligned GiB inside a "Persistent Memory (legacy)"
 * resource of /proc/iomem, as a host frame; 0 if there is none.
 */
static __u64 legacy_pmem_gib(void)
{
	static const char name[] = "Persistent Memory (legacy)";
	const char *line = tvx_read_file("/proc/iomem");

	while (line && *line) {
		const char *end = strchr(line, '\n');
		unsigned long long s, e, a;
		int n = 0;

		if (sscanf(line, "%llx-%llx : %n", &s, &e, &n) == 2 && n &&
		    !strncmp(line + n, name, strlen(name))) {
			a = (s + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
			if (a && e >= a + (1ULL << 30) - 1)
				return a >> 12;
		}
		line = end ? end + 1 : NULL;
	}
	return 0;
}

FIXTURE(gib) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_ucall uc;
	__u64 mfn;			/* the host GiB's first frame */
	bool ro_added;
	bool allowed;			/* the GiB is on the MMIO allow-list */
};

FIXTURE_SETUP(gib)
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
	self->mfn = legacy_pmem_gib();
	if (!self->mfn)
		TVX_SETUP_SKIP("no 1 GiB-aligned GiB of \"Persistent Memory (legacy)\" in /proc/iomem (boot with memmap=1G!1G)");
	TH_LOG("host GiB at %#llx", (unsigned long long)self->mfn << 12);
	/* MAP_MMIO maps only what the administrator allowed (mmio_gate_test) */
	ASSERT_EQ(0, tvx_mmio_allow(true, self->mfn, self->mfn + GIB_FRAMES - 1));
	self->allowed = true;
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, MEM_BYTES, &self->d));
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v));
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
	/*
	 * A first run: under nx_huge_pages its first fetch splits the 2 MiB
	 * leaf of the guest's code (nx_huge_test.c), here rather than in the
	 * middle of the table and leaf counts below.
	 */
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, tvx_guest_read64, 0, 0));
	TVX_RUN_EXPECT(TVX_UCALL_DONE, self->v, self->d, &self->uc);
}

FIXTURE_TEARDOWN(gib)
{
	if (self->allowed)
		EXPECT_EQ(0, tvx_mmio_allow(false, self->mfn,
					    self->mfn + GIB_FRAMES - 1));
	if (self->ro_added)
		EXPECT_EQ(0, tvx_ro_remove(self->h, self->mfn + TARGET,
					   self->mfn + TARGET));
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

#define RUN_EXPECT(want) TVX_RUN_EXPECT((want), self->v, self->d, &self->uc)

/* The guest reads word 0 of frame off: it must see want. */
static void expect_read(struct __test_metadata *_metadata, FIXTURE_DATA(gib) *self,
			__u64 off, __u64 want)
{
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, tvx_guest_read64,
				  frame_gpa(off), 0));
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(want, self->uc.args[0]) TH_LOG("read of frame %#llx",
						 (unsigned long long)off);
}

/* The guest writes val to word 0 of frame off and reads back want. */
static void expect_write(struct __test_metadata *_metadata, FIXTURE_DATA(gib) *self,
			 __u64 off, __u64 val, __u64 want)
{
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, tvx_guest_write_read64,
				  frame_gpa(off), val));
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(want, self->uc.args[0]) TH_LOG("write of frame %#llx",
						 (unsigned long long)off);
}

/* Map the host GiB at BASE_GFN: one 1 GiB leaf and no new table. */
static void map_gib(struct __test_metadata *_metadata, FIXTURE_DATA(gib) *self,
		    struct thinvmx_domain_info *after)
{
	struct thinvmx_domain_info before;

	ASSERT_EQ(0, tvx_domain_info(self->d, &before));
	ASSERT_EQ(0, tvx_map_mmio(self->d, BASE_GFN, self->mfn, GIB_FRAMES));
	ASSERT_EQ(0, tvx_domain_info(self->d, after));
	TH_LOG("mapped: %llu table pages, leaves 4K %llu 2M %llu 1G %llu",
	       (unsigned long long)after->ept_table_pages,
	       (unsigned long long)after->ept_leaves_4k,
	       (unsigned long long)after->ept_leaves_2m,
	       (unsigned long long)after->ept_leaves_1g);
	EXPECT_EQ(before.ept_leaves_1g + 1, after->ept_leaves_1g);
	EXPECT_EQ(before.ept_leaves_2m, after->ept_leaves_2m);
	EXPECT_EQ(before.ept_leaves_4k, after->ept_leaves_4k);
	/* a PDPTE of the PDPT the guest's RAM already uses */
	EXPECT_EQ(before.ept_table_pages, after->ept_table_pages);
}

/* Exactly the split of one 1 GiB leaf down to one 4 KiB frame happened. */
static void expect_split(struct __test_metadata *_metadata,
			 const struct thinvmx_domain_info *was,
			 const struct thinvmx_domain_info *now)
{
	TH_LOG("split: %llu table pages, leaves 4K %llu 2M %llu 1G %llu",
	       (unsigned long long)now->ept_table_pages,
	       (unsigned long long)now->ept_leaves_4k,
	       (unsigned long long)now->ept_leaves_2m,
	       (unsigned long long)now->ept_leaves_1g);
	/* a PD for the GiB, a PT for the 2 MiB page that holds the frame */
	EXPECT_EQ(was->ept_table_pages + 2, now->ept_table_pages);
	EXPECT_EQ(was->ept_leaves_1g - 1, now->ept_leaves_1g);
	EXPECT_EQ(was->ept_leaves_2m + BLOCK_FRAMES - 1, now->ept_leaves_2m);
	EXPECT_EQ(was->ept_leaves_4k + BLOCK_FRAMES, now->ept_leaves_4k);
}

/* GET_MEM_ACCESS of every frame of the GiB: mmio_direct, rest / at TARGET. */
static void expect_rights(struct __test_metadata *_metadata, FIXTURE_DATA(gib) *self,
			  __u32 rest, __u32 target)
{
	__u64 off, bad = 0, first_bad = 0;

	for (off = 0; off < GIB_FRAMES; off++) {
		__u32 t = ~0u, a = ~0u;
		__u32 want = off == TARGET ? target : rest;

		if (tvx_get_mem_access(self->d, BASE_GFN + off, &t, &a) ||
		    t != THINVMX_P2M_MMIO_DIRECT || a != want) {
			if (!bad++)
				first_bad = off;
		}
	}
	EXPECT_EQ(0, bad) TH_LOG("%llu frames with another type or right, the first %#llx",
				 (unsigned long long)bad, (unsigned long long)first_bad);
}

/*
 * A right of its own for one frame in the middle of a 1 GiB leaf: the
 * split costs exactly two tables, the other 262,143 frames keep rw, and a
 * guest can still read and write every probe (seeing what it wrote
 * through the 1 GiB leaf: the smaller leaves map the same host frames)
 * while its write to the frame exits as MEM_ACCESS and changes nothing.
 */
TEST_F_TIMEOUT(gib, one_frame_right_splits_the_1g_leaf_and_keeps_the_rest, 600)
{
	struct thinvmx_domain_info mapped, split;
	unsigned int i;

	map_gib(_metadata, self, &mapped);
	/* the whole GiB at once: the leaf changes in place */
	ASSERT_EQ(0, tvx_set_mem_access(self->d, BASE_GFN, GIB_FRAMES,
					THINVMX_ACCESS_RW));
	ASSERT_EQ(0, tvx_domain_info(self->d, &split));
	EXPECT_EQ(mapped.ept_table_pages, split.ept_table_pages);
	EXPECT_EQ(mapped.ept_leaves_1g, split.ept_leaves_1g);

	/* round 1, through the 1 GiB leaf */
	for (i = 0; i < ARRAY_SIZE(probes); i++)
		expect_write(_metadata, self, probes[i], stamp(1, probes[i]),
			     stamp(1, probes[i]));
	expect_write(_metadata, self, TARGET, stamp(1, TARGET), stamp(1, TARGET));

	ASSERT_EQ(0, tvx_set_mem_access(self->d, BASE_GFN + TARGET, 1,
					THINVMX_ACCESS_R));
	ASSERT_EQ(0, tvx_domain_info(self->d, &split));
	expect_split(_metadata, &mapped, &split);
	expect_rights(_metadata, self, THINVMX_ACCESS_RW, THINVMX_ACCESS_R);

	/* round 2, through the split: what round 1 wrote, then a new value */
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		expect_read(_metadata, self, probes[i], stamp(1, probes[i]));
		expect_write(_metadata, self, probes[i], stamp(2, probes[i]),
			     stamp(2, probes[i]));
	}
	expect_read(_metadata, self, TARGET, stamp(1, TARGET));
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, tvx_guest_write_read64,
				  frame_gpa(TARGET), stamp(2, TARGET)));
	RUN_EXPECT(-EPROTO);
	ASSERT_EQ(THINVMX_EXIT_MEM_ACCESS, self->uc.exit.exit_reason);
	EXPECT_EQ(frame_gpa(TARGET), self->uc.exit.mem_access.gpa);
	EXPECT_EQ(THINVMX_ACCESS_W, self->uc.exit.mem_access.attempted);
	EXPECT_EQ(THINVMX_ACCESS_R, self->uc.exit.mem_access.access);
	EXPECT_EQ(THINVMX_P2M_MMIO_DIRECT, self->uc.exit.mem_access.type);
	/* the denied write changed nothing, and no other frame */
	expect_read(_metadata, self, TARGET, stamp(1, TARGET));
	for (i = 0; i < ARRAY_SIZE(probes); i++)
		expect_read(_metadata, self, probes[i], stamp(2, probes[i]));
	ASSERT_EQ(0, tvx_domain_info(self->d, &split));
	EXPECT_EQ(1, split.mem_access_violations);
	expect_rights(_metadata, self, THINVMX_ACCESS_RW, THINVMX_ACCESS_R);
}

/*
 * A read-only MMIO frame added in the middle of a 1 GiB mmio_direct leaf
 * splits it down to that frame (the same two tables): the guest's write
 * there is discarded and counted, its neighbours stay writable, every
 * frame keeps its access right; removed again, the frame is writable.
 */
TEST_F_TIMEOUT(gib, read_only_frame_splits_the_1g_leaf_down_to_it, 600)
{
	struct thinvmx_domain_info mapped, split;
	unsigned int i;

	map_gib(_metadata, self, &mapped);
	for (i = 0; i < ARRAY_SIZE(probes); i++)
		expect_write(_metadata, self, probes[i], stamp(1, probes[i]),
			     stamp(1, probes[i]));
	expect_write(_metadata, self, TARGET, stamp(1, TARGET), stamp(1, TARGET));

	ASSERT_EQ(0, tvx_ro_add(self->h, self->mfn + TARGET, self->mfn + TARGET));
	self->ro_added = true;
	ASSERT_EQ(0, tvx_domain_info(self->d, &split));
	expect_split(_metadata, &mapped, &split);
	expect_rights(_metadata, self, THINVMX_ACCESS_RWX, THINVMX_ACCESS_RWX);

	/* the write is discarded, the guest goes on and reads the old value */
	expect_write(_metadata, self, TARGET, stamp(2, TARGET), stamp(1, TARGET));
	for (i = 0; i < ARRAY_SIZE(probes); i++)
		expect_write(_metadata, self, probes[i], stamp(2, probes[i]),
			     stamp(2, probes[i]));
	ASSERT_EQ(0, tvx_domain_info(self->d, &split));
	EXPECT_EQ(1, split.mmio_ro_writes_discarded);
	EXPECT_EQ(0, split.mem_access_violations);

	ASSERT_EQ(0, tvx_ro_remove(self->h, self->mfn + TARGET, self->mfn + TARGET));
	self->ro_added = false;
	expect_write(_metadata, self, TARGET, stamp(3, TARGET), stamp(3, TARGET));
	ASSERT_EQ(0, tvx_domain_info(self->d, &split));
	EXPECT_EQ(1, split.mmio_ro_writes_discarded);
}

/*
 * Dirty logging splits superpages of RAM only: with the GiB of MMIO
 * mapped it starts (a loop that waited for every superpage to go would
 * never end), stops, and leaves the 1 GiB leaf whole.
 */
TEST_F_TIMEOUT(gib, dirty_logging_leaves_the_mmio_1g_leaf_whole, 120)
{
	struct thinvmx_domain_info mapped, logging;

	map_gib(_metadata, self, &mapped);
	ASSERT_EQ(0, tvx_dirty_log_start(self->d));
	ASSERT_EQ(0, tvx_domain_info(self->d, &logging));
	EXPECT_EQ(mapped.ept_leaves_1g, logging.ept_leaves_1g);
	EXPECT_EQ(0, logging.ept_leaves_2m);	/* the RAM's, split */
	ASSERT_EQ(0, tvx_dirty_log_stop(self->d));
	expect_rights(_metadata, self, THINVMX_ACCESS_RWX, THINVMX_ACCESS_RWX);
}

TEST_HARNESS_MAIN
