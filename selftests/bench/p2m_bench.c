// SPDX-License-Identifier: GPL-2.0
/*
 * p2m_bench: what the p2m costs.
 *   - populating a guest of SIZE MiB (CREATE_DOMAIN) and the EPT table
 *     pages it takes per GiB;
 *   - SET_MEM_ACCESS over 1, 512 and 262,144 frames (the last needs a
 *     1 GiB guest), first taking permissions away (with the INVEPT on
 *     every CPU) and then giving them back;
 *   - a GiB of host device memory mapped with MAP_MMIO: the EPT table
 *     pages and 1 GiB leaves it takes, and the first SET_MEM_ACCESS of
 *     one frame in it (which splits the 1 GiB leaf down to 4 KiB) against
 *     a second one beside it (no split). Needs a 1 GiB-aligned GiB of
 *     "Persistent Memory (legacy)" in /proc/iomem (memmap=1G!1G);
 *     skipped, with a line saying so, without one.
 * Times are TSC cycles read around each ioctl; in Bochs they count
 * emulated instructions (NESTED.md). Run in the nested VM (make bench).
 *
 * usage: p2m_bench [-m SIZE_MIB]     (default 1024; 4 KiB pages fill in
 *                                     when 2 MiB ones run out)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libthinvmx.h"

#define KSFT_SKIP	4

static int timed_access(struct tvx_domain *d, __u64 first, __u64 nr,
			__u32 access, unsigned long long *cycles)
{
	unsigned long long t0 = __rdtsc();
	int ret = tvx_set_mem_access(d, first, nr, access);

	*cycles = __rdtsc() - t0;
	return ret;
}

/*
 * The first 1 GiB-aligned GiB inside a "Persistent Memory (legacy)"
 * resource of /proc/iomem, as a host frame; 0 if there is none (as
 * p2m_1g_test.c finds it).
 */
