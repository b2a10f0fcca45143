/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading a trace back: see traceread.h and docs/trace-format.md. */
#include "traceread.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <zlib.h>

#include "../tracer/hashidx.h"
#include "../tracer/util.h"
#include "churn.h"
#include "html.h"
#include "msgs.h"
#include "names.h"
#include "profile.h"
#include "text.h"
#include "timeline.h"
#include "traceline.h"
#include "tracew.h"

/* A process of the trace. */
struct rproc {
	struct report_proc proc; /* pid, exe, calls, how it ended: what the report reads */
	char *exe;		 /* proc.exe's text, owned */
	char *name;		 /* proc.name's, owned; NULL: the trace does not say */
	struct churn *churn;
	struct aspace *as; /* from its last snapshot; NULL: none yet */
	struct aspace_sizes sizes;
	struct mm_usage *usage;
	size_t nusage;
	bool have_usage;
	struct mallocheap_info heap;
	bool have_heap;
	bool summarized;     /* its summary line was read: it is whole */
	size_t summary_rank; /* reports are printed in the order of the summaries */
	bool verify;
	uint64_t mismatches;
	uint64_t events;
	/*
	 * Its model made again from the events, on top of its last snapshot
	 * (from nothing before one): what is reported of a process the trace
	 * ends before, when events came after that snapshot (replayed).
	 */
	struct aspace *replay;
	uint64_t replay_peak;
	bool replayed;
	/* Its calls as the events count them, for a process without a summary. */
	uint64_t event_calls[SYSDECODE_NKINDS];
	uint64_t event_failed;
	/* Its sizes over its run (the HTML view), and its last snapshot's time. */
	struct timeline *timeline;
	uint64_t snapshot_ns;
};

struct trace {
	const char *path;
	struct msgs *msgs; /* while it is read: where its error and warnings go */
	size_t lineno;
	bool cut; /* its end is missing: a line, a process's summary, compressed bytes */
	uint64_t churn_ns;
	bool timelines; /* each process's sizes over time are kept (the HTML view) */
	struct strtab *paths;
	struct modules *mods; /* the trace's, never read: their names are in the trace */
	struct stacks *stacks;
	struct stackfmt *fmt;
	uint32_t *modules; /* trace module id -> module id here */
	size_t nmodules;
	uint32_t *stack_ids; /* trace stack id -> stack id here */
	size_t nstack_ids;
	struct rproc **proc_at; /* the processes in order of appearance, nprocs of them */
	size_t proc_cap;
	struct hidx by_pid; /* the hash of each pid -> its place in proc_at */
	struct aspace_changes changes;
	size_t nprocs;
	size_t nsummaries;
	char *argv0;   /* the header's program, as launched; NULL: attached to */
	char *command; /* what was traced (profile_command()); NULL: not said */
};

/*
 * Reading failed at the current line: its error says why (fmt, ap),
 * naming the file and the line.  Returns -EINVAL.
 */
static ATTRIBUTE_FORMAT(2, 0) int bad_linev(const struct trace *rd, const char *fmt, va_list ap)
{
	char why[256];

	/* clang-tidy 14 loses track of the caller's va_start (as in util.c): a false positive. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	return msgs_error(rd->msgs, -EINVAL, "%s:%zu: %s", rd->path, rd->lineno, why);
}

static int bad_line(const struct trace *rd, const char *fmt, ...) ATTRIBUTE_FORMAT(2, 3);

static int bad_line(const struct trace *rd, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = bad_linev(rd, fmt, ap);
	va_end(ap);
	return ret;
}

/* Fields. */

/* A number: an integer, or a decimal string (past INT64_MAX, jsonw.h). */
static bool get_u64(json_t *obj, const char *key, uint64_t *value)
{
	json_t *field = json_object_get(obj, key);
	char *end;

	if (json_is_integer(field) && json_integer_value(field) >= 0) {
		*value = (uint64_t)json_integer_value(field);
		return true;
	}
	/* Digits only: strtoull would take a sign and spaces. */
	if (!json_is_string(field) || !json_string_value(field)[0] ||
	    strspn(json_string_value(field), "0123456789") != json_string_length(field))
		return false;
	errno = 0;
	*value = strtoull(json_string_value(field), &end, 10);
	return !errno && *end == '\0';
}

/* An address or offset: "0x...". */
static bool get_hex(json_t *obj, const char *key, uint64_t *value)
{
	const char *text = json_string_value(json_object_get(obj, key));

	return text && traceline_hex(text, strlen(text), value);
}

static bool get_int(json_t *obj, const char *key, int64_t *value)
{
	json_t *field = json_object_get(obj, key);

	if (!json_is_integer(field))
		return false;
	*value = json_integer_value(field);
	return true;
}

/* Seconds with nanoseconds, written as a number: 12.000345678. */
static uint64_t get_ns(json_t *obj, const char *key)
{
	json_t *field = json_object_get(obj, key);

	if (json_is_integer(field))
		return traceline_ns_int(json_integer_value(field));
	if (json_is_real(field))
		return traceline_ns_real(json_real_value(field));
	return 0;
}

static int hex_digit(char chr)
{
	if (chr >= '0' && chr <= '9')
		return chr - '0';
	if (chr >= 'a' && chr <= 'f')
		return chr - 'a' + 10;
	return -1;
}

/* The bytes hex ("2f746d70") stands for, NUL-terminated (owned by the caller); NULL: not hex. */
static char *unhex(const char *hex, size_t *len)
{
	char *bytes;

	if (!hex || strlen(hex) % 2)
		return NULL;
	*len = strlen(hex) / 2;
	bytes = xcalloc(*len + 1, 1);
	for (size_t i = 0; i < *len; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(bytes);
			return NULL;
		}
		bytes[i] = (char)(hi << 4 | lo);
	}
	return bytes;
}

/*
 * A string that may have been written as KEY_hex (bytes that are no
 * UTF-8), or (key NULL) an array's element that may be {"hex":...}: its
 * bytes, owned by the caller, *len of them; NULL: neither is there.
 */
static char *get_bytes(json_t *obj, const char *key, size_t *len)
{
	json_t *field = key ? json_object_get(obj, key) : obj;
	char hex_key[32];

	if (json_is_string(field)) {
		*len = json_string_length(field);
		return xstrndup(json_string_value(field), *len);
	}
	if (!key)
		return unhex(json_string_value(json_object_get(obj, "hex")), len);
	(void)snprintf(hex_key, sizeof(hex_key), "%s_hex", key);
	return unhex(json_string_value(json_object_get(obj, hex_key)), len);
}

/* A path that may have been written as KEY_hex; interned (0: none). */
static uint32_t get_path(struct trace *rd, json_t *obj, const char *key)
{
	size_t len;
	char *bytes = get_bytes(obj, key, &len);
	uint32_t id = bytes ? strtab_intern(rd->paths, bytes, len) : 0;

	free(bytes);
	return id;
}

static unsigned int get_prot(json_t *obj, const char *key)
{
	return names_prot_parse(json_string_value(json_object_get(obj, key)));
}

