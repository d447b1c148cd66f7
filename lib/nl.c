// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: the generic netlink family "thinvmx" (uapi/thinvmx_netlink.h)
 * over libnl-3.
 *
 * Requests go out on one socket and drive an error/ack/finish loop: every
 * request asks for an ack, so a doit ends with its ack (or error) and a
 * dump with NLMSG_DONE (or an error). The kernel's extended-ack message of
 * a failed request is kept for tvx_nl_error_message(). Notifications come
 * on a second socket, joined to the group by tvx_nl_subscribe(), with
 * sequence checks off (multicasts carry none) and a VALID callback.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <asm/vmx.h>

#include "libthinvmx.h"
#include "thinvmx_netlink.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

struct tvx_nl {
	struct nl_sock *sk;		/* requests */
	struct nl_sock *ev;		/* notifications, once subscribed */
	int family;
	char errmsg[256];
};

/* How replies are parsed: the attributes any reply may carry. */
static struct nla_policy tvx_nl_policy[THINVMX_A_MAX + 1] = {
	[THINVMX_A_DOMAIN_ID]		= { .type = NLA_U32 },
	[THINVMX_A_DOMAIN_OWNER]	= { .type = NLA_U32 },
	[THINVMX_A_DOMAIN_NR_VCPUS]	= { .type = NLA_U32 },
	[THINVMX_A_DOMAIN_MEM_BYTES]	= { .type = NLA_U64 },
	[THINVMX_A_DOMAIN_STATE]	= { .type = NLA_U32 },
	[THINVMX_A_DOMAIN_LISTENER]	= { .type = NLA_U8 },
	[THINVMX_A_STATS_EXITS]		= { .type = NLA_NESTED },
	[THINVMX_A_STATS_EVENTS]	= { .type = NLA_NESTED },
	[THINVMX_A_STATS_EXITS_TOTAL]	= { .type = NLA_U64 },
	[THINVMX_A_STATS_RING_WAITS]	= { .type = NLA_U64 },
	[THINVMX_A_STATS_TRAPS_INJECTED] = { .type = NLA_U64 },
	[THINVMX_A_STATS_MEM_ACCESS_VIOLATIONS] = { .type = NLA_U64 },
	[THINVMX_A_STATS_LOGDIRTY_FAULTS] = { .type = NLA_U64 },
	[THINVMX_A_STATS_RAM_RO_WRITES_DISCARDED] = { .type = NLA_U64 },
	[THINVMX_A_STATS_MMIO_RO_WRITES_DISCARDED] = { .type = NLA_U64 },
	[THINVMX_A_RO_FIRST_MFN]	= { .type = NLA_U64 },
	[THINVMX_A_RO_LAST_MFN]		= { .type = NLA_U64 },
	[THINVMX_A_RO_KIND]		= { .type = NLA_U32 },
	[THINVMX_A_RO_SBDF]		= { .type = NLA_U32 },
	[THINVMX_A_RO_DOMAIN]		= { .type = NLA_U32 },
	[THINVMX_A_RO_USERS]		= { .type = NLA_U32 },
	[THINVMX_A_CAPS_VMX_STATUS]	= { .type = NLA_U32 },
	[THINVMX_A_CAPS_FEATURES]	= { .type = NLA_U64 },
	[THINVMX_A_CAPS_NR_CPUS]	= { .type = NLA_U32 },
	[THINVMX_A_CAPS_VMCS_REVISION]	= { .type = NLA_U32 },
	[THINVMX_A_CAPS_STRUCT]		= { .minlen = sizeof(struct thinvmx_caps) },
	[THINVMX_A_MMIO_FIRST_MFN]	= { .type = NLA_U64 },
	[THINVMX_A_MMIO_LAST_MFN]	= { .type = NLA_U64 },
};

static struct nla_policy tvx_nl_stat_policy[THINVMX_A_STAT_MAX + 1] = {
	[THINVMX_A_STAT_REASON]	= { .type = NLA_U32 },
	[THINVMX_A_STAT_SYNC]	= { .type = NLA_U8 },
	[THINVMX_A_STAT_COUNT]	= { .type = NLA_U64 },
};

