/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM entry and exit. The guest's general registers live in a u64[16]
 * indexed by register number (rax = 0 ... r15 = 15; slot 4, RSP, is
 * unused: the VMCS holds the guest RSP); vcpu.c checks the layout.
 *
 * Speculation hygiene, as the host kernel configured it through the
 * alternatives below: CPU buffers are cleared (VERW) right before entry
 * where MDS-class bugs need it; after exit every guest value is wiped from
 * the registers, the return stack buffer is refilled where the kernel asks
 * for it on VM exit, and the branch history is cleared where BHI needs it.
 * The L1D flush is done in C before this function. IA32_SPEC_CTRL is
 * switched here, the guest's right before entry and the host's before the
 * first RET after the exit. The whole policy: vmx/spec.c.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/msr-index.h>
#include <asm/percpu.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>

#define REG(n)		((n) * 8)
#define R_RAX		REG(0)
#define R_RCX		REG(1)
#define R_RDX		REG(2)
#define R_RBX		REG(3)
#define R_RBP		REG(5)
#define R_RSI		REG(6)
#define R_RDI		REG(7)

/* VMCS field encoding of HOST_RSP (SDM Appendix B.4.4) */
#define VMCS_HOST_RSP	0x6c14

.section .noinstr.text, "ax"

/*
 * int vmx_vcpu_enter(u64 *gprs, bool launched, u64 spec_ctrl)
 *
 * @spec_ctrl is the guest's IA32_SPEC_CTRL, loaded where the CPU has the
 * MSR and the host's value differs.
 *
 * Return: 0 after a VM exit, 1 when VMLAUNCH/VMRESUME failed (VMfail, or
 * a fault caught by the exception table); the guest registers are then
 * unchanged.
 */
SYM_FUNC_START(vmx_vcpu_enter)
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdx			/* @spec_ctrl, for the exit */
	/* @gprs stays on top of the stack: HOST_RSP points at it */
	push %rdi

	/* The exit lands with RSP = HOST_RSP: this very stack slot. */
	mov $VMCS_HOST_RSP, %eax
1:	vmwrite %rsp, %rax
	jna .Lfail
	_ASM_EXTABLE(1b, .Lfail)

	/* the guest's IA32_SPEC_CTRL; no RET from here to the entry */
	ALTERNATIVE "jmp .Lspec_ctrl_done", "", X86_FEATURE_MSR_SPEC_CTRL
	cmp PER_CPU_VAR(x86_spec_ctrl_current), %rdx
	je .Lspec_ctrl_done
	mov $MSR_IA32_SPEC_CTRL, %ecx
	mov %edx, %eax
	shr $32, %rdx
	wrmsr
.Lspec_ctrl_done:

	/* CF = @launched, kept until the jump below; no flag-writing insn between */
	bt $0, %esi

	mov %rdi, %rax
	mov R_RCX(%rax), %rcx
	mov R_RDX(%rax), %rdx
	mov R_RBX(%rax), %rbx
	mov R_RBP(%rax), %rbp
	mov R_RSI(%rax), %rsi
	mov R_RDI(%rax), %rdi
	mov REG(8)(%rax), %r8
	mov REG(9)(%rax), %r9
	mov REG(10)(%rax), %r10
	mov REG(11)(%rax), %r11
	mov REG(12)(%rax), %r12
	mov REG(13)(%rax), %r13
	mov REG(14)(%rax), %r14
	mov REG(15)(%rax), %r15
	mov R_RAX(%rax), %rax

	/* Clobbers ZF only; CF survives for the jump. */
	CLEAR_CPU_BUFFERS

	jc .Lresume
	/* the exit label below starts with the stack as it is here */
	UNWIND_HINT_SAVE
.Llaunch:
	vmlaunch
	jmp .Lfail_guest_regs
.Lresume:
	vmresume
	jmp .Lfail_guest_regs

	_ASM_EXTABLE(.Llaunch, .Lfail_guest_regs)
	_ASM_EXTABLE(.Lresume, .Lfail_guest_regs)

SYM_INNER_LABEL(vmx_vcpu_exit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	/* Everything but RSP holds guest values. */
	push %rax
	mov REG(1)(%rsp), %rax		/* @gprs */
	pop R_RAX(%rax)
	mov %rcx, R_RCX(%rax)
	mov %rdx, R_RDX(%rax)
	mov %rbx, R_RBX(%rax)
	mov %rbp, R_RBP(%rax)
	mov %rsi, R_RSI(%rax)
	mov %rdi, R_RDI(%rax)
	mov %r8, REG(8)(%rax)
	mov %r9, REG(9)(%rax)
	mov %r10, REG(10)(%rax)
	mov %r11, REG(11)(%rax)
	mov %r12, REG(12)(%rax)
	mov %r13, REG(13)(%rax)
	mov %r14, REG(14)(%rax)
	mov %r15, REG(15)(%rax)
	xor %ebx, %ebx
	jmp .Lwipe

.Lfail_guest_regs:
.Lfail:
	mov $1, %ebx
.Lwipe:
	/* No guest value may steer speculation in the host. */
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebp, %ebp
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d

	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT,\
			   X86_FEATURE_RSB_VMEXIT_LITE
	/* the host's IA32_SPEC_CTRL, before the first RET */
	ALTERNATIVE "jmp .Lspec_ctrl_host_done", "", X86_FEATURE_MSR_SPEC_CTRL
	mov REG(1)(%rsp), %rdi		/* @spec_ctrl */
	call tvx_spec_ctrl_restore_host
.Lspec_ctrl_host_done:

	CLEAR_BRANCH_HISTORY_VMEXIT

	mov %ebx, %eax
	pop %rdi			/* @gprs */
	pop %rdx			/* @spec_ctrl */
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(vmx_vcpu_enter)

.section .text, "ax"

/*
 * void vmx_deliver_nmi(void)
 *
 * An NMI that arrived while the guest ran caused a VM exit and was
 * consumed by it; hand it to the host's handler as if it had hit here:
 * build the interrupt frame the CPU would (16-byte aligned stack, SS, RSP,
 * RFLAGS, CS) and call the entry point, which returns with IRET.
 */
SYM_FUNC_START(vmx_deliver_nmi)
	push %rbp
	mov %rsp, %rbp
	and $-16, %rsp
	push $__KERNEL_DS
	push %rbp
	pushf
	push $__KERNEL_CS
	lea asm_exc_nmi_noist(%rip), %rax
	CALL_NOSPEC rax
	/* IRET restored RSP already; objtool wants to see it from RBP */
	mov %rbp, %rsp
	pop %rbp
	RET
SYM_FUNC_END(vmx_deliver_nmi)
