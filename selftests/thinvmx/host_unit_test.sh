#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# thinvmx-host.service as shipped, run the way systemd runs it: the nested
# VM has no systemd (busybox init), so this script reads the installed unit
# (/lib/systemd/system, the rig's --files) and runs its ExecStartPre lines,
# its ExecStart in the background and its ExecStopPost, each with the
# variables of its EnvironmentFile (/etc/thinvmx/host.conf as shipped) and
# sh's word rules, which are systemd's for the forms the unit uses
# ("${VAR}" one word, "$VAR" split, single quotes literal). The unit's own
# paths are used: /sbin/modprobe (the module put where modprobe finds it)
# and /usr/sbin (the tools linked there, as the package installs them).
#
# Checked: the unit loads the module, sets the guard policies through
# netlink and turns host mode on; the monitor it starts attaches to the
# host; a raw MOV clearing CR0.WP and a raw WRMSR to LSTAR (the probe
# module) are refused, and the monitor logs each refusal as a JSON line
# although the shipped MONITOR_ARGS say -q; stopping the service
# (SIGTERM) ends the monitor with its counters; HOST_OFF_ON_STOP=no
# leaves host mode on, =yes turns it off. Starting again with host mode
# already on (Restart=on-failure) does not try to turn it on twice.
# Requires: root, usable VMX, the module at /thinvmx.ko, tvx_probe.ko,
# thinvmx-ctl, thinvmx-monitor and tvx_tap.sh next to this script. Prints
# TAP; exits 0, 1 or 4 (skip).
cd "$(dirname "$0")" || exit 1
. ./tvx_tap.sh
HERE=$(pwd)
UNIT=/lib/systemd/system/thinvmx-host.service
LOG=/tmp/host_unit.log
ERR=/tmp/host_unit.err
MSR_LSTAR=0xc0000082
CR0_WP=0x10000

[ -r "$UNIT" ] || { echo "1..0 # SKIP no $UNIT (the rig's --files)"; exit 4; }
[ -r /thinvmx.ko ] || { echo "1..0 # SKIP no /thinvmx.ko"; exit 4; }
[ -r ./tvx_probe.ko ] || { echo "1..0 # SKIP no tvx_probe.ko"; exit 4; }
./thinvmx-ctl caps >/dev/null 2>&1 || { echo "1..0 # SKIP VMX not usable"; exit 4; }
ENVFILE=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$UNIT")
[ -r "$ENVFILE" ] || { echo "1..0 # SKIP no $ENVFILE"; exit 4; }
echo "TAP version 13"
echo "1..17"

# where the package puts things
mkdir -p /usr/sbin "/lib/modules/$(uname -r)/extra"
ln -sf "$HERE/thinvmx-ctl" /usr/sbin/thinvmx-ctl
ln -sf "$HERE/thinvmx-monitor" /usr/sbin/thinvmx-monitor
cp /thinvmx.ko "/lib/modules/$(uname -r)/extra/thinvmx.ko"
depmod

# the unit's lines for KEY, one per line
unit_lines() {
	sed -n "s/^$1=//p" "$UNIT"
}

# run one unit command line as systemd would: a leading "-" ignores its
# failure; the environment file's variables set and exported
run_line() {
	(
		set -a
		# shellcheck disable=SC1090 # the unit's EnvironmentFile
		. "$ENVFILE"
		[ -z "$EXTRA_ENV" ] || eval "$EXTRA_ENV"
		set +a
		line=$1
		case $line in -*) line=${line#-}; ignore=1 ;; *) ignore=0 ;; esac
		eval "set -- $line"
		# as systemd's main process: signals reach the command itself
		[ $ignore = 1 ] || exec "$@"
		"$@"
		exit 0
	)
}

# one probe command; prints its result
probe() {
	exec 3<>/dev/tvx_probe || return 1
	printf '%s' "$*" >&3 || { exec 3>&-; return 1; }
	read -r r <&3
	exec 3>&-
	echo "$r"
}

host_on() {
	./thinvmx-ctl -j host status 2>/dev/null | grep -q '"on": *true'
}

# the service starts from a machine without the module, as at boot
rmmod thinvmx 2>/dev/null
grep -q '^thinvmx ' /proc/modules
ok "the module is not loaded before the service starts" $((! $?))

i=0
rc=0
unit_lines ExecStartPre > /tmp/host_unit.pre
while IFS= read -r l; do
	i=$((i + 1))
	run_line "$l" >> "$LOG" 2>> "$ERR" || { rc=1; echo "# failed: $l"; }
