// SPDX-License-Identifier: GPL-2.0
/*
 * Trap injection: pure logic, compiled into the module and into the host
 * unit tests (selftests/unit/test_inject.c).
 *
 * Xen's HVMOP_inject_trap (reference 002) wrote the listener's trap into
 * the VMCS at the next entry, over whatever was there; its review asked
 * what becomes of a trap that collides with an event the guest was
 * delivering. Here such an event, read back from the IDT-vectoring
 * information after the exit, is never lost: inject_merge() combines the
 * two as the CPU would have (SDM Vol. 3, 6.15, "Interrupt 8", Tables 6-4
 * and 6-5), or lets the new trap wait for the next entry.
 *
 * Checks come from the SDM: Table 6-1 for which vectors are exceptions and
 * which push an error code, 27.2.1.3 for what VM entry accepts in the
 * interruption-information, error-code and instruction-length fields. A
 * trap the CPU would refuse at VM entry is refused at the ioctl instead.
 */
#include "inject.h"

/*
 * Table 6-1: exceptions, and those that push an error code. Vector 2 is
 * NMI, an interrupt; 9 (coprocessor segment overrun) is reserved since the
 * 486, 15 and 22-31 are reserved.
 */
#define INJECT_EXC_DEFINED	(GENMASK(21, 0) & ~(BIT(INJECT_VEC_NMI) | \
				 BIT(INJECT_VEC_CSO) | BIT(INJECT_VEC_RESERVED15)))
#define INJECT_EXC_ERROR_CODE	(BIT(INJECT_VEC_DF) | BIT(INJECT_VEC_TS) | \
				 BIT(INJECT_VEC_NP) | BIT(INJECT_VEC_SS) | \
				 BIT(INJECT_VEC_GP) | BIT(INJECT_VEC_PF) | \
				 BIT(INJECT_VEC_AC) | BIT(INJECT_VEC_CP))
/* the error code of #DF and #AC is always 0 */
#define INJECT_EXC_ZERO_CODE	(BIT(INJECT_VEC_DF) | BIT(INJECT_VEC_AC))
/*
 * Table 6-4. #CP (21) is contributory since CET; #VE (20) counts as a
 * page fault. Everything else is benign, interrupts included.
 */
#define INJECT_EXC_CONTRIBUTORY	(BIT(INJECT_VEC_DE) | BIT(INJECT_VEC_TS) | \
				 BIT(INJECT_VEC_NP) | BIT(INJECT_VEC_SS) | \
				 BIT(INJECT_VEC_GP) | BIT(INJECT_VEC_CP))
#define INJECT_EXC_PAGE_FAULT	(BIT(INJECT_VEC_PF) | BIT(INJECT_VEC_VE))

/* Table 6-1's classes other than fault: traps #DB, #BP, #OF; aborts #DF, #MC */
#define INJECT_EXC_NOT_FAULT	(BIT(INJECT_VEC_DB) | BIT(INJECT_VEC_BP) | \
				 BIT(INJECT_VEC_OF) | BIT(INJECT_VEC_DF) | \
				 BIT(INJECT_VEC_MC))

/* 27.2.1.3: with bit 11 set, bits 31:16 of the error code must be 0 */
#define INJECT_ERROR_CODE_MAX	0xffff

static_assert(THINVMX_TRAP_RESULT_QUEUED == 0, "0 is undecided");

/**
 * inject_exception_defined() - whether @vector is an exception a trap may
 *				inject as a hardware exception
 * @vector: 0-255
 *
 * Return: true for 0-21 except 2, 9 and 15.
 */
bool inject_exception_defined(u8 vector)
{
	return vector < INJECT_NR_EXCEPTIONS &&
	       (INJECT_EXC_DEFINED & BIT(vector));
}

/**
 * inject_exception_has_error_code() - whether exception @vector pushes an
 *				       error code
 * @vector: 0-255
 *
 * Return: true for #DF, #TS, #NP, #SS, #GP, #PF, #AC and #CP.
 */
