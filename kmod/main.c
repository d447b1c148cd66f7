// SPDX-License-Identifier: GPL-2.0
/*
 * thinvmx: a thin VMX hypervisor as a loadable module.
 *
 * This file owns the module's life and /dev/thinvmx. The module always
 * loads: on a host where VMX cannot be used it stays loaded so that
 * THINVMX_GET_CAPABILITIES (and one line in dmesg) can say exactly why, and
 * every operation that needs VMX fails with -EOPNOTSUPP (or -EBUSY while
 * another hypervisor holds VMX).
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <asm/fpu/xcr.h>

#include "../uapi/thinvmx.h"
#include "domain.h"
#include "host/host.h"
#include "host/host_event.h"
#include "iommu/assign.h"
#include "msix/ro_mmio.h"
#include "netlink.h"
#include "vmx/caps.h"
#include "vmx/detect.h"
#include "vmx/enable.h"
#include "vmx/host_caps.h"
#include "vmx/run.h"
#include "vmx/spec.h"
#include "vmx/vmcs.h"

/* Evaluated once at load; read-only afterwards. */
static struct thinvmx_caps tvx_caps;
const struct thinvmx_caps *tvx_host_caps = &tvx_caps;

atomic_long_t tvx_pages = ATOMIC_LONG_INIT(0);

static int tvx_pages_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&tvx_pages));
}

static const struct kernel_param_ops tvx_pages_ops = {
	.get = tvx_pages_get,
};

module_param_cb(pages, &tvx_pages_ops, NULL, 0444);
MODULE_PARM_DESC(pages, "pages the module holds now (read-only)");

static void tvx_log_caps(const struct thinvmx_caps *c)
{
	if (c->vmx_status == THINVMX_VMX_OK) {
		pr_info("VMX usable on %u CPUs: VMCS revision %#x, EPT%s%s%s, VPID %s, unrestricted guest %s\n",
			c->nr_cpus, c->vmcs_revision,
			c->features & THINVMX_FEAT_EPT_2M ? " 2M" : "",
			c->features & THINVMX_FEAT_EPT_1G ? " 1G" : "",
			c->features & THINVMX_FEAT_EPT_AD ? " A/D" : "",
			c->features & THINVMX_FEAT_VPID ? "yes" : "no",
			c->features & THINVMX_FEAT_UNRESTRICTED ? "yes" : "no");
		return;
	}
	switch (c->vmx_status) {
	case THINVMX_VMX_MISSING_CONTROL:
	case THINVMX_VMX_MISSING_EPT:
		pr_warn("VMX unusable: %s: %s lacks bits %#llx; guests cannot run\n",
			vmx_status_name(c->vmx_status),
			vmx_ctl_name(c->detail_ctl), c->detail_bits);
		break;
	case THINVMX_VMX_MSR_FAULT:
		pr_warn("VMX unusable: %s (MSR %#llx); guests cannot run\n",
			vmx_status_name(c->vmx_status), c->detail_bits);
		break;
	case THINVMX_VMX_INCONSISTENT:
		pr_warn("VMX unusable: %s (CPU %u differs from the first); guests cannot run\n",
			vmx_status_name(c->vmx_status), c->detail_cpu);
		break;
	default:
		pr_warn("VMX unusable: %s; guests cannot run\n",
			vmx_status_name(c->vmx_status));
		break;
	}
}

/*
 * Whether another hypervisor keeps a CPU in VMX operation takes an IPI to
 * every CPU to learn: for netlink's GET_CAPS, open to every user, it is
 * learnt again at most once a second, however often anyone asks. The
 * ioctl (the device's users) looks now.
 */
static DEFINE_MUTEX(tvx_busy_lock);
static unsigned long tvx_busy_checked;	/* jiffies of the last look */
static bool tvx_busy_known;
static int tvx_busy_cpu;

static int tvx_foreign_cpu(bool now)
{
	int cpu;

	mutex_lock(&tvx_busy_lock);
	if (now || !tvx_busy_known || time_after(jiffies, tvx_busy_checked + HZ)) {
		tvx_busy_cpu = vmx_foreign_owner_cpu();
		tvx_busy_checked = jiffies;
		tvx_busy_known = true;
	}
	cpu = tvx_busy_cpu;
	mutex_unlock(&tvx_busy_lock);
	return cpu;
}

/**
 * tvx_read_caps() - the capabilities as THINVMX_GET_CAPABILITIES reports them
 * @caps: filled in
 * @now:  THINVMX_VMX_BUSY as it is now, else as seen within the last second
 *
 * What was evaluated at load, with THINVMX_VMX_BUSY checked.
 */
