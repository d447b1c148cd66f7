// SPDX-License-Identifier: GPL-2.0
/*
 * VM exit handlers.
 *
 * Contract of every handle_<reason>() in the table below, and of
 * tvx_handle_exit(): return
 *   1  the exit is dealt with in the kernel: enter the guest again;
 *   0  userspace must act: struct thinvmx_run says what; RUN returns 0;
 *   TVX_EXIT_WAIT_EVENT  an event waits for room in its ring or for the
 *      listener's answer: the run loop sleeps outside the inner loop
 *      (listener.c), then enters again (tvx_event_resume() first);
 *  <0  an errno for RUN to return.
 * Handlers run with preemption disabled and interrupts enabled, the vCPU's
 * VMCS current. They never sleep. An exit nothing handles stops the vCPU
 * (internal error), dumps the VMCS once in a while, and leaves the host
 * and every other guest alone.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/ratelimit.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/msr.h>
#include <asm/debugreg.h>
#include <asm/trapnr.h>

#include "cpuid.h"
#include "listener.h"
#include "vcpu.h"
#include "vmx/emulate.h"
#include "vmx/gwalk.h"
#include "vmx/vmx_bits.h"
#include "vmx/vmx_ops.h"

/* ------------------------------------------------------------ helpers */

/**
 * tvx_read_guest() - copy from guest physical memory
 * @dom: the domain
 * @gpa: where
 * @buf: to
 * @len: bytes; may cross pages
 *
 * Return: 0, or -EFAULT when part of the range is not RAM.
 */
