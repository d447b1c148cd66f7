// SPDX-License-Identifier: GPL-2.0
/*
 * The MAP_MMIO gate against the host: which host ranges a domain may map
 * as MMIO_DIRECT (issue 14). A guest with a host frame mapped writes it
 * at will, so a mapping is allowed only inside a memory BAR of a device
 * assigned to the domain, or inside a range an administrator put on the
 * allow-list (netlink, CAP_SYS_ADMIN); and never, whatever the list says,
 * RAM, the local APIC and IOAPICs, the HPET, PCIe ECAM, IOMMU registers,
 * regions the firmware keeps (e820 reserved, ACPI, EFI runtime), or a
 * range that cuts a BAR. mmio_gate.c decides; this file gathers what it
 * decides on, from the sources the kernel trusts for each:
 *
 *   RAM, e820 reserved, ACPI tables/NVS   the iomem resources (by desc)
 *   local APIC                           the architectural window and
 *                                        IA32_APIC_BASE
 *   IOAPICs, HPET, ECAM, DMAR            the ACPI MADT, HPET, MCFG, DMAR
 *   EFI runtime                          the EFI memory map
 *   BARs                                 every PCI device's resources
 *
 * Only spans that overlap the range asked about are gathered, so the
 * lists stay short; a list that overflows refuses the range.
 *
 * The whole of it is refused under kernel lockdown, for the reason
 * /dev/mem is (LOCKDOWN_DEV_MEM): a guest mapping of host MMIO is raw
 * device access.
 *
 * Lock order: allow_lock alone (nothing is called under it); the gate is
 * asked before the domain's p2m_lock is taken. An allow-list range
 * removed after a mapping was made leaves that mapping in place (there is
 * no MMIO unmap); it refuses new ones.
 */
#include <linux/acpi.h>
#include <linux/efi.h>
#include <linux/ioport.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <asm/apicdef.h>
#include <asm/msr.h>

#include "iommu/assign.h"
#include "mmio_allow.h"
#include "msix/ro_mmio.h"

#define ALLOW_MAX		256
/* spans of each list gathered for one decision */
#define GATE_MAX		64
/* a DRHD's register set: VT-d puts it in one page; more does no harm */
#define GATE_DMAR_SIZE		SZ_64K

/*
 * One budget for every refusal message: a burst as large as one admin's
 * session of mistakes, then quiet (an unprivileged caller cannot reach
 * these; CAP_SYS_ADMIN can, in a loop).
 */
static DEFINE_RATELIMIT_STATE(gate_rs, 5 * HZ, 32);
#define gate_warn(fmt, ...) do {					\
	if (__ratelimit(&gate_rs))					\
		pr_warn(fmt, ##__VA_ARGS__);				\
} while (0)

static DEFINE_MUTEX(allow_lock);
static struct tvx_mmio_allow_entry allow_list[ALLOW_MAX];	/* allow_lock */
static u32 allow_nr;

struct gate_list {
	struct mmio_span sp[GATE_MAX];
	u32 nr;
};

struct gate_ctx {
	u64 s, e;		/* the range asked about, bytes inclusive */
	bool overflow;
	struct gate_list forbidden, bars, allowed;
};

/* The context of a decision on host frames [@mfn, @mfn + @nr). */
static struct gate_ctx *gate_new(u64 mfn, u64 nr)
{
	struct gate_ctx *g = kzalloc(sizeof(*g), GFP_KERNEL);

	if (g) {
		g->s = mfn << PAGE_SHIFT;
		g->e = ((mfn + nr) << PAGE_SHIFT) - 1;
	}
	return g;
}

/* Add [s, e] to @l, clipped to the range asked about, if it overlaps. */
static void gate_add(struct gate_ctx *g, struct gate_list *l, u64 s, u64 e,
		     u32 kind)
{
	if (e < s || e < g->s || s > g->e)
		return;
	if (l->nr == GATE_MAX) {
		g->overflow = true;
		return;
	}
	l->sp[l->nr++] = (struct mmio_span) {
		.s = max(s, g->s), .e = min(e, g->e), .kind = kind,
	};
}

/* BARs are not clipped: whether the range is inside one needs all of it. */
static void gate_add_bar(struct gate_ctx *g, u64 s, u64 e)
{
	struct gate_list *l = &g->bars;

	if (e < s || e < g->s || s > g->e)
		return;
	if (l->nr == GATE_MAX) {
		g->overflow = true;
		return;
	}
	l->sp[l->nr++] = (struct mmio_span) { .s = s, .e = e };
}

