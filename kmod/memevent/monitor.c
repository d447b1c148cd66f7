// SPDX-License-Identifier: GPL-2.0
/*
 * Monitor settings and event decisions: pure logic, compiled into the
 * module and into the host unit tests (selftests/unit/test_monitor.c).
 *
 * Semantics from Xen's INT3/CRx capture (reference 002) and its review,
 * with the changes thinvmx makes:
 *
 * - modes disabled/async/sync and on-change-only as Xen's HVMPME_*, and
 *   on-change-only refused where it means nothing: INT3 (as Xen),
 *   mem_access and read-only MMIO writes (thinvmx: there is no old value);
 * - a sync CR event holds the write until the answer, where Xen reported
 *   it after the fact, so that the answer can deny it;
 * - an async INT3 event re-injects the #BP at once: nobody answers it, and
 *   the guest would otherwise run into the same INT3 forever;
 * - only the listener's fd changes the settings, so a guest never reaches
 *   them (Tim Deegan's objection to HVM params the domain could set on
 *   itself).
 *
 * Settings are per domain; exits are switched on only while something
 * needs them (CR3-load exiting, the CR0/CR4 guest/host masks, #BP in the
 * exception bitmap).
 */
#include "monitor.h"

static_assert(!(THINVMX_MONITOR_MODE_SYNC & ~MONITOR_MODE_MASK),
	      "modes fit the setting byte");
static_assert(THINVMX_MONITOR_RO_MMIO_WRITE + 1 == THINVMX_EVENT_SINGLESTEP,
	      "reasons are the first kinds, then SINGLESTEP, then MSR");
static_assert(THINVMX_EVENT_SINGLESTEP + 1 == THINVMX_EVENT_MSR,
	      "reasons are the first kinds, then SINGLESTEP, then MSR");
static_assert(THINVMX_EVENT_NR_REASONS == THINVMX_MONITOR_NR_KINDS,
	      "every reason below the count");
static_assert(THINVMX_EVENT_IO + 1 == THINVMX_EVENT_NR_REASONS,
	      "IO is the last kind");

/* The kinds whose on-change-only has an old value to compare with. */
static bool monitor_kind_has_old(u32 kind)
{
	return kind == THINVMX_MONITOR_CR0 || kind == THINVMX_MONITOR_CR3 ||
	       kind == THINVMX_MONITOR_CR4 || kind == THINVMX_MONITOR_MSR ||
	       kind == THINVMX_MONITOR_XCR0;
}

/* 7 is SINGLESTEP's reason, not a kind anyone monitors */
static bool monitor_kind_valid(u32 kind)
{
	return kind >= THINVMX_MONITOR_CR0 && kind < THINVMX_MONITOR_NR_KINDS &&
	       kind != THINVMX_EVENT_SINGLESTEP;
}

/**
 * monitor_validate() - whether a kind may take a mode and flags
 * @kind: THINVMX_MONITOR_*
 * @mode: THINVMX_MONITOR_MODE_*
 * @flags: THINVMX_MONITOR_F_*
 *
 * Return: 0, or -EINVAL for an unknown kind, mode or flag, or
 * on-change-only with a kind other than CR0, CR3, CR4, MSR and XCR0.
 */
int monitor_validate(u32 kind, u32 mode, u32 flags)
{
	if (!monitor_kind_valid(kind))
		return -EINVAL;
	if (mode > THINVMX_MONITOR_MODE_SYNC)
		return -EINVAL;
	if (flags & ~THINVMX_MONITOR_F_ON_CHANGE_ONLY)
		return -EINVAL;
	if ((flags & THINVMX_MONITOR_F_ON_CHANGE_ONLY) && !monitor_kind_has_old(kind))
		return -EINVAL;
	return 0;
}

static u8 monitor_msr_setting(u64 slot)
{
	return (u8)(slot >> MONITOR_MSR_SETTING_SHIFT);
}

/* The slot watching @msr, else -1 */
static int monitor_msr_slot(const struct monitor_settings *s, u32 msr)
{
	unsigned int i;

	for (i = 0; i < THINVMX_MONITOR_MSRS; i++) {
		u64 slot = READ_ONCE(s->msr[i]);

		if (monitor_msr_setting(slot) && (u32)slot == msr)
			return i;
	}
	return -1;
}

/*
 * Watch @msr with @setting (0: stop watching it). Its own slot if it has
 * one, else the first free one. One store per slot, so a running vCPU sees
 * the old pair or the new one. Return: 0, or -ENOSPC when all are taken.
 */
static int monitor_msr_set(struct monitor_settings *s, u32 msr, u8 setting)
{
	int i = monitor_msr_slot(s, msr);
	unsigned int j;

	if (i < 0 && !setting)
		return 0;
	if (i < 0) {
		for (j = 0; j < THINVMX_MONITOR_MSRS && i < 0; j++)
			if (!monitor_msr_setting(s->msr[j]))
				i = j;
		if (i < 0)
			return -ENOSPC;
	}
	WRITE_ONCE(s->msr[i], setting ?
		   (u64)setting << MONITOR_MSR_SETTING_SHIFT | msr : 0);
	return 0;
}

/**
 * monitor_set() - THINVMX_SET_MONITOR
 * @s: the domain's settings
 * @m: the request, copied from the listener
 *
 * Return: 0, or -EINVAL (monitor_validate(), msr not zero for a kind
 * other than MSR, an x2APIC MSR, or reserved not zero), or -ENOSPC (THINVMX_MONITOR_MSRS
 * MSRs watched already); @s is unchanged on error.
 */
int monitor_set(struct monitor_settings *s, const struct thinvmx_monitor *m)
{
	u8 setting;
	u32 kind;
	int ret;

	ret = monitor_validate(m->kind, m->mode, m->flags);
	if (ret)
		return ret;
	if ((m->msr && m->kind != THINVMX_MONITOR_MSR) || m->reserved[0] ||
	    m->reserved[1])
		return -EINVAL;
	/*
	 * The x2APIC registers belong to the module's local APIC: written on
	 * every interrupt and timer tick, never worth an event, and an EOI
	 * the VMM must hear of (THINVMX_EXIT_EOI) cannot wait for a daemon.
	 */
	if (m->kind == THINVMX_MONITOR_MSR && m->msr >= MONITOR_X2APIC_FIRST &&
	    m->msr <= MONITOR_X2APIC_LAST)
		return -EINVAL;
	setting = m->mode | ((m->flags & THINVMX_MONITOR_F_ON_CHANGE_ONLY) ?
			     MONITOR_ON_CHANGE : 0);
	if (m->kind == THINVMX_MONITOR_MSR)
		return monitor_msr_set(s, m->msr, m->mode ? setting : 0);
	kind = array_index_nospec(m->kind, THINVMX_MONITOR_NR_KINDS);
	/* read by running vCPUs: mode and flag change in one store */
	WRITE_ONCE(s->kind[kind], setting);
	return 0;
}

/**
 * monitor_get() - THINVMX_GET_MONITOR
 * @s: the domain's settings
 * @m: kind in; mode and flags out, the rest zeroed
 *
 * Return: 0, or -EINVAL for an unknown kind.
 */
int monitor_get(const struct monitor_settings *s, struct thinvmx_monitor *m)
{
	u32 kind = m->kind, msr = m->msr;
	int i;
	u8 v;

	if (!monitor_kind_valid(kind))
		return -EINVAL;
	if (kind == THINVMX_MONITOR_MSR) {
		i = monitor_msr_slot(s, msr);
		v = i < 0 ? 0 : monitor_msr_setting(s->msr[i]);
	} else {
		v = s->kind[array_index_nospec(kind, THINVMX_MONITOR_NR_KINDS)];
		msr = 0;
	}
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->msr = msr;
	m->mode = v & MONITOR_MODE_MASK;
	m->flags = (v & MONITOR_ON_CHANGE) ? THINVMX_MONITOR_F_ON_CHANGE_ONLY : 0;
	return 0;
}

/**
 * monitor_reset() - every kind disabled: the listener went away
 * @s: the domain's settings
 */
void monitor_reset(struct monitor_settings *s)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(s->kind); i++)
		WRITE_ONCE(s->kind[i], 0);
	for (i = 0; i < ARRAY_SIZE(s->msr); i++)
		WRITE_ONCE(s->msr[i], 0);
}

static u8 monitor_setting(const struct monitor_settings *s, u32 kind)
{
	if (!monitor_kind_valid(kind) || kind == THINVMX_MONITOR_MSR)
		return 0;
	/* once: the listener may change it meanwhile */
	return READ_ONCE(s->kind[kind]);
}

