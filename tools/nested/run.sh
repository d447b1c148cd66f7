#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: boot a kernel in a VM (Bochs with emulated VMX, QEMU TCG, or QEMU
# with KVM), load thinvmx.ko, run a list of tests in one boot, and judge the
# run from the serial console log.  See tools/nested/README.md.
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/common.sh"

usage() {
	cat >&2 <<EOF
usage: $PROG --vm bochs|tcg|kvm|auto --kroot DIR --kver KVER --module FILE.ko
              --tests-dir DIR --list "NAME ..." --out DIR
              [--cpus N] [--mem MB] [--timeout SECONDS] [--test-timeout SECONDS]
              [--cmdline "ARGS"] [--files "SRC:DST ..."] [--qemu-args "ARGS"]
              [--quiet] [--kdump]
--qemu-args: more QEMU options (tcg, kvm), before the default devices, so
that e.g. "-device intel-iommu" comes before the devices it covers
--kdump: a test crashes the kernel into a kdump kernel on purpose; the run
is judged from the crash kernel's tests, and the panic between the test's
"THINVMX-RIG: KDUMP" line (or the kernel's "sysrq: Trigger a crash") and
the crash kernel's banner is no complaint
exit: 0 pass, 1 test failed, 2 usage/host error, 3 kernel complained,
      4 VM type unavailable (skip), 5 no verdict (no boot, crash, time limit)
EOF
	exit 2
}

# Exit codes.
E_PASS=0 E_FAIL=1 E_KERNEL=3 E_SKIP=4 E_NOVERDICT=5 # 2: die()

# Bochs CPU: VMX with EPT, VPID, unrestricted guest (THINVMX_BOCHS_CPU
# overrides). corei7_haswell_4770 by default; skylake_x is what NESTED.md's
# KVM figures were measured on: make bench asks for it. skylake_x has
# XSAVES, and Bochs 2.7 lays out a compacted XSAVE area wrong (the
# clearcpuid below says how).
BOCHS_CPU=${THINVMX_BOCHS_CPU:-corei7_haswell_4770}
BOCHS_IPS=50000000

VM='' KROOT='' KVER='' MODULE='' TESTS_DIR='' LIST='' OUT=''
CPUS=1 MEM=512 TIMEOUT=600 TEST_TIMEOUT=300 CMDLINE_EXTRA='' FILES='' QUIET=0 KDUMP=0
QEMU_EXTRA=

while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--quiet) QUIET=1; shift; continue ;;
	--kdump) KDUMP=1; shift; continue ;;
	-h | --help) usage ;;
	--*) [ $# -ge 2 ] || die "$opt needs a value" ;;
	*) warn "unexpected argument: $opt"; usage ;;
	esac
	val=$2
	shift 2
	case $opt in
	--vm) VM=$val ;;
	--kroot) KROOT=$val ;;
	--kver) KVER=$val ;;
	--module) MODULE=$val ;;
	--tests-dir) TESTS_DIR=$val ;;
	--list) LIST=$val ;;
	--out) OUT=$val ;;
	--cpus) CPUS=$val ;;
	--mem) MEM=$val ;;
	--timeout) TIMEOUT=$val ;;
	--test-timeout) TEST_TIMEOUT=$val ;;
	--cmdline) CMDLINE_EXTRA=$val ;;
	--files) FILES=$val ;;
	--qemu-args) QEMU_EXTRA=$val ;;
	*) warn "unknown option: $opt"; usage ;;
	esac
done

if [ -z "$VM" ] || [ -z "$KROOT" ] || [ -z "$KVER" ] || [ -z "$MODULE" ] ||
	[ -z "$TESTS_DIR" ] || [ -z "$OUT" ]; then
	usage
