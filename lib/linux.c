// SPDX-License-Identifier: GPL-2.0
/*
 * Booting Linux in a domain: the domain side of lib/boot.c. Everything is
 * computed in buffers first (boot.c, unit-tested) and written into guest
 * memory afterwards, so a refused image leaves the domain untouched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libthinvmx.h"
#include "boot.h"

#define AR_CODE64	0xa09b		/* G, L, P, S, execute/read accessed */
#define AR_CODE32	0xc09b		/* G, D, P, S, execute/read accessed */
#define AR_DATA		0xc093		/* G, B, P, S, read/write accessed */
#define AR_TSS_BUSY	0x008b		/* P, type 11: busy 32/64-bit TSS */
#define AR_UNUSABLE	0x10000

#define CR0_PE		(1ULL << 0)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)

static void seg(struct thinvmx_segment *s, __u16 sel, __u32 ar)
{
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->ar = ar;
}

/*
 * The boot vCPU at @r's RIP with flat 4 GiB segments from the boot GDT,
 * interrupts off: in 64-bit mode on the boot page tables (@long_mode, the
 * Linux 64-bit entry) or in 32-bit protected mode with paging off
 * (multiboot, PVH). VM entry wants a busy TSS in TR; the kernel loads
 * its own.
 */
static int boot_bsp(struct tvx_vcpu *v, struct thinvmx_regs *r, bool long_mode)
{
	struct thinvmx_sregs s = { 0 };
	int ret;

	seg(&s.cs, long_mode ? BOOT_SEL_CS : BOOT_SEL_CS32,
	    long_mode ? AR_CODE64 : AR_CODE32);
	seg(&s.ds, BOOT_SEL_DS, AR_DATA);
	s.es = s.ds;
	s.ss = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	seg(&s.tr, 0, AR_TSS_BUSY);
	s.tr.limit = 0x67;
	seg(&s.ldt, 0, AR_UNUSABLE);
	s.ldt.limit = 0;
	s.gdt.base = BOOT_GDT_GPA;
	s.gdt.limit = BOOT_GDT_SIZE - 1;
	s.cr0 = CR0_PE | CR0_ET | CR0_NE;
	if (long_mode) {
		s.cr0 |= CR0_PG;
		s.cr3 = BOOT_PML4_GPA;
		s.cr4 = CR4_PAE;
		s.efer = EFER_LME;
	}
	r->rflags = 2;
	ret = tvx_set_sregs(v, &s);
	return ret ? ret : tvx_set_regs(v, r);
}

/* The domain's map, what @img hides from its guest made reserved */
static int boot_domain_map(struct tvx_domain *d, const struct tvx_linux_image *img,
			   struct thinvmx_e820_entry *dom, unsigned int *n,
			   const char **why)
{
	struct thinvmx_memmap m;
	int ret;

	ret = tvx_domain_memmap(d, &m, dom, THINVMX_MEMMAP_MAX);
	if (ret) {
		*why = "cannot read the domain's memory map";
		return ret;
	}
	*n = m.nr_entries < THINVMX_MEMMAP_MAX ? m.nr_entries : THINVMX_MEMMAP_MAX;
	if (!img->hidden_size)
		return 0;
	*n = tvx_boot_e820_hide(dom, *n, THINVMX_MEMMAP_MAX + 2, img->hidden_gpa,
				img->hidden_size);
	*why = "the frames to hide from the guest are not page-aligned or do not fit its map";
	return *n ? 0 : -EINVAL;
}

/* The guest's e820 map: the domain's, with the legacy hole */
static int boot_memmap(struct tvx_domain *d, const struct tvx_linux_image *img,
		       struct thinvmx_e820_entry *e820, unsigned int *n,
		       const char **why)
{
	struct thinvmx_e820_entry dom[THINVMX_MEMMAP_MAX + 2];
	int ret;

	ret = boot_domain_map(d, img, dom, n, why);
	if (ret)
		return ret;
	*n = tvx_boot_e820(dom, *n, e820, BP_E820_MAX);
	*why = "the domain's memory map does not fit the boot information";
	return *n ? 0 : -ENOSPC;
}

/* tvx_write_guest() as a tvx_guest_write_fn: @ctx is the domain */
static int boot_write_domain(void *ctx, __u64 gpa, const void *src, size_t len)
{
	return tvx_write_guest(ctx, gpa, src, len);
}

/*
 * The firmware's part: the ACPI tables (RSDP, XSDT, FADT, DSDT, MADT) at
 * BOOT_ACPI_GPA, and the reset vector (tvx_boot_reset_vector())
 */
