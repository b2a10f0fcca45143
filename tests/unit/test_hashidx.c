/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of tracer/hashidx: insertion, lookup and removal, growth,
 * colliding hashes, backward-shift deletion around the end of the slots,
 * and random work checked against a plain array.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hashidx.h"
#include "util.h"
#include "unittest.h"

/* Entries of the tests: a key each, hashed by the test's own rule. */
struct table {
	struct hidx idx;
	uint64_t keys[4096];
	uint32_t hashes[4096];
	size_t count;
};

/* The entry of key, or -1: the index's lookup, as its users write it. */
static long lookup(const struct table *tab, uint64_t key, uint32_t hash)
{
	struct hidx_iter it = hidx_probe(&tab->idx, hash);
	uint32_t entry;
	long found = -1;

	while (hidx_next(&tab->idx, &it, &entry)) {
		assert_true(entry < tab->count);
		assert_int_equal(tab->hashes[entry], hash);
		if (tab->keys[entry] == key) {
			assert_int_equal(found, -1); /* stored once */
			found = (long)entry;
		}
	}
	return found;
}

static void add(struct table *tab, uint64_t key, uint32_t hash)
{
	assert_true(tab->count < ARRAY_SIZE(tab->keys));
	tab->keys[tab->count] = key;
	tab->hashes[tab->count] = hash;
	hidx_insert(&tab->idx, hash, (uint32_t)tab->count);
	tab->count++;
}

/* Finds key, or adds it where the lookup ended (as the tables do); returns its entry. */
static size_t find_or_add(struct table *tab, uint64_t key, uint32_t hash)
{
	struct hidx_iter it = hidx_probe(&tab->idx, hash);
	uint32_t entry;

	while (hidx_next(&tab->idx, &it, &entry))
		if (tab->keys[entry] == key)
			return entry;
	assert_true(tab->count < ARRAY_SIZE(tab->keys));
	tab->keys[tab->count] = key;
	tab->hashes[tab->count] = hash;
	hidx_insert_missed(&tab->idx, &it, (uint32_t)tab->count);
	return tab->count++;
}

/* Removes entry, filling its hole with the last entry (as tasks.c does). */
static void take(struct table *tab, size_t entry)
{
	size_t last = tab->count - 1;

	hidx_remove(&tab->idx, tab->hashes[entry], (uint32_t)entry);
	if (entry != last) {
		hidx_renumber(&tab->idx, tab->hashes[last], (uint32_t)last, (uint32_t)entry);
		tab->keys[entry] = tab->keys[last];
		tab->hashes[entry] = tab->hashes[last];
	}
	tab->count--;
}

/* Every entry is found, under its own hash, and the index holds no other. */
static void check_all(const struct table *tab)
{
	assert_int_equal(tab->idx.count, tab->count);
	for (size_t i = 0; i < tab->count; i++)
		assert_int_equal(lookup(tab, tab->keys[i], tab->hashes[i]), (long)i);
}

static void test_empty(void **state)
{
	struct hidx idx = { 0 };
	struct hidx_iter it = hidx_probe(&idx, 12345);
	uint32_t entry = 77;

	(void)state;
	assert_false(hidx_next(&idx, &it, &entry));
	assert_int_equal(entry, 77);
	hidx_clear(&idx);
	hidx_free(&idx);
	hidx_free(&idx);
	assert_null(idx.slots);
}

static void test_insert_find_remove(void **state)
{
	struct table *tab = xcalloc(1, sizeof(*tab));

	(void)state;
	for (uint64_t key = 100; key < 110; key++)
		add(tab, key, hidx_hash_u64(key));
	check_all(tab);
	assert_int_equal(lookup(tab, 99, hidx_hash_u64(99)), -1);
	assert_int_equal(lookup(tab, 110, hidx_hash_u64(110)), -1);
	take(tab, 3); /* key 103; key 109 becomes entry 3 */
	assert_int_equal(lookup(tab, 103, hidx_hash_u64(103)), -1);
	assert_int_equal(lookup(tab, 109, hidx_hash_u64(109)), 3);
	check_all(tab);
	while (tab->count)
		take(tab, 0);
	check_all(tab);
	assert_int_equal(lookup(tab, 100, hidx_hash_u64(100)), -1);
	hidx_free(&tab->idx);
	free(tab);
}

