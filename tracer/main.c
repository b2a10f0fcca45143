/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memtrace: the command line, mode dispatch and exit status.  The only
 * file that includes every module's header; it wires the engine to the
 * sinks (docs/design.md, "Layout and data flow").
 *
 * Exit status (documented in README.md and `memtrace --help`):
 *   the program's own; 128+N when it was killed by signal N;
 *   127 when it cannot be found, 126 when it cannot be executed;
 *   2 for a usage error or an output file that cannot be opened;
 *   1 when tracing itself failed (ptrace refused, internal error).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "mallocheap.h"
#include "procmaps.h"
#include "util.h"
#include "../report/churn.h"
#include "../report/diff.h"
#include "../report/eventlog.h"
#include "../report/report.h"
#include "../report/traceread.h"
#include "../report/tracew.h"
#include "../report/stackfmt.h"
#include "../report/text.h"
#include "../unwind/stacks.h"
#include "../unwind/modules.h"
#include "../unwind/unwinder.h"

#define EXIT_USAGE 2
#define DEFAULT_MAX_FRAMES 64
#define MAX_MAX_FRAMES 1024
#define DEFAULT_TOP 10
/* The report's width on a terminal that does not say its own. */
#define REPORT_WIDTH_UNKNOWN 80
/* Narrower terminals get this: words and frames need a few columns to wrap in. */
#define REPORT_WIDTH_MIN 40
/* A brk heap walk stops past this many chunks (a few hundred ms). */
#define HEAP_WALK_MAX_CHUNKS (16ULL << 20)

struct options {
	bool follow_forks;
	bool verify;
	bool regions;
	bool no_stacks;
	unsigned int max_frames;
	pid_t pids[64]; /* -p: processes to attach to */
	size_t npids;
	uint64_t duration_ns; /* --duration: attach mode detaches after it */
	bool events;
	const char *events_path; /* NULL: stderr */
	const char *report_path; /* --report=FILE; NULL: stderr */
	const char *trace_path;	 /* -o FILE: the JSON trace; NULL: none */
	size_t top;		 /* sites in the report */
	uint64_t churn_ns;	 /* --churn-ms */
	uint64_t interval_ns;	 /* --interval: a growth line this often; 0: never */
	char **argv;		 /* the program and its arguments */
};

/* What the report needs of a process beyond its model (proc->sink_data). */
struct proc_state {
	struct churn *churn;
	struct mm_usage *usage; /* at its snapshot; NULL: none taken */
	size_t nusage;
	size_t usage_cap;
	struct mallocheap_info heap;
	bool have_heap;
	uint64_t mismatches;
	uint64_t interval_vsz; /* at the last --interval line */
	bool exiting;	       /* its exit snapshot is taken: the figures stay as they were then */
};

struct session {
	struct options opts;
	struct engine *engine;
	FILE *events_out;
	FILE *report_out;
	FILE *status_out; /* stderr: --interval lines, whatever --report names */
	int trace_fd;
	struct tracew *trace;
	size_t report_width; /* the terminal's columns; 0: not a terminal, no limit */
	struct eventlog *eventlog;
	uint64_t mismatches;
	struct stacks *stacks;
	struct modules *modules;
	struct stackfmt *stackfmt;
	uint64_t *frames; /* max_frames of them, for each walk */
	uint32_t *frame_modules;
	uint64_t *frame_offsets;
};

/* --verify prints the first mismatches whole, then only counts them. */
#define VERIFY_MISMATCHES_SHOWN 10

static struct session *current_session;

/* Written by the signal handler, read by the engine loop. */
static volatile sig_atomic_t program_pid;
static volatile sig_atomic_t interrupt_count;
static volatile sig_atomic_t kill_request;
static volatile sig_atomic_t tick;
static volatile sig_atomic_t detach_request;
static volatile sig_atomic_t wake;
static volatile sig_atomic_t report_request;
static volatile sig_atomic_t interval_due;
static bool attach_mode;
/* The output's character set is UTF-8: the report elides with "…". */
static bool utf8_output;

