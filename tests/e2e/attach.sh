# SPDX-License-Identifier: LGPL-2.1-or-later
# memtrace -p PID: attach to a running multi-threaded program, trace it
# for a while, detach; the program must finish with correct results, no
# task left traced, every call it made while attached in the trace, in an
# unbroken run per thread.  Then the error cases, memtrace killed while
# attached, and a job-control-stopped program that must stay stopped.
. "$E2E_DIR/lib.sh"

can_attach || skip "$why_not"

# Every program attached to here is the test's own child, known by its pid
# (never looked up by name: other processes on the machine have the same
# names).  Each runs until the test has seen what it waits for, then is
# ended with SIGTERM: no step depends on how fast a loaded machine runs.

# start_longrun NAME [leaderless]: starts the program; sets $lr_pid once it
# runs.  Its 600 s are only a limit: stop_longrun ends it.
start_longrun() {
	"$PROGRAMS/longrun" "$LONGRUN_SECONDS" 4 ${2:-} 3>"$TMP/$1.expected" >"$TMP/$1.out" 2>"$TMP/$1.err" &
	lr_job=$!
	lr_pid=$(said_pid "$TMP/$1.out" ready)
}

# stop_longrun NAME PID JOB: ends the program with SIGTERM; it must exit 0
# with its checks passed.
stop_longrun() {
	local status
	kill -TERM "$2"
	set +e
	wait "$3"
	status=$?
	set -e
	expect_eq "longrun $1: exit status" "$status" 0
	grep -qE '^ok [0-9]+$' "$TMP/$1.out" || fail "longrun $1 did not finish right: $(cat "$TMP/$1.err")"
}

# traced_by PID TRACER: every task of PID is traced by TRACER (but a
# zombie, which nothing can trace).
traced_by() {
	local status
	[ -d "/proc/$1" ] || fail "process $1 is gone"
	for status in /proc/"$1"/task/*/status; do
		grep -qE '^State:\s+Z' "$status" 2>/dev/null && continue
		grep -qE "^TracerPid:\s+$2\$" "$status" 2>/dev/null || return 1
	done
}

# has_lines FILE N: FILE has N lines or more.
has_lines() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

# calls_while_traced PID TRACER EXPECTED N: waits until TRACER traces every
# task of PID, then until the program has made N more calls (its EXPECTED
# lines, written after each call returns).  A traced call stops until
# memtrace lets it go: N calls made are N calls memtrace saw, give or take
# one per thread in flight at the attach.
calls_while_traced() {
	local lines
	wait_until "memtrace ($2) never attached to $1" traced_by "$1" "$2"
	lines=$(wc -l <"$3")
	wait_until "$1 made no $4 calls while traced" has_lines "$3" $((lines + $4))
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

# detach MT WHAT: ends memtrace MT with SIGINT (it detaches, the programs
# run on); it must exit 0.
detach() {
	local status
	kill -INT "$1"
	set +e
	wait "$1"
	status=$?
	set -e
	expect_eq "memtrace on $2: exit status" "$status" 0
}

start_longrun a
"$MEMTRACE" --verify --regions --events="$TMP/a.events" -p "$lr_pid" 2>"$TMP/a.mt" &
mt=$!
calls_while_traced "$lr_pid" "$mt" "$TMP/a.expected" 40
detach "$mt" longrun
verified "$TMP/a.mt"
grep -q "; detached, running on$" "$TMP/a.mt" || fail "the summary does not say it detached"
# The 4 threads' stacks, there before the attach, are known by their stack pointers.
grep -q "thread stacks: 4 of live threads" "$TMP/a.mt" ||
	fail "the seized threads' stacks are not thread stacks: $(grep 'thread stacks' "$TMP/a.mt")"
# Each named as its thread is named (its comm, read before the detach).
expect_eq "stacks named worker-0..3" \
	"$(grep -oE ' stack of [0-9]+ \(worker-[0-3]\)$' "$TMP/a.mt" | sed 's/.*(//' | sort | tr -d '\n')" \
	"worker-0)worker-1)worker-2)worker-3)"
untraced "$lr_pid"
stop_longrun a "$lr_pid" "$lr_job"

# Every traced call is one the program made; per thread, an unbroken run.
strip_times "$TMP/a.events" | grep -E '^\[[0-9]+/[0-9]+\] (mmap|munmap)\(' >"$TMP/a.seen" || true
n=$(wc -l <"$TMP/a.seen")
[ "$n" -ge 20 ] || fail "only $n calls traced"
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

# A process whose main thread called pthread_exit: its /proc/PID files
# show no memory, those of its threads do.  Named, its memory there before
# the attach, its threads' stacks whole from the first call.
zombie_leader() {
	[ "$(sed -nE 's/^State:\s+(.).*/\1/p' "/proc/$1/status")" = Z ]
}
start_longrun z leaderless
wait_until "longrun's main thread never exited" zombie_leader "$lr_pid"
"$MEMTRACE" --verify --events="$TMP/z.events" -p "$lr_pid" 2>"$TMP/z.mt" &
mt=$!
calls_while_traced "$lr_pid" "$mt" "$TMP/z.expected" 40
detach "$mt" "longrun leaderless"
verified "$TMP/z.mt"
grep -qE "^memtrace: \[$lr_pid\] .*/longrun: [0-9]+ memory calls .*; detached, running on\$" "$TMP/z.mt" ||
	fail "leaderless: the summary does not name the program: $(grep -m1 '^memtrace: \[' "$TMP/z.mt")"
