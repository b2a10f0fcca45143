/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of fitting text to a terminal (report/textfit.c): prose
 * wrapped at its spaces, sites at their frames, long C++ names elided by
 * their template lists and then their middle, and two sites that never
 * print the same text.  Every result is checked whole, and every line of
 * it against the width, in columns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../report/textfit.h"

#define ELL "\xe2\x80\xa6" /* U+2026 */

/* Every line of text is at most width columns; returns how many lines. */
static size_t check_lines(const char *text, size_t first_col, size_t width)
{
	size_t lines = 0, col = first_col;

	for (const char *line = text;; lines++) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (col + textfit_columns(line, len) > width)
			fail_msg("line %zu is %zu columns wide, more than %zu: '%.*s'", lines + 1,
				 col + textfit_columns(line, len), width, (int)len, line);
		if (!nl)
			return lines + 1;
		line = nl + 1;
		col = 0;
	}
}

static void expect_wrap(const char *text, size_t width, size_t col, size_t indent, const char *want,
			size_t want_end)
{
	size_t end = 0;
	char *got = textfit_wrap(text, width, col, indent, &end);

	assert_string_equal(got, want);
	assert_int_equal(end, want_end);
	if (width)
		(void)check_lines(got, col, width);
	free(got);
}

/* Columns count characters: the ellipsis is one column in three bytes. */
static void test_columns(void **state)
{
	(void)state;
	assert_int_equal(textfit_columns("abc", 3), 3);
	assert_int_equal(strlen(ELL), 3);
	assert_int_equal(textfit_columns(ELL, strlen(ELL)), 1);
	assert_int_equal(textfit_columns("std::vector<" ELL ">", strlen("std::vector<" ELL ">")),
			 14);
	/* Bytes that are no UTF-8 show as one column each, a lone continuation byte too. */
	assert_int_equal(textfit_columns("a\xff\xfe", 3), 3);
	assert_int_equal(textfit_columns("a\x80\xbf", 3), 3);
	assert_int_equal(textfit_columns("\xe2\x80", 2), 2);
	assert_int_equal(textfit_columns("caf\xc3\xa9", 5), 4);
	/* A character cut short by len: its bytes one column each. */
	assert_int_equal(textfit_columns(ELL, 2), 2);
}

/* Prose breaks at its spaces; continuation lines are indented; a number keeps its unit. */
static void test_wrap_words(void **state)
{
	(void)state;
	expect_wrap("the quick brown fox jumps over the lazy dog", 20, 0, 4,
		    "the quick brown fox\n    jumps over the\n    lazy dog", 12);
	/* Leading spaces stay; the double space inside a line too. */
	expect_wrap("  each pair costs.  Keep it", 40, 0, 4, "  each pair costs.  Keep it", 27);
	/* From column 10 on: the first line has 10 columns less. */
	expect_wrap("alpha beta gamma", 20, 10, 2, "alpha beta\n  gamma", 7);
	/*
	 * A figure never starts a line alone: 255.5 MiB never splits between
	 * the number and its unit, "(peak 542.4 MiB):" nor "munmap 209,"
	 * between a name and its figure.
	 */
	expect_wrap("  VSZ 324.3 MiB (peak 542.4 MiB): 255.5 MiB reserved", 30, 0, 4,
		    "  VSZ 324.3 MiB\n    (peak 542.4 MiB):\n    255.5 MiB reserved", 22);
	expect_wrap("473 memory calls (mmap 220, munmap 209, mprotect 15)", 30, 0, 4,
		    "473 memory calls (mmap 220,\n    munmap 209, mprotect 15)", 28);
	/* It fits: unchanged. */
	expect_wrap("fits in one line", 16, 0, 4, "fits in one line", 16);
}

/* A word wider than a line is cut across lines, each full. */
static void test_wrap_long_word(void **state)
{
	(void)state;
	expect_wrap("see /usr/lib/x86_64-linux-gnu/libstdc++.so.6 now", 20, 0, 2,
		    "see\n  /usr/lib/x86_64-li\n  nux-gnu/libstdc++.\n  so.6 now", 10);
	/* The same with characters of several bytes: cut between characters. */
	expect_wrap(ELL ELL ELL ELL ELL ELL, 4, 0, 0, ELL ELL ELL ELL "\n" ELL ELL, 2);
}

/* Width 0: no limit, nothing wrapped, nothing elided. */
static void test_width_zero(void **state)
{
	static const char long_site[] =
		"malloc < a_function_with_a_very_long_name_that_goes_on_and_on_and_on < "
		"std::vector<std::map<int, std::vector<int> > >::_M_realloc_insert < main";
	char *got;
	size_t end;

	(void)state;
	expect_wrap(long_site, 0, 5, 4, long_site, 5 + strlen(long_site));
	got = textfit_wrap_site(long_site, true, 0, 10, 4, &end);
	assert_string_equal(got + 1, long_site);
	assert_int_equal(got[0], ' ');
	assert_int_equal(end, 11 + strlen(long_site));
	free(got);
	got = textfit_site(long_site, 0, true);
	assert_string_equal(got, long_site);
	free(got);
	got = textfit_name(long_site, 0, true);
	assert_string_equal(got, long_site);
	free(got);
}

