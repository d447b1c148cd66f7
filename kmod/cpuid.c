// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID for guests: pure logic over a table of leaves. The table starts as
 * the host's answers (read in domain_cpuid.c) with what a guest must not see
 * taken out and thinvmx's own leaf added; the VMM may replace it.
 */
#include "cpuid.h"

/**
 * cpuid_validate() - check a table a VMM wants to install
 * @e:  the entries
 * @nr: how many
 *
 * Return: 0, or -EINVAL for a table too large, an unknown flag, a nonzero
 * pad, or two entries for the same leaf (and sub-leaf, when indexed).
 */
int cpuid_validate(const struct thinvmx_cpuid_entry *e, u32 nr)
{
	u32 i, j;

	if (nr > THINVMX_CPUID_MAX)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (e[i].pad || (e[i].flags & ~THINVMX_CPUID_FLAG_INDEXED))
			return -EINVAL;
		if (!(e[i].flags & THINVMX_CPUID_FLAG_INDEXED) && e[i].index)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (e[j].function == e[i].function &&
			    (!(e[i].flags & THINVMX_CPUID_FLAG_INDEXED) ||
			     !(e[j].flags & THINVMX_CPUID_FLAG_INDEXED) ||
			     e[j].index == e[i].index))
				return -EINVAL;
	}
	return 0;
}

/**
 * cpuid_find() - the entry answering CPUID(@function, @index)
 * @e:        the table
 * @nr:       its entries
 * @function: EAX on input
 * @index:    ECX on input; only matters for indexed entries
 *
 * Return: the entry, or NULL when the table has none.
 */
const struct thinvmx_cpuid_entry *
cpuid_find(const struct thinvmx_cpuid_entry *e, u32 nr, u32 function, u32 index)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		if (e[i].function != function)
			continue;
		if (!(e[i].flags & THINVMX_CPUID_FLAG_INDEXED) || e[i].index == index)
			return &e[i];
	}
	return NULL;
}

/* Leaves that only describe what a guest is not given */
static bool cpuid_leaf_unkept(u32 function)
{
	switch (function) {
	case 0xa:	/* architectural PMU: RDPMC and the counters are #GP */
	case 0xf:	/* RDT monitoring */
	case 0x10:	/* RDT allocation */
	case 0x12:	/* SGX */
	case 0x14:	/* Intel PT */
		return true;
	default:
		return false;
	}
}

/*
 * Take out of @e what CPUID would promise and a domain does not keep.
 * Leaf 6 keeps only ARAT: its power and thermal features name MSRs
 * (HWP, EPB, package thermal) a guest cannot reach, while ARAT tells
 * the guest its local APIC timer never stops.
 */
static void cpuid_keep_promises(struct thinvmx_cpuid_entry *e)
{
	switch (e->function) {
	case 1:
		e->ecx &= ~CPUID_1_ECX_UNKEPT;
		e->edx &= ~CPUID_1_EDX_UNKEPT;
		break;
	case 6:
		e->eax &= CPUID_6_EAX_ARAT;
		e->ebx = 0;
		e->ecx = 0;
		e->edx = 0;
		break;
	case 7:
		if (e->index == 0) {
			e->ebx &= ~CPUID_7_EBX_UNKEPT;
			e->ecx &= ~CPUID_7_ECX_UNKEPT;
		}
		break;
	case 0xd:
		if (e->index == 1)
			e->eax &= ~CPUID_D_1_EAX_XSAVES;
		break;
	}
}

/**
 * cpuid_guest_defaults() - turn the host's answers into a guest's
 * @e:   the host's leaves, as read; changed in place, one entry may be added
 * @nr:  entries in @e; updated
 * @max: room in @e
 *
 * Hides VMX (thinvmx offers no nested virtualization), AMX (a guest may
 * not enable its state: vmx/xcr0.c) and every feature a domain does not
 * keep the promise of (cpuid_keep_promises()), sets the hypervisor present
 * bit and
 * makes leaf 0x40000000 name thinvmx (replacing what the host had there
 * and dropping every other leaf of the hypervisor range, 0x40000000 to
 * 0x4000ffff: none is a promise of ours).
 *
 * Return: 0, or -ENOSPC when the leaf cannot be added.
 */
