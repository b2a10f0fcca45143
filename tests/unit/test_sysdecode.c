/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of tracer/sysdecode: the syscall tables of each architecture,
 * the normalization of arguments, and every flag, call and result as text.
 *
 * Flag values come from the system headers where Debian 12's have them, so
 * a wrong value in the decoder's tables shows up here; newer ones are
 * literals with the uapi header that defines them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/audit.h>
#include <linux/mman.h>
#include <sys/shm.h>

#include <sys/syscall.h>
#include <cmocka.h>

#include "arch.h"
#include "sysdecode.h"
#include "unittest.h"
#include "util.h"

/* Newer than Debian 12's headers (include/uapi/linux/mman.h, Linux 6.11). */
#define T_MAP_DROPPABLE 0x08
/* include/uapi/asm-generic/mman-common.h, Linux 6.13. */
#define T_MADV_GUARD_INSTALL 102
#define T_MADV_GUARD_REMOVE 103

/*
 * The tests of what every architecture shares use the host's numbers
 * (<sys/syscall.h>); each architecture's own tables are tested under its
 * #if.  Both have the asm-generic numbers of the newest calls.
 */
#if defined(__x86_64__)
#define X32(nr) ((nr) | __X32_SYSCALL_BIT)
#endif
#define NR_MAP_SHADOW_STACK 453
#define NR_MSEAL 462
/* The personalities' nr_known_max: file_setattr, Linux 6.17. */
#define KNOWN_MAX 469
#define KNOWN_MAX_X86_64 KNOWN_MAX

typedef size_t (*flags_fn)(char *buf, size_t size, uint64_t value);

struct flag_case {
	uint64_t value;
	const char *expected;
};

/*
 * Formats every row of table with fn and compares it with the expected
 * text; cmocka prints both on a mismatch.  The returned length must be the
 * length of the text.
 */
static void check_flags(flags_fn fn, const struct flag_case *table, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		char buf[512];
		size_t len = fn(buf, sizeof(buf), table[i].value);

		if (strcmp(buf, table[i].expected) != 0)
			print_error("row %zu, value %#llx\n", i,
				    (unsigned long long)table[i].value);
		assert_string_equal(buf, table[i].expected);
		assert_int_equal(len, strlen(table[i].expected));
	}
}

/* Every bit set: each name, then the rest in hex. */
#if defined(__aarch64__)
#define ALL_PROT                                                                                 \
	"PROT_READ|PROT_WRITE|PROT_EXEC|PROT_SEM|PROT_BTI|PROT_MTE|PROT_GROWSDOWN|PROT_GROWSUP|" \
	"0xfffffffffcffffc0"
#else
#define ALL_PROT                                                               \
	"PROT_READ|PROT_WRITE|PROT_EXEC|PROT_SEM|PROT_GROWSDOWN|PROT_GROWSUP|" \
	"0xfffffffffcfffff0"
#endif

static void test_prot(void **state)
{
	static const struct flag_case table[] = {
		{ PROT_NONE, "PROT_NONE" },
		{ PROT_READ, "PROT_READ" },
		{ PROT_WRITE, "PROT_WRITE" },
		{ PROT_EXEC, "PROT_EXEC" },
		{ PROT_SEM, "PROT_SEM" },
		{ PROT_GROWSDOWN, "PROT_GROWSDOWN" },
		{ PROT_GROWSUP, "PROT_GROWSUP" },
		{ PROT_READ | PROT_WRITE, "PROT_READ|PROT_WRITE" },
		{ PROT_WRITE | PROT_READ | PROT_EXEC, "PROT_READ|PROT_WRITE|PROT_EXEC" },
		{ PROT_READ | PROT_EXEC | PROT_GROWSDOWN, "PROT_READ|PROT_EXEC|PROT_GROWSDOWN" },
		{ PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN | PROT_GROWSUP,
		  "PROT_READ|PROT_WRITE|PROT_EXEC|PROT_SEM|PROT_GROWSDOWN|PROT_GROWSUP" },
		/* Unknown bits: one trailing hex number, never dropped. */
		{ PROT_READ | 0x40, "PROT_READ|0x40" },
		{ 0x40, "0x40" },
		{ PROT_WRITE | 0xc0 | 0x04000000, "PROT_WRITE|0x40000c0" },
		{ PROT_READ | 0x100000000ULL, "PROT_READ|0x100000000" },
		{ 0xffffffffffffffffULL, ALL_PROT },
#if defined(__aarch64__)
		/* arm64's own (arch/arm64/include/uapi/asm/mman.h). */
		{ PROT_BTI, "PROT_BTI" },
		{ PROT_MTE, "PROT_MTE" },
		{ PROT_READ | PROT_EXEC | PROT_BTI, "PROT_READ|PROT_EXEC|PROT_BTI" },
		{ PROT_READ | PROT_WRITE | PROT_MTE, "PROT_READ|PROT_WRITE|PROT_MTE" },
#else
		{ 0x10, "0x10" },
		{ 0x20, "0x20" },
#endif
	};

	(void)state;
	check_flags(sysdecode_format_prot, table, ARRAY_SIZE(table));
}

