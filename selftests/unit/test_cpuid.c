// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of a guest's default CPUID (kmod/cpuid.c), compiled from the
 * module's own source file: what is hidden from the host's leaves.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/cpuid.c"

/* every leaf here indexed, as the host's 7, 0xd and 0x1d are */
#define E(f, i, a, b, c, d) { .function = (f), .index = (i), .eax = (a), \
			      .ebx = (b), .ecx = (c), .edx = (d), \
			      .flags = THINVMX_CPUID_FLAG_INDEXED }

/* A host with AMX (a Sapphire Rapids-like subset of its leaves). */
static void test_amx_and_vmx_hidden(void **state)
{
	struct thinvmx_cpuid_entry e[16] = {
		E(0, 0, 0x20, 0, 0, 0),
		E(1, 0, 0x806f8, 0, 0xfffaf3bf, 0xbfebfbff),
		E(7, 0, 2, 0xf3bfbfbf, 0x1b417ffe, 0xffdd4432),
		E(0xd, 0, 0x602e7, 0x2b00, 0x2b00, 0),
		E(0xd, 1, 0x1f, 0, 0x1900, 0),
		E(0xd, 2, 0x100, 0x240, 0, 0),
		E(0xd, 17, 0x40, 0xac0, 2, 0),
		E(0xd, 18, 0x2000, 0xb00, 6, 0),
		E(0x1d, 0, 1, 0, 0, 0),
		E(0x1d, 1, 0x4002000, 0x80040, 0x10, 0),
		E(0x1e, 0, 0, 0x4010, 0, 0),
		E(0x40000000, 0, 0x40000001, 1, 2, 3),
		E(0x40000001, 0, 5, 6, 7, 8),
		/* the host's own hypervisor's KVM leaves: no promise of ours */
		E(0x40000100, 0, 0x40000101, 0x4b4d564b, 0x564b4d56, 0x4d),
	};
	const struct thinvmx_cpuid_entry *f;
	u32 nr = 14;

	(void)state;
	assert_int_equal(0, cpuid_guest_defaults(e, &nr, 16));
	/* five dropped (0xd.17, 0xd.18, 0x1d x2, 0x1e), three hypervisor leaves, one added */
	assert_int_equal(14 - 5 - 3 + 1, nr);
	f = cpuid_find(e, nr, 1, 0);
	assert_non_null(f);
	assert_int_equal(0, f->ecx & CPUID_1_ECX_VMX);
	assert_int_equal(CPUID_1_ECX_HYPERVISOR, f->ecx & CPUID_1_ECX_HYPERVISOR);
	f = cpuid_find(e, nr, 7, 0);
	assert_int_equal(0, f->edx & CPUID_7_EDX_AMX);
	assert_int_equal(0xffdd4432 & ~CPUID_7_EDX_AMX, f->edx);
	f = cpuid_find(e, nr, 0xd, 0);
	assert_int_equal(0x2e7, f->eax);
	f = cpuid_find(e, nr, 0xd, 1);
	assert_int_equal(0x7, f->eax);			/* no XFD, no XSAVES */
	assert_non_null(cpuid_find(e, nr, 0xd, 2));
	assert_null(cpuid_find(e, nr, 0xd, 17));
	assert_null(cpuid_find(e, nr, 0xd, 18));
	assert_null(cpuid_find(e, nr, 0x1d, 0));
	assert_null(cpuid_find(e, nr, 0x1e, 0));
	f = cpuid_find(e, nr, CPUID_LEAF_HYPERVISOR, 0);
	assert_int_equal(CPUID_SIG_EBX, f->ebx);
	assert_null(cpuid_find(e, nr, 0x40000001, 0));
	assert_null(cpuid_find(e, nr, 0x40000100, 0));
}

/*
 * What the host has and a domain does not keep is not promised: the
 * leaves of the PMU, RDT, SGX and PT go, leaf 6 keeps ARAT alone, and the
 * feature bits naming MSRs or instructions a guest gets #GP/#UD for are
 * clear; everything else stays as the host has it.
 */
