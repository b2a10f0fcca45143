/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the engine needs to know of the machine: how a stop's registers
 * hold a system call (for kernels without PTRACE_GET_SYSCALL_INFO) and
 * where clone and clone3 keep their flags.  Pure: the engine reads the
 * registers, these functions interpret them.  One implementation per
 * architecture (tracer/arch_x86_64.c, covering its i386 and x32 ABIs).
 */
#ifndef MEMTRACE_ARCH_H
#define MEMTRACE_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/user.h>

/* The registers of a stopped task, as PTRACE_GETREGS returns them. */
struct arch_regs {
	struct user_regs_struct raw;
};

/*
 * The system call a task is stopped in: its architecture (AUDIT_ARCH_*,
 * guessed from the code segment: an int $0x80 from 64-bit code passes for
 * a 64-bit call, which only PTRACE_GET_SYSCALL_INFO tells apart), number
 * and six arguments in their ABI's order.
 */
void arch_regs_syscall(const struct arch_regs *regs, uint32_t *arch, uint64_t *nr,
		       uint64_t args[6]);

/* The stack pointer. */
uint64_t arch_regs_sp(const struct arch_regs *regs);

/* The result at a syscall-exit stop: the value, and whether it is -errno. */
void arch_regs_result(const struct arch_regs *regs, int64_t *rval, bool *is_error);

/*
 * Where the clone call (arch, nr, args) keeps its flags.
 * Returns 0 with *flags set (clone), 1 with *flags_addr set to the
 * tracee address of the 64-bit flags word (clone3's struct clone_args),
 * or -ENOENT when (arch, nr) is not clone or clone3.
 */
int arch_clone_flags(uint32_t arch, uint64_t nr, const uint64_t args[6], uint64_t *flags,
		     uint64_t *flags_addr);

#endif /* MEMTRACE_ARCH_H */
