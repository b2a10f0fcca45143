/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inline frames and source lines (tests/e2e/inlines.sh and
 * tests/unit/test_srclines.c), built with -O2 -g:
 *   mmap(45678): mmap < map_here (inlined) < middle (inlined) < outer < main,
 *     kept to the end: the report's site
 *   the new thread's stack: mmap < ... < spawn_worker < main
 * map_here() and middle() are always inlined; outer() and spawn_worker()
 * never are.  The "at:" comments mark the lines the tests expect, and the
 * global label inline_marker lies on a nop inside map_here() inlined
 * into middle() inlined into outer(): the unit test looks it up.
 * Exits 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* Global, so that -O2 neither clones nor renames them. */
void *outer(size_t len);
int spawn_worker(void);

static inline __attribute__((always_inline)) void *map_here(size_t len)
{
	void *p;

	__asm__ volatile(".globl inline_marker\ninline_marker: nop"); /* at: marker */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, ANON, -1, 0);     /* at: mmap */
	/* Not a tail call: the frames stay on the stack. */
	__asm__ volatile("" ::: "memory");
	return p;
}

static inline __attribute__((always_inline)) void *middle(size_t len)
{
	void *p = map_here(len); /* at: map_here */

	__asm__ volatile("" ::: "memory");
	return p;
}

__attribute__((noinline)) void *outer(size_t len)
{
	void *p = middle(len); /* at: middle */

	__asm__ volatile("" ::: "memory");
	return p;
}

static void *worker(void *arg)
{
	return arg;
}

__attribute__((noinline)) int spawn_worker(void)
{
	pthread_t thread;
	int err = pthread_create(&thread, NULL, worker, NULL); /* at: pthread_create */

	__asm__ volatile("" ::: "memory");
	return err ? err : pthread_join(thread, NULL);
}

int main(void)
{
	void *p = outer(45678); /* at: outer */

	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (spawn_worker()) { /* at: spawn_worker */
		fputs("pthread_create failed\n", stderr);
		return 1;
	}
	return 0;
}
