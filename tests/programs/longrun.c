/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A multi-threaded program that runs for a while and checks its own work,
 * for attach mode: memtrace attaches while it runs and detaches before it
 * ends; it must finish with correct results and exit 0.
 *
 *   longrun SECONDS [THREADS [leaderless]]
 *
 * Each thread maps a buffer of a length unique to (thread, iteration),
 * fills it, checks a checksum, and unmaps it; every call's expected line
 * goes to fd 3 ("[pid/tid] mmap(NULL, LEN, ...) = ADDR").  Says "ready PID"
 * on stdout once every thread runs; "ok N" at the end, N the iterations.
 * It ends after SECONDS, or sooner on SIGTERM: each thread finishes its
 * iteration, and the program exits 0 as if its time were up.  Tests end
 * it with SIGTERM once they have seen what they wait for, so that no test
 * depends on how much a loaded machine gets done in SECONDS.  leaderless:
 * the main thread calls pthread_exit once the others run (a zombie leader
 * with threads running on), and a last thread joins them and exits.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "testutil.h"

#define MAX_THREADS 16

static double seconds;
static pthread_barrier_t started;
static unsigned long iterations[MAX_THREADS];
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	unsigned long idx = (unsigned long)arg;
	char name[16];
	double end;

	/* Named, for the attach test: its stack is known as "worker-IDX". */
	(void)snprintf(name, sizeof(name), "worker-%lu", idx);
	test_assert(pthread_setname_np(pthread_self(), name) == 0);
	pthread_barrier_wait(&started);
	end = now() + seconds;
	while (!stop && now() < end) {
		/* Unique per thread and iteration: the test can pair every line. */
		size_t len = 8192 + idx * 1000000 + iterations[idx] % 999983;
		unsigned char *buf =
			mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t sum = 0, want = 0;

		test_assert(buf != MAP_FAILED);
		expect("mmap(NULL, %zu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
		       "%p",
		       len, (void *)buf);
		for (size_t i = 0; i < len; i += 512) {
			buf[i] = (unsigned char)(i * 7 + idx);
			want += (unsigned char)(i * 7 + idx);
		}
		for (size_t i = 0; i < len; i += 512)
			sum += buf[i];
		test_assert(sum == want);
		test_assert(munmap(buf, len) == 0);
		expect("munmap(%p, %zu) = 0", (void *)buf, len);
		iterations[idx]++;
		{
			struct timespec pause = { 0, 2000000 };

			nanosleep(&pause, NULL);
		}
	}
	return NULL;
}

static pthread_t threads[MAX_THREADS];
static unsigned long nthreads;

static void *finish(void *arg)
{
	unsigned long total = 0;

	for (unsigned long i = 0; i < nthreads; i++) {
		test_assert(pthread_join(threads[i], NULL) == 0);
		total += iterations[i];
	}
	dprintf(1, "ok %lu\n", total);
	(void)arg;
	exit(0);
}

int main(int argc, char **argv)
{
	bool leaderless = argc > 3 && strcmp(argv[3], "leaderless") == 0;
	pthread_t finisher;

	nthreads = argc > 2 ? strtoul(argv[2], NULL, 10) : 4;
	test_assert(argc >= 2 && nthreads >= 1 && nthreads <= MAX_THREADS);
	seconds = strtod(argv[1], NULL);
	test_assert(signal(SIGTERM, on_term) != SIG_ERR);
	test_assert(pthread_barrier_init(&started, NULL, (unsigned int)nthreads + 1) == 0);
	for (unsigned long i = 0; i < nthreads; i++)
		test_assert(pthread_create(&threads[i], NULL, worker, (void *)i) == 0);
	pthread_barrier_wait(&started);
	if (leaderless) {
		test_assert(pthread_create(&finisher, NULL, finish, NULL) == 0);
		dprintf(1, "ready %d\n", (int)getpid());
		pthread_exit(NULL);
	}
	dprintf(1, "ready %d\n", (int)getpid());
	finish(NULL);
}
