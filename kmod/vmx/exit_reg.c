// SPDX-License-Identifier: GPL-2.0
/*
 * Register exits: CPUID, RDMSR/WRMSR, XSETBV, MOV to CR0/CR3/CR4 (with
 * CLTS and LMSW) and MOV DR. A CR write the listener monitors becomes an
 * event before it is done (memevent/event.c).
 */
#include <linux/mm.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "cpuid.h"
#include "lapic/lapic.h"
#include "memevent/event.h"
#include "vcpu.h"
#include "vmx/exit.h"
#include "vmx/exit_reg.h"
#include "vmx/host_caps.h"
#include "vmx/io.h"
#include "vmx/msr_rules.h"
#include "vmx/xcr0.h"
#include "vmx/regs.h"
#include "vmx/spec.h"

/**
 * tvx_cpuid_apply() - the result of a CPUID, in the guest's registers
 * @v: the vCPU
 * @out: EAX, EBX, ECX, EDX
 */
void tvx_cpuid_apply(struct tvx_vcpu *v, const u32 *out)
{
	v->gprs[TVX_RAX] = out[0];
	v->gprs[TVX_RBX] = out[1];
	v->gprs[TVX_RCX] = out[2];
	v->gprs[TVX_RDX] = out[3];
}

/*
 * CPUID, from the domain's table. While CPUID is monitored: async, the
 * guest gets the result and the event reports it; sync, the answer may
 * give it another (tvx_event_resume()).
 */
int handle_cpuid(struct tvx_vcpu *v)
{
	struct tvx_dom *dom = v->dom;
	u64 cr4 = tvx_guest_cr4(v);
	struct thinvmx_event *ev;
	enum monitor_delivery d;
	u32 out[4];

	spin_lock(&dom->cpuid_lock);
	cpuid_answer(dom->cpuid, dom->nr_cpuid, (u32)v->gprs[TVX_RAX],
		     (u32)v->gprs[TVX_RCX], v->id,
		     READ_ONCE(dom->topo_cpus), cr4 & X86_CR4_OSXSAVE,
		     cr4 & X86_CR4_PKE, out);
	/* the XSAVE area's size follows the guest's XCR0, as the CPU's does */
	if ((u32)v->gprs[TVX_RAX] == 0xd && (u32)v->gprs[TVX_RCX] == 0 && out[1])
		out[1] = cpuid_xsave_size(dom->cpuid, dom->nr_cpuid, v->xcr0);
	spin_unlock(&dom->cpuid_lock);
	d = monitor_delivery(&dom->monitor, THINVMX_MONITOR_CPUID);
	ev = d == MONITOR_NONE ? NULL : tvx_event_begin(v, THINVMX_EVENT_CPUID, d);
	if (ev) {
		ev->u.cpuid.leaf = v->gprs[TVX_RAX];
		ev->u.cpuid.subleaf = v->gprs[TVX_RCX];
		ev->u.cpuid.eax = out[0];
		ev->u.cpuid.ebx = out[1];
		ev->u.cpuid.ecx = out[2];
		ev->u.cpuid.edx = out[3];
		ev->u.cpuid.insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
		if (d == MONITOR_SYNC) {
			memcpy(v->ev.cpuid, out, sizeof(v->ev.cpuid));
			v->ev.insn_len = ev->u.cpuid.insn_len;
			return tvx_event_send(v);
		}
	}
	tvx_cpuid_apply(v, out);
	tvx_skip_insn(v);
	return ev ? tvx_event_send(v) : TVX_EXIT_RESUME;
}

static int tvx_msr_read(struct tvx_vcpu *v, u32 msr, u64 *val)
{
	int ret;

	if (v->dom->lapic) {
		ret = tvx_lapic_msr_read(v, msr, val);
		if (ret != -ENOENT)
			return ret;
	}
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
		if (!cpu_has_vmx_pat())
			return -EINVAL;
		*val = vmcs_read64(GUEST_IA32_PAT);
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc() + v->tsc_offset;	/* what RDTSC gives it */
		return 0;
	case MSR_IA32_TSC_ADJUST:
		*val = v->tsc_adjust;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = MSR_IA32_MISC_ENABLE_FAST_STRING;
		return 0;
	case MSR_MTRRcap:
	case MSR_IA32_APICBASE:
	case MSR_IA32_UCODE_REV:
		*val = 0;
		return 0;
	case MSR_TSC_AUX:
		if (!cpu_has_vmx_rdtscp())
			return -EINVAL;
		*val = v->tsc_aux;
		return 0;
	case MSR_MTRRdefType:
		*val = v->mtrr_def_type;
		return 0;
	case MSR_IA32_SPEC_CTRL:
	case MSR_IA32_ARCH_CAPABILITIES:
		return tvx_spec_msr_read(v, msr, val);
	default:
		return -EINVAL;
	}
}

