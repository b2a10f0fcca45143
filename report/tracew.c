/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trace: see tracew.h and docs/trace-format.md. */
#include "tracew.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "../tracer/arch/arch.h"
#include "../tracer/util.h"
#include "findings.h"
#include "jsonw.h"
#include "names.h"

struct tracew {
	struct jsonw *w;
	const struct strtab *paths;
	struct modules *mods;
	const struct stacks *stacks;
	struct stackfmt *fmt;
	/* Written already: stack ids and module ids, as bitmaps. */
	unsigned char *stack_written;
	size_t stack_cap;
	unsigned char *module_written;
	size_t module_cap;
};

struct tracew *tracew_new(int fd, bool gzip, const struct strtab *paths, struct modules *mods,
			  const struct stacks *stacks, struct stackfmt *fmt)
{
	struct tracew *t = xcalloc(1, sizeof(*t));

	t->w = gzip ? jsonw_new_gzip(fd) : jsonw_new(fd);
	t->paths = paths;
	t->mods = mods;
	t->stacks = stacks;
	t->fmt = fmt;
	return t;
}

void tracew_free(struct tracew *t)
{
	if (!t)
		return;
	jsonw_free(t->w);
	free(t->stack_written);
	free(t->module_written);
	free(t);
}

int tracew_error(const struct tracew *t)
{
	return jsonw_error(t->w);
}

int tracew_flush(struct tracew *t)
{
	return jsonw_flush(t->w);
}

int tracew_finish(struct tracew *t)
{
	return jsonw_finish(t->w);
}

/* Marks id in a bitmap; returns whether it was marked already. */
static bool test_and_set(unsigned char **bits, size_t *cap, uint32_t id)
{
	size_t byte = id / 8;

	if (byte >= *cap) {
		size_t old = *cap;

		xgrowarray((void **)bits, cap, byte + 1, 1);
		memset(*bits + old, 0, *cap - old);
	}
	if ((*bits)[byte] & (1U << (id % 8)))
		return true;
	(*bits)[byte] |= (unsigned char)(1U << (id % 8));
	return false;
}

void tracew_header(struct tracew *t, char *const *argv, const pid_t *pids, size_t npids,
		   uint64_t churn_ns)
{
	struct jsonw *w = t->w;
	struct utsname uts;
	struct timespec now;
	struct tm tm;
	char when[64];

	(void)clock_gettime(CLOCK_REALTIME, &now);
	(void)gmtime_r(&now.tv_sec, &tm);
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	(void)snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%06ldZ",
		       now.tv_nsec / 1000);
	if (uname(&uts) < 0)
		memset(&uts, 0, sizeof(uts));
	jsonw_begin(w);
	jsonw_str(w, "type", "header");
	jsonw_str(w, "format", TRACE_FORMAT);
	jsonw_u64(w, "version", TRACE_VERSION);
	jsonw_str(w, "memtrace", MEMTRACE_VERSION);
	if (argv) {
		jsonw_str(w, "mode", "launch");
		jsonw_array(w, "argv");
		for (size_t i = 0; argv[i]; i++)
			jsonw_str(w, NULL, argv[i]);
		jsonw_end_array(w);
	} else {
		jsonw_str(w, "mode", "attach");
		jsonw_array(w, "pids");
		for (size_t i = 0; i < npids; i++)
			jsonw_i64(w, NULL, pids[i]);
		jsonw_end_array(w);
	}
	jsonw_str(w, "start_time", when);
	jsonw_str(w, "arch", arch_host.name);
	jsonw_u64(w, "page_size", ASPACE_PAGE_SIZE);
	jsonw_str(w, "kernel", uts.release);
	jsonw_str(w, "host", uts.nodename);
	jsonw_u64(w, "churn_ns", churn_ns);
	jsonw_end(w);
}