static enum monitor_delivery monitor_mode_delivery(u8 setting)
{
	switch (setting & MONITOR_MODE_MASK) {
	case THINVMX_MONITOR_MODE_ASYNC:
		return MONITOR_ASYNC;
	case THINVMX_MONITOR_MODE_SYNC:
		return MONITOR_SYNC;
	default:
		return MONITOR_NONE;
	}
}

/**
 * monitor_delivery() - whether an event of @kind is reported, and how
 * @s: the domain's settings
 * @kind: THINVMX_MONITOR_*
 *
 * Return: MONITOR_NONE (also for an unknown kind), _ASYNC or _SYNC.
 */
enum monitor_delivery monitor_delivery(const struct monitor_settings *s,
				       u32 kind)
{
	return monitor_mode_delivery(monitor_setting(s, kind));
}

static u32 monitor_cr_kind(u32 cr)
{
	switch (cr) {
	case 0:
		return THINVMX_MONITOR_CR0;
	case 3:
		return THINVMX_MONITOR_CR3;
	case 4:
		return THINVMX_MONITOR_CR4;
	default:
		return 0;
	}
}

/**
 * monitor_cr_event() - whether a guest write of a control register is an
 *			event
 * @s: the domain's settings
 * @cr: the register: 0, 3 or 4
 * @old_value: what it holds
 * @new_value: what the guest writes
 *
 * Return: MONITOR_NONE when the register is not monitored (or not 0, 3,
 * 4), or when on-change-only is set and the value stays; else the mode.
 */
enum monitor_delivery monitor_cr_event(const struct monitor_settings *s,
				       u32 cr, u64 old_value, u64 new_value)
{
	u8 v = monitor_setting(s, monitor_cr_kind(cr));

	if ((v & MONITOR_ON_CHANGE) && old_value == new_value)
		return MONITOR_NONE;
	return monitor_mode_delivery(v);
}

/**
 * monitor_msr_event() - whether a WRMSR is an event
 * @s: the domain's settings
 * @msr: the MSR (ECX)
 * @old_known: whether @old_value is what the MSR holds
 * @old_value: what it holds
 * @new_value: what the guest writes
 *
 * Return: MONITOR_NONE when @msr is not watched, or on-change-only is set
 * and the value stays (a write whose old value is unknown is reported);
 * else its mode.
 */
enum monitor_delivery monitor_msr_event(const struct monitor_settings *s,
					u32 msr, bool old_known, u64 old_value,
					u64 new_value)
{
	int i = monitor_msr_slot(s, msr);
	u8 v;

	if (i < 0)
		return MONITOR_NONE;
	v = monitor_msr_setting(READ_ONCE(s->msr[i]));
	if ((v & MONITOR_ON_CHANGE) && old_known && old_value == new_value)
		return MONITOR_NONE;
	return monitor_mode_delivery(v);
}

/**
 * monitor_msr_watched() - whether @msr is in the watched set
 * @s: the settings
 * @msr: the MSR
 *
 * Return: true when a WRMSR of it must exit.
 */
bool monitor_msr_watched(const struct monitor_settings *s, u32 msr)
{
	return monitor_msr_slot(s, msr) >= 0;
}

/**
 * monitor_xcr0_event() - whether an XSETBV of XCR0 is an event
 * @s: the domain's settings
 * @old_value: what XCR0 holds
 * @new_value: what the guest writes (valid: the module checked it)
 *
 * Return: MONITOR_NONE when XCR0 is not monitored, or on-change-only is
 * set and the value stays; else the mode.
 */
enum monitor_delivery monitor_xcr0_event(const struct monitor_settings *s,
					 u64 old_value, u64 new_value)
{
	u8 v = monitor_setting(s, THINVMX_MONITOR_XCR0);

	if ((v & MONITOR_ON_CHANGE) && old_value == new_value)
		return MONITOR_NONE;
	return monitor_mode_delivery(v);
}

/**
 * monitor_guest_request() - whether a VMCALL is a guest request
 * @channels: the channels the domain's owner allowed (bit n: RAX == n)
 * @rax: the guest's RAX
 *
 * Return: true for an allowed channel; any other VMCALL is #UD.
 */
bool monitor_guest_request(u64 channels, u64 rax)
{
	return rax < 64 && (channels & BIT_ULL(rax));
}

/**
 * monitor_needs_desc_exiting() - whether monitoring needs descriptor-table
 *				  exiting
 * @s: the domain's settings
 *
 * The exit costs on every LGDT..STR, and the module must then carry each
 * of them out itself: it is on only while DESC_ACCESS is monitored.
 *
 * Return: true while DESC_ACCESS is monitored (async or sync).
 */
bool monitor_needs_desc_exiting(const struct monitor_settings *s)
{
	return monitor_delivery(s, THINVMX_MONITOR_DESC_ACCESS) != MONITOR_NONE;
}

/**
 * monitor_needs_cr3_exiting() - whether monitoring needs CR3-load exiting
 * @s: the domain's settings
 *
 * With EPT a guest loads CR3 without an exit; the exit costs on every
 * context switch, so it is on only while CR3 is monitored.
 *
 * Return: true while CR3 is monitored (async or sync).
 */
bool monitor_needs_cr3_exiting(const struct monitor_settings *s)
{
	return monitor_delivery(s, THINVMX_MONITOR_CR3) != MONITOR_NONE;
}

/**
 * monitor_cr_guest_host_mask() - CR0/CR4 bits monitoring needs to own
 * @s: the domain's settings
 * @cr: 0 or 4
 *
 * A MOV to CR0/CR4 exits only when it changes a bit of the guest/host mask
 * (SDM Vol. 3, 26.1.3), so a monitored register needs the whole mask; the
 * caller ORs this into the mask it needs anyway.
 *
 * Return: all ones while @cr is monitored, else 0 (also for other @cr).
 */
u64 monitor_cr_guest_host_mask(const struct monitor_settings *s, u32 cr)
{
	if (cr != 0 && cr != 4)
		return 0;
	return monitor_delivery(s, monitor_cr_kind(cr)) != MONITOR_NONE ?
	       ~0ULL : 0;
}

/**
 * monitor_exception_bitmap() - exception bitmap bits monitoring needs
 * @s: the domain's settings
 *
 * Return: bit 3 (#BP) while INT3 is monitored, else 0.
 */
u32 monitor_exception_bitmap(const struct monitor_settings *s)
{
	return monitor_delivery(s, THINVMX_MONITOR_INT3) != MONITOR_NONE ?
	       BIT(3) : 0;
}

/**
 * monitor_int3_action() - what becomes of a guest INT3 that exited
 * @s: the domain's settings
 * @listener: whether a listener is attached
 *
 * With no listener or INT3 monitoring off, the #BP goes to the guest, so
 * that a debugger inside it works. An async event cannot be answered, so
 * its #BP goes to the guest too; a sync event waits for the answer.
 *
 * Return: MONITOR_INT3_*.
 */
enum monitor_int3 monitor_int3_action(const struct monitor_settings *s,
				      bool listener)
{
	if (!listener)
		return MONITOR_INT3_REINJECT;
	switch (monitor_delivery(s, THINVMX_MONITOR_INT3)) {
	case MONITOR_ASYNC:
		return MONITOR_INT3_ASYNC_REINJECT;
	case MONITOR_SYNC:
		return MONITOR_INT3_SYNC;
	default:
		return MONITOR_INT3_REINJECT;
	}
}

/**
 * monitor_event_init() - the common part of every event record
 * @ev: the record, in private memory
 * @reason: THINVMX_EVENT_*
 * @vcpu: the vCPU id
 * @seq: the domain's next sequence number
 * @delivery: MONITOR_ASYNC or MONITOR_SYNC
 *
 * Sets the header and zeroes its pad and the whole payload union, so that
 * nothing uninitialised reaches the ring. The registers and CR0/CR3/CR4,
 * every byte of them, are the caller's to fill (it does, on every event:
 * they are written rather than zeroed first).
 */
void monitor_event_init(struct thinvmx_event *ev, u16 reason, u32 vcpu,
			u64 seq, enum monitor_delivery delivery)
{
	ev->version = THINVMX_EVENT_VERSION;
	ev->reason = reason;
	ev->flags = delivery == MONITOR_SYNC ? THINVMX_EVENT_F_SYNC : 0;
	ev->vcpu = vcpu;
	ev->view = 0;
	ev->seq = seq;
	memset(&ev->u, 0, sizeof(ev->u));
}

