// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the local APIC register model (kmod/lapic/lapic_regs.c),
 * compiled from the module's own source file: priorities, IRR/ISR/EOI,
 * the x2APIC MSR rules, ICR and MSI decoding, destinations, the timer's
 * count arithmetic and IA32_APIC_BASE's transitions.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/lapic/lapic_regs.c"

/* A struct lapic_regs and its register page, on the stack */
#define REGS(r)								\
	u32 r##_page[LAPIC_PAGE_SIZE / 4];				\
	struct lapic_regs r = { .page = r##_page }

static u32 rd(struct lapic_regs *r, u32 off)
{
	u32 v;

	assert_int_equal(0, lapic_read(r, off, &v));
	return v;
}

static void enabled(struct lapic_regs *r, u32 id, bool x2apic)
{
	lapic_reset(r, id, x2apic);
	lapic_write(r, LAPIC_SVR, LAPIC_SVR_ENABLE | 0xff);
}

static void test_reset_state(void **state)
{
	REGS(r);

	(void)state;
	lapic_reset(&r, 3, false);
	assert_int_equal(3u << 24, rd(&r, LAPIC_ID));
	assert_int_equal(0x50014, rd(&r, LAPIC_LVR));
	assert_int_equal(0xffffffff, rd(&r, LAPIC_DFR));
	assert_int_equal(0xff, rd(&r, LAPIC_SVR));
	assert_int_equal(LAPIC_LVT_MASKED, rd(&r, LAPIC_LVTT));
	assert_int_equal(LAPIC_LVT_MASKED, rd(&r, LAPIC_LVT0));
	assert_false(lapic_sw_enabled(&r));
	/* software-disabled: no fixed interrupt is accepted, LVTs stay masked */
	assert_false(lapic_accept(&r, 0x30, false));
	lapic_write(&r, LAPIC_LVTT, 0x40);
	assert_int_equal(LAPIC_LVT_MASKED | 0x40, rd(&r, LAPIC_LVTT));
	lapic_set_x2apic(&r, true);
	assert_int_equal(3, rd(&r, LAPIC_ID));
	assert_int_equal(0x8, rd(&r, LAPIC_LDR));
	lapic_reset(&r, 0x23, true);
	assert_int_equal(0x20008, rd(&r, LAPIC_LDR));
}

static void test_priority_irr_isr_eoi(void **state)
{
	REGS(r);

	(void)state;
	enabled(&r, 0, false);
	assert_int_equal(-1, lapic_pending_vector(&r));
	assert_true(lapic_accept(&r, 0x31, false));
	assert_true(lapic_accept(&r, 0x45, false));
	assert_int_equal(0x45, lapic_pending_vector(&r));
	lapic_ack(&r, 0x45);
	assert_int_equal(0x40, lapic_ppr(&r));
	/* the same class waits for the EOI; a lower one too */
	assert_true(lapic_accept(&r, 0x4f, false));
	assert_int_equal(-1, lapic_pending_vector(&r));
	assert_true(lapic_accept(&r, 0x50, false));
	assert_int_equal(0x50, lapic_pending_vector(&r));
	lapic_ack(&r, 0x50);
	assert_int_equal(0x50, lapic_highest_isr(&r));
	assert_int_equal(LAPIC_ACT_EOI, lapic_write(&r, LAPIC_EOI, 0));
	assert_int_equal(0x45, lapic_highest_isr(&r));
	assert_int_equal(LAPIC_ACT_EOI, lapic_eoi(&r));
	assert_int_equal(0x4f, lapic_pending_vector(&r));
	/* TPR masks by class; PPR follows the TPR when it is higher */
	lapic_write(&r, LAPIC_TPR, 0x4f);
	assert_int_equal(0x4f, rd(&r, LAPIC_PPR));
	assert_int_equal(-1, lapic_pending_vector(&r));
	lapic_write(&r, LAPIC_TPR, 0x3f);
	assert_int_equal(0x4f, lapic_pending_vector(&r));
	/* an EOI with nothing in service does nothing */
	lapic_ack(&r, 0x4f);
	lapic_eoi(&r);
	assert_int_equal(0, lapic_eoi(&r));
	assert_int_equal(0x31, lapic_highest_irr(&r));
	/* a level-triggered vector's EOI is reported */
	assert_true(lapic_accept(&r, 0x60, true));
	lapic_ack(&r, 0x60);
	assert_int_equal(LAPIC_ACT_EOI | LAPIC_ACT_LEVEL_EOI, lapic_eoi(&r));
	assert_int_equal(0x60, r.eoi_vector);
}

static void test_illegal_vectors_and_esr(void **state)
{
	REGS(r);

	(void)state;
	enabled(&r, 0, false);
	assert_false(lapic_accept(&r, 15, false));
	assert_int_equal(0, rd(&r, LAPIC_ESR));		/* latched by a write */
	lapic_write(&r, LAPIC_ESR, 0);
	assert_int_equal(LAPIC_ESR_RECV_ILLEGAL, rd(&r, LAPIC_ESR));
	/* sending vector 3 fixed: nothing goes out */
	assert_int_equal(0, lapic_write(&r, LAPIC_ICR, 0x00003));
	lapic_write(&r, LAPIC_ESR, 0);
	assert_int_equal(LAPIC_ESR_SEND_ILLEGAL, rd(&r, LAPIC_ESR));
	/* NMI ignores the vector */
	assert_int_equal(LAPIC_ACT_IPI, lapic_write(&r, LAPIC_ICR, 0x00400));
	lapic_write(&r, LAPIC_ESR, 0);
	assert_int_equal(0, rd(&r, LAPIC_ESR));
}

static void test_icr_decode(void **state)
{
	REGS(r);
	struct lapic_ipi *i = &r.ipi;

	(void)state;
	enabled(&r, 0, false);
	lapic_write(&r, LAPIC_ICR2, 0x05000000);
	assert_int_equal(LAPIC_ACT_IPI, lapic_write(&r, LAPIC_ICR, 0x0000c4f1 | BIT(12)));
	assert_int_equal(5, i->dest);
	assert_int_equal(0xf1, i->vector);
	assert_int_equal(LAPIC_DM_NMI, i->mode);
	assert_false(i->logical);
	assert_true(i->level);
	assert_true(i->trigger);
	assert_int_equal(LAPIC_SH_NONE, i->shorthand);
	assert_int_equal(0xc4f1, rd(&r, LAPIC_ICR));	/* delivery status idle */
	/* INIT, SIPI with vector 0x9f, all-excluding-self, logical */
	lapic_write(&r, LAPIC_ICR, 0xc0000 | 0x0500 | BIT(11));
	assert_int_equal(LAPIC_DM_INIT, i->mode);
	assert_int_equal(LAPIC_SH_OTHERS, i->shorthand);
	assert_true(i->logical);
	lapic_write(&r, LAPIC_ICR, 0x0069f);
	assert_int_equal(LAPIC_DM_SIPI, i->mode);
	assert_int_equal(0x9f, i->vector);
	/* x2APIC: one 64-bit register, a 32-bit destination */
	enabled(&r, 0, true);
	assert_int_equal(LAPIC_ACT_IPI,
			 lapic_msr_write(&r, 0x830, 0x1234567800000041ULL));
	assert_int_equal(0x12345678, i->dest);
	assert_int_equal(0x41, i->vector);
	/* MSI: destination in address bits 19:12, logical in bit 2 */
	lapic_msi_decode(0xfee07004ULL, 0x8162, i);
	assert_int_equal(7, i->dest);
	assert_true(i->logical);
	assert_int_equal(0x62, i->vector);
	assert_int_equal(LAPIC_DM_LOWEST, i->mode);
	assert_true(i->trigger);
	assert_int_equal(LAPIC_SH_NONE, i->shorthand);
}

static void test_destinations(void **state)
{
	REGS(r);
	struct lapic_ipi ipi = { 0 };

	(void)state;
	enabled(&r, 2, false);
	ipi.dest = 2;
	assert_true(lapic_match_dest(&r, &ipi, false));
	ipi.dest = 3;
	assert_false(lapic_match_dest(&r, &ipi, false));
	ipi.dest = 0xff;
	assert_true(lapic_match_dest(&r, &ipi, false));
	/* flat logical */
	lapic_write(&r, LAPIC_LDR, 0x04000000);
	ipi.logical = true;
	ipi.dest = 0x06;
	assert_true(lapic_match_dest(&r, &ipi, false));
	ipi.dest = 0x09;
	assert_false(lapic_match_dest(&r, &ipi, false));
	/* cluster logical: cluster 1, member bit 2 */
	lapic_write(&r, LAPIC_DFR, 0x0fffffff);
	lapic_write(&r, LAPIC_LDR, 0x14000000);
	ipi.dest = 0x14;
	assert_true(lapic_match_dest(&r, &ipi, false));
	ipi.dest = 0x24;
	assert_false(lapic_match_dest(&r, &ipi, false));
	/* shorthands */
	ipi.shorthand = LAPIC_SH_SELF;
	assert_true(lapic_match_dest(&r, &ipi, true));
	assert_false(lapic_match_dest(&r, &ipi, false));
	ipi.shorthand = LAPIC_SH_OTHERS;
	assert_false(lapic_match_dest(&r, &ipi, true));
	assert_true(lapic_match_dest(&r, &ipi, false));
	ipi.shorthand = LAPIC_SH_ALL;
	assert_true(lapic_match_dest(&r, &ipi, true));
	/* x2APIC: physical 32-bit IDs, logical cluster from the ID */
	enabled(&r, 0x11, true);
	ipi = (struct lapic_ipi){ .dest = 0x11 };
	assert_true(lapic_match_dest(&r, &ipi, false));
	ipi.dest = 0xff;
	assert_false(lapic_match_dest(&r, &ipi, false));
	ipi.dest = 0xffffffff;
	assert_true(lapic_match_dest(&r, &ipi, false));
	ipi.logical = true;
	ipi.dest = 0x10003;
	assert_true(lapic_match_dest(&r, &ipi, false));
	ipi.dest = 0x00003;
	assert_false(lapic_match_dest(&r, &ipi, false));
}

static void test_x2apic_msr_rules(void **state)
{
	REGS(r);
	u64 v;

	(void)state;
	enabled(&r, 1, false);
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_read(&r, 0x802, &v));	/* xAPIC */
	enabled(&r, 1, true);
	assert_int_equal(0, lapic_msr_read(&r, 0x802, &v));
	assert_int_equal(1, v);
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_write(&r, 0x802, 5));	/* ID */
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_write(&r, 0x80d, 5));	/* LDR */
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_read(&r, 0x80b, &v));	/* EOI */
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_write(&r, 0x80b, 1));
	assert_int_equal(0, lapic_msr_write(&r, 0x80b, 0));
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_read(&r, 0x80e, &v));	/* DFR */
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_read(&r, 0x831, &v));	/* ICR2 */
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_read(&r, 0x83f, &v));	/* SELF IPI */
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_read(&r, 0x82f, &v));	/* no CMCI */
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_write(&r, 0x808, 1ULL << 32));
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_write(&r, 0x828, 1));	/* ESR */
	assert_int_equal(LAPIC_ACT_GP, lapic_msr_write(&r, 0x83f, 0x100));
	assert_int_equal(LAPIC_ACT_IPI, lapic_msr_write(&r, 0x83f, 0x55));
	assert_int_equal(LAPIC_SH_SELF, r.ipi.shorthand);
	assert_int_equal(0x55, r.ipi.vector);
	assert_int_equal(0, lapic_msr_write(&r, 0x808, 0x20));
	assert_int_equal(0, lapic_msr_read(&r, 0x80a, &v));		/* PPR */
	assert_int_equal(0x20, v);
	assert_int_equal(LAPIC_ACT_TIMER, lapic_msr_write(&r, 0x838, 1000));
}

