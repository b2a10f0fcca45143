/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the address-space model (tracer/aspace.c), no ptrace:
 * table-driven cases with the expected layout after each step (perf's
 * tests/maps.c), an ASCII picture above each (selftests/mm/merge.c), and
 * a long random sequence checked page by page against a plain array; and
 * the shape of the B+ tree under it (tracer/rtree.h), which bounds the
 * cost of every operation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "aspace.h"
#include "rtree.h"
#include "unittest.h"

#define PAGE ASPACE_PAGE_SIZE
#define BASE 0x10000000ULL
#define P(n) (BASE + (uint64_t)(n)*PAGE)

struct want {
	uint64_t start;
	uint64_t end;
	unsigned int prot;
	uint64_t origin_seq;
};

/* Checks the whole layout; on a mismatch prints "expected" and "got" lists. */
static void check_layout(const struct aspace *as, const struct want *want, size_t nwant)
{
	struct aspace_cursor cur;
	const struct aspace_region *region;
	size_t idx = 0;
	bool ok = aspace_count(as) == nwant;

	for (region = aspace_first_from(as, 0, &cur); region && ok;
	     region = aspace_next(as, &cur)) {
		if (idx >= nwant || region->start != want[idx].start ||
		    region->end != want[idx].end || region->prot != want[idx].prot ||
		    region->origin.seq != want[idx].origin_seq)
			ok = false;
		idx++;
	}
	if (ok)
		return;
	print_error("Expected:\n");
	for (size_t i = 0; i < nwant; i++)
		print_error("  %#llx-%#llx prot %u origin #%llu\n",
			    (unsigned long long)want[i].start, (unsigned long long)want[i].end,
			    want[i].prot, (unsigned long long)want[i].origin_seq);
	print_error("Got:\n");
	aspace_for_each (as, 0, &cur, region)
		print_error("  %#llx-%#llx prot %u origin #%llu\n",
			    (unsigned long long)region->start, (unsigned long long)region->end,
			    region->prot, (unsigned long long)region->origin.seq);
	fail();
}

#define CHECK(as, ...)                                                     \
	do {                                                               \
		const struct want want_[] = { __VA_ARGS__ };               \
		check_layout(as, want_, sizeof(want_) / sizeof(want_[0])); \
	} while (0)

static struct aspace_event ev(uint64_t seq)
{
	struct aspace_event event = { .seq = seq, .tid = 100, .kind = ASPACE_ORIGIN_CALL };

	return event;
}

static const struct aspace_region anon_rw = { .prot = PROT_READ | PROT_WRITE };
static const struct aspace_region anon_none = { .prot = PROT_NONE };

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

static void map(struct aspace *as, uint64_t seq, uint64_t start, uint64_t npages,
		const struct aspace_region *tmpl, struct aspace_changes *changes)
{
	struct aspace_event event = ev(seq);

	aspace_map(as, &event, start, npages * PAGE, tmpl, changes);
}

/*
 * Unmap inside one region, across its start, across its end:
 *
 *   #1  |0 1 2 3 4 5 6 7 8 9|
 *   unmap 3-4:    |0 1 2|   |5 6 7 8 9|
 *   unmap 0 (and the hole before it): |1 2|   |5 ...
 *   unmap 8-10 (past the end):        ...  |5 6 7|
 */
static void test_unmap_splits(void **state)
{
	struct aspace *as = *state;
	struct aspace_changes changes = { 0 };
	struct aspace_event event = ev(2);

	map(as, 1, P(0), 10, &anon_rw, NULL);
	CHECK(as, { P(0), P(10), 3, 1 });

	aspace_unmap(as, &event, P(3), 2 * PAGE, &changes);
	CHECK(as, { P(0), P(3), 3, 1 }, { P(5), P(10), 3, 1 });
	assert_int_equal(changes.count, 1);
	assert_int_equal(changes.pieces[0].kind, ASPACE_PIECE_UNMAPPED);
	assert_int_equal(changes.pieces[0].origin_seq, 1);
	assert_int_equal(changes.pieces[0].origin_left, 8 * PAGE);
	assert_int_equal(changes.pieces[0].origin_total, 10 * PAGE);

	aspace_changes_reset(&changes);
	aspace_unmap(as, &event, P(-1), 2 * PAGE, &changes);
	CHECK(as, { P(1), P(3), 3, 1 }, { P(5), P(10), 3, 1 });

	aspace_unmap(as, &event, P(8), 3 * PAGE, NULL);
	CHECK(as, { P(1), P(3), 3, 1 }, { P(5), P(8), 3, 1 });

	/* Unmapping nothing changes nothing. */
	aspace_changes_reset(&changes);
	aspace_unmap(as, &event, P(20), PAGE, &changes);
	assert_int_equal(changes.count, 0);
	CHECK(as, { P(1), P(3), 3, 1 }, { P(5), P(8), 3, 1 });

	/* Unmap across both regions and the hole: the last bytes of #1 go. */
	aspace_changes_reset(&changes);
	aspace_unmap(as, &event, P(0), 10 * PAGE, &changes);
	assert_int_equal(aspace_count(as), 0);
	assert_int_equal(changes.count, 2);
	assert_int_equal(changes.pieces[1].origin_left, 0);
	aspace_changes_free(&changes);
}

/*
 * MAP_FIXED over several regions replaces them, recording what it unmaps:
 *
 *   |#1 0-3|  |#2 5-7|   |#3 9-11|
 *        |======= #4 2-10 =======|
 *   |#1 0-2|#4 2-10 .............|#3 10-11|
 */
