/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sigprocmask() during a stack walk: see sigmask.h for why. */
#include "sigmask.h"

#include <pthread.h>
#include <signal.h>

#ifdef MEMTRACE_UNWIND_SIGMASK

static bool walking;
/* The thread's mask, as read at a walk's start; stale once it may have changed. */
static sigset_t walk_mask;
static bool walk_mask_known;

/* NOLINTNEXTLINE(readability-inconsistent-declaration-parameter-name): glibc's are reserved names. */
int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict oldset)
{
	if (!walking) {
		/* A change memtrace makes itself: the next walk reads the mask again. */
		if (set)
			walk_mask_known = false;
		return pthread_sigmask(how, set, oldset);
	}
	if (oldset)
		*oldset = walk_mask;
	return 0;
}

void unwind_sigmask_begin(void)
{
	/*
	 * Read once: memtrace changes its mask only through sigprocmask()
	 * above (it never calls pthread_sigmask), and a handler's own mask is
	 * gone when it returns.
	 */
	if (!walk_mask_known)
		walk_mask_known = pthread_sigmask(SIG_SETMASK, NULL, &walk_mask) == 0;
	walking = true;
}

void unwind_sigmask_end(void)
{
	walking = false;
}

bool unwind_sigmask_enabled(void)
{
	return true;
}

#else

void unwind_sigmask_begin(void)
{
}

void unwind_sigmask_end(void)
{
}

bool unwind_sigmask_enabled(void)
{
	return false;
}

#endif
