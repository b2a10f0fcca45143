/*
 * The text report.  For now, the end-of-run summary: one line per
 * reported process with its memory calls by kind and how it ended:
 *
 *   memtrace: [4242] /usr/bin/ls: 31 memory calls (mmap 19, mprotect 6, munmap 2, brk 3, ...); exited with 0
 */
#ifndef MEMTRACE_TEXT_H
#define MEMTRACE_TEXT_H

#include <stdio.h>

#include "../tracer/tasks.h"

/* Writes the summary line of one process to out. */
void text_proc_summary(FILE *out, const struct proc *proc);

#endif /* MEMTRACE_TEXT_H */
