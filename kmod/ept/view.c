// SPDX-License-Identifier: GPL-2.0
/*
 * Alternate p2m views (Xen's altp2m): up to THINVMX_MAX_VIEWS - 1 EPTs of
 * a domain besides its p2m (view 0), each vCPU running in one of them.
 *
 * A view is a cache of view 0, never a copy that must be kept in step:
 * each of its leaves is derived from view 0's leaf of the frame it shows
 * plus the view's own override of the frame (an access right, another
 * frame shown; p2m_view_leaf()), and from nothing else. Leaves are filled
 * when the guest first touches a frame in the view (its EPT violation,
 * ept/violation.c) and dropped whenever view 0's leaf of that frame
 * changes in a way that needs an INVEPT: every such change already ends
 * in one (tvx_p2m_flush(), which empties the views first). A change that
 * needs none only gives rights or maps a frame that was not mapped; a
 * view's leaf that missed it has fewer rights than it would now have,
 * faults, and is derived again. So every p2m operation there is or will
 * be -- types, dirty logging, the read-only MMIO set, direct MMIO, splits,
 * nx_huge, hot-plug -- holds for the views without their knowing, and no
 * view can give a right view 0's type withholds: the derivation takes the
 * type from view 0 and never grants W on a read-only MMIO frame.
 *
 * Simpler than Xen's propagation of every change into every view, at the
 * cost of refaults after a change; kept simple because it is obviously
 * right. All views of a domain are covered by view 0's EPT lock, so a
 * fill and a change of view 0 never interleave.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>

#include "domain.h"
#include "ept/view.h"
#include "memevent/listener.h"
#include "memevent/trap.h"
#include "msix/ro_mmio.h"
#include "vcpu.h"
#include "vmx/enable.h"
#include "vmx/host_caps.h"
#include "vmx/vmx_bits.h"
#include "vmx/vmx_ops.h"

/* Above this many frames a view is emptied whole rather than frame by frame. */
#define VIEW_ZAP_FRAMES		64

static u64 view_index(u64 gpa, int level)
{
	return (gpa >> EPT_LEVEL_SHIFT(level)) & (P2M_EPT_ENTRIES - 1);
}

/* ------------------------------------------------------------ flushes */

struct view_flush {
	bool single;
	unsigned int n;
	u64 eptp[THINVMX_MAX_VIEWS];
};

static void view_invept_cpu(void *arg)
{
	struct view_flush *f = arg;
	unsigned int i;

	/* a CPU on its way down or up flushes at its next VMXON */
	if (!vmx_this_cpu_on())
		return;
	if (!f->single) {
		__invept(VMX_EPT_EXTENT_GLOBAL, 0, 0);
		return;
	}
	for (i = 0; i < f->n; i++)
		__invept(VMX_EPT_EXTENT_CONTEXT, f->eptp[i], 0);
}

/* Clear a view's leaves of [gfn, gfn + nr): all of them for a big range. */
static void view_zap_locked(struct tvx_view *view, u64 gfn, u64 nr)
{
	int level;
	u64 *e;

	if (nr > VIEW_ZAP_FRAMES) {
		ept_zap_all(&view->ept);
		return;
	}
	for (; nr; nr--, gfn++) {
		e = ept_find_leaf(&view->ept, gfn << PAGE_SHIFT, &level);
		if (e) {
			WRITE_ONCE(*e, EPT_EMPTY);
			view->ept.leaves[level]--;
		}
	}
}

/* The EPTPs to flush: view 0's (if @all) and every view's, under the lock. */
static void view_collect_locked(struct tvx_dom *dom, struct view_flush *f)
{
	unsigned int i;

	f->single = dom->ept.invept_single;
	f->eptp[f->n++] = dom->ept.eptp;
	for (i = 1; i < THINVMX_MAX_VIEWS; i++)
		if (dom->views[i])
			f->eptp[f->n++] = dom->views[i]->ept.eptp;
}

/**
 * tvx_p2m_flush() - view 0 changed: empty the views there, then INVEPT
 * @dom: the domain, its EPT lock not held
 * @gfn: the first frame whose view-0 leaf changed
 * @nr:  how many (U64_MAX: any frame)
 *
 * Where a p2m change used to invalidate view 0's translations alone: the
 * views' leaves derived from the old entries go first (under the lock,
 * so no fill derives from the old entries after), then every view's EPTP
 * and view 0's are invalidated on every CPU in VMX operation before this
 * returns.
 */
void tvx_p2m_flush(struct tvx_dom *dom, u64 gfn, u64 nr)
{
	struct view_flush f = { 0 };
	unsigned int i;

	spin_lock(&dom->ept.lock);
	for (i = 1; i < THINVMX_MAX_VIEWS; i++)
		if (dom->views[i])
			view_zap_locked(dom->views[i], gfn, nr);
	view_collect_locked(dom, &f);
	spin_unlock(&dom->ept.lock);
	on_each_cpu(view_invept_cpu, &f, 1);
}

/* Invalidate one view's translations on every CPU. */
static void view_flush_one(struct tvx_view *view)
{
	struct view_flush f = {
		.single = view->ept.invept_single,
		.n = 1,
		.eptp = { view->ept.eptp },
	};

	on_each_cpu(view_invept_cpu, &f, 1);
}

