// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercalls: how the module's host-side code changes root-mode state
 * while host mode is on (pKVM-IA's host asks its hypervisor the same way).
 *
 * Root mode's pages are stolen from the host's EPT (host.c), so the
 * module's own ioctls, notifiers and helpers, which run as the host, can
 * no longer read or write them. They call tvx_host_call(op, args): on a
 * CPU in host mode a VMCALL, which root mode accepts only from the one
 * VMCALL instruction in tvx_host_vmcall() at CPL 0 (host_exit.c checks
 * RIP and CPL; anything else gets #UD, as any VMCALL of the host does);
 * on a CPU not in host mode (turning on or off, or offline meanwhile) the
 * same op runs natively. The RIP check keeps out user space and any other
 * kernel code that does not jump into the module's text; the host kernel
 * can still do that jump, so every op treats its arguments as hostile:
 * addresses are physical, checked against the EPT so that root mode never
 * writes a frame the host could not write itself (no confused deputy), and
 * no op hands a stolen frame back.
 *
 * A new op is one entry in tvx_host_ops[] and a TVX_HC_ number
 * (host_cpu.h); ops run in root mode, interrupts off, on root mode's
 * stack: no locks shared with the host, no sleeping, no printing.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/smp.h>
#include <asm/mtrr.h>
#include <asm/vmx.h>

#include "host/host.h"
#include "host/host_cpu.h"
#include "host/host_event.h"
#include "host/host_msix.h"
#include "msix/msix_valid.h"
#include "vmx/vmx_ops.h"

/**
 * tvx_host_ept_lookup() - the identity EPT's leaf over a frame
 * @cfg: root mode's configuration
 * @pa: the frame's address
 *
 * Context: root mode, or natively; no locks (a leaf read once).
 * Return: the leaf, at whatever level; 0 above the map.
 */
u64 tvx_host_ept_lookup(const struct tvx_host_cfg *cfg, u64 pa)
{
	u64 *table = __va(cfg->ept_pml4_pa);
	int level;

	for (level = 4; level >= 1; level--) {
		u64 e = READ_ONCE(table[(pa >> (12 + 9 * (level - 1))) & 511]);

		if (level == 1 || (e & BIT_ULL(7)) || !(e & VMX_EPT_RWX_MASK))
			return e;
		table = __va(e & GENMASK_ULL(51, 12));
	}
	return 0;
}

/* The largest host buffer an op takes: TVX_HC_SET_MSIX's regions */
#define ROOT_HOST_BUF_MAX	(TVX_HMSIX_REGIONS * sizeof(struct hmsix_region))

/*
 * A host buffer root mode may read or write: physically contiguous (the
 * caller's kmalloc()), below the end of RAM, and every frame it touches
 * one the host may write itself (without EPT nothing is stolen). A hole
 * in RAM the direct map leaves out would fault in root mode: the host
 * that asks for that loses host mode on that CPU (host_idt.c), nothing
 * else.
 */
static void *root_host_buf(const struct tvx_host_cfg *cfg, u64 pa, u64 size)
{
	u64 p;

	if (!size || pa + size < pa || size > ROOT_HOST_BUF_MAX ||
	    pa + size > cfg->ram_top)
		return NULL;
	if (!cfg->eptp)
		return __va(pa);
	for (p = pa & PAGE_MASK; p < pa + size; p += PAGE_SIZE) {
		u64 leaf = tvx_host_ept_lookup(cfg, p);

		if ((leaf & TVX_EPT_OWNED) ||
		    (leaf & (VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK)) !=
		    (VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK))
			return NULL;
	}
	return __va(pa);
}

/*
 * This CPU's cached translations of the identity EPT: single-context
 * where the CPU has it, else all contexts (host_prepare() requires one).
 */
static int root_invept(const struct tvx_host_cfg *cfg)
{
	return __invept(cfg->invept_single ? VMX_EPT_EXTENT_CONTEXT :
			VMX_EPT_EXTENT_GLOBAL, cfg->eptp, 0);
}

/**
 * tvx_host_root_lock() - root mode's own lock (in a stolen page)
 * @cfg: root mode's configuration
 *
 * The pool, EPT, policy, listener and MSI-X set edits, and host_mmio.c's
 * uses of the MSI-X set. Taken only in root mode, interrupts off (or
 * natively on a CPU not in host mode), never by the host.
 */
void tvx_host_root_lock(struct tvx_host_cfg *cfg)
{
	while (xchg(&cfg->lock, 1))
		cpu_relax();
}

/**
 * tvx_host_root_unlock() - release tvx_host_root_lock()
 * @cfg: root mode's configuration
 */
void tvx_host_root_unlock(struct tvx_host_cfg *cfg)
{
	/* the edits are visible before the lock is free */
	smp_store_release(&cfg->lock, 0);
}

/* TVX_HC_STATUS (pa, size): every CPU's counters, summed */
static long op_status(struct tvx_host_root *root, const u64 *arg)
{
	const struct tvx_host_cfg *cfg = root->cfg;
	struct tvx_host_counters *out;
	unsigned int cpu;

	if (arg[1] != sizeof(*out))
		return -EINVAL;
	out = root_host_buf(cfg, arg[0], arg[1]);
	if (!out)
		return -EFAULT;
	memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < cfg->nr_roots; cpu++)
		if (cfg->roots[cpu])
			tvx_host_counters_add(out, &cfg->roots[cpu]->c);
	return 0;
}

/* Whether @pa is in a frame of root mode's MSI-X set. cfg->lock held. */
static bool root_msix_frame(const struct tvx_host_cfg *cfg, u64 pa)
{
	const struct tvx_host_msix *m = cfg->msix;
	u32 i;

	for (i = 0; m && i < m->nr; i++)
		if (pa >= m->r[i].map_pa && pa - m->r[i].map_pa < m->r[i].map_len)
			return true;
	return false;
}

static u64 root_pool_alloc(void *ctx)
{
	struct tvx_host_cfg *cfg = ctx;

	return cfg->pool_n ? cfg->pool[--cfg->pool_n] : 0;
}

/*
 * TVX_HC_EPT_SET (pfn, nr, rights): the host's rights on frames
 * [pfn, pfn + nr), splitting large leaves with the stolen pool's pages.
 * Refused for a frame of the hypervisor's (TVX_EPT_OWNED), above the
 * map, or for rights the EPT cannot express (write or execute without
 * read: a misconfiguration); the write right, for a frame of root mode's
 * MSI-X set (TVX_HC_SET_MSIX takes a frame out of it first). This CPU's
 * translations are flushed; the caller flushes the others'
 * (tvx_host_ept_set()).
 */
static long op_ept_set(struct tvx_host_root *root, const u64 *arg)
{
	struct tvx_host_cfg *cfg = root->cfg;
	u64 pfn = arg[0], nr = arg[1], rights = arg[2], i;
	long ret = 0;

	if (!cfg->eptp)
		return -EOPNOTSUPP;
	if (!nr || nr > TVX_HOST_EPT_SET_MAX || (rights & ~VMX_EPT_RWX_MASK) ||
	    (rights && !(rights & VMX_EPT_READABLE_MASK)) ||
	    pfn + nr > (cfg->pa_top >> PAGE_SHIFT))
		return -EINVAL;
	tvx_host_root_lock(cfg);
	for (i = 0; i < nr; i++)
		if ((tvx_host_ept_lookup(cfg, (pfn + i) << PAGE_SHIFT) & TVX_EPT_OWNED) ||
		    ((rights & VMX_EPT_WRITABLE_MASK) &&
		     root_msix_frame(cfg, (pfn + i) << PAGE_SHIFT))) {
			ret = -EPERM;
			goto out;
		}
	for (i = 0; i < nr; i++) {
		u64 *leaf = tvx_host_ept_leaf4k(cfg->ept_pml4_pa, (pfn + i) << PAGE_SHIFT,
						root_pool_alloc, cfg);

		if (!leaf) {
			ret = -ENOMEM;
			break;
		}
		WRITE_ONCE(*leaf, (*leaf & ~VMX_EPT_RWX_MASK) | rights);
	}
out:
	tvx_host_root_unlock(cfg);
	root_invept(cfg);
	return ret;
}

/* TVX_HC_INVEPT: this CPU's translations of the identity EPT */
static long op_invept(struct tvx_host_root *root, const u64 *arg)
{
	if (!root->cfg->eptp)
		return -EOPNOTSUPP;
	return root_invept(root->cfg) ? -EIO : 0;
}

/*
 * TVX_HC_REFRESH: root mode's event and policy settings (host_event.c)
 * into this CPU's VMCS.
 */
static long op_refresh(struct tvx_host_root *root, const u64 *arg)
{
	tvx_host_vmcs_monitor(root);
	return 0;
}

/*
 * TVX_HC_SET_POLICY (pa, size): the guard policies and event settings
 * root mode enforces, copied from a host buffer into root mode's own
 * configuration once, then checked there (the host cannot change the
 * copy between check and use), applied to the MSR bitmap and this CPU's
 * VMCS; the caller has every other CPU load it (TVX_HC_REFRESH). A host
 * that writes the host side's record instead changes nothing here.
 */
static long op_set_policy(struct tvx_host_root *root, const u64 *arg)
{
	struct tvx_host_cfg *cfg = root->cfg;
	const struct tvx_host_policy *req;
	struct tvx_host_policy p;

	if (arg[1] != sizeof(p))
		return -EINVAL;
	req = root_host_buf(cfg, arg[0], arg[1]);
	if (!req)
		return -EFAULT;
	memcpy(&p, req, sizeof(p));
	if (!tvx_host_policy_valid(&p))
		return -EINVAL;
	tvx_host_root_lock(cfg);
	cfg->pol = p;
	tvx_host_msr_bitmap_apply(cfg);
	tvx_host_root_unlock(cfg);
	tvx_host_vmcs_monitor(root);
	return 0;
}

/*
 * TVX_HC_SET_LISTENER (area, slots_log2): the rings root mode writes host
 * events into, checked in root mode (tvx_host_lsn_set()); area 0: none.
 */
static long op_set_listener(struct tvx_host_root *root, const u64 *arg)
{
	struct tvx_host_cfg *cfg = root->cfg;
	long ret;

	tvx_host_root_lock(cfg);
	ret = tvx_host_lsn_set(cfg, arg[0], arg[1]);
	tvx_host_root_unlock(cfg);
	return ret;
}

/* the memory type of an identity-EPT leaf: the MTRRs' type of its frame */
#define ROOT_EPT_MT(leaf)	(((leaf) >> 3) & 7)

/*
 * A region of a TVX_HC_SET_MSIX request, in root mode's staging copy:
 * its bounds consistent, inside the map, its frames none of the
 * hypervisor's (root mode writes them on the host's behalf: through the
 * window a table's neighbours pass through, so a stolen frame there
 * would be a write anywhere), and room left in the window.
 */
static bool root_msix_region_ok(const struct tvx_host_cfg *cfg,
				const struct hmsix_region *reg, u32 nr_win)
{
	u64 p;

	if (reg->kind > HMSIX_ADMIN || reg->pad || reg->start >= reg->end ||
	    reg->end > cfg->pa_top || reg->map_pa != (reg->start & PAGE_MASK) ||
	    reg->map_len != PAGE_ALIGN(reg->end) - reg->map_pa ||
	    reg->map_len >> PAGE_SHIFT > TVX_HMSIX_FRAMES - nr_win)
		return false;
	for (p = reg->map_pa; p < reg->map_pa + reg->map_len; p += PAGE_SIZE)
		if (tvx_host_ept_lookup(cfg, p) & TVX_EPT_OWNED)
			return false;
	return true;
}

/*
 * Root mode's window maps @reg's frames from page @reg->win on, with the
 * memory type the host has there: write-back where the MTRRs say RAM
 * (an administrator's range may be RAM: no uncached alias of it), else
 * uncached, as a driver's ioremap() of device memory. Not global, and
 * flushed by the one who uses it (host_mmio.c, under cfg->lock).
 */
static void root_msix_map(struct tvx_host_cfg *cfg, const struct hmsix_region *reg)
{
	u64 prot = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY |
		   (__supported_pte_mask & _PAGE_NX);
	u64 n = reg->map_len >> PAGE_SHIFT, i;

	for (i = 0; i < n; i++) {
		u64 pa = reg->map_pa + (i << PAGE_SHIFT);
		bool wb = ROOT_EPT_MT(tvx_host_ept_lookup(cfg, pa)) == MTRR_TYPE_WRBACK;

		WRITE_ONCE(cfg->msix_pte[reg->win + i],
			   pa | prot | (wb ? _PAGE_ENC : _PAGE_PCD | _PAGE_PWT));
	}
}

/*
 * TVX_HC_SET_MSIX (pa, size, flags): the MSI-X tables, PBAs and ranges
 * root mode enforces (host_mmio.c), an array of struct hmsix_region from
 * the host side (host_msix.c; size 0: none). Copied into root mode's
 * staging area once, checked there, then made root mode's set and mapped
 * in its window (the pattern of TVX_HC_SET_POLICY): a host that changes
 * its own copy afterwards changes nothing root mode does. Needs the
 * identity EPT (without it nothing is read-only to the host).
 */
static long op_set_msix(struct tvx_host_root *root, const u64 *arg)
{
	struct tvx_host_cfg *cfg = root->cfg;
	struct tvx_host_msix *m = cfg->msix;
	const struct hmsix_region *req = NULL;
	u64 size = arg[1], flags = arg[2], n = size / sizeof(*req), i;
	u32 nr_win = 0, old_win;

	if (!cfg->eptp || !m)
		return -EOPNOTSUPP;
	if (size % sizeof(*req) || n > TVX_HMSIX_REGIONS || (flags & ~MSIX_VALID_REMAP))
		return -EINVAL;
	if (n) {
		req = root_host_buf(cfg, arg[0], size);
		if (!req)
			return -EFAULT;
	}
	tvx_host_root_lock(cfg);
	if (n)
		memcpy(m->stage, req, size);
	for (i = 0; i < n; i++) {
		if (!root_msix_region_ok(cfg, &m->stage[i], nr_win)) {
			tvx_host_root_unlock(cfg);
			return -EINVAL;
		}
		m->stage[i].win = nr_win;
		nr_win += m->stage[i].map_len >> PAGE_SHIFT;
	}
	if (n)
		memcpy(m->r, m->stage, size);
	m->nr = n;
	m->flags = flags;
	old_win = m->nr_win;
	m->nr_win = nr_win;
	for (i = 0; i < n; i++)
		root_msix_map(cfg, &m->r[i]);
	for (i = nr_win; i < old_win; i++)
		WRITE_ONCE(cfg->msix_pte[i], 0);
	tvx_host_root_unlock(cfg);
	return 0;
}

typedef long (*tvx_host_op)(struct tvx_host_root *root, const u64 *arg);

/* TVX_HC_LEAVE is host_exit.c's: it needs the guest's registers. */
static const tvx_host_op tvx_host_ops[TVX_HC_MAX] = {
	[TVX_HC_STATUS] = op_status,
	[TVX_HC_EPT_SET] = op_ept_set,
	[TVX_HC_INVEPT] = op_invept,
	[TVX_HC_REFRESH] = op_refresh,
	[TVX_HC_SET_POLICY] = op_set_policy,
	[TVX_HC_SET_LISTENER] = op_set_listener,
	[TVX_HC_SET_MSIX] = op_set_msix,
};

/**
 * tvx_host_call_root() - run one hypercall op
 * @root: this CPU's root-mode state
 * @op: TVX_HC_*
 * @arg: its TVX_HC_ARGS arguments
 *
 * Context: root mode (host_exit.c), or natively on a CPU not in host mode.
 * Return: the op's result; -EINVAL for an unknown op.
 */
long tvx_host_call_root(struct tvx_host_root *root, unsigned long op,
			const u64 *arg)
{
	if (op >= TVX_HC_MAX || !tvx_host_ops[op])
		return -EINVAL;
	return tvx_host_ops[array_index_nospec(op, TVX_HC_MAX)](root, arg);
}

/**
 * tvx_host_call() - ask root mode to run an op (natively when not a guest)
 * @op: TVX_HC_* but TVX_HC_LEAVE (tvx_host_cpu_leave())
 * @a0: first argument
 * @a1: second
 * @a2: third
 *
 * Interrupts are off between the test of this CPU's state and the
 * VMCALL, so an IPI turning host mode off cannot come between them.
 *
 * Context: any; the caller keeps host mode from being freed meanwhile
 * (holds the host-mode lock, or runs in an IPI of a holder).
 * Return: the op's result; -ENODEV when host mode has no state here;
 * -EIO when root mode did not answer.
 */
long tvx_host_call(unsigned long op, u64 a0, u64 a1, u64 a2)
{
	struct tvx_host_cpu *hc;
	unsigned long flags;
	long ret;

	local_irq_save(flags);
	hc = this_cpu_ptr(&tvx_host_cpus);
	if (READ_ONCE(hc->on)) {
		ret = tvx_host_vmcall(op, a0, a1, a2);
	} else if (hc->root) {
		u64 arg[TVX_HC_ARGS] = { a0, a1, a2 };

		ret = tvx_host_call_root(hc->root, op, arg);
	} else {
		ret = -ENODEV;
	}
	local_irq_restore(flags);
	return ret;
}