int tvx_read_guest(struct tvx_domain *dom, u64 gpa, void *buf, unsigned int len)
{
	while (len) {
		unsigned int n = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		u64 hpa;

		if (!tvx_gpa_to_hpa(dom, gpa, &hpa))
			return -EFAULT;
		memcpy(buf, phys_to_virt(hpa), n);
		buf += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

static int tvx_gwalk_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return tvx_read_guest(ctx, gpa, buf, len);
}

static void tvx_skip_insn(struct tvx_vcpu *v)
{
	unsigned long rip = vmcs_readl(GUEST_RIP);
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_writel(GUEST_RIP, rip + vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	/* the instruction completed: STI/MOV SS blocking ends with it */
	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     intr & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

/* Queue a hardware exception for the next entry (SDM 26.6.1). */
static void tvx_inject_exception(struct tvx_vcpu *v, u8 vector, bool has_error,
				 u32 error)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	/* real mode delivers no error code */
	if (has_error && (vmcs_readl(GUEST_CR0) & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
}

static int tvx_inject_gp(struct tvx_vcpu *v)
{
	tvx_inject_exception(v, X86_TRAP_GP, true, 0);
	return 1;
}

static int tvx_inject_ud(struct tvx_vcpu *v)
{
	tvx_inject_exception(v, X86_TRAP_UD, false, 0);
	return 1;
}

static int tvx_internal_error(struct tvx_vcpu *v, u32 suberror)
{
	struct thinvmx_run *run = v->run;

	run->internal.vmx_exit_reason = v->exit_reason;
	run->internal.suberror = suberror;
	run->internal.qualification = vmcs_readl(EXIT_QUALIFICATION);
	run->internal.guest_rip = vmcs_readl(GUEST_RIP);
	v->stopped = true;
	v->stop_reason = THINVMX_EXIT_INTERNAL_ERROR;
	run->exit_reason = THINVMX_EXIT_INTERNAL_ERROR;
	return 0;
}

static void tvx_dump_vmcs(struct tvx_vcpu *v)
{
	static DEFINE_RATELIMIT_STATE(rs, 60 * HZ, 1);

	if (!__ratelimit(&rs))
		return;
	pr_err("domain %u vCPU %u: unhandled exit %#x qual %#lx intr %#x idt %#x\n",
	       v->dom->id, v->id, v->exit_reason, vmcs_readl(EXIT_QUALIFICATION),
	       vmcs_read32(VM_EXIT_INTR_INFO), vmcs_read32(IDT_VECTORING_INFO_FIELD));
	pr_err("  rip %#lx rsp %#lx rflags %#lx cr0 %#lx cr3 %#lx cr4 %#lx efer %#llx\n",
	       vmcs_readl(GUEST_RIP), vmcs_readl(GUEST_RSP), vmcs_readl(GUEST_RFLAGS),
	       vmcs_readl(GUEST_CR0), vmcs_readl(GUEST_CR3), vmcs_readl(GUEST_CR4),
	       vmcs_read64(GUEST_IA32_EFER));
	pr_err("  cs %#x/%#lx/%#x ar %#x ss %#x ar %#x tr %#x ar %#x gpa %#llx gla %#lx\n",
	       vmcs_read16(GUEST_CS_SELECTOR), vmcs_readl(GUEST_CS_BASE),
	       vmcs_read32(GUEST_CS_LIMIT), vmcs_read32(GUEST_CS_AR_BYTES),
	       vmcs_read16(GUEST_SS_SELECTOR), vmcs_read32(GUEST_SS_AR_BYTES),
	       vmcs_read16(GUEST_TR_SELECTOR), vmcs_read32(GUEST_TR_AR_BYTES),
	       vmcs_read64(GUEST_PHYSICAL_ADDRESS), vmcs_readl(GUEST_LINEAR_ADDRESS));
	pr_err("  controls pin %#x proc %#x proc2 %#x exit %#x entry %#x\n",
	       vmcs_read32(PIN_BASED_VM_EXEC_CONTROL),
	       vmcs_read32(CPU_BASED_VM_EXEC_CONTROL),
	       vmcs_read32(SECONDARY_VM_EXEC_CONTROL),
	       vmcs_read32(VM_EXIT_CONTROLS), vmcs_read32(VM_ENTRY_CONTROLS));
}

/*
 * An event whose delivery the exit interrupted (SDM 28.2.4) is delivered
 * again on the next entry, unless something else was queued already.
 */
static void tvx_reinject_vectoring(struct tvx_vcpu *v)
{
	u32 idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);

	if (!(idt & VECTORING_INFO_VALID_MASK))
		return;
	if (vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK)
		return;
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, idt & ~INTR_INFO_RESVD_BITS_MASK);
	if (idt & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     vmcs_read32(IDT_VECTORING_ERROR_CODE));
	vmcs_write32(VM_ENTRY_INSTRUCTION_LEN,
		     vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

/* ------------------------------------------------------------ handlers */

static int handle_single_step(struct tvx_vcpu *v);
static int handle_int3(struct tvx_vcpu *v);
static unsigned int tvx_guest_mode(void);

static int handle_exception_nmi(struct tvx_vcpu *v)
{
	u32 intr = v->exit_intr_info;

	/* NMIs were delivered to the host in tvx_enter() */
	if ((intr & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return 1;
	if ((intr & INTR_INFO_VECTOR_MASK) == X86_TRAP_DB && v->ss_active &&
	    !v->ss_mtf)
		return handle_single_step(v);
	if ((intr & INTR_INFO_VECTOR_MASK) == X86_TRAP_BP)
		return handle_int3(v);
	/* a machine check in the guest is the host's business */
	if ((intr & INTR_INFO_VECTOR_MASK) == X86_TRAP_MC) {
		asm volatile("int $" __stringify(X86_TRAP_MC));
		return 1;
	}
	return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
}

/*
 * An external interrupt is taken by the host when interrupts are enabled
 * after the exit; a preemption-timer exit only gives the run loop a look
 * at signals and the scheduler. Both go straight back to the guest.
 */
static int handle_external_interrupt(struct tvx_vcpu *v)
{
	return 1;
}

static int handle_triple_fault(struct tvx_vcpu *v)
{
	v->stopped = true;
	v->stop_reason = THINVMX_EXIT_SHUTDOWN;
	v->run->exit_reason = THINVMX_EXIT_SHUTDOWN;
	return 0;
}

static int handle_cpuid(struct tvx_vcpu *v)
{
	struct tvx_domain *dom = v->dom;
	u64 cr4 = tvx_guest_cr4(v);
	u32 out[4];

	spin_lock(&dom->cpuid_lock);
	cpuid_answer(dom->cpuid, dom->nr_cpuid, (u32)v->gprs[TVX_RAX],
		     (u32)v->gprs[TVX_RCX], v->id, cr4 & X86_CR4_OSXSAVE,
		     cr4 & X86_CR4_PKE, out);
	spin_unlock(&dom->cpuid_lock);
	v->gprs[TVX_RAX] = out[0];
	v->gprs[TVX_RBX] = out[1];
	v->gprs[TVX_RCX] = out[2];
	v->gprs[TVX_RDX] = out[3];
	tvx_skip_insn(v);
	return 1;
}

static int handle_hlt(struct tvx_vcpu *v)
{
	tvx_skip_insn(v);
	v->run->exit_reason = THINVMX_EXIT_HLT;
	return 0;
}

static int handle_skip(struct tvx_vcpu *v)
{
	tvx_skip_insn(v);
	return 1;
}

static int handle_ud(struct tvx_vcpu *v)
{
	return tvx_inject_ud(v);
}

static int handle_gp(struct tvx_vcpu *v)
{
	return tvx_inject_gp(v);
}

static int tvx_string_io(struct tvx_vcpu *v, unsigned long qual);

/*
 * Port I/O (SDM table 28-5): OUT goes to userspace with its value; IN
 * goes to userspace, and the next RUN puts the VMM's data in RAX. INS
 * and OUTS: tvx_string_io().
 */
static int handle_io(struct tvx_vcpu *v)
{
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	struct thinvmx_run *run = v->run;
	unsigned int size = (qual & 7) + 1;

	if (qual & BIT(4))
		return tvx_string_io(v, qual);
	run->exit_reason = THINVMX_EXIT_IO;
	run->io.port = qual >> 16;
	run->io.size = size;
	run->io.pad = 0;
	if (qual & BIT(3)) {
		run->io.direction = THINVMX_IO_IN;
		run->io.data = 0;
		v->pending = TVX_PENDING_IO_IN;
	} else {
		run->io.direction = THINVMX_IO_OUT;
		run->io.data = v->gprs[TVX_RAX] & GENMASK_ULL(size * 8 - 1, 0);
		v->pending = TVX_PENDING_SKIP;
	}
	v->pending_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	return 0;
}

static bool tvx_canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

static int tvx_msr_read(struct tvx_vcpu *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = vmcs_read64(GUEST_IA32_EFER);
		return 0;
	case MSR_FS_BASE:
		*val = vmcs_readl(GUEST_FS_BASE);
		return 0;
	case MSR_GS_BASE:
		*val = vmcs_readl(GUEST_GS_BASE);
		return 0;
	case MSR_KERNEL_GS_BASE:
		rdmsrl(MSR_KERNEL_GS_BASE, *val);	/* the guest's, loaded */
		return 0;
	case MSR_STAR:
		*val = v->star;
		return 0;
	case MSR_LSTAR:
		*val = v->lstar;
		return 0;
	case MSR_CSTAR:
		*val = v->cstar;
		return 0;
	case MSR_SYSCALL_MASK:
		*val = v->sfmask;
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*val = vmcs_read32(GUEST_SYSENTER_CS);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*val = vmcs_readl(GUEST_SYSENTER_ESP);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*val = vmcs_readl(GUEST_SYSENTER_EIP);
		return 0;
	case MSR_IA32_CR_PAT:
		if (!(tvx_host_caps->features & THINVMX_FEAT_PAT))
			return -EINVAL;
		*val = vmcs_read64(GUEST_IA32_PAT);
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc();
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = MSR_IA32_MISC_ENABLE_FAST_STRING;
		return 0;
	case MSR_MTRRcap:
	case MSR_IA32_APICBASE:
	case MSR_IA32_UCODE_REV:
		*val = 0;
		return 0;
	case MSR_MTRRdefType:
		*val = v->mtrr_def_type;
		return 0;
	default:
		return -EINVAL;
	}
}

static int tvx_msr_write(struct tvx_vcpu *v, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_EFER: {
		u64 old = vmcs_read64(GUEST_IA32_EFER);
		bool paging = vmcs_readl(GUEST_CR0) & X86_CR0_PG;

		if (val & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
			return -EINVAL;
		/* LME cannot change while paging is on; LMA is read-only */
		if (paging && ((val ^ old) & EFER_LME))
			return -EINVAL;
		val = (val & ~(u64)EFER_LMA) | (old & EFER_LMA);
		vmcs_write64(GUEST_IA32_EFER, val);
		return 0;
	}
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!tvx_canonical(val))
			return -EINVAL;
		break;
	}
	switch (msr) {
	case MSR_FS_BASE:
		vmcs_writel(GUEST_FS_BASE, val);
		return 0;
	case MSR_GS_BASE:
		vmcs_writel(GUEST_GS_BASE, val);
		return 0;
	case MSR_KERNEL_GS_BASE:
		wrmsrl(MSR_KERNEL_GS_BASE, val);	/* swapped back on the way out */
		return 0;
	case MSR_STAR:
		v->star = val;
		wrmsrl(MSR_STAR, val);
		return 0;
	case MSR_LSTAR:
		v->lstar = val;
		wrmsrl(MSR_LSTAR, val);
		return 0;
	case MSR_CSTAR:
		v->cstar = val;
		wrmsrl(MSR_CSTAR, val);
		return 0;
	case MSR_SYSCALL_MASK:
		v->sfmask = val & 0xffffffff;
		wrmsrl(MSR_SYSCALL_MASK, v->sfmask);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write32(GUEST_SYSENTER_CS, val);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		vmcs_writel(GUEST_SYSENTER_ESP, val);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		vmcs_writel(GUEST_SYSENTER_EIP, val);
		return 0;
	case MSR_IA32_CR_PAT:
		if (!(tvx_host_caps->features & THINVMX_FEAT_PAT))
			return -EINVAL;
		vmcs_write64(GUEST_IA32_PAT, val);
		return 0;
	case MSR_MTRRdefType:
		v->mtrr_def_type = val;
		return 0;
	case MSR_IA32_TSC:
	case MSR_IA32_MISC_ENABLE:
		return 0;	/* accepted, without effect */
	default:
		return -EINVAL;
	}
}

static int handle_msr_read(struct tvx_vcpu *v)
{
	u64 val;

	if (tvx_msr_read(v, (u32)v->gprs[TVX_RCX], &val))
		return tvx_inject_gp(v);
	v->gprs[TVX_RAX] = (u32)val;
	v->gprs[TVX_RDX] = val >> 32;
	tvx_skip_insn(v);
	return 1;
}

static int handle_msr_write(struct tvx_vcpu *v)
{
	u64 val = (u32)v->gprs[TVX_RAX] | (v->gprs[TVX_RDX] << 32);

	if (tvx_msr_write(v, (u32)v->gprs[TVX_RCX], val))
		return tvx_inject_gp(v);
	tvx_skip_insn(v);
	return 1;
}

/*
 * XSETBV (SDM Vol. 1 13.3): only XCR0, with x87 on, AVX only with SSE,
 * and nothing the host itself did not enable. The guest's XCR0 is loaded
 * around each entry.
 */
static int handle_xsetbv(struct tvx_vcpu *v)
{
	u64 val = (u32)v->gprs[TVX_RAX] | (v->gprs[TVX_RDX] << 32);

	if ((u32)v->gprs[TVX_RCX] != XCR_XFEATURE_ENABLED_MASK ||
	    !(val & XFEATURE_MASK_FP) || (val & ~tvx_host_xcr0) ||
	    ((val & XFEATURE_MASK_YMM) && !(val & XFEATURE_MASK_SSE)) ||
	    ((val & XFEATURE_MASK_AVX512) &&
	     (val & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512) ||
	    ((val & XFEATURE_MASK_AVX512) && !(val & XFEATURE_MASK_YMM)))
		return tvx_inject_gp(v);
	v->xcr0 = val;
	tvx_skip_insn(v);
	return 1;
}

/* Drop the guest's linear translations of this vCPU (a CR3 load, a paging mode change). */
static void tvx_flush_guest_tlb(struct tvx_vcpu *v)
{
	if (v->vpid)
		__invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, v->vpid, 0);
	/* without a VPID every entry and exit flushes them anyway */
}

static bool tvx_paging_pae(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & EFER_LMA);
}

/*
 * The checks of a guest MOV to CR0, CR3 or CR4 (CLTS and LMSW are CR0
 * writes) that the CPU makes before the register changes: a value that
 * fails them raises #GP and is never an event. @val may be adjusted
 * (CR3's no-flush bit); @flush says whether the TLB goes.
 */
static int tvx_cr_check(struct tvx_vcpu *v, unsigned int cr, u64 *val,
			bool *flush)
{
	u64 cr0 = tvx_guest_cr0(v), cr4 = tvx_guest_cr4(v);
	u64 efer = vmcs_read64(GUEST_IA32_EFER), new = *val;
	bool lma = efer & EFER_LMA;

	*flush = false;
	switch (cr) {
	case 0:
		if (new >> 32 || ((new & X86_CR0_PG) && !(new & X86_CR0_PE)) ||
		    ((new & X86_CR0_NW) && !(new & X86_CR0_CD)))
			return -EINVAL;
		/* long mode needs PAE; 64-bit code cannot turn paging off */
		if ((new & X86_CR0_PG) && !(cr0 & X86_CR0_PG) &&
		    (efer & EFER_LME) && !(cr4 & X86_CR4_PAE))
			return -EINVAL;
		if (!(new & X86_CR0_PG) && lma &&
		    (vmcs_read32(GUEST_CS_AR_BYTES) & BIT(13)))
			return -EINVAL;
		*flush = (cr0 ^ new) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE);
		return 0;
	case 3:
		if (cr4 & X86_CR4_PCIDE) {
			*flush = !(new & BIT_ULL(63));
			new &= ~BIT_ULL(63);
		} else {
			*flush = true;
		}
		if (new >> boot_cpu_data.x86_phys_bits)
			return -EINVAL;
		*val = new;
		return 0;
	case 4:
		if (new & ~(tvx_host_caps->msr_cr4_fixed1 & ~(u64)X86_CR4_VMXE))
			return -EINVAL;
		if (lma && !(new & X86_CR4_PAE))
			return -EINVAL;
		if ((new & X86_CR4_PCIDE) && !(cr4 & X86_CR4_PCIDE) &&
		    (!lma || (vmcs_readl(GUEST_CR3) & 0xfff)))
			return -EINVAL;
		*flush = (cr4 ^ new) & (X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE |
					X86_CR4_PCIDE | X86_CR4_SMEP |
					X86_CR4_SMAP | X86_CR4_PKE);
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * Carry out a checked CR write as the CPU would: EFER.LMA and the IA-32e
 * entry control follow CR0.PG under EFER.LME, PAE paging reloads its
 * PDPTEs. Return: 0, or -EINVAL (#GP: unusable PDPTEs, nothing changed).
 */
static int tvx_cr_write(struct tvx_vcpu *v, unsigned int cr, u64 val, bool flush)
{
	u64 cr0 = tvx_guest_cr0(v), cr4 = tvx_guest_cr4(v);
	u64 efer = vmcs_read64(GUEST_IA32_EFER), cr3 = vmcs_readl(GUEST_CR3);
	u32 entry;

	switch (cr) {
	case 0:
		if ((val & X86_CR0_PG) != (cr0 & X86_CR0_PG) && (efer & EFER_LME)) {
			entry = vmcs_read32(VM_ENTRY_CONTROLS);
			if (val & X86_CR0_PG) {
				efer |= EFER_LMA;
				entry |= VMX_ENTRY_IA32E_MODE;
			} else {
				efer &= ~EFER_LMA;
				entry &= ~VMX_ENTRY_IA32E_MODE;
			}
			vmcs_write64(GUEST_IA32_EFER, efer);
			vmcs_write32(VM_ENTRY_CONTROLS, entry);
		}
		if (tvx_paging_pae(val, cr4, efer) &&
		    ((val ^ cr0) & (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW)) &&
		    tvx_load_pdptes(v, cr3, true))
			return -EINVAL;
		tvx_set_guest_cr0(v, val);
		break;
	case 3:
		if (tvx_paging_pae(cr0, cr4, efer) && tvx_load_pdptes(v, val, true))
			return -EINVAL;
		vmcs_writel(GUEST_CR3, val);
		break;
	case 4:
		if (tvx_paging_pae(cr0, val, efer) &&
		    ((val ^ cr4) & (X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PSE |
				    X86_CR4_SMEP)) &&
		    tvx_load_pdptes(v, cr3, true))
			return -EINVAL;
		tvx_set_guest_cr4(v, val);
		break;
	}
	if (flush)
		tvx_flush_guest_tlb(v);
	return 0;
}

static const u16 tvx_cr_event[5] = {
	[0] = THINVMX_EVENT_CR0, [3] = THINVMX_EVENT_CR3, [4] = THINVMX_EVENT_CR4,
};

/*
 * MOV to CR0/CR4 exits for the bits the host owns (the guest/host masks:
 * the fixed bits, CR4.VMXE, and every bit while the register is
 * monitored), so do CLTS and LMSW then; MOV to CR3 exits while CR3 is
 * monitored. A write that passes the CPU's checks is reported when
 * monitored: async, it happens and the event follows; sync, it is held
 * until the answer says whether it happens (tvx_event_resume()).
 */
static int handle_cr(struct tvx_vcpu *v)
{
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	unsigned int cr = qual & 15, type = (qual >> 4) & 3, reg = (qual >> 8) & 15;
	enum monitor_delivery d;
	struct thinvmx_event *ev;
	u64 old, val;
	bool flush;

	if (cr != 0 && cr != 3 && cr != 4)
		return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
	old = cr == 0 ? tvx_guest_cr0(v) : cr == 4 ? tvx_guest_cr4(v) :
	      vmcs_readl(GUEST_CR3);
	switch (type) {
	case 0:		/* MOV to CR */
		val = reg == TVX_RSP ? vmcs_readl(GUEST_RSP) : v->gprs[reg];
		if (tvx_guest_mode() != 64)
			val = (u32)val;
		break;
	case 2:		/* CLTS */
		val = old & ~(u64)X86_CR0_TS;
		break;
	case 3:		/* LMSW: the low four bits; PE cannot be cleared */
		val = (old & ~0xfULL) | ((qual >> 16) & 0xf) | (old & X86_CR0_PE);
		break;
	default:	/* MOV from CR: never intercepted */
		return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
	}
	if (type && cr)
		return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
	if (tvx_cr_check(v, cr, &val, &flush))
		return tvx_inject_gp(v);

	d = monitor_cr_event(&v->dom->monitor, cr, old, val);
	ev = d == MONITOR_NONE ? NULL : tvx_event_begin(v, tvx_cr_event[cr], d);
	if (ev) {
		ev->u.cr.new_value = val;
		ev->u.cr.old_value = old;
		if (d == MONITOR_SYNC) {
			v->ev_cr = cr;
			v->ev_cr_new = val;
			v->ev_insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
			return tvx_event_send(v);
		}
	}
	if (tvx_cr_write(v, cr, val, flush))
		tvx_inject_gp(v);
	else
		tvx_skip_insn(v);
	return ev ? tvx_event_send(v) : 1;
}

/*
 * MOV DR: the debug registers are the host's; the guest gets a private
 * copy it can read back (DR7 lives in the VMCS). Hardware breakpoints in
 * the guest are not armed.
 */
static int handle_dr(struct tvx_vcpu *v)
{
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	unsigned int dr = qual & 7, reg = (qual >> 8) & 15;
	bool to_guest_reg = qual & BIT(4);
	u64 val;

	if (dr == 4 || dr == 5) {
		if (vmcs_readl(GUEST_CR4) & X86_CR4_DE)
			return tvx_inject_ud(v);
		dr += 2;
	}
	if (to_guest_reg) {
		val = dr < 4 ? v->dr[dr] : dr == 6 ? v->dr6 | 0xffff0ff0 :
		      vmcs_readl(GUEST_DR7);
		if (reg == TVX_RSP)
			vmcs_writel(GUEST_RSP, val);
		else
			v->gprs[reg] = val;
	} else {
		val = reg == TVX_RSP ? vmcs_readl(GUEST_RSP) : v->gprs[reg];
		if (dr >= 6 && val >> 32)
			return tvx_inject_gp(v);
		if (dr < 4)
			v->dr[dr] = val;
		else if (dr == 6)
			v->dr6 = val;
		else
			vmcs_writel(GUEST_DR7, (val & ~0xd000ULL) | 0x400);
	}
	tvx_skip_insn(v);
	return 1;
}

/* 16, 32 or 64: the default operand size of the code the guest runs */
static unsigned int tvx_mode_of(u64 cr0, u64 rflags)
{
	u32 cs_ar;

	if (!(cr0 & X86_CR0_PE) || (rflags & X86_EFLAGS_VM))
		return 16;
	cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);
	if ((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (cs_ar & BIT(13)))
		return 64;
	return cs_ar & BIT(14) ? 32 : 16;
}

static unsigned int tvx_guest_mode(void)
{
	return tvx_mode_of(vmcs_readl(GUEST_CR0), vmcs_readl(GUEST_RFLAGS));
}

/*
 * The guest's translation of @lin for an access (GWALK_ACC_FETCH,
 * GWALK_ACC_WRITE or 0 for a read) at its CPL, under @cr0. VMCS fields
 * cost: paging off needs none, and the PDPTEs only PAE paging outside
 * long mode.
 */
static int tvx_translate(struct tvx_vcpu *v, u64 lin, u64 cr0, u32 acc,
			 struct gwalk_result *res)
{
	u64 pdptes[4] = { 0 };
	struct gwalk_regs regs = {
		.cr0 = cr0,
		.pdptes = pdptes,
		.maxphyaddr = boot_cpu_data.x86_phys_bits,
	};
	u32 access;

	if (!(regs.cr0 & X86_CR0_PG)) {
		res->gpa = (u32)lin;
		res->page_size = PAGE_SIZE;
		return 0;
	}
	regs.cr3 = vmcs_readl(GUEST_CR3);
	regs.cr4 = vmcs_readl(GUEST_CR4);
	regs.efer = vmcs_read64(GUEST_IA32_EFER);
	if ((regs.cr4 & X86_CR4_PAE) && !(regs.efer & EFER_LMA)) {
		pdptes[0] = vmcs_read64(GUEST_PDPTR0);
		pdptes[1] = vmcs_read64(GUEST_PDPTR1);
		pdptes[2] = vmcs_read64(GUEST_PDPTR2);
		pdptes[3] = vmcs_read64(GUEST_PDPTR3);
	}
	/* CPL is SS.DPL (SDM 25.4.1) */
	access = acc | (((vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3) == 3 ?
			GWALK_ACC_USER : 0);
	return gwalk_translate(&regs, lin, access, tvx_gwalk_read, v->dom, res);
}

static int tvx_translate_fetch(struct tvx_vcpu *v, u64 lin, u64 cr0,
			       struct gwalk_result *res)
{
	return tvx_translate(v, lin, cr0, GWALK_ACC_FETCH, res);
}

/*
 * May the guest read (@write false) or write the RAM frame at @gpa, as
 * its EPT entry would let it? The decision of an EPT violation
 * (p2m_ept_violation()) for that access: allowed as the leaf is, a
 * logdirty frame logged and made writable (as the violation would), a
 * write to ram_ro dropped. Only a @final look does what the decision
 * says (log, count); an earlier one only asks. Return: 0 (go on), 1 (drop
 * the write), or -EACCES (MMIO, nothing mapped, an access right that
 * withholds it).
 */
static int tvx_string_io_access(struct tvx_vcpu *v, u64 gpa, bool write,
				bool final)
{
	struct tvx_domain *dom = v->dom;
	struct p2m_violation viol;
	bool flush = false;
	int level, ret;
	u64 *e;

	spin_lock(&dom->ept.lock);
	e = ept_find_leaf(&dom->ept, gpa, &level);
	ret = e ? p2m_ept_violation(&dom->ept.caps, *e, write ? BIT(1) : BIT(0),
				    tvx_mmio_ro(*e & EPT_ADDR_MASK), &viol) : -EACCES;
	if (!ret) {
		switch (viol.kind) {
		case P2M_VIOL_RETRY:
			break;
		case P2M_VIOL_LOGDIRTY:
			if (!final)
				break;
			flush = ept_set_leaf(&dom->ept, e, level, viol.type,
					     viol.access, false);
			tvx_logdirty_mark(dom, gpa >> PAGE_SHIFT);
			atomic64_inc(&dom->logdirty_faults);
			break;
		case P2M_VIOL_RAM_RO_WRITE:
			if (final)
				atomic64_inc(&dom->ram_ro_writes_discarded);
			ret = 1;
			break;
		default:
			ret = -EACCES;
			break;
		}
	}
	spin_unlock(&dom->ept.lock);
	if (flush)
		ept_flush_all_cpus(&dom->ept);
	return ret < 0 ? -EACCES : ret;
}

/*
 * INS and OUTS (SDM Vol. 2, and table 28-5), one element per exit: the
 * element goes to the VMM as a plain OUT, or comes from it as a plain IN,
 * and the next RUN moves RSI or RDI by the element size (down with
 * RFLAGS.DF) and, with REP, counts RCX down, leaving RIP on the
 * instruction until RCX is 0, so that interrupts come in between as on
 * hardware. Address size and the memory operand's linear address are the
 * VM exit's (INS/OUTS information, IA32_VMX_BASIC bit 54). A translation
 * fault becomes the guest's #PF, a non-canonical address its #GP; the
 * element must lie in one RAM frame the guest may access so (see
 * tvx_string_io_access()); anything else stops the vCPU as emulation
 * thinvmx does not do.
 */
static int tvx_string_io(struct tvx_vcpu *v, unsigned long qual)
{
	struct thinvmx_run *run = v->run;
	unsigned int size = (qual & 7) + 1, asize;
	bool in = qual & BIT(3), rep = qual & BIT(5);
	struct gwalk_result res;
	u64 lin, mask, data = 0;
	int ret;

	if (!(tvx_host_caps->msr_basic & VMXCAP_BASIC_INOUT))
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
	asize = (vmcs_read32(VMX_INSTRUCTION_INFO) >> 7) & 7;
	if (asize > 2)
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
	mask = asize == 2 ? ~0ULL : GENMASK_ULL((16 << asize) - 1, 0);
	if (rep && !(v->gprs[TVX_RCX] & mask)) {
		tvx_skip_insn(v);
		return 1;
	}

	lin = vmcs_readl(GUEST_LINEAR_ADDRESS);
	ret = tvx_translate(v, lin, vmcs_readl(GUEST_CR0),
			    in ? GWALK_ACC_WRITE : 0, &res);
	if (ret == -EFAULT) {
		v->cr2 = lin;
		tvx_inject_exception(v, X86_TRAP_PF, true, res.pf_error);
		return 1;
	}
	if (ret == -EINVAL)
		return tvx_inject_gp(v);
	if (ret || offset_in_page(res.gpa) + size > PAGE_SIZE)
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
	/* INS: asked now, done when the VMM has answered */
	ret = tvx_string_io_access(v, res.gpa, in, !in);
	if (ret < 0 || (!in && tvx_read_guest(v->dom, res.gpa, &data, size)))
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);

	run->exit_reason = THINVMX_EXIT_IO;
	run->io.port = qual >> 16;
	run->io.size = size;
	run->io.pad = 0;
	run->io.direction = in ? THINVMX_IO_IN : THINVMX_IO_OUT;
	run->io.data = data;
	v->str.gpa = res.gpa;
	v->str.mask = mask;
	v->str.rep = rep;
	v->str.step = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_DF ?
		      -(s64)size : size;
	v->pending = in ? TVX_PENDING_STR_IN : TVX_PENDING_STR_OUT;
	v->pending_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	return 0;
}

/* Move a string register by one element, in its address size. */
static void tvx_string_advance(struct tvx_vcpu *v, int reg, s64 by)
{
	u64 r = v->gprs[reg], m = v->str.mask;

	/* a 32-bit address size writes ESI/EDI/ECX, which clears the top */
	if (m == GENMASK_ULL(31, 0))
		v->gprs[reg] = (u32)(r + by);
	else
		v->gprs[reg] = (r & ~m) | ((r + by) & m);
}

/*
 * The VMM answered one element of INS or OUTS: store it (INS), move the
 * index register, count RCX down with REP. The frame's right is looked
 * at again for the store: it may have changed (and the dirty log been
 * read) while the VMM had the element. Return: 1 when the instruction is
 * done (RIP moves past it), 0 when it runs again, -EACCES when the store
 * is no longer allowed.
 */
static int tvx_string_io_done(struct tvx_vcpu *v)
{
	struct thinvmx_run *run = v->run;
	int ret;
	u64 hpa;

	if (v->pending == TVX_PENDING_STR_IN) {
		ret = tvx_string_io_access(v, v->str.gpa, true, true);
		if (ret < 0)
			return ret;
		/* RAM stays RAM while the domain lives */
		if (!ret && tvx_gpa_to_hpa(v->dom, v->str.gpa, &hpa))
			memcpy(phys_to_virt(hpa), &run->io.data, run->io.size);
		tvx_string_advance(v, TVX_RDI, v->str.step);
	} else {
		tvx_string_advance(v, TVX_RSI, v->str.step);
	}
	if (!v->str.rep)
		return 1;
	tvx_string_advance(v, TVX_RCX, -1);
	return !(v->gprs[TVX_RCX] & v->str.mask);
}

static u64 tvx_rip_linear(u64 rip, unsigned int mode)
{
	u64 lin = vmcs_readl(GUEST_CS_BASE) + rip;

	return mode == 64 ? lin : (u32)lin;
}

/*
 * Where an event's instruction is: its linear address, and its frame if
 * the guest maps it. From the registers the record holds already.
 */
static bool tvx_event_rip_gpa(struct tvx_vcpu *v, u64 *gla, u64 *gpa)
{
	struct gwalk_result res;

	*gla = tvx_rip_linear(v->ev_rip, tvx_mode_of(v->ev_cr0, v->ev_rflags));
	if (tvx_translate_fetch(v, *gla, v->ev_cr0, &res))
		return false;
	*gpa = res.gpa;
	return true;
}

/* Fetch up to 15 instruction bytes at the guest's CS:RIP. */
static int tvx_fetch_insn(struct tvx_vcpu *v, u8 *bytes, unsigned int *len)
{
	u64 lin = tvx_rip_linear(vmcs_readl(GUEST_RIP), tvx_guest_mode());
	u64 cr0 = vmcs_readl(GUEST_CR0);
	unsigned int got = 0;

	while (got < EMU_MAX_LEN) {
		unsigned int n = min_t(u64, EMU_MAX_LEN - got,
				       PAGE_SIZE - offset_in_page(lin + got));
		struct gwalk_result res;

		if (tvx_translate_fetch(v, lin + got, cr0, &res) ||
		    tvx_read_guest(v->dom, res.gpa, bytes + got, n))
			break;	/* decode what could be fetched */
		got += n;
	}
	*len = got;
	return got ? 0 : -EFAULT;
}

/*
 * A guest access to a guest-physical address with nothing mapped, or
 * mapped as mmio_dm: emulated MMIO. The instruction is decoded to learn
 * the direction, size and register; the access goes to userspace and the
 * next RUN completes it.
 */
static int tvx_emulate_mmio(struct tvx_vcpu *v, u64 gpa)
{
	struct thinvmx_run *run = v->run;
	struct emu_insn insn;
	unsigned int len;
	u8 bytes[EMU_MAX_LEN];

	if (tvx_fetch_insn(v, bytes, &len) ||
	    emu_decode(bytes, len, tvx_guest_mode(), &insn))
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);

	BUILD_BUG_ON(sizeof(insn) > sizeof(v->mmio_insn));
	memcpy(v->mmio_insn, &insn, sizeof(insn));
	run->exit_reason = THINVMX_EXIT_MMIO;
	run->mmio.gpa = gpa;
	run->mmio.size = insn.size;
	run->mmio.is_write = insn.is_write;
	memset(run->mmio.pad, 0, sizeof(run->mmio.pad));
	v->pending_len = insn.len;
	if (insn.is_write) {
		run->mmio.data = emu_store_value(&insn, v->gprs) &
				 GENMASK_ULL(insn.size * 8 - 1, 0);
		v->pending = TVX_PENDING_SKIP;
	} else {
		run->mmio.data = 0;
		v->pending = TVX_PENDING_MMIO_READ;
	}
	return 0;
}

/*
 * One guest instruction, then an exit: with the monitor trap flag where
 * the CPU has it, else (Bochs) under RFLAGS.TF with #DB intercepted, where
 * the guest sees TF in a PUSHF of that one instruction and a guest
 * stepping itself gets its own #DB afterwards. handle_single_step() ends
 * it.
 */
static void tvx_step_arm(struct tvx_vcpu *v)
{
	unsigned long rflags;

	v->ss_active = true;
	v->ss_mtf = tvx_host_caps->features & THINVMX_FEAT_MTF;
	if (v->ss_mtf) {
		vmcs_set_bits32(CPU_BASED_VM_EXEC_CONTROL,
				VMX_PROC_MONITOR_TRAP_FLAG);
		return;
	}
	rflags = vmcs_readl(GUEST_RFLAGS);
	v->ss_guest_tf = rflags & X86_EFLAGS_TF;
	vmcs_writel(GUEST_RFLAGS, rflags | X86_EFLAGS_TF);
	vmcs_set_bits32(EXCEPTION_BITMAP, BIT(X86_TRAP_DB));
}

/*
 * For the step, let the leaf of @gpa point at the domain's scratch page
 * (@scratch: a write to discard lands there) or allow every access to its
 * own frame; handle_single_step() puts it back, unless a p2m ioctl
 * replaced it meanwhile. Return: 0, or -EINVAL when the leaf cannot be
 * swapped (no leaf; scratch needs a 4 KiB leaf).
 */
static int tvx_step_swap_leaf(struct tvx_vcpu *v, u64 gpa, bool scratch)
{
	struct tvx_domain *dom = v->dom;
	int level;
	u64 *e, hpa;

	spin_lock(&dom->ept.lock);
	e = ept_find_leaf(&dom->ept, gpa, &level);
	if (!e || (scratch && level != EPT_LEVEL_4K)) {
		spin_unlock(&dom->ept.lock);
		return -EINVAL;
	}
	v->ss_saved_leaf = *e;
	v->ss_gpa = gpa;
	if (scratch) {
		v->ss_step_leaf = p2m_ept_entry(&dom->ept.caps, 0,
						page_to_phys(dom->scratch),
						EPT_LEVEL_4K, THINVMX_P2M_RAM_RW,
						THINVMX_ACCESS_RWX, false);
	} else {
		hpa = *e & GENMASK_ULL(51, EPT_LEVEL_SHIFT(level));
		v->ss_step_leaf = p2m_ept_entry(&dom->ept.caps, *e, hpa, level,
						p2m_entry_type(*e),
						THINVMX_ACCESS_RWX,
						tvx_mmio_ro(hpa));
	}
	WRITE_ONCE(*e, v->ss_step_leaf);
	v->ss_swapped = true;
	spin_unlock(&dom->ept.lock);
	return 0;
}

/*
 * A write by an instruction the decoder does not know (string moves,
 * XCHG, read-modify-write...): point the frame's leaf at the domain's
 * scratch page, let the guest execute that one instruction single-stepped,
 * then put the leaf back (handle_single_step()). The write lands in the
 * scratch page; the device or the read-only RAM never sees it. Only 4 KiB
 * leaves are swapped: a ram_ro superpage written this way stops the vCPU
 * instead.
 */
static int tvx_discard_by_single_step(struct tvx_vcpu *v, u64 gpa)
{
	/* one instruction writing two read-only frames: give up safely */
	if (v->ss_swapped || tvx_step_swap_leaf(v, gpa, true))
		return tvx_internal_error(v, THINVMX_INTERNAL_EMULATION);
	/* a step an answer asked for is this one */
	if (!v->ss_active)
		tvx_step_arm(v);
	return 1;
}

/*
 * Execute the instruction at a mem_access violation once with the access
 * allowed: an async event's vCPU goes on, or an answer asked for the step.
 * Other vCPUs can reach the frame during that one instruction too.
 */
static void tvx_allow_once(struct tvx_vcpu *v, u64 gpa)
{
	if (v->ss_swapped || tvx_step_swap_leaf(v, gpa, false))
		return;		/* the access retries and faults again */
	if (!v->ss_active)
		tvx_step_arm(v);
}

/* The single step is done: undo it, and report it if an answer asked. */
static int handle_single_step(struct tvx_vcpu *v)
{
	struct tvx_domain *dom = v->dom;
	struct thinvmx_event *ev;
	int level;
	u64 *e;

	if (v->ss_swapped) {
		spin_lock(&dom->ept.lock);
		e = ept_find_leaf(&dom->ept, v->ss_gpa, &level);
		if (e && *e == v->ss_step_leaf)
			WRITE_ONCE(*e, v->ss_saved_leaf);
		spin_unlock(&dom->ept.lock);
		v->ss_swapped = false;
		/* the step's translation may be cached by any vCPU that used it */
		ept_flush_all_cpus(&dom->ept);
	}

	v->ss_active = false;
	if (v->ss_mtf) {
		vmcs_clear_bits32(CPU_BASED_VM_EXEC_CONTROL,
				  VMX_PROC_MONITOR_TRAP_FLAG);
	} else if (!v->ss_guest_tf) {
		vmcs_clear_bits32(EXCEPTION_BITMAP, BIT(X86_TRAP_DB));
		vmcs_writel(GUEST_RFLAGS, vmcs_readl(GUEST_RFLAGS) & ~X86_EFLAGS_TF);
	} else {
		vmcs_clear_bits32(EXCEPTION_BITMAP, BIT(X86_TRAP_DB));
		/* the guest was single-stepping itself: its #DB is due now */
		v->dr6 |= DR_STEP;
		tvx_inject_exception(v, X86_TRAP_DB, false, 0);
	}
	if (!v->ss_report)
		return 1;
	v->ss_report = false;
	ev = tvx_event_begin(v, THINVMX_EVENT_SINGLESTEP, MONITOR_SYNC);
	return ev ? tvx_event_send(v) : 1;
}

static bool tvx_event_rip_gpa(struct tvx_vcpu *v, u64 *gla, u64 *gpa);

/*
 * #BP from an INT3, intercepted while INT3 is monitored. Without a
 * listener (or one that takes no INT3) the #BP goes to the guest, so a
 * debugger inside it works; async, the event is sent and the #BP goes on;
 * sync, the answer decides (tvx_event_resume()).
 */
static void tvx_reinject_bp(struct tvx_vcpu *v, u8 len)
{
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, X86_TRAP_BP |
		     INTR_TYPE_SOFT_EXCEPTION | INTR_INFO_VALID_MASK);
	vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, len);
}

static int handle_int3(struct tvx_vcpu *v)
{
	u8 len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	enum monitor_int3 act = monitor_int3_action(&v->dom->monitor, true);
	struct thinvmx_event *ev = NULL;
	u64 gla, gpa;

	if (act != MONITOR_INT3_REINJECT)
		ev = tvx_event_begin(v, THINVMX_EVENT_INT3,
				     act == MONITOR_INT3_SYNC ? MONITOR_SYNC :
								MONITOR_ASYNC);
	if (!ev) {
		tvx_reinject_bp(v, len);
		return 1;
	}
	if (tvx_event_rip_gpa(v, &gla, &gpa)) {
		tvx_event_flag(v, THINVMX_EVENT_F_GFN_VALID);
		ev->u.int3.gfn = gpa >> PAGE_SHIFT;
	}
	tvx_event_flag(v, THINVMX_EVENT_F_GLA_VALID);
	ev->u.int3.gla = gla;
	ev->u.int3.offset = offset_in_page(gla);
	ev->u.int3.insn_len = len;
	ev->u.int3.access = THINVMX_EVENT_ACCESS_X;
	v->ev_insn_len = len;
	if (act == MONITOR_INT3_ASYNC_REINJECT)
		tvx_reinject_bp(v, len);
	return tvx_event_send(v);
}

/*
 * A write thinvmx drops (ram_ro, read-only MMIO): a MOV is skipped after
 * decoding; anything else goes through the scratch page.
 */
static int tvx_discard_write(struct tvx_vcpu *v, u64 gpa)
{
	struct emu_insn insn;
	unsigned int len;
	u8 bytes[EMU_MAX_LEN];

	if (tvx_fetch_insn(v, bytes, &len) ||
	    emu_decode(bytes, len, tvx_guest_mode(), &insn) || !insn.is_write)
		return tvx_discard_by_single_step(v, gpa);
	vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + insn.len);
	return 1;
}

/* The linear address of an EPT violation, when the CPU gave one. */
static void tvx_event_gla(struct tvx_vcpu *v, const struct p2m_violation *viol,
			  u64 *gla)
{
	if (!viol->gla_valid)
		return;
	tvx_event_flag(v, THINVMX_EVENT_F_GLA_VALID);
	*gla = vmcs_readl(GUEST_LINEAR_ADDRESS);
}

/*
 * A mem_access violation, reported to a listener that monitors them.
 * Async: the access happens once (single-stepped) unless rx2rw/n2rwx
 * allowed it already; sync: the answer decides (tvx_event_resume()).
 * Return: as a handler, or -ENOENT when nobody listens (the VMM's RUN
 * exit takes it).
 */
static int tvx_mem_access_event(struct tvx_vcpu *v, u64 gpa,
				const struct p2m_violation *viol, u32 right)
{
	enum monitor_delivery d;
	struct thinvmx_event *ev;

	d = monitor_delivery(&v->dom->monitor, THINVMX_MONITOR_MEM_ACCESS);
	ev = d == MONITOR_NONE ? NULL :
	     tvx_event_begin(v, THINVMX_EVENT_MEM_ACCESS, d);
	if (!ev)
		return -ENOENT;
	tvx_event_flag(v, THINVMX_EVENT_F_GFN_VALID |
		       (viol->in_walk ? THINVMX_EVENT_F_IN_WALK : 0));
	ev->u.mem_access.gfn = gpa >> PAGE_SHIFT;
	ev->u.mem_access.offset = offset_in_page(gpa);
	ev->u.mem_access.access = viol->attempted;
	ev->u.mem_access.right = right;
	tvx_event_gla(v, viol, &ev->u.mem_access.gla);
	v->ev_gpa = gpa;
	if (d == MONITOR_ASYNC && !p2m_access_allows(viol->access, viol->attempted))
		tvx_allow_once(v, gpa);
	return tvx_event_send(v);
}

/*
 * A write to read-only MMIO: discarded in every case. Reported when
 * monitored: async, the write is discarded at once and the event follows;
 * sync, the vCPU waits on the write and the answer's resume discards it.
 */
static int tvx_ro_mmio_event(struct tvx_vcpu *v, u64 gpa, u64 hpa,
			     const struct p2m_violation *viol)
{
	enum monitor_delivery d;
	struct thinvmx_event *ev;
	int ret, sent;

	d = monitor_delivery(&v->dom->monitor, THINVMX_MONITOR_RO_MMIO_WRITE);
	ev = d == MONITOR_NONE ? NULL :
	     tvx_event_begin(v, THINVMX_EVENT_RO_MMIO_WRITE, d);
	if (!ev)
		return tvx_discard_write(v, gpa);
	tvx_event_flag(v, THINVMX_EVENT_F_GFN_VALID);
	ev->u.ro_mmio.gfn = gpa >> PAGE_SHIFT;
	ev->u.ro_mmio.mfn = hpa >> PAGE_SHIFT;
	ev->u.ro_mmio.offset = offset_in_page(gpa);
	tvx_event_gla(v, viol, &ev->u.ro_mmio.gla);
	v->ev_gpa = gpa;
	if (d == MONITOR_SYNC)
		return tvx_event_send(v);
	ret = tvx_discard_write(v, gpa);
	sent = tvx_event_send(v);
	return ret == 1 ? sent : ret;	/* 0: the vCPU stopped on the write */
}

/*
 * EPT violations (SDM 28.2.1, table 28-7): p2m.c decides what each one is
 * from the leaf and the exit qualification; this carries it out.
 */
static int handle_ept_violation(struct tvx_vcpu *v)
{
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	struct tvx_domain *dom = v->dom;
	struct thinvmx_run *run = v->run;
	struct p2m_violation viol;
	bool flush = false, ro;
	int level, ret;
	u64 *e, hpa;
	u32 right;

	/*
	 * The instruction being stepped faulted and runs again: no step is
	 * done yet (Bochs records one as pending at this exit).
	 */
	if (v->ss_active && !v->ss_mtf)
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) & ~DR_STEP);
	spin_lock(&dom->ept.lock);
	e = ept_find_leaf(&dom->ept, gpa, &level);
	if (!e) {
		spin_unlock(&dom->ept.lock);
		return tvx_emulate_mmio(v, gpa);
	}
	hpa = (*e & GENMASK_ULL(51, EPT_LEVEL_SHIFT(level))) +
	      (gpa & GENMASK_ULL(EPT_LEVEL_SHIFT(level) - 1, 0));
	ro = tvx_mmio_ro(hpa);
	right = p2m_entry_access(*e);
	ret = p2m_ept_violation(&dom->ept.caps, *e, qual, ro, &viol);
	if (!ret && viol.rebuild)
		flush = ept_set_leaf(&dom->ept, e, level, viol.type, viol.access,
				     tvx_mmio_ro(*e & EPT_ADDR_MASK));
	if (!ret && viol.kind == P2M_VIOL_LOGDIRTY)
		tvx_logdirty_mark(dom, gpa >> PAGE_SHIFT);
	spin_unlock(&dom->ept.lock);
	if (ret)
		return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
	if (flush)
		ept_flush_all_cpus(&dom->ept);

	switch (viol.kind) {
	case P2M_VIOL_RETRY:
		return 1;
	case P2M_VIOL_LOGDIRTY:
		atomic64_inc(&dom->logdirty_faults);
		return 1;
	case P2M_VIOL_ACCESS:
		atomic64_inc(&dom->mem_access_violations);
		ret = tvx_mem_access_event(v, gpa, &viol, right);
		if (ret >= 0)
			return ret;
		run->exit_reason = THINVMX_EXIT_MEM_ACCESS;
		run->mem_access.gpa = gpa;
		run->mem_access.gla = viol.gla_valid ?
				      vmcs_readl(GUEST_LINEAR_ADDRESS) : 0;
		run->mem_access.attempted = viol.attempted;
		run->mem_access.access = viol.access;
		run->mem_access.type = viol.type;
		run->mem_access.flags =
			(viol.gla_valid ? THINVMX_MEM_ACCESS_GLA_VALID : 0) |
			(viol.in_walk ? THINVMX_MEM_ACCESS_IN_WALK : 0);
		run->mem_access.pad = 0;
		return 0;
	case P2M_VIOL_RAM_RO_WRITE:
		atomic64_inc(&dom->ram_ro_writes_discarded);
		return tvx_discard_write(v, gpa);
	case P2M_VIOL_RO_MMIO_WRITE:
		atomic64_inc(&dom->mmio_ro_writes_discarded);
		return tvx_ro_mmio_event(v, gpa, hpa, &viol);
	case P2M_VIOL_MMIO_DM:
	case P2M_VIOL_UNMAPPED:
	default:
		return tvx_emulate_mmio(v, gpa);
	}
}

