#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# thinvmx-ctl, thinvmx-monitor and thinvmx-run as a user runs them: help
# texts, exit codes, output, text and --json for every thinvmx-ctl
# command, thinvmx-monitor against a paused guest (policies, JSON, every
# way it ends). Requires: root,
# the module, the tools and demo-guest.elf next to this script (the nested
# VM puts them there); the guest runs, and thinvmx-ctl's views of a running
# domain, need usable VMX and are skipped without it. Prints TAP; exits 0,
# 1 (a check failed) or 4 (nothing could run).
cd "$(dirname "$0")" || exit 1
. ./tvx_tap.sh

[ -x ./thinvmx-ctl ] && [ -x ./thinvmx-run ] && [ -x ./thinvmx-monitor ] || { echo "1..0 # SKIP tools missing"; exit 4; }
[ -e /dev/thinvmx ] || { echo "1..0 # SKIP no /dev/thinvmx"; exit 4; }
echo "TAP version 13"
echo "1..55"

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

./thinvmx-monitor --help | grep -q "^Usage: thinvmx-monitor \[OPTIONS\] DOMAIN"
ok "thinvmx-monitor --help" $?
rc=0
for args in "" "--cr0 bogus 1" "--deny cr5:0x1 1" "--deny cr4:0 1" "--int3-answer maybe 1" \
	    "--count 0 1" "--slots 11 1" "--access 1:1:rwz 1" "x" "1 2"; do
	./thinvmx-monitor $args >/dev/null 2>&1
	[ $? = 2 ] || { echo "# thinvmx-monitor $args: not a usage error"; rc=1; }
done
ok "thinvmx-monitor: bad arguments are usage errors (2)" $rc
err=$(./thinvmx-monitor 4000000000 2>&1)
[ $? = 1 ] && echo "$err" | grep -q "^thinvmx-monitor: domain 4000000000: no such domain$"
ok "thinvmx-monitor: no such domain, exit 1" $?

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
# ---- thinvmx-ctl host: host mode on, status, off (this boot's CPUs)
./thinvmx-ctl host bogus 2>/dev/null
[ $? = 2 ]
ok "thinvmx-ctl host bogus: usage error (2)" $?
if [ $usable = 0 ]; then
	err=$(./thinvmx-ctl host off 2>&1)
	[ $? = 1 ] && echo "$err" | grep -q "host mode is off" &&
		./thinvmx-ctl host status --json | grep -q '^{"on":false,"cpus_on":0,'
	ok "thinvmx-ctl host status --json, host off when off: exit 1" $?
	./thinvmx-ctl host on && ./thinvmx-ctl host status | grep -q "^host mode: on ($(nproc) CPUs" &&
		./thinvmx-ctl --json host status | grep -q '"on":true,.*"exits":{"cpuid":'
	ok "thinvmx-ctl host on, status" $?
	! ./thinvmx-ctl host on 2>/dev/null && ./thinvmx-ctl host off &&
		./thinvmx-ctl host status | grep -q "^host mode: off"
	ok "thinvmx-ctl host on when on: exit 1; host off" $?
else
	skip "thinvmx-ctl host status --json" "VMX not usable"
	skip "thinvmx-ctl host on, status" "VMX not usable"
	skip "thinvmx-ctl host on when on" "VMX not usable"
fi
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
		 "watch: created and destroyed" "watch --json: created and destroyed" \
		 "run --paused" "monitor attaches" "monitor: a second is refused" \
		 "monitor: skip" "monitor --json" "monitor --json counters" \
		 "run --hold" "monitor --count" "monitor --timeout" "monitor SIGTERM" \
		 "monitor --threads --busy-poll --quiet" \
		 "monitor --access" "monitor --on-change" "monitor --singlestep"; do
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
# ---- thinvmx-monitor against a guest thinvmx-run holds paused
# wait_line FILE REGEX SECONDS: until FILE has a line matching REGEX
wait_line() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}

# start_paused NAME [RUN OPTIONS]: thinvmx-run --paused of the demo guest;
# sets $run (pid) and $id (domain)
start_paused() {
	name=$1
	shift
	./thinvmx-run --paused "$@" -m 16 demo-guest.elf > /tmp/$name.out 2> /tmp/$name.err &
	run=$!
	wait_line /tmp/$name.err "paused" 30
	id=$(sed -n 's/^thinvmx-run: domain \([0-9]*\) paused (pid [0-9]*): kill -USR1 [0-9]* starts it$/\1/p' /tmp/$name.err)
}

# run_watched NAME MONITOR-OPTIONS...: thinvmx-monitor on the domain
# start_paused made ($id), its stdout in /tmp/NAME.txt and stderr in
# /tmp/NAME-mon.err, and the guest started once it is attached; sets $rrc
# (thinvmx-run's exit status) and $mrc (the monitor's) when both ended
run_watched() {
	name=$1
	shift
	./thinvmx-monitor "$@" "$id" > /tmp/$name.txt 2> /tmp/$name-mon.err &
	mon=$!
	wait_line /tmp/$name-mon.err "attached" 30
	kill -USR1 $run
	wait $run
	rrc=$?
	wait $mon
	mrc=$?
}

