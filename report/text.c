/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The text report: see text.h. */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "../tracer/util.h"
#include "names.h"
#include "report.h"
#include "textfit.h"
#include "units.h"

FILE *text_line_begin(struct text_line *line)
{
	line->text = NULL;
	line->len = 0;
	line->stream = open_memstream(&line->text, &line->len);
	if (!line->stream)
		die("out of memory");
	return line->stream;
}

char *text_line_take(struct text_line *line)
{
	char *text;

	if (fclose(line->stream) != 0)
		die("out of memory");
	text = line->text;
	line->text = NULL;
	line->stream = NULL;
	return text;
}

void text_line_end(struct text_line *line, FILE *out, size_t width, size_t indent)
{
	char *text = text_line_take(line);

	text_put_line(out, text, width, indent);
	free(text);
}

void text_put_line(FILE *out, const char *line, size_t width, size_t indent)
{
	char *text = textfit_wrap(line, width, 0, indent, NULL);

	(void)fputs(text, out);
	(void)fputc('\n', out);
	free(text);
}

size_t text_put_site(FILE *out, const char *site, bool space, size_t width, size_t col,
		     size_t indent)
{
	char *text = textfit_wrap_site(site, space, width, col, indent, &col);

	(void)fputs(text, out);
	free(text);
	return col;
}

size_t text_site_column(size_t width, size_t row_cols)
{
	return textfit_indent(width, row_cols + 2, TEXT_INDENT);
}

size_t text_site_room(size_t width, size_t indent)
{
	if (!width)
		return 0;
	return width > indent ? width - indent : 1;
}

void text_row_site(FILE *out, const char *site, size_t width, size_t row_cols)
{
	size_t col = text_site_column(width, row_cols);

	if (col == row_cols + 2)
		(void)fputs("  ", out);
	else
		(void)fprintf(out, "\n%*s", (int)col, "");
	(void)text_put_site(out, site, false, width, col, col);
	(void)fputc('\n', out);
}

/*
 * The program as the user ran it (argv[0]), and the file it is when that
 * names another one (a symlink: redis-server is redis-check-rdb).
 */
static void print_program(FILE *out, const struct report_proc *proc)
{
	const char *exe = proc->exe, *name = proc->name;

	if (name && exe && strcmp(base_name(name), base_name(exe)) != 0)
		(void)fprintf(out, "%s (%s)", name, exe);
	else
		(void)fputs(exe ? exe : name ? name : "?", out);
}

void text_proc_summary(FILE *out, const struct report_proc *proc, size_t width)
{
	struct text_line line;
	FILE *mem = text_line_begin(&line);
	uint64_t total = 0;
	const char *sep = "";
	char end[64];

	for (int kind = 0; kind < SYSDECODE_NKINDS; kind++)
		total += proc->calls[kind];
	(void)fprintf(mem, "memtrace: [%d] ", (int)proc->pid);
	print_program(mem, proc);
	(void)fprintf(mem, ": %llu memory call%s", (unsigned long long)total,
		      total == 1 ? "" : "s");
	if (total) {
		(void)fputs(" (", mem);
		for (int kind = 0; kind < SYSDECODE_NKINDS; kind++) {
			if (!proc->calls[kind])
				continue;
			(void)fprintf(mem, "%s%s %llu", sep, sysdecode_kind_name(kind),
				      (unsigned long long)proc->calls[kind]);
			sep = ", ";
		}
		(void)fputc(')', mem);
	}
	if (proc->failed)
		(void)fprintf(mem, ", %llu failed", (unsigned long long)proc->failed);
	(void)fprintf(mem, "; %s", names_end_text(end, sizeof(end), &proc->end));
	text_line_end(&line, out, width, TEXT_INDENT);
}

/* "rw-p": the protection and sharing, as /proc/PID/maps shows them. */
static const char *perms(const struct aspace_region *region, char buf[NAMES_PROT_SIZE])
{
	return names_perms(buf, region->prot, region->flags & ASPACE_SHARED);
}

static void print_region(FILE *out, const char *side, const struct aspace_region *region,
			 const struct strtab *paths, bool with_origin)
{
	char buf[NAMES_PROT_SIZE];

	(void)fprintf(out, "  %-7s %#llx-%#llx %s %-7s", side, (unsigned long long)region->start,
		      (unsigned long long)region->end, perms(region, buf),
		      names_backing(region->backing));
	if (with_origin) {
		if (region->origin.kind == ASPACE_ORIGIN_CALL)
			(void)fprintf(out, " #%llu", (unsigned long long)region->origin.seq);
		else
			(void)fprintf(out, " %s", names_origin_text(region->origin.kind));
	}
	if (region->path)
		(void)fprintf(out, " %s", strtab_get(paths, region->path));
	(void)fputc('\n', out);
}

