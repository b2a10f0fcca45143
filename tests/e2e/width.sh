# SPDX-License-Identifier: LGPL-2.1-or-later
# The report fits the terminal it is printed on.  script(1) gives memtrace a
# pseudo-terminal 80, then 200 columns wide: every line of the live report,
# of `memtrace report` and of `memtrace diff` is at most that wide, counted
# in characters of UTF-8 ("…" is one column, three bytes); the program's
# innermost function shows whole; there are as many site rows as off a
# terminal, each site with the same frames, its names whole or elided in
# their middle, and no two sites read the same.  Off a terminal (a file, a
# pipe) the same reports are whole: nothing cut, nothing wrapped.
. "$E2E_DIR/lib.sh"

command -v script >/dev/null || skip "no script(1)"

# on_terminal COLS OUT COMMAND...: runs COMMAND on a pseudo-terminal COLS
# wide, what it writes there (CRs removed) to OUT; sets $status to its exit
# status.
on_terminal() {
	local cols=$1 out=$2
	shift 2
	set +e
	script -qfec "stty cols $cols rows 50; $(printf '%q ' "$@")" /dev/null </dev/null >"$out.raw"
	status=$?
	set -e
	tr -d '\r' <"$out.raw" >"$out"
}

# widest FILE: the columns of its widest line (bytes but UTF-8's continuation bytes).
widest() {
	LC_ALL=C tr -d '\200-\277' <"$1" | LC_ALL=C awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }'
}

# expect_fits FILE COLS: every line of FILE is at most COLS columns.
expect_fits() {
	local got
	got=$(widest "$1")
	[ "$got" -le "$2" ] || {
		LC_ALL=C tr -d '\200-\277' <"$1" | awk -v c="$2" 'length($0) > c' | head -n 3 >&2
		fail "$(basename "$1"): a line of $got columns on a terminal of $2"
	}
}

# sites FILE COLUMN: the site of each row of the "by site" tables of FILE,
# one per line, its wrapped lines joined back: a line that ends in " <"
# goes on after a space, a name cut across lines goes on where it was cut.
# COLUMN: where the sites start: 65 after the figures of a row (66 after
# memtrace diff's: DIFF set), 5 on the lines below them.
sites() {
	LC_ALL=C awk -v col="$2" -v diff="${3:-0}" '
	function row(line) {
		return diff ? substr(line, 20, 8) ~ /^ *[-+]?[0-9]+$/ : substr(line, 20, 7) ~ /^ *[0-9]+$/
	}
	function flush() { if (open) print site; open = 0 }
	/^  by site / { section = 1; next }
	/^$/ { flush(); section = 0; next }
	!section { next }
	row($0) { flush(); open = 1; site = col > 60 ? substr($0, col) : ""; more = 1; next }
	open && more {
		piece = substr($0, col)
		if (piece ~ /^protection by /) { more = 0; next }
		site = site == "" ? piece : site ~ / <$/ ? site " " piece : site piece
	}
	END { flush() }' "$1"
}

# same_sites WHOLE FITTED WHAT: the rows of FITTED (on a terminal) are
# those of WHOLE (off it), in the same order, each the same site or the
# same frames with names elided; no two alike.
same_sites() {
	expect_eq "$3: site rows" "$(wc -l <"$2")" "$(wc -l <"$1")"
	[ -s "$1" ] || fail "$3: no site rows"
	[ "$(sort "$2" | uniq -d)" = "" ] || fail "$3: two sites read the same: $(sort "$2" | uniq -d | head -n 1)"
	paste -d '\n' "$1" "$2" | LC_ALL=C awk -v what="$3" '
	NR % 2 { whole = $0; next }
	$0 != whole {
		n = split(whole, w, / < /); m = split($0, f, / < /)
		if (n != m) { print what ": frames dropped: " $0 " for " whole; bad = 1 }
		else if (n > 1 && w[2] != f[2]) { print what ": the innermost frame is cut: " f[2]; bad = 1 }
		else if ($0 !~ /\342\200\246|\.\.\./) { print what ": a site changed without an ellipsis: " $0; bad = 1 }
		elided++
	}
	END { exit bad }' || fail "$3: the sites on a terminal are not those off it"
}

