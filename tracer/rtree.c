/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The B+ tree of regions: see rtree.h.
 *
 * Inner nodes hold keys and children; leaves hold the regions, with their
 * starts in an array of their own so that a search reads the starts only.
 * Updates descend from the root recording the path (the inner nodes and
 * the child taken in each), then split or remove upwards along it.
 */
#include "rtree.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

/*
 * A leaf fills one page of memtrace's memory, aligned so that it spans no
 * two (a page of memtrace, unrelated to the traced program's pages).  Its
 * first cache line holds the links, the count and the order of the slots;
 * the starts and the regions' origin slots take the next lines; the
 * regions come last, on a 32-byte boundary so that each spans two cache
 * lines, not three.  Hence the two lines taken off before dividing: the
 * first, and up to one lost to the alignment.
 */
#define LEAF_BYTES 4096U
#define LINE_BYTES 64U
#define LEAF_CAP                         \
	((LEAF_BYTES - 2 * LINE_BYTES) / \
	 (sizeof(struct aspace_region) + sizeof(uint64_t) + sizeof(uint32_t)))
#define FANOUT 32
/*
 * The largest chunk of leaves (see leaf_new()): a huge page of x86-64 and
 * of arm64 with 4 KiB pages, which a chunk of this size asks to be backed
 * by.
 */
#define CHUNK_MAX (2U << 20)
/*
 * More levels than can be: an inner node is made by splitting a full one,
 * which took at least FANOUT / 2 splits below it since it was made, so a
 * height of 16 takes more than 16^15 leaf splits.
 */
#define MAX_HEIGHT 16

/*
 * The regions of a leaf stay in the slot they were put in, and slot[]
 * gives their order: the region at position i (in address order) is
 * regions[slot[i]].  An insertion or a removal so moves a byte per
 * region after it, and its start, rather than the 96-byte regions: far
 * less to move, and far fewer cache lines of a leaf not in the cache to
 * bring in.  slot[count..LEAF_CAP) are the free slots, so slot[] is
 * always a permutation of them all.
 */
struct rtree_leaf {
	struct rtree_leaf *next;
	struct rtree_leaf *prev;
	/*
	 * No region of the later leaves starts below high: the key that
	 * sends addresses to the next leaf, set when this one was split.
	 * A leaf taken out after it leaves it lower than it could be, never
	 * too high (see unlink_leaf()).
	 */
	uint64_t high;
	uint8_t count;
	uint8_t slot[LEAF_CAP];
	/* starts[i] == regions[slot[i]].start: searched without touching the regions. */
	uint64_t starts[LEAF_CAP] __attribute__((aligned(LINE_BYTES)));
	/*
	 * origin_slots[s] == regions[s].origin_slot, by slot, as it was when
	 * the region went in: read with the starts (see regions_touch()).
	 */
	uint32_t origin_slots[LEAF_CAP];
	struct aspace_region regions[LEAF_CAP] __attribute__((aligned(LINE_BYTES / 2)));
};

_Static_assert(sizeof(struct rtree_leaf) <= LEAF_BYTES, "a leaf fills at most a page");
_Static_assert(offsetof(struct rtree_leaf, starts) == LINE_BYTES,
	       "links, count and slots fill the first line");
_Static_assert(LEAF_CAP <= UINT8_MAX, "a slot and the count fit in a byte");

/*
 * keys[i] is at most the start of every region under children[i], and
 * above those under children[i - 1]; keys[0] is not used (child 0 takes
 * everything below keys[1]).
 */
struct rtree_inner {
	size_t count;
	uint64_t keys[FANOUT];
	void *children[FANOUT];
};

