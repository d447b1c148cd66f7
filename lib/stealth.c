// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Stealth breakpoints: 0xcc that only the guest's instruction fetches see.
 *
 * The classic dance (thinvmx-monitor --break) writes 0xcc into the frame
 * the guest reads: the guest can see it, and while one vCPU steps the
 * original instruction with the byte put back, another can run past the
 * breakpoint unseen. Here the guest's frame is never written. A second
 * view of the domain (Xen's altp2m, THINVMX_VIEW_*) shows, at each
 * breakpointed frame, a shadow frame -- a copy with the 0xcc in it, in a
 * frame of the domain the guest does not use (thinvmx-run
 * --spare-frames) -- execute-only. Every vCPU runs in that view:
 *
 *   - a fetch runs the shadow: an INT3 event on our byte is a hit, and
 *     the answer is a fast single-step: that one vCPU executes the one
 *     instruction in view 0 (the original code) and comes back; the
 *     others stay in the breakpoint view and hit it too;
 *   - a read of the frame (the guest looking at its own code) is an EPT
 *     violation of the execute-only right: the same fast single-step
 *     lets that instruction read the original in view 0;
 *   - a write (text patching) is let through in view 0 the same way, but
 *     with a reported step: after it, the shadow is made again from the
 *     frame the write changed and the 0xcc put back, so that no vCPU runs
 *     the old code from a stale shadow once the write is done.
 *
 * Without execute-only EPT a view cannot hide the shadow from reads:
 * tvx_stealth_create() says -EOPNOTSUPP, and the classic dance is what
 * remains. The engine is called from the daemon's event callback, from
 * any number of threads (one per vCPU with tvx_monitor_serve_vcpu()).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libthinvmx.h"

#define PAGE		4096ULL
#define INT3_BYTE	0xcc

struct stealth_frame {
	__u64 gfn;		/* the guest's frame */
	__u64 shadow;		/* the spare frame shown for it */
	unsigned int nr_bp;	/* breakpoints in it */
};

struct stealth_bp {
	__u64 gpa;
	__u8 orig;		/* the guest's byte, as of the last copy */
	bool live;
	struct stealth_frame *f;
};

struct tvx_stealth {
	pthread_mutex_t lock;
	struct tvx_domain *d;
	int fd;			/* the listener's: the view is the listener's */
	__u16 view;		/* the breakpoint view */
	bool armed;		/* the vCPUs were switched to it */
	__u64 spare;		/* the first spare frame */
	unsigned int nr_spare;
	struct stealth_frame frame[TVX_STEALTH_MAX];
	unsigned int nr_frames;
	struct stealth_bp bp[TVX_STEALTH_MAX];
	unsigned int nr_bp;
	/* per vCPU: the frame whose shadow a reported step must remake + 1 */
	unsigned int resync[THINVMX_MAX_VCPUS];
};

/**
 * tvx_stealth_create() - a breakpoint view for stealth breakpoints
 * @m: the domain's listener, which must serve the events
 * @d: the domain (opened by its owner, or with CAP_SYS_ADMIN)
 * @exec_only: the CPU has execute-only EPT (THINVMX_FEAT_EPT_EXEC_ONLY)
 * @spare_gfn: the first of @nr_spare frames of @d its guest never uses
 * @nr_spare: one per breakpointed frame is needed
 * @out: the engine
 *
 * The view is made through the listener: if the daemon dies, the module
 * takes every vCPU back to view 0 and the view away with the listener,
 * and the guest never meets a 0xcc nobody answers. Nothing changes for
 * the guest until tvx_stealth_arm().
 * Return: 0; -EOPNOTSUPP without execute-only EPT; -EINVAL; -ENOMEM; the
 * errors of THINVMX_VIEW_CREATE (-ENOSPC: no view id left).
 */
int tvx_stealth_create(struct tvx_monitor *m, struct tvx_domain *d, int exec_only,
		       __u64 spare_gfn, unsigned int nr_spare, struct tvx_stealth **out)
{
	struct tvx_stealth *st;
	int ret;

	if (!exec_only)
		return -EOPNOTSUPP;
	if (!nr_spare || spare_gfn + nr_spare < spare_gfn)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	pthread_mutex_init(&st->lock, NULL);
	st->d = d;
	st->fd = tvx_monitor_fd(m);
	st->spare = spare_gfn;
	st->nr_spare = nr_spare;
	ret = tvx_view_create_fd(st->fd, &st->view);
	if (ret) {
		free(st);
		return ret;
	}
	*out = st;
	return 0;
}

/* The view the breakpoints live in (for events' view field). */
__u16 tvx_stealth_view(const struct tvx_stealth *st)
{
	return st->view;
}

/*
 * Make @f's shadow from the guest's frame as it is now: the copy, then
 * each live breakpoint's original byte noted and the 0xcc put in.
 */
static int stealth_copy_locked(struct tvx_stealth *st, struct stealth_frame *f)
{
	__u8 page[PAGE];
	unsigned int i;
	int ret;

	ret = tvx_read_guest(st->d, f->gfn * PAGE, page, sizeof(page));
	if (ret)
		return ret;
	for (i = 0; i < st->nr_bp; i++) {
		struct stealth_bp *b = &st->bp[i];

		if (!b->live || b->f != f)
			continue;
		b->orig = page[b->gpa & (PAGE - 1)];
		page[b->gpa & (PAGE - 1)] = INT3_BYTE;
	}
	return tvx_write_guest(st->d, f->shadow * PAGE, page, sizeof(page));
}

static struct stealth_frame *stealth_frame_locked(struct tvx_stealth *st, __u64 gfn)
{
	unsigned int i;

	for (i = 0; i < st->nr_frames; i++)
		if (st->frame[i].nr_bp && st->frame[i].gfn == gfn)
			return &st->frame[i];
	return NULL;
}

/*
 * A frame to shadow: a free slot and a spare frame, the view showing the
 * shadow at @gfn, execute-only.
 */
static int stealth_frame_add_locked(struct tvx_stealth *st, __u64 gfn,
				    struct stealth_frame **out)
{
	struct stealth_frame *f = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < st->nr_frames; i++)
		if (!st->frame[i].nr_bp)
			f = &st->frame[i];
	if (!f) {
		if (st->nr_frames == TVX_STEALTH_MAX || st->nr_frames == st->nr_spare)
			return -ENOSPC;
		f = &st->frame[st->nr_frames];
		f->shadow = st->spare + st->nr_frames;
		st->nr_frames++;
	}
	f->gfn = gfn;
	ret = stealth_copy_locked(st, f);
	if (!ret)
		ret = tvx_view_change_gfn_fd(st->fd, st->view, gfn, f->shadow);
	if (!ret)
		ret = tvx_view_set_access_fd(st->fd, st->view, gfn, 1, THINVMX_ACCESS_X);
	if (ret) {
		tvx_view_change_gfn_fd(st->fd, st->view, gfn, THINVMX_VIEW_GFN_RESET);
		return ret;
	}
	*out = f;
	return 0;
}

