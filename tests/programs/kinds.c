/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Regions of every kind, for --regions: prints on stdout one line per
 * fact the test checks against memtrace's model.
 *
 *   kind ADDR NAME    the region holding ADDR is of kind NAME
 *   stack ADDR TID    the region holding ADDR is the stack of thread TID
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "testutil.h"

#define NTHREADS 3
#define PAGE 4096UL

static pthread_barrier_t all_reported;

static void *worker(void *arg)
{
	volatile int local = 0;

	(void)arg;
	dprintf(1, "stack %p %d\n", (void *)&local, (int)test_gettid());
	/* Stay alive until every thread has said where its stack is. */
	pthread_barrier_wait(&all_reported);
	return NULL;
}

int main(void)
{
	pthread_t threads[NTHREADS];
	volatile int local = 0;
	char path[] = "/tmp/memtrace-kinds-XXXXXX";
	void *shared, *data, *heap;
	int fd;

	dprintf(1, "kind %p main stack\n", (void *)&local);
	dprintf(1, "kind %p ELF file\n", (void *)main);

	shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	test_assert(shared != MAP_FAILED);
	dprintf(1, "kind %p shared memory\n", shared);

	fd = mkstemp(path);
	test_assert(fd >= 0 && ftruncate(fd, PAGE) == 0);
	data = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	test_assert(data != MAP_FAILED);
	test_assert(unlink(path) == 0 && close(fd) == 0);
	dprintf(1, "kind %p data file\n", data);

	heap = (void *)syscall(SYS_brk, 0);
	test_assert(syscall(SYS_brk, (char *)heap + 2 * PAGE) == (long)((char *)heap + 2 * PAGE));
	dprintf(1, "kind %p brk heap\n", heap);

	test_assert(pthread_barrier_init(&all_reported, NULL, NTHREADS + 1) == 0);
	for (int i = 0; i < NTHREADS; i++)
		test_assert(pthread_create(&threads[i], NULL, worker, NULL) == 0);
	pthread_barrier_wait(&all_reported);
	for (int i = 0; i < NTHREADS; i++)
		test_assert(pthread_join(threads[i], NULL) == 0);
	return 0;
}
