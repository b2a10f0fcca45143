/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The model's update cost, without ptrace: 100k live regions, then a
 * replay of synthetic events (mmap over a region, munmap of part of one,
 * mprotect of part of one, and their undoing), timed per event.
 *
 *   model_replay [EVENTS [REGIONS]]     defaults: 1000000 100000
 *
 * Prints "model_replay: N events, R regions: X ns/event" and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "aspace.h"
#include "../tests/unit/unittest.h"

#define PAGE ASPACE_PAGE_SIZE
#define BASE 0x100000000ULL

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t bound)
{
	return unittest_rnd(&rng, bound);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t nevents = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	uint64_t nregions = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
	struct aspace *as = aspace_new();
	struct aspace_changes changes = { 0 };
	struct aspace_region rw = { .prot = 3 };
	struct aspace_event ev = { .kind = ASPACE_ORIGIN_CALL };
	double start, elapsed;

	/* Region i lives at [BASE + 8i pages, + 4 pages): gaps keep them apart. */
	for (uint64_t i = 0; i < nregions; i++) {
		ev.seq++;
		aspace_map(as, &ev, BASE + i * 8 * PAGE, 4 * PAGE, &rw, NULL);
	}
	start = now_ns();
	for (uint64_t n = 0; n < nevents; n++) {
		uint64_t slot = BASE + rnd(nregions) * 8 * PAGE;

		ev.seq++;
		aspace_changes_reset(&changes);
		switch (n % 4) {
		case 0: /* map over the whole slot, as a new origin */
			aspace_map(as, &ev, slot, 4 * PAGE, &rw, &changes);
			break;
		case 1: /* protect a page in the middle: splits in three */
			aspace_protect(as, &ev, slot + PAGE, PAGE, 1, &changes);
			break;
		case 2: /* unmap the last page */
			aspace_unmap(as, &ev, slot + 3 * PAGE, PAGE, &changes);
			break;
		default: /* and map it back */
			aspace_map(as, &ev, slot + 3 * PAGE, PAGE, &rw, &changes);
			break;
		}
	}
	elapsed = now_ns() - start;
	printf("model_replay: %llu events, %zu regions at the end: %.0f ns/event\n",
	       (unsigned long long)nevents, aspace_count(as), elapsed / (double)nevents);
	aspace_changes_free(&changes);
	aspace_free(as);
	return 0;
}
