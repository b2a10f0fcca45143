/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The report: see report.h. */
#include "report.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/runtime.h"
#include "../tracer/util.h"
#include "findings.h"
#include "names.h"
#include "text.h"
#include "textfit.h"
#include "units.h"

/* Frames shown per site. */
#define SITE_FRAMES 6

/* Grouping regions into sites: site index by name id. */
struct site_index {
	size_t *by_text; /* SIZE_MAX: none yet */
	size_t cap;
	size_t *by_stack; /* cache: the site of a stack id */
	size_t stack_cap;
	size_t sites_cap; /* of report->sites */
};

void report_amounts_add(struct report_amounts *to, const struct report_amounts *from)
{
	to->regions += from->regions;
	to->reserved += from->reserved;
	to->committed += from->committed;
	to->resident += from->resident;
	to->private_bytes += from->private_bytes;
	to->swap += from->swap;
}

static size_t lookup_slot(size_t **array, size_t *cap, size_t idx)
{
	if (idx >= *cap) {
		size_t old = *cap;

		xgrowarray((void **)array, cap, idx + 1, sizeof(**array));
		for (size_t i = old; i < *cap; i++)
			(*array)[i] = SIZE_MAX;
	}
	return (*array)[idx];
}

/* The site named text, added if new. */
static size_t site_for_text(struct report *rep, struct site_index *index, uint32_t text)
{
	size_t site = lookup_slot(&index->by_text, &index->cap, text);

	if (site != SIZE_MAX)
		return site;
	xgrowarray((void **)&rep->sites, &index->sites_cap, rep->nsites + 1, sizeof(*rep->sites));
	site = rep->nsites++;
	memset(&rep->sites[site], 0, sizeof(rep->sites[site]));
	rep->sites[site].text = text;
	rep->sites[site].never_committed = true;
	index->by_text[text] = site;
	return site;
}

char *report_site_name(struct stackfmt *fmt, const struct stacks *stacks,
		       const struct aspace_event *origin)
{
	const uint64_t *frames;

	if (origin->kind != ASPACE_ORIGIN_CALL || !origin->stack_id || !fmt ||
	    !stacks_get(stacks, origin->stack_id, &frames))
		return xstrdup(names_origin_site(origin->kind));
	return stackfmt_site(fmt, stacks, origin->stack_id, SITE_FRAMES);
}

uint32_t report_site_cached(struct report_site_cache *cache, struct strtab *names,
			    struct stackfmt *fmt, const struct stacks *stacks,
			    const struct aspace_event *origin)
{
	uint32_t id = origin->kind == ASPACE_ORIGIN_CALL ? origin->stack_id : 0;
	uint32_t text;
	char *name;

	if (id && id < cache->cap && cache->by_stack[id])
		return cache->by_stack[id] - 1;
	name = report_site_name(fmt, stacks, origin);
	text = strtab_intern(names, name, strlen(name));
	free(name);
	if (id) {
		xgrowzeroed((void **)&cache->by_stack, &cache->cap, (size_t)id + 1,
			    sizeof(*cache->by_stack));
		cache->by_stack[id] = text + 1;
	}
	return text;
}

void report_site_cache_free(struct report_site_cache *cache)
{
	free(cache->by_stack);
	*cache = (struct report_site_cache){ 0 };
}

static uint32_t stack_text(struct report *rep, struct stackfmt *fmt, const struct stacks *stacks,
			   uint32_t stack_id)
{
	struct aspace_event origin = { .kind = ASPACE_ORIGIN_CALL, .stack_id = stack_id };
	char *site = report_site_name(fmt, stacks, &origin);
	uint32_t text = strtab_intern(rep->texts, site, strlen(site));

	free(site);
	return text;
}