static int handle_mtf(struct tvx_vcpu *v)
{
	if (!v->ss_active || !v->ss_mtf)
		return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
	return handle_single_step(v);
}

static int handle_ept_misconfig(struct tvx_vcpu *v)
{
	tvx_dump_vmcs(v);
	return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
}

static int handle_unknown(struct tvx_vcpu *v)
{
	tvx_dump_vmcs(v);
	return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
}

static int (*const tvx_exit_handlers[])(struct tvx_vcpu *v) = {
	[EXIT_REASON_EXCEPTION_NMI]		= handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT]		= handle_triple_fault,
	[EXIT_REASON_CPUID]			= handle_cpuid,
	[EXIT_REASON_HLT]			= handle_hlt,
	[EXIT_REASON_INVD]			= handle_skip,
	[EXIT_REASON_WBINVD]			= handle_skip,
	[EXIT_REASON_RDPMC]			= handle_gp,
	[EXIT_REASON_VMCALL]			= handle_ud,
	[EXIT_REASON_VMCLEAR]			= handle_ud,
	[EXIT_REASON_VMLAUNCH]			= handle_ud,
	[EXIT_REASON_VMPTRLD]			= handle_ud,
	[EXIT_REASON_VMPTRST]			= handle_ud,
	[EXIT_REASON_VMREAD]			= handle_ud,
	[EXIT_REASON_VMRESUME]			= handle_ud,
	[EXIT_REASON_VMWRITE]			= handle_ud,
	[EXIT_REASON_VMOFF]			= handle_ud,
	[EXIT_REASON_VMON]			= handle_ud,
	[EXIT_REASON_INVEPT]			= handle_ud,
	[EXIT_REASON_INVVPID]			= handle_ud,
	[EXIT_REASON_VMFUNC]			= handle_ud,
	[EXIT_REASON_MWAIT_INSTRUCTION]		= handle_ud,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= handle_ud,
	[EXIT_REASON_CR_ACCESS]			= handle_cr,
	[EXIT_REASON_DR_ACCESS]			= handle_dr,
	[EXIT_REASON_IO_INSTRUCTION]		= handle_io,
	[EXIT_REASON_MSR_READ]			= handle_msr_read,
	[EXIT_REASON_MSR_WRITE]			= handle_msr_write,
	[EXIT_REASON_EPT_VIOLATION]		= handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]		= handle_ept_misconfig,
	[EXIT_REASON_MONITOR_TRAP_FLAG]		= handle_mtf,
	[EXIT_REASON_XSETBV]			= handle_xsetbv,
	/* a supervisor component of the host's IA32_XSS (XSS_EXIT_BITMAP) */
	[EXIT_REASON_XSAVES]			= handle_gp,
	[EXIT_REASON_XRSTORS]			= handle_gp,
	[EXIT_REASON_PREEMPTION_TIMER]		= handle_external_interrupt,
};

