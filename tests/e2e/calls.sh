# SPDX-License-Identifier: LGPL-2.1-or-later
# One of each memory call, successful and failing: every call the program
# made appears once, with its arguments and result, and the summary
# counts agree with the events.
. "$E2E_DIR/lib.sh"

run_memtrace "$TMP/calls" -- "$PROGRAMS/calls"
expect_eq "exit status" "$status" 0
# What the host lacks (SysV shared memory, AIO) the program leaves out, and says.
grep '^note: ' "$TMP/calls.err" >&2 || true
check_expected "$TMP/calls.expected" "$TMP/calls.events"

pid=$(head -n1 "$TMP/calls.expected" | sed -nE 's/^\[([0-9]+)\].*/\1/p')
expect_eq "summary count = event lines" "$(summary_calls "$TMP/calls.err" "$pid")" \
	"$(count_calls "$TMP/calls.events" "$pid")"
grep -q "; exited with 0$" "$TMP/calls.err" || fail "no exit in the summary"
events_grep -x "$TMP/calls.events" "\[$pid\] +++ exited with 0 +++" || fail "no exit line"
# The mmap numbered as x32's is marked so (the last mmap of PAGE with
# PROT_READ the program expected).  x86_64's alone.
if [ "$(uname -m)" = x86_64 ]; then
	x32=$(grep -E '^\[[0-9]+\] mmap\(NULL, 4096, PROT_READ, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = ' "$TMP/calls.expected" | tail -n1)
	expect_eq "the x32 call's note" "$(note_of "$x32" "$TMP/calls.events")" "x32 call"
fi

# Without --events, only the summary is printed, and the count is the same.
set +e
"$MEMTRACE" -- "$PROGRAMS/calls" 3>/dev/null >/dev/null 2>"$TMP/plain.err"
status=$?
set -e
expect_eq "exit status without --events" "$status" 0
expect_eq "summary lines" "$(grep -c '^memtrace: \[' "$TMP/plain.err")" 1

# The same through the registers, as on a kernel without PTRACE_GET_SYSCALL_INFO.
MEMTRACE_TEST_NO_SYSCALL_INFO=1 run_memtrace "$TMP/regs" -- "$PROGRAMS/calls"
expect_eq "exit status (registers)" "$status" 0
check_expected "$TMP/regs.expected" "$TMP/regs.events"
