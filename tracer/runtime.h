/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What memtrace knows of the allocators and runtimes a traced program
 * runs on: one entry per allocator or runtime (struct runtime_desc), all
 * of them listed in one table in runtime.c, which the rest of memtrace
 * consults only through the functions below, never naming an entry's
 * figures itself:
 *
 *   - the model (aspace.c) asks which private anonymous regions lie in an
 *     arena window, an allocator's own reservation (ASPACE_KIND_ARENA),
 *     each runtime whose window could hold the region asked in turn until
 *     one says its window is an arena, and the report (report.c) counts
 *     arenas by the windows that said so;
 *   - the exited-stacks finding (findings.c) asks how many bytes of
 *     joined threads' stacks a thread library keeps for reuse;
 *   - a report's sites (stackfmt.c) start at the call the program made
 *     into an allocator or a runtime, its frames inside them folded, and
 *     end at a program's or a thread's entry function;
 *   - the snapshot (mm.c) walks the brk heap with the allocator's walker,
 *     for the pinned-heap finding.
 *
 * Pure, like the model: the heap walker alone reads the tracee's memory.
 */
#ifndef MEMTRACE_RUNTIME_H
#define MEMTRACE_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "aspace.h"
#include "mallocheap.h"

struct runtime_desc;

/* An arena window: [start, end), and the runtime whose it would be. */
struct runtime_window {
	const struct runtime_desc *runtime;
	uint64_t start;
	uint64_t end;
};

struct runtime_desc {
	const char *name; /* "glibc" */
	/*
	 * Arena windows, or NULL for both: arena_window() says whether
	 * region, of any kind, could lie in one of the runtime's windows and
	 * sets win's start and end to that window's, looking at region alone
	 * (it is asked of every private anonymous region at every walk: it
	 * must be cheap); arena_at() says whether that window, whose regions
	 * as holds, is one, looking at them all.  A window that is one is
	 * covered exactly by regions arena_window() puts in it, so that every
	 * region inside a window has the window's verdict (which the model's
	 * walks keep for the window's other regions: aspace_kind_cache).
	 * A window that is none leaves the region to the next runtime's.
	 * cache, when not NULL, may tell who made a region
	 * (aspace_maker_of()).
	 */
	bool (*arena_window)(const struct aspace_region *region,
			     const struct aspace_kind_cache *cache, struct runtime_window *win);
	bool (*arena_at)(const struct aspace *as, const struct aspace_kind_cache *cache,
			 const struct runtime_window *win);
	/* Bytes of joined threads' stacks its thread library keeps for reuse. */
	uint64_t stack_cache_bytes;
	/* The functions a site ends at (a program's and its threads' entries); NULL last. */
	const char *const *site_ends;
	/*
	 * Names of functions below are patterns: one that ends in '.', ':',
	 * '_' or '/' is a prefix ("runtime.", "os::", "je_"), any other a
	 * whole name ("new_heap", "malloc"): a program's own new_heap_for_x
	 * is not glibc's.
	 *
	 * Its own code, which a site folds into the outermost of its frames
	 * (the call the program made: malloc, operator new): the files it
	 * is, by the start of their base names ("libjemalloc.so."), and its
	 * functions where it is linked into the program ("runtime.",
	 * jemalloc's "je_" in redis, a static glibc's "sysmalloc").  NULL
	 * last; NULL for none.
	 */
	const char *const *modules;
	const char *const *functions;
	/*
	 * Its system calls' wrappers ("mmap", Go's "syscall."): the code
	 * that called the outermost of them made the memory, and is the
	 * program's own when it is no runtime's.  NULL last; NULL for none.
	 */
	const char *const *wrappers;
	/*
	 * Its functions that make memory of a kind (glibc's new_heap an
	 * arena's heap, Go's runtime.(*mheap) methods its heap)
	 * (runtime_frame_maker()).  Ends with a NULL name; NULL for none.
	 * A rule of a heap may name the part of the runtime's memory it
	 * makes (the JVM's "code cache") and the knob that bounds that part,
	 * as a sentence ("-XX:ReservedCodeCacheSize bounds it."), for the
	 * report's rows and findings.
	 */
	const struct runtime_maker_rule {
		const char *name;
		enum aspace_maker maker;
		const char *part; /* NULL: not told apart */
		const char *knob; /* NULL: none */
	} * makers;
	/*
	 * Whether every mapping it makes is its heap (jemalloc's extents,
	 * tcmalloc's spans), where no rule of makers says more.
	 */
	bool maps_heap;
	/*
	 * Why it keeps committed what is not resident, and its knobs, for a
	 * report whose sites of it commit far more than is resident; NULL:
	 * none (glibc's arenas have a finding of their own).
	 */
	const char *commit_advice;
	/* The least it commits for that finding; 0: the finding's own (64 MiB). */
	uint64_t commit_min;
	/* Walks the brk heap of task pid as mallocheap_walk() does, or NULL. */
	int (*heap_walk)(pid_t pid, uint64_t heap_start, uint64_t heap_top, uint64_t max_chunks,
			 struct mallocheap_info *info);
};

