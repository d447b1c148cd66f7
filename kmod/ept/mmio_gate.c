// SPDX-License-Identifier: GPL-2.0
/*
 * The MAP_MMIO gate: whether a host range may become a domain's
 * MMIO_DIRECT frames (mmio_gate.h). Pure logic, compiled into the module
 * and into the unit tests (selftests/unit/test_mmio_gate.c).
 *
 * Order of the checks: a forbidden span first (whatever else says yes:
 * an administrator's range cannot open the local APIC), then a BAR the
 * range cuts (a frame shared by a BAR and its neighbour exposes the
 * neighbour), then the allowed spans.
 */
#include "mmio_gate.h"

static const struct mmio_span mmio_gate_fixed[] = {
	{ MMIO_GATE_IOAPIC_FIRST, MMIO_GATE_IOAPIC_LAST, MMIO_GATE_IOAPIC, 0 },
	{ MMIO_GATE_LAPIC_FIRST, MMIO_GATE_LAPIC_LAST, MMIO_GATE_LAPIC, 0 },
};

static bool mmio_overlaps(const struct mmio_span *sp, u64 s, u64 e)
{
	return sp->s <= e && s <= sp->e;
}

static bool mmio_inside(const struct mmio_span *sp, u64 s, u64 e)
{
	return sp->s <= s && e <= sp->e;
}

/* A span of no known kind still refuses, as firmware's. */
static u32 mmio_kind(u32 kind)
{
	return kind > MMIO_GATE_OK && kind < MMIO_GATE_PARTIAL_BAR ?
	       kind : MMIO_GATE_FIRMWARE;
}

/*
 * Which reason a refusal names when several spans overlap the range: the
 * most specific. Firmware's reservations hold ECAM, the IOAPIC, the HPET
 * (e820 reserves them), so "firmware-reserved" comes last; MMIO_GATE_OK
 * ranks below every reason.
 */
static u32 mmio_rank(u32 kind)
{
	if (kind == MMIO_GATE_OK)
		return U32_MAX;
	kind = mmio_kind(kind);
	return kind == MMIO_GATE_FIRMWARE ? MMIO_GATE_PARTIAL_BAR : kind;
}

/**
 * mmio_gate_check() - whether host bytes [@s, @e] may be mapped
 * @in:    the spans to decide against
 * @s:     first byte
 * @e:     last byte, inclusive
 * @which: set to the index of the span that refused it (into
 *         @in->forbidden, or @in->bars for MMIO_GATE_PARTIAL_BAR; -1 for
 *         an architectural window); untouched otherwise. May be NULL.
 *
 * Of several forbidden spans, the most specific names the reason (ECAM
 * rather than the e820 reservation that holds it).
 *
 * With @in->allowed NULL, only the forbidden spans and the BARs decide:
 * whether an administrator may add the range to the allow-list.
 *
 * Return: MMIO_GATE_OK, or why not (MMIO_GATE_*); an empty or inverted
 * range is MMIO_GATE_NOT_ALLOWED.
 */
u32 mmio_gate_check(const struct mmio_gate_in *in, u64 s, u64 e, u32 *which)
{
	u32 i, why = MMIO_GATE_OK;

	if (e < s)
		return MMIO_GATE_NOT_ALLOWED;
	for (i = 0; i < ARRAY_SIZE(mmio_gate_fixed); i++) {
		if (mmio_overlaps(&mmio_gate_fixed[i], s, e)) {
			if (which)
				*which = U32_MAX;
			return mmio_gate_fixed[i].kind;
		}
	}
	for (i = 0; i < in->nr_forbidden; i++) {
		const struct mmio_span *f = &in->forbidden[i];

		if (mmio_overlaps(f, s, e) &&
		    mmio_rank(f->kind) < mmio_rank(why)) {
			why = mmio_kind(f->kind);
			if (which)
				*which = i;
		}
	}
	if (why != MMIO_GATE_OK)
		return why;
	for (i = 0; i < in->nr_bars; i++) {
		const struct mmio_span *b = &in->bars[i];

		if (mmio_overlaps(b, s, e) && !mmio_inside(b, s, e)) {
			if (which)
				*which = i;
			return MMIO_GATE_PARTIAL_BAR;
		}
	}
	if (!in->allowed)
		return MMIO_GATE_OK;
	/*
	 * Inside one span, not a union of touching ones: two spans that
	 * touch are two grants (two BARs, two devices), and a mapping
	 * belongs to one of them.
	 */
	for (i = 0; i < in->nr_allowed; i++)
		if (mmio_inside(&in->allowed[i], s, e))
			return MMIO_GATE_OK;
	return MMIO_GATE_NOT_ALLOWED;
}

/**
 * mmio_gate_errno() - the errno a refusal returns
 * @why: MMIO_GATE_*
 *
 * A range that cuts a BAR is a malformed request (-EINVAL); every other
 * refusal is a matter of permission (-EPERM), whoever asks.
 *
 * Return: 0 for MMIO_GATE_OK, -EINVAL or -EPERM.
 */
int mmio_gate_errno(u32 why)
{
	if (why == MMIO_GATE_OK)
		return 0;
	return why == MMIO_GATE_PARTIAL_BAR ? -EINVAL : -EPERM;
}

/**
 * mmio_gate_why_name() - the reason a refusal logs
 * @why: MMIO_GATE_*
 *
 * Return: a constant string; "refused" for an unknown value.
 */
const char *mmio_gate_why_name(u32 why)
{
	static const char *const names[MMIO_GATE_NR] = {
		[MMIO_GATE_OK]		= "allowed",
		[MMIO_GATE_RAM]		= "RAM",
		[MMIO_GATE_LAPIC]	= "local APIC window",
		[MMIO_GATE_IOAPIC]	= "IOAPIC",
		[MMIO_GATE_HPET]	= "HPET",
		[MMIO_GATE_ECAM]	= "PCIe ECAM (MMCONFIG)",
		[MMIO_GATE_IOMMU]	= "IOMMU registers",
		[MMIO_GATE_FIRMWARE]	= "firmware-reserved region",
		[MMIO_GATE_EFI_RUNTIME]	= "EFI runtime region",
		[MMIO_GATE_PARTIAL_BAR]	= "partly overlaps a PCI BAR",
		[MMIO_GATE_NOT_ALLOWED]	= "not in an assigned BAR or the allow-list",
	};

	return why < MMIO_GATE_NR ? names[why] : "refused";
}

/**
 * mmio_gate_bar_too_small() - whether a BAR cannot be mapped on its own
 * @start:     its first byte
 * @len:       its length in bytes
 * @page_size: the mapping granule
 *
 * A BAR smaller than a page, or not on a page boundary, shares a frame
 * with something else: mapping its frame maps the neighbour too.
 *
 * Return: true if the BAR must not be assigned.
 */
bool mmio_gate_bar_too_small(u64 start, u64 len, u64 page_size)
{
	return len < page_size || (start & (page_size - 1)) ||
	       (len & (page_size - 1));
}