/**
 * tvx_views_flush_this_cpu() - invalidate every view's translations here
 * @dom: the domain
 *
 * What a vCPU that comes to this CPU does for view 0 (tvx_vmcs_host_cpu()),
 * for every view it may switch to.
 * Context: preemption disabled, in VMX operation.
 */
void tvx_views_flush_this_cpu(struct tvx_dom *dom)
{
	struct view_flush f = { 0 };

	spin_lock(&dom->ept.lock);
	view_collect_locked(dom, &f);
	spin_unlock(&dom->ept.lock);
	view_invept_cpu(&f);
}

/* ------------------------------------------------------------ leaves */

/*
 * View 0's leaf of @gfn as views derive from it: a leaf swapped for one
 * vCPU's single step counts as what it was (the step's rights are that
 * vCPU's, for one instruction, in view 0).
 */
static u64 view0_leaf_locked(struct tvx_dom *dom, u64 gfn, int *level)
{
	struct ept_leaf_swap *sw;
	int l;
	u64 *e;

	e = ept_find_leaf(&dom->ept, gfn << PAGE_SHIFT, level);
	if (!e)
		return 0;
	list_for_each_entry(sw, &dom->ept.swaps, node)
		if (ept_find_leaf(&dom->ept, sw->gpa, &l) == e && *e == sw->step)
			return sw->saved;
	return *e;
}

static u64 view_ovr(struct tvx_view *view, u64 gfn)
{
	void *p = xa_load(&view->ovr, gfn);

	return xa_is_value(p) ? xa_to_value(p) : 0;
}

/**
 * tvx_view_derive_locked() - the leaf a view has for a frame, as it must be
 * @dom:     the domain, its EPT lock held
 * @view:    the view
 * @gfn:     the guest frame
 * @src_gfn: set to the frame whose contents it shows
 *
 * A frame changed to show another shows its own again while that other
 * is no RAM (a p2m change made it MMIO, say): only RAM is ever shown
 * elsewhere (p2m_view_shows()).
 *
 * Return: the 4 KiB leaf (p2m_view_leaf()), 0 when view 0 maps nothing.
 */
u64 tvx_view_derive_locked(struct tvx_dom *dom, struct tvx_view *view,
			   u64 gfn, u64 *src_gfn)
{
	u64 ovr = view_ovr(view, gfn), src = p2m_view_source(ovr, gfn), leaf;
	int level = 0;

	lockdep_assert_held(&dom->ept.lock);
	leaf = view0_leaf_locked(dom, src, &level);
	if (src != gfn && !p2m_view_shows(leaf)) {
		src = gfn;
		leaf = view0_leaf_locked(dom, gfn, &level);
	}
	*src_gfn = src;
	if (!leaf)
		return 0;
	return p2m_view_leaf(&view->ept.caps, leaf, level, src, ovr,
			     tvx_mmio_ro(p2m_view_hpa(leaf, level, src)));
}

/**
 * tvx_view_slot_locked() - a view's 4 KiB slot for @gpa, tables made
 * @view: the view, the domain's EPT lock held
 * @gpa:  guest physical address
 * @pa:   pages for missing tables (VIEW_FILL_PAGES at most)
 *
 * A view's empty slots, at every level, hold EPT_EMPTY: not present with
 * suppress-#VE set, so that only the leaves p2m_view_leaf() chooses ever
 * turn a violation into a #VE.
 *
 * Return: the slot (EPT_EMPTY when empty), or NULL when @pa ran out.
 */
u64 *tvx_view_slot_locked(struct tvx_view *view, u64 gpa,
			  struct ept_prealloc *pa)
{
	u64 *table = page_address(view->ept.root);
	struct page *p;
	int l;

	lockdep_assert_held(view->ept.lockp);
	for (l = 3; l > EPT_LEVEL_4K; l--) {
		u64 *e = &table[view_index(gpa, l)];

		if (!(*e & ~EPT_EMPTY)) {
			if (!pa->nr)
				return NULL;
			p = pa->pages[--pa->nr];
			memset64(page_address(p), EPT_EMPTY, P2M_EPT_ENTRIES);
			view->ept.table_pages++;
			WRITE_ONCE(*e, page_to_phys(p) | EPT_RWX);
		}
		/* a view has no superpage leaves (p2m_view_leaf()) */
		if (WARN_ON_ONCE(*e & EPT_LEAF))
			return NULL;
		table = phys_to_virt(*e & EPT_ADDR_MASK);
	}
	return &table[view_index(gpa, EPT_LEVEL_4K)];
}

/**
 * tvx_view_set_leaf_locked() - store a derived leaf in its slot
 * @view: the view, the domain's EPT lock held
 * @e:    the slot
 * @leaf: the leaf (0 empties it)
 *
 * Return: true when a right or the memory type went away (the caller
 * invalidates the view's translations).
 */
bool tvx_view_set_leaf_locked(struct tvx_view *view, u64 *e, u64 leaf)
{
	u64 old = *e;
	bool was = old & ~EPT_EMPTY;

	if (!was && leaf)
		view->ept.leaves[EPT_LEVEL_4K]++;
	else if (was && !leaf)
		view->ept.leaves[EPT_LEVEL_4K]--;
	WRITE_ONCE(*e, leaf ? leaf : EPT_EMPTY);
	return (old & EPT_RWX & ~leaf) ||
	       ((old ^ leaf) & (7ULL << EPT_MT_SHIFT));
}

