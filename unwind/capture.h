/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stack at a memory call, as the stack table keeps it: the walk
 * (unwinder.c), each frame placed in the module of the file mapped where
 * it lies and at its offset in that file (modules.c: the stack stays
 * readable after the file is unmapped, and two files at one path are two
 * modules), interned (stacks.c).  One capture serves every process of a
 * run; it holds the scratch arrays of one walk, so that capturing
 * allocates nothing.
 */
#ifndef MEMTRACE_CAPTURE_H
#define MEMTRACE_CAPTURE_H

#include <stdint.h>
#include <sys/types.h>

#include "aspace.h"
#include "modules.h"
#include "stacks.h"
#include "unwinder.h"

struct capture;

/*
 * Returns a capture of at most max_frames frames into stacks, placing
 * frames with mods (both borrowed, outliving it); owned by the caller
 * (capture_free, which accepts NULL).
 */
struct capture *capture_new(struct modules *mods, struct stacks *stacks, unsigned int max_frames);
void capture_free(struct capture *cap);

/*
 * The stack of task tid, stopped with registers regs, walked with unw; as
 * is its process's model now.  Returns its id in the stack table, 0 when
 * not even one frame could be had.
 */
uint32_t capture_stack(struct capture *cap, struct unwinder *unw, pid_t tid,
		       const struct arch_regs *regs, const struct aspace *as);

/*
 * What capture_stack() does with a walk's count frames (innermost first,
 * at most max_frames; frames may be the capture's own): each placed in
 * as, the model of task tid's process (whose files are opened through
 * it: modules_of_mapping(); 0 for none), interned.  The stack ends before
 * the first return address that is not in an executable mapping of as.
 * Returns its id, 0 for count 0.
 */
uint32_t capture_place(struct capture *cap, pid_t tid, const struct aspace *as,
		       const uint64_t *frames, size_t count);

#endif /* MEMTRACE_CAPTURE_H */
