/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unwind/sigmask.c: sigprocmask() is libc's outside a stack walk, and
 * changes nothing during one (what libunwind's lock asks then is
 * answered from the mask at the walk's start).  Built without the
 * option, sigprocmask() is libc's all along.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sigmask.h"

/* Whether sig is blocked now, asked of the kernel through pthread_sigmask. */
static bool blocked(int sig)
{
	sigset_t now;

	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
	return sigismember(&now, sig);
}

static int unblock_all(void **state)
{
	sigset_t none;

	(void)state;
	sigemptyset(&none);
	return pthread_sigmask(SIG_SETMASK, &none, NULL);
}

/* Outside a walk: it blocks and unblocks as libc's does. */
static void test_outside_a_walk(void **state)
{
	sigset_t usr2, old;

	(void)state;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	assert_int_equal(sigprocmask(SIG_BLOCK, &usr2, &old), 0);
	assert_false(sigismember(&old, SIGUSR2));
	assert_true(blocked(SIGUSR2));
	assert_int_equal(sigprocmask(SIG_UNBLOCK, &usr2, NULL), 0);
	assert_false(blocked(SIGUSR2));
}

/*
 * During a walk, libunwind's lock_acquire() blocks everything and its
 * lock_release() puts the old mask back: with the option, neither
 * reaches the kernel, and the old mask they see is the walk's.
 */
static void test_during_a_walk(void **state)
{
	sigset_t full, old, usr1;

	(void)state;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &usr1, NULL), 0);
	sigfillset(&full);
	unwind_sigmask_begin();
	assert_int_equal(sigprocmask(SIG_SETMASK, &full, &old), 0);
	/* The mask the walk began with, whatever was asked since. */
	assert_true(sigismember(&old, SIGUSR1));
	assert_false(sigismember(&old, SIGUSR2));
	assert_int_equal(blocked(SIGUSR2), !unwind_sigmask_enabled());
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	unwind_sigmask_end();
	/* After it: as before it, and libc's again. */
	assert_true(blocked(SIGUSR1));
	assert_false(blocked(SIGUSR2));
	test_outside_a_walk(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_outside_a_walk, unblock_all),
		cmocka_unit_test_setup(test_during_a_walk, unblock_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