static void test_map_fixed_over_several(void **state)
{
	struct aspace *as = *state;
	struct aspace_changes changes = { 0 };

	map(as, 1, P(0), 3, &anon_rw, NULL);
	map(as, 2, P(5), 2, &anon_none, NULL);
	map(as, 3, P(9), 2, &anon_rw, NULL);
	map(as, 4, P(2), 8, &anon_none, &changes);
	CHECK(as, { P(0), P(2), 3, 1 }, { P(2), P(10), 0, 4 }, { P(10), P(11), 3, 3 });
	/* Unmapped: a page of #1, all of #2, a page of #3; then mapped #4. */
	assert_int_equal(changes.count, 4);
	assert_int_equal(changes.pieces[0].origin_seq, 1);
	assert_int_equal(changes.pieces[1].origin_seq, 2);
	assert_int_equal(changes.pieces[1].origin_left, 0);
	assert_int_equal(changes.pieces[2].origin_seq, 3);
	assert_int_equal(changes.pieces[3].kind, ASPACE_PIECE_MAPPED);
	assert_int_equal(changes.pieces[3].origin_seq, 4);
	aspace_changes_free(&changes);
}

/*
 * mprotect splits and keeps the origin; restoring the protection merges
 * the parts again only if the last protection change is the same:
 *
 *   #1 rw |0 ........ 8|
 *   #7 protect 2-4 none:  |0 1|2 3|4 ... 8|   2-4 last protected by #7
 *   #8 protect 2-4 rw:    |0 1|2 3|4 ... 8|   rw again, but by #8: apart
 *   #9 protect 0-8 r:     |0 ........ 8|      all three by #9: one again
 */
static void test_protect_splits(void **state)
{
	struct aspace *as = *state;
	struct aspace_event event = ev(7), restore = ev(8), whole = ev(9);
	struct aspace_changes changes = { 0 };
	const struct aspace_region *region;

	map(as, 1, P(0), 8, &anon_rw, NULL);
	aspace_protect(as, &event, P(2), 2 * PAGE, PROT_NONE, &changes);
	CHECK(as, { P(0), P(2), 3, 1 }, { P(2), P(4), 0, 1 }, { P(4), P(8), 3, 1 });
	assert_int_equal(changes.count, 1);
	assert_int_equal(changes.pieces[0].kind, ASPACE_PIECE_PROTECTED);
	region = aspace_find(as, P(3));
	assert_non_null(region);
	assert_int_equal(region->prot_seq, 7);
	assert_int_equal(aspace_find(as, P(0))->prot_seq, 0);

	/* Protecting to what it already is records nothing. */
	aspace_changes_reset(&changes);
	aspace_protect(as, &event, P(0), PAGE, PROT_READ | PROT_WRITE, &changes);
	assert_int_equal(changes.count, 0);

	aspace_protect(as, &restore, P(2), 2 * PAGE, PROT_READ | PROT_WRITE, NULL);
	CHECK(as, { P(0), P(2), 3, 1 }, { P(2), P(4), 3, 1 }, { P(4), P(8), 3, 1 });
	assert_int_equal(aspace_find(as, P(2))->prot_seq, 8);

	aspace_changes_reset(&changes);
	aspace_protect(as, &whole, P(0), 8 * PAGE, PROT_READ, &changes);
	CHECK(as, { P(0), P(8), PROT_READ, 1 });
	assert_int_equal(aspace_find(as, P(0))->prot_seq, 9);
	assert_int_equal(changes.count, 3);
	aspace_changes_free(&changes);
}

/*
 * glibc's arena: 128 MiB PROT_NONE, trim head and tail to a 64 MiB
 * aligned block, make its first 132 KiB read-write.
 */
static void test_arena_pattern(void **state)
{
	struct aspace *as = *state;
	struct aspace_changes changes = { 0 };
	struct aspace_event trim = ev(2), grow = ev(4);
	const uint64_t mib = 1 << 20;
	const uint64_t start = 0x7f0002000000ULL; /* 32 MiB past a 64 MiB boundary */
	const uint64_t aligned = 0x7f0004000000ULL;

	map(as, 1, start, 128 * mib / PAGE, &anon_none, NULL);
	aspace_unmap(as, &trim, start, aligned - start, &changes);
	assert_int_equal(changes.pieces[0].origin_left, 96 * mib);
	aspace_changes_reset(&changes);
	aspace_unmap(as, &trim, aligned + 64 * mib, start + 128 * mib - (aligned + 64 * mib),
		     &changes);
	assert_int_equal(changes.pieces[0].origin_left, 64 * mib);
	assert_int_equal(changes.pieces[0].origin_total, 128 * mib);
	/* glibc's grow_heap(): 132 KiB, whole pages (33 of 4 KiB, 9 of 16, 3 of 64). */
	aspace_protect(as, &grow, aligned, 132ULL * 1024, PROT_READ | PROT_WRITE, NULL);
	CHECK(as, { aligned, aligned + (132ULL * 1024 + PAGE - 1) / PAGE * PAGE, 3, 1 },
	      { aligned + (132ULL * 1024 + PAGE - 1) / PAGE * PAGE, aligned + 64 * mib, 0, 1 });
	aspace_changes_free(&changes);
}

/*
 * mremap: shrink in place, grow in place (the new bytes are the call's),
 * move with MREMAP_FIXED over something (which is unmapped), and
 * MREMAP_DONTUNMAP.
 */