fi
case $VM in bochs | tcg | kvm | auto) ;; *) die "--vm must be bochs, tcg, kvm or auto" ;; esac
for n in CPUS MEM TIMEOUT TEST_TIMEOUT; do
	[[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "--$(echo "$n" | tr A-Z_ a-z-) must be a positive integer"
done

VMLINUZ=$KROOT/boot/vmlinuz-$KVER
KMODDIR=$KROOT/lib/modules/$KVER/kernel
[ -f "$VMLINUZ" ] || die "no kernel at $VMLINUZ (run tools/nested/kernel.sh)"
[ -f "$MODULE" ] || die "no module at $MODULE"
[ -d "$TESTS_DIR" ] || die "no tests directory $TESTS_DIR"

# --- pick the VM -----------------------------------------------------------

# kvm_unavailable: print why QEMU+KVM with nested VMX cannot be used here.
kvm_unavailable() {
	if [ ! -c /dev/kvm ]; then
		echo "/dev/kvm does not exist"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "/dev/kvm is not accessible"
	elif ! grep -qw vmx /proc/cpuinfo; then
		echo "the host CPU does not offer VMX (no vmx flag in /proc/cpuinfo)"
	else
		local nested
		nested=$(cat /sys/module/kvm_intel/parameters/nested 2>/dev/null)
		case $nested in
		Y | y | 1) ;;
		*) echo "kvm_intel does not offer nested VMX (/sys/module/kvm_intel/parameters/nested: ${nested:-missing})" ;;
		esac
	fi
}

if [ "$VM" = kvm ] || [ "$VM" = auto ]; then
	why=$(kvm_unavailable)
	if [ -z "$why" ]; then
		VM=kvm
	elif [ "$VM" = kvm ]; then
		echo "SKIP: --vm kvm: $why" >&2
		exit $E_SKIP
	else
		warn "auto: not using KVM ($why); using bochs"
		VM=bochs
	fi
fi

need cpio cpio
need gzip gzip
need_file /bin/busybox busybox-static
need_file /usr/bin/lspci pciutils
ldd /bin/busybox >/dev/null 2>&1 &&
	die "/bin/busybox is dynamically linked: install the Debian package 'busybox-static'"
case $VM in
bochs)
	need bochs-bin bochs
	need xorriso xorriso
	need_file /usr/share/bochs/BIOS-bochs-latest bochsbios
	need_file /usr/share/bochs/VGABIOS-lgpl-latest vgabios
	need_file /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so.0.0.0 bochs-term
	need_file /usr/lib/ISOLINUX/isolinux.bin isolinux
	need_file /usr/lib/syslinux/modules/bios/ldlinux.c32 syslinux-common
	;;
*) need qemu-system-x86_64 qemu-system-x86 ;;
esac

# --- check the test list ---------------------------------------------------

TESTS=()
for t in $LIST; do
	[[ $t =~ ^[A-Za-z0-9_.+-]+$ ]] || die "bad test name '$t' (allowed: letters, digits, _ . + -)"
	TESTS+=("$t")
done

mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(readlink -f "$OUT")
SERIAL=$OUT/serial.log
rm -rf "$OUT/initramfs.d" "$OUT/iso.d"
rm -f "$SERIAL" "$OUT"/{initrd.gz,initrd.img,boot.iso,bochsrc,bochs.rc,bochs.log,vm.out,tap.txt}

# --- initramfs -------------------------------------------------------------

ROOT=$OUT/initramfs.d

# copy_libs FILE: add the shared libraries a dynamic ELF FILE needs.
copy_libs() {
	local lib
	head -c4 "$1" 2>/dev/null | grep -q 'ELF' || return 0
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$ROOT$lib" ] && continue
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib" || die "cannot copy $lib (needed by $1)"
	done
}

