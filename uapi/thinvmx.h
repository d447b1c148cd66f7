/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * thinvmx user ABI: /dev/thinvmx ioctls and their structures.
 *
 * Rules kept by every structure here: only __u8..__u64, natural alignment,
 * explicit padding and reserved fields (must be zero on input, -EINVAL
 * otherwise), a static_assert on the size. New behaviour gets a new command
 * number, never a version field.
 *
 * Opening /dev/thinvmx needs only the node's permissions (root's; the
 * thinvmx group's too under the packages' udev rule). A command marked
 * "root only" also needs CAP_SYS_ADMIN, else -EPERM.
 *
 * Command table (magic THINVMX_IOC_MAGIC), in numeric order; 0x30-0x34
 * are defined in thinvmx_introspect.h, which this header includes:
 *
 *   nr    on fd      command                    struct
 *   0x00  /dev       THINVMX_GET_CAPABILITIES   struct thinvmx_caps (out)
 *   0x01  /dev       THINVMX_CREATE_DOMAIN      struct thinvmx_create_domain (in)
 *   0x02  domain     THINVMX_CREATE_VCPU        struct thinvmx_create_vcpu (in)
 *   0x03  domain     THINVMX_GET_MEMMAP         struct thinvmx_memmap (in/out)
 *   0x04  domain     THINVMX_GET_FRAME_LIST     struct thinvmx_frame_list (in/out)
 *   0x05  domain     THINVMX_SET_CPUID          struct thinvmx_cpuid (in)
 *   0x06  domain     THINVMX_GET_CPUID          struct thinvmx_cpuid (in/out)
 *   0x07  domain     THINVMX_SET_MEM_TYPE       struct thinvmx_mem_range (in)
 *   0x08  domain     THINVMX_SET_MEM_ACCESS     struct thinvmx_mem_range (in)
 *   0x09  domain     THINVMX_GET_MEM_ACCESS     struct thinvmx_mem_query (in/out)
 *   0x0a  domain     THINVMX_CHANGE_TYPE_GLOBAL struct thinvmx_type_change (in)
 *   0x0b  domain     THINVMX_DIRTY_LOG          struct thinvmx_dirty_log (in)
 *   0x0c  domain     THINVMX_MAP_MMIO           struct thinvmx_map_mmio (in)
 *   0x0d  domain     THINVMX_GET_DOMAIN_INFO    struct thinvmx_domain_info (out)
 *   0x0e  domain     THINVMX_ASSIGN_DEVICE_BAR  struct thinvmx_device_bar (in)
 *   0x0f  domain     THINVMX_SIGNAL_MSI         struct thinvmx_msi (in)
 *   0x10  vcpu       THINVMX_RUN                -
 *   0x11  vcpu       THINVMX_GET_REGS           struct thinvmx_regs (out)
 *   0x12  vcpu       THINVMX_SET_REGS           struct thinvmx_regs (in)
 *   0x13  vcpu       THINVMX_GET_SREGS          struct thinvmx_sregs (out)
 *   0x14  vcpu       THINVMX_SET_SREGS          struct thinvmx_sregs (in)
 *   0x20  /dev       THINVMX_RO_ADD             struct thinvmx_ro_range (in)
 *   0x21  /dev       THINVMX_RO_REMOVE          struct thinvmx_ro_range (in)
 *   0x22  /dev       THINVMX_RO_LIST            struct thinvmx_ro_list (in/out)
 *   0x23  /dev       THINVMX_PCI_MSIX_INFO      struct thinvmx_msix_info (in/out)
 *   0x24  /dev       THINVMX_OPEN_DOMAIN        struct thinvmx_open_domain (in)
 *   0x30  domain     THINVMX_ATTACH_MONITOR     struct thinvmx_attach_monitor (in/out)
 *   0x31  domain     THINVMX_INJECT_TRAP        struct thinvmx_inject_trap (in/out)
 *   0x32  listener   THINVMX_SET_MONITOR        struct thinvmx_monitor (in)
 *   0x33  listener   THINVMX_GET_MONITOR        struct thinvmx_monitor (in/out)
 *   0x34  listener   THINVMX_MONITOR_DOORBELL   struct thinvmx_doorbell (in)
 *   0x35  domain     THINVMX_DETACH_MONITOR     -
 *   0x36  listener   THINVMX_SET_SYNC_TIMEOUT   __u64 (in)
 *   0x40  domain     THINVMX_ASSIGN_DEVICE      struct thinvmx_assign_device (in)
 *   0x41  domain     THINVMX_DEASSIGN_DEVICE    struct thinvmx_assign_device (in)
 *   0x42  /dev       THINVMX_IOMMU_PROBE        struct thinvmx_iommu_probe (in/out)
 *   0x50  /dev       THINVMX_HOST_ENABLE        -
 *   0x51  /dev       THINVMX_HOST_DISABLE       -
 *   0x52  /dev       THINVMX_HOST_STATUS        struct thinvmx_host_status (out)
 *   0x53  /dev       THINVMX_HOST_ATTACH        struct thinvmx_attach_monitor (in/out)
 *   0x68  domain     THINVMX_SET_GUEST_REQUEST  struct thinvmx_guest_request (in)
 *   0x69  domain     THINVMX_GET_GUEST_REQUEST  struct thinvmx_guest_request (out)
 *   0x70  domain     THINVMX_PAUSE_DOMAIN       -
 *   0x71  domain     THINVMX_UNPAUSE_DOMAIN     -
 *   0x72  domain     THINVMX_GET_PAUSE          struct thinvmx_pause_info (out)
 *   0x73  domain     THINVMX_CTL_GET_REGS       struct thinvmx_ctl_regs (in/out)
 *   0x74  domain     THINVMX_CTL_SET_REGS       struct thinvmx_ctl_regs (in)
 *   0x75  domain     THINVMX_CTL_GET_SREGS      struct thinvmx_ctl_sregs (in/out)
 *   0x76  domain     THINVMX_CTL_SET_SREGS      struct thinvmx_ctl_sregs (in)
 *   0x77  domain     THINVMX_CTL_GET_MSRS       struct thinvmx_ctl_msrs (in/out)
 *   0x78  domain     THINVMX_CTL_SET_MSRS       struct thinvmx_ctl_msrs (in)
 *   0x79  domain     THINVMX_READ_GUEST         struct thinvmx_guest_mem (in)
 *   0x7a  domain     THINVMX_WRITE_GUEST        struct thinvmx_guest_mem (in)
 *
 * THINVMX_INJECT_TRAP and 0x70-0x7a are taken on a listener fd as well
 * (0x70-0x7a are defined in thinvmx_introspect.h).
 *
 * mmap: a domain fd at offset = guest physical address maps guest RAM; a
 * vCPU fd at offset 0 maps its struct thinvmx_run (one page).
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
#define THINVMX_FEAT_NOTIFY		_BITULL(18) /* notify VM exits */
#define THINVMX_FEAT_APIC_VIRT		_BITULL(19) /* xAPIC virt., virtual intr. delivery */

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
 * Guest physical memory layout, e820 style. On input the entries may come
 * in any order and RAM entries need not be page aligned: the module sorts
 * them, rounds each RAM start up and each RAM end down to 4 KiB, drops RAM
 * entries that become empty, and caps the RAM total at mem_bytes; reserved
 * entries are kept exactly as given. Entries must not overlap and must end
 * at or below 2^52. The real-mode helpers (see struct thinvmx_memmap) are
 * carved out of RAM, so the final map may hold THINVMX_E820_MAX + 1
 * entries.
 */
