/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * i386 system calls made with int $0x80 from 64-bit code: the kernel runs
 * them as i386 calls (numbers from syscall_32.tbl), and memtrace must
 * decode them as what they are -- mmap2 (192), the old mmap (90) whose
 * arguments are in memory, munmap (91) -- never as the 64-bit calls with
 * the same numbers (192 is lgetxattr on x86_64).  Exits 77 when the
 * kernel has no IA32 emulation.
 *
 *   int80 probe   whether int $0x80 works here, tried in a child (see
 *                 probe()): exits 0 if so, else prints why not and exits 77
 *   int80         the calls, for memtrace to decode
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

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

/*
 * A kernel without IA32 emulation (CONFIG_IA32_EMULATION=n, or booted
 * with ia32_emulation=off) either answers int $0x80 with -ENOSYS or has
 * no gate a user may call at vector 0x80: the int raises a general
 * protection fault, and the process dies of SIGSEGV (arch/x86/kernel/
 * idt.c, traps.c).  So the first int $0x80 is made in a child, without a
 * core dump.  INT80_PROBE_FAULT=1, for the test alone, makes the child
 * use vector 0x81 instead, which no kernel lets a user call: the very
 * fault such a kernel gives, on any kernel.
 */
static int probe(void)
{
	const char *fault = getenv("INT80_PROBE_FAULT");
	int status;
	pid_t pid;

	pid = fork();
	test_assert(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		long ret;

		(void)setrlimit(RLIMIT_CORE, &no_core);
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		if (fault && strcmp(fault, "1") == 0) {
			__asm__ volatile("int $0x81" ::: "memory");
			_exit(1);
		}
		ret = int80(20 /* getpid */, 0, 0, 0, 0, 0, 0);
		if (ret == -ENOSYS)
			_exit(77);
		_exit(ret == getpid() ? 0 : 1);
	}
	test_assert(waitpid(pid, &status, 0) == pid);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) {
		dprintf(1, "int $0x80 killed by SIGSEGV\n");
		return 77;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		dprintf(1, "int $0x80 getpid returned ENOSYS\n");
		return 77;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	dprintf(2, "FAILED: the int $0x80 probe ended with status %#x\n", status);
	return 1;
}

int main(int argc, char **argv)
{
	uint32_t *args;
	long ret;
	uint32_t addr;

	if (argc > 1 && strcmp(argv[1], "probe") == 0)
		return probe();
	ret = int80(20 /* getpid */, 0, 0, 0, 0, 0, 0);
	if (ret == -ENOSYS)
		test_skip("int $0x80 getpid returned ENOSYS");
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
