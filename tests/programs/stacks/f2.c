/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "chain.h"

__attribute__((noinline)) int f2(size_t len)
{
	int res = f3(len);

	__asm__ volatile("" ::: "memory");
	return res + 1;
}
