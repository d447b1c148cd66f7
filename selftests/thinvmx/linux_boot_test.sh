#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# thinvmx-run --kernel: Debian's own kernel (the one this VM runs, put at
# /boot/vmlinuz by the rig) boots in a domain to its /init, with one vCPU
# and with two. The domain has the module's local APICs; thinvmx-run adds
# the UART at 0x3f8 and the IOAPIC its interrupt goes through. The /init
# (busybox, from this VM) prints what it finds -- CPUs online, the serial
# port's interrupts counted in /proc/interrupts -- and then runs a shell
# on the console, whose commands come through thinvmx-run's stdin; the
# last one powers the guest off and thinvmx-run exits 0. The early console
# shows what the guest was given: our command line, e820 map, initrd
# placement, ACPI tables. Bad images and command lines are refused with
# the reason. Requires: root, usable VMX, thinvmx-run, thinvmx-ctl and
# tvx_tap.sh next to this script, /bin/busybox. Prints TAP; exits 0, 1 or 4.
cd "$(dirname "$0")" || exit 1
. ./tvx_tap.sh
KERNEL=/boot/vmlinuz
PVPANIC=/lib/pvpanic
VMLINUX=/boot/vmlinux
OUT=/tmp/linux_boot.out
ROOT=/tmp/linux_boot.root
INITRD=/tmp/linux_boot.initrd

[ -x ./thinvmx-run ] || { echo "1..0 # SKIP thinvmx-run missing"; exit 4; }
[ -r "$KERNEL" ] || { echo "1..0 # SKIP no $KERNEL"; exit 4; }
[ -x /bin/busybox ] || { echo "1..0 # SKIP no /bin/busybox"; exit 4; }
./thinvmx-ctl caps >/dev/null 2>&1 || { echo "1..0 # SKIP VMX not usable"; exit 4; }
echo "TAP version 13"
echo "1..24"

# the guest's initramfs: busybox and an /init
rm -rf "$ROOT"
mkdir -p "$ROOT/bin" "$ROOT/dev" "$ROOT/proc" "$ROOT/sys" "$ROOT/lib/pvpanic"
cp /bin/busybox "$ROOT/bin/busybox"
# Debian's pvpanic drivers are modules: the rig puts them at $PVPANIC
cp "$PVPANIC"/pvpanic.ko "$PVPANIC"/pvpanic-mmio.ko "$ROOT/lib/pvpanic/" 2>/dev/null
cat > "$ROOT/init" <<'EOI'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev
mount -t sysfs sysfs /sys
exec </dev/console >/dev/console 2>&1
echo "guest init: hello from $(uname -r)"
echo "guest init: cpus online $(grep -c ^processor /proc/cpuinfo)"
echo "guest init: serial interrupts $(grep -c ttyS /proc/interrupts)"
if insmod /lib/pvpanic/pvpanic.ko && insmod /lib/pvpanic/pvpanic-mmio.ko; then
	echo "guest init: pvpanic on $(ls /sys/bus/platform/drivers/pvpanic-mmio | grep QEMU0001)"
fi
head -3 /proc/interrupts | sed 's/^/guest init: | /'
echo "guest init: shell"
exec sh
EOI
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | cpio -o -H newc -R 0:0 2>/dev/null) | gzip > "$INITRD"

CMDLINE="console=ttyS0 earlyprintk=serial,ttyS0,115200 nokaslr panic=-1 tsc=reliable sysctl.vm.compaction_proactiveness=0"

# boot $1 vCPUs; the shell's last command $2 (poweroff -f by default),
# more of the command line in $3; the shell's commands come on stdin
boot() {
	start=$(date +%s)
	printf 'echo "shell says $((6 * 7)) on $(nproc) CPUs"\n%s\n' "${2:-poweroff -f}" |
		timeout 600 ./thinvmx-run -m 192 -c "$1" $RUN_EXTRA --kernel "${IMAGE:-$KERNEL}" \
			--initrd "$INITRD" --append "$CMDLINE $mark${3:+ $3}" > "$OUT.raw" 2>&1
	rc=$?
	# the guest's console ends its lines with CR LF
	tr -d '\r' < "$OUT.raw" > "$OUT"
	echo "# $1 vCPU(s): thinvmx-run status $rc after $(( $(date +%s) - start )) s"
}