#define THINVMX_E820_RAM		1
#define THINVMX_E820_RESERVED		2
#define THINVMX_E820_MAX		128
#define THINVMX_MEMMAP_MAX		(THINVMX_E820_MAX + 1)

struct thinvmx_e820_entry {
	__u64 addr;
	__u64 size;
	__u32 type;		/* THINVMX_E820_* */
	__u32 pad;		/* zero */
};

static_assert(sizeof(struct thinvmx_e820_entry) == 24,
	      "struct thinvmx_e820_entry layout");

/*
 * THINVMX_CREATE_DOMAIN: returns a new domain fd (O_CLOEXEC). The real-mode
 * helpers are set up when the CPU lacks unrestricted guest, or when
 * THINVMX_DOMAIN_REALMODE_HELPERS asks for them anyway.
 *
 * THINVMX_DOMAIN_LAPIC: each vCPU gets a local APIC in the module (x2APIC
 * MSRs, the xAPIC page at IA32_APIC_BASE, 0xfee00000 after reset; the
 * timer in one-shot, periodic and TSC-deadline modes; IPIs, INIT and SIPI
 * between vCPUs; THINVMX_SIGNAL_MSI for the VMM's interrupts). HLT then
 * sleeps in the module until an interrupt can wake the vCPU instead of
 * returning THINVMX_EXIT_HLT (a signal still ends RUN with EXIT_NONE and
 * -EINTR; the next RUN sleeps on) -- except a HLT with RFLAGS.IF clear,
 * which only an NMI, INIT or SIPI can end: RUN returns THINVMX_EXIT_HLT
 * for it once (a guest stopped for good looks so), and the next RUN
 * sleeps until one of them comes. The default CPUID table then
 * advertises the APIC, x2APIC and the TSC-deadline timer, and tells the
 * TSC and APIC timer frequency in leaves 0x15 (crystal = the timer's
 * clock), 0x16 and 0x40000010 (EAX: TSC kHz, EBX: APIC timer kHz), so a
 * guest need not calibrate. A periodic timer is never faster than the
 * module parameter lapic_min_period_us (200 by default).
 */
#define THINVMX_DOMAIN_REALMODE_HELPERS	_BITUL(0)
#define THINVMX_DOMAIN_LAPIC		_BITUL(1)

struct thinvmx_create_domain {
	__u64 e820;		/* user pointer to nr_e820 entries */
	__u32 nr_e820;		/* 1..THINVMX_E820_MAX */
	__u32 flags;		/* THINVMX_DOMAIN_* */
	__u64 mem_bytes;	/* cap on guest RAM, bytes */
	__u64 reserved[4];	/* zero */
};

static_assert(sizeof(struct thinvmx_create_domain) == 56,
	      "struct thinvmx_create_domain layout");

#define THINVMX_CREATE_DOMAIN \
	_IOW(THINVMX_IOC_MAGIC, 0x01, struct thinvmx_create_domain)

/*
 * THINVMX_OPEN_DOMAIN: a new fd (O_CLOEXEC) of an existing domain, for a
 * process other than its creator (an introspection daemon, a debugger).
 * The fd holds a reference like the creator's and serves every domain
 * ioctl and mmap. -ENOENT: no live domain has this id; -EPERM: the
 * caller's effective uid is not the one that created the domain and it
 * lacks CAP_SYS_ADMIN.
 */
struct thinvmx_open_domain {
	__u32 id;		/* the domain id (netlink, thinvmx-ctl domains) */
	__u32 flags;		/* zero */
	__u64 reserved[2];	/* zero */
};

static_assert(sizeof(struct thinvmx_open_domain) == 24,
	      "struct thinvmx_open_domain layout");

#define THINVMX_OPEN_DOMAIN \
	_IOW(THINVMX_IOC_MAGIC, 0x24, struct thinvmx_open_domain)

/*
 * THINVMX_CREATE_VCPU: returns a new vCPU fd (O_CLOEXEC).
 * THINVMX_VCPU_WAIT_SIPI (THINVMX_DOMAIN_LAPIC domains only): the vCPU is
 * an AP that starts waiting for INIT and SIPI: its RUN sleeps until
 * another vCPU's SIPI starts it in real mode at CS = vector << 8, IP = 0.
 * vCPU 0 is the BSP (IA32_APIC_BASE.BSP); its APIC ID is its id.
 */
#define THINVMX_MAX_VCPUS		64
#define THINVMX_VCPU_WAIT_SIPI		_BITUL(0)

