/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A known call chain, one function per file so that none is inlined into
 * another (strace's tests/stack-fcall-*.c): main -> f0 -> f1 -> f2 -> f3
 * -> map_it (static) -> mmap.  Each returns its callee's result plus one,
 * so no call becomes a tail call (strace's COMPLEX_BODY).
 */
#ifndef MEMTRACE_TEST_CHAIN_H
#define MEMTRACE_TEST_CHAIN_H

#include <stddef.h>

/* The length of the chain's mmap: the test finds its line by it. */
#define CHAIN_LEN 12345

int f0(size_t len);
int f1(size_t len);
int f2(size_t len);
int f3(size_t len);

#endif
