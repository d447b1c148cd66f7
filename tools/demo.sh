#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, as it runs inside the nested VM (make demo): what thinvmx sees
# of this machine, then a guest of two vCPUs under thinvmx-run, watched by
# thinvmx-monitor from another process, with thinvmx-ctl's view of the
# domain. The guest (tools/demo-guest) writes CR0, CR3 and CR4, tries to
# clear CR4.SMEP and CR0.WP, and executes an INT3; the monitor denies the
# two clearings and re-injects the INT3 into the guest's own handler, and
# the guest says what became of each.
#
# The guest is created paused (thinvmx-run --paused) so that the monitor
# has attached and chosen its events before the first instruction runs,
# and held after it halted (--hold) so that its counters can be read.
# Exit status: 0 when every step worked, 1 otherwise.
set -u
cd "$(dirname "$0")" || exit 1
T=${TMPDIR:-/tmp}/thinvmx-demo
mkdir -p "$T"

# wait_line FILE REGEX SECONDS PID: until FILE has a line matching REGEX;
# 1 when the time is up or PID died first
wait_line() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		kill -0 "$4" 2>/dev/null || { grep -q "$2" "$1" 2>/dev/null; return; }
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}

fail() {
	echo "demo: FAILED: $*"
	for f in "$T"/*; do echo "--- $f"; cat "$f"; done
	[ -n "${run:-}" ] && kill "$run" 2>/dev/null
	[ -n "${mon:-}" ] && kill "$mon" 2>/dev/null
	exit 1
}

echo "== dmesg: what the module said when it loaded"
dmesg | grep 'thinvmx:' | grep -v 'taint\|verification' || true
echo
echo "== thinvmx-ctl caps"
./thinvmx-ctl caps || fail "VMX is not usable here"
echo
echo "== thinvmx-ctl status"
./thinvmx-ctl status
echo

echo "== thinvmx-run --paused --hold -m 16 -c 2 demo-guest.elf"
./thinvmx-run --paused --hold -m 16 -c 2 demo-guest.elf \
	>"$T/guest.out" 2>"$T/run.err" &
run=$!
wait_line "$T/run.err" 'domain [0-9]* paused' 30 $run || fail "the guest did not start"
cat "$T/run.err"
id=$(sed -n 's/^thinvmx-run: domain \([0-9]*\) paused.*/\1/p' "$T/run.err")
echo
echo "== thinvmx-ctl domains (paused: idle)"
./thinvmx-ctl domains

echo
echo "== thinvmx-monitor --threads --cr0 sync --cr3 async --cr4 sync --int3 sync" \
	"--deny-smep-clear --deny-wp-clear --int3-answer reinject $id"
./thinvmx-monitor --threads --cr0 sync --cr3 async --cr4 sync --int3 sync \
	--deny-smep-clear --deny-wp-clear --int3-answer reinject "$id" \
	>"$T/monitor.out" 2>"$T/monitor.err" &
mon=$!
wait_line "$T/monitor.err" '^thinvmx-monitor: attached' 30 $mon ||
	fail "the monitor did not attach"
cat "$T/monitor.err"
echo "== kill -USR1 $run: the guest runs"
kill -USR1 $run
wait_line "$T/run.err" 'domain [0-9]* held' 120 $run || fail "the guest did not finish"
echo
echo "== the guest's serial output"
cat "$T/guest.out"
echo
echo "== thinvmx-monitor: the events it saw and its answers"
cat "$T/monitor.out"
echo
echo "== thinvmx-ctl domains (halted, held by thinvmx-run --hold)"
./thinvmx-ctl domains
echo
echo "== thinvmx-ctl stats $id"
./thinvmx-ctl stats "$id"

echo
echo "== kill -USR1 $run: thinvmx-run ends; the monitor sees the vCPUs go"
kill -USR1 $run
wait $run
rrc=$?
wait $mon
mrc=$?
run= mon=
sed -n '/held/!p' "$T/run.err" | sed -n '/paused/!p'
sed -n '/attached/!p' "$T/monitor.err"
[ $rrc = 0 ] || fail "thinvmx-run exited with $rrc"
[ $mrc = 0 ] || fail "thinvmx-monitor exited with $mrc"
echo
echo "demo: done"
