// SPDX-License-Identifier: GPL-2.0
/*
 * THINVMX_RUN: the run loop, VM entry and the exit that ends it.
 *
 * RUN enters the guest in a loop. Exits the kernel can answer (CPUID, MSR
 * accesses, XSETBV, ...) go straight back into the guest; the others
 * (port I/O, emulated MMIO, HLT, shutdown, errors) return to userspace
 * through the mmap'd struct thinvmx_run. The loop runs with preemption
 * disabled between the places where it may reschedule, so the host state
 * the guest borrows (KERNEL_GS_BASE, the SYSCALL MSRs, XCR0, segment
 * selectors) is swapped once per stretch of in-kernel exits rather than
 * once per exit, and always given back before anything else runs. The
 * L1D flush (l1d.c) is the last thing before the entry.
 */
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "control.h"
#include "ept/violation.h"
#include "lapic/lapic.h"
#include "vcpu.h"
#include "vmx/exit.h"
#include "vmx/host_caps.h"
#include "vmx/run.h"

/*
 * What the guest borrows from the host CPU while it runs, and what a VM
 * exit does not restore by itself (SDM 28.5): the SYSCALL MSRs and
 * KERNEL_GS_BASE (SYSCALL and SWAPGS do not exit), IA32_TSC_AUX (RDTSCP
 * reads it), the data segment selectors (zeroed by the exit), the LDT (the
 * exit leaves LDTR unusable: a task with an LDT would fault on its next
 * selector load), the GDT limit (set to 0xffff), the TSS limit (set to
 * 0x67, which cuts off the I/O bitmap of a task that has ioperm()), DR7
 * (0x400: the task's hardware breakpoints off) and IA32_DEBUGCTL (0). Done
 * as kvm_intel does (vmx_prepare_switch_to_host(), and after each run),
 * here once per stretch: between the exits of a stretch the host runs
 * with its breakpoints off.
 */
struct tvx_host_state {
	u64 kernel_gs_base, star, lstar, cstar, sfmask;
	unsigned long debugctl;
	u16 ds, es, fs, gs, ldt;
};

/* The host's state the guest's replaces, for a stretch (VMCS current). */
static void tvx_swap_in(struct tvx_vcpu *v, struct tvx_host_state *h)
{
	unsigned long fs;

	/* the task's FS base: no interrupt changes it */
	rdmsrl(MSR_FS_BASE, fs);
	if (unlikely(fs != v->host.fs_base)) {
		vmcs_writel(HOST_FS_BASE, fs);
		v->host.fs_base = fs;
	}
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	asm volatile("sldt %0" : "=r" (h->ldt));
	h->debugctl = get_debugctlmsr();
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	rdmsrl(MSR_STAR, h->star);
	rdmsrl(MSR_LSTAR, h->lstar);
	rdmsrl(MSR_CSTAR, h->cstar);
	rdmsrl(MSR_SYSCALL_MASK, h->sfmask);
	wrmsrl(MSR_KERNEL_GS_BASE, v->kernel_gs_base);
	wrmsrl(MSR_STAR, v->star);
	wrmsrl(MSR_LSTAR, v->lstar);
	wrmsrl(MSR_CSTAR, v->cstar);
	wrmsrl(MSR_SYSCALL_MASK, v->sfmask);
	/* RDTSCP runs in the guest without an exit: it reads the guest's */
	if (unlikely(v->tsc_aux != v->host.tsc_aux))
		wrmsrl(MSR_TSC_AUX, v->tsc_aux);
}

