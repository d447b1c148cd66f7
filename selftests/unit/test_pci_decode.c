// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of PCI capability, BAR and MSI-X decoding
 * (kmod/msix/pci_decode.c), compiled from the module's own source file,
 * against configuration spaces built here.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/msix/pci_decode.c"

#define PG		0x1000ULL

static u8 cfg[4096];
static struct pci_msix_info info;

static void put16(unsigned int off, u16 v)
{
	cfg[off] = v;
	cfg[off + 1] = v >> 8;
}

static void put32(unsigned int off, u32 v)
{
	put16(off, v);
	put16(off + 2, v >> 16);
}

/* An empty function of @type (0x80 may mark it multi-function). */
static void blank(u8 type)
{
	memset(cfg, 0, sizeof(cfg));
	put16(0x00, 0x8086);
	put16(0x02, 0x1234);
	cfg[PCI_DEC_HEADER_TYPE] = type;
}

static void cap_list(u8 first)
{
	put16(PCI_DEC_STATUS, PCI_DEC_STATUS_CAP_LIST | 0x0010);
	if ((cfg[PCI_DEC_HEADER_TYPE] & 0x7f) == PCI_DEC_HEADER_CARDBUS)
		cfg[PCI_DEC_CB_CAP_PTR] = first;
	else
		cfg[PCI_DEC_CAP_PTR] = first;
}

static void cap(u8 pos, u8 id, u8 next)
{
	cfg[pos] = id;
	cfg[pos + 1] = next;
}

/* An MSI-X capability, enabled and masked: those bits must not matter. */
static void msix(u8 pos, u8 next, unsigned int n, u8 tbir, u32 toff, u8 pbir,
		 u32 poff)
{
	cap(pos, PCI_DEC_CAP_ID_MSIX, next);
	put16(pos + PCI_DEC_MSIX_CTRL, 0xc000 | (n - 1));
	put32(pos + PCI_DEC_MSIX_TABLE, toff | tbir);
	put32(pos + PCI_DEC_MSIX_PBA, poff | pbir);
}

static void bar32(u8 bir, u32 addr)
{
	put32(PCI_DEC_BAR0 + 4 * bir, addr);
}

/* a prefetchable 64-bit memory BAR in slots @bir and @bir + 1 */
static void bar64(u8 bir, u64 addr)
{
	put32(PCI_DEC_BAR0 + 4 * bir, (u32)addr | PCI_DEC_BAR_MEM_TYPE_64 | BIT(3));
	put32(PCI_DEC_BAR0 + 4 * (bir + 1), addr >> 32);
}

/*
 * A typical normal function: PM at 0x40, MSI at 0x50, MSI-X at 0x70;
 * BAR0 32-bit at 0xfebf0000, BAR2/3 64-bit at 0x38_0000_0000, BAR4 I/O.
 */
static void nic(unsigned int n, u8 tbir, u32 toff, u8 pbir, u32 poff)
{
	blank(PCI_DEC_HEADER_NORMAL);
	cap_list(0x40);
	cap(0x40, 0x01, 0x50);
	cap(0x50, 0x05, 0x70);
	msix(0x70, 0x00, n, tbir, toff, pbir, poff);
	bar32(0, 0xfebf0000);
	bar64(2, 0x3800000000ULL);
	bar32(4, 0xe001);
}

static int decode(void)
{
	return pci_msix_decode(cfg, 256, &info);
}

static void assert_bad_bar(u8 bir, enum pci_dec_bar_error why)
{
	assert_int_equal(bir, info.bad_bar);
	assert_int_equal(why, info.bar_error);
}

static enum pci_dec_bar_error bar(u8 bir, u64 *addr)
{
	*addr = 0xdead;
	return pci_decode_mem_bar(cfg, bir, addr);
}