/* The --interval timer's signal: not one a user would send. */
#define SIGINTERVAL SIGRTMIN

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
	int opt;

	opts->max_frames = DEFAULT_MAX_FRAMES;
	opts->top = DEFAULT_TOP;
	opts->churn_ns = REPORT_CHURN_NS_DEFAULT;
	opterr = 0;
	/* '+': options end at the program's name; ':': a missing argument is told apart. */
	while ((opt = getopt_long(argc, argv, "+:fdhVp:o:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (!optarg || !optarg[0])
				usage_error("-o: empty file name");
			opts->trace_path = optarg;
			break;
		case 'f':
			opts->follow_forks = true;
			break;
		case OPT_EVENTS:
			opts->events = true;
			opts->events_path = optarg;
			if (optarg && !optarg[0])
				usage_error("--events=: empty file name");
			break;
		case OPT_VERIFY:
			opts->verify = true;
			break;
		case OPT_REGIONS:
			opts->regions = true;
			break;
		case OPT_NO_STACKS:
			opts->no_stacks = true;
			break;
		case 'p':
			if (opts->npids == ARRAY_SIZE(opts->pids))
				usage_error("too many -p (at most %zu)", ARRAY_SIZE(opts->pids));
			opts->pids[opts->npids++] =
				(pid_t)parse_number("-p", "a process id", optarg, 1, INT32_MAX);
			break;
		case OPT_DURATION:
			opts->duration_ns =
				parse_time("--duration wants a number of seconds", optarg, 1e9);
			break;
		case OPT_INTERVAL:
			opts->interval_ns =
				parse_time("--interval wants a number of seconds", optarg, 1e9);
			break;
		case OPT_CHURN_MS:
			opts->churn_ns = parse_time("--churn-ms wants a number of milliseconds",
						    optarg, 1e6);
			break;
		case OPT_REPORT:
			if (!optarg || !optarg[0])
				usage_error("--report=: empty file name");
			opts->report_path = optarg;
			break;
		case OPT_TOP:
			opts->top = parse_top(optarg);
			break;
		case OPT_MAX_FRAMES:
			opts->max_frames = (unsigned int)parse_number("--max-frames", NULL, optarg,
								      1, MAX_MAX_FRAMES);
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
	if ((opts->trace_path && !strcmp(opts->trace_path, "-")) +
		    (opts->events_path && !strcmp(opts->events_path, "-")) +
		    (opts->report_path && !strcmp(opts->report_path, "-")) >
	    1)
		usage_error("only one output can be standard output ('-')");
	if (opts->npids) {
		if (optind < argc)
			usage_error("-p and a program to launch exclude each other: '%s'",
				    argv[optind]);
		return;
	}
	if (opts->duration_ns)
		usage_error("--duration goes with -p");
	if (optind >= argc)
		usage_error("no program to trace, and no -p PID");
	opts->argv = argv + optind;
}

/*
 * The output streams write through this cookie: memtrace's signal
 * handlers are installed without SA_RESTART (so that waitpid returns to
 * the loop), and stdio would drop the buffer of a write interrupted by
 * one, losing lines already seen.
 */
static ssize_t cookie_write(void *cookie, const char *buf, size_t len)
{
	int fd = (int)(intptr_t)cookie;
	size_t done = 0;

	while (done < len) {
		ssize_t got = write(fd, buf + done, len - done);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)got;
	}
	return (ssize_t)done;
}

static int cookie_close(void *cookie)
{
	return close((int)(intptr_t)cookie);
}

static FILE *stream_on(int fd)
{
	static const cookie_io_functions_t io = { .write = cookie_write, .close = cookie_close };
	FILE *file = fopencookie((void *)(intptr_t)fd, "w", io);

	if (!file)
		perror_die("fopencookie");
	return file;
}

/*
 * Opens an output named on the command line: a file, "-" for a copy of
 * standard output, NULL for a copy of stderr (its default).  Returns the
 * descriptor, or -1 after a line naming it and why.
 */
static int open_output_fd(const char *path)
{
	int fd;

	if (!path)
		fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	else if (!strcmp(path, "-"))
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	else
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		perror_msg("cannot open '%s'", path ? path : "(standard error)");
	return fd;
}

/*
 * Closes an output, saying so when what was written to it did not all
 * get there (a full disk, a reader gone).  The exit status stays the
 * program's: the trace of a run is not worth less than its other outputs.
 */
static void close_output(FILE **out, const char *what, const char *path)
{
	bool failed;

	if (!*out)
		return;
	failed = ferror(*out);
	if (fclose(*out) != 0)
		perror_msg("cannot write %s%s%s%s", what, path ? " '" : "", path ? path : "",
			   path ? "'" : "");
	else if (failed)
		error_msg("cannot write %s%s%s%s: some lines were lost", what, path ? " '" : "",
			  path ? path : "", path ? "'" : "");
	*out = NULL;
}

/* Whether a file name ends in ".gz": the trace is written compressed. */
static bool gzip_name(const char *path)
{
	size_t len = strlen(path);

	return len > 3 && !strcmp(path + len - 3, ".gz");
}

/*
 * The width the report on fd fits in: the columns of the terminal, or 0
 * (no limit: nothing cut, nothing wrapped) when fd is a file or a pipe.
 * The only place that decides it, for the live report and for memtrace
 * report and diff.
 */
static size_t report_width(int fd)
{
	struct winsize size;

	if (!isatty(fd))
		return 0;
	if (ioctl(fd, TIOCGWINSZ, &size) != 0 || !size.ws_col)
		return REPORT_WIDTH_UNKNOWN;
	return size.ws_col > REPORT_WIDTH_MIN ? size.ws_col : REPORT_WIDTH_MIN;
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

/* The report's state of proc, made at first use. */
static struct proc_state *state_of(struct session *session, const struct proc *proc)
{
	struct proc *writable = (struct proc *)proc; /* the sink owns sink_data */
	struct proc_state *state = writable->sink_data;

	if (!state) {
		state = xcalloc(1, sizeof(*state));
		state->churn = churn_new(session->opts.churn_ns);
		writable->sink_data = state;
	}
	return state;
}

static void state_free(struct proc *proc)
{
	struct proc_state *state = proc->sink_data;

	if (!state)
		return;
	churn_free(state->churn);
	free(state->usage);
	free(state);
	proc->sink_data = NULL;
}

static void sink_call(void *ctx, const struct engine_call *call)
{
	struct session *session = ctx;
	const uint64_t *frames;
	size_t nframes;

	if (call->finished && call->changes)
		churn_apply(state_of(session, call->proc)->churn, call->time_ns, call->changes);
	if (session->trace && call->proc->mm)
		tracew_event(session->trace, call, mm_aspace(call->proc->mm));
	if (!session->eventlog)
		return;
	eventlog_call(session->eventlog, call);
	nframes = stacks_get(session->stacks, call->stack_id, &frames);
	if (nframes)
		stackfmt_write(session->stackfmt, session->events_out, session->stacks,
			       call->stack_id);
}

/* Stack capture (engine_unwind_ops): libunwind walks, the stack table interns. */
static void *unwind_attach(void *ctx, pid_t pid)
{
	(void)ctx;
	return unwinder_new(pid);
}

static void unwind_detach(void *ctx, void *unwind)
{
	(void)ctx;
	unwinder_free(unwind);
}

static void unwind_flush(void *ctx, void *unwind)
{
	(void)ctx;
	unwinder_flush(unwind);
}

static uint32_t unwind_capture(void *ctx, void *unwind, pid_t tid, const struct arch_regs *regs,
			       const struct aspace *as)
{
	struct session *session = ctx;
	int count = unwinder_walk(unwind, tid, regs, session->frames, session->opts.max_frames);
	const struct aspace_region *last = NULL;
	uint32_t module = 0;

	if (count <= 0)
		return 0;
	/*
	 * Where each frame lies now, in which module (the file mapped there,
	 * found once per mapping): the stack stays readable after an unmap.
	 */
	for (int i = 0; i < count; i++) {
		uint64_t lookup = session->frames[i] - (i > 0 ? 1 : 0);
		const struct aspace_region *region = aspace_find(as, lookup);

		/* Frames of one mapping follow each other: its module is asked for once. */
		if (region != last) {
			last = region;
			module = region && region->path && region->backing == ASPACE_BACKING_FILE
					 ? modules_of_mapping(session->modules, region->path,
							      &region->origin)
					 : 0;
		}
		session->frame_modules[i] = module;
		session->frame_offsets[i] = module ? lookup - region->start + region->offset : 0;
	}
	return stacks_intern_located(session->stacks, session->frames, session->frame_modules,
				     session->frame_offsets, (size_t)count);
}

static const struct engine_unwind_ops unwind_ops = {
	.attach = unwind_attach,
	.detach = unwind_detach,
	.flush = unwind_flush,
	.capture = unwind_capture,
};

static void sink_exec(void *ctx, const struct proc *proc, uint64_t time_ns)
{
	struct session *session = ctx;
	struct proc_state *state = state_of(session, proc);

	if (session->trace)
		tracew_exec(session->trace, proc, time_ns);
	/* A new program: what the old one did is not its. */
	churn_reset(state->churn);
	state->nusage = 0;
	free(state->usage);
	state->usage = NULL;
	state->usage_cap = 0;
	state->have_heap = false;
	state->exiting = false;

	if (session->eventlog)
		eventlog_exec(session->eventlog, proc, time_ns);
}

static void sink_proc_end(void *ctx, const struct proc *proc, uint64_t time_ns)
{
	struct session *session = ctx;

	/* Never signal a pid that may be reused: forwarding stops with the program. */
	if (proc->pid == (pid_t)program_pid)
		program_pid = 0;
	if (session->eventlog)
		eventlog_proc_end(session->eventlog, proc, time_ns);
}

static void sink_mismatch(void *ctx, const struct proc *proc, uint64_t seq,
			  const struct mm_diff *diff)
{
	struct session *session = ctx;

	state_of(session, proc)->mismatches++;
	if (++session->mismatches <= VERIFY_MISMATCHES_SHOWN) {
		/* The events so far first, so the mismatch reads after the call that caused it. */
		if (session->events_out)
			(void)fflush(session->events_out);
		text_verify_mismatch(stderr, proc, seq, diff, engine_paths(session->engine));
	}
}

/*
 * Reads what the report needs of proc's memory now, through its task tid:
 * resident pages, the brk heap.
 */
static void read_usage(struct session *session, struct proc *proc, pid_t tid)
{
	struct proc_state *state = state_of(session, proc);
	struct aspace *as = mm_aspace(proc->mm);
	uint64_t heap_start, heap_top;
	long count;

	count = tid ? mm_usage(proc->mm, tid, &state->usage, &state->usage_cap) : -ESRCH;
	if (count < 0) {
		debug_msg("process %d: smaps: %s", (int)proc->pid, strerror((int)-count));
		free(state->usage);
		state->usage = NULL;
		state->usage_cap = 0;
		count = 0;
	}
	state->nusage = (size_t)count;
	aspace_heap(as, &heap_start, &heap_top);
	state->have_heap =
		tid && heap_start && heap_top > heap_start &&
		mallocheap_walk(tid, heap_start, heap_top, HEAP_WALK_MAX_CHUNKS, &state->heap) == 0;
}

static void sink_thread(void *ctx, const struct proc *proc, pid_t tid, bool exited, uint64_t sp,
			uint64_t time_ns)
{
	struct session *session = ctx;

	if (session->trace && proc->mm)
		tracew_thread(session->trace, proc->pid, tid, exited, sp, time_ns,
			      mm_aspace(proc->mm));
}

static void sink_snapshot(void *ctx, struct proc *proc, pid_t tid, bool final)
{
	read_usage(ctx, proc, tid);
	if (final)
		state_of(ctx, proc)->exiting = true;
}

/* What the report and the trace's snapshot of proc are made from, as it is now. */
static struct report_input input_of(struct session *session, struct proc *proc)
{
	struct proc_state *state = state_of(session, proc);

	return (struct report_input){
		.proc = proc,
		.as = mm_aspace(proc->mm),
		.paths = engine_paths(session->engine),
		.churn = state->churn,
		.usage = state->usage,
		.nusage = state->nusage,
		.heap = state->have_heap ? &state->heap : NULL,
		.verify = session->opts.verify,
		.mismatches = state->mismatches,
	};
}

/*
 * The report of one process, to the report's output, and to the trace
 * (final: at the end; else on SIGUSR1).
 */
static void write_report(struct session *session, struct proc *proc, bool final)
{
	struct report_options ropts = { .top = session->opts.top,
					.churn_ns = session->opts.churn_ns,
					.width = session->report_width,
					.utf8 = utf8_output };
	struct report_input in = input_of(session, proc);
	struct report *rep = report_compute(&in, session->stackfmt, session->stacks);

	report_print(session->report_out, rep, &in, &ropts);
	if (session->trace) {
		uint64_t now = engine_now_ns(session->engine);

		tracew_snapshot(session->trace, &in, final ? "final" : "signal", now);
		tracew_findings(session->trace, &in, rep);
		if (final)
			tracew_summary(session->trace, &in, now);
		(void)tracew_flush(session->trace);
	}
	report_free(rep);
}

/* SIGUSR1: the report of every live process, read now; --interval: a line each. */
static void sink_wake(void *ctx)
{
	struct session *session = ctx;
	bool report_now = report_request, line_now = interval_due;

	report_request = 0;
	interval_due = 0;
	for (struct proc *proc = engine_procs(session->engine); proc; proc = proc->next) {
		struct proc_state *state;

		if (!proc->reported || proc->ended || !proc->mm)
			continue;
		state = state_of(session, proc);
		/* Between its exit snapshot and its end: nothing left to read. */
		if (state->exiting)
			continue;
		/* The memory as it is now: for the report, and the trace's periodic snapshot. */
		if (report_now || (line_now && session->trace))
			read_usage(session, proc, engine_live_tid(session->engine, proc));
		if (report_now)
			write_report(session, proc, false);
		if (line_now) {
			struct report_input in = input_of(session, proc);
			long rss_pages =
				procmaps_statm_resident(engine_live_tid(session->engine, proc));

			if (session->trace)
				tracew_snapshot(session->trace, &in, "interval",
						engine_now_ns(session->engine));
			report_interval_line(
				session->status_out, &in, engine_now_ns(session->engine),
				rss_pages > 0 ? (uint64_t)rss_pages * ASPACE_PAGE_SIZE : 0,
				state->interval_vsz);
			state->interval_vsz = aspace_total(in.as);
		}
	}
	(void)fflush(session->report_out);
	(void)fflush(session->status_out);
}

static const struct engine_sink session_sink = {
	.call = sink_call,
	.exec = sink_exec,
	.proc_end = sink_proc_end,
	.mismatch = sink_mismatch,
	.snapshot = sink_snapshot,
	.wake = sink_wake,
	.thread = sink_thread,
};

/* die()'s hook: kill every tracee (launch mode never detaches), keep what was written. */
static void cleanup(void)
{
	struct session *session = current_session;

	if (!session)
		return;
	/* Launch mode kills (a filtered task cannot outlive memtrace); attach mode leaves. */
	if (session->engine && engine_attached(session->engine))
		engine_detach_all(session->engine);
	else if (session->engine)
		engine_kill_all(session->engine);
	if (session->events_out)
		(void)fflush(session->events_out);
	if (session->trace)
		(void)tracew_flush(session->trace);
}

/*
 * SIGINT: a terminal's Ctrl-C reaches the program too (same process
 * group), so the first one is not forwarded; one sent to memtrace alone
 * (kill(2): SI_USER) is.  The second kills the program.  SIGTERM and
 * SIGHUP sent to memtrace alone are forwarded.  Only async-signal-safe
 * calls here.
 */
static void on_signal(int sig, siginfo_t *info, void *uctx)
{
	pid_t pid = (pid_t)program_pid;

	(void)uctx;
	if (sig == SIGALRM) {
		tick = 1;
		return;
	}
	if (sig == SIGUSR1 || sig == SIGINTERVAL) {
		if (sig == SIGUSR1)
			report_request = 1;
		else
			interval_due = 1;
		wake = 1;
		return;
	}
	/* Attach mode: any of them means "detach now and report"; the program runs on. */
	if (attach_mode) {
		detach_request = 1;
		return;
	}
	if (sig == SIGINT && ++interrupt_count >= 2) {
		kill_request = 1;
		if (pid > 0)
			(void)kill(pid, SIGKILL);
		return;
	}
	if (pid > 0 && info->si_code != SI_KERNEL)
		(void)kill(pid, sig);
}

static void install_signal_handlers(void)
{
	struct sigaction act;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGUSR1 };

	memset(&act, 0, sizeof(act));
	act.sa_sigaction = on_signal;
	/* No SA_RESTART: waitpid must return EINTR so the loop sees kill_request. */
	act.sa_flags = SA_SIGINFO;
	sigemptyset(&act.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (sigaction(sigs[i], &act, NULL) < 0)
			perror_die("sigaction");
	if (sigaction(SIGINTERVAL, &act, NULL) < 0)
		perror_die("sigaction");
}

/* --interval: SIGINTERVAL every interval_ns, on the monotonic clock. */
static void start_interval_timer(uint64_t interval_ns)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGINTERVAL };
	struct itimerspec spec = {
		.it_interval = { .tv_sec = (time_t)(interval_ns / 1000000000ULL),
				 .tv_nsec = (long)(interval_ns % 1000000000ULL) },
	};
	timer_t timer;

	spec.it_value = spec.it_interval;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0 ||
	    timer_settime(timer, 0, &spec, NULL) < 0)
		perror_die("timer_create");
}

