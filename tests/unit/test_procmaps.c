/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of tracer/procmaps: the line parser on tables of valid and
 * malformed lines, the iterator over whole texts, and procmaps_read on
 * this process (against mappings the test makes itself) and on a pid
 * that cannot exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "procmaps.h"
#include "unittest.h"
#include "util.h"

/* A line and its length, so that a line may hold a NUL. */
#define LINE(str) str, sizeof(str) - 1

struct valid_line {
	const char *line;
	size_t len;
	uint64_t start;
	uint64_t end;
	unsigned int prot;
	bool shared;
	bool deleted; /* here rather than after path: no padding in the table */
	uint64_t offset;
	unsigned int dev_major;
	unsigned int dev_minor;
	uint64_t inode;
	const char *path; /* NULL: anonymous */
};

#define R PROT_READ
#define W PROT_WRITE
#define X PROT_EXEC

/* { line, start, end, prot, shared, deleted, offset, major, minor, inode, path } */
static const struct valid_line valid_lines[] = {
	/* From `cat /proc/self/maps` on the Debian 12 test machine (Linux 6.18). */
	{ LINE("55cb83c69000-55cb83c6b000 r--p 00000000 fe:00 247134                     "
	       "/usr/bin/cat"),
	  0x55cb83c69000, 0x55cb83c6b000, R, false, false, 0, 0xfe, 0x00, 247134, "/usr/bin/cat" },
	{ LINE("55cb83c6b000-55cb83c70000 r-xp 00002000 fe:00 247134                     "
	       "/usr/bin/cat"),
	  0x55cb83c6b000, 0x55cb83c70000, R | X, false, false, 0x2000, 0xfe, 0x00, 247134,
	  "/usr/bin/cat" },
	{ LINE("55cb83c74000-55cb83c75000 rw-p 0000a000 fe:00 247134                     "
	       "/usr/bin/cat"),
	  0x55cb83c74000, 0x55cb83c75000, R | W, false, false, 0xa000, 0xfe, 0x00, 247134,
	  "/usr/bin/cat" },
	{ LINE("55cbc08b1000-55cbc08d2000 rw-p 00000000 00:00 0                          [heap]"),
	  0x55cbc08b1000, 0x55cbc08d2000, R | W, false, false, 0, 0, 0, 0, "[heap]" },
	/* Anonymous: the kernel prints one space after the inode, and no path. */
	{ LINE("7fed13270000-7fed13292000 rw-p 00000000 00:00 0 "), 0x7fed13270000, 0x7fed13292000,
	  R | W, false, false, 0, 0, 0, 0, NULL },
	{ LINE("7fed13319000-7fed1346f000 r-xp 00026000 fe:00 332835                     "
	       "/usr/lib/x86_64-linux-gnu/libc.so.6"),
	  0x7fed13319000, 0x7fed1346f000, R | X, false, false, 0x26000, 0xfe, 0x00, 332835,
	  "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ LINE("7fed134d8000-7fed134df000 r--s 00000000 fe:00 332280                     "
	       "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache"),
	  0x7fed134d8000, 0x7fed134df000, R, true, false, 0, 0xfe, 0x00, 332280,
	  "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache" },
	{ LINE("7fed134e2000-7fed134e6000 r--p 00000000 00:00 0                          [vvar]"),
	  0x7fed134e2000, 0x7fed134e6000, R, false, false, 0, 0, 0, 0, "[vvar]" },
	{ LINE("7fed134e8000-7fed134ea000 r-xp 00000000 00:00 0                          [vdso]"),
	  0x7fed134e8000, 0x7fed134ea000, R | X, false, false, 0, 0, 0, 0, "[vdso]" },
	{ LINE("7ffd49d2e000-7ffd49d4f000 rw-p 00000000 00:00 0                          [stack]"),
	  0x7ffd49d2e000, 0x7ffd49d4f000, R | W, false, false, 0, 0, 0, 0, "[stack]" },
	{ LINE("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  "
	       "[vsyscall]"),
	  0xffffffffff600000, 0xffffffffff601000, X, false, false, 0, 0, 0, 0, "[vsyscall]" },
	/* A name given with prctl(PR_SET_VMA_ANON_NAME), which may hold spaces. */
	{ LINE("7f0000000000-7f0000001000 rw-p 00000000 00:00 0                          [anon:my "
	       "arena]"),
	  0x7f0000000000, 0x7f0000001000, R | W, false, false, 0, 0, 0, 0, "[anon:my arena]" },
	/* Spaces inside the path are part of it. */
	{ LINE("7f0000001000-7f0000002000 r--p 00001000 08:01 42                         /tmp/my "
	       "dir/lib x.so"),
	  0x7f0000001000, 0x7f0000002000, R, false, false, 0x1000, 0x08, 0x01, 42,
	  "/tmp/my dir/lib x.so" },
	/* Real lines from a python3 that mapped these files (Linux 6.18). */
	{ LINE("7fdb8efba000-7fdb8efbb000 r--p 00000000 fe:00 10953656                   "
	       "/tmp/mt-deleted.bin (deleted)"),
	  0x7fdb8efba000, 0x7fdb8efbb000, R, false, true, 0, 0xfe, 0x00, 10953656,
	  "/tmp/mt-deleted.bin" },
	{ LINE("7fdb8efbb000-7fdb8efbc000 rw-s 00001000 fe:00 10953655                   /tmp/mt "
	       "dir/lib x.so"),
	  0x7fdb8efbb000, 0x7fdb8efbc000, R | W, true, false, 0x1000, 0xfe, 0x00, 10953655,
	  "/tmp/mt dir/lib x.so" },
	{ LINE("7fdb8e472000-7fdb8e473000 rw-s 00000000 00:01 1039                       "
	       "/memfd:wayland-shm (deleted)"),
	  0x7fdb8e472000, 0x7fdb8e473000, R | W, true, true, 0, 0x00, 0x01, 1039,
	  "/memfd:wayland-shm" },
	/* An unlinked file: " (deleted)" is left out of the path. */
	{ LINE("7f0000003000-7f0000004000 r-xp 00000000 fe:00 99                         /tmp/a b "
	       "(deleted)"),
	  0x7f0000003000, 0x7f0000004000, R | X, false, true, 0, 0xfe, 0x00, 99, "/tmp/a b" },
	/* "(deleted)" not preceded by a space is a name like any other. */
	{ LINE("1000-2000 r--p 0 00:00 1 /tmp/x(deleted)"), 0x1000, 0x2000, R, false, false, 0, 0,
	  0, 1, "/tmp/x(deleted)" },
	/* A file name may end with a space: it is kept. */
	{ LINE("1000-2000 r--p 0 00:00 1 /tmp/trailing "), 0x1000, 0x2000, R, false, false, 0, 0, 0,
	  1, "/tmp/trailing " },
	/* Older kernels: no space after the inode of an anonymous line. */
	{ LINE("7fed13270000-7fed13292000 rw-p 00000000 00:00 0"), 0x7fed13270000, 0x7fed13292000,
	  R | W, false, false, 0, 0, 0, 0, NULL },
	/* Padding but no path: still anonymous. */
	{ LINE("7fed13270000-7fed13292000 ---p 00000000 00:00 0                          "),
	  0x7fed13270000, 0x7fed13292000, 0, false, false, 0, 0, 0, 0, NULL },
	/* A single space before the path. */
	{ LINE("1000-2000 rwxs 0 0:0 7 /x"), 0x1000, 0x2000, R | W | X, true, false, 0, 0, 0, 7,
	  "/x" },
	/* The widest numbers: 16 hex digits, 8 for each device number, 20 decimal digits. */
	{ LINE("0000000000000000-ffffffffffffffff r--p ffffffffffffffff ffffffff:ffffffff "
	       "18446744073709551615 /big"),
	  0, UINT64_MAX, R, false, false, UINT64_MAX, 0xffffffff, 0xffffffff, UINT64_MAX, "/big" },
	/* Hex digits in either case; a device as the kernel prints a large one. */
	{ LINE("7F0000000000-7F0000001000 r--p 0000ABCD fff:fffff 12 /dev/zero"), 0x7f0000000000,
	  0x7f0000001000, R, false, false, 0xabcd, 0xfff, 0xfffff, 12, "/dev/zero" },
};

