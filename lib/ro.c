// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: the read-only MMIO set and device assignment.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libthinvmx.h"

static int tvx_ro_range(struct tvx_handle *h, unsigned long cmd, __u64 first,
			__u64 last)
{
	struct thinvmx_ro_range r = { .first_mfn = first, .last_mfn = last };

	return ioctl(tvx_fd(h), cmd, &r) < 0 ? -errno : 0;
}

int tvx_ro_add(struct tvx_handle *h, __u64 first_mfn, __u64 last_mfn)
{
	return tvx_ro_range(h, THINVMX_RO_ADD, first_mfn, last_mfn);
}

int tvx_ro_remove(struct tvx_handle *h, __u64 first_mfn, __u64 last_mfn)
{
	return tvx_ro_range(h, THINVMX_RO_REMOVE, first_mfn, last_mfn);
}

int tvx_ro_list(struct tvx_handle *h, struct thinvmx_ro_entry *entries,
		unsigned int max, unsigned int *nr)
{
	struct thinvmx_ro_list l = {
		.entries = (__u64)(uintptr_t)entries, .max = max,
	};

	if (ioctl(tvx_fd(h), THINVMX_RO_LIST, &l) < 0)
		return -errno;
	*nr = l.nr;
	return 0;
}

int tvx_pci_msix_info(struct tvx_handle *h, __u32 sbdf,
		      struct thinvmx_msix_info *info)
{
	memset(info, 0, sizeof(*info));
	info->sbdf = sbdf;
	return ioctl(tvx_fd(h), THINVMX_PCI_MSIX_INFO, info) < 0 ? -errno : 0;
}

int tvx_assign_device_bar(struct tvx_domain *d, __u32 sbdf, __u32 bar,
			  __u64 gfn)
{
	struct thinvmx_device_bar b = { .sbdf = sbdf, .bar = bar, .gfn = gfn };

	return ioctl(tvx_domain_fd(d), THINVMX_ASSIGN_DEVICE_BAR, &b) < 0 ?
	       -errno : 0;
}

int tvx_assign_device(struct tvx_domain *d, __u32 sbdf)
{
	struct thinvmx_assign_device a = { .sbdf = sbdf };

	return ioctl(tvx_domain_fd(d), THINVMX_ASSIGN_DEVICE, &a) < 0 ?
	       -errno : 0;
}

int tvx_deassign_device(struct tvx_domain *d, __u32 sbdf)
{
	struct thinvmx_assign_device a = { .sbdf = sbdf };

	return ioctl(tvx_domain_fd(d), THINVMX_DEASSIGN_DEVICE, &a) < 0 ?
	       -errno : 0;
}

int tvx_iommu_probe(struct tvx_handle *h, __u32 sbdf, void *addr,
		    __u32 nr_pages, __u64 gpa, __u64 *hpa, __u64 *hpa_before,
		    __u64 *hpa_after)
{
	struct thinvmx_iommu_probe p = {
		.sbdf = sbdf, .nr_pages = nr_pages,
		.addr = (__u64)(uintptr_t)addr, .gpa = gpa,
		.hpa = (__u64)(uintptr_t)hpa,
	};

	if (ioctl(tvx_fd(h), THINVMX_IOMMU_PROBE, &p) < 0)
		return -errno;
	if (hpa_before)
		*hpa_before = p.hpa_before;
	if (hpa_after)
		*hpa_after = p.hpa_after;
	return 0;
}

const char *tvx_ro_kind_str(__u32 kind)
{
	switch (kind) {
	case THINVMX_RO_ADMIN:
		return "admin";
	case THINVMX_RO_MSIX_TABLE:
		return "msix-table";
	case THINVMX_RO_MSIX_PBA:
		return "msix-pba";
	default:
		return NULL;
	}
}
