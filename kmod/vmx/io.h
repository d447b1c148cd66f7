/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port I/O, string I/O and emulated MMIO (io.c): the instruction that
 * waits for the VMM's answer, and what the next RUN does to finish it.
 */
#ifndef _THINVMX_VMX_IO_H
#define _THINVMX_VMX_IO_H

#include <linux/types.h>

#include "emulate.h"
#include "gwalk.h"

struct tvx_vcpu;

/* What the next RUN must finish before entering the guest. */
enum tvx_pending {
	TVX_PENDING_NONE,
	TVX_PENDING_IO_IN,	/* write the VMM's data to RAX, skip the IN */
	TVX_PENDING_SKIP,	/* skip the instruction (OUT, MMIO write) */
	TVX_PENDING_MMIO_READ,	/* merge the VMM's data, skip the load */
	TVX_PENDING_STR_IN,	/* store an INS element, step */
	TVX_PENDING_STR_OUT,	/* step past an OUTS element */
};

/* An I/O or MMIO instruction in flight at the VMM. */
struct tvx_io {
	enum tvx_pending pending;
	u8 len;			/* length of the instruction to skip */
	struct emu_insn mmio;	/* the decoded load, for TVX_PENDING_MMIO_READ */
	struct {		/* the element of INS/OUTS at the VMM */
		u64 gpa;	/* INS: where it goes */
		u64 mask;	/* the address size's RSI/RDI/RCX bits */
		s64 step;	/* +size, or -size with RFLAGS.DF */
		bool rep;
	} str;
};

int handle_io(struct tvx_vcpu *v);
int tvx_emulate_mmio(struct tvx_vcpu *v, u64 gpa);
int tvx_complete_pending(struct tvx_vcpu *v);

unsigned int tvx_guest_mode(void);
unsigned int tvx_mode_of(u64 cr0, u64 rflags);
u64 tvx_rip_linear(u64 rip, unsigned int mode);
int tvx_translate(struct tvx_vcpu *v, u64 lin, u64 cr0, u32 acc,
		  struct gwalk_result *res);
int tvx_translate_fetch(struct tvx_vcpu *v, u64 lin, u64 cr0,
			struct gwalk_result *res);
int tvx_fetch_insn(struct tvx_vcpu *v, u8 *bytes, unsigned int *len);

#endif /* _THINVMX_VMX_IO_H */
