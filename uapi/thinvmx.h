/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * thinvmx user ABI: /dev/thinvmx ioctls and their structures.
 *
 * Rules kept by every structure here: only __u8..__u64, natural alignment,
 * explicit padding and reserved fields (must be zero on input, -EINVAL
 * otherwise), a static_assert on the size. New behaviour gets a new command
 * number, never a version field.
 *
 * Command table (magic THINVMX_IOC_MAGIC):
 *
 *   nr    on fd      command                    struct
 *   0x00  /dev       THINVMX_GET_CAPABILITIES   struct thinvmx_caps (out)
 *   0x01  /dev       THINVMX_CREATE_DOMAIN      struct thinvmx_create_domain (in)
 *
 * An unknown command returns -ENOTTY.
 */
#ifndef _UAPI_LINUX_THINVMX_H
#define _UAPI_LINUX_THINVMX_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/build_bug.h>
#else
#include <assert.h>
#endif

#define THINVMX_IOC_MAGIC	0xB6
#define THINVMX_DEVICE		"/dev/thinvmx"

/*
 * struct thinvmx_caps.vmx_status: whether this host can run guests and, if
 * not, exactly why. The detail fields of struct thinvmx_caps name the part.
 */
#define THINVMX_VMX_OK			0  /* usable */
#define THINVMX_VMX_NO_CPUID		1  /* CPUID.1:ECX.VMX[5] clear */
#define THINVMX_VMX_FEATCTL_UNLOCKED	2  /* IA32_FEATURE_CONTROL lock bit clear */
#define THINVMX_VMX_FIRMWARE_DISABLED	3  /* locked with VMX outside SMX off */
#define THINVMX_VMX_MSR_FAULT		4  /* an MSR read faulted; detail_bits = index */
#define THINVMX_VMX_BAD_BASIC		5  /* IA32_VMX_BASIC unusable; detail_bits = field */
#define THINVMX_VMX_MISSING_CONTROL	6  /* detail_ctl lacks required detail_bits */
#define THINVMX_VMX_MISSING_EPT		7  /* IA32_VMX_EPT_VPID_CAP lacks detail_bits */
#define THINVMX_VMX_INCONSISTENT	8  /* detail_cpu reports other capabilities than CPU 0 */
#define THINVMX_VMX_BUSY		9  /* another hypervisor holds VMX on detail_cpu */
#define THINVMX_VMX_STATUS_MAX		9

/* struct thinvmx_caps.detail_ctl: which control set detail_bits belong to */
#define THINVMX_CTL_NONE		0
#define THINVMX_CTL_PIN			1  /* pin-based VM-execution controls */
#define THINVMX_CTL_PROC		2  /* primary processor-based controls */
#define THINVMX_CTL_PROC2		3  /* secondary processor-based controls */
#define THINVMX_CTL_EXIT		4  /* VM-exit controls */
#define THINVMX_CTL_ENTRY		5  /* VM-entry controls */
#define THINVMX_CTL_EPT_VPID		6  /* IA32_VMX_EPT_VPID_CAP */

/* struct thinvmx_caps.features: what thinvmx can use on this host */
#define THINVMX_FEAT_EPT		_BITULL(0)
#define THINVMX_FEAT_EPT_2M		_BITULL(1)
#define THINVMX_FEAT_EPT_1G		_BITULL(2)
#define THINVMX_FEAT_EPT_AD		_BITULL(3)
#define THINVMX_FEAT_EPT_EXEC_ONLY	_BITULL(4)
#define THINVMX_FEAT_VPID		_BITULL(5)
#define THINVMX_FEAT_UNRESTRICTED	_BITULL(6)
#define THINVMX_FEAT_MTF		_BITULL(7)  /* monitor trap flag */
#define THINVMX_FEAT_VIRTUAL_NMI	_BITULL(8)
#define THINVMX_FEAT_TRUE_CTLS		_BITULL(9)
#define THINVMX_FEAT_PML		_BITULL(10)
#define THINVMX_FEAT_RDTSCP		_BITULL(11)
#define THINVMX_FEAT_INVPCID		_BITULL(12)
#define THINVMX_FEAT_XSAVES		_BITULL(13)
#define THINVMX_FEAT_PAT		_BITULL(14) /* load/save IA32_PAT */
#define THINVMX_FEAT_ACT_HLT		_BITULL(15) /* HLT activity state */
#define THINVMX_FEAT_INVEPT_SINGLE	_BITULL(16)
#define THINVMX_FEAT_INVVPID_SINGLE	_BITULL(17)

