/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the exit and event benchmarks share: the real-mode guest that times
 * one instruction N times with RDTSC, module parameters, and loading
 * kvm_intel for the comparison.
 */
#ifndef _BENCH_GUEST_H
#define _BENCH_GUEST_H

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <fcntl.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "libthinvmx.h"
#include "../thinvmx/tvx_test.h"

#define KSFT_SKIP	4
#define CODE_GPA	0x1000
#define MEM_SIZE	(1 << 20)
#define PORT_LOOP	0x10
#define PORT_RESULT	0x11
#define BENCH_IRET_GPA	0x3000	/* bench_bp_iret() */

/*
 * The timed instruction: INSN_NOP is a NOP for bp_bench to put a
 * breakpoint on, at CODE_GPA + INSN_OFFSET; INSN_VMFUNC flips ECX
 * between 0 and 1 and switches to that view with VMFUNC leaf 0 (EAX is 0).
 */
enum { INSN_CPUID, INSN_OUT, INSN_INT3, INSN_NOP, INSN_VMFUNC };
#define INSN_OFFSET	20

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
	if (p - s != INSN_OFFSET)
		return 0;
	if (insn == INSN_CPUID) {
		*p++ = 0x0f; *p++ = 0xa2;			/* cpuid */
	} else if (insn == INSN_VMFUNC) {
		*p++ = 0x66; *p++ = 0x83; *p++ = 0xf1; *p++ = 0x01;	/* xor ecx, 1 */
		*p++ = 0x0f; *p++ = 0x01; *p++ = 0xd4;			/* vmfunc */
	} else if (insn == INSN_NOP) {
		*p++ = 0x90;					/* nop */
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


static inline void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static inline double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- setup */

/*
 * What both benchmarks start with: -n ITERATIONS and --kvm-modules DIR,
 * thinvmx with usable VMX and unrestricted guest, and kvm_intel (loaded
 * from DIR when /dev/kvm is absent; *have_kvm says whether it is there).
 * Return: 0, 2 (bad usage) or KSFT_SKIP (thinvmx cannot run), for main()
 * to return.
 */
static inline int bench_init(int argc, char **argv, unsigned int *n,
			     struct tvx_handle **h, bool *have_kvm)
{
	static const struct option longopts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "kvm-modules", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *kvm_dir = "/lib/modules-kvm";
	struct thinvmx_caps caps;
	int c;

	*n = 2000;
	while ((c = getopt_long(argc, argv, "n:k:", longopts, NULL)) != -1) {
		if (c == 'n')
			*n = strtoul(optarg, NULL, 0);
		else if (c == 'k')
			kvm_dir = optarg;
		else
			return 2;
	}
	if (tvx_open(h) || tvx_get_caps(*h, &caps) ||
	    caps.vmx_status != THINVMX_VMX_OK ||
	    !(caps.features & THINVMX_FEAT_UNRESTRICTED)) {
		printf("SKIP: thinvmx with VMX and unrestricted guest not available\n");
		return KSFT_SKIP;
	}
	*have_kvm = true;
	if (access("/dev/kvm", F_OK) &&
	    (load_module(kvm_dir, "irqbypass.ko") || load_module(kvm_dir, "kvm.ko") ||
	     load_module(kvm_dir, "kvm-intel.ko"))) {
		printf("# no kvm_intel: thinvmx figures only\n");
		*have_kvm = false;
	}
	return 0;
}

/* The end of a benchmark: kvm_intel unloaded again if it was there. */
static inline void bench_exit(struct tvx_handle *h, bool have_kvm)
{
	if (have_kvm) {
		syscall(SYS_delete_module, "kvm_intel", O_NONBLOCK);
		syscall(SYS_delete_module, "kvm", O_NONBLOCK);
		syscall(SYS_delete_module, "irqbypass", O_NONBLOCK);
	}
	tvx_close(h);
}

/* ---------------------------------------------------------------- thinvmx */

/* A domain whose vCPU 0 runs the timing loop of @insn in real mode. */
static inline int tvx_bench_setup(struct tvx_handle *h, int insn, unsigned int n,
				  struct tvx_domain **dp, struct tvx_vcpu **vp)
{
	struct thinvmx_regs regs = { .rip = CODE_GPA, .rflags = 2 };
	struct thinvmx_sregs s;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	int ret;

	ret = tvx_domain_create_simple(h, MEM_SIZE, &d);
	if (ret)
		return ret;
	ret = tvx_vcpu_create(d, 0, &v);
	if (ret) {
		tvx_domain_destroy(d);
		return ret;
	}
	build_guest(tvx_gpa(d, CODE_GPA), insn, n);
	memset(tvx_gpa(d, 0x2000), 0, 8);
	ret = tvx_get_sregs(v, &s);
	s.cs.base = 0;
	s.cs.selector = 0;
	if (!ret)
		ret = tvx_set_sregs(v, &s);
	if (!ret)
		ret = tvx_set_regs(v, &regs);
	if (ret) {
		tvx_vcpu_destroy(v);
		tvx_domain_destroy(d);
		return ret;
	}
	*dp = d;
	*vp = v;
	return 0;
}

/*
 * A thinvmx daemon: a thread (on CPU 1 when there is one) that serves
 * vCPU 0's events with @fn until @stop, counting them in @events.
 */
struct bench_daemon {
	struct tvx_monitor *m;
	unsigned int flags;		/* tvx_monitor_serve()'s */
	tvx_event_fn fn;		/* the answer; its arg is this struct */
	void *arg;			/* for @fn */
	volatile int stop;
	unsigned long long events;
	int error;
};

static inline void *bench_daemon_main(void *arg)
{
	struct bench_daemon *dm = arg;
	int ret;

	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		pin(1);
	while (!dm->stop) {
		ret = tvx_monitor_serve(dm->m, 1, dm->flags, 50, dm->fn, dm);
		if (ret < 0) {
			dm->error = ret;
			break;
		}
	}
	return NULL;
}

/* RUN until the loop reports: the cheapest iteration and the total. */
static inline int tvx_bench_run(struct tvx_domain *d, struct tvx_vcpu *v,
				struct result *res)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(v);
	int ret;

	for (;;) {
		ret = tvx_vcpu_run(v);
		if (ret == -EINTR)
			continue;
		if (ret)
			return ret;
		if (run->exit_reason != THINVMX_EXIT_IO)
			return -EPROTO;
		if (run->io.port == PORT_RESULT) {
			res->min = run->io.data;
			memcpy(&res->total, tvx_gpa(d, 0x2000), 8);
			return 0;
		}
	}
}

