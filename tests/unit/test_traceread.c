/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the trace reader (report/traceread.c) on traces written by
 * hand: a table of malformed ones, each with the error it returns and the
 * one line of its message (the file, the line number, why), nothing
 * printed; small valid ones, whose report must come out whole; and the
 * end of a process as each summary line says it.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "../../report/msgs.h"
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
	int err;	  /* what reading it returns */
	const char *said; /* in its error, or in its warning when it is read */
};

static const struct bad_case bad_cases[] = {
	{ "empty", "", -EINVAL, "t.json: empty: not a memtrace trace" },
	{ "not JSON", "hello\n", -EINVAL, "t.json:1: not JSON: " },
	{ "no header", "{\"type\":\"event\"}\n", -EINVAL,
	  "t.json:1: not a memtrace trace (no header)" },
	{ "no type", "{\"format\":\"memtrace-trace\"}\n", -EINVAL, "t.json:1: no \"type\"" },
	{ "another format", "{\"type\":\"header\",\"format\":\"other\",\"version\":1}\n", -EINVAL,
	  "t.json:1: not a memtrace trace" },
	{ "a later version", "{\"type\":\"header\",\"format\":\"memtrace-trace\",\"version\":2}\n",
	  -EINVAL, "t.json:1: trace format version 2; this memtrace reads version 1" },
	{ "no version", "{\"type\":\"header\",\"format\":\"memtrace-trace\"}\n", -EINVAL,
	  "t.json:1: a trace header without a \"version\"" },
	{ "a bad line later", HEADER "{\"type\":\"event\",\n", -EINVAL, "t.json:2: not JSON: " },
	{ "an event without seq", HEADER "{\"type\":\"event\",\"pid\":1,\"call\":\"mmap\"}\n",
	  -EINVAL, "t.json:2: an event without \"seq\"" },
	{ "a change that is none",
	  HEADER "{\"type\":\"event\",\"seq\":1,\"pid\":1,\"call\":\"mmap\",\"changes\":"
		 "[{\"op\":\"explode\",\"start\":\"0x1000\",\"end\":\"0x2000\",\"origin\":1}]}\n",
	  -EINVAL, "t.json:2: change 0 of event 1 is not one" },
	{ "an address with a sign",
	  HEADER "{\"type\":\"event\",\"seq\":1,\"pid\":1,\"call\":\"mmap\",\"changes\":"
		 "[{\"op\":\"map\",\"start\":\"0x-1000\",\"end\":\"0x2000\",\"origin\":1}]}\n",
	  -EINVAL, "t.json:2: change 0 of event 1 is not one" },
	{ "a stack without frames", HEADER "{\"type\":\"stack\",\"id\":1,\"frames\":[]}\n", -EINVAL,
	  "t.json:2: a stack without 1 to 1024 \"frames\"" },
	{ "a frame in an unknown module",
	  HEADER "{\"type\":\"stack\",\"id\":1,\"frames\":[{\"addr\":\"0x1\",\"module\":9,"
		 "\"offset\":\"0x1\"}]}\n",
	  -EINVAL, "t.json:2: frame 0 of stack 1: module 9 unknown" },
	{ "a stack id no writer makes", HEADER "{\"type\":\"stack\",\"id\":99999999999}\n", -EINVAL,
	  "t.json:2: a stack without a valid \"id\"" },
	{ "overlapping regions",
	  HEADER "{\"type\":\"snapshot\",\"pid\":7,\"regions\":["
		 "{\"start\":\"0x1000\",\"end\":\"0x3000\",\"origin\":{\"kind\":\"exec\"}},"
		 "{\"start\":\"0x2000\",\"end\":\"0x4000\",\"origin\":{\"kind\":\"exec\"}}]}\n",
	  -EINVAL, "t.json:2: snapshot regions overlap at 0x2000" },
	{ "a number with a sign", HEADER "{\"type\":\"module\",\"id\":\"-1\",\"path\":\"/x\"}\n",
	  -EINVAL, "t.json:2: a module without a valid \"id\"" },
	{ "cut short", HEADER SNAPSHOT "{\"type\":\"sum", 0,
	  "t.json:3: the last line is cut short: ignored" },
};

