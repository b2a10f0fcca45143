# SPDX-License-Identifier: LGPL-2.1-or-later
# cmake --install into a fresh prefix gives bin/memtrace, its manual page
# and its bash completion; the page renders without a warning and names
# every option of --help; the completion, sourced in a plain bash without
# the bash-completion package, offers every option, the subcommands and
# theirs, process ids after -p and files after -o.
. "$E2E_DIR/lib.sh"

: "${BUILD_DIR:?BUILD_DIR must name the build directory}"
cmake=${CMAKE:-cmake}
missing=
command -v man >/dev/null || missing="$missing man (man-db)"
command -v groff >/dev/null || missing="$missing groff (groff-base)"
[ -z "$missing" ] || skip "not installed:$missing"
# man and groff complain of a locale that is not there: use one that is.
export LC_ALL=C.UTF-8

prefix=$TMP/inst
if ! env -u DESTDIR "$cmake" --install "$BUILD_DIR" --prefix "$prefix" >"$TMP/install.log" 2>&1; then
	cat "$TMP/install.log" >&2
	fail "cmake --install $BUILD_DIR failed"
fi
bin=$prefix/bin/memtrace
page=$prefix/share/man/man1/memtrace.1
completion=$prefix/share/bash-completion/completions/memtrace
[ -x "$bin" ] || fail "no $bin"
[ -f "$page" ] || fail "no $page"
[ -f "$completion" ] || fail "no $completion"

version=$("$bin" --version) || fail "$bin --version exited with $?"
expect_eq "installed --version" "$version" "$("$MEMTRACE" --version)"
[[ $version =~ ^memtrace\ [0-9]+\.[0-9]+ ]] || fail "--version says '$version'"

# The page: configured (no @VAR@ left), and no warning from either renderer.
! grep -n '@[A-Z_]*@' "$page" >&2 || fail "the installed page was not configured"
groff -ww -man -z -Tutf8 "$page" >/dev/null 2>"$TMP/groff.err" ||
	fail "groff exited with $?: $(cat "$TMP/groff.err")"
[ ! -s "$TMP/groff.err" ] || fail "groff -ww warns: $(cat "$TMP/groff.err")"
MANWIDTH=80 man --warnings -l "$page" >/dev/null 2>"$TMP/man.err" ||
	fail "man exited with $?: $(cat "$TMP/man.err")"
[ ! -s "$TMP/man.err" ] || fail "man --warnings warns: $(cat "$TMP/man.err")"
# Wide, unhyphenated, unjustified: each option whole on one line.
MANWIDTH=250 man --nh --nj -l "$page" >"$TMP/page.txt" 2>/dev/null
grep -q "^NAME" "$TMP/page.txt" || fail "the page renders without a NAME section"
grep -qF "${version}" "$TMP/page.txt" || fail "the page does not say '$version'"

# The options: every -x and --long token of the option lines of --help.
"$bin" --help >"$TMP/help.txt"
grep -E '^  +-' "$TMP/help.txt" | grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z-]*' |
	sed -E 's/^[ ,]+//' | sort -u >"$TMP/options.txt" || true
count=$(wc -l <"$TMP/options.txt")
[ "$count" -ge 15 ] || fail "only $count options found in memtrace --help"
for must in -p --duration -o -f --events --verify --regions --report --pprof --folded --metric --html \
	--top --churn-ms --interval --no-stacks --max-frames -d --debug -h --help -V --version; do
	grep -qx -- "$must" "$TMP/options.txt" || fail "$must not found in memtrace --help"
done

# has_word FILE WORD: WORD appears in FILE, not as part of a longer option
# (-f is not found in --max-frames).
has_word() {
	grep -qE -- "(^|[^[:alnum:]-])$2([^[:alnum:]-]|\$)" "$1"
}

# Each option in the OPTIONS section, not only in an example.
sed -n '/^OPTIONS/,/^[A-Z]/p' "$TMP/page.txt" >"$TMP/options-section.txt"
while read -r opt; do
	has_word "$TMP/options-section.txt" "$opt" ||
		fail "the manual page's OPTIONS do not name $opt"
