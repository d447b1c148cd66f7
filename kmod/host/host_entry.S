/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host mode's ways in and out of VMX non-root operation (host.c):
 *
 * tvx_host_launch() makes the CPU that calls it a guest: the VMCS already
 * holds this CPU's state but RSP, RIP and RFLAGS, written here, and
 * VMLAUNCH resumes the caller right after itself, now in non-root
 * operation, every other register as it was (VM entry loads no general
 * register but RSP and RIP).
 *
 * tvx_host_exit_entry is HOST_RIP: root mode starts there on the CPU's
 * own stack, saves the guest's registers, and either resumes the guest or,
 * when the handler says so, goes on in the guest's context natively
 * through the IRET frame the handler built above the saved registers.
 *
 * tvx_host_vmcall() is the module's own VMCALL asking root mode to leave.
 */
#include <linux/linkage.h>
#include <linux/errno.h>
#include <asm/asm.h>
#include <asm/unwind_hints.h>
#include <asm/nospec-branch.h>

/* VMCS field encodings (SDM Appendix B.4.3) */
#define VMCS_GUEST_RSP		0x681c
#define VMCS_GUEST_RIP		0x681e
#define VMCS_GUEST_RFLAGS	0x6820

.section .text, "ax"

/*
 * int tvx_host_launch(void)
 *
 * Return: 0, now as a guest; -EIO when VMLAUNCH or a VMWRITE failed
 * (VMfail: the VM-instruction error says why), -EFAULT when one faulted;
 * the CPU is then still in root mode.
 */
SYM_FUNC_START(tvx_host_launch)
	push %rbp
	mov %rsp, %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	pushf
	pop %rax
	mov $VMCS_GUEST_RFLAGS, %edx
1:	vmwrite %rax, %rdx
	jna .Lfail
	lea tvx_host_resumed(%rip), %rax
	mov $VMCS_GUEST_RIP, %edx
2:	vmwrite %rax, %rdx
	jna .Lfail
	mov $VMCS_GUEST_RSP, %edx
3:	vmwrite %rsp, %rdx
	jna .Lfail
	UNWIND_HINT_SAVE
4:	vmlaunch
	jmp .Lfail

SYM_INNER_LABEL(tvx_host_resumed, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	xor %eax, %eax
	jmp .Lout
.Lfail:
	mov $-EIO, %eax
	jmp .Lout
.Lfault:
	mov $-EFAULT, %eax
.Lout:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	RET
	_ASM_EXTABLE(1b, .Lfault)
	_ASM_EXTABLE(2b, .Lfault)
	_ASM_EXTABLE(3b, .Lfault)
	_ASM_EXTABLE(4b, .Lfault)
SYM_FUNC_END(tvx_host_launch)

/*
 * int tvx_host_vmcall(unsigned long nr)
 *
 * Root mode answers a VMCALL it accepts with RAX = 0. In root mode
 * VMCALL is VMfail and leaves RAX alone, and outside VMX operation it
 * raises #UD: the caller was not a guest.
 *
 * Return: 0 when root mode answered, -EIO when the caller was in root
 * mode, -EFAULT when it was not in VMX operation at all.
 */
SYM_FUNC_START(tvx_host_vmcall)
	mov %rdi, %rax
SYM_INNER_LABEL(tvx_host_vmcall_insn, SYM_L_GLOBAL)
	ANNOTATE_NOENDBR
1:	vmcall
	test %rax, %rax
	jz 2f
	mov $-EIO, %eax
2:	RET
3:	mov $-EFAULT, %eax
	RET
	_ASM_EXTABLE(1b, 3b)
SYM_FUNC_END(tvx_host_vmcall)

.macro HOST_PUSH_REGS
	push %r15
	push %r14
	push %r13
	push %r12
	push %r11
	push %r10
	push %r9
	push %r8
	push %rdi
	push %rsi
	push %rbp
	push $0				/* slot 4: RSP is in the VMCS */
	push %rbx
	push %rdx
	push %rcx
	push %rax
.endm

.macro HOST_POP_REGS
	pop %rax
	pop %rcx
	pop %rdx
	pop %rbx
	add $8, %rsp
	pop %rbp
	pop %rsi
	pop %rdi
	pop %r8
	pop %r9
	pop %r10
	pop %r11
	pop %r12
	pop %r13
	pop %r14
	pop %r15
.endm

/*
 * HOST_RIP. RSP = HOST_RSP, the top of this CPU's root-mode stack less
 * the IRET frame; everything else but the state the VMCS gives root mode
 * holds the guest's values.
 */
SYM_CODE_START(tvx_host_exit_entry)
	UNWIND_HINT_EMPTY
	ENDBR
	HOST_PUSH_REGS
	mov %rsp, %rdi
	call tvx_host_handle_exit
	test %eax, %eax
	jnz .Lleave
	HOST_POP_REGS
	vmresume
	/*
	 * VMfail (a VMRESUME failing on a control or host-state check; a
	 * bad guest state exits to HOST_RIP instead): the guest goes on
	 * natively.
	 */
	HOST_PUSH_REGS
	mov %rsp, %rdi
	call tvx_host_resume_failed
.Lleave:
	HOST_POP_REGS
	UNWIND_HINT_IRET_REGS
	iretq
SYM_CODE_END(tvx_host_exit_entry)
