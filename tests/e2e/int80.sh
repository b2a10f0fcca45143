# SPDX-License-Identifier: LGPL-2.1-or-later
# i386 calls through int $0x80 are decoded as the i386 calls they are.
. "$E2E_DIR/lib.sh"

run_memtrace "$TMP/i" -- "$PROGRAMS/int80"
[ "$status" = 77 ] && skip "$(cat "$TMP/i.err")"
expect_eq "exit status" "$status" 0
check_expected "$TMP/i.expected" "$TMP/i.events"
# 192 is lgetxattr on x86_64: it must never show up as a 64-bit call.
if events_grep "$TMP/i.events" 'lgetxattr'; then
	fail "an i386 call was decoded as a 64-bit one"
fi
