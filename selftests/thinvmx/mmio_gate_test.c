// SPDX-License-Identifier: GPL-2.0
/*
 * The MAP_MMIO gate (issue 14, item 2): a domain maps host MMIO only
 * inside a memory BAR of a device assigned to it or inside a range on the
 * administrator's allow-list; never RAM, the local APIC or IOAPIC, the
 * HPET, PCIe ECAM, IOMMU registers, firmware-reserved regions, nor a range
 * that cuts a BAR, whatever the allow-list says (the add is refused too).
 * Each refusal returns -EPERM or -EINVAL and says why in dmesg.
 *
 * Requires: root, the thinvmx module, usable VMX (a domain to map into)
 * and a PCI device with a memory BAR of two pages or more and no driver
 * (the Bochs tier has its VGA; it is assigned with allow_unsafe_assignment
 * set for the moment where no IOMMU covers it, which taints the kernel). ECAM, HPET and DMAR cases need those ACPI tables, the
 * firmware case a page-aligned "Reserved" region in /proc/iomem, the
 * lockdown case a kernel already locked down; each is skipped, and says
 * so, without.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define PAGE		4096UL
#define MEM_BYTES	(64ULL << 20)
#define MAP_GFN		0x10000ULL	/* 256 MiB, past RAM */

static void guest_read_two(__u64 base)
{
	volatile __u64 *p = (volatile __u64 *)(uintptr_t)base;

	GUEST_SYNC(p[0], p[PAGE / 8]);
	GUEST_DONE();
}

/* An ACPI table from sysfs; its length, 0 if there is none. */
static size_t acpi_table(const char *sig, unsigned char *buf, size_t len)
{
	char p[64];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/sys/firmware/acpi/tables/%s", sig);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, len);
	close(fd);
	return n > 36 ? (size_t)n : 0;
}

static __u64 get64(const unsigned char *p)
{
	__u64 v;

	memcpy(&v, p, 8);
	return v;
}

/* The first frame of ECAM (MCFG's first allocation), 0 if none. */
static __u64 ecam_frame(void)
{
	unsigned char t[4096];
	size_t n = acpi_table("MCFG", t, sizeof(t));

	return n >= 44 + 16 ? get64(t + 44) >> 12 : 0;
}

static __u64 hpet_frame(void)
{
	unsigned char t[256];
	size_t n = acpi_table("HPET", t, sizeof(t));

	return n >= 52 ? get64(t + 44) >> 12 : 0;
}

/* The first DRHD's register frame, 0 if there is no DMAR table. */
static __u64 dmar_frame(void)
{
	unsigned char t[4096];
	size_t n = acpi_table("DMAR", t, sizeof(t)), off = 48;

	while (off + 16 <= n) {
		unsigned int type = t[off] | t[off + 1] << 8;
		unsigned int len = t[off + 2] | t[off + 3] << 8;

		if (len < 4)
			break;
		if (type == 0)
			return get64(t + off + 8) >> 12;
		off += len;
	}
	return 0;
}

