// SPDX-License-Identifier: GPL-2.0
/*
 * boot_bench: a Linux boot under thinvmx and under kvm_intel, in the same
 * (nested) machine, with the same boot code and device model.
 *
 * Both backends boot the same bzImage (default /boot/vmlinuz) with the
 * same initramfs and command line (linux_boot_test.sh's): the guest is
 * laid out by libthinvmx's tvx_linux_layout() (zero page, e820 map, ACPI
 * tables, page tables, GDT), for thinvmx through tvx_linux_boot(), for
 * KVM into the VM's memory; the UART (lib/uart.c) and IOAPIC
 * (lib/ioapic.c) models serve both from this run loop. The KVM VM has
 * KVM's local APIC in the kernel and nothing else (a split irqchip: no
 * PIC, no PIT, the IOAPIC here), thinvmx the module's local APIC: the
 * same machine. KVM's CPUID is what it supports, with thinvmx's
 * hypervisor and frequency leaves (0x15, 0x16, 0x40000000, 0x40000010)
 * instead of KVM's paravirtual ones, so neither guest calibrates its TSC
 * and both run on the TSC and the TSC-deadline timer.
 *
 * The initramfs holds one file, /init, a static program of a few
 * instructions (below) that writes markers to port 0xe9:
 *   'I'  first thing /init does: "boot to /init" is the host TSC from
 *        just before the first RUN to this exit;
 *   then 50 nanosleep(1 ms) with timer slack 1 ns, each one's length in
 *        guest TSC written to port 0xea (the timer wake-up latency below);
 *   'S', a 3 s nanosleep, 'E': the idle guest's exits per second;
 *   then reboot(POWER_OFF) (ACPI S5: the run ends).
 *
 * What is measured:
 * - cycles to /init, and exits by reason during the boot (thinvmx: the
 *   module's per-reason counters, netlink GET_STATS; KVM: its binary
 *   statistics, KVM_GET_STATS_FD, which count by kind, not VMX reason);
 * - exits per second of the idle guest (one vCPU), per second of TSC;
 * - the timer wake-up latency: TSC cycles from when the guest's 1 ms
 *   sleep is due to /init running again. The guest's clockevent is the
 *   TSC-deadline timer, on a host hrtimer under both; the path is the
 *   host hrtimer, the injection and the guest's timer interrupt handler
 *   through its wake-up of /init. The guest's part is the same kernel
 *   code under both, so the difference between the two is the delivery
 *   cost's difference (neither module timestamps its injection).
 * In Bochs the TSC counts emulated instructions (NESTED.md): compare
 * ratios.
 *
 * usage: boot_bench [--kernel BZIMAGE] [--kvm-modules DIR] [--console]
 *                   [--append ARGS] [--thinvmx-only | --kvm-only] [--vapic]
 *        (--append: more guest command line, to look into the guest, e.g.
 *        "trace_event=timer:hrtimer_expire_entry tp_printk" with --console;
 *        the figures are then not the benchmark's; --kvm-only: the KVM
 *        boot alone, thinvmx's domain only created for its memory map and
 *        CPUID leaves and destroyed before its first entry, to tell what
 *        the KVM boot does in a machine where no thinvmx guest ran;
 *        --vapic: thinvmx's domain created with the module parameter
 *        vapic=1, its xAPIC on APIC virtualization)
 *        boot_bench --write-initramfs FILE   (the initramfs, for thinvmx-run)
 * Needs root, /dev/thinvmx with usable VMX, for the KVM side /dev/kvm
 * (loaded from DIR, default /lib/modules-kvm, when absent). Prints one
 * line per measurement and the ratios; exits 4 (skip) when thinvmx or the
 * kernel is missing, 1 when a boot fails (its console is printed).
 */
#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <x86intrin.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/kvm.h>

#include "libthinvmx.h"
#include "boot.h"
#include "devices.h"
#include "../thinvmx/tvx_test.h"
#include "bench_guest.h"

#define GUEST_MIB	192
#define CMDLINE		"console=ttyS0 earlyprintk=serial,ttyS0,115200 nokaslr panic=-1 tsc=reliable " \
			"sysctl.vm.compaction_proactiveness=0"
#define COM1		0x3f8
#define COM1_IRQ	4
#define MARK_PORT	0xe9		/* 'I', 'S', 'E' */
#define SAMPLE_PORT	0xea		/* a nanosleep's length, guest TSC */
#define ACPI_SLEEP_CTL_PORT 0x600	/* lib/boot.c's FADT: S5 = 0x34 */
#define ACPI_S5		((5 << 2) | 0x20)
#define RESET_PORT	0xcf9
#define SLEEP_NS	1000000ULL	/* the /init's timed sleeps */
#define NR_SAMPLES	50
#define BOOT_LIMIT_S	900		/* per boot, wall time */

/*
 * /init: x86-64, position-independent, no libc. ioperm(0xe8, 8) first,
 * so that its first action the host sees is the 'I' marker.
 */
