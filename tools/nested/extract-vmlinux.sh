#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The ELF vmlinux inside a Debian bzImage (LZ4: Debian's cloud kernels
# compress with it), for the tests that boot it through its PVH entry.
# Writes OUT only when it is an ELF with the Xen notes PVH needs.
#
# usage: tools/nested/extract-vmlinux.sh BZIMAGE OUT
set -u
[ $# = 2 ] || { echo "usage: $0 BZIMAGE OUT" >&2; exit 2; }
img=$1
out=$2
# the LZ4 legacy frame magic (02 21 4c 18); lz4 stops at the first frame
# that is not one, complaining about what follows the payload
off=$(LC_ALL=C grep -obUaP '\x02\x21\x4c\x18' "$img" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || { echo "$0: no LZ4 payload in $img" >&2; exit 1; }
tail -c +$((off + 1)) "$img" | lz4 -dc > "$out.tmp" 2>/dev/null
if ! readelf -n "$out.tmp" 2>/dev/null | grep -q '^  Xen '; then
	echo "$0: $img's payload is no ELF with Xen (PVH) notes" >&2
	rm -f "$out.tmp"
	exit 1
fi
mv "$out.tmp" "$out"