/* Ids of the trace mapped to ids here. */

static uint32_t *id_slot(uint32_t **map, size_t *cap, uint64_t id)
{
	if (id >= *cap) {
		size_t old = *cap;

		if (id > (1U << 24))
			return NULL; /* not an id this writer makes (ids are dense) */
		xgrowarray((void **)map, cap, (size_t)id + 1, sizeof(**map));
		memset(*map + old, 0, (*cap - old) * sizeof(**map));
	}
	return &(*map)[id];
}

static uint32_t stack_here(const struct trace *rd, uint64_t id)
{
	const struct traceline_stacks stacks = { rd->stack_ids, rd->nstack_ids, NULL };

	return traceline_stack(&stacks, id);
}

/* Processes. */

/* The process pid, added (in order of appearance) if new. */
static struct rproc *proc_of(struct trace *rd, pid_t pid)
{
	struct hidx_iter it = hidx_probe(&rd->by_pid, hidx_hash_u64((uint32_t)pid));
	struct rproc *rp;
	uint32_t entry;

	while (hidx_next(&rd->by_pid, &it, &entry))
		if (rd->proc_at[entry]->proc.pid == pid)
			return rd->proc_at[entry];
	rp = xcalloc(1, sizeof(*rp));
	rp->proc.pid = pid;
	rp->churn = churn_new(rd->churn_ns);
	rp->timeline = rd->timelines ? timeline_new() : NULL;
	xgrowarray((void **)&rd->proc_at, &rd->proc_cap, rd->nprocs + 1, sizeof(struct rproc *));
	rd->proc_at[rd->nprocs] = rp;
	hidx_insert_missed(&rd->by_pid, &it, (uint32_t)rd->nprocs);
	rd->nprocs++;
	return rp;
}

/*
 * old's program was replaced by an exec, and reported as it was then: the
 * new program is a process of the trace of its own, with the same pid,
 * found by it from now on.
 */
static struct rproc *new_image(struct trace *rd, struct rproc *old)
{
	uint32_t hash = hidx_hash_u64((uint32_t)old->proc.pid);
	struct rproc *rp = xcalloc(1, sizeof(*rp));
	size_t at = 0;

	while (rd->proc_at[at] != old)
		at++;
	rp->proc.pid = old->proc.pid;
	rp->churn = churn_new(rd->churn_ns);
	rp->timeline = rd->timelines ? timeline_new() : NULL;
	xgrowarray((void **)&rd->proc_at, &rd->proc_cap, rd->nprocs + 1, sizeof(struct rproc *));
	rd->proc_at[rd->nprocs] = rp;
	hidx_renumber(&rd->by_pid, hash, (uint32_t)at, (uint32_t)rd->nprocs);
	rd->nprocs++;
	return rp;
}

/* What rp runs, and under which name, as its exec or summary line says (name may be NULL). */
static void set_exe(struct rproc *rp, const char *exe, const char *name)
{
	free(rp->exe);
	rp->exe = xstrdup(exe);
	rp->proc.exe = rp->exe;
	free(rp->name);
	rp->name = name ? xstrdup(name) : NULL;
	rp->proc.name = rp->name;
}

static void proc_free(struct rproc *rp)
{
	churn_free(rp->churn);
	timeline_free(rp->timeline);
	aspace_free(rp->as);
	aspace_free(rp->replay);
	free(rp->usage);
	free(rp->exe);
	free(rp->name);
	free(rp);
}

/* The lines. */

/* What was traced: the header's "argv" or "pids". */
static void read_command(struct trace *rd, json_t *line)
{
	json_t *argv = json_object_get(line, "argv"), *pids = json_object_get(line, "pids");
	size_t argc = json_array_size(argv), npids = json_array_size(pids), len;
	char **args = xcalloc(argc + 1, sizeof(*args));
	pid_t *pid = xcalloc(npids + 1, sizeof(*pid));

	for (size_t i = 0; i < argc; i++) {
		args[i] = get_bytes(json_array_get(argv, i), NULL, &len);
		if (!args[i])
			args[i] = xstrdup("?");
	}
	for (size_t i = 0; i < npids; i++)
		pid[i] = (pid_t)json_integer_value(json_array_get(pids, i));
	free(rd->command);
	rd->command =
		argc || npids ? profile_command((const char *const *)args, argc, pid, npids) : NULL;
	for (size_t i = 0; i < argc; i++)
		free(args[i]);
	free(args);
	free(pid);
}

static int read_header(struct trace *rd, json_t *line)
{
	const char *format = json_string_value(json_object_get(line, "format"));
	uint64_t version, page;
	size_t len;

	if (!format || strcmp(format, TRACE_FORMAT) != 0)
		return bad_line(rd, "not a memtrace trace (no \"format\":\"%s\" header)",
				TRACE_FORMAT);
	if (!get_u64(line, "version", &version))
		return bad_line(rd, "a trace header without a \"version\"");
	if (version != TRACE_VERSION)
		return bad_line(rd, "trace format version %llu; this memtrace reads version %d",
				(unsigned long long)version, TRACE_VERSION);
	if (!rd->churn_ns && (!get_u64(line, "churn_ns", &rd->churn_ns) || !rd->churn_ns))
		rd->churn_ns = REPORT_CHURN_NS_DEFAULT;
	/*
	 * The traced machine's pages, which the model counts in: a trace of
	 * a 64 KiB-page arm64 machine read on a 4 KiB one.
	 */
	page_size_cached = 0; /* this machine's, unless the trace says (memtrace diff: two) */
	if (get_u64(line, "page_size", &page) && page >= 4096 && page <= (1ULL << 30) &&
	    !(page & (page - 1)))
		page_size_cached = page;
	free(rd->argv0);
	rd->argv0 = get_bytes(json_array_get(json_object_get(line, "argv"), 0), NULL, &len);
	read_command(rd, line);
	return 0;
}

static int read_module(struct trace *rd, json_t *line)
{
	uint64_t id;
	uint32_t *slot;
	uint32_t path;

	if (!get_u64(line, "id", &id) || !(slot = id_slot(&rd->modules, &rd->nmodules, id)))
		return bad_line(rd, "a module without a valid \"id\"");
	path = get_path(rd, line, "path");
	if (!path)
		return bad_line(rd, "a module without a \"path\"");
	/* Two files at one path are two modules (written once each, with their build-ids). */
	*slot = modules_add(rd->mods, path, json_string_value(json_object_get(line, "build_id")));
	return 0;
}

#define MAX_FRAMES 1024

/* A function's file and line in a frame or an inlined function, those given. */
static void get_where(json_t *obj, struct srclines_frame *src)
{
	json_t *line = json_object_get(obj, "line");

	src->file = json_string_value(json_object_get(obj, "file"));
	src->line = json_is_integer(line) && json_integer_value(line) > 0 &&
				    json_integer_value(line) <= UINT32_MAX
			    ? (uint32_t)json_integer_value(line)
			    : 0;
}

