/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A domain: its guest RAM, its EPT and p2m state, its CPUID table, its
 * vCPUs and its introspection settings (domain.c). An object header: it
 * includes the rooms' type headers only, never their function headers,
 * so every room can include it.
 *
 * The module's lock order: a lock on the left may be held while the one
 * on its right is taken, never the other way round.
 *
 *   v->run_lock -> any other            a vCPU's RUN or register ioctl
 *   ro_lock (msix/) -> tvx_domains_lock -> dom->ept.lock
 *                                       a change of the read-only set
 *                                       re-applies every domain's leaves
 *   ro_lock -> dom->p2m_lock            device assignment maps a BAR
 *   tvx_domains_lock -> dom->lock       netlink reads the vCPUs
 *   l->lock (memevent/) -> dom->lock    monitor settings kick the vCPUs
 *   dom->ctl_lock -> v->run_lock        a daemon's register call (control.c)
 *   dom->ctl_lock -> dom->lock          a vCPU freed leaves the array
 *   dom->p2m_lock -> dom->ept.lock      the p2m ioctls change leaves
 *   dom->p2m_lock -> dom->lock          VIEW_DESTROY reads the vCPUs' views
 *   dom->lock -> dom->ept.lock          ... under the lock that guards them
 *   the spinlocks -- dom->ept.lock, dom->cpuid_lock, a trap queue's, a
 *   response ring's -- are innermost: nothing sleeps under them.
 *   dom->ept.lock covers the views' EPTs too (ept/view.c), and is taken
 *   with interrupts off before an entry and after an exit (never from an
 *   interrupt), so nobody holding it may wait for another CPU.
 *
 * No user memory is touched (copy_{to,from}_user, get/put_user) under any
 * of them but run_lock: a fault takes mmap_lock, under which the munmap
 * of a domain mapping can drop the domain's last reference. The dirty
 * log's bits, say, are copied out after p2m_lock is dropped.
 */
#ifndef _THINVMX_DOMAIN_H
#define _THINVMX_DOMAIN_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "../uapi/thinvmx.h"
#include "ept/ept_table.h"
#include "ept/view.h"
#include "memevent/monitor.h"
#include "memmap.h"
#include "pages.h"
#include "vcpu_stats.h"

/* A physically contiguous piece of guest RAM. */
struct tvx_chunk {
	u64 gfn;
	struct page *page;
	unsigned int order;
};

struct tvx_vcpu;
struct tvx_listener;

struct tvx_dom {
	struct kref ref;
	struct mutex lock;		/* vcpus[] */
	spinlock_t cpuid_lock;		/* cpuid, nr_cpuid: read by exits */
	u32 id;
	pid_t owner;

	struct memmap *map;
	struct tvx_chunk *chunks;	/* sorted by gfn */
	u32 nr_chunks;
	struct ept ept;

	struct page *msr_bitmap;	/* every MSR access exits */
	struct page *scratch;		/* absorbs discarded writes */

	struct thinvmx_cpuid_entry *cpuid;
	u32 nr_cpuid;

	struct mutex p2m_lock;		/* p2m ioctls, one at a time */
	/*
	 * The dirty log: a bitmap page per TVX_DIRTY_PAGE_FRAMES frames that
	 * hold RAM, by gfn / TVX_DIRTY_PAGE_FRAMES, so that a sparse domain
	 * costs its RAM, not its span (ept/p2m_ops.c)
	 */
	struct xarray dirty;
	u64 dirty_frames;		/* the log's span; 0: not logging */
	u64 max_gfn;			/* above the highest RAM frame */
	atomic64_t mem_access_violations;
	atomic64_t logdirty_faults;
	atomic64_t ram_ro_writes_discarded;
	atomic64_t mmio_ro_writes_discarded;
	atomic64_t l1d_flushes;
	bool direct_mmio;		/* MMIO_DIRECT mapped: VERW before entry */
	atomic64_t nx_huge_splits;	/* leaves split for nx_huge (ept/violation.c) */

