/*
 * The address-space model: see aspace.h.
 *
 * Regions live in a skip list ordered by start (O(log n) search, insert
 * and delete; O(1) to the next region).  Every operation on a range first
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

#define MAX_LEVEL 24

/* mm/mremap.c (include/uapi/linux/mman.h) */
#define MREMAP_FIXED_FLAG 2U
#define MREMAP_DONTUNMAP_FLAG 4U

/* include/uapi/asm-generic/mman-common.h: the advice that gives pages back. */
#define ADV_DONTNEED 4
#define ADV_FREE 8
#define ADV_REMOVE 9
#define ADV_PAGEOUT 21
#define ADV_DONTNEED_LOCKED 24

struct node {
	struct aspace_region region; /* first: a region pointer is a node pointer */
	unsigned int level;
	struct node *next[];
};

/* Bytes an origin mapped, and how many of them are still mapped. */
struct origin_count {
	uint64_t seq; /* 0: empty slot */
	uint64_t total;
	uint64_t left;
};

struct aspace {
	struct node *head;
	unsigned int level;
	size_t count;
	uint64_t rng;
	uint64_t heap_start;
	uint64_t heap_top;
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

static void origin_insert_raw(struct aspace *as, const struct origin_count *entry)
{
	size_t idx = origin_slot(as, entry->seq);

	while (as->origins[idx].seq)
		idx = (idx + 1) & (as->norigin_slots - 1);
	as->origins[idx] = *entry;
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
		origin_insert_raw(as, &fresh);
		as->norigins++;
		entry = origin_find(as, ev->seq);
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

/* The skip list. */

static struct node *node_new(unsigned int level)
{
	struct node *node = xcalloc(1, sizeof(*node) + level * sizeof(node->next[0]));

	node->level = level;
	return node;
}

static unsigned int random_level(struct aspace *as)
{
	unsigned int level = 1;
	uint64_t bits;

	/* xorshift64; p = 1/4 per level. */
	as->rng ^= as->rng << 13;
	as->rng ^= as->rng >> 7;
	as->rng ^= as->rng << 17;
	bits = as->rng;
	while (level < MAX_LEVEL && (bits & 3) == 0) {
		level++;
		bits >>= 2;
	}
	return level;
}

/*
 * Fills update[i] with the last node at level i whose start is below addr.
 * Returns the first node whose start is at or above addr.
 */
static struct node *find_prev(const struct aspace *as, uint64_t addr, struct node **update)
{
	struct node *node = as->head;

	for (int i = (int)as->level - 1; i >= 0; i--) {
		while (node->next[i] && node->next[i]->region.start < addr)
			node = node->next[i];
		if (update)
			update[i] = node;
	}
	return node->next[0];
}

/* The node holding addr, or NULL. */
static struct node *find_node(const struct aspace *as, uint64_t addr)
{
	struct node *update[MAX_LEVEL];
	struct node *node = find_prev(as, addr + 1, update);

	(void)node;
	node = update[0];
	if (node != as->head && node->region.start <= addr && addr < node->region.end)
		return node;
	return NULL;
}

static struct node *insert_region(struct aspace *as, const struct aspace_region *region)
{
	struct node *update[MAX_LEVEL];
	unsigned int level = random_level(as);
	struct node *node = node_new(level);
	struct node *after;

	after = find_prev(as, region->start, update);
	assert((!after || after->region.start >= region->end) && "regions overlap");
	assert((update[0] == as->head || update[0]->region.end <= region->start) &&
	       "regions overlap");
	(void)after;
	node->region = *region;
	if (level > as->level) {
		for (unsigned int i = as->level; i < level; i++)
			update[i] = as->head;
		as->level = level;
	}
	for (unsigned int i = 0; i < level; i++) {
		node->next[i] = update[i]->next[i];
		update[i]->next[i] = node;
	}
	as->count++;
	return node;
}

static void remove_node(struct aspace *as, struct node *node)
{
	struct node *update[MAX_LEVEL];

	find_prev(as, node->region.start, update);
	for (unsigned int i = 0; i < node->level; i++) {
		assert(update[i]->next[i] == node && "skip list out of order");
		update[i]->next[i] = node->next[i];
	}
	while (as->level > 1 && !as->head->next[as->level - 1])
		as->level--;
	as->count--;
	free(node);
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
	struct node *node = find_node(as, addr);
	struct aspace_region tail;

	if (!node || node->region.start == addr)
		return;
	tail = node->region;
	tail.start = addr;
	if (has_offset(&tail))
		tail.offset += addr - node->region.start;
	node->region.end = addr;
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
	struct node *update[MAX_LEVEL];
	struct node *node;

	find_prev(as, start, update);
	node = update[0] != as->head ? update[0] : as->head->next[0];
	while (node && node->region.start <= end) {
		struct node *next = node->next[0];

		if (next && mergeable(&node->region, &next->region)) {
			node->region.end = next->region.end;
			remove_node(as, next);
			continue;
		}
		node = next;
	}
}

/* The first node of [start, ...), after split_at(start). */
static struct node *first_at(const struct aspace *as, uint64_t start)
{
	return find_prev(as, start, NULL);
}

/* Public lifetime and lookups. */

struct aspace *aspace_new(void)
{
	struct aspace *as = xcalloc(1, sizeof(*as));

	as->head = node_new(MAX_LEVEL);
	as->level = 1;
	as->rng = 0x2545f4914f6cdd1dULL;
	as->norigin_slots = 64;
	as->origins = xcalloc(as->norigin_slots, sizeof(*as->origins));
	return as;
}

static void free_nodes(struct aspace *as)
{
	struct node *node = as->head->next[0];

	while (node) {
		struct node *next = node->next[0];

		free(node);
		node = next;
	}
	memset(as->head->next, 0, MAX_LEVEL * sizeof(as->head->next[0]));
	as->level = 1;
	as->count = 0;
}

void aspace_free(struct aspace *as)
{
	if (!as)
		return;
	free_nodes(as);
	free(as->head);
	free(as->origins);
	free(as);
}

struct aspace *aspace_copy(const struct aspace *as)
{
	struct aspace *copy = aspace_new();
	struct node *tail[MAX_LEVEL];

	/* Appending in order: link each new node after the last one of its levels. */
	for (unsigned int i = 0; i < MAX_LEVEL; i++)
		tail[i] = copy->head;
	for (struct node *node = as->head->next[0]; node; node = node->next[0]) {
		unsigned int level = random_level(copy);
		struct node *dup = node_new(level);

		dup->region = node->region;
		for (unsigned int i = 0; i < level; i++) {
			tail[i]->next[i] = dup;
			tail[i] = dup;
		}
		if (level > copy->level)
			copy->level = level;
		copy->count++;
	}
	copy->heap_start = as->heap_start;
	copy->heap_top = as->heap_top;
	free(copy->origins);
	copy->norigin_slots = as->norigin_slots;
	copy->norigins = as->norigins;
	copy->origins = xcalloc(as->norigin_slots, sizeof(*as->origins));
	memcpy(copy->origins, as->origins, as->norigin_slots * sizeof(*as->origins));
	return copy;
}

void aspace_clear(struct aspace *as)
{
	free_nodes(as);
	as->heap_start = as->heap_top = 0;
	memset(as->origins, 0, as->norigin_slots * sizeof(*as->origins));
	as->norigins = 0;
}

size_t aspace_count(const struct aspace *as)
{
	return as->count;
}

const struct aspace_region *aspace_find(const struct aspace *as, uint64_t addr)
{
	struct node *node = find_node(as, addr);

	return node ? &node->region : NULL;
}

const struct aspace_region *aspace_first_from(const struct aspace *as, uint64_t addr)
{
	struct node *update[MAX_LEVEL];
	struct node *node = find_prev(as, addr, update);

	if (update[0] != as->head && update[0]->region.end > addr)
		return &update[0]->region;
	return node ? &node->region : NULL;
}

const struct aspace_region *aspace_next(const struct aspace *as, const struct aspace_region *region)
{
	const struct node *node = (const struct node *)region;

	(void)as;
	return node->next[0] ? &node->next[0]->region : NULL;
}

uint64_t aspace_total(const struct aspace *as)
{
	uint64_t total = 0;

	for (struct node *node = as->head->next[0]; node; node = node->next[0])
		total += node->region.end - node->region.start;
	return total;
}

/* The operations. */

/* Removes [start, end) whole, recording pieces of kind UNMAPPED. */
static void unmap_range(struct aspace *as, uint64_t start, uint64_t end,
			struct aspace_changes *changes)
{
	struct node *node;

	if (start >= end)
		return;
	split_at(as, start);
	split_at(as, end);
	node = first_at(as, start);
	while (node && node->region.start < end) {
		struct node *next = node->next[0];
		struct aspace_piece *piece =
			add_piece(changes, ASPACE_PIECE_UNMAPPED, node->region.start,
				  node->region.end, &node->region.origin);

		origin_sub(as, &node->region.origin, node->region.end - node->region.start, piece);
		remove_node(as, node);
		node = next;
	}
}

/* Adds [start, end) as a new region like tmpl, made by ev. */
static void map_new(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t end,
		    const struct aspace_region *tmpl, struct aspace_changes *changes)
{
	struct aspace_region region = *tmpl;

	if (start >= end)
		return;
	region.start = start;
	region.end = end;
	region.origin = *ev;
	region.prot_seq = 0;
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
	struct node *node;

	if (end <= start)
		return;
	split_at(as, start);
	split_at(as, end);
	for (node = first_at(as, start); node && node->region.start < end; node = node->next[0]) {
		struct aspace_piece *piece;

		if (node->region.prot == prot)
			continue;
		piece = add_piece(changes, ASPACE_PIECE_PROTECTED, node->region.start,
				  node->region.end, &node->region.origin);
		if (piece)
			piece->prot = prot;
		node->region.prot = prot;
		node->region.prot_seq = ev->seq;
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
	struct node *node;

	split_at(as, start);
	split_at(as, end);
	node = first_at(as, start);
	while (node && node->region.start < end) {
		struct node *next = node->next[0];
		struct aspace_piece *piece;

		xgrowarray((void **)&moved, &cap, nmoved + 1, sizeof(*moved));
		moved[nmoved++] = node->region;
		piece = add_piece(changes, ASPACE_PIECE_MOVED, node->region.start, node->region.end,
				  &node->region.origin);
		if (piece)
			piece->to = node->region.start - start + new_start;
		remove_node(as, node);
		node = next;
	}
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
		if (template_at(as, old_addr, new_addr, &tmpl)) {
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

void aspace_set_heap(struct aspace *as, uint64_t start, uint64_t top)
{
	as->heap_start = start;
	as->heap_top = top;
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
}

void aspace_advise(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t len,
		   int advice, struct aspace_changes *changes)
{
	uint64_t end = start + page_up(len);
	const struct aspace_region *region;

	(void)ev;
	if (advice != ADV_DONTNEED && advice != ADV_FREE && advice != ADV_REMOVE &&
	    advice != ADV_PAGEOUT && advice != ADV_DONTNEED_LOCKED)
		return;
	for (region = aspace_first_from(as, start); region && region->start < end;
	     region = aspace_next(as, region)) {
		uint64_t from = region->start > start ? region->start : start;
		uint64_t to = min_u64(region->end, end);

		add_piece(changes, ASPACE_PIECE_RELEASED, from, to, &region->origin);
	}
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
	struct node *node;

	if (start >= end)
		return;
	split_at(as, start);
	split_at(as, end);
	for (size_t i = 0; i < nentries; i++) {
		split_at(as, entries[i].start);
		split_at(as, entries[i].end);
	}
	/* What the model has and the kernel has not goes; protections follow the kernel. */
	node = first_at(as, start);
	while (node && node->region.start < end) {
		struct node *next = node->next[0];
		size_t idx = entry_holding(entries, nentries, node->region.start);

		if (idx == nentries) {
			struct aspace_piece *piece =
				add_piece(changes, ASPACE_PIECE_UNMAPPED, node->region.start,
					  node->region.end, &node->region.origin);

			origin_sub(as, &node->region.origin, node->region.end - node->region.start,
				   piece);
			remove_node(as, node);
		} else if (node->region.prot != entries[idx].prot) {
			struct aspace_piece *piece =
				add_piece(changes, ASPACE_PIECE_PROTECTED, node->region.start,
					  node->region.end, &node->region.origin);

			if (piece)
				piece->prot = entries[idx].prot;
			node->region.prot = entries[idx].prot;
			node->region.prot_seq = ev->seq;
		}
		node = next;
	}
	/* What the kernel has and the model has not comes, made by ev. */
	for (size_t i = 0; i < nentries; i++) {
		uint64_t pos = entries[i].start;

		while (pos < entries[i].end) {
			const struct aspace_region *have = aspace_first_from(as, pos);
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

int aspace_set_thread(struct aspace *as, uint64_t addr, pid_t tid)
{
	struct node *node = find_node(as, addr);

	if (!node)
		return -ENOENT;
	node->region.thread = tid;
	return 0;
}

int aspace_grow_down(struct aspace *as, uint64_t end, uint64_t new_start)
{
	struct node *update[MAX_LEVEL];
	struct node *node, *prev;

	find_prev(as, end, update);
	node = update[0];
	if (node == as->head || node->region.end != end ||
	    !(node->region.backing == ASPACE_BACKING_STACK ||
	      (node->region.flags & ASPACE_GROWSDOWN)))
		return -ENOENT;
	if (new_start >= node->region.start)
		return 0;
	find_prev(as, node->region.start, update);
	prev = update[0];
	if (prev != as->head && prev->region.end > new_start)
		return -ENOENT;
	node->region.start = new_start;
	return 0;
}

/*
 * The comparison walks both lists at once over the union of their
 * boundaries; in each elementary interval it compares (mapped, prot).
 */
size_t aspace_compare(const struct aspace *as, const struct aspace_region *kernel, size_t nkernel,
		      struct aspace_mismatch *out, size_t cap)
{
	const struct node *mnode = as->head->next[0];
	size_t kidx = 0, count = 0;
	uint64_t pos = 0;
	bool in_mismatch = false;
	uint64_t mismatch_start = 0;

	for (;;) {
		uint64_t next = UINT64_MAX;
		bool m_mapped, k_mapped;
		unsigned int m_prot = 0, k_prot = 0;

		while (mnode && mnode->region.end <= pos)
			mnode = mnode->next[0];
		while (kidx < nkernel && kernel[kidx].end <= pos)
			kidx++;
		if (!mnode && kidx == nkernel)
			break;
		m_mapped = mnode && mnode->region.start <= pos;
		k_mapped = kidx < nkernel && kernel[kidx].start <= pos;
		if (m_mapped) {
			m_prot = mnode->region.prot;
			next = mnode->region.end;
		} else if (mnode) {
			next = mnode->region.start;
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