/*
 * Names the frame at (module, offset) as the writer found it: never
 * symbolized again here.  Its inlined functions (a trace of an older
 * memtrace has none) and lines come with it; an inlined function without
 * a name is left out, as the writer never writes one.
 */
static void preset_frame(struct trace *rd, json_t *frame, uint32_t module, uint64_t offset,
			 bool return_address)
{
	struct srclines_frame src[SRCLINES_MAX_FRAMES];
	json_t *inlined = json_object_get(frame, "inlined");
	size_t nsrc = 0;
	uint64_t into = 0;

	(void)get_hex(frame, "function_offset", &into);
	for (size_t i = 0; i < json_array_size(inlined) && nsrc + 1 < ARRAY_SIZE(src); i++) {
		json_t *fn = json_array_get(inlined, i);

		src[nsrc].function = json_string_value(json_object_get(fn, "function"));
		src[nsrc].linkage_name = NULL;
		get_where(fn, &src[nsrc]);
		if (src[nsrc].function)
			nsrc++;
	}
	src[nsrc].function = NULL;
	src[nsrc].linkage_name = NULL;
	get_where(frame, &src[nsrc]);
	if (nsrc || src[nsrc].file || src[nsrc].line)
		nsrc++;
	stackfmt_preset(rd->fmt, module, offset, return_address,
			json_string_value(json_object_get(frame, "function")), into, src, nsrc);
}

static int read_stack(struct trace *rd, json_t *line)
{
	uint64_t addrs[MAX_FRAMES], offsets[MAX_FRAMES], id;
	uint32_t modules[MAX_FRAMES], *slot;
	json_t *frames = json_object_get(line, "frames");
	size_t n = json_array_size(frames);

	if (!get_u64(line, "id", &id) || !id ||
	    !(slot = id_slot(&rd->stack_ids, &rd->nstack_ids, id)))
		return bad_line(rd, "a stack without a valid \"id\"");
	if (!json_is_array(frames) || !n || n > MAX_FRAMES)
		return bad_line(rd, "a stack without 1 to %d \"frames\"", MAX_FRAMES);
	for (size_t i = 0; i < n; i++) {
		json_t *frame = json_array_get(frames, i);
		uint64_t module = 0;

		if (!get_hex(frame, "addr", &addrs[i]))
			return bad_line(rd, "frame %zu of stack %llu has no \"addr\"", i,
					(unsigned long long)id);
		modules[i] = 0;
		offsets[i] = 0;
		if (get_u64(frame, "module", &module)) {
			if (module >= rd->nmodules || !rd->modules[module] ||
			    !get_hex(frame, "offset", &offsets[i]))
				return bad_line(rd, "frame %zu of stack %llu: module %llu unknown",
						i, (unsigned long long)id,
						(unsigned long long)module);
			modules[i] = rd->modules[module];
			preset_frame(rd, frame, modules[i], offsets[i], i > 0);
		}
	}
	*slot = stacks_intern_located(rd->stacks, addrs, modules, offsets, n);
	return 0;
}

/* An origin named in a change: a call's sequence number, or where the bytes came from. */
static bool get_origin(json_t *change, enum aspace_origin_kind *kind, uint64_t *seq)
{
	const char *name = json_string_value(json_object_get(change, "origin"));
	int named = names_origin_parse(name);

	*seq = 0;
	if (!name) {
		*kind = ASPACE_ORIGIN_CALL;
		return get_u64(change, "origin", seq);
	}
	if (named <= ASPACE_ORIGIN_CALL)
		return false; /* unknown, or "call" without its number */
	*kind = (enum aspace_origin_kind)named;
	return true;
}

/*
 * An event read, either way (traceline.h): what it did to its process,
 * its changes in rd->changes, "map" pieces made by the event itself.
 */
static enum aspace_backing backing_of(const char *name)
{
	int backing = names_backing_parse(name);

	return backing < 0 ? ASPACE_BACKING_ANON : (enum aspace_backing)backing;
}

/*
 * The bytes [start, end) of as moved to to, with their origins (a "move"
 * piece: mremap); whatever was at the destination is unmapped first.
 */
static void move_bytes(struct aspace *as, const struct aspace_event *ev, uint64_t start,
		       uint64_t end, uint64_t to)
{
	struct aspace_region *moved = NULL;
	struct aspace_cursor cur;
	const struct aspace_region *region;
	size_t count = 0, cap = 0;

	for (region = aspace_first_from(as, start, &cur); region && region->start < end;
	     region = aspace_next(as, &cur)) {
		xgrowarray((void **)&moved, &cap, count + 1, sizeof(*moved));
		moved[count] = *region;
		if (moved[count].start < start) {
			if (moved[count].path)
				moved[count].offset += start - moved[count].start;
			moved[count].start = start;
		}
		if (moved[count].end > end)
			moved[count].end = end;
		count++;
	}
	aspace_unmap(as, ev, start, end - start, NULL);
	aspace_unmap(as, ev, to, end - start, NULL);
	for (size_t i = 0; i < count; i++) {
		moved[i].start += to - start;
		moved[i].end += to - start;
		moved[i].origin_slot = 0;
		(void)aspace_restore(as, &moved[i]);
	}
	free(moved);
}

/* The changes of event ev made to rp's replayed model. */
static void replay_event(struct trace *rd, struct rproc *rp, const struct trace_event *ev)
{
	struct aspace_event call = { .seq = ev->seq,
				     .tid = (pid_t)ev->tid,
				     .stack_id = stack_here(rd, ev->stack),
				     .kind = ASPACE_ORIGIN_CALL,
				     .time_ns = ev->time_ns };
	uint64_t total;

	if (!rp->replay)
		rp->replay = aspace_new();
	for (size_t i = 0; i < rd->changes.count; i++) {
		const struct aspace_piece *piece = &rd->changes.pieces[i];
		uint64_t len = piece->end - piece->start;

		switch (piece->kind) {
		case ASPACE_PIECE_MAPPED: {
			struct aspace_region tmpl = { .prot = piece->prot,
						      .flags = piece->flags,
						      .backing = piece->backing,
						      .path = piece->path,
						      .offset = piece->offset };
			struct aspace_event made = call;

			/* Bytes a re-read of the kernel's maps found: not the call's own. */
			if (piece->origin_kind != ASPACE_ORIGIN_CALL)
				made = (struct aspace_event){ .kind = piece->origin_kind,
							      .time_ns = ev->time_ns };
			aspace_map(rp->replay, &made, piece->start, len, &tmpl, NULL);
			break;
		}
		case ASPACE_PIECE_UNMAPPED:
			aspace_unmap(rp->replay, &call, piece->start, len, NULL);
			break;
		case ASPACE_PIECE_PROTECTED:
			aspace_protect(rp->replay, &call, piece->start, len, piece->prot, NULL);
			break;
		case ASPACE_PIECE_MOVED:
			move_bytes(rp->replay, &call, piece->start, piece->end, piece->to);
			break;
		case ASPACE_PIECE_RELEASED:
			break;
		}
	}
	total = aspace_total(rp->replay);
	if (total > rp->replay_peak)
		rp->replay_peak = total;
	rp->replayed = true;
}

