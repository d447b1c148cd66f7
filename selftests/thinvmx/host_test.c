// SPDX-License-Identifier: GPL-2.0
/*
 * Host mode: the running (nested) kernel becomes a VMX guest of thinvmx
 * on every CPU and goes on natively again.
 *
 * - on and off, with the errors of turning on twice and off when off;
 *   also without the identity EPT (module parameter host_ept=0);
 * - 100 times on and off while a getpid/mmap/munmap workload runs on
 *   every CPU, the status counters sane afterwards;
 * - CPUID inside host mode: the hypervisor leaf says "thinvmx", VMX is
 *   hidden; outside it, neither;
 * - VMXON, VMCALL and VMLAUNCH from ring 3 get #UD (SIGILL), counted;
 *   VMXOFF, VMXON and a foreign VMCALL from ring 0 (the probe module)
 *   get #UD too;
 * - guest domains and host mode exclude each other (-EBUSY both ways);
 * - so do kvm_intel and host mode: in a crash only thinvmx's emergency
 *   callback takes CPUs out of host mode (needs /lib/modules-kvm);
 * - NMIs while on (sysrq-l, five times, while CPU 1 exits on CPUID
 *   without pause): every CPU's backtrace arrives every time (the rig
 *   takes the backtraces between BACKTRACES BEGIN and END as asked for);
 * - the hypervisor's frames refused to the host through the direct map
 *   (no access; the module's text read-only), /dev/mem refused first by
 *   STRICT_DEVMEM; each refusal counted, the host alive (the probe module);
 * - NMIs neither lost nor doubled: sysrq-l rounds count the same NMIs per
 *   CPU with host mode off and on, all re-delivered by thinvmx;
 * - CPU 1 offline and online again while on: it leaves, and is taken in;
 * - events (THINVMX_HOST_ATTACH): CR3 and CR4 writes; INT3 with a
 *   kprobe placed through tracefs, which still fires (its hit count
 *   grows) while INT3 events arrive; the ftrace function tracer switched
 *   on and off while INT3 events are on; MSR writes to a watched MSR;
 *   a sync setting refused; a full ring counts lost events; closing the
 *   fd turns every kind off (no more CR3 exits);
 * - guard policies, from the module parameters at load (host_pin_cr=1
 *   host_pin_msr=1): a raw MOV clearing CR4.SMEP/SMAP/UMIP or CR0.WP and
 *   a WRMSR moving LSTAR (the probe module, which puts the old value back
 *   at once) are refused, counted and reported with who tried; root
 *   mode's own copy of the pins holds when the host kernel clears the
 *   host side's record of them; the pins through netlink (thinvmx-ctl
 *   host policy), set before host mode is on and while it is on;
 * - suspend to RAM with host mode on: every CPU leaves first and is taken
 *   in again at the resume;
 * - rmmod while on (turns it off first), and insmod host=1;
 * - MSI-X: an administrator's read-only range over the Bochs VGA's
 *   framebuffer is checked as an MSI-X table: valid writes from user
 *   space and ring 0 land, invalid ones are refused, a non-MOV write
 *   gets #GP; the range added and removed while on is followed; the
 *   host kernel moving the host side's record of the range changes
 *   nothing root mode does (its own copy), nor can the host kernel get
 *   the write right back by calling the hypercall entry itself; a
 *   refused write is an RO_MMIO_WRITE event, DENIED.
 *
 * The rig fails the run on any oops or WARN in the kernel log.
 *
 * Requires: root, usable VMX (Bochs), the module at /thinvmx.ko and loaded;
 * two CPUs with CPU 1 hot-pluggable for the workload and hotplug cases
 * (the rig's nested-bochs-host boot). SKIPs otherwise.
 */
#include <cpuid.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"

#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
#define CYCLES		100

static int host_rmmod(void)
{
	return syscall(SYS_delete_module, "thinvmx", O_NONBLOCK) ? -errno : 0;
}

