/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86_64, with its i386 (int $0x80) and x32 ABIs: see arch.h.
 * Registers per ABI: arch/x86/entry/entry_64.S (rdi, rsi, rdx, r10, r8,
 * r9) and entry_64_compat.S (ebx, ecx, edx, esi, edi, ebp).
 */
#include "arch.h"

#include <errno.h>

#include "sysdecode.h"

#define USER32_CS 0x23 /* arch/x86/include/asm/segment.h: __USER32_CS */

void arch_regs_syscall(const struct arch_regs *regs, uint32_t *arch, uint64_t *nr, uint64_t args[6])
{
	const struct user_regs_struct *raw = &regs->raw;

	*nr = raw->orig_rax;
	if (raw->cs == USER32_CS) {
		*arch = SYSDECODE_ARCH_I386;
		args[0] = raw->rbx;
		args[1] = raw->rcx;
		args[2] = raw->rdx;
		args[3] = raw->rsi;
		args[4] = raw->rdi;
		args[5] = raw->rbp;
		return;
	}
	*arch = SYSDECODE_ARCH_X86_64;
	args[0] = raw->rdi;
	args[1] = raw->rsi;
	args[2] = raw->rdx;
	args[3] = raw->r10;
	args[4] = raw->r8;
	args[5] = raw->r9;
}

uint64_t arch_regs_sp(const struct arch_regs *regs)
{
	return regs->raw.rsp;
}

void arch_regs_result(const struct arch_regs *regs, int64_t *rval, bool *is_error)
{
	*rval = (int64_t)regs->raw.rax;
	/* include/linux/err.h: IS_ERR_VALUE, errors are [-4095, -1]. */
	*is_error = regs->raw.rax >= (unsigned long long)-4095;
}

int arch_clone_flags(uint32_t arch, uint64_t nr, const uint64_t args[6], uint64_t *flags,
		     uint64_t *flags_addr)
{
	if (arch == SYSDECODE_ARCH_I386) {
		if (nr == 120) { /* clone(flags, ...) */
			*flags = (uint32_t)args[0];
			return 0;
		}
		if (nr == 435) { /* clone3(struct clone_args *, size) */
			*flags_addr = (uint32_t)args[0];
			return 1;
		}
		return -ENOENT;
	}
	if (arch != SYSDECODE_ARCH_X86_64)
		return -ENOENT;
	nr &= ~(uint64_t)SYSDECODE_X32_BIT;
	if (nr == 56) {
		*flags = args[0];
		return 0;
	}
	if (nr == 435) {
		*flags_addr = args[0];
		return 1;
	}
	return -ENOENT;
}
