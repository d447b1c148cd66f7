#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# thinvmx-monitor on a real Linux guest: Debian's kernel (the one this VM
# runs, at /boot/vmlinuz) boots in a domain with nokaslr; its /init, a
# busybox script, prints the kernel symbols the monitor needs from its own
# /proc/kallsyms (Debian's System.map is a stub) and execs intro_init,
# which makes an exact number of openat calls per phase, each phase
# started by a line on thinvmx-run's stdin. One boot:
#
#  - monitor P, CR0 and CR4 writes sync with the pin policy
#    (--deny-wp-clear --deny-smep-clear), attached while /init waits:
#    /init loads the selftests' probe module (tvx_probe.ko, built for
#    this kernel) and makes a raw MOV clearing CR0.WP, then one clearing
#    CR4.SMEP, past the kernel's own pinning; the monitor prints both as
#    JSON lines answered deny, and the probe reads WP and SMEP still set
#    (PIN_POLICY= in the environment attaches it without the policy: the
#    bits are cleared, and both checks fail);
#  - a one-shot daemon-side read (no listener, no event): thinvmx-monitor
#    --read-sym pauses the domain, reads linux_banner through vCPU 0's
#    CR3 with the guest-virtual walk, unpauses: "Linux version 6.1";
#  - monitor A, attached after the guest started: --break
#    __x64_sys_openat (0xcc at the symbol's guest-physical address, found
#    by a walk of the guest's page tables) counts exactly the 25 opens
#    the guest makes, which all succeed; --cr3 prints a nonzero rate per
#    second; SIGTERM detaches it while the guest runs and it puts the
#    original byte back;
#  - monitor B, attached next: --peek reads the byte back (the original,
#    not 0xcc); --protect-text makes _stext.._etext r-x while the guest
#    opens 10 more files (no breakpoint left: a stray 0xcc would oops the
#    guest) and switches a static key on (SO_TIMESTAMP): the kernel's
#    text patching shows as text-write lines; B ends on its --timeout;
#  - monitor C: the peek and the rate as JSON lines;
#  - the guest powers off, thinvmx-run exits 0, no oops or warning.
#
# Requires: root, usable VMX, thinvmx-run, thinvmx-monitor, thinvmx-ctl,
# intro_init, tvx_probe.ko and tvx_tap.sh next to this script, /bin/busybox, cpio,
# gzip. Prints TAP; exits 0, 1 or 4.
cd "$(dirname "$0")" || exit 1
# a guest that died closes the FIFO: a write to it must fail, not kill us
trap "" PIPE
. ./tvx_tap.sh
KERNEL=/boot/vmlinuz
T=/tmp/linux_intro
ROOT=$T.root
INITRD=$T.initrd
FIFO=$T.in
OUT=$T.out
MAP=$T.System.map
SYM=__x64_sys_openat
# where the text writes come from (named in the output only)
EXTRA="text_poke __text_poke text_poke_bp_batch memcpy __memcpy memcpy_orig"

[ -x ./thinvmx-run ] && [ -x ./thinvmx-monitor ] && [ -x ./intro_init ] &&
	[ -r ./tvx_probe.ko ] ||
	{ echo "1..0 # SKIP tools missing"; exit 4; }
[ -r "$KERNEL" ] || { echo "1..0 # SKIP no $KERNEL"; exit 4; }
[ -x /bin/busybox ] || { echo "1..0 # SKIP no /bin/busybox"; exit 4; }
./thinvmx-ctl caps >/dev/null 2>&1 || { echo "1..0 # SKIP VMX not usable"; exit 4; }
echo "TAP version 13"
echo "1..16"

rm -rf "$ROOT" "$FIFO"
mkdir -p "$ROOT/bin" "$ROOT/dev" "$ROOT/proc"
cp /bin/busybox "$ROOT/bin/busybox"
cp ./intro_init "$ROOT/intro_init"
cp ./tvx_probe.ko "$ROOT/tvx_probe.ko"
cat > "$ROOT/init" <<EOI
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
for s in $SYM _stext _etext linux_banner $EXTRA; do
	/bin/busybox grep " \$s\\\$" /proc/kallsyms | /bin/busybox sed 's/^/ksym /'
