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
/* Xen's other vm_event kinds; domains only (host mode: -EOPNOTSUPP) */
#define THINVMX_MONITOR_XCR0		9  /* XSETBV of XCR0 */
#define THINVMX_MONITOR_CPUID		10 /* CPUID */
#define THINVMX_MONITOR_DESC_ACCESS	11 /* LGDT LIDT LLDT LTR SGDT SIDT SLDT STR */
#define THINVMX_MONITOR_DEBUG		12 /* #DB the guest raised itself */
#define THINVMX_MONITOR_GUEST_REQUEST	13 /* VMCALL on an allowed channel */
#define THINVMX_MONITOR_IO		14 /* IN, OUT, INS, OUTS */
#define THINVMX_MONITOR_NR_KINDS	15

/* struct thinvmx_monitor.mode */
#define THINVMX_MONITOR_MODE_DISABLED	0
#define THINVMX_MONITOR_MODE_ASYNC	1  /* report; the vCPU goes on */
#define THINVMX_MONITOR_MODE_SYNC	2  /* report; the vCPU waits for the answer */

/*
 * struct thinvmx_monitor.flags. ON_CHANGE_ONLY: no event for a write of the
 * value the register already holds; CR0, CR3, CR4, MSR and XCR0 only
 * (-EINVAL for the other kinds). A MOV to CR0 or CR4 that changes no bit does not
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
#define THINVMX_EVENT_XCR0		THINVMX_MONITOR_XCR0
#define THINVMX_EVENT_CPUID		THINVMX_MONITOR_CPUID
#define THINVMX_EVENT_DESC_ACCESS	THINVMX_MONITOR_DESC_ACCESS
#define THINVMX_EVENT_DEBUG		THINVMX_MONITOR_DEBUG
#define THINVMX_EVENT_GUEST_REQUEST	THINVMX_MONITOR_GUEST_REQUEST
#define THINVMX_EVENT_IO		THINVMX_MONITOR_IO
#define THINVMX_EVENT_NR_REASONS	15

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

/* CR0, CR3, CR4, XCR0. A sync event holds the write until the answer. */
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

/*
 * The kinds of Xen's monitor beyond CR, INT3, mem_access and MSR. Each is
 * off, async or sync; an async event reports what happened (the
 * instruction done, the #DB delivered, the port access gone to the VMM),
 * a sync one holds it until the answer (the table above struct
 * thinvmx_response). Faults come first: an instruction the CPU would
 * fault (an XSETBV of an invalid XCR0, an LGDT at CPL 3, an operand the
 * guest cannot reach) raises its exception and is no event.
 *
 * XCR0 (XSETBV with ECX 0): struct thinvmx_event_cr, new_value what
 * EDX:EAX write, old_value what XCR0 holds. ON_CHANGE_ONLY allowed.
 */

/* CPUID: regs.rax/rcx are the leaf and subleaf as the guest gave them */
struct thinvmx_event_cpuid {
	__u32 leaf;		/* EAX */
	__u32 subleaf;		/* ECX */
	__u32 eax;		/* the result the module computed */
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
	__u8 insn_len;		/* 2 */
	__u8 pad[7];
};

/*
 * DESC_ACCESS: with descriptor-table exiting on (only while the kind is
 * monitored; SET_MONITOR says -EOPNOTSUPP where the CPU lacks it), the
 * module carries out these instructions itself, with the CPU's checks
 * (CPL, UMIP, real and virtual-8086 mode, the descriptor LLDT and LTR
 * load, canonical addresses, the operand through the guest's page
 * tables) and their #GP, #NP, #PF, #SS, #UD. A load (LGDT, LIDT, LLDT,
 * LTR: THINVMX_DESC_F_LOAD) reports the value it loads, a store what it
 * stores; old_* are what the register holds. LTR sets the busy bit in
 * the GDT as the CPU does, when the load happens.
 */
#define THINVMX_DESC_IDTR		1	/* LIDT, SIDT */
#define THINVMX_DESC_GDTR		2	/* LGDT, SGDT */
#define THINVMX_DESC_LDTR		3	/* LLDT, SLDT */
#define THINVMX_DESC_TR			4	/* LTR, STR */