struct rtree {
	void *root;	     /* a leaf when height is 0 */
	unsigned int height; /* levels of inner nodes */
	size_t count;
	uint64_t bytes; /* in all the regions */
	/*
	 * The leaf the last lookup or change was made in, or NULL, and the
	 * position there: the calls that make one update of the model
	 * (split, look up, remove, insert, merge) work at one place, so each
	 * after the first finds its leaf without descending, and its
	 * position a step or two from the last (see find_leaf()).  A cache
	 * that lookups update too: memtrace has one thread.
	 */
	struct rtree_leaf *hint;
	size_t hint_idx;
	/* The model's table of origin counts: see rtree_origin_table(). */
	const char *origin_table;
	size_t origin_entries;
	size_t origin_size;
	/* Where leaves come from (leaf_new()). */
	struct rtree_leaf *spare; /* leaves out of the tree, linked by next */
	char *fresh;		  /* the part of the last chunk never used */
	size_t fresh_leaves;	  /* leaves there */
	size_t chunk_leaves;	  /* leaves in the last chunk */
	void **chunks;		  /* every chunk, freed with the tree */
	size_t nchunks, chunks_cap;
};

/* The inner nodes from the root down to a leaf, and the child taken in each. */
struct path {
	struct rtree_inner *node[MAX_HEIGHT];
	size_t idx[MAX_HEIGHT];
};

/* A chunk of leaves twice the size of the last, up to CHUNK_MAX. */
static void chunk_new(struct rtree *tree)
{
	size_t leaves = tree->chunk_leaves ? 2 * tree->chunk_leaves : 1;
	size_t bytes;
	void *chunk;

	if (leaves > CHUNK_MAX / LEAF_BYTES)
		leaves = CHUNK_MAX / LEAF_BYTES;
	bytes = leaves * LEAF_BYTES;
	chunk = aligned_alloc(bytes == CHUNK_MAX ? CHUNK_MAX : LEAF_BYTES, bytes);
	if (!chunk)
		die("out of memory");
	/* Advice only: without transparent huge pages, pages as before. */
	if (bytes == CHUNK_MAX)
		(void)madvise(chunk, bytes, MADV_HUGEPAGE);
	xgrowarray((void **)&tree->chunks, &tree->chunks_cap, tree->nchunks + 1,
		   sizeof(*tree->chunks));
	tree->chunks[tree->nchunks++] = chunk;
	tree->fresh = chunk;
	tree->fresh_leaves = leaves;
	tree->chunk_leaves = leaves;
}

/*
 * A new, empty leaf.  Leaves are cut from chunks that the tree keeps
 * until it is freed, each twice the size of the last, from one leaf up
 * to CHUNK_MAX, which is asked to be a huge page (MADV_HUGEPAGE).  In a
 * model of many regions, a lookup at a random place reads a leaf in a
 * random page: in pages of 4 KiB it missed the TLB as well as the
 * cache, a walk of the page tables before the wait for the leaf itself.
 * A leaf taken out of the tree waits in spare for the next one made:
 * a tree keeps the memory of the most leaves it has had, until it is
 * freed (an exec frees the model's).
 */
static struct rtree_leaf *leaf_new(struct rtree *tree)
{
	struct rtree_leaf *leaf = tree->spare;

	if (leaf) {
		tree->spare = leaf->next;
	} else {
		if (!tree->fresh_leaves)
			chunk_new(tree);
		/* Chunks are aligned to LEAF_BYTES, a leaf's own alignment or more. */
		leaf = (struct rtree_leaf *)(void *)tree->fresh;
		tree->fresh += LEAF_BYTES;
		tree->fresh_leaves--;
	}
	memset(leaf, 0, sizeof(*leaf));
	leaf->high = UINT64_MAX;
	for (size_t i = 0; i < LEAF_CAP; i++)
		leaf->slot[i] = (uint8_t)i;
	return leaf;
}

static struct rtree_inner *inner_new(void)
{
	return xcalloc(1, sizeof(struct rtree_inner));
}

struct rtree *rtree_new(void)
{
	struct rtree *tree = xcalloc(1, sizeof(*tree));

	tree->root = leaf_new(tree);
	return tree;
}

/* Frees the inner nodes of a subtree; the leaves go with their chunks. */
static void free_inners(void *node, unsigned int height)
{
	struct rtree_inner *inner = node;

	if (!height)
		return;
	for (size_t i = 0; i < inner->count; i++)
		free_inners(inner->children[i], height - 1);
	free(inner);
}

void rtree_free(struct rtree *tree)
{
	if (!tree)
		return;
	free_inners(tree->root, tree->height);
	for (size_t i = 0; i < tree->nchunks; i++)
		free(tree->chunks[i]);
	free(tree->chunks);
	free(tree);
}

