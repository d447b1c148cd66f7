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

/*
 * A domain: guest memory owned by the module, mapped into this process.
 * tvx_domain_create() maps every RAM entry of the final memory map; guest
 * physical address gpa is then at tvx_gpa(d, gpa).
 */
struct tvx_domain;
struct tvx_vcpu;

int tvx_domain_create(struct tvx_handle *h, const struct thinvmx_e820_entry *e820,
		      unsigned int nr, __u64 mem_bytes, __u32 flags,
		      struct tvx_domain **out);
/* one RAM entry [0, mem_bytes) */
int tvx_domain_create_simple(struct tvx_handle *h, __u64 mem_bytes,
			     struct tvx_domain **out);
void tvx_domain_destroy(struct tvx_domain *d);
int tvx_domain_fd(const struct tvx_domain *d);
/* host address of guest physical @gpa, NULL if it is not mapped RAM */
void *tvx_gpa(const struct tvx_domain *d, __u64 gpa);
int tvx_domain_memmap(struct tvx_domain *d, struct thinvmx_memmap *m,
		      struct thinvmx_e820_entry *entries, unsigned int max);

int tvx_vcpu_create(struct tvx_domain *d, unsigned int id, struct tvx_vcpu **out);
void tvx_vcpu_destroy(struct tvx_vcpu *v);
int tvx_vcpu_fd(const struct tvx_vcpu *v);
struct thinvmx_run *tvx_vcpu_run_page(const struct tvx_vcpu *v);
int tvx_vcpu_run(struct tvx_vcpu *v);
int tvx_get_regs(struct tvx_vcpu *v, struct thinvmx_regs *r);
int tvx_set_regs(struct tvx_vcpu *v, const struct thinvmx_regs *r);
int tvx_get_sregs(struct tvx_vcpu *v, struct thinvmx_sregs *s);
int tvx_set_sregs(struct tvx_vcpu *v, const struct thinvmx_sregs *s);

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
