// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's local APIC in the module: the register model (lapic_regs.c)
 * reached through the x2APIC MSRs and the xAPIC page (an access to it is
 * an EPT violation on a frame with nothing mapped, decoded by
 * vmx/emulate.c and answered here instead of by the VMM), the timer on a
 * host hrtimer, interrupt and NMI injection at VM entry with
 * interrupt-window and NMI-window exiting, HLT and wait-for-SIPI as sleeps
 * in the module, and messages between vCPUs.
 *
 * Who touches what: the vCPU itself (its exits and its entries, VMCS
 * current), senders on other CPUs (IPIs, the VMM's MSIs) and the hrtimer
 * (hard irq) all take @lock for the registers; senders set @pending bits
 * for NMI, INIT and SIPI, which only the vCPU acts on, because they need
 * its VMCS. A sender then kicks: wakes the vCPU's sleep, or sends a
 * reschedule IPI to the CPU running it, whose external-interrupt exit
 * brings it back to tvx_lapic_before_entry(). That runs with interrupts
 * off right before the entry, so an interrupt raised after it looked makes
 * the entry exit at once.
 *
 * The registers live in the vCPU's virtual-APIC page. Where the CPU has
 * APIC virtualization (TPR shadow, APIC-register virtualization and
 * virtual-interrupt delivery) and the module parameter vapic asks for it
 * (off by default: see there), a vCPU whose APIC
 * is an xAPIC at the default base runs with it on: the CPU answers reads
 * of most registers from the page, takes TPR writes and EOIs itself
 * (only a level-triggered vector's EOI exits, for the VMM), delivers the
 * highest requested interrupt (RVI) when the guest can take it, and exits
 * after the other register writes, with the value already in the page
 * (lapic_write_trapped()). Senders therefore never write the page's IRR:
 * they post (lapic_regs.pir) and the vCPU moves the posted vectors in
 * before each entry (lapic_sync()), when no CPU uses the page. The
 * domain's APIC-access page is mapped at the default base (type
 * mmio_direct) for as long as the frame holds nothing else; a vCPU
 * without virtualization (x2APIC mode, a moved or disabled APIC) still
 * has "virtualize APIC accesses", so every access there exits and is
 * decoded as before.
 *
 * What a guest can do to the host with it is bounded: a periodic timer is
 * never faster than lapic_min_period_us (KVM's min_timer_period_us, 200
 * by default), every IPI or timer write costs the guest an exit, and a
 * vCPU is never woken by more than its own wait queue. The pages the CPU
 * virtualizes from are the domain's own, never shared with another.
 *
 * Not modelled (yet): posted-interrupt processing (a sender kicks a
 * running vCPU out to deliver), x2APIC virtualization (x2APIC MSRs exit),
 * the LINT0/LINT1 pins (no ExtINT, no PIC), the
 * thermal, performance-counter and error LVTs (they never fire), CMCI,
 * SMI, an arbitration for lowest priority (the first match wins), and a
 * VMM's save and restore of the APIC's state.
 */
#include <linux/hrtimer.h>
#include <linux/io.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/trapnr.h>
#include <asm/tsc.h>

#include "domain.h"
#include "ept/ept_table.h"
#include "ept/p2m.h"
#include "ept/p2m_ops.h"
#include "lapic/lapic.h"
#include "memmap.h"
#include "pages.h"
#include "vcpu.h"
#include "vmx/emulate.h"
#include "vmx/exit.h"
#include "vmx/host_caps.h"
#include "vmx/io.h"
#include "vmx/vmx_bits.h"

/*
 * Off by default: Bochs 2.7, the only CPU it has been run on, delivers a
 * pending virtual interrupt while the guest has RFLAGS.IF clear whenever
 * a physical interrupt arrives at the same time (its InterruptAcknowledge()
 * takes the virtual one first, although IF masks only that one), and a
 * virtual interrupt becomes pending with IF clear whenever the guest
 * sends itself an IPI or ends one interrupt inside another's handler: an
 * SMP Linux guest then deadlocks in an interrupt handler that ran inside
 * a spinlock's critical section within a minute or two.
 */
static bool vapic;
module_param(vapic, bool, 0644);
MODULE_PARM_DESC(vapic,
		 "run new domains' xAPICs with APIC virtualization where the CPU has it (default 0)");

static unsigned int lapic_min_period_us = 200;
module_param(lapic_min_period_us, uint, 0644);
MODULE_PARM_DESC(lapic_min_period_us,
		 "shortest period of a guest's periodic APIC timer, us (default 200)");

/* ------------------------------------------------------------ kick */

static bool tvx_lapic_wakeable(struct tvx_vcpu *v);

static void tvx_lapic_kick(struct tvx_vcpu *v)
{
	int cpu;

	wake_up(&v->apic.wq);
	/* pairs with the barrier after running_cpu is set (vmx/run.c) */
	smp_mb();
	cpu = READ_ONCE(v->running_cpu);
	/*
	 * Any interrupt makes a guest exit; a reschedule IPI is the one a
	 * hard-irq context (the hrtimer) may send.
	 */
	if (cpu >= 0 && cpu != raw_smp_processor_id())
		smp_send_reschedule(cpu);
}

/* ------------------------------------------------------------ timer */

/* The timer's input clock: CPUID leaf 0x15's crystal (domain_cpuid.c) */
static u32 tvx_lapic_bus_khz(struct tvx_vcpu *v)
{
	return v->dom->lapic_bus_khz;
}

static enum hrtimer_restart tvx_lapic_timer_fn(struct hrtimer *t)
{
	struct tvx_lapic *a = container_of(t, struct tvx_lapic, timer);
	struct tvx_vcpu *v = container_of(a, struct tvx_vcpu, apic);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	bool raised;

	spin_lock_irqsave(&a->lock, flags);
	raised = lapic_deliver_timer(&a->regs);
	a->timer_fired += raised;
	if (a->period_ns) {
		hrtimer_forward_now(t, ns_to_ktime(a->period_ns));
		a->expires = hrtimer_get_expires(t);
		ret = HRTIMER_RESTART;
	} else {
		a->expires = 0;
		a->tsc_deadline = 0;	/* it reads 0 once it fired */
	}
	spin_unlock_irqrestore(&a->lock, flags);
	if (raised)
		tvx_lapic_kick(v);
	return ret;
}

/*
 * Start the timer as the registers say, after a write that changed them.
 * The vCPU's own context; the hrtimer is stopped first, outside the lock
 * its callback takes.
 */
static void tvx_lapic_timer_start(struct tvx_vcpu *v)
{
	struct tvx_lapic *a = &v->apic;
	unsigned long flags;
	u64 ns, min_ns = (u64)READ_ONCE(lapic_min_period_us) * NSEC_PER_USEC;
	u32 count, mode;

	hrtimer_cancel(&a->timer);
	spin_lock_irqsave(&a->lock, flags);
	a->period_ns = 0;
	a->expires = 0;
	mode = lapic_timer_mode(&a->regs);
	if (mode == LAPIC_TIMER_TSCDEADLINE) {
		/* the deadline is in the guest's TSC: the host's plus its offset */
		u64 now = rdtsc() + v->tsc_offset, dl = a->tsc_deadline;

		if (dl && dl <= now) {
			/* a deadline in the past fires at once */
			a->tsc_deadline = 0;
			if (lapic_deliver_timer(&a->regs))
				a->timer_fired++;
		} else if (dl && tsc_khz) {
			/* rounded up: never before the TSC reaches it */
			ns = DIV64_U64_ROUND_UP((dl - now) * 1000000ULL, tsc_khz);
			if ((dl - now) > U64_MAX / 1000000ULL)
				ns = div_u64(dl - now, tsc_khz) * 1000000ULL;
			/* centuries away: far enough, and no ktime overflow */
			ns = min_t(u64, ns, KTIME_MAX / 2);
			hrtimer_start(&a->timer, ktime_add_ns(ktime_get(), ns),
				      HRTIMER_MODE_ABS_HARD);
		}
	} else {
		count = *lapic_reg(&a->regs, LAPIC_TMICT);
		if (count) {
			ns = lapic_timer_ns(count, *lapic_reg(&a->regs, LAPIC_TDCR),
					    tvx_lapic_bus_khz(v)) + 1;
			/* the first period too: a rewrite of TMICT is no way around */
			if (mode == LAPIC_TIMER_PERIODIC) {
				a->period_ns = max(ns, min_ns);
				ns = a->period_ns;
			}
			a->expires = ktime_add_ns(ktime_get(), ns);
			hrtimer_start(&a->timer, a->expires, HRTIMER_MODE_ABS_HARD);
		}
	}
	spin_unlock_irqrestore(&a->lock, flags);
}

/* TMCCT: what is left of the count. Under @lock. */
static u32 tvx_lapic_current_count(struct tvx_vcpu *v)
{
	struct tvx_lapic *a = &v->apic;
	s64 left;

	if (!a->expires || lapic_timer_mode(&a->regs) == LAPIC_TIMER_TSCDEADLINE)
		return 0;
	left = ktime_to_ns(ktime_sub(a->expires, ktime_get()));
	return lapic_timer_count(*lapic_reg(&a->regs, LAPIC_TMICT),
				 *lapic_reg(&a->regs, LAPIC_TDCR),
				 tvx_lapic_bus_khz(v), left > 0 ? left : 0);
}

/* ------------------------------------------------------------ messages */

static void tvx_lapic_raise(struct tvx_vcpu *t, const struct lapic_ipi *ipi)
{
	struct tvx_lapic *a = &t->apic;
	unsigned long flags;
	bool ok;

	switch (ipi->mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		spin_lock_irqsave(&a->lock, flags);
		ok = lapic_accept(&a->regs, ipi->vector, ipi->trigger);
		spin_unlock_irqrestore(&a->lock, flags);
		if (!ok)
			return;
		break;
	case LAPIC_DM_NMI:
		set_bit(TVX_LAPIC_NMI, &a->pending);
		break;
	case LAPIC_DM_INIT:
		/* the level de-assert of old multiprocessor bring-up: nothing */
		if (!ipi->level && ipi->trigger)
			return;
		/* a SIPI from before the INIT must not start it */
		clear_bit(TVX_LAPIC_SIPI, &a->pending);
		set_bit(TVX_LAPIC_INIT, &a->pending);
		break;
	case LAPIC_DM_SIPI:
		WRITE_ONCE(a->sipi_vector, ipi->vector);
		smp_wmb();	/* the vector before the bit */
		set_bit(TVX_LAPIC_SIPI, &a->pending);
		break;
	default:
		return;		/* SMI, ExtINT: no such sources here */
	}
	tvx_lapic_kick(t);
}

/*
 * Deliver a message to every APIC of the domain it names (@src: the
 * sender, NULL for an MSI). Lowest priority goes to the first match:
 * the SDM lets the choice be model specific. vCPUs are freed only after
 * an RCU grace period (vcpu.c), so the array is read under RCU.
 *
 * Return: how many APICs got it.
 */
static int tvx_lapic_deliver(struct tvx_dom *dom, struct tvx_vcpu *src,
			     const struct lapic_ipi *ipi)
{
	unsigned long flags;
	int i, n = 0;
	bool match;

	rcu_read_lock();
	for (i = 0; i < THINVMX_MAX_VCPUS; i++) {
		struct tvx_vcpu *t = READ_ONCE(dom->vcpus[i]);

		if (!t)
			continue;
		spin_lock_irqsave(&t->apic.lock, flags);
		match = (t->apic.base & LAPIC_BASE_EN) &&
			lapic_match_dest(&t->apic.regs, ipi, t == src);
		spin_unlock_irqrestore(&t->apic.lock, flags);
		if (!match)
			continue;
		tvx_lapic_raise(t, ipi);
		n++;
		if (ipi->mode == LAPIC_DM_LOWEST)
			break;
	}
	rcu_read_unlock();
	return n;
}

/*
 * What a register write asked for, done outside the lock. Return:
 * TVX_EXIT_RESUME, or TVX_EXIT_TO_USER with THINVMX_EXIT_EOI for the VMM
 * when a level-triggered interrupt ended.
 */
static int tvx_lapic_act(struct tvx_vcpu *v, u32 act)
{
	struct lapic_ipi ipi;
	unsigned long flags;
	u8 vec;

	if (act & LAPIC_ACT_IPI) {
		spin_lock_irqsave(&v->apic.lock, flags);
		ipi = v->apic.regs.ipi;
		spin_unlock_irqrestore(&v->apic.lock, flags);
		tvx_lapic_deliver(v->dom, v, &ipi);
	}
	if (act & LAPIC_ACT_TIMER)
		tvx_lapic_timer_start(v);
	if (act & LAPIC_ACT_LEVEL_EOI) {
		spin_lock_irqsave(&v->apic.lock, flags);
		vec = v->apic.regs.eoi_vector;
		spin_unlock_irqrestore(&v->apic.lock, flags);
		memset(&v->run->eoi, 0, sizeof(v->run->eoi));
		v->run->eoi.vector = vec;
		v->run->exit_reason = THINVMX_EXIT_EOI;
		return TVX_EXIT_TO_USER;
	}
	return TVX_EXIT_RESUME;
}

/* ------------------------------------------------------------ PV EOI */

/*
 * KVM's paravirtual EOI (its ABI, which Linux uses when it finds KVM's
 * CPUID leaves with KVM_FEATURE_PV_EOI: cpuid.c puts them at 0x40000100):
 * the guest names a byte of its RAM through MSR_KVM_PV_EOI_EN; before an
 * entry the module sets bit 0 there when the interrupt in service may end
 * without an EOI write (lapic_pv_eoi_ok()), and the guest's EOI clears
 * the bit instead of writing, without an exit; after the next exit the
 * module sees the bit clear and ends the interrupt itself. The byte is
 * written through the kernel's mapping of the domain's RAM: no EPT right
 * (a listener's, a ram_ro type set later) stops it, as none stops KVM's.
 */
#define TVX_MSR_KVM_PV_EOI_EN	0x4b564d04
#define TVX_PV_EOI_ENABLED	BIT_ULL(0)

static void tvx_lapic_pv_eoi_put(struct tvx_vcpu *v, bool set)
{
	struct tvx_dom *dom = v->dom;

	WRITE_ONCE(*v->apic.pv_eoi, set);
	v->apic.pv_eoi_set = set;
	/* what the guest's own write would have logged */
	if (READ_ONCE(dom->dirty_frames)) {
		spin_lock(&dom->ept.lock);
		tvx_logdirty_mark(dom, v->apic.pv_eoi_gfn);
		spin_unlock(&dom->ept.lock);
	}
}

/*
 * After an exit, before the registers are looked at: did the guest end
 * the interrupt in service by clearing the flag? (A flag still set stays
 * so: the next entry decides again.) The flag is only ever set for an
 * edge-triggered vector, so no VMM has to hear of this EOI; a vector a
 * sender made level-triggered while it was in service ends unreported,
 * as with KVM.
 */
static void tvx_lapic_pv_eoi_from_guest(struct tvx_vcpu *v)
{
	struct tvx_lapic *a = &v->apic;
	unsigned long flags;

	if (likely(!a->pv_eoi_set) || (READ_ONCE(*a->pv_eoi) & 1))
		return;
	a->pv_eoi_set = false;
	spin_lock_irqsave(&a->lock, flags);
	lapic_eoi(&a->regs);
	spin_unlock_irqrestore(&a->lock, flags);
}

/* Before an entry: the flag as lapic_pv_eoi_ok() says now */
static void tvx_lapic_pv_eoi_to_guest(struct tvx_vcpu *v)
{
	struct tvx_lapic *a = &v->apic;
	unsigned long flags;
	bool ok;

	if (likely(!a->pv_eoi))
		return;
	spin_lock_irqsave(&a->lock, flags);
	/* with virtual-interrupt delivery the CPU takes EOIs itself */
	ok = !a->vapic && lapic_pv_eoi_ok(&a->regs);
	spin_unlock_irqrestore(&a->lock, flags);
	if (ok != a->pv_eoi_set)
		tvx_lapic_pv_eoi_put(v, ok);
}

/* Turn PV EOI off: an interrupt in service then ends by an EOI write */
static void tvx_lapic_pv_eoi_off(struct tvx_vcpu *v)
{
	struct tvx_lapic *a = &v->apic;

	tvx_lapic_pv_eoi_from_guest(v);
	if (a->pv_eoi_set)
		tvx_lapic_pv_eoi_put(v, false);
	a->pv_eoi = NULL;
	a->pv_eoi_msr = 0;
}

/*
 * WRMSR MSR_KVM_PV_EOI_EN: bit 0 on, bits 63:2 the flag's address (4-byte
 * aligned, as KVM wants), in RAM of the domain that is writable there now.
 */
static int tvx_lapic_set_pv_eoi(struct tvx_vcpu *v, u64 val)
{
	struct tvx_lapic *a = &v->apic;
	u64 gpa = val & ~TVX_PV_EOI_ENABLED, hpa = 0, e;
	u32 type;
	int level;

	if (!IS_ALIGNED(gpa, 4))
		return -EINVAL;
	if (val & TVX_PV_EOI_ENABLED) {
		if (!tvx_gpa_to_hpa(v->dom, gpa, &hpa))
			return -EINVAL;
		e = ept_lookup(&v->dom->ept, gpa, &level);
		type = e ? p2m_entry_type(e) : THINVMX_P2M_INVALID;
		if (type != THINVMX_P2M_RAM_RW && type != THINVMX_P2M_RAM_LOGDIRTY)
			return -EINVAL;
	}
	tvx_lapic_pv_eoi_off(v);
	a->pv_eoi_msr = val;
	if (val & TVX_PV_EOI_ENABLED) {
		a->pv_eoi = phys_to_virt(hpa);
		a->pv_eoi_gfn = gpa >> PAGE_SHIFT;
	}
	return 0;
}

/* ------------------------------------------------------------ registers */

static u32 tvx_lapic_read(struct tvx_vcpu *v, u32 off, u32 *val)
{
	unsigned long flags;
	u32 act;

	spin_lock_irqsave(&v->apic.lock, flags);
	act = lapic_read(&v->apic.regs, off, val);
	if (!act && off == LAPIC_TMCCT)
		*val = tvx_lapic_current_count(v);
	spin_unlock_irqrestore(&v->apic.lock, flags);
	return act;
}

static int tvx_lapic_set_base(struct tvx_vcpu *v, u64 val)
{
	struct tvx_lapic *a = &v->apic;
	u64 old = a->base;
	unsigned long flags;

	if (lapic_base_check(old, val, boot_cpu_data.x86_phys_bits))
		return -EINVAL;
	val = (val & ~LAPIC_BASE_BSP) | (old & LAPIC_BASE_BSP);
	if ((old ^ val) & LAPIC_BASE_EN && !(val & LAPIC_BASE_EN))
		hrtimer_cancel(&a->timer);
	spin_lock_irqsave(&a->lock, flags);
	a->base = val;
	if (!(val & LAPIC_BASE_EN)) {
		/* hardware-disabled: as after a reset when it comes back */
		lapic_reset(&a->regs, v->id, false);
		a->period_ns = 0;
		a->expires = 0;
		a->tsc_deadline = 0;
	} else if ((old ^ val) & LAPIC_BASE_EXTD) {
		lapic_set_x2apic(&a->regs, val & LAPIC_BASE_EXTD);
	}
	spin_unlock_irqrestore(&a->lock, flags);
	return 0;
}

/**
 * tvx_lapic_msr_read() - RDMSR of IA32_APIC_BASE, TSC_DEADLINE or x2APIC
 * @v:   the vCPU (of a domain with the in-module APIC)
 * @msr: the MSR
 * @val: its value
 *
 * Return: 0, -EINVAL (#GP), or -ENOENT when @msr is none of these.
 */
int tvx_lapic_msr_read(struct tvx_vcpu *v, u32 msr, u64 *val)
{
	struct tvx_lapic *a = &v->apic;
	unsigned long flags;
	u32 lo, act;

	if (msr == MSR_IA32_APICBASE) {
		*val = a->base;
		return 0;
	}
	if (msr == TVX_MSR_KVM_PV_EOI_EN) {
		*val = a->pv_eoi_msr;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		spin_lock_irqsave(&a->lock, flags);
		*val = lapic_timer_mode(&a->regs) == LAPIC_TIMER_TSCDEADLINE ?
		       a->tsc_deadline : 0;
		spin_unlock_irqrestore(&a->lock, flags);
		return 0;
	}
	if (msr < LAPIC_X2APIC_MSR_FIRST || msr > LAPIC_X2APIC_MSR_LAST)
		return -ENOENT;
	tvx_lapic_pv_eoi_from_guest(v);
	spin_lock_irqsave(&a->lock, flags);
	act = lapic_msr_read(&a->regs, msr, val);
	if (!act && msr == LAPIC_X2APIC_MSR_FIRST + (LAPIC_TMCCT >> 4)) {
		lo = tvx_lapic_current_count(v);
		*val = lo;
	}
	spin_unlock_irqrestore(&a->lock, flags);
	return act ? -EINVAL : 0;
}

/**
 * tvx_lapic_msr_write() - WRMSR of IA32_APIC_BASE, TSC_DEADLINE or x2APIC
 * @v:   the vCPU (of a domain with the in-module APIC)
 * @msr: the MSR
 * @val: the value
 *
 * Return: 0, 1 when done but the VMM must hear of it (THINVMX_EXIT_EOI in
 * v->run), -EINVAL (#GP), or -ENOENT when @msr is none of these.
 */
int tvx_lapic_msr_write(struct tvx_vcpu *v, u32 msr, u64 val)
{
	struct tvx_lapic *a = &v->apic;
	unsigned long flags;
	u32 act;

	if (msr == MSR_IA32_APICBASE)
		return tvx_lapic_set_base(v, val);
	if (msr == TVX_MSR_KVM_PV_EOI_EN)
		return tvx_lapic_set_pv_eoi(v, val);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		spin_lock_irqsave(&a->lock, flags);
		act = lapic_timer_mode(&a->regs) == LAPIC_TIMER_TSCDEADLINE;
		if (act)
			a->tsc_deadline = val;
		spin_unlock_irqrestore(&a->lock, flags);
		/* outside TSC-deadline mode the write is ignored (SDM 11.5.4.1) */
		if (act)
			tvx_lapic_timer_start(v);
		return 0;
	}
	if (msr < LAPIC_X2APIC_MSR_FIRST || msr > LAPIC_X2APIC_MSR_LAST)
		return -ENOENT;
	tvx_lapic_pv_eoi_from_guest(v);
	spin_lock_irqsave(&a->lock, flags);
	act = lapic_msr_write(&a->regs, msr, val);
	spin_unlock_irqrestore(&a->lock, flags);
	if (act & LAPIC_ACT_GP)
		return -EINVAL;
	return tvx_lapic_act(v, act) == TVX_EXIT_TO_USER ? 1 : 0;
}

