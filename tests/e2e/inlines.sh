# SPDX-License-Identifier: LGPL-2.1-or-later
# Inline frames and source lines from the debug info: tests/programs/inlines
# (-O2 -g) maps with mmap from map_here(), inlined into middle(), inlined
# into outer(); each frame has its file and line (the source's "at:"
# comments), in --events, in the trace (-o) and in the report's sites,
# live and read back.  glibc's allocate_stack, inlined into
# pthread_create, is a frame of its own where libc6-dbg is installed.
. "$E2E_DIR/lib.sh"

src=$E2E_DIR/../programs/inlines.c
# at WHAT: the line of the source's "at: WHAT" comment.
at() {
	grep -n "/\* at: $1 \*/" "$src" | cut -d: -f1
}

run_memtrace "$TMP/in" -o "$TMP/in.json" -- "$PROGRAMS/inlines"
expect_eq "exit status" "$status" 0

# The program's frames, from map_here on; before them, libc's mmap.
sources_of "$TMP/in.events" 'mmap\(NULL, 45678,' >"$TMP/mmap.sources"
sed -n '/^map_here /,$p' "$TMP/mmap.sources" | head -n 4 >"$TMP/mmap.ours"
printf '%s\n' "map_here (inlined) inlines.c:$(at mmap)" "middle (inlined) inlines.c:$(at map_here)" \
	"outer inlines.c:$(at middle)" "main inlines.c:$(at outer)" >"$TMP/mmap.want"
cmp -s "$TMP/mmap.ours" "$TMP/mmap.want" ||
	fail "mmap(45678): got [$(echo $(cat "$TMP/mmap.sources"))], want [... $(echo $(cat "$TMP/mmap.want"))]"
functions_of "$TMP/in.events" 'mmap\(NULL, 45678,' | grep -B1 -m1 '^map_here$' | head -n1 |
	grep -qx mmap || fail "mmap(45678): the frame before map_here is not mmap"
expect_chain "$TMP/in.events" 'mmap\(NULL, 45678,' mmap outer main

# The thread's stack, under pthread_create in spawn_worker, then main.
thread='mmap\(NULL, [0-9]+, PROT_NONE, MAP_PRIVATE\|MAP_ANONYMOUS\|MAP_STACK'
sources_of "$TMP/in.events" "$thread" | sed -n '/^spawn_worker /,$p' | head -n 2 >"$TMP/thread.ours"
printf '%s\n' "spawn_worker inlines.c:$(at pthread_create)" "main inlines.c:$(at spawn_worker)" \
	>"$TMP/thread.want"
cmp -s "$TMP/thread.ours" "$TMP/thread.want" ||
	fail "thread stack: got [$(echo $(sources_of "$TMP/in.events" "$thread"))]"
libc_id=$(sed -nE 's|^\{"type":"module","id":[0-9]+,"path":"[^"]*/libc\.so\.6","build_id":"([0-9a-f]+)"\}$|\1|p' \
	"$TMP/in.json" | head -n1)
[ -n "$libc_id" ] && [ -e "/usr/lib/debug/.build-id/${libc_id:0:2}/${libc_id:2}.debug" ] || skip_libc=1
if [ -z "${skip_libc:-}" ]; then
	functions_of "$TMP/in.events" "$thread" | grep -A2 -m1 '^allocate_stack$' >"$TMP/nptl.frames"
	printf '%s\n' allocate_stack __pthread_create_2_1 spawn_worker | cmp -s - "$TMP/nptl.frames" ||
		fail "thread stack: got [$(echo $(functions_of "$TMP/in.events" "$thread"))], want [... allocate_stack __pthread_create_2_1 spawn_worker ...]"
	sources_of "$TMP/in.events" "$thread" | grep -qE '^allocate_stack \(inlined\) allocatestack\.c:[0-9]+$' ||
		fail "allocate_stack has no line: $(sources_of "$TMP/in.events" "$thread")"
else
	echo "note: no debug file for libc.so.6 (libc6-dbg): the allocate_stack check is skipped" >&2
fi

# The trace: outer's frame carries its line and the two functions inlined there.
grep -qE '"function":"outer","function_offset":"0x[0-9a-f]+","file":"[^"]*/inlines\.c","line":'"$(at middle)"',"inlined":\[\{"function":"map_here","file":"[^"]*/inlines\.c","line":'"$(at mmap)"'\},\{"function":"middle","file":"[^"]*/inlines\.c","line":'"$(at map_here)"'\}\]\}' \
	"$TMP/in.json" || fail "the trace has no frame of outer with map_here and middle inlined"

# The report's sites: the inlined functions are frames of their own, and
# the trace read back gives the live report.
grep -q '  mmap < map_here < middle < outer < main$' "$TMP/in.err" ||
	fail "no site mmap < map_here < middle < outer < main: $(grep -A12 'by site' "$TMP/in.err")"
expect_same_report "$TMP/in" inlines
exit 0
