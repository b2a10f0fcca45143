/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Separate debug files fetched from debuginfod servers (elfutils'
 * libdebuginfod), by build-id, when none is installed: only when the user
 * asks (--debuginfod), once per file, into libdebuginfod's own cache
 * ($DEBUGINFOD_CACHE_PATH, else ~/.cache/debuginfod_client), which also
 * remembers what a server did not have.  A fetch may take seconds: each
 * one says so on stderr, before and after, since the traced program waits
 * for it (a file's symbols are read when its first frame is named or
 * unwound, once).
 */
#ifndef MEMTRACE_DBGFETCH_H
#define MEMTRACE_DBGFETCH_H

struct dbgfetch;

/*
 * A fetcher from the servers urls (space-separated, as DEBUGINFOD_URLS
 * has them), or from $DEBUGINFOD_URLS when urls is NULL.  Returns NULL
 * after a line on stderr when there are none, or libdebuginfod cannot
 * start.  Owned by the caller (dbgfetch_free).
 */
struct dbgfetch *dbgfetch_new(const char *urls);
/* Frees it.  Accepts NULL. */
void dbgfetch_free(struct dbgfetch *fetch);

/*
 * The path of the debug file of the file at path, whose build-id is the
 * hex string build_id, in the cache (fetched now if not there yet): owned
 * by the caller (free()), or NULL when no server has it.
 */
char *dbgfetch_debuginfo(struct dbgfetch *fetch, const char *build_id, const char *path);

#endif /* MEMTRACE_DBGFETCH_H */
