/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memtrace report TRACE`: reads a trace written with -o
 * (docs/trace-format.md) with jansson, line by line (event lines as
 * memtrace writes them without it: report/traceline.h), and prints the same
 * report the live run printed, through the same code (report/report.c):
 * the stacks and their names come from the trace, the churn counts from
 * its events, the model, its resident figures and heap walk from each
 * process's final snapshot.  Memory grows with the live regions and the
 * distinct stacks, not with the events.  What it has to say -- why a
 * trace cannot be read, the warnings of one cut short -- it returns
 * (report/msgs.h) for the command line to print.
 */
#ifndef MEMTRACE_TRACEREAD_H
#define MEMTRACE_TRACEREAD_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"

struct msgs;

/* A trace read into memory: its processes, ready to be reported. */
struct trace;

/*
 * Reads a trace from path ("-": standard input; plain or compressed with
 * gzip alike), name naming it in messages; churn_ns 0 takes the header's
 * threshold; timelines: keep each process's sizes over time (report_input's
 * timeline, for the HTML view), else they are not counted.  Returns 0 with *trace set (the caller frees it:
 * traceread_free), the warnings of a trace cut short added to msgs (the
 * last line, the compressed stream, each process it ends before: what it
 * holds is reported); or -errno with msgs->error the one line naming the
 * file, and the line, that cannot be read (not a file, not JSON, not a
 * trace, a format version this memtrace does not read).  Never prints.
 */
int traceread_open(const char *path, uint64_t churn_ns, bool timelines, struct trace **trace,
		   struct msgs *msgs);
/* How messages name the trace at path: "(standard input)" for "-". */
const char *traceread_name(const char *path);
/* The same, from an open stream; name names it in messages. */
int traceread_load(FILE *in, const char *name, uint64_t churn_ns, bool timelines,
		   struct trace **trace, struct msgs *msgs);
void traceread_free(struct trace *trace);

/*
 * Prints the report of every process of trace to out, as the live run
 * printed them, then --verify's total if the run verified; with
 * opts->churn_ns 0, the churn threshold is the one the trace was written
 * with.
 */
void traceread_print(struct trace *trace, FILE *out, const struct report_options *opts);

/*
 * Whether the trace lacks its end: a line cut in the middle, a process
 * without its summary, a compressed stream that stops short.
 */
bool traceread_cut_short(const struct trace *trace);

/* The program of its first process (its last exec), or NULL. */
const char *traceread_program(const struct trace *trace);

/* The churn threshold the trace is read with. */
uint64_t traceread_churn_ns(const struct trace *trace);

/*
 * Computes the report of each process, in the order the live run printed
 * them, and calls fn with it (borrowed for the call).  A process the
 * trace ends before is reported from its last snapshot, if it has one.
 * A process with a summary but no model (its calls were not decoded) is
 * passed with in->as and rep NULL.
 */
typedef void traceread_fn(void *arg, const struct report_input *in, struct report *rep);
void traceread_each(struct trace *trace, traceread_fn *fn, void *arg);

/*
 * The memory profile of every process, as traceread_each() reports them:
 * owned by the caller (profile_free), and borrowing the trace's names, so
 * freed before the trace.
 */
struct profile *traceread_profile(struct trace *trace);

struct html;

/*
 * Adds the trace to page as a run named name (NULL: the only one), each
 * process as traceread_each() reports it, with the text report opts make
 * (its churn threshold the trace's).
 */
void traceread_html(struct trace *trace, struct html *page, const char *name,
		    const struct report_options *opts);

/* What was traced, as the live run's pprof file says it (profile_command()); NULL: not known. */
const char *traceread_command(const struct trace *trace);

#endif /* MEMTRACE_TRACEREAD_H */