#define THINVMX_DESC_F_LOAD		_BITUL(0)  /* the register is written */
#define THINVMX_DESC_F_MEM		_BITUL(1)  /* the operand is in memory, at gla */

struct thinvmx_event_desc {
	__u8 descriptor;	/* THINVMX_DESC_* */
	__u8 flags;		/* THINVMX_DESC_F_* */
	__u8 insn_len;
	__u8 pad;
	__u32 instr_info;	/* the VM-exit instruction information */
	__u64 exit_qualification;	/* the operand's displacement */
	__u64 gla;		/* valid if THINVMX_DESC_F_MEM */
	__u64 base;		/* GDTR, IDTR: loaded or stored */
	__u64 old_base;
	__u32 limit;		/* GDTR, IDTR: loaded or stored */
	__u32 old_limit;
	__u16 selector;		/* LDTR, TR: loaded or stored */
	__u16 old_selector;
	__u32 pad2;
};

/*
 * DEBUG: a #DB of the guest's own (its RFLAGS.TF, ICEBP, a pending debug
 * exception), never one the module's single step alone raised. The
 * guest's breakpoints in DR0-DR3 are not armed (DESIGN.md), so B0-B3 do
 * not occur.
 */
#define THINVMX_DEBUG_F_ICEBP		_BITUL(0)  /* INT1 (0xf1): a trap after it */
#define THINVMX_DEBUG_F_MODULE_STEP	_BITUL(1)  /* the module stepped this instruction too */

struct thinvmx_event_debug {
	__u64 pending_dbg;	/* the exit qualification: DR6's B0-B3, BD, BS */
	__u64 dr6;		/* the guest's DR6 as its handler will read it */
	__u8 insn_len;		/* ICEBP: 1; else 0 */
	__u8 flags;		/* THINVMX_DEBUG_F_* */
	__u8 pad[6];
};

/*
 * GUEST_REQUEST: a VMCALL at CPL 0 with RAX a channel the domain's owner
 * allowed (THINVMX_SET_GUEST_REQUEST; none by default), as Xen takes
 * hypercalls from the guest's kernel only. The guest's registers are the
 * request (regs). Any other VMCALL raises #UD, as it always did; one on an
 * allowed channel while the kind is off completes with no effect.
 */
struct thinvmx_event_guest_request {
	__u64 channel;		/* RAX */
	__u8 insn_len;		/* 3 */
	__u8 pad[7];
};

/*
 * IO: port I/O, reported before the VMM sees it. One event per element
 * of a string form (as the VMM sees them).
 */
#define THINVMX_IO_F_IN			_BITUL(0)  /* IN, INS; else OUT, OUTS */
#define THINVMX_IO_F_STRING		_BITUL(1)  /* INS, OUTS */
#define THINVMX_IO_F_REP		_BITUL(2)

struct thinvmx_event_io {
	__u16 port;
	__u8 size;		/* 1, 2 or 4 */
	__u8 flags;		/* THINVMX_IO_F_* */
	__u8 insn_len;
	__u8 pad[3];
	__u64 value;		/* OUT: what is written; else 0 */
	__u64 gla;		/* string forms: the element's linear address */
};