static void test_remap(void **state)
{
	struct aspace *as = *state;
	struct aspace_event shrink = ev(2), grow = ev(3), move = ev(4), dont = ev(5);
	struct aspace_changes changes = { 0 };

	map(as, 1, P(0), 4, &anon_rw, NULL);
	aspace_remap(as, &shrink, P(0), 4 * PAGE, 2 * PAGE, 0, P(0), NULL);
	CHECK(as, { P(0), P(2), 3, 1 });
	aspace_remap(as, &grow, P(0), 2 * PAGE, 5 * PAGE, 0, P(0), NULL);
	CHECK(as, { P(0), P(2), 3, 1 }, { P(2), P(5), 3, 3 });

	/* Move all five pages onto #6 at 10-12, growing to 6 pages. */
	map(as, 6, P(10), 2, &anon_none, NULL);
	aspace_remap(as, &move, P(0), 5 * PAGE, 6 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, P(10),
		     &changes);
	CHECK(as, { P(10), P(12), 3, 1 }, { P(12), P(15), 3, 3 }, { P(15), P(16), 3, 4 });
	assert_int_equal(changes.pieces[0].kind, ASPACE_PIECE_UNMAPPED);
	assert_int_equal(changes.pieces[0].origin_seq, 6);
	assert_int_equal(changes.pieces[1].kind, ASPACE_PIECE_MOVED);
	assert_int_equal(changes.pieces[1].to, P(10));

	/* DONTUNMAP: the bytes move, the old range stays mapped (by the call). */
	aspace_remap(as, &dont, P(10), 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, P(30),
		     NULL);
	CHECK(as, { P(10), P(12), 3, 5 }, { P(12), P(15), 3, 3 }, { P(15), P(16), 3, 4 },
	      { P(30), P(32), 3, 1 });
	aspace_changes_free(&changes);
}

/*
 * brk: the first call gives the start; growths are the calls'; a shrink
 * releases the last growth first.
 */
static void test_brk(void **state)
{
	struct aspace *as = *state;
	struct aspace_event first = ev(1), up1 = ev(2), up2 = ev(3), down = ev(4);
	struct aspace_changes changes = { 0 };
	uint64_t start, top;

	aspace_brk(as, &first, P(0), NULL);
	assert_int_equal(aspace_count(as), 0);
	aspace_brk(as, &up1, P(0) + 3 * PAGE + 100, NULL);
	aspace_brk(as, &up2, P(6), NULL);
	CHECK(as, { P(0), P(4), 3, 2 }, { P(4), P(6), 3, 3 });
	aspace_heap(as, &start, &top);
	assert_int_equal(start, P(0));
	assert_int_equal(top, P(6));

	aspace_brk(as, &down, P(3), &changes);
	CHECK(as, { P(0), P(3), 3, 2 });
	assert_int_equal(changes.count, 2);
	assert_int_equal(changes.pieces[0].origin_seq, 2);
	assert_int_equal(changes.pieces[0].origin_left, 3 * PAGE);
	assert_int_equal(changes.pieces[1].origin_seq, 3);
	assert_int_equal(changes.pieces[1].origin_left, 0);
	assert_int_equal(aspace_find(as, P(0))->backing, ASPACE_BACKING_HEAP);
	aspace_changes_free(&changes);
}

static void test_advise_releases(void **state)
{
	struct aspace *as = *state;
	struct aspace_event event = ev(3);
	struct aspace_changes changes = { 0 };

	map(as, 1, P(0), 4, &anon_rw, NULL);
	map(as, 2, P(4), 4, &anon_rw, NULL);
	aspace_advise(as, &event, P(2), 4 * PAGE, MADV_DONTNEED, &changes);
	assert_int_equal(changes.count, 2);
	assert_int_equal(changes.pieces[0].kind, ASPACE_PIECE_RELEASED);
	assert_int_equal(changes.pieces[0].start, P(2));
	assert_int_equal(changes.pieces[0].end, P(4));
	assert_int_equal(changes.pieces[1].origin_seq, 2);
	assert_int_equal(changes.pieces[1].end, P(6));
	aspace_changes_reset(&changes);
	aspace_advise(as, &event, P(0), PAGE, MADV_WILLNEED, &changes);
	assert_int_equal(changes.count, 0);
	CHECK(as, { P(0), P(4), 3, 1 }, { P(4), P(8), 3, 2 });
	aspace_changes_free(&changes);
}

/* Fork copies; the copy and the original then change apart. */
static void test_copy_and_clear(void **state)
{
	struct aspace *as = *state;
	struct aspace *copy;
	struct aspace_event event = ev(9);

	map(as, 1, P(0), 4, &anon_rw, NULL);
	map(as, 2, P(8), 4, &anon_none, NULL);
	copy = aspace_copy(as);
	aspace_unmap(copy, &event, P(0), 4 * PAGE, NULL);
	CHECK(as, { P(0), P(4), 3, 1 }, { P(8), P(12), 0, 2 });
	CHECK(copy, { P(8), P(12), 0, 2 });
	aspace_clear(as);
	assert_int_equal(aspace_count(as), 0);
	aspace_free(copy);
}

/*
 * Threads' names: named in any order, renamed, cut to a comm's length,
 * copied with the model for a forked child, forgotten at an exec.
 */
static void test_thread_names(void **state)
{
	struct aspace *as = *state, *copy;

	assert_null(aspace_thread_name(as, 7));
	aspace_name_thread(as, 30, "worker-30");
	aspace_name_thread(as, 10, "worker-10");
	aspace_name_thread(as, 20, "G1 Refine#0");
	aspace_name_thread(as, 40, "a name longer than a comm");
	assert_string_equal(aspace_thread_name(as, 10), "worker-10");
	assert_string_equal(aspace_thread_name(as, 20), "G1 Refine#0");
	assert_string_equal(aspace_thread_name(as, 30), "worker-30");
	assert_string_equal(aspace_thread_name(as, 40), "a name longer t");
	assert_null(aspace_thread_name(as, 15));
	assert_null(aspace_thread_name(as, 50));
	aspace_name_thread(as, 20, "renamed");
	assert_string_equal(aspace_thread_name(as, 20), "renamed");
	copy = aspace_copy(as);
	assert_string_equal(aspace_thread_name(copy, 30), "worker-30");
	aspace_clear(as);
	assert_null(aspace_thread_name(as, 30));
	assert_string_equal(aspace_thread_name(copy, 20), "renamed");
	aspace_free(copy);
}

