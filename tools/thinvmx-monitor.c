// SPDX-License-Identifier: GPL-2.0
/*
 * thinvmx-monitor: the reference introspection daemon (what xen-access is
 * to Xen). Opens a domain another process created (THINVMX_OPEN_DOMAIN),
 * attaches its listener, switches on the event kinds the command line
 * names, prints every event, answers sync ones by the command line's
 * policies, and prints its counters when it ends. For a Linux guest it
 * also places breakpoints at kernel symbols, write-protects the kernel's
 * text and counts CR3 loads per second (the guest introspection of
 * issue 16): symbols come from a System.map, their guest-physical
 * addresses from a walk of the guest's page tables (tvx_gla_to_gpa()).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libthinvmx.h"
#include "tvx_json.h"

#define EXIT_USAGE	2
#define MAX_DENY	8
#define MAX_BREAK	16
#define MAX_TEXT_RUNS	64
#define INT3_BYTE	0xcc
#define PEEK_BYTES	16
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
"  --xcr0 MODE          XSETBV of XCR0 (with --on-change: changes only)\n"
"  --cpuid MODE         CPUID (leaf, subleaf and the result)\n"
"  --desc-access MODE   LGDT LIDT LLDT LTR SGDT SIDT SLDT STR (needs the\n"
"                       CPU's descriptor-table exiting)\n"
"  --debug MODE         #DB the guest raises itself (sync: delivered)\n"
"  --guest-request MODE VMCALLs on the channels of --channels\n"
"  --channels MASK      VMCALL channels (bit n: RAX n) of guest requests\n"
"  --io MODE            port I/O (IN OUT INS OUTS), before the VMM sees it\n"
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
"Guest kernel introspection (64-bit Linux; KASLR off: boot it with nokaslr):\n"
"  --system-map FILE    the kernel's System.map: \"ADDR TYPE NAME\" lines.\n"
"                       Debian's package has a stub only (the real one is in\n"
"                       the -dbg package); with nokaslr the guest's own\n"
"                       /proc/kallsyms has the same format and addresses,\n"
"                       so the lines of the symbols needed, copied out of\n"
"                       the guest, make a System.map\n"
"  --break SYM[,SYM...] a breakpoint at each symbol (repeatable, 16 at\n"
"                       most): 0xcc written at the symbol's guest-physical\n"
"                       address, the original byte kept; on a hit the byte\n"
"                       goes back, the instruction is single-stepped and the\n"
"                       0xcc is put back. Each hit prints\n"
"                       \"break SYM hit N vcpu V rip RIP\". INT3s that are\n"
"                       not ours are answered as --int3-answer says\n"
"                       (default: re-injected into the guest). Implies\n"
"                       --int3 sync. With more than one vCPU, another vCPU\n"
"                       can pass a breakpoint unseen while it is lifted\n"
"  --stealth GFN[:N]    --break without writing guest memory: the 0xcc go\n"
"                       into shadow copies of the frames, in N (default 16)\n"
"                       frames from GFN that the guest does not use\n"
"                       (thinvmx-run --spare-frames), shown execute-only\n"
"                       in a view of their own every vCPU runs in; a hit\n"
"                       runs the original instruction in view 0 (fast\n"
"                       single-step), the guest's reads of the frame see the\n"
"                       originals, its writes are let through and the shadow\n"
"                       made again; no vCPU passes a breakpoint unseen.\n"
"                       Implies --mem-access sync for those frames. Needs\n"
"                       execute-only EPT (thinvmx-ctl caps: ept-exec-only)\n"
"  --protect-text       the kernel's text, _stext to _etext, made r-x with\n"
"                       mem_access; each write to it prints \"text-write\n"
"                       vcpu V rip RIP gla GLA gpa GPA\" and happens once\n"
"                       (the right stays). Implies --mem-access async\n"
"                       unless --mem-access says sync\n"
"  --peek SYM           print the first 16 bytes at SYM once, as\n"
"                       \"peek SYM gla GLA gpa GPA bytes XX ...\"; repeatable\n"
"  --read-sym SYM[:LEN] one-shot, no listener: pause the domain, read LEN\n"
"                       bytes (default 64, at most 4096) at SYM through\n"
"                       vCPU --read-vcpu's current page tables (the\n"
"                       daemon-side calls: the domain need not have made an\n"
"                       event), unpause, print \"read SYM vcpu V cr3 CR3 gla\n"
"                       GLA gpa GPA len N text \\\"...\\\"\" (up to the first NUL,\n"
"                       other bytes as \\xHH) and exit; repeatable. A failed\n"
"                       translation says why and where\n"
"  --read-vcpu N        the vCPU whose page tables --read-sym uses (0)\n"
"  Symbols are translated with the CR3 of the first event whose page tables\n"
"  map them all: until then CR3 loads are watched (async) even without\n"
"  --cr3; a guest that makes no event (idle, no syscalls) is not touched.\n"
"  Then \"break SYM gla GLA gpa GPA orig 0xXX planted\" per breakpoint, and\n"
"  \"thinvmx-monitor: symbols ready\" on stderr. On the end (count, timeout,\n"
"  signal) every original byte is written back and the text made rwx again\n"
"  before the listener detaches. With --cr3, a line \"cr3 switches/s N\" each\n"
"  second: CR3 loads (with page-table isolation a kernel loads CR3 on every\n"
"  system call and return, not only on process switches). These lines are\n"
"  printed with --quiet too; with --json they are objects.\n"
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
"  -n, --count N        end after N events (of the kinds asked for: those\n"
"                       watched for --break and --protect-text only do not\n"
"                       count)\n"
"  -T, --timeout S      end after S seconds\n"
"  -q, --quiet          no line per event, only the counters (refusals of\n"
"                       host mode's policies, and writes --deny refused,\n"
"                       are printed all the same)\n"
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
#define NR_ANSWERS	7

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
	__u64 channels;
	int set_channels;
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
	const char *system_map;
	const char *brk[MAX_BREAK];
	unsigned int nr_break;
	const char *peek[MAX_BREAK];
	unsigned int nr_peek;
	int protect_text;
	struct { const char *name; unsigned int len; } rd[MAX_BREAK];
	unsigned int nr_read;
	__u32 read_vcpu;
	__u64 stealth_gfn;		/* --stealth: the spare frames */
	unsigned int stealth_nr;	/* 0: the classic dance */
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
/* the rings drained after --count: answered, not printed */
static bool quiet_drain;

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
	[THINVMX_MONITOR_XCR0] = "xcr0",
	[THINVMX_MONITOR_CPUID] = "cpuid",
	[THINVMX_MONITOR_DESC_ACCESS] = "desc-access",
	[THINVMX_MONITOR_DEBUG] = "debug",
	[THINVMX_MONITOR_GUEST_REQUEST] = "guest-request",
	[THINVMX_MONITOR_IO] = "io",
};

