// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: the host side of ucalls (guest side: tvx_guest.h) and the
 * run loop of guests that talk through them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libthinvmx.h"

#define EFER_LMA	0x400ULL
#define AR_L		0x2000

static const char *const tvx_ucall_names[] = {
	[TVX_UCALL_NONE] = "NONE",
	[TVX_UCALL_SYNC] = "SYNC",
	[TVX_UCALL_ASSERT] = "ASSERT",
	[TVX_UCALL_DONE] = "DONE",
	[TVX_UCALL_PRINT] = "PRINT",
	[TVX_UCALL_UNHANDLED] = "UNHANDLED",
};

const char *tvx_ucall_cmd_str(__u64 cmd)
{
	return cmd < ARRAY_SIZE(tvx_ucall_names) ? tvx_ucall_names[cmd] : NULL;
}

static const char *const tvx_exit_names[] = {
	[THINVMX_EXIT_NONE] = "NONE",
	[THINVMX_EXIT_HLT] = "HLT",
	[THINVMX_EXIT_IO] = "IO",
	[THINVMX_EXIT_MMIO] = "MMIO",
	[THINVMX_EXIT_SHUTDOWN] = "SHUTDOWN",
	[THINVMX_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[THINVMX_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[THINVMX_EXIT_MEM_ACCESS] = "MEM_ACCESS",
	[THINVMX_EXIT_MMIO_INSN] = "MMIO_INSN",
	[THINVMX_EXIT_EOI] = "EOI",
};

const char *tvx_exit_reason_str(__u32 reason)
{
	return reason < ARRAY_SIZE(tvx_exit_names) ? tvx_exit_names[reason] : NULL;
}

static const char *const tvx_host_exit_names[THINVMX_HOST_EXIT_MAX] = {
	[THINVMX_HOST_EXIT_CPUID] = "cpuid",
	[THINVMX_HOST_EXIT_XSETBV] = "xsetbv",
	[THINVMX_HOST_EXIT_INVD] = "invd",
	[THINVMX_HOST_EXIT_GETSEC] = "getsec",
	[THINVMX_HOST_EXIT_VMX_INSN] = "vmx_insn",
	[THINVMX_HOST_EXIT_VMCALL] = "vmcall",
	[THINVMX_HOST_EXIT_MSR_READ] = "msr_read",
	[THINVMX_HOST_EXIT_MSR_WRITE] = "msr_write",
	[THINVMX_HOST_EXIT_CR] = "cr",
	[THINVMX_HOST_EXIT_EPT] = "ept",
	[THINVMX_HOST_EXIT_OTHER] = "other",
	[THINVMX_HOST_EXIT_EXCEPTION] = "exception",
	[THINVMX_HOST_EXIT_NMI] = "nmi",
	[THINVMX_HOST_EXIT_NMI_WINDOW] = "nmi_window",
	[THINVMX_HOST_EXIT_HYPERCALL] = "hypercall",
};

const char *tvx_host_exit_str(unsigned int kind)
{
	return kind < ARRAY_SIZE(tvx_host_exit_names) ? tvx_host_exit_names[kind] : NULL;
}

static const char *const tvx_vector_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", NULL,
	"#TS", "#NP", "#SS", "#GP", "#PF", NULL, "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP",
};

/* A guest string into buf: "" for address 0, "?" if not readable RAM. */
static void tvx_guest_str(const struct tvx_domain *d, __u64 gpa, char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	if (!gpa)
		return;
	for (i = 0; i < len - 1; i++) {
		const char *c = tvx_gpa(d, gpa + i);

		if (!c || gpa + i < gpa) {
			snprintf(buf, len, "?");
			return;
		}
		buf[i] = *c;
		if (!*c)
			return;
	}
	buf[len - 1] = '\0';
}

int tvx_ucall_get(struct tvx_vcpu *v, struct tvx_domain *d, struct tvx_ucall *uc)
{
	const struct thinvmx_run *run = tvx_vcpu_run_page(v);
	struct tvx_ucall_frame f;
	struct thinvmx_sregs s;
	struct thinvmx_regs r;
	__u64 addr;
	int ret;

	memset(uc, 0, sizeof(*uc));
	uc->exit = *run;
	if (run->exit_reason != THINVMX_EXIT_IO || run->io.port != TVX_UCALL_PORT ||
	    run->io.direction != THINVMX_IO_OUT || run->io.size != 4)
		return -ENOMSG;
	ret = tvx_get_regs(v, &r);
	if (!ret)
		ret = tvx_get_sregs(v, &s);
	if (ret)
		return ret;
	addr = r.rdi;
	/* outside 64-bit mode RDI[63:32] are not the guest's to set */
	if (!((s.efer & EFER_LMA) && (s.cs.ar & AR_L)))
		addr &= 0xffffffff;
	if ((__u32)addr != (__u32)run->io.data)
		return -EBADMSG;
	ret = tvx_read_guest(d, addr, &f, sizeof(f));
	if (ret)
		return -EFAULT;
	if (!f.cmd || f.cmd > TVX_UCALL_MAX)
		return -EBADMSG;
	uc->cmd = f.cmd;
	memcpy(uc->args, f.args, sizeof(uc->args));
	uc->line = f.line;
	uc->frame_gpa = addr;
	tvx_guest_str(d, f.file, uc->file, sizeof(uc->file));
	tvx_guest_str(d, f.msg, uc->msg, sizeof(uc->msg));
	return (int)uc->cmd;
}

int tvx_run_until_ucall(struct tvx_vcpu *v, struct tvx_domain *d, struct tvx_ucall *uc)
{
	int ret = tvx_vcpu_run(v);

	if (ret) {
		memset(uc, 0, sizeof(*uc));
		uc->exit = *tvx_vcpu_run_page(v);
		return ret;
	}
	ret = tvx_ucall_get(v, d, uc);
	return ret == -ENOMSG ? -EPROTO : ret;
}

static int tvx_exit_describe(const struct thinvmx_run *run, char *buf, size_t len)
{
	const char *name = tvx_exit_reason_str(run->exit_reason);

	switch (run->exit_reason) {
	case THINVMX_EXIT_IO:
		return snprintf(buf, len, "exit IO %s port %#x size %u data %#llx",
				run->io.direction == THINVMX_IO_OUT ? "out" : "in",
				run->io.port, run->io.size,
				(unsigned long long)run->io.data);
	case THINVMX_EXIT_MMIO:
		return snprintf(buf, len, "exit MMIO %s gpa %#llx size %u data %#llx",
				run->mmio.is_write ? "write" : "read",
				(unsigned long long)run->mmio.gpa, run->mmio.size,
				(unsigned long long)run->mmio.data);
	case THINVMX_EXIT_MEM_ACCESS:
		return snprintf(buf, len,
				"exit MEM_ACCESS gpa %#llx gla %#llx%s attempted %s%s%s right %s type %s",
				(unsigned long long)run->mem_access.gpa,
				(unsigned long long)run->mem_access.gla,
				run->mem_access.flags & THINVMX_MEM_ACCESS_GLA_VALID ?
				"" : " (invalid)",
				run->mem_access.attempted & 1 ? "r" : "",
				run->mem_access.attempted & 2 ? "w" : "",
				run->mem_access.attempted & 4 ? "x" : "",
				tvx_access_str(run->mem_access.access) ?: "?",
				tvx_p2m_type_str(run->mem_access.type) ?: "?");
	case THINVMX_EXIT_MMIO_INSN:
		return snprintf(buf, len,
				"exit MMIO_INSN gpa %#llx rip %#llx, %u bytes: %02x %02x %02x %02x",
				(unsigned long long)run->mmio_insn.gpa,
				(unsigned long long)run->mmio_insn.rip,
				run->mmio_insn.len, run->mmio_insn.insn[0],
				run->mmio_insn.insn[1], run->mmio_insn.insn[2],
				run->mmio_insn.insn[3]);
	case THINVMX_EXIT_INTERNAL_ERROR:
	case THINVMX_EXIT_FAIL_ENTRY:
		return snprintf(buf, len,
				"exit %s vmx reason %#x suberror %u qualification %#llx rip %#llx",
				name, run->internal.vmx_exit_reason, run->internal.suberror,
				(unsigned long long)run->internal.qualification,
				(unsigned long long)run->internal.guest_rip);
	default:
		if (name)
			return snprintf(buf, len, "exit %s", name);
		return snprintf(buf, len, "exit %u", run->exit_reason);
	}
}

int tvx_ucall_describe(const struct tvx_ucall *uc, char *buf, size_t len)
{
	const unsigned long long *a = (const unsigned long long *)uc->args;
	const char *vec;

	switch (uc->cmd) {
	case TVX_UCALL_NONE:
		return tvx_exit_describe(&uc->exit, buf, len);
	case TVX_UCALL_ASSERT:
		return snprintf(buf, len, "ASSERT %s:%llu: %s (%#llx, %#llx)",
				uc->file, (unsigned long long)uc->line, uc->msg,
				a[0], a[1]);
	case TVX_UCALL_UNHANDLED:
		vec = a[0] < 32 ? tvx_vector_names[a[0]] : NULL;
		return snprintf(buf, len,
				"UNHANDLED %s (vector %llu) error %#llx rip %#llx cr2 %#llx rsp %#llx rflags %#llx",
				vec ? vec : "interrupt", a[0], a[1], a[2], a[3],
				a[4], a[5]);
	default:
		return snprintf(buf, len, "%s %s:%llu%s%s (%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)",
				tvx_ucall_cmd_str(uc->cmd) ?: "?",
				uc->file[0] ? uc->file : "?", (unsigned long long)uc->line,
				uc->msg[0] ? ": " : "", uc->msg,
				a[0], a[1], a[2], a[3], a[4], a[5]);
	}
}
