/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tvx_guest.h: what C code running inside a thinvmx guest may use.
 *
 * A test puts its guest code in the test binary itself (KVM selftests'
 * way): tvx_guest_load_self() copies the program into guest memory at the
 * addresses it runs at, tvx_vcpu_setup_long_mode() identity-maps guest RAM
 * and starts a function of it at ring 0, and the function talks to the
 * host with the ucalls below, which tvx_run_until_ucall() returns.
 *
 * Rules for guest functions:
 * - Call only what this header gives, your own guest functions, and the
 *   C library's pure memory and string functions (memcpy, memset, memmove,
 *   memcmp, strlen, ...): their IFUNC-selected variants (AVX included) work
 *   in the guest because tvx_guest_load_self() copies the resolved GOT and
 *   the long-mode setup gives the guest the host's XCR0. Nothing that can
 *   make a system call, allocate, lock, or touch errno or other
 *   thread-local data (printf, malloc, sqrt with a negative argument...).
 * - The compiler may call memcpy/memset on its own (struct copies, large
 *   initialisers): that is fine, for the reason above.
 * - Data the guest reads is the guest's copy of the program's globals, as
 *   they were at tvx_guest_load_self(): exchange later values with
 *   TVX_SYNC_GLOBAL_TO_GUEST / TVX_SYNC_GLOBAL_FROM_GUEST while the vCPU
 *   is stopped. Heap and mmap'd memory do not exist in the guest.
 * - SSE is on (CR4.OSFXSR); floating point works as in the host.
 * - An exception runs a library stub that reports TVX_UCALL_UNHANDLED with
 *   the vector, error code and RIP; the guest then halts.
 * - Ucall arguments are integers (cast pointers to __u64 yourself).
 * - The test binary is compiled with the red zone: guest code that takes
 *   interrupts and returns from them must be built with -mno-red-zone.
 */
#ifndef _TVX_GUEST_H
#define _TVX_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "libthinvmx.h"	/* TVX_UCALL_*, struct tvx_ucall_frame */

/* ------------------------------------------------------------ port I/O */

static inline void tvx_outb(__u16 port, __u8 v)
{
	asm volatile("outb %0, %1" : : "a" (v), "Nd" (port) : "memory");
}

static inline void tvx_outw(__u16 port, __u16 v)
{
	asm volatile("outw %0, %1" : : "a" (v), "Nd" (port) : "memory");
}

static inline void tvx_outl(__u16 port, __u32 v)
{
	asm volatile("outl %0, %1" : : "a" (v), "Nd" (port) : "memory");
}

static inline __u8 tvx_inb(__u16 port)
{
	__u8 v;

	asm volatile("inb %1, %0" : "=a" (v) : "Nd" (port) : "memory");
	return v;
}

static inline __u16 tvx_inw(__u16 port)
{
	__u16 v;

	asm volatile("inw %1, %0" : "=a" (v) : "Nd" (port) : "memory");
	return v;
}

static inline __u32 tvx_inl(__u16 port)
{
	__u32 v;

	asm volatile("inl %1, %0" : "=a" (v) : "Nd" (port) : "memory");
	return v;
}

/* ------------------------------------------------------------ CPU */

static inline void tvx_cpuid(__u32 leaf, __u32 subleaf, __u32 *eax, __u32 *ebx,
			     __u32 *ecx, __u32 *edx)
{
	asm volatile("cpuid"
		     : "=a" (*eax), "=b" (*ebx), "=c" (*ecx), "=d" (*edx)
		     : "a" (leaf), "c" (subleaf));
}

static inline __u64 tvx_read_cr0(void)
{
	__u64 v;

	asm volatile("mov %%cr0, %0" : "=r" (v));
	return v;
}

static inline __u64 tvx_read_cr4(void)
{
	__u64 v;

	asm volatile("mov %%cr4, %0" : "=r" (v));
	return v;
}

static inline __u64 tvx_rdmsr(__u32 msr)
{
	__u32 lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr));
	return ((__u64)hi << 32) | lo;
}

static inline void tvx_wrmsr(__u32 msr, __u64 v)
{
	asm volatile("wrmsr" : : "c" (msr), "a" ((__u32)v), "d" ((__u32)(v >> 32))
		     : "memory");
}

static inline __attribute__((noreturn)) void tvx_guest_halt(void)
{
	for (;;)
		asm volatile("hlt");
}

/*
 * Byte copies that need neither libc nor SSE, for code that must not call
 * out (the C library's functions work too: see above).
 */
static inline void *tvx_guest_memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	asm volatile("rep movsb" : "+D" (d), "+S" (src), "+c" (n) : : "memory");
	return dst;
}

static inline void *tvx_guest_memset(void *dst, int c, size_t n)
{
	void *d = dst;

	asm volatile("rep stosb" : "+D" (d), "+c" (n) : "a" (c) : "memory");
	return dst;
}

/* ------------------------------------------------------------ ucalls */

static inline void tvx_guest_ucall_frame(struct tvx_ucall_frame *f)
{
	asm volatile("outl %%eax, %%dx"
		     : : "a" ((__u32)(uintptr_t)f), "d" (TVX_UCALL_PORT), "D" (f)
		     : "memory");
}

/* up to TVX_UCALL_MAX_ARGS integer arguments */
#define TVX_GUEST_UCALL(cmd_, msg_, ...) do {				\
	struct tvx_ucall_frame __tvx_f = {				\
		.cmd = (cmd_),						\
		.args = { __VA_ARGS__ },				\
		.file = (__u64)(uintptr_t)__FILE__,			\
		.line = __LINE__,					\
		.msg = (__u64)(uintptr_t)(msg_),			\
	};								\
	tvx_guest_ucall_frame(&__tvx_f);				\
} while (0)

/* Report up to 6 values; the host sees TVX_UCALL_SYNC, then resumes us. */
#define GUEST_SYNC(...)		TVX_GUEST_UCALL(TVX_UCALL_SYNC, 0, __VA_ARGS__)

/* A message (a string literal or a string in guest memory) and values. */
#define GUEST_PRINT(msg, ...)	TVX_GUEST_UCALL(TVX_UCALL_PRINT, (msg), __VA_ARGS__)

/* The guest is finished: TVX_UCALL_DONE, then it halts for good. */
#define GUEST_DONE() do {						\
	TVX_GUEST_UCALL(TVX_UCALL_DONE, 0, 0);				\
	tvx_guest_halt();						\
} while (0)

/*
 * A failed assertion reports TVX_UCALL_ASSERT with the file, the line and
 * the expression as text, then halts for good.
 */
#define GUEST_ASSERT(cond) do {						\
	if (!(cond)) {							\
		TVX_GUEST_UCALL(TVX_UCALL_ASSERT, #cond, 0);		\
		tvx_guest_halt();					\
	}								\
} while (0)

/* args[0] and args[1] carry the two values. */
#define GUEST_ASSERT_EQ(a, b) do {					\
	__u64 __tvx_a = (__u64)(a), __tvx_b = (__u64)(b);		\
									\
	if (__tvx_a != __tvx_b) {					\
		TVX_GUEST_UCALL(TVX_UCALL_ASSERT, #a " == " #b,		\
				__tvx_a, __tvx_b);			\
		tvx_guest_halt();					\
	}								\
} while (0)

#endif /* _TVX_GUEST_H */
