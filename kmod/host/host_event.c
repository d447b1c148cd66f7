// SPDX-License-Identifier: GPL-2.0
/*
 * Host mode's events and guard policies (uapi/thinvmx.h, "Host mode").
 *
 * Events: THINVMX_HOST_ATTACH gives the host one listener fd with the
 * domain listener's ABI -- a request ring per possible CPU in its mmap,
 * SET_MONITOR/GET_MONITOR -- but async only. Root mode writes a record
 * straight into the ring of the CPU it runs on (one producer per ring:
 * that CPU's root mode, which nothing re-enters); a full ring counts the
 * event in the header's lost. Root mode finds the ring only from its own
 * copies: the area's address and size (TVX_HC_SET_LISTENER, checked in
 * root mode) and its producer's view of the ring in its per-CPU state,
 * never from the listener's host-side structure. Root mode runs in
 * whatever context the host was in, so it never sleeps, takes no lock and
 * calls no wake_up(): it queues this CPU's irq_work, which is NMI-safe (a
 * self-IPI, taken once the CPU is back in the host with interrupts on),
 * and whose handler wakes the daemon's poll.
 *
 * Guard policies: PIN_CR keeps CR4.SMEP/SMAP/UMIP and CR0.WP set (the
 * bits are in the CR0/CR4 guest/host masks while pinned, so clearing one
 * exits); PIN_MSR drops writes changing the syscall-entry MSRs (in the
 * MSR bitmap while pinned). host_exit.c enforces both.
 *
 * What root mode enforces -- struct tvx_host_policy in root mode's
 * configuration, the MSR bitmap, the VMCS controls -- is root mode's own,
 * in pages stolen from the host: a host kernel that writes the host
 * side's record (struct tvx_host_mon) changes nothing root mode reads.
 * The host_state_*() functions below, one per change, update the record
 * and end with host_push(): TVX_HC_SET_POLICY copies it into root mode,
 * which checks it there (pinnable bits only, async settings only,
 * watchable MSRs only) and applies it to the MSR bitmap and its VMCS,
 * then every other CPU in host mode loads it into its VMCS
 * (TVX_HC_REFRESH). The same IPIs are the barrier that detach needs: when
 * they are done, no root mode is still inside an exit handler that read
 * the old listener (handlers run with interrupts off).
 */
#include <linux/anon_inodes.h>
#include <linux/cpu.h>
#include <linux/file.h>
#include <linux/io.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/msr-index.h>
#include <asm/special_insns.h>
#include <asm/trapnr.h>

#include "host/host.h"
#include "host/host_cpu.h"
#include "host/host_event.h"
#include "vmx/vmx_bits.h"
#include "vmx/vmx_ops.h"

struct tvx_host_mon tvx_host_mon;

static DEFINE_MUTEX(tvx_host_ev_lock);	/* attach, detach, policies */

static bool tvx_host_pin_cr_param;
module_param_named(host_pin_cr, tvx_host_pin_cr_param, bool, 0444);
MODULE_PARM_DESC(host_pin_cr,
		 "host mode: keep CR4.SMEP/SMAP/UMIP and CR0.WP set (netlink changes it)");

static bool tvx_host_pin_msr_param;
module_param_named(host_pin_msr, tvx_host_pin_msr_param, bool, 0444);
MODULE_PARM_DESC(host_pin_msr,
		 "host mode: drop writes to the syscall-entry MSRs (netlink changes it)");

/*
 * For the selftests (root only): where the host side records the CR pins
 * it asked root mode for, CR0's then CR4's (u64 each), as a kernel
 * address. The host can write there; root mode does not read it
 * (host_test's pin_host_record).
 */
static int host_pins_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%#lx\n", (unsigned long)&tvx_host_mon.want.cr0_pin);
}

static const struct kernel_param_ops host_pins_ops = {
	.get = host_pins_get,
};

module_param_cb(host_test_pins, &host_pins_ops, NULL, 0400);
MODULE_PARM_DESC(host_test_pins, "for tests: where the host side records its CR pins");

static_assert(offsetof(struct tvx_host_policy, cr4_pin) ==
	      offsetof(struct tvx_host_policy, cr0_pin) + 8);

/* The MSRs PIN_MSR pins: where SYSCALL and SYSENTER enter the kernel */
static const u32 host_pinned_msrs[TVX_HOST_PINNED_MSRS] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

#define HOST_CR4_PINNABLE	(X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_UMIP)
#define HOST_CR0_PINNABLE	X86_CR0_WP

/* ------------------------------------------------------------ root mode */

/**
 * tvx_host_msr_pinned() - whether PIN_MSR pins @msr now
 * @p: root mode's policy
 * @msr: the MSR
 *
 * Context: root mode, or anywhere.
 * Return: true when a write changing it is dropped.
 */