static const char *const answer_names[NR_ANSWERS] = {
	"reinject", "skip", "deny", "set-regs", "singlestep", "switch-view",
	"fast-singlestep",
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
	/* a watcher, not a debugger: the guest's own #DB reaches it */
	case THINVMX_EVENT_DEBUG:
		return THINVMX_RESPONSE_REINJECT;
	default:
		return 0;
	}
}

/*
 * Guest kernel introspection: breakpoints, the text's write protection,
 * peeks. Everything below is under intro.lock: with --threads each vCPU's
 * events come on their own thread, and a breakpoint's byte is shared.
 */
struct breakpoint {
	const char *name;
	__u64 gla;
	__u64 gpa;
	__u8 orig;		/* the byte the 0xcc replaced */
	bool armed;		/* the 0xcc is in guest memory */
	unsigned int lifted;	/* vCPUs stepping its original instruction */
	__u64 hits;
};

struct peek {
	const char *name;
	__u64 gla;
};

static struct {
	pthread_mutex_t lock;
	struct tvx_domain *d;
	bool wanted;		/* --break, --peek or --protect-text */
	bool ready;		/* translated and planted */
	bool leaving;		/* the end: breakpoints are gone */
	__u32 internal[THINVMX_MONITOR_NR_KINDS];	/* modes set for us alone */
	struct breakpoint bp[MAX_BREAK];
	unsigned int nr_bp;
	struct peek peek[MAX_BREAK];
	__u64 stext, etext;
	struct { __u64 gfn, nr; } text[MAX_TEXT_RUNS];
	unsigned int nr_text;
	__u64 text_frames, text_gpa;
	unsigned int stepping[THINVMX_MAX_VCPUS];	/* breakpoint index + 1 */
	__u64 text_writes;
	__u64 cr3_loads;	/* atomic: read by the rate line */
	struct tvx_stealth *st;	/* --stealth */
	int exec_only;		/* the CPU has execute-only EPT */
	unsigned int st_id[MAX_BREAK];	/* each breakpoint's, in st */
} intro = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Resolve every symbol the command line names; 0 or -1 (said why). */
static int intro_symbols(struct opts *o)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < o->nr_break && !ret; i++) {
		intro.bp[i].name = o->brk[i];
		ret = tvx_sysmap_lookup(o->system_map, o->brk[i], &intro.bp[i].gla);
		if (ret)
			fprintf(stderr, "thinvmx-monitor: --break %s: %s\n", o->brk[i],
				ret == -ENOENT ?
				"not in the System.map (Debian's is a stub: see --help)" :
				strerror(-ret));
	}
	intro.nr_bp = o->nr_break;
	for (i = 0; i < o->nr_peek && !ret; i++) {
		intro.peek[i].name = o->peek[i];
		ret = tvx_sysmap_lookup(o->system_map, o->peek[i], &intro.peek[i].gla);
		if (ret)
			fprintf(stderr, "thinvmx-monitor: --peek %s: %s\n", o->peek[i],
				ret == -ENOENT ? "not in the System.map" : strerror(-ret));
	}
	if (o->protect_text && !ret) {
		ret = tvx_sysmap_lookup(o->system_map, "_stext", &intro.stext);
		if (!ret)
			ret = tvx_sysmap_lookup(o->system_map, "_etext", &intro.etext);
		if (!ret && intro.etext <= intro.stext)
			ret = -EINVAL;
		if (ret)
			fprintf(stderr, "thinvmx-monitor: --protect-text: _stext and _etext: %s\n",
				ret == -ENOENT ? "not in the System.map" : strerror(-ret));
	}
	intro.wanted = o->nr_break || o->nr_peek || o->protect_text;
	return ret ? -1 : 0;
}

/* A 64-bit guest runs with EFER.LMA and NXE; the event has no EFER. */
static void intro_paging(const struct thinvmx_event *ev, __u64 cr3,
			 struct tvx_paging *pg)
{
	*pg = (struct tvx_paging) {
		.cr0 = ev->cr0, .cr3 = cr3, .cr4 = ev->cr4,
		.efer = TVX_EFER_LMA | TVX_EFER_NXE,
	};
}

/* Whether @pg maps every address the command line needs. */
static bool intro_maps_all(const struct tvx_paging *pg)
{
	unsigned int i;
	__u64 gpa;

	for (i = 0; i < intro.nr_bp; i++)
		if (tvx_gla_to_gpa(intro.d, pg, intro.bp[i].gla, &gpa, NULL))
			return false;
	for (i = 0; i < opt->nr_peek; i++)
		if (tvx_gla_to_gpa(intro.d, pg, intro.peek[i].gla, &gpa, NULL))
			return false;
	if (opt->protect_text &&
	    (tvx_gla_to_gpa(intro.d, pg, intro.stext, &gpa, NULL) ||
	     tvx_gla_to_gpa(intro.d, pg, intro.etext - 1, &gpa, NULL)))
		return false;
	return true;
}

static void intro_print_peek(const struct peek *p, __u64 gpa, const __u8 *b)
{
	struct json_object *j, *a;
	unsigned int i;

	flockfile(stdout);
	if (opt->json) {
		j = json_object_new_object();
		tj_str(j, "peek", p->name);
		tj_hex(j, "gla", p->gla);
		tj_hex(j, "gpa", gpa);
		a = tj_arr(j, "bytes");
		for (i = 0; i < PEEK_BYTES; i++)
			json_object_array_add(a, json_object_new_int(b[i]));
		tj_print(j, stdout);
	} else {
		printf("peek %s gla %#" PRIx64 " gpa %#" PRIx64 " bytes", p->name,
		       (uint64_t)p->gla, (uint64_t)gpa);
		for (i = 0; i < PEEK_BYTES; i++)
			printf(" %02x", b[i]);
		putchar('\n');
	}
	funlockfile(stdout);
}

