/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From a PCI function's configuration space to the host frames of its
 * MSI-X table and pending-bit array (PBA): capability list walk, BAR
 * decoding by header type, table and PBA extents. Pure logic
 * (pci_decode.c), shared with the host unit tests; the caller reads the
 * configuration space.
 *
 * The constants carry a PCI_DEC_ prefix so that this header can sit next
 * to <linux/pci.h> (whose names they would otherwise shadow).
 */
#ifndef _THINVMX_MSIX_PCI_DECODE_H
#define _THINVMX_MSIX_PCI_DECODE_H

#include "../pure.h"

/* configuration space header (PCI Local Bus 3.0, 6.1) */
#define PCI_DEC_STATUS			0x06	/* 16 bits */
#define PCI_DEC_STATUS_CAP_LIST		BIT(4)
#define PCI_DEC_HEADER_TYPE		0x0e	/* bit 7: multi-function */
#define PCI_DEC_HEADER_TYPE_MASK	0x7f
#define PCI_DEC_HEADER_NORMAL		0
#define PCI_DEC_HEADER_BRIDGE		1
#define PCI_DEC_HEADER_CARDBUS		2
#define PCI_DEC_BAR0			0x10	/* BAR n at 0x10 + 4 * n */
#define PCI_DEC_CAP_PTR			0x34	/* normal and bridge headers */
#define PCI_DEC_CB_CAP_PTR		0x14	/* CardBus header */

/* BAR low dword */
#define PCI_DEC_BAR_IO			BIT(0)
#define PCI_DEC_BAR_MEM_TYPE_MASK	(BIT(2) | BIT(1))
#define PCI_DEC_BAR_MEM_TYPE_32		0
#define PCI_DEC_BAR_MEM_TYPE_1M		BIT(1)	/* below 1 MiB, legacy */
#define PCI_DEC_BAR_MEM_TYPE_64		BIT(2)
#define PCI_DEC_BAR_MEM_ADDR_MASK	(~0xfULL)

/* capability list: 8-bit ID, 8-bit next pointer, body */
#define PCI_DEC_CAP_LIST_START		0x40	/* pointers below are invalid */
#define PCI_DEC_CAP_LIST_END		0x100	/* the list is in the first 256 bytes */
#define PCI_DEC_CAP_ID_MSIX		0x11

/* the MSI-X capability (PCI Local Bus 3.0, 6.8.2) */
#define PCI_DEC_MSIX_CTRL		2	/* 16 bits */
#define PCI_DEC_MSIX_CTRL_SIZE_MASK	0x7ff	/* table size - 1 */
#define PCI_DEC_MSIX_TABLE		4	/* offset | BIR */
#define PCI_DEC_MSIX_PBA		8	/* offset | BIR */
#define PCI_DEC_MSIX_BIR_MASK		0x7U
#define PCI_DEC_MSIX_CAP_SIZE		12
#define PCI_DEC_MSIX_ENTRY_SIZE		16
#define PCI_DEC_MSIX_MAX_ENTRIES	2048
#define PCI_DEC_MSIX_BIR_RESERVED	6	/* BIRs 6 and 7 name no BAR */

#define PCI_DEC_CFG_SIZE		256	/* conventional; PCIe has 4096 */
#define PCI_DEC_FRAME_SHIFT		12

/* Why a BAR named by a BIR has no usable memory address. */
enum pci_dec_bar_error {
	PCI_DEC_BAR_OK = 0,
	PCI_DEC_BAR_RESERVED_BIR,	/* BIR 6 or 7 */
	PCI_DEC_BAR_NOT_IN_HEADER,	/* beyond this header type's BARs */
	PCI_DEC_BAR_IS_IO,		/* an I/O BAR has no memory address */
	PCI_DEC_BAR_BAD_TYPE,		/* memory type 11b, reserved */
	PCI_DEC_BAR_64_IN_LAST_SLOT,	/* no next BAR for the high half */
	PCI_DEC_BAR_UNASSIGNED,		/* address 0 */
	PCI_DEC_BAR_WRAPS,		/* address + offset + size passes 2^64 */
};

/* No BAR to blame: the value of pci_msix_info.bad_bar then. */
#define PCI_DEC_NO_BAD_BAR		0xff

/**
 * struct pci_msix_info - a function's MSI-X table and PBA
 * @nr_entries:		table entries, 1 to 2048
 * @cap:		offset of the MSI-X capability in configuration space
 * @table_bir:		BAR holding the table
 * @pba_bir:		BAR holding the PBA
 * @bad_bar:		the BIR that failed to decode, or PCI_DEC_NO_BAD_BAR
 * @bar_error:		why @bad_bar failed (enum pci_dec_bar_error)
 * @table_offset:	table offset in its BAR (8-byte aligned)
 * @pba_offset:		PBA offset in its BAR (8-byte aligned)
 * @table_bar_addr:	address of @table_bir's BAR
 * @pba_bar_addr:	address of @pba_bir's BAR
 * @table_first_frame:	first host frame of the table
 * @table_last_frame:	last host frame of the table (inclusive)
 * @pba_first_frame:	first host frame of the PBA
 * @pba_last_frame:	last host frame of the PBA (inclusive)
 *
 * The table and the PBA may share a frame; each is registered as its own
 * user of the read-only set (rangeset.h), which counts them.
 */
struct pci_msix_info {
	u16 nr_entries;
	u8 cap;
	u8 table_bir;
	u8 pba_bir;
	u8 bad_bar;
	u8 bar_error;
	u32 table_offset;
	u32 pba_offset;
	u64 table_bar_addr;
	u64 pba_bar_addr;
	u64 table_first_frame;
	u64 table_last_frame;
	u64 pba_first_frame;
	u64 pba_last_frame;
};

int pci_decode_find_cap(const u8 *cfg, size_t len, u8 id);
enum pci_dec_bar_error pci_decode_mem_bar(const u8 *cfg, u8 bir, u64 *addr);
int pci_msix_decode(const u8 *cfg, size_t len, struct pci_msix_info *out);
const char *pci_decode_bar_error_name(unsigned int err);

#endif /* _THINVMX_MSIX_PCI_DECODE_H */