bool tvx_host_msr_pinned(const struct tvx_host_policy *p, u32 msr)
{
	unsigned int i;

	if (!READ_ONCE(p->pin_msr))
		return false;
	for (i = 0; i < ARRAY_SIZE(host_pinned_msrs); i++)
		if (host_pinned_msrs[i] == msr)
			return true;
	return false;
}

NOKPROBE_SYMBOL(tvx_host_msr_pinned);

/*
 * This CPU's request ring, attached afresh when the listener changed
 * (cfg->lsn_gen moved on: TVX_HC_SET_LISTENER). Everything it is found
 * from is root mode's: the area's address and size as root mode checked
 * them, this CPU's number, the producer's index; ring_attach() checks
 * the header the daemon can write, and every slot is masked into the
 * area. A listener changed meanwhile (the count odd, or moved on between
 * the reads) gets nothing this time.
 */
static struct ring *host_ring_here(struct tvx_host_root *root)
{
	struct tvx_host_cfg *cfg = root->cfg;
	struct ring_layout lay;
	u32 gen, log2;
	u8 *area;
	u64 v;

	/* the count before @lsn: pairs with tvx_host_lsn_set()'s second smp_wmb() */
	gen = smp_load_acquire(&cfg->lsn_gen);
	if (gen & 1)
		return NULL;
	if (root->lsn_gen != gen) {
		root->lsn_ok = 0;
		v = READ_ONCE(cfg->lsn);
		/* @lsn before the count again: pairs with tvx_host_lsn_set()'s first smp_wmb() */
		smp_rmb();
		if (READ_ONCE(cfg->lsn_gen) != gen || !v)
			return NULL;
		root->lsn_gen = gen;
		area = (u8 *)(unsigned long)(v & PAGE_MASK);
		log2 = v & ~PAGE_MASK;
		if (ring_layout(cfg->nr_roots, log2, root->cpu, &lay) ||
		    ring_attach(&root->req, (void *)(area + lay.req_hdr),
				area + lay.req_slots, log2,
				THINVMX_RING_RECORD_SIZE, true))
			return NULL;
		root->lost = 0;
		root->lsn_ok = 1;
	}
	return root->lsn_ok ? &root->req : NULL;
}

NOKPROBE_SYMBOL(host_ring_here);

/**
 * tvx_host_ev_begin() - start a host event in this CPU's ring
 * @r: the guest's registers at the exit
 * @reason: THINVMX_EVENT_*
 *
 * The record is written in its slot straight away: root mode is the
 * ring's only producer. A full ring counts the event as lost (in the
 * header, where the daemon sees it, and in host status); a broken index
 * stops this CPU's ring until the next listener (poll says EPOLLERR when
 * it sees the indices broken).
 *
 * Context: root mode, interrupts off.
 * Return: the record (payload zeroed) to fill and hand to
 * tvx_host_ev_send(), or NULL when there is nowhere to put it.
 */
struct thinvmx_event *tvx_host_ev_begin(struct tvx_host_regs *r, u16 reason)
{
	struct tvx_host_root *root = tvx_host_root_here();
	struct ring *req = host_ring_here(root);
	struct thinvmx_event *ev;
	int ret;

	if (!req)
		return NULL;
	ret = ring_prod_reserve(req, 1);
	if (ret == -ENOSPC) {
		WRITE_ONCE(req->hdr->lost, ++root->lost);
		root->c.events_lost++;
		return NULL;
	}
	if (ret < 0) {
		root->lsn_ok = 0;
		irq_work_queue(root->wake);
		return NULL;
	}
	ev = ring_prod_slot(req, 0);
	monitor_event_init(ev, reason, root->cpu,
			   atomic64_inc_return(&root->cfg->lsn_seq), MONITOR_ASYNC);
	ev->regs.rax = r->gpr[0];
	ev->regs.rcx = r->gpr[1];
	ev->regs.rdx = r->gpr[2];
	ev->regs.rbx = r->gpr[3];
	ev->regs.rsp = vmcs_readl(GUEST_RSP);
	ev->regs.rbp = r->gpr[5];
	ev->regs.rsi = r->gpr[6];
	ev->regs.rdi = r->gpr[7];
	ev->regs.r8 = r->gpr[8];
	ev->regs.r9 = r->gpr[9];
	ev->regs.r10 = r->gpr[10];
	ev->regs.r11 = r->gpr[11];
	ev->regs.r12 = r->gpr[12];
	ev->regs.r13 = r->gpr[13];
	ev->regs.r14 = r->gpr[14];
	ev->regs.r15 = r->gpr[15];
	ev->regs.rip = vmcs_readl(GUEST_RIP);
	ev->regs.rflags = vmcs_readl(GUEST_RFLAGS);
	ev->cr0 = vmcs_readl(GUEST_CR0);
	ev->cr3 = vmcs_readl(GUEST_CR3);
	ev->cr4 = vmcs_readl(GUEST_CR4);
	return ev;
}