/* A site breaks only between frames, a broken line ending in " <". */
static void test_wrap_site(void **state)
{
	char *got;
	size_t end;

	(void)state;
	/* Under its column (10), 34 columns wide. */
	got = textfit_wrap_site("malloc < worker_alloc < worker_main < start_thread", false, 34, 10,
				10, &end);
	assert_string_equal(got, "malloc < worker_alloc <\n"
				 "          worker_main <\n"
				 "          start_thread");
	assert_int_equal(end, 22);
	(void)check_lines(got, 10, 34);
	free(got);
	/* After "kept:", a space; the first frame does not fit there: on the next line. */
	got = textfit_wrap_site("mmap < churn_buffer < main", true, 30, 25, 4, &end);
	assert_string_equal(got, "\n    mmap < churn_buffer < main");
	assert_int_equal(end, 30);
	free(got);
	got = textfit_wrap_site("mmap < main", true, 30, 17, 4, &end);
	assert_string_equal(got, " mmap < main");
	free(got);
	/* A frame wider than a line (not elided) is cut across lines, leaving room for " <". */
	got = textfit_wrap_site("f < abcdefghijklmnopqrstuvwxyz < g", false, 14, 0, 2, &end);
	assert_string_equal(got, "f <\n"
				 "  abcdefghij\n"
				 "  klmnopqrst\n"
				 "  uvwxyz < g");
	(void)check_lines(got, 0, 14);
	free(got);
}

/* The example of the C++ runtime: a vector of maps growing. */
#define REALLOC_INSERT                                                                     \
	"std::vector<std::map<std::string, std::vector<int, std::allocator<int> > >, "     \
	"std::allocator<std::map<std::string, std::vector<int, std::allocator<int> > > > " \
	">::_M_realloc_insert"

/* Template lists go innermost first, then outward, until the name fits. */
static void test_elide_templates(void **state)
{
	char *got;

	(void)state;
	got = textfit_name(REALLOC_INSERT, 40, true);
	assert_string_equal(got, "std::vector<" ELL ">::_M_realloc_insert");
	free(got);
	/* The ASCII ellipsis when the terminal's character set is not UTF-8. */
	got = textfit_name(REALLOC_INSERT, 40, false);
	assert_string_equal(got, "std::vector<...>::_M_realloc_insert");
	free(got);
	/* Room for more: only the innermost lists go, widest first. */
	got = textfit_name(REALLOC_INSERT, 120, true);
	assert_string_equal(got, "std::vector<std::map<std::string, std::vector<" ELL
				 "> >, std::allocator<std::map<" ELL "> > >::_M_realloc_insert");
	assert_true(textfit_columns(got, strlen(got)) <= 120);
	free(got);
	/* operator<< and operator-> are no template lists. */
	got = textfit_name("std::basic_ostream<char, std::char_traits<char> >& std::operator<< "
			   "<std::char_traits<char> >",
			   60, true);
	assert_string_equal(got, "std::basic_ostream<" ELL ">& std::operator<< <" ELL ">");
	free(got);
	got = textfit_name("std::unique_ptr<foo::Widget, std::default_delete<foo::Widget> "
			   ">::operator->",
			   40, true);
	assert_string_equal(got, "std::unique_ptr<" ELL ">::operator->");
	free(got);
}

/* No template list left: the middle goes, the start and the end stay. */
static void test_elide_middle(void **state)
{
	char *got;

	(void)state;
	got = textfit_name("a_function_with_a_very_long_name_indeed", 21, true);
	assert_string_equal(got, "a_function" ELL "ame_indeed");
	assert_int_equal(textfit_columns(got, strlen(got)), 21);
	free(got);
	got = textfit_name("a_function_with_a_very_long_name_indeed", 21, false);
	assert_string_equal(got, "a_functio...me_indeed");
	free(got);
	/* The templates first, then the middle of what is left. */
	got = textfit_name(REALLOC_INSERT, 24, true);
	assert_string_equal(got, "std::vector" ELL "alloc_insert");
	assert_int_equal(textfit_columns(got, strlen(got)), 24);
	free(got);
	/* Fits: unchanged. */
	got = textfit_name("main", 4, true);
	assert_string_equal(got, "main");
	free(got);
}

