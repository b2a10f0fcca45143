/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every architecture shares: see arch.h. */
#include "arch.h"

#include <elf.h>
#include <errno.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

const struct arch_personality *arch_personality(uint32_t arch)
{
	for (size_t i = 0; i < arch_host.npersonalities; i++)
		if (arch_host.personalities[i].audit_arch == arch)
			return &arch_host.personalities[i];
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
