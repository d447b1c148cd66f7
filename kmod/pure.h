/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only header the pure decision logic includes. Unit tests provide a
 * substitute with the same include guard (lib/pure.h), so the very
 * same .c files compile into the module and into the cmocka tests.
 */
#ifndef _THINVMX_PURE_H
#define _THINVMX_PURE_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/rwonce.h>

#endif /* _THINVMX_PURE_H */