/* Reads text as a trace into *trace; returns what that returns, with its messages in msgs. */
static int load_trace(const char *text, struct trace **trace, struct msgs *msgs)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int err;

	/* fmemopen refuses an empty buffer: an empty trace is /dev/null. */
	if (!text[0])
		in = fopen("/dev/null", "r");
	assert_non_null(in);
	err = traceread_load(in, "t.json", 0, false, trace, msgs);
	(void)fclose(in);
	return err;
}

/*
 * Runs the reader on text and prints its report into out; returns what
 * reading returns, with its messages in msgs.  The reader prints nothing
 * of its own: stderr stays empty.
 */
static int read_trace(const char *text, struct msgs *msgs, char *out, size_t out_size)
{
	FILE *report = fmemopen(out, out_size, "w");
	FILE *err_file = tmpfile();
	struct report_options opts = { .top = 10, .width = 0 };
	int saved = dup(STDERR_FILENO), err;
	struct trace *trace;

	assert_non_null(report);
	assert_non_null(err_file);
	memset(out, 0, out_size);
	(void)fflush(stderr);
	assert_true(dup2(fileno(err_file), STDERR_FILENO) >= 0);
	err = load_trace(text, &trace, msgs);
	if (err == 0) {
		traceread_print(trace, report, &opts);
		traceread_free(trace);
	}
	(void)fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	assert_int_equal(ftell(err_file), 0);
	(void)fclose(err_file);
	(void)fclose(report);
	return err;
}

/* Whether a warning of msgs holds want. */
static bool warned(const struct msgs *msgs, const char *want)
{
	for (size_t i = 0; i < msgs->nwarnings; i++)
		if (strstr(msgs->warnings[i], want))
			return true;
	return false;
}

static void test_bad_traces(void **state)
{
	char out[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct msgs msgs = { 0 };
		int err = read_trace(c->trace, &msgs, out, sizeof(out));
		bool said = c->err ? strstr(msgs.error, c->said) != NULL : warned(&msgs, c->said);

		if (err != c->err || !said)
			fail_msg("%s: returned %d (want %d), error: %s (want: %s)", c->name, err,
				 c->err, msgs.error, c->said);
		/* One line, naming the file first; none when it is read. */
		if (c->err && (strncmp(msgs.error, "t.json", 6) != 0 || strchr(msgs.error, '\n')))
			fail_msg("%s: not one line naming the file: %s", c->name, msgs.error);
		if (!c->err && msgs.error[0])
			fail_msg("%s: read, yet an error: %s", c->name, msgs.error);
		msgs_free(&msgs);
	}
}

