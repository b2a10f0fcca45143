/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * allow_all PROGRAM [ARGS...]: runs PROGRAM under a seccomp filter that
 * allows every call.  Any filter makes each system call of the task take
 * the kernel's slow entry path; this is the floor of that cost, with
 * which memtrace's own filter (which stops only the memory calls) is
 * compared in scripts/bench.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };

	if (argc < 2) {
		fprintf(stderr, "usage: allow_all PROGRAM [ARGS...]\n");
		return 2;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		if (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
			fprintf(stderr, "allow_all: seccomp: %s\n", strerror(errno));
			return 1;
		}
	}
	execv(argv[1], argv + 1);
	fprintf(stderr, "allow_all: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
