/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the trace reader (report/traceread.c) on traces written by
 * hand: a table of malformed ones, each with the exit status and the one
 * line it must say (the file, the line number, why); and small valid ones,
 * whose report must come out whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../report/traceread.h"

#define HEADER "{\"type\":\"header\",\"format\":\"memtrace-trace\",\"version\":1}\n"
#define SNAPSHOT                                                                           \
	"{\"type\":\"snapshot\",\"reason\":\"final\",\"pid\":7,\"time\":1.5,"              \
	"\"sizes\":{\"vsz_peak\":8192,\"heap_start\":\"0x0\",\"heap_top\":\"0x0\","        \
	"\"heap_peak\":0},\"regions\":[{\"start\":\"0x10000\",\"end\":\"0x12000\","        \
	"\"prot\":\"rw-\",\"flags\":0,\"backing\":\"anon\",\"origin\":{\"kind\":\"call\"," \
	"\"seq\":1,\"tid\":7,\"stack\":0,\"time\":0.5}}]}\n"
#define SUMMARY                                                                      \
	"{\"type\":\"summary\",\"pid\":7,\"exe\":\"/bin/x\",\"calls\":{\"mmap\":1}," \
	"\"failed\":0,\"end\":\"exited\",\"status\":0}\n"

struct bad_case {
	const char *name;
	const char *trace;
	int status;
	const char *said; /* in the line on stderr */
};

static const struct bad_case bad_cases[] = {
	{ "empty", "", 2, "t.json: empty: not a memtrace trace" },
	{ "not JSON", "hello\n", 2, "t.json:1: not JSON: " },
	{ "no header", "{\"type\":\"event\"}\n", 2, "t.json:1: not a memtrace trace (no header)" },
	{ "no type", "{\"format\":\"memtrace-trace\"}\n", 2, "t.json:1: no \"type\"" },
	{ "another format", "{\"type\":\"header\",\"format\":\"other\",\"version\":1}\n", 2,
	  "t.json:1: not a memtrace trace" },
	{ "a later version", "{\"type\":\"header\",\"format\":\"memtrace-trace\",\"version\":2}\n",
	  2, "t.json:1: trace format version 2; this memtrace reads version 1" },
	{ "no version", "{\"type\":\"header\",\"format\":\"memtrace-trace\"}\n", 2,
	  "t.json:1: a trace header without a \"version\"" },
	{ "a bad line later", HEADER "{\"type\":\"event\",\n", 2, "t.json:2: not JSON: " },
	{ "an event without seq", HEADER "{\"type\":\"event\",\"pid\":1,\"call\":\"mmap\"}\n", 2,
	  "t.json:2: an event without \"seq\"" },
	{ "a change that is none",
	  HEADER "{\"type\":\"event\",\"seq\":1,\"pid\":1,\"call\":\"mmap\",\"changes\":"
		 "[{\"op\":\"explode\",\"start\":\"0x1000\",\"end\":\"0x2000\",\"origin\":1}]}\n",
	  2, "t.json:2: change 0 of event 1 is not one" },
	{ "an address with a sign",
	  HEADER "{\"type\":\"event\",\"seq\":1,\"pid\":1,\"call\":\"mmap\",\"changes\":"
		 "[{\"op\":\"map\",\"start\":\"0x-1000\",\"end\":\"0x2000\",\"origin\":1}]}\n",
	  2, "t.json:2: change 0 of event 1 is not one" },
	{ "a stack without frames", HEADER "{\"type\":\"stack\",\"id\":1,\"frames\":[]}\n", 2,
	  "t.json:2: a stack without 1 to 1024 \"frames\"" },
	{ "a frame in an unknown module",
	  HEADER "{\"type\":\"stack\",\"id\":1,\"frames\":[{\"addr\":\"0x1\",\"module\":9,"
		 "\"offset\":\"0x1\"}]}\n",
	  2, "t.json:2: frame 0 of stack 1: module 9 unknown" },
	{ "a stack id no writer makes", HEADER "{\"type\":\"stack\",\"id\":99999999999}\n", 2,
	  "t.json:2: a stack without a valid \"id\"" },
	{ "overlapping regions",
	  HEADER "{\"type\":\"snapshot\",\"pid\":7,\"regions\":["
		 "{\"start\":\"0x1000\",\"end\":\"0x3000\",\"origin\":{\"kind\":\"exec\"}},"
		 "{\"start\":\"0x2000\",\"end\":\"0x4000\",\"origin\":{\"kind\":\"exec\"}}]}\n",
	  2, "t.json:2: snapshot regions overlap at 0x2000" },
	{ "a number with a sign", HEADER "{\"type\":\"module\",\"id\":\"-1\",\"path\":\"/x\"}\n", 2,
	  "t.json:2: a module without a valid \"id\"" },
	{ "cut short", HEADER SNAPSHOT "{\"type\":\"sum", 0,
	  "t.json:3: the last line is cut short: ignored" },
};