static void tvx_swap_out(struct tvx_vcpu *v, struct tvx_host_state *h)
{
	unsigned long flags;

	local_irq_save(flags);
	rdmsrl(MSR_KERNEL_GS_BASE, v->kernel_gs_base);
	wrmsrl(MSR_STAR, h->star);
	wrmsrl(MSR_LSTAR, h->lstar);
	wrmsrl(MSR_CSTAR, h->cstar);
	wrmsrl(MSR_SYSCALL_MASK, h->sfmask);
	/*
	 * The LDT before the selectors, which may name it: loading one
	 * with LDTR still unusable faults, and the fixup leaves a null
	 * selector (a VMM's GS selector and base were lost so).
	 */
	if (h->ldt)
		asm volatile("lldt %0" : : "r" (h->ldt));
	loadsegment(ds, h->ds);
	loadsegment(es, h->es);
	/*
	 * A nonzero FS/GS selector (rare in 64-bit processes) reloads the
	 * base from the descriptor: the bases the task had go back after
	 * it. The task's GS base is KERNEL_GS_BASE here, under the kernel's
	 * (load_gs_index() loads the selector between two SWAPGS).
	 */
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, v->host.fs_base);
	}
	if (h->gs)
		load_gs_index(h->gs);
	wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	if (unlikely(v->tsc_aux != v->host.tsc_aux))
		wrmsrl(MSR_TSC_AUX, v->host.tsc_aux);
	load_fixmap_gdt(smp_processor_id());
	invalidate_tss_limit();
	/*
	 * An exit leaves DR7 = 0x400 and DEBUGCTL = 0 (SDM 28.5.1), and DR6
	 * as a #DB delivered to the guest left it: VMX does not switch DR6,
	 * and a stale B0-B3 or BS there makes the host's next #DB look like
	 * more than it was (a VMM with a breakpoint got SIGTRAP for it).
	 */
	if (hw_breakpoint_active()) {
		hw_breakpoint_restore();	/* DR6 too */
	} else {
		unsigned long dr6;

		get_debugreg(dr6, 6);
		if (dr6 != DR6_RESERVED)
			set_debugreg(DR6_RESERVED, 6);
	}
	if (h->debugctl)
		update_debugctlmsr(h->debugctl);
	local_irq_restore(flags);
}

/* ------------------------------------------------------------ entry */

/*
 * L1D flush before entry (L1TF, SDM-independent: Intel's L1TF guidance),
 * following the host's mitigation: the parameter vmentry_l1d_flush says
 * cond (flush when the host ran other code since the last entry), always,
 * or never. Without a flush, a domain with a device's MMIO mapped gets the
 * CPU buffers cleared where the host asks for it (MMIO stale data): the
 * L1D flush does that too. The policy: vmx/spec.c.
 */
