/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * 8 threads map, re-protect and unmap memory at the same time, each
 * ITERATIONS times, released together by a barrier so that their calls
 * overlap.  Every call's expected line goes to fd 3 with its tid.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "testutil.h"

#define NTHREADS 8
#define ITERATIONS 100
#define PAGE 4096UL

static pthread_barrier_t start_line;

static void *worker(void *arg)
{
	unsigned long idx = (unsigned long)arg;
	/* A length per thread, so that lines of different threads differ. */
	size_t len = (idx + 1) * PAGE;

	pthread_barrier_wait(&start_line);
	for (int i = 0; i < ITERATIONS; i++) {
		char *ptr =
			mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		test_assert(ptr != MAP_FAILED);
		expect("mmap(NULL, %zu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
		       "%p",
		       len, (void *)ptr);
		ptr[len - 1] = (char)i;
		test_assert(mprotect(ptr, PAGE, PROT_READ) == 0);
		expect("mprotect(%p, %lu, PROT_READ) = 0", (void *)ptr, PAGE);
		test_assert(munmap(ptr, len) == 0);
		expect("munmap(%p, %zu) = 0", (void *)ptr, len);
	}
	return NULL;
}

int main(void)
{
	pthread_t threads[NTHREADS];

	test_assert(pthread_barrier_init(&start_line, NULL, NTHREADS) == 0);
	for (unsigned long i = 0; i < NTHREADS; i++)
		test_assert(pthread_create(&threads[i], NULL, worker, (void *)i) == 0);
	for (int i = 0; i < NTHREADS; i++)
		test_assert(pthread_join(threads[i], NULL) == 0);
	dprintf(1, "threads: %d x %d iterations done\n", NTHREADS, ITERATIONS);
	return 0;
}
