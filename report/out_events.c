/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --events[=FILE]: one line per memory call as it returns, its stack
 * under it (report/eventlog.c, report/stackfmt.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "../tracer/util.h"
#include "eventlog.h"
#include "output.h"

struct events_output {
	struct output base;
	FILE *stream;
	struct eventlog *log;
	const struct output_env *env;
};

static int events_open(const struct output_options *opts, const struct output_env *env,
		       struct output **out)
{
	struct events_output *ev;
	int fd;

	*out = NULL;
	if (!opts->events)
		return 0;
	fd = output_open_fd(opts->events_path);
	if (fd < 0)
		return -1;
	ev = xcalloc(1, sizeof(*ev));
	ev->base.ops = &output_events;
	ev->base.what = "the events";
	ev->base.path = opts->events_path;
	ev->env = env;
	ev->stream = output_stream(fd, &ev->base);
	/* Whole lines at once; line-buffered on a terminal, to be watched. */
	if (isatty(fd))
		(void)setvbuf(ev->stream, NULL, _IOLBF, 0);
	else
		(void)setvbuf(ev->stream, NULL, _IOFBF, 1 << 16);
	ev->log = eventlog_new(ev->stream);
	*out = &ev->base;
	return 0;
}

static void events_call(struct output *out, const struct engine_call *call, const struct aspace *as)
{
	struct events_output *ev = (struct events_output *)out;

	(void)as;
	/* Its file failed (a full disk, a reader gone): no more lines to format. */
	if (ferror(ev->stream))
		return;
	eventlog_call(ev->log, call);
	stackfmt_write(ev->env->fmt, ev->stream, ev->env->stacks, call->stack_id);
}

static void events_exec(struct output *out, const struct report_proc *proc, uint64_t time_ns)
{
	eventlog_exec(((struct events_output *)out)->log, proc, time_ns);
}

static void events_proc_end(struct output *out, const struct report_proc *proc, uint64_t time_ns)
{
	eventlog_proc_end(((struct events_output *)out)->log, proc, time_ns);
}

static int events_flush(struct output *out)
{
	return fflush(((struct events_output *)out)->stream) ? -EIO : 0;
}

static int events_close(struct output *out)
{
	struct events_output *ev = (struct events_output *)out;
	int err;

	eventlog_free(ev->log);
	err = output_close_stream(ev->stream);
	free(ev);
	return err;
}

static const char *events_file(const struct output_options *opts)
{
	return opts->events ? opts->events_path : NULL;
}

const struct output_ops output_events = {
	.open = events_open,
	.file = events_file,
	.call = events_call,
	.exec = events_exec,
	.proc_end = events_proc_end,
	.flush = events_flush,
	.close = events_close,
};
