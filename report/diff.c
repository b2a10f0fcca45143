/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memtrace diff: see diff.h. */
#include "diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/util.h"
#include "jsonw.h"
#include "msgs.h"
#include "text.h"
#include "textfit.h"
#include "traceread.h"
#include "units.h"

/* Resident bytes that move by less than this, or a tenth, are noise (fault-around). */
#define RESIDENT_NOISE (1024ULL * 1024)

/* One site's figures on one side. */
struct side_site {
	struct report_amounts amounts;
	uint64_t maps; /* calls that mapped bytes there */
	bool seen;
};

/* One trace, its processes added up. */
struct side {
	const char *path;
	char *program; /* of its first process; NULL: none */
	bool cut;      /* the trace is cut short */
	uint64_t processes;
	uint64_t calls[SYSDECODE_NKINDS];
	struct report_amounts total;
	struct report_amounts kinds[ASPACE_KIND_COUNT];
	/* The runtime heap's parts (report->parts), by the runtime's and the part's names. */
	struct side_part {
		const char *runtime; /* static: the table of runtimes' */
		const char *part;
		struct report_amounts amounts;
	} parts[REPORT_MAX_PARTS];
	size_t nparts;
	struct side_site *sites; /* by name id in the diff's names */
	size_t nsites;
};

struct diff {
	struct strtab *names; /* site names, shared by both sides */
	struct side sides[2];
	struct side *adding;
	struct change *changes; /* the sites that changed, largest change first */
	size_t nchanges;
};

/* A site that changed, for sorting. */
struct change {
	uint32_t name;
	const struct side_site *a; /* NULL: only in b */
	const struct side_site *b; /* NULL: only in a */
};

/* The part of runtime named part on side, or NULL. */
static const struct side_part *find_part(const struct side *side, const char *runtime,
					 const char *part)
{
	for (size_t i = 0; i < side->nparts; i++)
		if (strcmp(side->parts[i].runtime, runtime) == 0 &&
		    strcmp(side->parts[i].part, part) == 0)
			return &side->parts[i];
	return NULL;
}

/*
 * The part of runtime named part on side, added when not there yet;
 * NULL past REPORT_MAX_PARTS (not added).
 */
static struct side_part *side_part(struct side *side, const char *runtime, const char *part)
{
	const struct side_part *found = find_part(side, runtime, part);

	if (found)
		return &side->parts[found - side->parts];
	if (side->nparts == ARRAY_SIZE(side->parts))
		return NULL;
	side->parts[side->nparts] = (struct side_part){ .runtime = runtime, .part = part };
	return &side->parts[side->nparts++];
}

static void add_process(void *arg, const struct report_input *in, struct report *rep)
{
	struct diff *diff = arg;
	struct side *side = diff->adding;

	side->processes++;
	for (int kind = 0; kind < SYSDECODE_NKINDS; kind++)
		side->calls[kind] += in->proc->calls[kind];
	/* A process memtrace could not follow: its calls, nothing more. */
	if (!rep)
		return;
	report_amounts_add(&side->total, &rep->total);
	for (int kind = 0; kind < ASPACE_KIND_COUNT; kind++)
		report_amounts_add(&side->kinds[kind], &rep->kinds[kind]);
	for (size_t i = 0; i < rep->nparts; i++) {
		const struct report_part *part = &rep->parts[i];
		struct side_part *to;

		if (!part->rule || !part->runtime)
			continue;
		to = side_part(side, part->runtime->name, part->rule->part);
		if (to)
			report_amounts_add(&to->amounts, &part->amounts);
	}
	for (size_t i = 0; i < rep->nsites; i++) {
		const char *text = strtab_get(rep->texts, rep->sites[i].text);
		uint32_t name = strtab_intern(diff->names, text, strlen(text));
		struct side_site *site;

		if (name >= side->nsites) {
			size_t old = side->nsites;

			xgrowarray((void **)&side->sites, &side->nsites, (size_t)name + 1,
				   sizeof(*side->sites));
			memset(side->sites + old, 0, (side->nsites - old) * sizeof(*side->sites));
		}
		site = &side->sites[name];
		site->seen = true;
		report_amounts_add(&site->amounts, &rep->sites[i].amounts);
		site->maps += rep->sites[i].churn.maps;
	}
}

