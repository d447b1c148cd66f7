// SPDX-License-Identifier: GPL-2.0
/*
 * Host mode: the Linux that is running goes on as a VMX guest of thinvmx
 * on every online CPU ("blue pill", as SimpleVisor, HyperPlatform and ksm
 * do it on other systems; DESIGN.md, "Host mode").
 *
 * On: VMX operation is taken exclusively (vmx_get_exclusive(): no guest
 * domain may exist, none may be created while host mode is on), then each
 * online CPU, interrupts off, writes its own state into its VMCS
 * (host_vmcs.c) and VMLAUNCHes into it: it resumes at the same place, now
 * as a guest whose VM exits land on a per-CPU root-mode stack
 * (host_exit.c). Off: each CPU asks root mode, by a VMCALL only this
 * module's code can make, to put the guest's state back natively; then
 * vmx_put() VMCLEARs and leaves VMX operation as for any VMX user.
 *
 * Every path that leaves VMX operation on a CPU (vmx_cpu_off(): a CPU
 * going offline, suspend, reboot and kexec, the last VMX user going; and
 * the emergency callback: a crash or an emergency restart) first calls
 * tvx_host_cpu_leave(). A CPU coming online is taken in by a cpuhp
 * callback that runs after vmx/enable.c's VMXON, and a CPU resuming from
 * suspend by syscore ops registered after vmx/enable.c's.
 *
 * The hypervisor's memory is stolen from the host (Xen's dom0 in a
 * hardware container, reference 003; pKVM-IA): before any CPU is taken
 * in, every frame root mode or the CPU uses for it — the VMXON regions,
 * VMCSs, the MSR bitmap, the EPT's tables and its split pool, root mode's
 * stacks with its per-CPU state on top, its page table's top level, its
 * IDT and its configuration — gets no access in the identity EPT (large
 * leaves split down to 4 KiB around them), and the module's text and
 * read-only data get read (and execute) only: the host can neither read
 * root mode's state nor change root mode's code. A host access there is
 * refused (host_exit.c) and counted. From then on the host side changes
 * root-mode state only by hypercall (host_call.c), or natively once every
 * CPU is out. The module is built without ftrace call sites, so the
 * function tracer never patches the now read-only text.
 *
 * What this does not cover yet: root mode still runs on the kernel's
 * page tables below its own top-level page (the host could remap what
 * root mode sees), on the kernel's GDT and TSS (tampering with them can
 * crash root mode, not steer it), and calls a few routines in kernel text
 * (return thunks, memset/memcpy), which the kernel patches at run time
 * and so cannot be made read-only. Device DMA into stolen frames needs
 * the IOMMU. Root mode's MSI-X set and the window it writes devices'
 * entries through are its own (TVX_HC_SET_MSIX; the window is a
 * top-level entry only root mode's page table has). Root mode's guard
 * policies, event settings and the listener's ring area are its own
 * copies, set by hypercall and checked there (host_event.c); waking the
 * listener queues an irq_work, which goes through the kernel's per-CPU
 * data.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/io.h>
#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>
#include <linux/vmalloc.h>
#include <asm/msr-index.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "host/host.h"
#include "host/host_cpu.h"
#include "host/host_msix.h"
#include "host/host_event.h"
#include "pages.h"
#include "vmx/caps.h"
#include "vmx/host_caps.h"
#include "vmx/vmx_bits.h"

DEFINE_PER_CPU(struct tvx_host_cpu, tvx_host_cpus);

/* on and off, the status, and host-side changes of the EPT (host_msix.c) */
DEFINE_MUTEX(tvx_host_lock);
bool tvx_host_wanted;			/* written under tvx_host_lock and cpus lock */
static struct tvx_host_ept tvx_host_ept;
static u64 tvx_host_enables, tvx_host_disables;
static int tvx_host_hp_state = -1;

/*
 * The host side's bookkeeping of root mode's pages (to free them; never
 * dereferenced while a CPU is in host mode), and root mode's counters
 * of earlier sessions, added up when the last one ended.
 */
static struct tvx_host_cfg *tvx_host_cfg;
static unsigned int tvx_host_cfg_order;
static struct page *tvx_host_msr_bitmap, *tvx_host_root_pgd, *tvx_host_idt;
/* root mode's MSI-X set, its window's upper tables and its PTEs */
static struct page *tvx_host_msix, *tvx_host_win_upper, *tvx_host_win_pte;
static struct tvx_host_counters tvx_host_totals;

static void host_fault_report(struct irq_work *w);
struct irq_work tvx_host_fault_work = IRQ_WORK_INIT_HARD(host_fault_report);

/* root mode's page table: see host_root_pgd() */
#define HOST_ROOT_PGD_ORDER	1
/* root mode's MSI-X window: see host_msix_window() */
#define HOST_MSIX_ORDER		get_order(sizeof(struct tvx_host_msix))
#define HOST_WIN_UPPER_ORDER	2
#define HOST_WIN_PTE_ORDER	get_order(TVX_HMSIX_FRAMES * sizeof(u64))