static int boot_acpi(tvx_guest_write_fn write, void *ctx,
		     const struct tvx_linux_image *img, const char **why)
{
	__u8 reset[BOOT_RESET_VECTOR_SIZE];
	struct tvx_acpi_cfg acpi = {
		.nr_cpus = img->nr_cpus,
		.ioapic_gpa = img->ioapic_gpa,
		.lapic_gpa = 0xfee00000,
	};
	__u8 *buf = malloc(BOOT_ACPI_SIZE);
	size_t used;
	int ret;

	*why = "out of memory";
	if (!buf)
		return -ENOMEM;
	*why = "bad CPU count for the MADT";
	ret = tvx_acpi_build(buf, BOOT_ACPI_SIZE, BOOT_ACPI_GPA, &acpi, &used);
	if (!ret) {
		*why = "cannot write guest memory";
		ret = write(ctx, BOOT_ACPI_GPA, buf, used);
	}
	free(buf);
	tvx_boot_reset_vector(reset);
	if (!ret)
		ret = write(ctx, BOOT_RESET_VECTOR_GPA, reset, sizeof(reset));
	return ret;
}

/*
 * What every protocol writes besides the kernel: the initrd or module at
 * @module_gpa, the command line, the boot information block @info at
 * @info_gpa, and the boot GDT.
 */
static int boot_write_common(tvx_guest_write_fn write, void *ctx,
			     const struct tvx_linux_image *img,
			     __u64 module_gpa, __u64 module_size,
			     __u64 cmdline_gpa, __u32 cmdline_len,
			     __u64 info_gpa, const void *info, size_t info_len,
			     const char **why)
{
	const char *cmdline = img->cmdline ? img->cmdline : "";
	__u8 gdt[BOOT_GDT_SIZE];
	int ret = 0;

	tvx_boot_gdt(gdt);
	*why = "cannot write guest memory";
	if (module_size)
		ret = write(ctx, module_gpa, img->initrd, module_size);
	if (!ret)
		ret = write(ctx, cmdline_gpa, cmdline, cmdline_len + 1);
	if (!ret)
		ret = write(ctx, info_gpa, info, info_len);
	if (!ret)
		ret = write(ctx, BOOT_GDT_GPA, gdt, sizeof(gdt));
	return ret;
}

static size_t boot_cmdline_len(const struct tvx_linux_image *img)
{
	return img->cmdline ? strlen(img->cmdline) : 0;
}

static __u64 boot_initrd_len(const struct tvx_linux_image *img)
{
	return img->initrd ? img->initrd_len : 0;
}

int tvx_linux_layout(const struct tvx_linux_image *img,
		     const struct thinvmx_e820_entry *ram, unsigned int nr_ram,
		     tvx_guest_write_fn write, void *ctx, __u64 *entry,
		     const char **why)
{
	struct thinvmx_e820_entry e820[BP_E820_MAX];
	struct tvx_boot_plan plan;
	struct tvx_bzimage bz;
	__u8 zp[4096], *pt;
	unsigned int n;
	int ret;

	ret = tvx_bzimage_parse(img->kernel, img->kernel_len, &bz, why);
	if (ret)
		return ret;
	n = tvx_boot_e820(ram, nr_ram, e820, BP_E820_MAX);
	*why = "the domain's memory map does not fit the boot information";
	if (!n)
		return -ENOSPC;
	ret = tvx_boot_plan(&bz, e820, n, boot_initrd_len(img),
			    boot_cmdline_len(img), &plan, why);
	if (ret)
		return ret;
	pt = malloc(BOOT_PT_PAGES * 4096);
	*why = "out of memory";
	if (!pt)
		return -ENOMEM;
	tvx_boot_zero_page(zp, img->kernel, &bz, &plan, e820, n, BOOT_ACPI_GPA);
	tvx_boot_page_tables(pt, BOOT_PML4_GPA);

	*why = "cannot write guest memory";
	ret = write(ctx, plan.kernel_gpa,
		    (const __u8 *)img->kernel + bz.setup_size, bz.kernel_size);
	if (!ret)
		ret = write(ctx, BOOT_PML4_GPA, pt, BOOT_PT_PAGES * 4096);
	free(pt);
	if (!ret)
		ret = boot_write_common(write, ctx, img, plan.initrd_gpa,
					plan.initrd_size, plan.cmdline_gpa,
					plan.cmdline_len, BOOT_ZERO_PAGE_GPA, zp,
					sizeof(zp), why);
	if (!ret)
		ret = boot_acpi(write, ctx, img, why);
	if (!ret) {
		*entry = plan.entry_gpa;
		*why = NULL;
	}
	return ret;
}

int tvx_linux_boot(struct tvx_domain *d, struct tvx_vcpu *bsp,
		   const struct tvx_linux_image *img, const char **why)
{
	struct thinvmx_e820_entry dom[THINVMX_MEMMAP_MAX + 2];
	struct thinvmx_regs r = { .rsi = BOOT_ZERO_PAGE_GPA, .rsp = BOOT_STACK_GPA };
	struct tvx_bzimage bz;
	unsigned int n;
	int ret;

	/* a refused image before the domain's memory map is asked for */
	ret = tvx_bzimage_parse(img->kernel, img->kernel_len, &bz, why);
	if (ret)
		return ret;
	ret = boot_domain_map(d, img, dom, &n, why);
	if (ret)
		return ret;
	ret = tvx_linux_layout(img, dom, n, boot_write_domain, d, &r.rip, why);
	if (ret)
		return ret;
	*why = "cannot set the boot vCPU's registers";
	ret = boot_bsp(bsp, &r, true);
	if (!ret)
		*why = NULL;
	return ret;
}

