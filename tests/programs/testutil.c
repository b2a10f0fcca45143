/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for traced test programs: see testutil.h. */
#include "testutil.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/syscall.h>

void test_failed(const char *file, int line, const char *cond, int err)
{
	dprintf(2, "FAILED at %s:%d: !(%s) errno: %d (%s)\n", file, line, cond, err, strerror(err));
	_exit(1);
}

void test_skip(const char *why)
{
	dprintf(2, "SKIP: %s\n", why);
	_exit(77);
}

pid_t test_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

void expect(const char *fmt, ...)
{
	char line[1024];
	pid_t pid = getpid(), tid = test_gettid();
	int len, more;
	va_list ap;

	if (tid == pid)
		len = snprintf(line, sizeof(line), "[%d] ", (int)pid);
	else
		len = snprintf(line, sizeof(line), "[%d/%d] ", (int)pid, (int)tid);
	va_start(ap, fmt);
	more = vsnprintf(line + len, sizeof(line) - (size_t)len - 1, fmt, ap);
	va_end(ap);
	test_assert(more >= 0 && (size_t)(len + more) < sizeof(line) - 1);
	len += more;
	line[len++] = '\n';
	if (write(3, line, (size_t)len) != len && errno != EBADF)
		test_assert(!"write to fd 3");
}

const char *errno_result(int err)
{
	static __thread char buf[128];

	(void)snprintf(buf, sizeof(buf), "-1 %s (%s)", strerrorname_np(err), strerrordesc_np(err));
	return buf;
}
