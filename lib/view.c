// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: alternate p2m views of a domain (Xen's altp2m;
 * uapi/thinvmx_introspect.h, "views"). Thin wrappers over the view ioctls,
 * on the domain fd or an attached listener's fd: the module checks every
 * argument and the caller sees its errno.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libthinvmx.h"

static int tvx_fd_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int tvx_view_create_fd(int fd, __u16 *view)
{
	struct thinvmx_view a;
	int ret;

	memset(&a, 0, sizeof(a));
	ret = tvx_fd_ioctl(fd, THINVMX_VIEW_CREATE, &a);
	if (!ret)
		*view = a.view;
	return ret;
}

int tvx_view_destroy_fd(int fd, __u16 view)
{
	struct thinvmx_view a;

	memset(&a, 0, sizeof(a));
	a.view = view;
	return tvx_fd_ioctl(fd, THINVMX_VIEW_DESTROY, &a);
}

int tvx_view_set_access_fd(int fd, __u16 view, __u64 first_gfn, __u64 nr,
			   __u32 access)
{
	return tvx_view_set_access_ve_fd(fd, view, first_gfn, nr, access, 0);
}

int tvx_view_set_access_ve_fd(int fd, __u16 view, __u64 first_gfn, __u64 nr,
			      __u32 access, __u16 flags)
{
	struct thinvmx_view_access a;

	memset(&a, 0, sizeof(a));
	a.view = view;
	a.flags = flags;
	a.access = access;
	a.first_gfn = first_gfn;
	a.nr_frames = nr;
	return tvx_fd_ioctl(fd, THINVMX_VIEW_SET_ACCESS, &a);
}

int tvx_view_get_access_fd(int fd, __u16 view, __u64 gfn, __u32 *access,
			   __u64 *shown_gfn, __u32 *flags)
{
	struct thinvmx_view_query q;
	int ret;

	memset(&q, 0, sizeof(q));
	q.view = view;
	q.gfn = gfn;
	ret = tvx_fd_ioctl(fd, THINVMX_VIEW_GET_ACCESS, &q);
	if (ret)
		return ret;
	if (access)
		*access = q.access;
	if (shown_gfn)
		*shown_gfn = q.shown_gfn;
	if (flags)
		*flags = q.flags;
	return 0;
}

int tvx_view_change_gfn_fd(int fd, __u16 view, __u64 gfn, __u64 new_gfn)
{
	struct thinvmx_view_change_gfn c;

	memset(&c, 0, sizeof(c));
	c.view = view;
	c.gfn = gfn;
	c.new_gfn = new_gfn;
	return tvx_fd_ioctl(fd, THINVMX_VIEW_CHANGE_GFN, &c);
}

int tvx_view_switch_fd(int fd, __u16 view, __u32 vcpu, __u32 flags)
{
	struct thinvmx_view_switch s;

	memset(&s, 0, sizeof(s));
	s.view = view;
	s.vcpu = vcpu;
	s.flags = flags;
	return tvx_fd_ioctl(fd, THINVMX_VIEW_SWITCH, &s);
}

int tvx_view_create(struct tvx_domain *d, __u16 *view)
{
	return tvx_view_create_fd(tvx_domain_fd(d), view);
}

int tvx_view_destroy(struct tvx_domain *d, __u16 view)
{
	return tvx_view_destroy_fd(tvx_domain_fd(d), view);
}

int tvx_view_set_access(struct tvx_domain *d, __u16 view, __u64 first_gfn,
			__u64 nr, __u32 access)
{
	return tvx_view_set_access_fd(tvx_domain_fd(d), view, first_gfn, nr,
				      access);
}

int tvx_view_get_access(struct tvx_domain *d, __u16 view, __u64 gfn,
			__u32 *access, __u64 *shown_gfn, __u32 *flags)
{
	return tvx_view_get_access_fd(tvx_domain_fd(d), view, gfn, access,
				      shown_gfn, flags);
}

int tvx_view_change_gfn(struct tvx_domain *d, __u16 view, __u64 gfn,
			__u64 new_gfn)
{
	return tvx_view_change_gfn_fd(tvx_domain_fd(d), view, gfn, new_gfn);
}

int tvx_view_switch(struct tvx_domain *d, __u16 view, __u32 vcpu, __u32 flags)
{
	return tvx_view_switch_fd(tvx_domain_fd(d), view, vcpu, flags);
}

int tvx_view_vmfunc_fd(int fd, __u32 flags, __u32 views)
{
	struct thinvmx_view_vmfunc a;

	memset(&a, 0, sizeof(a));
	a.flags = flags;
	a.views = views;
	return tvx_fd_ioctl(fd, THINVMX_VIEW_VMFUNC, &a);
}

int tvx_view_vmfunc(struct tvx_domain *d, __u32 flags, __u32 views)
{
	return tvx_view_vmfunc_fd(tvx_domain_fd(d), flags, views);
}

int tvx_view_ve_fd(int fd, __u32 vcpu, __u32 flags, __u64 info_gfn)
{
	struct thinvmx_view_ve a;

	memset(&a, 0, sizeof(a));
	a.vcpu = vcpu;
	a.flags = flags;
	a.info_gfn = info_gfn;
	return tvx_fd_ioctl(fd, THINVMX_VIEW_VE, &a);
}

int tvx_view_ve(struct tvx_domain *d, __u32 vcpu, __u32 flags, __u64 info_gfn)
{
	return tvx_view_ve_fd(tvx_domain_fd(d), vcpu, flags, info_gfn);
}

int tvx_view_set_access_ve(struct tvx_domain *d, __u16 view, __u64 first_gfn,
			   __u64 nr, __u32 access, __u16 flags)
{
	return tvx_view_set_access_ve_fd(tvx_domain_fd(d), view, first_gfn, nr,
					 access, flags);
}
