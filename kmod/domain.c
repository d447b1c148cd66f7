// SPDX-License-Identifier: GPL-2.0
/*
 * Domains: a guest physical address space owned by the module (Xen style,
 * not KVM memslots). THINVMX_CREATE_DOMAIN builds the memory map, populates
 * it with the largest pages that can be had, maps them in EPT, and returns
 * an fd; mmap of that fd at offset = guest physical address reaches the
 * guest's RAM. The domain dies with its last reference (its fd, its vCPUs,
 * and every mapping of its memory).
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/tsc.h>

#include "control.h"
#include "cpuid.h"
#include "domain.h"
#include "ept/mmio.h"
#include "ept/mmio_allow.h"
#include "ept/nx_huge.h"
#include "ept/p2m_ops.h"
#include "iommu/assign.h"
#include "lapic/lapic.h"
#include "memevent/listener.h"
#include "memevent/trap.h"
#include "msix/ro_mmio.h"
#include "netlink.h"
#include "ram1g.h"
#include "vcpu.h"
#include "vmx/enable.h"
#include "vmx/host_caps.h"
#include "vmx/vmx_ops.h"

static DEFINE_IDA(tvx_domain_ida);
static DEFINE_MUTEX(tvx_domains_lock);
static LIST_HEAD(tvx_domains);

/**
 * tvx_call_each_domain() - call @fn for every live domain
 * @fn:  called with the domain list locked; may sleep, must not free
 * @arg: passed to @fn
 */
void tvx_call_each_domain(tvx_domain_fn fn, void *arg)
{
	struct tvx_dom *dom;

	mutex_lock(&tvx_domains_lock);
	list_for_each_entry(dom, &tvx_domains, node)
		fn(dom, arg);
	mutex_unlock(&tvx_domains_lock);
}

static void tvx_reapply_mmio_one(struct tvx_dom *dom, void *unused)
{
	mutex_lock(&dom->p2m_lock);
	tvx_domain_reapply_mmio(dom);
	mutex_unlock(&dom->p2m_lock);
}

/**
 * tvx_reapply_mmio_all() - every domain's MMIO_DIRECT leaves after a
 * change of the read-only set (the hook msix/ro_mmio.c calls)
 *
 * Context: the read-only set's lock held; may sleep.
 */
void tvx_reapply_mmio_all(void)
{
	tvx_call_each_domain(tvx_reapply_mmio_one, NULL);
}

/*
 * ASSIGN_DEVICE_BAR maps one whole BAR (page sized and aligned: ro_mmio.c
 * checks): the gate grants exactly it, and still refuses it where the
 * host keeps something of its own (a BAR inside e820 reserved memory).
 */
static int tvx_map_mmio_cb(void *ctx, u64 gfn, u64 mfn, u64 nr)
{
	struct tvx_dom *dom = ctx;
	struct mmio_span bar = {
		.s = mfn << PAGE_SHIFT, .e = ((mfn + nr) << PAGE_SHIFT) - 1,
	};
	int ret;

	ret = tvx_mmio_gate(dom->id, mfn, nr, &bar);
	return ret ?: tvx_map_mmio_frames(dom, gfn, mfn, nr);
}

/* 2 MiB: the largest page the buddy allocator hands out that EPT maps. */
#define TVX_CHUNK_ORDER		9

static void tvx_free_chunk(struct page *page, unsigned int order)
{
	if (order == TVX_1G_ORDER)
		tvx_free_1g(page);
	else
		tvx_free_pages(page, order);
}

static int tvx_add_chunk(struct tvx_dom *dom, u32 *cap, u64 gfn,
			 struct page *page, unsigned int order)
{
	if (dom->nr_chunks == *cap) {
		u32 ncap = *cap ? *cap * 2 : 64;
		struct tvx_chunk *n;

		n = kvrealloc(dom->chunks, *cap * sizeof(*n), ncap * sizeof(*n),
			      GFP_KERNEL_ACCOUNT);
		if (!n)
			return -ENOMEM;
		dom->chunks = n;
		*cap = ncap;
	}
	dom->chunks[dom->nr_chunks++] = (struct tvx_chunk) {
		.gfn = gfn, .page = page, .order = order,
	};
	return 0;
}

