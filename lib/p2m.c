// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: p2m types, access rights, dirty logging and direct MMIO of a
 * domain (DESIGN.md, "p2m types and access rights"). Thin wrappers over the
 * domain ioctls: the module checks every argument, so nothing is checked
 * twice here and the caller sees the module's errno.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libthinvmx.h"

static int tvx_domain_ioctl(struct tvx_domain *d, unsigned long cmd, void *arg)
{
	return ioctl(tvx_domain_fd(d), cmd, arg) < 0 ? -errno : 0;
}

static int tvx_mem_range(struct tvx_domain *d, unsigned long cmd,
			 __u64 first_gfn, __u64 nr, __u32 value)
{
	struct thinvmx_mem_range r = {
		.first_gfn = first_gfn,
		.nr_frames = nr,
		.value = value,
	};

	return tvx_domain_ioctl(d, cmd, &r);
}

int tvx_set_mem_type(struct tvx_domain *d, __u64 first_gfn, __u64 nr, __u32 type)
{
	return tvx_mem_range(d, THINVMX_SET_MEM_TYPE, first_gfn, nr, type);
}

int tvx_set_mem_access(struct tvx_domain *d, __u64 first_gfn, __u64 nr,
		       __u32 access)
{
	return tvx_mem_range(d, THINVMX_SET_MEM_ACCESS, first_gfn, nr, access);
}

int tvx_get_mem_access(struct tvx_domain *d, __u64 gfn, __u32 *type,
		       __u32 *access)
{
	struct thinvmx_mem_query q = { .gfn = gfn };
	int ret;

	ret = tvx_domain_ioctl(d, THINVMX_GET_MEM_ACCESS, &q);
	if (ret)
		return ret;
	if (type)
		*type = q.type;
	if (access)
		*access = q.access;
	return 0;
}

int tvx_change_type_global(struct tvx_domain *d, __u32 from, __u32 to)
{
	struct thinvmx_type_change c = { .from = from, .to = to };

	return tvx_domain_ioctl(d, THINVMX_CHANGE_TYPE_GLOBAL, &c);
}

static int tvx_dirty_log(struct tvx_domain *d, __u32 op, __u64 first_gfn,
			 __u64 nr, __u64 *bitmap)
{
	struct thinvmx_dirty_log l = {
		.op = op,
		.first_gfn = first_gfn,
		.nr_frames = nr,
		.bitmap = (__u64)(uintptr_t)bitmap,
	};

	return tvx_domain_ioctl(d, THINVMX_DIRTY_LOG, &l);
}

int tvx_dirty_log_start(struct tvx_domain *d)
{
	return tvx_dirty_log(d, THINVMX_DIRTY_LOG_START, 0, 0, NULL);
}

int tvx_dirty_log_stop(struct tvx_domain *d)
{
	return tvx_dirty_log(d, THINVMX_DIRTY_LOG_STOP, 0, 0, NULL);
}

int tvx_dirty_log_get(struct tvx_domain *d, __u64 first_gfn, __u64 nr,
		      __u64 *bitmap)
{
	return tvx_dirty_log(d, THINVMX_DIRTY_LOG_GET, first_gfn, nr, bitmap);
}

int tvx_map_mmio(struct tvx_domain *d, __u64 gfn, __u64 mfn, __u64 nr)
{
	struct thinvmx_map_mmio m = { .gfn = gfn, .mfn = mfn, .nr_frames = nr };

	return tvx_domain_ioctl(d, THINVMX_MAP_MMIO, &m);
}

int tvx_domain_info(struct tvx_domain *d, struct thinvmx_domain_info *info)
{
	memset(info, 0, sizeof(*info));
	return tvx_domain_ioctl(d, THINVMX_GET_DOMAIN_INFO, info);
}

static const char *const tvx_p2m_type_names[] = {
	[THINVMX_P2M_INVALID] = "invalid",
	[THINVMX_P2M_RAM_RW] = "ram_rw",
	[THINVMX_P2M_RAM_RO] = "ram_ro",
	[THINVMX_P2M_RAM_LOGDIRTY] = "ram_logdirty",
	[THINVMX_P2M_MMIO_DIRECT] = "mmio_direct",
	[THINVMX_P2M_MMIO_DM] = "mmio_dm",
};

_Static_assert(ARRAY_SIZE(tvx_p2m_type_names) == THINVMX_P2M_NR_TYPES,
	       "a name for every p2m type");

const char *tvx_p2m_type_str(__u32 type)
{
	return type < ARRAY_SIZE(tvx_p2m_type_names) ? tvx_p2m_type_names[type] : NULL;
}

static const char *const tvx_access_names[] = {
	[THINVMX_ACCESS_N] = "n",
	[THINVMX_ACCESS_R] = "r",
	[THINVMX_ACCESS_W] = "w",
	[THINVMX_ACCESS_RW] = "rw",
	[THINVMX_ACCESS_X] = "x",
	[THINVMX_ACCESS_RX] = "rx",
	[THINVMX_ACCESS_WX] = "wx",
	[THINVMX_ACCESS_RWX] = "rwx",
	[THINVMX_ACCESS_RX2RW] = "rx2rw",
	[THINVMX_ACCESS_N2RWX] = "n2rwx",
};

_Static_assert(ARRAY_SIZE(tvx_access_names) == THINVMX_NR_ACCESS,
	       "a name for every access right");

const char *tvx_access_str(__u32 access)
{
	return access < ARRAY_SIZE(tvx_access_names) ? tvx_access_names[access] : NULL;
}
