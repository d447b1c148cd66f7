#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, as it runs inside the nested VM (make demo): what thinvmx sees
# of this machine. Later steps add a guest, its events and its statistics.
set -e
cd "$(dirname "$0")"
echo "== dmesg: what the module said when it loaded"
dmesg | grep 'thinvmx:' | grep -v 'taint\|verification' || true
echo
echo "== thinvmx-ctl caps"
./thinvmx-ctl caps
echo
echo "== thinvmx-ctl caps --json --raw"
./thinvmx-ctl caps --json --raw
