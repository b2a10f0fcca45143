/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tracer/memread.c: reading a process's memory, and the fallback when
 * process_vm_readv is refused (simulated with -Wl,--wrap=process_vm_readv,
 * cmocka's example/mock/uptime way).  The process reads itself.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cmocka.h>

#include "memread.h"

#define PAGE 4096UL

static int refuse_errno; /* 0: the real call; else it fails with this */
static int wrapped_calls;

ssize_t __real_process_vm_readv(pid_t pid, const struct iovec *local, unsigned long liovcnt,
				const struct iovec *remote, unsigned long riovcnt,
				unsigned long flags);
ssize_t __wrap_process_vm_readv(pid_t pid, const struct iovec *local, unsigned long liovcnt,
				const struct iovec *remote, unsigned long riovcnt,
				unsigned long flags);

ssize_t __wrap_process_vm_readv(pid_t pid, const struct iovec *local, unsigned long liovcnt,
				const struct iovec *remote, unsigned long riovcnt,
				unsigned long flags)
{
	wrapped_calls++;
	if (refuse_errno) {
		errno = refuse_errno;
		return -1;
	}
	return __real_process_vm_readv(pid, local, liovcnt, remote, riovcnt, flags);
}

/* Each case starts with nothing probed: the order of the cases does not matter. */
static int reprobe(void **state)
{
	(void)state;
	memread_reprobe();
	refuse_errno = 0;
	wrapped_calls = 0;
	return 0;
}

static void test_reads_itself(void **state)
{
	static const char text[] = "memtrace reads this";
	char buf[sizeof(text)];

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(memread(getpid(), (uintptr_t)text, buf, sizeof(text)), 0);
	assert_string_equal(buf, text);
	assert_true(wrapped_calls > 0);
}

/*
 *   mapping   |-- page 0 (readable) --|-- page 1 (unmapped) --|
 *   memread of both: -EFAULT; memread_upto of both: page 0 only.
 */
static void test_stops_at_the_hole(void **state)
{
	char *area =
		mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char buf[2 * PAGE];

	(void)state;
	assert_true(area != MAP_FAILED);
	memset(area, 'a', PAGE);
	assert_int_equal(munmap(area + PAGE, PAGE), 0);
	assert_int_equal(memread(getpid(), (uintptr_t)area, buf, 2 * PAGE), -EFAULT);
	assert_int_equal(memread_upto(getpid(), (uintptr_t)(area + 100), buf, 2 * PAGE),
			 PAGE - 100);
	assert_int_equal(buf[0], 'a');
	assert_int_equal(memread_upto(getpid(), (uintptr_t)(area + PAGE), buf, PAGE), 0);
	assert_int_equal(munmap(area, PAGE), 0);
}

/* Refused once (a sandbox's EPERM, an old kernel's ENOSYS): /proc/PID/mem from then on. */
static void test_falls_back_once(void **state)
{
	static const char text[] = "through /proc/PID/mem";
	char buf[sizeof(text)];
	int calls;

	(void)state;
	refuse_errno = ENOSYS;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(memread(getpid(), (uintptr_t)text, buf, sizeof(text)), 0);
	assert_string_equal(buf, text);
	assert_int_equal(wrapped_calls, 1);
	calls = wrapped_calls;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(memread(getpid(), (uintptr_t)text, buf, sizeof(text)), 0);
	assert_string_equal(buf, text);
	assert_int_equal(wrapped_calls, calls); /* probed once, not asked again */
	assert_int_equal(memread_upto(getpid(), (uintptr_t)text, buf, sizeof(text)),
			 (ssize_t)sizeof(text));
	assert_int_equal(memread(getpid(), 8, buf, 8), -EFAULT);
}

int main(void)
{
	/* The fallback first: the cases after it find process_vm_readv again. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_falls_back_once, reprobe),
		cmocka_unit_test_setup(test_reads_itself, reprobe),
		cmocka_unit_test_setup(test_stops_at_the_hole, reprobe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