/* Runs the reader on text; returns its status, with what it said on stderr in said. */
static int read_trace(const char *text, char *said, size_t size, char *out, size_t out_size)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	FILE *report = fmemopen(out, out_size, "w");
	FILE *err = tmpfile();
	struct report_options opts = { .top = 10, .width = 0 };
	int saved = dup(STDERR_FILENO), status;
	size_t got;

	assert_non_null(report);
	assert_non_null(err);
	/* fmemopen refuses an empty buffer: an empty trace is /dev/null. */
	if (!text[0])
		in = fopen("/dev/null", "r");
	assert_non_null(in);
	memset(out, 0, out_size);
	(void)fflush(stderr);
	assert_true(dup2(fileno(err), STDERR_FILENO) >= 0);
	status = traceread_report_stream(in, "t.json", report, &opts);
	(void)fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(err);
	got = fread(said, 1, size - 1, err);
	said[got] = '\0';
	(void)fclose(err);
	(void)fclose(in);
	(void)fclose(report);
	return status;
}

static void test_bad_traces(void **state)
{
	char said[1024], out[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		int status = read_trace(c->trace, said, sizeof(said), out, sizeof(out));

		if (status != c->status || !strstr(said, c->said))
			fail_msg("%s: status %d (want %d), said: %s(want: %s)", c->name, status,
				 c->status, said, c->said);
		/* One line, starting with memtrace's name. */
		if (c->status == 2 && (strncmp(said, "memtrace: ", 10) != 0 ||
				       strchr(said, '\n') != said + strlen(said) - 1))
			fail_msg("%s: not one line: %s", c->name, said);
	}
}

/* The smallest whole trace: one process, one region, its report. */
static void test_small_trace(void **state)
{
	char said[1024], out[4096];
	int status;

	(void)state;
	status = read_trace(HEADER SNAPSHOT SUMMARY, said, sizeof(said), out, sizeof(out));
	assert_int_equal(status, 0);
	assert_string_equal(said, "");
	assert_non_null(
		strstr(out, "memtrace: [7] /bin/x: 1 memory call (mmap 1); exited with 0\n"));
	assert_non_null(
		strstr(out, "  VSZ 8 KiB (peak 8 KiB): 0 reserved, 8 KiB committed; RSS not"));
	/* Unknown line types and members are skipped. */
	status = read_trace(HEADER "{\"type\":\"future\",\"x\":1}\n" SNAPSHOT SUMMARY, said,
			    sizeof(said), out, sizeof(out));
	assert_int_equal(status, 0);
	assert_string_equal(said, "");
	/* Without its summary: reported from its snapshot, with a warning. */
	status = read_trace(HEADER SNAPSHOT, said, sizeof(said), out, sizeof(out));
	assert_int_equal(status, 0);
	assert_non_null(strstr(said, "the trace ends before process 7 does"));
	assert_non_null(strstr(out, "  VSZ 8 KiB"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_traces),
		cmocka_unit_test(test_small_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