/* Copies a leaf into copy, linking it after *last. */
static struct rtree_leaf *copy_leaf(struct rtree *copy, const struct rtree_leaf *leaf,
				    struct rtree_leaf **last)
{
	struct rtree_leaf *dup = leaf_new(copy);

	memcpy(dup, leaf, sizeof(*dup));
	dup->prev = *last;
	dup->next = NULL;
	if (*last)
		(*last)->next = dup;
	*last = dup;
	return dup;
}

/* Copies a subtree into copy; *last links the copied leaves in order. */
static void *copy_tree(struct rtree *copy, const void *node, unsigned int height,
		       struct rtree_leaf **last)
{
	const struct rtree_inner *inner = node;
	struct rtree_inner *dup;

	if (!height)
		return copy_leaf(copy, node, last);
	dup = inner_new();
	*dup = *inner;
	for (size_t i = 0; i < inner->count; i++)
		dup->children[i] = copy_tree(copy, inner->children[i], height - 1, last);
	return dup;
}

struct rtree *rtree_copy(const struct rtree *tree)
{
	struct rtree *copy = xcalloc(1, sizeof(*copy));
	struct rtree_leaf *last = NULL;

	copy->root = copy_tree(copy, tree->root, tree->height, &last);
	copy->height = tree->height;
	copy->count = tree->count;
	copy->bytes = tree->bytes;
	return copy;
}

void rtree_origin_table(struct rtree *tree, const void *table, size_t entries, size_t size)
{
	tree->origin_table = table;
	tree->origin_entries = entries;
	tree->origin_size = size;
}

size_t rtree_count(const struct rtree *tree)
{
	return tree->count;
}

uint64_t rtree_bytes(const struct rtree *tree)
{
	return tree->bytes;
}

/* Cursors. */

/* The region at position idx of leaf. */
static struct aspace_region *leaf_at(const struct rtree_leaf *leaf, size_t idx)
{
	return (struct aspace_region *)&leaf->regions[leaf->slot[idx]];
}

/* The region at cur, which must be one. */
static struct aspace_region *at(struct aspace_cursor cur)
{
	return leaf_at(cur.leaf, cur.idx);
}

struct aspace_region *rtree_region(struct aspace_cursor cur)
{
	return cur.leaf ? at(cur) : NULL;
}

struct aspace_cursor rtree_next(struct aspace_cursor cur)
{
	if (++cur.idx < cur.leaf->count)
		return cur;
	cur.leaf = cur.leaf->next;
	cur.idx = 0;
	return cur;
}

struct aspace_cursor rtree_prev(struct aspace_cursor cur)
{
	if (cur.idx > 0) {
		cur.idx--;
		return cur;
	}
	cur.leaf = cur.leaf->prev;
	cur.idx = cur.leaf ? cur.leaf->count - 1 : 0;
	return cur;
}

/* Searches. */

/* The child of inner to descend into for addr. */
static size_t inner_child(const struct rtree_inner *inner, uint64_t addr)
{
	size_t below = 0;

	/* As leaf_upper() counts: loads that do not wait on one another. */
	for (size_t i = 1; i < inner->count; i++)
		below += inner->keys[i] <= addr;
	return below;
}

/*
 * Index of the first region of leaf whose start is above addr: a count
 * of the starts at or below it, over the whole (sorted) array.  Its
 * loads do not wait on one another, as a binary search's do: a leaf
 * not in the cache costs one wait, not one per probe.
 */
static size_t leaf_upper(const struct rtree_leaf *leaf, uint64_t addr)
{
	size_t below = 0;

	for (size_t i = 0; i < leaf->count; i++)
		below += leaf->starts[i] <= addr;
	return below;
}

/* The same, searching from position from, which should be near: for a leaf in the cache. */
static size_t leaf_upper_near(const struct rtree_leaf *leaf, uint64_t addr, size_t from)
{
	size_t idx = from < leaf->count ? from : leaf->count;

	while (idx < leaf->count && leaf->starts[idx] <= addr)
		idx++;
	while (idx > 0 && leaf->starts[idx - 1] > addr)
		idx--;
	return idx;
}

