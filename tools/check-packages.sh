#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh's packages stage: the Debian packages on the machine running
# the tests, as root (CI too). Builds them (make deb: lintian-clean),
# installs them with apt, checks every file lands where dpkg -L says, builds
# and runs a program against the installed library with pkg-config,
# rebuilds the module with DKMS for the nested VM's kernel (its headers
# come with make setup) and keeps that .ko for a Bochs run
# ($O/deb/dkms/thinvmx.ko), then purges the packages and checks that
# nothing of them is left. Prints TAP; exits non-zero on any failure.
#
# usage: tools/check-packages.sh [O]   (O: the build directory, build)
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
O=${1:-build}
PKGS=(thinvmx-dkms libthinvmx1 libthinvmx-dev thinvmx-tools)
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

n=0
fails=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fails=$((fails + 1))
	fi
}
finish() {
	echo "1..$n"
	exit $((fails != 0))
}

kver=$(tools/setup.sh --deb) || { ok 1 "setup"; finish; }

# make install and make uninstall, for everyone else: the same files, staged
stage=$(mktemp -d)
make -s install DESTDIR="$stage" PREFIX=/opt/thinvmx > "$O/install.log" 2>&1 &&
	[ -x "$stage/opt/thinvmx/sbin/thinvmx-ctl" ] &&
	[ "$(objdump -p "$stage/opt/thinvmx/lib/libthinvmx.so.1" | awk '/SONAME/ { print $2 }')" = libthinvmx.so.1 ] &&
	grep -qx 'libdir=/opt/thinvmx/lib' "$stage/opt/thinvmx/lib/pkgconfig/thinvmx.pc" &&
	[ -f "$stage/opt/thinvmx/share/man/man8/thinvmx-run.8" ]
ok $? "make install DESTDIR PREFIX=/opt/thinvmx: $(find "$stage" -type f | wc -l) files"
make -s uninstall DESTDIR="$stage" PREFIX=/opt/thinvmx >> "$O/install.log" 2>&1 &&
	[ -z "$(find "$stage" ! -type d)" ]
ok $? "make uninstall removes every file make install put there"
rm -rf "$stage"
version=$(dpkg-parsechangelog -l debian/changelog -S Version)

make -s deb O="$O" > "$O/deb-make.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -40 "$O/deb-make.log"
ok $rc "make deb: packages built, lintian clean"
[ $rc = 0 ] || finish

debs=()
for p in "${PKGS[@]}"; do
	debs+=("$(readlink -f "$O"/deb/"${p}"_"${version}"_*.deb)")
done

# a previous run's packages, if one was interrupted
$SUDO apt-get purge -y -qq "${PKGS[@]}" > /dev/null 2>&1

$SUDO apt-get install -y -qq --no-install-recommends "${debs[@]}" > "$O/deb/install.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -30 "$O/deb/install.log"
ok $rc "apt-get install of the four packages"
[ $rc = 0 ] || finish

# Every path dpkg -L lists is there; dpkg --verify finds every file's
# checksum, mode and owner as shipped.
listed=$(mktemp)
for p in "${PKGS[@]}"; do
	dpkg -L "$p" >> "$listed"
done
missing=0
while IFS= read -r f; do
	[ -e "$f" ] || [ -L "$f" ] || { echo "# missing: $f"; missing=1; }
done < "$listed"
ok $missing "every file dpkg -L lists is installed ($(wc -l < "$listed") paths)"
out=$(dpkg --verify "${PKGS[@]}" 2>&1)
[ -z "$out" ]
ok $? "dpkg --verify: every file as shipped${out:+: $out}"

# where the packages put things
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
want=(/usr/lib/"$ma"/libthinvmx.so.1 /usr/lib/"$ma"/libthinvmx.so /usr/lib/"$ma"/libthinvmx.a
      /usr/lib/"$ma"/pkgconfig/thinvmx.pc /usr/include/libthinvmx.h /usr/include/thinvmx.h
      /usr/include/thinvmx_introspect.h /usr/include/thinvmx_netlink.h
      /usr/sbin/thinvmx-ctl /usr/sbin/thinvmx-monitor /usr/sbin/thinvmx-run
      /usr/share/man/man8/thinvmx-ctl.8.gz /usr/lib/udev/rules.d/70-thinvmx.rules
      /lib/systemd/system/thinvmx-host.service /etc/thinvmx/host.conf
      /usr/src/thinvmx-"$version"/dkms.conf /usr/src/thinvmx-"$version"/Kbuild
      /usr/src/thinvmx-"$version"/uapi/thinvmx.h)
missing=0
for f in "${want[@]}"; do
	grep -qxF "$f" "$listed" || { echo "# not in the packages: $f"; missing=1; }
done
ok $missing "library, headers, pkg-config file, tools, man pages, udev rule, DKMS source, host unit"
[ ! -e /etc/systemd/system/multi-user.target.wants/thinvmx-host.service ]
ok $? "thinvmx-host.service installed disabled"
grep -qxF /etc/thinvmx/host.conf /var/lib/dpkg/info/thinvmx-tools.conffiles
ok $? "/etc/thinvmx/host.conf is a conffile"
[ "$(objdump -p /usr/lib/"$ma"/libthinvmx.so.1 | awk '/SONAME/ { print $2 }')" = libthinvmx.so.1 ]
ok $? "SONAME libthinvmx.so.1"
getent group thinvmx > /dev/null
ok $? "the thinvmx group exists"
grep -q 'AUTOINSTALL="yes"' /usr/src/thinvmx-"$version"/dkms.conf &&
	grep -q "PACKAGE_VERSION=\"$version\"" /usr/src/thinvmx-"$version"/dkms.conf
