/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One memory habit per mode, for the report's findings (tests/e2e/report.sh):
 *
 *   arenas    8 threads malloc at once: 8 glibc arenas, by worker_alloc
 *   unjoined  10 joinable threads, named exiter-N, exit and are never joined
 *   threads   8 threads (or argv[2]), named sleeper-N, alive at exit (their
 *             stacks are no leak)
 *   churn     500 mmap/munmap pairs in churn_buffer
 *   brkfrag   20000 small blocks from the brk heap, all freed but the last
 *   reserve   1 GiB PROT_NONE reserved by reserve_space, never touched
 *   deleted   a file mapped, then deleted
 *   clean     a few mappings and blocks: nothing to find
 *   leader    main calls pthread_exit; a thread then maps and touches 16 MiB
 *             and ends the process (no smaps line: the leader is a zombie)
 *
 * With FINDINGS_STOP=1, each stops itself at its end (see finish()).
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "testutil.h"

#define NARENA_THREADS 8
#define NUNJOINED 10
#define NALIVE 8
#define NCHURN 500
#define NBLOCKS 20000

static pthread_barrier_t all_in;

/* Noinline: the report must name these functions. */
static __attribute__((noinline)) void *worker_alloc(size_t size)
{
	void *block = malloc(size);

	test_assert(block);
	memset(block, 1, size);
	return block;
}

static void *worker_main(void *arg)
{
	void *block;

	(void)arg;
	/* All of them alive at their first malloc: each gets an arena of its own. */
	pthread_barrier_wait(&all_in);
	block = worker_alloc(1000);
	pthread_barrier_wait(&all_in);
	free(block);
	return NULL;
}

/* Names the calling thread prefix-N, N its place in spawn_workers() (arg). */
static void name_self(const char *prefix, void *arg)
{
	char name[16];

	(void)snprintf(name, sizeof(name), "%s-%u", prefix, (unsigned int)(uintptr_t)arg);
	test_assert(pthread_setname_np(pthread_self(), name) == 0);
}

static void *exits_at_once(void *arg)
{
	name_self("exiter", arg);
	return NULL;
}

static void *stays_alive(void *arg)
{
	name_self("sleeper", arg);
	pthread_barrier_wait(&all_in);
	for (;;)
		pause();
	return NULL;
}

static __attribute__((noinline)) void spawn_workers(pthread_t *threads, size_t n,
						    void *(*fn)(void *))
{
	for (size_t i = 0; i < n; i++)
		test_assert(pthread_create(&threads[i], NULL, fn, (void *)(uintptr_t)i) == 0);
}

/* Waits until the process has only its main thread (60 s at most: a hang, not a slow machine). */
static void wait_alone(void)
{
	for (int i = 0; i < 6000; i++) {
		char buf[4096];
		int fd = open("/proc/self/status", O_RDONLY);
		ssize_t len;
		const char *threads;

		test_assert(fd >= 0);
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		test_assert(len > 0);
		buf[len] = '\0';
		threads = strstr(buf, "Threads:\t");
		test_assert(threads);
		if (atoi(threads + 9) == 1)
			return;
		usleep(10000);
	}
	test_assert(!"threads did not exit");
}

static __attribute__((noinline)) void churn_buffer(void)
{
	for (int i = 0; i < NCHURN; i++) {
		char *buf = mmap(NULL, 64 * 1024, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		test_assert(buf != MAP_FAILED);
		buf[0] = (char)i;
		test_assert(munmap(buf, 64 * 1024) == 0);
	}
}

/* The last thread: maps, touches, then the process ends with it. */
static void *after_the_leader(void *arg)
{
	char *mem;

	(void)arg;
	usleep(50000);
	mem = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	test_assert(mem != MAP_FAILED);
	memset(mem, 1, 16 << 20);
	return NULL;
}

static __attribute__((noinline)) void *reserve_space(size_t len)
{
	void *mem = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	test_assert(mem != MAP_FAILED);
	return mem;
}

/*
 * The end of every mode.  With FINDINGS_STOP=1 in its environment, the
 * program says "stopping PID" on stdout and stops itself with SIGSTOP:
 * while nothing in it runs, the test reads /proc/PID/smaps_rollup and has
 * memtrace print its report (SIGUSR1), so that both read the same pages,
 * then continues it with SIGCONT.  (Read at different moments, the two
 * differ by whatever the program touches in between: each fault on a file
 * maps the 64 KiB around it, mm/filemap.c do_fault_around.)
 */
static int finish(void)
{
	const char *stop = getenv("FINDINGS_STOP");

	if (stop && strcmp(stop, "1") == 0) {
		dprintf(1, "stopping %d\n", (int)getpid());
		test_assert(raise(SIGSTOP) == 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t threads[64];
	const char *mode = argc > 1 ? argv[1] : "";

	/*
	 * No transparent huge pages from here on: where they are on for every
	 * mapping (enabled=always), a touched page brings the 2 MiB around it
	 * when the kernel finds a free huge page, which a busy machine may or
	 * may not have, so two runs would differ in resident bytes (the
	 * tests compare runs with memtrace diff).
	 */
	(void)prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	if (!strcmp(mode, "arenas")) {
		test_assert(pthread_barrier_init(&all_in, NULL, NARENA_THREADS) == 0);
		spawn_workers(threads, NARENA_THREADS, worker_main);
		for (int i = 0; i < NARENA_THREADS; i++)
			test_assert(pthread_join(threads[i], NULL) == 0);
	} else if (!strcmp(mode, "unjoined")) {
		spawn_workers(threads, NUNJOINED, exits_at_once);
		wait_alone();
	} else if (!strcmp(mode, "threads")) {
		int alive = argc > 2 ? atoi(argv[2]) : NALIVE;

		test_assert(alive > 0 && alive <= 64);
		test_assert(pthread_barrier_init(&all_in, NULL, (unsigned int)alive + 1) == 0);
		spawn_workers(threads, (size_t)alive, stays_alive);
		pthread_barrier_wait(&all_in);
	} else if (!strcmp(mode, "churn")) {
		churn_buffer();
	} else if (!strcmp(mode, "brkfrag")) {
		static char *blocks[NBLOCKS];

		for (int i = 0; i < NBLOCKS; i++) {
			blocks[i] = malloc(1000);
			test_assert(blocks[i]);
			memset(blocks[i], 1, 1000);
		}
		for (int i = 0; i < NBLOCKS - 1; i++)
			free(blocks[i]);
	} else if (!strcmp(mode, "reserve")) {
		(void)reserve_space(1ULL << 30);
	} else if (!strcmp(mode, "deleted")) {
		char path[] = "/tmp/memtrace-findings-XXXXXX";
		int fd = mkstemp(path);
		char *map;

		test_assert(fd >= 0);
		test_assert(ftruncate(fd, 1 << 20) == 0);
		map = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		test_assert(map != MAP_FAILED);
		memset(map, 1, 1 << 20);
		test_assert(unlink(path) == 0);
		close(fd);
	} else if (!strcmp(mode, "leader")) {
		spawn_workers(threads, 1, after_the_leader);
		pthread_exit(NULL);
	} else if (!strcmp(mode, "clean")) {
		char *block = malloc(100000);
		char *map = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);

		test_assert(block && map != MAP_FAILED);
		memset(block, 1, 100000);
		memset(map, 1, 1 << 20);
	} else {
		dprintf(2, "usage: findings arenas|unjoined|threads|churn|brkfrag|reserve|deleted|"
			   "clean|leader\n");
		return 2;
	}
	return finish();
}
