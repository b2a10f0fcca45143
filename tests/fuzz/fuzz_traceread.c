/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the trace reader (report/traceread.c): any bytes
 * given as a trace must end in a report or in one line saying why not
 * (exit status 0 or 2), never in a crash, a leak or a hang.  Seeded with
 * real traces (tests/fuzz/corpus/traceread).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../report/traceread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct report_options opts = { .top = 10, .width = 0 };
	FILE *in;
	int status;

	if (!devnull)
		devnull = fopen("/dev/null", "we");
	if (!size)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	status = traceread_report_stream(in, "fuzz", devnull, &opts);
	(void)fclose(in);
	if (status != 0 && status != 2)
		abort();
	return 0;
}