start_paused skip
[ -n "$id" ] && ! grep -q "hello" /tmp/skip.out &&
	./thinvmx-ctl domains | grep -q "^$id  *$run  *1 .*idle  *-$"
ok "thinvmx-run --paused: says its domain and waits (domain $id)" $?
./thinvmx-monitor --json --cr4 sync --cr0 async --int3 sync --int3-answer skip \
	--deny-smep-clear "$id" > /tmp/mon.json 2> /tmp/mon.err &
mon=$!
wait_line /tmp/mon.err "attached" 30
grep -q "^thinvmx-monitor: attached to domain $id (1 vCPUs): cr0 async, cr4 sync, int3 sync$" /tmp/mon.err &&
	./thinvmx-ctl domains | grep -q "^$id .*attached$"
ok "thinvmx-monitor attaches to another process's domain" $?
err=$(./thinvmx-monitor --cr3 async "$id" 2>&1)
[ $? = 1 ] && echo "$err" | grep -q "cannot attach to domain $id: Device or resource busy (another listener is attached)"
ok "thinvmx-monitor: a second is refused (-EBUSY), exit 1" $?
kill -USR1 $run
wait $run
rrc=$?
wait $mon
mrc=$?
[ $rrc = 0 ] && grep -q "demo guest: INT3: skipped, my #BP handler did not run" /tmp/skip.out &&
	{ grep -q "demo guest: clearing CR4.SMEP: denied" /tmp/skip.out ||
	  grep -q "no SMEP" /tmp/skip.out; } &&
	grep -q "demo guest: clearing CR0.WP: allowed" /tmp/skip.out
ok "thinvmx-monitor: INT3 skipped, SMEP clearing denied, WP not watched" $?
[ $mrc = 0 ] &&
	grep -q "^{\"seq\":[0-9]*,\"vcpu\":0,\"reason\":\"int3\",\"sync\":true,\"rip\":\"0x[0-9a-f]*\",.*\"gla\":\"0x[0-9a-f]*\",\"gfn\":\"0x[0-9a-f]*\",\"answer\":\"skip\"}$" /tmp/mon.json &&
	grep -q "\"reason\":\"cr0\",\"sync\":false,.*\"new\":\"0x[0-9a-f]*\",\"old\":\"0x[0-9a-f]*\"}$" /tmp/mon.json
ok "thinvmx-monitor --json: an object per event, exit 0" $?
tail -n 1 /tmp/mon.json | grep -q "^{\"domain\":$id,\"ended\":\"the domain's vCPUs are gone\",\"events_total\":[1-9][0-9]*,.*\"int3\":{\"sync\":1,\"async\":0}.*\"answers\":{\"continue\":[0-9]*,\"reinject\":0,\"skip\":1,.*\"ring_full_waits\":0,\"lost\":0}$"
ok "thinvmx-monitor --json: the counters last" $?

# --hold keeps the domain after the guest halted; --count ends the
# monitor and the guest goes on unwatched
start_paused count --hold
./thinvmx-monitor --cr0 sync --cr4 sync --count 2 "$id" > /tmp/count.txt 2> /tmp/count-mon.err &
mon=$!
wait_line /tmp/count-mon.err "attached" 30
kill -USR1 $run
wait $mon
mrc=$?
wait_line /tmp/count.err "held" 60
grep -q "^thinvmx-run: domain $id held (pid $run): kill -USR1 $run ends it$" /tmp/count.err &&
	grep -q "demo guest: bye" /tmp/count.out &&
	./thinvmx-ctl domains | grep -q "^$id  *$run  *1 .*idle  *-$"
ok "thinvmx-run --hold: the halted domain stays until SIGUSR1" $? /tmp/count.out /tmp/count.err
[ $mrc = 0 ] && [ "$(wc -l < /tmp/count.txt)" = 2 ] &&
	grep -q "^seq [0-9]* vcpu 0 cr0 sync rip 0x[0-9a-f]* new 0x[0-9a-f]* old 0x[0-9a-f]* answer continue$" /tmp/count.txt &&
	grep -q "^thinvmx-monitor: domain $id: count reached; 2 events (2 sync, 0 async)$" /tmp/count-mon.err
ok "thinvmx-monitor --count 2: two events, then it ends (0)" $? /tmp/count.txt /tmp/count-mon.err
kill -USR1 $run
wait $run

# the kinds past CR, INT3, mem_access and MSR: the demo guest's CPUIDs and
# its serial output, every byte held for an answer and still written
start_paused kinds
run_watched kinds --json --cpuid async --io sync
[ $rrc = 0 ] && [ $mrc = 0 ] && grep -q "demo guest: hello" /tmp/kinds.out &&
	grep -q "^thinvmx-monitor: attached to domain $id (1 vCPUs): cpuid async, io sync$" /tmp/kinds-mon.err &&
	grep -q "\"reason\":\"cpuid\",\"sync\":false,.*\"leaf\":\"0x40000000\",\"subleaf\":\"0x[0-9a-f]*\",\"eax\":\"0x[0-9a-f]*\"" /tmp/kinds.txt &&
	grep -q "\"reason\":\"io\",\"sync\":true,.*\"port\":\"0x3f8\",\"size\":1,\"in\":false,\"string\":false,\"rep\":false,\"value\":\"0x68\",\"answer\":\"continue\"}$" /tmp/kinds.txt