NOKPROBE_SYMBOL(tvx_host_ev_begin);

/**
 * tvx_host_ev_send() - publish the record tvx_host_ev_begin() started
 * @ev: the record
 * @flags: THINVMX_EVENT_F_*
 *
 * Wakes the daemon only when this record may be the one it sleeps for:
 * when it had consumed every earlier one. The full barrier pairs with the
 * one in host_lsn_poll() between the daemon's cons store and its prod
 * load (store buffering: at least one side sees the other's store), so a
 * daemon that goes to sleep has either seen this record or is woken.
 *
 * Context: root mode, interrupts off, right after tvx_host_ev_begin().
 */
void tvx_host_ev_send(struct thinvmx_event *ev, u32 flags)
{
	struct tvx_host_root *root = tvx_host_root_here();
	struct ring *req = &root->req;

	ev->flags = flags;
	ring_prod_publish(req, 1);
	root->c.events++;
	/* prod published before cons is read: pairs with host_lsn_poll()'s */
	smp_mb();
	if (req->own - READ_ONCE(req->hdr->cons) <= 1)
		irq_work_queue(root->wake);
}

NOKPROBE_SYMBOL(tvx_host_ev_send);

/**
 * tvx_host_ev_write_refused() - report a host write root mode discarded
 * @r:  the host's registers at the exit
 * @pa: the physical address written
 *
 * A write to a frame of the host's read-only MSI-X set that root mode
 * did not carry out, or to a frame of the hypervisor's own: while the
 * listener asks for RO_MMIO_WRITE, an event (DENIED) in this CPU's ring,
 * which root mode appends to without waiting (a full ring counts it
 * lost). The frame is the host's own (gfn = mfn: the identity map); the
 * linear address when the exit gives one.
 *
 * Context: root mode, interrupts off, an EPT violation being handled.
 */
void tvx_host_ev_write_refused(struct tvx_host_regs *r, u64 pa)
{
	u32 flags = THINVMX_EVENT_F_DENIED | THINVMX_EVENT_F_GFN_VALID;
	struct thinvmx_event *ev;

	if (monitor_delivery(&tvx_host_root_here()->cfg->pol.s,
			     THINVMX_MONITOR_RO_MMIO_WRITE) == MONITOR_NONE)
		return;
	ev = tvx_host_ev_begin(r, THINVMX_EVENT_RO_MMIO_WRITE);
	if (!ev)
		return;
	ev->u.ro_mmio.gfn = pa >> PAGE_SHIFT;
	ev->u.ro_mmio.mfn = pa >> PAGE_SHIFT;
	ev->u.ro_mmio.offset = offset_in_page(pa);
	if (vmcs_readl(EXIT_QUALIFICATION) & EPT_VIOLATION_GVA_IS_VALID) {
		ev->u.ro_mmio.gla = vmcs_readl(GUEST_LINEAR_ADDRESS);
		flags |= THINVMX_EVENT_F_GLA_VALID;
	}
	tvx_host_ev_send(ev, flags);
}

NOKPROBE_SYMBOL(tvx_host_ev_write_refused);

/**
 * tvx_host_vmcs_monitor() - this CPU's VMCS as the settings want it
 * @root: this CPU's root-mode state
 *
 * The CR0/CR4 guest/host masks own the bits VMX fixes, the pinned bits,
 * and every bit of a monitored register (a MOV exits only when it changes
 * an owned bit); CR3-load exiting while CR3 is monitored; #BP in the
 * exception bitmap while INT3 is. The read shadows already equal the
 * registers (host_exit.c writes both), so owning more bits changes
 * nothing the host reads.
 *
 * The processor controls go through @root->proc, the base root mode's
 * NMI window is added to (host_exit.c's tvx_host_nmi_window()): written,
 * then written again if root mode's NMI handler opened the window
 * meanwhile with the old base.
 *
 * Context: this CPU's host-mode VMCS current: root mode (TVX_HC_REFRESH),
 * or before VMLAUNCH.
 */
void tvx_host_vmcs_monitor(struct tvx_host_root *root)
{
	const struct tvx_host_cfg *cfg = root->cfg;
	const struct tvx_host_policy *mon = &cfg->pol;
	u32 proc = cfg->proc;

	vmcs_writel(CR0_GUEST_HOST_MASK, cfg->cr0_mask | READ_ONCE(mon->cr0_pin) |
		    monitor_cr_guest_host_mask(&mon->s, 0));
	vmcs_writel(CR4_GUEST_HOST_MASK, cfg->cr4_mask | READ_ONCE(mon->cr4_pin) |
		    monitor_cr_guest_host_mask(&mon->s, 4));
	if (monitor_needs_cr3_exiting(&mon->s))
		proc |= VMX_PROC_CR3_LOAD_EXITING;
	WRITE_ONCE(root->proc, proc);
	barrier();
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc |
		     (READ_ONCE(root->window) ? VMX_PROC_NMI_WINDOW_EXITING : 0));
	barrier();
	if (READ_ONCE(root->window))
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc | VMX_PROC_NMI_WINDOW_EXITING);
	vmcs_write32(EXCEPTION_BITMAP, monitor_exception_bitmap(&mon->s));
}

