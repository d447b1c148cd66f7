#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stealth breakpoints on a real Linux guest: Debian's kernel (the one this
# VM runs) boots in a domain with two vCPUs, nokaslr, and 16 frames of RAM
# it is not told of (thinvmx-run --spare-frames). Its /init is
# linux_intro_test's: intro_init, which takes commands on the console.
# thinvmx-monitor --break __x64_sys_openat --stealth puts the 0xcc in a
# shadow copy of the frame, shown execute-only in a view every vCPU runs
# in (lib/stealth.c). One boot:
#
#  - the guest's kernel reads its own text at the symbol through
#    /proc/kcore and sees the original bytes, not 0xcc (the read is let
#    through in view 0); the classic --break would show it the 0xcc;
#  - opens on both vCPUs at once: every one is a hit, on both vCPUs, and
#    every open succeeds;
#  - the monitor is stopped (SIGTERM) while the guest opens as fast as it
#    can: the guest goes on, its code whole (another kcore read, opens
#    that succeed), and no oops;
#  - a second stealth monitor killed (SIGKILL) in the middle of hits: its
#    view goes with its listener, every vCPU back in view 0, and the
#    guest's opens go on (the 0xcc in the shadow is never met unanswered);
#  - the guest powers off, thinvmx-run exits 0.
#
# Requires: root, usable VMX with execute-only EPT, thinvmx-run,
# thinvmx-monitor, thinvmx-ctl, intro_init and tvx_tap.sh next to this
# script, /bin/busybox, cpio, gzip. Prints TAP; exits 0, 1 or 4.
cd "$(dirname "$0")" || exit 1
trap "" PIPE
. ./tvx_tap.sh
KERNEL=/boot/vmlinuz
T=/tmp/linux_stealth
ROOT=$T.root
INITRD=$T.initrd
FIFO=$T.in
OUT=$T.out
MAP=$T.System.map
SYM=__x64_sys_openat
N=12			# opens per vCPU

[ -x ./thinvmx-run ] && [ -x ./thinvmx-monitor ] && [ -x ./intro_init ] ||
	{ echo "1..0 # SKIP tools missing"; exit 4; }
[ -r "$KERNEL" ] || { echo "1..0 # SKIP no $KERNEL"; exit 4; }
[ -x /bin/busybox ] || { echo "1..0 # SKIP no /bin/busybox"; exit 4; }
./thinvmx-ctl caps >/dev/null 2>&1 || { echo "1..0 # SKIP VMX not usable"; exit 4; }
./thinvmx-ctl caps | grep -q "ept-exec-only" ||
	{ echo "1..0 # SKIP no execute-only EPT"; exit 4; }
echo "TAP version 13"
echo "1..10"

rm -rf "$ROOT" "$FIFO"
mkdir -p "$ROOT/bin" "$ROOT/dev" "$ROOT/proc"
cp /bin/busybox "$ROOT/bin/busybox"
cp ./intro_init "$ROOT/intro_init"
cat > "$ROOT/init" <<EOI
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox grep " $SYM\\\$" /proc/kallsyms | /bin/busybox sed 's/^/ksym /'
exec /intro_init
EOI
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | cpio -o -H newc -R 0:0 2>/dev/null) | gzip > "$INITRD"

# kcore ADDR: the guest reads 16 bytes at ADDR; the bytes, or nothing
kcore() {
	echo "kcore $1" >&3
	wait_for "intro init: kcore 0*$1 " "$OUT.raw" 120 &&
		tr -d '\r' < "$OUT.raw" | sed -n "s/^intro init: kcore 0*$1 bytes //p" | tail -1
}

mkfifo "$FIFO"
start=$(date +%s)
timeout 1200 ./thinvmx-run --paused -m 192 -c 2 --spare-frames 16 --kernel "$KERNEL" \
	--initrd "$INITRD" --append "console=ttyS0 nokaslr panic=-1 tsc=reliable sysctl.vm.compaction_proactiveness=0" \
	< "$FIFO" > "$OUT.raw" 2>&1 &
run=$!
exec 3> "$FIFO"
wait_for "domain [0-9]* paused" "$OUT.raw" 30
id=$(sed -n 's/^thinvmx-run: domain \([0-9]*\) paused.*/\1/p' "$OUT.raw")
pid=$(sed -n 's/^thinvmx-run: domain [0-9]* paused (pid \([0-9]*\)).*/\1/p' "$OUT.raw")
spare=$(sed -n 's/^thinvmx-run: spare frames \(0x[0-9a-f]*\)-0x[0-9a-f]* not in.*/\1/p' "$OUT.raw")
[ -n "$id" ] && kill -USR1 "$pid"
wait_for "intro init: ready" "$OUT.raw" 900
echo "# domain $id: the guest's /init runs after $(( $(date +%s) - start )) s; spare frames from $spare"
tr -d '\r' < "$OUT.raw" | sed -n 's/^ksym //p' > "$MAP"
addr=$(sed -n "s/^\([0-9a-f]*\) T $SYM$/\1/p" "$MAP")
before=$(kcore "$addr")
echo "# before: $SYM bytes $before"
[ -n "$addr" ] && [ -n "$spare" ] && [ -n "$before" ]
ok "the guest's $SYM at $addr reads $before through /proc/kcore" $? "$OUT.raw"

./thinvmx-monitor --break "$SYM" --stealth "$spare:16" --system-map "$MAP" -q "$id" \
	> "$T.m.out" 2> "$T.m.err" &
