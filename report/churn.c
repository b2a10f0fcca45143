/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What each site did over a run: see churn.h. */
#include "churn.h"

#include <stdbool.h>
#include <stdlib.h>

#include "../tracer/hashidx.h"
#include "../tracer/util.h"

/* A site counted: its stack id and figures. */
struct churn_slot {
	uint32_t stack_id;
	struct churn_site site;
};

/*
 * The sites a process used, whatever the ids: under -f every process
 * sees the stack ids of all the others, so an array indexed by the id
 * would grow with all of them, in every process.
 */
struct churn {
	uint64_t short_ns;
	struct churn_slot *slots; /* in order of first use */
	size_t nslots;
	size_t slots_cap;
	struct hidx index; /* the hash of each stack id -> its slot */
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
	free(churn->slots);
	hidx_free(&churn->index);
	free(churn);
}

void churn_reset(struct churn *churn)
{
	churn->nslots = 0;
	hidx_clear(&churn->index);
}

/* The slot of stack_id, or NULL: *it is then where the lookup ended. */
static struct churn_slot *find_slot(const struct churn *churn, uint32_t stack_id,
				    struct hidx_iter *it)
{
	uint32_t slot;

	*it = hidx_probe(&churn->index, hidx_hash_u64(stack_id));
	while (hidx_next(&churn->index, it, &slot))
		if (churn->slots[slot].stack_id == stack_id)
			return &churn->slots[slot];
	return NULL;
}

/* The site of stack_id, added if new. */
static struct churn_site *site_of(struct churn *churn, uint32_t stack_id)
{
	struct hidx_iter it;
	struct churn_slot *found = find_slot(churn, stack_id, &it);

	if (found)
		return &found->site;
	xgrowarray((void **)&churn->slots, &churn->slots_cap, churn->nslots + 1,
		   sizeof(*churn->slots));
	churn->slots[churn->nslots] = (struct churn_slot){ .stack_id = stack_id };
	hidx_insert_missed(&churn->index, &it, (uint32_t)churn->nslots);
	churn->nslots++;
	return &churn->slots[churn->nslots - 1].site;
}

/* Whether piece i is followed by another of its kind (unmapping, releasing) of the same origin. */
static bool same_origin_next(const struct aspace_changes *changes, size_t i)
{
	const struct aspace_piece *next = i + 1 < changes->count ? &changes->pieces[i + 1] : NULL;

	return next && next->kind == changes->pieces[i].kind &&
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
		/*
		 * Re-protected and moved bytes count nothing here; released
		 * ones count at a site that a stack names (a trace written
		 * before releases named theirs has none).
		 */
		if (piece->kind != ASPACE_PIECE_MAPPED && piece->kind != ASPACE_PIECE_UNMAPPED &&
		    (piece->kind != ASPACE_PIECE_RELEASED || !piece->origin_stack))
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
		case ASPACE_PIECE_RELEASED:
			/* One call over one mapping's regions: one release. */
			site->released_bytes += bytes;
			site->releases += !same_origin_next(changes, i);
			break;
		default:
			break;
		}
	}
}

const struct churn_site *churn_site(const struct churn *churn, uint32_t stack_id)
{
	struct hidx_iter it;
	const struct churn_slot *slot = find_slot(churn, stack_id, &it);

	return slot ? &slot->site : NULL;
}

static int by_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

size_t churn_stacks(const struct churn *churn, uint32_t **ids)
{
	*ids = xcalloc(churn->nslots + 1, sizeof(**ids));
	for (size_t i = 0; i < churn->nslots; i++)
		(*ids)[i] = churn->slots[i].stack_id;
	qsort(*ids, churn->nslots, sizeof(**ids), by_id);
	return churn->nslots;
}

uint64_t churn_short_ns(const struct churn *churn)
{
	return churn->short_ns;
}

void churn_site_add(struct churn_site *to, const struct churn_site *from)
{
	to->maps += from->maps;
	to->mapped_bytes += from->mapped_bytes;
	to->short_pairs += from->short_pairs;
	to->short_bytes += from->short_bytes;
	to->unmaps += from->unmaps;
	to->unmapped_bytes += from->unmapped_bytes;
	to->trims += from->trims;
	to->trimmed_bytes += from->trimmed_bytes;
	to->releases += from->releases;
	to->released_bytes += from->released_bytes;
}
