/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * -o FILE: the JSON Lines trace (report/tracew.c, docs/trace-format.md),
 * streamed as the run goes; gzip-compressed when FILE ends in ".gz".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tracer/util.h"
#include "output.h"
#include "tracew.h"

struct trace_output {
	struct output base;
	struct tracew *t;
	int fd;
};

/* Whether a file name ends in ".gz": the trace is written compressed. */
static bool gzip_name(const char *path)
{
	size_t len = strlen(path);

	return len > 3 && !strcmp(path + len - 3, ".gz");
}

/* A write of the trace failed: said at once (output_failed()), once. */
static void check_written(struct output *out)
{
	int err = tracew_error(((struct trace_output *)out)->t);

	if (err)
		output_failed(out, err);
}

static int trace_open(const struct output_options *opts, const struct output_env *env,
		      struct output **out)
{
	struct trace_output *tr;
	int fd;

	*out = NULL;
	if (!opts->trace_path)
		return 0;
	fd = output_open_fd(opts->trace_path);
	if (fd < 0)
		return -1;
	tr = xcalloc(1, sizeof(*tr));
	tr->base.ops = &output_trace;
	tr->base.what = "the trace";
	tr->base.path = opts->trace_path;
	tr->fd = fd;
	tr->t = tracew_new(fd, gzip_name(opts->trace_path), env->paths, env->mods, env->stacks,
			   env->fmt);
	tracew_header(tr->t, opts->argv, opts->pids, opts->npids, opts->churn_ns);
	(void)tracew_flush(tr->t);
	*out = &tr->base;
	check_written(*out);
	return 0;
}

static void trace_call(struct output *out, const struct engine_call *call, const struct aspace *as)
{
	struct tracew *t = ((struct trace_output *)out)->t;

	/* Its file failed (a full disk, a reader gone): no more lines to format. */
	if (as && !tracew_error(t)) {
		tracew_event(t, call, as);
		check_written(out);
	}
}

static void trace_exec(struct output *out, const struct report_proc *proc, uint64_t time_ns)
{
	tracew_exec(((struct trace_output *)out)->t, proc, time_ns);
	check_written(out);
}

static void trace_thread(struct output *out, pid_t pid, pid_t tid, bool exited, uint64_t sp,
			 uint64_t time_ns, const struct aspace *as)
{
	if (as)
		tracew_thread(((struct trace_output *)out)->t, pid, tid, exited, sp, time_ns, as);
	check_written(out);
}

static void trace_snapshot(struct output *out, const struct output_snapshot *snap)
{
	struct tracew *t = ((struct trace_output *)out)->t;

	if (!snap->in->as) {
		/*
		 * A process without a model (its calls were not decoded): its
		 * summary alone, so that the trace is whole.
		 */
		if (snap->when == OUTPUT_FINAL || snap->when == OUTPUT_EXEC) {
			tracew_summary(t, snap->in, snap->time_ns);
			(void)tracew_flush(t);
			check_written(out);
		}
		return;
	}
	switch (snap->when) {
	case OUTPUT_FINAL:
	case OUTPUT_EXEC:
		tracew_snapshot(t, snap->in, snap->when == OUTPUT_EXEC ? "exec" : "final",
				snap->time_ns);
		tracew_findings(t, snap->in, snap->rep);
		tracew_summary(t, snap->in, snap->time_ns);
		(void)tracew_flush(t);
		break;
	case OUTPUT_SIGNAL:
		tracew_snapshot(t, snap->in, "signal", snap->time_ns);
		tracew_findings(t, snap->in, snap->rep);
		(void)tracew_flush(t);
		break;
	case OUTPUT_INTERVAL:
		tracew_snapshot(t, snap->in, "interval", snap->time_ns);
		break;
	}
	check_written(out);
}

static int trace_flush(struct output *out)
{
	int err = tracew_flush(((struct trace_output *)out)->t);

	check_written(out);
	return err;
}

static int trace_close(struct output *out)
{
	struct trace_output *tr = (struct trace_output *)out;
	int err = tracew_finish(tr->t);

	tracew_free(tr->t);
	if (close(tr->fd) < 0 && !err)
		err = -EIO;
	free(tr);
	return err;
}

static const char *trace_file(const struct output_options *opts)
{
	return opts->trace_path;
}

const struct output_ops output_trace = {
	/* Its periodic snapshots hold the resident figures. */
	.needs = OUTPUT_NEEDS_INTERVAL_USAGE,
	.open = trace_open,
	.file = trace_file,
	.call = trace_call,
	.exec = trace_exec,
	.thread = trace_thread,
	.snapshot = trace_snapshot,
	.flush = trace_flush,
	.close = trace_close,
};
