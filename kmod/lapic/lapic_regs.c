// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's register model (lapic_regs.h): pure logic, compiled
 * into the module and into the host unit tests.
 *
 * The rules, from the SDM (Vol. 3, chapter 11) and checked against what
 * KVM's lapic.c does where the SDM leaves room:
 *
 *   priority    PPR = TPR when TPR[7:4] >= ISRV[7:4], else ISRV[7:4]:0,
 *               ISRV the highest vector in service; an interrupt in the
 *               IRR is deliverable when its class (bits 7:4) is above
 *               PPR's (11.8.3.1). Delivery moves it from IRR to ISR; an
 *               EOI clears the highest ISR bit (11.8.5).
 *   vectors     0-15 are illegal: received, they set ESR bit 6 and are
 *               dropped; sent, ESR bit 5 and nothing goes out. ESR reads
 *               what was latched by the last ESR write (11.5.3).
 *   disable     SVR bit 8 clear: every LVT entry is masked and cannot be
 *               unmasked, fixed interrupts are not accepted; NMI, INIT and
 *               SIPI still are (11.4.7.2). The hardware disable
 *               (IA32_APIC_BASE.EN) is lapic.c's.
 *   x2APIC      the registers as MSRs 0x800 + offset / 16 (11.12): ID and
 *               LDR read-only (LDR from the ID: cluster in 31:16, one bit
 *               of 16 in 15:0), DFR, ICR2, APR, RRD absent, ICR one 64-bit
 *               register, EOI and ESR writes must be 0, SELF IPI
 *               write-only, bits 63:32 of all but the ICR reserved;
 *               anything else is #GP.
 *   xAPIC       the ID is read-only here (Linux never moves it; KVM lets
 *               it move at the cost of re-indexing its maps); reserved
 *               offsets read 0 and ignore writes.
 *   timer       one-shot, periodic or TSC-deadline (LVTT bits 18:17);
 *               changing the mode stops the timer and clears the initial
 *               count, as KVM does; the count runs at the bus frequency
 *               divided by TDCR (1 to 128). Version 0x14 with 6 LVT
 *               entries (no CMCI): what a guest sees on many Intel parts.
 */
#include "lapic_regs.h"

#define R(r, off)	(*lapic_reg(r, off))

/* Word @i (0-7) of the 256-bit array at @base */
#define VEC_WORD(r, base, i)	((r)->page[((base) >> 2) + (i) * 4])

static bool lapic_vec_test(const struct lapic_regs *r, u32 base, u8 vec)
{
	return VEC_WORD(r, base, vec / 32) & BIT(vec % 32);
}

static void lapic_vec_set(struct lapic_regs *r, u32 base, u8 vec, bool on)
{
	u32 *w = &VEC_WORD(r, base, vec / 32);

	if (on)
		*w |= BIT(vec % 32);
	else
		*w &= ~(u32)BIT(vec % 32);
}

/*
 * The highest vector set in a 256-bit array, or -1; the IRR's is its
 * union with the posted interrupts (@pir) when @pir is true.
 */
static int lapic_vec_highest(const struct lapic_regs *r, u32 base, bool pir)
{
	int i, b;

	for (i = 7; i >= 0; i--) {
		u32 w = VEC_WORD(r, base, i) | (pir ? r->pir[i] : 0);

		if (!w)
			continue;
		for (b = 31; b >= 0; b--)
			if (w & BIT(b))
				return i * 32 + b;
	}
	return -1;
}

static void lapic_x2apic_ids(struct lapic_regs *r)
{
	if (r->x2apic) {
		R(r, LAPIC_ID) = r->id;
		R(r, LAPIC_LDR) = ((r->id >> 4) << 16) | BIT(r->id & 0xf);
	} else {
		R(r, LAPIC_ID) = r->id << 24;
		R(r, LAPIC_LDR) = 0;
	}
}

/**
 * lapic_reset() - the state after power-up, reset or INIT (SDM 11.4.7.1)
 * @r:      the registers
 * @id:     the APIC ID
 * @x2apic: in x2APIC mode
 */
