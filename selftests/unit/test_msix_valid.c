// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the MSI-X entry validator (kmod/msix/msix_valid.c),
 * compiled from the module's own source file: messages Linux writes,
 * each refused delivery mode and reserved bit, the mask rule with the
 * order Linux programs an entry in, and partial and 8-byte writes.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/msix/msix_valid.c"

/* what Linux writes: CPU 1 in physical mode, vector 0x22, fixed, edge */
#define GOOD_ADDR	0xfee01000U
#define GOOD_DATA	0x00000022U

static const struct msix_slot masked_reset = { 0, 0, 0, MSIX_CTRL_MASKED };
static const struct msix_slot live = { GOOD_ADDR, 0, GOOD_DATA, 0 };

static enum msix_verdict wr(const struct msix_slot *cur, unsigned int off,
			    unsigned int size, u64 val, struct msix_slot *next)
{
	return msix_check_write(cur, off, size, val, 0, next);
}

static void test_good_messages(void **state)
{
	(void)state;
	assert_int_equal(MSIX_OK, msix_check_message(GOOD_ADDR, 0, GOOD_DATA, 0));
	/* the window's ends, logical mode with redirection hint */
	assert_int_equal(MSIX_OK, msix_check_message(0xfee00000, 0, 0x10, 0));
	assert_int_equal(MSIX_OK, msix_check_message(0xfeeff00c, 0, 0xff, 0));
	/* lowest priority, level triggered and asserted */
	assert_int_equal(MSIX_OK, msix_check_message(GOOD_ADDR, 0, 0xc130, 0));
}

static void test_address_outside_the_window(void **state)
{
	(void)state;
	assert_int_equal(MSIX_BAD_ADDRESS, msix_check_message(0, 0, GOOD_DATA, 0));
	assert_int_equal(MSIX_BAD_ADDRESS,
			 msix_check_message(0xfed00000, 0, GOOD_DATA, 0));
	assert_int_equal(MSIX_BAD_ADDRESS,
			 msix_check_message(0xfef00000, 0, GOOD_DATA, 0));
	/* RAM: a DMA write dressed up as an interrupt */
	assert_int_equal(MSIX_BAD_ADDRESS,
			 msix_check_message(0x00100000, 0, GOOD_DATA, 0));
	/* the window's address with a high dword is not the window */
	assert_int_equal(MSIX_BAD_ADDRESS,
			 msix_check_message(GOOD_ADDR, 1, GOOD_DATA, 0));
	assert_int_equal(MSIX_BAD_ADDRESS,
			 msix_check_message(GOOD_ADDR, 0x80000000, GOOD_DATA, 0));
}

static void test_address_reserved_bits(void **state)
{
	unsigned int bit;

	(void)state;
	for (bit = 0; bit < 12; bit++) {
		enum msix_verdict want = (bit == 2 || bit == 3) ?
					 MSIX_OK : MSIX_ADDR_RESERVED;

		assert_int_equal(want, msix_check_message(GOOD_ADDR | BIT(bit), 0,
							  GOOD_DATA, 0));
	}
}

static void test_delivery_modes(void **state)
{
	static const enum msix_verdict want[8] = {
		MSIX_OK,		/* fixed */
		MSIX_OK,		/* lowest priority */
		MSIX_BAD_DELIVERY,	/* SMI */
		MSIX_BAD_DELIVERY,	/* reserved */
		MSIX_BAD_DELIVERY,	/* NMI */
		MSIX_BAD_DELIVERY,	/* INIT */
		MSIX_BAD_DELIVERY,	/* reserved */
		MSIX_BAD_DELIVERY,	/* ExtINT */
	};
	unsigned int dm;

	(void)state;
	for (dm = 0; dm < 8; dm++)
		assert_int_equal(want[dm],
				 msix_check_message(GOOD_ADDR, 0,
						    GOOD_DATA | dm << 8, 0));
}

static void test_data_reserved_bits_and_vectors(void **state)
{
	unsigned int bit, v;

	(void)state;
	for (bit = 11; bit < 32; bit++) {
		enum msix_verdict want = (bit == 14 || bit == 15) ?
					 MSIX_OK : MSIX_DATA_RESERVED;

		assert_int_equal(want, msix_check_message(GOOD_ADDR, 0,
							  GOOD_DATA | BIT(bit), 0));
	}
	for (v = 0; v < 0x100; v++)
		assert_int_equal(v < 16 ? MSIX_BAD_VECTOR : MSIX_OK,
				 msix_check_message(GOOD_ADDR, 0, v, 0));
}

