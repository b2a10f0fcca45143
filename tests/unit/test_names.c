/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of report/names.c: every name the trace writes reads back
 * to what it names; the texts people read are the ones the report, the
 * --events log and --regions print.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "../../report/names.h"

static void test_origins(void **state)
{
	static const struct {
		enum aspace_origin_kind kind;
		const char *trace, *site, *text;
	} want[] = {
		{ ASPACE_ORIGIN_CALL, "call", "[no stack]", NULL },
		{ ASPACE_ORIGIN_EXEC, "exec", "[mapped at exec]", "[exec]" },
		{ ASPACE_ORIGIN_ATTACH, "attach", "[before attach]", "[before attach]" },
		{ ASPACE_ORIGIN_KERNEL, "kernel", "[kernel]", "[kernel]" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(names_origin_trace(want[i].kind), want[i].trace);
		assert_string_equal(names_origin_site(want[i].kind), want[i].site);
		if (want[i].text)
			assert_string_equal(names_origin_text(want[i].kind), want[i].text);
		else
			assert_null(names_origin_text(want[i].kind));
		assert_int_equal(names_origin_parse(want[i].trace), want[i].kind);
	}
	assert_int_equal(names_origin_parse("[exec]"), -1);
	assert_int_equal(names_origin_parse(NULL), -1);
	assert_string_equal(names_origin_trace((enum aspace_origin_kind)99), "?");
}

static void test_backings(void **state)
{
	static const char *const want[] = { "anon", "file", "heap", "stack", "shm", "special" };

	(void)state;
	for (int i = 0; i <= ASPACE_BACKING_SPECIAL; i++) {
		assert_string_equal(names_backing((enum aspace_backing)i), want[i]);
		assert_int_equal(names_backing_parse(want[i]), i);
	}
	assert_string_equal(names_backing((enum aspace_backing)99), "?");
	assert_int_equal(names_backing_parse("Anon"), -1);
	assert_int_equal(names_backing_parse(NULL), -1);
}

/* Every protection: its text, and back. */
static void test_prot(void **state)
{
	char buf[NAMES_PROT_SIZE];

	(void)state;
	assert_string_equal(names_prot(buf, PROT_NONE), "---");
	assert_string_equal(names_prot(buf, PROT_READ | PROT_EXEC), "r-x");
	assert_string_equal(names_perms(buf, PROT_READ | PROT_WRITE, false), "rw-p");
	assert_string_equal(names_perms(buf, PROT_READ, true), "r--s");
	for (unsigned int prot = 0; prot < 8; prot++)
		assert_int_equal(names_prot_parse(names_prot(buf, prot)), prot);
	/* Each letter only in its place; anything but three characters is nothing. */
	assert_int_equal(names_prot_parse("xwr"), PROT_WRITE);
	assert_int_equal(names_prot_parse("rw-p"), 0);
	assert_int_equal(names_prot_parse("rw"), 0);
	assert_int_equal(names_prot_parse(NULL), 0);
}

/* How a process ends: in the trace, and as the report and --events say it. */
static void test_ends(void **state)
{
	struct names_ending end = { 0 };
	char buf[64];

	(void)state;
	/* All zero: still running. */
	assert_int_equal(end.how, NAMES_END_RUNNING);
	assert_string_equal(names_end_text(buf, sizeof(buf), &end), "still running");
	end.how = NAMES_END_DETACHED;
	assert_string_equal(names_end_text(buf, sizeof(buf), &end), "detached, running on");
	end = (struct names_ending){ .how = NAMES_END_EXITED, .code = 3 };
	assert_string_equal(names_end_text(buf, sizeof(buf), &end), "exited with 3");
	end = (struct names_ending){ .how = NAMES_END_EXITED };
	assert_string_equal(names_end_text(buf, sizeof(buf), &end), "exited with 0");
	end = (struct names_ending){ .how = NAMES_END_KILLED,
				     .code = SIGSEGV,
				     .core_dumped = true };
	assert_string_equal(names_end_text(buf, sizeof(buf), &end),
			    "killed by SIGSEGV (core dumped)");
	end = (struct names_ending){ .how = NAMES_END_KILLED, .code = SIGKILL };
	assert_string_equal(names_end_text(buf, sizeof(buf), &end), "killed by SIGKILL");
	/* A signal this system has no name for, as a trace from elsewhere may hold. */
	end = (struct names_ending){ .how = NAMES_END_KILLED, .code = 0 };
	assert_string_equal(names_end_text(buf, sizeof(buf), &end), "killed by SIG?");
	end = (struct names_ending){ .how = NAMES_END_DETACHED, .code = 1 };
	assert_string_equal(names_end_text(buf, sizeof(buf), &end), "detached, left stopped");
	end = (struct names_ending){ .how = NAMES_END_EXECED };
	assert_string_equal(names_end_text(buf, sizeof(buf), &end), "replaced by an exec");
	for (int how = NAMES_END_RUNNING; how <= NAMES_END_EXECED; how++)
		assert_int_equal(names_end_parse(names_end_trace((enum names_end)how)), how);
	assert_string_equal(names_end_trace(NAMES_END_KILLED), "killed");
	assert_int_equal(names_end_parse("exited with 0"), -1);
	assert_int_equal(names_end_parse(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_origins),
		cmocka_unit_test(test_backings),
		cmocka_unit_test(test_prot),
		cmocka_unit_test(test_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