build_initramfs() {
	local p f src dst

	mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,tests,lib/modules-kvm}
	cp /bin/busybox "$ROOT/bin/busybox"
	for p in $("$ROOT/bin/busybox" --list-full); do
		[ "$p" = bin/busybox ] || ln -sf /bin/busybox "$ROOT/$p"
	done
	install -m 0755 "$HERE/init" "$ROOT/init"
	# lspci (pciutils) with its libraries; no pci.ids: "lspci -n" is numeric
	cp /usr/bin/lspci "$ROOT/usr/bin/lspci"
	copy_libs /usr/bin/lspci
	# lspci -v asks libkmod which modules fit a device; empty module
	# indexes (kmod's format: magic, version, no root node) answer "none"
	# instead of "Unable to load libkmod resources" on stderr.
	mkdir -p "$ROOT/lib/modules/$KVER"
	for f in dep alias symbols builtin.alias builtin; do
		printf '\xb0\x07\xf4\x57\x00\x02\x00\x01\x00\x00\x00\x00' \
			>"$ROOT/lib/modules/$KVER/modules.$f.bin"
	done
	printf 'TEST_TIMEOUT=%s\n' "$TEST_TIMEOUT" >"$ROOT/etc/thinvmx-rig.conf"
	cp "$MODULE" "$ROOT/thinvmx.ko"

	for p in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-intel.ko; do
		[ -f "$KMODDIR/$p" ] || die "$KMODDIR/$p missing (incomplete kernel tree?)"
		cp "$KMODDIR/$p" "$ROOT/lib/modules-kvm/"
	done

	for f in "$TESTS_DIR"/*; do
		# executables, and the test modules (*.ko) some tests load
		if [ ! -f "$f" ]; then continue; fi
		if [ ! -x "$f" ] && [[ $f != *.ko ]]; then continue; fi
		cp -L "$f" "$ROOT/tests/"
		copy_libs "$f"
	done
	printf '%s\n' "${TESTS[@]}" >"$ROOT/tests/list"

	for p in $FILES; do
		[[ $p == *:/* ]] || die "--files entry '$p' is not SRC:/ABSOLUTE/DST"
		src=${p%%:/*}
		dst=/${p#*:/}
		[ -e "$src" ] || die "--files: $src does not exist"
		[[ $dst == */ ]] && dst=$dst$(basename "$src")
		mkdir -p "$ROOT$(dirname "$dst")"
		cp -rL "$src" "$ROOT$dst" || die "--files: cannot copy $src"
		[ -d "$src" ] || copy_libs "$src"
	done

	for t in "${TESTS[@]}"; do
		if [ ! -f "$ROOT/tests/$t" ] || [ ! -x "$ROOT/tests/$t" ]; then
			die "test '$t' is not an executable file in $TESTS_DIR (or --files)"
		fi
	done

	mknod -m 600 "$ROOT/dev/console" c 5 1 2>/dev/null ||
		warn "mknod dev/console failed (not root?); init reopens the console after mounting devtmpfs"

	(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		"${COMPRESS[@]}" >"$OUT/initrd.img" || die "building the initramfs failed"
	rm -rf "$ROOT"
}

# LZ4 unpacks several times faster than gzip in the guest (about 1 s less
# per Bochs boot); the kernel needs the legacy frame format (lz4 -l).
if command -v lz4 >/dev/null && grep -q '^CONFIG_RD_LZ4=y' "$KROOT/boot/config-$KVER" 2>/dev/null; then
	COMPRESS=(lz4 -l -9 -q)
else
	COMPRESS=(gzip -1)
fi

# cryptomgr.notests: the crypto self-tests take ~15 s of guest time in Bochs.
CMDLINE="console=ttyS0,115200 panic=-1 reboot=t thinvmx.tier=$VM cryptomgr.notests"
# Bochs: the TSC advances once per instruction (ips), and its AVX-512 XSAVE
# layout is inconsistent (a boot-time WARN in fpu__init_system_xstate, after
# which the kernel disables XSAVE altogether): hide AVX-512.
# vga=0x301 (read by isolinux): the boot code sets VESA mode 0x101 (640x480,
# 8 bpp, linear framebuffer); Bochs decodes the PCI VGA's framebuffer BAR
# only while VBE is on, and its term display panics (Bochs exits) above 8 bpp.
# xsaves,xsavec: Bochs 2.7's XSAVES and XSAVEC write the YMM component
# at byte 416 of the area instead of 576 (fixed upstream in 2024,
# "XSAVEC/XSAVEC: don't allow 'compaction' of SSE state"), over the XSAVE
# header: a task preempted with YMM7-9's upper halves live (glibc's AVX
# memcpy) gets a header the next XRSTORS refuses ("Bad FPU state detected
# at restore_fpregs_from_fpstate"; boot_bench's KVM boot hit it in
# kvm_put_guest_fpu) and wrong YMM upper halves. Without both the kernel
# saves with XSAVEOPT in the standard format, which Bochs lays out right
# (avx_state_test checks it; clearing xsaves alone leaves 6.1 on XSAVEC).
# A no-op on models without them (Haswell).
[ "$VM" = bochs ] && CMDLINE="$CMDLINE tsc_early_khz=$((BOCHS_IPS / 1000)) clearcpuid=avx512f,xsaves,xsavec vga=0x301"
[ -n "$CMDLINE_EXTRA" ] && CMDLINE="$CMDLINE $CMDLINE_EXTRA"