/* Module id: its path, and the build-id of the very file its frames lie in. */
static void write_module(struct tracew *t, uint32_t id)
{
	const char *build_id = modules_build_id(t->mods, id);
	const char *name = strtab_get(t->paths, modules_path(t->mods, id));

	jsonw_begin(t->w);
	jsonw_str(t->w, "type", "module");
	jsonw_u64(t->w, "id", id);
	jsonw_str(t->w, "path", name);
	if (build_id)
		jsonw_str(t->w, "build_id", build_id);
	else
		jsonw_null(t->w, "build_id");
	jsonw_end(t->w);
}

/* A function's file and line, those the debug info knows. */
static void write_where(struct jsonw *w, const struct srclines_frame *src)
{
	if (src->file)
		jsonw_str(w, "file", src->file);
	if (src->line)
		jsonw_u64(w, "line", src->line);
}

/*
 * A frame's function (its name, the symbol table's name of it when that
 * differs, the offset in it) and what the debug info says: the frame's
 * file and line, and the functions inlined there, innermost first.
 */
static void write_function(struct tracew *t, uint32_t module, uint64_t offset)
{
	struct srclines_frame src[SRCLINES_MAX_FRAMES];
	uint64_t into = 0;
	const char *name = modules_lookup(t->mods, module, offset, &into);
	const char *linkage = modules_linkage_name(t->mods, module, offset);
	size_t nsrc = modules_source(t->mods, module, offset, src, ARRAY_SIZE(src));

	if (name) {
		jsonw_str(t->w, "function", name);
		if (linkage)
			jsonw_str(t->w, "linkage_name", linkage);
		jsonw_hex(t->w, "function_offset", into);
	}
	if (!nsrc)
		return;
	write_where(t->w, &src[nsrc - 1]);
	if (nsrc == 1)
		return;
	jsonw_array(t->w, "inlined");
	for (size_t i = 0; i + 1 < nsrc; i++) {
		if (!src[i].function)
			continue;
		jsonw_object(t->w, NULL);
		jsonw_str(t->w, "function", src[i].function);
		if (src[i].linkage_name)
			jsonw_str(t->w, "linkage_name", src[i].linkage_name);
		write_where(t->w, &src[i]);
		jsonw_end_object(t->w);
	}
	jsonw_end_array(t->w);
}

/* The stack id, and the modules of its frames, unless written already. */
static void write_stack(struct tracew *t, uint32_t id)
{
	const uint64_t *frames, *offsets;
	const uint32_t *modules;
	size_t nframes;

	if (!id || test_and_set(&t->stack_written, &t->stack_cap, id))
		return;
	nframes = stacks_get(t->stacks, id, &frames);
	(void)stacks_get_located(t->stacks, id, &modules, &offsets);
	for (size_t i = 0; i < nframes; i++)
		if (modules && modules[i] &&
		    !test_and_set(&t->module_written, &t->module_cap, modules[i]))
			write_module(t, modules[i]);
	jsonw_begin(t->w);
	jsonw_str(t->w, "type", "stack");
	jsonw_u64(t->w, "id", id);
	jsonw_array(t->w, "frames");
	for (size_t i = 0; i < nframes; i++) {
		uint32_t module = modules ? modules[i] : 0;

		jsonw_object(t->w, NULL);
		jsonw_hex(t->w, "addr", frames[i]);
		if (module) {
			jsonw_u64(t->w, "module", module);
			/* The looked-up address: a return address less one (unwind/stacks.h). */
			jsonw_hex(t->w, "offset", offsets[i]);
			write_function(t, module, offsets[i]);
		}
		jsonw_end_object(t->w);
	}
	jsonw_end_array(t->w);
	jsonw_end(t->w);
}

static void prot_text(struct jsonw *w, const char *key, unsigned int prot)
{
	char text[NAMES_PROT_SIZE];

	jsonw_str(w, key, names_prot(text, prot));
}

