// SPDX-License-Identifier: GPL-2.0
/*
 * bp_bench: what one hit of a daemon's breakpoint costs when the guest
 * must go on to run the instruction under it, in cycles of the guest's
 * TSC (in Bochs, emulated instructions; the cheapest iteration and the
 * mean), for the same guest code in the same nested machine:
 *
 *   classic   thinvmx: 0xcc in guest memory; a sync INT3 event, the daemon
 *             writes the original byte back and answers SINGLESTEP; the
 *             SINGLESTEP event, the daemon writes 0xcc again and answers
 *             "continue" (thinvmx-monitor --break does this dance)
 *   stealth   thinvmx, lib/stealth.c: the 0xcc in a shadow of the code
 *             frame that a breakpoint view shows execute-only; a sync
 *             INT3 event answered with a fast single-step (the
 *             instruction runs in view 0, the vCPU comes back): one
 *             round trip to the daemon, guest memory never written
 *   kvm       kvm_intel, the same dance through KVM_EXIT_DEBUG: the #BP
 *             exit, the byte back, KVM_SET_GUEST_DEBUG with SINGLESTEP,
 *             KVM_RUN, the #DB exit, 0xcc again, SINGLESTEP off, KVM_RUN
 *
 * And what a view switch costs: an INT3 answered "skip" with and without
 * SWITCH_VIEW (to the other of two views, each time), and VMFUNC leaf 0
 * in the guest (no exit at all) where the CPU has EPTP switching.
 *
 * The guest is exit_bench's real-mode loop (bench_guest.h) around a NOP
 * that carries the breakpoint. The thinvmx daemon is a second thread, on
 * another CPU when there is one, spinning on the rings or in poll(2);
 * the KVM VMM is the vCPU thread itself, as QEMU's gdbstub would be.
 * Every hit is counted and must equal the iterations.
 *
 * usage: bp_bench [-n ITERATIONS] [--kvm-modules DIR]
 * Needs root, /dev/thinvmx with usable VMX and unrestricted guest; for the
 * KVM side /dev/kvm (loaded from DIR, default /lib/modules-kvm). Exits 4
 * (skip) when thinvmx cannot run.
 */
#include "libthinvmx.h"
#include "bench_guest.h"

#define BP_GPA		(CODE_GPA + INSN_OFFSET)
#define BP_INSN		0x90	/* what build_guest() put there: a NOP */
#define SPARE_GFN	0x80	/* a frame the guest does not use: the shadow */

/* ---------------------------------------------------------------- thinvmx */

struct dance {
	unsigned char *bp;	/* the breakpoint's byte in the VMM's mapping */
	struct tvx_stealth *st;	/* stealth */
	__u16 switch_to;	/* run_switch(): the view the answers alternate with */
	unsigned long long hits;
	int bad;		/* events the dance did not expect */
};

/*
 * The classic dance, one event at a time: the INT3 on our byte puts the
 * original back and steps it; the step's event re-plants the 0xcc.
 */
static int answer_dance(struct tvx_monitor *m, const struct thinvmx_event *ev,
			struct thinvmx_response *rsp, void *arg)
{
	struct bench_daemon *dm = arg;
	struct dance *dc = dm->arg;

	dm->events++;
	if (ev->reason == THINVMX_EVENT_INT3 && ev->u.int3.gla == BP_GPA) {
		dc->hits++;
		*dc->bp = BP_INSN;
		rsp->flags = THINVMX_RESPONSE_SINGLESTEP;
	} else if (ev->reason == THINVMX_EVENT_SINGLESTEP) {
		*dc->bp = 0xcc;
		rsp->flags = 0;
	} else {
		dc->bad++;
		rsp->flags = 0;
	}
	return 0;
}

static int run_classic(struct tvx_handle *h, unsigned int n, unsigned int flags,
		       struct result *res)
{
	struct dance dc = { 0 };
	struct bench_daemon dm = { .flags = flags, .fn = answer_dance, .arg = &dc };
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	int ret;

