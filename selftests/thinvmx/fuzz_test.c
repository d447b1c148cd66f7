// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed ioctls never take the host down: two threads throw a million
 * random commands (FUZZ_CALLS=N for another count) at every kind of
 * thinvmx fd at once (/dev/thinvmx, a domain, a vCPU, a listener): known
 * command numbers and unknown ones, arguments that are random bytes,
 * boundary values in every field, a valid (zero) struct with a few fields
 * made hostile, NULL, a kernel address, or a struct that runs into an
 * unmapped page; THINVMX_RUN of whatever state that left, cut short by a
 * timer; mmap of random ranges. Every call must return 0 or -1 with an
 * errno from the documented set; fds that calls return are closed. A
 * summary gives the calls, the errors by code, the fds and argument
 * shapes, and what the kernel log gained meanwhile (no warning, BUG or
 * oops). Then: every page the module took comes back once the fds are
 * closed, and a new guest still runs.
 *
 * Left out: MAP_MMIO, ASSIGN_DEVICE_BAR, ASSIGN_DEVICE, IOMMU_PROBE, RO_ADD
 * and RO_REMOVE with random arguments (root maps, takes or protects real
 * host devices with them, on purpose), and CREATE_DOMAIN with a random size (it would take all of the
 * host's memory, by design of the caller); their argument checks have
 * tests of their own.
 *
 * A hostile guest never takes the host down either: random bytes run as
 * guest code in real, protected and long mode, each round on a new vCPU
 * for a bounded time. Whatever the code does (VMX instructions, MSRs, CR
 * writes, I/O, MMIO, faults that end in a triple fault), RUN comes back
 * with an exit a VMM can act on; never a failed VM entry, which would be
 * state thinvmx let through, and never an exit thinvmx had no handler
 * for. The exits seen are logged.
 *
 * FUZZ_SEED=N in the environment replays a run (the seed is logged).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"

#define CALLS		1000000		/* over both threads; FUZZ_CALLS=N */
#define BUF		4096
#define MAX_ERRNO	256

enum fd_kind { FD_DEV, FD_DOM, FD_VCPU, FD_LSN, NR_FD_KINDS };

/* what the argument is */
enum shape {
	SHAPE_RANDOM,		/* random bytes */
	SHAPE_BOUNDARY,		/* every word a boundary value */
	SHAPE_HOSTILE,		/* zero (valid for most) but a few fields */
	SHAPE_NULL,
	SHAPE_KERNEL,		/* a kernel address */
	SHAPE_CROSSING,		/* runs into an unmapped page */
	NR_SHAPES
};

static const char *const shape_names[NR_SHAPES] = {
	"random", "boundary", "valid-but-hostile", "null", "kernel-address",
	"crossing",
};

/* values where checks go wrong: signs, widths, page and table sizes */
static const uint64_t boundary[] = {
	0, 1, 2, 3, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x1001,
	0x7fff, 0x8000, 0xffff, 0x10000, 0x1ff, 0x200, 0x3ff, 0x400,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL, 0xfffff,
	0x100000, 1ULL << 30, 1ULL << 36, (1ULL << 40) - 1, 1ULL << 47,
	(1ULL << 48) - 1, 1ULL << 52, (1ULL << 52) - 1, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, ~0ULL, ~0ULL - 1, ~0ULL - 0xfff,
	THINVMX_MAX_VCPUS - 1, THINVMX_MAX_VCPUS, THINVMX_MAX_VCPUS + 1,
};

struct cmd {
	unsigned long nr;
	enum fd_kind on;
	bool returns_fd;
};

static const struct cmd cmds[] = {
	{ THINVMX_GET_CAPABILITIES, FD_DEV },
	{ THINVMX_OPEN_DOMAIN, FD_DEV, true },
	{ THINVMX_RO_LIST, FD_DEV },
	{ THINVMX_PCI_MSIX_INFO, FD_DEV },
	{ THINVMX_CREATE_VCPU, FD_DOM, true },
	{ THINVMX_GET_MEMMAP, FD_DOM },
	{ THINVMX_GET_FRAME_LIST, FD_DOM },
	{ THINVMX_SET_CPUID, FD_DOM },
	{ THINVMX_GET_CPUID, FD_DOM },
	{ THINVMX_SET_MEM_TYPE, FD_DOM },
	{ THINVMX_SET_MEM_ACCESS, FD_DOM },
	{ THINVMX_GET_MEM_ACCESS, FD_DOM },
	{ THINVMX_CHANGE_TYPE_GLOBAL, FD_DOM },
	{ THINVMX_DIRTY_LOG, FD_DOM },
	{ THINVMX_GET_DOMAIN_INFO, FD_DOM },
	{ THINVMX_ATTACH_MONITOR, FD_DOM, true },
	{ THINVMX_INJECT_TRAP, FD_DOM },
	{ THINVMX_DETACH_MONITOR, FD_DOM },
	{ THINVMX_DEASSIGN_DEVICE, FD_DOM },
	{ THINVMX_SET_MONITOR, FD_LSN },
	{ THINVMX_SET_SYNC_TIMEOUT, FD_LSN },
	{ THINVMX_GET_MONITOR, FD_LSN },
	{ THINVMX_MONITOR_DOORBELL, FD_LSN },
	{ THINVMX_GET_REGS, FD_VCPU },
	{ THINVMX_SET_REGS, FD_VCPU },
	{ THINVMX_GET_SREGS, FD_VCPU },
	{ THINVMX_SET_SREGS, FD_VCPU },
	{ THINVMX_RUN, FD_VCPU },	/* last: fuzz() picks it apart */
};

/* what a malformed call may say */
static bool errno_allowed(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOTTY: case EBUSY: case ENOENT:
	case EPERM: case ENOMEM: case ENOSPC: case ERANGE: case E2BIG:
	case EEXIST: case ESRCH: case EIO: case EINTR: case EAGAIN:
	case EOPNOTSUPP: case ENODEV: case ENXIO: case EPROTO: case EACCES:
	case EBADF: case EOVERFLOW:
		return true;
	default:
		return false;
	}
}