static int host_insmod(const char *params)
{
	int fd = open(TVX_MODULE_PATH, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int nr_online(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

static bool cpuid_says_thinvmx(void)
{
	unsigned int a, b, c, d;
	char sig[13] = { 0 };

	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	return !strcmp(sig, "thinvmx");
}

static bool cpuid_vmx(void)
{
	unsigned int a, b, c, d;

	__cpuid(1, a, b, c, d);
	return c & (1U << 5);
}

/* Run @fn in a child; return the signal that ended it, or 0. */
static int child_signal(void (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void do_vmxon(void)
{
	__u64 region = 0;

	asm volatile("vmxon %0" : : "m" (region) : "cc", "memory");
}

static void do_vmcall(void)
{
	asm volatile("vmcall" : : "a" (0x7476782d6c656176ULL) : "memory");
}

static void do_vmlaunch(void)
{
	asm volatile("vmlaunch" : : : "cc", "memory");
}

struct load {
	volatile int stop;
	unsigned long loops;
	int cpu;
};

/* getpid, and a page mapped, touched and unmapped, again and again */
static void *load_fn(void *arg)
{
	struct load *l = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(l->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!l->stop) {
		char *p;

		syscall(SYS_getpid);
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			p[0] = 1;
			munmap(p, 4096);
		}
		l->loops++;
	}
	return NULL;
}

FIXTURE(host) {
	struct tvx_handle *h;
};

FIXTURE_SETUP(host)
{
	const char *why;
	int err;

	why = tvx_test_open(&self->h, false, &err);
	ASSERT_EQ(0, err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
}

FIXTURE_TEARDOWN(host)
{
	struct thinvmx_host_status st;

	if (!self->h)
		return;
	/* never leave host mode on behind a failed test */
	if (!tvx_host_status(self->h, &st) && (st.flags & THINVMX_HOST_ON))
		tvx_host_disable(self->h);
	tvx_close(self->h);
}

TEST_F(host, on_off)
{
	struct thinvmx_host_status st;

	ASSERT_EQ(0, tvx_host_status(self->h, &st));
	ASSERT_EQ(0, st.flags & THINVMX_HOST_ON);
	EXPECT_EQ(-EINVAL, tvx_host_disable(self->h));

	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &st));
	EXPECT_EQ(THINVMX_HOST_ON, st.flags & THINVMX_HOST_ON);
	EXPECT_EQ(nr_online(), st.nr_cpus_on);
	EXPECT_EQ(-EBUSY, tvx_host_enable(self->h));
	TH_LOG("EPT: %llu pages, leaves 1G %llu 2M %llu 4K %llu",
	       st.ept_pages, st.ept_leaves_1g, st.ept_leaves_2m, st.ept_leaves_4k);

	ASSERT_EQ(0, tvx_host_disable(self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &st));
	EXPECT_EQ(0, st.flags & THINVMX_HOST_ON);
	EXPECT_EQ(0, st.nr_cpus_on);
	EXPECT_EQ(-EINVAL, tvx_host_disable(self->h));
}

TEST_F(host, on_off_without_ept)
{
	const char *param = "/sys/module/thinvmx/parameters/host_ept";
	struct thinvmx_host_status st;
	int ret;

	if (access(param, W_OK))
		SKIP(return, "no %s", param);
	ASSERT_EQ(0, tvx_write_file(param, "0"));
	ret = tvx_host_enable(self->h);
	/* read at enable only: back to the default for the other tests */
	ASSERT_EQ(0, tvx_write_file(param, "1"));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_host_status(self->h, &st));
	EXPECT_EQ(THINVMX_HOST_ON, st.flags & THINVMX_HOST_ON);
	EXPECT_EQ(nr_online(), st.nr_cpus_on);
	EXPECT_EQ(0, st.ept_pages);
	EXPECT_TRUE(cpuid_says_thinvmx());
	ASSERT_EQ(0, tvx_host_disable(self->h));
}

TEST_F(host, cpuid)
{
	struct thinvmx_host_status a, b;

	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	EXPECT_FALSE(cpuid_says_thinvmx());
	EXPECT_TRUE(cpuid_vmx());
	ASSERT_EQ(0, tvx_host_enable(self->h));
	EXPECT_TRUE(cpuid_says_thinvmx());
	EXPECT_FALSE(cpuid_vmx());
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_LE(a.exits[THINVMX_HOST_EXIT_CPUID] + 2,
		  b.exits[THINVMX_HOST_EXIT_CPUID]);
	ASSERT_EQ(0, tvx_host_disable(self->h));
	EXPECT_FALSE(cpuid_says_thinvmx());
	EXPECT_TRUE(cpuid_vmx());
}

TEST_F(host, vmx_insn_ring3)
{
	struct thinvmx_host_status a, b;

	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	EXPECT_EQ(SIGILL, child_signal(do_vmxon));
	EXPECT_EQ(SIGILL, child_signal(do_vmcall));
	EXPECT_EQ(SIGILL, child_signal(do_vmlaunch));
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_LE(a.exits[THINVMX_HOST_EXIT_VMX_INSN] + 3,
		  b.exits[THINVMX_HOST_EXIT_VMX_INSN]);
	EXPECT_EQ(a.exits[THINVMX_HOST_EXIT_VMCALL],
		  b.exits[THINVMX_HOST_EXIT_VMCALL]);
	EXPECT_EQ(nr_online(), b.nr_cpus_on);
	ASSERT_EQ(0, tvx_host_disable(self->h));
}

/*
 * The same from ring 0 (the probe module), where a guest kernel would try
 * them: VMXOFF, VMXON and a VMCALL that is not the module's own are #UD
 * (the probe's exception table turns that into -EFAULT); the CPU stays in
 * host mode.
 */
TEST_F(host, vmx_insn_ring0)
{
	struct thinvmx_host_status a, b;
	unsigned long long v;
	int ret;

	ret = tvx_probe(&v, "cr4");
	if (ret == -ENODEV)
		SKIP(return, "no probe module at %s", TVX_PROBE_PATH);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	EXPECT_EQ(-EFAULT, tvx_probe(NULL, "vmxoff"));
	EXPECT_EQ(-EFAULT, tvx_probe(NULL, "vmxon 0x1000"));
	/* the module's own RAX ("tvx-call", op 0: leave), from the wrong instruction */
	EXPECT_EQ(-EFAULT, tvx_probe(NULL, "vmcall 0x7476782d63616c6c"));
	EXPECT_EQ(-EFAULT, tvx_probe(NULL, "vmcall 0"));
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_LE(a.exits[THINVMX_HOST_EXIT_VMX_INSN] + 4,
		  b.exits[THINVMX_HOST_EXIT_VMX_INSN]);
	EXPECT_EQ(nr_online(), b.nr_cpus_on);
	EXPECT_TRUE(cpuid_says_thinvmx());
	ASSERT_EQ(0, tvx_host_disable(self->h));
}

/*
 * MSI-X in host mode, through an administrator's range of the read-only
 * set over the Bochs VGA's framebuffer (BAR0, plain memory that reads
 * back what was written; Bochs has no MSI-X device): one frame 8 MiB in,
 * off screen, is read-only to the host and checked as an MSI-X table.
 */
/* A number a module parameter shows; 0 when there is none */
static unsigned long long host_param_u64(const char *name)
{
	char path[128], buf[64] = "";
	int fd;

	snprintf(path, sizeof(path), "/sys/module/thinvmx/parameters/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = '\0';
	close(fd);
	return strtoull(buf, NULL, 0);
}

#define VGA_DEV		"/sys/bus/pci/devices/0000:00:02.0"
#define VGA_OFF		(8ULL << 20)

struct vga {
	volatile __u32 *p;	/* the frame, mapped from user space */
	void *map;
	__u64 pa;		/* its physical address */
};

static int vga_open(struct vga *v)
{
	unsigned long long start, end, flags;
	FILE *f = fopen(VGA_DEV "/resource", "r");
	int fd, n;

	if (!f)
		return -ENODEV;
	n = fscanf(f, "%llx %llx %llx", &start, &end, &flags);
	fclose(f);
	if (n != 3 || !start || end - start + 1 < 16ULL << 20)
		return -ENODEV;
	fd = open(VGA_DEV "/resource0", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -ENODEV;
	v->map = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (v->map == MAP_FAILED)
		return -ENODEV;
	v->p = (volatile __u32 *)((char *)v->map + VGA_OFF);
	v->pa = start + VGA_OFF;
	return 0;
}

/* entry @i's dwords, set while nothing is read-only */
static void vga_entry(struct vga *v, int i, __u32 lo, __u32 hi, __u32 data,
		      __u32 ctrl)
{
	v->p[4 * i] = lo;
	v->p[4 * i + 1] = hi;
	v->p[4 * i + 2] = data;
	v->p[4 * i + 3] = ctrl;
}

#define GP_EXIT		77

/* a handled SIGSEGV: the kernel logs no "general protection fault" */
static void gp_handler(int sig)
{
	_exit(GP_EXIT);
}

/* Exit status of a child doing REP STOSB on the frame (GP_EXIT: #GP). */
static int rep_stos_status(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct vga v;

		signal(SIGSEGV, gp_handler);
		if (vga_open(&v))
			_exit(1);
		asm volatile("rep stosb" : : "D" (v.p + 32), "c" (8), "a" (0)
			     : "memory");
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* writes from user space: land, or are refused, as the validator says */
TEST_F(host, msix_admin_range_user)
{
	struct thinvmx_host_status a, b;
	struct vga v;
	__u64 pfn;
	int i;

	if (vga_open(&v))
		SKIP(return, "no Bochs VGA at " VGA_DEV);
	pfn = v.pa >> 12;
	for (i = 0; i < 8; i++)
		vga_entry(&v, i, 0, 0, 0, 1);
	ASSERT_EQ(0, tvx_ro_add(self->h, pfn, pfn));
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	EXPECT_LE(1, a.msix_regions);
	EXPECT_LE(1, a.msix_frames);

	/* entry 0 as Linux programs one: every write lands */
	v.p[0] = 0xfee01000;
	v.p[1] = 0;
	v.p[2] = 0x22;
	v.p[3] = 0;
	EXPECT_EQ(0xfee01000, v.p[0]);
	EXPECT_EQ(0x22, v.p[2]);
	EXPECT_EQ(0, v.p[3]);
	/* now live: NMI delivery, an address outside the APIC window */
	v.p[2] = 0x422;
	v.p[0] = 0xfed00000;
	EXPECT_EQ(0x22, v.p[2]);
	EXPECT_EQ(0xfee01000, v.p[0]);
	/* a 2-byte write: refused */
	*(volatile __u16 *)&v.p[2] = 0x33;
	EXPECT_EQ(0x22, v.p[2]);
	/* entry 1: anything while masked, but the unmask is refused */
	v.p[4] = 0x100000;
	v.p[7] = 0;
	EXPECT_EQ(0x100000, v.p[4]);
	EXPECT_EQ(1, v.p[7]);
	/* entry 2 by qwords: address, then data with the unmask */
	*(volatile __u64 *)&v.p[8] = 0xfee00000ULL;
	*(volatile __u64 *)&v.p[10] = 0x41ULL;
	EXPECT_EQ(0xfee00000, v.p[8]);
	EXPECT_EQ(0x41, v.p[10]);
	EXPECT_EQ(0, v.p[11]);
	/* not a MOV: #GP, nothing written */
	EXPECT_EQ(GP_EXIT, rep_stos_status());

	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_EQ(a.msix_written + 4 + 1 + 2, b.msix_written);
	EXPECT_EQ(a.msix_refused + 3 + 1, b.msix_refused);
	EXPECT_EQ(a.msix_undecoded + 1, b.msix_undecoded);
	/* one EPT exit per write */
	EXPECT_EQ(a.exits[THINVMX_HOST_EXIT_EPT] + 12, b.exits[THINVMX_HOST_EXIT_EPT]);
	EXPECT_EQ(nr_online(), b.nr_cpus_on);
	ASSERT_EQ(0, tvx_host_disable(self->h));
	EXPECT_EQ(0, tvx_ro_remove(self->h, pfn, pfn));
	TH_LOG("written %llu refused %llu undecoded %llu, %u frames",
	       (unsigned long long)(b.msix_written - a.msix_written),
	       (unsigned long long)(b.msix_refused - a.msix_refused),
	       (unsigned long long)(b.msix_undecoded - a.msix_undecoded),
	       a.msix_frames);
	munmap(v.map, 16 << 20);
}


/*
 * Root mode's MSI-X set is its own copy (TVX_HC_SET_MSIX): the host
 * kernel moving the host side's record of the range off the entry (the
 * write lands, through the direct map) does not let an invalid write to
 * the entry through as a write beside the table; it is still refused.
 */
TEST_F(host, msix_host_record)
{
	struct thinvmx_host_status a, b;
	unsigned long long rec, start, end, v;
	struct vga vga;
	__u64 pfn;
	int ret;

	if (vga_open(&vga))
		SKIP(return, "no Bochs VGA at " VGA_DEV);
	ret = tvx_probe(&v, "cr4");
	if (ret == -ENODEV)
		SKIP(return, "no probe module at %s", TVX_PROBE_PATH);
	pfn = vga.pa >> 12;
	vga_entry(&vga, 0, 0xfee01000, 0, 0x22, 0);
	ASSERT_EQ(0, tvx_ro_add(self->h, pfn, pfn));
	ASSERT_EQ(0, tvx_host_enable(self->h));
	rec = host_param_u64("host_test_msix");
	ASSERT_NE(0, rec) TH_LOG("no host_test_msix parameter, or no range");
	ASSERT_EQ(0, tvx_probe(&start, "peek64 %#llx", rec));
	ASSERT_EQ(0, tvx_probe(&end, "peek64 %#llx", rec + 8));
	TH_LOG("the host side's record at %#llx: %#llx-%#llx", rec, start, end);
	ASSERT_EQ(vga.pa, start);
	/* the range one frame up: the entry is no longer in it */
	ASSERT_EQ(0, tvx_probe(NULL, "poke64 %#llx %#llx", rec, start + 4096));
	ASSERT_EQ(0, tvx_probe(NULL, "poke64 %#llx %#llx", rec + 8, end + 4096));
	ASSERT_EQ(0, tvx_probe(&v, "peek64 %#llx", rec));
	EXPECT_EQ(start + 4096, v);
	ASSERT_EQ(0, tvx_host_status(self->h, &a));

	vga.p[2] = 0x500;		/* INIT delivery */
	EXPECT_EQ(0x22, vga.p[2]) TH_LOG("the host moved root mode's range");
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_EQ(a.msix_refused + 1, b.msix_refused);
	EXPECT_EQ(a.msix_passed, b.msix_passed);

	EXPECT_EQ(0, tvx_probe(NULL, "poke64 %#llx %#llx", rec, start));
	EXPECT_EQ(0, tvx_probe(NULL, "poke64 %#llx %#llx", rec + 8, end));
	ASSERT_EQ(0, tvx_host_disable(self->h));
	EXPECT_EQ(0, tvx_ro_remove(self->h, pfn, pfn));
	munmap(vga.map, 16 << 20);
}
/*
 * From ring 0 (the probe's ioremap and writel), with the range added and
 * removed while host mode is on: it is followed both ways.
 */
TEST_F(host, msix_admin_range_ring0)
{
	struct thinvmx_host_status a, b, c;
	unsigned long long r;
	struct vga v;
	__u64 pfn;
	int ret;

	if (vga_open(&v))
		SKIP(return, "no Bochs VGA at " VGA_DEV);
	ret = tvx_probe(&r, "cr4");
	if (ret == -ENODEV)
		SKIP(return, "no probe module at %s", TVX_PROBE_PATH);
	pfn = v.pa >> 12;
	vga_entry(&v, 0, 0xfee01000, 0, 0x22, 0);
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_ro_add(self->h, pfn, pfn));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	EXPECT_LE(1, a.msix_frames);

	ASSERT_EQ(0, tvx_probe(&r, "iowrite32 0x%llx 0x31", v.pa + 8));
	EXPECT_EQ(0x31, r);
	ASSERT_EQ(0, tvx_probe(&r, "iowrite32 0x%llx 0x500", v.pa + 8)); /* INIT */
	EXPECT_EQ(0x31, r);
	ASSERT_EQ(0, tvx_probe(&r, "iowrite32 0x%llx 0xfee0000f", v.pa));
	EXPECT_EQ(0xfee01000, r);
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_EQ(a.msix_written + 1, b.msix_written);
	EXPECT_EQ(a.msix_refused + 2, b.msix_refused);

	/* the range gone: the frame is the host's again, nothing exits */
	ASSERT_EQ(0, tvx_ro_remove(self->h, pfn, pfn));
	ASSERT_EQ(0, tvx_probe(&r, "iowrite32 0x%llx 0x500", v.pa + 8));
	EXPECT_EQ(0x500, r);
	ASSERT_EQ(0, tvx_host_status(self->h, &c));
	EXPECT_EQ(b.msix_written, c.msix_written);
	EXPECT_EQ(b.msix_refused, c.msix_refused);
	EXPECT_EQ(a.msix_frames - 1, c.msix_frames);
	EXPECT_EQ(nr_online(), c.nr_cpus_on);
	ASSERT_EQ(0, tvx_host_disable(self->h));
	munmap(v.map, 16 << 20);
}

TEST_F(host, exclusive_with_domains)
{
	struct tvx_domain *d;

	ASSERT_EQ(0, tvx_host_enable(self->h));
	EXPECT_EQ(-EBUSY, tvx_domain_create_simple(self->h, 16 << 20, &d));
	ASSERT_EQ(0, tvx_host_disable(self->h));

	ASSERT_EQ(0, tvx_domain_create_simple(self->h, 16 << 20, &d));
	EXPECT_EQ(-EBUSY, tvx_host_enable(self->h));
	tvx_domain_destroy(d);
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_disable(self->h));
}

/* loading kvm and kvm_intel takes a while in Bochs */
TEST_F_TIMEOUT(host, exclusive_with_kvm_intel, 300)
{
	static const char *const mods[] = {
		"/lib/modules-kvm/irqbypass.ko", "/lib/modules-kvm/kvm.ko",
	};
	const char *kvm_intel = "/lib/modules-kvm/kvm-intel.ko";
	int i, ret;

	if (access("/sys/module/kvm_intel", F_OK) == 0)
		SKIP(return, "kvm_intel is loaded already");
	for (i = 0; i < 2; i++) {
		if (access(mods[i], R_OK))
			SKIP(return, "no %s", mods[i]);
		ret = tvx_load_module(mods[i]);
		ASSERT_TRUE(ret == 0 || ret == -EEXIST) TH_LOG("%s: %d", mods[i], ret);
	}
	ASSERT_EQ(0, tvx_host_enable(self->h));
	EXPECT_EQ(-EBUSY, tvx_load_module(kvm_intel));
	ASSERT_EQ(0, tvx_host_disable(self->h));

	ASSERT_EQ(0, tvx_load_module(kvm_intel));
	EXPECT_EQ(-EBUSY, tvx_host_enable(self->h));
	ASSERT_EQ(0, syscall(SYS_delete_module, "kvm_intel", O_NONBLOCK));
	ASSERT_EQ(0, tvx_host_enable(self->h));
	EXPECT_TRUE(cpuid_says_thinvmx());
	ASSERT_EQ(0, tvx_host_disable(self->h));
	syscall(SYS_delete_module, "kvm", O_NONBLOCK);
	syscall(SYS_delete_module, "irqbypass", O_NONBLOCK);
}

TEST_F(host, on_off_under_load)
{
	struct thinvmx_host_status a, b;
	struct load l[2] = { { .cpu = 0 }, { .cpu = 1 } };
	pthread_t t[2];
	int i, n = nr_online() >= 2 ? 2 : 1;

	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, load_fn, &l[i]));
	for (i = 0; i < CYCLES; i++) {
		ASSERT_EQ(0, tvx_host_enable(self->h)) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, tvx_host_disable(self->h)) TH_LOG("cycle %d", i);
	}
	for (i = 0; i < n; i++) {
		l[i].stop = 1;
		pthread_join(t[i], NULL);
		EXPECT_LT(0, l[i].loops);
	}
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_EQ(a.enables + CYCLES, b.enables);
	EXPECT_EQ(a.disables + CYCLES, b.disables);
	/* one leaving VMCALL per CPU per cycle, nothing unexpected */
	EXPECT_EQ(a.exits[THINVMX_HOST_EXIT_VMCALL] + CYCLES * nr_online(),
		  b.exits[THINVMX_HOST_EXIT_VMCALL]);
	EXPECT_EQ(a.exits[THINVMX_HOST_EXIT_OTHER], b.exits[THINVMX_HOST_EXIT_OTHER]);
	EXPECT_EQ(a.exits[THINVMX_HOST_EXIT_EPT], b.exits[THINVMX_HOST_EXIT_EPT]);
	TH_LOG("%d cycles; workload loops %lu and %lu", CYCLES, l[0].loops, l[1].loops);
}

