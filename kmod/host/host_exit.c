// SPDX-License-Identifier: GPL-2.0
/*
 * Host mode's VM exits, in root mode. The guest is the host kernel (or
 * one of its tasks) at any point: any lock may be held and interrupts may
 * be off. So this code is like an NMI handler: it takes no lock, never
 * sleeps, never prints, touches only this CPU's state; what it has to say
 * goes into per-CPU counters in its stolen struct tvx_host_root that
 * TVX_HC_STATUS adds up. It reads nothing the host can write: its state
 * is found from its own stack (host_root()), its code and constants are
 * read-only to the host, and MSRs are read with the raw instructions
 * (no paravirt call, no tracepoint).
 *
 * Few things exit at all (host.c sets the controls): CPUID, XSETBV, INVD,
 * GETSEC and the VMX instructions (architecturally), the MSRs of the MSR
 * bitmap (IA32_FEATURE_CONTROL and the VMX capability MSRs; writes to
 * pinned and watched MSRs) and MSRs outside the bitmap's ranges, writes
 * changing the CR0/CR4 bits VMX fixes, pinned or monitored bits; while
 * the host's listener asks for them, CR3 loads and INT3 (host_event.c
 * sets those controls); NMIs (to be re-delivered), and host accesses to
 * the hypervisor's frames (EPT violations, refused). Return contract of
 * the handlers: 0 resumes the guest, 1 means
 * host_leave() built the IRET frame and the CPU goes on natively.
 */
#include <linux/irq_work.h>
#include <linux/kprobes.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/sync_core.h>
#include <asm/trap_pf.h>
#include <asm/trapnr.h>

#include "host/host.h"
#include "host/host_cpu.h"
#include "host/host_msix.h"
#include "host/host_event.h"
#include "vmx/vmx_bits.h"
#include "vmx/vmx_ops.h"
#include "vmx/xcr0.h"

/* CPUID leaf 0x40000000: the hypervisor's name, "thinvmx" */
#define HOST_CPUID_BASE		0x40000000U
#define HOST_CPUID_LAST		0x400000ffU
#define HOST_SIG_EBX		0x6e696874U	/* "thin" */
#define HOST_SIG_ECX		0x00786d76U	/* "vmx\0" */
#define HOST_SIG_EDX		0U
#define CPUID1_ECX_HYPERVISOR	BIT(31)
#define EXIT_REASON_GETSEC	11		/* not in <asm/vmx.h> */
#define HOST_DR6_BS		BIT(14)		/* single step, in pending debug exceptions */
#define HOST_NMI_UNBLOCK_IRET	BIT(12)		/* exit qualification, interruption info */
#define HOST_EPT_LINEAR_VALID	BIT(7)		/* EPT violation: guest linear address */
#define HOST_INTR_BLOCKS_NMI	(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS | \
				 GUEST_INTR_STATE_NMI)

/* this CPU's root-mode state: right above the IRET frame over the registers */
static struct tvx_host_root *host_root(struct tvx_host_regs *r)
{
	return (void *)(r + 1) + TVX_HOST_FRAME;
}

/**
 * tvx_host_root_here() - this CPU's root-mode state, from HOST_RSP
 *
 * For root mode's NMI and exception handlers, which may interrupt any
 * point of root mode: the VMCS, not memory the host can write, says
 * where the root-mode stack is.
 *
 * Context: root mode.
 * Return: this CPU's struct tvx_host_root.
 */
struct tvx_host_root *tvx_host_root_here(void)
{
	return (void *)vmcs_readl(HOST_RSP) + TVX_HOST_FRAME;
}

static void host_count(struct tvx_host_root *root, unsigned int kind)
{
	root->c.exits[kind]++;
}

/**
 * tvx_host_msix_count() - count a host write to a read-only MSI-X frame
 * @what: TVX_HMSIX_*
 *
 * Context: root mode (host_mmio.c).
 */
void tvx_host_msix_count(unsigned int what)
{
	tvx_host_root_here()->c.msix[what]++;
}

static void host_inject_err(unsigned int vector, u32 type, bool has_error, u32 error)
{
	u32 info = vector | type | INTR_INFO_VALID_MASK;

	if (has_error) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
	/* an event wakes a halted CPU; KVM's vmx_clear_hlt() does the same */
	if (vmcs_read32(GUEST_ACTIVITY_STATE) == GUEST_ACTIVITY_HLT)
		vmcs_write32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
}

/**
 * tvx_host_inject() - deliver a hardware exception to the host at entry
 * @vector:    the exception
 * @has_error: with an error code of 0
 *
 * Context: root mode.
 */
void tvx_host_inject(unsigned int vector, bool has_error)
{
	host_inject_err(vector, INTR_TYPE_HARD_EXCEPTION, has_error, 0);
}

