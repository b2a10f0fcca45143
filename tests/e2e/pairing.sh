# SPDX-License-Identifier: LGPL-2.1-or-later
# Every unmap, trim, re-protection, move and release names the call that
# mapped the bytes and says how much: glibc's arena pattern, MAP_FIXED over
# two mappings, mremap, and the brk heap growing and shrinking.
. "$E2E_DIR/lib.sh"

set +e
"$MEMTRACE" --verify --events="$TMP/p.events" -- "$PROGRAMS/pairing" \
	3>"$TMP/p.expected" 4>"$TMP/p.notes" >"$TMP/p.out" 2>"$TMP/p.err"
status=$?
set -e
expect_eq "exit status" "$status" 0
grep -qx 'verify: 0 mismatches' "$TMP/p.err" || { cat "$TMP/p.err" >&2; fail "verify"; }
check_expected "$TMP/p.expected" "$TMP/p.events"

# The sequence number of every expected line, in order: "@K" is the K-th.
mapfile -t expected <"$TMP/p.expected"
declare -a seqs
for i in "${!expected[@]}"; do
	seqs[$((i + 1))]=$(seq_of "${expected[$i]}" "$TMP/p.events")
done

n=0
while IFS=$'\t' read -r line want; do
	while [[ $want =~ @([0-9]+) ]]; do
		want=${want/@${BASH_REMATCH[1]}/#${seqs[${BASH_REMATCH[1]}]}}
	done
	expect_eq "note of '$line'" "$(note_of "$line" "$TMP/p.events")" "$want"
	n=$((n + 1))
done <"$TMP/p.notes"
[ "$n" -ge 12 ] || fail "only $n notes checked"
