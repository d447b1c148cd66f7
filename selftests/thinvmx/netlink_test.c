// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "thinvmx": every command, its permission
 * checks, strict validation with extended-ack messages, notifications.
 *
 * Requires: root and the thinvmx module (the family is registered at load).
 * The tests that create domains need usable VMX (the Bochs tier) and SKIP
 * without it; the stats test also needs unrestricted guest (a real-mode
 * guest); the listener test needs THINVMX_ATTACH_MONITOR and SKIPs while
 * the module answers it with ENOTTY.
 */
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"

#define MEM_BYTES	(16ULL << 20)
/* host frames no device of the test VMs has: an administrator's range */
#define RO_FIRST	0xabcd000ULL
#define RO_LAST		0xabcd00fULL

static struct tvx_nl *nl_open_or_skip(struct __test_metadata *_metadata)
{
	struct tvx_nl *nl = NULL;
	int ret = tvx_nl_open(&nl);

	/* a loaded module without its family is a failure, not a SKIP */
	if (ret == -ENOENT && access(THINVMX_DEVICE, F_OK))
		SKIP(return NULL, "no %s: module not loaded", THINVMX_DEVICE);
	ASSERT_EQ(0, ret) TH_LOG("tvx_nl_open: %s", strerror(-ret));
	return nl;
}

/* A domain of MEM_BYTES, or NULL with *why set when VMX cannot run one. */
static struct tvx_domain *domain_or_why(struct tvx_handle **h, const char **why,
					int *err)
{
	struct tvx_domain *d = NULL;

	*why = tvx_test_open(h, false, err);
	if (*why || *err)
		return NULL;
	*err = tvx_domain_create_simple(*h, MEM_BYTES, &d);
	return *err ? NULL : d;
}

#define DOMAIN_OR_SKIP(h, d) do {					\
	const char *__why;						\
	int __err;							\
									\
	(d) = domain_or_why(&(h), &__why, &__err);			\
	if (__why)							\
		SKIP(return, "%s", __why);				\
	ASSERT_EQ(0, __err) TH_LOG("domain: %s", strerror(-__err));	\
} while (0)

/* ------------------------------------------------------------ reading */

TEST(caps_are_what_the_ioctl_reports)
{
	struct thinvmx_caps a, b;
	struct tvx_handle *h;
	struct tvx_nl *nl = nl_open_or_skip(_metadata);

	memset(&a, 0x5a, sizeof(a));
	ASSERT_EQ(0, tvx_nl_get_caps(nl, &a));
	ASSERT_EQ(0, tvx_open(&h));
	ASSERT_EQ(0, tvx_get_caps(h, &b));
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	EXPECT_EQ(b.vmx_status, a.vmx_status);
	tvx_close(h);
	tvx_nl_close(nl);
}

struct found {
	__u32 want;
	int n;
	struct tvx_nl_domain d;
	__u32 last_id;
	int sorted;
};

static int find_domain(const struct tvx_nl_domain *d, void *arg)
{
	struct found *f = arg;

	if (f->n++ && d->id <= f->last_id)
		f->sorted = 0;
	f->last_id = d->id;
	if (d->id == f->want)
		f->d = *d;
	return 0;
}

static int domain_id(struct tvx_domain *d)
{
	struct thinvmx_domain_info info;

	return tvx_domain_info(d, &info) ? -1 : (int)info.id;
}

