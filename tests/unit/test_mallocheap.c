/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of tracer/mallocheap: the walk of this process's own glibc
 * heap, checked against what malloc itself says (mallinfo2), and of
 * hand-made heaps whose every chunk header the test writes: a valid
 * layout, corrupt ones, a long one ending at an unmapped page, and a
 * pid that cannot exist.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "unittest.h"

#include "mallocheap.h"
#include "util.h"

#define PREV_INUSE 0x1ULL
#define IS_MMAPPED 0x2ULL
#define NON_MAIN_ARENA 0x4ULL
#define PAGE 4096UL

/* The start of this process's [heap], or 0. */
static uint64_t heap_mapping_start(void)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	uint64_t start = 0, end;
	char line[512];

	assert_non_null(maps);
	while (fgets(line, sizeof(line), maps)) {
		if (strstr(line, "[heap]") &&
		    sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) != 2)
			start = 0;
	}
	assert_int_equal(fclose(maps), 0);
	return start;
}

/*
 * What the walk sees must be what malloc knows: the bytes in its regular
 * bins (fordblks counts the top chunk and the fastbins too) and their
 * number (ordblks counts the top chunk), the top chunk (keepcost), and
 * all it took from sbrk (arena).  mallinfo2 and the walk allocate nothing.
 */
static void walk_own_heap(uint64_t heap_start, struct mallocheap_info *info)
{
	struct mallinfo2 mi = mallinfo2();
	uint64_t heap_top = (uintptr_t)sbrk(0);

	assert_int_equal(mallocheap_walk(getpid(), heap_start, heap_top, UINT64_MAX, info), 0);
	assert_int_equal(info->size, heap_top - heap_start);
	assert_int_equal(info->size, mi.arena);
	assert_int_equal(info->free_bytes, mi.fordblks - mi.fsmblks - mi.keepcost);
	assert_int_equal(info->free_chunks, mi.ordblks - 1);
	assert_int_equal(info->top_size, mi.keepcost);
	assert_true(info->largest_free <= info->free_bytes);
	assert_true(info->chunks > info->free_chunks);
}

#define NBLOCKS 20000
#define BLOCK 1000
#define LITTLE (64UL * 1024) /* free in a heap of blocks in use: cmocka's and stdio's leftovers */

/*
 * 20000 blocks of 1000 bytes, all freed but the last: about 20 MB free
 * below it, which malloc cannot give back.  Freed, the last one lets
 * malloc trim the top chunk, and the break comes down.
 */
static void test_own_heap(void **state)
{
	static void *blocks[NBLOCKS];
	struct mallocheap_info info;
	uint64_t heap_start, kept;

	(void)state;
	if (unittest_emulator()) {
		print_message("under %s: /proc is the emulator's, not checked\n",
			      unittest_emulator());
		skip();
	}
	if (!MALLOC_IS_GLIBC) {
		print_message("not glibc's malloc (AddressSanitizer): not checked\n");
		skip();
	}
	heap_start = heap_mapping_start();
	assert_true(heap_start != 0); /* cmocka has called malloc */
	assert_int_equal(heap_start % PAGE, 0);

	for (int i = 0; i < NBLOCKS; i++) {
		blocks[i] = malloc(BLOCK);
		assert_non_null(blocks[i]);
	}
	kept = (uintptr_t)blocks[NBLOCKS - 1] - 16;
	walk_own_heap(heap_start, &info);
	assert_true(info.chunks >= NBLOCKS);
	assert_true(info.free_bytes < LITTLE);
	assert_int_equal(info.last_used_addr, kept);
	assert_int_equal(info.last_used_size, malloc_usable_size(blocks[NBLOCKS - 1]) + 8);

	for (int i = 0; i < NBLOCKS - 1; i++)
		free(blocks[i]);
	walk_own_heap(heap_start, &info);
	/* Only the tcache's 7 look in use. */
	assert_true(info.free_bytes >= (uint64_t)(NBLOCKS - 1 - 7) * BLOCK);
	assert_true(info.largest_free >= info.free_bytes / 2);
	assert_true(info.top_size < info.free_bytes / 10);
	assert_int_equal(info.last_used_addr, kept);

	free(blocks[NBLOCKS - 1]);
	walk_own_heap(heap_start, &info);
	assert_true(info.size < (uint64_t)NBLOCKS * BLOCK / 2); /* trimmed */
	assert_true(info.free_bytes < LITTLE);
	assert_true(info.last_used_addr < kept);
}