static void test_promises_kept(void **state)
{
	struct thinvmx_cpuid_entry e[16] = {
		E(0, 0, 0x20, 0, 0, 0),
		E(1, 0, 0x906ea, 0, 0xffffffff, 0xffffffff),
		E(6, 0, 0x77, 2, 9, 0),
		E(7, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff),
		E(0xa, 0, 0x07300404, 0, 0, 0x603),
		E(0xd, 1, 0xf, 0, 0x100, 0),
		E(0xf, 0, 0, 0xff, 0, 2),
		E(0x10, 0, 0, 0xa, 0, 0),
		E(0x12, 0, 1, 0, 0, 0x241f),
		E(0x14, 0, 1, 0xf, 7, 0),
		E(0x80000001, 0, 0, 0, 0x121, 0x2c100800),
	};
	const struct thinvmx_cpuid_entry *f;
	u32 nr = 11;

	(void)state;
	assert_int_equal(0, cpuid_guest_defaults(e, &nr, 16));
	assert_int_equal(11 - 5 + 1, nr);
	assert_null(cpuid_find(e, nr, 0xa, 0));
	assert_null(cpuid_find(e, nr, 0xf, 0));
	assert_null(cpuid_find(e, nr, 0x10, 0));
	assert_null(cpuid_find(e, nr, 0x12, 0));
	assert_null(cpuid_find(e, nr, 0x14, 0));

	f = cpuid_find(e, nr, 1, 0);
	assert_int_equal(0, f->ecx & (CPUID_1_ECX_UNKEPT | CPUID_1_ECX_VMX));
	assert_int_equal(0xffffffffu & ~CPUID_1_ECX_UNKEPT & ~CPUID_1_ECX_VMX, f->ecx);
	assert_int_equal(0xffffffffu & ~CPUID_1_EDX_UNKEPT, f->edx);
	/* MONITOR is #UD here, PDCM's MSR #GP: neither promised */
	assert_int_equal(0, f->ecx & (BIT(3) | BIT(15)));
	/* the MCE exception stays (CR4.MCE works), MCA's banks do not */
	assert_int_equal(BIT(7), f->edx & (BIT(7) | BIT(14)));

	f = cpuid_find(e, nr, 6, 0);
	assert_int_equal(CPUID_6_EAX_ARAT, f->eax);
	assert_int_equal(0, f->ebx | f->ecx | f->edx);

	f = cpuid_find(e, nr, 7, 0);
	assert_int_equal(0xffffffffu & ~CPUID_7_EBX_UNKEPT, f->ebx);
	/* IA32_TSC_ADJUST works (vmx/exit_reg.c): promised where the host has it */
	assert_int_equal(BIT(1), f->ebx & BIT(1));
	assert_int_equal(0, f->ecx & CPUID_7_ECX_UNKEPT);

	f = cpuid_find(e, nr, 0xd, 1);
	assert_int_equal(0xf & ~CPUID_D_1_EAX_XSAVES & ~CPUID_D_1_EAX_XFD, f->eax);

	/* untouched */
	f = cpuid_find(e, nr, 0x80000001, 0);
	assert_int_equal(0x2c100800, f->edx);
}