events_grep "$TMP/z.events" 'of \[kernel\]' &&
	fail "leaderless: memory there before the attach is said to be the kernel's"
first=$(grep -m1 -nE '^[0-9.]+ \[[0-9/]+\] #[0-9]+ mmap\(' "$TMP/z.events" | cut -d: -f1)
[ -n "$first" ] || fail "leaderless: no mmap traced"
expect_eq "leaderless: the first mmap's stack" \
	"$(sources_of "$TMP/z.events" "^$(sed -n "${first}p" "$TMP/z.events" | sed 's/[][().*|+]/\\&/g')\$" | grep -cE '^worker ')" 1
untraced "$lr_pid"
stop_longrun z "$lr_pid" "$lr_job"

# A target in uninterruptible sleep (a vfork parent, state D, while its
# child waits for a file the test makes): it cannot stop to be seized or
# detached until it wakes, and memtrace must not wait for that.  Said at
# the attach; --duration, SIGINT and SIGTERM end memtrace while it still
# sleeps (memtrace never ending would fail the wait), and it runs on
# untraced.  One that wakes while traced is traced from then on.

# caught PID NUM: PID has a handler for signal NUM (its SigCgt); before
# memtrace's handlers are in place, a signal does what its disposition
# says (a background job ignores SIGINT).  ended_or_caught PID NUM: or PID
# has ended.
caught() {
	local mask
	# The shell's child that will exec memtrace has the shell's handlers.
	[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$(readlink -f "$MEMTRACE")" ] || return 1
	mask=$(sed -nE 's/^SigCgt:\s+([0-9a-f]+)$/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$mask" ] && [ $((0x$mask >> ($2 - 1) & 1)) = 1 ]
}
ended_or_caught() {
	! kill -0 "$1" 2>/dev/null || caught "$1" "$2"
}

# signalled_attach PID SIG DELAY: memtrace -p PID, sent SIG DELAY seconds
# after its start (again once it can catch it, if it ignored it then).
# Sets $status to memtrace's exit status, and $in_place when its handlers
# were in place at the first signal.
signalled_attach() {
	local num mt
	num=$(kill -l "$2")
	"$MEMTRACE" --duration 30 -p "$1" 2>"$TMP/signalled.mt" &
	mt=$!
	sleep "$3"
	in_place=
	caught "$mt" "$num" && in_place=1
	kill -"$2" "$mt"
	if [ -z "$in_place" ]; then
		wait_until "memtrace never caught SIG$2" ended_or_caught "$mt" "$num"
		kill -"$2" "$mt" 2>/dev/null || true
	fi
	set +e
	wait "$mt"
	status=$?
	set -e
}
sleeping() {
	[ "$(sed -nE 's/^State:\s+(.).*/\1/p' "/proc/$1/status")" = D ]
}
untraced_now() {
	grep -qE '^TracerPid:\s+0$' "/proc/$1/status"
}
for how in duration INT TERM wakes; do
	rm -f "$TMP/$how.go"
	"$PROGRAMS/forks" vfork-wait "$TMP/$how.go" 3>"$TMP/$how.expected" >"$TMP/$how.out" 2>"$TMP/$how.err" &
	job=$!
	pid=$(said_pid "$TMP/$how.out" ready)
	wait_until "$how: the vfork parent never slept" sleeping "$pid"
	opts=()
	[ "$how" = duration ] && opts=(--duration 0.5)
	"$MEMTRACE" "${opts[@]}" --events="$TMP/$how.events" -p "$pid" >"$TMP/$how.mt.out" 2>"$TMP/$how.mt" &
	mt=$!
	wait_until "$how: memtrace did not say the task sleeps" \
		grep -qx "memtrace: \[$pid\] task $pid is in uninterruptible sleep: traced from when it wakes" "$TMP/$how.mt"
	case $how in
	INT | TERM) kill -"$how" "$mt" ;;
	wakes)
		touch "$TMP/$how.go"
		wait_until "wakes: the woken parent's calls were not traced" \
			events_grep -E "$TMP/$how.events" "^\\[$pid\\] munmap\\(0x[0-9a-f]+, 20480\\) = 0\$"
		;;
	esac
	wait_until "$how: memtrace waited for the sleeping task" eval '! kill -0 "$mt" 2>/dev/null'
	set +e
	wait "$mt"
	status=$?
	set -e
	expect_eq "$how: memtrace's exit status" "$status" 0
	if [ "$how" != wakes ]; then
		sleeping "$pid" || fail "$how: the task woke before memtrace ended (the test's file was made?)"
		grep -qx "memtrace: \[$pid\] task $pid is in uninterruptible sleep: it is let go when memtrace ends" \
			"$TMP/$how.mt" || fail "$how: memtrace did not say it lets the sleeping task go"
		wait_until "$how: the task is still traced after memtrace ended" untraced_now "$pid"
		touch "$TMP/$how.go"
	fi
	set +e
	wait "$job"
	status=$?
	set -e
	expect_eq "$how: the vfork parent's exit status" "$status" 0