	ret = tvx_bench_setup(h, INSN_NOP, n, &d, &v);
	if (ret)
		return ret;
	dc.bp = tvx_gpa(d, BP_GPA);
	*dc.bp = 0xcc;
	ret = tvx_monitor_attach(d, 0, 0, &dm.m);
	if (ret)
		goto out;
	ret = tvx_monitor_set(dm.m, THINVMX_MONITOR_INT3, THINVMX_MONITOR_MODE_SYNC, 0);
	if (!ret)
		ret = bench_run_served(d, v, &dm, 0, res);
	res->events = dc.hits;
	if (!ret && (dc.hits != n || dc.bad)) {
		fprintf(stderr, "classic: %llu hits for %u iterations, %d stray events\n",
			dc.hits, n, dc.bad);
		ret = -EPROTO;
	}
	tvx_monitor_detach(dm.m);
out:
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	return ret;
}

/* Stealth: the engine answers; every event must be one of its hits. */
static int answer_stealth(struct tvx_monitor *m, const struct thinvmx_event *ev,
			  struct thinvmx_response *rsp, void *arg)
{
	struct bench_daemon *dm = arg;
	struct dance *dc = dm->arg;
	int hit;

	dm->events++;
	if (tvx_stealth_event(dc->st, ev, rsp, &hit) && hit >= 0) {
		dc->hits++;
	} else {
		dc->bad++;
		rsp->flags = 0;
	}
	return 0;
}

static int run_stealth(struct tvx_handle *h, unsigned int n, unsigned int flags,
		       struct result *res)
{
	struct dance dc = { 0 };
	struct bench_daemon dm = { .flags = flags, .fn = answer_stealth, .arg = &dc };
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	unsigned int id;
	int ret;

	ret = tvx_bench_setup(h, INSN_NOP, n, &d, &v);
	if (ret)
		return ret;
	ret = tvx_monitor_attach(d, 0, 0, &dm.m);
	if (ret)
		goto out;
	ret = tvx_stealth_create(dm.m, d, 1, SPARE_GFN, 1, &dc.st);
	if (!ret)
		ret = tvx_stealth_add(dc.st, BP_GPA, &id);
	if (!ret)
		ret = tvx_monitor_set(dm.m, THINVMX_MONITOR_INT3, THINVMX_MONITOR_MODE_SYNC, 0);
	if (!ret)
		ret = tvx_monitor_set(dm.m, THINVMX_MONITOR_MEM_ACCESS,
				      THINVMX_MONITOR_MODE_SYNC, 0);
	if (!ret)
		ret = tvx_stealth_arm(dc.st);
	if (!ret)
		ret = bench_run_served(d, v, &dm, 0, res);
	res->events = dc.hits;
	if (!ret && (dc.hits != n || dc.bad)) {
		fprintf(stderr, "stealth: %llu hits for %u iterations, %d other events\n",
			dc.hits, n, dc.bad);
		ret = -EPROTO;
	}
	/* the guest's own frame never had the 0xcc */
	if (!ret && *(unsigned char *)tvx_gpa(d, BP_GPA) != BP_INSN)
		ret = -EPROTO;
	tvx_stealth_destroy(dc.st);
	tvx_monitor_detach(dm.m);
out:
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	return ret;
}

/* INT3 answered SKIP, and with @arg's view id: switching views each time */
static int answer_skip_switch(struct tvx_monitor *m, const struct thinvmx_event *ev,
			      struct thinvmx_response *rsp, void *arg)
{
	struct bench_daemon *dm = arg;
	struct dance *dc = dm->arg;

	dm->events++;
	rsp->flags = THINVMX_RESPONSE_SKIP;
	if (dc->switch_to) {
		rsp->flags |= THINVMX_RESPONSE_SWITCH_VIEW;
		rsp->view = ev->view ? 0 : dc->switch_to;
	}
	dc->hits++;
	return 0;
}

/*
 * View switches: @insn INSN_INT3 (the daemon switches, or not with
 * @by_answer false) or INSN_VMFUNC (the guest does, views 0 and 1 listed).
 */