struct gate_walk {
	struct gate_ctx *g;
	u32 kind;
};

static int gate_res(struct resource *res, void *arg)
{
	struct gate_walk *w = arg;

	gate_add(w->g, &w->g->forbidden, res->start, res->end, w->kind);
	return 0;
}

static void gate_iomem(struct gate_ctx *g)
{
	static const struct { unsigned long flags, desc; u32 kind; } walks[] = {
		{ IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE, MMIO_GATE_RAM },
		{ IORESOURCE_MEM, IORES_DESC_RESERVED, MMIO_GATE_FIRMWARE },
		{ IORESOURCE_MEM, IORES_DESC_SOFT_RESERVED, MMIO_GATE_FIRMWARE },
		{ IORESOURCE_MEM, IORES_DESC_ACPI_TABLES, MMIO_GATE_FIRMWARE },
		{ IORESOURCE_MEM, IORES_DESC_ACPI_NV_STORAGE, MMIO_GATE_FIRMWARE },
	};
	struct gate_walk w = { .g = g };
	int i;

	for (i = 0; i < ARRAY_SIZE(walks); i++) {
		w.kind = walks[i].kind;
		walk_iomem_res_desc(walks[i].desc, walks[i].flags, g->s, g->e,
				    &w, gate_res);
	}
}

static void gate_lapic(struct gate_ctx *g)
{
	u64 base;

	if (!boot_cpu_has(X86_FEATURE_APIC) ||
	    rdmsrl_safe(MSR_IA32_APICBASE, &base))
		return;
	base &= ~(PAGE_SIZE - 1) & ((1ULL << boot_cpu_data.x86_phys_bits) - 1);
	gate_add(g, &g->forbidden, base, base + PAGE_SIZE - 1, MMIO_GATE_LAPIC);
}

/* Subtables of an ACPI table: @hdr bytes of header, then @len-byte records. */
static void gate_acpi(struct gate_ctx *g)
{
	struct acpi_table_header *t;
	u8 *p, *end;

	if (acpi_disabled)
		return;
	if (ACPI_SUCCESS(acpi_get_table(ACPI_SIG_MADT, 0, &t))) {
		end = (u8 *)t + t->length;
		for (p = (u8 *)t + sizeof(struct acpi_table_madt);
		     p + sizeof(struct acpi_subtable_header) <= end;) {
			struct acpi_subtable_header *h = (void *)p;

			if (h->length < sizeof(*h) || p + h->length > end)
				break;
			if (h->type == ACPI_MADT_TYPE_IO_APIC &&
			    h->length >= sizeof(struct acpi_madt_io_apic)) {
				u64 a = ((struct acpi_madt_io_apic *)p)->address;

				gate_add(g, &g->forbidden, a, a + PAGE_SIZE - 1,
					 MMIO_GATE_IOAPIC);
			}
			p += h->length;
		}
		acpi_put_table(t);
	}
	if (ACPI_SUCCESS(acpi_get_table(ACPI_SIG_HPET, 0, &t))) {
		if (t->length >= sizeof(struct acpi_table_hpet)) {
			u64 a = ((struct acpi_table_hpet *)t)->address.address;

			gate_add(g, &g->forbidden, a, a + PAGE_SIZE - 1,
				 MMIO_GATE_HPET);
		}
		acpi_put_table(t);
	}
	if (ACPI_SUCCESS(acpi_get_table(ACPI_SIG_MCFG, 0, &t))) {
		struct acpi_mcfg_allocation *m;

		end = (u8 *)t + t->length;
		for (m = (void *)((u8 *)t + sizeof(struct acpi_table_mcfg));
		     (u8 *)(m + 1) <= end; m++) {
			if (m->end_bus_number < m->start_bus_number)
				continue;
			gate_add(g, &g->forbidden,
				 m->address + ((u64)m->start_bus_number << 20),
				 m->address + (((u64)m->end_bus_number + 1) << 20) - 1,
				 MMIO_GATE_ECAM);
		}
		acpi_put_table(t);
	}
	if (ACPI_SUCCESS(acpi_get_table(ACPI_SIG_DMAR, 0, &t))) {
		end = (u8 *)t + t->length;
		for (p = (u8 *)t + sizeof(struct acpi_table_dmar);
		     p + sizeof(struct acpi_dmar_header) <= end;) {
			struct acpi_dmar_header *h = (void *)p;

			if (h->length < sizeof(*h) || p + h->length > end)
				break;
			if (h->type == ACPI_DMAR_TYPE_HARDWARE_UNIT &&
			    h->length >= sizeof(struct acpi_dmar_hardware_unit)) {
				u64 a = ((struct acpi_dmar_hardware_unit *)p)->address;

				gate_add(g, &g->forbidden, a, a + GATE_DMAR_SIZE - 1,
					 MMIO_GATE_IOMMU);
			}
			p += h->length;
		}
		acpi_put_table(t);
	}
}