/**
 * tvx_host_nmi_window() - NMI-window exiting on exactly while one is pending
 * @root: this CPU's root-mode state
 *
 * The control is written from root->proc, never read-modify-written, and
 * root mode's NMI handler (host_idt.c) sets the window itself after
 * marking an NMI pending. This runs at the end of every exit handled
 * here: if that NMI handler runs between the test and the write below,
 * the second test sees its NMI and sets the window again; if it runs
 * after, its own write stands. Either way the next VM entry exits as soon
 * as the host can take the NMI, so none waits for an unrelated exit.
 *
 * Context: root mode.
 */
void tvx_host_nmi_window(struct tvx_host_root *root)
{
	bool want = READ_ONCE(root->nmi_pending) || READ_ONCE(root->mc_pending);

	if (want == !!READ_ONCE(root->window))
		return;
	if (want) {
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL,
			     root->proc | VMX_PROC_NMI_WINDOW_EXITING);
		WRITE_ONCE(root->window, 1);
		return;
	}
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, root->proc);
	WRITE_ONCE(root->window, 0);
	barrier();
	if (READ_ONCE(root->nmi_pending) || READ_ONCE(root->mc_pending)) {
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL,
			     root->proc | VMX_PROC_NMI_WINDOW_EXITING);
		WRITE_ONCE(root->window, 1);
	}
}

/*
 * An event the exit interrupted while the CPU delivered it through the
 * host's IDT (IDT-vectoring information) is delivered again at the next
 * entry, as KVM's __vmx_complete_interrupts() does: an NMI with
 * virtual-NMI blocking cleared (SDM 27.7.1.2), a software event with its
 * instruction length.
 */
static void host_redeliver(void)
{
	u32 info = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;

	if (!(info & INTR_INFO_VALID_MASK))
		return;
	if (type == INTR_TYPE_NMI_INTR)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & ~GUEST_INTR_STATE_NMI);
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN,
			     vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	if (info & INTR_INFO_DELIVER_CODE_MASK)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     vmcs_read32(IDT_VECTORING_ERROR_CODE));
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info & (INTR_INFO_VECTOR_MASK |
		     INTR_INFO_INTR_TYPE_MASK | INTR_INFO_DELIVER_CODE_MASK |
		     INTR_INFO_VALID_MASK));
}

/**
 * tvx_host_nmi_hold() - one more NMI for the host
 * @root: this CPU's root-mode state
 *
 * Held until host_deliver() injects it. At most two are held, as a CPU
 * holds one in service and one latched: a third is dropped (counted), as
 * natively, where the NMI handler looks at every source anyway. The
 * increment is not atomic, but it runs with NMIs blocked (an NMI exit,
 * root mode's NMI handler) and host_nmi_take() decrements by cmpxchg.
 *
 * Context: root mode, NMIs blocked.
 */
void tvx_host_nmi_hold(struct tvx_host_root *root)
{
	u8 n = READ_ONCE(root->nmi_pending);

	if (n >= 2) {
		root->c.nmi_dropped++;
		return;
	}
	WRITE_ONCE(root->nmi_pending, n + 1);
}

/* One held NMI taken for injection; an NMI in root mode may add one meanwhile. */
static bool host_nmi_take(struct tvx_host_root *root)
{
	u8 n = READ_ONCE(root->nmi_pending);

	while (n) {
		u8 old = cmpxchg(&root->nmi_pending, n, n - 1);

		if (old == n)
			return true;
		n = old;
	}
	return false;
}

/*
 * Before every VM entry: a machine check or an NMI taken for the host is
 * injected if nothing else is and the host can take it now (an NMI: no
 * STI or MOV SS blocking and no virtual-NMI blocking, KVM's
 * vmx_nmi_blocked()); else the NMI window stays open and it goes at the
 * next entry that allows it (a second held NMI too: the window exit
 * comes when the host's handler of the first returns with IRET). One
 * injected per NMI held.
 */
static void host_deliver(struct tvx_host_root *root)
{
	if (READ_ONCE(root->mc_pending) || READ_ONCE(root->nmi_pending)) {
		if (vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK)
			goto window;
		if (xchg(&root->mc_pending, 0)) {
			tvx_host_inject(X86_TRAP_MC, false);
			goto window;
		}
		if (!(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & HOST_INTR_BLOCKS_NMI) &&
		    host_nmi_take(root)) {
			host_inject_err(NMI_VECTOR, INTR_TYPE_NMI_INTR, false, 0);
			root->c.nmis++;
		}
	}
window:
	tvx_host_nmi_window(root);
}

/**
 * tvx_host_skip() - go past an instruction done for the host
 * @len: its length
 *
 * The blocking by STI or MOV SS it was under ends, and a single-step
 * trap is due (KVM does the same).
 *
 * Context: root mode.
 */
void tvx_host_skip(unsigned int len)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + len);
	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     intr & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
	if (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_TF)
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) | HOST_DR6_BS);
}

