/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local APIC's register model (lapic_regs.c): pure logic, compiled into
 * the module and into the unit tests (selftests/unit/test_lapic.c). What a
 * register read returns, what a write changes and what it asks the caller
 * to do next (send an IPI, re-arm the timer), the priority rules of IRR,
 * ISR and TPR, and the timer's count arithmetic. Time, locking and the
 * other vCPUs are the caller's (lapic.c).
 */
#ifndef _THINVMX_LAPIC_REGS_H
#define _THINVMX_LAPIC_REGS_H

#include "../pure.h"

/* Register offsets in the 4 KiB xAPIC page (SDM Vol. 3, table 11-1) */
#define LAPIC_ID		0x020
#define LAPIC_LVR		0x030
#define LAPIC_TPR		0x080
#define LAPIC_APR		0x090
#define LAPIC_PPR		0x0a0
#define LAPIC_EOI		0x0b0
#define LAPIC_RRD		0x0c0
#define LAPIC_LDR		0x0d0
#define LAPIC_DFR		0x0e0
#define LAPIC_SVR		0x0f0
#define LAPIC_ISR		0x100	/* eight registers of 32 vectors */
#define LAPIC_TMR		0x180
#define LAPIC_IRR		0x200
#define LAPIC_ESR		0x280
#define LAPIC_LVT_CMCI		0x2f0
#define LAPIC_ICR		0x300
#define LAPIC_ICR2		0x310
#define LAPIC_LVTT		0x320
#define LAPIC_LVTTHMR		0x330
#define LAPIC_LVTPC		0x340
#define LAPIC_LVT0		0x350
#define LAPIC_LVT1		0x360
#define LAPIC_LVTERR		0x370
#define LAPIC_TMICT		0x380
#define LAPIC_TMCCT		0x390
#define LAPIC_TDCR		0x3e0
#define LAPIC_SELF_IPI		0x3f0	/* x2APIC only */
#define LAPIC_NR_REGS		64	/* offsets 0x000-0x3f0, by offset >> 4 */
#define LAPIC_PAGE_SIZE		4096	/* the registers' page: 32 bits every 16 bytes */

/* The x2APIC MSRs: 0x800 + offset / 16 (SDM 11.12.1.2) */
#define LAPIC_X2APIC_MSR_FIRST	0x800
#define LAPIC_X2APIC_MSR_LAST	0x8ff

/* IA32_APIC_BASE */
#define LAPIC_BASE_BSP		BIT_ULL(8)
#define LAPIC_BASE_EXTD		BIT_ULL(10)	/* x2APIC mode */
#define LAPIC_BASE_EN		BIT_ULL(11)
#define LAPIC_BASE_ADDR_MASK	GENMASK_ULL(51, 12)
#define LAPIC_BASE_DEFAULT	0xfee00000ULL

/* Version 0x14 (an integrated APIC), max LVT entry 5: no CMCI LVT */
#define LAPIC_VERSION		0x14
#define LAPIC_MAX_LVT		5

#define LAPIC_SVR_ENABLE	BIT(8)
#define LAPIC_LVT_MASKED	BIT(16)
#define LAPIC_LVT_VECTOR	0xffu
#define LAPIC_LVT_TIMER_MODE	GENMASK(18, 17)
#define LAPIC_TIMER_ONESHOT	0u
#define LAPIC_TIMER_PERIODIC	1u
#define LAPIC_TIMER_TSCDEADLINE	2u

/* ESR bits (SDM 11.5.3) */
#define LAPIC_ESR_SEND_ILLEGAL	BIT(5)
#define LAPIC_ESR_RECV_ILLEGAL	BIT(6)
#define LAPIC_ESR_ILLEGAL_REG	BIT(7)

/* ICR fields */
#define LAPIC_DM_FIXED		0
#define LAPIC_DM_LOWEST		1
#define LAPIC_DM_SMI		2
#define LAPIC_DM_NMI		4
#define LAPIC_DM_INIT		5
#define LAPIC_DM_SIPI		6
#define LAPIC_DM_EXTINT		7
#define LAPIC_SH_NONE		0
#define LAPIC_SH_SELF		1
#define LAPIC_SH_ALL		2
#define LAPIC_SH_OTHERS		3

/* What a write asks of the caller (lapic_write()'s return bits) */
#define LAPIC_ACT_IPI		BIT(0)	/* send lapic_regs.ipi */
#define LAPIC_ACT_TIMER		BIT(1)	/* re-arm (or stop) the timer */
#define LAPIC_ACT_EOI		BIT(2)	/* an EOI: maybe an interrupt is next */
#define LAPIC_ACT_GP		BIT(3)	/* x2APIC: the access is #GP */
#define LAPIC_ACT_LEVEL_EOI	BIT(4)	/* the EOI'd vector was level-triggered */