build_iso() {
	local d=$OUT/iso.d
	mkdir -p "$d/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$d/isolinux/"
	cp "$VMLINUZ" "$d/vmlinuz"
	cp "$OUT/initrd.img" "$d/initrd.img"
	cat >"$d/isolinux/isolinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND $CMDLINE
EOF
	xorriso -as mkisofs -quiet -o "$OUT/boot.iso" -R -J \
		-b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table "$d" >"$OUT/vm.out" 2>&1 ||
		die "xorriso failed: $(cat "$OUT/vm.out")"
	rm -rf "$d"
}

write_bochsrc() {
	cat >"$OUT/bochsrc" <<EOF
# Generated by tools/nested/run.sh
# Bochs 2.7 allocates at most 2048 MB of host memory; a larger guest
# gets the rest on demand (memory blocks past host= are swapped to a file)
memory: guest=$MEM, host=$((MEM > 2048 ? 2048 : MEM))
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
cpu: model=$BOCHS_CPU, count=$CPUS, ips=$BOCHS_IPS, reset_on_triple_fault=0
ata0-master: type=cdrom, path=$OUT/boot.iso, status=inserted
boot: cdrom
display_library: term
com1: enabled=1, mode=file, dev=$SERIAL
log: $OUT/bochs.log
# the guest's ACPI power-off is a Bochs "panic": fatal makes Bochs exit
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
clock: sync=none, time0=local
# PCI VGA (1234:1111) with Bochs VBE: BAR0 is a 16 MiB framebuffer
vga: extension=vbe
pci: enabled=1, chipset=i440fx, slot1=pcivga
mouse: enabled=0
speaker: enabled=0
sound: driver=dummy
EOF
	# Debian's bochs-bin has the debugger built in: continue, then quit.
	printf 'c\nquit\n' >"$OUT/bochs.rc"
}

T0=$EPOCHREALTIME
elapsed() {
	local now=$EPOCHREALTIME
	local us=$((${now/./} - ${T0/./}))
	printf '%d.%d' $((us / 1000000)) $((us / 100000 % 10))
}
progress() {
	printf '[%6ss] %s\n' "$(elapsed)" "$*" >&2
}

build_initramfs
progress "initramfs: $(du -k "$OUT/initrd.img" | cut -f1) KiB (${COMPRESS[0]}), ${#TESTS[@]} test(s); vm=$VM cpus=$CPUS"

VMPID=
stop_vm() {
	[ -n "$VMPID" ] && kill -TERM "$VMPID" 2>/dev/null
}
trap 'stop_vm; exit 130' INT TERM HUP PIPE

: >"$SERIAL"
case $VM in
bochs)
	build_iso
	write_bochsrc
	(cd "$OUT" && TERM=xterm exec timeout -k 10 "$TIMEOUT" \
		bochs-bin -q -f bochsrc -rc bochs.rc </dev/null >"$OUT/vm.out" 2>&1) &
	VMPID=$!
	;;