static void gate_efi(struct gate_ctx *g)
{
	efi_memory_desc_t *md;

	if (!efi_enabled(EFI_MEMMAP))
		return;
	for_each_efi_memory_desc(md) {
		if (!(md->attribute & EFI_MEMORY_RUNTIME) || !md->num_pages)
			continue;
		gate_add(g, &g->forbidden, md->phys_addr,
			 md->phys_addr + (md->num_pages << EFI_PAGE_SHIFT) - 1,
			 MMIO_GATE_EFI_RUNTIME);
	}
}

/*
 * Every device's memory resources: the BARs, the ROM and the SR-IOV BARs,
 * not the bridge windows (a range inside a window is the normal case).
 */
static void gate_bars(struct gate_ctx *g)
{
	struct pci_dev *pdev = NULL;
	int i;

	for_each_pci_dev(pdev) {
		for (i = 0; i < PCI_BRIDGE_RESOURCES; i++) {
			struct resource *r = &pdev->resource[i];

			if ((r->flags & IORESOURCE_MEM) && resource_size(r))
				gate_add_bar(g, r->start, r->end);
		}
	}
}

static void gate_allowed_cb(void *ctx, u64 s, u64 e)
{
	struct gate_ctx *g = ctx;

	/* not clipped either: the range must lie inside it whole */
	if (e < s || e < g->s || s > g->e)
		return;
	if (g->allowed.nr == GATE_MAX) {
		g->overflow = true;
		return;
	}
	g->allowed.sp[g->allowed.nr++] = (struct mmio_span) { .s = s, .e = e };
}

static void gate_allowed(struct gate_ctx *g, u32 domain)
{
	u32 i;

	mutex_lock(&allow_lock);
	for (i = 0; i < allow_nr; i++)
		gate_allowed_cb(g, allow_list[i].first_mfn << PAGE_SHIFT,
				((allow_list[i].last_mfn + 1) << PAGE_SHIFT) - 1);
	mutex_unlock(&allow_lock);
	tvx_assigned_bars(domain, gate_allowed_cb, g);
}

/*
 * The decision on the range gate_new() set: without @with_allowed, only
 * whether the range may ever be allowed. Return: MMIO_GATE_*.
 */
static u32 gate_decide(struct gate_ctx *g, bool with_allowed, u32 *which)
{
	struct mmio_gate_in in;

	gate_iomem(g);
	gate_lapic(g);
	gate_acpi(g);
	gate_efi(g);
	gate_bars(g);
	if (g->overflow)
		return MMIO_GATE_NOT_ALLOWED;
	in = (struct mmio_gate_in) {
		.forbidden = g->forbidden.sp, .nr_forbidden = g->forbidden.nr,
		.bars = g->bars.sp, .nr_bars = g->bars.nr,
		.allowed = with_allowed ? g->allowed.sp : NULL,
		.nr_allowed = g->allowed.nr,
	};
	return mmio_gate_check(&in, g->s, g->e, which);
}

/* Frames [first, first + nr) within the physical address width. */
static bool gate_frames_valid(u64 first, u64 nr)
{
	u64 limit = BIT_ULL(boot_cpu_data.x86_phys_bits - PAGE_SHIFT);

	return nr && first < limit && nr <= limit - first;
}

/**
 * tvx_mmio_gate() - whether a domain may map host frames as MMIO_DIRECT
 * @domain: the domain's id (for the log and its assigned devices)
 * @mfn:    first host frame
 * @nr:     frames
 * @grant:  the one span the caller grants (a BAR that ASSIGN_DEVICE_BAR
 *          maps whole), or NULL for what the domain may map: the
 *          allow-list and its assigned devices' memory BARs
 *
 * Every refusal is logged (rate-limited) with its reason.
 *
 * Context: process; may sleep; called without assign_lock or p2m_lock
 * when @grant is NULL (the assigned devices are read under assign_lock).
 * Return: 0, -EPERM (lockdown, a forbidden or not allowed range), -EINVAL
 * (a range that cuts a BAR, an invalid range), -ENOMEM.
 */