/*
 * Back [start, end) (page aligned) with the largest pages the range, the
 * CPU's EPT and the allocator allow: 1 GiB (ram1g.c; after one GiB was
 * not to be had, not tried again for this domain), 2 MiB, 4 KiB.
 */
static int tvx_populate_range(struct tvx_dom *dom, u32 *cap, u64 start,
			      u64 end, bool *try_1g)
{
	const u64 big = PAGE_SIZE << TVX_CHUNK_ORDER;
	const u64 giga = PAGE_SIZE << TVX_1G_ORDER;
	u64 gpa = start;
	int ret;

	while (gpa < end) {
		unsigned int order = 0;
		struct page *p = NULL;
		int level;

		if (*try_1g && IS_ALIGNED(gpa, giga) && end - gpa >= giga) {
			p = tvx_alloc_1g();
			order = p ? TVX_1G_ORDER : 0;
			*try_1g = p;
		}
		if (!p && IS_ALIGNED(gpa, big) && end - gpa >= big) {
			p = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					    __GFP_NOWARN | __GFP_NORETRY,
					    TVX_CHUNK_ORDER);
			order = p ? TVX_CHUNK_ORDER : 0;
		}
		/* a guest too big for the host fails here: no OOM kill for it */
		if (!p)
			p = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					    __GFP_RETRY_MAYFAIL | __GFP_NOWARN, 0);
		if (!p)
			return -ENOMEM;
		ret = tvx_add_chunk(dom, cap, gpa >> PAGE_SHIFT, p, order);
		if (ret) {
			tvx_free_chunk(p, order);
			return ret;
		}
		level = order == TVX_1G_ORDER ? EPT_LEVEL_1G :
			order ? EPT_LEVEL_2M : EPT_LEVEL_4K;
		ret = ept_map(&dom->ept, gpa, page_to_phys(p), level,
			      THINVMX_P2M_RAM_RW, THINVMX_ACCESS_RWX, false);
		if (ret)
			return ret;
		gpa += PAGE_SIZE << order;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

static int tvx_populate(struct tvx_dom *dom)
{
	bool try_1g = tvx_ram_1g_enabled() &&
		      p2m_ept_level_ok(&dom->ept.caps, EPT_LEVEL_1G);
	u64 pages = 0;
	u32 cap = 0, i;
	int ret;

	/* more RAM than the host has is not even tried */
	for (i = 0; i < dom->map->nr; i++)
		if (dom->map->e820[i].type == THINVMX_E820_RAM)
			pages += dom->map->e820[i].size >> PAGE_SHIFT;
	if (pages > totalram_pages())
		return -ENOMEM;

	for (i = 0; i < dom->map->nr; i++) {
		const struct thinvmx_e820_entry *e = &dom->map->e820[i];

		if (e->type != THINVMX_E820_RAM)
			continue;
		dom->max_gfn = max(dom->max_gfn, (e->addr + e->size) >> PAGE_SHIFT);
		ret = tvx_populate_range(dom, &cap, e->addr, e->addr + e->size,
					 &try_1g);
		if (ret)
			return ret;
	}
	return 0;
}

static struct tvx_chunk *tvx_find_chunk(struct tvx_dom *dom, u64 gfn)
{
	u32 lo = 0, hi = dom->nr_chunks;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		struct tvx_chunk *c = &dom->chunks[mid];

		if (gfn < c->gfn)
			hi = mid;
		else if (gfn >= c->gfn + (1ULL << c->order))
			lo = mid + 1;
		else
			return c;
	}
	return NULL;
}

/**
 * tvx_gpa_to_hpa() - the host physical address behind a guest one
 * @dom: the domain
 * @gpa: guest physical address
 * @hpa: set when @gpa is RAM
 *
 * Return: true if @gpa is guest RAM.
 */
