/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The model of one traced mm (address space), wired to the kernel: seeded
 * from /proc/PID/maps, changed by every finished memory call, re-read
 * where a call's effect cannot be predicted, and checked against
 * /proc/PID/maps for --verify.  Threads of a process share one; a fork
 * gets a copy; vfork and clone(CLONE_VM) share; an exec gets a new one.
 *
 * Reads /proc, never calls ptrace.  The model itself is tracer/aspace.h.
 */
#ifndef MEMTRACE_MM_H
#define MEMTRACE_MM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "aspace.h"
#include "mallocheap.h"
#include "strtab.h"
#include "sysdecode.h"

struct mm;

/*
 * What the mms of one tracer share to read /proc: buffers kept between
 * reads and which mapped files are ELF objects, by path id of paths
 * (borrowed; it must outlive the reader).  Owned by the caller
 * (mm_reader_free, which accepts NULL), and must outlive its mms.
 */
struct mm_reader;
struct mm_reader *mm_reader_new(struct strtab *paths);
void mm_reader_free(struct mm_reader *reader);

/*
 * Returns a new, empty mm with one reference, owned by the caller
 * (mm_put), reading /proc through reader (borrowed); paths are the
 * reader's.
 */
struct mm *mm_new(struct mm_reader *reader);
/* Takes one more reference; returns mm. */
struct mm *mm_get(struct mm *mm);
/* Drops a reference; the last one frees.  Accepts NULL. */
void mm_put(struct mm *mm);
/* Returns a new mm (one reference) whose model is a copy of mm's (fork). */
struct mm *mm_copy(const struct mm *mm);

/* The model, borrowed. */
struct aspace *mm_aspace(struct mm *mm);
/* How many calls changed the model since it was made or seeded. */
uint64_t mm_calls_applied(const struct mm *mm);

/*
 * Replaces the model with what /proc/PID/maps shows, every region of
 * origin kind (ASPACE_ORIGIN_EXEC after an exec, _ATTACH when attaching,
 * _KERNEL for a process found before its creator's event) made by pid at
 * time_ns (engine_now_ns), and the heap with /proc/PID/stat's start_brk.  Returns 0, or -ESRCH, -EINVAL (the
 * maps could not be parsed), -errno.
 */
int mm_seed(struct mm *mm, pid_t pid, enum aspace_origin_kind kind, uint64_t time_ns);

/*
 * Makes the whole model what /proc/PID/maps shows: regions the kernel no
 * longer has are unmapped, new ones mapped with ev as origin, protections
 * and identities corrected.  For when the model may have drifted: a fork's
 * copy (MADV_DONTFORK regions, calls of other threads in flight at the
 * fork), or calls that had to run concurrently.  Returns 0 or -errno.
 */
int mm_resync(struct mm *mm, pid_t pid, const struct aspace_event *ev,
	      struct aspace_changes *changes);

/*
 * Applies one finished memory call of task tid (of process pid) to the
 * model: rval and err are its result (err a positive errno).  The pieces
 * it changed are appended to changes (may be NULL).  Calls whose effect
 * the model cannot compute (a failed mprotect, shmat, io_setup...) are
 * followed by a read of /proc/PID/maps.
 */
void mm_apply(struct mm *mm, pid_t pid, const struct aspace_event *ev,
	      const struct sysdecode_call *call, const char *fd_path, int64_t rval, int err,
	      struct aspace_changes *changes);

/* What --verify found: the differing ranges, and both sides around them. */
#define MM_DIFF_MAX_RANGES 4
#define MM_DIFF_MAX_REGIONS 16

struct mm_diff {
	size_t nranges; /* how many ranges differ (may exceed MM_DIFF_MAX_RANGES) */
	struct aspace_mismatch ranges[MM_DIFF_MAX_RANGES];
	size_t nmodel; /* regions of the model touching the first ranges */
	struct aspace_region model[MM_DIFF_MAX_REGIONS];
	size_t nkernel; /* regions of /proc/PID/maps touching them */
	struct aspace_region kernel[MM_DIFF_MAX_REGIONS];
};

