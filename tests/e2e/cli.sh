# SPDX-License-Identifier: LGPL-2.1-or-later
# The command line as strace and diff(1) users expect it: -o - streams the
# trace into a pipe, "-" reads one from standard input, gzip-compressed
# traces are written and read as they are, memtrace diff exits 0/1/2 and
# warns of what makes a comparison doubtful, --interval lines stay on the
# terminal whatever --report names, an attach that fails leaves no files,
# and subcommands take "--" and --opt=value.
. "$E2E_DIR/lib.sh"

command -v gzip >/dev/null || skip "gzip is not installed"

# run ARGS...: memtrace ARGS with stdout and stderr to $TMP/out and $TMP/err; sets $status.
run() {
	set +e
	"$MEMTRACE" "$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
	set -e
}

# live_report ERRFILE: the report part of a live run's stderr.
live_report() {
	sed -n '/^memtrace: \[[0-9]*\] .*: [0-9]* memory call/,$p' "$1"
}

# same_text WHAT A B: files A and B are the same, byte for byte.
same_text() {
	cmp -s "$2" "$3" || {
		diff "$2" "$3" | head -n 20 >&2
		fail "$1: they differ"
	}
}

# -o -: the trace on stdout, into a pipe; the program's own output goes to stderr.
set +e
"$MEMTRACE" -o - --report="$TMP/pipe.live" -- "$PROGRAMS/../../demo/demo" 2>"$TMP/pipe.err" |
	"$MEMTRACE" report - >"$TMP/pipe.offline" 2>"$TMP/pipe.offline.err"
statuses="${PIPESTATUS[*]}"
set -e
expect_eq "memtrace -o - | memtrace report -: exit statuses" "$statuses" "0 0"
[ -s "$TMP/pipe.offline.err" ] && fail "memtrace report - said: $(cat "$TMP/pipe.offline.err")"
grep -qE '^demo: [0-9]+ workers done' "$TMP/pipe.err" ||
	fail "-o -: the program's standard output is not on stderr: $(cat "$TMP/pipe.err")"
same_text "the report of the trace read from a pipe and the live one" \
	"$TMP/pipe.live" "$TMP/pipe.offline"

# --events=-: the events on stdout, the program's own output on stderr.
run --events=- -- sh -c 'echo program-output'
grep -q '^program-output$' "$TMP/err" || fail "--events=-: the program's output is not on stderr"
grep -q 'program-output' "$TMP/out" && fail "--events=-: the program's output is among the events"
grep -qE '^[0-9.]+ \[[0-9]+\] #[0-9]+ mmap\(' "$TMP/out" || fail "--events=-: no events on stdout"

# -o FILE.gz: gzip, read back as it is, and the same once decompressed.
NO_VERIFY=1 run_memtrace "$TMP/gz" -o "$TMP/gz.json.gz" -- "$PROGRAMS/findings" churn
expect_eq "-o FILE.gz: exit status" "$status" 0
gzip -t "$TMP/gz.json.gz" || fail "-o FILE.gz is no gzip file"
gzip -dc "$TMP/gz.json.gz" >"$TMP/gz.json"
head -n 1 "$TMP/gz.json" | grep -q '^{"type":"header","format":"memtrace-trace",' ||
	fail "-o FILE.gz: no header once decompressed"
live_report "$TMP/gz.err" | grep -v '^verify: ' >"$TMP/gz.live"
run report "$TMP/gz.json.gz"
expect_eq "memtrace report FILE.gz: exit status" "$status" 0
same_text "the report of a compressed trace and the live one" "$TMP/gz.live" "$TMP/out"
run report "$TMP/gz.json"
same_text "the report of the decompressed trace and the live one" "$TMP/gz.live" "$TMP/out"
# A plain trace compressed afterwards, from standard input.
gzip -c "$TMP/gz.json" >"$TMP/recompressed.gz"
set +e
"$MEMTRACE" report - <"$TMP/recompressed.gz" >"$TMP/out" 2>"$TMP/err"
status=$?
set -e
expect_eq "memtrace report - < FILE.gz: exit status" "$status" 0
same_text "the report of a compressed trace on stdin and the live one" "$TMP/gz.live" "$TMP/out"

# A compressed trace cut short: what it holds is reported, with warnings, exit 0.
size=$(stat -c %s "$TMP/gz.json.gz")
head -c $((size * 2 / 3)) "$TMP/gz.json.gz" >"$TMP/cut.json.gz"
run report "$TMP/cut.json.gz"
expect_eq "a cut compressed trace: exit status" "$status" 0
grep -q 'the compressed trace is cut short' "$TMP/err" ||
	fail "a cut compressed trace: no warning: $(cat "$TMP/err")"
