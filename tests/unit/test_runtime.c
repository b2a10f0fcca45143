/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of tracer/runtime: what the table of allocators and runtimes
 * answers, through the functions its callers use, with glibc's entry the
 * only one: arena windows built in a model (recognized when whole,
 * aligned and MAP_NORESERVE; refused when misaligned, partly covered,
 * inaccessible at their start or not MAP_NORESERVE), the stack cache,
 * where a site ends, and the heap walker.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "aspace.h"
#include "runtime.h"

#define MIB (1ULL << 20)
#define WINDOW (64 * MIB)	  /* glibc's HEAP_MAX_SIZE on 64-bit */
#define ALIGNED 0x7f0004000000ULL /* a multiple of WINDOW */
#define RW (PROT_READ | PROT_WRITE)

static int setup(void **state)
{
	*state = aspace_new();
	return 0;
}

static int teardown(void **state)
{
	aspace_free(*state);
	return 0;
}

static void map(struct aspace *as, uint64_t seq, enum aspace_origin_kind kind, uint64_t start,
		uint64_t len, unsigned int prot, unsigned int flags)
{
	struct aspace_event ev = { .seq = seq, .tid = 100, .kind = kind };
	struct aspace_region tmpl = { .prot = prot, .flags = flags };

	aspace_map(as, &ev, start, len, &tmpl, NULL);
}

static void protect(struct aspace *as, uint64_t seq, uint64_t start, uint64_t len,
		    unsigned int prot)
{
	struct aspace_event ev = { .seq = seq, .tid = 100, .kind = ASPACE_ORIGIN_CALL };

	aspace_protect(as, &ev, start, len, prot, NULL);
}

/* glibc's new_heap: 128 MiB PROT_NONE, the unaligned ends trimmed, 132 KiB made RW. */
static void new_heap(struct aspace *as, uint64_t seq, uint64_t aligned)
{
	struct aspace_event trim = { .seq = seq, .tid = 100, .kind = ASPACE_ORIGIN_CALL };

	map(as, seq, ASPACE_ORIGIN_CALL, aligned - 16 * MIB, 2 * WINDOW, PROT_NONE,
	    ASPACE_NORESERVE);
	aspace_unmap(as, &trim, aligned - 16 * MIB, 16 * MIB, NULL);
	aspace_unmap(as, &trim, aligned + WINDOW, WINDOW - 16 * MIB, NULL);
	protect(as, seq, aligned, 132 * 1024ULL, RW);
}

static enum aspace_kind kind_at(const struct aspace *as, uint64_t addr)
{
	const struct aspace_region *region = aspace_find(as, addr);

	assert_non_null(region);
	return aspace_kind_of(as, region);
}

/* Whether the region at addr lies in an arena; *start: its window's. */
static bool arena_at(const struct aspace *as, uint64_t addr, uint64_t *start)
{
	const struct aspace_region *region = aspace_find(as, addr);
	struct runtime_window win;

	assert_non_null(region);
	if (!runtime_arena(as, region, NULL, &win))
		return false;
	assert_ptr_equal(win.runtime, &runtime_glibc);
	*start = win.start;
	return true;
}

static void test_glibc_heap(void **state)
{
	struct aspace *as = *state;
	uint64_t start = 0;

	new_heap(as, 1, ALIGNED);
	assert_true(arena_at(as, ALIGNED, &start));
	assert_int_equal(start, ALIGNED);
	assert_true(arena_at(as, ALIGNED + WINDOW - 4096, &start));
	assert_int_equal(start, ALIGNED);
	assert_int_equal(kind_at(as, ALIGNED), ASPACE_KIND_ARENA);
	assert_int_equal(kind_at(as, ALIGNED + 32 * MIB), ASPACE_KIND_ARENA);

	/* Found at attach, without MAP_NORESERVE: the shape alone says. */
	map(as, 0, ASPACE_ORIGIN_ATTACH, ALIGNED + 2 * WINDOW, 1 * MIB, RW, 0);
	map(as, 0, ASPACE_ORIGIN_ATTACH, ALIGNED + 2 * WINDOW + MIB, WINDOW - MIB, PROT_NONE, 0);
	assert_int_equal(kind_at(as, ALIGNED + 2 * WINDOW), ASPACE_KIND_ARENA);
}