/*
 * A vCPU's TSC offset (guest TSC = host TSC + offset, VMCS TSC_OFFSET).
 * A write of IA32_TSC moves IA32_TSC_ADJUST by as much as the TSC
 * (@adjust_follows); a write of TSC_ADJUST sets it itself. Each vCPU has
 * its own pair, as each logical processor has (SDM Vol. 3, 18.17.3).
 */
static void tvx_tsc_set_offset(struct tvx_vcpu *v, u64 offset,
			       bool adjust_follows)
{
	if (adjust_follows)
		v->tsc_adjust += offset - v->tsc_offset;
	v->tsc_offset = offset;
	vmcs_write64(TSC_OFFSET, offset);
}

/*
 * A guest WRMSR: the value passes msr_write_check()'s rules (reserved
 * bits, memory types, canonical addresses) or is #GP, before anything is
 * written -- a PAT with a reserved type would otherwise reach the VMCS and
 * fail the next VM entry. Returns 0, -EINVAL for #GP, or 1: done, and
 * v->run tells the VMM something (tvx_lapic_msr_write()).
 */
int tvx_msr_write(struct tvx_vcpu *v, u32 msr, u64 val)
{
	int ret;

	if (msr_write_check(msr, val))
		return -EINVAL;
	if (v->dom->lapic) {
		ret = tvx_lapic_msr_write(v, msr, val);
		if (ret != -ENOENT)
			return ret;
	}
	switch (msr) {
	case MSR_EFER: {
		u64 old = vmcs_read64(GUEST_IA32_EFER);
		bool paging = vmcs_readl(GUEST_CR0) & X86_CR0_PG;

		/* LME cannot change while paging is on; LMA is read-only */
		if (paging && ((val ^ old) & EFER_LME))
			return -EINVAL;
		val = (val & ~(u64)EFER_LMA) | (old & EFER_LMA);
		vmcs_write64(GUEST_IA32_EFER, val);
		return 0;
	}
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
		v->sfmask = val;
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
		if (!cpu_has_vmx_pat())
			return -EINVAL;
		vmcs_write64(GUEST_IA32_PAT, val);
		return 0;
	case MSR_TSC_AUX:
		if (!cpu_has_vmx_rdtscp())
			return -EINVAL;
		/* the guest's is live during the stretch (vmx/run.c) */
		v->tsc_aux = val;
		wrmsrl(MSR_TSC_AUX, val);
		return 0;
	case MSR_MTRRdefType:
		v->mtrr_def_type = val;
		return 0;
	case MSR_IA32_SPEC_CTRL:
	case MSR_IA32_PRED_CMD:
	case MSR_IA32_FLUSH_CMD:
		return tvx_spec_msr_write(v, msr, val);
	case MSR_IA32_TSC:
		/* the new value from now on; TSC_ADJUST follows (SDM 18.17.3) */
		tvx_tsc_set_offset(v, val - rdtsc(), true);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		/* the TSC moves by as much as TSC_ADJUST does */
		tvx_tsc_set_offset(v, v->tsc_offset + (val - v->tsc_adjust),
				   false);
		v->tsc_adjust = val;
		return 0;
	case MSR_IA32_MISC_ENABLE:
	/*
	 * Linux clears the microcode signature before the CPUID that loads
	 * it (intel_get_microcode_revision()); there is no microcode here.
	 */
	case MSR_IA32_UCODE_REV:
		return 0;	/* accepted, without effect */
	default:
		return -EINVAL;
	}
}

int handle_msr_read(struct tvx_vcpu *v)
{
	u64 val;

	if (tvx_msr_read(v, (u32)v->gprs[TVX_RCX], &val))
		return tvx_inject_gp(v);
	v->gprs[TVX_RAX] = (u32)val;
	v->gprs[TVX_RDX] = val >> 32;
	tvx_skip_insn(v);
	return TVX_EXIT_RESUME;
}

/*
 * A WRMSR of a watched MSR (Xen's mov_to_msr). Async: the write is done
 * (a refused one is #GP and no event) and reported. Sync: held until the
 * answer says whether it happens, as a CR write is (tvx_event_resume()).
 */
