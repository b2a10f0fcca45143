/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Messages returned, not printed: see msgs.h. */
#include "msgs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void msgs_warn(struct msgs *msgs, const char *fmt, ...)
{
	char line[MSGS_LINE_SIZE];
	va_list ap;

	va_start(ap, fmt);
	/* clang-tidy 14 loses track of va_start here (as in util.c): a false positive. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* An array of pointers, on purpose. */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	xgrowarray((void **)&msgs->warnings, &msgs->cap, msgs->nwarnings + 1,
		   sizeof(*msgs->warnings));
	msgs->warnings[msgs->nwarnings++] = xstrdup(line);
}

int msgs_error(struct msgs *msgs, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	(void)vsnprintf(msgs->error, sizeof(msgs->error), fmt, ap);
	va_end(ap);
	return err;
}

void msgs_free(struct msgs *msgs)
{
	for (size_t i = 0; i < msgs->nwarnings; i++)
		free(msgs->warnings[i]);
	free(msgs->warnings);
	memset(msgs, 0, sizeof(*msgs));
}
