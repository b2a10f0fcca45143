/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A library replaced at its path while the program runs, as a package
 * upgrade does: loads LIB and maps through it, unloads it, renames NEXT
 * over LIB (a new file at the same path) and does the same again.
 *   mmap(31415): mmap <- reload_map (LIB, first build) <- load_and_map <- main
 *   the same through the second build
 * Prints each call on fd 3.
 * Usage: reload LIB NEXT
 */
#include <dlfcn.h>
#include <stdio.h>
#include <sys/mman.h>

#include "testutil.h"

#define RELOAD_LEN 31415

static __attribute__((noinline)) void load_and_map(const char *path)
{
	void *(*reload_map)(void);
	int (*reload_unmap)(void *);
	void *lib, *ptr;

	lib = dlopen(path, RTLD_NOW);
	test_assert(lib != NULL);
	reload_map = (void *(*)(void))dlsym(lib, "reload_map");
	reload_unmap = (int (*)(void *))dlsym(lib, "reload_unmap");
	test_assert(reload_map != NULL && reload_unmap != NULL);
	ptr = reload_map();
	test_assert(ptr != MAP_FAILED);
	expect("mmap(NULL, %d, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %p", RELOAD_LEN, ptr);
	test_assert(reload_unmap(ptr) == 0);
	expect("munmap(%p, %d) = 0", ptr, RELOAD_LEN);
	test_assert(dlclose(lib) == 0);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	test_assert(argc == 3);
	load_and_map(argv[1]);
	test_assert(rename(argv[2], argv[1]) == 0);
	load_and_map(argv[1]);
	return 0;
}
