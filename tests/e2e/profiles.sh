# SPDX-License-Identifier: LGPL-2.1-or-later
# The memory profiles: --folded (folded stacks, one metric per file) and
# --pprof (gzip-compressed pprof), from the live run and from memtrace
# report, are the same file either way; their totals by kind are the
# final snapshot's, region by region; frames carry the functions inlined
# there and their lines; pprof's own reader (go tool pprof, from Debian's
# golang-go) reads the profile back with the same figures, the mappings'
# build-ids and the labels, and -diff_base of two runs shows the arenas
# MALLOC_ARENA_MAX=1 does away with.  Without go, the pprof checks are
# skipped with a line; without python3, the totals' check.
. "$E2E_DIR/lib.sh"

src=$E2E_DIR/../programs/inlines.c
# at WHAT: the line of inlines.c's "at: WHAT" comment.
at() {
	grep -n "/\* at: $1 \*/" "$src" | cut -d: -f1
}

# folded_ok FILE: every line "frame;frame;... N", N > 0, the first frame
# the program, the second its kind.
folded_ok() {
	[ -s "$1" ] || fail "$1 is empty"
	if grep -vqE '^[^; ]+;\[[^];]+\](;[^;]+)+ [1-9][0-9]*$' "$1"; then
		grep -vE '^[^; ]+;\[[^];]+\](;[^;]+)+ [1-9][0-9]*$' "$1" | head -n 3 >&2
		fail "$1 has lines that are not folded stacks"
	fi
	# One line per stack: the same stack twice would be drawn twice.
	expect_eq "repeated stacks in $1" "$(sed -E 's/ [0-9]+$//' "$1" | sort | uniq -d | wc -l)" 0
}

# by_kind FILE: "kind total" lines of a folded file, sorted.
by_kind() {
	awk '{ split($0, f, ";"); k = f[2]; gsub(/[][]/, "", k); s[k] += $NF }
	     END { for (k in s) print k, s[k] }' "$1" | sort
}

# --- allocs sizes: four threads' malloc arenas, thread stacks, the brk heap.
run_memtrace "$TMP/a" --pprof="$TMP/a.pb.gz" --folded="$TMP/a.committed" -o "$TMP/a.json" \
	-- "$PROGRAMS/allocs" sizes
expect_eq "allocs' status" "$status" 0
folded_ok "$TMP/a.committed"

# The same file from the trace: the default metric is committed.
"$MEMTRACE" report --folded="$TMP/r.committed" "$TMP/a.json" >"$TMP/r.report"
cmp "$TMP/a.committed" "$TMP/r.committed" || fail "the folded stacks from the trace differ from the live run's"
# The text report still goes to stdout when the profile goes to a file...
"$MEMTRACE" report "$TMP/a.json" >"$TMP/plain.report"
cmp "$TMP/plain.report" "$TMP/r.report" || fail "memtrace report --folded=FILE changed the report"
# ...and not when it goes to stdout.
"$MEMTRACE" report --folded=- --metric=resident "$TMP/a.json" >"$TMP/r.stdout"
folded_ok "$TMP/r.stdout"
grep -q 'memory calls' "$TMP/r.stdout" && fail "the report was mixed into --folded=-"

for metric in regions reserved committed resident; do
	"$MEMTRACE" report --folded="$TMP/r.$metric" --metric="$metric" "$TMP/a.json" >/dev/null
	folded_ok "$TMP/r.$metric"
	by_kind "$TMP/r.$metric" >"$TMP/kinds.$metric"
done
cmp "$TMP/r.resident" "$TMP/r.stdout" || fail "--folded=- and --folded=FILE differ"

# Stacks, outermost first, the inlined frames as frames, the arena's maker at the top.
grep -qE '^allocs;\[malloc arena\];.*;start_thread;worker;alloc_sizes;malloc;.*;(alloc_new_heap|new_heap);' \
	"$TMP/r.reserved" || fail "no arena stack from worker and alloc_sizes in the reserved bytes"
grep -qE '^allocs;\[thread stack\];.*;main;sizes;pthread_create' "$TMP/r.committed" ||
	grep -qE '^allocs;\[thread stack\];.*;main;sizes;__pthread_create_2_1' "$TMP/r.committed" ||
	fail "no thread stack made by sizes() through pthread_create"
grep -q '^allocs;\[ELF file\];\[mapped at exec\] ' "$TMP/r.committed" ||
	fail "the program's image, mapped at exec, has no line"

# The totals by kind are the text report's, in its units ("2.1 MiB"), and
# the final snapshot's, counted here region by region.
if checked_if "the totals by kind" python3 -c pass; then
	python3 - "$TMP/plain.report" "$TMP" <<'EOF' || fail "the folded totals by kind are not the report's"