bool inject_exception_has_error_code(u8 vector)
{
	return vector < INJECT_NR_EXCEPTIONS &&
	       (INJECT_EXC_ERROR_CODE & BIT(vector));
}

/**
 * inject_exception_class() - the double-fault class of exception @vector
 * @vector: 0-255
 *
 * Return: INJECT_CONTRIBUTORY, INJECT_PAGE_FAULT, INJECT_DOUBLE_FAULT for
 * #DF itself, else INJECT_BENIGN.
 */
enum inject_class inject_exception_class(u8 vector)
{
	if (vector == INJECT_VEC_DF)
		return INJECT_DOUBLE_FAULT;
	if (vector >= INJECT_NR_EXCEPTIONS)
		return INJECT_BENIGN;
	if (INJECT_EXC_CONTRIBUTORY & BIT(vector))
		return INJECT_CONTRIBUTORY;
	if (INJECT_EXC_PAGE_FAULT & BIT(vector))
		return INJECT_PAGE_FAULT;
	return INJECT_BENIGN;
}

/**
 * inject_sets_rf() - whether delivering @ev pushes RFLAGS with RF set
 * @ev: the event
 *
 * The CPU sets RF in the RFLAGS image of a fault, so that IRET to the
 * faulting instruction does not take its instruction breakpoint again
 * (SDM Vol. 3, 18.3.1.1); an event injected through VM entry pushes
 * RFLAGS as the guest state has it, so the injector sets RF for a fault.
 * Traps (#BP, #OF, and #DB: instruction breakpoints are handled by the
 * guest's own DRs, the rest of #DB are traps), aborts (#DF, #MC), NMIs,
 * interrupts and software events keep RF as it is.
 *
 * Return: true for a hardware exception of the fault class.
 */
bool inject_sets_rf(const struct inject_event *ev)
{
	if (ev->type != INJECT_TYPE_HW_EXCEPTION ||
	    !inject_exception_defined(ev->vector))
		return false;
	return !(INJECT_EXC_NOT_FAULT & BIT(ev->vector));
}

static bool inject_insn_len_valid(u8 len)
{
	return len >= 1 && len <= INJECT_INSN_LEN_MAX;
}

/**
 * inject_trap_check() - check a THINVMX_INJECT_TRAP request and translate
 *			 it
 * @t: the request, copied from the listener
 * @ev: the event to queue, on success
 *
 * The rules are the table in uapi/thinvmx_introspect.h. An error code is required where
 * the exception pushes one, not merely allowed: without it the guest's
 * handler would pop the wrong words off its stack.
 *
 * Return: 0, or -EINVAL for any combination the table does not allow,
 * unknown flags, a non-zero field its flag does not make valid, or
 * reserved/result not zero.
 */
int inject_trap_check(const struct thinvmx_inject_trap *t,
		      struct inject_event *ev)
{
	bool has_ec = t->flags & THINVMX_TRAP_F_ERROR_CODE;
	bool has_cr2 = t->flags & THINVMX_TRAP_F_CR2;
	u8 vmx_type;

	if (t->flags & ~(THINVMX_TRAP_F_ERROR_CODE | THINVMX_TRAP_F_CR2))
		return -EINVAL;
	if (t->result || t->reserved[0] || t->reserved[1])
		return -EINVAL;
	if ((!has_ec && t->error_code) || (!has_cr2 && t->cr2))
		return -EINVAL;