TEST(domains_listed_from_creation_to_destruction)
{
	struct tvx_nl *nl = nl_open_or_skip(_metadata);
	struct tvx_domain *d, *d2;
	struct tvx_nl_domain one;
	struct tvx_handle *h;
	struct tvx_vcpu *v;
	struct found f;
	int id, id2;

	DOMAIN_OR_SKIP(h, d);
	ASSERT_EQ(0, tvx_domain_create_simple(h, 2 * MEM_BYTES, &d2));
	id = domain_id(d);
	id2 = domain_id(d2);
	ASSERT_LE(0, id);
	ASSERT_LE(0, id2);

	f = (struct found){ .want = id, .sorted = 1 };
	ASSERT_EQ(0, tvx_nl_list_domains(nl, find_domain, &f));
	ASSERT_LE(2, f.n);
	EXPECT_TRUE(f.sorted);
	EXPECT_EQ(id, f.d.id);
	EXPECT_EQ(getpid(), f.d.owner);
	EXPECT_EQ(MEM_BYTES, f.d.mem_bytes);
	EXPECT_EQ(0, f.d.nr_vcpus);
	EXPECT_EQ(THINVMX_DOMAIN_STATE_IDLE, f.d.state);
	EXPECT_EQ(0, f.d.listener);

	/* one domain by id, with its vCPU */
	ASSERT_EQ(0, tvx_vcpu_create(d2, 0, &v));
	ASSERT_EQ(0, tvx_nl_get_domain(nl, id2, &one));
	EXPECT_EQ(id2, one.id);
	EXPECT_EQ(2 * MEM_BYTES, one.mem_bytes);
	EXPECT_EQ(1, one.nr_vcpus);
	EXPECT_EQ(getpid(), one.owner);

	/* gone with its last reference */
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d2);
	EXPECT_EQ(-ENOENT, tvx_nl_get_domain(nl, id2, &one));
	EXPECT_STREQ("no domain with this id", tvx_nl_error_message(nl));
	f = (struct found){ .want = id2, .sorted = 1 };
	ASSERT_EQ(0, tvx_nl_list_domains(nl, find_domain, &f));
	EXPECT_EQ(0, f.d.mem_bytes);	/* not seen */

	tvx_domain_destroy(d);
	tvx_close(h);
	tvx_nl_close(nl);
}

struct stats_seen {
	__u32 want;
	int found;
};

static int find_stats(const struct tvx_nl_stats *s, void *arg)
{
	struct stats_seen *st = arg;

	st->found += s->domain == st->want;
	return 0;
}

/* A real-mode guest: three CPUIDs, then HLT. */
static const unsigned char cpuid_guest[] = {
	0x0f, 0xa2, 0x0f, 0xa2, 0x0f, 0xa2, 0xf4,
};

TEST(stats_count_a_guest_s_exits)
{
	struct tvx_nl *nl = nl_open_or_skip(_metadata);
	struct stats_seen seen;
	struct tvx_nl_stats *s;
	struct thinvmx_caps caps;
	struct tvx_domain *d;
	struct tvx_handle *h;
	struct tvx_vcpu *v;
	__u64 sum = 0;
	unsigned int i;
	int id, ret;

	DOMAIN_OR_SKIP(h, d);
	ASSERT_EQ(0, tvx_get_caps(h, &caps));
	if (!(caps.features & THINVMX_FEAT_UNRESTRICTED))
		SKIP(return, "no unrestricted guest");
	id = domain_id(d);
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
	ASSERT_EQ(0, tvx_load_flat_buf(d, cpuid_guest, sizeof(cpuid_guest), 0x7c00));
	ASSERT_EQ(0, tvx_vcpu_setup_real_mode(v, 0x7c0, 0));
	do
		ret = tvx_vcpu_run(v);
	while (ret == -EINTR);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(THINVMX_EXIT_HLT, tvx_vcpu_run_page(v)->exit_reason);

	s = calloc(1, sizeof(*s));
	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, tvx_nl_get_stats(nl, id, s));
	EXPECT_EQ(id, s->domain);
	EXPECT_LE(3, s->exits[10]);		/* CPUID */
	EXPECT_LE(1, s->exits[12]);		/* HLT */
	for (i = 0; i < TVX_NL_EXIT_REASONS; i++)
		sum += s->exits[i];
	EXPECT_EQ(sum, s->exits_total);
	EXPECT_EQ(0, s->traps_injected);
	EXPECT_EQ(0, s->mem_access_violations);
	EXPECT_STREQ("CPUID", tvx_vmx_exit_str(10));

	/* the dump has it too */
	seen = (struct stats_seen){ .want = id };
	ASSERT_EQ(0, tvx_nl_list_stats(nl, find_stats, &seen));
	EXPECT_EQ(1, seen.found);

	/* an unknown domain is named as such */
	EXPECT_EQ(-ENOENT, tvx_nl_get_stats(nl, 0xfffffff0, s));
	EXPECT_STREQ("no domain with this id", tvx_nl_error_message(nl));

	/* the vCPU's counters outlive it: they stay with the domain */
	tvx_vcpu_destroy(v);
	memset(s, 0, sizeof(*s));
	ASSERT_EQ(0, tvx_nl_get_stats(nl, id, s));
	EXPECT_EQ(sum, s->exits_total);
	EXPECT_LE(3, s->exits[10]);
	free(s);
	tvx_domain_destroy(d);
	tvx_close(h);
	tvx_nl_close(nl);
}

