/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU's side of introspection (event.c): the event it is reporting or
 * waiting on, and how exit handlers report one. The listener's fd and
 * rings are listener.c's; the decisions monitor.c's.
 */
#ifndef _THINVMX_MEMEVENT_EVENT_H
#define _THINVMX_MEMEVENT_EVENT_H

#include <linux/types.h>

#include "../../uapi/thinvmx.h"
#include "monitor.h"
#include "../vmx/desc.h"

struct tvx_vcpu;
struct tvx_listener;

/* struct tvx_vcpu_event.state: where the vCPU's current event is */
enum tvx_ev_state {
	TVX_EV_NONE,		/* no event */
	TVX_EV_UNSENT,		/* built; waits for room in the request ring */
	TVX_EV_WAIT,		/* sync, sent; waits for the answer */
	TVX_EV_ANSWERED,	/* @actions to carry out at the next entry */
};

/* All but @lsn are touched only by the vCPU's own thread. */
struct tvx_vcpu_event {
	struct tvx_listener *lsn;	/* a reference, NULL if none taken */
	u32 monitor_gen;		/* the settings the VMCS has */
	enum tvx_ev_state state;
	u8 insn_len;			/* the event's instruction */
	u8 cr;				/* CR events: the register */
	u16 reason;			/* THINVMX_EVENT_* */
	u32 flags;			/* THINVMX_EVENT_F_* */
	u32 actions;			/* MONITOR_ACT_* of the answer */
	u32 spin_ns;			/* how long to poll for the next answer */
	u64 seq;
	u64 deadline;			/* ktime ns the wait ends at; 0: never */
	u64 rip, rflags, cr0;		/* at the event */
	u64 cr_new;			/* CR and MSR events: the held value */
	u32 msr;			/* MSR events: the MSR */
	u64 gpa;			/* MEM_ACCESS, RO_MMIO_WRITE */
	u32 cpuid[4];			/* CPUID: the module's result */
	unsigned long qual;		/* IO, DEBUG: the exit qualification */
	struct tvx_desc_op desc;	/* DESC_ACCESS: the instruction */
	/*
	 * IO: the access an answer let through runs again at this RIP and
	 * goes to the VMM unreported, once.
	 */
	bool io_pass;
	u64 io_pass_rip;
	struct thinvmx_regs regs;	/* the answer's registers */
	u16 view, view_after;		/* the answer's views */
	/*
	 * The record being written: a request ring slot (an async event
	 * while the ring has room) or @buf. Written only, never read back:
	 * the listener can write the slot too. The fields above are the
	 * module's own copy of what it needs.
	 */
	struct thinvmx_event *rec;
	struct thinvmx_event buf;	/* a record that waits for room or an answer */
};

void tvx_vcpu_event_init(struct tvx_vcpu *v);
struct thinvmx_event *tvx_event_begin(struct tvx_vcpu *v, u16 reason,
				      enum monitor_delivery delivery);
int tvx_event_send(struct tvx_vcpu *v);
int tvx_event_wait(struct tvx_vcpu *v);
bool tvx_event_answer_due(struct tvx_vcpu *v);
void tvx_event_resume(struct tvx_vcpu *v, bool trap_settled);
void tvx_monitor_refresh(struct tvx_vcpu *v);
bool tvx_vcpu_listener_gone(const struct tvx_vcpu *v);
int handle_int3(struct tvx_vcpu *v);

#endif /* _THINVMX_MEMEVENT_EVENT_H */
