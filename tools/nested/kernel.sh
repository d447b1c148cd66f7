#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh OUTDIR [KVER]
#
# Fetch Debian's cloud kernel image for the nested-VM rig and unpack it into
# OUTDIR/kroot (boot/vmlinuz-KVER, lib/modules/KVER/...), without installing
# it.  Without KVER, the version that the linux-image-cloud-amd64
# metapackage currently depends on is used.  Prints KVER on stdout and
# nothing else; everything else goes to stderr.  A second run with the same
# kernel is a no-op.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $PROG OUTDIR [KVER]" >&2
	exit 2
fi
OUT=$1
KVER=${2:-}

need apt-cache apt
need apt-get apt
need dpkg-deb dpkg

if [ -z "$KVER" ]; then
	# The metapackage depends on exactly one versioned image package.
	PKG=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	[ -n "$PKG" ] ||
		die "cannot resolve linux-image-cloud-amd64 (is the Debian apt mirror configured? try apt-get update)"
	KVER=${PKG#linux-image-}
else
	PKG=linux-image-$KVER
fi

mkdir -p "$OUT"
OUT=$(readlink -f "$OUT")
KROOT=$OUT/kroot
STAMP=$KROOT/.thinvmx-extracted-$KVER

# shellcheck disable=SC2012 # newest .deb of a known package name
if [ ! -e "$STAMP" ] || [ ! -f "$KROOT/boot/vmlinuz-$KVER" ]; then
	deb=$(ls -t "$OUT/${PKG}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		warn "downloading $PKG"
		# Exact package name only: a wildcard would fetch every old kernel.
		(cd "$OUT" && apt-get download "$PKG") >&2 ||
			die "apt-get download $PKG failed"
		deb=$(ls -t "$OUT/${PKG}_"*.deb 2>/dev/null | head -n1 || true)
		[ -n "$deb" ] || die "apt-get download left no ${PKG}_*.deb in $OUT"
	fi
	warn "extracting ${deb##*/} into $KROOT"
	mkdir -p "$KROOT"
	dpkg-deb -x "$deb" "$KROOT" || die "dpkg-deb -x $deb failed"
	[ -f "$KROOT/boot/vmlinuz-$KVER" ] || die "$deb has no boot/vmlinuz-$KVER"
	: >"$STAMP"
fi

[ -d "/usr/src/linux-headers-$KVER" ] ||
	warn "note: /usr/src/linux-headers-$KVER is missing; the module must be built against it (package linux-headers-$KVER)"

echo "$KVER"
