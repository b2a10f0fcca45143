/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * many_maps: a workload for scripts/bench, not a test.
 *
 * Makes COUNT one-page anonymous mappings (default 20000), all live at
 * once, then unmaps them one by one.  With "split" (the default) each
 * mapping's protection differs from its neighbours' (PROT_READ, then
 * PROT_READ|PROT_WRITE), so the kernel keeps COUNT VMAs (vm.max_map_count,
 * 65530 by default, bounds COUNT); with "merge", the kernel merges them
 * into few VMAs while a tracer's model keeps COUNT regions, one per call.
 * The pages are never touched.  With "keep", the mappings are left
 * mapped at the exit (a model of COUNT regions reported: e2e/html).
 *
 * Every call is checked.  The first failure prints file:line, the failed
 * condition and errno, and exits 1; a bad argument exits 2.
 *
 * usage: many_maps [COUNT [split|merge [keep]]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* errno is read in the macro, before fail() can change it. */
#define CHECK(cond)                                             \
	do {                                                    \
		if (!(cond))                                    \
			fail(__FILE__, __LINE__, #cond, errno); \
	} while (0)

static void fail(const char *file, int line, const char *what, int err)
{
	(void)fprintf(stderr, "%s:%d: %s failed: %s\n", file, line, what, strerror(err));
	exit(1);
}

int main(int argc, char **argv)
{
	long count = 20000, page = sysconf(_SC_PAGESIZE);
	int merge = 0, keep = 0;
	void **maps;
	char *end;

	if (argc > 1) {
		count = strtol(argv[1], &end, 10);
		if (*end || count < 1 || count > 10000000) {
			(void)fprintf(stderr, "many_maps: COUNT must be 1..10000000\n");
			return 2;
		}
	}
	if (argc > 2) {
		if (strcmp(argv[2], "merge") && strcmp(argv[2], "split")) {
			(void)fprintf(stderr, "many_maps: split or merge, not '%s'\n", argv[2]);
			return 2;
		}
		merge = !strcmp(argv[2], "merge");
	}
	if (argc > 3) {
		if (strcmp(argv[3], "keep")) {
			(void)fprintf(stderr, "many_maps: keep or nothing, not '%s'\n", argv[3]);
			return 2;
		}
		keep = 1;
	}
	maps = calloc((size_t)count, sizeof(*maps));
	CHECK(maps != NULL);
	for (long i = 0; i < count; i++) {
		int prot = merge || i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;

		maps[i] = mmap(NULL, (size_t)page, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(maps[i] != MAP_FAILED);
	}
	for (long i = 0; i < count && !keep; i++)
		CHECK(munmap(maps[i], (size_t)page) == 0);
	free(maps);
	return 0;
}