static void test_timer_arithmetic(void **state)
{
	REGS(r);

	(void)state;
	assert_int_equal(2, lapic_timer_divisor(0x0));
	assert_int_equal(16, lapic_timer_divisor(0x3));
	assert_int_equal(32, lapic_timer_divisor(0x8));
	assert_int_equal(128, lapic_timer_divisor(0xa));
	assert_int_equal(1, lapic_timer_divisor(0xb));
	/* 1 GHz bus, divide by 1: a tick is a nanosecond */
	assert_int_equal(1000, lapic_timer_ns(1000, 0xb, 1000000));
	/* 100 MHz, divide by 16: 160 ns a tick */
	assert_int_equal(160000, lapic_timer_ns(1000, 0x3, 100000));
	/* the largest count and divisor at a slow bus does not overflow */
	assert_true(lapic_timer_ns(0xffffffff, 0xa, 1) / 1000000 / 128 ==
		    0xffffffffULL);
	assert_int_equal(1000, lapic_timer_count(1000, 0x3, 100000, 160000));
	assert_int_equal(500, lapic_timer_count(1000, 0x3, 100000, 80000));
	assert_int_equal(0, lapic_timer_count(1000, 0x3, 100000, 0));
	assert_int_equal(1000, lapic_timer_count(1000, 0x3, 100000, ~0ULL));
	assert_int_equal(0xfffffffe,
			 lapic_timer_count(0xffffffff, 0xa, 1,
					   lapic_timer_ns(0xffffffff, 0xa, 1) - 1));
	/* modes; a mode change stops the timer */
	enabled(&r, 0, false);
	lapic_write(&r, LAPIC_LVTT, 0x20030);
	assert_int_equal(LAPIC_TIMER_PERIODIC, lapic_timer_mode(&r));
	assert_int_equal(LAPIC_ACT_TIMER, lapic_write(&r, LAPIC_TMICT, 77));
	assert_int_equal(LAPIC_ACT_TIMER, lapic_write(&r, LAPIC_LVTT, 0x40030));
	assert_int_equal(LAPIC_TIMER_TSCDEADLINE, lapic_timer_mode(&r));
	assert_int_equal(0, rd(&r, LAPIC_TMICT));
	assert_int_equal(0, lapic_write(&r, LAPIC_TMICT, 77));	/* ignored */
	assert_int_equal(0, rd(&r, LAPIC_TMICT));
	assert_true(lapic_deliver_timer(&r));
	assert_int_equal(0x30, lapic_pending_vector(&r));
	lapic_write(&r, LAPIC_LVTT, 0x40030 | LAPIC_LVT_MASKED);
	assert_false(lapic_deliver_timer(&r));
	/* disabling the APIC masks the LVTs */
	lapic_write(&r, LAPIC_LVTT, 0x30);
	lapic_write(&r, LAPIC_SVR, 0xff);
	assert_int_equal(LAPIC_LVT_MASKED | 0x30, rd(&r, LAPIC_LVTT));
}