/**
 * tvx_view_keep_access_locked() - a violation moved an access right on
 * @view:   the view, the domain's EPT lock held
 * @gfn:    the frame
 * @access: its new right (rx2rw became rw, n2rwx rwx)
 *
 * The view's own override from now on, whether the right was its own or
 * view 0's, as Xen's altp2m entry keeps its own. No sleeping here: a
 * failed allocation keeps the old right, and the access faults again.
 *
 * Return: 0 or -ENOMEM.
 */
int tvx_view_keep_access_locked(struct tvx_view *view, u64 gfn, u32 access)
{
	u64 ovr = view_ovr(view, gfn);

	ovr = p2m_view_set_access(ovr, access, ovr & P2M_VIEW_VE);
	return xa_err(xa_store(&view->ovr, gfn, xa_mk_value(ovr), GFP_NOWAIT));
}

/* ------------------------------------------------------------ vCPUs */

/**
 * tvx_vcpu_ept() - the EPT a vCPU's VMCS points at
 * @v: the vCPU, in its thread
 *
 * Return: view 0's, or the loaded view's (which VIEW_DESTROY keeps while
 * loaded).
 */
struct ept *tvx_vcpu_ept(struct tvx_vcpu *v)
{
	u16 id = v->vview.loaded;

	return id ? &v->dom->views[id]->ept : &v->dom->ept;
}

/**
 * tvx_view_load() - give the VMCS the EPTP of the view the vCPU is to run in
 * @v: the vCPU, its VMCS current, interrupts off before its entry (a kick
 *     after the check makes the entry exit at once)
 *
 * No INVEPT: translations are tagged with the EPTP they came from, and
 * every view's are kept valid on every CPU (tvx_p2m_flush()).
 */
void tvx_view_load(struct tvx_vcpu *v)
{
	struct tvx_dom *dom = v->dom;
	u16 id;

	spin_lock(&dom->ept.lock);
	id = v->vview.want;
	vmcs_write64(EPT_POINTER, id ? dom->views[id]->ept.eptp : dom->ept.eptp);
	WRITE_ONCE(v->vview.loaded, id);
	spin_unlock(&dom->ept.lock);
}

/* A view one may switch to: 0, or one made and not left by its listener */
static bool view_exists_locked(struct tvx_dom *dom, u16 id)
{
	return !id || (id < THINVMX_MAX_VIEWS && dom->views[id] &&
		       !dom->views[id]->orphan);
}

/**
 * tvx_view_switch_self() - an answer's SWITCH_VIEW, from the vCPU's thread
 * @v:    the vCPU
 * @view: the view
 *
 * Return: false when the view is gone (the vCPU stays where it is).
 */
bool tvx_view_switch_self(struct tvx_vcpu *v, u16 view)
{
	bool ok;

	spin_lock(&v->dom->ept.lock);
	ok = view_exists_locked(v->dom, view);
	if (ok)
		v->vview.want = view;
	spin_unlock(&v->dom->ept.lock);
	return ok;
}

/**
 * tvx_view_fast_step() - an answer's FAST_SINGLESTEP: the step's views
 * @v:     the vCPU
 * @view:  the view to step in
 * @after: the view to go on in afterwards (pinned against VIEW_DESTROY
 *	   until then)
 *
 * Return: false when either view is gone (nothing changes).
 */
bool tvx_view_fast_step(struct tvx_vcpu *v, u16 view, u16 after)
{
	bool ok;

	spin_lock(&v->dom->ept.lock);
	ok = view_exists_locked(v->dom, view) &&
	     view_exists_locked(v->dom, after);
	if (ok) {
		v->vview.want = view;
		v->vview.after = after;
		v->vview.fast = true;
	}
	spin_unlock(&v->dom->ept.lock);
	return ok;
}

/**
 * tvx_view_fast_step_done() - the fast single-step is done: the view after
 * @v: the vCPU, in the exit that ends the step
 */
void tvx_view_fast_step_done(struct tvx_vcpu *v)
{
	spin_lock(&v->dom->ept.lock);
	v->vview.want = v->vview.after;
	v->vview.after = 0;
	v->vview.fast = false;
	spin_unlock(&v->dom->ept.lock);
}

/* Is @gfn RAM in view 0? */
static bool view_is_ram(struct tvx_dom *dom, u64 gfn)
{
	int level;

	return p2m_view_shows(ept_lookup(&dom->ept, gfn << PAGE_SHIFT, &level));
}

/* ------------------------------------------------------------ #VE */

/*
 * EPT-violation #VE (SDM Vol. 3, 26.5.7): a violation on an entry whose
 * suppress-#VE bit is clear, while the vCPU's information page says it
 * takes one, is delivered to the guest as vector 20 instead of exiting.
 * Only views' leaves ever have the bit clear (p2m_view_leaf()), and view
 * 0's empty slots are zero, so the control is on only while the vCPU runs
 * in a view other than 0, and VMFUNC never takes it to view 0 meanwhile.
 */
static bool view_ve = true;
module_param(view_ve, bool, 0644);
MODULE_PARM_DESC(view_ve,
		 "offer EPT-violation #VE where the CPU has it (0: as if it had not)");

static bool view_ve_supported(void)
{
	return READ_ONCE(view_ve) &&
	       ((tvx_host_caps->msr_procbased2 >> 32) & VMX_PROC2_EPT_VE);
}

