/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "thinvmx" (netlink.c): registration and the
 * notification hooks the rest of the module calls.
 */
#ifndef _THINVMX_NETLINK_H
#define _THINVMX_NETLINK_H

#include <linux/types.h>

struct thinvmx_caps;
struct tvx_dom;

int tvx_nl_init(void);
void tvx_nl_exit(void);
void tvx_nl_notify_domain(struct tvx_dom *dom, bool created);
void tvx_nl_notify_listener(struct tvx_dom *dom, bool attached);

/* main.c: what THINVMX_GET_CAPABILITIES reports, for the family too */
void tvx_read_caps(struct thinvmx_caps *caps, bool now);

#endif /* _THINVMX_NETLINK_H */