static void test_find_cap_walks_the_list(void **state)
{
	(void)state;
	nic(8, 0, 0, 0, 0x800);
	assert_int_equal(0x40, pci_decode_find_cap(cfg, 256, 0x01));
	assert_int_equal(0x50, pci_decode_find_cap(cfg, 256, 0x05));
	assert_int_equal(0x70, pci_decode_find_cap(cfg, 256, PCI_DEC_CAP_ID_MSIX));
	assert_int_equal(-ENOENT, pci_decode_find_cap(cfg, 256, 0x10));
	assert_int_equal(0x70, pci_decode_find_cap(cfg, 4096, PCI_DEC_CAP_ID_MSIX));
	/* configuration space shorter than the conventional 256 bytes */
	assert_int_equal(-EINVAL, pci_decode_find_cap(cfg, 255, 0x01));
	assert_int_equal(-EINVAL, pci_msix_decode(cfg, 64, &info));
}

static void test_reserved_pointer_bits_ignored(void **state)
{
	(void)state;
	nic(8, 0, 0, 0, 0x800);
	cfg[PCI_DEC_CAP_PTR] = 0x43;
	cfg[0x41] = 0x52;
	assert_int_equal(0x70, pci_decode_find_cap(cfg, 256, PCI_DEC_CAP_ID_MSIX));
}

static void test_no_capability_list(void **state)
{
	(void)state;
	nic(8, 0, 0, 0, 0x800);
	put16(PCI_DEC_STATUS, 0);	/* the pointer is there, the bit is not */
	assert_int_equal(-ENOENT, pci_decode_find_cap(cfg, 256, 0x01));
	assert_int_equal(-ENOENT, decode());
	assert_int_equal(PCI_DEC_NO_BAD_BAR, info.bad_bar);

	/* a list without MSI-X */
	nic(8, 0, 0, 0, 0x800);
	cfg[0x51] = 0;
	assert_int_equal(-ENOENT, decode());
	/* an empty list */
	cfg[PCI_DEC_CAP_PTR] = 0;
	assert_int_equal(-ENOENT, decode());
}

static void test_capability_list_loops(void **state)
{
	(void)state;
	nic(8, 0, 0, 0, 0x800);
	cfg[0x51] = 0x40;		/* 0x40 -> 0x50 -> 0x40 ... */
	assert_int_equal(-ELOOP, pci_decode_find_cap(cfg, 256, PCI_DEC_CAP_ID_MSIX));
	assert_int_equal(-ELOOP, decode());
	/* still found when it comes before the loop */
	assert_int_equal(0x50, pci_decode_find_cap(cfg, 256, 0x05));

	cfg[0x41] = 0x40;		/* a capability pointing at itself */
	assert_int_equal(-ELOOP, decode());

	/* 48 distinct capabilities fit (0x40-0xfc), the last found */
	blank(PCI_DEC_HEADER_NORMAL);
	cap_list(0x40);
	for (unsigned int pos = 0x40; pos < 0xfc; pos += 4)
		cap(pos, 0x09, pos + 4);
	cap(0xfc, 0x0a, 0);
	assert_int_equal(0xfc, pci_decode_find_cap(cfg, 256, 0x0a));
}

static void test_pointer_into_the_header(void **state)
{
	(void)state;
	nic(8, 0, 0, 0, 0x800);
	cfg[PCI_DEC_CAP_PTR] = 0x3c;
	assert_int_equal(-EINVAL, decode());
	nic(8, 0, 0, 0, 0x800);
	cfg[0x51] = 0x10;
	assert_int_equal(-EINVAL, decode());
	cfg[0x51] = 0x03;		/* reserved bits only: the end */
	assert_int_equal(-ENOENT, decode());
}

/* The MSI-X capability needs 12 bytes below 0x100. */
static void test_msix_capability_at_the_end(void **state)
{
	(void)state;
	nic(8, 0, 0, 0, 0x800);
	cfg[0x51] = 0xf8;
	msix(0xf8, 0, 8, 0, 0, 0, 0x800);
	assert_int_equal(-EINVAL, pci_msix_decode(cfg, 4096, &info));
	cfg[0x51] = 0xf4;
	msix(0xf4, 0, 8, 0, 0, 0, 0x800);
	assert_int_equal(0, pci_msix_decode(cfg, 4096, &info));
	assert_int_equal(0xf4, info.cap);
}

