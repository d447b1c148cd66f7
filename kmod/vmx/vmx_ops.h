/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place VMX instructions are executed. Each wrapper tells the two
 * ways an instruction can go wrong apart (SDM 31.2):
 *  - VMfail (CF or ZF set): reported by its own *_error() routine with the
 *    VM-instruction error number when there is one, returns -EIO;
 *  - a fault (#UD outside VMX operation, #GP): caught by an exception-table
 *    fixup and reported by vmx_insn_fault(), returns -EFAULT.
 * Nothing ever takes the host down for either.
 */
#ifndef _THINVMX_VMX_OPS_H
#define _THINVMX_VMX_OPS_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <asm/asm.h>
#include <asm/vmx.h>

void vmx_insn_fault(const char *insn, u64 arg);
void vmx_insn_error(const char *insn, u64 arg);
void vmread_error(unsigned long field);
void vmwrite_error(unsigned long field, unsigned long value);

/* insn with one memory operand: VMXON, VMCLEAR, VMPTRLD */
#define VMX_INSN_MEM(name, insn)					\
static __always_inline int name(u64 phys)				\
{									\
	asm goto("1: " insn " %0\n\t"					\
		 "jna %l[fail]\n\t"					\
		 _ASM_EXTABLE(1b, %l[fault])				\
		 : : "m" (phys) : "cc", "memory" : fail, fault);	\
	return 0;							\
fail:									\
	vmx_insn_error(insn, phys);					\
	return -EIO;							\
fault:									\
	vmx_insn_fault(insn, phys);					\
	return -EFAULT;							\
}

VMX_INSN_MEM(__vmxon, "vmxon")
VMX_INSN_MEM(__vmclear, "vmclear")
VMX_INSN_MEM(__vmptrld, "vmptrld")

static __always_inline int __vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
	return 0;
fault:
	vmx_insn_fault("vmxoff", 0);
	return -EFAULT;
}

/* INVEPT/INVVPID: a type in a register and a 128-bit descriptor in memory */
#define VMX_INSN_INV(name, insn)					\
static __always_inline int name(unsigned long type, u64 d0, u64 d1)	\
{									\
	struct { u64 lo, hi; } desc = { d0, d1 };			\
									\
	asm goto("1: " insn " %0, %1\n\t"				\
		 "jna %l[fail]\n\t"					\
		 _ASM_EXTABLE(1b, %l[fault])				\
		 : : "m" (desc), "r" (type) : "cc", "memory"		\
		 : fail, fault);					\
	return 0;							\
fail:									\
	vmx_insn_error(insn, type);					\
	return -EIO;							\
fault:									\
	vmx_insn_fault(insn, type);					\
	return -EFAULT;							\
}

VMX_INSN_INV(__invept, "invept")
VMX_INSN_INV(__invvpid, "invvpid")

static __always_inline unsigned long __vmcs_readl(unsigned long field)
{
	unsigned long value;

	asm_goto_output("1: vmread %[field], %[value]\n\t"
			"jna %l[fail]\n\t"
			_ASM_EXTABLE(1b, %l[fault])
			: [value] "=r" (value)
			: [field] "r" (field)
			: "cc" : fail, fault);
	return value;
fail:
	vmread_error(field);
	return 0;
fault:
	vmx_insn_fault("vmread", field);
	return 0;
}

static __always_inline void __vmcs_writel(unsigned long field,
					  unsigned long value)
{
	asm goto("1: vmwrite %[value], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [field] "r" (field), [value] "rm" (value)
		 : "cc" : fail, fault);
	return;
fail:
	vmwrite_error(field, value);
	return;
fault:
	vmx_insn_fault("vmwrite", field);
}

/*
 * Sized VMCS accessors. Field encodings carry their width in bits 14:13
 * (SDM Appendix B: 0 = 16-bit, 1 = 64-bit, 2 = 32-bit, 3 = natural width);
 * bit 0 set is the high half of a 64-bit field. A constant field passed to
 * the wrong accessor does not build.
 */
#define VMCS_WIDTH(f)		(((f) >> 13) & 3)
#define VMCS_CHECK(f, w)						\
	BUILD_BUG_ON_MSG(__builtin_constant_p(f) &&			\
			 (VMCS_WIDTH(f) != (w) || ((w) == 1 && ((f) & 1))), \
			 "VMCS field of another width")

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
