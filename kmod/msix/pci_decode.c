// SPDX-License-Identifier: GPL-2.0
/*
 * PCI BAR and MSI-X decoding: pure logic, compiled into the module and into
 * the host unit tests (selftests/unit/test_pci_decode.c).
 *
 * Everything is read from a copy of the configuration space, little-endian
 * byte by byte, so nothing here depends on how the caller got it.
 *
 * Where the rules come from (PCI Local Bus 3.0 and the PC Card standard):
 * the capability pointer is at 0x34 in type 0 (normal) and type 1 (bridge)
 * headers but at 0x14 in type 2 (CardBus) ones; a header type defined
 * nowhere has no known layout, so neither a capability list nor BARs are
 * looked for in it (Linux does the same). A normal header has six BARs, a
 * bridge two, a CardBus bridge one (its socket registers). A 64-bit memory
 * BAR takes the next BAR as its high half, which must then exist in the
 * same header.
 */
#include "pci_decode.h"

/* At most (256 - 0x40) / 4 capabilities fit: more steps mean a loop. */
#define PCI_DEC_CAP_TTL		((PCI_DEC_CAP_LIST_END - PCI_DEC_CAP_LIST_START) / 4)

static u16 pd_read16(const u8 *cfg, unsigned int off)
{
	return cfg[off] | cfg[off + 1] << 8;
}

static u32 pd_read32(const u8 *cfg, unsigned int off)
{
	return (u32)pd_read16(cfg, off) | (u32)pd_read16(cfg, off + 2) << 16;
}

static u8 pd_header_type(const u8 *cfg)
{
	return cfg[PCI_DEC_HEADER_TYPE] & PCI_DEC_HEADER_TYPE_MASK;
}

static unsigned int pd_nr_bars(const u8 *cfg)
{
	switch (pd_header_type(cfg)) {
	case PCI_DEC_HEADER_NORMAL:
		return 6;
	case PCI_DEC_HEADER_BRIDGE:
		return 2;
	case PCI_DEC_HEADER_CARDBUS:
		return 1;
	default:
		return 0;
	}
}

/**
 * pci_decode_find_cap() - find a capability in the capability list
 * @cfg:	configuration space
 * @len:	bytes in @cfg, at least PCI_DEC_CFG_SIZE
 * @id:		capability ID
 *
 * Walks the list the status register announces. The two low bits of each
 * pointer are reserved and ignored; a pointer of 0 ends the list.
 *
 * Return: the offset of the first capability @id; -ENOENT when there is
 * none (no list, an unknown header type, or @id not in the list); -EINVAL
 * for a short @cfg or a pointer into the header (below 0x40); -ELOOP for a
 * list that never ends.
 */
int pci_decode_find_cap(const u8 *cfg, size_t len, u8 id)
{
	unsigned int ttl = PCI_DEC_CAP_TTL, pos;

	if (len < PCI_DEC_CFG_SIZE)
		return -EINVAL;
	if (!(pd_read16(cfg, PCI_DEC_STATUS) & PCI_DEC_STATUS_CAP_LIST))
		return -ENOENT;

	switch (pd_header_type(cfg)) {
	case PCI_DEC_HEADER_NORMAL:
	case PCI_DEC_HEADER_BRIDGE:
		pos = cfg[PCI_DEC_CAP_PTR];
		break;
	case PCI_DEC_HEADER_CARDBUS:
		pos = cfg[PCI_DEC_CB_CAP_PTR];
		break;
	default:
		return -ENOENT;
	}

	/* pos & ~3 <= 0xfc: the ID and next bytes are always inside @cfg */
	for (pos &= ~3U; pos; pos = cfg[pos + 1] & ~3U) {
		if (pos < PCI_DEC_CAP_LIST_START)
			return -EINVAL;
		if (!ttl--)
			return -ELOOP;
		if (cfg[pos] == id)
			return pos;
	}
	return -ENOENT;
}

/**
 * pci_decode_mem_bar() - the memory address a BAR decodes
 * @cfg:	configuration space, at least the 64-byte header
 * @bir:	BAR index, 0-5 (6 and 7 are reserved in MSI-X BIR fields)
 * @addr:	the BAR's address, set only on success
 *
 * Return: PCI_DEC_BAR_OK, or why the BAR has no usable memory address
 * (enum pci_dec_bar_error).
 */
enum pci_dec_bar_error pci_decode_mem_bar(const u8 *cfg, u8 bir, u64 *addr)
{
	unsigned int nr = pd_nr_bars(cfg);
	u32 lo;
	u64 a;

	if (bir >= PCI_DEC_MSIX_BIR_RESERVED)
		return PCI_DEC_BAR_RESERVED_BIR;
	if (bir >= nr)
		return PCI_DEC_BAR_NOT_IN_HEADER;