static void kmsg_write(const char *msg)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, msg, strlen(msg)) < 0)
			perror("/dev/kmsg");
		close(fd);
	}
}

/* Count the records since tvx_kmsg_open() holding each of two needles. */
static void kmsg_count(int fd, const char *n0, int *c0, const char *n1, int *c1)
{
	char rec[2048];
	ssize_t n;

	*c0 = 0;
	*c1 = 0;
	while ((n = read(fd, rec, sizeof(rec) - 1)) != 0) {
		if (n < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[n] = '\0';
		*c0 += !!strstr(rec, n0);
		*c1 += !!strstr(rec, n1);
	}
}

struct spinner {
	volatile int stop;
	unsigned long loops;
};

/* CPUID without pause on CPU 1: a VM exit after every few instructions */
static void *cpuid_fn(void *arg)
{
	struct spinner *s = arg;
	unsigned int a, b, c, d;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!s->stop) {
		__cpuid(0, a, b, c, d);
		s->loops++;
	}
	return NULL;
}

TEST_F(host, nmi_backtraces)
{
	struct spinner sp = { 0 };
	int i, fd, cpu0, cpu1;
	pthread_t t;

	if (nr_online() < 2)
		SKIP(return, "one CPU");
	if (tvx_write_file("/proc/sys/kernel/sysrq", "1"))
		SKIP(return, "no sysrq");
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, pthread_create(&t, NULL, cpuid_fn, &sp));
	fd = tvx_kmsg_open();
	ASSERT_LE(0, fd);
	kmsg_write("THINVMX-RIG: BACKTRACES BEGIN (host_test: sysrq-l)\n");
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, tvx_write_file("/proc/sysrq-trigger", "l"));
	kmsg_write("THINVMX-RIG: BACKTRACES END\n");
	sp.stop = 1;
	pthread_join(t, NULL);
	kmsg_count(fd, "NMI backtrace for cpu 0", &cpu0, "NMI backtrace for cpu 1", &cpu1);
	close(fd);
	EXPECT_EQ(5, cpu0);
	EXPECT_EQ(5, cpu1);
	EXPECT_LT(0, sp.loops);
	TH_LOG("backtraces: cpu 0 %d, cpu 1 %d; %lu CPUIDs on CPU 1", cpu0, cpu1, sp.loops);
	ASSERT_EQ(0, tvx_host_disable(self->h));
}

