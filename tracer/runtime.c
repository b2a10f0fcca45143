/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The allocators and runtimes: see runtime.h.  The table is the one place
 * that lists them; each function asks every entry in turn.
 */
#include "runtime.h"

#include <errno.h>
#include <string.h>

#include "util.h"

static const struct runtime_desc *const runtimes[] = {
	&runtime_glibc,
};

bool runtime_arena_window(const struct aspace_region *region, struct runtime_window *win)
{
	for (size_t i = 0; i < ARRAY_SIZE(runtimes); i++) {
		const struct runtime_desc *rt = runtimes[i];

		if (rt->arena_window && rt->arena_window(region, win)) {
			win->runtime = rt;
			return true;
		}
	}
	return false;
}

bool runtime_arena_at(const struct aspace *as, const struct runtime_window *win)
{
	return win->runtime->arena_at(as, win);
}

uint64_t runtime_stack_cache_bytes(void)
{
	uint64_t most = 0;

	for (size_t i = 0; i < ARRAY_SIZE(runtimes); i++)
		if (runtimes[i]->stack_cache_bytes > most)
			most = runtimes[i]->stack_cache_bytes;
	return most;
}

bool runtime_site_end(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(runtimes); i++) {
		const char *const *end = runtimes[i]->site_ends;

		for (; end && *end; end++)
			if (strlen(*end) == len && !memcmp(*end, name, len))
				return true;
	}
	return false;
}

int runtime_heap_walk(pid_t pid, uint64_t heap_start, uint64_t heap_top, uint64_t max_chunks,
		      struct mallocheap_info *info)
{
	int err = -EINVAL;

	for (size_t i = 0; i < ARRAY_SIZE(runtimes); i++) {
		if (!runtimes[i]->heap_walk)
			continue;
		err = runtimes[i]->heap_walk(pid, heap_start, heap_top, max_chunks, info);
		if (!err)
			break;
	}
	return err;
}