static int run_switch(struct tvx_handle *h, unsigned int n, int insn, bool by_answer,
		       struct result *res)
{
	struct dance dc = { 0 };
	struct bench_daemon dm = { .flags = TVX_MONITOR_BUSY_POLL,
				   .fn = answer_skip_switch, .arg = &dc };
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	__u16 view;
	int ret;

	ret = tvx_bench_setup(h, insn, n, &d, &v);
	if (ret)
		return ret;
	bench_bp_iret(d);
	ret = tvx_view_create(d, &view);
	if (ret)
		goto out;
	if (insn == INSN_VMFUNC) {
		/* the guest switches itself: no event, no daemon */
		ret = tvx_view_vmfunc(d, 0, 3);
		if (!ret)
			ret = bench_run_served(d, v, NULL, 0, res);
		res->events = n;
		goto out;
	}
	if (by_answer)
		dc.switch_to = view;
	ret = tvx_monitor_attach(d, 0, 0, &dm.m);
	if (ret)
		goto out;
	ret = tvx_monitor_set(dm.m, THINVMX_MONITOR_INT3, THINVMX_MONITOR_MODE_SYNC, 0);
	if (!ret)
		ret = bench_run_served(d, v, &dm, 0, res);
	if (!ret && dc.hits != n)
		ret = -EPROTO;
	res->events = dc.hits;
	tvx_monitor_detach(dm.m);
out:
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	return ret;
}

/* ---------------------------------------------------------------- KVM */

static int kvm_debug(struct kvm_bench *k, bool step)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP |
			   (step ? KVM_GUESTDBG_SINGLESTEP : 0),
	};

	return ioctl(k->vcpu, KVM_SET_GUEST_DEBUG, &dbg) < 0 ? -errno : 0;
}

static int run_kvm(unsigned int n, struct result *res)
{
	unsigned long long hits = 0;
	struct kvm_bench k;
	struct kvm_run *run;
	double t0;
	int ret;

	ret = kvm_bench_setup(&k, INSN_NOP, n);
	if (ret)
		return ret;
	run = k.run;
	k.mem[BP_GPA] = 0xcc;
	ret = kvm_debug(&k, false);
	t0 = now();
	while (!ret) {
		if (ioctl(k.vcpu, KVM_RUN, 0) < 0) {
			if (errno != EINTR)
				ret = -errno;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_DEBUG &&
		    run->debug.arch.exception == 3 && run->debug.arch.pc == BP_GPA) {
			hits++;
			k.mem[BP_GPA] = BP_INSN;
			ret = kvm_debug(&k, true);
		} else if (run->exit_reason == KVM_EXIT_DEBUG &&
			   run->debug.arch.exception == 1) {
			k.mem[BP_GPA] = 0xcc;
			ret = kvm_debug(&k, false);
		} else if (run->exit_reason == KVM_EXIT_IO &&
			   run->io.port == PORT_RESULT) {
			memcpy(&res->min, (char *)run + run->io.data_offset, 4);
			memcpy(&res->total, k.mem + 0x2000, 8);
			break;
		} else if (run->exit_reason != KVM_EXIT_IO) {
			ret = -EPROTO;
		}
	}
	res->seconds = now() - t0;
	res->events = hits;
	if (!ret && hits != n) {
		fprintf(stderr, "kvm: %llu hits for %u iterations\n", hits, n);
		ret = -EPROTO;
	}
	kvm_bench_close(&k);
	return ret;
}

/* ---------------------------------------------------------------- main */

static void print(const char *what, unsigned int n, const struct result *r)
{
	printf("%-40s %7u (%8.0f) cycles  %8.0f hits/s\n", what, r->min,
	       (double)r->total / n, r->seconds > 0 ? r->events / r->seconds : 0);
}