asm(".pushsection .rodata\n"
    ".globl init_code, init_code_end\n"
    "init_code:\n"
    "	mov $173, %eax; mov $0xe8, %edi; mov $8, %esi; mov $1, %edx; syscall\n"
    "	mov $0xe9, %edx; mov $0x49, %al; out %al, %dx\n"
    "	mov $1, %eax; mov $1, %edi; lea 9f(%rip), %rsi; mov $(10f - 9f), %edx; syscall\n"
    "	mov $157, %eax; mov $29, %edi; mov $1, %esi; syscall\n"	/* PR_SET_TIMERSLACK 1 */
    "	mov $50, %r12d\n"
    "1:	rdtsc; shl $32, %rdx; or %rdx, %rax; mov %rax, %r13\n"
    "	mov $35, %eax; lea 7f(%rip), %rdi; xor %esi, %esi; syscall\n"
    "	rdtsc; shl $32, %rdx; or %rdx, %rax; sub %r13, %rax\n"
    "	mov $0xea, %edx; out %eax, %dx\n"
    "	dec %r12d; jnz 1b\n"
    "	mov $0xe9, %edx; mov $0x53, %al; out %al, %dx\n"
    "	mov $35, %eax; lea 8f(%rip), %rdi; xor %esi, %esi; syscall\n"
    "	mov $0xe9, %edx; mov $0x45, %al; out %al, %dx\n"
    "	mov $169, %eax; mov $0xfee1dead, %edi; mov $672274793, %esi\n"
    "	mov $0x4321fedc, %edx; syscall\n"			/* POWER_OFF */
    "2:	mov $60, %eax; xor %edi, %edi; syscall; jmp 2b\n"
    "	.balign 8\n"
    "7:	.quad 0, 1000000\n"
    "8:	.quad 3, 0\n"
    "9:	.ascii \"boot_bench: /init\\n\"\n"
    "10:\n"
    "init_code_end:\n"
    ".popsection\n");
extern const unsigned char init_code[], init_code_end[];

#define INIT_VADDR	0x400000ULL

/* /init as an ELF executable: one PT_LOAD, code right after the headers */
static size_t build_init(unsigned char *buf)
{
	size_t code = init_code_end - init_code;
	size_t hdrs = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT, ELFOSABI_SYSV },
		.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_entry = INIT_VADDR + hdrs, .e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = 1,
	};
	Elf64_Phdr ph = {
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
		.p_vaddr = INIT_VADDR, .p_paddr = INIT_VADDR,
		.p_filesz = hdrs + code, .p_memsz = hdrs + code, .p_align = 0x1000,
	};

	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	memcpy(buf + hdrs, init_code, code);
	return hdrs + code;
}

/* One "newc" cpio member; @data may be NULL (directories, nodes) */
static size_t cpio_add(unsigned char *p, const char *name, unsigned int mode,
		       unsigned int rmaj, unsigned int rmin,
		       const void *data, size_t len)
{
	size_t n, namesz = strlen(name) + 1;
	static unsigned int ino = 1;

	n = sprintf((char *)p, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		    ino++, mode, 0, 0, 1, 0, len, 0, 0, rmaj, rmin, namesz, 0);
	memcpy(p + n, name, namesz);
	n = (n + namesz + 3) & ~(size_t)3;
	if (len)
		memcpy(p + n, data, len);
	return (n + len + 3) & ~(size_t)3;
}

/* The initramfs: /dev/console and /init, uncompressed */
static size_t build_initramfs(unsigned char *buf)
{
	unsigned char init[1024];
	size_t len = build_init(init), n = 0;

	n += cpio_add(buf + n, "dev", 040755, 0, 0, NULL, 0);
	n += cpio_add(buf + n, "dev/console", 020600, 5, 1, NULL, 0);
	n += cpio_add(buf + n, "init", 0100755, 0, 0, init, len);
	n += cpio_add(buf + n, "TRAILER!!!", 0, 0, 0, NULL, 0);
	return n;
}

/* ---------------------------------------------------------------- backends */

enum { X_IO, X_MMIO, X_EOI, X_OTHER };

/* An exit to the run loop, whichever backend: the data lives in its run page */
struct vexit {
	int kind;
	bool write;
	__u16 port;
	__u8 size;
	__u64 gpa;
	void *data;		/* IO, MMIO: the bytes, little-endian */
	__u8 vector;		/* EOI */
	char what[96];		/* X_OTHER */
};

#define MAX_STATS	128

/* Exit counters at one moment: by VMX reason (thinvmx) or by kind (KVM) */
struct counters {
	unsigned int nr;
	char name[MAX_STATS][48];
	__u64 val[MAX_STATS];
	__u64 total;
};

struct vm {
	/* thinvmx */
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_nl *nl;
	__u32 dom_id;
	/* KVM */
	int kvm, vm, vcpu, stats_fd;
	struct kvm_run *run;
	long run_size;
	unsigned char *mem;
	char *stat_names;
	struct kvm_stats_header sh;
	struct kvm_stats_desc *descs;
	size_t desc_size;
};

/* What the thinvmx run tells the KVM one: the same RAM map and CPUID leaves */
static struct thinvmx_e820_entry ram_map[THINVMX_MEMMAP_MAX];
static unsigned int ram_nr;
static struct thinvmx_cpuid_entry tvx_cpuid[THINVMX_CPUID_MAX];
static unsigned int tvx_cpuid_nr;
static __u32 tsc_khz;

struct backend {
	const char *name;
	int (*create)(struct vm *vm, const struct tvx_linux_image *img,
		      const char **why);
	int (*run)(struct vm *vm, struct vexit *x);
	int (*msi)(struct vm *vm, const struct tvx_msi *msi);
	int (*counters)(struct vm *vm, struct counters *c);
	__u64 (*rip)(struct vm *vm);
	void (*destroy)(struct vm *vm);
};