NOKPROBE_SYMBOL(tvx_host_vmcs_monitor);

/* ------------------------------------------------------------ root-mode state */

static void host_refresh_ipi(void *arg)
{
	if (READ_ONCE(this_cpu_ptr(&tvx_host_cpus)->on))
		tvx_host_call(TVX_HC_REFRESH, 0, 0, 0);
}

/*
 * Every CPU in host mode loads the settings into its VMCS, and root mode
 * applies them to the MSR bitmap (stolen from the host: TVX_HC_REFRESH);
 * when this returns, no exit handler still runs with what was there
 * before.
 */
static void host_refresh_all(void)
{
	cpus_read_lock();
	on_each_cpu(host_refresh_ipi, NULL, 1);
	cpus_read_unlock();
}

/* The write-bitmap bit of @msr (SDM 25.6.9), or -1 outside its ranges */
static long host_msr_write_bit(u32 msr)
{
	if (msr <= 0x1fff)
		return 2048 * 8 + msr;
	if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		return 3072 * 8 + (msr - 0xc0000000);
	return -1;
}

static bool host_msr_in(const u32 *set, unsigned int n, u32 msr)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (set[i] == msr)
			return true;
	return false;
}

/**
 * tvx_host_msr_bitmap_apply() - the MSR bitmap's write bits as the pinned
 *				 and watched MSRs want them
 * @cfg: root mode's configuration: its policy, bitmap and record of the
 *	 bits set
 *
 * New bits first, then the old ones go: a pinned MSR never passes
 * unseen in between. Atomic bit operations, since the CPUs read the
 * bitmap meanwhile. MSRs outside the bitmap's ranges exit anyway; the
 * VMX MSRs' bits are never cleared.
 *
 * Context: host mode being prepared (natively), or root mode
 * (TVX_HC_SET_POLICY, under root mode's own lock).
 */
void tvx_host_msr_bitmap_apply(struct tvx_host_cfg *cfg)
{
	const struct tvx_host_policy *pol = &cfg->pol;
	const unsigned int n_max = ARRAY_SIZE(cfg->msr_exiting);
	unsigned long *bm = __va(cfg->msr_bitmap_pa);
	u32 want[ARRAY_SIZE(cfg->msr_exiting)];
	unsigned int n = 0, i;
	long bit;

	if (pol->pin_msr)
		for (i = 0; i < ARRAY_SIZE(host_pinned_msrs); i++)
			want[n++] = host_pinned_msrs[i];
	for (i = 0; i < THINVMX_MONITOR_MSRS; i++)
		if (pol->s.msr[i])
			want[n++] = (u32)pol->s.msr[i];
	for (i = 0; i < n; i++) {
		bit = host_msr_write_bit(want[i]);
		if (bit >= 0)
			set_bit(bit, bm);
	}
	for (i = 0; i < min(cfg->nr_msr_exiting, n_max); i++) {
		u32 msr = cfg->msr_exiting[i];

		bit = host_msr_write_bit(msr);
		if (bit >= 0 && !host_msr_in(want, n, msr) && !tvx_host_msr_vmx(msr))
			clear_bit(bit, bm);
	}
	memcpy(cfg->msr_exiting, want, n * sizeof(want[0]));
	cfg->nr_msr_exiting = n;
}

NOKPROBE_SYMBOL(tvx_host_msr_bitmap_apply);

/*
 * Which MSRs the host's listener may watch: not the VMX ones (they #GP),
 * not those whose guest value lives in VMCS fields the handler would
 * have to check as the CPU does (EFER, PAT, DEBUGCTL), and not the x2APIC
 * registers (monitor_set() refuses them for every listener).
 */
static bool host_msr_watchable(u32 msr)
{
	return !tvx_host_msr_vmx(msr) && msr != MSR_EFER &&
	       msr != MSR_IA32_CR_PAT && msr != MSR_IA32_DEBUGCTLMSR &&
	       (msr < MONITOR_X2APIC_FIRST || msr > MONITOR_X2APIC_LAST);
}

/* A kind's setting byte: off or async, with on-change-only or not */
static bool host_setting_valid(u8 v)
{
	return !(v & ~(MONITOR_MODE_MASK | MONITOR_ON_CHANGE)) &&
	       (v & MONITOR_MODE_MASK) <= THINVMX_MONITOR_MODE_ASYNC;
}

