// SPDX-License-Identifier: GPL-2.0
/*
 * Guest page-table walk: pure logic, compiled into the module and into the
 * host unit tests (selftests/unit/test_gwalk.c).
 *
 * The hypervisor walks the guest's tables to fetch the instruction at guest
 * RIP (MMIO emulation) and, later, for events. It follows SDM Vol. 3,
 * chapter 4: 32-bit paging (4.3), PAE paging (4.4), 4- and 5-level paging
 * (4.5), access rights (4.6) and the page-fault error code (4.7).
 *
 * Deliberate omissions, each harmless for reading guest memory on the
 * guest's behalf:
 *  - Accessed and dirty bits are not set. The walk serves the hypervisor's
 *    own reads; the guest's access already set them (an instruction fetch
 *    sets A on every level before the MMIO access that exited), and setting
 *    them here would need atomic writes to guest memory for no gain.
 *  - SMAP and protection keys are not checked: they restrict data accesses
 *    that the guest itself performed and the CPU has already allowed.
 *  - 1 GiB pages are assumed supported (a guest CPUID without them would
 *    make PS in a PDPTE reserved), and PSE-36 is assumed, with 40 address
 *    bits at most, as on every CPU with PSE.
 *  - TLBs and paging-structure caches do not exist here: the walk sees the
 *    tables as they are now, which the guest may have changed without a
 *    flush.
 */
#include "gwalk.h"

#define PTE_P			BIT_ULL(0)
#define PTE_RW			BIT_ULL(1)
#define PTE_US			BIT_ULL(2)
#define PTE_PS			BIT_ULL(7)
#define PTE_XD			BIT_ULL(63)

#define GWALK_SZ_4K		BIT_ULL(12)
#define GWALK_SZ_4M		BIT_ULL(22)

#define GWALK_ACC_ALL		(GWALK_ACC_WRITE | GWALK_ACC_USER | GWALK_ACC_FETCH)

/* What one walk has gathered: the rights are the combination of all levels. */
struct gwalk {
	const struct gwalk_regs *regs;
	u32 access;
	int (*read_gpa)(void *ctx, u64 gpa, void *buf, unsigned int len);
	void *ctx;
	struct gwalk_result *res;
	unsigned int level;	/* of the entry being read or checked */
	u64 entry;		/* the last entry read */
	bool user;		/* U/S = 1 at every level */
	bool writable;		/* R/W = 1 at every level */
	bool nx;		/* XD = 1 at some level (NXE = 1 only) */
};

/*
 * The error code (SDM 4.7): W/R and U/S describe the access, P tells a
 * protection or reserved-bit fault from a non-present entry, and I/D is set
 * for fetches only when SMEP is on, or PAE and NXE both are.
 */
static int gwalk_fault(const struct gwalk *w, u32 bits, struct gwalk_result *res)
{
	const struct gwalk_regs *r = w->regs;
	u32 err = bits | (w->access & (GWALK_PF_WRITE | GWALK_PF_USER));

	if ((w->access & GWALK_ACC_FETCH) &&
	    ((r->cr4 & GWALK_CR4_SMEP) ||
	     ((r->cr4 & GWALK_CR4_PAE) && (r->efer & GWALK_EFER_NXE))))
		err |= GWALK_PF_FETCH;
	res->pf_error = err;
	if (!(bits & GWALK_PF_PRESENT))
		res->why = GWALK_WHY_NOT_PRESENT;
	else if (bits & GWALK_PF_RSVD)
		res->why = GWALK_WHY_RESERVED;
	else
		res->why = GWALK_WHY_RIGHTS;
	res->level = w->level;
	res->entry = w->entry;
	return -EFAULT;
}

/*
 * Read one paging-structure entry of @len bytes (x86 is little-endian, as
 * the guest). -EFAULT is how this file reports a guest page fault, so a
 * callback's own -EFAULT (a common "could not copy") becomes -EIO.
 */
static int gwalk_read(struct gwalk *w, u64 gpa, unsigned int len,
		      u64 *entry)
{
	u32 e32 = 0;
	u64 e64 = 0;
	int ret;

	if (len == 4)
		ret = w->read_gpa(w->ctx, gpa, &e32, 4);
	else
		ret = w->read_gpa(w->ctx, gpa, &e64, 8);
	if (ret) {
		w->res->why = GWALK_WHY_READ;
		w->res->level = w->level;
		return ret > 0 || ret == -EFAULT ? -EIO : ret;
	}
	*entry = len == 4 ? e32 : e64;
	w->entry = *entry;
	return 0;
}

/* Fold one level's rights into the walk's (SDM 4.6.1). */
static void gwalk_rights(struct gwalk *w, u64 entry)
{
	w->user &= !!(entry & PTE_US);
	w->writable &= !!(entry & PTE_RW);
	w->nx |= !!(entry & PTE_XD);
}