/* ---------------------------------------------------------------- thinvmx */

static __u64 host_xcr0(void)
{
	__u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | (__u64)hi << 32;
}

/*
 * The module's leaf 0xD.0 names only the state components the host
 * enabled (cpuid_xsave_limit()): in Bochs' corei7_skylake_x the CPU has
 * AVX-512 (0xe7) and the nested kernel enables 0x7, and a guest enabling
 * what the leaf named took #GP at XSETBV before that. Checked here, as
 * the KVM side gets the host's XCR0 by construction.
 */
static int tvx_cpuid_xcr0(void)
{
	__u64 xcr0 = host_xcr0();
	unsigned int i;

	for (i = 0; i < tvx_cpuid_nr; i++) {
		struct thinvmx_cpuid_entry *e = &tvx_cpuid[i];

		if (e->function != 0xd || e->index != 0 ||
		    !((e->eax | (__u64)e->edx << 32) & ~xcr0))
			continue;
		printf("# thinvmx's CPUID 0xD.0 offers XCR0 %#llx, the host enabled %#llx\n",
		       (unsigned long long)(e->eax | (__u64)e->edx << 32),
		       (unsigned long long)xcr0);
		return -EPROTO;
	}
	return 0;
}

/* --vapic: the module parameter, for the domain's creation only */
static bool use_vapic;

static int set_vapic(bool on)
{
	FILE *f = fopen("/sys/module/thinvmx/parameters/vapic", "w");

	if (!f)
		return -1;
	fputs(on ? "1" : "0", f);
	return fclose(f);
}

static int tvx_create(struct vm *vm, const struct tvx_linux_image *img,
		      const char **why)
{
	struct thinvmx_e820_entry ram = {
		.addr = 0, .size = GUEST_MIB << 20, .type = THINVMX_E820_RAM,
	};
	struct thinvmx_cpuid c = { .entries = (__u64)(uintptr_t)tvx_cpuid,
				   .nr = THINVMX_CPUID_MAX };
	struct thinvmx_domain_info info;
	struct thinvmx_memmap m;
	int ret;

	*why = "domain";
	if (use_vapic && set_vapic(true))
		return -errno;
	ret = tvx_domain_create(vm->h, &ram, 1, (__u64)GUEST_MIB << 20,
				THINVMX_DOMAIN_LAPIC, &vm->d);
	if (use_vapic)
		set_vapic(false);
	if (ret)
		return ret;
	*why = "vCPU";
	ret = tvx_vcpu_create(vm->d, 0, &vm->v);
	if (ret)
		return ret;
	*why = "domain memory map, info, CPUID";
	ret = tvx_domain_memmap(vm->d, &m, ram_map, THINVMX_MEMMAP_MAX);
	if (!ret)
		ret = tvx_domain_info(vm->d, &info);
	if (!ret && ioctl(tvx_domain_fd(vm->d), THINVMX_GET_CPUID, &c))
		ret = -errno;
	if (ret)
		return ret;
	ram_nr = m.nr_entries < THINVMX_MEMMAP_MAX ? m.nr_entries : THINVMX_MEMMAP_MAX;
	tvx_cpuid_nr = c.nr < THINVMX_CPUID_MAX ? c.nr : THINVMX_CPUID_MAX;
	*why = "CPUID 0xD.0 names state the host did not enable";
	ret = tvx_cpuid_xcr0();
	if (ret)
		return ret;
	tsc_khz = tvx_domain_tsc_khz(vm->d);
	vm->dom_id = info.id;
	*why = "netlink";
	ret = tvx_nl_open(&vm->nl);
	if (ret)
		return ret;
	return tvx_linux_boot(vm->d, vm->v, img, why);
}

static int tvx_run1(struct vm *vm, struct vexit *x)
{
	struct thinvmx_run *run = tvx_vcpu_run_page(vm->v);
	int ret = tvx_vcpu_run(vm->v);

	if (ret)
		return ret;
	switch (run->exit_reason) {
	case THINVMX_EXIT_IO:
		x->kind = X_IO;
		x->write = run->io.direction == THINVMX_IO_OUT;
		x->port = run->io.port;
		x->size = run->io.size;
		x->data = &run->io.data;
		return 0;
	case THINVMX_EXIT_MMIO:
		x->kind = X_MMIO;
		x->write = run->mmio.is_write;
		x->gpa = run->mmio.gpa;
		x->size = run->mmio.size;
		x->data = &run->mmio.data;
		return 0;
	case THINVMX_EXIT_EOI:
		x->kind = X_EOI;
		x->vector = run->eoi.vector;
		return 0;
	case THINVMX_EXIT_INTERNAL_ERROR:
	case THINVMX_EXIT_FAIL_ENTRY:
		x->kind = X_OTHER;
		snprintf(x->what, sizeof(x->what), "%s: VMX exit %#x, rip %#llx",
			 tvx_exit_reason_str(run->exit_reason) ?: "?",
			 run->internal.vmx_exit_reason,
			 (unsigned long long)run->internal.guest_rip);
		return 0;
	default:
		x->kind = X_OTHER;
		snprintf(x->what, sizeof(x->what), "exit %s",
			 tvx_exit_reason_str(run->exit_reason) ?: "?");
		return 0;
	}
}

