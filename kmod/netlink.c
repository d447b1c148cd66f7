// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "thinvmx" (uapi/thinvmx_netlink.h): the
 * capabilities for any reader; domains and their counters in full for
 * CAP_NET_ADMIN, and for anyone else only the domains it owns (the others
 * do not exist for it: -ENOENT, and left out of dumps); the read-only MMIO
 * set and the MMIO allow-list (host frames) for CAP_NET_ADMIN only; changes
 * of the read-only set and the allow-list for administrators;
 * notifications of domains and listeners coming and going for privileged
 * sockets.
 *
 * One policy table for every command, validated strictly by the genetlink
 * core (a new family: no GENL_DONT_VALIDATE_* flag, resv_start_op 0). The
 * policy says what an attribute may hold; tvx_nl_takes[] says which
 * attributes a request of each command may carry, so an attribute that
 * the command would ignore is refused rather than ignored.
 *
 * Domains are read inside tvx_call_each_domain(), under the domain list
 * lock. A domain whose last reference is gone waits for that lock in
 * tvx_domain_free() before anything of it is freed, so what is read here
 * cannot go away mid-read; no reference is taken (the count may already be
 * zero). vCPUs are read under dom->lock, which tvx_vcpu_free() takes to
 * unpublish a vCPU before freeing it. Lock order: the domain list, then
 * dom->lock. A vCPU counts as running while its run_lock is held, that is
 * for the whole THINVMX_RUN ioctl (and a register ioctl, briefly): on a
 * busy host the vCPU thread is often preempted inside RUN, off any CPU,
 * and it is still running the guest as its owner sees it.
 *
 * A dump takes the sorted domain ids when it starts and reads each domain
 * again as it gets to it: one destroyed meanwhile is left out, one created
 * meanwhile is not in this dump (its notification is).
 */
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/genetlink.h>

#include "../uapi/thinvmx.h"
#include "../uapi/thinvmx_netlink.h"
#include "netlink.h"
#include "nlstats.h"
#include "domain.h"
#include "host/host.h"
#include "host/host_event.h"
#include "ept/mmio_allow.h"
#include "msix/ro_mmio.h"
#include "vcpu.h"
#include "vmx/host_caps.h"

/* Multicast groups, by their index in tvx_nl_mcgrps[] */
#define TVX_NL_GRP_NOTIFY	0

static struct netlink_range_validation tvx_nl_mfn_range = {
	.max = TVX_RO_MAX_MFN,
};

static const struct nla_policy tvx_nl_policy[THINVMX_A_MAX + 1] = {
	[THINVMX_A_UNSPEC]	= { .strict_start_type = THINVMX_A_UNSPEC + 1 },
	[THINVMX_A_DOMAIN_ID]	= { .type = NLA_U32 },
	[THINVMX_A_RO_FIRST_MFN] = NLA_POLICY_FULL_RANGE(NLA_U64, &tvx_nl_mfn_range),
	[THINVMX_A_RO_LAST_MFN]	= NLA_POLICY_FULL_RANGE(NLA_U64, &tvx_nl_mfn_range),
	[THINVMX_A_MMIO_FIRST_MFN] = NLA_POLICY_FULL_RANGE(NLA_U64, &tvx_nl_mfn_range),
	[THINVMX_A_MMIO_LAST_MFN] = NLA_POLICY_FULL_RANGE(NLA_U64, &tvx_nl_mfn_range),
	[THINVMX_A_HOST_PIN_CR]	= NLA_POLICY_MAX(NLA_U8, 1),
	[THINVMX_A_HOST_PIN_MSR] = NLA_POLICY_MAX(NLA_U8, 1),
	/* every other attribute appears in replies only: NLA_UNSPEC refuses it */
};

