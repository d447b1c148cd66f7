// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/thinvmx given to a group, as the packages' udev rule gives it to
 * "thinvmx" (mode 0660), like /dev/kvm to kvm: a member of the group
 * without any capability opens the node, creates a domain and runs a
 * guest in it, and gets -EPERM for everything that reaches beyond its
 * domain, which stays CAP_SYS_ADMIN's: mapping host MMIO, assigning
 * devices and their BARs, the IOMMU probe, the read-only set and its
 * list, a device's MSI-X frames, a domain's host frames, host mode (on,
 * off, status), and over netlink the read-only set and the MMIO
 * allow-list.
 *
 * The test gives the node to group TEST_GID (mode 0660) for the length of
 * one child that drops to uid 65534 in that group (setgroups, setgid,
 * setuid: no capabilities left), and gives it back to root (0600) after.
 *
 * Requires: root, the thinvmx module; the guest part usable VMX (QEMU
 * TCG runs the rest).
 */
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define NOBODY		65534
#define TEST_GID	4242	/* a group no one else is in */
#define GUEST_MAGIC	0x9e

static void guest_main(void)
{
	GUEST_SYNC(GUEST_MAGIC);
	GUEST_DONE();
}

/* What the child did: 0 or -errno each, in one shared page. */
enum {
	R_OPEN, R_CAPS, R_DOMAIN, R_VCPU, R_RUN, R_OPEN_OWN,
	/* the CAP_SYS_ADMIN calls, from here on: each must be -EPERM */
	R_PRIV,
	R_MAP_MMIO = R_PRIV, R_ASSIGN_DEVICE, R_DEASSIGN_DEVICE,
	R_ASSIGN_DEVICE_BAR, R_GET_FRAME_LIST, R_IOMMU_PROBE, R_RO_ADD,
	R_RO_REMOVE, R_RO_LIST, R_PCI_MSIX_INFO, R_NL_RO_ADD, R_NL_RO_REMOVE,
	R_NL_ALLOW_ADD, R_NL_ALLOW_REMOVE, R_HOST_ENABLE, R_HOST_DISABLE,
	R_HOST_STATUS,
	R_NR
};

static const char * const names[R_NR] = {
	"open", "GET_CAPABILITIES", "CREATE_DOMAIN", "CREATE_VCPU", "RUN",
	"OPEN_DOMAIN (own)", "MAP_MMIO", "ASSIGN_DEVICE", "DEASSIGN_DEVICE",
	"ASSIGN_DEVICE_BAR", "GET_FRAME_LIST", "IOMMU_PROBE", "RO_ADD",
	"RO_REMOVE", "RO_LIST", "PCI_MSIX_INFO", "netlink RO_ADD",
	"netlink RO_REMOVE", "netlink MMIO_ALLOW_ADD",
	"netlink MMIO_ALLOW_REMOVE", "HOST_ENABLE", "HOST_DISABLE",
	"HOST_STATUS",
};

#define NOT_RUN		1	/* a step after one that failed */

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int drop_to_group_member(void)
{
	gid_t g = TEST_GID;

	if (setgroups(1, &g) || setgid(NOBODY) || setuid(NOBODY))
		return -1;
	/* setuid made us undumpable: /proc/self/exe is ours to read again */
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) ? -1 : 0;
}

/*
 * The child, as uid 65534 in TEST_GID. Zeroed arguments are enough for
 * the privileged calls: each checks the capability before reading them.
 */
