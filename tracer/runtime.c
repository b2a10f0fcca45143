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
	&runtime_glibc, &runtime_musl,	  &runtime_cxx, &runtime_jemalloc, &runtime_tcmalloc,
	&runtime_go,	&runtime_hotspot, &runtime_v8,	&runtime_cpython,
};

/* The table holds no more runtimes than a walk's cache has room for. */
_Static_assert(ARRAY_SIZE(runtimes) <= ASPACE_RUNTIMES_MAX, "aspace_kind_cache too small");

/*
 * runtime_arena() over the n entries of table: the first whose window
 * holding region is an arena decides, a window that is none leaves
 * region to the next.
 */
static bool arena_in(const struct runtime_desc *const *table, size_t n, const struct aspace *as,
		     const struct aspace_region *region, struct aspace_kind_cache *cache,
		     struct runtime_window *win)
{
	for (size_t i = 0; i < n; i++) {
		const struct runtime_desc *rt = table[i];
		struct aspace_window_verdict *seen = cache ? &cache->runtimes[i] : NULL;

		if (seen && seen->known && region->start >= seen->start &&
		    region->end <= seen->end) {
			/* A window's verdict holds for every region inside it. */
			if (!seen->arena)
				continue;
			*win = (struct runtime_window){ .runtime = rt,
							.start = seen->start,
							.end = seen->end };
			return true;
		}
		if (!rt->arena_window || !rt->arena_window(region, cache, win))
			continue;
		win->runtime = rt;
		if (seen)
			*seen = (struct aspace_window_verdict){ .known = true,
								.start = win->start,
								.end = win->end };
		if (rt->arena_at(as, cache, win)) {
			if (seen)
				seen->arena = true;
			return true;
		}
	}
	return false;
}

bool runtime_arena(const struct aspace *as, const struct aspace_region *region,
		   struct aspace_kind_cache *cache, struct runtime_window *win)
{
	return arena_in(runtimes, ARRAY_SIZE(runtimes), as, region, cache, win);
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

/* Whether one of the NULL-terminated prefixes starts the len bytes at text (file names). */
static bool starts_with_one(const char *const *prefixes, const char *text, size_t len)
{
	for (; prefixes && *prefixes; prefixes++) {
		size_t plen = strlen(*prefixes);

		if (plen <= len && !memcmp(*prefixes, text, plen))
			return true;
	}
	return false;
}

/* Whether the len bytes at name are what pattern names (runtime.h: a prefix, or a whole name). */
static bool name_matches(const char *pattern, const char *name, size_t len)
{
	size_t plen = strlen(pattern);

	if (plen && strchr(".:_/", pattern[plen - 1]))
		return plen <= len && !memcmp(pattern, name, plen);
	return plen == len && !memcmp(pattern, name, len);
}

static bool names_one(const char *const *patterns, const char *name, size_t len)
{
	for (; patterns && *patterns; patterns++)
		if (name_matches(*patterns, name, len))
			return true;
	return false;
}

const struct runtime_desc *runtime_frame_runtime(const char *module, const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(runtimes); i++) {
		const struct runtime_desc *rt = runtimes[i];

		if (module && starts_with_one(rt->modules, module, strlen(module)))
			return rt;
		if (name && names_one(rt->functions, name, len))
			return rt;
	}
	return NULL;
}

bool runtime_frame_wrapper(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(runtimes); i++)
		if (name && names_one(runtimes[i]->wrappers, name, len))
			return true;
	return false;
}

const struct runtime_maker_rule *runtime_frame_maker(const char *name, size_t len,
						     const struct runtime_desc **by)
{
	for (size_t i = 0; i < ARRAY_SIZE(runtimes); i++) {
		const struct runtime_maker_rule *rule = runtimes[i]->makers;

		for (; rule && rule->name; rule++) {
			if (!name_matches(rule->name, name, len))
				continue;
			if (by)
				*by = runtimes[i];
			return rule;
		}
	}
	return NULL;
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
