// SPDX-License-Identifier: GPL-2.0
/*
 * event_bench: the round trip of a sync INT3 event (guest INT3 -> the
 * listener's daemon -> answer SKIP -> guest) under thinvmx, against
 * kvm_intel's KVM_EXIT_DEBUG round trip (guest INT3 -> KVM_RUN returns ->
 * the VMM moves RIP past it through the synced registers -> KVM_RUN) for
 * the same guest code in the same nested machine; and async INT3 events
 * (reported, the #BP delivered to the guest's own handler, an IRET), whose
 * cost with a daemon in poll(2) includes waking it for nearly every event.
 *
 * The guest is exit_bench's real-mode loop (bench_guest.h) around one
 * INT3; cycles are the guest's TSC (in Bochs, emulated instructions), the
 * cheapest iteration and the mean. The thinvmx daemon is a second thread,
 * on another CPU when there is one, that either spins on the rings
 * (busy-poll) or sleeps in poll(2). Ratios are thinvmx / KVM.
 *
 * usage: event_bench [-n ITERATIONS] [--kvm-modules DIR]
 * Needs root, /dev/thinvmx with usable VMX and unrestricted guest; for the
 * KVM side /dev/kvm (loaded from DIR, default /lib/modules-kvm). Exits 4
 * (skip) when thinvmx cannot run.
 */
#include "libthinvmx.h"
#include "bench_guest.h"

/* ---------------------------------------------------------------- thinvmx */

static int answer_skip(struct tvx_monitor *m, const struct thinvmx_event *ev,
		       struct thinvmx_response *rsp, void *arg)
{
	struct bench_daemon *dm = arg;

	dm->events++;
	rsp->flags = THINVMX_RESPONSE_SKIP;
	return 0;
}

static int run_thinvmx(struct tvx_handle *h, unsigned int n, __u32 mode,
		       unsigned int flags, struct result *res)
{
	struct bench_daemon dm = { .flags = flags, .fn = answer_skip };
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	int ret;

	ret = tvx_bench_setup(h, INSN_INT3, n, &d, &v);
	if (ret)
		return ret;
	bench_bp_iret(d);
	ret = tvx_monitor_attach(d, 0, 0, &dm.m);
	if (ret)
		goto out;
	ret = tvx_monitor_set(dm.m, THINVMX_MONITOR_INT3, mode, 0);
	/* async: the daemon sees the last ones after the loop */
	if (!ret)
		ret = bench_run_served(d, v, &dm, n, res);
	res->events = dm.events;
	tvx_monitor_detach(dm.m);
out:
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	return ret;
}

/* ---------------------------------------------------------------- KVM */

static int run_kvm(unsigned int n, struct result *res)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP,
	};
	struct kvm_bench k;
	double t0;
	int ret;

	ret = kvm_bench_setup(&k, INSN_INT3, n);
	if (ret)
		return ret;
	if (ioctl(k.vcpu, KVM_SET_GUEST_DEBUG, &dbg) < 0) {
		ret = -errno;
		goto out;
	}
	t0 = now();
	ret = kvm_bench_run(&k, res, true);
	res->seconds = now() - t0;
out:
	kvm_bench_close(&k);
	return ret;
}

/* ---------------------------------------------------------------- main */

static void print(const char *what, unsigned int n, const struct result *r)
{
	printf("%-34s %7u (%8.0f) cycles  %8.0f events/s\n", what, r->min,
	       (double)r->total / n, r->seconds > 0 ? r->events / r->seconds : 0);
}

int main(int argc, char **argv)
{
	struct result busy = { 0 }, polled = { 0 }, blocking = { 0 }, async = { 0 };
	struct result async_busy = { 0 };
	struct result kvm = { 0 };
	bool have_kvm;
	struct tvx_handle *h;
	unsigned int n;
	int ret;

	ret = bench_init(argc, argv, &n, &h, &have_kvm);
	if (ret)
		return ret;
	pin(0);
	/* the round trips, not Bochs' software L1D flush */
	set_param("/sys/module/thinvmx/parameters/vmentry_l1d_flush", "never");
	set_param("/sys/module/kvm_intel/parameters/vmentry_l1d_flush", "never");

	ret = run_thinvmx(h, n, THINVMX_MONITOR_MODE_SYNC, TVX_MONITOR_BUSY_POLL, &busy);
	if (!ret)
		ret = run_thinvmx(h, n, THINVMX_MONITOR_MODE_SYNC, 0, &polled);
	/* the vCPU sleeps at once: every answer is a wake-up */
	set_param("/sys/module/thinvmx/parameters/event_spin_ns", "0");
	if (!ret)
		ret = run_thinvmx(h, n, THINVMX_MONITOR_MODE_SYNC, 0, &blocking);
	set_param("/sys/module/thinvmx/parameters/event_spin_ns", "30000");
	if (!ret)
		ret = run_thinvmx(h, n, THINVMX_MONITOR_MODE_ASYNC, 0, &async);
	if (!ret)
		ret = run_thinvmx(h, n, THINVMX_MONITOR_MODE_ASYNC,
				  TVX_MONITOR_BUSY_POLL, &async_busy);
	if (ret) {
		fprintf(stderr, "thinvmx run failed: %s\n", strerror(-ret));
		return 1;
	}
	if (have_kvm && (ret = run_kvm(n, &kvm))) {
		fprintf(stderr, "kvm run failed: %s\n", strerror(-ret));
		return 1;
	}
	set_param("/sys/module/thinvmx/parameters/vmentry_l1d_flush", "cond");

	printf("# INT3 round trip, cycles per event (cheapest of %u; mean), guest TSC; "
	       "%ld CPUs\n", n, sysconf(_SC_NPROCESSORS_ONLN));
	print("thinvmx sync, daemon busy-polling", n, &busy);
	print("thinvmx sync, daemon in poll()", n, &polled);
	print("thinvmx sync, poll(), vCPU sleeps", n, &blocking);
	print("thinvmx async, daemon in poll()", n, &async);
	print("thinvmx async, daemon busy-polling", n, &async_busy);
	if (have_kvm)
		print("kvm KVM_EXIT_DEBUG", n, &kvm);
	if (have_kvm)
		printf("ratio sync/kvm: busy-poll %.2f, poll %.2f (mean %.2f, %.2f)\n",
		       (double)busy.min / kvm.min, (double)polled.min / kvm.min,
		       (double)busy.total / kvm.total, (double)polled.total / kvm.total);
	printf("async rate / sync rate, by mean cycles: %.1fx (busy-poll), %.1fx (poll()), "
	       "%.1fx (poll(), vCPU sleeps)\n",
	       (double)busy.total / async_busy.total, (double)polled.total / async.total,
	       (double)blocking.total / async.total);
	bench_exit(h, have_kvm);
	return 0;
}
