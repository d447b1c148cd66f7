// SPDX-License-Identifier: GPL-2.0
/*
 * Reports for VMX instructions that failed (vmx_ops.h). Rate-limited: a
 * broken guest or a bug must not flood the log, and never stops the host.
 */
#include <linux/printk.h>
#include <linux/ratelimit.h>

#include "vmx_ops.h"

/**
 * vmx_insn_fault() - a VMX instruction faulted (#UD or #GP)
 * @insn: its mnemonic
 * @arg:  its operand, for the log
 */
void vmx_insn_fault(const char *insn, u64 arg)
{
	pr_err_ratelimited("%s %#llx faulted\n", insn, arg);
}

/**
 * vmx_insn_error() - a VMX instruction reported VMfail
 * @insn: its mnemonic
 * @arg:  its operand, for the log
 *
 * VMfailValid leaves an error number in the current VMCS; VMfailInvalid
 * (no current VMCS) does not, and reading it then fails too, so only the
 * instructions that run with a current VMCS report it.
 */
void vmx_insn_error(const char *insn, u64 arg)
{
	pr_err_ratelimited("%s %#llx failed\n", insn, arg);
}

/**
 * vmread_error() - VMREAD reported VMfail
 * @field: the VMCS field encoding
 */
void vmread_error(unsigned long field)
{
	pr_err_ratelimited("vmread of field %#lx failed\n", field);
}

/**
 * vmwrite_error() - VMWRITE reported VMfail
 * @field: the VMCS field encoding
 * @value: the value that was refused
 */
void vmwrite_error(unsigned long field, unsigned long value)
{
	pr_err_ratelimited("vmwrite of %#lx to field %#lx failed, VM-instruction error %u\n",
			   value, field, vmcs_read32(VM_INSTRUCTION_ERROR));
}
