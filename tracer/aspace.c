/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The address-space model: see aspace.h.
 *
 * The kernel's verbs on a set of regions kept in a B+ tree (rtree.h:
 * O(log n) search, insert and delete, O(1) to the next region).  Every
 * operation on a range first cuts the regions that straddle its ends
 * (split_at), so that the range is made of whole regions, then works on
 * those, then merges neighbours that have become identical (same origin
 * and attributes).
 *
 * Origins that still own bytes are counted in a hash table, so that an
 * unmap can say whether it trims its origin or removes the last of it.
 */
#include "aspace.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hashidx.h"
#include "mman_compat.h"
#include "rtree.h"
#include "runtime.h"
#include "util.h"

/*
 * Bytes an origin mapped, and how many of them are still mapped.  Seq 0: a
 * hole left by a removed origin, whose total is the next hole's place + 1
 * (0: none).
 */
struct origin_count {
	uint64_t seq;
	uint64_t total;
	uint64_t left;
};

struct aspace {
	struct rtree *regions;
	uint64_t heap_start;
	uint64_t heap_top;
	uint64_t heap_peak;	      /* the largest heap_top - heap_start */
	uint64_t mapped_peak;	      /* the most bytes the regions have covered */
	struct origin_count *origins; /* those that own bytes, and holes */
	size_t norigins;	      /* places used in origins, holes included */
	size_t origins_cap;
	size_t origin_hole; /* the first hole's place + 1; 0: none */
	/*
	 * The hash of each origin's seq -> its place in origins, built at
	 * the first lookup by seq and kept from then on.  Regions know their
	 * origin's place (origin_slot), and a call's seq is above every
	 * earlier one's: tracing never looks one up by seq, reading a trace
	 * back does (aspace_restore()).
	 */
	struct hidx origin_index;
	bool origins_indexed;
	uint64_t origin_seq_max; /* the highest seq counted so far */
	size_t origin_last;	 /* the place of the origin counted last, + 1 */
	/* The threads' names (aspace_name_thread()), by tid, ascending. */
	struct thread_name {
		pid_t tid;
		char name[ASPACE_THREAD_NAME_MAX];
	} * names;
	size_t nnames;
	size_t names_cap;
	size_t names_prune_at; /* prune_names() when nnames reaches it */
};

static uint64_t page_up(uint64_t len)
{
	uint64_t page = ASPACE_PAGE_SIZE;

	return (len + page - 1) & ~(page - 1);
}

/* Whether region lies in an arena window of a runtime (runtime.h), cache kept for a walk. */
static bool in_arena(const struct aspace *as, const struct aspace_region *region,
		     struct aspace_kind_cache *cache)
{
	struct runtime_window win;

	return runtime_arena(as, region, cache, &win);
}

enum aspace_kind aspace_kind_of(const struct aspace *as, const struct aspace_region *region)
{
	return aspace_kind_of_cached(as, region, NULL);
}

enum aspace_maker aspace_maker_of(const struct aspace_kind_cache *cache,
				  const struct aspace_region *region)
{
	if (!cache || !cache->maker || region->origin.kind != ASPACE_ORIGIN_CALL ||
	    !region->origin.stack_id)
		return ASPACE_MAKER_UNKNOWN;
	return cache->maker(cache->maker_ctx, region->origin.stack_id);
}

/*
 * Whether region is a thread's stack: it holds a live or exited thread's
 * first stack pointer, and no other live thread's, unless a runtime made
 * it for its heap (a Go thread's stack lies in the Go heap).
 */
static bool thread_stack(const struct aspace_region *region, const struct aspace_kind_cache *cache)
{
	return region->thread > 0 && aspace_maker_of(cache, region) != ASPACE_MAKER_HEAP;
}

/*
 * Whether region, inaccessible, is the guard page of the thread stack
 * right above it: made by the same call.  The neighbour is looked up by
 * address, since region may be a copy.
 */
