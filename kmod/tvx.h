/* SPDX-License-Identifier: GPL-2.0 */
/*
 * thinvmx internals shared by the module's files: domains, vCPUs, page
 * accounting.
 */
#ifndef _THINVMX_TVX_H
#define _THINVMX_TVX_H

#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <asm/fpu/api.h>

#include "../uapi/thinvmx.h"
#include "ept/ept_table.h"
#include "memevent/monitor.h"
#include "memmap.h"
#include "msix/ro_mmio.h"
#include "vmx/enable.h"

/* Pages the module holds, for leak checks (module parameter "pages"). */
extern atomic_long_t tvx_pages;

static inline struct page *tvx_alloc_pages(gfp_t gfp, unsigned int order)
{
	struct page *p = alloc_pages(gfp, order);

	if (p)
		atomic_long_add(1L << order, &tvx_pages);
	return p;
}

static inline void tvx_free_pages(struct page *p, unsigned int order)
{
	atomic_long_sub(1L << order, &tvx_pages);
	__free_pages(p, order);
}

extern const struct thinvmx_caps *tvx_host_caps;

/* A physically contiguous piece of guest RAM. */
struct tvx_chunk {
	u64 gfn;
	struct page *page;
	unsigned int order;
};

struct tvx_vcpu;
struct tvx_listener;

/* Basic VM exit reasons counted per vCPU (SDM Vol. 3, Appendix C) */
#define TVX_NR_EXIT_REASONS	80

/*
 * Per-vCPU counters, written only by the vCPU's own thread (no atomics on
 * the exit path) and read racily, summed over the vCPUs, by the control
 * plane.
 */
struct tvx_vcpu_stats {
	u64 exits[TVX_NR_EXIT_REASONS];	/* by basic exit reason */
	u64 events[THINVMX_EVENT_NR_REASONS][2];	/* [reason][sync] */
	u64 ring_waits;			/* waits for room in the request ring */
	u64 traps_injected;		/* INJECT_TRAP deliveries */
};

struct tvx_domain {
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
	unsigned long *dirty;		/* dirty log bitmap, by gfn */
	u64 dirty_frames;		/* bits in @dirty; 0: not logging */
	u64 max_gfn;			/* above the highest RAM frame */
	atomic64_t mem_access_violations;
	atomic64_t logdirty_faults;
	atomic64_t ram_ro_writes_discarded;
	atomic64_t mmio_ro_writes_discarded;

	struct tvx_vcpu *vcpus[THINVMX_MAX_VCPUS];
	struct tvx_vcpu_stats stats_gone;	/* of vCPUs freed, under @lock */
	/* the attached introspection listener (listener.c), NULL if none */
	struct tvx_listener __rcu *listener;
	struct monitor_settings monitor;	/* the listener's; zero without */
	u32 monitor_gen;		/* bumped on every change of @monitor */
	atomic64_t event_seq;		/* the last event sequence number given */
	kuid_t owner_uid;		/* who may attach besides CAP_SYS_ADMIN */
	bool vmx_held;			/* holds a vmx_get() reference */
	struct list_head node;		/* on the list of domains */
};

/* struct tvx_vcpu.ev_state: where the vCPU's current event is */
enum tvx_ev_state {
	TVX_EV_NONE,		/* no event */
	TVX_EV_UNSENT,		/* built; waits for room in the request ring */
	TVX_EV_WAIT,		/* sync, sent; waits for the answer */
	TVX_EV_ANSWERED,	/* ev_actions to carry out at the next entry */
};

/* Guest general registers, indexed by register number (vmenter.S). */
enum tvx_reg {
	TVX_RAX, TVX_RCX, TVX_RDX, TVX_RBX, TVX_RSP, TVX_RBP, TVX_RSI, TVX_RDI,
	TVX_R8, TVX_R9, TVX_R10, TVX_R11, TVX_R12, TVX_R13, TVX_R14, TVX_R15,
	TVX_NR_GPRS
};

/* What the next RUN must finish before entering the guest. */
enum tvx_pending {
	TVX_PENDING_NONE,
	TVX_PENDING_IO_IN,	/* write run->io.data to RAX, skip the IN */
	TVX_PENDING_SKIP,	/* skip the instruction (OUT, MMIO write) */
	TVX_PENDING_MMIO_READ,	/* merge run->mmio.data, skip the load */
	TVX_PENDING_STR_IN,	/* store an INS element, step (exit.c) */
	TVX_PENDING_STR_OUT,	/* step past an OUTS element */
};

struct tvx_vcpu {
	struct tvx_domain *dom;
	u32 id;
	u16 vpid;
	struct mutex run_lock;		/* one RUN or register access at a time */

	struct vmx_loaded_vmcs vmcs;
	struct thinvmx_run *run;	/* the mmap'd page */
	struct page *run_page;

	u64 gprs[TVX_NR_GPRS];
	struct fpu_guest gfpu;
	u64 xcr0;			/* guest XCR0 */
	u64 kernel_gs_base;		/* guest IA32_KERNEL_GS_BASE */

	enum tvx_pending pending;
	u8 pending_len;			/* length of the instruction to skip */
	u8 mmio_insn[16];		/* decoded load, for TVX_PENDING_MMIO_READ */
	struct {			/* the element of INS/OUTS at the VMM */
		u64 gpa;		/* INS: where it goes */
		u64 mask;		/* the address size's RSI/RDI/RCX bits */
		s64 step;		/* +size, or -size with RFLAGS.DF */
		bool rep;
	} str;

