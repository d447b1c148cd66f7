// SPDX-License-Identifier: GPL-2.0
/*
 * THINVMX_OPEN_DOMAIN: another fd of a live domain, as an introspection
 * daemon or a debugger in another process gets it. The opened fd reaches
 * the same guest memory, keeps the domain alive after its creator closed
 * it, creates vCPUs and attaches the listener; a missing domain is
 * -ENOENT, flags and reserved bits -EINVAL; a caller that is neither the
 * creator's uid nor CAP_SYS_ADMIN gets -EPERM, the creator's uid without
 * the capability gets the domain.
 *
 * Requires: root, the thinvmx module, usable VMX; the permission tests
 * also need uid 65534 to be settable (setuid), which root always can.
 * SKIPs otherwise.
 */
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"

#define NOBODY		65534
#define MEM		(4ULL << 20)

FIXTURE(open) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	__u32 id;
};

FIXTURE_SETUP(open)
{
	struct thinvmx_domain_info info;
	const char *why;
	int err;

	self->d = NULL;
	why = tvx_test_open(&self->h, false, &err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, MEM, &self->d));
	ASSERT_EQ(0, tvx_domain_info(self->d, &info));
	self->id = info.id;
}

FIXTURE_TEARDOWN(open)
{
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

static int open_raw(int dev_fd, __u32 id, __u32 flags, __u64 reserved)
{
	struct thinvmx_open_domain od = {
		.id = id, .flags = flags, .reserved = { reserved, 0 },
	};
	int fd = ioctl(dev_fd, THINVMX_OPEN_DOMAIN, &od);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

TEST_F(open, same_memory_and_outlives_its_creator)
{
	struct thinvmx_domain_info info;
	struct tvx_monitor *m = NULL;
	struct tvx_vcpu *v = NULL;
	struct tvx_domain *o = NULL;
	__u64 val = 0x5eed0fd0a1a5ULL, got = 0;

	ASSERT_EQ(0, tvx_write_guest(self->d, 0x3000, &val, sizeof(val)));
	ASSERT_EQ(0, tvx_domain_open(self->h, self->id, &o));
	EXPECT_NE(tvx_domain_fd(self->d), tvx_domain_fd(o));
	ASSERT_EQ(0, tvx_read_guest(o, 0x3000, &got, sizeof(got)));
	EXPECT_EQ(val, got);
	/* a write through the opener is seen by the creator */
	val = ~val;
	ASSERT_EQ(0, tvx_write_guest(o, MEM - 8, &val, sizeof(val)));
	ASSERT_EQ(0, tvx_read_guest(self->d, MEM - 8, &got, sizeof(got)));
	EXPECT_EQ(val, got);

	/* the creator goes; the opener's reference keeps the domain */
	tvx_domain_destroy(self->d);
	self->d = NULL;
	ASSERT_EQ(0, tvx_domain_info(o, &info));
	EXPECT_EQ(self->id, info.id);
	EXPECT_EQ(MEM / 4096, info.ram_pages);
	ASSERT_EQ(0, tvx_read_guest(o, MEM - 8, &got, sizeof(got)));
	EXPECT_EQ(val, got);
	/* p2m, vCPUs and the listener through the opened fd */
	EXPECT_EQ(0, tvx_set_mem_access(o, 1, 1, THINVMX_ACCESS_RX));
	ASSERT_EQ(0, tvx_vcpu_create(o, 0, &v));
	ASSERT_EQ(0, tvx_monitor_attach(o, 0, 0, &m));
	EXPECT_EQ(1, tvx_monitor_nr_vcpus(m));
	EXPECT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_CR3,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	tvx_monitor_detach(m);
	tvx_vcpu_destroy(v);
	/* still open by id while the opener holds it */
	EXPECT_EQ(0, open_raw(tvx_fd(self->h), self->id, 0, 0));
	tvx_domain_destroy(o);
	/* the last reference gone: the id names nothing */
	EXPECT_EQ(-ENOENT, open_raw(tvx_fd(self->h), self->id, 0, 0));
}

TEST_F(open, missing_domain_and_bad_arguments)
{
	struct tvx_domain *o = (void *)1;

	EXPECT_EQ(-ENOENT, tvx_domain_open(self->h, 0xffffffffU, &o));
	EXPECT_EQ((void *)1, o);
	EXPECT_EQ(-ENOENT, open_raw(tvx_fd(self->h), self->id + 1000, 0, 0));
	EXPECT_EQ(-EINVAL, open_raw(tvx_fd(self->h), self->id, 1, 0));
	EXPECT_EQ(-EINVAL, open_raw(tvx_fd(self->h), self->id, 0x80000000U, 0));
	EXPECT_EQ(-EINVAL, open_raw(tvx_fd(self->h), self->id, 0, 1));
	EXPECT_EQ(0, open_raw(tvx_fd(self->h), self->id, 0, 0));
	/* a domain command on /dev/thinvmx, and this one on a domain fd */
	EXPECT_EQ(-1, ioctl(tvx_fd(self->h), THINVMX_GET_DOMAIN_INFO, NULL));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(tvx_domain_fd(self->d), THINVMX_OPEN_DOMAIN, NULL));
	EXPECT_EQ(ENOTTY, errno);
}

/*
 * In a child that became uid 65534 (setuid from root drops every
 * capability) with /dev/thinvmx still open: the result of opening @id,
 * or, with @id ~0, of creating a domain and opening that one.
 */
static int open_as_nobody(int dev_fd, __u32 id)
{
	struct thinvmx_e820_entry ram = {
		.addr = 0, .size = 1 << 20, .type = THINVMX_E820_RAM,
	};
	struct thinvmx_create_domain cd = {
		.e820 = (__u64)(uintptr_t)&ram, .nr_e820 = 1, .mem_bytes = 1 << 20,
	};
	struct thinvmx_domain_info info;
	int pfd[2], status, ret, fd;
	pid_t pid;

	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (setgid(NOBODY) || setuid(NOBODY)) {
			ret = -errno;
		} else if (id != ~0U) {
			ret = open_raw(dev_fd, id, 0, 0);
		} else {
			fd = ioctl(dev_fd, THINVMX_CREATE_DOMAIN, &cd);
			if (fd < 0 || ioctl(fd, THINVMX_GET_DOMAIN_INFO, &info))
				ret = -1000 - errno;
			else
				ret = open_raw(dev_fd, info.id, 0, 0);
		}
		if (write(pfd[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &ret, sizeof(ret)) != sizeof(ret))
		ret = -EPIPE;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return ret;
}

TEST_F(open, someone_else_is_refused)
{
	/* root's domain, uid 65534 without CAP_SYS_ADMIN */
	EXPECT_EQ(-EPERM, open_as_nobody(tvx_fd(self->h), self->id));
	/* a missing domain is -ENOENT, whoever asks */
	EXPECT_EQ(-ENOENT, open_as_nobody(tvx_fd(self->h), 0xfffffffeU));
}

TEST_F(open, the_creators_uid_needs_no_capability)
{
	EXPECT_EQ(0, open_as_nobody(tvx_fd(self->h), ~0U));
}

TEST_HARNESS_MAIN
