/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A JSON Lines writer (the trace, docs/trace-format.md): one object per
 * line, built field by field into a buffer and written to a file
 * descriptor only in whole lines, so that a trace cut short by a crash or
 * a SIGKILL is valid up to its last line.  Written by hand for speed (no
 * allocation per value, no tree); read back with jansson.
 *
 *   jsonw_begin(w);
 *   jsonw_str(w, "type", "event");
 *   jsonw_hex(w, "addr", 0x7f3a1c000000);        "addr":"0x7f3a1c000000"
 *   jsonw_array(w, "frames"); ... jsonw_end_array(w);
 *   jsonw_end(w);                                 '}' and '\n'
 *
 * Addresses go as "0x..." strings: a JSON number loses precision above
 * 2^53.  Strings are escaped (quote, backslash, control characters); a
 * string that is not valid UTF-8 (a path is bytes) is written as
 * "KEY_hex":"2f746d70ff" instead of "KEY", so that it reads back exact.
 */
#ifndef MEMTRACE_JSONW_H
#define MEMTRACE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jsonw;

/* Returns a writer on fd (not closed by it), owned by the caller (jsonw_free). */
struct jsonw *jsonw_new(int fd);
/*
 * The same, writing a gzip stream: each flush ends a deflate block
 * (Z_SYNC_FLUSH), so that a trace cut short decompresses up to its last
 * flushed line; jsonw_free ends the stream.
 */
struct jsonw *jsonw_new_gzip(int fd);
/* Writes what is buffered and frees the writer (ending a gzip stream).  Accepts NULL. */
void jsonw_free(struct jsonw *w);
/*
 * Writes what is buffered and ends a gzip stream: nothing may be written
 * after it.  Returns 0 or the first write error (-errno).
 */
int jsonw_finish(struct jsonw *w);
/* Writes the complete lines buffered so far.  Returns 0 or -errno (the first error is kept). */
int jsonw_flush(struct jsonw *w);

/* A line's object: '{' ... '}' '\n'. */
void jsonw_begin(struct jsonw *w);
void jsonw_end(struct jsonw *w);

/*
 * Members: key is the member's name in an object, NULL for an element of
 * an array.
 */
void jsonw_object(struct jsonw *w, const char *key);
void jsonw_end_object(struct jsonw *w);
void jsonw_array(struct jsonw *w, const char *key);
void jsonw_end_array(struct jsonw *w);

void jsonw_str(struct jsonw *w, const char *key, const char *value);
void jsonw_strn(struct jsonw *w, const char *key, const char *value, size_t len);
void jsonw_u64(struct jsonw *w, const char *key, uint64_t value); /* past INT64_MAX: "..." */
void jsonw_i64(struct jsonw *w, const char *key, int64_t value);
void jsonw_hex(struct jsonw *w, const char *key, uint64_t value); /* "0x1f" */
void jsonw_bool(struct jsonw *w, const char *key, bool value);
void jsonw_null(struct jsonw *w, const char *key);
/* Seconds with nanoseconds: 12.000345678. */
void jsonw_seconds(struct jsonw *w, const char *key, uint64_t ns);

/* The first write error (-errno), or 0. */
int jsonw_error(const struct jsonw *w);

#endif /* MEMTRACE_JSONW_H */
