/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * thinvmx user ABI, introspection: what a listener monitors, the event
 * rings in its mmap and their records (Xen vm_event style; reference 002),
 * the answers, trap injection, and the ioctls 0x30-0x34 that go with them
 * (the command table is in thinvmx.h). The rules of thinvmx.h hold here.
 *
 * thinvmx.h includes this header; included on its own it brings in
 * thinvmx.h, which defines what this one builds on: THINVMX_IOC_MAGIC,
 * struct thinvmx_regs and static_assert.
 */
#ifndef _UAPI_LINUX_THINVMX_INTROSPECT_H
#define _UAPI_LINUX_THINVMX_INTROSPECT_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#include "thinvmx.h"

/*
 * Introspection.
 *
 * THINVMX_ATTACH_MONITOR returns the domain's single listener fd (a second
 * gets -EBUSY while the first is open); only the domain's owner or
 * CAP_SYS_ADMIN may attach. Monitor settings live on the listener: they
 * start disabled, only the listener changes them, and when it closes every
 * kind goes back to disabled and every paused vCPU resumes as if answered
 * "continue" (INT3 re-injected, CR writes allowed).
 */

/* Event kinds a listener can monitor; each has a mode and flags. */
#define THINVMX_MONITOR_CR0		1  /* MOV to CR0, CLTS, LMSW */
#define THINVMX_MONITOR_CR3		2  /* MOV to CR3 */
#define THINVMX_MONITOR_CR4		3  /* MOV to CR4 */
#define THINVMX_MONITOR_INT3		4  /* INT3 (0xcc): #BP */
#define THINVMX_MONITOR_MEM_ACCESS	5  /* an access right was violated */
#define THINVMX_MONITOR_RO_MMIO_WRITE	6  /* a write to read-only MMIO, discarded */
/* 7 is no kind: THINVMX_EVENT_SINGLESTEP, which is not monitored */
#define THINVMX_MONITOR_MSR		8  /* WRMSR to a watched MSR (thinvmx_monitor.msr) */
#define THINVMX_MONITOR_NR_KINDS	9

/* struct thinvmx_monitor.mode */
#define THINVMX_MONITOR_MODE_DISABLED	0
#define THINVMX_MONITOR_MODE_ASYNC	1  /* report; the vCPU goes on */
#define THINVMX_MONITOR_MODE_SYNC	2  /* report; the vCPU waits for the answer */

/*
 * struct thinvmx_monitor.flags. ON_CHANGE_ONLY: no event for a write of the
 * value the register already holds; CR0, CR3, CR4 and MSR only (-EINVAL
 * for the other kinds). A MOV to CR0 or CR4 that changes no bit does not
 * leave the guest at all (SDM Vol. 3, 26.1.3), so CR0 and CR4 events
 * report changes only in either case; CR3 sees every load.
 */
#define THINVMX_MONITOR_F_ON_CHANGE_ONLY	_BITUL(0)

/*
 * THINVMX_SET_MONITOR / THINVMX_GET_MONITOR (kind in, mode and flags out).
 *
 * THINVMX_MONITOR_MSR watches one MSR per call, named by msr (Xen's
 * vm_event mov_to_msr): up to THINVMX_MONITOR_MSRS of them at once
 * (-ENOSPC beyond), each with its own mode; mode DISABLED takes it out of
 * the set. GET_MONITOR with kind MSR takes msr in too (DISABLED when not
 * watched). A sync MSR event holds the write until the answer, as a CR
 * event does (DENY drops it); an async one reports it done. For the other
 * kinds msr must be zero.
 */
#define THINVMX_MONITOR_MSRS		16

struct thinvmx_monitor {
	__u32 kind;		/* THINVMX_MONITOR_CR0 .. MSR, not 7 */
	__u32 mode;		/* THINVMX_MONITOR_MODE_* */
	__u32 flags;		/* THINVMX_MONITOR_F_* */
	__u32 msr;		/* kind MSR: the MSR's index; else zero */
	__u64 reserved[2];	/* zero */
};