/* The names of threads without a stack in the model are forgotten, in time; the others kept. */
static void test_thread_names_pruned(void **state)
{
	struct aspace *as = *state;
	char name[16];

	map(as, 1, P(0), 4, &anon_rw, NULL);
	assert_int_equal(aspace_set_thread(as, P(2), 42), 0);
	aspace_name_thread(as, 42, "keeper");
	for (pid_t tid = 100; tid < 300; tid++) {
		(void)snprintf(name, sizeof(name), "gone-%d", (int)tid);
		aspace_name_thread(as, tid, name);
	}
	assert_string_equal(aspace_thread_name(as, 42), "keeper");
	assert_null(aspace_thread_name(as, 100));
	assert_string_equal(aspace_thread_name(as, 299), "gone-299");
}

/* A thread's stack knows its thread, and when it has exited; a new owner clears that. */
static void test_thread_stack(void **state)
{
	struct aspace *as = *state;

	map(as, 1, P(0), 4, &anon_rw, NULL);
	assert_int_equal(aspace_set_thread(as, P(2), 42), 0);
	assert_int_equal(aspace_kind_of(as, aspace_find(as, P(0))), ASPACE_KIND_THREAD_STACK);
	assert_int_equal(aspace_thread_exited(as, P(1), 43), -ENOENT);
	assert_int_equal(aspace_thread_exited(as, P(1), 42), 0);
	assert_true(aspace_find(as, P(0))->flags & ASPACE_THREAD_EXITED);
	assert_int_equal(aspace_set_thread(as, P(3), 44), 0);
	assert_false(aspace_find(as, P(0))->flags & ASPACE_THREAD_EXITED);
	assert_int_equal(aspace_find(as, P(0))->thread, 44);
	assert_int_equal(aspace_set_thread(as, P(9), 45), -ENOENT);
	/*
	 * Another live thread's stack pointer in it: several threads' (a
	 * runtime's heap), no thread's stack, whoever comes next.
	 */
	assert_int_equal(aspace_set_thread(as, P(1), 46), 0);
	assert_int_equal(aspace_find(as, P(0))->thread, ASPACE_THREADS);
	assert_int_equal(aspace_kind_of(as, aspace_find(as, P(0))), ASPACE_KIND_ANON);
	assert_int_equal(aspace_set_thread(as, P(1), 47), 0);
	assert_int_equal(aspace_find(as, P(0))->thread, ASPACE_THREADS);
	assert_int_equal(aspace_thread_exited(as, P(1), 46), -ENOENT);
}

/*
 * A thread stack's guard page is part of the stack, also when the region
 * asked about is a copy (a walk's, a snapshot's), not the model's own:
 *
 *   #1 |0|1 2 3|    guard PROT_NONE, then the stack of thread 42
 */
static void test_kind_of_copy(void **state)
{
	struct aspace *as = *state;
	struct aspace_event guard = ev(2);
	struct aspace_region copy;
	struct aspace_region *heap_copy;

	map(as, 1, P(0), 4, &anon_rw, NULL);
	aspace_protect(as, &guard, P(0), PAGE, PROT_NONE, NULL);
	assert_int_equal(aspace_set_thread(as, P(2), 42), 0);
	assert_int_equal(aspace_kind_of(as, aspace_find(as, P(0))), ASPACE_KIND_THREAD_STACK);
	copy = *aspace_find(as, P(0));
	assert_int_equal(aspace_kind_of(as, &copy), ASPACE_KIND_THREAD_STACK);
	heap_copy = malloc(sizeof(*heap_copy));
	assert_non_null(heap_copy);
	*heap_copy = copy;
	assert_int_equal(aspace_kind_of(as, heap_copy), ASPACE_KIND_THREAD_STACK);
	free(heap_copy);
	/* Without its stack above it, the copy is anonymous memory like the original. */
	assert_int_equal(aspace_set_thread(as, P(2), 0), 0);
	assert_int_equal(aspace_kind_of(as, &copy), ASPACE_KIND_ANON);
}

static const struct aspace_region anon_growsdown = { .prot = PROT_READ | PROT_WRITE,
						     .flags = ASPACE_GROWSDOWN };

/* The one UNMAPPED piece of changes: its origin, and what that origin has left of how much. */
static void check_unmapped(const struct aspace_changes *changes, uint64_t start, uint64_t end,
			   uint64_t origin_seq, uint64_t left, uint64_t total)
{
	assert_int_equal(changes->count, 1);
	assert_int_equal(changes->pieces[0].kind, ASPACE_PIECE_UNMAPPED);
	assert_int_equal(changes->pieces[0].start, start);
	assert_int_equal(changes->pieces[0].end, end);
	assert_int_equal(changes->pieces[0].origin_seq, origin_seq);
	assert_int_equal(changes->pieces[0].origin_left, left);
	assert_int_equal(changes->pieces[0].origin_total, total);
}

/*
 * A MAP_GROWSDOWN region grows on faults, without a call
 * (aspace_grow_down); the bytes it grows by are its origin's, so an unmap
 * of part of it trims the origin and an unmap of the rest unmaps it:
 *
 *   #1 growsdown          |4 5 6 7|
 *   grows down to 2:  |2 3 4 5 6 7|      #1: 6 pages of 6
 *   unmap 6-7:        |2 3 4 5|          trims #1 by 2 pages: 4 left of 6
 *   unmap 2-5:                           unmaps the rest of #1: 0 left of 6
 */