static void intro_print_bp(const struct breakpoint *b, const char *what,
			   const struct thinvmx_event *ev)
{
	struct json_object *j;

	flockfile(stdout);
	if (opt->json) {
		j = json_object_new_object();
		tj_str(j, "break", b->name);
		if (ev) {
			tj_u64(j, "hit", b->hits);
			tj_u64(j, "vcpu", ev->vcpu);
			tj_hex(j, "rip", ev->regs.rip);
		} else {
			tj_str(j, "state", what);
			tj_hex(j, "gla", b->gla);
			tj_hex(j, "gpa", b->gpa);
			tj_hex(j, "orig", b->orig);
		}
		tj_print(j, stdout);
	} else if (ev) {
		printf("break %s hit %" PRIu64 " vcpu %u rip %#" PRIx64 "\n", b->name,
		       (uint64_t)b->hits, ev->vcpu, (uint64_t)ev->regs.rip);
	} else {
		printf("break %s gla %#" PRIx64 " gpa %#" PRIx64 " orig %#04x %s\n",
		       b->name, (uint64_t)b->gla, (uint64_t)b->gpa, b->orig, what);
	}
	funlockfile(stdout);
}

/*
 * _stext.._etext to guest frames, page by page (a kernel's text is
 * physically contiguous, but nothing here relies on it), merged into runs
 * and made r-x.
 */
static int intro_protect_text(const struct tvx_paging *pg)
{
	__u64 va, gpa, gfn;
	unsigned int i;
	int ret;

	for (va = intro.stext & ~0xfffULL; va < intro.etext; va += 4096) {
		ret = tvx_gla_to_gpa(intro.d, pg, va, &gpa, NULL);
		if (ret)
			return ret;
		gfn = gpa >> 12;
		if (!intro.text_frames)
			intro.text_gpa = gpa;
		intro.text_frames++;
		i = intro.nr_text;
		if (i && intro.text[i - 1].gfn + intro.text[i - 1].nr == gfn) {
			intro.text[i - 1].nr++;
			continue;
		}
		if (i == MAX_TEXT_RUNS)
			return -E2BIG;
		intro.text[i].gfn = gfn;
		intro.text[i].nr = 1;
		intro.nr_text++;
	}
	for (i = 0; i < intro.nr_text; i++) {
		ret = tvx_set_mem_access(intro.d, intro.text[i].gfn, intro.text[i].nr,
					 THINVMX_ACCESS_RX);
		if (ret)
			return ret;
	}
	return 0;
}

/* Translate and plant with @pg, which maps everything. */
static int intro_plant(const struct tvx_paging *pg)
{
	static const __u8 int3 = INT3_BYTE;
	__u8 bytes[PEEK_BYTES];
	unsigned int i;
	__u64 gpa;
	int ret;

	for (i = 0; i < opt->nr_peek; i++) {
		ret = tvx_gla_to_gpa(intro.d, pg, intro.peek[i].gla, &gpa, NULL);
		if (!ret)
			ret = tvx_read_guest(intro.d, gpa, bytes, sizeof(bytes));
		if (ret)
			return ret;
		intro_print_peek(&intro.peek[i], gpa, bytes);
	}
	for (i = 0; i < intro.nr_bp; i++) {
		struct breakpoint *b = &intro.bp[i];

		ret = tvx_gla_to_gpa(intro.d, pg, b->gla, &b->gpa, NULL);
		if (!ret)
			ret = tvx_read_guest(intro.d, b->gpa, &b->orig, 1);
		if (!ret && intro.st)
			ret = tvx_stealth_add(intro.st, b->gpa, &intro.st_id[i]);
		else if (!ret)
			ret = tvx_write_guest(intro.d, b->gpa, &int3, 1);
		if (ret)
			return ret;
		b->armed = true;
		intro_print_bp(b, intro.st ? "planted stealth" : "planted", NULL);
	}
	/* every vCPU into the breakpoint view, the shadows ready */
	if (intro.st) {
		ret = tvx_stealth_arm(intro.st);
		if (ret)
			return ret;
	}
	if (opt->protect_text) {
		ret = intro_protect_text(pg);
		if (ret)
			return ret;
	}
	fprintf(stderr, "thinvmx-monitor: symbols ready (cr3 %#" PRIx64 "): %u breakpoints",
		(uint64_t)pg->cr3, intro.nr_bp);
	if (opt->protect_text)
		fprintf(stderr, ", text %#" PRIx64 "-%#" PRIx64 " write-protected (%" PRIu64
			" frames from gpa %#" PRIx64 ", %u runs)", (uint64_t)intro.stext,
			(uint64_t)intro.etext, (uint64_t)intro.text_frames,
			(uint64_t)intro.text_gpa, intro.nr_text);
	fputc('\n', stderr);
	return 0;
}

/*
 * The first event whose page tables map every symbol: its CR3, or for a
 * CR3 load the new or old value (with page-table isolation a user CR3
 * maps little of the kernel; the entry code loads the kernel's). Then the
 * CR3 events we turned on for this alone go off again.
 */
static void intro_try(const struct thinvmx_event *ev)
{
	__u64 cand[3] = { ev->cr3 };
	struct tvx_paging pg;
	unsigned int i, n = 1;
	int ret;

	if (!(ev->cr0 & (1ULL << 31)) || !(ev->cr4 & (1ULL << 5)))
		return;		/* no 64-bit paging yet */
	if (ev->reason == THINVMX_EVENT_CR3) {
		cand[n++] = ev->u.cr.new_value;
		cand[n++] = ev->u.cr.old_value;
	}
	for (i = 0; i < n; i++) {
		intro_paging(ev, cand[i], &pg);
		if (intro_maps_all(&pg))
			break;
	}
	if (i == n)
		return;
	intro.ready = true;
	ret = intro_plant(&pg);
	if (ret) {
		fprintf(stderr, "thinvmx-monitor: planting: %s\n", strerror(-ret));
		stop_why = "planting failed";
		stop = 1;
	}
	if (intro.internal[THINVMX_MONITOR_CR3])
		tvx_monitor_set(mon, THINVMX_MONITOR_CR3,
				THINVMX_MONITOR_MODE_DISABLED, 0);
}

