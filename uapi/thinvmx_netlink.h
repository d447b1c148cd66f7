/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * thinvmx generic netlink family: the control plane beside /dev/thinvmx,
 * for administrators and monitoring tools (thinvmx-ctl, lib/nl.c).
 *
 * Family THINVMX_GENL_NAME, version THINVMX_GENL_VERSION, in the initial
 * network namespace only. Attributes are validated strictly: an unknown
 * attribute, a wrong length, an attribute a request does not take or a
 * missing one is refused with -EINVAL (-ENOENT for a domain that does not
 * exist) and an extended-ack message naming it.
 *
 *   command                       request               reply (one message
 *                                                       per object for dumps)
 *   THINVMX_CMD_GET_CAPS          do                    THINVMX_A_CAPS_*
 *   THINVMX_CMD_GET_DOMAIN        do: DOMAIN_ID         THINVMX_A_DOMAIN_*
 *                                 dump: -               every domain
 *   THINVMX_CMD_GET_STATS         do: DOMAIN_ID         DOMAIN_ID, THINVMX_A_STATS_*
 *                                 dump: -               every domain
 *   THINVMX_CMD_RO_LIST           dump: -               THINVMX_A_RO_*, one per
 *                                                       registration (RO_LIST ioctl)
 *   THINVMX_CMD_RO_ADD            do: RO_FIRST_MFN,     ack; CAP_NET_ADMIN and
 *   THINVMX_CMD_RO_REMOVE             RO_LAST_MFN       CAP_SYS_ADMIN (as the
 *                                                       RO_ADD/RO_REMOVE ioctls)
 *   THINVMX_CMD_MMIO_ALLOW_LIST   dump: -               THINVMX_A_MMIO_*, one per
 *                                                       range; CAP_NET_ADMIN
 *   THINVMX_CMD_MMIO_ALLOW_ADD    do: MMIO_FIRST_MFN,   ack; CAP_NET_ADMIN and
 *   THINVMX_CMD_MMIO_ALLOW_REMOVE     MMIO_LAST_MFN     CAP_SYS_ADMIN
 *   THINVMX_CMD_HOST_GET_POLICY   do: -                 THINVMX_A_HOST_*;
 *                                                       CAP_NET_ADMIN
 *   THINVMX_CMD_HOST_SET_POLICY   do: HOST_PIN_CR and/  ack; CAP_NET_ADMIN and
 *                                 or HOST_PIN_MSR       CAP_SYS_ADMIN
 *
 * Host mode's guard policies (uapi/thinvmx.h, THINVMX_HOST_PIN_*): on (1)
 * or off (0), each applied on every CPU at once, whether host mode is on
 * or not (then at its next enable); an attribute left out keeps its
 * policy. PIN_CR pins the bits that are set when it comes on.
 *
 * The MMIO allow-list: host frames any domain may map with THINVMX_MAP_MMIO
 * besides its assigned devices' memory BARs. An add is refused (-EPERM)
 * for RAM, the local APIC and IOAPIC windows, the HPET, PCIe ECAM, IOMMU
 * registers, e820-reserved, ACPI and EFI runtime regions, and under kernel
 * lockdown; (-EINVAL) for a range that overlaps a PCI memory BAR without
 * lying inside it; -EEXIST for a range on the list already. A remove
 * names the frames of an add exactly (-ENOENT otherwise) and leaves the
 * mappings made meanwhile in place.
 *
 * Reading needs no privilege. Notifications go to the multicast group
 * THINVMX_GENL_MCGRP_NOTIFY, which only CAP_SYS_ADMIN may join:
 *
 *   THINVMX_CMD_DOMAIN_CREATED      DOMAIN_ID, DOMAIN_OWNER, DOMAIN_MEM_BYTES
 *   THINVMX_CMD_DOMAIN_DESTROYED    DOMAIN_ID, DOMAIN_OWNER, DOMAIN_MEM_BYTES
 *   THINVMX_CMD_LISTENER_ATTACHED   DOMAIN_ID, DOMAIN_OWNER, DOMAIN_LISTENER = 1
 *   THINVMX_CMD_LISTENER_DETACHED   DOMAIN_ID, DOMAIN_OWNER, DOMAIN_LISTENER = 0
 *
 * 64-bit attributes may be preceded by a THINVMX_A_PAD (THINVMX_A_STAT_PAD
 * in a stats entry) for alignment; readers skip it.
 */
#ifndef _UAPI_LINUX_THINVMX_NETLINK_H
#define _UAPI_LINUX_THINVMX_NETLINK_H

#define THINVMX_GENL_NAME		"thinvmx"
#define THINVMX_GENL_VERSION		1
#define THINVMX_GENL_MCGRP_NOTIFY	"notify"

enum thinvmx_nl_cmd {
	THINVMX_CMD_UNSPEC,
	THINVMX_CMD_GET_CAPS,
	THINVMX_CMD_GET_DOMAIN,
	THINVMX_CMD_GET_STATS,
	THINVMX_CMD_RO_LIST,
	THINVMX_CMD_RO_ADD,
	THINVMX_CMD_RO_REMOVE,
	THINVMX_CMD_DOMAIN_CREATED,	/* notifications */
	THINVMX_CMD_DOMAIN_DESTROYED,
	THINVMX_CMD_LISTENER_ATTACHED,
	THINVMX_CMD_LISTENER_DETACHED,
	THINVMX_CMD_MMIO_ALLOW_LIST,
	THINVMX_CMD_MMIO_ALLOW_ADD,
	THINVMX_CMD_MMIO_ALLOW_REMOVE,
	THINVMX_CMD_HOST_GET_POLICY,
	THINVMX_CMD_HOST_SET_POLICY,

