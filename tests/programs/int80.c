/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * i386 system calls made with int $0x80 from 64-bit code: the kernel runs
 * them as i386 calls (numbers from syscall_32.tbl), and memtrace must
 * decode them as what they are -- mmap2 (192), the old mmap (90) whose
 * arguments are in memory, munmap (91) -- never as the 64-bit calls with
 * the same numbers (192 is lgetxattr on x86_64).  Exits 77 when the
 * kernel has no IA32 emulation.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "testutil.h"

#define PAGE 4096UL

/*
 * int $0x80 takes ebx, ecx, edx, esi, edi, ebp.  rbp is the frame
 * pointer here, so it is saved by hand, below the red zone.  The kernel
 * clobbers r8-r11 on this path (arch/x86/entry/entry_64_compat.S).
 */
static long int80(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret;

	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbp\n\t"
			 "mov %7, %%rbp\n\t"
			 "int $0x80\n\t"
			 "pop %%rbp\n\t"
			 "add $128, %%rsp"
			 : "=a"(ret)
			 : "a"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5), "r"(a6)
			 : "memory", "r8", "r9", "r10", "r11", "cc");
	return ret;
}

int main(void)
{
	uint32_t *args;
	long ret;
	uint32_t addr;

	ret = int80(20 /* getpid */, 0, 0, 0, 0, 0, 0);
	if (ret == -ENOSYS)
		test_skip("no IA32 emulation in this kernel");
	test_assert(ret == getpid());

	/* mmap2: the offset is in pages; this one maps anonymous memory. */
	ret = int80(192, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	test_assert(ret > 0 && ret < 0x100000000L);
	addr = (uint32_t)ret;
	expect("mmap2(NULL, %lu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#x",
	       2 * PAGE, addr);
	test_assert(int80(91, addr, 2 * PAGE, 0, 0, 0, 0) == 0);
	expect("munmap(%#x, %lu) = 0", addr, 2 * PAGE);

	/* The old mmap reads six 32-bit words at a 32-bit address. */
	args = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
		    0);
	test_assert(args != MAP_FAILED);
	expect("mmap(NULL, %lu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT, -1, 0) "
	       "= %p",
	       PAGE, (void *)args);
	args[0] = 0;
	args[1] = 3 * PAGE;
	args[2] = PROT_READ;
	args[3] = MAP_PRIVATE | MAP_ANONYMOUS;
	args[4] = (uint32_t)-1;
	args[5] = 0;
	ret = int80(90, (long)(uintptr_t)args, 0, 0, 0, 0, 0);
	test_assert(ret > 0 && ret < 0x100000000L);
	addr = (uint32_t)ret;
	expect("mmap(NULL, %lu, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#x", 3 * PAGE,
	       addr);

	/* A failing i386 call: its error is decoded like a 64-bit one. */
	ret = int80(91, addr + 1, PAGE, 0, 0, 0, 0);
	test_assert(ret == -EINVAL);
	expect("munmap(%#x, %lu) = %s", addr + 1, PAGE, errno_result(EINVAL));
	return 0;
}