static struct breakpoint *intro_find(__u64 gla)
{
	unsigned int i;

	for (i = 0; i < intro.nr_bp; i++)
		if (intro.bp[i].gla == gla)
			return &intro.bp[i];
	return NULL;
}

/*
 * The classic dance. An INT3 at one of ours: count the hit, put the
 * original byte back and answer SINGLESTEP, so that the original
 * instruction runs once; its singlestep event puts the 0xcc back. A hit
 * on a breakpoint another vCPU has lifted (or that is gone at the end)
 * finds the original byte already there: continue runs it. Returns
 * whether the event was ours.
 */
static bool intro_int3(const struct thinvmx_event *ev, struct thinvmx_response *rsp)
{
	struct breakpoint *b = intro_find(ev->u.int3.gla);
	int ret;

	if (!b)
		return false;
	b->hits++;
	intro_print_bp(b, NULL, ev);
	rsp->flags = 0;
	if (!b->armed || intro.leaving || ev->vcpu >= THINVMX_MAX_VCPUS)
		return true;
	ret = tvx_write_guest(intro.d, b->gpa, &b->orig, 1);
	if (ret) {
		fprintf(stderr, "thinvmx-monitor: break %s: %s\n", b->name, strerror(-ret));
		return true;
	}
	b->armed = false;
	b->lifted++;
	intro.stepping[ev->vcpu] = b - intro.bp + 1;
	rsp->flags = THINVMX_RESPONSE_SINGLESTEP;
	return true;
}

static bool intro_step(const struct thinvmx_event *ev)
{
	static const __u8 int3 = INT3_BYTE;
	struct breakpoint *b;
	unsigned int idx;

	if (ev->vcpu >= THINVMX_MAX_VCPUS || !intro.stepping[ev->vcpu])
		return false;
	idx = intro.stepping[ev->vcpu] - 1;
	intro.stepping[ev->vcpu] = 0;
	b = &intro.bp[idx];
	if (--b->lifted == 0 && !b->armed && !intro.leaving &&
	    !tvx_write_guest(intro.d, b->gpa, &int3, 1))
		b->armed = true;
	return true;
}

static void intro_text_write(const struct thinvmx_event *ev)
{
	__u64 gpa = (ev->u.mem_access.gfn << 12) | ev->u.mem_access.offset;
	struct json_object *j;
	unsigned int i;

	if (!(ev->u.mem_access.access & THINVMX_EVENT_ACCESS_W))
		return;
	for (i = 0; i < intro.nr_text; i++)
		if (ev->u.mem_access.gfn - intro.text[i].gfn < intro.text[i].nr)
			break;
	if (i == intro.nr_text)
		return;
	intro.text_writes++;
	flockfile(stdout);
	if (opt->json) {
		j = json_object_new_object();
		tj_str(j, "text_write", "kernel text");
		tj_u64(j, "vcpu", ev->vcpu);
		tj_hex(j, "rip", ev->regs.rip);
		if (ev->flags & THINVMX_EVENT_F_GLA_VALID)
			tj_hex(j, "gla", ev->u.mem_access.gla);
		tj_hex(j, "gpa", gpa);
		tj_hex(j, "text_offset", gpa - intro.text_gpa);
		tj_print(j, stdout);
	} else {
		printf("text-write vcpu %u rip %#" PRIx64, ev->vcpu, (uint64_t)ev->regs.rip);
		if (ev->flags & THINVMX_EVENT_F_GLA_VALID)
			printf(" gla %#" PRIx64, (uint64_t)ev->u.mem_access.gla);
		printf(" gpa %#" PRIx64 " text+%#" PRIx64 "\n", (uint64_t)gpa,
		       (uint64_t)(gpa - intro.text_gpa));
	}
	funlockfile(stdout);
}

/*
 * --stealth: the engine answers its own events (hits, reads and writes of
 * the breakpointed frames, a write's step); a hit is counted and printed
 * here. Returns whether the event was the engine's.
 */
static bool intro_stealth(const struct thinvmx_event *ev, struct thinvmx_response *rsp)
{
	unsigned int i;
	int hit;

	if (!tvx_stealth_event(intro.st, ev, rsp, &hit))
		return false;
	for (i = 0; hit >= 0 && i < intro.nr_bp; i++) {
		if (intro.st_id[i] != (unsigned int)hit)
			continue;
		intro.bp[i].hits++;
		intro_print_bp(&intro.bp[i], NULL, ev);
		break;
	}
	return true;
}

/*
 * Introspection's part of an event; returns whether the event itself is
 * one the command line asked to see (events of kinds we watch only for
 * ourselves are not printed or counted).
 */
static bool intro_event(const struct thinvmx_event *ev, struct thinvmx_response *rsp)
{
	bool shown = true;

	if (ev->reason == THINVMX_EVENT_CR3)
		__atomic_add_fetch(&intro.cr3_loads, 1, __ATOMIC_RELAXED);
	if (!intro.wanted)
		return true;
	pthread_mutex_lock(&intro.lock);
	if (!intro.ready && !intro.leaving)
		intro_try(ev);
	if (intro.st && intro_stealth(ev, rsp)) {
		shown = false;
		goto out;
	}
	switch (ev->reason) {
	case THINVMX_EVENT_INT3:
		if (intro_int3(ev, rsp))
			shown = false;
		break;
	case THINVMX_EVENT_SINGLESTEP:
		if (intro_step(ev))
			shown = false;
		break;
	case THINVMX_EVENT_MEM_ACCESS:
		intro_text_write(ev);
		break;
	}
	if (ev->reason < THINVMX_MONITOR_NR_KINDS && ev->reason != THINVMX_EVENT_SINGLESTEP &&
	    intro.internal[ev->reason])
		shown = false;
out:
	pthread_mutex_unlock(&intro.lock);
	return shown;
}

