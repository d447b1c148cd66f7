// SPDX-License-Identifier: GPL-2.0
/*
 * thinvmx-monitor: the reference introspection daemon (what xen-access is
 * to Xen). Opens a domain another process created (THINVMX_OPEN_DOMAIN),
 * attaches its listener, switches on the event kinds the command line
 * names, prints every event, answers sync ones by the command line's
 * policies, and prints its counters when it ends.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libthinvmx.h"
#include "tvx_json.h"

#define EXIT_USAGE	2
#define MAX_DENY	8
#define CR4_SMEP	(1ULL << 20)
#define CR0_WP		(1ULL << 16)
/* how long one serve call waits: the stop flag is seen this often */
#define SERVE_MS	100

static const char usage_text[] =
"Usage: thinvmx-monitor [OPTIONS] DOMAIN\n"
"       thinvmx-monitor --host [OPTIONS]\n"
"\n"
"With --host: the host's own listener (THINVMX_HOST_ATTACH, root only),\n"
"one ring per CPU (vcpu in the output is the CPU); async only; events come\n"
"while host mode is on. Guard-policy refusals (thinvmx-ctl host policy)\n"
"are printed whatever is monitored, marked denied. Events a full ring\n"
"dropped are counted as lost.\n"
"\n"
"Attach to thinvmx domain DOMAIN (its id, as thinvmx-ctl domains and\n"
"thinvmx-run --paused show it) as its introspection listener, print each\n"
"event it reports as a line, answer sync events by the policies below,\n"
"and print counters by kind when it ends. Only the domain's creator (its\n"
"uid) or CAP_SYS_ADMIN may attach, and /dev/thinvmx is root only.\n"
"\n"
"Event kinds, each MODE sync, async or off (default: off):\n"
"  --cr0 MODE           writes to CR0 (MOV, CLTS, LMSW)\n"
"  --cr3 MODE           loads of CR3\n"
"  --cr4 MODE           writes to CR4\n"
"  --int3 MODE          INT3 instructions\n"
"  --mem-access MODE    violations of access rights (see --access)\n"
"  --ro-mmio MODE       writes to read-only MMIO (discarded in any case)\n"
"  --msr MSR[:MODE]     writes to MSR (a number; MODE as above, default\n"
"                       async); repeatable, 16 at most\n"
"  --on-change          CR kinds: no event for a write of the value the\n"
"                       register holds (CR3; CR0 and CR4 report changes only)\n"
"\n"
"Answers to sync events (default: let everything happen; INT3 reinject):\n"
"  --deny CRn:MASK      deny a write to CR0, CR3 or CR4 that clears a bit of\n"
"                       MASK (the guest keeps the old value); repeatable\n"
"  --deny-smep-clear    the same as --deny cr4:0x100000 (CR4.SMEP)\n"
"  --deny-wp-clear      the same as --deny cr0:0x10000 (CR0.WP)\n"
"  --int3-answer ANSWER reinject (deliver #BP to the guest), skip (go on\n"
"                       after the INT3) or continue (execute it again: only\n"
"                       right for a daemon that removes breakpoints)\n"
"  --singlestep         also single-step the instruction of each sync CR,\n"
"                       mem-access and RO-MMIO event, and of skipped INT3s,\n"
"                       and report the step as a singlestep event\n"
"  A sync mem-access event is always answered with a single step: the\n"
"  access happens once, the right stays (else the guest would loop).\n"
"\n"
"Setup:\n"
"  --access GFN:NR:RIGHT  set the access right of NR guest frames from GFN\n"
"                       (n, r, w, rw, x, rx, wx, rwx, rx2rw, n2rwx) after\n"
"                       attaching; repeatable\n"
"  --vcpus N            rings for vCPU ids 0..N-1 (default: the vCPUs the\n"
"                       domain has when the monitor attaches)\n"
"  --slots LOG2         ring slots, 12..16 (default 12: 4096 slots)\n"
"\n"
"Serving and ending:\n"
"  -t, --threads        one serving thread per vCPU (default: one for all)\n"
"  -b, --busy-poll      spin on the rings instead of sleeping in poll()\n"
"  -n, --count N        end after N events\n"
"  -T, --timeout S      end after S seconds\n"
"  -q, --quiet          no line per event, only the counters (refusals of\n"
"                       host mode's policies are printed all the same)\n"
"  -j, --json           JSON lines: one object per event, one for the\n"
"                       counters\n"
"  -h, --help           print this help and exit\n"
"The monitor also ends on SIGINT or SIGTERM, and when the vCPUs the domain\n"
"had are all gone (the process that ran them exited). Ending detaches the\n"
"listener: vCPUs waiting for an answer go on as if answered continue\n"
"(INT3 re-injected), and monitoring switches off.\n"
"\n"
"Output: one line per event,\n"
"  seq SEQ vcpu V KIND sync|async rip RIP PAYLOAD [answer ANSWER]\n"
"where PAYLOAD is new and old for CR kinds; gla and gfn for int3; gfn,\n"
"gla, offset, access and right for mem-access; gfn, mfn, gla and offset\n"
"for ro-mmio. On stderr, \"thinvmx-monitor: attached to domain ...\" once\n"
"the events are switched on (scripts wait for it before they start the\n"
"guest), and the counters at the end (with --json, the last line on\n"
"stdout instead).\n"
"\n"
"Exit status: 0 when it ended as asked (count, timeout, signal, domain\n"
"gone); 1 if it could not attach or serving failed; 2 on a usage error.\n";