# Corrupt compressed data: one line naming the file, exit 2.  The bytes
# after the gzip header (10 bytes): 0xff is a deflate block of the reserved
# type; 'x's after a first part decode to garbage, or to nothing.
for cut in 10 200; do
	{
		head -c "$cut" "$TMP/gz.json.gz"
		head -c 2000 /dev/zero | tr '\0' "$([ "$cut" = 10 ] && echo '\377' || echo x)"
	} >"$TMP/bad.json.gz"
	run report "$TMP/bad.json.gz"
	expect_eq "corrupt compressed trace ($cut): exit status" "$status" 2
	expect_eq "corrupt compressed trace ($cut): lines on stderr: $(cat "$TMP/err")" \
		"$(grep -c . "$TMP/err")" 1
	grep -q "bad.json.gz" "$TMP/err" || fail "corrupt compressed trace: the file is not named: $(cat "$TMP/err")"
done
set +e
"$MEMTRACE" report "$TMP/gz.json" >/dev/full 2>"$TMP/err"
status=$?
set -e
expect_eq "report to a full disk: exit status" "$status" 2
grep -q 'cannot write the report' "$TMP/err" || fail "report to a full disk: $(cat "$TMP/err")"

# diff(1)'s exit statuses; "-" for one side; --opt=value and "--".
for i in 1 2; do
	NO_VERIFY=1 run_memtrace "$TMP/same$i" -o "$TMP/same$i.json" -- "$PROGRAMS/findings" threads
done
NO_VERIFY=1 run_memtrace "$TMP/more" -o "$TMP/more.json.gz" -- "$PROGRAMS/findings" threads 9
run diff "$TMP/same1.json" "$TMP/same2.json"
expect_eq "diff of two runs of a deterministic program: exit status" "$status" 0
[ -s "$TMP/err" ] && fail "diff of two runs of one program warned: $(cat "$TMP/err")"
set +e
"$MEMTRACE" diff --top=5 -- - "$TMP/more.json.gz" <"$TMP/same1.json" >"$TMP/out" 2>"$TMP/err"
status=$?
set -e
expect_eq "diff - B, one more thread: exit status" "$status" 1
grep -qE '^  thread stack +\+2 ' "$TMP/out" || fail "diff - B: $(cat "$TMP/out")"
grep -q '^memtrace diff: (standard input) (1 process) -> ' "$TMP/out" ||
	fail "diff - B: standard input is not named: $(head -n 1 "$TMP/out")"
run diff --json "$TMP/same1.json" "$TMP/more.json.gz"
expect_eq "diff --json of different runs: exit status" "$status" 1
run diff "$TMP/same1.json" "$TMP/no-such.json"
expect_eq "diff of a missing trace: exit status" "$status" 2
# Two different programs: a warning, and the comparison all the same.
NO_VERIFY=1 run_memtrace "$TMP/other" -o "$TMP/other.json" -- "$PROGRAMS/../../demo/demo"
run diff "$TMP/same1.json" "$TMP/other.json"
expect_eq "diff of two programs: exit status" "$status" 1
grep -q 'two different programs' "$TMP/err" || fail "diff of two programs: no warning: $(cat "$TMP/err")"
# A trace cut short: a warning naming it.
head -n 20 "$TMP/same2.json" >"$TMP/short.json"
run diff "$TMP/same1.json" "$TMP/short.json"
grep -q 'short.json is cut short' "$TMP/err" || fail "diff of a cut trace: no warning: $(cat "$TMP/err")"
run report --top=3 --churn-ms=5 -- "$TMP/same1.json"
expect_eq "report --top=3 --churn-ms=5 -- TRACE: exit status" "$status" 0

# --interval lines go to stderr, the report to --report's file.  The
# program runs until two growth lines are out, then SIGTERM (to memtrace,
# which forwards it) ends it.
interval_run "$TMP/interval" 2 --report="$TMP/interval.report"
expect_eq "--interval with --report: exit status (longrun ends on SIGTERM with 0)" "$status" 0
grep -qE '^memtrace: [0-9.]+s \[[0-9]+\] VSZ ' "$TMP/interval.report" &&
	fail "--interval: growth lines in the --report file"
grep -q '^  by kind ' "$TMP/interval.report" || fail "--report: no report in the file"

