/* SPDX-License-Identifier: GPL-2.0 */
/*
 * THINVMX_INJECT_TRAP's queue (trap.c): one trap per vCPU waiting for its
 * next VM entry, settled at once against the event a paused vCPU's entry
 * delivers.
 */
#ifndef _THINVMX_MEMEVENT_TRAP_H
#define _THINVMX_MEMEVENT_TRAP_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "inject.h"

struct tvx_vcpu;
struct tvx_dom;

struct tvx_trap_queue {
	spinlock_t lock;	/* everything below */
	bool queued;		/* @trap waits for the next entry */
	bool settled;		/* merged already: goes in as it is */
	/*
	 * Paused on an event (between the exit that waits and the next
	 * entry): the event the next entry delivers, if any, so that a
	 * trap injected meanwhile is settled at once.
	 */
	bool paused;
	bool paused_has_event;
	struct inject_event paused_event;
	/*
	 * A trap met a pending #DF while paused: the vCPU shuts down at its
	 * next entry, as the CPU does (@queued is set too, so that the entry
	 * looks).
	 */
	bool shutdown;
	struct inject_event trap;
};

void tvx_trap_queue_init(struct tvx_trap_queue *q);
long tvx_inject_trap(struct tvx_dom *dom,
		     struct thinvmx_inject_trap __user *uarg);
bool tvx_deliver_trap(struct tvx_vcpu *v);
void tvx_vcpu_kick(struct tvx_vcpu *v);
void tvx_trap_pause(struct tvx_vcpu *v);
bool tvx_trap_unpause(struct tvx_vcpu *v);

#endif /* _THINVMX_MEMEVENT_TRAP_H */
