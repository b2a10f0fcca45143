/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of report/eventlog: the --events lines, built from calls and
 * processes made by hand (no engine, no tracee), written to memory streams.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/audit.h>

#include <sys/syscall.h>
#include <cmocka.h>

#include "../../report/eventlog.h"
#include "../../report/report.h"
#include "sysdecode.h"
#include "aspace.h"
#include "unittest.h"
#include "util.h"

#define NS_PER_SEC 1000000000ULL
#define NS_PER_USEC 1000ULL

static void decode(struct sysdecode_call *call, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		   uint64_t a3, uint64_t a4, uint64_t a5)
{
	const uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };

	assert_int_equal(sysdecode_entry(call, UNITTEST_ARCH, nr, args), 0);
}

/* The anonymous mmap of eventlog.h's example. */
static void decode_anon_mmap(struct sysdecode_call *call)
{
	decode(call, SYS_mmap, 0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	       (uint64_t)-1, 0);
}

#define ANON_MMAP "mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)"

static void check_line(const struct engine_call *ev, const char *expected)
{
	char buf[1024];
	size_t len = eventlog_format_call(buf, sizeof(buf), ev);

	assert_string_equal(buf, expected);
	assert_int_equal(len, strlen(expected));
}

static void test_format_call(void **state)
{
	struct sysdecode_call mmap_call, munmap_call, file_call;
	struct engine_call ev = {
		.seq = 1,
		.time_ns = 4211 * NS_PER_USEC,
		.pid = 4242,
		.tid = 4242,
		.call = &mmap_call,
		.finished = true,
		.rval = 0x7f3a1c000000,
	};

	(void)state;
	decode_anon_mmap(&mmap_call);
	check_line(&ev, "0.004211 [4242] #1 " ANON_MMAP " = 0x7f3a1c000000");

	/* Another thread of the process: [pid/tid]. */
	decode(&munmap_call, SYS_munmap, 0x7f3a1c000000, 65536, 0, 0, 0, 0);
	ev.seq = 2;
	ev.call = &munmap_call;
	ev.time_ns = 4388 * NS_PER_USEC;
	ev.tid = 4250;
	ev.rval = 0;
	check_line(&ev, "0.004388 [4242/4250] #2 munmap(0x7f3a1c000000, 65536) = 0");

	/* A file mapping names its file. */
	decode(&file_call, SYS_mmap, 0, 8192, PROT_READ, MAP_PRIVATE | MAP_DENYWRITE, 3, 0x1000);
	ev.seq = 3;
	ev.call = &file_call;
	ev.tid = 4242;
	ev.fd_path = "/lib/x.so";
	ev.rval = 0x7f3a1c100000;
	check_line(&ev, "0.004388 [4242] #3 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, "
			"3</lib/x.so>, 0x1000) = 0x7f3a1c100000");

	/* A failed call. */
	ev.seq = 12345678901ULL;
	ev.call = &mmap_call;
	ev.fd_path = NULL;
	ev.rval = -ENOMEM;
	ev.err = ENOMEM;
	check_line(&ev, "0.004388 [4242] #12345678901 " ANON_MMAP
			" = -1 ENOMEM (Cannot allocate memory)");

	/* The task exited (or exec'd) inside the call: no result. */
	ev.finished = false;
	ev.tid = 4243;
	check_line(&ev, "0.004388 [4242/4243] #12345678901 " ANON_MMAP " = ?");
}

/*
 * Seconds and microseconds since start, truncated (never rounded up: a
 * call at 0.9999999 s did not happen at 1.000000).
 */
static void test_format_time(void **state)
{
	static const struct {
		uint64_t time_ns;
		const char *expected;
	} table[] = {
		{ 0, "0.000000 [7] #9 brk(NULL) = 0x555555559000" },
		{ 999, "0.000000 [7] #9 brk(NULL) = 0x555555559000" },
		{ 1000, "0.000001 [7] #9 brk(NULL) = 0x555555559000" },
		{ 1 * NS_PER_SEC + 1000, "1.000001 [7] #9 brk(NULL) = 0x555555559000" },
		{ 12 * NS_PER_SEC + 345678 * NS_PER_USEC,
		  "12.345678 [7] #9 brk(NULL) = 0x555555559000" },
		{ 12 * NS_PER_SEC + 345678999, "12.345678 [7] #9 brk(NULL) = 0x555555559000" },
		{ NS_PER_SEC - 1, "0.999999 [7] #9 brk(NULL) = 0x555555559000" },
		{ 86400 * NS_PER_SEC + 50 * NS_PER_USEC,
		  "86400.000050 [7] #9 brk(NULL) = 0x555555559000" },
	};
	struct sysdecode_call brk_call;
	struct engine_call ev = {
		.seq = 9,
		.pid = 7,
		.tid = 7,
		.call = &brk_call,
		.finished = true,
		.rval = 0x555555559000,
	};

	(void)state;
	decode(&brk_call, SYS_brk, 0, 0, 0, 0, 0, 0);
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		ev.time_ns = table[i].time_ns;
		check_line(&ev, table[i].expected);
	}
}

