// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: daemon-side control of a domain, what libxenctrl gives a
 * Xen introspection tool such as LibVMI -- pause and unpause, a paused
 * vCPU's registers, guest memory by guest-physical address (thin
 * wrappers over the ioctls 0x70-0x7a, uapi/thinvmx_introspect.h) and by
 * guest-virtual address through a vCPU's current page tables, walked here
 * by the module's own walk (kmod/vmx/gwalk.c) over THINVMX_READ_GUEST: a
 * daemon needs no mapping of guest RAM.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libthinvmx.h"
#include "../kmod/vmx/gwalk.h"

_Static_assert(TVX_GVA_NOT_PRESENT == GWALK_WHY_NOT_PRESENT &&
	       TVX_GVA_RESERVED == GWALK_WHY_RESERVED &&
	       TVX_GVA_RIGHTS == GWALK_WHY_RIGHTS &&
	       TVX_GVA_NONCANONICAL == GWALK_WHY_NONCANONICAL &&
	       TVX_GVA_TABLE_UNREADABLE == GWALK_WHY_READ,
	       "TVX_GVA_* are GWALK_WHY_*");

static int tvx_ctl_ioctl(struct tvx_domain *d, unsigned long cmd, void *arg)
{
	return ioctl(tvx_domain_fd(d), cmd, arg) < 0 ? -errno : 0;
}

int tvx_domain_pause(struct tvx_domain *d)
{
	return tvx_ctl_ioctl(d, THINVMX_PAUSE_DOMAIN, NULL);
}

int tvx_domain_unpause(struct tvx_domain *d)
{
	return tvx_ctl_ioctl(d, THINVMX_UNPAUSE_DOMAIN, NULL);
}

int tvx_domain_pause_info(struct tvx_domain *d, __u32 *holder, __u32 *total)
{
	struct thinvmx_pause_info info;
	int ret = tvx_ctl_ioctl(d, THINVMX_GET_PAUSE, &info);

	if (ret)
		return ret;
	if (holder)
		*holder = info.holder;
	if (total)
		*total = info.total;
	return 0;
}

int tvx_ctl_get_regs(struct tvx_domain *d, __u32 vcpu, struct thinvmx_regs *r)
{
	struct thinvmx_ctl_regs c = { .vcpu = vcpu };
	int ret = tvx_ctl_ioctl(d, THINVMX_CTL_GET_REGS, &c);

	if (!ret)
		*r = c.regs;
	return ret;
}

int tvx_ctl_set_regs(struct tvx_domain *d, __u32 vcpu,
		     const struct thinvmx_regs *r)
{
	struct thinvmx_ctl_regs c = { .vcpu = vcpu, .regs = *r };

	return tvx_ctl_ioctl(d, THINVMX_CTL_SET_REGS, &c);
}

int tvx_ctl_get_sregs(struct tvx_domain *d, __u32 vcpu, struct thinvmx_sregs *s)
{
	struct thinvmx_ctl_sregs c = { .vcpu = vcpu };
	int ret = tvx_ctl_ioctl(d, THINVMX_CTL_GET_SREGS, &c);

	if (!ret)
		*s = c.sregs;
	return ret;
}

int tvx_ctl_set_sregs(struct tvx_domain *d, __u32 vcpu,
		      const struct thinvmx_sregs *s)
{
	struct thinvmx_ctl_sregs c = { .vcpu = vcpu, .sregs = *s };

	return tvx_ctl_ioctl(d, THINVMX_CTL_SET_SREGS, &c);
}

static int tvx_ctl_msrs(struct tvx_domain *d, unsigned long cmd, __u32 vcpu,
			struct thinvmx_msr_entry *e, unsigned int nr)
{
	struct thinvmx_ctl_msrs c = { .vcpu = vcpu, .nr = nr };
	int ret;

	if (nr > THINVMX_CTL_MSRS_MAX)
		return -EINVAL;
	memcpy(c.entries, e, nr * sizeof(*e));
	ret = tvx_ctl_ioctl(d, cmd, &c);
	if (!ret && cmd == THINVMX_CTL_GET_MSRS)
		memcpy(e, c.entries, nr * sizeof(*e));
	return ret;
}

int tvx_ctl_get_msrs(struct tvx_domain *d, __u32 vcpu,
		     struct thinvmx_msr_entry *e, unsigned int nr)
{
	return tvx_ctl_msrs(d, THINVMX_CTL_GET_MSRS, vcpu, e, nr);
}

int tvx_ctl_set_msrs(struct tvx_domain *d, __u32 vcpu,
		     const struct thinvmx_msr_entry *e, unsigned int nr)
{
	return tvx_ctl_msrs(d, THINVMX_CTL_SET_MSRS, vcpu,
			    (struct thinvmx_msr_entry *)e, nr);
}

/* In pieces the module takes: THINVMX_GUEST_MEM_MAX at most. */
static int tvx_ctl_gpa(struct tvx_domain *d, unsigned long cmd, __u64 gpa,
		       void *buf, size_t len)
{
	struct thinvmx_guest_mem m = { 0 };
	int ret;

	if (!len)
		return 0;
	if (gpa + len - 1 < gpa)
		return -EINVAL;
	while (len) {
		m.gpa = gpa;
		m.buf = (__u64)(uintptr_t)buf;
		m.len = len < THINVMX_GUEST_MEM_MAX ? len : THINVMX_GUEST_MEM_MAX;
		ret = tvx_ctl_ioctl(d, cmd, &m);
		if (ret)
			return ret;
		gpa += m.len;
		buf = (char *)buf + m.len;
		len -= m.len;
	}
	return 0;
}

