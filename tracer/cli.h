/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pieces the command line's parsers share (tracer/main.c for a live
 * run, tracer/subcommands.c for memtrace report and memtrace diff): the
 * help, usage errors in the GNU tools' form, numbers and times from
 * option arguments, and the output's character set.
 */
#ifndef MEMTRACE_CLI_H
#define MEMTRACE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"
#include "../report/profile.h"

/* The exit status of a usage error. */
#define CLI_EXIT_USAGE 2
/* Sites the report and the diff show unless --top says. */
#define CLI_DEFAULT_TOP 10

/* memtrace --help, to out. */
void cli_usage(FILE *out);

/* The command usage errors name: "memtrace" until a subcommand sets its own. */
void cli_set_command(const char *name);

/*
 * A usage error: "COMMAND: <message>", then a line saying where to read
 * more, on stderr; exits with CLI_EXIT_USAGE (as strace, diff(1) and
 * the GNU tools do).
 */
void ATTRIBUTE_NORETURN ATTRIBUTE_FORMAT(1, 2) cli_usage_error(const char *fmt, ...);

/*
 * getopt_long's '?' and ':' (with opterr 0 and a leading ':' in the
 * short options): a usage error naming the option it did not take as it
 * was written.
 */
void ATTRIBUTE_NORETURN cli_bad_option(int opt, char **argv);

/*
 * A whole number from min to max, or a usage error naming the option and
 * what it wants (NULL: "a number from MIN to MAX").
 */
unsigned long cli_number(const char *option, const char *wants, const char *optarg_or_null,
			 unsigned long min, unsigned long max);

/* The FILE of an option (-o, --report=...): not empty, or a usage error naming option. */
const char *cli_file_name(const char *option, const char *arg);

/* --top N: 1 to 100000, or a usage error. */
size_t cli_top(const char *optarg_or_null);

/*
 * The metric --metric names (regions, reserved, committed, resident), or a
 * usage error.
 */
enum profile_metric cli_metric(const char *arg);

/*
 * A number of seconds (or ms) in (0, 1e9], as nanoseconds times unit_ns;
 * or a usage error whose message is what.
 */
uint64_t cli_time(const char *what, const char *optarg_or_null, double unit_ns);

/*
 * Whether the output's character set (LC_CTYPE, from the environment) is
 * UTF-8: the report elides names with "…", else with "...".
 */
bool cli_charset_utf8(void);

#endif /* MEMTRACE_CLI_H */