/* What a change has on the side where its site is not. */
static const struct side_site no_site;

/* The side of change c: a (0) or b (1), no_site where the site is not. */
static const struct side_site *side_of(const struct change *c, int side)
{
	const struct side_site *site = side ? c->b : c->a;

	return site ? site : &no_site;
}

static const struct side_site *site_on(const struct side *side, uint32_t name)
{
	return name < side->nsites && side->sites[name].seen ? &side->sites[name] : NULL;
}

static int64_t delta(uint64_t a, uint64_t b)
{
	return (int64_t)(b - a);
}

static bool resident_changed(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a, most = a > b ? a : b;

	return d > RESIDENT_NOISE && d * 10 > most;
}

static bool amounts_changed(const struct report_amounts *a, const struct report_amounts *b)
{
	return a->regions != b->regions || a->reserved != b->reserved ||
	       a->committed != b->committed || resident_changed(a->resident, b->resident);
}

static bool site_changed(const struct change *c)
{
	const struct side_site *a = side_of(c, 0), *b = side_of(c, 1);

	return !c->a || !c->b || amounts_changed(&a->amounts, &b->amounts) || a->maps != b->maps;
}

static uint64_t magnitude(const struct change *c)
{
	const struct side_site *a = side_of(c, 0), *b = side_of(c, 1);
	int64_t size = delta(a->amounts.reserved + a->amounts.committed,
			     b->amounts.reserved + b->amounts.committed);

	return (uint64_t)(size < 0 ? -size : size);
}

static int by_magnitude(const void *x, const void *y)
{
	const struct change *a = x, *b = y;
	uint64_t ma = magnitude(a), mb = magnitude(b);

	if (ma != mb)
		return ma > mb ? -1 : 1;
	return a->name < b->name ? -1 : a->name > b->name;
}

/* "+64 MiB", "-1.5 MiB", "0". */
static const char *signed_size(char *buf, size_t size, int64_t bytes)
{
	if (!bytes) {
		(void)snprintf(buf, size, "0");
		return buf;
	}
	buf[0] = bytes < 0 ? '-' : '+';
	(void)units_format_bytes(buf + 1, size - 1, bytes < 0 ? (uint64_t)-bytes : (uint64_t)bytes);
	return buf;
}

#define SSZ(bytes) signed_size((char[32]){ 0 }, 32, (bytes))

/* The figures of a row: "  LABEL  regions  reserved  committed  resident". */
#define DELTA_ROW_COLUMNS 63

static void print_delta_row(FILE *out, const char *label, const struct report_amounts *a,
			    const struct report_amounts *b)
{
	(void)fprintf(out, "  %-16s %+8lld %11s %11s %11s", label,
		      (long long)delta(a->regions, b->regions),
		      SSZ(delta(a->reserved, b->reserved)), SSZ(delta(a->committed, b->committed)),
		      SSZ(delta(a->resident, b->resident)));
}

/* The same part on the other side, or none (all zero). */
static struct report_amounts other_part(const struct side *side, const struct side_part *part)
{
	const struct side_part *found = find_part(side, part->runtime, part->part);

	return found ? found->amounts : (struct report_amounts){ 0 };
}

/* A part of the runtime heap that changed: its name, and its amounts on each side. */
struct part_change {
	const struct side_part *part;
	struct report_amounts was, is;
};

/*
 * The parts of the runtime heap that changed, into changes (room for
 * both sides' parts): those of the first side, then those only the
 * second has.  Returns their number.
 */
