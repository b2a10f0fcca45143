/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stack capture with libunwind, one libunwind address space per traced
 * mm, caching on.  memtrace owns the accessors: the program counter and
 * the stack pointer come from the stop's PTRACE_GET_SYSCALL_INFO, the
 * other registers from one PTRACE_GETREGSET when a frame needs them
 * (rarely: most frames' CFA is the stack pointer's; read through the
 * arch_desc of tracer/arch/), memory from a copy
 * of the top of the stack taken with one process_vm_readv per stop (and a
 * few cached pages beyond it); unwind tables from the module table
 * (unwind/modules.h, unwind/cfi.h): each file's read once, whichever
 * processes map it, and each frame's file found in the process's model.
 * unw_get_proc_name is never called: names come from symbols.c.
 */
#ifndef MEMTRACE_UNWINDER_H
#define MEMTRACE_UNWINDER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "aspace.h"
#include "modules.h"

struct unwinder;

/*
 * Returns an unwinder for one mm (libunwind's caches are kept per mm),
 * owned by the caller (unwinder_free), or NULL when libunwind cannot
 * create one.
 */
struct unwinder *unwinder_new(void);
/* Frees it.  Accepts NULL. */
void unwinder_free(struct unwinder *unw);

/*
 * Forgets every cached unwind table: call it when an executable mapping is
 * unmapped or replaced, or at exec (unw_flush_cache flushes everything,
 * whatever range it is given, so only then).
 */
void unwinder_flush(struct unwinder *unw);

/*
 * Walks the stack of task tid, stopped with registers regs (the stop's
 * PTRACE_GETREGSET: its program counter and stack pointer, and whatever
 * register a frame's rule names), whose process's model is as; the files
 * mapped there are found in mods (its unwind tables are read at their
 * first use).  Fills ips with the program counter, then each caller's
 * return address, at most max of them.  Returns how many (at least 1),
 * or -EFAULT when not even the first could be had.
 */
int unwinder_walk(struct unwinder *unw, pid_t tid, const struct arch_regs *regs,
		  const struct aspace *as, struct modules *mods, uint64_t *ips, size_t max);

#endif /* MEMTRACE_UNWINDER_H */