static void test_apic_base(void **state)
{
	u64 xapic = LAPIC_BASE_DEFAULT | LAPIC_BASE_EN | LAPIC_BASE_BSP;
	u64 x2 = xapic | LAPIC_BASE_EXTD, off = LAPIC_BASE_DEFAULT;

	(void)state;
	assert_int_equal(0, lapic_base_check(xapic, x2, 39));
	assert_int_equal(0, lapic_base_check(x2, off, 39));
	assert_int_equal(0, lapic_base_check(off, xapic, 39));
	assert_int_equal(-EINVAL, lapic_base_check(x2, xapic, 39));
	assert_int_equal(-EINVAL, lapic_base_check(off, x2, 39));
	assert_int_equal(-EINVAL, lapic_base_check(xapic, off | LAPIC_BASE_EXTD, 39));
	assert_int_equal(-EINVAL, lapic_base_check(xapic, xapic | 1, 39));
	assert_int_equal(-EINVAL, lapic_base_check(xapic, xapic | BIT_ULL(9), 39));
	assert_int_equal(-EINVAL, lapic_base_check(xapic, xapic | BIT_ULL(39), 39));
	assert_int_equal(0, lapic_base_check(xapic, xapic | BIT_ULL(38), 39));
}

/*
 * Senders post (the page's IRR may be the CPU's while the guest runs):
 * the IRR reads as both, the vCPU's sync moves them into the page, and
 * the VMCS's RVI/SVI and EOI-exit bitmap come from the page.
 */
