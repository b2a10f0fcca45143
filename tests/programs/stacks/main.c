/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stacks with known frames, for the stack tests:
 *   mmap(12345): mmap <- map_it <- f3 <- f2 <- f1 <- f0 <- main
 *   mmap(23456): mmap <- plugin_map (libstackplugin.so, dlopen'ed) <- main
 *   mmap(45678): mmap <- plugin_keep <- main, kept after the dlclose
 *   a thread's first malloc: glibc's arena mmap(134217728) <- ... <- malloc
 *     <- thread_alloc <- start_thread
 * Usage: stacks PLUGIN_PATH
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "chain.h"
#include "../testutil.h"

/* Where the thread's block goes, so the compiler cannot drop the malloc. */
static void *volatile kept;

static __attribute__((noinline)) void *thread_alloc(void *arg)
{
	kept = malloc(1000);
	__asm__ volatile("" ::: "memory");
	free(kept);
	return arg;
}

int main(int argc, char **argv)
{
	int (*plugin_map)(void);
	void *(*plugin_keep)(void);
	pthread_t thread;
	void *lib;

	test_assert(argc == 2);
	test_assert(f0(CHAIN_LEN) == 5);
	lib = dlopen(argv[1], RTLD_NOW);
	test_assert(lib != NULL);
	plugin_map = (int (*)(void))dlsym(lib, "plugin_map");
	test_assert(plugin_map != NULL);
	test_assert(plugin_map() == 1);
	plugin_keep = (void *(*)(void))dlsym(lib, "plugin_keep");
	test_assert(plugin_keep != NULL);
	test_assert(plugin_keep() != MAP_FAILED);
	test_assert(dlclose(lib) == 0);
	test_assert(pthread_create(&thread, NULL, thread_alloc, NULL) == 0);
	test_assert(pthread_join(thread, NULL) == 0);
	return 0;
}
