#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# thinvmx-ctl and thinvmx-run as a user runs them: help texts, exit codes,
# output. Requires: root, the module, the tools and demo-guest.elf next to
# this script (the nested VM puts them there); the guest runs need usable
# VMX and are skipped without it. Prints TAP; exits 0, 1 (a check failed)
# or 4 (nothing could run).
cd "$(dirname "$0")" || exit 1
n=0
fail=0

ok() {	# ok NAME CONDITION-EXIT-STATUS
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; fi
}

skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}

[ -x ./thinvmx-ctl ] && [ -x ./thinvmx-run ] || { echo "1..0 # SKIP tools missing"; exit 4; }
[ -e /dev/thinvmx ] || { echo "1..0 # SKIP no /dev/thinvmx"; exit 4; }
echo "TAP version 13"
echo "1..12"

./thinvmx-ctl --help | grep -q "^Usage: thinvmx-ctl"
ok "thinvmx-ctl --help" $?
./thinvmx-ctl frobnicate 2>/dev/null
[ $? = 2 ]
ok "thinvmx-ctl: unknown command is a usage error (2)" $?
./thinvmx-run --help | grep -q "^Usage: thinvmx-run"
ok "thinvmx-run --help" $?
./thinvmx-run --vcpus 0 demo-guest.elf 2>/dev/null
[ $? = 2 ]
ok "thinvmx-run: bad option is a usage error (2)" $?

caps=$(./thinvmx-ctl caps --json)
usable=$?
echo "$caps" | grep -q '"vmx_status":'
ok "thinvmx-ctl caps --json is one JSON object" $?
if grep -qw vmx /proc/cpuinfo; then
	[ $usable = 0 ] && echo "$caps" | grep -q '"usable":true'
	ok "thinvmx-ctl caps: usable here, exit 0" $?
else
	[ $usable = 1 ] && ./thinvmx-ctl caps | grep -q "does not offer VMX"
	ok "thinvmx-ctl caps: says why VMX is unusable, exit 1" $?
fi

./thinvmx-run /nonexistent.elf 2>/dev/null
[ $? = 1 ]
ok "thinvmx-run: a missing image fails (1)" $?

if [ $usable != 0 ]; then
	for t in "demo guest" "two vCPUs" "flat real-mode image" "JSON summary" "exit counts"; do
		skip "$t" "VMX not usable"
	done
	exit $fail
fi

out=$(./thinvmx-run -m 16 demo-guest.elf)
rc=$?
[ $rc = 0 ] && echo "$out" | grep -q 'the hypervisor says "thinvmx"' &&
	echo "$out" | grep -q "demo guest: bye"
ok "thinvmx-run demo-guest.elf: serial output, exit 0" $?

out=$(./thinvmx-run -m 16 -c 2 demo-guest.elf)
echo "$out" | grep -q "^\[vCPU 1\] demo guest: hello from vCPU 0x0000000000000001" &&
	[ "$(echo "$out" | grep -c 'demo guest: bye')" = 2 ]
ok "thinvmx-run -c 2: two vCPUs, lines prefixed" $?

# mov al, 'R'; out 0x3f8... in real mode: mov dx, 0x3f8; mov al, 'R'; out dx, al; mov al, 10; out dx, al; hlt
printf '\272\370\003\260R\356\260\012\356\364' > /tmp/real.bin
out=$(./thinvmx-run -m 1 --flat 0x7c00 --mode real /tmp/real.bin)
[ $? = 0 ] && [ "$out" = "R" ]
ok "thinvmx-run --flat --mode real" $?

json=$(./thinvmx-run -m 16 --json demo-guest.elf 2>&1 >/dev/null)
echo "$json" | grep -q '^{"vcpu":0,"halted":true,'
ok "thinvmx-run --json: one line per vCPU" $?
exits=$(echo "$json" | sed -n 's/.*"exits":\([0-9]*\).*/\1/p')
[ -n "$exits" ] && [ "$exits" -gt 100 ]
ok "thinvmx-run: the guest's exits are counted ($exits)" $?
exit $fail
