# SPDX-License-Identifier: LGPL-2.1-or-later
# Stacks with names that are right: a known chain through static and
# exported functions (PIE and non-PIE), a dlopen'ed library, a stripped
# copy (file+offset, never a wrong name), C++ (demangled), glibc's
# arena code named from libc6-dbg's debug file, and a library replaced at
# its path during the run (two modules, each with its build-id).
. "$E2E_DIR/lib.sh"

plugin=$PROGRAMS/libstackplugin.so
progs=(stacks stacks_nopie)
# aarch64: signed return addresses (where the CPU has PAC, /proc/cpuinfo's paca).
if [ -x "$PROGRAMS/stacks_pac" ]; then
	progs+=(stacks_pac)
	grep -qw paca /proc/cpuinfo || echo "note: no pointer authentication on this CPU: stacks_pac's addresses are plain"
fi
for prog in "${progs[@]}"; do
	run_memtrace "$TMP/$prog" -o "$TMP/$prog.json" -- "$PROGRAMS/$prog" "$plugin"
	expect_eq "$prog exit status" "$status" 0
	expect_chain "$TMP/$prog.events" 'mmap\(NULL, 12345,' mmap map_it f3 f2 f1 f0 main
	expect_chain "$TMP/$prog.events" 'mmap\(NULL, 23456,' mmap plugin_map main
	expect_chain "$TMP/$prog.events" 'munmap\(0x[0-9a-f]+, 12345\)' munmap map_it f3 f2 f1 f0 main
done

# A mapping made by the plugin outlives it: at the end, with the library
# unloaded, --regions still names the plugin's function that made it.
run_memtrace "$TMP/kept" --regions -- "$PROGRAMS/stacks" "$plugin"
expect_eq "kept: exit status" "$status" 0
grep -q 'libstackplugin.so$' <(grep '^  0x' "$TMP/kept.err") &&
	fail "the plugin is still mapped at the end: the test proves nothing"
grep -qE '^      by mmap\+0x[0-9a-f]+ < plugin_keep\+0x[0-9a-f]+ < main\+0x[0-9a-f]+' "$TMP/kept.err" ||
	fail "the kept mapping's stack is not named: $(grep -A1 ' 48 KiB ' "$TMP/kept.err")"

# The stripped copy: its frames are file+offset, and no name is invented.
run_memtrace "$TMP/strip" -- "$PROGRAMS/stacks_stripped" "$plugin"
expect_eq "stripped exit status" "$status" 0
frames_of "$TMP/strip.events" 'mmap\(NULL, 12345,' >"$TMP/strip.frames"
expect_eq "stripped: first frame" "$(head -n1 "$TMP/strip.frames")" mmap
bad=$(sed -n '2,7p' "$TMP/strip.frames" | grep -cvE '^stacks_stripped\+0x[0-9a-f]+$' || true)
expect_eq "stripped: frames that are not file+offset" "$bad" 0

# glibc's arena for a new thread: its internal functions, by their own names.
# Those names are in libc's debug file alone (libc6-dbg), found by its
# build-id, which the trace gives.
frames_of "$TMP/stacks.events" 'mmap\(NULL, 134217728, PROT_NONE' >"$TMP/arena.frames"
libc_id=$(sed -nE 's|^\{"type":"module","id":[0-9]+,"path":"[^"]*/libc\.so\.6","build_id":"([0-9a-f]+)"\}$|\1|p' \
	"$TMP/stacks.json" | head -n1)
if [ -z "$libc_id" ] || [ ! -e "/usr/lib/debug/.build-id/${libc_id:0:2}/${libc_id:2}.debug" ]; then
	echo "note: no debug file for libc.so.6 (libc6-dbg): the arena check is skipped" >&2
else
	# A subsequence, in order: the exact inlining depends on glibc's build.
	awk 'BEGIN { n = split("mmap alloc_new_heap arena_get2 malloc thread_alloc start_thread", want, " "); i = 1 }
	     i <= n && $0 == want[i] { i++ }
	     END { exit i <= n }' "$TMP/arena.frames" ||
		fail "arena stack: got [$(echo $(cat "$TMP/arena.frames"))]"
fi

if [ -x "$PROGRAMS/widget" ]; then
	run_memtrace "$TMP/cpp" -o "$TMP/cpp.json" -- "$PROGRAMS/widget"
	expect_eq "widget exit status" "$status" 0
	expect_chain "$TMP/cpp.events" 'mmap\(NULL, 34567,' mmap \
		'shapes::Widget::grow(unsigned long)' 'int make<shapes::Widget>(shapes::Widget*)' main
	# The trace keeps the mangled name beside the shown one.
	grep -qF '"function":"shapes::Widget::grow(unsigned long)","linkage_name":"_ZN6shapes6Widget4growEm",' \
		"$TMP/cpp.json" || fail "the trace has no linkage_name for shapes::Widget::grow"
