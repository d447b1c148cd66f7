/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A test's introspection daemon: a thread serving a listener's rings with
 * tvx_monitor_serve(), recording what it sees (the first events, counts
 * per reason, sequence gaps, events of vCPUs outside its mask) and
 * answering sync events by reason, or by a policy function.
 */
#ifndef _TVX_DAEMON_H
#define _TVX_DAEMON_H

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "libthinvmx.h"

struct daemon {
	struct tvx_monitor *m;
	struct tvx_domain *d;
	__u64 mask;
	unsigned int flags;
	volatile int stop;
	int error;
	unsigned int delay_ms;			/* before serving */
	pthread_t thread;

	pthread_mutex_t lock;
	unsigned int nr;			/* events seen */
	struct thinvmx_event evs[32];		/* the first ones */
	__u64 count[THINVMX_EVENT_NR_REASONS];
	__u64 last_seq;
	__u64 seq_gaps;				/* seq != last + 1 */
	__u64 wrong_vcpu;			/* outside the mask */

	__u32 answer[THINVMX_EVENT_NR_REASONS];	/* flags per reason */
	__u64 set_rax;				/* with SET_REGS */
	/* optional: decides instead of answer[] */
	void (*policy)(struct daemon *dm, const struct thinvmx_event *ev,
		       struct thinvmx_response *rsp);
};

static int daemon_event(struct tvx_monitor *m, const struct thinvmx_event *ev,
			struct thinvmx_response *rsp, void *arg)
{
	struct daemon *dm = arg;

	pthread_mutex_lock(&dm->lock);
	if (dm->nr < sizeof(dm->evs) / sizeof(dm->evs[0]))
		dm->evs[dm->nr] = *ev;
	dm->nr++;
	if (ev->reason < THINVMX_EVENT_NR_REASONS)
		dm->count[ev->reason]++;
	if (dm->last_seq && ev->seq != dm->last_seq + 1)
		dm->seq_gaps++;
	dm->last_seq = ev->seq;
	if (ev->vcpu >= 64 || !(dm->mask & (1ULL << ev->vcpu)))
		dm->wrong_vcpu++;
	pthread_mutex_unlock(&dm->lock);

	if (ev->reason < THINVMX_EVENT_NR_REASONS)
		rsp->flags = dm->answer[ev->reason];
	if (rsp->flags & THINVMX_RESPONSE_SET_REGS) {
		rsp->regs = ev->regs;
		rsp->regs.rax = dm->set_rax;
	}
	if (dm->policy)
		dm->policy(dm, ev, rsp);
	return 0;
}

static void *daemon_main(void *arg)
{
	struct daemon *dm = arg;
	int ret;

	usleep(dm->delay_ms * 1000);
	while (!dm->stop) {
		ret = tvx_monitor_serve(dm->m, dm->mask, dm->flags, 20,
					daemon_event, dm);
		if (ret < 0) {
			dm->error = ret;
			break;
		}
	}
	return NULL;
}

static void daemon_init(struct daemon *dm, struct tvx_monitor *m,
			struct tvx_domain *d, __u64 mask)
{
	memset(dm, 0, sizeof(*dm));
	pthread_mutex_init(&dm->lock, NULL);
	dm->m = m;
	dm->d = d;
	dm->mask = mask;
}

static int daemon_start(struct daemon *dm)
{
	return pthread_create(&dm->thread, NULL, daemon_main, dm);
}

static void daemon_stop(struct daemon *dm)
{
	dm->stop = 1;
	pthread_join(dm->thread, NULL);
}

/* Drain what async events are in the rings now, in this thread. */
static int daemon_drain(struct daemon *dm)
{
	int ret, total = 0;

	while ((ret = tvx_monitor_serve(dm->m, dm->mask, 0, 0, daemon_event, dm)) > 0)
		total += ret;
	return ret < 0 ? ret : total;
}

#endif /* _TVX_DAEMON_H */
