/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The outputs of a live run: --events, the text report (with --regions,
 * which goes to the report's file), the JSON trace (-o), the memory
 * profile as pprof (--pprof) and as folded stacks (--folded), the HTML
 * view (--html).  The session (tracer/session.c) feeds every output
 * that the command line asked for through one interface, in the order of
 * the list in report/output.c; an output is one file implementing
 * struct output_ops and one line in that list.
 *
 *   open       the options ask for it?  then open its file (before the
 *              program starts, or once every process is attached)
 *   call       a memory call has returned (or its task vanished in it)
 *   exec       a process runs a new program: its model starts again
 *   thread     a thread started, or ended on its own
 *   proc_end   a reported process is gone
 *   snapshot   a process's figures at a moment: its end (or the
 *              detach), a SIGUSR1, an --interval tick
 *   end        every process has been reported
 *   flush      what is written so far reaches the file (before a line on
 *              stderr that must read after it; before memtrace dies)
 *   close      finish and free; says whether everything was written
 */
#ifndef MEMTRACE_OUTPUT_H
#define MEMTRACE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../tracer/engine.h"
#include "../unwind/stacks.h"
#include "../unwind/modules.h"
#include "profile.h"
#include "report.h"
#include "stackfmt.h"

/* What the command line asks of the outputs. */
struct output_options {
	bool events;			   /* --events */
	const char *events_path;	   /* its file; NULL: stderr; "-": stdout */
	const char *report_path;	   /* --report: NULL: stderr */
	const char *trace_path;		   /* -o: NULL: none */
	const char *pprof_path;		   /* --pprof: NULL: none */
	const char *folded_path;	   /* --folded: NULL: none */
	enum profile_metric folded_metric; /* --metric */
	const char *html_path;		   /* --html: NULL: none */
	bool regions;			   /* --regions */
	bool verify;			   /* --verify: the report ends with the mismatches */
	size_t top;			   /* --top */
	uint64_t churn_ns;		   /* --churn-ms */
	bool utf8;			   /* the terminal's character set */
	char *const *argv;		   /* the program launched, or NULL */
	const pid_t *pids;		   /* or the processes attached */
	size_t npids;
};

/* What the outputs read, owned by the session, which outlives them. */
struct output_env {
	const struct strtab *paths;
	struct modules *mods;
	const struct stacks *stacks;
	struct stackfmt *fmt;
};

enum output_moment {
	OUTPUT_FINAL,	 /* the process ended, or is left running (detach) */
	OUTPUT_EXEC,	 /* its program is replaced by an exec: the old program's last report */
	OUTPUT_SIGNAL,	 /* SIGUSR1: the report now, tracing goes on */
	OUTPUT_INTERVAL, /* --interval */
};

/* A process's figures at a moment. */
struct output_snapshot {
	enum output_moment when;
	uint64_t time_ns;
	const struct report_proc *proc;
	/*
	 * Its report's input, with in->as NULL for a process without a model
	 * (memtrace could not follow its memory), and its report (NULL then,
	 * and at OUTPUT_INTERVAL: not computed).
	 */
	const struct report_input *in;
	const struct report *rep;
	uint64_t rss;	   /* OUTPUT_INTERVAL: resident bytes now */
	uint64_t prev_vsz; /* OUTPUT_INTERVAL: the size at the last tick */
};

/* An open output; each implementation embeds it first. */
struct output {
	const struct output_ops *ops;
	const char *what; /* "the report", "the events", "the trace": for messages */
	const char *path; /* its file as named on the command line; NULL: stderr */
	/* The first write error, said at once on stderr (output_failed()); 0: none. */
	int failed;
};

/*
 * An output's write failed with -err: said on stderr the first time
 * ("cannot write the trace 't.json': No space left on device"), kept in
 * out->failed; later ones say nothing.  Its writers then write no more.
 */
void output_failed(struct output *out, int err);

/* What an output needs read for it (output_ops.needs). */
#define OUTPUT_NEEDS_INTERVAL_USAGE 0x1U /* the resident figures at each --interval tick */

struct output_ops {
	unsigned int needs; /* OUTPUT_NEEDS_* */
	/*
	 * Opens the output when the options ask for it: returns 0 with *out
	 * set (NULL when they do not), or -1 after one line on stderr naming
	 * the file and why.
	 */
	int (*open)(const struct output_options *opts, const struct output_env *env,
		    struct output **out);
	/* The file open would write, as named on the command line; NULL for none or stderr. */
	const char *(*file)(const struct output_options *opts);
	/* The others may be NULL: nothing to do. */
	void (*call)(struct output *out, const struct engine_call *call, const struct aspace *as);
	void (*exec)(struct output *out, const struct report_proc *proc, uint64_t time_ns);
	void (*thread)(struct output *out, pid_t pid, pid_t tid, bool exited, uint64_t sp,
		       uint64_t time_ns, const struct aspace *as);
	void (*proc_end)(struct output *out, const struct report_proc *proc, uint64_t time_ns);
	void (*snapshot)(struct output *out, const struct output_snapshot *snap);
	/* mismatches: --verify's total over every process. */
	void (*end)(struct output *out, uint64_t mismatches);
	/* Returns 0, or the first write error (-errno). */
	int (*flush)(struct output *out);
	/* Finishes and frees; returns 0, or -errno when something was not written. */
	int (*close)(struct output *out);
};

/* The outputs, in the order they are fed. */
extern const struct output_ops *const output_list[];
extern const size_t output_count;

extern const struct output_ops output_events;
extern const struct output_ops output_report;
extern const struct output_ops output_trace;
extern const struct output_ops output_pprof;
extern const struct output_ops output_folded;
extern const struct output_ops output_html;

/*
 * The width a report written to fd has: the terminal's columns (80 when
 * it does not say, 40 at least), or 0 (no limit) off a terminal.
 */
size_t output_width(int fd);

/*
 * Whether every output the options ask for can be opened, before any is:
 * a file that exists is opened without being truncated, one that does not
 * is created and removed again.  So that one that cannot be opened leaves
 * the others' files as they were.  Returns 0, or -1 after a line naming
 * the file and why.
 */
int output_check_files(const struct output_options *opts);

/*
 * What was traced, as profile_command() says it: "memtrace -- ./server
 * -p 80".  Owned by the caller.
 */
char *output_command(const struct output_options *opts);

/* How many of the outputs the options ask for write to standard output ("-"). */
size_t output_stdout_count(const struct output_options *opts);

/*
 * The file of an output named on the command line: a path, "-" for a
 * copy of standard output, NULL for a copy of stderr.  Returns the
 * descriptor (O_CLOEXEC), or -1 after a line naming it and why.
 */
int output_open_fd(const char *path);

/*
 * A stdio stream on fd that a signal cannot cut short: memtrace's
 * handlers are installed without SA_RESTART (so that waitpid returns to
 * the engine's loop), and stdio would drop the buffer of a write
 * interrupted by one, losing lines already seen.  Owns fd.  Its first
 * write error is owner's (output_failed()), said at once; NULL: kept
 * for output_close_stream() alone.
 */
FILE *output_stream(int fd, struct output *owner);

/*
 * Closes a stream; returns 0, or -errno when what was written to it did
 * not all get there (a full disk, a reader gone).
 */
int output_close_stream(FILE *stream);

/* "the report 'r.txt'", "the events": how a message names an output. */
void output_name(char *buf, size_t size, const char *what, const char *path);

#endif /* MEMTRACE_OUTPUT_H */