/**
 * tvx_host_policy_valid() - whether root mode takes a policy the host asks for
 * @p: root mode's copy of the request (the host cannot change it meanwhile)
 *
 * What the host side's own checks (host_lsn_set_monitor(), monitor_set())
 * let through, and nothing else: pins of the pinnable bits only, and
 * only with PIN_CR on; settings off or async; no memory-access events;
 * watched MSRs root mode can handle.
 *
 * Context: root mode (TVX_HC_SET_POLICY), or natively.
 * Return: true when @p is one the host side could have built.
 */
bool tvx_host_policy_valid(const struct tvx_host_policy *p)
{
	unsigned int i;

	if ((p->cr0_pin & ~(u64)HOST_CR0_PINNABLE) ||
	    (p->cr4_pin & ~(u64)HOST_CR4_PINNABLE) || p->pin_cr > 1 ||
	    p->pin_msr > 1 || (!p->pin_cr && (p->cr0_pin || p->cr4_pin)))
		return false;
	for (i = 0; i < THINVMX_MONITOR_NR_KINDS; i++)
		if (!host_setting_valid(p->s.kind[i]))
			return false;
	if (p->s.kind[THINVMX_MONITOR_MEM_ACCESS])
		return false;
	for (i = THINVMX_MONITOR_XCR0; i < THINVMX_MONITOR_NR_KINDS; i++)
		if (p->s.kind[i])
			return false;
	for (i = 0; i < THINVMX_MONITOR_MSRS; i++) {
		u64 e = p->s.msr[i];
		u8 v = e >> MONITOR_MSR_SETTING_SHIFT;

		if (e && ((e >> (MONITOR_MSR_SETTING_SHIFT + 8)) ||
			  !(v & MONITOR_MODE_MASK) || !host_setting_valid(v) ||
			  !host_msr_watchable((u32)e)))
			return false;
	}
	return true;
}

NOKPROBE_SYMBOL(tvx_host_policy_valid);

/**
 * tvx_host_policy_load() - root mode's policy, as host mode is prepared
 * @cfg: root mode's configuration, before any CPU is taken in
 *
 * The host side's record as it is (a change that comes meanwhile is
 * pushed by hypercall once host mode is on: host_push() waits for
 * tvx_host_lock, which the caller holds). A record that does not pass
 * tvx_host_policy_valid() (it cannot: the host side builds it) leaves
 * the policy off.
 *
 * Context: natively, tvx_host_lock held; cfg->msr_bitmap_pa set.
 */
void tvx_host_policy_load(struct tvx_host_cfg *cfg)
{
	struct tvx_host_listener *l = tvx_host_mon.lsn;

	cfg->pol = tvx_host_mon.want;
	if (!tvx_host_policy_valid(&cfg->pol))
		memset(&cfg->pol, 0, sizeof(cfg->pol));
	tvx_host_msr_bitmap_apply(cfg);
	if (l)
		tvx_host_lsn_set(cfg, (unsigned long)l->area, l->slots_log2);
}

/**
 * tvx_host_lsn_set() - the rings root mode writes host events into
 * @cfg: root mode's configuration
 * @area: the listener's ring area (page-aligned, vmalloc'd), 0 for none
 * @slots_log2: its rings' size
 *
 * Checked here, in root mode: one ring pair per CPU of the size asked
 * for, inside vmalloc space, and every frame behind it one the host may
 * write itself (not the hypervisor's: no confused deputy). Root mode
 * goes on through the kernel's page tables below its own top level
 * (host.c says what that leaves open). Each CPU attaches its ring
 * afresh at its next event (host_ring_here()).
 *
 * Context: root mode under root mode's lock (TVX_HC_SET_LISTENER), or
 * natively before any CPU is taken in.
 * Return: 0, -EINVAL for an area that fails the checks (no listener
 * then).
 */
long tvx_host_lsn_set(struct tvx_host_cfg *cfg, u64 area, u64 slots_log2)
{
	u64 size, off, v = 0, leaf;
	struct page *pg;

	if (area) {
		if (!ring_slots_log2_valid(slots_log2) || offset_in_page(area))
			return -EINVAL;
		size = ring_area_size(cfg->nr_roots, slots_log2);
		if (!size || area < VMALLOC_START || area + size < area ||
		    area + size > VMALLOC_END)
			return -EINVAL;
		for (off = 0; off < size; off += PAGE_SIZE) {
			pg = vmalloc_to_page((void *)(unsigned long)(area + off));
			if (!pg)
				return -EINVAL;
			if (!cfg->eptp)
				continue;
			leaf = tvx_host_ept_lookup(cfg, page_to_phys(pg));
			if ((leaf & TVX_EPT_OWNED) || !(leaf & VMX_EPT_WRITABLE_MASK))
				return -EINVAL;
		}
		v = area | slots_log2;
	}
	/* a sequence count: readers take @lsn only with the same even count */
	WRITE_ONCE(cfg->lsn_gen, cfg->lsn_gen + 1);
	/* the odd count before @lsn: pairs with host_ring_here()'s smp_rmb() */
	smp_wmb();
	WRITE_ONCE(cfg->lsn, v);
	/* @lsn before the even count: pairs with host_ring_here()'s acquire */
	smp_wmb();
	WRITE_ONCE(cfg->lsn_gen, cfg->lsn_gen + 1);
	return 0;
}

