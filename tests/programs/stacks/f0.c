/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "chain.h"

__attribute__((noinline)) int f0(size_t len)
{
	int res = f1(len);

	__asm__ volatile("" ::: "memory");
	return res + 1;
}
