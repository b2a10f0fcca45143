/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The text report: see text.h. */
#include "text.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../tracer/util.h"
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

void text_line_end(struct text_line *line, FILE *out, size_t width, size_t indent)
{
	if (fclose(line->stream) != 0)
		die("out of memory");
	text_put_line(out, line->text, width, indent);
	free(line->text);
	line->text = NULL;
	line->stream = NULL;
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

void text_proc_summary(FILE *out, const struct proc *proc, size_t width)
{
	struct text_line line;
	FILE *mem = text_line_begin(&line);
	uint64_t total = 0;
	const char *sep = "";

	for (int kind = 0; kind < SYSDECODE_NKINDS; kind++)
		total += proc->calls[kind];
	(void)fprintf(mem, "memtrace: [%d] %s: %llu memory call%s", (int)proc->pid,
		      proc->exe ? proc->exe : "?", (unsigned long long)total,
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
	if (proc->detached)
		(void)fputs("; detached, running on", mem);
	else if (!proc->ended)
		(void)fputs("; still running", mem);
	else if (WIFSIGNALED(proc->wait_status))
		(void)fprintf(mem, "; killed by SIG%s%s",
			      sigabbrev_np(WTERMSIG(proc->wait_status))
				      ? sigabbrev_np(WTERMSIG(proc->wait_status))
				      : "?",
			      WCOREDUMP(proc->wait_status) ? " (core dumped)" : "");
	else
		(void)fprintf(mem, "; exited with %d", WEXITSTATUS(proc->wait_status));
	text_line_end(&line, out, width, TEXT_INDENT);
}

static const char *backing_name(enum aspace_backing backing)
{
	switch (backing) {
	case ASPACE_BACKING_ANON:
		return "anon";
	case ASPACE_BACKING_FILE:
		return "file";
	case ASPACE_BACKING_HEAP:
		return "heap";
	case ASPACE_BACKING_STACK:
		return "stack";
	case ASPACE_BACKING_SHM:
		return "shm";
	case ASPACE_BACKING_SPECIAL:
		return "special";
	}
	return "?";
}

/* "rw-p": the protection and sharing, as /proc/PID/maps shows them. */
static const char *perms(const struct aspace_region *region, char buf[5])
{
	buf[0] = region->prot & 1 ? 'r' : '-';
	buf[1] = region->prot & 2 ? 'w' : '-';
	buf[2] = region->prot & 4 ? 'x' : '-';
	buf[3] = region->flags & ASPACE_SHARED ? 's' : 'p';
	buf[4] = '\0';
	return buf;
}

static void print_region(FILE *out, const char *side, const struct aspace_region *region,
			 const struct strtab *paths, bool with_origin)
{
	char buf[5];

	(void)fprintf(out, "  %-7s %#llx-%#llx %s %-7s", side, (unsigned long long)region->start,
		      (unsigned long long)region->end, perms(region, buf),
		      backing_name(region->backing));
	if (with_origin) {
		if (region->origin.kind == ASPACE_ORIGIN_CALL)
			(void)fprintf(out, " #%llu", (unsigned long long)region->origin.seq);
		else
			(void)fprintf(out, " [%s]",
				      region->origin.kind == ASPACE_ORIGIN_EXEC ? "exec"
				      : region->origin.kind == ASPACE_ORIGIN_ATTACH
					      ? "before attach"
					      : "kernel");
	}
	if (region->path)
		(void)fprintf(out, " %s", strtab_get(paths, region->path));
	(void)fputc('\n', out);
}

void text_verify_mismatch(FILE *out, const struct proc *proc, uint64_t seq,
			  const struct mm_diff *diff, const struct strtab *paths)
{
	size_t shown = diff->nranges < MM_DIFF_MAX_RANGES ? diff->nranges : MM_DIFF_MAX_RANGES;

	if (seq)
		(void)fprintf(out, "memtrace: verify: [%d] after #%llu: ", (int)proc->pid,
			      (unsigned long long)seq);
	else
		(void)fprintf(out, "memtrace: verify: [%d] at exit: ", (int)proc->pid);
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

void text_regions(FILE *out, struct proc *proc, const struct strtab *paths, struct stackfmt *fmt,
		  const struct stacks *stacks, size_t width)
{
	struct aspace_kind_cache kinds = { 0 };
	const struct aspace *as;
	struct aspace_cursor cur;
	const struct aspace_region *region;

	if (!proc->mm)
		return;
	as = mm_aspace(proc->mm);
	(void)fprintf(out, "memtrace: [%d] %zu regions:\n", (int)proc->pid, aspace_count(as));
	aspace_for_each (as, 0, &cur, region) {
		struct text_line line;
		FILE *mem = text_line_begin(&line);
		char size[32], buf[5];

		(void)units_format_bytes(size, sizeof(size), region->end - region->start);
		(void)fprintf(mem, "  %#llx-%#llx %s %10s %-13s", (unsigned long long)region->start,
			      (unsigned long long)region->end, perms(region, buf), size,
			      aspace_kind_name(aspace_kind_of_cached(as, region, &kinds)));
		switch (region->origin.kind) {
		case ASPACE_ORIGIN_CALL:
			(void)fprintf(mem, " #%llu [tid %d]",
				      (unsigned long long)region->origin.seq,
				      (int)region->origin.tid);
			break;
		case ASPACE_ORIGIN_EXEC:
			(void)fputs(" [exec]", mem);
			break;
		case ASPACE_ORIGIN_ATTACH:
			(void)fputs(" [before attach]", mem);
			break;
		case ASPACE_ORIGIN_KERNEL:
			(void)fputs(" [kernel]", mem);
			break;
		}
		if (region->prot_seq)
			(void)fprintf(mem, " (prot #%llu)", (unsigned long long)region->prot_seq);
		if (region->thread)
			(void)fprintf(mem, " stack of %d%s", (int)region->thread,
				      region->flags & ASPACE_THREAD_EXITED ? " (exited)" : "");
		if (region->path)
			(void)fprintf(mem, " %s", strtab_get(paths, region->path));
		text_line_end(&line, out, width, REGION_INDENT);
		if (region->origin.kind == ASPACE_ORIGIN_CALL && region->origin.stack_id && fmt) {
			/* The frames, broken between two of them where the line is full. */
			mem = text_line_begin(&line);
			stackfmt_write_line(fmt, mem, stacks, region->origin.stack_id, 6);
			if (fclose(mem) != 0)
				die("out of memory");
			(void)fprintf(out, "%*sby", REGION_INDENT, "");
			(void)text_put_site(out, line.text, true, width, REGION_INDENT + 2,
					    REGION_INDENT + 3);
			(void)fputc('\n', out);
			free(line.text);
		}
	}
}
