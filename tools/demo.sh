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
#
# Then a Linux guest: this VM's own kernel in a domain, watched by
# thinvmx-monitor (breakpoints on openat, CR3 loads per second, the
# kernel text write-protected, the CR0/CR4 pins: the guest loads the
# probe module and tries a raw MOV clearing CR4.SMEP, denied).
#
# Then host mode: this very kernel, on all its CPUs, becomes a guest of
# thinvmx (thinvmx-ctl host on), with the CR and MSR pins on; a kprobe
# placed for the demo fires while thinvmx-monitor --host prints the INT3
# and CR events; the probe module (tvx_probe.ko, the selftests') tries a
# raw MOV clearing CR4.SMEP and a raw WRMSR moving LSTAR, both refused;
# host mode off, and the kernel goes on natively.
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
	./thinvmx-ctl host off 2>/dev/null
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

# ---------------------------------------------------------------- a Linux guest
# This VM's own kernel boots in a domain (nokaslr: its symbols sit where
# its /proc/kallsyms says, which the guest prints for the monitor: the
# package's System.map is a stub); thinvmx-monitor attaches while it runs,
# breaks on every openat, counts CR3 loads per second and write-protects
# the kernel's text, and denies CR0/CR4 writes that clear WP or SMEP; the
# guest's /init waits for a line on the console, then opens /proc/version
# five times, loads the probe module (tvx_probe.ko) to make a raw MOV
# clearing CR4.SMEP, past the kernel's own pinning, and powers off.
KERNEL=/boot/vmlinuz
L=$T/linux
linux_demo() {
	rm -rf "$L.root" "$L.in"
	mkdir -p "$L.root/bin" "$L.root/dev" "$L.root/proc"
	cp /bin/busybox "$L.root/bin/busybox"
	cp tvx_probe.ko "$L.root/" 2>/dev/null
	cat > "$L.root/init" <<'EOI'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
for s in __x64_sys_openat _stext _etext; do
	grep " $s\$" /proc/kallsyms | sed 's/^/ksym /'
done
echo "linux guest: $(uname -sr) up on $(nproc) CPUs, waiting for the monitor"
# a second's timeout: a system call (a CR3 load) each second, from which
# the monitor takes the page tables it resolves symbols with
until read -t 1 -r go; do :; done
for i in 1 2 3 4 5; do cat /proc/version > /dev/null; done
echo "linux guest: opened /proc/version five times"
if insmod /tvx_probe.ko 2>/dev/null; then
	exec 5<>/dev/tvx_probe
	printf 'cr4_clear_try 0x100000' >&5 && read -r cr4 <&5
	exec 5>&-
	echo "linux guest: a raw MOV to CR4 clearing SMEP: CR4 reads ${cr4:-?}" \
		"(SMEP $([ $((${cr4:-0} & 0x100000)) != 0 ] && echo still set || echo CLEARED))"
fi
sleep 2
poweroff -f
EOI
	chmod +x "$L.root/init"
	(cd "$L.root" && find . | cpio -o -H newc -R 0:0 2>/dev/null) | gzip > "$L.initrd"
	mkfifo "$L.in"
	echo "== thinvmx-run --paused -m 192 -c $(nproc) --kernel $KERNEL --initrd (busybox)" \
		"--append 'console=ttyS0 nokaslr panic=-1 tsc=reliable sysctl.vm.compaction_proactiveness=0 quiet'"
	./thinvmx-run --paused -m 192 -c "$(nproc)" --kernel "$KERNEL" --initrd "$L.initrd" \
		--append "console=ttyS0 nokaslr panic=-1 tsc=reliable sysctl.vm.compaction_proactiveness=0 quiet" \
		< "$L.in" > "$L.out" 2> "$L.err" &
	run=$!
	exec 4> "$L.in"
	wait_line "$L.err" 'domain [0-9]* paused' 30 $run || fail "the Linux guest was not created"
	id=$(sed -n 's/^thinvmx-run: domain \([0-9]*\) paused.*/\1/p' "$L.err")
	kill -USR1 $run
	wait_line "$L.out" 'waiting for the monitor' 900 $run || fail "Linux did not reach its /init"
	tr -d '\r' < "$L.out" | grep -v '^ksym ' | sed 's/^/  | /'
	tr -d '\r' < "$L.out" | sed -n 's/^ksym //p' > "$L.map"
	echo "the guest's symbols, for --system-map: $(tr '\n' ' ' < "$L.map")"
	echo "== thinvmx-monitor --break __x64_sys_openat --protect-text --system-map MAP" \
		"--cr3 async --cr0 sync --cr4 sync --deny-smep-clear --deny-wp-clear" \
		"-q --timeout 20 $id"
	./thinvmx-monitor --break __x64_sys_openat --protect-text --system-map "$L.map" \
		--cr3 async --cr0 sync --cr4 sync --deny-smep-clear --deny-wp-clear \
		-q --timeout 20 "$id" > "$L.mon" 2> "$L.monerr" &
	mon=$!
	wait_line "$L.monerr" 'symbols ready' 120 $mon || fail "the monitor found no symbols"
	echo go >&4
	wait_line "$L.out" 'opened /proc/version five times' 120 $run ||
		fail "the Linux guest did not go on"
	wait $mon
	mrc=$?
	mon=
	wait $run
	rrc=$?
	run=
	exec 4>&-
	tr -d '\r' < "$L.out" | grep '^linux guest: \(opened\|a raw MOV\)' | sed 's/^/  | /'
	echo "== thinvmx-monitor: breakpoint hits, CR3 loads per second, text writes," \
		"denied CR writes"
	cat "$L.mon"
	sed -n '/attached/!p' "$L.monerr"
	tr -d '\r' < "$L.out" | grep 'reboot: Power down' | sed 's/^/  | /'
	echo "thinvmx-run: status $rrc (0: the guest powered off)"
	[ $mrc = 0 ] || fail "thinvmx-monitor exited with $mrc"
	[ $rrc = 0 ] || fail "thinvmx-run exited with $rrc"
}
echo
if [ -r "$KERNEL" ] && [ -x /bin/busybox ]; then
	echo "== a Linux guest: $KERNEL in a domain, watched by thinvmx-monitor"
	linux_demo
