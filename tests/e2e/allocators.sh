# SPDX-License-Identifier: LGPL-2.1-or-later
# Allocators and runtimes (tracer/runtime.h): a report's sites start at the
# call the program made into its allocator, whichever it is (glibc's
# malloc, jemalloc's and tcmalloc's by LD_PRELOAD), with the allocator's
# own frames folded; kinds come from who made the bytes; an allocator that
# keeps far more committed than resident is a finding with its own knob,
# and quiet once the knob is turned or the memory is used.  The model
# agrees with the kernel under each.  An allocator's library that is not
# installed is skipped with a line saying so.
. "$E2E_DIR/lib.sh"

# library NAME: the path of the shared library NAME, from the loader's cache.
library() {
	ldconfig -p | sed -nE "s|^\s+$1 .*=> (.*)|\1|p" | head -n 1
}

# by_site ERRFILE: the report's rows by site, their sites alone.  (Read it
# whole: with pipefail, by_site | grep -q fails when grep quits first.)
by_site() {
	sed -n '/^  by site /,/^$/p' "$1" | sed -nE 's/^ +[0-9]+ +[0-9.]+( [KMG]?i?B)? .*  ([^ ].*)$/\2/p'
}

# program_first NAME ERRFILE: some site of ERRFILE has one frame, the
# allocator's, before alloc_sizes; none has more.
program_first() {
	local sites
	sites=$(by_site "$2" | grep -F ' alloc_sizes ' || true)
	[ -n "$sites" ] || fail "$1: no site reaches alloc_sizes: $(by_site "$2")"
	echo "$sites" | grep -qvE '^[^<]+ < alloc_sizes < ' &&
		fail "$1: a site with the allocator's frames unfolded: $(echo "$sites" | grep -vE '^[^<]+ < alloc_sizes < ')"
	return 0
}

run_memtrace "$TMP/glibc" -- "$PROGRAMS/allocs" sizes
expect_eq "allocs sizes exit status" "$status" 0
program_first glibc "$TMP/glibc.err"
grep -q ' keeps .* committed in ' "$TMP/glibc.err" && fail "glibc: a runtime finding without one"
grep -q '^  runtime heap ' "$TMP/glibc.err" && fail "glibc: malloc's memory called a runtime heap"
grep -q '^malloc < alloc_sizes < worker < start_thread$' <<<"$(by_site "$TMP/glibc.err")" ||
	fail "glibc: no 'malloc < alloc_sizes < worker < start_thread' site: $(by_site "$TMP/glibc.err")"

# Kinds from who made the bytes: two 64 MiB chunks aligned to 64 MiB,
# MAP_NORESERVE, mapped by the program itself, are no malloc arenas.
run_memtrace "$TMP/aligned" -- "$PROGRAMS/allocs" aligned
expect_eq "allocs aligned exit status" "$status" 0
grep -q '^  malloc arena ' "$TMP/aligned.err" && fail "aligned: the program's chunks called arenas"
grep -qE '^  anonymous +[0-9]+ .* 128\.[0-9] MiB ' "$TMP/aligned.err" ||
	fail "aligned: the chunks are not anonymous: $(grep -A9 '^  by kind' "$TMP/aligned.err")"
grep -qx 'mmap < chunk_alloc < aligned < main' <<<"$(by_site "$TMP/aligned.err")" ||
	fail "aligned: no 'mmap < chunk_alloc < aligned < main' site"
# And glibc's own arenas still are.
run_memtrace "$TMP/arenas" -- "$PROGRAMS/findings" arenas
expect_eq "findings arenas exit status" "$status" 0
grep -qE '^  malloc arena .* 8 arenas$' "$TMP/arenas.err" ||
	fail "glibc's 8 arenas not found: $(grep -A9 '^  by kind' "$TMP/arenas.err")"

