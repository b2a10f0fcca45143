/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Threads created and ended at a high rate, one after another: thread N
 * maps a buffer of a length that encodes N, and unmaps it.  Every call's
 * expected line goes to fd 3.  Says "ready PID" at the start.
 *
 *   threadchurn SECONDS
 *
 * It ends after SECONDS, or sooner on SIGTERM (see longrun.c).
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "testutil.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void *one_call(void *arg)
{
	size_t len = 8192 + (size_t)(unsigned long)arg;
	void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	test_assert(buf != MAP_FAILED);
	expect("mmap(NULL, %zu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %p", len,
	       buf);
	test_assert(munmap(buf, len) == 0);
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec start, now;
	unsigned long count = 0;
	double seconds;

	test_assert(argc == 2);
	seconds = strtod(argv[1], NULL);
	test_assert(signal(SIGTERM, on_term) != SIG_ERR);
	clock_gettime(CLOCK_MONOTONIC, &start);
	dprintf(1, "ready %d\n", (int)getpid());
	do {
		pthread_t thread;

		test_assert(pthread_create(&thread, NULL, one_call, (void *)count) == 0);
		test_assert(pthread_join(thread, NULL) == 0);
		count++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!stop &&
		 (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 <
			 seconds);
	dprintf(1, "ok %lu\n", count);
	return 0;
}