/* The access rights check of SDM 4.6, once the whole path is known. */
static int gwalk_check(const struct gwalk *w, struct gwalk_result *res)
{
	const struct gwalk_regs *r = w->regs;
	bool write = w->access & GWALK_ACC_WRITE;
	bool fetch = w->access & GWALK_ACC_FETCH;

	if (w->access & GWALK_ACC_USER) {
		if (!w->user || (write && !w->writable))
			return gwalk_fault(w, GWALK_PF_PRESENT, res);
	} else {
		/* supervisor writes ignore R/W unless CR0.WP */
		if (write && (r->cr0 & GWALK_CR0_WP) && !w->writable)
			return gwalk_fault(w, GWALK_PF_PRESENT, res);
		if (fetch && (r->cr4 & GWALK_CR4_SMEP) && w->user)
			return gwalk_fault(w, GWALK_PF_PRESENT, res);
	}
	if (fetch && w->nx)
		return gwalk_fault(w, GWALK_PF_PRESENT, res);
	return 0;
}

/* 32-bit paging (SDM 4.3): 4-byte entries, 4 KiB pages or 4 MiB with PSE. */
static int gwalk_32(struct gwalk *w, u32 la, struct gwalk_result *res)
{
	const struct gwalk_regs *r = w->regs;
	unsigned int m;
	u64 pde, pte;
	int ret;

	w->level = 2;
	ret = gwalk_read(w, (r->cr3 & 0xfffff000) + (la >> 22) * 4, 4, &pde);
	if (ret)
		return ret;
	if (!(pde & PTE_P))
		return gwalk_fault(w, 0, res);
	gwalk_rights(w, pde);

	if ((pde & PTE_PS) && (r->cr4 & GWALK_CR4_PSE)) {
		/*
		 * Bits 20:13 hold physical address bits 39:32 (PSE-36);
		 * those at and above MAXPHYADDR, and bit 21, are reserved.
		 */
		m = r->maxphyaddr < 40 ? r->maxphyaddr : 40;
		if (pde & GENMASK_ULL(21, m - 19))
			return gwalk_fault(w, GWALK_PF_PRESENT | GWALK_PF_RSVD,
					   res);
		res->page_size = GWALK_SZ_4M;
		res->gpa = (pde & 0xffc00000) | (((pde >> 13) & 0xff) << 32) |
			   (la & (GWALK_SZ_4M - 1));
	} else {
		w->level = 1;
		ret = gwalk_read(w, (pde & 0xfffff000) + ((la >> 12) & 0x3ff) * 4,
				 4, &pte);
		if (ret)
			return ret;
		if (!(pte & PTE_P))
			return gwalk_fault(w, 0, res);
		gwalk_rights(w, pte);
		res->page_size = GWALK_SZ_4K;
		res->gpa = (pte & 0xfffff000) | (la & (GWALK_SZ_4K - 1));
	}
	return gwalk_check(w, res);
}

/*
 * PAE paging (SDM 4.4) and 4/5-level paging (4.5): 8-byte entries, 9 bits
 * of the address per level. PAE starts from one of four PDPTEs, which have
 * no rights bits; long mode starts from the PML4 (or PML5) table at CR3.
 */
static int gwalk_64(struct gwalk *w, u64 la, struct gwalk_result *res)
{
	const struct gwalk_regs *r = w->regs;
	unsigned int m = r->maxphyaddr, level, shift;
	u64 addr_mask = GENMASK_ULL(m - 1, 12);
	u64 table, entry, rsvd_hi, rsvd;
	bool leaf;
	int ret;

	/*
	 * Above MAXPHYADDR, entries are reserved up to bit 51 in long mode
	 * (62:52 are ignored or protection keys) but up to bit 62 in PAE
	 * mode. XD is reserved unless EFER.NXE.
	 */
	if (r->efer & GWALK_EFER_LMA)
		rsvd_hi = m < 52 ? GENMASK_ULL(51, m) : 0;
	else
		rsvd_hi = GENMASK_ULL(62, m);
	if (!(r->efer & GWALK_EFER_NXE))
		rsvd_hi |= PTE_XD;

	if (r->efer & GWALK_EFER_LMA) {
		level = (r->cr4 & GWALK_CR4_LA57) ? 5 : 4;
		table = r->cr3 & addr_mask;
	} else {
		unsigned int i = (la >> 30) & 3;

		/* the PDPT is 32-byte aligned, at CR3 bits 31:5 */
		w->level = 3;
		if (r->pdptes) {
			entry = r->pdptes[i];
			w->entry = entry;
		} else {
			ret = gwalk_read(w, (r->cr3 & 0xffffffe0) + i * 8, 8,
					 &entry);
			if (ret)
				return ret;
		}
		if (!(entry & PTE_P))
			return gwalk_fault(w, 0, res);
		if (entry & (GENMASK_ULL(2, 1) | GENMASK_ULL(8, 5) |
			     GENMASK_ULL(63, m)))
			return gwalk_fault(w, GWALK_PF_PRESENT | GWALK_PF_RSVD,
					   res);
		table = entry & addr_mask;
		level = 2;
	}

	for (;; level--) {
		shift = 12 + 9 * (level - 1);
		w->level = level;
		ret = gwalk_read(w, table + ((la >> shift) & 0x1ff) * 8, 8,
				 &entry);
		if (ret)
			return ret;
		if (!(entry & PTE_P))
			return gwalk_fault(w, 0, res);

		rsvd = rsvd_hi;
		leaf = level == 1;
		if (level >= 4) {
			rsvd |= PTE_PS;		/* no 512 GiB pages */
		} else if (level > 1 && (entry & PTE_PS)) {
			/* 1 GiB or 2 MiB page: bit 12 is PAT, 13 up to it reserved */
			leaf = true;
			rsvd |= GENMASK_ULL(shift - 1, 13);
		}
		if (entry & rsvd)
			return gwalk_fault(w, GWALK_PF_PRESENT | GWALK_PF_RSVD,
					   res);
		gwalk_rights(w, entry);
		if (leaf)
			break;
		table = entry & addr_mask;
	}

	res->page_size = BIT_ULL(shift);
	res->gpa = (entry & addr_mask & ~(res->page_size - 1)) |
		   (la & (res->page_size - 1));
	return gwalk_check(w, res);
}

