/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The address-space model of one mm (rr's AddressSpace: "Models the
 * address space for a set of tasks"): an ordered set of non-overlapping
 * regions [start, end), each remembering the event that created its bytes
 * (its origin) and the last event that changed its protection.
 *
 * Every operation applies one successful system call with the kernel's
 * semantics (mm/mmap.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c) and
 * appends to a change list the pieces it mapped, unmapped, re-protected,
 * moved or released, each naming the origin event whose bytes it affects:
 * an unmap is thereby always paired with the map it undoes.
 *
 * Pure: no pid, no ptrace, no /proc.  Lookups and updates cost O(log n)
 * (a B+ tree of regions); memory is proportional to the live regions and to the
 * origins that still own bytes.
 */
#ifndef MEMTRACE_ASPACE_H
#define MEMTRACE_ASPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

/*
 * The model's page: what lengths round up to and regions start and end
 * on: the traced program's base page, which is this machine's (read once:
 * see page_size()).
 */
#define ASPACE_PAGE_SIZE page_size()

/* Where an origin comes from. */
enum aspace_origin_kind {
	ASPACE_ORIGIN_CALL = 0, /* a traced system call */
	ASPACE_ORIGIN_EXEC,	/* the new program's mappings, found at its exec */
	ASPACE_ORIGIN_ATTACH,	/* already there when memtrace attached */
	ASPACE_ORIGIN_KERNEL,	/* made by the kernel without a call memtrace saw */
};

/* The event that made something. */
struct aspace_event {
	uint64_t seq; /* 1, 2, ...; 0 for exec, attach and kernel origins */
	pid_t tid;
	uint32_t stack_id; /* 0: no stack */
	enum aspace_origin_kind kind;
	uint64_t time_ns; /* when it happened (the call's entry), on the tracer's clock */
};

/* What backs a region's bytes. */
enum aspace_backing {
	ASPACE_BACKING_ANON = 0, /* anonymous memory (mmap, shared or private) */
	ASPACE_BACKING_FILE,	 /* a file: path and offset */
	ASPACE_BACKING_HEAP,	 /* the brk heap */
	ASPACE_BACKING_STACK,	 /* the main thread's [stack] */
	ASPACE_BACKING_SHM,	 /* a SysV shared memory segment (shmat) */
	ASPACE_BACKING_SPECIAL,	 /* the kernel's own: [vdso], [vvar], [aio]... (path names it) */
};

/* Region flags: how it was mapped (the MAP_* that matter later). */
enum aspace_flags {
	ASPACE_SHARED = 1U << 0, /* MAP_SHARED, or 's' in /proc/PID/maps */
	ASPACE_NORESERVE = 1U << 1,
	ASPACE_STACK = 1U << 2, /* MAP_STACK */
	ASPACE_GROWSDOWN = 1U << 3,
	ASPACE_HUGETLB = 1U << 4,
	ASPACE_LOCKED = 1U << 5,
	ASPACE_ELF = 1U << 6,		/* a file mapping of an ELF object (executable, library) */
	ASPACE_THREAD_EXITED = 1U << 7, /* a thread stack whose thread has exited */
};

/*
 * Who made a region, as its origin's stack tells (runtime.h's rules,
 * asked by whoever can name the stack's frames: aspace_kind_cache).
 */
enum aspace_maker {
	ASPACE_MAKER_UNKNOWN = 0, /* no stack, or nothing in it tells */
	ASPACE_MAKER_PROGRAM,	  /* the program's own code made the call itself */
	ASPACE_MAKER_ARENA,	  /* a malloc's arena code (glibc's new_heap) */
	ASPACE_MAKER_THREAD,	  /* a thread library making a thread's stack */
	ASPACE_MAKER_HEAP,	  /* a runtime's own heap (Go's mheap, jemalloc's extents) */
};

/* What a region is, derived from how it was made. */
enum aspace_kind {
	ASPACE_KIND_ANON = 0,	  /* private anonymous memory */
	ASPACE_KIND_MAIN_STACK,	  /* the main thread's [stack] */
	ASPACE_KIND_THREAD_STACK, /* the region holding a thread's first stack pointer */
	ASPACE_KIND_HEAP,	  /* the brk heap */
	ASPACE_KIND_ELF,	  /* a mapping of an ELF object */
	ASPACE_KIND_FILE,	  /* a mapping of another file */
	ASPACE_KIND_SHARED,	  /* SysV shared memory, or shared anonymous memory */
	ASPACE_KIND_SPECIAL,	  /* the kernel's own: [vdso], [vvar], [aio]... */
	ASPACE_KIND_ARENA,	  /* in an allocator's arena window: runtime.h */
	ASPACE_KIND_RUNTIME_HEAP, /* an allocator's or a runtime's own heap: its maker says */
	ASPACE_KIND_COUNT
};

struct aspace_region {
	uint64_t start; /* [start, end), page-aligned */
	uint64_t end;
	unsigned int prot; /* PROT_READ | PROT_WRITE | PROT_EXEC */
	unsigned int flags;
	enum aspace_backing backing;
	uint32_t path;	 /* strtab id of the file or [name]; 0 for none */
	uint64_t offset; /* file offset of start */
	struct aspace_event origin;
	uint64_t prot_seq;   /* the last call that changed the protection; 0: none since origin */
	uint32_t prot_stack; /* its stack */
	/* For a thread's stack, the thread; ASPACE_THREADS for several; else 0. */
	pid_t thread;
	/*
	 * The model's own: where it counts the origin's bytes, + 1 (0: not
	 * known, found by the origin's seq).  Regions given to the model
	 * leave it 0.
	 */
	uint32_t origin_slot;
};

/* What happened to a range of bytes. */
enum aspace_piece_kind {
	ASPACE_PIECE_MAPPED,	/* new bytes: their origin is this event */
	ASPACE_PIECE_UNMAPPED,	/* bytes of origin removed */
	ASPACE_PIECE_PROTECTED, /* bytes of origin given prot */
	ASPACE_PIECE_MOVED,	/* bytes of origin moved to [to, to + end - start) */
	ASPACE_PIECE_RELEASED,	/* pages of origin given back (madvise), layout unchanged */
};

struct aspace_piece {
	enum aspace_piece_kind kind;
	enum aspace_origin_kind origin_kind; /* what kind of origin the bytes have */
	unsigned int prot;		     /* PROTECTED: the new protection; MAPPED: see below */
	unsigned int old_prot;		     /* UNMAPPED, PROTECTED, MOVED: the protection before */
	uint64_t start;
	uint64_t end;
	uint64_t origin_seq;	 /* the event whose bytes these are (0: exec/attach/kernel) */
	uint32_t origin_stack;	 /* its stack (0: none) */
	uint32_t path;		 /* MAPPED, from a trace: see below */
	uint64_t origin_time_ns; /* and when it happened */
	uint64_t to;		 /* MOVED: the new start */
	/*
	 * UNMAPPED: the bytes of origin_seq still mapped after this piece,
	 * and how many it mapped in all, to tell "trims" from "unmaps".
	 */
	uint64_t origin_left;
	uint64_t origin_total;
	/*
	 * MAPPED, read from a trace (report/traceread.c, which replays the
	 * events into a model): the new region's prot and path (above),
	 * flags, backing and offset.  The model's own pieces leave them 0:
	 * their regions are in the model.
	 */
	unsigned int flags;
	enum aspace_backing backing;
	uint64_t offset;
};

struct aspace;

/*
 * The kind of a region of as (the model's own, or a copy of one); and its
 * name ("thread stack", "ELF file"...).  Derived from how the region was
 * made and from its neighbours, found by address: a thread stack's guard
 * page is part of the stack; an arena is a window an allocator reserves
 * for its heaps, which its runtime's entry recognizes (runtime.h; glibc:
 * the aligned 64 MiB heaps of malloc's arenas, rt_glibc.c).
 */
enum aspace_kind aspace_kind_of(const struct aspace *as, const struct aspace_region *region);

/* The most entries the allocators' table holds (runtime.c checks it). */
#define ASPACE_RUNTIMES_MAX 16

/*
 * The same, for a walk over every region: cache (zeroed before the walk,
 * the model unchanged during it) keeps each runtime's verdict on its last
 * arena window, so that an arena of many regions is looked at once, not
 * once per region.  Its maker, when set, tells who made a stack's
 * regions: a region of the program's own making is no arena, whatever
 * its shape; one of a runtime's heap, no thread's stack.  Without it
 * (--no-stacks, or no names), the shape decides alone.
 */
struct aspace_kind_cache {
	struct aspace_window_verdict {
		bool known;
		bool arena;
		uint64_t start, end;	 /* the window: [start, end) */
	} runtimes[ASPACE_RUNTIMES_MAX]; /* in the order of the table */
	enum aspace_maker (*maker)(void *ctx, uint32_t stack_id);
	void *maker_ctx;
};

/* Who made region, as cache's maker says (ASPACE_MAKER_UNKNOWN without one). */
enum aspace_maker aspace_maker_of(const struct aspace_kind_cache *cache,
				  const struct aspace_region *region);

enum aspace_kind aspace_kind_of_cached(const struct aspace *as, const struct aspace_region *region,
				       struct aspace_kind_cache *cache);
const char *aspace_kind_name(enum aspace_kind kind);

/* A growable list of pieces, owned by the caller; reset it between events. */
struct aspace_changes {
	struct aspace_piece *pieces;
	size_t count;
	size_t cap;
};

void aspace_changes_reset(struct aspace_changes *changes);
void aspace_changes_free(struct aspace_changes *changes);

/* Returns a new, empty model, owned by the caller (aspace_free). */
struct aspace *aspace_new(void);
/* Frees the model.  Accepts NULL. */
void aspace_free(struct aspace *as);
/* Returns a deep copy (fork).  Owned by the caller. */
struct aspace *aspace_copy(const struct aspace *as);
/* Removes every region and forgets the heap (exec); origins restart. */
void aspace_clear(struct aspace *as);

/* Number of regions. */
size_t aspace_count(const struct aspace *as);

/*
 * Returns the region holding addr, or NULL.  Borrowed: valid until the
 * next call that changes the model.
 */
const struct aspace_region *aspace_find(const struct aspace *as, uint64_t addr);

/*
 * A position in a walk over the regions in address order: a leaf of the
 * model's B+ tree (opaque; tracer/rtree.h) and an index in it.  Valid, as
 * the regions it reaches, until the next call that changes the model.
 */
struct rtree_leaf;

struct aspace_cursor {
	struct rtree_leaf *leaf; /* NULL: past the last region */
	size_t idx;
};

/*
 * Returns the first region whose end is above addr (the one holding it,
 * or the next one), or NULL; sets *cur there.  Borrowed, as for
 * aspace_find().
 */
const struct aspace_region *aspace_first_from(const struct aspace *as, uint64_t addr,
					      struct aspace_cursor *cur);

/*
 * Moves *cur to the next region in address order and returns it, or NULL
 * past the last one (and then again).  O(1).  Borrowed, as for
 * aspace_find().
 */
const struct aspace_region *aspace_next(const struct aspace *as, struct aspace_cursor *cur);

/*
 * Walks the regions of as from the one holding addr (or the next one) in
 * address order: region (a const struct aspace_region *) is each in turn,
 * cur (a struct aspace_cursor *) where it is.  The model must not change
 * during the walk.
 */
#define aspace_for_each(as, addr, cur, region)                                    \
	for ((region) = aspace_first_from((as), (addr), (cur)); (region) != NULL; \
	     (region) = aspace_next((as), (cur)))

/*
 * The operations.  Each applies a call that succeeded; lengths are
 * rounded up to whole pages as the kernel does; changes may be NULL.
 */

/*
 * mmap: [start, start + len) becomes a new region described by tmpl
 * (prot, flags, backing, path, offset; its range and origin are set
 * here).  Whatever it overlaps is unmapped first (MAP_FIXED).
 */
void aspace_map(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t len,
		const struct aspace_region *tmpl, struct aspace_changes *changes);

/* munmap: [start, start + len) is removed, over any number of regions. */
void aspace_unmap(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t len,
		  struct aspace_changes *changes);

/*
 * mprotect, pkey_mprotect: [start, start + len) gets prot.  Origins stay;
 * prot_seq becomes ev->seq where the protection changed.
 */
void aspace_protect(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t len,
		    unsigned int prot, struct aspace_changes *changes);

/*
 * mremap that returned new_addr: shrink, grow in place, or move
 * (MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP as in flags).  Moved
 * bytes keep their origin; grown bytes get ev as origin.
 */
void aspace_remap(struct aspace *as, const struct aspace_event *ev, uint64_t old_addr,
		  uint64_t old_len, uint64_t new_len, unsigned int flags, uint64_t new_addr,
		  struct aspace_changes *changes);

/*
 * brk that returned new_brk: the heap grows (the new pages get ev as
 * origin) or shrinks (last grown, first released).  The first brk of a
 * program tells where its heap starts.
 */
void aspace_brk(struct aspace *as, const struct aspace_event *ev, uint64_t new_brk,
		struct aspace_changes *changes);

/* The heap: [start, top); start is 0 until known.  top is the exact break. */
void aspace_heap(const struct aspace *as, uint64_t *start, uint64_t *top);
/* Sets the heap's start and break (from /proc/PID/stat or a seed). */
void aspace_set_heap(struct aspace *as, uint64_t start, uint64_t top);

/*
 * madvise: MADV_DONTNEED, MADV_FREE, MADV_REMOVE and MADV_PAGEOUT release
 * the pages of [start, start + len) (RELEASED pieces); other advice
 * changes nothing.  The layout never changes.
 */
void aspace_advise(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t len,
		   int advice, struct aspace_changes *changes);

/*
 * Makes [start, end) of the model equal to what the kernel shows there
 * (entries sorted, each within [start, end)): regions missing from the
 * kernel are unmapped, new ones mapped with ev as origin, protections
 * corrected.  For calls whose effect cannot be predicted (a failed
 * mprotect, shmat, io_setup) and to seed a new program (exec, attach).
 */
void aspace_sync(struct aspace *as, const struct aspace_event *ev, uint64_t start, uint64_t end,
		 const struct aspace_region *entries, size_t nentries,
		 struct aspace_changes *changes);

/*
 * Puts back a region exactly as it was saved (a trace's snapshot): its
 * range must be free.  Returns 0, or -EEXIST when it overlaps a region.
 */
int aspace_restore(struct aspace *as, const struct aspace_region *region);

/*
 * A region's thread when it holds the stack pointers of several live
 * threads: no thread's stack, but memory a runtime hands out to its
 * threads' stacks (Go's heap), whether its stack says so or not (attach).
 */
#define ASPACE_THREADS ((pid_t)-1)

/*
 * Marks the region holding addr as the stack of thread tid (tid 0: no
 * longer a thread's).  A region that holds another live thread's already
 * becomes ASPACE_THREADS, for good; one whose thread exited changes hands
 * (glibc's cache of stacks).  Returns 0, or -ENOENT when nothing is
 * mapped there.
 */
int aspace_set_thread(struct aspace *as, uint64_t addr, pid_t tid);

/*
 * Thread tid, whose stack held addr, has exited: its stack region, if
 * still its own, is marked ASPACE_THREAD_EXITED (a stack that is never
 * unmapped is a leak: an unjoined thread, or glibc's stack cache).
 * Returns 0, or -ENOENT when no region there is tid's stack.
 */
int aspace_thread_exited(struct aspace *as, uint64_t addr, pid_t tid);

/* The longest name of a thread, its NUL included: the kernel's comm (TASK_COMM_LEN). */
#define ASPACE_THREAD_NAME_MAX 16

/*
 * Names thread tid (its comm: "C2 CompilerThre", "worker-3"), for the
 * stacks it is the thread of; a later name replaces an earlier.  Names
 * longer than ASPACE_THREAD_NAME_MAX - 1 bytes are cut.  The names of
 * threads whose stacks are gone are forgotten now and then.
 */
void aspace_name_thread(struct aspace *as, pid_t tid, const char *name);
/* Thread tid's name, or NULL when not named. */
const char *aspace_thread_name(const struct aspace *as, pid_t tid);

/*
 * The main stack grows without a system call: lowers the start of the
 * ASPACE_BACKING_STACK or ASPACE_GROWSDOWN region ending at end to
 * new_start.  The new bytes are the region's origin's, counted in its
 * bytes left and in all (origin_left, origin_total of a later unmap); they
 * have protection prot, which the kernel says (a region whose low end was
 * re-protected after it grew becomes two).  Returns 0 (also when
 * new_start is not below the region's start), or -ENOENT when there is
 * no such region or another one lies in the way.
 */
int aspace_grow_down(struct aspace *as, uint64_t end, uint64_t new_start, unsigned int prot);

/* Bytes mapped in all. */
uint64_t aspace_total(const struct aspace *as);

/* Sizes now and at their largest since the model was made, copied or cleared. */
struct aspace_sizes {
	uint64_t mapped; /* VSZ */
	uint64_t mapped_peak;
	uint64_t heap; /* the brk heap: break - start */
	uint64_t heap_peak;
};

void aspace_sizes(const struct aspace *as, struct aspace_sizes *sizes);

/* A range where the model and the kernel disagree. */
struct aspace_mismatch {
	uint64_t start;
	uint64_t end;
};

/*
 * Compares the model with the kernel's view (regions sorted by address,
 * as /proc/PID/maps lists them) on what --verify checks: which bytes are
 * mapped and with which protection.  Region boundaries inside a stretch
 * of equal protection do not matter (the kernel merges VMAs the model
 * keeps apart by origin, and splits some the model keeps whole).
 * Writes up to cap maximal differing ranges to out; returns how many
 * there are (0 when the two agree).
 */
size_t aspace_compare(const struct aspace *as, const struct aspace_region *kernel, size_t nkernel,
		      struct aspace_mismatch *out, size_t cap);

/*
 * The same over [lo, hi) alone: kernel holds the kernel's regions that
 * touch it (they may reach beyond it; what lies outside is not compared).
 */
size_t aspace_compare_in(const struct aspace *as, uint64_t lo, uint64_t hi,
			 const struct aspace_region *kernel, size_t nkernel,
			 struct aspace_mismatch *out, size_t cap);

#endif /* MEMTRACE_ASPACE_H */