done
# the pins: raw MOVs clearing CR0.WP and CR4.SMEP, once the monitor is on
probe() {
	exec 4<>/dev/tvx_probe && /bin/busybox printf '%s' "\$*" >&4 && read -r r <&4
	exec 4>&-
	echo "\$r"
}
/bin/busybox insmod /tvx_probe.ko || echo "pin: no probe module"
echo "pin: ready"
read -r go
cr0=\$(probe cr0)
cr4=\$(probe cr4)
wp=\$(probe cr0_clear_try 0x10000)
smep=\$(probe cr4_clear_try 0x100000)
echo "pin: cr0 \$cr0 after clearing WP \$wp; cr4 \$cr4 after clearing SMEP \$smep"
[ \$((\${wp:-0} & 0x10000)) != 0 ] && echo "pin: CR0.WP still set"
[ \$((\${smep:-0} & 0x100000)) != 0 ] && echo "pin: CR4.SMEP still set"
echo "pin: done"
exec /intro_init
EOI
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | cpio -o -H newc -R 0:0 2>/dev/null) | gzip > "$INITRD"

# nearest ADDR: "SYMBOL+OFFSET" of the System.map's closest symbol below
# (kernel addresses are negative in the shell's arithmetic: order holds)
nearest() {
	best=unknown
	bv=
	r=$(($1))
	while read -r a _ name; do
		v=$((0x$a))
		if [ "$v" -le "$r" ] && { [ -z "$bv" ] || [ "$v" -gt "$bv" ]; }; then
			bv=$v
			best="$name+$((r - v))"
		fi
	done < "$MAP"
	echo "$best"
}

mkfifo "$FIFO"
start=$(date +%s)
timeout 900 ./thinvmx-run --paused -m 192 --kernel "$KERNEL" --initrd "$INITRD" \
	--append "console=ttyS0 nokaslr panic=-1 tsc=reliable sysctl.vm.compaction_proactiveness=0" < "$FIFO" > "$OUT.raw" 2>&1 &
run=$!
exec 3> "$FIFO"
wait_for "domain [0-9]* paused" "$OUT.raw" 30
id=$(sed -n 's/^thinvmx-run: domain \([0-9]*\) paused.*/\1/p' "$OUT.raw")
pid=$(sed -n 's/^thinvmx-run: domain [0-9]* paused (pid \([0-9]*\)).*/\1/p' "$OUT.raw")
[ -n "$id" ] && kill -USR1 "$pid"

# ---- monitor P: the CR0/CR4 pins, before anything else runs
wait_for "pin: ready" "$OUT.raw" 600
./thinvmx-monitor --json --cr0 sync --cr4 sync --on-change ${PIN_POLICY---deny-wp-clear --deny-smep-clear} \
	"$id" > "$T.p.out" 2> "$T.p.err" &
mon=$!
wait_for "attached to domain" "$T.p.err" 60
echo pin >&3
wait_for "pin: done" "$OUT.raw" 120
kill -TERM $mon
wait $mon
echo "# $(tr -d '\r' < "$OUT.raw" | grep '^pin: cr0')"
sed 's/^/# /' "$T.p.out"
# a denied line: the write's new value lacks the bit its old value had
denied() {
	grep "\"reason\":\"$1\"" "$T.p.out" | grep '"answer":"deny"' |
		sed -n 's/.*"new":"\(0x[0-9a-f]*\)","old":"\(0x[0-9a-f]*\)".*/\1 \2/p' |
		while read -r new old; do
			[ $((new & $2)) = 0 ] && [ $((old & $2)) != 0 ] && echo yes
		done | grep -q yes
}
denied cr0 0x10000 && denied cr4 0x100000
ok "monitor P: the guest's raw clears of CR0.WP and CR4.SMEP, JSON lines answered deny" $? "$T.p.out" "$T.p.err" "$OUT.raw"
tr -d '\r' < "$OUT.raw" | grep -q "^pin: CR0.WP still set$" &&
	tr -d '\r' < "$OUT.raw" | grep -q "^pin: CR4.SMEP still set$"