static int tvx_msi(struct vm *vm, const struct tvx_msi *msi)
{
	return tvx_signal_msi(vm->d, msi->address, msi->data);
}

static int tvx_counters(struct vm *vm, struct counters *c)
{
	static struct tvx_nl_stats s;
	unsigned int i;
	int ret = tvx_nl_get_stats(vm->nl, vm->dom_id, &s);

	if (ret)
		return ret;
	c->nr = 0;
	for (i = 0; i < TVX_NL_EXIT_REASONS && c->nr < MAX_STATS; i++) {
		const char *n = tvx_vmx_exit_str(i);

		if (n)
			snprintf(c->name[c->nr], sizeof(c->name[0]), "%s", n);
		else
			snprintf(c->name[c->nr], sizeof(c->name[0]), "reason-%u", i);
		c->val[c->nr++] = s.exits[i];
	}
	c->total = s.exits_total;
	return 0;
}

static __u64 tvx_rip(struct vm *vm)
{
	struct thinvmx_regs r;

	return tvx_get_regs(vm->v, &r) ? 0 : r.rip;
}

static void tvx_destroy(struct vm *vm)
{
	if (vm->nl)
		tvx_nl_close(vm->nl);
	if (vm->v)
		tvx_vcpu_destroy(vm->v);
	if (vm->d)
		tvx_domain_destroy(vm->d);
	vm->nl = NULL;
	vm->v = NULL;
	vm->d = NULL;
}

static const struct backend thinvmx_backend = {
	"thinvmx", tvx_create, tvx_run1, tvx_msi, tvx_counters, tvx_rip, tvx_destroy,
};

/* ---------------------------------------------------------------- KVM */

static int kvm_write(void *ctx, __u64 gpa, const void *src, size_t len)
{
	if (gpa > ((__u64)GUEST_MIB << 20) || len > ((__u64)GUEST_MIB << 20) - gpa)
		return -ERANGE;
	memcpy((unsigned char *)ctx + gpa, src, len);
	return 0;
}

/*
 * KVM's supported CPUID with thinvmx's hypervisor and frequency leaves
 * instead of its own (KVM's signature with PV EOI alone at 0x40000100:
 * both guests end their interrupts the same way), and leaf 1's APIC and hypervisor bits as thinvmx
 * sets them (without the hypervisor bit, Linux applies the bare-metal
 * TSC-deadline errata check: microcode revision 0 on a Skylake-X model
 * turns the TSC-deadline timer off).
 */
static int kvm_cpuid(struct vm *vm)
{
	size_t sz = sizeof(struct kvm_cpuid2) + 256 * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = calloc(1, sz), *out = calloc(1, sz);
	unsigned int i, n = 0;
	int ret = -ENOMEM;

	if (!c || !out)
		goto out;
	c->nent = 240;
	ret = -errno;
	if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0)
		goto out;
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if ((e->function & 0xffff0000) == 0x40000000 ||
		    e->function == 0x15 || e->function == 0x16)
			continue;
		if (e->function == 0 && e->eax < 0x16)
			e->eax = 0x16;
		if (e->function == 1) {
			/* x2APIC, TSC deadline, hypervisor present */
			e->ecx |= (1u << 21) | (1u << 24) | (1u << 31);
			e->edx |= 1u << 9;			/* APIC */
			e->ebx &= 0x00ffffff;			/* APIC id 0 */
		}
		out->entries[n++] = *e;
	}
	for (i = 0; i < tvx_cpuid_nr && n < 256; i++) {
		struct thinvmx_cpuid_entry *t = &tvx_cpuid[i];

		/* its hypervisor and KVM blocks (PV EOI, as KVM has it) */
		if ((t->function & 0xfffffe00) != 0x40000000 &&
		    t->function != 0x15 && t->function != 0x16)
			continue;
		out->entries[n++] = (struct kvm_cpuid_entry2){
			.function = t->function, .index = t->index,
			.flags = t->flags & THINVMX_CPUID_FLAG_INDEXED ?
				 KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
			.eax = t->eax, .ebx = t->ebx, .ecx = t->ecx, .edx = t->edx,
		};
	}
	out->nent = n;
	ret = ioctl(vm->vcpu, KVM_SET_CPUID2, out) < 0 ? -errno : 0;
out:
	free(c);
	free(out);
	return ret;
}

static void kvm_seg(struct kvm_segment *s, __u16 sel, __u8 type, bool code64)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .s = 1, .db = !code64, .l = code64, .g = 1,
	};
}

/* The boot vCPU as tvx_linux_boot() starts it (lib/linux.c's boot_bsp()) */
static int kvm_bsp(struct vm *vm, __u64 entry)
{
	struct kvm_regs r = { .rip = entry, .rsi = BOOT_ZERO_PAGE_GPA,
			      .rsp = BOOT_STACK_GPA, .rflags = 2 };
	struct kvm_sregs s;

	if (ioctl(vm->vcpu, KVM_GET_SREGS, &s) < 0)
		return -errno;
	kvm_seg(&s.cs, BOOT_SEL_CS, 11, true);
	kvm_seg(&s.ds, BOOT_SEL_DS, 3, false);
	s.es = s.ds;
	s.ss = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	s.tr = (struct kvm_segment){ .limit = 0x67, .type = 11, .present = 1 };
	s.gdt.base = BOOT_GDT_GPA;
	s.gdt.limit = BOOT_GDT_SIZE - 1;
	s.cr0 = 0x80000031;		/* PG, NE, ET, PE */
	s.cr3 = BOOT_PML4_GPA;
	s.cr4 = 0x20;			/* PAE */
	s.efer = 0x500;			/* LMA, LME */
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &s) < 0 ||
	    ioctl(vm->vcpu, KVM_SET_REGS, &r) < 0)
		return -errno;
	return 0;
}