static int exit_status_of(int wait_status)
{
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return WEXITSTATUS(wait_status);
}

/* Why ptrace was refused on pid: another tracer, Yama, or a missing capability. */
static void explain_eperm(pid_t pid)
{
	char path[64], comm[64] = "?";
	long tracer = procmaps_status_field(pid, "TracerPid", 0);
	int scope = -1;
	FILE *file;

	if (tracer > 0) {
		(void)snprintf(path, sizeof(path), "/proc/%ld/comm", tracer);
		file = fopen(path, "re");
		if (file) {
			if (fgets(comm, sizeof(comm), file))
				comm[strcspn(comm, "\n")] = '\0';
			(void)fclose(file);
		}
		error_msg("cannot attach to %d: it is already traced by %ld (%s)", (int)pid, tracer,
			  comm);
		return;
	}
	file = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	if (file) {
		if (fscanf(file, "%d", &scope) != 1)
			scope = -1;
		(void)fclose(file);
	}
	if (scope >= 1)
		error_msg("cannot attach to %d: not permitted (kernel.yama.ptrace_scope is %d%s)",
			  (int)pid, scope, scope == 3 ? ": no process may attach" : "");
	else
		error_msg("cannot attach to %d: not permitted (not the same user, and no "
			  "CAP_SYS_PTRACE)",
			  (int)pid);
}