#undef R
#undef W
#undef X

static void print_entry(const char *what, const struct procmaps_entry *entry)
{
	print_error("%s: %" PRIx64 "-%" PRIx64 " prot %u %s %" PRIx64 " %x:%x %" PRIu64
		    " \"%.*s\"%s\n",
		    what, entry->start, entry->end, entry->prot,
		    entry->shared ? "shared" : "private", entry->offset, entry->dev_major,
		    entry->dev_minor, entry->inode, (int)entry->path_len,
		    entry->path ? entry->path : "", entry->deleted ? " (deleted)" : "");
}

static bool entry_matches(const struct procmaps_entry *got, const struct valid_line *want)
{
	size_t path_len = want->path ? strlen(want->path) : 0;

	if (got->start != want->start || got->end != want->end || got->prot != want->prot ||
	    got->shared != want->shared || got->offset != want->offset ||
	    got->dev_major != want->dev_major || got->dev_minor != want->dev_minor ||
	    got->inode != want->inode || got->path_len != path_len || got->deleted != want->deleted)
		return false;
	return path_len == 0 || !memcmp(got->path, want->path, path_len);
}

static void check_valid_line(const struct valid_line *want, const struct procmaps_entry *got)
{
	struct procmaps_entry expected = {
		.start = want->start,
		.end = want->end,
		.prot = want->prot,
		.shared = want->shared,
		.offset = want->offset,
		.dev_major = want->dev_major,
		.dev_minor = want->dev_minor,
		.inode = want->inode,
		.path = want->path,
		.path_len = want->path ? strlen(want->path) : 0,
		.deleted = want->deleted,
	};

	if (entry_matches(got, want))
		return;
	print_error("line \"%.*s\"\n", (int)want->len, want->line);
	print_entry("expected", &expected);
	print_entry("got     ", got);
	fail();
}

