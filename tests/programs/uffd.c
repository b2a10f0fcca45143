/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A memory call that waits for another thread's memory call: a
 * userfaultfd handler thread that maps a page before it can answer the
 * fault of a madvise(MADV_POPULATE_WRITE) in flight.  memtrace holds a
 * process's second memory call until the first returns; here it must let
 * it run after a while, or the program hangs.  Exits 77 where unprivileged
 * userfaultfd or MADV_POPULATE_WRITE are missing.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "testutil.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define PAGE 4096UL

static int uffd;

static void *handler(void *arg)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;
	struct uffdio_copy copy;
	char *src;

	(void)arg;
	test_assert(poll(&pfd, 1, -1) == 1);
	test_assert(read(uffd, &msg, sizeof(msg)) == (ssize_t)sizeof(msg));
	/* The handler needs memory to serve the fault. */
	src = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	test_assert(src != MAP_FAILED);
	memset(src, 'x', PAGE);
	copy = (struct uffdio_copy){ .dst = msg.arg.pagefault.address & ~(PAGE - 1),
				     .src = (unsigned long)src,
				     .len = PAGE };
	test_assert(ioctl(uffd, UFFDIO_COPY, &copy) == 0);
	return NULL;
}

int main(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	pthread_t thread;
	char *area;
	int ret;

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 && (errno == ENOSYS || errno == EPERM))
		test_skip(errno == ENOSYS ? "no userfaultfd(2) in this kernel"
					  : "userfaultfd(2) not permitted "
					    "(vm.unprivileged_userfaultfd or seccomp)");
	test_assert(uffd >= 0);
	test_assert(ioctl(uffd, UFFDIO_API, &api) == 0);
	area = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	test_assert(area != MAP_FAILED);
	reg = (struct uffdio_register){ .range = { .start = (unsigned long)area, .len = PAGE },
					.mode = UFFDIO_REGISTER_MODE_MISSING };
	test_assert(ioctl(uffd, UFFDIO_REGISTER, &reg) == 0);
	test_assert(pthread_create(&thread, NULL, handler, NULL) == 0);
	ret = madvise(area, PAGE, MADV_POPULATE_WRITE);
	if (ret != 0 && errno == EINVAL)
		test_skip("no MADV_POPULATE_WRITE here");
	test_assert(ret == 0);
	test_assert(pthread_join(thread, NULL) == 0);
	test_assert(area[0] == 'x');
	dprintf(1, "populated\n");
	return 0;
}