/* Where an event line's "text" is: its jansson tree, or its bytes. */
struct event_line {
	json_t *json;
	const char *text;
	size_t len;
};

/* The call's text (timeline.h), read only for a call the timeline marks. */
static void event_text(void *ctx, char *buf, size_t size)
{
	const struct event_line *line = ctx;
	json_t *json = line->json ? line->json : json_loadb(line->text, line->len, 0, NULL);
	size_t len;
	char *text = get_bytes(json, "text", &len);

	(void)snprintf(buf, size, "%s", text ? text : "");
	free(text);
	if (!line->json)
		json_decref(json);
}

static void apply_event(struct trace *rd, const struct trace_event *ev,
			const struct event_line *line)
{
	struct rproc *rp = proc_of(rd, (pid_t)ev->pid);

	rp->events++;
	if (ev->finished && ev->kind > 0 && ev->kind < SYSDECODE_NKINDS) {
		rp->event_calls[ev->kind]++;
		if (ev->failed)
			rp->event_failed++;
	}
	replay_event(rd, rp, ev);
	if (rp->timeline)
		timeline_call(rp->timeline, ev->time_ns, ev->seq, stack_here(rd, ev->stack),
			      &rd->changes, NULL, event_text, (void *)(uintptr_t)line);
	for (size_t i = 0; i < rd->changes.count; i++) {
		struct aspace_piece *piece = &rd->changes.pieces[i];

		if (piece->kind == ASPACE_PIECE_MAPPED) {
			/* Its origin is this call. */
			piece->origin_stack = stack_here(rd, ev->stack);
			piece->origin_time_ns = ev->time_ns;
		}
	}
	if (ev->finished)
		churn_apply(rp->churn, ev->time_ns, &rd->changes);
}

/* A change of an event, read with jansson into piece: false if it is not one. */
static bool read_piece(struct trace *rd, json_t *piece_json, struct aspace_piece *piece)
{
	const char *op = json_string_value(json_object_get(piece_json, "op"));
	uint64_t origin_stack;
	size_t kind;

	for (kind = 0; kind < TRACE_NPIECE_OPS; kind++)
		if (op && !strcmp(op, trace_piece_ops[kind]))
			break;
	if (kind == TRACE_NPIECE_OPS || !get_hex(piece_json, "start", &piece->start) ||
	    !get_hex(piece_json, "end", &piece->end) ||
	    !get_origin(piece_json, &piece->origin_kind, &piece->origin_seq))
		return false;
	piece->kind = (enum aspace_piece_kind)kind;
	if (piece->kind == ASPACE_PIECE_MAPPED || piece->kind == ASPACE_PIECE_PROTECTED)
		piece->prot = get_prot(piece_json, "prot");
	/* As the reader without jansson (traceline.c): wherever the line has one. */
	piece->old_prot = get_prot(piece_json, "old_prot");
	if (piece->kind == ASPACE_PIECE_MAPPED) {
		uint64_t flags = 0;

		(void)get_u64(piece_json, "flags", &flags);
		piece->flags = (unsigned int)flags;
		piece->backing =
			backing_of(json_string_value(json_object_get(piece_json, "backing")));
		piece->path = get_path(rd, piece_json, "path");
		(void)get_hex(piece_json, "offset", &piece->offset);
	}
	if (piece->kind == ASPACE_PIECE_MOVED && !get_hex(piece_json, "to", &piece->to))
		return false;
	(void)get_u64(piece_json, "left", &piece->origin_left);
	(void)get_u64(piece_json, "total", &piece->origin_total);
	/* A "map" piece's origin is its event (apply_event); the others name theirs. */
	if (piece->kind != ASPACE_PIECE_MAPPED &&
	    get_u64(piece_json, "origin_stack", &origin_stack)) {
		piece->origin_stack = stack_here(rd, origin_stack);
		piece->origin_time_ns = get_ns(piece_json, "origin_time");
	}
	return true;
}

static int read_event(struct trace *rd, json_t *line)
{
	json_t *changes = json_object_get(line, "changes");
	const char *call = json_string_value(json_object_get(line, "call"));
	struct trace_event ev = { .time_ns = get_ns(line, "time") };

	if (!get_u64(line, "seq", &ev.seq) || !get_int(line, "pid", &ev.pid) || !call ||
	    !json_is_array(changes))
		return bad_line(rd, "an event without \"seq\", \"pid\", \"call\" or \"changes\"");
	(void)get_u64(line, "stack", &ev.stack);
	(void)get_int(line, "tid", &ev.tid);
	ev.kind = traceline_kind(call, strlen(call));
	ev.failed = json_object_get(line, "errno") != NULL;
	ev.finished = json_is_true(json_object_get(line, "finished"));
	aspace_changes_reset(&rd->changes);
	for (size_t i = 0; i < json_array_size(changes); i++) {
		struct aspace_piece piece = { 0 };

		if (!read_piece(rd, json_array_get(changes, i), &piece))
			return bad_line(rd, "change %zu of event %llu is not one", i,
					(unsigned long long)ev.seq);
		xgrowarray((void **)&rd->changes.pieces, &rd->changes.cap, rd->changes.count + 1,
			   sizeof(*rd->changes.pieces));
		rd->changes.pieces[rd->changes.count++] = piece;
	}
	apply_event(rd, &ev, &(struct event_line){ .json = line });
	return 0;
}

/*
 * An event line as memtrace writes it, read without jansson
 * (traceline.h): false for one it does not read.
 */
static bool read_event_fast(struct trace *rd, const char *text, size_t len)
{
	struct traceline_stacks stacks = { .ids = rd->stack_ids,
					   .n = rd->nstack_ids,
					   .paths = rd->paths };
	struct trace_event ev;

	aspace_changes_reset(&rd->changes);
	if (!traceline_event(text, len, &stacks, &ev, &rd->changes))
		return false;
	apply_event(rd, &ev, &(struct event_line){ .text = text, .len = len });
	return true;
}

/* A thread started or ended: its stack marked so in the replayed model. */
static int read_thread(struct trace *rd, json_t *line)
{
	const char *event = json_string_value(json_object_get(line, "event"));
	uint64_t stack = 0;
	struct rproc *rp;
	int64_t pid, tid;
	char *name;
	size_t len;

	if (!get_int(line, "pid", &pid) || !get_int(line, "tid", &tid) || !event)
		return bad_line(rd, "a thread line without \"pid\", \"tid\" or \"event\"");
	rp = proc_of(rd, (pid_t)pid);
	if (!get_hex(line, "stack_start", &stack))
		return 0;
	if (!rp->replay)
		rp->replay = aspace_new();
	name = get_bytes(line, "name", &len);
	if (name)
		aspace_name_thread(rp->replay, (pid_t)tid, name);
	free(name);
	if (!strcmp(event, "exit"))
		(void)aspace_thread_exited(rp->replay, stack, (pid_t)tid);
	else
		(void)aspace_set_thread(rp->replay, stack, (pid_t)tid);
	return 0;
}