/*
 * The snprintf contract of eventlog_format_call(): at every size, the
 * whole length is returned and the buffer holds the longest prefix of the
 * line that fits, NUL-terminated, with nothing written at or past size.
 */
static void check_truncation(const struct engine_call *ev, const char *expected)
{
	char full[256];
	size_t len = eventlog_format_call(full, sizeof(full), ev);

	assert_string_equal(full, expected);
	assert_int_equal(len, strlen(expected));
	assert_int_equal(eventlog_format_call(NULL, 0, ev), len);
	for (size_t size = 0; size <= len + 1; size++) {
		char buf[sizeof(full) + 16];
		size_t kept = size ? (size - 1 < len ? size - 1 : len) : 0;

		memset(buf, '#', sizeof(buf));
		assert_int_equal(eventlog_format_call(buf, size, ev), len);
		if (size) {
			if (memcmp(buf, full, kept) != 0 || buf[kept] != '\0')
				fail_msg("size %zu: expected \"%.*s\", got \"%.*s\"", size,
					 (int)kept, full, (int)kept, buf);
		}
		for (size_t i = size; i < sizeof(buf); i++)
			if (buf[i] != '#')
				fail_msg("size %zu: byte %zu written", size, i);
	}
}

static void test_format_truncated(void **state)
{
	struct sysdecode_call mmap_call, munmap_call;
	struct aspace_piece trim = {
		.kind = ASPACE_PIECE_UNMAPPED,
		.start = 0x7f3a1c000000,
		.end = 0x7f3a1c001000,
		.origin_seq = 17,
		.origin_kind = ASPACE_ORIGIN_CALL,
		.origin_left = 61440,
		.origin_total = 65536,
	};
	struct aspace_changes changes = { .pieces = &trim, .count = 1, .cap = 1 };
	struct engine_call ev = {
		.seq = 17,
		.time_ns = 4211 * NS_PER_USEC,
		.pid = 4242,
		.tid = 4250,
		.call = &mmap_call,
		.finished = true,
		.rval = -ENOMEM,
		.err = ENOMEM,
	};

	(void)state;
	decode_anon_mmap(&mmap_call);
	check_truncation(&ev, "0.004211 [4242/4250] #17 " ANON_MMAP
			      " = -1 ENOMEM (Cannot allocate memory)");
	decode(&munmap_call, SYS_munmap, 0x7f3a1c000000, 4096, 0, 0, 0, 0);
	ev.seq = 18;
	ev.call = &munmap_call;
	ev.rval = 0;
	ev.err = 0;
	ev.changes = &changes;
	check_truncation(&ev, "0.004211 [4242/4250] #18 munmap(0x7f3a1c000000, 4096) = 0"
			      "  # trims #17 by 4 KiB");
}

/* A piece of what a call did to the memory of an earlier event. */
#define PIECE(k, okind, seq, bytes, left, total)                                              \
	{                                                                                     \
		.kind = (k), .start = 0x10000, .end = 0x10000 + (bytes), .origin_seq = (seq), \
		.origin_kind = (okind), .origin_left = (left), .origin_total = (total)        \
	}
#define UNMAPPED(seq, bytes, left, total) \
	PIECE(ASPACE_PIECE_UNMAPPED, ASPACE_ORIGIN_CALL, seq, bytes, left, total)
#define MAX_NOTE_PIECES 12

struct note_case {
	const char *what;
	size_t count;
	struct aspace_piece pieces[MAX_NOTE_PIECES];
	const char *expected; /* after "... = 0" */
};

/*
 * The note after a call: which earlier calls' memory it unmapped,
 * re-protected, moved or released.  An unmap that takes the last bytes of
 * #17 and all of them "unmaps #17"; the last of several "unmaps the rest";
 * one that leaves some "trims".
 *
 *	#17: |----|----|----|      unmap the first page:   trims #17 by 4 KiB
 *	#17:      |----|----|      unmap the other two:    unmaps the rest of #17 (8 KiB)
 */