static void test_valid_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(valid_lines); i++) {
		const struct valid_line *want = &valid_lines[i];
		struct procmaps_entry got;
		int ret = procmaps_parse_line(want->line, want->len, &got);

		if (ret != 0)
			fail_msg("valid_lines[%zu] \"%s\": returned %d", i, want->line, ret);
		check_valid_line(want, &got);
		/* The path points into the line itself. */
		if (got.path_len)
			assert_true(got.path > want->line &&
				    got.path + got.path_len <= want->line + want->len);
	}
}

/* Each must give -EINVAL (json-c tests/test_parse.c keeps its errors in a table too). */
static const struct malformed_line {
	const char *line;
	size_t len;
	const char *why;
} malformed_lines[] = {
	{ LINE(""), "empty" },
	{ LINE(" "), "only a space" },
	{ LINE("55cb83c69000"), "only the start" },
	{ LINE("55cb83c69000-"), "no end" },
	{ LINE("55cb83c69000-55cb83c6b000"), "no perms" },
	{ LINE("55cb83c69000-55cb83c6b000 "), "no perms after the space" },
	{ LINE("55cb83c69000-55cb83c6b000 r--p"), "no offset" },
	{ LINE("55cb83c69000-55cb83c6b000 r--p 00000000"), "no device" },
	{ LINE("55cb83c69000-55cb83c6b000 r--p 00000000 fe:00"), "no inode" },
	{ LINE("55cb83c69000-55cb83c6b000 r--p 00000000 fe:00 "), "no inode after the space" },
	{ LINE("55cb83c69000-55cb83c6b000 r--p 00000000 fe:00                     /usr/bin/cat"),
	  "inode missing before the path" },
	{ LINE("55cb83g69000-55cb83c6b000 r--p 00000000 fe:00 247134 /usr/bin/cat"),
	  "bad hex in start" },
	{ LINE("55cb83c69000-55cb83c6bz00 r--p 00000000 fe:00 247134 /usr/bin/cat"),
	  "bad hex in end" },
	{ LINE("55cb83c69000-55cb83c6b000 r--p 0000x000 fe:00 247134 /usr/bin/cat"),
	  "bad hex in offset" },
	{ LINE("55cb83c69000-55cb83c6b000 r--p 00000000 fg:00 247134 /usr/bin/cat"),
	  "bad hex in major" },
	{ LINE("55cb83c69000-55cb83c6b000 r--p 00000000 fe:0g 247134 /usr/bin/cat"),
	  "bad hex in minor" },
	{ LINE("0x1000-0x2000 r--p 00000000 00:00 0"), "0x prefix" },
	{ LINE("-1000-2000 r--p 00000000 00:00 0"), "sign" },
	{ LINE("+1000-2000 r--p 00000000 00:00 0"), "plus sign" },
	{ LINE("1000-1000 r--p 00000000 00:00 0"), "start == end" },
	{ LINE("2000-1000 r--p 00000000 00:00 0"), "start > end" },
	{ LINE("0-0 r--p 00000000 00:00 0"), "empty range at 0" },
	{ LINE("1000-2000 r--q 00000000 00:00 0"), "neither s nor p" },
	{ LINE("1000-2000 w--p 00000000 00:00 0"), "w in the r column" },
	{ LINE("1000-2000 rr-p 00000000 00:00 0"), "r in the w column" },
	{ LINE("1000-2000 r-rp 00000000 00:00 0"), "r in the x column" },
	{ LINE("1000-2000 R--p 00000000 00:00 0"), "upper case R" },
	{ LINE("1000-2000 r-p 00000000 00:00 0"), "three perms" },
	{ LINE("1000-2000 r--ps 00000000 00:00 0"), "five perms" },
	{ LINE("1000-2000 r-"), "perms cut short" },
	{ LINE("00000000000001000-2000 r--p 00000000 00:00 0"), "start of 17 digits" },
	{ LINE("1000-00000000000002000 r--p 00000000 00:00 0"), "end of 17 digits" },
	{ LINE("1000-2000 r--p 00000000000000000 00:00 0"), "offset of 17 digits" },
	{ LINE("1000-2000 r--p 0 000000001:00 0"), "major of 9 digits" },
	{ LINE("1000-2000 r--p 0 00:000000001 0"), "minor of 9 digits" },
	{ LINE("1000-2000 r--p 0 18446744073709551616 0"), "device in decimal, no colon" },
	{ LINE("1000-2000 r--p 0 fe00 0"), "device without a colon" },
	{ LINE("1000-2000 r--p 0 fe: 0"), "device without a minor" },
	{ LINE("1000-2000 r--p 0 :00 0"), "device without a major" },
	{ LINE("1000-2000 r--p 0 00:00 18446744073709551616"), "inode overflows 64 bits" },
	{ LINE("1000-2000 r--p 0 00:00 99999999999999999999"), "inode overflows, 20 digits" },
	{ LINE("1000-2000 r--p 0 00:00 000000000000000000001"), "inode of 21 digits" },
	{ LINE("1000-2000 r--p 0 00:00 12a"), "hex in the inode" },
	{ LINE("1000-2000 r--p 0 00:00 -1"), "negative inode" },
	{ LINE("1000-2000 r--p 0 00:00 1/x"), "no space before the path" },
	{ LINE("1000-2000 r--p 0 00:00 0\r"), "carriage return" },
	{ LINE("1000-2000 r--p 0 00:00 0\t/x"), "tab before the path" },
	{ LINE(" 1000-2000 r--p 0 00:00 0"), "leading space" },
	{ LINE("1000 -2000 r--p 0 00:00 0"), "space before the dash" },
	{ LINE("1000-2000  r--p 0 00:00 0"), "two spaces before perms" },
	{ LINE("1000-2000 r--p  0 00:00 0"), "two spaces before the offset" },
	{ LINE("1000-2000 r--p 0  00:00 0"), "two spaces before the device" },
	{ LINE("1000-2000 r--p 0 00:00  0"), "two spaces before the inode" },
	{ LINE("1000-2000\tr--p 0 00:00 0"), "tab separator" },
	{ LINE("1000_2000 r--p 0 00:00 0"), "underscore for the dash" },
	{ LINE("1000-2000 r--p 0 00-00 0"), "dash in the device" },
	{ LINE("10\00000-2000 r--p 0 00:00 0"), "NUL in the start" },
	{ LINE("1000-2000 r--p 0 00:00 \0"), "NUL for the inode" },
	{ LINE("1000-2000 r--p 0 00:00 0\0/x"), "NUL after the inode" },
	{ LINE("\n1000-2000 r--p 0 00:00 0"), "newline inside the line" },
};

