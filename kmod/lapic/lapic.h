/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU's local APIC in the module (lapic.c): its registers
 * (lapic_regs.c), its timer on a host hrtimer, interrupt injection at VM
 * entry, HLT and wait-for-SIPI as sleeps in the module, and the messages
 * between vCPUs (IPIs, MSIs from the VMM). Only in domains created with
 * THINVMX_DOMAIN_LAPIC.
 */
#ifndef _THINVMX_LAPIC_H
#define _THINVMX_LAPIC_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "lapic/lapic_regs.h"

/* What the vCPU does between entries (struct tvx_lapic.mp_state) */
#define TVX_MP_RUNNABLE		0
#define TVX_MP_HALTED		1	/* after HLT: until an interrupt */
#define TVX_MP_WAIT_SIPI	2	/* after INIT: until a SIPI */

/* struct tvx_lapic.pending: events other vCPUs raise, by bit */
#define TVX_LAPIC_NMI		0
#define TVX_LAPIC_INIT		1
#define TVX_LAPIC_SIPI		2

/**
 * struct tvx_lapic - a vCPU's local APIC
 * @lock:        @regs and the timer's state: taken by the vCPU, by
 *               senders on other CPUs and by the hrtimer (hard irq)
 * @regs:        the registers
 * @base:        IA32_APIC_BASE
 * @timer:       fires the LVT timer interrupt
 * @period_ns:   periodic mode: the period; 0 when not periodic
 * @expires:     one-shot and periodic: when the count reaches 0 next
 * @tsc_deadline: IA32_TSC_DEADLINE; 0 when disarmed (or fired)
 * @pending:     TVX_LAPIC_* bits, set by senders
 * @sipi_vector: the vector of the last SIPI
 * @mp_state:    TVX_MP_*, the vCPU's own
 * @halt_if:     RFLAGS.IF at the HLT: a maskable interrupt wakes it only so
 * @wq:          where the vCPU sleeps while halted or waiting for a SIPI
 * @windows:     the interrupt- and NMI-window exiting bits set in the VMCS
 * @timer_fired: timer interrupts delivered to the IRR
 * @page:        @regs' page; the VMCS's virtual-APIC page
 * @vapic:       the VMCS has APIC virtualization on (TPR shadow,
 *               APIC-register virtualization, virtual-interrupt delivery):
 *               the CPU delivers, completes EOIs and answers most register
 *               reads from @page itself while the guest runs
 * @eoi_exit:    the EOI-exit bitmap last written: the level-triggered
 *               vectors, whose EOI the VMM hears of
 * @pv_eoi_msr:  MSR_KVM_PV_EOI_EN as the guest last wrote it
 * @pv_eoi:      the guest's PV EOI flag (a byte of its RAM), NULL when off
 * @pv_eoi_gfn:  its frame, for the dirty log
 * @pv_eoi_set:  the module set the flag: the guest may end the interrupt
 *               in service by clearing it instead of writing EOI
 */
struct tvx_lapic {
	spinlock_t lock;		/* see above: regs, timer state */
	struct lapic_regs regs;
	u64 base;
	struct hrtimer timer;
	u64 period_ns;
	ktime_t expires;
	u64 tsc_deadline;
	unsigned long pending;
	u8 sipi_vector;
	u8 mp_state;
	bool halt_if;
	wait_queue_head_t wq;
	u32 windows;
	u64 timer_fired;
	struct page *page;
	bool vapic;
	u64 eoi_exit[4];
	u64 pv_eoi_msr;
	u8 *pv_eoi;
	u64 pv_eoi_gfn;
	bool pv_eoi_set;
};

struct tvx_vcpu;
struct tvx_dom;
struct emu_insn;
struct thinvmx_msi;

int tvx_lapic_init(struct tvx_vcpu *v, bool wait_sipi);
void tvx_lapic_vmcs_setup(struct tvx_vcpu *v);
int tvx_lapic_apic_access(struct tvx_vcpu *v);
int tvx_lapic_apic_write(struct tvx_vcpu *v);
int tvx_lapic_eoi_induced(struct tvx_vcpu *v);
int tvx_lapic_dom_init(struct tvx_dom *dom);
void tvx_lapic_dom_free(struct tvx_dom *dom);
void tvx_lapic_free(struct tvx_vcpu *v);
int tvx_lapic_msr_read(struct tvx_vcpu *v, u32 msr, u64 *val);
int tvx_lapic_msr_write(struct tvx_vcpu *v, u32 msr, u64 val);
int tvx_lapic_mmio(struct tvx_vcpu *v, u64 gpa, const struct emu_insn *insn);
u64 tvx_lapic_cr8(struct tvx_vcpu *v);
void tvx_lapic_set_cr8(struct tvx_vcpu *v, u64 val);
int tvx_lapic_before_entry(struct tvx_vcpu *v);
int tvx_lapic_hlt(struct tvx_vcpu *v);
int tvx_lapic_wait(struct tvx_vcpu *v);
long tvx_lapic_signal_msi(struct tvx_dom *dom, struct thinvmx_msi __user *uarg);
bool tvx_lapic_possible(void);

#endif /* _THINVMX_LAPIC_H */