/*
 * The loop, timed (res->seconds), with @dm (NULL: none) serving vCPU 0's
 * events on its own thread meanwhile; when @wait_events, the daemon is
 * given up to 10 s more to see that many (async events come after their
 * instructions). Return: the run's error, else the daemon's.
 */
static inline int bench_run_served(struct tvx_domain *d, struct tvx_vcpu *v,
				   struct bench_daemon *dm,
				   unsigned long long wait_events,
				   struct result *res)
{
	pthread_t thread;
	double t0;
	int ret;

	if (dm && (ret = -pthread_create(&thread, NULL, bench_daemon_main, dm)))
		return ret;
	t0 = now();
	ret = tvx_bench_run(d, v, res);
	res->seconds = now() - t0;
	if (!dm)
		return ret;
	while (!ret && dm->events < wait_events && now() - t0 < res->seconds + 10)
		usleep(1000);
	dm->stop = 1;
	pthread_join(thread, NULL);
	return ret ? ret : dm->error;
}

/* The real-mode #BP vector at an IRET: the guest's INT3s return at once */
static inline void bench_bp_iret(struct tvx_domain *d)
{
	__u32 ivt3 = BENCH_IRET_GPA;	/* 0000:3000 */

	memcpy(tvx_gpa(d, 3 * 4), &ivt3, 4);
	*(unsigned char *)tvx_gpa(d, BENCH_IRET_GPA) = 0xcf;
}

/* ---------------------------------------------------------------- KVM */

struct kvm_bench {
	int kvm, vm, vcpu;
	unsigned char *mem;
	struct kvm_run *run;
	long run_size;
};

static inline void kvm_bench_close(struct kvm_bench *k)
{
	if (k->run && k->run != MAP_FAILED)
		munmap(k->run, k->run_size);
	if (k->vcpu >= 0)
		close(k->vcpu);
	if (k->vm >= 0)
		close(k->vm);
	if (k->mem && k->mem != MAP_FAILED)
		munmap(k->mem, MEM_SIZE);
	if (k->kvm >= 0)
		close(k->kvm);
}

/* The same guest under kvm_intel: a VM, its vCPU 0 and the run page. */
static inline int kvm_bench_setup(struct kvm_bench *k, int insn, unsigned int n)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
	};
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };
	struct kvm_sregs s;
	int ret;

	*k = (struct kvm_bench){ .kvm = -1, .vm = -1, .vcpu = -1 };
	k->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	k->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (k->kvm < 0 || k->mem == MAP_FAILED ||
	    (k->vm = ioctl(k->kvm, KVM_CREATE_VM, 0)) < 0)
		goto fail;
	build_guest(k->mem + CODE_GPA, insn, n);
	region.userspace_addr = (unsigned long)k->mem;
	if (ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0 ||
	    (k->vcpu = ioctl(k->vm, KVM_CREATE_VCPU, 0)) < 0 ||
	    ioctl(k->vcpu, KVM_GET_SREGS, &s) < 0)
		goto fail;
	s.cs.base = 0;
	s.cs.selector = 0;
	if (ioctl(k->vcpu, KVM_SET_SREGS, &s) < 0 ||
	    ioctl(k->vcpu, KVM_SET_REGS, &regs) < 0)
		goto fail;
	k->run_size = ioctl(k->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      k->vcpu, 0);
	if (k->run == MAP_FAILED)
		goto fail;
	return 0;
fail:
	ret = -errno;
	kvm_bench_close(k);
	return ret;
}

/*
 * KVM_RUN until the loop reports. With @int3, a KVM_EXIT_DEBUG (a software
 * breakpoint with guest debugging on) is answered "skip": RIP past the
 * INT3 through the synced registers, no extra ioctl; each one counts an
 * event. Without, no registers are synced (they cost every exit).
 */
static inline int kvm_bench_run(struct kvm_bench *k, struct result *res,
				bool int3)
{
	struct kvm_run *run = k->run;

	if (int3)
		run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	for (;;) {
		if (ioctl(k->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (int3 && run->exit_reason == KVM_EXIT_DEBUG) {
			run->s.regs.regs.rip += 1;
			run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
			res->events++;
			continue;
		}
		if (run->exit_reason != KVM_EXIT_IO)
			return -EPROTO;
		if (run->io.port == PORT_RESULT) {
			memcpy(&res->min, (char *)run + run->io.data_offset, 4);
			memcpy(&res->total, k->mem + 0x2000, 8);
			return 0;
		}
	}
}

#endif /* _BENCH_GUEST_H */