static void test_malformed_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(malformed_lines); i++) {
		const struct malformed_line *bad = &malformed_lines[i];
		struct procmaps_entry entry;
		int ret = procmaps_parse_line(bad->line, bad->len, &entry);

		if (ret != -EINVAL)
			fail_msg("malformed_lines[%zu] (%s) \"%.*s\": expected %d, got %d", i,
				 bad->why, (int)bad->len, bad->line, -EINVAL, ret);
	}
}

/* The parser looks at [line, line + len) only: what follows does not count. */
static void test_parse_bounded(void **state)
{
	static const char text[] = "1000-2000 r--p 0 00:00 0 /lib/x.so\n3000-4000";
	struct procmaps_entry entry;
	size_t len = strlen("1000-2000 r--p 0 00:00 0 /lib/x.so");

	(void)state;
	assert_int_equal(procmaps_parse_line(text, len, &entry), 0);
	assert_int_equal(entry.path_len, strlen("/lib/x.so"));
	assert_memory_equal(entry.path, "/lib/x.so", entry.path_len);
	/* Cut inside the inode, the path and the perms. */
	assert_int_equal(procmaps_parse_line(text, strlen("1000-2000 r--p 0 00:00 0"), &entry), 0);
	assert_int_equal(entry.path_len, 0);
	assert_int_equal(procmaps_parse_line(text, len - 3, &entry), 0);
	assert_memory_equal(entry.path, "/lib/x", entry.path_len);
	assert_int_equal(procmaps_parse_line(text, strlen("1000-2000 r-"), &entry), -EINVAL);
	assert_int_equal(procmaps_parse_line(text, 0, &entry), -EINVAL);
}