const char *const trace_piece_ops[TRACE_NPIECE_OPS] = {
	[ASPACE_PIECE_MAPPED] = "map",	      [ASPACE_PIECE_UNMAPPED] = "unmap",
	[ASPACE_PIECE_PROTECTED] = "protect", [ASPACE_PIECE_MOVED] = "move",
	[ASPACE_PIECE_RELEASED] = "release",
};

/* A region's identity: protection, flags, backing, file. */
static void region_fields(struct tracew *t, const struct aspace_region *region)
{
	prot_text(t->w, "prot", region->prot);
	jsonw_u64(t->w, "flags", region->flags);
	jsonw_str(t->w, "backing", names_backing(region->backing));
	if (region->path) {
		const char *path = strtab_get(t->paths, region->path);

		jsonw_strn(t->w, "path", path, strlen(path));
		jsonw_hex(t->w, "offset", region->offset);
	}
}

static void write_piece(struct tracew *t, const struct aspace_piece *piece, const struct aspace *as)
{
	struct jsonw *w = t->w;

	jsonw_object(w, NULL);
	jsonw_str(w, "op", trace_piece_ops[piece->kind]);
	jsonw_hex(w, "start", piece->start);
	jsonw_hex(w, "end", piece->end);
	if (piece->origin_kind == ASPACE_ORIGIN_CALL)
		jsonw_u64(w, "origin", piece->origin_seq);
	else
		jsonw_str(w, "origin", names_origin_trace(piece->origin_kind));
	switch (piece->kind) {
	case ASPACE_PIECE_MAPPED: {
		const struct aspace_region *region = aspace_find(as, piece->start);

		if (region)
			region_fields(t, region);
		break;
	}
	case ASPACE_PIECE_UNMAPPED:
		prot_text(w, "old_prot", piece->old_prot);
		jsonw_u64(w, "left", piece->origin_left);
		jsonw_u64(w, "total", piece->origin_total);
		/* Who made them and when: the churn counts need no memory of past events. */
		jsonw_u64(w, "origin_stack", piece->origin_stack);
		jsonw_seconds(w, "origin_time", piece->origin_time_ns);
		break;
	case ASPACE_PIECE_PROTECTED:
		prot_text(w, "prot", piece->prot);
		prot_text(w, "old_prot", piece->old_prot);
		break;
	case ASPACE_PIECE_MOVED:
		jsonw_hex(w, "to", piece->to);
		break;
	case ASPACE_PIECE_RELEASED:
		/* Released at the site that made them (churn.h). */
		jsonw_u64(w, "origin_stack", piece->origin_stack);
		break;
	}
	jsonw_end_object(w);
}

void tracew_event(struct tracew *t, const struct engine_call *call, const struct aspace *as)
{
	struct jsonw *w = t->w;
	char text[1024];

	write_stack(t, call->stack_id);
	for (size_t i = 0; call->changes && i < call->changes->count; i++)
		write_stack(t, call->changes->pieces[i].origin_stack);
	jsonw_begin(w);
	jsonw_str(w, "type", "event");
	jsonw_u64(w, "seq", call->seq);
	jsonw_seconds(w, "time", call->time_ns);
	jsonw_i64(w, "pid", call->pid);
	jsonw_i64(w, "tid", call->tid);
	jsonw_str(w, "call", call->call->ent->name);
	jsonw_array(w, "args");
	for (size_t i = 0; i < call->call->ent->nargs && i < 6; i++)
		jsonw_hex(w, NULL, call->call->args[i]);
	jsonw_end_array(w);
	(void)sysdecode_format_call(text, sizeof(text), call->call, call->fd_path);
	jsonw_str(w, "text", text);
	if (sysdecode_abi(call->call))
		jsonw_str(w, "abi", sysdecode_abi(call->call));
	if (call->fd_path)
		jsonw_str(w, "fd_path", call->fd_path);
	jsonw_bool(w, "finished", call->finished);
	if (call->finished) {
		(void)sysdecode_format_result(text, sizeof(text), call->call, true, call->rval,
					      call->err);
		jsonw_str(w, "result", text);
		jsonw_i64(w, "rval", call->rval);
		if (call->err)
			jsonw_str(w, "errno",
				  strerrorname_np(call->err) ? strerrorname_np(call->err) : "?");
	}
	jsonw_u64(w, "stack", call->stack_id);
	jsonw_array(w, "changes");
	for (size_t i = 0; call->changes && i < call->changes->count; i++)
		write_piece(t, &call->changes->pieces[i], as);
	jsonw_end_array(w);
	jsonw_end(w);
}

