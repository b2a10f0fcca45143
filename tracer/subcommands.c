/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memtrace report and memtrace diff: traces read back (see subcommands.h). */
#include "subcommands.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"
#include "../report/diff.h"
#include "../report/html.h"
#include "../report/msgs.h"
#include "../report/output.h"
#include "../report/traceread.h"

/*
 * The options of memtrace report and memtrace diff, parsed as the main
 * command's are (getopt_long: --opt=value, --opt value, "--" ends them).
 */
struct subcommand_options {
	size_t top;
	uint64_t churn_ns; /* 0: the trace's own threshold */
	bool json;
	const char *pprof_path;	 /* --pprof */
	const char *folded_path; /* --folded */
	const char *html_path;	 /* --html */
	enum profile_metric metric;
	bool metric_given;
	char **operands; /* the traces */
	int noperands;
};

enum { SUB_TOP = 256, SUB_CHURN_MS, SUB_JSON, SUB_PPROF, SUB_FOLDED, SUB_METRIC, SUB_HTML };

static bool to_stdout(const char *path)
{
	return path && !strcmp(path, "-");
}

static void parse_subcommand(const char *name, int argc, char **argv, bool diff,
			     struct subcommand_options *sub)
{
	static const struct option report_opts[] = {
		{ "top", required_argument, NULL, SUB_TOP },
		{ "churn-ms", required_argument, NULL, SUB_CHURN_MS },
		{ "pprof", required_argument, NULL, SUB_PPROF },
		{ "folded", required_argument, NULL, SUB_FOLDED },
		{ "metric", required_argument, NULL, SUB_METRIC },
		{ "html", required_argument, NULL, SUB_HTML },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option diff_opts[] = {
		{ "top", required_argument, NULL, SUB_TOP },
		{ "json", no_argument, NULL, SUB_JSON },
		{ "html", required_argument, NULL, SUB_HTML },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	cli_set_command(name);
	sub->top = CLI_DEFAULT_TOP;
	sub->metric = PROFILE_COMMITTED;
	opterr = 0;
	/* argv[0] is the subcommand's name; operands may come before options. */
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", diff ? diff_opts : report_opts, NULL)) != -1) {
		switch (opt) {
		case SUB_TOP:
			sub->top = cli_top(optarg);
			break;
		case SUB_CHURN_MS:
			sub->churn_ns =
				cli_time("--churn-ms wants a number of milliseconds", optarg, 1e6);
			break;
		case SUB_JSON:
			sub->json = true;
			break;
		case SUB_PPROF:
			sub->pprof_path = cli_file_name("--pprof=", optarg);
			break;
		case SUB_FOLDED:
			sub->folded_path = cli_file_name("--folded=", optarg);
			break;
		case SUB_HTML:
			sub->html_path = cli_file_name("--html=", optarg);
			break;
		case SUB_METRIC:
			sub->metric = cli_metric(optarg);
			sub->metric_given = true;
			break;
		case 'h':
			cli_usage(stdout);
			exit(0);
		default:
			cli_bad_option(opt, argv);
		}
	}
	sub->operands = argv + optind;
	sub->noperands = argc - optind;
	if (sub->metric_given && !sub->folded_path)
		cli_usage_error("--metric goes with --folded");
	if (to_stdout(sub->pprof_path) + to_stdout(sub->folded_path) + to_stdout(sub->html_path) >
	    1)
		cli_usage_error("only one output can be standard output ('-')");
}

/* Opens path for writing ("-": standard output); NULL after a line saying why. */
static FILE *open_output(const char *path)
{
	FILE *out = to_stdout(path) ? stdout : fopen(path, "we");

	if (!out)
		perror_msg("cannot open '%s'", path);
	return out;
}

/* Closes what open_output() opened; returns 0, or 2 after a line saying what was not written. */
static int close_output(FILE *out, const char *path, const char *what, int err)
{
	if (out != stdout && fclose(out) != 0)
		err = -1;
	if (!err)
		return 0;
	if (out == stdout)
		error_msg("cannot write the %s", what);
	else
		error_msg("cannot write the %s '%s'", what, path);
	return 2;
}

/* Writes page to path ("-": standard output).  Returns 0, or 2 after a line. */
static int write_html(struct html *page, const char *path)
{
	FILE *out = open_output(path);

	if (!out)
		return 2;
	return close_output(out, path, "HTML view", html_write(page, out));
}

/*
 * Writes prof (command: what was traced) to path ("-": standard output)
 * as pprof or as folded stacks.  Returns 0, or 2 after a line naming the
 * file and why.
 */
static int write_profile(struct profile *prof, const char *command, const char *path, bool pprof,
			 enum profile_metric metric)
{
	FILE *out = open_output(path);
	int err;