/* The mapping type is a 4-bit number, not a set of bits. */
static void test_mmap_types(void **state)
{
	static const struct flag_case table[] = {
		{ MAP_SHARED, "MAP_SHARED" },
		{ MAP_PRIVATE, "MAP_PRIVATE" },
		{ MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE" },
		{ T_MAP_DROPPABLE, "MAP_DROPPABLE" },
		{ MAP_SHARED_VALIDATE | MAP_SYNC, "MAP_SHARED_VALIDATE|MAP_SYNC" },
		{ T_MAP_DROPPABLE | MAP_ANONYMOUS, "MAP_DROPPABLE|MAP_ANONYMOUS" },
		/* No type and no flag. */
		{ 0, "0" },
		{ MAP_ANONYMOUS, "MAP_ANONYMOUS" },
		/* Unknown types stay visible, first, in hex. */
		{ 0x4, "0x4" },
		{ 0x5, "0x5" },
		{ 0x7, "0x7" },
		{ 0x9, "0x9" },
		{ 0xf, "0xf" },
		{ 0x4 | MAP_ANONYMOUS, "0x4|MAP_ANONYMOUS" },
		{ 0xb | MAP_FIXED | 0x80, "0xb|MAP_FIXED|0x80" },
	};

	(void)state;
	check_flags(sysdecode_format_mmap_flags, table, ARRAY_SIZE(table));
}

static void test_mmap_flag_names(void **state)
{
	static const struct flag_case table[] = {
		{ MAP_PRIVATE | MAP_FIXED, "MAP_PRIVATE|MAP_FIXED" },
		{ MAP_PRIVATE | MAP_ANONYMOUS, "MAP_PRIVATE|MAP_ANONYMOUS" },
#ifdef MAP_32BIT
		{ MAP_PRIVATE | MAP_32BIT, "MAP_PRIVATE|MAP_32BIT" },
#else
		/* MAP_32BIT is x86's: elsewhere its bit is no flag. */
		{ MAP_PRIVATE | 0x40, "MAP_PRIVATE|0x40" },
#endif
		{ MAP_PRIVATE | MAP_GROWSDOWN, "MAP_PRIVATE|MAP_GROWSDOWN" },
		{ MAP_PRIVATE | MAP_DENYWRITE, "MAP_PRIVATE|MAP_DENYWRITE" },
		{ MAP_PRIVATE | MAP_EXECUTABLE, "MAP_PRIVATE|MAP_EXECUTABLE" },
		{ MAP_PRIVATE | MAP_LOCKED, "MAP_PRIVATE|MAP_LOCKED" },
		{ MAP_PRIVATE | MAP_NORESERVE, "MAP_PRIVATE|MAP_NORESERVE" },
		{ MAP_PRIVATE | MAP_POPULATE, "MAP_PRIVATE|MAP_POPULATE" },
		{ MAP_PRIVATE | MAP_NONBLOCK, "MAP_PRIVATE|MAP_NONBLOCK" },
		{ MAP_PRIVATE | MAP_STACK, "MAP_PRIVATE|MAP_STACK" },
		{ MAP_PRIVATE | MAP_HUGETLB, "MAP_PRIVATE|MAP_HUGETLB" },
		{ MAP_SHARED_VALIDATE | MAP_SYNC, "MAP_SHARED_VALIDATE|MAP_SYNC" },
		{ MAP_PRIVATE | MAP_FIXED_NOREPLACE, "MAP_PRIVATE|MAP_FIXED_NOREPLACE" },
		{ MAP_PRIVATE | MAP_ANONYMOUS | MAP_UNINITIALIZED,
		  "MAP_PRIVATE|MAP_ANONYMOUS|MAP_UNINITIALIZED" },
		/* Ascending bit order, whatever order the program wrote them in. */
		{ MAP_ANONYMOUS | MAP_FIXED | MAP_PRIVATE, "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS" },
		{ MAP_STACK | MAP_GROWSDOWN | MAP_ANONYMOUS | MAP_PRIVATE,
		  "MAP_PRIVATE|MAP_ANONYMOUS|MAP_GROWSDOWN|MAP_STACK" },
		{ MAP_SHARED | MAP_FIXED_NOREPLACE | MAP_POPULATE | MAP_LOCKED | MAP_NORESERVE,
		  "MAP_SHARED|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_FIXED_NOREPLACE" },
		/* Bits with no name on x86_64: kept in hex, after the names. */
		{ MAP_PRIVATE | 0x80, "MAP_PRIVATE|0x80" },
		{ MAP_PRIVATE | 0x200 | 0x400, "MAP_PRIVATE|0x600" },
		{ MAP_SHARED | MAP_ANONYMOUS | 0x200000, "MAP_SHARED|MAP_ANONYMOUS|0x200000" },
		{ MAP_SHARED | 0x100000000ULL, "MAP_SHARED|0x100000000" },
		{ MAP_PRIVATE | MAP_ANONYMOUS | MAP_UNINITIALIZED | 0x80,
		  "MAP_PRIVATE|MAP_ANONYMOUS|MAP_UNINITIALIZED|0x80" },
	};

	(void)state;
	check_flags(sysdecode_format_mmap_flags, table, ARRAY_SIZE(table));
}

/*
 * With MAP_HUGETLB, bits 26-31 are log2 of the page size (MAP_HUGE_SHIFT);
 * without it, bit 26 is MAP_UNINITIALIZED and bits 27-31 are unknown.
 */
static void test_mmap_huge(void **state)
{
	static const struct flag_case table[] = {
		{ MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB,
		  "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_2MB" },
		{ MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB,
		  "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_1GB" },
		{ MAP_SHARED | MAP_HUGETLB | MAP_HUGE_64KB,
		  "MAP_SHARED|MAP_HUGETLB|MAP_HUGE_64KB" },
		{ MAP_SHARED | MAP_HUGETLB | MAP_HUGE_512KB,
		  "MAP_SHARED|MAP_HUGETLB|MAP_HUGE_512KB" },
		{ MAP_SHARED | MAP_HUGETLB | MAP_HUGE_1MB, "MAP_SHARED|MAP_HUGETLB|MAP_HUGE_1MB" },
		{ MAP_SHARED | MAP_HUGETLB | MAP_HUGE_8MB, "MAP_SHARED|MAP_HUGETLB|MAP_HUGE_8MB" },
		{ MAP_SHARED | MAP_HUGETLB | MAP_HUGE_16MB,
		  "MAP_SHARED|MAP_HUGETLB|MAP_HUGE_16MB" },
		{ MAP_SHARED | MAP_HUGETLB | MAP_HUGE_32MB,
		  "MAP_SHARED|MAP_HUGETLB|MAP_HUGE_32MB" },
		{ MAP_SHARED | MAP_HUGETLB | MAP_HUGE_256MB,
		  "MAP_SHARED|MAP_HUGETLB|MAP_HUGE_256MB" },
		{ MAP_SHARED | MAP_HUGETLB | MAP_HUGE_512MB,
		  "MAP_SHARED|MAP_HUGETLB|MAP_HUGE_512MB" },
		{ MAP_SHARED | MAP_HUGETLB | MAP_HUGE_2GB, "MAP_SHARED|MAP_HUGETLB|MAP_HUGE_2GB" },
		{ MAP_SHARED | MAP_HUGETLB | MAP_HUGE_16GB,
		  "MAP_SHARED|MAP_HUGETLB|MAP_HUGE_16GB" },
		/* The default huge page size: no size bits, nothing printed for them. */
		{ MAP_PRIVATE | MAP_HUGETLB, "MAP_PRIVATE|MAP_HUGETLB" },
		/* A size without a MAP_HUGE_* name. */
		{ MAP_PRIVATE | MAP_HUGETLB | (22ULL << MAP_HUGE_SHIFT),
		  "MAP_PRIVATE|MAP_HUGETLB|22<<MAP_HUGE_SHIFT" },
		{ MAP_PRIVATE | MAP_HUGETLB | (63ULL << MAP_HUGE_SHIFT),
		  "MAP_PRIVATE|MAP_HUGETLB|63<<MAP_HUGE_SHIFT" },
		/* Bit 26 is part of the size here, not MAP_UNINITIALIZED. */
		{ MAP_PRIVATE | MAP_HUGETLB | (1ULL << MAP_HUGE_SHIFT),
		  "MAP_PRIVATE|MAP_HUGETLB|1<<MAP_HUGE_SHIFT" },
		/* Size bits without MAP_HUGETLB: 21 << 26 is bit 26 plus 0x50000000. */
		{ MAP_PRIVATE | MAP_HUGE_2MB, "MAP_PRIVATE|MAP_UNINITIALIZED|0x50000000" },
		{ MAP_PRIVATE | MAP_HUGE_1GB, "MAP_PRIVATE|0x78000000" },
		/* Names, then the huge size, then unknown bits. */
		{ MAP_PRIVATE | MAP_HUGETLB | MAP_HUGE_2MB | 0x80,
		  "MAP_PRIVATE|MAP_HUGETLB|MAP_HUGE_2MB|0x80" },
	};

	(void)state;
	check_flags(sysdecode_format_mmap_flags, table, ARRAY_SIZE(table));
}

/*
 * Every bit set: the longest mmap flags text there is.
 *   type 0xf (unknown), every name, size 63, and the rest in hex:
 *   bits 7, 9, 10 (0x680), 21-25 (0x3e00000) and 32-63; bit 6 too
 *   where it is not MAP_32BIT.
 */
#ifdef MAP_32BIT
#define MAP_32BIT_NAME "MAP_32BIT|"
#define MAP_REST "0xffffffff03e00680"
#define MAP_REST_NOHUGE "0xfffffffffbe00680"
#else
#define MAP_32BIT_NAME ""
#define MAP_REST "0xffffffff03e006c0"
#define MAP_REST_NOHUGE "0xfffffffffbe006c0"
#endif
#define ALL_MMAP_FLAGS                                                                       \
	"0xf|MAP_FIXED|MAP_ANONYMOUS|" MAP_32BIT_NAME                                        \
	"MAP_GROWSDOWN|MAP_DENYWRITE|MAP_EXECUTABLE|"                                        \
	"MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_NONBLOCK|MAP_STACK|MAP_HUGETLB|MAP_SYNC|" \
	"MAP_FIXED_NOREPLACE|63<<MAP_HUGE_SHIFT|" MAP_REST

static void test_mmap_all_bits(void **state)
{
	static const struct flag_case table[] = {
		{ 0xffffffffffffffffULL, ALL_MMAP_FLAGS },
		/* Without MAP_HUGETLB, bit 26 is MAP_UNINITIALIZED. */
		{ 0xffffffffffffffffULL & ~(uint64_t)MAP_HUGETLB,
		  "0xf|MAP_FIXED|MAP_ANONYMOUS|" MAP_32BIT_NAME "MAP_GROWSDOWN|MAP_DENYWRITE|"
		  "MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_NONBLOCK|MAP_STACK|"
		  "MAP_SYNC|MAP_FIXED_NOREPLACE|MAP_UNINITIALIZED|" MAP_REST_NOHUGE },
	};

	(void)state;
	check_flags(sysdecode_format_mmap_flags, table, ARRAY_SIZE(table));
}

static void test_madvise(void **state)
{
	static const struct flag_case table[] = {
		{ MADV_NORMAL, "MADV_NORMAL" },
		{ MADV_RANDOM, "MADV_RANDOM" },
		{ MADV_SEQUENTIAL, "MADV_SEQUENTIAL" },
		{ MADV_WILLNEED, "MADV_WILLNEED" },
		{ MADV_DONTNEED, "MADV_DONTNEED" },
		{ MADV_FREE, "MADV_FREE" },
		{ MADV_REMOVE, "MADV_REMOVE" },
		{ MADV_DONTFORK, "MADV_DONTFORK" },
		{ MADV_DOFORK, "MADV_DOFORK" },
		{ MADV_MERGEABLE, "MADV_MERGEABLE" },
		{ MADV_UNMERGEABLE, "MADV_UNMERGEABLE" },
		{ MADV_HUGEPAGE, "MADV_HUGEPAGE" },
		{ MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE" },
		{ MADV_DONTDUMP, "MADV_DONTDUMP" },
		{ MADV_DODUMP, "MADV_DODUMP" },
		{ MADV_WIPEONFORK, "MADV_WIPEONFORK" },
		{ MADV_KEEPONFORK, "MADV_KEEPONFORK" },
		{ MADV_COLD, "MADV_COLD" },
		{ MADV_PAGEOUT, "MADV_PAGEOUT" },
		{ MADV_POPULATE_READ, "MADV_POPULATE_READ" },
		{ MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE" },
		{ MADV_DONTNEED_LOCKED, "MADV_DONTNEED_LOCKED" },
		{ MADV_COLLAPSE, "MADV_COLLAPSE" },
		{ MADV_HWPOISON, "MADV_HWPOISON" },
		{ MADV_SOFT_OFFLINE, "MADV_SOFT_OFFLINE" },
		{ T_MADV_GUARD_INSTALL, "MADV_GUARD_INSTALL" },
		{ T_MADV_GUARD_REMOVE, "MADV_GUARD_REMOVE" },
		/* Values with no name: hex, with strace's marker. */
		{ 5, "0x5 /* MADV_??? */" },
		{ 6, "0x6 /* MADV_??? */" },
		{ 7, "0x7 /* MADV_??? */" },
		{ 26, "0x1a /* MADV_??? */" },
		{ 99, "0x63 /* MADV_??? */" },
		{ 104, "0x68 /* MADV_??? */" },
		{ 0xffffffffffffffffULL, "0xffffffffffffffff /* MADV_??? */" },
	};

	(void)state;
	check_flags(sysdecode_format_madvise, table, ARRAY_SIZE(table));
}

static void test_mremap_flags(void **state)
{
	static const struct flag_case table[] = {
		{ 0, "0" },
		{ MREMAP_MAYMOVE, "MREMAP_MAYMOVE" },
		{ MREMAP_FIXED, "MREMAP_FIXED" },
		{ MREMAP_DONTUNMAP, "MREMAP_DONTUNMAP" },
		{ MREMAP_FIXED | MREMAP_MAYMOVE, "MREMAP_MAYMOVE|MREMAP_FIXED" },
		{ MREMAP_DONTUNMAP | MREMAP_MAYMOVE, "MREMAP_MAYMOVE|MREMAP_DONTUNMAP" },
		{ MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
		  "MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP" },
		{ 0x8, "0x8" },
		{ MREMAP_MAYMOVE | 0x8, "MREMAP_MAYMOVE|0x8" },
		{ MREMAP_MAYMOVE | 0xfffffff8ULL, "MREMAP_MAYMOVE|0xfffffff8" },
	};

	(void)state;
	check_flags(sysdecode_format_mremap_flags, table, ARRAY_SIZE(table));
}

static void test_shm_flags(void **state)
{
	static const struct flag_case table[] = {
		{ 0, "0" },
		{ SHM_RDONLY, "SHM_RDONLY" },
		{ SHM_RND, "SHM_RND" },
		{ SHM_REMAP, "SHM_REMAP" },
		{ SHM_EXEC, "SHM_EXEC" },
		{ SHM_EXEC | SHM_RDONLY, "SHM_RDONLY|SHM_EXEC" },
		{ SHM_RDONLY | SHM_RND | SHM_REMAP | SHM_EXEC,
		  "SHM_RDONLY|SHM_RND|SHM_REMAP|SHM_EXEC" },
		{ 0x1, "0x1" },
		{ SHM_RND | 0x1, "SHM_RND|0x1" },
		{ SHM_RDONLY | 0x10000, "SHM_RDONLY|0x10000" },
	};

	(void)state;
	check_flags(sysdecode_format_shm_flags, table, ARRAY_SIZE(table));
}

/*
 * The snprintf contract, for any formatter: at every buffer size from 0 to
 * one past the text, the return value is the whole length, the buffer
 * holds the longest prefix that fits and a NUL, and nothing at or past
 * size is written.  Each size also gets an exact-size heap buffer, so that
 * an overflow by one is caught by ASan in the sanitizer build.
 */
typedef size_t (*format_fn)(char *buf, size_t size, const void *ctx);

static void check_bounded(format_fn fn, const void *ctx)
{
	char full[1024];
	size_t len = fn(full, sizeof(full), ctx);

	assert_true(len < sizeof(full));
	assert_int_equal(strlen(full), len);
	assert_int_equal(fn(NULL, 0, ctx), len);
	for (size_t size = 0; size <= len + 1; size++) {
		char buf[sizeof(full) + 16];
		size_t kept = size ? (size - 1 < len ? size - 1 : len) : 0;
		char *heap = malloc(size ? size : 1);

		assert_non_null(heap);
		memset(buf, '#', sizeof(buf));
		assert_int_equal(fn(buf, size, ctx), len);
		if (size) {
			assert_memory_equal(buf, full, kept);
			assert_int_equal(buf[kept], '\0');
		}
		for (size_t i = size; i < sizeof(buf); i++)
			if (buf[i] != '#')
				fail_msg("size %zu: byte %zu written (\"%s\")", size, i, full);
		assert_int_equal(fn(heap, size, ctx), len);
		if (size)
			assert_int_equal(heap[kept], '\0');
		free(heap);
	}
}

struct flags_ctx {
	flags_fn fn;
	uint64_t value;
};

static size_t format_flags_ctx(char *buf, size_t size, const void *ctx)
{
	const struct flags_ctx *fc = ctx;

	return fc->fn(buf, size, fc->value);
}

struct call_ctx {
	struct sysdecode_call call;
	const char *fd_path;
	bool finished;
	int64_t rval;
	int err;
};

static size_t format_call_ctx(char *buf, size_t size, const void *ctx)
{
	const struct call_ctx *cc = ctx;

	return sysdecode_format_call(buf, size, &cc->call, cc->fd_path);
}

static size_t format_result_ctx(char *buf, size_t size, const void *ctx)
{
	const struct call_ctx *cc = ctx;

	return sysdecode_format_result(buf, size, &cc->call, cc->finished, cc->rval, cc->err);
}

static void decode(struct sysdecode_call *call, uint32_t arch, uint64_t nr, uint64_t a0,
		   uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	const uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };

	assert_int_equal(sysdecode_entry(call, arch, nr, args), 0);
	assert_non_null(call->ent);
}

static void test_snprintf_contract(void **state)
{
	static const struct flags_ctx flags[] = {
		{ sysdecode_format_prot, 0 },
		{ sysdecode_format_prot, PROT_READ | PROT_WRITE | 0x10 },
		{ sysdecode_format_mmap_flags, 0 },
		{ sysdecode_format_mmap_flags, MAP_PRIVATE | MAP_ANONYMOUS },
		{ sysdecode_format_mmap_flags, MAP_PRIVATE | MAP_HUGETLB | (22ULL << 26) },
		{ sysdecode_format_mmap_flags, 0xffffffffffffffffULL },
		{ sysdecode_format_madvise, MADV_DONTNEED },
		{ sysdecode_format_madvise, 5 },
		{ sysdecode_format_mremap_flags, 0 },
		{ sysdecode_format_mremap_flags, MREMAP_MAYMOVE | MREMAP_FIXED | 0x8 },
		{ sysdecode_format_shm_flags, SHM_RDONLY | SHM_RND },
	};
	struct call_ctx cc = { .finished = true };
	char buf[8];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		check_bounded(format_flags_ctx, &flags[i]);

	decode(&cc.call, UNITTEST_ARCH, SYS_mmap, 0, 65536, PROT_READ | PROT_WRITE,
	       MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0);
	check_bounded(format_call_ctx, &cc);
	cc.rval = 0x7f3a1c000000;
	check_bounded(format_result_ctx, &cc);
	cc.err = ENOMEM;
	check_bounded(format_result_ctx, &cc);
	cc.err = 512;
	check_bounded(format_result_ctx, &cc);
	cc.finished = false;
	check_bounded(format_result_ctx, &cc);

	decode(&cc.call, UNITTEST_ARCH, SYS_mmap, 0x7f0000000000, 8192, PROT_READ,
	       MAP_PRIVATE | MAP_FIXED, 3, 0x1000);
	cc.fd_path = "/usr/lib/x86_64-linux-gnu/libc.so.6";
	check_bounded(format_call_ctx, &cc);
	decode(&cc.call, UNITTEST_ARCH, SYS_mremap, 0x1000, 4096, 8192,
	       MREMAP_MAYMOVE | MREMAP_FIXED, 0x200000, 0);
	check_bounded(format_call_ctx, &cc);

	/* Size 0 writes nothing at all; size 1 only the NUL. */
	memset(buf, '#', sizeof(buf));
	assert_int_equal(sysdecode_format_prot(buf, 0, PROT_READ), strlen("PROT_READ"));
	assert_int_equal(buf[0], '#');
	assert_int_equal(sysdecode_format_prot(buf, 1, PROT_READ), strlen("PROT_READ"));
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], '#');
}

