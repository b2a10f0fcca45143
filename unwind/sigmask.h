/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Two system calls less per frame of every stack: libunwind 1.6 takes a
 * lock around every access to its cache of unwind rules, and blocks every
 * signal while it holds it (src/mi/init.c and include/libunwind_i.h,
 * lock_acquire: sigprocmask(SIG_SETMASK, &unwi_full_mask, ...)), so that a
 * signal handler that unwinds cannot deadlock on it.  That is most of what
 * a 14-frame stack costs.  Its per-thread cache (UNW_CACHE_PER_THREAD)
 * takes no lock, but it is one cache for every address space of the
 * thread, checked only by a generation number each address space counts
 * on its own (src/dwarf/Gparser.c, get_rs_cache): two traced programs
 * with code at the same address would unwind with each other's rules.
 *
 * So, with MEMTRACE_UNWIND_SIGMASK (a CMake option, on by default),
 * sigmask.c defines sigprocmask() for memtrace, which the dynamic linker
 * gives libunwind instead of libc's: between unwind_sigmask_begin() and
 * unwind_sigmask_end() it answers from the mask saved at the walk's start
 * and changes nothing, without a system call; outside a walk it is
 * pthread_sigmask().  This is safe because memtrace's signal handlers
 * only set flags and never unwind, and memtrace is single-threaded.
 * glibc's own callers use its internal alias and never come here.
 * Without the option, begin and end do nothing and libunwind pays its
 * system calls.
 */
#ifndef MEMTRACE_SIGMASK_H
#define MEMTRACE_SIGMASK_H

#include <stdbool.h>

/* A walk begins: sigprocmask() answers from the mask as it is now. */
void unwind_sigmask_begin(void);
/* The walk is over: sigprocmask() is pthread_sigmask() again. */
void unwind_sigmask_end(void);
/* Whether sigprocmask() is memtrace's (the option was on at build time). */
bool unwind_sigmask_enabled(void);

#endif /* MEMTRACE_SIGMASK_H */
