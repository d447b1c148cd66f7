// SPDX-License-Identifier: GPL-2.0
/*
 * A kdump with guests running: the crash must take every CPU out of VMX
 * operation (thinvmx's emergency callback, vmx/emergency.c), or the kdump
 * kernel cannot start (its first CR4 write without VMXE #GPs on a CPU in
 * VMX operation) nor bring the other CPUs up (INIT is blocked in VMX root
 * operation), and thinvmx cannot enter VMX operation there again.
 *
 * One test, two kernels. In the first (no thinvmx.kdump=after on the
 * command line) it loads a crash kernel with kexec_file_load(): the same
 * kernel, /boot/vmlinuz, and a small initramfs it builds from its own
 * (busybox, the rig's init, thinvmx.ko and this test); runs a vCPU
 * counting in the guest on every CPU, and crashes the kernel through
 * /proc/sysrq-trigger. It never returns. In the crash kernel the rig's
 * init loads thinvmx again and runs this test, which checks that every
 * CPU came up and runs a guest on each. The rig judges the crash kernel's
 * run (run.sh --kdump: the panic from the kernel's "sysrq: Trigger a
 * crash" to the crash kernel's banner is no complaint); make
 * nested-bochs-kdump boots it.
 *
 * With thinvmx.kdump_host on the first kernel's command line (make
 * nested-bochs-kdump-host), the crash comes with host mode on instead of
 * guests: every CPU runs as a guest of thinvmx when the kernel crashes,
 * and the emergency callback must take each out of host mode and out of
 * VMX operation (on the other CPUs from the shootdown NMI); the crash
 * kernel checks the same.
 *
 * Requires: root, the thinvmx module, VMX with unrestricted guest, a
 * crashkernel= reservation and /boot/vmlinuz. SKIPs otherwise.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"

#define MEM_BYTES	(16ULL << 20)
#define SLOT_GPA(i)	((8ULL << 20) + 0x3000 + (i) * 64)
#define STOP_GPA	((8ULL << 20) + 0x8000)
#define MAX_VCPUS	8
#define WAIT_S		120
#define KERNEL		"/boot/vmlinuz"
#define INITRD		"/tmp/kdump-initrd.cpio"
#define MARK		"thinvmx.kdump=after"
#define HOST_MARK	"thinvmx.kdump_host"

#ifndef KEXEC_FILE_ON_CRASH
#define KEXEC_FILE_ON_CRASH	0x2
#endif

/* Store 1, 2, 3, ... into *slot until *stop is set; return the last. */
static __u64 guest_count(__u64 slot, __u64 stop)
{
	__u64 i = 0;

	while (!*(volatile __u64 *)(uintptr_t)stop) {
		i++;
		asm volatile("movq %0, (%1)" : : "r" (i), "r" (slot) : "memory");
	}
	return i;
}

