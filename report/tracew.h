/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The trace, -o FILE (docs/trace-format.md): JSON Lines streamed as the
 * run goes, through report/jsonw.c.  A header first; each stack (and each
 * module its frames lie in, once per module: two files at one path are
 * two, each with its build-id) before the first event that uses it; one
 * event per memory call with the pieces it changed in the model; at each
 * process's end a snapshot of its model with the resident figures, its
 * report's findings and a summary.
 */
#ifndef MEMTRACE_TRACEW_H
#define MEMTRACE_TRACEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../tracer/engine.h"
#include "../tracer/mallocheap.h"
#include "../tracer/mm.h"
#include "../unwind/modules.h"
#include "../unwind/stacks.h"
#include "report.h"

#define TRACE_FORMAT "memtrace-trace"
#define TRACE_VERSION 1

/*
 * The trace's names of the changes a call made, written and read: indexed
 * by enum aspace_piece_kind (tracer/aspace.h).  Origins, backings,
 * protections and ends are named in report/names.h.
 */
#define TRACE_NPIECE_OPS (ASPACE_PIECE_RELEASED + 1)
extern const char *const trace_piece_ops[TRACE_NPIECE_OPS]; /* "map", "unmap"... */

struct tracew;

/*
 * Returns a writer on fd (gzip: a compressed stream), owned by the caller
 * (tracew_free); the others are borrowed and must outlive it (fmt names
 * the stacks' frames for the snapshots' kinds: stackfmt_maker()).
 */
struct tracew *tracew_new(int fd, bool gzip, const struct strtab *paths, struct modules *mods,
			  const struct stacks *stacks, struct stackfmt *fmt);
/* Writes what is buffered; frees it.  Accepts NULL. */
void tracew_free(struct tracew *t);
/* Writes the complete lines so far.  Returns 0 or the first write error (-errno). */
int tracew_flush(struct tracew *t);
/* The first write error (-errno), or 0. */
int tracew_error(const struct tracew *t);
/* Writes the rest and ends the trace (a gzip stream's end).  Returns the same. */
int tracew_finish(struct tracew *t);

/*
 * The header: argv (launch mode) or pids (attach mode), and the churn
 * threshold the run's report used (memtrace report uses it too).
 */
void tracew_header(struct tracew *t, char *const *argv, const pid_t *pids, size_t npids,
		   uint64_t churn_ns);

/* One memory call; as is its process's model after it. */
void tracew_event(struct tracew *t, const struct engine_call *call, const struct aspace *as);

/*
 * A thread started or ended on its own; its stack is the region of as
 * holding sp.
 */
void tracew_thread(struct tracew *t, pid_t pid, pid_t tid, bool exited, uint64_t sp,
		   uint64_t time_ns, const struct aspace *as);

/* A process exec'd (its model starts again). */
void tracew_exec(struct tracew *t, const struct report_proc *proc, uint64_t time_ns);

/*
 * A process's model as it is now, with the report input's resident
 * figures and heap walk; reason: "final", "signal" (SIGUSR1).
 */
void tracew_snapshot(struct tracew *t, const struct report_input *in, const char *reason,
		     uint64_t time_ns);

/* The findings of a process's report, and its summary: the last lines about it. */
void tracew_findings(struct tracew *t, const struct report_input *in, const struct report *rep);
void tracew_summary(struct tracew *t, const struct report_input *in, uint64_t time_ns);

#endif /* MEMTRACE_TRACEW_H */
