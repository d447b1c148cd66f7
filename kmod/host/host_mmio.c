// SPDX-License-Identifier: GPL-2.0
/*
 * Host writes to read-only MSI-X frames, in root mode (host_msix.h).
 *
 * The identity EPT takes the write right from every frame of root mode's
 * MSI-X set (cfg->msix, TVX_HC_SET_MSIX); a host write there is an EPT
 * violation,
 * and this carries it out: the instruction at the host's RIP is fetched
 * through the host's own page tables (identity map: guest-physical is
 * host-physical, read through the kernel's direct map) and decoded with
 * the MMIO decoder the guest domains use (vmx/emulate.c); then
 *  - a write to a table entry, or to an administrator's range, which
 *    root mode checks as one, is given to the validator
 *    (msix/msix_valid.c) with the entry as the device holds it, and done
 *    by root mode through its own window (a mapping only root mode's page
 *    table has) if valid, else discarded;
 *  - a write to a PBA is discarded (the PBA is the device's to write);
 *  - a write to the rest of a table's frame (other registers of the
 *    device may share it) is done as asked;
 * and the host goes on after the instruction. What cannot be decoded (not
 * a plain MOV store, an access crossing a frame) is not half done: the
 * host gets #GP, as a device write it may not make.
 *
 * Like the rest of root mode (host_exit.c): no host locks, no sleeping,
 * no printing; root mode's own lock keeps the set and its window from
 * changing meanwhile (TVX_HC_SET_MSIX on another CPU). Outcomes go to
 * per-CPU counters; discarded writes are also RO_MMIO_WRITE events.
 */
#include <linux/io.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "host/host_cpu.h"
#include "host/host_event.h"
#include "host/host_msix.h"
#include "msix/msix_valid.h"
#include "vmx/emulate.h"
#include "vmx/gwalk.h"
#include "vmx/vmx_ops.h"

#define HOST_CS_AR_L		BIT(13)
#define HOST_CS_AR_DB		BIT(14)
#define HOST_EFER_LMA		BIT_ULL(10)

static void hmsix_count(unsigned int what)
{
	tvx_host_msix_count(what);
}

/* A write root mode discarded (a PBA's, or one the validator refused) */
static void hmsix_report(struct tvx_host_regs *r, const struct hmsix_region *reg,
			 u64 pa)
{
	hmsix_count(reg->kind == HMSIX_PBA ? TVX_HMSIX_PBA : TVX_HMSIX_REFUSED);
	tvx_host_ev_write_refused(r, pa);
}

/* Guest-physical = host-physical: RAM through the direct map, or nothing. */
static int hmsix_read_gpa(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	if (!pfn_valid(gpa >> PAGE_SHIFT) ||
	    copy_from_kernel_nofault(buf, __va(gpa), len))
		return -EFAULT;
	return 0;
}

/*
 * The host's mode from CS and EFER (a 32-bit task under a 64-bit kernel
 * is compatibility mode, CS.L clear) and the linear address of its RIP.
 */
static unsigned int hmsix_mode(u64 *rip_la)
{
	u32 ar = vmcs_read32(GUEST_CS_AR_BYTES);
	u64 rip = vmcs_readl(GUEST_RIP);

	if ((vmcs_read64(GUEST_IA32_EFER) & HOST_EFER_LMA) && (ar & HOST_CS_AR_L)) {
		*rip_la = rip;
		return EMU_MODE_64;
	}
	*rip_la = (u32)(vmcs_readl(GUEST_CS_BASE) + rip);
	return (ar & HOST_CS_AR_DB) ? EMU_MODE_32 : EMU_MODE_16;
}

