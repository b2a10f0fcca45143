/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sizes for people: 4096 -> "4 KiB", 1572864 -> "1.5 MiB". */
#ifndef MEMTRACE_UNITS_H
#define MEMTRACE_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Writes bytes in the largest binary unit (B, KiB, MiB, GiB, TiB) that
 * keeps the number at 1 or more, with one decimal unless it is whole.
 * Returns what snprintf returns.
 */
int units_format_bytes(char *buf, size_t size, uint64_t bytes);

#endif /* MEMTRACE_UNITS_H */