/* past an instruction whose exit gave its length */
static void host_skip(void)
{
	tvx_host_skip(vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

static unsigned int host_cpl(void)
{
	return (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3;
}

/* The guest's own CPUID, but VMX hidden and thinvmx named. */
static void handle_cpuid(struct tvx_host_regs *r)
{
	unsigned int eax = r->gpr[HREG_RAX], ecx = r->gpr[HREG_RCX];
	unsigned int ebx, edx;

	if (eax >= HOST_CPUID_BASE && eax <= HOST_CPUID_LAST) {
		if (eax == HOST_CPUID_BASE) {
			eax = HOST_CPUID_BASE;
			ebx = HOST_SIG_EBX;
			ecx = HOST_SIG_ECX;
			edx = HOST_SIG_EDX;
		} else {
			eax = 0;
			ebx = 0;
			ecx = 0;
			edx = 0;
		}
	} else {
		unsigned int leaf = eax;

		native_cpuid(&eax, &ebx, &ecx, &edx);
		if (leaf == 1) {
			ecx &= ~VMX_CPUID1_ECX_VMX;
			ecx |= CPUID1_ECX_HYPERVISOR;
		}
	}
	r->gpr[HREG_RAX] = eax;
	r->gpr[HREG_RBX] = ebx;
	r->gpr[HREG_RCX] = ecx;
	r->gpr[HREG_RDX] = edx;
	host_skip();
}

/* XSETBV: done here if the SDM allows the value, else #GP (CPL is 0). */
static void handle_xsetbv(struct tvx_host_root *root, struct tvx_host_regs *r)
{
	u64 val = (u32)r->gpr[HREG_RAX] | (r->gpr[HREG_RDX] << 32);

	if ((u32)r->gpr[HREG_RCX] != 0 ||
	    !xcr0_valid(val, root->cfg->xcr0_supported)) {
		tvx_host_inject(X86_TRAP_GP, true);
		return;
	}
	xsetbv(0, val);
	host_skip();
}

/*
 * The MSR bitmap catches IA32_FEATURE_CONTROL and the VMX capability
 * MSRs: the first reads with VMX off (CPUID says there is none), the
 * others #GP as on a CPU without VMX; writes to them all #GP. An MSR
 * outside the bitmap's ranges exits always: it is read or written here,
 * with a #GP where the CPU refuses it.
 */
bool tvx_host_msr_vmx(u32 msr)
{
	return msr == VMX_MSR_FEATURE_CONTROL ||
	       (msr >= VMX_MSR_BASIC && msr <= MSR_IA32_VMX_PROCBASED_CTLS3);
}

static void handle_msr_read(struct tvx_host_regs *r)
{
	u32 msr = r->gpr[HREG_RCX];
	u64 val;

	if (msr == VMX_MSR_FEATURE_CONTROL) {
		val = __rdmsr(msr);
		val &= ~(VMXCAP_FEATCTL_VMX_INSIDE_SMX | VMXCAP_FEATCTL_VMX_OUTSIDE_SMX);
	} else if (tvx_host_msr_vmx(msr) || tvx_root_rdmsr(msr, &val)) {
		tvx_host_inject(X86_TRAP_GP, true);
		return;
	}
	r->gpr[HREG_RAX] = (u32)val;
	r->gpr[HREG_RDX] = val >> 32;
	host_skip();
}

/*
 * The MSRs whose guest value a VM exit saves into the VMCS and a VM entry
 * loads from it: once they exit (pinned or watched), their reads and
 * writes are the VMCS fields, or the entry would undo the write.
 */
static bool host_msr_vmcs(u32 msr, u32 *field)
{
	switch (msr) {
	case MSR_IA32_SYSENTER_CS:
		*field = GUEST_SYSENTER_CS;
		return true;
	case MSR_IA32_SYSENTER_ESP:
		*field = GUEST_SYSENTER_ESP;
		return true;
	case MSR_IA32_SYSENTER_EIP:
		*field = GUEST_SYSENTER_EIP;
		return true;
	case MSR_FS_BASE:
		*field = GUEST_FS_BASE;
		return true;
	case MSR_GS_BASE:
		*field = GUEST_GS_BASE;
		return true;
	default:
		return false;
	}
}

static int host_msr_get(u32 msr, u64 *val)
{
	u32 field;

	if (host_msr_vmcs(msr, &field)) {
		*val = field == GUEST_SYSENTER_CS ? vmcs_read32(field) : vmcs_readl(field);
		return 0;
	}
	return tvx_root_rdmsr(msr, val);
}

static int host_msr_put(u32 msr, u64 val)
{
	u32 field;

	if (!host_msr_vmcs(msr, &field))
		return tvx_root_wrmsr(msr, val);
	if (field != GUEST_SYSENTER_CS && !__is_canonical_address(val, 48))
		return -EINVAL;		/* 4-level paging: the kernel's */
	if (field == GUEST_SYSENTER_CS)
		vmcs_write32(field, val);
	else
		vmcs_writel(field, val);
	return 0;
}

static void host_msr_event(struct tvx_host_regs *r, u32 msr, u64 val, bool known,
			   u64 old, u32 flags)
{
	struct thinvmx_event *ev = tvx_host_ev_begin(r, THINVMX_EVENT_MSR);

	if (!ev)
		return;
	ev->u.msr.msr = msr;
	ev->u.msr.new_value = val;
	if (known) {
		ev->u.msr.old_value = old;
		flags |= THINVMX_EVENT_F_OLD_VALID;
	}
	tvx_host_ev_send(ev, flags);
}

/*
 * WRMSR: a pinned MSR keeps its value (the write is dropped, counted and
 * reported; one of the value it has is done); a watched one is reported
 * once written; a write the CPU refuses is #GP, unreported.
 */
static void handle_msr_write(struct tvx_host_regs *r)
{
	u32 msr = r->gpr[HREG_RCX];
	u64 val = (u32)r->gpr[HREG_RAX] | (r->gpr[HREG_RDX] << 32);
	const struct tvx_host_policy *pol = &tvx_host_root_here()->cfg->pol;
	const struct monitor_settings *s = &pol->s;
	bool pinned = tvx_host_msr_pinned(pol, msr);
	bool watched = monitor_msr_watched(s, msr);
	bool known = false;
	u64 old = 0;

	if (tvx_host_msr_vmx(msr)) {
		tvx_host_inject(X86_TRAP_GP, true);
		return;
	}
	if (pinned || watched)
		known = !host_msr_get(msr, &old);
	if (pinned && (!known || old != val)) {
		tvx_host_root_here()->c.msr_pin_refused++;
		host_msr_event(r, msr, val, known, old, THINVMX_EVENT_F_DENIED);
		host_skip();
		return;
	}
	if (host_msr_put(msr, val)) {
		tvx_host_inject(X86_TRAP_GP, true);
		return;
	}
	if (watched && monitor_msr_event(s, msr, known, old, val) != MONITOR_NONE)
		host_msr_event(r, msr, val, known, old, 0);
	host_skip();
}

static unsigned long host_reg_read(struct tvx_host_regs *r, unsigned int n)
{
	return n == HREG_RSP ? vmcs_readl(GUEST_RSP) : r->gpr[n];
}

/*
 * A CR write is reported when the register is monitored (on-change-only
 * honoured), and always when a policy refused part of it (DENIED):
 * new_value is what the guest asked for, the register now holds it with
 * the pinned bits set.
 */
static void host_cr_event(struct tvx_host_regs *r, unsigned int cr,
			  unsigned long old, unsigned long val, bool denied)
{
	static const u16 reason[5] = {
		[0] = THINVMX_EVENT_CR0, [3] = THINVMX_EVENT_CR3,
		[4] = THINVMX_EVENT_CR4,
	};
	struct thinvmx_event *ev;

	if (!denied && monitor_cr_event(&tvx_host_root_here()->cfg->pol.s, cr, old,
					val) == MONITOR_NONE)
		return;
	ev = tvx_host_ev_begin(r, reason[cr]);
	if (!ev)
		return;
	ev->u.cr.new_value = val;
	ev->u.cr.old_value = old;
	tvx_host_ev_send(ev, denied ? THINVMX_EVENT_F_DENIED : 0);
}

/*
 * Write CR0 or CR4 as the guest asks, with what PIN_CR pins kept set.
 * A change of a bit VMX fixes is #GP, as in VMX operation (the guest is a
 * kernel that believes itself in it: CR4.VMXE reads 1). The read shadow
 * follows the register, so owning more bits (pinned, monitored) changes
 * nothing the host reads. Return: false after a #GP.
 */
static bool host_cr_put(struct tvx_host_regs *r, unsigned int cr,
			unsigned long val)
{
	const struct tvx_host_cfg *cfg = tvx_host_root_here()->cfg;
	u32 field = cr ? GUEST_CR4 : GUEST_CR0;
	u32 shadow = cr ? CR4_READ_SHADOW : CR0_READ_SHADOW;
	unsigned long fixed = cr ? cfg->cr4_mask : cfg->cr0_mask;
	unsigned long pin = cr ? READ_ONCE(cfg->pol.cr4_pin) :
				 READ_ONCE(cfg->pol.cr0_pin);
	unsigned long old = vmcs_readl(field), denied;

	if ((val & fixed) != (vmcs_readl(shadow) & fixed)) {
		tvx_host_inject(X86_TRAP_GP, true);
		return false;
	}
	denied = pin & old & ~val;
	vmcs_writel(field, val | denied);
	vmcs_writel(shadow, val | denied);
	if (denied)
		tvx_host_root_here()->c.cr_pin_refused++;
	host_cr_event(r, cr, old, val, denied);
	return true;
}

/*
 * MOV to CR0/CR4 exits for the bits owned (fixed, pinned, monitored), so
 * do CLTS and LMSW then; MOV to CR3 while CR3 is monitored (or on CPUs
 * that cannot turn CR3 exiting off). CR3 is moved as asked (without VPID,
 * every entry flushes the TLB anyway, so the no-flush bit 63 is dropped).
 */
static void handle_cr(struct tvx_host_root *root, struct tvx_host_regs *r)
{
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	unsigned int cr = qual & VMX_CR_QUAL_NUM_MASK;
	unsigned int type = (qual >> VMX_CR_QUAL_TYPE_SHIFT) & 3;
	unsigned int reg = (qual >> VMX_CR_QUAL_REG_SHIFT) & 15;
	unsigned long val, old;

	if (type == VMX_CR_TYPE_MOV_FROM && cr == 3) {
		if (reg == HREG_RSP)
			vmcs_writel(GUEST_RSP, vmcs_readl(GUEST_CR3));
		else
			r->gpr[reg] = vmcs_readl(GUEST_CR3);
		host_skip();
		return;
	}
	old = vmcs_readl(GUEST_CR0);
	switch (type) {
	case VMX_CR_TYPE_CLTS:
		if (host_cr_put(r, 0, old & ~X86_CR0_TS))
			host_skip();
		return;
	case VMX_CR_TYPE_LMSW:
		/* the low four bits; LMSW sets PE but never clears it */
		val = (qual >> 16) & 0xf;
		if (host_cr_put(r, 0, (old & ~0xeUL) | val))
			host_skip();
		return;
	case VMX_CR_TYPE_MOV_TO:
		break;
	default:
		tvx_host_inject(X86_TRAP_GP, true);
		return;
	}
	val = host_reg_read(r, reg);
	switch (cr) {
	case 0:
	case 4:
		if (!host_cr_put(r, cr, val))
			return;
		break;
	case 3:
		old = vmcs_readl(GUEST_CR3);
		vmcs_writel(GUEST_CR3, val & ~BIT_ULL(63));
		host_cr_event(r, 3, old, val, false);
		break;
	default:
		tvx_host_inject(X86_TRAP_GP, true);
		return;
	}
	host_skip();
}

/*
 * An exception the exception bitmap caught: only #BP, while INT3 is
 * monitored. Reported, then delivered to the host's own handler exactly
 * as it came (a software exception with its instruction length: RIP is
 * still on the INT3), so kprobes, text patching and debuggers work on.
 */
static void handle_exception(struct tvx_host_regs *r)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);
	u32 entry = info & (INTR_INFO_VECTOR_MASK | INTR_INFO_INTR_TYPE_MASK |
			    INTR_INFO_DELIVER_CODE_MASK | INTR_INFO_VALID_MASK);
	u32 len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	struct thinvmx_event *ev;

	if ((info & INTR_INFO_VECTOR_MASK) == X86_TRAP_BP &&
	    monitor_delivery(&tvx_host_root_here()->cfg->pol.s,
			     THINVMX_MONITOR_INT3) != MONITOR_NONE) {
		ev = tvx_host_ev_begin(r, THINVMX_EVENT_INT3);
		if (ev) {
			ev->u.int3.gla = vmcs_readl(GUEST_RIP);
			ev->u.int3.offset = offset_in_page(ev->u.int3.gla);
			ev->u.int3.insn_len = len;
			ev->u.int3.access = THINVMX_EVENT_ACCESS_X;
			tvx_host_ev_send(ev, THINVMX_EVENT_F_GLA_VALID);
		}
	}
	if (info & INTR_INFO_DELIVER_CODE_MASK)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     vmcs_read32(VM_EXIT_INTR_ERROR_CODE));
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, entry);
	vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, len);
}

