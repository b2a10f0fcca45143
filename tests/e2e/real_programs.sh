# SPDX-License-Identifier: LGPL-2.1-or-later
# Programs nobody here wrote: shells with pipelines (-f), python3 with
# threads, node (V8's large PROT_NONE reservations and many mprotects),
# java (heap and code cache reservations, thread stacks with guard pages),
# sqlite3.  They must run as without memtrace (output, input, exit
# status), the model must agree with /proc/PID/maps at every call
# (--verify), and every process's summary must agree with its event
# lines.  A program that is not installed, or does not run, is skipped
# with a line saying so; the shell's part runs everywhere.
. "$E2E_DIR/lib.sh"

# check_summaries ERR EVENTS: the counts of each pid's summaries (one per
# program it ran: an exec ends one) add up to that pid's lines.  Prints
# the number of processes.
check_summaries() {
	local err=$1 events=$2 pid want n=0
	while read -r pid want; do
		expect_eq "calls of [$pid]" "$(count_calls "$events" "$pid")" "$want"
		n=$((n + 1))
	done < <(sed -nE 's/^memtrace: \[([0-9]+)\] [^:]*: ([0-9]+) memory call.*/\1 \2/p' "$err" |
		awk '{ sum[$1] += $2 } END { for (pid in sum) print pid, sum[pid] }')
	[ "$n" -gt 0 ] || fail "no summary in $err"
	echo "$n"
}

# The program's stdout and stdin are its own.
out=$("$MEMTRACE" -- sh -c 'echo hello; cat' <<<"from stdin" 2>/dev/null)
expect_eq "stdout and stdin" "$out" "hello
from stdin"

# Exit status through sh; a pipeline's processes with -f.
set +e
"$MEMTRACE" --verify -f --events="$TMP/sh.events" -- sh -c 'ls / | wc -l >/dev/null; exit 7' 2>"$TMP/sh.err"
status=$?
set -e
expect_eq "sh exit status" "$status" 7
verified "$TMP/sh.err"
nproc=$(check_summaries "$TMP/sh.err" "$TMP/sh.events")
[ "$nproc" -ge 3 ] || fail "sh pipeline: $nproc processes reported, want 3 or more"
events_grep -E "$TMP/sh.events" '^\[[0-9]+\] --- execve .*/ls ---$' || fail "ls's exec not reported"

if runnable python3 -c pass; then
	set +e
	"$MEMTRACE" --verify --events="$TMP/py.events" -- python3 -c '
import threading
all_hold = threading.Barrier(8)
def work():
    blocks = [bytearray(1 << 20) for _ in range(20)]
    assert sum(len(b) for b in blocks) == 20 << 20
    all_hold.wait()
ts = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
print("python ok")' >"$TMP/py.out" 2>"$TMP/py.err"
	status=$?
	set -e
	expect_eq "python3 exit status" "$status" 0
	verified "$TMP/py.err"
	expect_eq "python3 output" "$(cat "$TMP/py.out")" "python ok"
	# Each thread holds its 20 MiB until all hold theirs (the barrier), so
	# none can reuse what another freed: each makes memory calls of its
	# own, however the threads are scheduled.
	tids=$(strip_times "$TMP/py.events" | sed -nE 's/^\[[0-9]+\/([0-9]+)\] .*/\1/p' | sort -u | wc -l)
	[ "$tids" -ge 8 ] || fail "python3: calls from $tids threads, want 8 or more"
	check_summaries "$TMP/py.err" "$TMP/py.events" >/dev/null
else
	echo "note: no python3 that runs: its part is skipped" >&2
fi

if runnable node -e 0; then
	set +e
	"$MEMTRACE" --verify --events="$TMP/node.events" -- node -e '
const a = []; for (let i = 0; i < 50; i++) a.push(new ArrayBuffer(1 << 20));
console.log("node ok", a.length)' >"$TMP/node.out" 2>"$TMP/node.err"
	status=$?
	set -e
	expect_eq "node exit status" "$status" 0
	verified "$TMP/node.err"
	expect_eq "node output" "$(cat "$TMP/node.out")" "node ok 50"
	check_summaries "$TMP/node.err" "$TMP/node.events" >/dev/null
else
	echo "note: no node that runs: its part is skipped" >&2
fi

if runnable java -version; then
	set +e
	"$MEMTRACE" --verify -f --events="$TMP/java.events" -- java -version >"$TMP/java.out" 2>"$TMP/java.err"
	status=$?
	set -e
	expect_eq "java -version exit status" "$status" 0
	verified "$TMP/java.err"
	grep -q 'version' "$TMP/java.err" || fail "java printed no version"
	check_summaries "$TMP/java.err" "$TMP/java.events" >/dev/null
else
	echo "note: no java that runs: its part is skipped" >&2
fi

if runnable sqlite3 :memory: 'select 1'; then
	set +e
	out=$("$MEMTRACE" --verify -- sqlite3 "$TMP/db.sqlite" \
		'create table t(x); insert into t values (1), (2), (3); select sum(x) from t;' \
		2>"$TMP/sqlite.err")
	status=$?
	set -e
	expect_eq "sqlite3 exit status" "$status" 0
	verified "$TMP/sqlite.err"
	expect_eq "sqlite3 output" "$out" 6
else
	echo "note: no sqlite3 that runs: its part is skipped" >&2
fi