/**
 * tvx_handle_exit() - dispatch one VM exit
 * @v:      the vCPU
 * @reason: the exit reason as read from the VMCS, or TVX_EXIT_VMFAIL
 *
 * Return: as the handler contract at the top of this file.
 */
int tvx_handle_exit(struct tvx_vcpu *v, u32 reason)
{
	u32 basic = (u16)reason;
	int (*handler)(struct tvx_vcpu *v) = NULL;

	if (reason == TVX_EXIT_VMFAIL || (reason & VMX_EXIT_REASONS_FAILED_VMENTRY)) {
		struct thinvmx_run *run = v->run;

		if (reason == TVX_EXIT_VMFAIL) {
			run->internal.vmx_exit_reason = 0;
			run->internal.qualification = vmcs_read32(VM_INSTRUCTION_ERROR);
		} else {
			run->internal.vmx_exit_reason = reason;
			run->internal.qualification = vmcs_readl(EXIT_QUALIFICATION);
			tvx_dump_vmcs(v);
		}
		run->internal.suberror = THINVMX_INTERNAL_BAD_STATE;
		run->internal.guest_rip = vmcs_readl(GUEST_RIP);
		v->stopped = true;
		v->stop_reason = THINVMX_EXIT_FAIL_ENTRY;
		run->exit_reason = THINVMX_EXIT_FAIL_ENTRY;
		return 0;
	}
	tvx_reinject_vectoring(v);
	if (basic < ARRAY_SIZE(tvx_exit_handlers))
		handler = tvx_exit_handlers[array_index_nospec(basic,
						ARRAY_SIZE(tvx_exit_handlers))];
	if (!handler)
		return handle_unknown(v);
	return handler(v);
}