else
	echo "note: no C++ compiler: the demangling check is skipped" >&2
fi

# --no-stacks: no frames at all.
NO_VERIFY=1 run_memtrace "$TMP/none" --no-stacks -- "$PROGRAMS/stacks" "$plugin"
expect_eq "--no-stacks exit status" "$status" 0
expect_eq "frames with --no-stacks" "$(grep -c '^    > ' "$TMP/none.events" || true)" 0

# --max-frames 3: never more than three frames under a call.
NO_VERIFY=1 run_memtrace "$TMP/three" --max-frames 3 -- "$PROGRAMS/stacks" "$plugin"
expect_chain "$TMP/three.events" 'mmap\(NULL, 12345,' mmap map_it f3
expect_eq "frames under the chain's mmap" "$(frames_of "$TMP/three.events" 'mmap\(NULL, 12345,' | wc -l)" 3

# A library replaced at its path during the run (a package upgrade): two
# files at one path are two modules, each written once with its own
# build-id, and the frames of each stack point at the file they lay in.
reload_lib=$TMP/libreload.so
cp "$PROGRAMS/libreload_1.so" "$reload_lib"
cp "$PROGRAMS/libreload_2.so" "$TMP/libreload.next"
build_id() {
	readelf -n "$1" | sed -nE 's/^ *Build ID: ([0-9a-f]+)$/\1/p'
}
id1=$(build_id "$PROGRAMS/libreload_1.so")
id2=$(build_id "$PROGRAMS/libreload_2.so")
if [ -z "$id1" ] || [ -z "$id2" ] || [ "$id1" = "$id2" ]; then
	fail "the two builds of libreload need two build-ids: got '$id1' and '$id2'"
fi
run_memtrace "$TMP/reload" -o "$TMP/reload.json" -- "$PROGRAMS/reload" "$reload_lib" "$TMP/libreload.next"
expect_eq "reload exit status" "$status" 0
check_expected "$TMP/reload.expected" "$TMP/reload.events"
expect_chain "$TMP/reload.events" 'mmap\(NULL, 31415,' mmap reload_map load_and_map main
if checked_if "the replaced library's modules in the trace" python3 -c pass; then
	python3 - "$TMP/reload.json" "$reload_lib" "$id1" "$id2" <<'PY' || fail "the replaced library's modules are wrong"
import json, sys
trace, lib, ids = sys.argv[1], sys.argv[2], sys.argv[3:5]
modules, stacks, calls = {}, {}, []
with open(trace, "rb") as f:
    for raw in f:
        line = json.loads(raw)
        if line["type"] == "module":
            modules[line["id"]] = line
        elif line["type"] == "stack":
            stacks[line["id"]] = line["frames"]
        elif (line["type"] == "event" and line["call"] in ("mmap", "munmap")
              and int(line["args"][1], 16) == 31415):
            calls.append(line)
# In the order written: the first build's module, then the second's.
at_lib = [m for m in modules.values() if m.get("path") == lib]
got = [m["build_id"] for m in at_lib]
assert got == ids, "modules at %s: build-ids %s, want %s" % (lib, got, ids)
assert [c["call"] for c in calls] == ["mmap", "munmap"] * 2, [c["call"] for c in calls]
for n, call in enumerate(calls):
    want = at_lib[n // 2]["id"]
    frames = [f for f in stacks[call["stack"]] if f.get("function", "").startswith("reload_")]
    assert frames, "call %d (%s): no frame named reload_*: %s" % (n, call["call"], stacks[call["stack"]])
    assert all(f["module"] == want for f in frames), \
        "call %d (%s): frames %s, want module %d" % (n, call["call"], frames, want)
PY
fi
# The trace read back gives the live report.
expect_same_report "$TMP/reload" reload

# One path, two programs exec'd from it in turn: each one's frames are
# named from its own file (the mappings an exec brings are its own,
# however many execs of that path came before).
run_memtrace "$TMP/twoprogs" -f -- sh -c "cp '$PROGRAMS/longname' '$TMP/prog' && '$TMP/prog' >/dev/null &&
	rm '$TMP/prog' && cp '$PROGRAMS/findings' '$TMP/prog' && '$TMP/prog' reserve >/dev/null"
expect_eq "two programs at one path: exit status" "$status" 0
grep -qE '^    > map_the_buffers_of_a_function_whose_name_is_rather_long\+0x[0-9a-f]+( [^ ]+:[0-9]+)? \(prog\)$' \
	"$TMP/twoprogs.events" || fail "two programs at one path: the first one's frames are not named"
grep -qE '^    > reserve_space\+0x[0-9a-f]+( [^ ]+:[0-9]+)? \(prog\)$' "$TMP/twoprogs.events" ||
	fail "two programs at one path: the second one's frames bear the first one's names"
exit 0
