/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The stack table: see stacks.h. */
#include "stacks.h"

#include <stdbool.h>
#include <string.h>
#include <stdlib.h>

#include "hashidx.h"
#include "util.h"

struct stack_ref {
	size_t offset; /* into frames */
	size_t count;
};

struct stacks {
	uint64_t *frames; /* every stack's frames, one after another */
	size_t nframes;
	size_t frames_cap;
	uint32_t *modules; /* where each frame was: parallel to frames */
	size_t modules_cap;
	uint64_t *offsets; /* (0 and 0 when not recorded) */
	size_t offsets_cap;
	struct stack_ref *refs; /* id - 1 -> its frames */
	size_t nrefs;
	size_t refs_cap;
	struct hidx index; /* the hash of each stack -> its id - 1 */
};

/* The hash of a stack: its length, its frames and, when given, their modules. */
static uint32_t hash_stack(const uint64_t *frames, const uint32_t *modules, size_t nframes)
{
	uint64_t hash = HIDX_HASH_SEED ^ nframes;

	for (size_t i = 0; i < nframes; i++)
		hash = hidx_hash_word(hash, frames[i]);
	if (modules)
		for (size_t i = 0; i < nframes; i++)
			hash = hidx_hash_word(hash, modules[i]);
	return (uint32_t)hash;
}

struct stacks *stacks_new(void)
{
	return xcalloc(1, sizeof(struct stacks));
}

void stacks_free(struct stacks *tab)
{
	if (!tab)
		return;
	free(tab->frames);
	free(tab->modules);
	free(tab->offsets);
	free(tab->refs);
	hidx_free(&tab->index);
	free(tab);
}

static bool same_place(const struct stacks *tab, size_t offset, const uint32_t *modules,
		       const uint64_t *offsets, size_t nframes)
{
	for (size_t i = 0; i < nframes; i++) {
		uint32_t module = modules ? modules[i] : 0;
		uint64_t where = offsets ? offsets[i] : 0;

		if (tab->modules[offset + i] != module || tab->offsets[offset + i] != where)
			return false;
	}
	return true;
}

uint32_t stacks_intern_located(struct stacks *tab, const uint64_t *frames, const uint32_t *modules,
			       const uint64_t *offsets, size_t nframes)
{
	struct hidx_iter it;
	uint32_t hash, entry;

	if (!nframes)
		return 0;
	hash = hash_stack(frames, modules, nframes);
	it = hidx_probe(&tab->index, hash);
	while (hidx_next(&tab->index, &it, &entry)) {
		const struct stack_ref *ref = &tab->refs[entry];

		if (ref->count == nframes &&
		    memcmp(tab->frames + ref->offset, frames, nframes * sizeof(*frames)) == 0 &&
		    same_place(tab, ref->offset, modules, offsets, nframes))
			return entry + 1;
	}
	xgrowarray((void **)&tab->frames, &tab->frames_cap, tab->nframes + nframes,
		   sizeof(*tab->frames));
	memcpy(tab->frames + tab->nframes, frames, nframes * sizeof(*frames));
	xgrowarray((void **)&tab->modules, &tab->modules_cap, tab->nframes + nframes,
		   sizeof(*tab->modules));
	xgrowarray((void **)&tab->offsets, &tab->offsets_cap, tab->nframes + nframes,
		   sizeof(*tab->offsets));
	for (size_t i = 0; i < nframes; i++) {
		tab->modules[tab->nframes + i] = modules ? modules[i] : 0;
		tab->offsets[tab->nframes + i] = offsets ? offsets[i] : 0;
	}
	xgrowarray((void **)&tab->refs, &tab->refs_cap, tab->nrefs + 1, sizeof(*tab->refs));
	tab->refs[tab->nrefs] = (struct stack_ref){ tab->nframes, nframes };
	hidx_insert_missed(&tab->index, &it, (uint32_t)tab->nrefs);
	tab->nframes += nframes;
	tab->nrefs++;
	return (uint32_t)tab->nrefs;
}

uint32_t stacks_intern(struct stacks *tab, const uint64_t *frames, size_t nframes)
{
	return stacks_intern_located(tab, frames, NULL, NULL, nframes);
}

size_t stacks_get_located(const struct stacks *tab, uint32_t id, const uint32_t **modules,
			  const uint64_t **offsets)
{
	if (id == 0 || id > tab->nrefs) {
		*modules = NULL;
		*offsets = NULL;
		return 0;
	}
	*modules = tab->modules + tab->refs[id - 1].offset;
	*offsets = tab->offsets + tab->refs[id - 1].offset;
	return tab->refs[id - 1].count;
}

size_t stacks_get(const struct stacks *tab, uint32_t id, const uint64_t **frames)
{
	if (id == 0 || id > tab->nrefs) {
		*frames = NULL;
		return 0;
	}
	*frames = tab->frames + tab->refs[id - 1].offset;
	return tab->refs[id - 1].count;
}

size_t stacks_count(const struct stacks *tab)
{
	return tab->nrefs;
}
