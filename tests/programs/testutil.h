/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the programs that end-to-end tests trace.
 *
 * Each program checks every call it makes with test_assert() (rr's
 * src/test/util.h) and prints the line memtrace --events must show for it,
 * without the timestamp, to fd 3 (strace's tests print their expected
 * output the same way): the test then checks that every expected line
 * appears in memtrace's output exactly as often as it was expected.
 */
#ifndef MEMTRACE_TESTUTIL_H
#define MEMTRACE_TESTUTIL_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define test_assert(cond)                                              \
	do {                                                           \
		if (!(cond))                                           \
			test_failed(__FILE__, __LINE__, #cond, errno); \
	} while (0)

/* Prints "FAILED at file:line: !(cond) errno: ..." and exits 1. */
void test_failed(const char *file, int line, const char *cond, int err) __attribute__((noreturn));

/* Exits 77, the skip status, after saying why on stderr. */
void test_skip(const char *why) __attribute__((noreturn));

pid_t test_gettid(void);

/*
 * Writes "[pid] " (or "[pid/tid] " in a thread other than the leader)
 * followed by the formatted text and a newline to fd 3, in one write(2),
 * so threads never interleave.  Does nothing if fd 3 is not open.
 */
void expect(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The text memtrace prints for a result: an address in hex, or
 * "-1 ENAME (description)" for an error (errno names via glibc).
 */
const char *errno_result(int err);

#endif /* MEMTRACE_TESTUTIL_H */