/*
 * The end: the original bytes back and the text writable again, before
 * the listener goes (a vCPU still paused on one of our INT3s would get
 * the INT3 re-injected when it does: the caller drains the rings first).
 */
static void intro_leave(void)
{
	unsigned int i;
	int ret;

	if (!intro.wanted)
		return;
	pthread_mutex_lock(&intro.lock);
	intro.leaving = true;
	/*
	 * Stealth: every vCPU back in view 0, the view gone; the guest's
	 * memory never had a 0xcc. An INT3 still in the rings from the view
	 * then finds its breakpoint disarmed and is answered "continue": the
	 * original instruction, in view 0.
	 */
	if (intro.st) {
		ret = tvx_stealth_destroy(intro.st);
		intro.st = NULL;
		if (ret)
			fprintf(stderr, "thinvmx-monitor: the breakpoint view: %s\n",
				strerror(-ret));
	}
	for (i = 0; i < intro.nr_bp; i++) {
		struct breakpoint *b = &intro.bp[i];

		/* one that is lifted has its byte back already */
		if (!intro.ready)
			break;
		ret = b->armed && !opt->stealth_nr ?
		      tvx_write_guest(intro.d, b->gpa, &b->orig, 1) : 0;
		if (ret) {
			fprintf(stderr, "thinvmx-monitor: break %s: restoring: %s\n",
				b->name, strerror(-ret));
			continue;
		}
		b->armed = false;
		intro_print_bp(b, "removed", NULL);
	}
	for (i = 0; i < intro.nr_text; i++)
		tvx_set_mem_access(intro.d, intro.text[i].gfn, intro.text[i].nr,
				   THINVMX_ACCESS_RWX);
	pthread_mutex_unlock(&intro.lock);
	if (!intro.ready)
		fputs("thinvmx-monitor: no event's page tables mapped the symbols: nothing was planted\n",
		      stderr);
}

static void print_cr3_rate(__u64 n, __u64 ms)
{
	struct json_object *j;
	__u64 rate = ms ? n * 1000 / ms : 0;

	if (opt->json) {
		j = json_object_new_object();
		tj_u64(j, "cr3_per_s", rate);
		flockfile(stdout);
		tj_print(j, stdout);
		funlockfile(stdout);
	} else {
		printf("cr3 switches/s %" PRIu64 "\n", (uint64_t)rate);
	}
}

static void access_str(__u8 access, char *buf)
{
	buf[0] = access & THINVMX_EVENT_ACCESS_R ? 'r' : '-';
	buf[1] = access & THINVMX_EVENT_ACCESS_W ? 'w' : '-';
	buf[2] = access & THINVMX_EVENT_ACCESS_X ? 'x' : '-';
	buf[3] = 0;
}

static const char *const desc_names[] = {
	[THINVMX_DESC_IDTR] = "idtr", [THINVMX_DESC_GDTR] = "gdtr",
	[THINVMX_DESC_LDTR] = "ldtr", [THINVMX_DESC_TR] = "tr",
};

