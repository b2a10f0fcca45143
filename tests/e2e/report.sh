# SPDX-License-Identifier: LGPL-2.1-or-later
# The report: one program per memory habit (tests/programs/
# findings.c), each checked for the finding that must fire and for the
# absence of the others; the resident figures against the /proc/self/smaps
# the program read itself just before it exited; and on every report, the
# demo's and real programs' included, that the rows by kind and by site
# add up to the totals and that it is a screen high.
. "$E2E_DIR/lib.sh"

# check_sums ERRFILE: in every report of ERRFILE, the kinds and the sites
# add up to the total row, and the summary's reserved/committed are the
# total's.  Sizes are rounded for people ("12.5 MiB": within 0.05 MiB), so
# a sum may differ from the total by the rounding of its terms.
check_sums() {
	awk '
	function unit(s) { sub(/^[^ ]* /, "", s); return s }
	function bytes(s,   n) {
		gsub(/^ +| +$/, "", s)
		if (s == "0") return 0
		n = s; sub(/ .*/, "", n)
		return n * mult[unit(s)]
	}
	function slack(s) { gsub(/^ +| +$/, "", s); return s == "0" || unit(s) == "B" ? 0 : 0.05 * mult[unit(s)] }
	function row(line, t,   i) {
		t["regions"] = substr(line, 20, 7) + 0
		for (i = 1; i <= 3; i++) t[i] = substr(line, 28 + (i - 1) * 12, 11)
	}
	function add(line,   t, i) {
		row(line, t); sum["regions"] += t["regions"]
		for (i = 1; i <= 3; i++) { sum[i] += bytes(t[i]); err[i] += slack(t[i]) }
	}
	function check(what, line,   t, i) {
		row(line, t)
		if (sum["regions"] != t["regions"]) { print what ": regions add up to " sum["regions"] ", total " t["regions"]; bad = 1 }
		for (i = 1; i <= 3; i++) {
			d = sum[i] - bytes(t[i]); if (d < 0) d = -d
			if (d > err[i] + slack(t[i]) + 1) { print what ": column " i " adds up to " sum[i] ", total " t[i] " (" line ")"; bad = 1 }
		}
	}
	function reset(  i) { sum["regions"] = 0; for (i = 1; i <= 3; i++) { sum[i] = 0; err[i] = 0 } }
	BEGIN { mult["B"] = 1; mult["KiB"] = 1024; mult["MiB"] = 1048576; mult["GiB"] = 1073741824; mult["TiB"] = 1099511627776 }
	/^  VSZ / { reports++; vsz = $0; section = "" }
	/^  by kind / { section = "kind"; reset(); next }
	/^  by site / { section = "site"; reset(); next }
	/^$/ { if (section == "site") check("by site", total); section = ""; next }
	section == "kind" && /^  total / {
		check("by kind", $0); total = $0
		r = substr($0, 28, 11); c = substr($0, 40, 11); gsub(/^ +/, "", r); gsub(/^ +/, "", c)
		if (index(vsz, ": " r " reserved, " c " committed") == 0) { print "summary and total differ: " vsz " / " $0; bad = 1 }
		section = ""; next
	}
	section == "kind" || (section == "site" && substr($0, 20, 7) ~ /[0-9]/) { add($0) }
	END { if (!reports) { print "no report"; bad = 1 } exit bad }' "$1" || fail "the report of $1 does not add up"
}

