/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * musl as a runtime (runtime.h): its libc and dynamic linker are one file
 * (ld-musl-<arch>.so.1, which libc.musl-<arch>.so.1 links to), whose
 * frames a site folds into the call the program made.  mallocng's
 * groups and musl's thread stacks are mapped by plain mmap: no window
 * tells them.
 */
#include "runtime.h"

static const char *const musl_modules[] = { "ld-musl-", "libc.musl-", NULL };

/*
 * A thread's stack: mapped by pthread_create itself (src/thread/pthread_create.c).
 * Its system calls' wrappers bear glibc's names (rt_glibc.c).
 */
static const struct runtime_maker_rule musl_makers[] = {
	{ "pthread_create", ASPACE_MAKER_THREAD, NULL, NULL },
	{ NULL, ASPACE_MAKER_UNKNOWN, NULL, NULL },
};

const struct runtime_desc runtime_musl = {
	.name = "musl",
	.modules = musl_modules,
	.makers = musl_makers,
};
