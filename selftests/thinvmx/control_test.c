// SPDX-License-Identifier: GPL-2.0
/*
 * Daemon-side control (uapi/thinvmx_introspect.h, 0x70-0x7a; lib/control.c):
 * a daemon holding the domain pauses and unpauses it (nested counts per
 * holder, all of a holder's pauses undone when its fd goes, its process
 * killed), reads and writes a paused vCPU's registers and MSRs from a
 * second process while the VMM sits in THINVMX_RUN (the guest sees the
 * written values), and reads and writes guest memory by guest-physical
 * and guest-virtual address. Bad input gets clear errors.
 *
 * The VMM is a thread of this test that stays in THINVMX_RUN; the guest
 * spins, counting, so that a pause shows as a counter that stops.
 *
 * Requires: root, the thinvmx module, usable VMX (the Bochs tier).
 * SKIPs otherwise.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define MEM			(64ULL << 20)
#define MAGIC_RBX		0x5ec0deULL
#define MAGIC_KGS		0xffff888012345000ULL
#define MAGIC_SFMASK		0x47700ULL
#define MSR_EFER		0xc0000080
#define MSR_LSTAR		0xc0000082
#define MSR_SFMASK		0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102

static volatile __u64 counter;
static volatile __u64 spins;
/* three pages of known bytes, page aligned: the gva/gpa copies */
static __u8 pattern[3 * 4096] __attribute__((aligned(4096)));

static void guest_spin(void)
{
	for (;;)
		counter++;
}

/* Spins until someone outside sets RBX, then reports what it sees. */
static void guest_wait_rbx(void)
{
	__u64 rbx;

	asm volatile("xor %%ebx, %%ebx\n\t"
		     "1: incq %[spins]\n\t"
		     "cmp %[magic], %%rbx\n\t"
		     "jne 1b\n\t"
		     "mov %%rbx, %[out]"
		     : [out] "=r" (rbx), [spins] "+m" (spins)
		     : [magic] "i" (MAGIC_RBX) : "rbx", "cc");
	GUEST_SYNC(rbx, tvx_rdmsr(MSR_KERNEL_GS_BASE), tvx_rdmsr(MSR_SFMASK));
	GUEST_DONE();
}

/* An INT3 a listener answers, then the count. */
static void guest_int3_then_spin(void)
{
	asm volatile("int3");
	for (;;)
		counter++;
}

struct vmm {
	struct tvx_vcpu *v;
	struct tvx_domain *d;
	struct tvx_ucall uc;
	volatile int stop;
	volatile int done;
	int ret;
};

static void *vmm_fn(void *arg)
{
	struct vmm *m = arg;

	for (;;) {
		m->ret = tvx_run_until_ucall(m->v, m->d, &m->uc);
		/* a signal: RUN returns -EINTR, paused or not */
		if (m->ret == -EINTR && !m->stop)
			continue;
		break;
	}
	m->done = 1;
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

FIXTURE(ctl) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct vmm vmm;
	pthread_t thread;
	bool started;
	__u32 id;
};

FIXTURE_SETUP(ctl)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct thinvmx_domain_info info;
	const char *why;
	unsigned int i;
	int err;

	self->d = NULL;
	self->v = NULL;
	self->started = false;
	why = tvx_test_open(&self->h, false, &err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
	ASSERT_EQ(0, err);
	/* no SA_RESTART: the signal ends the VMM's RUN */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (__u8)(i * 7 + i / 4096);
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, MEM, &self->d));
	ASSERT_EQ(0, tvx_domain_info(self->d, &info));
	self->id = info.id;
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v));
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
	memset(&self->vmm, 0, sizeof(self->vmm));
	self->vmm.v = self->v;
	self->vmm.d = self->d;
}

static void vmm_stop(struct vmm *m, pthread_t t)
{
	int i;

	m->stop = 1;
	for (i = 0; i < 500 && !m->done; i++) {
		pthread_kill(t, SIGUSR1);
		usleep(10000);
	}
	pthread_join(t, NULL);
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->started)
		vmm_stop(&self->vmm, self->thread);
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