/* The entries, one file each: rt_<name>.c. */
extern const struct runtime_desc runtime_glibc;
extern const struct runtime_desc runtime_musl;
extern const struct runtime_desc runtime_cxx;
extern const struct runtime_desc runtime_jemalloc;
extern const struct runtime_desc runtime_tcmalloc;
extern const struct runtime_desc runtime_go;
extern const struct runtime_desc runtime_hotspot;
extern const struct runtime_desc runtime_v8;
extern const struct runtime_desc runtime_cpython;

/*
 * Whether region, of any kind, lies in an arena of as: each runtime, in
 * the table's order, whose window could hold region (arena_window) is
 * asked whether that window is an arena (arena_at), until one says it
 * is; *win is then that window, which the report groups a model's arena
 * regions into arenas by (else *win is undefined).  cache, NULL or zeroed
 * before a walk over the model (unchanged during it), keeps each
 * runtime's verdict on its last window: a region inside it asks that
 * runtime nothing.
 */
bool runtime_arena(const struct aspace *as, const struct aspace_region *region,
		   struct aspace_kind_cache *cache, struct runtime_window *win);

/*
 * The most bytes of joined threads' stacks any runtime's thread library
 * keeps for reuse: stacks of exited threads beyond it were never joined.
 */
uint64_t runtime_stack_cache_bytes(void);

/* Whether a site ends at the function named by the len bytes at name. */
bool runtime_site_end(const char *name, size_t len);

/*
 * The allocator or runtime whose own code a frame is, or NULL: the frame
 * in the file whose base name is module (NULL: none), in the function
 * named by the len bytes at name (NULL: no name).
 */
const struct runtime_desc *runtime_frame_runtime(const char *module, const char *name, size_t len);

/* Whether the function named by the len bytes at name is a system call's wrapper. */
bool runtime_frame_wrapper(const char *name, size_t len);

/*
 * The rule that names the function named by the len bytes at name as a
 * maker of memory (its maker says what it makes), and whose rule it is
 * (*by, when by is not NULL); NULL when no rule names it.  The innermost
 * frame of a stack that one names tells who made the memory of its call
 * (stackfmt_maker()).
 */
const struct runtime_maker_rule *runtime_frame_maker(const char *name, size_t len,
						     const struct runtime_desc **by);

/*
 * Walks the brk heap of task pid, [heap_start, heap_top), with the
 * first runtime's walker that recognizes it (see mallocheap_walk()).
 * Returns 0 with *info filled, or the last walker's error (-EINVAL when
 * no runtime has one).
 */
int runtime_heap_walk(pid_t pid, uint64_t heap_start, uint64_t heap_top, uint64_t max_chunks,
		      struct mallocheap_info *info);

#endif /* MEMTRACE_RUNTIME_H */
