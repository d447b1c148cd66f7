// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/thinvmx basics and THINVMX_GET_CAPABILITIES.
 *
 * Requires: root, the thinvmx module loaded (/dev/thinvmx). The nested VM
 * tells the test where it runs (thinvmx.tier= on the kernel command line):
 * in Bochs VMX must be usable with EPT, VPID and unrestricted guest; where
 * /proc/cpuinfo shows no vmx flag (QEMU TCG) the status must say so. The
 * kvm_intel test needs its modules in /lib/modules-kvm and VMX; it SKIPs
 * otherwise.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "thinvmx.h"

static int open_dev(struct __test_metadata *_metadata)
{
	int fd = open(THINVMX_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		SKIP(return -1, "no %s: thinvmx module not loaded", THINVMX_DEVICE);
	return fd;
}

static void get_caps(struct __test_metadata *_metadata, struct thinvmx_caps *c)
{
	int fd = open(THINVMX_DEVICE, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open %s: %s", THINVMX_DEVICE, strerror(errno));
	memset(c, 0xa5, sizeof(*c));
	ASSERT_EQ(0, ioctl(fd, THINVMX_GET_CAPABILITIES, c))
		TH_LOG("GET_CAPABILITIES: %s", strerror(errno));
	close(fd);
}

/* Every programmed bit allowed to be 1, every bit the CPU forces set. */
static bool ctl_fits(__u32 ctl, __u64 msr)
{
	__u32 must1 = (__u32)msr, may1 = (__u32)(msr >> 32);

	return !(ctl & ~may1) && !(must1 & ~ctl);
}

TEST(device_node_is_root_only)
{
	struct stat st;

	if (stat(THINVMX_DEVICE, &st))
		SKIP(return, "no %s", THINVMX_DEVICE);
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0600, st.st_mode & 07777);
	ASSERT_EQ(0, st.st_uid);
}

/*
 * A non-root user is refused by the node's mode (EACCES): root-only is
 * the default. An administrator may give the node to a group (the
 * packages' udev rule, mode 0660): perm_test checks what its members may
 * do then.
 */
TEST(non_root_open_is_refused)
{
	int status;
	pid_t pid;

	if (access(THINVMX_DEVICE, F_OK))
		SKIP(return, "no %s", THINVMX_DEVICE);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (open(THINVMX_DEVICE, O_RDWR) >= 0)
			_exit(11);
		_exit(errno == EACCES ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child said %d (11: open worked, 12: not EACCES)",
		       WEXITSTATUS(status));
}

TEST(unknown_ioctls_get_enotty)
{
	const unsigned long cmds[] = {
		_IO(THINVMX_IOC_MAGIC, 0x7f),
		_IOR(THINVMX_IOC_MAGIC, 0x00, __u64),	/* right nr, wrong size */
		_IOW(THINVMX_IOC_MAGIC, 0x00, struct thinvmx_caps), /* wrong dir */
		_IOR('k', 0x00, struct thinvmx_caps),	/* wrong magic */
		0,
		~0UL,
	};
	char buf[512];
	size_t i;
	int fd;

	fd = open_dev(_metadata);
	if (fd < 0)
		return;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(fd, cmds[i], buf)) TH_LOG("cmd %#lx", cmds[i]);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#lx", cmds[i]);
	}
	close(fd);
}

