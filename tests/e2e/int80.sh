# SPDX-License-Identifier: LGPL-2.1-or-later
# i386 calls through int $0x80 are decoded as the i386 calls they are.
# Where the kernel runs no 32-bit calls (no IA32 emulation, or booted with
# ia32_emulation=off: int $0x80 then dies of SIGSEGV, or gives ENOSYS),
# the test is skipped, never failed.
. "$E2E_DIR/lib.sh"

[ -x "$PROGRAMS/int80" ] || skip "no int80 test program (int \$0x80 is x86's; this is $(uname -m))"

# probe: what "int80 probe" says and its status (0: int $0x80 works, 77: not).
probe() {
	set +e
	why=$("$PROGRAMS/int80" probe)
	probe_status=$?
	set -e
}

# The probe itself, made to fault as such a kernel makes int $0x80 fault:
# it must take the fault for "not available", on every kernel.
INT80_PROBE_FAULT=1 probe
expect_eq "probe of a faulting int: status" "$probe_status" 77
expect_eq "probe of a faulting int: reason" "$why" 'int $0x80 killed by SIGSEGV'

probe
if [ "$probe_status" = 77 ]; then
	grep -qw 'ia32_emulation=off' /proc/cmdline 2>/dev/null && why+=", booted with ia32_emulation=off"
	skip "32-bit system calls (int \$0x80) are not available on this kernel ($why)"
fi
expect_eq "int80 probe: status" "$probe_status" 0

run_memtrace "$TMP/i" -- "$PROGRAMS/int80"
[ "$status" = 77 ] &&
	skip "32-bit system calls (int \$0x80) are not available on this kernel ($(sed -n 's/^SKIP: //p' "$TMP/i.err"))"
expect_eq "exit status" "$status" 0
check_expected "$TMP/i.expected" "$TMP/i.events"
# 192 is lgetxattr on x86_64: it must never show up as a 64-bit call.
if events_grep "$TMP/i.events" 'lgetxattr'; then
	fail "an i386 call was decoded as a 64-bit one"
fi
