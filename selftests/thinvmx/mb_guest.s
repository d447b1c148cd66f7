# SPDX-License-Identifier: GPL-2.0
#
# A multiboot (v1) and PVH test kernel for thinvmx-run --kernel
# (multiboot_test.sh):
# 32-bit code that checks what the loader promised -- EAX = 0x2badb002,
# the information's flags, memory sizes, command line, module and memory
# map -- prints it on COM1 and ends with an isa-debug-exit write of 0x21
# (thinvmx-run --debug-exit: status 67), or of 0x01 on a failed check
# (status 3). Assembled three times: as an ELF32, with AOUT_KLUDGE defined
# as a flat image whose header carries the load addresses (flag 16), and
# with PVH defined as an ELF32 with a PVH entry note instead, checking
# struct hvm_start_info (magic, command line, RSDP, module, memory map).
	.code32
	.set	MB_MAGIC, 0x1badb002
	.ifdef	AOUT_KLUDGE
	.set	MB_FLAGS, 0x00010003
	.else
	.set	MB_FLAGS, 0x00000003
	.endif
	.set	COM1, 0x3f8
	.set	EXIT_PORT, 0xf4

	.ifdef	PVH
	# the PVH entry note: name "Xen", type XEN_ELFNOTE_PHYS32_ENTRY
	.section .note.Xen, "a", @note
	.balign	4
	.long	4, 4, 18
	.asciz	"Xen"
	.long	_start
	.endif

	.text
	.globl	_start
	.ifndef	PVH
mb_header:
	.long	MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
	.ifdef	AOUT_KLUDGE
	.long	mb_header			# header_addr
	.long	0x100000			# load_addr
	.long	0				# load_end_addr: the whole file
	.long	bss_end				# bss_end_addr
	.long	_start				# entry_addr
	.endif
	.endif

_start:
	mov	$stack_top, %esp
	.ifndef	PVH
	cmp	$0x2badb002, %eax
	jne	fail
	.endif
	mov	%ebx, %esi			# the information

	# the bss is zero (checked before the first call uses the stack in it)
	mov	$bss_start, %edi
1:	cmpl	$0, (%edi)
	jne	fail
	add	$4, %edi
	cmp	$bss_end, %edi
	jb	1b
	.ifdef	PVH
	jmp	pvh_main
	.endif
	mov	$s_magic, %edx
	call	puts

	# flags: memory, command line, memory map, loader name (+ modules)
	mov	(%esi), %eax
	and	$0x245, %eax
	cmp	$0x245, %eax
	jne	fail

	mov	$s_lower, %edx
	call	puts
	mov	4(%esi), %eax
	call	putdec
	mov	$s_upper, %edx
	call	puts
	mov	8(%esi), %eax
	call	putdec
	call	newline

	mov	$s_cmdline, %edx
	call	puts
	mov	16(%esi), %edx
	call	puts
	call	newline

	mov	$s_loader, %edx
	call	puts
	mov	64(%esi), %edx
	call	puts
	call	newline

	# the module: its length and the sum of its bytes
	mov	$s_mods, %edx
	call	puts
	mov	20(%esi), %eax
	call	putdec
	testl	$8, (%esi)
	jz	2f
	cmpl	$0, 20(%esi)
	je	2f
	mov	24(%esi), %ebx
	mov	(%ebx), %ecx			# mod_start
	mov	4(%ebx), %edi			# mod_end
	call	putmodule			# page-aligned, as flag 0 asks
2:	call	newline

	# the memory map: entries and RAM bytes
	mov	$s_mmap, %edx
	call	puts
	mov	48(%esi), %ebx			# mmap_addr
	mov	44(%esi), %ecx			# mmap_length
	add	%ebx, %ecx
	xor	%edi, %edi			# entries
5:	cmp	%ecx, %ebx
	jae	6f
	inc	%edi
	mov	(%ebx), %eax
	lea	4(%ebx, %eax), %ebx
	jmp	5b
