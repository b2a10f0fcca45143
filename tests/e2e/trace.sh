# SPDX-License-Identifier: LGPL-2.1-or-later
# The JSON trace: -o FILE is JSON Lines that plain JSON tools read
# (python3's json here, where it runs), with a header first and every stack
# and module before its first use; `memtrace report TRACE` prints the very
# report the live run printed, byte for byte; bad traces get one line naming
# the file and the line, and exit 2; a trace cut short is reported as far as
# it goes.  Without python3, the parts that need it are skipped, each with
# a line saying so.
. "$E2E_DIR/lib.sh"

have_python=
if runnable python3 -c pass; then
	have_python=1
else
	echo "note: no python3 that runs: traces are checked line by line only for their shape, and the python3 programs are skipped" >&2
fi

# check_lines TRACE: every line JSON with a type; the header first; ids
# defined before use.  Without python3: only that each line is an object
# with a type, the first a header.
check_lines() {
	if [ -z "$have_python" ]; then
		awk 'NR == 1 && !/^\{"type":"header",/ { print "line 1 is no header"; bad = 1 }
		     !/^\{"type":"[a-z]+",.*\}$/ { print "line " NR ": " substr($0, 1, 80); bad = 1 }
		     END { exit bad || !NR }' "$1" || fail "$1 is not a well-formed trace"
		return 0
	fi
	python3 - "$1" <<'EOF' || fail "$1 is not a well-formed trace"
import json, sys
modules, stacks, types = set(), set(), {}
with open(sys.argv[1], "rb") as f:
    for n, raw in enumerate(f, 1):
        line = json.loads(raw)
        t = line["type"]
        types[t] = types.get(t, 0) + 1
        if n == 1:
            assert t == "header" and line["format"] == "memtrace-trace" and line["version"] == 1, line
        elif t == "module":
            modules.add(line["id"])
        elif t == "stack":
            for frame in line["frames"]:
                int(frame["addr"], 16)
                assert "module" not in frame or frame["module"] in modules, (n, frame)
            stacks.add(line["id"])
        elif t == "event":
            assert line["stack"] == 0 or line["stack"] in stacks, (n, line["stack"])
            for change in line["changes"]:
                assert int(change["start"], 16) < int(change["end"], 16), (n, change)
for t in ("header", "event", "snapshot", "summary", "findings"):
    assert types.get(t), "no %s line" % t
EOF
}

# same_report NAME ARGS...: traces ARGS with -o, then reads the trace back: the two reports agree.
same_report() {
	local name=$1
	shift
	NO_VERIFY=1 run_memtrace "$TMP/$name" --verify -o "$TMP/$name.json" "$@"
	check_lines "$TMP/$name.json"
	expect_same_report "$TMP/$name" "$name"
}

same_report demo "$PROGRAMS/../../demo/demo"
same_report arenas "$PROGRAMS/findings" arenas
same_report churn --churn-ms 1000 -- "$PROGRAMS/findings" churn
same_report forks -f -- sh -c 'ls / >/dev/null; cat /dev/null'
# A forked child unmaps what it inherited: its churn is its parent's call's site.
[ -n "$have_python" ] && same_report inherit -f -- python3 -c '
import mmap, os
maps = [mmap.mmap(-1, 1 << 20) for _ in range(4)]
pid = os.fork()
if pid == 0:
    for m in maps:
        m.close()
    os._exit(0)
os.waitpid(pid, 0)'
checked_if "its trace" node -e 0 && same_report node node -e 'console.log(1)'
checked_if "its trace" java -Xmx64m -version && same_report java java -Xmx64m -version

# A path that is no UTF-8 goes as bytes ("path_hex") and comes back the same.
if [ -n "$have_python" ]; then
	same_report bytes python3 -c '
import mmap, os
path = b"/tmp/memtrace-e2e-\xff\xfe-" + str(os.getpid()).encode()
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
os.ftruncate(fd, 1 << 20)
m = mmap.mmap(fd, 1 << 20)
m[:] = b"x" * (1 << 20)
os.unlink(path)
os.close(fd)
os._exit(0)'
	grep -q '"path_hex":"2f746d702f6d656d74726163652d6532652dfffe' "$TMP/bytes.json" ||
		fail "the path that is no UTF-8 is not in the trace as path_hex"
	grep -qa $'e\\.g\\. /tmp/memtrace-e2e-\xff\xfe-' "$TMP/bytes.offline" ||
		fail "the deleted file's bytes did not come back"
