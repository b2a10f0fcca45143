/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signals under memtrace must behave as without it.
 *
 *   signals handler   SIGUSR1 reaches its handler; exits 0
 *   signals stop      says "stopping PID" on stdout and stops itself with
 *                     SIGSTOP; once continued, maps a page and exits 0
 *   signals segv      maps a page, then dies of SIGSEGV (without a core
 *                     dump: RLIMIT_CORE 0)
 *   signals kill      maps a page, then dies of SIGKILL
 *   signals term      says "ready PID" on stdout and waits; SIGTERM exits 42
 *   signals int       says "ready PID" and waits; SIGINT exits 3
 *   signals noint     survives SIGINT (its handler says "got SIGINT" on
 *                     stdout), says "ready PID" and waits forever
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "testutil.h"

#define PAGE 4096UL

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void on_term(int sig)
{
	(void)sig;
	_exit(42);
}

static void on_int(int sig)
{
	(void)sig;
	_exit(3);
}

static void on_int_survive(int sig)
{
	static const char msg[] = "got SIGINT\n";

	(void)sig;
	(void)!write(1, msg, sizeof(msg) - 1);
}

static void map_page(void)
{
	char *ptr = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	test_assert(ptr != MAP_FAILED);
	expect("mmap(NULL, %lu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %p", PAGE,
	       (void *)ptr);
}

static void ready_then_wait(void)
{
	dprintf(1, "ready %d\n", (int)getpid());
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "handler") == 0) {
		test_assert(signal(SIGUSR1, on_usr1) != SIG_ERR);
		test_assert(raise(SIGUSR1) == 0);
		test_assert(got_usr1);
		map_page();
		return 0;
	}
	if (strcmp(mode, "stop") == 0) {
		dprintf(1, "stopping %d\n", (int)getpid());
		test_assert(raise(SIGSTOP) == 0);
		map_page();
		dprintf(1, "continued\n");
		return 0;
	}
	if (strcmp(mode, "segv") == 0) {
		struct rlimit no_core = { 0, 0 };

		/* A core dump is slow and leaves files where the host keeps them. */
		test_assert(setrlimit(RLIMIT_CORE, &no_core) == 0);
		map_page();
		*(volatile int *)8 = 1;
		return 1;
	}
	if (strcmp(mode, "kill") == 0) {
		map_page();
		raise(SIGKILL);
		return 1;
	}
	if (strcmp(mode, "term") == 0) {
		test_assert(signal(SIGTERM, on_term) != SIG_ERR);
		ready_then_wait();
	}
	if (strcmp(mode, "int") == 0) {
		test_assert(signal(SIGINT, on_int) != SIG_ERR);
		ready_then_wait();
	}
	if (strcmp(mode, "noint") == 0) {
		test_assert(signal(SIGINT, on_int_survive) != SIG_ERR);
		ready_then_wait();
	}
	dprintf(2, "usage: signals handler|stop|segv|kill|term|int|noint\n");
	return 2;
}