/* Does a vCPU of @dom have a #VE information page? dom->lock held. */
static bool view_ve_any(struct tvx_dom *dom)
{
	unsigned int i;

	for (i = 0; i < THINVMX_MAX_VCPUS; i++)
		if (dom->vcpus[i] && READ_ONCE(dom->vcpus[i]->vview.ve_hpa))
			return true;
	return false;
}

/* Take every vCPU's #VE page away (REFUSE); p2m_lock and dom->lock held. */
static void view_ve_all_off(struct tvx_dom *dom)
{
	unsigned int i;

	spin_lock(&dom->ept.lock);
	for (i = 0; i < THINVMX_MAX_VCPUS; i++)
		if (dom->vcpus[i])
			WRITE_ONCE(dom->vcpus[i]->vview.ve_hpa, 0);
	spin_unlock(&dom->ept.lock);
	for (i = 0; i < THINVMX_MAX_VCPUS; i++)
		if (dom->vcpus[i])
			tvx_vcpu_kick(dom->vcpus[i]);
}

static long view_ve_ioctl(struct tvx_dom *dom, struct thinvmx_view_ve __user *uarg)
{
	struct thinvmx_view_ve a;
	struct tvx_vcpu *v;
	bool off;
	u64 hpa = 0;
	int ret = 0;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	off = a.flags & THINVMX_VIEW_VE_OFF;
	if ((a.flags & ~THINVMX_VIEW_VE_OFF) || a.reserved[0] || a.reserved[1] ||
	    (off && a.info_gfn))
		return -EINVAL;
	if (!view_ve_supported())
		return -EOPNOTSUPP;
	if (a.vcpu >= THINVMX_MAX_VCPUS)
		return -ENOENT;
	if (!off && (a.info_gfn >= dom->max_gfn || !view_is_ram(dom, a.info_gfn) ||
		     !tvx_gpa_to_hpa(dom, a.info_gfn << PAGE_SHIFT, &hpa)))
		return -EINVAL;
	mutex_lock(&dom->p2m_lock);
	mutex_lock(&dom->lock);
	v = dom->vcpus[a.vcpu];
	if (!v)
		ret = -ENOENT;
	else if (!off && dom->view_hw_refused)
		ret = -EPERM;
	else if (!off && (dom->vmfunc_views & BIT(0)))
		ret = -EBUSY;
	if (!ret) {
		spin_lock(&dom->ept.lock);
		WRITE_ONCE(v->vview.ve_hpa, hpa);
		spin_unlock(&dom->ept.lock);
		tvx_vcpu_kick(v);
	}
	mutex_unlock(&dom->lock);
	mutex_unlock(&dom->p2m_lock);
	return ret;
}

/**
 * tvx_view_ve_refresh() - give the VMCS the vCPU's #VE settings
 * @v: the vCPU, its VMCS current, before an entry, its view loaded
 *
 * On while it has an information page and runs in a view other than 0;
 * the EPTP index the CPU reports in the page is the view id.
 */
void tvx_view_ve_refresh(struct tvx_vcpu *v)
{
	u64 hpa = READ_ONCE(v->vview.ve_hpa);
	u16 id = v->vview.loaded;
	bool on = hpa && id, same;
	u32 proc2;

	same = hpa == v->vview.ve_loaded_hpa && id == v->vview.ve_index;
	if (on == v->vview.ve_on && (!on || same))
		return;
	proc2 = vmcs_read32(SECONDARY_VM_EXEC_CONTROL) & ~VMX_PROC2_EPT_VE;
	if (on) {
		vmcs_write64(TVX_VMCS_VE_INFO_ADDRESS, hpa);
		vmcs_write16(TVX_VMCS_EPTP_INDEX, id);
		proc2 |= VMX_PROC2_EPT_VE;
	}
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, proc2);
	v->vview.ve_on = on;
	v->vview.ve_loaded_hpa = hpa;
	v->vview.ve_index = id;
}

/* ------------------------------------------------------------ VMFUNC */

/*
 * VMFUNC leaf 0, EPTP switching (SDM Vol. 3, 26.5.6.3): the guest loads
 * entry ECX of the EPTP list into its EPTP without an exit; an entry that
 * is not a valid EPTP (zero), an index past 511 or another leaf exits
 * (EXIT_REASON_VMFUNC), and vmx/exit.c gives the guest #UD. The list has
 * the listed views' EPTPs only. The module tracks where the guest went
 * by reading the EPTP back after every exit while VMFUNC is on
 * (tvx_view_vmfunc_sync()).
 */
static bool view_vmfunc = true;
module_param(view_vmfunc, bool, 0644);
MODULE_PARM_DESC(view_vmfunc,
		 "offer VMFUNC EPTP switching where the CPU has it (0: as if it had not)");

static bool view_vmfunc_supported(void)
{
	u64 fn;

	if (!READ_ONCE(view_vmfunc) ||
	    !((tvx_host_caps->msr_procbased2 >> 32) & VMX_PROC2_VMFUNC) ||
	    rdmsrl_safe(MSR_IA32_VMX_VMFUNC, &fn))
		return false;
	return fn & BIT_ULL(0);
}

/* Write the EPTP list for @views; the domain's EPT lock held. */
static void view_eptp_list_locked(struct tvx_dom *dom, u32 views)
{
	u64 *list = page_address(dom->eptp_list);
	unsigned int i;

	for (i = 0; i < THINVMX_MAX_VIEWS; i++) {
		u64 eptp = 0;

		if (views & BIT(i))
			eptp = i ? dom->views[i]->ept.eptp : dom->ept.eptp;
		WRITE_ONCE(list[i], eptp);
	}
}