/* Who made the stacks of test_maker(): 1 the program, 2 malloc's arena code, 3 Go's heap. */
static enum aspace_maker fake_maker(void *ctx, uint32_t stack_id)
{
	(void)ctx;
	switch (stack_id) {
	case 1:
		return ASPACE_MAKER_PROGRAM;
	case 2:
		return ASPACE_MAKER_ARENA;
	case 3:
		return ASPACE_MAKER_HEAP;
	default:
		return ASPACE_MAKER_UNKNOWN;
	}
}

/* The kind of the region at addr, its makers told by fake_maker(), and told by none. */
static void expect_kinds(const struct aspace *as, uint64_t addr, enum aspace_kind told,
			 enum aspace_kind shape)
{
	struct aspace_kind_cache cache = { .maker = fake_maker };
	const struct aspace_region *region = aspace_find(as, addr);

	assert_non_null(region);
	assert_int_equal(aspace_kind_of_cached(as, region, &cache), told);
	assert_int_equal(aspace_kind_of(as, region), shape);
}

/*
 * Kinds come from who made the bytes where the stack tells: the shape of
 * an arena made by the program is no arena; a region holding a thread's
 * stack pointer made by a runtime's heap is that runtime's heap.
 */
static void test_maker(void **state)
{
	struct aspace *as = *state;
	struct aspace_event ev = {
		.seq = 1, .tid = 100, .kind = ASPACE_ORIGIN_CALL, .stack_id = 1
	};
	struct aspace_region heap = { .prot = RW, .flags = ASPACE_NORESERVE };
	struct aspace_region plain = { .prot = RW };

	aspace_map(as, &ev, ALIGNED, WINDOW, &heap, NULL);
	expect_kinds(as, ALIGNED, ASPACE_KIND_ANON, ASPACE_KIND_ARENA);
	ev = (struct aspace_event){ .seq = 2, .tid = 100, .stack_id = 2 };
	aspace_map(as, &ev, ALIGNED + WINDOW, WINDOW, &heap, NULL);
	expect_kinds(as, ALIGNED + WINDOW, ASPACE_KIND_ARENA, ASPACE_KIND_ARENA);
	/* No stack: the shape decides. */
	ev = (struct aspace_event){ .seq = 3, .tid = 100 };
	aspace_map(as, &ev, ALIGNED + 2 * WINDOW, WINDOW, &heap, NULL);
	expect_kinds(as, ALIGNED + 2 * WINDOW, ASPACE_KIND_ARENA, ASPACE_KIND_ARENA);

	ev = (struct aspace_event){ .seq = 4, .tid = 100, .stack_id = 3 };
	aspace_map(as, &ev, ALIGNED + 4 * WINDOW, 4 * MIB, &plain, NULL);
	(void)aspace_set_thread(as, ALIGNED + 4 * WINDOW + MIB, 4242);
	expect_kinds(as, ALIGNED + 4 * WINDOW, ASPACE_KIND_RUNTIME_HEAP, ASPACE_KIND_THREAD_STACK);
	/* A stack the program mapped for its thread: a thread stack. */
	ev = (struct aspace_event){ .seq = 5, .tid = 100, .stack_id = 1 };
	aspace_map(as, &ev, ALIGNED + 6 * WINDOW, 4 * MIB, &plain, NULL);
	(void)aspace_set_thread(as, ALIGNED + 6 * WINDOW + MIB, 4243);
	expect_kinds(as, ALIGNED + 6 * WINDOW, ASPACE_KIND_THREAD_STACK, ASPACE_KIND_THREAD_STACK);
}

