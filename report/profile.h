/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The memory profile of a run, for the tools that draw stacks: the
 * regions of each process's model, grouped by the stack that made them,
 * their kind and (thread stacks) their thread, with the amounts the
 * report counts -- regions, reserved (PROT_NONE), committed and resident
 * bytes -- as they are at the moment the process is reported (its end,
 * the detach, an exec).  Written as pprof (report/pprof.c: --pprof) and
 * as folded stacks (--folded), from the live run and from a trace alike,
 * through the same names (report/stackfmt.h), so that both give the same
 * file.  docs/profiles.md.
 */
#ifndef MEMTRACE_PROFILE_H
#define MEMTRACE_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../tracer/aspace.h"
#include "../tracer/strtab.h"
#include "../unwind/modules.h"
#include "../unwind/stacks.h"
#include "report.h"
#include "stackfmt.h"

/* What a sample counts; the order of the values of a pprof sample. */
enum profile_metric {
	PROFILE_REGIONS,
	PROFILE_RESERVED,
	PROFILE_COMMITTED,
	PROFILE_RESIDENT,
	PROFILE_NMETRICS,
};

/* "regions", "reserved", "committed", "resident": the names --metric takes. */
const char *profile_metric_name(enum profile_metric metric);
/* The metric named name; returns 0, or -1 for a name that is none. */
int profile_metric_parse(const char *name, enum profile_metric *metric);

/* The regions of one process made by one stack, of one kind (and thread). */
struct profile_sample {
	uint32_t proc;			   /* the process: profile_proc() */
	uint32_t stack_id;		   /* the stack that made them; 0: none (origin says why) */
	enum aspace_origin_kind origin;	   /* a call, or made at the exec, before the attach... */
	enum aspace_kind kind;		   /* their kind */
	pid_t tid;			   /* a thread stack's thread; 0: none, or several */
	uint32_t thread_name;		   /* its name (profile_text()); 0: not known */
	uint32_t site;			   /* the report's name of the site (profile_text()) */
	uint64_t values[PROFILE_NMETRICS]; /* by enum profile_metric */
};

struct profile_proc {
	pid_t pid;
	uint32_t program; /* its program's file name, without the directory (profile_text()) */
	uint32_t exe;	  /* its program's path (profile_text()); 0: not known */
};

struct profile;

/*
 * Returns a new, empty profile (owned by the caller: profile_free); fmt,
 * stacks, mods and paths name the frames and files, borrowed: they must
 * outlive it (mods and paths may be NULL for a profile never written as
 * pprof).
 */
struct profile *profile_new(struct stackfmt *fmt, const struct stacks *stacks, struct modules *mods,
			    const struct strtab *paths);
/* Frees it.  Accepts NULL. */
void profile_free(struct profile *prof);

/* Adds the regions of a process as in holds them (its model, resident figures, program). */
void profile_add(struct profile *prof, const struct report_input *in);

/* The samples, by process, then stack, kind and thread. */
size_t profile_samples(const struct profile *prof, const struct profile_sample **samples);
size_t profile_nprocs(const struct profile *prof);
const struct profile_proc *profile_proc(const struct profile *prof, uint32_t idx);
const char *profile_text(const struct profile *prof, uint32_t id);
/* What names the frames, as given to profile_new(). */
struct stackfmt *profile_fmt(const struct profile *prof);
const struct stacks *profile_stacks(const struct profile *prof);
struct modules *profile_modules(const struct profile *prof);
const struct strtab *profile_paths(const struct profile *prof);
/* The total of one metric over every sample: the reports' totals summed. */
uint64_t profile_total(const struct profile *prof, enum profile_metric metric);

/*
 * Writes the folded stacks of one metric to out, a line per distinct
 * stack, "program;[kind];outermost;...;innermost VALUE", functions
 * inlined at a frame as frames of their own, stacks whose value is 0 left
 * out: what flamegraph.pl, inferno and speedscope read.  Returns 0, or -1
 * when out reported an error.
 */
int profile_write_folded(struct profile *prof, FILE *out, enum profile_metric metric);

/*
 * What was traced, as the pprof file keeps it: "memtrace -- ./server
 * --port 8080" (argv[0..argc), a word with a space or another character
 * a shell reads in single quotes), "memtrace -p 4242 -p 4243".  Owned by
 * the caller (free()).
 */
char *profile_command(const char *const *argv, size_t argc, const pid_t *pids, size_t npids);

/*
 * Writes the profile to out as a gzip-compressed pprof profile
 * (report/pprof.c).  comment: a line to keep in it (the command run), or
 * NULL.  Returns 0, or -1 when out reported an error.
 */
int profile_write_pprof(struct profile *prof, FILE *out, const char *comment);

#endif /* MEMTRACE_PROFILE_H */
