/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Allocations for the allocators' and runtimes' tests (tests/e2e/allocators.sh):
 *
 *   sizes    8 threads each malloc blocks of 16 B to 4 MiB in alloc_sizes,
 *            held until every thread has made its own, then freed: run
 *            under LD_PRELOAD of jemalloc or tcmalloc, or with glibc's
 *   touched  the same blocks written whole and kept to the end: what the
 *            allocator commits is resident
 *   aligned  no malloc: chunk_alloc maps two 64 MiB chunks aligned to
 *            64 MiB, MAP_NORESERVE, as glibc's arena heaps are, and touches
 *            them: the shape of an arena, made by the program itself
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "testutil.h"

#define NTHREADS 8
#define NSIZES 19 /* 16 B << 0 .. 18: up to 4 MiB */
#define CHUNK (64UL << 20)

static pthread_barrier_t all_in;

static bool touched;

static __attribute__((noinline)) void alloc_sizes(void **blocks)
{
	for (int i = 0; i < NSIZES; i++) {
		size_t size = (size_t)16 << i;

		blocks[i] = malloc(size);
		test_assert(blocks[i]);
		memset(blocks[i], 1, touched || size < 65536 ? size : 65536);
	}
}

static void *worker(void *arg)
{
	void *blocks[NSIZES];

	alloc_sizes(blocks);
	pthread_barrier_wait(&all_in);
	for (int i = 0; i < NSIZES && !touched; i++)
		free(blocks[i]);
	return arg;
}

static void sizes(void)
{
	pthread_t threads[NTHREADS];

	test_assert(pthread_barrier_init(&all_in, NULL, NTHREADS) == 0);
	for (int i = 0; i < NTHREADS; i++)
		test_assert(pthread_create(&threads[i], NULL, worker, NULL) == 0);
	for (int i = 0; i < NTHREADS; i++)
		test_assert(pthread_join(threads[i], NULL) == 0);
}

/* A 64 MiB chunk aligned to 64 MiB: twice that reserved, the ends trimmed. */
static __attribute__((noinline)) char *chunk_alloc(void)
{
	char *raw = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t start;

	test_assert(raw != MAP_FAILED);
	start = ((uintptr_t)raw + CHUNK - 1) & ~(CHUNK - 1);
	if (start > (uintptr_t)raw)
		test_assert(munmap(raw, start - (uintptr_t)raw) == 0);
	if ((uintptr_t)raw + 2 * CHUNK > start + CHUNK)
		test_assert(munmap((char *)start + CHUNK,
				   (uintptr_t)raw + 2 * CHUNK - start - CHUNK) == 0);
	return (char *)start;
}

static void aligned(void)
{
	for (int i = 0; i < 2; i++) {
		char *chunk = chunk_alloc();

		memset(chunk, 1, 1 << 20);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	touched = !strcmp(mode, "touched");
	/*
	 * What is resident must not depend on the machine's transparent huge
	 * pages: with "always" (Debian's arm64 kernel), one byte written in
	 * an allocator's 2 MiB extent makes all of it resident.
	 */
	test_assert(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0);
	if (!strcmp(mode, "sizes") || touched)
		sizes();
	else if (!strcmp(mode, "aligned"))
		aligned();
	else
		test_assert(!"usage: allocs sizes|touched|aligned");
	return 0;
}
