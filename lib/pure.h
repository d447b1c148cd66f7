/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for kmod/pure.h (same include guard): lets the module's
 * pure logic compile into libthinvmx and the host unit tests. Force-include
 * it (-include) or include it before the module's .c file.
 */
#ifndef _THINVMX_PURE_H
#define _THINVMX_PURE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;

#ifndef BIT
#define BIT(n)		(1UL << (n))
#endif
#define BIT_ULL(n)	(1ULL << (n))
#ifndef GENMASK
#define GENMASK(h, l)		(((~0UL) << (l)) & (~0UL >> (63 - (h))))
#endif
#ifndef GENMASK_ULL
#define GENMASK_ULL(h, l)	(((~0ULL) << (l)) & (~0ULL >> (63 - (h))))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef U32_MAX
#define U32_MAX		((u32)~0U)
#endif
#ifndef U64_MAX
#define U64_MAX		((u64)~0ULL)
#endif
#ifndef DIV_ROUND_UP
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#endif

/* One access the compiler neither tears, repeats nor drops. */
#ifndef READ_ONCE
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#endif
#ifndef WRITE_ONCE
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#endif

/*
 * Ordering of shared ring indices (kmod/memevent/ring.h): the kernel's
 * acquire load and release store, from the compiler's __atomic builtins.
 */
#ifndef smp_load_acquire
#define smp_load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#endif
#ifndef smp_store_release
#define smp_store_release(p, v)		__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif

/* Userspace has no speculation barrier to add: the index as checked. */
#ifndef array_index_nospec
#define array_index_nospec(index, size)	(index)
#endif

#endif /* _THINVMX_PURE_H */