/* ------------------------------------------------------------ read-only set */

struct ro_seen {
	int admin;
	__u32 users;
	int total;
};

static int find_ro(const struct thinvmx_ro_entry *r, void *arg)
{
	struct ro_seen *s = arg;

	s->total++;
	if (r->kind == THINVMX_RO_ADMIN && r->first_mfn == RO_FIRST &&
	    r->last_mfn == RO_LAST) {
		s->admin++;
		s->users = r->users;
	}
	return 0;
}

/* Same effect as the ioctls: what one adds, the other lists and removes. */
TEST(ro_ranges_add_list_remove)
{
	struct tvx_nl *nl = nl_open_or_skip(_metadata);
	struct thinvmx_ro_entry e[64];
	struct tvx_handle *h;
	struct ro_seen s = { 0 };
	unsigned int nr, i, hits = 0;

	ASSERT_EQ(0, tvx_open(&h));
	ASSERT_EQ(0, tvx_nl_ro_add(nl, RO_FIRST, RO_LAST));
	ASSERT_EQ(0, tvx_nl_ro_list(nl, find_ro, &s));
	EXPECT_EQ(1, s.admin);
	EXPECT_EQ(1, s.users);

	ASSERT_EQ(0, tvx_ro_list(h, e, 64, &nr));
	EXPECT_EQ(s.total, nr);
	for (i = 0; i < nr && i < 64; i++)
		hits += e[i].first_mfn == RO_FIRST && e[i].last_mfn == RO_LAST;
	EXPECT_EQ(1, hits);

	/* a second user: the ioctl adds, netlink counts */
	ASSERT_EQ(0, tvx_ro_add(h, RO_FIRST, RO_LAST));
	s = (struct ro_seen){ 0 };
	ASSERT_EQ(0, tvx_nl_ro_list(nl, find_ro, &s));
	EXPECT_EQ(2, s.admin);
	EXPECT_EQ(2, s.users);

	ASSERT_EQ(0, tvx_nl_ro_remove(nl, RO_FIRST, RO_LAST));
	ASSERT_EQ(0, tvx_ro_remove(h, RO_FIRST, RO_LAST));
	s = (struct ro_seen){ 0 };
	ASSERT_EQ(0, tvx_nl_ro_list(nl, find_ro, &s));
	EXPECT_EQ(0, s.admin);

	EXPECT_EQ(-ENOENT, tvx_nl_ro_remove(nl, RO_FIRST, RO_LAST));
	EXPECT_STREQ("no administrator's range with these frames",
		     tvx_nl_error_message(nl));
	EXPECT_EQ(-EINVAL, tvx_nl_ro_add(nl, RO_LAST, RO_FIRST));
	EXPECT_STREQ("last frame below the first", tvx_nl_error_message(nl));
	/* beyond 52 address bits: the policy's range, ERANGE in 6.1 */
	EXPECT_EQ(-ERANGE, tvx_nl_ro_add(nl, 1ULL << 40, 1ULL << 40));
	EXPECT_STREQ("integer out of range", tvx_nl_error_message(nl));
	tvx_close(h);
	tvx_nl_close(nl);
}

