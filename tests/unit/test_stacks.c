/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of unwind/stacks: interning gives one id per distinct frame
 * sequence, dense from 1 in order of first appearance; the empty stack is
 * 0; a prefix, a suffix or a reordering is another stack; stacks_get()
 * gives the frames back, also after the table has grown many times.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hashidx.h"
#include "stacks.h"
#include "util.h"

static int setup(void **state)
{
	*state = stacks_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	stacks_free(*state);
	return 0;
}

static void print_frames(const char *label, const uint64_t *frames, size_t nframes)
{
	print_error("%s (%zu):", label, nframes);
	for (size_t i = 0; i < nframes; i++)
		print_error(" %#" PRIx64, frames[i]);
	print_error("\n");
}

/* Fails, printing both lists, unless stack id has exactly want[0..nwant). */
static void check_stack(const struct stacks *tab, uint32_t id, const uint64_t *want, size_t nwant)
{
	const uint64_t *got = NULL;
	size_t ngot = stacks_get(tab, id, &got);

	if (ngot == nwant && (nwant == 0 || memcmp(got, want, nwant * sizeof(*want)) == 0))
		return;
	print_error("stack #%" PRIu32 ":\n", id);
	print_frames("  expected", want, nwant);
	print_frames("  got     ", got, ngot);
	fail_msg("stack #%" PRIu32 " has the wrong frames", id);
}

#define FRAMES(...) \
	(const uint64_t[]){ __VA_ARGS__ }, ARRAY_SIZE(((const uint64_t[]){ __VA_ARGS__ }))

struct stack_case {
	const char *what;
	const uint64_t *frames;
	size_t nframes;
	uint32_t want_id;
};

static void run_cases(struct stacks *tab, const struct stack_case *cases, size_t ncases,
		      size_t want_count)
{
	for (size_t i = 0; i < ncases; i++) {
		uint32_t id = stacks_intern(tab, cases[i].frames, cases[i].nframes);

		if (id != cases[i].want_id)
			fail_msg("%s: expected id %" PRIu32 ", got %" PRIu32, cases[i].what,
				 cases[i].want_id, id);
	}
	for (size_t i = 0; i < ncases; i++)
		check_stack(tab, cases[i].want_id, cases[i].frames, cases[i].nframes);
	assert_int_equal(stacks_count(tab), want_count);
}

/* The same frames, even from another buffer, are the same stack. */
static void test_same_frames_same_id(void **state)
{
	struct stacks *tab = *state;
	const uint64_t frames[] = { 0x401000, 0x401234, 0x7f0000001000 };
	uint64_t copy[ARRAY_SIZE(frames)];
	uint32_t id;

	id = stacks_intern(tab, frames, ARRAY_SIZE(frames));
	assert_int_equal(id, 1);
	memcpy(copy, frames, sizeof(frames));
	assert_int_equal(stacks_intern(tab, copy, ARRAY_SIZE(copy)), id);
	assert_int_equal(stacks_intern(tab, frames, ARRAY_SIZE(frames)), id);
	assert_int_equal(stacks_count(tab), 1);
	/* The table keeps its own copy: changing the caller's buffer changes nothing. */
	copy[1] = 0xdead;
	check_stack(tab, id, frames, ARRAY_SIZE(frames));
	assert_int_equal(stacks_intern(tab, copy, ARRAY_SIZE(copy)), 2);
}

/* Ids are 1, 2, ... in order of first appearance; repeats take no new id. */
static void test_ids_dense(void **state)
{
	const struct stack_case cases[] = {
		{ "A", FRAMES(0x10, 0x20), 1 },
		{ "B", FRAMES(0x30), 2 },
		{ "A again", FRAMES(0x10, 0x20), 1 },
		{ "C", FRAMES(0x40, 0x50, 0x60), 3 },
		{ "B again", FRAMES(0x30), 2 },
		{ "C again", FRAMES(0x40, 0x50, 0x60), 3 },
		{ "D", FRAMES(0x70), 4 },
		{ "A a third time", FRAMES(0x10, 0x20), 1 },
	};

	run_cases(*state, cases, ARRAY_SIZE(cases), 4);
}

