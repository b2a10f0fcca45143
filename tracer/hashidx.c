/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hash index: see hashidx.h. */
#include "hashidx.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Slots of a first insertion: a few entries never grow it. */
#define MIN_SLOTS 16

uint32_t hidx_hash_bytes(const void *data, size_t len)
{
	const unsigned char *bytes = data;
	uint64_t hash = HIDX_HASH_SEED; /* FNV-1a's offset basis */

	for (size_t i = 0; i < len; i++) {
		hash ^= bytes[i];
		hash *= 0x100000001b3ULL; /* FNV-1a's prime */
	}
	/* The index keeps 32 bits: fold the high half in rather than drop it. */
	return (uint32_t)(hash ^ (hash >> 32));
}

/* Stores a slot in the first empty one of its probe sequence. */
static void put(struct hidx *idx, struct hidx_slot slot)
{
	size_t pos = hidx_home(idx, slot.hash);

	while (idx->slots[pos].entry)
		pos = (pos + 1) & idx->mask;
	idx->slots[pos] = slot;
}

/* Out of line: it runs once per doubling, and an insertion stays small. */
static __attribute__((noinline)) void grow(struct hidx *idx)
{
	struct hidx_slot *old = idx->slots;
	size_t old_n = old ? idx->mask + 1 : 0;
	size_t nslots = old ? old_n * 2 : MIN_SLOTS;

	idx->slots = xcalloc(nslots, sizeof(*idx->slots));
	idx->mask = nslots - 1;
	for (size_t i = 0; i < old_n; i++)
		if (old[i].entry)
			put(idx, old[i]);
	free(old);
}

void hidx_insert(struct hidx *idx, uint32_t hash, uint32_t entry)
{
	assert(entry < UINT32_MAX && "entry number out of range");
	/* Without slots the mask is 0: one slot, which never holds two. */
	if ((idx->count + 1) * 2 > idx->mask + 1)
		grow(idx);
	put(idx, (struct hidx_slot){ hash, entry + 1 });
	idx->count++;
}

/* The position of the slot of entry, stored under hash. */
static size_t find(const struct hidx *idx, uint32_t hash, uint32_t entry)
{
	size_t pos = hidx_home(idx, hash);

	assert(idx->slots && "entry not in the index");
	while (idx->slots[pos].entry != entry + 1) {
		assert(idx->slots[pos].entry && "entry not in the index");
		pos = (pos + 1) & idx->mask;
	}
	return pos;
}

void hidx_remove(struct hidx *idx, uint32_t hash, uint32_t entry)
{
	size_t mask = idx->mask;
	size_t hole = find(idx, hash, entry);

	/*
	 * Each slot after the hole, up to the next empty one, probed past it
	 * unless its home lies in (hole, next]: those that did move into the
	 * hole, which moves to where they were.  A lookup then never meets an
	 * empty slot before the entry it looks for.
	 */
	for (size_t next = (hole + 1) & mask; idx->slots[next].entry; next = (next + 1) & mask) {
		size_t home = hidx_home(idx, idx->slots[next].hash);

		if (((next - home) & mask) >= ((next - hole) & mask)) {
			idx->slots[hole] = idx->slots[next];
			hole = next;
		}
	}
	idx->slots[hole] = (struct hidx_slot){ 0, 0 };
	idx->count--;
}

void hidx_renumber(struct hidx *idx, uint32_t hash, uint32_t from, uint32_t to)
{
	assert(to < UINT32_MAX && "entry number out of range");
	idx->slots[find(idx, hash, from)].entry = to + 1;
}

void hidx_clear(struct hidx *idx)
{
	if (idx->slots)
		memset(idx->slots, 0, (idx->mask + 1) * sizeof(*idx->slots));
	idx->count = 0;
}

void hidx_copy(struct hidx *dst, const struct hidx *src)
{
	*dst = *src;
	if (!src->slots)
		return;
	dst->slots = xcalloc(src->mask + 1, sizeof(*dst->slots));
	memcpy(dst->slots, src->slots, (src->mask + 1) * sizeof(*dst->slots));
}

void hidx_free(struct hidx *idx)
{
	free(idx->slots);
	*idx = (struct hidx){ NULL, 0, 0 };
}