static int boot_write_segments(struct tvx_domain *d, const __u8 *file,
			       const struct tvx_mb_segment *seg, unsigned int nr)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < nr && !ret; i++) {
		ret = tvx_write_guest(d, seg[i].paddr, file + seg[i].offset,
				      seg[i].filesz);
		if (!ret && seg[i].memsz > seg[i].filesz)
			ret = tvx_zero_guest(d, seg[i].paddr + seg[i].filesz,
					     seg[i].memsz - seg[i].filesz);
	}
	return ret;
}

/*
 * A multiboot or PVH kernel (@pvh): @mb's segments written, the module
 * after them, the multiboot information or hvm_start_info at 0x6000 (and
 * for PVH the ACPI tables), and @bsp started at the entry in 32-bit
 * protected mode with EBX = 0x6000 (and EAX = the multiboot magic).
 */
static int boot_protected(struct tvx_domain *d, struct tvx_vcpu *bsp,
			  const struct tvx_linux_image *img,
			  const struct tvx_multiboot *mb, bool pvh, const char **why)
{
	struct thinvmx_e820_entry e820[BP_E820_MAX];
	struct thinvmx_regs r = { .rip = mb->entry, .rbx = MB_INFO_GPA };
	__u8 info[MB_INFO_SIZE];
	struct tvx_mb_plan plan;
	unsigned int n;
	int ret;

	ret = boot_memmap(d, img, e820, &n, why);
	if (!ret)
		ret = tvx_multiboot_plan(mb, e820, n, boot_initrd_len(img),
					 boot_cmdline_len(img), &plan, why);
	if (ret)
		return ret;
	if (pvh)
		tvx_pvh_start_info(info, &plan, e820, n, BOOT_ACPI_GPA);
	else
		tvx_multiboot_info(info, &plan, e820, n);

	*why = "cannot write guest memory";
	ret = boot_write_segments(d, img->kernel, mb->seg, mb->nr_segments);
	if (!ret)
		ret = boot_write_common(boot_write_domain, d, img, plan.module_gpa,
					plan.module_size, plan.cmdline_gpa,
					plan.cmdline_len, MB_INFO_GPA, info,
					sizeof(info), why);
	if (!ret && pvh)
		ret = boot_acpi(boot_write_domain, d, img, why);
	if (ret)
		return ret;
	*why = "cannot set the boot vCPU's registers";
	r.rax = pvh ? 0 : MB_BOOT_MAGIC;
	ret = boot_bsp(bsp, &r, false);
	if (!ret)
		*why = NULL;
	return ret;
}

int tvx_multiboot_boot(struct tvx_domain *d, struct tvx_vcpu *bsp,
		       const struct tvx_linux_image *img, const char **why)
{
	struct tvx_multiboot mb;
	int ret;

	ret = tvx_multiboot_parse(img->kernel, img->kernel_len, &mb, why);
	return ret ? ret : boot_protected(d, bsp, img, &mb, false, why);
}

int tvx_pvh_boot(struct tvx_domain *d, struct tvx_vcpu *bsp,
		 const struct tvx_linux_image *img, const char **why)
{
	struct tvx_multiboot mb = { 0 };
	struct tvx_pvh pvh;
	int ret;

	ret = tvx_pvh_parse(img->kernel, img->kernel_len, &pvh, why);
	if (ret)
		return ret;
	/* placed as a multiboot ELF is: segments by paddr, the module after */
	mb.entry = pvh.entry;
	mb.nr_segments = pvh.nr_segments;
	memcpy(mb.seg, pvh.seg, sizeof(pvh.seg));
	mb.end = pvh.end;
	return boot_protected(d, bsp, img, &mb, true, why);
}

int tvx_kernel_boot(struct tvx_domain *d, struct tvx_vcpu *bsp,
		    const struct tvx_linux_image *img, const char **why)
{
	struct tvx_bzimage bz;
	struct tvx_pvh pvh;
	int ret;

	/* a file that says HdrS is a bzImage: if refused, its reason is the one */
	if (!tvx_bzimage_parse(img->kernel, img->kernel_len, &bz, why) ||
	    (img->kernel_len > BOOT_HEADER + 4 &&
	     !memcmp((const __u8 *)img->kernel + BOOT_HEADER, "HdrS", 4)))
		return tvx_linux_boot(d, bsp, img, why);
	if (!tvx_pvh_parse(img->kernel, img->kernel_len, &pvh, why))
		return tvx_pvh_boot(d, bsp, img, why);
	ret = tvx_multiboot_boot(d, bsp, img, why);
	if (ret == -ENOEXEC && *why && !strncmp(*why, "no multiboot header", 19))
		*why = "not a bzImage, a PVH ELF or a multiboot kernel";
	return ret;
}