/*
 * Compares the model with /proc/PID/maps ([vsyscall] aside; the growth
 * of the main stack and of MAP_GROWSDOWN mappings, which takes no system
 * call, is adopted first).
 * Returns 0 when they agree, 1 when they differ (*diff says how), or
 * -ESRCH when the process is gone, -EINVAL when the maps do not parse.
 * Never call it while a thread of pid is inside execve.
 */
int mm_verify(struct mm *mm, pid_t pid, struct mm_diff *diff);

/*
 * Closes what mm_verify_call() keeps open (/proc/PID/maps): the process
 * ended.  It is opened again if needed, through another task.
 */
void mm_query_close(struct mm *mm);

/* Below this many regions, mm_verify_call() compares everything. */
#define MM_VERIFY_RANGES_FROM 512
/* Above, it compares everything once in every (regions / this) calls. */
#define MM_VERIFY_FULL_SHARE 8

/*
 * --verify after one call, which changed changes in the model: the same
 * answers as mm_verify(), but where the process has many mappings only
 * the ranges the call changed are compared, asked of the kernel with
 * PROCMAP_QUERY (Linux 6.11+), so that the check costs the same with
 * 100 or 100,000 mappings; everything is compared now and then, and
 * whenever a range differs (to show the difference whole).  Kernels
 * without PROCMAP_QUERY get mm_verify() at every call.
 */
int mm_verify_call(struct mm *mm, pid_t pid, const struct aspace_changes *changes,
		   struct mm_diff *diff);

/*
 * What the kernel holds in memory for a range of the model, from
 * /proc/PID/smaps: each range lies in one region of the model (a VMA the
 * model keeps as several regions is shared out by /proc/PID/pagemap).
 */
struct mm_usage {
	uint64_t start; /* [start, end) */
	uint64_t end;
	uint64_t rss;		/* resident bytes */
	uint64_t private_bytes; /* of which mapped by this process alone */
	uint64_t swap;
	bool deleted; /* a mapping of a file that has been deleted */
};

/*
 * Reads how much of the model is resident, sorted by address, into
 * *usage (grown as needed; *cap its size; the caller frees it).  The
 * growth of the main stack and of MAP_GROWSDOWN mappings is adopted
 * first.  Returns the number of ranges,
 * or -ESRCH, -EINVAL (smaps does not parse), -errno.
 */
long mm_usage(struct mm *mm, pid_t pid, struct mm_usage **usage, size_t *cap);

/* The resident bytes of usage[0..n), summed. */
uint64_t mm_usage_rss(const struct mm_usage *usage, size_t n);

/* What the report needs of a process's memory at a moment. */
struct mm_snapshot {
	struct mm_usage *usage; /* sorted by address; NULL: not known */
	size_t nusage;
	size_t cap;
	struct mallocheap_info heap; /* the brk heap's chunks, when have_heap */
	bool have_heap;
};

/*
 * Reads it now through task tid (0: none is left: nothing is known):
 * resident pages (mm_usage) and the brk heap's chunks (runtime_heap_walk);
 * and names the live threads whose stacks the model has (mm_name_thread()).
 * Returns 0, or -errno when smaps could not be read (the usage is then
 * unknown, the heap may still be).  Free it with mm_snapshot_clear().
 */
int mm_snapshot(struct mm *mm, pid_t tid, struct mm_snapshot *snap);
void mm_snapshot_clear(struct mm_snapshot *snap);

/*
 * Names thread tid in the model (aspace_name_thread()) as its comm says
 * now, when the model holds a stack of its: read at its exit stop (its
 * /proc files go with it) and at a snapshot.
 */
void mm_name_thread(struct mm *mm, pid_t tid);

#endif /* MEMTRACE_MM_H */
