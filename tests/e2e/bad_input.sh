# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad command lines: one clear line on stderr and the documented status.
. "$E2E_DIR/lib.sh"

# run_status ARGS...: memtrace's exit status; stderr in $TMP/err.
run_status() {
	set +e
	"$MEMTRACE" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	status=$?
	set -e
}

# usage_error LINE: the command failed with 2, saying LINE and where to read more.
usage_error() {
	expect_eq "$1: status" "$status" 2
	expect_eq "$1: message" "$(cat "$TMP/err")" "$1
Try 'memtrace --help' for more information."
}

run_status
usage_error "memtrace: no program to trace, and no -p PID"

run_status --no-such-option -- true
usage_error "memtrace: unknown option '--no-such-option'"
run_status -Z true
usage_error "memtrace: unknown option '-Z'"
run_status -f
usage_error "memtrace: no program to trace, and no -p PID"
run_status -p
usage_error "memtrace: this option needs an argument: '-p'"
run_status --top=0 -- true
usage_error "memtrace: --top wants a number from 1 to 100000, not '0'"
run_status --interval -- true
usage_error "memtrace: --interval wants a number of seconds, not '--'"
run_status --duration 1 -- true
usage_error "memtrace: --duration goes with -p"
run_status -p 1 -- true
usage_error "memtrace: -p and a program to launch exclude each other: 'true'"
run_status report
usage_error "memtrace report: no trace to read (a file, or '-' for standard input)"
run_status report a b
usage_error "memtrace report: one trace at a time, not also 'b'"
run_status report --churn-ms
usage_error "memtrace report: this option needs an argument: '--churn-ms'"
run_status report --json a
usage_error "memtrace report: unknown option '--json'"
run_status diff a
usage_error "memtrace diff: two traces to compare, not 1"
run_status diff - -
usage_error "memtrace diff: only one of the traces can be standard input"
run_status diff --top=x a b
usage_error "memtrace diff: --top wants a number from 1 to 100000, not 'x'"

run_status -- "$TMP/does-not-exist"
expect_eq "no such program" "$status" 127
expect_eq "no such program: message" "$(cat "$TMP/err")" \
	"memtrace: cannot execute '$TMP/does-not-exist': No such file or directory"

run_status -- no-such-program-in-path-memtrace
expect_eq "not in PATH" "$status" 127

# A program that cannot run still leaves a whole trace: its header, read back.
run_status -o "$TMP/nx.json" -- "$TMP/does-not-exist"
expect_eq "no such program, with -o" "$status" 127
grep -q '^{"type":"header",.*}$' "$TMP/nx.json" || fail "no such program: the trace has no whole header"
"$MEMTRACE" report "$TMP/nx.json" >/dev/null || fail "no such program: its trace does not read back"

printf '#!/bin/sh\nexit 0\n' >"$TMP/not-executable"
chmod 644 "$TMP/not-executable"
run_status -- "$TMP/not-executable"
expect_eq "not executable" "$status" 126
expect_eq "not executable: message" "$(cat "$TMP/err")" \
	"memtrace: cannot execute '$TMP/not-executable': Permission denied"

run_status -- "$TMP"
expect_eq "a directory" "$status" 126

# A file the kernel will not execute (not ELF, no "#!": here a shell
# script that would exit 0) is not run by /bin/sh instead, as execvp()
# would: 126, one line, as strace says.
printf 'exit 0\n' >"$TMP/not-a-program"
chmod 755 "$TMP/not-a-program"
run_status -- "$TMP/not-a-program"
expect_eq "not a program" "$status" 126
expect_eq "not a program: message" "$(cat "$TMP/err")" \
	"memtrace: cannot execute '$TMP/not-a-program': Exec format error"
# And found through PATH alike.
PATH="$TMP:$PATH" run_status -- not-a-program
expect_eq "not a program, in PATH" "$status" 126
# A program in PATH still runs; a name with a directory is not looked up.
PATH="/nonexistent::$PATH" run_status -- true
expect_eq "true through PATH" "$status" 0

# An output that cannot be opened: exit 2 before the program starts.
run_status --events="$TMP/no/such/dir/events" -- touch "$TMP/started"
expect_eq "unwritable --events" "$status" 2
expect_eq "unwritable --events: message" "$(cat "$TMP/err")" \
	"memtrace: cannot open '$TMP/no/such/dir/events': No such file or directory"
[ -e "$TMP/started" ] && fail "the program ran although the output could not be opened"

run_status --version
expect_eq "--version" "$status" 0
grep -qE '^memtrace [0-9]+\.[0-9]+' "$TMP/out" || fail "--version prints no version"
run_status --help
expect_eq "--help" "$status" 0
grep -q '^usage: memtrace' "$TMP/out" || fail "--help prints no usage"
exit 0
