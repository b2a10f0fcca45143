/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memtrace: the command line, mode dispatch and exit status.  A live run
 * is a session (tracer/session.c: the engine, stack capture and the
 * outputs); memtrace report and memtrace diff read traces back
 * (report/traceread.c, report/diff.c).  docs/design.md, "Layout and data
 * flow".
 *
 * Exit status (documented in README.md, the manual page and --help):
 *   the program's own; 128+N when it was killed by signal N;
 *   127 when it cannot be found, 126 when it cannot be executed;
 *   2 for a usage error or an output file that cannot be opened;
 *   1 when tracing itself failed (ptrace refused, internal error).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session.h"
#include "util.h"
#include "../report/diff.h"
#include "../report/msgs.h"
#include "../report/traceread.h"

#define EXIT_USAGE 2
#define DEFAULT_MAX_FRAMES 64
#define MAX_MAX_FRAMES 1024
#define DEFAULT_TOP 10
#define MAX_PIDS 64

/* The command line of a live run. */
struct options {
	struct session_options session;
	pid_t pids[MAX_PIDS]; /* -p: processes to attach to */
};

/* The output's character set is UTF-8: the report elides with "…". */
static bool utf8_output;

static void usage(FILE *out)
{
	(void)fputs("usage: memtrace [options] [--] PROGRAM [ARGS...]\n"
		    "       memtrace [options] -p PID [-p PID...]\n"
		    "       memtrace report [--top N] [--churn-ms MS] TRACE\n"
		    "       memtrace diff [--top N] [--json] TRACE_A TRACE_B\n"
		    "\n"
		    "Trace the memory system calls of PROGRAM and of every thread and process it\n"
		    "starts, or of running processes until Ctrl-C, SIGTERM or --duration; then\n"
		    "report who made each part of their address space, and why it grew.\n"
		    "\n"
		    "  -p PID             attach to process PID and all its threads (repeatable)\n"
		    "  --duration S       with -p: detach after S seconds\n"
		    "  -o FILE            write the JSON Lines trace to FILE; '-': standard\n"
		    "                     output; a name ending in .gz: compressed with gzip\n"
		    "  -f                 report forked children too (they are always traced)\n"
		    "  --events[=FILE]    one line per memory call, to stderr or FILE\n"
		    "  --verify           check the model against /proc/PID/maps at every call\n"
		    "  --regions          at the end, every region of each process and its origin\n"
		    "  --report=FILE      the end-of-run report to FILE instead of stderr\n"
		    "  --top N            sites shown in the report (default 10)\n"
		    "  --churn-ms MS      mappings unmapped sooner are churn (default 1)\n"
		    "  --interval S       one growth line per process every S seconds, on stderr\n"
		    "  --no-stacks        do not unwind the stack at each memory call\n"
		    "  --max-frames N     unwind at most N frames (default 64)\n"
		    "  -d, --debug        print memtrace's own debugging messages\n"
		    "  -h, --help         this help\n"
		    "  -V, --version      memtrace's version\n"
		    "\n"
		    "memtrace report prints the report of a trace written with -o again;\n"
		    "memtrace diff compares two traces by kind and by site (--json: as one JSON\n"
		    "object).  A TRACE may be '-' (standard input) and may be compressed.\n"
		    "\n"
		    "Exit status: the program's own, 128+N if it was killed by signal N, 127 if\n"
		    "it was not found, 126 if it could not be executed, 2 for a usage error or\n"
		    "an output that cannot be opened, 1 if it could not be traced; with -p, 0\n"
		    "once detached.  memtrace report: 0, or 2 for a trace it cannot read.\n"
		    "memtrace diff: 0 if the traces do not differ, 1 if they do, 2 for trouble.\n"
		    "SIGUSR1 to memtrace prints the report now and goes on tracing.\n",
		    out);
}

/* The command a usage error names: "memtrace", "memtrace report"... */
static const char *command_name = "memtrace";

/*
 * A usage error: one line saying what is wrong, one saying where to read
 * more, exit 2 (as strace, diff(1) and the GNU tools do).
 */
