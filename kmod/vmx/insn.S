/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX instructions themselves. Each returns 0, -EIO on VMfail (CF or
 * ZF set, SDM 31.2) or -EFAULT when it faulted (#UD, #GP: caught by the
 * exception table). Only vmx_ops.h and ops.c call these; VMREAD and
 * VMWRITE on the exit path are inline in vmx_ops.h.
 */
#include <linux/linkage.h>
#include <linux/errno.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

.section .text, "ax"

/* int __vmx_mem_op(u64 *phys) for VMXON, VMCLEAR, VMPTRLD */
.macro VMX_MEM_OP name insn
SYM_FUNC_START(\name)
1:	\insn (%rdi)
	jna 2f
	xor %eax, %eax
	RET
2:	mov $-EIO, %eax
	RET
3:	mov $-EFAULT, %eax
	RET
	_ASM_EXTABLE(1b, 3b)
SYM_FUNC_END(\name)
.endm

VMX_MEM_OP __vmx_on vmxon
VMX_MEM_OP __vmx_clear vmclear
VMX_MEM_OP __vmx_ptrld vmptrld

/* int __vmx_off(void) */
SYM_FUNC_START(__vmx_off)
1:	vmxoff
	jna 2f
	xor %eax, %eax
	RET
2:	mov $-EIO, %eax
	RET
3:	mov $-EFAULT, %eax
	RET
	_ASM_EXTABLE(1b, 3b)
SYM_FUNC_END(__vmx_off)

/* int __vmx_inv_op(unsigned long type, const struct vmx_inv_desc *desc) */
.macro VMX_INV_OP name insn
SYM_FUNC_START(\name)
1:	\insn (%rsi), %rdi
	jna 2f
	xor %eax, %eax
	RET
2:	mov $-EIO, %eax
	RET
3:	mov $-EFAULT, %eax
	RET
	_ASM_EXTABLE(1b, 3b)
SYM_FUNC_END(\name)
.endm

VMX_INV_OP __vmx_invept invept
VMX_INV_OP __vmx_invvpid invvpid

/* int __vmx_vmread(unsigned long field, unsigned long *value) */
SYM_FUNC_START(__vmx_vmread)
1:	vmread %rdi, %rax
	jna 2f
	mov %rax, (%rsi)
	xor %eax, %eax
	RET
2:	mov $-EIO, %eax
	RET
3:	mov $-EFAULT, %eax
	RET
	_ASM_EXTABLE(1b, 3b)
SYM_FUNC_END(__vmx_vmread)