NOKPROBE_SYMBOL(tvx_host_lsn_set);

/*
 * The host side's record into root mode (TVX_HC_SET_POLICY, on this CPU),
 * then into every CPU's VMCS (host_refresh_all(), also the barrier the
 * listener's detach needs). While host mode is off, host_prepare() takes
 * the record when it is turned on.
 */
static void host_push(void)
{
	struct tvx_host_listener *l = tvx_host_mon.lsn;
	struct tvx_host_policy *req;
	long ret = -ENOMEM;

	mutex_lock(&tvx_host_lock);
	if (tvx_host_wanted) {
		/* a buffer root mode can find by its physical address */
		req = kmemdup(&tvx_host_mon.want, sizeof(*req), GFP_KERNEL);
		if (req)
			ret = tvx_host_call(TVX_HC_SET_POLICY, virt_to_phys(req),
					    sizeof(*req), 0);
		kfree(req);
		if (ret)
			pr_warn_ratelimited("host mode: root mode keeps its policy: %ld\n", ret);
		ret = tvx_host_call(TVX_HC_SET_LISTENER, l ? (unsigned long)l->area : 0,
				    l ? l->slots_log2 : 0, 0);
		if (ret)
			pr_warn_ratelimited("host mode: root mode refused the listener's rings: %ld\n",
					    ret);
	}
	host_refresh_all();
	mutex_unlock(&tvx_host_lock);
}

/* PIN_CR and PIN_MSR on or off; the bits pinned are those set now. */
static void host_state_set_pins(bool pin_cr, bool pin_msr)
{
	struct tvx_host_policy *want = &tvx_host_mon.want;

	want->cr0_pin = pin_cr ? read_cr0() & HOST_CR0_PINNABLE : 0;
	want->cr4_pin = pin_cr ? __read_cr4() & HOST_CR4_PINNABLE : 0;
	want->pin_cr = pin_cr;
	want->pin_msr = pin_msr;
	host_push();
}

/* One kind's setting (async only, checked by the caller). */
static int host_state_set_monitor(const struct thinvmx_monitor *m)
{
	int ret = monitor_set(&tvx_host_mon.want.s, m);

	if (ret)
		return ret;
	host_push();
	return 0;
}

/* The listener root mode writes to, or none (every kind off first). */
static void host_state_set_listener(struct tvx_host_listener *l)
{
	if (!l)
		monitor_reset(&tvx_host_mon.want.s);
	WRITE_ONCE(tvx_host_mon.lsn, l);
	host_push();
}

/*
 * Root mode wakes the listener through this CPU's irq_work: module data
 * whose address root mode took natively, before the CPU was taken in
 * (tvx_host_ev_wake()), not one it would find through the listener.
 * Detach waits for every CPU's (host_lsn_release()).
 */
static void host_lsn_wake(struct irq_work *w)
{
	struct tvx_host_listener *l = READ_ONCE(tvx_host_mon.lsn);

	if (l)
		wake_up_interruptible_poll(&l->poll_wq, EPOLLIN | EPOLLRDNORM);
}

/* initialised at load (tvx_host_policy_init()) */
static DEFINE_PER_CPU(struct irq_work, host_ev_wake);

/**
 * tvx_host_ev_wake() - the irq_work root mode on @cpu wakes the listener with
 * @cpu: the CPU
 *
 * Context: natively, host mode being prepared.
 * Return: it.
 */
struct irq_work *tvx_host_ev_wake(unsigned int cpu)
{
	return per_cpu_ptr(&host_ev_wake, cpu);
}

/* ------------------------------------------------------------ policies */

/**
 * tvx_host_set_policy() - turn guard policies on or off
 * @pin_cr: 1 on, 0 off, -1 as it is
 * @pin_msr: likewise
 *
 * Context: process context, may sleep.
 * Return: 0.
 */
int tvx_host_set_policy(int pin_cr, int pin_msr)
{
	struct tvx_host_mon *mon = &tvx_host_mon;

	mutex_lock(&tvx_host_ev_lock);
	host_state_set_pins(pin_cr < 0 ? mon->want.pin_cr : pin_cr,
			    pin_msr < 0 ? mon->want.pin_msr : pin_msr);
	mutex_unlock(&tvx_host_ev_lock);
	return 0;
}

