#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# thinvmx-ctl and thinvmx-run as a user runs them: help texts, exit codes,
# output, text and --json for every thinvmx-ctl command. Requires: root,
# the module, the tools and demo-guest.elf next to this script (the nested
# VM puts them there); the guest runs, and thinvmx-ctl's views of a running
# domain, need usable VMX and are skipped without it. Prints TAP; exits 0,
# 1 (a check failed) or 4 (nothing could run).
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
echo "1..33"

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

# ---- thinvmx-ctl over generic netlink, no guest needed
out=$(./thinvmx-ctl status)
[ $? = 0 ] && echo "$out" | grep -q "^module: *loaded" &&
	echo "$out" | grep -q "^domains: *[0-9]"
ok "thinvmx-ctl status" $?
out=$(./thinvmx-ctl --json status)
[ $? = 0 ] && echo "$out" | grep -q '^{"loaded":true,"vmx_status":[0-9]*,.*"domains":[0-9]*,'
ok "thinvmx-ctl status --json" $?
out=$(./thinvmx-ctl domains)
[ $? = 0 ] && echo "$out" | head -1 | grep -q "^ID *OWNER *VCPUS *MEMORY"
ok "thinvmx-ctl domains: a header line" $?
./thinvmx-ctl domains --json > /tmp/domains.json
[ $? = 0 ] && ! grep -v '^{"id":[0-9]*,"owner":[0-9]*,"vcpus":' /tmp/domains.json
ok "thinvmx-ctl domains --json: only domain lines" $?

./thinvmx-ctl ro-ranges add 0xabcd000 0xabcd00f &&
	./thinvmx-ctl ro-ranges list | grep -q "^0xabcd000 *0xabcd00f *admin .* 1$"
ok "thinvmx-ctl ro-ranges add, list" $?
./thinvmx-ctl ro-ranges list --json |
	grep -q '^{"first_mfn":"0xabcd000","last_mfn":"0xabcd00f","kind":"admin","users":1}$'
ok "thinvmx-ctl ro-ranges list --json" $?
./thinvmx-ctl ro-ranges remove 0xabcd000 0xabcd00f &&
	! ./thinvmx-ctl ro-ranges list | grep -q "^0xabcd000"
ok "thinvmx-ctl ro-ranges remove" $?
err=$(./thinvmx-ctl ro-ranges remove 0xabcd000 0xabcd00f 2>&1)
[ $? = 1 ] && echo "$err" | grep -q "No such file or directory: no administrator's range with these frames"
ok "thinvmx-ctl ro-ranges remove of nothing: the kernel's reason, exit 1" $?
out=$(./thinvmx-ctl --json ro-ranges add 4096 4097) &&
	[ "$out" = '{"op":"add","first_mfn":"0x1000","last_mfn":"0x1001","ok":true}' ] &&
	./thinvmx-ctl -j ro-ranges remove 0x1000 0x1001 | grep -q '"op":"remove"'
ok "thinvmx-ctl ro-ranges add/remove --json" $?
err=$(./thinvmx-ctl ro-ranges add 0x20 0x10 2>&1)
[ $? = 1 ] && echo "$err" | grep -q "last frame below the first"
ok "thinvmx-ctl ro-ranges add LAST < FIRST: refused, exit 1" $?
./thinvmx-ctl ro-ranges add 0x10 2>/dev/null
[ $? = 2 ]
ok "thinvmx-ctl ro-ranges add without LAST: usage error (2)" $?

./thinvmx-ctl stats x 2>/dev/null
[ $? = 2 ]
ok "thinvmx-ctl stats x: usage error (2)" $?
err=$(./thinvmx-ctl stats 4000000000 2>&1)
[ $? = 1 ] && echo "$err" | grep -q "domain 4000000000: No such file or directory: no domain with this id"
ok "thinvmx-ctl stats of no domain: exit 1, says so" $?

