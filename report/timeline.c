/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A process's sizes over its run: see timeline.h. */
#include "timeline.h"

#include <stdlib.h>
#include <string.h>

#include "../tracer/util.h"

struct timeline *timeline_new(void)
{
	/* Points come as calls do: a process of few calls holds few (a trace may have thousands). */
	return xcalloc(1, sizeof(struct timeline));
}

void timeline_reset(struct timeline *tl)
{
	for (size_t i = 0; i < tl->nbig; i++)
		free(tl->big[i].text);
	tl->npoints = 0;
	tl->nrss = 0;
	tl->nbig = 0;
	tl->vsz = tl->reserved = tl->committed = 0;
	tl->calls = 0;
}

void timeline_free(struct timeline *tl)
{
	if (!tl)
		return;
	timeline_reset(tl);
	free(tl->points);
	free(tl->rss);
	free(tl);
}

static int64_t magnitude(int64_t vsz, int64_t committed)
{
	int64_t a = vsz < 0 ? -vsz : vsz, b = committed < 0 ? -committed : committed;

	return a > b ? a : b;
}

/* A call that changed vsz and committed bytes: marked if among the largest. */
static void consider_big(struct timeline *tl, const struct timeline_big *big,
			 timeline_text_fn *text, void *ctx)
{
	int64_t size = magnitude(big->vsz, big->committed);
	size_t at = tl->nbig;
	char buf[1024];

	if (!size)
		return;
	/* The first of equal ones stays ahead. */
	while (at > 0 && magnitude(tl->big[at - 1].vsz, tl->big[at - 1].committed) < size)
		at--;
	if (at == TIMELINE_MAX_BIG)
		return;
	if (tl->nbig == TIMELINE_MAX_BIG)
		free(tl->big[--tl->nbig].text);
	memmove(&tl->big[at + 1], &tl->big[at], (tl->nbig - at) * sizeof(*tl->big));
	tl->big[at] = *big;
	buf[0] = '\0';
	if (text)
		text(ctx, buf, sizeof(buf));
	tl->big[at].text = xstrdup(buf);
	tl->nbig++;
}

/*
 * Halves the points: of each two neighbours, the one with the larger VSZ;
 * the first is kept, where the line starts.
 */
static void thin(struct timeline *tl)
{
	size_t out = 1;

	for (size_t i = 1; i + 1 < tl->npoints; i += 2)
		tl->points[out++] = tl->points[i + 1].vsz > tl->points[i].vsz ? tl->points[i + 1]
									      : tl->points[i];
	if (tl->npoints % 2 == 0)
		tl->points[out++] = tl->points[tl->npoints - 1];
	tl->npoints = out;
}

void timeline_call(struct timeline *tl, uint64_t time_ns, uint64_t seq, uint32_t stack_id,
		   const struct aspace_changes *changes, const struct aspace *as,
		   timeline_text_fn *text, void *ctx)
{
	struct timeline_big big = { .time_ns = time_ns, .seq = seq, .stack_id = stack_id };
	int64_t reserved = 0;

	for (size_t i = 0; changes && i < changes->count; i++) {
		const struct aspace_piece *piece = &changes->pieces[i];
		int64_t len = (int64_t)(piece->end - piece->start);

		switch (piece->kind) {
		case ASPACE_PIECE_MAPPED: {
			const struct aspace_region *region =
				as ? aspace_find(as, piece->start) : NULL;
			unsigned int prot = as ? (region ? region->prot : 0) : piece->prot;

			big.vsz += len;
			if (prot)
				big.committed += len;
			else
				reserved += len;
			break;
		}
		case ASPACE_PIECE_UNMAPPED:
			big.vsz -= len;
			if (piece->old_prot)
				big.committed -= len;
			else
				reserved -= len;
			break;
		case ASPACE_PIECE_PROTECTED:
			if (!piece->old_prot && piece->prot) {
				big.committed += len;
				reserved -= len;
			} else if (piece->old_prot && !piece->prot) {
				big.committed -= len;
				reserved += len;
			}
			break;
		case ASPACE_PIECE_MOVED:
		case ASPACE_PIECE_RELEASED:
			break;
		}
	}
	/*
	 * A call's time is its entry's, and calls of two threads end in
	 * either order: the points keep the order of the calls, never going
	 * back in time.
	 */
	if (tl->npoints && time_ns < tl->points[tl->npoints - 1].time_ns)
		time_ns = tl->points[tl->npoints - 1].time_ns;
	/* Its mark where its point is. */
	big.time_ns = time_ns;
	tl->calls++;
	tl->vsz += big.vsz;
	tl->reserved += reserved;
	tl->committed += big.committed;
	if (tl->npoints == TIMELINE_MAX_POINTS)
		thin(tl);
	xgrowarray((void **)&tl->points, &tl->points_cap, tl->npoints + 1, sizeof(*tl->points));
	tl->points[tl->npoints++] =
		(struct timeline_point){ time_ns, tl->vsz, tl->reserved, tl->committed };
	consider_big(tl, &big, text, ctx);
}

void timeline_rss(struct timeline *tl, uint64_t time_ns, uint64_t rss)
{
	/* Halved as the points are: the first kept, of two the larger. */
	if (tl->nrss == TIMELINE_MAX_POINTS) {
		size_t out = 1;

		for (size_t i = 1; i + 1 < tl->nrss; i += 2)
			tl->rss[out++] =
				tl->rss[i + 1].rss > tl->rss[i].rss ? tl->rss[i + 1] : tl->rss[i];
		if (tl->nrss % 2 == 0)
			tl->rss[out++] = tl->rss[tl->nrss - 1];
		tl->nrss = out;
	}
	xgrowarray((void **)&tl->rss, &tl->rss_cap, tl->nrss + 1, sizeof(*tl->rss));
	tl->rss[tl->nrss++] = (struct timeline_rss){ time_ns, rss };
}