/* libnl's NLE_* as the nearest errno, for what the kernel did not say. */
static int tvx_nl_errno(int nle)
{
	switch (-nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_PERM:
		return -EPERM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
	case NLE_MSGTYPE_NOSUPPORT:
	case NLE_SEQ_MISMATCH:
	case NLE_PARSE_ERR:
	case NLE_MSG_OVERFLOW:
		return -EBADMSG;
	default:
		return -EIO;
	}
}

static int tvx_nl_socket(struct nl_sock **out)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1, ret;

	if (!sk)
		return -ENOMEM;
	ret = genl_connect(sk);
	if (ret) {
		nl_socket_free(sk);
		return tvx_nl_errno(ret);
	}
	/* the kernel's messages, and no copy of the request in errors */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	*out = sk;
	return 0;
}

int tvx_nl_open(struct tvx_nl **out)
{
	struct tvx_nl *nl;
	int ret;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	ret = tvx_nl_socket(&nl->sk);
	if (ret)
		goto err_free;
	nl->family = genl_ctrl_resolve(nl->sk, THINVMX_GENL_NAME);
	if (nl->family < 0) {
		ret = nl->family == -NLE_OBJ_NOTFOUND ? -ENOENT :
		      tvx_nl_errno(nl->family);
		goto err_sock;
	}
	*out = nl;
	return 0;

err_sock:
	nl_socket_free(nl->sk);
err_free:
	free(nl);
	return ret;
}

void tvx_nl_close(struct tvx_nl *nl)
{
	if (!nl)
		return;
	if (nl->ev)
		nl_socket_free(nl->ev);
	nl_socket_free(nl->sk);
	free(nl);
}

int tvx_nl_family_id(const struct tvx_nl *nl)
{
	return nl->family;
}

const char *tvx_nl_error_message(const struct tvx_nl *nl)
{
	return nl->errmsg;
}

/* One request in flight: what its replies go to and how it ended. */
struct tvx_nl_req {
	struct tvx_nl *nl;
	int (*parse)(struct nlattr **tb, void *arg);
	void *arg;
	int err;		/* the kernel's answer, or the parser's */
	int done;
};

/*
 * The extended ack after a struct nlmsgerr: the request is left out
 * (NLM_F_CAPPED) or copied whole, then come the NLMSGERR_ATTR_* TLVs.
 */
