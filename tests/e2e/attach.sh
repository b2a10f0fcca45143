# SPDX-License-Identifier: LGPL-2.1-or-later
# memtrace -p PID: attach to a running multi-threaded program, trace it
# for a while, detach; the program must finish with correct results, no
# task left traced, every call it made while attached in the trace, in an
# unbroken run per thread.  Then the error cases, memtrace killed while
# attached, and a job-control-stopped program that must stay stopped.
. "$E2E_DIR/lib.sh"

# verified FILE: memtrace's output FILE ends with no --verify mismatch.
verified() {
	grep -qx 'verify: 0 mismatches' "$1" || {
		grep -A12 '^memtrace: verify:' "$1" | head -n 40 >&2 || true
		fail "the model disagreed with /proc/PID/maps in attach mode ($(grep '^verify:' "$1" || echo 'no verify line'))"
	}
}

# ready_pid OUT WHAT: the pid a test program wrote as "ready PID" to OUT,
# once it has (5 s at most).
ready_pid() {
	local pid
	for _ in $(seq 100); do
		pid=$(sed -nE 's/^ready ([0-9]+)$/\1/p' "$1" 2>/dev/null)
		[ -n "$pid" ] && echo "$pid" && return 0
		sleep 0.05
	done
	fail "$2 never got ready"
}

# start_longrun NAME SECONDS: starts the program; sets $lr_pid once it runs.
start_longrun() {
	"$PROGRAMS/longrun" "$2" 4 3>"$TMP/$1.expected" >"$TMP/$1.out" 2>"$TMP/$1.err" &
	lr_job=$!
	lr_pid=$(ready_pid "$TMP/$1.out" longrun)
}