struct runner {
	struct tvx_vcpu *v;
	struct tvx_domain *d;
	struct tvx_ucall uc;
	int cpu;
	int ret;
};

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *run_guest(void *arg)
{
	struct runner *r = arg;

	pin_self(r->cpu);
	r->ret = tvx_run_until_ucall(r->v, r->d, &r->uc);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool after_crash(void)
{
	const char *cmdline = tvx_read_file("/proc/cmdline");

	return cmdline && strstr(cmdline, MARK);
}

/* The running kernel's command line with MARK instead of crashkernel=. */
static void crash_cmdline(char *buf, size_t len)
{
	const char *cmdline = tvx_read_file("/proc/cmdline");
	char copy[2048], *tok, *save;

	strncpy(copy, cmdline ? cmdline : "", sizeof(copy) - 1);
	copy[sizeof(copy) - 1] = '\0';
	buf[0] = '\0';
	for (tok = strtok_r(copy, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (!strncmp(tok, "crashkernel=", 12))
			continue;
		strncat(buf, tok, len - strlen(buf) - 1);
		strncat(buf, " ", len - strlen(buf) - 1);
	}
	strncat(buf, MARK, len - strlen(buf) - 1);
}

/* Busybox, the rig's init, thinvmx.ko and this test, as a newc cpio. */
static int build_initrd(void)
{
	return system("set -e; d=/tmp/kdump-root; rm -rf $d; "
		      "mkdir -p $d/bin $d/sbin $d/usr/bin $d/usr/sbin $d/dev $d/proc "
		      "$d/sys $d/tmp $d/etc $d/tests; "
		      "cp /bin/busybox $d/bin/; "
		      "for p in $(busybox --list-full); do "
		      "[ $p = bin/busybox ] || ln -sf /bin/busybox $d/$p; done; "
		      "cp /init /thinvmx.ko $d/; cp /etc/thinvmx-rig.conf $d/etc/; "
		      "cp /tests/kdump_test $d/tests/; "
		      "echo kdump_test > $d/tests/list; "
		      "mknod $d/dev/console c 5 1; "
		      "cd $d && find . | cpio -o -H newc > " INITRD " 2>/dev/null; "
		      "rm -rf $d");
}

static int kexec_load_crash(const char *cmdline)
{
	int kfd, ifd;
	long ret;

	kfd = open(KERNEL, O_RDONLY);
	ifd = open(INITRD, O_RDONLY);
	if (kfd < 0 || ifd < 0)
		return -ENOENT;
	ret = syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline,
		      KEXEC_FILE_ON_CRASH);
	close(kfd);
	close(ifd);
	return ret ? -errno : 0;
}

/* A domain with one counting vCPU per online CPU, ready to run. */
static int make_guests(struct tvx_handle *h, struct tvx_domain **d,
		       struct runner *r, int n)
{
	struct tvx_guest_layout l;
	int i, ret;

	ret = tvx_domain_create_simple(h, MEM_BYTES, d);
	if (!ret)
		ret = tvx_guest_load_self(*d);
	if (!ret)
		ret = tvx_guest_layout(*d, &l);
	for (i = 0; !ret && i < n; i++) {
		r[i].d = *d;
		r[i].cpu = i;
		ret = tvx_vcpu_create(*d, i, &r[i].v);
	}
	/* every setup rewrites the tables: all of them before any RUN */
	for (i = 0; !ret && i < n; i++) {
		ret = tvx_vcpu_setup_long_mode(r[i].v, *d, (__u64)(uintptr_t)guest_count,
					       l.stack_top[i]);
		if (!ret)
			ret = tvx_vcpu_set_args(r[i].v, SLOT_GPA(i), STOP_GPA, 0);
	}
	return ret;
}

static bool all_count(struct tvx_domain *d, int n)
{
	double end = now_s() + WAIT_S;
	int i, ok;

	do {
		for (i = 0, ok = 0; i < n; i++)
			ok += *(volatile __u64 *)tvx_gpa(d, SLOT_GPA(i)) > 1000;
		if (ok == n)
			return true;
		usleep(1000);
	} while (now_s() < end);
	return false;
}

/* only for TEST_F_TIMEOUT: two CPUs in Bochs need minutes */
FIXTURE(kd) {
	int unused;
};

FIXTURE_SETUP(kd)
{
}

FIXTURE_TEARDOWN(kd)
{
}

TEST_F_TIMEOUT(kd, guests_on_every_cpu_survive_a_kdump, 600)
{
	struct runner r[MAX_VCPUS] = { 0 };
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	struct thinvmx_caps caps;
	struct tvx_handle *h;
	struct tvx_domain *d;
	pthread_t t[MAX_VCPUS];
	char cmdline[2048];
	int i;

	if (n > MAX_VCPUS)
		n = MAX_VCPUS;
	if (tvx_open(&h))
		SKIP(return, "no %s: module not loaded", THINVMX_DEVICE);
	if (tvx_get_caps(h, &caps) || caps.vmx_status != THINVMX_VMX_OK ||
	    !(caps.features & THINVMX_FEAT_UNRESTRICTED)) {
		tvx_close(h);
		SKIP(return, "VMX with unrestricted guest not usable");
	}

	if (after_crash()) {
		/* the CPUs the crash left halted came up again (INIT not blocked) */
		EXPECT_EQ(0, access("/proc/vmcore", R_OK)) TH_LOG("not a kdump kernel?");
		ASSERT_EQ(conf, n) TH_LOG("%ld of %ld CPUs online after the crash", n, conf);
		ASSERT_EQ(0, make_guests(h, &d, r, n));
		for (i = 0; i < n; i++)
			ASSERT_EQ(0, pthread_create(&t[i], NULL, run_guest, &r[i]));
		EXPECT_TRUE(all_count(d, n)) TH_LOG("the guests do not count");
		*(volatile __u64 *)tvx_gpa(d, STOP_GPA) = 1;
		for (i = 0; i < n; i++) {
			pthread_join(t[i], NULL);
			EXPECT_EQ(TVX_UCALL_DONE, r[i].ret) TH_LOG("vCPU %d on CPU %d", i, i);
			tvx_vcpu_destroy(r[i].v);
		}
		tvx_domain_destroy(d);
		tvx_close(h);
		return;
	}

	if (strtol(tvx_read_file("/sys/kernel/kexec_crash_size") ?: "0", NULL, 10) <= 0) {
		tvx_close(h);
		SKIP(return, "no crashkernel= reservation");
	}
	if (access(KERNEL, R_OK)) {
		tvx_close(h);
		SKIP(return, "no %s to load as the crash kernel", KERNEL);
	}
	ASSERT_EQ(0, build_initrd());
	crash_cmdline(cmdline, sizeof(cmdline));
	TH_LOG("crash kernel command line: %s", cmdline);
	/*
	 * kexec_file_load() hashes the segments (SHA-256 of some 40 MB)
	 * without rescheduling: a minute in Bochs, a soft lockup report.
	 */
	tvx_write_file("/proc/sys/kernel/soft_watchdog", "0");
	ASSERT_EQ(0, kexec_load_crash(cmdline));
	tvx_write_file("/proc/sys/kernel/soft_watchdog", "1");

	if (strstr(tvx_read_file("/proc/cmdline") ?: "", HOST_MARK)) {
		struct thinvmx_host_status st;

		ASSERT_EQ(0, tvx_host_enable(h));
		ASSERT_EQ(0, tvx_host_status(h, &st));
		ASSERT_EQ(n, st.nr_cpus_on);
		TH_LOG("host mode on, %u CPUs: crashing", st.nr_cpus_on);
	} else {
		ASSERT_EQ(0, make_guests(h, &d, r, n));
		for (i = 0; i < n; i++)
			ASSERT_EQ(0, pthread_create(&t[i], NULL, run_guest, &r[i]));
		ASSERT_TRUE(all_count(d, n)) TH_LOG("the guests do not count");
	}

	/*
	 * The rig judges from the kernel's "sysrq: Trigger a crash" on; let
	 * the test's output reach the console first (a panic kexecs
	 * without flushing it).
	 */
	sleep(1);
	tvx_write_file("/proc/sys/kernel/sysrq", "1");
	tvx_write_file("/proc/sysrq-trigger", "c");
	ASSERT_TRUE(false) TH_LOG("still alive after sysrq-c");
}

TEST_HARNESS_MAIN