/* Up to EMU_MAX_LEN bytes at @la, a frame at a time; 0 or -EFAULT. */
static int hmsix_fetch(u64 la, u8 *bytes, unsigned int *got)
{
	struct gwalk_regs regs = {
		.cr0 = vmcs_readl(GUEST_CR0),
		.cr3 = vmcs_readl(GUEST_CR3),
		.cr4 = vmcs_readl(GUEST_CR4),
		.efer = vmcs_read64(GUEST_IA32_EFER),
		.maxphyaddr = boot_cpu_data.x86_phys_bits,
	};
	u32 access = GWALK_ACC_FETCH |
		     (((vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3) == 3 ?
		      GWALK_ACC_USER : 0);
	struct gwalk_result res;
	unsigned int n = 0, chunk;

	while (n < EMU_MAX_LEN) {
		if (gwalk_translate(&regs, la + n, access, hmsix_read_gpa, NULL,
				    &res))
			break;
		chunk = min_t(unsigned int, EMU_MAX_LEN - n,
			      PAGE_SIZE - offset_in_page(la + n));
		if (hmsix_read_gpa(NULL, res.gpa, bytes + n, chunk))
			break;
		n += chunk;
	}
	*got = n;
	return n ? 0 : -EFAULT;
}

static void hmsix_write(void __iomem *p, unsigned int size, u64 val)
{
	switch (size) {
	case 1:
		writeb(val, p);
		break;
	case 2:
		writew(val, p);
		break;
	case 4:
		writel(val, p);
		break;
	default:
		writeq(val, p);
		break;
	}
}

/* The region holding @pa, else the one whose frames hold it; or NULL. */
static const struct hmsix_region *hmsix_find(const struct tvx_host_msix *s, u64 pa,
					     bool *inside)
{
	const struct hmsix_region *frame = NULL;
	u32 i;

	for (i = 0; i < s->nr; i++) {
		const struct hmsix_region *reg = &s->r[i];

		if (pa >= reg->start && pa < reg->end) {
			*inside = true;
			return reg;
		}
		if (!frame && pa >= reg->map_pa && pa < reg->map_pa + reg->map_len)
			frame = reg;
	}
	*inside = false;
	return frame;
}

/*
 * Root mode's window onto @pa of @reg's frames, this CPU's stale
 * translation of it dropped first (TVX_HC_SET_MSIX may have remapped
 * that page since this CPU last used it). cfg->lock held.
 */
static void __iomem *hmsix_va(const struct tvx_host_cfg *cfg,
			      const struct hmsix_region *reg, u64 pa)
{
	unsigned long va = cfg->msix_va +
			   ((unsigned long)reg->win << PAGE_SHIFT) + (pa - reg->map_pa);

	asm volatile("invlpg (%0)" : : "r" (va) : "memory");
	return (void __iomem *)va;
}

/* A table entry written: checked against the entry the device holds. */
static void hmsix_table_write(struct tvx_host_regs *r, const struct tvx_host_cfg *cfg,
			      const struct hmsix_region *reg, u64 pa,
			      unsigned int size, u64 val)
{
	u64 entry_pa = reg->start + ((pa - reg->start) & ~(u64)(MSIX_ENTRY_SIZE - 1));
	void __iomem *e = hmsix_va(cfg, reg, entry_pa);
	struct msix_slot cur, next;
	enum msix_verdict v;

	cur.addr_lo = readl(e + MSIX_ENTRY_ADDR_LO);
	cur.addr_hi = readl(e + MSIX_ENTRY_ADDR_HI);
	cur.data = readl(e + MSIX_ENTRY_DATA);
	cur.ctrl = readl(e + MSIX_ENTRY_CTRL);
	v = msix_check_write(&cur, pa - entry_pa, size, val, cfg->msix->flags, &next);
	if (v != MSIX_OK) {
		hmsix_report(r, reg, pa);
		return;
	}
	hmsix_write(hmsix_va(cfg, reg, pa), size, val);
	hmsix_count(TVX_HMSIX_WRITTEN);
}

/**
 * tvx_host_mmio_write() - an EPT violation of the host: a read-only frame
 * @r: the host's general registers
 *
 * Context: root mode (host_exit.c).
 * Return: 0 to resume the host (the write carried out, discarded, or a
 * #GP injected; or the frame no longer read-only and the write retried),
 * -ENOENT when it is no violation of a write to the set (a bug: the
 * caller takes the CPU out of host mode).
 */
int tvx_host_mmio_write(struct tvx_host_regs *r)
{
	struct tvx_host_cfg *cfg = tvx_host_root_here()->cfg;
	const struct tvx_host_msix *s = cfg->msix;
	u64 pa = vmcs_read64(GUEST_PHYSICAL_ADDRESS), val, la;
	unsigned long qual = vmcs_readl(EXIT_QUALIFICATION);
	const struct hmsix_region *reg;
	u64 gprs[EMU_NR_GPRS];
	u8 bytes[EMU_MAX_LEN];
	struct emu_insn insn;
	unsigned int mode, got;
	bool inside;

	if (!(qual & EPT_VIOLATION_ACC_WRITE) || !s)
		return -ENOENT;
	tvx_host_root_lock(cfg);
	reg = hmsix_find(s, pa, &inside);
	tvx_host_root_unlock(cfg);
	if (!reg) {
		/*
		 * The frame left the set: tvx_host_ept_protect() gave its
		 * write right back, and this CPU's INVEPT is on its way. An
		 * EPT violation drops the cached mapping of its address
		 * (SDM 29.4.3.1): the write, retried, goes through.
		 */
		return 0;
	}
	/* the CPU's own write, delivering an event: a stack on a device */
	if (vmcs_read32(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK)
		return -ENOENT;
	mode = hmsix_mode(&la);
	if (hmsix_fetch(la, bytes, &got) ||
	    emu_decode(bytes, got, mode, &insn) || !insn.is_write ||
	    offset_in_page(pa) + insn.size > PAGE_SIZE) {
		hmsix_count(TVX_HMSIX_UNDECODED);
		tvx_host_inject(X86_TRAP_GP, true);
		return 0;
	}
	memcpy(gprs, r->gpr, sizeof(gprs));
	gprs[HREG_RSP] = vmcs_readl(GUEST_RSP);
	val = emu_store_value(&insn, gprs);

	/* the set as it is now: looked up again under the lock */
	tvx_host_root_lock(cfg);
	reg = hmsix_find(s, pa, &inside);
	if (!reg) {
		tvx_host_root_unlock(cfg);
		return 0;	/* left the set meanwhile: retried, as above */
	}
	if (!inside) {
		hmsix_write(hmsix_va(cfg, reg, pa), insn.size, val);
		hmsix_count(TVX_HMSIX_PASSED);
	} else if (reg->kind == HMSIX_PBA) {
		hmsix_report(r, reg, pa);
	} else {
		hmsix_table_write(r, cfg, reg, pa, insn.size, val);
	}
	tvx_host_root_unlock(cfg);
	tvx_host_skip(insn.len);
	return 0;
}

NOKPROBE_SYMBOL(tvx_host_mmio_write);