static int tvx_msr_event(struct tvx_vcpu *v, u32 msr, u64 val, bool old_known,
			 u64 old, enum monitor_delivery d)
{
	struct thinvmx_event *ev;

	if (d == MONITOR_ASYNC && tvx_msr_write(v, msr, val) < 0)
		return tvx_inject_gp(v);
	ev = tvx_event_begin(v, THINVMX_EVENT_MSR, d);
	if (!ev) {
		if (d == MONITOR_SYNC && tvx_msr_write(v, msr, val) < 0)
			return tvx_inject_gp(v);
		tvx_skip_insn(v);
		return TVX_EXIT_RESUME;
	}
	ev->u.msr.msr = msr;
	ev->u.msr.new_value = val;
	if (old_known) {
		tvx_event_flag(v, THINVMX_EVENT_F_OLD_VALID);
		ev->u.msr.old_value = old;
	}
	v->ev.msr = msr;
	v->ev.cr_new = val;
	v->ev.insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	if (d == MONITOR_ASYNC)
		tvx_skip_insn(v);
	return tvx_event_send(v);
}

int handle_msr_write(struct tvx_vcpu *v)
{
	u64 val = (u32)v->gprs[TVX_RAX] | (v->gprs[TVX_RDX] << 32);
	const struct monitor_settings *s = &v->dom->monitor;
	u32 msr = (u32)v->gprs[TVX_RCX];
	enum monitor_delivery d;
	bool known;
	u64 old = 0;
	int ret;

	if (monitor_msr_watched(s, msr)) {
		known = !tvx_msr_read(v, msr, &old);
		d = monitor_msr_event(s, msr, known, old, val);
		if (d != MONITOR_NONE)
			return tvx_msr_event(v, msr, val, known, known ? old : 0, d);
	}
	ret = tvx_msr_write(v, msr, val);
	if (ret < 0)
		return tvx_inject_gp(v);
	tvx_skip_insn(v);
	/* done, and the VMM hears of it (an APIC's level-triggered EOI) */
	return ret > 0 ? TVX_EXIT_TO_USER : TVX_EXIT_RESUME;
}

/*
 * XSETBV: only XCR0, and only values xcr0_valid() accepts (the SDM's
 * rules, within what the host enabled less AMX): anything else is #GP,
 * and never an event. The guest's XCR0 is loaded around each entry.
 * While XCR0 is monitored a valid write is reported as a CR write is:
 * async, done and reported; sync, held until the answer says whether it
 * happens (tvx_event_resume()).
 */
int handle_xsetbv(struct tvx_vcpu *v)
{
	u64 val = (u32)v->gprs[TVX_RAX] | (v->gprs[TVX_RDX] << 32);
	enum monitor_delivery d;
	struct thinvmx_event *ev;

	if ((u32)v->gprs[TVX_RCX] != XCR_XFEATURE_ENABLED_MASK ||
	    !xcr0_valid(val, xcr0_guest_allowed(tvx_host_xcr0)))
		return tvx_inject_gp(v);
	d = monitor_xcr0_event(&v->dom->monitor, v->xcr0, val);
	ev = d == MONITOR_NONE ? NULL : tvx_event_begin(v, THINVMX_EVENT_XCR0, d);
	if (ev) {
		ev->u.cr.new_value = val;
		ev->u.cr.old_value = v->xcr0;
		if (d == MONITOR_SYNC) {
			v->ev.cr_new = val;
			v->ev.insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
			return tvx_event_send(v);
		}
	}
	v->xcr0 = val;
	tvx_skip_insn(v);
	return ev ? tvx_event_send(v) : TVX_EXIT_RESUME;
}