/*
 * Go on natively in the guest's context: root mode's page table, GDTR and
 * IDTR limits, TR limit, LDTR, data segments, the MSRs and DR7 a VM exit
 * loads are put back to the guest's values; RIP, CS, RFLAGS, RSP and SS
 * come from the IRET frame built above the saved registers. The CPU stays
 * in VMX root operation with this VMCS current: VMCLEAR and VMXOFF are
 * vmx/enable.c's, as for any other VMX user.
 */
static int host_leave(struct tvx_host_regs *r, bool skip)
{
	unsigned long *frame = (unsigned long *)(r + 1);
	struct tvx_host_root *root = host_root(r);
	const struct tvx_host_cfg *cfg = root->cfg;
	struct desc_ptr dt;
	u16 sel;
	u8 n;

	frame[0] = vmcs_readl(GUEST_RIP);
	if (skip)
		frame[0] += vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	frame[1] = vmcs_read16(GUEST_CS_SELECTOR);
	frame[2] = vmcs_readl(GUEST_RFLAGS);
	frame[3] = vmcs_readl(GUEST_RSP);
	frame[4] = vmcs_read16(GUEST_SS_SELECTOR);

	asm volatile("mov %0, %%cr0" : : "r" (vmcs_readl(GUEST_CR0)) : "memory");
	asm volatile("mov %0, %%cr4" : : "r" (vmcs_readl(GUEST_CR4)) : "memory");
	asm volatile("mov %0, %%cr3" : : "r" (vmcs_readl(GUEST_CR3)) : "memory");
	dt.address = vmcs_readl(GUEST_GDTR_BASE);
	dt.size = vmcs_read32(GUEST_GDTR_LIMIT);
	native_load_gdt(&dt);
	dt.address = vmcs_readl(GUEST_IDTR_BASE);
	dt.size = vmcs_read32(GUEST_IDTR_LIMIT);
	native_load_idt(&dt);
	sel = vmcs_read16(GUEST_LDTR_SELECTOR);
	asm volatile("lldt %0" : : "r" (sel));
	sel = vmcs_read16(GUEST_DS_SELECTOR);
	asm volatile("mov %0, %%ds" : : "r" (sel));
	sel = vmcs_read16(GUEST_ES_SELECTOR);
	asm volatile("mov %0, %%es" : : "r" (sel));
	/*
	 * FS and GS selectors as they were (a VM exit zeroes them); loading
	 * one also loads a base, so the MSR comes after. GS is left alone
	 * when the guest's is null, as the kernel's always is: an NMI
	 * between the two would find a wrong GS base.
	 */
	sel = vmcs_read16(GUEST_FS_SELECTOR);
	if (sel)
		asm volatile("mov %0, %%fs" : : "r" (sel));
	native_wrmsrl(MSR_FS_BASE, vmcs_readl(GUEST_FS_BASE));
	sel = vmcs_read16(GUEST_GS_SELECTOR);
	if (sel)
		asm volatile("mov %0, %%gs" : : "r" (sel));
	native_wrmsrl(MSR_GS_BASE, vmcs_readl(GUEST_GS_BASE));
	native_wrmsrl(MSR_IA32_SYSENTER_CS, vmcs_read32(GUEST_SYSENTER_CS));
	native_wrmsrl(MSR_IA32_SYSENTER_ESP, vmcs_readl(GUEST_SYSENTER_ESP));
	native_wrmsrl(MSR_IA32_SYSENTER_EIP, vmcs_readl(GUEST_SYSENTER_EIP));
	if (cfg->exit & VMX_EXIT_SAVE_IA32_PAT)
		native_wrmsrl(MSR_IA32_CR_PAT, vmcs_read64(GUEST_IA32_PAT));
	native_wrmsrl(MSR_IA32_DEBUGCTLMSR, vmcs_read64(GUEST_IA32_DEBUGCTL));
	native_set_debugreg(7, vmcs_readl(GUEST_DR7));
	/* a VM exit leaves TR's limit at 0x67: as kvm_intel does after one */
	invalidate_tss_limit();
	/*
	 * The host's IDT is back: an NMI or machine check root mode took
	 * and did not inject yet goes to the host's handler now, through
	 * the IDT as "int" would (old kvm_intel re-delivered NMIs with
	 * "int $2"). One that arrives from here on goes there by itself.
	 */
	if (xchg(&root->mc_pending, 0))
		asm volatile("int %0" : : "i" (X86_TRAP_MC) : "memory");
	for (n = xchg(&root->nmi_pending, 0); n; n--) {
		root->c.nmi_leave++;
		asm volatile("int %0" : : "i" (NMI_VECTOR) : "memory");
	}
	return 1;
}

