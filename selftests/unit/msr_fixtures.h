/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX capability MSRs captured from the nested VM's CPU models with
 * `thinvmx-ctl caps --raw` (Bochs 2.7, Debian 12), and the controls thinvmx
 * must derive from them.
 */
#ifndef _THINVMX_MSR_FIXTURES_H
#define _THINVMX_MSR_FIXTURES_H

/* Bochs cpu model corei7_skylake_x */
static const struct vmx_msrs bochs_skylake_x = {
	.cpuid1_ecx		= 0x77faf3bf,
	.feature_control	= 0x0000000000000005,
	.basic			= 0x00d810000000002b,
	.pinbased		= 0x0000007f00000016,
	.procbased		= 0xf7f9fffe0401e172,
	.procbased2		= 0x02177fff00000000,
	.exit			= 0x007fffff00036dff,
	.entry			= 0x0000ffff000011ff,
	.true_pinbased		= 0x0000007f00000016,
	.true_procbased		= 0xf7f9fffe04006172,
	.true_exit		= 0x007fffff00036dfb,
	.true_entry		= 0x0000ffff000011fb,
	.misc			= 0x00000000600401e0,
	.ept_vpid_cap		= 0x00000f0106334141,
	.cr0_fixed0		= 0x0000000080000021,
	.cr0_fixed1		= 0x00000000ffffffff,
	.cr4_fixed0		= 0x0000000000002000,
	.cr4_fixed1		= 0x00000000003727ff,
};

/*
 * Worked out by hand from the MSRs above:
 * pin   = forced 0x16 | EXT_INTR 0x1 | NMI 0x8 | VIRTUAL_NMIS 0x20 |
 *         PREEMPTION_TIMER 0x40
 * proc  = forced 0x04006172 | HLT 0x80 | MWAIT 0x400 | RDPMC 0x800 |
 *         MOV_DR 0x800000 | UNCOND_IO 0x1000000 | MSR_BITMAPS 0x10000000 |
 *         MONITOR 0x20000000 | SECONDARY 0x80000000 (no CR3 exiting: the
 *         TRUE MSR does not force bits 15/16)
 * proc2 = EPT 0x2 | RDTSCP 0x8 | VPID 0x20 | WBINVD 0x40 | UG 0x80 |
 *         INVPCID 0x1000 | XSAVES 0x100000
 * exit  = forced 0x36dfb | HOST_ADDR_SPACE 0x200 | PAT 0xc0000 | EFER 0x300000
 * entry = forced 0x11fb | PAT 0x4000 | EFER 0x8000
 * This model has no monitor trap flag (TRUE_PROCBASED allowed-1 bit 27 is 0);
 * it allows TPR shadow and proc2 bits 0, 8 and 9 (APIC_VIRT).
 */
static const struct thinvmx_caps bochs_skylake_x_expected = {
	.pin_ctls	= 0x0000007f,
	.proc_ctls	= 0xb5986dfa,	/* with CR8 load/store exiting, TSC offsetting */
	.proc2_ctls	= 0x001010ea,
	.exit_ctls	= 0x003f6fff,	/* with save debug controls */
	.entry_ctls	= 0x0000d1ff,	/* with load debug controls */
	.features	= THINVMX_FEAT_EPT | THINVMX_FEAT_EPT_2M |
			  THINVMX_FEAT_EPT_1G | THINVMX_FEAT_EPT_AD |
			  THINVMX_FEAT_EPT_EXEC_ONLY | THINVMX_FEAT_VPID |
			  THINVMX_FEAT_UNRESTRICTED | THINVMX_FEAT_VIRTUAL_NMI |
			  THINVMX_FEAT_TRUE_CTLS | THINVMX_FEAT_PML |
			  THINVMX_FEAT_RDTSCP | THINVMX_FEAT_INVPCID |
			  THINVMX_FEAT_XSAVES | THINVMX_FEAT_PAT |
			  THINVMX_FEAT_ACT_HLT | THINVMX_FEAT_INVEPT_SINGLE |
			  THINVMX_FEAT_INVVPID_SINGLE | THINVMX_FEAT_APIC_VIRT,
};

/* Bochs cpu model corei7_haswell_4770: no PML, no XSAVES */
static const struct vmx_msrs bochs_haswell_4770 = {
	.cpuid1_ecx		= 0x7ffaf3bf,
	.feature_control	= 0x0000000000000005,
	.basic			= 0x00d810000000002b,
	.pinbased		= 0x0000007f00000016,
	.procbased		= 0xf7f9fffe0401e172,
	.procbased2		= 0x00047fff00000000,
	.exit			= 0x007fffff00036dff,
	.entry			= 0x0000ffff000011ff,
	.true_pinbased		= 0x0000007f00000016,
	.true_procbased		= 0xf7f9fffe04006172,
	.true_exit		= 0x007fffff00036dfb,
	.true_entry		= 0x0000ffff000011fb,
	.misc			= 0x00000000200401e0,
	.ept_vpid_cap		= 0x00000f0106334141,
	.cr0_fixed0		= 0x0000000080000021,
	.cr0_fixed1		= 0x00000000ffffffff,
	.cr4_fixed0		= 0x0000000000002000,
	.cr4_fixed1		= 0x00000000001727ff,
};

#endif /* _THINVMX_MSR_FIXTURES_H */