static bool stack_guard(const struct aspace *as, const struct aspace_region *region,
			const struct aspace_kind_cache *cache)
{
	struct aspace_cursor cur;
	const struct aspace_region *next;

	if (region->prot)
		return false;
	next = aspace_first_from(as, region->end, &cur);
	return next && next->start == region->end && thread_stack(next, cache) &&
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
	if (thread_stack(region, cache))
		return ASPACE_KIND_THREAD_STACK;
	if (region->flags & ASPACE_SHARED)
		return ASPACE_KIND_SHARED;
	if (stack_guard(as, region, cache))
		return ASPACE_KIND_THREAD_STACK;
	if (in_arena(as, region, cache))
		return ASPACE_KIND_ARENA;
	if (aspace_maker_of(cache, region) == ASPACE_MAKER_HEAP)
		return ASPACE_KIND_RUNTIME_HEAP;
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
		[ASPACE_KIND_RUNTIME_HEAP] = "runtime heap",
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

/*
 * Tells the tree where the counts are, after they move or when the tree
 * is new: its lookups read the counts of the regions they land near, so
 * that an unmap does not wait for its region, then for its count.
 */
static void origins_moved(struct aspace *as)
{
	rtree_origin_table(as->regions, as->origins, as->origins_cap, sizeof(*as->origins));
}

/* The origin seq, or NULL: *it is then where the lookup ended. */
static inline struct origin_count *origin_find(struct aspace *as, uint64_t seq,
					       struct hidx_iter *it)
{
	uint32_t entry;

	if (!as->origins_indexed) {
		for (size_t place = 0; place < as->norigins; place++)
			if (as->origins[place].seq)
				hidx_insert(&as->origin_index,
					    hidx_hash_u64(as->origins[place].seq), (uint32_t)place);
		as->origins_indexed = true;
	}
	*it = hidx_probe(&as->origin_index, hidx_hash_u64(seq));
	while (hidx_next(&as->origin_index, it, &entry))
		if (as->origins[entry].seq == seq)
			return &as->origins[entry];
	return NULL;
}

/*
 * The count of origin, as slot (an origin_slot: 0 when not known) says or
 * else by its seq; NULL when the model counts none for it.
 */
static struct origin_count *origin_of(struct aspace *as, const struct aspace_event *origin,
				      uint32_t slot, struct hidx_iter *it)
{
	if (slot && slot <= as->norigins && as->origins[slot - 1].seq == origin->seq)
		return &as->origins[slot - 1];
	/* A call that makes several regions counts them one after another. */
	if (as->origin_last && as->origins[as->origin_last - 1].seq == origin->seq)
		return &as->origins[as->origin_last - 1];
	return origin_find(as, origin->seq, it);
}

/*
 * Counts bytes more of the origin ev (whose count is at slot, when not
 * 0).  Returns its slot for the regions that have them; 0 for an origin
 * that is not counted (exec, attach, the kernel's).
 */
static uint32_t origin_add(struct aspace *as, const struct aspace_event *ev, uint32_t slot,
			   uint64_t bytes)
{
	struct origin_count *entry;
	struct hidx_iter it;

	if (ev->kind != ASPACE_ORIGIN_CALL || !ev->seq)
		return 0;
	/* A seq above every one counted is a new origin: no lookup. */
	entry = ev->seq > as->origin_seq_max ? NULL : origin_of(as, ev, slot, &it);
	if (!entry) {
		size_t place = as->origin_hole - 1;

		if (as->origin_hole) {
			as->origin_hole = (size_t)as->origins[place].total;
		} else {
			place = as->norigins++;
			xgrowarray((void **)&as->origins, &as->origins_cap, as->norigins,
				   sizeof(*as->origins));
			origins_moved(as);
		}
		entry = &as->origins[place];
		*entry = (struct origin_count){ .seq = ev->seq };
		if (ev->seq > as->origin_seq_max)
			as->origin_seq_max = ev->seq;
		if (as->origins_indexed)
			hidx_insert(&as->origin_index, hidx_hash_u64(ev->seq), (uint32_t)place);
	}
	entry->total += bytes;
	entry->left += bytes;
	as->origin_last = (size_t)(entry - as->origins) + 1;
	return (uint32_t)as->origin_last;
}

/*
 * Removes an origin that owns no more bytes, leaving a hole for the next
 * one: moving the last origin into its place instead would cost another
 * lookup, in another part of the index, at every unmap of a mapping.
 */
static void origin_delete(struct aspace *as, struct origin_count *entry)
{
	size_t place = (size_t)(entry - as->origins);

	if (as->origins_indexed)
		hidx_remove(&as->origin_index, hidx_hash_u64(entry->seq), (uint32_t)place);
	*entry = (struct origin_count){ .seq = 0, .total = as->origin_hole };
	as->origin_hole = place + 1;
}

/* Counts bytes of region's origin going away; fills the piece's origin_left/total. */
static void origin_sub(struct aspace *as, const struct aspace_region *region, uint64_t bytes,
		       struct aspace_piece *piece)
{
	const struct aspace_event *origin = &region->origin;
	struct origin_count *entry;
	struct hidx_iter it;

	if (origin->kind != ASPACE_ORIGIN_CALL || !origin->seq)
		return;
	entry = origin_of(as, origin, region->origin_slot, &it);
	if (!entry)
		return;
	assert(entry->left >= bytes && "origin loses more bytes than it has");
	entry->left -= bytes;
	if (piece) {
		piece->origin_left = entry->left;
		piece->origin_total = entry->total;
	}
	if (!entry->left)
		origin_delete(as, entry);
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
	struct aspace_cursor cur = rtree_holding(as->regions, addr);
	const struct aspace_region *region = rtree_region(cur);
	struct aspace_region *tail;
	uint64_t start;

	if (!region || region->start == addr)
		return;
	start = region->start;
	tail = rtree_region(rtree_split(as->regions, cur, addr));
	if (has_offset(tail))
		tail->offset += addr - start;
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
	struct aspace_cursor cur = rtree_before(as->regions, start);

	if (!cur.leaf)
		cur = rtree_lower_bound(as->regions, start);
	while (cur.leaf && rtree_region(cur)->start <= end) {
		struct aspace_cursor next = rtree_next(cur);

		if (!next.leaf)
			break;
		if (mergeable(rtree_region(cur), rtree_region(next)))
			rtree_merge_next(as->regions, cur); /* and try the next one */
		else
			cur = next;
	}
}

/* Inserts a copy of region, which must overlap none, and notes the peak. */
static void insert(struct aspace *as, const struct aspace_region *region)
{
	rtree_insert(as->regions, region);
	if (rtree_bytes(as->regions) > as->mapped_peak)
		as->mapped_peak = rtree_bytes(as->regions);
}

/* Public lifetime and lookups. */

struct aspace *aspace_new(void)
{
	struct aspace *as = xcalloc(1, sizeof(*as));

	as->regions = rtree_new();
	return as;
}

void aspace_free(struct aspace *as)
{
	if (!as)
		return;
	rtree_free(as->regions);
	free(as->origins);
	hidx_free(&as->origin_index);
	free(as->names);
	free(as);
}

struct aspace *aspace_copy(const struct aspace *as)
{
	struct aspace *copy = xcalloc(1, sizeof(*copy));

	copy->regions = rtree_copy(as->regions);
	copy->heap_start = as->heap_start;
	copy->heap_top = as->heap_top;
	copy->heap_peak = as->heap_top - as->heap_start;
	copy->mapped_peak = rtree_bytes(as->regions);
	copy->norigins = copy->origins_cap = as->norigins;
	copy->origin_hole = as->origin_hole;
	if (as->norigins) {
		copy->origins = xcalloc(as->norigins, sizeof(*as->origins));
		memcpy(copy->origins, as->origins, as->norigins * sizeof(*as->origins));
	}
	origins_moved(copy);
	hidx_copy(&copy->origin_index, &as->origin_index);
	copy->origins_indexed = as->origins_indexed;
	copy->origin_seq_max = as->origin_seq_max;
	copy->origin_last = as->origin_last;
	/* A forked child's copies of its parent's threads' stacks keep their names. */
	if (as->nnames) {
		copy->names = xcalloc(as->nnames, sizeof(*as->names));
		memcpy(copy->names, as->names, as->nnames * sizeof(*as->names));
		copy->nnames = copy->names_cap = as->nnames;
	}
	return copy;
}

void aspace_clear(struct aspace *as)
{
	rtree_free(as->regions);
	as->regions = rtree_new();
	origins_moved(as);
	as->heap_start = as->heap_top = as->heap_peak = 0;
	as->mapped_peak = 0;
	as->norigins = 0;
	as->origin_hole = 0;
	hidx_clear(&as->origin_index);
	as->origins_indexed = false;
	as->origin_seq_max = 0;
	as->origin_last = 0;
	as->nnames = 0;
	as->names_prune_at = 0;
}

size_t aspace_count(const struct aspace *as)
{
	return rtree_count(as->regions);
}

const struct aspace_region *aspace_find(const struct aspace *as, uint64_t addr)
{
	return rtree_region(rtree_holding(as->regions, addr));
}

const struct aspace_region *aspace_first_from(const struct aspace *as, uint64_t addr,
					      struct aspace_cursor *cur)
{
	*cur = rtree_holding(as->regions, addr);
	if (!cur->leaf)
		*cur = rtree_lower_bound(as->regions, addr);
	return rtree_region(*cur);
}

const struct aspace_region *aspace_next(const struct aspace *as, struct aspace_cursor *cur)
{
	(void)as;
	if (cur->leaf)
		*cur = rtree_next(*cur);
	return rtree_region(*cur);
}

uint64_t aspace_total(const struct aspace *as)
{
	return rtree_bytes(as->regions);
}

void aspace_sizes(const struct aspace *as, struct aspace_sizes *sizes)
{
	sizes->mapped = rtree_bytes(as->regions);
	sizes->mapped_peak = as->mapped_peak;
	sizes->heap = as->heap_top - as->heap_start;
	sizes->heap_peak = as->heap_peak;
}

/* The operations. */

/*
 * Removes the region at cur, recording an UNMAPPED piece.  Returns the
 * position of the one after it.
 */
static struct aspace_cursor unmap_at(struct aspace *as, struct aspace_cursor cur,
				     struct aspace_changes *changes)
{
	const struct aspace_region *region = rtree_region(cur);
	struct aspace_piece *piece = add_piece(changes, ASPACE_PIECE_UNMAPPED, region->start,
					       region->end, &region->origin);

	if (piece)
		piece->old_prot = region->prot;
	origin_sub(as, region, region->end - region->start, piece);
	return rtree_remove(as->regions, cur);
}

/* Gives region prot, recording a PROTECTED piece: a protection change by ev. */
static void protect_region(struct aspace_region *region, const struct aspace_event *ev,
			   unsigned int prot, struct aspace_changes *changes)
{
	struct aspace_piece *piece = add_piece(changes, ASPACE_PIECE_PROTECTED, region->start,
					       region->end, &region->origin);

	if (piece) {
		piece->prot = prot;
		piece->old_prot = region->prot;
	}
	region->prot = prot;
	region->prot_seq = ev->seq;
	region->prot_stack = ev->stack_id;
}

/* Removes [start, end) whole, recording pieces of kind UNMAPPED. */
static void unmap_range(struct aspace *as, uint64_t start, uint64_t end,
			struct aspace_changes *changes)
{
	struct aspace_cursor cur;

	if (start >= end)
		return;
	split_at(as, start);
	split_at(as, end);
	cur = rtree_lower_bound(as->regions, start);
	while (cur.leaf && rtree_region(cur)->start < end)
		cur = unmap_at(as, cur, changes);
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
	region.origin_slot = origin_add(as, ev, 0, end - start);
	insert(as, &region);
	add_piece(changes, ASPACE_PIECE_MAPPED, start, end, ev);
}

void aspace_map(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t len,
		const struct aspace_region *tmpl, struct aspace_changes *changes)
{
	uint64_t end = start + page_up(len);

	if (end <= start)
		return;
	/* map_new() takes out what was there (MAP_FIXED), recorded. */
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
	for (cur = rtree_lower_bound(as->regions, start);
	     cur.leaf && rtree_region(cur)->start < end; cur = rtree_next(cur)) {
		struct aspace_region *region = rtree_region(cur);

		if (region->prot != prot)
			protect_region(region, ev, prot, changes);
	}
	merge_range(as, start, end);
}

/*
 * Moves the regions of [start, end) to new_start, recording MOVED
 * pieces; whatever the model has at the destination is unmapped first.
 */
static void move_range(struct aspace *as, uint64_t start, uint64_t end, uint64_t new_start,
		       struct aspace_changes *changes)
{
	struct aspace_region *moved = NULL;
	size_t nmoved = 0, cap = 0;
	struct aspace_cursor cur;

	split_at(as, start);
	split_at(as, end);
	cur = rtree_lower_bound(as->regions, start);
	while (cur.leaf && rtree_region(cur)->start < end) {
		struct aspace_region *region = rtree_region(cur);
		struct aspace_piece *piece;

		xgrowarray((void **)&moved, &cap, nmoved + 1, sizeof(*moved));
		moved[nmoved++] = *region;
		piece = add_piece(changes, ASPACE_PIECE_MOVED, region->start, region->end,
				  &region->origin);
		if (piece) {
			piece->to = region->start - start + new_start;
			piece->old_prot = region->prot;
		}
		cur = rtree_remove(as->regions, cur);
	}
	/* The kernel has freed the destination: anything the model still has there is stale. */
	unmap_range(as, new_start, new_start + (end - start), changes);
	for (size_t i = 0; i < nmoved; i++) {
		moved[i].start = moved[i].start - start + new_start;
		moved[i].end = moved[i].end - start + new_start;
		insert(as, &moved[i]);
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

/*
 * mremap in place.  Shrink:   |---- kept ----|-- unmapped --|
 *                   Grow:     |---- old -----|--- new (ev) ---|
 */
static void remap_in_place(struct aspace *as, const struct aspace_event *ev, uint64_t addr,
			   uint64_t old_len, uint64_t new_len, struct aspace_changes *changes)
{
	struct aspace_region tmpl;

	if (new_len < old_len) {
		unmap_range(as, addr + new_len, addr + old_len, changes);
	} else if (new_len > old_len &&
		   template_at(as, addr + old_len - 1, addr + old_len, &tmpl)) {
		map_new(as, ev, addr + old_len, addr + new_len, &tmpl, changes);
		merge_range(as, addr, addr + new_len);
	}
}

/*
 * mremap that moved.  The kernel first frees the destination
 * (MREMAP_FIXED), then shrinks the source, then moves what is left:
 *
 *   old_addr |== moved ==|-- shrunk away --|
 *   new_addr |== moved ==|++ grown (ev) ++|
 *
 * MREMAP_DONTUNMAP leaves the old range mapped, empty, made by this call.
 */
static void remap_move(struct aspace *as, const struct aspace_event *ev, uint64_t old_addr,
		       uint64_t old_len, uint64_t new_len, unsigned int flags, uint64_t new_addr,
		       struct aspace_changes *changes)
{
	uint64_t moved_len = min_u64(old_len, new_len);
	struct aspace_region grown, left_behind;
	bool have_grown, keep_old;

	if (flags & MREMAP_FIXED)
		unmap_range(as, new_addr, new_addr + new_len, changes);
	if (new_len < old_len)
		unmap_range(as, old_addr + new_len, old_addr + old_len, changes);
	have_grown = template_at(as, old_addr + moved_len - 1, old_addr + moved_len, &grown);
	keep_old = (flags & MREMAP_DONTUNMAP) && template_at(as, old_addr, old_addr, &left_behind);
	move_range(as, old_addr, old_addr + moved_len, new_addr, changes);
	if (have_grown && new_len > old_len)
		map_new(as, ev, new_addr + old_len, new_addr + new_len, &grown, changes);
	if (keep_old) {
		map_new(as, ev, old_addr, old_addr + moved_len, &left_behind, changes);
		merge_range(as, old_addr, old_addr + moved_len);
	}
	merge_range(as, new_addr, new_addr + new_len);
}

void aspace_remap(struct aspace *as, const struct aspace_event *ev, uint64_t old_addr,
		  uint64_t old_len, uint64_t new_len, unsigned int flags, uint64_t new_addr,
		  struct aspace_changes *changes)
{
	struct aspace_region tmpl;

	old_len = page_up(old_len);
	new_len = page_up(new_len);
	if (!new_len)
		return;
	if (old_len == 0) {
		/* A second mapping of the same shared pages (mm/mremap.c: old_len == 0). */
		if (template_at(as, old_addr, old_addr, &tmpl))
			aspace_map(as, ev, new_addr, new_len, &tmpl, changes);
		return;
	}
	if (new_addr == old_addr)
		remap_in_place(as, ev, old_addr, old_len, new_len, changes);
	else
		remap_move(as, ev, old_addr, old_len, new_len, flags, new_addr, changes);
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
		.prot = PROT_READ | PROT_WRITE, /* mm/mmap.c, do_brk_flags */
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
		/* map_new() first drops whatever the model still has there. */
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
	if (advice != MADV_DONTNEED && advice != MADV_FREE && advice != MADV_REMOVE &&
	    advice != MADV_PAGEOUT && advice != MADV_DONTNEED_LOCKED)
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

/*
 * The regions of [start, end) (whole, after split_at) the kernel has not
 * in entries go; the protection of the others follows the kernel's.
 */
static void sync_model(struct aspace *as, const struct aspace_event *ev, uint64_t start,
		       uint64_t end, const struct aspace_region *entries, size_t nentries,
		       struct aspace_changes *changes)
{
	struct aspace_cursor cur = rtree_lower_bound(as->regions, start);

	while (cur.leaf && rtree_region(cur)->start < end) {
		struct aspace_region *region = rtree_region(cur);
		size_t idx = entry_holding(entries, nentries, region->start);

		/* Not in the kernel, or another kind of mapping there (it was replaced). */
		if (idx == nentries || !same_identity(region, &entries[idx])) {
			cur = unmap_at(as, cur, changes);
			continue;
		}
		if (region->prot != entries[idx].prot)
			protect_region(region, ev, entries[idx].prot, changes);
		cur = rtree_next(cur);
	}
}

/* The gaps of the model within the kernel's entry become regions like it, made by ev. */
static void sync_fill(struct aspace *as, const struct aspace_event *ev,
		      const struct aspace_region *entry, struct aspace_changes *changes)
{
	uint64_t pos = entry->start;

	while (pos < entry->end) {
		struct aspace_cursor cur;
		const struct aspace_region *have = aspace_first_from(as, pos, &cur);
		struct aspace_region tmpl = *entry;
		uint64_t gap_end;

		if (have && have->start <= pos) {
			pos = have->end;
			continue;
		}
		gap_end = have ? min_u64(have->start, entry->end) : entry->end;
		if (has_offset(&tmpl))
			tmpl.offset += pos - entry->start;
		map_new(as, ev, pos, gap_end, &tmpl, changes);
		pos = gap_end;
	}
}

void aspace_sync(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t end,
		 const struct aspace_region *entries, size_t nentries,
		 struct aspace_changes *changes)
{
	if (start >= end)
		return;
	split_at(as, start);
	split_at(as, end);
	for (size_t i = 0; i < nentries; i++) {
		split_at(as, entries[i].start);
		split_at(as, entries[i].end);
	}
	sync_model(as, ev, start, end, entries, nentries, changes);
	for (size_t i = 0; i < nentries; i++)
		sync_fill(as, ev, &entries[i], changes);
	merge_range(as, start, end);
}

int aspace_restore(struct aspace *as, const struct aspace_region *region)
{
	struct aspace_cursor cur;
	const struct aspace_region *next = aspace_first_from(as, region->start, &cur);
	struct aspace_region restored = *region;

	if (region->start >= region->end || (next && next->start < region->end))
		return -EEXIST;
	restored.origin_slot = origin_add(as, &region->origin, 0, region->end - region->start);
	insert(as, &restored);
	return 0;
}

int aspace_set_thread(struct aspace *as, uint64_t addr, pid_t tid)
{
	struct aspace_region *region = rtree_region(rtree_holding(as->regions, addr));

	if (!region)
		return -ENOENT;
	if (region->thread == ASPACE_THREADS)
		return 0;
	if (tid && region->thread > 0 && region->thread != tid &&
	    !(region->flags & ASPACE_THREAD_EXITED)) {
		region->thread = ASPACE_THREADS;
		return 0;
	}
	region->thread = tid;
	region->flags &= ~ASPACE_THREAD_EXITED;
	return 0;
}

int aspace_thread_exited(struct aspace *as, uint64_t addr, pid_t tid)
{
	struct aspace_region *region = rtree_region(rtree_holding(as->regions, addr));

	if (!region || region->thread != tid)
		return -ENOENT;
	region->flags |= ASPACE_THREAD_EXITED;
	return 0;
}

/* The place of tid in as->names, or where it would go. */
static size_t name_place(const struct aspace *as, pid_t tid)
{
	size_t lo = 0, hi = as->nnames;

	/* Threads are named in about the order they were made: the last place first. */
	if (!hi || as->names[hi - 1].tid < tid)
		return hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (as->names[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Forgets the names of threads no region is the stack of (unmapped,
 * given to another thread): the table stays about as long as the live
 * threads' stacks are many, each name forgotten at most once.
 */
static void prune_names(struct aspace *as)
{
	bool *kept = xcalloc(as->nnames + 1, sizeof(*kept));
	struct aspace_cursor cur;
	const struct aspace_region *region;
	size_t n = 0;

	aspace_for_each (as, 0, &cur, region) {
		size_t at = region->thread > 0 ? name_place(as, region->thread) : as->nnames;

		if (at < as->nnames && as->names[at].tid == region->thread)
			kept[at] = true;
	}
	for (size_t i = 0; i < as->nnames; i++)
		if (kept[i])
			as->names[n++] = as->names[i];
	as->nnames = n;
	as->names_prune_at = 2 * n + 64;
	free(kept);
}

void aspace_name_thread(struct aspace *as, pid_t tid, const char *name)
{
	size_t at;

	if (as->nnames >= as->names_prune_at)
		prune_names(as);
	at = name_place(as, tid);
	if (at == as->nnames || as->names[at].tid != tid) {
		xgrowarray((void **)&as->names, &as->names_cap, as->nnames + 1, sizeof(*as->names));
		memmove(&as->names[at + 1], &as->names[at], (as->nnames - at) * sizeof(*as->names));
		as->nnames++;
		as->names[at].tid = tid;
	}
	(void)snprintf(as->names[at].name, sizeof(as->names[at].name), "%s", name);
}

const char *aspace_thread_name(const struct aspace *as, pid_t tid)
{
	size_t at = name_place(as, tid);

	return at < as->nnames && as->names[at].tid == tid ? as->names[at].name : NULL;
}

int aspace_grow_down(struct aspace *as, uint64_t end, uint64_t new_start, unsigned int prot)
{
	struct aspace_cursor cur = rtree_holding(as->regions, end - 1);
	struct aspace_region *region = rtree_region(cur);
	struct aspace_cursor prev_cur;
	struct aspace_region grown;

	if (!region || region->end != end ||
	    !(region->backing == ASPACE_BACKING_STACK || (region->flags & ASPACE_GROWSDOWN)))
		return -ENOENT;
	if (new_start >= region->start)
		return 0;
	prev_cur = rtree_prev(cur);
	if (prev_cur.leaf && rtree_region(prev_cur)->end > new_start)
		return -ENOENT;
	/*
	 * The start is the key: take it out and put it back lower.  The new
	 * bytes are the region's origin's, counted with it, or a later unmap
	 * would take more bytes from the origin than it was known to have.
	 */
	origin_add(as, &region->origin, region->origin_slot, region->start - new_start);
	grown = *region;
	if (prot != region->prot) {
		/*
		 * The region grew before a call re-protected its lowest part:
		 * the bytes below keep the protection it had, the origin's.
		 */
		grown.end = grown.start;
		grown.start = new_start;
		grown.prot = prot;
		grown.prot_seq = 0;
		grown.prot_stack = 0;
		insert(as, &grown);
		return 0;
	}
	grown.start = new_start;
	rtree_remove(as->regions, cur);
	insert(as, &grown);
	return 0;
}

/* Counts the mismatch [start, end), and writes it to out while there is room. */
static void add_mismatch(struct aspace_mismatch *out, size_t cap, size_t *count, uint64_t start,
			 uint64_t end)
{
	if (*count < cap) {
		out[*count].start = start;
		out[*count].end = end;
	}
	(*count)++;
}

/*
 * The comparison walks both lists at once over the union of their
 * boundaries, from lo to hi; in each elementary interval it compares
 * (mapped, prot).
 */
size_t aspace_compare_in(const struct aspace *as, uint64_t lo, uint64_t hi,
			 const struct aspace_region *kernel, size_t nkernel,
			 struct aspace_mismatch *out, size_t cap)
{
	struct aspace_cursor mcur;
	const struct aspace_region *mnode = aspace_first_from(as, lo, &mcur);
	size_t kidx = 0, count = 0;
	uint64_t pos = lo;
	bool in_mismatch = false;
	uint64_t mismatch_start = 0;

	while (pos < hi) {
		uint64_t next = hi;
		bool m_mapped, k_mapped;
		unsigned int m_prot = 0, k_prot = 0;

		while (mnode && mnode->end <= pos)
			mnode = aspace_next(as, &mcur);
		while (kidx < nkernel && kernel[kidx].end <= pos)
			kidx++;
		if (!mnode && kidx == nkernel)
			break;
		m_mapped = mnode && mnode->start <= pos;
		k_mapped = kidx < nkernel && kernel[kidx].start <= pos;
		if (m_mapped) {
			m_prot = mnode->prot;
			next = min_u64(next, mnode->end);
		} else if (mnode) {
			next = min_u64(next, mnode->start);
		}
		if (k_mapped) {
			k_prot = kernel[kidx].prot;
			next = min_u64(next, kernel[kidx].end);
		} else if (kidx < nkernel) {
			next = min_u64(next, kernel[kidx].start);
		}
		if (m_mapped != k_mapped || m_prot != k_prot) {
			if (!in_mismatch)
				mismatch_start = pos;
			in_mismatch = true;
		} else if (in_mismatch) {
			add_mismatch(out, cap, &count, mismatch_start, pos);
			in_mismatch = false;
		}
		pos = next;
	}
	if (in_mismatch)
		add_mismatch(out, cap, &count, mismatch_start, min_u64(pos, hi));
	return count;
}

size_t aspace_compare(const struct aspace *as, const struct aspace_region *kernel, size_t nkernel,
		      struct aspace_mismatch *out, size_t cap)
{
	return aspace_compare_in(as, 0, UINT64_MAX, kernel, nkernel, out, cap);
}