static void tvx_l1d_flush(struct tvx_vcpu *v)
{
	if (!tvx_l1d_flush_wanted(v)) {
		if (static_branch_unlikely(&mmio_stale_data_clear) &&
		    READ_ONCE(v->dom->direct_mmio))
			x86_clear_cpu_buffers();
		return;
	}
	v->l1d_flush_needed = false;
	atomic64_inc(&v->dom->l1d_flushes);
	if (static_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	tvx_l1d_flush_sw();
}

/*
 * XCR0 is switched by what the hardware holds, not by what thinvmx last
 * wrote: Bochs was seen to leave a different XCR0 after a VM exit than the
 * one before the entry (a later XRSTORS of host state then faulted, "Bad
 * FPU state"), and the host must never run with anything but its own.
 */
static void tvx_xcr0_guest(struct tvx_vcpu *v)
{
	if (tvx_host_xcr0 && xgetbv(XCR_XFEATURE_ENABLED_MASK) != v->xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, v->xcr0);
}

static void tvx_xcr0_host(struct tvx_vcpu *v)
{
	if (tvx_host_xcr0 && xgetbv(XCR_XFEATURE_ENABLED_MASK) != tvx_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, tvx_host_xcr0);
}

/*
 * PKRU is no part of the guest FPU state the kernel swaps
 * (fpu_swap_kvm_fpstate() leaves it live as the task's): a guest's WRPKRU
 * or XRSTOR would stay in force for the VMM thread, and for every kernel
 * access to its user pages. Switched around each entry by what the
 * register holds, whatever the guest's CR4.PKE and XCR0 say by then (the
 * guest may have changed them without an exit).
 */
static u32 tvx_pkru_guest(struct tvx_vcpu *v)
{
	u32 host;

	if (!cpu_feature_enabled(X86_FEATURE_OSPKE))
		return 0;
	host = rdpkru();
	if (host != v->pkru)
		wrpkru(v->pkru);
	return host;
}

static void tvx_pkru_host(struct tvx_vcpu *v, u32 host)
{
	if (!cpu_feature_enabled(X86_FEATURE_OSPKE))
		return;
	v->pkru = rdpkru();
	if (v->pkru != host)
		wrpkru(host);
}

/*
 * Host state that may change between entries on the same CPU: CR3 (a TLB
 * flush may reload it with another PCID) and CR4. The FS base is the
 * task's, the same for a whole stretch: tvx_swap_in() takes it.
 */
static void tvx_vmcs_host_dynamic(struct tvx_vcpu *v)
{
	unsigned long cr3 = __read_cr3(), cr4 = cr4_read_shadow();

	if (unlikely(cr3 != v->host.cr3)) {
		vmcs_writel(HOST_CR3, cr3);
		v->host.cr3 = cr3;
	}
	if (unlikely(cr4 != v->host.cr4)) {
		vmcs_writel(HOST_CR4, cr4);
		v->host.cr4 = cr4;
	}
}

/*
 * One VM entry and the exit that ends it, with interrupts off. Returns
 * the basic exit reason, or TVX_EXIT_VMFAIL.
 */
static u32 tvx_enter(struct tvx_vcpu *v)
{
	u32 reason, intr, pkru;
	int failed;

	tvx_vmcs_host_dynamic(v);
	tvx_xcr0_guest(v);
	pkru = tvx_pkru_guest(v);
	/* CR2 is not in the VMCS: the guest's own, never the host's */
	if (native_read_cr2() != v->cr2)
		native_write_cr2(v->cr2);
	tvx_l1d_flush(v);

	failed = vmx_vcpu_enter(v->gprs, v->vmcs.launched, v->spec_ctrl);

	v->cr2 = native_read_cr2();
	tvx_pkru_host(v, pkru);
	tvx_xcr0_host(v);
	if (failed)
		return TVX_EXIT_VMFAIL;
	v->vmcs.launched = true;
	v->exits++;
	reason = vmcs_read32(VM_EXIT_REASON);
	v->exit_reason = reason;
	if ((u16)reason < TVX_NR_EXIT_REASONS)
		v->stats.exits[(u16)reason]++;
	/* the VMM's userspace gets an IBPB before it runs (VMSCAPE) */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
	/* An NMI that caused the exit is the host's: deliver it now. */
	if ((u16)reason == EXIT_REASON_EXCEPTION_NMI) {
		intr = vmcs_read32(VM_EXIT_INTR_INFO);
		v->exit_intr_info = intr;
		if ((intr & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR) {
			vmx_deliver_nmi();
			v->l1d_flush_needed = true;
		}
	}
	return reason;
}

/* Another vCPU of the domain holds the step gate: this one stays out. */
static bool tvx_step_gate_shut(const struct tvx_vcpu *v)
{
	int owner = atomic_read(&v->dom->step_owner);

	return owner >= 0 && owner != v->id;
}

/*
 * The inner loop: enter, handle in the kernel what can be, until an exit
 * needs userspace or an event's wait, the task must reschedule, a signal
 * is pending or the listener went away.
 * Return: TVX_EXIT_RESUME to go on (after rescheduling),
 * TVX_EXIT_PAUSED to park while the domain is paused (then go on),
 * TVX_EXIT_WAIT_EVENT to wait for an event (then go on), TVX_EXIT_REFILL
 * to refill the vCPU's page pool (then go on), TVX_EXIT_TO_USER to return
 * to userspace, or a negative errno.
 */
static int tvx_run_stretch(struct tvx_vcpu *v)
{
	struct tvx_host_state host;
	bool settled;
	u32 reason;
	int ret;

	preempt_disable();
	ret = tvx_vcpu_load(v);
	if (ret) {
		preempt_enable();
		if (ret != -EAGAIN)
			return ret;
		/* a CPU going down: schedule() moves this task off it */
		schedule();
		return TVX_EXIT_RESUME;
	}
	/* Another task may have run here: its data may be in the L1D. */
	v->l1d_flush_needed = true;
	ret = tvx_complete_pending(v);
	if (ret != TVX_EXIT_RESUME)
		goto out_preempt;
	settled = READ_ONCE(v->trap.paused) && tvx_trap_unpause(v);
	if (v->ev.state == TVX_EV_ANSWERED) {
		tvx_event_resume(v, settled);
		/* an exception the answer raised can end in a shutdown */
		if (v->stopped) {
			ret = TVX_EXIT_TO_USER;
			goto out_preempt;
		}
	}

	tvx_swap_in(v, &host);
	WRITE_ONCE(v->running_cpu, smp_processor_id());
	cpumask_set_cpu(smp_processor_id(), v->dom->stretch_cpus);
	/*
	 * Before the loop reads what a kicker published (monitor_gen, a
	 * queued trap, the step gate): pairs with the barrier in
	 * tvx_vcpu_kick() and tvx_step_gate_take(), so that either the
	 * kicker sees this CPU or the loop sees the change.
	 */
	smp_mb();
	for (;;) {
		/* a step's swap waiting for the gate: take it, or wait outside */
		if (unlikely(v->step.want)) {
			ret = tvx_step_redo(v);
			if (ret != TVX_EXIT_RESUME || v->step.want)
				break;
		}
		local_irq_disable();
		/*
		 * With interrupts off, as the kernel does on its way to user
		 * mode: a softirq using the FPU between the restore and the
		 * flag being cleared would leave its registers as ours.
		 */
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		if (need_resched() || signal_pending(current) ||
		    tvx_step_gate_shut(v)) {
			local_irq_enable();
			ret = TVX_EXIT_RESUME;
			break;
		}
		/*
		 * The domain is paused (control.c): pairs, as the step gate,
		 * with the barrier after stretch_cpus and the pauser's kick.
		 */
		if (unlikely(tvx_dom_paused(v->dom))) {
			local_irq_enable();
			ret = TVX_EXIT_PAUSED;
			break;
		}
		if (unlikely(READ_ONCE(v->dom->monitor_gen) != v->ev.monitor_gen)) {
			/* a listener that went away is let go outside */
			if (tvx_vcpu_listener_gone(v)) {
				local_irq_enable();
				ret = TVX_EXIT_RESUME;
				break;
			}
			tvx_monitor_refresh(v);
		}
		/*
		 * The view it is to run in (VIEW_SWITCH kicks after setting
		 * it: with interrupts off the kick makes this entry exit at
		 * once). Not while a step's leaf is swapped in the view it
		 * runs in: the step ends there first.
		 */
		if (unlikely(READ_ONCE(v->vview.want) != v->vview.loaded) &&
		    !v->step.swap.active && !v->step.want)
			tvx_view_load(v);
		if (unlikely(READ_ONCE(v->dom->vmfunc_gen) != v->vview.vmfunc_gen))
			tvx_view_vmfunc_refresh(v);
		if (unlikely(READ_ONCE(v->vview.ve_hpa) || v->vview.ve_on))
			tvx_view_ve_refresh(v);
		if (unlikely(tvx_deliver_trap(v))) {
			local_irq_enable();
			ret = tvx_vcpu_shutdown(v);
			break;
		}
		/* after the trap: an interrupt waits behind an event going in */
		if (v->dom->lapic) {
			ret = tvx_lapic_before_entry(v);
			if (ret != TVX_EXIT_RESUME) {
				local_irq_enable();
				break;
			}
		}
		reason = tvx_enter(v);
		/*
		 * Where a VMFUNC took it, before an interrupt (VIEW_VMFUNC's)
		 * can see the vCPU out of the guest
		 */
		if (unlikely(v->vview.vmfunc_on))
			tvx_view_vmfunc_sync(v);
		/* pending host interrupts are taken here */
		local_irq_enable();
		ret = tvx_handle_exit(v, reason);
		if (ret != TVX_EXIT_RESUME)
			break;
	}
	/*
	 * A step cut short keeps the gate only when the task comes straight
	 * back (it must reschedule): the others would wait on a vCPU that
	 * waits itself, or never runs again.
	 */
	if (unlikely(v->step.gate) &&
	    (ret != TVX_EXIT_RESUME || signal_pending(current)))
		tvx_step_gate_drop(v);
	/* a trap injected while it waits is settled against this state */
	if (ret == TVX_EXIT_WAIT_EVENT)
		tvx_trap_pause(v);
	cpumask_clear_cpu(smp_processor_id(), v->dom->stretch_cpus);
	WRITE_ONCE(v->running_cpu, -1);
	tvx_swap_out(v, &host);
out_preempt:
	preempt_enable();
	return ret;
}

/**
 * tvx_vcpu_run() - THINVMX_RUN
 * @v: the vCPU, its run_lock held
 *
 * Return: 0 (struct thinvmx_run says why), -EINTR (a signal, or a wait
 * for an event cut short; run->exit_reason is NONE), -EIO (the vCPU is
 * stopped), -ENOMEM (no pages for EPT splits; exit_reason NONE, RUN may
 * be retried), or another errno from loading its VMCS.
 */
long tvx_vcpu_run(struct tvx_vcpu *v)
{
	long ret;

	if (v->stopped) {
		v->run->exit_reason = v->stop_reason;
		return -EIO;
	}
	fpu_swap_kvm_fpstate(&v->gfpu, true);
	for (;;) {
		/* an event waiting for room or an answer, a listener gone */
		if (v->ev.lsn && tvx_event_wait(v)) {
			v->run->exit_reason = THINVMX_EXIT_NONE;
			ret = -EINTR;
			break;
		}
		if (signal_pending(current)) {
			v->run->exit_reason = THINVMX_EXIT_NONE;
			ret = -EINTR;
			break;
		}
		cond_resched();
		/* halted, or an AP waiting for its SIPI: sleep here */
		if (v->dom->lapic && tvx_lapic_wait(v)) {
			v->run->exit_reason = THINVMX_EXIT_NONE;
			ret = -EINTR;
			break;
		}
		/* another vCPU of the domain steps with a leaf swapped */
		if (unlikely(tvx_step_gate_shut(v)) &&
		    wait_event_interruptible(v->dom->step_wq,
					     !tvx_step_gate_shut(v))) {
			v->run->exit_reason = THINVMX_EXIT_NONE;
			ret = -EINTR;
			break;
		}
		/* a device operand an exit asked for (TVX_EXIT_DEVREAD) */
		if (unlikely(v->io.devread.want))
			tvx_devread(v);
		/* pages the stretch's exits may split EPT leaves with */
		if (unlikely(tvx_ept_pool_short(v))) {
			ret = tvx_ept_topup(v);
			if (ret) {
				v->run->exit_reason = THINVMX_EXIT_NONE;
				break;
			}
		}
		ret = tvx_run_stretch(v);
		/*
		 * Paused: out of the guest, with what the stretch's start
		 * finished (an answer, an I/O) in the registers a daemon reads
		 */
		if (ret == TVX_EXIT_PAUSED) {
			if (tvx_ctl_park(v)) {
				v->run->exit_reason = THINVMX_EXIT_NONE;
				ret = -EINTR;
				break;
			}
			continue;
		}
		if (ret <= 0)
			break;
	}
	fpu_swap_kvm_fpstate(&v->gfpu, false);
	/*
	 * A vCPU stopped in the middle of a step (its instruction wrote a
	 * second read-only frame, say) never takes the exit that ends it:
	 * the leaf it swapped goes back now, or other vCPUs would go on
	 * using the scratch page or the access it allowed once.
	 */
	tvx_step_gate_drop(v);
	if (v->stopped)
		ept_unswap_leaf(v->dom, &v->step.swap);
	v->run->exits = v->exits;
	return ret;
}