static __u64 legacy_pmem_gib(void)
{
	static const char name[] = "Persistent Memory (legacy)";
	static char buf[1 << 16];
	char *line = buf;
	ssize_t n, len = 0;
	int fd = open("/proc/iomem", O_RDONLY);

	if (fd < 0)
		return 0;
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	while (line && *line) {
		char *end = strchr(line, '\n');
		unsigned long long s, e, a;
		int k = 0;

		if (sscanf(line, "%llx-%llx : %n", &s, &e, &k) == 2 && k &&
		    !strncmp(line + k, name, strlen(name))) {
			a = (s + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
			if (a && e >= a + (1ULL << 30) - 1)
				return a >> 12;
		}
		line = end ? end + 1 : NULL;
	}
	return 0;
}

/* EPT cost of a GiB of MMIO in 1 GiB leaves, and of splitting one. */
static int bench_mmio_gib(struct tvx_handle *h)
{
	const __u64 gfn = 0x40000, mid = gfn + 0x20105;	/* 1 GiB, a frame in it */
	struct thinvmx_domain_info a, b, c;
	unsigned long long t0, map, split, beside, whole;
	struct tvx_domain *d;
	struct tvx_nl *nl = NULL;
	__u64 mfn = legacy_pmem_gib();
	int ret;

	if (!mfn) {
		printf("# 1 GiB MMIO: no 1 GiB-aligned GiB of legacy persistent memory (memmap=1G!1G): skipped\n");
		return 0;
	}
	/* MAP_MMIO maps only what the administrator allowed */
	ret = tvx_nl_open(&nl);
	ret = ret ?: tvx_nl_mmio_allow_add(nl, mfn, mfn + 0x40000 - 1);
	if (ret) {
		if (nl)
			tvx_nl_close(nl);
		return ret;
	}
	ret = tvx_domain_create_simple(h, 64ULL << 20, &d);
	if (ret)
		goto out_allow;
	ret = tvx_domain_info(d, &a);
	t0 = __rdtsc();
	ret = ret ?: tvx_map_mmio(d, gfn, mfn, 0x40000);
	map = __rdtsc() - t0;
	ret = ret ?: tvx_domain_info(d, &b);
	ret = ret ?: timed_access(d, mid, 1, THINVMX_ACCESS_R, &split);
	ret = ret ?: tvx_domain_info(d, &c);
	ret = ret ?: timed_access(d, mid + 1, 1, THINVMX_ACCESS_R, &beside);
	ret = ret ?: timed_access(d, gfn, 0x40000, THINVMX_ACCESS_RWX, &whole);
	tvx_domain_destroy(d);
out_allow:
	tvx_nl_mmio_allow_remove(nl, mfn, mfn + 0x40000 - 1);
	tvx_nl_close(nl);
	if (ret)
		return ret;
	printf("# 1 GiB MMIO at host %#llx: MAP_MMIO %llu cycles; EPT table pages +%llu, 1G leaves +%llu (4 KiB leaves would need 513 tables, 2 MiB ones 1)\n",
	       (unsigned long long)mfn << 12, map,
	       (unsigned long long)(b.ept_table_pages - a.ept_table_pages),
	       (unsigned long long)(b.ept_leaves_1g - a.ept_leaves_1g));
	printf("set-access 1 frame in a 1G leaf: rwx->r %10llu cycles (splits 1G->2M->4K: +%llu tables, leaves 1G %lld 2M %+lld 4K %+lld)\n",
	       split, (unsigned long long)(c.ept_table_pages - b.ept_table_pages),
	       (long long)(c.ept_leaves_1g - b.ept_leaves_1g),
	       (long long)(c.ept_leaves_2m - b.ept_leaves_2m),
	       (long long)(c.ept_leaves_4k - b.ept_leaves_4k));
	printf("set-access 1 frame beside it:   rwx->r %10llu cycles (no split)\n", beside);
	printf("set-access the split GiB:       r->rwx %10llu cycles (%.1f/frame)\n",
	       whole, (double)whole / 0x40000);
	return 0;
}

int main(int argc, char **argv)
{
	static const __u64 counts[] = { 1, 512, 262144 };
	struct thinvmx_domain_info info;
	struct thinvmx_caps caps;
	unsigned long long t0, create, shrink, grow;
	struct tvx_handle *h;
	struct tvx_domain *d;
	__u64 mib = 1024;
	unsigned int i;
	int c, ret;

	while ((c = getopt(argc, argv, "m:")) != -1) {
		if (c != 'm')
			return 2;
		mib = strtoull(optarg, NULL, 0);
	}
	if (tvx_open(&h) || tvx_get_caps(h, &caps) ||
	    caps.vmx_status != THINVMX_VMX_OK) {
		printf("SKIP: thinvmx with usable VMX not available\n");
		return KSFT_SKIP;
	}
	t0 = __rdtsc();
	ret = tvx_domain_create_simple(h, mib << 20, &d);
	create = __rdtsc() - t0;
	if (ret) {
		printf("SKIP: a %llu MiB domain: %s\n", (unsigned long long)mib,
		       strerror(-ret));
		return KSFT_SKIP;
	}
	if (tvx_domain_info(d, &info)) {
		fprintf(stderr, "GET_DOMAIN_INFO failed\n");
		return 1;
	}
	printf("# guest %llu MiB: populate + map + mmap %llu cycles (%.0f per MiB)\n",
	       (unsigned long long)mib, create, (double)create / mib);
	printf("# EPT: %llu table pages (%.1f per GiB), leaves 4K %llu 2M %llu 1G %llu\n",
	       (unsigned long long)info.ept_table_pages,
	       info.ept_table_pages * 1024.0 / mib,
	       (unsigned long long)info.ept_leaves_4k,
	       (unsigned long long)info.ept_leaves_2m,
	       (unsigned long long)info.ept_leaves_1g);

	{
		struct thinvmx_extent ext[64];
		struct thinvmx_frame_list fl = {
			.first_gfn = 0, .nr_frames = (mib << 20) >> 12,
			.extents = (__u64)(uintptr_t)ext, .max_extents = 64,
		};
		unsigned int k;

		if (!ioctl(tvx_domain_fd(d), THINVMX_GET_FRAME_LIST, &fl)) {
			printf("# host memory behind the guest: %u extents\n", fl.nr_extents);
			for (k = 0; k < fl.nr_extents && k < 8; k++)
				printf("#   gfn %#llx mfn %#llx nr %llu\n",
				       (unsigned long long)ext[k].gfn,
				       (unsigned long long)ext[k].mfn,
				       (unsigned long long)ext[k].nr);
		}
	}
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		/*
		 * 1 frame inside a 2 MiB page (splits it); 512 frames: one
		 * whole 2 MiB page, 2 MiB aligned; 262,144: the first GiB.
		 */
		__u64 first = counts[i] == 1 ? 0x203 : counts[i] == 512 ? 0x400 : 0;
		__u64 nr = counts[i];

		if ((first + nr) << 12 > mib << 20) {
			printf("# set-access over %llu frames: guest too small\n",
			       (unsigned long long)nr);
			continue;
		}
		if (timed_access(d, first, nr, THINVMX_ACCESS_R, &shrink) ||
		    timed_access(d, first, nr, THINVMX_ACCESS_RWX, &grow)) {
			fprintf(stderr, "SET_MEM_ACCESS over %llu frames failed\n",
				(unsigned long long)nr);
			return 1;
		}
		printf("set-access %7llu frames: rwx->r %10llu cycles (%.1f/frame), r->rwx %10llu (%.1f/frame)\n",
		       (unsigned long long)nr, shrink, (double)shrink / nr, grow,
		       (double)grow / nr);
	}
	tvx_domain_info(d, &info);
	printf("# after the splits: %llu table pages, leaves 4K %llu 2M %llu\n",
	       (unsigned long long)info.ept_table_pages,
	       (unsigned long long)info.ept_leaves_4k,
	       (unsigned long long)info.ept_leaves_2m);
	tvx_domain_destroy(d);
	ret = bench_mmio_gib(h);
	if (ret)
		fprintf(stderr, "1 GiB MMIO: %s\n", strerror(-ret));
	tvx_close(h);
	return ret ? 1 : 0;
}