/* answer counters, by THINVMX_RESPONSE_* bit; "continue" apart */
#define NR_ANSWERS	5

struct deny_rule {
	unsigned int kind;		/* THINVMX_MONITOR_CR0/3/4 */
	__u64 mask;
};

struct opts {
	__u32 id;
	int host;
	__u32 msr[THINVMX_MONITOR_MSRS];
	__u32 msr_mode[THINVMX_MONITOR_MSRS];
	unsigned int nr_msr;
	__u32 mode[THINVMX_MONITOR_NR_KINDS];
	int on_change;
	struct deny_rule deny[MAX_DENY];
	unsigned int nr_deny;
	__u32 int3_answer;
	int singlestep;
	struct { __u64 gfn, nr; __u32 right; } access[MAX_DENY];
	unsigned int nr_access;
	unsigned int vcpus;
	unsigned int slots_log2;
	int threads;
	int busy_poll;
	__u64 count;
	unsigned int timeout;
	int quiet;
	int json;
};

struct counters {
	__u64 events[THINVMX_EVENT_NR_REASONS][2];	/* [reason][sync] */
	__u64 answers[NR_ANSWERS];
	__u64 continues;
	__u64 denied;			/* refused by host mode's policies */
	__u64 total;
};

struct server {
	pthread_t thread;
	__u64 mask;
	int error;
};

static const struct opts *opt;
static struct tvx_monitor *mon;
static struct counters cnt;
static volatile sig_atomic_t stop;
static const char *stop_why = "interrupted";

static void on_signal(int sig)
{
	stop = 1;
}

static const char *const kind_names[THINVMX_MONITOR_NR_KINDS] = {
	[THINVMX_MONITOR_CR0] = "cr0",
	[THINVMX_MONITOR_CR3] = "cr3",
	[THINVMX_MONITOR_CR4] = "cr4",
	[THINVMX_MONITOR_INT3] = "int3",
	[THINVMX_MONITOR_MEM_ACCESS] = "mem-access",
	[THINVMX_MONITOR_RO_MMIO_WRITE] = "ro-mmio",
	[THINVMX_MONITOR_MSR] = "msr",
};

static const char *const answer_names[NR_ANSWERS] = {
	"reinject", "skip", "deny", "set-regs", "singlestep",
};

static const char *reason_name(__u32 reason)
{
	return tvx_stats_event_str(reason) ?: "unknown";
}

static const char *mode_name(__u32 mode)
{
	return mode == THINVMX_MONITOR_MODE_SYNC ? "sync" :
	       mode == THINVMX_MONITOR_MODE_ASYNC ? "async" : "off";
}

/* "deny+singlestep", "continue" */
static void answer_str(__u32 flags, char *buf, size_t len)
{
	unsigned int i;
	size_t n = 0;

	buf[0] = 0;
	if (!flags) {
		snprintf(buf, len, "continue");
		return;
	}
	for (i = 0; i < NR_ANSWERS; i++)
		if (flags & (1U << i))
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
				      n ? "+" : "", answer_names[i]);
}

static __u32 answer_cr(const struct thinvmx_event *ev)
{
	__u64 cleared = ev->u.cr.old_value & ~ev->u.cr.new_value;
	unsigned int i;

	for (i = 0; i < opt->nr_deny; i++)
		if (opt->deny[i].kind == ev->reason && (cleared & opt->deny[i].mask))
			return THINVMX_RESPONSE_DENY;
	return 0;
}

