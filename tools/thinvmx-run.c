// SPDX-License-Identifier: GPL-2.0
/*
 * thinvmx-run: start a guest from an ELF or flat image.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libthinvmx.h"
#include "devices.h"
#include "tvx_json.h"

#define EXIT_USAGE	2
#define COM1		0x3f8

static const char usage_text[] =
"Usage: thinvmx-run [OPTIONS] IMAGE\n"
"       thinvmx-run [OPTIONS] --kernel KERNEL [--initrd FILE] [--append CMDLINE]\n"
"\n"
"Run IMAGE as a thinvmx guest. An ELF64 executable is loaded at its\n"
"physical addresses and started at its entry point in 64-bit long mode\n"
"(identity-mapped, as libthinvmx sets it up); a flat image is loaded at\n"
"--flat ADDR and started there in the mode --mode names. Every vCPU starts\n"
"at the entry with its number in RDI. Guest output on the serial port\n"
"(0x3f8) goes to stdout.\n"
"\n"
"With --kernel, a Linux bzImage is booted through the x86 64-bit boot\n"
"protocol instead (libthinvmx's tvx_linux_boot(): e820 map, command line,\n"
"initrd, ACPI tables); its power-off (ACPI sleep control, port 0x600)\n"
"ends thinvmx-run with status 0, its reboot (port 0xcf9) with status 3.\n"
"The domain has the module's local APICs; the guest's serial port (a\n"
"16550A, IRQ 4 through an IOAPIC) reads stdin once its driver listens.\n"
"An ELF kernel with a PVH entry note (Linux's vmlinux) starts there with\n"
"struct hvm_start_info (tvx_pvh_boot()); a multiboot (v1) kernel as\n"
"multiboot says (tvx_multiboot_boot()); for both, the initrd is the one\n"
"module.\n"
"\n"
"Options:\n"
"  -m, --memory MIB     guest RAM in MiB, at guest physical 0 (default 64)\n"
"  -c, --vcpus N        vCPUs (default 1, at most 64)\n"
"  -f, --flat ADDR      IMAGE is a flat binary to load at ADDR\n"
"  -M, --mode MODE      long, protected or real (flat images; default long)\n"
"  -k, --kernel FILE    boot FILE: a Linux bzImage, a PVH ELF or a multiboot\n"
"                       kernel (no IMAGE then)\n"
"  -i, --initrd FILE    with --kernel: the initial ramdisk\n"
"  -a, --append LINE    with --kernel: the kernel command line\n"
"  -s, --spare-frames N with --kernel: N frames (at most 65536) of RAM more\n"
"                       than --memory, right above it, that the guest is\n"
"                       not told of (reserved in its maps): for a daemon's\n"
"                       shadow pages (thinvmx-monitor --stealth); said on\n"
"                       stderr as \"thinvmx-run: spare frames GFN-GFN\"\n"
"  -x, --debug-exit     a write of V to port 0xf4 ends thinvmx-run with\n"
"                       status (V << 1) | 1 (QEMU's isa-debug-exit)\n"
"  -p, --paused         create the domain and its vCPUs, say on stderr\n"
"                       \"thinvmx-run: domain N paused (pid P)\" and start the\n"
"                       vCPUs only on SIGUSR1: for thinvmx-monitor to attach\n"
"                       and choose its events before the guest runs\n"
"  -H, --hold           when every vCPU has stopped, say \"thinvmx-run: domain\n"
"                       N held (pid P)\" and keep the domain, its vCPUs and\n"
"                       their counters (thinvmx-ctl stats) until SIGUSR1,\n"
"                       SIGINT or SIGTERM\n"
"  -j, --json           on exit, print one JSON line per vCPU on stderr\n"
"  -v, --verbose        log every exit that is not serial output on stderr\n"
"  -h, --help           print this help and exit\n"
"\n"
"Exit status: 0 when every vCPU halted, or a Linux guest powered off; 1\n"
"when a vCPU stopped otherwise (shutdown, internal error, an access the\n"
"run loop cannot serve) or the guest could not be started; 2 on a usage\n"
"error; 3 when a Linux guest rebooted (a triple fault resets a PC: for\n"
"--kernel guests it is a reboot too); 4 when it panicked (it said so\n"
"through the pvpanic device, port 0x505, if its kernel has the pvpanic-mmio\n"
"driver; else a panic with panic=-1 on its command line is a reboot);\n"
"(V << 1) | 1 with --debug-exit.\n";

struct opts {
	__u64 mib;
	__u64 spare;		/* --spare-frames */
	unsigned int vcpus;
	int flat;
	__u64 flat_addr;
	int mode;		/* 64, 32, 16 */
	int json;
	int verbose;
	int paused;
	int hold;
	int debug_exit;
	const char *kernel, *initrd, *append;
};

