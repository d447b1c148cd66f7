/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The introspection listener (listener.c) as event.c sees it: its rings
 * per vCPU and the answer a vCPU waits for.
 */
#ifndef _THINVMX_MEMEVENT_LISTENER_H
#define _THINVMX_MEMEVENT_LISTENER_H

#include <linux/compiler.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "../../uapi/thinvmx.h"
#include "monitor.h"
#include "ring.h"

struct tvx_dom;
struct tvx_vcpu;

/* One vCPU's rings, and the answer its sync event waits for. */
struct tvx_vcpu_rings {
	struct ring req;		/* producer: the vCPU's thread only */
	spinlock_t rsp_lock;		/* rsp, wait, answered, actions, regs */
	struct ring rsp;
	struct monitor_wait wait;	/* the sync event awaiting an answer */
	u64 refused;			/* answers refused: rsp's header shows it */
	bool answered;
	u32 actions;			/* MONITOR_ACT_* of the answer */
	struct thinvmx_regs regs;	/* with MONITOR_ACT_SET_REGS */
	u16 view, view_after;		/* with MONITOR_ACT_*_VIEW, _FAST_STEP */
	wait_queue_head_t wq;		/* the vCPU sleeps here */
};

struct tvx_listener {
	struct kref ref;
	struct tvx_dom *dom;		/* a reference */
	bool closed;			/* detached, or broke a ring */
	bool detached;			/* unpublished, monitoring off */
	int error;			/* -EPROTO (a bad ring index), -ENODEV */
	u64 sync_timeout_ns;		/* 0: wait for answers for ever */
	u32 nr_vcpus;
	u32 slots_log2;
	void *area;			/* the rings (__vmalloc, zeroed) */
	u64 area_size;
	struct mutex lock;		/* monitor settings */
	wait_queue_head_t poll_wq;	/* the listener polls here */
	struct tvx_vcpu_rings vc[];
};

static inline bool tvx_listener_dead(const struct tvx_listener *l)
{
	return READ_ONCE(l->closed);
}

void tvx_listener_put(struct tvx_listener *l);
void tvx_listener_break(struct tvx_listener *l);
int tvx_rsp_drain(struct tvx_listener *l, struct tvx_vcpu_rings *vr, u32 vcpu);

long tvx_attach_monitor(struct tvx_dom *dom,
			struct thinvmx_attach_monitor __user *uarg);
long tvx_detach_monitor(struct tvx_dom *dom);
int tvx_listener_vcpu_allowed(struct tvx_dom *dom, u32 id);
void tvx_listener_vcpu_free(struct tvx_vcpu *v);

#endif /* _THINVMX_MEMEVENT_LISTENER_H */