static const struct note_case note_cases[] = {
	{ "whole", 1, { UNMAPPED(17, 4096, 0, 4096) }, "  # unmaps #17" },
	{ "trim", 1, { UNMAPPED(17, 4096, 8192, 12288) }, "  # trims #17 by 4 KiB" },
	{ "rest", 1, { UNMAPPED(17, 8192, 0, 12288) }, "  # unmaps the rest of #17 (8 KiB)" },
	/* Two regions of #17 unmapped by one call: summed, judged by the last. */
	{ "whole in two pieces",
	  2,
	  { UNMAPPED(17, 4096, 4096, 8192), UNMAPPED(17, 4096, 0, 8192) },
	  "  # unmaps #17" },
	{ "rest in two pieces",
	  2,
	  { UNMAPPED(17, 4096, 8192, 16384), UNMAPPED(17, 4096, 0, 16384) },
	  "  # unmaps the rest of #17 (8 KiB)" },
	{ "exec",
	  1,
	  { PIECE(ASPACE_PIECE_UNMAPPED, ASPACE_ORIGIN_EXEC, 0, 8192, 0, 0) },
	  "  # unmaps 8 KiB of [exec]" },
	{ "attach",
	  1,
	  { PIECE(ASPACE_PIECE_UNMAPPED, ASPACE_ORIGIN_ATTACH, 0, 1572864, 0, 0) },
	  "  # unmaps 1.5 MiB of [before attach]" },
	{ "kernel",
	  1,
	  { PIECE(ASPACE_PIECE_UNMAPPED, ASPACE_ORIGIN_KERNEL, 0, 4096, 0, 0) },
	  "  # unmaps 4 KiB of [kernel]" },
	{ "protect",
	  1,
	  { PIECE(ASPACE_PIECE_PROTECTED, ASPACE_ORIGIN_CALL, 17, 4096, 0, 0) },
	  "  # re-protects 4 KiB of #17" },
	{ "move",
	  1,
	  { PIECE(ASPACE_PIECE_MOVED, ASPACE_ORIGIN_CALL, 17, 1572864, 0, 0) },
	  "  # moves 1.5 MiB of #17" },
	{ "release",
	  1,
	  { PIECE(ASPACE_PIECE_RELEASED, ASPACE_ORIGIN_CALL, 17, 65536, 0, 0) },
	  "  # releases 64 KiB of #17" },
	/* The call's own new bytes say nothing. */
	{ "mapped only",
	  1,
	  { PIECE(ASPACE_PIECE_MAPPED, ASPACE_ORIGIN_CALL, 18, 4096, 0, 0) },
	  "" },
	{ "nothing", 0, { { 0 } }, "" },
	/* Phrases in order of first appearance, mapped pieces skipped. */
	{ "several",
	  4,
	  { UNMAPPED(17, 4096, 0, 4096),
	    PIECE(ASPACE_PIECE_MAPPED, ASPACE_ORIGIN_CALL, 18, 4096, 0, 0),
	    UNMAPPED(20, 4096, 4096, 8192),
	    PIECE(ASPACE_PIECE_PROTECTED, ASPACE_ORIGIN_CALL, 17, 4096, 0, 0) },
	  "  # unmaps #17, trims #20 by 4 KiB, re-protects 4 KiB of #17" },
	/* Eight phrases at most, then a count. */
	{ "ten",
	  10,
	  { UNMAPPED(1, 4096, 0, 4096), UNMAPPED(2, 4096, 0, 4096), UNMAPPED(3, 4096, 0, 4096),
	    UNMAPPED(4, 4096, 0, 4096), UNMAPPED(5, 4096, 0, 4096), UNMAPPED(6, 4096, 0, 4096),
	    UNMAPPED(7, 4096, 0, 4096), UNMAPPED(8, 4096, 0, 4096), UNMAPPED(9, 4096, 0, 4096),
	    UNMAPPED(10, 4096, 0, 4096) },
	  "  # unmaps #1, unmaps #2, unmaps #3, unmaps #4, unmaps #5, unmaps #6, unmaps #7, "
	  "unmaps #8, and 2 more pieces" },
};

