/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Errors and allocation: see util.h. */
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool debug_flag;
uint64_t page_size_cached;
static cleanup_fn cleanup_hook;

uint64_t page_size_read(void)
{
	long size = sysconf(_SC_PAGESIZE);

	/* Linux always knows it (the auxiliary vector's AT_PAGESZ). */
	if (size <= 0)
		die("sysconf(_SC_PAGESIZE) gives no page size");
	page_size_cached = (uint64_t)size;
	return page_size_cached;
}

size_t write_retry(int fd, const void *buf, size_t len, int *err)
{
	size_t done = 0;

	*err = 0;
	while (done < len) {
		ssize_t got = write(fd, (const char *)buf + done, len - done);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			/* A write of nothing would be tried forever: an I/O error. */
			*err = got < 0 ? errno : EIO;
			break;
		}
		done += (size_t)got;
	}
	return done;
}

/* format(printf, 1, 0): clang's -Wformat-nonliteral wants it for a va_list. */
static ATTRIBUTE_FORMAT(1, 0) void vmsg(const char *fmt, va_list ap, int err)
{
	char buf[1024];
	/* clang-tidy 14 loses track of the callers' va_start: a false positive. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	int len = vsnprintf(buf, sizeof(buf), fmt, ap);

	char line[sizeof(buf) + 128];
	int werr;

	if (len < 0)
		buf[0] = '\0';
	if (err)
		len = snprintf(line, sizeof(line), "memtrace: %s: %s\n", buf, strerror(err));
	else
		len = snprintf(line, sizeof(line), "memtrace: %s\n", buf);
	if (len < 0)
		return;
	/* One write of the whole line, again after a signal: stdio gives up at EINTR. */
	(void)write_retry(STDERR_FILENO, line,
			  (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1, &werr);
}

void error_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

void perror_msg(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, err);
	va_end(ap);
}

void debug_msg(const char *fmt, ...)
{
	va_list ap;

	if (!debug_flag)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

void set_cleanup(cleanup_fn fn)
{
	cleanup_hook = fn;
}

static void run_cleanup(void)
{
	cleanup_fn fn = cleanup_hook;

	cleanup_hook = NULL;
	if (fn)
		fn();
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
	run_cleanup();
	exit(1);
}

void perror_die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, err);
	va_end(ap);
	run_cleanup();
	exit(1);
}

static void ATTRIBUTE_NORETURN die_out_of_memory(void)
{
	die("out of memory");
}

void *xmalloc(size_t size)
{
	void *ptr = malloc(size ? size : 1);

	if (!ptr)
		die_out_of_memory();
	return ptr;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *ptr = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!ptr)
		die_out_of_memory();
	return ptr;
}

void *xrealloc(void *ptr, size_t size)
{
	return xreallocarray(ptr, 1, size);
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *res;

	if (size && nmemb > SIZE_MAX / size)
		die_out_of_memory();
	res = realloc(ptr, nmemb && size ? nmemb * size : 1);
	if (!res)
		die_out_of_memory();
	return res;
}

char *xstrdup(const char *str)
{
	char *res;

	if (!str)
		return NULL;
	res = strdup(str);
	if (!res)
		die_out_of_memory();
	return res;
}

const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

size_t upper_bound_u64(const void *base, size_t n, size_t size, size_t offset, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t at;

		memcpy(&at, (const char *)base + mid * size + offset, sizeof(at));
		if (at <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

char *xstrndup(const char *str, size_t len)
{
	char *res = strndup(str, len);

	if (!res)
		die_out_of_memory();
	return res;
}

void xgrowarray(void **array, size_t *capacity, size_t need, size_t elem_size)
{
	size_t cap = *capacity;

	if (need <= cap)
		return;
	if (cap < 16)
		cap = 16;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			die_out_of_memory();
		cap *= 2;
	}
	*array = xreallocarray(*array, cap, elem_size);
	*capacity = cap;
}

void xgrowzeroed(void **array, size_t *capacity, size_t need, size_t elem_size)
{
	size_t old = *capacity;

	xgrowarray(array, capacity, need, elem_size);
	if (*capacity > old)
		memset((char *)*array + old * elem_size, 0, (*capacity - old) * elem_size);
}
