# SPDX-License-Identifier: LGPL-2.1-or-later
# Static executables: their stacks go to main and beyond, and the frame
# above a system call wrapper is never skipped.  glibc's -static (a table
# built from .eh_frame: no PT_GNU_EH_FRAME), musl's (its wrappers have no
# unwind information: the caller is found on the stack) and Go's
# CGO_ENABLED=0 (no .eh_frame: frame pointers).
. "$E2E_DIR/lib.sh"

run_memtrace "$TMP/glibc" -- "$PROGRAMS/static_glibc"
expect_eq "glibc exit status" "$status" 0
expect_chain "$TMP/glibc.events" 'mmap\(NULL, 12345,' \
	mmap inner outer main __libc_start_call_main __libc_start_main _start
expect_chain "$TMP/glibc.events" 'mmap\(NULL, 23456,' \
	mmap main __libc_start_call_main __libc_start_main _start
expect_chain "$TMP/glibc.events" 'munmap\(0x[0-9a-f]+, 12345\)' \
	munmap main __libc_start_call_main

if [ -x "$PROGRAMS/static_musl" ]; then
	run_memtrace "$TMP/musl" -- "$PROGRAMS/static_musl"
	expect_eq "musl exit status" "$status" 0
	# musl's own functions have no unwind information: main's caller is
	# the last frame that can be had.
	expect_chain "$TMP/musl.events" 'mmap\(NULL, 12345,' \
		mmap inner outer main libc_start_main_stage2
	expect_chain "$TMP/musl.events" 'mmap\(NULL, 23456,' mmap main libc_start_main_stage2
	expect_chain "$TMP/musl.events" 'munmap\(0x[0-9a-f]+, 12345\)' \
		munmap main libc_start_main_stage2
else
	echo "note: no musl-gcc (musl-tools): the musl check is skipped" >&2
fi

if [ -x "$PROGRAMS/static_go" ]; then
	run_memtrace "$TMP/go" -- "$PROGRAMS/static_go"
	expect_eq "go exit status" "$status" 0
	# The frames inside package syscall differ between Go releases: the
	# chain from syscall.Mmap's own down to the runtime is checked.
	frames_of "$TMP/go.events" 'mmap\(NULL, 12345,' >"$TMP/go.frames"
	got=$(grep -A4 -x 'syscall.(\*mmapper).Mmap' "$TMP/go.frames" | tr '\n' ' ')
	expect_eq "go stack" "$got" \
		"syscall.(*mmapper).Mmap main.inner main.outer main.main runtime.main "
else
	echo "note: no go (golang-go): the Go check is skipped" >&2
fi