static void test_posted_and_synced(void **state)
{
	u64 tmr[4];

	REGS(r);
	(void)state;
	enabled(&r, 0, false);
	assert_true(lapic_accept(&r, 0x41, false));
	assert_true(lapic_accept(&r, 0xa3, true));
	assert_int_equal(0, r.page[LAPIC_IRR / 4 + 2 * 4]);	/* not yet */
	assert_int_equal(BIT(1), rd(&r, LAPIC_IRR + 0x20));
	assert_int_equal(BIT(3), rd(&r, LAPIC_IRR + 0x50));
	assert_int_equal(0xa3, lapic_pending_vector(&r));
	assert_int_equal(0, lapic_intr_status(&r));
	lapic_sync(&r);
	assert_int_equal(BIT(1), r.page[LAPIC_IRR / 4 + 2 * 4]);
	assert_int_equal(BIT(3), r.page[LAPIC_IRR / 4 + 5 * 4]);
	assert_int_equal(0, r.pir[2] | r.pir[5]);
	assert_int_equal(0xa3, lapic_intr_status(&r));
	lapic_tmr(&r, tmr);
	assert_true(tmr[2] == BIT_ULL(0xa3 - 128) && !tmr[0] && !tmr[1] && !tmr[3]);
	/* the CPU's delivery of 0xa3, as lapic_ack(): SVI a3, RVI 41 */
	lapic_ack(&r, 0xa3);
	lapic_write(&r, LAPIC_TPR, 0x20);
	lapic_sync(&r);
	assert_int_equal(0xa0, r.page[LAPIC_PPR / 4]);
	assert_int_equal(0xa341, lapic_intr_status(&r));
	/* acked while still posted: gone from both */
	assert_true(lapic_accept(&r, 0x51, false));
	lapic_ack(&r, 0x51);
	assert_int_equal(0, rd(&r, LAPIC_IRR + 0x20) & BIT(0x51 - 64));
	assert_int_equal(0, r.pir[2]);
}