/* No frames is stack 0 and is not counted, whatever the pointer. */
static void test_empty_stack(void **state)
{
	struct stacks *tab = *state;
	const uint64_t frames[] = { 0x1234 };
	const uint64_t *got = frames;

	assert_int_equal(stacks_intern(tab, NULL, 0), 0);
	assert_int_equal(stacks_intern(tab, frames, 0), 0);
	assert_int_equal(stacks_count(tab), 0);
	assert_int_equal(stacks_get(tab, 0, &got), 0);
	assert_int_equal(stacks_intern(tab, frames, 1), 1);
	assert_int_equal(stacks_intern(tab, frames, 0), 0);
	assert_int_equal(stacks_count(tab), 1);
	assert_int_equal(stacks_get(tab, 0, &got), 0);
}

/*
 * Prefixes, suffixes, reorderings and repeated frames are other stacks:
 * the whole sequence is the key, its length included.
 */
static void test_prefix_suffix_distinct(void **state)
{
	const struct stack_case cases[] = {
		{ "whole", FRAMES(0x1, 0x2, 0x3), 1 },
		{ "prefix of 2", FRAMES(0x1, 0x2), 2 },
		{ "prefix of 1", FRAMES(0x1), 3 },
		{ "suffix of 2", FRAMES(0x2, 0x3), 4 },
		{ "suffix of 1", FRAMES(0x3), 5 },
		{ "middle", FRAMES(0x2), 6 },
		{ "one more inner frame", FRAMES(0x0, 0x1, 0x2, 0x3), 7 },
		{ "one more outer frame", FRAMES(0x1, 0x2, 0x3, 0x4), 8 },
		{ "reversed", FRAMES(0x3, 0x2, 0x1), 9 },
		{ "two swapped", FRAMES(0x2, 0x1, 0x3), 10 },
		{ "a zero frame", FRAMES(0x0), 11 },
		{ "two zero frames", FRAMES(0x0, 0x0), 12 },
		{ "three zero frames", FRAMES(0x0, 0x0, 0x0), 13 },
		{ "whole again", FRAMES(0x1, 0x2, 0x3), 1 },
		{ "suffix of 2 again", FRAMES(0x2, 0x3), 4 },
		{ "all ones", FRAMES(UINT64_MAX, UINT64_MAX), 14 },
		{ "one all-ones frame", FRAMES(UINT64_MAX), 15 },
	};

	run_cases(*state, cases, ARRAY_SIZE(cases), 15);
}

/* Id 0 and ids the table has not given out have no frames. */
static void test_get_unknown(void **state)
{
	struct stacks *tab = *state;
	const uint64_t *got = NULL;
	const uint32_t unknown[] = { 0, 4, 5, 1000, UINT32_MAX };

	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++)
		if (stacks_get(tab, unknown[i], &got) != 0)
			fail_msg("empty table: stack #%" PRIu32 " has frames", unknown[i]);
	assert_int_equal(stacks_intern(tab, FRAMES(0xa)), 1);
	assert_int_equal(stacks_intern(tab, FRAMES(0xb, 0xc)), 2);
	assert_int_equal(stacks_intern(tab, FRAMES(0xd, 0xe, 0xf)), 3);
	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++)
		if (stacks_get(tab, unknown[i], &got) != 0)
			fail_msg("3 stacks: stack #%" PRIu32 " has frames", unknown[i]);
	check_stack(tab, 3, FRAMES(0xd, 0xe, 0xf));
}

/* A deterministic stack for each n: 1 to 16 frames, many sharing prefixes. */
#define MANY 20000
#define MAX_FRAMES 16

static size_t make_stack(uint32_t n, uint64_t *frames)
{
	size_t nframes = 1 + n % MAX_FRAMES;

	/* Outer frames shared by many stacks, as in a real program (main, ...). */
	for (size_t i = 0; i < nframes; i++)
		frames[i] = 0x400000 + 0x10 * (uint64_t)i;
	/* The innermost frame tells the stacks of one length apart. */
	frames[0] = 0x7f0000000000 + (uint64_t)(n / MAX_FRAMES);
	return nframes;
}

/*
 * Thousands of distinct stacks: the hash table is resized many times
 * (from 256 slots), and every stack must still be found, with its id and
 * its frames.
 */