/* The slots double once half of them would be in use, and nothing is lost. */
static void test_growth(void **state)
{
	struct table *tab = xcalloc(1, sizeof(*tab));

	(void)state;
	for (uint64_t key = 0; key < ARRAY_SIZE(tab->keys); key++) {
		add(tab, key * 4096, hidx_hash_u64(key * 4096));
		assert_true(tab->idx.count * 2 <= tab->idx.mask + 1);
		assert_int_equal(tab->idx.mask & (tab->idx.mask + 1), 0);
	}
	assert_int_equal(tab->idx.mask + 1, 2 * ARRAY_SIZE(tab->keys));
	check_all(tab);
	hidx_free(&tab->idx);
	free(tab);
}

/* One hash for every key: only the user's comparison tells them apart. */
static void test_collisions(void **state)
{
	struct table *tab = xcalloc(1, sizeof(*tab));
	struct hidx_iter it;
	uint32_t entry;
	size_t seen = 0;

	(void)state;
	for (uint64_t key = 1; key <= 300; key++)
		if (key % 2)
			add(tab, key, 42);
		else
			find_or_add(tab, key, 42);
	check_all(tab);
	it = hidx_probe(&tab->idx, 42);
	while (hidx_next(&tab->idx, &it, &entry))
		seen++;
	assert_int_equal(seen, 300);
	/* Out of the middle of the run, then from its start. */
	for (size_t i = 0; i < 100; i++)
		take(tab, 150);
	check_all(tab);
	for (size_t i = 0; i < 100; i++)
		take(tab, 0);
	check_all(tab);
	it = hidx_probe(&tab->idx, 43);
	assert_false(hidx_next(&tab->idx, &it, &entry));
	hidx_free(&tab->idx);
	free(tab);
}

/* The nth hash (from 0) whose home among 16 slots is home. */
static uint32_t hash_at(size_t home, uint32_t nth)
{
	const struct hidx sixteen = { .mask = 15 };

	for (uint32_t hash = 0;; hash++)
		if (hidx_home(&sixteen, hash) == home && nth-- == 0)
			return hash;
}

/*
 * Backward-shift deletion, around the end of the slots: runs whose homes
 * are the last slots wrap to the first ones.  Each of these entries is
 * removed in turn from a fresh index, and every other one must still be
 * found: a slot shifted before its home, or left after an empty one, is
 * lost.  Sixteen slots, seven entries (the index grows past eight).
 */