/* A domain with the in-module APIC: the APIC bits and the frequencies */
static void test_lapic_leaves(void **state)
{
	struct thinvmx_cpuid_entry e[8] = {
		{ .function = 0, .eax = 0xd },
		{ .function = 1, .ecx = 0x80000000, .edx = 0 },
		{ .function = 0x15, .eax = 2, .ebx = 100, .ecx = 0 },
		{ .function = CPUID_LEAF_HYPERVISOR, .eax = CPUID_LEAF_HYPERVISOR },
	};
	const struct thinvmx_cpuid_entry *f;
	u32 nr = 4, bus = 0;

	(void)state;
	assert_int_equal(0, cpuid_lapic_leaves(e, &nr, 8, 50000, &bus));
	/* 0x16, 0x40000010, KVM's 0x40000100 and 0x40000101 added */
	assert_int_equal(8, nr);
	f = cpuid_find(e, nr, CPUID_LEAF_KVM, 0);
	assert_non_null(f);
	assert_int_equal(CPUID_LEAF_KVM + 1, f->eax);
	assert_memory_equal("KVMKVMKVM\0\0\0", &f->ebx, 4);
	assert_memory_equal("VMKV", &f->ecx, 4);
	assert_memory_equal("M\0\0\0", &f->edx, 4);
	assert_int_equal(CPUID_KVM_FEATURE_PV_EOI, cpuid_find(e, nr, CPUID_LEAF_KVM + 1, 0)->eax);
	/* no room for them: said so */
	nr = 6;
	assert_int_equal(-ENOSPC, cpuid_lapic_leaves(e, &nr, 6, 50000, &bus));
	nr = 8;
	assert_int_equal(50000, bus);
	assert_int_equal(0x16, cpuid_find(e, nr, 0, 0)->eax);
	f = cpuid_find(e, nr, 1, 0);
	assert_int_equal(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE,
			 f->ecx & (CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE));
	assert_int_equal(CPUID_1_EDX_APIC, f->edx);
	f = cpuid_find(e, nr, 0x15, 0);			/* replaced */
	assert_int_equal(1, f->eax);
	assert_int_equal(1, f->ebx);
	assert_int_equal(50000000, f->ecx);
	f = cpuid_find(e, nr, 0x16, 0);
	assert_int_equal(50, f->eax);
	assert_int_equal(50, f->ecx);
	assert_int_equal(CPUID_LEAF_TIMING,
			 cpuid_find(e, nr, CPUID_LEAF_HYPERVISOR, 0)->eax);
	f = cpuid_find(e, nr, CPUID_LEAF_TIMING, 0);
	assert_int_equal(50000, f->eax);
	assert_int_equal(50000, f->ebx);
	/* 5 GHz does not fit 32 bits of Hz: a 2.5 GHz crystal, ratio 2 */
	assert_int_equal(0, cpuid_lapic_leaves(e, &nr, 8, 5000000, &bus));
	assert_int_equal(2500000, bus);
	f = cpuid_find(e, nr, 0x15, 0);
	assert_int_equal(2, f->ebx);
	assert_int_equal(2500000000u, f->ecx);
	/* unknown TSC: no frequencies (KVM's leaves only), a 1 GHz timer */
	nr = 2;
	assert_int_equal(0, cpuid_lapic_leaves(e, &nr, 8, 0, &bus));
	assert_int_equal(1000000, bus);
	assert_int_equal(4, nr);
	assert_null(cpuid_find(e, nr, 0x15, 0));
	/* no room: -ENOSPC */
	assert_int_equal(-ENOSPC, cpuid_lapic_leaves(e, &nr, 3, 50000, &bus));
}

/*
 * Bochs's Skylake-X: the CPU's leaf 0xd names AVX-512's three components
 * (0xe7) and MPX's two, its host kernel enabled x87, SSE and AVX (0x7).
 * The guest is promised those three only: the other sub-leaves go, ECX is
 * the size for the three (AVX's 256 bytes at 576), and the size for an
 * XCR0 follows it.
 */