static void view_nop(void *unused)
{
	/* the interrupt alone makes a guest on that CPU exit */
}

/*
 * New VMFUNC settings: every vCPU gives its VMCS them before its next
 * entry (tvx_view_vmfunc_refresh()). Every CPU is interrupted and waited
 * for, so that a vCPU that switched itself into a view now delisted has
 * left the guest, and recorded where it was (tvx_view_vmfunc_sync()),
 * before VIEW_DESTROY can look.
 */
static void view_vmfunc_set(struct tvx_dom *dom, u32 views)
{
	spin_lock(&dom->ept.lock);
	if (dom->eptp_list)
		view_eptp_list_locked(dom, views);
	dom->vmfunc_views = views;
	WRITE_ONCE(dom->vmfunc_gen, dom->vmfunc_gen + 1);
	spin_unlock(&dom->ept.lock);
	on_each_cpu(view_nop, NULL, 1);
}

static long view_vmfunc_ioctl(struct tvx_dom *dom,
			      struct thinvmx_view_vmfunc __user *uarg)
{
	struct thinvmx_view_vmfunc a;
	struct page *list = NULL;
	unsigned int i;
	int ret = 0;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~THINVMX_VIEW_VMFUNC_REFUSE) || a.reserved[0] ||
	    a.reserved[1] || a.reserved[2] ||
	    (a.views & ~(BIT(THINVMX_MAX_VIEWS) - 1)) ||
	    ((a.flags & THINVMX_VIEW_VMFUNC_REFUSE) && a.views))
		return -EINVAL;
	if (a.flags & THINVMX_VIEW_VMFUNC_REFUSE) {
		mutex_lock(&dom->p2m_lock);
		dom->view_hw_refused = true;
		if (dom->vmfunc_views)
			view_vmfunc_set(dom, 0);
		mutex_lock(&dom->lock);
		view_ve_all_off(dom);
		mutex_unlock(&dom->lock);
		mutex_unlock(&dom->p2m_lock);
		return 0;
	}
	if (!view_vmfunc_supported())
		return -EOPNOTSUPP;
	if (a.views && !dom->eptp_list) {
		list = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
		if (!list)
			return -ENOMEM;
	}
	mutex_lock(&dom->p2m_lock);
	if (dom->view_hw_refused && a.views)
		ret = -EPERM;
	for (i = 1; !ret && i < THINVMX_MAX_VIEWS; i++)
		if ((a.views & BIT(i)) && (!dom->views[i] || dom->views[i]->orphan))
			ret = -ENOENT;
	if (!ret && (a.views & BIT(0))) {
		/* view 0 converts no violation: no #VE there */
		mutex_lock(&dom->lock);
		if (view_ve_any(dom))
			ret = -EBUSY;
		mutex_unlock(&dom->lock);
	}
	if (!ret) {
		if (list && !dom->eptp_list) {
			dom->eptp_list = list;
			list = NULL;
		}
		view_vmfunc_set(dom, a.views);
	}
	mutex_unlock(&dom->p2m_lock);
	if (list)
		tvx_free_pages(list, 0);
	return ret;
}

/**
 * tvx_view_vmfunc_refresh() - give the VMCS the domain's VMFUNC settings
 * @v: the vCPU, its VMCS current, before an entry
 */
void tvx_view_vmfunc_refresh(struct tvx_vcpu *v)
{
	struct tvx_dom *dom = v->dom;
	u32 proc2;
	bool on;

	spin_lock(&dom->ept.lock);
	on = dom->vmfunc_views;
	proc2 = vmcs_read32(SECONDARY_VM_EXEC_CONTROL) & ~VMX_PROC2_VMFUNC;
	if (on) {
		vmcs_write64(VM_FUNCTION_CONTROL, BIT_ULL(0));	/* EPTP switching */
		vmcs_write64(EPTP_LIST_ADDRESS, page_to_phys(dom->eptp_list));
		proc2 |= VMX_PROC2_VMFUNC;
	}
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, proc2);
	v->vview.vmfunc_on = on;
	v->vview.vmfunc_gen = dom->vmfunc_gen;
	spin_unlock(&dom->ept.lock);
}

/**
 * tvx_view_vmfunc_sync() - record a view the guest switched to itself
 * @v: the vCPU, right after an exit, interrupts still off, VMFUNC on
 *
 * The EPTP in the VMCS is one of the listed views' (nothing else is in
 * the list): that view becomes the one the vCPU runs in, as after
 * VIEW_SWITCH.
 */
void tvx_view_vmfunc_sync(struct tvx_vcpu *v)
{
	struct tvx_dom *dom = v->dom;
	u64 eptp = vmcs_read64(EPT_POINTER);
	unsigned int i;

	if (eptp == tvx_vcpu_ept(v)->eptp)
		return;
	spin_lock(&dom->ept.lock);
	for (i = 0; i < THINVMX_MAX_VIEWS; i++) {
		if (eptp != (i ? (dom->views[i] ? dom->views[i]->ept.eptp : 0) :
				 dom->ept.eptp))
			continue;
		WRITE_ONCE(v->vview.loaded, i);
		v->vview.want = i;
		break;
	}
	spin_unlock(&dom->ept.lock);
}

