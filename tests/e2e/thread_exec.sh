# SPDX-License-Identifier: LGPL-2.1-or-later
# execve from a non-leader thread: the exec'ing thread takes the leader's
# tid; calls before and after the exec are reported under the right ids,
# and a leader killed inside a memory call does not hang memtrace.
. "$E2E_DIR/lib.sh"

for mode in idle busy; do
	run_memtrace "$TMP/$mode" -- "$PROGRAMS/thread_exec" "$mode"
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
done
