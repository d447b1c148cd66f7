/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one way into the VMX instructions: stubs in insn.S, VMREAD and
 * VMWRITE inline below (every exit uses them). Each tells the two ways
 * an instruction can go wrong apart (SDM 31.2):
 *  - VMfail (CF or ZF set): -EIO, reported with the VM-instruction error
 *    number where there is a current VMCS to hold one;
 *  - a fault (#UD outside VMX operation, #GP): caught by an exception-table
 *    fixup, -EFAULT.
 * Both are logged (rate-limited); nothing takes the host down.
 */
#ifndef _THINVMX_VMX_OPS_H
#define _THINVMX_VMX_OPS_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <linux/stringify.h>
#include <asm/asm.h>
#include <asm/extable_fixup_types.h>
#include <asm/vmx.h>

struct vmx_inv_desc {
	u64 lo;
	u64 hi;
};

/* insn.S */
int __vmx_on(u64 *phys);
int __vmx_clear(u64 *phys);
int __vmx_ptrld(u64 *phys);
int __vmx_off(void);
int __vmx_invept(unsigned long type, const struct vmx_inv_desc *desc);
int __vmx_invvpid(unsigned long type, const struct vmx_inv_desc *desc);
int __vmx_vmread(unsigned long field, unsigned long *value);

/* ops.c */
void vmx_insn_report(const char *insn, u64 arg, int err);
void vmread_error(unsigned long field, int err);
void vmwrite_error(unsigned long field, unsigned long value, int err);

static __always_inline int vmx_insn_check(const char *insn, u64 arg, int err)
{
	if (unlikely(err))
		vmx_insn_report(insn, arg, err);
	return err;
}

static __always_inline int __vmxon(u64 phys)
{
	return vmx_insn_check("vmxon", phys, __vmx_on(&phys));
}

static __always_inline int __vmclear(u64 phys)
{
	return vmx_insn_check("vmclear", phys, __vmx_clear(&phys));
}

static __always_inline int __vmptrld(u64 phys)
{
	return vmx_insn_check("vmptrld", phys, __vmx_ptrld(&phys));
}

static __always_inline int __vmxoff(void)
{
	return vmx_insn_check("vmxoff", 0, __vmx_off());
}

static __always_inline int __invept(unsigned long type, u64 eptp, u64 gpa)
{
	struct vmx_inv_desc desc = { eptp, gpa };

	return vmx_insn_check("invept", type, __vmx_invept(type, &desc));
}

static __always_inline int __invvpid(unsigned long type, u16 vpid, u64 gva)
{
	struct vmx_inv_desc desc = { vpid, gva };

	return vmx_insn_check("invvpid", type, __vmx_invvpid(type, &desc));
}

/*
 * VMREAD and VMWRITE are on every exit's path: inline, not through the
 * stubs of insn.S (a call and a return thunk each). VMfail is CF or ZF
 * ("na"); a fault (#UD, #GP) is caught by an exception-table fixup.
 * Where the compiler has asm goto with outputs, both leave the straight
 * path by a jump, so a good VMREAD costs the instruction and one branch.
 */
/*
 * _ASM_EXTABLE() with string arguments: a fixup that is an asm goto label
 * ("%l[name]") is then spelled inside a string. Same row as the kernel's
 * (insn, fixup, EX_TYPE_DEFAULT).
 */
#define TVX_ASM_EXTABLE(from, to)					\
	" .pushsection \"__ex_table\",\"a\"\n"				\
	" .balign 4\n"							\
	" .long (" from ") - .\n"					\
	" .long (" to ") - .\n"						\
	" .long " __stringify(EX_TYPE_DEFAULT) "\n"			\
	" .popsection\n"

#ifdef CONFIG_CC_HAS_ASM_GOTO_OUTPUT
static __always_inline unsigned long __vmcs_readl(unsigned long field)
{
	unsigned long value;

	asm_goto_output("1: vmread %[field], %[value]\n\t"
			"jna %l[fail]\n\t"
			TVX_ASM_EXTABLE("1b", "%l[fault]")
			: [value] "=r" (value)
			: [field] "r" (field)
			: "cc"
			: fail, fault);
	return value;
fail:
	vmread_error(field, -EIO);
	return 0;
fault:
	vmread_error(field, -EFAULT);
	return 0;
}
#else
static __always_inline unsigned long __vmcs_readl(unsigned long field)
{
	unsigned long value = 0;
	bool fail;
	int err = 0;

	asm volatile("1: vmread %[field], %[value]\n\t"
		     "jmp 3f\n"	/* keeps the flags */
		     "2: movl $" __stringify(-EFAULT) ", %k[err]\n"
		     "3:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [value] "+r" (value), "=@ccna" (fail), [err] "+r" (err)
		     : [field] "r" (field)
		     : "cc");
	if (unlikely(err || fail)) {
		vmread_error(field, err ? err : -EIO);
		return 0;
	}
	return value;
}
#endif

static __always_inline void __vmcs_writel(unsigned long field,
					  unsigned long value)
{
	asm goto("1: vmwrite %[value], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 TVX_ASM_EXTABLE("1b", "%l[fault]")
		 : /* no outputs */
		 : [field] "r" (field), [value] "rm" (value)
		 : "cc", "memory"
		 : fail, fault);
	return;
fail:
	vmwrite_error(field, value, -EIO);
	return;
fault:
	vmwrite_error(field, value, -EFAULT);
}

/*
 * Sized VMCS accessors. Field encodings carry their width in bits 14:13
 * (SDM Appendix B: 0 = 16-bit, 1 = 64-bit, 2 = 32-bit, 3 = natural width);
 * bit 0 set is the high half of a 64-bit field. A constant field passed to
 * the wrong accessor does not build.
 */
#define VMCS_WIDTH(f)		(((f) >> 13) & 3)
#define VMCS_CHECK(f, w)						\
	BUILD_BUG_ON_MSG(__builtin_constant_p(f) && vmcs_bad_width(f, w), \
			 "VMCS field of another width")

static __always_inline bool vmcs_bad_width(unsigned long f, unsigned int w)
{
	return VMCS_WIDTH(f) != w || (w == 1 && (f & 1));
}

static __always_inline u16 vmcs_read16(unsigned long f)
{
	VMCS_CHECK(f, 0);
	return __vmcs_readl(f);
}

static __always_inline u32 vmcs_read32(unsigned long f)
{
	VMCS_CHECK(f, 2);
	return __vmcs_readl(f);
}

static __always_inline u64 vmcs_read64(unsigned long f)
{
	VMCS_CHECK(f, 1);
	return __vmcs_readl(f);
}

static __always_inline unsigned long vmcs_readl(unsigned long f)
{
	VMCS_CHECK(f, 3);
	return __vmcs_readl(f);
}

static __always_inline void vmcs_write16(unsigned long f, u16 v)
{
	VMCS_CHECK(f, 0);
	__vmcs_writel(f, v);
}

static __always_inline void vmcs_write32(unsigned long f, u32 v)
{
	VMCS_CHECK(f, 2);
	__vmcs_writel(f, v);
}

static __always_inline void vmcs_write64(unsigned long f, u64 v)
{
	VMCS_CHECK(f, 1);
	__vmcs_writel(f, v);
}

static __always_inline void vmcs_writel(unsigned long f, unsigned long v)
{
	VMCS_CHECK(f, 3);
	__vmcs_writel(f, v);
}

static __always_inline void vmcs_set_bits32(unsigned long f, u32 mask)
{
	vmcs_write32(f, vmcs_read32(f) | mask);
}

static __always_inline void vmcs_clear_bits32(unsigned long f, u32 mask)
{
	vmcs_write32(f, vmcs_read32(f) & ~mask);
}

#endif /* _THINVMX_VMX_OPS_H */
