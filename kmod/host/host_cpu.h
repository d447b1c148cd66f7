/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host mode's own pieces: what root mode owns (its configuration and its
 * per-CPU state, both in pages stolen from the host's EPT), what the host
 * side keeps per CPU, and the root-mode entry points.
 *
 * Who may touch what (DESIGN.md, "Host mode"): every page root mode reads
 * or writes is allocated for it and has no access in the host's identity
 * EPT, so the host, even its kernel, can neither read nor change it while
 * host mode is on. Root mode finds its state only through what the host
 * cannot reach: its own stack pointer (HOST_RSP, in the VMCS) leads to
 * struct tvx_host_root at the top of its stack, and that to the shared
 * struct tvx_host_cfg. The host side changes root-mode state only through
 * tvx_host_call() (host_call.c), or natively while no CPU is a guest.
 */
#ifndef _THINVMX_HOST_HOST_CPU_H
#define _THINVMX_HOST_HOST_CPU_H

#include <linux/atomic.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "../../uapi/thinvmx.h"
#include "memevent/monitor.h"
#include "memevent/ring.h"
#include "vmx/enable.h"

struct tvx_host_msix;

/*
 * The guest's general registers as host_entry.S saves them on the
 * root-mode stack at a VM exit, indexed like the VMX register numbers
 * (rax = 0 ... r15 = 15); slot 4 is a hole: the guest RSP is in the VMCS.
 */
struct tvx_host_regs {
	unsigned long gpr[16];
};

#define HREG_RAX	0
#define HREG_RCX	1
#define HREG_RDX	2
#define HREG_RBX	3
#define HREG_RSP	4
#define HREG_RSI	6

/*
 * The root-mode stack, from its top down: struct tvx_host_root
 * (TVX_HOST_ROOT_SIZE bytes), then TVX_HOST_FRAME bytes where the exit
 * handler builds the IRET frame (RIP, CS, RFLAGS, RSP, SS) that takes a
 * CPU leaving host mode back to the guest's context natively; HOST_RSP
 * points right below that, and the saved registers sit below HOST_RSP.
 */
#define TVX_HOST_STACK_ORDER	2
#define TVX_HOST_STACK_SIZE	(PAGE_SIZE << TVX_HOST_STACK_ORDER)
#define TVX_HOST_FRAME		48
#define TVX_HOST_ROOT_SIZE	1024

/* RAX of the module's own VMCALL (tvx_host_vmcall()): "tvx-call" */
#define TVX_HOST_VMCALL_MAGIC	0x7476782d63616c6cULL
/* RCX when root mode answered it: "tvx-done" */
#define TVX_HOST_VMCALL_DONE	0x7476782d646f6e65ULL

/* The hypercalls (host_call.c); RCX of the VMCALL */
#define TVX_HC_LEAVE		0	/* leave host mode on this CPU */
#define TVX_HC_STATUS		1	/* (pa, size): struct tvx_host_counters */
#define TVX_HC_EPT_SET		2	/* (pfn, nr, rights) of host frames */
#define TVX_HC_INVEPT		3	/* flush this CPU's EPT translations */
#define TVX_HC_REFRESH		4	/* events and policies into this CPU's VMCS */
#define TVX_HC_SET_POLICY	5	/* (pa, size): struct tvx_host_policy */
#define TVX_HC_SET_LISTENER	6	/* (ring area, slots_log2): 0, none */
#define TVX_HC_SET_MSIX		7	/* (pa, size, flags): struct hmsix_region[] */
#define TVX_HC_MAX		8
#define TVX_HC_ARGS		3

/* tvx_host_counters.msix[]: host writes to read-only MSI-X frames, by outcome */
enum {
	TVX_HMSIX_WRITTEN,
	TVX_HMSIX_REFUSED,
	TVX_HMSIX_PBA,
	TVX_HMSIX_PASSED,
	TVX_HMSIX_UNDECODED,
	TVX_HMSIX_MAX,
};

/* Root mode's counters, summed by TVX_HC_STATUS */
struct tvx_host_counters {
	u64 exits[THINVMX_HOST_EXIT_MAX];
	u64 refused;		/* host accesses to hypervisor frames */
	u64 nmis;		/* NMIs injected into the host */
	u64 root_faults;	/* exceptions in root mode (bugs) */
	u64 nmi_root;		/* NMIs taken in root mode (exits[NMI]: in the host) */
	u64 nmi_leave;		/* NMIs given to the host as it left host mode */
	u64 nmi_dropped;	/* NMIs beyond the two a CPU holds (as natively) */
	u64 msix[TVX_HMSIX_MAX];	/* host writes to MSI-X frames, by outcome */
	u64 cr_pin_refused;	/* CR writes PIN_CR kept the pinned bits set in */
	u64 msr_pin_refused;	/* WRMSRs PIN_MSR dropped */
	u64 events;		/* host events written into the rings */
	u64 events_lost;	/* host events a full ring dropped */
};