/**
 * tvx_host_get_policy() - the guard policies now
 * @pin_cr: out
 * @pin_msr: out
 */
void tvx_host_get_policy(bool *pin_cr, bool *pin_msr)
{
	*pin_cr = READ_ONCE(tvx_host_mon.want.pin_cr);
	*pin_msr = READ_ONCE(tvx_host_mon.want.pin_msr);
}

/**
 * tvx_host_policy_init() - the policies the module parameters ask for
 *
 * And the irq_works root mode wakes the listener with.
 * At load, before host=1 turns host mode on.
 */
void tvx_host_policy_init(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		init_irq_work(per_cpu_ptr(&host_ev_wake, cpu), host_lsn_wake);
	tvx_host_set_policy(tvx_host_pin_cr_param, tvx_host_pin_msr_param);
}

/* ------------------------------------------------------------ the fd */

/*
 * A ring index the daemon wrote is out of the ring (root mode stops that
 * CPU's ring): EPOLLERR from then on.
 */
static bool host_lsn_broken(struct tvx_host_listener *l)
{
	u32 i;

	if (READ_ONCE(l->broken))
		return true;
	for (i = 0; i < l->nr_cpus; i++) {
		struct thinvmx_ring_header *hdr = l->rc[i].hdr;

		if (ring_count(READ_ONCE(hdr->prod), READ_ONCE(hdr->cons),
			       l->slots_log2) < 0) {
			WRITE_ONCE(l->broken, true);
			return true;
		}
	}
	return false;
}

static long host_lsn_set_monitor(struct tvx_host_listener *l,
				 struct thinvmx_monitor __user *uarg)
{
	struct thinvmx_monitor m;
	int ret;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	ret = monitor_validate(m.kind, m.mode, m.flags);
	if (ret)
		return ret;
	if (m.kind == THINVMX_MONITOR_MEM_ACCESS ||
	    (m.kind == THINVMX_MONITOR_MSR && !host_msr_watchable(m.msr)))
		return -EINVAL;
	/* root mode reports none of the kinds from XCR0 on */
	if (m.kind >= THINVMX_MONITOR_XCR0)
		return -EOPNOTSUPP;
	/* a host CPU cannot wait for an answer: see THINVMX_HOST_ATTACH */
	if (m.mode == THINVMX_MONITOR_MODE_SYNC)
		return -EOPNOTSUPP;
	mutex_lock(&tvx_host_ev_lock);
	ret = l->detached ? -ENODEV : host_state_set_monitor(&m);
	mutex_unlock(&tvx_host_ev_lock);
	return ret;
}

static long host_lsn_get_monitor(struct tvx_host_listener *l,
				 struct thinvmx_monitor __user *uarg)
{
	struct thinvmx_monitor m;
	int ret;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	mutex_lock(&tvx_host_ev_lock);
	ret = l->detached ? -ENODEV : monitor_get(&tvx_host_mon.want.s, &m);
	mutex_unlock(&tvx_host_ev_lock);
	if (ret)
		return ret;
	return copy_to_user(uarg, &m, sizeof(m)) ? -EFAULT : 0;
}

static long host_lsn_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct tvx_host_listener *l = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct thinvmx_doorbell db;

	switch (cmd) {
	case THINVMX_SET_MONITOR:
		return host_lsn_set_monitor(l, uarg);
	case THINVMX_GET_MONITOR:
		return host_lsn_get_monitor(l, uarg);
	case THINVMX_MONITOR_DOORBELL:
		/* nothing waits for an answer or for room: accepted, no-op */
		if (copy_from_user(&db, uarg, sizeof(db)))
			return -EFAULT;
		if (db.reserved[0] || db.reserved[1] || db.reserved[2])
			return -EINVAL;
		return host_lsn_broken(l) ? -EPROTO : 0;
	case THINVMX_INJECT_TRAP:
	case THINVMX_SET_SYNC_TIMEOUT:
		return -EOPNOTSUPP;	/* async only; the host is no vCPU */
	default:
		return -ENOTTY;
	}
}

static __poll_t host_lsn_poll(struct file *file, poll_table *pt)
{
	struct tvx_host_listener *l = file->private_data;
	u32 i;

	poll_wait(file, &l->poll_wq, pt);
	if (host_lsn_broken(l))
		return EPOLLERR;
	/* the daemon's cons store before the prod loads: pairs with tvx_host_ev_send()'s */
	smp_mb();
	for (i = 0; i < l->nr_cpus; i++) {
		struct thinvmx_ring_header *hdr = l->rc[i].hdr;

		/* pairs with the release store in ring_prod_publish() */
		if (smp_load_acquire(&hdr->prod) != READ_ONCE(hdr->cons))
			return EPOLLIN | EPOLLRDNORM;
	}
	return 0;
}

