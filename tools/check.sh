#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every tier of thinvmx's tests, in order of cost:
#   setup, build, unit (cmocka), kbuild (W=1 + sparse), checkpatch,
#   packages (the Debian packages built, installed on this machine, used
#   and purged: tools/check-packages.sh; root), nested QEMU TCG (no VMX),
#   QEMU TCG with an emulated IOMMU (device assignment, kernel lockdown),
#   nested Bochs (VMX + EPT), Bochs with two CPUs for the tests that need
#   them (loading the module DKMS built in the packages stage), Bochs with
#   two CPUs in host mode, and Bochs with a GiB of host memory that is not
#   RAM for the 1 GiB EPT page test. The main Bochs tier runs beside the
#   other nested ones (each VM uses one host CPU).
# Every stage runs even when an earlier one failed (except setup and build,
# which everything needs). Logs go to build/check/<stage>.log. The last line
# is "N passed, N failed" over the individual tests.
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
LOG=build/check
mkdir -p "$LOG"

passed=0
failed=0
skipped=0
summary=()

now() { date +%s; }

# stage NAME COMMAND...: run, keep the log, show it, record the outcome.
stage() {
	local name=$1 t0 rc
	shift
	echo "=== $name: $*"
	t0=$(now)
	# a pipeline, not a process substitution: no wait for the tee (a tier
	# running beside, bochs_beside, is a job a bare wait would wait for)
	"$@" 2>&1 | tee "$LOG/$name.log"
	rc=${PIPESTATUS[0]}
	summary+=("$(printf '%-12s %s  (%ss)' "$name" "$([ $rc = 0 ] && echo ok || echo FAILED)" $(( $(now) - t0 )))")
	return $rc
}

# count_unit LOG: cmocka's "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)"
count_unit() {
	local p f
	p=$(awk '/^\[  PASSED  \] [0-9]+ test/ { s += $4 } END { print s + 0 }' "$1")
	f=$(awk '/^\[  FAILED  \] [0-9]+ test/ { s += $4 } END { print s + 0 }' "$1")
	passed=$((passed + p))
	failed=$((failed + f))
}

# count_tap LOG: the rig's outer TAP lines
count_tap() {
	local p f s
	s=$(grep -c -E '^ok [0-9]+ .*# SKIP' "$1")
	p=$(grep -c -E '^ok [0-9]+ ' "$1")
	f=$(grep -c -E '^not ok [0-9]+ ' "$1")
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
}

# one_check RC: a stage that is one test of its own
one_check() {
	if [ "$1" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

# What failed, with its assertion lines, where the end of the output shows
# it: CI keeps only the tail of a long run.
show_failures() {
	local f

	[ "$failed" = 0 ] && return
	echo
	echo "=== failures"
	for f in "$LOG"/*.log; do
		grep -a -E '^(# )*not ok |\.c:[0-9]+:.*(Expected|expected|terminated|FAIL)|# FAIL|TIMEOUT|\[  FAILED  \]' "$f" |
			grep -a -v -E '# (SKIP|TODO)' | sed "s|^|$(basename "$f" .log): |" | head -40
	done
}

finish() {
	show_failures
	echo
	echo "=== summary"
	printf '%s\n' "${summary[@]}"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
	exit $?
}

stage setup make -s setup-nested
rc=$?
if [ $rc != 0 ]; then failed=$((failed + 1)); finish; fi

stage build make -s all
rc=$?
one_check $rc
[ $rc = 0 ] || finish

stage unit make -s unit
rc=$?
count_unit "$LOG/unit.log"
# a unit binary that crashed reports nothing: count it as a failure
[ $rc = 0 ] || grep -q 'FAILED' "$LOG/unit.log" || failed=$((failed + 1))

stage kbuild make -s kbuild-check
one_check $?

stage checkpatch make -s checkpatch
one_check $?

stage packages tools/check-packages.sh
rc=$?
count_tap "$LOG/packages.log"
[ $rc = 0 ] || grep -q -E '^not ok ' "$LOG/packages.log" || failed=$((failed + 1))

# The nested tiers: the tests built and put in place once, then the main
# Bochs tier (the longest) runs in the background beside the others, one
# after another: Bochs and QEMU TCG use one host CPU each.
stage nested-prep make -s nested-prep
rc=$?
one_check $rc
[ $rc = 0 ] || finish
kver=$(tools/nested/kernel.sh build/nested 2>/dev/null)
tier=(NESTED_PREP= "KV=$kver")

# tier_done NAME RC: count a tier's TAP lines
tier_done() {
	count_tap "$LOG/nested-$1.log"
	# the VM died, hung or the kernel complained: the rig said so
	[ "$2" = 0 ] || grep -q -E '^not ok ' "$LOG/nested-$1.log" || failed=$((failed + 1))
}

echo "=== nested-bochs: in the background (its log follows the other tiers')"
(
	t0=$(now)
	make -s nested-bochs "${tier[@]}" > "$LOG/nested-bochs.log" 2>&1
	echo "$? $(( $(now) - t0 ))" > "$LOG/nested-bochs.rc"
) &
bochs_beside=$!

# One Bochs run loads the module DKMS built from the thinvmx-dkms package
# for the nested VM's kernel, not the one built here.
dkms_ko=build/deb/dkms/thinvmx.ko
for vm in tcg tcg-iommu bochs-smp bochs-host bochs-1g bochs-ram1g bochs-kdump; do
	ko=()
	if [ "$vm" = bochs-smp ] && [ -f "$dkms_ko" ]; then
		ko=("THINVMX_KO=$(readlink -f "$dkms_ko")")
	fi
	stage "nested-$vm" make -s "nested-$vm" "${tier[@]}" "${ko[@]}"
	tier_done "$vm" $?
done

wait $bochs_beside
echo "=== nested-bochs (ran beside the tiers above)"
cat "$LOG/nested-bochs.log"
read -r rc secs < "$LOG/nested-bochs.rc" || { rc=1; secs=0; }
summary+=("$(printf '%-12s %s  (%ss, beside)' nested-bochs "$([ "$rc" = 0 ] && echo ok || echo FAILED)" "$secs")")
tier_done bochs "$rc"

finish
