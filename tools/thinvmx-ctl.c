// SPDX-License-Identifier: GPL-2.0
/*
 * thinvmx-ctl: administer the thinvmx module.
 *
 * caps talks to /dev/thinvmx (root only); every other command talks to the
 * generic netlink family "thinvmx" (lib/nl.c), which any user may read.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libthinvmx.h"
#include "tvx_json.h"

#define EXIT_USAGE	2

static const char usage_text[] =
"Usage: thinvmx-ctl [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Administer the thinvmx hypervisor module.\n"
"\n"
"Commands:\n"
"  status              whether the module is loaded, whether VMX is usable,\n"
"                      how many domains run, the read-only set's size\n"
"  domains             every domain: id, owner pid, vCPUs, memory, state,\n"
"                      whether an introspection listener is attached\n"
"  stats [DOMAIN]      counters of one domain (default: every domain): exits\n"
"                      by reason, events by kind and mode, ring waits, traps\n"
"                      injected, access violations, discarded writes\n"
"  ro-ranges list      the read-only MMIO set, one line per registration,\n"
"                      with what it serves (admin, msix-table, msix-pba)\n"
"  ro-ranges add FIRST LAST\n"
"  ro-ranges remove FIRST LAST\n"
"                      add or remove an administrator's range of host frame\n"
"                      numbers (inclusive; decimal or 0x hex); needs\n"
"                      CAP_NET_ADMIN and CAP_SYS_ADMIN\n"
"  mmio-allow list     the MMIO allow-list: host frame ranges any domain\n"
"                      may map besides its assigned devices' BARs\n"
"  mmio-allow add FIRST LAST\n"
"  mmio-allow remove FIRST LAST\n"
"                      add or remove a range of host frame numbers\n"
"                      (inclusive); refused for RAM, interrupt controllers,\n"
"                      ECAM, IOMMU and firmware regions, and ranges that\n"
"                      cut a PCI BAR; needs CAP_NET_ADMIN and CAP_SYS_ADMIN\n"
"  watch               print a line for each domain created or destroyed\n"
"                      and each listener attached or detached, until\n"
"                      interrupted (SIGINT, SIGTERM); needs CAP_SYS_ADMIN\n"
"  host on|off|status  turn host mode on (the running host becomes a guest\n"
"                      of thinvmx on every CPU) or off, or show whether it\n"
"                      is on, on which CPUs, its VM exits by kind, its\n"
"                      guard policies and events\n"
"  host policy [pin-cr on|off] [pin-msr on|off]\n"
"                      set host mode's guard policies (netlink; CAP_SYS_ADMIN)\n"
"                      and show them: pin-cr keeps CR4.SMEP/SMAP/UMIP and\n"
"                      CR0.WP set, pin-msr drops writes to the syscall-entry\n"
"                      MSRs; host events: thinvmx-monitor --host\n"
"  caps                show whether this host can run guests, why not if it\n"
"                      cannot, the VMX features thinvmx uses and the control\n"
"                      values it programs (reads /dev/thinvmx: root only)\n"
"\n"
"Options:\n"
"  -j, --json  print one JSON object per line instead of text\n"
"  -r, --raw   with caps: also print the raw VMX capability MSRs\n"
"  -h, --help  print this help and exit\n"
"\n"
"Exit status: 0 on success (watch: also when interrupted); 1 if the\n"
"command failed, with the reason on stderr (caps: VMX is not usable;\n"
"status: the module is not loaded); 2 on a usage error.\n";

struct opts {
	int json;
	int raw;
};

static const char *prog = "thinvmx-ctl";

static int usage(void)
{
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* A failed request: the errno and, if the kernel said more, its words. */
static int nl_fail(struct tvx_nl *nl, const char *what, int err)
{
	const char *msg = nl ? tvx_nl_error_message(nl) : "";

	fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, strerror(-err),
		*msg ? ": " : "", msg);
	return 1;
}

static int nl_connect(struct tvx_nl **nl)
{
	int ret = tvx_nl_open(nl);

	if (ret) {
		fprintf(stderr, "%s: cannot reach the thinvmx netlink family: %s%s\n",
			prog, strerror(-ret),
			ret == -ENOENT ? " (is the thinvmx module loaded?)" : "");
		return 1;
	}
	return 0;
}

static void print_mem(uint64_t bytes)
{
	if (bytes && !(bytes & ((1ULL << 30) - 1)))
		printf("%" PRIu64 " GiB", bytes >> 30);
	else if (bytes && !(bytes & ((1ULL << 20) - 1)))
		printf("%" PRIu64 " MiB", bytes >> 20);
	else if (bytes && !(bytes & ((1ULL << 10) - 1)))
		printf("%" PRIu64 " KiB", bytes >> 10);
	else
		printf("%" PRIu64 " B", bytes);
}