/**
 * tvx_complete_pending() - finish what userspace answered
 * @v: the vCPU, its VMCS current
 *
 * Return: 1 (enter the guest), or 0 with an internal error in v->run (the
 * element of an INS may no longer be stored where the guest wanted it).
 */
int tvx_complete_pending(struct tvx_vcpu *v)
{
	struct thinvmx_run *run = v->run;
	unsigned long rip;
	u64 mask;
	int ret;

	switch (v->pending) {
	case TVX_PENDING_NONE:
		return 1;
	case TVX_PENDING_IO_IN:
		/* IN to AL/AX keeps the rest of RAX; IN to EAX zero-extends */
		mask = GENMASK_ULL(run->io.size * 8 - 1, 0);
		if (run->io.size == 4)
			v->gprs[TVX_RAX] = (u32)run->io.data;
		else
			v->gprs[TVX_RAX] = (v->gprs[TVX_RAX] & ~mask) |
					   (run->io.data & mask);
		break;
	case TVX_PENDING_MMIO_READ:
		emu_complete_load((const struct emu_insn *)v->mmio_insn,
				  run->mmio.data, v->gprs);
		break;
	case TVX_PENDING_SKIP:
		break;
	case TVX_PENDING_STR_IN:
	case TVX_PENDING_STR_OUT:
		ret = tvx_string_io_done(v);
		if (ret <= 0) {
			v->pending = TVX_PENDING_NONE;
			return ret ? tvx_internal_error(v, THINVMX_INTERNAL_EMULATION) : 1;
		}
		break;
	}
	rip = vmcs_readl(GUEST_RIP);
	vmcs_writel(GUEST_RIP, rip + v->pending_len);
	v->pending = TVX_PENDING_NONE;
	return 1;
}