static void start(struct __test_metadata *_metadata,
		  FIXTURE_DATA(ctl) *self, void (*fn)(void))
{
	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(self->v, self->d,
					      (__u64)(uintptr_t)fn, 0));
	ASSERT_EQ(0, pthread_create(&self->thread, NULL, vmm_fn, &self->vmm));
	self->started = true;
}

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static __u64 read_counter(struct tvx_domain *d)
{
	__u64 c = ~0ULL;

	tvx_read_guest(d, (uintptr_t)&counter, &c, sizeof(c));
	return c;
}

/* The guest counts on within @ms (Bochs: give it seconds). */
static bool counter_moves(struct tvx_domain *d, unsigned int ms)
{
	__u64 c0 = read_counter(d), t0 = now_ms();

	while (now_ms() - t0 < ms) {
		usleep(10000);
		if (read_counter(d) != c0)
			return true;
	}
	return false;
}

/* The counter stands still for @ms. */
static bool counter_stands(struct tvx_domain *d, unsigned int ms)
{
	__u64 c0 = read_counter(d);

	usleep(ms * 1000);
	return read_counter(d) == c0;
}

static int pause_total(struct tvx_domain *d, __u32 *holder)
{
	__u32 total = ~0U, h = ~0U;
	int ret = tvx_domain_pause_info(d, &h, &total);

	if (holder)
		*holder = h;
	return ret ? ret : (int)total;
}

static int raw(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

TEST_F(ctl, pause_nests_and_unpause_without_pause_is_einval)
{
	struct tvx_domain *o = NULL;
	__u32 holder;

	start(_metadata, self, guest_spin);
	ASSERT_TRUE(counter_moves(self->d, 20000));
	/* a second holder: the daemon's own fd */
	ASSERT_EQ(0, tvx_domain_open(self->h, self->id, &o));
	EXPECT_EQ(-EINVAL, tvx_domain_unpause(o));
	EXPECT_EQ(0, pause_total(o, &holder));

	ASSERT_EQ(0, tvx_domain_pause(o));
	EXPECT_TRUE(counter_stands(self->d, 300));
	ASSERT_EQ(0, tvx_domain_pause(o));
	EXPECT_EQ(2, pause_total(o, &holder));
	EXPECT_EQ(2, holder);
	/* the other fd holds none of them */
	EXPECT_EQ(2, pause_total(self->d, &holder));
	EXPECT_EQ(0, holder);
	EXPECT_EQ(-EINVAL, tvx_domain_unpause(self->d));
	/* a pause of the VMM's fd nests with the daemon's */
	ASSERT_EQ(0, tvx_domain_pause(self->d));
	EXPECT_EQ(3, pause_total(o, NULL));

	/* a second RUN of the parked vCPU is refused */
	EXPECT_EQ(-EBUSY, tvx_vcpu_run(self->v));

	ASSERT_EQ(0, tvx_domain_unpause(o));
	ASSERT_EQ(0, tvx_domain_unpause(self->d));
	EXPECT_TRUE(counter_stands(self->d, 300));
	EXPECT_EQ(1, pause_total(o, NULL));
	ASSERT_EQ(0, tvx_domain_unpause(o));
	EXPECT_EQ(0, pause_total(o, NULL));
	EXPECT_TRUE(counter_moves(self->d, 20000));
	EXPECT_EQ(-EINVAL, tvx_domain_unpause(o));
	/* and again, after the first round */
	ASSERT_EQ(0, tvx_domain_pause(o));
	EXPECT_TRUE(counter_stands(self->d, 300));
	/* closing the fd undoes its pause */
	tvx_domain_destroy(o);
	EXPECT_EQ(0, pause_total(self->d, NULL));
	EXPECT_TRUE(counter_moves(self->d, 20000));
	/* a signal to the VMM of a paused domain: RUN returns, may go on */
	ASSERT_EQ(0, tvx_domain_pause(self->d));
	pthread_kill(self->thread, SIGUSR1);
	usleep(100000);
	EXPECT_TRUE(counter_stands(self->d, 300));
	ASSERT_EQ(0, tvx_domain_unpause(self->d));
	EXPECT_TRUE(counter_moves(self->d, 20000));
}

/* A child that opens the domain, pauses it @n times, says so, and waits. */
static pid_t pausing_child(__u32 id, int n, int *rfd)
{
	struct thinvmx_open_domain od = { .id = id };
	int pfd[2], dev, fd, i;
	char c = 'p';
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid)
		goto parent;
	close(pfd[0]);
	dev = open(THINVMX_DEVICE, O_RDWR | O_CLOEXEC);
	fd = ioctl(dev, THINVMX_OPEN_DOMAIN, &od);
	if (fd < 0)
		c = 'o';
	for (i = 0; i < n && c == 'p'; i++)
		if (ioctl(fd, THINVMX_PAUSE_DOMAIN))
			c = 'e';
	if (write(pfd[1], &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
parent:
	close(pfd[1]);
	*rfd = pfd[0];
	return pid;
}

TEST_F(ctl, pauses_released_when_the_daemon_is_killed)
{
	int rfd = -1, status;
	char c = 0;
	pid_t pid;

	start(_metadata, self, guest_spin);
	ASSERT_TRUE(counter_moves(self->d, 20000));
	pid = pausing_child(self->id, 2, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, read(rfd, &c, 1));
	close(rfd);
	EXPECT_EQ('p', c);
	EXPECT_EQ(2, pause_total(self->d, NULL));
	EXPECT_TRUE(counter_stands(self->d, 300));
	/* not this holder's pauses */
	EXPECT_EQ(-EINVAL, tvx_domain_unpause(self->d));

	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(0, pause_total(self->d, NULL));
	EXPECT_TRUE(counter_moves(self->d, 20000));
}

TEST_F(ctl, listener_fd_holds_pauses_too)
{
	struct tvx_monitor *m = NULL;
	int lfd;

	start(_metadata, self, guest_spin);
	ASSERT_TRUE(counter_moves(self->d, 20000));
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &m));
	lfd = tvx_monitor_fd(m);
	ASSERT_EQ(0, raw(lfd, THINVMX_PAUSE_DOMAIN, NULL));
	EXPECT_EQ(1, pause_total(self->d, NULL));
	EXPECT_TRUE(counter_stands(self->d, 300));
	/* the listener's pause is not the domain fd's */
	EXPECT_EQ(-EINVAL, tvx_domain_unpause(self->d));
	tvx_monitor_detach(m);
	EXPECT_EQ(0, pause_total(self->d, NULL));
	EXPECT_TRUE(counter_moves(self->d, 20000));
}