static __u32 answer(const struct thinvmx_event *ev)
{
	__u32 step = opt->singlestep ? THINVMX_RESPONSE_SINGLESTEP : 0;

	switch (ev->reason) {
	case THINVMX_EVENT_CR0:
	case THINVMX_EVENT_CR3:
	case THINVMX_EVENT_CR4:
		return answer_cr(ev) | step;
	case THINVMX_EVENT_INT3:
		/* SINGLESTEP with REINJECT is refused by the module */
		if (opt->int3_answer == THINVMX_RESPONSE_REINJECT)
			return opt->int3_answer;
		return opt->int3_answer | step;
	case THINVMX_EVENT_MEM_ACCESS:
		return THINVMX_RESPONSE_SINGLESTEP;
	case THINVMX_EVENT_RO_MMIO_WRITE:
		return step;
	default:
		return 0;
	}
}

static void access_str(__u8 access, char *buf)
{
	buf[0] = access & THINVMX_EVENT_ACCESS_R ? 'r' : '-';
	buf[1] = access & THINVMX_EVENT_ACCESS_W ? 'w' : '-';
	buf[2] = access & THINVMX_EVENT_ACCESS_X ? 'x' : '-';
	buf[3] = 0;
}

static void print_text(const struct thinvmx_event *ev, const char *ans)
{
	char acc[4];

	flockfile(stdout);
	printf("seq %" PRIu64 " vcpu %u %s %s rip %#" PRIx64, (uint64_t)ev->seq,
	       ev->vcpu, reason_name(ev->reason),
	       ev->flags & THINVMX_EVENT_F_SYNC ? "sync" : "async",
	       (uint64_t)ev->regs.rip);
	switch (ev->reason) {
	case THINVMX_EVENT_CR0:
	case THINVMX_EVENT_CR3:
	case THINVMX_EVENT_CR4:
		printf(" new %#" PRIx64 " old %#" PRIx64,
		       (uint64_t)ev->u.cr.new_value, (uint64_t)ev->u.cr.old_value);
		break;
	case THINVMX_EVENT_INT3:
		printf(" gla %#" PRIx64, (uint64_t)ev->u.int3.gla);
		if (ev->flags & THINVMX_EVENT_F_GFN_VALID)
			printf(" gfn %#" PRIx64, (uint64_t)ev->u.int3.gfn);
		break;
	case THINVMX_EVENT_MEM_ACCESS:
		access_str(ev->u.mem_access.access, acc);
		printf(" gfn %#" PRIx64, (uint64_t)ev->u.mem_access.gfn);
		if (ev->flags & THINVMX_EVENT_F_GLA_VALID)
			printf(" gla %#" PRIx64, (uint64_t)ev->u.mem_access.gla);
		printf(" offset %#x access %s right %s%s", ev->u.mem_access.offset,
		       acc, tvx_access_str(ev->u.mem_access.right) ?: "?",
		       ev->flags & THINVMX_EVENT_F_IN_WALK ? " in-walk" : "");
		break;
	case THINVMX_EVENT_RO_MMIO_WRITE:
		printf(" gfn %#" PRIx64 " mfn %#" PRIx64,
		       (uint64_t)ev->u.ro_mmio.gfn, (uint64_t)ev->u.ro_mmio.mfn);
		if (ev->flags & THINVMX_EVENT_F_GLA_VALID)
			printf(" gla %#" PRIx64, (uint64_t)ev->u.ro_mmio.gla);
		printf(" offset %#x", ev->u.ro_mmio.offset);
		break;
	case THINVMX_EVENT_MSR:
		printf(" msr %#x new %#" PRIx64, ev->u.msr.msr,
		       (uint64_t)ev->u.msr.new_value);
		if (ev->flags & THINVMX_EVENT_F_OLD_VALID)
			printf(" old %#" PRIx64, (uint64_t)ev->u.msr.old_value);
		break;
	}
	if (ev->flags & THINVMX_EVENT_F_DENIED)
		printf(" denied");
	if (ans)
		printf(" answer %s", ans);
	putchar('\n');
	funlockfile(stdout);
}