static const char *desc_name(__u8 d)
{
	return d < sizeof(desc_names) / sizeof(desc_names[0]) && desc_names[d] ?
	       desc_names[d] : "?";
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
	case THINVMX_EVENT_XCR0:
		printf(" new %#" PRIx64 " old %#" PRIx64,
		       (uint64_t)ev->u.cr.new_value, (uint64_t)ev->u.cr.old_value);
		break;
	case THINVMX_EVENT_CPUID:
		printf(" leaf %#x subleaf %#x eax %#x ebx %#x ecx %#x edx %#x",
		       ev->u.cpuid.leaf, ev->u.cpuid.subleaf, ev->u.cpuid.eax,
		       ev->u.cpuid.ebx, ev->u.cpuid.ecx, ev->u.cpuid.edx);
		break;
	case THINVMX_EVENT_DESC_ACCESS:
		printf(" %s %s", desc_name(ev->u.desc.descriptor),
		       ev->u.desc.flags & THINVMX_DESC_F_LOAD ? "load" : "store");
		if (ev->u.desc.descriptor == THINVMX_DESC_GDTR ||
		    ev->u.desc.descriptor == THINVMX_DESC_IDTR)
			printf(" base %#" PRIx64 " limit %#x old-base %#" PRIx64
			       " old-limit %#x", (uint64_t)ev->u.desc.base,
			       ev->u.desc.limit, (uint64_t)ev->u.desc.old_base,
			       ev->u.desc.old_limit);
		else
			printf(" selector %#x old-selector %#x", ev->u.desc.selector,
			       ev->u.desc.old_selector);
		if (ev->u.desc.flags & THINVMX_DESC_F_MEM)
			printf(" gla %#" PRIx64, (uint64_t)ev->u.desc.gla);
		break;
	case THINVMX_EVENT_DEBUG:
		printf(" pending %#" PRIx64 " dr6 %#" PRIx64 "%s%s",
		       (uint64_t)ev->u.debug.pending_dbg, (uint64_t)ev->u.debug.dr6,
		       ev->u.debug.flags & THINVMX_DEBUG_F_ICEBP ? " icebp" : "",
		       ev->u.debug.flags & THINVMX_DEBUG_F_MODULE_STEP ?
		       " module-step" : "");
		break;
	case THINVMX_EVENT_GUEST_REQUEST:
		printf(" channel %" PRIu64 " rbx %#" PRIx64 " rcx %#" PRIx64
		       " rdx %#" PRIx64, (uint64_t)ev->u.guest_request.channel,
		       (uint64_t)ev->regs.rbx, (uint64_t)ev->regs.rcx,
		       (uint64_t)ev->regs.rdx);
		break;
	case THINVMX_EVENT_IO:
		printf(" port %#x size %u %s", ev->u.io.port, ev->u.io.size,
		       ev->u.io.flags & THINVMX_IO_F_IN ? "in" : "out");
		if (!(ev->u.io.flags & (THINVMX_IO_F_IN | THINVMX_IO_F_STRING)))
			printf(" value %#" PRIx64, (uint64_t)ev->u.io.value);
		if (ev->u.io.flags & THINVMX_IO_F_STRING)
			printf(" string gla %#" PRIx64 "%s", (uint64_t)ev->u.io.gla,
			       ev->u.io.flags & THINVMX_IO_F_REP ? " rep" : "");
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
	case THINVMX_EVENT_XCR0:
		tj_hex(j, "new", ev->u.cr.new_value);
		tj_hex(j, "old", ev->u.cr.old_value);
		break;
	case THINVMX_EVENT_CPUID:
		tj_hex(j, "leaf", ev->u.cpuid.leaf);
		tj_hex(j, "subleaf", ev->u.cpuid.subleaf);
		tj_hex(j, "eax", ev->u.cpuid.eax);
		tj_hex(j, "ebx", ev->u.cpuid.ebx);
		tj_hex(j, "ecx", ev->u.cpuid.ecx);
		tj_hex(j, "edx", ev->u.cpuid.edx);
		break;
	case THINVMX_EVENT_DESC_ACCESS:
		tj_str(j, "descriptor", desc_name(ev->u.desc.descriptor));
		tj_bool(j, "load", !!(ev->u.desc.flags & THINVMX_DESC_F_LOAD));
		if (ev->u.desc.descriptor == THINVMX_DESC_GDTR ||
		    ev->u.desc.descriptor == THINVMX_DESC_IDTR) {
			tj_hex(j, "base", ev->u.desc.base);
			tj_hex(j, "limit", ev->u.desc.limit);
			tj_hex(j, "old_base", ev->u.desc.old_base);
			tj_hex(j, "old_limit", ev->u.desc.old_limit);
		} else {
			tj_hex(j, "selector", ev->u.desc.selector);
			tj_hex(j, "old_selector", ev->u.desc.old_selector);
		}
		if (ev->u.desc.flags & THINVMX_DESC_F_MEM)
			tj_hex(j, "gla", ev->u.desc.gla);
		tj_hex(j, "instr_info", ev->u.desc.instr_info);
		break;
	case THINVMX_EVENT_DEBUG:
		tj_hex(j, "pending_dbg", ev->u.debug.pending_dbg);
		tj_hex(j, "dr6", ev->u.debug.dr6);
		tj_bool(j, "icebp", !!(ev->u.debug.flags & THINVMX_DEBUG_F_ICEBP));
		tj_bool(j, "module_step",
			!!(ev->u.debug.flags & THINVMX_DEBUG_F_MODULE_STEP));
		break;
	case THINVMX_EVENT_GUEST_REQUEST:
		tj_u64(j, "channel", ev->u.guest_request.channel);
		tj_hex(j, "rbx", ev->regs.rbx);
		tj_hex(j, "rcx", ev->regs.rcx);
		tj_hex(j, "rdx", ev->regs.rdx);
		break;
	case THINVMX_EVENT_IO:
		tj_hex(j, "port", ev->u.io.port);
		tj_u64(j, "size", ev->u.io.size);
		tj_bool(j, "in", !!(ev->u.io.flags & THINVMX_IO_F_IN));
		tj_bool(j, "string", !!(ev->u.io.flags & THINVMX_IO_F_STRING));
		tj_bool(j, "rep", !!(ev->u.io.flags & THINVMX_IO_F_REP));
		if (!(ev->u.io.flags & (THINVMX_IO_F_IN | THINVMX_IO_F_STRING)))
			tj_hex(j, "value", ev->u.io.value);
		if (ev->u.io.flags & THINVMX_IO_F_STRING)
			tj_hex(j, "gla", ev->u.io.gla);
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
	bool shown, refused;
	__u64 n;

	if (sync)
		rsp->flags = answer(ev);
	shown = intro_event(ev, rsp);
	if (!sync)
		rsp->flags = 0;
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
	/* the policy's own refusals (--deny) count as refusals too */
	refused = denied || (sync && (rsp->flags & THINVMX_RESPONSE_DENY));
	if (!shown && !refused)
		return 0;
	/* a refusal is rare and is what a guard policy is for: never quiet */
	if ((!opt->quiet && !quiet_drain) || refused) {
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
		if (intro.nr_bp) {
			c = tj_obj(j, "breaks");
			for (i = 0; i < intro.nr_bp; i++)
				tj_u64(c, intro.bp[i].name, intro.bp[i].hits);
		}
		if (opt->protect_text)
			tj_u64(j, "text_writes", intro.text_writes);
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
	for (i = 0; i < intro.nr_bp; i++)
		fprintf(stderr, "  break %s: %" PRIu64 " hits\n", intro.bp[i].name,
			(uint64_t)intro.bp[i].hits);
	if (opt->protect_text)
		fprintf(stderr, "  text writes: %" PRIu64 "\n", (uint64_t)intro.text_writes);
}

static int parse_u64(const char *s, __u64 *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

/* --stealth GFN[:N] */
static int parse_stealth(struct opts *o, char *s)
{
	char *colon = strchr(s, ':');
	__u64 n = 16;

	if (colon) {
		*colon = 0;
		if (parse_u64(colon + 1, &n) || !n || n > TVX_STEALTH_MAX)
			return -1;
	}
	if (parse_u64(s, &o->stealth_gfn))
		return -1;
	o->stealth_nr = n;
	return 0;
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

/* "SYM[,SYM...]", each once */
static int parse_break(struct opts *o, char *s)
{
	char *tok, *save = NULL;
	unsigned int i;

	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < o->nr_break; i++)
			if (!strcmp(o->brk[i], tok))
				return -1;
		if (o->nr_break == MAX_BREAK)
			return -1;
		o->brk[o->nr_break++] = tok;
	}
	return o->nr_break ? 0 : -1;
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

/* SYM[:LEN] */
static int parse_read_sym(struct opts *o, char *s)
{
	char *colon = strchr(s, ':');
	__u64 len = 64;

	if (o->nr_read == MAX_BREAK || !*s || colon == s)
		return -1;
	if (colon) {
		*colon = 0;
		if (parse_u64(colon + 1, &len) || !len || len > 4096)
			return -1;
	}
	o->rd[o->nr_read].name = s;
	o->rd[o->nr_read].len = len;
	o->nr_read++;
	return 0;
}

/* The bytes up to the first NUL, printable as they are, others \xHH. */
static void read_text(const __u8 *b, unsigned int len, char *out, size_t size)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < len && b[i] && n + 5 < size; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\')
			out[n++] = b[i];
		else
			n += snprintf(out + n, size - n, "\\x%02x", b[i]);
	}
	out[n] = 0;
}