TEST(get_caps_bad_pointer_is_efault)
{
	int fd = open_dev(_metadata);

	if (fd < 0)
		return;
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, THINVMX_GET_CAPABILITIES, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(fd, THINVMX_GET_CAPABILITIES, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
}

TEST(caps_match_the_cpu)
{
	bool vmx = tvx_cpuinfo_has("flags", "vmx");
	struct thinvmx_caps c;
	int i;

	if (access(THINVMX_DEVICE, F_OK))
		SKIP(return, "no %s", THINVMX_DEVICE);
	get_caps(_metadata, &c);
	TH_LOG("tier %s, cpuinfo vmx %d, status %u, features %#llx",
	       tvx_tier(), vmx, c.vmx_status, (unsigned long long)c.features);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, c.reserved[i]);
	ASSERT_EQ(sysconf(_SC_NPROCESSORS_ONLN), c.nr_cpus);

	if (!vmx) {
		ASSERT_EQ(THINVMX_VMX_NO_CPUID, c.vmx_status);
		ASSERT_EQ(0, c.features);
		ASSERT_EQ(0, c.proc_ctls | c.proc2_ctls | c.pin_ctls |
			  c.exit_ctls | c.entry_ctls);
		ASSERT_EQ(0, c.cpuid1_ecx & (1u << 5));
		ASSERT_EQ(0, c.msr_basic);
		ASSERT_TRUE(tvx_dmesg_has("thinvmx: VMX unusable: the CPU does not offer VMX"));
		return;
	}

	ASSERT_EQ(THINVMX_VMX_OK, c.vmx_status);
	ASSERT_TRUE(tvx_dmesg_has("thinvmx: VMX usable on"));
	ASSERT_NE(0, c.cpuid1_ecx & (1u << 5));
	ASSERT_EQ(c.msr_basic & 0x7fffffff, c.vmcs_revision);
	ASSERT_EQ((c.msr_basic >> 32) & 0x1fff, c.vmcs_size);
	ASSERT_NE(0, c.msr_feature_control & 1);

	/* programmed controls fit the raw MSRs (true variants when offered) */
	if (c.msr_basic & (1ULL << 55)) {
		ASSERT_TRUE(ctl_fits(c.pin_ctls, c.msr_true_pinbased));
		ASSERT_TRUE(ctl_fits(c.proc_ctls, c.msr_true_procbased));
		ASSERT_TRUE(ctl_fits(c.exit_ctls, c.msr_true_exit));
		ASSERT_TRUE(ctl_fits(c.entry_ctls, c.msr_true_entry));
	} else {
		ASSERT_TRUE(ctl_fits(c.pin_ctls, c.msr_pinbased));
		ASSERT_TRUE(ctl_fits(c.proc_ctls, c.msr_procbased));
		ASSERT_TRUE(ctl_fits(c.exit_ctls, c.msr_exit));
		ASSERT_TRUE(ctl_fits(c.entry_ctls, c.msr_entry));
	}
	ASSERT_TRUE(ctl_fits(c.proc2_ctls, c.msr_procbased2));
	ASSERT_NE(0, c.proc2_ctls & 0x2);		/* EPT */
	ASSERT_NE(0, c.proc_ctls & (1u << 31));	/* secondary controls */

	/* the kernel's own reading of the same MSRs (the "vmx flags" line) */
	ASSERT_TRUE(tvx_cpuinfo_has("vmx flags", "ept"));
	EXPECT_EQ(tvx_cpuinfo_has("vmx flags", "ept_1gb"),
		  !!(c.features & THINVMX_FEAT_EPT_1G));
	EXPECT_EQ(tvx_cpuinfo_has("vmx flags", "ept_ad"),
		  !!(c.features & THINVMX_FEAT_EPT_AD));
	EXPECT_EQ(tvx_cpuinfo_has("vmx flags", "ept_x_only"),
		  !!(c.features & THINVMX_FEAT_EPT_EXEC_ONLY));
	EXPECT_EQ(tvx_cpuinfo_has("vmx flags", "unrestricted_guest"),
		  !!(c.features & THINVMX_FEAT_UNRESTRICTED));
	EXPECT_EQ(tvx_cpuinfo_has("vmx flags", "vpid"),
		  !!(c.features & THINVMX_FEAT_VPID));
	EXPECT_EQ(tvx_cpuinfo_has("vmx flags", "vnmi"),
		  !!(c.features & THINVMX_FEAT_VIRTUAL_NMI));

	if (!strcmp(tvx_tier(), "bochs")) {
		/* Bochs corei7_skylake_x and corei7_haswell_4770 alike */
		EXPECT_EQ(0x2b, c.vmcs_revision);
		EXPECT_EQ(0xf0106334141ULL, c.msr_ept_vpid_cap);
		EXPECT_EQ(0x5, c.msr_feature_control);
		ASSERT_EQ(THINVMX_FEAT_EPT | THINVMX_FEAT_EPT_2M |
			  THINVMX_FEAT_EPT_1G | THINVMX_FEAT_EPT_AD |
			  THINVMX_FEAT_VPID | THINVMX_FEAT_UNRESTRICTED,
			  c.features & (THINVMX_FEAT_EPT | THINVMX_FEAT_EPT_2M |
					THINVMX_FEAT_EPT_1G | THINVMX_FEAT_EPT_AD |
					THINVMX_FEAT_VPID |
					THINVMX_FEAT_UNRESTRICTED));
	}
}