static void test_remappable_format(void **state)
{
	u32 remap = 0xfee00010 | 0x12340;	/* handle bits, format bit 4 */

	(void)state;
	/* without remapping on, bit 4 is a reserved bit */
	assert_int_equal(MSIX_ADDR_RESERVED, msix_check_message(remap, 0, 0, 0));
	/* with it: subhandle data, delivery mode from the remapping table */
	assert_int_equal(MSIX_OK, msix_check_message(remap, 0, 0x0700,
						     MSIX_VALID_REMAP));
	assert_int_equal(MSIX_ADDR_RESERVED,
			 msix_check_message(remap | 1, 0, 0, MSIX_VALID_REMAP));
	assert_int_equal(MSIX_DATA_RESERVED,
			 msix_check_message(remap, 0, 0x10000, MSIX_VALID_REMAP));
	assert_int_equal(MSIX_BAD_ADDRESS,
			 msix_check_message(0xfef00010, 0, 0, MSIX_VALID_REMAP));
	/* the flag changes nothing for the compatibility format */
	assert_int_equal(MSIX_BAD_DELIVERY,
			 msix_check_message(GOOD_ADDR, 0, 0x0422, MSIX_VALID_REMAP));
}

/* Linux's order: mask, address low, high, data, unmask: all land. */
static void test_linux_programming_order(void **state)
{
	struct msix_slot e = live, n;

	(void)state;
	assert_int_equal(MSIX_OK, wr(&e, 12, 4, MSIX_CTRL_MASKED, &n));
	e = n;
	assert_int_equal(MSIX_OK, wr(&e, 0, 4, 0xfee02000, &n));
	e = n;
	assert_int_equal(MSIX_OK, wr(&e, 4, 4, 0, &n));
	e = n;
	assert_int_equal(MSIX_OK, wr(&e, 8, 4, 0x41, &n));
	e = n;
	assert_int_equal(MSIX_OK, wr(&e, 12, 4, 0, &n));
	assert_int_equal(0xfee02000, n.addr_lo);
	assert_int_equal(0x41, n.data);
	assert_int_equal(0, n.ctrl);
}

/* A masked entry's message is not checked until it is unmasked. */
static void test_masked_entry_takes_anything_until_unmasked(void **state)
{
	struct msix_slot e = masked_reset, n;

	(void)state;
	assert_int_equal(MSIX_OK, wr(&e, 0, 4, 0x00100000, &n));
	e = n;
	assert_int_equal(MSIX_OK, wr(&e, 8, 4, 0x0400, &n));	/* NMI */
	e = n;
	/* the unmask makes it live: refused, and the entry stays masked */
	assert_int_equal(MSIX_BAD_ADDRESS, wr(&e, 12, 4, 0, &n));
	assert_int_equal(0, n.ctrl);	/* what the write would have made */
	assert_int_equal(MSIX_CTRL_MASKED, e.ctrl);
	assert_int_equal(MSIX_OK, wr(&e, 0, 4, GOOD_ADDR, &n));
	e = n;
	assert_int_equal(MSIX_BAD_DELIVERY, wr(&e, 12, 4, 0, &n));
	assert_int_equal(MSIX_OK, wr(&e, 8, 4, GOOD_DATA, &n));
	e = n;
	assert_int_equal(MSIX_OK, wr(&e, 12, 4, 0, &n));
	/* a reset entry (all zero data: vector 0) cannot be unmasked as is */
	assert_int_equal(MSIX_BAD_ADDRESS, wr(&masked_reset, 12, 4, 0, &n));
}

/* Writes to a live entry are checked as they come. */
static void test_live_entry_checked_at_each_write(void **state)
{
	struct msix_slot n;

	(void)state;
	assert_int_equal(MSIX_OK, wr(&live, 0, 4, 0xfee03000, &n));
	assert_int_equal(MSIX_BAD_ADDRESS, wr(&live, 0, 4, 0xfec00000, &n));
	assert_int_equal(MSIX_BAD_ADDRESS, wr(&live, 4, 4, 1, &n));
	assert_int_equal(MSIX_BAD_DELIVERY, wr(&live, 8, 4, 0x0222, &n)); /* SMI */
	assert_int_equal(MSIX_BAD_DELIVERY, wr(&live, 8, 4, 0x0522, &n)); /* INIT */
	assert_int_equal(MSIX_BAD_DELIVERY, wr(&live, 8, 4, 0x0722, &n)); /* ExtINT */
	assert_int_equal(MSIX_DATA_RESERVED, wr(&live, 8, 4, 0x10022, &n));
	assert_int_equal(MSIX_ADDR_RESERVED, wr(&live, 0, 4, GOOD_ADDR | 0x20, &n));
	/* masking a live entry is always fine, whatever it holds */
	assert_int_equal(MSIX_OK, wr(&live, 12, 4, MSIX_CTRL_MASKED, &n));
}