6:	mov	%edi, %eax
	call	putdec
	call	newline

	mov	$0x21, %al
	out	%al, $EXIT_PORT
	hlt

	.ifdef	PVH
# struct hvm_start_info, version 1
pvh_main:
	cmpl	$0x336ec578, (%esi)
	jne	fail
	cmpl	$1, 4(%esi)
	jne	fail
	mov	$s_magic, %edx
	call	puts

	mov	$s_cmdline, %edx
	call	puts
	mov	24(%esi), %edx			# cmdline_paddr
	call	puts
	call	newline

	# the RSDP: its address and its signature
	mov	$s_rsdp, %edx
	call	puts
	mov	32(%esi), %ebx
	mov	%ebx, %eax
	call	putdec
	cmpl	$0x20445352, (%ebx)		# "RSD "
	jne	fail
	cmpl	$0x20525450, 4(%ebx)		# "PTR "
	jne	fail
	call	newline

	mov	$s_mods, %edx
	call	puts
	mov	12(%esi), %eax			# nr_modules
	call	putdec
	test	%eax, %eax
	jz	2f
	mov	16(%esi), %ebx			# modlist_paddr
	mov	(%ebx), %ecx			# paddr
	mov	8(%ebx), %edi			# size
	add	%ecx, %edi
	call	putmodule
2:	call	newline

	# the memory map: entries, and RAM above 1 MiB in KiB
	mov	$s_mmap, %edx
	call	puts
	mov	48(%esi), %eax			# memmap_entries
	call	putdec
	call	newline

	mov	$0x21, %al
	out	%al, $EXIT_PORT
	hlt
	.endif

fail:
	mov	$s_fail, %edx
	call	puts
	mov	$0x01, %al
	out	%al, $EXIT_PORT
	hlt

# putmodule: " len=N sum=S" of the module at [%ecx, %edi), page-aligned
putmodule:
	testl	$0xfff, %ecx
	jnz	fail
	mov	$s_len, %edx
	call	puts
	mov	%edi, %eax
	sub	%ecx, %eax
	call	putdec
	xor	%eax, %eax
1:	cmp	%edi, %ecx
	jae	2f
	movzbl	(%ecx), %ebx
	add	%ebx, %eax
	inc	%ecx
	jmp	1b
2:	mov	$s_sum, %edx
	call	puts
	call	putdec
	ret

# puts: the NUL-terminated string at %edx
puts:
	push	%eax
	push	%edx
1:	movb	(%edx), %al
	test	%al, %al
	jz	2f
	push	%edx
	mov	$COM1, %dx
	out	%al, %dx
	pop	%edx
	inc	%edx
	jmp	1b
2:	pop	%edx
	pop	%eax
	ret

newline:
	push	%eax
	push	%edx
	mov	$COM1, %dx
	mov	$'\n', %al
	out	%al, %dx
	pop	%edx
	pop	%eax
	ret

# putdec: %eax in decimal
putdec:
	push	%eax
	push	%ebx
	push	%ecx
	push	%edx
	mov	$10, %ebx
	xor	%ecx, %ecx
1:	xor	%edx, %edx
	div	%ebx
	push	%edx
	inc	%ecx
	test	%eax, %eax
	jnz	1b
2:	pop	%eax
	add	$'0', %al
	mov	$COM1, %dx
	out	%al, %dx
	loop	2b
	pop	%edx
	pop	%ecx
	pop	%ebx
	pop	%eax
	ret

	.section .rodata
s_magic:	.asciz	"mb: magic ok\n"
s_lower:	.asciz	"mb: mem_lower="
s_upper:	.asciz	" mem_upper="
s_cmdline:	.asciz	"mb: cmdline="
s_loader:	.asciz	"mb: loader="
s_mods:		.asciz	"mb: mods="
s_len:		.asciz	" len="
s_sum:		.asciz	" sum="
s_mmap:		.asciz	"mb: mmap entries="
s_rsdp:		.asciz	"mb: rsdp="
s_fail:		.asciz	"mb: FAIL\n"

	.bss
	.balign	16
bss_start:
	.space	4096
stack_top:
bss_end:
