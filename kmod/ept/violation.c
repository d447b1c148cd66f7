// SPDX-License-Identifier: GPL-2.0
/*
 * EPT violations (SDM 28.2.1, table 28-7): p2m.c decides what each one is
 * from the leaf and the exit qualification; this carries it out -- a
 * logdirty frame logged, a mem_access violation reported or handed to
 * the VMM, a write to ram_ro or read-only MMIO discarded, anything else
 * emulated MMIO, a fetch from a superpage nx_huge keeps from executing
 * split. Also the one place outside the p2m ioctls that changes a leaf:
 * the swap for one single-stepped instruction.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <asm/debugreg.h>

#include "ept/p2m_ops.h"
#include "ept/violation.h"
#include "memevent/event.h"
#include "msix/ro_mmio.h"
#include "vcpu.h"
#include "vmx/exit.h"
#include "vmx/io.h"
#include "vmx/step.h"

/**
 * ept_swap_leaf() - change one leaf for the length of a single step
 * @dom:     the domain
 * @ept:     the EPT the vCPU runs on: view 0's, or its view's (whose leaf
 *	     a concurrent p2m change may have dropped: then -EINVAL)
 * @sw:      where the swap is recorded
 * @gpa:     the guest-physical address whose leaf changes
 * @scratch: point it at the domain's scratch page (a write to discard
 *	     lands there); else allow every access to its own frame
 * @pa:      pages to split a superpage with (not for @scratch)
 *
 * ept_unswap_leaf() puts it back, unless a p2m ioctl replaced it
 * meanwhile; a p2m update puts every swapped leaf back before it changes
 * anything (ept_unswap_all()). Under nx_huge a superpage is first split down to the 4 KiB
 * leaf of @gpa, which is swapped: the access allowed once may be a fetch,
 * which a superpage never allows there, and a fetch from a swapped
 * superpage would split it (P2M_VIOL_NX_SPLIT) into 512 leaves with the
 * step's rights, which never go back.
 *
 * Return: 0, -EINVAL when the leaf cannot be swapped (no leaf; scratch
 * needs a 4 KiB leaf), or -ENOMEM (@pa too small for the split).
 */
int ept_swap_leaf(struct tvx_dom *dom, struct ept *ept, struct ept_leaf_swap *sw,
		  u64 gpa, bool scratch, struct ept_prealloc *pa)
{
	int level, split;
	u64 *e, hpa;

	spin_lock(&dom->ept.lock);
	e = ept_find_leaf(ept, gpa, &level);
	if (e && (*e & ~EPT_EMPTY) == 0)
		e = NULL;	/* a view's slot, emptied */
	if (e && !scratch && p2m_nx_huge_leaf(&ept->caps, level)) {
		split = pa ? ept_split_down(ept, gpa >> PAGE_SHIFT, pa) :
			     -ENOMEM;
		if (split < 0) {
			spin_unlock(&dom->ept.lock);
			return split;
		}
		atomic64_add(split, &dom->nx_huge_splits);
		e = ept_find_leaf(ept, gpa, &level);
	}
	if (!e || (scratch && level != EPT_LEVEL_4K)) {
		spin_unlock(&dom->ept.lock);
		return -EINVAL;
	}
	sw->saved = *e;
	sw->gpa = gpa;
	sw->ept = ept;
	if (scratch) {
		sw->step = p2m_ept_entry(&ept->caps, 0,
					 page_to_phys(dom->scratch),
					 EPT_LEVEL_4K, THINVMX_P2M_RAM_RW,
					 THINVMX_ACCESS_RWX, false);
	} else {
		hpa = *e & GENMASK_ULL(51, EPT_LEVEL_SHIFT(level));
		sw->step = p2m_ept_entry(&ept->caps, *e, hpa, level,
					 p2m_entry_type(*e), THINVMX_ACCESS_RWX,
					 tvx_mmio_ro(hpa));
	}
	WRITE_ONCE(*e, sw->step);
	WRITE_ONCE(sw->active, true);
	list_add(&sw->node, &ept->swaps);
	spin_unlock(&dom->ept.lock);
	return 0;
}

/**
 * ept_unswap_leaf() - put back what ept_swap_leaf() changed
 * @dom: the domain
 * @sw:  the swap; nothing happens unless it is active
 *
 * The INVEPT is done on every CPU before this returns: any vCPU that used
 * the frame during the step may cache its translation. Of the swapped
 * EPT alone: views derive from the leaf a view-0 swap saved, never from
 * the step's (ept/view.c), so they have nothing to drop.
 */
void ept_unswap_leaf(struct tvx_dom *dom, struct ept_leaf_swap *sw)
{
	bool active;

	if (!READ_ONCE(sw->active))
		return;
	spin_lock(&dom->ept.lock);
	/* a p2m update may have put it back already (ept_unswap_all()) */
	active = sw->active;
	if (active)
		ept_unswap_locked(sw->ept, sw);
	spin_unlock(&dom->ept.lock);
	if (active)
		ept_flush_all_cpus(sw->ept);
}

/*
 * May the guest read (@write false) or write the RAM frame at @gpa, as
 * its EPT entry would let it? The decision of an EPT violation
 * (p2m_ept_violation()) for that access: allowed as the leaf is, a
 * logdirty frame logged and made writable (as the violation would), a
 * write to ram_ro dropped. Only a @final look does what the decision
 * says (log, count); an earlier one only asks. Return: 0 (go on), 1 (drop
 * the write), or -EACCES (MMIO, nothing mapped, an access right that
 * withholds it).
 */
int tvx_ept_access(struct tvx_vcpu *v, u64 gpa, bool write,
		   bool final)
{
	struct tvx_dom *dom = v->dom;
	struct p2m_violation viol;
	bool flush = false;
	int level, ret;
	u64 *e;

	spin_lock(&dom->ept.lock);
	e = ept_find_leaf(&dom->ept, gpa, &level);
	ret = e ? p2m_ept_violation(&dom->ept.caps, *e, level,
				    write ? EPT_VIOLATION_ACC_WRITE :
				    EPT_VIOLATION_ACC_READ,
				    tvx_mmio_ro(*e & EPT_ADDR_MASK), &viol) : -EACCES;
	if (!ret) {
		switch (viol.kind) {
		case P2M_VIOL_RETRY:
			break;
		case P2M_VIOL_LOGDIRTY:
			if (!final)
				break;
			flush = ept_set_leaf(&dom->ept, e, level, viol.type,
					     viol.access, false);
			tvx_logdirty_mark(dom, gpa >> PAGE_SHIFT);
			atomic64_inc(&dom->logdirty_faults);
			break;
		case P2M_VIOL_RAM_RO_WRITE:
			if (final)
				atomic64_inc(&dom->ram_ro_writes_discarded);
			ret = 1;
			break;
		default:
			ret = -EACCES;
			break;
		}
	}
	spin_unlock(&dom->ept.lock);
	if (flush)
		tvx_p2m_flush(dom, gpa >> PAGE_SHIFT, 1);
	return ret < 0 ? -EACCES : ret;
}

/*
 * The pages a vCPU's pool holds before a stretch: for nx_huge's splits,
 * and for the tables a view's fill may make (VIEW_FILL_PAGES), while the
 * domain has views.
 */
static unsigned int tvx_ept_pool_want(const struct tvx_vcpu *v)
{
	unsigned int n = v->dom->ept.caps.nx_huge ? EPT_SPLIT_DOWN_PAGES : 0;

	if (READ_ONCE(v->dom->nr_views) && n < VIEW_FILL_PAGES)
		n = VIEW_FILL_PAGES;
	return n;
}

/**
 * tvx_ept_topup() - fill a vCPU's pool for the splits of its exits
 * @v: the vCPU
 *
 * Exit handlers run with preemption off and cannot allocate. Under
 * nx_huge, a fetch from a superpage and the single step of a mem_access
 * violation on one split it with pages of this pool, at most
 * EPT_SPLIT_DOWN_PAGES at a time (a 1 GiB leaf down to 4 KiB). The run
 * loop calls this before each stretch; an exit that finds the pool short
 * changes nothing and leaves the stretch (TVX_EXIT_REFILL). The pages
 * are charged to the VMM's memory cgroup, as the domain's tables are.
 *
 * Context: process context; may sleep.
 * Return: 0, or -ENOMEM.
 */
int tvx_ept_topup(struct tvx_vcpu *v)
{
	return ept_prealloc_fill(&v->split_pool, tvx_ept_pool_want(v), 0);
}

/**
 * tvx_ept_pool_short() - must the pool be topped up before a stretch?
 * @v: the vCPU
 *
 * Return: true when it holds fewer pages than its exits may take.
 */
bool tvx_ept_pool_short(const struct tvx_vcpu *v)
{
	return v->split_pool.nr < tvx_ept_pool_want(v);
}

/*
 * Whether carrying out @viol on the leaf at @level may split it: a fetch
 * nx_huge keeps from a superpage, or a mem_access violation on one, whose
 * allowed single step (tvx_allow_once()) splits it (ept_swap_leaf()).
 */
static bool tvx_ept_may_split(const struct ept *ept,
			      const struct p2m_violation *viol, int level)
{
	return p2m_nx_huge_leaf(&ept->caps, level) &&
	       (viol->kind == P2M_VIOL_NX_SPLIT || viol->kind == P2M_VIOL_ACCESS);
}

/*
 * The operand a read-modify-write of a read-only frame reads: the frame's
 * own value, from RAM (ram_ro), or from the device as the run loop read
 * it for this instruction (tvx_ro_devread_first()). Return: 0 with @val,
 * or -ENOENT when it is not there.
 */
static int tvx_discard_operand(struct tvx_vcpu *v, u64 gpa,
			       const struct emu_insn *insn, u64 *val)
{
	typeof(v->io.devread) *dr = &v->io.devread;

	*val = 0;
	if (!tvx_read_guest(v->dom, gpa, val, insn->size))
		return 0;
	if (!dr->valid || dr->gpa != gpa || dr->size != insn->size ||
	    dr->rip != vmcs_readl(GUEST_RIP))
		return -ENOENT;
	dr->valid = false;	/* once: the next instruction reads again */
	*val = dr->val;
	return 0;
}

/**
 * tvx_discard_write() - drop a guest write to a read-only frame
 * @v:   the vCPU, in the exit of the write (or resuming from its event)
 * @gpa: the frame written (ram_ro, read-only MMIO)
 *
 * Decoded instructions are carried out without their write: a MOV is
 * skipped; a read-modify-write reads the frame's real value (the
 * device's, for MMIO), sets RFLAGS and any register as the CPU would, and
 * is skipped; a STOS or MOVS element steps its registers (RIP stays while
 * REP's count is not 0). Anything else goes through the scratch page
 * (whose reads are not the frame's); a write of the CPU's own event
 * delivery is no instruction's (tvx_discard_delivery_write()).
 *
 * Return: as an exit handler.
 */
int tvx_discard_write(struct tvx_vcpu *v, u64 gpa)
{
	u64 rflags = vmcs_readl(GUEST_RFLAGS), val;
	struct emu_alu_out out;
	struct emu_insn insn;
	unsigned int len;
	u8 bytes[EMU_MAX_LEN];

	/* the CPU's own write, delivering an event: no instruction's */
	if (v->exit_idt_info & VECTORING_INFO_VALID_MASK)
		return tvx_discard_delivery_write(v, gpa);
	if (tvx_fetch_insn(v, bytes, &len) ||
	    emu_decode(bytes, len, tvx_guest_mode(), &insn))
		return tvx_discard_by_single_step(v, gpa);
	switch (insn.op) {
	case EMU_OP_MOV:
		if (!insn.is_write)
			return tvx_discard_by_single_step(v, gpa);
		break;
	case EMU_OP_ALU:
		if (!emu_alu_writes(&insn) ||
		    tvx_discard_operand(v, gpa, &insn, &val))
			return tvx_discard_by_single_step(v, gpa);
		emu_alu(&insn, val, v->gprs, rflags, &out);
		vmcs_writel(GUEST_RFLAGS, out.rflags);
		break;
	case EMU_OP_STOS:
	case EMU_OP_MOVS:
		/* the element's write is dropped; the next one runs natively */
		if (!emu_string_advance(&insn, rflags, v->gprs,
					insn.op == EMU_OP_MOVS, true))
			return TVX_EXIT_RESUME;
		break;
	default:
		return tvx_discard_by_single_step(v, gpa);
	}
	vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + insn.len);
	return TVX_EXIT_RESUME;
}

/*
 * A read-modify-write of a read-only device frame reads the device, which
 * needs ioremap(), which may sleep: the first exit of the instruction
 * leaves the stretch for the run loop to read it (TVX_EXIT_DEVREAD), and
 * the instruction, run again, exits again and is discarded with it.
 * Return: true when this exit is the first (nothing else is done for it:
 * not counted, not reported).
 */
static bool tvx_ro_devread_first(struct tvx_vcpu *v, u64 gpa, u64 hpa)
{
	typeof(v->io.devread) *dr = &v->io.devread;
	u64 rip = vmcs_readl(GUEST_RIP);
	struct emu_insn insn;
	unsigned int len;
	u8 bytes[EMU_MAX_LEN];

	if ((v->exit_idt_info & VECTORING_INFO_VALID_MASK) ||
	    tvx_fetch_insn(v, bytes, &len) ||
	    emu_decode(bytes, len, tvx_guest_mode(), &insn) ||
	    !emu_alu_writes(&insn) ||
	    offset_in_page(gpa) + insn.size > PAGE_SIZE)
		return false;
	if (dr->valid && dr->gpa == gpa && dr->rip == rip &&
	    dr->size == insn.size)
		return false;
	dr->hpa = hpa;
	dr->gpa = gpa;
	dr->rip = rip;
	dr->size = insn.size;
	dr->valid = false;
	dr->want = true;
	return true;
}

/* The linear address of an EPT violation, when the CPU gave one. */
static void tvx_event_gla(struct tvx_vcpu *v, const struct p2m_violation *viol,
			  u64 *gla)
{
	if (!viol->gla_valid)
		return;
	tvx_event_flag(v, THINVMX_EVENT_F_GLA_VALID);
	*gla = vmcs_readl(GUEST_LINEAR_ADDRESS);
}

/*
 * A mem_access violation, reported to a listener that monitors them.
 * Async: the access happens once (single-stepped) unless rx2rw/n2rwx
 * allowed it already; sync: the answer decides (tvx_event_resume()).
 * Return: as a handler, or -ENOENT when nobody listens (the VMM's RUN
 * exit takes it).
 */
static int tvx_mem_access_event(struct tvx_vcpu *v, u64 gpa,
				const struct p2m_violation *viol, u32 right)
{
	enum monitor_delivery d;
	struct thinvmx_event *ev;

	d = monitor_delivery(&v->dom->monitor, THINVMX_MONITOR_MEM_ACCESS);
	ev = d == MONITOR_NONE ? NULL :
	     tvx_event_begin(v, THINVMX_EVENT_MEM_ACCESS, d);
	if (!ev)
		return -ENOENT;
	tvx_event_flag(v, THINVMX_EVENT_F_GFN_VALID |
		       (viol->in_walk ? THINVMX_EVENT_F_IN_WALK : 0));
	ev->u.mem_access.gfn = gpa >> PAGE_SHIFT;
	ev->u.mem_access.offset = offset_in_page(gpa);
	ev->u.mem_access.access = viol->attempted;
	ev->u.mem_access.right = right;
	tvx_event_gla(v, viol, &ev->u.mem_access.gla);
	v->ev.gpa = gpa;
	if (d == MONITOR_ASYNC && !p2m_access_allows(viol->access, viol->attempted))
		tvx_allow_once(v, gpa);
	return tvx_event_send(v);
}

/*
 * A write to read-only MMIO: discarded in every case. Reported when
 * monitored: async, the write is discarded at once and the event follows;
 * sync, the vCPU waits on the write and the answer's resume discards it.
 */
static int tvx_ro_mmio_event(struct tvx_vcpu *v, u64 gpa, u64 hpa,
			     const struct p2m_violation *viol)
{
	enum monitor_delivery d;
	struct thinvmx_event *ev;
	int ret, sent;

	d = monitor_delivery(&v->dom->monitor, THINVMX_MONITOR_RO_MMIO_WRITE);
	ev = d == MONITOR_NONE ? NULL :
	     tvx_event_begin(v, THINVMX_EVENT_RO_MMIO_WRITE, d);
	if (!ev)
		return tvx_discard_write(v, gpa);
	tvx_event_flag(v, THINVMX_EVENT_F_GFN_VALID);
	ev->u.ro_mmio.gfn = gpa >> PAGE_SHIFT;
	ev->u.ro_mmio.mfn = hpa >> PAGE_SHIFT;
	ev->u.ro_mmio.offset = offset_in_page(gpa);
	tvx_event_gla(v, viol, &ev->u.ro_mmio.gla);
	v->ev.gpa = gpa;
	if (d == MONITOR_SYNC)
		return tvx_event_send(v);
	ret = tvx_discard_write(v, gpa);
	sent = tvx_event_send(v);
	/* TO_USER: the vCPU stopped on the write */
	return ret == TVX_EXIT_RESUME ? sent : ret;
}