done <"$TMP/options.txt"
for sub in "memtrace report" "memtrace diff" --json "EXIT STATUS" SIGNALS ENVIRONMENT FILES \
	EXAMPLES "SEE ALSO" SIGUSR1 TIOCGWINSZ /proc/sys/kernel/yama/ptrace_scope; do
	grep -qF -- "$sub" "$TMP/page.txt" || fail "the manual page does not say '$sub'"
done

# candidates_of DIR WORDS...: the candidates the completion gives, one per
# line, for the command line WORDS with the cursor in the last word, run
# in DIR by a non-interactive bash that has only the completion file.
candidates_of() {
	local dir=$1
	shift
	(cd "$dir" && bash --norc --noprofile -c '
		completion=$1
		shift
		. "$completion" || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_memtrace
		printf "%s\n" "${COMPREPLY[@]}"' candidates_of "$completion" "$@")
}

# offers WHAT WANT WORDS...: the completion of WORDS includes WANT.
offers() {
	local what=$1 want=$2
	shift 2
	candidates_of "$TMP" "$@" >"$TMP/candidates.txt" || fail "$what: the completion failed"
	grep -qxF -- "$want" "$TMP/candidates.txt" ||
		fail "$what: '$want' not among $(wc -l <"$TMP/candidates.txt") candidates: $(head -c 300 "$TMP/candidates.txt" | tr '\n' ' ')"
}

candidates_of "$TMP" memtrace - >"$TMP/all.txt" || fail "the completion failed"
sed -E 's/=$//' "$TMP/all.txt" | sort -u >"$TMP/words.txt"
while read -r opt; do
	grep -qxF -- "$opt" "$TMP/words.txt" || fail "the completion does not offer $opt"
done <"$TMP/options.txt"

offers "memtrace --ev" --events memtrace --ev
offers "memtrace --ev" --events= memtrace --ev
offers "memtrace (first word)" report memtrace ''
offers "memtrace (first word)" diff memtrace ''
offers "memtrace report --t" --top memtrace report --t
offers "memtrace report --c" --churn-ms memtrace report --c
offers "memtrace diff --j" --json memtrace diff --j
offers "memtrace -p" "$$" memtrace -p ''
mkdir "$TMP/dir"
: >"$TMP/run-out.json"
offers "memtrace -o" run-out.json memtrace -o ''
offers "memtrace -o" dir memtrace -o ''
# --events=FILE, split by bash at the '=' (COMP_WORDBREAKS).
offers "memtrace --events=" run-out.json memtrace --events = ''
offers "memtrace report" run-out.json memtrace report ''
offers "memtrace --pprof=" run-out.json memtrace --pprof = ''
offers "memtrace --metric=" resident memtrace --metric = r
offers "memtrace --metric" committed memtrace --metric c
offers "memtrace report --f" --folded= memtrace report --f
offers "memtrace report --folded=" run-out.json memtrace report --folded = ''
offers "memtrace report --metric=" reserved memtrace report --metric = re
offers "memtrace report --metric" regions memtrace report --metric reg
offers "memtrace --html=" run-out.json memtrace --html = ''
offers "memtrace diff --h" --html= memtrace diff --h
offers "memtrace diff --html=" run-out.json memtrace diff --html = ''
# Short options in a cluster, as getopt reads them: -fo FILE; in -fop the
# o takes "p", and the program comes next.  --events takes a file only
# after '=': the word after it is the program.
offers "memtrace -fo" run-out.json memtrace -fo ''
offers "memtrace -fop (the program)" bash memtrace -fop bas
offers "memtrace --events (the program)" bash memtrace --events bas
offers "memtrace diff" run-out.json memtrace diff run-out.json ''
offers "memtrace -- (the program)" bash memtrace -f -- bas
offers "memtrace -- (its arguments)" run-out.json memtrace -f -- ls -l ''