/* ------------------------------------------------------------ validation */

/* One request built by hand: a command, dump or not, and raw attributes. */
struct raw_attr {
	int type;
	int len;		/* 0: no attribute */
	__u64 val;
};

static int raw_request(struct tvx_nl *nl, __u8 cmd, int dump,
		       const struct raw_attr *a, int n)
{
	struct nl_msg *msg = nlmsg_alloc();
	int i, ret;

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, tvx_nl_family_id(nl),
			 0, dump ? NLM_F_DUMP : 0, cmd, THINVMX_GENL_VERSION)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	for (i = 0; i < n; i++) {
		if (nla_put(msg, a[i].type, a[i].len, &a[i].val)) {
			nlmsg_free(msg);
			return -EMSGSIZE;
		}
	}
	ret = tvx_nl_transact(nl, msg);
	nlmsg_free(msg);
	return ret;
}

#define EXPECT_REFUSED(nl, err, text, cmd, dump, ...) do {		\
	const struct raw_attr __a[] = { __VA_ARGS__ };			\
									\
	EXPECT_EQ(err, raw_request((nl), (cmd), (dump), __a,		\
				   sizeof(__a) / sizeof(__a[0])));	\
	EXPECT_STREQ(text, tvx_nl_error_message(nl));			\
} while (0)

TEST(malformed_attributes_are_refused_with_a_message)
{
	struct tvx_nl *nl = nl_open_or_skip(_metadata);
	char want[96];

	/* a u32 of two bytes */
	EXPECT_REFUSED(nl, -EINVAL, "invalid attribute length",
		       THINVMX_CMD_GET_DOMAIN, 0,
		       { THINVMX_A_DOMAIN_ID, 2, 0 });
	/* a u64 of four */
	EXPECT_REFUSED(nl, -EINVAL, "invalid attribute length",
		       THINVMX_CMD_RO_ADD, 0,
		       { THINVMX_A_RO_FIRST_MFN, 4, 1 },
		       { THINVMX_A_RO_LAST_MFN, 8, 1 });
	/* beyond the attribute space */
	EXPECT_REFUSED(nl, -EINVAL, "Unknown attribute type",
		       THINVMX_CMD_GET_CAPS, 0,
		       { THINVMX_A_MAX + 3, 4, 0 });
	/* an attribute of replies only */
	EXPECT_REFUSED(nl, -EINVAL, "Unsupported attribute",
		       THINVMX_CMD_GET_DOMAIN, 0,
		       { THINVMX_A_DOMAIN_STATE, 4, 0 });
	/* valid, but not for this command */
	EXPECT_REFUSED(nl, -EINVAL, "attribute not valid for this command",
		       THINVMX_CMD_GET_CAPS, 0,
		       { THINVMX_A_DOMAIN_ID, 4, 0 });
	EXPECT_REFUSED(nl, -EINVAL, "attribute not valid for this command",
		       THINVMX_CMD_GET_STATS, 0,
		       { THINVMX_A_DOMAIN_ID, 4, 0 },
		       { THINVMX_A_RO_FIRST_MFN, 8, 0 });
	EXPECT_REFUSED(nl, -EINVAL, "a dump takes no attribute",
		       THINVMX_CMD_GET_DOMAIN, 1,
		       { THINVMX_A_DOMAIN_ID, 4, 0 });
	EXPECT_REFUSED(nl, -EINVAL, "a dump takes no attribute",
		       THINVMX_CMD_RO_LIST, 1,
		       { THINVMX_A_RO_FIRST_MFN, 8, 0 });
	/* missing: the message and the attribute's number */
	snprintf(want, sizeof(want), "THINVMX_A_DOMAIN_ID is required: missing attribute %d",
		 THINVMX_A_DOMAIN_ID);
	EXPECT_EQ(-EINVAL, raw_request(nl, THINVMX_CMD_GET_STATS, 0, NULL, 0));
	EXPECT_STREQ(want, tvx_nl_error_message(nl));
	snprintf(want, sizeof(want),
		 "the first and the last frame are required: missing attribute %d",
		 THINVMX_A_RO_LAST_MFN);
	EXPECT_REFUSED(nl, -EINVAL, want, THINVMX_CMD_RO_REMOVE, 0,
		       { THINVMX_A_RO_FIRST_MFN, 8, RO_FIRST });
	snprintf(want, sizeof(want),
		 "the first and the last frame are required: missing attribute %d",
		 THINVMX_A_MMIO_FIRST_MFN);
	EXPECT_REFUSED(nl, -EINVAL, want, THINVMX_CMD_MMIO_ALLOW_ADD, 0,
		       { THINVMX_A_MMIO_LAST_MFN, 8, RO_FIRST });
	/* no such command; a notification is no request */
	EXPECT_EQ(-EOPNOTSUPP, raw_request(nl, THINVMX_CMD_MAX + 1, 0, NULL, 0));
	EXPECT_EQ(-EOPNOTSUPP, raw_request(nl, THINVMX_CMD_DOMAIN_CREATED, 0,
					   NULL, 0));
	/* and a good one still works */
	EXPECT_EQ(0, raw_request(nl, THINVMX_CMD_GET_CAPS, 0, NULL, 0));
	EXPECT_STREQ("", tvx_nl_error_message(nl));
	tvx_nl_close(nl);
}