static void test_many_stacks(void **state)
{
	struct stacks *tab = *state;
	uint64_t frames[MAX_FRAMES];

	for (uint32_t n = 0; n < MANY; n++) {
		size_t nframes = make_stack(n, frames);
		uint32_t id = stacks_intern(tab, frames, nframes);

		if (id != n + 1)
			fail_msg("stack %" PRIu32 ": expected id %" PRIu32 ", got %" PRIu32, n,
				 n + 1, id);
	}
	assert_int_equal(stacks_count(tab), MANY);
	/* Interned again, in reverse: the same ids, nothing added. */
	for (uint32_t n = MANY; n-- > 0;) {
		size_t nframes = make_stack(n, frames);
		uint32_t id = stacks_intern(tab, frames, nframes);

		if (id != n + 1)
			fail_msg("stack %" PRIu32 " again: expected id %" PRIu32 ", got %" PRIu32,
				 n, n + 1, id);
	}
	assert_int_equal(stacks_count(tab), MANY);
	for (uint32_t n = 0; n < MANY; n++) {
		size_t nframes = make_stack(n, frames);

		check_stack(tab, n + 1, frames, nframes);
	}
	/*
	 * The longest of the first MAX_FRAMES stacks: each prefix of it is one
	 * of those stacks already (stack n is the prefix of n + 1 frames); no
	 * suffix of it is, since only innermost frames are 0x7f... .
	 */
	{
		size_t nframes = make_stack(MAX_FRAMES - 1, frames);

		for (size_t len = 1; len <= nframes; len++) {
			uint32_t id = stacks_intern(tab, frames, len);

			if (id != len)
				fail_msg("prefix of %zu: expected id %zu, got %" PRIu32, len, len,
					 id);
		}
		for (size_t skip = 1; skip < nframes; skip++) {
			uint32_t id = stacks_intern(tab, frames + skip, nframes - skip);

			if (id != MANY + skip)
				fail_msg("suffix without %zu frames: expected id %zu, got %" PRIu32,
					 skip, MANY + skip, id);
		}
		assert_int_equal(stacks_count(tab), MANY + nframes - 1);
	}
}

/*
 * The frames stacks_get() points at move when the table grows (the
 * pointer is borrowed until the next stacks_intern()): got again after
 * thousands more stacks, they are still the right frames.
 */
static void test_get_after_growth(void **state)
{
	struct stacks *tab = *state;
	const uint64_t first[] = { 0xaaaa0000, 0xbbbb0000, 0xcccc0000, 0xdddd0000 };
	uint64_t frames[MAX_FRAMES];
	const uint64_t *got;
	uint32_t id;

	id = stacks_intern(tab, first, ARRAY_SIZE(first));
	assert_int_equal(id, 1);
	check_stack(tab, id, first, ARRAY_SIZE(first));
	for (uint32_t round = 1; round <= 4; round++) {
		for (uint32_t n = (round - 1) * (MANY / 4); n < round * (MANY / 4); n++) {
			size_t nframes = make_stack(n, frames);

			assert_int_equal(stacks_intern(tab, frames, nframes), n + 2);
		}
		check_stack(tab, id, first, ARRAY_SIZE(first));
		/* The last one added, read while it is the newest. */
		check_stack(tab, round * (MANY / 4) + 1, frames,
			    make_stack(round * (MANY / 4) - 1, frames));
	}
	assert_int_equal(stacks_intern(tab, first, ARRAY_SIZE(first)), id);
	assert_int_equal(stacks_count(tab), MANY + 1);
	assert_int_equal(stacks_get(tab, id, &got), ARRAY_SIZE(first));
	assert_memory_equal(got, first, sizeof(first));
}

/*
 * A copy of stacks.c's hash_stack (without modules), used only to build
 * different stacks with the same hash: then nothing but the comparison of
 * their frames (and of their lengths) can tell them apart.  Each step of
 * hidx_hash_word() is a bijection of the word (xor, multiplication by an
 * odd number, an xorshift), so the last frame can always be chosen to hit
 * a given hash.  If hash_stack changes, these stacks must still be
 * distinct; they just no longer collide.
 */
static uint64_t unmix(uint64_t val)
{
	uint64_t inverse = HIDX_HASH_MULT; /* of HIDX_HASH_MULT, mod 2^64: Newton's iteration */

	for (int i = 0; i < 6; i++)
		inverse *= 2 - HIDX_HASH_MULT * inverse;
	val ^= val >> 32;
	return val * inverse;
}

