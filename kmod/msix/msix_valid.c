// SPDX-License-Identifier: GPL-2.0
/*
 * The MSI-X entry validator (references 000/001 applied to the host):
 * pure logic, compiled into the module (called in host mode's root mode,
 * so: no state, no locks, no allocation) and into the host unit tests
 * (selftests/unit/test_msix_valid.c).
 *
 * The rule is about the entry the device will use, not about each write
 * taken alone. A device sends an entry's message only while the entry is
 * unmasked (PCI Local Bus 3.0, 6.8.3.4): a write that leaves the entry
 * masked may put anything into the address and data, and the check comes
 * when the entry is live, i.e. on the write that unmasks it or on a
 * write to an entry that stays unmasked. That is how Linux programs an
 * entry (mask, address low, address high, data, unmask: the intermediate
 * states, half old and half new, are never live) and why checking every
 * write alone would refuse correct drivers. The alternative of trusting
 * the mask bit the CPU wrote last without re-reading the device was
 * rejected: the caller passes the entry as the device holds it now.
 */
#include "msix_valid.h"

/**
 * msix_check_message() - whether an interrupt message may be sent
 * @addr_lo: message address, bits 31:0
 * @addr_hi: message address, bits 63:32
 * @data:    message data
 * @flags:   MSIX_VALID_*
 *
 * Compatibility format: the address inside the local APIC window with
 * bits 11:4 and 1:0 clear, the data's reserved bits clear, delivery mode
 * fixed or lowest priority, a vector from 16. With MSIX_VALID_REMAP (the
 * host's interrupt remapping is on) an address in the remappable format
 * (bit 4) is also accepted; its delivery mode and vector are then the
 * remapping table's, and only the reserved bits are checked here.
 *
 * Return: MSIX_OK, or why not (enum msix_verdict).
 */
enum msix_verdict msix_check_message(u32 addr_lo, u32 addr_hi, u32 data,
				     unsigned int flags)
{
	unsigned int dm;

	if (addr_hi || (addr_lo & MSIX_APIC_WINDOW_MASK) != MSIX_APIC_WINDOW)
		return MSIX_BAD_ADDRESS;
	if ((flags & MSIX_VALID_REMAP) && (addr_lo & MSIX_ADDR_REMAPPABLE)) {
		if (addr_lo & MSIX_ADDR_RSVD_REMAP)
			return MSIX_ADDR_RESERVED;
		return (data & GENMASK(31, 16)) ? MSIX_DATA_RESERVED : MSIX_OK;
	}
	if (addr_lo & MSIX_ADDR_RSVD_COMPAT)
		return MSIX_ADDR_RESERVED;
	if (data & MSIX_DATA_RSVD)
		return MSIX_DATA_RESERVED;
	dm = (data & MSIX_DATA_DM_MASK) >> MSIX_DATA_DM_SHIFT;
	if (dm != MSIX_DM_FIXED && dm != MSIX_DM_LOWPRI)
		return MSIX_BAD_DELIVERY;
	if ((data & MSIX_DATA_VECTOR_MASK) < MSIX_FIRST_VECTOR)
		return MSIX_BAD_VECTOR;
	return MSIX_OK;
}

/**
 * msix_check_write() - whether a CPU write to a table entry may land
 * @cur:   the entry as the device holds it now
 * @off:   offset of the write in the entry, 0-15
 * @size:  bytes written: 1, 2, 4 or 8
 * @val:   the value written (its low @size bytes count)
 * @flags: MSIX_VALID_*
 * @next:  set to the entry as it is after the write, also when refused
 *         (unchanged when the access itself is refused)
 *
 * Only aligned dword and qword writes are defined (6.8.3.1: anything else
 * has undefined results on the device), so nothing else is let through.
 * Vector-control bits 31:1 are reserved (or, on newer devices, a steering
 * tag the driver preserves): a write may keep them or clear them, never
 * set new ones. Then, if the entry is unmasked after the write, its
 * message must pass msix_check_message(); a masked entry's message is not
 * checked (see the top of the file).
 *
 * Return: MSIX_OK to write @val to the device, or why the write is
 * discarded (enum msix_verdict).
 */
enum msix_verdict msix_check_write(const struct msix_slot *cur,
				   unsigned int off, unsigned int size, u64 val,
				   unsigned int flags, struct msix_slot *next)
{
	u32 dw[4] = { cur->addr_lo, cur->addr_hi, cur->data, cur->ctrl };
	u32 old_rsvd = cur->ctrl & ~MSIX_CTRL_MASKED, new_rsvd;

	*next = *cur;
	if ((size != 4 && size != 8) || off >= MSIX_ENTRY_SIZE ||
	    off % size)
		return MSIX_BAD_ACCESS;
	dw[off / 4] = (u32)val;
	if (size == 8)
		dw[off / 4 + 1] = (u32)(val >> 32);
	next->addr_lo = dw[0];
	next->addr_hi = dw[1];
	next->data = dw[2];
	next->ctrl = dw[3];

	new_rsvd = next->ctrl & ~MSIX_CTRL_MASKED;
	if (new_rsvd && new_rsvd != old_rsvd)
		return MSIX_CTRL_RESERVED;
	if (next->ctrl & MSIX_CTRL_MASKED)
		return MSIX_OK;
	return msix_check_message(next->addr_lo, next->addr_hi, next->data,
				  flags);
}

/**
 * msix_verdict_name() - a verdict's name, for logs and tools
 * @v: enum msix_verdict
 *
 * Return: a constant string; "unknown" outside the enum.
 */
const char *msix_verdict_name(unsigned int v)
{
	static const char * const names[MSIX_VERDICT_MAX] = {
		[MSIX_OK]		= "ok",
		[MSIX_BAD_ACCESS]	= "not an aligned dword or qword",
		[MSIX_BAD_ADDRESS]	= "address outside the APIC window",
		[MSIX_ADDR_RESERVED]	= "reserved address bits",
		[MSIX_BAD_DELIVERY]	= "delivery mode",
		[MSIX_BAD_VECTOR]	= "vector below 16",
		[MSIX_DATA_RESERVED]	= "reserved data bits",
		[MSIX_CTRL_RESERVED]	= "reserved vector-control bits",
	};

	return v < MSIX_VERDICT_MAX ? names[v] : "unknown";
}
