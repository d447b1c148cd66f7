/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between kernel versions, force-included into every object of
 * the module (Kbuild: -include). The .c files stay free of version checks.
 */
#ifndef _THINVMX_COMPAT_H
#define _THINVMX_COMPAT_H

/*
 * thinvmx is written against 6.1 (Debian 12). When a later kernel renames
 * or changes an interface the module uses, the adaptation goes here, keyed
 * on the presence of the new interface rather than on version numbers.
 */

#endif /* _THINVMX_COMPAT_H */
