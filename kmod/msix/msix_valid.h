/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether a CPU write to an MSI-X table entry may reach the device: the
 * entry as it would be after the write, checked against what an x86
 * interrupt message may be. Pure logic (msix_valid.c), shared with the
 * host unit tests; host mode calls it from root mode.
 *
 * An entry (PCI Local Bus 3.0, 6.8.2.6-9) is four dwords: message
 * address low and high, message data, vector control. The message format
 * is Intel's (SDM Vol. 3, 11.11): address 0xFEE in bits 31:20, the
 * destination in 19:12, redirection hint and destination mode in 3:2;
 * data vector in 7:0, delivery mode in 10:8, level and trigger mode in
 * 14 and 15.
 */
#ifndef _THINVMX_MSIX_MSIX_VALID_H
#define _THINVMX_MSIX_MSIX_VALID_H

#include "../pure.h"

#define MSIX_ENTRY_SIZE		16
#define MSIX_ENTRY_ADDR_LO	0
#define MSIX_ENTRY_ADDR_HI	4
#define MSIX_ENTRY_DATA		8
#define MSIX_ENTRY_CTRL		12
#define MSIX_CTRL_MASKED	BIT(0)

/* the local APIC's interrupt window (SDM Vol. 3, 11.11.1) */
#define MSIX_APIC_WINDOW	0xfee00000U
#define MSIX_APIC_WINDOW_MASK	0xfff00000U

/* compatibility format: bits 11:4 and 1:0 reserved (bit 4: remappable) */
#define MSIX_ADDR_REMAPPABLE	BIT(4)
#define MSIX_ADDR_RSVD_COMPAT	(GENMASK(11, 4) | GENMASK(1, 0))
#define MSIX_ADDR_RSVD_REMAP	GENMASK(1, 0)

/* data: bits 31:16 and 13:11 reserved */
#define MSIX_DATA_RSVD		(GENMASK(31, 16) | GENMASK(13, 11))
#define MSIX_DATA_DM_SHIFT	8
#define MSIX_DATA_DM_MASK	GENMASK(10, 8)
#define MSIX_DATA_VECTOR_MASK	GENMASK(7, 0)
#define MSIX_DM_FIXED		0
#define MSIX_DM_LOWPRI		1
/* 2 SMI, 3 reserved, 4 NMI, 5 INIT, 6 reserved, 7 ExtINT: all refused */
#define MSIX_FIRST_VECTOR	0x10	/* 0-15 are illegal vectors (11.5.3) */

/* msix_check_write() flags */
#define MSIX_VALID_REMAP	BIT(0)	/* interrupt remapping is on */

/* What msix_check_write() decided; all but MSIX_OK discard the write. */
enum msix_verdict {
	MSIX_OK = 0,
	MSIX_BAD_ACCESS,	/* not an aligned dword or qword */
	MSIX_BAD_ADDRESS,	/* outside 0xFEE00000-0xFEEFFFFF */
	MSIX_ADDR_RESERVED,	/* a reserved address bit set */
	MSIX_BAD_DELIVERY,	/* SMI, NMI, INIT, ExtINT or a reserved mode */
	MSIX_BAD_VECTOR,	/* vector 0-15 */
	MSIX_DATA_RESERVED,	/* a reserved data bit set */
	MSIX_CTRL_RESERVED,	/* vector-control bits 31:1 newly set */
	MSIX_VERDICT_MAX,
};

/**
 * struct msix_slot - one MSI-X table entry (the kernel has a msix_entry)
 * @addr_lo:	message address, bits 31:0
 * @addr_hi:	message address, bits 63:32
 * @data:	message data
 * @ctrl:	vector control; bit 0 masks the entry
 */
struct msix_slot {
	u32 addr_lo;
	u32 addr_hi;
	u32 data;
	u32 ctrl;
};

enum msix_verdict msix_check_message(u32 addr_lo, u32 addr_hi, u32 data,
				     unsigned int flags);
enum msix_verdict msix_check_write(const struct msix_slot *cur,
				   unsigned int off, unsigned int size, u64 val,
				   unsigned int flags, struct msix_slot *next);
const char *msix_verdict_name(unsigned int v);

#endif /* _THINVMX_MSIX_MSIX_VALID_H */