struct thinvmx_create_vcpu {
	__u32 id;		/* 0..THINVMX_MAX_VCPUS-1, unique per domain */
	__u32 flags;		/* THINVMX_VCPU_* */
	__u64 reserved[2];	/* zero */
};

static_assert(sizeof(struct thinvmx_create_vcpu) == 24,
	      "struct thinvmx_create_vcpu layout");

#define THINVMX_CREATE_VCPU \
	_IOW(THINVMX_IOC_MAGIC, 0x02, struct thinvmx_create_vcpu)

/*
 * THINVMX_GET_MEMMAP: the domain's final layout (aligned, capped, with the
 * real-mode helpers carved out when the CPU lacks unrestricted guest).
 * Fills at most max_entries; nr_entries is the full count (at most
 * THINVMX_MEMMAP_MAX).
 */
struct thinvmx_memmap {
	__u64 entries;		/* user pointer to struct thinvmx_e820_entry[] */
	__u32 max_entries;	/* in */
	__u32 nr_entries;	/* out */
	__u64 ram_bytes;	/* out: RAM after alignment and cap */
	__u64 ident_pt_gpa;	/* out: PSE identity page table, 0 if none */
	__u64 tss_gpa;		/* out: VM86 TSS, 0 if none */
	__u64 reserved[2];	/* zero */
};

static_assert(sizeof(struct thinvmx_memmap) == 56,
	      "struct thinvmx_memmap layout");

#define THINVMX_GET_MEMMAP \
	_IOWR(THINVMX_IOC_MAGIC, 0x03, struct thinvmx_memmap)

/*
 * THINVMX_GET_FRAME_LIST (root only): the host frames behind guest frames
 * [first_gfn, first_gfn + nr_frames), as extents of frames contiguous in
 * both. Fills at most max_extents; nr_extents is how many the range needs.
 * Frames with no RAM behind them are skipped. nr_frames is at most
 * THINVMX_FRAME_LIST_MAX, so nr_extents cannot overflow.
 */
#define THINVMX_FRAME_LIST_MAX		0xffffffffULL

struct thinvmx_extent {
	__u64 gfn;
	__u64 mfn;
	__u64 nr;
};

static_assert(sizeof(struct thinvmx_extent) == 24,
	      "struct thinvmx_extent layout");

struct thinvmx_frame_list {
	__u64 first_gfn;
	__u64 nr_frames;
	__u64 extents;		/* user pointer to struct thinvmx_extent[] */
	__u32 max_extents;	/* in */
	__u32 nr_extents;	/* out */
	__u64 reserved[2];	/* zero */
};

static_assert(sizeof(struct thinvmx_frame_list) == 48,
	      "struct thinvmx_frame_list layout");

#define THINVMX_GET_FRAME_LIST \
	_IOWR(THINVMX_IOC_MAGIC, 0x04, struct thinvmx_frame_list)

/*
 * THINVMX_SET_CPUID / THINVMX_GET_CPUID: the CPUID answers of a domain. The
 * default is the host's, with VMX hidden, the hypervisor bit set and leaf
 * 0x40000000 naming thinvmx ("thinvmx" in EBX:ECX:EDX). A leaf not in the
 * table reads as zeros. GET fills at most nr entries and sets nr to the
 * full count.
 */
#define THINVMX_CPUID_MAX		256
#define THINVMX_CPUID_FLAG_INDEXED	_BITUL(0)  /* ECX selects a sub-leaf */

struct thinvmx_cpuid_entry {
	__u32 function;
	__u32 index;
	__u32 flags;		/* THINVMX_CPUID_FLAG_* */
	__u32 eax;
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
	__u32 pad;		/* zero */
};

struct thinvmx_cpuid {
	__u64 entries;		/* user pointer to struct thinvmx_cpuid_entry[] */
	__u32 nr;
	__u32 pad;		/* zero */
};

static_assert(sizeof(struct thinvmx_cpuid_entry) == 32,
	      "struct thinvmx_cpuid_entry layout");
static_assert(sizeof(struct thinvmx_cpuid) == 16,
	      "struct thinvmx_cpuid layout");

#define THINVMX_SET_CPUID _IOW(THINVMX_IOC_MAGIC, 0x05, struct thinvmx_cpuid)
#define THINVMX_GET_CPUID _IOWR(THINVMX_IOC_MAGIC, 0x06, struct thinvmx_cpuid)

/*
 * p2m types: what a guest frame is (DESIGN.md, "p2m types and access
 * rights"). INVALID is 0: nothing is mapped there.
 */
#define THINVMX_P2M_INVALID		0
#define THINVMX_P2M_RAM_RW		1
#define THINVMX_P2M_RAM_RO		2  /* writes are discarded */
#define THINVMX_P2M_RAM_LOGDIRTY	3  /* r-x until written, then ram_rw */
#define THINVMX_P2M_MMIO_DIRECT		4  /* a host device frame (MAP_MMIO) */
#define THINVMX_P2M_MMIO_DM		5  /* emulated by the VMM */
#define THINVMX_P2M_NR_TYPES		6

/*
 * Access rights (Xen's mem_access): they only take permissions away from
 * what the type allows. 0-7 are sets of R = 1, W = 2, X = 4. RX2RW acts as
 * RX and becomes RW after its first violation; N2RWX acts as N and becomes
 * RWX after its first violation; the violation is reported either way.
 */
#define THINVMX_ACCESS_N		0
#define THINVMX_ACCESS_R		1
#define THINVMX_ACCESS_W		2
#define THINVMX_ACCESS_RW		3
#define THINVMX_ACCESS_X		4
#define THINVMX_ACCESS_RX		5
#define THINVMX_ACCESS_WX		6
#define THINVMX_ACCESS_RWX		7
#define THINVMX_ACCESS_RX2RW		8
#define THINVMX_ACCESS_N2RWX		9
#define THINVMX_NR_ACCESS		10

/*
 * THINVMX_SET_MEM_TYPE / THINVMX_SET_MEM_ACCESS: give every frame of
 * [first_gfn, first_gfn + nr_frames) the type or access right in value.
 * Every frame of the range must be mapped (RAM or MAP_MMIO), else -EINVAL
 * and nothing changes; types: RAM_RW, RAM_RO and RAM_LOGDIRTY on RAM only.
 * Permissions that shrink are invalidated on every CPU before the ioctl
 * returns.
 */
