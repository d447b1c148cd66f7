// SPDX-License-Identifier: GPL-2.0
/*
 * The nested machine keeps a process's AVX registers across context
 * switches, with no "Bad FPU state" from the kernel.
 *
 * Not a thinvmx test but one of the machine the others run on: Bochs 2.7
 * (Debian 12) writes the YMM component of a compacted XSAVE area
 * (XSAVES, XSAVEC) at byte 416 instead of 576, over the XSAVE header
 * (upstream Bochs fixed it in 2024, "XSAVEC/XSAVEC: don't allow
 * 'compaction' of SSE state"). The upper halves of YMM7-YMM9 land in the
 * header's reserved bytes, so the kernel's next XRSTORS of that task's
 * state faults ("Bad FPU state detected at restore_fpregs_from_fpstate",
 * the FPU reset to its initial state), and every YMM upper half comes
 * back from the wrong place. boot_bench hit it in KVM's
 * kvm_put_guest_fpu() after glibc's AVX memcpy was preempted. The rig
 * boots the Bochs tiers with clearcpuid=xsaves,xsavec, so that the kernel
 * saves task state with XSAVEOPT in the standard format, which Bochs lays
 * out right: with corei7_skylake_x this test fails without it.
 *
 * Two processes on CPU 0: one holds a pattern in YMM0-YMM15 across many
 * sched_yield()s, the other clobbers the registers in between, so each
 * switch back restores the first one's state from memory.
 */
#include <sched.h>
#include <signal.h>
#include <cpuid.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "tvx_test.h"

#define ROUNDS	200

static bool have_avx(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) ||
	    !(c & bit_AVX))
		return false;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

/* The child: make the FPU someone else's on every switch */
static void clobber(void)
{
	for (;;)
		asm volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n"
			     "vmovdqa %%ymm0, %%ymm7\n"
			     "vmovdqa %%ymm0, %%ymm8\n"
			     "vmovdqa %%ymm0, %%ymm9\n"
			     "mov %0, %%eax\n"
			     "syscall\n"
			     : : "i"(SYS_sched_yield)
			     : "rax", "rcx", "r11", "memory", "xmm0", "xmm7",
			       "xmm8", "xmm9");
}

/* Load @in into YMM0-15, yield @n times, store them into @out */
static void hold(const unsigned char *in, unsigned char *out, long n)
{
	asm volatile("vmovdqu 0x000(%0), %%ymm0\n"
		     "vmovdqu 0x020(%0), %%ymm1\n"
		     "vmovdqu 0x040(%0), %%ymm2\n"
		     "vmovdqu 0x060(%0), %%ymm3\n"
		     "vmovdqu 0x080(%0), %%ymm4\n"
		     "vmovdqu 0x0a0(%0), %%ymm5\n"
		     "vmovdqu 0x0c0(%0), %%ymm6\n"
		     "vmovdqu 0x0e0(%0), %%ymm7\n"
		     "vmovdqu 0x100(%0), %%ymm8\n"
		     "vmovdqu 0x120(%0), %%ymm9\n"
		     "vmovdqu 0x140(%0), %%ymm10\n"
		     "vmovdqu 0x160(%0), %%ymm11\n"
		     "vmovdqu 0x180(%0), %%ymm12\n"
		     "vmovdqu 0x1a0(%0), %%ymm13\n"
		     "vmovdqu 0x1c0(%0), %%ymm14\n"
		     "vmovdqu 0x1e0(%0), %%ymm15\n"
		     "1: mov %3, %%eax\n"
		     "syscall\n"
		     "dec %2\n"
		     "jnz 1b\n"
		     "vmovdqu %%ymm0, 0x000(%1)\n"
		     "vmovdqu %%ymm1, 0x020(%1)\n"
		     "vmovdqu %%ymm2, 0x040(%1)\n"
		     "vmovdqu %%ymm3, 0x060(%1)\n"
		     "vmovdqu %%ymm4, 0x080(%1)\n"
		     "vmovdqu %%ymm5, 0x0a0(%1)\n"
		     "vmovdqu %%ymm6, 0x0c0(%1)\n"
		     "vmovdqu %%ymm7, 0x0e0(%1)\n"
		     "vmovdqu %%ymm8, 0x100(%1)\n"
		     "vmovdqu %%ymm9, 0x120(%1)\n"
		     "vmovdqu %%ymm10, 0x140(%1)\n"
		     "vmovdqu %%ymm11, 0x160(%1)\n"
		     "vmovdqu %%ymm12, 0x180(%1)\n"
		     "vmovdqu %%ymm13, 0x1a0(%1)\n"
		     "vmovdqu %%ymm14, 0x1c0(%1)\n"
		     "vmovdqu %%ymm15, 0x1e0(%1)\n"
		     "vzeroupper\n"
		     : "+r"(in), "+r"(out), "+r"(n)
		     : "i"(SYS_sched_yield)
		     : "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2",
		       "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		       "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

/* Kernel log lines that say an XRSTOR(S) of some task's state faulted */
static int bad_fpu_lines(void)
{
	int len = klogctl(10, NULL, 0), n = 0;	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf, *p;

	if (len <= 0)
		return 0;
	buf = malloc(len + 1);
	if (!buf)
		return 0;
	len = klogctl(3, buf, len);		/* SYSLOG_ACTION_READ_ALL */
	buf[len > 0 ? len : 0] = 0;
	for (p = buf; (p = strstr(p, "Bad FPU state detected")); p++)
		n++;
	free(buf);
	return n;
}

TEST(ymm_kept_across_switches)
{
	unsigned char in[512], out[512];
	cpu_set_t cpu0;
	int i, before, bad = 0;
	pid_t child;

	if (!have_avx())
		SKIP(return, "no AVX enabled");
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu0), &cpu0));
	for (i = 0; i < (int)sizeof(in); i++)
		in[i] = 0x40 + i % 0x3f;
	before = bad_fpu_lines();
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		clobber();
	memset(out, 0, sizeof(out));
	hold(in, out, ROUNDS);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	for (i = 0; i < 16; i++) {
		if (!memcmp(in + 32 * i, out + 32 * i, 32))
			continue;
		TH_LOG("YMM%d came back wrong (low half %s)", i,
		       memcmp(in + 32 * i, out + 32 * i, 16) ? "too" : "right");
		bad++;
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(before, bad_fpu_lines()) {
		TH_LOG("the kernel's XRSTORS of a task's state faulted: Bochs 2.7's compacted XSAVE layout (boot with clearcpuid=xsaves,xsavec)");
	}
}

TEST_HARNESS_MAIN