/* The attributes a request (doit) of each command may carry; dumps take none. */
static const u64 tvx_nl_takes[THINVMX_CMD_MAX + 1] = {
	[THINVMX_CMD_GET_DOMAIN]	= BIT_ULL(THINVMX_A_DOMAIN_ID),
	[THINVMX_CMD_GET_STATS]		= BIT_ULL(THINVMX_A_DOMAIN_ID),
	[THINVMX_CMD_RO_ADD]		= BIT_ULL(THINVMX_A_RO_FIRST_MFN) |
					  BIT_ULL(THINVMX_A_RO_LAST_MFN),
	[THINVMX_CMD_RO_REMOVE]		= BIT_ULL(THINVMX_A_RO_FIRST_MFN) |
					  BIT_ULL(THINVMX_A_RO_LAST_MFN),
	[THINVMX_CMD_MMIO_ALLOW_ADD]	= BIT_ULL(THINVMX_A_MMIO_FIRST_MFN) |
					  BIT_ULL(THINVMX_A_MMIO_LAST_MFN),
	[THINVMX_CMD_MMIO_ALLOW_REMOVE]	= BIT_ULL(THINVMX_A_MMIO_FIRST_MFN) |
					  BIT_ULL(THINVMX_A_MMIO_LAST_MFN),
	[THINVMX_CMD_HOST_SET_POLICY]	= BIT_ULL(THINVMX_A_HOST_PIN_CR) |
					  BIT_ULL(THINVMX_A_HOST_PIN_MSR),
};

static_assert(THINVMX_A_MAX < 64);
static_assert(NLSTATS_EXIT_REASONS == TVX_NR_EXIT_REASONS);

static struct genl_family tvx_nl_family;

/* What the family reports of one domain, read under the locks. */
struct tvx_nl_dom {
	u32 id;
	pid_t owner;
	u64 mem_bytes;
	bool listener;
	u64 mem_access_violations;
	u64 logdirty_faults;
	u64 ram_ro_writes_discarded;
	u64 mmio_ro_writes_discarded;
	struct nlstats st;
};

/* Whose domains a request may see: all, or those of one owner. */
struct tvx_nl_viewer {
	bool all;
	kuid_t uid;
};

static struct tvx_nl_viewer tvx_nl_viewer_of(const struct sk_buff *skb)
{
	return (struct tvx_nl_viewer){
		.all = netlink_capable(skb, CAP_NET_ADMIN),
		.uid = current_euid(),
	};
}

static bool tvx_nl_may_see(const struct tvx_nl_viewer *who,
			   const struct tvx_dom *dom)
{
	return who->all || uid_eq(dom->owner_uid, who->uid);
}

struct tvx_nl_find {
	u32 id;
	bool found;
	struct tvx_nl_viewer who;
	struct tvx_nl_dom *out;
};

/* tvx_call_each_domain() callback: domain list lock held. */
static void tvx_nl_read_domain(struct tvx_dom *dom, void *arg)
{
	struct tvx_nl_find *f = arg;
	struct tvx_nl_dom *d = f->out;
	struct tvx_vcpu *v;
	u32 i;

	if (dom->id != f->id || !tvx_nl_may_see(&f->who, dom))
		return;
	f->found = true;
	memset(d, 0, sizeof(*d));
	d->id = dom->id;
	d->owner = dom->owner;
	d->mem_bytes = dom->map->ram_bytes;
	d->listener = !!rcu_access_pointer(dom->listener);
	d->mem_access_violations = atomic64_read(&dom->mem_access_violations);
	d->logdirty_faults = atomic64_read(&dom->logdirty_faults);
	d->ram_ro_writes_discarded = atomic64_read(&dom->ram_ro_writes_discarded);
	d->mmio_ro_writes_discarded = atomic64_read(&dom->mmio_ro_writes_discarded);
	mutex_lock(&dom->lock);
	nlstats_add_counts(&d->st, dom->stats_gone.exits,
			   &dom->stats_gone.events[0][0],
			   dom->stats_gone.ring_waits,
			   dom->stats_gone.traps_injected);
	for (i = 0; i < THINVMX_MAX_VCPUS; i++) {
		v = dom->vcpus[i];
		if (!v)
			continue;
		nlstats_add_vcpu(&d->st, v->stats.exits,
				 &v->stats.events[0][0],
				 READ_ONCE(v->stats.ring_waits),
				 READ_ONCE(v->stats.traps_injected),
				 mutex_is_locked(&v->run_lock),
				 READ_ONCE(v->stopped));
	}
	mutex_unlock(&dom->lock);
}

/* Read domain @id into @d. Return: whether it exists for @who. */
static bool tvx_nl_lookup(u32 id, const struct tvx_nl_viewer *who,
			  struct tvx_nl_dom *d)
{
	struct tvx_nl_find f = { .id = id, .who = *who, .out = d };

	tvx_call_each_domain(tvx_nl_read_domain, &f);
	return f.found;
}

