/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Daemon-side control of a domain (control.c): pause and unpause, a paused
 * vCPU's registers, guest memory by guest-physical address -- what
 * libxenctrl gives a Xen introspection tool.
 */
#ifndef _THINVMX_CONTROL_H
#define _THINVMX_CONTROL_H

#include <linux/types.h>

struct file;
struct tvx_dom;
struct tvx_vcpu;

void tvx_ctl_init(struct tvx_dom *dom);
long tvx_ctl_ioctl(struct tvx_dom *dom, struct file *holder, unsigned int cmd,
		   void __user *argp);
void tvx_ctl_release(struct tvx_dom *dom, struct file *holder);
int tvx_ctl_park(struct tvx_vcpu *v);
void tvx_ctl_vcpu_gone(struct tvx_vcpu *v);

#endif /* _THINVMX_CONTROL_H */
