# SPDX-License-Identifier: LGPL-2.1-or-later
# The shapes of an address space a program can make (tests/programs/shapes.c,
# after the kernel's memory selftests), each followed by the model with 0
# mismatches under --verify, launched and attached to.  SysV segments are
# told apart by their shmid: shmdt detaches the one attached at its address,
# every piece of it, and no neighbour.
. "$E2E_DIR/lib.sh"

run_memtrace "$TMP/l" -- "$PROGRAMS/shapes"
expect_eq "exit status" "$status" 0
grep -qx ok "$TMP/l.out" || fail "shapes did not finish: $(cat "$TMP/l.err")"
check_expected "$TMP/l.expected" "$TMP/l.events"

# shmdt_note EXPECTED_SHMAT EXPECTED_SHMDT WANT: the shmdt's note names the
# shmat's call as WANT says (%s: its number).
shmdt_note() {
	local seq
	seq=$(seq_of "$1" "$TMP/l.events")
	[ -n "$seq" ] || fail "not in the events: $1"
	# shellcheck disable=SC2059
	expect_eq "the note of $2" "$(note_of "$2" "$TMP/l.events")" "$(printf "$3" "$seq")"
}

mapfile -t shm < <(grep -E '(shmat|shmdt)\(' "$TMP/l.expected")
if [ "${#shm[@]}" -ge 6 ]; then
	# shm_neighbours: b, then a next to it; shmdt(b), shmdt(a).
	shmdt_note "${shm[0]}" "${shm[2]}" "unmaps #%s"
	shmdt_note "${shm[1]}" "${shm[3]}" "unmaps #%s"
	# shm_pieces: attached, its first page unmapped, its middle re-protected.
	shmdt_note "${shm[4]}" "${shm[5]}" "unmaps the rest of #%s (28 KiB)"
else
	grep -q 'no SysV shared memory' "$TMP/l.err" || fail "the shm cases made no calls"
fi

if can_attach; then
	"$PROGRAMS/shapes" --wait >"$TMP/a.out" 2>"$TMP/a.err" &
	job=$!
	pid=$(said_pid "$TMP/a.out" ready)
	"$MEMTRACE" --verify -p "$pid" -o "$TMP/a.json" 2>"$TMP/a.mt" &
	mt=$!
	wait_until "memtrace never attached to $pid" grep -qE '^TracerPid:\s+'"$mt"'$' \
		"/proc/$pid/status"
	kill -USR1 "$pid"
	set +e
	wait "$job"
	prog_status=$?
	wait "$mt"
	status=$?
	set -e
	expect_eq "shapes attached to: exit status" "$prog_status" 0
	expect_eq "memtrace -p: exit status" "$status" 0
	grep -qx ok "$TMP/a.out" || fail "shapes did not finish when attached to: $(cat "$TMP/a.err")"
	verified "$TMP/a.mt"
else
	echo "note: $why_not: the attached run is not checked" >&2
fi
exit 0
