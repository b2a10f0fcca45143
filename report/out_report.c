/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The text report (report/report.c): at each process's end (or the
 * detach) and on SIGUSR1, to stderr or --report's file, fitted to the
 * width of the terminal it goes to; with --regions, every region of the
 * process first; with --verify, the total of mismatches last.  The
 * --interval lines go to stderr, whatever --report names.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "../tracer/util.h"
#include "output.h"
#include "text.h"

struct report_output {
	struct output base;
	FILE *stream;
	FILE *status; /* stderr: the --interval lines */
	size_t width;
	bool regions;
	bool verify;
	struct report_options ropts;
	const struct output_env *env;
};

static int report_open(const struct output_options *opts, const struct output_env *env,
		       struct output **out)
{
	struct report_output *rp;
	int fd = output_open_fd(opts->report_path), status_fd;

	*out = NULL;
	if (fd < 0)
		return -1;
	status_fd = output_open_fd(NULL);
	if (status_fd < 0) {
		(void)close(fd);
		return -1;
	}
	rp = xcalloc(1, sizeof(*rp));
	rp->base.ops = &output_report;
	rp->base.what = "the report";
	rp->base.path = opts->report_path;
	rp->stream = output_stream(fd, &rp->base);
	rp->status = output_stream(status_fd, NULL);
	rp->width = output_width(fd);
	rp->regions = opts->regions;
	rp->verify = opts->verify;
	rp->ropts = (struct report_options){
		.top = opts->top, .churn_ns = opts->churn_ns, .width = rp->width, .utf8 = opts->utf8
	};
	rp->env = env;
	*out = &rp->base;
	return 0;
}

static void report_snapshot(struct output *out, const struct output_snapshot *snap)
{
	struct report_output *rp = (struct report_output *)out;

	switch (snap->when) {
	case OUTPUT_FINAL:
	case OUTPUT_EXEC:
		if (rp->regions && snap->in->as)
			text_regions(rp->stream, snap->proc->pid, snap->in->as, rp->env->paths,
				     rp->env->fmt, rp->env->stacks, rp->width);
		report_print(rp->stream, snap->rep, snap->in, &rp->ropts);
		break;
	case OUTPUT_SIGNAL:
		report_print(rp->stream, snap->rep, snap->in, &rp->ropts);
		(void)fflush(rp->stream);
		break;
	case OUTPUT_INTERVAL:
		report_interval_line(rp->status, snap->in, snap->time_ns, snap->rss,
				     snap->prev_vsz);
		(void)fflush(rp->status);
		break;
	}
}

static void report_end(struct output *out, uint64_t mismatches)
{
	struct report_output *rp = (struct report_output *)out;

	if (rp->verify)
		text_verify_total(rp->stream, mismatches);
}

static int report_flush(struct output *out)
{
	struct report_output *rp = (struct report_output *)out;
	int err = fflush(rp->stream) ? -EIO : 0;

	return fflush(rp->status) && !err ? -EIO : err;
}

static int report_close(struct output *out)
{
	struct report_output *rp = (struct report_output *)out;
	int err = output_close_stream(rp->stream);

	/* stderr: nothing to say about it on stderr. */
	(void)output_close_stream(rp->status);
	free(rp);
	return err;
}

static const char *report_file(const struct output_options *opts)
{
	return opts->report_path;
}

const struct output_ops output_report = {
	.open = report_open,
	.file = report_file,
	.snapshot = report_snapshot,
	.end = report_end,
	.flush = report_flush,
	.close = report_close,
};