struct thinvmx_mem_range {
	__u64 first_gfn;
	__u64 nr_frames;
	__u32 value;		/* THINVMX_P2M_* or THINVMX_ACCESS_* */
	__u32 pad;		/* zero */
	__u64 reserved[2];	/* zero */
};

/* THINVMX_GET_MEM_ACCESS: the type and access right of one frame. */
struct thinvmx_mem_query {
	__u64 gfn;		/* in */
	__u32 type;		/* out: THINVMX_P2M_* */
	__u32 access;		/* out: THINVMX_ACCESS_* */
	__u64 reserved[2];	/* zero */
};

/*
 * THINVMX_CHANGE_TYPE_GLOBAL: every frame of type from becomes type to.
 * -EINVAL for a change to or from MMIO_DIRECT unless from == to, which
 * re-applies the read-only MMIO set to every MMIO_DIRECT frame.
 */
struct thinvmx_type_change {
	__u32 from;
	__u32 to;
	__u64 reserved[2];	/* zero */
};

/*
 * THINVMX_DIRTY_LOG: START turns every RAM_RW frame into RAM_LOGDIRTY;
 * a guest write to one marks it dirty and makes it RAM_RW again. GET
 * copies the dirty bits of [first_gfn, first_gfn + nr_frames) to bitmap
 * (bit i = frame first_gfn + i, in __u64 words) and clears them, turning
 * the frames it reports back into RAM_LOGDIRTY. STOP ends it: every
 * RAM_LOGDIRTY frame becomes RAM_RW.
 */
#define THINVMX_DIRTY_LOG_START		1
#define THINVMX_DIRTY_LOG_GET		2
#define THINVMX_DIRTY_LOG_STOP		3

struct thinvmx_dirty_log {
	__u32 op;		/* THINVMX_DIRTY_LOG_* */
	__u32 pad;		/* zero */
	__u64 first_gfn;	/* GET */
	__u64 nr_frames;	/* GET, a multiple of 64 */
	__u64 bitmap;		/* GET: user pointer to nr_frames / 64 __u64s */
	__u64 reserved[2];	/* zero */
};

/*
 * THINVMX_MAP_MMIO (root only): map host MMIO frames [mfn, mfn + nr) at
 * guest frames [gfn, gfn + nr) as MMIO_DIRECT. The host range must lie
 * wholly inside one memory BAR of a device assigned to the domain or one
 * range of the administrator's MMIO allow-list (thinvmx_netlink.h), else
 * -EPERM; it is refused whatever the list says for RAM, the local APIC and
 * IOAPIC windows, the HPET, PCIe ECAM, IOMMU registers, e820-reserved, ACPI
 * and EFI runtime regions (-EPERM), a range that overlaps a PCI memory BAR
 * without lying inside it (-EINVAL), and under kernel lockdown (-EPERM);
 * each refusal is logged with its reason. The guest range must be neither
 * RAM nor mapped already. Frames in the read-only MMIO set get no write
 * permission.
 */
struct thinvmx_map_mmio {
	__u64 gfn;
	__u64 mfn;
	__u64 nr_frames;
	__u64 reserved[2];	/* zero */
};

/*
 * THINVMX_GET_DOMAIN_INFO: sizes and counters of a domain.
 *
 * THINVMX_INFO_NX_HUGE_PAGES: the domain was created with the module
 * parameter nx_huge_pages on (iTLB multihit, CVE-2018-12207): no 2 MiB or
 * 1 GiB leaf of its EPT allows instruction fetches, and a fetch splits
 * the leaf down to 4 KiB (counted in nx_huge_splits, the leaves split).
 */
#define THINVMX_INFO_NX_HUGE_PAGES	_BITULL(0)

struct thinvmx_domain_info {
	__u32 id;
	__u32 nr_vcpus;
	__u64 ram_pages;		/* guest RAM, 4 KiB frames */
	__u64 ept_table_pages;		/* EPT paging-structure pages */
	__u64 ept_leaves_4k;		/* leaves of each size */
	__u64 ept_leaves_2m;
	__u64 ept_leaves_1g;
	__u64 mem_access_violations;	/* reported to the VMM */
	__u64 logdirty_faults;
	__u64 ram_ro_writes_discarded;	/* one per write access: each */
	__u64 mmio_ro_writes_discarded;	/* iteration of a REP string write */
	__u64 l1d_flushes;		/* before VM entries (L1TF) */
	__u64 nx_huge_splits;		/* superpage leaves split by fetches */
	__u64 flags;			/* THINVMX_INFO_* */
	__u64 reserved[5];
};

static_assert(sizeof(struct thinvmx_mem_range) == 40,
	      "struct thinvmx_mem_range layout");
static_assert(sizeof(struct thinvmx_mem_query) == 32,
	      "struct thinvmx_mem_query layout");
static_assert(sizeof(struct thinvmx_type_change) == 24,
	      "struct thinvmx_type_change layout");
static_assert(sizeof(struct thinvmx_dirty_log) == 48,
	      "struct thinvmx_dirty_log layout");
static_assert(sizeof(struct thinvmx_map_mmio) == 40,
	      "struct thinvmx_map_mmio layout");
static_assert(sizeof(struct thinvmx_domain_info) == 8 + 12 * 8 + 40,
	      "struct thinvmx_domain_info layout");

#define THINVMX_SET_MEM_TYPE \
	_IOW(THINVMX_IOC_MAGIC, 0x07, struct thinvmx_mem_range)
#define THINVMX_SET_MEM_ACCESS \
	_IOW(THINVMX_IOC_MAGIC, 0x08, struct thinvmx_mem_range)
#define THINVMX_GET_MEM_ACCESS \
	_IOWR(THINVMX_IOC_MAGIC, 0x09, struct thinvmx_mem_query)
