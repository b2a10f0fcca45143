/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The program tests/unit/test_engine.c runs under the engine: memory calls
 * with recognizable arguments at fixed addresses (engine_calls.h), so that
 * the test's table holds every argument and every result in advance.
 *
 * Started without arguments, it maps one area and executes itself again
 * with ENGINE_CALLS_AGAIN.  Then it makes the table's calls in order, a
 * thread makes its own, and it exits with ENGINE_CALLS_STATUS, keeping one
 * mapping with a few pages written for the engine's last snapshot.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "engine_calls.h"
#include "testutil.h"

#define PAGE 4096UL
#define FIXED (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE)

static void *thread_main(void *arg)
{
	void *area = mmap((void *)ENGINE_THREAD_ADDR, ENGINE_THREAD_LEN, PROT_READ, FIXED, -1, 0);

	test_assert(area == (void *)ENGINE_THREAD_ADDR);
	test_assert(munmap(area, ENGINE_THREAD_LEN) == 0);
	return arg;
}

int main(int argc, char **argv)
{
	char *area = (char *)ENGINE_AREA_ADDR, *kept;
	pthread_t thread;

	if (argc < 2 || strcmp(argv[1], ENGINE_CALLS_AGAIN) != 0) {
		char again_arg[] = ENGINE_CALLS_AGAIN;
		char *again[] = { argv[0], again_arg, NULL };

		test_assert(mmap((void *)ENGINE_BEFORE_EXEC_ADDR, ENGINE_BEFORE_EXEC_LEN, PROT_READ,
				 FIXED, -1, 0) == (void *)ENGINE_BEFORE_EXEC_ADDR);
		execv("/proc/self/exe", again);
		test_assert(!"execv");
	}

	/*
	 *   area  |0|1 2|3|4 5 6 7|8 ...                 ...|
	 *   mmap  |rw .................................... |
	 *         |r|rw ...                                    mprotect(0, 1 page)
	 *         |r|   |rw ...                                munmap(1, 2 pages)
	 *         |-|   |rw ...         mprotect(0, 4 pages, NONE): -1 ENOMEM at the hole
	 *                |released|     madvise(3, 5 pages, MADV_DONTNEED)
	 *         |-|   | |rw ...       mremap(3, 1 page, 3 pages) to ENGINE_MOVED_ADDR
	 */
	test_assert(mmap(area, ENGINE_AREA_LEN, PROT_READ | PROT_WRITE, FIXED, -1, 0) == area);
	test_assert(mprotect(area, PAGE, PROT_READ) == 0);
	test_assert(munmap(area + PAGE, 2 * PAGE) == 0);
	test_assert(mprotect(area, 4 * PAGE, PROT_NONE) == -1 && errno == ENOMEM);
	test_assert(madvise(area + 3 * PAGE, 5 * PAGE, MADV_DONTNEED) == 0);
	test_assert(mremap(area + 3 * PAGE, PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
			   (void *)ENGINE_MOVED_ADDR) == (void *)ENGINE_MOVED_ADDR);

	test_assert(pthread_create(&thread, NULL, thread_main, NULL) == 0);
	test_assert(pthread_join(thread, NULL) == 0);

	test_assert(munmap((void *)ENGINE_MOVED_ADDR, 3 * PAGE) == 0);
	test_assert(munmap(area, ENGINE_AREA_LEN) == 0);

	kept = mmap((void *)ENGINE_KEPT_ADDR, ENGINE_KEPT_LEN, PROT_READ | PROT_WRITE, FIXED, -1,
		    0);
	test_assert(kept == (void *)ENGINE_KEPT_ADDR);
	for (int i = 0; i < ENGINE_KEPT_TOUCHED; i++)
		kept[(size_t)i * PAGE] = 1;
	return ENGINE_CALLS_STATUS;
}
