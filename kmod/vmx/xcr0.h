/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's XCR0 (xcr0.c): which XSETBV values the SDM allows, and which
 * state components a guest may have at all. Pure logic, shared with the
 * host unit tests (selftests/unit/test_xcr0.c).
 */
#ifndef _THINVMX_VMX_XCR0_H
#define _THINVMX_VMX_XCR0_H

#include "../pure.h"

/* XCR0 state components (SDM Vol. 1, 13.1) */
#define XCR0_X87		BIT_ULL(0)
#define XCR0_SSE		BIT_ULL(1)
#define XCR0_AVX		BIT_ULL(2)
#define XCR0_BNDREGS		BIT_ULL(3)
#define XCR0_BNDCSR		BIT_ULL(4)
#define XCR0_OPMASK		BIT_ULL(5)
#define XCR0_ZMM_HI256		BIT_ULL(6)
#define XCR0_HI16_ZMM		BIT_ULL(7)
#define XCR0_PKRU		BIT_ULL(9)
#define XCR0_XTILECFG		BIT_ULL(17)
#define XCR0_XTILEDATA		BIT_ULL(18)
#define XCR0_AVX512		(XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)
#define XCR0_MPX		(XCR0_BNDREGS | XCR0_BNDCSR)
#define XCR0_AMX		(XCR0_XTILECFG | XCR0_XTILEDATA)

u64 xcr0_guest_allowed(u64 host_xcr0);
bool xcr0_valid(u64 val, u64 allowed);

#endif /* _THINVMX_VMX_XCR0_H */