/*
 * The second process: open the domain, pause, read and check the
 * registers, set RBX and two MSRs, try what must be refused, unpause.
 * Returns 0 or the number of the step that failed.
 */
static int regs_child(__u32 id)
{
	struct thinvmx_open_domain od = { .id = id };
	struct thinvmx_ctl_regs r = { .vcpu = 0 };
	struct thinvmx_ctl_sregs s = { .vcpu = 0 };
	struct thinvmx_ctl_msrs m = { .vcpu = 0 };
	struct thinvmx_ctl_sregs bad;
	int dev, fd;

	dev = open(THINVMX_DEVICE, O_RDWR | O_CLOEXEC);
	fd = ioctl(dev, THINVMX_OPEN_DOMAIN, &od);
	if (fd < 0)
		return 1;
	/* not paused yet */
	if (raw(fd, THINVMX_CTL_GET_REGS, &r) != -EBUSY)
		return 2;
	if (raw(fd, THINVMX_PAUSE_DOMAIN, NULL))
		return 3;
	if (raw(fd, THINVMX_CTL_GET_REGS, &r))
		return 4;
	/* in the spin loop, RBX still 0 */
	if (r.regs.rbx != 0 || r.regs.rip < (uintptr_t)guest_wait_rbx ||
	    r.regs.rip > (uintptr_t)guest_wait_rbx + 256)
		return 5;
	if (raw(fd, THINVMX_CTL_GET_SREGS, &s))
		return 6;
	/* the long mode tvx_vcpu_setup_long_mode() set up */
	if ((s.sregs.cr0 & 0x80000001) != 0x80000001 || !(s.sregs.cr4 & 0x20) ||
	    (s.sregs.efer & 0x500) != 0x500 || !(s.sregs.cs.ar & (1 << 13)))
		return 7;
	/* the same state written back is accepted */
	if (raw(fd, THINVMX_CTL_SET_SREGS, &s))
		return 8;
	/* what no VM entry takes: PG without PE, long mode without PAE */
	bad = s;
	bad.sregs.cr0 &= ~1ULL;
	if (raw(fd, THINVMX_CTL_SET_SREGS, &bad) != -EINVAL)
		return 9;
	bad = s;
	bad.sregs.cr4 &= ~0x20ULL;
	if (raw(fd, THINVMX_CTL_SET_SREGS, &bad) != -EINVAL)
		return 10;
	bad = s;
	bad.sregs.cr0 |= 1ULL << 29;	/* NW without CD */
	bad.sregs.cr0 &= ~(1ULL << 30);
	if (raw(fd, THINVMX_CTL_SET_SREGS, &bad) != -EINVAL)
		return 11;

	m.nr = 3;
	m.entries[0].index = MSR_EFER;
	m.entries[1].index = MSR_LSTAR;
	m.entries[2].index = MSR_KERNEL_GS_BASE;
	if (raw(fd, THINVMX_CTL_GET_MSRS, &m) || m.entries[0].data != s.sregs.efer)
		return 12;
	/* an MSR outside the list, a non-canonical LSTAR, LME off with PG */
	m.entries[1].index = 0x10;
	if (raw(fd, THINVMX_CTL_GET_MSRS, &m) != -EINVAL)
		return 13;
	m.nr = 1;
	m.entries[0].index = MSR_LSTAR;
	m.entries[0].data = 0x0000800000000000ULL;
	if (raw(fd, THINVMX_CTL_SET_MSRS, &m) != -EINVAL)
		return 14;
	m.entries[0].index = MSR_EFER;
	m.entries[0].data = s.sregs.efer & ~0x100ULL;
	if (raw(fd, THINVMX_CTL_SET_MSRS, &m) != -EINVAL)
		return 15;
	/* all or nothing: a good value with a bad one writes neither */
	m.nr = 2;
	m.entries[0].index = MSR_SFMASK;
	m.entries[0].data = 0x1234;
	m.entries[1].index = MSR_LSTAR;
	m.entries[1].data = 0x0000800000000000ULL;
	if (raw(fd, THINVMX_CTL_SET_MSRS, &m) != -EINVAL)
		return 16;
	m.entries[0].index = MSR_KERNEL_GS_BASE;
	m.entries[0].data = MAGIC_KGS;
	m.entries[1].index = MSR_SFMASK;
	m.entries[1].data = MAGIC_SFMASK;
	if (raw(fd, THINVMX_CTL_SET_MSRS, &m))
		return 17;
	m.entries[0].data = 0;
	m.entries[1].data = 0;
	if (raw(fd, THINVMX_CTL_GET_MSRS, &m) ||
	    m.entries[0].data != MAGIC_KGS || m.entries[1].data != MAGIC_SFMASK)
		return 18;

	r.regs.rbx = MAGIC_RBX;
	if (raw(fd, THINVMX_CTL_SET_REGS, &r))
		return 19;
	/* bad vCPU ids and padding */
	r.vcpu = 64;
	if (raw(fd, THINVMX_CTL_GET_REGS, &r) != -EINVAL)
		return 20;
	r.vcpu = 3;
	if (raw(fd, THINVMX_CTL_GET_REGS, &r) != -ENOENT)
		return 21;
	r.vcpu = 0;
	r.pad = 1;
	if (raw(fd, THINVMX_CTL_GET_REGS, &r) != -EINVAL)
		return 22;
	if (raw(fd, THINVMX_UNPAUSE_DOMAIN, NULL))
		return 23;
	if (raw(fd, THINVMX_UNPAUSE_DOMAIN, NULL) != -EINVAL)
		return 24;
	return 0;
}