/* The vCPU's binary statistics: the descriptors, read once */
static int kvm_stats_open(struct vm *vm)
{
	size_t len;

	vm->stats_fd = ioctl(vm->vcpu, KVM_GET_STATS_FD, NULL);
	if (vm->stats_fd < 0 ||
	    pread(vm->stats_fd, &vm->sh, sizeof(vm->sh), 0) != sizeof(vm->sh))
		return -errno;
	vm->desc_size = sizeof(struct kvm_stats_desc) + vm->sh.name_size;
	len = vm->desc_size * vm->sh.num_desc;
	vm->descs = malloc(len);
	if (!vm->descs ||
	    pread(vm->stats_fd, vm->descs, len, vm->sh.desc_offset) != (ssize_t)len)
		return -EIO;
	return 0;
}

static int kvm_create(struct vm *vm, const struct tvx_linux_image *img,
		      const char **why)
{
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MIB << 20,
	};
	__u64 entry;
	int ret;

	*why = "/dev/kvm, KVM_CREATE_VM, guest memory";
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		return -errno;
	vm->vm = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	vm->mem = mmap(NULL, (size_t)GUEST_MIB << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->vm < 0 || vm->mem == MAP_FAILED)
		return -errno;
	region.userspace_addr = (unsigned long)vm->mem;
	*why = "split irqchip, TSS, memory slot, vCPU";
	if (ioctl(vm->vm, KVM_ENABLE_CAP, &split) < 0 ||
	    ioctl(vm->vm, KVM_SET_TSS_ADDR, 0xfeffd000UL) < 0 ||
	    ioctl(vm->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0 ||
	    (vm->vcpu = ioctl(vm->vm, KVM_CREATE_VCPU, 0)) < 0)
		return -errno;
	vm->run_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu, 0);
	if (vm->run == MAP_FAILED)
		return -errno;
	*why = "KVM_SET_CPUID2";
	ret = kvm_cpuid(vm);
	if (ret)
		return ret;
	*why = "KVM_GET_STATS_FD";
	ret = kvm_stats_open(vm);
	if (ret)
		return ret;
	ret = tvx_linux_layout(img, ram_map, ram_nr, kvm_write, vm->mem, &entry, why);
	if (ret)
		return ret;
	*why = "the boot vCPU's registers";
	return kvm_bsp(vm, entry);
}

static int kvm_run1(struct vm *vm, struct vexit *x)
{
	struct kvm_run *run = vm->run;

	if (ioctl(vm->vcpu, KVM_RUN, 0) < 0)
		return -errno;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		x->kind = X_IO;
		x->write = run->io.direction == KVM_EXIT_IO_OUT;
		x->port = run->io.port;
		x->size = run->io.size;
		x->data = (char *)run + run->io.data_offset;
		if (run->io.count == 1)
			return 0;
		/* a string I/O is not something this guest does */
		x->kind = X_OTHER;
		snprintf(x->what, sizeof(x->what), "string I/O port %#x count %u",
			 run->io.port, run->io.count);
		return 0;
	case KVM_EXIT_MMIO:
		x->kind = X_MMIO;
		x->write = run->mmio.is_write;
		x->gpa = run->mmio.phys_addr;
		x->size = run->mmio.len;
		x->data = run->mmio.data;
		return 0;
	case KVM_EXIT_IOAPIC_EOI:
		x->kind = X_EOI;
		x->vector = run->eoi.vector;
		return 0;
	default:
		x->kind = X_OTHER;
		snprintf(x->what, sizeof(x->what), "KVM exit %u (suberror %u)",
			 run->exit_reason, run->internal.suberror);
		return 0;
	}
}

static int kvm_msi(struct vm *vm, const struct tvx_msi *msi)
{
	struct kvm_msi m = {
		.address_lo = (__u32)msi->address, .address_hi = msi->address >> 32,
		.data = msi->data,
	};

	return ioctl(vm->vm, KVM_SIGNAL_MSI, &m) < 0 ? -errno : 0;
}

