// SPDX-License-Identifier: GPL-2.0
/*
 * Device assignment (issue 14, item 3): a PCI function is given to a
 * domain only with no host driver (or a stub) bound and no memory BAR
 * smaller than a page; its DMA is confined by an IOMMU domain holding
 * exactly the guest RAM at guest-physical addresses; without an IOMMU it
 * is refused unless allow_unsafe_assignment says otherwise, which taints
 * the kernel. The MMIO allow-list refuses IOMMU registers and ECAM.
 *
 * Requires: root and the thinvmx module. The IOMMU cases need a device an
 * IOMMU covers with no driver bound (the QEMU tier with intel-iommu and
 * an e1000e: make nested-tcg-iommu); the driver-bound and small-BAR cases
 * a device of each kind (its root port, its i6300esb); the domain cases
 * usable VMX and a device no IOMMU covers (the Bochs tier's VGA). Each
 * SKIPs without what it needs.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"

#define PAGE		4096UL
#define NR_PAGES	16
#define PROBE_GPA	0x100000ULL
#define UNSAFE_PARAM	"/sys/module/thinvmx/parameters/allow_unsafe_assignment"
#define TAINT_USER_BIT	(1UL << 6)

/* What to look for in a PCI function. */
enum want {
	WANT_IOMMU_FREE,	/* in an IOMMU group, no driver */
	WANT_NO_IOMMU_FREE,	/* no IOMMU group, no driver, a memory BAR */
	WANT_BOUND,		/* a driver that is not a stub */
	WANT_SMALL_BAR,		/* a memory BAR under a page, no driver */
};

static bool has_small_bar(const char *dev, bool *has_mem)
{
	char p[320];
	const char *res;
	unsigned long long s, e, f;
	bool small = false;
	int i;

	*has_mem = false;
	snprintf(p, sizeof(p), "%s/resource", dev);
	res = tvx_read_file(p);
	for (i = 0; res && i < 6; i++) {
		if (sscanf(res, "%llx %llx %llx", &s, &e, &f) == 3 &&
		    (f & 0x200) && s) {
			*has_mem = true;
			if (e - s + 1 < PAGE)
				small = true;
		}
		res = strchr(res, '\n');
		if (res)
			res++;
	}
	return small;
}

/* Devices in the IOMMU group @grp (a sysfs iommu_group link). */
static int group_size(const char *grp)
{
	char p[320];
	struct dirent *de;
	DIR *dir;
	int n = 0;

	snprintf(p, sizeof(p), "%s/devices", grp);
	dir = opendir(p);
	if (!dir)
		return 0;
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n;
}

static bool find_dev(enum want want, __u32 *sbdf, char *name, size_t len)
{
	struct dirent *de;
	DIR *dir = opendir("/sys/bus/pci/devices");
	bool found = false;

	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		unsigned int seg, bus, slot, fn;
		char p[300], drv[300] = "";
		bool grp, mem, small;
		ssize_t n;

		if (sscanf(de->d_name, "%x:%x:%x.%x", &seg, &bus, &slot, &fn) != 4)
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/iommu_group", de->d_name);
		grp = !access(p, F_OK);
		/* assignment wants a group of its own */
		if (grp && want == WANT_IOMMU_FREE && group_size(p) != 1)
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver", de->d_name);
		n = readlink(p, drv, sizeof(drv) - 1);
		drv[n > 0 ? n : 0] = '\0';
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s", de->d_name);
		small = has_small_bar(p, &mem);
		switch (want) {
		case WANT_IOMMU_FREE:
			found = grp && !*drv && mem && !small;
			break;
		case WANT_NO_IOMMU_FREE:
			found = !grp && !*drv && mem && !small;
			break;
		case WANT_BOUND:
			found = *drv && !strstr(drv, "pci-stub") && !strstr(drv, "vfio-pci");
			break;
		case WANT_SMALL_BAR:
			found = !*drv && small;
			break;
		}
		if (found) {
			*sbdf = THINVMX_PCI_SBDF(seg, bus, slot, fn);
			snprintf(name, len, "%s%s%s", de->d_name, *drv ? " driver " : "",
				 *drv ? strrchr(drv, '/') + 1 : "");
		}
	}
	closedir(dir);
	return found;
}

/* The host frame of a page of ours (/proc/self/pagemap, root). */
static __u64 pagemap_pfn(void *addr)
{
	__u64 e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, 8, ((uintptr_t)addr / PAGE) * 8) != 8)
		e = 0;
	close(fd);
	return (e & (1ULL << 63)) ? e & ((1ULL << 55) - 1) : 0;
}

FIXTURE(probe) {
	struct tvx_handle *h;
	void *buf;
	int kmsg;
};

