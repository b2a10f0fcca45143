/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library of the contained program, in two builds with one file name
 * (tests/e2e/containers.sh): the host's (CONTAINED_BUILD 1, functions
 * named alpha_*) and the container's (2, beta_*), mounted over the
 * host's path inside the container.  Their layouts differ, so that an
 * offset of the one falls in a function of the other: a name read from
 * the wrong build is a wrong name, never just a missing one.  The inner
 * mappers are static: only .symtab names them, so that a stripped copy
 * is named only from its separate debug file.
 */
#include <stddef.h>
#include <sys/mman.h>

#define CONTAINED_LEN 27183

void *lib_map(void);
int lib_unmap(void *ptr);

#if CONTAINED_BUILD == 1
int alpha_pad1(int arg);

__attribute__((noinline)) int alpha_pad1(int arg)
{
	volatile int sum = 0;

	for (int i = 0; i < arg; i++)
		sum += i * arg + (sum >> 3);
	return sum;
}

static __attribute__((noinline)) void *alpha_inner_mapper(void)
{
	void *ptr = mmap(NULL, CONTAINED_LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	__asm__ volatile("" ::: "memory");
	return ptr;
}
#define INNER_MAPPER alpha_inner_mapper
#else
int beta_pad(int arg);

static __attribute__((noinline)) void *beta_inner_mapper(void)
{
	void *ptr = mmap(NULL, CONTAINED_LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	__asm__ volatile("" ::: "memory");
	return ptr;
}

__attribute__((noinline)) int beta_pad(int arg)
{
	volatile int sum = 0;

	for (int i = 0; i < arg; i++)
		sum += i * arg;
	return sum;
}
#define INNER_MAPPER beta_inner_mapper
#endif

__attribute__((noinline)) void *lib_map(void)
{
	void *ptr = INNER_MAPPER();

	__asm__ volatile("" ::: "memory");
	return ptr;
}

__attribute__((noinline)) int lib_unmap(void *ptr)
{
	int ret = munmap(ptr, CONTAINED_LEN);

	__asm__ volatile("" ::: "memory");
	return ret;
}
