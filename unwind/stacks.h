/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stack table: each distinct stack (a sequence of return addresses,
 * innermost first) is stored once and named by a small id (libbpf's
 * strset, heaptrack's trace tree).  Events refer to stacks by id, so
 * memory grows with distinct stacks, not with events.  Id 0 is "no stack".
 */
#ifndef MEMTRACE_STACKS_H
#define MEMTRACE_STACKS_H

#include <stddef.h>
#include <stdint.h>

struct stacks;

/* Returns a new, empty table, owned by the caller (stacks_free). */
struct stacks *stacks_new(void);
/* Frees the table.  Accepts NULL. */
void stacks_free(struct stacks *tab);

/*
 * Returns the id of the stack frames[0..nframes) (innermost first), adding
 * it if new: 1, 2, ... in order of first appearance.  An empty stack is 0.
 * Cannot fail.
 */
uint32_t stacks_intern(struct stacks *tab, const uint64_t *frames, size_t nframes);

/*
 * Like stacks_intern(), and records where each frame was when the stack
 * was taken: modules[i] (a module id, unwind/modules.h; 0 when no file
 * held it) and offsets[i], the file offset of the looked-up address
 * (frames[i] for the innermost frame, frames[i] - 1 for the return
 * addresses).  So a stack is symbolized right after the process is gone,
 * or its library unloaded.  The same addresses in other modules (another
 * file, or another file at the same path) make another stack.
 */
uint32_t stacks_intern_located(struct stacks *tab, const uint64_t *frames, const uint32_t *modules,
			       const uint64_t *offsets, size_t nframes);

/*
 * Where the frames of stack id were: sets *modules and *offsets
 * (borrowed, valid until the next intern) and returns the number of
 * frames; modules are all 0 for a stack interned with stacks_intern().
 */
size_t stacks_get_located(const struct stacks *tab, uint32_t id, const uint32_t **modules,
			  const uint64_t **offsets);

/*
 * Sets *frames to the frames of stack id (borrowed: valid until the next
 * stacks_intern()) and returns how many there are; 0 for id 0 or an id
 * the table does not have.
 */
size_t stacks_get(const struct stacks *tab, uint32_t id, const uint64_t **frames);

/* How many distinct stacks the table holds. */
size_t stacks_count(const struct stacks *tab);

#endif /* MEMTRACE_STACKS_H */