void tracew_thread(struct tracew *t, pid_t pid, pid_t tid, bool exited, uint64_t sp,
		   uint64_t time_ns, const struct aspace *as)
{
	const struct aspace_region *stack = aspace_find(as, sp);

	jsonw_begin(t->w);
	jsonw_str(t->w, "type", "thread");
	jsonw_str(t->w, "event", exited ? "exit" : "start");
	jsonw_i64(t->w, "pid", pid);
	jsonw_i64(t->w, "tid", tid);
	jsonw_seconds(t->w, "time", time_ns);
	if (stack) {
		jsonw_hex(t->w, "stack_start", stack->start);
		jsonw_hex(t->w, "stack_end", stack->end);
	}
	if (exited && aspace_thread_name(as, tid))
		jsonw_str(t->w, "name", aspace_thread_name(as, tid));
	jsonw_end(t->w);
}

void tracew_exec(struct tracew *t, const struct report_proc *proc, uint64_t time_ns)
{
	jsonw_begin(t->w);
	jsonw_str(t->w, "type", "exec");
	jsonw_i64(t->w, "pid", proc->pid);
	jsonw_seconds(t->w, "time", time_ns);
	jsonw_str(t->w, "exe", proc->exe ? proc->exe : "?");
	if (proc->name)
		jsonw_str(t->w, "name", proc->name);
	jsonw_end(t->w);
}

