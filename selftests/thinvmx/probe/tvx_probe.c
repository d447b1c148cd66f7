// SPDX-License-Identifier: GPL-2.0
/*
 * tvx_probe: ring-0 instructions on demand, for the kselftests that must
 * show what thinvmx does when the kernel itself misbehaves (host mode:
 * a raw MOV clearing CR4.SMEP, a raw WRMSR to LSTAR, VMX instructions
 * from ring 0, a write into a hypervisor frame through the direct map).
 * None of this belongs in a production kernel: the module exists only
 * in the nested VM the tests boot.
 *
 * /dev/tvx_probe (root only): write one command line, "NAME [ARG [ARG]]"
 * (numbers in C notation), get back the byte count or the command's
 * -errno; read the result line ("0x...\n") of the last command written
 * on that open file. Faults are caught through the exception table, so
 * a refused instruction is an error, not an oops.
 */
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/asm.h>
#include <asm/msr.h>
#include <asm/special_insns.h>

struct probe_file {
	struct mutex lock;	/* result */
	char result[64];
};

struct probe_cmd {
	const char *name;
	unsigned int nargs;
	int (*run)(const u64 *arg, u64 *out);
};

static int probe_rdmsr(const u64 *arg, u64 *out)
{
	return rdmsrl_safe(arg[0], out) ? -EIO : 0;
}

static int probe_wrmsr(const u64 *arg, u64 *out)
{
	if (wrmsrl_safe(arg[0], arg[1]))
		return -EIO;
	return rdmsrl_safe(arg[0], out) ? -EIO : 0;
}

static int probe_cr0(const u64 *arg, u64 *out)
{
	*out = read_cr0();
	return 0;
}

static int probe_cr4(const u64 *arg, u64 *out)
{
	*out = __read_cr4();
	return 0;
}

/*
 * A raw MOV to CR0/CR4, past the kernel's own pinning in
 * native_write_cr0/cr4: what an exploit would do. The value read back
 * afterwards is the result.
 */
static int probe_cr0_write(const u64 *arg, u64 *out)
{
	unsigned long v = arg[0];

	asm volatile("mov %0, %%cr0" : : "r" (v) : "memory");
	*out = read_cr0();
	return 0;
}

static int probe_cr4_write(const u64 *arg, u64 *out)
{
	unsigned long v = arg[0];

	asm volatile("mov %0, %%cr4" : : "r" (v) : "memory");
	*out = __read_cr4();
	return 0;
}

/*
 * Try a value and put the old one back, interrupts off: a write that
 * should have been refused but was not (a pinned LSTAR moved, SMEP
 * cleared) is undone before anything on this CPU can use it. The value
 * read back between the two is the result.
 */
static int probe_wrmsr_try(const u64 *arg, u64 *out)
{
	unsigned long flags;
	u64 old;
	int ret = -EIO;

	local_irq_save(flags);
	if (!rdmsrl_safe(arg[0], &old) && !wrmsrl_safe(arg[0], arg[1]) &&
	    !rdmsrl_safe(arg[0], out))
		ret = 0;
	wrmsrl_safe(arg[0], old);
	local_irq_restore(flags);
	return ret;
}

static int probe_cr4_clear_try(const u64 *arg, u64 *out)
{
	unsigned long flags, old, v;

	local_irq_save(flags);
	old = __read_cr4();
	v = old & ~arg[0];
	asm volatile("mov %0, %%cr4" : : "r" (v) : "memory");
	*out = __read_cr4();
	asm volatile("mov %0, %%cr4" : : "r" (old) : "memory");
	local_irq_restore(flags);
	return 0;
}

static int probe_cr0_clear_try(const u64 *arg, u64 *out)
{
	unsigned long flags, old, v;

	local_irq_save(flags);
	old = read_cr0();
	v = old & ~arg[0];
	asm volatile("mov %0, %%cr0" : : "r" (v) : "memory");
	*out = read_cr0();
	asm volatile("mov %0, %%cr0" : : "r" (old) : "memory");
	local_irq_restore(flags);
	return 0;
}