	switch (t->type) {
	case THINVMX_TRAP_HW_EXCEPTION:
		if (!inject_exception_defined(t->vector) || t->insn_len)
			return -EINVAL;
		if (has_ec != inject_exception_has_error_code(t->vector))
			return -EINVAL;
		if (t->error_code > INJECT_ERROR_CODE_MAX)
			return -EINVAL;
		if ((INJECT_EXC_ZERO_CODE & BIT(t->vector)) && t->error_code)
			return -EINVAL;
		if (has_cr2 && t->vector != INJECT_VEC_PF)
			return -EINVAL;
		vmx_type = INJECT_TYPE_HW_EXCEPTION;
		break;
	case THINVMX_TRAP_SW_EXCEPTION:
		/* only INT3 and INTO raise software exceptions */
		if (t->vector != INJECT_VEC_BP && t->vector != INJECT_VEC_OF)
			return -EINVAL;
		if (has_ec || has_cr2 || !inject_insn_len_valid(t->insn_len))
			return -EINVAL;
		vmx_type = INJECT_TYPE_SW_EXCEPTION;
		break;
	case THINVMX_TRAP_SW_INTERRUPT:
		if (has_ec || has_cr2 || !inject_insn_len_valid(t->insn_len))
			return -EINVAL;
		vmx_type = INJECT_TYPE_SW_INTR;
		break;
	case THINVMX_TRAP_NMI:
		if (t->vector != INJECT_VEC_NMI || has_ec || has_cr2 || t->insn_len)
			return -EINVAL;
		vmx_type = INJECT_TYPE_NMI;
		break;
	default:
		return -EINVAL;
	}

	memset(ev, 0, sizeof(*ev));
	ev->vector = t->vector;
	ev->type = vmx_type;
	ev->insn_len = t->insn_len;
	ev->has_error_code = has_ec;
	ev->error_code = t->error_code;
	ev->has_cr2 = has_cr2;
	ev->cr2 = t->cr2;
	return 0;
}

static bool inject_type_has_insn_len(u8 type)
{
	return type == INJECT_TYPE_SW_INTR ||
	       type == INJECT_TYPE_PRIV_SW_EXCEPTION ||
	       type == INJECT_TYPE_SW_EXCEPTION;
}

/**
 * inject_encode() - an event as VM-entry event injection
 * @ev: the event
 * @protected_mode: guest CR0.PE
 * @error_code: the VM-entry exception error code, 0 if none
 *
 * In real mode no exception pushes an error code, and VM entry requires
 * the deliver-error-code bit clear when CR0.PE is (27.2.1.3), so the error
 * code is dropped there. The VM-entry instruction length is
 * @ev->insn_len for software events, 0 otherwise.
 *
 * Return: the VM-entry interruption-information field, valid bit set.
 */
u32 inject_encode(const struct inject_event *ev, bool protected_mode,
		  u32 *error_code)
{
	u32 info = ev->vector | ((u32)ev->type << INJECT_INFO_TYPE_SHIFT) |
		   INJECT_INFO_VALID;

	*error_code = 0;
	if (ev->has_error_code && protected_mode) {
		info |= INJECT_INFO_DELIVER_CODE;
		*error_code = ev->error_code;
	}
	return info;
}

/**
 * inject_decode() - the event an exit interrupted, for re-injection
 * @info: the IDT-vectoring information field
 * @error_code: the IDT-vectoring error code
 * @insn_len: the VM-exit instruction length
 * @ev: the event, when there is one
 *
 * Return: true if @info is valid (the exit happened during delivery).
 */
bool inject_decode(u32 info, u32 error_code, u32 insn_len,
		   struct inject_event *ev)
{
	if (!(info & INJECT_INFO_VALID))
		return false;
	memset(ev, 0, sizeof(*ev));
	ev->vector = info & INJECT_INFO_VECTOR;
	ev->type = (info & INJECT_INFO_TYPE) >> INJECT_INFO_TYPE_SHIFT;
	if (info & INJECT_INFO_DELIVER_CODE) {
		ev->has_error_code = true;
		ev->error_code = error_code;
	}
	if (inject_type_has_insn_len(ev->type))
		ev->insn_len = insn_len;
	return true;
}