TEST_F(ctl, registers_of_a_paused_vcpu_from_a_second_process)
{
	int status, i;
	pid_t pid;

	start(_metadata, self, guest_wait_rbx);
	/* the guest spins */
	for (i = 0; i < 2000; i++) {
		__u64 n = 0;

		tvx_read_guest(self->d, (uintptr_t)&spins, &n, sizeof(n));
		if (n)
			break;
		usleep(10000);
	}
	ASSERT_LT(i, 2000);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(regs_child(self->id));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* the guest saw RBX and the MSRs the daemon wrote */
	for (i = 0; i < 3000 && !self->vmm.done; i++)
		usleep(10000);
	ASSERT_TRUE(self->vmm.done);
	ASSERT_EQ(TVX_UCALL_SYNC, self->vmm.ret);
	ASSERT_EQ(TVX_UCALL_SYNC, self->vmm.uc.cmd);
	EXPECT_EQ(MAGIC_RBX, self->vmm.uc.args[0]);
	EXPECT_EQ(MAGIC_KGS, self->vmm.uc.args[1]);
	EXPECT_EQ(MAGIC_SFMASK, self->vmm.uc.args[2]);
	self->started = false;
	pthread_join(self->thread, NULL);
}

struct int3_ctx {
	struct tvx_domain *d;
	int events;
	int busy;		/* CTL_GET_REGS while the answer is due */
	__u64 rip;
};

