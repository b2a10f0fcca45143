# SPDX-License-Identifier: LGPL-2.1-or-later
# Programs nobody here wrote: shells with pipelines (-f), python3 with
# threads, node (V8's large PROT_NONE reservations and many mprotects),
# java (heap and code cache reservations, thread stacks with guard pages),
# sqlite3.  They must run as without memtrace (output, input, exit
# status), the model must agree with /proc/PID/maps at every call
# (--verify), and every process's summary must agree with its event
# lines.  A program that is not installed is skipped.
. "$E2E_DIR/lib.sh"

# check_verified ERR: --verify found no mismatch.
check_verified() {
	grep -qx 'verify: 0 mismatches' "$1" || {
		grep -A12 '^memtrace: verify:' "$1" | head -n 40 >&2 || true
		fail "$1: $(grep '^verify:' "$1" || echo 'no verify line')"
	}
}

# check_summaries ERR EVENTS: every summary count equals that pid's lines.
check_summaries() {
	local err=$1 events=$2 pid want n=0
	while read -r pid want; do
		expect_eq "calls of [$pid]" "$(count_calls "$events" "$pid")" "$want"
		n=$((n + 1))
	done < <(sed -nE 's/^memtrace: \[([0-9]+)\] [^:]*: ([0-9]+) memory call.*/\1 \2/p' "$err")
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
check_verified "$TMP/sh.err"
nproc=$(check_summaries "$TMP/sh.err" "$TMP/sh.events")
[ "$nproc" -ge 3 ] || fail "sh pipeline: $nproc processes reported, want 3 or more"
events_grep -E "$TMP/sh.events" '^\[[0-9]+\] --- execve .*/ls ---$' || fail "ls's exec not reported"

if command -v python3 >/dev/null; then
	set +e
	"$MEMTRACE" --verify --events="$TMP/py.events" -- python3 -c '
import threading
def work():
    blocks = [bytearray(1 << 20) for _ in range(20)]
    assert sum(len(b) for b in blocks) == 20 << 20
ts = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
print("python ok")' >"$TMP/py.out" 2>"$TMP/py.err"
	status=$?
	set -e
	expect_eq "python3 exit status" "$status" 0
	check_verified "$TMP/py.err"
	expect_eq "python3 output" "$(cat "$TMP/py.out")" "python ok"
	tids=$(strip_times "$TMP/py.events" | sed -nE 's/^\[[0-9]+\/([0-9]+)\] .*/\1/p' | sort -u | wc -l)
	[ "$tids" -ge 8 ] || fail "python3: calls from $tids threads, want 8 or more"
	check_summaries "$TMP/py.err" "$TMP/py.events" >/dev/null
else
	echo "python3 not installed: skipped"
fi

if command -v node >/dev/null; then
	set +e
	"$MEMTRACE" --verify --events="$TMP/node.events" -- node -e '
const a = []; for (let i = 0; i < 50; i++) a.push(new ArrayBuffer(1 << 20));
console.log("node ok", a.length)' >"$TMP/node.out" 2>"$TMP/node.err"
	status=$?
	set -e
	expect_eq "node exit status" "$status" 0
	check_verified "$TMP/node.err"
	expect_eq "node output" "$(cat "$TMP/node.out")" "node ok 50"
	check_summaries "$TMP/node.err" "$TMP/node.events" >/dev/null
else
	echo "node not installed: skipped"
fi

if command -v java >/dev/null; then
	set +e
	"$MEMTRACE" --verify -f --events="$TMP/java.events" -- java -version >"$TMP/java.out" 2>"$TMP/java.err"
	status=$?
	set -e
	expect_eq "java -version exit status" "$status" 0
	check_verified "$TMP/java.err"
	grep -q 'version' "$TMP/java.err" || fail "java printed no version"
	check_summaries "$TMP/java.err" "$TMP/java.events" >/dev/null
else
	echo "java not installed: skipped"
fi

if command -v sqlite3 >/dev/null; then
	set +e
	out=$("$MEMTRACE" --verify -- sqlite3 "$TMP/db.sqlite" \
		'create table t(x); insert into t values (1), (2), (3); select sum(x) from t;' \
		2>"$TMP/sqlite.err")
	status=$?
	set -e
	expect_eq "sqlite3 exit status" "$status" 0
	check_verified "$TMP/sqlite.err"
	expect_eq "sqlite3 output" "$out" 6
else
	echo "sqlite3 not installed: skipped"
fi