static void test_grow_down_then_trim(void **state)
{
	struct aspace *as = *state;
	struct aspace_changes changes = { 0 };
	struct aspace_event event = ev(2);

	map(as, 1, P(4), 4, &anon_growsdown, NULL);
	assert_int_equal(aspace_grow_down(as, P(8), P(2), PROT_READ | PROT_WRITE), 0);
	CHECK(as, { P(2), P(8), 3, 1 });
	assert_int_equal(aspace_total(as), 6 * PAGE);

	aspace_unmap(as, &event, P(6), 2 * PAGE, &changes);
	CHECK(as, { P(2), P(6), 3, 1 });
	check_unmapped(&changes, P(6), P(8), 1, 4 * PAGE, 6 * PAGE);

	aspace_changes_reset(&changes);
	aspace_unmap(as, &event, P(2), 4 * PAGE, &changes);
	assert_int_equal(aspace_count(as), 0);
	check_unmapped(&changes, P(2), P(6), 1, 0, 6 * PAGE);
	aspace_changes_free(&changes);
}

/*
 * Grown twice, then unmapped whole by one call: one piece, the whole of
 * its origin (--events says "unmaps #1", churn counts an unmap, not a
 * trim).
 *
 *   #1 growsdown            |6 7|
 *   grows down to 4:    |4 5 6 7|
 *   grows down to 1:  |1 ... 6 7|
 *   unmap 0-8:                         unmaps #1: 0 left of 7 pages
 */
static void test_grow_down_then_unmap(void **state)
{
	struct aspace *as = *state;
	struct aspace_changes changes = { 0 };
	struct aspace_event event = ev(2);

	map(as, 1, P(6), 2, &anon_growsdown, NULL);
	assert_int_equal(aspace_grow_down(as, P(8), P(4), PROT_READ | PROT_WRITE), 0);
	assert_int_equal(aspace_grow_down(as, P(8), P(1), PROT_READ | PROT_WRITE), 0);
	CHECK(as, { P(1), P(8), 3, 1 });

	aspace_unmap(as, &event, P(0), 8 * PAGE, &changes);
	assert_int_equal(aspace_count(as), 0);
	check_unmapped(&changes, P(1), P(8), 1, 0, 7 * PAGE);
	assert_int_equal(aspace_total(as), 0);
	aspace_changes_free(&changes);
}

/*
 * A region that grew, then had its lowest page re-protected by a call
 * before the model saw the growth: the bytes it grew by keep the
 * protection the kernel says, in a region of their own with the same
 * origin, and an unmap of it all takes the origin's every byte.
 *
 *   #1 growsdown rw          |4 5 6 7|
 *   #2 mprotect 4 PROT_READ  |r 5 6 7|
 *   grown to 2, rw:      |2 3 r 5 6 7|   #1: 6 pages of 6
 *   #3 unmap 0-8                         0 left of 6
 */
static void test_grow_down_below_protected(void **state)
{
	struct aspace *as = *state;
	struct aspace_changes changes = { 0 };
	struct aspace_event protect = ev(2), unmap = ev(3);

	map(as, 1, P(4), 4, &anon_growsdown, NULL);
	aspace_protect(as, &protect, P(4), PAGE, PROT_READ, NULL);
	assert_int_equal(aspace_grow_down(as, P(5), P(2), PROT_READ | PROT_WRITE), 0);
	CHECK(as, { P(2), P(4), 3, 1 }, { P(4), P(5), 1, 1 }, { P(5), P(8), 3, 1 });
	assert_int_equal(aspace_total(as), 6 * PAGE);

	aspace_unmap(as, &unmap, P(0), 8 * PAGE, &changes);
	assert_int_equal(aspace_count(as), 0);
	assert_int_equal(changes.pieces[changes.count - 1].origin_left, 0);
	assert_int_equal(changes.pieces[changes.count - 1].origin_total, 6 * PAGE);
	aspace_changes_free(&changes);
}

/*
 * What grow_down refuses or leaves alone (regions made by calls 1, 2, 3):
 *
 *   call 1: rw |0 1|   call 2: growsdown |4 5 6 7|   call 3: rw |9|
 *   - a region that does not grow down (call 3's), or no region ending there;
 *   - growing into call 1's region: -ENOENT, nothing changes;
 *   - a start at or above the region's own: nothing to do.
 */
static void test_grow_down_refused(void **state)
{
	struct aspace *as = *state;

	map(as, 1, P(0), 2, &anon_rw, NULL);
	map(as, 2, P(4), 4, &anon_growsdown, NULL);
	map(as, 3, P(9), 1, &anon_rw, NULL);
	assert_int_equal(aspace_grow_down(as, P(10), P(8), PROT_READ | PROT_WRITE), -ENOENT);
	assert_int_equal(aspace_grow_down(as, P(7), P(3), PROT_READ | PROT_WRITE), -ENOENT);
	assert_int_equal(aspace_grow_down(as, P(8), P(1), PROT_READ | PROT_WRITE), -ENOENT);
	assert_int_equal(aspace_grow_down(as, P(8), P(5), PROT_READ | PROT_WRITE), 0);
	CHECK(as, { P(0), P(2), 3, 1 }, { P(4), P(8), 3, 2 }, { P(9), P(10), 3, 3 });
	assert_int_equal(aspace_grow_down(as, P(8), P(2), PROT_READ | PROT_WRITE), 0);
	CHECK(as, { P(0), P(2), 3, 1 }, { P(2), P(8), 3, 2 }, { P(9), P(10), 3, 3 });
}

/*
 * A walk starts at the region holding an address or the next one, and
 * stays at the end once there:
 *
 *   |#1 0-2|   |#2 4-5|   |#3 7-9|
 */
