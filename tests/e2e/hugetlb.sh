# SPDX-License-Identifier: LGPL-2.1-or-later
# Anonymous huge pages: a failed mprotect inside one (EINVAL: not on a huge
# page's boundary) is checked against the kernel's maps and changes
# nothing; the munmap then takes the one mapping the mmap made.  When no
# huge page is free, one is reserved for the test if memtrace may (root),
# and given back at the end; else the test is skipped.
. "$E2E_DIR/lib.sh"

huge_free() { awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo; }

if [ "$(huge_free)" -lt 1 ]; then
	pages=$(cat /proc/sys/vm/nr_hugepages)
	{ echo $((pages + 1)) >/proc/sys/vm/nr_hugepages; } 2>/dev/null ||
		skip "no free huge page, and /proc/sys/vm/nr_hugepages is not writable"
	trap 'echo "$pages" >/proc/sys/vm/nr_hugepages; kill_jobs; rm -rf "$TMP"' EXIT
	[ "$(huge_free)" -ge 1 ] || skip "no huge page could be reserved"
fi

set +e
"$MEMTRACE" --verify --events="$TMP/h.events" -- "$PROGRAMS/hugetlb" 3>"$TMP/h.expected" \
	>"$TMP/h.out" 2>"$TMP/h.err"
status=$?
set -e
[ "$status" -ne 77 ] || skip "$(grep '^SKIP: ' "$TMP/h.err")"
expect_eq "exit status" "$status" 0
verified "$TMP/h.err"
check_expected "$TMP/h.expected" "$TMP/h.events"

mapfile -t lines <"$TMP/h.expected"
mapped=$(seq_of "${lines[0]}" "$TMP/h.events")
[ -n "$mapped" ] || fail "the mmap is not in the events"
expect_eq "the failed mprotect's note" "$(note_of "${lines[1]}" "$TMP/h.events")" ""
expect_eq "the munmap's note" "$(note_of "${lines[2]}" "$TMP/h.events")" "unmaps #$mapped"
exit 0