void text_verify_mismatch(FILE *out, pid_t pid, uint64_t seq, const struct mm_diff *diff,
			  const struct strtab *paths)
{
	size_t shown = diff->nranges < MM_DIFF_MAX_RANGES ? diff->nranges : MM_DIFF_MAX_RANGES;

	if (seq)
		(void)fprintf(out, "memtrace: verify: [%d] after #%llu: ", (int)pid,
			      (unsigned long long)seq);
	else
		(void)fprintf(out, "memtrace: verify: [%d] at exit: ", (int)pid);
	(void)fprintf(out, "%zu range%s differ%s:", diff->nranges, diff->nranges == 1 ? "" : "s",
		      diff->nranges == 1 ? "s" : "");
	for (size_t i = 0; i < shown; i++)
		(void)fprintf(out, " %#llx-%#llx", (unsigned long long)diff->ranges[i].start,
			      (unsigned long long)diff->ranges[i].end);
	(void)fputc('\n', out);
	for (size_t i = 0; i < diff->nmodel; i++)
		print_region(out, "model", &diff->model[i], paths, true);
	for (size_t i = 0; i < diff->nkernel; i++)
		print_region(out, "kernel", &diff->kernel[i], paths, false);
}

/* Where the continuation lines of --regions start, and its "by" lines. */
#define REGION_INDENT 6

void text_regions(FILE *out, pid_t pid, const struct aspace *as, const struct strtab *paths,
		  struct stackfmt *fmt, const struct stacks *stacks, size_t width)
{
	struct stackfmt_maker_ctx makers = { fmt, stacks };
	struct aspace_kind_cache kinds = { .maker = fmt ? stackfmt_kind_maker : NULL,
					   .maker_ctx = &makers };
	struct aspace_cursor cur;
	const struct aspace_region *region;

	(void)fprintf(out, "memtrace: [%d] %zu regions:\n", (int)pid, aspace_count(as));
	aspace_for_each (as, 0, &cur, region) {
		struct text_line line;
		FILE *mem = text_line_begin(&line);
		char size[32], buf[NAMES_PROT_SIZE];

		(void)units_format_bytes(size, sizeof(size), region->end - region->start);
		(void)fprintf(mem, "  %#llx-%#llx %s %10s %-13s", (unsigned long long)region->start,
			      (unsigned long long)region->end, perms(region, buf), size,
			      aspace_kind_name(aspace_kind_of_cached(as, region, &kinds)));
		if (region->origin.kind == ASPACE_ORIGIN_CALL)
			(void)fprintf(mem, " #%llu [tid %d]",
				      (unsigned long long)region->origin.seq,
				      (int)region->origin.tid);
		else
			(void)fprintf(mem, " %s", names_origin_text(region->origin.kind));
		if (region->prot_seq)
			(void)fprintf(mem, " (prot #%llu)", (unsigned long long)region->prot_seq);
		if (region->thread > 0) {
			const char *name = aspace_thread_name(as, region->thread);
			bool exited = region->flags & ASPACE_THREAD_EXITED;

			(void)fprintf(mem, " stack of %d", (int)region->thread);
			if (name || exited)
				(void)fprintf(mem, " (%s%s%s)", name ? name : "",
					      name && exited ? ", " : "", exited ? "exited" : "");
		}
		if (region->path)
			(void)fprintf(mem, " %s", strtab_get(paths, region->path));
		text_line_end(&line, out, width, REGION_INDENT);
		if (region->origin.kind == ASPACE_ORIGIN_CALL && region->origin.stack_id && fmt) {
			/* The frames, broken between two of them where the line is full. */
			char *frames;

			mem = text_line_begin(&line);
			stackfmt_write_line(fmt, mem, stacks, region->origin.stack_id, 6);
			frames = text_line_take(&line);
			(void)fprintf(out, "%*sby", REGION_INDENT, "");
			(void)text_put_site(out, frames, true, width, REGION_INDENT + 2,
					    REGION_INDENT + 3);
			(void)fputc('\n', out);
			free(frames);
		}
	}
}

void text_verify_total(FILE *out, uint64_t mismatches)
{
	(void)fprintf(out, "verify: %llu mismatch%s\n", (unsigned long long)mismatches,
		      mismatches == 1 ? "" : "es");
}
