// SPDX-License-Identifier: GPL-2.0
/*
 * The program linux_intro_test.sh's Linux guest runs as its init (exec'd
 * by a busybox script that first printed the kernel symbols the monitor
 * needs). Raw system calls, no C library: it makes an exact number of
 * openat calls, so that a breakpoint on the kernel's openat counts them,
 * and nothing else that opens files.
 *
 * Each phase is a command line on the console (thinvmx-run's stdin): the
 * tests attach and detach monitors in between. While it waits the
 * program polls, a read and a 50 ms sleep at a time, so the guest keeps
 * making system calls (CR3 loads with page-table isolation: the events
 * the monitor takes its CR3 from, and the rate it prints).
 *
 *   "go"       OPENS_WATCHED opens of /init, each checked and closed
 *   "more"     OPENS_UNWATCHED more, then SO_TIMESTAMP on a UDP socket
 *              (net_enable_timestamp(): a static key, patched into the
 *              kernel's text at run time)
 *   "smp N"    N opens on CPU 0 and N on CPU 1 at once (a child process
 *              pinned to each CPU)
 *   "kcore A"  the 16 bytes of kernel memory at the hex address A, read
 *              through /proc/kcore (one open): what the kernel reads of
 *              its own text
 *   "end"      power off
 */
#define OPENS_WATCHED	25
#define OPENS_UNWATCHED	10

#define NR_READ		0
#define NR_WRITE	1
#define NR_CLOSE	3
#define NR_PREAD64	17
#define NR_NANOSLEEP	35
#define NR_SOCKET	41
#define NR_SETSOCKOPT	54
#define NR_FORK		57
#define NR_EXIT		60
#define NR_WAIT4	61
#define NR_FCNTL	72
#define NR_REBOOT	169
#define NR_SCHED_SETAFFINITY 203
#define NR_OPENAT	257

#define AT_FDCWD	-100
#define F_GETFL		3
#define F_SETFL		4
#define O_NONBLOCK	04000
#define AF_INET		2
#define SOCK_DGRAM	2
#define SOL_SOCKET	1
#define SO_TIMESTAMP	29
#define REBOOT_MAGIC1	0xfee1dead
#define REBOOT_MAGIC2	672274793
#define REBOOT_POWER_OFF 0x4321fedc