static void as_member(int *r)
{
	/* one buffer big enough for any of the calls' structures */
	union {
		struct thinvmx_map_mmio map;
		struct thinvmx_assign_device ad;
		struct thinvmx_device_bar bar;
		struct thinvmx_frame_list fl;
		struct thinvmx_iommu_probe probe;
		struct thinvmx_ro_range ro;
		struct thinvmx_ro_list rl;
		struct thinvmx_msix_info msix;
		struct thinvmx_open_domain od;
		struct thinvmx_host_status hs;
	} a;
	struct thinvmx_domain_info info;
	struct thinvmx_caps caps;
	struct tvx_domain *d = NULL;
	struct tvx_vcpu *v = NULL;
	struct tvx_handle *h;
	struct tvx_ucall uc;
	struct tvx_nl *nl;
	int i, dev, dom, fd;

	for (i = 0; i < R_NR; i++)
		r[i] = NOT_RUN;
	r[R_OPEN] = tvx_open(&h);
	if (r[R_OPEN])
		return;
	dev = tvx_fd(h);
	r[R_CAPS] = tvx_get_caps(h, &caps);
	r[R_DOMAIN] = tvx_domain_create_simple(h, 16ULL << 20, &d);
	if (!r[R_DOMAIN]) {
		r[R_VCPU] = tvx_vcpu_create(d, 0, &v);
		if (!r[R_VCPU])
			r[R_RUN] = tvx_guest_load_self(d) ?:
				   tvx_vcpu_setup_long_mode(v, d, (__u64)(uintptr_t)guest_main, 0);
		if (!r[R_VCPU] && !r[R_RUN]) {
			r[R_RUN] = tvx_run_until_ucall(v, d, &uc);
			if (r[R_RUN] == TVX_UCALL_SYNC && uc.args[0] == GUEST_MAGIC)
				r[R_RUN] = tvx_run_until_ucall(v, d, &uc);
			r[R_RUN] = r[R_RUN] == TVX_UCALL_DONE ? 0 : -EPROTO;
		}
		dom = tvx_domain_fd(d);
		memset(&a, 0, sizeof(a));
		r[R_OPEN_OWN] = xioctl(dom, THINVMX_GET_DOMAIN_INFO, &info);
		if (!r[R_OPEN_OWN]) {
			a.od.id = info.id;
			fd = ioctl(dev, THINVMX_OPEN_DOMAIN, &a.od);
			r[R_OPEN_OWN] = fd < 0 ? -errno : 0;
			if (fd >= 0)
				close(fd);
		}
		memset(&a, 0, sizeof(a));
		r[R_MAP_MMIO] = xioctl(dom, THINVMX_MAP_MMIO, &a);
		r[R_ASSIGN_DEVICE] = xioctl(dom, THINVMX_ASSIGN_DEVICE, &a);
		r[R_DEASSIGN_DEVICE] = xioctl(dom, THINVMX_DEASSIGN_DEVICE, &a);
		r[R_ASSIGN_DEVICE_BAR] = xioctl(dom, THINVMX_ASSIGN_DEVICE_BAR, &a);
		a.fl.nr_frames = 1;
		r[R_GET_FRAME_LIST] = xioctl(dom, THINVMX_GET_FRAME_LIST, &a);
	}
	memset(&a, 0, sizeof(a));
	r[R_IOMMU_PROBE] = xioctl(dev, THINVMX_IOMMU_PROBE, &a);
	a.ro.first_mfn = 0x100;
	a.ro.last_mfn = 0x100;
	r[R_RO_ADD] = xioctl(dev, THINVMX_RO_ADD, &a);
	r[R_RO_REMOVE] = xioctl(dev, THINVMX_RO_REMOVE, &a);
	memset(&a, 0, sizeof(a));
	r[R_RO_LIST] = xioctl(dev, THINVMX_RO_LIST, &a);
	r[R_PCI_MSIX_INFO] = xioctl(dev, THINVMX_PCI_MSIX_INFO, &a);
	r[R_HOST_ENABLE] = ioctl(dev, THINVMX_HOST_ENABLE) ? -errno : 0;
	r[R_HOST_DISABLE] = ioctl(dev, THINVMX_HOST_DISABLE) ? -errno : 0;
	r[R_HOST_STATUS] = xioctl(dev, THINVMX_HOST_STATUS, &a);
	if (!tvx_nl_open(&nl)) {
		r[R_NL_RO_ADD] = tvx_nl_ro_add(nl, 0x100, 0x100);
		r[R_NL_RO_REMOVE] = tvx_nl_ro_remove(nl, 0x100, 0x100);
		r[R_NL_ALLOW_ADD] = tvx_nl_mmio_allow_add(nl, 0x100, 0x100);
		r[R_NL_ALLOW_REMOVE] = tvx_nl_mmio_allow_remove(nl, 0x100, 0x100);
		tvx_nl_close(nl);
	}
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	tvx_close(h);
}

/* The child's results in @r; the node is root's again when it returns. */
static int as_group_member(int *r)
{
	int status, ret = -1;
	pid_t pid;

	if (chown(THINVMX_DEVICE, 0, TEST_GID) || chmod(THINVMX_DEVICE, 0660))
		goto out;
	pid = fork();
	if (pid < 0)
		goto out;
	if (!pid) {
		if (drop_to_group_member())
			_exit(10);
		as_member(r);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		ret = WEXITSTATUS(status);
out:
	if (chmod(THINVMX_DEVICE, 0600) || chown(THINVMX_DEVICE, 0, 0))
		ret = -2;
	return ret;
}

TEST(group_member_runs_a_guest_and_nothing_more)
{
	struct thinvmx_caps caps;
	struct tvx_handle *h;
	struct stat st;
	bool vmx;
	int *r, i;

	if (tvx_open(&h))
		SKIP(return, "no %s: module not loaded", THINVMX_DEVICE);
	ASSERT_EQ(0, tvx_get_caps(h, &caps));
	tvx_close(h);
	vmx = caps.vmx_status == THINVMX_VMX_OK;

	r = mmap(NULL, R_NR * sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	ASSERT_EQ(0, as_group_member(r)) TH_LOG("10: could not drop to uid %d", NOBODY);
	/* the node is root-only again */
	ASSERT_EQ(0, stat(THINVMX_DEVICE, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_gid);

	ASSERT_EQ(0, r[R_OPEN]) TH_LOG("a group member could not open the node");
	EXPECT_EQ(0, r[R_CAPS]);
	for (i = R_DOMAIN; i < R_PRIV && vmx; i++)
		EXPECT_EQ(0, r[i]) TH_LOG("%s: %d", names[i], r[i]);
	for (i = R_PRIV; i < R_NR; i++) {
		/* the domain's calls need a domain, which needs VMX */
		if (i <= R_GET_FRAME_LIST && !vmx)
			continue;
		EXPECT_EQ(-EPERM, r[i]) TH_LOG("%s: %d, not -EPERM", names[i], r[i]);
	}
	munmap(r, R_NR * sizeof(*r));
	/* SKIP would pass a failed test: only a passing one says what it left out */
	if (!vmx && _metadata->passed)
		SKIP(return, "VMX not usable: the node's calls only, no guest");
}

TEST_HARNESS_MAIN
