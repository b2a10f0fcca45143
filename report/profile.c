/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The memory profile and its folded stacks: see profile.h. */
#include "profile.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/util.h"

static const char *const metric_names[PROFILE_NMETRICS] = {
	[PROFILE_REGIONS] = "regions",
	[PROFILE_RESERVED] = "reserved",
	[PROFILE_COMMITTED] = "committed",
	[PROFILE_RESIDENT] = "resident",
};

const char *profile_metric_name(enum profile_metric metric)
{
	return metric_names[metric];
}

int profile_metric_parse(const char *name, enum profile_metric *metric)
{
	for (size_t i = 0; i < PROFILE_NMETRICS; i++)
		if (!strcmp(name, metric_names[i])) {
			*metric = (enum profile_metric)i;
			return 0;
		}
	return -1;
}

struct profile {
	struct stackfmt *fmt;
	const struct stacks *stacks;
	struct modules *mods;
	const struct strtab *paths;
	struct strtab *texts; /* programs, thread names, sites */
	struct profile_sample *samples;
	size_t nsamples, samples_cap;
	struct profile_proc *procs;
	size_t nprocs, procs_cap;
	struct report_site_cache sites;
};

struct profile *profile_new(struct stackfmt *fmt, const struct stacks *stacks, struct modules *mods,
			    const struct strtab *paths)
{
	struct profile *prof = xcalloc(1, sizeof(*prof));

	prof->fmt = fmt;
	prof->stacks = stacks;
	prof->mods = mods;
	prof->paths = paths;
	prof->texts = strtab_new();
	return prof;
}

void profile_free(struct profile *prof)
{
	if (!prof)
		return;
	strtab_free(prof->texts);
	free(prof->samples);
	free(prof->procs);
	report_site_cache_free(&prof->sites);
	free(prof);
}

static uint32_t intern(struct profile *prof, const char *text)
{
	return strtab_intern(prof->texts, text, strlen(text));
}

/* Adding one process: its samples from first on, one per region until merged. */
struct adding {
	struct profile *prof;
	const struct report_input *in;
	uint32_t proc;
	size_t first;
};

static void add_region(void *arg, const struct aspace_region *region, enum aspace_kind kind,
		       const struct report_amounts *amounts)
{
	struct adding *a = arg;
	struct profile *prof = a->prof;
	struct profile_sample *s;
	pid_t tid = kind == ASPACE_KIND_THREAD_STACK && region->thread != ASPACE_THREADS
			    ? region->thread
			    : 0;
	const char *thread_name = tid ? aspace_thread_name(a->in->as, tid) : NULL;
	uint32_t site = report_site_cached(&prof->sites, prof->texts, prof->fmt, prof->stacks,
					   &region->origin);

	xgrowarray((void **)&prof->samples, &prof->samples_cap, prof->nsamples + 1,
		   sizeof(*prof->samples));
	s = &prof->samples[prof->nsamples++];
	*s = (struct profile_sample){
		.proc = a->proc,
		.stack_id = region->origin.kind == ASPACE_ORIGIN_CALL ? region->origin.stack_id : 0,
		.origin = region->origin.kind,
		.kind = kind,
		.tid = tid,
		.thread_name = thread_name ? intern(prof, thread_name) : 0,
		.site = site,
	};
	s->values[PROFILE_REGIONS] = amounts->regions;
	s->values[PROFILE_RESERVED] = amounts->reserved;
	s->values[PROFILE_COMMITTED] = amounts->committed;
	s->values[PROFILE_RESIDENT] = amounts->resident;
}

static int compare_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* The order of the samples, and which are one: process, stack, origin, kind, thread. */
static int by_key(const void *pa, const void *pb)
{
	const struct profile_sample *a = pa, *b = pb;
	int c = compare_u64(a->proc, b->proc);

	if (!c)
		c = compare_u64(a->stack_id, b->stack_id);
	if (!c)
		c = compare_u64(a->origin, b->origin);
	if (!c)
		c = compare_u64(a->kind, b->kind);
	if (!c)
		c = compare_u64((uint64_t)(int64_t)a->tid, (uint64_t)(int64_t)b->tid);
	return c;
}

void profile_add(struct profile *prof, const struct report_input *in)
{
	const char *program = in->proc->exe ? in->proc->exe : in->proc->name;
	struct adding a = { .prof = prof, .in = in, .first = prof->nsamples };
	size_t out;

	xgrowarray((void **)&prof->procs, &prof->procs_cap, prof->nprocs + 1, sizeof(*prof->procs));
	a.proc = (uint32_t)prof->nprocs;
	prof->procs[prof->nprocs++] = (struct profile_proc){
		.pid = in->proc->pid,
		.program = intern(prof, program ? base_name(program) : "?"),
		.exe = in->proc->exe ? intern(prof, in->proc->exe) : 0,
	};
	report_each_region(in, prof->fmt, prof->stacks, add_region, &a);
	/* One sample per key: the regions of this process sorted, then summed. */
	qsort(prof->samples + a.first, prof->nsamples - a.first, sizeof(*prof->samples), by_key);
	out = a.first;
	for (size_t i = a.first; i < prof->nsamples; i++) {
		struct profile_sample *s = &prof->samples[i];

		if (out > a.first && !by_key(&prof->samples[out - 1], s)) {
			for (size_t m = 0; m < PROFILE_NMETRICS; m++)
				prof->samples[out - 1].values[m] += s->values[m];
			continue;
		}
		prof->samples[out++] = *s;
	}
	prof->nsamples = out;
}