# check_resident ERRFILE OUTFILE: the report's RSS and private bytes are
# what the program read from its smaps before exiting (within rounding).
check_resident() {
	local want_rss want_private
	read -r want_rss want_private < <(sed -nE 's/^smaps: rss ([0-9]+) private ([0-9]+)$/\1 \2/p' "$2")
	[ -n "$want_rss" ] || fail "the program did not report its smaps ($(cat "$2"))"
	awk -v rss="$want_rss" -v priv="$want_private" '
	function bytes(n, u) { return n * (u == "KiB" ? 1024 : u == "MiB" ? 1048576 : u == "GiB" ? 1073741824 : 1) }
	function near(got_n, got_u, want) {
		slack = got_u == "B" ? 0 : 0.05 * bytes(1, got_u)
		d = bytes(got_n, got_u) - want; if (d < 0) d = -d
		return d <= slack + 8192
	}
	match($0, /; RSS [0-9.]+ [KMG]?i?B \([0-9.]+ [KMG]?i?B private/) {
		split(substr($0, RSTART + 6, RLENGTH - 6), f, /[ (]+/)
		found = 1
		if (!near(f[1], f[2], rss)) { print "RSS " f[1] " " f[2] ", smaps says " rss; bad = 1 }
		if (!near(f[3], f[4], priv)) { print "private " f[3] " " f[4] ", smaps says " priv; bad = 1 }
	}
	END { if (!found) { print "no RSS in the report"; bad = 1 } exit bad }' "$1" ||
		fail "resident figures of $1"
}

# findings ERRFILE: the findings' first lines.
findings() {
	grep '^  ! ' "$1" || true
}

# run_findings MODE [OPTIONS...]: traces findings MODE into $TMP/MODE.*.
run_findings() {
	local mode=$1
	shift
	run_memtrace "$TMP/$mode" --top 10 "$@" -- "$PROGRAMS/findings" "$mode"
	expect_eq "findings $mode: exit status" "$status" 0
	check_sums "$TMP/$mode.err"
	check_resident "$TMP/$mode.err" "$TMP/$mode.out"
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
grep -qx '    created by pthread_create < spawn_workers < main' "$TMP/unjoined.err" ||
	fail "unjoined: the threads' creator is not named"
grep -qE '^  thread stack .* 0 alive, 10 of exited threads$' "$TMP/unjoined.err" || fail "unjoined: by kind"

# Eight threads alive at the exit: their stacks, no leak.
run_findings threads
expect_eq "findings threads" "$(findings "$TMP/threads.err")" ""
grep -qE '^  thread stack .* 8 alive, 0 of exited threads$' "$TMP/threads.err" || fail "threads: by kind"

# 500 mmap/munmap pairs (--churn-ms 50: a sanitized memtrace is slow).
run_findings churn --churn-ms 50
expect_one_finding churn '^  ! 500 mappings \(31.3 MiB in all\) were unmapped within 50 ms of being made:$'
grep -qx '    mapped by mmap < churn_buffer < main' "$TMP/churn.err" || fail "churn: the site"
grep -qE '^  31.3 MiB mapped by 500 calls, 500 unmapped within 50 ms \(31.3 MiB\), 0 kept: mmap < churn_buffer < main$' \
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

# SIGUSR1: a report now, tracing goes on.  --interval: growth lines.
"$PROGRAMS/longrun" 2 2 3>/dev/null >"$TMP/usr1.out" 2>&1 &
lr_job=$!
for _ in $(seq 100); do
	lr_pid=$(sed -nE 's/^ready ([0-9]+)$/\1/p' "$TMP/usr1.out")
	[ -n "$lr_pid" ] && break
	sleep 0.05
done
[ -n "$lr_pid" ] || fail "longrun never got ready"
"$MEMTRACE" --interval 0.2 -p "$lr_pid" 2>"$TMP/usr1.err" &
mt_job=$!
sleep 0.6
kill -USR1 "$mt_job"
sleep 0.3
kill -INT "$mt_job"
set +e
wait "$mt_job"
mt_status=$?
wait "$lr_job"
lr_status=$?
set -e
expect_eq "memtrace after SIGUSR1" "$mt_status" 0
expect_eq "longrun under SIGUSR1" "$lr_status" 0
expect_eq "reports (SIGUSR1 and the end)" "$(grep -c '^  VSZ ' "$TMP/usr1.err")" 2
[ "$(grep -cE "^memtrace: [0-9.]+s \[$lr_pid\] VSZ .* RSS .* calls$" "$TMP/usr1.err")" -ge 2 ] ||
	fail "--interval: fewer than 2 growth lines"
check_sums "$TMP/usr1.err"

# Real programs: the totals add up, and each report is a screen high.  (Off a
# terminal its lines are whole, however wide: tests/e2e/width.sh checks that
# on a terminal they fit its width.)
real_report() {
	local name=$1
	shift
	command -v "$1" >/dev/null || { echo "note: no $1, skipped" >&2; return 0; }
	NO_VERIFY=1 run_memtrace "$TMP/$name" --top 10 -- "$@"
	expect_eq "$name exit status" "$status" 0
	check_sums "$TMP/$name.err"
	lines=$(awk '/^memtrace: \[/ { n = 0 } { n++ } n > max { max = n } END { print max + 0 }' "$TMP/$name.err")
	[ "$lines" -le 50 ] || fail "$name: a report of $lines lines does not fit a screen"
}
real_report demo "$PROGRAMS/../../demo/demo"
real_report python3 python3 -c 'import threading; [t.start() or t.join() for t in [threading.Thread(target=lambda: bytearray(1 << 20)) for _ in range(4)]]'
real_report node node -e 'const a = []; for (let i = 0; i < 1e5; i++) a.push({i}); console.log(a.length)'
real_report java java -Xmx64m -version
exit 0