/* The smallest whole trace: one process, one region, its report. */
static void test_small_trace(void **state)
{
	struct msgs msgs = { 0 };
	char out[4096];

	(void)state;
	assert_int_equal(read_trace(HEADER SNAPSHOT SUMMARY, &msgs, out, sizeof(out)), 0);
	assert_int_equal(msgs.nwarnings, 0);
	assert_non_null(
		strstr(out, "memtrace: [7] /bin/x: 1 memory call (mmap 1); exited with 0\n"));
	assert_non_null(
		strstr(out, "  VSZ 8 KiB (peak 8 KiB): 0 reserved, 8 KiB committed; RSS not"));
	/* Unknown line types and members are skipped. */
	assert_int_equal(read_trace(HEADER "{\"type\":\"future\",\"x\":1}\n" SNAPSHOT SUMMARY,
				    &msgs, out, sizeof(out)),
			 0);
	assert_int_equal(msgs.nwarnings, 0);
	/* Without its summary: reported from its snapshot, with a warning. */
	assert_int_equal(read_trace(HEADER SNAPSHOT, &msgs, out, sizeof(out)), 0);
	assert_int_equal(msgs.nwarnings, 1);
	assert_string_equal(msgs.warnings[0], "t.json: the trace ends before process 7 does (cut "
					      "short at line 2): its last snapshot is reported");
	assert_non_null(strstr(out, "  VSZ 8 KiB"));
	msgs_free(&msgs);
	/* A process followed no further than its summary: that line alone, no warning. */
	assert_int_equal(read_trace(HEADER SNAPSHOT SUMMARY
				    "{\"type\":\"summary\",\"pid\":8,\"exe\":\"/bin/a32\","
				    "\"calls\":{},\"failed\":0,\"end\":\"exited\",\"status\":2}\n",
				    &msgs, out, sizeof(out)),
			 0);
	assert_int_equal(msgs.nwarnings, 0);
	assert_non_null(
		strstr(out, "memtrace: [7] /bin/x: 1 memory call (mmap 1); exited with 0\n"));
	assert_non_null(strstr(out, "\nmemtrace: [8] /bin/a32: 0 memory calls; exited with 2\n"));
	assert_null(strstr(strstr(out, "[8]"), "VSZ"));
	msgs_free(&msgs);
	/*
	 * A fork child's snapshot, then its exec of a program memtrace could
	 * not follow (no summary before the exec: a child's first): that
	 * program's summary alone, not the snapshot of the one before.
	 */
	assert_int_equal(read_trace(HEADER SNAPSHOT
				    "{\"type\":\"exec\",\"pid\":7,\"exe\":\"/bin/a32\"}\n"
				    "{\"type\":\"summary\",\"pid\":7,\"exe\":\"/bin/a32\","
				    "\"calls\":{},\"failed\":0,\"end\":\"exited\",\"status\":0}\n",
				    &msgs, out, sizeof(out)),
			 0);
	assert_int_equal(msgs.nwarnings, 0);
	assert_string_equal(out, "memtrace: [7] /bin/a32: 0 memory calls; exited with 0\n");
	msgs_free(&msgs);
}

/* The warnings of a trace cut short come in the order they arose, each once. */
static void test_cut_warnings(void **state)
{
	struct msgs msgs = { 0 };
	char out[4096];

	(void)state;
	assert_int_equal(read_trace(HEADER SNAPSHOT "{\"type\":\"sum", &msgs, out, sizeof(out)), 0);
	assert_int_equal(msgs.nwarnings, 2);
	assert_string_equal(msgs.warnings[0], "t.json:3: the last line is cut short: ignored");
	assert_string_equal(msgs.warnings[1], "t.json: the trace ends before process 7 does (cut "
					      "short at line 2): its last snapshot is reported");
	assert_string_equal(msgs.error, "");
	msgs_free(&msgs);
	/* A process seen only in an exec line: nothing to report of it, and said so. */
	assert_int_equal(read_trace(HEADER "{\"type\":\"exec\",\"pid\":9,\"exe\":\"/bin/y\"}\n",
				    &msgs, out, sizeof(out)),
			 0);
	assert_int_equal(msgs.nwarnings, 1);
	assert_non_null(strstr(msgs.warnings[0], "process 9 does (cut short at line 2): nothing "
						 "of it to report"));
	assert_string_equal(out, "");
	msgs_free(&msgs);
}

/*
 * A trace that ends before any snapshot: the model is made again from the
 * events' changes, each read the fast way or by jansson (the line with
 * spaces), and reported with the calls the events count:
 *
 *   #1 mmap     |0 1 2 3|          at 0x10000, rw-
 *   #2 mprotect |0 1 r 3|
 *   #3 mremap       3 -> 0x20000
 *   #4 munmap     |1 r|  ...  |3|  12 KiB left, 16 KiB at the peak
 */
