/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A stack at a memory call, placed and interned: see capture.h. */
#include "capture.h"

#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "util.h"

struct capture {
	struct modules *mods;
	struct stacks *stacks;
	unsigned int max_frames;
	uint64_t *frames; /* max_frames of each, for one walk */
	uint32_t *modules;
	uint64_t *offsets;
};

struct capture *capture_new(struct modules *mods, struct stacks *stacks, unsigned int max_frames)
{
	struct capture *cap = xcalloc(1, sizeof(*cap));

	cap->mods = mods;
	cap->stacks = stacks;
	cap->max_frames = max_frames;
	cap->frames = xcalloc(max_frames, sizeof(*cap->frames));
	cap->modules = xcalloc(max_frames, sizeof(*cap->modules));
	cap->offsets = xcalloc(max_frames, sizeof(*cap->offsets));
	return cap;
}

void capture_free(struct capture *cap)
{
	if (!cap)
		return;
	free(cap->frames);
	free(cap->modules);
	free(cap->offsets);
	free(cap);
}

/*
 * Whether a return address may lie at lookup, in region: in code.  A
 * word libunwind took for one that lies in data, on a stack or in no
 * mapping at all is no frame (a cgo thread's walk reads one in the read-
 * only data), and nothing found above it can be trusted.
 */
static bool in_code(const struct aspace_region *region)
{
	return region && (region->prot & PROT_EXEC);
}

uint32_t capture_place(struct capture *cap, pid_t tid, const struct aspace *as,
		       const uint64_t *frames, size_t count)
{
	const struct aspace_region *last = NULL;
	uint32_t module = 0;
	size_t kept = 0;

	/*
	 * Where each frame lies now, in which module (the file mapped there,
	 * found once per mapping).  A return address is looked up one byte
	 * back: a call at the very end of a function returns past it.  The
	 * innermost frame is where the task is stopped, whatever the model
	 * says of it; the walk ends at the first return address outside
	 * every executable mapping.
	 */
	for (; kept < count; kept++) {
		uint64_t lookup = frames[kept] - (kept > 0 ? 1 : 0);
		/* Frames of one mapping follow each other: its region is searched for once. */
		const struct aspace_region *region =
			last && last->start <= lookup && lookup < last->end
				? last
				: aspace_find(as, lookup);

		if (kept > 0 && !in_code(region))
			break;
		/* And its module asked for once. */
		if (region != last) {
			last = region;
			module = region && region->path && region->backing == ASPACE_BACKING_FILE
					 ? modules_of_mapping(cap->mods, region->path,
							      &region->origin, tid, lookup)
					 : 0;
		}
		cap->modules[kept] = module;
		cap->offsets[kept] = module ? lookup - region->start + region->offset : 0;
	}
	return stacks_intern_located(cap->stacks, frames, cap->modules, cap->offsets, kept);
}

uint32_t capture_stack(struct capture *cap, struct unwinder *unw, pid_t tid,
		       const struct arch_regs *regs, const struct aspace *as)
{
	int count = unwinder_walk(unw, tid, regs, as, cap->mods, cap->frames, cap->max_frames);

	if (count <= 0)
		return 0;
	return capture_place(cap, tid, as, cap->frames, (size_t)count);
}