/*
 * Reads a byte of each cache line of [start, start + len), the loads
 * issued together, so that the lines arrive in about the time of one.
 * Loads, not prefetch instructions: with prefetches, the regions of
 * regions_touch() came no sooner on the machine measured (an AMD EPYC:
 * as if a prefetch were dropped when many misses are outstanding),
 * where loads took 6% off model_replay with 100k regions.
 */
static void lines_touch(const void *start, size_t len)
{
	const volatile unsigned char *byte = start;
	unsigned char sum = 0;

	for (size_t off = 0; off < len; off += LINE_BYTES)
		sum ^= byte[off];
	__asm__ volatile("" : : "r"(sum));
}

/*
 * Reads the lines of leaf that every lookup reads, its first and its
 * starts, all at once: a leaf out of the cache then costs about one wait
 * for memory, not one for the count and another for the starts the
 * count says to read.
 */
static void leaf_touch(const struct rtree_leaf *leaf)
{
	lines_touch(leaf, offsetof(struct rtree_leaf, regions));
}

/*
 * Descends to the leaf where a region starting at addr belongs, recording
 * the way in path (which may be NULL).
 */
static struct rtree_leaf *descend(const struct rtree *tree, uint64_t addr, struct path *path)
{
	void *node = tree->root;

	for (unsigned int level = 0; level < tree->height; level++) {
		struct rtree_inner *inner = node;
		size_t idx = inner_child(inner, addr);

		if (path) {
			path->node[level] = inner;
			path->idx[level] = idx;
		}
		node = inner->children[idx];
	}
	leaf_touch(node);
	return node;
}

/*
 * Whether addr belongs in leaf, where descend() would take it: at or
 * above its first region (so in no leaf before it) and below its high
 * (so in none after it).  The lookups of addr may then start from leaf,
 * and a region starting at addr may go in it.  It reads only the leaf's
 * first two lines, which the lookup reads next anyway.
 */
static bool leaf_covers(const struct rtree_leaf *leaf, uint64_t addr)
{
	return leaf && leaf->count && leaf->starts[0] <= addr && addr < leaf->high;
}

/*
 * Reads the regions around position idx of leaf, all at once: a change
 * of the model at an address splits, reads and merges the regions there
 * and their neighbours, each a wait for memory of its own when it comes
 * to them one after another in a leaf out of the cache.  With them, the
 * counts of their origins, which an unmap reads: known from the leaf's
 * origin_slots[], they come in with the regions rather than after them.
 * And the first two free slots, where a change that removes nothing
 * first puts its new regions (a protection change inside a region cuts
 * it twice): written, then read again by the merge that ends the change.
 */
static void regions_touch(const struct rtree *tree, const struct rtree_leaf *leaf, size_t idx)
{
	size_t from = idx > 2 ? idx - 2 : 0;
	size_t to = idx + 3 < leaf->count ? idx + 3 : leaf->count;

	for (size_t i = from; i < to; i++) {
		uint32_t origin = leaf->origin_slots[leaf->slot[i]];

		lines_touch(leaf_at(leaf, i), sizeof(struct aspace_region));
		if (origin && origin <= tree->origin_entries)
			lines_touch(tree->origin_table + (origin - 1) * tree->origin_size, 1);
	}
	for (size_t i = leaf->count; i < leaf->count + 2U && i < LEAF_CAP; i++)
		lines_touch(&leaf->regions[leaf->slot[i]], sizeof(struct aspace_region));
}

/*
 * The leaf for looking addr up, and in *upper the index of its first
 * region above addr (leaf_upper()): the hint's when it covers addr, else
 * by descending.  The leaf and the index become the hint.
 */
static struct rtree_leaf *find_leaf(struct rtree *tree, uint64_t addr, size_t *upper)
{
	struct rtree_leaf *leaf = tree->hint;

	if (leaf_covers(leaf, addr)) {
		*upper = leaf_upper_near(leaf, addr, tree->hint_idx);
	} else {
		/* Another place than the last: the start of an update, most likely. */
		leaf = descend(tree, addr, NULL);
		*upper = leaf_upper(leaf, addr);
		regions_touch(tree, leaf, *upper);
		tree->hint = leaf;
	}
	tree->hint_idx = *upper;
	return leaf;
}