/* Past an emulated instruction: RIP, and the end of STI/MOV SS blocking */
static void tvx_lapic_skip(struct tvx_vcpu *v, unsigned int len)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + len);
	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     intr & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

/**
 * tvx_lapic_mmio() - an access to the xAPIC page, if @gpa is in it
 * @v:    the vCPU
 * @gpa:  the address the decoded instruction @insn accessed
 * @insn: the decoded MMIO instruction
 *
 * Registers are 32 bits at 16-byte offsets: a narrower read returns its
 * part of the register, a write other than 32 bits at the register's
 * start is dropped (KVM drops them too). A read-modify-write (an OR of a
 * bit into the spurious-vector register, say) is both, and sets RFLAGS.
 * String moves are not taken. In x2APIC mode, or with the APIC
 * disabled, the page is no APIC's: the VMM sees the access.
 *
 * Return: -ENOENT when @gpa is not the APIC's; else it was done (RIP is
 * past the instruction) and the exit handler's TVX_EXIT_RESUME, or
 * TVX_EXIT_TO_USER with THINVMX_EXIT_EOI.
 */
int tvx_lapic_mmio(struct tvx_vcpu *v, u64 gpa, const struct emu_insn *insn)
{
	struct tvx_lapic *a = &v->apic;
	u64 base = READ_ONCE(a->base);
	struct emu_alu_out out;
	unsigned long flags;
	u32 off = gpa & 0xfff, val = 0, act = 0;
	bool write = false;
	u64 wval = 0;

	if (!v->dom->lapic || !(base & LAPIC_BASE_EN) ||
	    (base & LAPIC_BASE_EXTD) ||
	    (gpa & ~0xfffULL) != (base & LAPIC_BASE_ADDR_MASK))
		return -ENOENT;
	if (insn->op != EMU_OP_MOV && insn->op != EMU_OP_ALU)
		return -ENOENT;	/* string moves: the VMM's to take */
	tvx_lapic_pv_eoi_from_guest(v);
	if (insn->op == EMU_OP_ALU || !insn->is_write) {
		if ((off & 0xf) < 4 && off < 0x400)
			tvx_lapic_read(v, off & ~0xfu, &val);
		val >>= (off & 3) * 8;
	}
	if (insn->op == EMU_OP_ALU) {
		/* read-modify-write: read as above, write as below */
		emu_alu(insn, val, v->gprs, vmcs_readl(GUEST_RFLAGS), &out);
		vmcs_writel(GUEST_RFLAGS, out.rflags);
		wval = out.mem;
		write = out.write_mem;
	} else if (!insn->is_write) {
		emu_complete_load(insn, val, v->gprs);
	} else {
		wval = emu_store_value(insn, v->gprs);
		write = true;
	}
	if (write && insn->size == 4 && !(off & 0xf) && off < 0x400) {
		spin_lock_irqsave(&a->lock, flags);
		act = lapic_write(&a->regs, off, wval);
		spin_unlock_irqrestore(&a->lock, flags);
	}
	tvx_lapic_skip(v, insn->len);
	return tvx_lapic_act(v, act);
}

