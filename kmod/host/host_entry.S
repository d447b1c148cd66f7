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
 * tvx_host_vmcall() is the module's own VMCALL, its hypercall.
 *
 * Root mode's IDT (host_idt.c) points into tvx_root_idt_stubs: NMIs and
 * machine checks are recorded for the host, any other exception is a bug
 * of root mode's and makes the CPU leave host mode.
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

#define TVX_HOST_VMCALL_MAGIC	0x7476782d63616c6c	/* host_cpu.h */
#define TVX_HOST_VMCALL_DONE	0x7476782d646f6e65
#define TVX_ROOT_STUB_SIZE	16

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
 * long tvx_host_vmcall(unsigned long op, u64 a0, u64 a1, u64 a2)
 *
 * The module's one hypercall instruction (host_call.c): RAX the magic,
 * RBX the op, RCX, RDX and RSI its arguments. Root mode accepts it only
 * from tvx_host_vmcall_insn at CPL 0, answers with RBX = DONE and the
 * result in RAX. In root mode VMCALL is VMfail and leaves both alone, and
 * outside VMX operation it raises #UD: the caller was not a guest.
 *
 * Return: the op's result when root mode answered, -EIO when the caller
 * was in root mode, -EFAULT when it was not in VMX operation at all.
 */
SYM_FUNC_START(tvx_host_vmcall)
	push %rbx
	mov %rdi, %rbx
	mov %rcx, %r8
	mov %rsi, %rcx
	mov %r8, %rsi
	movabs $TVX_HOST_VMCALL_MAGIC, %rax
SYM_INNER_LABEL(tvx_host_vmcall_insn, SYM_L_GLOBAL)
	ANNOTATE_NOENDBR
1:	vmcall
	movabs $TVX_HOST_VMCALL_DONE, %rcx
	cmp %rcx, %rbx
	je 2f
	mov $-EIO, %rax
2:	pop %rbx
	RET
3:	mov $-EFAULT, %rax
	pop %rbx
	RET
	_ASM_EXTABLE(1b, 3b)
SYM_FUNC_END(tvx_host_vmcall)

/*
 * int tvx_root_rdmsr(u32 msr, u64 *val), int tvx_root_wrmsr(u32 msr, u64 val)
 *
 * Root mode's MSR accesses that may #GP (an MSR outside the bitmap's
 * ranges, for the host). Root mode has its own IDT and no use for the
 * kernel's exception tables: its #GP handler (host_idt.c) knows these two
 * instructions and resumes at the fault label.
 *
 * Return: 0, or -EIO when the CPU refused.
 */
SYM_FUNC_START(tvx_root_rdmsr)
	mov %edi, %ecx
SYM_INNER_LABEL(tvx_root_rdmsr_insn, SYM_L_GLOBAL)
	ANNOTATE_NOENDBR
	rdmsr
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, (%rsi)
	xor %eax, %eax
	RET
SYM_INNER_LABEL(tvx_root_rdmsr_fault, SYM_L_GLOBAL)
	ANNOTATE_NOENDBR
	mov $-EIO, %eax
	RET
	/* for objtool, and the same fixup should one ever run natively */
	_ASM_EXTABLE(tvx_root_rdmsr_insn, tvx_root_rdmsr_fault)
SYM_FUNC_END(tvx_root_rdmsr)

SYM_FUNC_START(tvx_root_wrmsr)
	mov %edi, %ecx
	mov %rsi, %rax
	mov %rsi, %rdx
	shr $32, %rdx
SYM_INNER_LABEL(tvx_root_wrmsr_insn, SYM_L_GLOBAL)
	ANNOTATE_NOENDBR
	wrmsr
	xor %eax, %eax
	RET
SYM_INNER_LABEL(tvx_root_wrmsr_fault, SYM_L_GLOBAL)
	ANNOTATE_NOENDBR
	mov $-EIO, %eax
	RET
	_ASM_EXTABLE(tvx_root_wrmsr_insn, tvx_root_wrmsr_fault)
SYM_FUNC_END(tvx_root_wrmsr)

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

.macro ROOT_PUSH_SCRATCH
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
.endm

.macro ROOT_POP_SCRATCH
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
.endm

/*
 * An NMI in root mode: recorded, re-delivered to the host at the next VM
 * entry it allows (host_exit.c). No IST: root mode is always on its own
 * stack, and NMIs stay blocked until this IRETQ.
 */
SYM_CODE_START(tvx_root_idt_nmi)
	UNWIND_HINT_IRET_REGS
	ENDBR
	ROOT_PUSH_SCRATCH
	call tvx_root_nmi
	ROOT_POP_SCRATCH
	iretq
SYM_CODE_END(tvx_root_idt_nmi)

/* A machine check in root mode: recorded, injected into the host. */
SYM_CODE_START(tvx_root_idt_mc)
	UNWIND_HINT_IRET_REGS
	ENDBR
	ROOT_PUSH_SCRATCH
	call tvx_root_mc
	ROOT_POP_SCRATCH
	iretq
SYM_CODE_END(tvx_root_idt_mc)

/*
 * Any other exception: tvx_root_exception() gets the scratch registers,
 * vector, error code and the IRET frame. It returns NULL when it fixed
 * the fault up (one of the MSR instructions above), else the guest's
 * saved registers, with the IRET frame that takes the CPU out of host
 * mode built above them: the stack is cut back to them.
 */
SYM_CODE_START_LOCAL(tvx_root_idt_common)
	UNWIND_HINT_IRET_REGS offset=16
	ROOT_PUSH_SCRATCH
	mov %rsp, %rdi
	call tvx_root_exception
	test %rax, %rax
	jnz 1f
	ROOT_POP_SCRATCH
	add $16, %rsp
	iretq
1:	mov %rax, %rsp
	UNWIND_HINT_EMPTY
	HOST_POP_REGS
	UNWIND_HINT_IRET_REGS
	iretq
SYM_CODE_END(tvx_root_idt_common)

/* Exceptions 0-31, one stub of TVX_ROOT_STUB_SIZE bytes each */
.macro ROOT_STUB vec
	.balign TVX_ROOT_STUB_SIZE
	UNWIND_HINT_IRET_REGS
	ENDBR
	.if \vec == 2
	jmp tvx_root_idt_nmi
	.elseif \vec == 18
	jmp tvx_root_idt_mc
	.else
	.if \vec != 8 && \vec != 10 && \vec != 11 && \vec != 12 && \vec != 13 && \vec != 14 && \vec != 17 && \vec != 21 && \vec != 29 && \vec != 30
	push $0
	.endif
	push $\vec
	jmp tvx_root_idt_common
	.endif
.endm

	.balign TVX_ROOT_STUB_SIZE
SYM_CODE_START(tvx_root_idt_stubs)
	.irp vec, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		  16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	ROOT_STUB \vec
	.endr
SYM_CODE_END(tvx_root_idt_stubs)
