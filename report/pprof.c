/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The profile as pprof writes it (profile_write_pprof(), profile.h): the
 * format of google/pprof's profile.proto (report/profile.proto), encoded
 * by protobuf-c and compressed by zlib as gzip, which is what go tool
 * pprof, Pyroscope, Parca and Grafana read.
 *
 *   sample_type   regions (count), reserved_bytes, committed_bytes,
 *                 resident_bytes (bytes); committed_bytes by default
 *   sample        one per process, stack, kind and thread stack: its
 *                 values in that order; labels kind, process ("server
 *                 [4242]"), site (the report's name of it) and, for a
 *                 thread's stack, thread ("worker-1 [4250]")
 *   location      one per distinct return address (or program counter):
 *                 its functions as the stacks show them, those inlined
 *                 there first, each with its file and line; a region
 *                 made by no call (the program's own image, at exec)
 *                 gets one location named as the report names the site
 *   mapping       one per file the locations are in: its path and
 *                 build-id, the lowest and highest address of its frames
 *                 (the addresses are each process's own); names and lines
 *                 are in the profile, so pprof never looks them up again
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../tracer/hashidx.h"
#include "../tracer/util.h"
#include "profile.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__ValueType pb_value_type;
typedef Perftools__Profiles__Sample pb_sample;
typedef Perftools__Profiles__Label pb_label;
typedef Perftools__Profiles__Mapping pb_mapping;
typedef Perftools__Profiles__Location pb_location;
typedef Perftools__Profiles__Line pb_line;
typedef Perftools__Profiles__Function pb_function;

/* The most labels a sample has: kind, process, site, thread. */
#define MAX_LABELS 4

/* A location: one address of one module (or a site without a stack). */
struct loc {
	uint64_t addr;
	uint64_t offset;
	uint32_t module; /* 0: in no file */
	uint32_t site;	 /* a site without a stack: its name (strings); else 0 */
	size_t first_line, nlines;
};

struct func {
	uint32_t name, file; /* strings */
};

struct map {
	uint64_t start, limit;
	uint32_t module;
};

/* The profile being encoded: every table as pprof numbers it (ids from 1). */
struct builder {
	struct profile *prof;
	struct strtab *strings; /* the string table: an id is its index */
	struct loc *locs;
	size_t nlocs, locs_cap;
	struct hidx loc_index;
	pb_line *lines;
	size_t nlines, lines_cap;
	struct func *funcs;
	size_t nfuncs, funcs_cap;
	struct hidx func_index;
	struct map *maps;
	size_t nmaps, maps_cap;
	uint32_t *map_of_module; /* module id -> its map's index + 1 */
	size_t map_of_module_cap;
	/* Each stack's locations, innermost first: stack id -> first in stack_locs + 1. */
	size_t *stack_first;
	size_t stack_first_cap;
	uint64_t *stack_locs;
	size_t nstack_locs, stack_locs_cap;
};

/* An array of n pointers (protobuf-c's repeated messages and strings), and one NULL after. */
static void *ptr_array(size_t n)
{
	/* An array of pointers, on purpose. */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	return xcalloc(n + 1, sizeof(void *));
}

static uint32_t string(struct builder *b, const char *text)
{
	return text ? strtab_intern(b->strings, text, strlen(text)) : 0;
}

/* The function named n in file f (strings; 0: none). */
static uint64_t function_of(struct builder *b, uint32_t n, uint32_t f)
{
	uint32_t hash = (uint32_t)hidx_hash_word(hidx_hash_word(HIDX_HASH_SEED, n), f);
	struct hidx_iter it = hidx_probe(&b->func_index, hash);
	uint32_t entry;

	while (hidx_next(&b->func_index, &it, &entry))
		if (b->funcs[entry].name == n && b->funcs[entry].file == f)
			return entry + 1;
	xgrowarray((void **)&b->funcs, &b->funcs_cap, b->nfuncs + 1, sizeof(*b->funcs));
	b->funcs[b->nfuncs] = (struct func){ n, f };
	hidx_insert_missed(&b->func_index, &it, (uint32_t)b->nfuncs);
	return ++b->nfuncs;
}

static void add_line(struct builder *b, uint64_t function, uint32_t line)
{
	xgrowarray((void **)&b->lines, &b->lines_cap, b->nlines + 1, sizeof(*b->lines));
	b->lines[b->nlines] = (pb_line)PERFTOOLS__PROFILES__LINE__INIT;
	b->lines[b->nlines].function_id = function;
	b->lines[b->nlines].line = line;
	b->nlines++;
}

/* The mapping of module, its range widened to hold a frame at addr whose file is at base. */
static void widen_map(struct builder *b, uint32_t module, uint64_t base, uint64_t addr)
{
	struct map *map;

	xgrowzeroed((void **)&b->map_of_module, &b->map_of_module_cap, (size_t)module + 1,
		    sizeof(*b->map_of_module));
	if (!b->map_of_module[module]) {
		xgrowarray((void **)&b->maps, &b->maps_cap, b->nmaps + 1, sizeof(*b->maps));
		b->maps[b->nmaps] = (struct map){ base, addr + 1, module };
		b->map_of_module[module] = (uint32_t)++b->nmaps;
		return;
	}
	map = &b->maps[b->map_of_module[module] - 1];
	if (base < map->start)
		map->start = base;
	if (addr + 1 > map->limit)
		map->limit = addr + 1;
}

/*
 * The location of frame i of stack id (addr in module at offset), or of
 * the site named site (a region no call made); made at its first sight.
 */
static uint64_t location_id(struct builder *b, uint32_t id, size_t i, uint64_t addr,
			    uint32_t module, uint64_t offset, uint32_t site)
{
	uint32_t hash = (uint32_t)hidx_hash_word(
		hidx_hash_word(hidx_hash_word(hidx_hash_word(HIDX_HASH_SEED, addr), module),
			       offset),
		site);
	struct hidx_iter it = hidx_probe(&b->loc_index, hash);
	struct loc *loc;
	uint32_t entry;

	while (hidx_next(&b->loc_index, &it, &entry)) {
		loc = &b->locs[entry];
		if (loc->addr == addr && loc->module == module && loc->offset == offset &&
		    loc->site == site)
			return entry + 1;
	}
	xgrowarray((void **)&b->locs, &b->locs_cap, b->nlocs + 1, sizeof(*b->locs));
	loc = &b->locs[b->nlocs];
	*loc = (struct loc){ addr, offset, module, site, b->nlines, 0 };
	hidx_insert_missed(&b->loc_index, &it, (uint32_t)b->nlocs);
	if (site) {
		add_line(b, function_of(b, site, 0), 0);
	} else {
		struct stackfmt_function funcs[SRCLINES_MAX_FRAMES + 1];
		size_t n = stackfmt_functions(profile_fmt(b->prof), profile_stacks(b->prof), id, i,
					      funcs, ARRAY_SIZE(funcs));

		for (size_t f = 0; f < n; f++) {
			/* Name, then file: the string table's order, whatever the compiler's. */
			uint32_t name = string(b, funcs[f].name);
			uint32_t file = string(b, funcs[f].file);

			add_line(b, function_of(b, name, file), funcs[f].line);
		}
		if (module)
			/* A return address was looked up as addr - 1: offset is that byte's. */
			widen_map(b, module, addr - (i > 0) - offset, addr);
	}
	loc->nlines = b->nlines - loc->first_line;
	return ++b->nlocs;
}

/* The locations of stack id, innermost first: *first in b->stack_locs, their count returned. */
static size_t stack_locations(struct builder *b, uint32_t id, size_t *first)
{
	const uint64_t *frames, *offsets;
	const uint32_t *modules;
	size_t nframes = stacks_get(profile_stacks(b->prof), id, &frames);

	if (id < b->stack_first_cap && b->stack_first[id]) {
		*first = b->stack_first[id] - 1;
		return nframes;
	}
	(void)stacks_get_located(profile_stacks(b->prof), id, &modules, &offsets);
	*first = b->nstack_locs;
	xgrowarray((void **)&b->stack_locs, &b->stack_locs_cap, b->nstack_locs + nframes,
		   sizeof(*b->stack_locs));
	for (size_t i = 0; i < nframes; i++)
		b->stack_locs[b->nstack_locs++] =
			location_id(b, id, i, frames[i], modules[i], offsets[i], 0);
	xgrowzeroed((void **)&b->stack_first, &b->stack_first_cap, (size_t)id + 1,
		    sizeof(*b->stack_first));
	b->stack_first[id] = *first + 1;
	return nframes;
}

/* The encoded samples, with what they point to. */
struct encoded {
	pb_sample *samples;
	pb_sample **sample_ptrs;
	pb_label *labels;
	pb_label **label_ptrs;
	int64_t *values;
	uint64_t *loc_ids; /* the samples' locations: stack_locs, or one per stackless sample */
};

static void put_label(struct builder *b, pb_label *label, const char *key, const char *str)
{
	*label = (pb_label)PERFTOOLS__PROFILES__LABEL__INIT;
	label->key = string(b, key);
	label->str = string(b, str);
}

static void encode_samples(struct builder *b, struct encoded *e, pb_profile *pb)
{
	const struct profile_sample *samples;
	size_t n = profile_samples(b->prof, &samples);
	size_t *first_loc = xcalloc(n + 1, sizeof(*first_loc));
	size_t *nlocs = xcalloc(n + 1, sizeof(*nlocs));
	uint64_t *own = xcalloc(n + 1, sizeof(*own)); /* a stackless sample's one location */
	char text[512];

	/* Every location first: stack_locs grows, so pointers into it are taken after. */
	for (size_t i = 0; i < n; i++) {
		const struct profile_sample *s = &samples[i];
		const uint64_t *frames;

		if (s->stack_id && stacks_get(profile_stacks(b->prof), s->stack_id, &frames)) {
			nlocs[i] = stack_locations(b, s->stack_id, &first_loc[i]);
		} else {
			own[i] = location_id(b, 0, 0, 0, 0, 0,
					     string(b, profile_text(b->prof, s->site)[0]
							       ? profile_text(b->prof, s->site)
							       : "[unknown]"));
			nlocs[i] = SIZE_MAX;
		}
	}
	e->samples = xcalloc(n + 1, sizeof(*e->samples));
	e->sample_ptrs = ptr_array(n);
	e->labels = xcalloc(n * MAX_LABELS + 1, sizeof(*e->labels));
	e->label_ptrs = ptr_array(n * MAX_LABELS);
	e->values = xcalloc(n * PROFILE_NMETRICS + 1, sizeof(*e->values));
	e->loc_ids = own;
	for (size_t i = 0; i < n; i++) {
		const struct profile_sample *s = &samples[i];
		const struct profile_proc *proc = profile_proc(b->prof, s->proc);
		pb_sample *ps = &e->samples[i];
		pb_label *labels = &e->labels[i * MAX_LABELS];
		size_t nlabels = 0;

		*ps = (pb_sample)PERFTOOLS__PROFILES__SAMPLE__INIT;
		if (nlocs[i] == SIZE_MAX) {
			ps->n_location_id = 1;
			ps->location_id = &own[i];
		} else {
			ps->n_location_id = nlocs[i];
			ps->location_id = b->stack_locs + first_loc[i];
		}
		ps->n_value = PROFILE_NMETRICS;
		ps->value = &e->values[i * PROFILE_NMETRICS];
		for (size_t m = 0; m < PROFILE_NMETRICS; m++)
			ps->value[m] = (int64_t)s->values[m];
		put_label(b, &labels[nlabels++], "kind", aspace_kind_name(s->kind));
		(void)snprintf(text, sizeof(text), "%s [%d]", profile_text(b->prof, proc->program),
			       (int)proc->pid);
		put_label(b, &labels[nlabels++], "process", text);
		put_label(b, &labels[nlabels++], "site", profile_text(b->prof, s->site));
		if (s->tid) {
			if (s->thread_name)
				(void)snprintf(text, sizeof(text), "%s [%d]",
					       profile_text(b->prof, s->thread_name), (int)s->tid);
			else
				(void)snprintf(text, sizeof(text), "[%d]", (int)s->tid);
			put_label(b, &labels[nlabels++], "thread", text);
		}
		ps->n_label = nlabels;
		ps->label = &e->label_ptrs[i * MAX_LABELS];
		for (size_t l = 0; l < nlabels; l++)
			ps->label[l] = &labels[l];
		e->sample_ptrs[i] = ps;
	}
	pb->n_sample = n;
	pb->sample = e->sample_ptrs;
	free(first_loc);
	free(nlocs);
}

/* Compresses data as one gzip member and writes it to out; returns 0 or -1. */
static int write_gzip(FILE *out, const uint8_t *data, size_t len)
{
	uint8_t chunk[65536];
	z_stream z = { 0 };
	int ret = 0, status;

	/* 15 + 16: a gzip header and trailer around a deflate stream of 32 KiB windows. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		die("out of memory");
	z.next_in = (Bytef *)(uintptr_t)data;
	do {
		/* Fed in pieces: avail_in is 32 bits wide. */
		size_t feed = len > UINT32_MAX ? UINT32_MAX : len;

		z.avail_in = (uInt)feed;
		len -= feed;
		do {
			z.next_out = chunk;
			z.avail_out = sizeof(chunk);
			status = deflate(&z, len ? Z_NO_FLUSH : Z_FINISH);
			if (fwrite(chunk, 1, sizeof(chunk) - z.avail_out, out) !=
			    sizeof(chunk) - z.avail_out)
				ret = -1;
		} while (z.avail_out == 0 && ret == 0);
	} while (len && ret == 0);
	if (ret == 0 && status != Z_STREAM_END)
		ret = -1;
	(void)deflateEnd(&z);
	if (fflush(out) != 0 || ferror(out))
		ret = -1;
	return ret;
}

/*
 * pprof takes the first mapping for the program's own: the first
 * process's executable goes first, when its frames are in the profile.
 */
static void first_map_exe(struct builder *b)
{
	const struct profile_proc *proc;
	const char *exe;
	struct map first;

	if (!profile_nprocs(b->prof))
		return;
	proc = profile_proc(b->prof, 0);
	exe = proc->exe ? profile_text(b->prof, proc->exe) : NULL;
	for (size_t i = 1; exe && i < b->nmaps; i++) {
		const char *path =
			strtab_get(profile_paths(b->prof),
				   modules_path(profile_modules(b->prof), b->maps[i].module));

		if (strcmp(path, exe) != 0)
			continue;
		first = b->maps[i];
		memmove(&b->maps[1], &b->maps[0], i * sizeof(*b->maps));
		b->maps[0] = first;
		for (size_t m = 0; m <= i; m++)
			b->map_of_module[b->maps[m].module] = (uint32_t)m + 1;
		return;
	}
}

static void builder_free(struct builder *b)
{
	strtab_free(b->strings);
	free(b->locs);
	hidx_free(&b->loc_index);
	free(b->lines);
	free(b->funcs);
	hidx_free(&b->func_index);
	free(b->maps);
	free(b->map_of_module);
	free(b->stack_first);
	free(b->stack_locs);
}

int profile_write_pprof(struct profile *prof, FILE *out, const char *comment)
{
	static const char *const types[PROFILE_NMETRICS] = {
		[PROFILE_REGIONS] = "regions",
		[PROFILE_RESERVED] = "reserved_bytes",
		[PROFILE_COMMITTED] = "committed_bytes",
		[PROFILE_RESIDENT] = "resident_bytes",
	};
	struct builder b = { .prof = prof, .strings = strtab_new() };
	pb_profile pb = PERFTOOLS__PROFILES__PROFILE__INIT;
	pb_value_type vt[PROFILE_NMETRICS], *vt_ptrs[PROFILE_NMETRICS];
	struct encoded e = { 0 };
	pb_location *locs, **loc_ptrs;
	pb_line **line_ptrs;
	pb_function *funcs, **func_ptrs;
	pb_mapping *maps, **map_ptrs;
	int64_t comments[2];
	char **strings;
	uint8_t *packed;
	size_t len;
	int ret;

	for (size_t m = 0; m < PROFILE_NMETRICS; m++) {
		vt[m] = (pb_value_type)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
		vt[m].type = string(&b, types[m]);
		vt[m].unit = string(&b, m == PROFILE_REGIONS ? "count" : "bytes");
		vt_ptrs[m] = &vt[m];
	}
	pb.n_sample_type = PROFILE_NMETRICS;
	pb.sample_type = vt_ptrs;
	pb.default_sample_type = vt[PROFILE_COMMITTED].type;
	pb.n_comment = 0;
	comments[pb.n_comment++] = string(&b, "memtrace " MEMTRACE_VERSION
					      ": the memory each process had mapped when it was "
					      "reported, by the stack that mapped it");
	if (comment)
		comments[pb.n_comment++] = string(&b, comment);
	pb.comment = comments;
	encode_samples(&b, &e, &pb);

	first_map_exe(&b);
	/* Every string is in by now but the mappings' paths and build-ids. */
	maps = xcalloc(b.nmaps + 1, sizeof(*maps));
	map_ptrs = ptr_array(b.nmaps);
	for (size_t i = 0; i < b.nmaps; i++) {
		struct modules *mods = profile_modules(prof);
		uint32_t module = b.maps[i].module;

		maps[i] = (pb_mapping)PERFTOOLS__PROFILES__MAPPING__INIT;
		maps[i].id = i + 1;
		maps[i].memory_start = b.maps[i].start;
		maps[i].memory_limit = b.maps[i].limit;
		maps[i].filename =
			string(&b, strtab_get(profile_paths(prof), modules_path(mods, module)));
		maps[i].build_id = string(&b, modules_build_id(mods, module));
		maps[i].has_functions = true;
		maps[i].has_filenames = true;
		maps[i].has_line_numbers = true;
		maps[i].has_inline_frames = true;
		map_ptrs[i] = &maps[i];
	}
	pb.n_mapping = b.nmaps;
	pb.mapping = map_ptrs;

	locs = xcalloc(b.nlocs + 1, sizeof(*locs));
	loc_ptrs = ptr_array(b.nlocs);
	line_ptrs = ptr_array(b.nlines);
	for (size_t i = 0; i < b.nlines; i++)
		line_ptrs[i] = &b.lines[i];
	for (size_t i = 0; i < b.nlocs; i++) {
		const struct loc *loc = &b.locs[i];

		locs[i] = (pb_location)PERFTOOLS__PROFILES__LOCATION__INIT;
		locs[i].id = i + 1;
		locs[i].mapping_id = loc->module && loc->module < b.map_of_module_cap
					     ? b.map_of_module[loc->module]
					     : 0;
		locs[i].address = loc->addr;
		locs[i].n_line = loc->nlines;
		locs[i].line = line_ptrs + loc->first_line;
		loc_ptrs[i] = &locs[i];
	}
	pb.n_location = b.nlocs;
	pb.location = loc_ptrs;

	funcs = xcalloc(b.nfuncs + 1, sizeof(*funcs));
	func_ptrs = ptr_array(b.nfuncs);
	for (size_t i = 0; i < b.nfuncs; i++) {
		funcs[i] = (pb_function)PERFTOOLS__PROFILES__FUNCTION__INIT;
		funcs[i].id = i + 1;
		funcs[i].name = b.funcs[i].name;
		funcs[i].system_name = b.funcs[i].name;
		funcs[i].filename = b.funcs[i].file;
		func_ptrs[i] = &funcs[i];
	}
	pb.n_function = b.nfuncs;
	pb.function = func_ptrs;

	/* The string table last: every other table has put its strings in. */
	strings = ptr_array(strtab_count(b.strings));
	for (size_t i = 0; i < strtab_count(b.strings); i++)
		strings[i] = (char *)(uintptr_t)strtab_get(b.strings, (uint32_t)i);
	pb.n_string_table = strtab_count(b.strings);
	pb.string_table = strings;

	len = perftools__profiles__profile__get_packed_size(&pb);
	packed = xmalloc(len + 1);
	(void)perftools__profiles__profile__pack(&pb, packed);
	ret = write_gzip(out, packed, len);

	free(packed);
	free(strings);
	free(funcs);
	free(func_ptrs);
	free(locs);
	free(loc_ptrs);
	free(line_ptrs);
	free(maps);
	free(map_ptrs);
	free(e.samples);
	free(e.sample_ptrs);
	free(e.labels);
	free(e.label_ptrs);
	free(e.values);
	free(e.loc_ids);
	builder_free(&b);
	return ret;
}
