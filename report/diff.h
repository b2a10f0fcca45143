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
 * row: "no difference".  The command line exits as diff(1) does: 0 when
 * nothing differs beyond the noise, 1 when something does, 2 when either
 * trace cannot be read.
 */
#ifndef MEMTRACE_DIFF_H
#define MEMTRACE_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report.h"

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

struct msgs;

/* Two traces compared: each one's processes added up, their sites matched by name. */
struct diff;

struct html;

/*
 * Reads the traces at a and b ("-": standard input) and compares them;
 * with page (else NULL), adds each to it as a run, their text reports
 * made with opts.
 * Returns 0 with *result set (the caller frees it: diff_free), msgs given
 * the warnings of what makes the comparison doubtful (two different
 * programs, a trace cut short, and the readers' own); or -errno with
 * msgs->error the one line saying why either cannot be read.  Never
 * prints.
 */
int diff_open(const char *a, const char *b, struct html *page, const struct report_options *opts,
	      struct diff **result, struct msgs *msgs);

/* Whether anything differs beyond the noise: calls, kinds, sites. */
bool diff_differ(const struct diff *diff);

/*
 * Writes the comparison to out, as text or, with opts->json, one JSON
 * object.  Returns 0, or -errno when the JSON could not all be written.
 */
int diff_print(const struct diff *diff, FILE *out, const struct diff_options *opts);

/* Frees it.  Accepts NULL. */
void diff_free(struct diff *diff);

#endif /* MEMTRACE_DIFF_H */
