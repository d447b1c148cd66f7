/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host mode's events and guard policies (host_event.c): what root mode
 * reads on every exit, and what it calls to report.
 */
#ifndef _THINVMX_HOST_HOST_EVENT_H
#define _THINVMX_HOST_HOST_EVENT_H

#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "../../uapi/thinvmx.h"
#include "memevent/monitor.h"
#include "memevent/ring.h"
#include "host/host_cpu.h"

struct tvx_host_regs;

/*
 * One CPU's request ring, as the host side sees it (poll); its response
 * ring is in the mmap, unused. Root mode keeps its own producer's view
 * (struct tvx_host_root), found from what TVX_HC_SET_LISTENER copied.
 */
struct tvx_host_ring {
	struct thinvmx_ring_header *hdr;
};

struct tvx_host_listener {
	bool broken;			/* a ring index the daemon wrote was bad */
	bool detached;
	u32 nr_cpus;
	u32 slots_log2;
	void *area;			/* the rings (__vmalloc, zeroed) */
	u64 area_size;
	struct mutex lock;		/* settings */
	wait_queue_head_t poll_wq;
	struct tvx_host_ring rc[];
};

/*
 * The host side's record of events and policies: what it asked root mode
 * for (TVX_HC_SET_POLICY copies @want into root mode's own struct
 * tvx_host_policy, which is what root mode enforces), and the listener.
 * Written only through the host_state_*() functions of host_event.c.
 */
struct tvx_host_mon {
	struct tvx_host_policy want;
	struct tvx_host_listener *lsn;	/* NULL: no events */
};

extern struct tvx_host_mon tvx_host_mon;

/* host_event.c, host side */
long tvx_host_attach(struct thinvmx_attach_monitor __user *uarg);
int tvx_host_set_policy(int pin_cr, int pin_msr);
void tvx_host_get_policy(bool *pin_cr, bool *pin_msr);
void tvx_host_policy_init(void);
void tvx_host_policy_load(struct tvx_host_cfg *cfg);
void tvx_host_msr_bitmap_apply(struct tvx_host_cfg *cfg);
void tvx_host_vmcs_monitor(struct tvx_host_root *root);
bool tvx_host_policy_valid(const struct tvx_host_policy *p);
long tvx_host_lsn_set(struct tvx_host_cfg *cfg, u64 area, u64 slots_log2);
struct irq_work *tvx_host_ev_wake(unsigned int cpu);

/* host_event.c, root mode */
struct thinvmx_event *tvx_host_ev_begin(struct tvx_host_regs *r, u16 reason);
void tvx_host_ev_send(struct thinvmx_event *ev, u32 flags);
void tvx_host_ev_write_refused(struct tvx_host_regs *r, u64 pa);
bool tvx_host_msr_pinned(const struct tvx_host_policy *p, u32 msr);

#endif /* _THINVMX_HOST_HOST_EVENT_H */