int cpuid_guest_defaults(struct thinvmx_cpuid_entry *e, u32 *nr, u32 max)
{
	u32 i, out = 0;

	for (i = 0; i < *nr; i++) {
		if ((e[i].function & 0xffff0000u) == CPUID_LEAF_HYPERVISOR ||
		    e[i].function == CPUID_LEAF_TILE_INFO ||
		    e[i].function == CPUID_LEAF_TMUL_INFO)
			continue;
		if (e[i].function == 0xd && e[i].index < 32 &&
		    (BIT(e[i].index) & CPUID_D_0_EAX_AMX))
			continue;
		if (cpuid_leaf_unkept(e[i].function))
			continue;
		cpuid_keep_promises(&e[i]);
		if (e[i].function == 1) {
			e[i].ecx &= ~CPUID_1_ECX_VMX;
			e[i].ecx |= CPUID_1_ECX_HYPERVISOR;
		} else if (e[i].function == 7 && e[i].index == 0) {
			e[i].edx &= ~CPUID_7_EDX_AMX;
		} else if (e[i].function == 0xd && e[i].index == 0) {
			e[i].eax &= ~CPUID_D_0_EAX_AMX;
		} else if (e[i].function == 0xd && e[i].index == 1) {
			e[i].eax &= ~CPUID_D_1_EAX_XFD;
		}
		e[out++] = e[i];
	}
	if (out >= max)
		return -ENOSPC;
	e[out++] = (struct thinvmx_cpuid_entry) {
		.function = CPUID_LEAF_HYPERVISOR,
		.eax = CPUID_LEAF_HYPERVISOR,
		.ebx = CPUID_SIG_EBX,
		.ecx = CPUID_SIG_ECX,
		.edx = CPUID_SIG_EDX,
	};
	*nr = out;
	return 0;
}

/* log2 of the smallest power of two >= @n: the bits IDs up to @n take */
static u32 cpuid_id_bits(u32 n)
{
	u32 bits = 0;

	while (bits < 31 && (1u << bits) < n)
		bits++;
	return bits;
}

/**
 * cpuid_topology() - a vCPU's topology in leaves 1, 4, 0xB and 0x1F
 * @function: the leaf
 * @index:    the sub-leaf
 * @apic_id:  the vCPU's APIC ID
 * @nr_cpus:  the domain's vCPUs (IDs 0..@nr_cpus-1); 0 counts as 1
 * @out:      EAX, EBX, ECX, EDX as the table gave them; changed in place
 *
 * A domain is one package of @nr_cpus cores of one thread each, whatever
 * the host is: the APIC ID is the core's ID, and a guest that derives its
 * topology from any of these leaves (Linux: 0xB or 0x1F when present,
 * else leaves 1 and 4) finds the same. Leaf 1: EBX[23:16] the
 * addressable logical IDs (a power of two), EBX[31:24] the APIC ID, HTT
 * when there is more than one. Leaf 4: EAX[31:26] the addressable cores
 * less one; EAX[25:14] the threads sharing the cache less one -- one core
 * for levels 1 and 2, the package for level 3 and up. Leaves 0xB and
 * 0x1F: the SMT level (sub-leaf 0: one thread, shift 0), the core level
 * (sub-leaf 1: @nr_cpus, shift to the package ID), then invalid levels;
 * EDX the x2APIC ID (SDM Vol. 3, 9.9.4 and Vol. 2, CPUID).
 */