static void test_cursor_walk(void **state)
{
	struct aspace *as = *state;
	struct aspace_cursor cur;
	const struct aspace_region *region;
	uint64_t starts[3] = { 0 };
	size_t n = 0;

	assert_null(aspace_first_from(as, 0, &cur));
	assert_null(aspace_next(as, &cur));
	map(as, 1, P(0), 2, &anon_rw, NULL);
	map(as, 2, P(4), 1, &anon_none, NULL);
	map(as, 3, P(7), 2, &anon_rw, NULL);
	aspace_for_each (as, P(1), &cur, region) {
		assert_true(n < 3);
		starts[n++] = region->start;
	}
	assert_int_equal(n, 3);
	assert_int_equal(starts[0], P(0));
	assert_int_equal(starts[1], P(4));
	assert_int_equal(starts[2], P(7));
	assert_null(aspace_next(as, &cur));

	region = aspace_first_from(as, P(2), &cur);
	assert_non_null(region);
	assert_int_equal(region->start, P(4));
	region = aspace_next(as, &cur);
	assert_non_null(region);
	assert_int_equal(region->start, P(7));
	assert_null(aspace_next(as, &cur));
	assert_null(aspace_first_from(as, P(9), &cur));
}

/* sync: the model follows the kernel's view of a range. */
static void test_sync(void **state)
{
	struct aspace *as = *state;
	struct aspace_event event = ev(5);
	struct aspace_region kernel[2] = { anon_none, anon_rw };
	struct aspace_changes changes = { 0 };

	map(as, 1, P(0), 6, &anon_rw, NULL);
	/* The kernel says: 0-2 none, 3-5 rw, nothing at 2 or 5. */
	kernel[0].start = P(0);
	kernel[0].end = P(2);
	kernel[1].start = P(3);
	kernel[1].end = P(8);
	aspace_sync(as, &event, P(0), P(8), kernel, 2, &changes);
	CHECK(as, { P(0), P(2), 0, 1 }, { P(3), P(6), 3, 1 }, { P(6), P(8), 3, 5 });
	aspace_changes_free(&changes);
}

static void test_compare(void **state)
{
	struct aspace *as = *state;
	struct aspace_region kernel[2] = { anon_rw, anon_rw };
	struct aspace_mismatch out[4];

	map(as, 1, P(0), 2, &anon_rw, NULL);
	map(as, 2, P(2), 2, &anon_rw, NULL);
	/* The kernel merged the two: no mismatch. */
	kernel[0].start = P(0);
	kernel[0].end = P(4);
	assert_int_equal(aspace_compare(as, kernel, 1, out, 4), 0);
	/* The kernel has one more page and a different protection elsewhere. */
	kernel[0].end = P(5);
	kernel[1].start = P(10);
	kernel[1].end = P(11);
	assert_int_equal(aspace_compare(as, kernel, 2, out, 4), 2);
	assert_int_equal(out[0].start, P(4));
	assert_int_equal(out[0].end, P(5));
	assert_int_equal(out[1].start, P(10));
	assert_int_equal(out[1].end, P(11));
}

/*
 * The random test: a long sequence of map, unmap, protect, remap and
 * sync over a 256-page window, applied to the model and to an array of
 * pages (the reference), compared after every step: every page's
 * presence, protection and origin, and every origin's live byte count.
 */
#define NPAGES 8192

struct ref_page {
	bool mapped;
	unsigned int prot;
	uint64_t origin;
};

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(uint64_t bound)
{
	return unittest_rnd(&rng_state, bound);
}

static size_t npages_window = 256; /* the pages the random test uses, at most NPAGES */

static void ref_check(const struct aspace *as, const struct ref_page *ref, uint64_t step)
{
	struct aspace_cursor cur;
	const struct aspace_region *region;
	uint64_t prev_end = 0;
	size_t mapped_pages = 0, nregions = 0;

	aspace_for_each (as, 0, &cur, region) {
		if (region->start < prev_end || region->start >= region->end ||
		    region->start % PAGE || region->end % PAGE)
			fail_msg("step %llu: region %#llx-%#llx out of order",
				 (unsigned long long)step, (unsigned long long)region->start,
				 (unsigned long long)region->end);
		prev_end = region->end;
		nregions++;
	}
	assert_int_equal(nregions, aspace_count(as));
	for (size_t page = 0; page < npages_window; page++) {
		region = aspace_find(as, P(page));

		if (!ref[page].mapped) {
			if (region)
				fail_msg("step %llu: page %zu mapped in the model only",
					 (unsigned long long)step, page);
			continue;
		}
		mapped_pages++;
		if (!region) {
			fail_msg("step %llu: page %zu missing from the model",
				 (unsigned long long)step, page);
			return;
		}
		if (region->prot != ref[page].prot || region->origin.seq != ref[page].origin)
			fail_msg("step %llu: page %zu: prot %u origin #%llu, want prot %u origin "
				 "#%llu",
				 (unsigned long long)step, page, region->prot,
				 (unsigned long long)region->origin.seq, ref[page].prot,
				 (unsigned long long)ref[page].origin);
	}
	assert_int_equal(aspace_total(as), mapped_pages * PAGE);
}

/* Live pages of origin in the reference. */
static uint64_t ref_left(const struct ref_page *ref, uint64_t origin)
{
	uint64_t left = 0;

	for (size_t page = 0; page < npages_window; page++)
		if (ref[page].mapped && ref[page].origin == origin)
			left += PAGE;
	return left;
}