static void test_normal_header_six_bars(void **state)
{
	u64 a;
	u8 bir;

	(void)state;
	blank(PCI_DEC_HEADER_NORMAL | 0x80);	/* multi-function */
	for (bir = 0; bir < 6; bir++)
		bar32(bir, 0xf0000000 + (bir << 20));
	for (bir = 0; bir < 6; bir++) {
		assert_int_equal(PCI_DEC_BAR_OK, bar(bir, &a));
		assert_int_equal(0xf0000000 + (bir << 20), a);
	}
	assert_int_equal(PCI_DEC_BAR_RESERVED_BIR, bar(6, &a));
	assert_int_equal(PCI_DEC_BAR_RESERVED_BIR, bar(7, &a));
	assert_int_equal(0xdead, a);
}

static void test_bridge_header_two_bars(void **state)
{
	u64 a;

	(void)state;
	blank(PCI_DEC_HEADER_BRIDGE);
	bar32(0, 0xfe000000);
	bar32(1, 0xfe100000);
	put32(PCI_DEC_BAR0 + 8, 0x00010100);	/* bus numbers, not a BAR */
	assert_int_equal(PCI_DEC_BAR_OK, bar(0, &a));
	assert_int_equal(0xfe000000, a);
	assert_int_equal(PCI_DEC_BAR_OK, bar(1, &a));
	assert_int_equal(0xfe100000, a);
	assert_int_equal(PCI_DEC_BAR_NOT_IN_HEADER, bar(2, &a));
	assert_int_equal(PCI_DEC_BAR_NOT_IN_HEADER, bar(5, &a));

	/* MSI-X on a bridge (PCIe ports have it) */
	cap_list(0x40);
	msix(0x40, 0, 2, 1, 0x0, 1, 0x100);
	assert_int_equal(0, decode());
	assert_int_equal(0xfe100, info.table_first_frame);
	assert_int_equal(0xfe100, info.pba_last_frame);
	/* ... naming a BAR the bridge does not have */
	msix(0x40, 0, 2, 2, 0x0, 1, 0x100);
	assert_int_equal(-EINVAL, decode());
	assert_bad_bar(2, PCI_DEC_BAR_NOT_IN_HEADER);
}

static void test_cardbus_header_one_bar(void **state)
{
	u64 a;

	(void)state;
	blank(PCI_DEC_HEADER_CARDBUS);
	bar32(0, 0xfd000000);			/* the socket registers */
	bar32(1, 0xfd100000);	/* not a BAR: the capability pointer is here */
	assert_int_equal(PCI_DEC_BAR_OK, bar(0, &a));
	assert_int_equal(0xfd000000, a);
	assert_int_equal(PCI_DEC_BAR_NOT_IN_HEADER, bar(1, &a));

	/* the capability pointer is at 0x14, not at 0x34 */
	cap_list(0x80);
	msix(0x80, 0, 1, 0, 0x0, 0, 0x800);
	cfg[PCI_DEC_CAP_PTR] = 0x40;		/* ignored */
	assert_int_equal(0, decode());
	assert_int_equal(0x80, info.cap);
	assert_int_equal(0xfd000, info.table_first_frame);
	msix(0x80, 0, 1, 1, 0x0, 0, 0x800);
	assert_int_equal(-EINVAL, decode());
	assert_bad_bar(1, PCI_DEC_BAR_NOT_IN_HEADER);
}