# A Go program's OS threads run on stacks taken from its heap: the heap is
# no thread stack.  256 MiB of heap dropped and given back: a finding
# naming GOMEMLIMIT, at the site where the heap grew; quiet when kept.
if [ -x "$PROGRAMS/static_go" ]; then
	run_memtrace "$TMP/go" -- "$PROGRAMS/static_go" heap
	expect_eq "static_go heap exit status" "$status" 0
	grep -q '^  thread stack ' "$TMP/go.err" &&
		fail "go: its heap called a thread stack: $(grep '^  thread stack ' "$TMP/go.err")"
	grep -qE '^  ! go keeps [0-9.]+ MiB committed in [0-9]+ regions, .* of it resident:$' \
		"$TMP/go.err" || fail "go: no finding of the heap it keeps committed"
	grep -qF GOMEMLIMIT "$TMP/go.err" || fail "go: the finding does not name GOMEMLIMIT"
	grep -qE '^  runtime heap +[0-9]+ .* MiB   go$' "$TMP/go.err" ||
		fail "go: no runtime heap row of go: $(sed -n '/by kind/,/total/p' "$TMP/go.err")"
	grep -qE '^    most by runtime\.\(\*mheap\)\.grow < ' "$TMP/go.err" ||
		fail "go: the finding's site is not where the heap grew: $(grep -A5 '! go keeps' "$TMP/go.err")"
	run_memtrace "$TMP/go.keep" -- "$PROGRAMS/static_go" heap keep
	expect_eq "static_go heap keep exit status" "$status" 0
	grep -q ' keeps .* committed in ' "$TMP/go.keep.err" &&
		fail "go heap keep: a committed finding on a heap in use"
else
	echo "note: no Go program built: its heap is not checked" >&2
fi
# With cgo, the threads are glibc's: their stacks are thread stacks, the
# heap still Go's.
if [ -x "$PROGRAMS/cgo_go" ]; then
	run_memtrace "$TMP/cgo" -- "$PROGRAMS/cgo_go" heap
	expect_eq "cgo_go heap exit status" "$status" 0
	grep -qE '^  thread stack +[0-9]+ .*   [1-9][0-9]* alive, ' "$TMP/cgo.err" ||
		fail "cgo: no live thread stacks: $(sed -n '/by kind/,/total/p' "$TMP/cgo.err")"
	grep -qE '^  runtime heap +[0-9]+ .*   go$' "$TMP/cgo.err" ||
		fail "cgo: no runtime heap row of go: $(sed -n '/by kind/,/total/p' "$TMP/cgo.err")"
	grep -qE '^  ! go keeps [0-9.]+ MiB committed in ' "$TMP/cgo.err" ||
		fail "cgo: no finding of the heap it keeps committed"
fi

for name in libjemalloc.so.2 libtcmalloc_minimal.so.4; do
	lib=$(library "$name")
	if [ -z "$lib" ]; then
		echo "note: no $name: its sites are not checked" >&2
		continue
	fi
	run_memtrace "$TMP/$name" -o "$TMP/$name.json" -- env LD_PRELOAD="$lib" "$PROGRAMS/allocs" sizes
	expect_eq "allocs sizes under $name: exit status" "$status" 0
	program_first "$name" "$TMP/$name.err"
	expect_same_report "$TMP/$name" "$name"
	check_sums "$TMP/$name.err"
	case $name in
	libjemalloc*) allocator=jemalloc knob='MALLOC_CONF=retain:false' ;;
	*) allocator=tcmalloc knob='TCMALLOC_RELEASE_RATE=10' ;;
	esac
	grep -qE "^  ! $allocator keeps [0-9.]+ MiB committed in [0-9]+ regions?, .* of it resident:$" \
		"$TMP/$name.err" || fail "$name: no finding of what $allocator keeps committed: $(sed -n '/by kind/,/total/p;/by site/,/^$/p;/findings:/,$p' "$TMP/$name.err")"
	grep -qF "$knob" "$TMP/$name.err" || fail "$name: the finding does not name $knob"
	# Its mappings are its heap (tcmalloc's sbrk heap is the brk heap).
	[ "$allocator" = tcmalloc ] || grep -qE "^  runtime heap +[0-9]+ .*   $allocator\$" "$TMP/$name.err" ||
		fail "$name: no runtime heap row of $allocator: $(sed -n '/by kind/,/total/p' "$TMP/$name.err")"
	# What jemalloc gave back with madvise (its decay; tcmalloc's release
	# rate gives back nothing this soon), at the site that made it.
	[ "$allocator" = tcmalloc ] || grep -qE '^  [0-9.]+ [KMG]iB mapped by [0-9]+ calls?, .*released by [0-9]+ madvise calls?, .* kept: .* < alloc_sizes < ' \
		"$TMP/$name.err" || fail "$name: no madvise releases at alloc_sizes: $(sed -n '/churn:/,/^$/p' "$TMP/$name.err")"
	# And by kind: its heap's.
	[ "$allocator" = tcmalloc ] || grep -qE '^  released by madvise: runtime heap [0-9.]+ [KMG]iB \([0-9]+ calls?\)' \
		"$TMP/$name.err" || fail "$name: no madvise releases of the runtime heap: $(grep 'released by madvise' "$TMP/$name.err")"
	# Every byte used and kept: what it commits is resident, nothing to say.
	run_memtrace "$TMP/$name.touched" -- env LD_PRELOAD="$lib" "$PROGRAMS/allocs" touched
	expect_eq "allocs touched under $name: exit status" "$status" 0
	grep -q " keeps .* committed in " "$TMP/$name.touched.err" &&
		fail "$name: a committed finding on memory in use"
