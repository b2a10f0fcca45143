/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mangled names made readable by GCC's libiberty, the demangler of
 * binutils and gdb: C++'s, Rust's legacy ones (their hash dropped) and
 * v0 ones, D's.  In a file of its own: libiberty's headers declare
 * names (xmalloc, ARRAY_SIZE) that memtrace's util.h declares too.
 */
#ifndef MEMTRACE_DEMANGLER_H
#define MEMTRACE_DEMANGLER_H

/*
 * Returns name demangled, owned by the caller (free()), or NULL when it
 * is not a mangled name libiberty reads.
 */
char *demangler_demangle(const char *name);

#endif /* MEMTRACE_DEMANGLER_H */