static void ATTRIBUTE_NORETURN ATTRIBUTE_FORMAT(1, 2) usage_error(const char *fmt, ...)
{
	va_list ap;

	(void)fprintf(stderr, "%s: ", command_name);
	va_start(ap, fmt);
	/* clang-tidy 14 loses track of va_start after its first file: a false positive. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "\nTry 'memtrace --help' for more information.\n");
	exit(EXIT_USAGE);
}

/*
 * getopt_long's '?' and ':' (with opterr 0 and a leading ':' in the
 * short options): the option it did not take, named as it was written.
 */
static void ATTRIBUTE_NORETURN bad_option(int opt, char **argv)
{
	const char *what = opt == ':' ? "this option needs an argument:" : "unknown option";
	const char *word = argv[optind - 1];

	/* A long option: optopt is its value (--debug=1 gives 'd'), the word names it. */
	if (!strncmp(word, "--", 2)) {
		const char *equals = strchr(word, '=');

		if (opt != ':' && equals && optopt)
			usage_error("this option takes no argument: '%.*s'", (int)(equals - word),
				    word);
		usage_error("%s '%s'", what, word);
	}
	if (optopt && optopt < 256)
		usage_error("%s '-%c'", what, optopt);
	usage_error("%s '%s'", what, word);
}

enum {
	OPT_EVENTS = 256,
	OPT_VERIFY,
	OPT_REGIONS,
	OPT_NO_STACKS,
	OPT_MAX_FRAMES,
	OPT_DURATION,
	OPT_REPORT,
	OPT_TOP,
	OPT_CHURN_MS,
	OPT_INTERVAL,
};

/*
 * A whole number from min to max, or a usage error naming the option and
 * what it wants (NULL: "a number from MIN to MAX").
 */
static unsigned long parse_number(const char *option, const char *wants, const char *optarg_or_null,
				  unsigned long min, unsigned long max)
{
	/* getopt gives a required argument; say so to the analyzer too. */
	const char *arg = optarg_or_null ? optarg_or_null : "";
	char *end;
	unsigned long val;

	errno = 0;
	val = strtoul(arg, &end, 10);
	if (!isdigit((unsigned char)arg[0]) || *end || errno || val < min || val > max) {
		if (wants)
			usage_error("%s wants %s, not '%s'", option, wants, arg);
		usage_error("%s wants a number from %lu to %lu, not '%s'", option, min, max, arg);
	}
	return val;
}

/* --top N: 1 to 100000, or a usage error. */
static size_t parse_top(const char *optarg_or_null)
{
	return (size_t)parse_number("--top", NULL, optarg_or_null, 1, 100000);
}

/* A number of seconds (or ms) in (0, 1e9], as nanoseconds times unit_ns; or a usage error. */
static uint64_t parse_time(const char *what, const char *optarg_or_null, double unit_ns)
{
	const char *arg = optarg_or_null ? optarg_or_null : "";
	char *end;
	double val = strtod(arg, &end);

	if (!arg[0] || *end || !(val > 0) || val > 1e9)
		usage_error("%s, not '%s'", what, arg);
	return (uint64_t)(val * unit_ns);
}

/* "FILE" of -o, --events=, --report=: a name, or a usage error. */
static const char *file_name(const char *option, const char *arg)
{
	if (!arg || !arg[0])
		usage_error("%s: empty file name", option);
	return arg;
}

/* One option getopt_long returned, into opts. */
static void parse_option(struct options *opts, int opt, char **argv)
{
	struct session_options *so = &opts->session;
	struct output_options *out = &so->out;

	switch (opt) {
	case 'o':
		out->trace_path = file_name("-o", optarg);
		break;
	case 'f':
		so->follow_forks = true;
		break;
	case OPT_EVENTS:
		out->events = true;
		out->events_path = optarg ? file_name("--events=", optarg) : NULL;
		break;
	case OPT_VERIFY:
		out->verify = true;
		break;
	case OPT_REGIONS:
		out->regions = true;
		break;
	case OPT_NO_STACKS:
		so->no_stacks = true;
		break;
	case 'p':
		if (out->npids == ARRAY_SIZE(opts->pids))
			usage_error("too many -p (at most %zu)", ARRAY_SIZE(opts->pids));
		opts->pids[out->npids++] =
			(pid_t)parse_number("-p", "a process id", optarg, 1, INT32_MAX);
		break;
	case OPT_DURATION:
		so->duration_ns = parse_time("--duration wants a number of seconds", optarg, 1e9);
		break;
	case OPT_INTERVAL:
		so->interval_ns = parse_time("--interval wants a number of seconds", optarg, 1e9);
		break;
	case OPT_CHURN_MS:
		out->churn_ns =
			parse_time("--churn-ms wants a number of milliseconds", optarg, 1e6);
		break;
	case OPT_REPORT:
		out->report_path = file_name("--report=", optarg);
		break;
	case OPT_TOP:
		out->top = parse_top(optarg);
		break;
	case OPT_MAX_FRAMES:
		so->max_frames =
			(unsigned int)parse_number("--max-frames", NULL, optarg, 1, MAX_MAX_FRAMES);
		break;
	case 'd':
		debug_flag = true;
		break;
	case 'h':
		usage(stdout);
		exit(0);
	case 'V':
		(void)printf("memtrace %s\n", MEMTRACE_VERSION);
		exit(0);
	default:
		bad_option(opt, argv);
	}
}

static void parse_options(struct options *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "events", optional_argument, NULL, OPT_EVENTS },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "regions", no_argument, NULL, OPT_REGIONS },
		{ "no-stacks", no_argument, NULL, OPT_NO_STACKS },
		{ "max-frames", required_argument, NULL, OPT_MAX_FRAMES },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "churn-ms", required_argument, NULL, OPT_CHURN_MS },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct output_options *out = &opts->session.out;
	int opt;

	opts->session.max_frames = DEFAULT_MAX_FRAMES;
	out->top = DEFAULT_TOP;
	out->churn_ns = REPORT_CHURN_NS_DEFAULT;
	out->pids = opts->pids;
	out->utf8 = utf8_output;
	opterr = 0;
	/* '+': options end at the program's name; ':': a missing argument is told apart. */
	while ((opt = getopt_long(argc, argv, "+:fdhVp:o:", longopts, NULL)) != -1)
		parse_option(opts, opt, argv);
	if (output_stdout_count(out) > 1)
		usage_error("only one output can be standard output ('-')");
	if (out->npids) {
		if (optind < argc)
			usage_error("-p and a program to launch exclude each other: '%s'",
				    argv[optind]);
		return;
	}
	if (opts->session.duration_ns)
		usage_error("--duration goes with -p");
	if (optind >= argc)
		usage_error("no program to trace, and no -p PID");
	out->argv = argv + optind;
}

