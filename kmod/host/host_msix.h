/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSI-X of the host's devices in host mode: the frames of every MSI-X
 * table and PBA, and of the administrator's ranges of the read-only set,
 * are read-only to the host in the identity EPT. host_msix.c keeps the
 * set (host side: PCI bus notifier, read-only set changes, on and off)
 * and hands it to root mode (TVX_HC_SET_MSIX, host_call.c), which keeps
 * its own checked copy and maps the frames in a window of its own page
 * table; host_mmio.c carries out the host's writes there (root mode).
 */
#ifndef _THINVMX_HOST_HOST_MSIX_H
#define _THINVMX_HOST_HOST_MSIX_H

#include <linux/types.h>

#include "host/host_cpu.h"

/* what a region is */
#define HMSIX_TABLE	0	/* a device's MSI-X table */
#define HMSIX_PBA	1	/* a device's pending-bit array */
#define HMSIX_ADMIN	2	/* an administrator's range: checked as a table */

/* Root mode's window maps this many frames at most (as many as 16 MiB) */
#define TVX_HMSIX_FRAMES	4096
/* ... of this many regions (tables, PBAs and ranges) at most */
#define TVX_HMSIX_REGIONS	256

/**
 * struct hmsix_region - a table, PBA or range, and the frames around it
 * @start:	first byte of the table, PBA or range
 * @end:	byte after its last
 * @map_pa:	first byte of its frames (@start's frame)
 * @map_len:	bytes of whole frames up to @end's
 * @kind:	HMSIX_*
 * @sbdf:	the device (0 for an administrator's range)
 * @win:	root mode's copy: the first page of root mode's window its
 *		frames are mapped at (the host side's is 0, ignored)
 * @pad:	0
 *
 * The host side builds them; TVX_HC_SET_MSIX copies them into root mode,
 * checks them there and maps their frames in root mode's own window.
 */
struct hmsix_region {
	u64 start;
	u64 end;
	u64 map_pa;
	u64 map_len;
	u32 kind;
	u32 sbdf;
	u32 win;
	u32 pad;
};

/**
 * struct hmsix_set - the host side's set: what it asks root mode for
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

/**
 * struct tvx_host_msix - root mode's MSI-X set (in stolen pages)
 * @nr:		regions in @r
 * @flags:	MSIX_VALID_* for the validator
 * @nr_win:	window pages in use
 * @pad:	0
 * @r:		the regions root mode enforces; its window maps their frames
 * @stage:	where TVX_HC_SET_MSIX copies a request to check it, so that
 *		a refused one leaves @r as it was
 *
 * Written only by root mode under cfg->lock (natively before the first
 * CPU is taken in); the host side's struct hmsix_set is only what it
 * asked for.
 */
struct tvx_host_msix {
	u32 nr;
	u32 flags;
	u32 nr_win;
	u32 pad;
	struct hmsix_region r[TVX_HMSIX_REGIONS];
	struct hmsix_region stage[TVX_HMSIX_REGIONS];
};

/* host_msix.c: the host side's set; changed only under tvx_host_lock */
extern struct hmsix_set *tvx_hmsix_current;

int tvx_host_msix_init(void);
void tvx_host_msix_exit(void);
int tvx_host_msix_start(void);
void tvx_host_msix_stop(void);

/* host_mmio.c */
int tvx_host_mmio_write(struct tvx_host_regs *r);

#endif /* _THINVMX_HOST_HOST_MSIX_H */