/* ------------------------------------------------------------ ioctls */

/* A view id of the views besides 0, existing: its view, or NULL. */
static struct tvx_view *view_get(struct tvx_dom *dom, u16 id, int *err)
{
	lockdep_assert_held(&dom->p2m_lock);
	if (!id || id >= THINVMX_MAX_VIEWS) {
		*err = -EINVAL;
		return NULL;
	}
	*err = -ENOENT;
	/* a listener's view it left is gone already for everyone */
	return dom->views[id] && !dom->views[id]->orphan ? dom->views[id] : NULL;
}

static void views_reap(struct tvx_dom *dom);

static long view_create(struct tvx_dom *dom, struct thinvmx_view __user *uarg,
			const void *owner)
{
	struct thinvmx_view out = { 0 };
	struct tvx_view *view;
	u16 id;
	int ret;

	view = kzalloc(sizeof(*view), GFP_KERNEL_ACCOUNT);
	if (!view)
		return -ENOMEM;
	ret = ept_init(&view->ept, tvx_host_caps, false);
	if (ret) {
		kfree(view);
		return ret;
	}
	view->ept.lockp = &dom->ept.lock;
	memset64(page_address(view->ept.root), EPT_EMPTY, P2M_EPT_ENTRIES);
	view->ept.caps = dom->ept.caps;
	view->ept.caps.nx_huge = false;	/* 4 KiB leaves only */
	xa_init(&view->ovr);
	view->owner = owner;

	/* the ids of views a dead listener left, if they are out of use */
	views_reap(dom);
	mutex_lock(&dom->p2m_lock);
	for (id = 1; id < THINVMX_MAX_VIEWS && dom->views[id]; id++)
		;
	if (id < THINVMX_MAX_VIEWS) {
		view->id = id;
		spin_lock(&dom->ept.lock);
		dom->views[id] = view;
		WRITE_ONCE(dom->nr_views, dom->nr_views + 1);
		spin_unlock(&dom->ept.lock);
	}
	mutex_unlock(&dom->p2m_lock);
	if (id >= THINVMX_MAX_VIEWS) {
		ept_destroy(&view->ept);
		kfree(view);
		return -ENOSPC;
	}
	out.view = id;
	/* the view exists: a failed copy leaves it for VIEW_DESTROY */
	return copy_to_user(uarg, &out, sizeof(out)) ? -EFAULT : 0;
}

static void view_free(struct tvx_view *view)
{
	ept_destroy(&view->ept);
	xa_destroy(&view->ovr);
	kfree(view);
}

/* Does a vCPU run in @id, or will it after an answer's step? */
static bool view_busy_locked(struct tvx_dom *dom, u16 id)
{
	struct tvx_vcpu *v;
	unsigned int i;

	for (i = 0; i < THINVMX_MAX_VCPUS; i++) {
		v = dom->vcpus[i];
		if (v && (v->vview.want == id || v->vview.loaded == id ||
			  (v->vview.fast && v->vview.after == id)))
			return true;
	}
	return false;
}

/*
 * Free the views a listener left behind (tvx_views_owner_gone()) that no
 * vCPU has loaded or is headed for any more.
 */
static void views_reap(struct tvx_dom *dom)
{
	struct tvx_view *dead[THINVMX_MAX_VIEWS];
	unsigned int id, n = 0;

	mutex_lock(&dom->p2m_lock);
	mutex_lock(&dom->lock);
	spin_lock(&dom->ept.lock);
	for (id = 1; id < THINVMX_MAX_VIEWS; id++) {
		struct tvx_view *view = dom->views[id];

		if (!view || !view->orphan || view_busy_locked(dom, id) ||
		    (dom->vmfunc_views & BIT(id)))
			continue;
		dom->views[id] = NULL;
		WRITE_ONCE(dom->nr_views, dom->nr_views - 1);
		dead[n++] = view;
	}
	spin_unlock(&dom->ept.lock);
	mutex_unlock(&dom->lock);
	mutex_unlock(&dom->p2m_lock);
	while (n--) {
		view_flush_one(dead[n]);
		view_free(dead[n]);
	}
}

/**
 * tvx_views_owner_gone() - a listener that made views is gone
 * @dom:   the domain
 * @owner: the listener
 *
 * Its views go with it: every vCPU in one of them, or headed for one
 * (a switch, a fast single-step's view after), goes back to view 0 at
 * its next entry -- a running one is kicked --, VMFUNC loses them, and
 * each is freed once no vCPU has its EPTP loaded any more: here, or at
 * the next VIEW_CREATE, or with the domain. A daemon that dies leaves no
 * view the guest could go on running in unanswered (a stealth
 * breakpoint's 0xcc, say).
 */