/* ------------------------------------------------------------ permissions */

/* Child exit codes: 0 all as expected, else which check failed. */
enum { PERM_OK, PERM_DROP, PERM_OPEN, PERM_READ, PERM_ADD, PERM_REMOVE,
       PERM_JOIN, PERM_MSG };

static int count_any(const struct tvx_nl_domain *d, void *arg)
{
	return 0;
}

/* Reads work; adding, removing and joining the group get EPERM. */
static int unprivileged_checks(int want_msg)
{
	struct tvx_nl *nl;

	if (tvx_nl_open(&nl))
		return PERM_OPEN;
	if (tvx_nl_list_domains(nl, count_any, NULL))
		return PERM_READ;
	if (tvx_nl_ro_add(nl, RO_FIRST, RO_LAST) != -EPERM)
		return PERM_ADD;
	if (want_msg && strcmp(tvx_nl_error_message(nl),
			       "changing the read-only set needs CAP_SYS_ADMIN"))
		return PERM_MSG;
	if (tvx_nl_ro_remove(nl, RO_FIRST, RO_LAST) != -EPERM)
		return PERM_REMOVE;
	if (tvx_nl_subscribe(nl) != -EPERM)
		return PERM_JOIN;
	tvx_nl_close(nl);
	return PERM_OK;
}