mark="tvx.mark=$$"
boot 1
[ $rc = 0 ] && grep -q "reboot: Power down" "$OUT"
ok "1 vCPU: the guest powers off, thinvmx-run exits 0 (status $rc)" $? "$OUT"
grep -q "Linux version 6\.1\." "$OUT"
ok "1 vCPU: the kernel's banner on the early console" $? "$OUT"
grep -q "Command line: console=ttyS0 .* $mark\$" "$OUT"
ok "1 vCPU: it has our command line" $? "$OUT"
grep -q "BIOS-e820: \[mem 0x0000000000000000-0x000000000009fbff\] usable" "$OUT" &&
	grep -q "BIOS-e820: \[mem 0x000000000009fc00-0x00000000000fffff\] reserved" "$OUT" &&
	grep -Eq "BIOS-e820: \[mem 0x0000000000100000-0x000000000bff(ffff|dfff)\] usable" "$OUT"
ok "1 vCPU: our e820 map: the legacy hole reserved, RAM above" $? "$OUT"
grep -q "ACPI: RSDP 0x00000000000E0000 000024 (v02 THINVX)" "$OUT" &&
	grep -q "IOAPIC\[0\]: apic_id 1, version 32, address 0xfec00000, GSI 0-23" "$OUT" &&
	grep -q "ACPI: PM: (supports S0 S5)" "$OUT"
ok "1 vCPU: ACPI: RSDP, the IOAPIC, power-off through S5" $? "$OUT"
grep -q "ttyS0 at I/O 0x3f8 (irq = [0-9]*, base_baud = 115200) is a 16550A" "$OUT" &&
	grep -q "pnp: PnP ACPI: found 1 devices" "$OUT"
ok "1 vCPU: the UART is a 16550A, COM1 in the DSDT" $? "$OUT"
grep -q "^guest init: hello from 6\.1\." "$OUT"
ok "1 vCPU: /init runs and prints" $? "$OUT"
grep -q "^guest init: cpus online 1$" "$OUT" && grep -q "^guest init: serial interrupts 1$" "$OUT"
ok "1 vCPU: /proc/cpuinfo and /proc/interrupts (the serial port's IRQ) read" $? "$OUT"
grep -q "^shell says 42 on 1 CPUs$" "$OUT"
ok "1 vCPU: a shell on the console answers a command from stdin" $? "$OUT"
grep -q "unchecked MSR access error\|WARNING:\|BUG:\|Call Trace" "$OUT"
[ $? = 1 ]
ok "1 vCPU: no MSR #GP, warning or oops in the guest" $? "$OUT"

# The same kernel's ELF vmlinux (the rig extracts it from the bzImage)
# through its PVH entry: hvm_start_info, its memory map, the initrd. With
# 16 spare frames above the 192 MiB: the domain has them, the guest's map
# says reserved.
if [ -r "$VMLINUX" ]; then
	IMAGE=$VMLINUX RUN_EXTRA="--spare-frames 16" boot 1
	[ $rc = 0 ] && grep -q "reboot: Power down" "$OUT" &&
		grep -q "^guest init: hello from 6\.1\." "$OUT" &&
		grep -q "BIOS-e820: \[mem 0x0000000000100000-" "$OUT" &&
		! grep -q "Decompressing Linux" "$OUT"
	ok "PVH: the vmlinux ELF boots through its PVH note (no decompressor) to /init, powers off (status $rc)" $? "$OUT"
	grep -q "thinvmx-run: spare frames 0xc000-0xc00f not in the guest's map" "$OUT" &&
		grep -q "BIOS-e820: \[mem 0x000000000c000000-0x000000000c00ffff\] reserved" "$OUT"
	ok "PVH: --spare-frames 16: the domain's frames 0xc000-0xc00f are reserved in the guest's map" $? "$OUT"
else
	skip "PVH: the vmlinux ELF boots through its PVH note" "no $VMLINUX"
	skip "PVH: --spare-frames 16" "no $VMLINUX"
fi

boot 2 "reboot -f"
[ $rc = 3 ] && grep -q "reboot: Restarting system" "$OUT" &&
	grep -q "thinvmx-run: .*rebooted" "$OUT"
