/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What each site did over a run: see churn.h. */
#include "churn.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
	uint32_t *index;   /* open addressing on the stack id: slot + 1, or 0 for empty */
	size_t index_size; /* a power of two, at least twice nslots; 0: none yet */
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
	free(churn->index);
	free(churn);
}

void churn_reset(struct churn *churn)
{
	churn->nslots = 0;
	if (churn->index_size)
		memset(churn->index, 0, churn->index_size * sizeof(*churn->index));
}

static size_t index_home(const struct churn *churn, uint32_t stack_id)
{
	return (size_t)(((uint64_t)stack_id * 0x9e3779b97f4a7c15ULL) >> 32) &
	       (churn->index_size - 1);
}

static void index_put(struct churn *churn, size_t slot)
{
	size_t idx = index_home(churn, churn->slots[slot].stack_id);

	while (churn->index[idx])
		idx = (idx + 1) & (churn->index_size - 1);
	churn->index[idx] = (uint32_t)slot + 1;
}

/* The slot of stack_id, or NULL. */
static struct churn_slot *find_slot(const struct churn *churn, uint32_t stack_id)
{
	uint32_t slot;

	if (!churn->index_size)
		return NULL;
	for (size_t idx = index_home(churn, stack_id); (slot = churn->index[idx]) != 0;
	     idx = (idx + 1) & (churn->index_size - 1))
		if (churn->slots[slot - 1].stack_id == stack_id)
			return &churn->slots[slot - 1];
	return NULL;
}

/* The site of stack_id, added if new. */
static struct churn_site *site_of(struct churn *churn, uint32_t stack_id)
{
	struct churn_slot *found = find_slot(churn, stack_id);

	if (found)
		return &found->site;
	xgrowarray((void **)&churn->slots, &churn->slots_cap, churn->nslots + 1,
		   sizeof(*churn->slots));
	churn->slots[churn->nslots] = (struct churn_slot){ .stack_id = stack_id };
	churn->nslots++;
	if (churn->nslots * 2 > churn->index_size) {
		free(churn->index);
		churn->index_size = churn->index_size ? churn->index_size * 2 : 32;
		churn->index = xcalloc(churn->index_size, sizeof(*churn->index));
		for (size_t slot = 0; slot < churn->nslots; slot++)
			index_put(churn, slot);
	} else {
		index_put(churn, churn->nslots - 1);
	}
	return &churn->slots[churn->nslots - 1].site;
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
		/* Re-protected, moved, released bytes count nothing here: no site to find. */
		if (piece->kind != ASPACE_PIECE_MAPPED && piece->kind != ASPACE_PIECE_UNMAPPED)
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
		default:
			break;
		}
	}
}

const struct churn_site *churn_site(const struct churn *churn, uint32_t stack_id)
{
	const struct churn_slot *slot = find_slot(churn, stack_id);

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
}