static void test_unknown_header_types(void **state)
{
	static const u8 types[] = { 3, 0x7f, 0x83 };
	unsigned int i;
	u64 a;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		nic(8, 0, 0, 0, 0x800);
		cfg[PCI_DEC_HEADER_TYPE] = types[i];
		assert_int_equal(PCI_DEC_BAR_NOT_IN_HEADER, bar(0, &a));
		/* no known layout: no capability list to walk either */
		assert_int_equal(-ENOENT, decode());
	}
}

static void test_memory_bar_kinds(void **state)
{
	u64 a;

	(void)state;
	blank(PCI_DEC_HEADER_NORMAL);
	bar32(0, 0xfebf0000 | BIT(3));		/* 32-bit prefetchable */
	bar32(1, 0x000d0000 | PCI_DEC_BAR_MEM_TYPE_1M);
	bar64(2, 0x123456789abcd000ULL);
	bar32(4, 0xe001);			/* I/O */
	bar32(5, 0xfe000000 | (3U << 1));	/* memory type 11b */

	assert_int_equal(PCI_DEC_BAR_OK, bar(0, &a));
	assert_int_equal(0xfebf0000, a);
	assert_int_equal(PCI_DEC_BAR_OK, bar(1, &a));
	assert_int_equal(0x000d0000, a);
	assert_int_equal(PCI_DEC_BAR_OK, bar(2, &a));
	assert_int_equal(0x123456789abcd000ULL, a);
	assert_int_equal(PCI_DEC_BAR_IS_IO, bar(4, &a));
	assert_int_equal(PCI_DEC_BAR_BAD_TYPE, bar(5, &a));

	/* a 64-bit BAR may be all in its high half */
	bar64(2, 0x100000000ULL);
	assert_int_equal(PCI_DEC_BAR_OK, bar(2, &a));
	assert_int_equal(0x100000000ULL, a);
}

static void test_unassigned_bars(void **state)
{
	u64 a;

	(void)state;
	blank(PCI_DEC_HEADER_NORMAL);
	assert_int_equal(PCI_DEC_BAR_UNASSIGNED, bar(0, &a));
	bar32(0, BIT(3) | 0x0);			/* flags, no address */
	assert_int_equal(PCI_DEC_BAR_UNASSIGNED, bar(0, &a));
	bar64(2, 0);
	assert_int_equal(PCI_DEC_BAR_UNASSIGNED, bar(2, &a));
	assert_int_equal(0xdead, a);
}

static void test_64bit_bar_in_the_last_slot(void **state)
{
	u64 a;

	(void)state;
	blank(PCI_DEC_HEADER_NORMAL);
	bar32(5, 0xf0000000 | PCI_DEC_BAR_MEM_TYPE_64);
	assert_int_equal(PCI_DEC_BAR_64_IN_LAST_SLOT, bar(5, &a));
	bar64(4, 0xf0000000);
	assert_int_equal(PCI_DEC_BAR_OK, bar(4, &a));

	blank(PCI_DEC_HEADER_BRIDGE);
	bar32(1, 0xf0000000 | PCI_DEC_BAR_MEM_TYPE_64);
	assert_int_equal(PCI_DEC_BAR_64_IN_LAST_SLOT, bar(1, &a));
	bar64(0, 0x4000000000ULL);
	assert_int_equal(PCI_DEC_BAR_OK, bar(0, &a));
	assert_int_equal(0x4000000000ULL, a);

	blank(PCI_DEC_HEADER_CARDBUS);
	bar32(0, 0xf0000000 | PCI_DEC_BAR_MEM_TYPE_64);
	assert_int_equal(PCI_DEC_BAR_64_IN_LAST_SLOT, bar(0, &a));

	nic(8, 5, 0, 0, 0x800);
	bar32(5, 0xf0000000 | PCI_DEC_BAR_MEM_TYPE_64);
	assert_int_equal(-EINVAL, decode());
	assert_bad_bar(5, PCI_DEC_BAR_64_IN_LAST_SLOT);
}

