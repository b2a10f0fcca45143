/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module table: see modules.h. */
#include "modules.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hashidx.h"
#include "util.h"

struct module {
	uint32_t path;
	bool known; /* identity is the file stat() found at path */
	bool given; /* from a trace: never read */
	struct symbols_identity identity;
	char *build_id;	      /* given modules: the trace's */
	struct symbols *syms; /* read at first need; NULL until then */
	struct cfi *cfi;      /* likewise */
	struct srclines *src; /* likewise */
};

/* A mapping seen by a stack: its path and the event that made it, and its module. */
struct mapping {
	uint64_t seq;
	uint64_t time_ns;
	pid_t tid;
	enum aspace_origin_kind kind;
	uint32_t path;
	uint32_t module;
};

struct modules {
	const struct strtab *paths;
	struct module *mods; /* id - 1 -> module */
	size_t nmods;
	size_t mods_cap;
	struct mapping *mappings; /* in order of first sight */
	size_t nmappings;
	size_t mappings_cap;
	struct hidx index; /* the hash of each mapping's path and origin -> its place in mappings */
	struct dbgfetch *fetch; /* debuginfod, or NULL: borrowed */
};

void modules_set_fetch(struct modules *mods, struct dbgfetch *fetch)
{
	mods->fetch = fetch;
}

struct modules *modules_new(const struct strtab *paths)
{
	struct modules *mods = xcalloc(1, sizeof(*mods));

	mods->paths = paths;
	return mods;
}

void modules_free(struct modules *mods)
{
	if (!mods)
		return;
	for (size_t i = 0; i < mods->nmods; i++) {
		free(mods->mods[i].build_id);
		symbols_free(mods->mods[i].syms);
		cfi_free(mods->mods[i].cfi);
		srclines_free(mods->mods[i].src);
	}
	free(mods->mods);
	free(mods->mappings);
	hidx_free(&mods->index);
	free(mods);
}

static uint32_t add(struct modules *mods, const struct module *mod)
{
	xgrowarray((void **)&mods->mods, &mods->mods_cap, mods->nmods + 1, sizeof(*mods->mods));
	mods->mods[mods->nmods++] = *mod;
	return (uint32_t)mods->nmods;
}

uint32_t modules_intern(struct modules *mods, uint32_t path, const struct symbols_identity *id)
{
	struct module mod = { .path = path, .known = id != NULL };

	/* Once per new mapping, over a few dozen files: a scan. */
	for (size_t i = 0; i < mods->nmods; i++) {
		const struct module *other = &mods->mods[i];

		if (other->path == path && !other->given && other->known == mod.known &&
		    (!id || symbols_identity_equal(&other->identity, id)))
			return (uint32_t)(i + 1);
	}
	if (id)
		mod.identity = *id;
	return add(mods, &mod);
}

uint32_t modules_add(struct modules *mods, uint32_t path, const char *build_id)
{
	struct module mod = { .path = path, .given = true, .build_id = xstrdup(build_id) };

	return add(mods, &mod);
}

static uint32_t hash_of(uint32_t path, const struct aspace_event *origin)
{
	uint64_t hash = hidx_hash_word(HIDX_HASH_SEED, origin->seq);

	hash = hidx_hash_word(hash, origin->time_ns);
	hash = hidx_hash_word(hash, ((uint64_t)path << 32) | (uint32_t)origin->tid);
	return (uint32_t)hidx_hash_word(hash, (uint64_t)origin->kind);
}

/*
 * A mapping not seen before, which the lookup it missed in ends with:
 * which file is at its path now.  Out of line: the lookup before it runs
 * for every frame, this once per mapping.
 */
static __attribute__((noinline)) uint32_t first_seen(struct modules *mods, uint32_t path,
						     const struct aspace_event *origin,
						     const struct hidx_iter *missed)
{
	struct mapping mapping = {
		origin->seq, origin->time_ns, origin->tid, origin->kind, path, 0
	};
	struct symbols_identity id;
	struct stat st;

	if (stat(strtab_get(mods->paths, path), &st) == 0) {
		symbols_identity_of(&st, &id);
		mapping.module = modules_intern(mods, path, &id);
	} else {
		mapping.module = modules_intern(mods, path, NULL);
	}
	xgrowarray((void **)&mods->mappings, &mods->mappings_cap, mods->nmappings + 1,
		   sizeof(*mods->mappings));
	mods->mappings[mods->nmappings] = mapping;
	hidx_insert_missed(&mods->index, missed, (uint32_t)mods->nmappings);
	mods->nmappings++;
	return mapping.module;
}

