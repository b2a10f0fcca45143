/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tracee memory: see memread.h. */
#include "memread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util.h"

/* Probed once: set when process_vm_readv is ENOSYS or EPERM here (strace ucopy.c). */
static bool vm_readv_unusable;
/* Probed once: set when /proc/PID/mem cannot be opened or read here. */
static bool proc_mem_unusable;

void memread_reprobe(void)
{
	vm_readv_unusable = false;
	proc_mem_unusable = false;
}

/* The last resort: one PTRACE_PEEKDATA per word. */
static int peek_data(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		uint64_t word_addr = (addr + done) & ~(uint64_t)(sizeof(long) - 1);
		size_t skip = (size_t)(addr + done - word_addr);
		size_t take = sizeof(long) - skip;
		long word;

		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, tid, (void *)(uintptr_t)word_addr, 0L);
		if (errno)
			return errno == EIO ? -EFAULT : -errno;
		if (take > len - done)
			take = len - done;
		memcpy((char *)buf + done, (char *)&word + skip, take);
		done += take;
	}
	return 0;
}

static int read_proc_mem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	char path[64];
	ssize_t got;
	int fd, err;

	(void)snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	got = pread(fd, buf, len, (off_t)addr);
	err = got < 0 ? -errno : 0;
	(void)close(fd);
	if (err)
		return err == -EIO ? -EFAULT : err;
	return (size_t)got == len ? 0 : -EFAULT;
}

int memread(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t got;

	if (!vm_readv_unusable) {
		got = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (got >= 0)
			return (size_t)got == len ? 0 : -EFAULT;
		if (errno == ESRCH || errno == EFAULT)
			return -errno;
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
		vm_readv_unusable = true;
	}
	if (!proc_mem_unusable) {
		int err = read_proc_mem(tid, addr, buf, len);

		if (err != -EACCES && err != -EPERM)
			return err;
		proc_mem_unusable = true;
	}
	return peek_data(tid, addr, buf, len);
}

#define UPTO_MAX_PAGES 64

ssize_t memread_upto(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote[UPTO_MAX_PAGES];
	unsigned int count = 0;
	uint64_t pos = addr, end = addr + len, page = page_size();
	ssize_t got;

	/*
	 * One remote iovec per page: process_vm_readv stops at the first one
	 * it cannot read, but never splits one (process_vm_readv(2)).
	 */
	while (pos < end && count < UPTO_MAX_PAGES) {
		uint64_t next = (pos | (page - 1)) + 1;

		if (next > end)
			next = end;
		remote[count].iov_base = (void *)(uintptr_t)pos;
		remote[count].iov_len = next - pos;
		count++;
		pos = next;
	}
	local.iov_len = pos - addr;
	if (!vm_readv_unusable) {
		got = process_vm_readv(tid, &local, 1, remote, count, 0);
		if (got >= 0)
			return got;
		if (errno == EFAULT)
			return 0;
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
		vm_readv_unusable = true;
	}
	/* The fallback reads page by page until one fails. */
	got = 0;
	for (unsigned int i = 0; i < count; i++) {
		if (read_proc_mem(tid, (uint64_t)(uintptr_t)remote[i].iov_base, (char *)buf + got,
				  remote[i].iov_len) != 0)
			break;
		got += (ssize_t)remote[i].iov_len;
	}
	return got;
}