bool tvx_gpa_to_hpa(struct tvx_dom *dom, u64 gpa, u64 *hpa)
{
	struct tvx_chunk *c = tvx_find_chunk(dom, gpa >> PAGE_SHIFT);

	if (!c)
		return false;
	*hpa = page_to_phys(c->page) + (gpa - (c->gfn << PAGE_SHIFT));
	return true;
}

/**
 * tvx_read_guest() - copy from guest physical memory
 * @dom: the domain
 * @gpa: where
 * @buf: to
 * @len: bytes; may cross pages
 *
 * Return: 0, or -EFAULT when part of the range is not RAM.
 */
int tvx_read_guest(struct tvx_dom *dom, u64 gpa, void *buf, unsigned int len)
{
	while (len) {
		unsigned int n = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		u64 hpa;

		if (!tvx_gpa_to_hpa(dom, gpa, &hpa))
			return -EFAULT;
		memcpy(buf, phys_to_virt(hpa), n);
		buf += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

/* The real-mode helpers, when the map has them (reference 003). */
static void tvx_write_realmode_helpers(struct tvx_dom *dom)
{
	u64 hpa;

	if (!dom->map->ident_pt_gpa)
		return;
	if (!WARN_ON(!tvx_gpa_to_hpa(dom, dom->map->ident_pt_gpa, &hpa)))
		memmap_write_pse_identity(phys_to_virt(hpa));
	if (!WARN_ON(!tvx_gpa_to_hpa(dom, dom->map->tss_gpa, &hpa)))
		memmap_write_vm86_tss(phys_to_virt(hpa));
}

static void tvx_flush_ept_all_cpus(void *unused)
{
	/* a CPU on its way down or up flushes at its next VMXON */
	if (vmx_this_cpu_on())
		__invept(VMX_EPT_EXTENT_GLOBAL, 0, 0);
}

static void tvx_domain_free(struct kref *ref)
{
	struct tvx_dom *dom = container_of(ref, struct tvx_dom, ref);
	u32 i;

	mutex_lock(&tvx_domains_lock);
	if (!list_empty(&dom->node)) {
		list_del_init(&dom->node);
		tvx_nl_notify_domain(dom, false);
	}
	mutex_unlock(&tvx_domains_lock);
	/*
	 * Before the RAM goes: the IOMMU stops translating to it first. The
	 * devices' BAR registrations of the read-only set go with them.
	 */
	tvx_assign_domain_gone(dom->id);

	/*
	 * Translations tagged with this EPTP may be cached on any CPU; the
	 * tables' pages are about to be reused, and a later domain could get
	 * the same EPTP (SDM 29.4.3.1).
	 */
	if (dom->vmx_held)
		on_each_cpu(tvx_flush_ept_all_cpus, NULL, 1);
	ept_destroy(&dom->ept);
	tvx_views_free(dom);	/* the global INVEPT above covered them */
	tvx_dirty_free(dom);
	for (i = 0; i < dom->nr_chunks; i++)
		tvx_free_chunk(dom->chunks[i].page, dom->chunks[i].order);
	kvfree(dom->chunks);
	if (dom->msr_bitmap)
		tvx_free_pages(dom->msr_bitmap, 0);
	if (dom->scratch)
		tvx_free_pages(dom->scratch, 0);
	tvx_lapic_dom_free(dom);	/* after the INVEPT: its leaf is gone */
	kvfree(dom->cpuid);
	kfree(dom->map);
	free_cpumask_var(dom->stretch_cpus);
	if (dom->vmx_held)
		vmx_put();
	ida_free(&tvx_domain_ida, dom->id);
	kfree(dom);
	module_put(THIS_MODULE);
}

/**
 * tvx_domain_put() - drop a reference; the last frees the domain
 * @dom: the domain
 */
void tvx_domain_put(struct tvx_dom *dom)
{
	kref_put(&dom->ref, tvx_domain_free);
}

static int tvx_domain_release(struct inode *inode, struct file *file)
{
	/* a daemon that goes away leaves nothing paused */
	tvx_ctl_release(file->private_data, file);
	tvx_domain_put(file->private_data);
	return 0;
}

static void tvx_domain_vma_open(struct vm_area_struct *vma)
{
	struct tvx_dom *dom = vma->vm_private_data;

	kref_get(&dom->ref);
}

static void tvx_domain_vma_close(struct vm_area_struct *vma)
{
	tvx_domain_put(vma->vm_private_data);
}

static const struct vm_operations_struct tvx_domain_vm_ops = {
	.open = tvx_domain_vma_open,
	.close = tvx_domain_vma_close,
};

/*
 * mmap at offset = guest physical address. The whole range must be RAM;
 * it is mapped at once (the memory never moves while the domain lives).
 */
static int tvx_domain_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct tvx_dom *dom = file->private_data;
	u64 gpa = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;
	u64 off = 0;
	int ret;

	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	vma->vm_flags |= VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP;
	while (off < len) {
		struct tvx_chunk *c = tvx_find_chunk(dom, (gpa + off) >> PAGE_SHIFT);
		u64 in_chunk, n;

		if (!c)
			return -EINVAL;
		in_chunk = gpa + off - (c->gfn << PAGE_SHIFT);
		n = min_t(u64, (PAGE_SIZE << c->order) - in_chunk, len - off);
		ret = remap_pfn_range(vma, vma->vm_start + off,
				      page_to_pfn(c->page) + (in_chunk >> PAGE_SHIFT),
				      n, vma->vm_page_prot);
		if (ret)
			return ret;
		off += n;
	}
	vma->vm_private_data = dom;
	vma->vm_ops = &tvx_domain_vm_ops;
	kref_get(&dom->ref);
	return 0;
}

static long tvx_get_memmap(struct tvx_dom *dom,
			   struct thinvmx_memmap __user *uarg)
{
	struct thinvmx_memmap m;
	u32 n;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.reserved[0] || m.reserved[1])
		return -EINVAL;
	n = min(m.max_entries, dom->map->nr);
	if (n && copy_to_user(u64_to_user_ptr(m.entries), dom->map->e820,
			      n * sizeof(dom->map->e820[0])))
		return -EFAULT;
	m.nr_entries = dom->map->nr;
	m.ram_bytes = dom->map->ram_bytes;
	m.ident_pt_gpa = dom->map->ident_pt_gpa;
	m.tss_gpa = dom->map->tss_gpa;
	return copy_to_user(uarg, &m, sizeof(m)) ? -EFAULT : 0;
}