/* Pause while the vCPU waits for this answer: its registers are the answer's. */
static int on_int3(struct tvx_monitor *m, const struct thinvmx_event *ev,
		   struct thinvmx_response *rsp, void *arg)
{
	struct int3_ctx *c = arg;
	struct thinvmx_regs r;

	c->events++;
	c->rip = ev->regs.rip;
	if (tvx_domain_pause(c->d))
		return -EIO;
	c->busy = tvx_ctl_get_regs(c->d, 0, &r);
	rsp->flags = THINVMX_RESPONSE_SKIP;
	return 0;
}

TEST_F(ctl, a_vcpu_waiting_for_an_answer_is_busy_until_answered)
{
	struct int3_ctx c = { .d = self->d };
	struct tvx_monitor *m = NULL;
	struct thinvmx_regs r;
	int i, n = 0;

	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, &m));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_INT3,
				     THINVMX_MONITOR_MODE_SYNC, 0));
	start(_metadata, self, guest_int3_then_spin);
	for (i = 0; i < 100 && !n; i++)
		n = tvx_monitor_serve(m, ~0ULL, 0, 200, on_int3, &c);
	ASSERT_EQ(1, n);
	EXPECT_EQ(1, c.events);
	EXPECT_EQ(-EBUSY, c.busy);
	/* answered: the SKIP carried out, then the vCPU parks */
	ASSERT_EQ(0, tvx_ctl_get_regs(self->d, 0, &r));
	EXPECT_EQ(c.rip + 1, r.rip);
	EXPECT_TRUE(counter_stands(self->d, 300));
	ASSERT_EQ(0, tvx_domain_unpause(self->d));
	EXPECT_TRUE(counter_moves(self->d, 20000));
	tvx_monitor_detach(m);
}