done

# The JVM commits its heap to -Xms at start, untouched: a finding naming
# -Xms; quiet when the heap is touched at start (-XX:+AlwaysPreTouch).
if checked_if "the JVM's committed heap" java -Xmx64m -version; then
	run_memtrace "$TMP/jvm" -- java -Xms512m -Xmx1g -version
	expect_eq "java -Xms512m: exit status" "$status" 0
	grep -qE '^  ! hotspot keeps [0-9.]+ MiB committed in [0-9]+ regions, .* of it resident:$' \
		"$TMP/jvm.err" || fail "java -Xms512m: no finding of the committed heap"
	grep -qF -- '-Xms' "$TMP/jvm.err" || fail "java -Xms512m: the finding does not name -Xms"
	NO_VERIFY=1 run_memtrace "$TMP/jvm.touched" -- java -Xms512m -Xmx1g -XX:+AlwaysPreTouch -version
	expect_eq "java -XX:+AlwaysPreTouch: exit status" "$status" 0
	grep -q ' keeps .* committed in ' "$TMP/jvm.touched.err" &&
		fail "java -XX:+AlwaysPreTouch: a committed finding on a touched heap"
fi

# The JVM as a service runs it: -Xmx1g, 24 threads named worker-N.  Its
# parts told apart (java heap, class space, metaspace, code cache), its
# reservations found with the knob that bounds each, its threads' stacks
# named; quiet when those knobs bound them below the finding's threshold.
if [ -f "$PROGRAMS/java/JvmThreads.class" ] && checked_if "the JVM's parts" java -Xmx64m -version; then
	run_memtrace "$TMP/jvmthreads" --regions -- java -Xmx1g -cp "$PROGRAMS/java" JvmThreads 24
	expect_eq "java JvmThreads: exit status" "$status" 0
	check_sums "$TMP/jvmthreads.err"
	for part in "java heap" "class space" metaspace "code cache"; do
		grep -qE "^    $part +[0-9]+ .*   hotspot\$" "$TMP/jvmthreads.err" ||
			fail "java: no $part row: $(sed -n '/by kind/,/total/p' "$TMP/jvmthreads.err")"
	done
	# -Xmx1g: what of the heap is not committed yet, with the 1 GiB class space.
	grep -qE "^  ! hotspot keeps [0-9.]+ GiB of address space reserved, not committed \(.*java heap [0-9.]+ MiB.*\):$" \
		"$TMP/jvmthreads.err" || fail "java -Xmx1g: no finding of the java heap's reservation"
	grep -qE "^  ! hotspot keeps .* reserved, not committed \(.*class space 1 GiB.*\):$" \
		"$TMP/jvmthreads.err" || fail "java: no finding of the class space's reservation"
	grep -qF 'java heap: -Xmx bounds it.' "$TMP/jvmthreads.err" ||
		fail "java: the reservation's finding does not name -Xmx"
	grep -qF 'class space: -XX:CompressedClassSpaceSize bounds it.' "$TMP/jvmthreads.err" ||
		fail "java: the reservation's finding does not name -XX:CompressedClassSpaceSize"
	grep -qE "^    most by .*(ReservedHeapSpace::|Metaspace::reserve_address_space_for_compressed_classes)" \
		"$TMP/jvmthreads.err" || fail "java: the reservation's finding does not name its maker"
	expect_eq "java: stacks named worker-0..23" \
		"$(grep -oE ' stack of [0-9]+ \(worker-[0-9]+\)$' "$TMP/jvmthreads.err" |
			sed -E 's/.*\((worker-[0-9]+).*/\1/' | sort -u | wc -l)" 24
	grep -qE '^  thread stack .* [0-9]+ alive, [0-9]+ of exited threads$' "$TMP/jvmthreads.err" ||
		fail "java: no thread stack row"
	NO_VERIFY=1 run_memtrace "$TMP/jvm.bounded" -- java -Xmx128m -XX:CompressedClassSpaceSize=128m \
		-XX:ReservedCodeCacheSize=32m -version
	expect_eq "java, its reservations bounded: exit status" "$status" 0
	grep -E "^  ! hotspot keeps .* reserved, not committed|reserved PROT_NONE" "$TMP/jvm.bounded.err" &&
		fail "java, its reservations bounded: a reservation finding"
