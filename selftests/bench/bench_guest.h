/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the exit and event benchmarks share: the real-mode guest that times
 * one instruction N times with RDTSC, module parameters, and loading
 * kvm_intel for the comparison.
 */
#ifndef _BENCH_GUEST_H
#define _BENCH_GUEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../thinvmx/tvx_test.h"

#define KSFT_SKIP	4
#define CODE_GPA	0x1000
#define MEM_SIZE	(1 << 20)
#define PORT_LOOP	0x10
#define PORT_RESULT	0x11

enum { INSN_CPUID, INSN_OUT, INSN_INT3 };

struct result {
	unsigned int min;	/* cheapest iteration, TSC cycles */
	unsigned long long total;
	unsigned long long events;	/* event_bench: seen by the daemon */
	double seconds;			/* event_bench: wall time of the run */
};

/*
 * Real-mode code: ebp = n; edi = ~0;
 * L: rdtsc; mov esi, eax; xor eax, eax; <insn>; rdtsc; sub eax, esi;
 *    cmp eax, edi; jae 1f; mov edi, eax; 1: add [0x2000], eax (total);
 *    dec ebp; jnz L;
 *    mov eax, edi; out 0x11, eax; hlt
 */
static inline size_t build_guest(unsigned char *p, int insn, unsigned int n)
{
	unsigned char *s = p, *loop;

	*p++ = 0x66; *p++ = 0xbd; memcpy(p, &n, 4); p += 4;	/* mov ebp, n */
	*p++ = 0x66; *p++ = 0xbf; memset(p, 0xff, 4); p += 4;	/* mov edi, ~0 */
	loop = p;
	*p++ = 0x0f; *p++ = 0x31;				/* rdtsc */
	*p++ = 0x66; *p++ = 0x89; *p++ = 0xc6;			/* mov esi, eax */
	*p++ = 0x66; *p++ = 0x31; *p++ = 0xc0;			/* xor eax, eax */
	if (insn == INSN_CPUID) {
		*p++ = 0x0f; *p++ = 0xa2;			/* cpuid */
	} else if (insn == INSN_INT3) {
		*p++ = 0xcc;					/* int3 */
	} else {
		*p++ = 0xe6; *p++ = PORT_LOOP;			/* out 0x10, al */
	}
	*p++ = 0x0f; *p++ = 0x31;				/* rdtsc */
	*p++ = 0x66; *p++ = 0x29; *p++ = 0xf0;			/* sub eax, esi */
	*p++ = 0x66; *p++ = 0x39; *p++ = 0xf8;			/* cmp eax, edi */
	*p++ = 0x73; *p++ = 0x03;				/* jae +3 */
	*p++ = 0x66; *p++ = 0x89; *p++ = 0xc7;			/* mov edi, eax */
	*p++ = 0x66; *p++ = 0x01; *p++ = 0x06;			/* add [0x2000], eax */
	*p++ = 0x00; *p++ = 0x20;
	*p++ = 0x66; *p++ = 0x83; *p++ = 0x16;			/* adc dword [0x2004], 0 */
	*p++ = 0x04; *p++ = 0x20; *p++ = 0x00;
	*p++ = 0x66; *p++ = 0x4d;				/* dec ebp */
	*p++ = 0x0f; *p++ = 0x85;				/* jnz loop (rel16) */
	{
		short rel = loop - (p + 2);

		memcpy(p, &rel, 2);
		p += 2;
	}
	*p++ = 0x66; *p++ = 0x89; *p++ = 0xf8;			/* mov eax, edi */
	*p++ = 0x66; *p++ = 0xe7; *p++ = PORT_RESULT;		/* out 0x11, eax */
	*p++ = 0xf4;						/* hlt */
	return p - s;
}

static inline int set_param(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static inline int load_module(const char *dir, const char *name)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = tvx_load_module(path);
	return ret == -EEXIST ? 0 : ret;
}

#endif /* _BENCH_GUEST_H */