/**
 * tvx_lapic_cr8() - MOV from CR8: TPR[7:4] (SDM 11.8.6.1)
 * @v: the vCPU
 *
 * Return: CR8.
 */
u64 tvx_lapic_cr8(struct tvx_vcpu *v)
{
	return (READ_ONCE(*lapic_reg(&v->apic.regs, LAPIC_TPR)) >> 4) & 0xf;
}

/**
 * tvx_lapic_set_cr8() - MOV to CR8: TPR = CR8 << 4
 * @v:   the vCPU
 * @val: CR8, 0-15
 */
void tvx_lapic_set_cr8(struct tvx_vcpu *v, u64 val)
{
	unsigned long flags;

	spin_lock_irqsave(&v->apic.lock, flags);
	lapic_write(&v->apic.regs, LAPIC_TPR, (u32)val << 4);
	spin_unlock_irqrestore(&v->apic.lock, flags);
}

/* ------------------------------------------------------------ entry */

/*
 * INIT: the vCPU's INIT state (SDM table 10-1) and its APIC's reset; an
 * AP then waits for a SIPI, the BSP starts at the reset vector (as KVM).
 */
static void tvx_lapic_do_init(struct tvx_vcpu *v)
{
	struct tvx_lapic *a = &v->apic;
	unsigned long flags;

	hrtimer_cancel(&a->timer);
	tvx_vmcs_guest_reset(v);
	memset(v->gprs, 0, sizeof(v->gprs));
	v->gprs[TVX_RDX] = 0x600;	/* family 6, as KVM */
	v->cr2 = 0;
	v->cr8 = 0;
	spin_lock_irqsave(&a->lock, flags);
	lapic_reset(&a->regs, v->id, a->base & LAPIC_BASE_EXTD);
	a->period_ns = 0;
	a->expires = 0;
	a->tsc_deadline = 0;
	spin_unlock_irqrestore(&a->lock, flags);
	clear_bit(TVX_LAPIC_NMI, &a->pending);
	/* the flag is the old software's: never written again */
	a->pv_eoi_set = false;
	a->pv_eoi = NULL;
	a->pv_eoi_msr = 0;
	a->mp_state = (a->base & LAPIC_BASE_BSP) ? TVX_MP_RUNNABLE :
						   TVX_MP_WAIT_SIPI;
}