/*
 * THINVMX_GET_CAPABILITIES: the host's VMX capabilities, the control values
 * thinvmx uses, and the VMX status. The status is evaluated when the module
 * loads, except THINVMX_VMX_BUSY, which is checked at every call.
 */
struct thinvmx_caps {
	__u32 vmx_status;	/* THINVMX_VMX_* */
	__u32 detail_ctl;	/* THINVMX_CTL_*, valid if MISSING_CONTROL/EPT */
	__u64 detail_bits;	/* see THINVMX_VMX_*; 0 if not applicable */
	__u32 detail_cpu;	/* valid if INCONSISTENT or BUSY */
	__u32 nr_cpus;		/* online CPUs checked */
	__u64 features;		/* THINVMX_FEAT_*, valid if vmx_status is OK */

	__u32 vmcs_revision;	/* IA32_VMX_BASIC[30:0] */
	__u32 vmcs_size;	/* bytes, IA32_VMX_BASIC[44:32] */
	/* the control values thinvmx programs; valid if vmx_status is OK */
	__u32 pin_ctls;
	__u32 proc_ctls;
	__u32 proc2_ctls;
	__u32 exit_ctls;
	__u32 entry_ctls;
	__u32 cpuid1_ecx;	/* CPUID.1:ECX as read */

	/* raw MSRs of CPU 0; valid if CPUID reports VMX, 0 if unreadable */
	__u64 msr_feature_control;
	__u64 msr_basic;
	__u64 msr_pinbased;
	__u64 msr_procbased;
	__u64 msr_procbased2;
	__u64 msr_exit;
	__u64 msr_entry;
	__u64 msr_true_pinbased;
	__u64 msr_true_procbased;
	__u64 msr_true_exit;
	__u64 msr_true_entry;
	__u64 msr_misc;
	__u64 msr_ept_vpid_cap;
	__u64 msr_cr0_fixed0;
	__u64 msr_cr0_fixed1;
	__u64 msr_cr4_fixed0;
	__u64 msr_cr4_fixed1;
	__u64 reserved[8];	/* zero */
};

static_assert(sizeof(struct thinvmx_caps) == 64 + 17 * 8 + 64,
	      "struct thinvmx_caps layout");

#define THINVMX_GET_CAPABILITIES \
	_IOR(THINVMX_IOC_MAGIC, 0x00, struct thinvmx_caps)

/*
 * Guest physical memory layout, e820 style. On input RAM entries need not be
 * page aligned: the module rounds each start up and each end down to 4 KiB,
 * drops entries that become empty, and caps the RAM total at mem_bytes.
 * Entries must not overlap.
 */
#define THINVMX_E820_RAM		1
#define THINVMX_E820_RESERVED		2
#define THINVMX_E820_MAX		128

struct thinvmx_e820_entry {
	__u64 addr;
	__u64 size;
	__u32 type;		/* THINVMX_E820_* */
	__u32 pad;		/* zero */
};

static_assert(sizeof(struct thinvmx_e820_entry) == 24,
	      "struct thinvmx_e820_entry layout");

/* THINVMX_CREATE_DOMAIN: returns a new domain fd (O_CLOEXEC). */
struct thinvmx_create_domain {
	__u64 e820;		/* user pointer to nr_e820 entries */
	__u32 nr_e820;		/* 1..THINVMX_E820_MAX */
	__u32 flags;		/* zero */
	__u64 mem_bytes;	/* cap on guest RAM, bytes */
	__u64 reserved[4];	/* zero */
};

static_assert(sizeof(struct thinvmx_create_domain) == 56,
	      "struct thinvmx_create_domain layout");

#define THINVMX_CREATE_DOMAIN \
	_IOW(THINVMX_IOC_MAGIC, 0x01, struct thinvmx_create_domain)

#endif /* _UAPI_LINUX_THINVMX_H */