TEST_F(ctl, guest_memory_by_gpa_and_gva)
{
	struct tvx_gva_error err;
	struct tvx_paging pg;
	__u8 buf[5000], back[64];
	__u64 gpa, size, c1, c2, gfn, base, bits[2] = { 0 };
	__u64 pat = (uintptr_t)pattern;
	char why[128];
	unsigned int i;

	start(_metadata, self, guest_spin);
	ASSERT_TRUE(counter_moves(self->d, 20000));
	/* gva needs a paused vCPU: its CR3 */
	EXPECT_EQ(-EBUSY, tvx_ctl_read_gva(self->d, 0, pat, buf, 8, &err));
	ASSERT_EQ(0, tvx_domain_pause(self->d));

	/* by gpa, across a page boundary, the loaded program's bytes */
	ASSERT_EQ(0, tvx_ctl_read_gpa(self->d, pat + 100, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, pattern + 100, sizeof(buf)));
	/* by gva through the vCPU's tables (identity-mapped, 2 MiB pages) */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, tvx_ctl_read_gva(self->d, 0, pat + 100, buf, sizeof(buf), &err));
	EXPECT_EQ(0, memcmp(buf, pattern + 100, sizeof(buf)));
	ASSERT_EQ(0, tvx_ctl_paging(self->d, 0, &pg));
	ASSERT_EQ(0, tvx_gva_translate(self->d, &pg, pat, &gpa, &size, &err));
	EXPECT_EQ(pat, gpa);
	EXPECT_EQ(2ULL << 20, size);
	/* the counter, both ways, stands while paused */
	ASSERT_EQ(0, tvx_ctl_read_gva(self->d, 0, (uintptr_t)&counter, &c1,
				      sizeof(c1), NULL));
	ASSERT_EQ(0, tvx_ctl_read_gpa(self->d, (uintptr_t)&counter, &c2,
				      sizeof(c2)));
	EXPECT_EQ(c1, c2);
	EXPECT_EQ(c1, read_counter(self->d));

	/* writes across a page boundary, by gva and gpa, seen in the RAM */
	for (i = 0; i < sizeof(back); i++)
		back[i] = 0xc0 + i;
	ASSERT_EQ(0, tvx_ctl_write_gva(self->d, 0, pat + 4096 - 20, back, 40, &err));
	memset(buf, 0, 40);
	ASSERT_EQ(0, tvx_read_guest(self->d, pat + 4096 - 20, buf, 40));
	EXPECT_EQ(0, memcmp(buf, back, 40));
	ASSERT_EQ(0, tvx_dirty_log_start(self->d));
	ASSERT_EQ(0, tvx_ctl_write_gpa(self->d, pat + 2 * 4096 - 8, back + 1, 16));
	ASSERT_EQ(0, tvx_read_guest(self->d, pat + 2 * 4096 - 8, buf, 16));
	EXPECT_EQ(0, memcmp(buf, back + 1, 16));
	/* the write marked both frames in the dirty log, no other */
	gfn = pat / 4096 + 1;
	base = gfn & ~63ULL;
	ASSERT_EQ(0, tvx_dirty_log_get(self->d, base, 128, bits));
	EXPECT_EQ(1, (bits[(gfn - base) / 64] >> ((gfn - base) % 64)) & 1);
	EXPECT_EQ(1, (bits[(gfn + 1 - base) / 64] >> ((gfn + 1 - base) % 64)) & 1);
	ASSERT_EQ(0, tvx_dirty_log_stop(self->d));

	/* translations that fail say why and where */
	EXPECT_EQ(-EFAULT, tvx_ctl_read_gva(self->d, 0, 0x7f0000000000ULL, buf,
					    8, &err));
	EXPECT_EQ(TVX_GVA_NOT_PRESENT, err.why);
	EXPECT_EQ(4, err.level);
	tvx_gva_error_describe(&err, why, sizeof(why));
	TH_LOG("%s", why);
	EXPECT_EQ(-EINVAL, tvx_ctl_read_gva(self->d, 0, 0x0000800000000000ULL,
					    buf, 8, &err));
	EXPECT_EQ(TVX_GVA_NONCANONICAL, err.why);
	/* beyond RAM, under the identity map: the gpa is no RAM */
	EXPECT_EQ(-ENXIO, tvx_ctl_read_gva(self->d, 0, MEM + 4096, buf, 8, &err));
	ASSERT_EQ(0, tvx_domain_unpause(self->d));
	EXPECT_TRUE(counter_moves(self->d, 20000));
}

