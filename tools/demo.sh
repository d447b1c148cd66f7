#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, as it runs inside the nested VM (make demo): what thinvmx sees
# of this machine, then a guest under thinvmx-run. The events an
# introspection daemon sees, and the statistics, come with thinvmx-monitor
# and the rest of thinvmx-ctl.
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
echo
echo "== thinvmx-run -m 16 -c 2 demo-guest.elf (guest serial output below)"
./thinvmx-run -m 16 -c 2 --json demo-guest.elf
