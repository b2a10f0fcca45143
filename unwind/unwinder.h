/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stack capture with libunwind-ptrace, one libunwind address space per
 * traced mm, caching on.  memtrace owns the accessors: registers come from
 * the one PTRACE_GETREGSET the engine made at the stop (read through the
 * arch_desc of tracer/arch/), memory from a copy
 * of the top of the stack taken with one process_vm_readv per stop (and a
 * few cached pages beyond it); finding unwind tables is delegated to
 * libunwind's _UPT_ helpers, which read /proc/PID/maps and map the ELF
 * files.  unw_get_proc_name is never called: names come from symbols.c.
 */
#ifndef MEMTRACE_UNWINDER_H
#define MEMTRACE_UNWINDER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"

struct unwinder;

/*
 * Returns an unwinder for the mm of process pid, owned by the caller
 * (unwinder_free), or NULL when libunwind cannot create one.
 */
struct unwinder *unwinder_new(pid_t pid);
/* Frees it.  Accepts NULL. */
void unwinder_free(struct unwinder *unw);

/*
 * Forgets every cached unwind table: call it when an executable mapping is
 * unmapped or replaced, or at exec (unw_flush_cache flushes everything,
 * whatever range it is given, so only then).
 */
void unwinder_flush(struct unwinder *unw);

/*
 * Walks the stack of task tid, stopped with registers regs: fills ips
 * with the program counter, then each caller's return address, at most
 * max of them.  Returns how many (at least 1), or -EFAULT when not even
 * the first could be had.
 */
int unwinder_walk(struct unwinder *unw, pid_t tid, const struct arch_regs *regs, uint64_t *ips,
		  size_t max);

#endif /* MEMTRACE_UNWINDER_H */