/* Index of the first chunk that ends above @gfn (nr_chunks if none). */
static u32 tvx_chunk_index_from(struct tvx_dom *dom, u64 gfn)
{
	u32 lo = 0, hi = dom->nr_chunks;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		struct tvx_chunk *c = &dom->chunks[mid];

		if (c->gfn + (1ULL << c->order) <= gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Reference 004's query: at most max_extents extents are written (each is
 * a run of frames contiguous in both address spaces), nr_extents says how
 * many the range needs. Every chunk is at most one extent, so a buffer of
 * min(max_extents, chunks in range) entries is enough.
 */
static long tvx_get_frame_list(struct tvx_dom *dom,
			       struct thinvmx_frame_list __user *uarg)
{
	struct thinvmx_frame_list fl;
	struct memmap_extent *buf = NULL;
	struct extent_builder b;
	u32 first, last, i;
	u64 end, cap;
	long ret = 0;

	/* host frame numbers: root's, as /proc/self/pagemap's PFNs are */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&fl, uarg, sizeof(fl)))
		return -EFAULT;
	if (fl.reserved[0] || fl.reserved[1])
		return -EINVAL;
	if (fl.nr_frames > THINVMX_FRAME_LIST_MAX ||
	    fl.first_gfn + fl.nr_frames < fl.first_gfn)
		return -EINVAL;
	end = fl.first_gfn + fl.nr_frames;
	first = tvx_chunk_index_from(dom, fl.first_gfn);
	last = tvx_chunk_index_from(dom, end);
	cap = min_t(u64, fl.max_extents, last - first + 1);
	if (cap) {
		buf = kvmalloc_array(cap, sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	extent_builder_init(&b, buf, cap);
	for (i = first; i < dom->nr_chunks && dom->chunks[i].gfn < end; i++) {
		struct tvx_chunk *c = &dom->chunks[i];
		u64 from = max(c->gfn, fl.first_gfn);
		u64 to = min(c->gfn + (1ULL << c->order), end);

		extent_add(&b, from, page_to_pfn(c->page) + (from - c->gfn),
			   to - from);
	}
	fl.nr_extents = extent_count(&b);
	if (copy_to_user(u64_to_user_ptr(fl.extents), buf,
			 sizeof(*buf) * min_t(u64, cap, fl.nr_extents)) ||
	    copy_to_user(uarg, &fl, sizeof(fl)))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

/*
 * THINVMX_SET/GET_GUEST_REQUEST: the VMCALL channels of guest requests.
 * The domain fd is the owner's (or CAP_SYS_ADMIN's, OPEN_DOMAIN): the
 * guest has no way here. A vCPU reads the set once per VMCALL.
 */
static long tvx_guest_request(struct tvx_dom *dom,
			      struct thinvmx_guest_request __user *uarg,
			      bool set)
{
	struct thinvmx_guest_request gr = { 0 };

	if (!set) {
		gr.channels = READ_ONCE(dom->request_channels);
		return copy_to_user(uarg, &gr, sizeof(gr)) ? -EFAULT : 0;
	}
	if (copy_from_user(&gr, uarg, sizeof(gr)))
		return -EFAULT;
	if (gr.reserved[0] || gr.reserved[1] || gr.reserved[2])
		return -EINVAL;
	WRITE_ONCE(dom->request_channels, gr.channels);
	return 0;
}

static long tvx_domain_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct tvx_dom *dom = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case THINVMX_CREATE_VCPU:
		return tvx_create_vcpu(dom, argp);
	case THINVMX_GET_MEMMAP:
		return tvx_get_memmap(dom, argp);
	case THINVMX_GET_FRAME_LIST:
		return tvx_get_frame_list(dom, argp);
	case THINVMX_SET_CPUID:
		return tvx_set_cpuid(dom, argp);
	case THINVMX_GET_CPUID:
		return tvx_get_cpuid(dom, argp);
	case THINVMX_SET_MEM_TYPE:
	case THINVMX_SET_MEM_ACCESS:
		return tvx_set_mem(dom, argp, cmd == THINVMX_SET_MEM_TYPE);
	case THINVMX_GET_MEM_ACCESS:
		return tvx_get_mem_access(dom, argp);
	case THINVMX_CHANGE_TYPE_GLOBAL:
		return tvx_change_type_global(dom, argp);
	case THINVMX_DIRTY_LOG:
		return tvx_dirty_log(dom, argp);
	case THINVMX_MAP_MMIO:
		return tvx_map_mmio(dom, argp);
	case THINVMX_GET_DOMAIN_INFO:
		return tvx_get_domain_info(dom, argp);
	case THINVMX_ASSIGN_DEVICE_BAR:
		return tvx_assign_device_bar(dom, argp, tvx_map_mmio_cb, dom);
	case THINVMX_SIGNAL_MSI:
		return tvx_lapic_signal_msi(dom, argp);
	case THINVMX_ATTACH_MONITOR:
		return tvx_attach_monitor(dom, argp);
	case THINVMX_INJECT_TRAP:
		return tvx_inject_trap(dom, argp);
	case THINVMX_DETACH_MONITOR:
		return tvx_detach_monitor(dom);
	case THINVMX_ASSIGN_DEVICE:
	case THINVMX_DEASSIGN_DEVICE:
		return tvx_assign_device(dom, argp, cmd == THINVMX_ASSIGN_DEVICE);
	case THINVMX_SET_GUEST_REQUEST:
	case THINVMX_GET_GUEST_REQUEST:
		return tvx_guest_request(dom, argp, cmd == THINVMX_SET_GUEST_REQUEST);
	case THINVMX_VIEW_CREATE:
	case THINVMX_VIEW_DESTROY:
	case THINVMX_VIEW_SET_ACCESS:
	case THINVMX_VIEW_GET_ACCESS:
	case THINVMX_VIEW_CHANGE_GFN:
	case THINVMX_VIEW_SWITCH:
	case THINVMX_VIEW_VMFUNC:
	case THINVMX_VIEW_VE:
		return tvx_view_ioctl(dom, cmd, argp, NULL);
	default:
		return tvx_ctl_ioctl(dom, file, cmd, argp);
	}
}

