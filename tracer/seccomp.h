/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seccomp-bpf filter of launch mode: SECCOMP_RET_TRACE for the memory
 * calls (and for any call memtrace cannot classify), SECCOMP_RET_ALLOW for
 * everything else, so that non-memory calls never stop the tracee.
 *
 * A filtered task whose tracer is gone gets ENOSYS from every traced call
 * (kernel/seccomp.c, __seccomp_filter: "No tracer attached"), which is why
 * launch mode follows every fork and never detaches.
 */
#ifndef MEMTRACE_SECCOMP_H
#define MEMTRACE_SECCOMP_H

#include <linux/filter.h>

#define SECCOMP_MAX_INSNS 64

struct seccomp_prog {
	struct sock_filter insns[SECCOMP_MAX_INSNS];
	unsigned short len;
};

/*
 * Builds the filter from the personalities of the host's architecture
 * (tracer/arch/), each with its syscall table (tracer/arch/sysent_*.h):
 *   - an architecture of none of them: TRACE;
 *   - a number of the personality's other ABI (x32 under x86_64): TRACE;
 *   - a memory call, exit_group, or another number the personality
 *     wants traced: TRACE;
 *   - a number above the highest one known: TRACE;
 *   - anything else: ALLOW.
 * Cannot fail: the tables are static and fit (asserted).
 */
void seccomp_build(struct seccomp_prog *prog);

/*
 * Installs prog in the calling task with seccomp(2), first without
 * PR_SET_NO_NEW_PRIVS (allowed with CAP_SYS_ADMIN: set-user-ID programs
 * then run as they would untraced), then with it.  Uses
 * SECCOMP_FILTER_FLAG_SPEC_ALLOW where the kernel has it, so that the
 * traced program does not pay for the speculative store bypass mitigation
 * that a filter turns on by default.  Async-signal-safe: runs in the
 * child between fork and exec.
 * Returns 0 or -errno (-EINVAL, -EACCES, -ENOSYS from the kernel).
 */
int seccomp_install(const struct seccomp_prog *prog);

#endif /* MEMTRACE_SECCOMP_H */