/* A window's verdict is kept for a walk: the cached kinds are the uncached ones. */
static void test_cached_walk(void **state)
{
	struct aspace *as = *state;
	struct aspace_kind_cache cache = { 0 };
	struct aspace_cursor cur;
	const struct aspace_region *region;
	size_t arenas = 0;

	new_heap(as, 1, ALIGNED);
	map(as, 2, ASPACE_ORIGIN_CALL, ALIGNED + WINDOW, WINDOW, PROT_NONE, ASPACE_NORESERVE);
	new_heap(as, 3, ALIGNED + 4 * WINDOW);
	aspace_for_each (as, 0, &cur, region) {
		enum aspace_kind kind = aspace_kind_of_cached(as, region, &cache);

		assert_int_equal(kind, aspace_kind_of(as, region));
		arenas += kind == ASPACE_KIND_ARENA;
	}
	assert_int_equal(arenas, 4); /* two regions in each of two windows */
}

static void test_glibc_refused(void **state)
{
	struct aspace *as = *state;
	const uint64_t misaligned = ALIGNED + 4 * WINDOW + 32 * MIB;
	const uint64_t partial = ALIGNED + 8 * WINDOW;
	const uint64_t closed = ALIGNED + 12 * WINDOW;
	const uint64_t block = ALIGNED + 16 * WINDOW;
	struct runtime_window win;

	/* 64 MiB across two windows. */
	map(as, 1, ASPACE_ORIGIN_CALL, misaligned, WINDOW, PROT_NONE, ASPACE_NORESERVE);
	protect(as, 1, misaligned, MIB, RW);
	assert_int_equal(kind_at(as, misaligned), ASPACE_KIND_ANON);
	assert_int_equal(kind_at(as, misaligned + MIB), ASPACE_KIND_ANON);
	assert_false(runtime_arena(as, aspace_find(as, misaligned + MIB), NULL, &win));

	/* Half a window. */
	map(as, 2, ASPACE_ORIGIN_CALL, partial, WINDOW / 2, PROT_NONE, ASPACE_NORESERVE);
	protect(as, 2, partial, MIB, RW);
	assert_int_equal(kind_at(as, partial), ASPACE_KIND_ANON);

	/* A whole window, not accessible at its start (no heap_info there). */
	map(as, 3, ASPACE_ORIGIN_CALL, closed, WINDOW, PROT_NONE, ASPACE_NORESERVE);
	assert_int_equal(kind_at(as, closed), ASPACE_KIND_ANON);

	/* An aligned 64 MiB block malloc mapped for a large request: not MAP_NORESERVE. */
	map(as, 4, ASPACE_ORIGIN_CALL, block, WINDOW, RW, 0);
	assert_int_equal(kind_at(as, block), ASPACE_KIND_ANON);
	assert_false(runtime_arena(as, aspace_find(as, block), NULL, &win));
}

/* A window partly covered by a region that may not be part of a heap is none. */
static void test_glibc_mixed(void **state)
{
	struct aspace *as = *state;
	struct aspace_region shared = { .prot = RW, .flags = ASPACE_SHARED | ASPACE_NORESERVE };
	struct aspace_event ev = { .seq = 2, .tid = 100, .kind = ASPACE_ORIGIN_CALL };

	new_heap(as, 1, ALIGNED);
	aspace_map(as, &ev, ALIGNED + WINDOW - MIB, MIB, &shared, NULL);
	assert_int_equal(kind_at(as, ALIGNED), ASPACE_KIND_ANON);
	assert_int_equal(kind_at(as, ALIGNED + WINDOW - MIB), ASPACE_KIND_SHARED);
}

static void test_stack_cache(void **state)
{
	(void)state;
	assert_string_equal(runtime_glibc.name, "glibc");
	assert_int_equal(runtime_glibc.stack_cache_bytes, 40 * MIB);
	assert_int_equal(runtime_stack_cache_bytes(), 40 * MIB);
}

static void test_site_ends(void **state)
{
	(void)state;
	assert_true(runtime_site_end("main", 4));
	assert_true(runtime_site_end("start_thread", 12));
	/* The name is len bytes, not up to a NUL: a frame's text goes on past it. */
	assert_true(runtime_site_end("main+0x1f (prog)", 4));
	assert_false(runtime_site_end("main_loop", 9));
	assert_false(runtime_site_end("mai", 3));
	assert_false(runtime_site_end("start_thread", 5));
	assert_false(runtime_site_end("", 0));
}

