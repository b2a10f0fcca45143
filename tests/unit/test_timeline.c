/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the timeline (report/timeline.c): the sizes each call's
 * pieces change, with the protection of new regions from the model or
 * from the pieces; the largest calls kept in order, their text asked for
 * only when kept; thinning that keeps the first point and every peak.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "../../report/timeline.h"

#define PAGE 4096ULL

static struct aspace_changes one_piece(enum aspace_piece_kind kind, uint64_t start, uint64_t len,
				       unsigned int prot, unsigned int old_prot)
{
	struct aspace_changes changes = { 0 };

	changes.pieces = calloc(1, sizeof(*changes.pieces));
	assert_non_null(changes.pieces);
	changes.cap = changes.count = 1;
	changes.pieces[0] = (struct aspace_piece){
		.kind = kind, .start = start, .end = start + len, .prot = prot, .old_prot = old_prot
	};
	return changes;
}

static int texts_asked;

static void text_of(void *ctx, char *buf, size_t size)
{
	texts_asked++;
	(void)snprintf(buf, size, "call %d", *(const int *)ctx);
}

/* A trace's pieces: map RW, map PROT_NONE, commit part, unmap. */
static void test_sizes_from_pieces(void **state)
{
	struct timeline *tl = timeline_new();
	struct aspace_changes c;
	int n = 1;

	(void)state;
	c = one_piece(ASPACE_PIECE_MAPPED, 0x10000, 4 * PAGE, PROT_READ | PROT_WRITE, 0);
	timeline_call(tl, 10, 1, 0, &c, NULL, text_of, &n);
	aspace_changes_free(&c);
	c = one_piece(ASPACE_PIECE_MAPPED, 0x100000, 16 * PAGE, PROT_NONE, 0);
	timeline_call(tl, 20, 2, 0, &c, NULL, text_of, &n);
	aspace_changes_free(&c);
	c = one_piece(ASPACE_PIECE_PROTECTED, 0x100000, 2 * PAGE, PROT_READ, PROT_NONE);
	timeline_call(tl, 30, 3, 0, &c, NULL, text_of, &n);
	aspace_changes_free(&c);
	c = one_piece(ASPACE_PIECE_UNMAPPED, 0x10000, PAGE, 0, PROT_READ | PROT_WRITE);
	timeline_call(tl, 40, 4, 0, &c, NULL, text_of, &n);
	aspace_changes_free(&c);
	c = one_piece(ASPACE_PIECE_MOVED, 0x10000, PAGE, 0, PROT_READ);
	timeline_call(tl, 50, 5, 0, &c, NULL, text_of, &n);
	aspace_changes_free(&c);

	assert_int_equal(tl->npoints, 5);
	assert_int_equal(tl->points[0].vsz, 4 * PAGE);
	assert_int_equal(tl->points[0].committed, 4 * PAGE);
	assert_int_equal(tl->points[1].reserved, 16 * PAGE);
	assert_int_equal(tl->points[2].reserved, 14 * PAGE);
	assert_int_equal(tl->points[2].committed, 6 * PAGE);
	assert_int_equal(tl->points[3].vsz, 19 * PAGE);
	assert_int_equal(tl->points[3].committed, 5 * PAGE);
	assert_int_equal(tl->points[4].vsz, 19 * PAGE);
	assert_int_equal(tl->calls, 5);
	/* The largest first: the 16-page reservation, then the 4-page map, ... */
	assert_int_equal(tl->nbig, 4);
	assert_int_equal(tl->big[0].seq, 2);
	assert_int_equal(tl->big[1].seq, 1);
	assert_int_equal(tl->big[2].seq, 3);
	assert_int_equal(tl->big[3].seq, 4);
	assert_int_equal(tl->big[3].vsz, -(int64_t)PAGE);
	assert_string_equal(tl->big[0].text, "call 1");
	timeline_free(tl);
}

