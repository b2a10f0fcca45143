/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTML view: see html.h.  The page is report/html_page.html, compiled
 * in (cmake/Embed.cmake); what it draws is one JSON object, built with
 * jansson and written in place of the page's @DATA@:
 *
 *   {"title", "command", "memtrace", "runs": [{"name", "stacks": [[frame
 *   line, ...], ...], "procs": [{"pid", "program", "headline", "totals",
 *   "have_usage", "calls", "kinds", "sites", "kind_names", "site_names",
 *   "regions", "regions_total", "regions_merged", "timeline", "findings",
 *   "report"}]}]}
 *
 * Sizes are numbers (exact up to 2^53 bytes), addresses "0x..." strings.
 * A run's "names" are its stacks' function names, frame by frame as
 * stackfmt_functions() gives them (the flame graph's, as --folded's).  A
 * region is an array, read by html_page.html at these places:
 *
 *   0 start, 1 end   2 protection ("rw-")   3 kind (in kind_names)
 *   4 site (in site_names)   5 resident bytes   6 thread ("" for none)
 *   7 the call that made it (0: none), 8 when (s), 9 its stack (-1: none)
 *   10 the stack of the call that last changed its protection (-1: none)
 *   11 file   12 regions it stands for   13 that call   14 its bytes
 *
 * 12 and 14 differ from 1 and end - start where neighbours are drawn as
 * one (merge_regions()).
 */
#include "html.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/util.h"
#include "profile.h"

/* The page, made from html_page.html. */
extern const char html_page[];

struct html {
	char *title;
	char *command;
	json_t *runs;
	/* The run being added to, and what names its stacks. */
	json_t *run_stacks;
	json_t *run_names;
	json_t *run_procs;
	struct stackfmt *fmt;
	const struct stacks *stacks;
	uint32_t *stack_index; /* stack id -> its place in run_stacks + 1; 0: not yet */
	size_t stack_cap;
};

/*
 * text, valid UTF-8 (owned by the caller): as it is, or, when it is not
 * (a path is bytes), with every byte past ASCII a '?'.
 */
static char *utf8_text(const char *text)
{
	json_t *s = json_string(text ? text : "");
	char *copy = xstrdup(text ? text : "");

	if (!s)
		for (char *c = copy; *c; c++)
			if ((unsigned char)*c >= 0x80)
				*c = '?';
	json_decref(s);
	return copy;
}

struct html *html_new(const char *title, const char *command)
{
	struct html *h = xcalloc(1, sizeof(*h));

	h->command = command ? xstrdup(command) : NULL;
	if (title) {
		h->title = utf8_text(title);
	} else {
		const char *rest = command ? command : "";
		char *made;
		size_t len;

		if (!strncmp(rest, "memtrace", 8))
			rest += 8;
		if (!strncmp(rest, " --", 3))
			rest += 3;
		len = strlen("memtrace:") + strlen(rest) + 1;
		made = xmalloc(len);
		(void)snprintf(made, len, "memtrace:%s", rest);
		h->title = utf8_text(made);
		free(made);
	}
	h->runs = json_array();
	if (!h->runs)
		die("out of memory");
	return h;
}

void html_free(struct html *h)
{
	if (!h)
		return;
	json_decref(h->runs);
	free(h->stack_index);
	free(h->title);
	free(h->command);
	free(h);
}

static json_t *checked(json_t *value)
{
	if (!value)
		die("out of memory");
	return value;
}

/* A JSON string of text, made valid UTF-8 (utf8_text()). */
static json_t *jstr(const char *text)
{
	json_t *s = json_string(text ? text : "");
	char *valid;

	if (s)
		return s;
	valid = utf8_text(text);
	s = checked(json_string(valid));
	free(valid);
	return s;
}

static void set(json_t *obj, const char *key, json_t *value)
{
	if (json_object_set_new(obj, key, checked(value)) != 0)
		die("out of memory");
}

static void push(json_t *array, json_t *value)
{
	if (json_array_append_new(array, checked(value)) != 0)
		die("out of memory");
}

static json_t *jnum(uint64_t n)
{
	return json_integer((json_int_t)n);
}

void html_begin_run(struct html *h, const char *name, struct stackfmt *fmt,
		    const struct stacks *stacks)
{
	json_t *run = checked(json_object());

	h->run_stacks = checked(json_array());
	h->run_names = checked(json_array());
	h->run_procs = checked(json_array());
	set(run, "name", jstr(name ? name : ""));
	set(run, "stacks", h->run_stacks);
	set(run, "names", h->run_names);
	set(run, "procs", h->run_procs);
	push(h->runs, run);
	h->fmt = fmt;
	h->stacks = stacks;
	free(h->stack_index);
	h->stack_index = NULL;
	h->stack_cap = 0;
}