static size_t changed_parts(const struct diff *diff, struct part_change *changes)
{
	const struct side *a = &diff->sides[0], *b = &diff->sides[1];
	const struct report_amounts none = { 0 };
	size_t n = 0;

	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < diff->sides[s].nparts; i++) {
			const struct side_part *part = &diff->sides[s].parts[i];
			struct part_change c = { part, other_part(a, part), other_part(b, part) };

			/* One the first side has too was counted with it. */
			if ((s == 1 && amounts_changed(&c.was, &none)) ||
			    !amounts_changed(&c.was, &c.is))
				continue;
			changes[n++] = c;
		}
	}
	return n;
}

/* Under the runtime heap's row, a row for each part of it that changed ("    java heap"). */
static void print_part_rows(FILE *out, const struct diff *diff)
{
	struct part_change changes[2 * REPORT_MAX_PARTS];
	size_t n = changed_parts(diff, changes);
	char label[40];

	for (size_t i = 0; i < n; i++) {
		(void)snprintf(label, sizeof(label), "  %s", changes[i].part->part);
		print_delta_row(out, label, &changes[i].was, &changes[i].is);
		(void)fprintf(out, "   %s\n", changes[i].part->runtime);
	}
}

/* The sites that changed, largest change first, into diff->changes: once both sides are read. */
static void find_changes(struct diff *diff)
{
	size_t names = diff->sides[0].nsites > diff->sides[1].nsites ? diff->sides[0].nsites
								     : diff->sides[1].nsites;
	struct change *changes = xcalloc(names + 1, sizeof(*changes));
	size_t n = 0;

	for (uint32_t name = 0; name < names; name++) {
		struct change c = { .name = name,
				    .a = site_on(&diff->sides[0], name),
				    .b = site_on(&diff->sides[1], name) };

		if ((c.a || c.b) && site_changed(&c))
			changes[n++] = c;
	}
	qsort(changes, n, sizeof(*changes), by_magnitude);
	diff->changes = changes;
	diff->nchanges = n;
}

/* Whether a call count of some kind differs. */
static bool calls_differ(const struct diff *diff)
{
	for (int kind = 0; kind < SYSDECODE_NKINDS; kind++)
		if (diff->sides[0].calls[kind] != diff->sides[1].calls[kind])
			return true;
	return false;
}

/* Whether a kind's figures differ beyond the noise. */
static bool kinds_differ(const struct diff *diff)
{
	for (int kind = 0; kind < ASPACE_KIND_COUNT; kind++)
		if (amounts_changed(&diff->sides[0].kinds[kind], &diff->sides[1].kinds[kind]))
			return true;
	return false;
}

bool diff_differ(const struct diff *diff)
{
	return diff->nchanges || calls_differ(diff) || kinds_differ(diff);
}