#define EXIT_REBOOT		3
#define EXIT_PANIC		4
#define ACPI_SLEEP_CTL_PORT	0x600	/* lib/boot.c's FADT */
#define ACPI_SLP_EN		0x20
#define ACPI_SLP_TYP_S5		5
#define RESET_PORT		0xcf9
#define DEBUG_EXIT_PORT		0xf4
/* QEMU's pvpanic (lib/boot.c's DSDT, _HID QEMU0001): events it reports */
#define PVPANIC_PORT		0x505
#define PVPANIC_PANICKED	0x01
#define PVPANIC_CRASH_LOADED	0x02
#define ACPI_SLEEP_CTL_PORT_S5	((ACPI_SLP_TYP_S5 << 2) | ACPI_SLP_EN)

#define COM1_IRQ		4	/* the IOAPIC pin of an ISA COM1 */

/* stdout, a line at a time from whichever thread */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The platform devices, shared by every vCPU thread and the stdin reader:
 * the UART on COM1, and (--kernel) the IOAPIC its interrupt goes through
 * to the module's local APICs as an MSI.
 */
static struct {
	pthread_mutex_t lock;
	struct tvx_uart uart;
	struct tvx_ioapic ioapic;
	bool irq_level;			/* the UART's line, as last told */
	struct tvx_domain *d;		/* with an in-module APIC, or NULL */
	bool verbose;
	char line[256];			/* a kernel's console, one stream */
	unsigned int len;
} dev = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * A kernel's serial output is one stream whichever vCPU writes it (its
 * console lock orders the bytes): a line at a time, unprefixed. Called
 * with dev.lock held, or at the end with every vCPU stopped.
 */
static void dev_serial_flush(void)
{
	if (!dev.len)
		return;
	pthread_mutex_lock(&out_lock);
	fwrite(dev.line, 1, dev.len, stdout);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	dev.len = 0;
}

static void dev_serial_out(char c)
{
	dev.line[dev.len++] = c;
	if (c == '\n' || dev.len == sizeof(dev.line))
		dev_serial_flush();
}

/* Deliver what the IOAPIC made due; called with dev.lock held */
static void dev_deliver(const struct tvx_msi *msi, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		int r = tvx_signal_msi(dev.d, msi[i].address, msi[i].data);

		if (dev.verbose)
			fprintf(stderr, "thinvmx-run: MSI %#llx %#x: %d\n",
				(unsigned long long)msi[i].address, msi[i].data, r);
	}
}

/* The UART's line may have changed: tell the IOAPIC; dev.lock held */
static void dev_uart_irq(void)
{
	struct tvx_msi msi;
	bool level = tvx_uart_irq(&dev.uart);

	if (!dev.d || level == dev.irq_level)
		return;
	dev.irq_level = level;
	if (dev.verbose)
		fprintf(stderr, "thinvmx-run: COM1 IRQ %d (rte %#llx)\n", level,
			(unsigned long long)dev.ioapic.redir[COM1_IRQ]);
	if (tvx_ioapic_set_line(&dev.ioapic, COM1_IRQ, level, &msi) == 1)
		dev_deliver(&msi, 1);
}

