// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: device handle and capabilities.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "libthinvmx.h"
#include "../kmod/vmx/caps.h"

struct tvx_handle {
	int fd;
};

int tvx_open(struct tvx_handle **out)
{
	struct tvx_handle *h;
	int ret;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = open(THINVMX_DEVICE, O_RDWR | O_CLOEXEC);
	if (h->fd < 0) {
		ret = -errno;
		free(h);
		return ret;
	}
	*out = h;
	return 0;
}

int tvx_handle_fd(const struct tvx_handle *h)
{
	return h->fd;
}

void tvx_close(struct tvx_handle *h)
{
	if (!h)
		return;
	close(h->fd);
	free(h);
}

int tvx_fd(const struct tvx_handle *h)
{
	return h->fd;
}

int tvx_get_caps(struct tvx_handle *h, struct thinvmx_caps *caps)
{
	if (ioctl(h->fd, THINVMX_GET_CAPABILITIES, caps) < 0)
		return -errno;
	return 0;
}

int tvx_host_enable(struct tvx_handle *h)
{
	if (ioctl(h->fd, THINVMX_HOST_ENABLE) < 0)
		return -errno;
	return 0;
}

int tvx_host_disable(struct tvx_handle *h)
{
	if (ioctl(h->fd, THINVMX_HOST_DISABLE) < 0)
		return -errno;
	return 0;
}

int tvx_host_status(struct tvx_handle *h, struct thinvmx_host_status *st)
{
	if (ioctl(h->fd, THINVMX_HOST_STATUS, st) < 0)
		return -errno;
	return 0;
}

const char *tvx_vmx_status_str(__u32 status)
{
	return vmx_status_name(status);
}

const char *tvx_ctl_str(__u32 ctl)
{
	return vmx_ctl_name(ctl);
}

static const char *const tvx_feature_names[64] = {
	[0] = "ept", [1] = "ept-2m", [2] = "ept-1g", [3] = "ept-ad",
	[4] = "ept-exec-only", [5] = "vpid", [6] = "unrestricted-guest",
	[7] = "mtf", [8] = "virtual-nmi", [9] = "true-ctls", [10] = "pml",
	[11] = "rdtscp", [12] = "invpcid", [13] = "xsaves", [14] = "pat",
	[15] = "hlt-activity", [16] = "invept-single", [17] = "invvpid-single",
	[18] = "notify",
};

const char *tvx_feature_name(unsigned int bit)
{
	if (bit >= 64)
		return NULL;
	return tvx_feature_names[bit];
}