ok "thinvmx-monitor --cpuid, --io --json: the new kinds, the guest's output whole" $? /tmp/kinds.txt /tmp/kinds-mon.err

# --timeout and SIGTERM on a domain that never starts
start_paused idle
./thinvmx-monitor --cr3 async --timeout 1 "$id" > /dev/null 2> /tmp/timeout.err
[ $? = 0 ] && grep -q "^thinvmx-monitor: domain $id: timeout; 0 events (0 sync, 0 async)$" /tmp/timeout.err
ok "thinvmx-monitor --timeout 1: ends with 0" $?
./thinvmx-monitor --int3 sync "$id" > /dev/null 2> /tmp/term.err &
mon=$!
wait_line /tmp/term.err "attached" 30
kill -TERM $mon
wait $mon
[ $? = 0 ] && grep -q "^thinvmx-monitor: domain $id: interrupted; 0 events" /tmp/term.err
ok "thinvmx-monitor: SIGTERM ends it with 0" $?
kill $run
wait $run

# two vCPUs, a thread each, busy-polling; an access right set on the way
start_paused threads -c 2
run_watched threads --threads --busy-poll --quiet --cr3 sync --cr4 async
[ $mrc = 0 ] && [ $rrc = 0 ] && [ ! -s /tmp/threads.txt ] &&
	grep -q "^  cr3  *2  *0$" /tmp/threads-mon.err &&
	grep -q "^  cr4  *0  *[1-9]" /tmp/threads-mon.err
ok "thinvmx-monitor --threads --busy-poll --quiet: two vCPUs, counters only ($rrc)" $? \
	/tmp/threads.txt /tmp/threads-mon.err /tmp/threads.err
start_paused access
run_watched access --mem-access sync --access 0x200:1:rx
[ $mrc = 0 ] && [ $rrc = 0 ] && grep -q "demo guest: bye" /tmp/access.out &&
	grep -q "^seq [0-9]* vcpu 0 mem-access sync rip 0x[0-9a-f]* gfn 0x200 gla 0x200000 offset 0 access -w- right rx answer singlestep$" /tmp/access.txt &&
	grep -q "^seq [0-9]* vcpu 0 singlestep sync rip 0x[0-9a-f]* answer continue$" /tmp/access.txt &&
	grep -q "demo guest: wrote 0x000000005ca1ab1e to 0x200000" /tmp/access.out
ok "thinvmx-monitor --access, --mem-access sync: a write to a read-only frame, stepped" $? \
	/tmp/access.txt /tmp/access-mon.err /tmp/access.out

# --on-change: the guest reloads CR3 with its own value (no event) and
# toggles CR4.PGE (two events that change it)
start_paused onchange
run_watched onchange --cr3 sync --cr4 sync --on-change
[ $mrc = 0 ] && [ $rrc = 0 ] && grep -q "demo guest: bye" /tmp/onchange.out &&
	! grep -q " cr3 " /tmp/onchange.txt &&
	grep -q "^  cr3  *0  *0$" /tmp/onchange-mon.err &&
	[ "$(grep -c " cr4 sync " /tmp/onchange.txt)" -ge 2 ] &&
	awk '/ cr4 sync / && $10 == $12 { exit 1 }' /tmp/onchange.txt
ok "thinvmx-monitor --on-change: a CR3 reload of the same value is no event, CR4 changes are" $? \
	/tmp/onchange.txt /tmp/onchange-mon.err /tmp/onchange.out

# --singlestep with CR events: every sync CR0 write is answered with a
# step (the WP clear denied as well), and each step is an event of its own
start_paused step
run_watched step --cr0 sync --singlestep --deny-wp-clear
crs=$(grep -c "^seq [0-9]* vcpu 0 cr0 sync rip 0x[0-9a-f]* new 0x[0-9a-f]* old 0x[0-9a-f]* answer \(deny+\)\{0,1\}singlestep$" /tmp/step.txt)
steps=$(grep -c "^seq [0-9]* vcpu 0 singlestep sync rip 0x[0-9a-f]* answer continue$" /tmp/step.txt)
[ $mrc = 0 ] && [ $rrc = 0 ] && [ "$crs" -ge 3 ] && [ "$crs" = "$steps" ] &&
	[ "$(grep -c " cr0 sync .* answer deny+singlestep$" /tmp/step.txt)" = 1 ] &&
	grep -q "demo guest: clearing CR0.WP: denied" /tmp/step.out &&
	grep -q "demo guest: bye" /tmp/step.out
ok "thinvmx-monitor --singlestep: each CR0 event stepped and the step reported ($crs, $steps)" $? \
	/tmp/step.txt /tmp/step-mon.err /tmp/step.out
exit $fail