void cpuid_topology(u32 function, u32 index, u32 apic_id, u32 nr_cpus,
		    u32 out[4])
{
	u32 bits = cpuid_id_bits(nr_cpus ? nr_cpus : 1);
	u32 ids = 1u << bits;

	switch (function) {
	case 1:
		out[1] = (out[1] & 0xffff) | ((ids & 0xff) << 16) |
			 (apic_id << 24);
		out[3] &= ~CPUID_1_EDX_HTT;
		if (nr_cpus > 1)
			out[3] |= CPUID_1_EDX_HTT;
		break;
	case 4:
		if (!(out[0] & 0x1f))
			break;	/* no cache: sub-leaf past the last */
		out[0] &= GENMASK(13, 0);
		out[0] |= (ids - 1) << 26;
		if (((out[0] >> 5) & 7) >= 3)
			out[0] |= ((ids - 1) & 0xfff) << 14;
		break;
	case 0xb:
	case 0x1f:
		index &= 0xff;
		out[0] = 0;
		out[1] = 0;
		out[2] = index;
		if (index == 0) {
			out[1] = 1;
			out[2] |= CPUID_TOPO_SMT << 8;
		} else if (index == 1) {
			out[0] = bits;
			out[1] = nr_cpus ? nr_cpus : 1;
			out[2] |= CPUID_TOPO_CORE << 8;
		}
		out[3] = apic_id;
		break;
	}
}

/**
 * cpuid_answer() - the registers a guest's CPUID returns
 * @e:        the domain's table
 * @nr:       its entries
 * @function: the guest's EAX
 * @index:    the guest's ECX
 * @apic_id:  the vCPU's APIC ID
 * @nr_cpus:  the domain's vCPUs, for the topology (cpuid_topology())
 * @osxsave:  the guest's CR4.OSXSAVE
 * @ospke:    the guest's CR4.PKE
 * @out:      EAX, EBX, ECX, EDX
 *
 * A leaf missing from the table reads as zeros; 0xB and 0x1F are answered
 * for every sub-leaf when the table has their first. The bits that mirror
 * guest state (OSXSAVE, OSPKE) and the topology (APIC IDs, counts) follow
 * the vCPU and the domain, not the table.
 */
void cpuid_answer(const struct thinvmx_cpuid_entry *e, u32 nr, u32 function,
		  u32 index, u32 apic_id, u32 nr_cpus, bool osxsave,
		  bool ospke, u32 out[4])
{
	bool topo = function == 0xb || function == 0x1f;
	const struct thinvmx_cpuid_entry *f =
		cpuid_find(e, nr, function, topo ? 0 : index);

	if (!f) {
		out[0] = 0;
		out[1] = 0;
		out[2] = 0;
		out[3] = 0;
		return;
	}
	out[0] = f->eax;
	out[1] = f->ebx;
	out[2] = f->ecx;
	out[3] = f->edx;
	cpuid_topology(function, index, apic_id, nr_cpus, out);
	if (function == 1) {
		out[2] &= ~CPUID_1_ECX_OSXSAVE;
		if (osxsave)
			out[2] |= CPUID_1_ECX_OSXSAVE;
	} else if (function == 7 && index == 0) {
		out[2] &= ~CPUID_7_ECX_OSPKE;
		if (ospke)
			out[2] |= CPUID_7_ECX_OSPKE;
	}
}

/* Replace the (unindexed) leaf @function, or add it. */
static int cpuid_set_leaf(struct thinvmx_cpuid_entry *e, u32 *nr, u32 max,
			  u32 function, u32 a, u32 b, u32 c, u32 d)
{
	u32 i;

	for (i = 0; i < *nr && e[i].function != function; i++)
		;
	if (i == *nr) {
		if (*nr >= max)
			return -ENOSPC;
		(*nr)++;
	}
	e[i] = (struct thinvmx_cpuid_entry) {
		.function = function, .eax = a, .ebx = b, .ecx = c, .edx = d,
	};
	return 0;
}