/* Drop the guest's linear translations of this vCPU (a CR3 load, a paging mode change). */
static void tvx_flush_guest_tlb(struct tvx_vcpu *v)
{
	if (v->vpid)
		vmx_flush_vpid(v->vpid);
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
int tvx_cr_check(struct tvx_vcpu *v, unsigned int cr, u64 *val,
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
		    (vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L_MASK))
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
		if (new & ~vmx_cr4_guest_settable())
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
int tvx_cr_write(struct tvx_vcpu *v, unsigned int cr, u64 val, bool flush)
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
 * MOV to and from CR8 (64-bit code only: the CPU raises #UD elsewhere)
 * always exits: the guest's task priority is its own, kept in the vCPU,
 * never the host CPU's local APIC TPR (vmx/caps.c). CR8[3:0] is TPR[7:4]
 * and bits 63:4 are reserved (SDM 10.8.6.1, 2.5). Nothing consults it
 * yet -- the guest has no local APIC of its own -- so it is what the guest
 * wrote, read back.
 */
static int handle_cr8(struct tvx_vcpu *v, unsigned int type, unsigned int reg)
{
	u64 val;

	switch (type) {
	case VMX_CR_TYPE_MOV_FROM:
		val = v->dom->lapic ? tvx_lapic_cr8(v) : v->cr8;
		if (reg == TVX_RSP)
			vmcs_writel(GUEST_RSP, val);
		else
			v->gprs[reg] = val;
		break;
	case VMX_CR_TYPE_MOV_TO:
		val = reg == TVX_RSP ? vmcs_readl(GUEST_RSP) : v->gprs[reg];
		if (val & ~0xfULL)
			return tvx_inject_gp(v);
		v->cr8 = val;
		if (v->dom->lapic)
			tvx_lapic_set_cr8(v, val);
		break;
	default:
		return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
	}
	tvx_skip_insn(v);
	return TVX_EXIT_RESUME;
}

/*
 * MOV to CR0/CR4 exits for the bits the host owns (the guest/host masks:
 * the fixed bits, CR4.VMXE, and every bit while the register is
 * monitored), so do CLTS and LMSW then; MOV to CR3 exits while CR3 is
 * monitored. A write that passes the CPU's checks is reported when
 * monitored: async, it happens and the event follows; sync, it is held
 * until the answer says whether it happens (tvx_event_resume()).
 */
int handle_cr(struct tvx_vcpu *v)
{
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	unsigned int cr = qual & VMX_CR_QUAL_NUM_MASK;
	unsigned int type = (qual & CONTROL_REG_ACCESS_TYPE) >> VMX_CR_QUAL_TYPE_SHIFT;
	unsigned int reg = (qual & CONTROL_REG_ACCESS_REG) >> VMX_CR_QUAL_REG_SHIFT;
	enum monitor_delivery d;
	struct thinvmx_event *ev;
	int ret, sent;
	u64 old, val;
	bool flush;

	if (cr == 8)
		return handle_cr8(v, type, reg);
	if (cr != 0 && cr != 3 && cr != 4)
		return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
	old = cr == 0 ? tvx_guest_cr0(v) : cr == 4 ? tvx_guest_cr4(v) :
	      vmcs_readl(GUEST_CR3);
	switch (type) {
	case VMX_CR_TYPE_MOV_TO:
		val = reg == TVX_RSP ? vmcs_readl(GUEST_RSP) : v->gprs[reg];
		if (tvx_guest_mode() != 64)
			val = (u32)val;
		break;
	case VMX_CR_TYPE_CLTS:
		val = old & ~(u64)X86_CR0_TS;
		break;
	case VMX_CR_TYPE_LMSW:	/* the low four bits; PE cannot be cleared */
		val = (old & ~0xfULL) |
		      (((qual & LMSW_SOURCE_DATA) >> LMSW_SOURCE_DATA_SHIFT) & 0xf) |
		      (old & X86_CR0_PE);
		break;
	default:	/* VMX_CR_TYPE_MOV_FROM: never intercepted */
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
			v->ev.cr = cr;
			v->ev.cr_new = val;
			v->ev.insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
			return tvx_event_send(v);
		}
	}
	if (tvx_cr_write(v, cr, val, flush)) {
		ret = tvx_inject_gp(v);
	} else {
		tvx_skip_insn(v);
		ret = TVX_EXIT_RESUME;
	}
	/* an event begun is sent, even for a vCPU that shut down */
	sent = ev ? tvx_event_send(v) : TVX_EXIT_RESUME;
	return ret == TVX_EXIT_RESUME ? sent : ret;
}

/*
 * MOV DR: the debug registers are the host's; the guest gets a private
 * copy it can read back, DR7 included. Hardware breakpoints in the guest
 * are not armed: the guest runs with the VMCS's DR7 (the load debug
 * controls), which stays 0x400 -- with the guest's enables there, DR0-3
 * would still be the host's, and a guest could make its own #DB delivery
 * fault into itself forever (CVE-2015-8104).
 */
int handle_dr(struct tvx_vcpu *v)
{
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	unsigned int dr = qual & DEBUG_REG_ACCESS_NUM;
	unsigned int reg = DEBUG_REG_ACCESS_REG(qual);
	bool to_guest_reg = (qual & DEBUG_REG_ACCESS_TYPE) == TYPE_MOV_FROM_DR;
	u64 val;

	if (dr == 4 || dr == 5) {
		if (vmcs_readl(GUEST_CR4) & X86_CR4_DE)
			return tvx_inject_ud(v);
		dr += 2;
	}
	if (to_guest_reg) {
		val = dr < 4 ? v->dr[dr] : dr == 6 ? v->dr6 | VMX_DR6_FIXED_1 :
		      v->dr7;
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
			v->dr7 = (val & ~VMX_DR7_FIXED_0) | VMX_DR7_FIXED_1;
	}
	tvx_skip_insn(v);
	return TVX_EXIT_RESUME;
}