/* The site of the event that made a region (or of a site's stack id). */
static size_t site_of(struct report *rep, struct site_index *index, struct stackfmt *fmt,
		      const struct stacks *stacks, const struct aspace_event *origin)
{
	size_t site;
	uint32_t text;

	if (origin->kind != ASPACE_ORIGIN_CALL) {
		const char *name = names_origin_site(origin->kind);

		return site_for_text(rep, index, strtab_intern(rep->texts, name, strlen(name)));
	}
	site = lookup_slot(&index->by_stack, &index->stack_cap, origin->stack_id);
	if (site != SIZE_MAX)
		return site;
	text = stack_text(rep, fmt, stacks, origin->stack_id);
	site = site_for_text(rep, index, text);
	index->by_stack[origin->stack_id] = site;
	/*
	 * Whose memory it is: the runtime whose code made it, else the one
	 * the program called into; memory the program mapped itself is no
	 * runtime's, whichever wrapper it went through.
	 */
	if (!rep->sites[site].runtime && fmt && origin->stack_id &&
	    stackfmt_maker(fmt, stacks, origin->stack_id) != ASPACE_MAKER_PROGRAM) {
		const struct runtime_desc *rt =
			stackfmt_maker_runtime(fmt, stacks, origin->stack_id);

		rep->sites[site].runtime =
			rt ? rt : stackfmt_runtime(fmt, stacks, origin->stack_id);
	}
	/* The part of a runtime's memory it made, as the first of its stacks to name one says. */
	if (!rep->sites[site].part && fmt && origin->stack_id) {
		rep->sites[site].part = stackfmt_maker_part(fmt, stacks, origin->stack_id);
		rep->sites[site].part_runtime =
			stackfmt_maker_runtime(fmt, stacks, origin->stack_id);
	}
	return site;
}

/* A walk over the regions of a report's input, in address order. */
struct region_walk {
	const struct report_input *in;
	struct stackfmt_maker_ctx makers;
	struct aspace_kind_cache kinds;
	size_t pos;	       /* in in->usage */
	uint64_t unattributed; /* resident bytes of usage ranges in no region */
};

static void walk_start(struct region_walk *w, const struct report_input *in, struct stackfmt *fmt,
		       const struct stacks *stacks)
{
	*w = (struct region_walk){ .in = in, .makers = { fmt, stacks } };
	/* Who made a region, as its stack's names tell: kinds from who made the bytes. */
	w->kinds.maker = fmt ? stackfmt_kind_maker : NULL;
	w->kinds.maker_ctx = &w->makers;
}

/*
 * The next region's kind and amounts: its bytes, reserved (PROT_NONE) or
 * committed, and its resident figures from the usage ranges (sorted) from
 * w->pos on; *deleted: one of them is of a deleted file.
 */
static enum aspace_kind walk_region(struct region_walk *w, const struct aspace_region *region,
				    struct report_amounts *amounts, bool *deleted)
{
	const struct report_input *in = w->in;
	uint64_t bytes = region->end - region->start;

	*amounts = (struct report_amounts){ .regions = 1 };
	if (region->prot)
		amounts->committed = bytes;
	else
		amounts->reserved = bytes;
	*deleted = false;
	for (; in->usage && w->pos < in->nusage && in->usage[w->pos].start < region->end;
	     w->pos++) {
		const struct mm_usage *use = &in->usage[w->pos];

		if (use->end <= region->start || use->start < region->start) {
			/* Before this region: in no region of the model. */
			w->unattributed += use->rss;
			continue;
		}
		amounts->resident += use->rss;
		amounts->private_bytes += use->private_bytes;
		amounts->swap += use->swap;
		*deleted = *deleted || use->deleted;
	}
	return aspace_kind_of_cached(in->as, region, &w->kinds);
}

void report_each_region(const struct report_input *in, struct stackfmt *fmt,
			const struct stacks *stacks, report_region_fn *fn, void *arg)
{
	struct region_walk w;
	struct aspace_cursor cur;
	const struct aspace_region *region;

	walk_start(&w, in, fmt, stacks);
	aspace_for_each (in->as, 0, &cur, region) {
		struct report_amounts amounts;
		bool deleted;
		enum aspace_kind kind = walk_region(&w, region, &amounts, &deleted);

		fn(arg, region, kind, &amounts);
	}
}

static int by_size(const void *a, const void *b)
{
	const struct report_site *x = a, *y = b;
	uint64_t sx = x->amounts.reserved + x->amounts.committed;
	uint64_t sy = y->amounts.reserved + y->amounts.committed;

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return x->text < y->text ? -1 : x->text > y->text;
}

/* Whether a path names a deleted file that was a file (not a memfd or SysV segment). */
static bool real_file(const char *path)
{
	return path[0] == '/' && strncmp(path, "/memfd:", 7) != 0 &&
	       strncmp(path, "/SYSV", 5) != 0 && strncmp(path, "/dev/zero", 9) != 0;
}

/* Where a report's computation is, region after region. */
struct computing {
	struct report *rep;
	const struct report_input *in;
	struct stackfmt *fmt;
	const struct stacks *stacks;
	struct site_index index;
	struct region_walk walk;
	uint64_t last_window; /* the arena window of the last arena region */
};

