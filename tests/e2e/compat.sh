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
# program's, no call of it decoded, no mismatch (its model is dropped); its
# trace whole, its report the live run's summary line.
for no_verify in "" 1; do
	NO_VERIFY=$no_verify run_memtrace "$TMP/c$no_verify" -o "$TMP/c$no_verify.json" \
		-- "$PROGRAMS/prog_arm32"
	expect_eq "exit status" "$status" 0
	expect_eq "lines that say so" \
		"$(grep -c 'calls the kernel as 32-bit ARM code (audit arch 0x40000028), which memtrace for aarch64 does not decode: its memory is not followed$' "$TMP/c$no_verify.err")" 1
	if events_grep -E "$TMP/c$no_verify.events" 'mmap2?\('; then
		fail "a 32-bit ARM call decoded: $(cat "$TMP/c$no_verify.events")"
	fi
	set +e
	"$MEMTRACE" report "$TMP/c$no_verify.json" >"$TMP/r$no_verify.out" 2>"$TMP/r$no_verify.err"
	report_status=$?
	set -e
	expect_eq "report's status" "$report_status" 0
	expect_eq "report's warnings" "$(cat "$TMP/r$no_verify.err")" ""
	# All the live run printed (with --verify, its total too) but the line that says so.
	live=$(grep -v 'calls the kernel as 32-bit ARM code' "$TMP/c$no_verify.err" || true)
	expect_eq "summary lines" "$(grep -cE '^memtrace: \[[0-9]+\] [^ ]*prog_arm32: 0 memory calls; exited with 0$' "$TMP/r$no_verify.out")" 1
	expect_eq "the trace's report" "$(cat "$TMP/r$no_verify.out")" "$live"
done
exit 0