/* The frame shows itself again in the view, its shadow wiped. */
static void stealth_frame_drop_locked(struct tvx_stealth *st, struct stealth_frame *f)
{
	static const __u8 zero[PAGE];

	tvx_view_set_access_fd(st->fd, st->view, f->gfn, 1, THINVMX_ACCESS_RWX);
	tvx_view_change_gfn_fd(st->fd, st->view, f->gfn, THINVMX_VIEW_GFN_RESET);
	tvx_write_guest(st->d, f->shadow * PAGE, zero, sizeof(zero));
	f->nr_bp = 0;
}

/**
 * tvx_stealth_add() - a stealth breakpoint at a guest-physical address
 * @st: the engine
 * @gpa: the first byte of the instruction
 * @id: out: the breakpoint's number (what tvx_stealth_event() reports)
 *
 * Return: 0; -EEXIST (one there already), -ENOSPC (TVX_STEALTH_MAX, or no
 * spare frame left), the errors of the view calls and guest accesses.
 */
int tvx_stealth_add(struct tvx_stealth *st, __u64 gpa, unsigned int *id)
{
	struct stealth_frame *f;
	struct stealth_bp *b = NULL;
	unsigned int i;
	int ret = 0;

	pthread_mutex_lock(&st->lock);
	for (i = 0; i < st->nr_bp; i++) {
		if (st->bp[i].live && st->bp[i].gpa == gpa) {
			ret = -EEXIST;
			goto out;
		}
		if (!st->bp[i].live && !b)
			b = &st->bp[i];
	}
	if (!b) {
		if (st->nr_bp == TVX_STEALTH_MAX) {
			ret = -ENOSPC;
			goto out;
		}
		b = &st->bp[st->nr_bp++];
	}
	f = stealth_frame_locked(st, gpa / PAGE);
	if (!f) {
		ret = stealth_frame_add_locked(st, gpa / PAGE, &f);
		if (ret)
			goto out;
	}
	b->gpa = gpa;
	b->f = f;
	b->live = true;
	f->nr_bp++;
	/* the frame's other breakpoints stay; this one's byte goes in */
	ret = stealth_copy_locked(st, f);
	if (ret) {
		b->live = false;
		if (!--f->nr_bp)
			stealth_frame_drop_locked(st, f);
		goto out;
	}
	*id = b - st->bp;
out:
	pthread_mutex_unlock(&st->lock);
	return ret;
}