/* Counts a thread stack under its thread's name, a number at its end a '*'. */
static void add_thread_name(struct report *rep, const char *name, bool exited)
{
	struct report_thread_name *group = NULL;
	char pattern[ASPACE_THREAD_NAME_MAX + 1];
	size_t len = strlen(name);

	while (len && isdigit((unsigned char)name[len - 1]))
		len--;
	(void)snprintf(pattern, sizeof(pattern), "%.*s%s", (int)len, name, name[len] ? "*" : "");
	for (size_t i = 0; i < rep->nthread_names && !group; i++)
		if (!strcmp(rep->thread_names[i].name, pattern))
			group = &rep->thread_names[i];
	if (!group && rep->nthread_names < ARRAY_SIZE(rep->thread_names)) {
		group = &rep->thread_names[rep->nthread_names++];
		(void)snprintf(group->name, sizeof(group->name), "%s", pattern);
	}
	if (group && exited)
		group->exited++;
	else if (group)
		group->alive++;
}

/* What a region makes of its site: its protection's site, arenas, thread stacks. */
static void add_to_site(struct computing *c, const struct aspace_region *region,
			enum aspace_kind kind, struct report_site *site)
{
	struct report *rep = c->rep;
	uint64_t bytes = region->end - region->start;

	if (bytes > site->largest) {
		site->largest = bytes;
		site->kind_plus1 = (unsigned int)kind + 1;
	}
	if (region->prot || region->prot_seq)
		site->never_committed = false;
	if (region->prot_seq && region->prot_stack != region->origin.stack_id && !site->prot_text) {
		uint32_t text = stack_text(rep, c->fmt, c->stacks, region->prot_stack);

		/* stack_text() may move nothing but the names: site stays valid. */
		if (text != site->text)
			site->prot_text = text;
	}
	if (kind == ASPACE_KIND_ARENA) {
		/* The kind came from this window: an arena is counted at its first region. */
		struct runtime_window win = { 0 };

		(void)runtime_arena(c->in->as, region, &c->walk.kinds, &win);
		site->arena_bytes += bytes;
		if (win.start != c->last_window)
			rep->arenas++;
		c->last_window = win.start;
	}
	if (region->thread && kind == ASPACE_KIND_THREAD_STACK) {
		const char *name = aspace_thread_name(c->in->as, region->thread);

		if (name)
			add_thread_name(rep, name, region->flags & ASPACE_THREAD_EXITED);
		/* One region per thread holds its stack pointer; the guard page is not counted. */
		if (region->flags & ASPACE_THREAD_EXITED) {
			rep->threads_exited++;
			site->stacks_exited++;
			rep->exited_stack_bytes += bytes;
			site->exited_stack_bytes += bytes;
		} else {
			rep->threads_alive++;
			site->stacks_alive++;
		}
	}
}

/* Whether part is runtime rt's part that rule names (NULL: its heap at large). */
static bool same_part(const struct report_part *part, const struct runtime_desc *rt,
		      const struct runtime_maker_rule *rule)
{
	if (part->runtime != rt || !part->rule != !rule)
		return false;
	return !rule || strcmp(part->rule->part, rule->part) == 0;
}

/* Adds a runtime heap region's amounts to its runtime's part (the kind's rows). */
static void add_heap_part(struct report *rep, const struct runtime_desc *rt,
			  const struct runtime_maker_rule *rule,
			  const struct report_amounts *amounts)
{
	size_t i = 0;

	/* Parts by name: several rules may make one (the JVM's code cache). */
	while (i < rep->nparts && !same_part(&rep->parts[i], rt, rule))
		i++;
	if (i == ARRAY_SIZE(rep->parts))
		return;
	if (i == rep->nparts)
		rep->parts[rep->nparts++] = (struct report_part){ .runtime = rt, .rule = rule };
	report_amounts_add(&rep->parts[i].amounts, amounts);
}