/* A whole frame of a top-level "Reserved" region of /proc/iomem, 0 if none. */
static __u64 reserved_frame(void)
{
	const char *line = tvx_read_file("/proc/iomem");

	while (line && *line) {
		unsigned long long s, e;
		int n = 0;

		if (line[0] != ' ' &&
		    sscanf(line, "%llx-%llx : %n", &s, &e, &n) == 2 && n &&
		    !strncmp(line + n, "Reserved", 8) && s >= 0x100000 &&
		    ((s + 0xfff) | 0xfff) <= e)
			return (s + 0xfff) >> 12;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

FIXTURE(gate) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_ucall uc;
	char dev[300];
	__u32 sbdf;
	int bar;
	__u64 bar_mfn, bar_frames;
	int kmsg;
};

FIXTURE_SETUP(gate)
{
	__u64 start, size;
	const char *why;
	int err;

	self->kmsg = -1;
	why = tvx_test_open(&self->h, false, &err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
	ASSERT_EQ(0, err);
	if (!tvx_pci_mem_bar(self->dev, sizeof(self->dev), &self->sbdf,
			     &self->bar, &start, &size))
		TVX_SETUP_SKIP("no PCI device with a memory BAR of two pages");
	self->bar_mfn = start >> 12;
	self->bar_frames = size >> 12;
	TH_LOG("%s BAR %d: frames %#llx-%#llx", self->dev, self->bar,
	       (unsigned long long)self->bar_mfn,
	       (unsigned long long)(self->bar_mfn + self->bar_frames - 1));
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, MEM_BYTES, &self->d));
	self->kmsg = tvx_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(gate)
{
	/* what a failed test left on the list */
	tvx_mmio_allow(false, self->bar_mfn, self->bar_mfn + 1);
	if (self->kmsg >= 0)
		close(self->kmsg);
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

/*
 * MAP_MMIO and the allow-list add both refuse frame @mfn with @err, and
 * dmesg names @reason for each.
 */
static void expect_refused(struct __test_metadata *_metadata,
			   FIXTURE_DATA(gate) *self, const char *what,
			   __u64 mfn, __u64 nr, int err, const char *reason)
{
	char want[160];

	if (!mfn) {
		TH_LOG("%s: not in this machine, not tried", what);
		return;
	}
	TH_LOG("%s: frames %#llx-%#llx", what, (unsigned long long)mfn,
	       (unsigned long long)(mfn + nr - 1));
	tvx_kmsg_find(self->kmsg, "");
	EXPECT_EQ(err, tvx_map_mmio(self->d, MAP_GFN, mfn, nr)) TH_LOG("%s", what);
	snprintf(want, sizeof(want), "MAP_MMIO of frames %#llx-%#llx refused: %s",
		 (unsigned long long)mfn, (unsigned long long)(mfn + nr - 1), reason);
	EXPECT_TRUE(tvx_kmsg_find(self->kmsg, want)) TH_LOG("dmesg lacks '%s'", want);

	EXPECT_EQ(err, tvx_mmio_allow(true, mfn, mfn + nr - 1)) TH_LOG("%s", what);
	snprintf(want, sizeof(want), "MMIO allow-list: frames %#llx-%#llx refused: %s",
		 (unsigned long long)mfn, (unsigned long long)(mfn + nr - 1), reason);
	EXPECT_TRUE(tvx_kmsg_find(self->kmsg, want)) TH_LOG("dmesg lacks '%s'", want);
	/* and what was refused is not on the list to be removed */
	EXPECT_EQ(-ENOENT, tvx_mmio_allow(false, mfn, mfn + nr - 1));
}

TEST_F(gate, host_ranges_are_refused_with_their_reason)
{
	__u64 last = self->bar_mfn + self->bar_frames - 1;

	expect_refused(_metadata, self, "RAM at 1 MiB", 0x100, 1, -EPERM, "RAM");
	expect_refused(_metadata, self, "local APIC", 0xfee00, 1, -EPERM,
		       "local APIC window");
	expect_refused(_metadata, self, "IOAPIC", 0xfec00, 1, -EPERM, "IOAPIC");
	expect_refused(_metadata, self, "HPET", hpet_frame(), 1, -EPERM, "HPET");
	expect_refused(_metadata, self, "ECAM", ecam_frame(), 1, -EPERM,
		       "PCIe ECAM (MMCONFIG)");
	expect_refused(_metadata, self, "IOMMU", dmar_frame(), 1, -EPERM,
		       "IOMMU registers");
	expect_refused(_metadata, self, "e820 reserved", reserved_frame(), 1,
		       -EPERM, "firmware-reserved region");
	/* the BAR's last frame and the one after it */
	expect_refused(_metadata, self, "across the BAR's end", last, 2, -EINVAL,
		       "partly overlaps a PCI BAR");
}

/* Inside a BAR, but neither assigned nor on the list. */
TEST_F(gate, a_bar_not_assigned_nor_allowed_is_refused)
{
	char want[160];

	tvx_kmsg_find(self->kmsg, "");
	EXPECT_EQ(-EPERM, tvx_map_mmio(self->d, MAP_GFN, self->bar_mfn, 1));
	snprintf(want, sizeof(want), "MAP_MMIO of frames %#llx-%#llx refused: %s",
		 (unsigned long long)self->bar_mfn,
		 (unsigned long long)self->bar_mfn,
		 "not in an assigned BAR or the allow-list");
	EXPECT_TRUE(tvx_kmsg_find(self->kmsg, want)) TH_LOG("dmesg lacks '%s'", want);
}

static int find_allow(__u64 first, __u64 last, void *arg)
{
	__u64 *want = arg;

	if (first == want[0] && last == want[1])
		want[2]++;
	return 0;
}

static int allow_listed(__u64 first, __u64 last)
{
	__u64 want[3] = { first, last, 0 };
	struct tvx_nl *nl;
	int ret = tvx_nl_open(&nl);

	if (ret)
		return ret;
	ret = tvx_nl_mmio_allow_list(nl, find_allow, want);
	tvx_nl_close(nl);
	return ret ? ret : (int)want[2];
}

/*
 * Two frames of the BAR on the allow-list: they map, the guest reads what
 * the host put there, a third frame past them is refused; removed, the
 * range maps no more.
 */
TEST_F(gate, an_allowed_range_maps_and_the_guest_reads_it)
{
	__u64 mfn = self->bar_mfn;
	volatile __u64 *host;
	char p[320];
	int fd;

	snprintf(p, sizeof(p), "%s/resource%d", self->dev, self->bar);
	fd = open(p, O_RDWR | O_SYNC);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", p, strerror(errno));
	host = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, host);
	host[0] = 0x1122334455667788ULL;
	host[PAGE / 8] = 0x99aabbccddeeff00ULL;

	ASSERT_EQ(0, tvx_mmio_allow(true, mfn, mfn + 1));
	EXPECT_EQ(-EEXIST, tvx_mmio_allow(true, mfn, mfn + 1));
	EXPECT_EQ(1, allow_listed(mfn, mfn + 1));
	EXPECT_EQ(-EPERM, tvx_map_mmio(self->d, MAP_GFN, mfn, 3));
	ASSERT_EQ(0, tvx_map_mmio(self->d, MAP_GFN, mfn, 2));

	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v));
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
	ASSERT_EQ(0, tvx_start_fn(self->v, self->d, guest_read_two,
				  MAP_GFN << 12, 0));
	TVX_RUN_EXPECT(TVX_UCALL_SYNC, self->v, self->d, &self->uc);
	EXPECT_EQ(0x1122334455667788ULL, self->uc.args[0]);
	EXPECT_EQ(0x99aabbccddeeff00ULL, self->uc.args[1]);
	TVX_RUN_EXPECT(TVX_UCALL_DONE, self->v, self->d, &self->uc);

	ASSERT_EQ(0, tvx_mmio_allow(false, mfn, mfn + 1));
	EXPECT_EQ(0, allow_listed(mfn, mfn + 1));
	EXPECT_EQ(-ENOENT, tvx_mmio_allow(false, mfn, mfn + 1));
	EXPECT_EQ(-EPERM, tvx_map_mmio(self->d, MAP_GFN + 2, mfn, 1));
	munmap((void *)host, 2 * PAGE);
}