/**
 * cpuid_lapic_leaves() - what a domain with the in-module APIC advertises
 * @e:       the domain's default table; changed in place, leaves may be added
 * @nr:      entries in @e; updated
 * @max:     room in @e
 * @tsc_khz: the TSC's frequency (the guest's TSC is the host's), 0 if unknown
 * @bus_khz: the APIC timer's input clock chosen
 *
 * The APIC, x2APIC and the TSC-deadline timer in leaf 1, and the
 * frequencies so that a guest needs no calibration: Linux 6.1 takes the
 * TSC's from leaf 0x15 (TSC = crystal * EBX / EAX) and, with the crystal
 * known, the APIC timer's too (lapic_timer_period = crystal / HZ:
 * native_calibrate_tsc()), so the timer runs at the crystal's frequency;
 * leaf 0x16 names the same in MHz; 0x40000010 is the hypervisor leaf
 * VMware defined and other hypervisors copy (EAX TSC kHz, EBX bus kHz).
 * The crystal is the TSC itself, halved until it fits 32 bits of Hz.
 * And KVM's signature at 0x40000100 with one feature, PV EOI (its MSR is
 * lapic/lapic.c's): Linux finds KVM's leaves in any block of 0x100 and
 * then ends an interrupt without an EOI write when the module says it
 * may; it also takes x2APIC mode then (a hypervisor it knows allows it
 * without interrupt remapping).
 *
 * Return: 0, or -ENOSPC when the leaves cannot be added.
 */
int cpuid_lapic_leaves(struct thinvmx_cpuid_entry *e, u32 *nr, u32 max,
		       u32 tsc_khz, u32 *bus_khz)
{
	u64 hz = (u64)tsc_khz * 1000;
	u32 i, shift = 0, max_basic = 0x16;
	int ret = 0;

	*bus_khz = 1000000;	/* unknown TSC: a 1 GHz timer clock */
	for (i = 0; i < *nr; i++) {
		if (e[i].function == 0 && e[i].eax < max_basic)
			e[i].eax = max_basic;
		if (e[i].function == 1) {
			e[i].ecx |= CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE;
			e[i].edx |= CPUID_1_EDX_APIC;
		}
		if (e[i].function == CPUID_LEAF_HYPERVISOR)
			e[i].eax = CPUID_LEAF_TIMING;
	}
	ret |= cpuid_set_leaf(e, nr, max, CPUID_LEAF_KVM, CPUID_LEAF_KVM + 1,
			      CPUID_KVM_SIG_EBX, CPUID_KVM_SIG_ECX,
			      CPUID_KVM_SIG_EDX);
	ret |= cpuid_set_leaf(e, nr, max, CPUID_LEAF_KVM + 1,
			      CPUID_KVM_FEATURE_PV_EOI, 0, 0, 0);
	if (!tsc_khz)
		return ret ? -ENOSPC : 0;
	while ((hz >> shift) > U32_MAX)
		shift++;
	*bus_khz = (u32)(hz >> shift) / 1000;
	ret |= cpuid_set_leaf(e, nr, max, 0x15, 1, 1u << shift, hz >> shift, 0);
	ret |= cpuid_set_leaf(e, nr, max, 0x16, tsc_khz / 1000, tsc_khz / 1000,
			      *bus_khz / 1000, 0);
	ret |= cpuid_set_leaf(e, nr, max, CPUID_LEAF_TIMING, tsc_khz, *bus_khz,
			      0, 0);
	return ret ? -ENOSPC : 0;
}

/* The legacy area and the XSAVE header: where component 2 may start */
#define XSAVE_LEGACY_AND_HEADER	576

/**
 * cpuid_xsave_size() - the standard-form XSAVE area size for @xcr0
 * @e:    the domain's table
 * @nr:   its entries
 * @xcr0: the components enabled
 *
 * The end of the furthest component @xcr0 enables, from its sub-leaf of
 * leaf 0xd (EAX its size, EBX its offset), at least the legacy area and
 * the header: what CPUID.(0xd,0).EBX says for the current XCR0 and ECX
 * for every supported component.
 *
 * Return: the size in bytes.
 */