/*
 * A call's text holds every flag however long the flags are: the longest
 * mmap flags and prot texts, and a long path.
 */
static void test_format_call_long(void **state)
{
	char path[600];
	char expected[2048];
	char got[2048];
	struct sysdecode_call call;
	size_t len;
	int n;

	(void)state;
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	decode(&call, UNITTEST_ARCH, SYS_mmap, 0, 4096, 0xffffffffffffffffULL,
	       0xffffffffffffffffULL, 3, 0);
	n = snprintf(expected, sizeof(expected), "mmap(NULL, 4096, %s, %s, 3<%s>, 0)", ALL_PROT,
		     ALL_MMAP_FLAGS, path);
	assert_true(n > 0 && (size_t)n < sizeof(expected));
	len = sysdecode_format_call(got, sizeof(got), &call, path);
	assert_string_equal(got, expected);
	assert_int_equal(len, (size_t)n);
}

struct lookup_case {
	uint64_t nr;
	const char *name; /* NULL: not a memory call */
	uint32_t arch;
	enum sysdecode_kind kind;
	enum sysdecode_abi abi;
	unsigned int nargs;
};

/* Rows read (arch, nr, ...) as the tables do; the struct is packed otherwise. */
#define LOOKUP(arch, nr, name, kind, abi, nargs)             \
	{                                                    \
		(nr), (name), (arch), (kind), (abi), (nargs) \
	}

static void check_lookups(const struct lookup_case *table, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct lookup_case *lc = &table[i];
		const struct sysent *ent = sysdecode_lookup(lc->arch, lc->nr);

		if (!lc->name) {
			if (ent)
				fail_msg("arch %#x nr %llu: expected no row, got \"%s\"", lc->arch,
					 (unsigned long long)lc->nr, ent->name);
		} else if (!ent) {
			fail_msg("arch %#x nr %llu: expected \"%s\", got no row", lc->arch,
				 (unsigned long long)lc->nr, lc->name);
		} else {
			assert_string_equal(ent->name, lc->name);
			assert_int_equal(ent->kind, lc->kind);
			assert_int_equal(ent->abi, lc->abi);
			assert_int_equal(ent->nargs, lc->nargs);
		}
	}
}

