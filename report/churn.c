/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What each site did over a run: see churn.h. */
#include "churn.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/util.h"

struct churn {
	uint64_t short_ns;
	struct churn_site *sites; /* indexed by stack id: ids are small and dense */
	bool *used;
	size_t cap;
	uint32_t limit;
};

struct churn *churn_new(uint64_t short_ns)
{
	struct churn *churn = xcalloc(1, sizeof(*churn));

	churn->short_ns = short_ns;
	return churn;
}

void churn_free(struct churn *churn)
{
	if (!churn)
		return;
	free(churn->sites);
	free(churn->used);
	free(churn);
}

void churn_reset(struct churn *churn)
{
	if (churn->cap) {
		memset(churn->sites, 0, churn->cap * sizeof(*churn->sites));
		memset(churn->used, 0, churn->cap * sizeof(*churn->used));
	}
	churn->limit = 0;
}

static struct churn_site *site_of(struct churn *churn, uint32_t stack_id)
{
	if (stack_id >= churn->cap) {
		size_t cap = churn->cap, used_cap = churn->cap;

		xgrowarray((void **)&churn->sites, &cap, (size_t)stack_id + 1,
			   sizeof(*churn->sites));
		xgrowarray((void **)&churn->used, &used_cap, (size_t)stack_id + 1,
			   sizeof(*churn->used));
		memset(churn->sites + churn->cap, 0, (cap - churn->cap) * sizeof(*churn->sites));
		memset(churn->used + churn->cap, 0, (cap - churn->cap) * sizeof(*churn->used));
		churn->cap = cap;
	}
	churn->used[stack_id] = true;
	if (stack_id >= churn->limit)
		churn->limit = stack_id + 1;
	return &churn->sites[stack_id];
}

/* Whether piece i is followed by another piece unmapping bytes of the same origin. */
static bool same_origin_next(const struct aspace_changes *changes, size_t i)
{
	const struct aspace_piece *next = i + 1 < changes->count ? &changes->pieces[i + 1] : NULL;

	return next && next->kind == ASPACE_PIECE_UNMAPPED &&
	       next->origin_kind == changes->pieces[i].origin_kind &&
	       next->origin_seq == changes->pieces[i].origin_seq;
}

void churn_apply(struct churn *churn, uint64_t now_ns, const struct aspace_changes *changes)
{
	uint64_t run_bytes = 0;
	bool mapped = false;

	for (size_t i = 0; i < changes->count; i++) {
		const struct aspace_piece *piece = &changes->pieces[i];
		uint64_t bytes = piece->end - piece->start;
		struct churn_site *site;

		/* Bytes found at exec or attach, or made by the kernel, have no site. */
		if (piece->origin_kind != ASPACE_ORIGIN_CALL || !piece->origin_seq)
			continue;
		site = site_of(churn, piece->origin_stack);
		switch (piece->kind) {
		case ASPACE_PIECE_MAPPED:
			/* A call's new bytes all have the call as origin: one map per call. */
			site->maps += !mapped;
			mapped = true;
			site->mapped_bytes += bytes;
			break;
		case ASPACE_PIECE_UNMAPPED:
			/*
			 * A mapping split in regions (a thread stack and its
			 * guard, an arena's two parts) goes in adjacent pieces:
			 * the last of them says whether the call unmapped it all.
			 */
			run_bytes += bytes;
			if (same_origin_next(changes, i))
				break;
			if (piece->origin_left) {
				site->trims++;
				site->trimmed_bytes += run_bytes;
			} else if (now_ns - piece->origin_time_ns < churn->short_ns) {
				site->short_pairs++;
				site->short_bytes += run_bytes;
			} else {
				site->unmaps++;
				site->unmapped_bytes += run_bytes;
			}
			run_bytes = 0;
			break;
		case ASPACE_PIECE_PROTECTED:
		case ASPACE_PIECE_MOVED:
		case ASPACE_PIECE_RELEASED:
			break;
		}
	}
}

const struct churn_site *churn_site(const struct churn *churn, uint32_t stack_id)
{
	if (stack_id >= churn->cap || !churn->used[stack_id])
		return NULL;
	return &churn->sites[stack_id];
}

uint32_t churn_limit(const struct churn *churn)
{
	return churn->limit;
}

uint64_t churn_short_ns(const struct churn *churn)
{
	return churn->short_ns;
}
