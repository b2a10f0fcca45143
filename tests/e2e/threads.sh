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

# Calls of one process run together where they commute; where an mmap
# reuses what a munmap still in flight freed, the munmap is applied first.
# reuse makes that happen in about half of its runs (the kernel's timing
# decides); without the ordering, --verify found mismatches in about
# half of them.  Three runs, the model right in each.
for run in 1 2 3; do
	run_memtrace "$TMP/reuse$run" --no-stacks -- "$PROGRAMS/reuse"
	expect_eq "reuse run $run: exit status" "$status" 0
done

# Many threads in memory calls at once: every call seen, the model right.
run_memtrace "$TMP/hot" -- "$PROGRAMS/hot_threads" 16 200
expect_eq "hot_threads exit status" "$status" 0
expect_eq "hot_threads: mmap of 64 KiB" \
	"$(grep -cE '^[0-9.]+ \[[0-9]+/[0-9]+\] #[0-9]+ mmap\(NULL, 65536,' "$TMP/hot.events")" 3200
expect_eq "hot_threads: munmap of 64 KiB" \
	"$(grep -cE '^[0-9.]+ \[[0-9]+/[0-9]+\] #[0-9]+ munmap\(0x[0-9a-f]+, 65536\)' "$TMP/hot.events")" 3200
# Numbered in the order they were applied: one line per number, rising.
awk '$3 ~ /^#[0-9]+$/ { n = substr($3, 2) + 0; if (n <= last) bad++; last = n } END { exit bad > 0 }' \
	"$TMP/hot.events" || fail "hot_threads: call numbers out of order"
