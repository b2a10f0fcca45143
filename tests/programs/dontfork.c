/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * MADV_DONTFORK: the child of a fork does not get the region, so a
 * model copied from its parent's has a region the child lacks.  The
 * child then maps and moves memory into that hole.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include "testutil.h"

#define PAGE 4096UL

int main(void)
{
	char *kept =
		mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	test_assert(kept != MAP_FAILED);
	test_assert(madvise(kept, 64 * PAGE, MADV_DONTFORK) == 0);
	pid = fork();
	test_assert(pid >= 0);
	if (pid == 0) {
		char *small = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
		char *grown;

		test_assert(small != MAP_FAILED);
		grown = mremap(small, PAGE, 64 * PAGE, MREMAP_MAYMOVE);
		test_assert(grown != MAP_FAILED);
		_exit(0);
	}
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}