static long sys6(long n, long a, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

static unsigned long len(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

/*
 * Output goes out a line at a time, in one write(): the processes of
 * "smp" print at once, and a line made of several writes could be cut by
 * the other's.
 */
static void say(const char *s)
{
	static char line[256];
	static unsigned long n;
	unsigned long l = len(s), i;

	for (i = 0; i < l; i++) {
		line[n++] = s[i];
		if (s[i] == '\n' || n == sizeof(line)) {
			sys6(NR_WRITE, 1, (long)line, n, 0, 0);
			n = 0;
		}
	}
}

static void say_num(long v)
{
	char buf[24];
	int i = sizeof(buf);

	buf[--i] = 0;
	if (v < 0) {
		say("-");
		v = -v;
	}
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	say(buf + i);
}

/* Poll the console for the next command line; its length. */
static long read_line(char *line, long size)
{
	static const long tick[2] = { 0, 50 * 1000 * 1000 };
	long n;

	for (;;) {
		n = sys6(NR_READ, 0, (long)line, size - 1, 0, 0);
		if (n > 0) {
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				n--;
			line[n] = 0;
			return n;
		}
		sys6(NR_NANOSLEEP, (long)tick, 0, 0, 0, 0);
	}
}

/* @line begins with the word @word; *rest: what follows its space */
static int is_cmd(const char *line, const char *word, const char **rest)
{
	long i;

	for (i = 0; word[i]; i++)
		if (line[i] != word[i])
			return 0;
	if (line[i] && line[i] != ' ')
		return 0;
	*rest = line[i] ? line + i + 1 : line + i;
	return 1;
}

static unsigned long parse(const char *s, int base)
{
	unsigned long v = 0;
	int d;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * base + d;
	}
	return v;
}

/* @n opens of /init; each must give a descriptor, which is closed. */
static void opens(long n, const char *what)
{
	long i, fd, good = 0;

	for (i = 0; i < n; i++) {
		fd = sys6(NR_OPENAT, AT_FDCWD, (long)"/init", 0, 0, 0);
		if (fd >= 0 && sys6(NR_CLOSE, fd, 0, 0, 0, 0) == 0)
			good++;
	}
	say("intro init: opened ");
	say_num(good);
	say(" of ");
	say_num(n);
	say(what);
	say("\n");
}

static void say_hex(unsigned long v, int digits)
{
	char buf[17];
	int i;

	for (i = digits - 1; i >= 0; i--, v >>= 4)
		buf[i] = "0123456789abcdef"[v & 15];
	buf[digits] = 0;
	say(buf);
}

/* @n opens on CPU 0 and @n on CPU 1, both at once */
static void opens_smp(long n)
{
	unsigned long mask;
	long child, status;

	child = sys6(NR_FORK, 0, 0, 0, 0, 0);
	mask = child ? 1 : 2;
	sys6(NR_SCHED_SETAFFINITY, 0, sizeof(mask), (long)&mask, 0, 0);
	opens(n, child ? " on cpu 0" : " on cpu 1");
	if (!child)
		sys6(NR_EXIT, 0, 0, 0, 0, 0);
	if (child > 0)
		sys6(NR_WAIT4, child, (long)&status, 0, 0, 0);
}

struct elf64_ehdr {
	unsigned char ident[16];
	unsigned short type, machine;
	unsigned int version;
	unsigned long entry, phoff, shoff;
	unsigned int flags;
	unsigned short ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	unsigned int type, flags;
	unsigned long offset, vaddr, paddr, filesz, memsz, align;
};

/* 16 bytes at kernel address @addr, through /proc/kcore's ELF segments */
static void kcore(unsigned long addr)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	unsigned char b[16];
	long fd, i, n = -1;

	fd = sys6(NR_OPENAT, AT_FDCWD, (long)"/proc/kcore", 0, 0, 0);
	if (fd >= 0 && sys6(NR_PREAD64, fd, (long)&eh, sizeof(eh), 0, 0) == sizeof(eh)) {
		for (i = 0; i < eh.phnum; i++) {
			if (sys6(NR_PREAD64, fd, (long)&ph, sizeof(ph),
				 eh.phoff + i * eh.phentsize, 0) != sizeof(ph))
				break;
			if (ph.type != 1 || addr - ph.vaddr >= ph.memsz)
				continue;
			n = sys6(NR_PREAD64, fd, (long)b, sizeof(b),
				 ph.offset + (addr - ph.vaddr), 0);
			break;
		}
	}
	if (fd >= 0)
		sys6(NR_CLOSE, fd, 0, 0, 0, 0);
	say("intro init: kcore ");
	say_hex(addr, 16);
	if (n != sizeof(b)) {
		say(" unreadable ");
		say_num(fd < 0 ? fd : n);
		say("\n");
		return;
	}
	say(" bytes");
	for (i = 0; i < 16; i++) {
		say(" ");
		say_hex(b[i], 2);
	}
	say("\n");
}

void _start(void)
{
	long fl, s, one = 1;
	const char *arg;
	char line[80];

	fl = sys6(NR_FCNTL, 0, F_GETFL, 0, 0, 0);
	sys6(NR_FCNTL, 0, F_SETFL, fl | O_NONBLOCK, 0, 0);
	say("intro init: ready\n");
	for (;;) {
		read_line(line, sizeof(line));
		if (is_cmd(line, "go", &arg)) {
			opens(OPENS_WATCHED, " watched");
		} else if (is_cmd(line, "more", &arg)) {
			opens(OPENS_UNWATCHED, " unwatched");
			s = sys6(NR_SOCKET, AF_INET, SOCK_DGRAM, 0, 0, 0);
			fl = sys6(NR_SETSOCKOPT, s, SOL_SOCKET, SO_TIMESTAMP,
				  (long)&one, sizeof(one));
			say("intro init: SO_TIMESTAMP ");
			say_num(fl);
			say("\n");
			sys6(NR_CLOSE, s, 0, 0, 0, 0);
		} else if (is_cmd(line, "smp", &arg)) {
			opens_smp(parse(arg, 10));
		} else if (is_cmd(line, "kcore", &arg)) {
			kcore(parse(arg, 16));
		} else if (is_cmd(line, "end", &arg)) {
			break;
		}
	}
	say("intro init: power off\n");
	sys6(NR_REBOOT, REBOOT_MAGIC1, REBOOT_MAGIC2, REBOOT_POWER_OFF, 0, 0);
	for (;;)
		;
}
