/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the churn counts (report/churn.c), fed with the pieces a
 * model built by hand gives (tracer/aspace.h): a mapping wholly unmapped
 * before the threshold is a short pair, at the threshold or later an
 * unmap; a partial unmap that leaves bytes is a trim; each site counts
 * apart, bytes without a call's origin count nowhere.  And the table's
 * memory grows with the sites a process used, not with the largest stack
 * id of the run: malloc, calloc and realloc are wrapped at link time
 * (-Wl,--wrap) to add up what the table asks for.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "../../report/churn.h"

#define MIB (1ULL << 20)
#define RW (PROT_READ | PROT_WRITE)
/* The threshold of these tests: 1 ms. */
#define SHORT_NS 1000000ULL

/* The allocator, counted while counting is set. */
void *__real_malloc(size_t size);
void *__real_calloc(size_t nmemb, size_t size);
void *__real_realloc(void *ptr, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t nmemb, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static bool counting;
static size_t requested; /* bytes asked for while counting, every request added */

void *__wrap_malloc(size_t size)
{
	if (counting)
		requested += size;
	return __real_malloc(size);
}

void *__wrap_calloc(size_t nmemb, size_t size)
{
	if (counting)
		requested += nmemb * size;
	return __real_calloc(nmemb, size);
}

void *__wrap_realloc(void *ptr, size_t size)
{
	if (counting)
		requested += size;
	return __real_realloc(ptr, size);
}

struct fixture {
	struct aspace *as;
	struct churn *churn;
	struct aspace_changes changes;
	uint64_t seq;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->as = aspace_new();
	fx->churn = churn_new(SHORT_NS);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	aspace_free(fx->as);
	churn_free(fx->churn);
	aspace_changes_free(&fx->changes);
	free(fx);
	return 0;
}

/* A call at time_ns with stack, as the engine makes them. */
static struct aspace_event call(struct fixture *fx, uint32_t stack, uint64_t time_ns)
{
	return (struct aspace_event){ .seq = ++fx->seq,
				      .tid = 42,
				      .stack_id = stack,
				      .kind = ASPACE_ORIGIN_CALL,
				      .time_ns = time_ns };
}

/* mmap of [addr, addr + len) by a call with stack at time_ns, counted. */
static void map(struct fixture *fx, uint64_t addr, uint64_t len, uint32_t stack, uint64_t time_ns)
{
	struct aspace_event ev = call(fx, stack, time_ns);
	struct aspace_region tmpl = { .prot = RW };

	aspace_changes_reset(&fx->changes);
	aspace_map(fx->as, &ev, addr, len, &tmpl, &fx->changes);
	churn_apply(fx->churn, time_ns, &fx->changes);
}

/* munmap of [addr, addr + len) at time_ns, by a call of a stack of its own. */
static void unmap(struct fixture *fx, uint64_t addr, uint64_t len, uint64_t time_ns)
{
	struct aspace_event ev = call(fx, 99, time_ns);

	aspace_changes_reset(&fx->changes);
	aspace_unmap(fx->as, &ev, addr, len, &fx->changes);
	churn_apply(fx->churn, time_ns, &fx->changes);
}

/* The figures of stack's site, which must have some. */
static struct churn_site counted(const struct fixture *fx, uint32_t stack)
{
	const struct churn_site *site = churn_site(fx->churn, stack);

	if (!site)
		fail_msg("nothing counted at stack %u", (unsigned int)stack);
	return site ? *site : (struct churn_site){ 0 };
}

/*
 * Unmapped within the threshold: a short pair; at the threshold, or
 * later: an unmap.  The time runs from the map call's entry to the unmap
 * call's entry.
 */
static void test_pairing(void **state)
{
	struct fixture *fx = *state;
	struct churn_site site;

	map(fx, 0x10000000, 65536, 1, 5000);
	unmap(fx, 0x10000000, 65536, 5000 + SHORT_NS - 1);
	map(fx, 0x20000000, 65536, 2, 5000);
	unmap(fx, 0x20000000, 65536, 5000 + SHORT_NS);
	site = counted(fx, 1);
	assert_int_equal(site.maps, 1);
	assert_int_equal(site.mapped_bytes, 65536);
	assert_int_equal(site.short_pairs, 1);
	assert_int_equal(site.short_bytes, 65536);
	assert_int_equal(site.unmaps, 0);
	assert_int_equal(site.trims, 0);
	site = counted(fx, 2);
	assert_int_equal(site.maps, 1);
	assert_int_equal(site.short_pairs, 0);
	assert_int_equal(site.unmaps, 1);
	assert_int_equal(site.unmapped_bytes, 65536);
	/* The unmapping call's own stack made nothing: it counts nowhere. */
	assert_null(churn_site(fx->churn, 99));
}

/*
 * A trim leaves part of a mapping; the rest unmapped later counts as the
 * mapping's end, with the bytes that unmap took:
 *
 *   map      |--------- 2 MiB ---------|
 *   unmap    |-- 1 MiB --|                trim (1 MiB left)
 *   unmap                |-- 1 MiB ----|  short pair of 1 MiB
 */
static void test_trims(void **state)
{
	struct fixture *fx = *state;
	struct churn_site site;

	map(fx, 0x30000000, 2 * MIB, 3, 0);
	unmap(fx, 0x30000000, MIB, 10);
	site = counted(fx, 3);
	assert_int_equal(site.trims, 1);
	assert_int_equal(site.trimmed_bytes, MIB);
	assert_int_equal(site.short_pairs, 0);
	unmap(fx, 0x30000000 + MIB, MIB, 20);
	site = counted(fx, 3);
	assert_int_equal(site.trims, 1);
	assert_int_equal(site.short_pairs, 1);
	assert_int_equal(site.short_bytes, MIB);
	assert_int_equal(site.maps, 1);
	assert_int_equal(site.mapped_bytes, 2 * MIB);
}

/*
 * A mapping split in regions (a guard page made PROT_NONE) and unmapped
 * by one call is one mapping's end, not a trim and an unmap.
 */
static void test_split_unmapped_at_once(void **state)
{
	struct fixture *fx = *state;
	struct aspace_event ev = call(fx, 4, 0);
	struct churn_site site;

	map(fx, 0x40000000, MIB + 4096, 4, 0);
	aspace_protect(fx->as, &ev, 0x40000000, 4096, PROT_NONE, NULL);
	unmap(fx, 0x40000000, MIB + 4096, 2 * SHORT_NS);
	site = counted(fx, 4);
	assert_int_equal(site.trims, 0);
	assert_int_equal(site.unmaps, 1);
	assert_int_equal(site.unmapped_bytes, MIB + 4096);
}

/*
 * madvise releases count at the site that made the bytes: one release per
 * call and mapping, however many regions it covers; bytes every one.
 */
static void test_released(void **state)
{
	struct fixture *fx = *state;
	struct aspace_event protect = call(fx, 5, 0), advise;
	struct churn_site site;

	map(fx, 0x50000000, 2 * MIB, 5, 0);
	/* Two regions of one mapping. */
	aspace_protect(fx->as, &protect, 0x50000000, MIB, PROT_READ, NULL);
	advise = call(fx, 98, 10);
	aspace_changes_reset(&fx->changes);
	aspace_advise(fx->as, &advise, 0x50000000, 2 * MIB, MADV_DONTNEED, &fx->changes);
	churn_apply(fx->churn, 10, &fx->changes);
	advise = call(fx, 98, 20);
	aspace_changes_reset(&fx->changes);
	aspace_advise(fx->as, &advise, 0x50000000 + MIB, 4096, MADV_FREE, &fx->changes);
	churn_apply(fx->churn, 20, &fx->changes);
	site = counted(fx, 5);
	assert_int_equal(site.releases, 2);
	assert_int_equal(site.released_bytes, 2 * MIB + 4096);
	assert_int_equal(site.trims, 0);
	assert_int_equal(site.unmaps, 0);
	/* Advice that releases nothing (MADV_WILLNEED) counts nothing. */
	advise = call(fx, 98, 30);
	aspace_changes_reset(&fx->changes);
	aspace_advise(fx->as, &advise, 0x50000000, MIB, MADV_WILLNEED, &fx->changes);
	churn_apply(fx->churn, 30, &fx->changes);
	assert_int_equal(counted(fx, 5).releases, 2);
	assert_null(churn_site(fx->churn, 98));
}

/*
 * Kept bytes: what a site mapped less what its unmaps and trims took,
 * when no mapping was trimmed and then unmapped (those bytes count in
 * both).  Three mappings: one unmapped soon, one later, one trimmed
 * by a third and kept.
 */
static void test_kept(void **state)
{
	struct fixture *fx = *state;
	struct churn_site site;

	map(fx, 0x50000000, MIB, 5, 0);
	map(fx, 0x51000000, MIB, 5, 0);
	map(fx, 0x52000000, 3 * MIB, 5, 0);
	unmap(fx, 0x50000000, MIB, 1);
	unmap(fx, 0x51000000, MIB, 5 * SHORT_NS);
	unmap(fx, 0x52000000, MIB, 5 * SHORT_NS);
	site = counted(fx, 5);
	assert_int_equal(site.maps, 3);
	assert_int_equal(site.mapped_bytes, 5 * MIB);
	assert_int_equal(site.mapped_bytes - site.short_bytes - site.unmapped_bytes -
				 site.trimmed_bytes,
			 2 * MIB);
	assert_int_equal(aspace_total(fx->as), 2 * MIB);
}

/*
 * Per site: each stack counts its own mappings, stack 0 (calls without a
 * stack) too; bytes found at exec or attach, or made by the kernel, have
 * no site and count nowhere.
 */
static void test_per_site(void **state)
{
	struct fixture *fx = *state;
	struct aspace_event exec = { .kind = ASPACE_ORIGIN_EXEC, .stack_id = 7 };
	struct aspace_region tmpl = { .prot = RW };
	struct churn_site site;

	for (uint64_t i = 0; i < 10; i++) {
		map(fx, 0x60000000 + i * MIB, 4096, 6, i * SHORT_NS);
		map(fx, 0x70000000 + i * MIB, 8192, 0, i * SHORT_NS);
		unmap(fx, 0x60000000 + i * MIB, 4096, i * SHORT_NS + 1);
	}
	aspace_map(fx->as, &exec, 0x80000000, MIB, &tmpl, NULL);
	unmap(fx, 0x80000000, MIB, 1);
	unmap(fx, 0x70000000, 10 * MIB, 20 * SHORT_NS);
	site = counted(fx, 6);
	assert_int_equal(site.maps, 10);
	assert_int_equal(site.short_pairs, 10);
	assert_int_equal(site.short_bytes, 10 * 4096);
	assert_int_equal(site.unmaps, 0);
	site = counted(fx, 0);
	assert_int_equal(site.maps, 10);
	assert_int_equal(site.mapped_bytes, 10 * 8192);
	assert_int_equal(site.short_pairs, 0);
	assert_int_equal(site.unmaps, 10);
	assert_int_equal(site.unmapped_bytes, 10 * 8192);
	assert_null(churn_site(fx->churn, 7));
	assert_null(churn_site(fx->churn, 1));
}

/* After an exec the table starts again. */
static void test_reset(void **state)
{
	struct fixture *fx = *state;

	map(fx, 0x10000000, 4096, 8, 0);
	assert_non_null(churn_site(fx->churn, 8));
	churn_reset(fx->churn);
	assert_null(churn_site(fx->churn, 8));
	map(fx, 0x20000000, 4096, 8, 0);
	assert_int_equal(counted(fx, 8).maps, 1);
}

/* The sites counted come out by stack id, whatever the order they were first used in. */
static void test_stacks_in_order(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t used[] = { 9, 3, 0, 70000, 7 };
	static const uint32_t sorted[] = { 0, 3, 7, 9, 70000 };
	uint32_t *ids;
	size_t count;

	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++)
		map(fx, 0x10000000 + i * MIB, 4096, used[i], 0);
	count = churn_stacks(fx->churn, &ids);
	assert_int_equal(count, 5);
	assert_memory_equal(ids, sorted, sizeof(sorted));
	free(ids);
	churn_reset(fx->churn);
	assert_int_equal(churn_stacks(fx->churn, &ids), 0);
	free(ids);
}

