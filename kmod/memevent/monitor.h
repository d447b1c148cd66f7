/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Monitor settings and the decisions made from them (DESIGN.md, "Monitor
 * events and trap injection"): which exits a domain needs, whether an exit
 * becomes an event and of which kind, what an answer makes the vCPU do.
 * Pure logic (monitor.c), shared with the host unit tests
 * (selftests/unit/test_monitor.c). Sleeping, waking and the rings are the
 * glue's business.
 */
#ifndef _THINVMX_MEMEVENT_MONITOR_H
#define _THINVMX_MEMEVENT_MONITOR_H

#include "../pure.h"
#include "../../uapi/thinvmx.h"

#ifdef __KERNEL__
#include <linux/nospec.h>
#endif

/*
 * A kind's setting in one byte, so that a vCPU reads mode and flag
 * together (READ_ONCE) while the listener changes them: mode in bits 1:0,
 * on-change-only in bit 2 (Xen's HVMPME_* packing).
 */
#define MONITOR_MODE_MASK		GENMASK(1, 0)
#define MONITOR_ON_CHANGE		BIT(2)

/*
 * A watched MSR in one u64, so that a vCPU reads index and setting
 * together while the listener changes them: the index in bits 31:0, the
 * setting byte in bits 39:32; 0 is a free slot.
 */
#define MONITOR_MSR_SETTING_SHIFT	32

/* Per domain (and the host's). All zero: nothing monitored (no listener). */
struct monitor_settings {
	u8 kind[THINVMX_MONITOR_NR_KINDS];
	u64 msr[THINVMX_MONITOR_MSRS];
};

/* Whether an exit becomes an event, and of which kind */
enum monitor_delivery {
	MONITOR_NONE,
	MONITOR_ASYNC,
	MONITOR_SYNC,
};

/* What becomes of a guest INT3 */
enum monitor_int3 {
	MONITOR_INT3_REINJECT,		/* no event: #BP goes to the guest */
	MONITOR_INT3_ASYNC_REINJECT,	/* async event, and #BP to the guest */
	MONITOR_INT3_SYNC,		/* sync event: the answer decides */
};

/*
 * What a vCPU does when it resumes after a sync event, in this order. A
 * CR event's instruction always completes (SKIP): with APPLY_CR the write
 * takes effect, without it the guest keeps its old value. The same for
 * XCR0, CPUID and descriptor-table events; for IO, APPLY_CR runs the
 * instruction again (to the VMM), without it the access is denied.
 */
#define MONITOR_ACT_SET_REGS		BIT(0)	/* load the answer's registers */
#define MONITOR_ACT_APPLY_CR		BIT(1)	/* perform the held CR write */
#define MONITOR_ACT_SKIP		BIT(2)	/* RIP past the event's instruction */
#define MONITOR_ACT_REINJECT		BIT(3)	/* INT3's #BP, or DEBUG's #DB */
#define MONITOR_ACT_SINGLESTEP		BIT(4)	/* MTF, then a SINGLESTEP event */
/* views: the answer's view (and view_after) come with these */
#define MONITOR_ACT_SWITCH_VIEW		BIT(13)	/* go on in the answer's view */
#define MONITOR_ACT_FAST_STEP		BIT(14)	/* step in view, then view_after */

/* A vCPU's sync wait: the event it reported and waits an answer for. */
struct monitor_wait {
	u64 seq;		/* 0: the vCPU waits for no answer */
	u16 reason;		/* THINVMX_EVENT_* */
};

int monitor_validate(u32 kind, u32 mode, u32 flags);
/* the x2APIC MSR range, never watched (monitor_set()) */
#define MONITOR_X2APIC_FIRST	0x800
#define MONITOR_X2APIC_LAST	0x8ff

int monitor_set(struct monitor_settings *s, const struct thinvmx_monitor *m);
int monitor_get(const struct monitor_settings *s, struct thinvmx_monitor *m);
void monitor_reset(struct monitor_settings *s);

enum monitor_delivery monitor_delivery(const struct monitor_settings *s,
				       u32 kind);
enum monitor_delivery monitor_cr_event(const struct monitor_settings *s,
				       u32 cr, u64 old_value, u64 new_value);
enum monitor_delivery monitor_xcr0_event(const struct monitor_settings *s,
					 u64 old_value, u64 new_value);
bool monitor_guest_request(u64 channels, u64 rax);
bool monitor_needs_desc_exiting(const struct monitor_settings *s);
bool monitor_needs_cr3_exiting(const struct monitor_settings *s);
u64 monitor_cr_guest_host_mask(const struct monitor_settings *s, u32 cr);
u32 monitor_exception_bitmap(const struct monitor_settings *s);
enum monitor_int3 monitor_int3_action(const struct monitor_settings *s,
				      bool listener);

void monitor_event_init(struct thinvmx_event *ev, u16 reason, u32 vcpu,
			u64 seq, enum monitor_delivery delivery);
int monitor_response_check(const struct monitor_wait *w, u32 vcpu,
			   const struct thinvmx_response *rsp, u32 *actions);
u32 monitor_default_actions(u16 reason);
enum monitor_delivery monitor_msr_event(const struct monitor_settings *s,
					u32 msr, bool old_known, u64 old_value,
					u64 new_value);
bool monitor_msr_watched(const struct monitor_settings *s, u32 msr);
u32 monitor_spin_next(u32 cur, u32 base, u32 max, u64 waited);

#endif /* _THINVMX_MEMEVENT_MONITOR_H */