/* An IOAPIC access (4 bytes at 0x00, 0x10, 0x40); dev.lock taken here */
static void dev_ioapic_mmio(struct thinvmx_run *run)
{
	struct tvx_msi msi[IOAPIC_PINS];
	unsigned int off = run->mmio.gpa - IOAPIC_GPA;
	int n;

	pthread_mutex_lock(&dev.lock);
	if (!run->mmio.is_write) {
		run->mmio.data = run->mmio.size == 4 ? tvx_ioapic_read(&dev.ioapic, off) : 0;
	} else if (run->mmio.size == 4) {
		if (dev.verbose)
			fprintf(stderr, "thinvmx-run: IOAPIC write %#x <- %#llx (sel %#x)\n",
				off, (unsigned long long)run->mmio.data, dev.ioapic.sel);
		n = tvx_ioapic_write(&dev.ioapic, off, run->mmio.data, msi);
		dev_deliver(msi, n);
	}
	pthread_mutex_unlock(&dev.lock);
}

static void dev_eoi(__u8 vector)
{
	struct tvx_msi msi[IOAPIC_PINS];

	pthread_mutex_lock(&dev.lock);
	dev_deliver(msi, tvx_ioapic_eoi(&dev.ioapic, vector, msi));
	pthread_mutex_unlock(&dev.lock);
}

/*
 * stdin to the guest's UART, a byte at a time as the FIFO has room (a
 * pipe's input is not dropped as a line's would be), once the guest has
 * enabled the received-data interrupt. Ends at EOF.
 */
static void *stdin_main(void *arg)
{
	unsigned char buf[256];
	ssize_t n, i;

	(void)arg;
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; ) {
			bool wait;

			pthread_mutex_lock(&dev.lock);
			/*
			 * nothing is typed before the guest's driver listens:
			 * received-data interrupts on and let out (OUT2), not
			 * in loopback -- Linux's probe sets IER bits for a
			 * moment, and clears the FIFO when it starts the port
			 */
			wait = !(dev.uart.ier & UART_IER_RDI) ||
			       (dev.uart.mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) != UART_MCR_OUT2 ||
			       dev.uart.rx_count == UART_FIFO_SIZE;
			if (!wait) {
				tvx_uart_rx(&dev.uart, buf[i++]);
				dev_uart_irq();
			}
			pthread_mutex_unlock(&dev.lock);
			if (wait)
				usleep(1000);
		}
	}
	return NULL;
}

/* Set once by the vCPU that ends the guest; the others stop on seeing it */
static volatile int guest_ended;
static int guest_status;
static const char *guest_why;

struct vcpu_thread {
	pthread_t thread;
	unsigned int id;
	struct tvx_vcpu *v;
	const struct opts *o;
	__u64 exits_to_user;
	int status;		/* 0: halted */
	char why[160];
	char line[256];		/* serial output, a line at a time */
	unsigned int len;
};


/* Guest serial output by whole lines, each vCPU's prefixed when several. */
static void serial_flush(struct vcpu_thread *t)
{
	if (!t->len)
		return;
	pthread_mutex_lock(&out_lock);
	if (t->o->vcpus > 1)
		printf("[vCPU %u] ", t->id);
	fwrite(t->line, 1, t->len, stdout);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	t->len = 0;
}

static void serial_out(struct vcpu_thread *t, char c)
{
	t->line[t->len++] = c;
	if (c == '\n' || t->len == sizeof(t->line))
		serial_flush(t);
}

static void guest_end(struct vcpu_thread *t, int status, const char *why)
{
	pthread_mutex_lock(&out_lock);
	if (!guest_ended) {
		guest_status = status;
		guest_why = why;
		guest_ended = 1;
	}
	pthread_mutex_unlock(&out_lock);
	snprintf(t->why, sizeof(t->why), "%s", why);
}