static uint64_t copy_hash(const uint64_t *frames, size_t nframes)
{
	uint64_t hash = HIDX_HASH_SEED ^ nframes;

	for (size_t i = 0; i < nframes; i++)
		hash = hidx_hash_word(hash, frames[i]);
	return hash;
}

/* Sets frames[nframes - 1] so that frames[0..nframes) hashes to want. */
static void collide(uint64_t *frames, size_t nframes, uint64_t want)
{
	uint64_t hash = HIDX_HASH_SEED ^ nframes;

	for (size_t i = 0; i + 1 < nframes; i++)
		hash = hidx_hash_word(hash, frames[i]);
	frames[nframes - 1] = unmix(want) ^ hash;
	assert_int_equal(copy_hash(frames, nframes), want);
}

/*
 * Stacks whose hashes are equal are still different stacks:
 *
 *   #1 a0 a1 a2           the stack they all collide with
 *   #2 a0 b1 x            same length, same first frame
 *   #3 b0 b1 x            same length
 *   #4 x                  shorter
 *   #5 a0 a1 a2 b3 x      longer, #1 a prefix of it
 *   #6 y                  stored right after #5; then
 *   #7 a0 a1 a2 b3 x y    equals #5's frames followed by #6's
 */
static void test_hash_collisions(void **state)
{
	struct stacks *tab = *state;
	uint64_t one[] = { 0x401000, 0x401100, 0x401200 };
	uint64_t two[] = { 0x401000, 0x501100, 0 };
	uint64_t three[] = { 0x501000, 0x501100, 0 };
	uint64_t four[] = { 0 };
	uint64_t five[] = { 0x401000, 0x401100, 0x401200, 0x501300, 0 };
	uint64_t six[] = { 0 };
	uint64_t seven[ARRAY_SIZE(five) + 1];
	const uint64_t hash = copy_hash(one, ARRAY_SIZE(one));

	collide(two, ARRAY_SIZE(two), hash);
	collide(three, ARRAY_SIZE(three), hash);
	collide(four, ARRAY_SIZE(four), hash);
	collide(five, ARRAY_SIZE(five), hash);
	memcpy(seven, five, sizeof(five));
	collide(seven, ARRAY_SIZE(seven), hash);
	six[0] = seven[ARRAY_SIZE(seven) - 1];

	{
		const struct stack_case cases[] = {
			{ "#1", one, ARRAY_SIZE(one), 1 },
			{ "#2", two, ARRAY_SIZE(two), 2 },
			{ "#3", three, ARRAY_SIZE(three), 3 },
			{ "#4", four, ARRAY_SIZE(four), 4 },
			{ "#5", five, ARRAY_SIZE(five), 5 },
			{ "#6", six, ARRAY_SIZE(six), 6 },
			{ "#7", seven, ARRAY_SIZE(seven), 7 },
			{ "#2 again", two, ARRAY_SIZE(two), 2 },
			{ "#1 again", one, ARRAY_SIZE(one), 1 },
			{ "#7 again", seven, ARRAY_SIZE(seven), 7 },
		};

		run_cases(tab, cases, ARRAY_SIZE(cases), 7);
	}
}

/* A long stack (deep recursion) is kept whole. */
static void test_long_stack(void **state)
{
	struct stacks *tab = *state;
	uint64_t frames[4096];

	for (size_t i = 0; i < ARRAY_SIZE(frames); i++)
		frames[i] = 0x500000 + 8 * (uint64_t)i;
	assert_int_equal(stacks_intern(tab, frames, ARRAY_SIZE(frames)), 1);
	assert_int_equal(stacks_intern(tab, frames, ARRAY_SIZE(frames) - 1), 2);
	assert_int_equal(stacks_intern(tab, frames + 1, ARRAY_SIZE(frames) - 1), 3);
	check_stack(tab, 1, frames, ARRAY_SIZE(frames));
	check_stack(tab, 2, frames, ARRAY_SIZE(frames) - 1);
	check_stack(tab, 3, frames + 1, ARRAY_SIZE(frames) - 1);
}

static void test_free_null(void **state)
{
	(void)state;
	stacks_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_frames_same_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_dense, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_suffix_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_stacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_after_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_collisions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_stack, setup, teardown),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