/**
 * tvx_host_leave_here() - leave host mode from root mode's exception handler
 * @r: the guest's registers as the exit saved them
 * @skip: past the exiting instruction
 *
 * Context: root mode.
 * Return: 1 (the IRET frame above @r is built).
 */
int tvx_host_leave_here(struct tvx_host_regs *r, bool skip)
{
	return host_leave(r, skip);
}

/*
 * The module's own hypercall (host_call.c): only from the VMCALL in
 * tvx_host_vmcall(), at CPL 0, with the magic in RAX; every other VMCALL
 * is the #UD it would be without VMX. TVX_HC_LEAVE is answered here (it
 * needs the registers), the other ops by tvx_host_call_root().
 */
static int handle_vmcall(struct tvx_host_root *root, struct tvx_host_regs *r)
{
	u64 arg[TVX_HC_ARGS] = { r->gpr[HREG_RCX], r->gpr[HREG_RDX], r->gpr[HREG_RSI] };
	unsigned long op = r->gpr[HREG_RBX];

	if (vmcs_readl(GUEST_RIP) != (unsigned long)tvx_host_vmcall_insn ||
	    host_cpl() != 0 || r->gpr[HREG_RAX] != TVX_HOST_VMCALL_MAGIC) {
		host_count(root, THINVMX_HOST_EXIT_VMX_INSN);
		tvx_host_inject(X86_TRAP_UD, false);
		return 0;
	}
	r->gpr[HREG_RBX] = TVX_HOST_VMCALL_DONE;
	if (op == TVX_HC_LEAVE) {
		host_count(root, THINVMX_HOST_EXIT_VMCALL);
		r->gpr[HREG_RAX] = 0;
		return host_leave(r, true);
	}
	host_count(root, THINVMX_HOST_EXIT_HYPERCALL);
	r->gpr[HREG_RAX] = tvx_host_call_root(root, op, arg);
	host_skip();
	return 0;
}