# An output that cannot be opened leaves the others' files as they were.
echo precious >"$TMP/keep.txt"
run --events="$TMP/keep.txt" --report="$TMP/new.txt" -o "$TMP/no/such/dir/t.json" -- true
expect_eq "an output that cannot be opened: exit status" "$status" 2
expect_eq "an output that cannot be opened: the other's file" "$(cat "$TMP/keep.txt")" precious
[ -e "$TMP/new.txt" ] && fail "an output that cannot be opened: another's file was created"

# An attach that fails creates no file.
run -p 2147483647 -o "$TMP/p.json" --events="$TMP/p.events" --report="$TMP/p.report"
expect_eq "-p of no process: exit status" "$status" 1
for file in p.json p.events p.report; do
	[ -e "$TMP/$file" ] && fail "-p of no process created $file"
done
# One that cannot open its output detaches at once and leaves the process
# running, neither traced nor stopped.
if can_attach; then
	sleep 600 &
	sleeper=$!
	run -p "$sleeper" -o "$TMP/no/such/dir/p.json"
	expect_eq "-p with an output that cannot be opened: exit status" "$status" 2
	grep -q "cannot open '$TMP/no/such/dir/p.json'" "$TMP/err" ||
		fail "-p, bad output: $(cat "$TMP/err")"
	# untraced_sleeping: TracerPid 0 and state S (just after the detach it may still run).
	untraced_sleeping() {
		grep -qE '^TracerPid:\s+0$' "/proc/$sleeper/status" &&
			grep -qE '^State:\s+S' "/proc/$sleeper/status"
	}
	wait_until "-p, bad output: the process is left traced or stopped" untraced_sleeping
	kill "$sleeper"
else
	echo "note: $why_not: the detach after an output that cannot be opened is not tested" >&2
fi

# An output that cannot be written (a full disk): said once, at once (the
# trace's header fails while the program still runs), the program left to
# run, and the exit status 74 unless the program's own says more.
if [ -w /dev/full ]; then
	set +e
	"$MEMTRACE" -o /dev/full -- sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done' sh "$TMP/go" \
		2>"$TMP/full.err" &
	mt=$!
	set -e
	wait_until "a trace to a full disk: not said while the program runs" \
		grep -q "^memtrace: cannot write the trace '/dev/full': No space left on device; it stops here$" \
		"$TMP/full.err"
	touch "$TMP/go"
	set +e
	wait "$mt"
	status=$?
	set -e
	expect_eq "a trace to a full disk: exit status" "$status" 74
	expect_eq "a trace to a full disk: said once" "$(grep -c 'cannot write' "$TMP/full.err")" 1
	grep -q '^memtrace: \[[0-9]*\] .*; exited with 0$' "$TMP/full.err" ||
		fail "a trace to a full disk: no report"
	for opt in --events=/dev/full --report=/dev/full; do
		run "$opt" -- "$PROGRAMS/findings" clean
		expect_eq "$opt: exit status" "$status" 74
		expect_eq "$opt: said once" "$(grep -c 'cannot write' "$TMP/err")" 1
	done
	run -o /dev/full -- sh -c 'exit 3'
	expect_eq "a trace to a full disk, the program's status 3" "$status" 3
else
	echo "note: no /dev/full: outputs that cannot be written are not tested" >&2
fi

# The reader of an output goes away (a pipe to head): memtrace and its
# program never die of SIGPIPE.  The events go to a FIFO whose reader
# stops after 0, 1, 2, 5, 10 and 20 lines, 10 runs each: the program
# finishes its work ("ok" on its own stdout), memtrace says once that the
# events stop there, ends with 74, and leaves nothing behind.  The events
# are far more than a pipe holds (shapes' cases ten times over), so the
# reader's end comes before memtrace's last write however the two are
# scheduled.  The same for the report on a pipe whose reader is gone
# before memtrace starts.
cases=()
for _ in 1 2 3 4 5 6 7 8 9 10; do
	cases+=(mremaps splits_and_merges file_shapes fixed_noreplace)
done
mkfifo "$TMP/fifo"
# A reader that reads it all: every line reaches it (the check that the
# outputs can be opened, before the program starts, must not open the FIFO:
# its close would be the reader's end of input, and memtrace would wait
# for another).
cat "$TMP/fifo" >"$TMP/fifo.all" &
reader=$!
run --events="$TMP/fifo" -- "$PROGRAMS/findings" clean
wait "$reader"
expect_eq "events to a FIFO: exit status" "$status" 0
grep -qE '^[0-9.]+ \[[0-9]+\] \+\+\+ exited with 0 \+\+\+$' "$TMP/fifo.all" ||
	fail "events to a FIFO: not all of them read: $(tail -n 2 "$TMP/fifo.all")"
