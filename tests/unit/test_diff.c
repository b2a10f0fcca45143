/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of memtrace diff (report/diff.c) on small traces the test
 * writes to files: it exits as diff(1) does, 0 for two equal traces and
 * 1 for two that differ; resident bytes that move by 1 MiB or less, or by
 * a tenth or less, are noise; a site on one side only is added or
 * removed, in the text and in the JSON.  What makes a comparison doubtful
 * (two programs, a trace cut short) and a trace that cannot be read are
 * returned as messages, never printed.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../report/diff.h"
#include "../../report/msgs.h"

#define MIB (1ULL << 20)

/* A region of a trace's snapshot, made by the call whose stack is one frame at addr. */
struct region {
	uint64_t start, end;
	uint64_t addr; /* its site: "0x401000" */
	uint64_t rss;
};

#define MAX_REGIONS 8

/* A trace of one process: its regions, and how many mmap calls it made. */
struct trace {
	struct region regions[MAX_REGIONS];
	size_t nregions;
	unsigned int mmaps;
	const char *exe; /* its program; NULL: /bin/prog */
	bool cut;	 /* ends before its summary */
};

struct fixture {
	char dir[64];
	char a[96], b[96]; /* the traces' paths */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	(void)snprintf(fx->dir, sizeof(fx->dir), "/tmp/memtrace-test-diff-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	(void)snprintf(fx->a, sizeof(fx->a), "%s/a.json", fx->dir);
	(void)snprintf(fx->b, sizeof(fx->b), "%s/b.json", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	(void)unlink(fx->a);
	(void)unlink(fx->b);
	(void)rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Writes trace to path as memtrace -o would: header, stacks, the final snapshot, the summary. */
static void write_trace(const char *path, const struct trace *trace)
{
	FILE *out = fopen(path, "w");
	const char *sep = "";

	assert_non_null(out);
	(void)fprintf(out, "{\"type\":\"header\",\"format\":\"memtrace-trace\",\"version\":1,"
			   "\"mode\":\"launch\",\"argv\":[\"/bin/prog\"],\"churn_ns\":1000000}\n");
	for (size_t i = 0; i < trace->nregions; i++)
		(void)fprintf(out,
			      "{\"type\":\"stack\",\"id\":%zu,\"frames\":[{\"addr\":\"%#llx\"}]}\n",
			      i + 1, (unsigned long long)trace->regions[i].addr);
	(void)fprintf(out, "{\"type\":\"snapshot\",\"reason\":\"final\",\"pid\":7,\"time\":1.5,"
			   "\"sizes\":{\"vsz\":0,\"vsz_peak\":0,\"heap_start\":\"0x0\","
			   "\"heap_top\":\"0x0\",\"heap_peak\":0},\"regions\":[");
	for (size_t i = 0; i < trace->nregions; i++) {
		const struct region *r = &trace->regions[i];

		(void)fprintf(
			out,
			"%s{\"start\":\"%#llx\",\"end\":\"%#llx\",\"prot\":\"rw-\",\"flags\":0,"
			"\"backing\":\"anon\",\"origin\":{\"kind\":\"call\",\"seq\":%zu,"
			"\"tid\":7,\"stack\":%zu,\"time\":0.5}}",
			sep, (unsigned long long)r->start, (unsigned long long)r->end, i + 1,
			i + 1);
		sep = ",";
	}
	(void)fputs("],\"usage\":[", out);
	sep = "";
	for (size_t i = 0; i < trace->nregions; i++) {
		const struct region *r = &trace->regions[i];

		(void)fprintf(
			out,
			"%s{\"start\":\"%#llx\",\"end\":\"%#llx\",\"rss\":%llu,\"private\":%llu,"
			"\"swap\":0}",
			sep, (unsigned long long)r->start, (unsigned long long)r->end,
			(unsigned long long)r->rss, (unsigned long long)r->rss);
		sep = ",";
	}
	(void)fputs("]}\n", out);
	if (!trace->cut)
		(void)fprintf(
			out,
			"{\"type\":\"summary\",\"pid\":7,\"time\":2,\"exe\":\"%s\","
			"\"calls\":{\"mmap\":%u},\"failed\":0,\"end\":\"exited\",\"status\":0}\n",
			trace->exe ? trace->exe : "/bin/prog", trace->mmaps);
	assert_int_equal(fclose(out), 0);
}

/*
 * Compares the traces at a and b as memtrace diff does, into out; returns
 * the exit status it would have (diff(1)'s), with the messages in msgs.
 * Nothing is printed on stderr.
 */
static int diff_paths(const char *a, const char *b, bool json, FILE *out, struct msgs *msgs)
{
	struct diff_options opts = { .top = 10, .json = json };
	FILE *err_file = tmpfile();
	int saved = dup(STDERR_FILENO), status = 2;
	struct diff *diff;

	assert_non_null(err_file);
	(void)fflush(stderr);
	assert_true(dup2(fileno(err_file), STDERR_FILENO) >= 0);
	if (diff_open(a, b, NULL, NULL, &diff, msgs) == 0) {
		status = diff_differ(diff) ? 1 : 0;
		assert_int_equal(diff_print(diff, out, &opts), 0);
		diff_free(diff);
	}
	(void)fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	assert_int_equal(ftell(err_file), 0);
	(void)fclose(err_file);
	return status;
}

/* Runs memtrace diff on a and b; returns its status, with what it printed in text. */
static int run_diff(const struct fixture *fx, const struct trace *a, const struct trace *b,
		    bool json, char *text, size_t size)
{
	struct msgs msgs = { 0 };
	FILE *out = tmpfile();
	size_t len;
	int status;

	assert_non_null(out);
	write_trace(fx->a, a);
	write_trace(fx->b, b);
	status = diff_paths(fx->a, fx->b, json, out, &msgs);
	/* The same program, whole twice: nothing to warn of. */
	assert_int_equal(msgs.nwarnings, 0);
	msgs_free(&msgs);
	(void)fflush(out);
	rewind(out);
	len = fread(text, 1, size - 1, out);
	text[len] = '\0';
	(void)fclose(out);
	return status;
}

/* Fails unless text holds want. */
static void check_has(const char *text, const char *want)
{
	if (!strstr(text, want)) {
		print_error("expected to find: %s\nin:\n%s\n", want, text);
		fail_msg("not in the diff");
	}
}

/* Two processes made of these: one site at 0x401000 holding 4 MiB, 1 MiB of it resident. */
static const struct trace base = {
	.regions = { { 0x10000000, 0x10400000, 0x401000, MIB } },
	.nregions = 1,
	.mmaps = 1,
};

/* The same trace twice: status 0, "no difference", "equal":true. */
static void test_equal(void **state)
{
	struct fixture *fx = *state;
	char text[4096], want[512];

	assert_int_equal(run_diff(fx, &base, &base, false, text, sizeof(text)), 0);
	(void)snprintf(want, sizeof(want),
		       "memtrace diff: %s (1 process) -> %s (1 process)\n  no difference\n", fx->a,
		       fx->b);
	assert_string_equal(text, want);
	assert_int_equal(run_diff(fx, &base, &base, true, text, sizeof(text)), 0);
	check_has(text, "\"calls\":{},\"kinds\":[],\"parts\":[],\"sites\":[],\"equal\":true}");
}

/* A site that holds more, and a call more: status 1, the rows that changed. */
static void test_differ(void **state)
{
	struct fixture *fx = *state;
	struct trace more = base;
	char text[4096];

	more.regions[0].end += 2 * MIB;
	more.mmaps = 2;
	assert_int_equal(run_diff(fx, &base, &more, false, text, sizeof(text)), 1);
	check_has(text, "  calls: mmap 1 -> 2\n");
	check_has(text, "  anonymous              +0           0      +2 MiB           0\n");
	check_has(text,
		  "                         +0           0      +2 MiB           0  0x401000\n");
	assert_null(strstr(text, "no difference"));
	assert_int_equal(run_diff(fx, &base, &more, true, text, sizeof(text)), 1);
	check_has(text, "\"calls\":{\"mmap\":[1,2]}");
	check_has(text, "\"site\":\"0x401000\",\"status\":\"changed\"");
	check_has(text, "\"equal\":false}");
}

/*
 * Resident bytes: a move of 1 MiB or less is noise, and so is one of a
 * tenth or less of the larger side; beyond both, it differs.
 */
static void test_resident_noise(void **state)
{
	struct fixture *fx = *state;
	struct trace a = base, b = base;
	char text[4096];

	b.regions[0].rss = 2 * MIB; /* +1 MiB: not more than 1 MiB */
	assert_int_equal(run_diff(fx, &a, &b, false, text, sizeof(text)), 0);
	check_has(text, "  no difference\n");
	b.regions[0].rss = 3 * MIB; /* +2 MiB of 3: beyond both */
	assert_int_equal(run_diff(fx, &a, &b, false, text, sizeof(text)), 1);
	check_has(text, "      +2 MiB  0x401000\n");
	a.regions[0].rss = 30 * MIB;
	b.regions[0].rss = 33 * MIB; /* +3 MiB of 33: a tenth or less */
	assert_int_equal(run_diff(fx, &a, &b, false, text, sizeof(text)), 0);
	b.regions[0].rss = 34 * MIB; /* +4 MiB of 34: more than a tenth */
	assert_int_equal(run_diff(fx, &a, &b, false, text, sizeof(text)), 1);
}

/* A site on one side only: added, or removed. */
static void test_added_removed(void **state)
{
	struct fixture *fx = *state;
	struct trace a = base, b = base;
	char text[4096];

	a.regions[1] = (struct region){ 0x20000000, 0x20100000, 0x402000, 0 };
	b.regions[1] = (struct region){ 0x30000000, 0x30300000, 0x403000, 0 };
	a.nregions = b.nregions = 2;
	assert_int_equal(run_diff(fx, &a, &b, false, text, sizeof(text)), 1);
	check_has(text,
		  "  added                  +1           0      +3 MiB           0  0x403000\n");
	check_has(text,
		  "  removed                -1           0      -1 MiB           0  0x402000\n");
	/* Largest change first. */
	assert_true(strstr(text, "0x403000") < strstr(text, "0x402000"));
	assert_null(strstr(text, "0x401000"));
	assert_int_equal(run_diff(fx, &a, &b, true, text, sizeof(text)), 1);
	check_has(text, "\"site\":\"0x403000\",\"status\":\"added\"");
	check_has(text, "\"site\":\"0x402000\",\"status\":\"removed\"");
}

/* A trace that cannot be read: an error naming it, and status 2. */
static void test_unreadable(void **state)
{
	struct fixture *fx = *state;
	struct msgs msgs = { 0 };
	struct diff *diff = NULL;
	FILE *out = tmpfile();

	assert_non_null(out);
	write_trace(fx->a, &base);
	assert_int_equal(diff_paths(fx->a, "/nonexistent/b.json", false, out, &msgs), 2);
	assert_string_equal(msgs.error,
			    "cannot open '/nonexistent/b.json': No such file or directory");
	assert_int_equal(msgs.nwarnings, 0);
	assert_int_equal(ftell(out), 0);
	msgs_free(&msgs);
	assert_int_equal(diff_open("/nonexistent/a.json", fx->a, NULL, NULL, &diff, &msgs),
			 -ENOENT);
	assert_null(diff);
	assert_non_null(strstr(msgs.error, "'/nonexistent/a.json'"));
	msgs_free(&msgs);
	(void)fclose(out);
}

/*
 * Two programs, a trace cut short: compared all the same, with the
 * warnings returned in the order memtrace prints them -- the reader's
 * first, then the comparison's.
 */
static void test_warnings(void **state)
{
	struct fixture *fx = *state;
	struct trace other = base, cut = base;
	struct msgs msgs = { 0 };
	char warning[512];
	FILE *out = tmpfile();

	assert_non_null(out);
	other.exe = "/usr/bin/other";
	write_trace(fx->a, &base);
	write_trace(fx->b, &other);
	assert_int_equal(diff_paths(fx->a, fx->b, false, out, &msgs), 0);
	assert_int_equal(msgs.nwarnings, 1);
	(void)snprintf(
		warning, sizeof(warning),
		"diff: %s traces /bin/prog, %s traces /usr/bin/other: two different programs",
		fx->a, fx->b);
	assert_string_equal(msgs.warnings[0], warning);
	assert_string_equal(msgs.error, "");
	msgs_free(&msgs);
	cut.cut = true;
	write_trace(fx->b, &cut);
	/* Its calls are in the summary it lacks: they differ. */
	assert_int_equal(diff_paths(fx->a, fx->b, false, out, &msgs), 1);
	assert_true(msgs.nwarnings >= 2);
	assert_non_null(strstr(msgs.warnings[0], "the trace ends before process 7 does"));
	(void)snprintf(warning, sizeof(warning),
		       "diff: %s is cut short: compared as far as it goes", fx->b);
	assert_string_equal(msgs.warnings[msgs.nwarnings - 1], warning);
	msgs_free(&msgs);
	(void)fclose(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_equal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_differ, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resident_noise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_added_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warnings, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
