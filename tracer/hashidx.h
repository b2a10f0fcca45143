/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A hash index: finds, by hash, entries that its user keeps in an array of
 * its own, named by their number in it.  Every hash table of memtrace is
 * one of these over the table's own entries (tasks, origins, stacks,
 * strings, modules' mappings, formatted frames, a trace's processes,
 * churn's sites), so each table keeps its entries as suits it: in the
 * order they came where their numbers are ids.
 *
 * Open addressing with linear probing over slots of {32-bit hash, entry
 * number + 1}; at most half the slots are in use, the slots double past
 * that.  A hash's first slot is chosen by Fibonacci hashing (hidx_home()).
 * Each slot keeps its hash: growth and removal never ask the user to hash
 * an entry again, and a lookup looks at an entry only when the 32 bits
 * match.  Removal shifts back the slots that probed past the hole
 * (backward-shift deletion), rather than leaving a tombstone: lookups
 * after many removals are as short as after none, and the index never
 * needs a rebuild.
 *
 * The index knows no keys: a lookup walks the entries stored under the
 * hash, and the user compares each with its key:
 *
 *	struct hidx_iter it = hidx_probe(&idx, hash);
 *	uint32_t entry;
 *
 *	while (hidx_next(&idx, &it, &entry))
 *		if (items[entry].key == key)
 *			return &items[entry];
 *
 * A zeroed struct hidx is an empty index, which allocates nothing until
 * its first insertion.  Nothing here fails: allocation dies (util.h).
 */
#ifndef MEMTRACE_HASHIDX_H
#define MEMTRACE_HASHIDX_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hidx_slot {
	uint32_t hash;
	uint32_t entry; /* its number + 1; 0: an empty slot */
};

struct hidx {
	struct hidx_slot *slots; /* NULL until the first insertion */
	size_t mask;		 /* the number of slots (a power of two) - 1; 0 without slots */
	size_t count;
};

/* A lookup in progress: where the probe for hash has got to. */
struct hidx_iter {
	size_t pos;
	uint32_t hash;
};

/*
 * The hashes of keys of several words.  A running hash starts at
 * HIDX_HASH_SEED, takes words with hidx_hash_word() and ends, for the
 * index, as its low 32 bits.  Each step is a bijection of the running
 * hash for a given word, and of the word for a given running hash (xor,
 * multiplication by an odd constant, an xorshift), so two keys of one
 * length that differ in one word never have the same running hash; the
 * xorshift brings the product's high bits, which every bit of the word
 * reaches, down to the low 32 the index keeps.  The multiplier is
 * 2^64 / phi, as in Knuth's multiplicative hashing; the seed is FNV-1a's
 * offset basis.
 */
#define HIDX_HASH_SEED 0xcbf29ce484222325ULL
#define HIDX_HASH_MULT 0x9e3779b97f4a7c15ULL

static inline uint64_t hidx_hash_word(uint64_t hash, uint64_t word)
{
	hash = (hash ^ word) * HIDX_HASH_MULT;
	return hash ^ (hash >> 32);
}

/*
 * The hash of one integer key (a tid, a sequence number, an id): its two
 * halves folded together, not mixed.  hidx_home() spreads consecutive
 * keys evenly over the slots, which mixing would only undo; and a key
 * that fits in 32 bits is its own hash, so two such keys never collide.
 */
static inline uint32_t hidx_hash_u64(uint64_t key)
{
	return (uint32_t)(key ^ (key >> 32));
}

/* The hash of len bytes (FNV-1a, its two halves folded together). */
uint32_t hidx_hash_bytes(const void *data, size_t len);

/*
 * The first slot a hash probes, its home: the top bits of its product by
 * 2^32 / phi (Knuth's multiplicative hashing), as many bits as it takes to
 * number the slots.  Consecutive hashes so land far apart and evenly
 * spread (the three-distance theorem): a table of tids, sequence numbers
 * or ids rarely probes past the home.  0 without slots.
 */
static inline size_t hidx_home(const struct hidx *idx, uint32_t hash)
{
	return (size_t)(((uint64_t)(uint32_t)(hash * 0x9e3779b9U) * (idx->mask + 1)) >> 32);
}

/*
 * Starts a lookup of the entries stored under hash; hidx_next() returns
 * them.  Any insertion or removal ends the lookup.
 */
static inline struct hidx_iter hidx_probe(const struct hidx *idx, uint32_t hash)
{
	return (struct hidx_iter){ .pos = hidx_home(idx, hash), .hash = hash };
}

/*
 * Sets *entry to the next entry stored under the lookup's hash and returns
 * true, or returns false when there is none left.  Entries of other hashes
 * are skipped without being looked at; those of the same hash (different
 * keys may collide) are all returned, in no particular order.
 */
static inline bool hidx_next(const struct hidx *idx, struct hidx_iter *it, uint32_t *entry)
{
	if (!idx->slots)
		return false;
	for (;;) {
		const struct hidx_slot *slot = &idx->slots[it->pos];

		if (!slot->entry)
			return false;
		it->pos = (it->pos + 1) & idx->mask;
		if (slot->hash == it->hash) {
			*entry = slot->entry - 1;
			return true;
		}
	}
}

/*
 * Stores entry under hash, doubling the slots first if that would fill
 * more than half of them.  The entry must not be stored already.
 */
void hidx_insert(struct hidx *idx, uint32_t hash, uint32_t entry);

/*
 * Stores entry under the hash of a lookup that found no match: it, whose
 * hidx_next() has just returned false, with no insertion or removal since.
 * The slot that ended the lookup is the one an insertion would take,
 * unless the slots must grow first; so a miss and the insertion that
 * follows it probe once.
 */
static inline void hidx_insert_missed(struct hidx *idx, const struct hidx_iter *it, uint32_t entry)
{
	assert(entry < UINT32_MAX && "entry number out of range");
	if ((idx->count + 1) * 2 > idx->mask + 1) {
		hidx_insert(idx, it->hash, entry);
		return;
	}
	idx->slots[it->pos] = (struct hidx_slot){ it->hash, entry + 1 };
	idx->count++;
}

/* Removes entry, which is stored under hash. */
void hidx_remove(struct hidx *idx, uint32_t hash, uint32_t entry);

/*
 * Gives the entry stored under hash as number from the number to instead:
 * for a user that fills the hole a removal left in its array with its last
 * entry.  No entry may be stored as to.
 */
void hidx_renumber(struct hidx *idx, uint32_t hash, uint32_t from, uint32_t to);

/* Removes every entry; keeps the slots for the next ones. */
void hidx_clear(struct hidx *idx);

/* Makes *dst a copy of src, sharing nothing with it. */
void hidx_copy(struct hidx *dst, const struct hidx *src);

/* Frees the slots; the index is empty (and zeroed) after. */
void hidx_free(struct hidx *idx);

#endif /* MEMTRACE_HASHIDX_H */
