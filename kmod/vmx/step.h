/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One guest instruction single-stepped by the module (step.c): to discard
 * a write through the scratch page, to let an access happen once, or
 * because an answer asked for a SINGLESTEP event.
 */
#ifndef _THINVMX_VMX_STEP_H
#define _THINVMX_VMX_STEP_H

#include <linux/types.h>

#include "ept/ept_table.h"

struct tvx_vcpu;

struct tvx_step {
	bool active;		/* a step is armed */
	bool guest_tf;		/* the guest had RFLAGS.TF itself */
	bool mtf;		/* by the monitor trap flag, not TF */
	bool report;		/* a SINGLESTEP event follows the step */
	bool delivery;		/* of the CPU's event delivery, not an instruction */
	bool gate;		/* holds the domain's step gate */
	bool want;		/* a swap waits for the gate: */
	bool want_scratch;	/*   onto the scratch page, or allowing all */
	u64 want_gpa;		/*   of this frame */
	struct ept_leaf_swap swap;	/* a leaf changed for the step */
};

void tvx_step_arm(struct tvx_vcpu *v);
int tvx_discard_by_single_step(struct tvx_vcpu *v, u64 gpa);
int tvx_discard_delivery_write(struct tvx_vcpu *v, u64 gpa);
void tvx_delivery_step_done(struct tvx_vcpu *v);
bool tvx_allow_once(struct tvx_vcpu *v, u64 gpa);
int tvx_step_redo(struct tvx_vcpu *v);
void tvx_step_gate_drop(struct tvx_vcpu *v);

int handle_single_step(struct tvx_vcpu *v);
int handle_mtf(struct tvx_vcpu *v);

#endif /* _THINVMX_VMX_STEP_H */