static bool tvx_host_param;
module_param_named(host, tvx_host_param, bool, 0444);
MODULE_PARM_DESC(host, "turn host mode on at load (the running host as a guest)");

/*
 * For the selftests (root only): the physical address of one frame root
 * mode owns, CPU 0's root-mode state; 0 while host mode is off. A host
 * access to it must be refused (host_test's stolen_frames).
 */
static int host_frame_get(char *buf, const struct kernel_param *kp)
{
	struct tvx_host_root *root;
	int n;

	mutex_lock(&tvx_host_lock);
	root = tvx_host_wanted ? per_cpu_ptr(&tvx_host_cpus, 0)->root : NULL;
	n = sysfs_emit(buf, "%#llx\n", root ? (u64)virt_to_phys(root) : 0ULL);
	mutex_unlock(&tvx_host_lock);
	return n;
}

static const struct kernel_param_ops host_frame_ops = {
	.get = host_frame_get,
};

module_param_cb(host_test_frame, &host_frame_ops, NULL, 0400);
MODULE_PARM_DESC(host_test_frame, "for tests: a frame root mode owns (0 when off)");

static bool tvx_host_use_ept = true;
module_param_named(host_ept, tvx_host_use_ept, bool, 0644);
MODULE_PARM_DESC(host_ept, "host mode with its identity EPT (off: no EPT)");

/*
 * Host mode's controls: as few exits as the architecture allows.
 * Interrupts go straight to the host's IDT; NMIs exit (NMI exiting), so
 * that an NMI never runs the kernel's handler in root mode, and come back
 * to the host as virtual NMIs (host_exit.c; NMI-window exiting is
 * switched on only while one waits). No HLT, MWAIT, PAUSE, I/O, CR3 or
 * CR8 exits; the MSR bitmap. What the host
 * kernel may use and would #UD on without its enable bit: RDTSCP (and
 * RDPID), INVPCID, XSAVES, TPAUSE/UMWAIT. The debug controls keep DR7
 * and IA32_DEBUGCTL across exits (a VM exit clears them otherwise).
 */
static const struct vmx_ctl_spec host_pin_spec = {
	.required = VMX_PIN_NMI_EXITING | VMX_PIN_VIRTUAL_NMIS,
};

static const struct vmx_ctl_spec host_proc_spec = {
	.required = VMX_PROC_USE_MSR_BITMAPS | VMX_PROC_SECONDARY_CONTROLS,
};

#define VMX_PROC2_USER_WAIT_PAUSE	BIT(26)

static const struct vmx_ctl_spec host_proc2_spec = {
	.optional = VMX_PROC2_RDTSCP | VMX_PROC2_INVPCID | VMX_PROC2_XSAVES |
		    VMX_PROC2_USER_WAIT_PAUSE,
};

static const struct vmx_ctl_spec host_exit_spec = {
	.required = VMX_EXIT_HOST_ADDR_SPACE_SIZE | VMX_EXIT_SAVE_DEBUG_CONTROLS |
		    VMX_EXIT_SAVE_IA32_EFER | VMX_EXIT_LOAD_IA32_EFER,
	.optional = VMX_EXIT_SAVE_IA32_PAT | VMX_EXIT_LOAD_IA32_PAT,
};

static const struct vmx_ctl_spec host_entry_spec = {
	.required = VMX_ENTRY_IA32E_MODE | VMX_ENTRY_LOAD_DEBUG_CONTROLS |
		    VMX_ENTRY_LOAD_IA32_EFER,
	.optional = VMX_ENTRY_LOAD_IA32_PAT,
};