/* The sorted ids of the live domains the requester may see, for a dump. */
struct tvx_nl_ids {
	u32 nr;
	u32 cap;
	int err;
	struct tvx_nl_viewer who;
	u32 *id;
};

static void tvx_nl_collect_id(struct tvx_dom *dom, void *arg)
{
	struct tvx_nl_ids *ids = arg;
	u32 *n;

	if (ids->err || !tvx_nl_may_see(&ids->who, dom))
		return;
	if (ids->nr == ids->cap) {
		n = krealloc_array(ids->id, ids->cap * 2 + 16, sizeof(*n),
				   GFP_KERNEL);
		if (!n) {
			ids->err = -ENOMEM;
			return;
		}
		ids->id = n;
		ids->cap = ids->cap * 2 + 16;
	}
	ids->id[ids->nr++] = dom->id;
}

static int tvx_nl_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* State of a dump, at cb->args[0]. */
struct tvx_nl_dump {
	bool checked;			/* tvx_nl_dump_check() passed */
	u32 nr;
	u32 pos;
	u32 *ids;			/* domain dumps */
	struct tvx_nl_viewer who;	/* whose, as the dump started */
	struct thinvmx_ro_entry *ro;	/* RO_LIST */
	struct tvx_mmio_allow_entry *allow;	/* MMIO_ALLOW_LIST */
	struct tvx_nl_dom dom;
};

static struct tvx_nl_dump *tvx_nl_dump_of(struct netlink_callback *cb)
{
	return (struct tvx_nl_dump *)cb->args[0];
}

/*
 * Dumps take no attribute: refuse any, naming it. Called from the first
 * dumpit, not from start: 6.1 gives a dump's start callback no extended
 * ack (cb->extack is set around dumpit only), and an error of the first
 * dumpit reaches the requester in NLMSG_DONE with the message.
 */
static int tvx_nl_dump_check(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	int i;

	for (i = 1; info->attrs && i <= THINVMX_A_MAX; i++) {
		if (info->attrs[i]) {
			NL_SET_ERR_MSG_ATTR(cb->extack, info->attrs[i],
					    "a dump takes no attribute");
			return -EINVAL;
		}
	}
	return 0;
}

static int tvx_nl_start_domains(struct netlink_callback *cb)
{
	struct tvx_nl_ids ids = { .who = tvx_nl_viewer_of(cb->skb) };
	struct tvx_nl_dump *dump;

	dump = kzalloc(sizeof(*dump), GFP_KERNEL);
	if (!dump)
		return -ENOMEM;
	tvx_call_each_domain(tvx_nl_collect_id, &ids);
	if (ids.err) {
		kfree(ids.id);
		kfree(dump);
		return ids.err;
	}
	sort(ids.id, ids.nr, sizeof(*ids.id), tvx_nl_cmp_u32, NULL);
	dump->ids = ids.id;
	dump->nr = ids.nr;
	dump->who = ids.who;
	cb->args[0] = (long)dump;
	return 0;
}

static int tvx_nl_start_ro(struct netlink_callback *cb)
{
	struct tvx_nl_dump *dump;

	dump = kzalloc(sizeof(*dump), GFP_KERNEL);
	if (!dump)
		return -ENOMEM;
	dump->ro = tvx_ro_entries(&dump->nr);
	if (!dump->ro) {
		kfree(dump);
		return -ENOMEM;
	}
	cb->args[0] = (long)dump;
	return 0;
}

static int tvx_nl_start_allow(struct netlink_callback *cb)
{
	struct tvx_nl_dump *dump;

	dump = kzalloc(sizeof(*dump), GFP_KERNEL);
	if (!dump)
		return -ENOMEM;
	dump->allow = tvx_mmio_allow_entries(&dump->nr);
	if (!dump->allow) {
		kfree(dump);
		return -ENOMEM;
	}
	cb->args[0] = (long)dump;
	return 0;
}

static int tvx_nl_done(struct netlink_callback *cb)
{
	struct tvx_nl_dump *dump = tvx_nl_dump_of(cb);

	if (dump) {
		kfree(dump->ids);
		kvfree(dump->ro);
		kfree(dump->allow);
		kfree(dump);
	}
	return 0;
}

