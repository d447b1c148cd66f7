// SPDX-License-Identifier: GPL-2.0
/*
 * Reading VMX capabilities off the hardware: CPUID and the capability MSRs
 * of every online CPU. The decisions are made by the pure logic in caps.c.
 */
#include <linux/cpu.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>

#include "caps.h"
#include "detect.h"
#include "vmx_bits.h"

/* Read one MSR with a fault fixup; remember the first one that faulted. */
static u64 vmx_rdmsr(struct vmx_msrs *m, u32 msr)
{
	u64 val;

	if (rdmsrl_safe(msr, &val)) {
		if (!m->fault_msr)
			m->fault_msr = msr;
		return 0;
	}
	return val;
}

/*
 * Runs on the CPU being probed. Only MSRs the SDM says exist are read: the
 * TRUE_* ones when IA32_VMX_BASIC[55] is set, PROCBASED_CTLS2 when the
 * secondary controls may be activated, EPT_VPID_CAP when EPT or VPID may be
 * enabled (SDM A.1, A.3.3, A.10). A hypervisor below us that still faults
 * on one of them is reported, not trusted.
 */
static void vmx_read_msrs(void *arg)
{
	struct vmx_msrs *m = arg;

	m->cpuid1_ecx = cpuid_ecx(1);
	if (!(m->cpuid1_ecx & VMX_CPUID1_ECX_VMX))
		return;

	m->feature_control = vmx_rdmsr(m, VMX_MSR_FEATURE_CONTROL);
	m->basic = vmx_rdmsr(m, VMX_MSR_BASIC);
	m->pinbased = vmx_rdmsr(m, VMX_MSR_PINBASED_CTLS);
	m->procbased = vmx_rdmsr(m, VMX_MSR_PROCBASED_CTLS);
	m->exit = vmx_rdmsr(m, VMX_MSR_EXIT_CTLS);
	m->entry = vmx_rdmsr(m, VMX_MSR_ENTRY_CTLS);
	m->misc = vmx_rdmsr(m, VMX_MSR_MISC);
	m->cr0_fixed0 = vmx_rdmsr(m, VMX_MSR_CR0_FIXED0);
	m->cr0_fixed1 = vmx_rdmsr(m, VMX_MSR_CR0_FIXED1);
	m->cr4_fixed0 = vmx_rdmsr(m, VMX_MSR_CR4_FIXED0);
	m->cr4_fixed1 = vmx_rdmsr(m, VMX_MSR_CR4_FIXED1);
	if (m->basic & VMXCAP_BASIC_TRUE_CTLS) {
		m->true_pinbased = vmx_rdmsr(m, VMX_MSR_TRUE_PINBASED_CTLS);
		m->true_procbased = vmx_rdmsr(m, VMX_MSR_TRUE_PROCBASED_CTLS);
		m->true_exit = vmx_rdmsr(m, VMX_MSR_TRUE_EXIT_CTLS);
		m->true_entry = vmx_rdmsr(m, VMX_MSR_TRUE_ENTRY_CTLS);
	}
	if ((m->procbased >> 32) & VMX_PROC_SECONDARY_CONTROLS)
		m->procbased2 = vmx_rdmsr(m, VMX_MSR_PROCBASED_CTLS2);
	if ((m->procbased2 >> 32) & (VMX_PROC2_EPT | VMX_PROC2_VPID))
		m->ept_vpid_cap = vmx_rdmsr(m, VMX_MSR_EPT_VPID_CAP);
}

/**
 * vmx_detect() - evaluate the VMX capabilities of all online CPUs
 * @caps: filled as by vmx_caps_evaluate(), with nr_cpus set, and status
 *	  THINVMX_VMX_INCONSISTENT naming the first CPU that disagrees with
 *	  the first online CPU
 *
 * Return: 0 if VMX is usable, -EOPNOTSUPP otherwise (caps says why).
 */
int vmx_detect(struct thinvmx_caps *caps)
{
	struct vmx_msrs first, other;
	int cpu, first_cpu = -1, odd_cpu = -1;
	int ret;

	memset(&first, 0, sizeof(first));
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		if (first_cpu < 0) {
			first_cpu = cpu;
			smp_call_function_single(cpu, vmx_read_msrs, &first, 1);
			continue;
		}
		memset(&other, 0, sizeof(other));
		smp_call_function_single(cpu, vmx_read_msrs, &other, 1);
		if (!vmx_msrs_equal(&first, &other)) {
			odd_cpu = cpu;
			break;
		}
	}
	caps->nr_cpus = num_online_cpus();
	cpus_read_unlock();

	caps->detail_cpu = 0;
	ret = vmx_caps_evaluate(&first, caps);
	if (!ret && odd_cpu >= 0) {
		caps->vmx_status = THINVMX_VMX_INCONSISTENT;
		caps->detail_cpu = odd_cpu;
		caps->features = 0;
		ret = -EOPNOTSUPP;
	}
	return ret;
}