/* ------------------------------------------------------------ caps */

static const struct {
	const char *name;
	size_t off;
} raw_msrs[] = {
#define RAW(f) { #f, offsetof(struct thinvmx_caps, msr_##f) }
	RAW(feature_control), RAW(basic), RAW(pinbased), RAW(procbased),
	RAW(procbased2), RAW(exit), RAW(entry), RAW(true_pinbased),
	RAW(true_procbased), RAW(true_exit), RAW(true_entry), RAW(misc),
	RAW(ept_vpid_cap), RAW(cr0_fixed0), RAW(cr0_fixed1), RAW(cr4_fixed0),
	RAW(cr4_fixed1),
#undef RAW
};

static uint64_t raw_msr(const struct thinvmx_caps *c, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)c + raw_msrs[i].off, sizeof(v));
	return v;
}

static void print_features(uint64_t features)
{
	const char *name;
	unsigned int bit;
	int first = 1;

	for (bit = 0; bit < 64; bit++) {
		if (!(features & (1ULL << bit)))
			continue;
		name = tvx_feature_name(bit);
		if (!name)
			continue;
		printf("%s%s", first ? "" : " ", name);
		first = 0;
	}
}

static void json_features(struct json_object *j, uint64_t features)
{
	struct json_object *arr = tj_arr(j, "features");
	const char *name;
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		name = features & (1ULL << bit) ? tvx_feature_name(bit) : NULL;
		if (name)
			tj_str(arr, NULL, name);
	}
}

static void caps_json(const struct thinvmx_caps *c, const struct opts *o)
{
	struct json_object *j;
	size_t i;

	j = json_object_new_object();
	tj_u64(j, "vmx_status", c->vmx_status);
	tj_str(j, "vmx_status_name", tvx_vmx_status_str(c->vmx_status));
	tj_bool(j, "usable", c->vmx_status == THINVMX_VMX_OK);
	tj_str(j, "detail_ctl", tvx_ctl_str(c->detail_ctl));
	tj_hex(j, "detail_bits", c->detail_bits);
	tj_u64(j, "detail_cpu", c->detail_cpu);
	tj_u64(j, "nr_cpus", c->nr_cpus);
	tj_u64(j, "vmcs_revision", c->vmcs_revision);
	tj_u64(j, "vmcs_size", c->vmcs_size);
	json_features(j, c->features);
	tj_hex(j, "pin_ctls", c->pin_ctls);
	tj_hex(j, "proc_ctls", c->proc_ctls);
	tj_hex(j, "proc2_ctls", c->proc2_ctls);
	tj_hex(j, "exit_ctls", c->exit_ctls);
	tj_hex(j, "entry_ctls", c->entry_ctls);
	tj_hex(j, "cpuid1_ecx", c->cpuid1_ecx);
	if (o->raw) {
		for (i = 0; i < sizeof(raw_msrs) / sizeof(raw_msrs[0]); i++) {
			char key[32];

			snprintf(key, sizeof(key), "msr_%s", raw_msrs[i].name);
			tj_hex(j, key, raw_msr(c, i));
		}
	}
	tj_print(j, stdout);
}

static void caps_text(const struct thinvmx_caps *c, const struct opts *o)
{
	size_t i;

	printf("VMX:        %s\n", tvx_vmx_status_str(c->vmx_status));
	switch (c->vmx_status) {
	case THINVMX_VMX_MISSING_CONTROL:
	case THINVMX_VMX_MISSING_EPT:
		printf("missing:    %s bits 0x%" PRIx64 "\n",
		       tvx_ctl_str(c->detail_ctl), (uint64_t)c->detail_bits);
		break;
	case THINVMX_VMX_MSR_FAULT:
		printf("MSR:        0x%" PRIx64 "\n", (uint64_t)c->detail_bits);
		break;
	case THINVMX_VMX_BAD_BASIC:
		printf("IA32_VMX_BASIC bits: 0x%" PRIx64 "\n",
		       (uint64_t)c->detail_bits);
		break;
	case THINVMX_VMX_INCONSISTENT:
	case THINVMX_VMX_BUSY:
		printf("CPU:        %u\n", c->detail_cpu);
		break;
	}
	printf("CPUs:       %u\n", c->nr_cpus);
	if (c->vmcs_size)
		printf("VMCS:       revision 0x%x, %u bytes\n", c->vmcs_revision,
		       c->vmcs_size);
	if (c->features) {
		printf("features:   ");
		print_features(c->features);
		printf("\ncontrols:   pin 0x%08x proc 0x%08x proc2 0x%08x exit 0x%08x entry 0x%08x\n",
		       c->pin_ctls, c->proc_ctls, c->proc2_ctls, c->exit_ctls,
		       c->entry_ctls);
	}
	if (o->raw) {
		printf("CPUID.1:ECX 0x%08x\n", c->cpuid1_ecx);
		for (i = 0; i < sizeof(raw_msrs) / sizeof(raw_msrs[0]); i++)
			printf("msr %-16s 0x%016" PRIx64 "\n", raw_msrs[i].name,
			       raw_msr(c, i));
	}
}

