/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line's shared pieces: see cli.h. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void cli_usage(FILE *out)
{
	(void)fputs(
		"usage: memtrace [options] [--] PROGRAM [ARGS...]\n"
		"       memtrace [options] -p PID [-p PID...]\n"
		"       memtrace report [--top N] [--churn-ms MS] [--pprof=FILE]\n"
		"                       [--folded=FILE [--metric=M]] [--html=FILE] TRACE\n"
		"       memtrace diff [--top N] [--json] [--html=FILE] TRACE_A TRACE_B\n"
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
		"  --pprof=FILE       the memory by stack as a pprof profile (gzip), for\n"
		"                     go tool pprof, Pyroscope, Parca; '-': standard output\n"
		"  --folded=FILE      the memory by stack as folded stacks, for flamegraph.pl,\n"
		"                     inferno, speedscope; '-': standard output\n"
		"  --metric=M         what --folded counts: regions, reserved, committed\n"
		"                     (default) or resident bytes\n"
		"  --html=FILE        a page to look at: the address space, its sizes over\n"
		"                     time, sites and findings; one file, no network\n"
		"  --top N            sites shown in the report (default 10)\n"
		"  --churn-ms MS      mappings unmapped sooner are churn (default 1)\n"
		"  --interval S       one growth line per process every S seconds, on stderr\n"
		"  --no-stacks        do not unwind the stack at each memory call\n"
		"  --max-frames N     unwind at most N frames (default 64)\n"
		"  --debuginfod[=URLS]  fetch missing debug files from debuginfod servers\n"
		"                     (URLS, else $DEBUGINFOD_URLS)\n"
		"  -d, --debug        print memtrace's own debugging messages\n"
		"  -h, --help         this help\n"
		"  -V, --version      memtrace's version\n"
		"\n"
		"memtrace report prints the report of a trace written with -o again (with\n"
		"--pprof, --folded or --html, also writes those; the report then goes to\n"
		"standard output unless one of them does);\n"
		"memtrace diff compares two traces by kind and by site (--json: as one JSON\n"
		"object; --html: also as a page).  A TRACE may be '-' (standard input) and\n"
		"may be compressed.\n"
		"\n"
		"Exit status: the program's own, 128+N if it was killed by signal N, 127 if\n"
		"it was not found, 126 if it could not be executed, 2 for a usage error or\n"
		"an output that cannot be opened, 1 if it could not be traced; with -p, 0\n"
		"once detached; 74 instead of 0 when an output could not be written.\n"
		"memtrace report: 0, or 2 for a trace it cannot read or an output it cannot\n"
		"write.\n"
		"memtrace diff: 0 if the traces do not differ, 1 if they do, 2 for trouble.\n"
		"SIGUSR1 to memtrace prints the report now and goes on tracing.\n",
		out);
}

/* The command a usage error names: "memtrace", "memtrace report"... */
static const char *command_name = "memtrace";

void cli_set_command(const char *name)
{
	command_name = name;
}

/*
 * A usage error: one line saying what is wrong, one saying where to read
 * more, exit 2 (as strace, diff(1) and the GNU tools do).
 */
void cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	(void)fprintf(stderr, "%s: ", command_name);
	va_start(ap, fmt);
	/* clang-tidy 14 loses track of va_start after its first file: a false positive. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "\nTry 'memtrace --help' for more information.\n");
	exit(CLI_EXIT_USAGE);
}

/*
 * getopt_long's '?' and ':' (with opterr 0 and a leading ':' in the
 * short options): the option it did not take, named as it was written.
 */
void cli_bad_option(int opt, char **argv)
{
	const char *what = opt == ':' ? "this option needs an argument:" : "unknown option";
	const char *word = argv[optind - 1];

	/* A long option: optopt is its value (--debug=1 gives 'd'), the word names it. */
	if (!strncmp(word, "--", 2)) {
		const char *equals = strchr(word, '=');

		if (opt != ':' && equals && optopt)
			cli_usage_error("this option takes no argument: '%.*s'",
					(int)(equals - word), word);
		cli_usage_error("%s '%s'", what, word);
	}
	if (optopt && optopt < 256)
		cli_usage_error("%s '-%c'", what, optopt);
	cli_usage_error("%s '%s'", what, word);
}

/*
 * A whole number from min to max, or a usage error naming the option and
 * what it wants (NULL: "a number from MIN to MAX").
 */
unsigned long cli_number(const char *option, const char *wants, const char *optarg_or_null,
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
			cli_usage_error("%s wants %s, not '%s'", option, wants, arg);
		cli_usage_error("%s wants a number from %lu to %lu, not '%s'", option, min, max,
				arg);
	}
	return val;
}

/* --top N: 1 to 100000, or a usage error. */
size_t cli_top(const char *optarg_or_null)
{
	return (size_t)cli_number("--top", NULL, optarg_or_null, 1, 100000);
}

/* A number of seconds (or ms) in (0, 1e9], as nanoseconds times unit_ns; or a usage error. */
uint64_t cli_time(const char *what, const char *optarg_or_null, double unit_ns)
{
	const char *arg = optarg_or_null ? optarg_or_null : "";
	char *end;
	double val = strtod(arg, &end);

	if (!arg[0] || *end || !(val > 0) || val > 1e9)
		cli_usage_error("%s, not '%s'", what, arg);
	return (uint64_t)(val * unit_ns);
}

/*
 * Whether the output's character set (LC_CTYPE, from the environment) is
 * UTF-8: the report elides names with "…", else with "...".  Only
 * LC_CTYPE: numbers keep their C format.
 */
bool cli_charset_utf8(void)
{
	const char *codeset;

	if (!setlocale(LC_CTYPE, ""))
		return false;
	codeset = nl_langinfo(CODESET);
	return codeset && !strcmp(codeset, "UTF-8");
}

enum profile_metric cli_metric(const char *arg)
{
	enum profile_metric metric;

	if (profile_metric_parse(arg, &metric) < 0)
		cli_usage_error("--metric: '%s' is not regions, reserved, committed nor resident",
				arg);
	return metric;
}

const char *cli_file_name(const char *option, const char *arg)
{
	if (!arg || !arg[0])
		cli_usage_error("%s: empty file name", option);
	return arg;
}
