/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The text report.  For now, the end-of-run summary: one line per
 * reported process with its memory calls by kind and how it ended:
 *
 *   memtrace: [4242] /usr/bin/ls: 31 memory calls (mmap 19, mprotect 6, munmap 2, brk 3, ...); exited with 0
 */
#ifndef MEMTRACE_TEXT_H
#define MEMTRACE_TEXT_H

#include <stdio.h>

#include "../tracer/mm.h"
#include "../tracer/strtab.h"
#include "../tracer/tasks.h"
#include "stackfmt.h"

/* Writes the summary line of one process to out. */
void text_proc_summary(FILE *out, const struct proc *proc);

/*
 * --regions: every region of proc's model, in address order, with its
 * kind, size and the call that made it (its origin) and last re-protected
 * it -- pmap, with the reasons:
 *
 *   memtrace: [4242] 3 regions:
 *     0x7f3a1c000000-0x7f3a1c021000 rw-p   132 KiB anonymous     #17 [tid 4250] (prot #19)
 *     0x7ffd4a1de000-0x7ffd4a1ff000 rw-p   132 KiB main stack    [exec]
 *
 * Under a region made by a call with a stack: "      by mmap+0x13 <
 * worker_loop+0x23 < start_thread+0x305" (six frames at most), symbolized
 * from where the frames were when the call was made.
 */
void text_regions(FILE *out, struct proc *proc, const struct strtab *paths, struct stackfmt *fmt,
		  const struct stacks *stacks);

/*
 * --verify found the model of proc different from the kernel's after call
 * seq (0: at exit): writes the differing ranges and both sides of them.
 *
 *   memtrace: verify: [4242] after #17: 1 range differs: 0x7f..000-0x7f..000
 *     model   0x7f3a1c000000-0x7f3a1c010000 rw-p anon          #12
 *     kernel  0x7f3a1c000000-0x7f3a1c020000 rw-p anon
 */
void text_verify_mismatch(FILE *out, const struct proc *proc, uint64_t seq,
			  const struct mm_diff *diff, const struct strtab *paths);

#endif /* MEMTRACE_TEXT_H */