static int host_adjust(const struct vmx_ctl_spec *spec, u64 msr, u64 true_msr,
		       const char *name, u32 *out)
{
	const struct thinvmx_caps *c = tvx_host_caps;
	u32 missing;

	if (c->msr_basic & VMXCAP_BASIC_TRUE_CTLS && true_msr)
		msr = true_msr;
	if (vmx_adjust_ctl(spec, msr, out, &missing)) {
		pr_warn("host mode: the %s controls lack bits %#x\n", name, missing);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int host_controls(struct tvx_host_cfg *cfg, bool ept)
{
	const struct thinvmx_caps *c = tvx_host_caps;
	struct vmx_ctl_spec proc2 = host_proc2_spec;
	int ret;

	if (ept)
		proc2.required |= VMX_PROC2_EPT;
	ret = host_adjust(&host_pin_spec, c->msr_pinbased, c->msr_true_pinbased,
			  "pin-based", &cfg->pin);
	ret = ret ?: host_adjust(&host_proc_spec, c->msr_procbased,
				 c->msr_true_procbased, "processor-based", &cfg->proc);
	ret = ret ?: host_adjust(&proc2, c->msr_procbased2, 0, "secondary",
				 &cfg->proc2);
	ret = ret ?: host_adjust(&host_exit_spec, c->msr_exit, c->msr_true_exit,
				 "VM-exit", &cfg->exit);
	ret = ret ?: host_adjust(&host_entry_spec, c->msr_entry, c->msr_true_entry,
				 "VM-entry", &cfg->entry);
	if (ret)
		return ret;
	/* allowed-1 settings are the high half (SDM A.3.2) */
	if (!((c->msr_basic & VMXCAP_BASIC_TRUE_CTLS && c->msr_true_procbased ?
	       c->msr_true_procbased : c->msr_procbased) >> 32 &
	      VMX_PROC_NMI_WINDOW_EXITING)) {
		pr_warn("host mode: no NMI-window exiting\n");
		return -EOPNOTSUPP;
	}
	/* the bits VMX fixes, and no other: they cannot change anyway */
	cfg->cr0_mask = c->msr_cr0_fixed0 | (u32)~c->msr_cr0_fixed1;
	cfg->cr4_mask = c->msr_cr4_fixed0 | (u32)~c->msr_cr4_fixed1;
	return 0;
}

/* IA32_FEATURE_CONTROL and the VMX MSRs exit, reads and writes. */
static void host_msr_bitmap(u8 *bitmap)
{
	u32 msr;

	__set_bit(VMX_MSR_FEATURE_CONTROL, (unsigned long *)bitmap);
	__set_bit(VMX_MSR_FEATURE_CONTROL, (unsigned long *)(bitmap + 2048));
	for (msr = VMX_MSR_BASIC; msr <= MSR_IA32_VMX_PROCBASED_CTLS3; msr++) {
		__set_bit(msr, (unsigned long *)bitmap);
		__set_bit(msr, (unsigned long *)(bitmap + 2048));
	}
}

static void host_free_cpus(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct tvx_host_cpu *hc = per_cpu_ptr(&tvx_host_cpus, cpu);

		if (hc->vmcs_page)
			tvx_free_pages(hc->vmcs_page, 0);
		if (hc->stack)
			tvx_free_pages(virt_to_page(hc->stack), TVX_HOST_STACK_ORDER);
		hc->vmcs_page = NULL;
		hc->stack = NULL;
		hc->root = NULL;
	}
}

/* Every CPU is out: root mode's counters go into the totals. */
static void host_fold_counters(void)
{
	struct tvx_host_counters *t = &tvx_host_totals;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct tvx_host_root *root = per_cpu_ptr(&tvx_host_cpus, cpu)->root;

		if (root)
			tvx_host_counters_add(t, &root->c);
	}
}

/* Natively, every CPU out of host mode (or never in). */
static void host_free(void)
{
	tvx_host_msix_stop();
	host_fold_counters();
	host_free_cpus();
	tvx_host_ept_free(&tvx_host_ept);
	if (tvx_host_msr_bitmap)
		tvx_free_pages(tvx_host_msr_bitmap, 0);
	if (tvx_host_root_pgd)
		tvx_free_pages(tvx_host_root_pgd, HOST_ROOT_PGD_ORDER);
	if (tvx_host_idt)
		tvx_free_pages(tvx_host_idt, 0);
	if (tvx_host_msix)
		tvx_free_pages(tvx_host_msix, HOST_MSIX_ORDER);
	if (tvx_host_win_upper)
		tvx_free_pages(tvx_host_win_upper, HOST_WIN_UPPER_ORDER);
	if (tvx_host_win_pte)
		tvx_free_pages(tvx_host_win_pte, HOST_WIN_PTE_ORDER);
	tvx_host_msix = NULL;
	tvx_host_win_upper = NULL;
	tvx_host_win_pte = NULL;
	if (tvx_host_cfg)
		tvx_free_pages(virt_to_page(tvx_host_cfg), tvx_host_cfg_order);
	tvx_host_msr_bitmap = NULL;
	tvx_host_root_pgd = NULL;
	tvx_host_idt = NULL;
	tvx_host_cfg = NULL;
}

/*
 * Root mode's page table: the kernel half of the current one. Every
 * process's table shares those top-level entries (the kernel's mappings,
 * vmalloc and modules included), and this copy outlives whichever
 * process was current here.
 *
 * Two pages, 8 KiB aligned, the table in the first, as the kernel's own
 * tables are: an NMI (or #DB, #MC) taken in root mode enters the kernel's
 * paranoid entry, which with page-table isolation takes a CR3 with bit 12
 * set for a user table and switches to the page below it. A table in a
 * page with that bit set crashed the machine at the first NMI that hit
 * root mode (host_test's nmi_backtraces).
 */
static struct page *host_root_pgd(void)
{
	struct page *p = tvx_alloc_pages(GFP_KERNEL | __GFP_ZERO,
					 HOST_ROOT_PGD_ORDER);
	pgd_t *cur = __va(read_cr3_pa());

	if (p)
		memcpy((pgd_t *)page_address(p) + PTRS_PER_PGD / 2,
		       cur + PTRS_PER_PGD / 2, PTRS_PER_PGD / 2 * sizeof(pgd_t));
	return p;
}

/*
 * Root mode's window for the MSI-X frames it writes on the host's behalf
 * (host_mmio.c): one top-level entry of root mode's page table, the one
 * the kernel leaves empty for a hypervisor (the guard hole), leading
 * through tables of its own to TVX_HMSIX_FRAMES page-table entries, which
 * only root mode fills (TVX_HC_SET_MSIX). Every table is stolen from the
 * host with the rest (host_steal()), so neither the set nor the mapping
 * root mode writes devices through is the host's to change, as an
 * ioremap() of the host's would be.
 */