done
# The same sleeper attached to again and again, SIGINT at 0, 1, 2, 5, 10
# and 20 ms after memtrace's start, 10 runs each: memtrace ends each time
# (exit 0 once its handlers were in place), and the sleeper is left
# untraced, still asleep; woken at the end, it finishes.
rm -f "$TMP/loop.go"
"$PROGRAMS/forks" vfork-wait "$TMP/loop.go" 3>/dev/null >"$TMP/loop.out" 2>"$TMP/loop.err" &
job=$!
pid=$(said_pid "$TMP/loop.out" ready)
wait_until "loop: the vfork parent never slept" sleeping "$pid"
runs=0
for delay in 0 0.001 0.002 0.005 0.010 0.020; do
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		signalled_attach "$pid" INT "$delay"
		runs=$((runs + 1))
		[ -n "$in_place" ] && expect_eq "loop: SIGINT $delay s after the start: exit status" "$status" 0
		wait_until "loop run $runs: the sleeper is still traced" untraced_now "$pid"
		sleeping "$pid" || fail "loop run $runs: the sleeper woke"
	done
done
expect_eq "attaches to a sleeper" "$runs" 60
touch "$TMP/loop.go"
set +e
wait "$job"
status=$?
set -e
expect_eq "the sleeper's exit status" "$status" 0

