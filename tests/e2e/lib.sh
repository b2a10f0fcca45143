# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers of the end-to-end tests (sourced).  Each test runs
# memtrace on a program and checks facts: calls, arguments, results, exit
# statuses.  Exit 0: pass; 1: fail; 77: skip (CTest SKIP_RETURN_CODE).
set -euo pipefail

: "${MEMTRACE:?MEMTRACE must name the memtrace binary}"
: "${PROGRAMS:?PROGRAMS must name the directory of the test programs}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-e2e.XXXXXX")
# At the end, the test's own background processes go too (by pid: a test
# never signals a process it did not start), then its files.
trap 'kill_jobs; rm -rf "$TMP"' EXIT

kill_jobs() {
	local pid
	for pid in $(jobs -p); do
		kill -KILL "$pid" 2>/dev/null || true
	done
}

# fail MESSAGE: the test fails, saying why; with the end of what memtrace
# said on its last run_memtrace (its files are gone once the test ends).
fail() {
	echo "FAIL: $*" >&2
	if [ -n "${last_run:-}" ] && [ -s "$last_run.err" ]; then
		# A test program's own failure (testutil.c's test_assert()) first.
		grep -m 3 'FAILED at ' "$last_run.err" | sed 's/^/  /' >&2
		echo "  memtrace's standard error, last lines ($(basename "$last_run").err):" >&2
		tail -n 15 "$last_run.err" | sed 's/^/    /' >&2
	fi
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# wait_until WHAT COMMAND...: runs COMMAND every 20 ms until it succeeds.
# Tests wait on conditions, never for a fixed time; the limit (60 s, or
# WAIT_LIMIT) only keeps a test that would wait forever from hanging, and
# is far beyond what a loaded machine takes.
wait_until() {
	local what=$1 limit=${WAIT_LIMIT:-60}
	local deadline=$((SECONDS + limit))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || fail "$what (still not so after $limit s)"
		sleep 0.02
	done
}

# How long longrun runs when no one ends it: only a net (the tests end it
# with SIGTERM), far beyond the waits, which are longer on a slow machine.
LONGRUN_SECONDS=$((${WAIT_LIMIT:-60} * 10))

# said_pid OUT WORD: the pid a program wrote to OUT as "WORD PID", once it
# has ("ready 1234").
said_pid() {
	wait_until "the program never said '$2'" grep -qE "^$2 [0-9]+\$" "$1"
	sed -nE "s/^$2 ([0-9]+)\$/\\1/p" "$1"
}

# growth_lines FILE N [PID]: memtrace wrote N --interval lines or more to
# FILE (of process PID, or of any).
growth_lines() {
	[ "$(grep -cE "^memtrace: [0-9.]+s \[${3:-[0-9]+}\] VSZ .* RSS .* calls\$" "$1")" -ge "$2" ]
}

# interval_run PREFIX LINES OPTIONS...: memtrace --interval 0.2 OPTIONS on
# longrun, its stdout and stderr to PREFIX.out and PREFIX.err, until it has
# printed LINES growth lines and longrun has said it is ready (its SIGTERM
# handler in place: on a slow machine the lines may come first); then
# SIGTERM to memtrace, which forwards it, and longrun ends with 0.  Sets
# $status to memtrace's exit status.
interval_run() {
	local prefix=$1 lines=$2 mt
	shift 2
	"$MEMTRACE" --interval 0.2 "$@" -- "$PROGRAMS/longrun" "$LONGRUN_SECONDS" 2 \
		3>/dev/null >"$prefix.out" 2>"$prefix.err" &
	mt=$!
	wait_until "--interval 0.2: fewer than $lines growth lines" growth_lines "$prefix.err" "$lines"
	said_pid "$prefix.out" ready >/dev/null
	kill -TERM "$mt"
	set +e
	wait "$mt"
	status=$?
	set -e
}

# all_stopped PID: every thread of PID is stopped (job control or a
# tracing stop: T or t in /proc/PID/task/TID/stat).  False once PID is gone.
all_stopped() {
	local stat state n=0
	for stat in /proc/"$1"/task/*/stat; do
		state=$(sed -E 's/^.*\) (.).*$/\1/' "$stat" 2>/dev/null) || return 1
		case $state in T | t) n=$((n + 1)) ;; *) return 1 ;; esac
	done
	[ "$n" -gt 0 ]
}

# runnable PROGRAM ARGS...: whether PROGRAM is installed and runs (a
# trivial command, ARGS, exits 0): a wrapper such as a pyenv shim can be
# in PATH without a program behind it.
runnable() {
	command -v "$1" >/dev/null && "$@" >/dev/null 2>&1 </dev/null
}

# checked_if WHAT COMMAND...: runnable COMMAND...; when it is not, a note
# that WHAT is not checked.  (checked_if "its report" node -e 0 && ...)
checked_if() {
	local what=$1
	shift
	runnable "$@" && return 0
	echo "note: no $1 that runs: $what is not checked" >&2
	return 1
}

# has_cap_sys_ptrace: whether this shell (and memtrace, run as the same
# user) has CAP_SYS_PTRACE, bit 19 of CapEff (linux/capability.h).
has_cap_sys_ptrace() {
	local caps
	caps=$(sed -nE 's/^CapEff:\s+([0-9a-f]+)$/\1/p' /proc/self/status)
	[ $((0x${caps:-0} >> 19 & 1)) = 1 ]
}

# Yama's kernel.yama.ptrace_scope: 0 where Yama is absent.
ptrace_scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)

# can_attach: whether memtrace -p may attach to the test's own children,
# which are not memtrace's descendants: with Yama's ptrace_scope at 1 or 2
# that takes CAP_SYS_PTRACE, at 3 nothing may.  If not, says why in $why_not.
can_attach() {
	[ "$ptrace_scope" = 0 ] && return 0
	[ "$ptrace_scope" != 3 ] && has_cap_sys_ptrace && return 0
	why_not="memtrace -p cannot attach to a process it did not start here (kernel.yama.ptrace_scope is $ptrace_scope"
	if [ "$ptrace_scope" = 3 ]; then
		why_not+=")"
	else
		why_not+=", and no CAP_SYS_PTRACE)"
	fi
	return 1
}

# memtrace traces even the programs it starts with ptrace, which Yama
# forbids altogether at ptrace_scope 3, and at 2 without CAP_SYS_PTRACE.
if [ "$ptrace_scope" = 3 ] || { [ "$ptrace_scope" = 2 ] && ! has_cap_sys_ptrace; }; then
	skip "no ptrace here: kernel.yama.ptrace_scope is $ptrace_scope$([ "$ptrace_scope" = 2 ] && echo ', and no CAP_SYS_PTRACE')"
fi

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# strip_times EVENTS: the --events lines without what a program cannot
# know in advance: the timestamp, the call's "#N" and the "  # ..." note
# on the memory of earlier calls it affected.
strip_times() {
	sed -E '/^    > /d; s/^[0-9]+\.[0-9]{6} //; s/^(\[[0-9/]+\]) #[0-9]+ /\1 /; s/  # .*$//' "$1"
}

# events_grep [-x|-E] EVENTS PATTERN: whether a stripped line matches.
# (Not strip_times | grep -q: with pipefail, grep -q quitting early makes
# the pipeline fail by SIGPIPE.)
events_grep() {
	local opt=
	case $1 in -x | -E) opt=$1; shift ;; esac
	strip_times "$1" >"$TMP/grep.txt"
	grep -q $opt -- "$2" "$TMP/grep.txt"
}

# seq_of EVENTS LINE: the "#N" sequence number of the call whose stripped
# line is LINE (the first one, if several).
seq_of() {
	local line=$1
	sed -E 's/^[0-9]+\.[0-9]{6} //; s/  # .*$//' "$2" |
		awk -v want="$line" '{ seq = $2; sub(/^#/, "", seq); $2 = ""; sub(/  /, " ")
			if ($0 == want && !done) { print seq; done = 1 } }'
}

# note_of EVENTS LINE: the "# ..." note of the call whose stripped line is LINE.
note_of() {
	local line=$1
	sed -E 's/^[0-9]+\.[0-9]{6} //' "$2" |
		awk -v want="$line" '{ note = ""; i = index($0, "  # ")
			if (i) { note = substr($0, i + 4); $0 = substr($0, 1, i - 1) }
			$2 = ""; sub(/  /, " ")
			if ($0 == want && !done) { print note; done = 1 } }'
}

# check_expected EXPECTED EVENTS: every line the program expected (fd 3)
# appears in memtrace's events exactly as many times as expected.  Prints
# every difference, then fails if there was one.
check_expected() {
	local expected=$1 events=$2
	[ -s "$expected" ] || fail "the program expected nothing ($expected is empty)"
	strip_times "$events" >"$TMP/actual.txt"
	awk 'NR == FNR { got[$0]++; next }
	     { if (!want[$0]++) distinct++ }
	     END {
		for (line in want)
			if (got[line] != want[line]) {
				printf("  want %d, got %d: %s\n", want[line], got[line] + 0, line)
				bad++
			}
		printf("%d distinct expected lines, %d differ\n", distinct, bad + 0)
		exit bad > 0
	     }' "$TMP/actual.txt" "$expected" >"$TMP/check.txt" || {
		cat "$TMP/check.txt" >&2
		fail "events differ from what $(basename "$expected") expected"
	}
}

# run_memtrace OUTPUT_PREFIX ARGS...: runs memtrace with --verify and
# --events to PREFIX.events, fd 3 to PREFIX.expected, stdout to PREFIX.out
# and stderr to PREFIX.err; sets $status to memtrace's exit status.  Every
# run checks the model against /proc/PID/maps at every call (rr's tests
# do the same with --check-cached-mmaps): any mismatch fails the test,
# unless NO_VERIFY is set.
run_memtrace() {
	local prefix=$1 verify=--verify
	shift
	last_run=$prefix
	[ -n "${NO_VERIFY:-}" ] && verify=
	set +e
	"$MEMTRACE" $verify --events="$prefix.events" "$@" 3>"$prefix.expected" >"$prefix.out" 2>"$prefix.err"
	status=$?
	set -e
	[ -n "${NO_VERIFY:-}" ] || verified "$prefix.err"
}

# verified FILE: memtrace's output FILE ends with no --verify mismatch.
verified() {
	grep -qx 'verify: 0 mismatches' "$1" || {
		grep -A12 '^memtrace: verify:' "$1" | head -n 40 >&2 || true
		fail "the model disagreed with /proc/PID/maps ($(grep '^verify:' "$1" || echo 'no verify line'))"
	}
}

# summary_calls ERRFILE PID: the number of memory calls in PID's summary line.
summary_calls() {
	sed -nE "s/^memtrace: \[$2\] [^:]*: ([0-9]+) memory call.*/\1/p" "$1"
}

# count_calls EVENTS PID: the number of call lines of process PID (all
# threads) of calls that returned: not those cut short ("= ?", a thread
# gone inside its call when the process exited), which a summary's count
# of memory calls leaves out.
count_calls() {
	strip_times "$1" | grep -E "^\[$2(/[0-9]+)?\] [a-z_0-9]+\(" | grep -cv ' = ?$' || true
}

# sources_of EVENTS PATTERN: the frames under the first call line matching
# PATTERN, one per line, as --events shows them but for " (module)" and
# "+0x...": "name file.c:12", "name (inlined) file.c:12", "name"; a frame
# without a name stays whole ("lib.so+0x34").
sources_of() {
	awk -v pat="$2" '
		found && /^    > / { sub(/^    > /, ""); print; next }
		found { exit }
		$0 ~ pat { found = 1 }' "$1" |
		sed -E 's/^(.*)\+0x[0-9a-f]+( [^ ]+:[0-9]+)? \([^)]*\)$/\1\2/
			s/^(.*) \(inlined\)( [^ ]+:[0-9]+)? \([^)]*\)$/\1 (inlined)\2/'
}