/* The cumulative u64 counters among KVM's vCPU statistics */
static int kvm_counters(struct vm *vm, struct counters *c)
{
	unsigned int i;

	c->nr = 0;
	c->total = 0;
	for (i = 0; i < vm->sh.num_desc && c->nr < MAX_STATS; i++) {
		struct kvm_stats_desc *d = (void *)((char *)vm->descs + i * vm->desc_size);
		__u64 v;

		if ((d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE ||
		    d->size != 1 ||
		    pread(vm->stats_fd, &v, 8, vm->sh.data_offset + d->offset) != 8)
			continue;
		snprintf(c->name[c->nr], sizeof(c->name[0]), "%s", d->name);
		c->val[c->nr++] = v;
		if (!strcmp(d->name, "exits"))
			c->total = v;
	}
	return 0;
}

static __u64 kvm_rip(struct vm *vm)
{
	struct kvm_regs r;

	return ioctl(vm->vcpu, KVM_GET_REGS, &r) < 0 ? 0 : r.rip;
}

static void kvm_destroy(struct vm *vm)
{
	if (vm->stats_fd >= 0)
		close(vm->stats_fd);
	free(vm->descs);
	vm->descs = NULL;
	if (vm->run && vm->run != MAP_FAILED)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	if (vm->vm >= 0)
		close(vm->vm);
	if (vm->mem && vm->mem != MAP_FAILED)
		munmap(vm->mem, (size_t)GUEST_MIB << 20);
	if (vm->kvm >= 0)
		close(vm->kvm);
	vm->stats_fd = vm->vcpu = vm->vm = vm->kvm = -1;
	vm->run = NULL;
	vm->mem = NULL;
}

static const struct backend kvm_backend = {
	"kvm", kvm_create, kvm_run1, kvm_msi, kvm_counters, kvm_rip, kvm_destroy,
};

/* ---------------------------------------------------------------- run loop */

/* What one boot measured */
struct boot_result {
	__u64 t_start, t_init, t_idle0, t_idle1;	/* host TSC */
	struct counters c_init, c_idle0, c_idle1;
	unsigned int samples;
	__u64 sample_min, sample_sum;			/* guest TSC */
	bool powered_off;
	char why[128];
};

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

/* The platform: the UART and the IOAPIC its line goes through */
static struct tvx_uart uart;
static struct tvx_ioapic ioapic;
static bool uart_level;
static FILE *console;
static bool console_live;		/* --console: the guests' output as it comes */
static const char *console_name;
static bool console_bol = true;

static void deliver(const struct backend *b, struct vm *vm,
		    const struct tvx_msi *msi, int n)
{
	int i;

	for (i = 0; i < n; i++)
		b->msi(vm, &msi[i]);
}

static void uart_irq(const struct backend *b, struct vm *vm)
{
	bool level = tvx_uart_irq(&uart);
	struct tvx_msi msi;

	if (level == uart_level)
		return;
	uart_level = level;
	if (tvx_ioapic_set_line(&ioapic, COM1_IRQ, level, &msi) == 1)
		deliver(b, vm, &msi, 1);
}

/* Return: 1 when the guest has powered off, -1 when it cannot go on */
static int serve_io(const struct backend *b, struct vm *vm, struct vexit *x,
		    struct boot_result *r)
{
	__u32 v = 0;
	int n;

	memcpy(&v, x->data, x->size < 4 ? x->size : 4);
	if (!x->write) {
		v = x->port >= COM1 && x->port < COM1 + 8 ?
		    tvx_uart_read(&uart, x->port - COM1) : ~0U;
		memcpy(x->data, &v, x->size < 4 ? x->size : 4);
		uart_irq(b, vm);
		return 0;
	}
	switch (x->port) {
	case COM1 ... COM1 + 7:
		n = tvx_uart_write(&uart, x->port - COM1, v);
		if (n >= 0)
			fputc(n, console);
		if (n >= 0 && console_live) {
			if (console_bol)
				printf("# %s| ", console_name);
			if (n != '\r')
				putchar(n);
			console_bol = n == '\n';
		}
		uart_irq(b, vm);
		return 0;
	case MARK_PORT:
		if ((v & 0xff) == 'I') {
			r->t_init = __rdtsc();
			b->counters(vm, &r->c_init);
		} else if ((v & 0xff) == 'S') {
			r->t_idle0 = __rdtsc();
			b->counters(vm, &r->c_idle0);
		} else if ((v & 0xff) == 'E') {
			r->t_idle1 = __rdtsc();
			b->counters(vm, &r->c_idle1);
		}
		return 0;
	case SAMPLE_PORT:
		if (!r->samples || v < r->sample_min)
			r->sample_min = v;
		r->sample_sum += v;
		r->samples++;
		return 0;
	case ACPI_SLEEP_CTL_PORT:
		if ((v & 0xff) != ACPI_S5)
			return 0;
		r->powered_off = true;
		return 1;
	case RESET_PORT:
		if (!(v & 4))
			return 0;
		snprintf(r->why, sizeof(r->why), "the guest rebooted");
		return -1;
	}
	return 0;
}

static void serve_mmio(const struct backend *b, struct vm *vm, struct vexit *x)
{
	struct tvx_msi msi[IOAPIC_PINS];
	__u32 v = 0;

	if (x->gpa < IOAPIC_GPA || x->gpa >= IOAPIC_GPA + IOAPIC_SIZE) {
		if (!x->write)
			memset(x->data, 0xff, x->size);
		return;
	}
	if (!x->write) {
		v = x->size == 4 ? tvx_ioapic_read(&ioapic, x->gpa - IOAPIC_GPA) : 0;
		memcpy(x->data, &v, x->size < 4 ? x->size : 4);
	} else if (x->size == 4) {
		memcpy(&v, x->data, 4);
		deliver(b, vm, msi, tvx_ioapic_write(&ioapic, x->gpa - IOAPIC_GPA, v, msi));
	}
}

static int boot(const struct backend *b, struct vm *vm,
		const struct tvx_linux_image *img, struct boot_result *r)
{
	struct tvx_msi msi[IOAPIC_PINS];
	const char *why = NULL;
	char path[64];
	struct vexit x;
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "/tmp/boot_bench-%s.log", b->name);
	console = fopen(path, "w");
	if (!console)
		return -errno;
	tvx_uart_init(&uart);
	tvx_ioapic_init(&ioapic);
	uart_level = false;
	console_name = b->name;
	console_bol = true;
	ret = b->create(vm, img, &why);
	if (ret) {
		snprintf(r->why, sizeof(r->why), "setup (%s): %s", why ?: "?",
			 strerror(-ret));
		goto out;
	}
	timed_out = 0;
	alarm(BOOT_LIMIT_S);
	r->t_start = __rdtsc();
	for (;;) {
		ret = b->run(vm, &x);
		if (ret == -EINTR && !timed_out)
			continue;
		if (ret) {
			snprintf(r->why, sizeof(r->why), "%s at rip %#llx", timed_out ?
				 "no power-off within the time limit" : strerror(-ret),
				 (unsigned long long)b->rip(vm));
			break;
		}
		if (x.kind == X_IO) {
			ret = serve_io(b, vm, &x, r);
			if (ret)
				break;
		} else if (x.kind == X_MMIO) {
			serve_mmio(b, vm, &x);
		} else if (x.kind == X_EOI) {
			deliver(b, vm, msi, tvx_ioapic_eoi(&ioapic, x.vector, msi));
		} else {
			snprintf(r->why, sizeof(r->why), "%s", x.what);
			ret = -1;
			break;
		}
	}
	alarm(0);
	ret = ret == 1 && r->t_init && r->t_idle1 ? 0 : -1;
	if (ret && !r->why[0])
		snprintf(r->why, sizeof(r->why), "powered off without the markers");
out:
	b->destroy(vm);
	fclose(console);
	if (console_live && !console_bol)
		putchar('\n');
	if (ret && !console_live) {
		char line[256];
		FILE *f = fopen(path, "r");

		printf("# %s boot failed: %s; its console:\n", b->name, r->why);
		while (f && fgets(line, sizeof(line), f))
			printf("# | %s", line);
		if (f)
			fclose(f);
	} else if (ret) {
		printf("# %s boot failed: %s\n", b->name, r->why);
	}
	return ret;
}

