/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What several unit tests (and the model benchmark) share: a directory
 * of their own, reproducible random numbers, and whether malloc is glibc's.
 */
#ifndef MEMTRACE_UNITTEST_H
#define MEMTRACE_UNITTEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Makes a new directory NAME.XXXXXX under $TMPDIR (or /tmp, also when
 * $TMPDIR is longer than 40 characters: the names made in it must fit
 * the tests' buffers) into dir.  Returns 0, or -1.
 */
static inline int unittest_tmpdir(char *dir, size_t size, const char *name)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !tmp[0] || strlen(tmp) > 40)
		tmp = "/tmp";
	if (snprintf(dir, size, "%s/%s.XXXXXX", tmp, name) < 0 || !mkdtemp(dir))
		return -1;
	return 0;
}

/*
 * A number in [0, bound) from a xorshift64 generator (Marsaglia, 2003)
 * whose state the caller keeps (never 0): the same sequence on every run.
 */
static inline uint64_t unittest_rnd(uint64_t *state, uint64_t bound)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state % bound;
}

/*
 * The host's system call ABI, for the tests that decode the host's own
 * numbers (<sys/syscall.h>'s SYS_*): the arch file's first personality.
 */
#if defined(__x86_64__)
#define UNITTEST_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define UNITTEST_ARCH AUDIT_ARCH_AARCH64
#endif

/*
 * Whether the test runs under qemu-user, as the cross build's tests do
 * (cmake/aarch64-linux-gnu.cmake's emulator sets MEMTRACE_TEST_EMULATOR):
 * there ptrace does not exist and /proc shows the emulator's mappings,
 * not the program's, so what reads them is skipped with one line.
 */
static inline const char *unittest_emulator(void)
{
	const char *emu = getenv("MEMTRACE_TEST_EMULATOR");

	return emu && emu[0] ? emu : NULL;
}

/*
 * A child of this process stopped by SIGSTOP under its ptrace, as the
 * engine finds a tracee: its pid, to end with unittest_end_child().  -1
 * where fork fails, or where ptrace does not stop it (qemu-user has no
 * ptrace), the child then reaped.  A test that fails before ending it
 * does not leave it stopped: it dies with this process.
 */
static inline pid_t unittest_stopped_child(void)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0)
			(void)raise(SIGSTOP);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return -1;
	return pid;
}

/* Kills and reaps what unittest_stopped_child() made.  Returns 0, or -1. */
static inline int unittest_end_child(pid_t pid)
{
	int status;

	if (kill(pid, SIGKILL) != 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return 0;
}

/* Whether malloc is glibc's: not under AddressSanitizer, which brings its own. */
#if defined(__SANITIZE_ADDRESS__)
#define MALLOC_IS_GLIBC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MALLOC_IS_GLIBC 0
#endif
#endif
#ifndef MALLOC_IS_GLIBC
#define MALLOC_IS_GLIBC 1
#endif

#endif /* MEMTRACE_UNITTEST_H */
