/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every architecture shares: see arch.h. */
#include "arch.h"

const struct arch_personality *arch_personality(uint32_t arch)
{
	for (size_t i = 0; i < arch_host.npersonalities; i++)
		if (arch_host.personalities[i].audit_arch == arch)
			return &arch_host.personalities[i];
	return NULL;
}
