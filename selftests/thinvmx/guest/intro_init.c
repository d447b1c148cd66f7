// SPDX-License-Identifier: GPL-2.0
/*
 * The program linux_intro_test.sh's Linux guest runs as its init (exec'd
 * by a busybox script that first printed the kernel symbols the monitor
 * needs). Raw system calls, no C library: it makes an exact number of
 * openat calls, so that a breakpoint on the kernel's openat counts them,
 * and nothing else that opens files.
 *
 * Each phase waits for a line on the console (thinvmx-run's stdin): the
 * test attaches and detaches monitors in between. While it waits the
 * program polls, a read and a 50 ms sleep at a time, so the guest keeps
 * making system calls (CR3 loads with page-table isolation: the events
 * the monitor takes its CR3 from, and the rate it prints).
 *
 *   "go"    OPENS_WATCHED opens of /init, each checked and closed
 *   "more"  OPENS_UNWATCHED more, then SO_TIMESTAMP on a UDP socket
 *           (net_enable_timestamp(): a static key, patched into the
 *           kernel's text at run time)
 *   "end"   power off
 */
#define OPENS_WATCHED	25
#define OPENS_UNWATCHED	10

#define NR_READ		0
#define NR_WRITE	1
#define NR_CLOSE	3
#define NR_NANOSLEEP	35
#define NR_SOCKET	41
#define NR_SETSOCKOPT	54
#define NR_FCNTL	72
#define NR_REBOOT	169
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

static void say(const char *s)
{
	sys6(NR_WRITE, 1, (long)s, len(s), 0, 0);
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

/* Poll the console until a line beginning with @word comes. */
static void wait_for(const char *word)
{
	static const long tick[2] = { 0, 50 * 1000 * 1000 };
	char line[64];
	long n, i;

	for (;;) {
		n = sys6(NR_READ, 0, (long)line, sizeof(line), 0, 0);
		if (n > 0) {
			for (i = 0; word[i] && i < n && line[i] == word[i]; i++)
				;
			if (!word[i])
				return;
		}
		sys6(NR_NANOSLEEP, (long)tick, 0, 0, 0, 0);
	}
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

void _start(void)
{
	long fl, s, one = 1;

	fl = sys6(NR_FCNTL, 0, F_GETFL, 0, 0, 0);
	sys6(NR_FCNTL, 0, F_SETFL, fl | O_NONBLOCK, 0, 0);
	say("intro init: ready\n");
	wait_for("go");
	opens(OPENS_WATCHED, " watched");
	wait_for("more");
	opens(OPENS_UNWATCHED, " unwatched");
	s = sys6(NR_SOCKET, AF_INET, SOCK_DGRAM, 0, 0, 0);
	fl = sys6(NR_SETSOCKOPT, s, SOL_SOCKET, SO_TIMESTAMP, (long)&one, sizeof(one));
	say("intro init: SO_TIMESTAMP ");
	say_num(fl);
	say("\n");
	wait_for("end");
	sys6(NR_CLOSE, s, 0, 0, 0, 0);
	say("intro init: power off\n");
	sys6(NR_REBOOT, REBOOT_MAGIC1, REBOOT_MAGIC2, REBOOT_POWER_OFF, 0, 0);
	for (;;)
		;
}