void tvx_read_caps(struct thinvmx_caps *caps, bool now)
{
	int cpu;

	*caps = tvx_caps;
	if (caps->vmx_status == THINVMX_VMX_OK) {
		cpu = tvx_foreign_cpu(now);
		if (cpu >= 0) {
			caps->vmx_status = THINVMX_VMX_BUSY;
			caps->detail_cpu = cpu;
		}
	}
}

static long tvx_ioctl_get_caps(void __user *argp)
{
	struct thinvmx_caps caps;

	tvx_read_caps(&caps, true);
	if (copy_to_user(argp, &caps, sizeof(caps)))
		return -EFAULT;
	return 0;
}

static long tvx_ioctl_host_status(void __user *argp)
{
	struct thinvmx_host_status st;

	tvx_host_status(&st);
	if (copy_to_user(argp, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

static long tvx_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case THINVMX_GET_CAPABILITIES:
		return tvx_ioctl_get_caps(argp);
	case THINVMX_CREATE_DOMAIN:
		return tvx_create_domain(argp);
	case THINVMX_OPEN_DOMAIN:
		return tvx_open_domain(argp);
	case THINVMX_RO_ADD:
	case THINVMX_RO_REMOVE:
		return tvx_ro_admin(argp, cmd == THINVMX_RO_ADD);
	case THINVMX_RO_LIST:
		return tvx_ro_list(argp);
	case THINVMX_IOMMU_PROBE:
		return tvx_iommu_probe(argp);
	case THINVMX_PCI_MSIX_INFO:
		return tvx_pci_msix_info(argp);
	/* host mode reaches the whole host: CAP_SYS_ADMIN, as for the node */
	case THINVMX_HOST_ENABLE:
		return capable(CAP_SYS_ADMIN) ? tvx_host_enable() : -EPERM;
	case THINVMX_HOST_DISABLE:
		return capable(CAP_SYS_ADMIN) ? tvx_host_disable() : -EPERM;
	case THINVMX_HOST_STATUS:
		return capable(CAP_SYS_ADMIN) ? tvx_ioctl_host_status(argp) : -EPERM;
	case THINVMX_HOST_ATTACH:
		return capable(CAP_SYS_ADMIN) ? tvx_host_attach(argp) : -EPERM;
	default:
		return -ENOTTY;
	}
}

/*
 * The node is root-only (0600); the packages' udev rule gives it to the
 * thinvmx group (0660), as /dev/kvm is given to kvm. Who may open it may
 * create domains (their memory charged to the opener's memory cgroup) and
 * open their own; what reaches beyond a domain -- host MMIO, devices, the
 * IOMMU, the read-only set, host frame numbers -- checks CAP_SYS_ADMIN
 * itself, in each ioctl, so a loosened node mode hands out none of it.
 */
static int tvx_dev_open(struct inode *inode, struct file *file)
{
	return nonseekable_open(inode, file);
}

static const struct file_operations tvx_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= tvx_dev_open,
	.unlocked_ioctl	= tvx_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice tvx_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "thinvmx",
	.fops	= &tvx_dev_fops,
	.mode	= 0600,
};

/* After every change of the read-only set: the domains, and host mode. */
static void tvx_ro_changed(void)
{
	tvx_reapply_mmio_all();
	tvx_host_msix_ro_changed();
}

static int __init tvx_init(void)
{
	int ret;

	vmx_detect(&tvx_caps);
	tvx_log_caps(&tvx_caps);

	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		tvx_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	tvx_spec_init();
	ret = tvx_l1d_init();
	if (ret)
		return ret;
	tvx_ro_init(tvx_ro_changed);
	ret = vmx_enable_init(&tvx_caps);
	if (ret)
		goto err_l1d;
	ret = misc_register(&tvx_misc);
	if (ret) {
		pr_err("cannot register /dev/thinvmx: %d\n", ret);
		goto err_enable;
	}
	ret = tvx_nl_init();
	if (ret) {
		pr_err("cannot register the generic netlink family: %d\n", ret);
		goto err_misc;
	}
	/* last: host=1 turns host mode on with everything else in place */
	ret = tvx_host_init();
	if (ret)
		goto err_nl;
	return 0;

err_nl:
	tvx_nl_exit();
err_misc:
	misc_deregister(&tvx_misc);
err_enable:
	vmx_enable_exit();
err_l1d:
	tvx_l1d_exit();
	return ret;
}

static void __exit tvx_exit(void)
{
	/* host mode off first: every CPU natively again */
	tvx_host_exit();
	tvx_nl_exit();
	misc_deregister(&tvx_misc);
	tvx_ro_exit();
	vmx_enable_exit();
	tvx_l1d_exit();
}

module_init(tvx_init);
module_exit(tvx_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("thinvmx developers");
MODULE_DESCRIPTION("thin VMX/EPT hypervisor with introspection events");
