#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make demo` as `make check` runs it: tools/demo.sh in this boot (the
# nested VM copies it next to this script), its output checked line by
# line: the guest's events seen by thinvmx-monitor with the answers its
# policies gave, the guest's own account of them (SMEP and WP clearings
# denied, the INT3 re-injected into its handler), thinvmx-ctl's counters
# of the held domain, the monitor's counters, every tool's exit status;
# the Linux guest part (with /boot/vmlinuz: the rig's --files): Debian's
# kernel to its /init, a breakpoint on openat counting the guest's opens,
# CR3 loads per second, the text write-protected, its probe module's raw
# CR4.SMEP clearing denied (SMEP still set), a clean power-off;
# then the host-mode part: host mode on on every CPU, thinvmx-monitor
# --host printing INT3 events from a kprobe that still fires, the raw
# CR4.SMEP clearing and LSTAR write refused, host mode off again.
# Requires: root, the module, usable VMX, the tools, demo.sh,
# demo-guest.elf and tvx_probe.ko next to this script. Prints TAP; exits 0, 1 (a check
# failed) or 4 (nothing could run).
cd "$(dirname "$0")" || exit 1
n=0
fail=0

ok() {	# ok NAME CONDITION-EXIT-STATUS
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; fi
}

for f in demo.sh thinvmx-run thinvmx-monitor thinvmx-ctl demo-guest.elf tvx_probe.ko; do
	[ -e "$f" ] || { echo "1..0 # SKIP $f missing"; exit 4; }
done
[ -e /dev/thinvmx ] || { echo "1..0 # SKIP no /dev/thinvmx"; exit 4; }
./thinvmx-ctl caps >/dev/null 2>&1 || { echo "1..0 # SKIP VMX not usable"; exit 4; }
echo "TAP version 13"
echo "1..23"

log=/tmp/demo_test.log
sh ./demo.sh > $log 2>&1
rc=$?
sed 's/^/# /' $log
ok "demo.sh: exit 0, every step worked" $rc
grep -q '^demo: done$' $log
ok "demo.sh: ran to its end" $?

# the guest's account, one line per vCPU
smep=$(grep -c '^\[vCPU [01]\] demo guest: clearing CR4.SMEP: denied, the bit stays' $log)
nosmep=$(grep -c 'demo guest: this CPU has no SMEP' $log)
[ "$smep" = 2 ] || [ "$nosmep" = 2 ]
ok "guest: clearing CR4.SMEP denied on both vCPUs ($smep; no SMEP: $nosmep)" $?
[ "$(grep -c '^\[vCPU [01]\] demo guest: clearing CR0.WP: denied, the bit stays' $log)" = 2 ]
ok "guest: clearing CR0.WP denied on both vCPUs" $?
[ "$(grep -c '^\[vCPU [01]\] demo guest: INT3: my #BP handler ran' $log)" = 2 ]
ok "guest: the re-injected INT3 reached its #BP handler on both vCPUs" $?
[ "$(grep -c '^\[vCPU [01]\] demo guest: bye' $log)" = 2 ]
ok "guest: both vCPUs ran to the end" $?

# the monitor's events and answers
[ "$nosmep" = 2 ] || grep -q '^seq [0-9]* vcpu [01] cr4 sync rip 0x[0-9a-f]* new 0x[0-9a-f]* old 0x[0-9a-f]* answer deny$' $log
ok "monitor: the CR4 write clearing SMEP, answered deny" $?
grep -q '^seq [0-9]* vcpu [01] cr0 sync rip .* answer deny$' $log &&
	grep -q '^seq [0-9]* vcpu [01] cr0 sync rip .* answer continue$' $log
ok "monitor: CR0 writes, the WP clearing denied, the others continue" $?
[ "$(grep -c '^seq [0-9]* vcpu [01] int3 sync rip 0x[0-9a-f]* gla 0x[0-9a-f]* gfn 0x[0-9a-f]* answer reinject$' $log)" = 2 ]
ok "monitor: one INT3 per vCPU, answered reinject" $?
grep -q '^seq [0-9]* vcpu [01] cr3 async rip 0x[0-9a-f]* new 0x[0-9a-f]* old 0x[0-9a-f]*$' $log
ok "monitor: CR3 loads, async, no answer" $?
grep -q "^thinvmx-monitor: domain [0-9]*: the domain's vCPUs are gone; [1-9][0-9]* events ([1-9][0-9]* sync, [1-9][0-9]* async)$" $log &&
	grep -q '^  int3  *2  *0$' $log &&
	grep -q '^  answers: continue [0-9]*, reinject 2, skip 0, deny [1-9]' $log &&
	grep -q '^  ring full waits: 0$' $log
