/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The demo program of scripts/demo: a small "service" with the memory
 * habits memtrace exists to explain (docs/design.md, "What it is for"):
 *   - 4 worker threads that malloc at once (glibc gives each a 64 MiB arena),
 *   - 8 threads created and never joined (their stacks stay mapped),
 *   - a loop that maps and unmaps a buffer over and over (churn),
 *   - a brk heap grown by many small blocks and freed all but the last.
 * `memtrace -- demo` names each of them in its report's findings.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NWORKERS 4
#define NFORGOTTEN 8
#define NCHURN 200
#define NBLOCKS 2000

static pthread_barrier_t all_started;

static void *worker_loop(void *arg)
{
	size_t total = 0;

	/* All alive at their first malloc: each gets an arena of its own. */
	pthread_barrier_wait(&all_started);
	for (int i = 0; i < 64; i++) {
		char *block = malloc(4096 + (size_t)i * 64);

		if (!block)
			return NULL;
		memset(block, i, 4096);
		total += 4096;
		free(block);
	}
	*(size_t *)arg = total;
	return NULL;
}

static void *forgotten_thread(void *arg)
{
	(void)arg;
	return NULL;
}

static int churn(void)
{
	for (int i = 0; i < NCHURN; i++) {
		char *buf = mmap(NULL, 256 * 1024, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (buf == MAP_FAILED)
			return -1;
		buf[0] = 1;
		if (munmap(buf, 256 * 1024) != 0)
			return -1;
	}
	return 0;
}

static int fragment_heap(void)
{
	static void *blocks[NBLOCKS];

	for (int i = 0; i < NBLOCKS; i++) {
		blocks[i] = malloc(1000);
		if (!blocks[i])
			return -1;
	}
	for (int i = 0; i < NBLOCKS - 1; i++)
		free(blocks[i]);
	return 0;
}

int main(void)
{
	pthread_t workers[NWORKERS], forgotten[NFORGOTTEN];
	size_t done[NWORKERS] = { 0 };

	if (pthread_barrier_init(&all_started, NULL, NWORKERS) != 0)
		return 1;
	for (int i = 0; i < NWORKERS; i++)
		if (pthread_create(&workers[i], NULL, worker_loop, &done[i]) != 0)
			return 1;
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(workers[i], NULL);
	for (int i = 0; i < NFORGOTTEN; i++)
		if (pthread_create(&forgotten[i], NULL, forgotten_thread, NULL) != 0)
			return 1;
	if (churn() != 0 || fragment_heap() != 0)
		return 1;
	sleep(0);
	printf("demo: %d workers done, %zu bytes each\n", NWORKERS, done[0]);
	return 0;
}
