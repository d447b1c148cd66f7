/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM exit dispatch (exit.c) and what every handler may use.
 */
#ifndef _THINVMX_VMX_EXIT_H
#define _THINVMX_VMX_EXIT_H

#include <linux/types.h>

#include "vmx_ops.h"

struct tvx_vcpu;
struct inject_event;

/*
 * What an exit handler returns, and tvx_handle_exit() with it (an int: a
 * negative errno is possible too, for RUN to return):
 */
enum tvx_exit_ret {
	/* userspace must act: struct thinvmx_run says what; RUN returns 0 */
	TVX_EXIT_TO_USER = 0,
	/* dealt with in the kernel: enter the guest again */
	TVX_EXIT_RESUME = 1,
	/*
	 * an event waits for room in its ring or for the listener's answer:
	 * the run loop sleeps outside its inner stretch
	 * (memevent/event.c: tvx_event_wait()), then enters again
	 * (tvx_event_resume() first)
	 */
	TVX_EXIT_WAIT_EVENT = 2,
	/*
	 * the exit needs pages its vCPU's pool lacks (ept/violation.c): the
	 * run loop leaves the stretch, refills the pool where it may sleep
	 * (tvx_ept_topup()) and enters again, where the access that exited,
	 * left undone, faults again
	 */
	TVX_EXIT_REFILL = 3,
	/*
	 * the vCPU halted (HLT) or waits for a SIPI, in a domain with the
	 * in-module APIC (lapic/lapic.c): the run loop leaves the stretch
	 * and sleeps until an interrupt or a SIPI can wake it
	 * (tvx_lapic_wait()), then enters again
	 */
	TVX_EXIT_HALT = 4,
	/*
	 * a read-modify-write on a read-only device frame needs the device's
	 * value (ept/violation.c): the run loop leaves the stretch, reads it
	 * where it may sleep (tvx_devread()) and enters again, where the
	 * instruction, left undone, faults again and finds it
	 */
	TVX_EXIT_DEVREAD = 5,
	/*
	 * the domain is paused (control.c): the run loop leaves the stretch
	 * before an entry and parks (tvx_ctl_park()) until it is unpaused,
	 * then enters again
	 */
	TVX_EXIT_PAUSED = 6,
};

/* tvx_enter()'s answer when VMLAUNCH/VMRESUME itself failed */
#define TVX_EXIT_VMFAIL		0xffffffffu

int tvx_handle_exit(struct tvx_vcpu *v, u32 reason);
void tvx_inject_set_rf(const struct inject_event *ev);
int tvx_inject_exception(struct tvx_vcpu *v, u8 vector, bool has_error,
			 u32 error);
int tvx_inject_gp(struct tvx_vcpu *v);
int tvx_inject_ud(struct tvx_vcpu *v);
int tvx_internal_error(struct tvx_vcpu *v, u32 suberror);
int tvx_vcpu_shutdown(struct tvx_vcpu *v);
int tvx_db_deliver(struct tvx_vcpu *v, unsigned long qual, u8 icebp);
int tvx_guest_db(struct tvx_vcpu *v, unsigned long qual, u8 icebp,
		 bool module_step);

/*
 * Past the instruction that exited. Inline: the exits handled in the
 * kernel (CPUID, MSRs, CR, DR) all end here.
 */
static inline void tvx_skip_insn(struct tvx_vcpu *v)
{
	unsigned long rip = vmcs_readl(GUEST_RIP);
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_writel(GUEST_RIP, rip + vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	/* the instruction completed: STI/MOV SS blocking ends with it */
	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     intr & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

#endif /* _THINVMX_VMX_EXIT_H */
