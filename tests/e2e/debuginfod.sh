# SPDX-License-Identifier: LGPL-2.1-or-later
# --debuginfod: a stripped program whose debug file is installed nowhere,
# served by a debuginfod server on 127.0.0.1 (elfutils' debuginfod,
# Debian's debuginfod package).  Without the option its own frames have no
# names; with it they do, the fetch said on stderr; then from the cache,
# with the server gone.  Without servers, --debuginfod is a usage error.
. "$E2E_DIR/lib.sh"

command -v debuginfod >/dev/null && command -v debuginfod-find >/dev/null ||
	skip "no debuginfod server (Debian's debuginfod package)"
prog=$PROGRAMS/dfetch_stripped
build_id=$(readelf -n "$prog" | sed -n 's/^ *Build ID: *//p')
[ -n "$build_id" ] || fail "no build-id in $prog"
unset DEBUGINFOD_URLS

# The server, on a port of its own: another may be taken.
server=
for try in 1 2 3 4 5; do
	port=$((20000 + (RANDOM % 20000)))
	debuginfod -p "$port" -F "$PROGRAMS/debuginfod" -d "$TMP/db-$try.sqlite" \
		>"$TMP/server.log" 2>&1 &
	server=$!
	urls=http://127.0.0.1:$port
	# Until it has indexed the file; a cache of its own for each probe,
	# since libdebuginfod remembers what a server did not have.
	for probe in $(seq 300); do
		kill -0 "$server" 2>/dev/null || break
		if DEBUGINFOD_URLS=$urls DEBUGINFOD_CACHE_PATH=$TMP/probe-$try-$probe \
			debuginfod-find debuginfo "$build_id" >/dev/null 2>&1; then
			break 2
		fi
		sleep 0.2
	done
	kill "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
	server=
done
[ -n "$server" ] || skip "the debuginfod server did not start: $(tail -n 1 "$TMP/server.log")"

# Without the option: the program's own frames are its file and offsets.
run_memtrace "$TMP/plain" -- "$prog"
expect_eq "plain exit status" "$status" 0
frames_of "$TMP/plain.events" 'mmap\(NULL, 12345,' | sed -n 2p >"$TMP/plain.frame"
grep -qE '^dfetch_stripped\+0x[0-9a-f]+$' "$TMP/plain.frame" ||
	fail "without --debuginfod: $(cat "$TMP/plain.frame")"
grep -q 'debuginfod' "$TMP/plain.err" && fail "without --debuginfod, a fetch: $(cat "$TMP/plain.err")"

# With it: named, and the fetch said.
export DEBUGINFOD_CACHE_PATH=$TMP/cache
run_memtrace "$TMP/fetched" --debuginfod="$urls" -- "$prog"
expect_eq "fetched exit status" "$status" 0
expect_chain "$TMP/fetched.events" 'mmap\(NULL, 12345,' mmap inner outer main
grep -q '^memtrace: debuginfod: asking for the debug file of dfetch_stripped' "$TMP/fetched.err" ||
	fail "the fetch is not said: $(cat "$TMP/fetched.err")"

# The servers given are memtrace's, never the program's.
got=$("$MEMTRACE" --debuginfod="$urls" -- sh -c 'echo "${DEBUGINFOD_URLS-unset}"' 2>/dev/null)
expect_eq "the program's DEBUGINFOD_URLS" "$got" unset

# The server gone: the cache has it (DEBUGINFOD_URLS this time).
kill "$server"
wait "$server" 2>/dev/null || true
DEBUGINFOD_URLS=$urls run_memtrace "$TMP/cached" --debuginfod -- "$prog"
expect_eq "cached exit status" "$status" 0
expect_chain "$TMP/cached.events" 'mmap\(NULL, 12345,' mmap inner outer main

# No servers at all: a usage error, one line, the program not run.
set +e
"$MEMTRACE" --debuginfod -- "$prog" >"$TMP/usage.out" 2>"$TMP/usage.err"
status=$?
set -e
expect_eq "no servers: exit status" "$status" 2
grep -q '^memtrace: --debuginfod: no servers' "$TMP/usage.err" ||
	fail "no servers: $(cat "$TMP/usage.err")"