tcg | kvm)
	# A PCI device with MSI-X and no driver in the cloud kernel (README).
	QEMU_DEVICES=(-device 'e1000e,addr=02.0')
	# word-split on purpose: options and their values, no spaces inside
	# shellcheck disable=SC2206
	[ -n "$QEMU_EXTRA" ] && QEMU_DEVICES=($QEMU_EXTRA "${QEMU_DEVICES[@]}")
	if [ "$VM" = kvm ]; then accel=(-accel kvm -cpu host); else accel=(-accel tcg -cpu max); fi
	timeout -k 10 "$TIMEOUT" qemu-system-x86_64 "${accel[@]}" -machine q35 \
		-smp "$CPUS" -m "$MEM" -nodefaults -no-reboot -display none \
		-serial "file:$SERIAL" "${QEMU_DEVICES[@]}" -kernel "$VMLINUZ" -initrd "$OUT/initrd.img" \
		-append "$CMDLINE" </dev/null >"$OUT/vm.out" 2>&1 &
	VMPID=$!
	;;
esac
progress "$VM started (time limit ${TIMEOUT}s, serial log $SERIAL)"

# --- reading the serial log ---------------------------------------------------
#
# Lines the rig writes come through /dev/kmsg, so on the console they are
# "[ seconds] TEXT" like kernel messages; the dmesg dump at the end is
# "DMESG: <prio>[ seconds] TEXT" where prio = facility * 8 + level and the
# rig's own records have facility 1 (user).

TS_RE='^\[ *[0-9]+\.[0-9]+\] ?'
RIG_RE='^(TAP version 13$|1\.\.[0-9]+$|(not )?ok [0-9]+( |$)|# |THINVMX-RIG: )'
RESULT_RE='^(not )?ok [0-9]+'
VERDICT_RE='THINVMX-RIG: DONE pass=([0-9]+) fail=([0-9]+) skip=([0-9]+)'
# Kernel messages that mean the kernel is unhappy.  "WARNING:" only at the
# start of a message (a WARN splat, lockdep, RCU), so that e.g.
# "RETBleed: WARNING: ... vulnerable" does not count.
# asked-for backtraces (THINVMX-RIG: BACKTRACES BEGIN ... END, below)
BACKTRACE_RE='Call Trace|^RIP: '
COMPLAINT_RE='^WARNING:|WARNING: CPU: [0-9]+ PID:|BUG:|kernel BUG at|Oops|Kernel panic|Call Trace|general protection fault|[Uu]nable to handle|^RIP: |UBSAN:|KASAN:|detected stall|blocked for more than|hard LOCKUP'