/* a symbol's address in /proc/kallsyms, 0 if not there (or hidden) */
static unsigned long long kallsyms_addr(const char *name)
{
	unsigned long long addr = 0, a;
	char line[256], sym[128];
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %*c %127s", &a, sym) == 2 && !strcmp(sym, name)) {
			addr = a;
			break;
		}
	fclose(f);
	return addr;
}

static unsigned long long host_test_frame(void)
{
	return host_param_u64("host_test_frame");
}

/* host events counted by kind, and the last refusal (the event tests below) */
struct evcount {
	unsigned long n[THINVMX_EVENT_NR_REASONS];
	unsigned long denied[THINVMX_EVENT_NR_REASONS];
	unsigned long sync;
	struct thinvmx_event last_denied;
	struct thinvmx_event last_msr;
};

static int count_fn(struct tvx_monitor *m, const struct thinvmx_event *ev,
		    struct thinvmx_response *rsp, void *arg)
{
	struct evcount *c = arg;

	if (ev->reason < THINVMX_EVENT_NR_REASONS)
		c->n[ev->reason]++;
	if (ev->flags & THINVMX_EVENT_F_SYNC)
		c->sync++;
	if (ev->flags & THINVMX_EVENT_F_DENIED) {
		if (ev->reason < THINVMX_EVENT_NR_REASONS)
			c->denied[ev->reason]++;
		c->last_denied = *ev;
	}
	if (ev->reason == THINVMX_EVENT_MSR)
		c->last_msr = *ev;
	return 0;
}

/*
 * Everything in the rings now, into @c. Not while CR3 events are on:
 * serving makes system calls, and each makes new CR3 events.
 */
static void drain(struct tvx_monitor *m, struct evcount *c)
{
	while (tvx_monitor_serve(m, ~0ULL, 0, 0, count_fn, c) > 0)
		;
}

/*
 * The hypervisor's memory is stolen from the host: a frame root mode owns
 * (CPU 0's root-mode state) can be neither read nor written through the
 * kernel's direct map, and the module's text, read-only to the host, not
 * written through a new writable mapping (as text_poke() would; the
 * kernel's own direct-map alias of it is read-only anyway), though it
 * can be read; each refused access is a page
 * fault (the probe's exception table makes it -EFAULT), counted, and the
 * host goes on. Through /dev/mem the kernel refuses first: the nested
 * kernel has STRICT_DEVMEM, which allows no RAM (EPERM).
 */
TEST_F(host, stolen_frames)
{
	struct thinvmx_host_status a, b;
	unsigned long long pa, text, v = 0, w = 0;
	struct evcount c = { 0 };
	struct tvx_monitor *m;
	int ret, fd;

	ret = tvx_probe(&v, "cr4");
	if (ret == -ENODEV)
		SKIP(return, "no probe module at %s", TVX_PROBE_PATH);
	ASSERT_EQ(0, ret);
	text = kallsyms_addr("tvx_host_vmcall");
	ASSERT_NE(0, text) TH_LOG("tvx_host_vmcall not in /proc/kallsyms");
	ASSERT_EQ(0, tvx_host_enable(self->h));
	pa = host_test_frame();
	ASSERT_NE(0, pa);
	ASSERT_EQ(0, tvx_host_attach(self->h, 0, &m));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_RO_MMIO_WRITE,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	EXPECT_LT(0, a.stolen_pages);

	/* the direct map: no read, no write (the same value, should it land) */
	ret = tvx_probe(&v, "peek64 %#llx", pa);
	EXPECT_EQ(-EFAULT, ret) TH_LOG("read %#llx from the hypervisor's frame", v);
	EXPECT_EQ(-EFAULT, tvx_probe(NULL, "poke64 %#llx %#llx", pa, ret ? 0 : v));
	/* the module's text: read, but no write through a new mapping */
	EXPECT_EQ(0, tvx_probe(&w, "apeek64 %#llx", text));
	EXPECT_EQ(-EFAULT, tvx_probe(NULL, "mpoke64 %#llx %#llx", text, w));

	fd = open("/dev/mem", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		EXPECT_GT(0, pwrite(fd, &v, sizeof(v), pa));
		EXPECT_EQ(EPERM, errno);
		close(fd);
	} else {
		TH_LOG("/dev/mem: %s", strerror(errno));
	}

	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_EQ(a.refused + 3, b.refused);
	EXPECT_EQ(a.exits[THINVMX_HOST_EXIT_EPT] + 3, b.exits[THINVMX_HOST_EXIT_EPT]);
	EXPECT_EQ(0, b.root_faults);
	EXPECT_EQ(nr_online(), b.nr_cpus_on);
	EXPECT_TRUE(cpuid_says_thinvmx());
	TH_LOG("%llu frames stolen; refused %llu", b.stolen_pages, b.refused);
	/* the two writes are events, denied, with their frames; the read is not */
	drain(m, &c);
	EXPECT_EQ(2, c.n[THINVMX_EVENT_RO_MMIO_WRITE]);
	EXPECT_EQ(2, c.denied[THINVMX_EVENT_RO_MMIO_WRITE]);
	EXPECT_EQ(THINVMX_EVENT_RO_MMIO_WRITE, c.last_denied.reason);
	/* the text's write went through the probe's own new mapping */
	EXPECT_TRUE(c.last_denied.flags & THINVMX_EVENT_F_GLA_VALID);
	EXPECT_EQ(text & 0xfff, c.last_denied.u.ro_mmio.offset);
	EXPECT_LE(0xffff800000000000ULL, c.last_denied.regs.rip);
	tvx_monitor_detach(m);
	ASSERT_EQ(0, tvx_host_disable(self->h));
}


/*
 * The host kernel calling the module's hypercall entry itself (the probe
 * jumps into the module's text, as any kernel code can) to give the host
 * the write right back to a frame of root mode's MSI-X set: root mode
 * refuses (-EPERM), and an invalid entry write is still refused. Another
 * frame the host owns may still be changed that way (0).
 */
#define TVX_HC_EPT_SET	2	/* kmod/host/host_cpu.h */
#define EPT_RWX		7

TEST_F(host, msix_ept_set_refused)
{
	struct thinvmx_host_status a, b;
	unsigned long long call, r;
	struct vga vga;
	__u64 pfn;
	int ret;

	if (vga_open(&vga))
		SKIP(return, "no Bochs VGA at " VGA_DEV);
	ret = tvx_probe(&r, "cr4");
	if (ret == -ENODEV)
		SKIP(return, "no probe module at %s", TVX_PROBE_PATH);
	call = kallsyms_addr("tvx_host_call");
	ASSERT_NE(0, call) TH_LOG("tvx_host_call not in /proc/kallsyms");
	pfn = vga.pa >> 12;
	vga_entry(&vga, 0, 0xfee01000, 0, 0x22, 0);
	ASSERT_EQ(0, tvx_ro_add(self->h, pfn, pfn));
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));

	ASSERT_EQ(0, tvx_probe(&r, "call4 %#llx %d %#llx 1 %d", call, TVX_HC_EPT_SET,
			       (unsigned long long)pfn, EPT_RWX));
	EXPECT_EQ(-EPERM, (long long)r);
	/* the frame beside it is no table: the call itself works */
	ASSERT_EQ(0, tvx_probe(&r, "call4 %#llx %d %#llx 1 %d", call, TVX_HC_EPT_SET,
			       (unsigned long long)pfn + 1, EPT_RWX));
	EXPECT_EQ(0, (long long)r);
	vga.p[2] = 0x500;		/* INIT delivery */
	EXPECT_EQ(0x22, vga.p[2]) TH_LOG("the host made the table writable");
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_EQ(a.msix_refused + 1, b.msix_refused);

	ASSERT_EQ(0, tvx_host_disable(self->h));
	EXPECT_EQ(0, tvx_ro_remove(self->h, pfn, pfn));
	munmap(vga.map, 16 << 20);
}

