# SPDX-License-Identifier: LGPL-2.1-or-later
# fork, vfork + exec, clone(CLONE_VM): with -f every process's calls are
# reported under its own pid; without -f only the launched process's are,
# though the children are still traced (they run and exit normally).
. "$E2E_DIR/lib.sh"

run_memtrace "$TMP/f" -f -- "$PROGRAMS/forks"
expect_eq "exit status (-f)" "$status" 0
check_expected "$TMP/f.expected" "$TMP/f.events"
pids=$(sed -nE 's/^\[([0-9]+)\].*/\1/p' "$TMP/f.expected" | sort -u | wc -l)
expect_eq "processes that made calls" "$pids" 4
events_grep -E "$TMP/f.events" '^\[[0-9]+\] --- execve .*/forks ---$' ||
	fail "the vfork child's exec is not reported"
grep -qE '^\[[0-9]+\] \+\+\+ exited with 5 \+\+\+$' <(strip_times "$TMP/f.events") ||
	fail "the fork child's exit status is not reported"
expect_eq "summary lines (-f)" "$(grep -c '^memtrace: \[' "$TMP/f.err")" 4
# The clone(CLONE_VM|SIGCHLD) child's mapping is its parent's, unmapped by
# the parent: one model for both (ptrace reports that clone as a fork).
child_map=$(grep -E '^\[[0-9]+\] mmap\(NULL, 65536, PROT_READ,' "$TMP/f.expected")
parent_unmap=$(grep -E '^\[[0-9]+\] munmap\(0x[0-9a-f]+, 65536\) = 0$' "$TMP/f.expected")
expect_eq "the parent's munmap of its clone's mapping" "$(note_of "$parent_unmap" "$TMP/f.events")" \
	"unmaps #$(seq_of "$child_map" "$TMP/f.events")"

run_memtrace "$TMP/n" -- "$PROGRAMS/forks"
expect_eq "exit status (no -f)" "$status" 0
main=$(head -n1 "$TMP/n.expected" | sed -nE 's/^\[([0-9]+)\].*/\1/p')
grep "^\[$main\] " "$TMP/n.expected" >"$TMP/n.main.expected"
check_expected "$TMP/n.main.expected" "$TMP/n.events"
others=$(strip_times "$TMP/n.events" | grep -vcE "^\[$main(/[0-9]+)?\] " || true)
expect_eq "lines of other processes without -f" "$others" 0
expect_eq "summary lines (no -f)" "$(grep -c '^memtrace: \[' "$TMP/n.err")" 1