# Threads created and ended at a high rate: none missed while attached.
"$PROGRAMS/threadchurn" 600 3>"$TMP/t.expected" >"$TMP/t.out" 2>"$TMP/t.err" &
tc_job=$!
tc_pid=$(said_pid "$TMP/t.out" ready)
"$MEMTRACE" --verify --events="$TMP/t.events" -p "$tc_pid" 2>"$TMP/t.mt" &
mt=$!
calls_while_traced "$tc_pid" "$mt" "$TMP/t.expected" 40
detach "$mt" threadchurn
kill -TERM "$tc_pid"
set +e
wait "$tc_job"
tc_status=$?
set -e
expect_eq "threadchurn exit status" "$tc_status" 0
verified "$TMP/t.mt"
# Thread N maps 8192 + N bytes, one after another: the lengths seen form an unbroken run.
strip_times "$TMP/t.events" | sed -nE 's/^\[[0-9]+\/[0-9]+\] mmap\(NULL, ([0-9]+), .*/\1/p' |
	sort -n >"$TMP/t.lens"
n=$(wc -l <"$TMP/t.lens")
[ "$n" -ge 20 ] || fail "only $n threads traced"
first=$(head -n1 "$TMP/t.lens")
last=$(tail -n1 "$TMP/t.lens")
expect_eq "threads missed between the first and the last traced" "$((last - first + 1))" "$n"

# Two processes at once, each with its own model; a pipe reader blocked in
# read(2): a cat of the test's own, reading a fifo the test holds open.
start_longrun f
f_pid=$lr_pid
f_job=$lr_job
start_longrun g
mkfifo "$TMP/fifo"
cat "$TMP/fifo" >/dev/null &
reader=$!
exec {writer}>"$TMP/fifo"
# in_read PID: PID is in read(2) (x86_64's call 0, aarch64's 63), or at
# least asleep where /proc/PID/syscall cannot be read.
case $(uname -m) in
aarch64) nr_read=63 ;;
*) nr_read=0 ;;
esac
in_read() {
	local nr
	if read -r nr _ <"/proc/$1/syscall" 2>/dev/null; then
		[ "$nr" = "$nr_read" ]
	else
		[ "$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$1/stat")" = S ]
	fi
}
wait_until "the reader never blocked in read(2)" in_read "$reader"
"$MEMTRACE" --verify --events="$TMP/fg.events" -p "$f_pid" -p "$lr_pid" -p "$reader" \
	2>"$TMP/fg.mt" &
mt=$!
wait_until "memtrace never attached to the reader" traced_by "$reader" "$mt"
calls_while_traced "$f_pid" "$mt" "$TMP/f.expected" 20
calls_while_traced "$lr_pid" "$mt" "$TMP/g.expected" 20
detach "$mt" "two processes and a reader"
verified "$TMP/fg.mt"
expect_eq "processes detached" "$(grep -c '; detached, running on$' "$TMP/fg.mt")" 3
for pid in "$f_pid" "$lr_pid"; do
	events_grep -E "$TMP/fg.events" "^\[$pid/[0-9]+\] mmap\(" || fail "no call of $pid traced"
done
untraced "$reader"
stop_longrun f "$f_pid" "$f_job"
stop_longrun g "$lr_pid" "$lr_job"
exec {writer}>&-
set +e
wait "$reader"
s_p=$?
set -e
expect_eq "the pipe reader" "$s_p" 0

# A program that ends while attached: reported, and memtrace exits 0.
start_longrun e
"$MEMTRACE" -p "$lr_pid" 2>"$TMP/e.mt" &
mt=$!
calls_while_traced "$lr_pid" "$mt" "$TMP/e.expected" 20
stop_longrun e "$lr_pid" "$lr_job"
set +e
wait "$mt"
status=$?
set -e
expect_eq "memtrace when the program ends" "$status" 0
grep -q "; exited with 0$" "$TMP/e.mt" || fail "the end is not reported: $(cat "$TMP/e.mt")"

