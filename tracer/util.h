/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Errors, allocation and small helpers shared by every module.
 *
 * Modules never print and never exit (they return -errno); only main.c,
 * the engine's fatal paths and debug tracing use these printers.  die()
 * runs the registered cleanup first, so that no tracee is ever left in a
 * ptrace-stop (strace's die() -> cleanup()).
 */
#ifndef MEMTRACE_UTIL_H
#define MEMTRACE_UTIL_H

#include <stddef.h>
#include <stdbool.h>

#define ATTRIBUTE_FORMAT(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#define ATTRIBUTE_NORETURN __attribute__((noreturn))
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))

#include <stdint.h>

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* What page_size() returns, once read; 0 before. */
extern uint64_t page_size_cached;
/* Reads the page size from the system and keeps it in page_size_cached. */
uint64_t page_size_read(void);

/*
 * The base page of this machine (sysconf(_SC_PAGESIZE)), which traced
 * programs share: what the kernel rounds lengths to and counts pages in.
 * Read from the system once; after that a load, as cheap as a constant
 * on the paths that run at every stop.
 */
static inline uint64_t page_size(void)
{
	return page_size_cached ? page_size_cached : page_size_read();
}

/*
 * Writes len bytes of buf to fd, again after EINTR and short writes.
 * Returns the bytes written: len with *err 0, or fewer with *err the
 * errno that stopped it.
 */
size_t write_retry(int fd, const void *buf, size_t len, int *err);

/* "memtrace: <message>\n" on stderr, in one write. */
void error_msg(const char *fmt, ...) ATTRIBUTE_FORMAT(1, 2);
/* "memtrace: <message>: strerror(errno)\n" on stderr. */
void perror_msg(const char *fmt, ...) ATTRIBUTE_FORMAT(1, 2);
/* Prints like error_msg() only when debugging was turned on. */
void debug_msg(const char *fmt, ...) ATTRIBUTE_FORMAT(1, 2);
extern bool debug_flag;

/*
 * Runs the cleanup hook (detach or kill every tracee, flush outputs), then
 * prints and exits with status 1.  The hook is run at most once.
 */
void die(const char *fmt, ...) ATTRIBUTE_FORMAT(1, 2) ATTRIBUTE_NORETURN;
void perror_die(const char *fmt, ...) ATTRIBUTE_FORMAT(1, 2) ATTRIBUTE_NORETURN;

typedef void (*cleanup_fn)(void);
/* Registers the single hook die() runs before exiting. */
void set_cleanup(cleanup_fn fn);

/*
 * Allocation that cannot fail: on ENOMEM they die().  xstrdup(NULL)
 * returns NULL.  xreallocarray() checks nmemb * size for overflow.
 * libiberty's demanglers (unwind/demangler.c) call xmalloc and xrealloc
 * too, and get these: its own, defined beside them, would clash.
 */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *str);
/* The last component of path: "/usr/bin/ls" -> "ls".  Borrowed from path. */
const char *base_name(const char *path);
/*
 * In an array of n elements of size bytes sorted by a uint64_t key at
 * offset in each, how many have a key at or below key (the index of the
 * first above it): a binary search.
 */
size_t upper_bound_u64(const void *base, size_t n, size_t size, size_t offset, uint64_t key);

/* The first len bytes of str (fewer when it is shorter), NUL-terminated. */
char *xstrndup(const char *str, size_t len);

/*
 * Grows *array (of *capacity elements of elem_size bytes) so that it holds
 * at least need elements; doubles, starting at 16.
 */
void xgrowarray(void **array, size_t *capacity, size_t need, size_t elem_size);
/* The same, the elements it adds zeroed: a table indexed by id, 0 for "none yet". */
void xgrowzeroed(void **array, size_t *capacity, size_t need, size_t elem_size);

#endif /* MEMTRACE_UTIL_H */