/* a 1 MiB domain: its fd, or a negative errno */
static int create_domain(void)
{
	struct thinvmx_e820_entry e = { .size = 1 << 20, .type = THINVMX_E820_RAM };
	struct thinvmx_create_domain cd = {
		.e820 = (__u64)(uintptr_t)&e, .nr_e820 = 1, .mem_bytes = 1 << 20,
	};
	int fd = open(THINVMX_DEVICE, O_RDWR | O_CLOEXEC), dom;

	if (fd < 0)
		return -errno;
	dom = ioctl(fd, THINVMX_CREATE_DOMAIN, &cd);
	if (dom < 0)
		dom = -errno;
	close(fd);
	return dom;
}

/*
 * kvm_intel holds VMX while one of its VMs exists (6.1 enters VMX operation
 * on the first KVM_CREATE_VM): meanwhile thinvmx must report BUSY, naming
 * a CPU, refuse domains with -EBUSY, and be usable again once the VM is
 * gone. While a thinvmx domain lives, KVM cannot have VMX; once the last
 * domain is gone, no CPU is left in VMX operation and KVM can.
 */
TEST(kvm_intel_in_vmx_operation_is_busy)
{
	static const char *const mods[] = {
		"/lib/modules-kvm/irqbypass.ko", "/lib/modules-kvm/kvm.ko",
		"/lib/modules-kvm/kvm-intel.ko",
	};
	struct thinvmx_caps c;
	int kvm, vm, dom, i, ret;

	if (access(THINVMX_DEVICE, F_OK))
		SKIP(return, "no %s", THINVMX_DEVICE);
	get_caps(_metadata, &c);
	if (c.vmx_status != THINVMX_VMX_OK)
		SKIP(return, "VMX not usable here (status %u)", c.vmx_status);
	if (access("/dev/kvm", F_OK)) {
		for (i = 0; i < 3; i++) {
			if (access(mods[i], R_OK))
				SKIP(return, "no %s", mods[i]);
			ret = tvx_load_module(mods[i]);
			if (ret == -EEXIST)
				ret = 0;
			ASSERT_EQ(0, ret) TH_LOG("load %s: %s", mods[i], strerror(-ret));
		}
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, kvm) TH_LOG("/dev/kvm: %s", strerror(errno));

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm) TH_LOG("KVM_CREATE_VM: %s", strerror(errno));
	get_caps(_metadata, &c);
	EXPECT_EQ(THINVMX_VMX_BUSY, c.vmx_status);
	EXPECT_GT(c.nr_cpus, c.detail_cpu);
	/* and a domain cannot be had meanwhile */
	EXPECT_EQ(-EBUSY, create_domain());

	close(vm);
	get_caps(_metadata, &c);
	EXPECT_EQ(THINVMX_VMX_OK, c.vmx_status);

	/* the other way round: thinvmx holds VMX while a domain lives */
	dom = create_domain();
	ASSERT_LE(0, dom) TH_LOG("CREATE_DOMAIN: %s", strerror(-dom));
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	EXPECT_EQ(-1, vm);
	if (vm >= 0)
		close(vm);
	close(dom);
	/* ... and leaves it on every CPU when the last domain goes */
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	EXPECT_LE(0, vm) TH_LOG("KVM_CREATE_VM after thinvmx: %s", strerror(errno));
	if (vm >= 0)
		close(vm);
	close(kvm);

	EXPECT_EQ(0, syscall(SYS_delete_module, "kvm_intel", O_NONBLOCK));
	EXPECT_EQ(0, syscall(SYS_delete_module, "kvm", O_NONBLOCK));
	EXPECT_EQ(0, syscall(SYS_delete_module, "irqbypass", O_NONBLOCK));
}

TEST_HARNESS_MAIN
