// SPDX-License-Identifier: GPL-2.0
/*
 * Root mode's own IDT (HOST_IDTR_BASE). With the kernel's IDT, an NMI,
 * machine check or exception taken in root mode ran host kernel code in
 * root mode, on data the host can write: the isolation of host.c would
 * mean nothing. Root mode's IDT lives in a stolen page and sends:
 *
 *  - NMIs to tvx_root_nmi(): only marks an NMI pending for the host and
 *    opens the NMI window; host_exit.c injects it at the first VM entry
 *    the host can take it (SDM 25.3, 26.3: NMI exiting, virtual NMIs,
 *    NMI-window exiting; as kvm_intel injects NMIs into its guests);
 *  - machine checks to tvx_root_mc(): the same, injected as #MC, so the
 *    host's machine-check handler reads the banks as it would natively;
 *  - any other exception to tvx_root_exception(): a bug of root mode's
 *    but the one #GP of an MSR access made for the host (fixed up). The
 *    CPU leaves host mode right there, with the host's state from its
 *    VMCS, and the host WARNs about it afterwards from an irq_work: the
 *    host survives what can be survived, and nothing root mode did
 *    half-way is resumed.
 *
 * All gates are interrupt gates without IST: root mode runs with
 * interrupts off on its own stack, and an exception there needs no stack
 * switch. Vectors 32-255 are not present: nothing raises them (interrupts
 * are off), and a stray INT n becomes #NP, a bug like any other.
 */
#include <linux/irq_work.h>
#include <linux/kprobes.h>
#include <asm/desc.h>
#include <asm/irq_vectors.h>
#include <asm/trapnr.h>

#include "host/host.h"
#include "host/host_cpu.h"
#include "vmx/vmx_bits.h"
#include "vmx/vmx_ops.h"

/**
 * tvx_host_idt_fill() - build root mode's IDT
 * @idt: a zeroed page, 256 gates
 *
 * Context: any.
 */
void tvx_host_idt_fill(void *idt)
{
	gate_desc *g = idt;
	unsigned int v;

	for (v = 0; v < 32; v++)
		pack_gate(&g[v], GATE_INTERRUPT,
			  (unsigned long)tvx_root_idt_stubs + v * TVX_ROOT_STUB_SIZE,
			  0, 0, __KERNEL_CS);
}

/* Called from tvx_root_idt_nmi, NMIs blocked until its IRETQ. */
void tvx_root_nmi(void)
{
	struct tvx_host_root *root = tvx_host_root_here();

	root->c.nmi_root++;
	tvx_host_nmi_hold(root);
	/* see tvx_host_nmi_window(): written, never read-modify-written */
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, root->proc | VMX_PROC_NMI_WINDOW_EXITING);
	WRITE_ONCE(root->window, 1);
}

NOKPROBE_SYMBOL(tvx_root_nmi);

/*
 * Called from tvx_root_idt_mc. The window exit comes as soon as the host
 * has no NMI in service, and host_deliver() injects the #MC first; MCIP
 * stays set until the host's handler clears it, as natively.
 */
void tvx_root_mc(void)
{
	struct tvx_host_root *root = tvx_host_root_here();

	WRITE_ONCE(root->mc_pending, 1);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, root->proc | VMX_PROC_NMI_WINDOW_EXITING);
	WRITE_ONCE(root->window, 1);
}

NOKPROBE_SYMBOL(tvx_root_mc);

struct tvx_host_regs *tvx_root_exception(struct tvx_root_xframe *f)
{
	struct tvx_host_root *root = tvx_host_root_here();
	struct tvx_host_cpu *hc = this_cpu_ptr(&tvx_host_cpus);
	struct tvx_host_regs *r;

	if (f->vector == X86_TRAP_GP) {
		if (f->rip == (unsigned long)tvx_root_rdmsr_insn) {
			f->rip = (unsigned long)tvx_root_rdmsr_fault;
			return NULL;
		}
		if (f->rip == (unsigned long)tvx_root_wrmsr_insn) {
			f->rip = (unsigned long)tvx_root_wrmsr_fault;
			return NULL;
		}
	}
	root->c.root_faults++;
	root->fault_vector = f->vector;
	root->fault_error = f->error;
	root->fault_rip = f->rip;
	/* a fault while leaving: nothing sane is left to go back to */
	if (root->bailing)
		panic("thinvmx: exception %lu at %pS in root mode, leaving after exception %llu\n",
		      f->vector, (void *)f->rip, root->fault_vector);
	root->bailing = 1;
	/* the guest's registers sit right below HOST_RSP (host_entry.S) */
	r = (struct tvx_host_regs *)vmcs_readl(HOST_RSP) - 1;
	WRITE_ONCE(hc->on, false);
	tvx_host_leave_here(r, false);
	/* natively in the host's context from here: tell it, from an irq_work */
	hc->fault_vector = f->vector;
	hc->fault_error = f->error;
	hc->fault_rip = f->rip;
	WRITE_ONCE(hc->faulted, true);
	irq_work_queue(&tvx_host_fault_work);
	return r;
}

NOKPROBE_SYMBOL(tvx_root_exception);