#if defined(__x86_64__)
static void test_lookup_x86_64(void **state)
{
	static const struct lookup_case table[] = {
		LOOKUP(AUDIT_ARCH_X86_64, 9, "mmap", SYSDECODE_MMAP, SYSDECODE_ABI_NATIVE, 6),
		LOOKUP(AUDIT_ARCH_X86_64, 10, "mprotect", SYSDECODE_MPROTECT, SYSDECODE_ABI_NATIVE,
		       3),
		LOOKUP(AUDIT_ARCH_X86_64, 11, "munmap", SYSDECODE_MUNMAP, SYSDECODE_ABI_NATIVE, 2),
		LOOKUP(AUDIT_ARCH_X86_64, 12, "brk", SYSDECODE_BRK, SYSDECODE_ABI_NATIVE, 1),
		LOOKUP(AUDIT_ARCH_X86_64, 25, "mremap", SYSDECODE_MREMAP, SYSDECODE_ABI_NATIVE, 5),
		LOOKUP(AUDIT_ARCH_X86_64, 28, "madvise", SYSDECODE_MADVISE, SYSDECODE_ABI_NATIVE,
		       3),
		LOOKUP(AUDIT_ARCH_X86_64, 30, "shmat", SYSDECODE_SHMAT, SYSDECODE_ABI_NATIVE, 3),
		LOOKUP(AUDIT_ARCH_X86_64, 67, "shmdt", SYSDECODE_SHMDT, SYSDECODE_ABI_NATIVE, 1),
		LOOKUP(AUDIT_ARCH_X86_64, 206, "io_setup", SYSDECODE_IO_SETUP, SYSDECODE_ABI_NATIVE,
		       2),
		LOOKUP(AUDIT_ARCH_X86_64, 207, "io_destroy", SYSDECODE_IO_DESTROY,
		       SYSDECODE_ABI_NATIVE, 1),
		LOOKUP(AUDIT_ARCH_X86_64, 216, "remap_file_pages", SYSDECODE_REMAP_FILE_PAGES,
		       SYSDECODE_ABI_NATIVE, 5),
		LOOKUP(AUDIT_ARCH_X86_64, 329, "pkey_mprotect", SYSDECODE_PKEY_MPROTECT,
		       SYSDECODE_ABI_NATIVE, 4),
		LOOKUP(AUDIT_ARCH_X86_64, 453, "map_shadow_stack", SYSDECODE_MAP_SHADOW_STACK,
		       SYSDECODE_ABI_NATIVE, 3),
		LOOKUP(AUDIT_ARCH_X86_64, 462, "mseal", SYSDECODE_MSEAL, SYSDECODE_ABI_NATIVE, 3),
		/* Not memory calls: read, getpid, clone, execve, the newest and beyond. */
		LOOKUP(AUDIT_ARCH_X86_64, 0, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_X86_64, 39, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_X86_64, 56, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_X86_64, 59, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_X86_64, KNOWN_MAX_X86_64, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_X86_64, KNOWN_MAX_X86_64 + 1, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_X86_64, 1000, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_X86_64, 0xffffffffULL, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_X86_64, (1ULL << 32) | 9, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_X86_64, 0xffffffffffffffffULL, NULL, 0, 0, 0),
		/* An architecture memtrace does not know (AUDIT_ARCH_AARCH64). */
		LOOKUP(0xc00000b7U, 9, NULL, 0, 0, 0),
		LOOKUP(0xc00000b7U, 222, NULL, 0, 0, 0),
	};

	(void)state;
	check_lookups(table, ARRAY_SIZE(table));
}

/*
 * i386 numbers are not x86_64's: 9 is link and 90 is the old mmap whose
 * arguments are in memory (strace src/mem.c: "Confused? Me too!").
 */
static void test_lookup_i386(void **state)
{
	static const struct lookup_case table[] = {
		LOOKUP(AUDIT_ARCH_I386, 45, "brk", SYSDECODE_BRK, SYSDECODE_ABI_NATIVE, 1),
		LOOKUP(AUDIT_ARCH_I386, 90, "mmap", SYSDECODE_MMAP, SYSDECODE_ABI_OLD_MMAP, 1),
		LOOKUP(AUDIT_ARCH_I386, 91, "munmap", SYSDECODE_MUNMAP, SYSDECODE_ABI_NATIVE, 2),
		LOOKUP(AUDIT_ARCH_I386, 125, "mprotect", SYSDECODE_MPROTECT, SYSDECODE_ABI_NATIVE,
		       3),
		LOOKUP(AUDIT_ARCH_I386, 163, "mremap", SYSDECODE_MREMAP, SYSDECODE_ABI_NATIVE, 5),
		LOOKUP(AUDIT_ARCH_I386, 192, "mmap2", SYSDECODE_MMAP, SYSDECODE_ABI_MMAP_PGOFF, 6),
		LOOKUP(AUDIT_ARCH_I386, 219, "madvise", SYSDECODE_MADVISE, SYSDECODE_ABI_NATIVE, 3),
		LOOKUP(AUDIT_ARCH_I386, 245, "io_setup", SYSDECODE_IO_SETUP, SYSDECODE_ABI_NATIVE,
		       2),
		LOOKUP(AUDIT_ARCH_I386, 246, "io_destroy", SYSDECODE_IO_DESTROY,
		       SYSDECODE_ABI_NATIVE, 1),
		LOOKUP(AUDIT_ARCH_I386, 257, "remap_file_pages", SYSDECODE_REMAP_FILE_PAGES,
		       SYSDECODE_ABI_NATIVE, 5),
		LOOKUP(AUDIT_ARCH_I386, 380, "pkey_mprotect", SYSDECODE_PKEY_MPROTECT,
		       SYSDECODE_ABI_NATIVE, 4),
		LOOKUP(AUDIT_ARCH_I386, 397, "shmat", SYSDECODE_SHMAT, SYSDECODE_ABI_NATIVE, 3),
		LOOKUP(AUDIT_ARCH_I386, 398, "shmdt", SYSDECODE_SHMDT, SYSDECODE_ABI_NATIVE, 1),
		LOOKUP(AUDIT_ARCH_I386, 462, "mseal", SYSDECODE_MSEAL, SYSDECODE_ABI_NATIVE, 3),
		/* link, unlink, execve, chdir, getpid: x86_64's memory numbers mean other things. */
		LOOKUP(AUDIT_ARCH_I386, 9, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_I386, 10, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_I386, 11, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_I386, 12, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_I386, 20, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_I386, 25, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_I386, 28, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_I386, 329, NULL, 0, 0, 0),
		/* The x32 bit means nothing on i386. */
		LOOKUP(AUDIT_ARCH_I386, X32(192), NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_I386, 100000, NULL, 0, 0, 0),
	};
	struct sysdecode_call call;
	const uint64_t args[6] = { 0x1000, 0x2000, 0, 0, 0, 0 };

	(void)state;
	check_lookups(table, ARRAY_SIZE(table));

	/* i386 link(2) is not mmap, whatever its arguments look like. */
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_I386, 9, args), -ENOENT);
	assert_null(call.ent);
}

/* x32 (nr | __X32_SYSCALL_BIT) shares the x86_64 rows. */
static void test_lookup_x32(void **state)
{
	static const struct lookup_case table[] = {
		LOOKUP(AUDIT_ARCH_X86_64, X32(9), "mmap", SYSDECODE_MMAP, SYSDECODE_ABI_NATIVE, 6),
		LOOKUP(AUDIT_ARCH_X86_64, X32(11), "munmap", SYSDECODE_MUNMAP, SYSDECODE_ABI_NATIVE,
		       2),
		LOOKUP(AUDIT_ARCH_X86_64, X32(25), "mremap", SYSDECODE_MREMAP, SYSDECODE_ABI_NATIVE,
		       5),
		LOOKUP(AUDIT_ARCH_X86_64, X32(39), NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_X86_64, X32(1000), NULL, 0, 0, 0),
	};
	static const uint64_t nrs[] = { 9, 10, 11, 12, 25, 28, 30, 67, 329 };

	(void)state;
	check_lookups(table, ARRAY_SIZE(table));
	for (size_t i = 0; i < ARRAY_SIZE(nrs); i++)
		assert_ptr_equal(sysdecode_lookup(AUDIT_ARCH_X86_64, X32(nrs[i])),
				 sysdecode_lookup(AUDIT_ARCH_X86_64, nrs[i]));
}

static void test_entry_x86_64(void **state)
{
	/* 64-bit arguments are kept whole: a high address, a 64-bit offset. */
	const uint64_t args[6] = { 0x7ffff7dd0000, 0x100000000, PROT_READ,
				   MAP_PRIVATE,	   3,		0x123456789000 };
	const uint64_t getpid_args[6] = { 1, 2, 3, 4, 5, 6 };
	struct sysdecode_call call;

	(void)state;
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_X86_64, 9, args), 0);
	assert_int_equal(call.arch, AUDIT_ARCH_X86_64);
	assert_int_equal(call.nr, 9);
	assert_ptr_equal(call.ent, sysdecode_lookup(AUDIT_ARCH_X86_64, 9));
	for (unsigned int i = 0; i < 6; i++)
		assert_int_equal(call.args[i], args[i]);
	assert_true(sysdecode_has_fd(&call));
	assert_int_equal(sysdecode_fd(&call), 3);

	/* getpid is not a memory call: -ENOENT, no row, but arch and nr kept. */
	memset(&call, 0xa5, sizeof(call));
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_X86_64, 39, getpid_args), -ENOENT);
	assert_null(call.ent);
	assert_int_equal(call.arch, AUDIT_ARCH_X86_64);
	assert_int_equal(call.nr, 39);
}

/*
 * i386 mmap2: arguments are 32-bit (the upper halves of the registers are
 * not the program's), the fd is sign-extended, and the offset is in pages.
 */
static void test_entry_i386_mmap2(void **state)
{
	static const struct {
		uint64_t pgoff;
		uint64_t offset;
	} offsets[] = {
		{ 0, 0 },
		{ 0x10, 0x10000 },
		{ 0xfffff, 0xfffff000 },
		/* Past 4 GiB: the reason mmap2 exists.  Must not wrap to 32 bits. */
		{ 0x100000, 0x100000000 },
		{ 0xffffffff, 0xffffffff000 },
	};
	const uint64_t junk = 0xdeadbeef00000000ULL;
	struct sysdecode_call call;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
		const uint64_t args[6] = { junk | 0xf7f00000, junk | 0x10000,
					   junk | PROT_READ,  junk | MAP_PRIVATE,
					   junk | 0xffffffff, junk | offsets[i].pgoff };

		assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_I386, 192, args), 0);
		assert_string_equal(call.ent->name, "mmap2");
		assert_int_equal(call.args[0], 0xf7f00000);
		assert_int_equal(call.args[1], 0x10000);
		assert_int_equal(call.args[2], PROT_READ);
		assert_int_equal(call.args[3], MAP_PRIVATE);
		assert_int_equal(call.args[4], (uint64_t)-1);
		assert_int_equal(call.args[5], offsets[i].offset);
		assert_false(sysdecode_has_fd(&call));
	}
}

