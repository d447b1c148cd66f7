/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the thinvmx kselftests: what the nested VM tells a test
 * about itself (the tier on the kernel command line, CPU flags) and small
 * file utilities. Tests run as root in the nested VM's initramfs.
 */
#ifndef _THINVMX_SELFTEST_H
#define _THINVMX_SELFTEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libthinvmx.h"

#define TVX_MODULE_PATH	"/thinvmx.ko"

/*
 * SKIP from a FIXTURE_SETUP. The 6.1 kselftest_harness.h still runs the
 * TEST_F body after its setup said SKIP (later harnesses do not): jump
 * out past the body and the teardown, as a failed ASSERT does. Whatever
 * the setup acquired before is released when the test's process exits.
 */
#define TVX_SETUP_SKIP(fmt, ...) \
	SKIP(longjmp(_metadata->env, 1), fmt, ##__VA_ARGS__)

/* finit_module() of a .ko file: 0, or -errno (-EEXIST: it is loaded). */
static inline int tvx_load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * The TSC frequency a THINVMX_DOMAIN_LAPIC domain tells its guest in
 * CPUID leaf 0x40000010 (EAX, kHz); 0 if it has none.
 */
static inline __u32 tvx_domain_tsc_khz(struct tvx_domain *d)
{
	struct thinvmx_cpuid_entry e[THINVMX_CPUID_MAX];
	struct thinvmx_cpuid c = { .entries = (__u64)(uintptr_t)e,
				   .nr = THINVMX_CPUID_MAX };
	unsigned int i;

	if (ioctl(tvx_domain_fd(d), THINVMX_GET_CPUID, &c))
		return 0;
	for (i = 0; i < c.nr; i++)
		if (e[i].function == 0x40000010)
			return e[i].eax;
	return 0;
}

#define TVX_PROBE_PATH	"/tests/tvx_probe.ko"

/*
 * Run one command of the ring-0 probe module (selftests/thinvmx/probe),
 * loading it first if needed: "NAME [ARG [ARG]]". Return: 0 with the
 * command's result in *out (may be NULL), or its -errno (-EFAULT: the
 * instruction faulted; -ENOENT: no such command); -ENODEV if the module
 * cannot be had.
 */
static inline int tvx_probe(unsigned long long *out, const char *fmt, ...)
{
	char cmd[128], res[64];
	va_list ap;
	ssize_t n;
	int fd, ret;

	fd = open("/dev/tvx_probe", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = tvx_load_module(TVX_PROBE_PATH);
		if (ret && ret != -EEXIST)
			return -ENODEV;
		fd = open("/dev/tvx_probe", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -ENODEV;
	}
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = write(fd, cmd, strlen(cmd)) < 0 ? -errno : 0;
	if (!ret) {
		n = pread(fd, res, sizeof(res) - 1, 0);
		res[n > 0 ? n : 0] = '\0';
		if (out)
			*out = strtoull(res, NULL, 0);
	}
	close(fd);
	return ret;
}

/*
 * Open /dev/thinvmx for a test that runs guests. Return: NULL with *h set,
 * or why the test must SKIP (no module, VMX unusable, no unrestricted
 * guest when @need_ug), *h then closed. Any other failure to open is
 * returned as *err for the test to fail on.
 */
static inline const char *tvx_test_open(struct tvx_handle **h, bool need_ug,
					int *err)
{
	static char why[160];
	struct thinvmx_caps caps;
	int ret;

	*h = NULL;
	*err = 0;
	ret = tvx_open(h);
	if (ret == -ENOENT)
		return "no " THINVMX_DEVICE ": module not loaded";
	if (!ret)
		ret = tvx_get_caps(*h, &caps);
	if (ret) {
		*err = ret;
		return NULL;
	}
	if (caps.vmx_status != THINVMX_VMX_OK)
		snprintf(why, sizeof(why), "VMX not usable: %s",
			 tvx_vmx_status_str(caps.vmx_status));
	else if (need_ug && !(caps.features & THINVMX_FEAT_UNRESTRICTED))
		snprintf(why, sizeof(why), "no unrestricted guest");
	else
		return NULL;
	tvx_close(*h);
	*h = NULL;
	return why;
}

/*
 * Run vCPU @v of domain @d to its next ucall, which must be @want (a
 * TVX_UCALL_* or a negative errno); log what it was otherwise. For
 * kselftest_harness tests (it ASSERTs).
 */
#define TVX_RUN_EXPECT(want, v, d, uc) do {				\
	int __r = tvx_run_until_ucall((v), (d), (uc));			\
	char __desc[512];						\
									\
	tvx_ucall_describe((uc), __desc, sizeof(__desc));		\
	ASSERT_EQ((want), __r) TH_LOG("%s", __desc);			\
} while (0)

/* Read a whole small file into a static buffer; NULL if unreadable. */
static inline const char *tvx_read_file(const char *path)
{
	static char buf[1 << 16];
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while (len < (ssize_t)sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* Write @val to @path (a module parameter, a cgroup file): 0 or -errno. */
static inline int tvx_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

#define TVX_UNSAFE_ASSIGN_PARAM \
	"/sys/module/thinvmx/parameters/allow_unsafe_assignment"

/*
 * THINVMX_ASSIGN_DEVICE also where no IOMMU covers the device (the Bochs
 * tier has none), as THINVMX_ASSIGN_DEVICE_BAR requires: the module's
 * allow_unsafe_assignment is set for this one call (the kernel is then
 * tainted) and put back as it was. Return: 0 or -errno.
 */
static inline int tvx_assign_device_unsafe(struct tvx_domain *d, __u32 sbdf)
{
	const char *v = tvx_read_file(TVX_UNSAFE_ASSIGN_PARAM);
	bool was_set = v && (v[0] == 'Y' || v[0] == '1');
	int ret;

	if (!was_set) {
		ret = tvx_write_file(TVX_UNSAFE_ASSIGN_PARAM, "1");
		if (ret)
			return ret;
	}
	ret = tvx_assign_device(d, sbdf);
	if (!was_set)
		tvx_write_file(TVX_UNSAFE_ASSIGN_PARAM, "0");
	return ret;
}

/* The host's physical address width (/proc/cpuinfo), 0 if unknown. */
static inline unsigned int tvx_host_phys_bits(void)
{
	const char *s = tvx_read_file("/proc/cpuinfo");
	unsigned int bits = 0;

	s = s ? strstr(s, "address sizes") : NULL;
	if (s)
		sscanf(strchr(s, ':') + 1, " %u bits physical", &bits);
	return bits;
}

/* The module's page count (its "pages" parameter), -1 if unreadable. */
static inline long tvx_module_pages(void)
{
	const char *s = tvx_read_file("/sys/module/thinvmx/parameters/pages");

	return s ? atol(s) : -1;
}

/*
 * Guest code (long mode, run with tvx_vcpu_setup_long_mode()): a load of
 * the word at @addr, and a store of @val followed by a load of the same
 * word (what the guest sees afterwards).
 */
static inline __u64 tvx_guest_read64(__u64 addr)
{
	__u64 v;

	asm volatile("movq (%1), %0" : "=r" (v) : "r" (addr) : "memory");
	return v;
}

static inline __u64 tvx_guest_write_read64(__u64 addr, __u64 val)
{
	__u64 v;

	asm volatile("movq %1, (%2)\n\t"
		     "movq (%2), %0"
		     : "=&r" (v) : "r" (val), "r" (addr) : "memory");
	return v;
}

/*
 * Make @v start guest function @fn(@a0, @a1) in long mode at its next RUN
 * (tvx_vcpu_setup_long_mode(), then the arguments). Return: 0 or -errno.
 */
static inline int tvx_start_fn(struct tvx_vcpu *v, struct tvx_domain *d,
			       void *fn, __u64 a0, __u64 a1)
{
	int ret = tvx_vcpu_setup_long_mode(v, d, (__u64)(uintptr_t)fn, 0);

	return ret ? ret : tvx_vcpu_set_args(v, a0, a1, 0);
}

/* The first frame of a /proc/iomem resource that is MMIO, not RAM; 0 if none. */
static inline __u64 tvx_iomem_mmio_frame(char *name, size_t len)
{
	static const char *const wanted[] = {
		"Video RAM area", "IOAPIC", "Local APIC", "HPET",
	};
	const char *text = tvx_read_file("/proc/iomem");
	unsigned int i;

	if (!text)
		return 0;
	for (i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		const char *line = text;

		while (line && *line) {
			const char *end = strchr(line, '\n');
			unsigned long long s, e;
			int n = 0;

			if (sscanf(line, " %llx-%llx : %n", &s, &e, &n) == 2 && n &&
			    !strncmp(line + n, wanted[i], strlen(wanted[i])) && s) {
				snprintf(name, len, "%s at %#llx", wanted[i], s);
				return (s + 0xfff) >> 12;
			}
			line = end ? end + 1 : NULL;
		}
	}
	return 0;
}

/*
 * A PCI device with a memory BAR of at least two pages, page aligned (the
 * Bochs VGA's framebuffer, a QEMU NIC's registers): its sysfs path, sbdf,
 * BAR number, start and size. Return: true if one was found.
 */
static inline bool tvx_pci_mem_bar(char *dev, size_t len, __u32 *sbdf,
				   int *bar, __u64 *start, __u64 *size)
{
	struct dirent *de;
	DIR *dir = opendir("/sys/bus/pci/devices");
	bool found = false;

	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		unsigned int seg, bus, slot, fn;
		unsigned long long s, e, f;
		const char *res;
		char p[300];
		int i;

		if (sscanf(de->d_name, "%x:%x:%x.%x", &seg, &bus, &slot, &fn) != 4)
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/resource", de->d_name);
		res = tvx_read_file(p);
		for (i = 0; res && i < 6 && !found; i++) {
			if (sscanf(res, "%llx %llx %llx", &s, &e, &f) == 3 &&
			    (f & 0x200) && s && !(s & 0xfff) &&
			    e - s + 1 >= 0x2000 && !((e + 1) & 0xfff)) {
				snprintf(dev, len, "/sys/bus/pci/devices/%s", de->d_name);
				*sbdf = THINVMX_PCI_SBDF(seg, bus, slot, fn);
				*bar = i;
				*start = s;
				*size = e - s + 1;
				found = true;
			}
			res = strchr(res, '\n');
			if (res)
				res++;
		}
	}
	closedir(dir);
	return found;
}

/* Add (or remove) host frames [first, last] on the MMIO allow-list. */
static inline int tvx_mmio_allow(bool add, __u64 first, __u64 last)
{
	struct tvx_nl *nl;
	int ret = tvx_nl_open(&nl);

	if (ret)
		return ret;
	ret = add ? tvx_nl_mmio_allow_add(nl, first, last) :
		    tvx_nl_mmio_allow_remove(nl, first, last);
	tvx_nl_close(nl);
	return ret;
}

/* /dev/kmsg positioned at its end: what the kernel logs from now on. */
static inline int tvx_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Whether a record logged since tvx_kmsg_open() (or the last call)
 * contains @needle; reads every record there is.
 */
static inline bool tvx_kmsg_find(int fd, const char *needle)
{
	char rec[2048];
	bool seen = false;
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) != 0) {
		if (n < 0) {
			if (errno == EPIPE)	/* overwritten: go on */
				continue;
			break;
		}
		rec[n] = '\0';
		if (strstr(rec, needle))
			seen = true;
	}
	return seen;
}