/**
 * tvx_stealth_remove() - take a stealth breakpoint away
 * @st: the engine
 * @id: what tvx_stealth_add() gave
 *
 * The shadow loses the 0xcc (a vCPU that fetched it already reports an
 * INT3 tvx_stealth_event() no longer claims as a hit and simply retries);
 * the last breakpoint of a frame gives the frame back to the view.
 * Return: 0; -ENOENT.
 */
int tvx_stealth_remove(struct tvx_stealth *st, unsigned int id)
{
	struct stealth_frame *f;
	int ret = 0;

	pthread_mutex_lock(&st->lock);
	if (id >= st->nr_bp || !st->bp[id].live) {
		ret = -ENOENT;
		goto out;
	}
	f = st->bp[id].f;
	st->bp[id].live = false;
	if (--f->nr_bp)
		ret = stealth_copy_locked(st, f);
	else
		stealth_frame_drop_locked(st, f);
out:
	pthread_mutex_unlock(&st->lock);
	return ret;
}

/**
 * tvx_stealth_arm() - every vCPU into the breakpoint view
 * @st: the engine
 *
 * The listener must monitor INT3 and MEM_ACCESS, sync, and pass their
 * events (and SINGLESTEP's) to tvx_stealth_event().
 * Return: 0 or the error of THINVMX_VIEW_SWITCH.
 */
int tvx_stealth_arm(struct tvx_stealth *st)
{
	int ret;

	ret = tvx_view_switch_fd(st->fd, st->view, 0, THINVMX_VIEW_SWITCH_ALL);
	if (!ret)
		st->armed = true;
	return ret;
}

/* The breakpoint at @gpa, live, or -1 */
static int stealth_bp_at_locked(struct tvx_stealth *st, __u64 gpa)
{
	unsigned int i;

	for (i = 0; i < st->nr_bp; i++)
		if (st->bp[i].live && st->bp[i].gpa == gpa)
			return i;
	return -1;
}

static void stealth_fast_step(struct tvx_stealth *st, struct thinvmx_response *rsp)
{
	rsp->flags = THINVMX_RESPONSE_FAST_SINGLESTEP;
	rsp->view = 0;
	rsp->view_after = st->view;
}

/**
 * tvx_stealth_event() - the engine's part of an event
 * @st: the engine
 * @ev: the event (INT3, MEM_ACCESS and SINGLESTEP concern it)
 * @rsp: the answer, filled when the event was the engine's
 * @hit: out: the breakpoint hit, or -1
 *
 * Return: 1 when the event was the engine's and @rsp is its answer
 * (a hit: *hit says which; the caller reports it): an INT3 on one of its
 * bytes, a read or write of a breakpointed frame in the breakpoint view,
 * the step a write needed. An INT3 the engine does not claim in the
 * breakpoint view at a byte of a shadow (a breakpoint removed while a
 * vCPU fetched it) is answered "retry"; the guest's own INT3s are not
 * the engine's; else 0.
 */