struct aspace_cursor rtree_lower_bound(struct rtree *tree, uint64_t addr)
{
	struct aspace_cursor cur;
	size_t idx;

	cur.leaf = find_leaf(tree, addr, &idx);
	/* Regions equal to addr sit just below the upper bound. */
	while (idx > 0 && cur.leaf->starts[idx - 1] >= addr)
		idx--;
	cur.idx = idx;
	if (cur.idx >= cur.leaf->count) {
		cur.leaf = cur.leaf->next;
		cur.idx = 0;
	}
	return cur;
}

struct aspace_cursor rtree_holding(struct rtree *tree, uint64_t addr)
{
	struct aspace_cursor cur = { NULL, 0 };
	size_t idx;
	struct rtree_leaf *leaf = find_leaf(tree, addr, &idx);

	if (idx > 0 && leaf_at(leaf, idx - 1)->end > addr) {
		cur.leaf = leaf;
		cur.idx = idx - 1;
	} else if (idx == 0 && leaf->prev && leaf->prev->count &&
		   leaf->prev->starts[leaf->prev->count - 1] <= addr &&
		   leaf_at(leaf->prev, leaf->prev->count - 1)->end > addr) {
		cur.leaf = leaf->prev;
		cur.idx = leaf->prev->count - 1;
	}
	return cur;
}

struct aspace_cursor rtree_before(struct rtree *tree, uint64_t addr)
{
	struct aspace_cursor cur = { NULL, 0 };
	size_t idx;
	struct rtree_leaf *leaf = find_leaf(tree, addr, &idx);

	while (idx > 0 && leaf->starts[idx - 1] >= addr)
		idx--;
	if (idx > 0) {
		cur.leaf = leaf;
		cur.idx = idx - 1;
	} else if (leaf->prev) {
		cur.leaf = leaf->prev;
		cur.idx = leaf->prev->count - 1;
	}
	return cur;
}

/* Insertion. */

/* A new root above the old one, with child (whose regions start at key or above) on its right. */
static void grow_root(struct rtree *tree, uint64_t key, void *child)
{
	struct rtree_inner *root = inner_new();

	assert(tree->height + 1 < MAX_HEIGHT && "tree too high");
	root->count = 2;
	root->children[0] = tree->root;
	root->keys[1] = key;
	root->children[1] = child;
	tree->root = root;
	tree->height++;
}

/* Puts child (whose regions start at key or above) after position idx of path's level. */
static void insert_child(struct rtree *tree, struct path *path, int level, uint64_t key,
			 void *child)
{
	struct rtree_inner *inner, *right;
	size_t pos, half;

	if (level < 0) {
		grow_root(tree, key, child);
		return;
	}
	inner = path->node[level];
	pos = path->idx[level] + 1;
	if (inner->count < FANOUT) {
		memmove(&inner->keys[pos + 1], &inner->keys[pos],
			(inner->count - pos) * sizeof(inner->keys[0]));
		memmove(&inner->children[pos + 1], &inner->children[pos],
			(inner->count - pos) * sizeof(inner->children[0]));
		inner->keys[pos] = key;
		inner->children[pos] = child;
		inner->count++;
		return;
	}
	/* Full: the upper half moves to a new node, then the child goes where it belongs. */
	right = inner_new();
	half = FANOUT / 2;
	memcpy(right->keys, &inner->keys[half], (FANOUT - half) * sizeof(inner->keys[0]));
	memcpy(right->children, &inner->children[half],
	       (FANOUT - half) * sizeof(inner->children[0]));
	right->count = FANOUT - half;
	inner->count = half;
	if (pos <= half) {
		path->idx[level] = pos - 1;
	} else {
		path->node[level] = right;
		path->idx[level] = pos - half - 1;
	}
	/* Not full now: this inserts in place. */
	insert_child(tree, path, level, key, child);
	insert_child(tree, path, level - 1, right->keys[0], right);
}

/*
 * Splits a full leaf, the one at the bottom of path: its upper half goes
 * to a new leaf after it.  Returns the new leaf.
 */
