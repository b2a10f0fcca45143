/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A live run: the engine (tracer/engine.h), stack capture (unwind/), and
 * the outputs the command line asked for (report/output.h), wired
 * together.  It is the engine's sink: each memory call, exec, thread and
 * process end goes to every output; it keeps what the report needs of
 * each process beyond its model (churn counts, resident figures, the brk
 * heap, mismatches) and takes the snapshots the outputs are fed at a
 * process's end, on SIGUSR1 and at each --interval tick.
 *
 *   session_new -> session_launch or session_attach -> session_run -> session_free
 */
#ifndef MEMTRACE_SESSION_H
#define MEMTRACE_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../report/output.h"

struct session_options {
	struct output_options out;
	bool follow_forks;	     /* -f: forked children reported too */
	bool no_stacks;		     /* --no-stacks */
	bool debuginfod;	     /* --debuginfod: debug files fetched when missing */
	const char *debuginfod_urls; /* --debuginfod=URLS, or NULL: $DEBUGINFOD_URLS */
	unsigned int max_frames;     /* --max-frames */
	uint64_t duration_ns;	     /* --duration: attach mode detaches after it */
	uint64_t interval_ns;	     /* --interval: 0 for none */
	bool sigpipe_ignored; /* memtrace was started with SIGPIPE ignored: so is the program */
	unsigned long long nofile; /* the soft RLIMIT_NOFILE to give the program back, or 0 */
};

struct session;

/* Returns a new session (session_free); opts is copied, its strings borrowed. */
struct session *session_new(const struct session_options *opts);
/* Frees it: a tracee left is detached (attach mode) or killed.  Accepts NULL. */
void session_free(struct session *session);

/*
 * Opens the outputs, then starts argv under the engine.  Returns 0, 2
 * when an output cannot be opened (the program does not start), or 1
 * when it cannot be traced; a line on stderr says why.
 */
int session_launch(struct session *session, char *const argv[]);

/*
 * Attaches to opts.out.pids (every process or none), then opens the
 * outputs (an attach that fails leaves no file; an output that cannot be
 * opened detaches at once).  Returns 0, 1 (cannot attach) or 2, after a
 * line on stderr saying why.
 */
int session_attach(struct session *session);

/*
 * Traces until every tracee is gone (or detached), reports every process,
 * closes the outputs.  Returns 0, or -errno when waiting failed.
 */
int session_run(struct session *session);

/* The errno of a launched program that could not be executed; 0 if it ran. */
int session_exec_errno(const struct session *session);
/* The launched program's wait status. */
int session_main_status(const struct session *session);
/* Whether an output was not written whole (a full disk, a reader gone), once run. */
bool session_outputs_failed(const struct session *session);

#endif /* MEMTRACE_SESSION_H */