/* A mapped piece of a call with stack id, alone in changes. */
static void one_piece(struct aspace_changes *changes, uint32_t stack, uint64_t seq)
{
	static struct aspace_piece piece;

	piece = (struct aspace_piece){ .kind = ASPACE_PIECE_MAPPED,
				       .origin_kind = ASPACE_ORIGIN_CALL,
				       .start = 0x10000000,
				       .end = 0x10001000,
				       .origin_seq = seq,
				       .origin_stack = stack };
	changes->pieces = &piece;
	changes->count = 1;
	changes->cap = 0;
}

/*
 * Memory grows with the sites a process used.  Under -f a process sees
 * stack ids made by all the others: one call with id 1,000,000 must not
 * cost a million sites, nor a thousand ids far apart a thousand times
 * the distance between them.
 */
static void test_memory_by_sites_used(void **state)
{
	struct fixture *fx = *state;
	struct aspace_changes changes = { 0 };

	one_piece(&changes, 1000000, 1);
	requested = 0;
	counting = true;
	churn_apply(fx->churn, 0, &changes);
	counting = false;
	assert_int_equal(counted(fx, 1000000).maps, 1);
	if (requested > 64 * 1024UL)
		fail_msg("one site cost %zu bytes", requested);

	requested = 0;
	for (uint32_t i = 0; i < 1000; i++) {
		one_piece(&changes, 2000000 + i * 4099, i + 2);
		counting = true;
		churn_apply(fx->churn, 0, &changes);
		counting = false;
	}
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(counted(fx, 2000000 + i * 4099).maps, 1);
	if (requested > 1000 * 512UL)
		fail_msg("a thousand sites cost %zu bytes", requested);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pairing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_unmapped_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_site, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stacks_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_by_sites_used, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
