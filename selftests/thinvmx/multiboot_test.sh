#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# thinvmx-run --kernel with a multiboot (v1) kernel: mb_guest (mb_guest.s),
# as an ELF and as a flat image with the header's address fields; and with
# a PVH kernel, the same code with the PVH note (pvh_guest.elf). The
# guest checks the boot magic and its zeroed bss, prints what the
# multiboot information says (memory sizes, command line, loader name,
# the module's length and byte sum, the memory map's entries) and ends
# through the isa-debug-exit port; each value is compared with what was
# given. Requires: root, usable VMX, thinvmx-run, thinvmx-ctl and the
# mb_guest images next to this script. Prints TAP; exits 0, 1 or 4.
cd "$(dirname "$0")" || exit 1
. ./tvx_tap.sh

[ -x ./thinvmx-run ] && [ -f ./mb_guest.elf ] && [ -f ./mb_guest.bin ] ||
	{ echo "1..0 # SKIP thinvmx-run or mb_guest missing"; exit 4; }
./thinvmx-ctl caps >/dev/null 2>&1 || { echo "1..0 # SKIP VMX not usable"; exit 4; }
echo "TAP version 13"
echo "1..12"

# a module of 3000 bytes, each 7: its sum is 21000
head -c 3000 /dev/zero | tr '\0' '\007' > /tmp/mb.module
for img in mb_guest.elf mb_guest.bin; do
	out=/tmp/mb.$img.out
	timeout 120 ./thinvmx-run -m 16 --debug-exit --kernel "./$img" \
		--initrd /tmp/mb.module --append "multiboot says hello" > "$out" 2>&1
	rc=$?
	[ $rc = 67 ] && grep -q "^mb: magic ok$" "$out"
	ok "$img: started with the boot magic, ends through the debug exit (status $rc)" $? "$out"
	# 16 MiB of RAM: 639 KiB below 1 MiB, 15 MiB above
	grep -q "^mb: mem_lower=639 mem_upper=15360$" "$out"
	ok "$img: memory sizes" $? "$out"
	grep -q "^mb: cmdline=multiboot says hello$" "$out" &&
		grep -q "^mb: loader=thinvmx$" "$out"
	ok "$img: command line and loader name" $? "$out"
	grep -q "^mb: mods=1 len=3000 sum=21000$" "$out" &&
		grep -Eq "^mb: mmap entries=[3-9]$" "$out"
	ok "$img: the module, page-aligned, and the memory map" $? "$out"
done
# PVH: the same kernel with the PVH note and no multiboot header
out=/tmp/mb.pvh_guest.elf.out
timeout 120 ./thinvmx-run -m 16 --debug-exit --kernel ./pvh_guest.elf \
	--initrd /tmp/mb.module --append "pvh says hello" > "$out" 2>&1
rc=$?
[ $rc = 67 ] && grep -q "^mb: magic ok$" "$out"
ok "pvh_guest.elf: hvm_start_info version 1, ends through the debug exit (status $rc)" $? "$out"
grep -q "^mb: cmdline=pvh says hello$" "$out"
ok "pvh_guest.elf: command line" $? "$out"
# 0xe0000, where an "RSD PTR " signature is
grep -q "^mb: rsdp=917504$" "$out"
ok "pvh_guest.elf: the RSDP" $? "$out"
grep -q "^mb: mods=1 len=3000 sum=21000$" "$out" &&
	grep -Eq "^mb: mmap entries=[3-9]$" "$out"
ok "pvh_guest.elf: the module, page-aligned, and the memory map" $? "$out"
rm -f /tmp/mb.module
exit $fail