ok "monitor: ended with the domain, counters by kind and answer" $?

# thinvmx-ctl on the held domain
sed -n '/^== thinvmx-ctl stats/,/^==/p' $log > /tmp/demo_stats.txt
grep -q '^  exits:  *[1-9]' /tmp/demo_stats.txt &&
	grep -q '^    int3  *sync  *2$' /tmp/demo_stats.txt &&
	grep -q '^    cr4  *sync  *[1-9]' /tmp/demo_stats.txt &&
	grep -q '^    cr3  *async  *[1-9]' /tmp/demo_stats.txt
ok "thinvmx-ctl stats: exits and events of the domain" $?
sed -n '/^== thinvmx-ctl domains (halted/,/^==/p' $log |
	grep -q "^[0-9][0-9]*  *[0-9][0-9]*  *2  *16 MiB.*attached$"
ok "thinvmx-ctl domains: the held domain, two vCPUs, a listener" $?

# the Linux guest
if [ -r /boot/vmlinuz ]; then
	grep -q "^  | linux guest: Linux 6\.1\.[^ ]* up on $(nproc) CPUs" $log
	ok "Linux guest: Debian's kernel up to its /init on $(nproc) vCPU(s)" $?
	hits=$(grep -c '^break __x64_sys_openat hit [0-9]* vcpu [0-9]* rip 0xffffffff8' $log)
	[ "$hits" -ge 5 ] && grep -q '^break __x64_sys_openat gla 0x[0-9a-f]* gpa .* removed$' $log
	ok "Linux guest: breakpoint on openat hit $hits times (5 cat), removed at the end" $?
	grep -q '^cr3 switches/s [1-9][0-9]*$' $log &&
		grep -q "text 0xffffffff81000000-0x[0-9a-f]* write-protected" $log
	ok "Linux guest: CR3 loads per second counted, the kernel text write-protected" $?
	grep -q '^  | linux guest: opened /proc/version five times' $log &&
		grep -q '^thinvmx-run: status 0 (0: the guest powered off)$' $log
	ok "Linux guest: went on under the monitor and powered off (status 0)" $?
	grep -q '^seq [0-9]* vcpu [0-9]* cr4 sync rip 0xffffffff[0-9a-f]* new 0x[0-9a-f]* old 0x[0-9a-f]* answer deny$' $log &&
		grep -q '^  | linux guest: a raw MOV to CR4 clearing SMEP: CR4 reads 0x[0-9a-f]* (SMEP still set)$' $log
	ok "Linux guest: its raw MOV clearing CR4.SMEP denied (printed under -q), SMEP still set" $?
else
	for i in 1 2 3 4 5; do echo "ok $((n + i)) Linux guest # SKIP no /boot/vmlinuz"; done
	n=$((n + 5))
fi

# host mode
cpus=$(nproc)
grep -q "^host mode: on ($cpus CPUs" $log &&
	grep -q "^thinvmx-monitor: attached to the host ($cpus CPUs)" $log
ok "host mode on, on all $cpus CPUs; thinvmx-monitor --host attached" $?
hits=$(sed -n 's/^cat \/proc\/version five times: the kprobe fired \([0-9]*\) times.*/\1/p' $log)
[ "${hits:-0}" -ge 5 ] &&
	grep -q '^seq [0-9]* vcpu [0-9]* int3 async rip 0xffff[0-9a-f]* gla 0xffff[0-9a-f]*' $log
ok "host: the kprobe fired ($hits times) and its INT3s were events" $?
grep -q '^raw MOV to CR4 clearing SMEP: \(refused\|this CPU has no SMEP\)' $log &&
	{ grep -q 'no SMEP' $log ||
	  grep -q '^seq [0-9]* vcpu [0-9]* cr4 async rip 0xffff[0-9a-f]* new .* denied$' $log; }
ok "host: the raw MOV clearing CR4.SMEP refused, reported denied" $?
grep -q '^raw WRMSR of 0xffffffffdeadbeef to LSTAR: refused' $log &&
	grep -q '^seq [0-9]* vcpu [0-9]* msr async rip 0xffff[0-9a-f]* msr 0xc0000082 new 0xffffffffdeadbeef old .* denied$' $log
ok "host: the raw WRMSR to LSTAR refused, reported denied" $?
grep -q '^host mode: off' $log && grep -q '^native again: ' $log
ok "host mode off, the kernel goes on" $?
exit $fail
