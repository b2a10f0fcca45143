# SPDX-License-Identifier: LGPL-2.1-or-later
# Signals reach the program as without memtrace; exit statuses follow it;
# SIGSTOP/SIGCONT work; SIGTERM is forwarded; the second SIGINT kills.
. "$E2E_DIR/lib.sh"

run_memtrace "$TMP/h" -- "$PROGRAMS/signals" handler
expect_eq "handler: exit status" "$status" 0
check_expected "$TMP/h.expected" "$TMP/h.events"

run_memtrace "$TMP/segv" -- "$PROGRAMS/signals" segv
expect_eq "segv: exit status" "$status" $((128 + 11))
check_expected "$TMP/segv.expected" "$TMP/segv.events"
grep -q "; killed by SIGSEGV" "$TMP/segv.err" || fail "segv: summary does not say SIGSEGV"

run_memtrace "$TMP/kill" -- "$PROGRAMS/signals" kill
expect_eq "kill: exit status" "$status" $((128 + 9))
check_expected "$TMP/kill.expected" "$TMP/kill.events"
events_grep -E "$TMP/kill.events" '^\[[0-9]+\] \+\+\+ killed by SIGKILL \+\+\+$' ||
	fail "kill: no '+++ killed by SIGKILL +++' line"

# wait_ready OUT: waits (10 s at most) until the program said "ready".
wait_ready() {
	for _ in $(seq 100); do
		grep -q '^ready$' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "the program never got ready"
}

# program_pid OUT: the pid of the traced program, from memtrace's pid.
program_pid() {
	local child
	child=$(cat "/proc/$1/task/$1/children" 2>/dev/null || true)
	echo "${child%% *}"
}

# SIGSTOP: the program stays stopped until SIGCONT, then finishes.
"$MEMTRACE" --events="$TMP/stop.events" -- "$PROGRAMS/signals" stop 3>"$TMP/stop.expected" \
	>"$TMP/stop.out" 2>"$TMP/stop.err" &
mt=$!
for _ in $(seq 100); do
	pid=$(program_pid "$mt")
	[ -n "$pid" ] && grep -qE '^State:\s+[tT]' "/proc/$pid/status" 2>/dev/null && break
	sleep 0.1
done
[ -n "$pid" ] || fail "stop: no program process"
sleep 0.5
grep -qE '^State:\s+[tT]' "/proc/$pid/status" || fail "stop: the program is not stopped"
[ -s "$TMP/stop.out" ] && fail "stop: the program ran on while stopped"
kill -CONT "$pid"
set +e
wait "$mt"
status=$?
set -e
expect_eq "stop: exit status" "$status" 0
grep -q '^continued$' "$TMP/stop.out" || fail "stop: the program did not continue"
check_expected "$TMP/stop.expected" "$TMP/stop.events"

# SIGTERM sent to memtrace alone is forwarded: the program's handler exits 42.
"$MEMTRACE" -- "$PROGRAMS/signals" term >"$TMP/term.out" 2>"$TMP/term.err" 3>/dev/null &
mt=$!
wait_ready "$TMP/term.out"
kill -TERM "$mt"
set +e
wait "$mt"
status=$?
set -e
expect_eq "term: exit status" "$status" 42

# One SIGINT sent to memtrace alone is forwarded: the handler exits 3.
"$MEMTRACE" -- "$PROGRAMS/signals" int >"$TMP/int.out" 2>"$TMP/int.err" 3>/dev/null &
mt=$!
wait_ready "$TMP/int.out"
kill -INT "$mt"
set +e
wait "$mt"
status=$?
set -e
expect_eq "int: exit status" "$status" 3

# A program that ignores SIGINT: the second SIGINT kills it, and memtrace
# still reports what it saw.
"$MEMTRACE" -- "$PROGRAMS/signals" noint >"$TMP/noint.out" 2>"$TMP/noint.err" 3>/dev/null &
mt=$!
wait_ready "$TMP/noint.out"
kill -INT "$mt"
sleep 0.3
kill -0 "$mt" 2>/dev/null || fail "noint: memtrace ended after one SIGINT"
kill -INT "$mt"
set +e
wait "$mt"
status=$?
set -e
expect_eq "noint: exit status" "$status" $((128 + 9))
grep -q "; killed by SIGKILL$" "$TMP/noint.err" || fail "noint: no summary after the kill"

# memtrace killed outright: the program dies with it (PTRACE_O_EXITKILL),
# nothing is left stopped.
"$MEMTRACE" -- "$PROGRAMS/signals" noint >"$TMP/k9.out" 2>"$TMP/k9.err" 3>/dev/null &
mt=$!
wait_ready "$TMP/k9.out"
pid=$(program_pid "$mt")
[ -n "$pid" ] || fail "k9: no program process"
kill -KILL "$mt"
set +e
wait "$mt"
set -e
for _ in $(seq 50); do
	[ -e "/proc/$pid" ] || break
	# A zombie is gone as far as running goes; init reaps it.
	grep -qE '^State:\s+Z' "/proc/$pid/status" 2>/dev/null && break
	sleep 0.1
done
if [ -e "/proc/$pid" ] && ! grep -qE '^State:\s+Z' "/proc/$pid/status" 2>/dev/null; then
	fail "k9: the program outlived memtrace ($(grep State "/proc/$pid/status"))"
fi
