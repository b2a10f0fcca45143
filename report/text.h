/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The text report.  The end-of-run summary: one line per reported process
 * with its memory calls by kind and how it ended:
 *
 *   memtrace: [4242] /usr/bin/ls: 31 memory calls (mmap 19, mprotect 6, munmap 2, brk 3, ...); exited with 0
 *
 * and the helpers that fit the report's lines to a terminal's width
 * (report/textfit.h): off a terminal (width 0) every line is whole.
 */
#ifndef MEMTRACE_TEXT_H
#define MEMTRACE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "../tracer/aspace.h"
#include "../tracer/mm.h"
#include "../tracer/strtab.h"
#include "stackfmt.h"

struct report_proc;

/*
 * Writes the summary line of one process to out, wrapped to fit width
 * columns (0: no limit), its continuation lines indented by 4.
 */
void text_proc_summary(FILE *out, const struct report_proc *proc, size_t width);

/* Where lines below a table row, and the continuation lines of prose, start. */
#define TEXT_INDENT 4

/*
 * A line made of several writes, wrapped as a whole when it ends:
 * text_line_begin() returns the stream to write it to (no newline);
 * text_line_end() writes it to out as text_put_line() does, and frees it.
 */
struct text_line {
	FILE *stream;
	char *text;
	size_t len;
};

FILE *text_line_begin(struct text_line *line);
void text_line_end(struct text_line *line, FILE *out, size_t width, size_t indent);
/* Ends the line and returns its text, owned by the caller (free()), unwrapped. */
char *text_line_take(struct text_line *line);

/*
 * Writes line and a newline, wrapped at its spaces to fit width columns
 * (0: no limit, whole), its leading spaces kept and its continuation lines
 * indented by indent (report/textfit.h, textfit_wrap).
 */
void text_put_line(FILE *out, const char *line, size_t width, size_t indent);

/*
 * Writes site (as the report's struct textfit_sites gave it) from column
 * col of the current line on, after a space when space is set, wrapped at
 * its frames to fit width, its continuation lines indented by indent
 * (textfit_wrap_site).  No newline.  Returns the column where it ends.
 */
size_t text_put_site(FILE *out, const char *site, bool space, size_t width, size_t col,
		     size_t indent);

/*
 * The column of the site of a table row whose figures take row_cols
 * columns: two after them when width leaves TEXTFIT_MIN_ROOM there (or is
 * 0), else TEXT_INDENT, on the lines below the row.
 */
size_t text_site_column(size_t width, size_t row_cols);

/* The room a site has on lines that start at column indent: width - indent; 0 when width is. */
size_t text_site_room(size_t width, size_t indent);

/*
 * Ends a table row of row_cols columns with its site, at
 * text_site_column(), and a newline.
 */
void text_row_site(FILE *out, const char *site, size_t width, size_t row_cols);

/*
 * --regions: every region of process pid's model as, in address order, with its
 * kind, size and the call that made it (its origin) and last re-protected
 * it -- pmap, with the reasons:
 *
 *   memtrace: [4242] 3 regions:
 *     0x7f3a1c000000-0x7f3a1c021000 rw-p   132 KiB anonymous     #17 [tid 4250] (prot #19)
 *     0x7ffd4a1de000-0x7ffd4a1ff000 rw-p   132 KiB main stack    [exec]
 *
 * Under a region made by a call with a stack: "      by mmap+0x13 <
 * worker_loop+0x23 < start_thread+0x305" (six frames at most), symbolized
 * from where the frames were when the call was made.  Lines wider than
 * width (0: no limit) are wrapped, the stacks between their frames.
 */
void text_regions(FILE *out, pid_t pid, const struct aspace *as, const struct strtab *paths,
		  struct stackfmt *fmt, const struct stacks *stacks, size_t width);

/*
 * --verify found the model of process pid different from the kernel's after call
 * seq (0: at exit): writes the differing ranges and both sides of them.
 *
 *   memtrace: verify: [4242] after #17: 1 range differs: 0x7f..000-0x7f..000
 *     model   0x7f3a1c000000-0x7f3a1c010000 rw-p anon          #12
 *     kernel  0x7f3a1c000000-0x7f3a1c020000 rw-p anon
 */
void text_verify_mismatch(FILE *out, pid_t pid, uint64_t seq, const struct mm_diff *diff,
			  const struct strtab *paths);

/* --verify's last line: "verify: 3 mismatches", over every process reported. */
void text_verify_total(FILE *out, uint64_t mismatches);

#endif /* MEMTRACE_TEXT_H */
