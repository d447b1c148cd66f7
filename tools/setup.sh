#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing thinvmx needs on Debian 12, by package
# name. Safe to run again: when everything is there it only checks (< 1 s).
#
# usage: tools/setup.sh [--nested]   (--nested: also the nested-VM tools)
set -euo pipefail

want_nested=0
[ "${1:-}" = "--nested" ] && want_nested=1

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
      sparse linux-source-6.1)
if [ $want_nested = 1 ]; then
	pkgs+=(bochs bochs-term bochsbios vgabios qemu-system-x86
	       busybox-static isolinux syslinux-common xorriso cpio lz4 pciutils)
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
