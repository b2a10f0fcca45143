/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The address-space model: see aspace.h.
 *
 * Regions live in a B+ tree ordered by start: leaves of up to LEAF_CAP
 * regions, linked in address order, under inner nodes of up to FANOUT
 * children (O(log n) search, insert and delete with few cache misses; O(1)
 * to the next region).  Every operation on a range first
 * cuts the regions that straddle its ends (split_at), so that the range
 * is made of whole regions, then works on those, then merges neighbours
 * that have become identical (same origin and attributes).
 *
 * Origins that still own bytes are counted in a hash table, so that an
 * unmap can say whether it trims its origin or removes the last of it.
 */
#include "aspace.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A leaf fills one page, aligned so that it spans no two. */
#define LEAF_BYTES 4096U
#define LEAF_CAP ((LEAF_BYTES - 3 * sizeof(void *)) / (sizeof(struct aspace_region) + 8))
#define FANOUT 32
#define MAX_HEIGHT 16

/* mm/mremap.c (include/uapi/linux/mman.h) */
#define MREMAP_FIXED_FLAG 2U
#define MREMAP_DONTUNMAP_FLAG 4U

/* include/uapi/asm-generic/mman-common.h: the advice that gives pages back. */
#define ADV_DONTNEED 4
#define ADV_FREE 8
#define ADV_REMOVE 9
#define ADV_PAGEOUT 21
#define ADV_DONTNEED_LOCKED 24

struct rtree_leaf {
	struct rtree_leaf *next;
	struct rtree_leaf *prev;
	size_t count;
	/* starts[i] == regions[i].start: searched without touching the regions. */
	uint64_t starts[LEAF_CAP];
	struct aspace_region regions[LEAF_CAP];
};

/*
 * keys[i] is at most the start of every region under children[i], and
 * above those under children[i - 1]; keys[0] is not used (child 0 takes
 * everything below keys[1]).
 */
struct inner {
	size_t count;
	uint64_t keys[FANOUT];
	void *children[FANOUT];
};

/* Bytes an origin mapped, and how many of them are still mapped. */
struct origin_count {
	uint64_t seq; /* 0: empty slot */
	uint64_t total;
	uint64_t left;
};

struct aspace {
	void *root;	     /* a leaf when height is 0 */
	unsigned int height; /* levels of inner nodes */
	struct rtree_leaf *first;
	size_t count;
	uint64_t heap_start;
	uint64_t heap_top;
	uint64_t heap_peak; /* the largest heap_top - heap_start */
	uint64_t mapped;    /* bytes in all the regions */
	uint64_t mapped_peak;
	struct origin_count *origins; /* open addressing, backward-shift deletion */
	size_t norigin_slots;	      /* a power of two */
	size_t norigins;
};