int tvx_ctl_read_gpa(struct tvx_domain *d, __u64 gpa, void *buf, size_t len)
{
	return tvx_ctl_gpa(d, THINVMX_READ_GUEST, gpa, buf, len);
}

int tvx_ctl_write_gpa(struct tvx_domain *d, __u64 gpa, const void *buf,
		      size_t len)
{
	return tvx_ctl_gpa(d, THINVMX_WRITE_GUEST, gpa, (void *)buf, len);
}

/* The guest's MAXPHYADDR from its CPUID table (leaf 0x80000008), or 0. */
static __u8 tvx_ctl_maxphyaddr(struct tvx_domain *d)
{
	struct thinvmx_cpuid_entry e[THINVMX_CPUID_MAX];
	struct thinvmx_cpuid c = { .entries = (__u64)(uintptr_t)e,
				   .nr = THINVMX_CPUID_MAX };
	unsigned int i;

	if (tvx_ctl_ioctl(d, THINVMX_GET_CPUID, &c))
		return 0;
	for (i = 0; i < c.nr && i < THINVMX_CPUID_MAX; i++)
		if (e[i].function == 0x80000008)
			return e[i].eax & 0xff;
	return 0;
}

int tvx_ctl_paging(struct tvx_domain *d, __u32 vcpu, struct tvx_paging *pg)
{
	struct thinvmx_sregs s;
	__u8 m;
	int ret;

	ret = tvx_ctl_get_sregs(d, vcpu, &s);
	if (ret)
		return ret;
	m = tvx_ctl_maxphyaddr(d);
	memset(pg, 0, sizeof(*pg));
	pg->cr0 = s.cr0;
	pg->cr3 = s.cr3;
	pg->cr4 = s.cr4;
	pg->efer = s.efer;
	pg->maxphyaddr = m >= 32 && m <= 52 ? m : 0;
	return 0;
}

static int tvx_ctl_walk_read(void *ctx, __u64 gpa, void *buf, unsigned int len)
{
	return tvx_ctl_read_gpa(ctx, gpa, buf, len);
}

int tvx_gva_translate(struct tvx_domain *d, const struct tvx_paging *pg,
		      __u64 gva, __u64 *gpa, __u64 *page_size,
		      struct tvx_gva_error *err)
{
	struct gwalk_regs r = {
		.cr0 = pg->cr0,
		.cr3 = pg->cr3,
		.cr4 = pg->cr4,
		.efer = pg->efer,
		.maxphyaddr = pg->maxphyaddr ? pg->maxphyaddr : 52,
	};
	struct gwalk_result res;
	int ret;

	memset(&res, 0, sizeof(res));
	/* a supervisor read: the daemon looks, with no rights of its own */
	ret = gwalk_translate(&r, gva, 0, tvx_ctl_walk_read, d, &res);
	if (err) {
		err->why = res.why;
		err->level = res.level;
		err->pf_error = ret == -EFAULT ? res.pf_error : 0;
		err->entry = res.entry;
		err->gva = gva;
	}
	if (ret)
		return ret;
	*gpa = res.gpa;
	if (page_size)
		*page_size = res.page_size;
	return 0;
}

/* Page by guest page: each piece is translated, then copied. */
static int tvx_ctl_gva(struct tvx_domain *d, __u32 vcpu, __u64 gva, void *buf,
		       size_t len, bool write, struct tvx_gva_error *err)
{
	struct tvx_paging pg;
	__u64 gpa, size, n;
	int ret;

	if (err)
		memset(err, 0, sizeof(*err));
	ret = tvx_ctl_paging(d, vcpu, &pg);
	if (ret)
		return ret;
	while (len) {
		ret = tvx_gva_translate(d, &pg, gva, &gpa, &size, err);
		if (ret)
			return ret;
		n = size - (gpa & (size - 1));
		if (n > len)
			n = len;
		ret = write ? tvx_ctl_write_gpa(d, gpa, buf, n) :
			      tvx_ctl_read_gpa(d, gpa, buf, n);
		if (ret)
			return ret;
		gva += n;
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}

int tvx_ctl_read_gva(struct tvx_domain *d, __u32 vcpu, __u64 gva, void *buf,
		     size_t len, struct tvx_gva_error *err)
{
	return tvx_ctl_gva(d, vcpu, gva, buf, len, false, err);
}

int tvx_ctl_write_gva(struct tvx_domain *d, __u32 vcpu, __u64 gva,
		      const void *buf, size_t len, struct tvx_gva_error *err)
{
	return tvx_ctl_gva(d, vcpu, gva, (void *)buf, len, true, err);
}

const char *tvx_gva_why_str(__u32 why)
{
	switch (why) {
	case TVX_GVA_OK:
		return "translated";
	case TVX_GVA_NOT_PRESENT:
		return "not present";
	case TVX_GVA_RESERVED:
		return "reserved bit set";
	case TVX_GVA_RIGHTS:
		return "access rights";
	case TVX_GVA_NONCANONICAL:
		return "non-canonical address";
	case TVX_GVA_TABLE_UNREADABLE:
		return "page table not in guest RAM";
	default:
		return "unknown";
	}
}

int tvx_gva_error_describe(const struct tvx_gva_error *err, char *buf,
			   size_t len)
{
	static const char *const names[] = {
		"", "PT", "PD", "PDPT", "PML4", "PML5",
	};
	const char *lvl = err->level < 6 ? names[err->level] : "?";

	if (err->level)
		return snprintf(buf, len, "%#llx: %s at level %u (%s), entry %#llx",
				(unsigned long long)err->gva,
				tvx_gva_why_str(err->why), err->level, lvl,
				(unsigned long long)err->entry);
	return snprintf(buf, len, "%#llx: %s", (unsigned long long)err->gva,
			tvx_gva_why_str(err->why));
}
