/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * glibc as a runtime (runtime.h): its malloc's arena heaps, its threads'
 * stack cache and entry functions, and its brk heap's walker
 * (mallocheap.c).
 *
 * An arena other than the main one takes its memory from heaps of
 * HEAP_MAX_SIZE, 64 MiB on 64-bit, aligned to their size so that a
 * chunk's heap is found by masking its address (malloc/arena.c,
 * new_heap, heap_for_ptr): new_heap reserves them with mmap(PROT_NONE,
 * MAP_NORESERVE), 128 MiB and the unaligned ends trimmed, or 64 MiB
 * directly, and commits them from their start (the heap_info header) by
 * mprotect.  A 64 MiB block malloc mmaps for a large request is not
 * MAP_NORESERVE, so it is not taken for a heap.
 */
#include "runtime.h"

#include <sys/mman.h>

/* HEAP_MAX_SIZE on 64-bit (malloc/arena.c): a heap's size and alignment. */
#define HEAP_MAX_SIZE (64ULL << 20)

/* nptl/nptl-stack.c, stack_cache_maxsize: joined threads' stacks kept for reuse. */
#define STACK_CACHE_MAXSIZE (40ULL << 20)

/*
 * Whether region may be part of a heap: private anonymous memory outside
 * any thread's stack, made MAP_NORESERVE by a call (regions found at
 * attach or exec cannot say: the window's shape must), and not by the
 * program's own code nor a runtime's other than malloc's arenas, when
 * its stack tells.
 */
static bool heap_part(const struct aspace_region *region, const struct aspace_kind_cache *cache)
{
	enum aspace_maker maker;

	if (region->backing != ASPACE_BACKING_ANON || (region->flags & ASPACE_SHARED) ||
	    region->thread)
		return false;
	if (region->origin.kind != ASPACE_ORIGIN_CALL)
		return true;
	maker = aspace_maker_of(cache, region);
	return (region->flags & ASPACE_NORESERVE) &&
	       (maker == ASPACE_MAKER_UNKNOWN || maker == ASPACE_MAKER_ARENA);
}

static bool glibc_arena_window(const struct aspace_region *region,
			       const struct aspace_kind_cache *cache, struct runtime_window *win)
{
	uint64_t start = region->start & ~(HEAP_MAX_SIZE - 1);

	if (!heap_part(region, cache) || region->end > start + HEAP_MAX_SIZE)
		return false;
	win->start = start;
	win->end = start + HEAP_MAX_SIZE;
	return true;
}

/*
 * Whether win is a heap: covered exactly by regions that may be part of
 * one, the first (the heap_info header) accessible.
 */
static bool glibc_arena_at(const struct aspace *as, const struct aspace_kind_cache *cache,
			   const struct runtime_window *win)
{
	struct aspace_cursor cur;
	const struct aspace_region *part = aspace_first_from(as, win->start, &cur);
	uint64_t pos = win->start;

	if (!part || part->start != win->start || !(part->prot & PROT_WRITE))
		return false;
	for (; part && part->start == pos && pos < win->end; part = aspace_next(as, &cur)) {
		if (!heap_part(part, cache))
			return false;
		pos = part->end;
	}
	return pos == win->end;
}

/*
 * A site ends where the program's code starts: main, which
 * __libc_start_call_main calls, and start_thread, which runs a thread
 * that pthread_create made (nptl/pthread_create.c).
 */
static const char *const glibc_site_ends[] = { "main", "start_thread", NULL };

/*
 * Who makes what (malloc/arena.c, nptl/allocatestack.c): an arena's heaps
 * come from new_heap (alloc_new_heap in glibc 2.35 and later), under
 * _int_new_arena or sysmalloc; a thread's stack from allocate_stack,
 * under pthread_create.
 */
static const struct runtime_maker_rule glibc_makers[] = {
	{ "new_heap", ASPACE_MAKER_ARENA, NULL, NULL },
	{ "alloc_new_heap", ASPACE_MAKER_ARENA, NULL, NULL },
	{ "_int_new_arena", ASPACE_MAKER_ARENA, NULL, NULL },
	{ "allocate_stack", ASPACE_MAKER_THREAD, NULL, NULL },
	{ "pthread_create", ASPACE_MAKER_THREAD, NULL, NULL },
	{ "__pthread_create_2_1", ASPACE_MAKER_THREAD, NULL, NULL },
	{ NULL, ASPACE_MAKER_UNKNOWN, NULL, NULL },
};

/*
 * libc, the dynamic linker, and the libraries glibc 2.34 merged into libc;
 * before 2.34 their files bore the version: libc-2.31.so, ld-2.31.so.
 */
static const char *const glibc_modules[] = {
	"libc.so.",	 "ld-linux", "libpthread.so.", "libdl.so.", "libc-2.",
	"libpthread-2.", "libdl-2.", "ld-2.",	       NULL,
};

/* Its malloc, as a static program has it (the files say so of a dynamic one). */
static const char *const glibc_functions[] = {
	"malloc",	   "calloc",	     "realloc",	       "free",
	"memalign",	   "posix_memalign", "aligned_alloc",  "valloc",
	"pvalloc",	   "sysmalloc",	     "_int_malloc",    "_int_realloc",
	"_int_free",	   "_int_memalign",  "_mid_memalign",  "tcache_init",
	"arena_get2",	   "_int_new_arena", "new_heap",       "alloc_new_heap",
	"__libc_malloc",   "__libc_calloc",  "__libc_realloc", "__libc_free",
	"__libc_memalign", "allocate_stack", "pthread_create", NULL,
};

/* Its system calls' wrappers for memory (musl's bear the same names). */
static const char *const glibc_wrappers[] = {
	"mmap",	      "mmap64",	 "__mmap",    "__mmap64", "munmap",	   "__munmap", "mprotect",
	"__mprotect", "madvise", "__madvise", "mremap",	  "__mremap",	   "brk",      "__brk",
	"sbrk",	      "__sbrk",	 "shmat",     "shmdt",	  "pkey_mprotect", "syscall",  NULL,
};

const struct runtime_desc runtime_glibc = {
	.name = "glibc",
	.arena_window = glibc_arena_window,
	.arena_at = glibc_arena_at,
	.stack_cache_bytes = STACK_CACHE_MAXSIZE,
	.site_ends = glibc_site_ends,
	.modules = glibc_modules,
	.functions = glibc_functions,
	.wrappers = glibc_wrappers,
	.makers = glibc_makers,
	.heap_walk = mallocheap_walk,
};