/* Return: 1 when the guest ended (power-off, reboot, debug exit) */
static int run_io(struct vcpu_thread *t, struct thinvmx_run *run)
{
	int n;

	if (run->io.direction == THINVMX_IO_OUT) {
		__u64 v = run->io.data;

		switch (run->io.port) {
		case COM1 ... COM1 + 7:
			pthread_mutex_lock(&dev.lock);
			n = tvx_uart_write(&dev.uart, run->io.port - COM1, v);
			if (n >= 0 && t->o->kernel)
				dev_serial_out((char)n);
			dev_uart_irq();
			pthread_mutex_unlock(&dev.lock);
			if (n >= 0 && !t->o->kernel)
				serial_out(t, (char)n);
			return 0;
		case ACPI_SLEEP_CTL_PORT:
			if (!t->o->kernel || (v & 0xff) != (ACPI_SLEEP_CTL_PORT_S5))
				break;
			guest_end(t, 0, "powered off");
			return 1;
		case RESET_PORT:
			if (!t->o->kernel || (v & 0x04) == 0)
				break;
			guest_end(t, EXIT_REBOOT, "rebooted");
			return 1;
		case DEBUG_EXIT_PORT:
			if (!t->o->debug_exit)
				break;
			guest_end(t, (int)((v & 0x7f) << 1) | 1, "debug exit");
			return 1;
		case PVPANIC_PORT:
			if (!t->o->kernel)
				break;
			if (v & PVPANIC_PANICKED) {
				guest_end(t, EXIT_PANIC, "panicked");
				return 1;
			}
			/* a kdump kernel takes over: the guest goes on */
			if (v & PVPANIC_CRASH_LOADED)
				fprintf(stderr, "thinvmx-run: vCPU %u: the guest crashed; its crash kernel runs\n",
					t->id);
			return 0;
		}
	} else if (run->io.port == PVPANIC_PORT && t->o->kernel) {
		/* the events the device reports: Linux's driver asks first */
		run->io.data = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
		return 0;
	} else if (run->io.port >= COM1 && run->io.port <= COM1 + 7) {
		pthread_mutex_lock(&dev.lock);
		run->io.data = tvx_uart_read(&dev.uart, run->io.port - COM1);
		dev_uart_irq();
		pthread_mutex_unlock(&dev.lock);
		return 0;
	} else {
		run->io.data = ~0ULL;
	}
	if (t->o->verbose)
		fprintf(stderr, "thinvmx-run: vCPU %u: %s port %#x size %u data %#" PRIx64 "\n",
			t->id, run->io.direction == THINVMX_IO_OUT ? "out" : "in",
			run->io.port, run->io.size, (uint64_t)run->io.data);
	return 0;
}

static void *vcpu_main(void *arg)
{
	struct vcpu_thread *t = arg;
	struct thinvmx_run *run = tvx_vcpu_run_page(t->v);
	int ret;

	for (;;) {
		if (guest_ended) {
			snprintf(t->why, sizeof(t->why), "stopped: the guest ended");
			break;
		}
		ret = tvx_vcpu_run(t->v);
		if (ret == -EINTR)
			continue;
		if (ret) {
			snprintf(t->why, sizeof(t->why), "RUN failed: %s", strerror(-ret));
			t->status = 1;
			break;
		}
		t->exits_to_user++;
		switch (run->exit_reason) {
		case THINVMX_EXIT_IO:
			if (run_io(t, run))
				break;
			continue;
		case THINVMX_EXIT_MMIO:
			if (dev.d && run->mmio.gpa >= IOAPIC_GPA &&
			    run->mmio.gpa < IOAPIC_GPA + IOAPIC_SIZE) {
				dev_ioapic_mmio(run);
				continue;
			}
			/* no device model: reads see all ones, writes vanish */
			if (!run->mmio.is_write)
				run->mmio.data = ~0ULL;
			if (t->o->verbose)
				fprintf(stderr, "thinvmx-run: vCPU %u: MMIO %s gpa %#" PRIx64 "\n",
					t->id, run->mmio.is_write ? "write" : "read",
					(uint64_t)run->mmio.gpa);
			continue;
		case THINVMX_EXIT_EOI:
			dev_eoi(run->eoi.vector);
			continue;
		case THINVMX_EXIT_HLT:
			snprintf(t->why, sizeof(t->why), "halted");
			t->status = 0;
			break;
		case THINVMX_EXIT_SHUTDOWN:
			/* a PC resets on a triple fault; Linux's last reboot method */
			if (t->o->kernel) {
				guest_end(t, EXIT_REBOOT, "rebooted (triple fault)");
				snprintf(t->why, sizeof(t->why), "triple fault: a reset");
				break;
			}
			snprintf(t->why, sizeof(t->why), "SHUTDOWN (triple fault)");
			t->status = 1;
			break;
		case THINVMX_EXIT_MEM_ACCESS:
			snprintf(t->why, sizeof(t->why),
				 "access right violated at gpa %#" PRIx64 " (no monitor)",
				 (uint64_t)run->mem_access.gpa);
			t->status = 1;
			break;
		case THINVMX_EXIT_MMIO_INSN:
			snprintf(t->why, sizeof(t->why),
				 "MMIO at gpa %#" PRIx64 " by an instruction not emulated, rip %#" PRIx64,
				 (uint64_t)run->mmio_insn.gpa, (uint64_t)run->mmio_insn.rip);
			t->status = 1;
			break;
		case THINVMX_EXIT_INTERNAL_ERROR:
		case THINVMX_EXIT_FAIL_ENTRY:
			snprintf(t->why, sizeof(t->why),
				 "%s: VMX exit %#x, suberror %u, rip %#" PRIx64,
				 tvx_exit_reason_str(run->exit_reason) ?: "?",
				 run->internal.vmx_exit_reason, run->internal.suberror,
				 (uint64_t)run->internal.guest_rip);
			t->status = 1;
			break;
		default:
			snprintf(t->why, sizeof(t->why), "%s",
				 tvx_exit_reason_str(run->exit_reason) ?: "unknown exit");
			t->status = 1;
			break;
		}
		break;
	}
	serial_flush(t);
	return NULL;
}