/* A request ring record. Bytes not valid for its reason and flags are 0. */
struct thinvmx_event {
	__u16 version;		/* THINVMX_EVENT_VERSION */
	__u16 reason;		/* THINVMX_EVENT_* */
	__u32 flags;		/* THINVMX_EVENT_F_* */
	__u32 vcpu;		/* the vCPU id */
	__u32 view;		/* the vCPU's view at the event (0: the p2m) */
	__u64 seq;		/* per domain: 1, 2, 3, ... across all vCPUs */
	struct thinvmx_regs regs;	/* at the event (RIP: the instruction) */
	__u64 cr0;		/* at the event: before a CR write */
	__u64 cr3;
	__u64 cr4;
	union {
		struct thinvmx_event_cr cr;		/* valid if CR0, CR3, CR4, XCR0 */
		struct thinvmx_event_mem_access mem_access; /* valid if MEM_ACCESS */
		struct thinvmx_event_int3 int3;		/* valid if INT3 */
		struct thinvmx_event_ro_mmio ro_mmio;	/* valid if RO_MMIO_WRITE */
		struct thinvmx_event_msr msr;		/* valid if MSR */
		struct thinvmx_event_cpuid cpuid;	/* valid if CPUID */
		struct thinvmx_event_desc desc;		/* valid if DESC_ACCESS */
		struct thinvmx_event_debug debug;	/* valid if DEBUG */
		struct thinvmx_event_guest_request guest_request; /* valid if GUEST_REQUEST */
		struct thinvmx_event_io io;		/* valid if IO */
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
 *   CR0, CR3, CR4, MSR, XCR0    DENY, SET_REGS, SINGLESTEP
 *   INT3                        REINJECT or SKIP or SINGLESTEP, SET_REGS
 *   MEM_ACCESS, RO_MMIO_WRITE,
 *   SINGLESTEP                  SET_REGS, SINGLESTEP
 *   CPUID, GUEST_REQUEST        SET_REGS, SINGLESTEP
 *   DESC_ACCESS                 DENY, SET_REGS, SINGLESTEP
 *   DEBUG                       REINJECT, SET_REGS
 *   IO                          DENY, SET_REGS
 *
 * The kinds from XCR0 on, answered (and with nobody to answer: no
 * listener any more, or the sync timeout):
 *   XCR0         as a CR: written unless DENY, RIP past the XSETBV.
 *   CPUID        the module's result in RAX, RBX, RCX, RDX (zero-extended)
 *                -- with SET_REGS the answer's registers instead: the
 *                guest sees the low 32 bits of the answer's RAX..RDX as
 *                the result -- then RIP past the CPUID (the answer's RIP
 *                + insn_len with SET_REGS: leave it at the event's).
 *   DESC_ACCESS  done (the value reported loaded or stored) unless DENY:
 *                then nothing is loaded or stored; RIP past it either way.
 *   DEBUG        REINJECT: the #DB goes to the guest (DR6 as reported);
 *                without it the #DB is dropped and the guest goes on (after
 *                an ICEBP, after it). Nobody to answer: delivered.
 *   GUEST_REQUEST  RIP past the VMCALL; SET_REGS is the reply.
 *   IO           DENY: an OUT (OUTS element) is dropped, an IN (INS
 *                element) reads all ones; the VMM never sees it, RIP moves
 *                on (a REP string form element by element). Else the
 *                instruction runs again, with the answer's registers, and
 *                goes to the VMM unreported (nobody to answer: the same).
 * An async event of these kinds is sent after the fact: the write done,
 * the module's CPUID result given, the instruction carried out, the #DB
 * delivered, the VMCALL completed; an async IO event goes to the VMM.
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
 *
 * Views (THINVMX_VIEW_CREATE below), any reason:
 * SWITCH_VIEW: after the rest of the answer the vCPU goes on in view
 * `view` (its own active view; the other vCPUs keep theirs). With
 * SINGLESTEP the step is already in the new view.
 * FAST_SINGLESTEP (Xen's fast single-step): the vCPU executes its next
 * instruction -- the one the event stopped on, unless SKIP or SET_REGS
 * moved it -- in view `view`, then is switched to view `view_after`, and
 * no SINGLESTEP event is sent for that step. Nothing else changes for
 * the step: a MEM_ACCESS access is retried under `view`'s rights (not
 * allowed once), an INT3 executes whatever `view` maps at RIP, and
 * other vCPUs are not held back. Not with SINGLESTEP, SWITCH_VIEW or
 * REINJECT (-EINVAL). An answer naming a view id of
 * THINVMX_MAX_VIEWS or above is refused (-EINVAL); one naming a view
 * that does not exist when the vCPU resumes (destroyed meanwhile) does
 * not switch and does not step.
 */
#define THINVMX_RESPONSE_REINJECT	_BITUL(0)  /* INT3, DEBUG: deliver #BP/#DB */
#define THINVMX_RESPONSE_SKIP		_BITUL(1)  /* INT3: go on after the INT3 */
#define THINVMX_RESPONSE_DENY		_BITUL(2)  /* CR, MSR, XCR0, DESC, IO: not done */
#define THINVMX_RESPONSE_SET_REGS	_BITUL(3)  /* load regs first */
#define THINVMX_RESPONSE_SINGLESTEP	_BITUL(4)  /* one instruction, then a SINGLESTEP event */
/* views (THINVMX_VIEW_*, below): bits 5-7 */
#define THINVMX_RESPONSE_SWITCH_VIEW	_BITUL(5)  /* then go on in view */
#define THINVMX_RESPONSE_FAST_SINGLESTEP _BITUL(6) /* step in view, then view_after */
#define THINVMX_RESPONSE_FLAGS		0x7f

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
	__u16 view;		/* valid if SWITCH_VIEW or FAST_SINGLESTEP, else 0 */
	__u16 view_after;	/* valid if FAST_SINGLESTEP, else 0 */
	__u32 pad2;		/* zero */
	__u64 reserved[10];	/* zero */
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
static_assert(sizeof(struct thinvmx_event_cpuid) == 32,
	      "struct thinvmx_event_cpuid layout");
static_assert(sizeof(struct thinvmx_event_desc) == 56,
	      "struct thinvmx_event_desc layout");
static_assert(sizeof(struct thinvmx_event_debug) == 24,
	      "struct thinvmx_event_debug layout");
static_assert(sizeof(struct thinvmx_event_guest_request) == 16,
	      "struct thinvmx_event_guest_request layout");
static_assert(sizeof(struct thinvmx_event_io) == 24,
	      "struct thinvmx_event_io layout");
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

/*
 * Guest requests (the kind GUEST_REQUEST), on the domain fd: which VMCALL
 * numbers (RAX) are request channels. Bit n allows channel n; 0, the
 * default, allows none. Only the domain fd sets it -- its owner's, or
 * CAP_SYS_ADMIN's through OPEN_DOMAIN -- never the guest.
 */
struct thinvmx_guest_request {
	__u64 channels;		/* bit n: VMCALL with RAX == n */
	__u64 reserved[3];	/* zero */
};

static_assert(sizeof(struct thinvmx_guest_request) == 32,
	      "struct thinvmx_guest_request layout");

#define THINVMX_SET_GUEST_REQUEST \
	_IOW(THINVMX_IOC_MAGIC, 0x68, struct thinvmx_guest_request)
#define THINVMX_GET_GUEST_REQUEST \
	_IOR(THINVMX_IOC_MAGIC, 0x69, struct thinvmx_guest_request)

/*
 * ------------------------------------------------------------ views
 *
 * Alternate p2m views (Xen's altp2m), on the domain fd and on the
 * attached listener's fd. View 0 is the domain's p2m itself (the p2m
 * ioctls change it); views 1 .. THINVMX_MAX_VIEWS - 1 are created with
 * VIEW_CREATE and follow view 0 for every frame, but for what they
 * override: an access right (VIEW_SET_ACCESS, the values of
 * SET_MEM_ACCESS), and a frame that shows the contents of another frame
 * of the domain (VIEW_CHANGE_GFN: gfn reads and writes the RAM behind
 * new_gfn; THINVMX_VIEW_GFN_RESET puts it back). Types always come from
 * view 0 (a frame's type is that of the frame it shows): no view makes a
 * read-only MMIO frame, ram_ro or emulated MMIO writable.
 *
 * Each vCPU runs in one view (0 when created); VIEW_SWITCH moves one vCPU
 * or all of them; a running vCPU is made to exit and enters again in the
 * new view. Events carry the view in struct thinvmx_event.view.
 *
 * A view made through a listener's fd is the listener's: when the
 * listener goes (closed, detached, its daemon dead), every vCPU in that
 * view or headed for it goes back to view 0 at its next entry, VMFUNC
 * loses it, and from then on the view is gone for every call (-ENOENT);
 * its id is free again once no vCPU still has it loaded. A view made
 * through the domain fd stays until VIEW_DESTROY or the domain's end.
 *
 * Errors: -EINVAL (reserved bits, an access value, a range past the
 * domain's frames or empty, a view id >= THINVMX_MAX_VIEWS or view 0
 * where only views 1.. fit, VIEW_CHANGE_GFN of a frame that is not RAM or
 * onto one), -ENOENT (no such view; VIEW_SWITCH: no such vCPU), -ENOSPC
 * (every view id in use), -EBUSY (VIEW_DESTROY of a view some vCPU runs
 * in or will run in after an answer's step), -ENOMEM.
 */
#define THINVMX_MAX_VIEWS		10
#define THINVMX_VIEW_GFN_RESET		(~0ULL)	/* new_gfn: show its own frame */
#define THINVMX_VIEW_SWITCH_ALL		_BITUL(0)	/* every vCPU; vcpu is 0 */

/* VIEW_CREATE (out: view), VIEW_DESTROY (in: view) */
struct thinvmx_view {
	__u16 view;
	__u16 pad;		/* zero */
	__u32 pad2;		/* zero */
	__u64 reserved[3];	/* zero */
};

/*
 * VIEW_SET_ACCESS. THINVMX_VIEW_ACCESS_VE: violations of this right on
 * these frames in this view go to the guest as #VE (vector 20) instead of
 * exiting, on vCPUs with a #VE information page (VIEW_VE), wherever the
 * frame is ram_rw and not read-only MMIO (any other violation exits as
 * before); without it they exit. -EOPNOTSUPP and -EPERM as VIEW_VE.
 */
#define THINVMX_VIEW_ACCESS_VE		_BITUL(0)

struct thinvmx_view_access {
	__u16 view;		/* 1 .. THINVMX_MAX_VIEWS - 1 */
	__u16 flags;		/* THINVMX_VIEW_ACCESS_* */
	__u32 access;		/* THINVMX_ACCESS_* */
	__u64 first_gfn;
	__u64 nr_frames;	/* at least 1 */
	__u64 reserved[2];	/* zero */
};

/* VIEW_GET_ACCESS: what the view gives gfn */
struct thinvmx_view_query {
	__u16 view;		/* 0 .. THINVMX_MAX_VIEWS - 1 */
	__u16 pad;		/* zero */
	__u32 access;		/* out: THINVMX_ACCESS_*, its own or view 0's */
	__u64 gfn;
	__u64 shown_gfn;	/* out: the frame whose contents gfn shows */
	__u32 flags;		/* out: THINVMX_VIEW_Q_* */
	__u32 pad2;		/* zero */
	__u64 reserved[2];	/* zero */
};

#define THINVMX_VIEW_Q_OWN_ACCESS	_BITUL(0)	/* set by VIEW_SET_ACCESS */
#define THINVMX_VIEW_Q_CHANGED		_BITUL(1)	/* by VIEW_CHANGE_GFN */

/* VIEW_CHANGE_GFN */
struct thinvmx_view_change_gfn {
	__u16 view;		/* 1 .. THINVMX_MAX_VIEWS - 1 */
	__u16 pad;		/* zero */
	__u32 pad2;		/* zero */
	__u64 gfn;		/* RAM in view 0 */
	__u64 new_gfn;		/* RAM in view 0, or THINVMX_VIEW_GFN_RESET */
	__u64 reserved[2];	/* zero */
};

/* VIEW_SWITCH */
struct thinvmx_view_switch {
	__u16 view;		/* 0 .. THINVMX_MAX_VIEWS - 1 */
	__u16 pad;		/* zero */
	__u32 vcpu;		/* unless THINVMX_VIEW_SWITCH_ALL */
	__u32 flags;		/* THINVMX_VIEW_SWITCH_* */
	__u32 pad2;		/* zero */
	__u64 reserved[2];	/* zero */
};

/*
 * VIEW_VMFUNC: the views the guest may switch among itself with VMFUNC
 * leaf 0 (EPTP switching; ECX = the view id), an in-guest agent's fast
 * path. Off by default. views is a mask of view ids (bit 0: view 0); 0
 * turns VMFUNC off. The CPU's EPTP list holds exactly the listed views'
 * EPTPs and zero elsewhere, so VMFUNC to any other index -- or any other
 * leaf -- exits, and the guest gets #UD: it never reaches a view not
 * listed. A vCPU that switched itself is in that view as if VIEW_SWITCH
 * had put it there (events say so); VIEW_DESTROY of a listed view is
 * -EBUSY. REFUSE (views 0): the domain never takes VMFUNC nor #VE
 * (VIEW_VE): both go off, and any later VIEW_VMFUNC that lists views,
 * VIEW_VE or VIEW_SET_ACCESS with THINVMX_VIEW_ACCESS_VE is -EPERM.
 * -EOPNOTSUPP where the CPU has no EPTP switching (IA32_VMX_VMFUNC bit
 * 0 with the "enable VM functions" control; the module parameter
 * view_vmfunc=0 acts as if it had none), -ENOENT for a listed view that
 * does not exist, -EBUSY for view 0 while a vCPU has a #VE page.
 */
#define THINVMX_VIEW_VMFUNC_REFUSE	_BITUL(0)

struct thinvmx_view_vmfunc {
	__u32 flags;		/* THINVMX_VIEW_VMFUNC_* */
	__u32 views;		/* bit i: view i may be switched to */
	__u64 reserved[3];	/* zero */
};

/*
 * VIEW_VE: a vCPU's #VE information page (SDM Vol. 3, 26.5.7.2), a RAM
 * frame of the domain the VMM chose (the guest's #VE handler reads the
 * exit reason, qualification, linear and guest-physical address and view
 * id there, and writes its second dword to 0 to take the next one); OFF
 * takes it away. #VE is delivered only while the vCPU runs in a view
 * other than 0 (view 0 converts no violation), so it excludes VMFUNC to
 * view 0: -EBUSY while view 0 is listed, and VIEW_VMFUNC listing view 0
 * is -EBUSY while a vCPU has a page. -EOPNOTSUPP where the CPU has no
 * EPT-violation #VE (secondary control bit 18; the module parameter
 * view_ve=0 acts as if it had none), -EPERM once VIEW_VMFUNC's REFUSE was
 * given (which takes every page away), -ENOENT for no such vCPU, -EINVAL
 * for a frame that is not RAM.
 */
#define THINVMX_VIEW_VE_OFF		_BITUL(0)

struct thinvmx_view_ve {
	__u32 vcpu;
	__u32 flags;		/* THINVMX_VIEW_VE_* */
	__u64 info_gfn;		/* unless OFF */
	__u64 reserved[2];	/* zero */
};

static_assert(sizeof(struct thinvmx_view) == 32, "struct thinvmx_view layout");
static_assert(sizeof(struct thinvmx_view_ve) == 32,
	      "struct thinvmx_view_ve layout");
static_assert(sizeof(struct thinvmx_view_vmfunc) == 32,
	      "struct thinvmx_view_vmfunc layout");
static_assert(sizeof(struct thinvmx_view_access) == 40,
	      "struct thinvmx_view_access layout");
static_assert(sizeof(struct thinvmx_view_query) == 48,
	      "struct thinvmx_view_query layout");
static_assert(sizeof(struct thinvmx_view_change_gfn) == 40,
	      "struct thinvmx_view_change_gfn layout");
static_assert(sizeof(struct thinvmx_view_switch) == 32,
	      "struct thinvmx_view_switch layout");

#define THINVMX_VIEW_CREATE \
	_IOR(THINVMX_IOC_MAGIC, 0x60, struct thinvmx_view)
#define THINVMX_VIEW_DESTROY \
	_IOW(THINVMX_IOC_MAGIC, 0x61, struct thinvmx_view)
#define THINVMX_VIEW_SET_ACCESS \
	_IOW(THINVMX_IOC_MAGIC, 0x62, struct thinvmx_view_access)
#define THINVMX_VIEW_GET_ACCESS \
	_IOWR(THINVMX_IOC_MAGIC, 0x63, struct thinvmx_view_query)
#define THINVMX_VIEW_CHANGE_GFN \
	_IOW(THINVMX_IOC_MAGIC, 0x64, struct thinvmx_view_change_gfn)
#define THINVMX_VIEW_SWITCH \
	_IOW(THINVMX_IOC_MAGIC, 0x65, struct thinvmx_view_switch)
#define THINVMX_VIEW_VMFUNC \
	_IOW(THINVMX_IOC_MAGIC, 0x66, struct thinvmx_view_vmfunc)
#define THINVMX_VIEW_VE \
	_IOW(THINVMX_IOC_MAGIC, 0x67, struct thinvmx_view_ve)

/*
 * Daemon-side control (libxenctrl's domain pause, vCPU context and
 * foreign memory access), ioctls 0x70-0x7f. Taken on a domain fd -- the
 * creator's, or one THINVMX_OPEN_DOMAIN gave (the owner's uid or
 * CAP_SYS_ADMIN) -- or on the attached listener fd. Each such fd is a
 * "holder"; fds shared by dup() or fork() are one holder.
 *
 * THINVMX_PAUSE_DOMAIN: one more pause of the domain by this holder (they
 * nest, per holder and in all). It returns once no vCPU of the domain is
 * in the guest, and none enters it again until every pause of every
 * holder is undone: a vCPU in the guest is kicked out; a vCPU whose VMM
 * is in THINVMX_RUN, or calls it, sleeps inside RUN (interruptibly: a
 * signal makes RUN return -EINTR with exit_reason NONE as always, and the
 * next RUN sleeps again) after finishing what it had started (an answered
 * event, an I/O the VMM completed), and wakes when the domain is unpaused;
 * a halted vCPU stays halted. A second RUN of a vCPU whose first sleeps
 * so gets -EBUSY. The vCPU's VMM may still use GET/SET_REGS meanwhile.
 * THINVMX_UNPAUSE_DOMAIN undoes one pause of this holder: -EINVAL when
 * this holder has none. When a holder's fd is closed (its process dies),
 * all of its pauses are undone. -EOVERFLOW past THINVMX_PAUSE_MAX.
 *
 * The vCPU calls (GET/SET_REGS, GET/SET_SREGS, GET/SET_MSRS) need the
 * domain paused (by any holder), else -EBUSY; -EINVAL for a vcpu id of
 * THINVMX_MAX_VCPUS or more, nonzero pad/reserved fields or flags;
 * -ENOENT for no vCPU with that id; -EBUSY also for a vCPU waiting for
 * the answer to a sync event that is not written yet, or for room in its
 * ring (its registers are in the event, and the answer may set them):
 * once the answer is in the response ring, the call waits for the vCPU
 * to carry it out and park. -EINTR when a signal cuts the wait for a
 * vCPU on its way out of the guest. Writes are checked as the VMM's
 * THINVMX_SET_SREGS and the guest's own WRMSR are, and more: no CR0, CR4
 * and EFER combination a VM entry would refuse is accepted (-EINVAL).
 * A register write drops an instruction the VMM has not completed yet
 * (an IN, an MMIO read), as THINVMX_SET_REGS does.
 */
#define THINVMX_PAUSE_MAX		0xffffU	/* pauses per holder */

struct thinvmx_ctl_regs {
	__u32 vcpu;
	__u32 pad;		/* zero */
	struct thinvmx_regs regs;
};

struct thinvmx_ctl_sregs {
	__u32 vcpu;
	__u32 pad;		/* zero */
	struct thinvmx_sregs sregs;
};

/*
 * The MSRs these calls reach, by architectural index: EFER (0xc0000080),
 * STAR, LSTAR, CSTAR, SFMASK (0xc0000081-0xc0000084), FS_BASE, GS_BASE,
 * KERNEL_GS_BASE (0xc0000100-0xc0000102), SYSENTER_CS/ESP/EIP
 * (0x174-0x176). Any other index: -EINVAL, and nothing is done. A write
 * is all or nothing: each value is checked as the guest's WRMSR is (a
 * canonical address, EFER's reserved bits, EFER.LME not changed while
 * paging is on, EFER.LMA read-only) before any is written.
 */
#define THINVMX_CTL_MSRS_MAX		16

struct thinvmx_msr_entry {
	__u32 index;
	__u32 pad;		/* zero */
	__u64 data;
};

struct thinvmx_ctl_msrs {
	__u32 vcpu;
	__u32 nr;		/* entries used, at most THINVMX_CTL_MSRS_MAX */
	struct thinvmx_msr_entry entries[THINVMX_CTL_MSRS_MAX];
};

/*
 * THINVMX_READ_GUEST / THINVMX_WRITE_GUEST: copy between guest-physical
 * memory [gpa, gpa + len) and the caller's buffer, across pages. The
 * domain need not be paused (a running guest may change what is read).
 * Every frame of the range must be guest RAM the module allocated for the
 * domain (any p2m type or access right: the daemon reads and writes as
 * the domain's owner, not as the guest); a range that reaches anything
 * else -- MMIO of either kind, a hole -- is -ENXIO before anything is
 * copied. len is 1 to THINVMX_GUEST_MEM_MAX (else -EINVAL, as for gpa +
 * len overflowing, nonzero flags or reserved); -EFAULT for a bad buffer,
 * when part may have been copied. A write marks its frames in the dirty
 * log when it is on.
 */
#define THINVMX_GUEST_MEM_MAX		0x100000U	/* 1 MiB */

struct thinvmx_guest_mem {
	__u64 gpa;
	__u64 buf;		/* user pointer */
	__u32 len;
	__u32 flags;		/* zero */
	__u64 reserved;		/* zero */
};

/* THINVMX_GET_PAUSE: the domain's pause counts */
struct thinvmx_pause_info {
	__u32 holder;		/* this holder's pauses */
	__u32 total;		/* every holder's */
	__u64 reserved;		/* zero on output */
};

static_assert(sizeof(struct thinvmx_ctl_regs) == 8 + 18 * 8,
	      "struct thinvmx_ctl_regs layout");
static_assert(sizeof(struct thinvmx_ctl_sregs) == 8 + sizeof(struct thinvmx_sregs),
	      "struct thinvmx_ctl_sregs layout");
static_assert(sizeof(struct thinvmx_msr_entry) == 16,
	      "struct thinvmx_msr_entry layout");
static_assert(sizeof(struct thinvmx_ctl_msrs) == 8 + 16 * THINVMX_CTL_MSRS_MAX,
	      "struct thinvmx_ctl_msrs layout");
static_assert(sizeof(struct thinvmx_guest_mem) == 32,
	      "struct thinvmx_guest_mem layout");
static_assert(sizeof(struct thinvmx_pause_info) == 16,
	      "struct thinvmx_pause_info layout");

#define THINVMX_PAUSE_DOMAIN	_IO(THINVMX_IOC_MAGIC, 0x70)
#define THINVMX_UNPAUSE_DOMAIN	_IO(THINVMX_IOC_MAGIC, 0x71)
#define THINVMX_GET_PAUSE \
	_IOR(THINVMX_IOC_MAGIC, 0x72, struct thinvmx_pause_info)
#define THINVMX_CTL_GET_REGS \
	_IOWR(THINVMX_IOC_MAGIC, 0x73, struct thinvmx_ctl_regs)
#define THINVMX_CTL_SET_REGS \
	_IOW(THINVMX_IOC_MAGIC, 0x74, struct thinvmx_ctl_regs)
#define THINVMX_CTL_GET_SREGS \
	_IOWR(THINVMX_IOC_MAGIC, 0x75, struct thinvmx_ctl_sregs)
#define THINVMX_CTL_SET_SREGS \
	_IOW(THINVMX_IOC_MAGIC, 0x76, struct thinvmx_ctl_sregs)
#define THINVMX_CTL_GET_MSRS \
	_IOWR(THINVMX_IOC_MAGIC, 0x77, struct thinvmx_ctl_msrs)
#define THINVMX_CTL_SET_MSRS \
	_IOW(THINVMX_IOC_MAGIC, 0x78, struct thinvmx_ctl_msrs)
#define THINVMX_READ_GUEST \
	_IOW(THINVMX_IOC_MAGIC, 0x79, struct thinvmx_guest_mem)
#define THINVMX_WRITE_GUEST \
	_IOW(THINVMX_IOC_MAGIC, 0x7a, struct thinvmx_guest_mem)

#endif /* _UAPI_LINUX_THINVMX_INTROSPECT_H */
