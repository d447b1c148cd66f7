// SPDX-License-Identifier: GPL-2.0
/*
 * XSETBV's rules (SDM Vol. 1, 13.3 "Enabling the XSAVE Feature Set and
 * XSAVE-Enabled Features"; Vol. 2, XSETBV): a value the rules refuse is
 * #GP to the guest, so it never reaches the host's own XSETBV, which
 * would fault on it in the kernel.
 */
#include "xcr0.h"

/**
 * xcr0_guest_allowed() - the state components a guest may enable
 * @host_xcr0: the host's XCR0
 *
 * What the host enabled, less AMX: its tile data is a dynamic feature that
 * the guest's FPU buffer (fpu_alloc_guest_fpstate()) has no room for
 * unless the VMM asked the kernel for it, which thinvmx does not; so AMX
 * is hidden from the guest's CPUID too (cpuid_guest_defaults()).
 *
 * Return: the XCR0 bits XSETBV may set.
 */
u64 xcr0_guest_allowed(u64 host_xcr0)
{
	return host_xcr0 & ~XCR0_AMX;
}

/**
 * xcr0_valid() - whether XSETBV may load @val into XCR0
 * @val:     the value
 * @allowed: xcr0_guest_allowed()
 *
 * Return: true if x87 is on, nothing outside @allowed is, AVX comes with
 * SSE, the two MPX components come together, the three AVX-512 components
 * come together and with AVX, and the two AMX components come together.
 */
bool xcr0_valid(u64 val, u64 allowed)
{
	if (!(val & XCR0_X87) || (val & ~allowed))
		return false;
	if ((val & XCR0_AVX) && !(val & XCR0_SSE))
		return false;
	if ((val & XCR0_MPX) && (val & XCR0_MPX) != XCR0_MPX)
		return false;
	if ((val & XCR0_AVX512) &&
	    ((val & XCR0_AVX512) != XCR0_AVX512 || !(val & XCR0_AVX)))
		return false;
	if ((val & XCR0_AMX) && (val & XCR0_AMX) != XCR0_AMX)
		return false;
	return true;
}
