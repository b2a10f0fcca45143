# SPDX-License-Identifier: LGPL-2.1-or-later
# The report: one program per memory habit (tests/programs/findings.c),
# each checked for the finding that must fire and for the absence of the
# others; the resident figures of a report taken while the program is
# stopped against /proc/PID/smaps_rollup read during the same stop; and on
# every report, the demo's and real programs' included, that the rows by
# kind and by site add up to the totals and that it is a screen high.
. "$E2E_DIR/lib.sh"

# read_rollup PID: "RSS PRIVATE PRIVATE_CLEAN SHARED_CLEAN" in bytes, from
# /proc/PID/smaps_rollup (or the sum of /proc/PID/smaps before Linux 4.14).
read_rollup() {
	local file=/proc/$1/smaps_rollup
	[ -r "$file" ] || file=/proc/$1/smaps
	awk '/^Rss:/ { rss += $2 } /^Private_(Clean|Dirty):/ { priv += $2 }
	     /^Private_Clean:/ { pclean += $2 } /^Shared_Clean:/ { sclean += $2 }
	     END { if (NR) print rss * 1024, priv * 1024, pclean * 1024, sclean * 1024 }' "$file"
}

# check_resident ERRFILE BEFORE AFTER: the first report's RSS and private
# bytes agree with what read_rollup read during the same stop of the
# program, just before memtrace read its smaps (BEFORE) and just after
# (AFTER), within the report's rounding (and 8 KiB).  Nothing in the
# program runs meanwhile, but the kernel still moves two things:
#  - reclaim may unmap pages from a stopped process (under memory
#    pressure): the RSS only falls, so the report's lies between the two
#    reads;
#  - a clean file page (libc's code, say) is private while this process
#    alone maps it, shared while another does, and any process on the
#    machine may map or unmap it at any time, even between the reads and
#    back: the private bytes may lose up to the private clean bytes, or
#    gain up to the shared clean bytes.  Dirty pages are the program's
#    own (it never forks): they do not move.
check_resident() {
	local rss1 priv1 pclean1 sclean1 rss2 priv2 pclean2 sclean2
	read -r rss1 priv1 pclean1 sclean1 <"$2"
	read -r rss2 priv2 pclean2 sclean2 <"$3"
	[ -n "$sclean1" ] && [ -n "$sclean2" ] || fail "no smaps figures were read ($2, $3)"
	awk -v rss1="$rss1" -v priv1="$priv1" -v pclean1="$pclean1" -v sclean1="$sclean1" \
		-v rss2="$rss2" -v priv2="$priv2" -v pclean2="$pclean2" -v sclean2="$sclean2" '
	function bytes(n, u) { return n * (u == "KiB" ? 1024 : u == "MiB" ? 1048576 : u == "GiB" ? 1073741824 : 1) }
	function min(a, b) { return a < b ? a : b }
	function max(a, b) { return a > b ? a : b }
	# within(GOT_N, GOT_U, LOW, HIGH): the rounded GOT may be in [LOW, HIGH].
	function within(got_n, got_u, low, high,   slack, got) {
		slack = (got_u == "B" ? 0 : 0.05 * bytes(1, got_u)) + 8192
		got = bytes(got_n, got_u)
		return got + slack >= low && got - slack <= high
	}
	!found && match($0, /; RSS [0-9.]+ [KMG]?i?B \([0-9.]+ [KMG]?i?B private/) {
		split(substr($0, RSTART + 6, RLENGTH - 6), f, /[ (]+/)
		found = 1
		if (!within(f[1], f[2], min(rss1, rss2), max(rss1, rss2))) {
			print "RSS " f[1] " " f[2] ", smaps_rollup says " rss1 " before, " rss2 " after"; bad = 1
		}
		if (!within(f[3], f[4], min(priv1, priv2) - max(pclean1, pclean2), max(priv1, priv2) + max(sclean1, sclean2))) {
			print "private " f[3] " " f[4] ", smaps_rollup says " priv1 " before, " priv2 " after (clean: " \
				pclean1 " private, " sclean1 " shared before; " pclean2 ", " sclean2 " after)"; bad = 1
		}
	}
	END { if (!found) { print "no RSS in the report"; bad = 1 } exit bad }' "$1" ||
		fail "resident figures of $1"
}

# findings ERRFILE: the first lines of the findings of ERRFILE's last report.
findings() {
	awk '/^memtrace: \[[0-9]+\] .*: [0-9]+ memory calls? / { n = 0 }
	     /^  ! / { line[++n] = $0 }
	     END { for (i = 1; i <= n; i++) print line[i] }' "$1"
}

# run_findings MODE [OPTIONS...]: traces findings MODE into $TMP/MODE.*.
# The program stops itself at its end (FINDINGS_STOP=1); once every thread
# is stopped, the test reads its smaps_rollup, has memtrace print a report
# now (SIGUSR1), waits for it, reads smaps_rollup again, and lets the
# program go on to its exit.
run_findings() {
	local mode=$1 prefix=$TMP/$1 mt pid
	shift
	FINDINGS_STOP=1 "$MEMTRACE" --verify --events="$prefix.events" --top 10 "$@" -- \
		"$PROGRAMS/findings" "$mode" 3>"$prefix.expected" >"$prefix.out" 2>"$prefix.err" &
	mt=$!
	wait_until "findings $mode never stopped itself" grep -qE '^stopping [0-9]+$' "$prefix.out"
	pid=$(sed -nE 's/^stopping ([0-9]+)$/\1/p' "$prefix.out")
	wait_until "findings $mode: some thread never stopped" all_stopped "$pid"
	read_rollup "$pid" >"$prefix.before"
	kill -USR1 "$mt"
	wait_until "findings $mode: no report on SIGUSR1" grep -q '^  VSZ ' "$prefix.err"
	read_rollup "$pid" >"$prefix.after"
	kill -CONT "$pid"
	set +e
	wait "$mt"
	status=$?
	set -e
	verified "$prefix.err"
	expect_eq "findings $mode: exit status" "$status" 0
	expect_eq "findings $mode: reports (SIGUSR1 and the end)" "$(grep -c '^  VSZ ' "$prefix.err")" 2
	check_sums "$prefix.err"
	check_resident "$prefix.err" "$prefix.before" "$prefix.after"
}

# expect_one_finding MODE PATTERN: exactly one finding, matching PATTERN (grep -E).
expect_one_finding() {
	local got
	got=$(findings "$TMP/$1.err")
	expect_eq "findings $1: number of findings" "$(grep -c . <<<"$got")" 1
	grep -qE -- "$2" <<<"$got" || fail "findings $1: want /$2/, got: $got"
}

# Eight threads malloc at once: eight arenas, named by the program's functions.
run_findings arenas
expect_one_finding arenas '^  ! 8 glibc malloc arenas hold 512 MiB of address space'
grep -qx '    made by malloc < worker_alloc < worker_main < start_thread' "$TMP/arenas.err" ||
	fail "the arena finding does not name the program's functions"
grep -qE '^  malloc arena +16 .* 8 arenas$' "$TMP/arenas.err" || fail "by kind: not 8 arenas in 16 regions"

# Ten threads exit unjoined.
run_findings unjoined
expect_one_finding unjoined '^  ! 10 threads have exited but their stacks \(80 MiB\) are still mapped'
grep -qE 'least 6 were never joined\.$' "$TMP/unjoined.err" || fail "unjoined: the count of never joined"
# glibc's own name for it with libc6-dbg, the exported one without.
grep -qxE '    created by (__pthread_create_2_1|pthread_create) < spawn_workers < main' \
	"$TMP/unjoined.err" ||
	fail "unjoined: the threads' creator is not named"
grep -qx '    named exiter-\* (10)' "$TMP/unjoined.err" || fail "unjoined: the threads' names"
grep -qE '^  thread stack .* 0 alive, 10 of exited threads$' "$TMP/unjoined.err" || fail "unjoined: by kind"
# glibc gave back each exited thread's stack but its last pages with madvise.
grep -qE '^  released by madvise: thread stack [0-9.]+ MiB \(10 calls\)$' "$TMP/unjoined.err" ||
	fail "unjoined: the stacks' releases by kind: $(grep 'released by' "$TMP/unjoined.err")"

# Eight threads alive at the exit: their stacks, no leak; each named as
# its thread was when the process ended.
run_findings threads --regions
expect_eq "findings threads" "$(findings "$TMP/threads.err")" ""
grep -qE '^  thread stack .* 8 alive, 0 of exited threads$' "$TMP/threads.err" || fail "threads: by kind"
expect_eq "threads: stacks named sleeper-0..7" \
	"$(grep -cE ' stack of [0-9]+ \(sleeper-[0-7]\)$' "$TMP/threads.err")" 8
# Their stacks in use: nothing given back.
grep -q '^  released by madvise: .*thread stack' "$TMP/threads.err" &&
	fail "threads: releases of live threads' stacks"

# 500 mmap/munmap pairs.  Each pair counts only if its munmap came within
# --churn-ms of its mmap: a minute, which no pair takes even on a loaded
# machine under a sanitized memtrace (50 ms did not always hold).
run_findings churn --churn-ms 60000
expect_one_finding churn '^  ! 500 mappings \(31.3 MiB in all\) were unmapped within 60000 ms of being made:$'
grep -qx '    mapped by mmap < churn_buffer < main' "$TMP/churn.err" || fail "churn: the site"
grep -qE '^  31.3 MiB mapped by 500 calls, 500 unmapped within 60000 ms \(31.3 MiB\), 0 kept: mmap < churn_buffer < main$' \
	"$TMP/churn.err" || fail "churn: the churn row"

# A brk heap of small blocks, all freed but the last.
run_findings brkfrag
expect_one_finding brkfrag '^  ! the brk heap is 19\.[0-9] MiB \(peak 19\.[0-9] MiB\), 19\.[0-9] MiB of it in [0-9]+ free chunks? below a block in use$'

# 1 GiB reserved and never touched.
run_findings reserve
expect_one_finding reserve '^  ! 1 GiB reserved PROT_NONE \(1 region\), never made accessible:$'
grep -qx '    reserved by mmap < reserve_space < main' "$TMP/reserve.err" || fail "reserve: the site"

# A file mapped, then deleted.
run_findings deleted
expect_one_finding deleted '^  ! 1 mapping of deleted files \(1 MiB, 1 MiB resident\), e\.g\. /tmp/memtrace-findings-'

# Nothing to find.
run_findings clean
grep -qx '  findings: none' "$TMP/clean.err" || fail "clean: $(findings "$TMP/clean.err")"

# The leader calls pthread_exit, a thread maps 16 MiB after it: the report is read
# through that thread (the zombie leader's /proc files are empty), at the last exit.
run_memtrace "$TMP/leader" --top 10 -- "$PROGRAMS/findings" leader
expect_eq "findings leader: exit status" "$status" 0
check_sums "$TMP/leader.err"
grep -qE '^  VSZ .*; RSS 1[6-9](\.[0-9])? MiB \(1[6-9](\.[0-9])? MiB private' "$TMP/leader.err" ||
	fail "leader: the 16 MiB mapped after the leader exited are not resident: $(grep '^  VSZ' "$TMP/leader.err")"

# --report=FILE: the report there, stderr keeps the rest.
NO_VERIFY=1 run_memtrace "$TMP/file" --verify --report="$TMP/file.report" -- "$PROGRAMS/findings" clean
expect_eq "--report=FILE: exit status" "$status" 0
grep -qx 'verify: 0 mismatches' "$TMP/file.report" || fail "--report=FILE: no verify line in the file"
check_sums "$TMP/file.report"
grep -q '^  findings: none$' "$TMP/file.report" || fail "--report=FILE: no report in the file"
grep -q 'findings' "$TMP/file.err" && fail "--report=FILE: the report went to stderr too"

# SIGUSR1 to memtrace -p: a report now, tracing goes on.  --interval:
# growth lines.  Each step waits for the one before it to show.
if can_attach; then
	"$PROGRAMS/longrun" "$LONGRUN_SECONDS" 2 3>/dev/null >"$TMP/usr1.out" 2>"$TMP/usr1.lr" &
	lr_job=$!
	lr_pid=$(said_pid "$TMP/usr1.out" ready)
	"$MEMTRACE" --interval 0.2 -p "$lr_pid" 2>"$TMP/usr1.err" &
	mt_job=$!
	wait_until "--interval 0.2: fewer than 2 growth lines" growth_lines "$TMP/usr1.err" 2 "$lr_pid"
	kill -USR1 "$mt_job"
	wait_until "no report on SIGUSR1" grep -q '^  VSZ ' "$TMP/usr1.err"
	kill -INT "$mt_job"
	set +e
	wait "$mt_job"
	mt_status=$?
	kill -TERM "$lr_pid"
	wait "$lr_job"
	lr_status=$?
	set -e
	expect_eq "memtrace after SIGUSR1" "$mt_status" 0
	expect_eq "longrun under SIGUSR1" "$lr_status" 0
	expect_eq "reports (SIGUSR1 and the end)" "$(grep -c '^  VSZ ' "$TMP/usr1.err")" 2
	check_sums "$TMP/usr1.err"
else
	echo "note: $why_not: SIGUSR1 and --interval on an attached process are not tested" >&2
fi

# A program is named as the user ran it: through a symlink, by the link's
# name, with the file it is beside it; the same read back from the trace.
ln -s "$PROGRAMS/findings" "$TMP/renamed"
run_memtrace "$TMP/renamed" -o "$TMP/renamed.json" -- "$TMP/renamed" churn
expect_eq "renamed exit status" "$status" 0
grep -q "^memtrace: \[[0-9]*\] $TMP/renamed ($PROGRAMS/findings): " "$TMP/renamed.err" ||
	fail "the summary does not name the link: $(grep '^memtrace: \[' "$TMP/renamed.err")"
expect_same_report "$TMP/renamed" renamed

# Real programs: the totals add up, and each report is a screen high (55
# lines: a terminal filling a laptop's screen).  (Off a
# terminal its lines are whole, however wide: tests/e2e/width.sh checks that
# on a terminal they fit its width.)
real_report() {
	local name=$1
	shift
	NO_VERIFY=1 run_memtrace "$TMP/$name" --top 10 -- "$@"
	expect_eq "$name exit status" "$status" 0
	check_sums "$TMP/$name.err"
	lines=$(awk '/^memtrace: \[/ { n = 0 } { n++ } n > max { max = n } END { print max + 0 }' "$TMP/$name.err")
	[ "$lines" -le 55 ] || fail "$name: a report of $lines lines does not fit a screen"
}
real_report demo "$PROGRAMS/../../demo/demo"
checked_if "its report" python3 -c pass &&
	real_report python3 python3 -c 'import threading; [t.start() or t.join() for t in [threading.Thread(target=lambda: bytearray(1 << 20)) for _ in range(4)]]'
checked_if "its report" node -e 0 &&
	real_report node node -e 'const a = []; for (let i = 0; i < 1e5; i++) a.push({i}); console.log(a.length)'
checked_if "its report" java -Xmx64m -version &&
	real_report java java -Xmx64m -version
exit 0
