/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A JSON Lines writer: see jsonw.h. */
#include "jsonw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../tracer/util.h"

/* Complete lines are written once this many bytes of them are buffered. */
#define FLUSH_BYTES ((size_t)64 * 1024)
/* Nesting of objects and arrays in one line. */
#define MAX_DEPTH 16

/* Compressed bytes are written in pieces of this size. */
#define ZBUF_BYTES ((size_t)64 * 1024)
/*
 * zlib's fastest level: a trace compresses 6-8 times at it, and the
 * writer runs while the tracee waits.
 */
#define GZIP_LEVEL 1

struct jsonw {
	int fd;
	int err;
	char *buf;
	size_t len; /* bytes in buf */
	size_t cap;
	size_t complete; /* bytes of buf that end a line */
	unsigned int depth;
	bool first[MAX_DEPTH]; /* no member written yet at this depth */
	z_stream *z;	       /* gzip: the deflate stream; NULL: plain */
	unsigned char *zbuf;   /* ZBUF_BYTES of its output */
};

struct jsonw *jsonw_new(int fd)
{
	struct jsonw *w = xcalloc(1, sizeof(*w));

	w->fd = fd;
	w->cap = 2 * FLUSH_BYTES;
	w->buf = xcalloc(1, w->cap);
	return w;
}

struct jsonw *jsonw_new_gzip(int fd)
{
	struct jsonw *w = jsonw_new(fd);