static void test_reserved_birs(void **state)
{
	(void)state;
	nic(8, 6, 0, 0, 0x800);
	assert_int_equal(-EINVAL, decode());
	assert_bad_bar(6, PCI_DEC_BAR_RESERVED_BIR);
	nic(8, 0, 0, 7, 0x800);
	assert_int_equal(-EINVAL, decode());
	assert_bad_bar(7, PCI_DEC_BAR_RESERVED_BIR);
}

static void test_bad_pba_bar_after_good_table(void **state)
{
	(void)state;
	nic(8, 0, 0x2000, 4, 0x800);		/* PBA in the I/O BAR */
	assert_int_equal(-EINVAL, decode());
	assert_bad_bar(4, PCI_DEC_BAR_IS_IO);
	/* what was decoded before stays for the error message */
	assert_int_equal(0x70, info.cap);
	assert_int_equal(8, info.nr_entries);
	assert_int_equal(0, info.table_bir);
	assert_int_equal(0x2000, info.table_offset);
	assert_int_equal(4, info.pba_bir);
	assert_int_equal(0x800, info.pba_offset);
	assert_int_equal(0xfebf0000, info.table_bar_addr);
	assert_int_equal(0xfebf2, info.table_first_frame);
}

static void test_table_and_pba_in_different_bars(void **state)
{
	(void)state;
	nic(64, 0, 0x2000, 2, 0x3000);
	assert_int_equal(0, decode());
	assert_int_equal(PCI_DEC_NO_BAD_BAR, info.bad_bar);
	assert_int_equal(PCI_DEC_BAR_OK, info.bar_error);
	assert_int_equal(64, info.nr_entries);
	assert_int_equal(0, info.table_bir);
	assert_int_equal(0x2000, info.table_offset);
	assert_int_equal(2, info.pba_bir);
	assert_int_equal(0x3000, info.pba_offset);
	assert_int_equal(0xfebf0000, info.table_bar_addr);
	assert_int_equal(0x3800000000ULL, info.pba_bar_addr);
	/* 64 * 16 = 1 KiB of table, 8 bytes of PBA */
	assert_int_equal(0xfebf2, info.table_first_frame);
	assert_int_equal(0xfebf2, info.table_last_frame);
	assert_int_equal(0x3800003, info.pba_first_frame);
	assert_int_equal(0x3800003, info.pba_last_frame);
}

static void test_table_crossing_frames(void **state)
{
	(void)state;
	/* 8 entries = 128 bytes from 0xfc0: two frames */
	nic(8, 2, 0xfc0, 2, 0x2000);
	assert_int_equal(0, decode());
	assert_int_equal(0x3800000, info.table_first_frame);
	assert_int_equal(0x3800001, info.table_last_frame);
	/* ... ending exactly at the end of the frame: one */
	nic(4, 2, 0xfc0, 2, 0x2000);
	assert_int_equal(0, decode());
	assert_int_equal(0x3800000, info.table_first_frame);
	assert_int_equal(0x3800000, info.table_last_frame);
	/* 2048 entries = 32 KiB: eight frames */
	nic(2048, 2, 0x8000, 2, 0x10000);
	assert_int_equal(0, decode());
	assert_int_equal(2048, info.nr_entries);
	assert_int_equal(0x3800008, info.table_first_frame);
	assert_int_equal(0x380000f, info.table_last_frame);
}

/* The PBA of N entries is DIV_ROUND_UP(N, 64) 64-bit words. */
static void test_pba_sizes(void **state)
{
	static const struct {
		unsigned int n;
		u32 bytes;
	} t[] = { { 1, 8 }, { 64, 8 }, { 65, 16 }, { 128, 16 },
		  { 129, 24 }, { 2048, 256 } };
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		/* ending on the last byte of a frame: one frame */
		nic(t[i].n, 2, 0, 0, 0x2000 - t[i].bytes);
		assert_int_equal(0, decode());
		assert_int_equal(t[i].n, info.nr_entries);
		assert_int_equal(0xfebf1, info.pba_first_frame);
		assert_int_equal(0xfebf1, info.pba_last_frame);
		/* eight bytes further: the last word is in the next frame */
		nic(t[i].n, 2, 0, 0, 0x2000 - t[i].bytes + 8);
		assert_int_equal(0, decode());
		assert_int_equal(0xfebf2, info.pba_last_frame);
	}
}

