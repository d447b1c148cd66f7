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

/*
 * VMXON, VMCLEAR and VMPTRLD take the physical address of a 4 KiB region
 * in memory; INVEPT and INVVPID a type in a register and a 128-bit
 * descriptor in memory.
 */
static __always_inline int __vmxon(u64 phys)
{
	asm goto("1: vmxon %0\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : : "m" (phys) : "cc", "memory" : fail, fault);
	return 0;
fail:
	vmx_insn_error("vmxon", phys);
	return -EIO;
fault:
	vmx_insn_fault("vmxon", phys);
	return -EFAULT;
}

static __always_inline int __vmclear(u64 phys)
{
	asm goto("1: vmclear %0\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : : "m" (phys) : "cc", "memory" : fail, fault);
	return 0;
fail:
	vmx_insn_error("vmclear", phys);
	return -EIO;
fault:
	vmx_insn_fault("vmclear", phys);
	return -EFAULT;
}

static __always_inline int __vmptrld(u64 phys)
{
	asm goto("1: vmptrld %0\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : : "m" (phys) : "cc", "memory" : fail, fault);
	return 0;
fail:
	vmx_insn_error("vmptrld", phys);
	return -EIO;
fault:
	vmx_insn_fault("vmptrld", phys);
	return -EFAULT;
}

static __always_inline int __vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : : : "cc", "memory" : fault);
	return 0;
fault:
	vmx_insn_fault("vmxoff", 0);
	return -EFAULT;
}

struct vmx_inv_desc {
	u64 lo;
	u64 hi;
};

static __always_inline int __invept(unsigned long type, u64 eptp, u64 gpa)
{
	struct vmx_inv_desc desc = { eptp, gpa };

	asm goto("1: invept %0, %1\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : : "m" (desc), "r" (type) : "cc", "memory" : fail, fault);
	return 0;
fail:
	vmx_insn_error("invept", type);
	return -EIO;
fault:
	vmx_insn_fault("invept", type);
	return -EFAULT;
}

static __always_inline int __invvpid(unsigned long type, u16 vpid, u64 gva)
{
	struct vmx_inv_desc desc = { vpid, gva };

	asm goto("1: invvpid %0, %1\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : : "m" (desc), "r" (type) : "cc", "memory" : fail, fault);
	return 0;
fail:
	vmx_insn_error("invvpid", type);
	return -EIO;
fault:
	vmx_insn_fault("invvpid", type);
	return -EFAULT;
}

static __always_inline unsigned long __vmcs_readl(unsigned long field)
{
	unsigned long value;

	asm_goto_output("1: vmread %[field], %[value]\n\t"
			"jna %l[fail]\n\t"
			_ASM_EXTABLE(1b, (%l[fault]))
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
		 _ASM_EXTABLE(1b, (%l[fault]))
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