/*
 * Event rings, in the listener fd's mmap (offset 0, attach.mmap_size
 * bytes). Every vCPU id below attach.nr_vcpus has one request ring
 * (module -> listener, struct thinvmx_event records) and one response ring
 * (listener -> module, struct thinvmx_response records), so each vCPU is
 * served on its own. vCPU v's block starts at v * THINVMX_RING_VCPU_SIZE:
 *
 *   +0                                request ring header (one page)
 *   +PAGE                             request slots (256 << slots_log2 bytes)
 *   +PAGE + (256 << slots_log2)       response ring header (one page)
 *   +2 * PAGE + (256 << slots_log2)   response slots (256 << slots_log2 bytes)
 *
 * prod and cons are free-running __u64 counters (they never wrap back to
 * slot 0 themselves); record i lives in slot i & ((1 << slots_log2) - 1);
 * cons <= prod <= cons + (1 << slots_log2), in modulo 2^64 arithmetic.
 * Each side writes only its own index, with a release store after writing
 * the records, and reads the other side's with an acquire load (perf's
 * ring-buffer pairing). The module never trusts what the listener writes:
 * an index outside that window breaks the listener (-EPROTO), and records
 * are copied out before they are checked.
 *
 * A full request ring makes the vCPU wait for room, async events too; no
 * event is dropped (host mode excepted: a host CPU cannot wait, see
 * THINVMX_HOST_ATTACH in thinvmx.h; it counts the event in lost) --
 * unless the listener set a sync timeout (THINVMX_SET_SYNC_TIMEOUT): a
 * vCPU that waited that long for room or for an answer goes on with the
 * event's default answer (as if no listener were attached), and the
 * request ring's timeouts counts it; an answer that comes later is
 * refused. full_waits counts the waits for room.
 */
#define THINVMX_RING_PAGE_SIZE		4096
#define THINVMX_RING_SLOTS_LOG2_MIN	12	/* 4096 slots */
#define THINVMX_RING_SLOTS_LOG2_DEFAULT	12
#define THINVMX_RING_SLOTS_LOG2_MAX	16	/* 65536 slots, 16 MiB a ring */
#define THINVMX_RING_RECORD_SIZE	256	/* both record structs */
#define THINVMX_RING_VCPU_SIZE(slots_log2) \
	(2 * (THINVMX_RING_PAGE_SIZE + \
	      ((__u64)THINVMX_RING_RECORD_SIZE << (slots_log2))))

struct thinvmx_ring_header {
	__u64 prod;		/* written by the producer only */
	__u64 pad0[7];		/* prod and cons: a cache line each */
	__u64 cons;		/* written by the consumer only */
	__u64 pad1[7];
	/* written by the module when the ring is made */
	__u32 slots_log2;	/* 1 << slots_log2 slots */
	__u32 slot_size;	/* THINVMX_RING_RECORD_SIZE */
	__u32 vcpu;		/* the vCPU this ring serves */
	__u32 pad;
	__u64 full_waits;	/* request ring: times the vCPU waited for room */
	__u64 refused;		/* response ring: answers refused and skipped */
	__u64 timeouts;		/* request ring: waits the sync timeout ended */
	__u64 lost;		/* request ring, host mode: events a full ring dropped */
	__u64 reserved[2];
};

/* THINVMX_ATTACH_MONITOR */
struct thinvmx_attach_monitor {
	__u32 slots_log2;	/* in: 0 for the default, else MIN..MAX */
	/*
	 * in: 0 for the domain's vCPU ids so far (at least 1), else a count
	 * not below them; out: vCPU ids 0..nr_vcpus-1 have rings. Creating
	 * a vCPU with a higher id while the listener is attached: -EBUSY.
	 */
	__u32 nr_vcpus;
	__u64 mmap_size;	/* out: nr_vcpus * THINVMX_RING_VCPU_SIZE() */
	__u64 reserved[2];	/* zero */
};

/* THINVMX_MONITOR_DOORBELL: a batch of answers is in the response rings. */
struct thinvmx_doorbell {
	__u64 vcpu_mask;	/* bit v: vCPU v's response ring has new records */
	__u64 reserved[3];	/* zero */
};

#define THINVMX_EVENT_VERSION		1

/* struct thinvmx_event.reason: a monitored kind reports under its number */
#define THINVMX_EVENT_CR0		THINVMX_MONITOR_CR0
#define THINVMX_EVENT_CR3		THINVMX_MONITOR_CR3
#define THINVMX_EVENT_CR4		THINVMX_MONITOR_CR4
#define THINVMX_EVENT_INT3		THINVMX_MONITOR_INT3
#define THINVMX_EVENT_MEM_ACCESS	THINVMX_MONITOR_MEM_ACCESS
#define THINVMX_EVENT_RO_MMIO_WRITE	THINVMX_MONITOR_RO_MMIO_WRITE
#define THINVMX_EVENT_SINGLESTEP	7  /* the step an answer asked for; always sync */
#define THINVMX_EVENT_MSR		THINVMX_MONITOR_MSR
#define THINVMX_EVENT_NR_REASONS	9