#define THINVMX_CHANGE_TYPE_GLOBAL \
	_IOW(THINVMX_IOC_MAGIC, 0x0a, struct thinvmx_type_change)
#define THINVMX_DIRTY_LOG \
	_IOW(THINVMX_IOC_MAGIC, 0x0b, struct thinvmx_dirty_log)
#define THINVMX_MAP_MMIO \
	_IOW(THINVMX_IOC_MAGIC, 0x0c, struct thinvmx_map_mmio)
#define THINVMX_GET_DOMAIN_INFO \
	_IOR(THINVMX_IOC_MAGIC, 0x0d, struct thinvmx_domain_info)

/*
 * THINVMX_SIGNAL_MSI: the VMM raises an interrupt (an I/O APIC's or a
 * device's) as an MSI message, in a THINVMX_DOMAIN_LAPIC domain: address
 * 0xfee00000 | destination APIC ID << 12 | logical << 2 (bit 3, the
 * redirection hint, is ignored); data = vector | delivery mode << 8
 * (fixed 0, lowest priority 1 -- the first APIC that matches --, NMI 4,
 * INIT 5) | level << 14 | level-triggered << 15. Returns how many vCPUs it
 * reached (0 when none matched or their APICs are disabled), -EINVAL for
 * another address, nonzero flags or reserved, or a domain without the
 * in-module APIC.
 */
struct thinvmx_msi {
	__u64 address;
	__u32 data;
	__u32 flags;		/* zero */
	__u64 reserved[2];	/* zero */
};

static_assert(sizeof(struct thinvmx_msi) == 32, "struct thinvmx_msi layout");

#define THINVMX_SIGNAL_MSI	_IOW(THINVMX_IOC_MAGIC, 0x0f, struct thinvmx_msi)

/*
 * Read-only MMIO: host frames every guest may read but never write (the
 * MSI-X tables and PBAs of devices whose MMIO a domain maps, plus ranges
 * an administrator adds). A frame stays read-only until its last user
 * goes. Adding or removing a range re-applies every MMIO_DIRECT mapping of
 * every domain before the ioctl returns.
 */
#define THINVMX_PCI_SBDF(seg, bus, dev, fn) \
	(((__u32)(seg) << 16) | ((__u32)(bus) << 8) | ((dev) << 3) | (fn))

/*
 * THINVMX_ASSIGN_DEVICE_BAR (root only): map a memory BAR of a device
 * assigned to this domain with THINVMX_ASSIGN_DEVICE (so its DMA is
 * confined by the IOMMU, or allow_unsafe_assignment was set) at guest
 * frame gfn, its MSI-X table and PBA made read-only first. Any other
 * device is refused with -EPERM and a rate-limited kernel message naming
 * it (a guest programs a device's DMA through its BARs); -EEXIST if a BAR
 * of the device is mapped for the domain already. THINVMX_DEASSIGN_DEVICE
 * and the domain's death drop the table and PBA from the read-only set;
 * THINVMX_DEASSIGN_DEVICE also unmaps every memory BAR of the device from
 * the domain (those guest frames become emulated MMIO).
 */
struct thinvmx_device_bar {
	__u32 sbdf;		/* THINVMX_PCI_SBDF() */
	__u32 bar;		/* 0-5 */
	__u64 gfn;		/* where the BAR's first frame goes */
	__u64 reserved[2];	/* zero */
};

/* THINVMX_RO_ADD / THINVMX_RO_REMOVE (root only): an administrator's range. */
struct thinvmx_ro_range {
	__u64 first_mfn;
	__u64 last_mfn;		/* inclusive */
	__u64 reserved[2];	/* zero */
};

/* What a read-only range serves: struct thinvmx_ro_entry.kind */
#define THINVMX_RO_ADMIN		1
#define THINVMX_RO_MSIX_TABLE		2
#define THINVMX_RO_MSIX_PBA		3

struct thinvmx_ro_entry {
	__u64 first_mfn;
	__u64 last_mfn;		/* inclusive */
	__u32 kind;		/* THINVMX_RO_* */
	__u32 sbdf;		/* MSIX kinds: the device */
	__u32 domain;		/* MSIX kinds: the domain it was assigned to */
	__u32 users;		/* users of first_mfn in the whole set */
};

/*
 * THINVMX_RO_LIST (root only): one entry per registration (an administrator's range,
 * a device's table or PBA for one domain). Fills at most max; nr is the
 * full count.
 */
struct thinvmx_ro_list {
	__u64 entries;		/* user pointer to struct thinvmx_ro_entry[] */
	__u32 max;
	__u32 nr;		/* out */
	__u64 reserved[2];	/* zero */
};

/* THINVMX_PCI_MSIX_INFO (root only): how thinvmx decodes a device's MSI-X. */
struct thinvmx_msix_info {
	__u32 sbdf;		/* in */
	__u16 nr_entries;	/* out: table entries */
	__u8 table_bir;
	__u8 pba_bir;
	__u32 table_offset;
	__u32 pba_offset;
	__u64 table_first_mfn;
	__u64 table_last_mfn;
	__u64 pba_first_mfn;
	__u64 pba_last_mfn;
	__u64 reserved[2];	/* zero */
};

static_assert(sizeof(struct thinvmx_device_bar) == 32,
	      "struct thinvmx_device_bar layout");
static_assert(sizeof(struct thinvmx_ro_range) == 32,
	      "struct thinvmx_ro_range layout");
static_assert(sizeof(struct thinvmx_ro_entry) == 32,
	      "struct thinvmx_ro_entry layout");
static_assert(sizeof(struct thinvmx_ro_list) == 32,
	      "struct thinvmx_ro_list layout");
static_assert(sizeof(struct thinvmx_msix_info) == 64,
	      "struct thinvmx_msix_info layout");

#define THINVMX_ASSIGN_DEVICE_BAR \
	_IOW(THINVMX_IOC_MAGIC, 0x0e, struct thinvmx_device_bar)