void lapic_reset(struct lapic_regs *r, u32 id, bool x2apic)
{
	static const u32 lvts[] = {
		LAPIC_LVTT, LAPIC_LVTTHMR, LAPIC_LVTPC, LAPIC_LVT0,
		LAPIC_LVT1, LAPIC_LVTERR, LAPIC_LVT_CMCI,
	};
	u32 *page = r->page;
	size_t i;

	memset(r, 0, sizeof(*r));
	memset(page, 0, LAPIC_PAGE_SIZE);
	r->page = page;
	r->id = id;
	r->x2apic = x2apic;
	R(r, LAPIC_LVR) = LAPIC_VERSION | (LAPIC_MAX_LVT << 16);
	R(r, LAPIC_DFR) = 0xffffffff;
	R(r, LAPIC_SVR) = 0xff;
	for (i = 0; i < ARRAY_SIZE(lvts); i++)
		R(r, lvts[i]) = LAPIC_LVT_MASKED;
	lapic_x2apic_ids(r);
}

/**
 * lapic_set_x2apic() - enter or leave x2APIC mode (IA32_APIC_BASE.EXTD)
 * @r:      the registers
 * @x2apic: the new mode
 *
 * The ID and LDR take the mode's form.
 */
void lapic_set_x2apic(struct lapic_regs *r, bool x2apic)
{
	r->x2apic = x2apic;
	lapic_x2apic_ids(r);
}

/**
 * lapic_sw_enabled() - SVR's APIC software enable
 * @r: the registers
 *
 * Return: true if set.
 */
bool lapic_sw_enabled(const struct lapic_regs *r)
{
	return R(r, LAPIC_SVR) & LAPIC_SVR_ENABLE;
}

/**
 * lapic_highest_irr() - the highest vector requested
 * @r: the registers
 *
 * Return: the vector, or -1 if the IRR is empty.
 */
int lapic_highest_irr(const struct lapic_regs *r)
{
	return lapic_vec_highest(r, LAPIC_IRR, true);
}

/**
 * lapic_highest_isr() - the highest vector in service
 * @r: the registers
 *
 * Return: the vector, or -1 if none is in service.
 */
int lapic_highest_isr(const struct lapic_regs *r)
{
	return lapic_vec_highest(r, LAPIC_ISR, false);
}

/**
 * lapic_ppr() - the processor priority (SDM 11.8.3.1)
 * @r: the registers
 *
 * Return: PPR.
 */
