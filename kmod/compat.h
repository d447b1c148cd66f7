/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between kernel versions, force-included into every object of
 * the module (Kbuild: -include). The .c files stay free of version checks.
 *
 * thinvmx targets 6.1 (Debian 12) and later.
 */
#ifndef _THINVMX_COMPAT_H
#define _THINVMX_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "thinvmx needs Linux 6.1 or later"
#endif

#endif /* _THINVMX_COMPAT_H */