else
	echo "== no $KERNEL here: no Linux guest"
fi

# ---------------------------------------------------------------- host mode
TR=/sys/kernel/tracing
# probe CMD ARGS: one command of the probe module; its result in $probe_out
probe() {
	exec 3<>/dev/tvx_probe || return 1
	printf '%s' "$*" >&3 || { exec 3>&-; return 1; }
	read -r probe_out <&3
	exec 3>&-
}
kprobe_hits() {
	awk '$1 == "tvxdemo_open" || $1 == "tvxdemo/tvxdemo_open" { print $2 }' $TR/kprobe_profile
}

echo
echo "== host mode: this kernel becomes a guest of thinvmx on its $(nproc) CPUs"
[ -e /dev/tvx_probe ] || insmod ./tvx_probe.ko || fail "no probe module"
[ -e $TR/kprobe_events ] || mount -t tracefs nodev $TR 2>/dev/null
echo 0 > /proc/sys/debug/kprobes-optimization
kp=
# at the entry a kprobe rides on ftrace: the first boundary after it that takes an INT3
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	if echo "p:tvxdemo/tvxdemo_open do_sys_openat2+$i" >> $TR/kprobe_events 2>/dev/null; then
		kp=$i
		break
	fi
done
[ -n "$kp" ] || fail "no kprobe could be placed"
echo 1 > $TR/events/tvxdemo/tvxdemo_open/enable
echo "kprobe tvxdemo_open at do_sys_openat2+$kp (an INT3 in kernel text)"
echo "== thinvmx-ctl host policy pin-cr on pin-msr on; thinvmx-ctl host on"
./thinvmx-ctl host policy pin-cr on pin-msr on || fail "host policy refused"
./thinvmx-ctl host on || fail "host mode did not come on"
./thinvmx-ctl host status | head -n 1
echo "== thinvmx-monitor --host --cr0 async --cr4 async --int3 async"
./thinvmx-monitor --host --cr0 async --cr4 async --int3 async \
	>"$T/host.out" 2>"$T/host.err" &
mon=$!
wait_line "$T/host.err" '^thinvmx-monitor: attached' 30 $mon ||
	fail "the host monitor did not attach"
cat "$T/host.err"
h0=$(kprobe_hits)
for i in 1 2 3 4 5; do cat /proc/version > /dev/null; done
h1=$(kprobe_hits)
echo "cat /proc/version five times: the kprobe fired $((h1 - h0)) times (it still works)"
probe cr4 || fail "probe cr4"
cr4=$probe_out
probe cr4_clear_try 0x100000 || fail "probe cr4_clear_try"
if [ $((cr4 & 0x100000)) = 0 ]; then
	echo "raw MOV to CR4 clearing SMEP: this CPU has no SMEP"
elif [ $((probe_out & 0x100000)) != 0 ]; then
	echo "raw MOV to CR4 clearing SMEP: refused, CR4 $cr4 -> $probe_out"
else
	echo "raw MOV to CR4 clearing SMEP: NOT refused, CR4 $cr4 -> $probe_out"
fi
probe rdmsr 0xc0000082 || fail "probe rdmsr"
lstar=$probe_out
probe wrmsr_try 0xc0000082 0xffffffffdeadbeef || fail "probe wrmsr_try"
if [ "$probe_out" = "$lstar" ]; then
	echo "raw WRMSR of 0xffffffffdeadbeef to LSTAR: refused, LSTAR stays $lstar"
else
	echo "raw WRMSR of 0xffffffffdeadbeef to LSTAR: NOT refused ($lstar -> $probe_out)"
fi
sleep 1
kill -INT $mon
wait $mon
hrc=$?
mon=
echo "== thinvmx-monitor --host: the refusals and the first INT3 and CR events"
grep ' denied' "$T/host.out"
grep ' int3 ' "$T/host.out" | head -n 4
grep ' cr[04] ' "$T/host.out" | grep -v ' denied' | head -n 4
echo "(all: $(wc -l < "$T/host.out") events)"
sed -n '/attached/!p' "$T/host.err"
echo "== thinvmx-ctl host status"
./thinvmx-ctl host status
echo "== thinvmx-ctl host off; thinvmx-ctl host policy pin-cr off pin-msr off"
./thinvmx-ctl host off || fail "host mode did not go off"
./thinvmx-ctl host policy pin-cr off pin-msr off
./thinvmx-ctl host status | head -n 1
h0=$(kprobe_hits)
cat /proc/version > /dev/null
h1=$(kprobe_hits)
echo 0 > $TR/events/tvxdemo/tvxdemo_open/enable
echo "-:tvxdemo/tvxdemo_open" >> $TR/kprobe_events
echo 1 > /proc/sys/debug/kprobes-optimization
echo "native again: $(uname -sr) goes on, the kprobe fired $((h1 - h0)) more time(s)"
[ $hrc = 0 ] || fail "thinvmx-monitor --host exited with $hrc"
echo
echo "demo: done"