static int host_lsn_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct tvx_host_listener *l = file->private_data;
	unsigned long off;
	int ret;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != l->area_size)
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	for (off = 0; off < l->area_size; off += PAGE_SIZE) {
		ret = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page(l->area + off));
		if (ret)
			return ret;
	}
	return 0;
}

static void host_lsn_free(struct tvx_host_listener *l)
{
	vfree(l->area);
	kfree(l);
}

/* Every kind off on every CPU, root mode let go of the rings, then free. */
static int host_lsn_release(struct inode *inode, struct file *file)
{
	struct tvx_host_listener *l = file->private_data;
	unsigned int cpu;

	mutex_lock(&tvx_host_ev_lock);
	l->detached = true;
	host_state_set_listener(NULL);
	mutex_unlock(&tvx_host_ev_lock);
	for_each_possible_cpu(cpu)
		irq_work_sync(tvx_host_ev_wake(cpu));
	host_lsn_free(l);
	return 0;
}

static const struct file_operations host_lsn_fops = {
	.owner		= THIS_MODULE,
	.release	= host_lsn_release,
	.unlocked_ioctl	= host_lsn_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.poll		= host_lsn_poll,
	.mmap		= host_lsn_mmap,
	.llseek		= noop_llseek,
};

static int host_lsn_rings(struct tvx_host_listener *l)
{
	struct ring_layout lay;
	u8 *base = l->area;
	u32 i;
	int ret;

	for (i = 0; i < l->nr_cpus; i++) {
		struct tvx_host_ring *rc = &l->rc[i];

		ret = ring_layout(l->nr_cpus, l->slots_log2, i, &lay);
		if (ret)
			return ret;
		ring_header_init((void *)(base + lay.req_hdr), l->slots_log2,
				 THINVMX_RING_RECORD_SIZE, i, 0);
		ring_header_init((void *)(base + lay.rsp_hdr), l->slots_log2,
				 THINVMX_RING_RECORD_SIZE, i, 0);
		rc->hdr = (void *)(base + lay.req_hdr);
	}
	return 0;
}

/**
 * tvx_host_attach() - THINVMX_HOST_ATTACH
 * @uarg: struct thinvmx_attach_monitor
 *
 * Context: process context; the caller checked CAP_SYS_ADMIN.
 * Return: the listener fd, or -EFAULT, -EINVAL (bad slots_log2, nr_vcpus
 * not 0, reserved bits), -EBUSY (a host listener is attached),
 * -EOPNOTSUPP (more possible CPUs than THINVMX_MAX_VCPUS), -ENOMEM.
 */
long tvx_host_attach(struct thinvmx_attach_monitor __user *uarg)
{
	struct thinvmx_attach_monitor a;
	struct tvx_host_listener *l;
	int fd, ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.reserved[0] || a.reserved[1] || a.mmap_size || a.nr_vcpus)
		return -EINVAL;
	if (!a.slots_log2)
		a.slots_log2 = THINVMX_RING_SLOTS_LOG2_DEFAULT;
	if (!ring_slots_log2_valid(a.slots_log2))
		return -EINVAL;
	if (nr_cpu_ids > THINVMX_MAX_VCPUS)
		return -EOPNOTSUPP;

	l = kzalloc(struct_size(l, rc, nr_cpu_ids), GFP_KERNEL_ACCOUNT);
	if (!l)
		return -ENOMEM;
	mutex_init(&l->lock);
	init_waitqueue_head(&l->poll_wq);
	l->nr_cpus = nr_cpu_ids;
	l->slots_log2 = a.slots_log2;
	l->area_size = ring_area_size(l->nr_cpus, l->slots_log2);
	if (l->area_size >> PAGE_SHIFT <= totalram_pages() / 2)
		l->area = __vmalloc(l->area_size, GFP_KERNEL_ACCOUNT | __GFP_ZERO |
				    __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!l->area) {
		kfree(l);
		return -ENOMEM;
	}
	ret = host_lsn_rings(l);
	if (ret) {
		host_lsn_free(l);
		return ret;
	}
	a.nr_vcpus = l->nr_cpus;
	a.mmap_size = l->area_size;
	if (copy_to_user(uarg, &a, sizeof(a))) {
		host_lsn_free(l);
		return -EFAULT;
	}

	mutex_lock(&tvx_host_ev_lock);
	if (tvx_host_mon.lsn) {
		mutex_unlock(&tvx_host_ev_lock);
		host_lsn_free(l);
		return -EBUSY;
	}
	fd = anon_inode_getfd("thinvmx-host-listener", &host_lsn_fops, l,
			      O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		host_state_set_listener(l);
	mutex_unlock(&tvx_host_ev_lock);
	if (fd < 0)
		host_lsn_free(l);
	return fd;
}
