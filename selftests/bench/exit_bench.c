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

/* ---------------------------------------------------------------- thinvmx */

static int run_thinvmx(struct tvx_handle *h, int insn, unsigned int n,
		       struct result *res)
{
	struct thinvmx_regs regs = { .rip = CODE_GPA, .rflags = 2 };
	struct thinvmx_sregs s;
	struct thinvmx_run *run;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	int ret;

	ret = tvx_domain_create_simple(h, MEM_SIZE, &d);
	if (ret)
		return ret;
	ret = tvx_vcpu_create(d, 0, &v);
	if (ret)
		goto out_dom;
	build_guest(tvx_gpa(d, CODE_GPA), insn, n);
	memset(tvx_gpa(d, 0x2000), 0, 8);
	if ((ret = tvx_get_sregs(v, &s)))
		goto out;
	s.cs.base = 0;
	s.cs.selector = 0;
	if ((ret = tvx_set_sregs(v, &s)) || (ret = tvx_set_regs(v, &regs)))
		goto out;
	run = tvx_vcpu_run_page(v);
	for (;;) {
		ret = tvx_vcpu_run(v);
		if (ret == -EINTR)
			continue;
		if (ret)
			break;
		if (run->exit_reason != THINVMX_EXIT_IO) {
			ret = -EPROTO;
			break;
		}
		if (run->io.port == PORT_RESULT) {
			res->min = run->io.data;
			memcpy(&res->total, tvx_gpa(d, 0x2000), 8);
			break;
		}
	}
out:
	tvx_vcpu_destroy(v);
out_dom:
	tvx_domain_destroy(d);
	return ret;
}

/* ---------------------------------------------------------------- KVM */

static int run_kvm(int insn, unsigned int n, struct result *res)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
	};
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };
	struct kvm_sregs s;
	struct kvm_run *run;
	int kvm, vm = -1, vcpu = -1, ret = 0;
	long run_size;
	unsigned char *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return -errno;
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0 || mem == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	build_guest(mem + CODE_GPA, insn, n);
	region.userspace_addr = (unsigned long)mem;
	vcpu = -1;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0 ||
	    (vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0 ||
	    ioctl(vcpu, KVM_GET_SREGS, &s) < 0) {
		ret = -errno;
		goto out;
	}
	s.cs.base = 0;
	s.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
		ret = -errno;
		goto out;
	}
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (run->exit_reason != KVM_EXIT_IO) {
			ret = -EPROTO;
			break;
		}
		if (run->io.port == PORT_RESULT) {
			memcpy(&res->min, (char *)run + run->io.data_offset, 4);
			memcpy(&res->total, mem + 0x2000, 8);
			break;
		}
	}
	munmap(run, run_size);
out:
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	if (mem != MAP_FAILED)
		munmap(mem, MEM_SIZE);
	close(kvm);
	return ret;
}

/* ---------------------------------------------------------------- main */

static const char *const insn_names[] = { "cpuid (in kernel)", "out (to userspace)" };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "kvm-modules", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const policies[] = { "never", "cond" };
	const char *kvm_dir = "/lib/modules-kvm";
	struct result tvx[2][2], kvm[2][2];
	bool have_kvm = true;
	struct tvx_handle *h;
	struct thinvmx_caps caps;
	unsigned int n = 2000;
	int c, insn, p, ret;

	while ((c = getopt_long(argc, argv, "n:k:", longopts, NULL)) != -1) {
		if (c == 'n')
			n = strtoul(optarg, NULL, 0);
		else if (c == 'k')
			kvm_dir = optarg;
		else
			return 2;
	}
	if (tvx_open(&h) || tvx_get_caps(h, &caps) ||
	    caps.vmx_status != THINVMX_VMX_OK ||
	    !(caps.features & THINVMX_FEAT_UNRESTRICTED)) {
		printf("SKIP: thinvmx with VMX and unrestricted guest not available\n");
		return KSFT_SKIP;
	}
	if (access("/dev/kvm", F_OK) &&
	    (load_module(kvm_dir, "irqbypass.ko") || load_module(kvm_dir, "kvm.ko") ||
	     load_module(kvm_dir, "kvm-intel.ko"))) {
		printf("# no kvm_intel: thinvmx figures only\n");
		have_kvm = false;
	}

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
	if (have_kvm) {
		syscall(SYS_delete_module, "kvm_intel", O_NONBLOCK);
		syscall(SYS_delete_module, "kvm", O_NONBLOCK);
		syscall(SYS_delete_module, "irqbypass", O_NONBLOCK);
	}
	tvx_close(h);
	return 0;
}