/*
 * An NMI exit: the NMI is the host's, re-delivered by host_deliver(). If
 * it came while an IRET of the host's was unblocking NMIs, blocking is
 * put back first (SDM 27.2.3; KVM's vmx_recover_nmi_blocking()).
 *
 * An NMI exit leaves NMIs blocked in root mode until an IRET there or
 * the next VM entry (which, with virtual NMIs, leaves them unblocked:
 * the SDM's VM entry "Interruptibility State"; kvm_intel unblocks them
 * earlier, with the IRET of the host handler it calls). Bochs 2.7 never
 * unblocks them at VM entry (fixed in 2.8, its bug 1456): the host then
 * ran with NMIs blocked until root mode happened to execute an IRET,
 * every NMI meanwhile waited, and those that waited together merged into
 * one: lost backtraces (host_test's nmi_in_host). An IRET to the next
 * instruction unblocks them here, on any CPU; an NMI from then on is
 * taken by root mode's IDT (host_idt.c) and held like this one.
 */
static void handle_nmi(struct tvx_host_root *root, u32 intr_info)
{
	host_count(root, THINVMX_HOST_EXIT_NMI);
	if ((intr_info & HOST_NMI_UNBLOCK_IRET) &&
	    !(vmcs_read32(IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID_MASK))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) | GUEST_INTR_STATE_NMI);
	tvx_host_nmi_hold(root);
	iret_to_self();
}