static uint64_t next(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

struct fuzzer {
	int fds[NR_FD_KINDS];
	uint64_t seed;
	unsigned char *page;		/* BUF bytes, then a PROT_NONE page */
	unsigned long iterations;
	unsigned long calls, ok, failed_as_expected, runs;
	unsigned long by_errno[MAX_ERRNO];
	unsigned long by_kind[NR_FD_KINDS];
	unsigned long by_shape[NR_SHAPES];
	int bad_errno, bad_cmd;
	unsigned long bad_nr;
};

static void on_alarm(int sig)
{
}

/* THINVMX_RUN for at most 2 ms of this thread's time */
static long run_briefly(int fd)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGALRM,
	};
	struct itimerspec its = { .it_value.tv_nsec = 2 * 1000 * 1000 };
	timer_t t;
	long ret;

	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &t))
		return -1;
	timer_settime(t, 0, &its, NULL);
	ret = ioctl(fd, THINVMX_RUN, 0);
	timer_delete(t);
	return ret;
}

static void *fuzz(void *arg)
{
	struct fuzzer *f = arg;
	unsigned char *buf = f->page;
	unsigned long i, k;

	for (i = 0; i < f->iterations; i++) {
		uint64_t r = next(&f->seed);
		/* RUN, the slowest call by far, one call in 256 */
		const struct cmd *c = (r >> 56) == 0 ? &cmds[ARRAY_SIZE(cmds) - 1] :
				      &cmds[r % (ARRAY_SIZE(cmds) - 1)];
		unsigned long nr = c->nr;
		enum fd_kind on = c->on;
		unsigned int how = (r >> 8) % 100;
		enum shape shape;
		void *argp = buf;
		long ret;

		if ((r >> 16) % 10 == 0) {
			/* an unknown command, or a known one on the wrong fd */
			on = (r >> 20) % NR_FD_KINDS;
			if ((r >> 24) & 1)
				nr = _IOC((r >> 26) & 3, THINVMX_IOC_MAGIC,
					  (r >> 28) & 0x3f, (r >> 34) & 0x3fff);
		}
		if (how < 30) {
			shape = SHAPE_RANDOM;
			/* the structs are small: the whole page now and then */
			for (k = 0; k < ((r >> 32) % 16 ? 512 : BUF); k += 8)
				*(uint64_t *)(buf + k) = next(&f->seed);
		} else if (how < 50) {
			shape = SHAPE_BOUNDARY;
			for (k = 0; k < 256; k += 8) {
				uint64_t b = next(&f->seed);
				uint64_t val = boundary[b % ARRAY_SIZE(boundary)];

				/* a 32-bit field's value in either half */
				if ((b >> 32) % 4 == 0)
					val = (val << 32) | boundary[(b >> 8) % ARRAY_SIZE(boundary)];
				*(uint64_t *)(buf + k) = val;
			}
		} else if (how < 85) {
			shape = SHAPE_HOSTILE;
			/* mostly zero, a few fields anywhere in the first 64 bytes */
			memset(buf, 0, 256);
			for (k = next(&f->seed) % 8; k; k--) {
				uint64_t b = next(&f->seed);

				if (b & 1)
					buf[(b >> 1) % 64] = b >> 8;
				else
					*(uint32_t *)(buf + ((b >> 1) % 16) * 4) =
						boundary[(b >> 8) % ARRAY_SIZE(boundary)];
			}
		} else if (how < 90) {
			shape = SHAPE_NULL;
			argp = NULL;
		} else if (how < 95) {
			shape = SHAPE_KERNEL;
			argp = (void *)0xffffffff81000000UL;
		} else {
			shape = SHAPE_CROSSING;
			argp = buf + BUF - 1 - next(&f->seed) % 16;
		}
		if (nr == THINVMX_RUN) {
			ret = run_briefly(f->fds[on]);
			f->runs++;
		} else {
			ret = ioctl(f->fds[on], nr, argp);
		}
		f->calls++;
		f->by_kind[on]++;
		f->by_shape[shape]++;
		if (ret < 0 && errno > 0 && errno < MAX_ERRNO)
			f->by_errno[errno]++;
		if (ret >= 0) {
			f->ok++;
			if (c->returns_fd && nr == c->nr && ret > 2 &&
			    ret != f->fds[FD_DEV] && ret != f->fds[FD_DOM] &&
			    ret != f->fds[FD_VCPU] && ret != f->fds[FD_LSN])
				close(ret);
		} else if (errno_allowed(errno)) {
			f->failed_as_expected++;
		} else if (!f->bad_errno) {
			f->bad_errno = errno;
			f->bad_nr = nr;
			f->bad_cmd = on;
		}
		/* mmap of a random range of a random fd, now and then */
		if ((r >> 40) % 50 == 0) {
			size_t len = ((next(&f->seed) % 64) + 1) * 4096;
			off_t off = (next(&f->seed) % 0x8000) * 4096;
			int prot = (r >> 46) & 1 ? PROT_READ : PROT_READ | PROT_WRITE;
			void *m = mmap(NULL, len, prot, MAP_SHARED,
				       f->fds[(r >> 48) % NR_FD_KINDS], off);

			if (m != MAP_FAILED)
				munmap(m, len);
		}
	}
	return NULL;
}

