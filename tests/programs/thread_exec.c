/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A thread other than the leader calls execve: the kernel kills the other
 * threads and the exec'ing thread takes the leader's tid (ptrace(2),
 * "execve(2) under ptrace").
 *
 *   thread_exec [idle|busy|leader]
 *     the leader sleeps (idle) or maps and unmaps in a loop (busy, so that
 *     it is likely inside a memory call when it is killed); a second
 *     thread maps 7 pages, then exec's this program in "after" mode, which
 *     maps 9 pages under the same pid and exits 0.  With leader, no thread:
 *     the leader maps 20 MiB, unmaps half of it, and exec's.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "testutil.h"

#define PAGE 4096UL
#define MIB (1UL << 20)

static char *self_path;

static void *execer(void *arg)
{
	char *ptr = mmap(NULL, 7 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	test_assert(ptr != MAP_FAILED);
	expect("mmap(NULL, %lu, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %p", 7 * PAGE,
	       (void *)ptr);
	execl("/proc/self/exe", self_path, "after", (char *)NULL);
	test_assert(!"execl");
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;
	char *ptr;

	if (argc > 1 && strcmp(argv[1], "after") == 0) {
		ptr = mmap(NULL, 9 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		test_assert(ptr != MAP_FAILED);
		expect("mmap(NULL, %lu, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %p",
		       9 * PAGE, (void *)ptr);
		dprintf(1, "after exec: pid %d tid %d\n", (int)getpid(), (int)test_gettid());
		return 0;
	}
	self_path = argv[0];
	dprintf(1, "before exec: pid %d\n", (int)getpid());
	if (argc > 1 && strcmp(argv[1], "leader") == 0) {
		for (int i = 0; i < 20; i++) {
			ptr = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
			test_assert(ptr != MAP_FAILED);
			ptr[0] = 1;
			if (i % 2)
				test_assert(munmap(ptr, MIB) == 0);
		}
		execl("/proc/self/exe", self_path, "after", (char *)NULL);
		test_assert(!"execl");
	}
	test_assert(pthread_create(&thread, NULL, execer, NULL) == 0);
	if (argc > 1 && strcmp(argv[1], "busy") == 0) {
		for (;;) {
			ptr = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			test_assert(ptr != MAP_FAILED);
			test_assert(munmap(ptr, PAGE) == 0);
		}
	}
	for (;;)
		pause();
}
