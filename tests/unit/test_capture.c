/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for unwind/capture.c: a walk's frames placed in the model,
 * and where a walk that strays out of code ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "aspace.h"
#include "capture.h"
#include "modules.h"
#include "stacks.h"
#include "strtab.h"

#define PAGE 4096ULL
#define MAX_FRAMES 16

/*
 * The model of every case:
 *   LIB   [0x10000, +4 pages)  r-x  /nonexistent/libx.so at offset 0x2000
 *   DATA  [0x20000, +2 pages)  r--  the same file's read-only data
 *   JIT   [0x30000, +1 page)   r-x  anonymous (a JIT's code)
 *   HEAP  [0x40000, +1 page)   rw-  anonymous
 */
#define LIB 0x10000ULL
#define DATA 0x20000ULL
#define JIT 0x30000ULL
#define HEAP 0x40000ULL

struct fixture {
	struct strtab *paths;
	struct modules *mods;
	struct stacks *stacks;
	struct capture *cap;
	struct aspace *as;
};

static void map(struct fixture *fx, uint64_t seq, uint64_t start, uint64_t pages,
		const struct aspace_region *tmpl)
{
	const struct aspace_event ev = { .seq = seq, .tid = 1, .kind = ASPACE_ORIGIN_CALL };

	aspace_map(fx->as, &ev, start, pages * PAGE, tmpl, NULL);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	uint32_t lib;

	if (!fx)
		return -1;
	fx->paths = strtab_new();
	fx->mods = modules_new(fx->paths);
	fx->stacks = stacks_new();
	fx->cap = capture_new(fx->mods, fx->stacks, MAX_FRAMES);
	fx->as = aspace_new();
	lib = strtab_intern(fx->paths, "/nonexistent/libx.so", 20);
	map(fx, 1, LIB, 4,
	    &(struct aspace_region){ .prot = PROT_READ | PROT_EXEC,
				     .backing = ASPACE_BACKING_FILE,
				     .path = lib,
				     .offset = 0x2000 });
	map(fx, 2, DATA, 2,
	    &(struct aspace_region){ .prot = PROT_READ,
				     .backing = ASPACE_BACKING_FILE,
				     .path = lib,
				     .offset = 0x8000 });
	map(fx, 3, JIT, 1, &(struct aspace_region){ .prot = PROT_READ | PROT_EXEC });
	map(fx, 4, HEAP, 1, &(struct aspace_region){ .prot = PROT_READ | PROT_WRITE });
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	aspace_free(fx->as);
	capture_free(fx->cap);
	stacks_free(fx->stacks);
	modules_free(fx->mods);
	strtab_free(fx->paths);
	free(fx);
	return 0;
}

/* The frames of stack id, which must have n. */
static const uint64_t *frames_of(const struct fixture *fx, uint32_t id, size_t n)
{
	const uint64_t *frames;

	assert_int_equal(stacks_get(fx->stacks, id, &frames), n);
	return frames;
}

/* Frames in a file's code and in anonymous code are placed: module and offset, or none. */
static void test_placed(void **state)
{
	struct fixture *fx = *state;
	const uint64_t walk[] = { LIB + 0x10, JIT + 0x20, LIB + 0x3001 };
	const uint32_t *modules;
	const uint64_t *offsets;
	uint32_t id = capture_place(fx->cap, 0, fx->as, walk, 3);

	assert_int_not_equal(id, 0);
	assert_memory_equal(frames_of(fx, id, 3), walk, sizeof(walk));
	assert_int_equal(stacks_get_located(fx->stacks, id, &modules, &offsets), 3);
	assert_int_not_equal(modules[0], 0);
	assert_int_equal(offsets[0], 0x2010);
	/* Anonymous code: no module. */
	assert_int_equal(modules[1], 0);
	/* A return address is looked up one byte back, in the same file. */
	assert_int_equal(modules[2], modules[0]);
	assert_int_equal(offsets[2], 0x2000 + 0x3000);
}

/*
 * A return address in data (the file's read-only segment, the heap) or
 * in no mapping ends the walk there: the frames above it are dropped.
 */
static void test_ends_out_of_code(void **state)
{
	struct fixture *fx = *state;
	const uint64_t in_data[] = { LIB + 0x10, LIB + 0x100, DATA + 0x400, LIB + 0x200 };
	const uint64_t in_heap[] = { LIB + 0x10, HEAP + 0x8, LIB + 0x200 };
	const uint64_t nowhere[] = { LIB + 0x10, JIT + 0x20, 0x800000, LIB + 0x200 };
	uint32_t id;

	id = capture_place(fx->cap, 0, fx->as, in_data, 4);
	assert_memory_equal(frames_of(fx, id, 2), in_data, 2 * sizeof(in_data[0]));
	id = capture_place(fx->cap, 0, fx->as, in_heap, 3);
	assert_memory_equal(frames_of(fx, id, 1), in_heap, sizeof(in_heap[0]));
	id = capture_place(fx->cap, 0, fx->as, nowhere, 4);
	assert_memory_equal(frames_of(fx, id, 2), nowhere, 2 * sizeof(nowhere[0]));
}

/*
 * The innermost frame is where the task stopped: kept wherever the model
 * places it.  A return address one past the end of the code (a call as a
 * function's last instruction) is code.
 */
static void test_innermost_and_edge(void **state)
{
	struct fixture *fx = *state;
	const uint64_t stopped_in_data[] = { DATA + 0x10, LIB + 0x10 };
	const uint64_t at_end[] = { LIB + 0x10, JIT + PAGE, LIB + 4 * PAGE };

	assert_int_not_equal(capture_place(fx->cap, 0, fx->as, stopped_in_data, 2), 0);
	(void)frames_of(fx, capture_place(fx->cap, 0, fx->as, stopped_in_data, 2), 2);
	(void)frames_of(fx, capture_place(fx->cap, 0, fx->as, at_end, 3), 3);
	assert_int_equal(capture_place(fx->cap, 0, fx->as, at_end, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_placed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ends_out_of_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_innermost_and_edge, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