# watch until SIGINT (text) or SIGTERM (JSON): exit 0, and nothing printed
# without events
./thinvmx-ctl watch > /tmp/watch0.txt 2>&1 &
w1=$!
./thinvmx-ctl watch --json > /tmp/watch0.json 2>&1 &
w2=$!
sleep 1
kill -INT $w1
kill -TERM $w2
wait $w1
r1=$?
wait $w2
r2=$?
[ $r1 = 0 ] && [ $r2 = 0 ] && [ ! -s /tmp/watch0.txt ] && [ ! -s /tmp/watch0.json ]
ok "thinvmx-ctl watch: SIGINT and SIGTERM end it with 0 ($r1, $r2)" $?

./thinvmx-run /nonexistent.elf 2>/dev/null
[ $? = 1 ]
ok "thinvmx-run: a missing image fails (1)" $?

if [ $usable != 0 ]; then
	for t in "demo guest" "two vCPUs" "flat real-mode image" "JSON summary" \
		 "exit counts" "domains: a running guest" "domains --json" \
		 "stats DOMAIN" "stats DOMAIN --json" "stats --json, every domain" \
		 "watch: created and destroyed" "watch --json: created and destroyed"; do
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
# ---- thinvmx-ctl's view of a running guest: a real-mode loop of CPUID
# (cpuid; jmp back), which never leaves THINVMX_RUN, watched from its
# creation
./thinvmx-ctl watch > /tmp/watch.txt 2>&1 &
w1=$!
./thinvmx-ctl --json watch > /tmp/watch.json 2>&1 &
w2=$!
sleep 1
printf '\017\242\353\374' > /tmp/loop.bin
./thinvmx-run -m 1 --flat 0x7c00 --mode real /tmp/loop.bin > /dev/null 2>&1 &
guest=$!
id=
for i in 1 2 3 4 5 6 7 8 9 10; do
	id=$(./thinvmx-ctl --json domains | sed -n "s/^{\"id\":\([0-9]*\),\"owner\":$guest,.*/\1/p")
	[ -n "$id" ] && break
	sleep 1
done
out=$(./thinvmx-ctl domains)
[ -n "$id" ] && echo "$out" | grep -q "^$id  *$guest  *1  *1 MiB.*running  *-$"
ok "thinvmx-ctl domains: a running guest (domain $id)" $?
./thinvmx-ctl domains --json |
	grep -q "^{\"id\":$id,\"owner\":$guest,\"vcpus\":1,\"mem_bytes\":1048576,\"state\":\"running\",\"listener\":false}$"
ok "thinvmx-ctl domains --json" $?
out=$(./thinvmx-ctl stats "$id")
[ $? = 0 ] && echo "$out" | grep -q "^domain $id$" &&
	echo "$out" | grep -q "^    CPUID  *[1-9]" &&
	echo "$out" | grep -q "^  exits:  *[1-9]"
ok "thinvmx-ctl stats DOMAIN" $?
./thinvmx-ctl stats "$id" --json |
	grep -q "^{\"domain\":$id,\"exits_total\":[1-9][0-9]*,\"exits\":{.*\"CPUID\":[1-9][0-9]*.*},\"events\":\[\],\"ring_waits\":0,"
ok "thinvmx-ctl stats DOMAIN --json" $?
./thinvmx-ctl stats --json | grep -q "^{\"domain\":$id,"
ok "thinvmx-ctl stats --json, every domain" $?
kill $guest
wait $guest
sleep 1
kill -INT $w1
kill -TERM $w2
wait $w1
r1=$?
wait $w2
r2=$?
[ $r1 = 0 ] && grep -q "^domain-created domain $id owner $guest memory 1 MiB$" /tmp/watch.txt &&
	grep -q "^domain-destroyed domain $id owner $guest memory 1 MiB$" /tmp/watch.txt
ok "thinvmx-ctl watch: created and destroyed" $?
[ $r2 = 0 ] &&
	grep -q "^{\"event\":\"domain-created\",\"domain\":$id,\"owner\":$guest,\"mem_bytes\":1048576}$" /tmp/watch.json &&
	grep -q "^{\"event\":\"domain-destroyed\",\"domain\":$id," /tmp/watch.json
ok "thinvmx-ctl watch --json: created and destroyed" $?
exit $fail
