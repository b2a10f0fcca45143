/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hot_threads: a workload for scripts/bench, not a test.
 *
 * THREADS threads (default 64), each making ITERS mmap+munmap pairs of
 * 64 KiB (default 2000) at once: many threads of one process in memory
 * calls together.  The pages are never touched.
 *
 * Every call is checked.  The first failure prints file:line, the failed
 * condition and errno, and exits 1; a bad argument exits 2.
 *
 * usage: hot_threads [THREADS [ITERS]]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define LEN (64UL * 1024)

/* errno is read in the macro, before fail() can change it. */
#define CHECK(cond, err)                                      \
	do {                                                  \
		if (!(cond))                                  \
			fail(__FILE__, __LINE__, #cond, err); \
	} while (0)

static long iters = 2000;

static void fail(const char *file, int line, const char *what, int err)
{
	(void)fprintf(stderr, "%s:%d: %s failed: %s\n", file, line, what, strerror(err));
	exit(1);
}

static void *worker(void *arg)
{
	for (long i = 0; i < iters; i++) {
		void *p =
			mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		CHECK(p != MAP_FAILED, errno);
		CHECK(munmap(p, LEN) == 0, errno);
	}
	return arg;
}

static long number(const char *text, long max)
{
	char *end;
	long value = strtol(text, &end, 10);

	if (*end || value < 1 || value > max) {
		(void)fprintf(stderr, "hot_threads: '%s' is not a number in 1..%ld\n", text, max);
		exit(2);
	}
	return value;
}

int main(int argc, char **argv)
{
	long threads = argc > 1 ? number(argv[1], 4096) : 64;
	pthread_t *ids;

	if (argc > 2)
		iters = number(argv[2], 100000000);
	ids = calloc((size_t)threads, sizeof(*ids));
	CHECK(ids != NULL, errno);
	for (long t = 0; t < threads; t++) {
		int err = pthread_create(&ids[t], NULL, worker, NULL);

		CHECK(err == 0, err);
	}
	for (long t = 0; t < threads; t++) {
		int err = pthread_join(ids[t], NULL);

		CHECK(err == 0, err);
	}
	free(ids);
	return 0;
}