/* The NMI row of /proc/interrupts: per CPU */
static int nmi_counts(unsigned long long *c, int n)
{
	char line[512];
	FILE *f = fopen("/proc/interrupts", "re");
	int i = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (*p == ' ')
			p++;
		if (strncmp(p, "NMI:", 4))
			continue;
		p += 4;
		for (i = 0; i < n; i++)
			c[i] = strtoull(p, &p, 10);
		break;
	}
	fclose(f);
	return i == n ? 0 : -1;
}

#define NMI_ROUNDS	5

/* Five sysrq-l rounds from CPU 0: the NMIs each CPU counted. */
static int nmi_rounds(unsigned long long *delta)
{
	unsigned long long before[2], after[2];
	cpu_set_t set, old;
	int i, ret = 0;

	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if (nmi_counts(before, 2))
		ret = -1;
	kmsg_write("THINVMX-RIG: BACKTRACES BEGIN (host_test: sysrq-l)\n");
	for (i = 0; i < NMI_ROUNDS && !ret; i++)
		ret = tvx_write_file("/proc/sysrq-trigger", "l");
	kmsg_write("THINVMX-RIG: BACKTRACES END\n");
	if (!ret && nmi_counts(after, 2))
		ret = -1;
	for (i = 0; i < 2 && !ret; i++)
		delta[i] = after[i] - before[i];
	sched_setaffinity(0, sizeof(old), &old);
	return ret;
}

/*
 * NMIs are neither lost nor doubled by their detour through root mode:
 * the same sysrq-l rounds count the same NMIs on each CPU with host mode
 * off and on (CPU 1 exiting on CPUID nonstop meanwhile, so that some
 * NMIs arrive in root mode), and thinvmx re-delivered exactly those.
 */
TEST_F_TIMEOUT(host, nmi_not_doubled, 120)
{
	unsigned long long off[2], on[2];
	struct thinvmx_host_status a, b;
	struct spinner sp = { 0 };
	pthread_t t;

	if (nr_online() < 2)
		SKIP(return, "one CPU");
	if (tvx_write_file("/proc/sys/kernel/sysrq", "1"))
		SKIP(return, "no sysrq");
	ASSERT_EQ(0, nmi_rounds(off));
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	ASSERT_EQ(0, pthread_create(&t, NULL, cpuid_fn, &sp));
	ASSERT_EQ(0, nmi_rounds(on));
	sp.stop = 1;
	pthread_join(t, NULL);
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	ASSERT_EQ(0, tvx_host_disable(self->h));
	EXPECT_EQ(off[0], on[0]);
	EXPECT_EQ(off[1], on[1]);
	EXPECT_EQ(on[0] + on[1], b.nmis - a.nmis);
	EXPECT_EQ(nr_online(), b.nr_cpus_on);
	EXPECT_EQ(a.exits[THINVMX_HOST_EXIT_OTHER], b.exits[THINVMX_HOST_EXIT_OTHER]);
	TH_LOG("NMIs off: %llu %llu, on: %llu %llu; re-delivered %llu (NMI exits %llu, in root mode %llu, windows %llu)",
	       off[0], off[1], on[0], on[1], b.nmis - a.nmis,
	       b.exits[THINVMX_HOST_EXIT_NMI] - a.exits[THINVMX_HOST_EXIT_NMI],
	       b.nmi_root - a.nmi_root,
	       b.exits[THINVMX_HOST_EXIT_NMI_WINDOW] - a.exits[THINVMX_HOST_EXIT_NMI_WINDOW]);
}

/* A plain loop on CPU 1: no VM exit at all, so NMIs come while the host runs */
static void *plain_fn(void *arg)
{
	struct spinner *s = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!s->stop)
		s->loops++;
	return NULL;
}

/*
 * NMIs that come while the host runs (CPU 1 in a loop that never exits,
 * so none comes in root mode) are NMI exits, each re-delivered; the CPU
 * takes the next one as promptly. Under Bochs 2.7, which leaves NMIs
 * blocked after an NMI exit until root mode executes an IRET, the second
 * round's NMI waited out the kernel's 10 s and merged with the next.
 */
TEST_F_TIMEOUT(host, nmi_in_host, 120)
{
	unsigned long long on[2];
	struct thinvmx_host_status a, b;
	struct spinner sp = { 0 };
	pthread_t t;
	int fd, cpu0, cpu1;

	if (nr_online() < 2)
		SKIP(return, "one CPU");
	if (tvx_write_file("/proc/sys/kernel/sysrq", "1"))
		SKIP(return, "no sysrq");
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	ASSERT_EQ(0, pthread_create(&t, NULL, plain_fn, &sp));
	usleep(100000);
	fd = tvx_kmsg_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, nmi_rounds(on));
	kmsg_count(fd, "NMI backtrace for cpu 0", &cpu0, "NMI backtrace for cpu 1", &cpu1);
	close(fd);
	sp.stop = 1;
	pthread_join(t, NULL);
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	ASSERT_EQ(0, tvx_host_disable(self->h));
	EXPECT_EQ(NMI_ROUNDS, cpu1);
	EXPECT_EQ(NMI_ROUNDS, on[1]);
	EXPECT_LE(1, b.exits[THINVMX_HOST_EXIT_NMI] - a.exits[THINVMX_HOST_EXIT_NMI]);
	EXPECT_EQ(on[0] + on[1], b.nmis - a.nmis);
	EXPECT_EQ(0, b.nmi_dropped - a.nmi_dropped);
	EXPECT_EQ(nr_online(), b.nr_cpus_on);
	TH_LOG("backtraces cpu 1 %d, its NMIs %llu; NMI exits %llu, in root mode %llu, windows %llu, injected %llu",
	       cpu1, on[1], b.exits[THINVMX_HOST_EXIT_NMI] - a.exits[THINVMX_HOST_EXIT_NMI],
	       b.nmi_root - a.nmi_root,
	       b.exits[THINVMX_HOST_EXIT_NMI_WINDOW] - a.exits[THINVMX_HOST_EXIT_NMI_WINDOW],
	       b.nmis - a.nmis);
}

TEST_F(host, cpu_offline_online)
{
	struct thinvmx_host_status st;

	if (nr_online() < 2 || access(CPU1_ONLINE, W_OK))
		SKIP(return, "CPU 1 is not there or not hot-pluggable");
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_write_file(CPU1_ONLINE, "0"));
	ASSERT_EQ(0, tvx_host_status(self->h, &st));
	EXPECT_EQ(1, st.nr_cpus_on);
	EXPECT_EQ(1ULL, st.cpus_on);
	ASSERT_EQ(0, tvx_write_file(CPU1_ONLINE, "1"));
	ASSERT_EQ(0, tvx_host_status(self->h, &st));
	EXPECT_EQ(2, st.nr_cpus_on);
	EXPECT_EQ(3ULL, st.cpus_on);
	EXPECT_TRUE(cpuid_says_thinvmx());
	ASSERT_EQ(0, tvx_host_disable(self->h));
}

/* ------------------------------------------------------------ events */

#define TRACEFS		"/sys/kernel/tracing"
#define KPROBE_FN	"do_sys_openat2"

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Context switches on CPU 0: a pipe ping-pong with a child, @n rounds. */
static void ping_pong(int n)
{
	int a[2], b[2], i;
	char x = 0;
	pid_t pid;

	if (pipe(a) || pipe(b))
		return;
	pin_cpu(0);
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < n; i++)
			if (read(a[0], &x, 1) != 1 || write(b[1], &x, 1) != 1)
				break;
		_exit(0);
	}
	for (i = 0; i < n; i++)
		if (write(a[1], &x, 1) != 1 || read(b[0], &x, 1) != 1)
			break;
	waitpid(pid, NULL, 0);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