/* The place of stack id in the run's stacks, its frames as --events writes them; -1: none. */
static json_int_t stack_place(struct html *h, uint32_t id)
{
	const uint64_t *frames;
	json_t *lines, *names;
	char *text = NULL, *line, *save = NULL;
	size_t len = 0, nframes;
	FILE *mem;

	if (!id || !h->fmt || !(nframes = stacks_get(h->stacks, id, &frames)))
		return -1;
	if (id < h->stack_cap && h->stack_index[id])
		return (json_int_t)h->stack_index[id] - 1;
	mem = open_memstream(&text, &len);
	if (!mem)
		die("out of memory");
	stackfmt_write(h->fmt, mem, h->stacks, id);
	if (fclose(mem) != 0)
		die("out of memory");
	lines = checked(json_array());
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		push(lines, jstr(line + strspn(line, " >")));
	free(text);
	push(h->run_stacks, lines);
	names = checked(json_array());
	for (size_t i = 0; i < nframes; i++) {
		struct stackfmt_function funcs[SRCLINES_MAX_FRAMES + 1];
		size_t n = stackfmt_functions(h->fmt, h->stacks, id, i, funcs, ARRAY_SIZE(funcs));

		for (size_t f = 0; f < n; f++)
			push(names, jstr(funcs[f].name));
	}
	push(h->run_names, names);
	xgrowzeroed((void **)&h->stack_index, &h->stack_cap, (size_t)id + 1,
		    sizeof(*h->stack_index));
	h->stack_index[id] = (uint32_t)json_array_size(h->run_stacks);
	return (json_int_t)json_array_size(h->run_stacks) - 1;
}

/* One region as drawn: a region of the model, or neighbours drawn as one. */
struct hreg {
	uint64_t start, end;
	unsigned int prot;
	enum aspace_kind kind;
	uint32_t site;	 /* in names */
	uint32_t thread; /* in names: "worker-1 [4250]"; 0: not a thread's stack */
	uint32_t path;	 /* in names */
	uint64_t resident;
	uint64_t origin_seq, origin_ns;
	uint32_t origin_stack; /* 0: none */
	uint64_t prot_seq;
	uint32_t prot_stack;
	uint64_t count; /* regions it stands for */
	uint64_t bytes; /* theirs */
};

/* Collecting the regions of a process. */
struct collecting {
	const struct report_input *in;
	struct html *h;
	struct strtab *names;
	struct hreg *regs;
	size_t nregs, cap;
	struct report_site_cache sites;
};

static uint32_t intern(struct strtab *names, const char *text)
{
	return strtab_intern(names, text, strlen(text));
}

static void collect_region(void *arg, const struct aspace_region *region, enum aspace_kind kind,
			   const struct report_amounts *amounts)
{
	struct collecting *c = arg;
	struct hreg *r;
	char thread[ASPACE_THREAD_NAME_MAX + 32];

	xgrowarray((void **)&c->regs, &c->cap, c->nregs + 1, sizeof(*c->regs));
	r = &c->regs[c->nregs++];
	*r = (struct hreg){
		.start = region->start,
		.end = region->end,
		.prot = region->prot,
		.kind = kind,
		.site = report_site_cached(&c->sites, c->names, c->h->fmt, c->h->stacks,
					   &region->origin),
		.resident = amounts->resident,
		.origin_seq = region->origin.kind == ASPACE_ORIGIN_CALL ? region->origin.seq : 0,
		.origin_ns = region->origin.time_ns,
		.origin_stack =
			region->origin.kind == ASPACE_ORIGIN_CALL ? region->origin.stack_id : 0,
		.prot_seq = region->prot_seq,
		.prot_stack = region->prot_seq ? region->prot_stack : 0,
		.count = 1,
		.bytes = region->end - region->start,
	};
	if (region->path)
		r->path = intern(c->names, strtab_get(c->in->paths, region->path));
	if (kind == ASPACE_KIND_THREAD_STACK && region->thread) {
		const char *name = region->thread == ASPACE_THREADS
					   ? NULL
					   : aspace_thread_name(c->in->as, region->thread);

		if (region->thread == ASPACE_THREADS)
			(void)snprintf(thread, sizeof(thread), "several threads");
		else if (name)
			(void)snprintf(thread, sizeof(thread), "%s [%d]", name,
				       (int)region->thread);
		else
			(void)snprintf(thread, sizeof(thread), "[%d]", (int)region->thread);
		r->thread = intern(c->names, thread);
	}
}