static void print_text(FILE *out, const struct diff *diff, const struct diff_options *opts)
{
	const struct side *a = &diff->sides[0], *b = &diff->sides[1];
	const struct change *changes = diff->changes;
	size_t n = diff->nchanges, shown_kinds = 0;
	size_t site_col = text_site_column(opts->width, DELTA_ROW_COLUMNS);
	struct textfit_sites *fit = textfit_sites_new(opts->utf8);
	struct text_line line;
	FILE *mem = text_line_begin(&line);

	(void)fprintf(mem, "memtrace diff: %s (%llu process%s) -> %s (%llu process%s)", a->path,
		      (unsigned long long)a->processes, a->processes == 1 ? "" : "es", b->path,
		      (unsigned long long)b->processes, b->processes == 1 ? "" : "es");
	text_line_end(&line, out, opts->width, TEXT_INDENT);
	if (calls_differ(diff)) {
		const char *sep = "";

		mem = text_line_begin(&line);
		(void)fputs("  calls:", mem);
		for (int kind = 1; kind < SYSDECODE_NKINDS; kind++) {
			if (a->calls[kind] == b->calls[kind])
				continue;
			(void)fprintf(mem, "%s %s %llu -> %llu", sep, sysdecode_kind_name(kind),
				      (unsigned long long)a->calls[kind],
				      (unsigned long long)b->calls[kind]);
			sep = ",";
		}
		text_line_end(&line, out, opts->width, TEXT_INDENT);
	}
	for (int kind = 0; kind < ASPACE_KIND_COUNT; kind++) {
		if (!amounts_changed(&a->kinds[kind], &b->kinds[kind]))
			continue;
		if (!shown_kinds++)
			(void)fprintf(out, "\n  %-16s %8s %11s %11s %11s\n", "by kind", "regions",
				      "reserved", "committed", "resident");
		print_delta_row(out, aspace_kind_name((enum aspace_kind)kind), &a->kinds[kind],
				&b->kinds[kind]);
		(void)fputc('\n', out);
		if (kind == ASPACE_KIND_RUNTIME_HEAP)
			print_part_rows(out, diff);
	}
	if (shown_kinds) {
		print_delta_row(out, "total", &a->total, &b->total);
		(void)fputc('\n', out);
	}
	/* Every site shown, at once: no two print the same text. */
	for (size_t i = 0; i < n && i < opts->top; i++)
		textfit_sites_add(fit, strtab_get(diff->names, changes[i].name),
				  text_site_room(opts->width, site_col));
	if (n) {
		(void)fprintf(out, "\n  %-16s %8s %11s %11s %11s%s\n", "by site", "regions",
			      "reserved", "committed", "resident",
			      site_col == DELTA_ROW_COLUMNS + 2 ? "  site" : "");
		for (size_t i = 0; i < n && i < opts->top; i++) {
			const struct change *c = &changes[i];
			const char *label = !c->a ? "added" : !c->b ? "removed" : "";

			print_delta_row(out, label, &side_of(c, 0)->amounts,
					&side_of(c, 1)->amounts);
			text_row_site(out,
				      textfit_sites_get(fit, strtab_get(diff->names, c->name),
							text_site_room(opts->width, site_col)),
				      opts->width, DELTA_ROW_COLUMNS);
		}
		if (n > opts->top) {
			mem = text_line_begin(&line);
			(void)fprintf(mem, "  %zu more sites changed (--top to see them)",
				      n - opts->top);
			text_line_end(&line, out, opts->width, TEXT_INDENT);
		}
	}
	if (!calls_differ(diff) && !shown_kinds && !n)
		(void)fputs("  no difference\n", out);
	textfit_sites_free(fit);
}

static void json_amounts(struct jsonw *w, const char *key, const struct report_amounts *a,
			 uint64_t maps)
{
	jsonw_object(w, key);
	jsonw_u64(w, "regions", a->regions);
	jsonw_u64(w, "reserved", a->reserved);
	jsonw_u64(w, "committed", a->committed);
	jsonw_u64(w, "resident", a->resident);
	jsonw_u64(w, "maps", maps);
	jsonw_end_object(w);
}

