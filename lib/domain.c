// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: domains and vCPUs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "libthinvmx.h"

struct tvx_mapping {
	__u64 gpa;
	__u64 size;
	void *host;
};

struct tvx_domain {
	int fd;
	struct thinvmx_memmap map;
	struct thinvmx_e820_entry e820[THINVMX_MEMMAP_MAX];
	struct tvx_mapping maps[THINVMX_MEMMAP_MAX];
	unsigned int nr_maps;
};

struct tvx_vcpu {
	int fd;
	struct thinvmx_run *run;
};

/* Map every RAM entry of the domain's final memory map. */
static int tvx_domain_map(struct tvx_domain *d)
{
	unsigned int i;
	int ret;

	ret = tvx_domain_memmap(d, &d->map, d->e820, THINVMX_MEMMAP_MAX);
	if (ret < 0)
		return ret;
	for (i = 0; i < d->map.nr_entries; i++) {
		struct tvx_mapping *m = &d->maps[d->nr_maps];
		void *p;

		if (d->e820[i].type != THINVMX_E820_RAM)
			continue;
		p = mmap(NULL, d->e820[i].size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, d->fd, d->e820[i].addr);
		if (p == MAP_FAILED)
			return -errno;
		m->gpa = d->e820[i].addr;
		m->size = d->e820[i].size;
		m->host = p;
		d->nr_maps++;
	}
	return 0;
}

/* A struct tvx_domain around a domain fd the ioctl @cmd returns. */
static int tvx_domain_get(struct tvx_handle *h, unsigned long cmd, void *arg,
			  struct tvx_domain **out)
{
	struct tvx_domain *d;
	int ret;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fd = ioctl(tvx_fd(h), cmd, arg);
	if (d->fd < 0) {
		ret = -errno;
		free(d);
		return ret;
	}
	ret = tvx_domain_map(d);
	if (ret) {
		tvx_domain_destroy(d);
		return ret;
	}
	*out = d;
	return 0;
}

int tvx_domain_create(struct tvx_handle *h, const struct thinvmx_e820_entry *e820,
		      unsigned int nr, __u64 mem_bytes, __u32 flags,
		      struct tvx_domain **out)
{
	struct thinvmx_create_domain cd = {
		.e820 = (__u64)(uintptr_t)e820,
		.nr_e820 = nr,
		.flags = flags,
		.mem_bytes = mem_bytes,
	};

	return tvx_domain_get(h, THINVMX_CREATE_DOMAIN, &cd, out);
}

int tvx_domain_open(struct tvx_handle *h, __u32 id, struct tvx_domain **out)
{
	struct thinvmx_open_domain od = { .id = id };

	return tvx_domain_get(h, THINVMX_OPEN_DOMAIN, &od, out);
}

int tvx_domain_create_simple(struct tvx_handle *h, __u64 mem_bytes,
			     struct tvx_domain **out)
{
	struct thinvmx_e820_entry ram = {
		.addr = 0, .size = mem_bytes, .type = THINVMX_E820_RAM,
	};

	return tvx_domain_create(h, &ram, 1, mem_bytes, 0, out);
}

void tvx_domain_destroy(struct tvx_domain *d)
{
	unsigned int i;

	if (!d)
		return;
	for (i = 0; i < d->nr_maps; i++)
		munmap(d->maps[i].host, d->maps[i].size);
	close(d->fd);
	free(d);
}

int tvx_domain_fd(const struct tvx_domain *d)
{
	return d->fd;
}

void *tvx_gpa(const struct tvx_domain *d, __u64 gpa)
{
	unsigned int i;

	for (i = 0; i < d->nr_maps; i++)
		if (gpa >= d->maps[i].gpa && gpa - d->maps[i].gpa < d->maps[i].size)
			return (char *)d->maps[i].host + (gpa - d->maps[i].gpa);
	return NULL;
}

int tvx_domain_memmap(struct tvx_domain *d, struct thinvmx_memmap *m,
		      struct thinvmx_e820_entry *entries, unsigned int max)
{
	memset(m, 0, sizeof(*m));
	m->entries = (__u64)(uintptr_t)entries;
	m->max_entries = max;
	if (ioctl(d->fd, THINVMX_GET_MEMMAP, m) < 0)
		return -errno;
	return 0;
}

int tvx_vcpu_create(struct tvx_domain *d, unsigned int id, struct tvx_vcpu **out)
{
	return tvx_vcpu_create_flags(d, id, 0, out);
}

int tvx_vcpu_create_flags(struct tvx_domain *d, unsigned int id, __u32 flags,
			  struct tvx_vcpu **out)
{
	struct thinvmx_create_vcpu cv = { .id = id, .flags = flags };
	struct tvx_vcpu *v;
	int ret;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->fd = ioctl(d->fd, THINVMX_CREATE_VCPU, &cv);
	if (v->fd < 0) {
		ret = -errno;
		free(v);
		return ret;
	}
	v->run = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		ret = -errno;
		close(v->fd);
		free(v);
		return ret;
	}
	*out = v;
	return 0;
}

void tvx_vcpu_destroy(struct tvx_vcpu *v)
{
	if (!v)
		return;
	munmap(v->run, sysconf(_SC_PAGESIZE));
	close(v->fd);
	free(v);
}

int tvx_vcpu_fd(const struct tvx_vcpu *v)
{
	return v->fd;
}

struct thinvmx_run *tvx_vcpu_run_page(const struct tvx_vcpu *v)
{
	return v->run;
}

int tvx_vcpu_run(struct tvx_vcpu *v)
{
	return ioctl(v->fd, THINVMX_RUN, 0) < 0 ? -errno : 0;
}

int tvx_get_regs(struct tvx_vcpu *v, struct thinvmx_regs *r)
{
	return ioctl(v->fd, THINVMX_GET_REGS, r) < 0 ? -errno : 0;
}

int tvx_set_regs(struct tvx_vcpu *v, const struct thinvmx_regs *r)
{
	return ioctl(v->fd, THINVMX_SET_REGS, r) < 0 ? -errno : 0;
}

int tvx_get_sregs(struct tvx_vcpu *v, struct thinvmx_sregs *s)
{
	return ioctl(v->fd, THINVMX_GET_SREGS, s) < 0 ? -errno : 0;
}

int tvx_set_sregs(struct tvx_vcpu *v, const struct thinvmx_sregs *s)
{
	return ioctl(v->fd, THINVMX_SET_SREGS, s) < 0 ? -errno : 0;
}

int tvx_signal_msi(struct tvx_domain *d, __u64 address, __u32 data)
{
	struct thinvmx_msi m = { .address = address, .data = data };
	int ret = ioctl(d->fd, THINVMX_SIGNAL_MSI, &m);

	return ret < 0 ? -errno : ret;
}