/* One region of the model: its bytes to the total, its kind and its site. */
static void add_region(struct computing *c, const struct aspace_region *region)
{
	struct report *rep = c->rep;
	const struct report_input *in = c->in;
	struct report_amounts amounts;
	bool deleted;
	enum aspace_kind kind = walk_region(&c->walk, region, &amounts, &deleted);
	uint64_t bytes = region->end - region->start;
	size_t site_idx;

	report_amounts_add(&rep->total, &amounts);
	report_amounts_add(&rep->kinds[kind], &amounts);
	/* site_of() may move the sites: the index first. */
	site_idx = site_of(rep, &c->index, c->fmt, c->stacks, &region->origin);
	report_amounts_add(&rep->sites[site_idx].amounts, &amounts);
	if ((region->backing == ASPACE_BACKING_ANON || region->backing == ASPACE_BACKING_HEAP) &&
	    !(region->flags & ASPACE_SHARED) && region->prot)
		report_amounts_add(&rep->sites[site_idx].anon, &amounts);
	add_to_site(c, region, kind, &rep->sites[site_idx]);
	if (kind == ASPACE_KIND_RUNTIME_HEAP && c->fmt)
		add_heap_part(
			rep, stackfmt_maker_runtime(c->fmt, c->stacks, region->origin.stack_id),
			stackfmt_maker_part(c->fmt, c->stacks, region->origin.stack_id), &amounts);
	if (deleted && region->path && real_file(strtab_get(in->paths, region->path))) {
		if (!rep->deleted_regions)
			rep->deleted_path = region->path;
		rep->deleted_regions++;
		rep->deleted_bytes += bytes;
		rep->deleted_rss += amounts.resident;
	}
}

/* What each site did over the run, sites that no longer hold bytes too. */
static void add_churn(struct computing *c)
{
	uint32_t *churned = NULL;
	size_t nchurned = c->in->churn ? churn_stacks(c->in->churn, &churned) : 0;

	for (size_t i = 0; i < nchurned; i++) {
		const struct churn_site *counted = churn_site(c->in->churn, churned[i]);
		struct aspace_event origin = { .kind = ASPACE_ORIGIN_CALL, .stack_id = churned[i] };
		size_t site_idx = site_of(c->rep, &c->index, c->fmt, c->stacks, &origin);

		churn_site_add(&c->rep->sites[site_idx].churn, counted);
	}
	free(churned);
}

struct report *report_compute(const struct report_input *in, struct stackfmt *fmt,
			      const struct stacks *stacks)
{
	struct report *rep = xcalloc(1, sizeof(*rep));
	struct computing c = {
		.rep = rep, .in = in, .fmt = fmt, .stacks = stacks, .last_window = UINT64_MAX
	};
	struct aspace_cursor cur;
	const struct aspace_region *region;

	walk_start(&c.walk, in, fmt, stacks);
	rep->texts = strtab_new();
	rep->have_usage = in->usage != NULL;
	if (in->sizes)
		rep->sizes = *in->sizes;
	else
		aspace_sizes(in->as, &rep->sizes);
	aspace_for_each (in->as, 0, &cur, region)
		add_region(&c, region);
	for (; in->usage && c.walk.pos < in->nusage; c.walk.pos++)
		c.walk.unattributed += in->usage[c.walk.pos].rss;
	rep->unattributed_rss = c.walk.unattributed;
	add_churn(&c);
	for (size_t i = 0; i < rep->nsites; i++) {
		const struct report_site *site = &rep->sites[i];
		size_t kind = site->kind_plus1 ? site->kind_plus1 - 1 : ASPACE_KIND_COUNT;

		rep->released_bytes[kind] += site->churn.released_bytes;
		rep->releases[kind] += site->churn.releases;
		/* Sites that hold nothing were never committed either: say nothing of them. */
		if (!site->amounts.regions)
			rep->sites[i].never_committed = false;
	}
	if (rep->nsites)
		qsort(rep->sites, rep->nsites, sizeof(*rep->sites), by_size);
	findings_detect(rep, in);
	free(c.index.by_text);
	free(c.index.by_stack);
	return rep;
}

void report_free(struct report *rep)
{
	if (!rep)
		return;
	free(rep->sites);
	strtab_free(rep->texts);
	free(rep);
}

/* Printing. */

/* The figures of a table row: "  LABEL  regions  reserved  committed  resident". */
#define ROW_COLUMNS 62
/* Before the site that last changed the protection of a row's regions. */
#define PROT_LABEL "protection by"

/* Where a report's sites go at its width, and the text each prints there. */
struct sites_layout {
	size_t width;
	size_t row;	    /* the column of a row's site (text_site_column) */
	size_t prot_indent; /* of the lines of a site after PROT_LABEL */
	struct textfit_sites *fit;
};

