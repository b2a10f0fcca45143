/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --pprof=FILE and --folded=FILE (with --metric): the memory profile
 * (report/profile.h) of every process reported -- at its end, the detach
 * or an exec -- written when the run ends, as pprof or as folded stacks.
 * Two outputs, one collection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/util.h"
#include "output.h"
#include "profile.h"

struct profile_output {
	struct output base;
	FILE *stream;
	struct profile *prof;
	enum profile_metric metric; /* --folded's */
	char *comment;		    /* --pprof's: what was traced */
};

static int open_profile(const struct output_ops *ops, const char *what, const char *path,
			const struct output_options *opts, const struct output_env *env,
			struct output **out)
{
	struct profile_output *po;
	int fd;

	*out = NULL;
	if (!path)
		return 0;
	fd = output_open_fd(path);
	if (fd < 0)
		return -1;
	po = xcalloc(1, sizeof(*po));
	po->base.ops = ops;
	po->base.what = what;
	po->base.path = path;
	po->stream = output_stream(fd, &po->base);
	po->prof = profile_new(env->fmt, env->stacks, env->mods, env->paths);
	po->metric = opts->folded_metric;
	po->comment = output_command(opts);
	*out = &po->base;
	return 0;
}

static int pprof_open(const struct output_options *opts, const struct output_env *env,
		      struct output **out)
{
	return open_profile(&output_pprof, "the pprof profile", opts->pprof_path, opts, env, out);
}

static int folded_open(const struct output_options *opts, const struct output_env *env,
		       struct output **out)
{
	return open_profile(&output_folded, "the folded stacks", opts->folded_path, opts, env, out);
}

static void profile_snapshot(struct output *out, const struct output_snapshot *snap)
{
	struct profile_output *po = (struct profile_output *)out;

	/* What a process had when it was reported for good; not the moments in between. */
	if ((snap->when == OUTPUT_FINAL || snap->when == OUTPUT_EXEC) && snap->in->as)
		profile_add(po->prof, snap->in);
}

static int close_profile(struct profile_output *po, bool pprof)
{
	int err = 0, close_err;

	/* A write already failed: said then; what remains would be cut anyway. */
	if (!po->base.failed)
		err = pprof ? profile_write_pprof(po->prof, po->stream, po->comment)
			    : profile_write_folded(po->prof, po->stream, po->metric);
	close_err = output_close_stream(po->stream);
	err = close_err ? close_err : err ? -EIO : 0;
	profile_free(po->prof);
	free(po->comment);
	free(po);
	return err;
}

static int pprof_close(struct output *out)
{
	return close_profile((struct profile_output *)out, true);
}

static int folded_close(struct output *out)
{
	return close_profile((struct profile_output *)out, false);
}

static const char *pprof_file(const struct output_options *opts)
{
	return opts->pprof_path;
}

static const char *folded_file(const struct output_options *opts)
{
	return opts->folded_path;
}

const struct output_ops output_pprof = {
	.open = pprof_open,
	.file = pprof_file,
	.snapshot = profile_snapshot,
	.close = pprof_close,
};

const struct output_ops output_folded = {
	.open = folded_open,
	.file = folded_file,
	.snapshot = profile_snapshot,
	.close = folded_close,
};
