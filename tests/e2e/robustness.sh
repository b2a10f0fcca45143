# SPDX-License-Identifier: LGPL-2.1-or-later
# Programs that used to break the model or hang memtrace: a userfaultfd
# handler that maps memory while another thread's madvise waits for it
# (memory calls are held one at a time per process: the held one must be
# let go), and a fork whose child lacks its parent's MADV_DONTFORK region.
. "$E2E_DIR/lib.sh"

# memtrace ends within 20 s, or the test fails (rather than hang the suite).
set +e
timeout 20 "$MEMTRACE" --verify --events="$TMP/u.events" -- "$PROGRAMS/uffd" >"$TMP/u.out" 2>"$TMP/u.err" 3>/dev/null
status=$?
set -e
if [ "$status" = 77 ]; then
	echo "userfaultfd scenario skipped: $(cat "$TMP/u.err")"
else
	[ "$status" = 124 ] && fail "memtrace hung on the userfaultfd program"
	expect_eq "uffd exit status" "$status" 0
	expect_eq "uffd output" "$(cat "$TMP/u.out")" populated
	grep -qx 'verify: 0 mismatches' "$TMP/u.err" || fail "uffd: $(grep '^verify' "$TMP/u.err")"
fi

run_memtrace "$TMP/d" -f -- "$PROGRAMS/dontfork"
expect_eq "dontfork exit status" "$status" 0