/* SIPI: real mode at vector << 8 : 0 (SDM 9.4.4.1) */
static void tvx_lapic_do_sipi(struct tvx_vcpu *v)
{
	u8 vec = READ_ONCE(v->apic.sipi_vector);

	vmcs_write16(GUEST_CS_SELECTOR, (u16)vec << 8);
	vmcs_writel(GUEST_CS_BASE, (unsigned long)vec << 12);
	vmcs_writel(GUEST_RIP, 0);
	v->apic.mp_state = TVX_MP_RUNNABLE;
}

static bool tvx_lapic_irq_ready(struct tvx_vcpu *v)
{
	unsigned long flags;
	int vec;

	spin_lock_irqsave(&v->apic.lock, flags);
	vec = lapic_pending_vector(&v->apic.regs);
	spin_unlock_irqrestore(&v->apic.lock, flags);
	return vec >= 0;
}

/* Would the vCPU, halted or waiting for a SIPI, go on now? */
static bool tvx_lapic_wakeable(struct tvx_vcpu *v)
{
	struct tvx_lapic *a = &v->apic;

	if (test_bit(TVX_LAPIC_INIT, &a->pending))
		return true;
	switch (a->mp_state) {
	case TVX_MP_WAIT_SIPI:
		return test_bit(TVX_LAPIC_SIPI, &a->pending);
	case TVX_MP_HALTED:
		return test_bit(TVX_LAPIC_NMI, &a->pending) ||
		       (a->halt_if && tvx_lapic_irq_ready(v));
	default:
		return true;
	}
}