/*
 * The BARs of a device assigned to the domain need no allow-list, mapped
 * by ASSIGN_DEVICE_BAR or by MAP_MMIO (no IOMMU in the Bochs tier: the
 * device is assigned with allow_unsafe_assignment set for the moment).
 */
TEST_F(gate, an_assigned_device_bar_may_be_mapped)
{
	ASSERT_EQ(0, tvx_assign_device_unsafe(self->d, self->sbdf));
	ASSERT_EQ(0, tvx_assign_device_bar(self->d, self->sbdf, self->bar,
					   MAP_GFN));
	EXPECT_EQ(0, tvx_map_mmio(self->d, MAP_GFN + self->bar_frames,
				  self->bar_mfn, 1));
	/* another domain has not been given the device */
	{
		struct tvx_domain *other;

		ASSERT_EQ(0, tvx_domain_create_simple(self->h, MEM_BYTES, &other));
		EXPECT_EQ(-EPERM, tvx_map_mmio(other, MAP_GFN, self->bar_mfn, 1));
		tvx_domain_destroy(other);
	}
}

/* Under kernel lockdown nothing maps and nothing is added. */
TEST_F(gate, kernel_lockdown_refuses)
{
	const char *l = tvx_read_file("/sys/kernel/security/lockdown");

	if (!l || strstr(l, "[none]"))
		SKIP(return, "the kernel is not locked down (lockdown_test locks one)");
	tvx_kmsg_find(self->kmsg, "");
	EXPECT_EQ(-EPERM, tvx_mmio_allow(true, self->bar_mfn, self->bar_mfn));
	EXPECT_EQ(-EPERM, tvx_map_mmio(self->d, MAP_GFN, self->bar_mfn, 1));
	EXPECT_TRUE(tvx_kmsg_find(self->kmsg, "refused: kernel lockdown"));
}

TEST_HARNESS_MAIN
