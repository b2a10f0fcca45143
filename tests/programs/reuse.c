/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An mmap that reuses what a concurrent munmap frees (tests/e2e/threads.sh):
 * the main thread unmaps a large populated mapping, which takes the kernel
 * a while after the range is free; a second thread, told just before,
 * maps the same size meanwhile, and the kernel gives it the freed place
 * (or another: both are right).  Its exit stop may come before the
 * munmap's: the model must still apply the munmap first.  ROUNDS times.
 * Exits 0.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "testutil.h"

#define LEN (256UL << 20)
#define ROUNDS 8

static atomic_int go;
static void *got[ROUNDS];

static void *mapper(void *arg)
{
	for (int round = 0; round < ROUNDS; round++) {
		while (atomic_load(&go) <= round)
			;
		void *p =
			mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		test_assert(p != MAP_FAILED);
		__atomic_store_n(&got[round], p, __ATOMIC_RELEASE);
	}
	return arg;
}

int main(void)
{
	pthread_t thread;
	int reused = 0;

	test_assert(pthread_create(&thread, NULL, mapper, NULL) == 0);
	for (int round = 0; round < ROUNDS; round++) {
		char *big =
			mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		test_assert(big != MAP_FAILED);
		memset(big, 1, LEN);
		atomic_store(&go, round + 1);
		test_assert(munmap(big, LEN) == 0);
		/* Wait for the mapper's mmap of this round. */
		while (!__atomic_load_n(&got[round], __ATOMIC_ACQUIRE))
			;
		reused += got[round] == big;
		test_assert(munmap(got[round], LEN) == 0);
	}
	test_assert(pthread_join(thread, NULL) == 0);
	return reused >= 0 ? 0 : 1;
}
