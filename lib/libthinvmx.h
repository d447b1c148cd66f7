/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libthinvmx: the userspace API of thinvmx.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; nothing is kept in global state beyond the opaque handle.
 */
#ifndef _LIBTHINVMX_H
#define _LIBTHINVMX_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <thinvmx.h>	/* the kernel ABI, uapi/thinvmx.h */
#include <thinvmx_netlink.h>	/* uapi/thinvmx_netlink.h */

#ifdef __cplusplus
extern "C" {
#endif

struct tvx_handle;

/* Open /dev/thinvmx (root only). *out is set on success. */
int tvx_open(struct tvx_handle **out);
void tvx_close(struct tvx_handle *h);
int tvx_fd(const struct tvx_handle *h);

/* THINVMX_GET_CAPABILITIES */
int tvx_get_caps(struct tvx_handle *h, struct thinvmx_caps *caps);

/*
 * Host mode: THINVMX_HOST_ENABLE, THINVMX_HOST_DISABLE, THINVMX_HOST_STATUS.
 * 0 or a negative errno (enable: -EBUSY when on already, while domains
 * exist or another hypervisor holds VMX; disable: -EINVAL when off).
 */
int tvx_host_enable(struct tvx_handle *h);
int tvx_host_disable(struct tvx_handle *h);
int tvx_host_status(struct tvx_handle *h, struct thinvmx_host_status *st);
/* the /dev/thinvmx fd of a handle, for ioctls the library does not wrap */
int tvx_handle_fd(const struct tvx_handle *h);

/*
 * A domain: guest memory owned by the module, mapped into this process.
 * tvx_domain_create() maps every RAM entry of the final memory map; guest
 * physical address gpa is then at tvx_gpa(d, gpa).
 */
struct tvx_domain;
struct tvx_vcpu;

int tvx_domain_create(struct tvx_handle *h, const struct thinvmx_e820_entry *e820,
		      unsigned int nr, __u64 mem_bytes, __u32 flags,
		      struct tvx_domain **out);
/* one RAM entry [0, mem_bytes) */
int tvx_domain_create_simple(struct tvx_handle *h, __u64 mem_bytes,
			     struct tvx_domain **out);
/*
 * THINVMX_OPEN_DOMAIN: the domain @id another process created, mapped the
 * same way; its guest memory, vCPU creation, p2m calls and listener work
 * as for the creator's. -ENOENT: no such domain; -EPERM: neither its
 * creator's uid nor CAP_SYS_ADMIN. tvx_domain_destroy() closes this
 * process's fd only: the domain lives while another holds it.
 */
int tvx_domain_open(struct tvx_handle *h, __u32 id, struct tvx_domain **out);
void tvx_domain_destroy(struct tvx_domain *d);
int tvx_domain_fd(const struct tvx_domain *d);
/* host address of guest physical @gpa, NULL if it is not mapped RAM */
void *tvx_gpa(const struct tvx_domain *d, __u64 gpa);
int tvx_domain_memmap(struct tvx_domain *d, struct thinvmx_memmap *m,
		      struct thinvmx_e820_entry *entries, unsigned int max);

int tvx_vcpu_create(struct tvx_domain *d, unsigned int id, struct tvx_vcpu **out);
/* flags: THINVMX_VCPU_* (THINVMX_VCPU_WAIT_SIPI: an AP of a LAPIC domain) */
int tvx_vcpu_create_flags(struct tvx_domain *d, unsigned int id, __u32 flags,
			  struct tvx_vcpu **out);
/*
 * THINVMX_SIGNAL_MSI (THINVMX_DOMAIN_LAPIC domains): how many vCPUs the
 * message reached, or a negative errno.
 */
int tvx_signal_msi(struct tvx_domain *d, __u64 address, __u32 data);
void tvx_vcpu_destroy(struct tvx_vcpu *v);
int tvx_vcpu_fd(const struct tvx_vcpu *v);
struct thinvmx_run *tvx_vcpu_run_page(const struct tvx_vcpu *v);
int tvx_vcpu_run(struct tvx_vcpu *v);
int tvx_get_regs(struct tvx_vcpu *v, struct thinvmx_regs *r);
int tvx_set_regs(struct tvx_vcpu *v, const struct thinvmx_regs *r);
int tvx_get_sregs(struct tvx_vcpu *v, struct thinvmx_sregs *s);
int tvx_set_sregs(struct tvx_vcpu *v, const struct thinvmx_sregs *s);

/* ------------------------------------------------------------------------
 * Guest memory and loaders (guest_mem.c)
 *
 * Guest RAM starts where the domain's memory map says (gpa 0 for
 * tvx_domain_create_simple). Ranges may span RAM entries; a range with any
 * byte outside RAM is -ERANGE and nothing is copied.
 */
int tvx_read_guest(const struct tvx_domain *d, __u64 gpa, void *buf, size_t len);
int tvx_write_guest(struct tvx_domain *d, __u64 gpa, const void *buf, size_t len);
int tvx_zero_guest(struct tvx_domain *d, __u64 gpa, size_t len);

/* ------------------------------------------------------------------------
 * Guest virtual addresses (gva.c) and kernel symbols (sysmap.c)
 *
 * For a daemon that watches a guest kernel: what a linear address maps to
 * under the guest's own page tables, walked as the guest's MMU walks them
 * (kmod/vmx/gwalk.c, the module's walk compiled into the library), and
 * where a symbol is by a System.map (or /proc/kallsyms) of that kernel.
 */

/**
 * struct tvx_paging - the guest state its page tables are read with
 * @cr0:	guest CR0 (PG, WP)
 * @cr3:	guest CR3: the root table; PCID bits and bit 63 are ignored
 * @cr4:	guest CR4 (PAE, PSE, LA57: 5-level paging)
 * @efer:	guest IA32_EFER (LMA: long mode; NXE: XD is not reserved)
 * @maxphyaddr:	the guest's physical address width, 32-52 (0: 52, which
 *		reserves no address bit: the walk then refuses nothing the
 *		guest's MMU would accept)
 *
 * A monitor has CR0, CR3 and CR4 in every event (struct thinvmx_event);
 * a 64-bit kernel runs with EFER.LMA and NXE set.
 */
struct tvx_paging {
	__u64 cr0;
	__u64 cr3;
	__u64 cr4;
	__u64 efer;
	__u8 maxphyaddr;
};

#define TVX_EFER_LMA	(1ULL << 10)
#define TVX_EFER_NXE	(1ULL << 11)

/**
 * tvx_gla_to_gpa() - translate a guest linear address by the guest's tables
 * @d:		the domain (created or opened: its RAM is mapped either way)
 * @pg:		the paging state to walk with
 * @gla:	the linear address (a supervisor read of it)
 * @gpa:	out: the guest-physical address
 * @page_size:	out, may be NULL: the size of the page mapping it (4 KiB,
 *		2 MiB, 4 MiB or 1 GiB)
 *
 * Return: 0; -EFAULT when the guest's tables do not map @gla (the guest
 * would take a page fault); -EINVAL for a non-canonical @gla or an
 * inconsistent @pg; -ERANGE when a table lies outside guest RAM.
 */
int tvx_gla_to_gpa(const struct tvx_domain *d, const struct tvx_paging *pg,
		   __u64 gla, __u64 *gpa, __u64 *page_size);

/* ------------------------------------------------------------------------
 * Daemon-side control (control.c): what libxenctrl gives a Xen
 * introspection tool. On a domain fd the daemon created or opened
 * (tvx_domain_open(): the owner's uid or CAP_SYS_ADMIN); the semantics,
 * errors included, are the ioctls' (uapi/thinvmx_introspect.h, 0x70-0x7a).
 * Functions return 0 or a negative errno.
 */

/*
 * Pauses nest per holder (this fd): two pauses need two unpauses; all of
 * them are undone when the fd is closed or its process dies. Pause returns
 * when no vCPU is in the guest. Unpause without a pause of this fd:
 * -EINVAL.
 */
int tvx_domain_pause(struct tvx_domain *d);
int tvx_domain_unpause(struct tvx_domain *d);
int tvx_domain_pause_info(struct tvx_domain *d, __u32 *holder, __u32 *total);

/* A paused vCPU's registers (-EBUSY when the domain is not paused). */
int tvx_ctl_get_regs(struct tvx_domain *d, __u32 vcpu, struct thinvmx_regs *r);
int tvx_ctl_set_regs(struct tvx_domain *d, __u32 vcpu,
		     const struct thinvmx_regs *r);
int tvx_ctl_get_sregs(struct tvx_domain *d, __u32 vcpu, struct thinvmx_sregs *s);
int tvx_ctl_set_sregs(struct tvx_domain *d, __u32 vcpu,
		      const struct thinvmx_sregs *s);
/* EFER, STAR, LSTAR, CSTAR, SFMASK, SYSENTER_*, FS/GS/KERNEL_GS_BASE */
int tvx_ctl_get_msrs(struct tvx_domain *d, __u32 vcpu,
		     struct thinvmx_msr_entry *e, unsigned int nr);
int tvx_ctl_set_msrs(struct tvx_domain *d, __u32 vcpu,
		     const struct thinvmx_msr_entry *e, unsigned int nr);

/*
 * Guest-physical memory through the module (no mapping needed), any
 * length (split into THINVMX_GUEST_MEM_MAX pieces); -ENXIO when a frame is
 * not guest RAM.
 */
int tvx_ctl_read_gpa(struct tvx_domain *d, __u64 gpa, void *buf, size_t len);
int tvx_ctl_write_gpa(struct tvx_domain *d, __u64 gpa, const void *buf,
		      size_t len);

/* Why a guest-virtual translation failed (struct tvx_gva_error.why). */
#define TVX_GVA_OK			0
#define TVX_GVA_NOT_PRESENT		1  /* P = 0 in the entry at level */
#define TVX_GVA_RESERVED		2  /* a reserved bit set in it */
#define TVX_GVA_RIGHTS			3  /* access rights (not for a daemon's read) */
#define TVX_GVA_NONCANONICAL		4  /* the address is not canonical */
#define TVX_GVA_TABLE_UNREADABLE	5  /* the table at level is not guest RAM */

/**
 * struct tvx_gva_error - where and why a guest-virtual translation failed
 * @gva:	the address that failed (the first of its page in a copy)
 * @why:	TVX_GVA_*
 * @level:	the paging-structure level at fault: 5 PML5, 4 PML4, 3 PDPT
 *		(PAE: the PDPTE), 2 page directory, 1 page table; 0: none
 * @pf_error:	the page-fault error code the guest would see (-EFAULT)
 * @entry:	the entry at @level (NOT_PRESENT, RESERVED)
 */
struct tvx_gva_error {
	__u64 gva;
	__u32 why;
	__u32 level;
	__u32 pf_error;
	__u64 entry;
};

/* The paging state of a paused vCPU (CR0/3/4, EFER, the CPUID's MAXPHYADDR). */
int tvx_ctl_paging(struct tvx_domain *d, __u32 vcpu, struct tvx_paging *pg);
/*
 * Translate @gva by @pg over THINVMX_READ_GUEST (32-bit with or without
 * PSE, PAE, 4- and 5-level paging; 4 KiB, 2/4 MiB, 1 GiB pages; a
 * supervisor read). PAE's PDPTEs are read from memory at CR3.
 * Return: 0; -EFAULT (not mapped: @err says why and where), -EINVAL
 * (non-canonical, or @pg inconsistent), -ENXIO (a table not in guest RAM).
 */
int tvx_gva_translate(struct tvx_domain *d, const struct tvx_paging *pg,
		      __u64 gva, __u64 *gpa, __u64 *page_size,
		      struct tvx_gva_error *err);
/*
 * Copy by guest-virtual address through @vcpu's current page tables (the
 * domain paused), page by page, across pages: all of it or an error (an
 * earlier part of a write may have been written). @err may be NULL.
 */
int tvx_ctl_read_gva(struct tvx_domain *d, __u32 vcpu, __u64 gva, void *buf,
		     size_t len, struct tvx_gva_error *err);
int tvx_ctl_write_gva(struct tvx_domain *d, __u32 vcpu, __u64 gva,
		      const void *buf, size_t len, struct tvx_gva_error *err);
const char *tvx_gva_why_str(__u32 why);
/* "0x...: not present at level 2 (PD), entry 0x..." into @buf; snprintf's */
int tvx_gva_error_describe(const struct tvx_gva_error *err, char *buf,
			   size_t len);

/**
 * tvx_sysmap_parse_line() - one line of a System.map or /proc/kallsyms
 * @line:	"ADDR TYPE NAME", hex address, a one-letter type; a trailing
 *		newline is allowed. Module symbols ("NAME [module]") are not
 *		the kernel's own and are refused.
 * @addr:	out: the address
 * @type:	out, may be NULL: the type letter
 * @name:	out: the name, NUL-terminated
 * @size:	@name's size
 *
 * Return: 0, or -EINVAL for a line of another shape (or a name that does
 * not fit).
 */
int tvx_sysmap_parse_line(const char *line, __u64 *addr, char *type,
			  char *name, size_t size);

/**
 * tvx_sysmap_lookup() - the address of a symbol in a System.map file
 * @path:	the file ("ADDR TYPE NAME" lines; other lines are skipped)
 * @name:	the symbol
 * @addr:	out: its address (the first line that names it)
 *
 * Return: 0; -ENOENT when no line names @name; the errno of fopen.
 */
int tvx_sysmap_lookup(const char *path, const char *name, __u64 *addr);

/*
 * Load the PT_LOAD segments of an ELF64 x86-64 executable (ET_EXEC, no
 * PT_INTERP) at gpa = p_paddr, the physical load address, as boot loaders
 * do; ordinary linker output has p_paddr == p_vaddr, so identity-mapped
 * guests (tvx_vcpu_setup_long_mode) run it as linked. Bytes from p_filesz
 * to p_memsz (bss) are zeroed. Every segment is checked before any is
 * written. *entry gets e_entry (a virtual address) if entry is not NULL.
 * Return: 0; -ENOEXEC for a file that is not such an ELF (bad magic, class,
 * data, machine, type, header sizes, p_filesz > p_memsz, a segment beyond
 * the file's end); -ERANGE when a segment is not entirely guest RAM; the
 * errno of open/read.
 */
int tvx_load_elf(struct tvx_domain *d, const char *path, __u64 *entry);
/* A raw image, copied to gpa: 0, -ERANGE, or the errno of open/read. */
int tvx_load_flat(struct tvx_domain *d, const char *path, __u64 gpa);
int tvx_load_flat_buf(struct tvx_domain *d, const void *buf, size_t len, __u64 gpa);

/*
 * Load this very program into the guest at the addresses it runs at, so a
 * function of it is a guest entry point: RIP = (__u64)function with the
 * identity map of tvx_vcpu_setup_long_mode (KVM selftests' way). The
 * program must be a static, non-PIE executable (ET_EXEC) linked inside
 * guest RAM, as the kselftests are (0x400000).
 *
 * The PT_LOAD segments are copied from this process's memory, not from
 * /proc/self/exe (which only supplies the program headers): the GOT slots
 * of IFUNC functions (memcpy, memset, strlen... in static glibc) hold what
 * the IRELATIVE relocations resolved at startup, where the file holds PLT
 * stubs that would loop; and globals carry the values the host gave them
 * before the call. The heap (malloc), mmap'd memory and thread stacks are
 * not part of the image: guest code must not touch them.
 * Return: 0; -ENOEXEC (not a static non-PIE x86-64 ELF, or p_paddr !=
 * p_vaddr); -ERANGE (a segment outside guest RAM); -ENOSPC (a segment
 * overlaps the area tvx_guest_layout() reserves); an errno of open/read.
 */
int tvx_guest_load_self(struct tvx_domain *d);

/*
 * Copy a global of this program to the guest's copy at the same address,
 * or back: the guest and the host have separate copies after
 * tvx_guest_load_self(). Return: 0 or -ERANGE.
 */
int tvx_guest_sync_to(struct tvx_domain *d, const void *addr, size_t len);
int tvx_guest_sync_from(struct tvx_domain *d, void *addr, size_t len);
#define TVX_SYNC_GLOBAL_TO_GUEST(d, var)	tvx_guest_sync_to((d), &(var), sizeof(var))
#define TVX_SYNC_GLOBAL_FROM_GUEST(d, var)	tvx_guest_sync_from((d), &(var), sizeof(var))

/* ------------------------------------------------------------------------
 * Guest CPU modes (guest_mode.c)
 *
 * The protected and long mode setups use an area of guest RAM the library
 * reserves: TVX_GUEST_AREA_SIZE bytes at the top of the highest RAM entry
 * below 4 GiB (tvx_guest_layout() says where). It holds the page tables,
 * GDT, TSS, IDTs, the exception and entry stubs, a TLS page and the
 * default stacks. Loaded code must stay out of it. Every setup call
 * rewrites the tables (not the stacks): set up all vCPUs before running.
 *
 * GDT selectors, the same in both modes:
 */
#define TVX_GUEST_SEL_CODE64	0x08	/* 64-bit code, DPL 0 */
#define TVX_GUEST_SEL_DATA	0x10	/* flat 4 GiB data, DPL 0 */
#define TVX_GUEST_SEL_CODE32	0x18	/* flat 4 GiB 32-bit code, DPL 0 */
#define TVX_GUEST_SEL_TSS	0x20	/* busy TSS, 0x68 bytes */

#define TVX_GUEST_AREA_SIZE	0x80000ULL
#define TVX_GUEST_STACKS	6	/* default stacks: one per vCPU slot */
#define TVX_GUEST_STACK_SIZE	0x10000ULL
#define TVX_GUEST_MAP_MAX	(16ULL << 30)	/* identity map limit */

struct tvx_guest_layout {
	__u64 base;		/* gpa of the area, page aligned, below 4 GiB */
	__u64 map_end;		/* long mode identity-maps [0, map_end) */
	__u64 pml4;		/* CR3 in long mode */
	__u64 gdt;
	__u64 tss;
	__u64 idt;		/* 64-bit IDT: stubs that report TVX_UCALL_UNHANDLED */
	__u64 idt32;		/* 32-bit IDT, empty (limit 0x7ff) for the guest to fill */
	__u64 code;		/* entry trampoline, return stub, exception stubs */
	__u64 tls;		/* FS base in long mode: 4 KiB zeroed either side */
	__u64 ist;		/* top of the #DF stack (IST1) */
	__u64 stack_top[TVX_GUEST_STACKS];	/* 16-byte aligned tops */
};

/*
 * Where the area of domain d is (no guest memory is touched).
 * Return: 0; -ENOSPC when no RAM entry below 4 GiB holds the area; -ERANGE
 * when RAM ends above TVX_GUEST_MAP_MAX; an errno of THINVMX_GET_MEMMAP.
 */
int tvx_guest_layout(struct tvx_domain *d, struct tvx_guest_layout *l);

/*
 * 64-bit long mode at rip, with every GPR zero and rflags 2:
 * - 4-level page tables identity-mapping [0, map_end) with 2 MiB pages,
 *   read/write/executable, map_end = 4 GiB or the end of RAM rounded up to
 *   1 GiB, whichever is higher: an access past RAM is an MMIO exit;
 * - CS = 64-bit code, DS/ES/SS/GS = flat data, FS = flat data with base
 *   tls (so %fs:0x28, the stack protector's canary, reads guest RAM),
 *   TR = 64-bit busy TSS, LDTR unusable;
 * - IDT of 256 interrupt gates whose stubs report the exception with
 *   TVX_UCALL_UNHANDLED (args: vector, error code or 0, RIP, CR2, RSP,
 *   RFLAGS) and halt; #DF runs on its own stack (IST1);
 * - CR0 = PE|MP|ET|NE|WP|PG, CR4 = PAE|OSFXSR|OSXMMEXCPT (+ OSXSAVE when
 *   the host has it), EFER = LME|NXE (the module sets LMA);
 * - when the host has OSXSAVE, the guest's XCR0 is set to the host's
 *   x87/SSE/AVX/AVX-512 bits by an entry trampoline (RIP points at it
 *   until it runs), because code of this program, memcpy included, was
 *   chosen for this CPU and may use AVX;
 * - rsp: the caller's stack top, or 0 for stack_top[0]. Two words are
 *   pushed: the trampoline returns to rip, and rip's own return address
 *   is a stub that reports TVX_UCALL_DONE with args[0] = RAX, so a
 *   function returning is a DONE. At rip, RSP + 8 is 16-byte aligned, as
 *   after a call.
 * Set arguments after this call (tvx_vcpu_set_args), not before.
 * Return: 0; -ERANGE (rsp not in RAM), the errors of tvx_guest_layout()
 * and of the register ioctls.
 */
int tvx_vcpu_setup_long_mode(struct tvx_vcpu *v, struct tvx_domain *d,
			     __u64 rip, __u64 rsp);
/*
 * 32-bit protected mode at eip, paging off: CS = flat 32-bit code, the
 * others flat data, TR = 32-bit busy TSS, IDT = idt32 (empty: the guest
 * fills it; an exception before then ends in THINVMX_EXIT_SHUTDOWN),
 * CR0 = PE|MP|ET|NE, CR4 = OSFXSR|OSXMMEXCPT, EFER = 0, GPRs zero.
 * esp 0 means stack_top[0]. Needs unrestricted guest (CR0.PG = 0).
 */
int tvx_vcpu_setup_protected_mode(struct tvx_vcpu *v, struct tvx_domain *d,
				  __u32 eip, __u32 esp);
/*
 * Real mode at cs:ip, like a DOS .COM: DS = ES = FS = GS = SS = cs,
 * SP = 0 (the first push lands at cs:FFFE), IVT at 0 (limit 0x3ff),
 * CR0 = ET, GPRs zero. Uses no guest memory. Needs unrestricted guest
 * (else SET_SREGS fails with -EOPNOTSUPP).
 */
int tvx_vcpu_setup_real_mode(struct tvx_vcpu *v, __u16 cs, __u16 ip);
/* System V arguments: RDI, RSI, RDX. */
int tvx_vcpu_set_args(struct tvx_vcpu *v, __u64 a0, __u64 a1, __u64 a2);

/* ------------------------------------------------------------------------
 * Linux guests (linux.c over the pure boot.c): the x86 64-bit boot
 * protocol of a bzImage, with the ACPI tables that name the CPUs.
 */
struct tvx_linux_image {
	const void *kernel;		/* the bzImage's bytes */
	size_t kernel_len;
	const void *initrd;		/* NULL: none */
	size_t initrd_len;
	const char *cmdline;		/* NULL: empty */
	unsigned int nr_cpus;		/* in the MADT: 1..64 */
	__u32 ioapic_gpa;		/* 0: no IOAPIC in the MADT */
	/*
	 * RAM of the domain its guest is not told of (reserved in the
	 * maps it gets), page-aligned; 0 bytes: none. Frames for an
	 * introspection daemon's shadow pages (tvx_view_change_gfn()).
	 */
	__u64 hidden_gpa, hidden_size;
};

/*
 * Load a bzImage, its initrd and command line into @d and set @bsp up at
 * the kernel's 64-bit entry (Documentation/x86/boot.rst): 64-bit mode,
 * the first 4 GiB identity-mapped, __BOOT_CS/__BOOT_DS, RSI = the zero
 * page, whose e820 map is the domain's with the legacy hole
 * [0x9fc00, 1 MiB) reserved; the ACPI tables (RSDP, XSDT, FADT, DSDT,
 * MADT) at 0xe0000 in that hole. Low memory below 0x9fc00 holds the GDT,
 * zero page, page tables and command line. Other vCPUs are left alone:
 * they start when the BSP's INIT/SIPI reach them.
 * Return: 0; -ENOEXEC, -E2BIG, -ENOSPC, -EINVAL with *why saying what;
 * the errors of the domain and vCPU calls.
 */
int tvx_linux_boot(struct tvx_domain *d, struct tvx_vcpu *bsp,
		   const struct tvx_linux_image *img, const char **why);
/* A write of @len bytes at guest physical @gpa into some VMM's guest memory */
typedef int (*tvx_guest_write_fn)(void *ctx, __u64 gpa, const void *src,
				  size_t len);
/*
 * tvx_linux_boot()'s memory part, for any VMM (benchmarks drive KVM with
 * it): the kernel, initrd, command line, zero page, page tables, GDT and
 * ACPI tables laid out for the guest RAM map @ram (@nr_ram entries, as
 * tvx_domain_memmap() gives a domain's) and written through @write(@ctx,
 * ...). *@entry is the 64-bit entry; the boot vCPU's state is the
 * caller's to set, as tvx_linux_boot() documents it (RSI =
 * BOOT_ZERO_PAGE_GPA, CR3 = BOOT_PML4_GPA, the GDT at BOOT_GDT_GPA: boot.h).
 * Return: as tvx_linux_boot(); the errors of @write.
 */
int tvx_linux_layout(const struct tvx_linux_image *img,
		     const struct thinvmx_e820_entry *ram, unsigned int nr_ram,
		     tvx_guest_write_fn write, void *ctx, __u64 *entry,
		     const char **why);
/*
 * Load a multiboot (v1) kernel -- an ELF, or a flat image with the
 * header's address fields -- with @img's initrd as its one module and its
 * command line, and set @bsp up as multiboot starts a kernel: 32-bit
 * protected mode, paging off, EAX = 0x2badb002, EBX = the information
 * (memory sizes and map, command line, module, loader name) at 0x6000.
 * @img's nr_cpus and ioapic_gpa are not used (no ACPI tables).
 * Return: as tvx_linux_boot().
 */
int tvx_multiboot_boot(struct tvx_domain *d, struct tvx_vcpu *bsp,
		       const struct tvx_linux_image *img, const char **why);
/*
 * Load an ELF kernel with a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, as
 * Linux's vmlinux has with CONFIG_PVH) by physical address, with the ACPI
 * tables of tvx_linux_boot(), and start @bsp at the note's entry in 32-bit
 * protected mode, paging off, EBX = struct hvm_start_info (version 1: the
 * memory map, command line, RSDP and the initrd as its one module) at
 * 0x6000. Return: as tvx_linux_boot().
 */
int tvx_pvh_boot(struct tvx_domain *d, struct tvx_vcpu *bsp,
		 const struct tvx_linux_image *img, const char **why);
/*
 * tvx_linux_boot() for a bzImage, tvx_pvh_boot() for an ELF with a PVH
 * note, else tvx_multiboot_boot().
 */
int tvx_kernel_boot(struct tvx_domain *d, struct tvx_vcpu *bsp,
		    const struct tvx_linux_image *img, const char **why);

/* ------------------------------------------------------------------------
 * ucall: guest -> host calls by port I/O (ucall.c; guest side: tvx_guest.h)
 *
 * The guest writes a struct tvx_ucall_frame in its memory and executes
 * `out %eax, (%dx)` with DX = TVX_UCALL_PORT, RDI = the frame's address
 * and EAX = its low 32 bits (a cross-check against stray OUTs). Addresses
 * in the frame and the frame's own are guest virtual addresses, which the
 * host reads as guest physical: the guest must identity-map them, as the
 * setups above do (in 32-bit protected mode only the low 32 bits of RDI
 * count). Real-mode guests cannot make ucalls.
 */
#define TVX_UCALL_PORT		0x1000
#define TVX_UCALL_MAX_ARGS	6

#define TVX_UCALL_NONE		0	/* not a ucall (struct tvx_ucall only) */
#define TVX_UCALL_SYNC		1	/* args: anything */
#define TVX_UCALL_ASSERT	2	/* file, line, msg = the expression, args */
#define TVX_UCALL_DONE		3	/* args[0]: 0, or RAX if the function returned */
#define TVX_UCALL_PRINT		4	/* msg, args */
#define TVX_UCALL_UNHANDLED	5	/* exception: vector, error, rip, cr2, rsp, rflags */
#define TVX_UCALL_MAX		5

/* In guest memory, written by the guest. */
struct tvx_ucall_frame {
	__u64 cmd;			/* TVX_UCALL_* */
	__u64 args[TVX_UCALL_MAX_ARGS];
	__u64 file;			/* address of a NUL-terminated string, or 0 */
	__u64 line;
	__u64 msg;			/* address of a NUL-terminated string, or 0 */
};

_Static_assert(sizeof(struct tvx_ucall_frame) == 80, "struct tvx_ucall_frame layout");

/* A decoded ucall, or the exit that was none. */
struct tvx_ucall {
	__u64 cmd;			/* TVX_UCALL_*; NONE if the exit was no ucall */
	__u64 args[TVX_UCALL_MAX_ARGS];
	__u64 line;
	char file[128];			/* "" if none; "?" if unreadable */
	char msg[256];
	__u64 frame_gpa;
	struct thinvmx_run exit;	/* copy of the run page after the exit */
};

/*
 * Decode the ucall the last exit of v made. Return: the command (> 0);
 * -ENOMSG when the exit is not an OUT of 4 bytes to TVX_UCALL_PORT (uc->cmd
 * = TVX_UCALL_NONE, uc->exit says what it was); -EBADMSG when EAX is not
 * the low half of the frame address or the command is unknown; -EFAULT
 * when the frame is not in RAM; an errno of the register ioctls.
 */
int tvx_ucall_get(struct tvx_vcpu *v, struct tvx_domain *d, struct tvx_ucall *uc);
/*
 * Run v until it makes a ucall and return the command (> 0). Any other
 * exit is an error, -EPROTO, with uc->cmd = TVX_UCALL_NONE and the exit in
 * uc->exit. A failing RUN returns its errno (-EINTR for a signal, -EIO
 * once the vCPU stopped), also with uc->exit filled in.
 */
int tvx_run_until_ucall(struct tvx_vcpu *v, struct tvx_domain *d, struct tvx_ucall *uc);
/*
 * One line for a log: "ASSERT guest_test.c:42: a == b (0x1, 0x2)",
 * "UNHANDLED #UD (vector 6) error 0 rip 0x401234 ...", "exit MMIO write
 * gpa 0x8000000 size 8 data 0x2a", ... Return: snprintf's.
 */
int tvx_ucall_describe(const struct tvx_ucall *uc, char *buf, size_t len);
/* "SYNC", "ASSERT", ..., NULL for an unknown command */
const char *tvx_ucall_cmd_str(__u64 cmd);
/* "HLT", "IO", "MMIO", ..., NULL for an unknown reason */
const char *tvx_exit_reason_str(__u32 reason);
/* host mode's exit kinds (THINVMX_HOST_EXIT_*): "cpuid", ..., NULL if unnamed */
const char *tvx_host_exit_str(unsigned int kind);

/* ------------------------------------------------------------------------
 * p2m types, access rights, dirty logging, direct MMIO (p2m.c)
 *
 * Frames are 4 KiB guest frame numbers (gpa >> 12). Each call is one ioctl
 * on the domain fd (see uapi/thinvmx.h for the rules) and returns 0 or the
 * ioctl's negative errno: -EINVAL for a range with a frame that is not
 * mapped, an unknown type or access right, a type change to or from
 * mmio_direct, ...; -ENOTTY from a module without these commands.
 */
/* THINVMX_SET_MEM_TYPE: type (THINVMX_P2M_RAM_*) of [first_gfn, first_gfn + nr) */
int tvx_set_mem_type(struct tvx_domain *d, __u64 first_gfn, __u64 nr, __u32 type);
/* THINVMX_SET_MEM_ACCESS: access right (THINVMX_ACCESS_*) of the range */
int tvx_set_mem_access(struct tvx_domain *d, __u64 first_gfn, __u64 nr,
		       __u32 access);

/*
 * Views (Xen's altp2m; uapi/thinvmx_introspect.h): view 0 is the p2m;
 * views 1..THINVMX_MAX_VIEWS-1 follow it but for their own access rights
 * and frames shown elsewhere. The _fd forms take a domain fd or a
 * listener's (tvx_monitor_fd()). 0 or -errno.
 */
int tvx_view_create(struct tvx_domain *d, __u16 *view);
int tvx_view_destroy(struct tvx_domain *d, __u16 view);
int tvx_view_set_access(struct tvx_domain *d, __u16 view, __u64 first_gfn,
			__u64 nr, __u32 access);
int tvx_view_get_access(struct tvx_domain *d, __u16 view, __u64 gfn,
			__u32 *access, __u64 *shown_gfn, __u32 *flags);
int tvx_view_change_gfn(struct tvx_domain *d, __u16 view, __u64 gfn,
			__u64 new_gfn);
int tvx_view_switch(struct tvx_domain *d, __u16 view, __u32 vcpu, __u32 flags);
int tvx_view_create_fd(int fd, __u16 *view);
int tvx_view_destroy_fd(int fd, __u16 view);
int tvx_view_set_access_fd(int fd, __u16 view, __u64 first_gfn, __u64 nr,
			   __u32 access);
int tvx_view_get_access_fd(int fd, __u16 view, __u64 gfn, __u32 *access,
			   __u64 *shown_gfn, __u32 *flags);
int tvx_view_change_gfn_fd(int fd, __u16 view, __u64 gfn, __u64 new_gfn);
int tvx_view_switch_fd(int fd, __u16 view, __u32 vcpu, __u32 flags);
/* VMFUNC EPTP switching among the views in the mask @views (0: off) */
int tvx_view_vmfunc(struct tvx_domain *d, __u32 flags, __u32 views);
int tvx_view_vmfunc_fd(int fd, __u32 flags, __u32 views);
/* #VE: a vCPU's information page; rights whose violations become #VE */
int tvx_view_ve(struct tvx_domain *d, __u32 vcpu, __u32 flags, __u64 info_gfn);
int tvx_view_ve_fd(int fd, __u32 vcpu, __u32 flags, __u64 info_gfn);
int tvx_view_set_access_ve(struct tvx_domain *d, __u16 view, __u64 first_gfn,
			   __u64 nr, __u32 access, __u16 flags);
int tvx_view_set_access_ve_fd(int fd, __u16 view, __u64 first_gfn, __u64 nr,
			      __u32 access, __u16 flags);
/* THINVMX_GET_MEM_ACCESS: type and access right of one frame (either may be NULL) */
int tvx_get_mem_access(struct tvx_domain *d, __u64 gfn, __u32 *type,
		       __u32 *access);
/* THINVMX_CHANGE_TYPE_GLOBAL: every frame of type from becomes type to */
int tvx_change_type_global(struct tvx_domain *d, __u32 from, __u32 to);
/*
 * THINVMX_DIRTY_LOG. get: the dirty bits of [first_gfn, first_gfn + nr)
 * into bitmap (nr / 64 words, nr a multiple of 64; bit i = first_gfn + i),
 * cleared in the module as they are read.
 */
int tvx_dirty_log_start(struct tvx_domain *d);
int tvx_dirty_log_stop(struct tvx_domain *d);
int tvx_dirty_log_get(struct tvx_domain *d, __u64 first_gfn, __u64 nr,
		      __u64 *bitmap);
/* THINVMX_MAP_MMIO: host frames [mfn, mfn + nr) at [gfn, gfn + nr) (root only) */
int tvx_map_mmio(struct tvx_domain *d, __u64 gfn, __u64 mfn, __u64 nr);
/* THINVMX_GET_DOMAIN_INFO */
int tvx_domain_info(struct tvx_domain *d, struct thinvmx_domain_info *info);
/* "ram_rw", "mmio_dm", ... and "n", "rx2rw", ...; NULL for an unknown value */
const char *tvx_p2m_type_str(__u32 type);
const char *tvx_access_str(__u32 access);

/*
 * The read-only MMIO set (root only): an administrator's ranges of host
 * frames, the list of what each range serves, how thinvmx decodes a
 * device's MSI-X, and mapping a BAR of a device assigned to the domain
 * with tvx_assign_device() into it (its MSI-X table and PBA then join the
 * set until the device is given back; -EPERM for a device not assigned
 * to that domain).
 */
int tvx_ro_add(struct tvx_handle *h, __u64 first_mfn, __u64 last_mfn);
int tvx_ro_remove(struct tvx_handle *h, __u64 first_mfn, __u64 last_mfn);
int tvx_ro_list(struct tvx_handle *h, struct thinvmx_ro_entry *entries,
		unsigned int max, unsigned int *nr);
int tvx_pci_msix_info(struct tvx_handle *h, __u32 sbdf,
		      struct thinvmx_msix_info *info);
int tvx_assign_device_bar(struct tvx_domain *d, __u32 sbdf, __u32 bar,
			  __u64 gfn);
const char *tvx_ro_kind_str(__u32 kind);	/* NULL if unknown */

/*
 * Device assignment (root only): give a PCI function to a domain, its DMA
 * confined by the IOMMU to the domain's RAM (THINVMX_ASSIGN_DEVICE), and
 * take it back. tvx_iommu_probe() builds the IOMMU domain an assignment
 * would, with nr_pages of the caller's pages at addr as guest RAM at gpa,
 * and reports the translations (hpa[nr_pages], and the pages before and
 * after: 0 when not mapped); it needs neither VMX nor a domain.
 */
int tvx_assign_device(struct tvx_domain *d, __u32 sbdf);
int tvx_deassign_device(struct tvx_domain *d, __u32 sbdf);
int tvx_iommu_probe(struct tvx_handle *h, __u32 sbdf, void *addr,
		    __u32 nr_pages, __u64 gpa, __u64 *hpa, __u64 *hpa_before,
		    __u64 *hpa_after);

/* ------------------------------------------------------------------------
 * Introspection (monitor.c): the domain's one listener. Attach, choose
 * each event kind's mode (THINVMX_MONITOR_*), and serve the event rings.
 */
struct tvx_monitor;

/*
 * slots_log2 0: the default ring size; nr_vcpus 0: the domain's vCPUs so
 * far. -EBUSY while another listener is attached, -EPERM for someone who
 * neither owns the domain nor has CAP_SYS_ADMIN.
 */
int tvx_monitor_attach(struct tvx_domain *d, unsigned int slots_log2,
		       unsigned int nr_vcpus, struct tvx_monitor **out);
int tvx_monitor_attach_fd(int domain_fd, unsigned int slots_log2,
			  unsigned int nr_vcpus, struct tvx_monitor **out);
/* closing: every paused vCPU resumes unwatched, monitoring goes off */
void tvx_monitor_detach(struct tvx_monitor *m);
int tvx_monitor_fd(const struct tvx_monitor *m);	/* for poll/epoll */
unsigned int tvx_monitor_nr_vcpus(const struct tvx_monitor *m);
int tvx_monitor_set(struct tvx_monitor *m, __u32 kind, __u32 mode, __u32 flags);
int tvx_monitor_get(struct tvx_monitor *m, __u32 kind, __u32 *mode,
		    __u32 *flags);
int tvx_monitor_inject(struct tvx_monitor *m, struct thinvmx_inject_trap *t);
int tvx_monitor_doorbell(struct tvx_monitor *m, __u64 vcpu_mask);
/* how often vCPU @vcpu waited for room in its request ring */
__u64 tvx_monitor_full_waits(const struct tvx_monitor *m, unsigned int vcpu);
/* how many of vCPU @vcpu's answers the module refused (and skipped) */
__u64 tvx_monitor_refused(const struct tvx_monitor *m, unsigned int vcpu);
/* how many of vCPU @vcpu's waits the sync timeout ended */
__u64 tvx_monitor_timeouts(const struct tvx_monitor *m, unsigned int vcpu);
/* a vCPU waits at most @ns for room or an answer (0: for ever) */
int tvx_monitor_set_sync_timeout(struct tvx_monitor *m, __u64 ns);
/* events a full request ring dropped (host mode only; 0 for domains) */
__u64 tvx_monitor_lost(const struct tvx_monitor *m, unsigned int vcpu);
/* watch WRMSRs of @msr (THINVMX_MONITOR_MSR), or stop: mode DISABLED */
int tvx_monitor_set_msr(struct tvx_monitor *m, __u32 msr, __u32 mode, __u32 flags);
/*
 * THINVMX_HOST_ATTACH: the host's listener (root only), one ring per
 * possible CPU (tvx_monitor_nr_vcpus() of them), async events only; a
 * struct tvx_monitor like a domain's, closed by tvx_monitor_detach().
 */
int tvx_host_attach(struct tvx_handle *h, unsigned int slots_log2,
		    struct tvx_monitor **out);
/* the domain's owner detaches whatever listener is attached */
int tvx_domain_detach_monitor(struct tvx_domain *d);
/*
 * Guest requests (THINVMX_SET/GET_GUEST_REQUEST): bit n makes a VMCALL
 * with RAX n a request channel (monitor kind GUEST_REQUEST); 0: none.
 */
int tvx_domain_set_guest_request(struct tvx_domain *d, __u64 channels);
int tvx_domain_get_guest_request(struct tvx_domain *d, __u64 *channels);

/*
 * Called for every event, in ring order per vCPU. @rsp is prepared for
 * the answer ("continue": version, reason, vcpu and seq set, flags 0); for
 * a sync event the callback sets rsp->flags (THINVMX_RESPONSE_*) and
 * rsp->regs, and the answer is sent whatever it returns. Return 0 to go
 * on, a negative errno to make tvx_monitor_serve() return it (the rest of
 * the batch is answered "continue").
 */
typedef int (*tvx_event_fn)(struct tvx_monitor *m, const struct thinvmx_event *ev,
			    struct thinvmx_response *rsp, void *arg);

/* tvx_monitor_serve() flags */
#define TVX_MONITOR_BUSY_POLL	(1U << 0)	/* spin on the rings, no poll() */

/*
 * Wait up to @timeout_ms (-1: forever) for events of the vCPUs in
 * @vcpu_mask, hand the whole batch to @fn, answer and ring the doorbell
 * once. Threads may serve disjoint masks at once.
 * Return: events handled (0: timeout), the callback's errno, -EPROTO
 * (broken ring), or an ioctl's errno.
 */
int tvx_monitor_serve(struct tvx_monitor *m, __u64 vcpu_mask, unsigned int flags,
		      int timeout_ms, tvx_event_fn fn, void *arg);

/*
 * Stealth breakpoints (lib/stealth.c): 0xcc in shadow frames a breakpoint
 * view shows execute-only, hits let through with a fast single-step in
 * view 0; the guest's own frames are never written.
 */
#define TVX_STEALTH_MAX		64	/* breakpoints, and shadowed frames */
struct tvx_stealth;
int tvx_stealth_create(struct tvx_monitor *m, struct tvx_domain *d, int exec_only,
		       __u64 spare_gfn, unsigned int nr_spare, struct tvx_stealth **out);
__u16 tvx_stealth_view(const struct tvx_stealth *st);
int tvx_stealth_add(struct tvx_stealth *st, __u64 gpa, unsigned int *id);
int tvx_stealth_remove(struct tvx_stealth *st, unsigned int id);
int tvx_stealth_arm(struct tvx_stealth *st);
int tvx_stealth_event(struct tvx_stealth *st, const struct thinvmx_event *ev,
		       struct thinvmx_response *rsp, int *hit);
int tvx_stealth_destroy(struct tvx_stealth *st);

/* Human-readable names for THINVMX_VMX_* and THINVMX_CTL_* values. */
const char *tvx_vmx_status_str(__u32 status);
const char *tvx_ctl_str(__u32 ctl);

/*
 * Name of THINVMX_FEAT_* bit @bit (0..63) as used in tool output
 * ("ept-2m", "vpid", ...), or NULL for an unassigned bit.
 */
const char *tvx_feature_name(unsigned int bit);

/* ------------------------------------------------------------------------
 * Generic netlink (nl.c): the "thinvmx" family of thinvmx_netlink.h, over
 * libnl-3 (link with pkg-config's libnl-genl-3.0 when linking statically).
 * Reading needs no privilege and no /dev/thinvmx; changing the read-only
 * set needs CAP_NET_ADMIN and CAP_SYS_ADMIN, following the notifications
 * CAP_SYS_ADMIN. Each call returns 0 (or a count) or a negative errno:
 * -ENOENT from tvx_nl_open() when the family is not registered (no
 * module), the kernel's errno otherwise, with its extended-ack message in
 * tvx_nl_error_message() until the next request.
 */
struct tvx_nl;
struct nl_msg;

int tvx_nl_open(struct tvx_nl **out);
void tvx_nl_close(struct tvx_nl *nl);
/* the last failed request's extended-ack message, "" if it had none */
const char *tvx_nl_error_message(const struct tvx_nl *nl);

/* THINVMX_CMD_GET_CAPS: what THINVMX_GET_CAPABILITIES reports */
int tvx_nl_get_caps(struct tvx_nl *nl, struct thinvmx_caps *caps);

struct tvx_nl_domain {
	__u32 id;
	__u32 owner;		/* pid of the process that created it */
	__u32 nr_vcpus;
	__u32 state;		/* THINVMX_DOMAIN_STATE_* */
	__u64 mem_bytes;	/* guest RAM */
	__u32 listener;		/* 1 while an introspection listener is attached */
	__u32 pad;
};

/* Basic exit reasons a struct tvx_nl_stats holds; higher ones are dropped. */
#define TVX_NL_EXIT_REASONS	128

/* THINVMX_CMD_GET_STATS: a domain's counters, summed over its vCPUs */
struct tvx_nl_stats {
	__u32 domain;
	__u32 pad;
	__u64 exits[TVX_NL_EXIT_REASONS];	/* by basic exit reason */
	__u64 events[THINVMX_EVENT_NR_REASONS][2];	/* [reason][sync] */
	__u64 exits_total;
	__u64 ring_waits;
	__u64 traps_injected;
	__u64 mem_access_violations;
	__u64 logdirty_faults;
	__u64 ram_ro_writes_discarded;
	__u64 mmio_ro_writes_discarded;
};

/*
 * Callbacks of the listings: called once per object, in order of domain
 * id (registration for the read-only set); a non-zero return ends the
 * listing after the kernel's last message and is returned.
 */
typedef int (*tvx_nl_domain_fn)(const struct tvx_nl_domain *d, void *arg);
typedef int (*tvx_nl_stats_fn)(const struct tvx_nl_stats *s, void *arg);
typedef int (*tvx_nl_ro_fn)(const struct thinvmx_ro_entry *r, void *arg);

int tvx_nl_get_domain(struct tvx_nl *nl, __u32 id, struct tvx_nl_domain *d);
int tvx_nl_list_domains(struct tvx_nl *nl, tvx_nl_domain_fn fn, void *arg);
int tvx_nl_get_stats(struct tvx_nl *nl, __u32 id, struct tvx_nl_stats *s);
int tvx_nl_list_stats(struct tvx_nl *nl, tvx_nl_stats_fn fn, void *arg);
/* the read-only MMIO set, one entry per registration (as tvx_ro_list) */
int tvx_nl_ro_list(struct tvx_nl *nl, tvx_nl_ro_fn fn, void *arg);
int tvx_nl_ro_add(struct tvx_nl *nl, __u64 first_mfn, __u64 last_mfn);
int tvx_nl_ro_remove(struct tvx_nl *nl, __u64 first_mfn, __u64 last_mfn);
/*
 * The MMIO allow-list: host frames (inclusive) any domain may map with
 * tvx_map_mmio() besides its assigned devices' BARs. Add and remove need
 * CAP_NET_ADMIN and CAP_SYS_ADMIN; an add of a range the host keeps for
 * itself is refused (-EPERM, -EINVAL; the reason is in dmesg).
 */
typedef int (*tvx_nl_allow_fn)(__u64 first_mfn, __u64 last_mfn, void *arg);
int tvx_nl_mmio_allow_list(struct tvx_nl *nl, tvx_nl_allow_fn fn, void *arg);
int tvx_nl_mmio_allow_add(struct tvx_nl *nl, __u64 first_mfn, __u64 last_mfn);

/* Host mode's guard policies (THINVMX_CMD_HOST_*_POLICY) */
struct tvx_nl_host_policy {
	int pin_cr;			/* 1: PIN_CR on */
	int pin_msr;			/* 1: PIN_MSR on */
	__u64 cr_pin_refused;
	__u64 msr_pin_refused;
};

int tvx_nl_host_get_policy(struct tvx_nl *nl, struct tvx_nl_host_policy *p);
/* each 1 on, 0 off, -1 as it is (CAP_NET_ADMIN and CAP_SYS_ADMIN) */
int tvx_nl_host_set_policy(struct tvx_nl *nl, int pin_cr, int pin_msr);
int tvx_nl_mmio_allow_remove(struct tvx_nl *nl, __u64 first_mfn,
			     __u64 last_mfn);

/* A notification of the "notify" group */
struct tvx_nl_event {
	__u32 cmd;		/* THINVMX_CMD_DOMAIN_CREATED ... _LISTENER_DETACHED */
	__u32 domain;
	__u32 owner;
	__u32 listener;		/* LISTENER_*: 1 attached, 0 detached */
	__u64 mem_bytes;	/* DOMAIN_*: guest RAM */
};

typedef int (*tvx_nl_event_fn)(const struct tvx_nl_event *e, void *arg);

/* Join the notification group on a socket of its own: -EPERM unprivileged. */
int tvx_nl_subscribe(struct tvx_nl *nl);
/* That socket, to poll(); -EINVAL before tvx_nl_subscribe(). */
int tvx_nl_event_fd(const struct tvx_nl *nl);
/*
 * Wait for notifications and call fn for each one read (a non-zero return
 * is returned). Return: how many, or a negative errno (-EINTR: a signal).
 */
int tvx_nl_read_events(struct tvx_nl *nl, tvx_nl_event_fn fn, void *arg);

/*
 * For tests and for commands this library does not wrap: the family's id
 * for genlmsg_put(), and one request sent with an ack asked for, waited
 * for to its ack, error or end of dump (replies are dropped).
 */
int tvx_nl_family_id(const struct tvx_nl *nl);
int tvx_nl_transact(struct tvx_nl *nl, struct nl_msg *msg);

/* Names for tool output; NULL for an unknown value. */
const char *tvx_nl_event_str(__u32 cmd);		/* "domain-created", ... */
const char *tvx_domain_state_str(__u32 state);		/* "idle", "running", ... */
const char *tvx_vmx_exit_str(__u32 reason);		/* "CPUID", "HLT", ... */
const char *tvx_stats_event_str(__u32 reason);		/* "cr0", "int3", ... */

#ifdef __cplusplus
}
#endif

#endif /* _LIBTHINVMX_H */
