# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers shared by the tools/nested scripts (sourced, not executed).

PROG=${0##*/}

die() {
	echo "$PROG: error: $*" >&2
	exit 2
}

warn() {
	echo "$PROG: $*" >&2
}

# need TOOL PACKAGE: fail with the Debian package to install if TOOL is absent.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install the Debian package '$2' (apt-get install --no-install-recommends $2)"
}

# need_file FILE PACKAGE: same for a data file shipped by a package.
need_file() {
	[ -e "$1" ] ||
		die "'$1' not found: install the Debian package '$2' (apt-get install --no-install-recommends $2)"
}
