#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the few files thinvmx uses from Debian's linux-source-6.1 tarball:
# the kselftest harness headers and checkpatch.pl with its data files.
# usage: tools/extract-kernel-tools.sh OUTDIR
set -euo pipefail
out=$1
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
[ -n "$tarball" ] || { echo "no /usr/src/linux-source-6.1.tar.xz: install linux-source-6.1 (make setup)" >&2; exit 1; }
stamp=$out/.extracted
[ -f "$stamp" ] && [ "$stamp" -nt "$tarball" ] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$tarball" -C "$tmp" --wildcards \
	'*/tools/testing/selftests/kselftest_harness.h' \
	'*/tools/testing/selftests/kselftest.h' \
	'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
	'*/scripts/const_structs.checkpatch'
src=$(echo "$tmp"/linux-source-*)
mkdir -p "$out/ksft" "$out/checkpatch"
cp "$src"/tools/testing/selftests/kselftest_harness.h "$src"/tools/testing/selftests/kselftest.h "$out/ksft/"
cp "$src"/scripts/checkpatch.pl "$src"/scripts/spelling.txt "$src"/scripts/const_structs.checkpatch "$out/checkpatch/"
touch "$stamp"