# Errors: one line, the documented status, nothing left attached.
set +e
"$MEMTRACE" --events="$TMP/e1.events" --report="$TMP/e1.report" -o "$TMP/e1.json" -p 999999999 2>"$TMP/e1"; s1=$?
"$MEMTRACE" -p abc 2>"$TMP/e2"; s2=$?
"$MEMTRACE" -p 1 -- true 2>"$TMP/e3"; s3=$?
"$MEMTRACE" --duration 1 -- true 2>"$TMP/e4"; s4=$?
set -e
expect_eq "no such process: status" "$s1" 1
expect_eq "no such process: message" "$(cat "$TMP/e1")" "memtrace: no such process 999999999"
for out in events report json; do
	[ -e "$TMP/e1.$out" ] && fail "a failed -p made its $out file"
done
expect_eq "-p abc" "$s2" 2
expect_eq "-p with a program" "$s3" 2
expect_eq "--duration without -p" "$s4" 2

# Another tracer: a program run under memtrace cannot be attached to twice.
"$MEMTRACE" -- "$PROGRAMS/longrun" "$LONGRUN_SECONDS" 1 3>/dev/null >"$TMP/b.out" 2>/dev/null &
outer=$!
b_pid=$(said_pid "$TMP/b.out" ready)
set +e
"$MEMTRACE" -p "$b_pid" 2>"$TMP/e5"
s5=$?
# Forwarded by the first memtrace to its program, which ends.
kill -TERM "$outer"
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
	start_longrun p
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
	stop_longrun p "$lr_pid" "$lr_job"
	# The same user's process, made non-dumpable (PR_SET_DUMPABLE is 4).
	# (Debian's python3: nobody can run it, unlike one in root's home.)
	if [ -x /usr/bin/python3 ] && [ "$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all /usr/bin/python3 -c '
import ctypes, sys, time
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
print("ready", flush=True)
time.sleep(30)' >"$TMP/nd.out" &
		nd=$!
		wait_until "the non-dumpable program never started" grep -q ready "$TMP/nd.out"
		set +e
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			"$MEMTRACE" -p "$nd" 2>"$TMP/e8"
		s8=$?
		set -e
		kill "$nd"
		expect_eq "not dumpable: status" "$s8" 1
		grep -qE "^memtrace: cannot attach to $nd: not permitted \(it is not dumpable: " "$TMP/e8" ||
			fail "not dumpable: message: $(cat "$TMP/e8")"
	fi
else
	echo "note: not root, or no setpriv, or the build is not readable by nobody: the not-permitted case is not tested" >&2
fi

# Each refusal with its own reason: memtrace itself, a zombie, a kernel thread.
set +e
sh -c 'exec "$0" -p $$' "$MEMTRACE" 2>"$TMP/e9"
s9=$?
set -e
expect_eq "itself: status" "$s9" 1
grep -qE '^memtrace: cannot attach to [0-9]+: it is memtrace itself$' "$TMP/e9" ||
	fail "itself: message: $(cat "$TMP/e9")"
# A zombie: a child that exited, its parent (a shell exec'd into sleep) never reaping it.
sh -c 'sleep 0 & echo $! >"$1"; exec sleep 20' sh "$TMP/zombie.pid" &
zparent=$!
wait_until "no zombie" sh -c 'grep -q "^State:.Z" "/proc/$(cat "$1")/status" 2>/dev/null' sh "$TMP/zombie.pid"
set +e
"$MEMTRACE" -p "$(cat "$TMP/zombie.pid")" 2>"$TMP/e10"
s10=$?
set -e
kill "$zparent"
expect_eq "zombie: status" "$s10" 1
grep -qE '^memtrace: cannot attach to [0-9]+: it is a zombie ' "$TMP/e10" ||
	fail "zombie: message: $(cat "$TMP/e10")"
# A kernel thread: kthreadd is pid 2 where memtrace sees the host's processes.
if grep -qE '^Kthread:\s+1$' /proc/2/status 2>/dev/null; then
	set +e
	"$MEMTRACE" -p 2 2>"$TMP/e11"
	s11=$?
	set -e
	expect_eq "kernel thread: status" "$s11" 1
	grep -qE '^memtrace: cannot attach to 2: it is a kernel thread \(kthreadd\)' "$TMP/e11" ||
		fail "kernel thread: message: $(cat "$TMP/e11")"
else
	echo "note: pid 2 is no kernel thread here: the kernel-thread case is not tested" >&2
fi

# memtrace killed outright while attached: the kernel detaches, the program runs on.
start_longrun c
"$MEMTRACE" -p "$lr_pid" 2>/dev/null &
mt=$!
calls_while_traced "$lr_pid" "$mt" "$TMP/c.expected" 20
kill -KILL "$mt"
set +e
wait "$mt"
set -e
wait_until "longrun still traced after memtrace's SIGKILL" traced_by "$lr_pid" 0
lines=$(wc -l <"$TMP/c.expected")
wait_until "longrun does not run on after memtrace's SIGKILL" has_lines "$TMP/c.expected" $((lines + 20))
stop_longrun c "$lr_pid" "$lr_job"

# A program stopped by job control stays stopped after the detach, then runs on.
start_longrun d
kill -STOP "$lr_pid"
wait_until "longrun does not stop on SIGSTOP" all_stopped "$lr_pid"
lines=$(wc -l <"$TMP/d.expected")
set +e
"$MEMTRACE" --duration 0.5 -p "$lr_pid" 2>"$TMP/d.mt"
status=$?
set -e
expect_eq "memtrace on a stopped program" "$status" 0
grep -qE "^memtrace: \[$lr_pid\] .*/longrun: [0-9]+ memory calls.*; detached, left stopped\$" "$TMP/d.mt" ||
	fail "a stopped program is not said to be left stopped: $(grep -m1 '^memtrace: \[' "$TMP/d.mt")"
# A program wrongly let run shows it within this time; a loaded machine can
# only hide that (the test would pass), never make a right detach fail.
sleep 0.3
grep -qE '^State:\s+T' "/proc/$lr_pid/status" || fail "not stopped after detach: $(grep State "/proc/$lr_pid/status")"
expect_eq "calls made while stopped" "$(wc -l <"$TMP/d.expected")" "$lines"
untraced "$lr_pid"
kill -CONT "$lr_pid"
stop_longrun d "$lr_pid" "$lr_job"

# A signal in memtrace -p's first milliseconds (SIGINT, SIGTERM at 0, 1, 2,
# 5, 10 and 20 ms after its start, 10 runs each): once its handlers are in
# place (its SigCgt says so when the signal is sent), memtrace detaches
# and exits 0, whatever it was doing (seizing, reading the maps); before
# that, the signal's default action ends it.  Either way the program is
# left untraced, not stopped, and runs on.
start_longrun s
runs=0 handled=0
for sig in INT TERM; do
	for delay in 0 0.001 0.002 0.005 0.010 0.020; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			signalled_attach "$lr_pid" "$sig" "$delay"
			runs=$((runs + 1))
			if [ -n "$in_place" ]; then
				handled=$((handled + 1))
				expect_eq "SIG$sig $delay s after memtrace -p started: exit status" "$status" 0
			fi
			wait_until "run $runs: longrun still traced" traced_by "$lr_pid" 0
			untraced "$lr_pid"
		done
	done
done
expect_eq "memtrace -p runs signalled at start-up" "$runs" 120
echo "note: $handled of $runs signals came after memtrace's handlers were in place" >&2
lines=$(wc -l <"$TMP/s.expected")
wait_until "longrun does not run on after the signalled attaches" has_lines "$TMP/s.expected" $((lines + 20))
stop_longrun s "$lr_pid" "$lr_job"
