/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest page-table walk: guest linear address to guest-physical address
 * under the guest's own paging mode, or the page-fault error code the guest
 * must see. Pure logic (gwalk.c), shared with the host unit tests.
 */
#ifndef _THINVMX_VMX_GWALK_H
#define _THINVMX_VMX_GWALK_H

#include "../pure.h"

/* The control-register and EFER bits the walk depends on (SDM Vol. 3, 2.5). */
#define GWALK_CR0_WP		BIT_ULL(16)
#define GWALK_CR0_PG		BIT_ULL(31)
#define GWALK_CR4_PSE		BIT_ULL(4)
#define GWALK_CR4_PAE		BIT_ULL(5)
#define GWALK_CR4_LA57		BIT_ULL(12)
#define GWALK_CR4_SMEP		BIT_ULL(20)
#define GWALK_EFER_LMA		BIT_ULL(10)
#define GWALK_EFER_NXE		BIT_ULL(11)

/*
 * Page-fault error code bits (SDM Vol. 3, 4.7). The access kinds passed to
 * gwalk_translate() use the same bits, so the error code is the access plus
 * P, RSVD and, where the SDM says so, I/D.
 */
#define GWALK_PF_PRESENT	BIT(0)	/* 0: not present; 1: protection/RSVD */
#define GWALK_PF_WRITE		BIT(1)
#define GWALK_PF_USER		BIT(2)
#define GWALK_PF_RSVD		BIT(3)
#define GWALK_PF_FETCH		BIT(4)

/* Access kinds: a read is 0; at most one of WRITE and FETCH. */
#define GWALK_ACC_WRITE		GWALK_PF_WRITE
#define GWALK_ACC_USER		GWALK_PF_USER	/* CPL 3 */
#define GWALK_ACC_FETCH		GWALK_PF_FETCH

/**
 * struct gwalk_regs - the guest state that defines its paging mode
 * @cr0:	guest CR0 (PG, WP)
 * @cr3:	guest CR3
 * @cr4:	guest CR4 (PSE, PAE, LA57, SMEP)
 * @efer:	guest IA32_EFER (LMA, NXE)
 * @pdptes:	PAE paging only: the guest's four PDPTE registers (VMCS
 *		GUEST_PDPTE0-3 when EPT is on), which is what the CPU uses
 *		(SDM Vol. 3, 4.4.1); NULL to read them from memory at CR3
 * @maxphyaddr:	the guest's MAXPHYADDR (CPUID 0x80000008 EAX[7:0]), 32-52:
 *		entry bits at and above it are reserved
 */
struct gwalk_regs {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	const u64 *pdptes;
	u8 maxphyaddr;
};

/* Why a translation failed (struct gwalk_result.why). */
#define GWALK_WHY_NONE		0	/* it did not */
#define GWALK_WHY_NOT_PRESENT	1	/* P = 0 in the entry at @level */
#define GWALK_WHY_RESERVED	2	/* a reserved bit set in it */
#define GWALK_WHY_RIGHTS	3	/* the access rights of the path (4.6) */
#define GWALK_WHY_NONCANONICAL	4	/* the address is not canonical */
#define GWALK_WHY_READ		5	/* the table at @level is not readable */

/**
 * struct gwalk_result - the outcome of gwalk_translate()
 * @gpa:	the guest-physical address (on success)
 * @page_size:	the size of the page that maps it: 4 KiB, 2 MiB, 4 MiB or
 *		1 GiB; 4 KiB with paging off (on success)
 * @pf_error:	the page-fault error code (when -EFAULT is returned)
 * @why:	GWALK_WHY_*: why the translation failed (NONE on success)
 * @level:	where it failed: the paging-structure level of the entry
 *		(or the table read), 5 = PML5, 4 = PML4, 3 = PDPT (PAE: the
 *		PDPTE), 2 = page directory, 1 = page table; for RIGHTS the
 *		level of the leaf; 0 when no level is at fault
 * @entry:	the entry at @level (NOT_PRESENT, RESERVED, RIGHTS)
 */
struct gwalk_result {
	u64 gpa;
	u64 page_size;
	u32 pf_error;
	u8 why;
	u8 level;
	u64 entry;
};

int gwalk_translate(const struct gwalk_regs *regs, u64 la, u32 access,
		    int (*read_gpa)(void *ctx, u64 gpa, void *buf,
				    unsigned int len),
		    void *ctx, struct gwalk_result *res);

#endif /* _THINVMX_VMX_GWALK_H */