TEST_F(ctl, bad_input)
{
	struct thinvmx_guest_mem m = { 0 };
	struct thinvmx_ctl_msrs msrs = { 0 };
	int fd = tvx_domain_fd(self->d);
	struct thinvmx_regs regs;
	__u8 buf[64];

	/* no vCPU call without a pause; a vCPU that never ran is fine */
	EXPECT_EQ(-EBUSY, tvx_ctl_get_regs(self->d, 0, &regs));
	ASSERT_EQ(0, tvx_domain_pause(self->d));
	EXPECT_EQ(0, tvx_ctl_get_regs(self->d, 0, &regs));
	EXPECT_EQ(-ENOENT, tvx_ctl_get_regs(self->d, 1, &regs));
	EXPECT_EQ(-EINVAL, tvx_ctl_get_regs(self->d, 64, &regs));
	EXPECT_EQ(-EINVAL, tvx_ctl_get_regs(self->d, 0xffffffffU, &regs));
	EXPECT_EQ(-EFAULT, raw(fd, THINVMX_CTL_GET_REGS, (void *)8));
	msrs.nr = THINVMX_CTL_MSRS_MAX + 1;
	EXPECT_EQ(-EINVAL, raw(fd, THINVMX_CTL_GET_MSRS, &msrs));
	msrs.nr = 1;
	msrs.entries[0].index = MSR_EFER;
	msrs.entries[0].pad = 1;
	EXPECT_EQ(-EINVAL, raw(fd, THINVMX_CTL_GET_MSRS, &msrs));
	/* MSRs the guest has but these calls do not reach */
	msrs.entries[0].pad = 0;
	msrs.entries[0].index = 0x10;		/* TSC */
	EXPECT_EQ(-EINVAL, raw(fd, THINVMX_CTL_GET_MSRS, &msrs));
	msrs.entries[0].index = 0x1b;		/* APIC base */
	EXPECT_EQ(-EINVAL, raw(fd, THINVMX_CTL_SET_MSRS, &msrs));
	ASSERT_EQ(0, tvx_domain_unpause(self->d));

	/* memory: lengths, overflow, flags, holes, bad buffers */
	m.buf = (__u64)(uintptr_t)buf;
	m.len = 0;
	EXPECT_EQ(-EINVAL, raw(fd, THINVMX_READ_GUEST, &m));
	m.len = THINVMX_GUEST_MEM_MAX + 1;
	EXPECT_EQ(-EINVAL, raw(fd, THINVMX_READ_GUEST, &m));
	m.len = 0xffffffffU;
	EXPECT_EQ(-EINVAL, raw(fd, THINVMX_WRITE_GUEST, &m));
	m.len = 16;
	m.gpa = ~0ULL - 8;
	EXPECT_EQ(-EINVAL, raw(fd, THINVMX_READ_GUEST, &m));
	m.gpa = MEM - 8;		/* the last 8 bytes are RAM, then a hole */
	EXPECT_EQ(-ENXIO, raw(fd, THINVMX_READ_GUEST, &m));
	EXPECT_EQ(-ENXIO, raw(fd, THINVMX_WRITE_GUEST, &m));
	m.gpa = 1ULL << 45;
	EXPECT_EQ(-ENXIO, raw(fd, THINVMX_READ_GUEST, &m));
	m.gpa = 0x1000;
	m.flags = 1;
	EXPECT_EQ(-EINVAL, raw(fd, THINVMX_READ_GUEST, &m));
	m.flags = 0;
	m.reserved = 1;
	EXPECT_EQ(-EINVAL, raw(fd, THINVMX_READ_GUEST, &m));
	m.reserved = 0;
	m.buf = 16;
	EXPECT_EQ(-EFAULT, raw(fd, THINVMX_READ_GUEST, &m));
	EXPECT_EQ(-EFAULT, raw(fd, THINVMX_WRITE_GUEST, &m));
	m.buf = (__u64)(uintptr_t)buf;
	m.gpa = 4096 - 8;
	EXPECT_EQ(0, raw(fd, THINVMX_READ_GUEST, &m));
	/* unknown numbers of the control block */
	EXPECT_EQ(-ENOTTY, raw(fd, _IO(THINVMX_IOC_MAGIC, 0x7f), NULL));
	/* the calls are the domain's and the listener's, not the device's */
	EXPECT_EQ(-ENOTTY, raw(tvx_fd(self->h), THINVMX_PAUSE_DOMAIN, NULL));
	EXPECT_EQ(-ENOTTY, raw(tvx_vcpu_fd(self->v), THINVMX_PAUSE_DOMAIN, NULL));
	/* pauses do not overflow */
	for (int i = 0; i < (int)THINVMX_PAUSE_MAX; i++)
		ASSERT_EQ(0, tvx_domain_pause(self->d));
	EXPECT_EQ(-EOVERFLOW, tvx_domain_pause(self->d));
	EXPECT_EQ((int)THINVMX_PAUSE_MAX, pause_total(self->d, NULL));
}

TEST_HARNESS_MAIN