static void test_xsave_limited_to_xcr0_allowed(void **state)
{
	struct thinvmx_cpuid_entry e[16] = {
		E(0xd, 0, 0xff, 0xa80, 0xa88, 0),
		E(0xd, 1, 0xf, 0xa80, 0, 0),
		E(0xd, 2, 0x100, 0x240, 0, 0),
		E(0xd, 3, 0x40, 0x3c0, 0, 0),
		E(0xd, 4, 0x40, 0x400, 0, 0),
		E(0xd, 5, 0x40, 0x440, 0, 0),
		E(0xd, 6, 0x200, 0x480, 0, 0),
		E(0xd, 7, 0x400, 0x680, 0, 0),
		E(0x40000000, 0, 0x40000000, 0, 0, 0),
		E(1, 0, 0x50654, 0, 0xfffa3203, 0x178bfbff),
		E(7, 0, 0, 0xd19f4fbb, 0x00000f1a, 0x9c000400),
		E(7, 1, 0x30, 0, 0, 0),
	};
	const struct thinvmx_cpuid_entry *f;
	u32 nr = 12;

	(void)state;
	assert_int_equal(0xa80, cpuid_xsave_size(e, nr, 0xff));
	cpuid_xsave_limit(e, &nr, 0x7);
	assert_int_equal(12 - 5, nr);
	/* AVX stays with its state; AVX-512 and MPX go with theirs */
	f = cpuid_find(e, nr, 1, 0);
	assert_int_equal(0xfffa3203, f->ecx);
	f = cpuid_find(e, nr, 7, 0);
	assert_int_equal(0xd19f4fbb & ~(CPUID_7_EBX_AVX512 | CPUID_7_EBX_MPX), f->ebx);
	assert_int_equal(0x00000f1a & ~CPUID_7_ECX_AVX512, f->ecx);
	assert_int_equal(0x9c000400 & ~CPUID_7_EDX_AVX512, f->edx);
	assert_true(f->ebx & CPUID_7_EBX_AVX2);
	assert_int_equal(0x10, cpuid_find(e, nr, 7, 1)->eax);
	f = cpuid_find(e, nr, 0xd, 0);
	assert_non_null(f);
	assert_int_equal(0x7, f->eax);
	assert_int_equal(0, f->edx);
	assert_int_equal(0x240 + 0x100, f->ecx);
	assert_non_null(cpuid_find(e, nr, 0xd, 1));
	assert_non_null(cpuid_find(e, nr, 0xd, 2));
	assert_null(cpuid_find(e, nr, 0xd, 3));
	assert_null(cpuid_find(e, nr, 0xd, 5));
	assert_null(cpuid_find(e, nr, 0xd, 7));
	assert_non_null(cpuid_find(e, nr, 0x40000000, 0));
	assert_int_equal(576, cpuid_xsave_size(e, nr, 0x3));
	assert_int_equal(0x340, cpuid_xsave_size(e, nr, 0x7));
	/* everything allowed: nothing changes but ECX, computed the same */
	cpuid_xsave_limit(e, &nr, 0x7 | (1ULL << 62));
	assert_int_equal(12 - 5, nr);
	assert_int_equal(0x340, cpuid_find(e, nr, 0xd, 0)->ecx);
	assert_true(cpuid_find(e, nr, 7, 0)->ebx & CPUID_7_EBX_AVX2);
	/* a kernel booted with clearcpuid=avx: no AVX, FMA, F16C, AVX2, VAES */
	cpuid_xsave_limit(e, &nr, 0x3);
	assert_int_equal(12 - 6, nr);
	assert_int_equal(576, cpuid_find(e, nr, 0xd, 0)->ecx);
	assert_int_equal(0xfffa3203 & ~CPUID_1_ECX_AVX_DEPS, cpuid_find(e, nr, 1, 0)->ecx);
	f = cpuid_find(e, nr, 7, 0);
	assert_int_equal(0, f->ebx & CPUID_7_EBX_AVX2);
	assert_int_equal(0, f->ecx & CPUID_7_ECX_AVX_DEPS);
	assert_int_equal(0, cpuid_find(e, nr, 7, 1)->eax);
}

/* CPUID(@fn, @idx) of vCPU @apic_id of @n, through cpuid_answer() */
static void topo(const struct thinvmx_cpuid_entry *e, u32 nr, u32 fn, u32 idx,
		 u32 apic_id, u32 n, u32 out[4])
{
	cpuid_answer(e, nr, fn, idx, apic_id, n, false, false, out);
}

