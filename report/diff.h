/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memtrace diff A B`: what changed between two traces (the same program
 * on two hosts, before and after a fix, with and without an environment
 * variable), by kind and by site.  Each trace's processes are reported as
 * `memtrace report` would (report/traceread.c) and added up; sites are
 * matched by their names (function names, module names where no symbol
 * holds a frame), never by address, so address randomization and other
 * load addresses do not matter.
 *
 * A row shows when its regions, reserved or committed bytes or its calls
 * changed, or its resident bytes by more than 1 MiB and a tenth (pages
 * come and go between runs); two runs of a deterministic program show no
 * row: "no difference".
 */
#ifndef MEMTRACE_DIFF_H
#define MEMTRACE_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct diff_options {
	size_t top; /* sites shown as text */
	/*
	 * The columns every line of the text fits in, as struct report_options
	 * (report/report.h): 0, no limit (a file or a pipe), nothing cut.
	 */
	size_t width;
	bool utf8; /* the output's character set is UTF-8: "…" elides, else "..." */
	bool json; /* one JSON object instead of text */
};

/*
 * Compares the traces at a and b ("-": standard input), to out; warns on
 * stderr when they trace two different programs or either is cut short.
 * Returns as diff(1) does: 0 when nothing differs beyond the noise, 1
 * when something does, 2 after one line on stderr when either cannot be
 * read.
 */
int diff_traces(const char *a, const char *b, FILE *out, const struct diff_options *opts);

#endif /* MEMTRACE_DIFF_H */
