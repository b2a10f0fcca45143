/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What each site (an origin stack) did over a run, from the pieces every
 * call changed in the model (tracer/aspace.h): how much it mapped, how
 * much of it was unmapped again soon (map/unmap churn), how much was
 * trimmed (a partial unmap: glibc's arena keeps 64 MiB of the 128 MiB it
 * maps), how much was released by madvise and kept mapped (jemalloc's and
 * Go's way of giving memory back).  Pure: fed with changes and times, no /proc, no ptrace.  Its
 * memory grows with the sites counted, not with the stack ids of the run.
 */
#ifndef MEMTRACE_CHURN_H
#define MEMTRACE_CHURN_H

#include <stddef.h>
#include <stdint.h>

#include "../tracer/aspace.h"

/* Bytes are those each unmap took; a mapping trimmed, then unmapped, counts in both. */
struct churn_site {
	uint64_t maps; /* calls that mapped bytes here */
	uint64_t mapped_bytes;
	uint64_t short_pairs; /* mappings wholly unmapped before short_ns had passed */
	uint64_t short_bytes;
	uint64_t unmaps; /* mappings wholly unmapped later */
	uint64_t unmapped_bytes;
	uint64_t trims; /* unmaps of part of a mapping that keeps some bytes */
	uint64_t trimmed_bytes;
	uint64_t releases; /* madvise calls that released pages here (DONTNEED, FREE...) */
	uint64_t released_bytes;
};

/* to += from, member by member. */
void churn_site_add(struct churn_site *to, const struct churn_site *from);

struct churn;

/*
 * Returns a new, empty table (owned by the caller: churn_free); a
 * mapping unmapped within short_ns of its creation is churn.
 */
struct churn *churn_new(uint64_t short_ns);
/* Frees it.  Accepts NULL. */
void churn_free(struct churn *churn);
/* Forgets everything (the process exec'd: a new program). */
void churn_reset(struct churn *churn);

/* Counts what one call, at time now_ns, did: changes are its pieces. */
void churn_apply(struct churn *churn, uint64_t now_ns, const struct aspace_changes *changes);

/*
 * The figures of the site of origin stack stack_id (0: calls without a
 * stack), or NULL when nothing was counted there.  Borrowed until the
 * next churn_apply() or churn_reset().
 */
const struct churn_site *churn_site(const struct churn *churn, uint32_t stack_id);

/*
 * The stack ids of the sites counted, in increasing order, into *ids
 * (owned by the caller: free()).  Returns how many.
 */
size_t churn_stacks(const struct churn *churn, uint32_t **ids);

/* The churn threshold given to churn_new(). */
uint64_t churn_short_ns(const struct churn *churn);

#endif /* MEMTRACE_CHURN_H */