#define THINVMX_RO_ADD		_IOW(THINVMX_IOC_MAGIC, 0x20, struct thinvmx_ro_range)
#define THINVMX_RO_REMOVE	_IOW(THINVMX_IOC_MAGIC, 0x21, struct thinvmx_ro_range)
#define THINVMX_RO_LIST		_IOWR(THINVMX_IOC_MAGIC, 0x22, struct thinvmx_ro_list)
#define THINVMX_PCI_MSIX_INFO	_IOWR(THINVMX_IOC_MAGIC, 0x23, struct thinvmx_msix_info)

/*
 * THINVMX_ASSIGN_DEVICE (root only): give a PCI function to the domain.
 * Refused unless no host driver is bound to it or it is bound to pci-stub
 * or vfio-pci (-EBUSY), if a memory BAR of it is smaller than a page or
 * not page aligned (-EINVAL), if it is assigned already (-EEXIST) or
 * shares its IOMMU group with another device (-EBUSY). Its DMA is then
 * confined by an IOMMU domain holding exactly the domain's guest RAM at
 * guest-physical addresses. A device no IOMMU covers is refused (-EPERM)
 * unless the module parameter allow_unsafe_assignment is set, which
 * taints the kernel. Its memory BARs become what THINVMX_MAP_MMIO may map
 * for the domain. Each refusal is logged with its reason.
 *
 * THINVMX_DEASSIGN_DEVICE: give it back (-ENOENT if the domain does not
 * have it), with what THINVMX_ASSIGN_DEVICE_BAR registered for it, and
 * unmap its memory BARs from the domain (MAP_MMIO or ASSIGN_DEVICE_BAR
 * mappings alike: the guest no longer reaches the device); the domain's
 * death does the same for every device it has.
 */
struct thinvmx_assign_device {
	__u32 sbdf;		/* THINVMX_PCI_SBDF() */
	__u32 flags;		/* zero */
	__u64 reserved[2];	/* zero */
};

/*
 * THINVMX_IOMMU_PROBE (root only): build, attach, read back and tear
 * down the IOMMU domain THINVMX_ASSIGN_DEVICE would build for a device,
 * with guest RAM made of the caller's own pages: nr_pages pages from
 * user address addr at guest-physical gpa. Reports what the IOMMU
 * translates each of those guest pages to (hpa[], nr_pages entries) and
 * the page before and after them (0: not mapped). Checks the device as
 * THINVMX_ASSIGN_DEVICE does; needs no VMX and no domain, so that hosts
 * without VMX can check device assignment. -ENODEV if no IOMMU covers the
 * device.
 */
struct thinvmx_iommu_probe {
	__u32 sbdf;		/* in */
	__u32 nr_pages;		/* in: 1 to 512 */
	__u64 addr;		/* in: user address, page aligned */
	__u64 gpa;		/* in: page aligned */
	__u64 hpa;		/* in: user pointer to __u64[nr_pages], out */
	__u64 hpa_before;	/* out: translation of gpa - 4096 */
	__u64 hpa_after;	/* out: of gpa + nr_pages * 4096 */
	__u64 reserved[2];	/* zero */
};

static_assert(sizeof(struct thinvmx_assign_device) == 24,
	      "struct thinvmx_assign_device layout");
static_assert(sizeof(struct thinvmx_iommu_probe) == 64,
	      "struct thinvmx_iommu_probe layout");

#define THINVMX_ASSIGN_DEVICE \
	_IOW(THINVMX_IOC_MAGIC, 0x40, struct thinvmx_assign_device)
#define THINVMX_DEASSIGN_DEVICE \
	_IOW(THINVMX_IOC_MAGIC, 0x41, struct thinvmx_assign_device)
#define THINVMX_IOMMU_PROBE \
	_IOWR(THINVMX_IOC_MAGIC, 0x42, struct thinvmx_iommu_probe)

/*
 * Host mode: the running host itself becomes a VMX guest of thinvmx on
 * every online CPU (DESIGN.md, "Host mode"). THINVMX_HOST_ENABLE: -EBUSY
 * when it is on already, while guest domains exist, or when another
 * hypervisor holds VMX; -EOPNOTSUPP without usable VMX.
 * THINVMX_HOST_DISABLE: -EINVAL when it is off. All four need
 * CAP_SYS_ADMIN (-EPERM).
 *
 * Guard policies (module parameters host_pin_cr, host_pin_msr; the
 * netlink command THINVMX_CMD_HOST_POLICY), enforced on every CPU while
 * host mode is on:
 * - PIN_CR: a MOV to CR4 clearing SMEP, SMAP or UMIP, or to CR0 clearing
 *   WP, of those that were set when the policy came on, is done with
 *   those bits kept set; the rest of the write happens.
 * - PIN_MSR: a WRMSR changing LSTAR, STAR, CSTAR, SYSCALL_MASK (FMASK)
 *   or SYSENTER_CS/ESP/EIP -- where a system call enters the kernel -- is
 *   dropped: the instruction completes without effect, no #GP. A #GP in
 *   kernel code that used wrmsrl() rather than wrmsrl_safe() is an oops
 *   (or a panic with panic_on_oops), which would turn a refused attack
 *   into a denial of service; a write of the value the MSR holds is done.
 * Each refusal is counted (cr_pin_refused, msr_pin_refused) and, while a
 * listener is attached, reported as a CR or MSR event with
 * THINVMX_EVENT_F_DENIED (regs.rip: who tried; vcpu: the CPU), whatever
 * the listener monitors.
 *
 * THINVMX_HOST_ATTACH: the host's one listener (-EBUSY while another is
 * attached), with the domain listener's ABI (uapi/thinvmx_introspect.h):
 * a ring pair per possible CPU (nr_vcpus out: CPU ids 0..nr_vcpus-1;
 * nr_vcpus in must be 0), SET_MONITOR/GET_MONITOR for CR0, CR3, CR4,
 * INT3, MSR and RO_MMIO_WRITE (MEM_ACCESS: -EINVAL). Async only: a sync
 * mode gets -EOPNOTSUPP, because the CPU that would wait for the answer is
 * a host CPU, in any context (interrupts off, any lock held), and the
 * daemon that answers may need that very CPU or lock. A full ring
 * therefore drops the event, counted in its header's lost (and in
 * events_lost), never silently. The host's own INT3s (kprobes, text
 * patching, debuggers) are always delivered to its #BP handler after the
 * event. Closing the fd turns every kind off on every CPU. Works with
 * host mode on or off (events come while it is on).
 */
