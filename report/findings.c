/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The report's findings: see findings.h and docs/report.md. */
#include "findings.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/runtime.h"
#include "../tracer/util.h"
#include "text.h"
#include "textfit.h"
#include "units.h"

/*
 * An entry of the table: a kind of finding.  detect() adds the findings
 * of its kind with findings_add(), their figures as the entry reads them;
 * print() writes one as text.  The trace keeps the figures of each alike
 * (json_figures()).
 */
struct findings_entry {
	const char *name; /* in the trace's findings lines */
	void (*detect)(struct report *rep, const struct report_input *in,
		       const struct findings_entry *self);
	void (*print)(const struct findings_out *out, const struct report_finding *f);
};

/*
 * Adds a finding of kind to rep and returns it; silently not past
 * REPORT_MAX_FINDINGS (NULL).
 */
static struct report_finding *findings_add(struct report *rep, const struct findings_entry *kind,
					   uint64_t count, uint64_t bytes, uint64_t other,
					   size_t site)
{
	if (rep->nfindings == REPORT_MAX_FINDINGS)
		return NULL;
	rep->findings[rep->nfindings] = (struct report_finding){
		.kind = kind, .count = count, .bytes = bytes, .other = other, .site = site
	};
	return &rep->findings[rep->nfindings++];
}

/* A figure of a site, for site_with_most(). */
typedef uint64_t site_figure_fn(const struct report_site *site);

/* The site with the most of a figure, or SIZE_MAX when none has any. */
static size_t site_with_most(const struct report *rep, site_figure_fn *figure)
{
	size_t best = SIZE_MAX;
	uint64_t most = 0;

	for (size_t i = 0; i < rep->nsites; i++) {
		uint64_t value = figure(&rep->sites[i]);

		if (value > most) {
			most = value;
			best = i;
		}
	}
	return best;
}

/*
 * One paragraph of a finding, after "  ! " (first: its first line) or
 * "    ": its lines as they are written ("\n" starts another, indented
 * by 4) when each fits width, else run together and wrapped to it.
 */
static void ATTRIBUTE_FORMAT(3, 4)
	finding_text(const struct findings_out *out, bool first, const char *fmt, ...)
{
	size_t indent = strlen("    "), width = out->width;
	bool fits = true;
	char *text, *wrapped;
	va_list args;

	va_start(args, fmt);
	if (vasprintf(&text, fmt, args) < 0 || !text)
		die("out of memory");
	va_end(args);
	for (const char *line = text, *nl = text; width && fits && nl; line = nl + 1) {
		nl = strchr(line, '\n');
		fits = indent + textfit_columns(line, nl ? (size_t)(nl - line) : strlen(line)) <=
		       width;
	}
	(void)fputs(first ? "  ! " : "    ", out->out);
	if (fits) {
		for (char *line = text; *line; line++) {
			(void)fputc(*line, out->out);
			if (*line == '\n')
				(void)fputs("    ", out->out);
		}
	} else {
		for (char *nl = strchr(text, '\n'); nl; nl = strchr(nl, '\n'))
			*nl = ' ';
		wrapped = textfit_wrap(text, width, indent, indent, NULL);
		(void)fputs(wrapped, out->out);
		free(wrapped);
	}
	(void)fputc('\n', out->out);
	free(text);
}

/* "    VERB SITE\n": the site of a finding on a line of its own, when it has one. */
static void finding_site(const struct findings_out *out, const char *verb)
{
	if (!out->site)
		return;
	(void)fprintf(out->out, "    %s", verb);
	(void)text_put_site(out->out, out->site, true, out->width, TEXT_INDENT + strlen(verb),
			    TEXT_INDENT);
	(void)fputc('\n', out->out);
}

/* The figures every finding has, and its site's name. */
static void json_figures(struct jsonw *w, const struct report *rep, const struct report_finding *f)
{
	jsonw_u64(w, "count", f->count);
	jsonw_u64(w, "bytes", f->bytes);
	jsonw_u64(w, "other", f->other);
	if (f->site != SIZE_MAX)
		jsonw_str(w, "site", strtab_get(rep->texts, rep->sites[f->site].text));
	if (f->runtime)
		jsonw_str(w, "runtime", f->runtime->name);
	if (f->part)
		jsonw_str(w, "part", f->part->part);
}

/*
 * malloc arenas: count arenas, bytes their reservations, other what they
 * commit; the site that made the most.  A program has one arena per
 * thread that mallocs, up to 8 per core.
 */
#define ARENAS_MIN 2

static uint64_t site_arena_bytes(const struct report_site *site)
{
	return site->arena_bytes;
}