/*
 * Whether the output's character set (LC_CTYPE, from the environment) is
 * UTF-8: the report elides names with "…", else with "...".  Only
 * LC_CTYPE: numbers keep their C format.
 */
static bool charset_utf8(void)
{
	const char *codeset;

	if (!setlocale(LC_CTYPE, ""))
		return false;
	codeset = nl_langinfo(CODESET);
	return codeset && !strcmp(codeset, "UTF-8");
}

static int exit_status_of(int wait_status)
{
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return WEXITSTATUS(wait_status);
}

/*
 * The options of memtrace report and memtrace diff, parsed as the main
 * command's are (getopt_long: --opt=value, --opt value, "--" ends them).
 */
struct subcommand_options {
	size_t top;
	uint64_t churn_ns; /* 0: the trace's own threshold */
	bool json;
	char **operands; /* the traces */
	int noperands;
};

enum { SUB_TOP = 256, SUB_CHURN_MS, SUB_JSON };

static void parse_subcommand(const char *name, int argc, char **argv, bool diff,
			     struct subcommand_options *sub)
{
	static const struct option report_opts[] = {
		{ "top", required_argument, NULL, SUB_TOP },
		{ "churn-ms", required_argument, NULL, SUB_CHURN_MS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option diff_opts[] = {
		{ "top", required_argument, NULL, SUB_TOP },
		{ "json", no_argument, NULL, SUB_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	command_name = name;
	sub->top = DEFAULT_TOP;
	opterr = 0;
	/* argv[0] is the subcommand's name; operands may come before options. */
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", diff ? diff_opts : report_opts, NULL)) != -1) {
		switch (opt) {
		case SUB_TOP:
			sub->top = parse_top(optarg);
			break;
		case SUB_CHURN_MS:
			sub->churn_ns = parse_time("--churn-ms wants a number of milliseconds",
						   optarg, 1e6);
			break;
		case SUB_JSON:
			sub->json = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			bad_option(opt, argv);
		}
	}
	sub->operands = argv + optind;
	sub->noperands = argc - optind;
}

/* Standard output flushed: a report cut by a full disk or a closed pipe is an error. */
static int flush_stdout(int status, const char *what)
{
	if (fflush(stdout) != 0 && status != 2) {
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
 * memtrace report [--top N] [--churn-ms MS] TRACE: the report of a saved
 * trace ("-": standard input), on stdout; a trace cut short is reported
 * as far as it goes, after its warnings.  Returns the exit status: 0, or
 * 2 when the trace cannot be read.
 */
static int report_command(int argc, char **argv)
{
	struct subcommand_options sub = { 0 };
	struct report_options ropts;
	struct msgs msgs = { 0 };
	struct trace *trace;
	int err;

	parse_subcommand("memtrace report", argc - 1, argv + 1, false, &sub);
	if (sub.noperands == 0)
		usage_error("no trace to read (a file, or '-' for standard input)");
	if (sub.noperands > 1)
		usage_error("one trace at a time, not also '%s'", sub.operands[1]);
	ropts = (struct report_options){ .top = sub.top,
					 .churn_ns = sub.churn_ns,
					 .width = output_width(STDOUT_FILENO),
					 .utf8 = utf8_output };
	err = traceread_open(sub.operands[0], ropts.churn_ns, &trace, &msgs);
	print_msgs(&msgs);
	if (err)
		return 2;
	traceread_print(trace, stdout, &ropts);
	traceread_free(trace);
	return flush_stdout(0, "report");
}

/*
 * memtrace diff [--top N] [--json] A B: what changed from trace A to
 * trace B, on stdout.  Exits as diff(1) does: 0 when they do not differ,
 * 1 when they do, 2 for trouble.
 */
static int diff_command(int argc, char **argv)
{
	struct subcommand_options sub = { 0 };
	struct diff_options dopts;
	struct msgs msgs = { 0 };
	struct diff *diff;
	int status, err;

	parse_subcommand("memtrace diff", argc - 1, argv + 1, true, &sub);
	if (sub.noperands != 2)
		usage_error("two traces to compare, not %d", sub.noperands);
	if (!strcmp(sub.operands[0], "-") && !strcmp(sub.operands[1], "-"))
		usage_error("only one of the traces can be standard input");
	dopts = (struct diff_options){ .top = sub.top,
				       .json = sub.json,
				       .width = output_width(STDOUT_FILENO),
				       .utf8 = utf8_output };
	/* Its warnings before it: they say how far it can be trusted. */
	err = diff_open(sub.operands[0], sub.operands[1], &diff, &msgs);
	print_msgs(&msgs);
	if (err)
		return 2;
	status = diff_differ(diff) ? 1 : 0;
	err = diff_print(diff, stdout, &dopts);
	diff_free(diff);
	if (err) {
		error_msg("cannot write the diff: %s", strerror(-err));
		return 2;
	}
	return flush_stdout(status, "diff");
}

int main(int argc, char **argv)
{
	static struct options opts;
	struct session *session;
	int status;

	utf8_output = charset_utf8();
	/* Subcommands; a program called "report" runs with "memtrace -- report". */
	if (argc >= 2 && !strcmp(argv[1], "report"))
		return report_command(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "diff"))
		return diff_command(argc, argv);
	parse_options(&opts, argc, argv);
	/*
	 * A reader of an output that goes away (memtrace -o - | head) is a
	 * write error on that output, not the end of memtrace and of the
	 * program it traces (PTRACE_O_EXITKILL).  The program gets SIGPIPE
	 * as memtrace got it (engine_launch.c, child_exec).
	 */
	opts.session.sigpipe_ignored = signal(SIGPIPE, SIG_IGN) == SIG_IGN;
	session = session_new(&opts.session);
	status = opts.session.out.npids ? session_attach(session)
					: session_launch(session, opts.session.out.argv);
	if (status) {
		session_free(session);
		return status;
	}
	status = session_run(session);
	if (status < 0) {
		errno = -status;
		perror_die("waitpid");
	}
	if (opts.session.out.npids) {
		/* The processes ran on (or ended on their own): memtrace did its job. */
		status = 0;
	} else if (session_exec_errno(session)) {
		error_msg("cannot execute '%s': %s", opts.session.out.argv[0],
			  strerror(session_exec_errno(session)));
		status = session_exec_errno(session) == ENOENT ? 127 : 126;
	} else {
		status = exit_status_of(session_main_status(session));
	}
	session_free(session);
	return status;
}
