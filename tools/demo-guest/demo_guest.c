// SPDX-License-Identifier: GPL-2.0
/*
 * The demo guest: a freestanding 64-bit program that thinvmx-run starts in
 * long mode. It says hello on the serial port (0x3f8), reads the
 * hypervisor's CPUID leaf, writes CR4 and CR3 (what an introspection daemon
 * watches), computes something, and halts.
 *
 * Built with -ffreestanding -nostdlib, linked at 1 MiB (Makefile).
 */
#include <stdint.h>

#define COM1	0x3f8

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a" (v), "Nd" (port));
}

static void say(const char *s)
{
	while (*s)
		outb(COM1, *s++);
}

static void say_hex(uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[19];
	int i;

	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < 16; i++)
		buf[2 + i] = digits[(v >> (60 - 4 * i)) & 0xf];
	buf[18] = 0;
	say(buf);
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a" (r[0]), "=b" (r[1]), "=c" (r[2]), "=d" (r[3])
			 : "a" (leaf), "c" (0));
}

static uint64_t fib(uint64_t n)
{
	uint64_t a = 0, b = 1, t;

	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	return a;
}

void __attribute__((noreturn, section(".text.start"))) _start(uint64_t vcpu)
{
	uint32_t r[4];
	char sig[13];
	uint64_t cr3, cr4;
	int i;

	say("demo guest: hello from vCPU ");
	say_hex(vcpu);
	say("\n");

	cpuid(0x40000000, r);
	for (i = 0; i < 4; i++) {
		sig[i] = r[1] >> (8 * i);
		sig[4 + i] = r[2] >> (8 * i);
		sig[8 + i] = r[3] >> (8 * i);
	}
	sig[12] = 0;
	say("demo guest: the hypervisor says \"");
	say(sig);
	say("\"\n");

	__asm__ volatile("mov %%cr4, %0" : "=r" (cr4));
	__asm__ volatile("mov %%cr3, %0" : "=r" (cr3));
	say("demo guest: CR3 ");
	say_hex(cr3);
	say(", CR4 ");
	say_hex(cr4);
	say("\n");
	/* toggle CR4.PGE and reload CR3: what a monitor would see */
	__asm__ volatile("mov %0, %%cr4" : : "r" (cr4 ^ (1ULL << 7)));
	__asm__ volatile("mov %0, %%cr4" : : "r" (cr4));
	__asm__ volatile("mov %0, %%cr3" : : "r" (cr3) : "memory");

	say("demo guest: fib(90) = ");
	say_hex(fib(90));
	say("\ndemo guest: bye\n");
	for (;;)
		__asm__ volatile("hlt");
}
