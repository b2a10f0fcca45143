/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The registers of a stopped task on x86_64: see arch.h.  The kernel
 * hands out the NT_PRSTATUS regset in the layout of the task's mode
 * (arch/x86/kernel/ptrace.c, task_user_regset_view): x86_64's struct
 * user_regs_struct for 64-bit code, i386's seventeen 32-bit words for a
 * task running 32-bit code.  strace's src/linux/x86_64/arch_regs.c keeps
 * the same union and tells the two apart by the length read.
 */
#ifndef MEMTRACE_ARCH_X86_64_H
#define MEMTRACE_ARCH_X86_64_H

#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

/* i386's struct user_regs_struct (arch/x86/include/asm/user_32.h). */
struct arch_i386_regs {
	uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
	uint32_t xds, xes, xfs, xgs;
	uint32_t orig_eax, eip, xcs, eflags, esp, xss;
};

struct arch_regs {
	union {
		struct user_regs_struct r64; /* a task running 64-bit code */
		struct arch_i386_regs r32;   /* a task running 32-bit code */
	} raw;
	size_t len; /* sizeof(raw.r64) or sizeof(raw.r32): which one raw holds */
};

#endif /* MEMTRACE_ARCH_X86_64_H */
