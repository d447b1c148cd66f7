// SPDX-License-Identifier: GPL-2.0
/*
 * The guest MSR write rules (msr_rules.h). Each rule comes from the SDM:
 *
 *   IA32_PAT      eight 3-bit memory types; 2 and 3 are reserved, and so
 *                 are bits 7:3 of each byte (Vol. 3, "Programming the
 *                 PAT"): #GP. VM entry checks the same on the
 *                 GUEST_IA32_PAT field ("Checks on Guest Control
 *                 Registers, Debug Registers, and MSRs"), so a value let
 *                 through would kill the vCPU at its next entry.
 *   MTRRdefType   type in 7:0 (UC, WC, WT, WP or WB: 7 is a PAT type
 *                 only), FE in 10, E in 11, everything else reserved
 *                 ("IA32_MTRR_DEF_TYPE MSR").
 *   EFER          SCE, LME, LMA, NXE; the rest is reserved here (no SVM,
 *                 no FFXSR, LMSLE) (Vol. 4, table 2-2).
 *   FMASK         the low 32 bits mask RFLAGS; 63:32 are reserved.
 *   TSC_AUX       32 bits; 63:32 are reserved.
 *   bases         FS/GS/KERNEL_GS base, LSTAR, CSTAR and the SYSENTER
 *                 ESP/EIP must be canonical (48-bit linear addresses).
 *
 * Everything else written through the table in msr_write_check() is free.
 *
 * The speculation controls are the guest's where the host CPU has them,
 * and #GP where it has not -- a guest is told about them by the host's
 * own CPUID bits, and must find what CPUID promises:
 *
 *   SPEC_CTRL     read and write; bits the host CPU implements (IBRS with
 *                 the MSR itself, STIBP, SSBD, RRSBA_DIS_S, BHI_DIS_S),
 *                 the rest reserved.
 *   PRED_CMD      write only: IBPB (bit 0) or nothing.
 *   FLUSH_CMD     write only: L1D_FLUSH (bit 0) or nothing.
 *   ARCH_CAPS     read only: the host's bits that describe the hardware,
 *                 with the "not affected" bits the host kernel knows to
 *                 be true, and PSCHANGE_MC_NO: the guest has no VMX of its
 *                 own to protect from iTLB multihit, and thinvmx protects
 *                 the host (nx_huge_pages). Bits naming further MSRs
 *                 (TSX_CTRL, the L1D-flush skip meant for nested
 *                 hypervisors) are withheld.
 */
#include "msr_rules.h"

/* Memory types valid in the PAT, and in the MTRRs (no UC-: 7) */
#define PAT_TYPES	(BIT(0) | BIT(1) | BIT(4) | BIT(5) | BIT(6) | BIT(7))
#define MTRR_TYPES	(BIT(0) | BIT(1) | BIT(4) | BIT(5) | BIT(6))
#define MTRR_DEF_TYPE_FE	BIT_ULL(10)
#define MTRR_DEF_TYPE_E		BIT_ULL(11)

/**
 * msr_pat_valid() - whether @val may be written to IA32_PAT
 * @val: the value
 *
 * Return: true if each of the eight entries is a defined type, with its
 * bits 7:3 clear.
 */
bool msr_pat_valid(u64 val)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 e = val >> (8 * i);

		if (e > 7 || !(PAT_TYPES & BIT(e)))
			return false;
	}
	return true;
}

/**
 * msr_mtrr_def_type_valid() - whether @val may be written to MTRRdefType
 * @val: the value
 *
 * Return: true if only the type, FE and E are set, and the type is one
 * an MTRR may have.
 */
bool msr_mtrr_def_type_valid(u64 val)
{
	u8 type = val & 0xff;

	if (val & ~(0xffULL | MTRR_DEF_TYPE_FE | MTRR_DEF_TYPE_E))
		return false;
	return type <= 7 && (MTRR_TYPES & BIT(type));
}

/**
 * msr_canonical() - whether @addr is a canonical 48-bit linear address
 * @addr: the address
 *
 * Return: true if bits 63:47 are all equal.
 */
bool msr_canonical(u64 addr)
{
	return (u64)((s64)(addr << 16) >> 16) == addr;
}

enum msr_rule {
	MSR_RULE_PAT,
	MSR_RULE_MTRR_DEF_TYPE,
	MSR_RULE_RESERVED,	/* @reserved bits must be clear */
	MSR_RULE_CANONICAL,
};

static const struct {
	u32 index;
	enum msr_rule rule;
	u64 reserved;
} msr_rules[] = {
	{ .index = MSR_RULES_PAT, .rule = MSR_RULE_PAT },
	{ .index = MSR_RULES_MTRR_DEF_TYPE, .rule = MSR_RULE_MTRR_DEF_TYPE },
	{ .index = MSR_RULES_EFER, .rule = MSR_RULE_RESERVED,
	  .reserved = ~MSR_RULES_EFER_ALLOWED },
	{ .index = MSR_RULES_FMASK, .rule = MSR_RULE_RESERVED,
	  .reserved = 0xffffffff00000000ULL },
	{ .index = MSR_RULES_TSC_AUX, .rule = MSR_RULE_RESERVED,
	  .reserved = 0xffffffff00000000ULL },
	{ .index = MSR_RULES_FS_BASE, .rule = MSR_RULE_CANONICAL },
	{ .index = MSR_RULES_GS_BASE, .rule = MSR_RULE_CANONICAL },
	{ .index = MSR_RULES_KERNEL_GS_BASE, .rule = MSR_RULE_CANONICAL },
	{ .index = MSR_RULES_LSTAR, .rule = MSR_RULE_CANONICAL },
	{ .index = MSR_RULES_CSTAR, .rule = MSR_RULE_CANONICAL },
	{ .index = MSR_RULES_SYSENTER_ESP, .rule = MSR_RULE_CANONICAL },
	{ .index = MSR_RULES_SYSENTER_EIP, .rule = MSR_RULE_CANONICAL },
};

