/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mmap_churn: a workload for scripts/bench, not a test.
 *
 * PAIRS anonymous mmap+munmap pairs (default 100000), alternately of
 * 4 KiB and 64 KiB, with GETPPIDS getppid() calls (default 10) between
 * the mmap and the munmap of each pair: memory calls interleaved with
 * calls the seccomp filter lets through, as in a real program.  The pages
 * are never touched, so the cost measured is that of the system calls,
 * not of page faults.
 *
 * Every call is checked.  The first failure prints file:line, the failed
 * condition and errno, and exits 1; a bad argument exits 2.
 *
 * usage: mmap_churn [PAIRS [GETPPIDS]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SMALL_LEN 4096UL
#define LARGE_LEN (64UL * 1024)

/* errno is read in the macro, before fail() can change it. */
#define CHECK(cond)                                             \
	do {                                                    \
		if (!(cond))                                    \
			fail(__FILE__, __LINE__, #cond, errno); \
	} while (0)

static void fail(const char *file, int line, const char *cond, int err)
{
	(void)fprintf(stderr, "FAILED at %s:%d: !(%s) errno: %d (%s)\n", file, line, cond, err,
		      strerror(err));
	exit(1);
}

/* Parses a decimal count into *count; exits 2 if arg is not one. */
static void parse_count(const char *name, const char *arg, unsigned long *count)
{
	char *end;

	errno = 0;
	*count = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end || errno) {
		(void)fprintf(stderr,
			      "mmap_churn: bad %s '%s'\n"
			      "usage: mmap_churn [PAIRS [GETPPIDS]]\n",
			      name, arg);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	unsigned long pairs = 100000;
	unsigned long getppids = 10;
	pid_t parent;

	if (argc > 3) {
		(void)fputs("usage: mmap_churn [PAIRS [GETPPIDS]]\n", stderr);
		return 2;
	}
	if (argc > 1)
		parse_count("PAIRS", argv[1], &pairs);
	if (argc > 2)
		parse_count("GETPPIDS", argv[2], &getppids);

	parent = getppid();
	for (unsigned long i = 0; i < pairs; i++) {
		size_t len = (i & 1) ? LARGE_LEN : SMALL_LEN;
		void *addr =
			mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		CHECK(addr != MAP_FAILED);
		for (unsigned long j = 0; j < getppids; j++)
			CHECK(getppid() == parent);
		CHECK(munmap(addr, len) == 0);
	}
	return 0;
}