/* tracefs where the tests look for it: the rig's boot may not mount it */
static bool tracefs_here(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	if (access(path, W_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	return !access(path, W_OK);
}

static unsigned long kprobe_hits(const char *name)
{
	const char *t = tvx_read_file(TRACEFS "/kprobe_profile");
	const char *p = t ? strstr(t, name) : NULL;
	unsigned long hits = 0;

	if (p)
		sscanf(p + strlen(name), " %lu", &hits);
	return hits;
}

TEST_F(host, events_cr)
{
	struct thinvmx_host_status a, b;
	struct evcount c = { 0 };
	struct tvx_monitor *m, *m2;
	__u32 mode, flags;
	int i;

	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_attach(self->h, 0, &m));
	EXPECT_EQ(-EBUSY, tvx_host_attach(self->h, 0, &m2));
	EXPECT_LE(nr_online(), tvx_monitor_nr_vcpus(m));
	/* a host CPU cannot wait for an answer */
	EXPECT_EQ(-EOPNOTSUPP, tvx_monitor_set(m, THINVMX_MONITOR_CR3,
					       THINVMX_MONITOR_MODE_SYNC, 0));
	EXPECT_EQ(-EINVAL, tvx_monitor_set(m, THINVMX_MONITOR_MEM_ACCESS,
					   THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_CR3,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_CR4,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_monitor_get(m, THINVMX_MONITOR_CR4, &mode, &flags));
	EXPECT_EQ(THINVMX_MONITOR_MODE_ASYNC, mode);
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	EXPECT_EQ(THINVMX_HOST_LISTENER, a.flags & THINVMX_HOST_LISTENER);

	ping_pong(200);
	/* CR4.TSD flips at once for the caller */
	for (i = 0; i < 10; i++) {
		prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0);
		prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0);
	}
	/* off before draining: serving switches contexts too */
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_CR3,
				     THINVMX_MONITOR_MODE_DISABLED, 0));
	drain(m, &c);
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	TH_LOG("CR3 events %lu, CR4 events %lu, %llu CR exits", c.n[THINVMX_EVENT_CR3],
	       c.n[THINVMX_EVENT_CR4],
	       b.exits[THINVMX_HOST_EXIT_CR] - a.exits[THINVMX_HOST_EXIT_CR]);
	EXPECT_LE(400, c.n[THINVMX_EVENT_CR3]);
	EXPECT_LE(20, c.n[THINVMX_EVENT_CR4]);
	EXPECT_EQ(0, c.sync);
	EXPECT_LE(a.events + 420, b.events);
	tvx_monitor_detach(m);
	ASSERT_EQ(0, tvx_host_disable(self->h));
}

/*
 * A kprobe is an INT3 in kernel text: with INT3 events on, each hit is an
 * event and still reaches the kprobe (its hit count grows as many times).
 * Optimised kprobes would turn the INT3 into a jump: they are off here.
 * At the function's entry a kprobe rides on ftrace instead: the probe
 * goes at the first instruction boundary after it that kprobes accepts.
 */
TEST_F(host, events_int3_kprobe)
{
	const char *opt = "/proc/sys/debug/kprobes-optimization";
	unsigned long hits0, hits1;
	struct evcount c = { 0 };
	struct tvx_monitor *m;
	int i, fd;

	if (!tracefs_here("kprobe_events"))
		SKIP(return, "no kprobe_events in tracefs");
	tvx_write_file(opt, "0");
	for (i = 1; i < 24; i++) {
		char def[96];

		snprintf(def, sizeof(def), "p:tvxhost/tvxopen %s+%d\n", KPROBE_FN, i);
		if (!tvx_write_file(TRACEFS "/kprobe_events", def))
			break;
	}
	ASSERT_GT(24, i);
	TH_LOG("kprobe at %s+%d", KPROBE_FN, i);
	ASSERT_EQ(0, tvx_write_file(TRACEFS "/events/tvxhost/tvxopen/enable", "1"));
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_attach(self->h, 0, &m));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_INT3,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	hits0 = kprobe_hits("tvxopen");
	for (i = 0; i < 200; i++) {
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	hits1 = kprobe_hits("tvxopen");
	drain(m, &c);
	TH_LOG("kprobe hits %lu, INT3 events %lu", hits1 - hits0,
	       c.n[THINVMX_EVENT_INT3]);
	EXPECT_LE(200, hits1 - hits0);
	EXPECT_LE(200, c.n[THINVMX_EVENT_INT3]);
	tvx_monitor_detach(m);
	ASSERT_EQ(0, tvx_host_disable(self->h));
	tvx_write_file(TRACEFS "/events/tvxhost/tvxopen/enable", "0");
	tvx_write_file(TRACEFS "/kprobe_events", "-:tvxhost/tvxopen\n");
	tvx_write_file(opt, "1");
}

/*
 * The function tracer patches every traced call site with text_poke_bp(),
 * which puts INT3s in live text: CPUs running into them meanwhile must get
 * the host's #BP handler, events or not. On and off with INT3 events on.
 */
TEST_F(host, events_int3_ftrace)
{
	struct evcount c = { 0 };
	struct tvx_monitor *m;
	const char *t;
	int i, fd;
	char buf[64];

	if (!tracefs_here("current_tracer"))
		SKIP(return, "no current_tracer in tracefs");
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_attach(self->h, 0, &m));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_INT3,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_write_file(TRACEFS "/set_ftrace_filter", "vfs_*"));
	ASSERT_EQ(0, tvx_write_file(TRACEFS "/current_tracer", "function"));
	for (i = 0; i < 100; i++) {
		fd = open("/proc/self/stat", O_RDONLY);
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf)) < 0)
				break;
			close(fd);
		}
	}
	/* before the tracer changes: that empties the buffer */
	t = tvx_read_file(TRACEFS "/trace");
	EXPECT_NE(NULL, t && strstr(t, "vfs_read") ? t : NULL);
	ASSERT_EQ(0, tvx_write_file(TRACEFS "/current_tracer", "nop"));
	tvx_write_file(TRACEFS "/set_ftrace_filter", "");
	tvx_write_file(TRACEFS "/trace", "");
	drain(m, &c);
	TH_LOG("INT3 events while patching: %lu", c.n[THINVMX_EVENT_INT3]);
	tvx_monitor_detach(m);
	EXPECT_TRUE(cpuid_says_thinvmx());
	ASSERT_EQ(0, tvx_host_disable(self->h));
}

/* A watched MSR: the probe writes TSC_AUX with the value it has. */
TEST_F(host, events_msr)
{
	const unsigned int tsc_aux = 0xc0000103;
	struct evcount c = { 0 };
	unsigned long long v, r;
	struct tvx_monitor *m;
	int ret;

	ret = tvx_probe(&v, "rdmsr %#x", tsc_aux);
	if (ret == -ENODEV)
		SKIP(return, "no probe module at %s", TVX_PROBE_PATH);
	if (ret)
		SKIP(return, "no TSC_AUX here");
	pin_cpu(0);
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_attach(self->h, 0, &m));
	EXPECT_EQ(-EINVAL, tvx_monitor_set_msr(m, 0x3a, THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_monitor_set_msr(m, tsc_aux, THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_probe(&v, "rdmsr %#x", tsc_aux));
	ASSERT_EQ(0, tvx_probe(&r, "wrmsr_try %#x %#llx", tsc_aux, v));
	EXPECT_EQ(v, r);
	drain(m, &c);
	EXPECT_LE(2, c.n[THINVMX_EVENT_MSR]);	/* the write and the one back */
	EXPECT_EQ(tsc_aux, c.last_msr.u.msr.msr);
	EXPECT_EQ(v, c.last_msr.u.msr.new_value);
	EXPECT_TRUE(c.last_msr.flags & THINVMX_EVENT_F_OLD_VALID);
	tvx_monitor_detach(m);
	ASSERT_EQ(0, tvx_host_disable(self->h));
}

/* A small ring nobody reads: the events beyond it are counted as lost. */
TEST_F(host, events_lost)
{
	struct thinvmx_host_status a, b;
	struct evcount c = { 0 };
	struct tvx_monitor *m;
	__u64 lost;

	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_attach(self->h, THINVMX_RING_SLOTS_LOG2_MIN, &m));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_CR3,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	ping_pong(3000);		/* 6000 switches on CPU 0 at least */
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_CR3,
				     THINVMX_MONITOR_MODE_DISABLED, 0));
	lost = tvx_monitor_lost(m, 0);
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	drain(m, &c);
	TH_LOG("CPU 0: %lu events read, %llu lost", c.n[THINVMX_EVENT_CR3], lost);
	EXPECT_LT(0, lost);
	EXPECT_LE(1ULL << THINVMX_RING_SLOTS_LOG2_MIN, c.n[THINVMX_EVENT_CR3]);
	EXPECT_LE(a.events_lost + lost, b.events_lost);
	tvx_monitor_detach(m);
	ASSERT_EQ(0, tvx_host_disable(self->h));
}