/* The answer flags each reason accepts (the table in uapi/thinvmx_introspect.h). */
static u32 monitor_response_allowed(u16 reason)
{
	const u32 any = THINVMX_RESPONSE_SET_REGS | THINVMX_RESPONSE_SINGLESTEP |
			THINVMX_RESPONSE_SWITCH_VIEW |
			THINVMX_RESPONSE_FAST_SINGLESTEP;

	switch (reason) {
	case THINVMX_EVENT_CR0:
	case THINVMX_EVENT_CR3:
	case THINVMX_EVENT_CR4:
	case THINVMX_EVENT_MSR:
	case THINVMX_EVENT_XCR0:
	case THINVMX_EVENT_DESC_ACCESS:
		return any | THINVMX_RESPONSE_DENY;
	case THINVMX_EVENT_INT3:
		return any | THINVMX_RESPONSE_REINJECT | THINVMX_RESPONSE_SKIP;
	case THINVMX_EVENT_MEM_ACCESS:
	case THINVMX_EVENT_RO_MMIO_WRITE:
	case THINVMX_EVENT_SINGLESTEP:
	case THINVMX_EVENT_CPUID:
	case THINVMX_EVENT_GUEST_REQUEST:
		return any;
	/* the #DB's handler runs next, or the guest goes on: nothing to step */
	case THINVMX_EVENT_DEBUG:
		return THINVMX_RESPONSE_SET_REGS | THINVMX_RESPONSE_REINJECT;
	/* the instruction runs again, or is done without the VMM */
	case THINVMX_EVENT_IO:
		return THINVMX_RESPONSE_SET_REGS | THINVMX_RESPONSE_DENY;
	default:
		return 0;
	}
}

/*
 * The reasons whose instruction waits for the answer, which may deny it
 * (CPUID's cannot be denied, only given other results): done unless
 * denied, and skipped.
 */
static bool monitor_reason_holds_write(u16 reason)
{
	return reason == THINVMX_EVENT_CR0 || reason == THINVMX_EVENT_CR3 ||
	       reason == THINVMX_EVENT_CR4 || reason == THINVMX_EVENT_MSR ||
	       reason == THINVMX_EVENT_XCR0 || reason == THINVMX_EVENT_CPUID ||
	       reason == THINVMX_EVENT_DESC_ACCESS;
}

/*
 * The view ids of an answer: below THINVMX_MAX_VIEWS where a flag makes
 * them count, zero where none does; FAST_SINGLESTEP is a step of its own
 * and a switch of its own, so it takes neither SINGLESTEP, SWITCH_VIEW
 * nor REINJECT (whose guest handler runs next: no one instruction to
 * step). Whether the views exist is known only when the vCPU resumes.
 */
static bool monitor_response_views_bad(const struct thinvmx_response *rsp)
{
	u32 f = rsp->flags;
	bool fast = f & THINVMX_RESPONSE_FAST_SINGLESTEP;

	if (rsp->pad2)
		return true;
	if (fast && (f & (THINVMX_RESPONSE_SINGLESTEP |
			  THINVMX_RESPONSE_SWITCH_VIEW |
			  THINVMX_RESPONSE_REINJECT)))
		return true;
	if (!fast && !(f & THINVMX_RESPONSE_SWITCH_VIEW) && rsp->view)
		return true;
	if (!fast && rsp->view_after)
		return true;
	return rsp->view >= THINVMX_MAX_VIEWS ||
	       rsp->view_after >= THINVMX_MAX_VIEWS;
}

/**
 * monitor_response_check() - check an answer and decide what it makes the
 *			      vCPU do
 * @w: the vCPU's wait
 * @vcpu: the vCPU id (the response ring's own)
 * @rsp: the answer, copied out of the ring
 * @actions: MONITOR_ACT_* on success
 *
 * Return:
 * * 0         - @actions is set; the vCPU may resume
 * * -EINVAL   - bad version, unknown or reserved flag, flags the event's
 *               reason does not take, REINJECT with SKIP, pad/reserved
 *               not zero, another vCPU, another reason, REINJECT with
 *               SINGLESTEP (the guest's handler runs next, with TF
 *               cleared: no one instruction to step), or the vCPU waits
 *               for no answer (the event was async or is answered)
 * * -ESRCH    - the vCPU waits for the answer to another event
 */
