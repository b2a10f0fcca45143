/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The stack table: see stacks.h. */
#include "stacks.h"

#include <stdbool.h>
#include <string.h>
#include <stdlib.h>

#include "util.h"

struct stack_ref {
	size_t offset; /* into frames */
	size_t count;
	uint64_t hash;
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
	uint32_t *slots; /* open addressing: id, or 0 for empty */
	size_t nslots;	 /* a power of two, at least twice nrefs */
};

static uint64_t hash_frames(const uint64_t *frames, size_t nframes)
{
	uint64_t hash = 0xcbf29ce484222325ULL ^ nframes;

	for (size_t i = 0; i < nframes; i++) {
		hash ^= frames[i];
		hash *= 0x100000001b3ULL;
		hash ^= hash >> 29;
	}
	return hash;
}

static void put_slot(struct stacks *tab, uint32_t id)
{
	size_t idx = tab->refs[id - 1].hash & (tab->nslots - 1);

	while (tab->slots[idx])
		idx = (idx + 1) & (tab->nslots - 1);
	tab->slots[idx] = id;
}

struct stacks *stacks_new(void)
{
	struct stacks *tab = xcalloc(1, sizeof(*tab));

	tab->nslots = 256;
	tab->slots = xcalloc(tab->nslots, sizeof(*tab->slots));
	return tab;
}

void stacks_free(struct stacks *tab)
{
	if (!tab)
		return;
	free(tab->frames);
	free(tab->modules);
	free(tab->offsets);
	free(tab->refs);
	free(tab->slots);
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
	uint64_t hash;
	size_t idx;
	uint32_t id;

	if (!nframes)
		return 0;
	hash = hash_frames(frames, nframes);
	if (modules)
		for (size_t i = 0; i < nframes; i++)
			hash = (hash ^ modules[i]) * 0x100000001b3ULL;
	for (idx = hash & (tab->nslots - 1); tab->slots[idx]; idx = (idx + 1) & (tab->nslots - 1)) {
		const struct stack_ref *ref = &tab->refs[tab->slots[idx] - 1];

		if (ref->hash == hash && ref->count == nframes &&
		    memcmp(tab->frames + ref->offset, frames, nframes * sizeof(*frames)) == 0 &&
		    same_place(tab, ref->offset, modules, offsets, nframes))
			return tab->slots[idx];
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
	tab->refs[tab->nrefs] = (struct stack_ref){ tab->nframes, nframes, hash };
	tab->nframes += nframes;
	tab->nrefs++;
	id = (uint32_t)tab->nrefs;
	if (tab->nrefs * 2 > tab->nslots) {
		free(tab->slots);
		tab->nslots *= 2;
		tab->slots = xcalloc(tab->nslots, sizeof(*tab->slots));
		for (uint32_t other = 1; other <= tab->nrefs; other++)
			put_slot(tab, other);
	} else {
		put_slot(tab, id);
	}
	return id;
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
