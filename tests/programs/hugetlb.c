/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Anonymous huge pages (tests/e2e/hugetlb.sh): one huge page mapped with
 * MAP_HUGETLB, an mprotect of its first 4 KiB (not on a huge page's
 * boundary: EINVAL, nothing changes), then the whole page unmapped.
 * Each call's expected line goes to fd 3.  Exits 77 when the kernel has
 * no huge page to give.
 */
#include <errno.h>
#include <sys/mman.h>

#include "testutil.h"

#define HUGE_PAGE (2UL << 20)

int main(void)
{
	char *huge = mmap(NULL, HUGE_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	int ret;

	if (huge == MAP_FAILED)
		test_skip("no huge page to map (/proc/sys/vm/nr_hugepages)");
	huge[0] = 1;
	expect("mmap(NULL, %lu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB, -1, "
	       "0) = %p",
	       HUGE_PAGE, (void *)huge);
	ret = mprotect(huge, 4096, PROT_READ);
	test_assert(ret == -1 && errno == EINVAL);
	expect("mprotect(%p, 4096, PROT_READ) = %s", (void *)huge, errno_result(EINVAL));
	test_assert(munmap(huge, HUGE_PAGE) == 0);
	expect("munmap(%p, %lu) = 0", (void *)huge, HUGE_PAGE);
	return 0;
}