# A terminal that says its width.
on_terminal 80 "$TMP/probe" stty size
[ "$status" = 0 ] && grep -qx '50 80' "$TMP/probe" || skip "script(1) gives no terminal here: $(head -c 200 "$TMP/probe")"

# check_width NAME OWN COMMAND...: traces COMMAND on a terminal of 80
# columns, with the trace to $TMP/NAME.json; then its report through a pipe
# (whole) and on terminals of 80 and 200 columns (fitted).  OWN: the name of
# the program's innermost function, whole on every terminal.
check_width() {
	local name=$1 own=$2 cols
	shift 2
	on_terminal 80 "$TMP/$name.live80" "$MEMTRACE" --verify -o "$TMP/$name.json" "$@"
	expect_eq "$name: exit status on a terminal" "$status" 0
	grep -qx 'verify: 0 mismatches' "$TMP/$name.live80" || fail "$name: $(grep '^verify' "$TMP/$name.live80" || echo 'no report')"
	set +e
	"$MEMTRACE" report "$TMP/$name.json" | cat >"$TMP/$name.pipe"
	set -e
	grep -q '^  VSZ ' "$TMP/$name.pipe" || fail "$name: no report through a pipe"
	[ "$(widest "$TMP/$name.pipe")" -gt 80 ] || fail "$name: no line wider than 80 columns to fit"
	grep -q $'\xe2\x80\xa6' "$TMP/$name.pipe" && fail "$name: a report through a pipe is cut"
	sites "$TMP/$name.pipe" 65 >"$TMP/$name.pipe.sites"
	# The live report on a terminal is its trace's report on the same terminal.
	expect_fits "$TMP/$name.live80" 80
	for cols in 80 200; do
		on_terminal "$cols" "$TMP/$name.$cols" "$MEMTRACE" report "$TMP/$name.json"
		expect_eq "$name: memtrace report on a terminal: exit status" "$status" 0
		expect_fits "$TMP/$name.$cols" "$cols"
		grep -qF -- "$own" "$TMP/$name.$cols" || fail "$name: $own is not whole at $cols columns"
		sites "$TMP/$name.$cols" "$([ "$cols" -ge 94 ] && echo 65 || echo 5)" >"$TMP/$name.$cols.sites"
		same_sites "$TMP/$name.pipe.sites" "$TMP/$name.$cols.sites" "$name at $cols columns"
	done
	cmp -s "$TMP/$name.live80" "$TMP/$name.80" || {
		diff "$TMP/$name.live80" "$TMP/$name.80" | head -n 10 >&2
		fail "$name: the live report at 80 columns is not its trace's"
	}
}

# A C program whose own functions have long names: its site wraps at its frames.
check_width longname map_the_buffers_of_a_function_whose_name_is_rather_long \
	--churn-ms 1000 -- "$PROGRAMS/longname"
long_site='mmap < map_the_buffers_of_a_function_whose_name_is_rather_long < called_through_a_second_function_with_a_long_name_too < main'
grep -qx "  10.4 MiB mapped by 151 calls, 150 unmapped within 1000 ms (9.4 MiB), 1 MiB kept: $long_site" \
	"$TMP/longname.pipe" || fail "longname: the churn row through a pipe is not whole"
grep -qx "    mapped by $long_site" "$TMP/longname.pipe" || fail "longname: the finding's site through a pipe"
grep -qx "    called_through_a_second_function_with_a_long_name_too < main" "$TMP/longname.80" ||
	fail "longname: the site is not wrapped at its frames at 80 columns"

# --regions on a terminal: its lines fit, its stacks wrapped between frames;
# in a file they are whole.
on_terminal 80 "$TMP/regions.80" "$MEMTRACE" --regions -- "$PROGRAMS/longname"
expect_eq "--regions on a terminal: exit status" "$status" 0
expect_fits "$TMP/regions.80" 80
grep -q '^      by mmap+0x[0-9a-f]* <$' "$TMP/regions.80" ||
	fail "--regions: no stack wrapped at its frames at 80 columns"