ok $? "dkms.conf: AUTOINSTALL, version $version"

# a program against the installed library, found by pkg-config
tmp=$(mktemp -d)
cat > "$tmp/prog.c" <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libthinvmx.h>

int main(void)
{
	struct tvx_handle *h;
	int ret;

	if (strcmp(tvx_vmx_status_str(THINVMX_VMX_OK), "usable")) {
		printf("# tvx_vmx_status_str(THINVMX_VMX_OK): %s\n",
		       tvx_vmx_status_str(THINVMX_VMX_OK));
		return 1;
	}
	ret = tvx_open(&h);
	if (!ret)
		tvx_close(h);
	/* no module on this machine: ENOENT; else it opens */
	printf("# tvx_open: %s\n", ret ? strerror(-ret) : "ok");
	return ret && ret != -ENOENT;
}
EOF
flags=$(pkg-config --cflags --libs thinvmx)
ok $? "pkg-config --cflags --libs thinvmx: $flags"
# shellcheck disable=SC2086
cc -Wall -Werror -o "$tmp/prog" "$tmp/prog.c" $flags && "$tmp/prog" &&
	lib=$(ldd "$tmp/prog" | awk '$1 == "libthinvmx.so.1" { print $3 }') &&
	[ "$(readlink -f "$lib")" = "$(readlink -f /usr/lib/"$ma"/libthinvmx.so.1)" ]
ok $? "a program built with pkg-config runs against /usr/lib/$ma/libthinvmx.so.1"
# shellcheck disable=SC2086
cc -Wall -Werror -static -o "$tmp/prog-static" "$tmp/prog.c" \
	$(pkg-config --cflags --libs --static thinvmx) > "$tmp/static.log" 2>&1 &&
	"$tmp/prog-static" > /dev/null
rc=$?
# glibc's warnings about libnl's getaddrinfo() in a static binary aside
[ $rc = 0 ] || grep -v 'statically linked\|in function' "$tmp/static.log"
ok $rc "the same, static (libthinvmx.a, pkg-config --static)"
out=$(/usr/sbin/thinvmx-ctl --json status 2>&1)
[ -e /dev/thinvmx ] || [ "$out" = '{"loaded":false}' ]
ok $? "thinvmx-ctl from the package runs: $out"
man -w thinvmx-monitor > /dev/null 2>&1
ok $? "man thinvmx-monitor"
# systemd's own reading of the installed unit: its syntax, the commands it
# runs are there and executable, the man pages it names exist
out=$(systemd-analyze verify /lib/systemd/system/thinvmx-host.service 2>&1)
rc=$?
[ $rc = 0 ] && [ -z "$out" ]
ok $? "systemd-analyze verify thinvmx-host.service${out:+: $out}"
rm -rf "$tmp"

# The package built and installed the module for every kernel with
# headers when it was installed (AUTOINSTALL): the nested VM's among them.
dkms status -m thinvmx -v "$version" -k "$kver" | grep -q ': installed'
ok $? "DKMS built and installed the module for $kver at install time"
$SUDO dkms build --force -m thinvmx -v "$version" -k "$kver" > "$O/deb/dkms-build.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -20 "$O/deb/dkms-build.log"
ko=/var/lib/dkms/thinvmx/$version/$kver/$(uname -m)/module/thinvmx.ko
[ $rc = 0 ] && [ "$(modinfo -F vermagic "$ko" | awk '{ print $1 }')" = "$kver" ]
ok $? "dkms build -k $kver"
mkdir -p "$O/deb/dkms"
cp "$ko" "$O/deb/dkms/thinvmx.ko" 2>/dev/null

$SUDO apt-get purge -y -qq "${PKGS[@]}" > "$O/deb/purge.log" 2>&1
ok $? "apt-get purge of the four packages"
left=0
for p in "${PKGS[@]}"; do
	if dpkg -L "$p" > /dev/null 2>&1; then
		echo "# still known to dpkg: $p"
		left=1
	fi
done
ok $left "dpkg -L: no package left"
left=0
while IFS= read -r f; do
	# directories other packages share stay (merged /usr's /lib, a
	# symlink to usr/lib, among them: the unit goes to /lib/systemd)
	[ -d "$f" ] && continue
	if [ -e "$f" ] || [ -L "$f" ]; then
		echo "# left: $f"
		left=1
	fi
done < "$listed"
for f in /usr/src/thinvmx-"$version" /var/lib/dkms/thinvmx /lib/modules/*/updates/dkms/thinvmx.ko*; do
	if [ -e "$f" ]; then
		echo "# left: $f"
		left=1
	fi
done
ok $left "no file of the packages left, nor DKMS's builds"
rm -f "$listed"
# the group stays, as Debian's system groups do (debian/thinvmx-dkms.postinst)
getent group thinvmx > /dev/null
ok $? "the thinvmx group is kept after the purge (as documented)"

finish