static void test_entry_i386_narrowing(void **state)
{
	const uint64_t junk = 0xffffffff00000000ULL;
	const uint64_t munmap_args[6] = { junk | 0x8000000, junk | 0x3000, junk, junk, junk, junk };
	const uint64_t pkey_args[6] = { 0x8000000, 0x1000, PROT_READ, 0xffffffff, 0, 0 };
	const uint64_t pkey2_args[6] = { 0x8000000, 0x1000, PROT_READ, junk | 2, 0, 0 };
	const uint64_t shmat_args[6] = { 0xffffffff, 0, SHM_RDONLY, 0, 0, 0 };
	const uint64_t file_args[6] = { 0, 4096, PROT_READ, MAP_PRIVATE, junk | 7, 2 };
	struct sysdecode_call call;
	char buf[256];

	(void)state;
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_I386, 91, munmap_args), 0);
	assert_int_equal(call.args[0], 0x8000000);
	assert_int_equal(call.args[1], 0x3000);
	for (unsigned int i = 2; i < 6; i++)
		assert_int_equal(call.args[i], 0);
	sysdecode_format_call(buf, sizeof(buf), &call, NULL);
	assert_string_equal(buf, "munmap(0x8000000, 12288)");

	/* Signed arguments: pkey -1, shmid -1. */
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_I386, 380, pkey_args), 0);
	assert_int_equal(call.args[3], (uint64_t)-1);
	sysdecode_format_call(buf, sizeof(buf), &call, NULL);
	assert_string_equal(buf, "pkey_mprotect(0x8000000, 4096, PROT_READ, -1)");
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_I386, 380, pkey2_args), 0);
	assert_int_equal(call.args[3], 2);
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_I386, 397, shmat_args), 0);
	assert_int_equal(call.args[0], (uint64_t)-1);
	assert_int_equal(call.args[2], SHM_RDONLY);

	/* A positive fd stays positive once narrowed. */
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_I386, 192, file_args), 0);
	assert_int_equal(call.args[4], 7);
	assert_true(sysdecode_has_fd(&call));
	assert_int_equal(sysdecode_fd(&call), 7);
	assert_int_equal(call.args[5], 0x2000);
}

/*
 * i386 old mmap (90): one argument, a pointer to six 32-bit words, and an
 * offset in bytes (arch/x86/kernel/sys_ia32.c, struct mmap_arg_struct32).
 */
static void test_entry_i386_old_mmap(void **state)
{
	const uint64_t args[6] = { 0xffffffff0804a000ULL, 0x11, 0x22, 0x33, 0x44, 0x55 };
	const uint32_t words[6] = { 0x1000,	8192,  PROT_READ, MAP_PRIVATE | MAP_FIXED,
				    0xffffffff, 0x3000 };
	const uint32_t file_words[6] = { 0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, 4, 0x5000 };
	struct sysdecode_call call;
	char buf[256];

	(void)state;
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_I386, 90, args), -EFAULT);
	assert_non_null(call.ent);
	assert_int_equal(call.ent->kind, SYSDECODE_MMAP);
	/* The pointer to the words, narrowed to 32 bits. */
	assert_int_equal(call.args[0], 0x0804a000);

	sysdecode_unpack_old_mmap(&call, words);
	assert_int_equal(call.args[0], 0x1000);
	assert_int_equal(call.args[1], 8192);
	assert_int_equal(call.args[2], PROT_READ);
	assert_int_equal(call.args[3], MAP_PRIVATE | MAP_FIXED);
	assert_int_equal(call.args[4], (uint64_t)-1);
	assert_int_equal(call.args[5], 0x3000);
	assert_false(sysdecode_has_fd(&call));
	sysdecode_format_call(buf, sizeof(buf), &call, NULL);
	assert_string_equal(buf,
			    "mmap(0x1000, 8192, PROT_READ, MAP_PRIVATE|MAP_FIXED, -1, 0x3000)");

	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_I386, 90, args), -EFAULT);
	sysdecode_unpack_old_mmap(&call, file_words);
	assert_true(sysdecode_has_fd(&call));
	assert_int_equal(sysdecode_fd(&call), 4);
	sysdecode_format_call(buf, sizeof(buf), &call, "/lib/ld.so");
	assert_string_equal(buf,
			    "mmap(NULL, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE, 4</lib/ld.so>, "
			    "0x5000)");
}

/*
 * x32 calls go through the x86_64 entry with 64-bit registers, and the
 * kernel reads them whole (arch/x86/entry/syscall_x32.c, sys_mmap in
 * arch/x86/kernel/sys_x86_64.c): x32's off_t is 64 bits.
 */
static void test_entry_x32(void **state)
{
	const uint64_t args[6] = { 0x40000000, 8192, PROT_READ, MAP_SHARED, 5, 0x140000000ULL };
	const uint64_t anon_args[6] = {
		0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0
	};
	struct sysdecode_call call;
	char buf[256];

	(void)state;
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_X86_64, X32(9), args), 0);
	assert_int_equal(call.nr, X32(9));
	assert_string_equal(call.ent->name, "mmap");
	assert_int_equal(call.args[5], 0x140000000ULL);
	sysdecode_format_call(buf, sizeof(buf), &call, "/data");
	assert_string_equal(buf, "mmap(0x40000000, 8192, PROT_READ, MAP_SHARED, 5</data>, "
				 "0x140000000)");

	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_X86_64, X32(9), anon_args), 0);
	assert_false(sysdecode_has_fd(&call));
	sysdecode_format_call(buf, sizeof(buf), &call, NULL);
	assert_string_equal(buf,
			    "mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, "
			    "-1, 0)");
}

#endif /* __x86_64__ */

#if defined(__aarch64__)
/* The asm-generic numbers: mmap is 222, there is no mmap2 and no second ABI. */
static void test_lookup_aarch64(void **state)
{
	static const struct lookup_case table[] = {
		LOOKUP(AUDIT_ARCH_AARCH64, 0, "io_setup", SYSDECODE_IO_SETUP, SYSDECODE_ABI_NATIVE,
		       2),
		LOOKUP(AUDIT_ARCH_AARCH64, 1, "io_destroy", SYSDECODE_IO_DESTROY,
		       SYSDECODE_ABI_NATIVE, 1),
		LOOKUP(AUDIT_ARCH_AARCH64, 196, "shmat", SYSDECODE_SHMAT, SYSDECODE_ABI_NATIVE, 3),
		LOOKUP(AUDIT_ARCH_AARCH64, 197, "shmdt", SYSDECODE_SHMDT, SYSDECODE_ABI_NATIVE, 1),
		LOOKUP(AUDIT_ARCH_AARCH64, 214, "brk", SYSDECODE_BRK, SYSDECODE_ABI_NATIVE, 1),
		LOOKUP(AUDIT_ARCH_AARCH64, 215, "munmap", SYSDECODE_MUNMAP, SYSDECODE_ABI_NATIVE,
		       2),
		LOOKUP(AUDIT_ARCH_AARCH64, 216, "mremap", SYSDECODE_MREMAP, SYSDECODE_ABI_NATIVE,
		       5),
		LOOKUP(AUDIT_ARCH_AARCH64, 222, "mmap", SYSDECODE_MMAP, SYSDECODE_ABI_NATIVE, 6),
		LOOKUP(AUDIT_ARCH_AARCH64, 226, "mprotect", SYSDECODE_MPROTECT,
		       SYSDECODE_ABI_NATIVE, 3),
		LOOKUP(AUDIT_ARCH_AARCH64, 233, "madvise", SYSDECODE_MADVISE, SYSDECODE_ABI_NATIVE,
		       3),
		LOOKUP(AUDIT_ARCH_AARCH64, 234, "remap_file_pages", SYSDECODE_REMAP_FILE_PAGES,
		       SYSDECODE_ABI_NATIVE, 5),
		LOOKUP(AUDIT_ARCH_AARCH64, 288, "pkey_mprotect", SYSDECODE_PKEY_MPROTECT,
		       SYSDECODE_ABI_NATIVE, 4),
		LOOKUP(AUDIT_ARCH_AARCH64, 453, "map_shadow_stack", SYSDECODE_MAP_SHADOW_STACK,
		       SYSDECODE_ABI_NATIVE, 3),
		LOOKUP(AUDIT_ARCH_AARCH64, 462, "mseal", SYSDECODE_MSEAL, SYSDECODE_ABI_NATIVE, 3),
		/* x86_64's numbers mean other calls here: 9 is lsetxattr, 10 getxattr. */
		LOOKUP(AUDIT_ARCH_AARCH64, 9, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_AARCH64, 10, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_AARCH64, 172, NULL, 0, 0, 0), /* getpid */
		LOOKUP(AUDIT_ARCH_AARCH64, 220, NULL, 0, 0, 0), /* clone */
		LOOKUP(AUDIT_ARCH_AARCH64, 221, NULL, 0, 0, 0), /* execve */
		LOOKUP(AUDIT_ARCH_AARCH64, KNOWN_MAX, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_AARCH64, KNOWN_MAX + 1, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_AARCH64, (1ULL << 32) | 222, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_AARCH64, 0xffffffffffffffffULL, NULL, 0, 0, 0),
		/* arm32 (compat) tasks and x86: no personality here. */
		LOOKUP(AUDIT_ARCH_ARM, 192, NULL, 0, 0, 0),
		LOOKUP(AUDIT_ARCH_X86_64, 9, NULL, 0, 0, 0),
	};

	(void)state;
	check_lookups(table, ARRAY_SIZE(table));
}

/* Arguments whole; the offset in bytes; pkey_mprotect's key and BTI's prot. */
static void test_entry_aarch64(void **state)
{
	const uint64_t args[6] = {
		0xffff80000000,		 0x100000000, PROT_READ | PROT_EXEC | PROT_BTI,
		MAP_PRIVATE | MAP_FIXED, 3,	      0x123456789000
	};
	const uint64_t pkey_args[6] = { 0x1000, 16384, PROT_READ | PROT_MTE, 2 };
	struct sysdecode_call call;
	char buf[256];

	(void)state;
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_AARCH64, 222, args), 0);
	assert_int_equal(call.arch, AUDIT_ARCH_AARCH64);
	assert_int_equal(call.nr, 222);
	for (unsigned int i = 0; i < 6; i++)
		assert_int_equal(call.args[i], args[i]);
	assert_int_equal(sysdecode_fd(&call), 3);
	sysdecode_format_call(buf, sizeof(buf), &call, "/usr/lib/aarch64-linux-gnu/libc.so.6");
	assert_string_equal(buf, "mmap(0xffff80000000, 4294967296, PROT_READ|PROT_EXEC|PROT_BTI, "
				 "MAP_PRIVATE|MAP_FIXED, 3</usr/lib/aarch64-linux-gnu/libc.so.6>, "
				 "0x123456789000)");
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_AARCH64, 288, pkey_args), 0);
	sysdecode_format_call(buf, sizeof(buf), &call, NULL);
	assert_string_equal(buf, "pkey_mprotect(0x1000, 16384, PROT_READ|PROT_MTE, 2)");
	assert_int_equal(sysdecode_entry(&call, AUDIT_ARCH_AARCH64, 172, args), -ENOENT);
	assert_null(call.ent);
}