static int read_exec(struct trace *rd, json_t *line)
{
	size_t len;
	char *exe = get_bytes(line, "exe", &len), *name;
	struct rproc *rp;
	int64_t pid;

	if (!get_int(line, "pid", &pid)) {
		free(exe);
		return bad_line(rd, "an exec without \"pid\"");
	}
	rp = proc_of(rd, (pid_t)pid);
	if (rp->summarized && rp->proc.end.how == NAMES_END_EXECED)
		rp = new_image(rd, rp);
	churn_reset(rp->churn);
	if (rp->timeline)
		timeline_reset(rp->timeline);
	/*
	 * A new program: its model is made from its own events and
	 * snapshots, not from one of the program before (a fork child's
	 * --interval snapshot: its first exec has no summary of its own).
	 */
	aspace_free(rp->replay);
	rp->replay = NULL;
	rp->replayed = false;
	rp->replay_peak = 0;
	aspace_free(rp->as);
	rp->as = NULL;
	memset(&rp->sizes, 0, sizeof(rp->sizes));
	rp->have_usage = false;
	rp->nusage = 0;
	rp->have_heap = false;
	memset(rp->event_calls, 0, sizeof(rp->event_calls));
	rp->event_failed = 0;
	if (exe) {
		/* What it runs now, should the trace end before its summary. */
		name = get_bytes(line, "name", &len);
		set_exe(rp, exe, name);
		free(name);
	}
	free(exe);
	return 0;
}

static int read_region(struct trace *rd, json_t *json, struct aspace *as)
{
	json_t *origin = json_object_get(json, "origin");
	struct aspace_region region = { 0 };
	uint64_t flags = 0, seq = 0, stack = 0, prot_stack = 0;
	int64_t tid = 0, thread = 0;
	const char *kind = json_string_value(json_object_get(origin, "kind"));
	int origin_kind;

	if (!get_hex(json, "start", &region.start) || !get_hex(json, "end", &region.end) || !kind)
		return bad_line(rd, "a snapshot region without \"start\", \"end\" or \"origin\"");
	region.prot = get_prot(json, "prot");
	(void)get_u64(json, "flags", &flags);
	region.flags = (unsigned int)flags;
	region.backing = backing_of(json_string_value(json_object_get(json, "backing")));
	if (json_object_get(json, "path") || json_object_get(json, "path_hex")) {
		region.path = get_path(rd, json, "path");
		(void)get_hex(json, "offset", &region.offset);
	}
	(void)get_u64(origin, "seq", &seq);
	(void)get_u64(origin, "stack", &stack);
	(void)get_int(origin, "tid", &tid);
	region.origin.seq = seq;
	region.origin.tid = (pid_t)tid;
	region.origin.stack_id = stack_here(rd, stack);
	region.origin.time_ns = get_ns(origin, "time");
	origin_kind = names_origin_parse(kind);
	region.origin.kind =
		origin_kind > 0 ? (enum aspace_origin_kind)origin_kind : ASPACE_ORIGIN_CALL;
	(void)get_u64(json, "prot_seq", &region.prot_seq);
	(void)get_u64(json, "prot_stack", &prot_stack);
	region.prot_stack = stack_here(rd, prot_stack);
	(void)get_int(json, "thread", &thread);
	region.thread = (pid_t)thread;
	if (aspace_restore(as, &region) < 0)
		return bad_line(rd, "snapshot regions overlap at %#llx",
				(unsigned long long)region.start);
	if (region.thread > 0) {
		size_t len;
		char *name = get_bytes(json, "thread_name", &len);

		if (name)
			aspace_name_thread(as, region.thread, name);
		free(name);
	}
	return 0;
}

static int read_snapshot(struct trace *rd, json_t *line)
{
	json_t *regions = json_object_get(line, "regions");
	json_t *usage = json_object_get(line, "usage");
	json_t *sizes = json_object_get(line, "sizes");
	json_t *walk = json_object_get(line, "heap_walk");
	uint64_t heap_start = 0, heap_top = 0;
	const char *reason;
	struct rproc *rp;
	int64_t pid;

	if (!get_int(line, "pid", &pid) || !json_is_array(regions))
		return bad_line(rd, "a snapshot without \"pid\" or \"regions\"");
	rp = proc_of(rd, (pid_t)pid);
	rp->snapshot_ns = get_ns(line, "time");
	aspace_free(rp->as);
	rp->as = aspace_new();
	for (size_t i = 0; i < json_array_size(regions); i++)
		if (read_region(rd, json_array_get(regions, i), rp->as) < 0)
			return -EINVAL;
	/* Events after it are replayed on top of it. */
	aspace_free(rp->replay);
	rp->replay = aspace_copy(rp->as);
	rp->replayed = false;
	memset(&rp->sizes, 0, sizeof(rp->sizes));
	rp->sizes.mapped = aspace_total(rp->as);
	(void)get_u64(sizes, "vsz_peak", &rp->sizes.mapped_peak);
	(void)get_hex(sizes, "heap_start", &heap_start);
	(void)get_hex(sizes, "heap_top", &heap_top);
	(void)get_u64(sizes, "heap_peak", &rp->sizes.heap_peak);
	rp->sizes.heap = heap_top - heap_start;
	aspace_set_heap(rp->as, heap_start, heap_top);
	rp->have_heap = json_is_object(walk);
	if (rp->have_heap) {
		(void)get_u64(walk, "size", &rp->heap.size);
		(void)get_u64(walk, "free_bytes", &rp->heap.free_bytes);
		(void)get_u64(walk, "free_chunks", &rp->heap.free_chunks);
		(void)get_u64(walk, "largest_free", &rp->heap.largest_free);
		(void)get_u64(walk, "top_size", &rp->heap.top_size);
		(void)get_hex(walk, "last_used_addr", &rp->heap.last_used_addr);
		(void)get_u64(walk, "last_used_size", &rp->heap.last_used_size);
		(void)get_u64(walk, "chunks", &rp->heap.chunks);
	}
	rp->have_usage = json_is_array(usage);
	rp->nusage = 0;
	if (rp->have_usage) {
		size_t cap = 0;

		free(rp->usage);
		rp->usage = NULL;
		for (size_t i = 0; i < json_array_size(usage); i++) {
			json_t *range = json_array_get(usage, i);
			struct mm_usage use = { 0 };

			if (!get_hex(range, "start", &use.start) ||
			    !get_hex(range, "end", &use.end))
				return bad_line(rd, "a usage range without \"start\" or \"end\"");
			(void)get_u64(range, "rss", &use.rss);
			(void)get_u64(range, "private", &use.private_bytes);
			(void)get_u64(range, "swap", &use.swap);
			use.deleted = json_is_true(json_object_get(range, "deleted"));
			xgrowarray((void **)&rp->usage, &cap, rp->nusage + 1, sizeof(*rp->usage));
			rp->usage[rp->nusage++] = use;
		}
	}
	/* An --interval snapshot's resident bytes: a point of the timeline, as the live run's. */
	reason = json_string_value(json_object_get(line, "reason"));
	if (rp->timeline && rp->have_usage && reason && !strcmp(reason, "interval"))
		timeline_rss(rp->timeline, rp->snapshot_ns, mm_usage_rss(rp->usage, rp->nusage));
	return 0;
}