# classify LINE: sets KIND (rig, kernel, dmesg-rig, dmesg-kernel) and TEXT.
classify() {
	local l=$1
	if [[ $l == DMESG:\ * ]]; then
		l=${l#DMESG: }
		if [[ $l =~ ^\<([0-9]+)\>(.*)$ ]]; then
			local prio=${BASH_REMATCH[1]}
			l=${BASH_REMATCH[2]}
			[[ $l =~ $TS_RE ]] && l=${l#"${BASH_REMATCH[0]}"}
			TEXT=$l
			((prio < 8)) && KIND=dmesg-kernel || KIND=dmesg-rig
			return
		fi
		KIND=dmesg-kernel TEXT=$l
		return
	fi
	[[ $l =~ $TS_RE ]] && l=${l#"${BASH_REMATCH[0]}"}
	TEXT=$l
	if [[ $l =~ $RIG_RE ]]; then KIND=rig; else KIND=kernel; fi
}

LINES_SEEN=0 SEEN_BOOTLOADER='' SEEN_KERNEL='' SEEN_USER='' SEEN_DONE=''
WATCH_BACKTRACES=0
# watch: report milestones in the lines of the serial log added since the
# last call (complete lines only).
watch() {
	local total line
	total=$(grep -c '' "$SERIAL")
	[ -n "$(tail -c1 "$SERIAL")" ] && total=$((total - 1))
	((total > LINES_SEEN)) || return 0
	while IFS= read -r line; do
		classify "$line"
		case $KIND in
		rig)
			if [[ $TEXT =~ $RESULT_RE ]]; then
				progress "$TEXT"
			elif [[ $TEXT == THINVMX-RIG:\ BOOT* ]]; then
				SEEN_USER=1
				progress "userspace up (${TEXT#THINVMX-RIG: BOOT })"
			elif [[ $TEXT == "THINVMX-RIG: BACKTRACES BEGIN"* ]]; then
				WATCH_BACKTRACES=1
				progress "backtraces asked for (not complaints)"
			elif [[ $TEXT == "THINVMX-RIG: BACKTRACES END"* ]]; then
				WATCH_BACKTRACES=0
			fi
			;;
		kernel)
			if [ -z "$SEEN_BOOTLOADER" ] && [[ $TEXT == ISOLINUX* ]]; then
				SEEN_BOOTLOADER=1
				progress "bootloader running"
			elif [ -z "$SEEN_KERNEL" ] && [[ $TEXT == "Linux version"* ]]; then
				SEEN_KERNEL=1
				progress "kernel booting"
			elif [[ $TEXT =~ $COMPLAINT_RE ]] &&
			     ! { [ $WATCH_BACKTRACES = 1 ] && [[ $TEXT =~ $BACKTRACE_RE ]]; }; then
				progress "kernel: $TEXT"
			fi
			;;
		esac
		# anywhere in a line: the end of the dmesg dump may precede it
		if [[ $line =~ $VERDICT_RE ]]; then
			SEEN_DONE=1
			progress "verdict: ${BASH_REMATCH[0]#THINVMX-RIG: DONE }"
		fi
	done < <(sed -n "$((LINES_SEEN + 1)),${total}p" "$SERIAL" | tr -d '\r')
	LINES_SEEN=$total
}

DONE_AT='' VMRC=''
while :; do
	watch
	# The guest powers off right after the verdict; don't wait for a VM
	# that fails to exit.
	if [ -n "$SEEN_DONE" ]; then
		DONE_AT=${DONE_AT:-$SECONDS}
		if ((SECONDS - DONE_AT > 20)); then
			warn "the VM did not exit after the verdict: stopping it"
			stop_vm
		fi
	fi
	# Sleep a second, or less if the VM exits first.
	sleep 1 &
	tick=$!
	wait -n -p done_pid "$VMPID" "$tick"
	rc=$?
	if [ "${done_pid:-}" = "$VMPID" ]; then
		VMRC=$rc
		kill "$tick" 2>/dev/null
		wait "$tick" 2>/dev/null
		break
	fi
	if ! kill -0 "$VMPID" 2>/dev/null; then
		wait "$VMPID"
		VMRC=$?
		break
	fi
done
VMPID=
watch
progress "$VM exited (rc $VMRC)"

# --- verdict ---------------------------------------------------------------

TAP=() COMPLAINTS=() RESULTS=0
# --kdump: 0 before the crash, 1 from the test's KDUMP line to the crash
# kernel's banner (the deliberate panic), 2 in the crash kernel
KDUMP_PHASE=0
# Between a test's "THINVMX-RIG: BACKTRACES BEGIN" and "... END" lines the
# kernel prints backtraces it was asked for (sysrq-l: an NMI to every
# CPU): their "Call Trace" and "RIP:" lines are no complaint there; a
# WARN, BUG or Oops still is.
BACKTRACES=0
declare -A SEEN_COMPLAINT=()
while IFS= read -r line; do
	classify "$line"
	case $TEXT in
	"THINVMX-RIG: BACKTRACES BEGIN"*) BACKTRACES=1 ;;
	"THINVMX-RIG: BACKTRACES END"*) BACKTRACES=0 ;;
	esac
	if [ $KDUMP = 1 ]; then
		if [ $KDUMP_PHASE = 0 ] && [[ $TEXT == THINVMX-RIG:\ KDUMP* || $TEXT == "sysrq: Trigger a crash" ]]; then
			KDUMP_PHASE=1 TAP=() RESULTS=0
		elif [ $KDUMP_PHASE = 1 ] && [[ $TEXT == "Linux version"* ]]; then
			KDUMP_PHASE=2
		fi
		[ $KDUMP_PHASE = 1 ] && continue
	fi
	case $KIND in
	rig)
		[[ $TEXT == THINVMX-RIG:* ]] && continue
		TAP+=("$TEXT")
		[[ $TEXT =~ $RESULT_RE ]] && RESULTS=$((RESULTS + 1))
		;;
	kernel | dmesg-kernel)
		[ $BACKTRACES = 1 ] && [[ $TEXT =~ $BACKTRACE_RE ]] && continue
		if [[ $TEXT =~ $COMPLAINT_RE ]] && [ -z "${SEEN_COMPLAINT[$TEXT]:-}" ]; then
			SEEN_COMPLAINT[$TEXT]=1
			COMPLAINTS+=("$TEXT")
		fi
		;;
	esac