static int cmd_caps(const struct opts *o)
{
	struct thinvmx_caps caps;
	struct tvx_handle *h;
	int ret;

	ret = tvx_open(&h);
	if (ret) {
		fprintf(stderr, "%s: cannot open %s: %s%s\n", prog,
			THINVMX_DEVICE, strerror(-ret),
			ret == -ENOENT ? " (is the thinvmx module loaded?)" : "");
		return 1;
	}
	ret = tvx_get_caps(h, &caps);
	tvx_close(h);
	if (ret) {
		fprintf(stderr, "%s: GET_CAPABILITIES: %s\n", prog, strerror(-ret));
		return 1;
	}
	if (o->json)
		caps_json(&caps, o);
	else
		caps_text(&caps, o);
	return caps.vmx_status == THINVMX_VMX_OK ? 0 : 1;
}

/* ------------------------------------------------------------ host */

static void host_status_print(const struct thinvmx_host_status *st,
			      const struct opts *o)
{
	struct json_object *j, *ept, *exits, *msix;
	int i;

	if (o->json) {
		j = json_object_new_object();
		tj_bool(j, "on", !!(st->flags & THINVMX_HOST_ON));
		tj_u64(j, "cpus_on", st->nr_cpus_on);
		tj_hex(j, "cpu_mask", st->cpus_on);
		tj_u64(j, "enables", st->enables);
		tj_u64(j, "disables", st->disables);
		ept = tj_obj(j, "ept");
		tj_u64(ept, "pages", st->ept_pages);
		tj_u64(ept, "leaves_1g", st->ept_leaves_1g);
		tj_u64(ept, "leaves_2m", st->ept_leaves_2m);
		tj_u64(ept, "leaves_4k", st->ept_leaves_4k);
		tj_u64(j, "stolen_pages", st->stolen_pages);
		tj_u64(j, "refused", st->refused);
		tj_u64(j, "nmis", st->nmis);
		tj_u64(j, "root_faults", st->root_faults);
		tj_u64(j, "nmi_root", st->nmi_root);
		tj_u64(j, "nmi_leave", st->nmi_leave);
		tj_u64(j, "nmi_dropped", st->nmi_dropped);
		exits = tj_obj(j, "exits");
		for (i = 0; i < THINVMX_HOST_EXIT_MAX; i++)
			if (tvx_host_exit_str(i))
				tj_u64(exits, tvx_host_exit_str(i), st->exits[i]);
		msix = tj_obj(j, "msix");
		tj_u64(msix, "regions", st->msix_regions);
		tj_u64(msix, "frames", st->msix_frames);
		tj_u64(msix, "written", st->msix_written);
		tj_u64(msix, "refused", st->msix_refused);
		tj_u64(msix, "pba", st->msix_pba);
		tj_u64(msix, "passed", st->msix_passed);
		tj_u64(msix, "undecoded", st->msix_undecoded);
		tj_bool(j, "pin_cr", !!(st->flags & THINVMX_HOST_PIN_CR));
		tj_bool(j, "pin_msr", !!(st->flags & THINVMX_HOST_PIN_MSR));
		tj_u64(j, "cr_pin_refused", st->cr_pin_refused);
		tj_u64(j, "msr_pin_refused", st->msr_pin_refused);
		tj_bool(j, "listener", !!(st->flags & THINVMX_HOST_LISTENER));
		tj_u64(j, "events", st->events);
		tj_u64(j, "events_lost", st->events_lost);
		tj_print(j, stdout);
		return;
	}
	printf("host mode: %s", st->flags & THINVMX_HOST_ON ? "on" : "off");
	if (st->flags & THINVMX_HOST_ON)
		printf(" (%u CPUs, mask %#llx)", st->nr_cpus_on,
		       (unsigned long long)st->cpus_on);
	printf("\nturned on %llu times, off %llu times\n",
	       (unsigned long long)st->enables, (unsigned long long)st->disables);
	if (st->ept_pages)
		printf("identity EPT: %llu pages, leaves 1G %llu, 2M %llu, 4K %llu\n",
		       (unsigned long long)st->ept_pages,
		       (unsigned long long)st->ept_leaves_1g,
		       (unsigned long long)st->ept_leaves_2m,
		       (unsigned long long)st->ept_leaves_4k);
	printf("hypervisor frames: %llu, host accesses refused %llu\n",
	       (unsigned long long)st->stolen_pages, (unsigned long long)st->refused);
	printf("NMIs injected %llu (%llu came in root mode), at leave %llu, dropped %llu; root-mode faults %llu\n",
	       (unsigned long long)st->nmis, (unsigned long long)st->nmi_root,
	       (unsigned long long)st->nmi_leave, (unsigned long long)st->nmi_dropped,
	       (unsigned long long)st->root_faults);
	printf("exits:");
	for (i = 0; i < THINVMX_HOST_EXIT_MAX; i++)
		if (tvx_host_exit_str(i))
			printf(" %s %llu", tvx_host_exit_str(i),
			       (unsigned long long)st->exits[i]);
	printf("\nMSI-X: %u regions in %u read-only frames; table writes %llu done, %llu refused; PBA writes %llu dropped; %llu passed beside tables; %llu undecoded\n",
	       st->msix_regions, st->msix_frames,
	       (unsigned long long)st->msix_written,
	       (unsigned long long)st->msix_refused,
	       (unsigned long long)st->msix_pba,
	       (unsigned long long)st->msix_passed,
	       (unsigned long long)st->msix_undecoded);
	printf("policies: pin-cr %s (%llu refused), pin-msr %s (%llu refused)\n",
	       st->flags & THINVMX_HOST_PIN_CR ? "on" : "off",
	       (unsigned long long)st->cr_pin_refused,
	       st->flags & THINVMX_HOST_PIN_MSR ? "on" : "off",
	       (unsigned long long)st->msr_pin_refused);
	printf("events: listener %s, %llu sent, %llu lost\n",
	       st->flags & THINVMX_HOST_LISTENER ? "attached" : "none",
	       (unsigned long long)st->events, (unsigned long long)st->events_lost);
}