"$MEMTRACE" --regions --report="$TMP/regions.file" -- "$PROGRAMS/longname" >/dev/null
grep -qE '^      by mmap\+0x[0-9a-f]+ < map_the_buffers_of_a_function_whose_name_is_rather_long\+0x[0-9a-f]+ < called_through' \
	"$TMP/regions.file" || fail "--regions: a stack in a file is not whole"

# --report=FILE on a terminal: the file gets the whole report.
on_terminal 80 "$TMP/file.term" "$MEMTRACE" --verify --churn-ms 1000 --report="$TMP/file.report" -- "$PROGRAMS/longname"
expect_eq "--report=FILE on a terminal: exit status" "$status" 0
grep -qx "    mapped by $long_site" "$TMP/file.report" || fail "--report=FILE on a terminal: the report is cut"
grep -q 'findings' "$TMP/file.term" && fail "--report=FILE: the report went to the terminal too"

# C++: names of some 800 columns, elided ("std::vector<…>::_M_realloc_insert<>")
# or, where two sites would then read the same, whole across lines.
[ -x "$PROGRAMS/templates" ] || skip "no C++ compiler: no templates program"
# (Through a file: grep -q quitting early would fail the pipeline by SIGPIPE.)
locale -a >"$TMP/locales" 2>/dev/null || true
if grep -qix 'c\.utf-\?8' "$TMP/locales"; then
	export LC_ALL=C.UTF-8
	ellipsis=$'\xe2\x80\xa6'
else
	echo "note: no C.UTF-8 locale: the ASCII ellipsis" >&2
	export LC_ALL=C
	ellipsis=...
fi
check_width templates fill_the_index_of_ints -- "$PROGRAMS/templates"
# elided_vector FILE ELLIPSIS: the vector's name is on a line of its own, elided with ELLIPSIS.
elided_vector() {
	grep -F -- "$2" "$1" | grep -qE '^    void std::vector<.*>::_M_realloc_insert<> <$'
}
elided_vector "$TMP/templates.80" "$ellipsis" ||
	fail "templates: the vector's name is not elided at 80 columns"
# (The functions inlined between them, emplace_back and grow, are frames too.)
grep -qE "_M_realloc_insert<> < (.* < )?fill_the_index_of_ints < main$" "$TMP/templates.pipe" ||
	fail "templates: the site through a pipe is not whole"
# Off a UTF-8 terminal: "...".
on_terminal 80 "$TMP/ascii.80" env LC_ALL=C "$MEMTRACE" report "$TMP/templates.json"
expect_fits "$TMP/ascii.80" 80
elided_vector "$TMP/ascii.80" '...' ||
	fail "templates: no ASCII ellipsis in the C locale"
grep -q $'\xe2\x80\xa6' "$TMP/ascii.80" && fail "templates: a UTF-8 ellipsis in the C locale"

# memtrace diff: the same sites, twice as many maps.
run_memtrace "$TMP/more" -o "$TMP/more.json" -- "$PROGRAMS/templates" 20000
set +e
"$MEMTRACE" diff "$TMP/templates.json" "$TMP/more.json" | cat >"$TMP/diff.pipe"
set -e
on_terminal 80 "$TMP/diff.80" "$MEMTRACE" diff "$TMP/templates.json" "$TMP/more.json"
expect_eq "memtrace diff on a terminal: exit status" "$status" 1
expect_fits "$TMP/diff.80" 80
[ "$(widest "$TMP/diff.pipe")" -gt 80 ] || fail "diff: no line wider than 80 columns through a pipe"
sites "$TMP/diff.pipe" 66 1 >"$TMP/diff.pipe.sites"
sites "$TMP/diff.80" 5 1 >"$TMP/diff.80.sites"
grep -qE "_M_realloc_insert<> < (.* < )?fill_the_index_of_ints < main$" "$TMP/diff.pipe.sites" ||
	fail "diff: the vector's site is not whole through a pipe: $(cat "$TMP/diff.pipe")"
same_sites "$TMP/diff.pipe.sites" "$TMP/diff.80.sites" "diff at 80 columns"
exit 0