/*
 * Table 6-5, rows the first exception (being delivered), columns the
 * second (raised meanwhile); a #DF row for "Interrupt 8": a contributory
 * exception or page fault while calling the #DF handler is shutdown. As
 * the second exception, #DF makes a #DF wherever a contributory one would
 * and shuts down during #DF.
 */
static const u8 inject_df_table[4][4] = {
	[INJECT_BENIGN] = {
		[INJECT_BENIGN] = INJECT_WAIT,
		[INJECT_CONTRIBUTORY] = INJECT_WAIT,
		[INJECT_PAGE_FAULT] = INJECT_WAIT,
		[INJECT_DOUBLE_FAULT] = INJECT_WAIT,
	},
	[INJECT_CONTRIBUTORY] = {
		[INJECT_BENIGN] = INJECT_WAIT,
		[INJECT_CONTRIBUTORY] = INJECT_MERGED_DF,
		[INJECT_PAGE_FAULT] = INJECT_WAIT,
		[INJECT_DOUBLE_FAULT] = INJECT_MERGED_DF,
	},
	[INJECT_PAGE_FAULT] = {
		[INJECT_BENIGN] = INJECT_WAIT,
		[INJECT_CONTRIBUTORY] = INJECT_MERGED_DF,
		[INJECT_PAGE_FAULT] = INJECT_MERGED_DF,
		[INJECT_DOUBLE_FAULT] = INJECT_MERGED_DF,
	},
	[INJECT_DOUBLE_FAULT] = {
		[INJECT_BENIGN] = INJECT_WAIT,
		[INJECT_CONTRIBUTORY] = INJECT_SHUTDOWN,
		[INJECT_PAGE_FAULT] = INJECT_SHUTDOWN,
		[INJECT_DOUBLE_FAULT] = INJECT_SHUTDOWN,
	},
};

/**
 * inject_merge() - what to inject at this entry when a trap is queued
 * @pending: the event the exit interrupted (inject_decode()), or NULL
 * @new_ev: the queued trap
 * @out: what to inject now
 *
 * Only two hardware exceptions combine. A pending interrupt, NMI or
 * software event is re-injected first, and so is any pending exception
 * when the new one is not a hardware exception: "handle serially", the new
 * trap waits for the next entry. Merged, the pair becomes #DF with error
 * code 0; if the second was a #PF that carried a CR2, CR2 is still loaded,
 * as the CPU loads it when it detects the fault.
 *
 * Return:
 * * INJECT_DELIVER_NEW - nothing pending: @out is @new_ev, which is done
 * * INJECT_MERGED_DF   - @out is #DF(0); both are done
 * * INJECT_WAIT        - @out is @pending; @new_ev stays queued
 * * INJECT_SHUTDOWN    - a fault during #DF delivery: @out is @pending,
 *                        the caller shuts the vCPU down (triple fault)
 */
enum inject_result inject_merge(const struct inject_event *pending,
				const struct inject_event *new_ev,
				struct inject_event *out)
{
	enum inject_result res;

	if (!pending) {
		*out = *new_ev;
		return INJECT_DELIVER_NEW;
	}
	*out = *pending;
	if (pending->type != INJECT_TYPE_HW_EXCEPTION ||
	    new_ev->type != INJECT_TYPE_HW_EXCEPTION)
		return INJECT_WAIT;

	res = inject_df_table[inject_exception_class(pending->vector)]
			     [inject_exception_class(new_ev->vector)];
	if (res == INJECT_MERGED_DF) {
		memset(out, 0, sizeof(*out));
		out->vector = INJECT_VEC_DF;
		out->type = INJECT_TYPE_HW_EXCEPTION;
		out->has_error_code = true;
		out->error_code = 0;
		if (new_ev->vector == INJECT_VEC_PF && new_ev->has_cr2) {
			out->has_cr2 = true;
			out->cr2 = new_ev->cr2;
		}
	}
	return res;
}
