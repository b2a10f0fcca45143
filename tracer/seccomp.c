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

#include "arch.h"
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
 * The jump offset from the instruction about to be emitted to target:
 * BPF jumps only forward, by at most 255.
 */
static unsigned char jump_to(const struct seccomp_prog *prog, size_t target)
{
	assert(target > prog->len && target - prog->len - 1 <= 255 &&
	       "seccomp filter jump out of reach");
	return (unsigned char)(target - prog->len - 1);
}

/* The instructions of a personality's block (see emit_personality()). */
static size_t block_len(const struct arch_personality *pers)
{
	return 4 + (pers->nr_abi_bit ? 1 : 0) + sysdecode_traced(pers, NULL, 0);
}

/*
 * A personality's block, which ends at next (the next personality's block,
 * or TRACE after the last one):
 *
 *	jeq AUDIT_ARCH ? next insn : next
 *	ld  nr
 *	jge ABI_BIT ? TRACE : next insn   with an nr_abi_bit (x32): its numbers, and
 *	                                  any number above them, are all traced
 *	jeq nr_1 ? TRACE : next insn      one per traced number
 *	...
 *	jgt KNOWN_MAX ? TRACE : next insn
 *	ret ALLOW
 */
static void emit_personality(struct seccomp_prog *prog, const struct arch_personality *pers,
			     size_t next, size_t trace)
{
	uint32_t nrs[SECCOMP_MAX_INSNS];
	size_t count = sysdecode_traced(pers, nrs, ARRAY_SIZE(nrs));

	assert(count <= ARRAY_SIZE(nrs));
	emit(prog, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, pers->audit_arch, 0,
						jump_to(prog, next)));
	emit(prog, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						offsetof(struct seccomp_data, nr)));
	if (pers->nr_abi_bit)
		emit(prog, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, pers->nr_abi_bit,
							jump_to(prog, trace), 0));
	for (size_t i = 0; i < count; i++)
		emit(prog, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[i],
							jump_to(prog, trace), 0));
	emit(prog, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, pers->nr_known_max,
						jump_to(prog, trace), 0));
	emit(prog, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

/*
 * The layout, with TRACE as the last instruction so that every test jumps
 * forward to it:
 *
 *	ld  arch
 *	block of the first personality (x86_64)
 *	block of the next one (i386)
 *	...
 *   TRACE:
 *	ret TRACE                         an architecture of none of them
 */
void seccomp_build(struct seccomp_prog *prog)
{
	size_t total = 2, trace;

	for (size_t i = 0; i < arch_host.npersonalities; i++)
		total += block_len(&arch_host.personalities[i]);
	assert(total <= SECCOMP_MAX_INSNS);
	trace = total - 1;
	prog->len = 0;
	emit(prog, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						offsetof(struct seccomp_data, arch)));
	for (size_t i = 0; i < arch_host.npersonalities; i++) {
		const struct arch_personality *pers = &arch_host.personalities[i];
		size_t next = prog->len + block_len(pers);

		emit_personality(prog, pers, next, trace);
		assert(prog->len == next);
	}
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