void tvx_views_owner_gone(struct tvx_dom *dom, const void *owner)
{
	u32 gone = 0;
	unsigned int id, i;

	mutex_lock(&dom->p2m_lock);
	mutex_lock(&dom->lock);
	spin_lock(&dom->ept.lock);
	for (id = 1; id < THINVMX_MAX_VIEWS; id++) {
		struct tvx_view *view = dom->views[id];

		if (!view || view->owner != owner)
			continue;
		view->owner = NULL;
		view->orphan = true;
		gone |= BIT(id);
	}
	for (i = 0; gone && i < THINVMX_MAX_VCPUS; i++) {
		struct tvx_vcpu *v = dom->vcpus[i];

		if (!v)
			continue;
		if (gone & BIT(v->vview.want))
			v->vview.want = 0;
		if (v->vview.fast && (gone & BIT(v->vview.after)))
			v->vview.after = 0;
	}
	spin_unlock(&dom->ept.lock);
	for (i = 0; gone && i < THINVMX_MAX_VCPUS; i++)
		if (dom->vcpus[i])
			tvx_vcpu_kick(dom->vcpus[i]);
	mutex_unlock(&dom->lock);
	if (dom->vmfunc_views & gone)
		view_vmfunc_set(dom, dom->vmfunc_views & ~gone);
	mutex_unlock(&dom->p2m_lock);
	if (gone)
		views_reap(dom);
}

static long view_destroy(struct tvx_dom *dom, struct thinvmx_view __user *uarg)
{
	struct tvx_view *view;
	struct thinvmx_view a;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.pad || a.pad2 || a.reserved[0] || a.reserved[1] || a.reserved[2])
		return -EINVAL;
	mutex_lock(&dom->p2m_lock);
	view = view_get(dom, a.view, &ret);
	if (view) {
		/* dom->lock keeps vCPUs from going away while they are read */
		mutex_lock(&dom->lock);
		spin_lock(&dom->ept.lock);
		if (view_busy_locked(dom, a.view) ||
		    (dom->vmfunc_views & BIT(a.view))) {
			ret = -EBUSY;
			view = NULL;
		} else {
			dom->views[a.view] = NULL;
			WRITE_ONCE(dom->nr_views, dom->nr_views - 1);
		}
		spin_unlock(&dom->ept.lock);
		mutex_unlock(&dom->lock);
	}
	mutex_unlock(&dom->p2m_lock);
	if (!view)
		return ret;
	/* no vCPU loads it any more; its tables go after the INVEPT */
	view_flush_one(view);
	view_free(view);
	return 0;
}

static bool view_range_bad(struct tvx_dom *dom, u64 gfn, u64 nr)
{
	return !nr || gfn + nr < gfn || gfn + nr > dom->max_gfn;
}

/* A view's override changed over a range: drop its leaves, INVEPT it. */
static void view_changed(struct tvx_dom *dom, struct tvx_view *view, u64 gfn,
			 u64 nr)
{
	spin_lock(&dom->ept.lock);
	view_zap_locked(view, gfn, nr);
	spin_unlock(&dom->ept.lock);
	view_flush_one(view);
}

static long view_set_access(struct tvx_dom *dom,
			    struct thinvmx_view_access __user *uarg)
{
	struct thinvmx_view_access a;
	struct tvx_view *view;
	u64 gfn, done = 0;
	int ret = 0;
	bool ve;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~THINVMX_VIEW_ACCESS_VE) || a.reserved[0] || a.reserved[1] ||
	    a.access >= THINVMX_NR_ACCESS || view_range_bad(dom, a.first_gfn, a.nr_frames))
		return -EINVAL;
	ve = a.flags & THINVMX_VIEW_ACCESS_VE;
	if (ve && !view_ve_supported())
		return -EOPNOTSUPP;
	mutex_lock(&dom->p2m_lock);
	view = view_get(dom, a.view, &ret);
	if (!view)
		goto out;
	ret = ve && dom->view_hw_refused ? -EPERM : 0;
	for (gfn = a.first_gfn; !ret && gfn < a.first_gfn + a.nr_frames;
	     gfn++, done++) {
		u64 ovr = p2m_view_set_access(view_ovr(view, gfn), a.access, ve);

		ret = xa_err(xa_store(&view->ovr, gfn, xa_mk_value(ovr),
				      GFP_KERNEL_ACCOUNT));
		if (ret)
			break;
		if (!(done & 4095))
			cond_resched();
	}
	/* what was stored holds even when a later frame failed */
	if (done)
		view_changed(dom, view, a.first_gfn, done);
out:
	mutex_unlock(&dom->p2m_lock);
	return ret;
}

static long view_get_access(struct tvx_dom *dom,
			    struct thinvmx_view_query __user *uarg)
{
	struct thinvmx_view_query q;
	struct tvx_view *view = NULL;
	int level, ret = 0;
	u64 ovr = 0, leaf;

	if (copy_from_user(&q, uarg, sizeof(q)))
		return -EFAULT;
	if (q.pad || q.pad2 || q.reserved[0] || q.reserved[1] ||
	    q.gfn >= dom->max_gfn || q.view >= THINVMX_MAX_VIEWS)
		return -EINVAL;
	mutex_lock(&dom->p2m_lock);
	if (q.view) {
		view = view_get(dom, q.view, &ret);
		if (!view)
			goto out;
		ret = 0;
		ovr = view_ovr(view, q.gfn);
	}
	leaf = ept_lookup(&dom->ept, q.gfn << PAGE_SHIFT, &level);
	if (!leaf) {
		ret = -EINVAL;
		goto out;
	}
	q.access = (ovr & P2M_VIEW_OWN_ACCESS) ?
		   (ovr & P2M_VIEW_ACCESS) >> P2M_VIEW_ACCESS_SHIFT :
		   p2m_entry_access(leaf);
	q.shown_gfn = p2m_view_source(ovr, q.gfn);
	q.flags = ((ovr & P2M_VIEW_OWN_ACCESS) ? THINVMX_VIEW_Q_OWN_ACCESS : 0) |
		  ((ovr & P2M_VIEW_CHANGED) ? THINVMX_VIEW_Q_CHANGED : 0);
out:
	mutex_unlock(&dom->p2m_lock);
	if (!ret && copy_to_user(uarg, &q, sizeof(q)))
		ret = -EFAULT;
	return ret;
}