/* The numbers the filter traces: the table's rows, and exit_group (94). */
static void test_aarch64_traced(void **state)
{
	static const uint32_t expected[] = { 0,	  1,   196, 197, 214, 215, 216, 222,
					     226, 233, 234, 288, 453, 462, 94 };
	const struct arch_personality *pers = arch_personality(AUDIT_ARCH_AARCH64);
	uint32_t nrs[64];
	size_t count;

	(void)state;
	assert_non_null(pers);
	assert_string_equal(arch_host.name, "aarch64");
	assert_int_equal(arch_host.npersonalities, 1);
	assert_int_equal(pers->nr_known_max, KNOWN_MAX);
	assert_int_equal(pers->nr_abi_bit, 0);
	assert_false(pers->args_32bit);
	count = sysdecode_traced(pers, nrs, ARRAY_SIZE(nrs));
	assert_int_equal(count, ARRAY_SIZE(expected));
	for (size_t i = 0; i < count; i++)
		assert_int_equal(nrs[i], expected[i]);
	assert_true(sysdecode_is_exit_group(AUDIT_ARCH_AARCH64, 94));
	assert_false(sysdecode_is_exit_group(AUDIT_ARCH_AARCH64, 93)); /* exit */
	assert_null(arch_personality(AUDIT_ARCH_ARM));
	assert_null(arch_personality(AUDIT_ARCH_X86_64));
}
#endif /* __aarch64__ */

struct call_case {
	uint32_t arch;
	uint64_t nr;
	uint64_t args[6];
	const char *fd_path;
	const char *expected;
};

/* Calls as the decoder formats them, one per flag, argument type and ABI. */
static const struct call_case format_cases[] = {
	{ UNITTEST_ARCH,
	  SYS_mmap,
	  { 0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0 },
	  NULL,
	  "mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)" },
	{ UNITTEST_ARCH,
	  SYS_mmap,
	  { 0, 8192, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_DENYWRITE, 3, 0x2000 },
	  "/lib/x.so",
	  "mmap(NULL, 8192, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_DENYWRITE, 3</lib/x.so>, "
	  "0x2000)" },
	/* No path known: the bare fd. */
	{ UNITTEST_ARCH,
	  SYS_mmap,
	  { 0, 8192, PROT_READ, MAP_SHARED, 3, 0 },
	  NULL,
	  "mmap(NULL, 8192, PROT_READ, MAP_SHARED, 3, 0)" },
	{ UNITTEST_ARCH,
	  SYS_mmap,
	  { 0x7f0000000000, 4096, PROT_NONE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, (uint64_t)-1,
	    0 },
	  NULL,
	  "mmap(0x7f0000000000, 4096, PROT_NONE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, "
	  "0)" },
	{ UNITTEST_ARCH,
	  SYS_munmap,
	  { 0x7f3a1c000000, 65536 },
	  NULL,
	  "munmap(0x7f3a1c000000, 65536)" },
	{ UNITTEST_ARCH, SYS_munmap, { 0, 0 }, NULL, "munmap(NULL, 0)" },
	{ UNITTEST_ARCH,
	  SYS_mprotect,
	  { 0x1000, 4096, PROT_READ },
	  NULL,
	  "mprotect(0x1000, 4096, PROT_READ)" },
	{ UNITTEST_ARCH,
	  SYS_mprotect,
	  { 0x1000, 4096, PROT_READ | 0x40 },
	  NULL,
	  "mprotect(0x1000, 4096, PROT_READ|0x40)" },
	{ UNITTEST_ARCH,
	  SYS_pkey_mprotect,
	  { 0x1000, 4096, PROT_READ | PROT_WRITE, 1 },
	  NULL,
	  "pkey_mprotect(0x1000, 4096, PROT_READ|PROT_WRITE, 1)" },
	{ UNITTEST_ARCH,
	  SYS_pkey_mprotect,
	  { 0x1000, 4096, PROT_NONE, (uint64_t)-1 },
	  NULL,
	  "pkey_mprotect(0x1000, 4096, PROT_NONE, -1)" },
	{ UNITTEST_ARCH, SYS_brk, { 0 }, NULL, "brk(NULL)" },
	{ UNITTEST_ARCH, SYS_brk, { 0x555555559000 }, NULL, "brk(0x555555559000)" },
	{ UNITTEST_ARCH,
	  SYS_madvise,
	  { 0x1000, 8192, MADV_DONTNEED },
	  NULL,
	  "madvise(0x1000, 8192, MADV_DONTNEED)" },
	{ UNITTEST_ARCH,
	  SYS_madvise,
	  { 0x1000, 4096, 5 },
	  NULL,
	  "madvise(0x1000, 4096, 0x5 /* MADV_??? */)" },
	/* new_address is shown only with MREMAP_FIXED: the kernel reads it only then. */
	{ UNITTEST_ARCH,
	  SYS_mremap,
	  { 0x1000, 4096, 8192, MREMAP_MAYMOVE, 0xdead000 },
	  NULL,
	  "mremap(0x1000, 4096, 8192, MREMAP_MAYMOVE)" },
	{ UNITTEST_ARCH,
	  SYS_mremap,
	  { 0x1000, 4096, 8192, 0, 0xdead000 },
	  NULL,
	  "mremap(0x1000, 4096, 8192, 0)" },
	{ UNITTEST_ARCH,
	  SYS_mremap,
	  { 0x1000, 4096, 8192, MREMAP_MAYMOVE | MREMAP_FIXED, 0x200000 },
	  NULL,
	  "mremap(0x1000, 4096, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x200000)" },
	{ UNITTEST_ARCH,
	  SYS_mremap,
	  { 0x1000, 4096, 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0x200000 },
	  NULL,
	  "mremap(0x1000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_DONTUNMAP)" },
	{ UNITTEST_ARCH,
	  SYS_mremap,
	  { 0x1000, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, 0 },
	  NULL,
	  "mremap(0x1000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, "
	  "NULL)" },
	{ UNITTEST_ARCH, SYS_shmat, { 5, 0, SHM_RDONLY }, NULL, "shmat(5, NULL, SHM_RDONLY)" },
	{ UNITTEST_ARCH, SYS_shmat, { 7, 0x7f0000000000, 0 }, NULL, "shmat(7, 0x7f0000000000, 0)" },
	{ UNITTEST_ARCH, SYS_shmdt, { 0x7f0000000000 }, NULL, "shmdt(0x7f0000000000)" },
	{ UNITTEST_ARCH, SYS_io_setup, { 128, 0x7ffd0000 }, NULL, "io_setup(128, 0x7ffd0000)" },
	{ UNITTEST_ARCH, SYS_io_destroy, { 0x7f0000001000 }, NULL, "io_destroy(0x7f0000001000)" },
	{ UNITTEST_ARCH,
	  SYS_remap_file_pages,
	  { 0x1000, 8192, PROT_NONE, 1, MAP_NONBLOCK },
	  NULL,
	  "remap_file_pages(0x1000, 8192, PROT_NONE, 1, MAP_NONBLOCK)" },
	{ UNITTEST_ARCH,
	  NR_MAP_SHADOW_STACK,
	  { 0, 4096, 1 },
	  NULL,
	  "map_shadow_stack(NULL, 4096, SHADOW_STACK_SET_TOKEN)" },
	{ UNITTEST_ARCH,
	  NR_MAP_SHADOW_STACK,
	  { 0, 4096, 3 },
	  NULL,
	  "map_shadow_stack(NULL, 4096, SHADOW_STACK_SET_TOKEN|SHADOW_STACK_SET_MARKER)" },
	{ UNITTEST_ARCH,
	  NR_MAP_SHADOW_STACK,
	  { 0, 4096, 0 },
	  NULL,
	  "map_shadow_stack(NULL, 4096, 0)" },
	{ UNITTEST_ARCH, NR_MSEAL, { 0x1000, 4096, 0 }, NULL, "mseal(0x1000, 4096, 0)" },
#if defined(__x86_64__)
	{ AUDIT_ARCH_I386,
	  192,
	  { 0, 4096, PROT_READ, MAP_PRIVATE | MAP_DENYWRITE, 3, 5 },
	  "/lib/x.so",
	  "mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</lib/x.so>, 0x5000)" },
	{ AUDIT_ARCH_I386,
	  192,
	  { 0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0xffffffff, 0 },
	  NULL,
	  "mmap2(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)" },
	{ AUDIT_ARCH_I386, 45, { 0x804c000 }, NULL, "brk(0x804c000)" },
	{ AUDIT_ARCH_I386,
	  163,
	  { 0xf7000000, 4096, 8192, MREMAP_MAYMOVE },
	  NULL,
	  "mremap(0xf7000000, 4096, 8192, MREMAP_MAYMOVE)" },
	{ AUDIT_ARCH_X86_64, X32(11), { 0x40001000, 4096 }, NULL, "munmap(0x40001000, 4096)" },
#endif
};

static void test_format_call(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(format_cases); i++) {
		const struct call_case *cc = &format_cases[i];
		struct sysdecode_call call;
		char buf[512];
		size_t len;

		decode(&call, cc->arch, cc->nr, cc->args[0], cc->args[1], cc->args[2], cc->args[3],
		       cc->args[4], cc->args[5]);
		len = sysdecode_format_call(buf, sizeof(buf), &call, cc->fd_path);
		assert_string_equal(buf, cc->expected);
		assert_int_equal(len, strlen(cc->expected));
	}
}