static void print_json(const struct thinvmx_event *ev, const char *ans)
{
	struct json_object *j;
	char acc[4];

	flockfile(stdout);
	j = json_object_new_object();
	tj_u64(j, "seq", ev->seq);
	tj_u64(j, "vcpu", ev->vcpu);
	tj_str(j, "reason", reason_name(ev->reason));
	tj_bool(j, "sync", !!(ev->flags & THINVMX_EVENT_F_SYNC));
	tj_hex(j, "rip", ev->regs.rip);
	tj_hex(j, "cr0", ev->cr0);
	tj_hex(j, "cr3", ev->cr3);
	tj_hex(j, "cr4", ev->cr4);
	switch (ev->reason) {
	case THINVMX_EVENT_CR0:
	case THINVMX_EVENT_CR3:
	case THINVMX_EVENT_CR4:
		tj_hex(j, "new", ev->u.cr.new_value);
		tj_hex(j, "old", ev->u.cr.old_value);
		break;
	case THINVMX_EVENT_INT3:
		tj_hex(j, "gla", ev->u.int3.gla);
		if (ev->flags & THINVMX_EVENT_F_GFN_VALID)
			tj_hex(j, "gfn", ev->u.int3.gfn);
		break;
	case THINVMX_EVENT_MEM_ACCESS:
		access_str(ev->u.mem_access.access, acc);
		tj_hex(j, "gfn", ev->u.mem_access.gfn);
		if (ev->flags & THINVMX_EVENT_F_GLA_VALID)
			tj_hex(j, "gla", ev->u.mem_access.gla);
		tj_hex(j, "offset", ev->u.mem_access.offset);
		tj_str(j, "access", acc);
		tj_str(j, "right", tvx_access_str(ev->u.mem_access.right));
		tj_bool(j, "in_walk", !!(ev->flags & THINVMX_EVENT_F_IN_WALK));
		break;
	case THINVMX_EVENT_RO_MMIO_WRITE:
		tj_hex(j, "gfn", ev->u.ro_mmio.gfn);
		tj_hex(j, "mfn", ev->u.ro_mmio.mfn);
		if (ev->flags & THINVMX_EVENT_F_GLA_VALID)
			tj_hex(j, "gla", ev->u.ro_mmio.gla);
		tj_hex(j, "offset", ev->u.ro_mmio.offset);
		break;
	case THINVMX_EVENT_MSR:
		tj_hex(j, "msr", ev->u.msr.msr);
		tj_hex(j, "new", ev->u.msr.new_value);
		if (ev->flags & THINVMX_EVENT_F_OLD_VALID)
			tj_hex(j, "old", ev->u.msr.old_value);
		break;
	}
	/* only where it happens (host mode's policies): guest events keep their shape */
	if (ev->flags & THINVMX_EVENT_F_DENIED)
		tj_bool(j, "denied", 1);
	if (ans)
		tj_str(j, "answer", ans);
	tj_print(j, stdout);
	funlockfile(stdout);
}

static int on_event(struct tvx_monitor *m, const struct thinvmx_event *ev,
		    struct thinvmx_response *rsp, void *arg)
{
	int sync = !!(ev->flags & THINVMX_EVENT_F_SYNC);
	int denied = !!(ev->flags & THINVMX_EVENT_F_DENIED);
	char ans[64];
	unsigned int i;
	__u64 n;

	if (sync)
		rsp->flags = answer(ev);
	if (ev->reason < THINVMX_EVENT_NR_REASONS)
		__atomic_add_fetch(&cnt.events[ev->reason][sync], 1, __ATOMIC_RELAXED);
	if (sync && !rsp->flags)
		__atomic_add_fetch(&cnt.continues, 1, __ATOMIC_RELAXED);
	for (i = 0; sync && i < NR_ANSWERS; i++)
		if (rsp->flags & (1U << i))
			__atomic_add_fetch(&cnt.answers[i], 1, __ATOMIC_RELAXED);
	if (sync)
		answer_str(rsp->flags, ans, sizeof(ans));
	if (denied)
		__atomic_add_fetch(&cnt.denied, 1, __ATOMIC_RELAXED);
	/* a refusal is rare and is what a guard policy is for: never quiet */
	if (!opt->quiet || denied) {
		if (opt->json)
			print_json(ev, sync ? ans : NULL);
		else
			print_text(ev, sync ? ans : NULL);
	}
	n = __atomic_add_fetch(&cnt.total, 1, __ATOMIC_RELAXED);
	if (opt->count && n >= opt->count) {
		stop_why = "count reached";
		stop = 1;
	}
	return 0;
}

