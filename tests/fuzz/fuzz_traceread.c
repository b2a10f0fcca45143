/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the trace reader (report/traceread.c): any bytes
 * given as a trace must end in a report or in one line saying why not
 * (an error and its message), never in a crash, a leak or a hang.  Seeded with
 * real traces (tests/fuzz/corpus/traceread).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../report/msgs.h"
#include "../../report/traceread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct report_options opts = { .top = 10, .width = 0 };
	struct msgs msgs = { 0 };
	struct trace *trace;
	FILE *in;
	int err;

	if (!devnull)
		devnull = fopen("/dev/null", "we");
	if (!size)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	err = traceread_load(in, "fuzz", 0, &trace, &msgs);
	(void)fclose(in);
	/* Refused: with the line that says why; read: reported. */
	if (err < 0 && !msgs.error[0])
		abort();
	if (err == 0) {
		traceread_print(trace, devnull, &opts);
		traceread_free(trace);
	} else if (err > 0) {
		abort();
	}
	msgs_free(&msgs);
	return 0;
}
