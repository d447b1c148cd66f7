// SPDX-License-Identifier: GPL-2.0
/*
 * thinvmx-ctl: administer the thinvmx module.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libthinvmx.h"

#define EXIT_USAGE	2

static const char usage_text[] =
"Usage: thinvmx-ctl [OPTIONS] COMMAND\n"
"\n"
"Administer the thinvmx hypervisor module through /dev/thinvmx.\n"
"\n"
"Commands:\n"
"  caps        show whether this host can run guests, why not if it cannot,\n"
"              the VMX features thinvmx uses and the control values it programs\n"
"\n"
"Options:\n"
"  -j, --json  print one JSON object per line instead of text\n"
"  -r, --raw   with caps: also print the raw VMX capability MSRs\n"
"  -h, --help  print this help and exit\n"
"\n"
"Exit status: 0 on success; 1 if the command failed (for caps: VMX is not\n"
"usable, the reason is printed); 2 on a usage error.\n";

struct opts {
	int json;
	int raw;
};

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

static void print_features(FILE *f, uint64_t features, const char *sep,
			   const char *quote)
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
		fprintf(f, "%s%s%s%s", first ? "" : sep, quote, name, quote);
		first = 0;
	}
}

static void caps_json(const struct thinvmx_caps *c, const struct opts *o)
{
	size_t i;

	printf("{\"vmx_status\":%u,\"vmx_status_name\":\"%s\",\"usable\":%s,"
	       "\"detail_ctl\":\"%s\",\"detail_bits\":\"0x%" PRIx64 "\","
	       "\"detail_cpu\":%u,\"nr_cpus\":%u,\"vmcs_revision\":%u,"
	       "\"vmcs_size\":%u,\"features\":[",
	       c->vmx_status, tvx_vmx_status_str(c->vmx_status),
	       c->vmx_status == THINVMX_VMX_OK ? "true" : "false",
	       tvx_ctl_str(c->detail_ctl), (uint64_t)c->detail_bits,
	       c->detail_cpu, c->nr_cpus, c->vmcs_revision, c->vmcs_size);
	print_features(stdout, c->features, ",", "\"");
	printf("],\"pin_ctls\":\"0x%x\",\"proc_ctls\":\"0x%x\","
	       "\"proc2_ctls\":\"0x%x\",\"exit_ctls\":\"0x%x\","
	       "\"entry_ctls\":\"0x%x\",\"cpuid1_ecx\":\"0x%x\"",
	       c->pin_ctls, c->proc_ctls, c->proc2_ctls, c->exit_ctls,
	       c->entry_ctls, c->cpuid1_ecx);
	if (o->raw)
		for (i = 0; i < sizeof(raw_msrs) / sizeof(raw_msrs[0]); i++)
			printf(",\"msr_%s\":\"0x%" PRIx64 "\"", raw_msrs[i].name,
			       raw_msr(c, i));
	printf("}\n");
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
		print_features(stdout, c->features, " ", "");
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

static int cmd_caps(struct tvx_handle *h, const struct opts *o)
{
	struct thinvmx_caps caps;
	int ret;

	ret = tvx_get_caps(h, &caps);
	if (ret) {
		fprintf(stderr, "thinvmx-ctl: GET_CAPABILITIES: %s\n",
			strerror(-ret));
		return 1;
	}
	if (o->json)
		caps_json(&caps, o);
	else
		caps_text(&caps, o);
	return caps.vmx_status == THINVMX_VMX_OK ? 0 : 1;
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
	struct tvx_handle *h;
	const char *cmd;
	int c, ret;

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
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "caps")) {
		fprintf(stderr, "thinvmx-ctl: unknown command '%s' (see --help)\n",
			cmd);
		return EXIT_USAGE;
	}

	ret = tvx_open(&h);
	if (ret) {
		fprintf(stderr, "thinvmx-ctl: cannot open %s: %s%s\n",
			THINVMX_DEVICE, strerror(-ret),
			ret == -ENOENT ? " (is the thinvmx module loaded?)" : "");
		return 1;
	}
	ret = cmd_caps(h, &o);
	tvx_close(h);
	return ret;
}
