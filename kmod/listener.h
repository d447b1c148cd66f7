/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The introspection listener (listener.c): its fd, its rings, and how a
 * vCPU reports an event and waits for the answer. The decisions (which
 * exit is an event, what an answer means) are memevent/monitor.c's; the
 * ring arithmetic memevent/ring.c's.
 */
#ifndef _THINVMX_LISTENER_H
#define _THINVMX_LISTENER_H

#include "tvx.h"
#include "memevent/monitor.h"

/* tvx_handle_exit()'s answer: leave the run loop's stretch and wait (listener.c) */
#define TVX_EXIT_WAIT_EVENT	2

long tvx_attach_monitor(struct tvx_domain *dom,
			struct thinvmx_attach_monitor __user *uarg);
int tvx_listener_vcpu_allowed(struct tvx_domain *dom, u32 id);
void tvx_listener_vcpu_free(struct tvx_vcpu *v);
bool tvx_vcpu_listener_gone(const struct tvx_vcpu *v);

struct thinvmx_event *tvx_event_begin(struct tvx_vcpu *v, u16 reason,
				      enum monitor_delivery delivery);
int tvx_event_send(struct tvx_vcpu *v);

/* Add THINVMX_EVENT_F_* to the record tvx_event_begin() started. */
static inline void tvx_event_flag(struct tvx_vcpu *v, u32 flags)
{
	v->ev_flags |= flags;
}

int tvx_event_wait(struct tvx_vcpu *v);

#endif /* _THINVMX_LISTENER_H */
