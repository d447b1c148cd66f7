/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which host ranges a domain may map with THINVMX_MAP_MMIO (mmio_gate.c):
 * pure range logic, shared with the host unit tests. The module gathers
 * the host's ranges (ept/mmio_allow.c); this file only decides.
 *
 * A range is allowed when it lies wholly inside one allowed span (a memory
 * BAR of a device assigned to the domain, an administrator's range) and
 * touches no forbidden span (RAM, interrupt controllers, ECAM, IOMMU
 * registers, firmware's regions) and no memory BAR only in part.
 */
#ifndef _THINVMX_EPT_MMIO_GATE_H
#define _THINVMX_EPT_MMIO_GATE_H

#include "../pure.h"

/* Why a range is refused; also the kind of a forbidden span. */
#define MMIO_GATE_OK		0
#define MMIO_GATE_RAM		1	/* System RAM */
#define MMIO_GATE_LAPIC		2	/* local APIC / MSI address window */
#define MMIO_GATE_IOAPIC	3
#define MMIO_GATE_HPET		4
#define MMIO_GATE_ECAM		5	/* PCIe MMCONFIG */
#define MMIO_GATE_IOMMU		6	/* DMAR / AMD-Vi registers */
#define MMIO_GATE_FIRMWARE	7	/* e820 reserved, ACPI tables and NVS */
#define MMIO_GATE_EFI_RUNTIME	8
#define MMIO_GATE_PARTIAL_BAR	9	/* overlaps a memory BAR, not inside it */
#define MMIO_GATE_NOT_ALLOWED	10	/* in no allowed span */
#define MMIO_GATE_NR		11

/* The architectural windows, forbidden wherever the tables put things. */
#define MMIO_GATE_IOAPIC_FIRST	0xfec00000ULL
#define MMIO_GATE_IOAPIC_LAST	0xfecfffffULL
#define MMIO_GATE_LAPIC_FIRST	0xfee00000ULL
#define MMIO_GATE_LAPIC_LAST	0xfeefffffULL

/**
 * struct mmio_span - host physical bytes @s to @e, inclusive
 * @s:    first byte
 * @e:    last byte (@s <= @e)
 * @kind: forbidden spans: MMIO_GATE_*; others: free for the caller
 * @pad:  zero
 */
struct mmio_span {
	u64 s;
	u64 e;
	u32 kind;
	u32 pad;
};

/**
 * struct mmio_gate_in - what a decision looks at
 * @forbidden:    spans nothing may map, each with its reason in .kind
 * @nr_forbidden: entries of @forbidden
 * @bars:         the host's memory BARs (every device's, assigned or not)
 * @nr_bars:      entries of @bars
 * @allowed:      what the domain may map; NULL to ask only whether the
 *                range may ever be allowed (an administrator's add)
 * @nr_allowed:   entries of @allowed
 *
 * Spans that do not overlap the range asked about may be left out.
 */
struct mmio_gate_in {
	const struct mmio_span *forbidden;
	u32 nr_forbidden;
	const struct mmio_span *bars;
	u32 nr_bars;
	const struct mmio_span *allowed;
	u32 nr_allowed;
};

u32 mmio_gate_check(const struct mmio_gate_in *in, u64 s, u64 e, u32 *which);
int mmio_gate_errno(u32 why);
const char *mmio_gate_why_name(u32 why);
bool mmio_gate_bar_too_small(u64 start, u64 len, u64 page_size);

#endif /* _THINVMX_EPT_MMIO_GATE_H */