static int host_msix_window(struct tvx_host_cfg *cfg)
{
	unsigned long va = GUARD_HOLE_BASE_ADDR;
	pgd_t *pgd = (pgd_t *)page_address(tvx_host_root_pgd) + pgd_index(va);
	unsigned int levels = pgtable_l5_enabled() ? 3 : 2, i;
	u64 *entry = (u64 *)pgd;

	if (pgd_val(*pgd)) {
		pr_warn("host mode: the kernel maps the guard hole at %#lx\n", va);
		return -EBUSY;
	}
	tvx_host_msix = tvx_alloc_pages(GFP_KERNEL | __GFP_ZERO, HOST_MSIX_ORDER);
	tvx_host_win_upper = tvx_alloc_pages(GFP_KERNEL | __GFP_ZERO,
					     HOST_WIN_UPPER_ORDER);
	tvx_host_win_pte = tvx_alloc_pages(GFP_KERNEL | __GFP_ZERO,
					   HOST_WIN_PTE_ORDER);
	if (!tvx_host_msix || !tvx_host_win_upper || !tvx_host_win_pte)
		return -ENOMEM;
	/* the window starts where the top-level entry does: index 0 below */
	for (i = 0; i < levels; i++) {
		u64 *t = page_address(tvx_host_win_upper) + i * PAGE_SIZE;

		*entry = __pa(t) | _KERNPG_TABLE;
		entry = t;
	}
	for (i = 0; i < 1U << HOST_WIN_PTE_ORDER; i++)
		entry[i] = (page_to_phys(tvx_host_win_pte) + i * PAGE_SIZE) |
			   _KERNPG_TABLE;
	cfg->msix = page_address(tvx_host_msix);
	cfg->msix_pte = page_address(tvx_host_win_pte);
	cfg->msix_va = va;
	return 0;
}

static int host_steal_range(struct tvx_host_ept *e, u64 pa, u64 size, u64 rights)
{
	u64 p;
	int ret;

	for (p = pa & PAGE_MASK; p < pa + size; p += PAGE_SIZE) {
		ret = tvx_host_ept_restrict(e, p, rights);
		if (ret)
			return ret;
	}
	return 0;
}

#define HOST_RX		(VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK)

/*
 * The module's core text (read and execute) and read-only data, with
 * what is read-only after init (read): vmalloc'd, page by page.
 */
