/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sizes for people: see units.h. */
#include "units.h"

#include <stdio.h>

int units_format_bytes(char *buf, size_t size, uint64_t bytes)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int unit = 0;
	uint64_t scale = 1;

	while (unit + 1 < sizeof(names) / sizeof(names[0]) && bytes >= scale * 1024) {
		scale *= 1024;
		unit++;
	}
	if (bytes % scale == 0)
		return snprintf(buf, size, "%llu %s", (unsigned long long)(bytes / scale),
				names[unit]);
	/* One decimal, rounded to nearest. */
	{
		uint64_t tenths = (bytes * 10 + scale / 2) / scale;

		if (tenths % 10 == 0)
			return snprintf(buf, size, "%llu %s", (unsigned long long)(tenths / 10),
					names[unit]);
		return snprintf(buf, size, "%llu.%llu %s", (unsigned long long)(tenths / 10),
				(unsigned long long)(tenths % 10), names[unit]);
	}
}

const char *units_size(char *buf, size_t size, uint64_t bytes)
{
	if (!bytes)
		(void)snprintf(buf, size, "0");
	else
		(void)units_format_bytes(buf, size, bytes);
	return buf;
}

const char *units_ms(char *buf, size_t size, uint64_t ns)
{
	if (ns % 1000000 == 0)
		(void)snprintf(buf, size, "%llu ms", (unsigned long long)(ns / 1000000));
	else
		(void)snprintf(buf, size, "%.3g ms", (double)ns / 1e6);
	return buf;
}
