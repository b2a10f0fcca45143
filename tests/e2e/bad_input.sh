# Bad command lines: one clear line on stderr and the documented status.
. "$E2E_DIR/lib.sh"

# run_status ARGS...: memtrace's exit status; stderr in $TMP/err.
run_status() {
	set +e
	"$MEMTRACE" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	status=$?
	set -e
}

run_status
expect_eq "no arguments" "$status" 2
grep -q '^usage: memtrace' "$TMP/err" || fail "no arguments: no usage"

run_status --no-such-option -- true
expect_eq "unknown option" "$status" 2
grep -qx "memtrace: unknown option '--no-such-option'" "$TMP/err" || fail "unknown option: $(head -n1 "$TMP/err")"

run_status -Z true
expect_eq "unknown short option" "$status" 2
grep -qx "memtrace: unknown option '-Z'" "$TMP/err" || fail "unknown short option: $(head -n1 "$TMP/err")"

run_status -f
expect_eq "-f without a program" "$status" 2

run_status -p
expect_eq "-p without its argument" "$status" 2
grep -qx "memtrace: this option needs an argument: '-p'" "$TMP/err" ||
	fail "-p without its argument: $(head -n1 "$TMP/err")"

run_status -- "$TMP/does-not-exist"
expect_eq "no such program" "$status" 127
expect_eq "no such program: message" "$(cat "$TMP/err")" \
	"memtrace: cannot execute '$TMP/does-not-exist': No such file or directory"

run_status -- no-such-program-in-path-memtrace
expect_eq "not in PATH" "$status" 127

printf '#!/bin/sh\nexit 0\n' >"$TMP/not-executable"
chmod 644 "$TMP/not-executable"
run_status -- "$TMP/not-executable"
expect_eq "not executable" "$status" 126
expect_eq "not executable: message" "$(cat "$TMP/err")" \
	"memtrace: cannot execute '$TMP/not-executable': Permission denied"

run_status -- "$TMP"
expect_eq "a directory" "$status" 126

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