void tracew_snapshot(struct tracew *t, const struct report_input *in, const char *reason,
		     uint64_t time_ns)
{
	struct stackfmt_maker_ctx makers = { t->fmt, t->stacks };
	struct aspace_kind_cache kinds = { .maker = t->fmt ? stackfmt_kind_maker : NULL,
					   .maker_ctx = &makers };
	struct jsonw *w = t->w;
	struct aspace_sizes sizes;
	struct aspace_cursor cur;
	const struct aspace_region *region;
	uint64_t heap_start, heap_top;

	/* The stacks its regions name come first. */
	aspace_for_each (in->as, 0, &cur, region) {
		write_stack(t, region->origin.stack_id);
		write_stack(t, region->prot_stack);
	}
	aspace_sizes(in->as, &sizes);
	aspace_heap(in->as, &heap_start, &heap_top);
	jsonw_begin(w);
	jsonw_str(w, "type", "snapshot");
	jsonw_str(w, "reason", reason);
	jsonw_i64(w, "pid", in->proc->pid);
	jsonw_seconds(w, "time", time_ns);
	jsonw_object(w, "sizes");
	jsonw_u64(w, "vsz", sizes.mapped);
	jsonw_u64(w, "vsz_peak", sizes.mapped_peak);
	jsonw_hex(w, "heap_start", heap_start);
	jsonw_hex(w, "heap_top", heap_top);
	jsonw_u64(w, "heap_peak", sizes.heap_peak);
	jsonw_end_object(w);
	if (in->heap) {
		jsonw_object(w, "heap_walk");
		jsonw_u64(w, "size", in->heap->size);
		jsonw_u64(w, "free_bytes", in->heap->free_bytes);
		jsonw_u64(w, "free_chunks", in->heap->free_chunks);
		jsonw_u64(w, "largest_free", in->heap->largest_free);
		jsonw_u64(w, "top_size", in->heap->top_size);
		jsonw_hex(w, "last_used_addr", in->heap->last_used_addr);
		jsonw_u64(w, "last_used_size", in->heap->last_used_size);
		jsonw_u64(w, "chunks", in->heap->chunks);
		jsonw_end_object(w);
	}
	jsonw_array(w, "regions");
	aspace_for_each (in->as, 0, &cur, region) {
		jsonw_object(w, NULL);
		jsonw_hex(w, "start", region->start);
		jsonw_hex(w, "end", region->end);
		region_fields(t, region);
		jsonw_str(w, "kind",
			  aspace_kind_name(aspace_kind_of_cached(in->as, region, &kinds)));
		jsonw_object(w, "origin");
		jsonw_str(w, "kind", names_origin_trace(region->origin.kind));
		jsonw_u64(w, "seq", region->origin.seq);
		jsonw_i64(w, "tid", region->origin.tid);
		jsonw_u64(w, "stack", region->origin.stack_id);
		jsonw_seconds(w, "time", region->origin.time_ns);
		jsonw_end_object(w);
		if (region->prot_seq) {
			jsonw_u64(w, "prot_seq", region->prot_seq);
			jsonw_u64(w, "prot_stack", region->prot_stack);
		}
		if (region->thread)
			jsonw_i64(w, "thread", region->thread);
		if (region->thread > 0 && aspace_thread_name(in->as, region->thread))
			jsonw_str(w, "thread_name", aspace_thread_name(in->as, region->thread));
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	if (in->usage) {
		jsonw_array(w, "usage");
		for (size_t i = 0; i < in->nusage; i++) {
			jsonw_object(w, NULL);
			jsonw_hex(w, "start", in->usage[i].start);
			jsonw_hex(w, "end", in->usage[i].end);
			jsonw_u64(w, "rss", in->usage[i].rss);
			jsonw_u64(w, "private", in->usage[i].private_bytes);
			jsonw_u64(w, "swap", in->usage[i].swap);
			if (in->usage[i].deleted)
				jsonw_bool(w, "deleted", true);
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
	}
	jsonw_end(w);
}

void tracew_findings(struct tracew *t, const struct report_input *in, const struct report *rep)
{
	struct jsonw *w = t->w;

	jsonw_begin(w);
	jsonw_str(w, "type", "findings");
	jsonw_i64(w, "pid", in->proc->pid);
	jsonw_array(w, "findings");
	for (size_t i = 0; i < rep->nfindings; i++)
		findings_json(w, rep, &rep->findings[i]);
	jsonw_end_array(w);
	jsonw_end(w);
}

void tracew_summary(struct tracew *t, const struct report_input *in, uint64_t time_ns)
{
	const struct report_proc *proc = in->proc;
	struct jsonw *w = t->w;

	jsonw_begin(w);
	jsonw_str(w, "type", "summary");
	jsonw_i64(w, "pid", proc->pid);
	jsonw_seconds(w, "time", time_ns);
	jsonw_str(w, "exe", proc->exe ? proc->exe : "?");
	if (proc->name)
		jsonw_str(w, "name", proc->name);
	jsonw_object(w, "calls");
	for (int kind = 1; kind < SYSDECODE_NKINDS; kind++)
		if (proc->calls[kind])
			jsonw_u64(w, sysdecode_kind_name(kind), proc->calls[kind]);
	jsonw_end_object(w);
	jsonw_u64(w, "failed", proc->failed);
	jsonw_str(w, "end", names_end_trace(proc->end.how));
	if (proc->end.how == NAMES_END_KILLED) {
		jsonw_i64(w, "signal", proc->end.code);
		jsonw_bool(w, "core", proc->end.core_dumped);
	} else if (proc->end.how == NAMES_END_EXITED) {
		jsonw_i64(w, "status", proc->end.code);
	} else if (proc->end.how == NAMES_END_DETACHED && proc->end.code) {
		jsonw_bool(w, "stopped", true);
	}
	if (in->verify)
		jsonw_u64(w, "mismatches", in->mismatches);
	jsonw_end(w);
}
