/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The registers of a stopped task on aarch64: see arch.h.  NT_PRSTATUS
 * is struct user_pt_regs (arch/arm64/include/uapi/asm/ptrace.h: x0-x30,
 * sp, pc, pstate), which glibc's <sys/user.h> calls struct
 * user_regs_struct.  A task running 32-bit (compat) code gets the
 * eighteen 32-bit words of arm's layout instead (compat_user_regset
 * view), told apart by the length read; memtrace has no personality for
 * it.
 */
#ifndef MEMTRACE_ARCH_AARCH64_H
#define MEMTRACE_ARCH_AARCH64_H

#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

struct arch_regs {
	union {
		struct user_regs_struct r64; /* a task running aarch64 code */
		uint32_t r32[18];	     /* a compat task: r0-r15, cpsr, orig_r0 */
	} raw;
	size_t len; /* sizeof(raw.r64) or sizeof(raw.r32): which one raw holds */
};

/*
 * Sets the pointer-authentication bits of code addresses, as the kernel
 * gives them (NT_ARM_PAC_MASK's insn_mask; 0: none), for the tests: the
 * tracer asks a stopped tracee once.
 */
void arch_set_pac_mask(uint64_t mask);

#endif /* MEMTRACE_ARCH_AARCH64_H */