FIXTURE_SETUP(probe)
{
	int ret = tvx_open(&self->h);

	if (ret == -ENOENT)
		TVX_SETUP_SKIP("no " THINVMX_DEVICE ": module not loaded");
	ASSERT_EQ(0, ret);
	self->buf = mmap(NULL, NR_PAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0x5a, NR_PAGES * PAGE);
	self->kmsg = tvx_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(probe)
{
	munmap(self->buf, NR_PAGES * PAGE);
	close(self->kmsg);
	tvx_close(self->h);
}

/*
 * The IOMMU domain an assignment builds translates each guest page to
 * its host page and nothing next to them; built twice, so the first was
 * torn down whole (the group given back).
 */
TEST_F(probe, iommu_domain_holds_exactly_the_guest_ram)
{
	__u64 hpa[NR_PAGES], before = 1, after = 1;
	char name[400];
	__u32 sbdf;
	int i, round;

	if (!find_dev(WANT_IOMMU_FREE, &sbdf, name, sizeof(name)))
		SKIP(return, "no device an IOMMU covers with no driver bound");
	TH_LOG("device %s", name);
	for (round = 0; round < 2; round++) {
		memset(hpa, 0, sizeof(hpa));
		ASSERT_EQ(0, tvx_iommu_probe(self->h, sbdf, self->buf, NR_PAGES,
					     PROBE_GPA, hpa, &before, &after));
		for (i = 0; i < NR_PAGES; i++) {
			__u64 pfn = pagemap_pfn((char *)self->buf + i * PAGE);

			ASSERT_NE(0, pfn);
			EXPECT_EQ(pfn << 12, hpa[i]) TH_LOG("page %d", i);
		}
		EXPECT_EQ(0, before);
		EXPECT_EQ(0, after);
	}
}

TEST_F(probe, a_device_a_host_driver_holds_is_refused)
{
	__u64 hpa[NR_PAGES];
	char name[400];
	__u32 sbdf;

	if (!find_dev(WANT_BOUND, &sbdf, name, sizeof(name)))
		SKIP(return, "no device with a host driver bound");
	TH_LOG("device %s", name);
	EXPECT_EQ(-EBUSY, tvx_iommu_probe(self->h, sbdf, self->buf, NR_PAGES,
					  PROBE_GPA, hpa, NULL, NULL));
	EXPECT_TRUE(tvx_kmsg_find(self->kmsg, "not assigned: bound to host driver"));
}

TEST_F(probe, a_bar_smaller_than_a_page_is_refused)
{
	__u64 hpa[NR_PAGES];
	char name[400];
	__u32 sbdf;

	if (!find_dev(WANT_SMALL_BAR, &sbdf, name, sizeof(name)))
		SKIP(return, "no device with a memory BAR smaller than a page");
	TH_LOG("device %s", name);
	EXPECT_EQ(-EINVAL, tvx_iommu_probe(self->h, sbdf, self->buf, NR_PAGES,
					   PROBE_GPA, hpa, NULL, NULL));
	EXPECT_TRUE(tvx_kmsg_find(self->kmsg, "is smaller than a page"));
}

TEST_F(probe, arguments)
{
	struct thinvmx_iommu_probe p = { 0 };
	__u64 hpa[NR_PAGES];

	EXPECT_EQ(-EINVAL, tvx_iommu_probe(self->h, 0, self->buf, 0, PROBE_GPA,
					   hpa, NULL, NULL));
	EXPECT_EQ(-EINVAL, tvx_iommu_probe(self->h, 0, (char *)self->buf + 8, 1,
					   PROBE_GPA, hpa, NULL, NULL));
	EXPECT_EQ(-EINVAL, tvx_iommu_probe(self->h, 0, self->buf, 1,
					   PROBE_GPA + 8, hpa, NULL, NULL));
	EXPECT_EQ(-ENODEV, tvx_iommu_probe(self->h, THINVMX_PCI_SBDF(0, 0xfe, 31, 7),
					   self->buf, 1, PROBE_GPA, hpa, NULL, NULL));
	p.reserved[1] = 1;
	p.nr_pages = 1;
	p.gpa = PROBE_GPA;
	p.addr = (__u64)(uintptr_t)self->buf;
	EXPECT_EQ(-1, ioctl(tvx_fd(self->h), THINVMX_IOMMU_PROBE, &p));
	EXPECT_EQ(EINVAL, errno);
}

/* Not root (no CAP_SYS_ADMIN): refused, with the fds already open. */
TEST_F(probe, not_root_is_refused)
{
	__u64 hpa[NR_PAGES];
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(tvx_iommu_probe(self->h, 0, self->buf, 1, PROBE_GPA, hpa,
				      NULL, NULL) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* A frame of the first DRHD / of ECAM from the ACPI tables, 0 if none. */
static __u64 acpi_frame(const char *sig)
{
	unsigned char t[4096];
	char p[64];
	ssize_t n;
	size_t off;
	__u64 a = 0;
	int fd;

	snprintf(p, sizeof(p), "/sys/firmware/acpi/tables/%s", sig);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, t, sizeof(t));
	close(fd);
	if (!strcmp(sig, "MCFG")) {
		if (n >= 60)
			memcpy(&a, t + 44, 8);
		return a >> 12;
	}
	for (off = 48; n > 0 && off + 16 <= (size_t)n;) {
		unsigned int type = t[off] | t[off + 1] << 8;
		unsigned int len = t[off + 2] | t[off + 3] << 8;

		if (len < 4)
			break;
		if (type == 0) {
			memcpy(&a, t + off + 8, 8);
			return a >> 12;
		}
		off += len;
	}
	return 0;
}

/* The allow-list add refuses the IOMMU's registers and ECAM (QEMU tier). */
TEST_F(probe, allow_list_refuses_iommu_registers_and_ecam)
{
	__u64 dmar = acpi_frame("DMAR"), ecam = acpi_frame("MCFG");

	if (!dmar && !ecam)
		SKIP(return, "no DMAR or MCFG ACPI table");
	if (dmar) {
		EXPECT_EQ(-EPERM, tvx_mmio_allow(true, dmar, dmar));
		EXPECT_TRUE(tvx_kmsg_find(self->kmsg, "refused: IOMMU registers"));
	}
	if (ecam) {
		EXPECT_EQ(-EPERM, tvx_mmio_allow(true, ecam, ecam));
		EXPECT_TRUE(tvx_kmsg_find(self->kmsg, "refused: PCIe ECAM (MMCONFIG)"));
	}
}

/* ------------------------------------------------------------ domains */

FIXTURE(dom) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	int kmsg;
	bool unsafe_set;
};

FIXTURE_SETUP(dom)
{
	const char *why;
	int err;

	why = tvx_test_open(&self->h, false, &err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, 64ULL << 20, &self->d));
	self->kmsg = tvx_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(dom)
{
	if (self->unsafe_set)
		tvx_write_file(UNSAFE_PARAM, "0");
	close(self->kmsg);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

TEST_F(dom, no_iommu_is_refused)
{
	char name[400];
	__u32 sbdf;

	if (!find_dev(WANT_NO_IOMMU_FREE, &sbdf, name, sizeof(name)))
		SKIP(return, "no device without an IOMMU and with no driver");
	TH_LOG("device %s", name);
	EXPECT_EQ(-EPERM, tvx_assign_device(self->d, sbdf));
	EXPECT_TRUE(tvx_kmsg_find(self->kmsg, "not assigned: no IOMMU covers it"));
	EXPECT_EQ(-ENOENT, tvx_deassign_device(self->d, sbdf));
}

static unsigned long tainted(void)
{
	const char *t = tvx_read_file("/proc/sys/kernel/tainted");

	return t ? strtoul(t, NULL, 10) : 0;
}

/*
 * allow_unsafe_assignment: assigned, the kernel tainted and told; the
 * device's BAR then maps with MAP_MMIO, and no longer once given back.
 * The domain's death gives a device back too.
 */
TEST_F(dom, unsafe_assignment_taints_and_grants_the_bars)
{
	__u64 start, size, gfn = 0x10000;
	struct tvx_domain *other;
	char name[400], dev[300];
	__u32 sbdf, bar_sbdf;
	int bar;

	if (!find_dev(WANT_NO_IOMMU_FREE, &sbdf, name, sizeof(name)) ||
	    !tvx_pci_mem_bar(dev, sizeof(dev), &bar_sbdf, &bar, &start, &size) ||
	    bar_sbdf != sbdf)
		SKIP(return, "no device without an IOMMU, with no driver and a memory BAR");
	TH_LOG("device %s", name);
	ASSERT_EQ(0, tvx_write_file(UNSAFE_PARAM, "1"));
	self->unsafe_set = true;

	EXPECT_EQ(-EPERM, tvx_map_mmio(self->d, gfn, start >> 12, 1));
	ASSERT_EQ(0, tvx_assign_device(self->d, sbdf));
	EXPECT_TRUE(tvx_kmsg_find(self->kmsg, "WITHOUT an IOMMU"));
	EXPECT_TRUE(tainted() & TAINT_USER_BIT);
	EXPECT_EQ(-EEXIST, tvx_assign_device(self->d, sbdf));
	EXPECT_EQ(0, tvx_map_mmio(self->d, gfn, start >> 12, 1));
	ASSERT_EQ(0, tvx_deassign_device(self->d, sbdf));
	EXPECT_EQ(-ENOENT, tvx_deassign_device(self->d, sbdf));
	EXPECT_EQ(-EPERM, tvx_map_mmio(self->d, gfn + 1, start >> 12, 1));

	/* a domain that dies gives its devices back */
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, 16ULL << 20, &other));
	ASSERT_EQ(0, tvx_assign_device(other, sbdf));
	tvx_domain_destroy(other);
	ASSERT_EQ(0, tvx_assign_device(self->d, sbdf));
	EXPECT_EQ(0, tvx_deassign_device(self->d, sbdf));
}

TEST_F(dom, arguments_and_privilege)
{
	struct thinvmx_assign_device a = { 0 };
	pid_t pid;
	int status;

	a.flags = 1;
	EXPECT_EQ(-1, ioctl(tvx_domain_fd(self->d), THINVMX_ASSIGN_DEVICE, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 0;
	a.reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(tvx_domain_fd(self->d), THINVMX_DEASSIGN_DEVICE, &a));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-ENODEV, tvx_assign_device(self->d, THINVMX_PCI_SBDF(0, 0xfe, 31, 7)));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(tvx_assign_device(self->d, 0) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