static void print_amounts(FILE *out, const char *label, const struct report_amounts *a,
			  bool have_usage)
{
	(void)fprintf(out, "  %-16s %7llu %11s %11s %11s", label, (unsigned long long)a->regions,
		      UNITS_SZ(a->reserved), UNITS_SZ(a->committed),
		      have_usage ? UNITS_SZ(a->resident) : "?");
}

/*
 * Ends a table row with a note after sep ("   8 arenas") and a newline:
 * on the row when it fits, else wrapped at its words, under its column
 * when there is room there, or on the lines below.
 */
static void row_note(FILE *out, const char *sep, const char *note, size_t width)
{
	size_t col = ROW_COLUMNS + strlen(sep);
	char *text;

	if (!width || col + textfit_columns(note, strlen(note)) <= width) {
		(void)fprintf(out, "%s%s\n", sep, note);
		return;
	}
	col = textfit_indent(width, col, TEXT_INDENT);
	if (col == TEXT_INDENT)
		(void)fprintf(out, "\n%*s", TEXT_INDENT, "");
	else
		(void)fputs(sep, out);
	text = textfit_wrap(note, width, col, col, NULL);
	(void)fprintf(out, "%s\n", text);
	free(text);
}

static void print_summary(FILE *out, const struct report *rep, const struct report_input *in,
			  size_t width)
{
	const struct report_amounts *t = &rep->total;
	struct text_line line;
	FILE *mem = text_line_begin(&line);

	(void)fprintf(mem, "  VSZ %s (peak %s): %s reserved, %s committed",
		      UNITS_SZ(rep->sizes.mapped), UNITS_SZ(rep->sizes.mapped_peak),
		      UNITS_SZ(t->reserved), UNITS_SZ(t->committed));
	if (rep->have_usage) {
		(void)fprintf(mem, "; RSS %s (%s private, %s shared)", UNITS_SZ(t->resident),
			      UNITS_SZ(t->private_bytes),
			      UNITS_SZ(t->resident > t->private_bytes
					       ? t->resident - t->private_bytes
					       : 0));
		if (t->swap)
			(void)fprintf(mem, ", %s swapped", UNITS_SZ(t->swap));
	} else if (in->cut) {
		/* A process a trace ends before: what came after its last snapshot is not read. */
		(void)fputs("; RSS not known (the trace ends before it was read)", mem);
	} else if (in->proc->end.how == NAMES_END_EXECED) {
		(void)fputs("; RSS not known (an exec replaced its memory before it could be read)",
			    mem);
	} else {
		(void)fputs("; RSS not known (the process was gone before it could be read)", mem);
	}
	text_line_end(&line, out, width, TEXT_INDENT);
	mem = text_line_begin(&line);
	(void)fprintf(mem,
		      "  brk heap %s (peak %s); thread stacks: %llu of live threads, %llu of "
		      "exited ones",
		      UNITS_SZ(rep->sizes.heap), UNITS_SZ(rep->sizes.heap_peak),
		      (unsigned long long)rep->threads_alive,
		      (unsigned long long)rep->threads_exited);
	if (in->verify)
		(void)fprintf(mem, "; model checked: %llu mismatch%s",
			      (unsigned long long)in->mismatches, in->mismatches == 1 ? "" : "es");
	if (rep->unattributed_rss)
		(void)fprintf(mem, "; %s resident outside the model",
			      UNITS_SZ(rep->unattributed_rss));
	text_line_end(&line, out, width, TEXT_INDENT);
}

/*
 * The runtime heap row's note, the runtimes whose heaps it holds, and a
 * row under it for each part a runtime's rule names ("  code cache").
 */
static void print_heap_parts(FILE *out, const struct report *rep, size_t width)
{
	char note[96] = "", label[32];
	size_t used = 0;

	for (size_t i = 0; i < rep->nparts; i++) {
		const struct runtime_desc *rt = rep->parts[i].runtime;
		bool named = false;

		for (size_t k = 0; k < i && rt; k++)
			named |= rep->parts[k].runtime == rt;
		if (rt && !named && used < sizeof(note))
			used += (size_t)snprintf(note + used, sizeof(note) - used, "%s%s",
						 used ? ", " : "", rt->name);
	}
	if (used)
		row_note(out, "   ", note, width);
	else
		(void)fputc('\n', out);
	for (size_t i = 0; i < rep->nparts; i++) {
		const struct report_part *part = &rep->parts[i];

		if (!part->rule || !part->runtime)
			continue;
		(void)snprintf(label, sizeof(label), "  %s", part->rule->part);
		print_amounts(out, label, &part->amounts, rep->have_usage);
		row_note(out, "   ", part->runtime->name, width);
	}
}

