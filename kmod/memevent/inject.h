/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trap injection (DESIGN.md, "Monitor events and trap injection"): the
 * checks of a listener's THINVMX_INJECT_TRAP, its encoding as VM-entry
 * event injection, and its combination with an event the vCPU was
 * delivering when it left the guest. Pure logic (inject.c), shared with
 * the host unit tests (selftests/unit/test_inject.c); the VMCS reads and
 * writes stay in the glue.
 */
#ifndef _THINVMX_MEMEVENT_INJECT_H
#define _THINVMX_MEMEVENT_INJECT_H

#include "../pure.h"
#include "../../uapi/thinvmx.h"

/*
 * VM-entry interruption-information field (SDM Vol. 3, 25.8.3); the
 * IDT-vectoring information field has the same layout (25.9.3), with bit
 * 12 undefined.
 */
#define INJECT_INFO_VECTOR		GENMASK(7, 0)
#define INJECT_INFO_TYPE_SHIFT		8
#define INJECT_INFO_TYPE		GENMASK(10, 8)
#define INJECT_INFO_DELIVER_CODE	BIT(11)
#define INJECT_INFO_VALID		BIT(31)

/* Interruption types, bits 10:8 */
#define INJECT_TYPE_EXT_INTR		0
#define INJECT_TYPE_NMI			2
#define INJECT_TYPE_HW_EXCEPTION	3
#define INJECT_TYPE_SW_INTR		4
#define INJECT_TYPE_PRIV_SW_EXCEPTION	5	/* INT1 (ICEBP) */
#define INJECT_TYPE_SW_EXCEPTION	6	/* INT3, INTO */
#define INJECT_TYPE_OTHER		7

/* Exception vectors (SDM Vol. 3, Table 6-1) the rules below name */
#define INJECT_VEC_DE			0
#define INJECT_VEC_DB			1
#define INJECT_VEC_NMI			2
#define INJECT_VEC_BP			3
#define INJECT_VEC_OF			4
#define INJECT_VEC_DF			8
#define INJECT_VEC_CSO			9	/* reserved since the 486 */
#define INJECT_VEC_TS			10
#define INJECT_VEC_NP			11
#define INJECT_VEC_SS			12
#define INJECT_VEC_GP			13
#define INJECT_VEC_PF			14
#define INJECT_VEC_RESERVED15		15
#define INJECT_VEC_AC			17
#define INJECT_VEC_MC			18
#define INJECT_VEC_VE			20
#define INJECT_VEC_CP			21
#define INJECT_NR_EXCEPTIONS		32

#define INJECT_INSN_LEN_MAX		15

/* One event, in VMCS terms. */
struct inject_event {
	u8 vector;
	u8 type;		/* INJECT_TYPE_* */
	u8 insn_len;		/* SW_INTR, PRIV_SW_EXCEPTION, SW_EXCEPTION */
	bool has_error_code;
	u32 error_code;		/* valid if has_error_code */
	bool has_cr2;
	u64 cr2;		/* valid if has_cr2: load CR2 before entry */
};

/* Double-fault classes (SDM Vol. 3, Table 6-4), and #DF itself */
enum inject_class {
	INJECT_BENIGN,
	INJECT_CONTRIBUTORY,
	INJECT_PAGE_FAULT,
	INJECT_DOUBLE_FAULT,
};

/* What inject_merge() decided; the values of THINVMX_TRAP_RESULT_* */
enum inject_result {
	INJECT_DELIVER_NEW = THINVMX_TRAP_RESULT_DELIVERED,
	INJECT_MERGED_DF = THINVMX_TRAP_RESULT_MERGED_DF,
	INJECT_WAIT = THINVMX_TRAP_RESULT_WAIT,
	INJECT_SHUTDOWN = THINVMX_TRAP_RESULT_SHUTDOWN,
};

bool inject_exception_defined(u8 vector);
bool inject_exception_has_error_code(u8 vector);
enum inject_class inject_exception_class(u8 vector);
bool inject_sets_rf(const struct inject_event *ev);

int inject_trap_check(const struct thinvmx_inject_trap *t,
		      struct inject_event *ev);
u32 inject_encode(const struct inject_event *ev, bool protected_mode,
		  u32 *error_code);
bool inject_decode(u32 info, u32 error_code, u32 insn_len,
		   struct inject_event *ev);
enum inject_result inject_merge(const struct inject_event *pending,
				const struct inject_event *new_ev,
				struct inject_event *out);

#endif /* _THINVMX_MEMEVENT_INJECT_H */
