// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel lockdown refuses the MMIO allow-list and MAP_MMIO (issue 14,
 * item 2): raw host MMIO for guests is what lockdown takes from /dev/mem.
 * Where VMX works (the Bochs SMP boot, last there) a domain maps an
 * allowed frame before the lockdown and is refused the next one after.
 *
 * Requires: root, the thinvmx module, the lockdown LSM, and a PCI memory
 * BAR the allow-list would take otherwise. It LOCKS THE KERNEL DOWN (for
 * good: lockdown cannot be lifted), so it runs last in its boots (make
 * nested-tcg-iommu, nested-bochs-smp), and never outside the nested VM.
 */
#include <sys/mount.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"

#define LOCKDOWN	"/sys/kernel/security/lockdown"

TEST(lockdown_refuses_the_allow_list)
{
	struct tvx_domain *d = NULL;
	struct tvx_handle *h = NULL;
	struct thinvmx_caps caps;
	__u64 start, size;
	char dev[300];
	__u32 sbdf;
	int bar, kmsg;

	if (strcmp(tvx_tier(), "tcg") && strcmp(tvx_tier(), "bochs"))
		SKIP(return, "locks the kernel down: nested VM only");
	if (access("/dev/thinvmx", F_OK))
		SKIP(return, "module not loaded");
	if (access(LOCKDOWN, F_OK))
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	if (access(LOCKDOWN, F_OK))
		SKIP(return, "no lockdown LSM");
	if (!tvx_pci_mem_bar(dev, sizeof(dev), &sbdf, &bar, &start, &size))
		SKIP(return, "no PCI device with a memory BAR of two pages");

	/* allowed before, so that the refusal is lockdown's */
	ASSERT_EQ(0, tvx_mmio_allow(true, start >> 12, start >> 12));
	ASSERT_EQ(0, tvx_mmio_allow(false, start >> 12, start >> 12));
	/* a domain maps a frame of the BAR while it may */
	ASSERT_EQ(0, tvx_open(&h));
	ASSERT_EQ(0, tvx_get_caps(h, &caps));
	if (caps.vmx_status == THINVMX_VMX_OK) {
		ASSERT_EQ(0, tvx_domain_create_simple(h, 1 << 20, &d));
		ASSERT_EQ(0, tvx_mmio_allow(true, start >> 12, (start >> 12) + 1));
		ASSERT_EQ(0, tvx_map_mmio(d, 0x10000, start >> 12, 1));
	}
	ASSERT_EQ(0, tvx_write_file(LOCKDOWN, "integrity"));
	kmsg = tvx_kmsg_open();
	ASSERT_LE(0, kmsg);
	EXPECT_EQ(-EPERM, tvx_mmio_allow(true, start >> 12, start >> 12));
	EXPECT_TRUE(tvx_kmsg_find(kmsg, "refused: kernel lockdown"));
	close(kmsg);
	if (d) {
		kmsg = tvx_kmsg_open();
		ASSERT_LE(0, kmsg);
		EXPECT_EQ(-EPERM, tvx_map_mmio(d, 0x10001, (start >> 12) + 1, 1));
		EXPECT_TRUE(tvx_kmsg_find(kmsg, "refused: kernel lockdown"));
		close(kmsg);
		tvx_domain_destroy(d);
	} else {
		TH_LOG("no VMX: MAP_MMIO under lockdown not tried here");
	}
	tvx_close(h);
}

TEST_HARNESS_MAIN