done < /tmp/host_unit.pre
ok "$i ExecStartPre lines ran" $rc "$ERR"
grep -q '^thinvmx ' /proc/modules
ok "/sbin/modprobe thinvmx loaded the module" $?
pol=$(./thinvmx-ctl -j host policy 2>&1)
echo "$pol" | grep -q '"pin_cr": *true' && echo "$pol" | grep -q '"pin_msr": *true'
ok "host.conf's PIN_CR=on PIN_MSR=on set through netlink: $pol" $?
host_on
ok "host mode on" $?

: > "$LOG"
: > "$ERR"
start=$(unit_lines ExecStart)
run_line "$start" > "$LOG" 2> "$ERR" &
job=$!
t=0
while ! grep -q "attached to the host" "$ERR" && [ $t -lt 60 ]; do
	sleep 1
	t=$((t + 1))
done
grep -q "attached to the host" "$ERR"
ok "ExecStart: thinvmx-monitor --host --json \$MONITOR_ARGS attached" $? "$ERR"

[ -e /dev/tvx_probe ] || insmod ./tvx_probe.ko
cr0=$(probe cr0)
v=$(probe cr0_clear_try $CR0_WP)
[ -n "$v" ] && [ $((v & CR0_WP)) != 0 ]
ok "a raw MOV clearing CR0.WP is refused (CR0 $cr0, then $v)" $?
lstar=$(probe rdmsr $MSR_LSTAR)
# a kernel address does not fit sh's signed arithmetic: flip bit 0 in hex
moved=$(printf '0x%x' $((lstar ^ 1)))
v=$(probe wrmsr_try $MSR_LSTAR "$moved")
[ -n "$v" ] && [ "$((v))" = "$((lstar))" ]
ok "a raw WRMSR moving LSTAR is refused (LSTAR $lstar, then $v)" $?

# the events are async: give the monitor a moment to print them
t=0
while [ "$(grep -c '"denied": *true' "$LOG")" -lt 2 ] && [ $t -lt 20 ]; do
	sleep 1
	t=$((t + 1))
done
grep '"denied": *true' "$LOG" | grep -q '"reason": *"cr0"'
ok "the monitor logged the CR0 refusal as a JSON line (MONITOR_ARGS has -q)" $? "$LOG"
grep '"denied": *true' "$LOG" | grep -q '"msr": *"0xc0000082"'
ok "the monitor logged the LSTAR refusal as a JSON line" $? "$LOG"

# systemctl stop: SIGTERM to the main process (the monitor, which the
# job's shells exec'd or wait for), then ExecStopPost
kill -TERM "$(pidof thinvmx-monitor)"
wait $job
rc=$?
ok "SIGTERM ends the monitor with status 0 (status $rc)" $rc "$ERR"
tail -n 1 "$LOG" | grep -q '"ended":' && tail -n 1 "$LOG" | grep -q '"denied": *2'
ok "its last line is the counters, two refusals counted" $? "$LOG"
stop=$(unit_lines ExecStopPost)
run_line "$stop" >> "$LOG" 2>> "$ERR"
host_on
ok "ExecStopPost with HOST_OFF_ON_STOP=no leaves host mode on" $?

# Restart=on-failure: the ExecStartPre lines again, host mode already on
rc=0
while IFS= read -r l; do
	run_line "$l" >> "$LOG" 2>> "$ERR" || { rc=1; echo "# failed: $l"; }
done < /tmp/host_unit.pre
ok "ExecStartPre again with host mode on: no second 'host on'" $rc "$ERR"

EXTRA_ENV=HOST_OFF_ON_STOP=yes run_line "$stop" >> "$LOG" 2>> "$ERR"
host_on
ok "ExecStopPost with HOST_OFF_ON_STOP=yes turns host mode off" $((! $?)) "$ERR"
v=$(probe wrmsr_try $MSR_LSTAR "$moved")
[ -n "$v" ] && [ "$((v))" = "$((moved))" ]
ok "with host mode off the pins are gone (LSTAR write lands)" $?
v=$(probe wrmsr $MSR_LSTAR "$lstar")
[ "$((v))" = "$((lstar))" ]
ok "LSTAR put back ($v)" $?

rmmod tvx_probe 2>/dev/null
rm -f /usr/sbin/thinvmx-ctl /usr/sbin/thinvmx-monitor "/lib/modules/$(uname -r)/extra/thinvmx.ko"
exit $fail