/* struct thinvmx_event.flags */
#define THINVMX_EVENT_F_SYNC		_BITUL(0)  /* the vCPU waits for the answer to seq */
#define THINVMX_EVENT_F_GFN_VALID	_BITUL(1)
#define THINVMX_EVENT_F_GLA_VALID	_BITUL(2)
#define THINVMX_EVENT_F_IN_WALK		_BITUL(3)  /* MEM_ACCESS: the CPU's own page walk */
/*
 * Host mode: a guard policy refused this write (THINVMX_HOST_PIN_*): a CR
 * write went on with the pinned bits kept set, a WRMSR was dropped. Sent
 * whether or not the kind is monitored, while a listener is attached.
 */
#define THINVMX_EVENT_F_DENIED		_BITUL(4)
#define THINVMX_EVENT_F_OLD_VALID	_BITUL(5)  /* MSR: old_value is valid */

/* What the guest attempted: the access fields of the payloads */
#define THINVMX_EVENT_ACCESS_R		_BITUL(0)
#define THINVMX_EVENT_ACCESS_W		_BITUL(1)
#define THINVMX_EVENT_ACCESS_X		_BITUL(2)

/* CR0, CR3, CR4. A sync event holds the write until the answer. */
struct thinvmx_event_cr {
	__u64 new_value;	/* what the guest writes */
	__u64 old_value;	/* what the register holds */
};

/* MEM_ACCESS */
struct thinvmx_event_mem_access {
	__u64 gfn;		/* valid if THINVMX_EVENT_F_GFN_VALID (always) */
	__u64 gla;		/* valid if THINVMX_EVENT_F_GLA_VALID */
	__u32 offset;		/* valid if THINVMX_EVENT_F_GFN_VALID: in the frame */
	__u8 access;		/* THINVMX_EVENT_ACCESS_*: attempted */
	__u8 right;		/* THINVMX_ACCESS_*: the frame's right at the time */
	__u16 pad;
};

/* INT3: the vCPU stands on the INT3 instruction */
struct thinvmx_event_int3 {
	__u64 gfn;		/* valid if THINVMX_EVENT_F_GFN_VALID (the walk worked) */
	__u64 gla;		/* valid if THINVMX_EVENT_F_GLA_VALID (always) */
	__u32 offset;		/* valid if THINVMX_EVENT_F_GLA_VALID: gla & 0xfff */
	__u8 insn_len;		/* 1 */
	__u8 access;		/* THINVMX_EVENT_ACCESS_X: a fetch */
	__u8 pad[2];
};

/* RO_MMIO_WRITE: the write was discarded; the guest went on or waits */
struct thinvmx_event_ro_mmio {
	__u64 gfn;		/* valid if THINVMX_EVENT_F_GFN_VALID (always) */
	__u64 gla;		/* valid if THINVMX_EVENT_F_GLA_VALID */
	__u64 mfn;		/* valid if THINVMX_EVENT_F_GFN_VALID: the host frame */
	__u32 offset;		/* valid if THINVMX_EVENT_F_GFN_VALID: in the frame */
	__u32 pad;
};

/* MSR: a WRMSR of a watched MSR (or one a guard policy pins) */
struct thinvmx_event_msr {
	__u32 msr;		/* ECX */
	__u32 pad;
	__u64 new_value;	/* EDX:EAX: what the guest writes */
	__u64 old_value;	/* valid if THINVMX_EVENT_F_OLD_VALID */
};

/* A request ring record. Bytes not valid for its reason and flags are 0. */
struct thinvmx_event {
	__u16 version;		/* THINVMX_EVENT_VERSION */
	__u16 reason;		/* THINVMX_EVENT_* */
	__u32 flags;		/* THINVMX_EVENT_F_* */
	__u32 vcpu;		/* the vCPU id */
	__u32 pad;
	__u64 seq;		/* per domain: 1, 2, 3, ... across all vCPUs */
	struct thinvmx_regs regs;	/* at the event (RIP: the instruction) */
	__u64 cr0;		/* at the event: before a CR write */
	__u64 cr3;
	__u64 cr4;
	union {
		struct thinvmx_event_cr cr;		/* valid if reason is CR0, CR3, CR4 */
		struct thinvmx_event_mem_access mem_access; /* valid if MEM_ACCESS */
		struct thinvmx_event_int3 int3;		/* valid if INT3 */
		struct thinvmx_event_ro_mmio ro_mmio;	/* valid if RO_MMIO_WRITE */
		struct thinvmx_event_msr msr;		/* valid if MSR */
		__u64 raw[8];
	} u;
};

