/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * glibc's main malloc heap (the brk heap) seen from outside: how much of
 * it lies in free chunks below the top chunk, which malloc cannot give
 * back to the kernel (it only ever lowers the break by trimming the top
 * chunk, malloc/malloc.c systrim), and which block in use pins it.
 *
 * The heap is a run of chunks, each headed by two words (glibc 2.36
 * malloc/malloc.c, struct malloc_chunk, x86_64):
 *
 *   chunk -> | mchunk_prev_size | mchunk_size | user data ...
 *
 * mchunk_size is the chunk's size (a multiple of MALLOC_ALIGNMENT, 16, at
 * least MINSIZE, 32) ORed with PREV_INUSE (0x1: the chunk before this one
 * is in use), IS_MMAPPED (0x2) and NON_MAIN_ARENA (0x4), neither of which
 * is ever set in the main heap.  A chunk is free when the next chunk's
 * PREV_INUSE is clear; chunks in the tcache and the fastbins keep it set,
 * so they count as in use.  The last chunk is the top chunk; it ends
 * exactly at the program break (sysmalloc grows the break so that it
 * does).
 *
 * Only the size words are read, with memread(), 64 KiB at a time; no
 * ptrace request is made, so this works on a task stopped at
 * PTRACE_EVENT_EXIT, and on a running one (which may make the walk fail
 * with -EINVAL, never loop).
 */
#ifndef MEMTRACE_MALLOCHEAP_H
#define MEMTRACE_MALLOCHEAP_H

#include <stdint.h>
#include <sys/types.h>

struct mallocheap_info {
	uint64_t size;	     /* heap_top - the first chunk */
	uint64_t chunks;     /* walked, the top chunk included */
	uint64_t free_bytes; /* in free chunks: a lower bound (see above) */
	uint64_t free_chunks;
	uint64_t largest_free; /* the largest free chunk's size */
	uint64_t top_size;     /* the top chunk's, which ends at heap_top */
	/* The chunk in use nearest below the top chunk, which pins the heap (0: none). */
	uint64_t last_used_addr;
	uint64_t last_used_size;
};

/*
 * Walks the chunks of task pid's brk heap from heap_start, rounded up to
 * 16 as sysmalloc does, to heap_top, the current program break.
 * heap_start is where malloc's first sbrk found the break: the start of
 * [heap] in a dynamically linked program; in a static one glibc's
 * __libc_setup_tls takes the first bytes of [heap] for the main thread's
 * TLS block before malloc runs.
 *
 * Returns 0 with *info filled (all zero when heap_top is heap_start), or
 * -EINVAL when the memory does not look like a glibc main heap (a size
 * not a multiple of 16, below 32, with IS_MMAPPED or NON_MAIN_ARENA set,
 * or running past heap_top: another allocator, bytes not malloc's before
 * its first chunk, or a heap changing while read), -E2BIG when there are
 * more than max_chunks chunks (a bound on the time spent), or memread()'s
 * -ESRCH, -EFAULT, -EPERM, -EACCES.  On an error *info is partial.
 */
int mallocheap_walk(pid_t pid, uint64_t heap_start, uint64_t heap_top, uint64_t max_chunks,
		    struct mallocheap_info *info);

#endif /* MEMTRACE_MALLOCHEAP_H */
