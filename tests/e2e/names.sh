# SPDX-License-Identifier: LGPL-2.1-or-later
# Names whole: Rust's demangled, its legacy names without their hash and
# its v0 names as well; Go's with their receivers' parentheses, in the
# report's sites (never cut at a parenthesis).
. "$E2E_DIR/lib.sh"

[ -x "$PROGRAMS/rust_threads_legacy" ] || [ -x "$PROGRAMS/static_go" ] ||
	skip "no rustc and no go (rustc, golang-go: scripts/setup --test)"
ran=0
for mangling in legacy v0; do
	prog=$PROGRAMS/rust_threads_$mangling
	[ -x "$prog" ] || continue
	ran=1
	run_memtrace "$TMP/rust_$mangling" -- "$prog"
	expect_eq "rust $mangling exit status" "$status" 0
	# Each thread's vector is grown from rust_threads::grow_vec.
	expect_eq "rust $mangling: grow_vec frames" \
		"$(grep -cE '^    > rust_threads::grow_vec\+0x[0-9a-f]+( [^ ]+:[0-9]+)? \(rust_threads_'"$mangling"'\)$' \
			"$TMP/rust_$mangling.events")" 4
	grep -q '^    > rust_threads::main+0x' "$TMP/rust_$mangling.events" ||
		fail "rust $mangling: no rust_threads::main frame"
	# Nothing mangled, and no legacy hash, in any frame of the program's own.
	if grep -E '^    > (_Z|_R)|::h[0-9a-f]{16}\+0x' "$TMP/rust_$mangling.events" >"$TMP/raw"; then
		fail "rust $mangling: raw names: $(head -n 3 "$TMP/raw")"
	fi
	grep -q '  by site ' "$TMP/rust_$mangling.err" || fail "rust $mangling: no report"
done
[ "$ran" = 1 ] || echo "note: no rustc: the Rust checks are skipped" >&2

if [ -x "$PROGRAMS/static_go" ]; then
	run_memtrace "$TMP/go" -- "$PROGRAMS/static_go"
	expect_eq "go exit status" "$status" 0
	# The runtime's heap is set up by methods: (*mheap).init and others,
	# where its sites start (the rules of tracer/rt_go.c).
	grep -qE '  runtime\.\(\*[A-Za-z]+\)\.[A-Za-z]+ < runtime\.' "$TMP/go.err" ||
		fail "go: no site names a method whole: $(grep -A3 '  by site' "$TMP/go.err")"
	if grep -E '(^| )runtime\. <' "$TMP/go.err" >"$TMP/cut"; then
		fail "go: a name cut at its parenthesis: $(head -n 1 "$TMP/cut")"
	fi
else
	echo "note: no go (golang-go): the Go check is skipped" >&2
fi