	/*
	 * Views besides view 0 (ept/view.c), by id, [0] unused: changed under
	 * @p2m_lock and ept.lock both, read under either
	 */
	struct tvx_view *views[THINVMX_MAX_VIEWS];
	u32 nr_views;
	/*
	 * VMFUNC EPTP switching (ept/view.c): the EPTP list page (NULL until
	 * first enabled), the views listed (0: off) and a generation the
	 * vCPUs compare before each entry, all under @p2m_lock and ept.lock;
	 * @view_hw_refused: the owner refused VMFUNC for good
	 */
	struct page *eptp_list;
	u32 vmfunc_views;
	u32 vmfunc_gen;
	bool view_hw_refused;

	struct tvx_vcpu *vcpus[THINVMX_MAX_VCPUS];
	/*
	 * The vCPUs CPUID's topology counts (cpuid_topology()): the highest
	 * vCPU ID created so far, plus one. A VMM creates its vCPUs before
	 * it starts them; one destroyed leaves a hole, as an offline CPU.
	 */
	u32 topo_cpus;
	/*
	 * The step gate (vmx/step.c): the vCPU whose single step has a leaf
	 * swapped, -1 if none; no other vCPU of the domain enters the guest
	 * while one holds it. @stretch_cpus: where a vCPU of the domain is in
	 * its run loop's stretch now.
	 */
	atomic_t step_owner;
	wait_queue_head_t step_wq;
	cpumask_var_t stretch_cpus;
	struct tvx_vcpu_stats stats_gone;	/* of vCPUs freed, under @lock */
	/* the attached introspection listener (memevent/), NULL if none */
	struct tvx_listener __rcu *listener;
	struct monitor_settings monitor;	/* the listener's; zero without */
	u64 request_channels;		/* VMCALL channels: bit n for RAX n */
	u32 monitor_gen;		/* bumped on every change of @monitor */
	atomic64_t event_seq;		/* the last event sequence number given */
	kuid_t owner_uid;		/* who may attach besides CAP_SYS_ADMIN */
	/* daemon-side control (control.c) */
	atomic_t pause_count;		/* every holder's pauses in all */
	struct mutex ctl_lock;		/* @pausers; keeps a vCPU in use alive */
	struct list_head pausers;	/* holders with pauses */
	wait_queue_head_t pause_wq;	/* parked vCPUs, calls waiting for one */
	bool vmx_held;			/* holds a vmx_get() reference */
	bool lapic;			/* THINVMX_DOMAIN_LAPIC (lapic/) */
	u32 lapic_bus_khz;		/* its APIC timer's clock */
	struct page *apic_access;	/* mapped at the xAPIC page: APIC virtualization */
	bool vapic;			/* its vCPUs may run with APIC virtualization */
	struct list_head node;		/* on the list of domains */
};

int tvx_create_domain(struct thinvmx_create_domain __user *uarg);
int tvx_open_domain(struct thinvmx_open_domain __user *uarg);
void tvx_domain_put(struct tvx_dom *dom);
typedef void (*tvx_domain_fn)(struct tvx_dom *dom, void *arg);
void tvx_call_each_domain(tvx_domain_fn fn, void *arg);
void tvx_reapply_mmio_all(void);
long tvx_set_cpuid(struct tvx_dom *dom, struct thinvmx_cpuid __user *uarg);
long tvx_get_cpuid(struct tvx_dom *dom, struct thinvmx_cpuid __user *uarg);
int tvx_default_cpuid(struct tvx_dom *dom);
bool tvx_gpa_to_hpa(struct tvx_dom *dom, u64 gpa, u64 *hpa);
int tvx_read_guest(struct tvx_dom *dom, u64 gpa, void *buf, unsigned int len);

/* No vCPU enters the guest while this holds (control.c). */
static inline bool tvx_dom_paused(const struct tvx_dom *dom)
{
	return atomic_read(&dom->pause_count);
}

#endif /* _THINVMX_DOMAIN_H */