static const struct file_operations tvx_domain_fops = {
	.owner		= THIS_MODULE,
	.release	= tvx_domain_release,
	.unlocked_ioctl	= tvx_domain_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= tvx_domain_mmap,
	.llseek		= noop_llseek,
};

/**
 * tvx_open_domain() - THINVMX_OPEN_DOMAIN
 * @uarg: the caller's struct thinvmx_open_domain
 *
 * Another fd of a live domain, holding its own reference. The same rule
 * as attaching a listener: the creator's effective uid, or CAP_SYS_ADMIN.
 *
 * Return: a new domain fd, or -EFAULT, -EINVAL (flags or reserved bits),
 * -ENOENT (no live domain with this id), -EPERM, -EMFILE/-ENOMEM.
 */
int tvx_open_domain(struct thinvmx_open_domain __user *uarg)
{
	struct tvx_dom *dom = NULL, *d;
	struct thinvmx_open_domain od;
	int ret;

	if (copy_from_user(&od, uarg, sizeof(od)))
		return -EFAULT;
	if (od.flags || od.reserved[0] || od.reserved[1])
		return -EINVAL;

	/*
	 * A domain whose last reference is gone stays on the list until
	 * tvx_domain_free() takes this lock: it is not there to be opened.
	 */
	mutex_lock(&tvx_domains_lock);
	list_for_each_entry(d, &tvx_domains, node) {
		if (d->id == od.id && kref_get_unless_zero(&d->ref)) {
			dom = d;
			break;
		}
	}
	mutex_unlock(&tvx_domains_lock);
	if (!dom)
		return -ENOENT;
	if (!uid_eq(current_euid(), dom->owner_uid) && !capable(CAP_SYS_ADMIN)) {
		tvx_domain_put(dom);
		return -EPERM;
	}
	ret = anon_inode_getfd("thinvmx-domain", &tvx_domain_fops, dom,
			       O_RDWR | O_CLOEXEC);
	if (ret < 0)
		tvx_domain_put(dom);
	return ret;
}

