/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * jemalloc as an allocator (runtime.h): as a library (libjemalloc.so.2,
 * often by LD_PRELOAD), or linked into the program with a prefix on
 * every symbol of its own (redis builds it with --with-jemalloc-prefix=je_;
 * its internal functions carry the private namespace je_ too).  Its
 * extents are mapped wherever the kernel puts them, by plain mmap: no
 * window tells them.
 */
#include "runtime.h"

static const char *const jemalloc_modules[] = { "libjemalloc.so.", NULL };
static const char *const jemalloc_functions[] = { "je_", "__je_", NULL };

const struct runtime_desc runtime_jemalloc = {
	.name = "jemalloc",
	.modules = jemalloc_modules,
	.functions = jemalloc_functions,
	.maps_heap = true,
	/* Its options: jemalloc's TUNING.md and the manual's "opt.*". */
	.commit_advice = "jemalloc keeps the extents it frees mapped (opt.retain) and returns "
			 "their pages with madvise after dirty_decay_ms and muzzy_decay_ms.\n"
			 "MALLOC_CONF=retain:false unmaps them; narenas:N makes fewer arenas; "
			 "dirty_decay_ms:0,muzzy_decay_ms:0 returns pages at once.",
};