static void test_format_note(void **state)
{
	struct sysdecode_call munmap_call;
	struct engine_call ev = {
		.seq = 18,
		.time_ns = NS_PER_SEC,
		.pid = 4242,
		.tid = 4242,
		.call = &munmap_call,
		.finished = true,
	};

	(void)state;
	decode(&munmap_call, SYS_munmap, 0x10000, 4096, 0, 0, 0, 0);
	/* No changes at all (the model is off). */
	check_line(&ev, "1.000000 [4242] #18 munmap(0x10000, 4096) = 0");
	for (size_t i = 0; i < ARRAY_SIZE(note_cases); i++) {
		const struct note_case *nc = &note_cases[i];
		struct aspace_piece pieces[MAX_NOTE_PIECES];
		struct aspace_changes changes = {
			.pieces = pieces,
			.count = nc->count,
			.cap = MAX_NOTE_PIECES,
		};
		char expected[512];
		char got[512];

		memcpy(pieces, nc->pieces, sizeof(pieces));
		ev.changes = &changes;
		(void)snprintf(expected, sizeof(expected),
			       "1.000000 [4242] #18 munmap(0x10000, 4096) = 0%s", nc->expected);
		(void)eventlog_format_call(got, sizeof(got), &ev);
		if (strcmp(got, expected) != 0)
			print_error("case \"%s\"\n", nc->what);
		check_line(&ev, expected);
	}
}

/* An open_memstream() sink and the text written to it so far. */
struct memout {
	FILE *file;
	char *text;
	size_t len;
};

static int memout_setup(void **state)
{
	struct memout *out = calloc(1, sizeof(*out));

	if (!out)
		return -1;
	out->file = open_memstream(&out->text, &out->len);
	if (!out->file) {
		free(out);
		return -1;
	}
	*state = out;
	return 0;
}

static int memout_teardown(void **state)
{
	struct memout *out = *state;

	(void)fclose(out->file);
	free(out->text);
	free(out);
	return 0;
}

static const char *memout_text(struct memout *out)
{
	assert_int_equal(fflush(out->file), 0);
	return out->text;
}

static void test_call_lines(void **state)
{
	struct memout *out = *state;
	struct eventlog *log = eventlog_new(out->file);
	struct sysdecode_call mmap_call, munmap_call;
	struct engine_call ev = {
		.seq = 1,
		.time_ns = 4211 * NS_PER_USEC,
		.pid = 4242,
		.tid = 4242,
		.call = &mmap_call,
		.finished = true,
		.rval = 0x7f3a1c000000,
	};

	decode_anon_mmap(&mmap_call);
	decode(&munmap_call, SYS_munmap, 0x7f3a1c000000, 65536, 0, 0, 0, 0);
	eventlog_call(log, &ev);
	ev.seq = 2;
	ev.time_ns = 4388 * NS_PER_USEC;
	ev.tid = 4250;
	ev.call = &munmap_call;
	ev.rval = 0;
	eventlog_call(log, &ev);
	assert_string_equal(memout_text(out),
			    "0.004211 [4242] #1 " ANON_MMAP " = 0x7f3a1c000000\n"
			    "0.004388 [4242/4250] #2 munmap(0x7f3a1c000000, 65536) = 0\n");
	eventlog_free(log);
}

/* eventlog_free() flushes what the log wrote. */
static void test_free_flushes(void **state)
{
	struct memout *out = *state;
	struct eventlog *log = eventlog_new(out->file);
	struct sysdecode_call brk_call;
	struct engine_call ev = {
		.seq = 5,
		.time_ns = NS_PER_SEC,
		.pid = 1,
		.tid = 1,
		.call = &brk_call,
		.finished = true,
		.rval = 0x1000,
	};

	decode(&brk_call, SYS_brk, 0, 0, 0, 0, 0, 0);
	eventlog_call(log, &ev);
	eventlog_free(log);
	/* No fflush of our own: open_memstream() updates text on the log's flush. */
	assert_non_null(out->text);
	assert_string_equal(out->text, "1.000000 [1] #5 brk(NULL) = 0x1000\n");
	eventlog_free(NULL);
}

/* A process that ended as end says. */
static struct report_proc ended_proc(pid_t pid, struct names_ending end)
{
	return (struct report_proc){ .pid = pid, .end = end };
}

#define EXITED(status) ((struct names_ending){ .how = NAMES_END_EXITED, .code = (status) })
#define KILLED(sig) ((struct names_ending){ .how = NAMES_END_KILLED, .code = (sig) })
#define KILLED_CORE(sig) \
	((struct names_ending){ .how = NAMES_END_KILLED, .code = (sig), .core_dumped = true })