u32 cpuid_xsave_size(const struct thinvmx_cpuid_entry *e, u32 nr, u64 xcr0)
{
	const struct thinvmx_cpuid_entry *f;
	u32 size = XSAVE_LEGACY_AND_HEADER;
	unsigned int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		f = cpuid_find(e, nr, 0xd, i);
		if (f && f->eax + f->ebx > size)
			size = f->eax + f->ebx;
	}
	return size;
}

/*
 * The features whose registers are a state component XSETBV does not take
 * go too: a guest seeing AVX2 or AVX-512F uses their instructions, which
 * are #UD while XCR0 lacks the state (what Linux's own clearcpuid=avx
 * clears with AVX, arch/x86/kernel/cpu/cpuid-deps.c).
 */
static void cpuid_xsave_features(struct thinvmx_cpuid_entry *e, u32 nr, u64 allowed)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		if (e[i].function == 1 && !(allowed & XSTATE_AVX)) {
			e[i].ecx &= ~CPUID_1_ECX_AVX_DEPS;
		} else if (e[i].function == 7 && e[i].index == 0) {
			if (!(allowed & XSTATE_AVX)) {
				e[i].ebx &= ~CPUID_7_EBX_AVX2;
				e[i].ecx &= ~CPUID_7_ECX_AVX_DEPS;
			}
			if ((allowed & XSTATE_AVX512) != XSTATE_AVX512 ||
			    !(allowed & XSTATE_AVX)) {
				e[i].ebx &= ~CPUID_7_EBX_AVX512;
				e[i].ecx &= ~CPUID_7_ECX_AVX512;
				e[i].edx &= ~CPUID_7_EDX_AVX512;
			}
			if ((allowed & XSTATE_MPX) != XSTATE_MPX)
				e[i].ebx &= ~CPUID_7_EBX_MPX;
		} else if (e[i].function == 7 && e[i].index == 1) {
			if (!(allowed & XSTATE_AVX))
				e[i].eax &= ~CPUID_7_1_EAX_AVX_VNNI;
			if ((allowed & XSTATE_AVX512) != XSTATE_AVX512)
				e[i].eax &= ~CPUID_7_1_EAX_AVX512;
		}
	}
}

/**
 * cpuid_xsave_limit() - promise no state component XSETBV would refuse
 * @e:       a domain's default table; changed in place, entries may go
 * @nr:      entries in @e; updated
 * @allowed: xcr0_guest_allowed(): the XCR0 bits XSETBV takes
 *
 * Leaf 0xd read from the CPU names what the CPU supports, which can be
 * more than the host enabled (a kernel booted with a component off, an
 * emulated CPU with AVX-512 its host kernel leaves off): a guest enabling
 * every component CPUID names would take #GP at its XSETBV. EAX:EDX of
 * (0xd,0) keep the allowed bits only, the sub-leaves of the others go,
 * and ECX (the size for every supported component) is computed again;
 * the features using a component no longer allowed are hidden.
 */
void cpuid_xsave_limit(struct thinvmx_cpuid_entry *e, u32 *nr, u64 allowed)
{
	struct thinvmx_cpuid_entry *f;
	u32 i, out = 0;

	for (i = 0; i < *nr; i++) {
		if (e[i].function == 0xd && e[i].index >= 2 && e[i].index < 64 &&
		    !(allowed & BIT_ULL(e[i].index)))
			continue;
		e[out++] = e[i];
	}
	*nr = out;
	f = (struct thinvmx_cpuid_entry *)cpuid_find(e, *nr, 0xd, 0);
	if (f) {
		f->eax &= (u32)allowed;
		f->edx &= (u32)(allowed >> 32);
		f->ecx = cpuid_xsave_size(e, *nr, (u64)f->edx << 32 | f->eax);
	}
	cpuid_xsave_features(e, *nr, allowed);
}