uint32_t modules_of_mapping(struct modules *mods, uint32_t path, const struct aspace_event *origin)
{
	struct hidx_iter it = hidx_probe(&mods->index, hash_of(path, origin));
	uint32_t entry;

	while (hidx_next(&mods->index, &it, &entry)) {
		const struct mapping *mapping = &mods->mappings[entry];

		if (mapping->seq == origin->seq && mapping->time_ns == origin->time_ns &&
		    mapping->path == path && mapping->tid == origin->tid &&
		    mapping->kind == origin->kind)
			return mapping->module;
	}
	return first_seen(mods, path, origin, &it);
}

/* Module id, or NULL. */
static struct module *get(const struct modules *mods, uint32_t id)
{
	return id && id <= mods->nmods ? &mods->mods[id - 1] : NULL;
}

/* Module id when its file may be read (not from a trace, stat()ed), else NULL. */
static struct module *readable(const struct modules *mods, uint32_t id)
{
	struct module *mod = get(mods, id);

	return mod && !mod->given && mod->known ? mod : NULL;
}

/* The symbols of module id, read at first need; NULL for a module that is never read. */
static const struct symbols *symbols_of(struct modules *mods, uint32_t id)
{
	struct module *mod = readable(mods, id);
	const char *path;

	if (mod && !mod->syms) {
		path = strtab_get(mods->paths, mod->path);
		mod->syms = symbols_read(path, &mod->identity, mods->fetch);
		debug_msg("module %u: %s: %zu symbols%s%s, build-id %s", id, path,
			  symbols_count(mod->syms), symbols_debug_file(mod->syms) ? " from " : "",
			  symbols_debug_file(mod->syms) ? symbols_debug_file(mod->syms) : "",
			  symbols_build_id(mod->syms) ? symbols_build_id(mod->syms) : "none");
	}
	return mod ? mod->syms : NULL;
}

const struct cfi *modules_cfi(struct modules *mods, uint32_t id)
{
	static const char *const sources[] = {
		[CFI_NONE] = "nowhere",
		[CFI_EH_FRAME_HDR] = ".eh_frame_hdr",
		[CFI_EH_FRAME] = ".eh_frame",
	};
	struct module *mod = readable(mods, id);
	const struct symbols *syms;
	const char *path;

	if (mod && !mod->cfi) {
		path = strtab_get(mods->paths, mod->path);
		/*
		 * The symbols find the separate debug file, which may hold
		 * .debug_frame: they are read now rather than for the report.
		 */
		syms = symbols_of(mods, id);
		mod->cfi = cfi_read(path, &mod->identity, true, symbols_debug_file(syms));
		debug_msg("module %u: %s: %zu FDEs from %s, %zu from .debug_frame", id, path,
			  cfi_count(mod->cfi), sources[cfi_source(mod->cfi)],
			  cfi_debug_count(mod->cfi));
	}
	return mod ? mod->cfi : NULL;
}

const char *modules_linkage_name(struct modules *mods, uint32_t id, uint64_t offset)
{
	const struct symbols *syms = symbols_of(mods, id);

	return syms ? symbols_linkage_name(syms, offset) : NULL;
}

size_t modules_source(struct modules *mods, uint32_t id, uint64_t offset,
		      struct srclines_frame *frames, size_t max)
{
	struct module *mod = readable(mods, id);
	const struct symbols *syms;
	const char *path;

	if (!mod)
		return 0;
	if (!mod->src) {
		path = strtab_get(mods->paths, mod->path);
		/* The DWARF is in the debug file the symbols came from, if any. */
		syms = symbols_of(mods, id);
		mod->src = srclines_open(path, &mod->identity, symbols_debug_file(syms));
		debug_msg("module %u: %s: %s", id, path,
			  srclines_present(mod->src) ? "source lines" : "no source lines");
	}
	return srclines_lookup(mod->src, offset, frames, max);
}

uint32_t modules_path(const struct modules *mods, uint32_t id)
{
	const struct module *mod = get(mods, id);

	return mod ? mod->path : 0;
}

const char *modules_build_id(struct modules *mods, uint32_t id)
{
	const struct module *mod = get(mods, id);
	const struct symbols *syms;

	if (mod && mod->given)
		return mod->build_id;
	syms = symbols_of(mods, id);
	return syms ? symbols_build_id(syms) : NULL;
}

const char *modules_debug_file(struct modules *mods, uint32_t id)
{
	const struct symbols *syms = symbols_of(mods, id);

	return syms ? symbols_debug_file(syms) : NULL;
}

const char *modules_lookup(struct modules *mods, uint32_t id, uint64_t offset, uint64_t *into)
{
	const struct symbols *syms = symbols_of(mods, id);

	return syms ? symbols_lookup(syms, offset, into) : NULL;
}

size_t modules_count(const struct modules *mods)
{
	return mods->nmods;
}