/* A call with no row (a foreign call that is not a memory call) still prints. */
static void test_format_call_unknown(void **state)
{
	const uint64_t args[6] = { 0 };
	struct sysdecode_call call;
	char buf[64], expected[64];

	(void)state;
	assert_int_equal(sysdecode_entry(&call, UNITTEST_ARCH, SYS_getpid, args), -ENOENT);
	sysdecode_format_call(buf, sizeof(buf), &call, NULL);
	(void)snprintf(expected, sizeof(expected), "syscall_%#x(?)", SYS_getpid);
	assert_string_equal(buf, expected);
}

struct result_case {
	uint64_t nr;
	int64_t rval;
	const char *expected;
	uint32_t arch;
	int err;
	bool finished;
};

#define RESULT(arch, nr, finished, rval, err, expected)             \
	{                                                           \
		(nr), (rval), (expected), (arch), (err), (finished) \
	}

static void test_format_result(void **state)
{
	static const struct result_case table[] = {
		/* Calls that return an address: hex. */
		RESULT(UNITTEST_ARCH, SYS_mmap, true, 0x7f3a1c000000, 0, "0x7f3a1c000000"),
		RESULT(UNITTEST_ARCH, SYS_mremap, true, 0x7f3a1c200000, 0, "0x7f3a1c200000"),
		RESULT(UNITTEST_ARCH, SYS_brk, true, 0x555555559000, 0, "0x555555559000"),
		RESULT(UNITTEST_ARCH, SYS_shmat, true, 0x7f0000000000, 0, "0x7f0000000000"),
		RESULT(UNITTEST_ARCH, NR_MAP_SHADOW_STACK, true, 0x7f0000100000, 0,
		       "0x7f0000100000"),
#if defined(__x86_64__)
		RESULT(AUDIT_ARCH_I386, 192, true, 0xf7f00000, 0, "0xf7f00000"),
#endif
		/* The others: a number. */
		RESULT(UNITTEST_ARCH, SYS_munmap, true, 0, 0, "0"),
		RESULT(UNITTEST_ARCH, SYS_mprotect, true, 0, 0, "0"),
		RESULT(UNITTEST_ARCH, SYS_madvise, true, 0, 0, "0"),
		RESULT(UNITTEST_ARCH, SYS_shmdt, true, 0, 0, "0"),
		RESULT(UNITTEST_ARCH, SYS_io_setup, true, 0, 0, "0"),
		/* Errors: -1, the errno's name and its text. */
		RESULT(UNITTEST_ARCH, SYS_mmap, true, -ENOMEM, ENOMEM,
		       "-1 ENOMEM (Cannot allocate memory)"),
		RESULT(UNITTEST_ARCH, SYS_munmap, true, -EINVAL, EINVAL,
		       "-1 EINVAL (Invalid argument)"),
		RESULT(UNITTEST_ARCH, SYS_mprotect, true, -EACCES, EACCES,
		       "-1 EACCES (Permission denied)"),
		RESULT(UNITTEST_ARCH, SYS_mmap, true, -EPERM, EPERM,
		       "-1 EPERM (Operation not permitted)"),
		RESULT(UNITTEST_ARCH, SYS_mmap, true, -EBADF, EBADF,
		       "-1 EBADF (Bad file descriptor)"),
		RESULT(UNITTEST_ARCH, SYS_mmap, true, -EEXIST, EEXIST, "-1 EEXIST (File exists)"),
		RESULT(UNITTEST_ARCH, SYS_mmap, true, -ENOSYS, ENOSYS,
		       "-1 ENOSYS (Function not implemented)"),
		/* Kernel-internal restart codes (include/linux/errno.h). */
		RESULT(UNITTEST_ARCH, SYS_mmap, true, -512, 512, "? ERESTARTSYS (To be restarted)"),
		RESULT(UNITTEST_ARCH, SYS_mmap, true, -513, 513,
		       "? ERESTARTNOINTR (To be restarted)"),
		RESULT(UNITTEST_ARCH, SYS_mmap, true, -514, 514,
		       "? ERESTARTNOHAND (To be restarted)"),
		RESULT(UNITTEST_ARCH, SYS_mmap, true, -516, 516,
		       "? ERESTART_RESTARTBLOCK (To be restarted)"),
		/* An errno with no name. */
		RESULT(UNITTEST_ARCH, SYS_mmap, true, -515, 515, "-1 E515 (Unknown error 515)"),
		RESULT(UNITTEST_ARCH, SYS_mmap, true, -4095, 4095, "-1 E4095 (Unknown error 4095)"),
		/* The task vanished inside the call. */
		RESULT(UNITTEST_ARCH, SYS_mmap, false, 0, 0, "?"),
		RESULT(UNITTEST_ARCH, SYS_munmap, false, -ENOMEM, ENOMEM, "?"),
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		const struct result_case *rc = &table[i];
		struct sysdecode_call call;
		char buf[128];
		size_t len;

		decode(&call, rc->arch, rc->nr, 0, 0, 0, 0, 0, 0);
		len = sysdecode_format_result(buf, sizeof(buf), &call, rc->finished, rc->rval,
					      rc->err);
		assert_string_equal(buf, rc->expected);
		assert_int_equal(len, strlen(rc->expected));
	}
}

#if defined(__x86_64__)
/* The numbers the seccomp filter traces are exactly the x86_64 rows, and exit_group. */
static void test_x86_64_traced(void **state)
{
	static const uint32_t expected[] = { 9,	  10,  11,  12,	 25,  28,  30, 67,
					     206, 207, 216, 329, 453, 462, 231 };
	const struct arch_personality *x86_64 = arch_personality(AUDIT_ARCH_X86_64);
	uint32_t nrs[64];
	size_t count;

	(void)state;
	assert_non_null(x86_64);
	assert_int_equal(x86_64->nr_known_max, KNOWN_MAX_X86_64);
	memset(nrs, 0xff, sizeof(nrs));
	count = sysdecode_traced(x86_64, nrs, ARRAY_SIZE(nrs));
	assert_int_equal(count, ARRAY_SIZE(expected));
	for (size_t i = 0; i < count; i++) {
		if (nrs[i] != expected[i])
			print_error("traced[%zu]\n", i);
		assert_int_equal(nrs[i], expected[i]);
		assert_true(nrs[i] <= KNOWN_MAX_X86_64);
	}
	assert_int_equal(nrs[count], 0xffffffffU);

	/* And every number with a row is listed; exit_group, which has none, too. */
	for (uint32_t nr = 0; nr <= KNOWN_MAX_X86_64 + 1; nr++) {
		bool listed = false, wanted = sysdecode_lookup(AUDIT_ARCH_X86_64, nr) ||
					      sysdecode_is_exit_group(AUDIT_ARCH_X86_64, nr);

		for (size_t i = 0; i < count; i++)
			listed |= nrs[i] == nr;
		if (listed != wanted)
			fail_msg("nr %u: listed %d, wanted %d", nr, listed, wanted);
	}
	assert_true(sysdecode_is_exit_group(AUDIT_ARCH_I386, 252));
	assert_false(sysdecode_is_exit_group(AUDIT_ARCH_I386, 231));
	assert_false(sysdecode_is_exit_group(AUDIT_ARCH_X86_64, 60));

	/* A short array: filled up to cap, the full count returned. */
	memset(nrs, 0xff, sizeof(nrs));
	assert_int_equal(sysdecode_traced(x86_64, nrs, 3), ARRAY_SIZE(expected));
	assert_int_equal(nrs[0], 9);
	assert_int_equal(nrs[1], 10);
	assert_int_equal(nrs[2], 11);
	assert_int_equal(nrs[3], 0xffffffffU);
	assert_int_equal(sysdecode_traced(x86_64, NULL, 0), ARRAY_SIZE(expected));
}

/* The i386 numbers traced: its rows, exit_group (252) and ipc (117, which multiplexes shmat). */
static void test_i386_traced(void **state)
{
	static const uint32_t expected[] = { 45,  90,  91,  125, 163, 192, 219, 245,
					     246, 257, 380, 397, 398, 462, 252, 117 };
	const struct arch_personality *i386 = arch_personality(AUDIT_ARCH_I386);
	uint32_t nrs[64];
	size_t count;

	(void)state;
	assert_non_null(i386);
	assert_int_equal(i386->nr_known_max, KNOWN_MAX_X86_64);
	assert_int_equal(i386->nr_abi_bit, 0);
	assert_true(i386->args_32bit);
	count = sysdecode_traced(i386, nrs, ARRAY_SIZE(nrs));
	assert_int_equal(count, ARRAY_SIZE(expected));
	for (size_t i = 0; i < count; i++)
		assert_int_equal(nrs[i], expected[i]);
	/* Unknown architectures have no personality. */
	assert_null(arch_personality(AUDIT_ARCH_AARCH64));
	assert_null(arch_personality(0));
}

#endif /* __x86_64__ */

struct fd_case {
	uint64_t nr;
	uint64_t flags;
	uint64_t fd;
	uint32_t arch;
	bool has_fd;
};

#define FD_CASE(arch, nr, flags, fd, has_fd)          \
	{                                             \
		(nr), (flags), (fd), (arch), (has_fd) \
	}