/* APIC-write exits: the guest's value is already in the page */
static void test_trapped_writes(void **state)
{
	REGS(r);
	(void)state;
	enabled(&r, 2, false);
	r.page[LAPIC_ID / 4] = 0x7u << 24;
	assert_int_equal(0, lapic_write_trapped(&r, LAPIC_ID));
	assert_int_equal(2u << 24, rd(&r, LAPIC_ID));
	/* LVTT: the mode change is seen although the old value is gone */
	lapic_write(&r, LAPIC_TMICT, 1000);
	r.page[LAPIC_LVTT / 4] = 0xfffdffff;	/* reserved bits, mode 2 */
	assert_int_equal(LAPIC_ACT_TIMER, lapic_write_trapped(&r, LAPIC_LVTT));
	assert_int_equal(LAPIC_TIMER_TSCDEADLINE, lapic_timer_mode(&r));
	assert_int_equal(LAPIC_LVT_MASKED | (LAPIC_TIMER_TSCDEADLINE << 17) | 0xff,
			 rd(&r, LAPIC_LVTT));
	assert_int_equal(0, rd(&r, LAPIC_TMICT));
	/* in TSC-deadline mode TMICT ignores writes: it reads 0 again */
	r.page[LAPIC_TMICT / 4] = 55;
	assert_int_equal(0, lapic_write_trapped(&r, LAPIC_TMICT));
	assert_int_equal(0, rd(&r, LAPIC_TMICT));
	/* the same mode again: nothing to re-arm */
	r.page[LAPIC_LVTT / 4] = (LAPIC_TIMER_TSCDEADLINE << 17) | 0xec;
	assert_int_equal(0, lapic_write_trapped(&r, LAPIC_LVTT));
	/* no CMCI entry; reserved bits and remote IRR of an LVT read 0 */
	r.page[LAPIC_LVT_CMCI / 4] = 0x40;
	lapic_write_trapped(&r, LAPIC_LVT_CMCI);
	assert_int_equal(LAPIC_LVT_MASKED, r.page[LAPIC_LVT_CMCI / 4]);
	r.page[LAPIC_LVT0 / 4] = 0xffffffff;
	lapic_write_trapped(&r, LAPIC_LVT0);
	assert_int_equal(0, rd(&r, LAPIC_LVT0) & (BIT(14) | BIT(12) | 0xfffe0000));
	/* ESR latches what was pending, whatever the guest wrote */
	lapic_accept(&r, 3, false);
	r.page[LAPIC_ESR / 4] = 0x1234;
	lapic_write_trapped(&r, LAPIC_ESR);
	assert_int_equal(LAPIC_ESR_RECV_ILLEGAL, rd(&r, LAPIC_ESR));
	/* an ICR write sends */
	r.page[LAPIC_ICR2 / 4] = 1u << 24;
	lapic_write_trapped(&r, LAPIC_ICR2);
	r.page[LAPIC_ICR / 4] = 0x4031;
	assert_int_equal(LAPIC_ACT_IPI, lapic_write_trapped(&r, LAPIC_ICR));
	assert_int_equal(0x31, r.ipi.vector);
	assert_int_equal(1, r.ipi.dest);
	assert_int_equal(0, lapic_write_trapped(&r, LAPIC_ICR + 4));
}