static void test_remove_shifts(void **state)
{
	static const uint32_t homes[] = { 14, 14, 15, 13, 0, 15, 1 };
	struct table *tab = xcalloc(1, sizeof(*tab));

	(void)state;
	for (size_t victim = 0; victim < ARRAY_SIZE(homes); victim++) {
		for (size_t second = 0; second < ARRAY_SIZE(homes); second++) {
			for (size_t i = 0; i < ARRAY_SIZE(homes); i++)
				/* Different hashes, the same home among 16 slots. */
				add(tab, i, hash_at(homes[i], (uint32_t)i));
			assert_int_equal(tab->idx.mask, 15);
			take(tab, victim);
			check_all(tab);
			if (second < tab->count) {
				take(tab, second);
				check_all(tab);
			}
			hidx_free(&tab->idx);
			tab->count = 0;
		}
	}
	free(tab);
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(uint64_t bound)
{
	return unittest_rnd(&rng, bound);
}

/*
 * Random insertions (after a lookup or not), removals and lookups against
 * the plain array: with a good hash, and with one that puts many keys in
 * few homes (long runs, many shifts).
 */
static void random_work(uint32_t (*hash)(uint64_t key))
{
	struct table *tab = xcalloc(1, sizeof(*tab));

	for (int round = 0; round < 40000; round++) {
		uint64_t key = rnd(3000);
		long have = -1;

		for (size_t i = 0; i < tab->count; i++)
			if (tab->keys[i] == key)
				have = (long)i;
		assert_int_equal(lookup(tab, key, hash(key)), have);
		if (have >= 0 && rnd(3) == 0) {
			take(tab, (size_t)have);
			assert_int_equal(lookup(tab, key, hash(key)), -1);
		} else if (have < 0 && rnd(2)) {
			add(tab, key, hash(key));
			assert_int_equal(lookup(tab, key, hash(key)), (long)tab->count - 1);
		} else {
			size_t entry = find_or_add(tab, key, hash(key));

			assert_int_equal(entry, have < 0 ? tab->count - 1 : (size_t)have);
		}
		if (round % 997 == 0)
			check_all(tab);
	}
	check_all(tab);
	hidx_free(&tab->idx);
	free(tab);
}

static uint32_t good_hash(uint64_t key)
{
	return hidx_hash_u64(key);
}

static uint32_t poor_hash(uint64_t key)
{
	return (uint32_t)(key % 37) * 64;
}

static void test_random(void **state)
{
	(void)state;
	random_work(good_hash);
	random_work(poor_hash);
}

/* Clearing keeps the slots; a copy shares nothing with the original. */
static void test_clear_copy(void **state)
{
	struct table *tab = xcalloc(1, sizeof(*tab));
	struct table *copy = xcalloc(1, sizeof(*copy));
	size_t mask;

	(void)state;
	for (uint64_t key = 0; key < 100; key++)
		add(tab, key, hidx_hash_u64(key));
	memcpy(copy->keys, tab->keys, sizeof(tab->keys));
	memcpy(copy->hashes, tab->hashes, sizeof(tab->hashes));
	copy->count = tab->count;
	hidx_copy(&copy->idx, &tab->idx);
	assert_ptr_not_equal(copy->idx.slots, tab->idx.slots);
	mask = tab->idx.mask;
	hidx_clear(&tab->idx);
	tab->count = 0;
	assert_int_equal(tab->idx.mask, mask);
	check_all(tab);
	assert_int_equal(lookup(tab, 5, hidx_hash_u64(5)), -1);
	check_all(copy);
	add(tab, 5, hidx_hash_u64(5));
	check_all(tab);
	hidx_free(&tab->idx);
	hidx_free(&copy->idx);
	hidx_copy(&copy->idx, &tab->idx); /* of an empty index */
	assert_null(copy->idx.slots);
	free(tab);
	free(copy);
}

/* The hashes: FNV-1a's for bytes; integers spread over the homes. */
static void test_hashes(void **state)
{
	const struct hidx slots1024 = { .mask = 1023 };
	unsigned char seen[1024] = { 0 };
	size_t distinct = 0;

	(void)state;
	/* FNV-1a of "" is its offset basis, whose halves fold to this. */
	assert_int_equal(hidx_hash_bytes("", 0),
			 (uint32_t)(HIDX_HASH_SEED ^ (HIDX_HASH_SEED >> 32)));
	assert_int_not_equal(hidx_hash_bytes("ab", 2), hidx_hash_bytes("ba", 2));
	assert_int_not_equal(hidx_hash_bytes("a", 1), hidx_hash_bytes("a", 2));
	/*
	 * 1024 keys in 1024 homes: random hashes would take about 63% of
	 * them (1 - 1/e).  Consecutive keys take far more; page-aligned ones
	 * about as many.
	 */
	for (uint64_t key = 0; key < 1024; key++)
		seen[hidx_home(&slots1024, hidx_hash_u64(1000 + key))] |= 1;
	for (uint64_t key = 0; key < 1024; key++)
		seen[hidx_home(&slots1024, hidx_hash_u64(0x7f0000000000ULL + key * 4096))] |= 2;
	for (size_t i = 0; i < ARRAY_SIZE(seen); i++)
		distinct += seen[i] & 1;
	assert_true(distinct > 1024 * 85 / 100);
	distinct = 0;
	for (size_t i = 0; i < ARRAY_SIZE(seen); i++)
		distinct += seen[i] >> 1;
	assert_true(distinct > 1024 * 55 / 100);
	assert_int_not_equal(hidx_hash_word(hidx_hash_word(HIDX_HASH_SEED, 1), 2),
			     hidx_hash_word(hidx_hash_word(HIDX_HASH_SEED, 2), 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),	      cmocka_unit_test(test_insert_find_remove),
		cmocka_unit_test(test_growth),	      cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_remove_shifts), cmocka_unit_test(test_random),
		cmocka_unit_test(test_clear_copy),    cmocka_unit_test(test_hashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