int monitor_response_check(const struct monitor_wait *w, u32 vcpu,
			   const struct thinvmx_response *rsp, u32 *actions)
{
	u32 flags = rsp->flags;
	u32 act = 0;
	unsigned int i;

	if (rsp->version != THINVMX_EVENT_VERSION || rsp->vcpu != vcpu ||
	    rsp->pad || (flags & ~THINVMX_RESPONSE_FLAGS))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(rsp->reserved); i++)
		if (rsp->reserved[i])
			return -EINVAL;
	if (monitor_response_views_bad(rsp))
		return -EINVAL;
	if (!w->seq)
		return -EINVAL;
	if (rsp->seq != w->seq)
		return -ESRCH;
	if (rsp->reason != w->reason)
		return -EINVAL;
	if (flags & ~monitor_response_allowed(w->reason))
		return -EINVAL;
	if ((flags & THINVMX_RESPONSE_REINJECT) &&
	    (flags & (THINVMX_RESPONSE_SKIP | THINVMX_RESPONSE_SINGLESTEP)))
		return -EINVAL;

	if (flags & THINVMX_RESPONSE_SET_REGS)
		act |= MONITOR_ACT_SET_REGS;
	if (monitor_reason_holds_write(w->reason)) {
		act |= MONITOR_ACT_SKIP;
		if (!(flags & THINVMX_RESPONSE_DENY))
			act |= MONITOR_ACT_APPLY_CR;
	}
	/* IO: done without the VMM, or run again */
	if (w->reason == THINVMX_EVENT_IO && !(flags & THINVMX_RESPONSE_DENY))
		act |= MONITOR_ACT_APPLY_CR;
	if ((flags & THINVMX_RESPONSE_SKIP) ||
	    w->reason == THINVMX_EVENT_GUEST_REQUEST)
		act |= MONITOR_ACT_SKIP;
	if (flags & THINVMX_RESPONSE_REINJECT)
		act |= MONITOR_ACT_REINJECT;
	if (flags & THINVMX_RESPONSE_SINGLESTEP)
		act |= MONITOR_ACT_SINGLESTEP;
	if (flags & THINVMX_RESPONSE_SWITCH_VIEW)
		act |= MONITOR_ACT_SWITCH_VIEW;
	if (flags & THINVMX_RESPONSE_FAST_SINGLESTEP)
		act |= MONITOR_ACT_FAST_STEP;
	*actions = act;
	return 0;
}

/**
 * monitor_default_actions() - how a paused vCPU resumes with nobody to
 *			       answer (the listener's fd closed)
 * @reason: the event it waits for
 *
 * As if nothing watched: the CR write (XCR0, CPUID, descriptor-table
 * instruction) happens, the INT3 or #DB reaches the guest, the VMCALL
 * completes, the port access goes to the VMM, anything else goes on.
 *
 * Return: MONITOR_ACT_*.
 */
u32 monitor_default_actions(u16 reason)
{
	if (monitor_reason_holds_write(reason))
		return MONITOR_ACT_APPLY_CR | MONITOR_ACT_SKIP;
	if (reason == THINVMX_EVENT_INT3 || reason == THINVMX_EVENT_DEBUG)
		return MONITOR_ACT_REINJECT;
	if (reason == THINVMX_EVENT_GUEST_REQUEST)
		return MONITOR_ACT_SKIP;
	if (reason == THINVMX_EVENT_IO)
		return MONITOR_ACT_APPLY_CR;
	return 0;
}

/**
 * monitor_spin_next() - how long a vCPU polls for its next answer
 * @cur: how long it polled for this one, ns
 * @base: the shortest poll (module parameter event_spin_ns); 0: never poll
 * @max: the longest (event_spin_max_ns); taken as @base when smaller
 * @waited: how long this answer took, ns
 *
 * An answer that came after the poll but within @max would have been
 * caught by a longer one: the window doubles until it covers that wait
 * (at most @max). One that took longer than @max means a daemon that is
 * slow or asleep: polling for it only burns the CPU, and the window halves
 * (not below @base). An answer within the window keeps it.
 *
 * Return: the next window, ns, in [@base, max(@base, @max)].
 */
u32 monitor_spin_next(u32 cur, u32 base, u32 max, u64 waited)
{
	if (!base)
		return 0;
	if (max < base)
		max = base;
	if (cur < base)
		cur = base;
	if (cur > max)
		cur = max;
	if (waited <= cur)
		return cur;
	if (waited > max)
		return cur / 2 > base ? cur / 2 : base;
	while (cur < waited && cur < max)
		cur = cur > max / 2 ? max : cur * 2;
	return cur;
}
