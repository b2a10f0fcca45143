/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The set of regions of one address-space model (tracer/aspace.c, its
 * only user but for the unit tests): a B+ tree of non-overlapping regions
 * ordered by start.
 * Leaves of one page each (LEAF_CAP regions, as many as fit), linked in
 * address order, under inner nodes of up to FANOUT children (rtree.c):
 * O(log n) to find, insert or remove a region, O(1) from a region to
 * the next (struct aspace_cursor).  A full node splits in two halves; a
 * removal never rebalances (a leaf may run sparse), but an empty leaf
 * leaves the tree, and so does an inner node left without children.
 *
 * The tree knows ranges, nothing else: a region's start is its key, and
 * its start and end change only through the functions below, which keep
 * the count and the bytes.  Every other field is the caller's, to read
 * and write in place through rtree_region(); the tree only copies
 * origin_slot at an insertion, to read ahead (rtree_origin_table()).
 *
 * A cursor is valid until the next change of the tree, except where a
 * function says otherwise.  Functions returning a cursor return the end
 * (leaf NULL) for "none".
 */
#ifndef MEMTRACE_RTREE_H
#define MEMTRACE_RTREE_H

#include <stddef.h>
#include <stdint.h>

#include "aspace.h"

struct rtree;

/* Returns a new, empty tree, owned by the caller (rtree_free). */
struct rtree *rtree_new(void);
/* Frees the tree.  Accepts NULL. */
void rtree_free(struct rtree *tree);
/* Returns a deep copy.  Owned by the caller. */
struct rtree *rtree_copy(const struct rtree *tree);

/*
 * Where the model counts the origins' bytes: entries of size bytes from
 * table, a region's at its origin_slot - 1.  A lookup that descends
 * reads the counts of the regions it lands near along with the regions,
 * from the origin_slot each had when it went in (the tree keeps a copy
 * next to the starts).  Only for speed: without a table (NULL), or
 * with an origin_slot changed in place, the answers are the same.  The
 * table must stay where it is said to be: tell the tree again whenever
 * it moves.
 */
void rtree_origin_table(struct rtree *tree, const void *table, size_t entries, size_t size);

/* Number of regions, and the bytes they cover. */
size_t rtree_count(const struct rtree *tree);
uint64_t rtree_bytes(const struct rtree *tree);

/* The region at cur, or NULL at the end.  Its start and end are the tree's: read only. */
struct aspace_region *rtree_region(struct aspace_cursor cur);
/* The position after cur (the end after the last region); cur must be a region. */
struct aspace_cursor rtree_next(struct aspace_cursor cur);
/* The position before cur (the end before the first region); cur must be a region. */
struct aspace_cursor rtree_prev(struct aspace_cursor cur);

/*
 * The lookups.  They change nothing in the tree but the place they start
 * the next lookup from: they take a tree that is not const.
 */

/* The region holding addr. */
struct aspace_cursor rtree_holding(struct rtree *tree, uint64_t addr);
/* The first region whose start is at or above addr. */
struct aspace_cursor rtree_lower_bound(struct rtree *tree, uint64_t addr);
/* The last region whose start is below addr. */
struct aspace_cursor rtree_before(struct rtree *tree, uint64_t addr);

/*
 * Inserts a copy of region, which must overlap none (an assertion).
 * Returns where it went.
 */
struct aspace_cursor rtree_insert(struct rtree *tree, const struct aspace_region *region);

/* Removes the region at cur.  Returns the position of the one after it. */
struct aspace_cursor rtree_remove(struct rtree *tree, struct aspace_cursor cur);

/*
 * Cuts the region at cur, [start, end) with start < addr < end, in two:
 *
 *      before:  |--------- cur ------------|
 *      after:   |--- cur ------|--- tail --|
 *                             addr
 *
 * The tail is a copy of the region in all but its start.  Returns the
 * tail's position.
 */
struct aspace_cursor rtree_split(struct rtree *tree, struct aspace_cursor cur, uint64_t addr);

/*
 * Folds the region after cur, which must start at cur's end, into cur:
 * cur's end becomes its end, and it goes.  cur stays valid.
 *
 *      before:  |--- cur ------|--- next --|
 *      after:   |--------- cur ------------|
 */
void rtree_merge_next(struct rtree *tree, struct aspace_cursor cur);

/* The tree's shape, for the tests: what bounds the cost of a lookup. */
struct rtree_shape {
	unsigned int height; /* levels of inner nodes: a lookup reads height + 1 nodes */
	size_t leaves;
	size_t inners;
	size_t leaf_cap; /* LEAF_CAP: the most regions a leaf holds */
	size_t fanout;	 /* FANOUT: the most children an inner node has */
};

void rtree_shape(const struct rtree *tree, struct rtree_shape *shape);

#endif /* MEMTRACE_RTREE_H */