fi

# CPython's pymalloc, with the interpreter's names (Debian strips python3's;
# its debug build keeps them): 4 threads make 800000 small objects.  Its
# arenas are cpython's, their sites starting at the interpreter's call
# into the allocator.
if checked_if "pymalloc's arenas" python3-dbg -c pass; then
	run_memtrace "$TMP/pymalloc" -- python3-dbg -c '
import threading
kept = []
def work(n):
    kept.append([(i, str(i)) for i in range(n)])
threads = [threading.Thread(target=work, args=(200000,)) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]'
	expect_eq "python3-dbg: exit status" "$status" 0
	check_sums "$TMP/pymalloc.err"
	grep -qE '^    arenas +([4-9]|[1-9][0-9]+) .*   cpython$' "$TMP/pymalloc.err" ||
		fail "python3-dbg: no 4 arenas of cpython: $(sed -n '/by kind/,/total/p' "$TMP/pymalloc.err")"
	grep -qE '^PyObject_Malloc < [A-Za-z_]' <<<"$(by_site "$TMP/pymalloc.err")" ||
		fail "python3-dbg: no site at PyObject_Malloc: $(by_site "$TMP/pymalloc.err")"
fi

# node_live NAME [NODE OPTIONS...]: node_worker.js under memtrace, its
# report on SIGUSR1 while both isolates hold what they made into
# $TMP/NAME.live.
node_live() {
	local name=$1
	shift
	set +e
	"$MEMTRACE" --verify --top 50 -- node "$@" "$E2E_DIR/../programs/node_worker.js" >"$TMP/$name.out" \
		2>"$TMP/$name.err" &
	mt=$!
	set -e
	wait_until "node_worker.js never got ready" grep -q '^ready ' "$TMP/$name.out"
	kill -USR1 "$mt"
	wait_until "no report on SIGUSR1" grep -q '; still running$' "$TMP/$name.err"
	kill -USR2 "$(sed -n 's/^ready //p' "$TMP/$name.out")"
	set +e
	wait "$mt"
	status=$?
	set -e
	expect_eq "memtrace -- node $* node_worker.js: exit status" "$status" 0
	verified "$TMP/$name.err"
	check_sums "$TMP/$name.err"
	sed -n '/; still running$/,/^memtrace: \[/p' "$TMP/$name.err" >"$TMP/$name.live"
}

# node with a Worker and Buffers, reported while both isolates hold what
# they made: V8's parts told apart, its code ranges found with what makes
# none (--jitless), and none found under --jitless.
if checked_if "V8's parts" node -e 0; then
	node_live node
	for part in "heap pages" "code range" "array buffers"; do
		grep -qE "^    $part +[0-9]+ .*   v8\$" "$TMP/node.live" ||
			fail "node: no $part row: $(sed -n '/by kind/,/total/p' "$TMP/node.live")"
	done
	# 40 Buffers of 1 MiB and 10 ArrayBuffers of 2 MiB: 60 MiB at least.
	awk '/^    array buffers / { c = substr($0, 40, 11); split(c, f, " "); exit !(f[2] == "MiB" && f[1] >= 60) }' \
		"$TMP/node.live" ||
		fail "node: the array buffers hold less than 60 MiB: $(grep 'array buffers' "$TMP/node.live")"
	grep -qE 'NodeArrayBufferAllocator::[A-Za-z]+ < .*BackingStore::Allocate' <<<"$(by_site "$TMP/node.live")" ||
		fail "node: no site at the ArrayBuffer allocator: $(by_site "$TMP/node.live")"
	grep -qE "^  ! v8 keeps [0-9.]+ [MG]iB of address space reserved, not committed \(code range [0-9.]+ [MG]iB\):$" \
		"$TMP/node.live" || fail "node: no finding of the code ranges"
	grep -qF -- '--jitless' "$TMP/node.live" || fail "node: the code range's finding does not name --jitless"
	node_live jitless --jitless
	grep -qE '^    heap pages +[0-9]+ .*   v8$' "$TMP/jitless.live" ||
		fail "node --jitless: no heap pages row"
	grep -E "^    code range |^  ! v8 keeps .* reserved, not committed" "$TMP/jitless.live" &&
		fail "node --jitless: a code range"
