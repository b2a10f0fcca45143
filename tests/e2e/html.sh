# SPDX-License-Identifier: LGPL-2.1-or-later
# The HTML view, in a real browser: --html=FILE of a live run and
# memtrace report --html=FILE of its trace are the same file; Debian's
# chromium, driven by chromedriver (tests/e2e/html_check.py), renders it
# and shows the text report's summary, kinds and sites; hovering an arena
# shows its stack, clicking a marked call shows the call; nothing is
# fetched and nothing is logged to the console.  memtrace diff --html draws
# both runs and the arenas MALLOC_ARENA_MAX=1 does away with; 30,000 live
# regions are drawn as at most 20,000.  The screenshots stay in the build
# folder (tests/screenshots/).  Without chromium, chromedriver or python3
# (scripts/setup --test installs them), skipped with a line.
. "$E2E_DIR/lib.sh"

missing=
for tool in chromium chromedriver python3; do
	command -v "$tool" >/dev/null || missing="$missing $tool"
done
[ -z "$missing" ] || skip "not installed:$missing (scripts/setup --test installs them)"
runnable python3 -c pass || skip "python3 does not run"
shots=$PROGRAMS/../screenshots
mkdir -p "$shots"
# chromium keeps its profile and cache under HOME: the test's own.
export HOME=$TMP

# browser_check ARGS...: html_check.py ARGS, its lines shown on failure.
browser_check() {
	python3 "$E2E_DIR/html_check.py" "$@" 2>"$TMP/check.err" || {
		cat "$TMP/check.err" >&2
		fail "the page in chromium: $1 ($(wc -l <"$TMP/check.err") problems)"
	}
}

# --- allocs sizes, live and from its trace, with --interval's resident points.
run_memtrace "$TMP/a" --html="$TMP/a.html" -o "$TMP/a.json" --interval 0.02 -- "$PROGRAMS/allocs" sizes
expect_eq "allocs' status" "$status" 0
"$MEMTRACE" report --html="$TMP/r.html" "$TMP/a.json" >"$TMP/a.report"
cmp "$TMP/a.html" "$TMP/r.html" || fail "the page from the trace differs from the live run's"
grep -q 'memory calls' "$TMP/a.report" || fail "memtrace report --html=FILE printed no report"
"$MEMTRACE" report --html=- "$TMP/a.json" >"$TMP/stdout.html"
cmp "$TMP/a.html" "$TMP/stdout.html" || fail "--html=- differs from --html=FILE"
# One file: no reference to anything outside it.
if grep -qiE '<(link|img|iframe)[ >]|src=|@import|url\(http' "$TMP/a.html"; then
	fail "the page refers to something outside it"
fi
browser_check report "$TMP/a.html" "$TMP/a.report" "$shots/allocs.png"

# --- diff: the arenas gone with MALLOC_ARENA_MAX=1.
MALLOC_ARENA_MAX=1 run_memtrace "$TMP/b" -o "$TMP/b.json" -- "$PROGRAMS/allocs" sizes
expect_eq "allocs' status with MALLOC_ARENA_MAX=1" "$status" 0
"$MEMTRACE" report "$TMP/b.json" >"$TMP/b.report"
set +e
"$MEMTRACE" diff --html="$TMP/d.html" "$TMP/a.json" "$TMP/b.json" >"$TMP/d.txt"
status=$?
set -e
expect_eq "memtrace diff --html's status (the traces differ)" "$status" 1
grep -q '^memtrace diff: ' "$TMP/d.txt" || fail "memtrace diff --html=FILE printed no diff"
browser_check diff "$TMP/d.html" "$TMP/a.report" "$TMP/b.report" "$shots/diff.png"

# --- a trace cut short (no final snapshot), forked children, no stacks: pages that draw.
head -n "$(($(grep -n '"type":"event"' "$TMP/a.json" | tail -n 1 | cut -d: -f1) - 5))" "$TMP/a.json" >"$TMP/cut.json"
"$MEMTRACE" report --html="$TMP/cut.html" "$TMP/cut.json" >/dev/null 2>"$TMP/cut.err" ||
	fail "memtrace report --html of a cut trace exited with $?"
grep -q 'cut short' "$TMP/cut.err" || fail "the cut trace was not said to be cut short"
browser_check clean "$TMP/cut.html" 1
run_memtrace "$TMP/forks" -f --html="$TMP/forks.html" -- "$PROGRAMS/forks"
expect_eq "forks' status" "$status" 0
browser_check clean "$TMP/forks.html" "$(grep -c '^memtrace: \[[0-9]*\] .*memory call' "$TMP/forks.err")"
run_memtrace "$TMP/nostack" --no-stacks --html="$TMP/nostack.html" -- "$PROGRAMS/allocs" sizes
expect_eq "allocs' status without stacks" "$status" 0
browser_check clean "$TMP/nostack.html" 1

# --- an argument that is no UTF-8: the same page from the live run and from the trace.
run_memtrace "$TMP/bytes" -o "$TMP/bytes.json" --html="$TMP/bytes.html" -- sh -c : $'x\xffy z'
expect_eq "sh's status" "$status" 0
"$MEMTRACE" report --html="$TMP/bytes-r.html" "$TMP/bytes.json" >/dev/null
cmp "$TMP/bytes.html" "$TMP/bytes-r.html" || fail "a command that is no UTF-8: the trace's page differs"
grep -qF "<title>memtrace: sh -c : 'x?y z'</title>" "$TMP/bytes.html" ||
	fail "the title is not the command, quoted, its byte past ASCII a '?': $(grep -o '<title>.*</title>' "$TMP/bytes.html")"
# A program at a path that is no UTF-8, with threads: its name, its threads' names, its stacks.
odd=$TMP/$'al\xfflocs'
cp "$PROGRAMS/allocs" "$odd"
run_memtrace "$TMP/odd" -o "$TMP/odd.json" --html="$TMP/odd.html" --folded="$TMP/odd.folded" -- "$odd" sizes
expect_eq "the oddly named allocs' status" "$status" 0
"$MEMTRACE" report --html="$TMP/odd-r.html" --folded="$TMP/odd-r.folded" "$TMP/odd.json" >/dev/null
cmp "$TMP/odd.html" "$TMP/odd-r.html" || fail "a program whose path is no UTF-8: the trace's page differs"
cmp "$TMP/odd.folded" "$TMP/odd-r.folded" || fail "a program whose path is no UTF-8: the trace's folded stacks differ"

# --- the demo (demo/demo.c): its page and flame graph, the pictures of docs/html.md.
demo=$PROGRAMS/../../demo/demo
if [ -x "$demo" ]; then
	run_memtrace "$TMP/demo" --html="$TMP/demo.html" -- "$demo"
	expect_eq "the demo's status" "$status" 0
	browser_check demo "$TMP/demo.html" "$shots/demo.png" "$shots/demo-flame.png"
else
	echo "note: no $demo: the demo's page is not checked" >&2
fi

# --- 30,000 live regions: drawn as fewer, and said so.
NO_VERIFY=1 run_memtrace "$TMP/many" --no-stacks --html="$TMP/many.html" -- "$PROGRAMS/many_maps" 30000 split keep
expect_eq "many_maps' status" "$status" 0
regions=$(sed -nE 's/^  total +([0-9]+) .*/\1/p' "$TMP/many.err")
[ "${regions:-0}" -gt 30000 ] || fail "many_maps left ${regions:-no} regions, want more than 30000"
browser_check many "$TMP/many.html" "$regions" "$shots/many.png"
exit 0