/*
 * Carry out the decision on an EPT violation at @gpa (host frame @hpa;
 * @right the frame's access right; @split the leaves an nx_huge split
 * made): the same for view 0 and for the views.
 */
static int tvx_ept_carry_out(struct tvx_vcpu *v, u64 gpa, u64 hpa,
			     const struct p2m_violation *viol, u32 right,
			     int split)
{
	struct tvx_dom *dom = v->dom;
	struct thinvmx_run *run = v->run;
	int ret;

	switch (viol->kind) {
	case P2M_VIOL_RETRY:
		return TVX_EXIT_RESUME;
	case P2M_VIOL_LOGDIRTY:
		atomic64_inc(&dom->logdirty_faults);
		return TVX_EXIT_RESUME;
	case P2M_VIOL_NX_SPLIT:
		/* the pool was checked above: never fails */
		if (split <= 0)
			return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
		atomic64_add(split, &dom->nx_huge_splits);
		return TVX_EXIT_RESUME;
	case P2M_VIOL_ACCESS:
		atomic64_inc(&dom->mem_access_violations);
		ret = tvx_mem_access_event(v, gpa, viol, right);
		if (ret >= 0)
			return ret;
		run->exit_reason = THINVMX_EXIT_MEM_ACCESS;
		run->mem_access.gpa = gpa;
		run->mem_access.gla = viol->gla_valid ?
				      vmcs_readl(GUEST_LINEAR_ADDRESS) : 0;
		run->mem_access.attempted = viol->attempted;
		run->mem_access.access = viol->access;
		run->mem_access.type = viol->type;
		run->mem_access.flags =
			(viol->gla_valid ? THINVMX_MEM_ACCESS_GLA_VALID : 0) |
			(viol->in_walk ? THINVMX_MEM_ACCESS_IN_WALK : 0);
		run->mem_access.pad = 0;
		return TVX_EXIT_TO_USER;
	case P2M_VIOL_RAM_RO_WRITE:
		atomic64_inc(&dom->ram_ro_writes_discarded);
		return tvx_discard_write(v, gpa);
	case P2M_VIOL_RO_MMIO_WRITE:
		if (tvx_ro_devread_first(v, gpa, hpa))
			return TVX_EXIT_DEVREAD;
		atomic64_inc(&dom->mmio_ro_writes_discarded);
		return tvx_ro_mmio_event(v, gpa, hpa, viol);
	case P2M_VIOL_MMIO_DM:
	case P2M_VIOL_UNMAPPED:
	default:
		return tvx_emulate_mmio(v, gpa);
	}
}

/*
 * An EPT violation in a view (ept/view.c). The view's leaf is a cache of
 * what view 0 and the view's overrides make of the frame: missing or
 * stale, it is derived again and the access retried; as it should be, the
 * violation is decided on it exactly as view 0's (p2m_ept_violation()),
 * with what changes kept where it belongs -- an access right moved on
 * (rx2rw) in the view, a logdirty frame logged and made writable in view
 * 0, for the frame shown.
 */
static int tvx_view_ept_violation(struct tvx_vcpu *v, struct tvx_view *view,
				  u64 gpa, unsigned long qual)
{
	struct tvx_dom *dom = v->dom;
	struct p2m_violation viol;
	u64 *e, want, src, hpa;
	bool flush = false, ro;
	int level, ret;
	u32 right;

	spin_lock(&dom->ept.lock);
	want = tvx_view_derive_locked(dom, view, gpa >> PAGE_SHIFT, &src);
	if (!want) {
		/* view 0 maps nothing there: emulated MMIO, as in view 0 */
		spin_unlock(&dom->ept.lock);
		return tvx_emulate_mmio(v, gpa);
	}
	e = tvx_view_slot_locked(view, gpa, &v->split_pool);
	if (!e) {
		spin_unlock(&dom->ept.lock);
		return TVX_EXIT_REFILL;
	}
	if (*e != want) {
		flush = tvx_view_set_leaf_locked(view, e, want);
		spin_unlock(&dom->ept.lock);
		if (flush)
			ept_flush_all_cpus(&view->ept);
		return TVX_EXIT_RESUME;
	}
	hpa = (want & EPT_ADDR_MASK) + offset_in_page(gpa);
	ro = tvx_mmio_ro(hpa);
	right = p2m_entry_access(want);
	ret = p2m_ept_violation(&view->ept.caps, want, EPT_LEVEL_4K, qual, ro,
				&viol);
	if (!ret && viol.rebuild && viol.kind == P2M_VIOL_LOGDIRTY) {
		/* the frame shown is logged, and writable in view 0 */
		u64 *e0 = ept_find_leaf(&dom->ept, src << PAGE_SHIFT, &level);

		if (e0 && p2m_entry_type(*e0) == THINVMX_P2M_RAM_LOGDIRTY)
			ept_set_leaf(&dom->ept, e0, level, THINVMX_P2M_RAM_RW,
				     p2m_entry_access(*e0), false);
		tvx_logdirty_mark(dom, src);
	} else if (!ret && viol.rebuild && viol.type == p2m_entry_type(want) &&
		   viol.access != right) {
		/* rx2rw, n2rwx: moved on in this view */
		tvx_view_keep_access_locked(view, gpa >> PAGE_SHIFT, viol.access);
	}
	if (!ret && viol.rebuild) {
		want = tvx_view_derive_locked(dom, view, gpa >> PAGE_SHIFT, &src);
		flush = tvx_view_set_leaf_locked(view, e, want);
	}
	spin_unlock(&dom->ept.lock);
	if (ret)
		return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
	if (flush)
		ept_flush_all_cpus(&view->ept);
	return tvx_ept_carry_out(v, gpa, hpa, &viol, right, 0);
}