/*
 * What madvise gave back, by kind, in the order of the rows ("released
 * by madvise: runtime heap 700 MiB (445 calls), ..."); nothing when
 * nothing was.
 */
static void print_released(FILE *out, const struct report *rep, const enum aspace_kind *order,
			   size_t norder, size_t width)
{
	struct text_line line;
	FILE *mem;
	bool any = false;

	for (size_t i = 0; i <= ASPACE_KIND_COUNT; i++)
		any |= rep->releases[i] != 0;
	if (!any)
		return;
	mem = text_line_begin(&line);
	(void)fputs("  released by madvise:", mem);
	for (size_t i = 0; i <= norder; i++) {
		size_t kind = i < norder ? order[i] : ASPACE_KIND_COUNT;

		if (!rep->releases[kind])
			continue;
		(void)fprintf(mem, "%s %s %s (%llu call%s)", any ? "" : ",",
			      kind < ASPACE_KIND_COUNT ? aspace_kind_name(kind) : "unmapped since",
			      UNITS_SZ(rep->released_bytes[kind]),
			      (unsigned long long)rep->releases[kind],
			      rep->releases[kind] == 1 ? "" : "s");
		any = false;
	}
	text_line_end(&line, out, width, TEXT_INDENT);
}

static void print_kinds(FILE *out, const struct report *rep, size_t width)
{
	static const enum aspace_kind order[] = {
		ASPACE_KIND_ARENA,   ASPACE_KIND_HEAP,	       ASPACE_KIND_RUNTIME_HEAP,
		ASPACE_KIND_ANON,    ASPACE_KIND_THREAD_STACK, ASPACE_KIND_MAIN_STACK,
		ASPACE_KIND_ELF,     ASPACE_KIND_FILE,	       ASPACE_KIND_SHARED,
		ASPACE_KIND_SPECIAL,
	};

	(void)fprintf(out, "\n  %-16s %7s %11s %11s %11s\n", "by kind", "regions", "reserved",
		      "committed", "resident");
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		const struct report_amounts *a = &rep->kinds[order[i]];
		char note[96];

		if (!a->regions)
			continue;
		print_amounts(out, aspace_kind_name(order[i]), a, rep->have_usage);
		if (order[i] == ASPACE_KIND_ARENA) {
			(void)snprintf(note, sizeof(note), "%llu arena%s",
				       (unsigned long long)rep->arenas,
				       rep->arenas == 1 ? "" : "s");
			row_note(out, "   ", note, width);
		} else if (order[i] == ASPACE_KIND_RUNTIME_HEAP) {
			print_heap_parts(out, rep, width);
		} else if (order[i] == ASPACE_KIND_THREAD_STACK) {
			(void)snprintf(note, sizeof(note), "%llu alive, %llu of exited threads",
				       (unsigned long long)rep->threads_alive,
				       (unsigned long long)rep->threads_exited);
			row_note(out, "   ", note, width);
		} else {
			(void)fputc('\n', out);
		}
	}
	print_amounts(out, "total", &rep->total, rep->have_usage);
	(void)fputc('\n', out);
	print_released(out, rep, order, ARRAY_SIZE(order), width);
}

/* The text of site text_id laid out from column indent on. */
static const char *site_shown(const struct sites_layout *layout, const struct report *rep,
			      uint32_t text_id, size_t indent)
{
	return textfit_sites_get(layout->fit, strtab_get(rep->texts, text_id),
				 text_site_room(layout->width, indent));
}

