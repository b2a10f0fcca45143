/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module table: see modules.h. */
#include "modules.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hashidx.h"
#include "procmaps.h"
#include "util.h"

struct module {
	uint32_t path;
	bool known; /* identity is that of the file opened through its process, or at path */
	bool given; /* from a trace: never read */
	struct symbols_identity identity;
	char *build_id;	      /* given modules: the trace's */
	struct symbols *syms; /* read at first need; NULL until then */
	struct cfi *cfi;      /* likewise */
	struct srclines *src; /* likewise */
	/*
	 * The file and its process's root directory, opened through the
	 * process that maps it (-1: none; read by path), held until the
	 * symbols, the unwind table and the source lines are read: the
	 * process may be gone by then.
	 */
	int fd;
	int root;
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

/* Closes what module mod holds open. */
static void release(struct module *mod)
{
	if (mod->fd >= 0)
		(void)close(mod->fd);
	if (mod->root >= 0)
		(void)close(mod->root);
	mod->fd = -1;
	mod->root = -1;
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
		release(&mods->mods[i]);
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
	struct module mod = { .path = path, .known = id != NULL, .fd = -1, .root = -1 };

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
	struct module mod = {
		.path = path, .given = true, .build_id = xstrdup(build_id), .fd = -1, .root = -1
	};

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
 * The module of the file at path mapped at addr in process pid, as pid
 * sees it (procmaps_open_at()), identified by what was opened (fstat):
 * another mount namespace may have another file at the same path.  A new
 * module keeps the file and the process's root open to read them later.
 * A file that cannot be opened so makes a module that is never read.
 */
static uint32_t module_through(struct modules *mods, uint32_t path, pid_t pid, uint64_t addr)
{
	struct symbols_identity id;
	struct module *mod;
	char root[64];
	struct stat st;
	uint32_t found;
	int fd = procmaps_open_at(pid, addr, strtab_get(mods->paths, path));

	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			(void)close(fd);
		return modules_intern(mods, path, NULL);
	}
	symbols_identity_of(&st, &id);
	found = modules_intern(mods, path, &id);
	mod = &mods->mods[found - 1];
	if (mod->fd >= 0 || mod->syms || mod->cfi) {
		/* Known already, and held or read: the same file. */
		(void)close(fd);
		return found;
	}
	mod->fd = fd;
	(void)snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	mod->root = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return found;
}

/*
 * A mapping not seen before, which the lookup it missed in ends with:
 * which file it maps.  Out of line: the lookup before it runs for every
 * frame, this once per mapping.
 */
static __attribute__((noinline)) uint32_t first_seen(struct modules *mods, uint32_t path,
						     const struct aspace_event *origin, pid_t pid,
						     uint64_t addr, const struct hidx_iter *missed)
{
	struct mapping mapping = {
		origin->seq, origin->time_ns, origin->tid, origin->kind, path, 0
	};
	struct symbols_identity id;
	struct stat st;

	if (pid > 0) {
		mapping.module = module_through(mods, path, pid, addr);
	} else if (stat(strtab_get(mods->paths, path), &st) == 0) {
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

uint32_t modules_of_mapping(struct modules *mods, uint32_t path, const struct aspace_event *origin,
			    pid_t pid, uint64_t addr)
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
	return first_seen(mods, path, origin, pid, addr, &it);
}

/* Module id, or NULL. */
static struct module *get(const struct modules *mods, uint32_t id)
{
	return id && id <= mods->nmods ? &mods->mods[id - 1] : NULL;
}

/* Module id when its file may be read (not from a trace, found), else NULL. */
static struct module *readable(const struct modules *mods, uint32_t id)
{
	struct module *mod = get(mods, id);

	return mod && !mod->given && mod->known ? mod : NULL;
}

/*
 * Where module mod's file is read from: through the process that mapped
 * it while the module holds it open (names[0] and names[1] hold the
 * names), else its path.
 */
static void file_of(const struct modules *mods, const struct module *mod, struct symbols_file *file,
		    char names[2][64])
{
	file->path = strtab_get(mods->paths, mod->path);
	file->open = file->path;
	file->root = NULL;
	if (mod->fd >= 0) {
		(void)snprintf(names[0], sizeof(names[0]), "/proc/self/fd/%d", mod->fd);
		file->open = names[0];
	}
	if (mod->root >= 0) {
		(void)snprintf(names[1], sizeof(names[1]), "/proc/self/fd/%d", mod->root);
		file->root = names[1];
	}
}

/* Done with module mod's file when its symbols, its table and its source lines are read. */
static void read_done(struct module *mod)
{
	if (mod->syms && mod->cfi && mod->src)
		release(mod);
}

/*
 * The debug file the symbols of mod came from, as file (file_of()) can
 * open it: under the process's root when it was found there (buf holds
 * the name).  NULL for none.
 */
static const char *debug_file_of(const struct symbols *syms, const struct symbols_file *file,
				 char *buf, size_t size)
{
	const char *debug_file = syms ? symbols_debug_file(syms) : NULL;

	if (debug_file && symbols_debug_in_root(syms) && file->root) {
		(void)snprintf(buf, size, "%s%s", file->root, debug_file);
		debug_file = buf;
	}
	return debug_file;
}

/* The symbols of module id, read at first need; NULL for a module that is never read. */
static const struct symbols *symbols_of(struct modules *mods, uint32_t id)
{
	struct module *mod = readable(mods, id);
	struct symbols_file file;
	char names[2][64];

	if (mod && !mod->syms) {
		file_of(mods, mod, &file, names);
		mod->syms = symbols_read_file(&file, &mod->identity, mods->fetch);
		debug_msg("module %u: %s: %zu symbols%s%s%s, build-id %s", id, file.path,
			  symbols_count(mod->syms), symbols_debug_file(mod->syms) ? " from " : "",
			  symbols_debug_in_root(mod->syms) ? "its process's root " : "",
			  symbols_debug_file(mod->syms) ? symbols_debug_file(mod->syms) : "",
			  symbols_build_id(mod->syms) ? symbols_build_id(mod->syms) : "none");
		read_done(mod);
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
	struct symbols_file file;
	char names[2][64], debug[4096];
	const char *debug_file;

	if (mod && !mod->cfi) {
		/*
		 * The symbols find the separate debug file, which may hold
		 * .debug_frame: they are read now rather than for the report.
		 */
		syms = symbols_of(mods, id);
		file_of(mods, mod, &file, names);
		debug_file = debug_file_of(syms, &file, debug, sizeof(debug));
		mod->cfi = cfi_read(file.open, &mod->identity, true, debug_file);
		debug_msg("module %u: %s: %zu FDEs from %s, %zu from .debug_frame", id, file.path,
			  cfi_count(mod->cfi), sources[cfi_source(mod->cfi)],
			  cfi_debug_count(mod->cfi));
		read_done(mod);
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
	struct symbols_file file;
	char names[2][64], debug[4096];

	if (!mod)
		return 0;
	if (!mod->src) {
		/* The DWARF is in the debug file the symbols came from, if any. */
		syms = symbols_of(mods, id);
		file_of(mods, mod, &file, names);
		mod->src = srclines_open(file.open, &mod->identity,
					 debug_file_of(syms, &file, debug, sizeof(debug)));
		debug_msg("module %u: %s: %s", id, file.path,
			  srclines_present(mod->src) ? "source lines" : "no source lines");
		read_done(mod);
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