/*
 * Iteration: lineno names every line, including a malformed one, and the
 * iteration goes on after it.
 */
static void test_iter_malformed_middle(void **state)
{
	static const char text[] = "55cb83c69000-55cb83c6b000 r--p 00000000 fe:00 247134           "
				   "          /usr/bin/cat\n"
				   "7fed13270000-7fed13292000 rw-p 00000000 00:00 0 \n"
				   "this is not a maps line\n"
				   "\n"
				   "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0        "
				   "          [vsyscall]\n";
	struct procmaps_iter iter;
	struct procmaps_entry entry;

	(void)state;
	procmaps_iter_init(&iter, text, sizeof(text) - 1);
	assert_int_equal(iter.lineno, 0);

	assert_int_equal(procmaps_next(&iter, &entry), 1);
	assert_int_equal(iter.lineno, 1);
	assert_int_equal(entry.start, 0x55cb83c69000);
	assert_int_equal(entry.inode, 247134);
	assert_int_equal(entry.path_len, strlen("/usr/bin/cat"));
	assert_memory_equal(entry.path, "/usr/bin/cat", entry.path_len);

	assert_int_equal(procmaps_next(&iter, &entry), 1);
	assert_int_equal(iter.lineno, 2);
	assert_int_equal(entry.start, 0x7fed13270000);
	assert_int_equal(entry.path_len, 0);

	assert_int_equal(procmaps_next(&iter, &entry), -EINVAL);
	assert_int_equal(iter.lineno, 3);
	/* An empty line is not a maps line either. */
	assert_int_equal(procmaps_next(&iter, &entry), -EINVAL);
	assert_int_equal(iter.lineno, 4);

	assert_int_equal(procmaps_next(&iter, &entry), 1);
	assert_int_equal(iter.lineno, 5);
	assert_int_equal(entry.start, 0xffffffffff600000);
	assert_int_equal(entry.prot, PROT_EXEC);
	assert_memory_equal(entry.path, "[vsyscall]", entry.path_len);

	/* The newline ending the text does not start another line. */
	assert_int_equal(procmaps_next(&iter, &entry), 0);
	assert_int_equal(iter.lineno, 5);
	assert_int_equal(procmaps_next(&iter, &entry), 0);
}