/* ---------------------------------------------------------------- report */

static __u64 stat_of(const struct counters *c, unsigned int i)
{
	return i < c->nr ? c->val[i] : 0;
}

static void print_counters(const char *name, const struct counters *from,
			   const struct counters *to, const char *what)
{
	unsigned int i;

	printf("# %s exits %s: %llu total;", name, what,
	       (unsigned long long)(to->total - (from ? from->total : 0)));
	for (i = 0; i < to->nr; i++) {
		__u64 d = to->val[i] - (from ? stat_of(from, i) : 0);

		if (d && strcmp(to->name[i], "exits"))
			printf(" %s %llu", to->name[i], (unsigned long long)d);
	}
	printf("\n");
}

static double idle_rate(const struct boot_result *r)
{
	double s = (double)(r->t_idle1 - r->t_idle0) / ((double)tsc_khz * 1000);

	return s > 0 ? (r->c_idle1.total - r->c_idle0.total) / s : 0;
}

/* The timer wake-up latency: a sleep's length beyond its 1 ms */
static __u64 latency(__u64 len)
{
	__u64 due = SLEEP_NS * tsc_khz / 1000000;

	return len > due ? len - due : 0;
}

static void report(const char *name, const struct boot_result *r)
{
	printf("# %s: boot to /init %llu cycles\n", name,
	       (unsigned long long)(r->t_init - r->t_start));
	print_counters(name, NULL, &r->c_init, "during the boot");
	print_counters(name, &r->c_idle0, &r->c_idle1, "while idle");
	printf("# %s: idle %.2f s of TSC: %.1f exits/s (1 vCPU)\n", name,
	       (double)(r->t_idle1 - r->t_idle0) / ((double)tsc_khz * 1000),
	       idle_rate(r));
	if (r->samples)
		printf("# %s: timer wake-up latency over %u sleeps of 1 ms: min %llu, mean %llu cycles\n",
		       name, r->samples, (unsigned long long)latency(r->sample_min),
		       (unsigned long long)latency(r->sample_sum / r->samples));
}