static int parse_mode(const char *s)
{
	if (!strcmp(s, "long"))
		return 64;
	if (!strcmp(s, "protected"))
		return 32;
	if (!strcmp(s, "real"))
		return 16;
	return 0;
}

/*
 * Each vCPU its own stack: libthinvmx's reserved area has a few; further
 * ones go below that area, 64 KiB each.
 */
static int vcpu_stack(struct tvx_domain *d, unsigned int id, __u64 *top)
{
	struct tvx_guest_layout l;
	int ret = tvx_guest_layout(d, &l);

	if (ret)
		return ret;
	if (id < TVX_GUEST_STACKS)
		*top = l.stack_top[id];
	else
		*top = l.base - (__u64)(id - TVX_GUEST_STACKS) * 0x10000;
	return 0;
}

static int start_vcpu(struct tvx_vcpu *v, struct tvx_domain *d,
		      const struct opts *o, __u64 entry, unsigned int id)
{
	__u64 stack;
	int ret;

	switch (o->mode) {
	case 16:
		if (entry > 0xfffff)
			return -ERANGE;
		return tvx_vcpu_setup_real_mode(v, entry >> 4, entry & 0xf);
	case 32:
		if (entry > 0xffffffff)
			return -ERANGE;
		return tvx_vcpu_setup_protected_mode(v, d, entry, 0);
	default:
		ret = vcpu_stack(d, id, &stack);
		if (!ret)
			ret = tvx_vcpu_setup_long_mode(v, d, entry, stack);
		return ret ? ret : tvx_vcpu_set_args(v, id, o->vcpus, 0);
	}
}

/* The whole of a file, for --kernel and --initrd; NULL with errno set */
static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc(n ? n : 1);
	if (buf && n && fread(buf, n, 1, f) != 1) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	*len = n;
out:
	fclose(f);
	return buf;
}

static int boot_linux(struct tvx_domain *d, struct tvx_vcpu *bsp,
		      const struct opts *o)
{
	struct tvx_linux_image img = {
		.cmdline = o->append,
		.nr_cpus = o->vcpus,
		.ioapic_gpa = IOAPIC_GPA,
		.hidden_gpa = o->mib << 20,
		.hidden_size = o->spare << 12,
	};
	void *kernel, *initrd = NULL;
	const char *why = NULL;
	int ret;

	kernel = read_file(o->kernel, &img.kernel_len);
	if (!kernel) {
		fprintf(stderr, "thinvmx-run: cannot read %s: %s\n", o->kernel,
			strerror(errno));
		return -errno;
	}
	img.kernel = kernel;
	if (o->initrd) {
		initrd = read_file(o->initrd, &img.initrd_len);
		if (!initrd) {
			ret = -errno;
			fprintf(stderr, "thinvmx-run: cannot read %s: %s\n", o->initrd,
				strerror(errno));
			goto out;
		}
		img.initrd = initrd;
	}
	ret = tvx_kernel_boot(d, bsp, &img, &why);
	if (ret)
		fprintf(stderr, "thinvmx-run: cannot boot %s: %s (%s)\n", o->kernel,
			why ? why : "error", strerror(-ret));
out:
	free(kernel);
	free(initrd);
	return ret;
}