# untraced PID: every task of PID has TracerPid 0 and is not in a tracing stop.
untraced() {
	local status
	for status in /proc/"$1"/task/*/status; do
		grep -qE '^TracerPid:\s+0$' "$status" || fail "$status: still traced"
		grep -qE '^State:\s+t' "$status" && fail "$status: left in a tracing stop"
	done
	return 0
}

start_longrun a 4
set +e
"$MEMTRACE" --verify --events="$TMP/a.events" --duration 1.5 -p "$lr_pid" 2>"$TMP/a.mt"
status=$?
set -e
expect_eq "memtrace exit status" "$status" 0
verified "$TMP/a.mt"
grep -q "; detached, running on$" "$TMP/a.mt" || fail "the summary does not say it detached"
untraced "$lr_pid"
set +e
wait "$lr_job"
status=$?
set -e
expect_eq "longrun exit status" "$status" 0
grep -qE '^ok [0-9]+$' "$TMP/a.out" || fail "longrun did not finish right: $(cat "$TMP/a.err")"

# Every traced call is one the program made; per thread, an unbroken run.
strip_times "$TMP/a.events" | grep -E '^\[[0-9]+/[0-9]+\] (mmap|munmap)\(' >"$TMP/a.seen" || true
n=$(wc -l <"$TMP/a.seen")
[ "$n" -ge 20 ] || fail "only $n calls traced in 1.5 s"
awk 'NR == FNR { seen[$0]++; next }
     { split($1, id, "/"); tid = id[2]; line[tid, ++count[tid]] = $0 }
     END {
	for (s in seen) if (seen[s] != 1) { print "traced " seen[s] " times: " s; bad = 1 }
	for (tid in count) {
		first = 0; last = 0
		for (i = 1; i <= count[tid]; i++)
			if (line[tid, i] in seen) { if (!first) first = i; last = i; found++ }
		for (i = first; first && i <= last; i++)
			if (!(line[tid, i] in seen)) { print "missed: " line[tid, i]; bad = 1 }
	}
	if (found != NR_seen) { print found " of " NR_seen " traced calls are the program'"'"'s"; bad = 1 }
	exit bad
     }' NR_seen="$n" "$TMP/a.seen" "$TMP/a.expected" || fail "the trace does not match the program's calls"

# Threads created and ended at a high rate: none missed while attached.
"$PROGRAMS/threadchurn" 3 3>"$TMP/t.expected" >"$TMP/t.out" 2>"$TMP/t.err" &
tc_job=$!
tc_pid=$(ready_pid "$TMP/t.out" threadchurn)
set +e
"$MEMTRACE" --verify --events="$TMP/t.events" --duration 1 -p "$tc_pid" 2>"$TMP/t.mt"
status=$?
wait "$tc_job"
tc_status=$?
set -e
expect_eq "memtrace on threadchurn" "$status" 0
expect_eq "threadchurn exit status" "$tc_status" 0
verified "$TMP/t.mt"
# Thread N maps 8192 + N bytes, one after another: the lengths seen form an unbroken run.
strip_times "$TMP/t.events" | sed -nE 's/^\[[0-9]+\/[0-9]+\] mmap\(NULL, ([0-9]+), .*/\1/p' |
	sort -n >"$TMP/t.lens"
n=$(wc -l <"$TMP/t.lens")
[ "$n" -ge 20 ] || fail "only $n threads traced in 1 s"
first=$(head -n1 "$TMP/t.lens")
last=$(tail -n1 "$TMP/t.lens")
expect_eq "threads missed between the first and the last traced" "$((last - first + 1))" "$n"

# Two processes at once, each with its own model; a pipe reader blocked in read(2).
start_longrun f 3
f_pid=$lr_pid
f_job=$lr_job
start_longrun g 3
sleep 2 | cat >/dev/null &
pipe_job=$!
reader=$(pgrep -n -x cat)
set +e
"$MEMTRACE" --verify --events="$TMP/fg.events" --duration 1 -p "$f_pid" -p "$lr_pid" -p "$reader" \
	2>"$TMP/fg.mt"
status=$?
set -e
expect_eq "memtrace on two processes and a reader" "$status" 0
verified "$TMP/fg.mt"
expect_eq "processes detached" "$(grep -c '; detached, running on$' "$TMP/fg.mt")" 3
for pid in "$f_pid" "$lr_pid"; do
	events_grep -E "$TMP/fg.events" "^\[$pid/[0-9]+\] mmap\(" || fail "no call of $pid traced"
done
set +e
wait "$f_job"
s_f=$?
wait "$lr_job"
s_g=$?
wait "$pipe_job"
s_p=$?
set -e
expect_eq "first longrun" "$s_f" 0
expect_eq "second longrun" "$s_g" 0
expect_eq "the pipe" "$s_p" 0

# A program that ends while attached: reported, and memtrace exits 0.
start_longrun e 0.5
set +e
"$MEMTRACE" -p "$lr_pid" 2>"$TMP/e.mt"
status=$?
set -e
expect_eq "memtrace when the program ends" "$status" 0
grep -q "; exited with 0$" "$TMP/e.mt" || fail "the end is not reported: $(cat "$TMP/e.mt")"
wait "$lr_job" || true

# Errors: one line, the documented status, nothing left attached.
set +e
"$MEMTRACE" -p 999999999 2>"$TMP/e1"; s1=$?
"$MEMTRACE" -p abc 2>"$TMP/e2"; s2=$?
"$MEMTRACE" -p 1 -- true 2>"$TMP/e3"; s3=$?
"$MEMTRACE" --duration 1 -- true 2>"$TMP/e4"; s4=$?
set -e
expect_eq "no such process: status" "$s1" 1
expect_eq "no such process: message" "$(cat "$TMP/e1")" "memtrace: no such process 999999999"
expect_eq "-p abc" "$s2" 2
expect_eq "-p with a program" "$s3" 2
expect_eq "--duration without -p" "$s4" 2

# Another tracer: a program run under memtrace cannot be attached to twice.
"$MEMTRACE" -- "$PROGRAMS/longrun" 3 1 3>/dev/null >"$TMP/b.out" 2>/dev/null &
outer=$!
b_pid=$(ready_pid "$TMP/b.out" "the launched longrun")
set +e
"$MEMTRACE" -p "$b_pid" 2>"$TMP/e5"
s5=$?
wait "$outer"
s6=$?
set -e
expect_eq "already traced: status" "$s5" 1
grep -qE "^memtrace: cannot attach to $b_pid: it is already traced by [0-9]+ \(memtrace\)$" "$TMP/e5" ||
	fail "already traced: message: $(cat "$TMP/e5")"
expect_eq "the first memtrace's program" "$s6" 0

# Not permitted: memtrace as another user, without CAP_SYS_PTRACE, on root's program.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$MEMTRACE" 2>/dev/null; then
	start_longrun p 2
	set +e
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$MEMTRACE" -p "$lr_pid" 2>"$TMP/e7"
	s7=$?
	set -e
	expect_eq "not permitted: status" "$s7" 1
	if [ -e /proc/sys/kernel/yama/ptrace_scope ] && [ "$(cat /proc/sys/kernel/yama/ptrace_scope)" != 0 ]; then
		want="^memtrace: cannot attach to $lr_pid: not permitted \(kernel.yama.ptrace_scope is [1-3]"
	else
		want="^memtrace: cannot attach to $lr_pid: not permitted \(not the same user, and no CAP_SYS_PTRACE\)$"
	fi
	grep -qE "$want" "$TMP/e7" || fail "not permitted: message: $(cat "$TMP/e7")"
	expect_eq "not permitted: lines on stderr" "$(wc -l <"$TMP/e7")" 1
	untraced "$lr_pid"
	set +e
	wait "$lr_job"
	status=$?
	set -e
	expect_eq "longrun after a refused attach" "$status" 0
else
	echo "note: not root, or no setpriv, or the build is not readable by nobody: the not-permitted case is not tested" >&2
fi

# memtrace killed outright while attached: the kernel detaches, the program runs on.
start_longrun c 3
"$MEMTRACE" -p "$lr_pid" 2>/dev/null &
mt=$!
sleep 0.7
kill -KILL "$mt"
set +e
wait "$mt"
wait "$lr_job"
status=$?
set -e
expect_eq "longrun after memtrace's SIGKILL" "$status" 0
grep -qE '^ok [0-9]+$' "$TMP/c.out" || fail "longrun after SIGKILL: $(cat "$TMP/c.err")"

# A program stopped by job control stays stopped after the detach, then runs on.
start_longrun d 2
kill -STOP "$lr_pid"
set +e
"$MEMTRACE" --duration 0.5 -p "$lr_pid" 2>"$TMP/d.mt"
status=$?
set -e
expect_eq "memtrace on a stopped program" "$status" 0
sleep 0.3
grep -qE '^State:\s+T' "/proc/$lr_pid/status" || fail "not stopped after detach: $(grep State "/proc/$lr_pid/status")"
untraced "$lr_pid"
kill -CONT "$lr_pid"
set +e
wait "$lr_job"
status=$?
set -e
expect_eq "longrun after SIGCONT" "$status" 0