/* Whether r may be drawn as one with last, in merge_regions()'s pass. */
static bool mergeable(const struct hreg *last, const struct hreg *r, int pass)
{
	bool touching = last->end == r->start;

	switch (pass) {
	case 0: /* next to each other, one kind, site and protection */
		return touching && last->kind == r->kind && last->site == r->site &&
		       last->prot == r->prot;
	case 1: /* next to each other, one kind */
		return touching && last->kind == r->kind;
	default: /* one kind, the gaps between them drawn over */
		return last->kind == r->kind;
	}
}

/*
 * Draws neighbours as one until at most HTML_MAX_REGIONS are left: those
 * next to each other of one kind, site and protection; then of one kind;
 * then of one kind across the gaps between them; then runs of a fixed
 * length, whatever their kinds.  The first region's origin and kind stand
 * for them all, their count and bytes are summed.
 */
static void merge_regions(struct collecting *c)
{
	for (int pass = 0; pass < 4 && c->nregs > HTML_MAX_REGIONS; pass++) {
		size_t out = 0, run = (c->nregs + HTML_MAX_REGIONS - 1) / HTML_MAX_REGIONS;
		size_t in_run = 0;

		for (size_t i = 0; i < c->nregs; i++) {
			struct hreg *r = &c->regs[i], *last = out ? &c->regs[out - 1] : NULL;
			bool same = last && (pass < 3 ? mergeable(last, r, pass) : in_run < run);

			if (!same) {
				c->regs[out++] = *r;
				in_run = 1;
				continue;
			}
			last->end = r->end;
			last->resident += r->resident;
			last->count += r->count;
			last->bytes += r->bytes;
			last->prot |= r->prot;
			in_run++;
		}
		c->nregs = out;
	}
}

static void prot_text(char *buf, unsigned int prot)
{
	buf[0] = prot & 1U ? 'r' : '-';
	buf[1] = prot & 2U ? 'w' : '-';
	buf[2] = prot & 4U ? 'x' : '-';
	buf[3] = '\0';
}

static json_t *amounts_json(const char *key, const char *name, const struct report_amounts *a)
{
	json_t *o = checked(json_object());

	set(o, key, jstr(name));
	set(o, "regions", jnum(a->regions));
	set(o, "reserved", jnum(a->reserved));
	set(o, "committed", jnum(a->committed));
	set(o, "resident", jnum(a->resident));
	return o;
}

static json_t *regions_json(struct html *h, struct collecting *c, json_t *proc)
{
	json_t *kinds = checked(json_array()), *sites = checked(json_array());
	json_t *regions = checked(json_array());
	int kind_place[ASPACE_KIND_COUNT];
	uint32_t *site_place = xcalloc(strtab_count(c->names) + 1, sizeof(*site_place));
	size_t nsites = 0;

	for (size_t k = 0; k < ASPACE_KIND_COUNT; k++)
		kind_place[k] = -1;
	for (size_t i = 0; i < c->nregs; i++) {
		const struct hreg *r = &c->regs[i];
		json_t *a = checked(json_array());
		char hex[32], prot[4];

		if (kind_place[r->kind] < 0) {
			kind_place[r->kind] = (int)json_array_size(kinds);
			push(kinds, jstr(aspace_kind_name(r->kind)));
		}
		if (!site_place[r->site]) {
			site_place[r->site] = (uint32_t)++nsites;
			push(sites, jstr(strtab_get(c->names, r->site)));
		}
		(void)snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)r->start);
		push(a, jstr(hex));
		(void)snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)r->end);
		push(a, jstr(hex));
		prot_text(prot, r->prot);
		push(a, jstr(prot));
		push(a, json_integer(kind_place[r->kind]));
		push(a, json_integer((json_int_t)site_place[r->site] - 1));
		push(a, jnum(r->resident));
		push(a, jstr(r->thread ? strtab_get(c->names, r->thread) : ""));
		push(a, jnum(r->origin_seq));
		push(a, json_real((double)r->origin_ns / 1e9));
		push(a, json_integer(stack_place(h, r->origin_stack)));
		push(a, json_integer(stack_place(h, r->prot_stack)));
		push(a, jstr(r->path ? strtab_get(c->names, r->path) : ""));
		push(a, jnum(r->count));
		push(a, jnum(r->prot_seq));
		push(a, jnum(r->bytes));
		push(regions, a);
	}
	free(site_place);
	set(proc, "kind_names", kinds);
	set(proc, "site_names", sites);
	return regions;
}

