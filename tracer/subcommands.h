/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memtrace report and memtrace diff: traces written with -o, read back
 * (report/traceread.c, report/diff.c).  argv[1] is the subcommand's
 * name; utf8 says the output's character set is UTF-8.  Each returns
 * the exit status, and exits with 2 after a usage error.
 */
#ifndef MEMTRACE_SUBCOMMANDS_H
#define MEMTRACE_SUBCOMMANDS_H

#include <stdbool.h>

/*
 * memtrace report [--top N] [--churn-ms MS] TRACE: the report of a saved
 * trace ("-": standard input), on stdout.  0, or 2 when the trace cannot
 * be read.
 */
int report_command(int argc, char **argv, bool utf8);

/*
 * memtrace diff [--top N] [--json] A B: what changed from trace A to
 * trace B, on stdout.  As diff(1): 0 when they do not differ, 1 when
 * they do, 2 for trouble.
 */
int diff_command(int argc, char **argv, bool utf8);

#endif /* MEMTRACE_SUBCOMMANDS_H */