#define THINVMX_HOST_ON			_BITUL(0)  /* host mode is on */
#define THINVMX_HOST_PIN_CR		_BITUL(1)  /* CR pinning policy on */
#define THINVMX_HOST_PIN_MSR		_BITUL(2)  /* MSR pinning policy on */
#define THINVMX_HOST_LISTENER		_BITUL(3)  /* a host listener is attached */

/* struct thinvmx_host_status.exits[]: VM exits by kind, summed over CPUs */
#define THINVMX_HOST_EXIT_CPUID		0
#define THINVMX_HOST_EXIT_XSETBV	1
#define THINVMX_HOST_EXIT_INVD		2
#define THINVMX_HOST_EXIT_GETSEC	3
#define THINVMX_HOST_EXIT_VMX_INSN	4  /* refused with #UD */
#define THINVMX_HOST_EXIT_VMCALL	5  /* the module's own (turning off) */
#define THINVMX_HOST_EXIT_MSR_READ	6
#define THINVMX_HOST_EXIT_MSR_WRITE	7
#define THINVMX_HOST_EXIT_CR		8
#define THINVMX_HOST_EXIT_EPT		9  /* EPT violation or misconfiguration */
#define THINVMX_HOST_EXIT_OTHER		10 /* anything else (counted, resumed) */
#define THINVMX_HOST_EXIT_EXCEPTION	11 /* #BP, while INT3 events are on */
#define THINVMX_HOST_EXIT_NMI		12 /* an NMI while the host ran (re-delivered) */
#define THINVMX_HOST_EXIT_NMI_WINDOW	13 /* the host can take a pending NMI */
#define THINVMX_HOST_EXIT_HYPERCALL	14 /* the module's own, but turning off */
#define THINVMX_HOST_EXIT_MAX		16

struct thinvmx_host_status {
	__u32 flags;		/* THINVMX_HOST_* */
	__u32 nr_cpus_on;	/* CPUs running as guests now */
	__u64 cpus_on;		/* bit n: CPU n (n < 64) runs as a guest */
	__u64 enables;		/* times host mode was turned on */
	__u64 disables;		/* times it was turned off */
	__u64 ept_pages;	/* pages of the identity EPT, 0 when off */
	__u64 ept_leaves_1g;	/* leaves of the identity EPT by size */
	__u64 ept_leaves_2m;
	__u64 ept_leaves_4k;
	__u64 exits[THINVMX_HOST_EXIT_MAX];	/* THINVMX_HOST_EXIT_* */
	/*
	 * MSI-X tables and PBAs of the host's devices, and administrator
	 * ranges of the read-only set, are read-only to the host: its
	 * writes there (each also an EPT exit) by outcome, summed over CPUs.
	 */
	__u64 msix_written;	/* table writes the validator passed: done */
	__u64 msix_refused;	/* table writes refused: discarded */
	__u64 msix_pba;		/* PBA writes: discarded */
	__u64 msix_passed;	/* beside a table in its frame: done as asked */
	__u64 msix_undecoded;	/* not a plain MOV store: #GP, nothing done */
	__u32 msix_regions;	/* tables, PBAs and ranges covered now */
	__u32 msix_frames;	/* frames read-only to the host now */
	__u64 cr_pin_refused;	/* CR writes PIN_CR kept the bits set in */
	__u64 msr_pin_refused;	/* WRMSRs PIN_MSR dropped */
	__u64 events;		/* host events written into the rings */
	__u64 events_lost;	/* host events a full ring dropped */
	__u64 stolen_pages;	/* frames the host cannot write (hypervisor's) */
	__u64 refused;		/* host accesses to them refused (page fault) */
	__u64 nmis;		/* NMIs re-delivered to the host (injected) */
	__u64 root_faults;	/* exceptions in root mode: bugs (logged) */
	/*
	 * NMIs (exits[THINVMX_HOST_EXIT_NMI] counts those that came while
	 * the host ran): each is re-delivered once, injected (nmis) or as
	 * the CPU leaves host mode (nmi_leave), or dropped where a CPU
	 * without thinvmx would have dropped it too (nmi_dropped).
	 */
	__u64 nmi_root;		/* NMIs that came while root mode ran */
	__u64 nmi_leave;	/* re-delivered as a CPU left host mode */
	__u64 nmi_dropped;	/* a third while two were held */
	__u64 reserved[5];	/* zero */
};

static_assert(sizeof(struct thinvmx_host_status) == 64 + 16 * 8 + 48 + 32 + 32 + 64,
	      "struct thinvmx_host_status layout");

#define THINVMX_HOST_ENABLE	_IO(THINVMX_IOC_MAGIC, 0x50)
#define THINVMX_HOST_DISABLE	_IO(THINVMX_IOC_MAGIC, 0x51)
#define THINVMX_HOST_STATUS \
	_IOR(THINVMX_IOC_MAGIC, 0x52, struct thinvmx_host_status)
#define THINVMX_HOST_ATTACH \
	_IOWR(THINVMX_IOC_MAGIC, 0x53, struct thinvmx_attach_monitor)

/* vCPU registers */
struct thinvmx_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
};

static_assert(sizeof(struct thinvmx_regs) == 18 * 8,
	      "struct thinvmx_regs layout");

/*
 * A segment register as VMX holds it: ar is the access-rights field of the
 * VMCS (SDM 25.4.1: type, S, DPL, P in bits 7:0, AVL, L, D/B, G in 15:12,
 * bit 16 = unusable).
 */
struct thinvmx_segment {
	__u64 base;
	__u32 limit;
	__u32 ar;
	__u16 selector;
	__u16 pad[3];		/* zero */
};

struct thinvmx_dtable {
	__u64 base;
	__u16 limit;
	__u16 pad[3];		/* zero */
};