static int run_child(int (*drop)(void), int want_msg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(drop() ? PERM_DROP : unprivileged_checks(want_msg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int drop_to_nobody(void)
{
	return setgid(65534) || setuid(65534);
}

/* Root without CAP_SYS_ADMIN: CAP_NET_ADMIN alone is not enough. */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].inheritable &= ~(1U << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

TEST(unprivileged_socket_can_read_but_not_change_or_listen)
{
	struct tvx_nl *nl = nl_open_or_skip(_metadata);

	tvx_nl_close(nl);
	EXPECT_EQ(PERM_OK, run_child(drop_to_nobody, 0));
	EXPECT_EQ(PERM_OK, run_child(drop_sys_admin, 1));

	/* and root may do all three */
	ASSERT_EQ(0, tvx_nl_open(&nl));
	EXPECT_EQ(0, tvx_nl_subscribe(nl));
	EXPECT_LE(0, tvx_nl_event_fd(nl));
	ASSERT_EQ(0, tvx_nl_ro_add(nl, RO_FIRST, RO_LAST));
	EXPECT_EQ(0, tvx_nl_ro_remove(nl, RO_FIRST, RO_LAST));
	tvx_nl_close(nl);
}

/* What an unprivileged user found: which of two domains, and RO_LIST. */
struct sight {
	__u32 mine, others;
	int saw_mine, saw_others;
};

static int note_domain(const struct tvx_nl_domain *d, void *arg)
{
	struct sight *s = arg;

	s->saw_mine |= d->id == s->mine;
	s->saw_others |= d->id == s->others;
	return 0;
}

static int count_ro(const struct thinvmx_ro_entry *r, void *arg)
{
	return 0;
}

/* Child exit codes for sight_checks() */
enum { SIGHT_OK, SIGHT_DROP, SIGHT_OPEN, SIGHT_LIST, SIGHT_MINE, SIGHT_OTHERS,
       SIGHT_GET_MINE, SIGHT_GET_OTHERS, SIGHT_RO, SIGHT_CAPS };

static int sight_checks(struct sight *s)
{
	struct thinvmx_caps caps;
	struct tvx_nl_domain d;
	struct tvx_nl *nl;

	if (setgid(65534) || setuid(65534))
		return SIGHT_DROP;
	if (tvx_nl_open(&nl))
		return SIGHT_OPEN;
	if (tvx_nl_list_domains(nl, note_domain, s))
		return SIGHT_LIST;
	if (!s->saw_mine)
		return SIGHT_MINE;
	if (s->saw_others)
		return SIGHT_OTHERS;
	if (tvx_nl_get_domain(nl, s->mine, &d))
		return SIGHT_GET_MINE;
	if (tvx_nl_get_domain(nl, s->others, &d) != -ENOENT)
		return SIGHT_GET_OTHERS;
	if (tvx_nl_ro_list(nl, count_ro, NULL) != -EPERM)
		return SIGHT_RO;
	if (tvx_nl_get_caps(nl, &caps))
		return SIGHT_CAPS;
	tvx_nl_close(nl);
	return SIGHT_OK;
}

/*
 * A user without CAP_NET_ADMIN sees its own domains, in full, and no one
 * else's (-ENOENT, left out of the list), and no host frames of the
 * read-only set (-EPERM); the capabilities it may read. Root sees all.
 */
TEST(unprivileged_user_sees_only_its_own_domains)
{
	struct tvx_domain *others, *mine = NULL;
	struct sight s = { 0 };
	struct tvx_handle *h;
	struct tvx_nl *nl;
	int status;
	pid_t pid;

	DOMAIN_OR_SKIP(h, others);
	/* a domain the user nobody owns: created under its euid */
	ASSERT_EQ(0, seteuid(65534));
	s.mine = tvx_domain_create_simple(h, MEM_BYTES, &mine);
	ASSERT_EQ(0, seteuid(0));
	ASSERT_EQ(0, s.mine);
	s.mine = domain_id(mine);
	s.others = domain_id(others);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(sight_checks(&s));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(SIGHT_OK, WEXITSTATUS(status));

	memset(&s.saw_mine, 0, 2 * sizeof(int));
	ASSERT_EQ(0, tvx_nl_open(&nl));
	ASSERT_EQ(0, tvx_nl_list_domains(nl, note_domain, &s));
	EXPECT_TRUE(s.saw_mine && s.saw_others);
	tvx_nl_close(nl);
	tvx_domain_destroy(mine);
	tvx_domain_destroy(others);
	tvx_close(h);
}

/* ------------------------------------------------------------ notifications */

#define MAX_EVENTS	16

struct events {
	int n;
	struct tvx_nl_event e[MAX_EVENTS];
};

static int keep_event(const struct tvx_nl_event *e, void *arg)
{
	struct events *ev = arg;

	if (ev->n < MAX_EVENTS)
		ev->e[ev->n++] = *e;
	return 0;
}

/* Read notifications until one of @cmd for @domain, 5 s at most. */
static const struct tvx_nl_event *wait_event(struct tvx_nl *nl,
					     struct events *ev, __u32 cmd,
					     __u32 domain)
{
	struct pollfd p = { .fd = tvx_nl_event_fd(nl), .events = POLLIN };
	int i, tries;

	for (tries = 0; tries < 50; tries++) {
		for (i = 0; i < ev->n; i++)
			if (ev->e[i].cmd == cmd && ev->e[i].domain == domain)
				return &ev->e[i];
		if (poll(&p, 1, 100) == 1 && tvx_nl_read_events(nl, keep_event, ev) < 0)
			return NULL;
	}
	return NULL;
}

TEST(notifications_of_domains_created_and_destroyed)
{
	struct tvx_nl *nl = nl_open_or_skip(_metadata);
	const struct tvx_nl_event *e;
	struct events ev = { 0 };
	struct tvx_domain *d;
	struct tvx_handle *h;
	int id;

	ASSERT_EQ(0, tvx_nl_subscribe(nl));
	DOMAIN_OR_SKIP(h, d);
	id = domain_id(d);
	e = wait_event(nl, &ev, THINVMX_CMD_DOMAIN_CREATED, id);
	ASSERT_NE(NULL, e) TH_LOG("no domain-created for domain %d (%d events)", id, ev.n);
	EXPECT_EQ(getpid(), e->owner);
	EXPECT_EQ(MEM_BYTES, e->mem_bytes);
	EXPECT_STREQ("domain-created", tvx_nl_event_str(e->cmd));

	tvx_domain_destroy(d);
	e = wait_event(nl, &ev, THINVMX_CMD_DOMAIN_DESTROYED, id);
	ASSERT_NE(NULL, e) TH_LOG("no domain-destroyed for domain %d", id);
	EXPECT_EQ(getpid(), e->owner);
	EXPECT_EQ(MEM_BYTES, e->mem_bytes);
	tvx_close(h);
	tvx_nl_close(nl);
}

TEST(notifications_and_listing_of_a_listener)
{
	struct tvx_nl *nl = nl_open_or_skip(_metadata);
	struct thinvmx_attach_monitor am = { 0 };
	const struct tvx_nl_event *e;
	struct events ev = { 0 };
	struct tvx_nl_domain one;
	struct tvx_domain *d;
	struct tvx_handle *h;
	struct tvx_vcpu *v;
	int id, fd;

	ASSERT_EQ(0, tvx_nl_subscribe(nl));
	DOMAIN_OR_SKIP(h, d);
	id = domain_id(d);
	ASSERT_EQ(0, tvx_vcpu_create(d, 0, &v));
	fd = ioctl(tvx_domain_fd(d), THINVMX_ATTACH_MONITOR, &am);
	if (fd < 0 && errno == ENOTTY)
		SKIP(return, "THINVMX_ATTACH_MONITOR not implemented yet");
	ASSERT_LE(0, fd) TH_LOG("ATTACH_MONITOR: %s", strerror(errno));
	ASSERT_EQ(0, tvx_nl_get_domain(nl, id, &one));
	EXPECT_EQ(1, one.listener);
	e = wait_event(nl, &ev, THINVMX_CMD_LISTENER_ATTACHED, id);
	ASSERT_NE(NULL, e) TH_LOG("no listener-attached for domain %d", id);
	EXPECT_EQ(1, e->listener);

	close(fd);
	e = wait_event(nl, &ev, THINVMX_CMD_LISTENER_DETACHED, id);
	ASSERT_NE(NULL, e) TH_LOG("no listener-detached for domain %d", id);
	EXPECT_EQ(0, e->listener);
	ASSERT_EQ(0, tvx_nl_get_domain(nl, id, &one));
	EXPECT_EQ(0, one.listener);
	tvx_vcpu_destroy(v);
	tvx_domain_destroy(d);
	tvx_close(h);
	tvx_nl_close(nl);
}

TEST_HARNESS_MAIN