/* VMX instructions from ring 0: -EFAULT when they fault (#UD, #GP). */
static int probe_vmcall(const u64 *arg, u64 *out)
{
	unsigned long rax = arg[0];

	asm goto("1: vmcall\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "a" (rax) : "memory" : fault);
	*out = 0;
	return 0;
fault:
	return -EFAULT;
}

static int probe_vmxoff(const u64 *arg, u64 *out)
{
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
	*out = 0;
	return 0;
fault:
	return -EFAULT;
}

static int probe_vmxon(const u64 *arg, u64 *out)
{
	u64 pa = arg[0];

	asm goto("1: vmxon %0\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m" (pa) : "cc", "memory" : fault);
	*out = 0;
	return 0;
fault:
	return -EFAULT;
}

/* RAM through the kernel's direct map; -EINVAL for a frame that is not */
static void *probe_direct(u64 pa)
{
	if (!pfn_valid(PHYS_PFN(pa)) || !IS_ALIGNED(pa, 8))
		return NULL;
	return phys_to_virt(pa);
}

static int probe_peek64(const u64 *arg, u64 *out)
{
	void *p = probe_direct(arg[0]);

	if (!p)
		return -EINVAL;
	return get_kernel_nofault(*out, (u64 *)p) ? -EFAULT : 0;
}

static int probe_poke64(const u64 *arg, u64 *out)
{
	void *p = probe_direct(arg[0]);

	if (!p)
		return -EINVAL;
	/* a plain store, its fault caught (copy_to_kernel_nofault is not exported) */
	asm goto("1: movq %1, %0\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m" (*(u64 *)p), "r" (arg[1]) : "memory" : fault);
	return get_kernel_nofault(*out, (u64 *)p) ? -EFAULT : 0;
fault:
	return -EFAULT;
}

/*
 * The direct-map alias of a vmalloc'd or module address, NULL for any
 * other address.
 */
static void *probe_alias(u64 va)
{
	struct page *page;

	if (!IS_ALIGNED(va, 8) ||
	    !(is_vmalloc_addr((void *)va) || (va >= MODULES_VADDR && va < MODULES_END)))
		return NULL;
	page = vmalloc_to_page((void *)va);
	return page ? page_address(page) + offset_in_page(va) : NULL;
}

static int probe_apeek64(const u64 *arg, u64 *out)
{
	void *p = probe_alias(arg[0]);

	if (!p)
		return -EINVAL;
	return get_kernel_nofault(*out, (u64 *)p) ? -EFAULT : 0;
}

/*
 * A store through a fresh writable mapping of the frame behind a vmalloc'd
 * or module address (the kernel keeps read-only text read-only in its
 * direct-map alias too): what text_poke() does, and an exploit could.
 */
static int probe_mpoke64(const u64 *arg, u64 *out)
{
	struct page *page;
	void *map;
	int ret = 0;

	if (!probe_alias(arg[0]))
		return -EINVAL;
	page = vmalloc_to_page((void *)(unsigned long)arg[0]);
	map = vmap(&page, 1, VM_MAP, PAGE_KERNEL);
	if (!map)
		return -ENOMEM;
	asm goto("1: movq %1, %0\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m" (*(u64 *)(map + offset_in_page(arg[0]))), "r" (arg[1])
		 : "memory" : fault);
	*out = arg[1];
	goto out;
fault:
	ret = -EFAULT;
out:
	vunmap(map);
	return ret;
}

/* MMIO through an uncached ioremap of one page */
static int probe_io32(u64 pa, const u32 *val, u64 *out)
{
	void __iomem *base;

	if (!IS_ALIGNED(pa, 4))
		return -EINVAL;
	base = ioremap(pa & PAGE_MASK, PAGE_SIZE);
	if (!base)
		return -ENOMEM;
	if (val)
		writel(*val, base + offset_in_page(pa));
	*out = readl(base + offset_in_page(pa));
	iounmap(base);
	return 0;
}

static int probe_ioread32(const u64 *arg, u64 *out)
{
	return probe_io32(arg[0], NULL, out);
}

static int probe_iowrite32(const u64 *arg, u64 *out)
{
	u32 v = arg[1];

	return probe_io32(arg[0], &v, out);
}

/*
 * A call of a kernel function by its address with four arguments, its
 * return value the result: what a host kernel that jumps into another
 * module's text can do (host_test calls thinvmx's tvx_host_call()).
 */
static int probe_call4(const u64 *arg, u64 *out)
{
	long (*fn)(u64, u64, u64, u64) = (void *)(unsigned long)arg[0];

	if (!arg[0])
		return -EINVAL;
	*out = fn(arg[1], arg[2], arg[3], arg[4]);
	return 0;
}

#define PROBE_MAX_ARGS	5

static const struct probe_cmd probe_cmds[] = {
	{ "rdmsr",	1, probe_rdmsr },	/* MSR */
	{ "wrmsr",	2, probe_wrmsr },	/* MSR VALUE */
	{ "cr0",	0, probe_cr0 },
	{ "cr4",	0, probe_cr4 },
	{ "cr0_write",	1, probe_cr0_write },	/* VALUE, raw MOV */
	{ "cr4_write",	1, probe_cr4_write },	/* VALUE, raw MOV */
	{ "wrmsr_try",	2, probe_wrmsr_try },	/* MSR VALUE, then the old value */
	{ "cr4_clear_try", 1, probe_cr4_clear_try },	/* BITS, then the old CR4 */
	{ "cr0_clear_try", 1, probe_cr0_clear_try },	/* BITS, then the old CR0 */
	{ "vmcall",	1, probe_vmcall },	/* RAX */
	{ "vmxoff",	0, probe_vmxoff },
	{ "vmxon",	1, probe_vmxon },	/* PHYS of a VMXON region */
	{ "peek64",	1, probe_peek64 },	/* PHYS (RAM, direct map) */
	{ "poke64",	2, probe_poke64 },	/* PHYS VALUE */
	{ "apeek64",	1, probe_apeek64 },	/* VIRT (vmalloc/module), direct-map alias */
	{ "mpoke64",	2, probe_mpoke64 },	/* VIRT VALUE, through a new mapping */
	{ "ioread32",	1, probe_ioread32 },	/* PHYS (ioremap) */
	{ "iowrite32",	2, probe_iowrite32 },	/* PHYS VALUE */
	{ "call4",	5, probe_call4 },	/* VIRT A0 A1 A2 A3 */
};

static int probe_parse(char *line, const struct probe_cmd **cmd, u64 *arg)
{
	char *word = strsep(&line, " \t\n");
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(probe_cmds); i++)
		if (!strcmp(word, probe_cmds[i].name))
			break;
	if (i == ARRAY_SIZE(probe_cmds))
		return -ENOENT;
	*cmd = &probe_cmds[i];
	for (n = 0; n < (*cmd)->nargs; n++) {
		do {
			word = strsep(&line, " \t\n");
		} while (word && !*word);
		if (!word || kstrtou64(word, 0, &arg[n]))
			return -EINVAL;
	}
	return 0;
}

