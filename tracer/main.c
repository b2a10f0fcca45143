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
 *   1 when tracing itself failed (ptrace refused, internal error);
 *   74 (sysexits' EX_IOERR) when an output could not be written whole
 *   and the status would have been 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "procmaps.h"
#include "session.h"
#include "subcommands.h"
#include "util.h"

/* An output not written whole (a full disk, a reader gone): sysexits.h EX_IOERR. */
#define EXIT_OUTPUT_FAILED 74

#define DEFAULT_MAX_FRAMES 64
#define MAX_MAX_FRAMES 1024
#define MAX_PIDS 64

/* The command line of a live run. */
struct options {
	struct session_options session;
	pid_t pids[MAX_PIDS]; /* -p: processes to attach to */
	bool metric_given;    /* --metric */
};

enum {
	OPT_EVENTS = 256,
	OPT_VERIFY,
	OPT_REGIONS,
	OPT_NO_STACKS,
	OPT_DEBUGINFOD,
	OPT_MAX_FRAMES,
	OPT_DURATION,
	OPT_REPORT,
	OPT_TOP,
	OPT_CHURN_MS,
	OPT_INTERVAL,
	OPT_PPROF,
	OPT_FOLDED,
	OPT_METRIC,
	OPT_HTML,
};

/* One option getopt_long returned, into opts. */
static void parse_option(struct options *opts, int opt, char **argv)
{
	struct session_options *so = &opts->session;
	struct output_options *out = &so->out;

	switch (opt) {
	case 'o':
		out->trace_path = cli_file_name("-o", optarg);
		break;
	case 'f':
		so->follow_forks = true;
		break;
	case OPT_EVENTS:
		out->events = true;
		out->events_path = optarg ? cli_file_name("--events=", optarg) : NULL;
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
	case OPT_DEBUGINFOD: {
		const char *urls = optarg ? optarg : getenv("DEBUGINFOD_URLS");

		if (!urls || !*urls)
			cli_usage_error("--debuginfod: no servers: give them (--debuginfod=URL...)"
					" or set DEBUGINFOD_URLS");
		so->debuginfod = true;
		so->debuginfod_urls = optarg;
		break;
	}
	case 'p':
		if (out->npids == ARRAY_SIZE(opts->pids))
			cli_usage_error("too many -p (at most %zu)", ARRAY_SIZE(opts->pids));
		opts->pids[out->npids++] =
			(pid_t)cli_number("-p", "a process id", optarg, 1, INT32_MAX);
		break;
	case OPT_DURATION:
		so->duration_ns = cli_time("--duration wants a number of seconds", optarg, 1e9);
		break;
	case OPT_INTERVAL:
		so->interval_ns = cli_time("--interval wants a number of seconds", optarg, 1e9);
		break;
	case OPT_CHURN_MS:
		out->churn_ns = cli_time("--churn-ms wants a number of milliseconds", optarg, 1e6);
		break;
	case OPT_REPORT:
		out->report_path = cli_file_name("--report=", optarg);
		break;
	case OPT_PPROF:
		out->pprof_path = cli_file_name("--pprof=", optarg);
		break;
	case OPT_FOLDED:
		out->folded_path = cli_file_name("--folded=", optarg);
		break;
	case OPT_HTML:
		out->html_path = cli_file_name("--html=", optarg);
		break;
	case OPT_METRIC:
		out->folded_metric = cli_metric(optarg);
		opts->metric_given = true;
		break;
	case OPT_TOP:
		out->top = cli_top(optarg);
		break;
	case OPT_MAX_FRAMES:
		so->max_frames =
			(unsigned int)cli_number("--max-frames", NULL, optarg, 1, MAX_MAX_FRAMES);
		break;
	case 'd':
		debug_flag = true;
		break;
	case 'h':
		cli_usage(stdout);
		exit(0);
	case 'V':
		(void)printf("memtrace %s\n", MEMTRACE_VERSION);
		exit(0);
	default:
		cli_bad_option(opt, argv);
	}
}

static void parse_options(struct options *opts, int argc, char **argv, bool utf8)
{
	static const struct option longopts[] = {
		{ "events", optional_argument, NULL, OPT_EVENTS },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "regions", no_argument, NULL, OPT_REGIONS },
		{ "no-stacks", no_argument, NULL, OPT_NO_STACKS },
		{ "debuginfod", optional_argument, NULL, OPT_DEBUGINFOD },
		{ "max-frames", required_argument, NULL, OPT_MAX_FRAMES },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "churn-ms", required_argument, NULL, OPT_CHURN_MS },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "pprof", required_argument, NULL, OPT_PPROF },
		{ "folded", required_argument, NULL, OPT_FOLDED },
		{ "metric", required_argument, NULL, OPT_METRIC },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct output_options *out = &opts->session.out;
	int opt;

	opts->session.max_frames = DEFAULT_MAX_FRAMES;
	out->top = CLI_DEFAULT_TOP;
	out->churn_ns = REPORT_CHURN_NS_DEFAULT;
	out->folded_metric = PROFILE_COMMITTED;
	out->pids = opts->pids;
	out->utf8 = utf8;
	opterr = 0;
	/* '+': options end at the program's name; ':': a missing argument is told apart. */
	while ((opt = getopt_long(argc, argv, "+:fdhVp:o:", longopts, NULL)) != -1)
		parse_option(opts, opt, argv);
	if (output_stdout_count(out) > 1)
		cli_usage_error("only one output can be standard output ('-')");
	if (opts->metric_given && !out->folded_path)
		cli_usage_error("--metric goes with --folded");
	if (out->npids) {
		if (optind < argc)
			cli_usage_error("-p and a program to launch exclude each other: '%s'",
					argv[optind]);
		return;
	}
	if (opts->session.duration_ns)
		cli_usage_error("--duration goes with -p");
	if (optind >= argc)
		cli_usage_error("no program to trace, and no -p PID");
	out->argv = argv + optind;
}