	if (!out)
		return 2;
	err = pprof ? profile_write_pprof(prof, out, command)
		    : profile_write_folded(prof, out, metric);
	return close_output(out, path, pprof ? "pprof profile" : "folded stacks", err);
}

/* Standard output flushed: a report cut by a full disk or a closed pipe is an error. */
static int flush_stdout(int status, const char *what)
{
	if ((fflush(stdout) != 0 || ferror(stdout)) && status != 2) {
		perror_msg("cannot write the %s", what);
		status = 2;
	}
	return status;
}

/*
 * Says on stderr what a subcommand's modules returned: the warnings in
 * their order, then why it failed, if it did.  msgs is emptied.
 */
static void print_msgs(struct msgs *msgs)
{
	for (size_t i = 0; i < msgs->nwarnings; i++)
		error_msg("%s", msgs->warnings[i]);
	if (msgs->error[0])
		error_msg("%s", msgs->error);
	msgs_free(msgs);
}

/*
 * memtrace report [--top N] [--churn-ms MS] [--pprof=FILE] [--folded=FILE
 * [--metric=M]] TRACE: the report of a saved trace ("-": standard input),
 * on stdout unless --pprof or --folded writes there; the profile as those
 * ask.  A trace cut short is reported as far as it goes, after its
 * warnings.  Returns the exit status: 0, or 2 when the trace cannot be
 * read or an output written.
 */
int report_command(int argc, char **argv, bool utf8)
{
	struct subcommand_options sub = { 0 };
	struct report_options ropts;
	struct msgs msgs = { 0 };
	struct trace *trace;
	int err, status;

	parse_subcommand("memtrace report", argc - 1, argv + 1, false, &sub);
	if (sub.noperands == 0)
		cli_usage_error("no trace to read (a file, or '-' for standard input)");
	if (sub.noperands > 1)
		cli_usage_error("one trace at a time, not also '%s'", sub.operands[1]);
	ropts = (struct report_options){ .top = sub.top,
					 .churn_ns = sub.churn_ns,
					 .width = output_width(STDOUT_FILENO),
					 .utf8 = utf8 };
	err = traceread_open(sub.operands[0], ropts.churn_ns, sub.html_path != NULL, &trace, &msgs);
	print_msgs(&msgs);
	if (err)
		return 2;
	status = 0;
	if (sub.pprof_path || sub.folded_path) {
		/* One profile for both. */
		struct profile *prof = traceread_profile(trace);
		const char *command = traceread_command(trace);

		if (sub.pprof_path)
			status = write_profile(prof, command, sub.pprof_path, true, sub.metric);
		if (sub.folded_path && !status)
			status = write_profile(prof, command, sub.folded_path, false, sub.metric);
		profile_free(prof);
	}
	if (sub.html_path && !status) {
		struct html *page = html_new(NULL, traceread_command(trace));

		traceread_html(trace, page, NULL, &ropts);
		status = write_html(page, sub.html_path);
		html_free(page);
	}
	if (!status && !to_stdout(sub.pprof_path) && !to_stdout(sub.folded_path) &&
	    !to_stdout(sub.html_path))
		traceread_print(trace, stdout, &ropts);
	traceread_free(trace);
	return flush_stdout(status, "report");
}

/*
 * memtrace diff [--top N] [--json] A B: what changed from trace A to
 * trace B, on stdout.  Exits as diff(1) does: 0 when they do not differ,
 * 1 when they do, 2 for trouble.
 */
int diff_command(int argc, char **argv, bool utf8)
{
	struct subcommand_options sub = { 0 };
	struct diff_options dopts;
	struct report_options ropts;
	struct msgs msgs = { 0 };
	struct html *page = NULL;
	struct diff *diff;
	int status, err;

	parse_subcommand("memtrace diff", argc - 1, argv + 1, true, &sub);
	if (sub.noperands != 2)
		cli_usage_error("two traces to compare, not %d", sub.noperands);
	if (!strcmp(sub.operands[0], "-") && !strcmp(sub.operands[1], "-"))
		cli_usage_error("only one of the traces can be standard input");
	dopts = (struct diff_options){
		.top = sub.top, .json = sub.json, .width = output_width(STDOUT_FILENO), .utf8 = utf8
	};
	ropts = (struct report_options){ .top = sub.top, .utf8 = utf8 };
	if (sub.html_path) {
		char title[PATH_MAX * 2 + 32];

		(void)snprintf(title, sizeof(title), "memtrace diff: %s and %s",
			       traceread_name(sub.operands[0]), traceread_name(sub.operands[1]));
		page = html_new(title, NULL);
	}
	/* Its warnings before it: they say how far it can be trusted. */
	err = diff_open(sub.operands[0], sub.operands[1], page, &ropts, &diff, &msgs);
	print_msgs(&msgs);
	if (err) {
		html_free(page);
		return 2;
	}
	status = diff_differ(diff) ? 1 : 0;
	if (page) {
		if (write_html(page, sub.html_path))
			status = 2;
		html_free(page);
	}
	err = to_stdout(sub.html_path) ? 0 : diff_print(diff, stdout, &dopts);
	diff_free(diff);
	if (err) {
		error_msg("cannot write the diff: %s", strerror(-err));
		return 2;
	}
	return flush_stdout(status, "diff");
}
