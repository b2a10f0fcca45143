/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTML view: one self-contained file (report/html_page.html, its
 * JavaScript and CSS inline, no network) that draws, for every process
 * reported, its address space region by region (to scale within each
 * stretch, the gaps between stretches marked), its sizes over time with
 * the largest calls marked, the tables of kinds and sites (sortable) and
 * the findings; for memtrace diff, the two runs side by side and what
 * changed.  The data is the report's, written as JSON into the page.
 * docs/html.md.
 *
 *   struct html *h = html_new("memtrace: server [4242]", command);
 *   html_begin_run(h, "run.json", fmt, stacks);
 *   html_add_proc(h, in, rep, timeline, end_ns, &ropts);    (each process)
 *   html_write(h, out);
 */
#ifndef MEMTRACE_HTML_H
#define MEMTRACE_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "../unwind/stacks.h"
#include "report.h"
#include "stackfmt.h"
#include "timeline.h"

/* The most regions drawn of a process: past that, neighbours of one kind and site are one. */
#define HTML_MAX_REGIONS 20000

struct html;

/*
 * A new page titled title, or (NULL) after command ("memtrace -- ./server
 * -p 80" gives "memtrace: ./server -p 80"); command (NULL: none) says
 * what was traced.  Owned by the caller.
 */
struct html *html_new(const char *title, const char *command);
void html_free(struct html *h);

/*
 * Starts a run, named name (a trace's file, for memtrace diff; NULL for
 * the only one): its processes' stacks are named by fmt and stacks,
 * borrowed until the next html_begin_run() or html_write().
 */
void html_begin_run(struct html *h, const char *name, struct stackfmt *fmt,
		    const struct stacks *stacks);

/*
 * Adds a process of the run as in and rep say (its model is read now),
 * with its timeline (NULL: none) and end_ns, when it was reported; ropts
 * make the text report shown with it.
 */
void html_add_proc(struct html *h, const struct report_input *in, const struct report *rep,
		   const struct timeline *tl, uint64_t end_ns, const struct report_options *ropts);

/* Writes the page.  Returns 0, or -1 when out reported an error. */
int html_write(struct html *h, FILE *out);

#endif /* MEMTRACE_HTML_H */