u32 lapic_ppr(const struct lapic_regs *r)
{
	u32 tpr = R(r, LAPIC_TPR) & 0xff;
	int isrv = lapic_highest_isr(r);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

/**
 * lapic_pending_vector() - the interrupt the CPU would take next
 * @r: the registers
 *
 * Return: the highest IRR vector whose class is above the PPR's, or -1.
 */
int lapic_pending_vector(const struct lapic_regs *r)
{
	int v = lapic_highest_irr(r);

	if (v < 0 || ((u32)v & 0xf0) <= (lapic_ppr(r) & 0xf0))
		return -1;
	return v;
}

/**
 * lapic_accept() - a fixed or lowest-priority interrupt arrives
 * @r:      the registers
 * @vector: its vector
 * @level:  level-triggered (TMR set), else edge (TMR clear)
 *
 * It is posted (@pir), not written into the page's IRR, which the CPU
 * may be updating itself: the IRR is the union of both.
 *
 * Return: true if it was put in the IRR; false if the vector is illegal
 * (ESR) or the APIC is software-disabled.
 */
bool lapic_accept(struct lapic_regs *r, u8 vector, bool level)
{
	if (vector < 16) {
		r->esr_pending |= LAPIC_ESR_RECV_ILLEGAL;
		return false;
	}
	if (!lapic_sw_enabled(r))
		return false;
	r->pir[vector / 32] |= BIT(vector % 32);
	lapic_vec_set(r, LAPIC_TMR, vector, level);
	return true;
}

/**
 * lapic_ack() - the CPU takes @vector: from the IRR into the ISR
 * @r:      the registers
 * @vector: the vector lapic_pending_vector() gave
 */
void lapic_ack(struct lapic_regs *r, u8 vector)
{
	r->pir[vector / 32] &= ~(u32)BIT(vector % 32);
	lapic_vec_set(r, LAPIC_IRR, vector, false);
	lapic_vec_set(r, LAPIC_ISR, vector, true);
}

/**
 * lapic_eoi() - end of interrupt: the highest vector in service is done
 * @r: the registers
 *
 * Return: LAPIC_ACT_EOI, with LAPIC_ACT_LEVEL_EOI (and r->eoi_vector)
 * when it was level-triggered, for an I/O APIC to hear of; 0 when nothing
 * was in service.
 */
u32 lapic_eoi(struct lapic_regs *r)
{
	int v = lapic_highest_isr(r);
	u32 act = LAPIC_ACT_EOI;

	if (v < 0)
		return 0;
	lapic_vec_set(r, LAPIC_ISR, v, false);
	if (lapic_vec_test(r, LAPIC_TMR, v)) {
		r->eoi_vector = v;
		act |= LAPIC_ACT_LEVEL_EOI;
	}
	return act;
}

/**
 * lapic_timer_mode() - LVTT's timer mode
 * @r: the registers
 *
 * Return: LAPIC_TIMER_ONESHOT, _PERIODIC or _TSCDEADLINE (3, reserved,
 * acts as one-shot).
 */
u32 lapic_timer_mode(const struct lapic_regs *r)
{
	return r->timer_mode == 3 ? LAPIC_TIMER_ONESHOT : r->timer_mode;
}

/* An offset the model has a register at, in the current mode */
static bool lapic_reg_exists(const struct lapic_regs *r, u32 off)
{
	if (off >= LAPIC_ISR && off < LAPIC_ESR)
		return true;
	switch (off) {
	case LAPIC_ID: case LAPIC_LVR: case LAPIC_TPR: case LAPIC_PPR:
	case LAPIC_EOI: case LAPIC_LDR: case LAPIC_SVR: case LAPIC_ESR:
	case LAPIC_ICR: case LAPIC_LVTT: case LAPIC_LVTTHMR: case LAPIC_LVTPC:
	case LAPIC_LVT0: case LAPIC_LVT1: case LAPIC_LVTERR: case LAPIC_TMICT:
	case LAPIC_TMCCT: case LAPIC_TDCR:
		return true;
	case LAPIC_APR: case LAPIC_RRD: case LAPIC_DFR: case LAPIC_ICR2:
		return !r->x2apic;
	case LAPIC_SELF_IPI:
		return r->x2apic;
	default:
		return false;
	}
}

/**
 * lapic_read() - a 32-bit register read at offset @off
 * @r:   the registers
 * @off: the register's offset, a multiple of 16 below 0x400
 * @val: what the read returns (TMCCT: the caller's to compute)
 *
 * Return: 0, or LAPIC_ACT_GP for an offset the mode has no readable
 * register at (xAPIC MMIO callers read 0 instead).
 */
u32 lapic_read(const struct lapic_regs *r, u32 off, u32 *val)
{
	*val = 0;
	if (off >= 0x400 || (off & 0xf) || !lapic_reg_exists(r, off))
		return LAPIC_ACT_GP;
	switch (off) {
	case LAPIC_PPR:
		*val = lapic_ppr(r);
		return 0;
	case LAPIC_APR:
	case LAPIC_RRD:
		return 0;
	case LAPIC_EOI:
	case LAPIC_SELF_IPI:
		return r->x2apic ? LAPIC_ACT_GP : 0;	/* write-only */
	case LAPIC_IRR ... LAPIC_IRR + 0x70:
		*val = R(r, off) | r->pir[(off - LAPIC_IRR) >> 4];
		return 0;
	default:
		*val = R(r, off);
		return 0;
	}
}

/* LVT bits that are writable (the rest read 0): SDM figure 11-8 */
static u32 lapic_lvt_writable(u32 off)
{
	switch (off) {
	case LAPIC_LVTT:
		return LAPIC_LVT_VECTOR | LAPIC_LVT_MASKED | LAPIC_LVT_TIMER_MODE;
	case LAPIC_LVT0:
	case LAPIC_LVT1:	/* vector, mode, polarity, trigger, mask */
		return LAPIC_LVT_VECTOR | GENMASK(10, 8) | BIT(13) | BIT(15) |
		       LAPIC_LVT_MASKED;
	case LAPIC_LVTERR:
		return LAPIC_LVT_VECTOR | LAPIC_LVT_MASKED;
	default:		/* thermal, performance counters */
		return LAPIC_LVT_VECTOR | GENMASK(10, 8) | LAPIC_LVT_MASKED;
	}
}

static u32 lapic_send(struct lapic_regs *r, u32 lo, u32 hi)
{
	lapic_icr_decode(lo, hi, r->x2apic, &r->ipi);
	if (r->ipi.vector < 16 && (r->ipi.mode == LAPIC_DM_FIXED ||
				   r->ipi.mode == LAPIC_DM_LOWEST)) {
		r->esr_pending |= LAPIC_ESR_SEND_ILLEGAL;
		return 0;
	}
	return LAPIC_ACT_IPI;
}

/**
 * lapic_write() - a 32-bit register write at offset @off
 * @r:   the registers
 * @off: the register's offset, a multiple of 16 below 0x400
 * @val: the value
 *
 * Read-only and absent registers ignore the write (xAPIC MMIO); the x2APIC
 * MSR layer refuses those before (lapic_msr_write()).
 *
 * Return: LAPIC_ACT_* bits: what the caller must do now.
 */
u32 lapic_write(struct lapic_regs *r, u32 off, u32 val)
{
	u32 old;

	if (off >= 0x400 || (off & 0xf) || !lapic_reg_exists(r, off))
		return 0;
	switch (off) {
	case LAPIC_TPR:
		R(r, off) = val & 0xff;
		return 0;
	case LAPIC_EOI:
		return lapic_eoi(r);
	case LAPIC_LDR:
		if (!r->x2apic)
			R(r, off) = val & 0xff000000;
		return 0;
	case LAPIC_DFR:
		R(r, off) = val | 0x0fffffff;
		return 0;
	case LAPIC_SVR:
		R(r, off) = val & 0x1ff;
		if (!(val & LAPIC_SVR_ENABLE)) {
			R(r, LAPIC_LVTT) |= LAPIC_LVT_MASKED;
			R(r, LAPIC_LVTTHMR) |= LAPIC_LVT_MASKED;
			R(r, LAPIC_LVTPC) |= LAPIC_LVT_MASKED;
			R(r, LAPIC_LVT0) |= LAPIC_LVT_MASKED;
			R(r, LAPIC_LVT1) |= LAPIC_LVT_MASKED;
			R(r, LAPIC_LVTERR) |= LAPIC_LVT_MASKED;
		}
		return 0;
	case LAPIC_ESR:
		R(r, off) = r->esr_pending;
		r->esr_pending = 0;
		return 0;
	case LAPIC_ICR:
		R(r, off) = val & ~(u32)BIT(12);	/* delivery status: idle */
		return lapic_send(r, R(r, off),
				  r->x2apic ? r->icr_hi : R(r, LAPIC_ICR2));
	case LAPIC_ICR2:
		R(r, off) = val & 0xff000000;
		return 0;
	case LAPIC_LVTT:
		old = r->timer_mode;
		val &= lapic_lvt_writable(off);
		if (!lapic_sw_enabled(r))
			val |= LAPIC_LVT_MASKED;
		R(r, off) = val;
		r->timer_mode = (val & LAPIC_LVT_TIMER_MODE) >> 17;
		if (old != r->timer_mode) {
			R(r, LAPIC_TMICT) = 0;
			return LAPIC_ACT_TIMER;
		}
		return 0;
	case LAPIC_LVTTHMR:
	case LAPIC_LVTPC:
	case LAPIC_LVT0:
	case LAPIC_LVT1:
	case LAPIC_LVTERR:
		val &= lapic_lvt_writable(off);
		if (!lapic_sw_enabled(r))
			val |= LAPIC_LVT_MASKED;
		/* remote IRR (bit 14) stays 0: no level-triggered LINT source */
		R(r, off) = val;
		return 0;
	case LAPIC_TMICT:
		if (lapic_timer_mode(r) == LAPIC_TIMER_TSCDEADLINE)
			return 0;
		R(r, off) = val;
		return LAPIC_ACT_TIMER;
	case LAPIC_TDCR:
		R(r, off) = val & 0xb;
		return 0;
	case LAPIC_SELF_IPI:
		return lapic_send(r, (val & 0xff) | (LAPIC_SH_SELF << 18), 0);
	default:
		return 0;	/* read-only */
	}
}

/* x2APIC registers a WRMSR may write */
static bool lapic_msr_writable(u32 off)
{
	switch (off) {
	case LAPIC_TPR: case LAPIC_EOI: case LAPIC_SVR: case LAPIC_ESR:
	case LAPIC_ICR: case LAPIC_LVTT: case LAPIC_LVTTHMR: case LAPIC_LVTPC:
	case LAPIC_LVT0: case LAPIC_LVT1: case LAPIC_LVTERR: case LAPIC_TMICT:
	case LAPIC_TDCR: case LAPIC_SELF_IPI:
		return true;
	default:
		return false;
	}
}

/**
 * lapic_msr_read() - RDMSR of an x2APIC register
 * @r:   the registers
 * @msr: 0x800-0x8ff
 * @val: the value (TMCCT: the caller's to compute)
 *
 * Return: 0, or LAPIC_ACT_GP (not in x2APIC mode, no such register,
 * write-only).
 */
u32 lapic_msr_read(const struct lapic_regs *r, u32 msr, u64 *val)
{
	u32 off = (msr - LAPIC_X2APIC_MSR_FIRST) << 4, lo;

	*val = 0;
	if (!r->x2apic || msr < LAPIC_X2APIC_MSR_FIRST ||
	    msr > LAPIC_X2APIC_MSR_LAST)
		return LAPIC_ACT_GP;
	if (lapic_read(r, off, &lo))
		return LAPIC_ACT_GP;
	*val = lo;
	if (off == LAPIC_ICR)
		*val |= (u64)r->icr_hi << 32;
	return 0;
}

/**
 * lapic_msr_write() - WRMSR of an x2APIC register
 * @r:   the registers
 * @msr: 0x800-0x8ff
 * @val: the value
 *
 * Return: LAPIC_ACT_* bits; LAPIC_ACT_GP alone when the write is refused
 * (not in x2APIC mode, read-only or absent, reserved bits, a nonzero EOI
 * or ESR write).
 */
u32 lapic_msr_write(struct lapic_regs *r, u32 msr, u64 val)
{
	u32 off = (msr - LAPIC_X2APIC_MSR_FIRST) << 4;

	if (!r->x2apic || msr < LAPIC_X2APIC_MSR_FIRST ||
	    msr > LAPIC_X2APIC_MSR_LAST || !lapic_msr_writable(off))
		return LAPIC_ACT_GP;
	if (off != LAPIC_ICR && (val >> 32))
		return LAPIC_ACT_GP;
	if ((off == LAPIC_EOI || off == LAPIC_ESR) && val)
		return LAPIC_ACT_GP;
	if (off == LAPIC_SELF_IPI && (val & ~0xffULL))
		return LAPIC_ACT_GP;
	if (off == LAPIC_ICR)
		r->icr_hi = val >> 32;
	return lapic_write(r, off, (u32)val);
}

/**
 * lapic_icr_decode() - the message an ICR value sends
 * @lo:     ICR bits 31:0
 * @hi:     ICR bits 63:32 (xAPIC: ICR2, the destination in 31:24)
 * @x2apic: the sender is in x2APIC mode (a 32-bit destination)
 * @ipi:    the message
 */
void lapic_icr_decode(u32 lo, u32 hi, bool x2apic, struct lapic_ipi *ipi)
{
	ipi->vector = lo & 0xff;
	ipi->mode = (lo >> 8) & 7;
	ipi->logical = lo & BIT(11);
	ipi->level = lo & BIT(14);
	ipi->trigger = lo & BIT(15);
	ipi->shorthand = (lo >> 18) & 3;
	ipi->dest = x2apic ? hi : hi >> 24;
}

/**
 * lapic_msi_decode() - the message an MSI address/data pair sends
 * @addr: the MSI address (0xfeexxxxx: destination in 19:12, bit 2 logical)
 * @data: the MSI data (vector, delivery mode, level, trigger as in the ICR)
 * @ipi:  the message (no shorthand)
 */
void lapic_msi_decode(u64 addr, u32 data, struct lapic_ipi *ipi)
{
	lapic_icr_decode(data & (0xff | GENMASK(10, 8) | BIT(14) | BIT(15)),
			 0, false, ipi);
	ipi->logical = addr & BIT(2);
	ipi->dest = (addr >> 12) & 0xff;
}

/**
 * lapic_match_dest() - is this APIC a destination of @ipi?
 * @r:       the receiving APIC's registers
 * @ipi:     the message
 * @is_self: the receiver is the sender
 *
 * Physical mode: the ID, or the broadcast ID (0xff; 0xffffffff in x2APIC
 * mode). Logical mode: x2APIC cluster (31:16 equal, a common bit in
 * 15:0), xAPIC flat (a common bit of MDA and LDR[31:24]) or cluster
 * (DFR model 0: high nibbles equal, a common bit in the low) (11.6.2).
 *
 * Return: true if it is.
 */
bool lapic_match_dest(const struct lapic_regs *r, const struct lapic_ipi *ipi,
		      bool is_self)
{
	u32 bcast = r->x2apic ? 0xffffffff : 0xff, ldr, mda;

	switch (ipi->shorthand) {
	case LAPIC_SH_SELF:
		return is_self;
	case LAPIC_SH_ALL:
		return true;
	case LAPIC_SH_OTHERS:
		return !is_self;
	default:
		break;
	}
	if (ipi->dest == bcast)
		return true;
	if (!ipi->logical)
		return ipi->dest == r->id;
	ldr = R(r, LAPIC_LDR);
	if (r->x2apic)
		return (ipi->dest >> 16) == (ldr >> 16) &&
		       (ipi->dest & ldr & 0xffff);
	mda = ipi->dest & 0xff;
	ldr >>= 24;
	if ((R(r, LAPIC_DFR) >> 28) == 0xf)
		return mda & ldr;
	return (mda >> 4) == (ldr >> 4) && (mda & ldr & 0xf);
}

/**
 * lapic_timer_divisor() - the divide configuration register's divisor
 * @tdcr: TDCR (bits 0, 1 and 3)
 *
 * Return: 1, 2, 4, ... 128.
 */
u32 lapic_timer_divisor(u32 tdcr)
{
	u32 v = (tdcr & 3) | ((tdcr & 8) >> 1);

	return v == 7 ? 1 : 2u << v;
}

/**
 * lapic_timer_ns() - how long @count ticks of the timer last
 * @count:   ticks (the initial count)
 * @tdcr:    the divide configuration
 * @bus_khz: the timer's input frequency, kHz, not 0
 *
 * Return: nanoseconds (at most 2^32 * 128 * 10^6 / @bus_khz: no overflow).
 */
u64 lapic_timer_ns(u32 count, u32 tdcr, u32 bus_khz)
{
	return (u64)count * lapic_timer_divisor(tdcr) * 1000000ULL / bus_khz;
}

/**
 * lapic_timer_count() - the current count, @left_ns before it reaches 0
 * @initial: the initial count
 * @tdcr:    the divide configuration
 * @bus_khz: the timer's input frequency, kHz, not 0
 * @left_ns: nanoseconds until the count reaches 0 (until the period ends)
 *
 * Return: the current count, never above @initial.
 */
u32 lapic_timer_count(u32 initial, u32 tdcr, u32 bus_khz, u64 left_ns)
{
	u64 full = lapic_timer_ns(initial, tdcr, bus_khz), ticks;

	if (left_ns >= full)
		return initial;
	/* left_ns < full, so left_ns * bus_khz < initial * divisor * 10^6 */
	ticks = left_ns * bus_khz / (lapic_timer_divisor(tdcr) * 1000000ULL);
	return ticks > initial ? initial : ticks;
}

/**
 * lapic_base_check() - may IA32_APIC_BASE go from @old to @val?
 * @old:       the current value
 * @val:       the value written
 * @phys_bits: the guest's physical address width
 *
 * Reserved bits (7:0, 9, from @phys_bits up) and the invalid mode
 * transitions are #GP (SDM 11.12.5, figure 11-27): EXTD without EN,
 * x2APIC straight to xAPIC, disabled straight to x2APIC. The BSP flag is
 * the caller's to keep.
 *
 * Return: 0, or -EINVAL for #GP.
 */
int lapic_base_check(u64 old, u64 val, unsigned int phys_bits)
{
	u64 reserved = GENMASK_ULL(7, 0) | BIT_ULL(9);
	bool old_en = old & LAPIC_BASE_EN, old_x2 = old & LAPIC_BASE_EXTD;
	bool en = val & LAPIC_BASE_EN, x2 = val & LAPIC_BASE_EXTD;

	if (phys_bits < 64)
		reserved |= ~GENMASK_ULL(phys_bits - 1, 0);
	if (val & reserved)
		return -EINVAL;
	if (x2 && !en)
		return -EINVAL;
	if (old_en && old_x2 && en && !x2)
		return -EINVAL;
	if (!old_en && en && x2)
		return -EINVAL;
	return 0;
}

/**
 * lapic_deliver_timer() - the timer fired: its LVT entry's interrupt
 * @r: the registers
 *
 * Return: true if an interrupt was put in the IRR (not masked).
 */
bool lapic_deliver_timer(struct lapic_regs *r)
{
	u32 lvtt = R(r, LAPIC_LVTT);

	if (lvtt & LAPIC_LVT_MASKED)
		return false;
	return lapic_accept(r, lvtt & LAPIC_LVT_VECTOR, false);
}

/**
 * lapic_write_trapped() - a write the CPU made to the page and then exited
 * @r:   the registers
 * @off: the register's offset (an APIC-write VM exit's qualification)
 *
 * With APIC-register virtualization the guest's value is already in the
 * page when the exit comes (SDM 30.4.3.2): it is taken from there and
 * written as lapic_write() would, which also puts back what a register
 * that ignores writes held.
 *
 * Return: LAPIC_ACT_* bits, as lapic_write().
 */
u32 lapic_write_trapped(struct lapic_regs *r, u32 off)
{
	u32 val;

	if (off >= 0x400 || (off & 0xf))
		return 0;
	val = R(r, off);
	switch (off) {
	case LAPIC_ID:
		R(r, off) = r->x2apic ? r->id : r->id << 24;
		return 0;
	case LAPIC_LVT_CMCI:
		R(r, off) = LAPIC_LVT_MASKED;	/* no such LVT entry here */
		return 0;
	case LAPIC_TMICT:
		if (lapic_timer_mode(r) == LAPIC_TIMER_TSCDEADLINE) {
			R(r, off) = 0;
			return 0;
		}
		break;
	}
	return lapic_write(r, off, val);
}

/**
 * lapic_eoi_done() - the CPU completed an EOI of @vector itself
 * @r:      the registers
 * @vector: the vector (an EOI-induced VM exit's qualification)
 *
 * Return: LAPIC_ACT_EOI | LAPIC_ACT_LEVEL_EOI (r->eoi_vector set) when
 * @vector is still level-triggered, else 0.
 */
u32 lapic_eoi_done(struct lapic_regs *r, u8 vector)
{
	if (!lapic_vec_test(r, LAPIC_TMR, vector))
		return 0;
	r->eoi_vector = vector;
	return LAPIC_ACT_EOI | LAPIC_ACT_LEVEL_EOI;
}

/**
 * lapic_sync() - the page as the CPU is to take it at VM entry
 * @r: the registers
 *
 * The posted interrupts go into the page's IRR and PPR is written (the
 * CPU keeps it itself only across what it virtualizes). The caller holds
 * the page: no CPU is running the guest on it.
 */
void lapic_sync(struct lapic_regs *r)
{
	int i;

	for (i = 0; i < 8; i++) {
		VEC_WORD(r, LAPIC_IRR, i) |= r->pir[i];
		r->pir[i] = 0;
	}
	R(r, LAPIC_PPR) = lapic_ppr(r);
}

/**
 * lapic_intr_status() - the VMCS's guest interrupt status for the page
 * @r: the registers, after lapic_sync()
 *
 * Return: SVI (the highest vector in service) in bits 15:8, RVI (the
 * highest requested) in bits 7:0; 0 for none.
 */
u16 lapic_intr_status(const struct lapic_regs *r)
{
	int irr = lapic_vec_highest(r, LAPIC_IRR, false);
	int isr = lapic_vec_highest(r, LAPIC_ISR, false);

	return (isr < 0 ? 0 : isr << 8) | (irr < 0 ? 0 : irr);
}

/**
 * lapic_tmr() - the trigger-mode register as four 64-bit words
 * @r:   the registers
 * @tmr: vectors 0-63 in tmr[0], and so on
 */
void lapic_tmr(const struct lapic_regs *r, u64 tmr[4])
{
	int i;

	for (i = 0; i < 4; i++)
		tmr[i] = VEC_WORD(r, LAPIC_TMR, 2 * i) |
			 (u64)VEC_WORD(r, LAPIC_TMR, 2 * i + 1) << 32;
}

/**
 * lapic_pv_eoi_ok() - may the guest end the interrupt in service without
 * an EOI write (KVM's PV EOI)?
 * @r: the registers
 *
 * Only when an interrupt is in service, nothing else is requested (its
 * EOI would have to make the next one deliverable: the write's exit does
 * that) and it is edge-triggered (a level-triggered one's EOI is the
 * VMM's to hear of). KVM's rule.
 *
 * Return: true if so.
 */
bool lapic_pv_eoi_ok(const struct lapic_regs *r)
{
	int isr = lapic_highest_isr(r);

	return isr >= 0 && lapic_highest_irr(r) < 0 &&
	       !lapic_vec_test(r, LAPIC_TMR, isr);
}