/*
 * EPT violations (SDM 28.2.1, table 28-7): p2m.c decides what each one is
 * from the leaf and the exit qualification; this carries it out.
 */
int handle_ept_violation(struct tvx_vcpu *v)
{
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	struct tvx_dom *dom = v->dom;
	struct p2m_violation viol;
	bool flush = false, ro;
	int level, ret, split = 0;
	u64 *e, hpa;
	u32 right;

	/*
	 * The instruction being stepped faulted and runs again: no step is
	 * done yet (Bochs records one as pending at this exit).
	 */
	if (v->step.active && !v->step.mtf)
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) & ~DR_STEP);
	if (v->vview.loaded)
		return tvx_view_ept_violation(v, dom->views[v->vview.loaded],
					      gpa, qual);
	spin_lock(&dom->ept.lock);
	e = ept_find_leaf(&dom->ept, gpa, &level);
	if (!e) {
		spin_unlock(&dom->ept.lock);
		return tvx_emulate_mmio(v, gpa);
	}
	hpa = (*e & GENMASK_ULL(51, EPT_LEVEL_SHIFT(level))) +
	      (gpa & GENMASK_ULL(EPT_LEVEL_SHIFT(level) - 1, 0));
	ro = tvx_mmio_ro(hpa);
	right = p2m_entry_access(*e);
	ret = p2m_ept_violation(&dom->ept.caps, *e, level, qual, ro, &viol);
	/*
	 * A split takes a page per level from the vCPU's pool. Too few: do
	 * nothing of the decision (rx2rw and n2rwx stay, no event goes out),
	 * refill outside the stretch, and the access faults again.
	 */
	if (!ret && tvx_ept_may_split(&dom->ept, &viol, level) &&
	    v->split_pool.nr < level) {
		spin_unlock(&dom->ept.lock);
		return TVX_EXIT_REFILL;
	}
	if (!ret && viol.rebuild)
		flush = ept_set_leaf(&dom->ept, e, level, viol.type, viol.access,
				     tvx_mmio_ro(*e & EPT_ADDR_MASK));
	if (!ret && viol.kind == P2M_VIOL_LOGDIRTY)
		tvx_logdirty_mark(dom, gpa >> PAGE_SHIFT);
	/*
	 * Decided under the lock on the leaf as it is now: a vCPU that
	 * faulted on the same superpage and comes second finds the 4 KiB
	 * leaf the first made, and retries.
	 */
	if (!ret && viol.kind == P2M_VIOL_NX_SPLIT)
		split = ept_split_down(&dom->ept, gpa >> PAGE_SHIFT,
				       &v->split_pool);
	spin_unlock(&dom->ept.lock);
	if (ret)
		return tvx_internal_error(v, THINVMX_INTERNAL_UNHANDLED_EXIT);
	/* the views derived from the leaf go with it */
	if (flush)
		tvx_p2m_flush(dom, (gpa >> EPT_LEVEL_SHIFT(level)) << (9 * level),
			      1ULL << (9 * level));
	return tvx_ept_carry_out(v, gpa, hpa, &viol, right, split);
}