/**
 * gwalk_translate() - translate a guest linear address as the guest's MMU
 * @regs:	the guest's paging state
 * @la:		the linear address; outside long mode only bits 31:0 count
 *		(the CPU's linear addresses are 32 bits wide there)
 * @access:	0 for a supervisor read, or GWALK_ACC_WRITE or GWALK_ACC_FETCH,
 *		plus GWALK_ACC_USER for an access at CPL 3
 * @read_gpa:	reads @len (4 or 8) bytes of guest-physical memory at @gpa
 *		into @buf; returns 0 or a negative errno
 * @ctx:	passed to @read_gpa
 * @res:	the translation, or the page-fault error code and why the walk
 *		failed, and where (@res->why, @res->level, @res->entry)
 *
 * Accessed and dirty bits are left as they are (see the top of this file).
 * With paging off the address is its own translation and nothing is read.
 *
 * Return:
 * * 0		- @res->gpa and @res->page_size hold the translation
 * * -EFAULT	- the guest would take #PF; @res->pf_error is its error code
 *		  (CR2 is @la)
 * * -EINVAL	- @la is not canonical (the guest would take #GP or #SS, not
 *		  #PF), or bad arguments: unknown @access bits, write and fetch
 *		  together, @regs->maxphyaddr outside 32-52, EFER.LMA without
 *		  CR0.PG and CR4.PAE
 * * other	- the error @read_gpa returned, except that its -EFAULT (or
 *		  a positive value) becomes -EIO so that -EFAULT always means
 *		  a guest page fault
 */
int gwalk_translate(const struct gwalk_regs *regs, u64 la, u32 access,
		    int (*read_gpa)(void *ctx, u64 gpa, void *buf,
				    unsigned int len),
		    void *ctx, struct gwalk_result *res)
{
	struct gwalk w = {
		.regs = regs,
		.access = access,
		.read_gpa = read_gpa,
		.ctx = ctx,
		.res = res,
		.user = true,
		.writable = true,
	};
	bool lma = regs->efer & GWALK_EFER_LMA;
	unsigned int bits;

	res->why = GWALK_WHY_NONE;
	res->level = 0;
	res->entry = 0;
	if ((access & ~GWALK_ACC_ALL) ||
	    ((access & GWALK_ACC_WRITE) && (access & GWALK_ACC_FETCH)))
		return -EINVAL;
	if (regs->maxphyaddr < 32 || regs->maxphyaddr > 52)
		return -EINVAL;
	if (lma && (!(regs->cr0 & GWALK_CR0_PG) ||
		    !(regs->cr4 & GWALK_CR4_PAE)))
		return -EINVAL;

	if (!(regs->cr0 & GWALK_CR0_PG)) {
		res->gpa = (u32)la;
		res->page_size = GWALK_SZ_4K;
		return 0;
	}
	if (!lma && !(regs->cr4 & GWALK_CR4_PAE))
		return gwalk_32(&w, (u32)la, res);
	if (!lma)
		return gwalk_64(&w, (u32)la, res);

	/* canonical: bits 63:48 (63:57 with LA57) copy the top used bit */
	bits = (regs->cr4 & GWALK_CR4_LA57) ? 57 : 48;
	if ((u64)((s64)(la << (64 - bits)) >> (64 - bits)) != la) {
		res->why = GWALK_WHY_NONCANONICAL;
		return -EINVAL;
	}
	return gwalk_64(&w, la, res);
}