/* @t += @c, field by field (all of them u64) */
static inline void tvx_host_counters_add(struct tvx_host_counters *t,
					 const struct tvx_host_counters *c)
{
	u64 *dst = (u64 *)t;
	const u64 *src = (const u64 *)c;
	unsigned int i;

	for (i = 0; i < sizeof(*t) / sizeof(u64); i++)
		dst[i] += READ_ONCE(src[i]);
}

#define TVX_HOST_EPT_SET_MAX	512

/* Table pages for EPT splits root mode makes (TVX_HC_EPT_SET) */
#define TVX_HOST_POOL		32

/*
 * The guard policies and event settings root mode enforces
 * (host_event.c). Root mode's copy is in struct tvx_host_cfg and changes
 * only by TVX_HC_SET_POLICY, which copies the host side's request into
 * root mode and checks it there; the host side's own copy (struct
 * tvx_host_mon) is only what it asked for.
 */
struct tvx_host_policy {
	u64 cr0_pin;			/* CR0 bits PIN_CR keeps set */
	u64 cr4_pin;			/* CR4 bits PIN_CR keeps set */
	u8 pin_cr;
	u8 pin_msr;
	struct monitor_settings s;	/* async only */
};

/* The syscall-entry MSRs PIN_MSR pins (host_event.c) */
#define TVX_HOST_PINNED_MSRS	7

/*
 * What every CPU's VMCS and root mode are built from. In stolen pages;
 * written natively before the first CPU is taken in, then only by root
 * mode (the pool, the policy and the MSR bitmap under @lock, a
 * root-mode-only lock).
 */
struct tvx_host_cfg {
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_mask, cr4_mask;
	u64 eptp;			/* 0: no EPT */
	bool invept_single;		/* INVEPT single-context (else global) */
	u64 xcr0_supported;		/* CPUID.(0xd,0):EDX:EAX */
	u64 ept_pml4_pa;		/* the identity EPT's root */
	u64 msr_bitmap_pa;
	u64 root_pgd_pa;		/* root mode's page table, kernel half */
	u64 idt_base;			/* root mode's IDT (host_idt.c) */
	u64 pa_top;			/* 1 << MAXPHYADDR: the map's end */
	u64 ram_top;			/* high_memory: the direct map's end */
	u32 lock;			/* root mode only: the pool and EPT edits */
	u32 pool_n;
	u64 pool[TVX_HOST_POOL];	/* free, stolen, zeroed table pages */
	struct tvx_host_policy pol;	/* root mode's: TVX_HC_SET_POLICY */
	/* the MSRs whose write bit tvx_host_msr_bitmap_apply() set */
	u32 nr_msr_exiting;
	u32 msr_exiting[TVX_HOST_PINNED_MSRS + THINVMX_MONITOR_MSRS];
	/*
	 * The host listener's rings (TVX_HC_SET_LISTENER): the area's
	 * address (checked: vmalloc space, every frame the host's to
	 * write) with slots_log2 in the low bits, 0 for none; @lsn_gen, a
	 * sequence count, odd while it changes; the events' sequence.
	 */
	u64 lsn;
	u32 lsn_gen;
	atomic64_t lsn_seq;
	/*
	 * Root mode's MSI-X set (TVX_HC_SET_MSIX; host_msix.h) and the
	 * window its frames are mapped at: @msix_va, in a top-level entry
	 * of root mode's page table the kernel leaves empty (the guard hole
	 * reserved for a hypervisor), through @msix_pte, TVX_HMSIX_FRAMES
	 * entries in stolen pages; the host's page tables have no such
	 * mapping, and it cannot change this one.
	 */
	struct tvx_host_msix *msix;
	u64 *msix_pte;
	unsigned long msix_va;
	u32 nr_roots;			/* nr_cpu_ids */
	struct tvx_host_root *roots[];	/* every CPU's, for TVX_HC_STATUS */
};

/*
 * A CPU's root-mode state, at the top of its root-mode stack. Written by
 * root mode only (and natively before the CPU is first taken in).
 */
struct tvx_host_root {
	struct tvx_host_cfg *cfg;
	u32 proc;			/* processor controls but NMI-window exiting */
	u8 nmi_pending;			/* NMIs for the host, not yet injected: 0-2 */
	u8 mc_pending;			/* a #MC taken in root mode, the same */
	u8 window;			/* NMI-window exiting is on */
	u8 bailing;			/* an exception in root mode is being handled */
	u8 lsn_ok;			/* @req is attached to the listener of @lsn_gen */
	u32 cpu;			/* this CPU's number, and its ring's */
	u32 lsn_gen;			/* cfg->lsn_gen @req was attached for */
	struct ring req;		/* this CPU's request ring: the producer's view */
	u64 lost;			/* events the full ring dropped */
	struct irq_work *wake;		/* wakes the listener (host_event.c) */
	struct tvx_host_counters c;
	/* the last exception root mode took (root_faults) */
	u64 fault_vector, fault_error, fault_rip;
};