ok "the guest's probe module reads CR0.WP and CR4.SMEP still set after the denied writes" $? "$OUT.raw"

wait_for "intro init: ready" "$OUT.raw" 600
echo "# domain $id: the guest's /init runs after $(( $(date +%s) - start )) s"
tr -d '\r' < "$OUT.raw" | sed -n 's/^ksym //p' > "$MAP"
grep -q " T $SYM$" "$MAP" && grep -q " T _stext$" "$MAP" && grep -q " T _etext$" "$MAP" &&
	! grep -q "^0000000000000000 " "$MAP"
ok "the guest's kallsyms give a System.map: $(grep " \($SYM\|_stext\|_etext\)$" "$MAP" | tr '\n' ' ')" $? "$OUT.raw"

# ---- the daemon-side read: paused, CR3 from the vCPU, the walk in libthinvmx
./thinvmx-monitor --read-sym linux_banner:96 --system-map "$MAP" "$id" \
	> "$T.r.out" 2> "$T.r.err"
rrc=$?
echo "# $(cat "$T.r.out" "$T.r.err")"
[ $rrc = 0 ] &&
	grep -q "^read linux_banner vcpu 0 cr3 0x[0-9a-f]* gla 0xffffffff8[0-9a-f]* gpa 0x[0-9a-f]* len 96 text \"Linux version 6\.1" "$T.r.out"
ok "--read-sym: linux_banner read through the guest's CR3 while paused (status $rrc)" $? "$T.r.out" "$T.r.err"

# ---- monitor A: the breakpoint and the CR3 rate; SIGTERM while the guest runs
./thinvmx-monitor --break "$SYM" --system-map "$MAP" --cr3 async -q "$id" \
	> "$T.a.out" 2> "$T.a.err" &
mon=$!
wait_for "symbols ready" "$T.a.err" 120
echo go >&3
wait_for "intro init: opened [0-9]* of [0-9]* watched" "$OUT.raw" 300
sleep 3
kill -TERM $mon
wait $mon
arc=$?
orig=$(sed -n "s/^break $SYM gla 0x[0-9a-f]* gpa 0x[0-9a-f]* orig \(0x[0-9a-f]*\) planted$/\1/p" "$T.a.out")
grep -q "^break $SYM gla 0xffffffff8[0-9a-f]* gpa 0x[0-9a-f]* orig 0x[0-9a-f]* planted$" "$T.a.out" &&
	[ -n "$orig" ] && [ "$orig" != 0xcc ]
ok "monitor A: $SYM translated by the guest's page tables, 0xcc planted (orig $orig)" $? "$T.a.out" "$T.a.err"
hits=$(grep -c "^break $SYM hit [0-9]* vcpu 0 rip 0x" "$T.a.out")
[ "$hits" = 25 ] && grep -q "^break $SYM hit 25 vcpu" "$T.a.out" &&
	grep -q "^  break $SYM: 25 hits$" "$T.a.err"
ok "monitor A: $hits breakpoint hits for the guest's 25 openat calls" $? "$T.a.out" "$T.a.err"
tr -d '\r' < "$OUT.raw" | grep -q "^intro init: opened 25 of 25 watched$"
ok "the guest's 25 opens all succeeded under the breakpoint" $? "$OUT.raw"
rate=$(sed -n 's/^cr3 switches\/s \([0-9]*\)$/\1/p' "$T.a.out" | sort -n | tail -1)
echo "# CR3 loads per second, each second: $(sed -n 's/^cr3 switches\/s //p' "$T.a.out" | tr '\n' ' ')"
[ -n "$rate" ] && [ "$rate" -gt 0 ]
ok "monitor A --cr3: a CR3 rate line each second, nonzero (at most $rate/s)" $? "$T.a.out"
[ $arc = 0 ] && grep -q "^break $SYM gla .* removed$" "$T.a.out" &&
	grep -q "domain $id: interrupted" "$T.a.err"