/* A segment register as THINVMX_SET_SREGS takes it (raw guests). */
static inline void tvx_test_seg(struct thinvmx_segment *s, __u16 sel,
				__u64 base, __u32 limit, __u32 ar)
{
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->ar = ar;
}

/* "bochs", "tcg", "kvm" from thinvmx.tier= on the command line, or "host". */
static inline const char *tvx_tier(void)
{
	static char tier[16];
	const char *cmd = tvx_read_file("/proc/cmdline");
	const char *p = cmd ? strstr(cmd, "thinvmx.tier=") : NULL;
	size_t n = 0;

	if (!p)
		return "host";
	p += strlen("thinvmx.tier=");
	while (p[n] && p[n] != ' ' && p[n] != '\n' && n < sizeof(tier) - 1)
		n++;
	memcpy(tier, p, n);
	tier[n] = '\0';
	return tier;
}

/* Whether word @flag appears on the first line of /proc/cpuinfo that starts with @key. */
static inline bool tvx_cpuinfo_has(const char *key, const char *flag)
{
	const char *info = tvx_read_file("/proc/cpuinfo");
	const char *line, *end, *p;
	size_t fl = strlen(flag);

	if (!info)
		return false;
	for (line = info; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (strncmp(line, key, strlen(key)))
			continue;
		for (p = strchr(line, ':'); p && (!end || p < end); p++) {
			p = strstr(p, flag);
			if (!p || (end && p >= end))
				return false;
			if (p[-1] == ' ' && (p[fl] == ' ' || p[fl] == '\n' || !p[fl]))
				return true;
		}
		return false;
	}
	return false;
}

/* Whether the kernel log contains @needle. */
static inline bool tvx_dmesg_has(const char *needle)
{
	static char log[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);

	if (n < 0)
		return false;
	log[n] = '\0';
	return strstr(log, needle) != NULL;
}

#endif /* _THINVMX_SELFTEST_H */