runs=0
for lines in 0 1 2 5 10 20; do
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		head -n "$lines" "$TMP/fifo" >/dev/null &
		reader=$!
		set +e
		"$MEMTRACE" --events="$TMP/fifo" -- "$PROGRAMS/shapes" "${cases[@]}" >"$TMP/pipe.out" \
			2>"$TMP/pipe.err" 3>/dev/null
		status=$?
		set -e
		wait "$reader" || true
		runs=$((runs + 1))
		grep -qx ok "$TMP/pipe.out" || fail "reader gone after $lines lines: the program did not finish ($status)"
		expect_eq "reader gone after $lines lines: exit status" "$status" 74
		expect_eq "reader gone after $lines lines: said once" \
			"$(grep -c "^memtrace: cannot write the events '$TMP/fifo': Broken pipe; it stops here$" "$TMP/pipe.err")" 1
	done
done
expect_eq "runs with the reader gone" "$runs" 60
if checked_if "a report to a closed pipe" python3 -c pass; then
	set +e
	python3 -c 'import os, sys
r, w = os.pipe()
os.close(r)
os.dup2(w, 1)
os.execvp(sys.argv[1], sys.argv[1:])' "$MEMTRACE" --report=- -- "$PROGRAMS/shapes" 2>"$TMP/pipe.err" 3>/dev/null
	status=$?
	set -e
	expect_eq "a report to a closed pipe: exit status" "$status" 74
	expect_eq "a report to a closed pipe: said once" "$(grep -c "^memtrace: cannot write the report" "$TMP/pipe.err")" 1
fi

# A child memtrace did not launch (the shell's job, before it exec'd
# memtrace) is none of its business: memtrace ends with the program, the
# child still running.
set +e
bash -c 'sleep 60 & echo $! >"$1"; exec "$2" -- true' sh "$TMP/job.pid" "$MEMTRACE" 2>"$TMP/job.err"
status=$?
set -e
expect_eq "a child not launched: exit status" "$status" 0
kill -0 "$(cat "$TMP/job.pid")" 2>/dev/null ||
	fail "a child not launched: memtrace waited for its end"
kill "$(cat "$TMP/job.pid")"

# Standard error closed by the caller: the program runs, the trace is
# whole, the report goes nowhere (/dev/null takes the closed descriptor).
set +e
"$MEMTRACE" -o "$TMP/closed.json" -- "$PROGRAMS/findings" clean >/dev/null 2>&-
status=$?
set -e
expect_eq "stderr closed: exit status" "$status" 0
grep -q '"type":"summary"' "$TMP/closed.json" || fail "stderr closed: the trace has no summary"
"$MEMTRACE" report "$TMP/closed.json" >/dev/null 2>&1 || fail "stderr closed: the trace does not read back"

# A set-user-ID program runs without its privilege when traced by one who
# lacks CAP_SYS_PTRACE (the kernel's rule): memtrace says so in one line.
# As nobody, a set-user-ID root copy of id(1) says uid 65534 traced, 0 not;
# as root it keeps its privilege, and nothing is said.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v id >/dev/null; then
	mkdir -p "$TMP/suid"
	chmod 755 "$TMP" "$TMP/suid"
	cp "$(command -v id)" "$TMP/suid/id"
	chmod 4755 "$TMP/suid/id"
	as_nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"
	}
	if [ "$(as_nobody "$TMP/suid/id" -u)" = 0 ]; then
		set +e
		as_nobody "$MEMTRACE" -- "$TMP/suid/id" -u >"$TMP/suid.out" 2>"$TMP/suid.err"
		status=$?
		set -e
		expect_eq "set-user-ID as nobody: exit status" "$status" 0
		expect_eq "set-user-ID as nobody: its euid" "$(cat "$TMP/suid.out")" 65534
		expect_eq "set-user-ID as nobody: said" \
			"$(grep -c "^memtrace: \[[0-9]*\] $TMP/suid/id is set-user-ID (uid 0): traced, it runs without that privilege " "$TMP/suid.err")" 1
		"$MEMTRACE" -- "$TMP/suid/id" -u >"$TMP/suid_root.out" 2>"$TMP/suid_root.err"
		expect_eq "set-user-ID as root: its euid" "$(cat "$TMP/suid_root.out")" 0
		grep -q 'set-user-ID' "$TMP/suid_root.err" && fail "set-user-ID as root: said, though it keeps its privilege"
	else
		echo "note: set-user-ID files do not work in $TMP (nosuid): the privilege warning is not checked" >&2
	fi
else
	echo "note: not root, or no setpriv: the set-user-ID warning is not checked" >&2
fi
exit 0