/*
 * One package of N single-thread cores, whatever the host's topology: the
 * leaves Linux reads agree with each other and with the APIC IDs (SDM
 * Vol. 3, 9.9.4; Linux's detect_extended_topology() and detect_ht()).
 */
static void test_topology(void **state)
{
	static const struct thinvmx_cpuid_entry e[] = {
		/* a host with 2 threads per core, 8 cores: all replaced */
		E(1, 0, 0x906ea, 0x07100800, 0, BIT(28) | 1),
		E(4, 0, 0x1c004121, 0x01c0003f, 0x3f, 0),	/* L1d */
		E(4, 2, 0x1c004143, 0x00c0003f, 0x3ff, 0),	/* L2 */
		E(4, 3, 0x1c03c163, 0x02c0003f, 0x3fff, 6),	/* L3 */
		E(4, 4, 0, 0, 0, 0),				/* the end */
		E(0xb, 0, 1, 2, 0x100, 7),
		E(0xb, 1, 4, 16, 0x201, 7),
	};
	u32 nr = ARRAY_SIZE(e), out[4], n, id;

	(void)state;
	for (n = 1; n <= 64; n++) {
		u32 bits = 0;

		while ((1u << bits) < n)
			bits++;
		for (id = 0; id < n; id += n > 4 ? n / 3 : 1) {
			topo(e, nr, 1, 0, id, n, out);
			assert_int_equal(id, out[1] >> 24);
			assert_int_equal(1u << bits, (out[1] >> 16) & 0xff);
			assert_int_equal(0x0800, out[1] & 0xffff);	/* CLFLUSH etc. kept */
			assert_int_equal(n > 1, !!(out[3] & BIT(28)));
			assert_int_equal(1, out[3] & 1);

			topo(e, nr, 4, 0, id, n, out);
			assert_int_equal((1u << bits) - 1, out[0] >> 26);
			assert_int_equal(0, (out[0] >> 14) & 0xfff);	/* per core */
			assert_int_equal(0x121, out[0] & 0x3fff);
			assert_int_equal(0x01c0003f, out[1]);		/* geometry kept */
			topo(e, nr, 4, 3, id, n, out);
			assert_int_equal((1u << bits) - 1, (out[0] >> 14) & 0xfff);
			topo(e, nr, 4, 4, id, n, out);
			assert_int_equal(0, out[0]);

			/* SMT level: one thread, no shift */
			topo(e, nr, 0xb, 0, id, n, out);
			assert_int_equal(0, out[0]);
			assert_int_equal(1, out[1]);
			assert_int_equal(0x100, out[2]);
			assert_int_equal(id, out[3]);
			/* core level: n cores, the package ID past @bits */
			topo(e, nr, 0xb, 1, id, n, out);
			assert_int_equal(bits, out[0]);
			assert_int_equal(n, out[1]);
			assert_int_equal(0x201, out[2]);
			assert_int_equal(id, out[3]);
			/* past the levels: invalid, the index and the ID stay */
			topo(e, nr, 0xb, 2, id, n, out);
			assert_int_equal(0, out[0] | out[1]);
			assert_int_equal(2, out[2]);
			assert_int_equal(id, out[3]);
			topo(e, nr, 0xb, 0x105, id, n, out);
			assert_int_equal(5, out[2]);
		}
	}
	/* no 0x1F in the table: none answered */
	topo(e, nr, 0x1f, 0, 1, 2, out);
	assert_int_equal(0, out[0] | out[1] | out[2] | out[3]);
	/* 0 vCPUs known yet counts as one */
	topo(e, nr, 0xb, 1, 0, 0, out);
	assert_int_equal(0, out[0]);
	assert_int_equal(1, out[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amx_and_vmx_hidden),
		cmocka_unit_test(test_promises_kept),
		cmocka_unit_test(test_lapic_leaves),
		cmocka_unit_test(test_xsave_limited_to_xcr0_allowed),
		cmocka_unit_test(test_topology),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