	__THINVMX_CMD_MAX,
	THINVMX_CMD_MAX = __THINVMX_CMD_MAX - 1
};

/*
 * THINVMX_A_DOMAIN_STATE. RUNNING counts a vCPU inside THINVMX_RUN, also
 * while its thread is preempted there (and, briefly, one inside a register
 * ioctl).
 */
#define THINVMX_DOMAIN_STATE_IDLE	0  /* no vCPU inside THINVMX_RUN */
#define THINVMX_DOMAIN_STATE_RUNNING	1  /* a vCPU is inside THINVMX_RUN */
#define THINVMX_DOMAIN_STATE_STOPPED	2  /* every vCPU stopped (shutdown, error) */

enum thinvmx_nl_attr {
	THINVMX_A_UNSPEC,
	THINVMX_A_PAD,

	/* domains */
	THINVMX_A_DOMAIN_ID,		/* u32: request and reply */
	THINVMX_A_DOMAIN_OWNER,		/* u32: pid (tgid) of the creator */
	THINVMX_A_DOMAIN_NR_VCPUS,	/* u32 */
	THINVMX_A_DOMAIN_MEM_BYTES,	/* u64: guest RAM */
	THINVMX_A_DOMAIN_STATE,		/* u32: THINVMX_DOMAIN_STATE_* */
	THINVMX_A_DOMAIN_LISTENER,	/* u8: an introspection listener is attached */

	/* statistics, summed over the domain's vCPUs */
	THINVMX_A_STATS_EXITS,		/* nest of THINVMX_A_STAT: REASON, COUNT */
	THINVMX_A_STATS_EVENTS,		/* nest of THINVMX_A_STAT: REASON, SYNC, COUNT */
	THINVMX_A_STATS_EXITS_TOTAL,	/* u64 */
	THINVMX_A_STATS_RING_WAITS,	/* u64: waits for room in an event ring */
	THINVMX_A_STATS_TRAPS_INJECTED,	/* u64 */
	THINVMX_A_STATS_MEM_ACCESS_VIOLATIONS,		/* u64 */
	THINVMX_A_STATS_LOGDIRTY_FAULTS,		/* u64 */
	THINVMX_A_STATS_RAM_RO_WRITES_DISCARDED,	/* u64 */
	THINVMX_A_STATS_MMIO_RO_WRITES_DISCARDED,	/* u64 */

	/* the read-only MMIO set (struct thinvmx_ro_entry) */
	THINVMX_A_RO_FIRST_MFN,		/* u64: request and reply */
	THINVMX_A_RO_LAST_MFN,		/* u64, inclusive: request and reply */
	THINVMX_A_RO_KIND,		/* u32: THINVMX_RO_* */
	THINVMX_A_RO_SBDF,		/* u32: MSIX kinds */
	THINVMX_A_RO_DOMAIN,		/* u32: MSIX kinds */
	THINVMX_A_RO_USERS,		/* u32: users of FIRST_MFN in the set */

	/* capabilities: what THINVMX_GET_CAPABILITIES reports */
	THINVMX_A_CAPS_VMX_STATUS,	/* u32: THINVMX_VMX_* */
	THINVMX_A_CAPS_FEATURES,	/* u64: THINVMX_FEAT_* */
	THINVMX_A_CAPS_NR_CPUS,		/* u32 */
	THINVMX_A_CAPS_VMCS_REVISION,	/* u32 */
	THINVMX_A_CAPS_STRUCT,		/* binary: struct thinvmx_caps, whole */

	/* the MMIO allow-list */
	THINVMX_A_MMIO_FIRST_MFN,	/* u64: request and reply */
	THINVMX_A_MMIO_LAST_MFN,	/* u64, inclusive: request and reply */

	/* host mode's guard policies */
	THINVMX_A_HOST_PIN_CR,		/* u8, 0 or 1: request and reply */
	THINVMX_A_HOST_PIN_MSR,		/* u8, 0 or 1: request and reply */
	THINVMX_A_HOST_CR_PIN_REFUSED,	/* u64: reply */
	THINVMX_A_HOST_MSR_PIN_REFUSED,	/* u64: reply */

	__THINVMX_A_MAX,
	THINVMX_A_MAX = __THINVMX_A_MAX - 1
};

/* Inside THINVMX_A_STAT (in THINVMX_A_STATS_EXITS and _EVENTS) */
#define THINVMX_A_STAT			1

enum thinvmx_nl_stat_attr {
	THINVMX_A_STAT_UNSPEC,
	THINVMX_A_STAT_PAD,
	THINVMX_A_STAT_REASON,		/* u32: basic exit reason, THINVMX_EVENT_* */
	THINVMX_A_STAT_SYNC,		/* u8: events: 1 sync, 0 async */
	THINVMX_A_STAT_COUNT,		/* u64 */

	__THINVMX_A_STAT_MAX,
	THINVMX_A_STAT_MAX = __THINVMX_A_STAT_MAX - 1
};

#endif /* _UAPI_LINUX_THINVMX_NETLINK_H */