/*
 * The end of a summary line whose "end" is ended (a names_end, or -1 for
 * one it does not name: none yet), as a wait status holds it: an exit
 * status's low 8 bits, a signal's low 7.  0 and 0x7f are no signal a
 * process dies of: a wait status with them reads as an exit with 0.
 */
static struct names_ending summary_ending(json_t *line, int ended)
{
	int64_t status = 0, sig = 0;

	switch (ended) {
	case NAMES_END_EXITED:
		(void)get_int(line, "status", &status);
		return (struct names_ending){ .how = NAMES_END_EXITED,
					      .code = (int)(status & 0xff) };
	case NAMES_END_KILLED:
		(void)get_int(line, "signal", &sig);
		sig &= 0x7f;
		if (sig == 0 || sig == 0x7f)
			return (struct names_ending){ .how = NAMES_END_EXITED };
		return (struct names_ending){
			.how = NAMES_END_KILLED,
			.code = (int)sig,
			.core_dumped = json_is_true(json_object_get(line, "core")),
		};
	case NAMES_END_DETACHED:
		return (struct names_ending){
			.how = NAMES_END_DETACHED,
			.code = json_is_true(json_object_get(line, "stopped")),
		};
	case NAMES_END_EXECED:
		return (struct names_ending){ .how = NAMES_END_EXECED };
	default:
		return (struct names_ending){ .how = NAMES_END_RUNNING };
	}
}

static int read_summary(struct trace *rd, json_t *line)
{
	json_t *calls = json_object_get(line, "calls");
	const char *end = json_string_value(json_object_get(line, "end"));
	struct rproc *rp;
	int64_t pid;
	char *exe, *name;
	size_t len;

	if (!get_int(line, "pid", &pid) || !end)
		return bad_line(rd, "a summary without \"pid\" or \"end\"");
	rp = proc_of(rd, (pid_t)pid);
	exe = get_bytes(line, "exe", &len);
	name = get_bytes(line, "name", &len);
	set_exe(rp, exe ? exe : "?", name);
	free(exe);
	free(name);
	for (int kind = 1; kind < SYSDECODE_NKINDS; kind++)
		if (!get_u64(calls, sysdecode_kind_name(kind), &rp->proc.calls[kind]))
			rp->proc.calls[kind] = 0;
	(void)get_u64(line, "failed", &rp->proc.failed);
	rp->proc.end = summary_ending(line, names_end_parse(end));
	rp->verify = get_u64(line, "mismatches", &rp->mismatches);
	rp->summarized = true;
	rp->summary_rank = ++rd->nsummaries;
	return 0;
}

/* One line, parsed. */
static int read_line(struct trace *rd, const char *text, size_t len)
{
	json_error_t error;
	const char *type;
	json_t *line;
	int ret = 0;

	/* The header first; then most lines are events, most read without jansson. */
	if (rd->lineno > 1 && read_event_fast(rd, text, len))
		return 0;
	line = json_loadb(text, len, 0, &error);
	if (!line)
		return bad_line(rd, "not JSON: %s", error.text);
	type = json_string_value(json_object_get(line, "type"));
	if (!type) {
		ret = bad_line(rd, "no \"type\"");
	} else if (rd->lineno == 1) {
		ret = strcmp(type, "header") ? bad_line(rd, "not a memtrace trace (no header)")
					     : read_header(rd, line);
	} else if (!strcmp(type, "module")) {
		ret = read_module(rd, line);
	} else if (!strcmp(type, "stack")) {
		ret = read_stack(rd, line);
	} else if (!strcmp(type, "event")) {
		ret = read_event(rd, line);
	} else if (!strcmp(type, "exec")) {
		ret = read_exec(rd, line);
	} else if (!strcmp(type, "thread")) {
		ret = read_thread(rd, line);
	} else if (!strcmp(type, "snapshot")) {
		ret = read_snapshot(rd, line);
	} else if (!strcmp(type, "summary")) {
		ret = read_summary(rd, line);
	}
	/* findings are the report's, computed again; other types are for other readers. */
	json_decref(line);
	return ret;
}

/* Processes in the order of their summaries, as the live run reported them. */
static int by_rank(const void *a, const void *b)
{
	const struct rproc *x = *(struct rproc *const *)a, *y = *(struct rproc *const *)b;

	return x->summary_rank < y->summary_rank ? -1 : x->summary_rank > y->summary_rank;
}

void traceread_each(struct trace *trace, traceread_fn *fn, void *arg)
{
	struct trace *rd = trace;

	/* An array of pointers, on purpose. */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	struct rproc **order = xcalloc(rd->nprocs + 1, sizeof(*order));
	size_t n = 0;

	for (size_t i = 0; i < rd->nprocs; i++)
		order[n++] = rd->proc_at[i];
	/* Those the trace ends before, after, in their order of appearance. */
	for (size_t i = 0; i < n; i++)
		if (!order[i]->summarized)
			order[i]->summary_rank = rd->nsummaries + 1 + i;
	/* An array of pointers, on purpose. */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	qsort(order, n, sizeof(*order), by_rank);
	for (size_t i = 0; i < n; i++) {
		struct rproc *rp = order[i];
		struct report_input in = {
			.proc = &rp->proc,
			.as = rp->as,
			.paths = rd->paths,
			.churn = rp->churn,
			.usage = rp->have_usage ? rp->usage : NULL,
			.nusage = rp->nusage,
			.heap = rp->have_heap ? &rp->heap : NULL,
			.verify = rp->verify,
			.mismatches = rp->mismatches,
			.sizes = &rp->sizes,
			.cut = !rp->summarized,
			.timeline = rp->timeline,
			.time_ns = rp->snapshot_ns,
		};
		struct report *rep;

		if (!rp->exe)
			set_exe(rp, "?", NULL);
		if (!rp->as) {
			/* Its summary alone: memtrace followed nothing of its memory. */
			if (rp->summarized)
				fn(arg, &in, NULL);
			continue;
		}
		rep = report_compute(&in, rd->fmt, rd->stacks);
		fn(arg, &in, rep);
		report_free(rep);
	}
	free(order);
}

static void add_to_profile(void *arg, const struct report_input *in, struct report *rep)
{
	if (rep)
		profile_add(arg, in);
}

struct profile *traceread_profile(struct trace *trace)
{
	struct profile *prof = profile_new(trace->fmt, trace->stacks, trace->mods, trace->paths);

	traceread_each(trace, add_to_profile, prof);
	return prof;
}

/* Adding each process to an HTML view. */
struct adding_html {
	struct html *page;
	struct report_options opts;
};

