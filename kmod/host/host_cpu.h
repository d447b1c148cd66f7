/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host mode's own pieces: the per-CPU state, the configuration every
 * CPU's VMCS is built from, and the root-mode entry points.
 */
#ifndef _THINVMX_HOST_HOST_CPU_H
#define _THINVMX_HOST_HOST_CPU_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "../../uapi/thinvmx.h"
#include "vmx/enable.h"

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

/*
 * The root-mode stack: HOST_RSP leaves TVX_HOST_FRAME bytes free at its
 * top, where the exit handler builds the IRET frame (RIP, CS, RFLAGS,
 * RSP, SS) that takes a CPU leaving host mode back to the guest's
 * context natively; the saved registers sit right below it.
 */
#define TVX_HOST_STACK_ORDER	2
#define TVX_HOST_STACK_SIZE	(PAGE_SIZE << TVX_HOST_STACK_ORDER)
#define TVX_HOST_FRAME		48

/* RAX of the module's own VMCALL that takes a CPU out of host mode */
#define TVX_HOST_VMCALL_LEAVE	0x7476782d6c656176ULL	/* "tvx-leav" */
/* ... and of the one that invalidates this CPU's EPT mappings */
#define TVX_HOST_VMCALL_INVEPT	0x7476782d696e7665ULL	/* "tvx-inve" */
/* ... and of the one that loads the event and policy settings (host_event.c) */
#define TVX_HOST_VMCALL_REFRESH	0x7476782d72656672ULL	/* "tvx-refr" */

/* tvx_host_cpu.msix[]: host writes to read-only MSI-X frames, by outcome */
enum {
	TVX_HMSIX_WRITTEN,
	TVX_HMSIX_REFUSED,
	TVX_HMSIX_PBA,
	TVX_HMSIX_PASSED,
	TVX_HMSIX_UNDECODED,
	TVX_HMSIX_MAX,
};

struct tvx_host_cpu {
	struct vmx_loaded_vmcs vmcs;
	struct page *vmcs_page;
	void *stack;		/* TVX_HOST_STACK_SIZE bytes, root mode only */
	/*
	 * Set before VMLAUNCH and cleared after leaving: while set, the CPU
	 * may run as a guest, and leaving asks root mode by VMCALL (which
	 * fails harmlessly with VMfail when it is root mode that asks).
	 */
	bool on;
	u64 exits[THINVMX_HOST_EXIT_MAX];	/* written in root mode only */
	u64 msix[TVX_HMSIX_MAX];		/* written in root mode only */
	u64 cr_pin_refused;			/* likewise */
	u64 msr_pin_refused;
	u64 events;
	u64 events_lost;
};

DECLARE_PER_CPU(struct tvx_host_cpu, tvx_host_cpus);

/* What every CPU's VMCS is built from; fixed while host mode is on. */
struct tvx_host_cfg {
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_mask, cr4_mask;
	u64 eptp;			/* 0: no EPT */
	bool invept_single;		/* INVEPT single-context (else global) */
	u64 xcr0_supported;		/* CPUID.(0xd,0):EDX:EAX */
	struct page *msr_bitmap;
	struct page *root_pgd;		/* root mode's page table, kernel half */
};

extern struct tvx_host_cfg tvx_host_cfg;

/* host_entry.S */
int tvx_host_launch(void);
int tvx_host_vmcall(unsigned long nr);
void tvx_host_exit_entry(void);
extern const char tvx_host_vmcall_insn[];

/* host_vmcs.c */
void tvx_host_vmcs_setup(struct tvx_host_cpu *hc);

/* host_exit.c */
int tvx_host_handle_exit(struct tvx_host_regs *regs);
int tvx_host_resume_failed(struct tvx_host_regs *regs);
void tvx_host_skip(unsigned int len);
void tvx_host_inject(unsigned int vector, bool has_error);
void tvx_host_invept(void);
bool tvx_host_msr_vmx(u32 msr);

/* host_ept.c */
struct tvx_host_ept {
	struct list_head pages;
	struct page *pml4;
	u64 nr_pages;
	u64 leaves[3];			/* 4 KiB, 2 MiB, 1 GiB */
};

int tvx_host_ept_build(struct tvx_host_ept *e);
void tvx_host_ept_free(struct tvx_host_ept *e);
int tvx_host_ept_set_wp(struct tvx_host_ept *e, u64 pfn, bool wp, bool *changed);

/* host.c: the one way host-side code changes the EPT while host mode is on */
extern struct mutex tvx_host_lock;
extern bool tvx_host_wanted;
int tvx_host_ept_protect(const u64 *wp, u32 nr_wp, const u64 *rw, u32 nr_rw);

#endif /* _THINVMX_HOST_HOST_CPU_H */