static void *serve_main(void *arg)
{
	struct server *s = arg;
	unsigned int flags = opt->busy_poll ? TVX_MONITOR_BUSY_POLL : 0;
	int ret;

	while (!stop) {
		ret = tvx_monitor_serve(mon, s->mask, flags, SERVE_MS, on_event, NULL);
		if (ret < 0 && ret != -EINTR) {
			s->error = ret;
			stop_why = "serving failed";
			stop = 1;
		}
	}
	return NULL;
}

static void print_counters(const char *why)
{
	__u64 sync = 0, async = 0, waits = 0, lost = 0;
	struct json_object *j, *c;
	unsigned int r, i;

	for (r = 0; r < THINVMX_EVENT_NR_REASONS; r++) {
		async += cnt.events[r][0];
		sync += cnt.events[r][1];
	}
	for (i = 0; i < tvx_monitor_nr_vcpus(mon); i++) {
		waits += tvx_monitor_full_waits(mon, i);
		lost += tvx_monitor_lost(mon, i);
	}
	fflush(stdout);
	if (opt->json) {
		j = json_object_new_object();
		if (opt->host)
			tj_str(j, "domain", "host");
		else
			tj_u64(j, "domain", opt->id);
		tj_str(j, "ended", why);
		tj_u64(j, "events_total", cnt.total);
		tj_u64(j, "sync", sync);
		tj_u64(j, "async", async);
		c = tj_obj(j, "events");
		for (r = 1; r < THINVMX_EVENT_NR_REASONS; r++) {
			struct json_object *e = tj_obj(c, reason_name(r));

			tj_u64(e, "sync", cnt.events[r][1]);
			tj_u64(e, "async", cnt.events[r][0]);
		}
		c = tj_obj(j, "answers");
		tj_u64(c, "continue", cnt.continues);
		for (i = 0; i < NR_ANSWERS; i++)
			tj_u64(c, answer_names[i], cnt.answers[i]);
		if (opt->host)
			tj_u64(j, "denied", cnt.denied);
		tj_u64(j, "ring_full_waits", waits);
		tj_u64(j, "lost", lost);
		tj_print(j, stdout);
		fflush(stdout);
		return;
	}
	fprintf(stderr, "thinvmx-monitor: %s %u: %s; %" PRIu64 " events (%"
		PRIu64 " sync, %" PRIu64 " async)\n", opt->host ? "host, CPUs" : "domain",
		opt->host ? tvx_monitor_nr_vcpus(mon) : opt->id, why,
		(uint64_t)cnt.total, (uint64_t)sync, (uint64_t)async);
	fprintf(stderr, "  %-14s %10s %10s\n", "kind", "sync", "async");
	for (r = 1; r < THINVMX_EVENT_NR_REASONS; r++)
		fprintf(stderr, "  %-14s %10" PRIu64 " %10" PRIu64 "\n",
			reason_name(r), (uint64_t)cnt.events[r][1],
			(uint64_t)cnt.events[r][0]);
	fprintf(stderr, "  answers: continue %" PRIu64, (uint64_t)cnt.continues);
	for (i = 0; i < NR_ANSWERS; i++)
		fprintf(stderr, ", %s %" PRIu64, answer_names[i],
			(uint64_t)cnt.answers[i]);
	fprintf(stderr, "\n  ring full waits: %" PRIu64 "\n", (uint64_t)waits);
	fprintf(stderr, "  lost (full rings, host mode): %" PRIu64 "\n", (uint64_t)lost);
	if (opt->host)
		fprintf(stderr, "  refused by the guard policies: %" PRIu64 "\n",
			(uint64_t)cnt.denied);
}

