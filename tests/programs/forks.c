/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A process tree: fork (the child maps, unmaps and exits 5), vfork + exec
 * of this program in "exec-child" mode, and a clone(CLONE_VM) child that
 * is a process of its own sharing the parent's memory.  Every call's
 * expected line goes to fd 3 with the pid that makes it.
 *
 * forks vfork-wait FILE: says "ready PID", then a vfork child waits until
 * FILE exists while its parent sleeps uninterruptibly (state D) in vfork;
 * then the parent maps and unmaps a page, and exits 0.
 */
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "testutil.h"

#define PAGE 4096UL

static void map_unmap(size_t len)
{
	char *ptr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	test_assert(ptr != MAP_FAILED);
	expect("mmap(NULL, %zu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %p", len,
	       (void *)ptr);
	test_assert(munmap(ptr, len) == 0);
	expect("munmap(%p, %zu) = 0", (void *)ptr, len);
}

static char clone_stack[64 * 1024] __attribute__((aligned(16)));
/* Mapped by the clone(CLONE_VM) child, unmapped by its parent: one memory. */
static char *shared_map;

static int clone_child(void *arg)
{
	(void)arg;
	/* Shares the parent's memory: raw calls only, then a raw exit. */
	map_unmap(3 * PAGE);
	shared_map = mmap(NULL, 16 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	test_assert(shared_map != MAP_FAILED);
	expect("mmap(NULL, %lu, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %p", 16 * PAGE,
	       (void *)shared_map);
	syscall(SYS_exit, 0);
	return 0;
}

static void wait_for(pid_t pid, int want_exit)
{
	int status;

	test_assert(waitpid(pid, &status, __WALL) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == want_exit);
}

int main(int argc, char **argv)
{
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
		map_unmap(4 * PAGE);
		return 6;
	}
	if (argc > 2 && strcmp(argv[1], "vfork-wait") == 0) {
		dprintf(1, "ready %d\n", (int)getpid());
		pid = vfork();
		test_assert(pid >= 0);
		if (pid == 0) {
			/* Only system calls, as a vfork child may make; it dies with its parent. */
			(void)syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			while (access(argv[2], F_OK) != 0)
				(void)syscall(SYS_nanosleep,
					      &(struct timespec){ .tv_nsec = 20000000 }, NULL);
			_exit(0);
		}
		wait_for(pid, 0);
		map_unmap(5 * PAGE);
		return 0;
	}
	map_unmap(PAGE);

	pid = fork();
	test_assert(pid >= 0);
	if (pid == 0) {
		map_unmap(2 * PAGE);
		_exit(5);
	}
	wait_for(pid, 5);

	pid = vfork();
	test_assert(pid >= 0);
	if (pid == 0) {
		execl("/proc/self/exe", argv[0], "exec-child", (char *)NULL);
		_exit(127);
	}
	wait_for(pid, 6);

	/* Its exit signal SIGCHLD: ptrace reports it as a fork, its memory is ours. */
	pid = clone(clone_child, clone_stack + sizeof(clone_stack), CLONE_VM | SIGCHLD, NULL);
	test_assert(pid > 0);
	wait_for(pid, 0);
	test_assert(munmap(shared_map, 16 * PAGE) == 0);
	expect("munmap(%p, %lu) = 0", (void *)shared_map, 16 * PAGE);

	map_unmap(5 * PAGE);
	return 0;
}
