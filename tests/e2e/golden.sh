# SPDX-License-Identifier: LGPL-2.1-or-later
# Traces made by earlier versions of memtrace (tests/golden/*.json.gz: the
# demo, malloc arenas with and without MALLOC_ARENA_MAX=1, churn, a shell
# with -f, python3 with threads, an attached program with --interval
# snapshots, on x86_64; and, aarch64-*, the demo, arenas, python3 and a
# 32-bit ARM program traced on an arm64 kernel by memtrace for aarch64:
# tests/golden/record-aarch64) read back by this one, whichever
# architecture it runs on: memtrace report and memtrace diff (also of two
# programs across the architectures) print what they printed then, byte
# for byte, on stdout and stderr, with the same exit statuses.  A change meant to alter them regenerates the
# files with tests/golden/regenerate and says so.
#
# Event lines are read the fast way when they are as memtrace writes them
# (report/traceline.h), with jansson otherwise: each trace with a space
# after every line's "{", so that jansson reads every line, prints the
# same reports.
. "$E2E_DIR/lib.sh"

golden=$E2E_DIR/../golden
cp -r "$golden" "$TMP/now"
rm -f "$TMP"/now/*.report* "$TMP"/now/*.top3* "$TMP"/now/*.diff*
"$TMP/now/regenerate" "$MEMTRACE"
checked=0
for want in "$golden"/*.report* "$golden"/*.top3* "$golden"/*.diff*; do
	got=$TMP/now/$(basename "$want")
	[ -e "$got" ] || fail "$(basename "$want") was not made"
	cmp -s "$want" "$got" || {
		diff -u "$want" "$got" | head -n 30 >&2
		fail "$(basename "$want") differs from what earlier versions printed"
	}
	checked=$((checked + 1))
done
[ "$checked" -ge 68 ] || fail "only $checked outputs compared"
for trace in "$golden"/*.json.gz; do
	name=$(basename "$trace" .json.gz)
	gzip -dc "$trace" >"$TMP/$name.json"
	sed 's/^{/{ /' "$TMP/$name.json" >"$TMP/$name.spaced.json"
	for opts in "" "--top 3 --churn-ms 5"; do
		# shellcheck disable=SC2086 # opts: the options, split
		LC_ALL=C "$MEMTRACE" report $opts "$TMP/$name.json" >"$TMP/fast" 2>/dev/null
		# shellcheck disable=SC2086
		LC_ALL=C "$MEMTRACE" report $opts "$TMP/$name.spaced.json" >"$TMP/slow" 2>/dev/null
		cmp -s "$TMP/fast" "$TMP/slow" || {
			diff -u "$TMP/slow" "$TMP/fast" | head -n 30 >&2
			fail "$name ($opts): events read the fast way report otherwise than with jansson"
		}
	done
done
exit 0