done < <(tr -d '\r' <"$SERIAL")

printf '%s\n' "${TAP[@]}" >"$OUT/tap.txt"
for l in "${TAP[@]}"; do
	if [ $QUIET = 0 ] || [[ $l =~ $RESULT_RE ]]; then
		printf '%s\n' "$l"
	fi
done

PLAN=$((${#TESTS[@]} + 2))
VERDICT=$(tr -d '\r' <"$SERIAL" | grep -aoE "$VERDICT_RE" | tail -n1)
REASONS=() CODE=$E_PASS
if [ ${#COMPLAINTS[@]} -gt 0 ]; then
	CODE=$E_KERNEL
	REASONS+=("the kernel complained (${#COMPLAINTS[@]} line(s)):")
	for l in "${COMPLAINTS[@]:0:40}"; do REASONS+=("  $l"); done
fi
if [ $KDUMP = 1 ] && [ $KDUMP_PHASE != 2 ]; then
	[ $CODE = $E_PASS ] && CODE=$E_FAIL
	if [ $KDUMP_PHASE = 0 ]; then
		REASONS+=("--kdump: no test crashed the kernel (no THINVMX-RIG: KDUMP or sysrq line)")
	else
		REASONS+=("--kdump: the crash kernel did not start")
	fi
fi
if [ -z "$VERDICT" ]; then
	[ $CODE = $E_PASS ] && CODE=$E_NOVERDICT
	# The step that was running: 1 is insmod, then the tests, then rmmod.
	if [ -z "$SEEN_USER" ]; then
		during=
	elif ((RESULTS == 0)); then
		during=" (during insmod)"
	elif ((RESULTS <= ${#TESTS[@]})); then
		during=" (during test ${TESTS[RESULTS - 1]})"
	else
		during=" (after the tests)"
	fi
	if [ "$VMRC" = 124 ] || [ "$VMRC" = 137 ]; then
		REASONS+=("no verdict: the ${TIMEOUT}s time limit passed$during (raise --timeout?)")
	elif [ -z "$SEEN_KERNEL" ]; then
		REASONS+=("no verdict: the kernel did not start (see $OUT/vm.out)")
	elif [ -z "$SEEN_USER" ]; then
		REASONS+=("no verdict: the kernel did not reach userspace")
	else
		REASONS+=("no verdict: the VM stopped$during")
	fi
else
	[[ $VERDICT =~ $VERDICT_RE ]]
	PASS=${BASH_REMATCH[1]} FAIL=${BASH_REMATCH[2]} SKIP=${BASH_REMATCH[3]}
	if [ "$FAIL" != 0 ]; then
		[ $CODE = $E_PASS ] && CODE=$E_FAIL
		REASONS+=("$FAIL test(s) failed")
	fi
	if [ "$RESULTS" != "$PLAN" ] || [ $((PASS + FAIL + SKIP)) != "$PLAN" ]; then
		[ $CODE = $E_PASS ] && CODE=$E_FAIL
		REASONS+=("expected $PLAN results, the log has $RESULTS (verdict: pass=$PASS fail=$FAIL skip=$SKIP)")
	fi
fi

if [ $CODE = $E_PASS ]; then
	STATUS=PASS
else
	STATUS=FAIL
	for r in "${REASONS[@]}"; do echo "$PROG: $r" >&2; done
	echo "$PROG: serial log: $SERIAL" >&2
fi
echo "# thinvmx-rig: vm=$VM ${VERDICT#THINVMX-RIG: DONE }${VERDICT:+ }kernel-complaints=${#COMPLAINTS[@]} wall=$(elapsed)s: $STATUS"
exit $CODE
