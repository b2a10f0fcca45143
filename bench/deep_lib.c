/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The shared library of bench/deep_churn: the last frames of every stack
 * lie here, so unwinding crosses from the program into a library.
 */
#include <stddef.h>
#include <sys/mman.h>

int deep_map(size_t len, unsigned int depth);

static __attribute__((noinline)) int deep_leaf(size_t len)
{
	void *ptr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	__asm__ volatile("" ::: "memory");
	if (ptr == MAP_FAILED)
		return -1;
	return munmap(ptr, len) == 0 ? 1 : -1;
}

__attribute__((noinline)) int deep_map(size_t len, unsigned int depth)
{
	int res = depth ? deep_map(len, depth - 1) : deep_leaf(len);

	__asm__ volatile("" ::: "memory");
	return res < 0 ? res : res + 1;
}