mon=$!
wait_for "symbols ready" "$T.m.err" 300
grep -q "^break $SYM gla 0xffffffff8[0-9a-f]* gpa 0x[0-9a-f]* orig 0x[0-9a-f]* planted stealth$" "$T.m.out"
ok "the stealth breakpoint is planted in a shadow frame" $? "$T.m.out" "$T.m.err"

during=$(kcore "$addr")
echo "# under the stealth breakpoint: $SYM bytes $during"
[ -n "$during" ] && [ "$during" = "$before" ]
ok "the guest reads its own code under the breakpoint: the original bytes, no 0xcc" $? "$OUT.raw"

sleep 1
hits0=$(grep -c "^break $SYM hit" "$T.m.out")
echo "smp $N" >&3
wait_for "intro init: opened [0-9]* of $N on cpu 0" "$OUT.raw" 600 &&
	wait_for "intro init: opened [0-9]* of $N on cpu 1" "$OUT.raw" 600
sleep 2
tr -d '\r' < "$OUT.raw" | grep -q "^intro init: opened $N of $N on cpu 0$" &&
	tr -d '\r' < "$OUT.raw" | grep -q "^intro init: opened $N of $N on cpu 1$"
ok "the guest's $N + $N opens on two vCPUs at once all succeed" $? "$OUT.raw"
hits=$(( $(grep -c "^break $SYM hit" "$T.m.out") - hits0 ))
v0=$(grep -c "^break $SYM hit [0-9]* vcpu 0 " "$T.m.out")
v1=$(grep -c "^break $SYM hit [0-9]* vcpu 1 " "$T.m.out")
echo "# hits: $hits for the opens (vcpu 0: $v0, vcpu 1: $v1 in all; $hits0 before: the kcore read's open)"
[ "$hits" = $((2 * N)) ] && [ "$v0" -gt 0 ] && [ "$v1" -gt 0 ]
ok "every open is a hit, none missed: $hits for $((2 * N)), on both vCPUs" $? "$T.m.out" "$T.m.err"

# stop the monitor while both vCPUs open as fast as they can
echo "smp 400" >&3
sleep 3
kill -TERM $mon
wait $mon
mrc=$?
[ $mrc = 0 ] && grep -q "^break $SYM gla .* removed$" "$T.m.out"
ok "SIGTERM in the middle of hits: the monitor leaves, the view gone (status $mrc)" $? "$T.m.out" "$T.m.err"
wait_for "intro init: opened [0-9]* of 400 on cpu 0" "$OUT.raw" 900 &&
	wait_for "intro init: opened [0-9]* of 400 on cpu 1" "$OUT.raw" 900
after=$(kcore "$addr")
echo "# after: $SYM bytes $after"
tr -d '\r' < "$OUT.raw" | grep -q "^intro init: opened 400 of 400 on cpu 0$" &&
	tr -d '\r' < "$OUT.raw" | grep -q "^intro init: opened 400 of 400 on cpu 1$" &&
	[ "$after" = "$before" ]
ok "the guest's code is whole after: 800 opens succeed, $SYM reads as before" $? "$OUT.raw"

# a daemon that dies: its view goes with its listener
./thinvmx-monitor --break "$SYM" --stealth "$spare:16" --system-map "$MAP" -q "$id" \
	> "$T.k.out" 2> "$T.k.err" &
mon=$!
wait_for "symbols ready" "$T.k.err" 300
grep -q "planted stealth$" "$T.k.out"
ok "a second stealth monitor plants the breakpoint again" $? "$T.k.out" "$T.k.err"
echo "smp 300" >&3
sleep 3
kill -KILL $mon
wait $mon
echo "# the monitor killed after $(grep -c "^break $SYM hit" "$T.k.out") hits"
wait_for "intro init: opened [0-9]* of 300 on cpu 0" "$OUT.raw" 900 &&
	wait_for "intro init: opened [0-9]* of 300 on cpu 1" "$OUT.raw" 900
killed=$(kcore "$addr")
# and opens after it: a vCPU left in the view would meet the 0xcc alone
echo "smp 20" >&3
wait_for "intro init: opened [0-9]* of 20 on cpu 0" "$OUT.raw" 300 &&
	wait_for "intro init: opened [0-9]* of 20 on cpu 1" "$OUT.raw" 300
tr -d '\r' < "$OUT.raw" | grep -q "^intro init: opened 300 of 300 on cpu 0$" &&
	tr -d '\r' < "$OUT.raw" | grep -q "^intro init: opened 300 of 300 on cpu 1$" &&
	tr -d '\r' < "$OUT.raw" | grep -q "^intro init: opened 20 of 20 on cpu 0$" &&
	tr -d '\r' < "$OUT.raw" | grep -q "^intro init: opened 20 of 20 on cpu 1$" &&
	[ "$killed" = "$before" ]
ok "SIGKILL in the middle of hits: the guest's 600 opens and 40 after succeed, its code reads as before" $? "$OUT.raw" "$T.k.err"

echo end >&3
wait $run
rc=$?
exec 3>&-
tr -d '\r' < "$OUT.raw" > "$OUT"
echo "# thinvmx-run status $rc after $(( $(date +%s) - start )) s"
[ $rc = 0 ] && grep -q "reboot: Power down" "$OUT" &&
	! grep -q "Oops\|int3: \|WARNING:\|BUG:\|Call Trace\|Kernel panic" "$OUT"
ok "the guest never noticed: no oops or warning, it powers off, status $rc" $? "$OUT"

rm -rf "$ROOT" "$INITRD" "$FIFO"
exit $fail
