/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/mman.h>

#include "chain.h"

/* A static function: only .symtab (or a debug file) knows its name. */
static __attribute__((noinline)) int map_it(size_t len)
{
	void *ptr = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	__asm__ volatile("" ::: "memory");
	if (ptr == MAP_FAILED)
		return -1;
	return munmap(ptr, len) == 0 ? 1 : -1;
}

__attribute__((noinline)) int f3(size_t len)
{
	int res = map_it(len);

	__asm__ volatile("" ::: "memory");
	return res + 1;
}