/* Closing the fd turns every kind off on every CPU: no more CR3 exits. */
TEST_F(host, events_detach_on_close)
{
	struct thinvmx_host_status a, b;
	struct tvx_monitor *m;

	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_attach(self->h, 0, &m));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_CR3,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_INT3,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	ping_pong(100);
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_LE(a.exits[THINVMX_HOST_EXIT_CR] + 200, b.exits[THINVMX_HOST_EXIT_CR]);
	tvx_monitor_detach(m);
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	EXPECT_EQ(0, a.flags & THINVMX_HOST_LISTENER);
	ping_pong(100);
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_EQ(a.exits[THINVMX_HOST_EXIT_CR], b.exits[THINVMX_HOST_EXIT_CR]);
	/* a new listener can attach at once */
	ASSERT_EQ(0, tvx_host_attach(self->h, 0, &m));
	tvx_monitor_detach(m);
	ASSERT_EQ(0, tvx_host_disable(self->h));
}

/*
 * A write the MSI-X path discards is an RO_MMIO_WRITE event, DENIED, with
 * the frame and offset and who wrote (a valid write is none): one refused
 * entry write and one to the PBA-less range's entry that lands.
 */
TEST_F(host, events_ro_mmio)
{
	struct thinvmx_host_status a, b;
	struct evcount c = { 0 };
	struct tvx_monitor *m;
	struct vga vga;
	__u64 pfn;

	if (vga_open(&vga))
		SKIP(return, "no Bochs VGA at " VGA_DEV);
	pfn = vga.pa >> 12;
	vga_entry(&vga, 0, 0xfee01000, 0, 0x22, 0);
	ASSERT_EQ(0, tvx_ro_add(self->h, pfn, pfn));
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_attach(self->h, 0, &m));
	EXPECT_EQ(-EOPNOTSUPP, tvx_monitor_set(m, THINVMX_MONITOR_RO_MMIO_WRITE,
					       THINVMX_MONITOR_MODE_SYNC, 0));
	ASSERT_EQ(0, tvx_monitor_set(m, THINVMX_MONITOR_RO_MMIO_WRITE,
				     THINVMX_MONITOR_MODE_ASYNC, 0));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	vga.p[2] = 0x422;		/* NMI delivery: refused */
	EXPECT_EQ(0x22, vga.p[2]);
	vga.p[2] = 0x23;		/* valid: lands, no event */
	EXPECT_EQ(0x23, vga.p[2]);
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_EQ(a.msix_refused + 1, b.msix_refused);
	drain(m, &c);
	EXPECT_EQ(1, c.n[THINVMX_EVENT_RO_MMIO_WRITE]);
	EXPECT_EQ(1, c.denied[THINVMX_EVENT_RO_MMIO_WRITE]);
	EXPECT_EQ(THINVMX_EVENT_RO_MMIO_WRITE, c.last_denied.reason);
	EXPECT_TRUE(c.last_denied.flags & THINVMX_EVENT_F_GFN_VALID);
	EXPECT_EQ(pfn, c.last_denied.u.ro_mmio.gfn);
	EXPECT_EQ(pfn, c.last_denied.u.ro_mmio.mfn);
	EXPECT_EQ(8, c.last_denied.u.ro_mmio.offset);
	EXPECT_TRUE(c.last_denied.flags & THINVMX_EVENT_F_GLA_VALID);
	EXPECT_EQ((unsigned long)&vga.p[2], c.last_denied.u.ro_mmio.gla);
	/* who wrote: this process, in user space */
	EXPECT_GT(0x800000000000ULL, c.last_denied.regs.rip);
	tvx_monitor_detach(m);
	ASSERT_EQ(0, tvx_host_disable(self->h));
	EXPECT_EQ(0, tvx_ro_remove(self->h, pfn, pfn));
	munmap(vga.map, 16 << 20);
}

/* ------------------------------------------------------------ policies */

#define CR4_UMIP	(1ULL << 11)
#define CR4_SMEP	(1ULL << 20)
#define CR4_SMAP	(1ULL << 21)
#define CR0_WP		(1ULL << 16)
#define MSR_LSTAR	0xc0000082U

/*
 * With the module loaded as host_pin_cr=1 host_pin_msr=1 host=1: raw
 * MOVs clearing the pinned bits and a WRMSR moving LSTAR are refused
 * (the probe reads the register back before it puts the old value in,
 * interrupts off, so a failure here cannot hurt the kernel), counted, and
 * reported with the RIP of the probe's instruction.
 */