int tvx_mmio_gate(u32 domain, u64 mfn, u64 nr, const struct mmio_span *grant)
{
	struct gate_ctx *g;
	u32 why, which = U32_MAX;
	int ret;

	if (!gate_frames_valid(mfn, nr))
		return -EINVAL;
	ret = security_locked_down(LOCKDOWN_DEV_MEM);
	if (ret) {
		gate_warn("domain %u: MAP_MMIO of frames %#llx-%#llx refused: kernel lockdown\n",
			  domain, mfn, mfn + nr - 1);
		return ret;
	}
	g = gate_new(mfn, nr);
	if (!g)
		return -ENOMEM;
	if (grant)
		g->allowed.sp[g->allowed.nr++] = *grant;
	else
		gate_allowed(g, domain);
	why = gate_decide(g, true, &which);
	if (why != MMIO_GATE_OK)
		gate_warn("domain %u: MAP_MMIO of frames %#llx-%#llx refused: %s\n",
			  domain, mfn, mfn + nr - 1,
			  g->overflow ? "too many host resources in the range" :
			  mmio_gate_why_name(why));
	kfree(g);
	return mmio_gate_errno(why);
}

/**
 * tvx_mmio_allow_change() - add or remove an administrator's range
 * @first_mfn: first host frame
 * @last_mfn:  last host frame, inclusive
 * @add:       add, else remove the range added with these very frames
 *
 * A range that could never be mapped (mmio_gate.c: RAM, an interrupt
 * controller, ECAM, IOMMU registers, firmware's regions, a cut BAR) is
 * refused here already, so the list never claims to allow it. The
 * caller has checked CAP_SYS_ADMIN.
 *
 * Return: 0, -EPERM (lockdown, a forbidden range), -EINVAL (last < first,
 * beyond the physical address width, a range that cuts a BAR), -EEXIST
 * (already on the list), -ENOSPC (the list is full), -ENOENT (remove: no
 * such range), -ENOMEM.
 */
int tvx_mmio_allow_change(u64 first_mfn, u64 last_mfn, bool add)
{
	struct gate_ctx *g;
	u32 i, why, which = U32_MAX;
	int ret = 0;

	if (last_mfn < first_mfn ||
	    !gate_frames_valid(first_mfn, last_mfn - first_mfn + 1))
		return -EINVAL;
	if (add) {
		ret = security_locked_down(LOCKDOWN_DEV_MEM);
		if (ret) {
			gate_warn("MMIO allow-list: frames %#llx-%#llx refused: kernel lockdown\n",
				  first_mfn, last_mfn);
			return ret;
		}
		g = gate_new(first_mfn, last_mfn - first_mfn + 1);
		if (!g)
			return -ENOMEM;
		why = gate_decide(g, false, &which);
		if (why != MMIO_GATE_OK)
			gate_warn("MMIO allow-list: frames %#llx-%#llx refused: %s\n",
				  first_mfn, last_mfn,
				  g->overflow ? "too many host resources in the range" :
				  mmio_gate_why_name(why));
		kfree(g);
		if (why != MMIO_GATE_OK)
			return mmio_gate_errno(why);
	}

	mutex_lock(&allow_lock);
	for (i = 0; i < allow_nr; i++)
		if (allow_list[i].first_mfn == first_mfn &&
		    allow_list[i].last_mfn == last_mfn)
			break;
	if (add) {
		if (i < allow_nr)
			ret = -EEXIST;
		else if (allow_nr == ALLOW_MAX)
			ret = -ENOSPC;
		else
			allow_list[allow_nr++] = (struct tvx_mmio_allow_entry) {
				.first_mfn = first_mfn, .last_mfn = last_mfn,
			};
	} else if (i == allow_nr) {
		ret = -ENOENT;
	} else {
		allow_list[i] = allow_list[--allow_nr];
	}
	mutex_unlock(&allow_lock);
	if (!ret)
		pr_info("MMIO allow-list: frames %#llx-%#llx %s\n", first_mfn,
			last_mfn, add ? "added" : "removed");
	return ret;
}

/**
 * tvx_mmio_allow_entries() - the allow-list, as a copy
 * @nr: set to the number of entries
 *
 * Return: an array of *@nr entries (at least one allocated) to free with
 * kfree(), or NULL for lack of memory.
 */
struct tvx_mmio_allow_entry *tvx_mmio_allow_entries(u32 *nr)
{
	struct tvx_mmio_allow_entry *out;

	mutex_lock(&allow_lock);
	out = kmemdup(allow_list, max(allow_nr, 1U) * sizeof(*out), GFP_KERNEL);
	*nr = out ? allow_nr : 0;
	mutex_unlock(&allow_lock);
	return out;
}
