# SPDX-License-Identifier: LGPL-2.1-or-later
# Unwind information in .debug_frame only: the program's functions were
# built without unwind tables, and only the C runtime's start files have
# .eh_frame.  Its stacks go through main into libc, whether .debug_frame
# is in the file (gcc's version 1 CIEs), compressed with version 4 CIEs
# (clang's), or in a separate debug file; and without that debug file the
# walk stops rather than guess.
. "$E2E_DIR/lib.sh"

for prog in debug_frame debug_frame_v4gz debug_frame_split; do
	run_memtrace "$TMP/$prog" -- "$PROGRAMS/$prog"
	expect_eq "$prog exit status" "$status" 0
	expect_chain "$TMP/$prog.events" 'mmap\(NULL, 12345,' \
		mmap inner outer main __libc_start_call_main
	expect_chain "$TMP/$prog.events" 'mmap\(NULL, 23456,' \
		mmap main __libc_start_call_main
	expect_chain "$TMP/$prog.events" 'munmap\(0x[0-9a-f]+, 12345\)' \
		munmap main __libc_start_call_main
done

# The split program alone, its debug file out of reach: no frame past the
# first of the program's own.
cp "$PROGRAMS/debug_frame_split" "$TMP/alone"
run_memtrace "$TMP/alone" -- "$TMP/alone"
expect_eq "alone exit status" "$status" 0
expect_chain "$TMP/alone.events" 'mmap\(NULL, 12345,' mmap inner
expect_eq "alone frames" "$(frames_of "$TMP/alone.events" 'mmap\(NULL, 12345,' | wc -l)" 2
