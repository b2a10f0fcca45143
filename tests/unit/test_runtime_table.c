/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of how tracer/runtime.c asks a table of several runtimes
 * about arena windows: each whose window could hold a region in turn,
 * until one says its window is an arena; and the walk's cache, which
 * keeps each runtime's verdict on its window.  runtime.c is compiled in
 * here, to ask its table walk of a table of two made-up runtimes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* The table walk is static: compiled in, on purpose. */
/* NOLINTNEXTLINE(bugprone-suspicious-include) */
#include "../../tracer/runtime.c"

#define MIB (1ULL << 20)

/* The made-up runtimes: windows of 1 MiB and of 4 MiB, each aligned to its size. */
static struct {
	uint64_t first_arena;  /* the one 1 MiB window the first calls an arena; 0: none */
	uint64_t second_other; /* the one 4 MiB window the second does not; 0: none */
	unsigned int first_asked, second_asked; /* arena_at() calls */
} fake;

static bool window_of(const struct aspace_region *region, uint64_t size, struct runtime_window *win)
{
	uint64_t start = region->start & ~(size - 1);

	if (region->end > start + size)
		return false;
	win->start = start;
	win->end = start + size;
	return true;
}

static bool first_window(const struct aspace_region *region, const struct aspace_kind_cache *cache,
			 struct runtime_window *win)
{
	(void)cache;
	return window_of(region, MIB, win);
}

static bool first_at(const struct aspace *as, const struct aspace_kind_cache *cache,
		     const struct runtime_window *win)
{
	(void)as;
	(void)cache;
	fake.first_asked++;
	return win->start == fake.first_arena;
}

static bool second_window(const struct aspace_region *region, const struct aspace_kind_cache *cache,
			  struct runtime_window *win)
{
	(void)cache;
	return window_of(region, 4 * MIB, win);
}

static bool second_at(const struct aspace *as, const struct aspace_kind_cache *cache,
		      const struct runtime_window *win)
{
	(void)as;
	(void)cache;
	fake.second_asked++;
	return win->start != fake.second_other;
}

static const struct runtime_desc first = {
	.name = "first",
	.arena_window = first_window,
	.arena_at = first_at,
};
static const struct runtime_desc second = {
	.name = "second",
	.arena_window = second_window,
	.arena_at = second_at,
};
static const struct runtime_desc *const table[] = { &first, &second };

static int reset(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	return 0;
}

/* Whether [start, end) lies in an arena of the table; *win its window. */
static bool arena(uint64_t start, uint64_t end, struct aspace_kind_cache *cache,
		  struct runtime_window *win)
{
	struct aspace_region region = { .start = start, .end = end };

	return arena_in(table, ARRAY_SIZE(table), NULL, &region, cache, win);
}

/* A window that is no arena leaves the region to the next runtime's. */
static void test_next_runtime(void **state)
{
	struct runtime_window win;

	(void)state;
	assert_true(arena(0x10000000, 0x10001000, NULL, &win));
	assert_ptr_equal(win.runtime, &second);
	assert_int_equal(win.start, 0x10000000);
	assert_int_equal(win.end, 0x10000000 + 4 * MIB);
	assert_int_equal(fake.first_asked, 1);
	assert_int_equal(fake.second_asked, 1);

	/* The first's arena: the second is not asked. */
	fake.first_arena = 0x10000000;
	assert_true(arena(0x10000000, 0x10001000, NULL, &win));
	assert_ptr_equal(win.runtime, &first);
	assert_int_equal(win.end, 0x10000000 + MIB);
	assert_int_equal(fake.second_asked, 1);

	/* Neither's. */
	fake.first_arena = 0;
	fake.second_other = 0x10000000;
	assert_false(arena(0x10000000, 0x10001000, NULL, &win));

	/* Only the second's window could hold it (across two of the first's). */
	fake.second_other = 0;
	fake.first_asked = 0;
	assert_true(arena(0x100ff000, 0x10101000, NULL, &win));
	assert_ptr_equal(win.runtime, &second);
	assert_int_equal(fake.first_asked, 0);
}

/* A walk asks each runtime once per window, and the cached verdicts are the uncached ones. */
static void test_cached(void **state)
{
	struct aspace_kind_cache cache = { 0 };
	struct runtime_window win;

	(void)state;
	fake.second_other = 0x10400000;
	assert_true(arena(0x10000000, 0x10001000, &cache, &win));
	assert_true(arena(0x10001000, 0x10002000, &cache, &win));
	assert_ptr_equal(win.runtime, &second);
	assert_int_equal(win.start, 0x10000000);
	assert_int_equal(fake.first_asked, 1);
	assert_int_equal(fake.second_asked, 1);

	/* The first's next window, in the second's same one: the first alone is asked again. */
	assert_true(arena(0x10100000, 0x10101000, &cache, &win));
	assert_ptr_equal(win.runtime, &second);
	assert_int_equal(fake.first_asked, 2);
	assert_int_equal(fake.second_asked, 1);

	/* The second's next window, none: asked once, for both of its regions. */
	assert_false(arena(0x10400000, 0x10401000, &cache, &win));
	assert_false(arena(0x10401000, 0x10402000, &cache, &win));
	assert_int_equal(fake.second_asked, 2);

	/* The first's arena there: found though the second's verdict is none. */
	fake.first_arena = 0x10500000;
	assert_true(arena(0x10500000, 0x10501000, &cache, &win));
	assert_ptr_equal(win.runtime, &first);
	assert_true(arena(0x10501000, 0x10502000, &cache, &win));
	assert_ptr_equal(win.runtime, &first);
	assert_int_equal(fake.first_asked, 4);
	assert_int_equal(fake.second_asked, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_next_runtime, reset),
		cmocka_unit_test_setup(test_cached, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
