/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A process's sizes over its run, for the HTML view's timeline
 * (report/html.h): VSZ, reserved and committed bytes after each memory
 * call, from what each call changed (its pieces, never a walk of the
 * model), and the resident bytes at each --interval snapshot; with the
 * calls that changed the most, to be marked.  Fed the same calls in the
 * same order by the live run and by the trace reader, it gives the same
 * timeline.
 *
 * The sizes are counted from the first call on, as changes: whoever draws
 * them sets their level from the sizes the process had at its end (the
 * report's), so that the memory mapped before the first call (the
 * program's image, what was there before an attach) is counted without a
 * call of its own.  At most TIMELINE_MAX_POINTS points (and as many
 * resident ones) are kept: past that, every two neighbours but the first
 * point become the one of the two with the larger VSZ (or RSS), so a peak
 * is never lost.
 */
#ifndef MEMTRACE_TIMELINE_H
#define MEMTRACE_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "../tracer/aspace.h"

#define TIMELINE_MAX_POINTS 2048
/* The calls marked: those that mapped, unmapped or re-protected the most bytes. */
#define TIMELINE_MAX_BIG 16

struct timeline_point {
	uint64_t time_ns;
	int64_t vsz, reserved, committed; /* changes since the start */
};

struct timeline_rss {
	uint64_t time_ns;
	uint64_t rss;
};

struct timeline_big {
	uint64_t time_ns;
	uint64_t seq;
	int64_t vsz, committed; /* what the call changed */
	uint32_t stack_id;
	char *text; /* the call, as --events writes it */
};

struct timeline {
	struct timeline_point *points;
	size_t npoints, points_cap;
	int64_t vsz, reserved, committed; /* the sizes now, since the start */
	struct timeline_rss *rss;
	size_t nrss, rss_cap;
	struct timeline_big big[TIMELINE_MAX_BIG]; /* the largest first */
	size_t nbig;
	uint64_t calls;
};

/* The call's text, asked for only for a call that is to be marked. */
typedef void timeline_text_fn(void *ctx, char *buf, size_t size);

/* Returns a new, empty timeline (owned by the caller: timeline_free). */
struct timeline *timeline_new(void);
/* Frees it.  Accepts NULL. */
void timeline_free(struct timeline *tl);
/* Empties it: a new program (an exec) starts another. */
void timeline_reset(struct timeline *tl);

/*
 * A memory call at time_ns made changes (NULL: none); text(ctx) writes
 * what it was.  as: the model after the call, where the new regions' protection is
 * (the model's own pieces do not carry it); NULL when the pieces do (a trace's).
 */
void timeline_call(struct timeline *tl, uint64_t time_ns, uint64_t seq, uint32_t stack_id,
		   const struct aspace_changes *changes, const struct aspace *as,
		   timeline_text_fn *text, void *ctx);

/* The resident bytes at time_ns (an --interval snapshot), thinned as the points are. */
void timeline_rss(struct timeline *tl, uint64_t time_ns, uint64_t rss);

#endif /* MEMTRACE_TIMELINE_H */