/*
 * A heap drawn by hand, 16 bytes into a buffer (so that a start 5 bytes
 * in must be rounded up to it).  Each chunk's header: its size, with
 * PREV_INUSE when the chunk before is in use.
 *
 *   0x000 0x030|P in use
 *   0x030 0x040|P free      (0x070 has PREV_INUSE clear)
 *   0x070 0x020   in use
 *   0x090 0x060|P free
 *   0x0f0 0x030   in use    the last one in use
 *   0x120 0x0e0|P top       ends at 0x200
 */
#define SYNTH_BYTES 0x200
#define SYNTH_AT 16

static _Alignas(16) unsigned char synth_buf[SYNTH_AT + SYNTH_BYTES + 64];

static const struct synth_chunk {
	uint64_t offset;
	uint64_t word;
} synth_layout[] = {
	{ 0x000, 0x030 | PREV_INUSE },
	{ 0x030, 0x040 | PREV_INUSE },
	{ 0x070, 0x020 },
	{ 0x090, 0x060 | PREV_INUSE },
	{ 0x0f0, 0x030 },
	{ 0x120, 0x0e0 | PREV_INUSE },
};

static uint64_t synth_heap(void)
{
	unsigned char *heap = synth_buf + SYNTH_AT;

	memset(synth_buf, 0, sizeof(synth_buf));
	for (size_t i = 0; i < ARRAY_SIZE(synth_layout); i++)
		memcpy(heap + synth_layout[i].offset + 8, &synth_layout[i].word, 8);
	return (uintptr_t)heap;
}

static void set_word(uint64_t heap, uint64_t offset, uint64_t word)
{
	memcpy((unsigned char *)(uintptr_t)(heap + offset + 8), &word, 8);
}

static void test_synthetic(void **state)
{
	uint64_t heap = synth_heap(), start = heap - SYNTH_AT + 5;
	struct mallocheap_info info;

	(void)state;
	assert_int_equal(mallocheap_walk(getpid(), start, heap + SYNTH_BYTES, 100, &info), 0);
	assert_int_equal(info.size, SYNTH_BYTES);
	assert_int_equal(info.free_bytes, 0x40 + 0x60);
	assert_int_equal(info.free_chunks, 2);
	assert_int_equal(info.largest_free, 0x60);
	assert_int_equal(info.top_size, 0xe0);
	assert_int_equal(info.last_used_addr, heap + 0xf0);
	assert_int_equal(info.last_used_size, 0x30);
	assert_int_equal(info.chunks, 6);

	/* No chunk in use below the top. */
	set_word(heap, 0x000, 0x120 | PREV_INUSE);
	set_word(heap, 0x120, 0x0e0);
	assert_int_equal(mallocheap_walk(getpid(), heap, heap + SYNTH_BYTES, 100, &info), 0);
	assert_int_equal(info.free_bytes, 0x120);
	assert_int_equal(info.last_used_addr, 0);
	assert_int_equal(info.chunks, 2);

	/* Nothing between the start and the break. */
	assert_int_equal(mallocheap_walk(getpid(), heap, heap, 100, &info), 0);
	assert_int_equal(info.chunks, 0);
	assert_int_equal(info.size, 0);
}

static void test_max_chunks(void **state)
{
	uint64_t heap = synth_heap();
	struct mallocheap_info info;

	(void)state;
	assert_int_equal(mallocheap_walk(getpid(), heap, heap + SYNTH_BYTES, 5, &info), -E2BIG);
	assert_int_equal(mallocheap_walk(getpid(), heap, heap + SYNTH_BYTES, 6, &info), 0);
	assert_int_equal(info.chunks, 6);
}

/*
 * Each a change to the valid layout that makes it -EINVAL: one header,
 * and where a bad size would otherwise land on zeros, a second header
 * there that leads back to the real chunk at 0x0f0, so that only the
 * check named catches it.
 */
