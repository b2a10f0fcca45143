/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Debug files from debuginfod servers: see dbgfetch.h. */
#include "dbgfetch.h"

#include <elfutils/debuginfod.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct dbgfetch {
	debuginfod_client *client;
	char *urls; /* --debuginfod=URLS, or NULL: $DEBUGINFOD_URLS */
};

struct dbgfetch *dbgfetch_new(const char *urls)
{
	struct dbgfetch *fetch;
	const char *env;

	env = urls ? urls : getenv("DEBUGINFOD_URLS");
	if (!env || !*env) {
		(void)fprintf(stderr, "memtrace: --debuginfod: no servers: give them "
				      "(--debuginfod=URL...) or set DEBUGINFOD_URLS\n");
		return NULL;
	}
	fetch = xcalloc(1, sizeof(*fetch));
	fetch->client = debuginfod_begin();
	if (!fetch->client) {
		(void)fprintf(stderr, "memtrace: --debuginfod: libdebuginfod could not start\n");
		free(fetch);
		return NULL;
	}
	fetch->urls = xstrdup(urls);
	return fetch;
}

void dbgfetch_free(struct dbgfetch *fetch)
{
	if (!fetch)
		return;
	debuginfod_end(fetch->client);
	free(fetch->urls);
	free(fetch);
}

/*
 * debuginfod_find_debuginfo() from fetch's servers.  libdebuginfod reads
 * them from DEBUGINFOD_URLS at each query: --debuginfod=URLS sets it for
 * the query alone, so that the traced program (launched before, or
 * forked after) never inherits it.
 */
static int find(struct dbgfetch *fetch, const char *build_id, char **found)
{
	char *saved = NULL;
	int fd;

	if (fetch->urls) {
		saved = xstrdup(getenv("DEBUGINFOD_URLS"));
		if (setenv("DEBUGINFOD_URLS", fetch->urls, 1) != 0) {
			free(saved);
			return -errno;
		}
	}
	/* A length of 0: the build-id is a hex string. */
	fd = debuginfod_find_debuginfo(fetch->client, (const unsigned char *)build_id, 0, found);
	if (fetch->urls) {
		if (saved)
			(void)setenv("DEBUGINFOD_URLS", saved, 1);
		else
			(void)unsetenv("DEBUGINFOD_URLS");
		free(saved);
	}
	return fd;
}

char *dbgfetch_debuginfo(struct dbgfetch *fetch, const char *build_id, const char *path)
{
	const char *name = base_name(path);
	char *found = NULL;
	int fd;

	(void)fprintf(stderr, "memtrace: debuginfod: asking for the debug file of %s (%s)...\n",
		      name, build_id);
	fd = find(fetch, build_id, &found);
	if (fd < 0) {
		(void)fprintf(stderr, "memtrace: debuginfod: no debug file for %s: %s\n", name,
			      strerror(-fd));
		return NULL;
	}
	(void)close(fd);
	(void)fprintf(stderr, "memtrace: debuginfod: %s: %s\n", name, found);
	return found;
}
