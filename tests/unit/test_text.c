/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the text report's lines that name an origin, a backing,
 * a protection and a process's end (report/text.c): the summary line of
 * a process however it ended, and a --verify mismatch with each kind of
 * origin.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "../../report/report.h"
#include "../../report/text.h"

/* The summary line of proc, whole (width 0). */
static char *summary_of(const struct report_proc *proc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	text_proc_summary(out, proc, 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void check_summary(const struct report_proc *proc, const char *want)
{
	char *got = summary_of(proc);

	assert_string_equal(got, want);
	free(got);
}

static void test_summary_ends(void **state)
{
	struct report_proc proc = { .pid = 42, .exe = "/bin/prog" };

	(void)state;
	proc.calls[SYSDECODE_MMAP] = 2;
	proc.calls[SYSDECODE_BRK] = 1;
	check_summary(&proc,
		      "memtrace: [42] /bin/prog: 3 memory calls (mmap 2, brk 1); still running\n");
	proc.end.how = NAMES_END_DETACHED;
	proc.failed = 1;
	check_summary(&proc, "memtrace: [42] /bin/prog: 3 memory calls (mmap 2, brk 1), 1 failed; "
			     "detached, running on\n");
	proc.failed = 0;
	proc.end = (struct names_ending){ .how = NAMES_END_EXITED, .code = 7 };
	check_summary(&proc,
		      "memtrace: [42] /bin/prog: 3 memory calls (mmap 2, brk 1); exited with 7\n");
	proc.end = (struct names_ending){ .how = NAMES_END_KILLED, .code = SIGABRT };
	check_summary(
		&proc,
		"memtrace: [42] /bin/prog: 3 memory calls (mmap 2, brk 1); killed by SIGABRT\n");
	proc.end = (struct names_ending){ .how = NAMES_END_KILLED,
					  .code = SIGSEGV,
					  .core_dumped = true };
	memset(proc.calls, 0, sizeof(proc.calls));
	check_summary(&proc, "memtrace: [42] /bin/prog: 0 memory calls; killed by SIGSEGV (core "
			     "dumped)\n");
}

/* A mismatch names each model region's origin, the kernel's regions without one. */
static void test_verify_mismatch(void **state)
{
	static const struct {
		enum aspace_origin_kind kind;
		uint64_t seq;
	} origins[] = {
		{ ASPACE_ORIGIN_CALL, 17 },
		{ ASPACE_ORIGIN_EXEC, 0 },
		{ ASPACE_ORIGIN_ATTACH, 0 },
		{ ASPACE_ORIGIN_KERNEL, 0 },
	};
	struct strtab *paths = strtab_new();
	struct mm_diff diff = { .nranges = 1, .ranges = { { 0x10000, 0x20000 } } };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	for (size_t i = 0; i < sizeof(origins) / sizeof(origins[0]); i++)
		diff.model[diff.nmodel++] = (struct aspace_region){
			.start = 0x10000 + i * 0x1000,
			.end = 0x11000 + i * 0x1000,
			.prot = PROT_READ | PROT_WRITE,
			.backing = ASPACE_BACKING_ANON,
			.origin = { .kind = origins[i].kind, .seq = origins[i].seq },
		};
	diff.kernel[diff.nkernel++] = (struct aspace_region){
		.start = 0x10000,
		.end = 0x20000,
		.prot = PROT_READ | PROT_EXEC,
		.flags = ASPACE_SHARED,
		.backing = ASPACE_BACKING_FILE,
		.path = strtab_intern(paths, "/lib/x.so", 9),
	};
	text_verify_mismatch(out, 42, 17, &diff, paths);
	text_verify_mismatch(
		out, 42, 0,
		&(struct mm_diff){ .nranges = 2,
				   .ranges = { { 0x30000, 0x31000 }, { 0x40000, 0x41000 } } },
		paths);
	assert_int_equal(fclose(out), 0);
	assert_string_equal(text,
			    "memtrace: verify: [42] after #17: 1 range differs: 0x10000-0x20000\n"
			    "  model   0x10000-0x11000 rw-p anon    #17\n"
			    "  model   0x11000-0x12000 rw-p anon    [exec]\n"
			    "  model   0x12000-0x13000 rw-p anon    [before attach]\n"
			    "  model   0x13000-0x14000 rw-p anon    [kernel]\n"
			    "  kernel  0x10000-0x20000 r-xs file    /lib/x.so\n"
			    "memtrace: verify: [42] at exit: 2 ranges differ: 0x30000-0x31000 "
			    "0x40000-0x41000\n");
	free(text);
	strtab_free(paths);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_ends),
		cmocka_unit_test(test_verify_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