/*
 * Interrupt- and NMI-window exiting as wanted for this entry; the VMCS is
 * written only on a change (@windows mirrors the two bits).
 */
static void tvx_lapic_windows(struct tvx_vcpu *v, u32 want)
{
	u32 proc;

	if (likely(want == v->apic.windows))
		return;
	proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);
	proc &= ~(VMX_PROC_INTR_WINDOW_EXITING | VMX_PROC_NMI_WINDOW_EXITING);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc | want);
	v->apic.windows = want;
}

/* ------------------------------------------------------------ virtualization */

#define TVX_VAPIC_PROC2	(VMX_PROC2_APIC_REG_VIRT | VMX_PROC2_VIRT_INTR_DELIVERY)

/**
 * tvx_lapic_dom_init() - a new domain's APIC-access page
 * @dom: the domain, its memory populated, no vCPU yet
 *
 * Mapped at the default xAPIC base, as a device frame, when the frame is
 * empty (a VMM that puts RAM or a device there keeps it; its vCPUs then
 * run without APIC virtualization). The CPU never reads or writes the
 * page itself: guest accesses to it become APIC accesses.
 *
 * Return: 0 (also when the domain runs without virtualization), -ENOMEM.
 */
int tvx_lapic_dom_init(struct tvx_dom *dom)
{
	u64 gpa = LAPIC_BASE_DEFAULT;
	int level, ret = -EEXIST;

	if (!READ_ONCE(vapic) || !tvx_has_feature(THINVMX_FEAT_APIC_VIRT))
		return 0;
	dom->apic_access = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!dom->apic_access)
		return -ENOMEM;
	mutex_lock(&dom->p2m_lock);
	if (!memmap_is_ram(dom->map, gpa >> PAGE_SHIFT) &&
	    !ept_lookup(&dom->ept, gpa, &level))
		ret = ept_map(&dom->ept, gpa, page_to_phys(dom->apic_access),
			      EPT_LEVEL_4K, THINVMX_P2M_MMIO_DIRECT,
			      THINVMX_ACCESS_RWX, false);
	mutex_unlock(&dom->p2m_lock);
	if (ret == -ENOMEM)
		return ret;	/* the domain's teardown frees the page */
	dom->vapic = !ret;
	return 0;
}