static void check_unmap_pieces(const struct aspace_changes *changes, const struct ref_page *ref,
			       uint64_t step)
{
	/* The last UNMAPPED piece of each origin leaves what the reference has left. */
	for (size_t i = 0; i < changes->count; i++) {
		const struct aspace_piece *piece = &changes->pieces[i];
		bool last = true;

		if (piece->kind != ASPACE_PIECE_UNMAPPED)
			continue;
		for (size_t j = i + 1; j < changes->count; j++)
			if (changes->pieces[j].kind == ASPACE_PIECE_UNMAPPED &&
			    changes->pieces[j].origin_seq == piece->origin_seq)
				last = false;
		if (last && piece->origin_left != ref_left(ref, piece->origin_seq))
			fail_msg("step %llu: origin #%llu left %llu, reference %llu",
				 (unsigned long long)step, (unsigned long long)piece->origin_seq,
				 (unsigned long long)piece->origin_left,
				 (unsigned long long)ref_left(ref, piece->origin_seq));
	}
}

static bool ref_range_mapped(const struct ref_page *ref, size_t first, size_t npages)
{
	for (size_t page = first; page < first + npages; page++)
		if (!ref[page].mapped)
			return false;
	return true;
}

static bool ref_range_free(const struct ref_page *ref, size_t first, size_t npages)
{
	for (size_t page = first; page < first + npages; page++)
		if (ref[page].mapped)
			return false;
	return true;
}

/* A step of random_run(): mremap of a mapped range to a free one (or in place), if any. */
static bool random_remap(struct aspace *as, struct ref_page *ref, size_t first, size_t npages,
			 const struct aspace_event *event, struct aspace_changes *changes)
{
	size_t window = npages_window;
	size_t new_npages = 1 + rnd(12);
	size_t dest = rnd(window - new_npages);
	struct ref_page moved[NPAGES];
	bool in_place = rnd(3) == 0;

	if (npages > 12 || !ref_range_mapped(ref, first, npages))
		return false;
	if (in_place) {
		dest = first;
		if (first + new_npages > window ||
		    (new_npages > npages &&
		     !ref_range_free(ref, first + npages, new_npages - npages)))
			return false;
	} else if (!ref_range_free(ref, dest, new_npages) ||
		   (dest < first + npages && first < dest + new_npages)) {
		return false;
	}
	aspace_remap(as, event, P(first), npages * PAGE, new_npages * PAGE,
		     in_place ? 0 : MREMAP_MAYMOVE | MREMAP_FIXED, P(dest), changes);
	memcpy(moved, &ref[first], npages * sizeof(ref[0]));
	for (size_t page = first; page < first + npages; page++)
		ref[page].mapped = false;
	for (size_t i = 0; i < new_npages; i++) {
		if (i < npages) {
			ref[dest + i] = moved[i];
		} else {
			ref[dest + i] = moved[npages - 1];
			ref[dest + i].origin = event->seq;
		}
	}
	return true;
}

/* A step of random_run(): a range synced to what the reference looks like after a kernel change. */
static void random_sync(struct aspace *as, struct ref_page *ref, size_t first, size_t npages,
			unsigned int prot, const struct aspace_event *event,
			struct aspace_changes *changes)
{
	struct aspace_region kernel[40];
	size_t nkernel = 0;
	uint64_t step = event->seq;

	for (size_t page = first; page < first + npages; page++) {
		if (rnd(2))
			ref[page] = (struct ref_page){ true, prot,
						       ref[page].mapped ? ref[page].origin : step };
		else
			ref[page].mapped = false;
	}
	for (size_t page = first; page < first + npages; page++) {
		if (!ref[page].mapped)
			continue;
		kernel[nkernel++] = (struct aspace_region){ .start = P(page),
							    .end = P(page + 1),
							    .prot = ref[page].prot };
	}
	aspace_sync(as, event, P(first), P(first + npages), kernel, nkernel, changes);
}

static void random_run(struct aspace *as, size_t window, uint64_t steps, uint64_t check_every)
{
	static struct ref_page ref[NPAGES];
	struct aspace_changes changes = { 0 };

	npages_window = window;
	memset(ref, 0, sizeof(ref));
	for (uint64_t step = 1; step <= steps; step++) {
		struct aspace_event event = ev(step);
		size_t first = rnd(window - 1);
		size_t npages = 1 + rnd(window - first < 40 ? window - first : 40);
		unsigned int prot = (unsigned int)rnd(8);
		uint64_t op = rnd(100);

		aspace_changes_reset(&changes);
		if (op < 35) {
			struct aspace_region tmpl = { .prot = prot };

			aspace_map(as, &event, P(first), npages * PAGE, &tmpl, &changes);
			for (size_t page = first; page < first + npages; page++)
				ref[page] = (struct ref_page){ true, prot, step };
		} else if (op < 60) {
			aspace_unmap(as, &event, P(first), npages * PAGE, &changes);
			for (size_t page = first; page < first + npages; page++)
				ref[page].mapped = false;
		} else if (op < 80) {
			/* mprotect succeeds only over mapped pages. */
			if (!ref_range_mapped(ref, first, npages))
				continue;
			aspace_protect(as, &event, P(first), npages * PAGE, prot, &changes);
			for (size_t page = first; page < first + npages; page++)
				ref[page].prot = prot;
		} else if (op < 92) {
			if (!random_remap(as, ref, first, npages, &event, &changes))
				continue;
		} else {
			random_sync(as, ref, first, npages, prot, &event, &changes);
		}
		if (step % check_every == 0) {
			check_unmap_pieces(&changes, ref, step);
			ref_check(as, ref, step);
		}
	}
	ref_check(as, ref, steps);
	aspace_changes_free(&changes);
}

/* A small window: few regions, every step checked. */
static void test_random_against_pages(void **state)
{
	random_run(*state, 256, 20000, 1);
}

/* A large one: thousands of regions, so leaves and inner nodes split and empty. */
static void test_random_large(void **state)
{
	random_run(*state, NPAGES, 200000, 97);
}