int main(int argc, char **argv)
{
	struct result busy = { 0 }, polled = { 0 }, kvm = { 0 };
	struct result st_busy = { 0 }, st_polled = { 0 };
	struct result sw_none = { 0 }, sw_answer = { 0 }, sw_vmfunc = { 0 };
	struct thinvmx_caps caps;
	bool stealth, vmfunc = false;
	struct tvx_handle *h;
	unsigned int n;
	bool have_kvm;
	int ret;

	ret = bench_init(argc, argv, &n, &h, &have_kvm);
	if (ret)
		return ret;
	pin(0);
	/* the round trips, not Bochs' software L1D flush */
	set_param("/sys/module/thinvmx/parameters/vmentry_l1d_flush", "never");
	set_param("/sys/module/kvm_intel/parameters/vmentry_l1d_flush", "never");

	stealth = !tvx_get_caps(h, &caps) &&
		  (caps.features & THINVMX_FEAT_EPT_EXEC_ONLY);
	ret = run_classic(h, n, TVX_MONITOR_BUSY_POLL, &busy);
	if (!ret)
		ret = run_classic(h, n, 0, &polled);
	if (!ret && stealth)
		ret = run_stealth(h, n, TVX_MONITOR_BUSY_POLL, &st_busy);
	if (!ret && stealth)
		ret = run_stealth(h, n, 0, &st_polled);
	if (!ret)
		ret = run_switch(h, n, INSN_INT3, false, &sw_none);
	if (!ret)
		ret = run_switch(h, n, INSN_INT3, true, &sw_answer);
	/* -EOPNOTSUPP: no EPTP switching; then no VMFUNC figure */
	vmfunc = !ret && !run_switch(h, n, INSN_VMFUNC, false, &sw_vmfunc);
	if (ret) {
		fprintf(stderr, "thinvmx run failed: %s\n", strerror(-ret));
		return 1;
	}
	if (have_kvm && (ret = run_kvm(n, &kvm))) {
		fprintf(stderr, "kvm run failed: %s\n", strerror(-ret));
		return 1;
	}
	set_param("/sys/module/thinvmx/parameters/vmentry_l1d_flush", "cond");

	printf("# breakpoint hit, the instruction under it run, cycles per hit "
	       "(cheapest of %u; mean), guest TSC; %ld CPUs\n",
	       n, sysconf(_SC_NPROCESSORS_ONLN));
	print("thinvmx classic dance, daemon busy-polling", n, &busy);
	print("thinvmx classic dance, daemon in poll()", n, &polled);
	if (stealth) {
		print("thinvmx stealth, daemon busy-polling", n, &st_busy);
		print("thinvmx stealth, daemon in poll()", n, &st_polled);
		printf("stealth/classic, busy-poll: ratio %.2f\n",
		       (double)st_busy.min / busy.min);
		printf("stealth/classic, poll(): ratio %.2f\n",
		       (double)st_polled.min / polled.min);
	} else {
		printf("# no execute-only EPT: no stealth breakpoints\n");
	}
	printf("# view switches, cycles (cheapest of %u; mean)\n", n);
	print("INT3 answered skip, daemon busy-polling", n, &sw_none);
	print("the same, with a view switch each time", n, &sw_answer);
	printf("view switch by answer: %d cycles on top of the round trip\n",
	       (int)sw_answer.min - (int)sw_none.min);
	if (vmfunc)
		print("VMFUNC leaf 0 in the guest, no exit", n, &sw_vmfunc);
	else
		printf("# no VMFUNC EPTP switching\n");
	if (have_kvm) {
		print("kvm dance through KVM_EXIT_DEBUG", n, &kvm);
		printf("classic dance thinvmx/kvm, busy-poll: ratio %.2f\n",
		       (double)busy.min / kvm.min);
		printf("classic dance thinvmx/kvm, poll(): ratio %.2f\n",
		       (double)polled.min / kvm.min);
		if (stealth)
			printf("stealth thinvmx/kvm dance, busy-poll: ratio %.2f\n",
			       (double)st_busy.min / kvm.min);
		if (stealth)
			printf("stealth thinvmx/kvm dance, poll(): ratio %.2f\n",
			       (double)st_polled.min / kvm.min);
	}
	bench_exit(h, have_kvm);
	return 0;
}
