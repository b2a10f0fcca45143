/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The launch-mode seccomp filter: see seccomp.h. */
#include "seccomp.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sysdecode.h"
#include "util.h"

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif

static void emit(struct seccomp_prog *prog, struct sock_filter insn)
{
	assert(prog->len < SECCOMP_MAX_INSNS && "seccomp filter too long for SECCOMP_MAX_INSNS");
	prog->insns[prog->len++] = insn;
}

/*
 * The layout, with TRACE as the last instruction so that every test jumps
 * forward to it (BPF jumps only forward, by at most 255):
 *
 *	ld  arch
 *	jeq AUDIT_ARCH_X86_64 ? next : TRACE
 *	ld  nr
 *	jge X32_BIT ? TRACE : next
 *	jeq nr_1 ? TRACE : next        one per memory call
 *	...
 *	jgt KNOWN_MAX ? TRACE : next
 *	ret ALLOW
 *   TRACE:
 *	ret TRACE
 */
void seccomp_build(struct seccomp_prog *prog)
{
	uint32_t nrs[SECCOMP_MAX_INSNS];
	size_t count = sysdecode_x86_64_traced(nrs, ARRAY_SIZE(nrs));
	/* Instructions in total: 4 + count + 1 (jgt) + 2 (ret, ret). */
	unsigned short total = (unsigned short)(4 + count + 3);
	unsigned short trace_idx = (unsigned short)(total - 1);

	assert(count <= ARRAY_SIZE(nrs) && total <= SECCOMP_MAX_INSNS);
	prog->len = 0;
	emit(prog, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						offsetof(struct seccomp_data, arch)));
	emit(prog, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYSDECODE_ARCH_X86_64, 0,
						(unsigned char)(trace_idx - prog->len - 1)));
	emit(prog, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						offsetof(struct seccomp_data, nr)));
	emit(prog, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SYSDECODE_X32_BIT,
						(unsigned char)(trace_idx - prog->len - 1), 0));
	for (size_t i = 0; i < count; i++)
		emit(prog,
		     (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[i],
						  (unsigned char)(trace_idx - prog->len - 1), 0));
	emit(prog,
	     (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, SYSDECODE_X86_64_NR_KNOWN_MAX,
					  (unsigned char)(trace_idx - prog->len - 1), 0));
	emit(prog, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	emit(prog, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
	assert(prog->len == total);
}

static int install(struct sock_fprog *fprog)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, fprog) ==
	    0)
		return 0;
	/* Kernels before 4.17 do not know the flag: install without it. */
	if (errno != EINVAL)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, fprog) < 0)
		return -errno;
	return 0;
}

int seccomp_install(const struct seccomp_prog *prog)
{
	struct sock_fprog fprog = {
		.len = prog->len,
		.filter = (struct sock_filter *)prog->insns,
	};
	int err;

	/*
	 * With CAP_SYS_ADMIN a filter needs no PR_SET_NO_NEW_PRIVS, and
	 * without it set-user-ID programs run as they would untraced (a root
	 * tracer does not stop them from gaining privileges either).  Others
	 * must set it first (seccomp(2), "EACCES").
	 */
	err = install(&fprog);
	if (err != -EACCES)
		return err;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return install(&fprog);
}