struct thinvmx_sregs {
	struct thinvmx_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct thinvmx_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, efer;
	__u64 reserved[4];	/* zero */
};

static_assert(sizeof(struct thinvmx_segment) == 24,
	      "struct thinvmx_segment layout");
static_assert(sizeof(struct thinvmx_sregs) == 8 * 24 + 2 * 16 + 9 * 8,
	      "struct thinvmx_sregs layout");

#define THINVMX_RUN		_IO(THINVMX_IOC_MAGIC, 0x10)
#define THINVMX_GET_REGS	_IOR(THINVMX_IOC_MAGIC, 0x11, struct thinvmx_regs)
#define THINVMX_SET_REGS	_IOW(THINVMX_IOC_MAGIC, 0x12, struct thinvmx_regs)
#define THINVMX_GET_SREGS	_IOR(THINVMX_IOC_MAGIC, 0x13, struct thinvmx_sregs)
#define THINVMX_SET_SREGS	_IOW(THINVMX_IOC_MAGIC, 0x14, struct thinvmx_sregs)

/* struct thinvmx_run.exit_reason: why THINVMX_RUN returned */
#define THINVMX_EXIT_NONE		0  /* a signal interrupted RUN (-EINTR) */
#define THINVMX_EXIT_HLT		1
#define THINVMX_EXIT_IO			2
#define THINVMX_EXIT_MMIO		3
#define THINVMX_EXIT_SHUTDOWN		4  /* triple fault: the vCPU is stopped */
#define THINVMX_EXIT_INTERNAL_ERROR	5  /* nothing handled the exit: stopped */
#define THINVMX_EXIT_FAIL_ENTRY		6  /* VM entry failed: stopped */
#define THINVMX_EXIT_MEM_ACCESS		7  /* an access right was violated */
#define THINVMX_EXIT_MMIO_INSN		8  /* MMIO by an instruction not emulated */
#define THINVMX_EXIT_EOI		9  /* a level-triggered interrupt's EOI */

/* struct thinvmx_run.mem_access.flags */
#define THINVMX_MEM_ACCESS_GLA_VALID	_BITUL(0)  /* gla holds the linear address */
#define THINVMX_MEM_ACCESS_IN_WALK	_BITUL(1)  /* the CPU's own page walk */

#define THINVMX_IO_IN			0
#define THINVMX_IO_OUT			1

/*
 * The page mmap'd from a vCPU fd. The module writes it before RUN returns;
 * for IN and MMIO reads the VMM writes data before the next RUN, which
 * completes the instruction.
 */
struct thinvmx_run {
	__u32 exit_reason;		/* THINVMX_EXIT_* */
	__u32 pad;
	union {
		/* THINVMX_EXIT_IO */
		struct {
			__u16 port;
			__u8 size;		/* 1, 2 or 4 */
			__u8 direction;		/* THINVMX_IO_* */
			__u32 pad;
			__u64 data;		/* OUT: value; IN: VMM writes */
		} io;
		/* THINVMX_EXIT_MMIO */
		struct {
			__u64 gpa;
			__u64 data;		/* write: value; read: VMM writes */
			__u8 size;		/* 1, 2, 4 or 8 */
			__u8 is_write;
			__u8 pad[6];
		} mmio;
		/*
		 * THINVMX_EXIT_MEM_ACCESS: RUN again retries the access,
		 * with whatever right the VMM set meanwhile (an automatic
		 * RX2RW/N2RWX step is already done).
		 */
		struct {
			__u64 gpa;
			__u64 gla;		/* valid if GLA_VALID */
			__u8 attempted;		/* R = 1, W = 2, X = 4 */
			__u8 access;		/* THINVMX_ACCESS_* now */
			__u8 type;		/* THINVMX_P2M_* */
			__u8 flags;		/* THINVMX_MEM_ACCESS_* */
			__u32 pad;
		} mem_access;
		/*
		 * THINVMX_EXIT_MMIO_INSN: an instruction thinvmx does not
		 * emulate (it decodes the forms compilers emit for device
		 * registers: MOV, the read-modify-write and exchange forms,
		 * the string forms) accessed emulated MMIO at @gpa. Nothing of it
		 * was done and RIP is still on it: the VMM emulates it from
		 * its bytes (SET_REGS, RIP moved past it), or RUN again
		 * executes it again. The vCPU is not stopped.
		 */
		struct {
			__u64 gpa;
			__u64 rip;		/* RIP of the instruction */
			__u8 len;		/* bytes fetched at RIP, 0-15 */
			__u8 pad[7];
			__u8 insn[16];
		} mmio_insn;
		/*
		 * THINVMX_EXIT_EOI (THINVMX_DOMAIN_LAPIC): the guest's EOI
		 * ended a level-triggered interrupt (a THINVMX_SIGNAL_MSI
		 * with the trigger bit): the VMM's I/O APIC clears the
		 * remote IRR of its pins with @vector and raises again those
		 * still asserted. The EOI is done; RUN goes on after it.
		 */
		struct {
			__u8 vector;
			__u8 pad[7];
		} eoi;
		/* THINVMX_EXIT_INTERNAL_ERROR and THINVMX_EXIT_FAIL_ENTRY */
		struct {
			__u32 vmx_exit_reason;	/* full basic exit reason */
			__u32 suberror;		/* THINVMX_INTERNAL_* */
			__u64 qualification;
			__u64 guest_rip;
		} internal;
		__u64 pad_union[32];
	};
	__u64 exits;			/* VM exits of this vCPU so far */
};

#define THINVMX_INTERNAL_UNHANDLED_EXIT	1
#define THINVMX_INTERNAL_EMULATION	2  /* an instruction thinvmx cannot emulate */
#define THINVMX_INTERNAL_BAD_STATE	3  /* entry failed on invalid guest state */

static_assert(sizeof(struct thinvmx_run) == 8 + 256 + 8,
	      "struct thinvmx_run layout");

/* Introspection: monitor settings, event rings, trap injection */
#include "thinvmx_introspect.h"

#endif /* _UAPI_LINUX_THINVMX_H */