/* A site's frames are elided to a line's room each, never dropped; the program's own frame stays whole. */
static void test_site(void **state)
{
	static const char site[] = "malloc < operator new < " REALLOC_INSERT " < fill_index < main";
	static const char own[] = "malloc < a_function_with_a_very_long_name_that_goes_on_and_on < "
				  "another_function_with_a_very_long_name < main";
	char *got, *laid;

	(void)state;
	got = textfit_site(site, 40, true);
	assert_string_equal(got, "malloc < operator new < std::vector<" ELL
				 ">::_M_realloc_insert < fill_index < main");
	laid = textfit_wrap_site(got, false, 44, 4, 4, NULL);
	assert_int_equal(check_lines(laid, 4, 44), 3);
	assert_string_equal(laid, "malloc < operator new <\n"
				  "    std::vector<" ELL ">::_M_realloc_insert <\n"
				  "    fill_index < main");
	free(laid);
	free(got);
	/* The second frame (the program's innermost) stays whole; the third is cut. */
	got = textfit_site(own, 30, true);
	assert_string_equal(got, "malloc < a_function_with_a_very_long_name_that_goes_on_and_on < "
				 "another_funct" ELL "very_long_name < main");
	free(got);
	/* Frames that fit stay whole, whatever the site's width. */
	got = textfit_site("malloc < worker_alloc < worker_main < start_thread", 20, true);
	assert_string_equal(got, "malloc < worker_alloc < worker_main < start_thread");
	free(got);
}

/* Two sites whose elided names would read the same are printed whole, so they differ. */
static void test_sites_distinct(void **state)
{
	static const char one[] =
		"malloc < operator new < std::vector<Alpha>::_M_realloc_insert < main";
	static const char two[] =
		"malloc < operator new < std::vector<Gamma>::_M_realloc_insert < main";
	static const char three[] =
		"malloc < operator new < std::vector<int, std::allocator<int> >::push_back < main";
	struct textfit_sites *sites = textfit_sites_new(true);
	const char *got_one, *got_two, *got_three;
	char *alone_one = textfit_site(one, 37, true), *alone_two = textfit_site(two, 37, true);
	char *laid;

	(void)state;
	/* Each alone, they would read the same. */
	assert_string_equal(alone_one, "malloc < operator new < std::vector<" ELL
				       ">::_M_realloc_insert < main");
	assert_string_equal(alone_one, alone_two);
	free(alone_one);
	free(alone_two);
	textfit_sites_add(sites, one, 37);
	textfit_sites_add(sites, two, 37);
	textfit_sites_add(sites, three, 37);
	got_one = textfit_sites_get(sites, one, 37);
	got_two = textfit_sites_get(sites, two, 37);
	got_three = textfit_sites_get(sites, three, 37);
	assert_string_equal(got_one, one);
	assert_string_equal(got_two, two);
	/* The third elides to a text of its own: elided. */
	assert_string_equal(got_three,
			    "malloc < operator new < std::vector<" ELL ">::push_back < main");
	/* Whole, they still fit, cut across lines. */
	laid = textfit_wrap_site(got_one, false, 41, 4, 4, NULL);
	assert_string_equal(laid, "malloc < operator new <\n"
				  "    std::vector<Alpha>::_M_realloc_inse\n"
				  "    rt < main");
	(void)check_lines(laid, 4, 41);
	free(laid);
	/* At a room where it fits, it is whole anyway; a site not added is added (the texts got before
	 * are gone). */
	assert_string_equal(textfit_sites_get(sites, one, 100), one);
	assert_string_equal(textfit_sites_get(sites, one, 37), one);
	assert_string_equal(textfit_sites_get(sites, three, 37),
			    "malloc < operator new < std::vector<" ELL ">::push_back < main");
	textfit_sites_free(sites);
	textfit_sites_free(NULL);
}

/* An elided text that is another site's whole text is given back its own whole text. */
static void test_sites_elided_is_another(void **state)
{
	static const char whole[] = "f < std::vector<" ELL ">::_M_realloc_insert_x";
	static const char other[] = "f < std::vector<int>::_M_realloc_insert_x";
	struct textfit_sites *sites = textfit_sites_new(true);

	(void)state;
	textfit_sites_add(sites, whole, 100);
	textfit_sites_add(sites, other, 34);
	assert_string_equal(textfit_sites_get(sites, whole, 100), whole);
	assert_string_equal(textfit_sites_get(sites, other, 34), other);
	textfit_sites_free(sites);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_wrap_words),
		cmocka_unit_test(test_wrap_long_word),
		cmocka_unit_test(test_width_zero),
		cmocka_unit_test(test_wrap_site),
		cmocka_unit_test(test_elide_templates),
		cmocka_unit_test(test_elide_middle),
		cmocka_unit_test(test_site),
		cmocka_unit_test(test_sites_distinct),
		cmocka_unit_test(test_sites_elided_is_another),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
