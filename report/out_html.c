/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --html=FILE: the HTML view (report/html.h) of every process reported,
 * written when the run ends.  Each process's timeline is kept as its
 * calls come (report/timeline.h), its resident bytes at each --interval
 * snapshot; the page's map and tables are made when it is reported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/hashidx.h"
#include "../tracer/sysdecode.h"
#include "../tracer/util.h"
#include "html.h"
#include "output.h"

struct html_output {
	struct output base;
	FILE *stream;
	struct html *page;
	struct report_options ropts;
	/* Each process's timeline, by pid. */
	struct proc_timeline {
		pid_t pid;
		struct timeline *tl;
	} * timelines;
	size_t ntimelines, timelines_cap;
	struct hidx by_pid;
};

static int html_open(const struct output_options *opts, const struct output_env *env,
		     struct output **out)
{
	struct html_output *ho;
	char *command;
	int fd;

	*out = NULL;
	if (!opts->html_path)
		return 0;
	fd = output_open_fd(opts->html_path);
	if (fd < 0)
		return -1;
	ho = xcalloc(1, sizeof(*ho));
	ho->base.ops = &output_html;
	ho->base.what = "the HTML view";
	ho->base.path = opts->html_path;
	ho->stream = output_stream(fd, &ho->base);
	command = output_command(opts);
	ho->page = html_new(NULL, command);
	free(command);
	html_begin_run(ho->page, NULL, env->fmt, env->stacks);
	ho->ropts = (struct report_options){ .top = opts->top, .churn_ns = opts->churn_ns };
	*out = &ho->base;
	return 0;
}

/* The timeline of pid, made at its first call. */
static struct timeline *timeline_of(struct html_output *ho, pid_t pid)
{
	uint32_t hash = hidx_hash_u64((uint64_t)pid), entry;
	struct hidx_iter it = hidx_probe(&ho->by_pid, hash);

	while (hidx_next(&ho->by_pid, &it, &entry))
		if (ho->timelines[entry].pid == pid)
			return ho->timelines[entry].tl;
	xgrowarray((void **)&ho->timelines, &ho->timelines_cap, ho->ntimelines + 1,
		   sizeof(*ho->timelines));
	ho->timelines[ho->ntimelines] = (struct proc_timeline){ pid, timeline_new() };
	hidx_insert_missed(&ho->by_pid, &it, (uint32_t)ho->ntimelines);
	return ho->timelines[ho->ntimelines++].tl;
}

/* A call's text, as the trace keeps it: only for a call the timeline marks. */
static void call_text(void *ctx, char *buf, size_t size)
{
	const struct engine_call *call = ctx;

	(void)sysdecode_format_call(buf, size, call->call, call->fd_path);
}

static void html_call(struct output *out, const struct engine_call *call, const struct aspace *as)
{
	struct html_output *ho = (struct html_output *)out;

	timeline_call(timeline_of(ho, call->pid), call->time_ns, call->seq, call->stack_id,
		      call->changes, as, call_text, (void *)(uintptr_t)call);
}

static void html_exec(struct output *out, const struct report_proc *proc, uint64_t time_ns)
{
	struct html_output *ho = (struct html_output *)out;

	(void)time_ns;
	/* A new program: its sizes start again. */
	timeline_reset(timeline_of(ho, proc->pid));
}

static void html_snapshot(struct output *out, const struct output_snapshot *snap)
{
	struct html_output *ho = (struct html_output *)out;

	if (!snap->in->as)
		return;
	switch (snap->when) {
	case OUTPUT_FINAL:
	case OUTPUT_EXEC:
		html_add_proc(ho->page, snap->in, snap->rep, timeline_of(ho, snap->proc->pid),
			      snap->time_ns, &ho->ropts);
		/* Reported for good: a later process of its pid starts afresh. */
		timeline_reset(timeline_of(ho, snap->proc->pid));
		break;
	case OUTPUT_INTERVAL:
		/* What the trace's snapshot of this moment holds: the ranges' resident bytes. */
		if (snap->in->usage)
			timeline_rss(timeline_of(ho, snap->proc->pid), snap->time_ns,
				     mm_usage_rss(snap->in->usage, snap->in->nusage));
		break;
	case OUTPUT_SIGNAL:
		break;
	}
}

static int html_close(struct output *out)
{
	struct html_output *ho = (struct html_output *)out;
	int err = 0, close_err;

	/* A write already failed: said then. */
	if (!ho->base.failed && html_write(ho->page, ho->stream) < 0)
		err = -EIO;
	close_err = output_close_stream(ho->stream);
	html_free(ho->page);
	for (size_t i = 0; i < ho->ntimelines; i++)
		timeline_free(ho->timelines[i].tl);
	free(ho->timelines);
	hidx_free(&ho->by_pid);
	free(ho);
	return close_err ? close_err : err;
}

static const char *html_file(const struct output_options *opts)
{
	return opts->html_path;
}

const struct output_ops output_html = {
	/* Its --interval points are the resident bytes the trace's snapshots hold. */
	.needs = OUTPUT_NEEDS_INTERVAL_USAGE,
	.open = html_open,
	.file = html_file,
	.call = html_call,
	.exec = html_exec,
	.snapshot = html_snapshot,
	.close = html_close,
};
