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

/* A size in a column of figures: units_format_bytes(), but "0" for 0.  Returns buf. */
const char *units_size(char *buf, size_t size, uint64_t bytes);
/* units_size() into a buffer of its own, valid to the end of the full expression. */
#define UNITS_SZ(bytes) units_size((char[32]){ 0 }, 32, (bytes))

/* A time in milliseconds: "1 ms", "1000 ms", "0.25 ms" (a churn threshold).  Returns buf. */
const char *units_ms(char *buf, size_t size, uint64_t ns);

#endif /* MEMTRACE_UNITS_H */