fi

# Bad input: one line naming the file (and the line), exit 2.
bad() {
	local what=$1 file=$2 want=$3
	set +e
	"$MEMTRACE" report "$file" >"$TMP/bad.out" 2>"$TMP/bad.err"
	local status=$?
	set -e
	expect_eq "$what: exit status" "$status" 2
	expect_eq "$what: lines on stderr" "$(wc -l <"$TMP/bad.err")" 1
	grep -qE -- "$want" "$TMP/bad.err" || fail "$what: want /$want/, got: $(cat "$TMP/bad.err")"
	[ -s "$TMP/bad.out" ] && fail "$what: a report was printed"
	return 0
}
bad "no such file" "$TMP/none.json" "^memtrace: cannot open '.*none.json': No such file or directory$"
bad "a directory" "$TMP" "^memtrace: cannot read '.*': Is a directory$"
echo 'not json' >"$TMP/text.json"
bad "not JSON" "$TMP/text.json" "^memtrace: .*text.json:1: not JSON: "
head -n 5 "$TMP/demo.json" >"$TMP/mid.json"
echo '{"type": "event", "seq": ' >>"$TMP/mid.json"
bad "a line that is not JSON" "$TMP/mid.json" "^memtrace: .*mid.json:6: not JSON: "
sed '1s/"version":1/"version":99/' "$TMP/demo.json" >"$TMP/v99.json"
bad "an unknown version" "$TMP/v99.json" ":1: trace format version 99; this memtrace reads version 1$"
sed 1d "$TMP/demo.json" >"$TMP/noheader.json"
bad "no header" "$TMP/noheader.json" ":1: not a memtrace trace \(no header\)$"
: >"$TMP/empty.json"
bad "an empty file" "$TMP/empty.json" "empty: not a memtrace trace$"
# Endless input without a newline: refused at the line's bound, not held whole.
bad "endless input" /dev/zero "^memtrace: /dev/zero:1: a line longer than 256 MiB: not a trace memtrace wrote$"

# Cut short: what is there is reported, with a warning, exit 0.
lines=$(wc -l <"$TMP/demo.json")
head -n "$((lines - 2))" "$TMP/demo.json" >"$TMP/cut.json"
head -c 100 <(tail -n 2 "$TMP/demo.json") >>"$TMP/cut.json"
set +e
"$MEMTRACE" report "$TMP/cut.json" >"$TMP/cut.out" 2>"$TMP/cut.err"
status=$?
set -e
expect_eq "a trace cut short: exit status" "$status" 0
grep -q "cut.json:$((lines - 1)): the last line is cut short: ignored$" "$TMP/cut.err" ||
	fail "a trace cut short: no warning on its last line: $(cat "$TMP/cut.err")"
grep -q "the trace ends before process [0-9]* does .*: its last snapshot is reported$" "$TMP/cut.err" ||
	fail "a trace cut short: not said: $(cat "$TMP/cut.err")"
grep -q '^  VSZ ' "$TMP/cut.out" || fail "a trace cut short: nothing reported"

# same_but_resident A B [SITE]: memtrace diff --json A B finds the same
# calls, and the same regions and bytes by kind and by site, but for the
# resident figures (and, when named, SITE, with the kinds of what exec
# mapped: main stack, ELF file, kernel, its anonymous pages).
same_but_resident() {
	"$MEMTRACE" diff --json "$1" "$2" >"$TMP/same.json" 2>/dev/null || true
	python3 - "$TMP/same.json" "${3:-}" <<'EOF2' || fail "$2 is not reported as $1 is"
import json, sys
d = json.load(open(sys.argv[1]))
skip_site = sys.argv[2]
skip_kinds = {"main stack", "ELF file", "kernel", "anonymous"} if skip_site else set()
bad = [s["site"] for s in d["sites"] if s["site"] != skip_site and
       any(s["a"][k] != s["b"][k] for k in ("regions", "reserved", "committed", "maps"))]
bad += [k["kind"] for k in d["kinds"] if k["kind"] not in skip_kinds and
        any(k["a"][x] != k["b"][x] for x in ("regions", "reserved", "committed"))]
if d["calls"]:
    bad.append("calls %s" % d["calls"])
if bad:
    print("differ: %s" % bad, file=sys.stderr)
    sys.exit(1)
EOF2
}