static int tvx_nl_put_domain(struct sk_buff *skb, const struct tvx_nl_dom *d)
{
	if (nla_put_u32(skb, THINVMX_A_DOMAIN_ID, d->id) ||
	    nla_put_u32(skb, THINVMX_A_DOMAIN_OWNER, d->owner) ||
	    nla_put_u32(skb, THINVMX_A_DOMAIN_NR_VCPUS, d->st.nr_vcpus) ||
	    nla_put_u64_64bit(skb, THINVMX_A_DOMAIN_MEM_BYTES, d->mem_bytes,
			      THINVMX_A_PAD) ||
	    nla_put_u32(skb, THINVMX_A_DOMAIN_STATE,
			nlstats_domain_state(&d->st)) ||
	    nla_put_u8(skb, THINVMX_A_DOMAIN_LISTENER, d->listener))
		return -EMSGSIZE;
	return 0;
}

/* One THINVMX_A_STAT entry; @sync < 0: none (exits). */
static int tvx_nl_put_stat(struct sk_buff *skb, u32 reason, int sync, u64 count)
{
	struct nlattr *e = nla_nest_start(skb, THINVMX_A_STAT);

	if (!e ||
	    nla_put_u32(skb, THINVMX_A_STAT_REASON, reason) ||
	    (sync >= 0 && nla_put_u8(skb, THINVMX_A_STAT_SYNC, sync)) ||
	    nla_put_u64_64bit(skb, THINVMX_A_STAT_COUNT, count,
			      THINVMX_A_STAT_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, e);
	return 0;
}

/* The counters that are not zero, one entry each. */
static int tvx_nl_put_stat_lists(struct sk_buff *skb, const struct nlstats *st)
{
	const u64 *ev = &st->events[0][0];
	const u32 nr_ev = THINVMX_EVENT_NR_REASONS * 2;
	struct nlattr *nest;
	u32 i;

	nest = nla_nest_start(skb, THINVMX_A_STATS_EXITS);
	if (!nest)
		return -EMSGSIZE;
	for (i = nlstats_next_nonzero(st->exits, NLSTATS_EXIT_REASONS, 0);
	     i < NLSTATS_EXIT_REASONS;
	     i = nlstats_next_nonzero(st->exits, NLSTATS_EXIT_REASONS, i + 1))
		if (tvx_nl_put_stat(skb, i, -1, st->exits[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);

	nest = nla_nest_start(skb, THINVMX_A_STATS_EVENTS);
	if (!nest)
		return -EMSGSIZE;
	for (i = nlstats_next_nonzero(ev, nr_ev, 0); i < nr_ev;
	     i = nlstats_next_nonzero(ev, nr_ev, i + 1))
		if (tvx_nl_put_stat(skb, i / 2, i % 2, ev[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int tvx_nl_put_stats(struct sk_buff *skb, const struct tvx_nl_dom *d)
{
	const struct nlstats *st = &d->st;
	const struct {
		int type;
		u64 val;
	} v[] = {
		{ THINVMX_A_STATS_EXITS_TOTAL, nlstats_exits_total(st) },
		{ THINVMX_A_STATS_RING_WAITS, st->ring_waits },
		{ THINVMX_A_STATS_TRAPS_INJECTED, st->traps_injected },
		{ THINVMX_A_STATS_MEM_ACCESS_VIOLATIONS, d->mem_access_violations },
		{ THINVMX_A_STATS_LOGDIRTY_FAULTS, d->logdirty_faults },
		{ THINVMX_A_STATS_RAM_RO_WRITES_DISCARDED, d->ram_ro_writes_discarded },
		{ THINVMX_A_STATS_MMIO_RO_WRITES_DISCARDED, d->mmio_ro_writes_discarded },
	};
	u32 i;

	if (nla_put_u32(skb, THINVMX_A_DOMAIN_ID, d->id))
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(v); i++)
		if (nla_put_u64_64bit(skb, v[i].type, v[i].val, THINVMX_A_PAD))
			return -EMSGSIZE;
	return tvx_nl_put_stat_lists(skb, st);
}

static int tvx_nl_put_ro(struct sk_buff *skb, const struct thinvmx_ro_entry *r)
{
	if (nla_put_u64_64bit(skb, THINVMX_A_RO_FIRST_MFN, r->first_mfn,
			      THINVMX_A_PAD) ||
	    nla_put_u64_64bit(skb, THINVMX_A_RO_LAST_MFN, r->last_mfn,
			      THINVMX_A_PAD) ||
	    nla_put_u32(skb, THINVMX_A_RO_KIND, r->kind) ||
	    nla_put_u32(skb, THINVMX_A_RO_SBDF, r->sbdf) ||
	    nla_put_u32(skb, THINVMX_A_RO_DOMAIN, r->domain) ||
	    nla_put_u32(skb, THINVMX_A_RO_USERS, r->users))
		return -EMSGSIZE;
	return 0;
}

static int tvx_nl_put_allow(struct sk_buff *skb, const void *obj)
{
	const struct tvx_mmio_allow_entry *a = obj;

	if (nla_put_u64_64bit(skb, THINVMX_A_MMIO_FIRST_MFN, a->first_mfn,
			      THINVMX_A_PAD) ||
	    nla_put_u64_64bit(skb, THINVMX_A_MMIO_LAST_MFN, a->last_mfn,
			      THINVMX_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int tvx_nl_put_caps(struct sk_buff *skb, const struct thinvmx_caps *c)
{
	if (nla_put_u32(skb, THINVMX_A_CAPS_VMX_STATUS, c->vmx_status) ||
	    nla_put_u64_64bit(skb, THINVMX_A_CAPS_FEATURES, c->features,
			      THINVMX_A_PAD) ||
	    nla_put_u32(skb, THINVMX_A_CAPS_NR_CPUS, c->nr_cpus) ||
	    nla_put_u32(skb, THINVMX_A_CAPS_VMCS_REVISION, c->vmcs_revision) ||
	    nla_put(skb, THINVMX_A_CAPS_STRUCT, sizeof(*c), c))
		return -EMSGSIZE;
	return 0;
}

/* One message of a dump; -EMSGSIZE when the skb is full. */
static int tvx_nl_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			   u8 cmd, const void *obj,
			   int (*put)(struct sk_buff *, const void *))
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &tvx_nl_family, NLM_F_MULTI, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (put(skb, obj)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int tvx_nl_put_domain_v(struct sk_buff *skb, const void *d)
{
	return tvx_nl_put_domain(skb, d);
}

static int tvx_nl_put_stats_v(struct sk_buff *skb, const void *d)
{
	return tvx_nl_put_stats(skb, d);
}

static int tvx_nl_put_ro_v(struct sk_buff *skb, const void *r)
{
	return tvx_nl_put_ro(skb, r);
}

/*
 * A full skb ends this round; the next one resumes at dump->pos. An
 * object that does not fit an empty skb would never be sent: an error.
 */
static int tvx_nl_dump_domains(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tvx_nl_dump *dump = tvx_nl_dump_of(cb);
	u8 cmd = genl_dumpit_info(cb)->op.cmd;
	int ret;

	if (!dump->checked) {
		ret = tvx_nl_dump_check(cb);
		if (ret)
			return ret;
		dump->checked = true;
	}
	for (; dump->pos < dump->nr; dump->pos++) {
		if (!tvx_nl_lookup(dump->ids[dump->pos], &dump->who, &dump->dom))
			continue;
		ret = tvx_nl_dump_one(skb, cb, cmd, &dump->dom,
				      cmd == THINVMX_CMD_GET_STATS ?
				      tvx_nl_put_stats_v : tvx_nl_put_domain_v);
		if (ret)
			return skb->len ? skb->len : ret;
	}
	return skb->len;
}

static int tvx_nl_dump_ro(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tvx_nl_dump *dump = tvx_nl_dump_of(cb);
	int ret;

	if (!dump->checked) {
		ret = tvx_nl_dump_check(cb);
		if (ret)
			return ret;
		dump->checked = true;
	}
	for (; dump->pos < dump->nr; dump->pos++) {
		ret = tvx_nl_dump_one(skb, cb, THINVMX_CMD_RO_LIST,
				      &dump->ro[dump->pos], tvx_nl_put_ro_v);
		if (ret)
			return skb->len ? skb->len : ret;
	}
	return skb->len;
}

static int tvx_nl_dump_allow(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tvx_nl_dump *dump = tvx_nl_dump_of(cb);
	int ret;

	if (!dump->checked) {
		ret = tvx_nl_dump_check(cb);
		if (ret)
			return ret;
		dump->checked = true;
	}
	for (; dump->pos < dump->nr; dump->pos++) {
		ret = tvx_nl_dump_one(skb, cb, THINVMX_CMD_MMIO_ALLOW_LIST,
				      &dump->allow[dump->pos], tvx_nl_put_allow);
		if (ret)
			return skb->len ? skb->len : ret;
	}
	return skb->len;
}

/* A reply to a doit: one message built by @put. */
static int tvx_nl_reply(struct genl_info *info, const void *obj,
			int (*put)(struct sk_buff *, const void *))
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tvx_nl_family, 0,
				info->genlhdr->cmd);
	if (!hdr || put(msg, obj)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int tvx_nl_put_caps_v(struct sk_buff *skb, const void *c)
{
	return tvx_nl_put_caps(skb, c);
}

static int tvx_nl_get_caps(struct sk_buff *skb, struct genl_info *info)
{
	struct thinvmx_caps caps;

	tvx_read_caps(&caps, false);
	return tvx_nl_reply(info, &caps, tvx_nl_put_caps_v);
}

/* GET_DOMAIN and GET_STATS of one domain. */
static int tvx_nl_get_domain(struct sk_buff *skb, struct genl_info *info)
{
	struct tvx_nl_viewer who = tvx_nl_viewer_of(skb);
	struct nlattr *id = info->attrs[THINVMX_A_DOMAIN_ID];
	struct tvx_nl_dom *d;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, THINVMX_A_DOMAIN_ID)) {
		GENL_SET_ERR_MSG(info, "THINVMX_A_DOMAIN_ID is required");
		return -EINVAL;
	}
	d = kmalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	if (!tvx_nl_lookup(nla_get_u32(id), &who, d)) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no domain with this id");
		ret = -ENOENT;
	} else {
		ret = tvx_nl_reply(info, d,
				   info->genlhdr->cmd == THINVMX_CMD_GET_STATS ?
				   tvx_nl_put_stats_v : tvx_nl_put_domain_v);
	}
	kfree(d);
	return ret;
}

/*
 * tvx_nl_frame_range() - the first and last frame of an RO_* or MMIO_ALLOW_*
 * request: both attributes present (the reply names a missing one), the
 * range not upside down. The caller has checked CAP_SYS_ADMIN.
 */
static int tvx_nl_frame_range(struct genl_info *info, int first_attr,
			      int last_attr, u64 *first, u64 *last)
{
	if (GENL_REQ_ATTR_CHECK(info, first_attr) ||
	    GENL_REQ_ATTR_CHECK(info, last_attr)) {
		GENL_SET_ERR_MSG(info, "the first and the last frame are required");
		return -EINVAL;
	}
	*first = nla_get_u64(info->attrs[first_attr]);
	*last = nla_get_u64(info->attrs[last_attr]);
	if (*last < *first) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[last_attr],
				    "last frame below the first");
		return -EINVAL;
	}
	return 0;
}

/*
 * RO_ADD and RO_REMOVE: GENL_ADMIN_PERM (CAP_NET_ADMIN, the genetlink
 * convention) has let the request in; the read-only set also needs what
 * the ioctls need, CAP_SYS_ADMIN, of the socket's opener and of the
 * sender (netlink_capable() checks both).
 */
static int tvx_nl_ro_change(struct sk_buff *skb, struct genl_info *info)
{
	bool add = info->genlhdr->cmd == THINVMX_CMD_RO_ADD;
	u64 first, last;
	int ret;

	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		GENL_SET_ERR_MSG(info, "changing the read-only set needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	ret = tvx_nl_frame_range(info, THINVMX_A_RO_FIRST_MFN,
				 THINVMX_A_RO_LAST_MFN, &first, &last);
	if (ret)
		return ret;
	ret = tvx_ro_admin_range(first, last, add);
	if (ret == -ENOENT)
		GENL_SET_ERR_MSG(info, "no administrator's range with these frames");
	else if (ret == -ENOSPC)
		GENL_SET_ERR_MSG(info, "the read-only set is full");
	return ret;
}

/*
 * MMIO_ALLOW_ADD and MMIO_ALLOW_REMOVE: mapping host MMIO needs what the
 * read-only set does. Each refusal of an add is also in dmesg, with why.
 */
static int tvx_nl_allow_change(struct sk_buff *skb, struct genl_info *info)
{
	bool add = info->genlhdr->cmd == THINVMX_CMD_MMIO_ALLOW_ADD;
	u64 first, last;
	int ret;

	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		GENL_SET_ERR_MSG(info, "changing the MMIO allow-list needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	ret = tvx_nl_frame_range(info, THINVMX_A_MMIO_FIRST_MFN,
				 THINVMX_A_MMIO_LAST_MFN, &first, &last);
	if (ret)
		return ret;
	ret = tvx_mmio_allow_change(first, last, add);
	if (ret == -ENOENT)
		GENL_SET_ERR_MSG(info, "no allowed range with these frames");
	else if (ret == -EEXIST)
		GENL_SET_ERR_MSG(info, "the range is on the allow-list already");
	else if (ret == -ENOSPC)
		GENL_SET_ERR_MSG(info, "the allow-list is full");
	else if (ret == -EPERM || ret == -EINVAL)
		GENL_SET_ERR_MSG(info, "the host range may not be mapped (see dmesg)");
	return ret;
}

static int tvx_nl_put_policy(struct sk_buff *skb, const void *obj)
{
	const struct thinvmx_host_status *st = obj;

	if (nla_put_u8(skb, THINVMX_A_HOST_PIN_CR, !!(st->flags & THINVMX_HOST_PIN_CR)) ||
	    nla_put_u8(skb, THINVMX_A_HOST_PIN_MSR, !!(st->flags & THINVMX_HOST_PIN_MSR)) ||
	    nla_put_u64_64bit(skb, THINVMX_A_HOST_CR_PIN_REFUSED, st->cr_pin_refused,
			      THINVMX_A_PAD) ||
	    nla_put_u64_64bit(skb, THINVMX_A_HOST_MSR_PIN_REFUSED, st->msr_pin_refused,
			      THINVMX_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* HOST_GET_POLICY: the policies and their refusals so far */
static int tvx_nl_host_get_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct thinvmx_host_status st;

	tvx_host_status(&st);
	return tvx_nl_reply(info, &st, tvx_nl_put_policy);
}

/*
 * HOST_SET_POLICY: what host mode enforces on the whole host, so
 * CAP_SYS_ADMIN (of opener and sender) as for the host-mode ioctls.
 */
static int tvx_nl_host_set_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *cr = info->attrs[THINVMX_A_HOST_PIN_CR];
	struct nlattr *msr = info->attrs[THINVMX_A_HOST_PIN_MSR];

	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		GENL_SET_ERR_MSG(info, "guard policies need CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (!cr && !msr) {
		GENL_SET_ERR_MSG(info, "THINVMX_A_HOST_PIN_CR or _PIN_MSR is required");
		return -EINVAL;
	}
	return tvx_host_set_policy(cr ? nla_get_u8(cr) : -1, msr ? nla_get_u8(msr) : -1);
}

/* Refuse an attribute the command does not take, naming it. */
static int tvx_nl_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			   struct genl_info *info)
{
	u64 takes = tvx_nl_takes[ops->cmd];
	int i;

	for (i = 1; i <= THINVMX_A_MAX; i++) {
		if (info->attrs[i] && !(takes & BIT_ULL(i))) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[i],
					    "attribute not valid for this command");
			return -EINVAL;
		}
	}
	return 0;
}

static const struct genl_ops tvx_nl_ops[] = {
	{
		.cmd	= THINVMX_CMD_GET_CAPS,
		.doit	= tvx_nl_get_caps,
	},
	{
		.cmd	= THINVMX_CMD_GET_DOMAIN,
		.doit	= tvx_nl_get_domain,
		.start	= tvx_nl_start_domains,
		.dumpit	= tvx_nl_dump_domains,
		.done	= tvx_nl_done,
	},
	{
		.cmd	= THINVMX_CMD_GET_STATS,
		.doit	= tvx_nl_get_domain,
		.start	= tvx_nl_start_domains,
		.dumpit	= tvx_nl_dump_domains,
		.done	= tvx_nl_done,
	},
	{
		.cmd	= THINVMX_CMD_RO_LIST,
		.flags	= GENL_ADMIN_PERM,	/* host frames */
		.start	= tvx_nl_start_ro,
		.dumpit	= tvx_nl_dump_ro,
		.done	= tvx_nl_done,
	},
	{
		.cmd	= THINVMX_CMD_RO_ADD,
		.flags	= GENL_ADMIN_PERM,
		.doit	= tvx_nl_ro_change,
	},
	{
		.cmd	= THINVMX_CMD_RO_REMOVE,
		.flags	= GENL_ADMIN_PERM,
		.doit	= tvx_nl_ro_change,
	},
	{
		.cmd	= THINVMX_CMD_MMIO_ALLOW_LIST,
		.flags	= GENL_ADMIN_PERM,	/* host frames */
		.start	= tvx_nl_start_allow,
		.dumpit	= tvx_nl_dump_allow,
		.done	= tvx_nl_done,
	},
	{
		.cmd	= THINVMX_CMD_MMIO_ALLOW_ADD,
		.flags	= GENL_ADMIN_PERM,
		.doit	= tvx_nl_allow_change,
	},
	{
		.cmd	= THINVMX_CMD_MMIO_ALLOW_REMOVE,
		.flags	= GENL_ADMIN_PERM,
		.doit	= tvx_nl_allow_change,
	},
	{
		.cmd	= THINVMX_CMD_HOST_GET_POLICY,
		.flags	= GENL_ADMIN_PERM,
		.doit	= tvx_nl_host_get_policy,
	},
	{
		.cmd	= THINVMX_CMD_HOST_SET_POLICY,
		.flags	= GENL_ADMIN_PERM,
		.doit	= tvx_nl_host_set_policy,
	},
};

/* The notifications tell who runs what: only CAP_SYS_ADMIN may listen. */
static const struct genl_multicast_group tvx_nl_mcgrps[] = {
	[TVX_NL_GRP_NOTIFY] = {
		.name	= THINVMX_GENL_MCGRP_NOTIFY,
		.flags	= GENL_MCAST_CAP_SYS_ADMIN,
	},
};

static struct genl_family tvx_nl_family __ro_after_init = {
	.name		= THINVMX_GENL_NAME,
	.version	= THINVMX_GENL_VERSION,
	.maxattr	= THINVMX_A_MAX,
	.policy		= tvx_nl_policy,
	.pre_doit	= tvx_nl_pre_doit,
	.module		= THIS_MODULE,
	.ops		= tvx_nl_ops,
	.n_ops		= ARRAY_SIZE(tvx_nl_ops),
	.mcgrps		= tvx_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(tvx_nl_mcgrps),
};

static void tvx_nl_notify(u8 cmd, struct tvx_dom *dom, int listener,
			  gfp_t gfp)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&tvx_nl_family, &init_net, TVX_NL_GRP_NOTIFY))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &tvx_nl_family, 0, cmd);
	if (!hdr ||
	    nla_put_u32(msg, THINVMX_A_DOMAIN_ID, dom->id) ||
	    nla_put_u32(msg, THINVMX_A_DOMAIN_OWNER, dom->owner) ||
	    (listener < 0 &&
	     nla_put_u64_64bit(msg, THINVMX_A_DOMAIN_MEM_BYTES,
			       dom->map->ram_bytes, THINVMX_A_PAD)) ||
	    (listener >= 0 &&
	     nla_put_u8(msg, THINVMX_A_DOMAIN_LISTENER, listener))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&tvx_nl_family, msg, 0, TVX_NL_GRP_NOTIFY, gfp);
}

