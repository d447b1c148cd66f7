// SPDX-License-Identifier: GPL-2.0
/*
 * Reports for VMX instructions that failed (vmx_ops.h). Rate-limited: a
 * broken guest or a bug must not flood the log, and never stops the host.
 */
#include <linux/printk.h>
#include <linux/ratelimit.h>

#include "vmx_ops.h"

static const char *vmx_err_kind(int err)
{
	return err == -EFAULT ? "faulted" : "reported VMfail";
}

/**
 * vmx_insn_report() - a VMX instruction failed
 * @insn: its mnemonic
 * @arg:  its operand, for the log
 * @err:  -EIO for VMfail, -EFAULT for a fault
 */
void vmx_insn_report(const char *insn, u64 arg, int err)
{
	pr_err_ratelimited("%s %#llx %s\n", insn, arg, vmx_err_kind(err));
}

/**
 * vmread_error() - VMREAD failed
 * @field: the VMCS field encoding
 * @err:   -EIO for VMfail, -EFAULT for a fault
 */
void vmread_error(unsigned long field, int err)
{
	pr_err_ratelimited("vmread of field %#lx %s\n", field, vmx_err_kind(err));
}

/**
 * vmwrite_error() - VMWRITE failed
 * @field: the VMCS field encoding
 * @value: the value that was refused
 * @err:   -EIO for VMfail, -EFAULT for a fault
 *
 * VMfailValid leaves its reason in the VM-instruction error field (SDM
 * 31.4), typically 12 (a read-only field) or 13 (a bad control value).
 */
void vmwrite_error(unsigned long field, unsigned long value, int err)
{
	unsigned long insn_err = 0;

	if (err == -EIO)
		__vmx_vmread(VM_INSTRUCTION_ERROR, &insn_err);
	pr_err_ratelimited("vmwrite of %#lx to field %#lx %s, VM-instruction error %lu\n",
			   value, field, vmx_err_kind(err), insn_err);
}