/*
 * struct thinvmx_response.flags: what the vCPU does when it resumes, in
 * this order: SET_REGS, then the event's instruction (a CR write completes
 * unless DENY; INT3 stays, is skipped with SKIP or delivered with
 * REINJECT), then SINGLESTEP. No flags: continue (the CR write happens;
 * the INT3 executes again unless the listener removed it).
 *
 *   CR0, CR3, CR4, MSR          DENY, SET_REGS, SINGLESTEP
 *   INT3                        REINJECT or SKIP or SINGLESTEP, SET_REGS
 *   MEM_ACCESS, RO_MMIO_WRITE,
 *   SINGLESTEP                  SET_REGS, SINGLESTEP
 *
 * MEM_ACCESS: with no flags the access is retried with whatever right the
 * frame has by then (the listener changes it with SET_MEM_ACCESS before
 * answering); SINGLESTEP executes the instruction once with the access
 * allowed and reports that step. An async MEM_ACCESS event lets the
 * access happen once the same way. During that one instruction other
 * vCPUs may reach the frame unreported.
 * RO_MMIO_WRITE: the write is discarded either way; SINGLESTEP reports the
 * instruction after it (or the write itself, when it is one the module
 * discards by stepping it against a scratch page).
 * The step uses the monitor trap flag where the CPU has one, else
 * RFLAGS.TF with #DB intercepted (a PUSHF in that instruction sees TF).
 */
#define THINVMX_RESPONSE_REINJECT	_BITUL(0)  /* INT3: deliver #BP to the guest */
#define THINVMX_RESPONSE_SKIP		_BITUL(1)  /* INT3: go on after the INT3 */
#define THINVMX_RESPONSE_DENY		_BITUL(2)  /* CR, MSR: the guest keeps its old value */
#define THINVMX_RESPONSE_SET_REGS	_BITUL(3)  /* load regs first */
#define THINVMX_RESPONSE_SINGLESTEP	_BITUL(4)  /* one instruction, then a SINGLESTEP event */
#define THINVMX_RESPONSE_FLAGS		0x1f

/*
 * A response ring record: the answer to the sync event seq of vCPU vcpu.
 * -EINVAL for a malformed record or an answer nobody waits for (the event
 * was async, or is answered already), -ESRCH for a seq other than the
 * one the vCPU waits for; either is counted (the response ring header's
 * refused), and the record skipped.
 */
struct thinvmx_response {
	__u16 version;		/* THINVMX_EVENT_VERSION */
	__u16 reason;		/* the event's reason */
	__u32 flags;		/* THINVMX_RESPONSE_* */
	__u32 vcpu;		/* the event's vCPU: the ring's own */
	__u32 pad;		/* zero */
	__u64 seq;		/* the event's seq */
	struct thinvmx_regs regs;	/* valid if THINVMX_RESPONSE_SET_REGS */
	__u64 reserved[11];	/* zero */
};

/*
 * THINVMX_INJECT_TRAP: one trap for a vCPU's next VM entry; -EBUSY while
 * one is queued, -EINVAL for a combination the CPU cannot deliver:
 *
 *   HW_EXCEPTION  vector 0-21 except 2 (NMI), 9 and 15 (reserved); an
 *                 error code exactly for 8, 10-14, 17 and 21, below
 *                 0x10000, and 0 for 8 and 17; CR2 for 14 only
 *   SW_EXCEPTION  vector 3 (INT3) or 4 (INTO); insn_len 1-15
 *   SW_INTERRUPT  any vector (INT n); insn_len 1-15
 *   NMI           vector 2
 *
 * insn_len is 0 for the other types; error_code and cr2 are 0 unless
 * their flag is set. An event the vCPU was delivering when it left the
 * guest is never overwritten: the two combine by the SDM's double-fault
 * rules (Vol. 3, Table 6-5) or the new trap waits for the following entry.
 * result says which when the vCPU is paused on an event (a sync event
 * waiting for its answer, or an event waiting for room): the trap is
 * then settled at once against the event its next entry delivers anyway,
 * and goes in as settled. QUEUED otherwise: the vCPU runs, and the rule
 * is applied at its next entry. An INT3 answered REINJECT after a trap
 * was settled is not delivered; the trap is, and the INT3 runs again
 * when the guest returns to it.
 */
#define THINVMX_TRAP_HW_EXCEPTION	1
#define THINVMX_TRAP_SW_EXCEPTION	2
#define THINVMX_TRAP_SW_INTERRUPT	3
#define THINVMX_TRAP_NMI		4