static void test_replay(void **state)
{
	static const char trace[] = HEADER
		"{\"type\":\"event\",\"seq\":1,\"time\":0.1,\"pid\":5,\"tid\":5,\"call\":\"mmap\","
		"\"finished\":true,\"result\":\"0x10000\",\"stack\":0,\"changes\":[{\"op\":\"map\","
		"\"start\":\"0x10000\",\"end\":\"0x14000\",\"origin\":1,\"prot\":\"rw-\","
		"\"flags\":0,\"backing\":\"anon\"}]}\n"
		"{\"type\": \"event\", \"seq\": 2, \"time\": 0.2, \"pid\": 5, \"tid\": 5, "
		"\"call\": \"mprotect\", \"finished\": true, \"changes\": [{\"op\": \"protect\", "
		"\"start\": \"0x12000\", \"end\": \"0x13000\", \"origin\": 1, \"prot\": \"r--\", "
		"\"old_prot\": \"rw-\"}]}\n"
		"{\"type\":\"event\",\"seq\":3,\"time\":0.3,\"pid\":5,\"tid\":5,\"call\":"
		"\"mremap\","
		"\"finished\":true,\"changes\":[{\"op\":\"move\",\"start\":\"0x13000\","
		"\"end\":\"0x14000\",\"origin\":1,\"to\":\"0x20000\"}]}\n"
		"{\"type\":\"event\",\"seq\":4,\"time\":0.4,\"pid\":5,\"tid\":5,\"call\":"
		"\"munmap\","
		"\"finished\":true,\"changes\":[{\"op\":\"unmap\",\"start\":\"0x10000\","
		"\"end\":\"0x11000\",\"origin\":1,\"old_prot\":\"rw-\",\"left\":12288,"
		"\"total\":16384,\"origin_stack\":0,\"origin_time\":0.1}]}\n";
	struct msgs msgs = { 0 };
	char out[4096];

	(void)state;
	assert_int_equal(read_trace(trace, &msgs, out, sizeof(out)), 0);
	assert_int_equal(msgs.nwarnings, 1);
	assert_non_null(strstr(msgs.warnings[0], "process 5 does (cut short at line 5): its events "
						 "are reported"));
	assert_non_null(strstr(out, "[5] ?: 4 memory calls (mmap 1, munmap 1, mprotect 1, "
				    "mremap 1); still running\n"));
	assert_non_null(strstr(out, "  VSZ 12 KiB (peak 16 KiB): 0 reserved, 12 KiB committed; RSS "
				    "not known (the trace ends before it was read)"));
	assert_non_null(
		strstr(out, "  anonymous              3           0      12 KiB           ?"));
	msgs_free(&msgs);
}

/*
 * The model counts in the traced machine's pages (the header's
 * page_size): a 64 KiB-page arm64 trace read here.  A trace that gives
 * none (or one that is no power of two) is read in this machine's pages,
 * whatever the trace before it had (memtrace diff reads two).
 */
static void test_page_size(void **state)
{
	static const char trace[] =
		"{\"type\":\"header\",\"format\":\"memtrace-trace\",\"version\":1,"
		"\"arch\":\"aarch64\",\"page_size\":65536}\n"
		"{\"type\":\"event\",\"seq\":1,\"time\":0.1,\"pid\":5,\"tid\":5,\"call\":\"mmap\","
		"\"finished\":true,\"result\":\"0x10000\",\"stack\":0,\"changes\":[{\"op\":\"map\","
		"\"start\":\"0x10000\",\"end\":\"0x30000\",\"origin\":1,\"prot\":\"rw-\","
		"\"flags\":0,\"backing\":\"anon\"}]}\n";
	static const char odd[] =
		"{\"type\":\"header\",\"format\":\"memtrace-trace\",\"version\":1,"
		"\"page_size\":3000}\n" SNAPSHOT SUMMARY;
	const uint64_t machine = page_size_read();
	struct msgs msgs = { 0 };
	char out[4096];

	(void)state;
	assert_int_equal(read_trace(trace, &msgs, out, sizeof(out)), 0);
	assert_int_equal(page_size(), 65536);
	assert_non_null(strstr(out, "  VSZ 128 KiB (peak 128 KiB)"));
	msgs_free(&msgs);
	memset(&msgs, 0, sizeof(msgs));
	assert_int_equal(read_trace(odd, &msgs, out, sizeof(out)), 0);
	assert_int_equal(page_size(), machine);
	msgs_free(&msgs);
	memset(&msgs, 0, sizeof(msgs));
	page_size_cached = 65536;
	assert_int_equal(read_trace(HEADER SNAPSHOT SUMMARY, &msgs, out, sizeof(out)), 0);
	assert_int_equal(page_size(), machine);
	msgs_free(&msgs);
}