static void tvx_nl_extack(struct tvx_nl *nl, const struct nlmsgerr *e)
{
	const struct nlmsghdr *h = (const void *)((const char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	long len;

	nl->errmsg[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (long)h->nlmsg_len - NLMSG_HDRLEN - (long)off;
	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX,
				  (struct nlattr *)((char *)e + off), len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4) {
		size_t n = strlen(nl->errmsg);

		snprintf(nl->errmsg + n, sizeof(nl->errmsg) - n,
			 "%smissing attribute %u", n ? ": " : "",
			 nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
	}
}

static int tvx_nl_on_error(struct sockaddr_nl *who, struct nlmsgerr *e,
			   void *arg)
{
	struct tvx_nl_req *req = arg;

	tvx_nl_extack(req->nl, e);
	req->err = e->error;
	req->done = 1;
	return NL_STOP;
}

/*
 * The end of a dump, or an ack. A dump that failed after its start ends
 * with NLMSG_DONE carrying the error and, with NLM_F_ACK_TLVS, the
 * extended ack after it.
 */
static int tvx_nl_on_finish(struct nl_msg *msg, void *arg)
{
	struct tvx_nl_req *req = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int err;

	req->done = 1;
	if (h->nlmsg_type != NLMSG_DONE || nlmsg_datalen(h) < (int)sizeof(err))
		return NL_STOP;
	memcpy(&err, nlmsg_data(h), sizeof(err));
	if (err && !req->err)
		req->err = err;
	if (err && (h->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX,
		       (struct nlattr *)((char *)nlmsg_data(h) + sizeof(err)),
		       nlmsg_datalen(h) - sizeof(err), NULL) &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(req->nl->errmsg, sizeof(req->nl->errmsg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

static int tvx_nl_on_valid(struct nl_msg *msg, void *arg)
{
	struct tvx_nl_req *req = arg;
	struct nlattr *tb[THINVMX_A_MAX + 1];
	int ret;

	if (req->err || !req->parse)
		return NL_SKIP;
	ret = genlmsg_parse(nlmsg_hdr(msg), 0, tb, THINVMX_A_MAX, tvx_nl_policy);
	if (ret) {
		req->err = -EBADMSG;
		return NL_SKIP;
	}
	ret = req->parse(tb, req->arg);
	if (ret)
		req->err = ret;
	return NL_SKIP;
}

/* Send @msg (an ack asked for) and receive until the ack, error or done. */
static int tvx_nl_run(struct tvx_nl *nl, struct nl_msg *msg,
		      int (*parse)(struct nlattr **, void *), void *arg)
{
	struct tvx_nl_req req = { .nl = nl, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int ret;

	nl->errmsg[0] = '\0';
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, tvx_nl_on_valid, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, tvx_nl_on_finish, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, tvx_nl_on_finish, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, tvx_nl_on_error, &req);
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	ret = nl_send_auto(nl->sk, msg);
	if (ret < 0) {
		req.err = tvx_nl_errno(ret);
		goto out;
	}
	while (!req.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !req.done) {
			req.err = tvx_nl_errno(ret);
			break;
		}
	}
out:
	nl_cb_put(cb);
	return req.err;
}

int tvx_nl_transact(struct tvx_nl *nl, struct nl_msg *msg)
{
	return tvx_nl_run(nl, msg, NULL, NULL);
}

/* A request of @cmd, a dump if @dump; NULL for lack of memory. */
static struct nl_msg *tvx_nl_msg(struct tvx_nl *nl, __u8 cmd, int dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				dump ? NLM_F_DUMP : 0, cmd,
				THINVMX_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* A request with at most a u32 and two u64 attributes. */
static int tvx_nl_simple(struct tvx_nl *nl, __u8 cmd, int dump, int id_type,
			 __u32 id, int a_type, __u64 a, int b_type, __u64 b,
			 int (*parse)(struct nlattr **, void *), void *arg)
{
	struct nl_msg *msg = tvx_nl_msg(nl, cmd, dump);
	int ret;

	if (!msg)
		return -ENOMEM;
	if ((id_type && nla_put_u32(msg, id_type, id)) ||
	    (a_type && nla_put_u64(msg, a_type, a)) ||
	    (b_type && nla_put_u64(msg, b_type, b))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = tvx_nl_run(nl, msg, parse, arg);
	nlmsg_free(msg);
	return ret;
}

static __u32 get_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

static __u64 get_u64(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

/* ------------------------------------------------------------ caps */

static int tvx_nl_parse_caps(struct nlattr **tb, void *arg)
{
	struct thinvmx_caps *caps = arg;

	if (!tb[THINVMX_A_CAPS_STRUCT])
		return -EBADMSG;
	memcpy(caps, nla_data(tb[THINVMX_A_CAPS_STRUCT]), sizeof(*caps));
	return 0;
}

int tvx_nl_get_caps(struct tvx_nl *nl, struct thinvmx_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	return tvx_nl_simple(nl, THINVMX_CMD_GET_CAPS, 0, 0, 0, 0, 0, 0, 0,
			     tvx_nl_parse_caps, caps);
}

/* ------------------------------------------------------------ domains */

static int tvx_nl_fill_domain(struct nlattr **tb, struct tvx_nl_domain *d)
{
	if (!tb[THINVMX_A_DOMAIN_ID])
		return -EBADMSG;
	memset(d, 0, sizeof(*d));
	d->id = get_u32(tb, THINVMX_A_DOMAIN_ID);
	d->owner = get_u32(tb, THINVMX_A_DOMAIN_OWNER);
	d->nr_vcpus = get_u32(tb, THINVMX_A_DOMAIN_NR_VCPUS);
	d->state = get_u32(tb, THINVMX_A_DOMAIN_STATE);
	d->mem_bytes = get_u64(tb, THINVMX_A_DOMAIN_MEM_BYTES);
	d->listener = tb[THINVMX_A_DOMAIN_LISTENER] ?
		      nla_get_u8(tb[THINVMX_A_DOMAIN_LISTENER]) : 0;
	return 0;
}

static int tvx_nl_parse_domain(struct nlattr **tb, void *arg)
{
	return tvx_nl_fill_domain(tb, arg);
}

int tvx_nl_get_domain(struct tvx_nl *nl, __u32 id, struct tvx_nl_domain *d)
{
	memset(d, 0, sizeof(*d));
	return tvx_nl_simple(nl, THINVMX_CMD_GET_DOMAIN, 0, THINVMX_A_DOMAIN_ID,
			     id, 0, 0, 0, 0, tvx_nl_parse_domain, d);
}

struct tvx_nl_each {
	void *fn;
	void *arg;
};

static int tvx_nl_each_domain(struct nlattr **tb, void *arg)
{
	struct tvx_nl_each *each = arg;
	tvx_nl_domain_fn fn = (tvx_nl_domain_fn)each->fn;
	struct tvx_nl_domain d;
	int ret;

	ret = tvx_nl_fill_domain(tb, &d);
	return ret ? ret : fn(&d, each->arg);
}

int tvx_nl_list_domains(struct tvx_nl *nl, tvx_nl_domain_fn fn, void *arg)
{
	struct tvx_nl_each each = { .fn = (void *)fn, .arg = arg };

	return tvx_nl_simple(nl, THINVMX_CMD_GET_DOMAIN, 1, 0, 0, 0, 0, 0, 0,
			     tvx_nl_each_domain, &each);
}

/* ------------------------------------------------------------ stats */

/* Entries of a THINVMX_A_STATS_EXITS or _EVENTS nest into @s. */
static int tvx_nl_fill_stat_list(struct nlattr *list, struct tvx_nl_stats *s,
				 int events)
{
	struct nlattr *tb[THINVMX_A_STAT_MAX + 1];
	struct nlattr *e;
	__u32 reason;
	__u8 sync;
	int rem;

	if (!list)
		return 0;
	nla_for_each_nested(e, list, rem) {
		if (nla_type(e) != THINVMX_A_STAT)
			continue;
		if (nla_parse_nested(tb, THINVMX_A_STAT_MAX, e, tvx_nl_stat_policy) ||
		    !tb[THINVMX_A_STAT_REASON] || !tb[THINVMX_A_STAT_COUNT])
			return -EBADMSG;
		reason = nla_get_u32(tb[THINVMX_A_STAT_REASON]);
		if (!events) {
			if (reason < TVX_NL_EXIT_REASONS)
				s->exits[reason] = nla_get_u64(tb[THINVMX_A_STAT_COUNT]);
			continue;
		}
		sync = tb[THINVMX_A_STAT_SYNC] ?
		       !!nla_get_u8(tb[THINVMX_A_STAT_SYNC]) : 0;
		if (reason < THINVMX_EVENT_NR_REASONS)
			s->events[reason][sync] = nla_get_u64(tb[THINVMX_A_STAT_COUNT]);
	}
	return 0;
}

static int tvx_nl_fill_stats(struct nlattr **tb, struct tvx_nl_stats *s)
{
	if (!tb[THINVMX_A_DOMAIN_ID])
		return -EBADMSG;
	memset(s, 0, sizeof(*s));
	s->domain = get_u32(tb, THINVMX_A_DOMAIN_ID);
	s->exits_total = get_u64(tb, THINVMX_A_STATS_EXITS_TOTAL);
	s->ring_waits = get_u64(tb, THINVMX_A_STATS_RING_WAITS);
	s->traps_injected = get_u64(tb, THINVMX_A_STATS_TRAPS_INJECTED);
	s->mem_access_violations = get_u64(tb, THINVMX_A_STATS_MEM_ACCESS_VIOLATIONS);
	s->logdirty_faults = get_u64(tb, THINVMX_A_STATS_LOGDIRTY_FAULTS);
	s->ram_ro_writes_discarded = get_u64(tb, THINVMX_A_STATS_RAM_RO_WRITES_DISCARDED);
	s->mmio_ro_writes_discarded = get_u64(tb, THINVMX_A_STATS_MMIO_RO_WRITES_DISCARDED);
	if (tvx_nl_fill_stat_list(tb[THINVMX_A_STATS_EXITS], s, 0) ||
	    tvx_nl_fill_stat_list(tb[THINVMX_A_STATS_EVENTS], s, 1))
		return -EBADMSG;
	return 0;
}

static int tvx_nl_parse_stats(struct nlattr **tb, void *arg)
{
	return tvx_nl_fill_stats(tb, arg);
}

int tvx_nl_get_stats(struct tvx_nl *nl, __u32 id, struct tvx_nl_stats *s)
{
	memset(s, 0, sizeof(*s));
	return tvx_nl_simple(nl, THINVMX_CMD_GET_STATS, 0, THINVMX_A_DOMAIN_ID,
			     id, 0, 0, 0, 0, tvx_nl_parse_stats, s);
}

static int tvx_nl_each_stats(struct nlattr **tb, void *arg)
{
	struct tvx_nl_each *each = arg;
	tvx_nl_stats_fn fn = (tvx_nl_stats_fn)each->fn;
	struct tvx_nl_stats *s;
	int ret;

	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	ret = tvx_nl_fill_stats(tb, s);
	if (!ret)
		ret = fn(s, each->arg);
	free(s);
	return ret;
}

int tvx_nl_list_stats(struct tvx_nl *nl, tvx_nl_stats_fn fn, void *arg)
{
	struct tvx_nl_each each = { .fn = (void *)fn, .arg = arg };

	return tvx_nl_simple(nl, THINVMX_CMD_GET_STATS, 1, 0, 0, 0, 0, 0, 0,
			     tvx_nl_each_stats, &each);
}

/* ------------------------------------------------------------ read-only set */

static int tvx_nl_each_ro(struct nlattr **tb, void *arg)
{
	struct tvx_nl_each *each = arg;
	tvx_nl_ro_fn fn = (tvx_nl_ro_fn)each->fn;
	struct thinvmx_ro_entry r = {
		.first_mfn = get_u64(tb, THINVMX_A_RO_FIRST_MFN),
		.last_mfn = get_u64(tb, THINVMX_A_RO_LAST_MFN),
		.kind = get_u32(tb, THINVMX_A_RO_KIND),
		.sbdf = get_u32(tb, THINVMX_A_RO_SBDF),
		.domain = get_u32(tb, THINVMX_A_RO_DOMAIN),
		.users = get_u32(tb, THINVMX_A_RO_USERS),
	};

	if (!tb[THINVMX_A_RO_FIRST_MFN] || !tb[THINVMX_A_RO_LAST_MFN])
		return -EBADMSG;
	return fn(&r, each->arg);
}

int tvx_nl_ro_list(struct tvx_nl *nl, tvx_nl_ro_fn fn, void *arg)
{
	struct tvx_nl_each each = { .fn = (void *)fn, .arg = arg };

	return tvx_nl_simple(nl, THINVMX_CMD_RO_LIST, 1, 0, 0, 0, 0, 0, 0,
			     tvx_nl_each_ro, &each);
}

int tvx_nl_ro_add(struct tvx_nl *nl, __u64 first_mfn, __u64 last_mfn)
{
	return tvx_nl_simple(nl, THINVMX_CMD_RO_ADD, 0, 0, 0,
			     THINVMX_A_RO_FIRST_MFN, first_mfn,
			     THINVMX_A_RO_LAST_MFN, last_mfn, NULL, NULL);
}

int tvx_nl_ro_remove(struct tvx_nl *nl, __u64 first_mfn, __u64 last_mfn)
{
	return tvx_nl_simple(nl, THINVMX_CMD_RO_REMOVE, 0, 0, 0,
			     THINVMX_A_RO_FIRST_MFN, first_mfn,
			     THINVMX_A_RO_LAST_MFN, last_mfn, NULL, NULL);
}

/* ------------------------------------------------------------ MMIO allow-list */

static int tvx_nl_each_allow(struct nlattr **tb, void *arg)
{
	struct tvx_nl_each *each = arg;
	tvx_nl_allow_fn fn = (tvx_nl_allow_fn)each->fn;

	if (!tb[THINVMX_A_MMIO_FIRST_MFN] || !tb[THINVMX_A_MMIO_LAST_MFN])
		return -EBADMSG;
	return fn(get_u64(tb, THINVMX_A_MMIO_FIRST_MFN),
		  get_u64(tb, THINVMX_A_MMIO_LAST_MFN), each->arg);
}

int tvx_nl_mmio_allow_list(struct tvx_nl *nl, tvx_nl_allow_fn fn, void *arg)
{
	struct tvx_nl_each each = { .fn = (void *)fn, .arg = arg };

	return tvx_nl_simple(nl, THINVMX_CMD_MMIO_ALLOW_LIST, 1, 0, 0, 0, 0, 0,
			     0, tvx_nl_each_allow, &each);
}

int tvx_nl_mmio_allow_add(struct tvx_nl *nl, __u64 first_mfn, __u64 last_mfn)
{
	return tvx_nl_simple(nl, THINVMX_CMD_MMIO_ALLOW_ADD, 0, 0, 0,
			     THINVMX_A_MMIO_FIRST_MFN, first_mfn,
			     THINVMX_A_MMIO_LAST_MFN, last_mfn, NULL, NULL);
}

int tvx_nl_mmio_allow_remove(struct tvx_nl *nl, __u64 first_mfn,
			     __u64 last_mfn)
{
	return tvx_nl_simple(nl, THINVMX_CMD_MMIO_ALLOW_REMOVE, 0, 0, 0,
			     THINVMX_A_MMIO_FIRST_MFN, first_mfn,
			     THINVMX_A_MMIO_LAST_MFN, last_mfn, NULL, NULL);
}

/* ------------------------------------------------------------ host policies */

static int tvx_nl_parse_policy(struct nlattr **tb, void *arg)
{
	struct tvx_nl_host_policy *p = arg;

	if (!tb[THINVMX_A_HOST_PIN_CR] || !tb[THINVMX_A_HOST_PIN_MSR])
		return -EBADMSG;
	p->pin_cr = nla_get_u8(tb[THINVMX_A_HOST_PIN_CR]);
	p->pin_msr = nla_get_u8(tb[THINVMX_A_HOST_PIN_MSR]);
	p->cr_pin_refused = get_u64(tb, THINVMX_A_HOST_CR_PIN_REFUSED);
	p->msr_pin_refused = get_u64(tb, THINVMX_A_HOST_MSR_PIN_REFUSED);
	return 0;
}

int tvx_nl_host_get_policy(struct tvx_nl *nl, struct tvx_nl_host_policy *p)
{
	memset(p, 0, sizeof(*p));
	return tvx_nl_simple(nl, THINVMX_CMD_HOST_GET_POLICY, 0, 0, 0, 0, 0, 0, 0,
			     tvx_nl_parse_policy, p);
}

int tvx_nl_host_set_policy(struct tvx_nl *nl, int pin_cr, int pin_msr)
{
	struct nl_msg *msg = tvx_nl_msg(nl, THINVMX_CMD_HOST_SET_POLICY, 0);
	int ret;

	if (!msg)
		return -ENOMEM;
	if ((pin_cr >= 0 && nla_put_u8(msg, THINVMX_A_HOST_PIN_CR, !!pin_cr)) ||
	    (pin_msr >= 0 && nla_put_u8(msg, THINVMX_A_HOST_PIN_MSR, !!pin_msr))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = tvx_nl_run(nl, msg, NULL, NULL);
	nlmsg_free(msg);
	return ret;
}

/* ------------------------------------------------------------ notifications */

int tvx_nl_subscribe(struct tvx_nl *nl)
{
	struct nl_sock *ev;
	int grp, ret;

	if (nl->ev)
		return 0;
	grp = genl_ctrl_resolve_grp(nl->sk, THINVMX_GENL_NAME,
				    THINVMX_GENL_MCGRP_NOTIFY);
	if (grp < 0)
		return grp == -NLE_OBJ_NOTFOUND ? -ENOENT : tvx_nl_errno(grp);
	ret = tvx_nl_socket(&ev);
	if (ret)
		return ret;
	nl_socket_disable_seq_check(ev);
	ret = nl_socket_add_membership(ev, grp);
	if (ret) {
		/* the kernel's -EPERM, which libnl reports as NLE_FAILURE */
		nl_socket_free(ev);
		return ret == -NLE_PERM || ret == -NLE_FAILURE ? -EPERM :
		       tvx_nl_errno(ret);
	}
	nl->ev = ev;
	return 0;
}

int tvx_nl_event_fd(const struct tvx_nl *nl)
{
	return nl->ev ? nl_socket_get_fd(nl->ev) : -EINVAL;
}

struct tvx_nl_evread {
	tvx_nl_event_fn fn;
	void *arg;
	int err;
	int n;
};

static int tvx_nl_on_event(struct nl_msg *msg, void *arg)
{
	struct tvx_nl_evread *r = arg;
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[THINVMX_A_MAX + 1];
	struct tvx_nl_event e = { 0 };
	int ret;

	if (r->err)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, THINVMX_A_MAX, tvx_nl_policy) ||
	    !tb[THINVMX_A_DOMAIN_ID]) {
		r->err = -EBADMSG;
		return NL_SKIP;
	}
	e.cmd = g->cmd;
	e.domain = get_u32(tb, THINVMX_A_DOMAIN_ID);
	e.owner = get_u32(tb, THINVMX_A_DOMAIN_OWNER);
	e.mem_bytes = get_u64(tb, THINVMX_A_DOMAIN_MEM_BYTES);
	e.listener = tb[THINVMX_A_DOMAIN_LISTENER] ?
		     nla_get_u8(tb[THINVMX_A_DOMAIN_LISTENER]) : 0;
	r->n++;
	ret = r->fn(&e, r->arg);
	if (ret)
		r->err = ret;
	return NL_SKIP;
}

int tvx_nl_read_events(struct tvx_nl *nl, tvx_nl_event_fn fn, void *arg)
{
	struct tvx_nl_evread r = { .fn = fn, .arg = arg };
	struct nl_cb *cb, *sock_cb;
	int ret;

	if (!nl->ev)
		return -EINVAL;
	/* the socket's callbacks, sequence checks off (tvx_nl_subscribe) */
	sock_cb = nl_socket_get_cb(nl->ev);
	cb = nl_cb_clone(sock_cb);
	nl_cb_put(sock_cb);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, tvx_nl_on_event, &r);
	ret = nl_recvmsgs(nl->ev, cb);
	nl_cb_put(cb);
	if (ret < 0)
		return tvx_nl_errno(ret);
	return r.err ? r.err : r.n;
}

/* ------------------------------------------------------------ names */

const char *tvx_nl_event_str(__u32 cmd)
{
	switch (cmd) {
	case THINVMX_CMD_DOMAIN_CREATED:
		return "domain-created";
	case THINVMX_CMD_DOMAIN_DESTROYED:
		return "domain-destroyed";
	case THINVMX_CMD_LISTENER_ATTACHED:
		return "listener-attached";
	case THINVMX_CMD_LISTENER_DETACHED:
		return "listener-detached";
	default:
		return NULL;
	}
}

const char *tvx_domain_state_str(__u32 state)
{
	switch (state) {
	case THINVMX_DOMAIN_STATE_IDLE:
		return "idle";
	case THINVMX_DOMAIN_STATE_RUNNING:
		return "running";
	case THINVMX_DOMAIN_STATE_STOPPED:
		return "stopped";
	default:
		return NULL;
	}
}

static const struct {
	__u32 reason;
	const char *name;
} tvx_vmx_exit_names[] = { VMX_EXIT_REASONS };

const char *tvx_vmx_exit_str(__u32 reason)
{
	size_t i;

	for (i = 0; i < sizeof(tvx_vmx_exit_names) / sizeof(tvx_vmx_exit_names[0]); i++)
		if (tvx_vmx_exit_names[i].reason == reason)
			return tvx_vmx_exit_names[i].name;
	return NULL;
}

const char *tvx_stats_event_str(__u32 reason)
{
	static const char *const names[THINVMX_EVENT_NR_REASONS] = {
		[THINVMX_EVENT_CR0] = "cr0",
		[THINVMX_EVENT_CR3] = "cr3",
		[THINVMX_EVENT_CR4] = "cr4",
		[THINVMX_EVENT_INT3] = "int3",
		[THINVMX_EVENT_MEM_ACCESS] = "mem-access",
		[THINVMX_EVENT_RO_MMIO_WRITE] = "ro-mmio-write",
		[THINVMX_EVENT_SINGLESTEP] = "singlestep",
		[THINVMX_EVENT_MSR] = "msr",
		[THINVMX_EVENT_XCR0] = "xcr0",
		[THINVMX_EVENT_CPUID] = "cpuid",
		[THINVMX_EVENT_DESC_ACCESS] = "desc-access",
		[THINVMX_EVENT_DEBUG] = "debug",
		[THINVMX_EVENT_GUEST_REQUEST] = "guest-request",
		[THINVMX_EVENT_IO] = "io",
	};

	return reason < THINVMX_EVENT_NR_REASONS ? names[reason] : NULL;
}
