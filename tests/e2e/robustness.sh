# SPDX-License-Identifier: LGPL-2.1-or-later
# Programs that used to break the model or hang memtrace: a userfaultfd
# handler that maps memory while another thread's madvise waits for it
# (memory calls are held one at a time per process: the held one must be
# let go), and a fork whose child lacks its parent's MADV_DONTFORK region.
. "$E2E_DIR/lib.sh"

# memtrace lets the held call go after half a second; if it never does,
# the test fails after 60 s rather than hang the suite (a limit far beyond
# what a loaded machine takes, not a measure of speed).
set +e
timeout 60 "$MEMTRACE" --verify --events="$TMP/u.events" -- "$PROGRAMS/uffd" >"$TMP/u.out" 2>"$TMP/u.err" 3>/dev/null
status=$?
set -e
if [ "$status" = 77 ]; then
	echo "note: the userfaultfd scenario is skipped: $(sed -n 's/^SKIP: //p' "$TMP/u.err")" >&2
else
	[ "$status" = 124 ] && fail "memtrace hung on the userfaultfd program"
	expect_eq "uffd exit status" "$status" 0
	expect_eq "uffd output" "$(cat "$TMP/u.out")" populated
	grep -qx 'verify: 0 mismatches' "$TMP/u.err" || fail "uffd: $(grep '^verify' "$TMP/u.err")"
fi

run_memtrace "$TMP/d" -f -- "$PROGRAMS/dontfork"
expect_eq "dontfork exit status" "$status" 0

# --verify with thousands of live mappings, past the count where each
# call's check asks the kernel about the ranges the call changed alone
# (PROCMAP_QUERY) and the whole comparison comes now and then: still 0
# mismatches, every call seen.
run_memtrace "$TMP/many" -- "$PROGRAMS/many_maps" 3000
expect_eq "many_maps exit status" "$status" 0
pid=$(sed -nE 's/^memtrace: \[([0-9]+)\] [^:]*many_maps: .*/\1/p' "$TMP/many.err")
calls=$(summary_calls "$TMP/many.err" "$pid")
[ "${calls:-0}" -ge 6000 ] || fail "many_maps: $calls memory calls, want 3000 mmap and 3000 munmap at least"

# memtrace raises its own limit of open files (it holds a file per module
# of the stacks); the program keeps the one it was started with.
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -gt 512 ]; then
	got=$(ulimit -Sn 512 && "$MEMTRACE" -- sh -c 'ulimit -Sn' 2>/dev/null)
	expect_eq "the program's soft limit of open files" "$got" 512
else
	echo "note: the hard limit of open files is 512 or less: its check is skipped" >&2
fi