static long view_change_gfn(struct tvx_dom *dom,
			    struct thinvmx_view_change_gfn __user *uarg)
{
	struct thinvmx_view_change_gfn c;
	struct tvx_view *view;
	bool reset;
	u64 ovr;
	int ret;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	reset = c.new_gfn == THINVMX_VIEW_GFN_RESET;
	if (c.pad || c.pad2 || c.reserved[0] || c.reserved[1] ||
	    c.gfn >= dom->max_gfn || (!reset && c.new_gfn >= dom->max_gfn))
		return -EINVAL;
	mutex_lock(&dom->p2m_lock);
	view = view_get(dom, c.view, &ret);
	if (!view)
		goto out;
	ret = -EINVAL;
	if (!view_is_ram(dom, c.gfn) ||
	    (!reset && !view_is_ram(dom, c.new_gfn)))
		goto out;
	ovr = p2m_view_set_gfn(view_ovr(view, c.gfn), c.gfn, c.new_gfn);
	if (ovr)
		ret = xa_err(xa_store(&view->ovr, c.gfn, xa_mk_value(ovr),
				      GFP_KERNEL_ACCOUNT));
	else
		ret = xa_err(xa_erase(&view->ovr, c.gfn));
	if (!ret)
		view_changed(dom, view, c.gfn, 1);
out:
	mutex_unlock(&dom->p2m_lock);
	return ret;
}

static long view_switch(struct tvx_dom *dom,
			struct thinvmx_view_switch __user *uarg)
{
	struct thinvmx_view_switch s;
	bool all;
	unsigned int i;
	int ret = 0;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	all = s.flags & THINVMX_VIEW_SWITCH_ALL;
	if (s.pad || s.pad2 || s.reserved[0] || s.reserved[1] ||
	    (s.flags & ~THINVMX_VIEW_SWITCH_ALL) || (all && s.vcpu) ||
	    s.view >= THINVMX_MAX_VIEWS)
		return -EINVAL;
	if (!all && s.vcpu >= THINVMX_MAX_VCPUS)
		return -ENOENT;
	mutex_lock(&dom->lock);
	spin_lock(&dom->ept.lock);
	if (!view_exists_locked(dom, s.view))
		ret = -ENOENT;
	else if (!all && !dom->vcpus[s.vcpu])
		ret = -ENOENT;
	for (i = 0; !ret && i < THINVMX_MAX_VCPUS; i++) {
		struct tvx_vcpu *v = dom->vcpus[i];

		if (!v || (!all && i != s.vcpu))
			continue;
		v->vview.want = s.view;
		/* a fast step under way ends in the view asked for now */
		if (v->vview.fast)
			v->vview.after = s.view;
	}
	spin_unlock(&dom->ept.lock);
	/* a vCPU in the guest exits and enters again in its new view */
	for (i = 0; !ret && i < THINVMX_MAX_VCPUS; i++)
		if (dom->vcpus[i] && (all || i == s.vcpu))
			tvx_vcpu_kick(dom->vcpus[i]);
	mutex_unlock(&dom->lock);
	return ret;
}

/**
 * tvx_view_ioctl() - the view ioctls, on a domain fd or its listener's
 * @dom:  the domain
 * @cmd:  THINVMX_VIEW_*
 * @argp: the argument
 * @owner: the listener whose fd it came through, or NULL (the domain fd):
 *	  a view a listener makes goes with it (tvx_views_owner_gone())
 *
 * Return: as uapi/thinvmx_introspect.h says, or -ENOTTY for another cmd.
 */
long tvx_view_ioctl(struct tvx_dom *dom, unsigned int cmd, void __user *argp,
		    const void *owner)
{
	switch (cmd) {
	case THINVMX_VIEW_CREATE:
		return view_create(dom, argp, owner);
	case THINVMX_VIEW_DESTROY:
		return view_destroy(dom, argp);
	case THINVMX_VIEW_SET_ACCESS:
		return view_set_access(dom, argp);
	case THINVMX_VIEW_GET_ACCESS:
		return view_get_access(dom, argp);
	case THINVMX_VIEW_CHANGE_GFN:
		return view_change_gfn(dom, argp);
	case THINVMX_VIEW_SWITCH:
		return view_switch(dom, argp);
	case THINVMX_VIEW_VMFUNC:
		return view_vmfunc_ioctl(dom, argp);
	case THINVMX_VIEW_VE:
		return view_ve_ioctl(dom, argp);
	default:
		return -ENOTTY;
	}
}

/**
 * tvx_views_free() - free every view of a dying domain
 * @dom: the domain, no vCPU left, its translations invalidated already
 */
void tvx_views_free(struct tvx_dom *dom)
{
	unsigned int i;

	for (i = 1; i < THINVMX_MAX_VIEWS; i++) {
		if (dom->views[i])
			view_free(dom->views[i]);
		dom->views[i] = NULL;
	}
	if (dom->eptp_list)
		tvx_free_pages(dom->eptp_list, 0);
	dom->eptp_list = NULL;
}
