# SPDX-License-Identifier: LGPL-2.1-or-later
# A 32-bit program: its registers come in i386's layout of the regset,
# for its stacks and, without PTRACE_GET_SYSCALL_INFO, for its calls.
# Skipped where the compiler could not build it or the kernel runs no
# 32-bit programs.
. "$E2E_DIR/lib.sh"

[ -x "$PROGRAMS/prog32" ] || skip "no 32-bit test program (the compiler does not target i386)"
set +e
"$PROGRAMS/prog32" 2>/dev/null
probe_status=$?
set -e
[ "$probe_status" = 0 ] || skip "32-bit programs do not run on this kernel (status $probe_status)"

# check_run PREFIX: the three calls, each made from do_calls(), with the
# address mmap2 returned given back to munmap.
check_run() {
	local addr
	expect_eq "exit status" "$status" 0
	addr=$(strip_times "$1.events" |
		sed -nE 's/^\[[0-9]+\] mmap2\(NULL, 8192, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = (0x[0-9a-f]+)$/\1/p')
	[ -n "$addr" ] || fail "no mmap2 in $(cat "$1.events")"
	events_grep -E "$1.events" "^\[[0-9]+\] munmap\($addr, 4096\) = 0$" ||
		fail "no munmap of $addr"
	events_grep -E "$1.events" '^\[[0-9]+\] munmap\(0x1, 4096\) = -1 EINVAL \(Invalid argument\)$' ||
		fail "no failed munmap"
	expect_eq "frames in do_calls" "$(grep -cE '^    > do_calls\+0x[0-9a-f]+( prog32\.c:[0-9]+)? \(prog32\)$' "$1.events")" 3
}

run_memtrace "$TMP/p" -- "$PROGRAMS/prog32"
check_run "$TMP/p"

# The same through the registers, as on a kernel without PTRACE_GET_SYSCALL_INFO.
MEMTRACE_TEST_NO_SYSCALL_INFO=1 run_memtrace "$TMP/r" -- "$PROGRAMS/prog32"
check_run "$TMP/r"
