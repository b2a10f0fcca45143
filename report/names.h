/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The names memtrace writes for what the model and a process's end hold,
 * each concept one table: where the trace (docs/trace-format.md) and the
 * text people read name a thing differently on purpose, the two are
 * columns of one row.
 *
 *   origin   trace "exec"    report's site "[mapped at exec]"   --events, --regions "[exec]"
 *   backing  "anon", "file", "heap"...  (the trace and --verify alike)
 *   prot     "rw-" (the trace), "rw-p" (--regions, --verify: /proc/PID/maps's)
 *   end      trace "killed"  text "killed by SIGSEGV (core dumped)"
 *
 * Pure: names in, names out; nothing here prints.
 */
#ifndef MEMTRACE_NAMES_H
#define MEMTRACE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "../tracer/aspace.h"

/*
 * Where bytes come from (enum aspace_origin_kind).  Each returns "?" for a
 * value outside the enum.
 */
/* In the trace: "call", "exec", "attach", "kernel". */
const char *names_origin_trace(enum aspace_origin_kind kind);
/*
 * The report's site of bytes without a call's stack: "[no stack]" (a call
 * without one), "[mapped at exec]", "[before attach]", "[kernel]".
 */
const char *names_origin_site(enum aspace_origin_kind kind);
/*
 * Where --events, --regions and --verify name an origin that is no call
 * (a call is "#seq"): "[exec]", "[before attach]", "[kernel]"; NULL for
 * ASPACE_ORIGIN_CALL.
 */
const char *names_origin_text(enum aspace_origin_kind kind);
/* The origin kind whose trace name is name, or -1 (name may be NULL). */
int names_origin_parse(const char *name);

/* What backs a region (enum aspace_backing): "anon", "file"...; "?" outside the enum. */
const char *names_backing(enum aspace_backing backing);
/* The backing named name, or -1 (name may be NULL). */
int names_backing_parse(const char *name);

/* Room for a protection's text and its terminating NUL. */
#define NAMES_PROT_SIZE 5

/* prot (PROT_READ, PROT_WRITE, PROT_EXEC) as the trace writes it: "rw-".  Returns buf. */
const char *names_prot(char buf[NAMES_PROT_SIZE], unsigned int prot);
/* prot and the sharing, as /proc/PID/maps shows them: "rw-p", "r--s".  Returns buf. */
const char *names_perms(char buf[NAMES_PROT_SIZE], unsigned int prot, bool shared);
/*
 * The protection of a trace's text: each of its three letters in its
 * place sets its bit; 0 for a text that is not three characters long.
 */
unsigned int names_prot_parse(const char *text);

/* How a process's run ends. */
enum names_end {
	NAMES_END_RUNNING,  /* not yet */
	NAMES_END_EXITED,   /* with its exit status */
	NAMES_END_KILLED,   /* by a signal, maybe with a core dump */
	NAMES_END_DETACHED, /* memtrace let go of it, running (attach mode) */
	NAMES_END_EXECED,   /* its program was replaced by an exec: the next is reported apart */
};

/*
 * A process's end as fields: the live run decodes the wait status once
 * (tracer/session.c), the trace reader reads the summary line's as a
 * wait status would hold them (report/traceread.c).  All zero: still
 * running.
 */
struct names_ending {
	enum names_end how;
	/*
	 * NAMES_END_EXITED: the exit status; NAMES_END_KILLED: the signal;
	 * NAMES_END_DETACHED: 1 when left stopped (job control), 0 running.
	 */
	int code;
	bool core_dumped; /* NAMES_END_KILLED: with a core dump */
};

/* In the trace's summary line: "exited", "killed", "detached", "running", "exec". */
const char *names_end_trace(enum names_end end);
/* The end whose trace name is name, or -1 (name may be NULL). */
int names_end_parse(const char *name);
/*
 * A process's end as people read it, into buf: "exited with 0",
 * "killed by SIGSEGV (core dumped)", "detached, running on", "detached,
 * left stopped", "still running", "replaced by an exec".  Returns buf.
 */
const char *names_end_text(char *buf, size_t size, const struct names_ending *end);

#endif /* MEMTRACE_NAMES_H */
