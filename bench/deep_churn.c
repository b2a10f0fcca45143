/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mmap+munmap pairs made from deep, varied stacks: each pair goes down a
 * path of ten calls chosen by the bits of a counter (left_N or right_N at
 * each level: up to 1024 distinct stacks), then three more frames in
 * libdeep_lib.so, so every stack is 14+ frames deep and crosses into a
 * shared library.
 *
 *   deep_churn [PAIRS [DISTINCT]]    defaults: 100000 1024
 *
 * Exits 0 when every call succeeded, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

int deep_map(size_t len, unsigned int depth);

#define LEVELS 10

static int descend(unsigned int level, unsigned int path);

/* Two call sites per level: which one a pair goes through is its stack. */
static __attribute__((noinline)) int left(unsigned int level, unsigned int path)
{
	int res = descend(level + 1, path);

	__asm__ volatile("" ::: "memory");
	return res;
}

static __attribute__((noinline)) int right(unsigned int level, unsigned int path)
{
	int res = descend(level + 1, path);

	__asm__ volatile("" ::: "memory");
	return res;
}

static __attribute__((noinline)) int descend(unsigned int level, unsigned int path)
{
	int res;

	if (level == LEVELS)
		return deep_map(4096, 2);
	if (path & (1U << level))
		res = right(level, path);
	else
		res = left(level, path);
	__asm__ volatile("" ::: "memory");
	return res;
}

int main(int argc, char **argv)
{
	unsigned long pairs = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	unsigned long distinct = argc > 2 ? strtoul(argv[2], NULL, 10) : 1024;

	if (!distinct || distinct > (1UL << LEVELS)) {
		fprintf(stderr, "deep_churn: DISTINCT must be 1 to %lu\n", 1UL << LEVELS);
		return 2;
	}
	for (unsigned long i = 0; i < pairs; i++) {
		if (descend(0, (unsigned int)(i % distinct)) < 0) {
			fprintf(stderr, "deep_churn: pair %lu failed\n", i);
			return 1;
		}
	}
	return 0;
}