static struct rtree_leaf *split_leaf(struct rtree *tree, struct rtree_leaf *leaf, struct path *path)
{
	struct rtree_leaf *right = leaf_new(tree);
	size_t half = LEAF_CAP / 2;

	/* The slots of the moved regions become the left's free ones, as they stand in its slot[]. */
	for (size_t i = half; i < LEAF_CAP; i++) {
		right->regions[i - half] = *leaf_at(leaf, i);
		right->origin_slots[i - half] = leaf->origin_slots[leaf->slot[i]];
	}
	memcpy(right->starts, &leaf->starts[half], (LEAF_CAP - half) * sizeof(leaf->starts[0]));
	right->count = LEAF_CAP - half;
	leaf->count = half;
	right->high = leaf->high;
	leaf->high = right->starts[0];
	right->next = leaf->next;
	right->prev = leaf;
	if (leaf->next)
		leaf->next->prev = right;
	leaf->next = right;
	insert_child(tree, path, (int)tree->height - 1, right->starts[0], right);
	return right;
}

/* Puts region at pos of leaf, which has room. */
static struct aspace_cursor leaf_insert(struct rtree *tree, struct rtree_leaf *leaf, size_t pos,
					const struct aspace_region *region)
{
	uint8_t free_slot = leaf->slot[leaf->count];
	struct aspace_cursor cur;

	memmove(&leaf->slot[pos + 1], &leaf->slot[pos], leaf->count - pos);
	memmove(&leaf->starts[pos + 1], &leaf->starts[pos],
		(leaf->count - pos) * sizeof(leaf->starts[0]));
	leaf->slot[pos] = free_slot;
	leaf->regions[free_slot] = *region;
	leaf->origin_slots[free_slot] = region->origin_slot;
	leaf->starts[pos] = region->start;
	leaf->count++;
	tree->count++;
	tree->bytes += region->end - region->start;
	tree->hint = leaf;
	tree->hint_idx = pos;
	cur.leaf = leaf;
	cur.idx = pos;
	return cur;
}

struct aspace_cursor rtree_insert(struct rtree *tree, const struct aspace_region *region)
{
	struct path path;
	struct rtree_leaf *leaf = tree->hint;
	size_t pos;

	/* In the hint's leaf, with room: no path needed, as no split is. */
	if (leaf && leaf->count < LEAF_CAP && leaf_covers(leaf, region->start)) {
		pos = leaf_upper_near(leaf, region->start, tree->hint_idx);
		assert(leaf_at(leaf, pos - 1)->end <= region->start && "regions overlap");
		assert((pos == leaf->count || leaf->starts[pos] >= region->end) &&
		       "regions overlap");
		return leaf_insert(tree, leaf, pos, region);
	}
	leaf = descend(tree, region->start, &path);
	pos = leaf_upper(leaf, region->start);
	assert((pos == 0 || leaf_at(leaf, pos - 1)->end <= region->start) && "regions overlap");
	assert((pos == leaf->count || leaf->starts[pos] >= region->end) && "regions overlap");
	if (leaf->count == LEAF_CAP) {
		struct rtree_leaf *right = split_leaf(tree, leaf, &path);

		if (pos > LEAF_CAP / 2) {
			leaf = right;
			pos -= LEAF_CAP / 2;
		}
	}
	return leaf_insert(tree, leaf, pos, region);
}

/* Removal. */

/* Removes child idx of path's level, and the node itself if it is left empty. */
static void remove_child(struct rtree *tree, struct path *path, int level)
{
	struct rtree_inner *inner;
	size_t idx;

	if (level < 0)
		return;
	inner = path->node[level];
	idx = path->idx[level];
	memmove(&inner->keys[idx], &inner->keys[idx + 1],
		(inner->count - idx - 1) * sizeof(inner->keys[0]));
	memmove(&inner->children[idx], &inner->children[idx + 1],
		(inner->count - idx - 1) * sizeof(inner->children[0]));
	inner->count--;
	if (inner->count == 0) {
		free(inner);
		remove_child(tree, path, level - 1);
		return;
	}
	/* A root with one child gives way to it. */
	while (level == 0 && tree->height > 0 && ((struct rtree_inner *)tree->root)->count == 1) {
		struct rtree_inner *root = tree->root;

		tree->root = root->children[0];
		tree->height--;
		free(root);
	}
}

