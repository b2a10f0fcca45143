/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * getppid_only: a workload for scripts/bench, not a test.
 *
 * COUNT getppid() calls (default 1000000) and, after startup, no other
 * system call: memtrace's seccomp filter lets every one of them through
 * without a stop, so this measures what launch mode costs a program that
 * makes no memory calls (docs/design.md, "Performance": no measurable
 * overhead).
 *
 * Each result is checked against the first: a mismatch prints file:line
 * and the failed condition, and exits 1; a bad argument exits 2.
 *
 * usage: getppid_only [COUNT]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CHECK(cond)                                      \
	do {                                             \
		if (!(cond))                             \
			fail(__FILE__, __LINE__, #cond); \
	} while (0)

static void fail(const char *file, int line, const char *cond)
{
	(void)fprintf(stderr, "FAILED at %s:%d: !(%s)\n", file, line, cond);
	exit(1);
}

/* Parses a decimal count into *count; exits 2 if arg is not one. */
static void parse_count(const char *arg, unsigned long *count)
{
	char *end;

	errno = 0;
	*count = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end || errno) {
		(void)fprintf(stderr,
			      "getppid_only: bad COUNT '%s'\n"
			      "usage: getppid_only [COUNT]\n",
			      arg);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	unsigned long count = 1000000;
	pid_t parent;

	if (argc > 2) {
		(void)fputs("usage: getppid_only [COUNT]\n", stderr);
		return 2;
	}
	if (argc > 1)
		parse_count(argv[1], &count);

	parent = getppid();
	for (unsigned long i = 0; i < count; i++)
		CHECK(getppid() == parent);
	return 0;
}