/* The timeline, its points' level set from the sizes at the end (timeline.h). */
static json_t *timeline_json(struct html *h, const struct timeline *tl, uint64_t end_ns,
			     const struct report *rep)
{
	json_t *o = checked(json_object()), *points = checked(json_array());
	json_t *rss = checked(json_array()), *big = checked(json_array());
	int64_t r = tl ? (int64_t)rep->total.reserved - tl->reserved : 0;
	int64_t c = tl ? (int64_t)rep->total.committed - tl->committed : 0;

	/* The end is after every point: a trace cut short may have no snapshot after its calls. */
	if (tl && tl->npoints && tl->points[tl->npoints - 1].time_ns > end_ns)
		end_ns = tl->points[tl->npoints - 1].time_ns;
	if (tl && tl->nrss && tl->rss[tl->nrss - 1].time_ns > end_ns)
		end_ns = tl->rss[tl->nrss - 1].time_ns;

	for (size_t i = 0; tl && i < tl->npoints; i++) {
		const struct timeline_point *p = &tl->points[i];
		json_t *a = checked(json_array());

		push(a, json_real((double)p->time_ns / 1e9));
		push(a, json_integer(p->vsz + r + c));
		push(a, json_integer(p->reserved + r));
		push(a, json_integer(p->committed + c));
		push(points, a);
	}
	if (tl && tl->npoints) {
		/* The sizes at the end: the report's. */
		json_t *a = checked(json_array());

		push(a, json_real((double)end_ns / 1e9));
		push(a, jnum(rep->total.reserved + rep->total.committed));
		push(a, jnum(rep->total.reserved));
		push(a, jnum(rep->total.committed));
		push(points, a);
	}
	for (size_t i = 0; tl && i < tl->nrss; i++) {
		json_t *a = checked(json_array());

		push(a, json_real((double)tl->rss[i].time_ns / 1e9));
		push(a, jnum(tl->rss[i].rss));
		push(rss, a);
	}
	if (rep->have_usage) {
		json_t *a = checked(json_array());

		push(a, json_real((double)end_ns / 1e9));
		push(a, jnum(rep->total.resident + rep->unattributed_rss));
		push(rss, a);
	}
	for (size_t i = 0; tl && i < tl->nbig; i++) {
		const struct timeline_big *b = &tl->big[i];
		json_t *m = checked(json_object());

		set(m, "t", json_real((double)b->time_ns / 1e9));
		set(m, "seq", jnum(b->seq));
		set(m, "text", jstr(b->text));
		set(m, "vsz", json_integer(b->vsz));
		set(m, "committed", json_integer(b->committed));
		set(m, "stack", json_integer(stack_place(h, b->stack_id)));
		push(big, m);
	}
	set(o, "points", points);
	set(o, "rss", rss);
	set(o, "big", big);
	return o;
}

/*
 * What the flame graph draws: the process's profile (report/profile.h),
 * a sample per stack, kind and thread stack: [stack, site, kind,
 * regions, reserved, committed, resident], stack -1 for memory no call
 * made (its site names it).
 */
static json_t *flame_json(struct html *h, const struct report_input *in)
{
	struct profile *prof = profile_new(h->fmt, h->stacks, NULL, NULL);
	const struct profile_sample *samples;
	size_t n;
	json_t *flame = checked(json_array());

	profile_add(prof, in);
	n = profile_samples(prof, &samples);
	for (size_t i = 0; i < n; i++) {
		const struct profile_sample *s = &samples[i];
		json_t *a = checked(json_array());

		push(a, json_integer(stack_place(h, s->stack_id)));
		push(a, jstr(profile_text(prof, s->site)));
		push(a, jstr(aspace_kind_name(s->kind)));
		for (size_t m = 0; m < PROFILE_NMETRICS; m++)
			push(a, jnum(s->values[m]));
		push(flame, a);
	}
	profile_free(prof);
	return flame;
}

/* The text report as the live run prints it to a file; its headline and findings apart. */
static void text_report(json_t *proc, const struct report_input *in, const struct report *rep,
			const struct report_options *ropts)
{
	struct report_options opts = *ropts;
	char *text = NULL, *findings, *eol;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		die("out of memory");
	opts.width = 0;
	report_print(mem, rep, in, &opts);
	if (fclose(mem) != 0)
		die("out of memory");
	set(proc, "report", jstr(text));
	findings = strstr(text, "\n  findings:");
	set(proc, "findings", jstr(findings ? findings + 1 : ""));
	eol = strchr(text, '\n');
	if (eol)
		*eol = '\0';
	set(proc, "headline", jstr(strncmp(text, "memtrace: ", 10) ? text : text + 10));
	free(text);
}