size_t profile_samples(const struct profile *prof, const struct profile_sample **samples)
{
	*samples = prof->samples;
	return prof->nsamples;
}

size_t profile_nprocs(const struct profile *prof)
{
	return prof->nprocs;
}

const struct profile_proc *profile_proc(const struct profile *prof, uint32_t idx)
{
	return &prof->procs[idx];
}

const char *profile_text(const struct profile *prof, uint32_t id)
{
	return strtab_get(prof->texts, id);
}

struct stackfmt *profile_fmt(const struct profile *prof)
{
	return prof->fmt;
}

const struct stacks *profile_stacks(const struct profile *prof)
{
	return prof->stacks;
}

struct modules *profile_modules(const struct profile *prof)
{
	return prof->mods;
}

const struct strtab *profile_paths(const struct profile *prof)
{
	return prof->paths;
}

uint64_t profile_total(const struct profile *prof, enum profile_metric metric)
{
	uint64_t total = 0;

	for (size_t i = 0; i < prof->nsamples; i++)
		total += prof->samples[i].values[metric];
	return total;
}

/*
 * One frame of a folded line: ';' separates frames and the last ' ' the
 * value, so a ';' in a name becomes ':' and a line break a space (a
 * name's own spaces stay: the readers split at the last one).
 */
static void put_frame(FILE *out, const char *name)
{
	(void)fputc(';', out);
	for (const char *c = name; *c; c++)
		(void)fputc(*c == ';' ? ':' : (*c == '\n' || *c == '\r') ? ' ' : *c, out);
}

/* The frames of stack id, outermost first, each frame's inlined functions after it. */
static void put_stack(struct profile *prof, FILE *out, uint32_t id)
{
	const uint64_t *frames;
	size_t nframes = id ? stacks_get(prof->stacks, id, &frames) : 0;

	for (size_t i = nframes; i-- > 0;) {
		struct stackfmt_function funcs[SRCLINES_MAX_FRAMES + 1];
		size_t n = stackfmt_functions(prof->fmt, prof->stacks, id, i, funcs,
					      ARRAY_SIZE(funcs));

		for (size_t f = n; f-- > 0;)
			put_frame(out, funcs[f].name);
	}
}

/*
 * A line's text without its value, for merging: the same stack of two
 * processes of one program, or of two threads, is one line.
 */
struct folded_line {
	uint32_t text;
	uint64_t value;
};

static int by_text(const void *pa, const void *pb)
{
	const struct folded_line *a = pa, *b = pb;

	return compare_u64(a->text, b->text);
}

int profile_write_folded(struct profile *prof, FILE *out, enum profile_metric metric)
{
	struct strtab *lines = strtab_new();
	struct folded_line *folded = xcalloc(prof->nsamples + 1, sizeof(*folded));
	size_t nfolded = 0;
	char *buf = NULL;
	size_t len = 0;
	int ret = 0;

	for (size_t i = 0; i < prof->nsamples; i++) {
		const struct profile_sample *s = &prof->samples[i];
		FILE *mem;

		if (!s->values[metric])
			continue;
		mem = open_memstream(&buf, &len);
		if (!mem)
			die("out of memory");
		(void)fputs(profile_text(prof, prof->procs[s->proc].program), mem);
		(void)fprintf(mem, ";[%s]", aspace_kind_name(s->kind));
		if (s->stack_id)
			put_stack(prof, mem, s->stack_id);
		else
			put_frame(mem, profile_text(prof, s->site));
		if (fclose(mem) != 0)
			die("out of memory");
		folded[nfolded++] =
			(struct folded_line){ strtab_intern(lines, buf, len), s->values[metric] };
		free(buf);
		buf = NULL;
	}
	/* By the text's id, then merged: lines in the order they were first made. */
	qsort(folded, nfolded, sizeof(*folded), by_text);
	for (size_t i = 0; i < nfolded; i++) {
		uint64_t value = folded[i].value;

		while (i + 1 < nfolded && folded[i + 1].text == folded[i].text)
			value += folded[++i].value;
		(void)fprintf(out, "%s %llu\n", strtab_get(lines, folded[i].text),
			      (unsigned long long)value);
	}
	if (fflush(out) != 0 || ferror(out))
		ret = -1;
	free(folded);
	strtab_free(lines);
	return ret;
}

/*
 * A word of a command line as a shell reads it back: as it is, or in
 * single quotes when it holds anything but letters, digits and
 * -_./:=,+@% (a ' as '\'').
 */
static void put_word(FILE *out, const char *word)
{
	bool plain = *word != '\0';

	/* ASCII's letters and digits, whatever the locale says a letter is. */
	for (const char *c = word; *c && plain; c++)
		plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			(*c >= '0' && *c <= '9') || strchr("-_./:=,+@%", *c);
	if (plain) {
		(void)fprintf(out, " %s", word);
		return;
	}
	(void)fputs(" '", out);
	for (const char *c = word; *c; c++) {
		if (*c == '\'')
			(void)fputs("'\\''", out);
		else
			(void)fputc(*c, out);
	}
	(void)fputc('\'', out);
}

char *profile_command(const char *const *argv, size_t argc, const pid_t *pids, size_t npids)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		die("out of memory");
	(void)fputs("memtrace", mem);
	for (size_t i = 0; i < npids; i++)
		(void)fprintf(mem, " -p %d", (int)pids[i]);
	if (argc)
		(void)fputs(" --", mem);
	for (size_t i = 0; i < argc; i++)
		put_word(mem, argv[i]);
	if (fclose(mem) != 0)
		die("out of memory");
	return text;
}
