/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pairs every unmap, trim, re-protection, move and release with the call
 * that mapped the bytes, as glibc's arena code and the brk heap make them.
 * Prints each call's expected line to fd 3, and to fd 4 the line of each
 * call that affects earlier ones with the note memtrace must add, where
 * "@K" stands for the sequence number of the K-th line written to fd 3.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "testutil.h"

#define PAGE 4096UL
#define KIB 1024UL
#define MIB (1024UL * 1024UL)

static int nexpected;

/* expect() and count the line: returns its index for "@K" references. */
static int expect_n(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int expect_n(const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	expect("%s", text);
	return ++nexpected;
}

/* "<line><TAB><note>" to fd 4; the line is also expected on fd 3. */
static void expect_note(const char *note, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void expect_note(const char *note, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	expect_n("%s", text);
	dprintf(4, "[%d] %s\t%s\n", (int)getpid(), text, note);
}

/*
 * A size as the notes print it (docs/events.md): in the largest unit it
 * reaches, whole or with one decimal rounded to nearest.  Trims of an
 * arena's reservation reach MiB where the kernel placed it far from a
 * 64 MiB boundary (62.9 MiB on an arm64 machine).
 */
static const char *kib(unsigned long bytes)
{
	static char bufs[4][32];
	static int next;
	char *buf = bufs[next++ % 4];
	unsigned long scale = bytes >= MIB ? MIB : KIB;
	unsigned long tenths = (bytes * 10 + scale / 2) / scale;
	const char *unit = scale == MIB ? "MiB" : "KiB";

	if (bytes % scale == 0 || tenths % 10 == 0)
		(void)snprintf(buf, 32, "%lu %s", bytes % scale == 0 ? bytes / scale : tenths / 10,
			       unit);
	else
		(void)snprintf(buf, 32, "%lu.%lu %s", tenths / 10, tenths % 10, unit);
	return buf;
}

static void arena(void)
{
	char note[128];
	uintptr_t carve, aligned, head, moved;
	int map_idx, remap_idx;

	/* glibc's new_heap: reserve twice the size, keep an aligned half. */
	carve = (uintptr_t)mmap(NULL, 128 * MIB, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	test_assert((void *)carve != MAP_FAILED);
	map_idx = expect_n("mmap(NULL, %lu, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, "
			   "-1, 0) = %#lx",
			   128 * MIB, (unsigned long)carve);
	aligned = (carve + 64 * MIB - 1) & ~(64 * MIB - 1);
	head = aligned - carve;
	if (head) {
		test_assert(munmap((void *)carve, head) == 0);
		(void)snprintf(note, sizeof(note), "trims @%d by %s", map_idx, kib(head));
		expect_note(note, "munmap(%#lx, %lu) = 0", (unsigned long)carve, head);
	}
	test_assert(munmap((void *)(aligned + 64 * MIB), 64 * MIB - head) == 0);
	(void)snprintf(note, sizeof(note), "trims @%d by %s", map_idx, kib(64 * MIB - head));
	expect_note(note, "munmap(%#lx, %lu) = 0", (unsigned long)(aligned + 64 * MIB),
		    64 * MIB - head);

	/*
	 *   aligned                                                  +64 MiB
	 *   |-- rw 132 KiB --|-- rw 68 KiB --|-------- none ----------|
	 */
	test_assert(mprotect((void *)aligned, 132 * KIB, PROT_READ | PROT_WRITE) == 0);
	(void)snprintf(note, sizeof(note), "re-protects 132 KiB of @%d", map_idx);
	expect_note(note, "mprotect(%#lx, %lu, PROT_READ|PROT_WRITE) = 0", (unsigned long)aligned,
		    132 * KIB);
	test_assert(mprotect((void *)(aligned + 132 * KIB), 68 * KIB, PROT_READ | PROT_WRITE) == 0);
	(void)snprintf(note, sizeof(note), "re-protects 68 KiB of @%d", map_idx);
	expect_note(note, "mprotect(%#lx, %lu, PROT_READ|PROT_WRITE) = 0",
		    (unsigned long)(aligned + 132 * KIB), 68 * KIB);
	((char *)aligned)[0] = 1;
	test_assert(madvise((void *)aligned, 132 * KIB, MADV_DONTNEED) == 0);
	(void)snprintf(note, sizeof(note), "releases 132 KiB of @%d", map_idx);
	expect_note(note, "madvise(%#lx, %lu, MADV_DONTNEED) = 0", (unsigned long)aligned,
		    132 * KIB);

	/* Move the read-write part out, doubling it: the new half is the mremap's. */
	moved = (uintptr_t)mremap((void *)aligned, 200 * KIB, 400 * KIB, MREMAP_MAYMOVE);
	test_assert((void *)moved != MAP_FAILED && moved != aligned);
	(void)snprintf(note, sizeof(note), "moves 200 KiB of @%d", map_idx);
	expect_note(note, "mremap(%#lx, %lu, %lu, MREMAP_MAYMOVE) = %#lx", (unsigned long)aligned,
		    200 * KIB, 400 * KIB, (unsigned long)moved);
	remap_idx = nexpected;
	test_assert(munmap((void *)moved, 400 * KIB) == 0);
	(void)snprintf(note, sizeof(note), "trims @%d by 200 KiB, unmaps @%d", map_idx, remap_idx);
	expect_note(note, "munmap(%#lx, %lu) = 0", (unsigned long)moved, 400 * KIB);

	/* What is left of the reservation, hole included. */
	test_assert(munmap((void *)aligned, 64 * MIB) == 0);
	(void)snprintf(note, sizeof(note), "unmaps the rest of @%d (63.8 MiB)", map_idx);
	expect_note(note, "munmap(%#lx, %lu) = 0", (unsigned long)aligned, 64 * MIB);
}

/*
 * MAP_FIXED over the middle of a mapping trims it; over two, trims both.
 * Everything lands in a carveout, never on a neighbour we do not own.
 *
 *   carve  |------------------ none (12 pages) ------------------|
 *   first  |======== r (8) ========|
 *   second                         |==== rw (4) ====|
 *   over                   |== none (4) ==|
 */
static void fixed_over(void)
{
	char note[128];
	uintptr_t carve, first, second, over;
	int carve_idx, first_idx, second_idx, over_idx;

	carve = (uintptr_t)mmap(NULL, 12 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	test_assert((void *)carve != MAP_FAILED);
	carve_idx = expect_n("mmap(NULL, %lu, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#lx",
			     12 * PAGE, (unsigned long)carve);
	first = (uintptr_t)mmap((void *)carve, 8 * PAGE, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	test_assert(first == carve);
	(void)snprintf(note, sizeof(note), "trims @%d by 32 KiB", carve_idx);
	expect_note(note,
		    "mmap(%#lx, %lu, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = %#lx",
		    (unsigned long)carve, 8 * PAGE, (unsigned long)first);
	first_idx = nexpected;
	second = (uintptr_t)mmap((void *)(carve + 8 * PAGE), 4 * PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	test_assert(second == carve + 8 * PAGE);
	(void)snprintf(note, sizeof(note), "unmaps the rest of @%d (16 KiB)", carve_idx);
	expect_note(
		note,
		"mmap(%#lx, %lu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, "
		"0) = %#lx",
		(unsigned long)second, 4 * PAGE, (unsigned long)second);
	second_idx = nexpected;
	over = (uintptr_t)mmap((void *)(carve + 6 * PAGE), 4 * PAGE, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	test_assert(over == carve + 6 * PAGE);
	(void)snprintf(note, sizeof(note), "trims @%d by 8 KiB, trims @%d by 8 KiB", first_idx,
		       second_idx);
	expect_note(note,
		    "mmap(%#lx, %lu, PROT_NONE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = %#lx",
		    (unsigned long)over, 4 * PAGE, (unsigned long)over);
	over_idx = nexpected;
	test_assert(munmap((void *)carve, 12 * PAGE) == 0);
	(void)snprintf(
		note, sizeof(note),
		"unmaps the rest of @%d (24 KiB), unmaps @%d, unmaps the rest of @%d (8 KiB)",
		first_idx, over_idx, second_idx);
	expect_note(note, "munmap(%#lx, %lu) = 0", (unsigned long)carve, 12 * PAGE);
}

/* The brk heap: growths are paired with the shrinks that undo them, last first. */
static void heap(void)
{
	char note[128];
	unsigned long base, top1, top2;
	int grow1, grow2;

	base = (unsigned long)syscall(SYS_brk, 0);
	test_assert(base % PAGE == 0);
	top1 = (unsigned long)syscall(SYS_brk, base + 64 * KIB);
	test_assert(top1 == base + 64 * KIB);
	grow1 = expect_n("brk(%#lx) = %#lx", top1, top1);
	top2 = (unsigned long)syscall(SYS_brk, top1 + 64 * KIB);
	test_assert(top2 == top1 + 64 * KIB);
	grow2 = expect_n("brk(%#lx) = %#lx", top2, top2);
	test_assert((unsigned long)syscall(SYS_brk, base + 16 * KIB) == base + 16 * KIB);
	(void)snprintf(note, sizeof(note), "trims @%d by 48 KiB, unmaps @%d", grow1, grow2);
	expect_note(note, "brk(%#lx) = %#lx", base + 16 * KIB, base + 16 * KIB);
	test_assert((unsigned long)syscall(SYS_brk, base + 4 * KIB) == base + 4 * KIB);
	(void)snprintf(note, sizeof(note), "trims @%d by 12 KiB", grow1);
	expect_note(note, "brk(%#lx) = %#lx", base + 4 * KIB, base + 4 * KIB);
	/* Back to where it was (malloc may own the heap below): a line like an earlier one. */
	test_assert((unsigned long)syscall(SYS_brk, base) == base);
}

int main(void)
{
	arena();
	fixed_over();
	heap();
	return 0;
}
