/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSI-X of the host's devices in host mode: the frames of every MSI-X
 * table and PBA, and of the administrator's ranges of the read-only set,
 * are read-only to the host in the identity EPT. host_msix.c keeps the
 * set (host side: PCI bus notifier, read-only set changes, on and off);
 * host_mmio.c carries out the host's writes there (root mode).
 */
#ifndef _THINVMX_HOST_HOST_MSIX_H
#define _THINVMX_HOST_HOST_MSIX_H

#include <linux/types.h>

#include "host/host_cpu.h"

/* what a region is */
#define HMSIX_TABLE	0	/* a device's MSI-X table */
#define HMSIX_PBA	1	/* a device's pending-bit array */
#define HMSIX_ADMIN	2	/* an administrator's range: checked as a table */

/**
 * struct hmsix_region - a table, PBA or range, and the frames around it
 * @start:	first byte of the table, PBA or range
 * @end:	byte after its last
 * @map_pa:	first byte of the frames mapped at @va (@start's frame)
 * @map_len:	bytes mapped: whole frames up to @end's
 * @va:		those frames, mapped uncached for root mode's accesses
 *		(the kernel half of the page table is shared with root mode)
 * @kind:	HMSIX_*
 * @sbdf:	the device (0 for an administrator's range)
 * @ram:	@va is the direct map (RAM), not an ioremap()
 */
struct hmsix_region {
	u64 start;
	u64 end;
	u64 map_pa;
	u64 map_len;
	void __iomem *va;
	u32 kind;
	u32 sbdf;
	bool ram;
};

/**
 * struct hmsix_set - what root mode consults, published whole
 * @nr:		regions in @r
 * @nr_frames:	frames in @frames
 * @flags:	MSIX_VALID_* for the validator
 * @frames:	the frames read-only to the host, sorted, no duplicates
 * @r:		the regions; device regions before administrators' ones,
 *		so that a device's own table wins where both cover a byte
 */
struct hmsix_set {
	u32 nr;
	u32 nr_frames;
	u32 flags;
	u64 *frames;
	struct hmsix_region r[];
};

/* host_msix.c: the set root mode reads; changed only under tvx_host_lock */
extern struct hmsix_set *tvx_hmsix_current;

int tvx_host_msix_init(void);
void tvx_host_msix_exit(void);
int tvx_host_msix_start(void);
void tvx_host_msix_stop(void);

/* host_mmio.c */
int tvx_host_mmio_write(struct tvx_host_regs *r);

#endif /* _THINVMX_HOST_HOST_MSIX_H */