/**
 * msr_write_check() - the rules for a guest WRMSR of @val to @index
 * @index: the MSR
 * @val:   the value
 *
 * Return: 0 if the write may be done (or no rule covers @index), -EINVAL
 * if the guest gets #GP.
 */
int msr_write_check(u32 index, u64 val)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(msr_rules); i++) {
		if (msr_rules[i].index != index)
			continue;
		switch (msr_rules[i].rule) {
		case MSR_RULE_PAT:
			return msr_pat_valid(val) ? 0 : -EINVAL;
		case MSR_RULE_MTRR_DEF_TYPE:
			return msr_mtrr_def_type_valid(val) ? 0 : -EINVAL;
		case MSR_RULE_RESERVED:
			return val & msr_rules[i].reserved ? -EINVAL : 0;
		case MSR_RULE_CANONICAL:
			return msr_canonical(val) ? 0 : -EINVAL;
		}
	}
	return 0;
}

/**
 * msr_spec_ctrl_bits() - the IA32_SPEC_CTRL bits a guest may set
 * @host: MSR_HOST_* flags of the host CPU
 *
 * Return: the bits; 0 when the host has no IA32_SPEC_CTRL (then every
 * access is #GP).
 */
u64 msr_spec_ctrl_bits(u32 host)
{
	u64 bits = MSR_SPEC_CTRL_IBRS;

	if (!(host & MSR_HOST_SPEC_CTRL))
		return 0;
	if (host & MSR_HOST_STIBP)
		bits |= MSR_SPEC_CTRL_STIBP;
	if (host & MSR_HOST_SSBD)
		bits |= MSR_SPEC_CTRL_SSBD;
	if (host & MSR_HOST_RRSBA_CTRL)
		bits |= MSR_SPEC_CTRL_RRSBA_DIS_S;
	if (host & MSR_HOST_BHI_CTRL)
		bits |= MSR_SPEC_CTRL_BHI_DIS_S;
	return bits;
}

/**
 * msr_spec_read_check() - may a guest RDMSR this speculation MSR?
 * @index: the MSR
 * @host:  MSR_HOST_* flags of the host CPU
 *
 * Return: 0, or -EINVAL for #GP (absent on the host, or write-only).
 */
int msr_spec_read_check(u32 index, u32 host)
{
	switch (index) {
	case MSR_RULES_SPEC_CTRL:
		return host & MSR_HOST_SPEC_CTRL ? 0 : -EINVAL;
	case MSR_RULES_ARCH_CAPS:
		return host & MSR_HOST_ARCH_CAPS ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/**
 * msr_spec_write_check() - may a guest WRMSR @val to this speculation MSR?
 * @index: the MSR
 * @val:   the value
 * @host:  MSR_HOST_* flags of the host CPU
 *
 * Return: 0, or -EINVAL for #GP (absent on the host, read-only, or a
 * reserved bit set).
 */
int msr_spec_write_check(u32 index, u64 val, u32 host)
{
	switch (index) {
	case MSR_RULES_SPEC_CTRL:
		if (!(host & MSR_HOST_SPEC_CTRL))
			return -EINVAL;
		return val & ~msr_spec_ctrl_bits(host) ? -EINVAL : 0;
	case MSR_RULES_PRED_CMD:
		if (!(host & MSR_HOST_IBPB))
			return -EINVAL;
		return val & ~MSR_PRED_CMD_IBPB ? -EINVAL : 0;
	case MSR_RULES_FLUSH_CMD:
		if (!(host & MSR_HOST_FLUSH_L1D))
			return -EINVAL;
		return val & ~MSR_FLUSH_CMD_L1D ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/**
 * msr_arch_caps_guest() - the IA32_ARCH_CAPABILITIES a guest reads
 * @host_val: the host CPU's value
 * @host:     MSR_HOST_* flags of the host CPU
 *
 * Return: the value (only meaningful when @host has MSR_HOST_ARCH_CAPS).
 */
u64 msr_arch_caps_guest(u64 host_val, u32 host)
{
	u64 val = (host_val & MSR_ARCH_CAP_GUEST) | MSR_ARCH_CAP_PSCHANGE_MC_NO;

	if (host & MSR_HOST_NO_MELTDOWN)
		val |= MSR_ARCH_CAP_RDCL_NO;
	if (host & MSR_HOST_NO_SSB)
		val |= MSR_ARCH_CAP_SSB_NO;
	if (host & MSR_HOST_NO_MDS)
		val |= MSR_ARCH_CAP_MDS_NO;
	return val;
}