#define THINVMX_TRAP_F_ERROR_CODE	_BITUL(0)
#define THINVMX_TRAP_F_CR2		_BITUL(1)

#define THINVMX_TRAP_RESULT_QUEUED	0  /* settled at the next entry */
#define THINVMX_TRAP_RESULT_DELIVERED	1  /* nothing pending: delivered as asked */
#define THINVMX_TRAP_RESULT_MERGED_DF	2  /* with the pending event: #DF(0) */
#define THINVMX_TRAP_RESULT_WAIT	3  /* the pending event first, then this */
#define THINVMX_TRAP_RESULT_SHUTDOWN	4  /* meets a pending #DF: the vCPU shuts down */

struct thinvmx_inject_trap {
	__u32 vcpu;		/* vCPU id */
	__u8 vector;
	__u8 type;		/* THINVMX_TRAP_HW_EXCEPTION .. NMI */
	__u8 insn_len;		/* SW_EXCEPTION, SW_INTERRUPT: 1-15 */
	__u8 flags;		/* THINVMX_TRAP_F_* */
	__u32 error_code;	/* valid if THINVMX_TRAP_F_ERROR_CODE */
	__u32 result;		/* out: THINVMX_TRAP_RESULT_* */
	__u64 cr2;		/* valid if THINVMX_TRAP_F_CR2 */
	__u64 reserved[2];	/* zero */
};

static_assert(sizeof(struct thinvmx_monitor) == 32,
	      "struct thinvmx_monitor layout");
static_assert(sizeof(struct thinvmx_ring_header) == 192,
	      "struct thinvmx_ring_header layout");
static_assert(sizeof(struct thinvmx_attach_monitor) == 32,
	      "struct thinvmx_attach_monitor layout");
static_assert(sizeof(struct thinvmx_doorbell) == 32,
	      "struct thinvmx_doorbell layout");
static_assert(sizeof(struct thinvmx_event_cr) == 16,
	      "struct thinvmx_event_cr layout");
static_assert(sizeof(struct thinvmx_event_mem_access) == 24,
	      "struct thinvmx_event_mem_access layout");
static_assert(sizeof(struct thinvmx_event_int3) == 24,
	      "struct thinvmx_event_int3 layout");
static_assert(sizeof(struct thinvmx_event_ro_mmio) == 32,
	      "struct thinvmx_event_ro_mmio layout");
static_assert(sizeof(struct thinvmx_event_msr) == 24,
	      "struct thinvmx_event_msr layout");
static_assert(sizeof(struct thinvmx_event) == THINVMX_RING_RECORD_SIZE,
	      "struct thinvmx_event layout");
static_assert(sizeof(struct thinvmx_response) == THINVMX_RING_RECORD_SIZE,
	      "struct thinvmx_response layout");
static_assert(sizeof(struct thinvmx_inject_trap) == 40,
	      "struct thinvmx_inject_trap layout");

#define THINVMX_ATTACH_MONITOR \
	_IOWR(THINVMX_IOC_MAGIC, 0x30, struct thinvmx_attach_monitor)
#define THINVMX_INJECT_TRAP \
	_IOWR(THINVMX_IOC_MAGIC, 0x31, struct thinvmx_inject_trap)
#define THINVMX_SET_MONITOR \
	_IOW(THINVMX_IOC_MAGIC, 0x32, struct thinvmx_monitor)
#define THINVMX_GET_MONITOR \
	_IOWR(THINVMX_IOC_MAGIC, 0x33, struct thinvmx_monitor)
#define THINVMX_MONITOR_DOORBELL \
	_IOW(THINVMX_IOC_MAGIC, 0x34, struct thinvmx_doorbell)
/*
 * On the domain fd, for its owner (or CAP_SYS_ADMIN): detach whatever
 * listener is attached, as if its fd were closed; that fd then fails
 * every call with -ENODEV and polls EPOLLERR. -ENOENT without a listener.
 */
#define THINVMX_DETACH_MONITOR \
	_IO(THINVMX_IOC_MAGIC, 0x35)
/* On the listener fd: the sync timeout in ns, 0 for none (the default) */
#define THINVMX_SET_SYNC_TIMEOUT \
	_IOW(THINVMX_IOC_MAGIC, 0x36, __u64)
#define THINVMX_SYNC_TIMEOUT_MAX	(3600ULL * 1000000000ULL)	/* an hour */

#endif /* _UAPI_LINUX_THINVMX_INTROSPECT_H */