/**
 * tvx_nl_notify_domain() - tell the notification group of a domain
 * @dom:     the domain, on the domain list (created) or just off it
 * @created: created, else destroyed
 *
 * Context: process context; may sleep.
 */
void tvx_nl_notify_domain(struct tvx_dom *dom, bool created)
{
	tvx_nl_notify(created ? THINVMX_CMD_DOMAIN_CREATED :
		      THINVMX_CMD_DOMAIN_DESTROYED, dom, -1, GFP_KERNEL);
}

/**
 * tvx_nl_notify_listener() - tell the notification group of a listener
 * @dom:      the domain, alive
 * @attached: attached, else detached
 *
 * Context: any but hard interrupt; does not sleep (GFP_ATOMIC), so it may
 * be called with the listener's locks held.
 */
void tvx_nl_notify_listener(struct tvx_dom *dom, bool attached)
{
	tvx_nl_notify(attached ? THINVMX_CMD_LISTENER_ATTACHED :
		      THINVMX_CMD_LISTENER_DETACHED, dom, attached, GFP_ATOMIC);
}

/**
 * tvx_nl_init() - register the family
 *
 * Return: 0 or the error of genl_register_family().
 */
int __init tvx_nl_init(void)
{
	return genl_register_family(&tvx_nl_family);
}

/**
 * tvx_nl_exit() - unregister the family
 */
void tvx_nl_exit(void)
{
	genl_unregister_family(&tvx_nl_family);
}