/* host policy [pin-cr on|off] [pin-msr on|off]: through netlink */
static int cmd_host_policy(const struct opts *o, int argc, char **argv)
{
	struct tvx_nl_host_policy p;
	int cr = -1, msr = -1, i, ret;
	struct json_object *j;
	struct tvx_nl *nl;

	if (argc % 2)
		return usage();
	for (i = 0; i < argc; i += 2) {
		int on = !strcmp(argv[i + 1], "on") ? 1 :
			 !strcmp(argv[i + 1], "off") ? 0 : -1;

		if (on < 0)
			return usage();
		if (!strcmp(argv[i], "pin-cr"))
			cr = on;
		else if (!strcmp(argv[i], "pin-msr"))
			msr = on;
		else
			return usage();
	}
	ret = tvx_nl_open(&nl);
	if (ret) {
		fprintf(stderr, "%s: netlink family thinvmx: %s\n", prog, strerror(-ret));
		return 1;
	}
	if (argc)
		ret = tvx_nl_host_set_policy(nl, cr, msr);
	if (!ret)
		ret = tvx_nl_host_get_policy(nl, &p);
	tvx_nl_close(nl);
	if (ret) {
		fprintf(stderr, "%s: host policy: %s%s\n", prog, strerror(-ret),
			ret == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return 1;
	}
	if (o->json) {
		j = json_object_new_object();
		tj_bool(j, "pin_cr", p.pin_cr);
		tj_bool(j, "pin_msr", p.pin_msr);
		tj_u64(j, "cr_pin_refused", p.cr_pin_refused);
		tj_u64(j, "msr_pin_refused", p.msr_pin_refused);
		tj_print(j, stdout);
	} else {
		printf("pin-cr %s (%llu refused)\npin-msr %s (%llu refused)\n",
		       p.pin_cr ? "on" : "off", (unsigned long long)p.cr_pin_refused,
		       p.pin_msr ? "on" : "off", (unsigned long long)p.msr_pin_refused);
	}
	return 0;
}

static int cmd_host(const struct opts *o, int argc, char **argv)
{
	struct thinvmx_host_status st;
	struct tvx_handle *h;
	const char *what;
	int ret;

	if (argc >= 1 && !strcmp(argv[0], "policy"))
		return cmd_host_policy(o, argc - 1, argv + 1);
	if (argc != 1)
		return usage();
	what = argv[0];
	if (strcmp(what, "on") && strcmp(what, "off") && strcmp(what, "status"))
		return usage();
	ret = tvx_open(&h);
	if (ret) {
		fprintf(stderr, "%s: cannot open %s: %s%s\n", prog,
			THINVMX_DEVICE, strerror(-ret),
			ret == -ENOENT ? " (is the thinvmx module loaded?)" : "");
		return 1;
	}
	if (!strcmp(what, "on")) {
		ret = tvx_host_enable(h);
		if (ret)
			fprintf(stderr, "%s: host on: %s%s\n", prog, strerror(-ret),
				ret == -EBUSY ? " (already on, guest domains exist, or another hypervisor holds VMX: see dmesg)" : "");
	} else if (!strcmp(what, "off")) {
		ret = tvx_host_disable(h);
		if (ret)
			fprintf(stderr, "%s: host off: %s%s\n", prog, strerror(-ret),
				ret == -EINVAL ? " (host mode is off)" : "");
	} else {
		ret = tvx_host_status(h, &st);
		if (ret)
			fprintf(stderr, "%s: host status: %s\n", prog, strerror(-ret));
		else
			host_status_print(&st, o);
	}
	tvx_close(h);
	return ret ? 1 : 0;
}

/* ------------------------------------------------------------ status */

struct census {
	unsigned int domains;
	unsigned int running;
	unsigned int listeners;
	unsigned int vcpus;
	unsigned int ro_ranges;
};

static int count_domain(const struct tvx_nl_domain *d, void *arg)
{
	struct census *c = arg;

	c->domains++;
	c->running += d->state == THINVMX_DOMAIN_STATE_RUNNING;
	c->listeners += !!d->listener;
	c->vcpus += d->nr_vcpus;
	return 0;
}

static int count_ro(const struct thinvmx_ro_entry *r, void *arg)
{
	((struct census *)arg)->ro_ranges++;
	return 0;
}

/* The module's page count (module parameter "pages"), -1 if unreadable. */
static long long module_pages(void)
{
	FILE *f = fopen("/sys/module/thinvmx/parameters/pages", "re");
	long long n = -1;

	if (f) {
		if (fscanf(f, "%lld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static int cmd_status(const struct opts *o)
{
	struct census c = { 0 };
	struct thinvmx_caps caps;
	struct tvx_nl *nl;
	long long pages;
	struct json_object *j;
	int ret;

	ret = tvx_nl_open(&nl);
	if (ret == -ENOENT) {
		if (o->json) {
			j = json_object_new_object();
			tj_bool(j, "loaded", 0);
			tj_print(j, stdout);
		} else {
			printf("module:     not loaded\n");
		}
		return 1;
	}
	if (ret)
		return nl_connect(&nl);
	ret = tvx_nl_get_caps(nl, &caps);
	if (ret) {
		ret = nl_fail(nl, "capabilities", ret);
		goto out;
	}
	ret = tvx_nl_list_domains(nl, count_domain, &c);
	if (ret) {
		ret = nl_fail(nl, "domains", ret);
		goto out;
	}
	ret = tvx_nl_ro_list(nl, count_ro, &c);
	if (ret) {
		ret = nl_fail(nl, "read-only set", ret);
		goto out;
	}
	pages = module_pages();
	if (o->json) {
		j = json_object_new_object();
		tj_bool(j, "loaded", 1);
		tj_u64(j, "vmx_status", caps.vmx_status);
		tj_str(j, "vmx_status_name", tvx_vmx_status_str(caps.vmx_status));
		tj_bool(j, "usable", caps.vmx_status == THINVMX_VMX_OK);
		tj_u64(j, "nr_cpus", caps.nr_cpus);
		json_features(j, caps.features);
		tj_u64(j, "domains", c.domains);
		tj_u64(j, "running", c.running);
		tj_u64(j, "vcpus", c.vcpus);
		tj_u64(j, "listeners", c.listeners);
		tj_u64(j, "ro_ranges", c.ro_ranges);
		if (pages >= 0)
			tj_u64(j, "pages", pages);
		tj_print(j, stdout);
	} else {
		printf("module:     loaded\n");
		printf("VMX:        %s on %u CPUs\n",
		       tvx_vmx_status_str(caps.vmx_status), caps.nr_cpus);
		if (caps.features) {
			printf("features:   ");
			print_features(caps.features);
			printf("\n");
		}
		printf("domains:    %u (%u running, %u vCPUs, %u with a listener)\n",
		       c.domains, c.running, c.vcpus, c.listeners);
		printf("read-only:  %u range%s\n", c.ro_ranges,
		       c.ro_ranges == 1 ? "" : "s");
		if (pages >= 0)
			printf("pages:      %lld held by the module\n", pages);
	}
	ret = 0;
out:
	tvx_nl_close(nl);
	return ret;
}

/* ------------------------------------------------------------ domains */

static int print_domain(const struct tvx_nl_domain *d, void *arg)
{
	const struct opts *o = arg;
	struct json_object *j;

	if (o->json) {
		j = json_object_new_object();
		tj_u64(j, "id", d->id);
		tj_u64(j, "owner", d->owner);
		tj_u64(j, "vcpus", d->nr_vcpus);
		tj_u64(j, "mem_bytes", d->mem_bytes);
		tj_str(j, "state", tvx_domain_state_str(d->state));
		tj_bool(j, "listener", d->listener);
		tj_print(j, stdout);
		return 0;
	}
	printf("%-6u %-8u %-5u ", d->id, d->owner, d->nr_vcpus);
	print_mem(d->mem_bytes);
	printf("\t%-8s %s\n", tvx_domain_state_str(d->state) ?: "?",
	       d->listener ? "attached" : "-");
	return 0;
}

static int cmd_domains(const struct opts *o)
{
	struct tvx_nl *nl;
	int ret;

	if (nl_connect(&nl))
		return 1;
	if (!o->json)
		printf("%-6s %-8s %-5s %s\t%-8s %s\n", "ID", "OWNER", "VCPUS",
		       "MEMORY", "STATE", "LISTENER");
	ret = tvx_nl_list_domains(nl, print_domain, (void *)o);
	if (ret)
		ret = nl_fail(nl, "domains", ret);
	tvx_nl_close(nl);
	return ret;
}

/* ------------------------------------------------------------ stats */

static const char *exit_name(unsigned int reason, char *buf, size_t len)
{
	const char *n = tvx_vmx_exit_str(reason);

	if (n)
		return n;
	snprintf(buf, len, "reason-%u", reason);
	return buf;
}

static const char *event_name(unsigned int reason, char *buf, size_t len)
{
	const char *n = tvx_stats_event_str(reason);

	if (n)
		return n;
	snprintf(buf, len, "event-%u", reason);
	return buf;
}

static void stats_json(const struct tvx_nl_stats *s)
{
	unsigned int i, sync;
	struct json_object *j, *c, *ev;
	char buf[24];

	j = json_object_new_object();
	tj_u64(j, "domain", s->domain);
	tj_u64(j, "exits_total", s->exits_total);
	c = tj_obj(j, "exits");
	for (i = 0; i < TVX_NL_EXIT_REASONS; i++)
		if (s->exits[i])
			tj_u64(c, exit_name(i, buf, sizeof(buf)), s->exits[i]);
	c = tj_arr(j, "events");
	for (i = 0; i < THINVMX_EVENT_NR_REASONS; i++) {
		for (sync = 0; sync < 2; sync++) {
			if (!s->events[i][sync])
				continue;
			ev = tj_obj(c, NULL);
			tj_str(ev, "kind", event_name(i, buf, sizeof(buf)));
			tj_str(ev, "mode", sync ? "sync" : "async");
			tj_u64(ev, "count", s->events[i][sync]);
		}
	}
	tj_u64(j, "ring_waits", s->ring_waits);
	tj_u64(j, "traps_injected", s->traps_injected);
	tj_u64(j, "mem_access_violations", s->mem_access_violations);
	tj_u64(j, "logdirty_faults", s->logdirty_faults);
	tj_u64(j, "ram_ro_writes_discarded", s->ram_ro_writes_discarded);
	tj_u64(j, "mmio_ro_writes_discarded", s->mmio_ro_writes_discarded);
	tj_print(j, stdout);
}

static void stats_text(const struct tvx_nl_stats *s)
{
	unsigned int i, sync, n = 0;
	char buf[24];

	printf("domain %u\n", s->domain);
	printf("  exits:                     %" PRIu64 "\n", (uint64_t)s->exits_total);
	for (i = 0; i < TVX_NL_EXIT_REASONS; i++)
		if (s->exits[i])
			printf("    %-24s %" PRIu64 "\n",
			       exit_name(i, buf, sizeof(buf)),
			       (uint64_t)s->exits[i]);
	for (i = 0; i < THINVMX_EVENT_NR_REASONS; i++)
		for (sync = 0; sync < 2; sync++)
			n += !!s->events[i][sync];
	printf("  events:%s\n", n ? "" : "                    none");
	for (i = 0; i < THINVMX_EVENT_NR_REASONS; i++)
		for (sync = 0; sync < 2; sync++)
			if (s->events[i][sync])
				printf("    %-13s %-10s %" PRIu64 "\n",
				       event_name(i, buf, sizeof(buf)),
				       sync ? "sync" : "async",
				       (uint64_t)s->events[i][sync]);
	printf("  ring waits:                %" PRIu64 "\n", (uint64_t)s->ring_waits);
	printf("  traps injected:            %" PRIu64 "\n", (uint64_t)s->traps_injected);
	printf("  mem_access violations:     %" PRIu64 "\n", (uint64_t)s->mem_access_violations);
	printf("  logdirty faults:           %" PRIu64 "\n", (uint64_t)s->logdirty_faults);
	printf("  discarded writes, ram_ro:  %" PRIu64 "\n", (uint64_t)s->ram_ro_writes_discarded);
	printf("  discarded writes, mmio:    %" PRIu64 "\n", (uint64_t)s->mmio_ro_writes_discarded);
}

static int print_stats(const struct tvx_nl_stats *s, void *arg)
{
	const struct opts *o = arg;

	if (o->json)
		stats_json(s);
	else
		stats_text(s);
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		return -EINVAL;
	*v = strtoull(s, &end, 0);
	return *end || errno ? -EINVAL : 0;
}

static int cmd_stats(const struct opts *o, int argc, char **argv)
{
	struct tvx_nl_stats *s = NULL;
	struct tvx_nl *nl;
	uint64_t id;
	int ret;

	if (argc > 1 || (argc == 1 && (parse_u64(argv[0], &id) || id > UINT32_MAX)))
		return usage();
	if (nl_connect(&nl))
		return 1;
	if (!argc) {
		ret = tvx_nl_list_stats(nl, print_stats, (void *)o);
		if (ret)
			ret = nl_fail(nl, "stats", ret);
		goto out;
	}
	s = malloc(sizeof(*s));
	if (!s) {
		ret = nl_fail(nl, "stats", -ENOMEM);
		goto out;
	}
	ret = tvx_nl_get_stats(nl, id, s);
	if (ret) {
		char what[32];

		snprintf(what, sizeof(what), "domain %" PRIu64, id);
		ret = nl_fail(nl, what, ret);
		goto out;
	}
	print_stats(s, (void *)o);
out:
	free(s);
	tvx_nl_close(nl);
	return ret;
}

/* ------------------------------------------------------------ ro-ranges */

static int print_ro(const struct thinvmx_ro_entry *r, void *arg)
{
	const struct opts *o = arg;
	const char *kind = tvx_ro_kind_str(r->kind) ?: "?";
	int msix = r->kind != THINVMX_RO_ADMIN;
	struct json_object *j;

	if (o->json) {
		j = json_object_new_object();
		tj_hex(j, "first_mfn", r->first_mfn);
		tj_hex(j, "last_mfn", r->last_mfn);
		tj_str(j, "kind", kind);
		if (msix) {
			char sbdf[16];

			snprintf(sbdf, sizeof(sbdf), "%04x:%02x:%02x.%x",
				 r->sbdf >> 16, (r->sbdf >> 8) & 0xff,
				 (r->sbdf >> 3) & 0x1f, r->sbdf & 7);
			tj_str(j, "device", sbdf);
			tj_u64(j, "domain", r->domain);
		}
		tj_u64(j, "users", r->users);
		tj_print(j, stdout);
		return 0;
	}
	printf("%#-14" PRIx64 " %#-14" PRIx64 " %-10s ", (uint64_t)r->first_mfn,
	       (uint64_t)r->last_mfn, kind);
	if (msix)
		printf("%04x:%02x:%02x.%x %-6u ", r->sbdf >> 16,
		       (r->sbdf >> 8) & 0xff, (r->sbdf >> 3) & 0x1f, r->sbdf & 7,
		       r->domain);
	else
		printf("%-12s %-6s ", "-", "-");
	printf("%u\n", r->users);
	return 0;
}

static int list_ro(struct tvx_nl *nl, const struct opts *o)
{
	if (!o->json)
		printf("%-14s %-14s %-10s %-12s %-6s %s\n", "FIRST_MFN",
		       "LAST_MFN", "KIND", "DEVICE", "DOMAIN", "USERS");
	return tvx_nl_ro_list(nl, print_ro, (void *)o);
}

/* ------------------------------------------------------------ mmio-allow */

static int print_allow(__u64 first, __u64 last, void *arg)
{
	const struct opts *o = arg;
	struct json_object *j;

	if (o->json) {
		j = json_object_new_object();
		tj_hex(j, "first_mfn", first);
		tj_hex(j, "last_mfn", last);
		tj_print(j, stdout);
		return 0;
	}
	printf("%#-14" PRIx64 " %#" PRIx64 "\n", (uint64_t)first, (uint64_t)last);
	return 0;
}

static int list_allow(struct tvx_nl *nl, const struct opts *o)
{
	if (!o->json)
		printf("%-14s %s\n", "FIRST_MFN", "LAST_MFN");
	return tvx_nl_mmio_allow_list(nl, print_allow, (void *)o);
}

/*
 * A set of host frame ranges kept over netlink: the read-only set and the
 * MMIO allow-list take the same words (list, add FIRST LAST, remove
 * FIRST LAST) and differ only in their calls and their list's columns.
 */
struct frame_set {
	const char *name;	/* in messages: "ro-ranges", "mmio-allow" */
	int (*list)(struct tvx_nl *nl, const struct opts *o);
	int (*add)(struct tvx_nl *nl, __u64 first, __u64 last);
	int (*remove)(struct tvx_nl *nl, __u64 first, __u64 last);
};

static const struct frame_set ro_set = {
	.name = "ro-ranges",
	.list = list_ro,
	.add = tvx_nl_ro_add,
	.remove = tvx_nl_ro_remove,
};

static const struct frame_set allow_set = {
	.name = "mmio-allow",
	.list = list_allow,
	.add = tvx_nl_mmio_allow_add,
	.remove = tvx_nl_mmio_allow_remove,
};

static int cmd_frame_set(const struct opts *o, const struct frame_set *fs,
			 int argc, char **argv)
{
	uint64_t first, last;
	struct tvx_nl *nl;
	struct json_object *j;
	char what[32];
	int add, ret;

	if (argc == 1 && !strcmp(argv[0], "list")) {
		if (nl_connect(&nl))
			return 1;
		ret = fs->list(nl, o);
		if (ret) {
			snprintf(what, sizeof(what), "%s list", fs->name);
			ret = nl_fail(nl, what, ret);
		}
		tvx_nl_close(nl);
		return ret;
	}
	if (argc != 3 || (strcmp(argv[0], "add") && strcmp(argv[0], "remove")) ||
	    parse_u64(argv[1], &first) || parse_u64(argv[2], &last))
		return usage();
	add = !strcmp(argv[0], "add");
	if (nl_connect(&nl))
		return 1;
	ret = add ? fs->add(nl, first, last) : fs->remove(nl, first, last);
	if (ret) {
		snprintf(what, sizeof(what), "%s %s", fs->name, argv[0]);
		ret = nl_fail(nl, what, ret);
	} else if (o->json) {
		j = json_object_new_object();
		tj_str(j, "op", argv[0]);
		tj_hex(j, "first_mfn", first);
		tj_hex(j, "last_mfn", last);
		tj_bool(j, "ok", 1);
		tj_print(j, stdout);
	}
	tvx_nl_close(nl);
	return ret;
}

/* ------------------------------------------------------------ watch */

static int print_event(const struct tvx_nl_event *e, void *arg)
{
	const struct opts *o = arg;
	const char *name = tvx_nl_event_str(e->cmd);
	int dom = e->cmd == THINVMX_CMD_DOMAIN_CREATED ||
		  e->cmd == THINVMX_CMD_DOMAIN_DESTROYED;
	char buf[24];
	struct json_object *j;

	if (!name) {
		snprintf(buf, sizeof(buf), "event-%u", e->cmd);
		name = buf;
	}
	if (o->json) {
		j = json_object_new_object();
		tj_str(j, "event", name);
		tj_u64(j, "domain", e->domain);
		tj_u64(j, "owner", e->owner);
		if (dom)
			tj_u64(j, "mem_bytes", e->mem_bytes);
		tj_print(j, stdout);
		return 0;
	}
	printf("%s domain %u owner %u", name, e->domain, e->owner);
	if (dom) {
		printf(" memory ");
		print_mem(e->mem_bytes);
	}
	printf("\n");
	fflush(stdout);
	return 0;
}

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = 1;
}

/*
 * SIGINT and SIGTERM are blocked except inside ppoll(), so one that comes
 * while a notification is being printed ends the loop at the next check,
 * never in the middle of a line, and none is lost between check and wait.
 */
static int cmd_watch(const struct opts *o)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t block, wait_mask;
	struct pollfd pfd;
	struct tvx_nl *nl;
	int ret;

	if (nl_connect(&nl))
		return 1;
	ret = tvx_nl_subscribe(nl);
	if (ret) {
		fprintf(stderr, "%s: watch: cannot join the notification group: %s%s\n",
			prog, strerror(-ret),
			ret == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		tvx_nl_close(nl);
		return 1;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd.fd = tvx_nl_event_fd(nl);
	pfd.events = POLLIN;
	ret = 0;
	while (!stop) {
		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			ret = nl_fail(nl, "watch", -errno);
			break;
		}
		ret = tvx_nl_read_events(nl, print_event, (void *)o);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN) {
			ret = nl_fail(nl, "watch", ret);
			break;
		}
		ret = 0;
	}
	tvx_nl_close(nl);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	const char *cmd;
	int c, nargs;
	char **args;

	/* GNU getopt: options may follow the command, as in "caps --json" */
	while ((c = getopt_long(argc, argv, "jrh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = 1;
			break;
		case 'r':
			o.raw = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	cmd = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if (!strcmp(cmd, "host"))
		return cmd_host(&o, nargs, args);
	if (!strcmp(cmd, "caps"))
		return nargs ? usage() : cmd_caps(&o);
	if (!strcmp(cmd, "status"))
		return nargs ? usage() : cmd_status(&o);
	if (!strcmp(cmd, "domains"))
		return nargs ? usage() : cmd_domains(&o);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(&o, nargs, args);
	if (!strcmp(cmd, "ro-ranges"))
		return cmd_frame_set(&o, &ro_set, nargs, args);
	if (!strcmp(cmd, "mmio-allow"))
		return cmd_frame_set(&o, &allow_set, nargs, args);
	if (!strcmp(cmd, "watch"))
		return nargs ? usage() : cmd_watch(&o);
	fprintf(stderr, "%s: unknown command '%s' (see --help)\n", prog, cmd);
	return EXIT_USAGE;
}
