/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host mode (host.c): the running host itself as a VMX guest of thinvmx
 * on every online CPU. What the rest of the module calls.
 */
#ifndef _THINVMX_HOST_HOST_H
#define _THINVMX_HOST_HOST_H

#include <linux/types.h>

struct thinvmx_host_status;

int tvx_host_init(void);
void tvx_host_exit(void);
int tvx_host_enable(void);
int tvx_host_disable(void);
void tvx_host_status(struct thinvmx_host_status *st);
void tvx_host_cpu_leave(void);
void tvx_host_msix_ro_changed(void);
long tvx_host_call(unsigned long op, u64 a0, u64 a1, u64 a2);

struct irq_work;
extern struct irq_work tvx_host_fault_work;

#endif /* _THINVMX_HOST_HOST_H */
