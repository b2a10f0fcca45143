/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A static executable's stacks (tests/e2e/static.sh), built with glibc
 * (-static) and with musl (musl-gcc -static), without frame pointers:
 *   mmap(12345): mmap <- inner <- outer <- main
 *   mmap(23456): mmap <- main, the wrapper's caller not skipped
 *   munmap(12345): munmap <- main
 * Such executables have .eh_frame but no .eh_frame_hdr, and musl's own
 * functions have no unwind information at all.  Built dynamic without
 * unwind tables, it has the same stacks from .debug_frame
 * (tests/e2e/debug_frame.sh).  Exits 0.
 */
#include <stdio.h>
#include <sys/mman.h>

static __attribute__((noinline)) void *inner(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	/* Not a tail call: inner stays on the stack. */
	__asm__ volatile("" ::: "memory");
	return p;
}

static __attribute__((noinline)) void *outer(size_t len)
{
	void *p = inner(len);

	__asm__ volatile("" ::: "memory");
	return p;
}

int main(void)
{
	void *a = outer(12345);
	void *b = mmap(NULL, 23456, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (a == MAP_FAILED || b == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (munmap(a, 12345) != 0) {
		perror("munmap");
		return 1;
	}
	return 0;
}
