#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing thinvmx needs on Debian 12, by package
# name. Safe to run again: when everything is there it only checks (< 1 s).
#
# usage: tools/setup.sh [--nested] [--deb]
#   --nested: also the nested-VM tools
#   --deb:    also what building, checking and installing the Debian
#             packages needs (make deb, check.sh's packages stage)
set -euo pipefail

want_nested=0
want_deb=0
for a in "$@"; do
	case $a in
	--nested) want_nested=1 ;;
	--deb) want_deb=1 ;;
	*) echo "usage: $0 [--nested] [--deb]" >&2; exit 2 ;;
	esac
done

export DEBIAN_FRONTEND=noninteractive
log() { echo "setup: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

# The Debian cloud kernel the nested VM boots, and whose headers the module
# is built against when the running kernel has no build tree.
cloud_kver() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { sub("linux-image-", "", $2); print $2; exit }'
}

kver=$(cloud_kver || true)
if [ -z "$kver" ]; then
	log "apt-get update (package lists missing)"
	$SUDO apt-get update -qq
	kver=$(cloud_kver)
fi
[ -n "$kver" ] || { log "cannot resolve linux-image-cloud-amd64"; exit 1; }

pkgs=(gcc make libc6-dev pkg-config perl xz-utils
      "linux-headers-$kver" libcmocka-dev libnl-3-dev libnl-genl-3-dev
      libjson-c-dev sparse linux-source-6.1)
if [ $want_nested = 1 ]; then
	pkgs+=(bochs bochs-term bochsbios vgabios qemu-system-x86
	       busybox-static isolinux syslinux-common xorriso cpio lz4 pciutils)
fi

if [ $want_deb = 1 ]; then
	# dh-dkms: debhelper's dh_dkms (Debian 12 splits it out of dkms)
	# systemd, man-db: systemd-analyze verify of the unit and the man
	# pages it names
	pkgs+=(dpkg-dev debhelper dh-dkms dkms lintian systemd man-db)
fi

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
		log "apt-get install failed; updating the package lists and retrying"
		$SUDO apt-get update -qq
		$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
fi
echo "$kver"