TEST_F(host, pin_cr_msr)
{
	struct thinvmx_host_status a, b;
	unsigned long long cr4, cr0, v, lstar;
	struct evcount c = { 0 };
	struct tvx_monitor *m;
	unsigned long long bits;
	int ret, tries = 0;

	if (access(TVX_MODULE_PATH, R_OK))
		SKIP(return, "no %s", TVX_MODULE_PATH);
	ret = tvx_probe(&cr4, "cr4");
	if (ret == -ENODEV)
		SKIP(return, "no probe module at %s", TVX_PROBE_PATH);
	tvx_close(self->h);
	self->h = NULL;
	ASSERT_EQ(0, host_rmmod());
	ASSERT_EQ(0, host_insmod("host=1 host_pin_cr=1 host_pin_msr=1"));
	ASSERT_EQ(0, tvx_open(&self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	EXPECT_EQ(THINVMX_HOST_ON | THINVMX_HOST_PIN_CR | THINVMX_HOST_PIN_MSR,
		  a.flags & (THINVMX_HOST_ON | THINVMX_HOST_PIN_CR | THINVMX_HOST_PIN_MSR));
	ASSERT_EQ(0, tvx_host_attach(self->h, 0, &m));
	pin_cpu(0);

	ASSERT_EQ(0, tvx_probe(&cr4, "cr4"));
	bits = cr4 & (CR4_SMEP | CR4_SMAP | CR4_UMIP);
	TH_LOG("CR4 %#llx: pinned SMEP %d SMAP %d UMIP %d", cr4, !!(bits & CR4_SMEP),
	       !!(bits & CR4_SMAP), !!(bits & CR4_UMIP));
	if (bits) {
		ASSERT_EQ(0, tvx_probe(&v, "cr4_clear_try %#llx", bits));
		EXPECT_EQ(bits, v & bits);
		tries++;
	}
	ASSERT_EQ(0, tvx_probe(&cr0, "cr0"));
	ASSERT_TRUE(cr0 & CR0_WP);
	ASSERT_EQ(0, tvx_probe(&v, "cr0_clear_try %#llx", CR0_WP));
	EXPECT_TRUE(v & CR0_WP);
	tries++;

	ASSERT_EQ(0, tvx_probe(&lstar, "rdmsr %#x", MSR_LSTAR));
	ASSERT_EQ(0, tvx_probe(&v, "wrmsr_try %#x %#llx", MSR_LSTAR, lstar + 1));
	EXPECT_EQ(lstar, v);
	/* the old value back is a write of what it holds: done, not refused */
	ASSERT_EQ(0, tvx_probe(&v, "wrmsr %#x %#llx", MSR_LSTAR, lstar));
	EXPECT_EQ(lstar, v);

	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_EQ(a.cr_pin_refused + tries, b.cr_pin_refused);
	EXPECT_EQ(a.msr_pin_refused + 1, b.msr_pin_refused);
	drain(m, &c);
	EXPECT_EQ(bits ? 1 : 0, c.denied[THINVMX_EVENT_CR4]);
	EXPECT_EQ(1, c.denied[THINVMX_EVENT_CR0]);
	EXPECT_EQ(1, c.denied[THINVMX_EVENT_MSR]);
	EXPECT_EQ(THINVMX_EVENT_MSR, c.last_denied.reason);
	EXPECT_EQ(MSR_LSTAR, c.last_denied.u.msr.msr);
	EXPECT_EQ(lstar + 1, c.last_denied.u.msr.new_value);
	EXPECT_EQ(lstar, c.last_denied.u.msr.old_value);
	EXPECT_EQ(0, c.last_denied.vcpu);
	/* who tried: the probe, a kernel address */
	EXPECT_LE(0xffff800000000000ULL, c.last_denied.regs.rip);
	tvx_monitor_detach(m);

	tvx_close(self->h);
	self->h = NULL;
	ASSERT_EQ(0, host_rmmod());
	ASSERT_EQ(0, host_insmod(""));
	ASSERT_EQ(0, tvx_open(&self->h));
}

/*
 * The CR pins root mode enforces are its own copy, set only by hypercall:
 * a host kernel that clears the pins in the host side's record of them
 * (module data, through a fresh writable mapping, as an exploit could;
 * the write lands) unpins nothing. A raw MOV clearing CR0.WP is still
 * refused and counted.
 */
TEST_F(host, pin_host_record)
{
	struct thinvmx_host_status a, b;
	unsigned long long rec, v, pin0 = 0, pin4 = 0;
	int ret;

	if (access(TVX_MODULE_PATH, R_OK))
		SKIP(return, "no %s", TVX_MODULE_PATH);
	ret = tvx_probe(&v, "cr0");
	if (ret == -ENODEV)
		SKIP(return, "no probe module at %s", TVX_PROBE_PATH);
	tvx_close(self->h);
	self->h = NULL;
	ASSERT_EQ(0, host_rmmod());
	ASSERT_EQ(0, host_insmod("host=1 host_pin_cr=1"));
	ASSERT_EQ(0, tvx_open(&self->h));
	rec = host_param_u64("host_test_pins");
	ASSERT_NE(0, rec) TH_LOG("no host_test_pins parameter");
	ASSERT_EQ(0, tvx_probe(&pin0, "apeek64 %#llx", rec));
	ASSERT_EQ(0, tvx_probe(&pin4, "apeek64 %#llx", rec + 8));
	TH_LOG("the host side's record at %#llx: CR0 pins %#llx, CR4 pins %#llx",
	       rec, pin0, pin4);
	ASSERT_TRUE(pin0 & CR0_WP);

	ASSERT_EQ(0, tvx_probe(NULL, "mpoke64 %#llx 0", rec));
	ASSERT_EQ(0, tvx_probe(NULL, "mpoke64 %#llx 0", rec + 8));
	ASSERT_EQ(0, tvx_probe(&v, "apeek64 %#llx", rec));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	ASSERT_EQ(0, tvx_probe(&v, "cr0_clear_try %#llx", CR0_WP));
	EXPECT_TRUE(v & CR0_WP) TH_LOG("CR0 %#llx: the host unpinned WP", v);
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_EQ(a.cr_pin_refused + 1, b.cr_pin_refused);

	/* the record as it was */
	EXPECT_EQ(0, tvx_probe(NULL, "mpoke64 %#llx %#llx", rec, pin0));
	EXPECT_EQ(0, tvx_probe(NULL, "mpoke64 %#llx %#llx", rec + 8, pin4));
	tvx_close(self->h);
	self->h = NULL;
	ASSERT_EQ(0, host_rmmod());
	ASSERT_EQ(0, host_insmod(""));
	ASSERT_EQ(0, tvx_open(&self->h));
}

/*
 * The guard policies through netlink (thinvmx-ctl host policy): set while
 * host mode is off, they hold from the enable on (CR0.WP); set while it is
 * on, from then on (LSTAR); switched off again, neither is counted.
 */
TEST_F(host, pin_netlink)
{
	struct thinvmx_host_status a, b;
	struct tvx_nl_host_policy p;
	unsigned long long v, lstar;
	struct tvx_nl *nl;
	int ret;

	ret = tvx_probe(&v, "cr0");
	if (ret == -ENODEV)
		SKIP(return, "no probe module at %s", TVX_PROBE_PATH);
	ret = tvx_nl_open(&nl);
	if (ret == -ENOENT || ret == -EPROTONOSUPPORT)
		SKIP(return, "no thinvmx netlink family");
	ASSERT_EQ(0, ret);
	pin_cpu(0);
	ASSERT_EQ(0, tvx_nl_host_set_policy(nl, 1, 0));
	ASSERT_EQ(0, tvx_nl_host_get_policy(nl, &p));
	EXPECT_TRUE(p.pin_cr);
	EXPECT_FALSE(p.pin_msr);
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	EXPECT_EQ(THINVMX_HOST_PIN_CR, a.flags & (THINVMX_HOST_PIN_CR | THINVMX_HOST_PIN_MSR));
	ASSERT_EQ(0, tvx_probe(&v, "cr0_clear_try %#llx", CR0_WP));
	EXPECT_TRUE(v & CR0_WP) TH_LOG("CR0 %#llx: WP cleared", v);

	ASSERT_EQ(0, tvx_nl_host_set_policy(nl, -1, 1));
	ASSERT_EQ(0, tvx_probe(&lstar, "rdmsr %#x", MSR_LSTAR));
	ASSERT_EQ(0, tvx_probe(&v, "wrmsr_try %#x %#llx", MSR_LSTAR, lstar + 1));
	EXPECT_EQ(lstar, v);
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_EQ(a.cr_pin_refused + 1, b.cr_pin_refused);
	EXPECT_EQ(a.msr_pin_refused + 1, b.msr_pin_refused);
	EXPECT_EQ(THINVMX_HOST_PIN_CR | THINVMX_HOST_PIN_MSR,
		  b.flags & (THINVMX_HOST_PIN_CR | THINVMX_HOST_PIN_MSR));

	/* off: the probe's raw writes go through (it puts the old values back) */
	ASSERT_EQ(0, tvx_nl_host_set_policy(nl, 0, 0));
	ASSERT_EQ(0, tvx_probe(&v, "cr0_clear_try %#llx", CR0_WP));
	EXPECT_FALSE(v & CR0_WP);
	ASSERT_EQ(0, tvx_probe(&v, "wrmsr_try %#x %#llx", MSR_LSTAR, lstar + 1));
	EXPECT_EQ(lstar + 1, v);
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	EXPECT_EQ(b.cr_pin_refused, a.cr_pin_refused);
	EXPECT_EQ(b.msr_pin_refused, a.msr_pin_refused);
	ASSERT_EQ(0, tvx_host_disable(self->h));
	tvx_nl_close(nl);
}

/*
 * Suspend to RAM with host mode on (Bochs's ACPI takes S3 and its BIOS
 * resumes at once): CPU 1 leaves as it goes offline, CPU 0 in the syscore
 * suspend before VMXOFF; after the resume CPU 0 is taken in again by the
 * syscore resume, CPU 1 as it comes online. Each CPU's CPUID says
 * thinvmx afterwards (a CPU that had not left would keep its stale "on"
 * and not be taken in again), and host mode goes off cleanly.
 */
TEST_F_TIMEOUT(host, suspend_resume, 120)
{
	struct thinvmx_host_status a, b;
	const char *ms = tvx_read_file("/sys/power/mem_sleep");
	int cpu;

	if (!ms || !strstr(ms, "deep"))
		SKIP(return, "no suspend to RAM here (mem_sleep: %.40s)", ms ? ms : "none");
	ASSERT_EQ(0, tvx_host_enable(self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &a));
	ASSERT_EQ(nr_online(), a.nr_cpus_on);
	ASSERT_EQ(0, tvx_write_file("/sys/power/mem_sleep", "deep"));
	/* returns after the resume */
	ASSERT_EQ(0, tvx_write_file("/sys/power/state", "mem"));
	ASSERT_EQ(0, tvx_host_status(self->h, &b));
	EXPECT_TRUE(b.flags & THINVMX_HOST_ON);
	EXPECT_EQ(nr_online(), b.nr_cpus_on);
	EXPECT_EQ(a.cpus_on, b.cpus_on);
	EXPECT_EQ(a.enables, b.enables);
	for (cpu = 0; cpu < nr_online(); cpu++) {
		pin_cpu(cpu);
		EXPECT_TRUE(cpuid_says_thinvmx()) TH_LOG("CPU %d is not in host mode", cpu);
	}
	EXPECT_EQ(0, b.root_faults);
	ASSERT_EQ(0, tvx_host_disable(self->h));
	for (cpu = 0; cpu < nr_online(); cpu++) {
		pin_cpu(cpu);
		EXPECT_FALSE(cpuid_says_thinvmx());
	}
	pin_cpu(0);
}

/* Last: unloads and loads the module. */
TEST_F(host, rmmod_while_on)
{
	struct thinvmx_host_status st;

	if (access(TVX_MODULE_PATH, R_OK))
		SKIP(return, "no %s", TVX_MODULE_PATH);
	ASSERT_EQ(0, tvx_host_enable(self->h));
	tvx_close(self->h);
	self->h = NULL;
	ASSERT_EQ(0, host_rmmod());
	EXPECT_FALSE(cpuid_says_thinvmx());

	/* host=1 at load */
	ASSERT_EQ(0, host_insmod("host=1"));
	ASSERT_EQ(0, tvx_open(&self->h));
	ASSERT_EQ(0, tvx_host_status(self->h, &st));
	EXPECT_EQ(THINVMX_HOST_ON, st.flags & THINVMX_HOST_ON);
	EXPECT_EQ(nr_online(), st.nr_cpus_on);
	EXPECT_TRUE(cpuid_says_thinvmx());
	tvx_close(self->h);
	self->h = NULL;
	ASSERT_EQ(0, host_rmmod());
	ASSERT_EQ(0, host_insmod(""));
	ASSERT_EQ(0, tvx_open(&self->h));
}

TEST_HARNESS_MAIN