/**
 * tvx_lapic_dom_free() - free the APIC-access page
 * @dom: the domain, its EPT destroyed and flushed
 */
void tvx_lapic_dom_free(struct tvx_dom *dom)
{
	if (dom->apic_access)
		tvx_free_pages(dom->apic_access, 0);
}

/**
 * tvx_lapic_vmcs_setup() - the APIC's part of a new vCPU's VMCS
 * @v: the vCPU, its VMCS current
 *
 * The pages, and "virtualize APIC accesses" for good: the rest is turned
 * on and off at entries as the APIC's mode allows (tvx_lapic_vapic_set()).
 */
void tvx_lapic_vmcs_setup(struct tvx_vcpu *v)
{
	if (!v->dom->vapic)
		return;
	vmcs_write64(VIRTUAL_APIC_PAGE_ADDR, page_to_phys(v->apic.page));
	vmcs_write64(APIC_ACCESS_ADDR, page_to_phys(v->dom->apic_access));
	vmcs_write32(TPR_THRESHOLD, 0);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL,
		     vmcs_read32(SECONDARY_VM_EXEC_CONTROL) |
		     VMX_PROC2_VIRT_APIC_ACCESSES);
	v->apic.vapic = false;
}

/* Should the vCPU run with virtualization: an xAPIC at the default base? */
static bool tvx_lapic_vapic_wanted(struct tvx_vcpu *v)
{
	u64 base = v->apic.base;

	return v->dom->vapic &&
	       (base & (LAPIC_BASE_EN | LAPIC_BASE_EXTD)) == LAPIC_BASE_EN &&
	       (base & LAPIC_BASE_ADDR_MASK) == LAPIC_BASE_DEFAULT;
}

/*
 * Turn virtualization on or off. The registers stay where they are: the
 * page is the model's either way. CR8 accesses exit in both (the CR8
 * exiting controls are always on), so TPR shadow never lets the guest
 * near the real TPR.
 */
static void tvx_lapic_vapic_set(struct tvx_vcpu *v, bool on)
{
	u32 proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);
	u32 proc2 = vmcs_read32(SECONDARY_VM_EXEC_CONTROL);

	if (on) {
		proc |= VMX_PROC_TPR_SHADOW;
		proc2 |= TVX_VAPIC_PROC2;
	} else {
		proc &= ~VMX_PROC_TPR_SHADOW;
		proc2 &= ~TVX_VAPIC_PROC2;
	}
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, proc2);
	if (on) {
		/* as the cache says: tvx_lapic_vapic_entry() writes changes */
		memset(v->apic.eoi_exit, 0, sizeof(v->apic.eoi_exit));
		vmcs_write64(EOI_EXIT_BITMAP0, 0);
		vmcs_write64(EOI_EXIT_BITMAP1, 0);
		vmcs_write64(EOI_EXIT_BITMAP2, 0);
		vmcs_write64(EOI_EXIT_BITMAP3, 0);
	}
	v->apic.vapic = on;
}

/*
 * The page and the VMCS as the CPU is to find them at this entry: the
 * posted interrupts in the IRR, PPR, RVI and SVI, and the level-triggered
 * vectors in the EOI-exit bitmap. @hold: RVI 0, nothing is delivered
 * (before a step's instruction).
 */
static void tvx_lapic_vapic_entry(struct tvx_vcpu *v, bool hold)
{
	static const unsigned long eoi_exit[4] = {
		EOI_EXIT_BITMAP0, EOI_EXIT_BITMAP1,
		EOI_EXIT_BITMAP2, EOI_EXIT_BITMAP3,
	};
	struct tvx_lapic *a = &v->apic;
	unsigned long flags;
	u64 tmr[4];
	u16 st;
	int i;

	spin_lock_irqsave(&a->lock, flags);
	lapic_sync(&a->regs);
	st = lapic_intr_status(&a->regs);
	lapic_tmr(&a->regs, tmr);
	spin_unlock_irqrestore(&a->lock, flags);
	/* always: the CPU changes it itself as it delivers and ends them */
	vmcs_write16(GUEST_INTR_STATUS, hold ? st & 0xff00 : st);
	for (i = 0; i < 4; i++) {
		if (tmr[i] != a->eoi_exit[i]) {
			vmcs_write64(eoi_exit[i], tmr[i]);
			a->eoi_exit[i] = tmr[i];
		}
	}
}

/* An interrupt for the module to inject (no virtual-interrupt delivery)? */
static bool tvx_lapic_sw_irq(struct tvx_vcpu *v)
{
	return !v->apic.vapic && tvx_lapic_irq_ready(v);
}

/**
 * tvx_lapic_apic_write() - an APIC-write VM exit
 * @v: the vCPU
 *
 * Trap-like: the guest's value is in the page, RIP past the instruction.
 *
 * Return: as tvx_lapic_mmio().
 */