/* Returns 0, or -errno when it could not all be written. */
static int print_json(FILE *out, const struct diff *diff)
{
	const struct side *a = &diff->sides[0], *b = &diff->sides[1];
	const struct change *changes = diff->changes;
	size_t n = diff->nchanges, nparts;
	struct part_change parts[2 * REPORT_MAX_PARTS];
	struct jsonw *w;
	int err;

	(void)fflush(out);
	w = jsonw_new(fileno(out));
	jsonw_begin(w);
	jsonw_str(w, "type", "diff");
	jsonw_str(w, "a", a->path);
	jsonw_str(w, "b", b->path);
	jsonw_object(w, "calls");
	for (int kind = 1; kind < SYSDECODE_NKINDS; kind++) {
		if (a->calls[kind] == b->calls[kind])
			continue;
		jsonw_array(w, sysdecode_kind_name(kind));
		jsonw_u64(w, NULL, a->calls[kind]);
		jsonw_u64(w, NULL, b->calls[kind]);
		jsonw_end_array(w);
	}
	jsonw_end_object(w);
	jsonw_array(w, "kinds");
	for (int kind = 0; kind < ASPACE_KIND_COUNT; kind++) {
		if (!amounts_changed(&a->kinds[kind], &b->kinds[kind]))
			continue;
		jsonw_object(w, NULL);
		jsonw_str(w, "kind", aspace_kind_name((enum aspace_kind)kind));
		json_amounts(w, "a", &a->kinds[kind], 0);
		json_amounts(w, "b", &b->kinds[kind], 0);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_array(w, "parts");
	nparts = changed_parts(diff, parts);
	for (size_t i = 0; i < nparts; i++) {
		jsonw_object(w, NULL);
		jsonw_str(w, "runtime", parts[i].part->runtime);
		jsonw_str(w, "part", parts[i].part->part);
		json_amounts(w, "a", &parts[i].was, 0);
		json_amounts(w, "b", &parts[i].is, 0);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_array(w, "sites");
	for (size_t i = 0; i < n; i++) {
		const struct change *c = &changes[i];

		jsonw_object(w, NULL);
		jsonw_str(w, "site", strtab_get(diff->names, c->name));
		jsonw_str(w, "status", !c->a ? "added" : !c->b ? "removed" : "changed");
		json_amounts(w, "a", &side_of(c, 0)->amounts, side_of(c, 0)->maps);
		json_amounts(w, "b", &side_of(c, 1)->amounts, side_of(c, 1)->maps);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_bool(w, "equal", !diff_differ(diff));
	jsonw_end(w);
	err = jsonw_finish(w);
	jsonw_free(w);
	return err;
}

/*
 * Warns of what makes the comparison doubtful: two different programs,
 * a trace without its end.
 */
static void warn_of(const struct diff *diff, struct msgs *msgs)
{
	const struct side *a = &diff->sides[0], *b = &diff->sides[1];

	/* Without their directories: the same program may live elsewhere. */
	if (a->program && b->program && strcmp(base_name(a->program), base_name(b->program)) != 0)
		msgs_warn(msgs, "diff: %s traces %s, %s traces %s: two different programs", a->path,
			  a->program, b->path, b->program);
	for (int i = 0; i < 2; i++)
		if (diff->sides[i].cut)
			msgs_warn(msgs, "diff: %s is cut short: compared as far as it goes",
				  diff->sides[i].path);
}

/*
 * Reads the trace at path into side, then lets it go: one trace in
 * memory at a time.  Returns 0, or -errno with msgs->error set.
 */
static int add_side(struct diff *diff, struct side *side, const char *path, struct html *page,
		    const struct report_options *opts, struct msgs *msgs)
{
	struct trace *trace;
	const char *program;
	int ret = traceread_open(path, 0, page != NULL, &trace, msgs);

	if (ret)
		return ret;
	diff->adding = side;
	traceread_each(trace, add_process, diff);
	if (page)
		traceread_html(trace, page, side->path, opts);
	program = traceread_program(trace);
	side->program = program ? xstrdup(program) : NULL;
	side->cut = traceread_cut_short(trace);
	traceread_free(trace);
	return 0;
}

int diff_open(const char *a, const char *b, struct html *page, const struct report_options *opts,
	      struct diff **result, struct msgs *msgs)
{
	struct diff *diff = xcalloc(1, sizeof(*diff));
	const char *paths[2] = { a, b };
	int ret = 0;

	diff->names = strtab_new();
	for (int i = 0; i < 2 && !ret; i++) {
		diff->sides[i].path = traceread_name(paths[i]);
		ret = add_side(diff, &diff->sides[i], paths[i], page, opts, msgs);
	}
	if (ret) {
		diff_free(diff);
		return ret;
	}
	warn_of(diff, msgs);
	find_changes(diff);
	*result = diff;
	return 0;
}

int diff_print(const struct diff *diff, FILE *out, const struct diff_options *opts)
{
	if (opts->json)
		return print_json(out, diff);
	print_text(out, diff, opts);
	return 0;
}

void diff_free(struct diff *diff)
{
	if (!diff)
		return;
	for (int i = 0; i < 2; i++) {
		free(diff->sides[i].sites);
		free(diff->sides[i].program);
	}
	free(diff->changes);
	strtab_free(diff->names);
	free(diff);
}