/* FUZZ_CALLS=N in the environment: how many calls, over both threads */
static unsigned long pick_calls(void)
{
	const char *e = getenv("FUZZ_CALLS");

	return e ? strtoul(e, NULL, 0) : CALLS;
}

/*
 * What the kernel complained of since @fd was opened at the end of the
 * log: warnings, BUGs, oopses, lockdep and sanitizer reports.
 */
static int kernel_complaints(int fd)
{
	static const char *const marks[] = {
		"WARNING:", "BUG:", "Oops", "general protection", "UBSAN:",
		"KASAN:", "refcount_t:", "possible circular locking",
		"sleeping function called", "stack-protector",
	};
	char rec[8192];
	int n = 0;
	ssize_t len;
	size_t i;

	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* overwritten records: read on */
		if (len <= 0)
			break;
		rec[len] = 0;
		for (i = 0; i < ARRAY_SIZE(marks); i++) {
			if (strstr(rec, marks[i])) {
				fprintf(stderr, "# kernel: %s",
					strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
				n++;
				break;
			}
		}
	}
	return n;
}

static uint64_t pick_seed(void)
{
	const char *e = getenv("FUZZ_SEED");
	struct timespec ts;

	if (e)
		return strtoull(e, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec ^ 0x9e3779b97f4a7c15ULL;
}

FIXTURE(fuzz) {
	struct tvx_handle *h;
	uint64_t seed;
	long pages_before;		/* the module's, before the test */
};

FIXTURE_SETUP(fuzz)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	const char *why;
	int err;

	/* run_briefly()'s timer only interrupts RUN */
	sigaction(SIGALRM, &sa, NULL);
	why = tvx_test_open(&self->h, true, &err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
	ASSERT_EQ(0, err);
	self->seed = pick_seed();
	TH_LOG("FUZZ_SEED=%#" PRIx64, self->seed);
	self->pages_before = tvx_module_pages();
	ASSERT_LE(0, self->pages_before);
}

FIXTURE_TEARDOWN(fuzz)
{
	tvx_close(self->h);
}

TEST_F_TIMEOUT(fuzz, random_ioctls_from_two_threads_leave_the_host_whole, 900)
{
	static const unsigned char hlt[] = { 0xf4 };
	struct tvx_handle *h = self->h;
	long before = self->pages_before;
	unsigned long calls = pick_calls(), total = 0, ok = 0, runs = 0;
	unsigned long by_errno[MAX_ERRNO] = { 0 }, by_kind[NR_FD_KINDS] = { 0 };
	unsigned long by_shape[NR_SHAPES] = { 0 };
	char line[2048];
	struct fuzzer *fz;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_monitor *m;
	pthread_t thread;
	int i, e, kmsg, complaints;
	size_t len;

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, kmsg);
	lseek(kmsg, 0, SEEK_END);
	fz = calloc(2, sizeof(*fz));
	ASSERT_NE(NULL, fz);
	ASSERT_EQ(0, tvx_domain_create_simple(h, 4 << 20, &d));
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
	ASSERT_EQ(0, tvx_monitor_attach(d, 0, 0, &m));
	for (i = 0; i < 2; i++) {
		fz[i].fds[FD_DEV] = tvx_fd(h);
		fz[i].fds[FD_DOM] = tvx_domain_fd(d);
		fz[i].fds[FD_VCPU] = tvx_vcpu_fd(v);
		fz[i].fds[FD_LSN] = tvx_monitor_fd(m);
		fz[i].iterations = (calls + 1 - i) / 2;
		fz[i].seed = self->seed + i * 0x1234567ULL + 1;
		fz[i].page = mmap(NULL, 2 * BUF, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, fz[i].page);
		ASSERT_EQ(0, mprotect(fz[i].page + BUF, BUF, PROT_NONE));
	}
	ASSERT_EQ(0, pthread_create(&thread, NULL, fuzz, &fz[1]));
	fuzz(&fz[0]);
	pthread_join(thread, NULL);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, fz[i].bad_errno)
			TH_LOG("thread %d: ioctl %#lx on fd kind %d: unexpected errno %d (%s)",
			       i, fz[i].bad_nr, fz[i].bad_cmd, fz[i].bad_errno,
			       strerror(fz[i].bad_errno));
		total += fz[i].calls;
		ok += fz[i].ok;
		runs += fz[i].runs;
		for (e = 0; e < MAX_ERRNO; e++)
			by_errno[e] += fz[i].by_errno[e];
		for (e = 0; e < NR_FD_KINDS; e++)
			by_kind[e] += fz[i].by_kind[e];
		for (e = 0; e < NR_SHAPES; e++)
			by_shape[e] += fz[i].by_shape[e];
		munmap(fz[i].page, 2 * BUF);
	}
	free(fz);
	complaints = kernel_complaints(kmsg);
	close(kmsg);

	/* the summary: calls, errors by code, fds and shapes, complaints */
	len = snprintf(line, sizeof(line), "%lu calls, %lu succeeded, %lu runs; errors:",
		       total, ok, runs);
	for (e = 1; e < MAX_ERRNO && len < sizeof(line) - 32; e++)
		if (by_errno[e])
			len += snprintf(line + len, sizeof(line) - len, " %s %lu",
					strerrorname_np(e) ?: "?", by_errno[e]);
	TH_LOG("%s", line);
	TH_LOG("by fd: dev %lu, domain %lu, vcpu %lu, listener %lu", by_kind[FD_DEV],
	       by_kind[FD_DOM], by_kind[FD_VCPU], by_kind[FD_LSN]);
	len = snprintf(line, sizeof(line), "by argument:");
	for (e = 0; e < NR_SHAPES; e++)
		len += snprintf(line + len, sizeof(line) - len, " %s %lu",
				shape_names[e], by_shape[e]);
	TH_LOG("%s", line);
	TH_LOG("kernel complaints: %d", complaints);
	EXPECT_EQ(calls, total);
	EXPECT_EQ(0, complaints);
	for (e = 0; e < NR_FD_KINDS; e++)
		EXPECT_LT(0, by_kind[e]);

	tvx_monitor_detach(m);
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	EXPECT_EQ(before, tvx_module_pages());

	/* and a new guest runs as ever: HLT at 0100:0000 */
	ASSERT_EQ(0, tvx_domain_create_simple(h, 64 << 10, &d));
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
	memcpy(tvx_gpa(d, 0x1000), hlt, sizeof(hlt));
	ASSERT_EQ(0, tvx_vcpu_setup_real_mode(v, 0x100, 0));
	ASSERT_EQ(0, tvx_vcpu_run(v));
	EXPECT_EQ(THINVMX_EXIT_HLT, tvx_vcpu_run_page(v)->exit_reason);
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	EXPECT_EQ(before, tvx_module_pages());
}

