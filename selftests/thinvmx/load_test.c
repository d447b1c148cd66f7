// SPDX-License-Identifier: GPL-2.0
/*
 * The module loads and unloads cleanly, again and again, and cannot be
 * unloaded while /dev/thinvmx is open.
 *
 * Requires: root, the module file at /thinvmx.ko (the nested VM puts it
 * there) and the module loaded when the test starts. Leaves it loaded.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "thinvmx.h"

static int tvx_insmod(void)
{
	return tvx_load_module(TVX_MODULE_PATH);
}

static int tvx_rmmod(void)
{
	return syscall(SYS_delete_module, "thinvmx", O_NONBLOCK) ? -errno : 0;
}

static bool module_loaded(void)
{
	return access("/sys/module/thinvmx", F_OK) == 0;
}

FIXTURE(mod) {
	int unused;
};

FIXTURE_SETUP(mod)
{
	if (access(TVX_MODULE_PATH, R_OK))
		TVX_SETUP_SKIP("no %s", TVX_MODULE_PATH);
	if (!module_loaded())
		ASSERT_EQ(0, tvx_insmod());
}

FIXTURE_TEARDOWN(mod)
{
	if (!module_loaded())
		EXPECT_EQ(0, tvx_insmod());
}

TEST_F(mod, reload_cycles)
{
	struct thinvmx_caps caps;
	int i, fd;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, tvx_rmmod()) TH_LOG("cycle %d", i);
		ASSERT_FALSE(module_loaded());
		ASSERT_NE(0, access(THINVMX_DEVICE, F_OK));
		ASSERT_EQ(0, tvx_insmod()) TH_LOG("cycle %d", i);
		fd = open(THINVMX_DEVICE, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("cycle %d: %s", i, strerror(errno));
		ASSERT_EQ(0, ioctl(fd, THINVMX_GET_CAPABILITIES, &caps));
		close(fd);
	}
}

TEST_F(mod, open_fd_pins_module)
{
	int fd = open(THINVMX_DEVICE, O_RDWR | O_CLOEXEC);
	int ret;

	ASSERT_LE(0, fd);
	ret = tvx_rmmod();
	EXPECT_TRUE(ret == -EBUSY || ret == -EAGAIN) TH_LOG("rmmod: %d", ret);
	EXPECT_TRUE(module_loaded());
	close(fd);
	EXPECT_EQ(0, tvx_rmmod());
	EXPECT_EQ(0, tvx_insmod());
}

TEST_F(mod, double_load_is_eexist)
{
	EXPECT_EQ(-EEXIST, tvx_insmod());
	EXPECT_TRUE(module_loaded());
}

TEST_HARNESS_MAIN