static void detect_arenas(struct report *rep, const struct report_input *in,
			  const struct findings_entry *self)
{
	const struct report_amounts *arena = &rep->kinds[ASPACE_KIND_ARENA];

	(void)in;
	if (rep->arenas >= ARENAS_MIN)
		findings_add(rep, self, rep->arenas, arena->reserved + arena->committed,
			     arena->committed, site_with_most(rep, site_arena_bytes));
}

/* Each arena is a whole window (runtime.h), so that its bytes are the window's size. */
static void print_arenas(const struct findings_out *out, const struct report_finding *f)
{
	finding_text(out, true,
		     "%llu glibc malloc arenas hold %s of address space (%s each) and commit "
		     "%s of it:",
		     (unsigned long long)f->count, UNITS_SZ(f->bytes),
		     UNITS_SZ(f->bytes / f->count), UNITS_SZ(f->other));
	finding_text(out, false,
		     "glibc gives each thread that calls malloc an arena of its own, up "
		     "to 8 per core.\n"
		     "Cap them with MALLOC_ARENA_MAX=2 in the environment, or "
		     "mallopt(M_ARENA_MAX, 2).");
	finding_site(out, "made by");
}

/*
 * Stacks of exited threads: count the stacks, bytes theirs, other how
 * many at least were never joined (those the thread library's cache of
 * joined threads' stacks cannot hold: runtime_stack_cache_bytes()); the
 * site that created the most.
 */

static uint64_t site_exited_stack_bytes(const struct report_site *site)
{
	return site->exited_stack_bytes;
}

static void detect_exited_stacks(struct report *rep, const struct report_input *in,
				 const struct findings_entry *self)
{
	uint64_t cache = runtime_stack_cache_bytes();
	uint64_t each, cached;

	(void)in;
	if (rep->threads_exited < 2 || rep->exited_stack_bytes <= cache)
		return;
	/* The cache holds whole stacks while they fit: the most it can hold of these. */
	each = rep->exited_stack_bytes / rep->threads_exited;
	cached = cache / (each + ASPACE_PAGE_SIZE);
	findings_add(rep, self, rep->threads_exited, rep->exited_stack_bytes,
		     rep->threads_exited > cached ? rep->threads_exited - cached : 0,
		     site_with_most(rep, site_exited_stack_bytes));
}

/*
 * "named worker-* (24), pool-1-thread-* (3)": the names of the most
 * threads of the stacks counted (exited ones, or live ones), at most 3,
 * as a paragraph; nothing when none is named.
 */
static void finding_thread_names(const struct findings_out *out, bool exited)
{
	const struct report *rep = out->rep;
	bool shown[REPORT_MAX_THREAD_NAMES] = { false };
	char text[160] = "";
	size_t used = 0;

	for (int n = 0; n < 3; n++) {
		size_t best = SIZE_MAX;
		uint64_t most = 0;

		for (size_t i = 0; i < rep->nthread_names; i++) {
			const struct report_thread_name *t = &rep->thread_names[i];
			uint64_t count = exited ? t->exited : t->alive;

			if (!shown[i] && count > most) {
				most = count;
				best = i;
			}
		}
		if (best == SIZE_MAX)
			break;
		shown[best] = true;
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s (%llu)",
					 n ? ", " : "", rep->thread_names[best].name,
					 (unsigned long long)most);
		if (used >= sizeof(text))
			break;
	}
	if (text[0])
		finding_text(out, false, "named %s", text);
}

static void print_exited_stacks(const struct findings_out *out, const struct report_finding *f)
{
	finding_text(out, true, "%llu threads have exited but their stacks (%s) are still mapped:",
		     (unsigned long long)f->count, UNITS_SZ(f->bytes));
	finding_text(out, false,
		     "glibc keeps only %s of joined threads' stacks for reuse, so at "
		     "least %llu were never joined.\n"
		     "pthread_join() them, or create them detached (pthread_detach).",
		     UNITS_SZ(runtime_stack_cache_bytes()), (unsigned long long)f->other);
	finding_thread_names(out, true);
	finding_site(out, "created by");
}

/* Many live threads: count them, bytes their stacks; the site that created the most. */
#define THREADS_MANY 256

static uint64_t site_stacks_alive(const struct report_site *site)
{
	return site->stacks_alive;
}

static void detect_many_threads(struct report *rep, const struct report_input *in,
				const struct findings_entry *self)
{
	const struct report_amounts *stacks = &rep->kinds[ASPACE_KIND_THREAD_STACK];

	(void)in;
	if (rep->threads_alive >= THREADS_MANY)
		findings_add(rep, self, rep->threads_alive, stacks->reserved + stacks->committed, 0,
			     site_with_most(rep, site_stacks_alive));
}

