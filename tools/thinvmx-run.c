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
#include "tvx_json.h"

#define EXIT_USAGE	2
#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THRE_TEMT	0x60	/* transmitter empty: write away */

static const char usage_text[] =
"Usage: thinvmx-run [OPTIONS] IMAGE\n"
"\n"
"Run IMAGE as a thinvmx guest. An ELF64 executable is loaded at its\n"
"physical addresses and started at its entry point in 64-bit long mode\n"
"(identity-mapped, as libthinvmx sets it up); a flat image is loaded at\n"
"--flat ADDR and started there in the mode --mode names. Every vCPU starts\n"
"at the entry with its number in RDI. Guest output on the serial port\n"
"(0x3f8) goes to stdout.\n"
"\n"
"Options:\n"
"  -m, --memory MIB     guest RAM in MiB, at guest physical 0 (default 64)\n"
"  -c, --vcpus N        vCPUs (default 1, at most 64)\n"
"  -f, --flat ADDR      IMAGE is a flat binary to load at ADDR\n"
"  -M, --mode MODE      long, protected or real (flat images; default long)\n"
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
"Exit status: 0 when every vCPU halted; 1 when a vCPU stopped otherwise\n"
"(shutdown, internal error, an access the run loop cannot serve) or the\n"
"guest could not be started; 2 on a usage error.\n";

struct opts {
	__u64 mib;
	unsigned int vcpus;
	int flat;
	__u64 flat_addr;
	int mode;		/* 64, 32, 16 */
	int json;
	int verbose;
	int paused;
	int hold;
};

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

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

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

static int run_io(struct vcpu_thread *t, struct thinvmx_run *run)
{
	if (run->io.direction == THINVMX_IO_OUT) {
		if (run->io.port == COM1) {
			serial_out(t, (char)(run->io.data & 0xff));
			return 0;
		}
	} else {
		run->io.data = run->io.port == COM1_LSR ? LSR_THRE_TEMT : ~0ULL;
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
			run_io(t, run);
			continue;
		case THINVMX_EXIT_MMIO:
			/* no device model: reads see all ones, writes vanish */
			if (!run->mmio.is_write)
				run->mmio.data = ~0ULL;
			if (t->o->verbose)
				fprintf(stderr, "thinvmx-run: vCPU %u: MMIO %s gpa %#" PRIx64 "\n",
					t->id, run->mmio.is_write ? "write" : "read",
					(uint64_t)run->mmio.gpa);
			continue;
		case THINVMX_EXIT_HLT:
			snprintf(t->why, sizeof(t->why), "halted");
			t->status = 0;
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

	while ((c = getopt_long(argc, argv, "m:c:f:M:pHjvh", longopts, NULL)) != -1) {
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
	if (optind != argc - 1 || (!o.flat && o.mode != 64))
		goto usage;

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
	ret = tvx_domain_create_simple(h, o.mib << 20, &d);
	if (ret) {
		fprintf(stderr, "thinvmx-run: cannot create a %" PRIu64 " MiB domain: %s\n",
			(uint64_t)o.mib, strerror(-ret));
		goto out;
	}
	if (o.flat) {
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
		ret = tvx_vcpu_create(d, i, &t[i].v);
		if (!ret)
			ret = start_vcpu(t[i].v, d, &o, entry, i);
		if (ret) {
			fprintf(stderr, "thinvmx-run: vCPU %u: %s\n", i, strerror(-ret));
			goto join;
		}
	}
	if (o.paused)
		wait_for(d, &usr1, "paused", "starts");
	for (i = 0; i < o.vcpus; i++, started++)
		if (pthread_create(&t[i].thread, NULL, vcpu_main, &t[i]))
			break;
	status = started == o.vcpus ? 0 : 1;
join:
	for (i = 0; i < started; i++) {
		pthread_join(t[i].thread, NULL);
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
	fflush(stdout);
	tvx_domain_destroy(d);
	tvx_close(h);
	return status;
usage:
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}