import re, sys
report, tmp = sys.argv[1], sys.argv[2]
def size(n):
    # As report/units.c writes bytes.
    if n == 0:
        return "0"
    names, unit, scale = ["B", "KiB", "MiB", "GiB", "TiB"], 0, 1
    while unit + 1 < len(names) and n >= scale * 1024:
        scale *= 1024
        unit += 1
    if n % scale == 0:
        return "%d %s" % (n // scale, names[unit])
    tenths = (n * 10 + scale // 2) // scale
    if tenths % 10 == 0:
        return "%d %s" % (tenths // 10, names[unit])
    return "%d.%d %s" % (tenths // 10, tenths % 10, names[unit])
rows, on = {}, False
for line in open(report):
    if line.startswith("  by kind"):
        on = True
        continue
    if on and not line.strip():
        break
    cells = re.split(r"  +", line.strip())
    # A kind's row (the arenas' has a note after it); not "released by madvise: ...".
    if on and len(cells) >= 5 and cells[1].isdigit():
        rows[cells[0]] = cells[1:5]
bad = 0 if "total" in rows else 1
for col, metric in enumerate(("regions", "reserved", "committed", "resident")):
    got = {}
    for line in open("%s/kinds.%s" % (tmp, metric)):
        kind, n = line.rsplit(" ", 1)
        got[kind] = int(n)
    got["total"] = sum(got.values())
    for kind, cells in rows.items():
        want = cells[col]
        have = str(got.get(kind, 0)) if metric == "regions" else size(got.get(kind, 0))
        if have != want:
            print("%s of %s: folded %s, the report %s" % (metric, kind, have, want))
            bad = 1
sys.exit(bad)
EOF
	python3 - "$TMP/a.json" "$TMP" <<'EOF' || fail "the folded totals are not the snapshot's"
import json, sys
trace, tmp = sys.argv[1], sys.argv[2]
snap = [json.loads(l) for l in open(trace) if '"type":"snapshot"' in l][-1]
regions = [(int(r["start"], 16), int(r["end"], 16), r) for r in snap["regions"]]
want = {m: {} for m in ("regions", "reserved", "committed", "resident")}
def add(metric, kind, n):
    if n:
        want[metric][kind] = want[metric].get(kind, 0) + n
for start, end, r in regions:
    add("regions", r["kind"], 1)
    add("reserved" if r["prot"] == "---" else "committed", r["kind"], end - start)
for u in snap["usage"]:
    s, e = int(u["start"], 16), int(u["end"], 16)
    for start, end, r in regions:
        if start <= s and e <= end:
            add("resident", r["kind"], u["rss"])
bad = 0
for metric, kinds in want.items():
    got = {}
    for line in open("%s/kinds.%s" % (tmp, metric)):
        kind, n = line.rsplit(" ", 1)
        got[kind] = int(n)
    if got != kinds:
        print("%s: folded %s, snapshot %s" % (metric, got, kinds))
        bad = 1
sys.exit(bad)
EOF
fi

# --- inline frames and lines: tests/programs/inlines (-O2 -g).
run_memtrace "$TMP/in" --pprof="$TMP/in.pb.gz" --folded="$TMP/in.committed" -o "$TMP/in.json" \
	-- "$PROGRAMS/inlines"
expect_eq "inlines' status" "$status" 0
grep -q '^inlines;\[anonymous\];.*;main;outer;middle;map_here;mmap' "$TMP/in.committed" ||
	fail "outer's inlined middle and map_here are not frames of their own"

# --- bad options: one line, exit 2, the program never runs.
for args in "--metric=peak --folded=$TMP/x" "--metric=regions" "--pprof=" "--folded=" \
	"--pprof=- --folded=-" "--pprof=$TMP/no/such/dir/p.pb.gz" "--folded=$TMP/no/such/dir/f"; do
	set +e
	# shellcheck disable=SC2086 # the options, split on purpose
	"$MEMTRACE" $args -- touch "$TMP/ran" >"$TMP/bad.out" 2>"$TMP/bad.err"
	status=$?
	set -e
	expect_eq "status of memtrace $args" "$status" 2
	[ -e "$TMP/ran" ] && fail "memtrace $args ran the program"
	grep -q '^memtrace: ' "$TMP/bad.err" || fail "memtrace $args said nothing"
done
for args in "--metric=peak --folded=$TMP/x" "--metric=committed" "--pprof=$TMP/no/such/dir/p.pb.gz"; do
	set +e
	# shellcheck disable=SC2086 # the options, split on purpose
	"$MEMTRACE" report $args "$TMP/a.json" >"$TMP/bad.out" 2>"$TMP/bad.err"
	status=$?
	set -e
	expect_eq "status of memtrace report $args" "$status" 2
	expect_eq "lines of memtrace report $args on stderr" "$(grep -c '^memtrace' "$TMP/bad.err")" 1
done

# --- pprof, read by pprof's own reader.
if ! checked_if "the pprof files with go tool pprof" go tool pprof -h; then
	exit 0
fi
export HOME=$TMP # go tool pprof keeps nothing of its own in the user's home
pprof() {
	go tool pprof "$@" 2>"$TMP/pprof.err" || {
		cat "$TMP/pprof.err" >&2
		fail "go tool pprof $* failed"
	}
}

# The same profile from the live run and from the trace.
"$MEMTRACE" report --pprof="$TMP/r.pb.gz" "$TMP/a.json" >/dev/null
pprof -raw "$TMP/a.pb.gz" >"$TMP/a.raw"
pprof -raw "$TMP/r.pb.gz" >"$TMP/r.raw"
cmp "$TMP/a.raw" "$TMP/r.raw" || fail "the pprof profile from the trace differs from the live run's"

# Its values, summed over the samples, are the folded totals of each metric.
awk '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 }
     on && /^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+:/ { r += $1; v += $2; c += $3; s += $4 }
     END { print r; print v; print c; print s }' "$TMP/a.raw" >"$TMP/pprof.totals"
for metric in regions reserved committed resident; do
	awk '{ s += $NF } END { print s + 0 }' "$TMP/r.$metric"
done >"$TMP/folded.totals"
cmp "$TMP/pprof.totals" "$TMP/folded.totals" || {
	paste "$TMP/pprof.totals" "$TMP/folded.totals" >&2
	fail "pprof's values are not the folded totals (regions, reserved, committed, resident)"
}
grep -q 'committed_bytes/bytes\[dflt\]' "$TMP/a.raw" || fail "committed_bytes is not the default sample type"
grep -qF 'kind:[malloc arena] process:[allocs [' "$TMP/a.raw" || fail "no kind and process labels"
grep -qE 'kind:\[thread stack\] .* thread:\[allocs \[[0-9]+\]\]' "$TMP/a.raw" || fail "no thread label"

# The program's mapping first, with its build-id.
build_id=$(readelf -n "$PROGRAMS/allocs" | sed -nE 's/^ *Build ID: ([0-9a-f]+)$/\1/p')
sed -n '/^Mappings/{n;p}' "$TMP/a.raw" | grep -qE "^1: 0x[0-9a-f]+/0x[0-9a-f]+/0x0 $PROGRAMS/allocs $build_id " ||
	fail "the first mapping is not allocs with its build-id $build_id"

# Inline frames: one location, map_here inlined into middle inlined into outer, with their lines.
pprof -raw "$TMP/in.pb.gz" >"$TMP/in.raw"
grep -A2 -E "^ +[0-9]+: 0x[0-9a-f]+ M=[0-9]+ map_here [^ ]*inlines\.c:$(at mmap) s=0$" "$TMP/in.raw" >"$TMP/in.loc" ||
	fail "no location whose innermost function is map_here at inlines.c:$(at mmap)"
sed -n 2p "$TMP/in.loc" | grep -qE "^ +middle [^ ]*inlines\.c:$(at map_here) s=0$" || fail "map_here's location: no middle"
sed -n 3p "$TMP/in.loc" | grep -qE "^ +outer [^ ]*inlines\.c:$(at middle) s=0$" || fail "map_here's location: no outer"

# -diff_base: MALLOC_ARENA_MAX=1 reserves no arenas, and pprof says where the bytes went.
MALLOC_ARENA_MAX=1 run_memtrace "$TMP/one" --pprof="$TMP/one.pb.gz" -- "$PROGRAMS/allocs" sizes
expect_eq "allocs' status with MALLOC_ARENA_MAX=1" "$status" 0
arenas=$(awk '{ s += $NF } END { print s + 0 }' <(grep '^allocs;\[malloc arena\];' "$TMP/r.reserved"))
[ "$arenas" -gt 0 ] || fail "allocs reserved no arena"
pprof -top -unit=byte -sample_index=reserved_bytes -diff_base="$TMP/a.pb.gz" "$TMP/one.pb.gz" >"$TMP/diff.top"
grep -qE "^ +0 +0% +[0-9.]+% +-${arenas}B +[0-9.]+% +alloc_sizes$" "$TMP/diff.top" || {
	cat "$TMP/diff.top" >&2
	fail "-diff_base does not show alloc_sizes' ${arenas} bytes of arenas gone"
}
exit 0
