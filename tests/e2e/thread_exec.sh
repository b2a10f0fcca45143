# SPDX-License-Identifier: LGPL-2.1-or-later
# execve from a non-leader thread: the exec'ing thread takes the leader's
# tid; calls before and after the exec are reported under the right ids,
# and a leader killed inside a memory call does not hang memtrace.  Each
# program is reported as its own, the one the exec replaced too: its calls
# and memory as the exec found them, the new one's counted afresh, live and
# from the trace.
. "$E2E_DIR/lib.sh"

# report_of ERRFILE N: the Nth report of ERRFILE, from its summary line to the next one.
report_of() {
	awk -v n="$2" '/^memtrace: \[[0-9]+\] .*: [0-9]+ memory call/ { k++ } k == n' "$1"
}

for mode in idle busy leader; do
	# A minute for churn: every unmap counts, however slow the machine.
	run_memtrace "$TMP/$mode" -o "$TMP/$mode.json" --churn-ms 60000 -- "$PROGRAMS/thread_exec" "$mode"
	expect_eq "exit status ($mode)" "$status" 0
	check_expected "$TMP/$mode.expected" "$TMP/$mode.events"
	pid=$(sed -nE 's/^before exec: pid ([0-9]+)$/\1/p' "$TMP/$mode.out")
	expect_eq "pid after exec ($mode)" \
		"$(sed -nE 's/^after exec: pid ([0-9]+) tid ([0-9]+)$/\1 \2/p' "$TMP/$mode.out")" \
		"$pid $pid"
	events_grep -E "$TMP/$mode.events" "^\[$pid\] --- execve .*/thread_exec ---$" ||
		fail "exec not reported ($mode)"
	# A call cut short by the exec is shown with '?', never lost or invented.
	bad=$(strip_times "$TMP/$mode.events" | grep -E ' = \?$' | grep -cvE "^\[$pid(/[0-9]+)?\] " || true)
	expect_eq "unfinished calls of other processes ($mode)" "$bad" 0

	# Two reports of pid: the old program's, ended by the exec, then the new one's.
	expect_eq "summaries ($mode)" "$(grep -cE "^memtrace: \[$pid\] " "$TMP/$mode.err")" 2
	report_of "$TMP/$mode.err" 1 >"$TMP/$mode.old"
	report_of "$TMP/$mode.err" 2 >"$TMP/$mode.new"
	grep -qE "^memtrace: \[$pid\] .*/thread_exec: [0-9]+ memory calls .*; replaced by an exec\$" \
		"$TMP/$mode.old" || fail "the old program's report does not end with the exec ($mode): $(head -n1 "$TMP/$mode.old")"
	grep -qE "^memtrace: \[$pid\] .*/thread_exec: [0-9]+ memory calls .*; exited with 0\$" \
		"$TMP/$mode.new" || fail "no report of the new program ($mode)"
	if [ "$mode" = leader ]; then
		# 10 of the 20 MiB kept, 10 unmapped: its churn.
		grep -qE '^ +10 +0 +10 MiB +\? +mmap < main$' "$TMP/$mode.old" ||
			fail "the old program's 10 MiB are not in its report"
		grep -qE '^  20 MiB mapped by 20 calls, 10 unmapped within 60000 ms \(10 MiB\), 10 MiB kept: mmap < main$' \
			"$TMP/$mode.old" || fail "the old program's churn is not in its report: $(grep -A3 churn "$TMP/$mode.old")"
	else
		grep -qE '^ +1 +0 +28 KiB +\? +mmap < execer < start_thread' "$TMP/$mode.old" ||
			fail "the exec'ing thread's 7 pages are not in the old program's report ($mode)"
	fi
	grep -qE 'RSS not known \(an exec replaced its memory' "$TMP/$mode.old" ||
		fail "the old program's resident figures are not said to be unknown ($mode)"
	# The new program's calls are its own: those after the exec.
	after=$(sed -n '/--- execve /,$p' "$TMP/$mode.events" >"$TMP/$mode.after"; count_calls "$TMP/$mode.after" "$pid")
	expect_eq "the new program's calls ($mode)" "$(report_of "$TMP/$mode.err" 2 | sed -nE "s/^memtrace: \[$pid\] [^:]*: ([0-9]+) memory call.*/\1/p")" "$after"
	grep -qE ' mmap < main$' "$TMP/$mode.new" || fail "the new program's 9 pages are not in its report ($mode)"
	grep -qE '(10 MiB|28 KiB) .*(mmap < main|mmap < execer)' "$TMP/$mode.new" &&
		fail "the old program's memory is in the new one's report ($mode)"
	expect_same_report "$TMP/$mode" "thread_exec $mode"
done