/**
 * tvx_create_domain() - THINVMX_CREATE_DOMAIN
 * @uarg: the caller's struct thinvmx_create_domain
 *
 * Return: a new domain fd, or -EFAULT, -EINVAL (bad layout or arguments),
 * -ENOMEM, -EOPNOTSUPP (no usable VMX), -EBUSY (another hypervisor holds
 * VMX), -EINTR (a fatal signal while populating).
 */
int tvx_create_domain(struct thinvmx_create_domain __user *uarg)
{
	struct thinvmx_create_domain cd;
	struct thinvmx_e820_entry *e820;
	struct tvx_dom *dom;
	bool helpers;
	int ret, i;

	if (copy_from_user(&cd, uarg, sizeof(cd)))
		return -EFAULT;
	for (i = 0; i < ARRAY_SIZE(cd.reserved); i++)
		if (cd.reserved[i])
			return -EINVAL;
	if (cd.flags & ~(THINVMX_DOMAIN_REALMODE_HELPERS | THINVMX_DOMAIN_LAPIC))
		return -EINVAL;
	if (!cd.nr_e820 || cd.nr_e820 > THINVMX_E820_MAX)
		return -EINVAL;
	e820 = memdup_user(u64_to_user_ptr(cd.e820), cd.nr_e820 * sizeof(*e820));
	if (IS_ERR(e820))
		return PTR_ERR(e820);
	/* memmap_build() checks 2^48; the host's address width is EPT's too */
	for (i = 0; i < cd.nr_e820; i++) {
		u64 end;

		if (check_add_overflow(e820[i].addr, e820[i].size, &end) ||
		    end > ept_gfn_limit() << PAGE_SHIFT) {
			kfree(e820);
			return -EINVAL;
		}
	}

	ret = -ENOMEM;
	dom = kzalloc(sizeof(*dom), GFP_KERNEL_ACCOUNT);
	if (!dom)
		goto err_e820;
	kref_init(&dom->ref);
	mutex_init(&dom->lock);
	mutex_init(&dom->p2m_lock);
	xa_init(&dom->dirty);
	INIT_LIST_HEAD(&dom->node);
	spin_lock_init(&dom->cpuid_lock);
	atomic_set(&dom->step_owner, -1);
	init_waitqueue_head(&dom->step_wq);
	tvx_ctl_init(dom);
	dom->owner = task_tgid_nr(current);
	dom->owner_uid = current_euid();
	__module_get(THIS_MODULE);
	ret = ida_alloc(&tvx_domain_ida, GFP_KERNEL);
	if (ret < 0) {
		module_put(THIS_MODULE);
		kfree(dom);
		goto err_e820;
	}
	dom->id = ret;

	/* From here tvx_domain_put() undoes whatever was done. */
	ret = -ENOMEM;
	if (!zalloc_cpumask_var(&dom->stretch_cpus, GFP_KERNEL_ACCOUNT))
		goto err_put;
	dom->map = kzalloc(sizeof(*dom->map), GFP_KERNEL_ACCOUNT);
	if (!dom->map)
		goto err_put;
	helpers = !cpu_has_vmx_unrestricted_guest() ||
		  (cd.flags & THINVMX_DOMAIN_REALMODE_HELPERS);
	ret = memmap_build(e820, cd.nr_e820, cd.mem_bytes, helpers, dom->map);
	if (ret)
		goto err_put;

	ret = vmx_get();
	if (ret)
		goto err_put;
	dom->vmx_held = true;
	ret = -EOPNOTSUPP;
	if ((cd.flags & THINVMX_DOMAIN_LAPIC) && !tvx_lapic_possible())
		goto err_put;

	/* nx_huge_pages as it is now, for the domain's life (ept/nx_huge.c) */
	ret = ept_init(&dom->ept, tvx_host_caps, tvx_nx_huge_pages());
	if (ret)
		goto err_put;
	ret = tvx_populate(dom);
	if (ret)
		goto err_put;
	tvx_write_realmode_helpers(dom);

	ret = -ENOMEM;
	dom->msr_bitmap = tvx_alloc_pages(GFP_KERNEL_ACCOUNT, 0);
	if (!dom->msr_bitmap)
		goto err_put;
	memset(page_address(dom->msr_bitmap), 0xff, PAGE_SIZE);
	dom->scratch = tvx_alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!dom->scratch)
		goto err_put;
	ret = tvx_default_cpuid(dom);
	if (ret)
		goto err_put;
	if (cd.flags & THINVMX_DOMAIN_LAPIC) {
		dom->lapic = true;
		ret = cpuid_lapic_leaves(dom->cpuid, &dom->nr_cpuid,
					 THINVMX_CPUID_MAX, tsc_khz,
					 &dom->lapic_bus_khz);
		if (ret)
			goto err_put;
		ret = tvx_lapic_dom_init(dom);
		if (ret)
			goto err_put;
	}

	mutex_lock(&tvx_domains_lock);
	list_add_tail(&dom->node, &tvx_domains);
	tvx_nl_notify_domain(dom, true);
	mutex_unlock(&tvx_domains_lock);
	ret = anon_inode_getfd("thinvmx-domain", &tvx_domain_fops, dom,
			       O_RDWR | O_CLOEXEC);
	if (ret < 0)
		goto err_put;
	kfree(e820);
	return ret;

err_put:
	tvx_domain_put(dom);
err_e820:
	kfree(e820);
	return ret;
}