/* -p: attaches to each process, or to none (what was attached is let go). */
static int attach_all(struct session *session)
{
	for (size_t i = 0; i < session->opts.npids; i++) {
		pid_t pid = session->opts.pids[i], tgid;
		int err = engine_attach(session->engine, pid, &tgid);

		if (err == 0) {
			if (tgid != pid)
				error_msg("%d is a thread of process %d: attaching to all of it",
					  (int)pid, (int)tgid);
			continue;
		}
		if (err == -ESRCH)
			error_msg("no such process %d", (int)pid);
		else if (err == -EPERM || err == -EACCES)
			explain_eperm(pid);
		else
			error_msg("cannot attach to %d: %s", (int)pid, strerror(-err));
		/* Never half-attached: the processes named before this one are let go. */
		engine_detach_all(session->engine);
		return err;
	}
	return 0;
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
 * memtrace report [--top N] [--churn-ms MS] TRACE: the report of a saved
 * trace ("-": standard input), on stdout.  Returns the exit status.
 */
static int report_command(int argc, char **argv)
{
	struct subcommand_options sub = { 0 };
	struct report_options ropts;

	parse_subcommand("memtrace report", argc - 1, argv + 1, false, &sub);
	if (sub.noperands == 0)
		usage_error("no trace to read (a file, or '-' for standard input)");
	if (sub.noperands > 1)
		usage_error("one trace at a time, not also '%s'", sub.operands[1]);
	ropts = (struct report_options){ .top = sub.top,
					 .churn_ns = sub.churn_ns,
					 .width = report_width(STDOUT_FILENO),
					 .utf8 = utf8_output };
	return flush_stdout(traceread_report(sub.operands[0], stdout, &ropts), "report");
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

	parse_subcommand("memtrace diff", argc - 1, argv + 1, true, &sub);
	if (sub.noperands != 2)
		usage_error("two traces to compare, not %d", sub.noperands);
	if (!strcmp(sub.operands[0], "-") && !strcmp(sub.operands[1], "-"))
		usage_error("only one of the traces can be standard input");
	dopts = (struct diff_options){ .top = sub.top,
				       .json = sub.json,
				       .width = report_width(STDOUT_FILENO),
				       .utf8 = utf8_output };
	return flush_stdout(diff_traces(sub.operands[0], sub.operands[1], stdout, &dopts), "diff");
}

/*
 * Opens the outputs the options name: --events, --report, -o (whose
 * header it writes).  Returns 0, or -1 after a line naming the output
 * that cannot be opened.
 */
static int open_outputs(struct session *session)
{
	const struct options *opts = &session->opts;
	int fd;

	fd = open_output_fd(NULL);
	if (fd < 0)
		return -1;
	session->status_out = stream_on(fd);
	if (opts->events) {
		fd = open_output_fd(opts->events_path);
		if (fd < 0)
			return -1;
		session->events_out = stream_on(fd);
		/* Whole lines at once; line-buffered on a terminal, to be watched. */
		if (isatty(fd))
			(void)setvbuf(session->events_out, NULL, _IOLBF, 0);
		else
			(void)setvbuf(session->events_out, NULL, _IOFBF, 1 << 16);
		session->eventlog = eventlog_new(session->events_out);
	}
	fd = open_output_fd(opts->report_path);
	if (fd < 0)
		return -1;
	session->report_out = stream_on(fd);
	session->report_width = report_width(fd);
	if (opts->trace_path) {
		session->trace_fd = open_output_fd(opts->trace_path);
		if (session->trace_fd < 0)
			return -1;
		session->trace = tracew_new(session->trace_fd, gzip_name(opts->trace_path),
					    engine_paths(session->engine), session->modules,
					    session->stacks);
		tracew_header(session->trace, opts->argv, opts->pids, opts->npids, opts->churn_ns);
		(void)tracew_flush(session->trace);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct session session;
	struct engine_options eopts = { 0 };
	int err, status;

	utf8_output = charset_utf8();
	/* Subcommands; a program called "report" runs with "memtrace -- report". */
	if (argc >= 2 && !strcmp(argv[1], "report"))
		return report_command(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "diff"))
		return diff_command(argc, argv);
	parse_options(&session.opts, argc, argv);
	session.trace_fd = -1;
	/*
	 * A reader of an output that goes away (memtrace -o - | head) is a
	 * write error on that output, not the end of memtrace and of the
	 * program it traces (PTRACE_O_EXITKILL).  The program gets SIGPIPE
	 * back as it was (engine.c, child_exec).
	 */
	(void)signal(SIGPIPE, SIG_IGN);

	eopts.report_children = session.opts.follow_forks;
	eopts.verify = session.opts.verify;
	session.stacks = stacks_new();
	if (!session.opts.no_stacks) {
		session.frames = xcalloc(session.opts.max_frames, sizeof(*session.frames));
		session.frame_modules =
			xcalloc(session.opts.max_frames, sizeof(*session.frame_modules));
		session.frame_offsets =
			xcalloc(session.opts.max_frames, sizeof(*session.frame_offsets));
		eopts.unwind = &unwind_ops;
		eopts.unwind_ctx = &session;
	}
	eopts.kill_request = &kill_request;
	eopts.tick = &tick;
	eopts.detach_request = &detach_request;
	eopts.detach_at_ns = session.opts.duration_ns;
	eopts.wake = &wake;
	/* -o -: the trace has standard output; the program writes to stderr (as perf record -o -). */
	eopts.stdout_to_stderr = session.opts.trace_path && !strcmp(session.opts.trace_path, "-");
	session.engine = engine_new(&eopts, &session_sink, &session);
	session.modules = modules_new(engine_paths(session.engine));
	session.stackfmt = stackfmt_new(engine_paths(session.engine), session.modules);
	current_session = &session;
	set_cleanup(cleanup);

	if (session.opts.npids) {
		attach_mode = true;
		/* Handlers first: a Ctrl-C while attaching must detach, not kill memtrace. */
		install_signal_handlers();
		if (attach_all(&session) < 0)
			return 1;
		/* Only now: an attach that fails leaves no empty files behind. */
		if (open_outputs(&session) < 0) {
			engine_detach_all(session.engine);
			return EXIT_USAGE;
		}
	} else {
		/* Before the program starts: it never runs when an output cannot be written. */
		if (open_outputs(&session) < 0)
			return EXIT_USAGE;
		err = engine_launch(session.engine, session.opts.argv);
		if (err < 0) {
			errno = -err;
			perror_msg("cannot trace '%s'%s", session.opts.argv[0],
				   err == -EPERM ? " (ptrace not permitted here)" : "");
			return 1;
		}
		program_pid = engine_main_pid(session.engine);
		install_signal_handlers();
	}

	if (session.opts.interval_ns)
		start_interval_timer(session.opts.interval_ns);
	err = engine_run(session.engine);
	if (err < 0) {
		errno = -err;
		perror_die("waitpid");
	}
	eventlog_free(session.eventlog);
	session.eventlog = NULL;
	close_output(&session.events_out, "the events", session.opts.events_path);

	err = engine_exec_errno(session.engine);
	if (err) {
		error_msg("cannot execute '%s': %s", session.opts.argv[0], strerror(err));
		engine_free(session.engine);
		return err == ENOENT ? 127 : 126;
	}
	for (struct proc *proc = engine_procs(session.engine); proc; proc = proc->next) {
		if (!proc->reported)
			continue;
		if (session.opts.regions)
			text_regions(session.report_out, proc, engine_paths(session.engine),
				     session.stackfmt, session.stacks, session.report_width);
		if (proc->mm)
			write_report(&session, proc, true);
		else
			text_proc_summary(session.report_out, proc, session.report_width);
	}
	if (session.opts.verify)
		(void)fprintf(session.report_out, "verify: %llu mismatch%s\n",
			      (unsigned long long)session.mismatches,
			      session.mismatches == 1 ? "" : "es");
	close_output(&session.report_out, "the report", session.opts.report_path);
	close_output(&session.status_out, "to stderr", NULL);
	if (session.trace) {
		err = tracew_finish(session.trace);
		if (err)
			error_msg("cannot write the trace '%s': %s", session.opts.trace_path,
				  strerror(-err));
		tracew_free(session.trace);
		session.trace = NULL;
		(void)close(session.trace_fd);
	}
	/* Attach mode: the processes ran on (or ended on their own); memtrace did its job. */
	status = attach_mode ? 0 : engine_main_status(session.engine);
	current_session = NULL;
	for (struct proc *proc = engine_procs(session.engine); proc; proc = proc->next)
		state_free(proc);
	engine_free(session.engine);
	stackfmt_free(session.stackfmt);
	modules_free(session.modules);
	stacks_free(session.stacks);
	free(session.frames);
	free(session.frame_modules);
	free(session.frame_offsets);
	return exit_status_of(status);
}
