/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every architecture shares: see arch.h. */
#include "arch.h"

#include <elf.h>
#include <errno.h>
#include <linux/audit.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

const struct arch_personality *arch_personality(uint32_t arch)
{
	for (size_t i = 0; i < arch_host.npersonalities; i++)
		if (arch_host.personalities[i].audit_arch == arch)
			return &arch_host.personalities[i];
	return NULL;
}

const char *arch_abi_name(uint32_t arch)
{
	static const struct {
		uint32_t arch;
		const char *name;
	} names[] = {
		{ AUDIT_ARCH_X86_64, "x86_64" },
		{ AUDIT_ARCH_I386, "i386" },
		{ AUDIT_ARCH_AARCH64, "aarch64" },
		{ AUDIT_ARCH_ARM, "32-bit ARM" },
		{ AUDIT_ARCH_ARMEB, "32-bit big-endian ARM" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].arch == arch)
			return names[i].name;
	return NULL;
}

int arch_regs_get(pid_t tid, struct arch_regs *regs)
{
	struct iovec iov = { .iov_base = &regs->raw, .iov_len = sizeof(regs->raw) };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) != 0)
		return -errno;
	regs->len = iov.iov_len;
	return 0;
}