static void test_has_fd(void **state)
{
	static const struct fd_case table[] = {
		FD_CASE(UNITTEST_ARCH, SYS_mmap, MAP_PRIVATE, 3, true),
		FD_CASE(UNITTEST_ARCH, SYS_mmap, MAP_SHARED, 0, true),
		FD_CASE(UNITTEST_ARCH, SYS_mmap, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, false),
		/* MAP_ANONYMOUS ignores the fd, whatever it is. */
		FD_CASE(UNITTEST_ARCH, SYS_mmap, MAP_PRIVATE | MAP_ANONYMOUS, 3, false),
		/* No MAP_ANONYMOUS but fd -1: no file to name. */
		FD_CASE(UNITTEST_ARCH, SYS_mmap, MAP_PRIVATE, (uint64_t)-1, false),
		/* -1 written to a 32-bit register: still -1 for fget(), which takes an int. */
		FD_CASE(UNITTEST_ARCH, SYS_mmap, MAP_PRIVATE, 0xffffffff, false),
#if defined(__x86_64__)
		FD_CASE(AUDIT_ARCH_X86_64, X32(9), MAP_PRIVATE, 0xffffffff, false),
		FD_CASE(AUDIT_ARCH_X86_64, X32(9), MAP_PRIVATE, (uint64_t)-1, false),
		FD_CASE(AUDIT_ARCH_I386, 192, MAP_PRIVATE, 5, true),
		FD_CASE(AUDIT_ARCH_I386, 192, MAP_PRIVATE, 0xffffffff, false),
		FD_CASE(AUDIT_ARCH_X86_64, X32(9), MAP_SHARED, 6, true),
#endif
		/* Calls without an fd argument. */
		FD_CASE(UNITTEST_ARCH, SYS_munmap, MAP_PRIVATE, 3, false),
		FD_CASE(UNITTEST_ARCH, SYS_mprotect, MAP_PRIVATE, 3, false),
		FD_CASE(UNITTEST_ARCH, SYS_mremap, MAP_PRIVATE, 3, false),
		FD_CASE(UNITTEST_ARCH, SYS_remap_file_pages, MAP_PRIVATE, 3, false),
	};
	const uint64_t args[6] = { 0 };
	struct sysdecode_call call;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		const struct fd_case *fc = &table[i];

		decode(&call, fc->arch, fc->nr, 0, 4096, PROT_READ, fc->flags, fc->fd, 0);
		if (sysdecode_has_fd(&call) != fc->has_fd)
			print_error("row %zu: arch %#x nr %#llx flags %#llx fd %lld\n", i, fc->arch,
				    (unsigned long long)fc->nr, (unsigned long long)fc->flags,
				    (long long)fc->fd);
		assert_int_equal(sysdecode_has_fd(&call), fc->has_fd);
		if (fc->has_fd)
			assert_int_equal(sysdecode_fd(&call), (int)fc->fd);
	}

	/* Not decoded at all. */
	assert_int_equal(sysdecode_entry(&call, UNITTEST_ARCH, SYS_getpid, args), -ENOENT);
	assert_false(sysdecode_has_fd(&call));
}

/*
 * A kind is named after the x86_64 system call that has it: the numbers
 * come from the C library's <sys/syscall.h> (the calls newer than Debian
 * 12's headers from the kernel's arch/x86/entry/syscalls/syscall_64.tbl),
 * the names from memtrace's table; every kind but "other" is one call's.
 */
static void test_kind_name(void **state)
{
	static const struct {
		long nr;
		const char *name;
	} calls[] = {
		{ SYS_mmap, "mmap" },
		{ SYS_munmap, "munmap" },
		{ SYS_mprotect, "mprotect" },
		{ SYS_pkey_mprotect, "pkey_mprotect" },
		{ SYS_brk, "brk" },
		{ SYS_madvise, "madvise" },
		{ SYS_mremap, "mremap" },
		{ SYS_shmat, "shmat" },
		{ SYS_shmdt, "shmdt" },
		{ SYS_io_setup, "io_setup" },
		{ SYS_io_destroy, "io_destroy" },
		{ SYS_remap_file_pages, "remap_file_pages" },
		{ NR_MAP_SHADOW_STACK, "map_shadow_stack" },
		{ NR_MSEAL, "mseal" },
	};
	bool named[SYSDECODE_NKINDS] = { false };

	(void)state;
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct sysent *ent = sysdecode_lookup(UNITTEST_ARCH, (uint64_t)calls[i].nr);

		assert_non_null(ent);
		assert_string_equal(ent->name, calls[i].name);
		assert_string_equal(sysdecode_kind_name(ent->kind), calls[i].name);
		assert_false(named[ent->kind]);
		named[ent->kind] = true;
	}
	for (int kind = 0; kind < SYSDECODE_NKINDS; kind++)
		assert_true(named[kind] || kind == SYSDECODE_NONE);
	assert_string_equal(sysdecode_kind_name(SYSDECODE_NONE), "other");
	assert_string_equal(sysdecode_kind_name(SYSDECODE_NKINDS), "?");
}

/* Where a call may act, as its entry tells: what decides which calls run together. */
struct span_case {
	long nr;
	uint64_t args[6];
	enum sysdecode_span span;
	uint64_t start, end;
};

/* Each case decoded with the host's numbers, its span with pages of page bytes. */
static void check_spans(const struct span_case *cases, size_t count, uint64_t page)
{
	for (size_t i = 0; i < count; i++) {
		struct sysdecode_call call;
		uint64_t start, end;
		enum sysdecode_span span;

		assert_int_equal(
			sysdecode_entry(&call, UNITTEST_ARCH, (uint64_t)cases[i].nr, cases[i].args),
			0);
		span = sysdecode_span(&call, page, &start, &end);
		if (span != cases[i].span)
			fail_msg("case %zu: span %d, want %d", i, (int)span, (int)cases[i].span);
		if (span == SYSDECODE_SPAN_RANGE || span == SYSDECODE_SPAN_RESULT) {
			assert_int_equal(start, cases[i].start);
			assert_int_equal(end, cases[i].end);
		}
	}
}

static void test_span(void **state)
{
	static const struct span_case cases[] = {
		/* mmap where the kernel chooses: a length; MAP_FIXED: its range */
		{ SYS_mmap,
		  { 0, 5000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1UL, 0 },
		  SYSDECODE_SPAN_RESULT,
		  0,
		  8192 },
		{ SYS_mmap,
		  { 0x10000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1UL, 0 },
		  SYSDECODE_SPAN_RANGE,
		  0x10000,
		  0x11000 },
		{ SYS_mmap,
		  { 0x10000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		    -1UL, 0 },
		  SYSDECODE_SPAN_RANGE,
		  0x10000,
		  0x11000 },
		/* huge pages round to a size the call does not give */
		{ SYS_mmap,
		  { 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1UL, 0 },
		  SYSDECODE_SPAN_ALL,
		  0,
		  0 },
		{ SYS_munmap, { 0x20000, 1 }, SYSDECODE_SPAN_RANGE, 0x20000, 0x21000 },
		{ SYS_mprotect,
		  { 0x20000, 8192, PROT_READ },
		  SYSDECODE_SPAN_RANGE,
		  0x20000,
		  0x22000 },
		{ SYS_mprotect,
		  { 0x20000, 8192, PROT_READ | PROT_GROWSDOWN },
		  SYSDECODE_SPAN_ALL,
		  0,
		  0 },
		{ SYS_madvise,
		  { 0x20000, 4096, MADV_DONTNEED },
		  SYSDECODE_SPAN_RANGE,
		  0x20000,
		  0x21000 },
		/* a length that wraps around */
		{ SYS_munmap, { 0x20000, UINT64_MAX - 10 }, SYSDECODE_SPAN_ALL, 0, 0 },
		{ SYS_brk, { 0 }, SYSDECODE_SPAN_ALL, 0, 0 },
		{ SYS_mremap, { 0x20000, 4096, 8192, MREMAP_MAYMOVE }, SYSDECODE_SPAN_ALL, 0, 0 },
		{ SYS_shmat, { 1, 0, 0 }, SYSDECODE_SPAN_ALL, 0, 0 },
	};

	(void)state;
	check_spans(cases, ARRAY_SIZE(cases), 4096);
}

/* The same with arm64's 64 KiB pages: lengths round to them. */
static void test_span_64k(void **state)
{
	static const struct span_case cases[] = {
		{ SYS_mmap,
		  { 0, 5000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1UL, 0 },
		  SYSDECODE_SPAN_RESULT,
		  0,
		  65536 },
		{ SYS_mmap,
		  { 0x40000, 65537, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1UL, 0 },
		  SYSDECODE_SPAN_RANGE,
		  0x40000,
		  0x60000 },
		{ SYS_munmap, { 0x20000, 1 }, SYSDECODE_SPAN_RANGE, 0x20000, 0x30000 },
		{ SYS_mprotect,
		  { 0x20000, 8192, PROT_READ },
		  SYSDECODE_SPAN_RANGE,
		  0x20000,
		  0x30000 },
		{ SYS_madvise,
		  { 0x20000, 131072, MADV_DONTNEED },
		  SYSDECODE_SPAN_RANGE,
		  0x20000,
		  0x40000 },
	};

	(void)state;
	check_spans(cases, ARRAY_SIZE(cases), 65536);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_span_64k),
		cmocka_unit_test(test_prot),
		cmocka_unit_test(test_mmap_types),
		cmocka_unit_test(test_mmap_flag_names),
		cmocka_unit_test(test_mmap_huge),
		cmocka_unit_test(test_mmap_all_bits),
		cmocka_unit_test(test_madvise),
		cmocka_unit_test(test_mremap_flags),
		cmocka_unit_test(test_shm_flags),
		cmocka_unit_test(test_snprintf_contract),
		cmocka_unit_test(test_format_call_long),
#if defined(__x86_64__)
		cmocka_unit_test(test_lookup_x86_64),
		cmocka_unit_test(test_lookup_i386),
		cmocka_unit_test(test_lookup_x32),
		cmocka_unit_test(test_entry_x86_64),
		cmocka_unit_test(test_entry_i386_mmap2),
		cmocka_unit_test(test_entry_i386_narrowing),
		cmocka_unit_test(test_entry_i386_old_mmap),
		cmocka_unit_test(test_entry_x32),
		cmocka_unit_test(test_x86_64_traced),
		cmocka_unit_test(test_i386_traced),
#elif defined(__aarch64__)
		cmocka_unit_test(test_lookup_aarch64),
		cmocka_unit_test(test_entry_aarch64),
		cmocka_unit_test(test_aarch64_traced),
#endif
		cmocka_unit_test(test_format_call),
		cmocka_unit_test(test_format_call_unknown),
		cmocka_unit_test(test_format_result),
		cmocka_unit_test(test_has_fd),
		cmocka_unit_test(test_kind_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
