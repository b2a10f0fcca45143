# SPDX-License-Identifier: LGPL-2.1-or-later
# 8 threads mapping at the same time: each of their calls appears exactly
# once, under the right tid, in one whole line.
. "$E2E_DIR/lib.sh"

run_memtrace "$TMP/t" -- "$PROGRAMS/threads"
expect_eq "exit status" "$status" 0
check_expected "$TMP/t.expected" "$TMP/t.events"
expect_eq "threads seen" \
	"$(sed -nE 's/^\[[0-9]+\/([0-9]+)\].*/\1/p' "$TMP/t.expected" | sort -u | wc -l)" 8
# Every line is whole: a time, a [pid] or [pid/tid], a call or a +++ note;
# or a frame of the stack of the call above it.
bad=$(grep -cvE '^([0-9]+\.[0-9]{6} \[[0-9]+(/[0-9]+)?\] (#[0-9]+ [a-z_0-9]+\(.*\) = .+|\+\+\+ .* \+\+\+|--- .* ---)|    > .+)$' \
	"$TMP/t.events" || true)
expect_eq "malformed event lines" "$bad" 0
grep -q "threads: 8 x 100 iterations done" "$TMP/t.out" || fail "program output lost"