/* Files: one that is not there, a compressed one cut short, one with corrupt compressed data. */
static void test_files(void **state)
{
	char path[] = "/tmp/memtrace-test-traceread-XXXXXX";
	const char *text = HEADER SNAPSHOT SUMMARY;
	struct msgs msgs = { 0 };
	struct trace *trace = NULL;
	char *bytes;
	size_t len;
	FILE *file;
	gzFile gz;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(traceread_open("/nonexistent/t.json", 0, false, &trace, &msgs), -ENOENT);
	assert_string_equal(msgs.error,
			    "cannot open '/nonexistent/t.json': No such file or directory");
	msgs_free(&msgs);
	/* Compressed, then cut: what it holds is read, with a warning. */
	gz = gzdopen(dup(fd), "wb");
	assert_non_null(gz);
	assert_int_equal(gzputs(gz, text), (int)strlen(text));
	assert_int_equal(gzclose(gz), Z_OK);
	file = fopen(path, "rb");
	assert_non_null(file);
	bytes = calloc(1, 4096);
	assert_non_null(bytes);
	len = fread(bytes, 1, 4096, file);
	(void)fclose(file);
	assert_int_equal(ftruncate(fd, (off_t)len - 12), 0);
	assert_int_equal(traceread_open(path, 0, false, &trace, &msgs), 0);
	assert_true(traceread_cut_short(trace));
	traceread_free(trace);
	assert_true(warned(&msgs, "the compressed trace is cut short: what it holds is read"));
	msgs_free(&msgs);
	/* Its compressed bytes garbled after the gzip header: corrupt. */
	memset(bytes + 12, 0xff, len - 20);
	file = fopen(path, "wb");
	assert_non_null(file);
	assert_int_equal(fwrite(bytes, 1, len, file), len);
	(void)fclose(file);
	assert_int_equal(traceread_open(path, 0, false, &trace, &msgs), -EIO);
	assert_non_null(strstr(msgs.error, "corrupt compressed data"));
	assert_int_equal(msgs.nwarnings, 0);
	msgs_free(&msgs);
	free(bytes);
	(void)close(fd);
	(void)unlink(path);
}

/* What traceread_each reported of a process: its end, as fields. */
struct seen_end {
	struct names_ending end;
	unsigned int reports;
};

static void keep_end(void *arg, const struct report_input *in, struct report *rep)
{
	struct seen_end *seen = arg;

	(void)rep;
	seen->end = in->proc->end;
	seen->reports++;
}

/*
 * The end of process 7 as a trace whose summary line has these fields
 * says it; NULL: a trace without the summary.
 */
static struct names_ending end_of(const char *fields)
{
	char text[2048];
	struct seen_end seen = { .reports = 0 };
	struct msgs msgs = { 0 };
	struct trace *trace;

	if (fields)
		(void)snprintf(text, sizeof(text),
			       HEADER SNAPSHOT
			       "{\"type\":\"summary\",\"pid\":7,\"exe\":\"/bin/x\",%s}\n",
			       fields);
	else
		(void)snprintf(text, sizeof(text), "%s", HEADER SNAPSHOT);
	assert_int_equal(load_trace(text, &trace, &msgs), 0);
	traceread_each(trace, keep_end, &seen);
	traceread_free(trace);
	msgs_free(&msgs);
	assert_int_equal(seen.reports, 1);
	return seen.end;
}