ok "monitor A: SIGTERM detaches it, the byte written back first (status $arc)" $? "$T.a.out" "$T.a.err"

# ---- monitor B: read the byte back; the text write-protected; --timeout
./thinvmx-monitor --peek "$SYM" --protect-text --system-map "$MAP" --timeout 25 "$id" \
	> "$T.b.out" 2> "$T.b.err" &
mon=$!
wait_for "symbols ready" "$T.b.err" 120
peek=$(sed -n "s/^peek $SYM gla 0x[0-9a-f]* gpa 0x[0-9a-f]* bytes \([0-9a-f]*\) .*/0x\1/p" "$T.b.out")
echo "# $(grep "^peek" "$T.b.out")"
[ -n "$peek" ] && [ "$peek" = "$orig" ]
ok "after detach the original byte is back at $SYM ($peek, was $orig)" $? "$T.b.out" "$T.b.err"
grep -q "text 0xffffffff81000000-0x[0-9a-f]* write-protected ([0-9]* frames" "$T.b.err"
ok "monitor B: the kernel's text write-protected: $(grep -o 'text 0x.*runs)' "$T.b.err")" $? "$T.b.err"
echo more >&3
wait_for "intro init: SO_TIMESTAMP" "$OUT.raw" 300
wait $mon
brc=$?
tr -d '\r' < "$OUT.raw" | grep -q "^intro init: opened 10 of 10 unwatched$"
ok "the guest's opens go on with no breakpoint (none left behind)" $? "$OUT.raw"
writes=$(grep -c "^text-write vcpu" "$T.b.out")
echo "# text writes (rip:text offset): $(sed -n 's/^text-write vcpu [0-9]* rip \(0x[0-9a-f]*\) .* text+\(0x[0-9a-f]*\)$/\1:\2/p' "$T.b.out" | tr '\n' ' ')"
for rip in $(sed -n 's/^text-write vcpu [0-9]* rip \(0x[0-9a-f]*\) .*/\1/p' "$T.b.out" | sort -u); do
	echo "# text writes from rip $rip: $(grep -c " rip $rip " "$T.b.out"), at $(nearest "$rip")"
done
tr -d '\r' < "$OUT.raw" | grep -q "^intro init: SO_TIMESTAMP 0$" &&
	grep -q "^  text writes: $writes$" "$T.b.err" && [ "$writes" -gt 0 ]
ok "monitor B: the kernel's own text patching (a static key) shows: $writes text-write(s)" $? "$T.b.out" "$T.b.err"
[ $brc = 0 ] && grep -q "domain $id: timeout" "$T.b.err"
ok "monitor B: ends on its --timeout (status $brc)" $? "$T.b.err"

# ---- monitor C: the same as JSON lines
./thinvmx-monitor --json --peek "$SYM" --cr3 async -q --system-map "$MAP" --timeout 4 "$id" \
	> "$T.c.out" 2> "$T.c.err"
crc=$?
first=$(printf '%d' "$orig" 2>/dev/null)
[ $crc = 0 ] &&
	grep -q "^{\"peek\":\"$SYM\",\"gla\":\"0xffffffff8[0-9a-f]*\",\"gpa\":\"0x[0-9a-f]*\",\"bytes\":\[$first," "$T.c.out" &&
	grep -q '^{"cr3_per_s":[1-9][0-9]*}$' "$T.c.out" &&
	tail -1 "$T.c.out" | grep -q '"ended":"timeout"'
ok "monitor C --json: the peek, the CR3 rate and the counters as objects (status $crc)" $? "$T.c.out" "$T.c.err"

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