# memtrace killed before any snapshot: the trace holds events alone.  The
# model is made again from them: every site of the program's calls, every
# thread stack, every call counted as the whole trace reports them (what
# exec mapped is not in the events; the resident figures never are).
sed -n '/"type":"snapshot"/q;p' "$TMP/demo.json" >"$TMP/events.json"
set +e
"$MEMTRACE" report "$TMP/events.json" >"$TMP/events.out" 2>"$TMP/events.err"
status=$?
set -e
expect_eq "events alone: exit status" "$status" 0
grep -q "the trace ends before process [0-9]* does .*: its events are reported, without resident figures and without what it had before its first call$" \
	"$TMP/events.err" || fail "events alone: not said: $(cat "$TMP/events.err")"
grep -qE "^memtrace: \[[0-9]+\] .*/demo: [1-9][0-9]* memory calls \(.*; still running$" "$TMP/events.out" ||
	fail "events alone: the summary: $(head -n1 "$TMP/events.out")"
grep -q 'RSS not known (the trace ends before it was read)' "$TMP/events.out" ||
	fail "events alone: the resident figures are not said to be missing"
[ -n "$have_python" ] && same_but_resident "$TMP/demo.json" "$TMP/events.json" "[mapped at exec]"

# The trace is written out while the program idles (a timer, not only
# snapshots or a full buffer): its first calls reach the file while it
# waits, and memtrace killed outright then leaves them to report.
"$MEMTRACE" -o "$TMP/idle.json" -- sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done' sh "$TMP/idle.go" \
	2>/dev/null &
mt=$!
wait_until "the idle program's calls never reached the trace" grep -q '"type":"event"' "$TMP/idle.json"
kill -KILL "$mt"
set +e
wait "$mt"
"$MEMTRACE" report "$TMP/idle.json" >"$TMP/idle.out" 2>"$TMP/idle.err"
status=$?
set -e
touch "$TMP/idle.go"
expect_eq "killed while idle: memtrace report's exit status" "$status" 0
grep -qE '^memtrace: \[[0-9]+\] sh( \(.*\))?: [1-9][0-9]* memory calls .*; still running$' "$TMP/idle.out" ||
	fail "killed while idle: $(head -n1 "$TMP/idle.out")"

# Threads: a line when each starts and when each ends on its own; periodic snapshots.
NO_VERIFY=1 run_memtrace "$TMP/unjoined" -o "$TMP/unjoined.json" -- "$PROGRAMS/findings" unjoined
expect_eq "thread starts" "$(grep -c '"type":"thread","event":"start"' "$TMP/unjoined.json")" 10
expect_eq "thread exits" "$(grep -c '"type":"thread","event":"exit"' "$TMP/unjoined.json")" 10
NO_VERIFY=1 run_memtrace "$TMP/alive" -o "$TMP/alive.json" -- "$PROGRAMS/findings" threads
expect_eq "threads taken down with their process are no exits" \
	"$(grep -c '"type":"thread","event":"exit"' "$TMP/alive.json" || true)" 0
# Each growth line on stderr comes with its snapshot in the trace: the
# program runs until memtrace has printed 3 of them, then SIGTERM (to
# memtrace, which forwards it) ends it.
interval_run "$TMP/interval" 3 -o "$TMP/interval.json"
expect_eq "--interval: exit status" "$status" 0
[ "$(grep -c '"type":"snapshot","reason":"interval"' "$TMP/interval.json")" -ge 3 ] ||
	fail "--interval 0.2: fewer than 3 periodic snapshots for 3 growth lines"
check_lines "$TMP/interval.json"
# Cut before its last snapshot: the events after the last periodic one are
# replayed on top of it, and all is reported as the whole trace does, but
# for the resident figures.
final=$(grep -n '"type":"snapshot","reason":"final"' "$TMP/interval.json" | cut -d: -f1)
head -n "$((final - 1))" "$TMP/interval.json" >"$TMP/interval_cut.json"
[ -n "$have_python" ] && same_but_resident "$TMP/interval.json" "$TMP/interval_cut.json"

# memtrace diff: the arena program with and without MALLOC_ARENA_MAX=1.
NO_VERIFY=1 run_memtrace "$TMP/arenas8" -o "$TMP/arenas8.json" -- "$PROGRAMS/findings" arenas
MALLOC_ARENA_MAX=1 NO_VERIFY=1 run_memtrace "$TMP/arenas1" -o "$TMP/arenas1.json" -- "$PROGRAMS/findings" arenas
# diff_status WANT ARGS...: memtrace diff ARGS exits with WANT (0: no difference, 1: some).
diff_status() {
	local want=$1 out=$TMP/diff_status.out
	shift
	set +e
	"$MEMTRACE" diff "$@" >"$out"
	status=$?
	set -e
	[ "$status" = "$want" ] ||
		fail "memtrace diff $*: exit status $status, want $want; it said: $(head -n 40 "$out")"
	cat "$out"
}