static void print_many_threads(const struct findings_out *out, const struct report_finding *f)
{
	finding_text(out, true, "%llu threads are alive, their stacks holding %s.",
		     (unsigned long long)f->count, UNITS_SZ(f->bytes));
	finding_text(out, false,
		     "If their number keeps growing, their creator starts threads "
		     "without bound: use a pool.");
	finding_thread_names(out, false);
	finding_site(out, "created by");
}

/*
 * Map/unmap churn: count the short-lived mappings of the site with the
 * most, bytes theirs.  Some mmap/munmap pairs are a program's normal life.
 */
#define CHURN_PAIRS_MIN 100

static uint64_t site_short_pairs(const struct report_site *site)
{
	return site->churn.short_pairs;
}

static void detect_churn(struct report *rep, const struct report_input *in,
			 const struct findings_entry *self)
{
	size_t site = site_with_most(rep, site_short_pairs);

	(void)in;
	if (site != SIZE_MAX && rep->sites[site].churn.short_pairs >= CHURN_PAIRS_MIN)
		findings_add(rep, self, rep->sites[site].churn.short_pairs,
			     rep->sites[site].churn.short_bytes, 0, site);
}

static void print_churn(const struct findings_out *out, const struct report_finding *f)
{
	finding_text(out, true, "%llu mappings (%s in all) were unmapped within %s of being made:",
		     (unsigned long long)f->count, UNITS_SZ(f->bytes),
		     units_ms((char[32]){ 0 }, 32, out->churn_ns));
	finding_text(out, false,
		     "each pair costs two system calls and page faults.  Keep the "
		     "memory (a pool), or make\n"
		     "the allocator keep it: glibc M_MMAP_THRESHOLD "
		     "(MALLOC_MMAP_THRESHOLD_), jemalloc dirty_decay_ms.");
	finding_site(out, "mapped by");
}

/*
 * A pinned brk heap: count free chunks below the top, bytes theirs,
 * other the heap's size (from the heap walk, tracer/mallocheap.h); when
 * they are 1 MiB or more, and half the heap or more.
 */
#define HEAP_PINNED_MIN (1ULL << 20)

static void detect_heap_pinned(struct report *rep, const struct report_input *in,
			       const struct findings_entry *self)
{
	if (in->heap && in->heap->free_bytes >= HEAP_PINNED_MIN &&
	    in->heap->free_bytes * 2 >= in->heap->size)
		findings_add(rep, self, in->heap->free_chunks, in->heap->free_bytes, in->heap->size,
			     SIZE_MAX);
}

static void print_heap_pinned(const struct findings_out *out, const struct report_finding *f)
{
	const struct mallocheap_info *heap = out->in->heap;

	finding_text(out, true,
		     "the brk heap is %s (peak %s), %s of it in %llu free chunk%s below a "
		     "block in use\n"
		     "at its top (%#llx, %s): malloc shrinks the heap only from the top.  "
		     "malloc_trim(0)\n"
		     "gives the free pages back; M_MMAP_THRESHOLD keeps large blocks out "
		     "of the heap.",
		     UNITS_SZ(f->other), UNITS_SZ(out->rep->sizes.heap_peak), UNITS_SZ(f->bytes),
		     (unsigned long long)f->count, f->count == 1 ? "" : "s",
		     (unsigned long long)(heap ? heap->last_used_addr : 0),
		     UNITS_SZ(heap ? heap->last_used_size : 0));
}

/*
 * Reservations never committed: count the regions of a site that holds
 * only PROT_NONE bytes and never re-protected them, bytes theirs; one
 * finding per such site.
 */
#define NEVER_COMMITTED_MIN (256ULL << 20)

/* What a part of a runtime's memory keeps reserved for runtime_reserved (below). */
#define RUNTIME_RESERVED_MIN NEVER_COMMITTED_MIN

/* Whether part, of runtime rt, keeps enough reserved for runtime_reserved. */
static bool part_reserves(const struct report_part *part, const struct runtime_desc *rt)
{
	return part->runtime == rt && part->rule && part->amounts.reserved >= RUNTIME_RESERVED_MIN;
}

/* Whether site made a part of runtime rt that keeps enough reserved for runtime_reserved. */
static bool site_reserves(const struct report *rep, const struct report_site *site,
			  const struct runtime_desc *rt)
{
	if (!site->part || site->part_runtime != rt)
		return false;
	for (size_t k = 0; k < rep->nparts; k++)
		if (part_reserves(&rep->parts[k], rt) &&
		    strcmp(rep->parts[k].rule->part, site->part->part) == 0)
			return true;
	return false;
}

