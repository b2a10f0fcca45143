/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the trace reader (report/traceread.c): any bytes
 * given as a trace must end in a report or in one line saying why not
 * (an error and its message), never in a crash, a leak or a hang.  Seeded with
 * real traces (tests/fuzz/corpus/traceread).
 *
 * The same bytes with a space after the "{" that starts a line are read
 * by jansson alone, never the fast way (report/traceline.h): they must
 * end alike -- the same report, warnings, or error.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../report/msgs.h"
#include "../../report/traceread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What reading a trace ends in. */
struct outcome {
	int err;
	struct msgs msgs;
	char *report; /* printed, when it was read */
	size_t len;
};

static void read_trace(const char *bytes, size_t size, struct outcome *out)
{
	struct report_options opts = { .top = 10, .width = 0 };
	FILE *in = fmemopen((void *)bytes, size, "r");
	struct trace *trace;
	FILE *report;

	memset(out, 0, sizeof(*out));
	if (!in)
		abort();
	out->err = traceread_load(in, "fuzz", 0, true, &trace, &out->msgs);
	(void)fclose(in);
	/* Refused: with the line that says why; read: reported. */
	if (out->err < 0 && !out->msgs.error[0])
		abort();
	if (out->err > 0)
		abort();
	if (out->err == 0) {
		report = open_memstream(&out->report, &out->len);
		if (!report)
			abort();
		traceread_print(trace, report, &opts);
		(void)fclose(report);
		traceread_free(trace);
	}
}

/* The bytes with a space after each line's leading "{". */
static char *spaced(const uint8_t *data, size_t size, size_t *spaced_size)
{
	char *bytes = malloc(2 * size);
	size_t n = 0;

	if (!bytes)
		abort();
	for (size_t i = 0; i < size; i++) {
		bytes[n++] = (char)data[i];
		if (data[i] == '{' && (i == 0 || data[i - 1] == '\n'))
			bytes[n++] = ' ';
	}
	*spaced_size = n;
	return bytes;
}

static bool same_outcome(const struct outcome *a, const struct outcome *b)
{
	if (a->err != b->err || strcmp(a->msgs.error, b->msgs.error) != 0 ||
	    a->msgs.nwarnings != b->msgs.nwarnings || a->len != b->len ||
	    (a->len && memcmp(a->report, b->report, a->len) != 0))
		return false;
	for (size_t i = 0; i < a->msgs.nwarnings; i++)
		if (strcmp(a->msgs.warnings[i], b->msgs.warnings[i]) != 0)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome fast, slow;
	size_t slow_size;
	char *slow_bytes;

	if (!size)
		return 0;
	read_trace((const char *)data, size, &fast);
	slow_bytes = spaced(data, size, &slow_size);
	read_trace(slow_bytes, slow_size, &slow);
	if (!same_outcome(&fast, &slow))
		abort();
	free(slow_bytes);
	free(fast.report);
	free(slow.report);
	msgs_free(&fast.msgs);
	msgs_free(&slow.msgs);
	return 0;
}