/*
 * Raises memtrace's soft limit of open files to the hard one: the module
 * table holds a file and a root directory open per file in the stacks
 * (unwind/modules.c), a few hundred files for a large program.  Returns
 * the soft limit the program gets back (engine_launch.c), 0 when
 * unchanged.
 */
static unsigned long long raise_nofile(void)
{
	struct rlimit lim;
	rlim_t soft;

	if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max)
		return 0;
	soft = lim.rlim_cur;
	lim.rlim_cur = lim.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &lim) == 0 ? (unsigned long long)soft : 0;
}

/*
 * Every pid memtrace reads in /proc must be of its own PID namespace: in
 * one whose /proc is not its own (unshare --pid without --mount-proc),
 * /proc/N is some other process N.  Says why not on stderr.
 */
static bool proc_is_ours(void)
{
	pid_t seen = procmaps_self_pid();

	if (seen < 0) {
		error_msg("cannot read /proc/self: %s (memtrace needs /proc mounted)",
			  strerror(-seen));
		return false;
	}
	if (seen != getpid()) {
		error_msg("/proc is not of memtrace's PID namespace (/proc/self is %d, memtrace is "
			  "%d): "
			  "mount its own (unshare --pid --fork --mount-proc)",
			  (int)seen, (int)getpid());
		return false;
	}
	return true;
}

static int exit_status_of(int wait_status)
{
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return WEXITSTATUS(wait_status);
}

/*
 * A standard descriptor closed by the caller (memtrace ... 2>&-) would be
 * taken by the first file memtrace opens, its report then written there:
 * each closed one is /dev/null instead, for memtrace and for the program,
 * which inherits it.
 */
static void open_std_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		int null;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		null = open("/dev/null", O_RDWR);
		if (null >= 0 && null != fd) {
			(void)dup2(null, fd);
			(void)close(null);
		}
	}
}

int main(int argc, char **argv)
{
	static struct options opts;
	/* The output's character set is UTF-8: the report elides with "…". */
	bool utf8 = cli_charset_utf8();
	struct session *session;
	int status, exec_err;

	open_std_fds();
	/* Subcommands; a program called "report" runs with "memtrace -- report". */
	if (argc >= 2 && !strcmp(argv[1], "report"))
		return report_command(argc, argv, utf8);
	if (argc >= 2 && !strcmp(argv[1], "diff"))
		return diff_command(argc, argv, utf8);
	parse_options(&opts, argc, argv, utf8);
	/*
	 * A reader of an output that goes away (memtrace -o - | head) is a
	 * write error on that output, not the end of memtrace and of the
	 * program it traces (PTRACE_O_EXITKILL).  The program gets SIGPIPE
	 * as memtrace got it (engine_launch.c, child_exec).
	 */
	opts.session.sigpipe_ignored = signal(SIGPIPE, SIG_IGN) == SIG_IGN;
	opts.session.nofile = raise_nofile();
	if (!proc_is_ours())
		return 1;
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
	exec_err = session_exec_errno(session);
	if (opts.session.out.npids) {
		/* The processes ran on (or ended on their own): memtrace did its job. */
		status = 0;
	} else if (exec_err) {
		error_msg("cannot execute '%s': %s", opts.session.out.argv[0], strerror(exec_err));
		status = exec_err == ENOENT ? 127 : 126;
	} else {
		status = exit_status_of(session_main_status(session));
	}
	/* An output not written whole: said on stderr, and in the status unless the program's says more. */
	if (status == 0 && session_outputs_failed(session))
		status = EXIT_OUTPUT_FAILED;
	session_free(session);
	if (debug_flag) {
		struct rusage self;

		/* memtrace's own, the traced programs' left out: for scripts/bench. */
		if (getrusage(RUSAGE_SELF, &self) == 0)
			debug_msg("peak RSS %ld KiB", self.ru_maxrss);
	}
	return status;
}