static ssize_t probe_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct probe_file *pf = file->private_data;
	const struct probe_cmd *cmd;
	u64 arg[PROBE_MAX_ARGS] = { 0 }, out = 0;
	char line[128];
	int ret;

	if (len >= sizeof(line))
		return -E2BIG;
	if (copy_from_user(line, ubuf, len))
		return -EFAULT;
	line[len] = '\0';
	ret = probe_parse(line, &cmd, arg);
	if (ret)
		return ret;

	mutex_lock(&pf->lock);
	ret = cmd->run(arg, &out);
	if (!ret)
		snprintf(pf->result, sizeof(pf->result), "0x%llx\n", out);
	else
		pf->result[0] = '\0';
	mutex_unlock(&pf->lock);
	return ret ? ret : len;
}

static ssize_t probe_read(struct file *file, char __user *ubuf, size_t len,
			  loff_t *ppos)
{
	struct probe_file *pf = file->private_data;
	ssize_t ret;

	mutex_lock(&pf->lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, pf->result,
				      strlen(pf->result));
	mutex_unlock(&pf->lock);
	return ret;
}

static int probe_open(struct inode *inode, struct file *file)
{
	struct probe_file *pf = kzalloc(sizeof(*pf), GFP_KERNEL);

	if (!pf)
		return -ENOMEM;
	mutex_init(&pf->lock);
	file->private_data = pf;
	return 0;
}

static int probe_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static const struct file_operations probe_fops = {
	.owner		= THIS_MODULE,
	.open		= probe_open,
	.release	= probe_release,
	.read		= probe_read,
	.write		= probe_write,
	.llseek		= default_llseek,
};

static struct miscdevice probe_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "tvx_probe",
	.fops	= &probe_fops,
	.mode	= 0600,
};

module_misc_device(probe_dev);

MODULE_DESCRIPTION("thinvmx selftests: ring-0 instructions on demand");
MODULE_LICENSE("GPL");