static void test_iter_no_trailing_newline(void **state)
{
	static const char text[] = "1000-2000 r--p 0 00:00 0 /a\n3000-4000 rw-s 10 1:2 3 /b c";
	struct procmaps_iter iter;
	struct procmaps_entry entry;

	(void)state;
	procmaps_iter_init(&iter, text, sizeof(text) - 1);
	assert_int_equal(procmaps_next(&iter, &entry), 1);
	assert_int_equal(entry.end, 0x2000);
	assert_int_equal(procmaps_next(&iter, &entry), 1);
	assert_int_equal(iter.lineno, 2);
	assert_int_equal(entry.start, 0x3000);
	assert_int_equal(entry.offset, 0x10);
	assert_true(entry.shared);
	assert_int_equal(entry.dev_major, 1);
	assert_int_equal(entry.dev_minor, 2);
	assert_int_equal(entry.path_len, strlen("/b c"));
	assert_memory_equal(entry.path, "/b c", entry.path_len);
	assert_int_equal(procmaps_next(&iter, &entry), 0);

	/* A malformed last line without a newline is still reported. */
	procmaps_iter_init(&iter, "1000-2000 r--p 0 00:00 0\n1000-",
			   strlen("1000-2000 r--p 0 00:00 0\n1000-"));
	assert_int_equal(procmaps_next(&iter, &entry), 1);
	assert_int_equal(procmaps_next(&iter, &entry), -EINVAL);
	assert_int_equal(iter.lineno, 2);
	assert_int_equal(procmaps_next(&iter, &entry), 0);
}

static void test_iter_empty(void **state)
{
	struct procmaps_iter iter;
	struct procmaps_entry entry;

	(void)state;
	procmaps_iter_init(&iter, "", 0);
	assert_int_equal(procmaps_next(&iter, &entry), 0);
	assert_int_equal(iter.lineno, 0);

	/* NULL with length 0, as from procmaps_read on an empty buffer. */
	procmaps_iter_init(&iter, NULL, 0);
	assert_int_equal(procmaps_next(&iter, &entry), 0);

	/* A lone newline is one empty line. */
	procmaps_iter_init(&iter, "\n", 1);
	assert_int_equal(procmaps_next(&iter, &entry), -EINVAL);
	assert_int_equal(iter.lineno, 1);
	assert_int_equal(procmaps_next(&iter, &entry), 0);
}