/*
 * The host touched a frame it has no right to: one of the hypervisor's
 * (stolen: no access; the module's text and read-only data: read and
 * execute only). The access does not happen. What the host gets is a
 * page fault at the linear address it used, with the reserved-bit flag
 * set in the error code:
 *  - a fault, not a skipped instruction: skipping would need an
 *    instruction decoder in root mode and would leave the host running
 *    on a load that returned nothing or a store that silently vanished;
 *  - a page fault, because that is how the kernel already handles an
 *    access it may not make: an access with an exception-table fixup
 *    (uaccess, get_kernel_nofault(), /dev/mem's copies) fails with
 *    -EFAULT, any other is an oops that kills the offending task, and
 *    the hypervisor's memory stays intact either way;
 *  - RSVD set, because the kernel's page-fault handler would otherwise
 *    find a present, writable page-table entry, take the fault for a
 *    spurious one (stale TLB, spurious_kernel_fault()) and retry the
 *    access forever; with RSVD it reports "reserved bit violation",
 *    which says "not an ordinary permission fault".
 * pKVM-IA injects nothing and lets the host take the EPT's consequence;
 * on ARM, pKVM injects an abort: the same choice, a fault the host
 * survives unless it insists. A violation while the CPU delivered an
 * event (the host put its IDT or stack into such a frame) cannot be
 * fixed up: #DF. Counted in "refused" and reported by host status; a
 * write is also an RO_MMIO_WRITE event (DENIED) for the host's listener.
 */
static void handle_ept_violation(struct tvx_host_root *root, struct tvx_host_regs *r)
{
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	u32 error = X86_PF_PROT | X86_PF_RSVD;

	host_count(root, THINVMX_HOST_EXIT_EPT);
	root->c.refused++;
	if (qual & EPT_VIOLATION_ACC_WRITE)
		tvx_host_ev_write_refused(r, vmcs_read64(GUEST_PHYSICAL_ADDRESS));
	if (vmcs_read32(IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID_MASK) {
		host_inject_err(X86_TRAP_DF, INTR_TYPE_HARD_EXCEPTION, true, 0);
		return;
	}
	if (qual & HOST_NMI_UNBLOCK_IRET)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) | GUEST_INTR_STATE_NMI);
	if (!(qual & HOST_EPT_LINEAR_VALID)) {
		tvx_host_inject(X86_TRAP_GP, true);
		return;
	}
	if (qual & EPT_VIOLATION_ACC_WRITE)
		error |= X86_PF_WRITE;
	if (qual & EPT_VIOLATION_ACC_INSTR)
		error |= X86_PF_INSTR;
	if (host_cpl() == 3)
		error |= X86_PF_USER;
	/* CR2 is not in the VMCS: nothing in root mode faults before entry */
	native_write_cr2(vmcs_readl(GUEST_LINEAR_ADDRESS));
	host_inject_err(X86_TRAP_PF, INTR_TYPE_HARD_EXCEPTION, true, error);
}