static void test_vector_control_reserved_bits(void **state)
{
	struct msix_slot tagged = live, n;

	(void)state;
	assert_int_equal(MSIX_CTRL_RESERVED, wr(&live, 12, 4, 0x2, &n));
	assert_int_equal(MSIX_CTRL_RESERVED,
			 wr(&live, 12, 4, 0x80000000 | MSIX_CTRL_MASKED, &n));
	/* bits the device holds (a steering tag) may be kept or cleared */
	tagged.ctrl = 0x00050000;
	assert_int_equal(MSIX_OK, wr(&tagged, 12, 4, 0x00050001, &n));
	assert_int_equal(MSIX_OK, wr(&tagged, 12, 4, 0x00050000, &n));
	assert_int_equal(MSIX_OK, wr(&tagged, 12, 4, 0, &n));
	assert_int_equal(MSIX_CTRL_RESERVED, wr(&tagged, 12, 4, 0x00070000, &n));
}

static void test_partial_and_misaligned_writes(void **state)
{
	struct msix_slot n;
	unsigned int off;

	(void)state;
	for (off = 0; off < 16; off++) {
		assert_int_equal(MSIX_BAD_ACCESS, wr(&live, off, 1, 0xff, &n));
		assert_int_equal(MSIX_BAD_ACCESS, wr(&live, off, 2, 0xff, &n));
		if (off % 4)
			assert_int_equal(MSIX_BAD_ACCESS,
					 wr(&live, off, 4, 0, &n));
		if (off % 8)
			assert_int_equal(MSIX_BAD_ACCESS,
					 wr(&live, off, 8, 0, &n));
	}
	assert_int_equal(MSIX_BAD_ACCESS, wr(&live, 16, 4, 0, &n));
	assert_int_equal(MSIX_BAD_ACCESS, wr(&live, 0, 16, 0, &n));
	assert_int_equal(MSIX_BAD_ACCESS, wr(&live, 0, 0, 0, &n));
	assert_int_equal(MSIX_BAD_ACCESS, wr(&live, 0, 3, 0, &n));
	/* a refused write leaves @next as the entry was */
	assert_memory_equal(&live, &n, sizeof(n));
}

static void test_qword_writes(void **state)
{
	struct msix_slot e = masked_reset, n;

	(void)state;
	/* the address in one go, then data and unmask in one go */
	assert_int_equal(MSIX_OK, wr(&e, 0, 8, GOOD_ADDR, &n));
	e = n;
	assert_int_equal(MSIX_OK, wr(&e, 8, 8, GOOD_DATA, &n));
	assert_int_equal(GOOD_DATA, n.data);
	assert_int_equal(0, n.ctrl);
	/* data and unmask together, bad data: refused as one */
	assert_int_equal(MSIX_BAD_DELIVERY, wr(&e, 8, 8, 0x0422, &n));
	/* data and mask together: anything goes */
	assert_int_equal(MSIX_OK, wr(&e, 8, 8, 0x100000422ULL, &n));
	/* an address above 4 GiB in one qword */
	assert_int_equal(MSIX_BAD_ADDRESS,
			 wr(&live, 0, 8, 0x1fee01000ULL, &n));
	assert_int_equal(1, n.addr_hi);
	assert_int_equal(MSIX_OK, wr(&live, 0, 8, 0xfee01000ULL, &n));
}

static void test_verdict_names(void **state)
{
	unsigned int v;

	(void)state;
	for (v = 0; v < MSIX_VERDICT_MAX; v++)
		assert_non_null(msix_verdict_name(v));
	assert_string_equal("ok", msix_verdict_name(MSIX_OK));
	assert_string_equal("unknown", msix_verdict_name(MSIX_VERDICT_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_messages),
		cmocka_unit_test(test_address_outside_the_window),
		cmocka_unit_test(test_address_reserved_bits),
		cmocka_unit_test(test_delivery_modes),
		cmocka_unit_test(test_data_reserved_bits_and_vectors),
		cmocka_unit_test(test_remappable_format),
		cmocka_unit_test(test_linux_programming_order),
		cmocka_unit_test(test_masked_entry_takes_anything_until_unmasked),
		cmocka_unit_test(test_live_entry_checked_at_each_write),
		cmocka_unit_test(test_vector_control_reserved_bits),
		cmocka_unit_test(test_partial_and_misaligned_writes),
		cmocka_unit_test(test_qword_writes),
		cmocka_unit_test(test_verdict_names),
	};

	return cmocka_run_group_tests_name("msix_valid", tests, NULL, NULL);
}