	w->z = xcalloc(1, sizeof(*w->z));
	w->zbuf = xmalloc(ZBUF_BYTES);
	/* 15 + 16: the largest window, in a gzip wrapper (zlib.h, deflateInit2). */
	if (deflateInit2(w->z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("zlib: cannot start compressing: %s", w->z->msg ? w->z->msg : "out of memory");
	return w;
}

/* Writes len bytes to the descriptor, EINTR or not; the first error is kept. */
static void write_all(struct jsonw *w, const void *data, size_t len)
{
	int err;

	if (w->err)
		return;
	(void)write_retry(w->fd, data, len, &err);
	w->err = -err;
}

/*
 * Compresses len bytes and writes what deflate gives; flush is
 * Z_SYNC_FLUSH (what was written so far decompresses: a crash loses
 * nothing written) or Z_FINISH (the stream's end).
 */
static void deflate_out(struct jsonw *w, const char *data, size_t len, int flush)
{
	w->z->next_in = (Bytef *)(uintptr_t)data;
	w->z->avail_in = (uInt)len;
	do {
		w->z->next_out = w->zbuf;
		w->z->avail_out = (uInt)ZBUF_BYTES;
		/* Z_BUF_ERROR is no error: nothing was left to do. */
		if (deflate(w->z, flush) == Z_STREAM_ERROR && !w->err) {
			w->err = -EIO;
			return;
		}
		write_all(w, w->zbuf, ZBUF_BYTES - w->z->avail_out);
	} while (w->z->avail_out == 0);
}

int jsonw_finish(struct jsonw *w)
{
	(void)jsonw_flush(w);
	if (w->z) {
		if (!w->err)
			deflate_out(w, "", 0, Z_FINISH);
		(void)deflateEnd(w->z);
		free(w->z);
		free(w->zbuf);
		w->z = NULL;
		w->zbuf = NULL;
	}
	return w->err;
}

void jsonw_free(struct jsonw *w)
{
	if (!w)
		return;
	(void)jsonw_finish(w);
	free(w->buf);
	free(w);
}

int jsonw_flush(struct jsonw *w)
{
	if (w->complete && !w->err) {
		if (w->z)
			deflate_out(w, w->buf, w->complete, Z_SYNC_FLUSH);
		else
			write_all(w, w->buf, w->complete);
	}
	/* After an error the lines are dropped: the trace stops growing, memtrace goes on. */
	memmove(w->buf, w->buf + w->complete, w->len - w->complete);
	w->len -= w->complete;
	w->complete = 0;
	return w->err;
}

int jsonw_error(const struct jsonw *w)
{
	return w->err;
}

static void reserve(struct jsonw *w, size_t more)
{
	if (w->len + more > w->cap)
		xgrowarray((void **)&w->buf, &w->cap, w->len + more, 1);
}

static void put(struct jsonw *w, const char *data, size_t len)
{
	reserve(w, len);
	memcpy(w->buf + w->len, data, len);
	w->len += len;
}

static void putc_(struct jsonw *w, char chr)
{
	reserve(w, 1);
	w->buf[w->len++] = chr;
}

/* The separator and "key": before a member. */
static void member(struct jsonw *w, const char *key)
{
	if (!w->first[w->depth])
		putc_(w, ',');
	w->first[w->depth] = false;
	if (key) {
		putc_(w, '"');
		put(w, key, strlen(key));
		put(w, "\":", 2);
	}
}

static void open_(struct jsonw *w, char chr)
{
	putc_(w, chr);
	if (w->depth + 1 < MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

void jsonw_begin(struct jsonw *w)
{
	w->depth = 0;
	w->first[0] = true;
	open_(w, '{');
}

void jsonw_end(struct jsonw *w)
{
	put(w, "}\n", 2);
	w->depth = 0;
	w->complete = w->len;
	if (w->complete >= FLUSH_BYTES)
		(void)jsonw_flush(w);
}

void jsonw_object(struct jsonw *w, const char *key)
{
	member(w, key);
	open_(w, '{');
}

void jsonw_end_object(struct jsonw *w)
{
	putc_(w, '}');
	if (w->depth)
		w->depth--;
}

void jsonw_array(struct jsonw *w, const char *key)
{
	member(w, key);
	open_(w, '[');
}

void jsonw_end_array(struct jsonw *w)
{
	putc_(w, ']');
	if (w->depth)
		w->depth--;
}

/* The length of the UTF-8 sequence at s (at most n bytes), or 0 if it is not valid. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fU;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0fU;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07U;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fU);
	}
	/* Overlong forms, UTF-16 surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static bool valid_utf8(const char *value, size_t len)
{
	const unsigned char *s = (const unsigned char *)value;

	for (size_t i = 0; i < len;) {
		size_t seq = utf8_sequence(s + i, len - i);

		if (!seq)
			return false;
		i += seq;
	}
	return true;
}

static void put_escaped(struct jsonw *w, const char *value, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	putc_(w, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char chr = (unsigned char)value[i];

		if (chr == '"' || chr == '\\') {
			putc_(w, '\\');
			putc_(w, (char)chr);
		} else if (chr == '\n') {
			put(w, "\\n", 2);
		} else if (chr == '\t') {
			put(w, "\\t", 2);
		} else if (chr < 0x20 || chr == 0x7f) {
			char esc[6] = { '\\', 'u', '0', '0', hex[chr >> 4], hex[chr & 0xf] };

			put(w, esc, sizeof(esc));
		} else {
			putc_(w, (char)chr);
		}
	}
	putc_(w, '"');
}

void jsonw_strn(struct jsonw *w, const char *key, const char *value, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	if (valid_utf8(value, len)) {
		member(w, key);
		put_escaped(w, value, len);
		return;
	}
	/* Bytes that are no text: "KEY_hex":"..." (in an array, {"hex":"..."}). */
	if (key) {
		if (!w->first[w->depth])
			putc_(w, ',');
		w->first[w->depth] = false;
		putc_(w, '"');
		put(w, key, strlen(key));
		put(w, "_hex\":\"", 7);
	} else {
		member(w, NULL);
		put(w, "{\"hex\":\"", 8);
	}
	for (size_t i = 0; i < len; i++) {
		putc_(w, hex[(unsigned char)value[i] >> 4]);
		putc_(w, hex[(unsigned char)value[i] & 0xf]);
	}
	put(w, key ? "\"" : "\"}", key ? 1 : 2);
}

void jsonw_str(struct jsonw *w, const char *key, const char *value)
{
	jsonw_strn(w, key, value, strlen(value));
}

/*
 * Numbers are formatted by hand: an event line has a dozen of them, and
 * snprintf's parsing of its format was the writer's largest cost.
 */

/* Writes value in decimal, at least min_digits digits (zero-padded). */
static void put_decimal(struct jsonw *w, uint64_t value, unsigned int min_digits)
{
	char digits[24];
	unsigned int n = 0;

	do {
		digits[sizeof(digits) - 1 - n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value || n < min_digits);
	put(w, digits + sizeof(digits) - n, n);
}

void jsonw_u64(struct jsonw *w, const char *key, uint64_t value)
{
	member(w, key);
	/* JSON readers (jansson) keep integers in an int64_t: past it, a string. */
	if (value > INT64_MAX)
		putc_(w, '"');
	put_decimal(w, value, 1);
	if (value > INT64_MAX)
		putc_(w, '"');
}

void jsonw_i64(struct jsonw *w, const char *key, int64_t value)
{
	member(w, key);
	if (value < 0)
		putc_(w, '-');
	put_decimal(w, value < 0 ? -(uint64_t)value : (uint64_t)value, 1);
}

void jsonw_hex(struct jsonw *w, const char *key, uint64_t value)
{
	static const char hex[] = "0123456789abcdef";
	char digits[20];
	unsigned int n = 0;

	member(w, key);
	do {
		digits[sizeof(digits) - 1 - n++] = hex[value & 0xf];
		value >>= 4;
	} while (value);
	put(w, "\"0x", 3);
	put(w, digits + sizeof(digits) - n, n);
	putc_(w, '"');
}

void jsonw_seconds(struct jsonw *w, const char *key, uint64_t ns)
{
	member(w, key);
	put_decimal(w, ns / UINT64_C(1000000000), 1);
	putc_(w, '.');
	put_decimal(w, ns % UINT64_C(1000000000), 9);
}

void jsonw_bool(struct jsonw *w, const char *key, bool value)
{
	member(w, key);
	put(w, value ? "true" : "false", value ? 4 : 5);
}

void jsonw_null(struct jsonw *w, const char *key)
{
	member(w, key);
	put(w, "null", 4);
}