/* When a guest may skip the EOI write (KVM's PV EOI) */
static void test_pv_eoi_ok(void **state)
{
	REGS(r);
	(void)state;
	enabled(&r, 0, false);
	assert_false(lapic_pv_eoi_ok(&r));		/* nothing in service */
	lapic_accept(&r, 0x50, false);
	assert_false(lapic_pv_eoi_ok(&r));		/* requested, not in service */
	lapic_ack(&r, 0x50);
	assert_true(lapic_pv_eoi_ok(&r));
	lapic_accept(&r, 0x40, false);			/* posted behind it */
	assert_false(lapic_pv_eoi_ok(&r));
	lapic_eoi(&r);
	lapic_ack(&r, 0x40);
	assert_true(lapic_pv_eoi_ok(&r));
	lapic_eoi(&r);
	lapic_accept(&r, 0x60, true);			/* level-triggered */
	lapic_ack(&r, 0x60);
	assert_false(lapic_pv_eoi_ok(&r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_priority_irr_isr_eoi),
		cmocka_unit_test(test_illegal_vectors_and_esr),
		cmocka_unit_test(test_icr_decode),
		cmocka_unit_test(test_destinations),
		cmocka_unit_test(test_x2apic_msr_rules),
		cmocka_unit_test(test_timer_arithmetic),
		cmocka_unit_test(test_apic_base),
		cmocka_unit_test(test_posted_and_synced),
		cmocka_unit_test(test_trapped_writes),
		cmocka_unit_test(test_pv_eoi_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