/* A summary's end read into fields, each as a wait status would hold it. */
static void test_ends(void **state)
{
	struct names_ending end;

	(void)state;
	end = end_of("\"end\":\"exited\",\"status\":3");
	assert_int_equal(end.how, NAMES_END_EXITED);
	assert_int_equal(end.code, 3);
	assert_false(end.core_dumped);
	end = end_of("\"end\":\"killed\",\"signal\":9,\"core\":false");
	assert_int_equal(end.how, NAMES_END_KILLED);
	assert_int_equal(end.code, SIGKILL);
	assert_false(end.core_dumped);
	end = end_of("\"end\":\"killed\",\"signal\":11,\"core\":true");
	assert_int_equal(end.how, NAMES_END_KILLED);
	assert_int_equal(end.code, SIGSEGV);
	assert_true(end.core_dumped);
	end = end_of("\"end\":\"detached\"");
	assert_int_equal(end.how, NAMES_END_DETACHED);
	end = end_of("\"end\":\"running\"");
	assert_int_equal(end.how, NAMES_END_RUNNING);
	/* An end as a wait status holds it: an exit status's low 8 bits, a signal's low 7. */
	end = end_of("\"end\":\"exited\",\"status\":261");
	assert_int_equal(end.how, NAMES_END_EXITED);
	assert_int_equal(end.code, 5);
	end = end_of("\"end\":\"exited\",\"status\":-1");
	assert_int_equal(end.how, NAMES_END_EXITED);
	assert_int_equal(end.code, 255);
	end = end_of("\"end\":\"exited\",\"status\":4294967557");
	assert_int_equal(end.how, NAMES_END_EXITED);
	assert_int_equal(end.code, 5);
	end = end_of("\"end\":\"killed\",\"signal\":137,\"core\":true");
	assert_int_equal(end.how, NAMES_END_KILLED);
	assert_int_equal(end.code, SIGKILL);
	assert_true(end.core_dumped);
	end = end_of("\"end\":\"killed\",\"signal\":4294967433");
	assert_int_equal(end.how, NAMES_END_KILLED);
	assert_int_equal(end.code, SIGKILL);
	/* Killed by no signal a process dies of (0, none, 0x7f): an exit with 0. */
	end = end_of("\"end\":\"killed\",\"signal\":0,\"core\":true");
	assert_int_equal(end.how, NAMES_END_EXITED);
	assert_int_equal(end.code, 0);
	assert_false(end.core_dumped);
	end = end_of("\"end\":\"killed\"");
	assert_int_equal(end.how, NAMES_END_EXITED);
	assert_int_equal(end.code, 0);
	end = end_of("\"end\":\"killed\",\"signal\":127");
	assert_int_equal(end.how, NAMES_END_EXITED);
	assert_int_equal(end.code, 0);
	end = end_of("\"end\":\"killed\",\"signal\":-1,\"core\":true");
	assert_int_equal(end.how, NAMES_END_EXITED);
	assert_int_equal(end.code, 0);
	end = end_of("\"end\":\"running\"");
	assert_int_equal(end.how, NAMES_END_RUNNING);
	/* An end this memtrace does not know, and none at all: still running. */
	end = end_of("\"end\":\"vanished\"");
	assert_int_equal(end.how, NAMES_END_RUNNING);
	end = end_of(NULL);
	assert_int_equal(end.how, NAMES_END_RUNNING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_traces),   cmocka_unit_test(test_small_trace),
		cmocka_unit_test(test_cut_warnings), cmocka_unit_test(test_page_size),
		cmocka_unit_test(test_replay),	     cmocka_unit_test(test_files),
		cmocka_unit_test(test_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