/* Takes an empty leaf, which held regions from start, out of the tree. */
static void unlink_leaf(struct rtree *tree, struct rtree_leaf *leaf, uint64_t start)
{
	struct path path;

	descend(tree, start, &path);
	assert(path.node[tree->height - 1]->children[path.idx[tree->height - 1]] == leaf &&
	       "leaf not where its regions belong");
	/*
	 * The previous leaf's high stays: its range may now reach further
	 * (when leaf was not the first child of its parent), or not at all
	 * (when the next leaf takes leaf's range), and a bound that is low
	 * costs a lookup a descent at worst.
	 */
	if (leaf->prev)
		leaf->prev->next = leaf->next;
	if (leaf->next)
		leaf->next->prev = leaf->prev;
	if (tree->hint == leaf)
		tree->hint = NULL;
	leaf->next = tree->spare;
	tree->spare = leaf;
	remove_child(tree, &path, (int)tree->height - 1);
}

struct aspace_cursor rtree_remove(struct rtree *tree, struct aspace_cursor cur)
{
	struct rtree_leaf *leaf = cur.leaf;
	uint8_t freed = leaf->slot[cur.idx];
	uint64_t start = leaf->starts[cur.idx];

	tree->bytes -= leaf->regions[freed].end - start;
	/* Its slot joins the free ones, right after the regions left. */
	memmove(&leaf->slot[cur.idx], &leaf->slot[cur.idx + 1], leaf->count - cur.idx - 1);
	leaf->slot[leaf->count - 1] = freed;
	memmove(&leaf->starts[cur.idx], &leaf->starts[cur.idx + 1],
		(leaf->count - cur.idx - 1) * sizeof(leaf->starts[0]));
	leaf->count--;
	tree->count--;
	tree->hint = leaf;
	tree->hint_idx = cur.idx;
	if (cur.idx < leaf->count)
		return cur;
	cur.leaf = leaf->next;
	cur.idx = 0;
	/* An empty leaf leaves the tree, unless it is the only one. */
	if (leaf->count == 0 && tree->height > 0)
		unlink_leaf(tree, leaf, start);
	return cur;
}

/* Changing ranges. */

struct aspace_cursor rtree_split(struct rtree *tree, struct aspace_cursor cur, uint64_t addr)
{
	struct aspace_region *region = at(cur);
	struct aspace_region tail = *region;

	assert(region->start < addr && addr < region->end && "split outside the region");
	tail.start = addr;
	region->end = addr;
	tree->bytes -= tail.end - tail.start; /* back with the tail */
	/* Right after the region, in its leaf when that has room and a region after it. */
	tree->hint = cur.leaf;
	tree->hint_idx = cur.idx + 1;
	return rtree_insert(tree, &tail);
}

void rtree_merge_next(struct rtree *tree, struct aspace_cursor cur)
{
	struct aspace_region *left = at(cur);
	struct aspace_cursor next = rtree_next(cur);
	uint64_t end = at(next)->end;

	assert(at(next)->start == left->end && "merging regions apart");
	/*
	 * Removing the region after cur moves only what follows it, and may
	 * free its leaf, never cur's: cur stays valid.
	 */
	rtree_remove(tree, next);
	tree->bytes += end - left->end;
	left->end = end;
}

/* Shape. */

static void count_nodes(const void *node, unsigned int height, struct rtree_shape *shape)
{
	const struct rtree_inner *inner = node;

	if (!height) {
		shape->leaves++;
		return;
	}
	shape->inners++;
	for (size_t i = 0; i < inner->count; i++)
		count_nodes(inner->children[i], height - 1, shape);
}

void rtree_shape(const struct rtree *tree, struct rtree_shape *shape)
{
	memset(shape, 0, sizeof(*shape));
	shape->height = tree->height;
	shape->leaf_cap = LEAF_CAP;
	shape->fanout = FANOUT;
	count_nodes(tree->root, tree->height, shape);
}
