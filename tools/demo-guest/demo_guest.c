// SPDX-License-Identifier: GPL-2.0
/*
 * The demo guest: a freestanding 64-bit program that thinvmx-run starts in
 * long mode. It says hello on the serial port (0x3f8), reads the
 * hypervisor's CPUID leaf, and then does what an introspection daemon
 * (thinvmx-monitor) watches, saying what became of each: CR0, CR3 and
 * CR4 writes, an attempt to clear CR4.SMEP and one to clear CR0.WP (a
 * monitor may deny them: the register keeps its value), and an INT3 that
 * its own #BP handler catches when the INT3 reaches it (no monitor, or a
 * monitor that re-injects it) and that a monitor may also skip, and a
 * write to guest physical 0x200000, a frame a monitor may watch. Then it
 * computes something and halts.
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

#define CR0_WP		(1ULL << 16)
#define CR0_AM		(1ULL << 18)	/* harmless to toggle in ring 0 */
#define CR4_PGE		(1ULL << 7)
#define CR4_SMEP	(1ULL << 20)
#define BP_RAN		0xb9	/* what the #BP handler leaves in EAX */
#define WATCHED_GPA	0x200000	/* outside the image, identity-mapped */

/*
 * The #BP handler: it leaves BP_RAN in EAX, the INT3's caller's sign that
 * the breakpoint reached the guest, and returns after the INT3.
 */
__asm__(".text\n"
	"bp_entry:\n\t"
	"mov $0xb9, %eax\n\t"
	"iretq\n");
extern char bp_entry[];

static inline uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r" (v));
	return v;
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r" (v));
	return v;
}

static inline void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r" (v) : "memory");
}

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r" (v) : "memory");
}

/* Vector 3 of the IDT the loader gave us: an interrupt gate to bp_entry. */
static void install_bp_handler(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr;
	uint64_t h = (uint64_t)bp_entry;
	uint16_t cs;
	uint32_t *gate;

	__asm__ volatile("sidt %0" : "=m" (idtr));
	__asm__ volatile("mov %%cs, %0" : "=r" (cs));
	gate = (uint32_t *)(idtr.base + 3 * 16);
	gate[0] = (h & 0xffff) | ((uint32_t)cs << 16);
	gate[1] = (h & 0xffff0000) | 0x8e00;	/* present, DPL 0, interrupt gate */
	gate[2] = h >> 32;
	gate[3] = 0;
}

/* An INT3 with EAX 0: BP_RAN afterwards if the handler ran. */
static uint32_t int3(void)
{
	uint32_t eax = 0;

	__asm__ volatile("int3" : "+a" (eax) : : "memory");
	return eax;
}

/* Try to clear @bit of a CR; say whether the write was denied. */
static void try_clear(const char *what, uint64_t (*rd)(void),
		      void (*wr)(uint64_t), uint64_t bit)
{
	uint64_t before = rd(), after;

	wr(before & ~bit);
	after = rd();
	say("demo guest: clearing ");
	say(what);
	say(after & bit ? ": denied, the bit stays (" : ": allowed (");
	say_hex(after);
	say(")\n");
	wr(before);
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

	install_bp_handler();

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
	/* toggle CR0.AM and CR4.PGE, reload CR3: what a monitor would see */
	write_cr0(read_cr0() | CR0_AM);
	write_cr0(read_cr0() & ~CR0_AM);
	write_cr4(cr4 ^ CR4_PGE);
	write_cr4(cr4);
	__asm__ volatile("mov %0, %%cr3" : : "r" (cr3) : "memory");

	/* SMEP on, then an attempt to turn it off, which a monitor may deny */
	cpuid(7, r);
	if (r[1] & (1U << 7)) {
		write_cr4(cr4 | CR4_SMEP);
		/* left on when the clearing was denied: our pages are supervisor */
		try_clear("CR4.SMEP", read_cr4, write_cr4, CR4_SMEP);
	} else {
		say("demo guest: this CPU has no SMEP\n");
	}
	try_clear("CR0.WP", read_cr0, write_cr0, CR0_WP);

	/* a write a monitor may watch (thinvmx-monitor --access 0x200:1:rx) */
	*(volatile uint64_t *)WATCHED_GPA = 0x5ca1ab1e;
	say("demo guest: wrote ");
	say_hex(*(volatile uint64_t *)WATCHED_GPA);
	say(" to 0x200000\n");

	say(int3() == BP_RAN ?
	    "demo guest: INT3: my #BP handler ran\n" :
	    "demo guest: INT3: skipped, my #BP handler did not run\n");

	say("demo guest: fib(90) = ");
	say_hex(fib(90));
	say("\ndemo guest: bye\n");
	for (;;)
		__asm__ volatile("hlt");
}