static_assert(sizeof(struct tvx_host_root) <= TVX_HOST_ROOT_SIZE);

/* The host side's view of a CPU: bookkeeping only, never trusted by root mode. */
struct tvx_host_cpu {
	struct vmx_loaded_vmcs vmcs;
	struct page *vmcs_page;
	void *stack;		/* TVX_HOST_STACK_SIZE bytes, root mode only */
	struct tvx_host_root *root;	/* at the top of @stack */
	/*
	 * Set before VMLAUNCH and cleared after leaving: while set, the CPU
	 * may run as a guest, and leaving asks root mode by VMCALL (which
	 * fails harmlessly with VMfail when it is root mode that asks).
	 * Root mode clears it when it makes the CPU leave by itself.
	 */
	bool on;
	/* root mode took an exception and left (written by root mode) */
	bool faulted;
	u64 fault_vector, fault_error, fault_rip;
};

DECLARE_PER_CPU(struct tvx_host_cpu, tvx_host_cpus);

static inline struct tvx_host_root *tvx_host_root_of(void *stack)
{
	return stack + TVX_HOST_STACK_SIZE - TVX_HOST_ROOT_SIZE;
}

/* host_entry.S */
int tvx_host_launch(void);
long tvx_host_vmcall(unsigned long op, u64 a0, u64 a1, u64 a2);
void tvx_host_exit_entry(void);
extern const char tvx_host_vmcall_insn[];
int tvx_root_rdmsr(u32 msr, u64 *val);
int tvx_root_wrmsr(u32 msr, u64 val);
extern const char tvx_root_rdmsr_insn[], tvx_root_rdmsr_fault[];
extern const char tvx_root_wrmsr_insn[], tvx_root_wrmsr_fault[];
void tvx_root_idt_nmi(void);
void tvx_root_idt_mc(void);
extern const char tvx_root_idt_stubs[];
#define TVX_ROOT_STUB_SIZE	16

/* host_vmcs.c */
void tvx_host_vmcs_setup(struct tvx_host_cpu *hc, const struct tvx_host_cfg *cfg);

/* host_exit.c */
int tvx_host_handle_exit(struct tvx_host_regs *regs);
int tvx_host_resume_failed(struct tvx_host_regs *regs);
void tvx_host_skip(unsigned int len);
void tvx_host_inject(unsigned int vector, bool has_error);
void tvx_host_msix_count(unsigned int what);
bool tvx_host_msr_vmx(u32 msr);
struct tvx_host_root *tvx_host_root_here(void);
void tvx_host_nmi_window(struct tvx_host_root *root);
void tvx_host_nmi_hold(struct tvx_host_root *root);
int tvx_host_leave_here(struct tvx_host_regs *r, bool skip);

/* host_idt.c */
/* What root mode's exception stub pushed, lowest address first */
struct tvx_root_xframe {
	unsigned long r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	unsigned long vector, error;
	unsigned long rip, cs, rflags, rsp, ss;
};

void tvx_host_idt_fill(void *idt);
void tvx_root_nmi(void);
void tvx_root_mc(void);
struct tvx_host_regs *tvx_root_exception(struct tvx_root_xframe *f);

/* host_call.c */
long tvx_host_call_root(struct tvx_host_root *root, unsigned long op,
			const u64 *arg);
u64 tvx_host_ept_lookup(const struct tvx_host_cfg *cfg, u64 pa);
void tvx_host_root_lock(struct tvx_host_cfg *cfg);
void tvx_host_root_unlock(struct tvx_host_cfg *cfg);

/* host_ept.c */
struct tvx_host_ept {
	struct list_head pages;
	struct page *pml4;
	u64 nr_pages;
	u64 leaves[3];			/* 4 KiB, 2 MiB, 1 GiB */
	u64 stolen;			/* frames with no access, or read-only */
};

/* an EPT leaf bit the CPU ignores: the frame is the hypervisor's */
#define TVX_EPT_OWNED		BIT_ULL(54)

int tvx_host_ept_build(struct tvx_host_ept *e);
void tvx_host_ept_free(struct tvx_host_ept *e);
u64 tvx_host_ept_page_pa(struct tvx_host_ept *e);
int tvx_host_ept_restrict(struct tvx_host_ept *e, u64 pa, u64 rights);
u64 *tvx_host_ept_leaf4k(u64 pml4_pa, u64 pa, u64 (*alloc)(void *), void *ctx);

/* host.c: the one way host-side code changes the EPT while host mode is on */
extern struct mutex tvx_host_lock;
extern bool tvx_host_wanted;
int tvx_host_ept_protect(const u64 *wp, u32 nr_wp, const u64 *rw, u32 nr_rw);

#endif /* _THINVMX_HOST_HOST_CPU_H */