/* What reserved address space costs, as the reservations' findings say. */
static const char reserved_costs[] = "it costs address space (VSZ), not memory; it matters only "
				     "under ulimit -v or strict overcommit.";

static void detect_never_committed(struct report *rep, const struct report_input *in,
				   const struct findings_entry *self)
{
	(void)in;
	for (size_t i = 0; i < rep->nsites; i++) {
		const struct report_site *site = &rep->sites[i];

		/* What runtime_reserved says of, it says alone. */
		if (site_reserves(rep, site, site->part_runtime))
			continue;
		if (site->never_committed && site->amounts.reserved >= NEVER_COMMITTED_MIN)
			findings_add(rep, self, site->amounts.regions, site->amounts.reserved, 0,
				     i);
	}
}

static void print_never_committed(const struct findings_out *out, const struct report_finding *f)
{
	finding_text(out, true, "%s reserved PROT_NONE (%llu region%s), never made accessible:",
		     UNITS_SZ(f->bytes), (unsigned long long)f->count, f->count == 1 ? "" : "s");
	finding_text(out, false, "%s", reserved_costs);
	finding_site(out, "reserved by");
}

/*
 * An allocator or a runtime that commits far more private anonymous
 * memory than is resident (one with advice: runtime.h, commit_advice),
 * 64 MiB or its commit_min at least: count its regions, bytes what they
 * commit, other what of it is resident; the site of it that commits the
 * most.  One finding per runtime; none without resident figures (a trace
 * without them).
 */
#define RUNTIME_COMMITTED_MIN (64ULL << 20)
#define RUNTIME_RESIDENT_RATIO 4 /* committed at least 4 times the resident */

static void detect_runtime_committed(struct report *rep, const struct report_input *in,
				     const struct findings_entry *self)
{
	struct {
		const struct runtime_desc *runtime;
		struct report_amounts sum;
		size_t most; /* its site that commits the most */
	} of[ASPACE_RUNTIMES_MAX];
	size_t n = 0;

	(void)in;
	for (size_t i = 0; i < rep->nsites && rep->have_usage; i++) {
		const struct runtime_desc *rt = rep->sites[i].runtime;
		const struct report_amounts *a = &rep->sites[i].anon;
		size_t k = 0;

		if (!rt || !rt->commit_advice)
			continue;
		while (k < n && of[k].runtime != rt)
			k++;
		if (k == n) {
			if (n == ARRAY_SIZE(of))
				continue;
			of[n++] = (typeof(of[0])){ .runtime = rt, .most = i };
		}
		of[k].sum.regions += a->regions;
		of[k].sum.committed += a->committed;
		of[k].sum.resident += a->resident;
		if (a->committed > rep->sites[of[k].most].anon.committed)
			of[k].most = i;
	}
	for (size_t k = 0; k < n; k++) {
		const struct report_amounts *sum = &of[k].sum;
		uint64_t least = of[k].runtime->commit_min ? of[k].runtime->commit_min
							   : RUNTIME_COMMITTED_MIN;
		struct report_finding *f;

		if (sum->committed < least ||
		    sum->resident * RUNTIME_RESIDENT_RATIO > sum->committed)
			continue;
		f = findings_add(rep, self, sum->regions, sum->committed, sum->resident,
				 of[k].most);
		if (f)
			f->runtime = of[k].runtime;
	}
}

static void print_runtime_committed(const struct findings_out *out, const struct report_finding *f)
{
	finding_text(out, true,
		     "%s keeps %s committed in %llu region%s, %s of it resident:", f->runtime->name,
		     UNITS_SZ(f->bytes), (unsigned long long)f->count, f->count == 1 ? "" : "s",
		     UNITS_SZ(f->other));
	finding_text(out, false,
		     "the rest is address space, not memory: it counts in VSZ and in the "
		     "kernel's commit charge (vm.overcommit_memory=2, ulimit -v).\n%s",
		     f->runtime->commit_advice);
	finding_site(out, "most by");
}

/*
 * Parts of a runtime's memory that its rules name (the JVM's class space,
 * V8's code range: report->parts), each keeping 256 MiB or more reserved,
 * not committed: one finding per runtime, count those parts, bytes what
 * they keep reserved, other what they commit; the site of them that
 * reserved the most.
 */