void html_add_proc(struct html *h, const struct report_input *in, const struct report *rep,
		   const struct timeline *tl, uint64_t end_ns, const struct report_options *ropts)
{
	json_t *proc = checked(json_object()), *totals = checked(json_object());
	json_t *kinds = checked(json_array()), *sites = checked(json_array());
	struct collecting c = { .in = in, .h = h, .names = strtab_new() };
	const char *program = in->proc->exe ? in->proc->exe : in->proc->name;
	uint64_t calls = 0;

	set(proc, "pid", json_integer(in->proc->pid));
	set(proc, "program", jstr(program ? base_name(program) : "?"));
	text_report(proc, in, rep, ropts);
	set(totals, "vsz", jnum(rep->sizes.mapped));
	set(totals, "vsz_peak", jnum(rep->sizes.mapped_peak));
	set(totals, "reserved", jnum(rep->total.reserved));
	set(totals, "committed", jnum(rep->total.committed));
	set(totals, "resident", jnum(rep->total.resident));
	set(totals, "regions", jnum(rep->total.regions));
	set(proc, "totals", totals);
	set(proc, "have_usage", json_boolean(rep->have_usage));
	for (size_t k = 0; k < SYSDECODE_NKINDS; k++)
		calls += in->proc->calls[k];
	set(proc, "calls", jnum(calls));
	for (size_t k = 0; k < ASPACE_KIND_COUNT; k++)
		if (rep->kinds[k].regions)
			push(kinds, amounts_json("kind", aspace_kind_name((enum aspace_kind)k),
						 &rep->kinds[k]));
	set(proc, "kinds", kinds);
	for (size_t i = 0; i < rep->nsites; i++) {
		const struct report_site *s = &rep->sites[i];
		json_t *site;

		if (!s->amounts.regions)
			continue;
		site = amounts_json("site", strtab_get(rep->texts, s->text), &s->amounts);
		set(site, "kind",
		    jstr(s->kind_plus1 ? aspace_kind_name((enum aspace_kind)(s->kind_plus1 - 1))
				       : ""));
		push(sites, site);
	}
	set(proc, "sites", sites);

	report_each_region(in, h->fmt, h->stacks, collect_region, &c);
	set(proc, "regions_total", jnum(c.nregs));
	merge_regions(&c);
	set(proc, "regions_merged", json_boolean(c.nregs < rep->total.regions));
	set(proc, "regions", regions_json(h, &c, proc));
	set(proc, "timeline", timeline_json(h, tl, end_ns, rep));
	set(proc, "flame", flame_json(h, in));
	push(h->run_procs, proc);
	free(c.regs);
	report_site_cache_free(&c.sites);
	strtab_free(c.names);
}

/* Text for an HTML element: &, <, > and " as entities. */
static void put_escaped(FILE *out, const char *text)
{
	for (const char *c = text; *c; c++) {
		switch (*c) {
		case '&':
			(void)fputs("&amp;", out);
			break;
		case '<':
			(void)fputs("&lt;", out);
			break;
		case '>':
			(void)fputs("&gt;", out);
			break;
		case '"':
			(void)fputs("&quot;", out);
			break;
		default:
			(void)fputc(*c, out);
		}
	}
}

/*
 * JSON inside a <script> element: every '<' (only ever inside a string)
 * as \u003c, so that no "</script>" or "<!--" in a name ends or bends it.
 */
static void put_json(FILE *out, const char *json)
{
	for (const char *c = json; *c; c++) {
		if (*c == '<')
			(void)fputs("\\u003c", out);
		else
			(void)fputc(*c, out);
	}
}

int html_write(struct html *h, FILE *out)
{
	json_t *root = checked(json_object());
	const char *page = html_page, *at;
	char *json;
	int ret = 0;

	set(root, "title", jstr(h->title));
	set(root, "command", jstr(h->command ? h->command : ""));
	set(root, "memtrace", jstr(MEMTRACE_VERSION));
	set(root, "runs", json_incref(h->runs));
	json = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!json)
		die("out of memory");
	while ((at = strchr(page, '@')) != NULL) {
		(void)fwrite(page, 1, (size_t)(at - page), out);
		if (!strncmp(at, "@TITLE@", 7)) {
			put_escaped(out, h->title);
			page = at + 7;
		} else if (!strncmp(at, "@DATA@", 6)) {
			put_json(out, json);
			page = at + 6;
		} else {
			(void)fputc('@', out);
			page = at + 1;
		}
	}
	(void)fputs(page, out);
	if (fflush(out) != 0 || ferror(out))
		ret = -1;
	free(json);
	json_decref(root);
	return ret;
}