#define CODE_REAL	0x10000ULL		/* 1000:0000 */
#define CODE_HIGH	(48ULL << 20)		/* protected and long mode */
#define CODE_BYTES	0x10000
#define ROUNDS		300

static const char *exit_name(__u32 r)
{
	static const char *const names[] = {
		"none", "hlt", "io", "mmio", "shutdown", "internal-error",
		"fail-entry", "mem-access", "mmio-insn",
	};

	return r < ARRAY_SIZE(names) ? names[r] : "?";
}

TEST_F_TIMEOUT(fuzz, random_guest_code_in_every_mode, 600)
{
	unsigned long exits[9] = { 0 }, mode_rounds[3] = { 0 }, internal[4] = { 0 };
	unsigned long by_vmx_reason[80] = { 0 };
	uint64_t seed = self->seed;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct thinvmx_run *run;
	int round, i, k;

	ASSERT_EQ(0, tvx_domain_create_simple(self->h, 64 << 20, &d));

	for (round = 0; round < ROUNDS; round++) {
		int mode = next(&seed) % 3;
		uint64_t *code;

		ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
		run = tvx_vcpu_run_page(v);
		if (mode == 0) {
			code = tvx_gpa(d, CODE_REAL);
			ASSERT_EQ(0, tvx_vcpu_setup_real_mode(v, CODE_REAL >> 4, 0));
		} else {
			/* the image holds the page tables, GDT and IDT: fresh ones */
			ASSERT_EQ(0, tvx_guest_load_self(d));
			code = tvx_gpa(d, CODE_HIGH);
			if (mode == 1) {
				ASSERT_EQ(0, tvx_vcpu_setup_protected_mode(v, d, CODE_HIGH, 0));
			} else {
				ASSERT_EQ(0, tvx_vcpu_setup_long_mode(v, d, CODE_HIGH, 0));
			}
		}
		mode_rounds[mode]++;
		for (k = 0; k < CODE_BYTES / 8; k++)
			code[k] = next(&seed);
		for (i = 0; i < 40; i++) {
			long ret = run_briefly(tvx_vcpu_fd(v));
			__u32 r = run->exit_reason;

			if (ret < 0 && errno != EINTR && errno != EIO) {
				EXPECT_EQ(0, errno) TH_LOG("round %d (mode %d): RUN: %s",
							   round, mode, strerror(errno));
				break;
			}
			exits[r < 9 ? r : 0]++;
			EXPECT_NE(THINVMX_EXIT_FAIL_ENTRY, r)
				TH_LOG("round %d (mode %d): VM entry failed, exit reason %#x qual %#llx rip %#llx",
				       round, mode, run->internal.vmx_exit_reason,
				       (unsigned long long)run->internal.qualification,
				       (unsigned long long)run->internal.guest_rip);
			if (r == THINVMX_EXIT_INTERNAL_ERROR) {
				internal[run->internal.suberror & 3]++;
				by_vmx_reason[(run->internal.vmx_exit_reason & 0xffff) % 80]++;
				EXPECT_NE(THINVMX_INTERNAL_UNHANDLED_EXIT, run->internal.suberror)
					TH_LOG("round %d (mode %d): no handler for VM exit %u at rip %#llx",
					       round, mode, run->internal.vmx_exit_reason & 0xffff,
					       (unsigned long long)run->internal.guest_rip);
			}
			/* a VMM that does not emulate that instruction stops */
			if (ret < 0 || r == THINVMX_EXIT_SHUTDOWN ||
			    r == THINVMX_EXIT_INTERNAL_ERROR || r == THINVMX_EXIT_FAIL_ENTRY ||
			    r == THINVMX_EXIT_MMIO_INSN)
				break;
		}
		tvx_vcpu_destroy(v);
	}
	TH_LOG("rounds real/protected/long %lu/%lu/%lu", mode_rounds[0],
	       mode_rounds[1], mode_rounds[2]);
	for (i = 0; i < 9; i++)
		if (exits[i])
			TH_LOG("  %-15s %lu", exit_name(i), exits[i]);
	TH_LOG("internal errors: emulation %lu, bad state %lu, other %lu",
	       internal[THINVMX_INTERNAL_EMULATION],
	       internal[THINVMX_INTERNAL_BAD_STATE], internal[0]);
	for (i = 0; i < 80; i++)
		if (by_vmx_reason[i])
			TH_LOG("  at VM exit reason %d: %lu", i, by_vmx_reason[i]);
	/* what random code does is decoded or a clear exit, rarely an error */
	EXPECT_GT(10, internal[THINVMX_INTERNAL_EMULATION]);
	tvx_domain_destroy(d);
	EXPECT_EQ(self->pages_before, tvx_module_pages());
}

TEST_HARNESS_MAIN