/* The whole of a file; NULL with errno set */
static void *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc(n);
		if (buf && fread(buf, n, 1, f) != 1) {
			free(buf);
			buf = NULL;
			errno = EIO;
		}
		*len = n;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'K' },
		{ "kvm-modules", required_argument, NULL, 'k' },
		{ "write-initramfs", required_argument, NULL, 'w' },
		{ "console", no_argument, NULL, 'c' },
		{ "append", required_argument, NULL, 'a' },
		{ "thinvmx-only", no_argument, NULL, 't' },
		{ "kvm-only", no_argument, NULL, 'o' },
		{ "vapic", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *initramfs_out = NULL;
	const char *kernel = "/boot/vmlinuz", *kvm_dir = "/lib/modules-kvm";
	static unsigned char initramfs[8192];
	struct tvx_linux_image img = {
		.cmdline = CMDLINE, .nr_cpus = 1, .ioapic_gpa = IOAPIC_GPA,
		.initrd = initramfs,
	};
	struct boot_result tr, kr;
	struct thinvmx_caps caps;
	struct vm vm = { .kvm = -1, .vm = -1, .vcpu = -1, .stats_fd = -1 };
	bool have_kvm = true, kvm_failed = false, kvm_only = false;
	static char cmdline[1024];
	const char *append = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "K:k:w:ca:tov", longopts, NULL)) != -1) {
		if (c == 'K')
			kernel = optarg;
		else if (c == 'w')
			initramfs_out = optarg;
		else if (c == 'c')
			console_live = true;
		else if (c == 'k')
			kvm_dir = optarg;
		else if (c == 'a')
			append = optarg;
		else if (c == 't')
			have_kvm = false;
		else if (c == 'o')
			kvm_only = true;
		else if (c == 'v')
			use_vapic = true;
		else
			return 2;
	}
	if (append) {
		snprintf(cmdline, sizeof(cmdline), "%s %s", CMDLINE, append);
		img.cmdline = cmdline;
	}
	img.initrd_len = build_initramfs(initramfs);
	if (initramfs_out) {
		FILE *f = fopen(initramfs_out, "wb");

		if (!f || fwrite(initramfs, img.initrd_len, 1, f) != 1 || fclose(f))
			return 1;
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL);
	if (tvx_open(&vm.h) || tvx_get_caps(vm.h, &caps) ||
	    caps.vmx_status != THINVMX_VMX_OK) {
		printf("SKIP: thinvmx with VMX not available\n");
		return KSFT_SKIP;
	}
	img.kernel = read_all(kernel, &img.kernel_len);
	if (!img.kernel) {
		printf("SKIP: cannot read %s: %s\n", kernel, strerror(errno));
		return KSFT_SKIP;
	}
	if (have_kvm && access("/dev/kvm", F_OK) &&
	    (load_module(kvm_dir, "irqbypass.ko") || load_module(kvm_dir, "kvm.ko") ||
	     load_module(kvm_dir, "kvm-intel.ko"))) {
		printf("# no kvm_intel: thinvmx figures only\n");
		have_kvm = false;
	}
	printf("# %s, %u MiB, 1 vCPU, initramfs %zu bytes, \"%s\"%s\n", kernel,
	       GUEST_MIB, img.initrd_len, img.cmdline,
	       use_vapic ? ", thinvmx with vapic=1" : "");

	if (kvm_only) {
		const char *why = NULL;
		int ret;

		if (!have_kvm) {
			printf("# --kvm-only without kvm_intel\n");
			bench_exit(vm.h, have_kvm);
			return 1;
		}
		/* the machine thinvmx would give, never entered */
		ret = tvx_create(&vm, &img, &why);
		tvx_destroy(&vm);
		if (ret) {
			printf("# thinvmx setup (%s): %s\n", why ?: "?", strerror(-ret));
			bench_exit(vm.h, have_kvm);
			return 1;
		}
		kvm_failed = boot(&kvm_backend, &vm, &img, &kr);
		if (!kvm_failed) {
			report("kvm", &kr);
			printf("boot to /init: kvm %llu cycles\n",
			       (unsigned long long)(kr.t_init - kr.t_start));
		}
		bench_exit(vm.h, have_kvm);
		return kvm_failed;
	}
	if (boot(&thinvmx_backend, &vm, &img, &tr)) {
		bench_exit(vm.h, have_kvm);
		return 1;
	}
	printf("# TSC %u kHz\n", tsc_khz);
	report("thinvmx", &tr);
	if (have_kvm) {
		kvm_failed = boot(&kvm_backend, &vm, &img, &kr);
		if (!kvm_failed)
			report("kvm", &kr);
	}
	if (have_kvm && !kvm_failed) {
		printf("boot to /init: thinvmx %llu cycles, kvm %llu cycles, ratio %.2f\n",
		       (unsigned long long)(tr.t_init - tr.t_start),
		       (unsigned long long)(kr.t_init - kr.t_start),
		       (double)(tr.t_init - tr.t_start) / (kr.t_init - kr.t_start));
		printf("exits during the boot: thinvmx %llu, kvm %llu, ratio %.2f\n",
		       (unsigned long long)tr.c_init.total,
		       (unsigned long long)kr.c_init.total,
		       (double)tr.c_init.total / kr.c_init.total);
		printf("idle exits per second per vCPU: thinvmx %.1f, kvm %.1f, ratio %.2f\n",
		       idle_rate(&tr), idle_rate(&kr), idle_rate(&tr) / idle_rate(&kr));
		/* the mean: the cheapest of 50 moves by 3x between runs */
		if (tr.samples && kr.samples)
			printf("timer wake-up latency (mean): thinvmx %llu cycles, kvm %llu cycles, ratio %.2f\n",
			       (unsigned long long)latency(tr.sample_sum / tr.samples),
			       (unsigned long long)latency(kr.sample_sum / kr.samples),
			       (double)latency(tr.sample_sum / tr.samples) /
			       latency(kr.sample_sum / kr.samples));
	} else {
		printf("boot to /init: thinvmx %llu cycles\n",
		       (unsigned long long)(tr.t_init - tr.t_start));
	}
	bench_exit(vm.h, have_kvm);
	return kvm_failed;
}