static int parse_u64(const char *s, __u64 *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

static int parse_mode(const char *s, __u32 *mode)
{
	if (!strcmp(s, "sync"))
		*mode = THINVMX_MONITOR_MODE_SYNC;
	else if (!strcmp(s, "async"))
		*mode = THINVMX_MONITOR_MODE_ASYNC;
	else if (!strcmp(s, "off"))
		*mode = THINVMX_MONITOR_MODE_DISABLED;
	else
		return -1;
	return 0;
}

/* "cr4:0x100000" */
/* MSR[:MODE] */
static int parse_msr(struct opts *o, const char *s)
{
	char num[32];
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	__u64 v;

	if (o->nr_msr >= THINVMX_MONITOR_MSRS || len >= sizeof(num))
		return -1;
	memcpy(num, s, len);
	num[len] = '\0';
	if (parse_u64(num, &v) || v > UINT32_MAX)
		return -1;
	o->msr_mode[o->nr_msr] = THINVMX_MONITOR_MODE_ASYNC;
	if (colon && parse_mode(colon + 1, &o->msr_mode[o->nr_msr]))
		return -1;
	o->msr[o->nr_msr++] = v;
	return 0;
}

static int parse_deny(struct opts *o, const char *s)
{
	static const struct { const char *name; unsigned int kind; } crs[] = {
		{ "cr0", THINVMX_MONITOR_CR0 }, { "cr3", THINVMX_MONITOR_CR3 },
		{ "cr4", THINVMX_MONITOR_CR4 },
	};
	const char *colon = strchr(s, ':');
	unsigned int i;
	__u64 mask;

	if (!colon || colon - s != 3 || o->nr_deny == MAX_DENY ||
	    parse_u64(colon + 1, &mask) || !mask)
		return -1;
	for (i = 0; i < 3; i++) {
		if (!strncasecmp(s, crs[i].name, 3)) {
			o->deny[o->nr_deny++] = (struct deny_rule) {
				.kind = crs[i].kind, .mask = mask,
			};
			return 0;
		}
	}
	return -1;
}

/* "GFN:NR:RIGHT" */
static int parse_access(struct opts *o, const char *s)
{
	char buf[96], *a, *b;
	__u32 r;

	if (o->nr_access == MAX_DENY || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	a = strchr(buf, ':');
	b = a ? strchr(a + 1, ':') : NULL;
	if (!b)
		return -1;
	*a++ = 0;
	*b++ = 0;
	if (parse_u64(buf, &o->access[o->nr_access].gfn) ||
	    parse_u64(a, &o->access[o->nr_access].nr) || !o->access[o->nr_access].nr)
		return -1;
	for (r = 0; tvx_access_str(r); r++) {
		if (!strcmp(b, tvx_access_str(r))) {
			o->access[o->nr_access++].right = r;
			return 0;
		}
	}
	return -1;
}

static __u64 now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Whether the domain's vCPUs, once it had some, are all gone (the process
 * that ran them exited): a domain still being built is not over.
 */
static int vcpus_gone(struct tvx_nl *nl)
{
	static int had_vcpus;
	struct tvx_nl_domain d;

	if (!nl || tvx_nl_get_domain(nl, opt->id, &d))
		return 0;
	if (d.nr_vcpus)
		had_vcpus = 1;
	return had_vcpus && !d.nr_vcpus;
}

enum {
	OPT_CR0 = 256, OPT_CR3, OPT_CR4, OPT_INT3, OPT_MEM_ACCESS, OPT_RO_MMIO,
	OPT_HOST, OPT_MSR,
	OPT_ON_CHANGE, OPT_DENY, OPT_DENY_SMEP, OPT_DENY_WP, OPT_INT3_ANSWER,
	OPT_SINGLESTEP, OPT_ACCESS, OPT_VCPUS, OPT_SLOTS,
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "cr0", required_argument, NULL, OPT_CR0 },
		{ "cr3", required_argument, NULL, OPT_CR3 },
		{ "cr4", required_argument, NULL, OPT_CR4 },
		{ "int3", required_argument, NULL, OPT_INT3 },
		{ "mem-access", required_argument, NULL, OPT_MEM_ACCESS },
		{ "ro-mmio", required_argument, NULL, OPT_RO_MMIO },
		{ "on-change", no_argument, NULL, OPT_ON_CHANGE },
		{ "host", no_argument, NULL, OPT_HOST },
		{ "msr", required_argument, NULL, OPT_MSR },
		{ "deny", required_argument, NULL, OPT_DENY },
		{ "deny-smep-clear", no_argument, NULL, OPT_DENY_SMEP },
		{ "deny-wp-clear", no_argument, NULL, OPT_DENY_WP },
		{ "int3-answer", required_argument, NULL, OPT_INT3_ANSWER },
		{ "singlestep", no_argument, NULL, OPT_SINGLESTEP },
		{ "access", required_argument, NULL, OPT_ACCESS },
		{ "vcpus", required_argument, NULL, OPT_VCPUS },
		{ "slots", required_argument, NULL, OPT_SLOTS },
		{ "threads", no_argument, NULL, 't' },
		{ "busy-poll", no_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	__u64 v;
	int c;

	while ((c = getopt_long(argc, argv, "tbn:T:qjh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CR0 ... OPT_RO_MMIO:
			if (parse_mode(optarg, &o->mode[c - OPT_CR0 + THINVMX_MONITOR_CR0]))
				return -1;
			break;
		case OPT_ON_CHANGE:
			o->on_change = 1;
			break;
		case OPT_HOST:
			o->host = 1;
			break;
		case OPT_MSR:
			if (parse_msr(o, optarg))
				return -1;
			break;
		case OPT_DENY:
			if (parse_deny(o, optarg))
				return -1;
			break;
		case OPT_DENY_SMEP:
			parse_deny(o, "cr4:0x100000");
			break;
		case OPT_DENY_WP:
			parse_deny(o, "cr0:0x10000");
			break;
		case OPT_INT3_ANSWER:
			if (!strcmp(optarg, "reinject"))
				o->int3_answer = THINVMX_RESPONSE_REINJECT;
			else if (!strcmp(optarg, "skip"))
				o->int3_answer = THINVMX_RESPONSE_SKIP;
			else if (!strcmp(optarg, "continue"))
				o->int3_answer = 0;
			else
				return -1;
			break;
		case OPT_SINGLESTEP:
			o->singlestep = 1;
			break;
		case OPT_ACCESS:
			if (parse_access(o, optarg))
				return -1;
			break;
		case OPT_VCPUS:
			if (parse_u64(optarg, &v) || !v || v > THINVMX_MAX_VCPUS)
				return -1;
			o->vcpus = v;
			break;
		case OPT_SLOTS:
			if (parse_u64(optarg, &v) || v < THINVMX_RING_SLOTS_LOG2_MIN ||
			    v > THINVMX_RING_SLOTS_LOG2_MAX)
				return -1;
			o->slots_log2 = v;
			break;
		case 't':
			o->threads = 1;
			break;
		case 'b':
			o->busy_poll = 1;
			break;
		case 'n':
			if (parse_u64(optarg, &o->count) || !o->count)
				return -1;
			break;
		case 'T':
			if (parse_u64(optarg, &v) || !v || v > 86400 * 365)
				return -1;
			o->timeout = v;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (o->host)
		return optind == argc && !o->nr_access ? 0 : -1;
	if (optind != argc - 1 || parse_u64(argv[optind], &v) || v > UINT32_MAX)
		return -1;
	o->id = v;
	return 0;
}

/* Switch on what the command line asks for; the domain has a listener. */
static int setup(struct tvx_domain *d)
{
	unsigned int k, i;
	__u32 flags;
	int ret;

	for (i = 0; i < opt->nr_access; i++) {
		ret = tvx_set_mem_access(d, opt->access[i].gfn, opt->access[i].nr,
					 opt->access[i].right);
		if (ret) {
			fprintf(stderr, "thinvmx-monitor: --access %#" PRIx64 ":%" PRIu64
				": %s\n", (uint64_t)opt->access[i].gfn,
				(uint64_t)opt->access[i].nr, strerror(-ret));
			return ret;
		}
	}
	for (i = 0; i < opt->nr_msr; i++) {
		ret = tvx_monitor_set_msr(mon, opt->msr[i], opt->msr_mode[i],
					  opt->on_change ? THINVMX_MONITOR_F_ON_CHANGE_ONLY : 0);
		if (ret) {
			fprintf(stderr, "thinvmx-monitor: --msr %#x: %s%s\n", opt->msr[i],
				strerror(-ret), ret == -EOPNOTSUPP ?
				" (host mode is async only)" : "");
			return ret;
		}
	}
	for (k = THINVMX_MONITOR_CR0; k < THINVMX_MONITOR_NR_KINDS; k++) {
		if (!opt->mode[k] || k == THINVMX_MONITOR_MSR)
			continue;
		flags = opt->on_change && k <= THINVMX_MONITOR_CR4 ?
			THINVMX_MONITOR_F_ON_CHANGE_ONLY : 0;
		ret = tvx_monitor_set(mon, k, opt->mode[k], flags);
		if (ret) {
			fprintf(stderr, "thinvmx-monitor: --%s %s: %s%s\n", kind_names[k],
				mode_name(opt->mode[k]), strerror(-ret),
				ret == -EOPNOTSUPP ? " (host mode is async only)" : "");
			return ret;
		}
	}
	return 0;
}

static void say_attached(void)
{
	unsigned int k, n = 0;

	if (opt->host)
		fprintf(stderr, "thinvmx-monitor: attached to the host (%u CPUs):",
			tvx_monitor_nr_vcpus(mon));
	else
		fprintf(stderr, "thinvmx-monitor: attached to domain %u (%u vCPUs):",
			opt->id, tvx_monitor_nr_vcpus(mon));
	for (k = THINVMX_MONITOR_CR0; k < THINVMX_MONITOR_NR_KINDS; k++)
		if (opt->mode[k])
			fprintf(stderr, "%s %s %s", n++ ? "," : "", kind_names[k],
				mode_name(opt->mode[k]));
	for (k = 0; k < opt->nr_msr; k++)
		fprintf(stderr, "%s msr %#x %s", n++ ? "," : "", opt->msr[k],
			mode_name(opt->msr_mode[k]));
	fprintf(stderr, "%s\n", n ? "" : " nothing monitored");
}

int main(int argc, char **argv)
{
	static struct opts o = { .int3_answer = THINVMX_RESPONSE_REINJECT };
	struct sigaction sa = { .sa_handler = on_signal };
	struct server *srv = NULL;
	struct tvx_handle *h = NULL;
	struct tvx_domain *d = NULL;
	struct tvx_nl *nl = NULL;
	unsigned int i, nr_srv = 0, started = 0, tick = 0;
	int ret, status = 1;
	__u64 t0;

	if (parse_args(argc, argv, &o)) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	opt = &o;
	setvbuf(stdout, NULL, _IOLBF, 0);

	ret = tvx_open(&h);
	if (ret) {
		fprintf(stderr, "thinvmx-monitor: cannot open %s: %s%s\n", THINVMX_DEVICE,
			strerror(-ret),
			ret == -ENOENT ? " (is the thinvmx module loaded?)" : "");
		return 1;
	}
	if (o.host) {
		ret = tvx_host_attach(h, o.slots_log2, &mon);
		if (ret) {
			fprintf(stderr, "thinvmx-monitor: cannot attach to the host: %s%s\n",
				strerror(-ret), ret == -EBUSY ?
				" (another host listener is attached)" : "");
			goto out;
		}
		goto attached;
	}
	ret = tvx_domain_open(h, o.id, &d);
	if (ret) {
		fprintf(stderr, "thinvmx-monitor: domain %u: %s\n", o.id,
			ret == -ENOENT ? "no such domain" : strerror(-ret));
		goto out;
	}
	ret = tvx_monitor_attach(d, o.slots_log2, o.vcpus, &mon);
	if (ret) {
		fprintf(stderr, "thinvmx-monitor: cannot attach to domain %u: %s%s\n",
			o.id, strerror(-ret),
			ret == -EBUSY ? " (another listener is attached)" : "");
		goto out;
	}
attached:
	ret = setup(d);
	if (ret)
		goto out;
	/* the vCPUs-gone check; without the family the monitor still serves */
	if (!o.host && tvx_nl_open(&nl))
		nl = NULL;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	nr_srv = o.threads ? tvx_monitor_nr_vcpus(mon) : 1;
	srv = calloc(nr_srv, sizeof(*srv));
	if (!srv)
		goto out;
	say_attached();
	for (i = 0; i < nr_srv; i++, started++) {
		srv[i].mask = o.threads ? 1ULL << i : ~0ULL;
		if (pthread_create(&srv[i].thread, NULL, serve_main, &srv[i]))
			break;
	}
	if (started < nr_srv) {
		stop_why = "cannot start the serving threads";
		stop = 1;
	}

	t0 = now_ms();
	vcpus_gone(nl);		/* the vCPUs it has now */
	while (!stop) {
		usleep(SERVE_MS * 1000);
		if (o.timeout && now_ms() - t0 >= o.timeout * 1000ULL) {
			stop_why = "timeout";
			stop = 1;
		} else if (++tick % 5 == 0 && !o.host && vcpus_gone(nl)) {
			stop_why = "the domain's vCPUs are gone";
			stop = 1;
		}
	}
	status = 0;
	for (i = 0; i < started; i++) {
		pthread_join(srv[i].thread, NULL);
		if (srv[i].error) {
			fprintf(stderr, "thinvmx-monitor: serving: %s\n",
				strerror(-srv[i].error));
			status = 1;
		}
	}
	if (started < nr_srv)
		status = 1;
	/* what is still in the rings was reported before the end: print it */
	if (!status && strcmp(stop_why, "count reached"))
		while (tvx_monitor_serve(mon, ~0ULL, 0, 0, on_event, NULL) > 0)
			;
	print_counters(stop_why);
out:
	free(srv);
	tvx_nl_close(nl);
	tvx_monitor_detach(mon);
	tvx_domain_destroy(d);
	tvx_close(h);
	return status;
}