static void add_to_html(void *arg, const struct report_input *in, struct report *rep)
{
	struct adding_html *a = arg;

	if (!rep)
		return;
	html_add_proc(a->page, in, rep, in->timeline, in->time_ns, &a->opts);
}

void traceread_html(struct trace *trace, struct html *page, const char *name,
		    const struct report_options *opts)
{
	struct adding_html a = { .page = page, .opts = *opts };

	a.opts.churn_ns = trace->churn_ns;
	html_begin_run(page, name, trace->fmt, trace->stacks);
	traceread_each(trace, add_to_html, &a);
}

const char *traceread_command(const struct trace *trace)
{
	return trace->command;
}

uint64_t traceread_churn_ns(const struct trace *trace)
{
	const struct trace *rd = trace;

	return rd->churn_ns;
}

bool traceread_cut_short(const struct trace *trace)
{
	if (trace->cut)
		return true;
	for (size_t i = 0; i < trace->nprocs; i++)
		if (!trace->proc_at[i]->summarized)
			return true;
	return false;
}

const char *traceread_program(const struct trace *trace)
{
	return trace->nprocs ? trace->proc_at[0]->exe : NULL;
}

void traceread_free(struct trace *trace)
{
	struct trace *rd = trace;

	if (!rd)
		return;
	for (size_t i = 0; i < rd->nprocs; i++)
		proc_free(rd->proc_at[i]);
	aspace_changes_free(&rd->changes);
	free(rd->argv0);
	free(rd->command);
	free(rd->proc_at);
	hidx_free(&rd->by_pid);
	free(rd->modules);
	free(rd->stack_ids);
	stackfmt_free(rd->fmt);
	stacks_free(rd->stacks);
	modules_free(rd->mods);
	strtab_free(rd->paths);
	free(rd);
}

/*
 * The longest line read: far longer than any memtrace writes (a snapshot
 * of 100k regions is about 30 MiB), and a bound on what endless input
 * without a newline (/dev/zero) makes it hold.
 */
#define TRACE_LINE_MAX (256ULL << 20)

/* Lines of a stream, each at most TRACE_LINE_MAX bytes. */
struct line_reader {
	FILE *in;
	char *buf;
	size_t cap;
	size_t start, end; /* what is read and not yet returned */
};

/*
 * The next line of lr, its newline made a NUL, into *text and *len.
 * Returns 1 for a whole line, 2 for a last one without its newline, 0 at
 * the end, -E2BIG for a line longer than TRACE_LINE_MAX, or -EIO on a
 * read error (errno then says why).
 */
static int next_text_line(struct line_reader *lr, char **text, size_t *len)
{
	size_t scanned = 0;

	for (;;) {
		/* Nothing read yet: no buffer either. */
		char *nl = lr->buf ? memchr(lr->buf + lr->start + scanned, '\n',
					    lr->end - lr->start - scanned)
				   : NULL;
		size_t got;

		if (nl) {
			*text = lr->buf + lr->start;
			*len = (size_t)(nl - *text);
			*nl = '\0';
			lr->start += *len + 1;
			return 1;
		}
		scanned = lr->end - lr->start;
		if (scanned > TRACE_LINE_MAX)
			return -E2BIG;
		/* Room for more: what is left to the front, the buffer doubled when full. */
		if (lr->start) {
			memmove(lr->buf, lr->buf + lr->start, scanned);
			lr->end = scanned;
			lr->start = 0;
		}
		if (lr->cap - lr->end < 4096)
			xgrowarray((void **)&lr->buf, &lr->cap, lr->cap ? 2 * lr->cap : 1 << 16, 1);
		got = fread(lr->buf + lr->end, 1, lr->cap - lr->end - 1, lr->in);
		lr->end += got;
		if (got)
			continue;
		if (ferror(lr->in))
			return -EIO;
		if (lr->end == lr->start)
			return 0;
		*text = lr->buf + lr->start;
		*len = lr->end - lr->start;
		(*text)[*len] = '\0';
		lr->start = lr->end;
		return 2;
	}
}

/* Reads the lines of in into rd.  Returns 0, or -errno after its error. */
static int read_lines(struct trace *rd, FILE *in)
{
	struct line_reader lr = { .in = in };
	char *text;
	size_t len;
	int ret = 0, got, read_errno;
	bool partial = false;

	while ((got = next_text_line(&lr, &text, &len)) > 0) {
		if (got == 2) {
			/* A last line without its end: the writer was cut short there. */
			partial = true;
			rd->cut = true;
			break;
		}
		rd->lineno++;
		ret = read_line(rd, text, len);
		if (ret < 0)
			break;
	}
	read_errno = errno;
	free(lr.buf);
	if (ret < 0)
		return ret;
	if (got == -E2BIG)
		return msgs_error(rd->msgs, -EINVAL,
				  "%s:%zu: a line longer than %llu MiB: not a trace memtrace wrote",
				  rd->path, rd->lineno + 1,
				  (unsigned long long)(TRACE_LINE_MAX >> 20));
	if (ferror(in)) {
		/* EBADMSG: gz_cookie_read's corrupt compressed data. */
		if (read_errno == EBADMSG && rd->lineno)
			return msgs_error(rd->msgs, -EIO,
					  "%s:%zu: corrupt compressed data after this line",
					  rd->path, rd->lineno);
		if (read_errno == EBADMSG)
			return msgs_error(rd->msgs, -EIO, "%s: corrupt compressed data", rd->path);
		return msgs_error(rd->msgs, -EIO, "cannot read '%s': %s", rd->path,
				  strerror(read_errno));
	}
	if (rd->lineno == 0)
		return msgs_error(rd->msgs, -EINVAL,
				  partial ? "%s: cut short in its first line: not a trace "
					    "memtrace reads"
					  : "%s: empty: not a memtrace trace",
				  rd->path);
	if (partial)
		msgs_warn(rd->msgs, "%s:%zu: the last line is cut short: ignored", rd->path,
			  rd->lineno + 1);
	return 0;
}

/* Whether rp is reported from its replayed model: the trace ends before it, after its events. */
static bool from_replay(const struct rproc *rp)
{
	return !rp->summarized && rp->replay && (rp->replayed || !rp->as);
}

/*
 * A process the trace ends before (no summary): reported as far as the
 * trace goes.  Its calls are those of its events; its model, when events
 * came after its last snapshot (or there is none), is made from them,
 * without resident figures (only a snapshot has those) and, before any
 * snapshot, without what the program had before its first call (what
 * exec mapped, or what was there before memtrace attached).
 */
