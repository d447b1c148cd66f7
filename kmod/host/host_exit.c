// SPDX-License-Identifier: GPL-2.0
/*
 * Host mode's VM exits, in root mode. The guest is the host kernel (or
 * one of its tasks) at any point: any lock may be held and interrupts may
 * be off. So this code is like an NMI handler: it takes no lock, never
 * sleeps, never prints, touches only this CPU's state; what it has to say
 * goes into per-CPU counters that THINVMX_HOST_STATUS adds up.
 *
 * Few things exit at all (host.c sets the controls): CPUID, XSETBV, INVD,
 * GETSEC and the VMX instructions (architecturally), the MSRs of the MSR
 * bitmap (IA32_FEATURE_CONTROL and the VMX capability MSRs) and MSRs
 * outside the bitmap's ranges, and writes changing the CR0/CR4 bits VMX
 * fixes. Return contract of the handlers: 0 resumes the guest, 1 means
 * host_leave() built the IRET frame and the CPU goes on natively.
 */
#include <linux/kprobes.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/trapnr.h>

#include "host/host_cpu.h"
#include "host/host_msix.h"
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

static void host_count(unsigned int kind)
{
	this_cpu_inc(tvx_host_cpus.exits[kind]);
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
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	if (has_error) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
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
static void handle_xsetbv(struct tvx_host_regs *r)
{
	u64 val = (u32)r->gpr[HREG_RAX] | (r->gpr[HREG_RDX] << 32);

	if ((u32)r->gpr[HREG_RCX] != 0 ||
	    !xcr0_valid(val, tvx_host_cfg.xcr0_supported)) {
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
static bool host_msr_vmx(u32 msr)
{
	return msr == VMX_MSR_FEATURE_CONTROL ||
	       (msr >= VMX_MSR_BASIC && msr <= MSR_IA32_VMX_PROCBASED_CTLS3);
}

static void handle_msr_read(struct tvx_host_regs *r)
{
	u32 msr = r->gpr[HREG_RCX];
	u64 val;

	if (msr == VMX_MSR_FEATURE_CONTROL) {
		rdmsrl(msr, val);
		val &= ~(VMXCAP_FEATCTL_VMX_INSIDE_SMX | VMXCAP_FEATCTL_VMX_OUTSIDE_SMX);
	} else if (host_msr_vmx(msr) || rdmsrl_safe(msr, &val)) {
		tvx_host_inject(X86_TRAP_GP, true);
		return;
	}
	r->gpr[HREG_RAX] = (u32)val;
	r->gpr[HREG_RDX] = val >> 32;
	host_skip();
}

static void handle_msr_write(struct tvx_host_regs *r)
{
	u32 msr = r->gpr[HREG_RCX];
	u64 val = (u32)r->gpr[HREG_RAX] | (r->gpr[HREG_RDX] << 32);

	if (host_msr_vmx(msr) || wrmsrl_safe(msr, val)) {
		tvx_host_inject(X86_TRAP_GP, true);
		return;
	}
	host_skip();
}

static unsigned long host_reg_read(struct tvx_host_regs *r, unsigned int n)
{
	return n == HREG_RSP ? vmcs_readl(GUEST_RSP) : r->gpr[n];
}

/*
 * A MOV to CR0 or CR4 that changes a bit VMX fixes: in VMX operation the
 * CPU raises #GP for that, and so does this (the guest is a kernel that
 * believes itself in VMX operation: CR4.VMXE reads 1). Any other value is
 * written as asked. CR3 exits only on CPUs that cannot turn CR3 exiting
 * off: it is moved as asked (without VPID, every entry flushes the TLB
 * anyway, so the no-flush bit 63 is dropped).
 */
static void handle_cr(struct tvx_host_regs *r)
{
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	unsigned int cr = qual & VMX_CR_QUAL_NUM_MASK;
	unsigned int type = (qual >> VMX_CR_QUAL_TYPE_SHIFT) & 3;
	unsigned int reg = (qual >> VMX_CR_QUAL_REG_SHIFT) & 15;
	const struct tvx_host_cfg *cfg = &tvx_host_cfg;
	unsigned long val;

	if (type == VMX_CR_TYPE_MOV_FROM && cr == 3) {
		if (reg == HREG_RSP)
			vmcs_writel(GUEST_RSP, vmcs_readl(GUEST_CR3));
		else
			r->gpr[reg] = vmcs_readl(GUEST_CR3);
		host_skip();
		return;
	}
	if (type != VMX_CR_TYPE_MOV_TO) {
		/* LMSW or CLTS touching an owned bit: none of them may change */
		tvx_host_inject(X86_TRAP_GP, true);
		return;
	}
	val = host_reg_read(r, reg);
	switch (cr) {
	case 0:
		if ((val & cfg->cr0_mask) != (vmcs_readl(CR0_READ_SHADOW) & cfg->cr0_mask)) {
			tvx_host_inject(X86_TRAP_GP, true);
			return;
		}
		vmcs_writel(GUEST_CR0, val);
		vmcs_writel(CR0_READ_SHADOW, val);
		break;
	case 3:
		vmcs_writel(GUEST_CR3, val & ~BIT_ULL(63));
		break;
	case 4:
		if ((val & cfg->cr4_mask) != (vmcs_readl(CR4_READ_SHADOW) & cfg->cr4_mask)) {
			tvx_host_inject(X86_TRAP_GP, true);
			return;
		}
		vmcs_writel(GUEST_CR4, val);
		vmcs_writel(CR4_READ_SHADOW, val);
		break;
	default:
		tvx_host_inject(X86_TRAP_GP, true);
		return;
	}
	host_skip();
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
	const struct tvx_host_cfg *cfg = &tvx_host_cfg;
	struct desc_ptr dt;
	u16 sel;

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
	wrmsrl(MSR_FS_BASE, vmcs_readl(GUEST_FS_BASE));
	sel = vmcs_read16(GUEST_GS_SELECTOR);
	if (sel)
		asm volatile("mov %0, %%gs" : : "r" (sel));
	wrmsrl(MSR_GS_BASE, vmcs_readl(GUEST_GS_BASE));
	wrmsrl(MSR_IA32_SYSENTER_CS, vmcs_read32(GUEST_SYSENTER_CS));
	wrmsrl(MSR_IA32_SYSENTER_ESP, vmcs_readl(GUEST_SYSENTER_ESP));
	wrmsrl(MSR_IA32_SYSENTER_EIP, vmcs_readl(GUEST_SYSENTER_EIP));
	if (cfg->exit & VMX_EXIT_SAVE_IA32_PAT)
		wrmsrl(MSR_IA32_CR_PAT, vmcs_read64(GUEST_IA32_PAT));
	wrmsrl(MSR_IA32_DEBUGCTLMSR, vmcs_read64(GUEST_IA32_DEBUGCTL));
	native_set_debugreg(7, vmcs_readl(GUEST_DR7));
	/* a VM exit leaves TR's limit at 0x67: as kvm_intel does after one */
	invalidate_tss_limit();
	return 1;
}

/**
 * tvx_host_invept() - drop this CPU's cached mappings of the identity EPT
 *
 * Single-context where the CPU has it, else all contexts. Both are
 * always present with EPT in host mode's use (host_prepare() checks), so
 * a VMfail is not expected; it would leave stale write rights cached, and
 * nothing here can print: it is not looked at, as KVM's ept_sync does not.
 *
 * Context: root mode, or a CPU in VMX root operation before VMLAUNCH.
 */
void tvx_host_invept(void)
{
	const struct tvx_host_cfg *cfg = &tvx_host_cfg;
	struct vmx_inv_desc desc = { cfg->eptp, 0 };

	if (!cfg->eptp)
		return;
	__vmx_invept(cfg->invept_single ? VMX_EPT_EXTENT_CONTEXT :
		     VMX_EPT_EXTENT_GLOBAL, &desc);
}

/*
 * The module's own VMCALLs: from tvx_host_vmcall(), CPL 0. Leaving host
 * mode, and INVEPT after host-side code changed a leaf of the identity
 * EPT (tvx_host_ept_protect()).
 */
static int handle_vmcall(struct tvx_host_regs *r)
{
	if (vmcs_readl(GUEST_RIP) == (unsigned long)tvx_host_vmcall_insn &&
	    host_cpl() == 0) {
		switch (r->gpr[HREG_RAX]) {
		case TVX_HOST_VMCALL_LEAVE:
			host_count(THINVMX_HOST_EXIT_VMCALL);
			r->gpr[HREG_RAX] = 0;
			return host_leave(r, true);
		case TVX_HOST_VMCALL_INVEPT:
			host_count(THINVMX_HOST_EXIT_VMCALL);
			tvx_host_invept();
			r->gpr[HREG_RAX] = 0;
			host_skip();
			return 0;
		}
	}
	host_count(THINVMX_HOST_EXIT_VMX_INSN);
	tvx_host_inject(X86_TRAP_UD, false);
	return 0;
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
	u32 reason = vmcs_read32(VM_EXIT_REASON);

	switch (reason) {
	case EXIT_REASON_CPUID:
		host_count(THINVMX_HOST_EXIT_CPUID);
		handle_cpuid(r);
		return 0;
	case EXIT_REASON_XSETBV:
		host_count(THINVMX_HOST_EXIT_XSETBV);
		handle_xsetbv(r);
		return 0;
	case EXIT_REASON_INVD:
		/* never drop dirty lines the host may need: write them back */
		host_count(THINVMX_HOST_EXIT_INVD);
		native_wbinvd();
		host_skip();
		return 0;
	case EXIT_REASON_GETSEC:
		host_count(THINVMX_HOST_EXIT_GETSEC);
		tvx_host_inject(X86_TRAP_UD, false);
		return 0;
	case EXIT_REASON_VMCALL:
		return handle_vmcall(r);
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
		host_count(THINVMX_HOST_EXIT_VMX_INSN);
		tvx_host_inject(X86_TRAP_UD, false);
		return 0;
	case EXIT_REASON_MSR_READ:
		host_count(THINVMX_HOST_EXIT_MSR_READ);
		handle_msr_read(r);
		return 0;
	case EXIT_REASON_MSR_WRITE:
		host_count(THINVMX_HOST_EXIT_MSR_WRITE);
		handle_msr_write(r);
		return 0;
	case EXIT_REASON_CR_ACCESS:
		host_count(THINVMX_HOST_EXIT_CR);
		handle_cr(r);
		return 0;
	case EXIT_REASON_EPT_VIOLATION:
		/* a write to a read-only MSI-X frame (host_mmio.c) */
		host_count(THINVMX_HOST_EXIT_EPT);
		if (!tvx_host_mmio_write(r))
			return 0;
		break;
	case EXIT_REASON_EPT_MISCONFIG:
		/*
		 * The identity map covers MAXPHYADDR whole, and only the
		 * write right of 4 KiB leaves ever changes: this (or a
		 * violation host_mmio.c does not own) is a bug of ours. The
		 * CPU leaves host mode rather than loop.
		 */
		host_count(THINVMX_HOST_EXIT_EPT);
		break;
	default:
		/*
		 * A triple fault, INIT, a failed entry (bit 31): the guest
		 * cannot go on as one; natively it meets the same fate it
		 * would have met without thinvmx.
		 */
		host_count(THINVMX_HOST_EXIT_OTHER);
		break;
	}
	this_cpu_write(tvx_host_cpus.on, false);
	return host_leave(r, false);
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
	host_count(THINVMX_HOST_EXIT_OTHER);
	this_cpu_write(tvx_host_cpus.on, false);
	return host_leave(r, false);
}

NOKPROBE_SYMBOL(tvx_host_resume_failed);
