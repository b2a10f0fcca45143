/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A program run in its own mount namespace, where another build of its
 * library may be mounted over the path the host has one at
 * (tests/e2e/containers.sh): loads LIB, says "ready" on stdout and waits
 * until GO exists (a tracer attaches meanwhile), then maps through it:
 *   mmap(NULL, 27183, ...): mmap <- the build's inner mapper <- lib_map
 *   <- call_lib <- main
 * Usage: contained LIB GO
 */
#include <dlfcn.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define CONTAINED_LEN 27183

static __attribute__((noinline)) void call_lib(void *lib)
{
	void *(*lib_map)(void) = (void *(*)(void))dlsym(lib, "lib_map");
	int (*lib_unmap)(void *) = (int (*)(void *))dlsym(lib, "lib_unmap");
	void *ptr;

	test_assert(lib_map != NULL && lib_unmap != NULL);
	ptr = lib_map();
	test_assert(ptr != MAP_FAILED);
	test_assert(lib_unmap(ptr) == 0);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	const struct timespec tick = { .tv_nsec = 10000000 }; /* 10 ms */
	void *lib;

	test_assert(argc == 3);
	lib = dlopen(argv[1], RTLD_NOW);
	test_assert(lib != NULL);
	printf("ready\n");
	test_assert(fflush(stdout) == 0);
	/* Waits on a condition, not for a time: the test makes GO when it is ready. */
	while (access(argv[2], F_OK) != 0)
		(void)nanosleep(&tick, NULL);
	call_lib(lib);
	printf("ok\n");
	return 0;
}