# functions_of EVENTS PATTERN: as sources_of, the names alone: inlined
# functions are frames of their own.
functions_of() {
	sources_of "$1" "$2" | sed -E 's/ \(inlined\)( |$)/\1/; s/ [^ ]+:[0-9]+$//'
}

# frames_of EVENTS PATTERN: the names of the functions that hold the
# frames, one per frame: without the functions inlined there, whose
# presence depends on the debug info installed (libc6-dbg).
frames_of() {
	sources_of "$1" "$2" | grep -v ' (inlined)' | sed -E 's/ [^ ]+:[0-9]+$//' || true
}

# expect_first LISTER EVENTS PATTERN LINE...: the first lines LISTER
# (frames_of, sources_of) gives of the stack are these.
expect_first() {
	local lister=$1 events=$2 pattern=$3 got want
	shift 3
	want=$(printf '%s\n' "$@")
	got=$("$lister" "$events" "$pattern" | head -n $#)
	[ "$got" = "$want" ] || fail "stack of /$pattern/: got [$(echo $got)], want [$*]"
}

# expect_sources EVENTS PATTERN FRAME...: the first frames are these, as
# sources_of shows them.
expect_sources() {
	expect_first sources_of "$@"
}

# expect_chain EVENTS PATTERN NAME...: the first frames are these names.
expect_chain() {
	expect_first frames_of "$@"
}

# expect_same_report PREFIX NAME: memtrace report of PREFIX.json prints, on
# its standard output alone, the report the live run ended PREFIX.err with
# (run_memtrace's files).
expect_same_report() {
	local prefix=$1 name=$2 offline_status
	set +e
	"$MEMTRACE" report "$prefix.json" >"$prefix.offline" 2>"$prefix.offline.err"
	offline_status=$?
	set -e
	expect_eq "$name: memtrace report exit status" "$offline_status" 0
	[ -s "$prefix.offline.err" ] && fail "$name: memtrace report said: $(cat "$prefix.offline.err")"
	# The live report is the end of memtrace's stderr, from the first report line.
	sed -n '/^memtrace: \[[0-9]*\] .*: [0-9]* memory call/,$p' "$prefix.err" |
		grep -av '^memtrace: verify: ' >"$prefix.live" || true
	[ -s "$prefix.live" ] || fail "$name: no live report"
	cmp -s "$prefix.live" "$prefix.offline" || {
		diff "$prefix.live" "$prefix.offline" | head -n 20 >&2 || true
		fail "$name: memtrace report differs from the live report"
	}
}

# check_sums ERRFILE: in every report of ERRFILE, the kinds and the sites
# add up to the total row, the runtime heap's parts (the rows under it) to
# no more than its row, and the summary's reserved/committed are the
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
	section == "kind" && /^    [^ ]/ {
		row($0, t); parts["regions"] += t["regions"]
		for (i = 1; i <= 3; i++) { parts[i] += bytes(t[i]); perr[i] += slack(t[i]) }
		next
	}
	section == "kind" && /^  runtime heap / { heap = $0 }
	section == "kind" && /^  total / {
		if (parts["regions"]) {
			row(heap, t)
			if (parts["regions"] > t["regions"]) { print "parts: " parts["regions"] " regions, more than the runtime heap row: " heap; bad = 1 }
			for (i = 1; i <= 3; i++)
				if (parts[i] > bytes(t[i]) + slack(t[i]) + perr[i] + 1) { print "parts: column " i " adds up to " parts[i] ", more than " heap; bad = 1 }
			delete parts; delete perr
		}
		check("by kind", $0); total = $0
		r = substr($0, 28, 11); c = substr($0, 40, 11); gsub(/^ +/, "", r); gsub(/^ +/, "", c)
		if (index(vsz, ": " r " reserved, " c " committed") == 0) { print "summary and total differ: " vsz " / " $0; bad = 1 }
		section = ""; next
	}
	section == "kind" || (section == "site" && substr($0, 20, 7) ~ /[0-9]/) { add($0) }
	END { if (!reports) { print "no report"; bad = 1 } exit bad }' "$1" || fail "the report of $1 does not add up"
}