static void print_sites(FILE *out, const struct report *rep, const struct report_options *opts,
			const struct sites_layout *layout)
{
	size_t top = opts->top;
	struct report_amounts rest = { 0 };
	size_t shown = 0, holding = 0;

	for (size_t i = 0; i < rep->nsites; i++)
		holding += rep->sites[i].amounts.regions != 0;
	/* The site column's heading, when the sites are in a column. */
	(void)fprintf(out, "\n  %-16s %7s %11s %11s %11s%s\n", "by site", "regions", "reserved",
		      "committed", "resident", layout->row == ROW_COLUMNS + 2 ? "  site" : "");
	for (size_t i = 0; i < rep->nsites; i++) {
		const struct report_site *site = &rep->sites[i];

		if (!site->amounts.regions)
			continue;
		if (shown == top) {
			report_amounts_add(&rest, &site->amounts);
			continue;
		}
		shown++;
		print_amounts(out, "", &site->amounts, rep->have_usage);
		text_row_site(out, site_shown(layout, rep, site->text, layout->row), opts->width,
			      ROW_COLUMNS);
		if (site->prot_text) {
			(void)fprintf(out, "%*s%s", (int)layout->row, "", PROT_LABEL);
			(void)text_put_site(
				out, site_shown(layout, rep, site->prot_text, layout->prot_indent),
				true, opts->width, layout->row + strlen(PROT_LABEL),
				layout->prot_indent);
			(void)fputc('\n', out);
		}
	}
	if (holding > shown) {
		char label[32];

		(void)snprintf(label, sizeof(label), "%zu more", holding - shown);
		print_amounts(out, label, &rest, rep->have_usage);
		row_note(out, "  ", "(--top to see them)", opts->width);
	}
}

/* Churn rows: the most bytes unmapped soon or trimmed first. */
static int by_churn(const void *a, const void *b)
{
	const struct report_site *x = a, *y = b;
	uint64_t bx = x->churn.short_bytes + x->churn.trimmed_bytes + x->churn.released_bytes;
	uint64_t by = y->churn.short_bytes + y->churn.trimmed_bytes + y->churn.released_bytes;

	if (bx != by)
		return bx > by ? -1 : 1;
	return x->text < y->text ? -1 : x->text > y->text;
}

/*
 * The sites of the churn rows, in their order, into *rows (the caller
 * frees it): half as many as the sites shown, so that the report fits a
 * screen.  Returns how many.
 */
static size_t churn_rows(const struct report *rep, const struct report_options *opts,
			 struct report_site **rows)
{
	struct report_site *order = xcalloc(rep->nsites + 1, sizeof(*order));
	size_t count = 0;

	for (size_t i = 0; i < rep->nsites; i++)
		if (rep->sites[i].churn.short_pairs || rep->sites[i].churn.trims ||
		    rep->sites[i].churn.releases)
			order[count++] = rep->sites[i];
	qsort(order, count, sizeof(*order), by_churn);
	*rows = order;
	return count < (opts->top + 1) / 2 ? count : (opts->top + 1) / 2;
}

static void print_churn(FILE *out, const struct report *rep, const struct report_options *opts,
			const struct sites_layout *layout, const struct report_site *rows,
			size_t count)
{
	char limit[32];

	(void)units_ms(limit, sizeof(limit), opts->churn_ns);
	for (size_t i = 0; i < count; i++) {
		const struct report_site *site = &rows[i];
		const struct churn_site *c = &site->churn;
		struct text_line row;
		char *text, *wrapped, heading[96];
		size_t end;
		FILE *mem;

		if (!i) {
			(void)snprintf(
				heading, sizeof(heading),
				"  churn: mappings unmapped within %s, trimmed, and released",
				limit);
			(void)fputc('\n', out);
			text_put_line(out, heading, opts->width, TEXT_INDENT);
		}
		mem = text_line_begin(&row);
		(void)fprintf(mem, "  %s mapped by %llu call%s", UNITS_SZ(c->mapped_bytes),
			      (unsigned long long)c->maps, c->maps == 1 ? "" : "s");
		if (c->short_pairs)
			(void)fprintf(mem, ", %llu unmapped within %s (%s)",
				      (unsigned long long)c->short_pairs, limit,
				      UNITS_SZ(c->short_bytes));
		if (c->trims)
			(void)fprintf(mem, ", %s trimmed (%llu trim%s)", UNITS_SZ(c->trimmed_bytes),
				      (unsigned long long)c->trims, c->trims == 1 ? "" : "s");
		if (c->releases)
			(void)fprintf(mem, ", %s released by %llu madvise call%s",
				      UNITS_SZ(c->released_bytes), (unsigned long long)c->releases,
				      c->releases == 1 ? "" : "s");
		(void)fprintf(mem, ", %s kept:",
			      UNITS_SZ(site->amounts.reserved + site->amounts.committed));
		text = text_line_take(&row);
		wrapped = textfit_wrap(text, opts->width, 0, TEXT_INDENT, &end);
		(void)fputs(wrapped, out);
		free(wrapped);
		free(text);
		(void)text_put_site(out, site_shown(layout, rep, site->text, TEXT_INDENT), true,
				    opts->width, end, TEXT_INDENT);
		(void)fputc('\n', out);
	}
}