/* Both in one frame: the same frame twice, for the rangeset to count. */
static void test_table_and_pba_in_one_frame(void **state)
{
	(void)state;
	nic(4, 0, 0x0, 0, 0x800);
	assert_int_equal(0, decode());
	assert_int_equal(0xfebf0, info.table_first_frame);
	assert_int_equal(0xfebf0, info.table_last_frame);
	assert_int_equal(0xfebf0, info.pba_first_frame);
	assert_int_equal(0xfebf0, info.pba_last_frame);
	assert_int_equal(info.table_bar_addr, info.pba_bar_addr);
}

static void test_range_wrapping_past_2_64(void **state)
{
	(void)state;
	/* 256 entries = 4 KiB ending on the very last byte: fine */
	nic(256, 2, 0, 2, 0x800);
	bar64(2, 0xfffffffffffff000ULL);
	assert_int_equal(0, decode());
	assert_int_equal(0xfffffffffffffULL, info.table_first_frame);
	assert_int_equal(0xfffffffffffffULL, info.table_last_frame);
	/* one entry more wraps */
	nic(257, 2, 0, 2, 0x800);
	bar64(2, 0xfffffffffffff000ULL);
	assert_int_equal(-EINVAL, decode());
	assert_bad_bar(2, PCI_DEC_BAR_WRAPS);
	/* so does an offset beyond the end */
	nic(1, 2, 0x1000, 2, 0x800);
	bar64(2, 0xfffffffffffff000ULL);
	assert_int_equal(-EINVAL, decode());
	assert_bad_bar(2, PCI_DEC_BAR_WRAPS);
}

static void test_bar_error_names(void **state)
{
	unsigned int i, j;

	(void)state;
	for (i = PCI_DEC_BAR_OK; i <= PCI_DEC_BAR_WRAPS; i++) {
		const char *n = pci_decode_bar_error_name(i);

		assert_non_null(n);
		assert_string_not_equal("unknown", n);
		for (j = 0; j < i; j++)
			assert_string_not_equal(pci_decode_bar_error_name(j), n);
	}
	assert_string_equal("unknown", pci_decode_bar_error_name(PCI_DEC_BAR_WRAPS + 1));
	assert_string_equal("unknown", pci_decode_bar_error_name(~0U));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_cap_walks_the_list),
		cmocka_unit_test(test_reserved_pointer_bits_ignored),
		cmocka_unit_test(test_no_capability_list),
		cmocka_unit_test(test_capability_list_loops),
		cmocka_unit_test(test_pointer_into_the_header),
		cmocka_unit_test(test_msix_capability_at_the_end),
		cmocka_unit_test(test_normal_header_six_bars),
		cmocka_unit_test(test_bridge_header_two_bars),
		cmocka_unit_test(test_cardbus_header_one_bar),
		cmocka_unit_test(test_unknown_header_types),
		cmocka_unit_test(test_memory_bar_kinds),
		cmocka_unit_test(test_unassigned_bars),
		cmocka_unit_test(test_64bit_bar_in_the_last_slot),
		cmocka_unit_test(test_reserved_birs),
		cmocka_unit_test(test_bad_pba_bar_after_good_table),
		cmocka_unit_test(test_table_and_pba_in_different_bars),
		cmocka_unit_test(test_table_crossing_frames),
		cmocka_unit_test(test_pba_sizes),
		cmocka_unit_test(test_table_and_pba_in_one_frame),
		cmocka_unit_test(test_range_wrapping_past_2_64),
		cmocka_unit_test(test_bar_error_names),
	};

	return cmocka_run_group_tests_name("pci_decode", tests, NULL, NULL);
}
