// SPDX-License-Identifier: GPL-2.0
/*
 * L1D flush before VM entry, for CPUs affected by L1TF (a guest could read
 * host data left in the L1 data cache through a crafted non-present EPT
 * walk). The policy is a module parameter, like kvm_intel's:
 *   vmentry_l1d_flush=cond    flush when the host ran other code since the
 *                             last entry: a new RUN, a reschedule, an
 *                             interrupt or softirq (the default);
 *   vmentry_l1d_flush=always  before every entry;
 *   vmentry_l1d_flush=never   not at all.
 * Unaffected CPUs, and hosts booted with l1tf=off, never flush.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sysfs.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/vmx.h>

#include "vcpu.h"
#include "vmx/run.h"

enum tvx_l1d_policy { TVX_L1D_COND, TVX_L1D_ALWAYS, TVX_L1D_NEVER };

static const char *const tvx_l1d_names[] = {
	[TVX_L1D_COND] = "cond",
	[TVX_L1D_ALWAYS] = "always",
	[TVX_L1D_NEVER] = "never",
};

static enum tvx_l1d_policy tvx_l1d_policy = TVX_L1D_COND;
static bool tvx_l1d_affected;

/* 64 KiB: twice the largest L1D, as Intel's software sequence asks */
#define TVX_L1D_BUF_ORDER	4
#define TVX_L1D_BUF_SIZE	(PAGE_SIZE << TVX_L1D_BUF_ORDER)
static void *tvx_l1d_buf;

static int tvx_l1d_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(tvx_l1d_names, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(tvx_l1d_policy, i);
	return 0;
}

static int tvx_l1d_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", tvx_l1d_names[READ_ONCE(tvx_l1d_policy)]);
}

static const struct kernel_param_ops tvx_l1d_ops = {
	.set = tvx_l1d_set,
	.get = tvx_l1d_get,
};

module_param_cb(vmentry_l1d_flush, &tvx_l1d_ops, NULL, 0644);
MODULE_PARM_DESC(vmentry_l1d_flush, "L1D flush before VM entry: cond, always or never");

/**
 * tvx_l1d_flush_wanted() - whether to flush before this entry
 * @v: the vCPU about to enter
 *
 * Context: interrupts disabled. Consumes the per-CPU "interrupt ran" flag
 * the host kernel keeps for this purpose.
 *
 * Return: true to flush.
 */
bool tvx_l1d_flush_wanted(struct tvx_vcpu *v)
{
	bool irq_ran;

	if (!tvx_l1d_affected)
		return false;
	irq_ran = kvm_get_cpu_l1tf_flush_l1d();
	kvm_clear_cpu_l1tf_flush_l1d();
	switch (READ_ONCE(tvx_l1d_policy)) {
	case TVX_L1D_ALWAYS:
		return true;
	case TVX_L1D_COND:
		return v->l1d_flush_needed || irq_ran;
	default:
		return false;
	}
}

/**
 * tvx_l1d_flush_sw() - flush the L1D without the FLUSH_CMD MSR
 *
 * Touch every page of the buffer first so that the TLB walks do not evict
 * the lines the second pass loads, then read one word per cache line.
 */
void tvx_l1d_flush_sw(void)
{
	const u8 *p = tvx_l1d_buf;
	unsigned long i;

	for (i = 0; i < TVX_L1D_BUF_SIZE; i += PAGE_SIZE)
		(void)READ_ONCE(p[i]);
	for (i = 0; i < TVX_L1D_BUF_SIZE; i += L1_CACHE_BYTES)
		(void)READ_ONCE(p[i]);
}

/**
 * tvx_l1d_init() - decide whether this host needs the flush
 *
 * Return: 0, or -ENOMEM when the software flush buffer cannot be had.
 */
int tvx_l1d_init(void)
{
	struct page *p;

	tvx_l1d_affected = boot_cpu_has_bug(X86_BUG_L1TF) &&
			   l1tf_vmx_mitigation != VMENTER_L1D_FLUSH_NOT_REQUIRED &&
			   l1tf_vmx_mitigation != VMENTER_L1D_FLUSH_NEVER;
	if (!tvx_l1d_affected || boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		return 0;
	p = alloc_pages(GFP_KERNEL | __GFP_ZERO, TVX_L1D_BUF_ORDER);
	if (!p)
		return -ENOMEM;
	tvx_l1d_buf = page_address(p);
	return 0;
}

/**
 * tvx_l1d_exit() - free the software flush buffer
 */
void tvx_l1d_exit(void)
{
	if (tvx_l1d_buf)
		free_pages((unsigned long)tvx_l1d_buf, TVX_L1D_BUF_ORDER);
	tvx_l1d_buf = NULL;
}
