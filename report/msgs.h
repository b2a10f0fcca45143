/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a module of the report side has to say, returned instead of
 * printed (tracer/util.h: modules never print): the warnings of a job
 * done in part, in the order they arose, and why one failed.  Each is
 * one line without memtrace's name; the command line
 * (tracer/subcommands.c) prints them after "memtrace: " and chooses the exit status.
 *
 *   struct msgs msgs = { 0 };
 *   int err = traceread_open(path, 0, false, &trace, &msgs);
 *   ... print msgs.warnings[i], then msgs.error when err ...
 *   msgs_free(&msgs);
 */
#ifndef MEMTRACE_MSGS_H
#define MEMTRACE_MSGS_H

#include <stddef.h>

#include "../tracer/util.h"

/* Room for one line, as tracer/util.c has for its own: longer ones are cut there too. */
#define MSGS_LINE_SIZE 1024

struct msgs {
	char **warnings;
	size_t nwarnings;
	size_t cap;
	char error[MSGS_LINE_SIZE]; /* why the job failed; "" when it did not */
};

/* Adds a warning. */
void msgs_warn(struct msgs *msgs, const char *fmt, ...) ATTRIBUTE_FORMAT(2, 3);

/* Says why the job failed (the last reason said is kept).  Returns err, a -errno. */
int msgs_error(struct msgs *msgs, int err, const char *fmt, ...) ATTRIBUTE_FORMAT(3, 4);

/* Frees the warnings and empties msgs, for another job.  Accepts an empty one. */
void msgs_free(struct msgs *msgs);

#endif /* MEMTRACE_MSGS_H */
