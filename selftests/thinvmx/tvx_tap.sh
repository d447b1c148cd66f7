# SPDX-License-Identifier: GPL-2.0
#
# TAP helpers for the shell tests, sourced (". ./tvx_tap.sh") from the
# directory the tests run in; executable only so that the rig copies it.
# Counts in $n, sets $fail on a failed check.
n=0
fail=0

# ok NAME CONDITION-EXIT-STATUS [FILE...]: the FILEs' last 100 lines are
# shown when the check failed
ok() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; fi
	[ "$2" = 0 ] && return
	shift 2
	for f in "$@"; do echo "# --- $f"; sed 's/^/# /' "$f" | tail -100; done
}

# skip NAME REASON
skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}

# wait_for PATTERN FILE SECONDS: until grep finds PATTERN in FILE; 1 (and
# a comment line saying so) if it did not within SECONDS
wait_for() {
	t=0
	while ! grep -q "$1" "$2" 2>/dev/null; do
		[ $t -ge "$3" ] && { echo "# no \"$1\" in $2 after $3 s"; return 1; }
		sleep 1
		t=$((t + 1))
	done
}
