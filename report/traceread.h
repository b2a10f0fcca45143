/*
 * `memtrace report TRACE`: reads a trace written with -o
 * (docs/trace-format.md) with jansson, line by line, and prints the same
 * report the live run printed, through the same code (report/report.c):
 * the stacks and their names come from the trace, the churn counts from
 * its events, the model, its resident figures and heap walk from each
 * process's final snapshot.  Memory grows with the live regions and the
 * distinct stacks, not with the events.
 */
#ifndef MEMTRACE_TRACEREAD_H
#define MEMTRACE_TRACEREAD_H

#include <stdio.h>

#include "report.h"

/*
 * Prints the report of every process of the trace at path to out; with
 * opts->churn_ns 0, the churn threshold is the one the trace was written
 * with.
 * Returns 0; 0 after a warning on stderr when the trace was cut short
 * (what it holds is reported); 2 after one line on stderr naming the file
 * and line when it cannot be read (not a file, not JSON, not a trace, a
 * format version this memtrace does not read).
 */
int traceread_report(const char *path, FILE *out, const struct report_options *opts);

/* The same, from an open stream; name names it in messages. */
int traceread_report_stream(FILE *in, const char *name, FILE *out,
			    const struct report_options *opts);

#endif /* MEMTRACE_TRACEREAD_H */