	/*
	 * A write to a read-only frame by an instruction the decoder does not
	 * know: the frame's leaf points at the scratch page for one
	 * single-stepped instruction (exit.c).
	 */
	bool ss_active;
	bool ss_guest_tf;		/* the guest had RFLAGS.TF itself */
	bool ss_mtf;			/* by the monitor trap flag, not TF */
	bool ss_swapped;		/* ss_gpa's leaf is ss_step_leaf for the step */
	u64 ss_gpa;
	u64 ss_saved_leaf;
	u64 ss_step_leaf;

	/*
	 * A single step (RFLAGS.TF, #DB intercepted; exit.c) that also asks
	 * for a SINGLESTEP event when it is done
	 */
	bool ss_report;

	/* introspection (listener.c); all but @lsn only by the vCPU's thread */
	struct tvx_listener *lsn;	/* a reference, NULL if none taken */
	u32 monitor_gen;		/* the settings the VMCS has */
	u64 cr0_mask, cr4_mask;		/* the VMCS's guest/host masks */
	u64 cr0_shadow, cr4_shadow;	/* and read shadows */
	u8 ev_state;			/* TVX_EV_* */
	u8 ev_insn_len;			/* the event's instruction */
	u8 ev_cr;			/* CR events: the register */
	u16 ev_reason;			/* THINVMX_EVENT_* */
	u32 ev_flags;			/* THINVMX_EVENT_F_* */
	u32 ev_actions;			/* MONITOR_ACT_* of the answer */
	u32 spin_ns;			/* how long to poll for the next answer */
	u64 ev_seq;
	u64 ev_rip, ev_rflags, ev_cr0;	/* at the event */
	u64 ev_cr_new;			/* CR events: the held value */
	u64 ev_gpa;			/* MEM_ACCESS, RO_MMIO_WRITE */
	struct thinvmx_regs ev_regs;	/* the answer's registers */
	/*
	 * The record being written: a request ring slot (an async event
	 * while the ring has room) or @ev. Written only, never read back:
	 * the listener can write the slot too. The fields above are the
	 * module's own copy of what it needs.
	 */
	struct thinvmx_event *ev_rec;
	struct thinvmx_event ev;	/* a record that waits for room or an answer */

	/* INJECT_TRAP: one trap waiting for the next entry, under trap_lock */
	spinlock_t trap_lock;
	bool trap_queued;
	bool trap_settled;		/* merged already: goes in as it is */
	/*
	 * Paused on an event (between the exit that waits and the next
	 * entry): the VM-entry event fields as they were, so that a trap
	 * injected meanwhile is settled at once.
	 */
	bool paused;
	u8 paused_len;
	u32 paused_intr, paused_err;
	u8 trap[32];			/* struct inject_event (memevent/inject.h) */
	int running_cpu;		/* CPU in the run loop, -1 when not */

	bool stopped;			/* shutdown, internal error, failed entry */
	u32 stop_reason;		/* THINVMX_EXIT_* that stopped it */
	bool l1d_flush_needed;
	u64 exits;
	struct tvx_vcpu_stats stats;

	/* the exit being handled */
	u32 exit_reason;
	u32 exit_intr_info;

	/* guest state the VMCS does not hold */
	u64 cr2;
	u64 star, lstar, cstar, sfmask;
	u64 dr[4], dr6;
	u64 mtrr_def_type;

	/* host state last written to this VMCS */
	int host_cpu;
	unsigned long host_cr3, host_cr4, host_fs_base;
};

int tvx_create_domain(struct thinvmx_create_domain __user *uarg);
int tvx_open_domain(struct thinvmx_open_domain __user *uarg);

/* p2m_ops.c */
long tvx_set_mem(struct tvx_domain *dom, struct thinvmx_mem_range __user *uarg,
		 bool is_type);
long tvx_get_mem_access(struct tvx_domain *dom,
			struct thinvmx_mem_query __user *uarg);
long tvx_change_type_global(struct tvx_domain *dom,
			    struct thinvmx_type_change __user *uarg);
long tvx_dirty_log(struct tvx_domain *dom, struct thinvmx_dirty_log __user *uarg);
long tvx_map_mmio(struct tvx_domain *dom, struct thinvmx_map_mmio __user *uarg);
long tvx_get_domain_info(struct tvx_domain *dom,
			 struct thinvmx_domain_info __user *uarg);
long tvx_inject_trap(struct tvx_domain *dom,
		     struct thinvmx_inject_trap __user *uarg);
void tvx_logdirty_mark(struct tvx_domain *dom, u64 gfn);
int tvx_map_mmio_frames(struct tvx_domain *dom, u64 gfn, u64 mfn, u64 nr);
typedef void (*tvx_domain_fn)(struct tvx_domain *dom, void *arg);
void tvx_call_each_domain(tvx_domain_fn fn, void *arg);
void tvx_domain_put(struct tvx_domain *dom);
int tvx_create_vcpu(struct tvx_domain *dom, struct thinvmx_create_vcpu __user *uarg);
void tvx_vcpu_free(struct tvx_vcpu *vcpu);
bool tvx_gpa_to_hpa(struct tvx_domain *dom, u64 gpa, u64 *hpa);

#endif /* _THINVMX_TVX_H */