int tvx_stealth_event(struct tvx_stealth *st, const struct thinvmx_event *ev,
		       struct thinvmx_response *rsp, int *hit)
{
	struct stealth_frame *f;
	bool mine = false;
	__u64 gpa;
	__u8 byte;

	*hit = -1;
	pthread_mutex_lock(&st->lock);
	switch (ev->reason) {
	case THINVMX_EVENT_INT3:
		if (ev->view != st->view || !(ev->flags & THINVMX_EVENT_F_GFN_VALID))
			break;
		gpa = ev->u.int3.gfn * PAGE + ev->u.int3.offset;
		*hit = stealth_bp_at_locked(st, gpa);
		if (*hit >= 0) {
			stealth_fast_step(st, rsp);
			mine = true;
			break;
		}
		/*
		 * Not a breakpoint (any more): the guest's own INT3 if its
		 * frame has one there; else a 0xcc of ours this vCPU fetched
		 * before it went: the vCPU fetches again.
		 */
		if (!tvx_read_guest(st->d, gpa, &byte, 1) && byte != INT3_BYTE) {
			rsp->flags = 0;
			mine = true;
		}
		break;
	case THINVMX_EVENT_MEM_ACCESS:
		if (ev->view != st->view)
			break;
		f = stealth_frame_locked(st, ev->u.mem_access.gfn);
		if (!f)
			break;
		mine = true;
		if (!(ev->u.mem_access.access & THINVMX_EVENT_ACCESS_W) ||
		    ev->vcpu >= THINVMX_MAX_VCPUS) {
			stealth_fast_step(st, rsp);
			break;
		}
		/* a write: step it in view 0, reported, then remake the shadow */
		st->resync[ev->vcpu] = f - st->frame + 1;
		rsp->flags = THINVMX_RESPONSE_SWITCH_VIEW | THINVMX_RESPONSE_SINGLESTEP;
		rsp->view = 0;
		break;
	case THINVMX_EVENT_SINGLESTEP:
		if (ev->vcpu >= THINVMX_MAX_VCPUS || !st->resync[ev->vcpu])
			break;
		f = &st->frame[st->resync[ev->vcpu] - 1];
		st->resync[ev->vcpu] = 0;
		if (f->nr_bp)
			stealth_copy_locked(st, f);
		rsp->flags = st->armed ? THINVMX_RESPONSE_SWITCH_VIEW : 0;
		rsp->view = st->armed ? st->view : 0;
		mine = true;
		break;
	}
	pthread_mutex_unlock(&st->lock);
	return mine;
}

/**
 * tvx_stealth_destroy() - every vCPU back in view 0, the view gone
 * @st: the engine (freed)
 *
 * The guest's frames were never written; the shadows are wiped. A vCPU
 * paused on an event of the view keeps it until its answer: destroying
 * the view is retried for a while (-EBUSY) and then left to the caller's
 * error (the view stays, in no vCPU's use once they are answered).
 * Return: 0 or the last error.
 */
int tvx_stealth_destroy(struct tvx_stealth *st)
{
	unsigned int i, tries;
	int ret;

	if (!st)
		return 0;
	ret = tvx_view_switch_fd(st->fd, 0, 0, THINVMX_VIEW_SWITCH_ALL);
	pthread_mutex_lock(&st->lock);
	st->armed = false;
	for (i = 0; i < st->nr_frames; i++)
		if (st->frame[i].nr_bp)
			stealth_frame_drop_locked(st, &st->frame[i]);
	for (i = 0; i < st->nr_bp; i++)
		st->bp[i].live = false;
	pthread_mutex_unlock(&st->lock);
	for (tries = 0; tries < 100; tries++) {
		ret = tvx_view_destroy_fd(st->fd, st->view);
		if (ret != -EBUSY)
			break;
		usleep(10000);
	}
	pthread_mutex_destroy(&st->lock);
	free(st);
	return ret;
}
