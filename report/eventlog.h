/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --events: one strace-like line per memory call, written whole when the
 * call has finished, so threads never interleave halves of lines:
 *
 *   0.004211 [4242] #17 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3a1c000000
 *   0.004388 [4242/4250] #18 munmap(0x7f3a1c000000, 4096) = 0  # trims #17 by 4 KiB
 *   0.005020 [4242] +++ exited with 0 +++
 *
 * The time is seconds since memtrace started, at the call's entry; the
 * bracket holds the process id, and the thread id when it differs; #N is
 * the call's sequence number.  After "  # " come the earlier calls whose
 * memory this one unmapped ("unmaps #N", "trims #N by SIZE", "unmaps the
 * rest of #N (SIZE)"), re-protected, moved or released, and how much.
 */
#ifndef MEMTRACE_EVENTLOG_H
#define MEMTRACE_EVENTLOG_H

#include <stdint.h>
#include <stdio.h>

#include "../tracer/engine.h"

struct eventlog;
struct report_proc;

/*
 * Returns a new log writing to out, which stays the caller's (it must
 * outlive the log).  The caller frees it with eventlog_free().
 */
struct eventlog *eventlog_new(FILE *out);
/* Flushes and frees.  Accepts NULL. */
void eventlog_free(struct eventlog *log);

/* Writes the line of one finished (or cut short) call. */
void eventlog_call(struct eventlog *log, const struct engine_call *call);
/* "--- execve PATH ---" when a process runs a new program. */
void eventlog_exec(struct eventlog *log, const struct report_proc *proc, uint64_t time_ns);
/* "+++ exited with N +++" or "+++ killed by SIGx +++" when a process ends. */
void eventlog_proc_end(struct eventlog *log, const struct report_proc *proc, uint64_t time_ns);

/*
 * Formats the line of a call into buf (without the newline), as
 * snprintf does: returns the length the whole line has.
 */
size_t eventlog_format_call(char *buf, size_t size, const struct engine_call *call);

#endif /* MEMTRACE_EVENTLOG_H */
