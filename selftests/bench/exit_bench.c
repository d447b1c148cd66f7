// SPDX-License-Identifier: GPL-2.0
/*
 * exit_bench: the cost of a VM exit under thinvmx and under kvm_intel, for
 * the same guest code in the same (nested) machine.
 *
 * The guest, in real mode, times N iterations of one exiting instruction
 * with RDTSC and keeps the cheapest iteration and the total:
 *   cpuid      handled in the kernel on both sides;
 *   out 0x10   a port write that goes to userspace and back.
 * In Bochs the TSC counts emulated instructions, so the cheapest iteration
 * is an exact software path length (NESTED.md): compare the two sides as a
 * ratio. Each side runs with its L1D flush policy "never" and with the
 * policy the host applies by default ("cond" on thinvmx, kvm_intel's own
 * default), since Bochs' software L1D flush dominates a round trip.
 *
 * usage: exit_bench [-n ITERATIONS] [--kvm-modules DIR]
 * Needs root, /dev/thinvmx with usable VMX, and for the KVM side /dev/kvm
 * (loaded from DIR, default /lib/modules-kvm, when absent). Prints one line
 * per measurement and the ratios; exits 4 (skip) when thinvmx cannot run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/kvm.h>

#include "libthinvmx.h"
#include "../thinvmx/tvx_test.h"
#include "bench_guest.h"

/* ---------------------------------------------------------------- runs */

static int run_thinvmx(struct tvx_handle *h, int insn, unsigned int n,
		       struct result *res)
{
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	int ret;

	ret = tvx_bench_setup(h, insn, n, &d, &v);
	if (ret)
		return ret;
	ret = tvx_bench_run(d, v, res);
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	return ret;
}

static int run_kvm(int insn, unsigned int n, struct result *res)
{
	struct kvm_bench k;
	int ret;

	ret = kvm_bench_setup(&k, insn, n);
	if (ret)
		return ret;
	ret = kvm_bench_run(&k, res, false);
	kvm_bench_close(&k);
	return ret;
}

/* ---------------------------------------------------------------- main */

static const char *const insn_names[] = { "cpuid (in kernel)", "out (to userspace)" };

int main(int argc, char **argv)
{
	static const char *const policies[] = { "never", "cond" };
	struct result tvx[2][2], kvm[2][2];
	bool have_kvm;
	struct tvx_handle *h;
	unsigned int n;
	int insn, p, ret;

	ret = bench_init(argc, argv, &n, &h, &have_kvm);
	if (ret)
		return ret;

	for (p = 0; p < 2; p++) {
		for (insn = 0; insn < 2; insn++) {
			set_param("/sys/module/thinvmx/parameters/vmentry_l1d_flush",
				  policies[p]);
			ret = run_thinvmx(h, insn, n, &tvx[p][insn]);
			if (ret) {
				fprintf(stderr, "thinvmx run failed: %s\n", strerror(-ret));
				return 1;
			}
			if (!have_kvm)
				continue;
			set_param("/sys/module/kvm_intel/parameters/vmentry_l1d_flush",
				  policies[p]);
			ret = run_kvm(insn, n, &kvm[p][insn]);
			if (ret) {
				fprintf(stderr, "kvm run failed: %s\n", strerror(-ret));
				return 1;
			}
		}
	}
	set_param("/sys/module/thinvmx/parameters/vmentry_l1d_flush", "cond");

	printf("# exit cost, cycles per exit (cheapest of %u; mean), guest TSC\n", n);
	for (p = 0; p < 2; p++) {
		for (insn = 0; insn < 2; insn++) {
			printf("l1d_flush=%-5s %-20s thinvmx %6u (%7.0f)", policies[p],
			       insn_names[insn], tvx[p][insn].min,
			       (double)tvx[p][insn].total / n);
			if (have_kvm)
				printf("  kvm %6u (%7.0f)  ratio %.2f",
				       kvm[p][insn].min, (double)kvm[p][insn].total / n,
				       (double)tvx[p][insn].min / kvm[p][insn].min);
			printf("\n");
		}
	}
	bench_exit(h, have_kvm);
	return 0;
}