	lo = pd_read32(cfg, PCI_DEC_BAR0 + 4 * bir);
	if (lo & PCI_DEC_BAR_IO)
		return PCI_DEC_BAR_IS_IO;
	a = lo & PCI_DEC_BAR_MEM_ADDR_MASK;
	switch (lo & PCI_DEC_BAR_MEM_TYPE_MASK) {
	case PCI_DEC_BAR_MEM_TYPE_32:
	case PCI_DEC_BAR_MEM_TYPE_1M:
		break;
	case PCI_DEC_BAR_MEM_TYPE_64:
		if (bir + 1U >= nr)
			return PCI_DEC_BAR_64_IN_LAST_SLOT;
		a |= (u64)pd_read32(cfg, PCI_DEC_BAR0 + 4 * (bir + 1)) << 32;
		break;
	default:
		return PCI_DEC_BAR_BAD_TYPE;
	}
	if (!a)
		return PCI_DEC_BAR_UNASSIGNED;
	*addr = a;
	return PCI_DEC_BAR_OK;
}

/*
 * The frames of @size bytes at @offset in BAR @bir. On failure, name the
 * BAR and the reason in @out.
 */
static int pd_extent(const u8 *cfg, u8 bir, u32 offset, u32 size,
		     struct pci_msix_info *out, u64 *bar, u64 *first, u64 *last)
{
	enum pci_dec_bar_error err = pci_decode_mem_bar(cfg, bir, bar);
	u64 start;

	/* size >= 8: the last byte is at start + size - 1, checked for wrap */
	if (!err && *bar > U64_MAX - offset - (size - 1))
		err = PCI_DEC_BAR_WRAPS;
	if (err) {
		out->bad_bar = bir;
		out->bar_error = err;
		return -EINVAL;
	}
	start = *bar + offset;
	*first = start >> PCI_DEC_FRAME_SHIFT;
	*last = (start + size - 1) >> PCI_DEC_FRAME_SHIFT;
	return 0;
}

/**
 * pci_msix_decode() - where a function's MSI-X table and PBA are
 * @cfg:	configuration space
 * @len:	bytes in @cfg, at least PCI_DEC_CFG_SIZE (256 or 4096)
 * @out:	the result; zeroed first. On a BAR error the fields decoded
 *		before it (capability, entries, BIRs, offsets) stay filled
 *		and @out->bad_bar / @out->bar_error say which BAR and why.
 *
 * The table spans nr_entries * 16 bytes, the PBA one bit per entry in
 * 64-bit words: DIV_ROUND_UP(nr_entries, 64) * 8 bytes. Either may cross
 * a frame boundary; both may lie in one frame.
 *
 * Return: 0; -ENOENT (no MSI-X capability), -ELOOP (a looping capability
 * list), -EINVAL (short @cfg, a malformed capability list, an MSI-X
 * capability too close to the end of the list area, or a BAR that does
 * not decode).
 */
int pci_msix_decode(const u8 *cfg, size_t len, struct pci_msix_info *out)
{
	u32 table, pba;
	int pos, err;

	memset(out, 0, sizeof(*out));
	out->bad_bar = PCI_DEC_NO_BAD_BAR;

	pos = pci_decode_find_cap(cfg, len, PCI_DEC_CAP_ID_MSIX);
	if (pos < 0)
		return pos;
	if (pos > PCI_DEC_CAP_LIST_END - PCI_DEC_MSIX_CAP_SIZE)
		return -EINVAL;

	out->cap = pos;
	out->nr_entries = (pd_read16(cfg, pos + PCI_DEC_MSIX_CTRL) &
			   PCI_DEC_MSIX_CTRL_SIZE_MASK) + 1;
	table = pd_read32(cfg, pos + PCI_DEC_MSIX_TABLE);
	pba = pd_read32(cfg, pos + PCI_DEC_MSIX_PBA);
	out->table_bir = table & PCI_DEC_MSIX_BIR_MASK;
	out->table_offset = table & ~PCI_DEC_MSIX_BIR_MASK;
	out->pba_bir = pba & PCI_DEC_MSIX_BIR_MASK;
	out->pba_offset = pba & ~PCI_DEC_MSIX_BIR_MASK;

	err = pd_extent(cfg, out->table_bir, out->table_offset,
			out->nr_entries * PCI_DEC_MSIX_ENTRY_SIZE, out,
			&out->table_bar_addr, &out->table_first_frame,
			&out->table_last_frame);
	if (err)
		return err;
	return pd_extent(cfg, out->pba_bir, out->pba_offset,
			 DIV_ROUND_UP(out->nr_entries, 64) * 8, out,
			 &out->pba_bar_addr, &out->pba_first_frame,
			 &out->pba_last_frame);
}

/**
 * pci_decode_bar_error_name() - a short name for an enum pci_dec_bar_error
 * @err:	the error
 *
 * Return: a constant string; "unknown" for a value out of range.
 */
const char *pci_decode_bar_error_name(unsigned int err)
{
	static const char * const names[] = {
		[PCI_DEC_BAR_OK]		= "ok",
		[PCI_DEC_BAR_RESERVED_BIR]	= "reserved BIR",
		[PCI_DEC_BAR_NOT_IN_HEADER]	= "no such BAR in this header type",
		[PCI_DEC_BAR_IS_IO]		= "I/O BAR",
		[PCI_DEC_BAR_BAD_TYPE]		= "reserved memory BAR type",
		[PCI_DEC_BAR_64_IN_LAST_SLOT]	= "64-bit BAR in the last slot",
		[PCI_DEC_BAR_UNASSIGNED]	= "unassigned BAR",
		[PCI_DEC_BAR_WRAPS]		= "range wraps past 2^64",
	};

	return err < ARRAY_SIZE(names) ? names[err] : "unknown";
}
