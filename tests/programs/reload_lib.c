/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library the reload program loads twice at one path.  Two builds of
 * it (RELOAD_BUILD 1 and 2) have two build-ids and two layouts: the
 * second has a function before reload_map, so reload_map lies at another
 * offset, and only its own symbols name it there.
 */
#include <stddef.h>
#include <sys/mman.h>

#define RELOAD_LEN 31415

void *reload_map(void);
int reload_unmap(void *ptr);

#if RELOAD_BUILD == 2
int reload_pad(int arg);

__attribute__((noinline)) int reload_pad(int arg)
{
	volatile int sum = 0;

	for (int i = 0; i < arg; i++)
		sum += i * arg;
	return sum;
}
#endif

__attribute__((noinline)) void *reload_map(void)
{
	void *ptr = mmap(NULL, RELOAD_LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	__asm__ volatile("" ::: "memory");
	return ptr;
}

__attribute__((noinline)) int reload_unmap(void *ptr)
{
	int ret = munmap(ptr, RELOAD_LEN);

	__asm__ volatile("" ::: "memory");
	return ret;
}