/*
 * Where the sites go at opts->width, and the text of each site printed:
 * worked out for all of them at once, so that no two print the same.
 */
static void layout_sites(struct sites_layout *layout, const struct report *rep,
			 const struct report_options *opts, const struct report_site *churn,
			 size_t nchurn)
{
	size_t shown = 0, prot_col;

	layout->width = opts->width;
	layout->row = text_site_column(opts->width, ROW_COLUMNS);
	prot_col = layout->row + strlen(PROT_LABEL) + 1;
	layout->prot_indent = textfit_indent(opts->width, prot_col, layout->row);
	layout->fit = textfit_sites_new(opts->utf8);
	for (size_t i = 0; i < rep->nsites && shown < opts->top; i++) {
		const struct report_site *site = &rep->sites[i];

		if (!site->amounts.regions)
			continue;
		shown++;
		textfit_sites_add(layout->fit, strtab_get(rep->texts, site->text),
				  text_site_room(opts->width, layout->row));
		if (site->prot_text)
			textfit_sites_add(layout->fit, strtab_get(rep->texts, site->prot_text),
					  text_site_room(opts->width, layout->prot_indent));
	}
	for (size_t i = 0; i < nchurn; i++)
		textfit_sites_add(layout->fit, strtab_get(rep->texts, churn[i].text),
				  text_site_room(opts->width, TEXT_INDENT));
	for (size_t i = 0; i < rep->nfindings; i++)
		if (rep->findings[i].site != SIZE_MAX)
			textfit_sites_add(
				layout->fit,
				strtab_get(rep->texts, rep->sites[rep->findings[i].site].text),
				text_site_room(opts->width, TEXT_INDENT));
}

void report_print(FILE *out, const struct report *rep, const struct report_input *in,
		  const struct report_options *opts)
{
	struct sites_layout layout;
	struct report_site *churn;
	size_t nchurn;

	text_proc_summary(out, in->proc, opts->width);
	if (!rep)
		return;
	nchurn = churn_rows(rep, opts, &churn);
	layout_sites(&layout, rep, opts, churn, nchurn);
	print_summary(out, rep, in, opts->width);
	print_kinds(out, rep, opts->width);
	print_sites(out, rep, opts, &layout);
	print_churn(out, rep, opts, &layout, churn, nchurn);
	(void)fprintf(out, "\n  findings:%s\n", rep->nfindings ? "" : " none");
	for (size_t i = 0; i < rep->nfindings; i++) {
		const struct report_finding *f = &rep->findings[i];
		struct findings_out finding = {
			.out = out,
			.width = opts->width,
			.churn_ns = opts->churn_ns,
			.rep = rep,
			.in = in,
			.site = f->site == SIZE_MAX
					? NULL
					: site_shown(&layout, rep, rep->sites[f->site].text,
						     TEXT_INDENT),
		};

		findings_print(&finding, f);
	}
	textfit_sites_free(layout.fit);
	free(churn);
}

void report_interval_line(FILE *out, const struct report_input *in, uint64_t time_ns, uint64_t rss,
			  uint64_t prev_vsz)
{
	uint64_t reserved = 0, committed = 0, calls = 0;
	struct aspace_sizes sizes;
	struct aspace_cursor cur;
	const struct aspace_region *region;
	int64_t growth;

	aspace_sizes(in->as, &sizes);
	aspace_for_each (in->as, 0, &cur, region) {
		if (region->prot)
			committed += region->end - region->start;
		else
			reserved += region->end - region->start;
	}
	for (int kind = 0; kind < SYSDECODE_NKINDS; kind++)
		calls += in->proc->calls[kind];
	growth = (int64_t)(sizes.mapped - prev_vsz);
	(void)fprintf(
		out,
		"memtrace: %.1fs [%d] VSZ %s (%c%s), %s reserved, %s committed, RSS %s, "
		"heap %s, %u thread%s, %llu calls\n",
		(double)time_ns / 1e9, (int)in->proc->pid, UNITS_SZ(sizes.mapped),
		growth < 0 ? '-' : '+', UNITS_SZ(growth < 0 ? (uint64_t)-growth : (uint64_t)growth),
		UNITS_SZ(reserved), UNITS_SZ(committed), UNITS_SZ(rss), UNITS_SZ(sizes.heap),
		in->proc->threads, in->proc->threads == 1 ? "" : "s", (unsigned long long)calls);
}
