/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Alternate p2m views of a domain (Xen's altp2m; view.c). An object
 * header: the types are here for domain.h and vcpu.h to embed.
 */
#ifndef _THINVMX_EPT_VIEW_H
#define _THINVMX_EPT_VIEW_H

#include <linux/types.h>
#include <linux/xarray.h>

#include "ept_table.h"

struct tvx_dom;
struct tvx_vcpu;

/**
 * struct tvx_view - one view besides view 0
 * @ept: its EPT: 4 KiB leaves only, each derived from view 0's leaf and
 *	 @ovr (p2m_view_leaf()), filled when the guest first touches the
 *	 frame, dropped when view 0's leaf changes; @ept.lockp is view 0's
 *	 lock, which covers every view of the domain
 * @ovr: the view's overrides by gfn (P2M_VIEW_* value entries); written
 *	 under the domain's p2m_lock, read under the EPT lock
 * @id:  1 .. THINVMX_MAX_VIEWS - 1
 */
struct tvx_view {
	struct ept ept;
	struct xarray ovr;
	u16 id;
	const void *owner;	/* the listener that made it, or NULL */
	bool orphan;		/* its listener went: freed once unused */
};

/**
 * struct tvx_vcpu_view - a vCPU's views
 * @want:   the view it is to run in (VIEW_SWITCH, an answer); written
 *	    under the domain's EPT lock, which checks the view exists
 * @loaded: the view whose EPTP its VMCS holds; written by the vCPU's
 *	    thread under the same lock (VIEW_DESTROY reads it there)
 * @after:  with @fast: the view it goes to after the step
 * @fast:   a fast single-step is armed (an answer's FAST_SINGLESTEP)
 * @vmfunc_on:  its VMCS lets the guest switch views with VMFUNC
 * @vmfunc_gen: the domain's VMFUNC settings its VMCS has
 * @ve_hpa:     its #VE information page (VIEW_VE), 0 if none; written
 *		under the domain's EPT lock
 * @ve_on, @ve_loaded_hpa, @ve_index: what its VMCS has of it
 */
struct tvx_vcpu_view {
	u16 want;
	u16 loaded;
	u16 after;
	bool fast;
	bool vmfunc_on;
	u32 vmfunc_gen;
	u64 ve_hpa;
	bool ve_on;
	u64 ve_loaded_hpa;
	u16 ve_index;
};

long tvx_view_ioctl(struct tvx_dom *dom, unsigned int cmd, void __user *argp,
		    const void *owner);
void tvx_views_owner_gone(struct tvx_dom *dom, const void *owner);
void tvx_views_free(struct tvx_dom *dom);
void tvx_p2m_flush(struct tvx_dom *dom, u64 gfn, u64 nr);
void tvx_views_flush_this_cpu(struct tvx_dom *dom);
struct ept *tvx_vcpu_ept(struct tvx_vcpu *v);
void tvx_view_load(struct tvx_vcpu *v);
bool tvx_view_switch_self(struct tvx_vcpu *v, u16 view);
bool tvx_view_fast_step(struct tvx_vcpu *v, u16 view, u16 after);
void tvx_view_fast_step_done(struct tvx_vcpu *v);
u64 tvx_view_derive_locked(struct tvx_dom *dom, struct tvx_view *view,
			   u64 gfn, u64 *src_gfn);
u64 *tvx_view_slot_locked(struct tvx_view *view, u64 gpa,
			  struct ept_prealloc *pa);
bool tvx_view_set_leaf_locked(struct tvx_view *view, u64 *e, u64 leaf);
int tvx_view_keep_access_locked(struct tvx_view *view, u64 gfn, u32 access);
void tvx_view_vmfunc_refresh(struct tvx_vcpu *v);
void tvx_view_vmfunc_sync(struct tvx_vcpu *v);
void tvx_view_ve_refresh(struct tvx_vcpu *v);

/* The pages a view's fill may take from a vCPU's pool: PDPT, PD, PT. */
#define VIEW_FILL_PAGES		3

#endif /* _THINVMX_EPT_VIEW_H */
