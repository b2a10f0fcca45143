/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A 32-bit program.  The kernel hands out the registers of a task running
 * 32-bit code in i386's layout of the NT_PRSTATUS regset, which memtrace
 * reads for the stacks (and for the calls themselves, without
 * PTRACE_GET_SYSCALL_INFO).  Freestanding, so that it builds without a
 * 32-bit C library: its calls are int $0x80 with i386's numbers
 * (arch/x86/entry/syscalls/syscall_32.tbl).  tests/e2e/prog32.sh expects,
 * all made from do_calls():
 *
 *   mmap2(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = ADDR
 *   munmap(ADDR, 4096) = 0
 *   munmap(0x1, 4096) = -1 EINVAL (Invalid argument)
 *
 * and exit status 0.
 */
#define NR_MUNMAP 91
#define NR_MMAP2 192
#define NR_EXIT_GROUP 252
#define PROT_RW 0x3	      /* PROT_READ | PROT_WRITE */
#define MAP_PRIVATE_ANON 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */
#define EINVAL_RESULT (-22L)

void _start(void);

static long call2(long nr, long a1, long a2)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2) : "memory", "cc");
	return ret;
}

/* mmap2 with offset 0: ebp, the sixth argument, is the frame pointer, so saved by hand. */
static long mmap2_anon(long len)
{
	long ret;

	__asm__ volatile("push %%ebp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "int $0x80\n\t"
			 "pop %%ebp"
			 : "=a"(ret)
			 : "a"((long)NR_MMAP2), "b"(0L), "c"(len), "d"((long)PROT_RW),
			   "S"((long)MAP_PRIVATE_ANON), "D"(-1L)
			 : "memory", "cc");
	return ret;
}

/* Returns the exit status: 0 if every call did what the test expects. */
static __attribute__((noinline)) int do_calls(void)
{
	long addr = mmap2_anon(8192);

	/* An address above 2 GiB is likely: only -4095..-1 are errors. */
	if ((unsigned long)addr >= (unsigned long)-4095L)
		return 1;
	if (call2(NR_MUNMAP, addr, 4096) != 0)
		return 2;
	if (call2(NR_MUNMAP, 1, 4096) != EINVAL_RESULT)
		return 3;
	return 0;
}

void _start(void)
{
	call2(NR_EXIT_GROUP, do_calls(), 0);
	for (;;)
		;
}