/**
 * tvx_event_resume() - carry out the answer to a sync event
 * @v: the vCPU, its VMCS current, before its next entry
 * @trap_settled: a trap injected during the wait goes in at this entry
 *
 * In the order uapi/thinvmx.h gives: the answer's registers, then the
 * event's instruction (a held CR write done or dropped, an INT3 skipped or
 * delivered, a read-only MMIO write discarded), then a single step that
 * ends in a SINGLESTEP event. For MEM_ACCESS the step is the access
 * itself, allowed once; without it the access is retried with whatever
 * right the frame has then. An INT3 answered REINJECT while a trap was
 * injected is not delivered: the trap is, and the INT3 runs again.
 */
void tvx_event_resume(struct tvx_vcpu *v, bool trap_settled)
{
	u32 act = v->ev_actions;
	bool flush;
	u64 val;

	v->ev_state = TVX_EV_NONE;
	if (act & MONITOR_ACT_SET_REGS)
		tvx_load_regs(v, &v->ev_regs);
	switch (v->ev_reason) {
	case THINVMX_EVENT_CR0:
	case THINVMX_EVENT_CR3:
	case THINVMX_EVENT_CR4:
		val = v->ev_cr_new;
		if ((act & MONITOR_ACT_APPLY_CR) &&
		    (tvx_cr_check(v, v->ev_cr, &val, &flush) ||
		     tvx_cr_write(v, v->ev_cr, val, flush))) {
			tvx_inject_gp(v);
			break;
		}
		vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + v->ev_insn_len);
		break;
	case THINVMX_EVENT_INT3:
		if (act & MONITOR_ACT_SKIP)
			vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + v->ev_insn_len);
		/* the trap first: the INT3 runs again when the guest is back */
		else if ((act & MONITOR_ACT_REINJECT_BP) && !trap_settled)
			tvx_reinject_bp(v, v->ev_insn_len);
		break;
	case THINVMX_EVENT_RO_MMIO_WRITE:
		/* only the write reported: not what new registers point at */
		if (vmcs_readl(GUEST_RIP) == v->ev_rip &&
		    tvx_discard_write(v, v->ev_gpa) != 1)
			return;		/* stopped */
		break;
	case THINVMX_EVENT_MEM_ACCESS:
		if (act & MONITOR_ACT_SINGLESTEP) {
			tvx_allow_once(v, v->ev_gpa);
			v->ss_report = v->ss_swapped;
			return;
		}
		break;
	}
	if (!(act & MONITOR_ACT_SINGLESTEP))
		return;
	/* a discard by scratch step is the step; else the next instruction */
	if (!v->ss_active)
		tvx_step_arm(v);
	v->ss_report = true;
}