static int host_steal_module(struct tvx_host_ept *e)
{
	const struct module_layout *l = &THIS_MODULE->core_layout;
	unsigned int off;
	int ret;

	for (off = 0; off < l->ro_after_init_size; off += PAGE_SIZE) {
		struct page *p = vmalloc_to_page(l->base + off);

		if (!p)
			return -EFAULT;
		ret = tvx_host_ept_restrict(e, page_to_phys(p),
					    off < l->text_size ? HOST_RX :
					    VMX_EPT_READABLE_MASK);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Natively, before any CPU uses the EPT. The EPT's own tables come last:
 * each split above added some, and stealing them may split once more
 * (list_for_each_entry() goes on to pages added at the list's tail).
 */
static int host_steal(struct tvx_host_ept *e)
{
	struct page *p;
	int cpu, ret;

	ret = host_steal_range(e, virt_to_phys(tvx_host_cfg),
			       PAGE_SIZE << tvx_host_cfg_order, 0);
	ret = ret ?: host_steal_range(e, page_to_phys(tvx_host_msr_bitmap), PAGE_SIZE, 0);
	ret = ret ?: host_steal_range(e, page_to_phys(tvx_host_root_pgd),
				      PAGE_SIZE << HOST_ROOT_PGD_ORDER, 0);
	ret = ret ?: host_steal_range(e, page_to_phys(tvx_host_idt), PAGE_SIZE, 0);
	ret = ret ?: host_steal_range(e, page_to_phys(tvx_host_msix),
				      PAGE_SIZE << HOST_MSIX_ORDER, 0);
	ret = ret ?: host_steal_range(e, page_to_phys(tvx_host_win_upper),
				      PAGE_SIZE << HOST_WIN_UPPER_ORDER, 0);
	ret = ret ?: host_steal_range(e, page_to_phys(tvx_host_win_pte),
				      PAGE_SIZE << HOST_WIN_PTE_ORDER, 0);
	for_each_possible_cpu(cpu) {
		struct tvx_host_cpu *hc = per_cpu_ptr(&tvx_host_cpus, cpu);
		u64 vmxon = vmx_vmxon_region_pa(cpu);

		ret = ret ?: host_steal_range(e, page_to_phys(hc->vmcs_page), PAGE_SIZE, 0);
		ret = ret ?: host_steal_range(e, virt_to_phys(hc->stack),
					      TVX_HOST_STACK_SIZE, 0);
		if (vmxon)
			ret = ret ?: host_steal_range(e, vmxon, PAGE_SIZE, 0);
	}
	ret = ret ?: host_steal_module(e);
	if (ret)
		return ret;
	list_for_each_entry(p, &e->pages, lru) {
		ret = tvx_host_ept_restrict(e, page_to_phys(p), 0);
		if (ret)
			return ret;
	}
	return 0;
}

static int host_prepare(void)
{
	size_t cfg_size = struct_size(tvx_host_cfg, roots, nr_cpu_ids);
	struct tvx_host_cfg *cfg;
	unsigned int eax, ebx, ecx, edx;
	struct page *cfg_page;
	int cpu, ret;

	tvx_host_cfg_order = get_order(cfg_size);
	cfg_page = tvx_alloc_pages(GFP_KERNEL | __GFP_ZERO, tvx_host_cfg_order);
	if (!cfg_page)
		return -ENOMEM;
	cfg = page_address(cfg_page);
	tvx_host_cfg = cfg;
	ret = host_controls(cfg, tvx_host_use_ept);
	if (ret)
		goto err;
	cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
	cfg->xcr0_supported = eax | ((u64)edx << 32);
	cfg->pa_top = 1ULL << boot_cpu_data.x86_phys_bits;
	cfg->ram_top = __pa(high_memory);
	cfg->nr_roots = nr_cpu_ids;
	tvx_host_msr_bitmap = tvx_alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
	tvx_host_root_pgd = host_root_pgd();
	tvx_host_idt = tvx_alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
	if (!tvx_host_msr_bitmap || !tvx_host_root_pgd || !tvx_host_idt)
		goto nomem;
	ret = host_msix_window(cfg);
	if (ret)
		goto err;
	host_msr_bitmap(page_address(tvx_host_msr_bitmap));
	tvx_host_idt_fill(page_address(tvx_host_idt));
	cfg->msr_bitmap_pa = page_to_phys(tvx_host_msr_bitmap);
	/* root mode's copy of the policies; pinned and watched MSRs exit */
	tvx_host_policy_load(cfg);
	cfg->root_pgd_pa = page_to_phys(tvx_host_root_pgd);
	cfg->idt_base = (unsigned long)page_address(tvx_host_idt);
	for_each_possible_cpu(cpu) {
		struct tvx_host_cpu *hc = per_cpu_ptr(&tvx_host_cpus, cpu);
		struct page *stack;

		hc->vmcs_page = tvx_alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
		stack = tvx_alloc_pages(GFP_KERNEL | __GFP_ZERO, TVX_HOST_STACK_ORDER);
		hc->stack = stack ? page_address(stack) : NULL;
		if (!hc->vmcs_page || !hc->stack)
			goto nomem;
		vmx_loaded_vmcs_init(&hc->vmcs, hc->vmcs_page);
		hc->root = tvx_host_root_of(hc->stack);
		hc->root->cfg = cfg;
		hc->root->proc = cfg->proc;
		hc->root->cpu = cpu;
		hc->root->wake = tvx_host_ev_wake(cpu);
		hc->faulted = false;
		cfg->roots[cpu] = hc->root;
	}
	if (tvx_host_use_ept) {
		ret = tvx_host_ept_build(&tvx_host_ept);
		if (ret) {
			pr_warn("host mode: cannot build the identity EPT: %d\n", ret);
			goto err;
		}
		for (cfg->pool_n = 0; cfg->pool_n < TVX_HOST_POOL; cfg->pool_n++) {
			u64 pa = tvx_host_ept_page_pa(&tvx_host_ept);

			if (!pa)
				goto nomem;
			cfg->pool[cfg->pool_n] = pa;
		}
		ret = host_steal(&tvx_host_ept);
		if (ret) {
			pr_warn("host mode: cannot take the hypervisor's frames from the host: %d\n",
				ret);
			goto err;
		}
		cfg->ept_pml4_pa = page_to_phys(tvx_host_ept.pml4);
		cfg->eptp = cfg->ept_pml4_pa | VMX_EPTP_PWL_4 | VMX_EPTP_MT_WB;
		cfg->invept_single = tvx_has_feature(THINVMX_FEAT_INVEPT_SINGLE);
	}
	return 0;

nomem:
	ret = -ENOMEM;
err:
	host_free();
	return ret;
}

struct host_enter_result {
	atomic_t failed;
	int err;		/* the last failure */
	int cpu;		/* where it was */
	u32 insn_err;		/* its VM-instruction error, if VMfail */
};

/* Take this CPU in. Interrupts off; in VMX operation (vmx_cpu_on()). */
static void host_cpu_enter(struct host_enter_result *res)
{
	struct tvx_host_cpu *hc = this_cpu_ptr(&tvx_host_cpus);
	int ret;

	if (hc->on)
		return;
	vmx_loaded_vmcs_clear_local(&hc->vmcs);
	ret = vmx_loaded_vmcs_load(&hc->vmcs);
	if (!ret) {
		/*
		 * Natively: this CPU's root state is not behind the EPT here.
		 * The VMCS starts without the NMI window; anything pending
		 * went to the host's own handlers when the CPU last left.
		 */
		hc->root->bailing = 0;
		hc->root->window = 0;
		tvx_host_vmcs_setup(hc, tvx_host_cfg);
		/*
		 * Nothing cached from an earlier EPT at this address (an
		 * earlier host mode, a kexec'd kernel's) may keep a right
		 * the identity EPT has taken away (KVM flushes at VMXON for
		 * the same reason). Natively: hc->on is still clear.
		 */
		tvx_host_call(TVX_HC_INVEPT, 0, 0, 0);
		WRITE_ONCE(hc->on, true);
		ret = tvx_host_launch();
	}
	if (ret) {
		WRITE_ONCE(hc->on, false);
		res->err = ret;
		res->cpu = smp_processor_id();
		if (ret == -EIO)
			res->insn_err = vmcs_read32(VM_INSTRUCTION_ERROR);
		atomic_inc(&res->failed);
	}
}

static void host_cpu_enter_ipi(void *arg)
{
	host_cpu_enter(arg);
}

/**
 * tvx_host_cpu_leave() - take this CPU out of host mode, if it is in it
 *
 * Called before every VMXOFF (vmx/enable.c), in process, IPI or NMI
 * context (a crash): touches only this CPU. If root mode itself is
 * interrupted here (an NMI during an exit, a crash in the exit handler),
 * the VMCALL is VMfail and the CPU simply stays in root mode, where
 * VMCLEAR and VMXOFF work.
 *
 * Context: interrupts off.
 */
void tvx_host_cpu_leave(void)
{
	struct tvx_host_cpu *hc = raw_cpu_ptr(&tvx_host_cpus);

	if (!READ_ONCE(hc->on))
		return;
	tvx_host_vmcall(TVX_HC_LEAVE, 0, 0, 0);
	WRITE_ONCE(hc->on, false);
}

static void host_cpu_leave_ipi(void *arg)
{
	tvx_host_cpu_leave();
}

static void host_invept_ipi(void *arg)
{
	tvx_host_call(TVX_HC_INVEPT, 0, 0, 0);
}

/* Root mode gives frames [pfn, pfn + nr) the rights, by TVX_HC_EPT_SET. */
static int host_ept_set_run(const u64 *pfns, u32 nr, u64 rights)
{
	u32 i, n;
	int ret = 0, err;

	for (i = 0; i < nr; i += n) {
		for (n = 1; i + n < nr && n < TVX_HOST_EPT_SET_MAX &&
		     pfns[i + n] == pfns[i] + n; n++)
			;
		err = tvx_host_call(TVX_HC_EPT_SET, pfns[i], n, rights);
		if (err) {
			pr_warn_ratelimited("host mode: frames %#llx-%#llx keep their rights: %d\n",
					    pfns[i], pfns[i] + n - 1, err);
			ret = ret ?: err;
		}
	}
	return ret;
}

/**
 * tvx_host_ept_protect() - change the host's write right to frames
 * @wp:    frames to make read-only (sorted: runs are changed at once)
 * @nr_wp: how many
 * @rw:    frames to make writable again (sorted)
 * @nr_rw: how many
 *
 * The one place where host-side code changes the identity EPT while
 * host mode is on. The EPT's tables are root mode's (stolen from the
 * host), so root mode changes the leaves (TVX_HC_EPT_SET, which splits
 * superpages with pages of its own stolen pool and refuses frames of the
 * hypervisor's), then every CPU in host mode drops its cached
 * translations (TVX_HC_INVEPT). That round, an IPI to every online CPU,
 * also means that no CPU is still in an exit handler that began before
 * it (they run with interrupts off). A frame root mode refuses or cannot
 * split (-EPERM, -ENOMEM) keeps its rights, logged.
 *
 * Context: tvx_host_lock held; may sleep.
 * Return: 0, or the first error (the other frames are done).
 */
int tvx_host_ept_protect(const u64 *wp, u32 nr_wp, const u64 *rw, u32 nr_rw)
{
	int ret, err;

	lockdep_assert_held(&tvx_host_lock);
	/* the host side's own record: root mode's configuration is stolen */
	if (!tvx_host_ept.pml4)
		return 0;
	ret = host_ept_set_run(wp, nr_wp, VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK);
	err = host_ept_set_run(rw, nr_rw, VMX_EPT_RWX_MASK);
	on_each_cpu(host_invept_ipi, NULL, 1);
	return ret ?: err;
}

static void host_report_enter(const struct host_enter_result *res)
{
	int cpu = res->cpu;

	if (res->err == -EIO)
		pr_err("host mode: VMLAUNCH failed on CPU %d, VM-instruction error %u\n",
		       cpu, res->insn_err);
	else
		pr_err("host mode: cannot take CPU %d in: %d\n", cpu, res->err);
}

static int host_hp_online(unsigned int cpu)
{
	struct host_enter_result res = { .failed = ATOMIC_INIT(0) };

	if (!READ_ONCE(tvx_host_wanted))
		return 0;
	local_irq_disable();
	host_cpu_enter(&res);
	local_irq_enable();
	if (atomic_read(&res.failed))
		host_report_enter(&res);
	return 0;
}

static int host_hp_offline(unsigned int cpu)
{
	local_irq_disable();
	tvx_host_cpu_leave();
	local_irq_enable();
	return 0;
}

static int host_suspend(void)
{
	tvx_host_cpu_leave();
	return 0;
}

static void host_resume(void)
{
	struct host_enter_result res = { .failed = ATOMIC_INIT(0) };

	if (!tvx_host_wanted)
		return;
	host_cpu_enter(&res);
	if (atomic_read(&res.failed))
		host_report_enter(&res);
}

static struct syscore_ops host_syscore_ops = {
	.suspend = host_suspend,
	.resume = host_resume,
};

/**
 * tvx_host_enable() - turn host mode on: every online CPU becomes a guest
 *
 * Context: process context, may sleep.
 * Return:
 * * 0		- every online CPU runs as a guest
 * * -EBUSY	- host mode is on already, guest domains exist, another
 *		  hypervisor holds VMX, or kvm_intel is loaded (logged)
 * * -EOPNOTSUPP - VMX, or a control host mode needs, is missing
 * * -ENOMEM, -EIO - allocation, or VMLAUNCH on some CPU, failed (logged)
 */
int tvx_host_enable(void)
{
	struct host_enter_result res = { .failed = ATOMIC_INIT(0) };
	int ret;

	if (tvx_host_hp_state < 0)
		return -EOPNOTSUPP;
	mutex_lock(&tvx_host_lock);
	if (tvx_host_wanted) {
		pr_info("host mode is on already\n");
		ret = -EBUSY;
		goto out;
	}
	ret = vmx_emergency_host_begin();
	if (ret)
		goto out;
	ret = host_prepare();
	if (ret)
		goto err_emergency;
	ret = vmx_get_exclusive();
	if (ret) {
		host_free();
		goto err_emergency;
	}
	ret = tvx_host_msix_start();
	if (ret) {
		vmx_put();
		host_free();
		goto err_emergency;
	}
	cpus_read_lock();
	tvx_host_wanted = true;
	on_each_cpu(host_cpu_enter_ipi, &res, 1);
	if (atomic_read(&res.failed)) {
		tvx_host_wanted = false;
		on_each_cpu(host_cpu_leave_ipi, NULL, 1);
	}
	cpus_read_unlock();
	if (atomic_read(&res.failed)) {
		host_report_enter(&res);
		vmx_put();
		host_free();
		ret = -EIO;
		goto err_emergency;
	}
	tvx_host_enables++;
	pr_info("host mode on: %u CPUs run as guests%s, %llu frames taken from the host\n",
		num_online_cpus(), tvx_host_use_ept ? ", identity EPT" : "",
		tvx_host_ept.stolen);
	goto out;

err_emergency:
	vmx_emergency_host_end();
out:
	mutex_unlock(&tvx_host_lock);
	return ret;
}

/**
 * tvx_host_disable() - turn host mode off: every CPU goes on natively
 *
 * Context: process context, may sleep.
 * Return: 0, or -EINVAL when host mode is off.
 */
int tvx_host_disable(void)
{
	int ret = 0;

	mutex_lock(&tvx_host_lock);
	if (!tvx_host_wanted) {
		pr_info("host mode is off already\n");
		ret = -EINVAL;
		goto out;
	}
	cpus_read_lock();
	tvx_host_wanted = false;
	on_each_cpu(host_cpu_leave_ipi, NULL, 1);
	cpus_read_unlock();
	vmx_put();
	host_free();
	vmx_emergency_host_end();
	tvx_host_disables++;
	pr_info("host mode off\n");
out:
	mutex_unlock(&tvx_host_lock);
	return ret;
}

/*
 * Root mode left on a CPU after an exception of its own (host_idt.c):
 * said here, from the host's context, where a WARN can print.
 */
static void host_fault_report(struct irq_work *w)
{
	struct tvx_host_cpu *hc = this_cpu_ptr(&tvx_host_cpus);

	if (!READ_ONCE(hc->faulted))
		return;
	WRITE_ONCE(hc->faulted, false);
	WARN(1, "thinvmx: exception %llu (error %#llx) at %pS in root mode: CPU %d left host mode\n",
	     hc->fault_vector, hc->fault_error, (void *)hc->fault_rip, smp_processor_id());
}

/**
 * tvx_host_status() - host mode's state and counters
 * @st: filled in
 *
 * Root mode's live counters are in stolen pages: asked for by hypercall.
 */
void tvx_host_status(struct thinvmx_host_status *st)
{
	struct tvx_host_counters *c = kzalloc(sizeof(*c), GFP_KERNEL);
	const struct tvx_host_counters *t = &tvx_host_totals;
	int cpu, i;

	memset(st, 0, sizeof(*st));
	mutex_lock(&tvx_host_lock);
	if (tvx_host_wanted)
		st->flags |= THINVMX_HOST_ON;
	st->enables = tvx_host_enables;
	st->disables = tvx_host_disables;
	st->ept_pages = tvx_host_ept.nr_pages;
	st->ept_leaves_4k = tvx_host_ept.leaves[0];
	st->ept_leaves_2m = tvx_host_ept.leaves[1];
	st->ept_leaves_1g = tvx_host_ept.leaves[2];
	if (tvx_hmsix_current) {
		st->msix_regions = tvx_hmsix_current->nr;
		st->msix_frames = tvx_hmsix_current->nr_frames;
	}
	st->stolen_pages = tvx_host_ept.stolen;
	for_each_possible_cpu(cpu) {
		struct tvx_host_cpu *hc = per_cpu_ptr(&tvx_host_cpus, cpu);

		if (READ_ONCE(hc->on)) {
			st->nr_cpus_on++;
			if (cpu < 64)
				st->cpus_on |= BIT_ULL(cpu);
		}
	}
	if (READ_ONCE(tvx_host_mon.want.pin_cr))
		st->flags |= THINVMX_HOST_PIN_CR;
	if (READ_ONCE(tvx_host_mon.want.pin_msr))
		st->flags |= THINVMX_HOST_PIN_MSR;
	if (READ_ONCE(tvx_host_mon.lsn))
		st->flags |= THINVMX_HOST_LISTENER;
	if (c && tvx_host_cfg &&
	    tvx_host_call(TVX_HC_STATUS, virt_to_phys(c), sizeof(*c), 0))
		memset(c, 0, sizeof(*c));
	for (i = 0; i < THINVMX_HOST_EXIT_MAX; i++)
		st->exits[i] = t->exits[i] + (c ? c->exits[i] : 0);
	st->refused = t->refused + (c ? c->refused : 0);
	st->nmis = t->nmis + (c ? c->nmis : 0);
	st->root_faults = t->root_faults + (c ? c->root_faults : 0);
	st->nmi_root = t->nmi_root + (c ? c->nmi_root : 0);
	st->nmi_leave = t->nmi_leave + (c ? c->nmi_leave : 0);
	st->nmi_dropped = t->nmi_dropped + (c ? c->nmi_dropped : 0);
	st->msix_written = t->msix[TVX_HMSIX_WRITTEN] + (c ? c->msix[TVX_HMSIX_WRITTEN] : 0);
	st->msix_refused = t->msix[TVX_HMSIX_REFUSED] + (c ? c->msix[TVX_HMSIX_REFUSED] : 0);
	st->msix_pba = t->msix[TVX_HMSIX_PBA] + (c ? c->msix[TVX_HMSIX_PBA] : 0);
	st->msix_passed = t->msix[TVX_HMSIX_PASSED] + (c ? c->msix[TVX_HMSIX_PASSED] : 0);
	st->msix_undecoded = t->msix[TVX_HMSIX_UNDECODED] +
			     (c ? c->msix[TVX_HMSIX_UNDECODED] : 0);
	st->cr_pin_refused = t->cr_pin_refused + (c ? c->cr_pin_refused : 0);
	st->msr_pin_refused = t->msr_pin_refused + (c ? c->msr_pin_refused : 0);
	st->events = t->events + (c ? c->events : 0);
	st->events_lost = t->events_lost + (c ? c->events_lost : 0);
	mutex_unlock(&tvx_host_lock);
	kfree(c);
}

/**
 * tvx_host_init() - get host mode ready; turn it on if host=1 asked
 *
 * After vmx_enable_init(): the cpuhp state and the syscore ops must come
 * after vmx/enable.c's, so that a CPU is in VMX operation before it is
 * taken in, and out of host mode before it leaves VMX operation.
 *
 * Return: 0, or the error of the registration or of host=1.
 */
int tvx_host_init(void)
{
	int ret;

	if (tvx_host_caps->vmx_status != THINVMX_VMX_OK) {
		if (tvx_host_param)
			pr_err("host=1: VMX is not usable here\n");
		return tvx_host_param ? -EOPNOTSUPP : 0;
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "thinvmx/host:online",
					host_hp_online, host_hp_offline);
	if (ret < 0)
		return ret;
	tvx_host_hp_state = ret;
	ret = tvx_host_msix_init();
	if (ret) {
		cpuhp_remove_state_nocalls(tvx_host_hp_state);
		tvx_host_hp_state = -1;
		return ret;
	}
	register_syscore_ops(&host_syscore_ops);
	tvx_host_policy_init();
	if (tvx_host_param) {
		ret = tvx_host_enable();
		if (ret) {
			tvx_host_exit();
			return ret;
		}
	}
	return 0;
}

/**
 * tvx_host_exit() - turn host mode off if it is on; undo tvx_host_init()
 */
void tvx_host_exit(void)
{
	if (tvx_host_hp_state < 0)
		return;
	if (READ_ONCE(tvx_host_wanted))
		tvx_host_disable();
	unregister_syscore_ops(&host_syscore_ops);
	tvx_host_msix_exit();
	cpuhp_remove_state_nocalls(tvx_host_hp_state);
	irq_work_sync(&tvx_host_fault_work);
	tvx_host_hp_state = -1;
}
