/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libthinvmx: the userspace API of thinvmx.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; nothing is kept in global state beyond the opaque handle.
 */
#ifndef _LIBTHINVMX_H
#define _LIBTHINVMX_H

#include <stdint.h>
#include <linux/types.h>
#include <thinvmx.h>	/* the kernel ABI, uapi/thinvmx.h */

#ifdef __cplusplus
extern "C" {
#endif

struct tvx_handle;

/* Open /dev/thinvmx (root only). *out is set on success. */
int tvx_open(struct tvx_handle **out);
void tvx_close(struct tvx_handle *h);
int tvx_fd(const struct tvx_handle *h);

/* THINVMX_GET_CAPABILITIES */
int tvx_get_caps(struct tvx_handle *h, struct thinvmx_caps *caps);

/* Human-readable names for THINVMX_VMX_* and THINVMX_CTL_* values. */
const char *tvx_vmx_status_str(__u32 status);
const char *tvx_ctl_str(__u32 ctl);

/*
 * Name of THINVMX_FEAT_* bit @bit (0..63) as used in tool output
 * ("ept-2m", "vpid", ...), or NULL for an unassigned bit.
 */
const char *tvx_feature_name(unsigned int bit);

#ifdef __cplusplus
}
#endif

#endif /* _LIBTHINVMX_H */
