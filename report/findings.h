/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The report's findings (docs/report.md, "Findings"): each a pattern in
 * a process's report, above a threshold where it stops being a program's
 * normal life, that names a cause and what to do.
 *
 * They are one table, in findings.c: each entry has its name in the
 * trace ("arenas"), its thresholds, the function that finds it in a
 * computed report and the one that prints it as text (the trace keeps
 * the same four figures of each).  A new finding is one more entry there, and
 * nothing else.
 *
 *   findings:
 *   ! 4 glibc malloc arenas hold 256 MiB of address space (64 MiB each) but commit only 528 KiB:
 *     glibc gives each thread that calls malloc an arena of its own, up to 8 per core.
 *     Cap them with MALLOC_ARENA_MAX=2 in the environment, or mallopt(M_ARENA_MAX, 2).
 *     made by malloc < worker_loop < start_thread
 */
#ifndef MEMTRACE_FINDINGS_H
#define MEMTRACE_FINDINGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jsonw.h"
#include "report.h"

/*
 * Adds the findings of rep to rep->findings, in the order of the table
 * (at most REPORT_MAX_FINDINGS).  rep is computed but for its findings;
 * in is what it was computed from.
 */
void findings_detect(struct report *rep, const struct report_input *in);

/* What a finding is printed with; all borrowed. */
struct findings_out {
	FILE *out;
	size_t width;	   /* columns, as struct report_options; 0: no limit */
	uint64_t churn_ns; /* what counted as short-lived */
	const struct report *rep;
	const struct report_input *in;
	/*
	 * The finding's site as the report laid it out to start at column
	 * TEXT_INDENT (report/text.h), or NULL when it has none.
	 */
	const char *site;
};

/* Writes finding f of out->rep as text: its lines, then "    made by SITE". */
void findings_print(const struct findings_out *out, const struct report_finding *f);

/*
 * Writes finding f of rep as one JSON object, in the array open in w:
 * {"kind":"arenas","count":..,"bytes":..,"other":..,"site":".."}.
 */
void findings_json(struct jsonw *w, const struct report *rep, const struct report_finding *f);

/* The name of f's kind in the trace: "arenas", "churn"... */
const char *findings_name(const struct report_finding *f);

#endif /* MEMTRACE_FINDINGS_H */