static uint64_t page_up(uint64_t len)
{
	return (len + ASPACE_PAGE_SIZE - 1) & ~(ASPACE_PAGE_SIZE - 1);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static bool private_anon(const struct aspace_region *region)
{
	return region->backing == ASPACE_BACKING_ANON && !(region->flags & ASPACE_SHARED) &&
	       !region->thread;
}

/*
 * Whether region lies in a glibc arena heap: the aligned 64 MiB window
 * around it is covered exactly by private anonymous regions, the first
 * (the heap_info header) accessible, and a call made them MAP_NORESERVE
 * (regions found at attach or exec cannot say: the window's shape must).
 */
static bool arena_part(const struct aspace_region *region)
{
	return private_anon(region) &&
	       (region->origin.kind != ASPACE_ORIGIN_CALL || (region->flags & ASPACE_NORESERVE));
}

/* Whether the window at window is a glibc arena heap: see in_arena(). */
static bool arena_window(const struct aspace *as, uint64_t window)
{
	struct aspace_cursor cur;
	const struct aspace_region *part = aspace_first_from(as, window, &cur);
	uint64_t pos = window;

	if (!part || part->start != window || !(part->prot & 0x2))
		return false;
	for (; part && part->start == pos && pos < window + ASPACE_ARENA_SIZE;
	     part = aspace_next(as, &cur)) {
		if (!arena_part(part))
			return false;
		pos = part->end;
	}
	return pos == window + ASPACE_ARENA_SIZE;
}

static bool in_arena(const struct aspace *as, const struct aspace_region *region,
		     struct aspace_kind_cache *cache)
{
	uint64_t window = region->start & ~(ASPACE_ARENA_SIZE - 1);

	if (!arena_part(region) || region->end > window + ASPACE_ARENA_SIZE)
		return false;
	/* A window's verdict is the same for each of its regions: walk it once per walk. */
	if (cache && cache->known && cache->window == window)
		return cache->arena;
	if (!cache)
		return arena_window(as, window);
	cache->known = true;
	cache->window = window;
	cache->arena = arena_window(as, window);
	return cache->arena;
}

enum aspace_kind aspace_kind_of(const struct aspace *as, const struct aspace_region *region)
{
	return aspace_kind_of_cached(as, region, NULL);
}

/*
 * Whether region, inaccessible, is the guard page of the thread stack
 * right above it: made by the same call.  The neighbour is looked up by
 * address, since region may be a copy.
 */
static bool stack_guard(const struct aspace *as, const struct aspace_region *region)
{
	struct aspace_cursor cur;
	const struct aspace_region *next;

	if (region->prot)
		return false;
	next = aspace_first_from(as, region->end, &cur);
	return next && next->start == region->end && next->thread &&
	       next->backing == ASPACE_BACKING_ANON && next->origin.kind == region->origin.kind &&
	       next->origin.seq == region->origin.seq;
}

enum aspace_kind aspace_kind_of_cached(const struct aspace *as, const struct aspace_region *region,
				       struct aspace_kind_cache *cache)
{
	switch (region->backing) {
	case ASPACE_BACKING_STACK:
		return ASPACE_KIND_MAIN_STACK;
	case ASPACE_BACKING_HEAP:
		return ASPACE_KIND_HEAP;
	case ASPACE_BACKING_FILE:
		return region->flags & ASPACE_ELF ? ASPACE_KIND_ELF : ASPACE_KIND_FILE;
	case ASPACE_BACKING_SHM:
		return ASPACE_KIND_SHARED;
	case ASPACE_BACKING_SPECIAL:
		return ASPACE_KIND_SPECIAL;
	case ASPACE_BACKING_ANON:
		break;
	}
	if (region->thread)
		return ASPACE_KIND_THREAD_STACK;
	if (region->flags & ASPACE_SHARED)
		return ASPACE_KIND_SHARED;
	if (stack_guard(as, region))
		return ASPACE_KIND_THREAD_STACK;
	if (in_arena(as, region, cache))
		return ASPACE_KIND_ARENA;
	return ASPACE_KIND_ANON;
}

const char *aspace_kind_name(enum aspace_kind kind)
{
	static const char *const names[ASPACE_KIND_COUNT] = {
		[ASPACE_KIND_ANON] = "anonymous",
		[ASPACE_KIND_MAIN_STACK] = "main stack",
		[ASPACE_KIND_THREAD_STACK] = "thread stack",
		[ASPACE_KIND_HEAP] = "brk heap",
		[ASPACE_KIND_ELF] = "ELF file",
		[ASPACE_KIND_FILE] = "data file",
		[ASPACE_KIND_SHARED] = "shared memory",
		[ASPACE_KIND_SPECIAL] = "kernel",
		[ASPACE_KIND_ARENA] = "malloc arena",
	};

	return (unsigned int)kind < ASPACE_KIND_COUNT ? names[kind] : "?";
}

void aspace_changes_reset(struct aspace_changes *changes)
{
	changes->count = 0;
}

void aspace_changes_free(struct aspace_changes *changes)
{
	free(changes->pieces);
	changes->pieces = NULL;
	changes->count = changes->cap = 0;
}

static struct aspace_piece *add_piece(struct aspace_changes *changes, enum aspace_piece_kind kind,
				      uint64_t start, uint64_t end,
				      const struct aspace_event *origin)
{
	struct aspace_piece *piece;

	if (!changes)
		return NULL;
	xgrowarray((void **)&changes->pieces, &changes->cap, changes->count + 1,
		   sizeof(*changes->pieces));
	piece = &changes->pieces[changes->count++];
	memset(piece, 0, sizeof(*piece));
	piece->kind = kind;
	piece->start = start;
	piece->end = end;
	piece->origin_seq = origin->seq;
	piece->origin_kind = origin->kind;
	piece->origin_stack = origin->stack_id;
	piece->origin_time_ns = origin->time_ns;
	return piece;
}

/* Origin counts. */

static size_t origin_slot(const struct aspace *as, uint64_t seq)
{
	return (size_t)(seq * 0x9e3779b97f4a7c15ULL >> 20) & (as->norigin_slots - 1);
}

static struct origin_count *origin_find(struct aspace *as, uint64_t seq)
{
	size_t idx = origin_slot(as, seq);

	while (as->origins[idx].seq) {
		if (as->origins[idx].seq == seq)
			return &as->origins[idx];
		idx = (idx + 1) & (as->norigin_slots - 1);
	}
	return NULL;
}

/* Stores entry in the first free slot of its probe sequence; returns that slot. */
static struct origin_count *origin_insert_raw(struct aspace *as, const struct origin_count *entry)
{
	size_t idx = origin_slot(as, entry->seq);

	while (as->origins[idx].seq)
		idx = (idx + 1) & (as->norigin_slots - 1);
	as->origins[idx] = *entry;
	return &as->origins[idx];
}

static void origin_rehash(struct aspace *as, size_t nslots)
{
	struct origin_count *old = as->origins;
	size_t old_n = as->norigin_slots;

	as->origins = xcalloc(nslots, sizeof(*as->origins));
	as->norigin_slots = nslots;
	for (size_t i = 0; i < old_n; i++)
		if (old[i].seq)
			origin_insert_raw(as, &old[i]);
	free(old);
}

static void origin_add(struct aspace *as, const struct aspace_event *ev, uint64_t bytes)
{
	struct origin_count *entry;

	if (ev->kind != ASPACE_ORIGIN_CALL || !ev->seq)
		return;
	entry = origin_find(as, ev->seq);
	if (!entry) {
		struct origin_count fresh = { .seq = ev->seq };

		if ((as->norigins + 1) * 2 > as->norigin_slots)
			origin_rehash(as, as->norigin_slots * 2);
		entry = origin_insert_raw(as, &fresh);
		as->norigins++;
	}
	entry->total += bytes;
	entry->left += bytes;
}

/* Removes the entry at idx, shifting back the ones that probed past it. */
static void origin_delete(struct aspace *as, size_t idx)
{
	size_t mask = as->norigin_slots - 1;
	size_t next = (idx + 1) & mask;

	while (as->origins[next].seq) {
		size_t home = origin_slot(as, as->origins[next].seq);

		/* Move next into the hole if its home is not in (idx, next]. */
		if (((next - home) & mask) >= ((next - idx) & mask)) {
			as->origins[idx] = as->origins[next];
			idx = next;
		}
		next = (next + 1) & mask;
	}
	as->origins[idx].seq = 0;
	as->norigins--;
}

/* Counts bytes of origin going away; fills the piece's origin_left/total. */
static void origin_sub(struct aspace *as, const struct aspace_event *origin, uint64_t bytes,
		       struct aspace_piece *piece)
{
	struct origin_count *entry;

	if (origin->kind != ASPACE_ORIGIN_CALL || !origin->seq)
		return;
	entry = origin_find(as, origin->seq);
	if (!entry)
		return;
	assert(entry->left >= bytes && "origin loses more bytes than it has");
	entry->left -= bytes;
	if (piece) {
		piece->origin_left = entry->left;
		piece->origin_total = entry->total;
	}
	if (!entry->left)
		origin_delete(as, (size_t)(entry - as->origins));
}

/* The B+ tree. */

static struct rtree_leaf *leaf_new(void)
{
	struct rtree_leaf *leaf = aligned_alloc(LEAF_BYTES, LEAF_BYTES);

	if (!leaf)
		die("out of memory");
	memset(leaf, 0, sizeof(*leaf));
	return leaf;
}

static struct inner *inner_new(void)
{
	return xcalloc(1, sizeof(struct inner));
}

/* The child of inner to descend into for addr. */
static size_t inner_child(const struct inner *inner, uint64_t addr)
{
	size_t idx = 1;

	while (idx < inner->count && inner->keys[idx] <= addr)
		idx++;
	return idx - 1;
}

/* Index of the first region of leaf whose start is above addr. */
static size_t leaf_upper(const struct rtree_leaf *leaf, uint64_t addr)
{
	size_t lo = 0, hi = leaf->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (leaf->starts[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Descends to the leaf where a region starting at addr belongs, recording
 * the inner nodes and child indexes on the way (path may be NULL).
 */
static struct rtree_leaf *descend(const struct aspace *as, uint64_t addr, struct inner **path,
				  size_t *path_idx)
{
	void *node = as->root;

	for (unsigned int level = 0; level < as->height; level++) {
		struct inner *inner = node;
		size_t idx = inner_child(inner, addr);

		if (path) {
			path[level] = inner;
			path_idx[level] = idx;
		}
		node = inner->children[idx];
	}
	return node;
}

static struct aspace_cursor cur_next(struct aspace_cursor cur)
{
	if (++cur.idx < cur.leaf->count)
		return cur;
	cur.leaf = cur.leaf->next;
	cur.idx = 0;
	return cur;
}

/* The region before cur, which must be a region. */
static struct aspace_cursor cur_prev(struct aspace_cursor cur)
{
	if (cur.idx > 0) {
		cur.idx--;
		return cur;
	}
	cur.leaf = cur.leaf->prev;
	cur.idx = cur.leaf ? cur.leaf->count - 1 : 0;
	return cur;
}

static struct aspace_region *cur_region(struct aspace_cursor cur)
{
	return cur.leaf ? &cur.leaf->regions[cur.idx] : NULL;
}

/* The first region whose start is at or above addr. */
static struct aspace_cursor lower_bound(const struct aspace *as, uint64_t addr)
{
	struct aspace_cursor cur;
	size_t idx;

	cur.leaf = descend(as, addr, NULL, NULL);
	idx = leaf_upper(cur.leaf, addr);
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

/* The region holding addr, or the end. */
static struct aspace_cursor holding(const struct aspace *as, uint64_t addr)
{
	struct rtree_leaf *leaf = descend(as, addr, NULL, NULL);
	size_t idx = leaf_upper(leaf, addr);
	struct aspace_cursor cur = { NULL, 0 };

	if (idx > 0 && leaf->regions[idx - 1].end > addr) {
		cur.leaf = leaf;
		cur.idx = idx - 1;
	} else if (idx == 0 && leaf->prev && leaf->prev->count &&
		   leaf->prev->regions[leaf->prev->count - 1].start <= addr &&
		   leaf->prev->regions[leaf->prev->count - 1].end > addr) {
		cur.leaf = leaf->prev;
		cur.idx = leaf->prev->count - 1;
	}
	return cur;
}

/* The last region whose start is below addr, or the end. */
static struct aspace_cursor before(const struct aspace *as, uint64_t addr)
{
	struct rtree_leaf *leaf = descend(as, addr, NULL, NULL);
	size_t idx = leaf_upper(leaf, addr);
	struct aspace_cursor cur = { NULL, 0 };

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

/* Puts child (whose regions start at key or above) after position idx of path's level. */
static void insert_child(struct aspace *as, struct inner **path, size_t *path_idx, int level,
			 uint64_t key, void *child)
{
	struct inner *inner, *right;
	size_t pos, half;

	if (level < 0) {
		/* A new root above the old one. */
		struct inner *root = inner_new();

		root->count = 2;
		root->children[0] = as->root;
		root->keys[1] = key;
		root->children[1] = child;
		as->root = root;
		as->height++;
		return;
	}
	inner = path[level];
	pos = path_idx[level] + 1;
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
		path_idx[level] = pos - 1;
		insert_child(as, path, path_idx, level, key, child);
		/* (recursion above hits the non-full case) */
	} else {
		path[level] = right;
		path_idx[level] = pos - half - 1;
		insert_child(as, path, path_idx, level, key, child);
	}
	insert_child(as, path, path_idx, level - 1, right->keys[0], right);
}

/*
 * Inserts a copy of region, which must not overlap any.  Returns where it
 * went (valid until the next change).
 */
static struct aspace_cursor insert_region(struct aspace *as, const struct aspace_region *region)
{
	struct inner *path[MAX_HEIGHT];
	size_t path_idx[MAX_HEIGHT];
	struct rtree_leaf *leaf = descend(as, region->start, path, path_idx);
	size_t pos = leaf_upper(leaf, region->start);
	struct aspace_cursor cur;

	assert((pos == 0 || leaf->regions[pos - 1].end <= region->start) && "regions overlap");
	assert((pos == leaf->count || leaf->regions[pos].start >= region->end) &&
	       "regions overlap");
	if (leaf->count == LEAF_CAP) {
		struct rtree_leaf *right = leaf_new();
		size_t half = LEAF_CAP / 2;

		memcpy(right->regions, &leaf->regions[half],
		       (LEAF_CAP - half) * sizeof(leaf->regions[0]));
		memcpy(right->starts, &leaf->starts[half],
		       (LEAF_CAP - half) * sizeof(leaf->starts[0]));
		right->count = LEAF_CAP - half;
		leaf->count = half;
		right->next = leaf->next;
		right->prev = leaf;
		if (leaf->next)
			leaf->next->prev = right;
		leaf->next = right;
		insert_child(as, path, path_idx, (int)as->height - 1, right->regions[0].start,
			     right);
		if (pos > half) {
			leaf = right;
			pos -= half;
		}
	}
	memmove(&leaf->regions[pos + 1], &leaf->regions[pos],
		(leaf->count - pos) * sizeof(leaf->regions[0]));
	memmove(&leaf->starts[pos + 1], &leaf->starts[pos],
		(leaf->count - pos) * sizeof(leaf->starts[0]));
	leaf->regions[pos] = *region;
	leaf->starts[pos] = region->start;
	leaf->count++;
	as->count++;
	as->mapped += region->end - region->start;
	if (as->mapped > as->mapped_peak)
		as->mapped_peak = as->mapped;
	cur.leaf = leaf;
	cur.idx = pos;
	return cur;
}

/* Removes child idx of path's level, and the node itself if it is left empty. */
static void remove_child(struct aspace *as, struct inner **path, size_t *path_idx, int level)
{
	struct inner *inner;
	size_t idx;

	if (level < 0)
		return;
	inner = path[level];
	idx = path_idx[level];
	memmove(&inner->keys[idx], &inner->keys[idx + 1],
		(inner->count - idx - 1) * sizeof(inner->keys[0]));
	memmove(&inner->children[idx], &inner->children[idx + 1],
		(inner->count - idx - 1) * sizeof(inner->children[0]));
	inner->count--;
	if (inner->count == 0) {
		free(inner);
		remove_child(as, path, path_idx, level - 1);
		return;
	}
	/* A root with one child gives way to it. */
	while (level == 0 && as->height > 0 && ((struct inner *)as->root)->count == 1) {
		struct inner *root = as->root;

		as->root = root->children[0];
		as->height--;
		free(root);
	}
}

/* Removes the region at cur.  Returns the position of the one after it. */
static struct aspace_cursor remove_at(struct aspace *as, struct aspace_cursor cur)
{
	struct rtree_leaf *leaf = cur.leaf;
	struct inner *path[MAX_HEIGHT];
	size_t path_idx[MAX_HEIGHT];
	uint64_t start = leaf->regions[cur.idx].start;

	as->mapped -= leaf->regions[cur.idx].end - start;
	memmove(&leaf->regions[cur.idx], &leaf->regions[cur.idx + 1],
		(leaf->count - cur.idx - 1) * sizeof(leaf->regions[0]));
	memmove(&leaf->starts[cur.idx], &leaf->starts[cur.idx + 1],
		(leaf->count - cur.idx - 1) * sizeof(leaf->starts[0]));
	leaf->count--;
	as->count--;
	if (leaf->count > 0 || as->height == 0) {
		if (cur.idx < leaf->count)
			return cur;
		cur.leaf = leaf->next;
		cur.idx = 0;
		return cur;
	}
	/* An empty leaf leaves the tree (no rebalancing: a leaf may run sparse). */
	descend(as, start, path, path_idx);
	assert(path[as->height - 1]->children[path_idx[as->height - 1]] == leaf &&
	       "leaf not where its regions belong");
	if (leaf->prev)
		leaf->prev->next = leaf->next;
	else
		as->first = leaf->next;
	if (leaf->next)
		leaf->next->prev = leaf->prev;
	cur.leaf = leaf->next;
	cur.idx = 0;
	free(leaf);
	remove_child(as, path, path_idx, (int)as->height - 1);
	return cur;
}

static void free_tree(void *node, unsigned int height)
{
	if (height) {
		struct inner *inner = node;

		for (size_t i = 0; i < inner->count; i++)
			free_tree(inner->children[i], height - 1);
	}
	free(node);
}

/* Copies a subtree; *last_leaf links the copied leaves in order. */
static void *copy_tree(const void *node, unsigned int height, struct rtree_leaf **last_leaf,
		       struct rtree_leaf **first_leaf)
{
	if (height) {
		const struct inner *inner = node;
		struct inner *dup = inner_new();

		*dup = *inner;
		for (size_t i = 0; i < inner->count; i++)
			dup->children[i] =
				copy_tree(inner->children[i], height - 1, last_leaf, first_leaf);
		return dup;
	}
	{
		struct rtree_leaf *dup = leaf_new();

		memcpy(dup, node, sizeof(*dup));
		dup->prev = *last_leaf;
		dup->next = NULL;
		if (*last_leaf)
			(*last_leaf)->next = dup;
		else
			*first_leaf = dup;
		*last_leaf = dup;
		return dup;
	}
}

static bool has_offset(const struct aspace_region *region)
{
	return region->backing == ASPACE_BACKING_FILE || region->backing == ASPACE_BACKING_SHM ||
	       region->backing == ASPACE_BACKING_SPECIAL;
}

/*
 * Makes addr a region boundary: a region [start, end) with
 * start < addr < end becomes [start, addr) and [addr, end).
 *
 *      before:  |--------- region ---------|
 *      after:   |--- region ---|--- new ---|
 *                             addr
 */
static void split_at(struct aspace *as, uint64_t addr)
{
	struct aspace_cursor cur = holding(as, addr);
	struct aspace_region *region = cur_region(cur);
	struct aspace_region tail;

	if (!region || region->start == addr)
		return;
	tail = *region;
	tail.start = addr;
	if (has_offset(&tail))
		tail.offset += addr - region->start;
	as->mapped -= region->end - addr; /* back with the tail */
	region->end = addr;
	insert_region(as, &tail);
}

static bool same_event(const struct aspace_event *a, const struct aspace_event *b)
{
	return a->seq == b->seq && a->tid == b->tid && a->stack_id == b->stack_id &&
	       a->kind == b->kind;
}

/* Whether right can be folded into left: contiguous and alike in everything. */
static bool mergeable(const struct aspace_region *left, const struct aspace_region *right)
{
	if (left->end != right->start || left->prot != right->prot || left->flags != right->flags ||
	    left->backing != right->backing || left->path != right->path ||
	    left->prot_seq != right->prot_seq || left->thread != right->thread ||
	    !same_event(&left->origin, &right->origin))
		return false;
	if (has_offset(left) && left->offset + (left->end - left->start) != right->offset)
		return false;
	return true;
}

/* Merges the neighbours among the regions touching [start, end]. */
static void merge_range(struct aspace *as, uint64_t start, uint64_t end)
{
	struct aspace_cursor cur = before(as, start);

	if (!cur.leaf)
		cur = lower_bound(as, start);
	while (cur.leaf && cur.leaf->regions[cur.idx].start <= end) {
		struct aspace_cursor next = cur_next(cur);
		struct aspace_region *left, *right;
		uint64_t left_start;

		if (!next.leaf)
			break;
		left = cur_region(cur);
		right = cur_region(next);
		if (!mergeable(left, right)) {
			cur = next;
			continue;
		}
		as->mapped += right->end - right->start; /* off again with right */
		left->end = right->end;
		left_start = left->start;
		remove_at(as, next);
		/* Removing may have freed a leaf or shifted regions: find left again. */
		cur = holding(as, left_start);
	}
}

/* Public lifetime and lookups. */

struct aspace *aspace_new(void)
{
	struct aspace *as = xcalloc(1, sizeof(*as));

	as->first = leaf_new();
	as->root = as->first;
	as->norigin_slots = 64;
	as->origins = xcalloc(as->norigin_slots, sizeof(*as->origins));
	return as;
}

void aspace_free(struct aspace *as)
{
	if (!as)
		return;
	free_tree(as->root, as->height);
	free(as->origins);
	free(as);
}

struct aspace *aspace_copy(const struct aspace *as)
{
	struct aspace *copy = xcalloc(1, sizeof(*copy));
	struct rtree_leaf *last = NULL;

	copy->root = copy_tree(as->root, as->height, &last, &copy->first);
	copy->height = as->height;
	copy->count = as->count;
	copy->heap_start = as->heap_start;
	copy->heap_top = as->heap_top;
	copy->heap_peak = as->heap_top - as->heap_start;
	copy->mapped = copy->mapped_peak = as->mapped;
	copy->norigin_slots = as->norigin_slots;
	copy->norigins = as->norigins;
	copy->origins = xcalloc(as->norigin_slots, sizeof(*as->origins));
	memcpy(copy->origins, as->origins, as->norigin_slots * sizeof(*as->origins));
	return copy;
}

void aspace_clear(struct aspace *as)
{
	free_tree(as->root, as->height);
	as->first = leaf_new();
	as->root = as->first;
	as->height = 0;
	as->count = 0;
	as->heap_start = as->heap_top = as->heap_peak = 0;
	as->mapped = as->mapped_peak = 0;
	memset(as->origins, 0, as->norigin_slots * sizeof(*as->origins));
	as->norigins = 0;
}

size_t aspace_count(const struct aspace *as)
{
	return as->count;
}

const struct aspace_region *aspace_find(const struct aspace *as, uint64_t addr)
{
	return cur_region(holding(as, addr));
}

const struct aspace_region *aspace_first_from(const struct aspace *as, uint64_t addr,
					      struct aspace_cursor *cur)
{
	*cur = holding(as, addr);
	if (!cur->leaf)
		*cur = lower_bound(as, addr);
	return cur_region(*cur);
}

const struct aspace_region *aspace_next(const struct aspace *as, struct aspace_cursor *cur)
{
	(void)as;
	if (cur->leaf)
		*cur = cur_next(*cur);
	return cur_region(*cur);
}

uint64_t aspace_total(const struct aspace *as)
{
	return as->mapped;
}

void aspace_sizes(const struct aspace *as, struct aspace_sizes *sizes)
{
	sizes->mapped = as->mapped;
	sizes->mapped_peak = as->mapped_peak;
	sizes->heap = as->heap_top - as->heap_start;
	sizes->heap_peak = as->heap_peak;
}

/* The operations. */

/* Removes [start, end) whole, recording pieces of kind UNMAPPED. */
static void unmap_range(struct aspace *as, uint64_t start, uint64_t end,
			struct aspace_changes *changes)
{
	struct aspace_cursor cur;

	if (start >= end)
		return;
	split_at(as, start);
	split_at(as, end);
	cur = lower_bound(as, start);
	while (cur.leaf && cur_region(cur)->start < end) {
		struct aspace_region *region = cur_region(cur);
		struct aspace_piece *piece = add_piece(changes, ASPACE_PIECE_UNMAPPED,
						       region->start, region->end, &region->origin);

		if (piece)
			piece->old_prot = region->prot;
		origin_sub(as, &region->origin, region->end - region->start, piece);
		cur = remove_at(as, cur);
	}
}

/* Adds [start, end) as a new region like tmpl, made by ev. */
static void map_new(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t end,
		    const struct aspace_region *tmpl, struct aspace_changes *changes)
{
	struct aspace_region region = *tmpl;

	if (start >= end)
		return;
	/*
	 * The kernel has just put these bytes here, so whatever the model
	 * still has there is stale (it drifted): it goes, recorded.
	 */
	unmap_range(as, start, end, changes);
	region.start = start;
	region.end = end;
	region.origin = *ev;
	region.prot_seq = 0;
	region.prot_stack = 0;
	insert_region(as, &region);
	origin_add(as, ev, end - start);
	add_piece(changes, ASPACE_PIECE_MAPPED, start, end, ev);
}

void aspace_map(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t len,
		const struct aspace_region *tmpl, struct aspace_changes *changes)
{
	uint64_t end = start + page_up(len);

	if (end <= start)
		return;
	unmap_range(as, start, end, changes);
	map_new(as, ev, start, end, tmpl, changes);
	merge_range(as, start, end);
}

void aspace_unmap(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t len,
		  struct aspace_changes *changes)
{
	uint64_t end = start + page_up(len);

	(void)ev;
	if (end <= start)
		return;
	unmap_range(as, start, end, changes);
}

void aspace_protect(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t len,
		    unsigned int prot, struct aspace_changes *changes)
{
	uint64_t end = start + page_up(len);
	struct aspace_cursor cur;

	if (end <= start)
		return;
	split_at(as, start);
	split_at(as, end);
	for (cur = lower_bound(as, start); cur.leaf && cur_region(cur)->start < end;
	     cur = cur_next(cur)) {
		struct aspace_region *region = cur_region(cur);
		struct aspace_piece *piece;

		if (region->prot == prot)
			continue;
		piece = add_piece(changes, ASPACE_PIECE_PROTECTED, region->start, region->end,
				  &region->origin);
		if (piece) {
			piece->prot = prot;
			piece->old_prot = region->prot;
		}
		region->prot = prot;
		region->prot_seq = ev->seq;
		region->prot_stack = ev->stack_id;
	}
	merge_range(as, start, end);
}

/*
 * Moves the regions of [start, end) (whole, after split_at) by delta,
 * recording MOVED pieces.  The destination must be free.
 */
static void move_range(struct aspace *as, uint64_t start, uint64_t end, uint64_t new_start,
		       struct aspace_changes *changes)
{
	struct aspace_region *moved = NULL;
	size_t nmoved = 0, cap = 0;
	struct aspace_cursor cur;

	split_at(as, start);
	split_at(as, end);
	cur = lower_bound(as, start);
	while (cur.leaf && cur_region(cur)->start < end) {
		struct aspace_region *region = cur_region(cur);
		struct aspace_piece *piece;

		xgrowarray((void **)&moved, &cap, nmoved + 1, sizeof(*moved));
		moved[nmoved++] = *region;
		piece = add_piece(changes, ASPACE_PIECE_MOVED, region->start, region->end,
				  &region->origin);
		if (piece) {
			piece->to = region->start - start + new_start;
			piece->old_prot = region->prot;
		}
		cur = remove_at(as, cur);
	}
	/* The kernel has freed the destination: anything the model still has there is stale. */
	unmap_range(as, new_start, new_start + (end - start), changes);
	for (size_t i = 0; i < nmoved; i++) {
		moved[i].start = moved[i].start - start + new_start;
		moved[i].end = moved[i].end - start + new_start;
		insert_region(as, &moved[i]);
	}
	free(moved);
}

/* The attributes of the region holding addr, as a template for new bytes after it. */
static bool template_at(const struct aspace *as, uint64_t addr, uint64_t new_start,
			struct aspace_region *tmpl)
{
	const struct aspace_region *region = aspace_find(as, addr);

	if (!region)
		return false;
	*tmpl = *region;
	if (has_offset(tmpl))
		tmpl->offset += new_start - region->start;
	tmpl->thread = 0;
	return true;
}

void aspace_remap(struct aspace *as, const struct aspace_event *ev, uint64_t old_addr,
		  uint64_t old_len, uint64_t new_len, unsigned int flags, uint64_t new_addr,
		  struct aspace_changes *changes)
{
	struct aspace_region tmpl;
	uint64_t moved_len;

	old_len = page_up(old_len);
	new_len = page_up(new_len);
	if (!new_len)
		return;
	if (old_len == 0) {
		/* A second mapping of the same shared pages (mm/mremap.c: old_len == 0). */
		if (template_at(as, old_addr, old_addr, &tmpl)) {
			aspace_map(as, ev, new_addr, new_len, &tmpl, changes);
		}
		return;
	}
	if (new_addr == old_addr) {
		/*
		 * In place.  Shrink:   |---- kept ----|-- unmapped --|
		 *           Grow:      |---- old -----|--- new (ev) ---|
		 */
		if (new_len < old_len) {
			unmap_range(as, old_addr + new_len, old_addr + old_len, changes);
		} else if (new_len > old_len &&
			   template_at(as, old_addr + old_len - 1, old_addr + old_len, &tmpl)) {
			map_new(as, ev, old_addr + old_len, old_addr + new_len, &tmpl, changes);
			merge_range(as, old_addr, old_addr + new_len);
		}
		return;
	}
	/*
	 * Moved.  The kernel first frees the destination (MREMAP_FIXED),
	 * then shrinks the source, then moves what is left:
	 *
	 *   old_addr |== moved ==|-- shrunk away --|
	 *   new_addr |== moved ==|++ grown (ev) ++|
	 */
	if (flags & MREMAP_FIXED_FLAG)
		unmap_range(as, new_addr, new_addr + new_len, changes);
	moved_len = min_u64(old_len, new_len);
	if (new_len < old_len)
		unmap_range(as, old_addr + new_len, old_addr + old_len, changes);
	{
		bool have_tmpl =
			template_at(as, old_addr + moved_len - 1, old_addr + moved_len, &tmpl);
		struct aspace_region left_behind;
		bool keep_old = (flags & MREMAP_DONTUNMAP_FLAG) &&
				template_at(as, old_addr, old_addr, &left_behind);

		move_range(as, old_addr, old_addr + moved_len, new_addr, changes);
		if (have_tmpl && new_len > old_len) {
			map_new(as, ev, new_addr + old_len, new_addr + new_len, &tmpl, changes);
		}
		if (keep_old) {
			/* MREMAP_DONTUNMAP leaves the old range mapped, empty, made by this call. */
			map_new(as, ev, old_addr, old_addr + moved_len, &left_behind, changes);
			merge_range(as, old_addr, old_addr + moved_len);
		}
	}
	merge_range(as, new_addr, new_addr + new_len);
}

void aspace_heap(const struct aspace *as, uint64_t *start, uint64_t *top)
{
	*start = as->heap_start;
	*top = as->heap_top;
}

static void heap_moved(struct aspace *as)
{
	if (as->heap_top - as->heap_start > as->heap_peak)
		as->heap_peak = as->heap_top - as->heap_start;
}

void aspace_set_heap(struct aspace *as, uint64_t start, uint64_t top)
{
	as->heap_start = start;
	as->heap_top = top;
	heap_moved(as);
}

void aspace_brk(struct aspace *as, const struct aspace_event *ev, uint64_t new_brk,
		struct aspace_changes *changes)
{
	static const struct aspace_region heap_tmpl = {
		.prot = 0x1 | 0x2, /* PROT_READ | PROT_WRITE (mm/mmap.c, do_brk_flags) */
		.backing = ASPACE_BACKING_HEAP,
	};
	uint64_t old_top, new_top;

	if (!as->heap_start) {
		/* The first brk of a program: brk(NULL) gives where the heap starts. */
		as->heap_start = as->heap_top = new_brk;
		return;
	}
	if (new_brk < as->heap_start)
		return;
	old_top = page_up(as->heap_top);
	new_top = page_up(new_brk);
	/*
	 *   heap_start          old_top          new_top
	 *   |---- earlier growths ----|+++ ev +++|       grows
	 *   |---- earlier ---|xxxxxxxxx|                 shrinks: last grown, first released
	 */
	if (new_top > old_top) {
		unmap_range(as, old_top, new_top, changes);
		map_new(as, ev, old_top, new_top, &heap_tmpl, changes);
	} else if (new_top < old_top) {
		unmap_range(as, new_top, old_top, changes);
	}
	as->heap_top = new_brk;
	heap_moved(as);
}

void aspace_advise(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t len,
		   int advice, struct aspace_changes *changes)
{
	uint64_t end = start + page_up(len);
	const struct aspace_region *region;
	struct aspace_cursor cur;

	(void)ev;
	if (advice != ADV_DONTNEED && advice != ADV_FREE && advice != ADV_REMOVE &&
	    advice != ADV_PAGEOUT && advice != ADV_DONTNEED_LOCKED)
		return;
	for (region = aspace_first_from(as, start, &cur); region && region->start < end;
	     region = aspace_next(as, &cur)) {
		uint64_t from = region->start > start ? region->start : start;
		uint64_t to = min_u64(region->end, end);

		add_piece(changes, ASPACE_PIECE_RELEASED, from, to, &region->origin);
	}
}

/* Whether a region of the model and one of the kernel are the same kind of mapping. */
static bool same_identity(const struct aspace_region *model, const struct aspace_region *kernel)
{
	bool model_file =
		model->backing == ASPACE_BACKING_FILE || model->backing == ASPACE_BACKING_SHM;
	bool kernel_file =
		kernel->backing == ASPACE_BACKING_FILE || kernel->backing == ASPACE_BACKING_SHM;

	if ((model->flags & ASPACE_SHARED) != (kernel->flags & ASPACE_SHARED))
		return false;
	if (model_file != kernel_file)
		return false;
	/* Paths may differ in their " (deleted)" suffix only. */
	return !model_file || model->backing == kernel->backing;
}

/* Index of the entry holding addr among sorted entries, or nentries. */
static size_t entry_holding(const struct aspace_region *entries, size_t nentries, uint64_t addr)
{
	size_t lo = 0, hi = nentries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (entries[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nentries && entries[lo].start <= addr)
		return lo;
	return nentries;
}

void aspace_sync(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t end,
		 const struct aspace_region *entries, size_t nentries,
		 struct aspace_changes *changes)
{
	struct aspace_cursor cur;

	if (start >= end)
		return;
	split_at(as, start);
	split_at(as, end);
	for (size_t i = 0; i < nentries; i++) {
		split_at(as, entries[i].start);
		split_at(as, entries[i].end);
	}
	/* What the model has and the kernel has not goes; protections follow the kernel. */
	cur = lower_bound(as, start);
	while (cur.leaf && cur_region(cur)->start < end) {
		struct aspace_region *region = cur_region(cur);
		size_t idx = entry_holding(entries, nentries, region->start);

		/* Another kind of mapping where the model had one: it was replaced. */
		if (idx != nentries && !same_identity(region, &entries[idx]))
			idx = nentries;
		if (idx == nentries) {
			struct aspace_piece *piece =
				add_piece(changes, ASPACE_PIECE_UNMAPPED, region->start,
					  region->end, &region->origin);

			if (piece)
				piece->old_prot = region->prot;
			origin_sub(as, &region->origin, region->end - region->start, piece);
			cur = remove_at(as, cur);
			continue;
		}
		if (region->prot != entries[idx].prot) {
			struct aspace_piece *piece =
				add_piece(changes, ASPACE_PIECE_PROTECTED, region->start,
					  region->end, &region->origin);

			if (piece) {
				piece->prot = entries[idx].prot;
				piece->old_prot = region->prot;
			}
			region->prot = entries[idx].prot;
			region->prot_seq = ev->seq;
			region->prot_stack = ev->stack_id;
		}
		cur = cur_next(cur);
	}
	/* What the kernel has and the model has not comes, made by ev. */
	for (size_t i = 0; i < nentries; i++) {
		uint64_t pos = entries[i].start;

		while (pos < entries[i].end) {
			struct aspace_cursor have_cur;
			const struct aspace_region *have = aspace_first_from(as, pos, &have_cur);
			uint64_t gap_end;

			if (have && have->start <= pos) {
				pos = have->end;
				continue;
			}
			gap_end = have ? min_u64(have->start, entries[i].end) : entries[i].end;
			{
				struct aspace_region tmpl = entries[i];

				if (has_offset(&tmpl))
					tmpl.offset += pos - entries[i].start;
				map_new(as, ev, pos, gap_end, &tmpl, changes);
			}
			pos = gap_end;
		}
	}
	merge_range(as, start, end);
}

int aspace_restore(struct aspace *as, const struct aspace_region *region)
{
	struct aspace_cursor cur;
	const struct aspace_region *next = aspace_first_from(as, region->start, &cur);

	if (region->start >= region->end || (next && next->start < region->end))
		return -EEXIST;
	insert_region(as, region);
	origin_add(as, &region->origin, region->end - region->start);
	return 0;
}

int aspace_set_thread(struct aspace *as, uint64_t addr, pid_t tid)
{
	struct aspace_region *region = cur_region(holding(as, addr));

	if (!region)
		return -ENOENT;
	region->thread = tid;
	region->flags &= ~ASPACE_THREAD_EXITED;
	return 0;
}

int aspace_thread_exited(struct aspace *as, uint64_t addr, pid_t tid)
{
	struct aspace_region *region = cur_region(holding(as, addr));

	if (!region || region->thread != tid)
		return -ENOENT;
	region->flags |= ASPACE_THREAD_EXITED;
	return 0;
}

int aspace_grow_down(struct aspace *as, uint64_t end, uint64_t new_start)
{
	struct aspace_cursor cur = holding(as, end - 1);
	struct aspace_region *region = cur_region(cur);
	struct aspace_cursor prev_cur;
	struct aspace_region grown;

	if (!region || region->end != end ||
	    !(region->backing == ASPACE_BACKING_STACK || (region->flags & ASPACE_GROWSDOWN)))
		return -ENOENT;
	if (new_start >= region->start)
		return 0;
	prev_cur = cur_prev(cur);
	if (prev_cur.leaf && cur_region(prev_cur)->end > new_start)
		return -ENOENT;
	/*
	 * The start is the key: take it out and put it back lower.  The new
	 * bytes are the region's origin's, counted with it, or a later unmap
	 * would take more bytes from the origin than it was known to have.
	 */
	origin_add(as, &region->origin, region->start - new_start);
	grown = *region;
	grown.start = new_start;
	remove_at(as, cur);
	insert_region(as, &grown);
	return 0;
}

/*
 * The comparison walks both lists at once over the union of their
 * boundaries; in each elementary interval it compares (mapped, prot).
 */
size_t aspace_compare(const struct aspace *as, const struct aspace_region *kernel, size_t nkernel,
		      struct aspace_mismatch *out, size_t cap)
{
	struct aspace_cursor mcur = lower_bound(as, 0);
	const struct aspace_region *mnode = cur_region(mcur);
	size_t kidx = 0, count = 0;
	uint64_t pos = 0;
	bool in_mismatch = false;
	uint64_t mismatch_start = 0;

	for (;;) {
		uint64_t next = UINT64_MAX;
		bool m_mapped, k_mapped;
		unsigned int m_prot = 0, k_prot = 0;

		while (mnode && mnode->end <= pos) {
			mcur = cur_next(mcur);
			mnode = cur_region(mcur);
		}
		while (kidx < nkernel && kernel[kidx].end <= pos)
			kidx++;
		if (!mnode && kidx == nkernel)
			break;
		m_mapped = mnode && mnode->start <= pos;
		k_mapped = kidx < nkernel && kernel[kidx].start <= pos;
		if (m_mapped) {
			m_prot = mnode->prot;
			next = mnode->end;
		} else if (mnode) {
			next = mnode->start;
		}
		if (k_mapped) {
			k_prot = kernel[kidx].prot;
			next = min_u64(next, kernel[kidx].end);
		} else if (kidx < nkernel) {
			next = min_u64(next, kernel[kidx].start);
		}
		if (m_mapped != k_mapped || m_prot != k_prot) {
			if (!in_mismatch) {
				in_mismatch = true;
				mismatch_start = pos;
			}
		} else if (in_mismatch) {
			if (count < cap) {
				out[count].start = mismatch_start;
				out[count].end = pos;
			}
			count++;
			in_mismatch = false;
		}
		pos = next;
	}
	if (in_mismatch) {
		if (count < cap) {
			out[count].start = mismatch_start;
			out[count].end = pos;
		}
		count++;
	}
	return count;
}