int tvx_lapic_apic_write(struct tvx_vcpu *v)
{
	u32 off = vmcs_readl(EXIT_QUALIFICATION) & 0xfff, act;
	unsigned long flags;

	spin_lock_irqsave(&v->apic.lock, flags);
	act = lapic_write_trapped(&v->apic.regs, off);
	spin_unlock_irqrestore(&v->apic.lock, flags);
	return tvx_lapic_act(v, act);
}

/**
 * tvx_lapic_eoi_induced() - an EOI-induced VM exit
 * @v: the vCPU
 *
 * The CPU completed the EOI of a vector in the EOI-exit bitmap (one that
 * was level-triggered): the VMM hears of it if it still is.
 *
 * Return: TVX_EXIT_RESUME, or TVX_EXIT_TO_USER with THINVMX_EXIT_EOI.
 */
int tvx_lapic_eoi_induced(struct tvx_vcpu *v)
{
	u8 vec = vmcs_readl(EXIT_QUALIFICATION) & 0xff;
	unsigned long flags;
	u32 act;

	spin_lock_irqsave(&v->apic.lock, flags);
	act = lapic_eoi_done(&v->apic.regs, vec);
	spin_unlock_irqrestore(&v->apic.lock, flags);
	return tvx_lapic_act(v, act);
}

/**
 * tvx_lapic_apic_access() - an APIC-access VM exit
 * @v: the vCPU
 *
 * An access to the APIC-access page the CPU does not virtualize (a timer
 * count read, a write of a read-only register, an access of another size,
 * any access while virtualization is off): decoded and done as an EPT
 * violation on the frame would be (tvx_lapic_mmio(), or the VMM when the
 * frame is no APIC's now). Fetches from the page and accesses in event
 * delivery are no device's: an internal error for the VMM.
 *
 * Return: the exit handler's TVX_EXIT_*.
 */
int tvx_lapic_apic_access(struct tvx_vcpu *v)
{
	u64 qual = vmcs_readl(EXIT_QUALIFICATION);
	u32 type = (qual >> 12) & 0xf;

	if (type > 1)
		return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
	return tvx_emulate_mmio_dir(v, LAPIC_BASE_DEFAULT + (qual & 0xfff),
				    type == 1);
}

/*
 * Carries out an INIT or SIPI, and injects an NMI or the highest
 * deliverable interrupt when the guest can take it -- no event already
 * going in, RFLAGS.IF set and no STI/MOV SS shadow (NMIs: no NMI blocking
 * either). When it cannot yet, interrupt-window (NMI-window) exiting
 * brings it back as soon as it can. With virtual-interrupt delivery the
 * CPU delivers interrupts itself (tvx_lapic_vapic_entry()).
 */
static int tvx_lapic_entry_events(struct tvx_vcpu *v)
{
	struct tvx_lapic *a = &v->apic;
	u32 want = 0, block, info;
	unsigned long flags;
	int vec;

	if (unlikely(test_bit(TVX_LAPIC_INIT, &a->pending))) {
		clear_bit(TVX_LAPIC_INIT, &a->pending);
		tvx_lapic_do_init(v);
	}
	if (unlikely(a->mp_state != TVX_MP_RUNNABLE)) {
		if (a->mp_state == TVX_MP_WAIT_SIPI) {
			if (!test_and_clear_bit(TVX_LAPIC_SIPI, &a->pending))
				return TVX_EXIT_HALT;
			smp_rmb();	/* the bit before the vector */
			tvx_lapic_do_sipi(v);
		} else if (tvx_lapic_wakeable(v)) {
			a->mp_state = TVX_MP_RUNNABLE;
		} else {
			return TVX_EXIT_HALT;
		}
	}
	/* a SIPI to a vCPU that waits for none is dropped (SDM 9.4.4.1) */
	if (unlikely(test_bit(TVX_LAPIC_SIPI, &a->pending)))
		clear_bit(TVX_LAPIC_SIPI, &a->pending);
	if (unlikely(tvx_lapic_vapic_wanted(v) != a->vapic))
		tvx_lapic_vapic_set(v, !a->vapic);
	/*
	 * A step of the module's (vmx/step.c) is one guest instruction, its
	 * EPT leaf maybe swapped for it: nothing is injected or delivered
	 * before it, and no window could open (it would exit at once, for
	 * ever).
	 */
	if (a->vapic)
		tvx_lapic_vapic_entry(v, v->step.active);
	if (unlikely(v->step.active)) {
		tvx_lapic_windows(v, 0);
		return TVX_EXIT_RESUME;
	}
	if (vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK) {
		/* an event goes in first: come back right after it */
		if (test_bit(TVX_LAPIC_NMI, &a->pending) || tvx_lapic_sw_irq(v))
			want = VMX_PROC_INTR_WINDOW_EXITING;
		tvx_lapic_windows(v, want);
		return TVX_EXIT_RESUME;
	}
	block = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (test_bit(TVX_LAPIC_NMI, &a->pending)) {
		if (!(block & (GUEST_INTR_STATE_NMI | GUEST_INTR_STATE_STI |
			       GUEST_INTR_STATE_MOV_SS))) {
			clear_bit(TVX_LAPIC_NMI, &a->pending);
			vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID_MASK |
				     INTR_TYPE_NMI_INTR | X86_TRAP_NMI);
			if (tvx_lapic_sw_irq(v))
				want = VMX_PROC_INTR_WINDOW_EXITING;
			tvx_lapic_windows(v, want);
			return TVX_EXIT_RESUME;
		}
		want |= tvx_has_feature(THINVMX_FEAT_VIRTUAL_NMI) ?
			VMX_PROC_NMI_WINDOW_EXITING : VMX_PROC_INTR_WINDOW_EXITING;
	}
	/* with virtual-interrupt delivery the CPU delivers when it can */
	if (a->vapic) {
		tvx_lapic_windows(v, want);
		return TVX_EXIT_RESUME;
	}
	spin_lock_irqsave(&a->lock, flags);
	vec = lapic_pending_vector(&a->regs);
	if (vec >= 0) {
		if ((vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
		    !(block & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))) {
			lapic_ack(&a->regs, vec);
			info = INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR | vec;
			vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
			/* another one may be waiting behind it */
			if (lapic_pending_vector(&a->regs) >= 0)
				want |= VMX_PROC_INTR_WINDOW_EXITING;
		} else {
			want |= VMX_PROC_INTR_WINDOW_EXITING;
		}
	}
	spin_unlock_irqrestore(&a->lock, flags);
	tvx_lapic_windows(v, want);
	return TVX_EXIT_RESUME;
}