static const struct corruption {
	const char *what;
	struct synth_chunk set[2]; /* those whose word is not 0 */
	int64_t top_delta;	   /* moves heap_top */
} corruptions[] = {
	{ "size not a multiple of 16", { { 0x070, 0x028 }, { 0x098, 0x058 | PREV_INUSE } }, 0 },
	{ "size below MINSIZE", { { 0x070, 0x010 }, { 0x080, 0x070 | PREV_INUSE } }, 0 },
	{ "size 0", { { 0x070, 0x000 | PREV_INUSE } }, 0 },
	{ "IS_MMAPPED", { { 0x0f0, 0x030 | IS_MMAPPED } }, 0 },
	{ "NON_MAIN_ARENA", { { 0x0f0, 0x030 | NON_MAIN_ARENA } }, 0 },
	{ "first chunk without PREV_INUSE", { { 0x000, 0x030 } }, 0 },
	{ "top runs past the break", { { 0x120, 0x0f0 | PREV_INUSE } }, 0 },
	{ "break inside the top chunk", { { 0 } }, -0x10 },
	{ "break beyond the top chunk", { { 0 } }, 0x40 },
	{ "break inside the top chunk's header", { { 0 } }, -0xd8 },
};

static void test_corrupt(void **state)
{
	struct mallocheap_info info;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(corruptions); i++) {
		const struct corruption *c = &corruptions[i];
		uint64_t heap = synth_heap();
		uint64_t top = heap + SYNTH_BYTES + (uint64_t)c->top_delta;
		int ret;

		for (size_t j = 0; j < ARRAY_SIZE(c->set); j++) {
			if (c->set[j].word)
				set_word(heap, c->set[j].offset, c->set[j].word);
		}
		ret = mallocheap_walk(getpid(), heap, top, 100, &info);
		if (ret != -EINVAL)
			fail_msg("%s: %d, not -EINVAL", c->what, ret);
	}
	assert_int_equal(mallocheap_walk(getpid(), synth_heap() + 0x10, synth_heap(), 100, &info),
			 -EINVAL);
}

/*
 * 4 MiB of chunks of every size from 32 to 144 bytes, every third free,
 * with a 300 KiB free chunk among them, then one in use and the top
 * chunk, ending just below an unmapped page: many window reads, none past
 * the break.  One page more, and the next header is in that page: -EFAULT.
 */
#define LONG_BYTES (4UL << 20)
#define BIG_AT 20002 /* the 300 KiB chunk's index: a free one */
#define BIG_BYTES (300UL * 1024)

static void test_long_heap(void **state)
{
	unsigned char *area = mmap(NULL, LONG_BYTES + PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t heap = (uintptr_t)area, addr = heap, end = heap + LONG_BYTES;
	uint64_t free_bytes = 0, free_chunks = 0, chunks = 0, prev_inuse = PREV_INUSE;
	struct mallocheap_info info;

	(void)state;
	assert_true(area != MAP_FAILED);
	assert_int_equal(munmap(area + LONG_BYTES, PAGE), 0);
	while (end - addr >= 2 * PAGE) {
		uint64_t size = chunks == BIG_AT ? BIG_BYTES : 32 + 16 * (chunks % 8);
		int is_free = chunks % 3 == 1;

		set_word(addr, 0, size | prev_inuse);
		if (is_free) {
			free_bytes += size;
			free_chunks++;
		}
		prev_inuse = is_free ? 0 : PREV_INUSE;
		chunks++;
		addr += size;
	}
	assert_true(chunks > BIG_AT);
	set_word(addr, 0, 48 | prev_inuse);
	set_word(addr + 48, 0, (end - addr - 48) | PREV_INUSE);

	assert_int_equal(mallocheap_walk(getpid(), heap, end, UINT64_MAX, &info), 0);
	assert_int_equal(info.chunks, chunks + 2);
	assert_int_equal(info.free_bytes, free_bytes);
	assert_int_equal(info.free_chunks, free_chunks);
	assert_int_equal(info.largest_free, BIG_BYTES);
	assert_int_equal(info.top_size, end - addr - 48);
	assert_int_equal(info.last_used_addr, addr);
	assert_int_equal(info.last_used_size, 48);
	assert_int_equal(mallocheap_walk(getpid(), heap, end + PAGE, UINT64_MAX, &info), -EFAULT);
	assert_int_equal(munmap(area, LONG_BYTES), 0);
}

static void test_no_such_pid(void **state)
{
	uint64_t heap = synth_heap();
	struct mallocheap_info info;
	pid_t child;
	int status;

	(void)state;
	assert_int_equal(mallocheap_walk(INT_MAX, heap, heap + SYNTH_BYTES, 100, &info), -ESRCH);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(mallocheap_walk(child, heap, heap + SYNTH_BYTES, 100, &info), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_heap),   cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_max_chunks), cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_long_heap),  cmocka_unit_test(test_no_such_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
