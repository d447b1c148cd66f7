#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# thinvmx-run --kernel: Debian's own kernel (the one this VM runs, put at
# /boot/vmlinuz by the rig) booted in a domain through the x86 64-bit boot
# protocol (lib/boot.c, lib/linux.c). Its early console shows what it was
# given: our command line, our e820 map with the legacy hole reserved, the
# initrd where the loader put it, the ACPI tables at 0xe0000 with the
# MADT's CPU. Bad images and command lines are refused with the reason.
# The guest must end on its own (power-off, reboot or halt) within the
# timeout, never hang. Requires: root, usable VMX, thinvmx-run next to
# this script. Prints TAP; exits 0, 1 (a check failed) or 4 (nothing ran).
cd "$(dirname "$0")" || exit 1
. ./tvx_tap.sh
KERNEL=/boot/vmlinuz
OUT=/tmp/linux_boot.out

[ -x ./thinvmx-run ] || { echo "1..0 # SKIP thinvmx-run missing"; exit 4; }
[ -r "$KERNEL" ] || { echo "1..0 # SKIP no $KERNEL"; exit 4; }
[ -e /dev/thinvmx ] || { echo "1..0 # SKIP no /dev/thinvmx"; exit 4; }
./thinvmx-ctl caps >/dev/null 2>&1 || { echo "1..0 # SKIP VMX not usable"; exit 4; }
echo "TAP version 13"
echo "1..10"

mark="tvx.mark=$$"
head -c 1048576 /dev/zero > /tmp/linux_boot.initrd
start=$(date +%s)
timeout 400 ./thinvmx-run -m 128 --kernel "$KERNEL" --initrd /tmp/linux_boot.initrd \
	--append "console=ttyS0 earlyprintk=serial,ttyS0,115200 nokaslr panic=-1 $mark" \
	> "$OUT" 2>&1
rc=$?
# the guest's console ends its lines with CR LF
tr -d '\r' < "$OUT" > "$OUT.txt" && mv "$OUT.txt" "$OUT"
echo "# thinvmx-run: status $rc after $(( $(date +%s) - start )) s; last line: $(tail -1 "$OUT")"
grep -E "BIOS-e820|RAMDISK" "$OUT" | sed 's/^/# guest: /'
[ $rc != 124 ] && [ $rc != 1 ] && [ $rc != 2 ]
ok "the guest ends on its own (status $rc: 0 power-off, 3 reboot)" $? "$OUT"
grep -q "Linux version 6\.1\." "$OUT"
ok "the kernel starts: its banner on the early console" $? "$OUT"
grep -q "Command line: console=ttyS0 .* $mark\$" "$OUT"
ok "it has our command line" $? "$OUT"
# 128 MiB, or less the module's two helper pages where it needs them
grep -q "BIOS-e820: \[mem 0x0000000000000000-0x000000000009fbff\] usable" "$OUT" &&
	grep -q "BIOS-e820: \[mem 0x000000000009fc00-0x00000000000fffff\] reserved" "$OUT" &&
	grep -Eq "BIOS-e820: \[mem 0x0000000000100000-0x0000000007ff(ffff|dfff)\] usable" "$OUT"
ok "it has our e820 map: the legacy hole reserved, RAM above" $? "$OUT"
# 1 MiB, page-aligned, as high as RAM goes
grep -Eq "RAMDISK: \[mem (0x07f00000-0x07ffffff|0x07efe000-0x07ffdfff)\]" "$OUT"
ok "the initrd is where the loader put it" $? "$OUT"
grep -q "ACPI: RSDP 0x00000000000E0000 000024 (v02 THINVX)" "$OUT" &&
	grep -q "ACPI: APIC 0x" "$OUT" && grep -q "ACPI: FACP 0x" "$OUT"
ok "it finds the ACPI tables: RSDP, FADT, MADT" $? "$OUT"
grep -q "smpboot: Allowing 1 CPUs" "$OUT"
ok "the MADT's one CPU is the CPU it allows" $? "$OUT"
grep -q "unchecked MSR access error" "$OUT"
[ $? = 1 ]
ok "no MSR the kernel touches early is #GP" $? "$OUT"

./thinvmx-run -m 128 --kernel ./thinvmx-run > /tmp/linux_boot.bad 2>&1
[ $? = 1 ] && grep -q "cannot boot ./thinvmx-run: not a bzImage" /tmp/linux_boot.bad
ok "a file that is no bzImage: refused with the reason" $? /tmp/linux_boot.bad
long=$(head -c 3000 /dev/zero | tr '\0' x)
./thinvmx-run -m 128 --kernel "$KERNEL" --append "$long" > /tmp/linux_boot.bad 2>&1
[ $? = 1 ] && grep -q "command line longer than the kernel takes" /tmp/linux_boot.bad
ok "a command line past the kernel's cmdline_size: refused" $? /tmp/linux_boot.bad

rm -f /tmp/linux_boot.initrd
exit $fail