/**
 * tvx_lapic_before_entry() - the APIC's part of a VM entry
 * @v: the vCPU, its VMCS current, interrupts off
 *
 * What the guest did with the PV EOI flag since the last entry, then INIT,
 * SIPI and what goes in (tvx_lapic_entry_events()), then the flag for
 * this entry.
 *
 * Return: TVX_EXIT_RESUME to enter, TVX_EXIT_HALT when the vCPU is halted
 * or waits for a SIPI (the run loop sleeps: tvx_lapic_wait()).
 */
int tvx_lapic_before_entry(struct tvx_vcpu *v)
{
	int ret;

	tvx_lapic_pv_eoi_from_guest(v);
	ret = tvx_lapic_entry_events(v);
	if (ret == TVX_EXIT_RESUME)
		tvx_lapic_pv_eoi_to_guest(v);
	return ret;
}

/**
 * tvx_lapic_hlt() - HLT in a domain with the in-module APIC
 * @v: the vCPU
 *
 * Return: TVX_EXIT_RESUME when something can wake it already,
 * TVX_EXIT_TO_USER (THINVMX_EXIT_HLT) when it halted with interrupts off,
 * else TVX_EXIT_HALT: the run loop sleeps until it can (tvx_lapic_wait()).
 */
int tvx_lapic_hlt(struct tvx_vcpu *v)
{
	tvx_lapic_pv_eoi_from_guest(v);
	tvx_skip_insn(v);
	v->apic.halt_if = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF;
	v->apic.mp_state = TVX_MP_HALTED;
	if (tvx_lapic_wakeable(v)) {
		v->apic.mp_state = TVX_MP_RUNNABLE;
		return TVX_EXIT_RESUME;
	}
	/*
	 * With interrupts off only an NMI, INIT or SIPI can wake it: a guest
	 * that stopped for good (a panic's halt loop, a test's end) looks
	 * so, and the VMM hears of it once; RUN then sleeps until one comes.
	 */
	if (!v->apic.halt_if) {
		v->run->exit_reason = THINVMX_EXIT_HLT;
		return TVX_EXIT_TO_USER;
	}
	return TVX_EXIT_HALT;
}

/**
 * tvx_lapic_wait() - sleep while halted or waiting for a SIPI
 * @v: the vCPU, outside its run stretch
 *
 * Return: 0 when it can go on, or the domain is paused; -EINTR on a
 * signal (RUN returns with THINVMX_EXIT_NONE; the next RUN sleeps again).
 */
int tvx_lapic_wait(struct tvx_vcpu *v)
{
	if (v->apic.mp_state == TVX_MP_RUNNABLE)
		return 0;
	/*
	 * A pause (control.c) wakes it too: it parks, with its run_lock
	 * given up, and sleeps here again after the unpause.
	 */
	return wait_event_interruptible(v->apic.wq, tvx_lapic_wakeable(v) ||
					tvx_dom_paused(v->dom)) ? -EINTR : 0;
}

/**
 * tvx_lapic_signal_msi() - THINVMX_SIGNAL_MSI: the VMM raises an interrupt
 * @dom:  the domain
 * @uarg: struct thinvmx_msi
 *
 * Return: how many vCPUs it reached (0: none matched, or their APICs are
 * disabled), -EFAULT, -EINVAL (reserved fields, an address outside
 * 0xfee00000-0xfeefffff, a domain without the in-module APIC).
 */
long tvx_lapic_signal_msi(struct tvx_dom *dom, struct thinvmx_msi __user *uarg)
{
	struct thinvmx_msi m;
	struct lapic_ipi ipi;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (!dom->lapic || m.flags || m.reserved[0] || m.reserved[1] ||
	    (m.address >> 20) != 0xfee)
		return -EINVAL;
	lapic_msi_decode(m.address, m.data, &ipi);
	return tvx_lapic_deliver(dom, NULL, &ipi);
}

/**
 * tvx_lapic_possible() - can this host run the in-module APIC?
 *
 * Return: true if interrupt-window exiting is allowed (it is on every
 * VMX CPU; Bochs' too).
 */
bool tvx_lapic_possible(void)
{
	u64 msr = tvx_has_feature(THINVMX_FEAT_TRUE_CTLS) ?
		  tvx_host_caps->msr_true_procbased : tvx_host_caps->msr_procbased;

	return (msr >> 32) & VMX_PROC_INTR_WINDOW_EXITING;
}

/**
 * tvx_lapic_init() - a new vCPU's APIC, as after power-up
 * @v:         the vCPU
 * @wait_sipi: it starts waiting for INIT and SIPI (an AP)
 *
 * Return: 0 or -ENOMEM; tvx_lapic_free() undoes either.
 */
int tvx_lapic_init(struct tvx_vcpu *v, bool wait_sipi)
{
	struct tvx_lapic *a = &v->apic;

	spin_lock_init(&a->lock);
	init_waitqueue_head(&a->wq);
	hrtimer_init(&a->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	a->timer.function = tvx_lapic_timer_fn;
	a->page = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!a->page)
		return -ENOMEM;
	a->regs.page = page_address(a->page);
	lapic_reset(&a->regs, v->id, false);
	a->base = LAPIC_BASE_DEFAULT | LAPIC_BASE_EN |
		  (v->id == 0 ? LAPIC_BASE_BSP : 0);
	a->mp_state = wait_sipi ? TVX_MP_WAIT_SIPI : TVX_MP_RUNNABLE;
	return 0;
}

/**
 * tvx_lapic_free() - stop a vCPU's timer for good, free its page
 * @v: the vCPU, no longer reachable by senders (an RCU grace period after)
 */
void tvx_lapic_free(struct tvx_vcpu *v)
{
	if (!v->dom->lapic)
		return;
	hrtimer_cancel(&v->apic.timer);
	if (v->apic.page)
		tvx_free_pages(v->apic.page, 0);
}