/* Scale: 100k regions, each found, then half of them unmapped (how fast is scripts/bench's). */
static void test_many_regions(void **state)
{
	struct aspace *as = *state;
	struct aspace_event event = ev(1);

	for (uint64_t i = 0; i < 100000; i++) {
		event.seq = i + 1;
		aspace_map(as, &event, P(2 * i), PAGE, &anon_rw, NULL);
	}
	assert_int_equal(aspace_count(as), 100000);
	for (uint64_t i = 0; i < 100000; i++)
		assert_non_null(aspace_find(as, P(2 * i)));
	for (uint64_t i = 0; i < 100000; i += 2) {
		event.seq = 200000 + i;
		aspace_unmap(as, &event, P(2 * i), PAGE, NULL);
	}
	assert_int_equal(aspace_count(as), 50000);
}

/*
 * The most levels of inner nodes above leaves when the root has two
 * children or more and every other inner node fanout / 2 or more: a tree
 * of height h has at least 2 * (fanout / 2)^(h - 1) leaves.
 */
static unsigned int height_bound(size_t leaves, size_t fanout)
{
	unsigned int height;
	size_t reach = 2; /* the fewest leaves of a tree of that height */

	if (leaves < 2)
		return 0;
	for (height = 1; reach * (fanout / 2) <= leaves; height++)
		reach *= fanout / 2;
	return height;
}

/*
 * What bounds the cost of a lookup, whatever the machine's speed: it reads
 * height + 1 nodes (and at most the leaf before), and a tree made by
 * insertions keeps its leaves at least half full and its inner nodes,
 * but the root, at least half full too, hence a height within
 * 1 + log(leaves / 2) / log(FANOUT / 2).  100k regions inserted in address
 * order, which leaves every split node exactly half full; then removing
 * half of them adds no node and no level, and removing the rest leaves one
 * empty leaf.
 */
static void test_tree_shape(void **state)
{
	struct rtree *tree = rtree_new();
	struct aspace_region region = anon_rw;
	struct rtree_shape shape, after;
	const size_t n = 100000;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		region.start = P(2 * i);
		region.end = P(2 * i + 1);
		rtree_insert(tree, &region);
	}
	assert_int_equal(rtree_count(tree), n);
	assert_int_equal(rtree_bytes(tree), n * PAGE);
	rtree_shape(tree, &shape);
	if (shape.leaves > n / (shape.leaf_cap / 2) + 1 ||
	    shape.height > height_bound(shape.leaves, shape.fanout) || shape.inners > shape.leaves)
		fail_msg("%zu regions: %zu leaves of %zu, %zu inner nodes of %zu, height %u "
			 "(at most %u)",
			 n, shape.leaves, shape.leaf_cap, shape.inners, shape.fanout, shape.height,
			 height_bound(shape.leaves, shape.fanout));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(rtree_region(rtree_holding(tree, P(2 * i)))->start, P(2 * i));

	for (size_t i = 0; i < n; i += 2)
		rtree_remove(tree, rtree_holding(tree, P(2 * i)));
	assert_int_equal(rtree_count(tree), n / 2);
	rtree_shape(tree, &after);
	assert_true(after.height <= shape.height);
	assert_true(after.leaves <= shape.leaves);
	assert_true(after.inners <= shape.inners);

	for (size_t i = 1; i < n; i += 2)
		rtree_remove(tree, rtree_holding(tree, P(2 * i)));
	rtree_shape(tree, &after);
	assert_int_equal(rtree_count(tree), 0);
	assert_int_equal(after.height, 0);
	assert_int_equal(after.leaves, 1);
	rtree_free(tree);
}

/*
 * Lengths that are no multiple of the page size cover the pages they
 * touch (the kernel's PAGE_ALIGN(len)): one byte is a page, a page and a
 * byte two, whatever the page size.
 */
static void test_page_rounding(void **state)
{
	struct aspace *as = *state;
	struct aspace_event event = ev(2);

	aspace_map(as, &event, P(0), 1, &anon_rw, NULL);
	CHECK(as, { P(0), P(1), 3, 2 });
	event = ev(3);
	aspace_map(as, &event, P(4), PAGE + 1, &anon_rw, NULL);
	CHECK(as, { P(0), P(1), 3, 2 }, { P(4), P(6), 3, 3 });
	event = ev(4);
	aspace_protect(as, &event, P(4), 1, PROT_READ, NULL);
	CHECK(as, { P(0), P(1), 3, 2 }, { P(4), P(5), 1, 3 }, { P(5), P(6), 3, 3 });
	aspace_unmap(as, &event, P(5), 1, NULL);
	CHECK(as, { P(0), P(1), 3, 2 }, { P(4), P(5), 1, 3 });
	aspace_unmap(as, &event, P(0), PAGE - 1, NULL);
	CHECK(as, { P(4), P(5), 1, 3 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unmap_splits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_fixed_over_several, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect_splits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arena_pattern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_advise_releases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_and_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thread_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_of_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grow_down_then_trim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grow_down_then_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grow_down_below_protected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grow_down_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_regions, setup, teardown),
		cmocka_unit_test(test_tree_shape),
		cmocka_unit_test_setup_teardown(test_thread_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thread_names_pruned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_rounding, setup, teardown),
	};
	/*
	 * The machine's pages, then arm64's other two sizes (16 and 64 KiB,
	 * CONFIG_ARM64_{16K,64K}_PAGES): the model counts in whatever
	 * page_size() says, and every test is written in PAGEs.
	 */
	const uint64_t sizes[] = { page_size_read(), 16384, 65536 };
	int failed = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char name[64];

		if (i && sizes[i] == sizes[0])
			continue;
		page_size_cached = sizes[i];
		(void)snprintf(name, sizeof(name), "aspace, %llu KiB pages",
			       (unsigned long long)(sizes[i] / 1024));
		failed += cmocka_run_group_tests_name(name, tests, NULL, NULL);
	}
	return failed;
}