ok "2 vCPUs: the guest's reboot ends thinvmx-run with status 3 (status $rc)" $? "$OUT"
grep -q "smpboot: Total of 2 processors activated" "$OUT"
ok "2 vCPUs: the second CPU comes up (INIT, SIPI)" $? "$OUT"
grep -q "^guest init: cpus online 2$" "$OUT"
ok "2 vCPUs: both online in /proc/cpuinfo" $? "$OUT"
grep -q "^shell says 42 on 2 CPUs$" "$OUT"
ok "2 vCPUs: the shell answers" $? "$OUT"
grep -q "unchecked MSR access error\|WARNING:\|BUG:\|Call Trace" "$OUT"
[ $? = 1 ]
ok "2 vCPUs: no MSR #GP, warning or oops in the guest" $? "$OUT"

# A guest that panics: with the pvpanic driver loaded (its /init does),
# it says so on port 0x505 before panic=-1 reboots it.
if [ -f "$ROOT/lib/pvpanic/pvpanic-mmio.ko" ]; then
	boot 1 "echo c > /proc/sysrq-trigger"
	grep -q "^guest init: pvpanic on QEMU0001:00$" "$OUT"
	ok "pvpanic: the driver binds to the DSDT's QEMU0001 (port 0x505)" $? "$OUT"
	[ $rc = 4 ] && grep -q "Kernel panic - not syncing: sysrq triggered crash" "$OUT" &&
		grep -q "thinvmx-run: .*panicked" "$OUT"
	ok "a guest's panic ends thinvmx-run with status 4 (status $rc)" $? "$OUT"
else
	skip "pvpanic: the driver binds to the DSDT's QEMU0001 (port 0x505)" "no $PVPANIC"
	skip "a guest's panic ends thinvmx-run with status 4" "no $PVPANIC"
fi

# Killing thinvmx-run while its guest boots (both vCPUs running) leaves
# the host clean: no domain left, the module's reference count back, and
# the next guest boots (the panic boot below).
domains_before=$(./thinvmx-ctl domains 2>/dev/null | grep -c .)
./thinvmx-run -m 192 -c 2 --kernel "$KERNEL" --initrd "$INITRD" \
	--append "$CMDLINE $mark" > "$OUT.raw" 2>&1 &
pid=$!
t=0
while ! grep -q "smpboot: Total of 2 processors" "$OUT.raw" && [ $t -lt 300 ]; do
	sleep 1
	t=$((t + 1))
done
kill -9 $pid
wait $pid
rc=$?
sleep 1
tr -d '\r' < "$OUT.raw" > "$OUT"
[ $rc = 137 ] && grep -q "smpboot: Total of 2 processors" "$OUT"
ok "thinvmx-run killed (SIGKILL) with both vCPUs booting Linux (status $rc after ${t} s)" $? "$OUT"
[ "$(./thinvmx-ctl domains 2>/dev/null | grep -c .)" = "$domains_before" ] &&
	[ "$(cat /sys/module/thinvmx/refcnt)" = 0 ]
ok "no domain left, the module's reference count is 0" $?

# A command line that panics (no init: the kernel looks for a root file
# system there is none of) before the driver could be loaded: panic=-1
# reboots the guest, and status 3 says so; the panic is on the console.
boot 1 "poweroff -f" "rdinit=/nonexistent root=/dev/nonexistent"
[ $rc = 3 ] && grep -q "Kernel panic - not syncing: VFS: Unable to mount root fs" "$OUT"
ok "a command line that panics: the panic on the console, then status 3 (status $rc)" $? "$OUT"

./thinvmx-run -m 128 --kernel ./thinvmx-run > /tmp/linux_boot.bad 2>&1
[ $? = 1 ] && grep -q "cannot boot ./thinvmx-run: not a bzImage" /tmp/linux_boot.bad
ok "a file that is no kernel: refused with the reason" $? /tmp/linux_boot.bad
long=$(head -c 3000 /dev/zero | tr '\0' x)
./thinvmx-run -m 128 --kernel "$KERNEL" --append "$long" > /tmp/linux_boot.bad 2>&1
[ $? = 1 ] && grep -q "command line longer than the kernel takes" /tmp/linux_boot.bad
ok "a command line past the kernel's cmdline_size: refused" $? /tmp/linux_boot.bad

rm -rf "$ROOT" "$INITRD"
exit $fail