fi

# redis-server, a program nobody here wrote, on Debian's jemalloc, run as
# its users run it: through the redis-server symlink, under load from
# redis-benchmark; launched, then attached.
if checked_if "redis-server" redis-server --version && command -v redis-benchmark >/dev/null; then
	port=$((20000 + $$ % 20000))
	# redis_up PORT: a server answers there.
	redis_up() { redis-cli -p "$1" ping 2>/dev/null | grep -q PONG; }
	redis_load() {
		redis-benchmark -p "$1" -q -n 3000 -c 10 -t set,get -d 512 >/dev/null 2>&1 ||
			fail "redis-benchmark on $1 failed"
	}
	set +e
	"$MEMTRACE" --verify -o "$TMP/redis.json" -- redis-server --port "$port" --save '' \
		--appendonly no --loglevel warning >/dev/null 2>"$TMP/redis.err" &
	mt=$!
	set -e
	# Up, or memtrace ended (the server could not start: its error says why).
	redis_up_or_gone() { redis_up "$1" || ! kill -0 "$mt" 2>/dev/null; }
	wait_until "redis-server under memtrace never answered" redis_up_or_gone "$port"
	redis_up "$port" || fail "redis-server under memtrace ended: $(tail -n 5 "$TMP/redis.err")"
	redis_load "$port"
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
	set +e
	wait "$mt"
	status=$?
	set -e
	expect_eq "memtrace -- redis-server: exit status" "$status" 0
	verified "$TMP/redis.err"
	check_sums "$TMP/redis.err"
	grep -qE '^memtrace: \[[0-9]+\] redis-server \(/[^)]*\): [0-9]+ memory calls' "$TMP/redis.err" ||
		fail "redis: not named as it was run: $(grep '^memtrace: \[' "$TMP/redis.err")"
	grep -qE '^  runtime heap +[0-9]+ .*   jemalloc$' "$TMP/redis.err" ||
		fail "redis: no runtime heap row of jemalloc: $(sed -n '/by kind/,/total/p' "$TMP/redis.err")"
	# Its allocations: jemalloc's frames folded, redis's own zmalloc family next.
	grep -qE '^[^<]+ < z(malloc|calloc|realloc)' <<<"$(by_site "$TMP/redis.err")" ||
		fail "redis: no site at zmalloc: $(by_site "$TMP/redis.err")"
	expect_same_report "$TMP/redis" redis

	port=$((port + 1))
	redis-server --port "$port" --save '' --appendonly no --loglevel warning >/dev/null 2>&1 &
	server=$!
	wait_until "redis-server never answered" redis_up "$port"
	"$MEMTRACE" --verify -p "$server" 2>"$TMP/redis.attach.err" &
	mt=$!
	wait_until "memtrace never attached to redis-server" grep -qE "^TracerPid:\s+$mt\$" \
		"/proc/$server/status"
	redis_load "$port"
	kill -INT "$mt"
	set +e
	wait "$mt"
	status=$?
	set -e
	expect_eq "memtrace -p redis-server: exit status" "$status" 0
	verified "$TMP/redis.attach.err"
	check_sums "$TMP/redis.attach.err"
	redis_up "$port" || fail "redis-server does not answer after the detach"
	# Its background threads' stacks, there before the attach.
	grep -qE 'thread stacks: [1-9][0-9]* of live threads' "$TMP/redis.attach.err" ||
		fail "redis -p: its threads' stacks not found: $(grep 'thread stacks' "$TMP/redis.attach.err")"
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$server"
	wait "$server" || true
fi

# jemalloc with its knob turned: what it frees is unmapped, nothing to say.
lib=$(library libjemalloc.so.2)
if [ -n "$lib" ]; then
	MALLOC_CONF=retain:false,dirty_decay_ms:0,muzzy_decay_ms:0 \
		run_memtrace "$TMP/retain" -- env LD_PRELOAD="$lib" "$PROGRAMS/allocs" sizes
	expect_eq "allocs sizes with retain:false: exit status" "$status" 0
	grep -q " keeps .* committed in " "$TMP/retain.err" &&
		fail "jemalloc with retain:false: still a committed finding"
fi
exit 0
