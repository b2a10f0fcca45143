/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sigprocmask() during a stack walk: see sigmask.h for why. */
#include "sigmask.h"

#include <pthread.h>
#include <signal.h>

#ifdef MEMTRACE_UNWIND_SIGMASK

static bool walking;
static sigset_t walk_mask;

/* NOLINTNEXTLINE(readability-inconsistent-declaration-parameter-name): glibc's are reserved names. */
int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict oldset)
{
	if (!walking)
		return pthread_sigmask(how, set, oldset);
	if (oldset)
		*oldset = walk_mask;
	return 0;
}

void unwind_sigmask_begin(void)
{
	(void)pthread_sigmask(SIG_SETMASK, NULL, &walk_mask);
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
