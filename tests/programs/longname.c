/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A site of long function names (tests/e2e/width.sh): the innermost frame
 * of the program's own code must show whole on an 80-column terminal, in
 * the table, the churn rows and the churn finding.  150 mappings made and
 * unmapped at once (churn), then 1 MiB kept, all by
 *
 *   mmap < map_the_buffers_of_a_function_whose_name_is_rather_long <
 *   called_through_a_second_function_with_a_long_name_too < main
 */
#include <string.h>
#include <sys/mman.h>

#include "testutil.h"

#define NCHURN 150
#define CHURN_LEN 65536
#define KEPT_LEN (1 << 20)

static __attribute__((noinline)) void *
map_the_buffers_of_a_function_whose_name_is_rather_long(size_t len)
{
	void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	test_assert(buf != MAP_FAILED);
	/* No tail call: this frame stays on the stack. */
	__asm__ volatile("" ::: "memory");
	return buf;
}

static __attribute__((noinline)) void *called_through_a_second_function_with_a_long_name_too(void)
{
	void *kept;

	for (int i = 0; i < NCHURN; i++)
		test_assert(
			munmap(map_the_buffers_of_a_function_whose_name_is_rather_long(CHURN_LEN),
			       CHURN_LEN) == 0);
	kept = map_the_buffers_of_a_function_whose_name_is_rather_long(KEPT_LEN);
	memset(kept, 1, KEPT_LEN);
	__asm__ volatile("" ::: "memory");
	return kept;
}

int main(void)
{
	return called_through_a_second_function_with_a_long_name_too() ? 0 : 1;
}