static void finish_unended(struct trace *rd, struct rproc *rp)
{
	uint64_t start = UINT64_MAX, top = 0;
	struct aspace_cursor cur;
	const struct aspace_region *region;

	memcpy(rp->proc.calls, rp->event_calls, sizeof(rp->proc.calls));
	rp->proc.failed = rp->event_failed;
	if (!rp->exe && rd->argv0 && rp == rd->proc_at[0])
		set_exe(rp, rd->argv0, NULL);
	if (!from_replay(rp))
		return;
	aspace_free(rp->as);
	rp->as = rp->replay;
	rp->replay = NULL;
	rp->have_usage = false;
	rp->nusage = 0;
	rp->have_heap = false;
	/* The brk heap: its regions, the model's brk calls made them. */
	for (region = aspace_first_from(rp->as, 0, &cur); region;
	     region = aspace_next(rp->as, &cur))
		if (region->backing == ASPACE_BACKING_HEAP) {
			start = start < region->start ? start : region->start;
			top = region->end;
		}
	if (top)
		aspace_set_heap(rp->as, start, top);
	rp->sizes.mapped = aspace_total(rp->as);
	if (rp->replay_peak > rp->sizes.mapped_peak)
		rp->sizes.mapped_peak = rp->replay_peak;
	if (rp->sizes.mapped > rp->sizes.mapped_peak)
		rp->sizes.mapped_peak = rp->sizes.mapped;
	rp->sizes.heap = top ? top - start : 0;
	if (rp->sizes.heap > rp->sizes.heap_peak)
		rp->sizes.heap_peak = rp->sizes.heap;
}

/*
 * Warns of each process the trace ends before, in the order they are
 * reported (after every process with its summary, in their order of
 * appearance), and makes what is reported of it.
 */
static void warn_unended(struct trace *rd, struct msgs *msgs)
{
	for (size_t i = 0; i < rd->nprocs; i++) {
		struct rproc *rp = rd->proc_at[i];
		const char *how;

		if (rp->summarized)
			continue;
		if (from_replay(rp))
			how = rp->as ? ": its last snapshot and the events after it are reported, "
				       "without resident figures"
				     : ": its events are reported, without resident figures and "
				       "without what it had before its first call";
		else
			how = rp->as ? ": its last snapshot is reported"
				     : ": nothing of it to report";
		msgs_warn(msgs,
			  "%s: the trace ends before process %d does (cut short at line %zu)%s",
			  rd->path, (int)rp->proc.pid, rd->lineno, how);
		finish_unended(rd, rp);
	}
}

/*
 * Reads in into a new trace, then warns of what it lacks; see
 * traceread_load.  cut, when not NULL, is set once in is read if its
 * compressed bytes end in the middle.
 */
static int load(FILE *in, const char *name, uint64_t churn_ns, bool timelines, const bool *cut,
		struct trace **trace, struct msgs *msgs)
{
	struct trace *rd = xcalloc(1, sizeof(*rd));
	int ret;

	rd->path = name;
	rd->msgs = msgs;
	rd->churn_ns = churn_ns;
	rd->timelines = timelines;
	rd->paths = strtab_new();
	rd->mods = modules_new(rd->paths);
	rd->stacks = stacks_new();
	rd->fmt = stackfmt_new(rd->paths, rd->mods);
	ret = read_lines(rd, in);
	/* Read: what it has to say is said, the caller's messages are not its any more. */
	rd->msgs = NULL;
	if (ret < 0) {
		traceread_free(rd);
		return ret;
	}
	if (cut && *cut) {
		msgs_warn(msgs, "%s: the compressed trace is cut short: what it holds is read",
			  name);
		rd->cut = true;
	}
	warn_unended(rd, msgs);
	*trace = rd;
	return 0;
}

int traceread_load(FILE *in, const char *name, uint64_t churn_ns, bool timelines,
		   struct trace **trace, struct msgs *msgs)
{
	return load(in, name, churn_ns, timelines, NULL, trace, msgs);
}

/*
 * A trace is read through zlib's gzread, which decompresses a gzip
 * stream and passes any other bytes through as they are, under a stdio
 * stream (fopencookie) so that lines come from getline.
 */
struct gzsource {
	gzFile gz;
	bool cut; /* the compressed stream ends in the middle */
};

static ssize_t gz_cookie_read(void *cookie, char *buf, size_t size)
{
	struct gzsource *src = cookie;
	int got = gzread(src->gz, buf, size > INT_MAX ? INT_MAX : (unsigned int)size);
	int errnum = Z_OK;

	if (got < 0) {
		(void)gzerror(src->gz, &errnum);
		/* Z_ERRNO: read(2) failed and errno says why; else the data is corrupt. */
		if (errnum != Z_ERRNO)
			errno = EBADMSG;
		return -1;
	}
	if (got == 0) {
		/* gzread ends a stream cut short as it ends a whole one, Z_BUF_ERROR kept. */
		(void)gzerror(src->gz, &errnum);
		src->cut = errnum == Z_BUF_ERROR;
	}
	return got;
}

static int gz_cookie_close(void *cookie)
{
	struct gzsource *src = cookie;
	int ret = gzclose_r(src->gz);

	free(src);
	return ret == Z_OK ? 0 : -1;
}

/*
 * Opens path ("-": standard input) for reading, plain or gzip alike.
 * Returns the stream and *src (for cut), or NULL with errno set.
 */
static FILE *open_trace(const char *path, struct gzsource **src_out)
{
	static const cookie_io_functions_t io = { .read = gz_cookie_read,
						  .close = gz_cookie_close };
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC)
				   : fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	struct gzsource *src;
	FILE *file;
	int err;

	if (fd < 0)
		return NULL;
	src = xcalloc(1, sizeof(*src));
	src->gz = gzdopen(fd, "rb");
	if (!src->gz) {
		err = errno ? errno : ENOMEM;
		(void)close(fd);
		free(src);
		errno = err;
		return NULL;
	}
	(void)gzbuffer(src->gz, 128 * 1024);
	file = fopencookie(src, "r", io);
	if (!file) {
		err = errno;
		(void)gzclose_r(src->gz);
		free(src);
		errno = err;
		return NULL;
	}
	*src_out = src;
	return file;
}

const char *traceread_name(const char *path)
{
	return strcmp(path, "-") ? path : "(standard input)";
}

int traceread_open(const char *path, uint64_t churn_ns, bool timelines, struct trace **trace,
		   struct msgs *msgs)
{
	const char *name = traceread_name(path);
	struct gzsource *src = NULL;
	FILE *file = open_trace(path, &src);
	int ret;

	if (!file) {
		int err = errno;

		return msgs_error(msgs, -err, "cannot open '%s': %s", name, strerror(err));
	}
	ret = load(file, name, churn_ns, timelines, &src->cut, trace, msgs);
	(void)fclose(file);
	return ret;
}

/* Printing each report, and the --verify total after them. */
struct printing {
	FILE *out;
	struct report_options opts;
	uint64_t mismatches;
	bool verify;
};

static void print_one(void *arg, const struct report_input *in, struct report *rep)
{
	struct printing *printing = arg;

	report_print(printing->out, rep, in, &printing->opts);
	printing->verify = printing->verify || in->verify;
	printing->mismatches += in->mismatches;
}

void traceread_print(struct trace *trace, FILE *out, const struct report_options *opts)
{
	struct printing printing = { .out = out, .opts = *opts };

	printing.opts.churn_ns = traceread_churn_ns(trace);
	traceread_each(trace, print_one, &printing);
	if (printing.verify)
		text_verify_total(out, printing.mismatches);
}