/*
 * --read-sym: LibVMI's way, with no event and no listener. The domain is
 * paused for the register read and the walk, so that CR3 and the tables
 * are those of one moment; unpaused however the reads end.
 */
static int read_syms(struct tvx_domain *d)
{
	static char text[4096 * 4 + 8];
	static __u8 buf[4096];
	struct tvx_gva_error err;
	struct tvx_paging pg;
	__u64 gla, gpa;
	unsigned int i;
	int ret, r2;
	char why[160];

	ret = tvx_domain_pause(d);
	if (ret) {
		fprintf(stderr, "thinvmx-monitor: cannot pause domain %u: %s\n",
			opt->id, strerror(-ret));
		return 1;
	}
	ret = tvx_ctl_paging(d, opt->read_vcpu, &pg);
	if (ret)
		fprintf(stderr, "thinvmx-monitor: vCPU %u's registers: %s\n",
			opt->read_vcpu, strerror(-ret));
	for (i = 0; i < opt->nr_read && !ret; i++) {
		ret = tvx_sysmap_lookup(opt->system_map, opt->rd[i].name, &gla);
		if (ret) {
			fprintf(stderr, "thinvmx-monitor: --read-sym %s: %s\n",
				opt->rd[i].name, ret == -ENOENT ?
				"not in the System.map" : strerror(-ret));
			break;
		}
		ret = tvx_gva_translate(d, &pg, gla, &gpa, NULL, &err) ?:
		      tvx_ctl_read_gva(d, opt->read_vcpu, gla, buf,
				       opt->rd[i].len, &err);
		if (ret) {
			if (err.why)
				tvx_gva_error_describe(&err, why, sizeof(why));
			else
				snprintf(why, sizeof(why), "%s", strerror(-ret));
			fprintf(stderr, "thinvmx-monitor: --read-sym %s: %s\n",
				opt->rd[i].name, why);
			break;
		}
		read_text(buf, opt->rd[i].len, text, sizeof(text));
		if (opt->json) {
			struct json_object *j = json_object_new_object();

			tj_str(j, "read", opt->rd[i].name);
			tj_u64(j, "vcpu", opt->read_vcpu);
			tj_hex(j, "cr3", pg.cr3);
			tj_hex(j, "gla", gla);
			tj_hex(j, "gpa", gpa);
			tj_u64(j, "len", opt->rd[i].len);
			tj_str(j, "text", text);
			tj_print(j, stdout);
		} else {
			printf("read %s vcpu %u cr3 %#" PRIx64 " gla %#" PRIx64
			       " gpa %#" PRIx64 " len %u text \"%s\"\n",
			       opt->rd[i].name, opt->read_vcpu, (uint64_t)pg.cr3,
			       (uint64_t)gla, (uint64_t)gpa, opt->rd[i].len, text);
		}
	}
	r2 = tvx_domain_unpause(d);
	if (r2)
		fprintf(stderr, "thinvmx-monitor: cannot unpause domain %u: %s\n",
			opt->id, strerror(-r2));
	return ret || r2 ? 1 : 0;
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
	OPT_SYSTEM_MAP, OPT_BREAK, OPT_PROTECT_TEXT, OPT_PEEK,
	/* in THINVMX_MONITOR_* order, from XCR0 on */
	OPT_XCR0, OPT_CPUID, OPT_DESC, OPT_DEBUG, OPT_GUEST_REQUEST, OPT_IO,
	OPT_CHANNELS,
	OPT_READ_SYM, OPT_READ_VCPU, OPT_STEALTH,
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
		{ "system-map", required_argument, NULL, OPT_SYSTEM_MAP },
		{ "break", required_argument, NULL, OPT_BREAK },
		{ "protect-text", no_argument, NULL, OPT_PROTECT_TEXT },
		{ "peek", required_argument, NULL, OPT_PEEK },
		{ "xcr0", required_argument, NULL, OPT_XCR0 },
		{ "cpuid", required_argument, NULL, OPT_CPUID },
		{ "desc-access", required_argument, NULL, OPT_DESC },
		{ "debug", required_argument, NULL, OPT_DEBUG },
		{ "guest-request", required_argument, NULL, OPT_GUEST_REQUEST },
		{ "io", required_argument, NULL, OPT_IO },
		{ "channels", required_argument, NULL, OPT_CHANNELS },
		{ "read-sym", required_argument, NULL, OPT_READ_SYM },
		{ "read-vcpu", required_argument, NULL, OPT_READ_VCPU },
		{ "stealth", required_argument, NULL, OPT_STEALTH },
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
		case OPT_XCR0 ... OPT_IO:
			if (parse_mode(optarg, &o->mode[c - OPT_XCR0 + THINVMX_MONITOR_XCR0]))
				return -1;
			break;
		case OPT_CHANNELS:
			if (parse_u64(optarg, &o->channels))
				return -1;
			o->set_channels = 1;
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
		case OPT_SYSTEM_MAP:
			o->system_map = optarg;
			break;
		case OPT_BREAK:
			if (parse_break(o, optarg))
				return -1;
			break;
		case OPT_PROTECT_TEXT:
			o->protect_text = 1;
			break;
		case OPT_PEEK:
			if (o->nr_peek == MAX_BREAK || !*optarg)
				return -1;
			o->peek[o->nr_peek++] = optarg;
			break;
		case OPT_READ_SYM:
			if (parse_read_sym(o, optarg))
				return -1;
			break;
		case OPT_READ_VCPU:
			if (parse_u64(optarg, &v) || v >= THINVMX_MAX_VCPUS)
				return -1;
			o->read_vcpu = v;
			break;
		case OPT_STEALTH:
			if (parse_stealth(o, optarg))
				return -1;
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
	/* symbols need their map, a guest's page tables and sync INT3s */
	if ((o->nr_break || o->nr_peek || o->protect_text || o->nr_read) &&
	    (!o->system_map || o->host))
		return -1;
	/* --read-sym is a one-shot of its own */
	if (o->nr_read && (o->nr_break || o->nr_peek || o->protect_text))
		return -1;
	if (o->nr_break && o->mode[THINVMX_MONITOR_INT3] &&
	    o->mode[THINVMX_MONITOR_INT3] != THINVMX_MONITOR_MODE_SYNC)
		return -1;
	/* stealth: its frames' reads and writes are sync mem-access events */
	if (o->stealth_nr && (!o->nr_break ||
	    (o->mode[THINVMX_MONITOR_MEM_ACCESS] &&
	     o->mode[THINVMX_MONITOR_MEM_ACCESS] != THINVMX_MONITOR_MODE_SYNC)))
		return -1;
	if (o->host)
		return optind == argc && !o->nr_access ? 0 : -1;
	if (optind != argc - 1 || parse_u64(argv[optind], &v) || v > UINT32_MAX)
		return -1;
	o->id = v;
	return 0;
}