static void detect_runtime_reserved(struct report *rep, const struct report_input *in,
				    const struct findings_entry *self)
{
	(void)in;
	for (size_t k = 0; k < rep->nparts; k++) {
		const struct runtime_desc *rt = rep->parts[k].runtime;
		struct report_amounts sum = { 0 };
		size_t most = SIZE_MAX, first = SIZE_MAX;
		struct report_finding *f;

		for (size_t p = 0; p < rep->nparts; p++) {
			if (!part_reserves(&rep->parts[p], rt))
				continue;
			if (first == SIZE_MAX)
				first = p;
			sum.regions++;
			sum.reserved += rep->parts[p].amounts.reserved;
			sum.committed += rep->parts[p].amounts.committed;
		}
		/* Once per runtime: at its first part that reserves enough. */
		if (first != k)
			continue;
		for (size_t i = 0; i < rep->nsites; i++)
			if (site_reserves(rep, &rep->sites[i], rt) &&
			    (most == SIZE_MAX ||
			     rep->sites[i].amounts.reserved > rep->sites[most].amounts.reserved))
				most = i;
		f = findings_add(rep, self, sum.regions, sum.reserved, sum.committed, most);
		if (f) {
			f->runtime = rt;
			f->part = rep->parts[k].rule;
		}
	}
}

static void print_runtime_reserved(const struct findings_out *out, const struct report_finding *f)
{
	const struct report *rep = out->rep;
	char parts[256] = "", knobs[512] = "";
	size_t used = 0, said = 0;

	for (size_t p = 0; p < rep->nparts; p++) {
		const struct report_part *part = &rep->parts[p];

		if (!part_reserves(part, f->runtime))
			continue;
		if (used < sizeof(parts))
			used += (size_t)snprintf(parts + used, sizeof(parts) - used, "%s%s %s",
						 used ? ", " : "", part->rule->part,
						 UNITS_SZ(part->amounts.reserved));
		if (part->rule->knob && said < sizeof(knobs))
			said += (size_t)snprintf(knobs + said, sizeof(knobs) - said, "%s%s: %s",
						 said ? " " : "", part->rule->part,
						 part->rule->knob);
	}
	finding_text(out, true,
		     "%s keeps %s of address space reserved, not committed (%s):", f->runtime->name,
		     UNITS_SZ(f->bytes), parts);
	finding_text(out, false, "%s%s%s", reserved_costs, knobs[0] ? "\n" : "", knobs);
	finding_site(out, "most by");
}

/*
 * Mappings of deleted files (not memfd, SysV): count them, bytes theirs,
 * other their resident bytes.
 */
#define DELETED_MIN (1ULL << 20)

static void detect_deleted_files(struct report *rep, const struct report_input *in,
				 const struct findings_entry *self)
{
	(void)in;
	if (rep->deleted_bytes >= DELETED_MIN)
		findings_add(rep, self, rep->deleted_regions, rep->deleted_bytes, rep->deleted_rss,
			     SIZE_MAX);
}

static void print_deleted_files(const struct findings_out *out, const struct report_finding *f)
{
	finding_text(out, true, "%llu mapping%s of deleted files (%s, %s resident), e.g. %s:",
		     (unsigned long long)f->count, f->count == 1 ? "" : "s", UNITS_SZ(f->bytes),
		     UNITS_SZ(f->other), strtab_get(out->in->paths, out->rep->deleted_path));
	finding_text(out, false, "their disk space stays in use until they are unmapped.");
}

/* The findings, in the order they are found and printed. */
static const struct findings_entry table[] = {
	{ "arenas", detect_arenas, print_arenas },
	{ "exited_stacks", detect_exited_stacks, print_exited_stacks },
	{ "many_threads", detect_many_threads, print_many_threads },
	{ "churn", detect_churn, print_churn },
	{ "heap_pinned", detect_heap_pinned, print_heap_pinned },
	{ "never_committed", detect_never_committed, print_never_committed },
	{ "deleted_files", detect_deleted_files, print_deleted_files },
	{ "runtime_committed", detect_runtime_committed, print_runtime_committed },
	{ "runtime_reserved", detect_runtime_reserved, print_runtime_reserved },
};

void findings_detect(struct report *rep, const struct report_input *in)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		table[i].detect(rep, in, &table[i]);
}

void findings_print(const struct findings_out *out, const struct report_finding *f)
{
	f->kind->print(out, f);
}

void findings_json(struct jsonw *w, const struct report *rep, const struct report_finding *f)
{
	jsonw_object(w, NULL);
	jsonw_str(w, "kind", f->kind->name);
	json_figures(w, rep, f);
	jsonw_end_object(w);
}

const char *findings_name(const struct report_finding *f)
{
	return f->kind->name;
}
