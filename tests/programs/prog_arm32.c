/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A 32-bit ARM program, for an arm64 kernel that runs them (compat):
 * memtrace for aarch64 has no personality for its calls, and must say so
 * in one line and stop following its memory, never report it wrongly.
 * Freestanding (no armhf C library needed): svc #0 with the number in r7
 * (arch/arm/tools/syscall.tbl, EABI).  It makes
 *
 *   mmap2(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
 *   munmap(ADDR, 8192)
 *
 * and exits with 0 when both worked, 1 when not.
 */
#define NR_EXIT_GROUP 248
#define NR_MUNMAP 91
#define NR_MMAP2 192
#define PROT_RW 0x3	      /* PROT_READ | PROT_WRITE */
#define MAP_PRIVATE_ANON 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */

void _start(void);

static long call6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r7 __asm__("r7") = nr;
	register long r0 __asm__("r0") = a1;
	register long r1 __asm__("r1") = a2;
	register long r2 __asm__("r2") = a3;
	register long r3 __asm__("r3") = a4;
	register long r4 __asm__("r4") = a5;
	register long r5 __asm__("r5") = a6;

	__asm__ volatile("svc #0"
			 : "+r"(r0)
			 : "r"(r7), "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5)
			 : "memory", "cc");
	return r0;
}

void _start(void)
{
	long addr = call6(NR_MMAP2, 0, 8192, PROT_RW, MAP_PRIVATE_ANON, -1, 0);
	int ok = (unsigned long)addr < 0xfffff000UL;

	if (ok) {
		*(volatile char *)addr = 1;
		ok = call6(NR_MUNMAP, addr, 8192, 0, 0, 0, 0) == 0;
	}
	call6(NR_EXIT_GROUP, ok ? 0 : 1, 0, 0, 0, 0, 0);
	for (;;)
		;
}