/*
 * The kinds introspection needs that the command line did not ask for:
 * INT3 sync for breakpoints, mem-access async for the text (the write
 * happens once, the right stays), CR3 async until an event's page tables
 * map the symbols.
 */
static int setup_intro(void)
{
	__u32 need[THINVMX_MONITOR_NR_KINDS] = { 0 };
	unsigned int k;
	int ret;

	if (!intro.wanted)
		return 0;
	if (opt->stealth_nr) {
		ret = tvx_stealth_create(mon, intro.d, intro.exec_only, opt->stealth_gfn,
					 opt->stealth_nr, &intro.st);
		if (ret) {
			fprintf(stderr, "thinvmx-monitor: --stealth: %s\n",
				ret == -EOPNOTSUPP ?
				"the CPU has no execute-only EPT (use the classic --break)" :
				strerror(-ret));
			return ret;
		}
	}
	if (intro.nr_bp)
		need[THINVMX_MONITOR_INT3] = THINVMX_MONITOR_MODE_SYNC;
	if (opt->protect_text)
		need[THINVMX_MONITOR_MEM_ACCESS] = THINVMX_MONITOR_MODE_ASYNC;
	if (opt->stealth_nr)
		need[THINVMX_MONITOR_MEM_ACCESS] = THINVMX_MONITOR_MODE_SYNC;
	need[THINVMX_MONITOR_CR3] = THINVMX_MONITOR_MODE_ASYNC;
	for (k = 0; k < THINVMX_MONITOR_NR_KINDS; k++) {
		if (!need[k] || opt->mode[k])
			continue;
		ret = tvx_monitor_set(mon, k, need[k], 0);
		if (ret) {
			fprintf(stderr, "thinvmx-monitor: %s %s: %s\n", kind_names[k],
				mode_name(need[k]), strerror(-ret));
			return ret;
		}
		intro.internal[k] = need[k];
	}
	return 0;
}

/* Switch on what the command line asks for; the domain has a listener. */
static int setup(struct tvx_domain *d)
{
	unsigned int k, i;
	__u32 flags;
	int ret;

	if (opt->set_channels) {
		ret = d ? tvx_domain_set_guest_request(d, opt->channels) : -EOPNOTSUPP;
		if (ret) {
			fprintf(stderr, "thinvmx-monitor: --channels: %s\n",
				strerror(-ret));
			return ret;
		}
	}
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
		flags = opt->on_change && (k <= THINVMX_MONITOR_CR4 ||
					   k == THINVMX_MONITOR_XCR0) ?
			THINVMX_MONITOR_F_ON_CHANGE_ONLY : 0;
		ret = tvx_monitor_set(mon, k, opt->mode[k], flags);
		if (ret) {
			fprintf(stderr, "thinvmx-monitor: --%s %s: %s%s\n", kind_names[k],
				mode_name(opt->mode[k]), strerror(-ret),
				ret == -EOPNOTSUPP ? " (host mode is async only)" : "");
			return ret;
		}
	}
	return setup_intro();
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
	for (k = THINVMX_MONITOR_CR0; k < THINVMX_MONITOR_NR_KINDS; k++)
		if (intro.internal[k])
			fprintf(stderr, "%s %s %s (for the symbols)", n++ ? "," : "",
				kind_names[k], mode_name(intro.internal[k]));
	fprintf(stderr, "%s\n", n ? "" : " nothing monitored");
}

int main(int argc, char **argv)
{
	static struct opts o = { .int3_answer = THINVMX_RESPONSE_REINJECT };
	struct sigaction sa = { .sa_handler = on_signal };
	struct server *srv = NULL;
	struct tvx_handle *h = NULL;
	struct thinvmx_caps caps;
	struct tvx_domain *d = NULL;
	struct tvx_nl *nl = NULL;
	unsigned int i, nr_srv = 0, started = 0, tick = 0;
	__u64 t0, t_rate, cr3_last = 0;
	int ret, status = 1;

	if (parse_args(argc, argv, &o)) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	opt = &o;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (intro_symbols(&o))
		return 1;

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
	if (o.nr_read) {
		status = read_syms(d);
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
	intro.d = d;
	if (!tvx_get_caps(h, &caps))
		intro.exec_only = !!(caps.features & THINVMX_FEAT_EPT_EXEC_ONLY);
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
	t_rate = t0;
	vcpus_gone(nl);		/* the vCPUs it has now */
	while (!stop) {
		usleep(SERVE_MS * 1000);
		if (o.mode[THINVMX_MONITOR_CR3] && now_ms() - t_rate >= 1000) {
			__u64 loads = __atomic_load_n(&intro.cr3_loads, __ATOMIC_RELAXED);

			print_cr3_rate(loads - cr3_last, now_ms() - t_rate);
			cr3_last = loads;
			t_rate = now_ms();
		}
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
	/*
	 * Breakpoints out first; then what is still in the rings was
	 * reported before the end: print it (answer it only, after --count).
	 * A vCPU that left the guest on one of ours just before the bytes
	 * went back is given a moment to post its event: detaching with it
	 * unanswered would re-inject that INT3 into the guest.
	 */
	intro_leave();
	if (intro.wanted)
		usleep(SERVE_MS * 1000);
	quiet_drain = !strcmp(stop_why, "count reached");
	if (!status && (!quiet_drain || intro.wanted))
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