#define OWN(module, name) (runtime_frame_runtime(module, name, own_len(name)) != NULL)

static size_t own_len(const char *name)
{
	return name ? strlen(name) : 0;
}

/*
 * An allocator's or a runtime's own frames: by the start of their file's
 * name, or by their own: a prefix where the pattern ends in '.', ':', '_'
 * or '/', else the whole name.
 */
static void test_frame_own(void **state)
{
	(void)state;
	assert_true(OWN("libjemalloc.so.2", NULL));
	assert_true(OWN("libtcmalloc_minimal.so.4", "malloc"));
	assert_true(OWN("libc.so.6", "mmap"));
	assert_true(OWN("libc-2.31.so", NULL));
	assert_true(OWN("ld-2.31.so", NULL));
	assert_true(OWN("redis-server", "je_malloc_default"));
	assert_true(OWN(NULL, "runtime.mallocgc"));
	assert_true(OWN("java", "os::commit_memory"));
	/* A static glibc's malloc, by name. */
	assert_true(OWN("prog", "sysmalloc"));
	assert_false(OWN("prog", "main"));
	assert_false(OWN("libjemallocator.so", "f"));
	assert_false(OWN(NULL, "runtimes"));
	assert_false(OWN("libc-client.so.2007e", "f"));
	/* Whole names are whole: a program's new_heap_for_x is not glibc's. */
	assert_false(OWN("prog", "new_heap_for_x"));
	assert_false(OWN("prog", "mallocx"));
	/* The name is len bytes: "je_" is not all there. */
	assert_null(runtime_frame_runtime(NULL, "je_malloc", 2));
	assert_null(runtime_frame_runtime(NULL, NULL, 0));
}

/* The system calls' wrappers: libc's by name, Go's syscall package. */
static void test_wrappers(void **state)
{
	(void)state;
	assert_true(runtime_frame_wrapper("mmap", 4));
	assert_true(runtime_frame_wrapper("__mmap64", 8));
	assert_true(runtime_frame_wrapper("syscall.Mmap", 12));
	assert_true(runtime_frame_wrapper("golang.org/x/sys/unix.Mmap", 26));
	assert_false(runtime_frame_wrapper("mmap_file", 9));
	assert_false(runtime_frame_wrapper("main.inner", 10));
	assert_false(runtime_frame_wrapper(NULL, 0));
}

/* A hand-made heap: a free chunk, one in use, the top chunk. */
static void test_heap_walk(void **state)
{
	alignas(16) uint64_t heap[12] = { 0 };
	uint64_t start = (uintptr_t)heap, top = start + sizeof(heap);
	struct mallocheap_info info;

	(void)state;
	heap[1] = 0x20 | 1; /* mchunk_size, PREV_INUSE: the first chunk */
	heap[5] = 0x20;	    /* the chunk before it is free */
	heap[9] = 0x20 | 1;
	assert_int_equal(runtime_heap_walk(getpid(), start, top, 100, &info), 0);
	assert_int_equal(info.chunks, 3);
	assert_int_equal(info.free_bytes, 0x20);
	assert_int_equal(info.free_chunks, 1);
	assert_int_equal(info.last_used_addr, start + 0x20);
	assert_int_equal(info.top_size, 0x20);

	heap[5] = 0x18; /* below MINSIZE: not glibc's */
	assert_int_equal(runtime_heap_walk(getpid(), start, top, 100, &info), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_glibc_heap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cached_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glibc_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glibc_mixed, setup, teardown),
		cmocka_unit_test(test_stack_cache),
		cmocka_unit_test(test_site_ends),
		cmocka_unit_test(test_frame_own),
		cmocka_unit_test(test_wrappers),
		cmocka_unit_test_setup_teardown(test_maker, setup, teardown),
		cmocka_unit_test(test_heap_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
