/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A shared library the stacks program dlopens, calls and dlcloses. */
#include <stddef.h>
#include <sys/mman.h>

#define PLUGIN_LEN 23456

int plugin_map(void);
void *plugin_keep(void);

__attribute__((noinline)) int plugin_map(void)
{
	void *ptr = mmap(NULL, PLUGIN_LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	__asm__ volatile("" ::: "memory");
	if (ptr == MAP_FAILED)
		return -1;
	return munmap(ptr, PLUGIN_LEN) == 0 ? 1 : -1;
}

/* A mapping that outlives the library: made here, kept after dlclose. */
__attribute__((noinline)) void *plugin_keep(void)
{
	void *ptr = mmap(NULL, 45678, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	__asm__ volatile("" ::: "memory");
	return ptr;
}