/* Every line of this process's maps parses; returns how many there were. */
static size_t count_lines_parsing(const char *text, size_t len)
{
	struct procmaps_iter iter;
	struct procmaps_entry entry;
	size_t count = 0;
	int ret;

	procmaps_iter_init(&iter, text, len);
	while ((ret = procmaps_next(&iter, &entry)) != 0) {
		if (ret < 0)
			fail_msg("line %zu of /proc/self/maps does not parse", iter.lineno);
		assert_true(entry.start < entry.end);
		count++;
	}
	return count;
}

/* Finds the entry [start, end) in the text. */
static bool find_entry(const char *text, size_t len, uint64_t start, uint64_t end,
		       struct procmaps_entry *found)
{
	struct procmaps_iter iter;

	procmaps_iter_init(&iter, text, len);
	while (procmaps_next(&iter, found) > 0) {
		if (found->start == start && found->end == end)
			return true;
	}
	return false;
}

#define CARVEOUT_PAGES 256

/*
 * procmaps_read on this process finds what it mapped.  Inside a PROT_NONE
 * carveout (kernel mm/merge.c), every other page is made readable, so
 * that the kernel shows one VMA per page and the text takes several
 * read() calls:
 *
 *   |  r--  | ----- |  r--  | ----- | ... |  r--  | ----- |
 *   0       1       2       3            254     255     256 pages
 *
 * Then a shared mapping of a memfd: " (deleted)", its inode and device.
 */
static void test_read_self(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct procmaps_entry entry;
	char *buf = NULL, *carveout, *shm;
	size_t cap = 0, len = 0, old_cap;
	struct stat st;
	int memfd;

	(void)state;
	carveout = mmap(NULL, CARVEOUT_PAGES * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(carveout != MAP_FAILED);
	for (size_t i = 0; i < CARVEOUT_PAGES; i += 2)
		assert_int_equal(mprotect(carveout + i * page, page, PROT_READ), 0);

	memfd = memfd_create("memtrace-test procmaps", MFD_CLOEXEC);
	assert_true(memfd >= 0);
	assert_int_equal(ftruncate(memfd, (off_t)(2 * page)), 0);
	assert_int_equal(fstat(memfd, &st), 0);
	/* Map its second page only, so that the offset shows. */
	shm = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, (off_t)page);
	assert_true(shm != MAP_FAILED);

	assert_int_equal(procmaps_read(getpid(), &buf, &cap, &len), 0);
	assert_non_null(buf);
	assert_true(len > 0 && len <= cap);
	/* procmaps_read grows the buffer 4 KiB at a time: several reads. */
	assert_true(len > (size_t)2 * 4096);
	assert_true(count_lines_parsing(buf, len) >= CARVEOUT_PAGES);

	for (size_t i = 0; i < CARVEOUT_PAGES; i++) {
		uint64_t start = (uint64_t)(uintptr_t)(carveout + i * page);

		if (!find_entry(buf, len, start, start + page, &entry))
			fail_msg("carveout page %zu (%#" PRIx64 ") not found", i, start);
		assert_int_equal(entry.prot, i % 2 ? PROT_NONE : PROT_READ);
		assert_false(entry.shared);
		assert_int_equal(entry.inode, 0);
		assert_int_equal(entry.path_len, 0);
	}

	if (!find_entry(buf, len, (uint64_t)(uintptr_t)shm, (uint64_t)(uintptr_t)shm + page,
			&entry))
		fail_msg("memfd mapping at %p not found", (void *)shm);
	assert_int_equal(entry.prot, PROT_READ | PROT_WRITE);
	assert_true(entry.shared);
	assert_int_equal(entry.offset, page);
	assert_int_equal(entry.inode, st.st_ino);
	assert_int_equal(entry.dev_major, major(st.st_dev));
	assert_int_equal(entry.dev_minor, minor(st.st_dev));
	assert_true(entry.deleted);
	assert_int_equal(entry.path_len, strlen("/memfd:memtrace-test procmaps"));
	assert_memory_equal(entry.path, "/memfd:memtrace-test procmaps", entry.path_len);

	/* Read again into the same buffer: it is reused, not grown. */
	old_cap = cap;
	assert_int_equal(munmap(shm, page), 0);
	assert_int_equal(procmaps_read(getpid(), &buf, &cap, &len), 0);
	assert_int_equal(cap, old_cap);
	assert_false(find_entry(buf, len, (uint64_t)(uintptr_t)shm, (uint64_t)(uintptr_t)shm + page,
				&entry));

	assert_int_equal(close(memfd), 0);
	assert_int_equal(munmap(carveout, CARVEOUT_PAGES * page), 0);
	free(buf);
}

