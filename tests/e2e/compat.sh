# SPDX-License-Identifier: LGPL-2.1-or-later
# A 32-bit ARM program under an arm64 kernel (compat): memtrace for
# aarch64 has no personality for its calls, so it says so in one line
# and follows none of its memory, while the program runs to its end as
# untraced.  Skipped elsewhere, and where the kernel or the CPU runs no
# 32-bit ARM code.
. "$E2E_DIR/lib.sh"

[ -x "$PROGRAMS/prog_arm32" ] ||
	skip "no 32-bit ARM test program (built for aarch64 with arm-linux-gnueabihf-gcc)"
set +e
"$PROGRAMS/prog_arm32" 2>/dev/null
probe_status=$?
set -e
[ "$probe_status" = 0 ] || skip "32-bit ARM programs do not run here (status $probe_status)"

# With --verify (run_memtrace's) and without: the line once, the status the
# program's, no call of it decoded, no mismatch (its model is dropped).
for no_verify in "" 1; do
	NO_VERIFY=$no_verify run_memtrace "$TMP/c$no_verify" -- "$PROGRAMS/prog_arm32"
	expect_eq "exit status" "$status" 0
	expect_eq "lines that say so" \
		"$(grep -c 'calls the kernel as 32-bit ARM code (audit arch 0x40000028), which memtrace for aarch64 does not decode: its memory is not followed$' "$TMP/c$no_verify.err")" 1
	if events_grep -E "$TMP/c$no_verify.events" 'mmap2?\('; then
		fail "a 32-bit ARM call decoded: $(cat "$TMP/c$no_verify.events")"
	fi
done
exit 0