diff_status 1 "$TMP/arenas8.json" "$TMP/arenas1.json" >"$TMP/diff.txt"
grep -qE '^  malloc arena +-16 +-511 MiB +-1 MiB ' "$TMP/diff.txt" ||
	fail "diff: the arenas are not gone by kind: $(cat "$TMP/diff.txt")"
grep -qE '^  removed +-16 +-511 MiB +-1 MiB .*  malloc < worker_alloc < worker_main < start_thread$' "$TMP/diff.txt" ||
	fail "diff: the arena site is not removed: $(cat "$TMP/diff.txt")"
diff_status 1 --json "$TMP/arenas8.json" "$TMP/arenas1.json" >"$TMP/diff.json"
grep -q '"equal":false}$' "$TMP/diff.json" || fail "diff --json: not unequal: $(cat "$TMP/diff.json")"
[ -z "$have_python" ] || python3 - "$TMP/diff.json" <<'EOF2' || fail "diff --json: $(cat "$TMP/diff.json")"
import json, sys
d = json.load(open(sys.argv[1]))
site = [s for s in d["sites"] if s["site"] == "malloc < worker_alloc < worker_main < start_thread"][0]
assert site["status"] == "removed" and site["b"]["regions"] == 0, site
assert site["a"]["reserved"] + site["a"]["committed"] == 8 * 64 << 20, site
assert d["equal"] is False
EOF2

# The same deterministic program twice: nothing; with one more thread: one
# more stack.  The two laid out alike, without ASLR (setarch -R, where the
# personality is allowed): ld.so maps a library aligned to its p_align
# (64 KiB on aarch64), trimming the head of a larger mapping or not as the
# random address falls, one munmap more or less.
same_layout=()
setarch -R true 2>/dev/null && same_layout=(setarch -R)
for i in 1 2; do
	NO_VERIFY=1 run_memtrace "$TMP/same$i" -o "$TMP/same$i.json" -- \
		${same_layout[@]+"${same_layout[@]}"} "$PROGRAMS/findings" threads
done
NO_VERIFY=1 run_memtrace "$TMP/more" -o "$TMP/more.json" -- \
	${same_layout[@]+"${same_layout[@]}"} "$PROGRAMS/findings" threads 9
diff_status 0 "$TMP/same1.json" "$TMP/same2.json" >"$TMP/same.txt"
expect_eq "diff of the same program" "$(tail -n 1 "$TMP/same.txt")" "  no difference"
diff_status 0 --json "$TMP/same1.json" "$TMP/same2.json" >"$TMP/same.json"
grep -q '"equal":true}$' "$TMP/same.json" || fail "diff --json of the same program is not equal"
diff_status 1 "$TMP/same1.json" "$TMP/more.json" >"$TMP/more.txt"
# Reserved: the stack's guard, a page (glibc's aarch64 guard is 64 KiB at least).
case $(uname -m) in
aarch64) guard='64 KiB' ;;
*) guard='4 KiB' ;;
esac
grep -qE "^  thread stack +\+2 +\+$guard +\+8 MiB " "$TMP/more.txt" ||
	fail "diff: one more thread is not one more stack: $(cat "$TMP/more.txt")"
# glibc's own name for pthread_create with its debug file (libc6-dbg), the
# exported one without.
grep -qE "^ +\+2 +\+$guard +\+8 MiB .*  (__pthread_create_2_1|pthread_create) < spawn_workers < main\$" "$TMP/more.txt" ||
	fail "diff: the extra stack's site: $(cat "$TMP/more.txt")"
expect_eq "diff: sites changed" "$(grep -cE '  (__)?pthread_create|  malloc|  mmap' "$TMP/more.txt")" 1
set +e
"$MEMTRACE" diff "$TMP/same1.json" "$TMP/none.json" >/dev/null 2>"$TMP/diff.err"
status=$?
set -e
expect_eq "diff of a missing trace" "$status" 2
grep -q "cannot open '.*none.json'" "$TMP/diff.err" || fail "diff of a missing trace: $(cat "$TMP/diff.err")"
exit 0