static int host_exit(struct tvx_host_root *root, struct tvx_host_regs *r, u32 reason)
{
	if (!(reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		host_redeliver();
	switch (reason) {
	case EXIT_REASON_EXCEPTION_NMI: {
		u32 info = vmcs_read32(VM_EXIT_INTR_INFO);

		if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR) {
			handle_nmi(root, info);
			return 0;
		}
		/* the exception bitmap has #BP only, while INT3 is monitored */
		host_count(root, THINVMX_HOST_EXIT_EXCEPTION);
		handle_exception(r);
		return 0;
	}
	case EXIT_REASON_NMI_WINDOW:
		host_count(root, THINVMX_HOST_EXIT_NMI_WINDOW);
		return 0;	/* host_deliver() injects */
	case EXIT_REASON_CPUID:
		host_count(root, THINVMX_HOST_EXIT_CPUID);
		handle_cpuid(r);
		return 0;
	case EXIT_REASON_XSETBV:
		host_count(root, THINVMX_HOST_EXIT_XSETBV);
		handle_xsetbv(root, r);
		return 0;
	case EXIT_REASON_INVD:
		/* never drop dirty lines the host may need: write them back */
		host_count(root, THINVMX_HOST_EXIT_INVD);
		native_wbinvd();
		host_skip();
		return 0;
	case EXIT_REASON_GETSEC:
		host_count(root, THINVMX_HOST_EXIT_GETSEC);
		tvx_host_inject(X86_TRAP_UD, false);
		return 0;
	case EXIT_REASON_VMCALL:
		return handle_vmcall(root, r);
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
		host_count(root, THINVMX_HOST_EXIT_VMX_INSN);
		tvx_host_inject(X86_TRAP_UD, false);
		return 0;
	case EXIT_REASON_MSR_READ:
		host_count(root, THINVMX_HOST_EXIT_MSR_READ);
		handle_msr_read(r);
		return 0;
	case EXIT_REASON_MSR_WRITE:
		host_count(root, THINVMX_HOST_EXIT_MSR_WRITE);
		handle_msr_write(r);
		return 0;
	case EXIT_REASON_CR_ACCESS:
		host_count(root, THINVMX_HOST_EXIT_CR);
		handle_cr(root, r);
		return 0;
	case EXIT_REASON_EPT_VIOLATION:
		/*
		 * A frame of the hypervisor's: refused. Else a frame of the
		 * host's read-only set (MSI-X, host_mmio.c); what neither
		 * owns is a bug of ours, and the CPU leaves host mode.
		 */
		if (tvx_host_ept_lookup(root->cfg, vmcs_read64(GUEST_PHYSICAL_ADDRESS)) &
		    TVX_EPT_OWNED) {
			handle_ept_violation(root, r);
			return 0;
		}
		host_count(root, THINVMX_HOST_EXIT_EPT);
		if (!tvx_host_mmio_write(r))
			return 0;
		break;
	case EXIT_REASON_EPT_MISCONFIG:
		/*
		 * The identity map covers MAXPHYADDR whole and every entry
		 * is built by us: a bug of ours. The CPU leaves host mode
		 * rather than loop.
		 */
		host_count(root, THINVMX_HOST_EXIT_EPT);
		break;
	default:
		/*
		 * A triple fault, INIT, a failed entry (bit 31): the guest
		 * cannot go on as one; natively it meets the same fate it
		 * would have met without thinvmx.
		 */
		host_count(root, THINVMX_HOST_EXIT_OTHER);
		break;
	}
	this_cpu_write(tvx_host_cpus.on, false);
	return host_leave(r, false);
}

/**
 * tvx_host_handle_exit() - one VM exit of a CPU in host mode
 * @r: the guest's general registers, saved by host_entry.S
 *
 * Context: root mode, interrupts off, on this CPU's root-mode stack.
 * Return: 0 to resume the guest, 1 to go on natively (host_leave()).
 */
int tvx_host_handle_exit(struct tvx_host_regs *r)
{
	struct tvx_host_root *root = host_root(r);
	u32 reason = vmcs_read32(VM_EXIT_REASON);
	int ret = host_exit(root, r, reason);

	if (!ret)
		host_deliver(root);
	return ret;
}

NOKPROBE_SYMBOL(tvx_host_handle_exit);

/**
 * tvx_host_resume_failed() - VMRESUME failed: go on natively
 * @r: the guest's general registers
 *
 * Context: root mode, as tvx_host_handle_exit().
 * Return: 1 (host_leave() built the IRET frame).
 */
int tvx_host_resume_failed(struct tvx_host_regs *r)
{
	host_count(host_root(r), THINVMX_HOST_EXIT_OTHER);
	this_cpu_write(tvx_host_cpus.on, false);
	return host_leave(r, false);
}

NOKPROBE_SYMBOL(tvx_host_resume_failed);