/* The model's own pieces carry no protection: the model after the call has it. */
static void test_prot_from_model(void **state)
{
	struct timeline *tl = timeline_new();
	struct aspace *as = aspace_new();
	struct aspace_event ev = { .seq = 1, .kind = ASPACE_ORIGIN_CALL };
	struct aspace_region none = { .prot = PROT_NONE };
	struct aspace_changes c = { 0 };

	(void)state;
	aspace_map(as, &ev, 0x200000, 8 * PAGE, &none, &c);
	assert_int_equal(c.count, 1);
	timeline_call(tl, 1, 1, 0, &c, as, NULL, NULL);
	assert_int_equal(tl->reserved, 8 * PAGE);
	assert_int_equal(tl->committed, 0);
	/* No text function: an empty text. */
	assert_string_equal(tl->big[0].text, "");
	aspace_changes_free(&c);
	aspace_free(as);
	timeline_free(tl);
}

/* Only the TIMELINE_MAX_BIG largest are kept; a text is asked of those only when they come. */
static void test_big_kept(void **state)
{
	struct timeline *tl = timeline_new();
	int n;

	(void)state;
	texts_asked = 0;
	for (n = 1; n <= 100; n++) {
		/* Sizes 1..100 pages, in an order that is neither rising nor falling. */
		uint64_t pages = (uint64_t)((n * 37) % 100) + 1;
		struct aspace_changes c = one_piece(ASPACE_PIECE_MAPPED, (uint64_t)n << 32,
						    pages * PAGE, PROT_READ, 0);

		timeline_call(tl, (uint64_t)n, (uint64_t)n, 0, &c, NULL, text_of, &n);
		aspace_changes_free(&c);
	}
	assert_int_equal(tl->nbig, TIMELINE_MAX_BIG);
	for (size_t i = 0; i < TIMELINE_MAX_BIG; i++)
		assert_int_equal(tl->big[i].vsz, (int64_t)((100 - i) * PAGE));
	assert_true(texts_asked < 100);
	timeline_free(tl);
}

/* Past TIMELINE_MAX_POINTS the points halve: the first and the peak stay. */
static void test_thinning(void **state)
{
	struct timeline *tl = timeline_new();
	uint64_t peak_at = 3ULL * TIMELINE_MAX_POINTS / 2;

	(void)state;
	for (uint64_t i = 0; i < 3ULL * TIMELINE_MAX_POINTS; i++) {
		/* One page up each call, but 1000 pages up then down around peak_at. */
		enum aspace_piece_kind kind =
			i == peak_at + 1 ? ASPACE_PIECE_UNMAPPED : ASPACE_PIECE_MAPPED;
		uint64_t len = i == peak_at || i == peak_at + 1 ? 1000 * PAGE : PAGE;
		struct aspace_changes c = one_piece(kind, i << 32, len, PROT_READ, PROT_READ);

		timeline_call(tl, i + 1, i + 1, 0, &c, NULL, NULL, NULL);
		aspace_changes_free(&c);
	}
	assert_true(tl->npoints <= TIMELINE_MAX_POINTS);
	assert_true(tl->npoints >= TIMELINE_MAX_POINTS / 2);
	assert_int_equal(tl->points[0].time_ns, 1);
	assert_int_equal(tl->points[0].vsz, PAGE);
	{
		/* The spike: peak_at pages, and the 1000 more of the call at peak_at, undone at once. */
		bool seen = false;

		for (size_t i = 0; i < tl->npoints; i++)
			seen = seen || tl->points[i].vsz == (int64_t)((peak_at + 1000) * PAGE);
		assert_true(seen);
	}
	for (size_t i = 1; i < tl->npoints; i++)
		assert_true(tl->points[i].time_ns > tl->points[i - 1].time_ns);
	timeline_free(tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_from_pieces),
		cmocka_unit_test(test_prot_from_model),
		cmocka_unit_test(test_big_kept),
		cmocka_unit_test(test_thinning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