/* Wait for a vCPU thread; once the guest has ended, kick it out of RUN */
static void join_vcpu(struct vcpu_thread *t)
{
	struct timespec ts;

	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(t->thread, NULL, &ts) != ETIMEDOUT)
			return;
		if (guest_ended)
			pthread_kill(t->thread, SIGUSR2);
	}
}

static void kick_handler(int sig)
{
	(void)sig;
}

/*
 * Say which domain this is and wait for one of @set (blocked): --paused
 * before the vCPUs start, --hold after they stopped.
 */
static void wait_for(struct tvx_domain *d, const sigset_t *set,
		     const char *state, const char *what)
{
	struct thinvmx_domain_info info;
	int sig;

	if (tvx_domain_info(d, &info))
		info.id = ~0U;
	fflush(stdout);
	fprintf(stderr, "thinvmx-run: domain %u %s (pid %d): kill -USR1 %d %s it\n",
		info.id, state, (int)getpid(), (int)getpid(), what);
	while (sigwait(set, &sig))
		;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "flat", required_argument, NULL, 'f' },
		{ "mode", required_argument, NULL, 'M' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "spare-frames", required_argument, NULL, 's' },
		{ "debug-exit", no_argument, NULL, 'x' },
		{ "paused", no_argument, NULL, 'p' },
		{ "hold", no_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .mib = 64, .vcpus = 1, .mode = 64 };
	struct vcpu_thread *t = NULL;
	struct tvx_handle *h = NULL;
	struct tvx_domain *d = NULL;
	unsigned int i, started = 0;
	sigset_t usr1;
	int c, ret, status = 1;
	__u64 entry;
	char *end;

	while ((c = getopt_long(argc, argv, "m:c:f:M:k:i:a:s:xpHjvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o.mib = strtoull(optarg, &end, 0);
			if (*end || !o.mib || o.mib > (1ULL << 20))
				goto usage;
			break;
		case 'c':
			o.vcpus = strtoul(optarg, &end, 0);
			if (*end || !o.vcpus || o.vcpus > THINVMX_MAX_VCPUS)
				goto usage;
			break;
		case 'f':
			o.flat = 1;
			o.flat_addr = strtoull(optarg, &end, 0);
			if (*end)
				goto usage;
			break;
		case 'M':
			o.mode = parse_mode(optarg);
			if (!o.mode)
				goto usage;
			break;
		case 'k':
			o.kernel = optarg;
			break;
		case 'i':
			o.initrd = optarg;
			break;
		case 'a':
			o.append = optarg;
			break;
		case 's':
			o.spare = strtoull(optarg, &end, 0);
			if (*end || o.spare > 65536)
				goto usage;
			break;
		case 'x':
			o.debug_exit = 1;
			break;
		case 'p':
			o.paused = 1;
			break;
		case 'H':
			o.hold = 1;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (o.kernel ? optind != argc || o.flat || o.mode != 64 :
		       optind != argc - 1 || (!o.flat && o.mode != 64) ||
		       o.initrd || o.append || o.spare)
		goto usage;
	sigaction(SIGUSR2, &(struct sigaction){ .sa_handler = kick_handler }, NULL);

	/* SIGUSR1 is waited for, never delivered: blocked in every thread */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (o.paused || o.hold)
		pthread_sigmask(SIG_BLOCK, &usr1, NULL);

	ret = tvx_open(&h);
	if (ret) {
		fprintf(stderr, "thinvmx-run: cannot open %s: %s%s\n", THINVMX_DEVICE,
			strerror(-ret),
			ret == -ENOENT ? " (is the thinvmx module loaded?)" : "");
		return 1;
	}
	if (o.kernel) {
		/* a real kernel gets the module's local APICs (and our IOAPIC) */
		struct thinvmx_e820_entry ram = {
			.addr = 0, .size = (o.mib << 20) + (o.spare << 12),
			.type = THINVMX_E820_RAM,
		};

		ret = tvx_domain_create(h, &ram, 1, ram.size, THINVMX_DOMAIN_LAPIC, &d);
		dev.d = d;
		if (!ret && o.spare)
			fprintf(stderr, "thinvmx-run: spare frames %#" PRIx64 "-%#" PRIx64
				" not in the guest's map\n", (uint64_t)(o.mib << 8),
				(uint64_t)((o.mib << 8) + o.spare - 1));
	} else {
		ret = tvx_domain_create_simple(h, o.mib << 20, &d);
	}
	tvx_uart_init(&dev.uart);
	tvx_ioapic_init(&dev.ioapic);
	dev.verbose = o.verbose;
	if (ret) {
		fprintf(stderr, "thinvmx-run: cannot create a %" PRIu64 " MiB domain: %s\n",
			(uint64_t)o.mib, strerror(-ret));
		goto out;
	}
	if (o.kernel) {
		ret = 0;
		entry = 0;
	} else if (o.flat) {
		ret = tvx_load_flat(d, argv[optind], o.flat_addr);
		entry = o.flat_addr;
	} else {
		ret = tvx_load_elf(d, argv[optind], &entry);
	}
	if (ret) {
		fprintf(stderr, "thinvmx-run: cannot load %s: %s\n", argv[optind],
			strerror(-ret));
		goto out;
	}
	t = calloc(o.vcpus, sizeof(*t));
	if (!t)
		goto out;
	for (i = 0; i < o.vcpus; i++) {
		t[i].id = i;
		t[i].o = &o;
		/* a kernel's APs wait for the BSP's INIT and SIPI */
		ret = tvx_vcpu_create_flags(d, i, o.kernel && i ? THINVMX_VCPU_WAIT_SIPI : 0,
					    &t[i].v);
		if (!ret && o.kernel)
			ret = i ? 0 : boot_linux(d, t[i].v, &o);
		else if (!ret)
			ret = start_vcpu(t[i].v, d, &o, entry, i);
		if (ret) {
			fprintf(stderr, "thinvmx-run: vCPU %u: %s\n", i, strerror(-ret));
			goto join;
		}
	}
	if (o.paused)
		wait_for(d, &usr1, "paused", "starts");
	if (o.kernel) {
		pthread_t in;

		if (!pthread_create(&in, NULL, stdin_main, NULL))
			pthread_detach(in);
	}
	for (i = 0; i < o.vcpus; i++, started++)
		if (pthread_create(&t[i].thread, NULL, vcpu_main, &t[i]))
			break;
	status = started == o.vcpus ? 0 : 1;
join:
	for (i = 0; i < started; i++) {
		join_vcpu(&t[i]);
		if (t[i].status)
			status = 1;
		if (t[i].status || o.verbose)
			fprintf(stderr, "thinvmx-run: vCPU %u: %s\n", i, t[i].why);
		if (o.json) {
			struct json_object *j = json_object_new_object();

			tj_u64(j, "vcpu", i);
			tj_bool(j, "halted", !t[i].status);
			tj_u64(j, "exits", tvx_vcpu_run_page(t[i].v)->exits);
			tj_u64(j, "exits_to_user", t[i].exits_to_user);
			tj_str(j, "why", t[i].why);
			tj_print(j, stderr);
		}
	}
	if (o.hold && started) {
		sigaddset(&usr1, SIGINT);
		sigaddset(&usr1, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &usr1, NULL);
		wait_for(d, &usr1, "held", "ends");
	}
	for (i = 0; t && i < o.vcpus; i++)
		tvx_vcpu_destroy(t[i].v);
	free(t);
out:
	dev_serial_flush();
	fflush(stdout);
	tvx_domain_destroy(d);
	tvx_close(h);
	/* a reboot or a panic is not a failure of ours: say which it was */
	if (guest_ended && guest_status && !o.debug_exit)
		fprintf(stderr, "thinvmx-run: the guest %s (status %d)\n", guest_why,
			guest_status);
	return guest_ended ? guest_status : status;
usage:
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}