/* A pid no process can have, and one that has just been reaped. */
static void test_read_no_such_process(void **state)
{
	char *buf = NULL;
	size_t cap = 0, len = 1;
	pid_t child;
	int status;
	FILE *file;
	long pid_max = 0;

	(void)state;
	/* pids are below pid_max (kernel/pid.c). */
	file = fopen("/proc/sys/kernel/pid_max", "re");
	assert_non_null(file);
	assert_int_equal(fscanf(file, "%ld", &pid_max), 1);
	assert_int_equal(fclose(file), 0);
	assert_true(pid_max > 0 && pid_max <= INT_MAX);
	assert_int_equal(procmaps_read((pid_t)pid_max, &buf, &cap, &len), -ESRCH);
	assert_int_equal(len, 0);
	assert_int_equal(procmaps_read(INT_MAX, &buf, &cap, &len), -ESRCH);
	assert_int_equal(procmaps_read(-1, &buf, &cap, &len), -ESRCH);

	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(procmaps_read(child, &buf, &cap, &len), -ESRCH);
	free(buf);
}

/* Whether fd (closed here) is the file st describes. */
static bool is_file(int fd, const struct stat *st)
{
	struct stat got;
	bool same;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &got), 0);
	same = got.st_dev == st->st_dev && got.st_ino == st->st_ino;
	assert_int_equal(close(fd), 0);
	return same;
}

/*
 * A file mapped here is opened through the process, found by any address
 * in its mapping and only under its own path; anonymous memory has no
 * file.  Deleted, it is still the mapped one through map_files, and
 * found nowhere without (never another file at its path).
 */
static void test_open_at(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char path[] = "/tmp/memtrace-test-procmaps.XXXXXX";
	struct stat st;
	char *map, *anon;
	int fd, ret;

	(void)state;
	if (unittest_emulator()) {
		print_message("under %s: /proc is the emulator's, not checked\n",
			      unittest_emulator());
		skip();
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(2 * page)), 0);
	assert_int_equal(fstat(fd, &st), 0);
	map = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(close(fd), 0);
	anon = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);

	assert_true(is_file(procmaps_open_at(getpid(), (uint64_t)(uintptr_t)map + page + 5, path),
			    &st));
	assert_true(is_file(procmaps_open_at(getpid(), (uint64_t)(uintptr_t)map, NULL), &st));
	assert_int_equal(procmaps_open_at(getpid(), (uint64_t)(uintptr_t)map, "/elsewhere"),
			 -ENOENT);
	assert_int_equal(procmaps_open_at(getpid(), (uint64_t)(uintptr_t)anon, NULL), -ENOENT);

	/* Another file at its path: never taken for the mapped one. */
	assert_int_equal(unlink(path), 0);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	ret = procmaps_open_at(getpid(), (uint64_t)(uintptr_t)map, path);
	if (ret != -ENOENT)
		assert_true(is_file(ret, &st));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(munmap(map, 2 * page), 0);
	assert_int_equal(munmap(anon, page), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_lines),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_parse_bounded),
		cmocka_unit_test(test_iter_malformed_middle),
		cmocka_unit_test(test_iter_no_trailing_newline),
		cmocka_unit_test(test_iter_empty),
		cmocka_unit_test(test_read_self),
		cmocka_unit_test(test_read_no_such_process),
		cmocka_unit_test(test_open_at),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