/**
 * struct lapic_ipi - an interrupt message, from the ICR or an MSI
 * @dest:       destination field (8 bits in xAPIC mode, 32 in x2APIC)
 * @vector:     the vector (SIPI: the start page)
 * @mode:       LAPIC_DM_*
 * @logical:    logical destination mode
 * @level:      the level bit (INIT: 0 is a de-assert)
 * @trigger:    level-triggered
 * @shorthand:  LAPIC_SH_*
 */
struct lapic_ipi {
	u32 dest;
	u8 vector;
	u8 mode;
	bool logical;
	bool level;
	bool trigger;
	u8 shorthand;
};

/**
 * struct lapic_regs - one local APIC's registers
 * @page:      the registers, 32 bits at their offsets in a 4 KiB page laid
 *             out as the xAPIC page (the VMCS's virtual-APIC page in
 *             lapic.c, which the CPU reads and writes itself while the
 *             guest runs with APIC virtualization); ISR, TMR and IRR are
 *             the 256-bit arrays at their offsets. The caller's, zeroed.
 * @pir:       interrupts accepted but not yet in @page's IRR (senders
 *             post here, under the caller's lock; lapic_sync() moves
 *             them while the CPU does not use the page): the IRR is the
 *             union of both
 * @x2apic:    in x2APIC mode (IA32_APIC_BASE.EXTD)
 * @id:        the APIC ID (the vCPU's id)
 * @esr_pending: errors since the last ESR write, latched into ESR by it
 * @icr_hi:    x2APIC: the high half of the 64-bit ICR last written
 * @ipi:       the message of the last ICR write (LAPIC_ACT_IPI)
 * @eoi_vector: the vector the last EOI completed (LAPIC_ACT_LEVEL_EOI)
 * @timer_mode: LVTT's mode bits as last accepted (a trapped write has
 *             already put the guest's new value in @page)
 */
struct lapic_regs {
	u32 *page;
	u32 pir[8];
	bool x2apic;
	u32 id;
	u32 esr_pending;
	u32 icr_hi;
	struct lapic_ipi ipi;
	u8 eoi_vector;
	u8 timer_mode;
};

/* The register at offset @off (a multiple of 16 below 0x400) */
static inline u32 *lapic_reg(const struct lapic_regs *r, u32 off)
{
	return &r->page[off >> 2];
}

void lapic_reset(struct lapic_regs *r, u32 id, bool x2apic);
void lapic_set_x2apic(struct lapic_regs *r, bool x2apic);
bool lapic_sw_enabled(const struct lapic_regs *r);
u32 lapic_ppr(const struct lapic_regs *r);
int lapic_highest_irr(const struct lapic_regs *r);
int lapic_highest_isr(const struct lapic_regs *r);
int lapic_pending_vector(const struct lapic_regs *r);
bool lapic_accept(struct lapic_regs *r, u8 vector, bool level);
void lapic_ack(struct lapic_regs *r, u8 vector);
u32 lapic_eoi(struct lapic_regs *r);
u32 lapic_read(const struct lapic_regs *r, u32 off, u32 *val);
u32 lapic_write(struct lapic_regs *r, u32 off, u32 val);
u32 lapic_msr_read(const struct lapic_regs *r, u32 msr, u64 *val);
u32 lapic_msr_write(struct lapic_regs *r, u32 msr, u64 val);
void lapic_icr_decode(u32 lo, u32 hi, bool x2apic, struct lapic_ipi *ipi);
void lapic_msi_decode(u64 addr, u32 data, struct lapic_ipi *ipi);
bool lapic_match_dest(const struct lapic_regs *r, const struct lapic_ipi *ipi,
		      bool is_self);
u32 lapic_timer_mode(const struct lapic_regs *r);
u32 lapic_timer_divisor(u32 tdcr);
u64 lapic_timer_ns(u32 count, u32 tdcr, u32 bus_khz);
u32 lapic_timer_count(u32 initial, u32 tdcr, u32 bus_khz, u64 left_ns);
int lapic_base_check(u64 old, u64 val, unsigned int phys_bits);
bool lapic_deliver_timer(struct lapic_regs *r);
u32 lapic_write_trapped(struct lapic_regs *r, u32 off);
u32 lapic_eoi_done(struct lapic_regs *r, u8 vector);
void lapic_sync(struct lapic_regs *r);
u16 lapic_intr_status(const struct lapic_regs *r);
void lapic_tmr(const struct lapic_regs *r, u64 tmr[4]);
bool lapic_pv_eoi_ok(const struct lapic_regs *r);

#endif /* _THINVMX_LAPIC_REGS_H */
