/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port I/O, string I/O and emulated MMIO (io.c): the instruction that
 * waits for the VMM's answer, and what the next RUN does to finish it.
 */
#ifndef _THINVMX_VMX_IO_H
#define _THINVMX_VMX_IO_H

#include <linux/types.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "emulate.h"
#include "gwalk.h"
#include "vmx_ops.h"

struct tvx_vcpu;

/* What the next RUN must finish before entering the guest. */
enum tvx_pending {
	TVX_PENDING_NONE,
	TVX_PENDING_IO_IN,	/* write the VMM's data to RAX, skip the IN */
	TVX_PENDING_SKIP,	/* skip the instruction (OUT, MMIO write) */
	TVX_PENDING_MMIO_READ,	/* merge the VMM's data, skip the load */
	TVX_PENDING_STR_IN,	/* store an INS element, step */
	TVX_PENDING_STR_OUT,	/* step past an OUTS element */
	TVX_PENDING_MMIO_RMW,	/* compute on the VMM's data, maybe write */
	TVX_PENDING_MMIO_STR,	/* finish a string form's element, step */
};

/* An I/O or MMIO instruction in flight at the VMM. */
/*
 * What the exit sent to the VMM, as the kernel's own copy: the run page is
 * the VMM's to write while it holds the exit, so the next RUN reads only
 * the VMM's answer (the data) from it, never the size or the address.
 */
struct tvx_io {
	enum tvx_pending pending;
	u8 len;			/* length of the instruction to skip */
	u8 size;		/* of the port access or the INS element */
	struct emu_insn mmio;	/* the decoded instruction of an MMIO exit */
	u64 mmio_gpa;		/* where it went: an RMW writes back there */
	bool mmio_read;		/* MOVS, CMPS: the MMIO side is the source */
	u64 mmio_ram;		/* CMPS: the element on the RAM side */
	struct {		/* the element of INS/OUTS at the VMM */
		u64 gpa;	/* INS: where it goes */
		u64 mask;	/* the address size's RSI/RDI/RCX bits */
		s64 step;	/* +size, or -size with RFLAGS.DF */
		bool rep;
	} str;
	/*
	 * A read-modify-write on a read-only device frame reads the device
	 * first: ioremap() may sleep, so the run loop reads it outside its
	 * stretch (tvx_devread()) and the instruction, run again, faults
	 * again and finds the value here.
	 */
	struct {
		u64 hpa;	/* the operand, in the device */
		u64 gpa;	/* and where the guest has it, */
		u64 rip;	/* for this instruction */
		u64 val;
		u8 size;
		bool want;	/* the run loop is to read it */
		bool valid;	/* @val is read; used once */
	} devread;
};

int handle_io(struct tvx_vcpu *v);
int tvx_io_deny(struct tvx_vcpu *v, unsigned long qual);
int tvx_emulate_mmio(struct tvx_vcpu *v, u64 gpa);
int tvx_emulate_mmio_dir(struct tvx_vcpu *v, u64 gpa, bool write);
int tvx_complete_pending(struct tvx_vcpu *v);

int tvx_translate(struct tvx_vcpu *v, u64 lin, u64 cr0, u32 acc,
		  struct gwalk_result *res);
int tvx_fetch_insn(struct tvx_vcpu *v, u8 *bytes, unsigned int *len);
void tvx_devread(struct tvx_vcpu *v);

/*
 * The guest's view that decoding and events need, inline: an INT3 event
 * asks for its instruction's linear address and frame every time.
 *
 * tvx_mode_of(): 16, 32 or 64, the default operand size of the code the
 * guest runs.
 */
static inline unsigned int tvx_mode_of(u64 cr0, u64 rflags)
{
	u32 cs_ar;

	if (!(cr0 & X86_CR0_PE) || (rflags & X86_EFLAGS_VM))
		return 16;
	cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);
	if ((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (cs_ar & VMX_AR_L_MASK))
		return 64;
	return cs_ar & VMX_AR_DB_MASK ? 32 : 16;
}

static inline unsigned int tvx_guest_mode(void)
{
	return tvx_mode_of(vmcs_readl(GUEST_CR0), vmcs_readl(GUEST_RFLAGS));
}

static inline u64 tvx_rip_linear(u64 rip, unsigned int mode)
{
	u64 lin = vmcs_readl(GUEST_CS_BASE) + rip;

	return mode == 64 ? lin : (u32)lin;
}

static inline int tvx_translate_fetch(struct tvx_vcpu *v, u64 lin, u64 cr0,
				      struct gwalk_result *res)
{
	return tvx_translate(v, lin, cr0, GWALK_ACC_FETCH, res);
}

#endif /* _THINVMX_VMX_IO_H */