static void test_proc_end(void **state)
{
	static const struct {
		struct names_ending end;
		const char *expected;
	} table[] = {
		{ EXITED(0), "0.005020 [4242] +++ exited with 0 +++\n" },
		{ EXITED(3), "0.005020 [4242] +++ exited with 3 +++\n" },
		{ EXITED(255), "0.005020 [4242] +++ exited with 255 +++\n" },
		{ KILLED(SIGKILL), "0.005020 [4242] +++ killed by SIGKILL +++\n" },
		{ KILLED(SIGTERM), "0.005020 [4242] +++ killed by SIGTERM +++\n" },
		{ KILLED(SIGSYS), "0.005020 [4242] +++ killed by SIGSYS +++\n" },
		{ KILLED_CORE(SIGSEGV),
		  "0.005020 [4242] +++ killed by SIGSEGV (core dumped) +++\n" },
		{ KILLED_CORE(SIGABRT),
		  "0.005020 [4242] +++ killed by SIGABRT (core dumped) +++\n" },
	};
	struct memout *out = *state;
	struct eventlog *log = eventlog_new(out->file);

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		struct report_proc proc = ended_proc(4242, table[i].end);
		long start = ftell(out->file);

		assert_true(start >= 0);
		eventlog_proc_end(log, &proc, 5020 * NS_PER_USEC);
		assert_string_equal(memout_text(out) + start, table[i].expected);
	}
	eventlog_free(log);
}

static void test_exec(void **state)
{
	struct memout *out = *state;
	struct eventlog *log = eventlog_new(out->file);
	struct report_proc proc = { .pid = 4242, .exe = "/usr/bin/true" };

	eventlog_exec(log, &proc, 12 * NS_PER_SEC + 345678 * NS_PER_USEC);
	/* Not known (/proc unreadable): a question mark. */
	proc.exe = NULL;
	eventlog_exec(log, &proc, 13 * NS_PER_SEC);
	assert_string_equal(memout_text(out), "12.345678 [4242] --- execve /usr/bin/true ---\n"
					      "13.000000 [4242] --- execve ? ---\n");
	eventlog_free(log);
}

/* A whole session, in order: calls, an exec, the end. */
static void test_session(void **state)
{
	struct memout *out = *state;
	struct eventlog *log = eventlog_new(out->file);
	struct report_proc proc = ended_proc(100, EXITED(0));
	struct sysdecode_call mmap_call, mprotect_call;
	struct engine_call ev = {
		.seq = 1,
		.time_ns = 1000,
		.pid = 100,
		.tid = 100,
		.call = &mmap_call,
		.finished = true,
		.rval = 0x7f0000000000,
	};

	decode_anon_mmap(&mmap_call);
	decode(&mprotect_call, SYS_mprotect, 0x7f0000000000, 4096, PROT_NONE, 0, 0, 0);
	eventlog_call(log, &ev);
	proc.exe = "/bin/prog";
	eventlog_exec(log, &proc, 2000000);
	ev.seq = 2;
	ev.time_ns = 3000000;
	ev.tid = 101;
	ev.call = &mprotect_call;
	ev.rval = -EINVAL;
	ev.err = EINVAL;
	eventlog_call(log, &ev);
	eventlog_proc_end(log, &proc, 4000000);
	assert_string_equal(memout_text(out),
			    "0.000001 [100] #1 " ANON_MMAP " = 0x7f0000000000\n"
			    "0.002000 [100] --- execve /bin/prog ---\n"
			    "0.003000 [100/101] #2 mprotect(0x7f0000000000, 4096, PROT_NONE) = "
			    "-1 EINVAL (Invalid argument)\n"
			    "0.004000 [100] +++ exited with 0 +++\n");
	eventlog_free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_call),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_format_truncated),
		cmocka_unit_test(test_format_note),
		cmocka_unit_test_setup_teardown(test_call_lines, memout_setup, memout_teardown),
		cmocka_unit_test_setup_teardown(test_free_flushes, memout_setup, memout_teardown),
		cmocka_unit_test_setup_teardown(test_proc_end, memout_setup, memout_teardown),
		cmocka_unit_test_setup_teardown(test_exec, memout_setup, memout_teardown),
		cmocka_unit_test_setup_teardown(test_session, memout_setup, memout_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
